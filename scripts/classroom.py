"""Classroom mode: one Streamlit process per core behind a sticky reverse proxy (stdlib only).

    python scripts/classroom.py [--workers N] [--port 8501] [--address 127.0.0.1] [--log-dir D]

One Streamlit process runs its Python on about one core (the GIL), so a class pressing Enter at
once queues behind it. This starts N ``streamlit run app.py`` backends (default: one per core) on
free local ports, waits until each answers ``/_stcore/health``, then serves a TCP-level proxy on
--address:--port. A browser's session is its websocket plus HTTP requests (uploads, media) that
must reach the same process, so the proxy pins each browser to a backend with a cookie
(``cnnrnn_worker=<i>``): it reads the first request head of each client connection, routes by the
cookie, or picks the next live backend (round robin) and adds ``Set-Cookie`` and
``Connection: close`` to the first response head; then it pipes bytes both ways, so a kept-alive
connection stays with its backend.
A backend that exits is logged and gets no new clients (its cookies are re-assigned).
SIGINT/SIGTERM stop the proxy and the backends' process groups. Backend logs go to --log-dir
(default: a new temporary directory); their paths are printed at start.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ctypes
import os
import re
import secrets
import signal
import socket
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COOKIE = "cnnrnn_worker"
MAX_HEAD = 64 * 1024  # bytes: a longer request head is refused
HEAD_TIMEOUT = 30.0  # seconds for a client to send its first request head
START_TIMEOUT = 180.0  # seconds for every backend to become healthy
CHUNK = 64 * 1024
REQUEST_LINE = re.compile(rb"[A-Z]{3,10} [\x21-\x7e]+ HTTP/1\.[01]\r\n")
COOKIE_VALUE = re.compile(rf"(?:^|;)\s*{COOKIE}=(\d{{1,4}})\s*(?=;|$)")


def log(msg: str) -> None:
    """One timestamped line on stdout."""
    print(f"[classroom {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _die_with_parent() -> None:
    """In the child: get SIGTERM if the proxy dies without cleaning up (Linux prctl)."""
    with contextlib.suppress(Exception):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def cookie_worker(head: bytes) -> int | None:
    """The backend index named by the request head's ``cnnrnn_worker`` cookie, or None."""
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"cookie":
            m = COOKIE_VALUE.search(value.decode("latin-1"))
            if m:
                return int(m.group(1))
    return None


@dataclass
class Backend:
    """One ``streamlit run app.py`` process."""

    index: int
    port: int
    log_path: Path
    proc: asyncio.subprocess.Process | None = None
    alive: bool = False

    async def start(self, cookie_secret: str) -> None:
        """Spawn the process in its own process group, output to ``log_path``."""
        cmd = [sys.executable, "-m", "streamlit", "run", "app.py"]
        cmd += ["--server.address", "127.0.0.1", "--server.port", str(self.port)]
        cmd += ["--server.headless", "true", "--browser.gatherUsageStats", "false"]
        # One cookie secret for all: a signed cookie is valid on any backend.
        env = {**os.environ, "STREAMLIT_SERVER_COOKIE_SECRET": cookie_secret}
        with self.log_path.open("ab") as out:
            self.proc = await asyncio.create_subprocess_exec(
                *cmd,
                cwd=ROOT,
                env=env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=out,
                stderr=asyncio.subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )
        log(f"backend {self.index}: pid {self.proc.pid}, port {self.port}, log {self.log_path}")

    async def healthy(self) -> bool:
        """Whether ``GET /_stcore/health`` answers 200 now."""
        try:
            r, w = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", self.port), 2)
        except (OSError, TimeoutError):
            return False
        try:
            w.write(b"GET /_stcore/health HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
            status = await asyncio.wait_for(r.readline(), 5)
            return status.split()[1:2] == [b"200"]
        except (OSError, TimeoutError):
            return False
        finally:
            w.close()

    async def wait_healthy(self) -> None:
        """Poll the health endpoint until it answers; raise if the process exits first."""
        while not await self.healthy():
            if self.proc.returncode is not None:
                raise RuntimeError(
                    f"backend {self.index} exited ({self.proc.returncode}), see {self.log_path}"
                )
            await asyncio.sleep(0.25)
        self.alive = True

    async def launch(self, cookie_secret: str, attempts: int = 3) -> None:
        """Start and wait until healthy; if the process exits at start-up (e.g. someone took
        its port in the meantime), try again on another free port."""
        for attempt in range(attempts):
            await self.start(cookie_secret)
            try:
                return await self.wait_healthy()
            except RuntimeError as e:
                if attempt == attempts - 1:
                    raise
                log(f"{e}; trying again")
                self.port = free_port()

    async def watch(self, stopping: asyncio.Event) -> None:
        """Mark the backend dead when its process exits."""
        code = await self.proc.wait()
        self.alive = False
        if not stopping.is_set():
            log(f"backend {self.index} died (exit {code}); routing around it, see {self.log_path}")

    def signal_group(self, sig: int) -> None:
        """Send ``sig`` to the backend's whole process group."""
        if self.proc is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.proc.pid, sig)


class Proxy:
    """Sticky TCP proxy: one client connection ↔ one backend connection."""

    def __init__(self, backends: list[Backend]):
        self.backends = backends
        self.next = 0  # round-robin position among live backends
        self.tasks: set[asyncio.Task] = set()

    def pick(self, wanted: int | None, tried: set[int]) -> tuple[Backend | None, bool]:
        """The backend for a connection, and whether the client needs a new cookie."""
        ok = wanted is not None and wanted not in tried and 0 <= wanted < len(self.backends)
        if ok and self.backends[wanted].alive:
            return self.backends[wanted], False
        live = [b for b in self.backends if b.alive and b.index not in tried]
        if not live:
            return None, True
        self.next += 1
        return live[(self.next - 1) % len(live)], True

    async def handle(self, creader: asyncio.StreamReader, cwriter: asyncio.StreamWriter) -> None:
        """Serve one client connection."""
        task = asyncio.current_task()
        self.tasks.add(task)
        try:
            await self._serve(creader, cwriter)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        finally:
            self.tasks.discard(task)
            cwriter.close()

    async def _serve(self, creader, cwriter) -> None:
        try:
            head = await asyncio.wait_for(creader.readuntil(b"\r\n\r\n"), HEAD_TIMEOUT)
        except (asyncio.LimitOverrunError, asyncio.IncompleteReadError, TimeoutError, ValueError):
            return await refuse(cwriter, b"400 Bad Request")
        if not REQUEST_LINE.match(head):
            return await refuse(cwriter, b"400 Bad Request")
        wanted, tried = cookie_worker(head), set()
        while True:
            backend, new_cookie = self.pick(wanted, tried)
            if backend is None:
                return await refuse(cwriter, b"503 Service Unavailable")
            try:
                breader, bwriter = await asyncio.wait_for(
                    asyncio.open_connection("127.0.0.1", backend.port), 5
                )
                break
            except (OSError, TimeoutError):
                tried.add(backend.index)
        cookie = None
        if new_cookie:
            cookie = f"Set-Cookie: {COOKIE}={backend.index}; Path=/; HttpOnly; SameSite=Lax\r\n"
        bwriter.write(head)
        up = asyncio.create_task(pipe(creader, bwriter))
        try:
            await pipe(breader, cwriter, cookie.encode() if cookie else b"")
        finally:
            up.cancel()
            bwriter.close()


def with_cookie(head: bytes, set_cookie: bytes) -> bytes:
    """A response head with the ``Set-Cookie`` line added.

    Unless it is a websocket upgrade (101), it also says ``Connection: close``: the browser's
    later requests then come on new connections, routed by the cookie, so a request sent before
    the cookie arrived cannot keep a connection to another backend alive.

    Args:
        head: status line and headers, ending with a blank line.
        set_cookie: the ``Set-Cookie: ...\\r\\n`` line.

    Returns:
        The new head.
    """
    lines = head[:-4].split(b"\r\n")
    if lines[0].split()[1:2] != [b"101"]:
        lines = [ln for ln in lines if not ln.lower().startswith(b"connection:")]
        lines.append(b"Connection: close")
    return b"\r\n".join(lines) + b"\r\n" + set_cookie + b"\r\n"


async def pipe(reader, writer, set_cookie: bytes = b"") -> None:
    """Copy bytes until EOF, then half-close; with ``set_cookie``, add it to the first head."""
    try:
        if set_cookie:
            writer.write(with_cookie(await reader.readuntil(b"\r\n\r\n"), set_cookie))
        while data := await reader.read(CHUNK):
            writer.write(data)
            await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()
    except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
        pass


async def refuse(writer: asyncio.StreamWriter, status: bytes) -> None:
    """Answer a bad or unroutable request with ``status`` and close."""
    with contextlib.suppress(OSError):
        writer.write(b"HTTP/1.1 " + status + b"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        await writer.drain()


async def stop_backends(backends: list[Backend]) -> None:
    """SIGTERM every backend's process group; SIGKILL what is left after 10 s."""
    for b in backends:
        b.signal_group(signal.SIGTERM)
    running = [b.proc.wait() for b in backends if b.proc is not None]
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(asyncio.gather(*running), 10)
    for b in backends:
        b.signal_group(signal.SIGKILL)  # also any child left in a group whose leader exited
    await asyncio.gather(*(b.proc.wait() for b in backends if b.proc is not None))


async def serve(args: argparse.Namespace) -> None:
    """Start the backends and the proxy; run until SIGINT/SIGTERM."""
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopping.set)
    log_dir = Path(args.log_dir or tempfile.mkdtemp(prefix="classroom-logs-"))
    log_dir.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_hex(32)
    backends = [Backend(i, free_port(), log_dir / f"backend-{i}.log") for i in range(args.workers)]
    launches = [asyncio.create_task(b.launch(secret)) for b in backends]
    try:
        ready = asyncio.gather(*launches)
        stop = asyncio.create_task(stopping.wait())
        await asyncio.wait({ready, stop}, timeout=START_TIMEOUT, return_when="FIRST_COMPLETED")
        if not ready.done():
            ready.cancel()
            if not stopping.is_set():
                log(f"backends not healthy after {START_TIMEOUT:.0f} s; logs in {log_dir}")
            return
        ready.result()  # raises if a backend exited during start-up
        watchers = [asyncio.create_task(b.watch(stopping)) for b in backends]
        proxy = Proxy(backends)
        server = await asyncio.start_server(proxy.handle, args.address, args.port, limit=MAX_HEAD)
        host = "localhost" if args.address in ("0.0.0.0", "::") else args.address
        log(f"{len(backends)} workers ready: http://{host}:{args.port} (backend logs: {log_dir})")
        await stop
        log("stopping")
        server.close()
        for t in list(proxy.tasks):
            t.cancel()
        for t in watchers:
            t.cancel()
    finally:
        stopping.set()
        for t in launches:  # a launch still retrying must not start a process after this
            t.cancel()
        await asyncio.gather(*launches, return_exceptions=True)
        await stop_backends(backends)
        log("all backends stopped")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--port", type=int, default=8501)
    ap.add_argument("--address", default="127.0.0.1")
    ap.add_argument("--log-dir", help="where backend-<i>.log go (default: a new temp dir)")
    args = ap.parse_args()
    if args.workers < 1:
        ap.error("--workers must be at least 1")
    try:
        asyncio.run(serve(args))
    except (RuntimeError, OSError) as e:
        log(f"error: {e}")
        sys.exit(1)


if __name__ == "__main__":
    main()
