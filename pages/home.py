"""Home: what the app is, how to use it, links to the pages, the model card, the source tables."""

from __future__ import annotations

import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from ui.i18n import LANG_KEY, current_lang, t
from ui.model_card import baseline_reading, missing_models, model_card_rows
from ui.nav import existing_pages
from ui.shell import require_shell
from ui.tables import show_all_tables

require_shell()  # a direct link on a fresh server: rerun inside app.py (ui/shell.py)
lang = current_lang()

st.title(t("app.title"))
st.caption(t("home.subtitle"))
st.markdown(t("home.intro"))

st.subheader(t("home.howto"))
st.markdown(t("home.howto.body"))

st.subheader(t("home.pages"))
pages = existing_pages()
if not pages:
    st.info(t("home.pages.none"), icon=":material/construction:")
for spec in pages:
    try:
        st.page_link(
            spec.path, label=t(spec.title_key), icon=spec.icon, query_params={LANG_KEY: lang}
        )
    except StreamlitPageNotFoundError:  # this page run on its own, outside app.py's navigation
        st.markdown(f"**{t(spec.title_key)}**")
    st.caption(t(spec.desc_key))

st.subheader(t("home.card"))
st.table(model_card_rows(lang), hide_index=True)
st.caption(t("home.card.caption"))
reading = baseline_reading(lang)
if reading:
    st.markdown(reading)
st.caption(t("home.card.data"))
for name in missing_models():
    st.info(
        t("home.card.missing", model=t(f"card.model.{name}"), name=name), icon=":material/info:"
    )

st.subheader(t("home.tables"))
st.caption(t("home.tables.caption"))
show_all_tables(lang)
