"""Pure figure builders for the CNN page: numpy arrays in, ``go.Figure`` out.

No Streamlit, no torch. Labels arrive already translated; hover shows the exact values.
Builders assemble plain plotly dicts in canonical form and wrap them with
:func:`viz.fig.figure` (no per-property validation: see ``viz/fig.py``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import plotly.graph_objects as go

from viz.fig import figure, subplot_layout

SEQ = "Viridis"  # activations (≥ 0 after ReLU, or any sign before)
DIV = "RdBu_r"  # signed values (weights, products, attributions): red +, blue −
GRAY = "gray"
MARGIN = dict(l=4, r=4, t=28, b=4)
DIGITS = 4  # decimals sent to the browser: smaller JSON, hover still exact to 1e-4
BLUE, ORANGE = "#2f6f9f", "#e07b39"
_BARE = dict(showticklabels=False, showgrid=False, zeroline=False, ticks="", showline=False)


@lru_cache(maxsize=32)
def _scale(name: str) -> tuple[tuple[float, str], ...]:
    """A named colour scale as plotly's validator expands it (computed once per name)."""
    return go.Figure(go.Heatmap(colorscale=name)).data[0].colorscale


def _cs(colorscale) -> list:
    """Colour scale in canonical form: names become ``[[pos, colour], ...]`` lists."""
    if isinstance(colorscale, str):
        return [list(pair) for pair in _scale(colorscale)]
    return colorscale


for _name in (SEQ, DIV, GRAY):  # expand the page's scales at import, not during a rerun
    _scale(_name)


def _r(a: np.ndarray) -> np.ndarray:
    """Rounded to DIGITS and sent as float32 (half the bytes of float64)."""
    return np.round(np.asarray(a, dtype=np.float64), DIGITS).astype(np.float32)


def _sfx(i: int) -> str:
    """Axis suffix of subplot ``i`` (1-based, row-major): "" for 1, else the number."""
    return "" if i == 1 else str(i)


def _on(trace: dict, i: int) -> dict:
    """Place ``trace`` on subplot ``i`` (row-major, as ``make_subplots`` numbers axes)."""
    trace["xaxis"], trace["yaxis"] = f"x{_sfx(i)}", f"y{_sfx(i)}"
    return trace


def _img_axes(layout: dict, n: int = 1) -> dict:
    """Hide ticks, keep square pixels, put row 0 at the top, on subplots 1..n (in place)."""
    for i in range(1, n + 1):
        s = _sfx(i)
        layout.setdefault(f"xaxis{s}", {}).update(_BARE, constrain="domain")
        layout.setdefault(f"yaxis{s}", {}).update(
            _BARE, autorange="reversed", scaleanchor=f"x{s}", constrain="domain"
        )
    return layout


def _axes(layout: dict, kind: str, n: int = 1, **props) -> dict:
    """Set ``props`` on every x (``kind="x"``) or y axis of subplots 1..n (in place)."""
    for i in range(1, n + 1):
        layout.setdefault(f"{kind}axis{_sfx(i)}", {}).update(props)
    return layout


def _font_annotations(layout: dict, size: int) -> dict:
    """Subplot titles in a smaller font (in place)."""
    for ann in layout.get("annotations", []):
        ann.setdefault("font", {})["size"] = size
    return layout


def _grid(rows: int, cols: int, titles: Sequence[str], **kw) -> dict:
    """``make_subplots`` layout (cached) for a grid of maps."""
    return subplot_layout(rows, cols, [str(x) for x in titles], **kw)


def _heat(
    z,
    *,
    colorscale=SEQ,
    zmin=None,
    zmax=None,
    name="",
    text=False,
    showscale=False,
    textsize=11,
    **kw,
) -> dict:
    """A heatmap trace dict with exact hover (``text``: values written in the cells)."""
    trace = {
        "type": "heatmap",
        "z": _r(z),
        "colorscale": _cs(colorscale),
        "showscale": showscale,
        "name": name,
        "hovertemplate": f"{name} (%{{y}}, %{{x}}): %{{z:.4f}}<extra></extra>",
    }
    if zmin is not None:
        trace["zmin"] = zmin
    if zmax is not None:
        trace["zmax"] = zmax
    if text:
        trace["texttemplate"] = "%{z:.2f}"
        trace["textfont"] = {"size": textsize}
    trace.update({k: v for k, v in kw.items() if v is not None})
    return trace


def _sym(a: np.ndarray) -> float:
    m = float(np.max(np.abs(a))) if np.size(a) else 0.0
    return m if m > 0 else 1.0


def _margin(t: int, b: int = 4) -> dict:
    return {"l": 4, "r": 4, "t": t, "b": b}


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
    bar = {
        "type": "bar",
        "x": list(names),
        "y": sizes,
        "marker": {"color": [ORANGE if n == selected else BLUE for n in names]},
        "text": shape_txt,
        "textposition": "outside",
        "customdata": [[s, f"{p:,}"] for s, p in zip(shape_txt, params, strict=True)],
        "hovertemplate": (
            f"<b>%{{x}}</b><br>{labels['shape']}: %{{customdata[0]}}<br>"
            f"{labels['values']}: %{{y:,}}<br>{labels['params']}: %{{customdata[1]}}"
            "<extra></extra>"
        ),
    }
    layout = {
        "xaxis": {"tickangle": -45},
        "yaxis": {
            "type": "log",
            "title": {"text": labels["values"]},
            "range": [0, math.log10(max(sizes)) + 0.6],
        },
        "height": 300,
        "margin": _margin(10),
        "showlegend": False,
    }
    return figure([bar], layout)


# ----------------------------------------------------------------------------- maps


def _gapped(colorscale: list) -> list:
    """A colour scale for uint8 maps whose 0 marks a gap: 0 transparent, 1..255 the scale."""
    lo = 1 / 255
    return [[0, "rgba(255,255,255,0)"], [lo * 0.999, "rgba(255,255,255,0)"]] + [
        [lo + (1 - lo) * float(p), c] for p, c in colorscale
    ]


_GAPPED_SEQ = _gapped(_cs(SEQ))


def tile_maps(
    maps: np.ndarray, cols: int, gap: tuple[int, int] = (2, 2)
) -> tuple[np.ndarray, np.ndarray]:
    """Lay (C, H, W) maps out as one image, ``cols`` per row, NaN in the (rows, columns) gaps.

    Returns:
        The tiled float32 image and, per cell, (channel, y, x) of the map pixel it shows
        (−1 in the gaps), as int8 when the numbers fit (else int16).
    """
    c, h, w = maps.shape
    rows = math.ceil(c / cols)
    gy, gx = gap
    shape = (rows * (h + gy) - gy, cols * (w + gx) - gx)
    tiled = np.full(shape, np.nan, np.float32)
    dtype = np.int8 if max(c, h, w) < 128 else np.int16
    where = np.full((*shape, 3), -1, dtype)
    yy, xx = np.mgrid[0:h, 0:w]
    for i in range(c):
        top, left = (i // cols) * (h + gy), (i % cols) * (w + gx)
        tiled[top : top + h, left : left + w] = maps[i]
        where[top : top + h, left : left + w] = np.stack([np.full((h, w), i), yy, xx], -1)
    return tiled, where


def map_grid_fig(
    maps: np.ndarray, shared: bool, title: str = "", cols: int = 8, prefix: str = "ch"
) -> go.Figure:
    """Every channel of one layer as a grid, drawn as ONE heatmap of the tiled maps.

    Why one heatmap: plotly lays out every subplot's axes in JavaScript; 16 subplots took
    ≈ 5× longer to draw than one tiled heatmap (73 against 15 ms median in Chromium here,
    ``bench/browser_latency.py`` measures the page), and the browser was the bottleneck.

    Args:
        maps: (C, H, W) activations.
        shared: one colour scale for the whole layer (True) or each map stretched to its own
            range (False: the visible trace holds each map scaled to 0..1, and an invisible
            trace on top holds the raw values for the hover).
        cols: maps per row.
        prefix: hover name of a map, followed by its index.

    Returns:
        A figure whose hover trace (the last) has ``z`` = the tiled raw maps and
        ``customdata`` = (channel, y, x) per cell; channel numbers are annotations.
    """
    c, h, w = maps.shape
    cols = min(cols, c)
    rows = math.ceil(c / cols)
    gap = (max(2, h // 4), max(1, w // 10))  # room for the channel numbers between rows
    raw, where = tile_maps(np.asarray(maps, np.float32), cols, gap)
    hover = {
        "type": "heatmap",
        "z": _r(raw),
        "customdata": where,
        "colorscale": _cs(SEQ),
        "showscale": False,
        "hoverongaps": False,
        "hovertemplate": f"{prefix} %{{customdata[0]}} (%{{customdata[1]}}, "
        "%{customdata[2]}): %{z:.4f}<extra></extra>",
    }
    if shared:
        lo, hi = float(maps.min()), float(maps.max())
        hover.update(zmin=lo, zmax=max(hi, lo + 1e-6), showscale=True)
        hover["colorbar"] = {"thickness": 10, "len": 0.9}
        data = [hover]
    else:
        lo = maps.reshape(c, -1).min(1)[:, None, None]
        span = np.maximum(maps.reshape(c, -1).max(1)[:, None, None] - lo, 1e-6)
        scaled, _ = tile_maps((maps - lo) / span, cols, gap)
        # 1 byte per cell: 1..255 for each map's own range, 0 for the gaps (drawn transparent)
        shown = np.where(np.isnan(scaled), 0, 1 + np.rint(np.nan_to_num(scaled) * 254))
        data = [
            {"type": "heatmap", "z": shown.astype(np.uint8), "colorscale": _GAPPED_SEQ,
             "zmin": 0, "zmax": 255, "showscale": False, "hoverinfo": "skip"},
            {**hover, "opacity": 0.0},
        ]  # fmt: skip
    labels = [
        {"text": str(i), "x": (i % cols) * (w + gap[1]) + (w - 1) / 2,
         "y": (i // cols) * (h + gap[0]) - 0.5,
         "xref": "x", "yref": "y", "yanchor": "bottom", "showarrow": False, "font": {"size": 9}}
        for i in range(c)
    ]  # fmt: skip
    layout = _img_axes({})
    layout.update(
        annotations=labels,
        height=60 + rows * 95,
        margin=_margin(40 if title else 20),
        title={"text": title},
    )
    return figure(data, layout)


def _bar_layout(height: int, t: int, title: str) -> dict:
    return {
        "xaxis": {"type": "category"},
        "height": height,
        "margin": _margin(t),
        "title": {"text": title},
    }


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
    bar = {
        "type": "bar",
        "x": x,
        "y": v.tolist(),
        "marker": {"color": [ORANGE if i == highlight else BLUE for i in range(len(v))]},
        "hovertemplate": f"%{{x}}: %{{y:{fmt}}}<extra></extra>",
    }
    return figure([bar], _bar_layout(260, 36 if title else 10, title))


def probs_fig(probs: np.ndarray, title: str = "", muted: bool = False) -> go.Figure:
    """The 10 class probabilities (y = the model's softmax, exact); the top class highlighted.

    ``muted`` greys the bars when the input is unlike the training digits.
    """
    p = np.asarray(probs, dtype=np.float64)
    top = int(p.argmax())
    base = "#9aa5b1" if muted else BLUE
    hot = "#6b7785" if muted else ORANGE
    bar = {
        "type": "bar",
        "x": [str(i) for i in range(len(p))],
        "y": p.tolist(),
        "marker": {"color": [hot if i == top else base for i in range(len(p))]},
        "text": [f"{v:.0%}" if v >= 0.05 else "" for v in p],
        "textposition": "outside",
        "hovertemplate": "%{x}: %{y:.4f}<extra></extra>",
    }
    layout = _bar_layout(240, 30 if title else 8, title)
    layout["yaxis"] = {"range": [0, 1.12], "tickformat": ".0%"}
    return figure([bar], layout)


def kernels_fig(weights: np.ndarray, titles: Sequence[str], cols: int = 8) -> go.Figure:
    """3×3 kernels with their values written in the cells (one shared, symmetric colour scale).

    Args:
        weights: (N, 3, 3).
        titles: one title per kernel.
    """
    n = weights.shape[0]
    cols = min(cols, n)
    rows = math.ceil(n / cols)
    layout = _grid(
        rows,
        cols,
        titles,
        horizontal_spacing=0.01,
        vertical_spacing=0.06 if rows > 1 else 0.02,
    )
    m = _sym(weights)
    data = [
        _on(
            _heat(
                weights[i], colorscale=DIV, zmin=-m, zmax=m, name=titles[i], text=True, textsize=8
            ),
            i + 1,
        )
        for i in range(n)
    ]
    _img_axes(layout, rows * cols)
    _font_annotations(layout, 9)
    layout.update(height=40 + rows * 110, margin=_margin(24))
    return figure(data, layout)


# ----------------------------------------------------------------------------- conv step


def conv_step_fig(
    patch: np.ndarray, kernel: np.ndarray, products: np.ndarray, titles: Sequence[str]
) -> go.Figure:
    """Patch, kernel and element-wise products side by side, values written in the cells.

    Args:
        patch, kernel, products: (3, 3) each (one input channel).
        titles: three panel titles.
    """
    layout = _grid(1, 3, titles, horizontal_spacing=0.04)
    hi = max(1.0, float(np.max(patch)))  # the input's own range (0 black … 1 white) at least
    lo = min(0.0, float(np.min(patch)))
    mk, mp = _sym(kernel), _sym(products)
    cells = dict(text=True, textsize=10)
    data = [
        _on(_heat(patch, colorscale=GRAY, zmin=lo, zmax=hi, name=titles[0], **cells), 1),
        _on(_heat(kernel, colorscale=DIV, zmin=-mk, zmax=mk, name=titles[1], **cells), 2),
        _on(_heat(products, colorscale=DIV, zmin=-mp, zmax=mp, name=titles[2], **cells), 3),
    ]
    _img_axes(layout, 3)
    layout.update(height=220, margin=_margin(30))
    return figure(data, layout)


def _rect(x0, x1, y0, y1, xref: str, yref: str, color: str = ORANGE, **extra) -> dict:
    """A rectangle shape (outlined in ``color``; ``extra`` e.g. a fill)."""
    shape = {"type": "rect", "x0": x0, "x1": x1, "y0": y0, "y1": y1, "xref": xref, "yref": yref}
    return {**shape, "line": {"color": color, "width": 2}, **extra}


def _box(y: int, x: int, size: int, xref: str, yref: str, color: str = ORANGE) -> dict:
    h = (size - 1) / 2
    return _rect(x - h - 0.5, x + h + 0.5, y - h - 0.5, y + h + 0.5, xref, yref, color)


def _cover(y: int, x: int, h: int, w: int) -> list[dict]:
    """White rectangles hiding the output positions after (y, x) in reading order."""

    def rect(x0, x1, y0, y1) -> dict:
        return _rect(
            x0, x1, y0, y1, "x2", "y2", fillcolor="white", layer="above", line={"width": 0}
        )

    out = []
    if x + 1 < w:
        out.append(rect(x + 0.5, w - 0.5, y - 0.5, y + 0.5))
    if y + 1 < h:
        out.append(rect(-0.5, w - 0.5, y + 0.5, h - 0.5))
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
    layout = _grid(1, 2, titles, horizontal_spacing=0.05)
    data = [
        _on(_heat(src, colorscale=GRAY, name=titles[0]), 1),
        _on(_heat(out, name=titles[1]), 2),
    ]
    _img_axes(layout, 2)
    positions = [(y, x) for y in range(0, h, step) for x in range(0, w, step)]
    if positions[-1] != (h - 1, w - 1):
        positions.append((h - 1, w - 1))
    frames = [
        {
            "name": str(i),
            "layout": {
                "shapes": [_box(y, x, 3, "x", "y"), _box(y, x, 1, "x2", "y2")] + _cover(y, x, h, w)
            },
        }
        for i, (y, x) in enumerate(positions)
    ]
    play_args = {
        "frame": {"duration": 40, "redraw": True},
        "transition": {"duration": 0},
        "fromcurrent": True,
        "mode": "immediate",
    }
    pause_args = {"frame": {"duration": 0, "redraw": False}, "mode": "immediate"}
    layout.update(
        shapes=[dict(s) for s in frames[0]["layout"]["shapes"]],
        height=330,
        margin=_margin(30, 40),
        updatemenus=[
            {
                "type": "buttons",
                "direction": "left",
                "x": 0,
                "y": -0.04,
                "xanchor": "left",
                "yanchor": "top",
                "showactive": False,
                "buttons": [
                    {"label": play, "method": "animate", "args": [None, play_args]},
                    {"label": pause, "method": "animate", "args": [[None], pause_args]},
                ],
            }
        ],
    )
    return figure(data, layout, frames)


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
    layout = _grid(1, 2, titles, horizontal_spacing=0.05)
    lo = float(min(a.min(), b.min())) if shared else None
    hi = float(max(a.max(), b.max())) if shared else None
    if shared and hi <= lo:
        hi = lo + 1e-6
    if colorscale == DIV and shared:
        m = max(abs(lo), abs(hi))
        lo, hi = -m, m
    data = [
        _on(_heat(v, zmin=lo, zmax=hi, name=titles[i], text=text, colorscale=colorscale), i + 1)
        for i, v in enumerate((a, b))
    ]
    _img_axes(layout, 2)
    layout.update(height=240, margin=_margin(30))
    return figure(data, layout)


def softmax_fig(
    logits: np.ndarray, exps: np.ndarray, probs: np.ndarray, titles: Sequence[str]
) -> go.Figure:
    """logits → exp(logit − max) → probabilities, three rows of bars with exact hover."""
    layout = _grid(3, 1, titles, vertical_spacing=0.12)
    x = [str(i) for i in range(len(logits))]
    data = [
        _on(
            {
                "type": "bar",
                "x": x,
                "y": np.asarray(v, np.float64).tolist(),
                "marker": {"color": BLUE},
                "hovertemplate": "%{x}: %{y:.5g}<extra></extra>",
                "name": titles[r],
            },
            r + 1,
        )
        for r, v in enumerate((logits, exps, probs))
    ]
    _axes(layout, "x", 3, type="category")
    layout.update(height=460, margin=_margin(30), showlegend=False)
    return figure(data, layout)


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
    layout = _grid(1, 2, titles, horizontal_spacing=0.05)
    g = np.asarray(grad)
    m = _sym(g)
    data = [
        _on(_heat(input28, colorscale=GRAY, name=titles[0]), 1),
        _on(_heat(g, colorscale=DIV, zmin=-m, zmax=m, name=titles[1]), 2),
    ]
    layout["shapes"] = [
        _rect(left - 0.5, right + 0.5, top - 0.5, bottom + 0.5, xr, yr)
        for xr, yr in (("x", "y"), ("x2", "y2"))
    ]
    _img_axes(layout, 2)
    layout.update(height=280, margin=_margin(30))
    return figure(data, layout)


_INK = [[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0.35)"]]
_SIGNED = [[0, "rgba(33,102,172,0.85)"], [0.5, "rgba(255,255,255,0)"], [1, "rgba(178,24,43,0.85)"]]


_UNSIGNED = [[0, "rgba(178,24,43,0)"], [1, "rgba(178,24,43,0.85)"]]


def attribution_fig(
    input28: np.ndarray,
    maps: Sequence[np.ndarray],
    titles: Sequence[str],
    signed: Sequence[bool],
    cols: int = 4,
) -> go.Figure:
    """Attribution maps side by side, each over a faint copy of the input.

    Args:
        input28: (28, 28) the digit; maps: (28, 28) each; titles: one per map.
        signed: per map, True for a signed method (a symmetric red/blue scale: red pushes the
            class's score up, blue down), False for a non-negative one (transparent → red from
            0 to its maximum: it cannot be blue).
        cols: maps per row.
    """
    n = len(maps)
    cols = min(cols, n)
    rows = math.ceil(n / cols)
    layout = _grid(rows, cols, titles, horizontal_spacing=0.03, vertical_spacing=0.08)
    ink = _r(input28)
    data = []
    for i, (a, sgn) in enumerate(zip(maps, signed, strict=True)):
        m = _sym(a)
        faint = {"type": "heatmap", "z": ink, "colorscale": _INK, "showscale": False}
        data.append(_on({**faint, "hoverinfo": "skip"}, i + 1))
        data.append(
            _on(
                {
                    "type": "heatmap",
                    "z": _r(a),
                    "colorscale": _SIGNED if sgn else _UNSIGNED,
                    "zmin": -m if sgn else 0.0,
                    "zmax": m,
                    "showscale": False,
                    "name": titles[i],
                    "hovertemplate": f"{titles[i]} (%{{y}}, %{{x}}): %{{z:.4f}}<extra></extra>",
                },
                i + 1,
            )
        )
    _img_axes(layout, rows * cols)
    layout.update(height=40 + rows * 190, margin=_margin(30))
    return figure(data, layout)


def image_fig(
    img: np.ndarray, title: str = "", colorscale: str = SEQ, height: int = 320
) -> go.Figure:
    """One map as a heatmap with exact hover (e.g. a full-resolution feature map)."""
    trace = _heat(
        img, colorscale=colorscale, name=title, showscale=True, colorbar={"thickness": 10}
    )
    layout = _img_axes({})
    layout.update(height=height, margin=_margin(30 if title else 4), title={"text": title})
    return figure([trace], layout)


def translation_fig(
    inputs: Sequence[np.ndarray], maps: Sequence[np.ndarray], titles: Sequence[str]
) -> go.Figure:
    """Original and shifted input (top), the same channel's maps for both (bottom)."""
    layout = _grid(2, 2, titles, horizontal_spacing=0.05, vertical_spacing=0.08)
    data = [_on(_heat(a, colorscale=GRAY, name=titles[i]), i + 1) for i, a in enumerate(inputs)]
    lo = float(min(m.min() for m in maps))
    hi = float(max(m.max() for m in maps))
    hi = hi if hi > lo else lo + 1e-6
    data += [_on(_heat(m, zmin=lo, zmax=hi, name=titles[2 + i]), 3 + i) for i, m in enumerate(maps)]
    _img_axes(layout, 4)
    layout.update(height=520, margin=_margin(30))
    return figure(data, layout)


def sharing_fig(conv: int, dense: int, labels: Sequence[str]) -> go.Figure:
    """Parameter counts on a log axis: the conv layer vs a dense layer of the same in/out size."""
    bar = {
        "type": "bar",
        "x": list(labels),
        "y": [conv, dense],
        "text": [f"{conv:,}", f"{dense:,}"],
        "textposition": "outside",
        "marker": {"color": [BLUE, "#9aa5b1"]},
        "hovertemplate": "%{x}: %{y:,}<extra></extra>",
    }
    layout = {
        "yaxis": {"type": "log", "range": [0, math.log10(max(dense, 10)) + 0.8]},
        "height": 280,
        "margin": _margin(10),
    }
    return figure([bar], layout)


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
    line = {
        "type": "scatter",
        "x": list(shifts),
        "y": p[:, label].tolist(),
        "mode": "lines+markers+text",
        "text": [str(w) for w in win],
        "textposition": "top center",
        "customdata": win,
        "line": {"color": BLUE},
        "hovertemplate": (
            f"%{{x}} px: P({label}) = %{{y:.4f}}<br>{labels[2]}: %{{customdata}}<extra></extra>"
        ),
    }
    vline = {
        "type": "line",
        "x0": current,
        "x1": current,
        "xref": "x",
        "y0": 0,
        "y1": 1,
        "yref": "y domain",
        "line": {"color": ORANGE, "dash": "dot"},
    }
    layout = {
        "shapes": [vline],
        "xaxis": {"title": {"text": labels[1]}, "dtick": 2},
        "yaxis": {"range": [0, 1.15], "title": {"text": labels[0]}, "tickformat": ".0%"},
        "height": 260,
        "margin": _margin(10),
        "showlegend": False,
    }
    return figure([line], layout)
