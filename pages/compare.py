"""Side by side: the same input through a CNN and an RNN, next to the documents' tables, with
measured evidence for the documents' performance claims. Layout only: nets computes, viz draws."""

from __future__ import annotations

import logging

import numpy as np
import streamlit as st

from nets import InputError, evidence
from nets.analyze import LABELS
from nets.registry import load_npz
from ui import cache, compare_cache
from ui.guard import guarded as guard_section
from ui.i18n import current_lang, t
from ui.shell import require_shell
from ui.tables import VIEW_KEY, VIEWS, show_table
from viz import cnn as vcnn
from viz import compare as vc
from viz import rnn as vr

log = logging.getLogger(__name__)
require_shell()  # a direct link on a fresh server: rerun inside app.py (ui/shell.py)
lang = current_lang()
P = "compare."  # session-state prefix
CNN_T, RNN_T = t("compare.name.textcnn"), t("compare.name.gru")
CNN_I, RNN_I = t("compare.name.cnn"), t("compare.name.rowgru")
PLOT = dict(width="stretch", config={"displaylogo": False, "displayModeBar": False})
TEXT_VIEWS = ("text", "ngrams", "gru", "attr_text", "contrast")
DEFAULT_TEXT = evidence.CONTRAST_PAIRS[2]["a"]  # "虽然…但是…": the page opens on a lesson


def model_header(title: str, color: str, result) -> None:
    """A model column's heading and its verdict with the confidence (P of the chosen class)."""
    st.markdown(f"#### :{color}[{title}]")
    p = max(result.prob_positive, 1 - result.prob_positive)
    st.metric(
        t("compare.prediction"),
        t(f"compare.class.{result.label}"),
        t("compare.confidence", p=p),
        delta_color="off",
        delta_arrow="off",
    )


def section(name: str):
    """Show a bilingual message, not a traceback, if a view fails unexpectedly."""
    return guard_section(name, "compare.error", log)


def plot(fig, key: str) -> None:
    st.plotly_chart(fig, key=f"{P}{key}", **PLOT)


def verdict_box(v: evidence.Verdict, reason: str) -> None:
    word = t(f"compare.verdict.{v.verdict}")
    if v.verdict == "agree":
        st.success(f"**{word}** — {reason}", icon=":material/check_circle:")
    elif v.verdict == "disagree":
        st.error(f"**{word}** — {reason}", icon=":material/cancel:")
    elif v.verdict == "depends":
        st.warning(f"**{word}** — {reason}", icon=":material/balance:")
    else:
        st.info(f"**{word}** — {reason}", icon=":material/help:")


def pct(x) -> str:
    return "—" if x is None or not np.isfinite(x) else f"{x:.1%}"


def num(x, fmt: str = ",.0f") -> str:
    return "—" if x is None else format(x, fmt)


# ----------------------------------------------------------------------------- header

st.title(t("compare.title"))
st.caption(t("compare.subtitle"))

wanted = st.query_params.get(VIEW_KEY)
wanted = wanted if wanted in VIEWS else None
if f"{P}mode" not in st.session_state:
    st.session_state[f"{P}mode"] = "image" if wanted and wanted not in TEXT_VIEWS else "text"
mode = st.segmented_control(
    t("compare.mode"),
    options=("text", "image"),
    format_func=lambda m: t(f"compare.mode.{m}"),
    key=f"{P}mode",
    required=True,
)


def opened(view: str) -> bool:
    return wanted == view


# ----------------------------------------------------------------------------- text


def text_input_box() -> str:
    """The sentence: the RNN page's input (box, examples, ``?text=``) when it exists, else a
    plain box with examples. Starts from a contrast sentence rather than an empty box."""
    try:
        from ui.text_input import text_input as shared_input

        text, _ = shared_input("compare", compare=False)
        return text or ""
    except (ImportError, KeyError):  # not written yet, or its strings are not there yet
        pass
    examples = [p[s] for p in evidence.CONTRAST_PAIRS for s in ("a", "b")][:6]
    ex = st.selectbox(
        t("compare.text.examples"),
        options=[""] + examples,
        format_func=lambda s: t("compare.text.pick") if not s else s[:60],
        key=f"{P}example",
    )
    if ex and st.session_state.get(f"{P}last_example") != ex:
        st.session_state[f"{P}own_text"] = ex
        st.session_state[f"{P}last_example"] = ex
    st.session_state.setdefault(f"{P}own_text", "")
    return st.text_area(t("compare.text.label"), key=f"{P}own_text", height=90, max_chars=4000)


def text_view() -> tuple[str, bool]:
    text = text_input_box()
    if not text:  # an empty box: show a contrast sentence rather than nothing
        st.caption(t("compare.text.default", text=DEFAULT_TEXT))
        text = DEFAULT_TEXT
    try:
        gru = cache.text_analysis(text)
        cnn = cache.text_cnn_analysis(text)
    except InputError as exc:
        st.warning(exc.message(lang), icon=":material/edit_note:")
        return text, False
    if gru.truncated:
        st.info(t("compare.text.truncated", n=len(gru.tokens)), icon=":material/content_cut:")

    st.subheader(t("compare.text.heading"))
    with section("text_preds"):
        classes = [t(f"compare.class.{c}") for c in LABELS]
        pc = np.array([1 - cnn.prob_positive, cnn.prob_positive])
        pr = np.array([1 - gru.prob_positive, gru.prob_positive])
        plot(vc.prob_bars(classes, pc, pr, (CNN_T, RNN_T), t("compare.preds")), "t_probs")
    left, right = st.columns(2, gap="medium")
    with left:
        model_header(CNN_T, "blue", cnn)
        with section("ngrams"):
            st.markdown(f"**{t('compare.ngrams.heading')}**")
            st.caption(t("compare.ngrams.caption"))
            kernels = np.array([h.kernel for h in cnn.hits])
            starts = np.array([h.start for h in cnn.hits])
            net = np.array([h.contribution[1] - h.contribution[0] for h in cnn.hits])
            ks = sorted(cnn.maps)
            grid = vc.ngram_contributions(len(cnn.tokens), kernels, starts, net, ks)
            plot(vc.ngram_heatmap(cnn.tokens, grid, ks, t("compare.ngrams.k")), "t_ngrams")
            rows = []
            for k in ks:
                hs = sorted(
                    (h for h in cnn.hits if h.kernel == k),
                    key=lambda h: -abs(h.contribution[1] - h.contribution[0]),
                )[:3]
                for h in hs:
                    rows.append(
                        {
                            t("compare.ngrams.k"): k,
                            t("compare.ngrams.filter"): h.filter,
                            t("compare.ngrams.ngram"): vc.ngram_text(
                                cnn.tokens[h.start : h.start + k]
                            ),
                            t("compare.ngrams.value"): round(h.value, 3),
                            t("compare.ngrams.to_neg"): round(float(h.contribution[0]), 3),
                            t("compare.ngrams.to_pos"): round(float(h.contribution[1]), 3),
                        }
                    )
            st.dataframe(rows, hide_index=True, width="stretch")
            c1, c2 = st.columns(2)
            k = c1.selectbox(t("compare.ngrams.k"), ks, key=f"{P}k")
            nf = cnn.maps[k].shape[0]
            strongest = max(
                (h for h in cnn.hits if h.kernel == k),
                key=lambda h: abs(h.contribution[1] - h.contribution[0]),
            ).filter
            f = c2.number_input(
                t("compare.ngrams.filter"), 0, nf - 1, int(strongest), key=f"{P}filter_{k}"
            )
            hit = next(h for h in cnn.hits if h.kernel == k and h.filter == f)
            st.caption(t("compare.ngrams.map", k=k, f=f))
            plot(vc.feature_map_line(cnn.tokens, cnn.maps[k][f], k, hit.start, CNN_T), "t_fmap")
    with right:
        model_header(RNN_T, "orange", gru)
        with section("gru"):
            st.markdown(f"**{t('compare.gru.heading')}**")
            st.caption(t("compare.gru.caption"))
            plot(
                vc.recolor(vr.attention_bars(gru.tokens, gru.attention, lang), vc.RNN_COLOR),
                "t_attn",
            )
            plot(vr.prefix_curve(gru.tokens, gru.prefix_prob_positive, lang), "t_prefix")
    with section("attr_text"):
        st.markdown(f"**{t('compare.attr.heading')}**")
        st.caption(t("compare.attr.caption"))
        a_cnn = cache.text_attributions(text, "text_cnn", 1)
        a_gru = cache.text_attributions(text, "text_gru", 1)
        plot(vc.shared_attributions(gru.tokens, a_cnn, a_gru, (CNN_T, RNN_T)), "t_attr")
    show_table("core_differences", lang, highlight_row="model_memory", views=False)
    return text, True


def contrast_view() -> None:
    with st.expander(t("compare.contrast.heading"), expanded=opened("contrast")):
        st.caption(t("compare.contrast.caption"))
        if st.toggle(t("compare.contrast.run"), key=f"{P}contrast", value=opened("contrast")):
            with section("contrast"):
                rows = []
                for r in compare_cache.contrast_results():
                    rows.append(
                        {
                            t("compare.contrast.case"): t(f"compare.pair.{r['id']}")
                            + f" ({r['side'].upper()})",
                            t("compare.contrast.text"): r["text"],
                            f"{CNN_T} P(+)": round(r["cnn"], 3),
                            f"{RNN_T} P(+)": round(r["rnn"], 3),
                            t("compare.contrast.cnn_label"): t(
                                f"compare.class.{LABELS[int(r['cnn'] >= 0.5)]}"
                            ),
                            t("compare.contrast.rnn_label"): t(
                                f"compare.class.{LABELS[int(r['rnn'] >= 0.5)]}"
                            ),
                        }
                    )
                st.dataframe(rows, hide_index=True, width="stretch")
        show_table("complaint_sentiment", lang, highlight_row="negation_contrast", views=False)


# ----------------------------------------------------------------------------- image


def image_input_box():
    """(kind, payload): the CNN page's widget (samples, upload, drawing) when it exists, else
    samples and an upload."""
    try:
        from ui.image_input import image_input as shared_input

        return shared_input("compare")
    except (ImportError, KeyError):  # not written yet, or its strings are not there yet
        pass
    samples = load_npz("samples/digits.npz")
    n = len(samples["images"])
    c1, c2 = st.columns([1, 2])
    idx = c1.number_input(t("compare.image.sample"), 0, n - 1, 0, key=f"{P}own_sample")
    up = c2.file_uploader(
        t("compare.image.upload"),
        type=["png", "jpg", "jpeg", "bmp", "gif", "webp"],
        key=f"{P}own_upload",
    )
    if up is not None:
        return "bytes", up.getvalue()
    return "array", samples["images"][int(idx)]


def image_view() -> tuple[np.ndarray | None, bool]:
    got = image_input_box()
    if got is None:
        st.info(t("compare.image.none"), icon=":material/draw:")
        return None, False
    kind, payload = got
    try:
        img = (
            cache.image_analysis(payload)
            if kind == "bytes"
            else cache.array_analysis(np.asarray(payload))
        )
    except InputError as exc:
        st.warning(exc.message(lang), icon=":material/image:")
        return None, False
    if img.empty:
        st.warning(t("compare.image.empty"), icon=":material/image:")
        return None, False
    x = img.input28
    rows = cache.row_analysis(x)
    st.subheader(t("compare.image.heading"))
    with section("image_preds"):
        digits = [str(d) for d in range(10)]
        plot(vc.prob_bars(digits, img.probs, rows.probs, (CNN_I, RNN_I), t("compare.preds")), "i_p")
    if img.unlike_training:
        st.caption(t("compare.image.unlike"))
    left, right = st.columns(2, gap="medium")
    with left:
        st.markdown(f"#### :blue[{CNN_I}]")
        st.metric(
            t("compare.prediction"),
            str(img.label),
            t("compare.confidence", p=img.confidence),
            delta_color="off",
            delta_arrow="off",
        )
        with section("cnn_maps"):
            st.markdown(f"**{t('compare.cnn.maps')}**")
            layer = st.segmented_control(
                t("compare.cnn.layer"),
                ("relu1", "relu2"),
                default="relu1",
                key=f"{P}layer",
                required=True,
            )
            maps = img.activations[layer]
            plot(vcnn.map_grid_fig(maps, shared=True, cols=8), "i_maps")
            st.caption(t("compare.cnn.maps_caption", n=maps.shape[0], h=maps.shape[1]))
    with right:
        st.markdown(f"#### :orange[{RNN_I}]")
        st.metric(
            t("compare.prediction"),
            str(rows.label),
            t("compare.confidence", p=float(rows.probs[rows.label])),
            delta_color="off",
            delta_arrow="off",
        )
        with section("row_scan"):
            st.markdown(f"**{t('compare.rnn.scan')}**")
            plot(
                vc.row_scan_animation(
                    x,
                    rows.step_probs,
                    (t("compare.rnn.play"), t("compare.rnn.row"), t("compare.rnn.p_digit")),
                ),
                "i_scan",
            )
            pts, bg, bgl = evidence.project_row_hidden(rows.hidden)
            plot(
                vc.trajectory_2d(
                    pts,
                    bg,
                    bgl,
                    (t("compare.rnn.bg"), t("compare.rnn.path"), "PC"),
                    t("compare.rnn.trajectory"),
                ),
                "i_traj",
            )
    with section("attr_image"):
        st.markdown(f"**{t('compare.iattr.heading', d=img.label)}**")
        st.caption(t("compare.iattr.caption"))
        ig_cnn = cache.image_attributions(x, img.label, ("integrated_gradients",))
        ig_rnn = cache.row_attributions(x, img.label)
        plot(
            vc.image_pair(ig_cnn["integrated_gradients"], ig_rnn, (CNN_I, RNN_I), diverging=True),
            "i_attr",
        )
    translation_view(x)
    show_table("core_differences", lang, highlight_row="feature_extraction", views=False)
    return x, True


@st.fragment
def translation_view(x: np.ndarray) -> None:
    with st.expander(t("compare.shift.heading"), expanded=True):
        st.caption(t("compare.shift.caption"))
        dy = st.slider(t("compare.shift.dy"), -6, 6, 4, key=f"{P}dy")
        with section("translation"):
            r = compare_cache.translation(x, int(dy))
            plot(
                vc.image_pair(
                    r.original, r.shifted, (t("compare.shift.orig"), t("compare.shift.moved"))
                ),
                "s_in",
            )
            ch = int(np.argmax(r.cnn_maps.reshape(len(r.cnn_maps), -1).max(1)))
            plot(
                vc.image_pair(
                    r.cnn_maps[ch],
                    r.cnn_maps_shifted[ch],
                    (t("compare.shift.map", ch=ch), t("compare.shift.map_moved", ch=ch)),
                    title=CNN_I,
                ),
                "s_cnn",
            )
            lab = int(r.rnn_probs.argmax())
            plot(
                vc.step_prob_lines(
                    [r.rnn_step_probs[:, lab], r.rnn_step_probs_shifted[:, lab]],
                    [t("compare.shift.orig"), t("compare.shift.moved")],
                    t("compare.rnn.row"),
                    t("compare.shift.rnn_title", d=lab),
                ),
                "s_rnn",
            )
            c1, c2 = st.columns(2)
            c1.metric(
                t("compare.shift.cnn_err"),
                pct(r.cnn_equivariance_error),
                t(
                    "compare.shift.preds",
                    a=int(r.cnn_probs.argmax()),
                    b=int(r.cnn_probs_shifted.argmax()),
                ),
                delta_color="off",
                delta_arrow="off",
            )
            c2.metric(
                t("compare.shift.rnn_change"),
                pct(r.rnn_hidden_change),
                t(
                    "compare.shift.preds",
                    a=int(r.rnn_probs.argmax()),
                    b=int(r.rnn_probs_shifted.argmax()),
                ),
                delta_color="off",
                delta_arrow="off",
            )
            st.caption(t("compare.shift.explain"))
        show_table("cnn_features", lang, highlight_row="translation_invariance", views=False)


# ----------------------------------------------------------------------------- evidence


def evidence_view(kind: str, payload) -> None:
    st.divider()
    st.header(t("compare.ev.heading"))
    st.caption(t("compare.ev.caption"))
    show_table("performance", lang, views=False)

    with st.container(border=True), section("ev_speed"):
        st.markdown(f"**{t('compare.ev.speed')}**")
        v = evidence.verdict_training_speed()
        groups = [t("compare.ev.group.text"), t("compare.ev.group.image")]
        f = v.facts
        plot(
            vc.paired_bars(
                groups,
                [f["text"]["cnn_spe"], f["image"]["cnn_spe"]],
                [f["text"]["rnn_spe"], f["image"]["rnn_spe"]],
                (t("compare.ev.cnn"), t("compare.ev.rnn")),
                t("compare.ev.spe"),
            ),
            "e_speed",
        )
        st.caption(
            t(
                "compare.ev.sps",
                tc=num(f["text"]["cnn_sps"]),
                tr=num(f["text"]["rnn_sps"]),
                ic=num(f["image"]["cnn_sps"]),
                ir=num(f["image"]["rnn_sps"]),
            )
        )
        verdict_box(v, speed_reason(v))
        if st.toggle(t("compare.ev.time_toggle"), key=f"{P}timing"):
            tc, tr = compare_cache.timings(kind, payload)
            plot(
                vc.paired_bars(
                    [t("compare.ev.fw"), t("compare.ev.fwbw")],
                    [tc.forward_ms, tc.train_step_ms],
                    [tr.forward_ms, tr.train_step_ms],
                    (t("compare.ev.cnn"), t("compare.ev.rnn")),
                    "ms",
                    ".2f",
                ),
                "e_time",
            )
            side = evidence.verdict_latency((tc, tr))
            st.caption(t(f"compare.ev.live.{side}", n=tc.repeats))

    with st.container(border=True), section("ev_long"):
        st.markdown(f"**{t('compare.ev.long')}**")
        la_lang = st.segmented_control(
            t("compare.ev.lang"),
            ("all", "zh", "en"),
            format_func=lambda x: t(f"compare.ev.lang.{x}"),
            default="all",
            key=f"{P}la_lang",
            required=True,
        )
        la = evidence.accuracy_by_length(la_lang)
        if la.buckets:
            plot(
                vc.accuracy_by_length(
                    la.buckets,
                    la.n,
                    la.cnn,
                    la.rnn,
                    (CNN_T, RNN_T),
                    t("compare.ev.tokens"),
                    "n",
                ),
                "e_long",
            )
        v = evidence.verdict_long_text(la_lang)
        verdict_box(v, long_reason(v))

    with st.container(border=True), section("ev_cost"):
        st.markdown(f"**{t('compare.ev.cost')}**")
        tcost = compare_cache.text_costs(payload if kind == "text" else DEFAULT_TEXT)
        icost = compare_cache.image_costs(payload if kind == "image" else default_digit())
        v = evidence.verdict_resource_use(tcost, icost)
        rows = []
        for key, (c, r) in (("text", tcost), ("image", icost)):
            for metric, cv, rv in (
                ("params", c.params_no_embedding, r.params_no_embedding),
                ("macs", c.macs, r.macs),
                ("act", c.activation_bytes, r.activation_bytes),
            ):
                rows.append(
                    {
                        t("compare.ev.col.input"): t(f"compare.ev.group.{key}"),
                        t("compare.ev.col.metric"): t(f"compare.ev.metric.{metric}"),
                        t("compare.ev.cnn"): f"{cv:,}",
                        t("compare.ev.rnn"): f"{rv:,}",
                        t("compare.ev.col.ratio"): f"{rv / cv:.2f}×" if cv else "—",
                    }
                )
        st.dataframe(rows, hide_index=True, width="stretch")
        st.caption(
            t(
                "compare.ev.cost_caption",
                tt=tcost[0].seq_len,
                pe=f"{tcost[0].params:,}",
                pg=f"{tcost[1].params:,}",
            )
        )
        verdict_box(v, cost_reason(v))


def default_digit() -> np.ndarray:
    return cache.array_analysis(load_npz("samples/digits.npz")["images"][0]).input28


def _pair_word(side: int) -> str:
    return t(f"compare.ev.side.{side}")


def speed_reason(v: evidence.Verdict) -> str:
    if v.verdict == "missing":
        return t("compare.ev.missing")
    f = v.facts
    return t(
        "compare.ev.speed_reason",
        tr=num(f["text"]["ratio"], ".2f"),
        ir=num(f["image"]["ratio"], ".2f"),
        ts=_pair_word(f["text"]["side"]),
        is_=_pair_word(f["image"]["side"]),
    )


def long_reason(v: evidence.Verdict) -> str:
    if v.verdict == "missing":
        return t("compare.ev.missing")
    f = v.facts
    return t(
        f"compare.ev.long.{v.reason}",
        sb=f["short_bucket"],
        lb=f["long_bucket"],
        sg=f"{f['short_gap'] * 100:+.1f}",
        lg=f"{f['long_gap'] * 100:+.1f}",
        n=f["long_n"],
    )


def cost_reason(v: evidence.Verdict) -> str:
    f = v.facts
    return t(
        f"compare.ev.cost.{v.reason}",
        tm=num(f["text"]["macs"]["ratio"], ".2f"),
        im=num(f["image"]["macs"]["ratio"], ".2f"),
        tp=num(f["text"]["params"]["ratio"], ".2f"),
        ip=num(f["image"]["params"]["ratio"], ".2f"),
    )


# ----------------------------------------------------------------------------- run

if mode == "text":
    with section("text"):
        text, ok = text_view()
    contrast_view()
    with section("evidence"):
        evidence_view("text", text if ok else DEFAULT_TEXT)
else:
    with section("image"):
        x, ok = image_view()
    with section("evidence"):
        evidence_view("image", x if ok else default_digit())
