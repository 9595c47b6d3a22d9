"""Claims lab page: server-side rerun time per view (target ≤ 200 ms). Prints, never asserts.

    python bench/lab_page.py [--runs 20]

Each view of ``pages/lab.py`` is opened by its deep link (``?view=<id>``) under AppTest in one
language per run (alternating 中文 / English); after 3 warm-up runs (the shipped results and
verdicts are then cached, as on the server after the first visitor), ``--runs`` reruns are
timed, beside ``bench/trivial_page.py`` (the floor). The page only reads
``assets/metrics/lab/*.json``: no training, no race, no typed pair and no live probe runs here
(those run on a click). Median and p95, chart JSON per rerun; the load average is printed before
and after (other engineers share these 2 cores).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.chdir(ROOT)

from latency import stats  # noqa: E402 (bench/ is on the path)
from streamlit.testing.v1 import AppTest  # noqa: E402

from ui.views import all_views  # noqa: E402


def rerun_times(script: Path, query: dict, runs: int, warmup: int = 3) -> tuple[list, float]:
    """Timed reruns of ``script`` with ``query`` (after ``warmup``), and its chart JSON in KB."""
    at = AppTest.from_file(str(script), default_timeout=300)
    at.query_params.update(query)
    for _ in range(warmup):
        at.run()
    if at.exception:
        raise RuntimeError([e.value for e in at.exception])
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        at.run()
        out.append(time.perf_counter() - t0)
    kb = sum(len(c.proto.spec) for c in at.get("plotly_chart")) / 1024
    return out, kb


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=20)
    args = ap.parse_args()
    print(f"load average {' / '.join(f'{x:.1f}' for x in os.getloadavg())}", flush=True)
    floor, kb = rerun_times(ROOT / "bench" / "trivial_page.py", {}, args.runs)
    f_med, f_p95 = stats(floor)
    print(f"{'view':20s} {'median ms':>10s} {'p95 ms':>8s} {'/ trivial':>9s} {'chart KB':>9s}")
    print(f"{'trivial page':20s} {f_med:10.1f} {f_p95:8.1f} {1:9.1f} {kb:9.0f}", flush=True)
    views = [v for v in all_views().values() if v.page == "lab"]
    for i, v in enumerate(views):
        lang = "zh" if i % 2 == 0 else "en"
        times, kb = rerun_times(ROOT / "pages" / "lab.py", {"lang": lang, "view": v.id}, args.runs)
        med, p95 = stats(times)
        print(f"{v.id + ' (' + lang + ')':20s} {med:10.1f} {p95:8.1f} {med / f_med:9.1f} {kb:9.0f}",
              flush=True)  # fmt: skip
    print(f"load average {' / '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
