"""Side by side: the same input (a sentence or a digit) through a CNN and an RNN.

Input (kind, then the shared sentence or image input), both models' verdicts, then the views of
``ui/views/compare.py``: only the opened one computes and draws (``ui.view.render``).
"""

from __future__ import annotations

import logging
from functools import partial

import streamlit as st

from nets import InputError
from ui import cache
from ui.callbacks import translated
from ui.i18n import current_lang, t
from ui.image_input import image_input
from ui.shell import require_shell
from ui.text_input import text_input
from ui.view import Ctx, render, wanted
from ui.views import compare as views

log = logging.getLogger(__name__)
require_shell()  # a direct link on a fresh server: rerun inside app.py (ui/shell.py)
lang = current_lang()
MODE = "compare.mode"
DEFAULT_TEXT = views.DEFAULT_TEXT  # "…，但是…": the page opens on a lesson


def header(title: str, color: str, label: str, p: float) -> None:
    """A model column's heading and its verdict with the confidence (P of the chosen class)."""
    st.markdown(f"#### :{color}[{title}]")
    st.metric(
        t("compare.prediction"),
        label,
        t("compare.confidence", p=p),
        delta_color="off",
        delta_arrow="off",
    )


st.title(t("compare.title"))
st.caption(t("compare.subtitle"))
asked = wanted([v.id for v in views.TEXT_VIEWS + views.IMAGE_VIEWS])
if asked and asked != st.session_state.get("_compare.view"):  # a link, not our own URL
    st.session_state[MODE] = "image" if asked in views.IMAGE_IDS else "text"
st.session_state.setdefault(MODE, "text")
mode = st.segmented_control(
    t("compare.mode"),
    options=("text", "image"),
    format_func=partial(translated, "compare.mode.", lang),
    key=MODE,
    required=True,
)
values = {"kind": mode}

if mode == "text":
    text, _ = text_input("compare", compare=False)
    if not text:  # an empty box: show a contrast sentence rather than nothing
        st.caption(t("compare.text.default", text=DEFAULT_TEXT))
        text = DEFAULT_TEXT
    try:
        gru, cnn = cache.text_analysis(text), cache.text_cnn_analysis(text)
    except InputError as exc:
        st.warning(exc.message(lang), icon=":material/edit_note:")
        st.stop()
    if gru.truncated:
        st.info(t("compare.text.truncated", n=len(gru.tokens)), icon=":material/content_cut:")
    left, right = st.columns(2, gap="medium")
    with left:
        p = max(cnn.prob_positive, 1 - cnn.prob_positive)
        header(t("compare.name.textcnn"), "blue", t(f"compare.class.{cnn.label}"), p)
    with right:
        p = max(gru.prob_positive, 1 - gru.prob_positive)
        header(t("compare.name.gru"), "orange", t(f"compare.class.{gru.label}"), p)
    values.update(text=text, gru=gru, cnn=cnn)
    page_views = views.TEXT_VIEWS + views.CLAIM_VIEWS
else:
    got = image_input("compare")
    if got is None:
        st.info(t("compare.image.none"), icon=":material/draw:")
        st.stop()
    kind, payload = got
    try:
        img = cache.image_analysis(payload) if kind == "bytes" else cache.array_analysis(payload)
    except InputError as exc:
        st.warning(exc.message(lang), icon=":material/image:")
        st.stop()
    if img.empty:
        st.warning(t("compare.image.empty"), icon=":material/image:")
        st.stop()
    rows = cache.row_analysis(img.input28)
    if img.ood_score > 1:
        st.caption(t("cnn.pred.far", ood=f"{img.ood_score:.2f}"))
    elif img.unlike_training:
        st.caption(t("cnn.pred.low", p=f"{img.confidence:.1%}"))
    left, right = st.columns(2, gap="medium")
    with left:
        header(t("compare.name.cnn"), "blue", str(img.label), img.confidence)
    with right:
        header(t("compare.name.rowgru"), "orange", str(rows.label), float(rows.probs[rows.label]))
    values.update(img=img, rows=rows)
    page_views = views.IMAGE_VIEWS + views.CLAIM_VIEWS

render(page_views, Ctx(lang, "compare", values), default=page_views[0].id)
