"""Pure figure builders for the claims lab: numbers and translated labels in, plotly figures out.

No Streamlit, no torch, no language. Colours come from ``viz.style``: every CNN blue, every
RNN orange (the plain GRU dashed, the tanh RNN grey as the baseline), the Transformer green
(``style.EXTRA``). Builders assemble canonical plotly dicts and end with ``viz.fig.figure``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from viz import style
from viz.fig import figure, subplot_layout
from viz.style import esc

# model key → (colour, dash). Keys are the lab's (nets/lab): "gru" is the attention GRU in the
# sentiment experiments and the plain GRU in the synthetic ones ("gru_attn" there).
STYLE = {
    "cnn": (style.CNN, "solid"),
    "cnn_macs": (style.CNN, "dash"),
    "gru": (style.RNN, "solid"),
    "gru_attn": (style.RNN, "solid"),
    "gru_plain": (style.RNN, "dash"),
    "rnn": (style.BASELINE, "solid"),
    "transformer": (style.EXTRA, "solid"),
}


def model_style(key: str) -> tuple[str, str]:
    """(colour, dash) of a lab model key (grey solid for an unknown key)."""
    return STYLE.get(key, (style.BASELINE, "solid"))


@dataclass
class Line:
    """One line of :func:`lines_fig`.

    Attributes:
        x, y: the points; name: legend entry (escaped); color, dash: from :func:`model_style`;
        lo, hi: optional lower/upper ends drawn as error bars; legend: show in the legend;
        group: legend group (several lines, one entry); width; opacity; mode: plotly mode.
    """

    x: Sequence
    y: Sequence
    name: str
    color: str
    dash: str = "solid"
    lo: Sequence | None = None
    hi: Sequence | None = None
    legend: bool = True
    group: str | None = None
    width: float = 2.0
    opacity: float = 1.0
    mode: str = "lines+markers"


def _layout(height: int, x_title: str, y_title: str, **extra) -> dict:
    return dict(
        height=height,
        margin=dict(l=8, r=8, t=28, b=8),
        legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1),
        hoverlabel=dict(namelength=-1),
        xaxis=dict(title=dict(text=x_title), **extra.pop("xaxis", {})),
        yaxis=dict(title=dict(text=y_title), **extra.pop("yaxis", {})),
        **extra,
    )


def _arr(v) -> np.ndarray:
    return np.array([np.nan if x is None else x for x in v], dtype=float)


def _trace(line: Line, y_fmt: str) -> dict:
    y = _arr(line.y)
    tr = dict(
        type="scatter",
        x=list(line.x),
        y=y,
        name=esc(line.name),
        mode=line.mode,
        line=dict(color=line.color, dash=line.dash, width=line.width),
        marker=dict(color=line.color, size=5),
        opacity=line.opacity,
        showlegend=line.legend,
        hovertemplate="%{x}: %{y:" + y_fmt + "}<extra>" + esc(line.name) + "</extra>",
    )
    if line.group:
        tr["legendgroup"] = line.group
    if line.lo is not None and line.hi is not None:
        lo, hi = _arr(line.lo), _arr(line.hi)
        tr["error_y"] = dict(type="data", symmetric=False, array=hi - y, arrayminus=y - lo,
                             color=line.color, thickness=1.2, width=3)  # fmt: skip
    return tr


def lines_fig(
    lines: Sequence[Line],
    x_title: str,
    y_title: str,
    *,
    log_x: bool = False,
    log_y: bool = False,
    y_format: str = ".3g",
    y_range: Sequence[float] | None = None,
    hline: tuple[float, str] | None = None,
    category_x: bool = False,
    height: int = 320,
) -> go.Figure:
    """Lines (with optional error bars) against a shared x axis.

    Args:
        lines: the :class:`Line` s, drawn in order.
        x_title, y_title: axis titles.
        log_x, log_y: logarithmic axes; category_x: x values are labels.
        y_format: d3 format of y on hover and ticks (".0%" for accuracies).
        y_range: fixed y range; hline: (y, label) a dotted horizontal line (a target).
    """
    data = [_trace(ln, y_format) for ln in lines]
    xaxis: dict = {"type": "log"} if log_x else {"type": "category"} if category_x else {}
    yaxis: dict = {"type": "log"} if log_y else {}
    if y_format.endswith("%"):
        yaxis["tickformat"] = y_format
    if y_range is not None:
        yaxis["range"] = list(y_range)
    extra: dict = {}
    if hline is not None:
        extra["shapes"] = [dict(type="line", xref="paper", x0=0, x1=1, y0=hline[0], y1=hline[0],
                                line=dict(color="#555", dash="dot", width=1))]  # fmt: skip
        extra["annotations"] = [dict(xref="paper", x=0, y=hline[0], text=esc(hline[1]),
                                     showarrow=False, xanchor="left", yanchor="bottom",
                                     font=dict(size=11, color="#555"))]  # fmt: skip
    return figure(data, _layout(height, x_title, y_title, xaxis=xaxis, yaxis=yaxis, **extra))


def strip_fig(
    groups: Sequence[tuple[str, str, Sequence[float | None]]],
    y_title: str,
    missed_label: str,
    y_format: str = ".2f",
    height: int = 280,
) -> go.Figure:
    """Repeated measurements per model: one dot per repeat and a bar at the median.

    Args:
        groups: (name, colour, values) per model; None = did not reach it (drawn as ×
            above the largest value, labelled ``missed_label``).
        y_title: axis title.
    """
    finite = [v for _, _, vals in groups for v in vals if v is not None]
    top = max(finite) if finite else 1.0
    data = []
    for name, color, vals in groups:
        ok = [v for v in vals if v is not None]
        miss = len(vals) - len(ok)
        data.append(dict(
            type="scatter", x=[name] * len(ok), y=np.asarray(ok, float), mode="markers",
            marker=dict(color=color, size=9, opacity=0.75), name=esc(name), showlegend=False,
            hovertemplate="%{y:" + y_format + "}<extra>" + esc(name) + "</extra>",
        ))  # fmt: skip
        if ok:
            med = float(np.median([v if v is not None else np.inf for v in vals]))
            if np.isfinite(med):
                data.append(dict(
                    type="scatter", x=[name], y=[med], mode="markers",
                    marker=dict(symbol="line-ew-open", size=36, color=color, line=dict(width=3)),
                    showlegend=False, hoverinfo="skip",
                ))  # fmt: skip
        if miss:
            data.append(dict(
                type="scatter", x=[name] * miss, y=[top * 1.15] * miss, mode="markers+text",
                marker=dict(symbol="x", color=color, size=9), text=[esc(missed_label)] * miss,
                textposition="top center", showlegend=False, hoverinfo="skip",
            ))  # fmt: skip
    layout = _layout(height, "", y_title, xaxis={"type": "category"},
                     yaxis={"rangemode": "tozero"})  # fmt: skip
    return figure(data, layout)


def grouped_bars(
    groups: Sequence[str],
    series: Sequence[tuple[str, str, Sequence[float], Sequence[float], Sequence[float]]],
    y_title: str,
    y_format: str = ".0%",
    y_range: Sequence[float] | None = (0, 1.05),
    height: int = 300,
) -> go.Figure:
    """Bars per group, one per series, with error bars.

    Args:
        groups: x labels (already translated).
        series: (name, colour, values, lower ends, upper ends) per series.
    """
    data = []
    for name, color, v, lo, hi in series:
        y, lo_, hi_ = _arr(v), _arr(lo), _arr(hi)
        data.append(dict(
            type="bar", x=list(groups), y=y, name=esc(name), marker=dict(color=color),
            error_y=dict(type="data", symmetric=False, array=hi_ - y, arrayminus=y - lo_,
                         color="#333", thickness=1.2, width=3),
            hovertemplate="%{x}: %{y:" + y_format + "}<extra>" + esc(name) + "</extra>",
        ))  # fmt: skip
    yaxis: dict = {"tickformat": y_format} if y_format.endswith("%") else {}
    if y_range is not None:
        yaxis["range"] = list(y_range)
    return figure(data, _layout(height, "", y_title, barmode="group", yaxis=yaxis))


def race_fig(
    points: dict[str, dict[str, Sequence]],
    names: dict[str, str],
    titles: tuple[str, str, str],
    x_key: str,
    x_title: str,
    x_max: float | None = None,
    height: int = 520,
) -> go.Figure:
    """The race: training loss, validation accuracy and gradient norm (rows) against each
    model's own CPU seconds (``x_key="cpu_s"``) or steps (``"step"``).

    Args:
        points: model key → {"cpu_s", "step", "loss", "val_acc", "grad_norm"} lists.
        names: model key → legend name; titles: the three rows' titles.
        x_max: fix the x range (the live chart keeps its scale while it grows).
    """
    layout = subplot_layout(3, 1, titles, shared_xaxes=True, vertical_spacing=0.09)
    data = []
    for key, p in points.items():
        color, dash = model_style(key)
        for row, metric in enumerate(("loss", "val_acc", "grad_norm"), start=1):
            ax = "" if row == 1 else str(row)
            fmt = ".1%" if metric == "val_acc" else ".3f"
            data.append(dict(
                type="scatter", x=_arr(p[x_key]), y=_arr(p[metric]), name=esc(names[key]),
                mode="lines+markers", line=dict(color=color, dash=dash, width=2),
                marker=dict(size=4, color=color), legendgroup=key, showlegend=row == 1,
                xaxis=f"x{ax}", yaxis=f"y{ax}",
                hovertemplate="%{x:.2f}: %{y:" + fmt + "}<extra>" + esc(names[key]) + "</extra>",
            ))  # fmt: skip
    layout.update(
        height=height,
        margin=dict(l=8, r=8, t=40, b=8),
        legend=dict(orientation="h", yanchor="bottom", y=1.04, xanchor="right", x=1),
        hoverlabel=dict(namelength=-1),
    )
    layout["yaxis2"]["tickformat"] = ".0%"
    layout["xaxis3"]["title"] = dict(text=x_title)
    if x_max:
        for ax in ("xaxis", "xaxis2", "xaxis3"):
            layout[ax]["range"] = [0, x_max]
    return figure(data, layout)
