"""Time-series page: the documents' first RNN scenario (时序预测任务), with honest baselines.

Input (series, forecast origin, horizon; kept in the URL), then the views of
``ui/views/series.py``: only the opened one computes and draws (``ui.view.render``).
"""

from __future__ import annotations

import logging

import streamlit as st

from ui.i18n import current_lang, t
from ui.shell import require_shell
from ui.view import Ctx, render
from ui.views import series as views

log = logging.getLogger(__name__)
require_shell()  # a direct link on a fresh server: rerun inside app.py (ui/shell.py)
lang = current_lang()

st.title(t("series.title"))
st.caption(t("series.intro"))
with st.expander(t("series.docs"), icon=":material/menu_book:"):
    st.markdown(t("series.docs.body"))

try:
    values = views.controls(lang)
except Exception:
    log.exception("series controls failed")
    st.error(t("view.error"), icon=":material/error:")
    st.stop()

render(views.VIEWS, Ctx(lang, "series", values), default=views.DEFAULT)
