"""CNN page: time of a full rerun and chart JSON bytes per rerun, per tab (printed, no pass/fail).

Run: ``python bench/cnn_page.py``. Uses AppTest (no browser); the first run includes model loading.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from streamlit.testing.v1 import AppTest  # noqa: E402

from ui.i18n import t  # noqa: E402

TABS = ("layers", "conv", "ops", "rf", "attr", "fullres", "exp")


def main(repeats: int = 3) -> None:
    at = AppTest.from_file(str(ROOT / "pages" / "cnn.py"), default_timeout=120)
    at.query_params["lang"] = "en"
    t0 = time.perf_counter()
    at.run()
    print(f"first run (imports, model load): {time.perf_counter() - t0:.2f} s")
    print(f"{'tab':10s} {'first s':>8s} {'rerun s (median)':>17s} {'chart KB':>9s}")
    for k in TABS:
        at.session_state["cnn.tab"] = t(f"cnn.tab.{k}", "en")
        t0 = time.perf_counter()
        at.run()
        first = time.perf_counter() - t0
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            at.run()
            times.append(time.perf_counter() - t0)
        kb = sum(len(c.proto.spec) for c in at.get("plotly_chart")) / 1024
        print(f"{k:10s} {first:8.2f} {statistics.median(times):17.2f} {kb:9.0f}")


if __name__ == "__main__":
    main()
