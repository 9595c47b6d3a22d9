"""CNN × RNN Explorer's models, analysis and measurements. Never imports Streamlit.

Public API::

    from nets import analyze_image, analyze_text, InputError

The names are resolved lazily (PEP 562): importing a light submodule such as ``nets.paths``
or ``nets.doc_tables`` (the home page does) does not import torch, which takes seconds on a
busy 2-core server; the first access to a model-related name imports ``nets.analyze``.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING

_WHERE = {
    "ImageAnalysis": "analyze",
    "NgramHit": "analyze",
    "RowAnalysis": "analyze",
    "TextAnalysis": "analyze",
    "TextCNNAnalysis": "analyze",
    "analyze_image": "analyze",
    "analyze_rows": "analyze",
    "analyze_text": "analyze",
    "analyze_text_cnn": "analyze",
    "encode": "analyze",
    "trace_image28": "analyze",
    "InputError": "errors",
    "ClipAnalysis": "hybrid",
    "StripAnalysis": "hybrid",
    "analyze_clip": "hybrid",
    "analyze_strip": "hybrid",
    "make_clip": "hybrid",
    "SeriesAnalysis": "series",
    "analyze_series": "series",
    "series_gradients": "series",
    "MEMBERS": "family",
    "MemoryCurves": "attribution",
    "member_name": "family",
    "memory_curves": "attribution",
    "load_model": "registry",
    "load_vocab": "registry",
}

__all__ = sorted(_WHERE)

if TYPE_CHECKING:  # for type checkers and IDEs; at run time names load on first use
    from .analyze import (  # noqa: F401
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
    from .attribution import MemoryCurves, memory_curves  # noqa: F401
    from .errors import InputError  # noqa: F401
    from .family import MEMBERS, member_name  # noqa: F401
    from .hybrid import (  # noqa: F401
        ClipAnalysis,
        StripAnalysis,
        analyze_clip,
        analyze_strip,
        make_clip,
    )
    from .registry import load_model, load_vocab  # noqa: F401
    from .series import SeriesAnalysis, analyze_series, series_gradients  # noqa: F401


def __getattr__(name: str):
    if name in _WHERE:
        value = getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
        globals()[name] = value  # later lookups skip this function
        return value
    if (Path(__file__).parent / f"{name}.py").is_file():  # ``nets.registry`` after ``import nets``
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'nets' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(list(globals()) + __all__)
