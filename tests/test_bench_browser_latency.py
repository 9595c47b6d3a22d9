"""bench/browser_latency.py's own helpers: fresh inputs never repeat, and the trace profile
computes self time correctly. (The benchmark itself prints figures and is not run here.)"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
import browser_latency as bl  # noqa: E402


def test_inputs_are_fresh_images_and_alternating_sentences():
    inputs = bl.Inputs(seed=3)
    images = [inputs.image() for _ in range(40)]
    assert len(set(images)) == len(images)
    arr = np.asarray(Image.open(io.BytesIO(images[0])))  # (side, side) uint8
    assert arr.ndim == 2 and arr.shape[0] >= 112
    assert np.median(arr) > 200  # dark ink on a white page, as a photo of paper would be
    texts = [inputs.sentence() for _ in range(40)]
    assert len(set(texts)) == len(texts)
    has_han = [any("\u4e00" <= ch <= "\u9fff" for ch in s) for s in texts]
    assert has_han[0::2] == [True] * 20 and has_han[1::2] == [False] * 20


def test_main_thread_profile_self_times_on_the_busiest_renderer():
    meta = [
        {"ph": "M", "name": "thread_name", "pid": 1, "tid": 1, "args": {"name": "CrRendererMain"}},
        {"ph": "M", "name": "thread_name", "pid": 2, "tid": 1, "args": {"name": "CrRendererMain"}},
    ]
    busy = [  # a 100 µs task holding a 60 µs call, which holds a 10 µs layout
        {"ph": "X", "pid": 1, "tid": 1, "name": "RunTask", "ts": 0, "dur": 100, "tdur": 80},
        {"ph": "X", "pid": 1, "tid": 1, "name": "FunctionCall", "ts": 10, "dur": 60, "tdur": 50},
        {"ph": "X", "pid": 1, "tid": 1, "name": "Layout", "ts": 20, "dur": 10, "tdur": 10},
        {"ph": "X", "pid": 1, "tid": 1, "name": "RunTask", "ts": 200, "dur": 20, "tdur": 20},
    ]
    idle = [{"ph": "X", "pid": 2, "tid": 1, "name": "RunTask", "ts": 0, "dur": 5, "tdur": 5}]
    wall, cpu, self_ms = bl.main_thread_profile(json.dumps({"traceEvents": meta + busy + idle}))
    assert wall == 0.12 and cpu == 0.1
    assert self_ms == {"RunTask": 0.05, "FunctionCall": 0.04, "Layout": 0.01}
    assert bl.event_group("FunctionCall") == "JS" and bl.event_group("Layout") == "style+layout"
    assert bl.event_group("V8.GC_MC_INCREMENTAL") == "GC"
