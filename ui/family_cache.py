"""Bounded caches for the RNN family on the RNN page (keyed by the sentence and the member's
checkpoint name, plain strings), like ``ui/cache.py``'s text functions."""

from __future__ import annotations

import numpy as np
import streamlit as st

import nets
from nets import attribution
from ui.cache import TEXT_CACHE_SIZE


@st.cache_data(max_entries=128, max_size=TEXT_CACHE_SIZE, show_spinner=False)
def analysis(text: str, model: str) -> nets.TextAnalysis:
    """``nets.analyze_text(text, model)`` for any family member."""
    return nets.analyze_text(text, model)


@st.cache_data(max_entries=64, show_spinner=False)
def attributions(text: str, model: str) -> np.ndarray:
    """Integrated Gradients of logit₊ − logit₋ per token (``nets.attribution``)."""
    return attribution.text_attributions(text, model)


@st.cache_data(max_entries=64, show_spinner=False)
def memory(text: str, model: str) -> attribution.MemoryCurves:
    """The memory curves of ``model`` on ``text`` (``nets.attribution.memory_curves``)."""
    return attribution.memory_curves(text, model)


@st.cache_data(max_entries=128, show_spinner=False)
def steps(text: str) -> dict[str, int] | None:
    """How many steps the sentence takes read by characters and by words (None if unreadable)."""
    try:
        return {
            "char": len(nets.encode(text, "text_gru").tokens),
            "word": len(nets.encode(text, "text_gru_word").tokens),
        }
    except nets.InputError:
        return None
