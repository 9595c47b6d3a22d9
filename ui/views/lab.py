"""The claims lab's views: one section per claim of the two source documents.

Each section shows the document's own words (verbatim, with the note and list or table they come
from), the experiment in two sentences, the measured result with its spread, and a verdict
computed by ``nets.lab.verdicts`` from the numbers, with its rule printed beside it. Views read
``ctx.res`` (section → the JSON written by ``python -m nets.train lab``) and ``ctx.verdicts``
(claim → Verdict); only the race, the typed pair and the timing probe compute live.
"""

from __future__ import annotations

import math
import time
from functools import partial

import numpy as np
import streamlit as st

from nets.errors import InputError
from nets.lab import race as lab_race
from ui import lab_cache
from ui.callbacks import translated
from ui.tables import show_table
from ui.view import CHART_CONFIG, Ctx, View, register
from viz import lab as vl
from viz import style

RACE_MINE = "lab.race._mine"  # session key: the id of the race this session started
POLL_S = 0.5  # the live race's redraw interval
VERDICT_BOX = {
    "supports": (st.success, ":material/check_circle:"),
    "contradicts": (st.error, ":material/cancel:"),
    "depends": (st.warning, ":material/balance:"),
    "untestable": (st.info, ":material/help:"),
}


# ----------------------------------------------------------------------------- shared pieces


def pct(x, digits: int = 1) -> str:
    return "—" if x is None or not np.isfinite(x) else f"{100 * x:.{digits}f} %"


def ci(c) -> str:
    """'82.1 % [80.6, 83.6]' from [value, lower, upper]."""
    if not c:
        return "—"
    return f"{pct(c[0])} [{100 * c[1]:.1f}, {100 * c[2]:.1f}]"


def num(x, fmt: str = ".2f") -> str:
    return "—" if x is None or (isinstance(x, float) and not math.isfinite(x)) else format(x, fmt)


def mb(b) -> str:
    return "—" if b is None else f"{b / 2**20:.1f} MB"


def name(ctx: Ctx, key: str, kind: str = "text") -> str:
    """A lab model's display name (``kind``: text, digits or synthetic)."""
    special = {
        ("text", "gru"): "gru_attn",
        ("digits", "cnn"): "digit_cnn",
        ("digits", "gru"): "digit_gru",
        ("synthetic", "gru"): "gru_plain",
    }
    return ctx.t(f"lab.model.{special.get((kind, key), key)}")


def look(key: str, kind: str = "text") -> tuple[str, str]:
    """(colour, dash) of a lab model."""
    return vl.model_style("gru_plain" if (kind, key) == ("synthetic", "gru") else key)


def quotes(ctx: Ctx, *keys: str) -> None:
    """The documents' words (zh verbatim; en our translation, said so) and where they are."""
    for k in keys:
        st.markdown(f"> {ctx.t(f'lab.quote.{k}')}")
        st.caption(ctx.t(f"lab.src.{k}") + ("" if ctx.lang == "zh" else ctx.t("lab.ours")))


def experiment(ctx: Ctx, key: str, **fmt) -> None:
    st.markdown(f"**{ctx.t('lab.experiment')}** {ctx.t(f'lab.exp.{key}', **fmt)}")


def verdict_box(ctx: Ctx, claim: str, **fmt) -> None:
    """The claim's verdict with its reason (numbers filled in), the rule, and the scope."""
    v = ctx.verdicts[claim]
    show, icon = VERDICT_BOX[v.verdict]
    key = f"lab.reason.{claim}.{v.reason}" if v.reason != "missing" else "lab.reason.missing"
    reason = ctx.t(key, **fmt) if v.reason != "missing" else ctx.t(key)
    word = ctx.t(f"lab.verdict.{v.verdict}")
    head = ctx.t("lab.verdict_head", claim=ctx.t(f"lab.claim.{claim}"), word=word)
    show(f"**{head}** — {reason} {ctx.t('lab.scope')}", icon=icon)
    st.caption(f"{ctx.t('lab.rule')} {ctx.t(f'lab.rule.{claim}')}")


def meta_caption(ctx: Ctx, section: str) -> None:
    """When and how the section's numbers were computed (code version, load, CPU time)."""
    m = (ctx.res.get(section) or {}).get("meta")
    if not m:
        return
    commit = m.get("commit", "?")[:10] + (ctx.t("lab.meta.dirty") if m.get("dirty") else "")
    st.caption(
        ctx.t(
            "lab.meta",
            cmd=m.get("command", ""),
            commit=commit,
            date=m.get("date", "?"),
            cpu=num(m.get("cpu_s"), ".0f"),
            wall=num(m.get("wall_s"), ".0f"),
            load=" / ".join(f"{x:.1f}" for x in m.get("load_average", [])),
        )
    )
    if m.get("quick"):
        st.warning(ctx.t("lab.meta.quick"), icon=":material/science:")


def have(ctx: Ctx, *sections: str) -> bool:
    """True when every section's results exist; otherwise says which command makes them."""
    missing = [s for s in sections if not ctx.res.get(s)]
    if missing:
        st.info(ctx.t("lab.missing", sections=", ".join(missing)), icon=":material/science:")
    return not missing


def seg(ctx: Ctx, label_key: str, options, prefix: str, name_: str, default=None):
    """A segmented control whose options are translated by ``prefix + option``."""
    return st.segmented_control(
        ctx.t(label_key),
        tuple(options),
        format_func=partial(translated, prefix, ctx.lang),
        default=default if default is not None else tuple(options)[0],
        key=ctx.key(name_),
        required=True,
    )


# ----------------------------------------------------------------------------- summary

CLAIMS = (
    ("training_speed", "lab.speed"), ("convergence", "lab.speed"), ("parallel", "lab.speed"),
    ("long_text", "lab.long"), ("memory", "lab.long"), ("resource_use", "lab.cost"),
    ("negation", "lab.pairs"), ("keywords", "lab.pairs"), ("transformer", "lab.transformer"),
    ("translation", "lab.shift"), ("sharing", "lab.sharing"), ("input_size", "lab.structure"),
)  # fmt: skip


def summary(ctx: Ctx) -> None:
    st.caption(ctx.t("lab.summary.caption"))
    rows = []
    for claim, view in CLAIMS:
        v = ctx.verdicts[claim]
        title = ctx.t(f"lab.view.{view.removeprefix('lab.')}")
        link = f"[{title}](lab?view={view}&lang={ctx.lang})"
        rows.append({
            ctx.t("lab.col.claim"): ctx.t(f"lab.claim.{claim}"),
            ctx.t("lab.col.doc"): ctx.t(f"lab.claim_doc.{claim}"),
            ctx.t("lab.col.verdict"): ctx.t(f"lab.verdict.{v.verdict}"),
            ctx.t("lab.col.section"): link,
        })  # fmt: skip
    st.table(rows, hide_index=True)
    st.caption(ctx.t("lab.summary.scope"))
    metas = [r["meta"] for r in ctx.res.values() if isinstance(r, dict) and r.get("meta")]
    if metas:
        commits = sorted({m.get("commit", "?")[:10] for m in metas})
        dates = sorted({m.get("date", "?")[:10] for m in metas})
        cpu = sum(m.get("cpu_s") or 0 for m in metas)
        st.caption(ctx.t("lab.summary.meta", commits=", ".join(commits), dates=", ".join(dates),
                         cpu=f"{cpu / 60:.1f}"))  # fmt: skip
        if any(m.get("quick") for m in metas):
            st.warning(ctx.t("lab.meta.quick"), icon=":material/science:")
    else:
        st.info(ctx.t("lab.missing", sections="…"), icon=":material/science:")


# ----------------------------------------------------------------------------- 1. speed

SPEED_PAIRS = {"text": ("text", ("cnn", "gru")), "text_macs": ("text", ("cnn_macs", "gru")),
               "digits": ("digits", ("cnn", "gru"))}  # fmt: skip


def _sizes_table(ctx: Ctx) -> None:
    cost = ctx.res.get("cost") or {}
    rows = []
    for kind, models in (("text", ("cnn", "cnn_macs", "gru", "transformer")),
                         ("digits", ("cnn", "gru"))):  # fmt: skip
        got = cost.get(kind, {}).get("models", {})
        ref = got.get("gru")
        for m in models:
            c = got.get(m)
            if not c:
                continue
            rows.append({
                ctx.t("lab.col.model"): name(ctx, m, kind),
                ctx.t("lab.col.body"): f"{c['body']:,}",
                ctx.t("lab.col.vs_rnn"): f"{c['body'] / ref['body'] - 1:+.1%}" if ref else "—",
                ctx.t("lab.col.macs"): f"{c['macs']:,}",
                ctx.t("lab.col.macs_vs_rnn"): f"{c['macs'] / ref['macs'] - 1:+.1%}" if ref else "—",
            })  # fmt: skip
    if rows:
        st.dataframe(rows, hide_index=True, width="stretch")
        st.caption(ctx.t("lab.speed.sizes_caption", T=cost.get("median_length", "?")))


def speed(ctx: Ctx) -> None:
    quotes(ctx, "training_speed", "fast_convergence", "parallel_friendly")
    experiment(ctx, "speed")
    if not have(ctx, "speed"):
        verdict_box(ctx, "training_speed")
        return
    sp = ctx.res["speed"]
    _sizes_table(ctx)
    pair = seg(ctx, "lab.speed.pair", SPEED_PAIRS, "lab.speed.pair.", "pair")
    kind, (cnn, rnn) = SPEED_PAIRS[pair]
    data = sp.get(kind)
    if not data:
        have(ctx, f"speed.{kind}")
        return
    xk = seg(ctx, "lab.speed.x", ("cpu_s", "steps"), "lab.speed.x.", "x")
    lines = []
    for m in (cnn, rnn):
        color, dash = look(m, kind)
        for i, r in enumerate(r for r in data["runs"] if r["model"] == m):
            c = r["curve"]
            lines.append(vl.Line(c[xk], c["val_acc"], name(ctx, m, kind), color, dash, legend=i == 0,
                                 group=m, width=1.5, opacity=0.75, mode="lines"))  # fmt: skip
    target = data["target"]
    fig = vl.lines_fig(lines, ctx.t(f"lab.speed.x.{xk}"), ctx.t("lab.val_acc"), y_format=".0%",
                       hline=(target, ctx.t("lab.speed.target", t=pct(target, 0))))  # fmt: skip
    ctx.chart(fig, "curves")
    groups = []
    for m in (cnn, rnn):
        vals = [r["cpu_to_target"] for r in data["runs"] if r["model"] == m]
        groups.append((name(ctx, m, kind), look(m, kind)[0], vals))
    ctx.chart(vl.strip_fig(groups, ctx.t("lab.speed.cpu_to_target"), ctx.t("lab.missed")), "strip")
    rows = []
    for m in (cnn, rnn):
        runs = [r for r in data["runs"] if r["model"] == m]
        for key, fmt in (("cpu_to_target", ".2f"), ("wall_to_target", ".2f"),
                         ("steps_to_target", ".0f")):  # fmt: skip
            vals = [r[key] for r in runs]
            ok = [v for v in vals if v is not None]
            rows.append({
                ctx.t("lab.col.model"): name(ctx, m, kind),
                ctx.t("lab.col.measure"): ctx.t(f"lab.speed.{key}"),
                ctx.t("lab.col.median"): num(float(np.median([v if v is not None else np.inf for v in vals])), fmt),
                ctx.t("lab.col.range"): f"{num(min(ok), fmt)} – {num(max(ok), fmt)}" if ok else "—",
                ctx.t("lab.col.missed"): f"{len(vals) - len(ok)} / {len(vals)}",
            })  # fmt: skip
    st.dataframe(rows, hide_index=True, width="stretch")
    st.caption(ctx.t("lab.speed.conditions", n=len({r["seed"] for r in data["runs"]}),
                     steps=data["max_steps"], every=data["eval_every"], batch=data["batch"],
                     train=f"{data['data']['train']:,}", val=f"{data['data']['val']:,}"))  # fmt: skip
    f = ctx.verdicts["training_speed"].facts
    verdict_box(ctx, "training_speed", **_speed_fmt(f))
    verdict_box(ctx, "convergence", **_speed_fmt(ctx.verdicts["convergence"].facts, ".0f"))
    meta_caption(ctx, "speed")
    st.divider()
    st.markdown(f"#### {ctx.t('lab.speed.length_heading')}")
    _timing(ctx, ("cnn", "gru", "rnn", "transformer"))
    _probe(ctx)
    show_table("performance", ctx.lang, highlight_row="training_speed", views=False)


def _speed_fmt(f: dict, fmt: str = ".2f") -> dict:
    out = {}
    for pair in ("text", "text_macs", "digits"):
        p = f.get(pair, {})
        out[f"{pair}_cnn"] = num(p.get("cnn"), fmt)
        out[f"{pair}_rnn"] = num(p.get("rnn"), fmt)
    return out


def _timing(ctx: Ctx, models: tuple[str, ...], verdict: bool = True) -> None:
    tm = ctx.res.get("timing")
    if not tm:
        have(ctx, "timing")
        return
    lines = []
    for threads in tm["threads"]:
        for m in models:
            t = tm["times"][str(threads)].get(m)
            if not t:
                continue
            color, _ = look(m)
            y = [float(np.median(t[str(L)]["cpu_ms" if threads == 1 else "wall_ms"]))
                 for L in tm["lengths"]]  # fmt: skip
            lo = [min(t[str(L)]["cpu_ms" if threads == 1 else "wall_ms"]) for L in tm["lengths"]]
            hi = [max(t[str(L)]["cpu_ms" if threads == 1 else "wall_ms"]) for L in tm["lengths"]]
            label = f"{name(ctx, m)} · {ctx.t('lab.threads', n=threads)}"
            lines.append(vl.Line(tm["lengths"], y, label, color, "solid" if threads == 1 else "dot",
                                 lo=lo, hi=hi))  # fmt: skip
    fig = vl.lines_fig(lines, ctx.t("lab.tokens"), ctx.t("lab.ms"), log_x=True, log_y=True,
                       y_format=".1f", height=360)  # fmt: skip
    ctx.chart(fig, "timing")
    st.caption(
        ctx.t(
            "lab.timing.caption",
            batch=tm["batch"],
            load=" / ".join(f"{x:.1f}" for x in tm.get("load", [])),
        )
    )
    if verdict:
        f = ctx.verdicts["parallel"].facts
        verdict_box(ctx, "parallel", rs=num(f.get("ratio_short")), rl=num(f.get("ratio_long")),
                    s=f.get("short", "?"), l=f.get("long", "?"), sc=num(f.get("slope_cnn")),
                    sg=num(f.get("slope_gru")))  # fmt: skip
    meta_caption(ctx, "timing")


def _probe(ctx: Ctx) -> None:
    from nets.lab import speed as lab_speed

    st.markdown(f"**{ctx.t('lab.probe.heading')}**")
    c1, c2 = st.columns([2, 1])
    L = c1.segmented_control(ctx.t("lab.tokens"), lab_speed.PROBE_LENGTHS, default=64,
                             key=ctx.key("probe_len"), required=True)  # fmt: skip
    if not c2.button(ctx.t("lab.probe.run"), key=ctx.key("probe")):
        st.caption(ctx.t("lab.probe.caption"))
        return
    if lab_race.RUNNER.busy():
        st.info(ctx.t("lab.probe.race_running"))
        return
    got = lab_speed.live_probe(int(L))
    if got is None:
        st.info(ctx.t("lab.probe.busy"))
        return
    import os

    cols = st.columns(2)
    for col, m in zip(cols, ("cnn", "gru"), strict=True):
        t = got[m]
        col.metric(name(ctx, m), f"{np.median(t['cpu_ms']):.1f} ms",
                   ctx.t("lab.probe.wall", w=f"{np.median(t['wall_ms']):.1f}"),
                   delta_color="off", delta_arrow="off")  # fmt: skip
    st.caption(
        ctx.t("lab.probe.done", n=len(got["cnn"]["cpu_ms"]), load=f"{os.getloadavg()[0]:.1f}")
    )


# ----------------------------------------------------------------------------- race


def race(ctx: Ctx) -> None:
    quotes(ctx, "convergence_monitoring", "training_speed")
    experiment(ctx, "race", s=f"{lab_race.LIMIT_S:.0f}", every=lab_race.EVAL_EVERY,
               every_s=f"{lab_race.EVAL_EVERY_S:.0f}", batch=lab_race.BATCH,
               nt=f"{lab_race.TEXT_TRAIN:,}", nd=f"{lab_race.DIGIT_TRAIN:,}")  # fmt: skip
    c1, c2, c3 = st.columns([2, 1, 1])
    with c1:
        kind = seg(ctx, "lab.race.kind", lab_race.KINDS, "lab.race.kind.", "kind")
    seed = int(c2.number_input(ctx.t("lab.race.seed"), 0, 999, 0, key=ctx.key("seed")))
    xk = seg(ctx, "lab.speed.x", ("cpu_s", "step"), "lab.race.x.", "x")
    names = {m: name(ctx, m, "text" if kind == "text" else "digits") for m in lab_race.MODELS}
    if c3.button(ctx.t("lab.race.start"), key=ctx.key("start"), type="primary"):
        rid = lab_race.RUNNER.start(kind, seed, lab_race.LIMIT_S)
        if rid is None:
            st.warning(ctx.t("lab.race.busy", s=math.ceil(lab_race.RUNNER.remaining())),
                       icon=":material/hourglass_top:")  # fmt: skip
        else:
            st.session_state[RACE_MINE] = rid
    snap = lab_race.RUNNER.snapshot()
    mine = snap is not None and snap.id == st.session_state.get(RACE_MINE)
    if mine and snap.status == "running":
        snap = _live(ctx, names, xk)
    if mine and snap is not None and snap.status != "running":
        _race_result(ctx, snap, names, xk)
        return
    if lab_race.RUNNER.busy():
        st.info(ctx.t("lab.race.busy", s=math.ceil(lab_race.RUNNER.remaining())),
                icon=":material/hourglass_top:")  # fmt: skip
    _recorded(ctx, kind, names, xk)


def _race_titles(ctx: Ctx) -> tuple[str, str, str]:
    return ctx.t("lab.race.loss"), ctx.t("lab.val_acc"), ctx.t("lab.race.grad")


def _live(ctx: Ctx, names: dict, xk: str):
    """Redraw the running race every ``POLL_S`` until it ends; returns the final snapshot."""
    bar = st.progress(0.0, text=ctx.t("lab.race.running", s=0))
    place = st.empty()
    i = 0
    while True:
        snap = lab_race.RUNNER.snapshot()
        elapsed = min(snap.limit_s, time.perf_counter() - snap.started)  # the runner's clock
        bar.progress(elapsed / snap.limit_s, text=ctx.t("lab.race.running", s=f"{elapsed:.0f}"))
        fig = vl.race_fig(snap.points, names, _race_titles(ctx), xk, ctx.t(f"lab.race.x.{xk}"))
        with place:
            st.plotly_chart(fig, width="stretch", config=CHART_CONFIG, key=ctx.key(f"live{i}"))
        if snap.status != "running":
            bar.progress(1.0, text=ctx.t("lab.race.finished"))
            place.empty()
            return snap
        i += 1
        time.sleep(POLL_S)


def _race_result(ctx: Ctx, snap, names: dict, xk: str) -> None:
    if snap.status == "error":
        st.error(ctx.t("lab.race.error"), icon=":material/error:")
        return
    r = snap.result
    ctx.chart(
        vl.race_fig(r["points"], names, _race_titles(ctx), xk, ctx.t(f"lab.race.x.{xk}")), "mine"
    )
    _race_caption(ctx, r, names, mine=True)


def _recorded(ctx: Ctx, kind: str, names: dict, xk: str) -> None:
    rec = (ctx.res.get("race") or {}).get(kind)
    if not rec:
        have(ctx, "race")
        return
    st.markdown(f"**{ctx.t('lab.race.recorded')}**")
    ctx.chart(
        vl.race_fig(rec["points"], names, _race_titles(ctx), xk, ctx.t(f"lab.race.x.{xk}")),
        "recorded",
    )
    _race_caption(ctx, rec, names, mine=False)
    meta_caption(ctx, "race")


def _race_caption(ctx: Ctx, r: dict, names: dict, mine: bool) -> None:
    p = r["points"]
    parts = []
    for m in lab_race.MODELS:
        parts.append(ctx.t("lab.race.model_line", m=names[m], steps=p[m]["step"][-1],
                           cpu=f"{p[m]['cpu_s'][-1]:.1f}", acc=pct(p[m]["val_acc"][-1]),
                           body=f"{r['sizes'][m]:,}"))  # fmt: skip
    st.caption(" ".join(parts) + " " + ctx.t("lab.race.conditions", s=f"{r['elapsed_s']:.1f}",
                                            seed=r["seed"], stop=ctx.t(f"lab.race.stop.{r['stopped']}")))  # fmt: skip


# ----------------------------------------------------------------------------- 2. long text


def long_text(ctx: Ctx) -> None:
    quotes(ctx, "long_text", "memory", "long_term_advice")
    experiment(ctx, "long")
    if have(ctx, "long_text"):
        lt = ctx.res["long_text"]
        lang = seg(ctx, "lab.long.lang", ("zh", "en"), "lab.long.lang.", "lang", default=ctx.lang)
        rows = lt["langs"][lang]
        drawn = [r for r in rows if r["drawn"]]
        skipped = [r for r in rows if not r["drawn"]]
        x = [f"{r['bucket']} (n={r['n']})" for r in drawn]
        lines = [
            vl.Line(x, [r[k][0] for r in drawn], ctx.t(f"lab.model.app_{k}"), look(m)[0],
                    lo=[r[k][1] for r in drawn], hi=[r[k][2] for r in drawn])
            for k, m in (("cnn", "cnn"), ("rnn", "gru"))
        ]  # fmt: skip
        fig = vl.lines_fig(lines, ctx.t("lab.tokens"), ctx.t("lab.test_acc"), y_format=".0%",
                           category_x=True)  # fmt: skip
        ctx.chart(fig, "buckets")
        if skipped:
            st.caption(ctx.t("lab.long.skipped", n=lt["min_bucket"],
                             buckets=", ".join(f"{r['bucket']} (n={r['n']})" for r in skipped)))  # fmt: skip
        table = [{
            ctx.t("lab.col.bucket"): r["bucket"], "n": r["n"],
            ctx.t("lab.model.app_cnn"): ci(r["cnn"]), ctx.t("lab.model.app_rnn"): ci(r["rnn"]),
            ctx.t("lab.col.diff"): f"{100 * r['diff'][0]:+.1f} [{100 * r['diff'][1]:+.1f}, {100 * r['diff'][2]:+.1f}]",
            ctx.t("lab.col.mcnemar"): f"{r['mcnemar'][0]} / {r['mcnemar'][1]}, p = {r['mcnemar'][2]:.3g}",
        } for r in rows]  # fmt: skip
        st.dataframe(table, hide_index=True, width="stretch")
        st.caption(ctx.t("lab.long.conditions", n=f"{lt['n']:,}", m=lt["min_bucket"]))
        meta_caption(ctx, "long_text")
    st.markdown(f"#### {ctx.t('lab.long.synthetic_heading')}")
    experiment(ctx, "synthetic")
    if have(ctx, "synthetic"):
        syn = ctx.res["synthetic"]
        task = seg(ctx, "lab.long.task", ("first_token", "pattern"), "lab.long.task.", "task")
        _synthetic(ctx, syn, task, ("rnn", "gru", "gru_attn", "cnn", "transformer"))
        if task == "pattern" and syn["tasks"].get("pattern", {}).get("by_position"):
            bp = syn["tasks"]["pattern"]["by_position"]
            st.dataframe([{ctx.t("lab.col.model"): name(ctx, m, "synthetic"),
                           **{ctx.t(f"lab.long.third.{i}"): pct(v) for i, v in enumerate(vals)}}
                          for m, vals in bp.items()], hide_index=True, width="stretch")  # fmt: skip
            st.caption(ctx.t("lab.long.position_caption", L=syn["tasks"]["pattern"]["lengths"][-1]))
        g = syn.get("gradients")
        if g:
            lines = [vl.Line(g["lengths"], [max(v, 1e-30) for v in g["models"][m]], name(ctx, m, "synthetic"),
                             *look(m, "synthetic")) for m in g["models"]]  # fmt: skip
            ctx.chart(
                vl.lines_fig(lines, "L", ctx.t("lab.long.grad"), log_y=True, y_format=".1e"), "grad"
            )
            st.caption(ctx.t("lab.long.grad_caption", seeds=len(g["seeds"])))
        meta_caption(ctx, "synthetic")
    f = ctx.verdicts["long_text"].facts
    verdict_box(ctx, "long_text", **_long_fmt(f))
    fm = ctx.verdicts["memory"].facts
    verdict_box(ctx, "memory", upto=fm.get("upto", "—"), longest=fm.get("longest", "—"),
                th=pct(0.9, 0))  # fmt: skip
    show_table("performance", ctx.lang, highlight_row="long_text", views=False)


def _long_fmt(f: dict) -> dict:
    out = {}
    for lang in ("zh", "en"):
        x = f.get(lang, {})
        out[f"{lang}_b"] = x.get("bucket", "—")
        out[f"{lang}_d"] = f"{100 * (x['rnn'] - x['cnn']):+.1f}" if x else "—"
        out[f"{lang}_p"] = num(x.get("p"), ".3g")
    for task in ("first_token", "pattern"):
        x = f.get(task, {})
        out[f"{task}_L"] = x.get("L", "—")
        out[f"{task}_d"] = (
            f"{100 * x['diff'][0]:+.1f} [{100 * x['diff'][1]:+.1f}, {100 * x['diff'][2]:+.1f}]"
            if x
            else "—"
        )
    return out


def _synthetic(ctx: Ctx, syn: dict, task: str, models: tuple[str, ...]) -> None:
    t = syn["tasks"].get(task)
    if not t:
        have(ctx, f"synthetic.{task}")
        return
    lines = [
        vl.Line(t["lengths"], t["models"][m]["acc"], name(ctx, m, "synthetic"), *look(m, "synthetic"),
                lo=t["models"][m]["lo"], hi=t["models"][m]["hi"])
        for m in models if m in t["models"]
    ]  # fmt: skip
    fig = vl.lines_fig(lines, "L", ctx.t("lab.test_acc"), log_x=True, y_format=".0%",
                       y_range=(0.4, 1.03), hline=(0.5, ctx.t("lab.chance")))  # fmt: skip
    ctx.chart(fig, f"synthetic_{task}")
    b = syn.get("budget", {})
    st.caption(ctx.t("lab.long.budget", steps=b.get("max_steps", "?"), n=f"{b.get('n_train', 0):,}",
                     test=f"{b.get('n_test', 0):,}"))  # fmt: skip


# ----------------------------------------------------------------------------- 3. cost

FORMULA_MODELS = {
    "text.cnn": ("text", "cnn"), "text.gru": ("text", "gru"), "text.transformer": ("text", "transformer"),
    "digits.cnn": ("digits", "cnn"), "digits.gru": ("digits", "gru"),
}  # fmt: skip


def cost(ctx: Ctx) -> None:
    quotes(ctx, "resource_use")
    experiment(ctx, "cost")
    if not have(ctx, "cost"):
        verdict_box(ctx, "resource_use")
        return
    c = ctx.res["cost"]
    which = st.selectbox(ctx.t("lab.cost.model"), tuple(FORMULA_MODELS),
                         format_func=partial(translated, "lab.cost.m.", ctx.lang), key=ctx.key("m"))  # fmt: skip
    kind, m = FORMULA_MODELS[which]
    rows = c[kind]["formulas"][m]
    total = sum(r["count"] for r in rows)
    st.dataframe([{ctx.t("lab.col.layer"): r["layer"], ctx.t("lab.col.formula"): r["formula"],
                   ctx.t("lab.col.filled"): r["filled"], ctx.t("lab.col.params"): f"{r['count']:,}",
                   ctx.t("lab.col.share"): pct(r["count"] / total)} for r in rows],
                 hide_index=True, width="stretch")  # fmt: skip
    tm = c["text"]["models"]
    st.markdown(ctx.t("lab.cost.embedding", share=pct(tm["gru"]["embedding"] / tm["gru"]["params"]),
                      share_cnn=pct(tm["cnn"]["embedding"] / tm["cnn"]["params"]),
                      emb=f"{tm['gru']['embedding']:,}"))  # fmt: skip
    table = []
    for kind, models in (("text", ("cnn", "gru", "transformer")), ("digits", ("cnn", "gru"))):
        got = c[kind]["models"]
        for meas in ("body", "macs", "saved", "peak"):
            row = {ctx.t("lab.col.input"): ctx.t(f"lab.cost.kind.{kind}"),
                   ctx.t("lab.col.measure"): ctx.t(f"lab.cost.measure.{meas}")}  # fmt: skip
            for mm in models:
                v = got[mm][meas]
                row[name(ctx, mm, kind)] = mb(v) if meas in ("saved", "peak") else f"{v:,}"
            row[ctx.t("lab.col.ratio")] = f"{got['gru'][meas] / got['cnn'][meas]:.2f}×"
            table.append(row)
    st.dataframe(table, hide_index=True, width="stretch")
    st.caption(ctx.t("lab.cost.conditions", T=c["median_length"], batch=c["batch"]))
    bl = c["text"]["by_length"]
    lines = []
    for mm in ("cnn", "gru", "transformer"):
        color, _ = look(mm)
        lines.append(vl.Line(bl[mm]["lengths"], [v / 2**20 for v in bl[mm]["saved"]],
                             f"{name(ctx, mm)} · {ctx.t('lab.cost.measure.saved')}", color, "solid"))  # fmt: skip
        lines.append(vl.Line(bl[mm]["lengths"], [v / 2**20 for v in bl[mm]["peak"]],
                             f"{name(ctx, mm)} · {ctx.t('lab.cost.measure.peak')}", color, "dot"))  # fmt: skip
    ctx.chart(
        vl.lines_fig(lines, ctx.t("lab.tokens"), "MB", log_x=True, log_y=True, y_format=".1f"),
        "memory",
    )
    st.caption(ctx.t("lab.cost.memory_caption", batch=c["batch"]))
    app = c.get("app", {})
    if app:
        st.dataframe([{ctx.t("lab.col.model"): ctx.t(f"card.model.{k}"), ctx.t("lab.col.params"): f"{v['params']:,}",
                       ctx.t("lab.col.body"): f"{v['body']:,}", ctx.t("lab.col.embedding"): f"{v['embedding']:,}"}
                      for k, v in app.items()], hide_index=True, width="stretch")  # fmt: skip
        st.caption(ctx.t("lab.cost.app_caption"))
    f = ctx.verdicts["resource_use"].facts
    fmt = {f"{k}_{m}": num(f.get(k, {}).get(m, {}).get("ratio")) for k in ("text", "digits")
           for m in ("saved", "peak")}  # fmt: skip
    verdict_box(ctx, "resource_use", **fmt)
    meta_caption(ctx, "cost")
    show_table("performance", ctx.lang, highlight_row="resource_use", views=False)


# ----------------------------------------------------------------------------- 4. pairs


def pairs(ctx: Ctx) -> None:
    quotes(ctx, "negation_contrast", "keyword_patterns", "context_logic")
    experiment(ctx, "pairs")
    if have(ctx, "pairs"):
        pr = ctx.res["pairs"]
        lang = seg(ctx, "lab.long.lang", ("all", "zh", "en"), "lab.pairs.lang.", "lang")
        cats = [k for k in pr["categories"] if lang in pr["categories"][k]]
        series = []
        for k, m in (("cnn", "cnn"), ("rnn", "gru")):
            vals = [pr["categories"][cat][lang][k] for cat in cats]
            series.append((ctx.t(f"lab.model.app_{k}"), look(m)[0], [v[0] for v in vals],
                           [v[1] for v in vals], [v[2] for v in vals]))  # fmt: skip
        labels = [
            f"{ctx.t(f'lab.cat.{cat}')} (n={pr['categories'][cat][lang]['n']})" for cat in cats
        ]
        ctx.chart(vl.grouped_bars(labels, series, ctx.t("lab.pairs.acc")), "categories")
        st.caption(ctx.t("lab.pairs.caption", n=pr["n_pairs"]))
        cat = seg(ctx, "lab.pairs.category", cats, "lab.cat.", "cat")
        _pair_table(ctx, pr, cat, lang)
        meta_caption(ctx, "pairs")
    for claim in ("negation", "keywords"):
        f = ctx.verdicts[claim].facts
        verdict_box(ctx, claim, cnn=pct(f.get("cnn")), rnn=pct(f.get("rnn")), n=f.get("n", "—"),
                    b01=f.get("b01", "—"), b10=f.get("b10", "—"), p=num(f.get("p"), ".3g"))  # fmt: skip
    _typed_pair(ctx)
    show_table("complaint_sentiment", ctx.lang, highlight_row="negation_contrast", views=False)


def _mark(ok: bool, p: float) -> str:
    return f"{'✓' if ok else '✗'} {p:.2f}"


def _pair_table(ctx: Ctx, pr: dict, cat: str, lang: str) -> None:
    rows = [r for r in pr["rows"] if r["category"] == cat and lang in (r["lang"], "all")]
    out = []
    for r in rows:
        want = r["expected"] == "positive"
        out.append({
            ctx.t("lab.col.pair"): f"{r['id']} ({r['side']})",
            ctx.t("lab.col.text"): r["text"],
            ctx.t("lab.col.expected"): ctx.t(f"compare.class.{r['expected']}"),
            ctx.t("lab.model.app_cnn"): _mark((r["cnn"] > 0.5) == want, r["cnn"]),
            ctx.t("lab.model.app_rnn"): _mark((r["rnn"] > 0.5) == want, r["rnn"]),
        })  # fmt: skip
    st.dataframe(out, hide_index=True, width="stretch")
    st.caption(ctx.t("lab.pairs.table_caption"))


def _typed_pair(ctx: Ctx) -> None:
    st.markdown(f"#### {ctx.t('lab.pairs.typed_heading')}")
    st.caption(ctx.t("lab.pairs.typed_caption"))
    c1, c2 = st.columns(2)
    a = c1.text_input(ctx.t("lab.pairs.a"), "服务很好", max_chars=400, key=ctx.key("a"))
    ea = c1.selectbox(ctx.t("lab.col.expected"), ("positive", "negative"),
                      format_func=partial(translated, "compare.class.", ctx.lang), key=ctx.key("ea"))  # fmt: skip
    b = c2.text_input(ctx.t("lab.pairs.b"), "服务不好", max_chars=400, key=ctx.key("b"))
    eb = c2.selectbox(ctx.t("lab.col.expected"), ("positive", "negative"), index=1,
                      format_func=partial(translated, "compare.class.", ctx.lang), key=ctx.key("eb"))  # fmt: skip
    try:
        got = lab_cache.typed_pair(a, b)
    except InputError as exc:
        st.warning(exc.message(ctx.lang), icon=":material/edit_note:")
        return
    rows = []
    for side, text, exp, i in (("a", a, ea, 0), ("b", b, eb, 1)):
        want = exp == "positive"
        rows.append({
            ctx.t("lab.col.pair"): side, ctx.t("lab.col.text"): text,
            ctx.t("lab.col.expected"): ctx.t(f"compare.class.{exp}"),
            ctx.t("lab.model.app_cnn"): _mark((got["cnn"][i] > 0.5) == want, got["cnn"][i]),
            ctx.t("lab.model.app_rnn"): _mark((got["rnn"][i] > 0.5) == want, got["rnn"][i]),
        })  # fmt: skip
    st.dataframe(rows, hide_index=True, width="stretch")
    removed = style.join_tokens(got["removed"]) or "∅"
    inserted = style.join_tokens(got["inserted"]) or "∅"
    st.caption(ctx.t("lab.pairs.edit", start=got["start"] + 1, removed=removed, inserted=inserted))


# ----------------------------------------------------------------------------- 5. Transformer


def transformer(ctx: Ctx) -> None:
    quotes(
        ctx, "attention_parallel", "attention_long_range", "attention_avoids", "summary_transformer"
    )
    experiment(ctx, "transformer")
    _timing(ctx, ("cnn", "gru", "transformer"), verdict=False)
    syn = ctx.res.get("synthetic")
    if syn:
        _synthetic(ctx, syn, "first_token", ("gru_attn", "cnn", "transformer"))
    sp = (ctx.res.get("speed") or {}).get("text")
    if sp:
        rows = []
        for m in ("cnn", "gru", "transformer"):
            acc = [r["test_accuracy"] for r in sp["runs"] if r["model"] == m]
            if acc:
                rows.append({ctx.t("lab.col.model"): name(ctx, m), ctx.t("lab.col.median"): pct(float(np.median(acc))),
                             ctx.t("lab.col.range"): f"{pct(min(acc))} – {pct(max(acc))}"})  # fmt: skip
        st.dataframe(rows, hide_index=True, width="stretch")
        st.caption(ctx.t("lab.transformer.sentiment_caption", steps=sp["max_steps"], n=len({r["seed"] for r in sp["runs"]}),
                         test=f"{sp['data']['test']:,}"))  # fmt: skip
    f = ctx.verdicts["transformer"].facts
    vg, vc = f.get("vs_gru"), f.get("vs_cnn")
    verdict_box(ctx, "transformer",
                faster=", ".join(str(x) for x in f.get("faster_at", [])) or "—",
                rl=num(f.get("ratio_long")), L=f.get("L", "—"),
                vg=f"{100 * vg[0]:+.1f} [{100 * vg[1]:+.1f}, {100 * vg[2]:+.1f}]" if vg else "—",
                vc=f"{100 * vc[0]:+.1f} [{100 * vc[1]:+.1f}, {100 * vc[2]:+.1f}]" if vc else "—")  # fmt: skip
    show_table("transformer_advantages", ctx.lang, views=False)


# ----------------------------------------------------------------------------- 6. shift


def shift(ctx: Ctx) -> None:
    quotes(ctx, "translation_invariance", "position_insensitive", "feature_extraction")
    experiment(ctx, "shift")
    if not have(ctx, "shift"):
        verdict_box(ctx, "translation")
        return
    sh = ctx.res["shift"]
    eq = sh.get("equivariance") or {}
    if eq:
        st.caption(ctx.t("lab.shift.equivariance", diff=f"{eq['max_abs_diff']:.1e}",
                         n=f"{eq['compared']:,}", scale=f"{eq['scale']:.2f}"))  # fmt: skip
    axis = seg(ctx, "lab.shift.axis", ("x", "y"), "lab.shift.axis.", "axis")
    lines = []
    for m in ("cnn", "gru"):
        color, _ = look(m)
        for aug, dash in (("none", "dash"), ("shift", "solid")):
            curves = np.array(sh["models"][m][aug][axis], dtype=float)  # (seeds, shifts)
            lines.append(vl.Line(sh["shifts"], np.median(curves, 0),
                                 f"{name(ctx, m, 'digits')} · {ctx.t(f'lab.shift.aug.{aug}')}", color, dash,
                                 lo=curves.min(0), hi=curves.max(0)))  # fmt: skip
    ctx.chart(vl.lines_fig(lines, ctx.t("lab.shift.px"), ctx.t("lab.test_acc"), y_format=".0%",
                           y_range=(0, 1.02)), "accuracy")  # fmt: skip
    st.caption(ctx.t("lab.shift.caption", seeds=len(sh["seeds"]), steps=sh["steps"], n=f"{sh['n']:,}",
                     aug=sh["max_aug"]))  # fmt: skip
    f = ctx.verdicts["translation"].facts
    r = f.get("retained", {})
    st.dataframe([{ctx.t("lab.col.model"): name(ctx, m, "digits"),
                   **{ctx.t(f"lab.shift.aug.{a}"): pct(r.get(m, {}).get(a)) for a in ("none", "shift")}}
                  for m in ("cnn", "gru")], hide_index=True, width="stretch")  # fmt: skip
    st.caption(ctx.t("lab.shift.retained_caption"))
    verdict_box(ctx, "translation", arch=f"{100 * f.get('arch', float('nan')):+.1f}",
                gc=f"{100 * f.get('gain_cnn', float('nan')):+.1f}",
                gg=f"{100 * f.get('gain_gru', float('nan')):+.1f}")  # fmt: skip
    meta_caption(ctx, "shift")
    show_table("cnn_features", ctx.lang, highlight_row="translation_invariance", views=False)


# ----------------------------------------------------------------------------- 7, 8


def sharing(ctx: Ctx) -> None:
    quotes(ctx, "parameter_sharing", "recurrent_reuse")
    experiment(ctx, "sharing")
    if not have(ctx, "structure"):
        verdict_box(ctx, "sharing")
        return
    s = ctx.res["structure"]["sharing"]
    st.dataframe([{ctx.t("lab.col.model"): ctx.t(f"card.model.{r['model']}"), ctx.t("lab.col.layer"): r["layer"],
                   ctx.t("lab.col.positions"): r["positions"], ctx.t("lab.col.shared"): f"{r['shared']:,}",
                   ctx.t("lab.col.local"): f"{r['local']:,}", ctx.t("lab.col.ratio"): f"{r['local'] / r['shared']:.0f}×"}
                  for r in s["conv"]], hide_index=True, width="stretch")  # fmt: skip
    lines = []
    for model in sorted({r["model"] for r in s["gru"]}):
        rows = [r for r in s["gru"] if r["model"] == model]
        color = style.RNN
        label = ctx.t(f"card.model.{model}")
        lines.append(vl.Line([r["steps"] for r in rows], [r["params"] for r in rows],
                             f"{label} · {ctx.t('lab.sharing.shared')}", color, "solid" if model == "text_gru" else "dash"))  # fmt: skip
        lines.append(vl.Line([r["steps"] for r in rows], [r["unshared"] for r in rows],
                             f"{label} · {ctx.t('lab.sharing.unshared')}", style.BASELINE, "solid" if model == "text_gru" else "dash"))  # fmt: skip
    ctx.chart(vl.lines_fig(lines, ctx.t("lab.sharing.steps"), ctx.t("lab.col.params"), log_x=True, log_y=True,
                           y_format=",.0f"), "gru")  # fmt: skip
    st.caption(ctx.t("lab.sharing.caption"))
    verdict_box(ctx, "sharing")
    meta_caption(ctx, "structure")
    show_table("cnn_features", ctx.lang, highlight_row="parameter_sharing", views=False)


def structure(ctx: Ctx) -> None:
    quotes(ctx, "network_structure_rnn", "network_structure_cnn", "length_flexibility")
    experiment(ctx, "structure")
    if not have(ctx, "structure"):
        verdict_box(ctx, "input_size")
        return
    rows = ctx.res["structure"]["sizes"]
    st.dataframe([{ctx.t("lab.col.model"): ctx.t(f"lab.structure.model.{r['model']}"),
                   ctx.t("lab.col.part"): ctx.t(f"lab.structure.part.{r['part'].replace(' ', '_')}"),
                   ctx.t("lab.col.size"): r["size"], ctx.t("lab.col.ran"): "✓" if r["ok"] else "✗",
                   ctx.t("lab.col.output"): r["out"]} for r in rows], hide_index=True, width="stretch")  # fmt: skip
    st.caption(ctx.t("lab.structure.caption"))
    f = ctx.verdicts["input_size"].facts
    verdict_box(ctx, "input_size", failed=", ".join(f.get("cnn_failed", [])) or "—",
                ran=", ".join(f.get("cnn_ran", [])) or "—")  # fmt: skip
    meta_caption(ctx, "structure")
    show_table("core_differences", ctx.lang, highlight_row="network_structure", views=False)


VIEWS = register(
    View("lab.summary", "lab.view.summary", summary),
    View("lab.speed", "lab.view.speed", speed),
    View("lab.race", "lab.view.race", race),
    View("lab.long", "lab.view.long", long_text),
    View("lab.cost", "lab.view.cost", cost),
    View("lab.pairs", "lab.view.pairs", pairs),
    View("lab.transformer", "lab.view.transformer", transformer),
    View("lab.shift", "lab.view.shift", shift),
    View("lab.sharing", "lab.view.sharing", sharing),
    View("lab.structure", "lab.view.structure", structure),
)
DEFAULT = "lab.summary"


def lesson_context(spec: dict, lang: str) -> dict:
    """The views' values for a lesson step: the lab's results and verdicts, as the page reads
    them (``ui/lab_cache.py``). The step's input names the section its question reads
    (``{"lab": "timing"}``, ``{"lab": "all"}``) or a minimal pair (``{"pair": "contrast_zh_02"}``); the views draw
    every section's numbers either way.

    Raises:
        ValueError: neither a lab section nor a minimal pair.
    """
    from nets.contrast import PAIR_BY_ID
    from nets.lab.results import SECTIONS

    if spec.get("lab") not in (*SECTIONS, "all") and spec.get("pair") not in PAIR_BY_ID:
        raise ValueError(f"the lab views need a lab section or a minimal pair, not {spec!r}")
    return {"res": lab_cache.results(), "verdicts": lab_cache.verdicts()}
