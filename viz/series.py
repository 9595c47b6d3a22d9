"""Pure figure builders for the time-series page: arrays and translated labels in, figures out.

No Streamlit, no torch, no translation. Colours from ``viz.style``: the GRU in the RNN orange,
the CNN in the CNN blue, every baseline in the baseline grey (told apart by its dash), the truth
in near-black. Text that may come from a learner's file (column names, row labels) is escaped
with ``viz.style.esc`` by the caller or here before it reaches plotly.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from viz import style
from viz.fig import figure

MARGIN = dict(l=8, r=8, t=36, b=8)
TRUTH = "#222222"
MAX_POINTS = 4_000  # the overview draws at most this many points (every k-th value)
PART_COLORS = {"train": "#9ecae1", "val": "#fdd0a2", "test": "#c7e9c0"}
_COLOR = {"gru": style.RNN, "tcn": style.CNN}
_DASH = {"gru": "solid", "tcn": "solid", "persistence": "dot", "seasonal": "dashdot", "ar": "dash"}
DIV, SEQ = style.scale(style.DIV), style.scale(style.SEQ)
_r = style.f32


def model_color(model: str) -> str:
    """GRU orange, CNN blue, every baseline grey."""
    return _COLOR.get(model, style.BASELINE)


def model_dash(model: str) -> str:
    return _DASH.get(model, "solid")


def stride(n: int, max_points: int = MAX_POINTS) -> int:
    """Every how many values the overview draws one (1 when ``n`` ≤ ``max_points``)."""
    return max(1, int(np.ceil(n / max_points)))


def _layout(height: int, **extra) -> dict:
    lay = dict(
        margin=dict(MARGIN),
        height=height,
        hoverlabel=dict(font=dict(size=13)),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0),
    )
    lay.update(extra)
    return lay


def _band(x0, x1, color: str, opacity: float, xref: str = "x") -> dict:
    return dict(
        type="rect", xref=xref, yref="paper", x0=x0, x1=x1, y0=0, y1=1,
        fillcolor=color, opacity=opacity, line=dict(width=0), layer="below",
    )  # fmt: skip


def _vline(x, color: str = "#333", dash: str = "dot") -> dict:
    return dict(
        type="line", xref="x", yref="y domain", x0=x, x1=x, y0=0, y1=1,
        line=dict(color=color, width=1.5, dash=dash),
    )  # fmt: skip


def _x(values) -> list | np.ndarray:
    """x values as plotly takes them: strings (dates) as a list, numbers as float32."""
    a = np.asarray(values)
    return [str(v) for v in a] if a.dtype.kind in "US" else _r(a)


# ----------------------------------------------------------------------------- 1. the series


def overview_fig(
    x: np.ndarray,
    y: np.ndarray,
    parts: Sequence[tuple[object, object, str, str]],
    window: tuple[object, object],
    labels: dict[str, str],
) -> go.Figure:
    """The whole series with its train / validation / test parts shaded and the window marked.

    Args:
        x: (n,) times (ISO date strings) or row numbers; y: (n,) values.
        parts: (x0, x1, translated name, part id) per part; the id picks the shade.
        window: (x0, x1) of the input window and its horizon, highlighted.
        labels: ``series`` (the line's name), ``y`` (axis title), ``window`` (the highlight).

    Returns:
        One line (every :func:`stride`-th value), the shaded parts and the highlight as shapes.
    """
    k = stride(len(y))
    line = dict(
        type="scattergl", x=_x(np.asarray(x)[::k]), y=_r(np.asarray(y)[::k]), mode="lines",
        line=dict(color=TRUTH, width=1), name=labels["series"],
        hovertemplate="%{x}<br>%{y:.4g}<extra></extra>",
    )  # fmt: skip
    shapes = [_band(x0, x1, PART_COLORS[pid], 0.45) for x0, x1, _, pid in parts]
    shapes.append(_band(window[0], window[1], style.HIGHLIGHT, 0.55))
    notes = [
        dict(text=name, x=x0, y=1.0, xref="x", yref="paper", xanchor="left", yanchor="top",
             showarrow=False, font=dict(size=12))
        for x0, _, name, _ in parts
    ]  # fmt: skip
    lay = _layout(300, shapes=shapes, annotations=notes, yaxis=dict(title=dict(text=labels["y"])))
    lay["legend"] = dict(orientation="h", yanchor="bottom", y=1.02, x=0)
    lay["showlegend"] = False
    return figure([line], lay)


def forecast_fig(
    x_past: np.ndarray,
    past: np.ndarray,
    x_future: np.ndarray,
    truth: np.ndarray,
    forecasts: Sequence[tuple[str, str, np.ndarray]],
    labels: dict[str, str],
    selected: int | None = None,
) -> go.Figure:
    """The input window, what happened next and each model's forecast.

    Args:
        x_past, past: (W,) the window's times and values; x_future, truth: (H,) the horizon's.
        forecasts: (model id, translated name, (H,) values) per model, drawn in model colours.
        labels: ``window``, ``truth`` (trace names), ``y`` (axis title).
        selected: 0-based horizon step to mark with a vertical line, or None.

    Returns:
        The window (shaded), the truth, then one trace per forecast in the given order, each
        starting from the window's last value so it reads as a continuation.
    """
    xp, xf = _x(x_past), _x(x_future)
    last_x = xp[-1] if isinstance(xp, list) else float(xp[-1])
    data = [
        dict(type="scatter", x=xp, y=_r(past), mode="lines", name=labels["window"],
             line=dict(color=TRUTH, width=2), hovertemplate="%{x}<br>%{y:.4g}<extra></extra>"),
        dict(type="scatter", x=xf, y=_r(truth), mode="lines+markers", name=labels["truth"],
             line=dict(color=TRUTH, width=2, dash="dash"), marker=dict(size=5),
             hovertemplate="%{x}<br>%{y:.4g}<extra></extra>"),
    ]  # fmt: skip
    for model, name, values in forecasts:
        xs = [last_x, *xf] if isinstance(xf, list) else np.concatenate([[last_x], xf]).astype("f4")
        ys = np.concatenate([[float(past[-1])], np.asarray(values, dtype=np.float64)])
        data.append(
            dict(type="scatter", x=xs, y=_r(ys), mode="lines+markers", name=style.esc(name),
                 line=dict(color=model_color(model), width=2, dash=model_dash(model)),
                 marker=dict(size=4), hovertemplate=f"{style.esc(name)}: %{{y:.4g}}<extra></extra>")
        )  # fmt: skip
    shapes = [_band(xp[0], last_x, style.HIGHLIGHT, 0.15)]
    if selected is not None and 0 <= selected < len(truth):
        shapes.append(_vline(xf[selected]))
    lay = _layout(380, shapes=shapes, yaxis=dict(title=dict(text=labels["y"])), hovermode="x")
    return figure(data, lay)


# ----------------------------------------------------------------------------- 3. errors


def errors_fig(
    curves: Sequence[tuple[str, str, np.ndarray]],
    labels: dict[str, str],
    ref: float | None = None,
    selected: int | None = None,
) -> go.Figure:
    """One error measure against the horizon h = 1..H, one line per model.

    Args:
        curves: (model id, translated name, (H,) values) per model.
        labels: ``x`` and ``y`` axis titles, ``ref`` (the reference line's name) when ``ref``.
        ref: draw a horizontal line at this value (1 for MASE and ÷ persistence), or None.
        selected: 0-based horizon to mark.
    """
    data = []
    for model, name, values in curves:
        v = np.asarray(values, dtype=np.float64)
        data.append(
            dict(type="scatter", x=np.arange(1, len(v) + 1, dtype=np.int32), y=_r(v),
                 mode="lines+markers" if len(v) <= 24 else "lines", name=style.esc(name),
                 line=dict(color=model_color(model), width=2, dash=model_dash(model)),
                 marker=dict(size=5),
                 hovertemplate=f"{style.esc(name)} · h = %{{x}}: %{{y:.4g}}<extra></extra>")
        )  # fmt: skip
    shapes = []
    if ref is not None:
        shapes.append(
            dict(type="line", xref="paper", yref="y", x0=0, x1=1, y0=ref, y1=ref,
                 line=dict(color="#555", width=1, dash="longdash"))
        )  # fmt: skip
    if selected is not None:
        shapes.append(_vline(selected + 1))
    lay = _layout(
        360,
        xaxis=dict(title=dict(text=labels["x"]), rangemode="tozero"),
        yaxis=dict(title=dict(text=labels["y"]), rangemode="tozero"),
    )
    if shapes:
        lay["shapes"] = shapes
    return figure(data, lay)


# ----------------------------------------------------------------------------- 4. inside the GRU


def hidden_heatmap(hidden: np.ndarray, lags: np.ndarray, labels: dict[str, str]) -> go.Figure:
    """The GRU's state: units (rows) × input steps (columns, as lags before the origin).

    Args:
        hidden: (W, U) h_t after each step; lags: (W,) step offsets (−W+1 … 0).
        labels: ``x`` (lag axis title), ``unit`` (the word for a row), ``value`` (the hover's name).

    Returns:
        A heatmap with ``z = hidden.T`` (U, W) on the fixed −1…1 scale of tanh-bounded states.
    """
    scale = dict(colorscale=DIV, zmin=-1, zmax=1)
    return _rows_heatmap(np.asarray(hidden).T, lags, labels, labels["unit"], scale, 340)


def trajectory_fig(
    path: np.ndarray,
    lags: np.ndarray,
    bg_points: np.ndarray,
    bg_change: np.ndarray,
    labels: dict[str, str],
    explained: np.ndarray | None = None,
) -> go.Figure:
    """The path of h_t over the window on the fixed PCA axes, over held-out final states.

    Args:
        path: (W, 2) the window's states projected; lags: (W,) their step offsets.
        bg_points: (N, 2) final states of held-out windows; bg_change: (N,) the change that
            followed each (normalised), the background's colour.
        labels: ``bg`` and ``path`` (trace names), ``change`` (colour bar title), ``lag``.
        explained: (2,) variance shares of the two axes, shown in their titles.

    Returns:
        Background first (coloured by ``bg_change``, symmetric scale), then the path (markers
        coloured from early to late), its last point marked large.
    """
    bg = np.asarray(bg_change, dtype=np.float64)
    m = style.sym(bg)
    data = [
        dict(type="scattergl", x=_r(bg_points[:, 0]), y=_r(bg_points[:, 1]), mode="markers",
             name=labels["bg"], hoverinfo="skip",
             marker=dict(size=5, color=_r(bg), colorscale=DIV, cmin=-m, cmax=m, opacity=0.5,
                         colorbar=dict(title=dict(text=labels["change"]), thickness=10, len=0.7))),
        dict(type="scatter", x=_r(path[:, 0]), y=_r(path[:, 1]), mode="lines+markers",
             name=labels["path"], line=dict(color=TRUTH, width=1.5),
             marker=dict(size=6, color=np.asarray(lags, dtype=np.int32), colorscale=SEQ),
             customdata=np.asarray(lags, dtype=np.int32),
             hovertemplate=f"{labels['lag']} %{{customdata}}<extra></extra>"),
        dict(type="scatter", x=_r(path[-1:, 0]), y=_r(path[-1:, 1]), mode="markers",
             name=labels["last"], marker=dict(size=14, color=style.RNN, symbol="star")),
    ]  # fmt: skip
    ax = [
        dict(text=f"PC{i + 1}" + (f" ({explained[i]:.0%})" if explained is not None else ""))
        for i in range(2)
    ]
    return figure(data, _layout(420, xaxis=dict(title=ax[0]), yaxis=dict(title=ax[1])))


# ----------------------------------------------------------------------------- 5. inside the CNN


def receptive_fig(
    nodes: Sequence[np.ndarray],
    edges: Sequence[tuple[int, int, int]],
    window: int,
    dilations: Sequence[int],
    labels: dict[str, str],
) -> go.Figure:
    """The dilated receptive field: which input steps reach one output, layer by layer.

    Args:
        nodes: per layer 0 (input) … L, the positions that reach the output (``nets``).
        edges: (layer, from position, to position) per connecting tap.
        window: W (all positions are drawn faintly); dilations: per layer, for the row titles.
        labels: ``input``, ``layer`` (row titles), ``x`` (lag axis), ``seen``, ``unseen``.

    Returns:
        Faint markers for every position, the connecting taps as one line trace, the reached
        positions as coloured markers (input row in grey, CNN layers in the CNN colour).
    """
    L = len(dilations)
    lag = np.arange(window, dtype=np.int32) - (window - 1)
    rows = [labels["input"]] + [
        f"{labels['layer']} {i + 1} (d={d})" for i, d in enumerate(dilations)
    ]
    xs, ys = [], []
    for layer, s, t in edges:
        xs += [int(s) - (window - 1), int(t) - (window - 1), None]
        ys += [layer - 1, layer, None]
    all_x = np.tile(lag, L + 1)
    all_y = np.repeat(np.arange(L + 1, dtype=np.int32), window)
    seen_x = np.concatenate([np.asarray(n) - (window - 1) for n in nodes]).astype(np.int32)
    seen_y = np.concatenate([np.full(len(n), i) for i, n in enumerate(nodes)]).astype(np.int32)
    data = [
        dict(type="scattergl", x=all_x, y=all_y, mode="markers", name=labels["unseen"],
             marker=dict(size=4, color="#dddddd"), hoverinfo="skip"),
        dict(type="scattergl", x=xs, y=ys, mode="lines", name=labels["seen"],
             line=dict(color=style.CNN, width=1), opacity=0.5, hoverinfo="skip",
             showlegend=False),
        dict(type="scattergl", x=seen_x, y=seen_y, mode="markers", name=labels["seen"],
             marker=dict(size=6, color=np.where(seen_y == 0, style.BASELINE, style.CNN).tolist()),
             hovertemplate=f"{labels['x']} %{{x}}<extra></extra>"),
    ]  # fmt: skip
    lay = _layout(
        120 + 34 * (L + 1),
        xaxis=dict(title=dict(text=labels["x"])),
        yaxis=dict(tickmode="array", tickvals=list(range(L + 1)), ticktext=rows, range=[-0.5, L + 0.5]),
    )  # fmt: skip
    return figure(data, lay)


def maps_fig(maps: np.ndarray, lags: np.ndarray, labels: dict[str, str]) -> go.Figure:
    """One CNN layer's feature maps: channels (rows) × steps (columns, as lags).

    Args:
        maps: (C, W) activations (after ReLU and the residual sum, so ≥ 0); lags: (W,).
        labels: ``x`` (lag axis title), ``channel`` (the word for a row), ``value``.
    """
    return _rows_heatmap(maps, lags, labels, labels["channel"], dict(colorscale=SEQ, zmin=0), 300)


def _rows_heatmap(z, lags, labels: dict[str, str], row: str, scale: dict, height: int) -> go.Figure:
    """Rows (units or channels, named ``row``) × steps as lags; the hover names row, lag, value."""
    heat = dict(
        type="heatmap", z=_r(z), x=np.asarray(lags, dtype=np.int32),
        y=np.arange(len(z), dtype=np.int32), **scale, colorbar=dict(thickness=10),
        hovertemplate=f"{row} %{{y}} · %{{x}}<br>{labels['value']} = %{{z:.4f}}<extra></extra>",
    )  # fmt: skip
    lay = _layout(
        height,
        xaxis=dict(title=dict(text=labels["x"])),
        yaxis=dict(title=dict(text=row), autorange="reversed"),
    )
    return figure([heat], lay)


# ----------------------------------------------------------------------------- 6. look-back


def gradient_fig(
    lags: np.ndarray,
    curves: Sequence[tuple[str, str, np.ndarray]],
    labels: dict[str, str],
    marks: Sequence[tuple[int, str]] = (),
) -> go.Figure:
    """∂ forecast / ∂ input value at each past step, one line per model on one chart (a
    baseline, e.g. the linear AR, dashed grey).

    Args:
        lags: (W,) step offsets (−W+1 … 0); curves: (model id, name, (W,) values).
        labels: ``x``, ``y`` axis titles.
        marks: (lag, text) reference lines to draw (e.g. one day, one week back).
    """
    data = [
        dict(type="scatter", x=np.asarray(lags, dtype=np.int32), y=_r(v), mode="lines",
             name=style.esc(name),
             line=dict(color=model_color(model), width=2, dash=model_dash(model)),
             hovertemplate=f"{style.esc(name)} · %{{x}}: %{{y:.4g}}<extra></extra>")
        for model, name, v in curves
    ]  # fmt: skip
    shapes = [_vline(lag, "#999", "dot") for lag, _ in marks]
    notes = [
        dict(text=text, x=lag, y=1.0, xref="x", yref="paper", showarrow=False,
             xanchor="left", yanchor="top", font=dict(size=11, color="#666"))
        for lag, text in marks
    ]  # fmt: skip
    lay = _layout(
        360,
        xaxis=dict(title=dict(text=labels["x"])),
        yaxis=dict(title=dict(text=labels["y"])),
        hovermode="x",
    )
    if marks:  # plotly drops empty lists: keep the spec canonical
        lay.update(shapes=shapes, annotations=notes)
    return figure(data, lay)
