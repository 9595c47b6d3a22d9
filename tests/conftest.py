"""Shared test fixtures: a live app server, a Chromium browser and a page that records errors.

Browser tests are marked ``@pytest.mark.browser`` and use ``app_server`` (base URL), ``page``
(a fresh Playwright page with ``page.console_errors``) and the helpers ``wait_for_app`` and
``assert_no_exception``. Artifacts (server log, screenshots on failure) go to
``test-artifacts/``.
"""

from __future__ import annotations

import base64
import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest

# Every figure built during the tests (here, under AppTest and in the browser tests' server,
# which inherits the environment) is checked against plotly's validator: see viz/fig.py.
os.environ["VIZ_STRICT"] = "1"

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
SEEDS = ROOT.parent / "shared" / "seeds"  # the source documents, beside the checkout (not in CI)
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SERVER_START_TIMEOUT = 60  # seconds
# Streamlit 1.67 DOM (checked in Chromium): the app root carries data-test-script-state
# ("initial" → "running" → "notRunning") and data-test-connection-state ("CONNECTED"); the
# "running" status widget shows in the header about 0.5 s into a run, until it ends; an uncaught
# exception renders as stException.
APP_SELECTOR = '[data-testid="stApp"]'
APP_IDLE_SELECTOR = '[data-testid="stApp"][data-test-script-state="notRunning"]'
RUNNING_SELECTOR = '[data-testid="stStatusWidget"]'
EXCEPTION_SELECTOR = '[data-testid="stException"]'
MAIN_SELECTOR = '[data-testid="stMainBlockContainer"]'


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:
            return resp.status == 200
    except OSError:
        return False


def streamlit_cmd(port: int) -> list[str]:
    """The README's way to start the app, bound to 127.0.0.1 on ``port``, headless."""
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        "app.py",
        "--server.address",
        "127.0.0.1",
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
    ]


def stop_server(proc: subprocess.Popen, log) -> None:
    """Terminate a server started by a test (kill after 10 s) and close its log."""
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)
    log.close()


@pytest.fixture(scope="session")
def server_log() -> Path:
    """Where the app server of this session writes its output."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / f"streamlit-server-{os.getpid()}.log"


@contextlib.contextmanager
def server_process(log_path: Path, env: dict | None = None, port: int | None = None):
    """``streamlit run app.py`` (README's way) on ``port`` (default: a free one), logging to
    ``log_path``. Yields ``(base URL, process)`` once the server is healthy; stops it afterwards.
    """
    port = port or _free_port()
    log = log_path.open("w", encoding="utf-8")
    proc = subprocess.Popen(
        streamlit_cmd(port), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while not _healthy(f"{base}/_stcore/health"):
            if proc.poll() is not None or time.monotonic() > deadline:
                tail = log_path.read_text(encoding="utf-8", errors="replace")[-2000:]
                pytest.fail(f"streamlit did not start (exit {proc.poll()}); {log_path}:\n{tail}")
            time.sleep(0.25)
        yield base, proc
    finally:
        stop_server(proc, log)


@contextlib.contextmanager
def started_server(log_path: Path, env: dict | None = None):
    """``streamlit run app.py`` (README's way) on a free port, logging to ``log_path``.

    Yields the base URL once the server is healthy; stops the server afterwards.
    """
    with server_process(log_path, env) as (base, _):
        yield base


@pytest.fixture(scope="session")
def app_server(server_log: Path):
    """Start ``streamlit run app.py`` on a free port; yield its base URL; stop it afterwards."""
    with started_server(server_log) as base:
        yield base


@pytest.fixture(scope="session")
def browser():
    """A headless Chromium (the Debian package, never a Playwright download)."""
    if not CHROMIUM.exists():
        msg = f"{CHROMIUM} is missing: apt-get install chromium (scripts/test.sh does)"
        if os.environ.get("CI"):
            pytest.fail(msg)
        pytest.skip(msg)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item, so fixtures can tell whether the test failed."""
    outcome = yield
    rep = outcome.get_result()
    setattr(item, f"rep_{rep.when}", rep)


def _safe_name(nodeid: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid)[-150:]


@pytest.fixture
def page(request, browser, server_log: Path):
    """A fresh page in its own context; console and page errors collect in ``page.console_errors``.

    Viewport: mark the test ``@pytest.mark.viewport(width, height)`` or parametrize ``page``
    indirectly with ``(width, height)``; default 1280×900. Other context options (e.g.
    ``locale="zh-CN"``, default "en-US"): ``@pytest.mark.context(**kwargs)``. On failure, a
    screenshot and a copy of the server log are saved in ``test-artifacts/``, paths printed.
    """
    width, height = 1280, 900
    marker = request.node.get_closest_marker("viewport")
    if marker is not None:
        width, height = marker.args
    elif getattr(request, "param", None):
        width, height = request.param
    options = {"viewport": {"width": width, "height": height}, "locale": "en-US"}
    ctx_marker = request.node.get_closest_marker("context")
    if ctx_marker is not None:
        options.update(ctx_marker.kwargs)
    context = browser.new_context(**options)
    pg = context.new_page()
    pg.console_errors = []
    pg.on(
        "console",
        lambda msg: (
            pg.console_errors.append(f"console.{msg.type}: {msg.text}")
            if msg.type == "error"
            else None
        ),
    )
    pg.on("pageerror", lambda exc: pg.console_errors.append(f"pageerror: {exc}"))
    try:
        yield pg
    finally:
        rep = getattr(request.node, "rep_call", None)
        if rep is not None and rep.failed:
            ARTIFACTS.mkdir(exist_ok=True)
            name = _safe_name(request.node.nodeid)
            shot = ARTIFACTS / f"FAILED-{name}.png"
            try:
                pg.screenshot(path=str(shot), full_page=True)
            except Exception as exc:  # the page may be gone; the log copy still helps
                shot = Path(f"(no screenshot: {exc})")
            log_copy = ARTIFACTS / f"FAILED-{name}.server.log"
            if server_log.exists():
                shutil.copyfile(server_log, log_copy)
            print(f"\n[artifacts] screenshot: {shot}\n[artifacts] server log: {log_copy}")
        context.close()


def pytest_configure(config):
    config.addinivalue_line("markers", "viewport(width, height): browser viewport for `page`")
    config.addinivalue_line("markers", "context(**kwargs): Playwright context options for `page`")


def wait_for_app(page, timeout: float = 60_000) -> None:
    """Wait until Streamlit is connected and has finished running the script (timeout in ms).

    After an interaction, first wait for something the rerun must change (e.g. with Playwright's
    ``expect``): the run may not have started yet when this is called.
    """
    page.wait_for_selector(APP_SELECTOR, state="attached", timeout=timeout)
    deadline = time.monotonic() + timeout / 1000
    while True:
        page.wait_for_selector(APP_IDLE_SELECTOR, state="attached", timeout=timeout)
        page.wait_for_selector(RUNNING_SELECTOR, state="detached", timeout=timeout)
        page.wait_for_load_state("networkidle", timeout=timeout)
        # A rerun (e.g. one the script asked for) may start right after: idle twice in a row.
        page.wait_for_timeout(300)
        idle = (
            page.locator(APP_IDLE_SELECTOR).count() and not page.locator(RUNNING_SELECTOR).count()
        )
        if idle:
            return
        if time.monotonic() > deadline:
            raise TimeoutError("Streamlit kept running")


def screenshot_full(page, path: Path | str) -> Path:
    """Screenshot the whole app page: Streamlit scrolls inside its own container, not the document,
    so the viewport is stretched to the content's height for the shot, then restored."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    height = page.evaluate(
        "sel => { const el = document.querySelector(sel);"
        " return el ? el.scrollHeight + 160 : document.documentElement.scrollHeight; }",
        MAIN_SELECTOR,
    )
    page.set_viewport_size({"width": size["width"], "height": max(size["height"], int(height))})
    page.wait_for_timeout(500)
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(size)
    return path


def assert_no_exception(page) -> None:
    """Fail if the app shows an uncaught exception."""
    boxes = page.locator(EXCEPTION_SELECTOR)
    if boxes.count():
        pytest.fail("app shows an exception:\n" + "\n---\n".join(boxes.all_inner_texts()))


def plotly_array(v) -> np.ndarray:
    """A plotly JSON array as numpy: a typed array ``{"dtype", "bdata", "shape"?}`` decoded, a
    list as float (None → nan) when numeric, else as it is (e.g. token strings)."""
    if isinstance(v, dict) and "bdata" in v:
        a = np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(v["dtype"]))
        if v.get("shape"):
            a = a.reshape([int(n) for n in str(v["shape"]).split(",")])
        return a
    try:
        return np.asarray(v, dtype=np.float64)
    except (TypeError, ValueError):
        return np.asarray(v)


_CHART_ID = re.compile(r"^\$\$ID-[0-9a-f]+-(.+)$")


def chart_specs(at) -> dict[str, dict]:
    """The plotly figures an AppTest run shows, by widget key (e.g. ``"rnn.prefix.curve"``)."""
    import json

    out = {}
    for c in at.get("plotly_chart"):
        m = _CHART_ID.match(c.proto.id)
        out[m.group(1) if m else c.proto.id] = json.loads(c.proto.spec)
    return out


def open_view(page: str, view: str | None, lang: str = "en", timeout: float = 60, **query):
    """``pages/<page>.py`` under AppTest opened on one view (``?view=<id>``) with ``query``."""
    if view is not None:
        query["view"] = view
    return open_app(ROOT / "pages" / f"{page}.py", lang, timeout=timeout, **query)


def open_app(page: Path | str, lang: str, timeout: float = 60, **query):
    """Run a page script under AppTest with ``?lang=`` and ``query``; assert no exception."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(page), default_timeout=timeout)
    at.query_params["lang"] = lang
    for k, v in query.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at
