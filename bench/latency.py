"""Server-side latency, each figure beside its floor measured in the same run. Prints, never asserts.

    python bench/latency.py [--runs 30] [--threads 2] [--pages cnn,rnn,compare]

- ``analyze_image`` trace, and trace + all attributions, beside the bare model forward pass;
- ``analyze_text`` trace, and trace + attributions + memory view, beside the bare forward pass;
- each existing page's full server-side rerun (AppTest), beside ``bench/trivial_page.py``, with
  the chart JSON bytes each rerun sends.

Median and p95 of ``--runs`` timed runs after warm-up runs.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402

import nets  # noqa: E402
from nets import attribution  # noqa: E402
from nets.analyze import encode, image_tensor  # noqa: E402
from nets.registry import load_model  # noqa: E402

SENTENCE = "The room was clean and the staff were friendly, 但是早餐很一般。"


def stats(times: list[float]) -> tuple[float, float]:
    """(median, p95) in milliseconds."""
    ms = sorted(1000 * t for t in times)
    p95 = ms[min(len(ms) - 1, int(round(0.95 * (len(ms) - 1))))]
    return statistics.median(ms), p95


def timeit(fn, runs: int, warmup: int = 3) -> list[float]:
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def row(name: str, times: list[float], floor: tuple[float, float] | None = None) -> None:
    med, p95 = stats(times)
    ratio = f"{med / floor[0]:6.1f}×" if floor else "  floor"
    print(f"  {name:<46} median {med:8.2f} ms   p95 {p95:8.2f} ms   {ratio}")


def digit_png() -> bytes:
    img = Image.new("L", (280, 280), 255)
    d = ImageDraw.Draw(img)
    d.line([(70, 70), (210, 70)], fill=0, width=30)
    d.line([(210, 70), (120, 230)], fill=0, width=30)
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def photo_jpeg() -> bytes:
    rng = np.random.default_rng(0)
    arr = rng.integers(0, 255, (1200, 1600, 3), dtype=np.uint8)  # (H, W, 3)
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, "JPEG", quality=85)
    return buf.getvalue()


def bench_models(runs: int) -> None:
    print("\n## Models (nets), one call each")
    cnn = load_model("image_cnn")
    for label, data in (("digit PNG 280×280", digit_png()), ("photo JPEG 1600×1200", photo_jpeg())):
        x28 = nets.analyze_image(data).input28
        target = nets.analyze_image(data).label
        xt = image_tensor(x28)

        def bare(xt=xt):
            with torch.inference_mode():
                cnn(xt)

        floor = stats(timeit(bare, runs))
        print(f" image: {label}")
        row("bare forward (1×1×28×28)", timeit(bare, runs))
        row(
            "analyze_image (decode + trace + full-res)",
            timeit(lambda d=data: nets.analyze_image(d), runs),
            floor,
        )
        row(
            "analyze_image + all 4 attributions",
            timeit(
                lambda d=data, x=x28, t=target: (
                    nets.analyze_image(d),
                    attribution.image_attributions(x, t),
                ),
                runs,
            ),
            floor,
        )
        for m in attribution.IMAGE_METHODS:
            row(
                f"  attribution {m}",
                timeit(
                    lambda x=x28, t=target, m=m: attribution.image_attributions(x, t, (m,)), runs
                ),
                floor,
            )

    gru = load_model("text_gru")
    tcnn = load_model("text_cnn")
    ids = torch.tensor([encode(SENTENCE).token_ids])
    print(f" text: {len(ids[0])} tokens")

    def bare_gru():
        with torch.inference_mode():
            gru(ids)

    def bare_cnn():
        with torch.inference_mode():
            tcnn(ids)

    floor = stats(timeit(bare_gru, runs))
    row("bare forward text GRU", timeit(bare_gru, runs))
    row("analyze_text (trace)", timeit(lambda: nets.analyze_text(SENTENCE), runs), floor)
    row(
        "analyze_text + attributions + memory",
        timeit(
            lambda: (
                nets.analyze_text(SENTENCE),
                attribution.text_attributions(SENTENCE),
                attribution.text_memory(SENTENCE),
            ),
            runs,
        ),
        floor,
    )
    floor = stats(timeit(bare_cnn, runs))
    row("bare forward TextCNN", timeit(bare_cnn, runs))
    row("analyze_text_cnn (trace)", timeit(lambda: nets.analyze_text_cnn(SENTENCE), runs), floor)
    row(
        "analyze_text_cnn + attributions",
        timeit(
            lambda: (
                nets.analyze_text_cnn(SENTENCE),
                attribution.text_attributions(SENTENCE, "text_cnn"),
            ),
            runs,
        ),
        floor,
    )


def chart_bytes(at) -> int:
    """Plotly JSON bytes the last run sent (every chart's spec)."""
    return sum(len(c.proto.spec.encode()) for c in at.get("plotly_chart"))


def bench_pages(runs: int, pages: list[str]) -> None:
    from streamlit.testing.v1 import AppTest

    print("\n## Pages: full server-side rerun (AppTest, same input, results cached)")

    def page_times(path: Path, setup=None):
        at = AppTest.from_file(str(path), default_timeout=120)
        at.query_params["lang"] = "en"
        at.run()
        if setup is not None:
            setup(at)
        if at.exception:
            return None, [e.value for e in at.exception][:1], 0
        times = timeit(at.run, runs, warmup=2)
        return times, None, chart_bytes(at)

    floor_times, _, fb = page_times(ROOT / "bench" / "trivial_page.py")
    floor = stats(floor_times)
    row(f"trivial one-chart page ({fb / 1024:.1f} KB chart JSON)", floor_times)

    def set_text(prefix):
        def setup(at):
            at.text_area(key=f"{prefix}.text").set_value(SENTENCE).run()

        return setup

    setups = {"cnn": None, "rnn": set_text("rnn"), "compare": None}
    for name in pages:
        path = ROOT / "pages" / f"{name}.py"
        if not path.exists():
            print(f"  {name}: pages/{name}.py does not exist yet")
            continue
        try:
            times, err, nbytes = page_times(path, setups.get(name))
        except Exception as exc:  # a page still being written: report, keep going
            print(f"  {name}: could not run ({type(exc).__name__}: {exc})")
            continue
        if err:
            print(f"  {name}: page raised {err}")
            continue
        row(f"page {name} ({nbytes / 1024:.1f} KB chart JSON per rerun)", times, floor)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--threads", type=int, default=None, help="torch intra-op threads")
    ap.add_argument("--pages", default="cnn,rnn,compare")
    ap.add_argument("--skip-models", action="store_true")
    ap.add_argument("--skip-pages", action="store_true")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        cpu = next((ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")), cpu)
    print(
        f"# latency: {args.runs} runs after warm-up; torch {torch.__version__}, "
        f"{torch.get_num_threads()} intra-op threads; {os.cpu_count()} CPUs ({cpu}); "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    if not args.skip_models:
        bench_models(args.runs)
    if not args.skip_pages:
        bench_pages(args.runs, [p for p in args.pages.split(",") if p])


if __name__ == "__main__":
    main()
