"""Cached wrappers around ``nets.evidence`` for the side-by-side page (bounded st.cache_data)."""

from __future__ import annotations

import numpy as np
import streamlit as st

from nets import contrast, evidence


@st.cache_data(max_entries=64, show_spinner=False)
def text_costs(text: str) -> tuple[evidence.Cost, evidence.Cost]:
    """(TextCNN, GRU) parameters, MACs and activation memory on this sentence."""
    return tuple(evidence.measure_cost(n, text) for n in evidence.TEXT_PAIR)


@st.cache_data(max_entries=64, show_spinner=False)
def image_costs(input28: np.ndarray) -> tuple[evidence.Cost, evidence.Cost]:
    """(image CNN, row GRU) costs on this digit."""
    return tuple(evidence.measure_cost(n, input28) for n in evidence.IMAGE_PAIR)


@st.cache_data(max_entries=32, show_spinner=False)
def timings(kind: str, payload) -> tuple[evidence.Timing, evidence.Timing]:
    """Live (CNN, RNN) forward and forward+backward times on this input, measured once per
    input. kind: "text" or "image"."""
    pair = evidence.TEXT_PAIR if kind == "text" else evidence.IMAGE_PAIR
    return tuple(evidence.time_model(n, payload, repeats=5) for n in pair)


@st.cache_data(max_entries=4, show_spinner=False)
def contrast_results() -> list[dict]:
    """Both text models on every contrast sentence, computed live, with the expected label
    and ✓/✗ per model (``contrast.contrast_results``)."""
    return contrast.contrast_results()
