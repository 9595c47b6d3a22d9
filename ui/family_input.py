"""The RNN page's model selector: architecture (GRU · LSTM · BiGRU) and how Chinese is read
(字 characters / 词 words), kept in the URL as ``?model=<arch>&tok=<char|word>`` (left out when
they are the defaults, the GRU by characters), so a copied link opens the same member."""

from __future__ import annotations

from functools import partial

import streamlit as st

from nets.family import ARCHS, TOKENISATIONS, member_name
from nets.metrics import read_metrics
from nets.paths import MODELS
from ui.callbacks import translated
from ui.i18n import t
from ui.model_card import fmt_int, fmt_pct

ARCH_QUERY, TOK_QUERY = "model", "tok"
DEFAULTS = {ARCH_QUERY: ARCHS[0], TOK_QUERY: TOKENISATIONS[0]}


def _init(key: str, query: str, options: tuple[str, ...]) -> None:
    """Fill a selector from the URL (a shared link) unless the session already chose."""
    if key not in st.session_state:
        q = st.query_params.get(query)
        st.session_state[key] = q if q in options else DEFAULTS[query]


def _sync(query: str, value: str) -> None:
    if value == DEFAULTS[query]:
        if query in st.query_params:
            del st.query_params[query]
    elif st.query_params.get(query) != value:
        st.query_params[query] = value


def member_input(prefix: str, lang: str) -> str:
    """Show the two selectors and return the chosen member's checkpoint name."""
    choices = {}
    cols = st.columns([5, 2])
    for col, query, options, label in (
        (cols[0], ARCH_QUERY, ARCHS, "family.arch"),
        (cols[1], TOK_QUERY, TOKENISATIONS, "family.tok"),
    ):
        key = f"{prefix}.{query}"
        _init(key, query, options)
        with col:
            value = st.segmented_control(
                t(f"{label}.label"),
                options=options,
                format_func=partial(translated, f"{label}.", lang),
                required=True,
                key=key,
            )
        choices[query] = value if value in options else DEFAULTS[query]
        _sync(query, choices[query])
    return member_name(choices[ARCH_QUERY], choices[TOK_QUERY])


def available(name: str) -> bool:
    """Whether the member's weights are shipped (``assets/models/<name>.pt``)."""
    return (MODELS / f"{name}.pt").is_file()


def accuracy_caption(name: str, lang: str) -> str | None:
    """The member's held-out accuracy from its metrics file (None when there is none)."""
    m = read_metrics(name)
    if m is None:
        return None
    by = m.get("test_accuracy_by_language") or {}
    return t(
        "family.acc",
        lang,
        name=t(f"family.name.{name}", lang),
        all=fmt_pct(m.get("test_accuracy")),
        zh=fmt_pct(by.get("zh")),
        en=fmt_pct(by.get("en")),
        params=fmt_int(m.get("params")),
    )
