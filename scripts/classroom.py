"""Classroom mode: N warmed Streamlit workers behind HAProxy, supervised.

    python scripts/classroom.py [--workers N] [--address 0.0.0.0] [--port 8501] [--log-dir D]

Starts N workers (``scripts/serve.py``: ``streamlit run app.py``, healthy only once torch and the
models are loaded) on free loopback ports, writes HAProxy's config from
``deploy/haproxy.cfg.tmpl`` and runs ``haproxy`` in the foreground; HAProxy does the rest
(sticky cookie, health checks, websockets, per-client limits). A worker that exits is started
again on its port after 1 s, doubling to 30 s while it keeps dying quickly. "ready" is printed
once HAProxy's stats socket shows every worker in rotation. SIGINT/SIGTERM stop HAProxy and every
worker's process group. --log-dir (default: a new temporary directory) holds worker-<i>.log,
haproxy.log, haproxy.cfg and the stats socket haproxy.sock.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import ctypes
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from haproxy_cfg import render  # scripts/haproxy_cfg.py

ROOT = Path(__file__).resolve().parent.parent
HAPROXY = shutil.which("haproxy") or "/usr/sbin/haproxy"
QUICK_DEATH = 60.0  # seconds: a worker that dies sooner waits twice as long before its restart


def log(msg: str) -> None:
    print(f"[classroom {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def lan_address() -> str:
    """This machine's address on its default route (no packet is sent), else its host name's."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("10.254.254.254", 1))
            return s.getsockname()[0]
        except OSError:
            return socket.gethostbyname(socket.gethostname())


def spawn(cmd: list[str], log_path: Path, env: dict | None = None) -> subprocess.Popen:
    """Start ``cmd`` in its own process group, output to ``log_path``, SIGTERM if we die."""
    pdeathsig = lambda: ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # noqa: E731 (Linux)
    with log_path.open("ab") as out:
        return subprocess.Popen(
            cmd,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=pdeathsig,
        )


def stop(procs: list[subprocess.Popen]) -> None:
    """SIGTERM each process group, SIGKILL what is left after 10 s."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for p in procs:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(p.pid, sig)
        deadline = time.monotonic() + 10
        for p in procs:
            with contextlib.suppress(subprocess.TimeoutExpired):
                p.wait(max(0.0, deadline - time.monotonic()))


class Worker:
    """One ``scripts/serve.py`` process on a fixed loopback port, restarted when it exits."""

    def __init__(self, index: int, log_dir: Path, env: dict):
        self.index, self.port, self.env = index, free_port(), env
        self.log_path = log_dir / f"worker-{index}.log"
        self.delay, self.due = 0.5, None
        self.start()

    def start(self) -> None:
        cmd = [sys.executable, str(ROOT / "scripts" / "serve.py"), "--server.headless", "true"]
        cmd += ["--server.address", "127.0.0.1", "--server.port", str(self.port)]
        self.proc, self.started = spawn(cmd, self.log_path, self.env), time.monotonic()
        log(f"worker {self.index}: pid {self.proc.pid}, port {self.port}, log {self.log_path}")

    def tend(self) -> None:
        """Schedule a restart when the process has exited; restart when its time has come."""
        if self.proc.poll() is None:
            return
        now = time.monotonic()
        if self.due is None:
            quick = now - self.started < QUICK_DEATH
            self.delay = min(2 * self.delay, 30.0) if quick else 1.0
            self.due = now + self.delay
            log(f"worker {self.index} exited ({self.proc.returncode}); restart in {self.delay:g} s")
        elif now >= self.due:
            self.due = None
            self.start()


def in_rotation(stats_socket: Path) -> set[str]:
    """Names of the workers HAProxy routes to now (``show stat`` on its stats socket)."""
    try:
        with socket.socket(socket.AF_UNIX) as s:
            s.connect(str(stats_socket))
            s.sendall(b"show stat\n")
            text = s.makefile(encoding="utf-8").read()
    except OSError:
        return set()
    rows = csv.DictReader(text.removeprefix("# ").splitlines())
    return {r["svname"] for r in rows if r["pxname"] == "workers" and r["status"] == "UP"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--address", default="127.0.0.1", help="0.0.0.0: every interface")
    ap.add_argument("--port", type=int, default=8501)
    ap.add_argument("--log-dir", type=Path, help="default: a new temporary directory")
    args = ap.parse_args()
    if args.workers < 1:
        ap.error("--workers must be at least 1")
    if not Path(HAPROXY).exists():
        sys.exit("haproxy is missing: sudo apt-get install -y haproxy")
    stopping = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stopping.append(True))
    log_dir = args.log_dir or Path(tempfile.mkdtemp(prefix="classroom-"))
    log_dir.mkdir(parents=True, exist_ok=True)
    # One cookie secret for all: Streamlit's signed XSRF cookie stays valid on another worker.
    env = {**os.environ, "STREAMLIT_SERVER_COOKIE_SECRET": secrets.token_hex(32)}
    host = lan_address() if args.address in ("0.0.0.0", "::", "") else args.address
    workers, haproxy = [], None
    try:
        for i in range(args.workers):
            workers.append(Worker(i, log_dir, env))
        cfg, stats_socket = log_dir / "haproxy.cfg", log_dir / "haproxy.sock"
        servers = [f"127.0.0.1:{w.port}" for w in workers]
        text = render(f"{args.address}:{args.port}", servers, stats_socket=str(stats_socket))
        cfg.write_text(text)
        scheme = "https" if " ssl crt " in text else "http"  # a certificate line (docs/deploy.md)
        haproxy = spawn([HAPROXY, "-db", "-f", str(cfg)], log_dir / "haproxy.log")
        log(f"haproxy: pid {haproxy.pid}, config {cfg}, log {log_dir / 'haproxy.log'}")
        waiting = {f"w{i}" for i in range(args.workers)}  # until HAProxy routes to each
        while not stopping and haproxy.poll() is None:
            for w in workers:
                w.tend()
            if waiting:
                waiting -= in_rotation(stats_socket)
                if not waiting:
                    log(
                        f"ready, {args.workers} workers: students open {scheme}://{host}:{args.port}"
                    )
            time.sleep(0.5)
        if haproxy.returncode is not None:
            log(f"haproxy exited ({haproxy.returncode}); see {log_dir / 'haproxy.log'}")
    finally:
        log("stopping")
        stop([w.proc for w in workers] + ([haproxy] if haproxy else []))
        log("stopped")
    sys.exit(0 if stopping else 1)


if __name__ == "__main__":
    main()
