"""scripts/classroom.py: warmed Streamlit workers behind HAProxy, driven by Chromium and raw HTTP.

One classroom (2 workers) serves the module; the ``room`` fixture puts it back in shape before
each test (every worker running, resumed and in HAProxy's rotation), so the tests pass in any
order. The clean-stop test starts its own classroom. Needs Debian's ``haproxy`` (scripts/test.sh
installs it): skipped without it, failed when ``CI`` is set.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
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

pytestmark = pytest.mark.timeout(240)
SCRIPTS = ROOT / "scripts"
CHART = '[data-testid="stPlotlyChart"]'
ALERT = '[data-testid="stAlert"]'
TEXTAREA = '[data-testid="stTextArea"] textarea'
COOKIE = "cnnrnn_worker"
CONNECTED = '[data-testid="stApp"][data-test-connection-state="CONNECTED"]'


def scripts_module(name: str):
    """A module of scripts/ (haproxy_cfg, classroom), imported as the supervisor imports it."""
    if str(SCRIPTS) not in sys.path:
        sys.path.insert(0, str(SCRIPTS))
    return importlib.import_module(name)


def require_haproxy() -> None:
    if shutil.which("haproxy") or Path("/usr/sbin/haproxy").exists():
        return
    msg = "haproxy is missing: apt-get install haproxy (scripts/test.sh does)"
    if os.environ.get("CI"):
        pytest.fail(msg)
    pytest.skip(msg)


def gone(pid: int) -> bool:
    """Whether a process no longer runs (absent, or a zombie waiting for its reaper)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


class Classroom(SimpleNamespace):
    """A running ``scripts/classroom.py``: base URL, port, process and its output file."""

    def text(self) -> str:
        return self.out.read_text()

    def worker_pids(self) -> dict[int, int]:
        """Worker index → pid of its latest start."""
        return {int(i): int(p) for i, p in re.findall(r"worker (\d+): pid (\d+)", self.text())}

    def all_pids(self) -> set[int]:
        """Every process the classroom ever started: each worker start and HAProxy."""
        pids = {int(p) for p in re.findall(r"worker \d+: pid (\d+)", self.text())}
        return pids | {int(p) for p in re.findall(r"haproxy: pid (\d+)", self.text())}

    def serving(self, worker: int) -> bool:
        """Whether HAProxy routes worker ``w<i>``'s cookie to it (no new cookie in the reply)."""
        status, cookie = get(self.base, cookie=f"{COOKIE}=w{worker}")
        return status == 200 and cookie is None

    def wait_serving(self, worker: int, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while not self.serving(worker):
            assert time.monotonic() < deadline, f"w{worker} not back in rotation:\n{self.text()}"
            time.sleep(0.5)


@contextlib.contextmanager
def launch(log_dir: Path, workers: int = 2, address: str = "127.0.0.1"):
    """``scripts/classroom.py`` on a free port until its "ready" line; stopped afterwards."""
    require_haproxy()
    port = _free_port()
    out = log_dir / "classroom.out"
    cmd = [sys.executable, str(SCRIPTS / "classroom.py"), "--workers", str(workers)]
    cmd += ["--address", address, "--port", str(port), "--log-dir", str(log_dir)]
    with out.open("w") as f:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=f, stderr=subprocess.STDOUT)
    room = Classroom(base=f"http://127.0.0.1:{port}", port=port, proc=proc, out=out)
    try:
        deadline = time.monotonic() + 180
        while "ready" not in room.text():
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"classroom did not start:\n{room.text()}")
            time.sleep(0.25)
        yield room
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(60)
        for pid in room.all_pids():  # never leave a process behind, even when a test failed
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def classroom(tmp_path_factory):
    with launch(tmp_path_factory.mktemp("classroom")) as room:
        yield room


@pytest.fixture
def room(classroom):
    """The module's classroom with every worker resumed, running and in rotation."""
    for pid in classroom.worker_pids().values():
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGCONT)
    assert classroom.proc.poll() is None, classroom.text()
    for i in classroom.worker_pids():
        classroom.wait_serving(i)
    yield classroom
    for pid in classroom.worker_pids().values():
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGCONT)


def get(base: str, path: str = "/_stcore/health", cookie: str = ""):
    """(status, worker named by a new ``cnnrnn_worker`` cookie or None) of one GET."""
    req = urllib.request.Request(base + path, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            m = re.search(rf"{COOKIE}=w(\d+)", str(r.headers.get_all("Set-Cookie")))
            return r.status, (int(m.group(1)) if m else None)
    except OSError:
        return None, None


def send(port: int, data: bytes, source: str = "127.0.0.1", read: bool = True) -> bytes:
    """Raw bytes to the classroom's port from ``source``; the reply until the server closes
    (b"" for a connection refused or reset at once)."""
    try:
        s = socket.create_connection(("127.0.0.1", port), 10, source_address=(source, 0))
    except ConnectionError:
        return b""
    with s:
        with contextlib.suppress(OSError):  # the server may close while we still send
            s.sendall(data)
        reply = b""
        with contextlib.suppress(OSError):
            while read and (chunk := s.recv(65536)):
                reply += chunk
        return reply


def status(reply: bytes) -> int | None:
    """The status code of a raw HTTP reply, or None for no reply."""
    m = re.match(rb"HTTP/1\.[01] (\d{3}) ", reply)
    return int(m.group(1)) if m else None


def open_page(browser, url: str):
    """A new browser context on ``url``, loaded: (context, page)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    page.goto(url)
    wait_for_app(page)
    assert_no_exception(page)
    return context, page


def worker_of(context) -> int:
    """The worker a browser context is pinned to, from its ``cnnrnn_worker`` cookie."""
    value = {c["name"]: c["value"] for c in context.cookies()}[COOKIE]
    assert re.fullmatch(r"w\d+", value), value
    return int(value[1:])


def type_sentence(page, sentence: str) -> None:
    """On the RNN page: type a sentence and wait for its charts."""
    box = page.locator(TEXTAREA).first
    box.fill(sentence)
    box.press("Control+Enter")
    expect(page.locator(CHART).first).to_be_visible(timeout=60_000)
    wait_for_app(page)
    assert_no_exception(page)


def upload_digit(page, base: str, tmp_path: Path) -> None:
    """CNN page: upload a digit through the real file input; the model's prediction shows."""
    page.goto(f"{base}/cnn?lang=en")
    wait_for_app(page)
    page.get_by_role("radio", name=t("cnn.input.upload", "en")).click()
    wait_for_app(page)
    img = 255 - load_npz("samples/digits.npz")["images"][3]
    path = tmp_path / "digit.png"
    Image.fromarray(np.kron(img, np.ones((5, 5), np.uint8))).save(path)
    ref = nets.analyze_image(path.read_bytes())
    puts = []
    page.on("response", lambda r: puts.append(r.status) if r.request.method == "PUT" else None)
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(path)
    if ref.unlike_training:
        want = t("cnn.pred.unlike", "en")[:20]
    else:
        want = t("cnn.pred.confident", "en", label=ref.label, p=f"{ref.confidence:.1%}")
    expect(page.locator(ALERT).first).to_contain_text(want.replace("**", ""), timeout=60_000)
    wait_for_app(page)
    assert_no_exception(page)
    assert puts and all(200 <= s < 300 for s in puts), puts


@pytest.mark.browser
def test_two_browsers_get_different_workers_and_keep_them(room, browser):
    (ca, pa), (cb, pb) = (open_page(browser, f"{room.base}/rnn?lang=en") for _ in range(2))
    try:
        wa, wb = worker_of(ca), worker_of(cb)
        assert wa != wb  # the second browser goes to the worker with fewer open requests
        type_sentence(pa, "the staff were great but the room was dirty")
        type_sentence(pb, "这家酒店的服务很好")
        pb.reload()
        wait_for_app(pb)
        assert (worker_of(ca), worker_of(cb)) == (wa, wb)
    finally:
        ca.close()
        cb.close()


@pytest.mark.browser
def test_an_upload_reaches_its_sessions_worker(room, browser, tmp_path):
    # Streamlit answers an upload PUT for a session it does not hold with 400, so the
    # prediction shows only if HAProxy sent the PUT to the worker that holds the websocket.
    context, page = open_page(browser, f"{room.base}/?lang=en")
    try:
        worker = worker_of(context)
        upload_digit(page, room.base, tmp_path)
        assert worker_of(context) == worker
    finally:
        context.close()


@pytest.mark.browser
def test_a_stopped_worker_loses_its_students_and_gets_them_back(room, browser):
    contexts = []
    try:
        context, page = open_page(browser, f"{room.base}/rnn?lang=en")
        contexts.append(context)
        type_sentence(page, "the staff were great but the room was dirty")  # now in the URL
        stopped = worker_of(context)
        os.kill(room.worker_pids()[stopped], signal.SIGSTOP)
        # HAProxy's checks take it out of rotation and close its websockets; the page
        # reconnects on its own and HAProxy gives it another worker's cookie.
        deadline = time.monotonic() + 30
        while worker_of(context) == stopped:
            assert time.monotonic() < deadline, "the student stayed on the stopped worker"
            page.wait_for_timeout(250)
        page.wait_for_selector(CONNECTED, timeout=30_000)  # its new websocket, on another worker
        # The first run there is a new session: ui/text_input fills the box from the URL (the
        # sentence above), replacing what was typed for that run; the next input is the student's.
        sentence = "a quiet room and friendly staff"
        for _ in range(2):
            type_sentence(page, sentence)
            if urllib.parse.quote(sentence) in page.url.replace("+", "%20"):
                break
        assert page.locator(TEXTAREA).first.input_value() == sentence, page.url
        for _ in range(2):  # new students never go to the stopped worker
            ctx, _page = open_page(browser, f"{room.base}/?lang=en")
            contexts.append(ctx)
            assert worker_of(ctx) != stopped
        os.kill(room.worker_pids()[stopped], signal.SIGCONT)
        room.wait_serving(stopped, timeout=30)
        ctx, _page = open_page(browser, f"{room.base}/?lang=en")  # it has the fewest requests
        contexts.append(ctx)
        assert worker_of(ctx) == stopped
    finally:
        for ctx in contexts:
            ctx.close()


def test_a_killed_worker_is_restarted(room):
    old = room.worker_pids()[1]
    os.killpg(old, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while room.worker_pids()[1] == old:
        assert time.monotonic() < deadline, room.text()
        time.sleep(0.2)
    assert "worker 1 exited (-9); restart in 1 s" in room.text()
    assert get(room.base, cookie=f"{COOKIE}=w1") == (200, 0)  # meanwhile: moved to w0
    room.wait_serving(1)  # the new process, warmed, back in rotation
    assert not gone(room.worker_pids()[1])


def test_garbage_and_oversized_requests_get_4xx(room):
    limit = scripts_module("haproxy_cfg").max_body()
    assert status(send(room.port, b"\x16\x03\x01\x00\xff garbage\r\n\r\n")) == 400
    huge_head = b"GET / HTTP/1.1\r\nX-Big: " + b"a" * 100_000 + b"\r\n\r\n"
    assert status(send(room.port, huge_head)) in (400, 431)
    send(room.port, os.urandom(8192))
    send(room.port, b"GET / HTTP/1.1\r\nHost: x\r\n", read=False)  # a head cut short
    put = "PUT /_stcore/upload_file/s/f HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
    big = f"{put}Content-Length: {limit + 1}\r\n\r\n".encode() + b"a" * 65536
    assert status(send(room.port, big)) == 413  # refused before the body reaches a worker
    chunked = f"{put}Transfer-Encoding: chunked\r\n\r\n1000\r\n".encode() + b"a" * 4096
    assert status(send(room.port, chunked)) == 411
    assert room.proc.poll() is None
    status_, worker = get(room.base, "/?lang=en")  # the next client is served
    assert status_ == 200 and worker in (0, 1)


@pytest.mark.browser
def test_an_upload_flood_from_one_address_is_refused(room, browser, tmp_path):
    # 127.0.0.2 is another client address on Linux's loopback: it floods, 127.0.0.1 uploads.
    put = b"PUT /_stcore/upload_file/s/f HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
    put += b"Content-Length: 65536\r\n\r\n" + b"a" * 65536
    codes = [status(send(room.port, put, "127.0.0.2")) for _ in range(30)]
    assert 429 not in codes[:12] and set(codes[12:]) == {429}, codes  # 12 a minute pass
    health = b"GET /_stcore/health HTTP/1.0\r\n\r\n"
    replies = [status(send(room.port, health, "127.0.0.2")) for _ in range(100)]
    assert replies.count(None) > 0 and 200 in replies  # > 100 new connections in 10 s
    context, page = open_page(browser, f"{room.base}/?lang=en")
    try:
        upload_digit(page, room.base, tmp_path)
    finally:
        context.close()


def test_restart_waits_double_while_a_worker_keeps_dying(monkeypatch, tmp_path):
    classroom = scripts_module("classroom")
    dies = [sys.executable, "-c", "raise SystemExit(3)"]
    monkeypatch.setattr(classroom, "spawn", lambda cmd, path, env: subprocess.Popen(dies))
    worker = classroom.Worker(0, tmp_path, {})
    delays = []
    while len(delays) < 3:
        worker.tend()
        if worker.due is not None and (not delays or worker.delay != delays[-1]):
            delays.append(worker.delay)
        time.sleep(0.05)
    assert delays == [1.0, 2.0, 4.0]
    monkeypatch.setattr(classroom, "QUICK_DEATH", 0.0)  # a long life: back to 1 s
    worker.due = None
    worker.proc.wait()
    worker.tend()
    assert worker.delay == 1.0


def test_sigterm_stops_everything_and_the_url_is_the_machines_address(tmp_path):
    with launch(tmp_path, workers=1, address="0.0.0.0") as room:
        url = re.search(r"students open (http://\S+)", room.text()).group(1)
        host = url.split("//")[1].rsplit(":", 1)[0]
        assert host == scripts_module("classroom").lan_address()
        assert host not in ("0.0.0.0", "localhost")
        assert get(url)[0] == 200  # reachable at the printed address
        pids = room.all_pids()
        assert len(pids) == 2  # one worker and HAProxy
        room.proc.send_signal(signal.SIGTERM)
        assert room.proc.wait(60) == 0
        assert "stopped" in room.text()
        for pid in pids:
            assert gone(pid), pid
            with pytest.raises(ProcessLookupError):
                os.killpg(pid, 0)  # nothing left in its process group
        with pytest.raises(OSError), socket.create_connection(("127.0.0.1", room.port), 2):
            pass
