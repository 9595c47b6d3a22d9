"""Classroom load: N concurrent sessions (headless Chromium contexts) against a local server.

    python bench/load.py --sessions 30 --seconds 120            # free-running loop
    python bench/load.py --sessions 30 --burst 10               # 10 synchronised bursts
    python bench/load.py ... --server-opt runner.postScriptGC=false

Starts ``streamlit run app.py`` on a free port (or uses ``--url``). Each session opens the CNN
and the RNN page in two tabs, then, until time is up, uploads a fresh image (unique bytes, so
no cache hit) on the CNN tab and submits a fresh sentence on the RNN tab. ``--burst R`` instead
makes every session submit a sentence at the same instant, R times (the "whole class presses
Enter" case). An interaction's latency runs from the action until the browser has received the
whole rerun (the app's script state goes running → notRunning). Prints interactions/s,
p50/p95 latency per kind, errors, and the server's RSS at start, peak and end. Never asserts.

The browsers run on the same 2 cores as the server, so figures include client rendering cost.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from conftest import CHROMIUM_ARGS as TEST_CHROMIUM_ARGS  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
# The browser tests' flags, plus no throttling of background tabs (many sessions per browser).
CHROMIUM_ARGS = [
    *TEST_CHROMIUM_ARGS,
    "--disable-renderer-backgrounding",
    "--disable-background-timer-throttling",
    "--disable-backgrounding-occluded-windows",
]
# Counts finished script runs as the browser sees them (data-test-script-state attribute).
OBSERVER = """
window.__done = 0;
new MutationObserver(records => {
  for (const r of records) {
    const v = r.target.getAttribute('data-test-script-state');
    if (r.oldValue === 'running' && v === 'notRunning') window.__done += 1;
  }
}).observe(document, {attributes: true, subtree: true, attributeOldValue: true,
                      attributeFilter: ['data-test-script-state']});
"""
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
WORDS_EN = [
    "good",
    "bad",
    "great",
    "terrible",
    "movie",
    "hotel",
    "room",
    "staff",
    "food",
    "service",
    "clean",
    "dirty",
    "slow",
]
WORDS_ZH = list("好差很不服务房间干净脏慢快喜欢讨厌酒店早餐")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float:
    """Resident memory of a process, in MB (from /proc)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for ln in f:
                if ln.startswith("VmRSS:"):
                    return int(ln.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


class MemoryWatch(threading.Thread):
    """Samples a process's RSS every 0.5 s."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.samples, self.stop = pid, [], threading.Event()

    def run(self):
        while not self.stop.is_set():
            self.samples.append((time.monotonic(), rss_mb(self.pid)))
            self.stop.wait(0.5)


def start_server(opts: list[str]) -> tuple[subprocess.Popen, str]:
    port = free_port()
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.address", "127.0.0.1"]
    cmd += ["--server.port", str(port), "--server.headless", "true"]
    cmd += ["--browser.gatherUsageStats", "false"]
    for o in opts:
        k, v = o.split("=", 1)
        cmd += [f"--{k}", v]
    log = open(Path(os.environ.get("LOAD_LOG", "/dev/null")), "w")  # noqa: SIM115
    # Importing tests/conftest (for its Chromium flags) set VIZ_STRICT=1 in this process: the
    # server must not inherit it, or every figure is validated by plotly (the tests' check).
    env = {k: v for k, v in os.environ.items() if k != "VIZ_STRICT"}
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return proc, base
        except OSError:
            time.sleep(0.25)
    proc.kill()
    raise SystemExit("server did not start")


def fresh_image(rng: random.Random) -> bytes:
    """A handwritten-looking digit stroke with random geometry: unique bytes every time."""
    img = Image.new("L", (140, 140), 255)
    d = ImageDraw.Draw(img)
    pts = [(rng.randint(20, 120), rng.randint(20, 120)) for _ in range(4)]
    d.line(pts, fill=0, width=rng.randint(10, 16))
    arr = np.asarray(img).copy()
    arr[0, 0] = rng.randint(0, 255)  # one pixel of noise guarantees new bytes
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, "PNG")
    return buf.getvalue()


def fresh_sentence(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return " ".join(rng.choice(WORDS_EN) for _ in range(rng.randint(5, 15)))
    return "".join(rng.choice(WORDS_ZH) for _ in range(rng.randint(6, 20)))


async def rerun(page, action, timeout: float) -> float:
    """Run ``action`` and wait until the browser has received the whole rerun it triggers."""
    n0 = await page.evaluate("window.__done")
    t0 = time.perf_counter()
    await action()
    await page.wait_for_function(
        f"window.__done > {n0} && document.querySelector('{IDLE}') !== null", timeout=timeout
    )
    return time.perf_counter() - t0


async def open_tab(ctx, url: str, timeout: float):
    page = await ctx.new_page()
    await page.add_init_script(OBSERVER)
    t0 = time.perf_counter()
    await page.goto(url, timeout=timeout, wait_until="commit")
    await page.wait_for_function("window.__done > 0", timeout=timeout)
    await page.wait_for_selector(IDLE, state="attached", timeout=timeout)
    return page, time.perf_counter() - t0


class Session:
    def __init__(self, i: int, browser, base: str, stats: dict, timeout: float):
        self.i, self.browser, self.base, self.stats, self.timeout = i, browser, base, stats, timeout
        self.rng = random.Random(i)

    def record(self, kind: str, fn_result: float | Exception) -> None:
        if isinstance(fn_result, Exception):
            self.stats["errors"].append(f"{kind}: {type(fn_result).__name__}: {fn_result}"[:200])
        else:
            self.stats.setdefault(kind, []).append(fn_result)

    async def setup(self) -> None:
        self.ctx = await self.browser.new_context(viewport={"width": 1280, "height": 900})
        self.cnn, dt = await open_tab(self.ctx, f"{self.base}/cnn?lang=en", self.timeout)
        self.record("open cnn", dt)
        btn = self.cnn.locator('[data-testid="stButtonGroup"] button', has_text="Upload").first
        self.record("switch to upload", await rerun(self.cnn, btn.click, self.timeout))
        self.file = self.cnn.locator('[data-testid="stFileUploader"] input[type="file"]')
        self.rnn, dt = await open_tab(self.ctx, f"{self.base}/rnn?lang=en", self.timeout)
        self.record("open rnn", dt)
        self.box = self.rnn.locator("textarea").first

    async def upload(self) -> None:
        data = fresh_image(self.rng)

        async def act():
            await self.file.set_input_files(
                {"name": f"d{self.rng.random():.6f}.png", "mimeType": "image/png", "buffer": data}
            )

        try:
            self.record("upload → charts", await rerun(self.cnn, act, self.timeout))
        except Exception as exc:
            self.record("upload", exc)

    async def sentence(self) -> None:
        text = fresh_sentence(self.rng)

        async def act():
            await self.box.fill(text)
            await self.box.press("Control+Enter")

        try:
            self.record("sentence → charts", await rerun(self.rnn, act, self.timeout))
        except Exception as exc:
            self.record("sentence", exc)

    async def loop(self, t_end: float) -> None:
        while time.monotonic() < t_end:
            await self.upload()
            if time.monotonic() >= t_end:
                break
            await self.sentence()

    async def close(self) -> None:
        await self.ctx.close()


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


async def run(args) -> None:
    from playwright.async_api import async_playwright

    proc = None
    if args.url:
        base, pid = args.url.rstrip("/"), args.pid
    else:
        proc, base = start_server(args.server_opt)
        pid = proc.pid
    mem = MemoryWatch(pid) if pid else None
    stats: dict = {"errors": []}
    timeout = args.timeout * 1000
    try:
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            # Warm-up session (imports, models, first page runs), not counted; then "start".
            warm = Session(-1, browser, base, {"errors": []}, timeout)
            await warm.setup()
            await warm.upload()
            await warm.sentence()
            await warm.close()
            await asyncio.sleep(3)
            rss_start = rss_mb(pid) if pid else float("nan")
            if mem:
                mem.start()
            sessions = [Session(i, browser, base, stats, timeout) for i in range(args.sessions)]
            t0 = time.monotonic()

            async def staggered(s):  # students do not open the page in the same millisecond
                await asyncio.sleep(s.i * args.ramp)
                await s.setup()

            results = await asyncio.gather(
                *(staggered(s) for s in sessions), return_exceptions=True
            )
            for r in results:
                if isinstance(r, Exception):
                    stats["errors"].append(f"setup: {type(r).__name__}: {r}"[:200])
            live = [
                s for s, r in zip(sessions, results, strict=True) if not isinstance(r, Exception)
            ]
            print(f"{len(live)}/{args.sessions} sessions open after {time.monotonic() - t0:.1f} s")
            rss_open = rss_mb(pid) if pid else float("nan")
            t1 = time.monotonic()
            if args.burst:
                for _ in range(args.burst):
                    await asyncio.gather(*(s.sentence() for s in live))
                    await asyncio.sleep(args.pause)
                wall = time.monotonic() - t1 - args.burst * args.pause
            else:
                await asyncio.gather(*(s.loop(t1 + args.seconds) for s in live))
                wall = time.monotonic() - t1
            await asyncio.gather(*(s.close() for s in sessions), return_exceptions=True)
            await browser.close()
        await asyncio.sleep(5)  # let the server drop the sessions
        rss_end = rss_mb(pid) if pid else float("nan")
    finally:
        if mem:
            mem.stop.set()
            mem.join()
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=15)

    kinds = [k for k in stats if k != "errors"]
    n = sum(len(stats[k]) for k in kinds if "→" in k)
    mode = f"burst × {args.burst}" if args.burst else f"loop {args.seconds} s"
    print(f"# load: {args.sessions} sessions, {mode}, server opts {args.server_opt or '-'}")
    print(f"interactions: {n} in {wall:.1f} s = {n / wall:.2f} /s; errors: {len(stats['errors'])}")
    for k in kinds:
        xs = stats[k]
        print(
            f"  {k:<20} n={len(xs):4d}  p50 {1000 * statistics.median(xs):7.0f} ms"
            f"  p95 {1000 * pct(xs, 0.95):7.0f} ms  max {1000 * max(xs):7.0f} ms"
        )
    for e in stats["errors"][:5]:
        print("  error:", e)
    if mem and mem.samples:
        peak = max(v for _, v in mem.samples)
        print(
            f"server RSS MB (after a warm-up session): start {rss_start:.0f}, all sessions open {rss_open:.0f}, "
            f"peak {peak:.0f}, end {rss_end:.0f} "
            f"(≈ {(rss_open - rss_start) / max(1, args.sessions):.1f} MB per session)"
        )
        if args.seconds >= 300 and not args.burst:
            n_s = len(mem.samples)
            q = [mem.samples[int(n_s * f)][1] for f in (0.25, 0.5, 0.75)] + [mem.samples[-1][1]]
            print("server RSS MB at 25/50/75/100 % of the run:", " ".join(f"{v:.0f}" for v in q))


def main() -> None:
    ap = argparse.ArgumentParser(description="classroom load benchmark (prints, never asserts)")
    ap.add_argument("--sessions", type=int, default=30)
    ap.add_argument("--seconds", type=float, default=120)
    ap.add_argument("--burst", type=int, default=0, help="synchronised sentence rounds")
    ap.add_argument("--pause", type=float, default=1.0, help="seconds between bursts")
    ap.add_argument("--timeout", type=float, default=60, help="per interaction, seconds")
    ap.add_argument("--ramp", type=float, default=1.0, help="seconds between session starts")
    ap.add_argument("--url", help="use a running server instead of starting one")
    ap.add_argument("--pid", type=int, help="that server's pid, for memory figures")
    ap.add_argument(
        "--server-opt",
        action="append",
        default=[],
        help="streamlit option, e.g. runner.postScriptGC=false",
    )
    asyncio.run(run(ap.parse_args()))


if __name__ == "__main__":
    main()
