"""CNN × RNN Explorer: entry point. Page config, sidebar (language, about) and navigation.

Run with ``streamlit run app.py``. No tensor maths here: pages call ``nets`` through ``ui``.
"""

from __future__ import annotations

import streamlit as st

from ui.i18n import LANG_KEY, LANGS, current_lang, set_lang, t
from ui.nav import HOME, existing_pages
from ui.warmup import start as start_warmup

LANG_NAMES = {"zh": "中文", "en": "English"}
_REMEMBERED = "_app_lang"  # session copy of the language, restored if a page switch drops it
_SWITCH = "_app_lang_switch"  # widget key of the language switch

st.set_page_config(
    page_title="CNN × RNN Explorer",
    page_icon="🧠",  # an emoji favicon is drawn locally; a Material one is fetched from Google
    layout="wide",
    initial_sidebar_state="auto",
)


def _sync_lang() -> str:
    """The current language, always written to the URL so a copied link keeps it."""
    if st.query_params.get(LANG_KEY) not in LANGS:
        set_lang(st.session_state.get(_REMEMBERED) or current_lang())
    lang = current_lang()
    st.session_state[_REMEMBERED] = lang
    return lang


def _on_switch() -> None:
    lang = st.session_state.get(_SWITCH)
    if lang in LANGS:
        set_lang(lang)
        st.session_state[_REMEMBERED] = lang


lang = _sync_lang()

pages = [
    st.Page(
        HOME.path, title=t(HOME.title_key), icon=HOME.icon, url_path=HOME.url_path, default=True
    )
]
pages += [
    st.Page(p.path, title=t(p.title_key), icon=p.icon, url_path=p.url_path)
    for p in existing_pages()
]
page = st.navigation(pages, position="sidebar")

with st.sidebar:
    st.session_state[_SWITCH] = lang  # follow the URL (a shared link, a page link, back button)
    st.segmented_control(
        t("app.lang_label"),
        options=LANGS,
        format_func=LANG_NAMES.__getitem__,
        key=_SWITCH,
        required=True,
        on_change=_on_switch,
    )
    with st.expander(t("app.about"), icon=":material/info:"):
        st.markdown(t("app.about.body"))

page.run()
start_warmup()  # load torch and the models in the background, once, after the first page
