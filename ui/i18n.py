"""UI strings in both languages and the current language.

Strings live in ``assets/i18n/*.json`` as ``{"key": {"zh": "...", "en": "..."}}``; one file per
area (common, cnn, rnn, compare, …) so pages do not edit the same file. Keys are unique across
files.
"""

from __future__ import annotations

import json
from functools import lru_cache

import streamlit as st

from nets.paths import ASSETS

LANGS = ("zh", "en")
LANG_KEY = "lang"  # query-string key, so a shared link opens in the same language


@lru_cache(maxsize=1)
def strings() -> dict[str, dict[str, str]]:
    """All UI strings, merged from ``assets/i18n/*.json``."""
    merged: dict[str, dict[str, str]] = {}
    for path in sorted((ASSETS / "i18n").glob("*.json")):
        for key, val in json.loads(path.read_text(encoding="utf-8")).items():
            if key in merged:
                raise KeyError(f"UI string {key!r} defined twice ({path.name})")
            merged[key] = val
    return merged


def t(key: str, lang: str | None = None, **fmt) -> str:
    """The string ``key`` in ``lang`` (default: the current language), formatted with ``fmt``."""
    entry = strings()[key]
    text = entry[lang or current_lang()]
    return text.format(**fmt) if fmt else text


def default_lang() -> str:
    """The browser's language if it is Chinese, else English."""
    try:
        locale = st.context.locale or ""
    except Exception:  # outside a running app (bare script, some test harnesses)
        locale = ""
    return "zh" if locale.lower().startswith("zh") else "en"


def current_lang() -> str:
    """The language in the query string, else the browser's."""
    lang = st.query_params.get(LANG_KEY)
    return lang if lang in LANGS else default_lang()


def set_lang(lang: str) -> None:
    """Switch language; kept in the query string."""
    if lang in LANGS:
        st.query_params[LANG_KEY] = lang
