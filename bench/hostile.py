"""The red-team's hostile uploads (issue 18), one at a time, each in a fresh process. Prints, never asserts.

    python bench/hostile.py                      # this checkout
    python bench/hostile.py --root /tmp/before   # another checkout (e.g. ``git archive`` of main)
    python bench/hostile.py --only bmp_rle8 --timeout 120
    python bench/hostile.py --eight [--rounds 3]      # 8 at once through Chromium, real server

For every file of ``tests/badinputs.HOSTILE`` (built in memory, never written to disk) a fresh
Python process imports ``nets`` from ``--root``, warms the image model on a digit, resets its
peak-RSS counter (``/proc/self/clear_refs``), then calls ``nets.analyze_image(bytes)`` once, as
the server does for an upload. Printed per file: wall time, the calling ("server") process's CPU
seconds and peak RSS growth, and, where the checkout decodes in worker processes
(``nets.decode_pool``), the worker's peak RSS growth as it reports it. A run that passes
``--timeout`` is killed and shown as "> N s" with the CPU and memory it had used by then.
The machine's load average is printed beside the figures (2 shared cores: timings are noisy).

``--eight`` starts ``python -m streamlit run app.py`` from this checkout, opens eight CNN pages in
headless Chromium and uploads eight hostile files at once (the set of
``tests/test_hostile_server.py``), ``--rounds`` times. Printed per round: the time until every
page shows its answer, the server process's peak RSS and that of the server with its children
(the decode workers), sampled every 0.1 s, and the slowest of the health checks sent every
0.2 s during the round.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import io, json, os, resource, sys, time
root = sys.argv[1]
sys.path.insert(0, root)
data = sys.stdin.buffer.read()
import nets
from PIL import Image, ImageDraw
buf = io.BytesIO()
img = Image.new("L", (64, 64), 0)
ImageDraw.Draw(img).line([(16, 16), (48, 16), (26, 52)], fill=255, width=8)
img.save(buf, "PNG")
nets.analyze_image(buf.getvalue())  # models loaded, worker pool (if any) started
try:
    from nets import decode_pool
except ImportError:
    decode_pool = None
def status(key):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key):
                return int(line.split()[1])
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")
base = status("VmRSS:")
print(json.dumps({"ready": base}), flush=True)
ru0 = resource.getrusage(resource.RUSAGE_SELF)
t0 = time.perf_counter()
try:
    a = nets.analyze_image(data)
    outcome = "ok (label %d, p=%.2f)" % (a.label, a.confidence)
except nets.InputError as exc:
    outcome = "rejected: " + exc.code
wall = time.perf_counter() - t0
ru1 = resource.getrusage(resource.RUSAGE_SELF)
cpu = ru1.ru_utime + ru1.ru_stime - ru0.ru_utime - ru0.ru_stime
worker = decode_pool.last_stats() if decode_pool is not None else None
print(json.dumps({"wall": wall, "cpu": cpu, "growth_kb": status("VmHWM:") - base,
                  "outcome": outcome, "worker": worker}), flush=True)
"""


def proc_stat(pid: int) -> tuple[float, int]:
    """(CPU seconds, peak RSS in kB) of a live process, from /proc."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        with open(f"/proc/{pid}/status") as f:
            hwm = next(int(ln.split()[1]) for ln in f if ln.startswith("VmHWM:"))
        return cpu, hwm
    except (OSError, StopIteration, IndexError, ValueError):
        return float("nan"), 0


def run_one(root: Path, data: bytes, timeout: float) -> dict:
    """Analyse ``data`` in a fresh process importing ``nets`` from ``root``."""
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(root)],
        cwd=root,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=False,
    )
    proc.stdin.write(data)
    proc.stdin.close()
    ready = json.loads(proc.stdout.readline() or b'{"ready": 0}')
    t0 = time.perf_counter()
    cpu0, _ = proc_stat(proc.pid)
    cpu, hwm = cpu0, 0
    while proc.poll() is None and time.perf_counter() - t0 < timeout:
        cpu, h = proc_stat(proc.pid)
        hwm = max(hwm, h)
        time.sleep(0.05)
    if proc.poll() is None:
        proc.kill()
        proc.wait()
        return {
            "wall": None,
            "cpu": cpu - cpu0,
            "growth_kb": hwm - ready["ready"],
            "outcome": f"no answer in {timeout:.0f} s (killed)",
            "worker": None,
        }
    line = proc.stdout.read().decode().strip().splitlines()
    if not line:
        return {
            "wall": None,
            "cpu": None,
            "growth_kb": 0,
            "outcome": f"crashed ({proc.returncode})",
        }
    return json.loads(line[-1])


def family_peak(pid: int, stop: threading.Event, out: list[int], rss, descendants) -> None:
    """Keep ``out[0]`` at the peak summed RSS of ``pid`` and its descendants (every 0.1 s)."""
    while not stop.is_set():
        out[0] = max(out[0], sum(rss(p) for p in [pid, *descendants(pid)]))
        stop.wait(0.1)


def eight(rounds: int) -> None:
    """Eight hostile uploads at once through Chromium against a fresh local server."""
    sys.path.insert(0, str(ROOT / "tests"))
    from badinputs import hostile  # noqa: E402
    from conftest import ARTIFACTS, CHROMIUM_ARGS, server_process, wait_for_app  # noqa: E402
    from playwright.sync_api import expect, sync_playwright  # noqa: E402
    from test_hostile_server import EIGHT, Watch, descendants, expected_message, rss  # noqa: E402

    from ui.i18n import t  # noqa: E402

    ARTIFACTS.mkdir(exist_ok=True)
    print(f"# eight at once; load average {os.getloadavg()[0]:.2f} (1 min), 2 cores")
    with (
        server_process(ARTIFACTS / "bench-hostile-eight.log") as (base, proc),
        sync_playwright() as pw,
    ):
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for r in range(rounds):
            ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
            pages = [ctx.new_page() for _ in EIGHT]
            for page in pages:
                page.goto(f"{base}/cnn?lang=en")
            for page in pages:
                wait_for_app(page)
                page.get_by_role("radio", name=t("cnn.input.upload", "en")).click()
            for page in pages:
                wait_for_app(page)
            idle_rss = rss(proc.pid)
            watch = Watch(base, proc.pid)
            family = [0]  # peak RSS of the server and its children
            fam = threading.Thread(
                target=family_peak,
                args=(proc.pid, watch.stop, family, rss, descendants),
                daemon=True,
            )
            watch.start(), fam.start()
            t0 = time.monotonic()
            for page, (name, filename) in zip(pages, EIGHT.items(), strict=True):
                page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(
                    files=[{"name": filename, "mimeType": "image/png", "buffer": hostile(name)}]
                )
            for page, name in zip(pages, EIGHT, strict=True):
                want = expected_message(hostile(name))
                if want is None:
                    expect(page.locator('[data-testid="stImage"]').first).to_be_visible(
                        timeout=120_000
                    )
                else:
                    alert = page.locator('[data-testid="stAlertContentError"]').first
                    expect(alert).to_contain_text(want[:60], timeout=120_000)
            elapsed = time.monotonic() - t0
            time.sleep(0.5)
            watch.stop.set()
            watch.join(), fam.join()
            bad = [h for h in watch.health if h[0] != 200]
            print(
                f"round {r + 1}: all eight answered in {elapsed:.1f} s; server RSS {idle_rss / 2**20:.0f}"
                f" → peak {watch.peak_rss / 2**20:.0f} MB; server + workers peak "
                f"{family[0] / 2**20:.0f} MB; {len(watch.health)} health checks, {len(bad)} failed,"
                f" slowest {max(s for _, s in watch.health) * 1000:.0f} ms",
                flush=True,
            )
            ctx.close()
        browser.close()
    print(f"# load average after: {os.getloadavg()[0]:.2f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", type=Path, default=ROOT, help="checkout whose nets is measured")
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds before a run is killed")
    ap.add_argument("--only", default="", help="comma-separated names from badinputs.HOSTILE")
    ap.add_argument("--eight", action="store_true", help="8 uploads at once to a real server")
    ap.add_argument("--rounds", type=int, default=3, help="rounds of --eight")
    args = ap.parse_args()
    if args.eight:
        sys.path.insert(0, str(ROOT))
        return eight(args.rounds)
    sys.path.insert(0, str(ROOT / "tests"))
    from badinputs import HOSTILE, hostile  # noqa: E402  (generators only: PIL, numpy, zlib)

    names = [n for n in HOSTILE if not args.only or n in args.only.split(",")]
    print(f"# nets from {args.root}; load average {os.getloadavg()[0]:.2f} (1 min), 2 cores")
    print(
        f"{'file':<26} {'bytes':>9} {'wall':>9} {'CPU':>8} {'server +RSS':>12} {'worker +RSS':>12}"
        "  outcome"
    )
    for name in names:
        data = hostile(name)
        r = run_one(args.root.resolve(), data, args.timeout)
        wall = f"{r['wall']:.3f} s" if r.get("wall") is not None else f"> {args.timeout:.0f} s"
        cpu = f"{r['cpu']:.2f} s" if r.get("cpu") is not None else "?"
        worker = r.get("worker") or {}
        wgrowth = worker.get("peak_kb", 0) - worker.get("base_kb", 0) if worker else None
        wtxt = f"{wgrowth / 1024:.0f} MB" if wgrowth is not None else "—"
        print(
            f"{name:<26} {len(data):>9} {wall:>9} {cpu:>8} {r['growth_kb'] / 1024:>9.0f} MB"
            f" {wtxt:>12}  {r['outcome']}",
            flush=True,
        )
    print(f"# load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
