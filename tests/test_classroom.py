"""scripts/classroom.py: two Streamlit workers behind the sticky proxy, driven by Chromium.

One classroom (2 workers) serves the module; the tests run in file order: a student's session
(typing on the RNN page, uploading on the CNN page) stays on one worker, two browsers get
different workers, garbage does not break the proxy, a killed worker is routed around, and
SIGTERM leaves no backend process behind.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from conftest import ROOT, _free_port, assert_no_exception, wait_for_app
from PIL import Image
from playwright.sync_api import expect

import nets
from nets.registry import load_npz
from ui.i18n import t

pytestmark = pytest.mark.timeout(120)
SCRIPT = ROOT / "scripts" / "classroom.py"
CHART = '[data-testid="stPlotlyChart"]'
ALERT = '[data-testid="stAlert"]'
TEXTAREA = '[data-testid="stTextArea"] textarea'


def load_script():
    spec = importlib.util.spec_from_file_location("classroom", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    sys.modules["classroom"] = mod  # dataclasses look their module up
    spec.loader.exec_module(mod)
    return mod


def gone(pid: int) -> bool:
    """Whether a process no longer runs (absent, or a zombie waiting for its reaper)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


@pytest.fixture(scope="module")
def classroom(tmp_path_factory):
    """``scripts/classroom.py --workers 2`` on a free port: base URL, process, backend pids."""
    log_dir = tmp_path_factory.mktemp("classroom")
    out_path = log_dir / "classroom.out"
    port = _free_port()
    cmd = [sys.executable, str(SCRIPT), "--workers", "2", "--port", str(port)]
    cmd += ["--log-dir", str(log_dir)]
    with out_path.open("w") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 90
    while "ready" not in out_path.read_text():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"classroom did not start:\n{out_path.read_text()}")
        time.sleep(0.25)
    started = re.findall(r"backend (\d+): pid (\d+)", out_path.read_text())
    pids = list({int(i): int(pid) for i, pid in started}.values())  # the last start of each
    assert len(pids) == 2
    try:
        yield SimpleNamespace(
            base=f"http://127.0.0.1:{port}", port=port, proc=proc, pids=pids, out=out_path
        )
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(30)
        for pid in pids:  # never leave a server behind, even when a test failed
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)


def get(base: str, path: str = "/_stcore/health", cookie: str = ""):
    """(status, Set-Cookie worker or None) of one plain HTTP request through the proxy."""
    req = urllib.request.Request(base + path, headers={"Cookie": cookie} if cookie else {})
    with urllib.request.urlopen(req, timeout=10) as r:
        set_cookies = " ".join(r.headers.get_all("Set-Cookie") or [])
        m = re.search(r"cnnrnn_worker=(\d+)", set_cookies)
        return r.status, (int(m.group(1)) if m else None)


def worker_cookie(context) -> str:
    return {c["name"]: c["value"] for c in context.cookies()}["cnnrnn_worker"]


def test_cookie_and_request_line_parsing():
    mod = load_script()
    head = b"GET / HTTP/1.1\r\nHost: x\r\nCookie: a=1; cnnrnn_worker=1; b=2\r\n\r\n"
    assert mod.cookie_worker(head) == 1
    assert mod.cookie_worker(b"GET / HTTP/1.1\r\nCookie: xcnnrnn_worker=1\r\n\r\n") is None
    assert mod.cookie_worker(b"GET / HTTP/1.1\r\nCookie: cnnrnn_worker=1x\r\n\r\n") is None
    assert mod.REQUEST_LINE.match(b"PUT /_stcore/upload_file/s/f HTTP/1.1\r\n")
    assert not mod.REQUEST_LINE.match(b"\x16\x03\x01 hello\r\n")
    cookie = b"Set-Cookie: cnnrnn_worker=1\r\n"
    ok = b"HTTP/1.1 200 OK\r\nconnection: keep-alive\r\nContent-Length: 2\r\n\r\n"
    assert mod.with_cookie(ok, cookie) == (
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n" + cookie + b"\r\n"
    )
    upgrade = b"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n\r\n"
    assert mod.with_cookie(upgrade, cookie) == upgrade[:-2] + cookie + b"\r\n"


@pytest.mark.browser
def test_a_session_typing_and_uploading_stays_on_one_worker(classroom, browser, tmp_path):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(f"{classroom.base}/?lang=en")
        wait_for_app(page)
        assert_no_exception(page)
        worker = worker_cookie(context)
        assert worker in ("0", "1")
        # RNN page: a typed sentence draws charts (websocket through the proxy).
        page.goto(f"{classroom.base}/rnn?lang=en")
        wait_for_app(page)
        box = page.locator(TEXTAREA).first
        box.fill("the staff were great but the room was dirty")
        box.press("Control+Enter")
        expect(page.locator(CHART).first).to_be_visible(timeout=60_000)
        wait_for_app(page)
        assert_no_exception(page)
        # CNN page: the upload's PUT must reach the worker that holds the websocket's session.
        page.goto(f"{classroom.base}/cnn?lang=en")
        wait_for_app(page)
        page.get_by_role("radio", name=t("cnn.input.upload", "en")).click()
        wait_for_app(page)
        img = 255 - load_npz("samples/digits.npz")["images"][3]
        path = tmp_path / "digit.png"
        Image.fromarray(np.kron(img, np.ones((5, 5), np.uint8))).save(path)
        ref = nets.analyze_image(path.read_bytes())
        page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(path)
        if ref.unlike_training:
            want = t("cnn.pred.unlike", "en")[:20]
        else:
            want = t("cnn.pred.confident", "en", label=ref.label, p=f"{ref.confidence:.1%}")
        expect(page.locator(ALERT).first).to_contain_text(want.replace("**", ""), timeout=60_000)
        wait_for_app(page)
        assert_no_exception(page)
        assert worker_cookie(context) == worker
        assert errors == []
    finally:
        context.close()


@pytest.mark.browser
def test_two_browsers_get_different_workers(classroom, browser):
    contexts = [browser.new_context(locale="en-US") for _ in range(2)]
    try:
        workers = []
        for ctx in contexts:
            page = ctx.new_page()
            page.goto(f"{classroom.base}/?lang=en")
            wait_for_app(page)
            assert_no_exception(page)
            workers.append(worker_cookie(ctx))
        assert sorted(workers) == ["0", "1"]  # round robin over two live workers
    finally:
        for ctx in contexts:
            ctx.close()


def test_garbage_does_not_break_the_proxy(classroom):
    def send(data: bytes, close_early: bool = False) -> bytes:
        with socket.create_connection(("127.0.0.1", classroom.port), timeout=10) as s:
            with contextlib.suppress(OSError):  # the proxy may close while we still send
                s.sendall(data)
            if close_early:
                return b""
            reply = b""
            with contextlib.suppress(OSError):
                while chunk := s.recv(4096):
                    reply += chunk
            return reply

    assert send(b"\x16\x03\x01\x00\xff garbage\r\n\r\n").startswith(b"HTTP/1.1 400")
    assert send(b"GET / HTTP/1.1\r\nX-Big: " + b"a" * 100_000 + b"\r\n\r\n").startswith(
        b"HTTP/1.1 400"
    )
    send(os.urandom(8192), close_early=True)
    send(b"GET / HTTP/1.1\r\nHost: x\r\n", close_early=True)  # a head cut short
    assert classroom.proc.poll() is None
    assert get(classroom.base, cookie="cnnrnn_worker=0") == (200, None)
    status, worker = get(classroom.base, "/?lang=en")
    assert status == 200 and worker in (0, 1)


def test_a_dead_worker_is_routed_around(classroom):
    os.killpg(classroom.pids[1], signal.SIGKILL)
    deadline = time.monotonic() + 20
    while "backend 1 died" not in classroom.out.read_text():
        assert time.monotonic() < deadline, classroom.out.read_text()
        time.sleep(0.2)
    assert get(classroom.base, cookie="cnnrnn_worker=1") == (200, 0)  # re-assigned
    assert get(classroom.base, cookie="cnnrnn_worker=7") == (200, 0)  # unknown: re-assigned
    assert get(classroom.base) == (200, 0)  # new clients only get the live worker
    assert get(classroom.base, cookie="cnnrnn_worker=0") == (200, None)


def test_terminate_leaves_no_backend(classroom):
    classroom.proc.send_signal(signal.SIGTERM)
    assert classroom.proc.wait(30) == 0
    assert "all backends stopped" in classroom.out.read_text()
    for pid in classroom.pids:
        assert gone(pid), pid
        with pytest.raises(ProcessLookupError):
            os.killpg(pid, 0)  # nothing left in the backend's process group
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", classroom.port), 2):
        pass
