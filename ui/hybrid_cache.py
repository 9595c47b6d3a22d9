"""Bounded caches for the CNN + RNN page, keyed by plain values (ints, strings, bytes, arrays).

A strip's input is a sample index (``int``), upload bytes or a drawn array; a clip's digit is a
sample index or a drawn (28, 28) array. One ``StripAnalysis`` of an 8-digit strip pickles to
≈ 0.5 MB (mostly the first layer's feature maps), so the strip cache is also bounded in bytes.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from nets import hybrid as H
from nets import strips as S

STRIP_CACHE_SIZE = "64MB"


def _strip_data(payload):
    return H.sample_strip(payload) if isinstance(payload, int) else payload


@st.cache_data(max_entries=64, max_size=STRIP_CACHE_SIZE, show_spinner=False)
def prepared_strip(payload) -> S.StripInput:
    """The prepared strip of a sample index, upload bytes or a drawn array."""
    return S.prepare_strip(_strip_data(payload))


@st.cache_data(max_entries=96, max_size=STRIP_CACHE_SIZE, show_spinner=False)
def strip_analysis(payload, kind: str = "crnn") -> H.StripAnalysis:
    """``nets.hybrid.analyze_strip`` (the three models share one preparation)."""
    return H.analyze_prepared(prepared_strip(payload), kind)


@st.cache_data(max_entries=64, show_spinner=False)
def drawn_digit(arr: np.ndarray) -> np.ndarray:
    """A drawn digit → (28, 28) as MNIST draws it."""
    return S.prepare_digit(arr)


@st.cache_data(max_entries=128, max_size="32MB", show_spinner=False)
def clip_analysis(digit, direction: str, kind: str = "gru") -> H.ClipAnalysis:
    """The clip of ``digit`` (a sample index or a (28, 28) array) moving in ``direction``."""
    d28 = H.sample_digit(digit) if isinstance(digit, int) else digit
    return H.analyze_clip(H.make_clip(d28, direction), kind)
