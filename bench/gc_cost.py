"""What ``runner.postScriptGC`` costs: one full ``gc.collect(2)`` with the app's modules and models
loaded, as Streamlit runs after every rerun while holding the GIL. Prints, never asserts.

    python bench/gc_cost.py [--runs 20]
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
logging.disable(logging.WARNING)  # "No runtime found" warnings from st.cache_data outside a server

import captum.attr  # noqa: E402, F401
import plotly.graph_objects  # noqa: E402, F401
import streamlit  # noqa: E402, F401

import nets  # noqa: E402
import ui.cache  # noqa: E402, F401
from nets.registry import load_model  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=20)
    args = ap.parse_args()
    for name in ("image_cnn", "row_gru", "text_gru", "text_cnn"):
        load_model(name)
    nets.analyze_text("warm up")
    times = []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        gc.collect(2)
        times.append(1000 * (time.perf_counter() - t0))
    print(
        f"gc.collect(2), app loaded ({len(gc.get_objects())} tracked objects; "
        f"load average {os.getloadavg()[0]:.1f}): median {statistics.median(times):.1f} ms, "
        f"min {min(times):.1f} ms, max {max(times):.1f} ms over {args.runs} runs"
    )


if __name__ == "__main__":
    main()
