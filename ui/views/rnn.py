"""The RNN page's views: one sentence through an RNN family member, each view one question.

Each view draws from a :class:`ui.view.Ctx` holding ``a`` (the sentence's
:class:`nets.TextAnalysis`, of the member ``a.model``: GRU, LSTM or bidirectional GRU, Chinese by
characters or by words), ``b`` (the comparison sentence's, same member, or None), ``text`` and
``step`` (the selected step, 0-based). :func:`context` builds those values from the sentences,
so the lessons can show any of these views for their own sentence. What differs per member
lives in ``ui/views/rnn_family.py``.
"""

from __future__ import annotations

from functools import partial

import streamlit as st

from nets import attribution as nattr
from nets import rnn_explain as rx
from nets.family import DEFAULT as DEFAULT_MEMBER
from nets.family import MEMBERS
from ui import family_cache
from ui.callbacks import step_labeller, step_picker, translated
from ui.i18n import t
from ui.view import Ctx, View, register
from ui.views import rnn_family as fam
from viz import rnn as vr
from viz import style

STEP_KEY = "rnn.step"  # one widget id for every sentence (see ui/callbacks.py)
RHO_FEW = 12  # below this many tokens a rank correlation is very uncertain (said on screen)


def context(a, b=None, text: str = "", step: int | None = None) -> dict:
    """The values the RNN views read (``step`` defaults to the last token)."""
    T = len(a.tokens)
    step = T - 1 if step is None or not 0 <= step < T else int(step)
    return {"a": a, "b": b, "text": text, "step": step}


def lesson_context(spec: dict, lang: str) -> dict:
    """The views' values for a lesson step's input ``{"text": …, "model": <member>,
    "step": <0-based token>}`` (model and step optional: the GRU by characters, the last token).

    Raises:
        ValueError: no sentence, or not a family member.
        nets.InputError: the sentence cannot be read.
    """
    text, model = spec.get("text"), spec.get("model", DEFAULT_MEMBER)
    if not text or model not in MEMBERS:
        raise ValueError(f"the RNN views need a sentence and a family member, not {spec!r}")
    return context(family_cache.analysis(text, model), None, text, spec.get("step"))


def _window(ctx: Ctx) -> tuple[int, int]:
    """The steps the unit × step heatmaps show (all, or a window around the selected step)."""
    T = len(ctx.a.tokens)
    lo, hi = vr.unroll_window(T, ctx.step, vr.HEAT_WINDOW)
    if hi - lo < T:
        st.caption(ctx.t("rnn.unrolled.window", a=lo + 1, b=hi))
    return lo, hi


def _paths(ctx: Ctx) -> list[tuple]:
    """(tokens, prefix probabilities, name, colour) of the sentence and the comparison."""
    sfx = f" ({ctx.t('family.prefix.reread')})" if ctx.a.directions == 2 else ""
    lines = [(ctx.a.tokens, ctx.a.prefix_prob_positive, ctx.t("rnn.sentence.main") + sfx, "#222")]
    if ctx.b is not None:
        b = ctx.b
        name = ctx.t("rnn.sentence.compare") + sfx
        lines.append((b.tokens, b.prefix_prob_positive, name, style.CMP))
    return lines


def tokens(ctx: Ctx) -> None:
    a = ctx.a
    word = MEMBERS[a.model].tok == "word"
    st.caption(ctx.t("family.tokens.word" if word else "rnn.tokens.caption"))
    n_unk = sum(tok == "<unk>" for tok in a.tokens)
    if n_unk:
        st.caption(ctx.t("rnn.tokens.unk_count", n=n_unk))
    headers = [ctx.t(k) for k in ("rnn.col.step", "rnn.col.written", "rnn.col.token", "rnn.col.id")]
    ctx.chart(vr.tokens_table(a.tokens, a.raw_tokens, a.token_ids, headers), "table")


def unrolled(ctx: Ctx) -> None:
    a, T = ctx.a, len(ctx.a.tokens)
    st.caption(ctx.t("rnn.unrolled.caption"))
    if a.directions == 2:
        st.caption(ctx.t("family.unrolled.bi"))
    key = ctx.key("chart")
    fig = vr.unrolled_fig(
        a.tokens,
        a.prefix_prob_positive,
        rx.state_norms(a.hidden),
        ctx.t("rnn.axis.prob"),
        ctx.t("rnn.node.output"),
        ctx.step,
    )
    ctx.chart(fig, "chart", on_select=step_picker(key, STEP_KEY), selection_mode="points")
    lo, hi = vr.unroll_window(T, ctx.step)
    if hi - lo < T:
        st.caption(ctx.t("rnn.unrolled.window", a=lo + 1, b=hi))


def _unit_order(ctx: Ctx, states=None, offset: int = 0):
    """The unit-order control (one key for the hidden-state and gate views) and the order of
    ``states`` (the member's hidden states, or one reader's half; ``offset``: its first unit)."""
    by = st.segmented_control(
        ctx.t("rnn.order.label"),
        options=rx.ORDERS,
        format_func=partial(translated, "rnn.order.", ctx.lang),
        default="variance",
        required=True,
        key="rnn.order",
    )
    if by == "positive":
        st.caption(ctx.t("rnn.order.positive_note"))
    states = ctx.a.hidden if states is None else states
    return rx.unit_order(states, by, ctx.a.model, offset)


def hidden(ctx: Ctx) -> None:
    a = ctx.a
    gru = a.model == "text_gru"
    st.caption(ctx.t("rnn.heatmap.caption" if gru else "family.heatmap", h=a.units))
    if a.cell is not None:
        st.caption(ctx.t("family.hidden.lstm"))
    if a.directions == 2:
        st.caption(ctx.t("family.hidden.bi", h=a.units, h2=a.hidden.shape[1]))
    d, offset = fam.reader(ctx)
    states = a.direction_states(d)
    order = _unit_order(ctx, states, offset)
    lo, hi = _window(ctx)
    fig = vr.hidden_heatmap(
        states[lo:hi], a.tokens[lo:hi], order, ctx.t("rnn.axis.unit"), ctx.step - lo, lo
    )
    ctx.chart(fig, "heatmap")


def trajectory(ctx: Ctx) -> None:
    a, b, model = ctx.a, ctx.b, ctx.a.model
    three = st.toggle(ctx.t("rnn.traj.3d"), key=ctx.key("3d"))
    if a.directions == 2:
        fam.bi_trajectory(ctx, 3 if three else 2)
        return
    bg, ex = rx.background(model), rx.explained(model)
    st.caption(
        ctx.t(
            "rnn.traj.caption",
            h=a.hidden.shape[1],
            e1=f"{ex[0]:.0%}",
            e2=f"{ex[1]:.0%}",
            n=len(bg.points),
        )
    )
    if model != "text_gru":
        st.caption(ctx.t("family.traj.own_axes", name=fam.name(ctx, model)))
    compare = None
    if b is not None:
        compare = (rx.project_states(b.hidden, model), b.tokens, b.prefix_prob_positive)
    labels = {
        "bg_neg": ctx.t("rnn.traj.bg_neg"),
        "bg_pos": ctx.t("rnn.traj.bg_pos"),
        "main": ctx.t("rnn.sentence.main"),
        "compare": ctx.t("rnn.sentence.compare"),
        "prob": ctx.t("rnn.axis.prob"),
    }
    fig = vr.trajectory_fig(
        rx.project_states(a.hidden, model),
        a.tokens,
        a.prefix_prob_positive,
        bg.points,
        bg.labels,
        labels,
        compare=compare,
        dims=3 if three else 2,
        selected=ctx.step,
        explained=ex,
    )
    ctx.chart(fig, "path")


def gates(ctx: Ctx) -> None:
    a, step = ctx.a, ctx.step
    if a.cell is not None:  # the LSTM: input, forget, output gates and the cell state
        st.caption(ctx.t("family.gates.lstm"))
        order = _unit_order(ctx)
        lo, hi = _window(ctx)
        fam.lstm_gates(ctx, order, lo, hi)
        return
    st.caption(ctx.t("rnn.gates.caption"))
    if a.directions == 2:
        st.caption(ctx.t("family.gates.bi"))
    d, offset = fam.reader(ctx)
    z_all, r_all = a.direction_states(d, "z"), a.direction_states(d, "r")
    z_mean, r_mean = rx.gate_means(z_all), rx.gate_means(r_all)
    z = float(z_mean[step])
    st.markdown(
        ctx.t(
            "rnn.gates.reading",
            t=step + 1,
            tok=vr.md_escape(a.raw_tokens[step]),
            h=a.units,
            z=f"{z:.2f}",
            keep=f"{z:.0%}",
            new=f"{1 - z:.0%}",
        )
    )
    names = (ctx.t("rnn.gates.mean_z"), ctx.t("rnn.gates.mean_r"))
    ctx.chart(vr.gate_means_fig(z_mean, r_mean, a.tokens, names, step), "means")
    order = _unit_order(ctx, a.direction_states(d), offset)
    lo, hi = _window(ctx)
    fig = vr.gates_fig(
        z_all[lo:hi],
        r_all[lo:hi],
        a.tokens[lo:hi],
        order,
        (ctx.t("rnn.gates.z"), ctx.t("rnn.gates.r")),
        ctx.t("rnn.axis.unit"),
        step - lo,
        lo,
    )
    ctx.chart(fig, "units")


def _agreement(ctx: Ctx, attr) -> None:
    """One number: the rank correlation of attention and |attribution|, with its reading."""
    rho = nattr.attention_attribution_rho(ctx.a.attention, attr)
    word = nattr.agreement(rho)
    rule = ctx.t("rnn.rho.rule", agree=f"{nattr.AGREE_RHO:g}", disagree=f"{nattr.DISAGREE_RHO:g}")
    value = "—" if word == "undefined" else f"{rho:.2f}"
    reading = ctx.t("rnn.rho.value", rho=value) + " " + ctx.t(f"rnn.rho.{word}")
    if word != "undefined" and len(ctx.a.tokens) < RHO_FEW:
        reading += " " + ctx.t("rnn.rho.few", T=len(ctx.a.tokens))
    st.markdown(reading)
    st.caption(rule)


def attention(ctx: Ctx) -> None:
    a = ctx.a
    st.caption(ctx.t("rnn.attn.caption"))
    if a.directions == 2:
        st.caption(ctx.t("family.attn.bi"))
    spaces = rx.token_spacing(ctx.text, a.raw_tokens)
    st.markdown(vr.token_highlight(a.raw_tokens, a.attention, spaces=spaces))
    ctx.chart(vr.attention_bars(a.tokens, a.attention, ctx.t("rnn.attn.weight"), ctx.step), "bars")
    if st.toggle(ctx.t("rnn.rho.toggle"), key=ctx.key("rho")):
        _agreement(ctx, family_cache.attributions(ctx.text, ctx.a.model))


def prefix(ctx: Ctx) -> None:
    a = ctx.a
    if a.directions == 2:
        st.info(ctx.t("family.prefix.bi"), icon=":material/swap_horiz:")
    else:
        st.caption(ctx.t("rnn.prefix.caption"))
    fig = vr.prefix_curve(
        _paths(ctx), ctx.t("rnn.axis.prob"), ctx.t("rnn.prefix.threshold"), ctx.step
    )
    ctx.chart(fig, "curve")
    flips = rx.flips(a.prefix_prob_positive)
    if len(flips):
        sep = "、" if ctx.lang == "zh" else ", "
        toks = sep.join(f"{i + 1} · {vr.md_escape(a.raw_tokens[i])}" for i in flips[:10])
        st.markdown(ctx.t("rnn.prefix.flips", toks=toks))
    else:
        st.caption(ctx.t("rnn.prefix.noflip"))


def attribution(ctx: Ctx) -> None:
    a = ctx.a
    st.caption(ctx.t("rnn.attr.caption"))
    attr = family_cache.attributions(ctx.text, a.model)
    spaces = rx.token_spacing(ctx.text, a.raw_tokens)
    st.markdown(vr.token_highlight(a.raw_tokens, attr, signed=True, spaces=spaces))
    st.caption(ctx.t("rnn.attr.legend"))
    left, right = st.columns(2)
    with left:
        ctx.chart(vr.attribution_bars(a.tokens, attr, ctx.t("rnn.attr.value")), "bars")
    with right:
        ctx.chart(vr.attention_bars(a.tokens, a.attention, ctx.t("rnn.attn.weight")), "attention")
    _agreement(ctx, attr)
    st.info(ctx.t("rnn.attr.why"), icon=":material/help:")
    if a.directions == 2:
        st.caption(ctx.t("family.attn.bi"))


def memory(ctx: Ctx) -> None:
    a = ctx.a
    st.caption(ctx.t("rnn.mem.caption"))
    if a.cell is not None:
        st.caption(ctx.t("family.mem.lstm"))
    if a.directions == 2:
        st.caption(ctx.t("family.mem.bi"))
    mc = family_cache.memory(ctx.text, a.model)
    log_scale = st.toggle(ctx.t("rnn.mem.log"), key=ctx.key("log"))
    first = "family.mem.forward" if mc.state_backward is not None else "rnn.mem.value"
    curves = [
        (mc.state, ctx.t(first), style.RNN),
        (mc.decision, ctx.t("rnn.mem.decision"), style.CMP),
    ]
    if mc.state_backward is not None:
        curves.insert(1, (mc.state_backward, ctx.t("family.mem.backward"), style.HYBRID))
    fig = vr.memory_fig(ctx.a.tokens, curves, ctx.t("rnn.mem.axis"), log=log_scale)
    ctx.chart(fig, "curve")
    if len(mc.tokens) > 1:
        h, d = mc.ratio_first_last()
        st.caption(ctx.t("rnn.mem.summary", h=f"{h:.3g}", d=f"{d:.3g}"))


VIEWS = register(
    View("rnn.unrolled", "rnn.view.unrolled", unrolled, fragment=False),
    View("rnn.tokens", "rnn.view.tokens", tokens),
    View("rnn.hidden", "rnn.view.hidden", hidden),
    View("rnn.trajectory", "rnn.view.trajectory", trajectory),
    View("rnn.gates", "rnn.view.gates", gates),
    View("rnn.attention", "rnn.view.attention", attention),
    View("rnn.prefix", "rnn.view.prefix", prefix),
    View("rnn.attribution", "rnn.view.attribution", attribution, heavy=True),
    View("rnn.memory", "rnn.view.memory", memory, heavy=True),
    View("rnn.members", "rnn.view.members", fam.members, heavy=True),
)
DEFAULT = "rnn.unrolled"


def step_control(ctx_values: dict, lang: str) -> int:
    """The selected step, shared by every view (a select slider under the verdict).

    Returns:
        The step, 0-based (the last token for a new sentence).
    """
    a = ctx_values["a"]
    T = len(a.tokens)
    if T <= 1:
        return 0
    if not 0 <= st.session_state.get(STEP_KEY, T - 1) < T:
        st.session_state[STEP_KEY] = T - 1
    st.session_state.setdefault(STEP_KEY, T - 1)
    return int(
        st.select_slider(
            t("rnn.step.label", lang),
            options=list(range(T)),
            format_func=step_labeller(a.raw_tokens),
            key=STEP_KEY,
        )
    )
