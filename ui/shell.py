"""Make every page run inside ``app.py``'s shell (navigation, language switch, page config).

Streamlit 1.67 starts a server in "pages folder" mode when a ``pages/`` directory sits beside the
entry script, and leaves that mode only once some session has run ``st.navigation``. Until then
a session that opens a page's URL directly (a shared link such as ``/rnn?text=…``, or any
student's first request to a freshly started or classroom worker) runs ``pages/<page>.py``
alone: file names as navigation, no language switch. :func:`require_shell`, called first by
each page, switches the process to ``st.navigation`` mode and reruns, so ``app.py`` runs and
opens the same page inside the shell.
"""

from __future__ import annotations

import streamlit as st


def require_shell() -> None:
    """Rerun through ``app.py`` if Streamlit ran this page on its own (pages-folder mode)."""
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False  # what st.navigation itself sets
        st.rerun()
