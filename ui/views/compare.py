"""The side-by-side page's views: the same input through a CNN and an RNN.

Sentence views read ``ctx.text``, ``ctx.cnn`` (:class:`nets.TextCNNAnalysis`) and ``ctx.gru``
(:class:`nets.TextAnalysis`); digit views read ``ctx.img`` (:class:`nets.ImageAnalysis`) and
``ctx.rows`` (:class:`nets.RowAnalysis`). The documents' performance claims are tested in the
claims lab (pages/lab.py): the ``compare.claims`` view links to its sections.
"""

from __future__ import annotations

from functools import partial

import numpy as np
import streamlit as st

from nets import rnn_explain as rx
from nets.analyze import LABELS
from nets.contrast import PAIR_BY_ID
from ui import cache, compare_cache
from ui.callbacks import translated
from ui.tables import show_table
from ui.view import Ctx, View, register
from ui.views import common
from viz import cnn as vcnn
from viz import compare as vc
from viz import rnn as vr
from viz import style


def names(ctx: Ctx, kind: str) -> tuple[str, str]:
    """(CNN, RNN) model names for a sentence or a digit."""
    if kind == "text":
        return ctx.t("compare.name.textcnn"), ctx.t("compare.name.gru")
    return ctx.t("compare.name.cnn"), ctx.t("compare.name.rowgru")


DEFAULT_TEXT = PAIR_BY_ID["contrast_zh"]["a"]  # "…，但是…": the page opens on a lesson


def lesson_context(spec: dict, lang: str) -> dict:
    """The views' values for a lesson step's input: ``{"text": …}`` (sentence mode) or
    ``{"sample": "digit:<i>"}`` (digit mode), analysed through the page's caches.

    Raises:
        ValueError: neither a sentence nor a gallery sample.
        nets.InputError: the sentence or the image cannot be read.
    """
    from ui.image_input import load_sample, sample_ids

    values = {"default_text": DEFAULT_TEXT}
    if spec.get("text"):
        text = spec["text"]
        gru, cnn = cache.text_analysis(text), cache.text_cnn_analysis(text)
        values.update(kind="text", text=text, gru=gru, cnn=cnn, payload=text)
    elif spec.get("sample") in sample_ids():
        kind, payload = load_sample(spec["sample"])
        img = cache.image_analysis(payload) if kind == "bytes" else cache.array_analysis(payload)
        rows = cache.row_analysis(img.input28)
        values.update(kind="image", img=img, rows=rows, payload=img.input28)
    else:
        raise ValueError(f"the side-by-side views need a sentence or a sample, not {spec!r}")
    return values


# ----------------------------------------------------------------------------- sentence


def text_predictions(ctx: Ctx) -> None:
    cnn, gru = ctx.cnn, ctx.gru
    classes = [ctx.t(f"compare.class.{c}") for c in LABELS]
    pc = np.array([1 - cnn.prob_positive, cnn.prob_positive])
    pr = np.array([1 - gru.prob_positive, gru.prob_positive])
    fig = vc.prob_bars(classes, pc, pr, names(ctx, "text"), ctx.t("compare.preds"))
    ctx.chart(fig, "probs")
    show_table("core_differences", ctx.lang, highlight_row="model_memory", views=False)


def ngrams(ctx: Ctx) -> None:
    cnn = ctx.cnn
    st.caption(ctx.t("compare.ngrams.caption"))
    ks = cnn.kernel_sizes
    ctx.chart(vc.ngram_heatmap(cnn.tokens, cnn.ngram_grid(), ks, ctx.t("compare.ngrams.k")), "grid")
    rows = [
        {
            ctx.t("compare.ngrams.k"): k,
            ctx.t("compare.ngrams.filter"): h.filter,
            ctx.t("compare.ngrams.ngram"): style.join_tokens(cnn.tokens[h.start : h.start + k]),
            ctx.t("compare.ngrams.value"): round(h.value, 3),
            ctx.t("compare.ngrams.to_neg"): round(float(h.contribution[0]), 3),
            ctx.t("compare.ngrams.to_pos"): round(float(h.contribution[1]), 3),
        }
        for k in ks
        for h in cnn.top_hits(k)
    ]
    st.dataframe(rows, hide_index=True, width="stretch")
    c1, c2 = st.columns(2)
    k = c1.selectbox(ctx.t("compare.ngrams.k"), ks, key=ctx.key("k"))
    nf = cnn.maps[k].shape[0]
    f = int(
        c2.number_input(
            ctx.t("compare.ngrams.filter"), 0, nf - 1, cnn.strongest_filter(k), key=ctx.key(f"f{k}")
        )
    )
    st.caption(ctx.t("compare.ngrams.map", k=k, f=f))
    fig = vc.feature_map_line(
        cnn.tokens, cnn.maps[k][f], k, cnn.hit(k, f).start, names(ctx, "text")[0]
    )
    ctx.chart(fig, "map")
    show_table("complaint_sentiment", ctx.lang, highlight_row="keyword_patterns", views=False)


def gru(ctx: Ctx) -> None:
    g = ctx.gru
    st.caption(ctx.t("compare.gru.caption"))
    ctx.chart(vr.attention_bars(g.tokens, g.attention, ctx.t("rnn.attn.weight")), "attention")
    lines = [(g.tokens, g.prefix_prob_positive, names(ctx, "text")[1], style.RNN)]
    fig = vr.prefix_curve(lines, ctx.t("rnn.axis.prob"), ctx.t("rnn.prefix.threshold"))
    ctx.chart(fig, "prefix")


def text_attributions(ctx: Ctx) -> None:
    st.caption(ctx.t("compare.attr.caption"))
    a_cnn = cache.text_attributions(ctx.text, "text_cnn")
    a_gru = cache.text_attributions(ctx.text, "text_gru")
    ctx.chart(vc.shared_attributions(ctx.gru.tokens, a_cnn, a_gru, names(ctx, "text")), "bars")


def contrast(ctx: Ctx) -> None:
    st.caption(ctx.t("compare.contrast.caption"))
    cnn_name, rnn_name = names(ctx, "text")
    results = compare_cache.contrast_results()
    cats = list(dict.fromkeys(r["category"] for r in results))
    c1, c2 = st.columns([3, 1])
    cat = c1.segmented_control(
        ctx.t("lab.pairs.category"),
        cats,
        format_func=partial(translated, "lab.cat.", ctx.lang),
        default=cats[0],
        key=ctx.key("cat"),
        required=True,
    )
    lang = c2.segmented_control(
        ctx.t("lab.long.lang"),
        ("zh", "en"),
        format_func=partial(translated, "lab.long.lang.", ctx.lang),
        default=ctx.lang,
        key=ctx.key("lang"),
        required=True,
    )
    shown = [r for r in results if r["category"] == cat and r["lang"] == lang]

    def verdict(label: str, ok: bool) -> str:
        return ("✓ " if ok else "✗ ") + ctx.t(f"compare.class.{label}")

    rows = [
        {
            ctx.t("compare.contrast.case"): f"{r['id']} ({r['side']})",
            ctx.t("compare.contrast.text"): r["text"],
            ctx.t("compare.contrast.expected"): ctx.t(f"compare.class.{r['expected']}"),
            f"{cnn_name} P(+)": round(r["cnn"], 3),
            ctx.t("compare.contrast.cnn_label"): verdict(r["cnn_label"], r["cnn_ok"]),
            f"{rnn_name} P(+)": round(r["rnn"], 3),
            ctx.t("compare.contrast.rnn_label"): verdict(r["rnn_label"], r["rnn_ok"]),
        }
        for r in shown
    ]
    st.dataframe(rows, hide_index=True, width="stretch")
    st.caption(
        ctx.t(
            "compare.contrast.score",
            cnn=sum(r["cnn_ok"] for r in shown),
            rnn=sum(r["rnn_ok"] for r in shown),
            n=len(shown),
            total=len(results),
        )
    )
    st.markdown(ctx.t("compare.contrast.lab", link=f"lab?view=lab.pairs&lang={ctx.lang}"))
    show_table("complaint_sentiment", ctx.lang, highlight_row="negation_contrast", views=False)


# ----------------------------------------------------------------------------- digit


def digit_predictions(ctx: Ctx) -> None:
    img = ctx.img
    digits = [str(d) for d in range(10)]
    fig = vc.prob_bars(
        digits, img.probs, ctx.rows.probs, names(ctx, "image"), ctx.t("compare.preds")
    )
    ctx.chart(fig, "probs")
    show_table("core_differences", ctx.lang, highlight_row="feature_extraction", views=False)


def cnn_maps(ctx: Ctx) -> None:
    img = ctx.img
    st.caption(ctx.t("compare.cnn.maps"))
    layer = st.segmented_control(
        ctx.t("compare.cnn.layer"),
        ("relu1", "relu2"),
        default="relu1",
        key=ctx.key("layer"),
        required=True,
    )
    maps = img.activations[layer]
    ctx.chart(vcnn.map_grid_fig(maps, shared=True, cols=8), "maps")
    st.caption(ctx.t("compare.cnn.maps_caption", n=maps.shape[0], h=maps.shape[1]))


def row_scan(ctx: Ctx) -> None:
    rows = ctx.rows
    labels = (ctx.t("compare.rnn.play"), ctx.t("compare.rnn.row"), ctx.t("compare.rnn.p_digit"))
    ctx.chart(vc.row_scan_animation(ctx.img.input28, rows.step_probs, labels), "scan")
    pts = rx.project_states(rows.hidden, "row_gru")
    basis = rx.projection("row_gru")
    bg, bgl = basis["bg_points"], basis["bg_labels"]
    legend = (ctx.t("compare.rnn.bg"), ctx.t("compare.rnn.path"), "PC")
    ctx.chart(vc.trajectory_2d(pts, bg, bgl, legend, ctx.t("compare.rnn.trajectory")), "path")


def digit_attributions(ctx: Ctx) -> None:
    img = ctx.img
    x = img.input28
    st.markdown(f"**{ctx.t('compare.iattr.heading', d=img.label)}**")
    st.caption(ctx.t("compare.iattr.caption"))
    ig_cnn = cache.image_attributions(x, img.label, ("integrated_gradients",))
    ig_rnn = cache.row_attributions(x, img.label)
    fig = vc.image_pair(ig_cnn["integrated_gradients"], ig_rnn, names(ctx, "image"), diverging=True)
    ctx.chart(fig, "ig")


def translation(ctx: Ctx) -> None:
    x = ctx.img.input28
    st.caption(ctx.t("compare.shift.caption"))
    c1, c2 = st.columns(2)
    dx = int(c1.slider(ctx.t("compare.shift.dx"), -6, 6, 3, key=ctx.key("dx")))
    dy = int(c2.slider(ctx.t("compare.shift.dy"), -6, 6, 0, key=ctx.key("dy")))
    cnn_name, rnn_name = names(ctx, "image")
    live = cache.shifted_predictions(x, dy, dx)
    left, right = st.columns(2)
    for col, name, before, after, p in (
        (left, cnn_name, ctx.img.label, live.cnn_label, live.cnn_probs),
        (right, rnn_name, ctx.rows.label, live.rnn_label, live.rnn_probs),
    ):
        col.metric(
            name,
            ctx.t("compare.shift.preds", a=before, b=after),
            ctx.t("compare.confidence", p=float(p[after])),
            delta_color="off",
            delta_arrow="off",
        )
    models = [("image_cnn", cnn_name, style.CNN), ("row_gru", rnn_name, style.RNN)]
    common.shift_accuracy(ctx, models, dx, dy)
    st.markdown(f"**{ctx.t('compare.shift.eq_heading')}**")
    eq = cache.conv_equivariance(x, dy, dx)
    ch = int(np.argmax(eq.maps.reshape(len(eq.maps), -1).max(1)))
    titles = (ctx.t("compare.shift.map", ch=ch), ctx.t("compare.shift.map_moved", ch=ch))
    ctx.chart(vc.image_pair(eq.maps[ch], eq.maps_shifted[ch], titles), "maps")
    st.caption(ctx.t("compare.shift.eq", diff=f"{eq.max_abs_diff:.1e}", n=f"{eq.compared:,}"))
    show_table("cnn_features", ctx.lang, highlight_row="translation_invariance", views=False)


# ----------------------------------------------------------------------------- claims


def claims(ctx: Ctx) -> None:
    """The documents' claims (speed, long text, resources…) are tested in the claims lab: a
    compact list of their current verdicts, each linking to its section."""
    from ui import lab_cache
    from ui.views.lab import CLAIMS

    st.caption(ctx.t("compare.claims.caption"))
    verdicts = lab_cache.verdicts()
    rows = []
    for claim, view in CLAIMS:
        title = ctx.t(f"lab.view.{view.removeprefix('lab.')}")
        rows.append({
            ctx.t("lab.col.claim"): ctx.t(f"lab.claim.{claim}"),
            ctx.t("lab.col.verdict"): ctx.t(f"lab.verdict.{verdicts[claim].verdict}"),
            ctx.t("lab.col.section"): f"[{title}](lab?view={view}&lang={ctx.lang})",
        })  # fmt: skip
    st.table(rows, hide_index=True)
    st.caption(ctx.t("lab.summary.scope"))


TEXT_VIEWS = register(
    View("compare.text", "compare.view.text", text_predictions),
    View("compare.ngrams", "compare.view.ngrams", ngrams),
    View("compare.gru", "compare.view.gru", gru),
    View("compare.attr_text", "compare.view.attr_text", text_attributions, heavy=True),
    View("compare.contrast", "compare.view.contrast", contrast, heavy=True),
)
IMAGE_VIEWS = register(
    View("compare.image", "compare.view.image", digit_predictions),
    View("compare.cnn_maps", "compare.view.cnn_maps", cnn_maps),
    View("compare.row_scan", "compare.view.row_scan", row_scan),
    View("compare.attr_image", "compare.view.attr_image", digit_attributions, heavy=True),
    View("compare.translation", "compare.view.translation", translation),
)
CLAIM_VIEWS = register(View("compare.claims", "compare.view.claims", claims))
IMAGE_IDS = frozenset(v.id for v in IMAGE_VIEWS)  # a link to one of them opens the digit mode
