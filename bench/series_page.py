"""Time-series page: server-side rerun per shipped series and view, the trace, the live fit.
Prints, never asserts.

    python bench/series_page.py [--runs 30] [--views all|series.forecast,…] [--fit]

- the full server-side rerun of ``pages/series.py`` under AppTest (same input, results cached,
  as ``bench/latency.py`` times the other pages), beside ``bench/trivial_page.py``, with the
  chart JSON bytes each rerun sends;
- ``nets.analyze_series`` for one new origin (a cache miss: forecasts, the GRU's states, the
  CNN's maps) and ``series_gradients`` (the look-back view's, computed only when it opens);
- with ``--fit``: the live fit's wall clock on a 1,000- and a 100,000-value series.

Median and p95 of ``--runs`` timed runs after warm-up; the load average is printed with them.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from latency import chart_bytes, row, stats, timeit  # noqa: E402

from nets import series as S  # noqa: E402


def load() -> str:
    return "/".join(f"{v:.1f}" for v in os.getloadavg())


def page_times(runs: int, **query):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "pages" / "series.py"), default_timeout=120)
    at.query_params["lang"] = "en"
    for k, v in query.items():
        at.query_params[k] = str(v)
    at.run()
    if at.exception:
        raise RuntimeError([e.value for e in at.exception][:1])
    return timeit(at.run, runs, warmup=2), chart_bytes(at)


def bench_pages(runs: int, views: list[str]) -> None:
    from streamlit.testing.v1 import AppTest

    print(f"\n## Page rerun (AppTest, same input, cached), load average {load()}")
    trivial = AppTest.from_file(str(ROOT / "bench" / "trivial_page.py"), default_timeout=120)
    trivial.query_params["lang"] = "en"
    trivial.run()
    ft = timeit(trivial.run, runs, warmup=2)
    floor = stats(ft)
    row(f"trivial one-chart page ({chart_bytes(trivial) / 1024:.1f} KB)", ft)
    for name in S.SERIES:
        for view in views:
            times, nbytes = page_times(runs, series=name, view=view)
            row(f"{name:<9} {view:<16} ({nbytes / 1024:5.1f} KB)", times, floor)
    print(f"  (load average after: {load()})")


def bench_trace(runs: int) -> None:
    print(f"\n## analyze_series, one new origin each run (cache miss), load average {load()}")
    for name in S.SERIES:
        b = S.load_bundle(name)
        n = len(b.test_origins())
        points = iter(np.random.default_rng(0).integers(0, n, 2 * runs + 20))
        row(f"{name} (W={b.cfg.window}, H={b.cfg.horizon})",
            timeit(lambda b=b, p=points: S.analyze_series(b, int(next(p))), runs))  # fmt: skip
        row(f"  + series_gradients (look-back view, {name})",
            timeit(lambda b=b, p=points: S.series_gradients(b, int(next(p))), runs))  # fmt: skip


def bench_fit() -> None:
    from nets import series_fit as F

    print(f"\n## Live fit wall clock (limit {F.FIT_SECONDS:.0f} s), load average {load()}")
    for n in (1_000, 100_000):
        t = np.arange(n)
        y = 100 + 10 * np.sin(2 * np.pi * t / 24) + np.random.default_rng(0).normal(0, 1, n)
        t0 = time.monotonic()
        b = F.fit_values(y, season=24)
        print(
            f"  n={n:>7,}: {time.monotonic() - t0:5.2f} s; epochs GRU {b.info['epochs']['gru']}, "
            f"CNN {b.info['epochs']['tcn']}; stopped by the deadline: {b.info['stopped_by_deadline']}"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--views", default="series.forecast")
    ap.add_argument("--fit", action="store_true")
    args = ap.parse_args()
    from ui.views import series as views

    ids = [v.id for v in views.VIEWS if v.id != "series.yours"]
    chosen = ids if args.views == "all" else [v for v in args.views.split(",") if v]
    print(
        f"# series page: {args.runs} runs after warm-up; torch {torch.__version__}, "
        f"{torch.get_num_threads()} intra-op thread(s); {os.cpu_count()} CPUs; "
        f"load average {load()}"
    )
    bench_trace(args.runs)
    bench_pages(args.runs, chosen)
    if args.fit:
        bench_fit()


if __name__ == "__main__":
    main()
