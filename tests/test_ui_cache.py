"""Memory bounds: the result caches stay small in bytes, and a session does not keep old runs.

The cached values are measured by pickling them, as ``st.cache_data`` stores them. The
session check runs the RNN page under AppTest with several fresh sentences and counts the
``TextAnalysis`` objects still alive (Streamlit keeps each widget id's metadata, callbacks
included, for the session's life: see ``ui/callbacks.py``).
"""

from __future__ import annotations

import gc
import io
import logging
import pickle
import random
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import pytest
from PIL import Image

import nets
from ui import cache, callbacks

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "pages" / "rnn.py"
MB = 2**20

pytestmark = pytest.mark.timeout(240)
logging.getLogger("streamlit").setLevel(logging.ERROR)


def pickled(value) -> int:
    return len(pickle.dumps(value))


def photo_jpeg() -> bytes:
    """A 1600×1200 noisy JPEG: the largest analysis an upload produces (maps on ≤ 256 px)."""
    rng = np.random.default_rng(0)
    img = Image.fromarray(rng.integers(0, 255, (1200, 1600, 3), dtype=np.uint8))
    buf = io.BytesIO()
    img.save(buf, "JPEG")
    return buf.getvalue()


def drawing() -> np.ndarray:
    """A 280×280 canvas-sized stroke, as the drawing input sends it."""
    arr = np.full((280, 280), 255, np.uint8)
    arr[60:220, 130:150] = 0
    return arr


def test_image_caches_are_bounded_in_bytes():
    big = max(pickled(nets.analyze_image(photo_jpeg())), pickled(nets.analyze_image(drawing())))
    for fn in (cache.image_analysis, cache.array_analysis):
        info = fn._info  # the decorator's settings (Streamlit 1.67)
        assert info.max_size_bytes is not None, fn
        # The byte bound is what binds (entries × size would be far larger) …
        assert info.max_entries * big > 4 * info.max_size_bytes
        # … and it still holds several of the largest results.
        assert info.max_size_bytes >= 8 * big
        assert info.max_size_bytes <= 64 * MB


def test_text_caches_are_bounded_in_bytes():
    short = "the staff were friendly but the room was cold"
    long = " ".join([short] * 30)  # 200 tokens: the tokeniser's cap
    for fn, analyze in (
        (cache.text_analysis, nets.analyze_text),
        (cache.text_cnn_analysis, nets.analyze_text_cnn),
    ):
        info = fn._info
        assert info.max_size_bytes is not None and info.max_size_bytes <= 16 * MB, fn
        # Short sentences: the entry count binds; at the token cap the byte bound does.
        assert info.max_entries * pickled(analyze(short)) < info.max_size_bytes, fn
        assert info.max_size_bytes >= 32 * pickled(analyze(long)), fn


def test_step_picker_holds_no_page_globals():
    cb = callbacks.step_picker("rnn.chart.unrolled", "rnn.step.current")
    assert cb.args == ("rnn.chart.unrolled", "rnn.step.current") and not cb.keywords
    assert cb.func.__module__ == "ui.callbacks"


def test_plotly_json_keeps_nothing_per_figure():
    """A figure whose customdata mixes tokens and numbers (a string array) serialises without
    leaving memory behind, with the engine ``ui.cache`` selects (orjson leaks ≈ 1.3 KB here)."""
    import tracemalloc

    assert pio.json.config.default_engine == "json"

    def one(i: int) -> str:
        toks = np.array([f"w{i}_{k}" for k in range(8)])
        cd = np.stack([np.arange(1, 9), toks, np.round(np.linspace(0, 1, 8), 3)], axis=1)
        return pio.to_json(go.Figure(go.Scatter(y=np.arange(8.0), customdata=cd)), validate=False)

    for i in range(20):
        one(i)
    tracemalloc.start()
    try:
        gc.collect()
        before = tracemalloc.get_traced_memory()[0]
        for i in range(300):
            one(i)
        gc.collect()
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert grown < 300 * 200, grown  # < 0.2 KB a figure (orjson: ≈ 1.3 KB)


def _live_text_analyses() -> int:
    gc.collect()
    cls = nets.TextAnalysis  # type() rather than isinstance(): no deprecated torch attribute read
    return sum(type(o) is cls for o in gc.get_objects())


def test_rnn_page_session_does_not_keep_old_sentences():
    from streamlit.testing.v1 import AppTest

    rng = random.Random(0)
    words = ["good", "bad", "room", "staff", "clean", "slow", "movie", "great"]
    at = AppTest.from_file(str(PAGE), default_timeout=60)
    at.query_params["lang"] = "en"
    at.run()
    before = _live_text_analyses()
    for _ in range(6):
        at.text_area(key="rnn.text").input(" ".join(rng.choices(words, k=8))).run()
        assert not at.exception, [e.value for e in at.exception]
    # The current sentence's analysis (and at most one more) may stay alive; not all six.
    assert _live_text_analyses() - before <= 2
