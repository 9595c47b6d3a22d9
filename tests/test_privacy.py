"""Uploaded bytes never touch the disk.

The app is started the way README says, but with ``TMPDIR`` (and ``TEMP``/``TMP``) pointing to a
fresh empty directory. Files that carry a random marker (a PNG text chunk, a JPEG comment, a
malformed file) are uploaded through the real file input in Chromium on the CNN page. Then:

- the temporary directory is still empty, and no file ever appeared in it while the uploads were
  processed (it is polled every few milliseconds, so a written-then-deleted file is caught too);
- ``git status --porcelain`` is what it was before (``test-artifacts/`` is gitignored);
- the marker occurs in no file of the work tree or the temporary directory.
"""

from __future__ import annotations

import io
import os
import secrets
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest
from badinputs import digit_image
from conftest import ROOT, assert_no_exception, started_server, wait_for_app
from PIL import Image, PngImagePlugin

pytestmark = pytest.mark.browser

CNN_PAGE = ROOT / "pages" / "cnn.py"
CHART = '[data-testid="stPlotlyChart"]'
ALERT_ERROR = '[data-testid="stAlertContentError"]'


def git_status() -> list[str]:
    out = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return sorted(line for line in out.splitlines() if "test-artifacts/" not in line)


def marked_files(marker: str) -> dict[str, tuple[bytes, str]]:
    """name → (bytes, mime); each file carries ``marker`` in its bytes."""
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", marker)
    buf = io.BytesIO()
    digit_image(56).save(buf, "PNG", pnginfo=info)
    png = buf.getvalue()
    buf = io.BytesIO()
    Image.new("RGB", (320, 240), (200, 180, 150)).save(
        buf, "JPEG", quality=90, comment=marker.encode()
    )
    jpeg = buf.getvalue()
    broken = b"\x89PNG\r\n\x1a\n" + marker.encode() * 40
    for data in (png, jpeg, broken):
        assert marker.encode() in data
    return {
        "digit.png": (png, "image/png"),
        "photo.jpg": (jpeg, "image/jpeg"),
        "broken.png": (broken, "image/png"),
    }


def files_containing(root: Path, needle: bytes, skip: tuple[str, ...] = (".git",)) -> list[Path]:
    hits = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in skip]
        for name in filenames:
            p = Path(dirpath) / name
            try:
                if p.is_file() and p.stat().st_size < 50_000_000 and needle in p.read_bytes():
                    hits.append(p)
            except OSError:
                continue
    return hits


@pytest.fixture
def private_server():
    """``streamlit run app.py`` with an empty private TMPDIR; yields (base URL, tmpdir, proc)."""
    if not CNN_PAGE.exists():
        pytest.skip("pages/cnn.py does not exist yet: nothing to upload to")
    tmp = Path(tempfile.mkdtemp(prefix="privacy-tmp-"))
    logdir = Path(tempfile.mkdtemp(prefix="privacy-log-"))  # the log must not be in TMPDIR
    env = {**os.environ, "TMPDIR": str(tmp), "TEMP": str(tmp), "TMP": str(tmp)}
    with started_server(logdir / "server.log", env) as base:
        yield base, tmp


def test_uploads_never_touch_disk(private_server, browser):
    before = git_status()
    base, tmp = private_server
    marker = "PRIVACY-" + secrets.token_hex(16)
    files = marked_files(marker)

    seen: set[str] = set()
    stop = threading.Event()

    def watch():  # catches a file written and deleted between two checks only if it lives ≥ 5 ms
        while not stop.is_set():
            for dirpath, dirnames, filenames in os.walk(tmp):
                seen.update(os.path.join(dirpath, n) for n in dirnames + filenames)
            stop.wait(0.005)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    try:
        page = context.new_page()
        page.goto(f"{base}/cnn?lang=en")
        wait_for_app(page)
        page.locator('[data-testid="stButtonGroup"] button', has_text="Upload").first.click()
        file_input = page.locator('[data-testid="stFileUploader"] input[type="file"]')
        file_input.wait_for(state="attached", timeout=30_000)
        for name in ("digit.png", "broken.png", "photo.jpg"):
            data, mime = files[name]
            file_input.set_input_files({"name": name, "mimeType": mime, "buffer": data})
            if name == "broken.png":
                page.wait_for_selector(ALERT_ERROR, timeout=60_000)
            else:
                page.wait_for_selector(CHART, timeout=60_000)
            wait_for_app(page)
            assert_no_exception(page)
        assert page.locator(CHART).count() > 0
    finally:
        context.close()
        time.sleep(0.5)
        stop.set()
        watcher.join()

    assert not seen, f"files appeared in the server's TMPDIR: {sorted(seen)}"
    assert not list(tmp.iterdir())
    needle = marker.encode()
    assert not files_containing(tmp, needle)
    leaked = files_containing(ROOT, needle)
    assert not leaked, f"uploaded bytes found on disk: {leaked}"
    after = git_status()
    changed = sorted(set(before) ^ set(after))
    if changed and not os.environ.get("CI"):
        # Other people may be editing this work tree while the test runs; those edits are not
        # uploads (the marker search above proves it). On CI the tree must not change at all.
        print(f"work tree changed during the test (not by the upload): {changed}")
    else:
        assert not changed, f"work tree changed: {changed}"
