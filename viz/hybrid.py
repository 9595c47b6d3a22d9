"""Pure figure builders for the CNN + RNN page: arrays and translated labels in, figures out.

No Streamlit, no torch, no translation. Colours from ``viz.style``: the CNN blue, the RNN orange,
the two together (the CRNN, the per-frame CNN → GRU) purple, chance grey. Every builder assembles
plotly's canonical dicts and ends with :func:`viz.fig.figure`.

Columns (time steps of the CRNN) are numbered from 1 on screen; arrays are 0-based.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from viz import style
from viz.fig import figure, player, subplot_layout

INK = style.scale("gray")  # white ink on black, as the models read it
SEQ = style.scale(style.SEQ)
DIV = style.scale(style.DIV)
PURPLES = style.scale("Purples")
MODEL_COLORS = {
    "crnn": style.HYBRID,
    "cnn_only": style.CNN,
    "rnn_only": style.RNN,
    "gru": style.HYBRID,
    "one_frame": style.CNN,
    "diff": "#6baed6",  # a lighter CNN blue: the CNN again, on a frame difference
}
_r = style.f32
_BARE = dict(showticklabels=False, showgrid=False, zeroline=False, ticks="", showline=False)


def _layout(height: int, title: str | None = None, **extra) -> dict:
    lay = dict(
        height=height,
        margin=dict(l=8, r=8, t=36 if title else 12, b=8),
        # the plotly toolbar sits at the top right and hid a right-aligned legend: the legend
        # goes left unless the title is there
        legend=dict(
            orientation="h",
            yanchor="bottom",
            y=1.0,
            xanchor="right" if title else "left",
            x=1 if title else 0,
        ),
        hoverlabel=dict(namelength=-1),
    )
    if title:
        lay["title"] = dict(text=title, font=dict(size=14), x=0, xanchor="left")
    lay.update(extra)
    return lay


def _rect(x0, x1, y0, y1, color: str, xref="x", yref="y", width=2, fill=None, dash=None) -> dict:
    line = dict(color=color, width=width)
    if dash:
        line["dash"] = dash
    shape = dict(type="rect", xref=xref, yref=yref, x0=x0, x1=x1, y0=y0, y1=y1, line=line)
    if fill:
        shape["fillcolor"] = fill
        shape["layer"] = "above"
    return shape


def _vline(x: float, xref: str, yref: str, color: str = "#333") -> dict:
    return dict(
        type="line",
        x0=x,
        x1=x,
        y0=0,
        y1=1,
        xref=xref,
        yref=yref,
        line=dict(color=color, width=1.5, dash="dot"),
    )


def _col_axis(T: int, **extra) -> dict:
    """An x axis over columns 0..T−1 labelled 1..T (every n-th label when long)."""
    step = max(1, int(np.ceil(T / 20)))
    idx = list(range(0, T, step))
    axis = dict(
        tickmode="array", tickvals=idx, ticktext=[str(i + 1) for i in idx], range=[-0.5, T - 0.5]
    )
    axis.update(extra)
    return axis


def _sfx(i: int) -> str:
    return "" if i == 1 else str(i)


# ----------------------------------------------------------------------------- 1. the strip


def strip_fig(
    strip: np.ndarray,
    cursor: int,
    field: tuple[int, int],
    stride: int,
    labels: tuple[str, str],
) -> go.Figure:
    """The strip as the model reads it, with the selected column and what it sees.

    Args:
        strip: (28, W) in [0, 1].
        cursor: the selected column (0-based); it covers pixels [stride·t, stride·(t+1)).
        field: pixels [lo, hi) the column's features depend on (its receptive field).
        stride: pixels per column.
        labels: (pixel axis title, hover word for "column").

    Returns:
        A heatmap of the strip; a purple box marks the column's 4 pixels, a dashed one its field.
    """
    H, W = strip.shape
    col = np.repeat(np.arange(W) // stride + 1, H).reshape(W, H).T  # (H, W) column of each pixel
    heat = dict(
        type="heatmap",
        z=_r(strip, 3),
        customdata=col,
        colorscale=INK,
        zmin=0,
        zmax=1,
        showscale=False,
        hovertemplate=f"x = %{{x}} px · {labels[1]} %{{customdata}}<br>%{{z:.3f}}<extra></extra>",
    )
    lo, hi = field
    shapes = [
        _rect(lo - 0.5, hi - 0.5, -0.5, H - 0.5, style.HIGHLIGHT, width=2, dash="dash"),
        _rect(
            stride * cursor - 0.5, stride * (cursor + 1) - 0.5, -0.5, H - 0.5, style.HYBRID, width=3
        ),
    ]
    layout = _layout(
        max(120, min(220, int(900 * H / max(W, 1)) + 60)),
        xaxis=dict(title=dict(text=labels[0]), constrain="domain", showgrid=False),
        yaxis=dict(_BARE, autorange="reversed", scaleanchor="x", constrain="domain"),
        shapes=shapes,
    )
    return figure([heat], layout)


# ----------------------------------------------------------------------------- 2. CNN


def feature_maps_fig(
    maps: Sequence[tuple[str, np.ndarray]],
    cursor_px: tuple[float, float] | None = None,
) -> go.Figure:
    """A few feature maps over the whole strip, one row each (same x range: the strip's pixels).

    Args:
        maps: (title, (h, w) map) pairs; a map of width w covers the strip's W pixels, so x is
            scaled to pixels (a 7-row map of the third layer has one column per 4 pixels).
        cursor_px: the selected column's pixel range, drawn on every row.
    """
    n = len(maps)
    layout = subplot_layout(n, 1, titles=[m[0] for m in maps], vertical_spacing=0.3 / max(n, 1))
    data, shapes = [], []
    W = None
    for i, (_, a) in enumerate(maps, 1):
        h, w = a.shape
        W = W or w
        scale = (maps[0][1].shape[1]) / w  # pixels per map column
        s = _sfx(i)
        data.append(
            dict(
                type="heatmap",
                z=_r(a, 3),
                x0=(scale - 1) / 2,
                dx=scale,
                colorscale=SEQ,
                zmin=0,
                showscale=False,
                hovertemplate="x ≈ %{x:.0f} px, y %{y}<br>%{z:.3f}<extra></extra>",
                xaxis=f"x{s}",
                yaxis=f"y{s}",
            )
        )
        layout[f"xaxis{s}"].update(_BARE, range=[-0.5, maps[0][1].shape[1] - 0.5])
        layout[f"yaxis{s}"].update(_BARE, autorange="reversed")
        if cursor_px is not None:
            shapes.append(
                _rect(
                    cursor_px[0] - 0.5,
                    cursor_px[1] - 0.5,
                    0,
                    1,
                    style.HYBRID,
                    xref=f"x{s}",
                    yref=f"y{s} domain",
                    width=2,
                )
            )
    for ann in layout.get("annotations", []):
        ann["font"] = dict(size=12)
    layout.update(_layout(110 * n + 40))
    layout["margin"]["t"] = 24
    if shapes:
        layout["shapes"] = shapes
    return figure(data, layout)


def columns_fig(columns: np.ndarray, cursor: int, labels: tuple[str, str]) -> go.Figure:
    """The feature vector of every column as a heatmap: features × columns (time runs right).

    Args:
        columns: (T, F) the column features (the GRU's inputs).
        cursor: the selected column.
        labels: (column axis title, feature word).
    """
    T, F = columns.shape
    heat = dict(
        type="heatmap",
        z=_r(columns.T, 3),  # (F, T)
        x=np.arange(T),
        colorscale=SEQ,
        zmin=0,
        colorbar=dict(thickness=10),
        hovertemplate=f"{labels[0]} %{{customdata}} · {labels[1]} %{{y}}<br>%{{z:.3f}}<extra></extra>",
        customdata=np.broadcast_to(np.arange(1, T + 1), (F, T)).copy(),
    )
    layout = _layout(
        260,
        xaxis=_col_axis(T, title=dict(text=labels[0])),
        yaxis=dict(title=dict(text=labels[1]), autorange="reversed", showticklabels=False),
        shapes=[_vline(cursor, "x", "y domain", style.HYBRID)],
    )
    return figure([heat], layout)


# ----------------------------------------------------------------------------- 3. GRU states


def gru_states_fig(
    fwd: np.ndarray,
    bwd: np.ndarray,
    cursor: int,
    labels: tuple[str, str, str, str],
) -> go.Figure:
    """Both GRU directions over the columns, units × columns, with the selected column.

    Args:
        fwd, bwd: (T, H) states (bwd[t] has read columns T..t).
        cursor: the selected column.
        labels: (forward title, backward title, column axis title, unit word).
    """
    T, H = fwd.shape
    layout = subplot_layout(2, 1, titles=labels[:2], vertical_spacing=0.16, shared_xaxes=True)
    data = []
    for i, h in enumerate((fwd, bwd), 1):
        s = _sfx(i)
        data.append(
            dict(
                type="heatmap",
                z=_r(h.T, 3),  # (H, T)
                x=np.arange(T),
                customdata=np.broadcast_to(np.arange(1, T + 1), (H, T)).copy(),
                colorscale=DIV,
                zmin=-1,
                zmax=1,
                showscale=i == 1,
                colorbar=dict(thickness=10),
                hovertemplate=f"{labels[2]} %{{customdata}} · {labels[3]} %{{y}}<br>h = %{{z:.3f}}"
                "<extra></extra>",
                xaxis=f"x{s}",
                yaxis=f"y{s}",
            )
        )
        layout[f"yaxis{s}"].update(autorange="reversed", showticklabels=False)
        layout[f"xaxis{s}"].update(_col_axis(T))
    layout["xaxis2"]["title"] = dict(text=labels[2])
    for ann in layout.get("annotations", []):
        ann["font"] = dict(size=12)
    layout.update(
        _layout(420),
        shapes=[_vline(cursor, f"x{s}", f"y{s} domain", style.HYBRID) for s in ("", "2")],
    )
    return figure(data, layout)


# ----------------------------------------------------------------------------- 4. probabilities


def prob_matrix_fig(
    probs: np.ndarray,
    best: np.ndarray,
    symbols: Sequence[str],
    cursor: int | None,
    labels: tuple[str, str, str],
    height: int = 330,
    title: str | None = None,
) -> go.Figure:
    """Per-column probabilities of the 11 symbols, with the best path marked.

    Args:
        probs: (T, 11) softmax per column.
        best: (T,) the best symbol per column (the greedy path).
        symbols: how the 11 symbols are written (blank last).
        cursor: the selected column, or None.
        labels: (column axis title, symbol axis title, best-path legend name).
    """
    T, C = probs.shape
    heat = dict(
        type="heatmap",
        z=_r(probs.T, 4),  # (11, T)
        x=np.arange(T),
        y=np.arange(C),
        customdata=np.broadcast_to(np.arange(1, T + 1), (C, T)).copy(),
        colorscale=PURPLES,
        zmin=0,
        zmax=1,
        colorbar=dict(thickness=10, tickformat=".0%"),
        hovertemplate=f"{labels[0]} %{{customdata}} · %{{y}}<br>P = %{{z:.4f}}<extra></extra>",
    )
    path = dict(
        type="scatter",
        x=np.arange(T),
        y=np.asarray(best, np.int64),
        mode="markers+lines",
        name=labels[2],
        marker=dict(symbol="circle-open", size=9, color=style.HIGHLIGHT, line=dict(width=2)),
        line=dict(color=style.HIGHLIGHT, width=1, dash="dot"),
        hoverinfo="skip",
    )
    layout = _layout(
        height,
        title,
        xaxis=_col_axis(T, title=dict(text=labels[0])),
        yaxis=dict(
            title=dict(text=labels[1]),
            tickmode="array",
            tickvals=list(range(C)),
            ticktext=[style.esc(s) for s in symbols],
            range=[-0.5, C - 0.5],
        ),
    )
    if cursor is not None:
        layout["shapes"] = [_vline(cursor, "x", "y domain", style.HYBRID)]
    return figure([heat, path], layout)


# ----------------------------------------------------------------------------- 5. CTC decoding


def ctc_steps_fig(
    best: np.ndarray,
    runs: Sequence[tuple[int, int, int]],
    blank: int,
    stage: int,
    symbols: Sequence[str],
    row_names: tuple[str, str, str, str],
    column_word: str,
) -> go.Figure:
    """Greedy CTC decoding, one row per stage, up to ``stage`` (1–4).

    Row 1: the best symbol of each column. Row 2: repeated neighbours merged into one box per
    run. Row 3: the blank runs dropped. Row 4: the number read.

    Args:
        best: (T,) best symbol per column; runs: (symbol, first, last) after merging.
        blank: the blank symbol; stage: how many rows to show.
        symbols: how the symbols are written; row_names: the four rows' names.
        column_word: "column", translated (hover).
    """
    T = len(best)
    stage = int(np.clip(stage, 1, 4))
    xs, ys, texts, colors, hover = [], [], [], [], []
    shapes = []

    def cell(x0, x1, y, sym, kept):
        color = style.HYBRID if kept else "#bbbbbb"
        fill = "rgba(106,61,154,0.12)" if kept else "rgba(0,0,0,0.03)"
        shapes.append(_rect(x0 - 0.45, x1 + 0.45, y - 0.38, y + 0.38, color, width=1.5))
        shapes[-1]["fillcolor"] = fill
        xs.append((x0 + x1) / 2)
        ys.append(y)
        texts.append(style.esc(symbols[sym]))
        colors.append(color if kept else "#888888")
        span = f"{x0 + 1}" if x0 == x1 else f"{x0 + 1}–{x1 + 1}"
        hover.append(f"{column_word} {span}")

    for t, s in enumerate(np.asarray(best).tolist()):
        cell(t, t, 0, s, s != blank)
    if stage >= 2:
        for s, a, b in runs:
            cell(a, b, 1, s, s != blank)
    kept = [(s, a, b) for s, a, b in runs if s != blank]
    if stage >= 3:
        for s, a, b in kept:
            cell(a, b, 2, s, True)
    data = [
        dict(
            type="scatter",
            x=np.asarray(xs, float),
            y=np.asarray(ys, float),
            mode="text",
            text=texts,
            textfont=dict(size=15, color=colors),
            hovertext=hover,
            hovertemplate="%{hovertext}<extra></extra>",
            showlegend=False,
        )
    ]
    annotations = []
    if stage >= 4:
        number = "".join(symbols[s] for s, _, _ in kept) or "∅"
        annotations.append(
            dict(
                x=(T - 1) / 2,
                y=3,
                xref="x",
                yref="y",
                text=f"<b>{style.esc(number)}</b>",
                showarrow=False,
                font=dict(size=26, color=style.HYBRID),
            )
        )
    layout = _layout(
        260,
        xaxis=_col_axis(T, title=dict(text=column_word), showgrid=False, zeroline=False),
        yaxis=dict(
            tickmode="array",
            tickvals=[0, 1, 2, 3],
            ticktext=list(row_names),
            range=[3.6, -0.6],
            showgrid=False,
            zeroline=False,
        ),
        shapes=shapes,
    )
    if annotations:
        layout["annotations"] = annotations
    return figure(data, layout)


# ----------------------------------------------------------------------------- 6. three models


def three_probs_fig(
    probs: Sequence[np.ndarray],
    names: Sequence[str],
    kinds: Sequence[str],
    symbols: Sequence[str],
    column_word: str,
) -> go.Figure:
    """The three models' per-column probabilities on the same strip, one row each."""
    n = len(probs)
    layout = subplot_layout(n, 1, titles=list(names), vertical_spacing=0.1, shared_xaxes=True)
    data = []
    T = probs[0].shape[0]
    for i, p in enumerate(probs, 1):
        s = _sfx(i)
        data.append(
            dict(
                type="heatmap",
                z=_r(p.T, 4),
                x=np.arange(T),
                customdata=np.broadcast_to(np.arange(1, T + 1), (p.shape[1], T)).copy(),
                colorscale=PURPLES,
                zmin=0,
                zmax=1,
                showscale=i == 1,
                colorbar=dict(thickness=10, tickformat=".0%"),
                hovertemplate=f"{column_word} %{{customdata}} · %{{y}}<br>P = %{{z:.4f}}"
                "<extra></extra>",
                xaxis=f"x{s}",
                yaxis=f"y{s}",
            )
        )
        layout[f"yaxis{s}"].update(
            tickmode="array",
            tickvals=[0, 5, 10],
            ticktext=[style.esc(symbols[k]) for k in (0, 5, 10)],
        )
        layout[f"xaxis{s}"].update(_col_axis(T))
    for ann, kind in zip(layout.get("annotations", []), kinds, strict=False):
        ann["font"] = dict(size=13, color=MODEL_COLORS[kind])
    layout[f"xaxis{_sfx(n)}"]["title"] = dict(text=column_word)
    layout.update(_layout(130 * n + 50))
    return figure(data, layout)


def wilson(k: float, n: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson 95 % interval of a proportion ``k / n`` (k may be a count or n·accuracy)."""
    if n <= 0:
        return 0.0, 1.0
    p = k / n
    den = 1 + z * z / n
    mid = (p + z * z / (2 * n)) / den
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return float(max(0.0, mid - half)), float(min(1.0, mid + half))


def accuracy_groups_fig(
    groups: Sequence[str],
    series: Sequence[tuple[str, str, Sequence[float], Sequence[int]]],
    y_title: str,
    title: str | None = None,
    chance: tuple[float, str] | None = None,
    height: int = 300,
) -> go.Figure:
    """Held-out accuracy per group (number length, touching…) of several models, as bars with
    their Wilson 95 % intervals.

    Args:
        groups: the x categories (already translated).
        series: (name, kind, accuracies, n per group) per model; kind picks the colour.
        y_title: the y axis title.
        chance: (level, name) of a horizontal chance line, or None.
    """
    data = []
    for name, kind, acc, ns in series:
        acc = np.asarray(acc, float)
        lo_hi = np.array([wilson(a * n, n) for a, n in zip(acc, ns, strict=True)])
        data.append(
            dict(
                type="bar",
                x=list(groups),
                y=acc,
                name=name,
                marker=dict(color=MODEL_COLORS[kind]),
                error_y=dict(
                    type="data",
                    symmetric=False,
                    array=np.maximum(lo_hi[:, 1] - acc, 0),
                    arrayminus=np.maximum(acc - lo_hi[:, 0], 0),
                    thickness=1,
                    width=3,
                ),
                customdata=np.column_stack([lo_hi, np.asarray(ns, float)]),
                hovertemplate="%{x}: %{y:.1%} (95 %: %{customdata[0]:.1%}–%{customdata[1]:.1%}, "
                "n = %{customdata[2]:.0f})<extra>" + style.esc(name) + "</extra>",
            )
        )
    layout = _layout(
        height,
        title,
        barmode="group",
        xaxis=dict(type="category"),
        yaxis=dict(title=dict(text=y_title), tickformat=".0%", range=[0, 1.05]),
    )
    if chance is not None:
        level, name = chance
        layout["shapes"] = [
            dict(
                type="line",
                xref="paper",
                yref="y",
                x0=0,
                x1=1,
                y0=level,
                y1=level,
                line=dict(color=style.BASELINE, width=2, dash="dash"),
            )
        ]
        layout["annotations"] = [
            dict(
                xref="paper",
                yref="y",
                x=1,
                y=level,
                xanchor="right",
                yanchor="bottom",
                text=style.esc(name),
                showarrow=False,
                font=dict(color=style.BASELINE, size=12),
            )
        ]
    return figure(data, layout)


# ----------------------------------------------------------------------------- part 2: clips


def clip_fig(clip: np.ndarray, labels: tuple[str, str]) -> go.Figure:
    """The clip, playable in the browser: one animation frame per video frame.

    Args:
        clip: (F, 40, 40) frames in [0, 1].
        labels: (play button, frame word).
    """
    F = clip.shape[0]

    def heat(t: int) -> dict:
        return dict(
            type="heatmap",
            z=_r(clip[t], 3),
            colorscale=INK,
            zmin=0,
            zmax=1,
            showscale=False,
            hovertemplate="(%{x}, %{y}) %{z:.3f}<extra></extra>",
        )

    frames = [dict(data=[heat(t)], traces=[0], name=str(t)) for t in range(F)]
    layout = _layout(
        380,
        xaxis=dict(_BARE, constrain="domain"),
        yaxis=dict(_BARE, autorange="reversed", scaleanchor="x", constrain="domain"),
        **player(F, labels[0], labels[1], 250),
    )
    layout["margin"]["b"] = 70
    return figure([heat(0)], layout, frames)


def film_fig(
    frames: np.ndarray,
    titles: Sequence[str],
    scale=None,
    zmid: bool = False,
    height: int = 130,
) -> go.Figure:
    """A row of small images (frames, or one feature map per frame), side by side.

    Args:
        frames: (N, h, w).
        titles: one per image.
        scale: colour scale (default: ink); zmid: symmetric range around 0 (differences).
        height: the figure's height in px (about the images' width, so titles sit on them).
    """
    n = len(frames)
    layout = subplot_layout(1, n, titles=list(titles), horizontal_spacing=0.01)
    m = style.sym(frames) if zmid else max(float(np.max(frames)), 1e-6)
    rng = dict(zmin=-m, zmax=m) if zmid else dict(zmin=0, zmax=m)
    data = []
    for i in range(1, n + 1):
        s = _sfx(i)
        data.append(
            dict(
                type="heatmap",
                z=_r(frames[i - 1], 3),
                colorscale=scale or INK,
                showscale=False,
                hovertemplate="%{z:.3f}<extra></extra>",
                xaxis=f"x{s}",
                yaxis=f"y{s}",
                **rng,
            )
        )
        layout[f"xaxis{s}"].update(_BARE, constrain="domain")
        layout[f"yaxis{s}"].update(
            _BARE, autorange="reversed", scaleanchor=f"x{s}", constrain="domain"
        )
    for ann in layout.get("annotations", []):
        ann["font"] = dict(size=11)
    layout.update(_layout(height))
    layout["margin"]["t"] = 24
    return figure(data, layout)


def frame_matrix_fig(
    values: np.ndarray,
    labels: tuple[str, str, str],
    diverging: bool = False,
    selected: int | None = None,
) -> go.Figure:
    """A (F, D) matrix over frames as units × frames (features or GRU states).

    Args:
        values: (F, D).
        labels: (frame axis title, unit word, value name).
        diverging: a signed scale in [−1, 1] (GRU states) instead of ≥ 0 (features).
        selected: a frame to mark.
    """
    F, D = values.shape
    heat = dict(
        type="heatmap",
        z=_r(values.T, 3),
        x=np.arange(F),
        customdata=np.broadcast_to(np.arange(1, F + 1), (D, F)).copy(),
        colorscale=DIV if diverging else SEQ,
        colorbar=dict(thickness=10),
        hovertemplate=f"{labels[0]} %{{customdata}} · {labels[1]} %{{y}}<br>{labels[2]} = "
        "%{z:.3f}<extra></extra>",
        **(dict(zmin=-1, zmax=1) if diverging else dict(zmin=0)),
    )
    layout = _layout(
        280,
        xaxis=_col_axis(F, title=dict(text=labels[0])),
        yaxis=dict(title=dict(text=labels[1]), autorange="reversed", showticklabels=False),
    )
    if selected is not None:
        layout["shapes"] = [_vline(selected, "x", "y domain", style.HYBRID)]
    return figure([heat], layout)


def forming_fig(
    step_probs: np.ndarray,
    names: Sequence[str],
    labels: tuple[str, str],
    highlight: int | None = None,
) -> go.Figure:
    """The direction after each frame: one line per direction (the GRU's head on h_t).

    Args:
        step_probs: (F, 5).
        names: the directions, translated.
        labels: (frame axis title, probability axis title).
        highlight: the direction drawn thick (the final answer).
    """
    F, K = step_probs.shape
    palette = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#7f7f7f")
    data = [
        dict(
            type="scatter",
            x=np.arange(F),
            y=_r(step_probs[:, k], 4),
            name=names[k],
            mode="lines+markers",
            line=dict(color=palette[k % len(palette)], width=4 if k == highlight else 1.5),
            hovertemplate=f"{labels[0]} %{{customdata}}: %{{y:.1%}}<extra>{names[k]}</extra>",
            customdata=np.arange(1, F + 1),
        )
        for k in range(K)
    ]
    layout = _layout(
        300,
        xaxis=_col_axis(F, title=dict(text=labels[0])),
        yaxis=dict(title=dict(text=labels[1]), tickformat=".0%", range=[0, 1.02]),
    )
    return figure(data, layout)


def direction_bars(
    probs: Sequence[np.ndarray],
    model_names: Sequence[str],
    kinds: Sequence[str],
    directions: Sequence[str],
    y_title: str,
) -> go.Figure:
    """Each model's probabilities of the five directions on this clip, grouped by direction."""
    data = [
        dict(
            type="bar",
            x=list(directions),
            y=_r(p, 4),
            name=name,
            marker=dict(color=MODEL_COLORS[kind]),
            hovertemplate="%{x}: %{y:.1%}<extra>" + style.esc(name) + "</extra>",
        )
        for p, name, kind in zip(probs, model_names, kinds, strict=True)
    ]
    layout = _layout(
        280,
        barmode="group",
        xaxis=dict(type="category"),
        yaxis=dict(title=dict(text=y_title), tickformat=".0%", range=[0, 1.02]),
    )
    return figure(data, layout)
