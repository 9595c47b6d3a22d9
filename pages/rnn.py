"""RNN page: a sentence flowing through the attention GRU, token by token.

Layout only: read the sentence(s) → ``ui.cache.text_analysis`` (and the cached attribution /
memory wrappers) → numeric helpers in ``nets.rnn_explain`` → pure builders in ``viz.rnn``.
"""

from __future__ import annotations

import hashlib
import logging

import streamlit as st

import nets
from nets import rnn_explain as rx
from ui import cache
from ui.callbacks import step_labeller, step_picker
from ui.guard import guarded as guard_section
from ui.i18n import current_lang, t
from ui.shell import require_shell
from ui.text_input import text_input
from viz import rnn as vr

log = logging.getLogger(__name__)
P = "rnn"  # session-state namespace
CHART = {"displaylogo": False, "modeBarButtonsToRemove": ["select2d", "lasso2d"]}

require_shell()  # a direct link on a fresh server: rerun inside app.py (ui/shell.py)
lang = current_lang()


def guarded(name: str):
    """Show a bilingual message instead of a traceback if a section fails (and log it)."""
    return guard_section(name, "rnn.error.section", log)


def chart(fig, key: str, **kw):
    """A full-width plotly chart with a stable key."""
    return st.plotly_chart(fig, width="stretch", config=CHART, key=f"{P}.chart.{key}", **kw)


def badge(label: str) -> str:
    return vr.verdict_badge(label, t(f"rnn.label.{label}"))


# ----------------------------------------------------------------------------- input

st.title(t("rnn.title"))
st.caption(t("rnn.intro"))

text, text2 = text_input(P)
st.caption(t("rnn.input.share"))

if not text.strip():
    st.info(t("rnn.empty"), icon=":material/edit:")
    st.stop()

try:
    a = cache.text_analysis(text)
except nets.InputError as exc:
    st.error(exc.message(lang), icon=":material/block:")
    st.stop()
except Exception:
    log.exception("analyze_text failed")
    st.error(t("rnn.error.section"), icon=":material/error:")
    st.stop()

b = None
if text2:
    try:
        b = cache.text_analysis(text2)
    except nets.InputError as exc:
        st.warning(t("rnn.error.compare", msg=exc.message(lang)))
    except Exception:
        log.exception("analyze_text failed on the comparison sentence")
        st.warning(t("rnn.error.section"))

T = len(a.tokens)
sid = hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:10]
step_key = f"{P}.step.current"  # one widget id for every sentence (see ui/callbacks.py)
if st.session_state.get(f"_{P}.step_sid") != sid:  # a new sentence starts at its last step
    st.session_state[f"_{P}.step_sid"] = sid
    st.session_state.pop(step_key, None)

# ----------------------------------------------------------------------------- verdict

with guarded("verdict"):
    st.markdown(t("rnn.verdict", badge=badge(a.label), p=f"{a.prob_positive:.3f}"))
    if b is not None:
        st.markdown(t("rnn.verdict.compare", badge=badge(b.label), p=f"{b.prob_positive:.3f}"))
    if a.truncated:
        st.warning(t("rnn.truncated", n=T), icon=":material/content_cut:")

# ----------------------------------------------------------------------------- 1. tokens

with guarded("tokens"):
    st.subheader(t("rnn.tokens.title"))
    st.caption(t("rnn.tokens.caption"))
    n_unk = sum(tok == "<unk>" for tok in a.tokens)
    if n_unk:
        st.caption(t("rnn.tokens.unk_count", n=n_unk))
    chart(vr.tokens_table(a.tokens, a.raw_tokens, a.token_ids, lang), "tokens")

# ----------------------------------------------------------------------------- 2. unrolled

step = 0
with guarded("unrolled"):
    st.subheader(t("rnn.unrolled.title"))
    st.caption(t("rnn.unrolled.caption"))
    if T > 1:
        if not 0 <= st.session_state.get(step_key, T - 1) < T:
            st.session_state[step_key] = T - 1
        st.session_state.setdefault(step_key, T - 1)
        step = st.select_slider(
            t("rnn.step.label"),
            options=list(range(T)),
            format_func=step_labeller(a.raw_tokens),
            key=step_key,
        )
    chart_key = f"{P}.chart.unrolled.{sid}"
    st.plotly_chart(
        vr.unrolled_fig(a.tokens, a.prefix_prob_positive, rx.state_norms(a.hidden), lang, step),
        width="stretch",
        config=CHART,
        key=chart_key,
        on_select=step_picker(chart_key, step_key),
        selection_mode="points",
    )
    lo, hi = vr.unroll_window(T, step)
    if hi - lo < T:
        st.caption(t("rnn.unrolled.window", a=lo + 1, b=hi))

# ----------------------------------------------------------------------------- 3. heatmap


def heat_window() -> tuple[int, int]:
    """The steps the unit × step heatmaps show (all, or a window around the selected step)."""
    lo, hi = vr.unroll_window(T, step, vr.HEAT_WINDOW)
    if hi - lo < T:
        st.caption(t("rnn.unrolled.window", a=lo + 1, b=hi))
    return lo, hi


@st.fragment
def heatmap_view() -> None:
    with guarded("heatmap"):
        st.subheader(t("rnn.heatmap.title"))
        st.caption(t("rnn.heatmap.caption", h=a.hidden.shape[1]))
        by = st.segmented_control(
            t("rnn.order.label"),
            options=rx.ORDERS,
            format_func=lambda o: t(f"rnn.order.{o}"),
            default="variance",
            required=True,
            key=f"{P}.order",
        )
        if by == "positive":
            st.caption(t("rnn.order.positive_note"))
        order = rx.unit_order(a.hidden, by)
        lo, hi = heat_window()
        fig = vr.hidden_heatmap(a.hidden[lo:hi], a.tokens[lo:hi], order, lang, step - lo, lo)
        chart(fig, "heatmap")


heatmap_view()

# ----------------------------------------------------------------------------- 4. trajectory


@st.fragment
def trajectory_view() -> None:
    with guarded("trajectory"):
        st.subheader(t("rnn.traj.title"))
        bg = rx.background()
        ex = rx.explained()
        st.caption(
            t(
                "rnn.traj.caption",
                h=a.hidden.shape[1],
                e1=f"{ex[0]:.0%}",
                e2=f"{ex[1]:.0%}",
                n=len(bg.points),
            )
        )
        three = st.toggle(t("rnn.traj.3d"), key=f"{P}.traj3d")
        compare = None
        if b is not None:
            compare = (rx.project_states(b.hidden), b.tokens, b.prefix_prob_positive)
        fig = vr.trajectory_fig(
            rx.project_states(a.hidden),
            a.tokens,
            a.prefix_prob_positive,
            bg.points,
            bg.labels,
            lang,
            compare=compare,
            dims=3 if three else 2,
            selected=step,
            explained=ex,
        )
        chart(fig, "trajectory")


trajectory_view()

# ----------------------------------------------------------------------------- 5. gates


@st.fragment
def gates_view() -> None:
    with guarded("gates"):
        st.subheader(t("rnn.gates.title"))
        st.caption(t("rnn.gates.caption"))
        z_mean, r_mean = rx.gate_means(a.update_gate), rx.gate_means(a.reset_gate)
        z = float(z_mean[step])
        st.markdown(
            t(
                "rnn.gates.reading",
                t=step + 1,
                tok=vr.md_escape(a.raw_tokens[step]),
                z=f"{z:.2f}",
                keep=f"{z:.0%}",
                new=f"{1 - z:.0%}",
            )
        )
        chart(vr.gate_means_fig(z_mean, r_mean, a.tokens, lang, step), "gate_means")
        by = st.session_state.get(f"{P}.order") or "variance"
        order = rx.unit_order(a.hidden, by)
        lo, hi = heat_window()
        z_g, r_g = a.update_gate[lo:hi], a.reset_gate[lo:hi]
        chart(vr.gates_fig(z_g, r_g, a.tokens[lo:hi], order, lang, step - lo, lo), "gates")


gates_view()

# ----------------------------------------------------------------------------- 6. attention


def spacing() -> list[bool]:
    """Where the sentence had spaces, so the highlighted copy reads as written."""
    return rx.token_spacing(text, a.raw_tokens)


with guarded("attention"):
    st.subheader(t("rnn.attn.title"))
    st.caption(t("rnn.attn.caption"))
    st.markdown(vr.token_highlight(a.raw_tokens, a.attention, spaces=spacing()))
    chart(vr.attention_bars(a.tokens, a.attention, lang, step), "attention")

# ----------------------------------------------------------------------------- 7. prefix

with guarded("prefix"):
    st.subheader(t("rnn.prefix.title"))
    st.caption(t("rnn.prefix.caption"))
    cmp = (b.tokens, b.prefix_prob_positive) if b is not None else None
    chart(vr.prefix_curve(a.tokens, a.prefix_prob_positive, lang, cmp, step), "prefix")
    flips = rx.flips(a.prefix_prob_positive)
    if len(flips):
        sep = "、" if lang == "zh" else ", "
        toks = sep.join(f"{i + 1} · {vr.md_escape(a.raw_tokens[i])}" for i in flips[:10])
        st.markdown(t("rnn.prefix.flips", toks=toks))
    else:
        st.caption(t("rnn.prefix.noflip"))

# ----------------------------------------------------------------------------- 8. attribution


@st.fragment
def attribution_view() -> None:
    with guarded("attribution"):
        st.subheader(t("rnn.attr.title"))
        st.caption(t("rnn.attr.caption"))
        if not st.toggle(t("rnn.attr.show"), key=f"{P}.attr_on"):
            return
        with st.spinner():
            attr = cache.text_attributions(text, "text_gru", 1)
        st.markdown(vr.token_highlight(a.raw_tokens, attr, signed=True, spaces=spacing()))
        st.caption(t("rnn.attr.legend"))
        left, right = st.columns(2)
        with left:
            chart(vr.attribution_bars(a.tokens, attr, lang), "attribution")
        with right:
            chart(vr.attention_bars(a.tokens, a.attention, lang), "attention_small")
        st.info(t("rnn.attr.why"), icon=":material/help:")


attribution_view()

# ----------------------------------------------------------------------------- 9. memory


@st.fragment
def memory_view() -> None:
    with guarded("memory"):
        st.subheader(t("rnn.mem.title"))
        st.caption(t("rnn.mem.caption"))
        if not st.toggle(t("rnn.mem.show"), key=f"{P}.mem_on"):
            return
        with st.spinner():
            norms = cache.text_memory(text)
        log_scale = st.toggle(t("rnn.mem.log"), key=f"{P}.mem_log")
        chart(vr.memory_fig(a.tokens, norms, lang, log=log_scale), "memory")
        if T > 1 and norms[-1] > 0:
            st.caption(t("rnn.mem.summary", ratio=f"{norms[0] / norms[-1]:.0%}"))


memory_view()
