"""Pure figure builders for the CNN page: numpy arrays in, ``go.Figure`` out.

No Streamlit, no torch. Labels arrive already translated; hover shows the exact values.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

SEQ = "Viridis"  # activations (≥ 0 after ReLU, or any sign before)
DIV = "RdBu_r"  # signed values (weights, products, attributions): red +, blue −
GRAY = "gray"
MARGIN = dict(l=4, r=4, t=28, b=4)
DIGITS = 4  # decimals sent to the browser: smaller JSON, hover still exact to 1e-4


def _r(a: np.ndarray) -> np.ndarray:
    """Rounded to DIGITS and sent as float32 (half the bytes of float64)."""
    return np.round(np.asarray(a, dtype=np.float64), DIGITS).astype(np.float32)


def _img_axes(fig: go.Figure, rows: int = 1, cols: int = 1) -> None:
    """Hide ticks, keep square pixels, put row 0 at the top."""
    bare = dict(showticklabels=False, showgrid=False, zeroline=False, ticks="", showline=False)
    fig.update_xaxes(**bare)
    fig.update_yaxes(**bare, autorange="reversed")
    for i in range(1, rows * cols + 1):
        sfx = "" if i == 1 else str(i)
        fig.layout[f"yaxis{sfx}"].scaleanchor = f"x{sfx}"
        fig.layout[f"yaxis{sfx}"].constrain = "domain"
        fig.layout[f"xaxis{sfx}"].constrain = "domain"


def _heat(z, *, colorscale=SEQ, zmin=None, zmax=None, name="", text=False, showscale=False, **kw):
    z = _r(z)
    trace = go.Heatmap(
        z=z,
        colorscale=colorscale,
        zmin=zmin,
        zmax=zmax,
        showscale=showscale,
        name=name,
        hovertemplate=f"{name} (%{{y}}, %{{x}}): %{{z:.4f}}<extra></extra>",
        **kw,
    )
    if text:
        trace.texttemplate = "%{z:.2f}"
        trace.textfont = dict(size=11)
    return trace


def _sym(a: np.ndarray) -> float:
    m = float(np.max(np.abs(a))) if np.size(a) else 0.0
    return m if m > 0 else 1.0


# ----------------------------------------------------------------------------- architecture


def architecture_fig(
    names: Sequence[str],
    shapes: Sequence[tuple[int, ...]],
    params: Sequence[int],
    labels: dict[str, str],
    selected: str | None = None,
) -> go.Figure:
    """The architecture strip: one bar per block, height = number of values it outputs (log).

    Args:
        names: block ids (``input``, ``conv1``, …); shapes: output shapes; params: counts.
        labels: ``{"values": ..., "params": ..., "shape": ...}`` translated words for hover.
        selected: the block to highlight.

    Returns:
        A bar chart; clicking a bar selects that block (point index = block index).
    """
    sizes = [int(np.prod(s)) for s in shapes]
    shape_txt = ["×".join(str(d) for d in s) for s in shapes]
    colors = ["#e07b39" if n == selected else "#2f6f9f" for n in names]
    fig = go.Figure(
        go.Bar(
            x=list(names),
            y=sizes,
            marker_color=colors,
            text=shape_txt,
            textposition="outside",
            customdata=np.array([shape_txt, [f"{p:,}" for p in params]], dtype=object).T,
            hovertemplate=(
                f"<b>%{{x}}</b><br>{labels['shape']}: %{{customdata[0]}}<br>"
                f"{labels['values']}: %{{y:,}}<br>{labels['params']}: %{{customdata[1]}}"
                "<extra></extra>"
            ),
        )
    )
    fig.update_yaxes(type="log", title=labels["values"], range=[0, math.log10(max(sizes)) + 0.6])
    fig.update_layout(height=300, margin=dict(l=4, r=4, t=10, b=4), showlegend=False)
    fig.update_xaxes(tickangle=-45)
    return fig


# ----------------------------------------------------------------------------- maps


def map_grid_fig(
    maps: np.ndarray, shared: bool, title: str = "", cols: int = 8, prefix: str = "ch"
) -> go.Figure:
    """Every channel of one layer as a grid of heatmaps.

    Args:
        maps: (C, H, W) activations.
        shared: one colour scale for the whole layer (True) or one per map (False).
        cols: maps per row.
        prefix: hover name of a map, followed by its index.

    Returns:
        A grid figure; hover gives the channel, position and exact value.
    """
    c = maps.shape[0]
    cols = min(cols, c)
    rows = math.ceil(c / cols)
    fig = make_subplots(
        rows=rows,
        cols=cols,
        horizontal_spacing=0.01,
        vertical_spacing=0.02,
        subplot_titles=[str(i) for i in range(c)],
    )
    lo, hi = float(maps.min()), float(maps.max())
    if hi <= lo:
        hi = lo + 1e-6
    for i in range(c):
        m = maps[i]
        zmin, zmax = (lo, hi) if shared else (float(m.min()), float(max(m.max(), m.min() + 1e-6)))
        fig.add_trace(
            _heat(
                m,
                zmin=zmin,
                zmax=zmax,
                name=f"{prefix} {i}",
                showscale=shared and i == 0,
                colorbar=dict(thickness=10, len=0.9) if shared and i == 0 else None,
            ),
            row=i // cols + 1,
            col=i % cols + 1,
        )
    _img_axes(fig, rows, cols)
    fig.update_annotations(font_size=9)
    fig.update_layout(
        height=70 + rows * 95, margin=dict(l=4, r=4, t=40 if title else 20, b=4), title=title
    )
    return fig


def bars_fig(
    values: np.ndarray,
    labels: Sequence[str] | None = None,
    title: str = "",
    highlight: int | None = None,
    fmt: str = ".4f",
) -> go.Figure:
    """Plain bars (fc1 units, logits, probabilities); hover shows the exact value."""
    v = np.asarray(values, dtype=np.float64)
    x = list(labels) if labels is not None else [str(i) for i in range(len(v))]
    colors = ["#e07b39" if i == highlight else "#2f6f9f" for i in range(len(v))]
    fig = go.Figure(
        go.Bar(
            x=x,
            y=v.tolist(),
            marker_color=colors,
            hovertemplate=f"%{{x}}: %{{y:{fmt}}}<extra></extra>",
        )
    )
    fig.update_xaxes(type="category")
    fig.update_layout(height=260, margin=dict(l=4, r=4, t=36 if title else 10, b=4), title=title)
    return fig


def probs_fig(probs: np.ndarray, title: str = "", muted: bool = False) -> go.Figure:
    """The 10 class probabilities (y = the model's softmax, exact); the top class highlighted.

    ``muted`` greys the bars when the input is unlike the training digits.
    """
    p = np.asarray(probs, dtype=np.float64)
    top = int(p.argmax())
    base = "#9aa5b1" if muted else "#2f6f9f"
    fig = go.Figure(
        go.Bar(
            x=[str(i) for i in range(len(p))],
            y=p.tolist(),
            marker_color=[
                ("#e07b39" if not muted else "#6b7785") if i == top else base for i in range(len(p))
            ],
            text=[f"{v:.0%}" if v >= 0.05 else "" for v in p],
            textposition="outside",
            hovertemplate="%{x}: %{y:.4f}<extra></extra>",
        )
    )
    fig.update_xaxes(type="category")
    fig.update_yaxes(range=[0, 1.12], tickformat=".0%")
    fig.update_layout(height=240, margin=dict(l=4, r=4, t=30 if title else 8, b=4), title=title)
    return fig


def kernels_fig(weights: np.ndarray, titles: Sequence[str], cols: int = 8) -> go.Figure:
    """3×3 kernels with their values written in the cells (one shared, symmetric colour scale).

    Args:
        weights: (N, 3, 3).
        titles: one title per kernel.
    """
    n = weights.shape[0]
    cols = min(cols, n)
    rows = math.ceil(n / cols)
    fig = make_subplots(
        rows=rows,
        cols=cols,
        subplot_titles=list(titles),
        horizontal_spacing=0.01,
        vertical_spacing=0.06 if rows > 1 else 0.02,
    )
    m = _sym(weights)
    for i in range(n):
        fig.add_trace(
            _heat(weights[i], colorscale=DIV, zmin=-m, zmax=m, name=titles[i], text=True),
            row=i // cols + 1,
            col=i % cols + 1,
        )
    _img_axes(fig, rows, cols)
    fig.update_traces(textfont_size=8)
    fig.update_annotations(font_size=9)
    fig.update_layout(height=40 + rows * 110, margin=dict(l=4, r=4, t=24, b=4))
    return fig


# ----------------------------------------------------------------------------- conv step


def conv_step_fig(
    patch: np.ndarray, kernel: np.ndarray, products: np.ndarray, titles: Sequence[str]
) -> go.Figure:
    """Patch, kernel and element-wise products side by side, values written in the cells.

    Args:
        patch, kernel, products: (3, 3) each (one input channel).
        titles: three panel titles.
    """
    fig = make_subplots(rows=1, cols=3, subplot_titles=list(titles), horizontal_spacing=0.04)
    hi = max(1.0, float(np.max(patch)))  # the input's own range (0 black … 1 white) at least
    lo = min(0.0, float(np.min(patch)))
    fig.add_trace(_heat(patch, colorscale=GRAY, zmin=lo, zmax=hi, name=titles[0], text=True), 1, 1)
    mk = _sym(kernel)
    fig.add_trace(_heat(kernel, colorscale=DIV, zmin=-mk, zmax=mk, name=titles[1], text=True), 1, 2)
    mp = _sym(products)
    fig.add_trace(
        _heat(products, colorscale=DIV, zmin=-mp, zmax=mp, name=titles[2], text=True), 1, 3
    )
    _img_axes(fig, 1, 3)
    fig.update_traces(textfont_size=10)
    fig.update_layout(height=220, margin=dict(l=4, r=4, t=30, b=4))
    return fig


def _box(y: int, x: int, size: int, xref: str, yref: str, color: str = "#e07b39") -> dict:
    h = (size - 1) / 2
    return dict(
        type="rect",
        x0=x - h - 0.5,
        x1=x + h + 0.5,
        y0=y - h - 0.5,
        y1=y + h + 0.5,
        xref=xref,
        yref=yref,
        line=dict(color=color, width=2),
    )


def _cover(y: int, x: int, h: int, w: int) -> list[dict]:
    """White rectangles hiding the output positions after (y, x) in reading order."""
    style = dict(xref="x2", yref="y2", fillcolor="white", line=dict(width=0), layer="above")
    out = []
    if x + 1 < w:
        out.append(dict(type="rect", x0=x + 0.5, x1=w - 0.5, y0=y - 0.5, y1=y + 0.5, **style))
    if y + 1 < h:
        out.append(dict(type="rect", x0=-0.5, x1=w - 0.5, y0=y + 0.5, y1=h - 0.5, **style))
    return out


def conv_animation_fig(
    src: np.ndarray,
    out: np.ndarray,
    titles: Sequence[str],
    step: int = 2,
    play: str = "▶",
    pause: str = "⏸",
) -> go.Figure:
    """The kernel slides over the input while the output map fills in (browser-side frames).

    Frames change only shapes (the 3×3 box and white covers over the not-yet-computed output),
    so the figure stays small.

    Args:
        src: (H, W) the input map; out: (H, W) the output map (same size, padding 1).
        titles: two panel titles.
        step: positions advance by this many pixels in x and y.
    """
    h, w = out.shape
    fig = make_subplots(rows=1, cols=2, subplot_titles=list(titles), horizontal_spacing=0.05)
    fig.add_trace(_heat(src, colorscale=GRAY, name=titles[0]), 1, 1)
    fig.add_trace(_heat(out, name=titles[1]), 1, 2)
    _img_axes(fig, 1, 2)
    positions = [(y, x) for y in range(0, h, step) for x in range(0, w, step)]
    if positions[-1] != (h - 1, w - 1):
        positions.append((h - 1, w - 1))
    frames = []
    for i, (y, x) in enumerate(positions):
        shapes = [_box(y, x, 3, "x", "y"), _box(y, x, 1, "x2", "y2")] + _cover(y, x, h, w)
        frames.append(go.Frame(name=str(i), layout=dict(shapes=shapes)))
    fig.frames = frames
    fig.update_layout(shapes=frames[0].layout.shapes)
    fig.update_layout(
        height=330,
        margin=dict(l=4, r=4, t=30, b=40),
        updatemenus=[
            dict(
                type="buttons",
                direction="left",
                x=0,
                y=-0.04,
                xanchor="left",
                yanchor="top",
                showactive=False,
                buttons=[
                    dict(
                        label=play,
                        method="animate",
                        args=[
                            None,
                            dict(
                                frame=dict(duration=40, redraw=True),
                                transition=dict(duration=0),
                                fromcurrent=True,
                                mode="immediate",
                            ),
                        ],
                    ),
                    dict(
                        label=pause,
                        method="animate",
                        args=[[None], dict(frame=dict(duration=0, redraw=False), mode="immediate")],
                    ),
                ],
            )
        ],
    )
    return fig


# ----------------------------------------------------------------------------- small explainers


def pair_fig(
    a: np.ndarray,
    b: np.ndarray,
    titles: Sequence[str],
    text: bool = False,
    shared: bool = True,
    colorscale: str = SEQ,
) -> go.Figure:
    """Two maps side by side (e.g. before / after ReLU, a 2×2 window / its max)."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=list(titles), horizontal_spacing=0.05)
    lo = float(min(a.min(), b.min())) if shared else None
    hi = float(max(a.max(), b.max())) if shared else None
    if shared and hi <= lo:
        hi = lo + 1e-6
    if colorscale == DIV and shared:
        m = max(abs(lo), abs(hi))
        lo, hi = -m, m
    fig.add_trace(
        _heat(a, zmin=lo, zmax=hi, name=titles[0], text=text, colorscale=colorscale), 1, 1
    )
    fig.add_trace(
        _heat(b, zmin=lo, zmax=hi, name=titles[1], text=text, colorscale=colorscale), 1, 2
    )
    _img_axes(fig, 1, 2)
    fig.update_layout(height=240, margin=dict(l=4, r=4, t=30, b=4))
    return fig


def softmax_fig(
    logits: np.ndarray, exps: np.ndarray, probs: np.ndarray, titles: Sequence[str]
) -> go.Figure:
    """logits → exp(logit − max) → probabilities, three rows of bars with exact hover."""
    fig = make_subplots(rows=3, cols=1, subplot_titles=list(titles), vertical_spacing=0.12)
    x = [str(i) for i in range(len(logits))]
    for r, v in enumerate((logits, exps, probs), start=1):
        fig.add_trace(
            go.Bar(
                x=x,
                y=np.asarray(v, np.float64).tolist(),
                marker_color="#2f6f9f",
                hovertemplate="%{x}: %{y:.5g}<extra></extra>",
                name=titles[r - 1],
            ),
            r,
            1,
        )
    fig.update_xaxes(type="category")
    fig.update_layout(height=460, margin=dict(l=4, r=4, t=30, b=4), showlegend=False)
    return fig


def receptive_field_fig(
    input28: np.ndarray,
    grad: np.ndarray,
    box: tuple[int, int, int, int],
    titles: Sequence[str],
) -> go.Figure:
    """The input with the unit's receptive field outlined, next to |gradient| of the unit.

    Args:
        input28: (28, 28); grad: (28, 28) ∂unit/∂input for this input.
        box: (top, bottom, left, right) inclusive.
    """
    top, bottom, left, right = box
    fig = make_subplots(rows=1, cols=2, subplot_titles=list(titles), horizontal_spacing=0.05)
    fig.add_trace(_heat(input28, colorscale=GRAY, name=titles[0]), 1, 1)
    g = np.asarray(grad)
    m = _sym(g)
    fig.add_trace(_heat(g, colorscale=DIV, zmin=-m, zmax=m, name=titles[1]), 1, 2)
    for xr, yr in (("x", "y"), ("x2", "y2")):
        fig.add_shape(
            type="rect",
            x0=left - 0.5,
            x1=right + 0.5,
            y0=top - 0.5,
            y1=bottom + 0.5,
            xref=xr,
            yref=yr,
            line=dict(color="#e07b39", width=2),
        )
    _img_axes(fig, 1, 2)
    fig.update_layout(height=280, margin=dict(l=4, r=4, t=30, b=4))
    return fig


def attribution_fig(
    input28: np.ndarray, maps: Sequence[np.ndarray], titles: Sequence[str], cols: int = 4
) -> go.Figure:
    """Attribution maps side by side, each over a faint copy of the input.

    Signed maps use a symmetric red/blue scale (red: pushes toward the class).
    """
    n = len(maps)
    cols = min(cols, n)
    rows = math.ceil(n / cols)
    fig = make_subplots(
        rows=rows,
        cols=cols,
        subplot_titles=list(titles),
        horizontal_spacing=0.03,
        vertical_spacing=0.08,
    )
    for i, a in enumerate(maps):
        m = _sym(a)
        r, c = i // cols + 1, i % cols + 1
        fig.add_trace(
            go.Heatmap(
                z=_r(input28),
                colorscale=[[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0.35)"]],
                showscale=False,
                hoverinfo="skip",
            ),
            r,
            c,
        )
        fig.add_trace(
            go.Heatmap(
                z=_r(a),
                colorscale=[
                    [0, "rgba(33,102,172,0.85)"],
                    [0.5, "rgba(255,255,255,0)"],
                    [1, "rgba(178,24,43,0.85)"],
                ],
                zmin=-m,
                zmax=m,
                showscale=False,
                name=titles[i],
                hovertemplate=f"{titles[i]} (%{{y}}, %{{x}}): %{{z:.4f}}<extra></extra>",
            ),
            r,
            c,
        )
    _img_axes(fig, rows, cols)
    fig.update_layout(height=40 + rows * 190, margin=dict(l=4, r=4, t=30, b=4))
    return fig


def image_fig(
    img: np.ndarray, title: str = "", colorscale: str = SEQ, height: int = 320
) -> go.Figure:
    """One map as a heatmap with exact hover (e.g. a full-resolution feature map)."""
    fig = go.Figure(
        _heat(img, colorscale=colorscale, name=title, showscale=True, colorbar=dict(thickness=10))
    )
    _img_axes(fig)
    fig.update_layout(height=height, margin=dict(l=4, r=4, t=30 if title else 4, b=4), title=title)
    return fig


def translation_fig(
    inputs: Sequence[np.ndarray], maps: Sequence[np.ndarray], titles: Sequence[str]
) -> go.Figure:
    """Original and shifted input (top), the same channel's maps for both (bottom)."""
    fig = make_subplots(
        rows=2, cols=2, subplot_titles=list(titles), horizontal_spacing=0.05, vertical_spacing=0.08
    )
    for i, a in enumerate(inputs):
        fig.add_trace(_heat(a, colorscale=GRAY, name=titles[i]), 1, i + 1)
    lo = float(min(m.min() for m in maps))
    hi = float(max(m.max() for m in maps))
    hi = hi if hi > lo else lo + 1e-6
    for i, m in enumerate(maps):
        fig.add_trace(_heat(m, zmin=lo, zmax=hi, name=titles[2 + i]), 2, i + 1)
    _img_axes(fig, 2, 2)
    fig.update_layout(height=520, margin=dict(l=4, r=4, t=30, b=4))
    return fig


def sharing_fig(conv: int, dense: int, labels: Sequence[str]) -> go.Figure:
    """Parameter counts on a log axis: the conv layer vs a dense layer of the same in/out size."""
    fig = go.Figure(
        go.Bar(
            x=list(labels),
            y=[conv, dense],
            text=[f"{conv:,}", f"{dense:,}"],
            textposition="outside",
            marker_color=["#2f6f9f", "#9aa5b1"],
            hovertemplate="%{x}: %{y:,}<extra></extra>",
        )
    )
    fig.update_yaxes(type="log", range=[0, math.log10(max(dense, 10)) + 0.8])
    fig.update_layout(height=280, margin=dict(l=4, r=4, t=10, b=4))
    return fig


def shift_curve_fig(
    shifts: Sequence[int], probs: np.ndarray, label: int, current: int, labels: Sequence[str]
) -> go.Figure:
    """P(class) against the horizontal shift: the original prediction and the winning class.

    Args:
        shifts: (S,) pixels; probs: (S, 10); label: the unshifted prediction;
        current: the slider's shift (marked); labels: [y title, x title, "winner" hover word].
    """
    p = np.asarray(probs, dtype=np.float64)
    win = p.argmax(axis=1)
    fig = go.Figure(
        go.Scatter(
            x=list(shifts),
            y=p[:, label].tolist(),
            mode="lines+markers+text",
            text=[str(w) for w in win],
            textposition="top center",
            customdata=win,
            line=dict(color="#2f6f9f"),
            hovertemplate=(
                f"%{{x}} px: P({label}) = %{{y:.4f}}<br>{labels[2]}: %{{customdata}}<extra></extra>"
            ),
        )
    )
    fig.add_vline(x=current, line=dict(color="#e07b39", dash="dot"))
    fig.update_yaxes(range=[0, 1.15], title=labels[0], tickformat=".0%")
    fig.update_xaxes(title=labels[1], dtick=2)
    fig.update_layout(height=260, margin=dict(l=4, r=4, t=10, b=4), showlegend=False)
    return fig
