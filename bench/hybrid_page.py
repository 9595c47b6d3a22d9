"""CNN + RNN page: server-side rerun time for an 8-digit strip, per view. Prints, never asserts.

    python bench/hybrid_page.py [--runs 30]

- ``analyze_strip`` of the 8-digit sample strip (preparation + CRNN trace), uncached, beside the
  bare CRNN forward pass;
- the page's full rerun under AppTest (results cached, as on the server after the first run)
  on each view of part 1 with the 8-digit strip, and on each view of part 2, beside
  ``bench/trivial_page.py``; with the chart JSON each rerun sends.

Median and p95 of ``--runs`` timed runs after 3 warm-up runs; the load average is printed
before and after (other engineers share these 2 cores).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.chdir(ROOT)

import torch  # noqa: E402
from latency import stats, timeit  # noqa: E402 (bench/ is on the path)

from nets import hybrid as H  # noqa: E402

EIGHT = 9  # the sample strip with 8 digits


def load() -> str:
    return " / ".join(f"{v:.1f}" for v in os.getloadavg())


def row(name: str, times: list[float], floor: float | None = None, extra: str = "") -> float:
    med, p95 = stats(times)
    ratio = f"{med / floor:5.1f}× floor" if floor else "floor"
    print(f"  {name:<44} median {med:7.1f} ms  p95 {p95:7.1f} ms  {ratio:>12}  {extra}")
    return med


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--runs", type=int, default=30)
    args = p.parse_args()
    torch.set_num_threads(1)  # as the server (nets/registry.py)
    numbers = H.sample_strips()
    assert len(numbers[EIGHT]) == 8, numbers
    print(f"load average before: {load()}")
    print(f"\n## analysis of the 8-digit sample strip {numbers[EIGHT]!r} ({args.runs} runs)")
    strip = H.sample_strip(EIGHT)
    pre = H.S.prepare_strip(strip)
    model = H.load_crnn("crnn")
    x = torch.from_numpy(pre.strip)[None, None]

    def bare():
        with torch.inference_mode():
            model(x)

    f = row("bare CRNN forward", timeit(bare, args.runs))
    row(
        "analyze_strip (prepare + trace + decode)",
        timeit(lambda: H.analyze_strip(strip), args.runs),
        f,
    )

    from streamlit.testing.v1 import AppTest

    def page_times(path: str, query: dict) -> tuple[list[float], int]:
        at = AppTest.from_file(path, default_timeout=120)
        at.query_params["lang"] = "en"
        for k, v in query.items():
            at.query_params[k] = v
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        kb = sum(len(c.proto.spec) for c in at.get("plotly_chart"))
        return timeit(at.run, args.runs), kb

    print(f"\n## page reruns (AppTest, results cached, {args.runs} runs)")
    times, kb = page_times(str(ROOT / "bench" / "trivial_page.py"), {})
    floor = row("trivial one-chart page", times, extra=f"{kb / 1024:5.0f} KB charts")
    from ui.views import hybrid as views

    for v in views.OCR_VIEWS:
        times, kb = page_times(
            str(ROOT / "pages" / "hybrid.py"), {"view": v.id, "sample": str(EIGHT)}
        )
        row(f"8-digit strip · {v.id}", times, floor, f"{kb / 1024:5.0f} KB charts")
    for v in views.MOTION_VIEWS:
        times, kb = page_times(str(ROOT / "pages" / "hybrid.py"), {"view": v.id, "part": "motion"})
        row(f"clip · {v.id}", times, floor, f"{kb / 1024:5.0f} KB charts")
    print(f"\nload average after: {load()}")


if __name__ == "__main__":
    main()
