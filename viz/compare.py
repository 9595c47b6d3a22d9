"""Pure figure builders for the side-by-side page: numpy arrays in, plotly figures out.

No Streamlit, no torch. Every label is passed in by the caller (already translated). The CNN is
drawn in blue, the RNN in orange (``viz.style``), everywhere; user tokens are escaped. Builders
assemble plain plotly dicts in canonical form and wrap them once with :func:`viz.fig.figure`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from viz import style
from viz.fig import figure, player, subplot_layout
from viz.style import esc, step_labels, token_axis

CNN_COLOR, RNN_COLOR = style.CNN, style.RNN
DIVERGING = style.scale("RdBu_r")  # red: pushes toward the class / positive; blue: against
INK = style.scale("gray_r")
ORANGES = style.scale("Oranges")
_sym = style.sym


def _layout(
    height: int,
    title: str | None = None,
    legend_below: bool = False,
    top: int = 0,
    bottom: int = 8,
    **extra,
) -> dict:
    """Shared layout: small margins, title top left, legend top right (or below the plot, where
    a title and a legend would collide in a narrow column). ``extra``: more layout keys."""
    legend = (
        dict(orientation="h", yanchor="top", y=-0.22, xanchor="left", x=0)
        if legend_below
        else dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1)
    )
    layout = dict(
        height=height,
        margin=dict(l=8, r=8, t=max(top, 36 if title else 12), b=bottom),
        legend=legend,
        hoverlabel=dict(namelength=-1),
        **extra,
    )
    if title:
        layout["title"] = dict(text=title, font=dict(size=14), x=0, xanchor="left")
    return layout


# ----------------------------------------------------------------------------- predictions


def _bar_pair(groups, values, names, text_fmt: str, hover_fmt: str) -> list[dict]:
    """(CNN, RNN) bar traces over ``groups``, values labelled above the bars (None: a gap)."""
    data = []
    for vals, name, color in zip(values, names, (CNN_COLOR, RNN_COLOR), strict=True):
        v = np.array([np.nan if x is None else x for x in vals], dtype=float)  # (G,)
        data.append(
            dict(
                type="bar",
                x=list(groups),
                y=v,
                name=name,
                marker=dict(color=color),
                text=[("" if not np.isfinite(x) else format(x, text_fmt)) for x in v],
                textposition="outside",
                hovertemplate="%{x}: %{y:" + hover_fmt + "}<extra>" + name + "</extra>",
            )
        )
    return data


def prob_bars(
    classes: Sequence[str],
    probs_cnn: np.ndarray,
    probs_rnn: np.ndarray,
    names: tuple[str, str],
    title: str | None = None,
) -> go.Figure:
    """Both models' class probabilities as grouped bars.

    Args:
        classes: class names (C,).
        probs_cnn, probs_rnn: (C,) probabilities.
        names: legend names (CNN, RNN).
    """
    data = _bar_pair(classes, (probs_cnn, probs_rnn), names, ".0%", ".3f")
    layout = _layout(
        270,
        title,
        legend_below=True,
        bottom=40,
        barmode="group",
        xaxis=dict(type="category"),
        yaxis=dict(range=[0, 1.15], tickformat=".0%"),
    )
    return figure(data, layout)


# ----------------------------------------------------------------------------- TextCNN


def ngram_heatmap(
    tokens: Sequence[str], grid: np.ndarray, kernel_sizes, row_label: str, title: str | None = None
) -> go.Figure:
    """The sentence highlighted once per kernel size: green where the winning n-grams push toward
    positive, orange toward negative (the app's sentiment colours). grid: (K, T) from ``TextCNNAnalysis.ngram_grid()``."""
    labels = np.array([step_labels(tokens)] * len(kernel_sizes))  # (K, T)
    m = _sym(grid)
    trace = dict(
        type="heatmap",
        z=grid,
        x=np.arange(len(tokens)),
        y=[f"{row_label} {k}" for k in kernel_sizes],
        customdata=labels,
        colorscale=style.SENTIMENT,
        zmid=0,
        zmax=m,
        zmin=-m,
        xgap=1,
        ygap=2,
        colorbar=dict(thickness=10, len=0.9),
        hovertemplate="%{customdata} · %{y}: %{z:+.3f}<extra></extra>",
    )
    layout = _layout(
        110 + 40 * len(kernel_sizes),
        title,
        xaxis=token_axis(tokens),
        yaxis=dict(autorange="reversed", type="category"),
    )
    return figure([trace], layout)


def feature_map_line(
    tokens: Sequence[str],
    fmap: np.ndarray,
    k: int,
    winner: int,
    name: str,
    title: str | None = None,
) -> go.Figure:
    """One filter's activation at every window position along the sentence; the max-pool
    winner in a darker colour. fmap: (T',) for kernel size ``k``."""
    fmap = np.asarray(fmap, dtype=float)  # (T',)
    T = len(tokens)
    labels = [
        f"{i + 1}·" + esc(style.join_tokens(tokens[i : min(i + k, T)]))
        if i < T
        else f"{i + 1}·&lt;pad&gt;"
        for i in range(len(fmap))
    ]
    colors = [CNN_COLOR if i == winner else "#9cc3e6" for i in range(len(fmap))]
    trace = dict(
        type="bar",
        x=np.arange(len(fmap)),
        y=fmap,
        marker=dict(color=colors),
        name=name,
        customdata=labels,
        hovertemplate="%{customdata}: %{y:.3f}<extra></extra>",
    )
    starts = [tokens[i] if i < T else "<pad>" for i in range(len(fmap))]
    return figure([trace], _layout(260, title, xaxis=token_axis(starts)))


# ----------------------------------------------------------------------------- both text models


def shared_attributions(
    tokens: Sequence[str],
    attr_cnn: np.ndarray,
    attr_rnn: np.ndarray,
    names: tuple[str, str],
    title: str | None = None,
) -> go.Figure:
    """Both models' signed token attributions (toward positive) on one shared token axis."""
    x = np.arange(len(tokens))  # (T,)
    labels = step_labels(tokens)
    data = [
        dict(
            type="bar",
            x=x,
            y=np.asarray(a, float),
            name=name,
            marker=dict(color=color),
            customdata=labels,
            hovertemplate="%{customdata}: %{y:+.3f}<extra>" + name + "</extra>",
        )
        for a, name, color in ((attr_cnn, names[0], CNN_COLOR), (attr_rnn, names[1], RNN_COLOR))
    ]
    zero = dict(
        type="line",
        xref="x domain",
        yref="y",
        x0=0,
        x1=1,
        y0=0,
        y1=0,
        line=dict(color="gray"),
    )
    layout = _layout(300, title, barmode="group", shapes=[zero], xaxis=token_axis(tokens))
    return figure(data, layout)


# ----------------------------------------------------------------------------- images


def image_pair(
    a: np.ndarray,
    b: np.ndarray,
    titles: tuple[str, str],
    diverging: bool = False,
    title: str | None = None,
) -> go.Figure:
    """Two (H, W) maps side by side on one colour scale (diverging and symmetric if asked)."""
    layout = subplot_layout(1, 2, titles, horizontal_spacing=0.04)
    m = max(_sym(a), _sym(b))
    kw = (
        dict(colorscale=DIVERGING, zmid=0, zmin=-m, zmax=m)
        if diverging
        else dict(colorscale=INK, zmin=0, zmax=m)
    )
    data = [
        dict(
            type="heatmap",
            z=np.asarray(z, float),  # (H, W)
            showscale=i == 1,
            colorbar=dict(thickness=10),
            hovertemplate="(%{y}, %{x}): %{z:.3f}<extra></extra>",
            xaxis=f"x{i + 1 if i else ''}",
            yaxis=f"y{i + 1 if i else ''}",
            **kw,
        )
        for i, z in enumerate((a, b))
    ]
    layout["xaxis"]["visible"] = layout["xaxis2"]["visible"] = False
    for y, x in (("yaxis", "x"), ("yaxis2", "x2")):
        layout[y].update(autorange="reversed", visible=False, scaleanchor=x)
    for ann in layout["annotations"]:
        ann["font"]["size"] = 12
    layout.update(_layout(300, title, top=56 if title else 30))
    return figure(data, layout)


def row_scan_animation(
    input28: np.ndarray,
    step_probs: np.ndarray,
    labels: tuple[str, str, str],
    title: str | None = None,
) -> go.Figure:
    """The row GRU reading the digit: a frame per row, the row being read outlined, and the
    prediction after that row as bars. Plays in the browser (no reruns).

    Args:
        input28: (28, 28) digit.
        step_probs: (28, 10) the prediction after reading t rows.
        labels: (play button, row word, "P(digit)" axis title).
    """
    T = step_probs.shape[0]
    digits = [str(d) for d in range(step_probs.shape[1])]

    def bar(t: int) -> dict:
        p = np.asarray(step_probs[t], float)  # (10,)
        best = int(p.argmax())
        colors = [RNN_COLOR if i == best else "#f4c095" for i in range(len(p))]
        return dict(
            type="bar",
            x=digits,
            y=p,
            marker=dict(color=colors),
            showlegend=False,
            hovertemplate="%{x}: %{y:.3f}<extra></extra>",
        )

    def rect(t: int) -> list[dict]:
        return [
            dict(
                type="rect",
                xref="x",
                yref="y",
                x0=-0.5,
                x1=27.5,
                y0=t - 0.5,
                y1=t + 0.5,
                line=dict(color=RNN_COLOR, width=3),
            )
        ]

    image = dict(
        type="heatmap",
        z=np.asarray(input28, float),  # (28, 28)
        colorscale=INK,
        showscale=False,
        hoverinfo="skip",
        xaxis="x",
        yaxis="y",
    )
    data = [image, dict(bar(T - 1), xaxis="x2", yaxis="y2")]
    frames = [
        dict(data=[bar(t)], traces=[1], name=str(t), layout=dict(shapes=rect(t))) for t in range(T)
    ]
    layout = subplot_layout(1, 2, column_widths=[0.45, 0.55], horizontal_spacing=0.08)
    layout["xaxis"]["visible"] = False
    layout["yaxis"].update(autorange="reversed", visible=False)
    layout["xaxis2"].update(title=dict(text=labels[2]), type="category")
    layout["yaxis2"].update(range=[0, 1], tickformat=".0%", side="right")
    layout.update(
        _layout(360, title, bottom=90),
        shapes=rect(T - 1),
        **player(
            T, labels[0], labels[1], 180, active=T - 1, button=(0, -0.08), slider=(0.18, -0.04)
        ),
    )
    return figure(data, layout, frames)


def trajectory_2d(
    points: np.ndarray,
    bg_points: np.ndarray,
    bg_labels: np.ndarray,
    names: tuple[str, str, str],
    title: str | None = None,
) -> go.Figure:
    """The hidden state's path over the rows in the first two principal components, over
    the final states of held-out digits (faint, coloured by their label).

    Args:
        points: (T, ≥2) projected hidden states h_1..h_T.
        bg_points: (N, ≥2) projected final states of reference digits; bg_labels: (N,).
        names: legend names (reference digits, this digit's path, axis prefix "PC").
    """
    T = len(points)
    background = dict(
        type="scatter",
        x=bg_points[:, 0],
        y=bg_points[:, 1],
        mode="text",
        text=[str(int(v)) for v in bg_labels],
        textfont=dict(size=9, color="rgba(120,120,120,0.55)"),
        name=names[0],
        hoverinfo="skip",
    )
    path = dict(
        type="scatter",
        x=points[:, 0],
        y=points[:, 1],
        mode="lines+markers",
        marker=dict(color=np.arange(1, T + 1), colorscale=ORANGES, size=6, cmin=0),
        line=dict(color=RNN_COLOR, width=1.5),
        name=names[1],
        customdata=np.arange(1, T + 1),
        hovertemplate="t = %{customdata}<extra></extra>",
    )
    layout = _layout(
        360,
        title,
        legend_below=True,
        bottom=40,
        xaxis=dict(title=dict(text=f"{names[2]}1"), zeroline=False),
        yaxis=dict(title=dict(text=f"{names[2]}2"), zeroline=False),
    )
    return figure([background, path], layout)


def shift_accuracy_fig(
    shifts: Sequence[int],
    curves: Sequence[tuple[np.ndarray, str, str, str]],
    x_title: str,
    y_title: str,
    marks: Sequence[int] = (),
) -> go.Figure:
    """Held-out accuracy against the shift in pixels, one line per (model, direction).

    Args:
        shifts: (S,) pixels.
        curves: (accuracy (S,), name, colour, dash) per line.
        x_title, y_title: axis titles.
        marks: shifts to mark with dotted vertical lines (the current sliders).
    """
    data = [
        dict(
            type="scatter",
            x=list(shifts),
            y=np.asarray(acc, float),
            name=name,
            mode="lines+markers",
            line=dict(color=color, dash=dash, width=2),
            hovertemplate="%{x:+d} px: %{y:.1%}<extra>" + esc(name) + "</extra>",
        )
        for acc, name, color, dash in curves
    ]
    shapes = [
        dict(type="line", x0=m, x1=m, xref="x", y0=0, y1=1, yref="y domain",
             line=dict(color="#777", dash="dot", width=1))
        for m in dict.fromkeys(marks)
    ]  # fmt: skip
    layout = _layout(
        320,
        legend_below=True,
        bottom=60,
        shapes=shapes,
        xaxis=dict(title=dict(text=x_title), dtick=1, zeroline=False),
        yaxis=dict(title=dict(text=y_title), range=[0, 1.02], tickformat=".0%"),
    )
    return figure(data, layout)
