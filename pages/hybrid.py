"""CNN + RNN page: a CRNN reads a handwritten number; a per-frame CNN → GRU tells which way a
digit moves.

Two parts (``?part=ocr`` / ``?part=motion``), each an input block and the views of
``ui/views/hybrid.py``: only the opened view computes and draws (``ui.view.render``).
"""

from __future__ import annotations

import logging

import streamlit as st

from nets import InputError
from ui import hybrid_cache as cache
from ui import hybrid_input as inputs
from ui.guard import guarded
from ui.i18n import current_lang, t
from ui.shell import require_shell
from ui.view import Ctx, render
from ui.views import hybrid as views

log = logging.getLogger(__name__)
require_shell()  # a direct link on a fresh server: rerun inside app.py (ui/shell.py)
lang = current_lang()
LAST = "_hybrid.last"  # the last input that was read, kept when a new one is rejected

st.title(t("hybrid.title"))
st.caption(t("hybrid.intro"))
part = inputs.part_picker(lang)


def read_number(choice):
    """The CRNN's analysis of the chosen input; a rejected input shows its message and the
    previous number stays (with a note)."""
    if choice is None:
        return None, None
    kind, payload = choice
    if kind == "empty":
        st.info(t("hybrid.input.empty"), icon=":material/draw:")
        return None, None
    key = payload if kind != "sample" else int(payload)
    try:
        a = cache.strip_analysis(key, "crnn")
        st.session_state[LAST] = key
        return a, key
    except InputError as err:
        st.error(err.message(lang), icon=":material/error:")
    prev = st.session_state.get(LAST)
    if prev is None:
        return None, None
    st.caption(t("hybrid.kept_previous"))
    return cache.strip_analysis(prev, "crnn"), prev


if part == "ocr":
    with st.expander(t("hybrid.source.title"), icon=":material/format_quote:"):
        st.markdown(t("hybrid.source.ocr"))
        st.caption(t("hybrid.source.ocr_note"))
    choice = None
    with guarded("input", "view.error", log, input_as="error"):
        choice = inputs.strip_input(lang)
    a, payload = read_number(choice)
    if a is None:
        st.stop()
    if a.text:
        st.success(t("hybrid.reads", number=a.text), icon=":material/visibility:")
    else:
        st.warning(t("hybrid.reads_nothing"), icon=":material/visibility_off:")
    values = {"a": a, "payload": payload}
    values["col"] = views.column_control(a, lang)
    render(views.OCR_VIEWS, Ctx(lang, "hybrid", values), default=views.DEFAULT["ocr"])
else:
    with st.expander(t("hybrid.source.title"), icon=":material/format_quote:"):
        st.markdown(t("hybrid.source.motion"))
        st.caption(t("hybrid.source.motion_note"))
    direction, digit = inputs.clip_input(lang)
    if digit is None:
        st.info(t("hybrid.motion.empty"), icon=":material/draw:")
        st.stop()
    if not isinstance(digit, int):
        try:
            digit = cache.drawn_digit(digit)
        except InputError as err:
            st.error(err.message(lang), icon=":material/error:")
            st.stop()
    c = cache.clip_analysis(digit, direction, "gru")
    msg = t("hybrid.motion.reads", dir=t(f"hybrid.dir.{c.direction}"), p=f"{c.probs.max():.1%}")
    if c.direction == direction:
        st.success(msg, icon=":material/check:")
    else:
        st.warning(msg + " " + t("hybrid.motion.wrong", dir=t(f"hybrid.dir.{direction}")))
    values = {"c": c, "digit": digit, "direction": direction}
    render(views.MOTION_VIEWS, Ctx(lang, "hybrid", values), default=views.DEFAULT["motion"])
