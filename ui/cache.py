"""App-side caching wrappers around ``nets`` (the only place Streamlit caching meets the models).

Models: loaded once per process by ``nets.registry`` (lru_cache) and warmed in the background by
``ui.warmup`` after the first page. Results: bounded ``st.cache_data`` keyed by plain values
(bytes, str, ints), so a rerun with the same input costs a hash and a copy, never a model pass.
``InputError`` is not cached; it is raised again on each call, which is cheap.

Memory: ``st.cache_data`` keeps every entry pickled (and unpickles a copy on each hit). An
``ImageAnalysis`` pickles to 2.3 MB (a digit PNG) to 5.5 MB (a 1600×1200 photo), 80 % of it the
full-resolution feature maps, so 64 entries could hold 150–350 MB per image function; the two
image functions are therefore also bounded in bytes (``max_size``, least recently used out
first). Text results are 7–28 KB for a short sentence but ≈ 210 KB at the 200-token cap, so
the text functions get a byte bound too. ``tests/test_cache_memory.py`` measures these sizes.
"""

from __future__ import annotations

import numpy as np
import plotly.io as pio
import streamlit as st

import nets
from nets import attribution, shift

# st.plotly_chart serialises every figure with plotly.io.to_json, whose "auto" engine is orjson when
# installed. orjson (3.8.3 here; ijl/orjson#422) keeps a reference to a numpy array it cannot
# serialise (strings or objects, e.g. customdata mixing tokens and numbers) when it raises, and
# plotly then retries with a cleaned copy: ≈ 1.3 KB leaked per such figure per rerun, forever.
# The standard-library engine gives the same JSON without the leak and no measurable cost here
# (tests/test_cache_memory.py; README, Performance). Process-wide: every page imports this module.
pio.json.config.default_engine = "json"


IMAGE_CACHE_SIZE = "64MB"  # per image function: ≈ 9 canvas drawings, 12 photos or 27 digit PNGs
TEXT_CACHE_SIZE = "16MB"  # per text function: 128 short sentences, ≈ 75 at the token cap


@st.cache_data(max_entries=64, max_size=IMAGE_CACHE_SIZE, show_spinner=False)
def image_analysis(data: bytes) -> nets.ImageAnalysis:
    """``nets.analyze_image`` on uploaded bytes."""
    return nets.analyze_image(data)


@st.cache_data(max_entries=64, max_size=IMAGE_CACHE_SIZE, show_spinner=False)
def array_analysis(arr: np.ndarray) -> nets.ImageAnalysis:
    """``nets.analyze_image`` on an array (a canvas drawing or a gallery sample)."""
    return nets.analyze_image(arr)


@st.cache_data(max_entries=64, show_spinner=False)
def row_analysis(input28: np.ndarray) -> nets.RowAnalysis:
    return nets.analyze_rows(input28)


@st.cache_data(max_entries=32, show_spinner=False)
def image_attributions(input28: np.ndarray, target: int, methods: tuple[str, ...]):
    return attribution.image_attributions(input28, target, methods)


@st.cache_data(max_entries=32, show_spinner=False)
def row_attributions(input28: np.ndarray, target: int) -> np.ndarray:
    return attribution.row_gru_attributions(input28, target)


@st.cache_data(max_entries=128, max_size=TEXT_CACHE_SIZE, show_spinner=False)
def text_analysis(text: str) -> nets.TextAnalysis:
    return nets.analyze_text(text)


@st.cache_data(max_entries=128, max_size=TEXT_CACHE_SIZE, show_spinner=False)
def text_cnn_analysis(text: str) -> nets.TextCNNAnalysis:
    return nets.analyze_text_cnn(text)


@st.cache_data(max_entries=64, show_spinner=False)
def text_attributions(text: str, model_name: str = "text_gru") -> np.ndarray:
    """Attributions of logit₊ − logit₋ (``nets.attribution.text_attributions``)."""
    return attribution.text_attributions(text, model_name)


@st.cache_data(max_entries=64, show_spinner=False)
def memory_curves(text: str) -> attribution.MemoryCurves:
    """Both memory curves (‖∂h_T/∂x_t‖ and ‖∂(logit₊ − logit₋)/∂x_t‖) of the attention GRU."""
    return attribution.memory_curves(text)


@st.cache_data(max_entries=64, show_spinner=False)
def conv_equivariance(
    input28: np.ndarray, dy: int, dx: int, layer: str = "relu1"
) -> shift.Equivariance:
    """A conv layer of the shifted digit against the shifted layer (``shift.conv_equivariance``)."""
    return shift.conv_equivariance(input28, dy, dx, layer)


@st.cache_data(max_entries=64, show_spinner=False)
def shifted_predictions(input28: np.ndarray, dy: int, dx: int) -> shift.ShiftedPrediction:
    """Both digit models on the digit moved by (dy, dx) (``shift.shifted_predictions``)."""
    return shift.shifted_predictions(input28, dy, dx)


@st.cache_resource(show_spinner=False)
def shift_accuracy() -> shift.ShiftAccuracy | None:
    """The shipped held-out accuracy under shifts (read once per process)."""
    return shift.load_shift_accuracy()
