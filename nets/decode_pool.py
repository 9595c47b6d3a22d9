"""Decode untrusted image bytes in a small pool of worker processes with hard limits.

A decoder can spend minutes of CPU (a JPEG of 200,000 scans) or gigabytes (a 25 MP WebP of 32
bytes), and Pillow's C decoders release the GIL, so a thread cannot be stopped. The pre-checks of
``nets.decode.precheck`` reject the known shapes in the server in microseconds; everything that
passes them is decoded here, out of the server process:

- Workers are fresh interpreters (``python -I -c …``: fork + exec, never a bare fork of the
  server, which runs threads and torch) importing only PIL and numpy, started once and reused.
  ``subprocess`` rather than ``multiprocessing``'s spawn context: spawn re-imports the parent's
  ``__main__`` in every child (under the ``streamlit`` console script that is all of Streamlit's
  CLI, +48 MB and +1 s per worker; under a bench script, torch) and starts a resource-tracker
  process.
- Limits, set by each worker on itself: address space (``RLIMIT_AS``: its size after start-up +
  ``MEMORY_HEADROOM``), CPU time per decode (``RLIMIT_CPU``: the CPU used so far +
  ``CPU_SECONDS``; SIGXCPU ends it), no core files. A watchdog thread ends it when the server
  is gone (it is re-parented), so no worker outlives the server; the server's ``atexit`` closes
  the pool on a normal exit.
- The server waits ``WALL_SECONDS`` for an answer, then kills the worker and starts a
  replacement in the background; a worker that died (CPU limit, crash) is replaced the same way.
- At most ``WORKERS`` decodes run at once per server process; a caller waits up to
  ``WAIT_SECONDS`` for a free worker, then gets "busy, try again in a moment".
- Only small, already-downscaled uint8 arrays come back, as raw bytes behind a JSON header that
  the server checks (dtype, shape ≤ 256 px, exact length); rejections come back as a message key
  and numbers. Nothing from a worker is unpickled, so even a subverted decoder cannot run code in
  the server.
"""

from __future__ import annotations

import atexit
import importlib
import json
import logging
import math
import os
import re
import resource
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from multiprocessing.connection import Connection

import numpy as np

from .decode import DISPLAY_MAX, Decoded, err_corrupt, err_too_much_memory, precheck
from .errors import InputError, rejection, strings
from .paths import ROOT

log = logging.getLogger(__name__)

WORKERS = 2  # decodes in flight per server process (2 cores; classroom mode runs one server each)
WALL_SECONDS = 1.5  # the longest decode: an 8 MB, 64 MB-budget PNG takes ≈ 0.3 s here
CPU_SECONDS = 2  # per decode, a backstop behind the wall clock (whole seconds)
MEMORY_HEADROOM = 384 * 2**20  # address space a worker may add beyond its start-up size
ACK = b"A"  # a worker's first reply to a file: received
WAIT_SECONDS = 3.0  # how long an upload waits for a busy pool before "busy, try again"
START_SECONDS = 30.0  # how long a worker may take to start on a loaded machine
RECYCLE_RSS = 192 * 2**20  # a worker still this big after a decode is replaced
MAX_TASKS = 1000  # ... and so is one that has decoded this many files (heap fragmentation)
NICE = 5  # workers yield to the server's threads: CFS weights 1024 vs 335, ≈ 3× the CPU share
TASK = "nets.decode:decode_untrusted"
HEADER_MAX = 4096  # bytes of a reply's JSON header
_FMT_VALUE = re.compile(r"^[\w .×-]{0,40}$")  # what a rejection's numbers may look like

_local = threading.local()


def last_stats() -> dict | None:
    """The worker's figures for this thread's last decode: pid, base_kb and peak_kb (resident
    memory before, and at its peak during, the decode), cpu_s; None if it never reached one."""
    return getattr(_local, "stats", None)


# --------------------------------------------------------------------------------------------
# Server side


class _Worker:
    """One worker process and the socket to it."""

    def __init__(
        self, task: str, paths: tuple[str, ...], cpu_seconds: int, headroom: int, nice: int
    ):
        ours, theirs = socket.socketpair()
        # A write to a worker that stopped reading fails after 2 s instead of blocking forever.
        ours.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, struct.pack("ll", 2, 0))
        code = (
            f"import sys; sys.path[:0] = {[str(ROOT), *paths]!r}; "
            "from nets.decode_pool import worker_main; worker_main()"
        )
        env = {
            **os.environ,
            "OPENBLAS_NUM_THREADS": "1",  # numpy's import would otherwise start BLAS threads
            "OMP_NUM_THREADS": "1",
            "MALLOC_ARENA_MAX": "1",  # one heap: the watchdog thread must not map a new arena
        }
        args = [theirs.fileno(), task, cpu_seconds, headroom, os.getpid(), nice]
        args = [str(a) for a in args]
        self.proc = subprocess.Popen(
            [sys.executable, "-I", "-c", code, *args],
            pass_fds=(theirs.fileno(),),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            cwd=ROOT,
            env=env,
        )
        theirs.close()
        self.conn = Connection(ours.detach())
        self.tasks = 0

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def wait_ready(self, timeout: float) -> bool:
        try:
            if not self.conn.poll(timeout):
                return False
            return json.loads(self.conn.recv_bytes(HEADER_MAX)).get("ready") is True
        except (EOFError, OSError, ValueError):
            return False

    def kill(self) -> int | None:
        """Kill the process (if still running), reap it and return its exit code."""
        if self.proc.poll() is None:
            self.proc.kill()
        try:
            code = self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            code = None
        self.conn.close()
        return code

    def stop(self, timeout: float = 1.0) -> None:
        """Ask the worker to end (it sees the socket close), then kill it if it does not."""
        self.conn.close()
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()


class DecodePool:
    """A bounded pool of decoding workers.

    Args:
        workers: processes, i.e. decodes in flight at once.
        wall_seconds: a decode's wall-clock limit; then its worker is killed and replaced.
        cpu_seconds: a decode's CPU-time limit (whole seconds), enforced by the kernel.
        memory_headroom: bytes of address space a worker may add to its start-up size.
        wait_seconds: how long a caller waits for a busy pool before getting "busy".
        task: ``"module:function"`` a worker runs on the bytes (tests pass their own).
        paths: extra ``sys.path`` entries for the workers (for a test's task module).
        prechecked: run ``nets.decode.precheck`` here before sending bytes to a worker (tests
            turn it off to drive a worker's limits with their own bytes).
        nice: the workers' scheduling niceness (added to the server's).
    """

    def __init__(
        self,
        workers: int = WORKERS,
        wall_seconds: float = WALL_SECONDS,
        cpu_seconds: int = CPU_SECONDS,
        memory_headroom: int = MEMORY_HEADROOM,
        wait_seconds: float = WAIT_SECONDS,
        task: str = TASK,
        paths: tuple[str, ...] = (),
        prechecked: bool = True,
        nice: int = NICE,
    ):
        self.size = workers
        self.wall_seconds = wall_seconds
        self.cpu_seconds = cpu_seconds
        self.memory_headroom = memory_headroom
        self.wait_seconds = wait_seconds
        self.task = task
        self.paths = tuple(paths)
        self.prechecked = prechecked
        self.nice = nice
        self._cond = threading.Condition()
        self._idle: list[_Worker] = []
        self._busy: set[_Worker] = set()
        self._starting = 0
        self._closed = False
        self._start_failures = 0
        self._retry_at = 0.0
        self.replaced = 0  # workers killed or lost and replaced (for tests and benchmarks)

    # -- lifecycle

    def start(self) -> DecodePool:
        """Start the workers in the background (returns at once)."""
        with self._cond:
            self._fill()
        return self

    def _fill(self) -> None:  # called with the lock held
        if self._start_failures and time.monotonic() < self._retry_at:
            return  # workers failed to start: retry a little later, not in a tight loop
        while not self._closed and len(self._idle) + len(self._busy) + self._starting < self.size:
            self._starting += 1
            threading.Thread(target=self._start_one, name="decode-pool-start", daemon=True).start()

    def _start_one(self) -> None:
        worker = None
        try:
            worker = _Worker(
                self.task, self.paths, self.cpu_seconds, self.memory_headroom, self.nice
            )
            ok = worker.wait_ready(START_SECONDS)
        except OSError:
            log.exception("decode worker could not be started")
            ok = False
        with self._cond:
            self._starting -= 1
            if ok and not self._closed:
                self._idle.append(worker)
                self._start_failures = 0
                worker = None
            elif not ok:
                self._start_failures += 1
                self._retry_at = time.monotonic() + min(30.0, 2.0**self._start_failures)
            self._cond.notify_all()
        if worker is not None:
            if not ok:
                log.error("decode worker did not start (exit code %s)", worker.kill())
            else:
                worker.stop()

    def pids(self) -> list[int]:
        """Process ids of the current workers (idle and busy)."""
        with self._cond:
            return [w.pid for w in [*self._idle, *self._busy]]

    def close(self) -> None:
        """Stop every worker; later decodes raise RuntimeError."""
        with self._cond:
            self._closed = True
            workers = [*self._idle, *self._busy]
            self._idle.clear()
            self._cond.notify_all()
        for w in workers:
            w.stop()

    # -- decoding

    def decode(self, raw: bytes) -> Decoded:
        """Pre-check ``raw`` here, decode it in a worker, return the small arrays.

        Args:
            raw: untrusted file bytes.

        Returns:
            The small upright 8-bit arrays (``nets.decode.Decoded``).

        Raises:
            InputError: rejected by the pre-checks or the decoder, over a limit (``too_slow``,
                ``too_much_memory``), or the pool stayed busy (``busy``).
            RuntimeError: the pool is closed or its workers cannot start.
        """
        raw = bytes(raw)
        _local.stats = None
        if self.prechecked:
            precheck(raw)  # the cheap structural checks, in the server
        for attempt in range(2):
            worker = self._acquire()
            reuse = False
            try:
                outcome, reuse = self._run(worker, raw)
            except _WorkerLost:
                if attempt:  # a second fresh worker also died before reading: not the file's fault
                    raise RuntimeError("decode workers die before reading") from None
                continue
            finally:
                self._release(worker, reuse)
            if isinstance(outcome, InputError):
                raise outcome
            return outcome
        raise AssertionError("unreachable")

    def _acquire(self) -> _Worker:
        now = time.monotonic()
        deadline, start_deadline = now + self.wait_seconds, now + START_SECONDS
        with self._cond:
            while True:
                if self._closed:
                    raise RuntimeError("the decode pool is closed")
                while self._idle:
                    worker = self._idle.pop()
                    if worker.alive():
                        self._busy.add(worker)
                        return worker
                    worker.kill()  # died while idle (killed from outside): replace it
                    self.replaced += 1
                self._fill()
                now = time.monotonic()
                if self._busy:  # waiting for other users' decodes
                    if now >= deadline:
                        raise rejection("busy", "upload.busy")
                    limit = deadline
                else:  # nobody is decoding: waiting for workers to start
                    if now >= start_deadline:
                        raise RuntimeError("decode workers do not start")
                    limit = start_deadline
                self._cond.wait(min(limit - now, 0.25))

    def _release(self, worker: _Worker, reuse: bool) -> None:
        with self._cond:
            self._busy.discard(worker)
            if reuse and not self._closed and worker.alive():
                self._idle.append(worker)
                worker = None
            else:
                self.replaced += 1
            self._fill()
            self._cond.notify_all()
        if worker is not None:
            worker.kill()

    def _run(self, worker: _Worker, raw: bytes) -> tuple[Decoded | InputError, bool]:
        """Send ``raw`` to ``worker`` and read its answer: (result or rejection, reusable?)."""
        t0 = time.monotonic()
        try:
            worker.conn.send_bytes(raw)
            # A worker that died while idle (killed from outside, OOM) may still look alive for a
            # moment: without its acknowledgement the file never reached it — not its fault.
            if worker.conn.poll(self.wall_seconds) and worker.conn.recv_bytes(8) != ACK:
                raise OSError("no acknowledgement")
        except (EOFError, OSError):
            worker.kill()
            raise _WorkerLost from None
        worker.tasks += 1
        left = max(0.05, self.wall_seconds - (time.monotonic() - t0))
        if not worker.conn.poll(left):
            worker.kill()
            log.warning("decode worker %d killed after %.1f s", worker.pid, self.wall_seconds)
            return too_slow(self.wall_seconds), False
        try:
            head = json.loads(worker.conn.recv_bytes(HEADER_MAX))
            if not isinstance(head, dict):
                raise ValueError("reply header is not an object")
            payload = b""
            if head.get("ok"):
                left = max(0.5, self.wall_seconds - (time.monotonic() - t0))
                if not worker.conn.poll(left):
                    raise ValueError("reply without its pixels")
                payload = worker.conn.recv_bytes(DISPLAY_MAX * DISPLAY_MAX * 4)
        except (EOFError, OSError, ValueError):
            code = worker.kill()
            log.warning("decode worker %d lost (exit code %s)", worker.pid, code)
            if code == -signal.SIGXCPU:
                return too_slow(self.wall_seconds), False
            if code == -signal.SIGKILL:  # the kernel's OOM killer, most likely
                return err_too_much_memory(), False
            return err_corrupt(), False  # the decoder crashed on this file
        _local.stats = {k: head.get(k) for k in ("pid", "base_kb", "peak_kb", "cpu_s")}
        reuse = not head.get("exit") and worker.tasks < MAX_TASKS
        if not head.get("ok"):
            return _rebuild(head), reuse
        try:
            h, w = _dims(head.get("shape"), DISPLAY_MAX)
        except ValueError:
            return err_corrupt(), False
        has_rgb = head.get("rgb") is True
        if len(payload) != h * w * (4 if has_rgb else 1):
            return err_corrupt(), False
        gray = np.frombuffer(payload, np.uint8, h * w).reshape(h, w).copy()
        rgb = None
        if has_rgb:
            rgb = np.frombuffer(payload, np.uint8, offset=h * w).reshape(h, w, 3).copy()
        return Decoded(gray, rgb), reuse


class _WorkerLost(Exception):
    """The worker was gone before it read the request."""


def _dims(shape, limit: int) -> tuple[int, int]:
    if (
        not isinstance(shape, list)
        or len(shape) != 2
        or not all(isinstance(n, int) and 1 <= n <= limit for n in shape)
    ):
        raise ValueError("bad shape")
    return shape[0], shape[1]


def too_slow(seconds: float) -> InputError:
    return rejection("too_slow", "upload.too_slow", seconds=f"{seconds:g}")


def _rebuild(head: dict) -> InputError:
    """The worker's rejection, rebuilt here from a known key and plain values (or "damaged")."""
    code, key, fmt = head.get("code"), head.get("key"), head.get("fmt")
    if (
        isinstance(code, str)
        and re.fullmatch(r"[a-z_]{1,40}", code)
        and isinstance(key, str)
        and key in strings("upload")
        and isinstance(fmt, dict)
        and all(
            isinstance(k, str) and isinstance(v, (int, float, str)) and _FMT_VALUE.match(str(v))
            for k, v in fmt.items()
        )
    ):
        try:
            return rejection(code, key, **fmt)
        except (KeyError, IndexError, ValueError):
            pass
    return err_corrupt()


_pool: DecodePool | None = None
_pool_lock = threading.Lock()


def pool() -> DecodePool:
    """The process's decode pool, started on first use and closed at exit."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = DecodePool().start()
            atexit.register(_pool.close)
        return _pool


def decode(raw: bytes) -> Decoded:
    """Decode untrusted bytes in the process's pool (see ``DecodePool.decode``)."""
    return pool().decode(raw)


# --------------------------------------------------------------------------------------------
# Worker side (a fresh interpreter: ``worker_main`` is all it runs)


def _status_kb(key: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key):
                return int(line.split()[1])
    return 0


def _reset_peak() -> None:
    """Reset this process's peak-RSS counter (VmHWM) to its current RSS (Linux ≥ 4.0)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def _watch_parent(parent: int) -> None:
    """Exit as soon as the server is gone (this process is then re-parented)."""
    while os.getppid() == parent:
        time.sleep(0.2)
    os._exit(0)


def worker_main() -> None:
    """The worker's loop: read bytes, run the task under the limits, answer, repeat until EOF."""
    fd, task, cpu_seconds, headroom, parent, nice = sys.argv[1:7]
    conn = Connection(int(fd))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    os.nice(int(nice))  # the server's own threads (every student's session) come first on the CPU
    threading.Thread(target=_watch_parent, args=(int(parent),), daemon=True).start()
    module, name = task.split(":")
    fn = getattr(importlib.import_module(module), name)
    from PIL import Image

    Image.init()  # every plug-in imported now, not during the first decode
    vm = _status_kb("VmSize:") * 1024
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = vm + int(headroom)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    conn.send_bytes(json.dumps({"ready": True, "pid": os.getpid()}).encode())
    while True:
        try:
            raw = conn.recv_bytes()
            conn.send_bytes(ACK)  # the server now knows this file reached a live worker
        except (EOFError, OSError):
            return
        _reset_peak()
        base = _status_kb("VmRSS:")
        usage = resource.getrusage(resource.RUSAGE_SELF)
        used = usage.ru_utime + usage.ru_stime
        _, cpu_hard = resource.getrlimit(resource.RLIMIT_CPU)
        resource.setrlimit(resource.RLIMIT_CPU, (math.ceil(used) + int(cpu_seconds), cpu_hard))
        head: dict = {"ok": False}
        payload = b""
        try:
            out = fn(raw)
            gray, rgb = out.gray, out.rgb
            head = {"ok": True, "shape": list(gray.shape), "rgb": rgb is not None}
            payload = gray.tobytes() + (rgb.tobytes() if rgb is not None else b"")
        except InputError as exc:
            head.update(code=exc.code, key=exc.key, fmt=exc.fmt)
            head["exit"] = exc.code == "too_much_memory"
        except MemoryError:
            head.update(code="too_much_memory", key="upload.too_much_memory", fmt={}, exit=True)
        except Exception:  # an unexpected decoder failure: the file counts as damaged
            head.update(code="corrupt_image", key="upload.corrupt", fmt={}, exit=True)
        del raw
        usage = resource.getrusage(resource.RUSAGE_SELF)
        head.update(
            pid=os.getpid(),
            base_kb=base,
            peak_kb=_status_kb("VmHWM:"),
            cpu_s=round(usage.ru_utime + usage.ru_stime - used, 4),
        )
        if _status_kb("VmRSS:") * 1024 > RECYCLE_RSS:
            head["exit"] = True
        try:
            conn.send_bytes(json.dumps(head, default=str).encode())
            if head["ok"]:
                conn.send_bytes(payload)
        except OSError:
            return
        if head.get("exit"):
            return
