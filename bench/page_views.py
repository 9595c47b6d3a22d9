"""Server time of every view of every page: one rerun under AppTest, and its chart JSON (printed).

    python bench/page_views.py [--repeats 5] [--pages cnn,rnn,compare]

Each view is opened by its deep link (``?view=<id>``) on the page's default input (the first
gallery digit, a fixed sentence); the first run warms the caches, then ``--repeats`` reruns
are timed. Only the opened view computes and draws (ui/view.py), so a page's rerun is its input
block plus that one view. Never asserts; the load average is printed beside the figures.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from streamlit.testing.v1 import AppTest  # noqa: E402

from ui.views import all_views  # noqa: E402

QUERY = {"rnn": {"text": "虽然价格有点贵，但是质量很好"}, "compare": {}, "cnn": {}}


def time_view(page: str, view: str, repeats: int) -> tuple[float, float, float]:
    """(first run s, median rerun ms, chart KB) of one view."""
    at = AppTest.from_file(str(ROOT / "pages" / f"{page}.py"), default_timeout=300)
    at.query_params.update({"lang": "en", "view": view, **QUERY.get(page, {})})
    t0 = time.perf_counter()
    at.run()
    first = time.perf_counter() - t0
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - t0)
    kb = sum(len(c.proto.spec) for c in at.get("plotly_chart")) / 1024
    return first, 1000 * statistics.median(times), kb


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--pages", default="cnn,rnn,compare")
    args = ap.parse_args()
    pages = args.pages.split(",")
    views = [v for v in all_views().values() if v.page in pages]
    print(f"load average {os.getloadavg()[0]:.1f}")
    print(f"{'view':24s} {'first s':>8s} {'rerun ms (median)':>18s} {'chart KB':>9s}")
    for v in views:
        first, rerun, kb = time_view(v.page, v.id, args.repeats)
        print(f"{v.id:24s} {first:8.2f} {rerun:18.0f} {kb:9.0f}")
    print(f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
