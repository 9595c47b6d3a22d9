"""What decoding uploads in worker processes costs a normal upload. Prints, never asserts.

    python bench/decode.py [--runs 40]                # this checkout: pool vs in-process
    python bench/decode.py --root /tmp/before         # another checkout's analyze_image (main)

For each file (a 280×280 digit PNG, a 1600×1200 photo JPEG, a 4000×3000 photo JPEG, all made
in memory): the median and p95 of ``nets.analyze_image(bytes)`` as the server calls it, and, in
a checkout with ``nets.decode_pool``, the same analysis with the decode run in this process
instead (``nets.decode.decode_untrusted``, the worker's own function), the two alternating run
by run: the median of the paired differences is what the pool adds (a socket round trip, the
bytes copied both ways, a niced process). Uploads are
always new bytes to the app, so nothing here is cached. Load average printed beside the figures.

Heavy imports happen inside ``main`` only, so this script stays cheap to import.
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


def files() -> dict[str, bytes]:
    import numpy as np
    from PIL import Image, ImageDraw

    def save(img, fmt, **kw) -> bytes:
        buf = io.BytesIO()
        img.save(buf, fmt, **kw)
        return buf.getvalue()

    digit = Image.new("L", (280, 280), 255)
    d = ImageDraw.Draw(digit)
    d.line([(70, 70), (210, 70)], fill=0, width=30)
    d.line([(210, 70), (120, 230)], fill=0, width=30)
    rng = np.random.default_rng(0)
    out = {"digit PNG 280×280": save(digit, "PNG")}
    for w, h in ((1600, 1200), (4000, 3000)):
        x = np.linspace(0, 1, w, dtype=np.float32)[None, :]
        y = np.linspace(0, 1, h, dtype=np.float32)[:, None]
        noise = rng.integers(0, 48, (h, w), dtype=np.uint8)  # sensor noise: phone-sized files
        rgb = np.stack(
            [(180 * x + 60 * y).astype(np.uint8) + noise, (120 + 100 * x * y).astype(np.uint8),
             (220 - 160 * x * (1 - y)).astype(np.uint8)], axis=-1)  # fmt: skip
        out[f"photo JPEG {w}×{h}"] = save(Image.fromarray(rgb), "JPEG", quality=85)
    return out


def stats(ms: list[float]) -> tuple[float, float]:
    """(median, p95) of milliseconds."""
    ms = sorted(ms)
    return statistics.median(ms), ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]


def interleaved(calls: dict, runs: int, warmup: int = 3) -> dict[str, list[float]]:
    """Milliseconds per call of each ``name → fn``, alternating the calls run by run, so that a
    change in the machine's load hits every variant alike."""
    out: dict[str, list[float]] = {name: [] for name in calls}
    for i in range(warmup + runs):
        for name, fn in calls.items():
            t0 = time.perf_counter()
            fn()
            if i >= warmup:
                out[name].append(1000 * (time.perf_counter() - t0))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", type=Path, default=ROOT, help="checkout whose nets is measured")
    ap.add_argument("--runs", type=int, default=40)
    args = ap.parse_args()
    sys.path.insert(0, str(args.root.resolve()))
    import torch

    import nets

    torch.set_num_threads(1)  # as the app runs each call
    try:
        from nets import decode, decode_pool
    except ImportError:
        decode = decode_pool = None
    print(f"# nets from {args.root}; {args.runs} runs; load average {os.getloadavg()[0]:.2f}")
    data = files()
    nets.analyze_image(data["digit PNG 280×280"])  # models loaded, workers started
    for name, raw in data.items():

        def analyse(raw=raw):
            return nets.analyze_image(raw)

        if decode_pool is None:
            med, p95 = stats(interleaved({"main": analyse}, args.runs)["main"])
            print(
                f"{name:<22} {len(raw) / 1e6:5.2f} MB  analyze_image {med:7.1f} ms (p95 {p95:6.1f})"
            )
            continue

        def in_process(raw=raw, real=decode_pool.decode):
            decode_pool.decode = decode.decode_untrusted  # the worker's function, here
            try:
                return nets.analyze_image(raw)
            finally:
                decode_pool.decode = real

        ms = interleaved({"pool": analyse, "local": in_process}, args.runs)
        (med, p95), (lmed, lp95) = stats(ms["pool"]), stats(ms["local"])
        added = statistics.median(p - q for p, q in zip(ms["pool"], ms["local"], strict=True))
        print(
            f"{name:<22} {len(raw) / 1e6:5.2f} MB  analyze_image {med:7.1f} ms (p95 {p95:6.1f})"
            f"   in-process {lmed:7.1f} ms (p95 {lp95:6.1f})   pool adds {added:+6.1f} ms (median"
            " of paired differences)",
            flush=True,
        )
    print(f"# load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
