"""Pure figure builders for the RNN family on the RNN page: any number of gate panels, gate
means, and two members compared on one chart. No Streamlit, no torch, no translation."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from viz import style
from viz.fig import figure, subplot_layout
from viz.rnn import _bars_layout, _layout, _marker, _token_trace, unit_labels
from viz.style import esc, step_labels, token_axis

_r = style.f32
GATE_COLORS = ("#440154", "#21918c", "#fde725", "#3b528b", "#5ec962")


def gate_panels(
    panels: Sequence[tuple[np.ndarray, str, str]],
    tokens: Sequence[str],
    order: np.ndarray,
    unit_word: str,
    selected: int | None = None,
    start: int = 0,
    signed: bool = False,
) -> go.Figure:
    """Stacked units × steps heatmaps, one per gate (or state), sharing the step axis.

    Args:
        panels: (values (T, H), panel title, short name for the hover) per panel, top first.
        tokens: (T) tokens of the steps shown; order: (H,) unit indices, top row first.
        unit_word: "unit", translated.
        selected, start: the step to mark (relative to this slice) and the slice's first step.
        signed: diverging colours on a symmetric range per panel (states such as h_t and the
            LSTM's cell c_t); otherwise 0..1 (gates).

    Returns:
        One heatmap per panel (``z`` = ``values[:, order].T``), in order.
    """
    n = len(panels)
    T = panels[0][0].shape[0] if n else 0
    lay = subplot_layout(n, 1, [p[1] for p in panels], shared_xaxes=True, vertical_spacing=0.06)
    xl, yl = step_labels(tokens, start), unit_labels(order, unit_word)
    data = []
    for k, (vals, _, name) in enumerate(panels):
        sfx = "" if k == 0 else str(k + 1)
        rng = (-style.sym(vals), style.sym(vals)) if signed else (0.0, 1.0)
        data.append(
            dict(
                type="heatmap", z=_r(vals[:, order].T), x=xl, y=yl, zmin=rng[0], zmax=rng[1],
                colorscale=style.scale(style.DIV if signed else style.SEQ),
                showscale=signed or k == 0,
                colorbar=dict(thickness=10, len=1 / n, y=1 - (k + 0.5) / n),
                hovertemplate=f"%{{y}} · %{{x}}<br>{esc(name)} = %{{z:.4f}}<extra></extra>",
                name=name, xaxis=f"x{sfx}", yaxis=f"y{sfx}",
            )
        )  # fmt: skip
        lay[f"yaxis{sfx}"].update(autorange="reversed", showticklabels=False, type="category")
        lay[f"xaxis{sfx}"].update(type="category", showticklabels=k == n - 1)
    last = "" if n == 1 else str(n)
    lay[f"xaxis{last}"].update(tickangle=0 if T <= 12 else -60, nticks=style.MAX_TICKS)
    lay.update(_layout(170 * n + 60))
    lay["annotations"] = lay.get("annotations", [])
    return figure(data, _marker(lay, selected, T, axes=tuple("" if k == 0 else str(k + 1)
                                                            for k in range(n))))  # fmt: skip


def gate_means(
    lines: Sequence[tuple[np.ndarray, str]],
    tokens: Sequence[str],
    selected: int | None = None,
) -> go.Figure:
    """Each gate averaged over the units, one line per gate over the tokens (range 0..1).

    Args:
        lines: ((T,) mean values, legend name) per gate.
    """
    data = [
        _token_trace("scatter", tokens, _r(v), name, mode="lines+markers",
                     line=dict(color=GATE_COLORS[k % len(GATE_COLORS)]))
        for k, (v, name) in enumerate(lines)
    ]  # fmt: skip
    return figure(data, _bars_layout(tokens, None, selected, range=[0, 1]))


def word_positions(tokens: Sequence[str]) -> np.ndarray:
    """For each token, the character step at which it ends (0-based), on the by-characters axis.

    The by-words tokenisation only joins adjacent Chinese characters (``nets.words``), so a
    Chinese word of n characters spans n character steps and every other token spans one.
    """
    ends, pos = [], -1
    for tok in tokens:
        pos += len(tok) if tok and all(style.is_cjk(ch) for ch in tok) else 1
        ends.append(pos)
    return np.array(ends, dtype=np.int64)


def compare_members(
    axis_tokens: Sequence[str],
    members: Sequence[dict],
    labels: dict[str, str],
) -> go.Figure:
    """Two (or more) members on one sentence: P(positive) while reading, above their attention.

    Args:
        axis_tokens: the tokens of the shared x axis (the finer tokenisation's).
        members: per member ``{"name", "color", "x" (T_m,) positions on that axis, "tokens",
            "prob" (T_m,), "attention" (T_m,), "dash" (bool: drawn dashed, e.g. a re-read
            curve)}``.
        labels: translated ``prob`` (top y axis), ``attention`` (bottom y axis),
            ``threshold`` (the 0.5 line's label).

    Returns:
        A two-row figure: first one line per member (row 1), then one bar trace per member
        (row 2), in the members' order.
    """
    lay = subplot_layout(2, 1, shared_xaxes=True, vertical_spacing=0.08, row_heights=[0.6, 0.4])
    lines, bars = [], []
    for m in members:
        x = np.asarray(m["x"], dtype=np.float32)
        cd = np.array([[i + 1, esc(t)] for i, t in enumerate(m["tokens"])], dtype=object).reshape(
            len(m["tokens"]), 2
        )
        lines.append(
            dict(
                type="scatter", x=x, y=_r(m["prob"]), mode="lines+markers", name=m["name"],
                line=dict(color=m["color"], width=2, dash="dash" if m.get("dash") else "solid"),
                marker=dict(size=7, color=m["color"]), customdata=cd, legendgroup=m["name"],
                hovertemplate=f"{esc(m['name'])} · t = %{{customdata[0]}} · %{{customdata[1]}}"
                "<br>P(+) = %{y:.4f}<extra></extra>",
                xaxis="x", yaxis="y",
            )
        )  # fmt: skip
        bars.append(
            dict(
                type="bar", x=x, y=_r(m["attention"]), name=m["name"], showlegend=False,
                marker=dict(color=m["color"]), opacity=0.75, customdata=cd, legendgroup=m["name"],
                hovertemplate=f"{esc(m['name'])} · t = %{{customdata[0]}} · %{{customdata[1]}}"
                "<br>%{y:.4f}<extra></extra>",
                xaxis="x2", yaxis="y2",
            )
        )  # fmt: skip
    lay.update(_layout(460))
    lay["barmode"] = "group"
    lay["xaxis2"].update(token_axis(axis_tokens))
    lay["xaxis"].update(range=[-0.5, len(axis_tokens) - 0.5], showticklabels=False)
    lay["yaxis"].update(range=[-0.02, 1.02], title=dict(text=labels["prob"]))
    lay["yaxis2"].update(rangemode="tozero", title=dict(text=labels["attention"]))
    lay["shapes"] = [
        dict(type="line", x0=0, x1=1, xref="x domain", y0=0.5, y1=0.5, yref="y",
             line=dict(color="#999", dash="dash"))
    ]  # fmt: skip
    lay["annotations"] = [
        dict(text=labels["threshold"], x=1, xref="x domain", y=0.5, yref="y", xanchor="right",
             yanchor="top", showarrow=False, font=dict(color="#777"))
    ]  # fmt: skip
    return figure(lines + bars, lay)
