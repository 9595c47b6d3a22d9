"""Cached wrappers around ``nets.cnn_explain`` for the CNN page (bounded, keyed by plain values)."""

from __future__ import annotations

import numpy as np
import streamlit as st

from nets import cnn_explain, shift


@st.cache_resource(show_spinner=False)
def architecture() -> list[cnn_explain.Block]:
    return cnn_explain.architecture()


@st.cache_resource(show_spinner=False)
def kernels(layer: str) -> tuple[np.ndarray, np.ndarray]:
    return cnn_explain.kernels(layer)


@st.cache_data(max_entries=64, show_spinner=False)
def gradient_support(layer: str, channel: int, y: int, x: int) -> np.ndarray:
    return cnn_explain.gradient_support(layer, channel, y, x)


@st.cache_data(max_entries=64, show_spinner=False)
def unit_gradient(layer: str, channel: int, y: int, x: int, input28: np.ndarray) -> np.ndarray:
    return cnn_explain.unit_gradient(layer, channel, y, x, input28)


@st.cache_data(max_entries=64, show_spinner=False)
def shift_curve(input28: np.ndarray, dy: int) -> np.ndarray:
    return shift.shift_curve(input28, dy)


@st.cache_resource(show_spinner=False)
def parameter_sharing(layer: str) -> cnn_explain.Sharing:
    return cnn_explain.parameter_sharing(layer)
