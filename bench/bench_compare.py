"""Rerun time and chart payload of the side-by-side page (prints figures; never fails on speed).

python bench/bench_compare.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from streamlit.testing.v1 import AppTest  # noqa: E402

from nets import evidence  # noqa: E402

PAGE = str(ROOT / "pages" / "compare.py")


def chart_kb(at: AppTest) -> float:
    return sum(len(c.proto.spec) for c in at.get("plotly_chart")) / 1024


def main() -> None:
    at = AppTest.from_file(PAGE, default_timeout=300)
    at.query_params["lang"] = "en"
    t0 = time.perf_counter()
    at.run()
    print(
        f"text, first run (models load, analyses): {time.perf_counter() - t0:.2f} s, "
        f"charts {chart_kb(at):.0f} KB"
    )
    t0 = time.perf_counter()
    at.run()
    print(f"text, rerun (cached): {time.perf_counter() - t0:.2f} s")
    at.segmented_control(key="compare.mode").set_value("image")
    t0 = time.perf_counter()
    at.run()
    print(f"digit, first run: {time.perf_counter() - t0:.2f} s, charts {chart_kb(at):.0f} KB")
    t0 = time.perf_counter()
    at.run()
    print(f"digit, rerun (cached): {time.perf_counter() - t0:.2f} s")
    text = evidence.CONTRAST_PAIRS[2]["a"]
    for name in evidence.TEXT_PAIR:
        tm = evidence.time_model(name, text, repeats=9)
        print(f"{name}: forward {tm.forward_ms:.2f} ms, forward+backward {tm.train_step_ms:.2f} ms")


if __name__ == "__main__":
    main()
