"""The CNN + RNN page's views.

Part 1 (reading a number) draws from a :class:`ui.view.Ctx` holding ``a`` (the CRNN's
:class:`nets.hybrid.StripAnalysis`), ``payload`` (the input as ``ui.hybrid_cache`` keys it, for
the ablations) and ``col`` (the selected column, 0-based). Part 2 (which way a digit moves)
holds ``c`` (the CNN → GRU's :class:`nets.hybrid.ClipAnalysis`), ``digit`` and ``direction``.
Every number shown is read from those traces or from ``assets/metrics``.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from nets import crnn as C
from nets import hybrid as H
from nets import strips as S
from nets.stats import wilson
from ui import hybrid_cache as cache
from ui.i18n import t
from ui.view import Ctx, View, register
from viz import hybrid as vh

COL_KEY = "hybrid.col"  # one widget id for every strip (see ui/callbacks.py on why)
MAPS_SHOWN = 3  # channels per layer in the feature-map view
LENGTHS = tuple(range(1, S.MAX_DIGITS + 1))


def _symbols(lang: str) -> tuple[str, ...]:
    return (*C.SYMBOLS[:-1], t("hybrid.blank_symbol", lang))


def _names(ctx: Ctx, kinds) -> list[str]:
    return [ctx.t(f"hybrid.model.{k}") for k in kinds]


# ----------------------------------------------------------------------------- part 1


def strip(ctx: Ctx) -> None:
    a, col = ctx.a, ctx.col
    lo, hi = a.field(col)
    st.caption(ctx.t("hybrid.strip.caption", w=a.strip.shape[1], T=a.T, stride=S.STRIDE))
    labels = (ctx.t("hybrid.axis.pixel"), ctx.t("hybrid.word.column"))
    ctx.chart(vh.strip_fig(a.strip, col, (lo, hi), S.STRIDE, labels), "strip")
    st.markdown(
        ctx.t(
            "hybrid.strip.cursor",
            t=col + 1,
            a=S.STRIDE * col,
            b=S.STRIDE * (col + 1) - 1,
            lo=lo,
            hi=hi - 1,
            sym=_symbols(ctx.lang)[int(a.best[col])],
            p=f"{float(a.probs[col].max()):.1%}",
        )
    )
    pre = a.pre
    with st.expander(ctx.t("hybrid.strip.pre")):
        st.caption(
            ctx.t(
                "hybrid.strip.pre_caption",
                inv=ctx.t("hybrid.yes" if pre.inverted else "hybrid.no"),
                s=f"{pre.scale:.2f}",
            )
        )
        st.image(pre.gray, clamp=True)


def features(ctx: Ctx) -> None:
    a, col = ctx.a, ctx.col
    st.caption(ctx.t("hybrid.features.caption", F=a.columns.shape[1], T=a.T))
    layer = st.segmented_control(
        ctx.t("hybrid.features.layer"),
        options=tuple(a.maps),
        required=True,
        default="relu1",
        key=ctx.key("layer"),
    )
    maps = a.maps[layer or "relu1"]  # (C, h, w)
    strongest = np.argsort(-maps.reshape(len(maps), -1).max(1))[:MAPS_SHOWN]
    shown = [
        (ctx.t("hybrid.features.channel", layer=layer, c=int(c) + 1, n=len(maps)), maps[c])
        for c in strongest
    ]
    cursor = (S.STRIDE * col, S.STRIDE * (col + 1))
    ctx.chart(vh.feature_maps_fig(shown, cursor), "maps")
    st.caption(ctx.t("hybrid.features.strongest", n=MAPS_SHOWN, total=len(maps)))
    labels = (ctx.t("hybrid.word.column"), ctx.t("hybrid.word.feature"))
    ctx.chart(vh.columns_fig(a.columns, col, labels), "columns")


def states(ctx: Ctx) -> None:
    a, col = ctx.a, ctx.col
    st.caption(ctx.t("hybrid.states.caption", H=a.fwd.shape[1], T=a.T))
    labels = (
        ctx.t("hybrid.states.fwd"),
        ctx.t("hybrid.states.bwd"),
        ctx.t("hybrid.word.column"),
        ctx.t("hybrid.word.unit"),
    )
    ctx.chart(vh.gru_states_fig(a.fwd, a.bwd, col, labels), "states")
    st.markdown(
        ctx.t(
            "hybrid.states.cursor",
            t=col + 1,
            T=a.T,
            nf=f"{float(np.linalg.norm(a.fwd[col])):.2f}",
            nb=f"{float(np.linalg.norm(a.bwd[col])):.2f}",
        )
    )


def probs(ctx: Ctx) -> None:
    a = ctx.a
    st.caption(ctx.t("hybrid.probs.caption", T=a.T))
    labels = (ctx.t("hybrid.word.column"), ctx.t("hybrid.word.symbol"), ctx.t("hybrid.probs.path"))
    fig = vh.prob_matrix_fig(a.probs, a.best, _symbols(ctx.lang), ctx.col, labels)
    ctx.chart(fig, "matrix")
    blank = int((a.best == C.BLANK).sum())
    st.markdown(ctx.t("hybrid.probs.summary", T=a.T, blank=blank, digits=a.T - blank))


STAGES = (1, 2, 3, 4)


def _stage_label(lang: str, s: int) -> str:
    return t(f"hybrid.ctc.stage{s}", lang)


def decode(ctx: Ctx) -> None:
    from functools import partial

    a = ctx.a
    steps = a.steps
    st.caption(ctx.t("hybrid.ctc.caption"))
    stage = st.select_slider(
        ctx.t("hybrid.ctc.stepper"),
        options=STAGES,
        value=4,
        format_func=partial(_stage_label, ctx.lang),
        key=ctx.key("stage"),
    )
    rows = tuple(ctx.t(f"hybrid.ctc.row{s}") for s in STAGES)
    fig = vh.ctc_steps_fig(
        steps.best,
        steps.runs,
        C.BLANK,
        stage,
        _symbols(ctx.lang),
        rows,
        ctx.t("hybrid.word.column"),
    )
    ctx.chart(fig, "steps")
    n_blank_runs = sum(1 for s, _, _ in steps.runs if s == C.BLANK)
    text = {
        1: ctx.t("hybrid.ctc.says1", T=a.T),
        2: ctx.t("hybrid.ctc.says2", T=a.T, runs=len(steps.runs)),
        3: ctx.t("hybrid.ctc.says3", blank=n_blank_runs, kept=len(steps.kept)),
        4: ctx.t("hybrid.ctc.says4", number=steps.text or "∅"),
    }[stage]
    st.markdown(text)
    p_path = float(np.exp(np.log(np.maximum(a.probs.max(1), 1e-30)).sum()))
    st.caption(ctx.t("hybrid.ctc.path_prob", p=f"{p_path:.3g}"))


def three(ctx: Ctx) -> None:
    a = ctx.a
    analyses = [a] + [cache.strip_analysis(ctx.payload, k) for k in C.KINDS[1:]]
    names = _names(ctx, C.KINDS)
    st.caption(ctx.t("hybrid.three.caption"))
    cols = st.columns(3)
    for col, an, name in zip(cols, analyses, names, strict=True):
        col.metric(name, an.text or "∅")
    ctx.chart(
        vh.three_probs_fig(
            [x.probs for x in analyses],
            names,
            C.KINDS,
            _symbols(ctx.lang),
            ctx.t("hybrid.word.column"),
        ),
        "probs",
    )
    held_out(ctx)


def held_out(ctx: Ctx) -> None:
    """The three models' held-out accuracy by number length and for touching digits."""
    m = H.metrics("crnn")
    models = m["models"]
    names = _names(ctx, C.KINDS)
    st.subheader(ctx.t("hybrid.three.heldout"))
    st.caption(
        ctx.t(
            "hybrid.three.conditions",
            n=m["data"]["test"],
            per=models["crnn"]["test"]["by_length"]["1"]["n"],
            train=m["data"]["train"],
            epochs=m["epochs"],
            p1=f"{models['crnn']['params']:,}",
            p2=f"{models['cnn_only']['params']:,}",
            p3=f"{models['rnn_only']['params']:,}",
        )
    )
    groups = [ctx.t("hybrid.three.length", n=k) for k in LENGTHS]
    series = [
        (
            name,
            k,
            [models[k]["test"]["by_length"][str(n)]["number_accuracy"] for n in LENGTHS],
            [models[k]["test"]["by_length"][str(n)]["n"] for n in LENGTHS],
        )
        for k, name in zip(C.KINDS, names, strict=True)
    ]
    fig = vh.accuracy_groups_fig(groups, series, ctx.t("hybrid.three.number_acc"))
    ctx.chart(fig, "by_length")
    parts = ("touching", "not_touching")
    groups2 = [ctx.t(f"hybrid.three.{p}") for p in parts]
    series2 = [
        (
            name,
            k,
            [models[k]["test"][p]["number_accuracy"] for p in parts],
            [models[k]["test"][p]["n"] for p in parts],
        )
        for k, name in zip(C.KINDS, names, strict=True)
    ]
    ctx.chart(vh.accuracy_groups_fig(groups2, series2, ctx.t("hybrid.three.number_acc")), "touch")
    rows = []
    for k, name in zip(C.KINDS, names, strict=True):
        tr = models[k]["test"]["target_range"]
        rows.append(
            {
                ctx.t("hybrid.col.model"): name,
                ctx.t("hybrid.col.number"): f"{tr['number_accuracy']:.1%}",
                ctx.t("hybrid.col.digit"): f"{tr['digit_accuracy']:.1%}",
                ctx.t(
                    "hybrid.col.touching"
                ): f"{models[k]['test']['touching']['number_accuracy']:.1%}",
                ctx.t("hybrid.col.params"): f"{models[k]['params']:,}",
            }
        )
    st.table(rows, hide_index=True)
    st.markdown(verdict_text(ctx, models))
    target = m["targets"]
    st.caption(
        ctx.t(
            "hybrid.three.target_met" if target["met"] else "hybrid.three.target_missed",
            num=f"{target['number_accuracy']:.0%}",
            dig=f"{target['digit_accuracy']:.0%}",
        )
    )


def verdict_text(ctx: Ctx, models: dict) -> str:
    """The rule and its outcome: CRNN vs each ablation on 1–6 digits, by 95 % Wilson intervals."""
    tr = {k: models[k]["test"]["target_range"] for k in C.KINDS}
    ci = {k: wilson(tr[k]["number_accuracy"] * tr[k]["n"], tr[k]["n"]) for k in C.KINDS}
    lines = [ctx.t("hybrid.verdict.rule")]
    for k in C.KINDS[1:]:
        if ci["crnn"][0] > ci[k][1]:
            key = "hybrid.verdict.better"
        elif ci[k][0] > ci["crnn"][1]:
            key = "hybrid.verdict.worse"
        else:
            key = "hybrid.verdict.tie"
        lines.append(
            ctx.t(
                key,
                other=ctx.t(f"hybrid.model.{k}"),
                a=f"{tr['crnn']['number_accuracy']:.1%}",
                a_lo=f"{ci['crnn'][0]:.1%}",
                a_hi=f"{ci['crnn'][1]:.1%}",
                b=f"{tr[k]['number_accuracy']:.1%}",
                b_lo=f"{ci[k][0]:.1%}",
                b_hi=f"{ci[k][1]:.1%}",
            )
        )
    return "\n\n".join(lines)


OCR_VIEWS = register(
    View("hybrid.strip", "hybrid.view.strip", strip),
    View("hybrid.features", "hybrid.view.features", features),
    View("hybrid.states", "hybrid.view.states", states),
    View("hybrid.probs", "hybrid.view.probs", probs),
    View("hybrid.decode", "hybrid.view.decode", decode),
    View("hybrid.three", "hybrid.view.three", three),
)


def column_control(a, lang: str) -> int:
    """The selected column, shared by the views (a slider above them); a new strip starts on
    the first column where a digit is read."""
    T = a.T
    first = a.steps.kept[0][1] if a.steps.kept else 0
    if st.session_state.get("_hybrid.col_for") != (a.strip.shape[1], a.text):
        st.session_state["_hybrid.col_for"] = (a.strip.shape[1], a.text)
        st.session_state[COL_KEY] = first + 1
    if not 1 <= st.session_state.get(COL_KEY, 1) <= T:
        st.session_state[COL_KEY] = first + 1
    if T <= 1:
        return 0
    return int(st.slider(t("hybrid.col.label", lang), 1, T, key=COL_KEY)) - 1


# ----------------------------------------------------------------------------- part 2


def _dirs(ctx: Ctx) -> list[str]:
    return [ctx.t(f"hybrid.dir.{d}") for d in S.DIRECTIONS]


def clip(ctx: Ctx) -> None:
    c = ctx.c
    st.caption(ctx.t("hybrid.clip.caption", F=c.clip.shape[0], size=c.clip.shape[1]))
    labels = (ctx.t("hybrid.clip.play"), ctx.t("hybrid.word.frame"))
    ctx.chart(vh.clip_fig(c.clip, labels), "clip")
    titles = [str(i + 1) for i in range(c.clip.shape[0])]
    ctx.chart(vh.film_fig(c.clip, titles), "film")


def frames(ctx: Ctx) -> None:
    c = ctx.c
    st.caption(ctx.t("hybrid.frames.caption", F=c.clip.shape[0], D=c.features.shape[1]))
    relu1 = c.maps["relu1"]  # (F, 8, 40, 40)
    channel = st.slider(
        ctx.t("hybrid.frames.channel"), 1, relu1.shape[1], 1, key=ctx.key("channel")
    )
    titles = [str(i + 1) for i in range(relu1.shape[0])]
    ctx.chart(vh.film_fig(relu1[:, channel - 1], titles, scale=vh.SEQ), "maps")
    labels = (ctx.t("hybrid.word.frame"), ctx.t("hybrid.word.feature"), "f")
    ctx.chart(vh.frame_matrix_fig(c.features, labels), "features")


def gru(ctx: Ctx) -> None:
    c = ctx.c
    st.caption(ctx.t("hybrid.gru.caption", H=c.hidden.shape[1]))
    labels = (ctx.t("hybrid.word.frame"), ctx.t("hybrid.word.unit"), "h")
    ctx.chart(vh.frame_matrix_fig(c.hidden, labels, diverging=True), "hidden")
    change = np.linalg.norm(np.diff(c.hidden, axis=0, prepend=0 * c.hidden[:1]), axis=1)
    biggest = int(change.argmax())
    st.markdown(
        ctx.t(
            "hybrid.gru.change",
            t=biggest + 1,
            d=f"{float(change[biggest]):.2f}",
            last=f"{float(change[-1]):.2f}",
        )
    )


def forming(ctx: Ctx) -> None:
    c = ctx.c
    st.caption(ctx.t("hybrid.forming.caption"))
    names = _dirs(ctx)
    labels = (ctx.t("hybrid.word.frame"), ctx.t("hybrid.forming.axis"))
    ctx.chart(vh.forming_fig(c.step_probs, names, labels, highlight=c.label), "lines")
    best = c.step_probs.argmax(1)
    settled = next((i for i in range(len(best)) if (best[i:] == c.label).all()), len(best) - 1)
    st.markdown(
        ctx.t(
            "hybrid.forming.settled",
            t=settled + 1,
            dir=names[c.label],
            p=f"{float(c.probs[c.label]):.1%}",
            p1=f"{float(c.step_probs[0, c.label]):.1%}",
        )
    )


def oneframe(ctx: Ctx) -> None:
    c = ctx.c
    m = H.metrics("motion")
    kinds = ("gru", "diff", "one_frame")
    names = [ctx.t(f"hybrid.motion.model.{k}") for k in kinds]
    st.caption(ctx.t("hybrid.oneframe.caption"))
    others = {k: cache.clip_analysis(ctx.digit, ctx.direction, k) for k in kinds[1:]}
    analyses = [c, others["diff"], others["one_frame"]]
    cols = st.columns(3)
    for col, an, name in zip(cols, analyses, names, strict=True):
        p = f"{float(an.probs.max()):.0%}"
        col.metric(
            name, ctx.t("hybrid.oneframe.says", dir=ctx.t(f"hybrid.dir.{an.direction}"), p=p)
        )
    axis = ctx.t("hybrid.forming.axis")
    fig = vh.direction_bars([x.probs for x in analyses], names, kinds, _dirs(ctx), axis)
    ctx.chart(fig, "bars")
    one, diff = others["one_frame"], others["diff"]
    left, right = st.columns(2)
    with left:
        title = ctx.t("hybrid.oneframe.saw_frame", t=one.frames_seen[0] + 1)
        ctx.chart(vh.film_fig(one.inputs[:1], [title], height=240), "saw_frame")
    with right:
        a, b = diff.frames_seen[1] + 1, diff.frames_seen[0] + 1
        title = ctx.t("hybrid.oneframe.saw_diff", a=a, b=b)
        fig = vh.film_fig(diff.inputs[:1], [title], scale=vh.DIV, zmid=True, height=240)
        ctx.chart(fig, "saw_diff")
    st.subheader(ctx.t("hybrid.oneframe.heldout"))
    models = m["models"]
    st.caption(
        ctx.t(
            "hybrid.oneframe.conditions",
            n=m["data"]["test"],
            train=m["data"]["train"],
            epochs=m["epochs"],
            p1=f"{models['gru']['params']:,}",
            p2=f"{models['diff']['params']:,}",
            p3=f"{models['one_frame']['params']:,}",
        )
    )
    groups = [ctx.t("hybrid.oneframe.all"), *_dirs(ctx)]
    series = []
    for k, name in zip(kinds, names, strict=True):
        rep = models[k]["test"]
        per = rep["n"] // len(S.DIRECTIONS)
        accs = [rep["accuracy"], *[rep["by_direction"][d] for d in S.DIRECTIONS]]
        series.append((name, k, accs, [rep["n"]] + [per] * len(S.DIRECTIONS)))
    chance = (m["chance"], ctx.t("hybrid.oneframe.chance", p=f"{m['chance']:.0%}"))
    fig = vh.accuracy_groups_fig(groups, series, ctx.t("hybrid.oneframe.acc"), chance=chance)
    ctx.chart(fig, "heldout")
    one = models["one_frame"]["test"]
    lo, hi = wilson(one["accuracy"] * one["n"], one["n"])
    st.markdown(
        ctx.t(
            "hybrid.oneframe.verdict",
            gru=f"{models['gru']['test']['accuracy']:.1%}",
            diff=f"{models['diff']['test']['accuracy']:.1%}",
            one=f"{one['accuracy']:.1%}",
            lo=f"{lo:.1%}",
            hi=f"{hi:.1%}",
            chance=f"{m['chance']:.0%}",
        )
    )
    met = m["targets"]["met"]
    st.caption(
        ctx.t(
            "hybrid.oneframe.target_met" if met else "hybrid.oneframe.target_missed",
            target=f"{m['targets']['accuracy']:.0%}",
        )
    )


MOTION_VIEWS = register(
    View("hybrid.clip", "hybrid.view.clip", clip),
    View("hybrid.frames", "hybrid.view.frames", frames),
    View("hybrid.gru", "hybrid.view.gru", gru),
    View("hybrid.forming", "hybrid.view.forming", forming),
    View("hybrid.oneframe", "hybrid.view.oneframe", oneframe),
)
VIEWS = OCR_VIEWS + MOTION_VIEWS
DEFAULT = {"ocr": "hybrid.strip", "motion": "hybrid.clip"}


def lesson_context(spec: dict, lang: str) -> dict:
    """The views' values for a lesson step's input: ``{"strip": <sample strip>}`` (part 1, the
    column on the first digit read, as the page opens) or ``{"clip": "<sample digit>:<dir>"}``
    (part 2), analysed through the page's caches.

    Raises:
        ValueError: neither a sample strip nor a clip of a sample digit.
    """
    if isinstance(spec.get("strip"), int) and 0 <= spec["strip"] < len(H.sample_strips()):
        a = cache.strip_analysis(spec["strip"], "crnn")
        col = a.steps.kept[0][1] if a.steps.kept else 0
        return {"a": a, "payload": spec["strip"], "col": col}
    digit, _, direction = str(spec.get("clip", "")).partition(":")
    if digit.isdigit() and int(digit) < len(H.sample_digits()) and direction in S.DIRECTIONS:
        c = cache.clip_analysis(int(digit), direction, "gru")
        return {"c": c, "digit": int(digit), "direction": direction}
    raise ValueError(f"the CNN + RNN views need a sample strip or a clip, not {spec!r}")
