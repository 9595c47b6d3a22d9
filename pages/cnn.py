"""CNN page: one image through the convolutional network, layer by layer.

Input (upload, drawing or sample), the prediction and what the network sees, then the views of
``ui/views/cnn.py``: only the opened one computes and draws (``ui.view.render``).
"""

from __future__ import annotations

import logging

import streamlit as st

from nets import InputError, cnn_explain
from ui import cache
from ui.guard import guarded
from ui.i18n import current_lang, t
from ui.image_input import image_input
from ui.shell import require_shell
from ui.view import Ctx, chart, render
from ui.views import cnn as views
from viz import cnn as vz

log = logging.getLogger(__name__)
require_shell()  # a direct link on a fresh server: rerun inside app.py (ui/shell.py)
lang = current_lang()
LAST = "_cnn.last"  # the last analysis that worked, kept when an upload is rejected
SURE = 0.9  # below this top probability the page says the CNN is not sure


def analyse(choice):
    """Analyse the chosen input; on rejection show the message and keep the previous result."""
    if choice is not None:
        kind, payload = choice
        try:
            a = cache.image_analysis(payload) if kind == "bytes" else cache.array_analysis(payload)
            st.session_state[LAST] = a
            return a
        except InputError as err:
            st.error(err.message(lang), icon=":material/error:")
    prev = st.session_state.get(LAST)
    if prev is not None:
        st.caption(t("cnn.kept_previous"))
    return prev


st.title(t("cnn.title"))
st.caption(t("cnn.subtitle"))
col_in, col_out = st.columns([1, 1.3], gap="medium")
with col_in:
    st.subheader(t("cnn.input.header"))
    choice = None
    with guarded("input", "view.error", log, input_as="error"):
        choice = image_input("cnn")
    a = analyse(choice)
if a is None:
    col_out.info(t("cnn.none"), icon=":material/upload:")
    st.stop()

with col_out, guarded("prediction", "view.error", log):
    st.subheader(t("cnn.pred.header"))
    p = f"{a.confidence:.1%}"
    if a.empty:
        st.warning(t("cnn.pred.empty"), icon=":material/draw:")
    elif a.ood_score > 1:
        st.warning(t("cnn.pred.far", ood=f"{a.ood_score:.2f}"))
    elif a.unlike_training:  # the top probability is low
        st.warning(t("cnn.pred.low", p=p))
    elif a.confidence < SURE:
        st.info(t("cnn.pred.unsure", label=a.label, p=p))
    else:
        st.success(t("cnn.pred.confident", label=a.label, p=p))
    chart(vz.probs_fig(a.probs, t("cnn.pred.bars"), muted=a.unlike_training), "cnn.probs")

with guarded("preprocessing", "view.error", log):
    st.subheader(t("cnn.pre.header"))
    st.caption(t("cnn.pre.caption"))
    names = {
        "original": t("cnn.pre.original"),
        "gray": t("cnn.pre.gray"),
        "ink": t("cnn.pre.inverted" if a.pre.inverted else "cnn.pre.not_inverted"),
        "input28": t("cnn.pre.input28"),
    }
    st.image(cnn_explain.preprocessing_strip(a.pre))
    st.caption(" → ".join(names[k] for k, _ in cnn_explain.preprocessing_steps(a.pre)))

render(views.VIEWS, Ctx(lang, "cnn", {"a": a}), default=views.DEFAULT)
