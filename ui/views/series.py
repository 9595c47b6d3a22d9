"""The time-series page's views: one forecast origin of one series, each view one question.

Each view draws from a :class:`ui.view.Ctx` holding ``series`` (its id), ``b`` (the
:class:`nets.series.SeriesBundle`: data, fitted models, test errors), ``a`` (the
:class:`nets.series.SeriesAnalysis` of the chosen origin) and ``h`` (the chosen horizon,
1-based). :func:`controls` draws the page's input block (series, origin, horizon; kept in the
URL as ``?series=…&point=…&horizon=…``) and returns those values.
"""

from __future__ import annotations

import math
from functools import partial

import numpy as np
import pandas as pd
import streamlit as st

from nets import series as S
from nets import series_models as SM
from ui import series_cache as cache
from ui.callbacks import translated
from ui.i18n import t
from ui.series_input import SWITCH, YOURS_STATE, need_fit, yours_view
from ui.view import Ctx, View, register
from viz import series as vs
from viz.rnn import md_escape

OPTIONS = (*S.SERIES, "yours")
SERIES_KEY, POINT_KEY, H_KEY = "series.series", "series.point", "series.h"
QUERY = {"series": SERIES_KEY, "point": POINT_KEY, "horizon": H_KEY}  # URL key → widget key
LAST = "_series.last"
CLEAR = 0.9  # "beats persistence clearly": at least 10 % lower test MAE
MARKS = {  # reference lags for the look-back view: (steps before the target, i18n key)
    "stock": ((5, "series.mark.tradeweek"),),
    "load": ((48, "series.mark.day"), (336, "series.mark.week")),
    "sunspots": ((132, "series.mark.cycle"),),
}


# ----------------------------------------------------------------------------- input block


def _int(v) -> int | None:
    try:
        return int(str(v))
    except (TypeError, ValueError):
        return None


def _init_from_url() -> None:
    """Fill the widgets from the URL once per session (a shared link)."""
    if SERIES_KEY in st.session_state:
        return
    q = st.query_params.get("series")
    st.session_state[SERIES_KEY] = q if q in OPTIONS else "stock"
    for qkey, wkey in (("point", POINT_KEY), ("horizon", H_KEY)):
        v = _int(st.query_params.get(qkey))
        if v is not None:
            st.session_state[wkey] = v


def _sync_url(values: dict[str, object]) -> None:
    for key, val in values.items():
        if val is None:
            if key in st.query_params:
                del st.query_params[key]
        elif st.query_params.get(key) != str(val):
            st.query_params[key] = str(val)


def bundle_for(name: str) -> S.SeriesBundle | None:
    """The shipped series' bundle, or the session's live fit for ``"yours"`` (None if none)."""
    if name == "yours":
        fit = st.session_state.get(YOURS_STATE)
        return fit["bundle"] if fit else None
    return S.load_bundle(name)


def analysis_for(name: str, b: S.SeriesBundle, point: int) -> S.SeriesAnalysis:
    if name == "yours":
        return cache.yours_analysis(st.session_state[YOURS_STATE]["token"], point, b)
    return cache.shipped_analysis(name, point)


def gradients_for(name: str, b: S.SeriesBundle, point: int) -> dict[str, np.ndarray]:
    if name == "yours":
        return cache.yours_gradients(st.session_state[YOURS_STATE]["token"], point, b)
    return cache.shipped_gradients(name, point)


def time_label(b: S.SeriesBundle, i: int) -> str:
    """The i-th value's time (shipped series) or row number with its label (a learner's file)."""
    if b.name != "yours":
        return str(b.times[i])
    labels = (st.session_state.get(YOURS_STATE) or {}).get("labels")
    row = int(b.times[i])
    return f"{row} · {labels[i]}" if labels and i < len(labels) else str(row)


def controls(lang: str) -> dict:
    """The series, the forecast origin (a point of the test part) and the horizon.

    Returns:
        The views' values: ``series``, ``b``, ``a``, ``h`` (``b`` and ``a`` None when the
        learner picks "your series" before fitting one).
    """
    _init_from_url()
    if SWITCH in st.session_state:
        st.session_state[SERIES_KEY] = st.session_state.pop(SWITCH)
    if st.session_state.get(SERIES_KEY) not in OPTIONS:
        st.session_state[SERIES_KEY] = "stock"
    name = st.segmented_control(
        t("series.pick", lang),
        options=OPTIONS,
        format_func=partial(translated, "series.name.", lang),
        required=True,
        key=SERIES_KEY,
    )
    b = bundle_for(name)
    if b is None:
        st.session_state[LAST] = name
        _sync_url({"series": name, "point": None, "horizon": None})
        if st.query_params.get("view") != "series.yours":
            st.query_params["view"] = "series.yours"  # the upload view opens
        return {"series": name, "b": None, "a": None, "h": 1}
    orig = b.test_origins()
    n_test, H = len(orig), b.cfg.horizon
    if st.session_state.get(LAST) not in (None, name):  # another series: its own defaults
        st.session_state[POINT_KEY], st.session_state[H_KEY] = n_test - 1, 1
    st.session_state[LAST] = name
    if not 0 <= _int(st.session_state.get(POINT_KEY, -1)) < n_test:
        st.session_state[POINT_KEY] = n_test - 1
    if not 1 <= _int(st.session_state.get(H_KEY, 0)) <= H:
        st.session_state[H_KEY] = 1
    left, right = st.columns([3, 2])
    with left:
        point = st.slider(
            t("series.point", lang), 0, n_test - 1, key=POINT_KEY, help=t("series.point.help", lang)
        )
    with right:
        h = st.slider(t("series.h", lang), 1, H, key=H_KEY) if H > 1 else 1
    t0, W = int(orig[point]), b.cfg.window
    st.caption(
        t(
            "series.where",
            lang,
            origin=md_escape(time_label(b, t0)),
            target=md_escape(time_label(b, t0 + h)),
            w=W,
            h=h,
            step=t(f"series.step.{name}", lang),
        )
    )
    _sync_url({"series": name, "point": point, "horizon": h})
    return {"series": name, "b": b, "a": analysis_for(name, b, point), "h": int(h)}


def lesson_context(spec: dict, lang: str) -> dict:
    """The views' values for a lesson step's input ``{"series": <shipped series>, "point":
    <test origin>, "horizon": <1-based>}`` (point and horizon optional: the last origin, 1).

    Raises:
        ValueError: not a shipped series, or the point or horizon is out of range.
    """
    name = spec.get("series")
    if name not in S.SERIES:
        raise ValueError(f"the time-series views need a shipped series, not {spec!r}")
    b = S.load_bundle(name)
    n = len(b.test_origins())
    point, h = int(spec.get("point", n - 1)), int(spec.get("horizon", 1))
    if not (0 <= point < n and 1 <= h <= b.cfg.horizon):
        raise ValueError(f"point {point} or horizon {h} out of range for {name}")
    return {"series": name, "b": b, "a": cache.shipped_analysis(name, point), "h": h}


# ----------------------------------------------------------------------------- helpers


def _name(ctx: Ctx, model: str) -> str:
    if model == "seasonal":
        return ctx.t("series.model.seasonal", m=ctx.b.cfg.season)
    return ctx.t(f"series.model.{model}")


def _unit(ctx: Ctx) -> str:
    return ctx.t(f"series.unit.{ctx.series}")


def _times(b: S.SeriesBundle, idx: np.ndarray) -> np.ndarray:
    return np.asarray(b.times)[idx]


def _lags(a: S.SeriesAnalysis) -> np.ndarray:
    return np.arange(a.window) - (a.window - 1)


def _fmt(v: float) -> str:
    if not math.isfinite(v):
        return "—"
    return f"{v:,.4g}" if abs(v) < 1e5 else f"{v:,.0f}"


def _cell(v: float, metric: str) -> str:
    return f"{v:.3f}" if metric in ("ratio", "mase") and math.isfinite(v) else _fmt(v)


def ratio(b: S.SeriesBundle, model: str) -> np.ndarray:
    """Test MAE per horizon ÷ persistence's test MAE at the same horizon."""
    with np.errstate(divide="ignore", invalid="ignore"):  # a constant test part: persistence 0
        return np.asarray(b.metrics[model]["mae"]) / np.asarray(b.metrics["persistence"]["mae"])


def verdict(r: float) -> str:
    """The rule shown beside the table: i18n key suffix for a ratio to persistence."""
    return "clear" if r < CLEAR else "slight" if r < 1 else "none"


# ----------------------------------------------------------------------------- views


def window(ctx: Ctx) -> None:
    b, a = ctx.b, ctx.a
    if b is None:
        need_fit(ctx)
        return
    parts = []
    for p in ("train", "val", "test"):
        lo, hi = b.split.bounds(p)
        parts.append((b.times[lo].item(), b.times[hi - 1].item(), ctx.t(f"series.part.{p}"), p))
    span = (b.times[a.steps[0]].item(), b.times[a.future[-1]].item())
    labels = {"series": _name_series(ctx), "y": _unit(ctx), "window": ctx.t("series.window")}
    ctx.chart(vs.overview_fig(b.times, b.values, parts, span, labels), "overview")
    k = vs.stride(len(b.values))
    notes = [
        ctx.t(
            "series.split.caption",
            train=f"{b.info['data']['train']:,}",
            val=f"{b.info['data']['val']:,}",
            test=f"{b.info['data']['test']:,}",
        )
    ]
    if k > 1:
        notes.append(ctx.t("series.overview.stride", k=k))
    st.caption(" ".join(notes))
    zoom = {"window": ctx.t("series.window"), "truth": ctx.t("series.truth"), "y": _unit(ctx)}
    fig = vs.forecast_fig(
        _times(b, a.steps), a.inputs, _times(b, a.future), a.truth, [], zoom, ctx.h - 1
    )
    ctx.chart(fig, "zoom")
    st.caption(ctx.t("series.window.caption", w=a.window, h=a.horizon))


def _name_series(ctx: Ctx) -> str:
    return ctx.t(f"series.name.{ctx.series}")


def forecast(ctx: Ctx) -> None:
    b, a, h = ctx.b, ctx.a, ctx.h
    if b is None:
        need_fit(ctx)
        return
    shown = min(a.window, max(4 * a.horizon, 24))
    fcs = [(m, _name(ctx, m), a.forecasts[m]) for m in b.models]
    labels = {"window": ctx.t("series.window"), "truth": ctx.t("series.truth"), "y": _unit(ctx)}
    fig = vs.forecast_fig(
        _times(b, a.steps[-shown:]),
        a.inputs[-shown:],
        _times(b, a.future),
        a.truth,
        fcs,
        labels,
        h - 1,
    )
    ctx.chart(fig, "chart")
    if shown < a.window:
        st.caption(ctx.t("series.forecast.shown", n=shown, w=a.window))
    truth = float(a.truth[h - 1])
    rows = [
        {
            ctx.t("series.col.model"): _name(ctx, m),
            ctx.t("series.col.forecast", h=h): _fmt(float(a.forecasts[m][h - 1])),
            ctx.t("series.col.abs_error"): _fmt(abs(float(a.forecasts[m][h - 1]) - truth)),
        }
        for m in b.models
    ]
    st.dataframe(pd.DataFrame(rows), hide_index=True)
    st.caption(ctx.t("series.forecast.caption", truth=_fmt(truth), h=h))


METRICS = ("ratio", "mase", "mae", "rmse")


def errors(ctx: Ctx) -> None:
    b, h = ctx.b, ctx.h
    if b is None:
        need_fit(ctx)
        return
    metric = st.segmented_control(
        ctx.t("series.metric"),
        options=METRICS,
        format_func=partial(translated, "series.metric.", ctx.lang),
        default="ratio",
        required=True,
        key=ctx.key("metric"),
    )

    def values(m: str, kind: str) -> np.ndarray:
        return ratio(b, m) if kind == "ratio" else np.asarray(b.metrics[m][kind])

    curves = [(m, _name(ctx, m), values(m, metric)) for m in b.models]
    labels = {"x": ctx.t("series.axis.h"), "y": ctx.t(f"series.metric.{metric}")}
    ref = 1.0 if metric in ("ratio", "mase") else None
    ctx.chart(vs.errors_fig(curves, labels, ref, h - 1), "chart")
    st.caption(ctx.t(f"series.metric.{metric}.help"))
    rows = []
    for m in b.models:
        r = float(ratio(b, m)[h - 1])
        rows.append(
            {
                ctx.t("series.col.model"): _name(ctx, m),
                "MAE": _fmt(b.metrics[m]["mae"][h - 1]),
                "RMSE": _fmt(b.metrics[m]["rmse"][h - 1]),
                "MASE": _cell(b.metrics[m]["mase"][h - 1], "mase"),
                ctx.t("series.metric.ratio"): _cell(r, "ratio"),
                ctx.t("series.col.verdict"): "—"
                if m == "persistence"
                else ctx.t(f"series.verdict.{verdict(r)}"),
            }
        )
    st.markdown(ctx.t("series.errors.table", h=h))
    st.dataframe(pd.DataFrame(rows), hide_index=True)
    n_used = b.info.get("test_origins_used", b.info["data"]["test"])
    st.caption(
        ctx.t(
            "series.errors.rule",
            n=f"{n_used:,}",
            scale=_fmt(b.scale),
            unit=_unit(ctx),
            clear=f"{1 - CLEAR:.0%}",
        )
    )
    best = min((m for m in b.models if m != "persistence"), key=lambda m: ratio(b, m)[0])
    r1 = float(ratio(b, best)[0])
    if r1 >= CLEAR:
        st.info(
            ctx.t("series.lesson.none", model=_name(ctx, best), pct=f"{r1:.1%}"),
            icon=":material/balance:",
        )
    if ctx.series == "stock":
        gru1, tcn1 = float(ratio(b, "gru")[0]), float(ratio(b, "tcn")[0])
        st.warning(
            ctx.t(
                "series.lesson.stock",
                gru=f"{gru1:.1%}",
                tcn=f"{tcn1:.1%}",
                start=b.times[b.split.val_end],
                end=b.times[-1],
            ),
            icon=":material/trending_flat:",
        )
    with st.expander(ctx.t("series.errors.all")):
        table = {
            ctx.t("series.col.model"): [_name(ctx, m) for m in b.models],
            **{
                f"h={i + 1}": [_cell(float(values(m, metric)[i]), metric) for m in b.models]
                for i in range(b.cfg.horizon)
            },
        }
        st.dataframe(pd.DataFrame(table), hide_index=True)


def gru(ctx: Ctx) -> None:
    b, a = ctx.b, ctx.a
    if b is None:
        need_fit(ctx)
        return
    lags = _lags(a)
    U = a.hidden.shape[1]
    st.caption(ctx.t("series.gru.caption", u=U, w=a.window))
    labels = {"x": ctx.t("series.axis.lag"), "unit": ctx.t("series.axis.unit"), "value": "h"}
    ctx.chart(vs.hidden_heatmap(a.hidden, lags, labels), "heatmap")
    p = b.pca
    tl = {
        "bg": ctx.t("series.traj.bg"),
        "path": ctx.t("series.traj.path"),
        "last": ctx.t("series.traj.last"),
        "change": ctx.t("series.traj.change"),
        "lag": ctx.t("series.axis.lag"),
    }
    fig = vs.trajectory_fig(a.path, lags, p["bg_points"], p["bg_change"], tl, p["explained"])
    ctx.chart(fig, "path")
    st.caption(ctx.t("series.traj.caption", n=f"{len(p['bg_points']):,}"))


def cnn(ctx: Ctx) -> None:
    b, a = ctx.b, ctx.a
    if b is None:
        need_fit(ctx)
        return
    cfg = b.tcn.cfg
    W, L = a.window, len(cfg.dilations)
    rf = SM.receptive_field(cfg.kernel, cfg.dilations)
    st.caption(
        ctx.t(
            "series.cnn.caption",
            layers=L,
            k=cfg.kernel,
            d=", ".join(str(d) for d in cfg.dilations),
            rf=rf,
            w=W,
            c=cfg.channels,
        )
    )
    lag = st.slider(ctx.t("series.cnn.pos"), -(W - 1), 0, 0, key=ctx.key("pos"))
    nodes, edges = SM.receptive_tree(W, cfg.kernel, cfg.dilations, W - 1 + lag)
    labels = {
        "input": ctx.t("series.cnn.input"),
        "layer": ctx.t("series.cnn.layer"),
        "x": ctx.t("series.axis.lag"),
        "seen": ctx.t("series.cnn.seen"),
        "unseen": ctx.t("series.cnn.unseen"),
    }
    ctx.chart(vs.receptive_fig(nodes, edges, W, cfg.dilations, labels), "field")
    seen = nodes[0] - (W - 1)
    st.caption(
        ctx.t("series.cnn.field", lag=lag, n=len(seen), a=int(seen.min()), b=int(seen.max()))
    )
    names = b.tcn.layer_names
    layer = st.select_slider(
        ctx.t("series.cnn.maps"), options=list(range(L)), value=L - 1, key=ctx.key("layer"),
        format_func=partial(_layer_label, tuple(cfg.dilations)),
    )  # fmt: skip
    ml = {"x": ctx.t("series.axis.lag"), "channel": ctx.t("series.axis.channel"), "value": "a"}
    ctx.chart(vs.maps_fig(a.maps[layer], _lags(a), ml), "maps")
    st.caption(ctx.t("series.cnn.maps.caption", layer=names[layer], c=cfg.channels))


def _layer_label(dilations: tuple[int, ...], i: int) -> str:
    return f"conv{i + 1} (d={dilations[i]})"


def lookback(ctx: Ctx) -> None:
    b, a, h = ctx.b, ctx.a, ctx.h
    if b is None:
        need_fit(ctx)
        return
    absolute = st.toggle(ctx.t("series.look.abs"), key=ctx.key("abs"))
    grad = gradients_for(ctx.series, b, a.point)
    lags = _lags(a)
    curves = []
    for m in ("gru", "tcn", "ar"):
        g = grad[m][h - 1]
        curves.append((m, _name(ctx, m), np.abs(g) if absolute else g))
    marks_def = MARKS.get(ctx.series, ())
    if ctx.series == "yours" and b.cfg.season:
        marks_def = ((b.cfg.season, "series.mark.season"),)
    marks = [
        (h - back, ctx.t(key, m=back))
        for back, key in marks_def
        if -(a.window - 1) <= h - back <= 0
    ]
    labels = {"x": ctx.t("series.axis.lag"), "y": ctx.t("series.look.axis")}
    ctx.chart(vs.gradient_fig(lags, curves, labels, marks), "chart")
    st.caption(ctx.t("series.look.caption", h=h, log=ctx.t(f"series.look.units.{ctx.series}")))
    st.caption(ctx.t("series.look.ar"))
    far = lags <= -5
    parts = []
    for m in ("gru", "tcn", "ar"):
        g = np.abs(grad[m][h - 1])
        top = int(lags[np.argmax(np.where(far, g, -1))]) if far.any() else 0
        parts.append(ctx.t("series.look.peak", model=_name(ctx, m), lag=top, back=h - top))
    st.markdown(" · ".join(parts))


VIEWS = register(
    View("series.window", "series.view.window", window),
    View("series.forecast", "series.view.forecast", forecast),
    View("series.errors", "series.view.errors", errors),
    View("series.gru", "series.view.gru", gru),
    View("series.cnn", "series.view.cnn", cnn),
    View("series.lookback", "series.view.lookback", lookback, heavy=True),
    View("series.yours", "series.view.yours", yours_view, fragment=False),
)
DEFAULT = "series.forecast"
