"""CNN × RNN Explorer's models, analysis and measurements. Never imports Streamlit.

Public API::

    from nets import analyze_image, analyze_text, InputError
"""

from .analyze import (
    ImageAnalysis,
    NgramHit,
    RowAnalysis,
    TextAnalysis,
    TextCNNAnalysis,
    analyze_image,
    analyze_rows,
    analyze_text,
    analyze_text_cnn,
    encode,
    trace_image28,
)
from .errors import InputError
from .registry import load_model, load_vocab

__all__ = [
    "ImageAnalysis",
    "InputError",
    "NgramHit",
    "RowAnalysis",
    "TextAnalysis",
    "TextCNNAnalysis",
    "analyze_image",
    "analyze_rows",
    "analyze_text",
    "analyze_text_cnn",
    "encode",
    "load_model",
    "load_vocab",
    "trace_image28",
]
