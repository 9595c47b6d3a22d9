"""Cached wrappers for the side-by-side page (bounded st.cache_data)."""

from __future__ import annotations

import streamlit as st

from nets import contrast


@st.cache_data(max_entries=4, show_spinner=False)
def contrast_results() -> list[dict]:
    """Both text models on every minimal-pair sentence (assets/minimal_pairs.json, the set the
    claims lab uses), computed live in one batch, with the expected label and ✓/✗ per model
    (``contrast.contrast_results``)."""
    return contrast.contrast_results()
