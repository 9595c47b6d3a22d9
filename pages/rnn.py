"""RNN page: a sentence flowing through the attention GRU, token by token.

Input (sentence, optional comparison, the selected step), then the views of ``ui/views/rnn.py``:
only the opened one computes and draws (``ui.view.render``).
"""

from __future__ import annotations

import logging

import streamlit as st

import nets
from ui import family_cache
from ui.family_input import accuracy_caption, available, member_input
from ui.i18n import current_lang, t
from ui.shell import require_shell
from ui.text_input import text_input
from ui.view import Ctx, render
from ui.views import rnn as views
from viz import rnn as vr

log = logging.getLogger(__name__)
require_shell()  # a direct link on a fresh server: rerun inside app.py (ui/shell.py)
lang = current_lang()


def badge(label: str) -> str:
    return vr.verdict_badge(label, t(f"rnn.label.{label}"))


st.title(t("rnn.title"))
st.caption(t("rnn.intro"))
text, text2 = text_input("rnn")
model = member_input("rnn", lang)
st.caption(t(f"family.about.{model.removeprefix('text_').removesuffix('_word')}"))
if model.endswith("_word"):
    st.caption(t("family.about.word"))
if not available(model):
    st.warning(t("family.missing", name=model), icon=":material/warning:")
    st.stop()
st.caption(accuracy_caption(model, lang) or "")
st.caption(t("rnn.input.share"))

if not text.strip():
    st.info(t("rnn.empty"), icon=":material/edit:")
    st.stop()
steps = family_cache.steps(text)
if steps is not None:
    st.caption(t("family.steps", char=steps["char"], word=steps["word"]))
try:
    a = family_cache.analysis(text, model)
except nets.InputError as exc:
    st.error(exc.message(lang), icon=":material/block:")
    st.stop()
except Exception:
    log.exception("analyze_text failed")
    st.error(t("view.error"), icon=":material/error:")
    st.stop()

b = None
if text2:
    try:
        b = family_cache.analysis(text2, model)
    except nets.InputError as exc:
        st.warning(t("rnn.error.compare", msg=exc.message(lang)))

st.markdown(t("rnn.verdict", badge=badge(a.label), p=f"{a.prob_positive:.3f}"))
if b is not None:
    st.markdown(t("rnn.verdict.compare", badge=badge(b.label), p=f"{b.prob_positive:.3f}"))
if a.truncated:
    st.warning(t("rnn.truncated", n=len(a.tokens)), icon=":material/content_cut:")

values = views.context(a, b, text)
values["step"] = views.step_control(values, lang)
render(views.VIEWS, Ctx(lang, "rnn", values), default=views.DEFAULT)
