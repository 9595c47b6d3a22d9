"""Claims lab: every claim of the two source documents tested under fair conditions.

No input block: the sections read the numbers of ``python -m nets.train lab``
(``assets/metrics/lab/``) and their verdicts (``ui/lab_cache.py``); the race, the typed pair
and the timing probe run live inside their views (``ui/views/lab.py``).
"""

from __future__ import annotations

import streamlit as st

from ui import lab_cache
from ui.i18n import current_lang, t
from ui.shell import require_shell
from ui.view import Ctx, render
from ui.views import lab as views

require_shell()  # a direct link on a fresh server: rerun inside app.py (ui/shell.py)
lang = current_lang()

st.title(t("lab.title"))
st.caption(t("lab.intro"))
values = {"res": lab_cache.results(), "verdicts": lab_cache.verdicts()}
render(views.VIEWS, Ctx(lang, "lab", values), default=views.DEFAULT)
