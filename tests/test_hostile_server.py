"""Hostile uploads against the real server in Chromium (issue 18), and the decode workers' life.

- Eight hostile files uploaded at once through eight CNN pages: the server process stays under
  1 GB of RSS (sampled every 0.1 s from /proc) and answers ``/_stcore/health`` throughout (polled
  every 0.2 s, each answer within 5 s); every page shows its bilingual message (or, for the
  20000×1 PNG, its preprocessing thumbnails), never an exception.
- Stopping the server leaves no child process (the decode workers included).
"""

from __future__ import annotations

import os
import threading
import time
import urllib.request

import pytest
from badinputs import hostile
from conftest import ARTIFACTS, assert_no_exception, server_process, wait_for_app
from playwright.sync_api import expect

from nets import decode as dec
from nets.errors import InputError
from ui.i18n import t

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

ALERT_ERROR = '[data-testid="stAlertContentError"]'
RSS_LIMIT = 2**30
# The eight uploads, with the names a prankster gives them.
EIGHT = {
    "jpeg_repeated_scans": "scans.jpg",
    "webp_1kb_25mp_rgba": "tiny.webp",
    "tiff_float_25mp_as_png": "float.png",
    "tiff_many_strips_as_png": "strips.png",
    "jpeg_many_app_segments": "exif.jpg",
    "bmp_rle8": "rle.bmp",
    "png16_rgba_25mp": "deep.png",
    "png_20000x1": "wide.png",
}


def descendants(pid: int) -> list[int]:
    """Every live process below ``pid`` (from /proc)."""
    parent_of = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                if fields[0] != "Z":
                    parent_of[int(entry)] = int(fields[1])
            except OSError:
                continue
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        kids = [c for c, pp in parent_of.items() if pp == p]
        out += kids
        todo += kids
    return out


def cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            return next(int(ln.split()[1]) * 1024 for ln in f if ln.startswith("VmRSS:"))
    except (OSError, StopIteration):
        return 0


class Watch(threading.Thread):
    """Samples the server's RSS every 0.1 s and its health endpoint every 0.2 s."""

    def __init__(self, base: str, pid: int):
        super().__init__(daemon=True)
        self.base, self.pid = base, pid
        self.stop = threading.Event()
        self.peak_rss, self.health = 0, []  # (status or error, seconds)

    def run(self):
        last = 0.0
        while not self.stop.is_set():
            self.peak_rss = max(self.peak_rss, rss(self.pid))
            if time.monotonic() - last >= 0.2:
                last = time.monotonic()
                t0 = time.perf_counter()
                try:
                    with urllib.request.urlopen(f"{self.base}/_stcore/health", timeout=5) as r:
                        self.health.append((r.status, time.perf_counter() - t0))
                except OSError as exc:
                    self.health.append((repr(exc), time.perf_counter() - t0))
            self.stop.wait(0.1)


def expected_message(data: bytes) -> str | None:
    """The English message the page must show for ``data`` (None: it is analysed)."""
    try:
        dec.precheck(data)
    except InputError as exc:
        return exc.en
    return None


@pytest.fixture(scope="module")
def server():
    ARTIFACTS.mkdir(exist_ok=True)
    with server_process(ARTIFACTS / f"hostile-server-{os.getpid()}.log") as (base, proc):
        yield base, proc


def test_eight_hostile_uploads_at_once(browser, server):
    base, proc = server
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    pages = []
    try:
        for _ in EIGHT:
            page = context.new_page()
            page.goto(f"{base}/cnn?lang=en")
            pages.append(page)
        for page in pages:
            wait_for_app(page)
            page.get_by_role("radio", name=t("cnn.input.upload", "en")).click()
        for page in pages:
            wait_for_app(page)
            page.locator('[data-testid="stFileUploader"] input[type="file"]').wait_for(
                state="attached", timeout=30_000
            )
        workers = [p for p in descendants(proc.pid) if "nets.decode_pool" in cmdline(p)]
        assert len(workers) >= 1, "the app's warm-up starts the decode workers"
        watch = Watch(base, proc.pid)
        watch.start()
        t0 = time.monotonic()
        for page, (name, filename) in zip(pages, EIGHT.items(), strict=True):
            page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(
                files=[{"name": filename, "mimeType": "image/png", "buffer": hostile(name)}]
            )
        for page, name in zip(pages, EIGHT, strict=True):
            want = expected_message(hostile(name))
            if want is None:  # the 20000×1 PNG: analysed, its thumbnails drawn
                images = page.locator('[data-testid="stImage"]')
                expect(images.first).to_be_visible(timeout=60_000)
            else:
                expect(page.locator(ALERT_ERROR).first).to_contain_text(want[:60], timeout=60_000)
        elapsed = time.monotonic() - t0
        time.sleep(0.5)  # a few more samples after the last answer
        watch.stop.set()
        watch.join()
        for page in pages:
            wait_for_app(page)
            assert_no_exception(page)
        wide = pages[list(EIGHT).index("png_20000x1")]
        assert wide.locator(ALERT_ERROR).count() == 0  # no "something unexpected went wrong"
        print(
            f"\neight hostile uploads answered in {elapsed:.1f} s; server peak RSS "
            f"{watch.peak_rss / 2**20:.0f} MB; {len(watch.health)} health checks, slowest "
            f"{max(s for _, s in watch.health) * 1000:.0f} ms"
        )
        assert watch.peak_rss < RSS_LIMIT, f"{watch.peak_rss / 2**20:.0f} MB"
        assert watch.health and all(status == 200 for status, _ in watch.health), watch.health
    finally:
        context.close()


def test_no_worker_outlives_the_server(browser):
    """The app's warm-up starts the workers; a stopped server leaves no process behind."""
    ARTIFACTS.mkdir(exist_ok=True)
    with server_process(ARTIFACTS / f"workers-{os.getpid()}.log") as (base, proc):
        context = browser.new_context(locale="en-US")
        page = context.new_page()
        page.goto(f"{base}/?lang=en")
        wait_for_app(page)
        deadline = time.monotonic() + 60
        workers: list[int] = []
        while time.monotonic() < deadline and len(workers) < 2:
            workers = [p for p in descendants(proc.pid) if "nets.decode_pool" in cmdline(p)]
            time.sleep(0.2)
        assert len(workers) == 2, "two decode workers run under the server"
        children = descendants(proc.pid)
        context.close()
    # server_process has stopped the server (SIGTERM, as a service manager would).
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and [p for p in children if os.path.exists(f"/proc/{p}")]:
        time.sleep(0.1)
    left = [p for p in children if os.path.exists(f"/proc/{p}")]
    assert left == [], [cmdline(p) for p in left]
