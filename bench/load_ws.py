"""Classroom load without browsers: N sessions speaking Streamlit's websocket protocol.

    python bench/load_ws.py --sessions 30 --burst 5        # 5 synchronised rounds
    python bench/load_ws.py --sessions 30 --seconds 600    # free-running loop (memory soak)

Each session is a lightweight client (``websockets`` + ``streamlit.proto``): it connects to
``/_stcore/stream`` with the ``streamlit`` subprotocol, as the frontend does, and sends
``BackMsg.rerun_script`` with a ``ClientState`` (page name, query string). One interaction is
the round trip from that message to the ``script_finished`` ForwardMsg, i.e. the server's whole
rerun including sending every delta; nothing is rendered. Two kinds of interaction alternate:
opening the CNN page (default sample) and opening the RNN page with a fresh sentence in the
query string (``?lang=..&text=..``). Visiting the CNN page in between drops the RNN text
widget's state, so every RNN open analyses its new sentence (checked: the sentence must come
back in the page's deltas). ``--burst R``: all sessions send each kind at the same instant,
R rounds. Otherwise every session loops for ``--seconds``.

Prints interactions/s, p50/p95 per kind, errors (time-outs, exception elements, st.error
alerts, closed sockets) and the server's RSS (``/proc``) at start, with all sessions open,
peak and end (and once a minute in loop mode). Starts ``streamlit run app.py`` from the repo
root, so ``.streamlit/config.toml`` applies (or use ``--url``). Never asserts. Behind
``scripts/classroom.py`` (HAProxy): ``--url http://127.0.0.1:PORT --warm 2 --pid HAPROXY --pid W0
--pid W1`` with the pids it prints (one warm-up session per worker; CPU and RSS summed over the
pids) and ``--own-addresses`` (each session from its own loopback address, so that HAProxy's
per-address limits see one student per session, as on a classroom's network). These clients send no cookie, so HAProxy
places each session's websocket on the worker with the fewest open requests.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import sys
import time
import urllib.parse
from pathlib import Path

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import MemoryWatch, fresh_sentence, pct, rss_mb, start_server  # noqa: E402

SUCCESS = {ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY}
ALERT_ERROR = 1  # Alert.Format.ERROR


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process has used so far (from /proc)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return float("nan")


def _summed(f):
    """``f`` summed over a list of pids (the server's processes, e.g. classroom backends)."""
    return lambda pids: sum(f(p) for p in pids) if pids else float("nan")


rss_mb, cpu_seconds = _summed(rss_mb), _summed(cpu_seconds)


class _Watch(MemoryWatch):
    def run(self):  # MemoryWatch's loop, over the summed RSS
        while not self.stop.is_set():
            self.samples.append((time.monotonic(), rss_mb(self.pid)))
            self.stop.wait(0.5)


MemoryWatch = _Watch


class Client:
    """One Streamlit session over a raw websocket."""

    def __init__(self, ws_url: str, timeout: float, source: str | None = None):
        self.ws_url, self.timeout, self.source = ws_url, timeout, source
        self.ws = None
        self.hashes: dict[str, str] = {}  # url_pathname → page_script_hash
        self.app_errors = 0  # exception elements and st.error alerts in the current run

    async def connect(self) -> None:
        self.ws = await websockets.connect(
            self.ws_url,
            subprotocols=["streamlit"],
            max_size=None,
            open_timeout=self.timeout,
            ping_interval=None,
            local_addr=(self.source, 0) if self.source else None,
        )

    def _scan(self, msg: ForwardMsg) -> None:
        kind = msg.WhichOneof("type")
        if kind in ("new_session", "navigation"):
            pages = getattr(msg, kind).app_pages
            for p in pages:
                self.hashes[p.url_pathname] = p.page_script_hash
        elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            el = msg.delta.new_element
            et = el.WhichOneof("type")
            if et == "exception" or (et == "alert" and el.alert.format == ALERT_ERROR):
                self.app_errors += 1

    async def interact(self, page: str, query: dict[str, str], expect: str = "") -> float:
        """Rerun ``page`` with ``query``; returns seconds to ``script_finished``.

        Args:
            page: url path of the page ("cnn", "rnn").
            query: query-string keys.
            expect: text that must appear in the run's messages (the sentence), or "".

        Returns:
            Latency in seconds; raises on time-out, script failure or a missing ``expect``.
        """
        cs = BackMsg()
        cs.rerun_script.query_string = urllib.parse.urlencode(query)
        cs.rerun_script.page_name = page
        cs.rerun_script.page_script_hash = self.hashes.get(page, "")
        self.app_errors = 0
        seen = not expect
        needle = expect.encode("utf-8")
        t0 = time.perf_counter()
        await self.ws.send(cs.SerializeToString())
        deadline = t0 + self.timeout
        while True:
            left = deadline - time.perf_counter()
            if left <= 0:
                raise TimeoutError(f"{page}: no script_finished within {self.timeout:.0f} s")
            raw = await asyncio.wait_for(self.ws.recv(), left)
            if not seen and needle in raw:
                seen = True
            msg = ForwardMsg()
            msg.ParseFromString(raw)
            self._scan(msg)
            if msg.WhichOneof("type") == "script_finished":
                st = msg.script_finished
                if st == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    continue
                dt = time.perf_counter() - t0
                if st not in SUCCESS:
                    raise RuntimeError(f"{page}: script finished with status {st}")
                if self.app_errors:
                    raise RuntimeError(f"{page}: {self.app_errors} error element(s)")
                if not seen:
                    raise RuntimeError(f"{page}: sentence not echoed (stale widget state?)")
                return dt

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()


class Session:
    """A student: alternates the CNN page and the RNN page with a fresh sentence."""

    def __init__(
        self, i: int, ws_url: str, stats: dict, timeout: float, lang: str, own_address=False
    ):
        self.i, self.stats = i, stats
        self.rng = random.Random(i)
        self.lang = lang
        # Its own loopback address (Linux routes all of 127/8 to lo), as a student's own device.
        source = f"127.0.{1 + i // 250}.{1 + i % 250}" if own_address else None
        self.client = Client(ws_url, timeout, source)

    async def record(self, kind: str, coro) -> None:
        try:
            dt = await coro
            self.stats.setdefault(kind, []).append(dt)
        except Exception as e:  # noqa: BLE001 - every failure is a counted error
            self.stats.setdefault("errors", []).append(f"s{self.i} {kind}: {type(e).__name__}: {e}")
            if isinstance(e, websockets.ConnectionClosed | OSError):
                with contextlib.suppress(Exception):  # reconnect, as the frontend would
                    await self.client.connect()

    async def open(self) -> None:
        await self.client.connect()
        await self.record("open", self.client.interact("cnn", {"lang": self.lang}))

    async def cnn(self) -> None:
        await self.record("cnn", self.client.interact("cnn", {"lang": self.lang}))

    async def rnn(self) -> None:
        s = fresh_sentence(self.rng)
        q = {"lang": self.lang, "text": s}
        await self.record("rnn", self.client.interact("rnn", q, expect=s))

    async def loop(self, t_end: float, think: float) -> None:
        while time.monotonic() < t_end:
            await self.rnn()
            if time.monotonic() >= t_end:
                break
            await self.cnn()
            if think:
                await asyncio.sleep(self.rng.uniform(0, 2 * think))


def summary(stats: dict, wall: float) -> None:
    n = sum(len(stats.get(k, [])) for k in ("cnn", "rnn"))
    print(f"interactions: {n} in {wall:.1f} s = {n / wall:.2f}/s")
    for kind in ("open", "cnn", "rnn"):
        xs = stats.get(kind, [])
        if xs:
            print(
                f"  {kind:4s} n={len(xs):4d}  p50 {pct(xs, 0.5) * 1000:7.0f} ms  "
                f"p95 {pct(xs, 0.95) * 1000:7.0f} ms  max {max(xs) * 1000:7.0f} ms"
            )
    errs = stats.get("errors", [])
    print(f"errors: {len(errs)}")
    for e in errs[:10]:
        print("   ", e)


async def run(args) -> None:
    proc = None
    if args.url:
        base, pid = args.url.rstrip("/"), args.pid
    else:
        proc, base = start_server(args.server_opt)
        pid = [proc.pid]
    ws_url = base.replace("http://", "ws://") + "/_stcore/stream"
    try:
        load1 = os.getloadavg()[0]
        # Warm-up session: loads the models and fills the caches, as the teacher's own visit does
        # (--warm 2 behind scripts/classroom.py's HAProxy: one for each of its 2 workers).
        for w in range(args.warm):
            warm = Session(10_000 + w, ws_url, {}, args.timeout, "en")
            await warm.open()
            await warm.rnn()
            await warm.client.close()
        await asyncio.sleep(1.0)
        rss_start = rss_mb(pid)
        watch = MemoryWatch(pid)
        watch.start()
        stats: dict = {}
        langs = ["en", "zh"]
        sessions = [
            Session(i, ws_url, stats, args.timeout, langs[i % 2], args.own_addresses)
            for i in range(args.sessions)
        ]
        t_open = time.perf_counter()
        await asyncio.gather(*(s.open() for s in sessions))
        print(
            f"{args.sessions} sessions opened (CNN page, all at once) in "
            f"{time.perf_counter() - t_open:.1f} s"
        )
        rss_open = rss_mb(pid)
        stats.pop("cnn", None)
        t0 = time.perf_counter()
        cpu0, client_cpu0 = cpu_seconds(pid), time.process_time()
        if args.burst:
            for r in range(args.burst):
                for kind in ("rnn", "cnn"):
                    tb = time.perf_counter()
                    before = len(stats.get(kind, []))
                    await asyncio.gather(*(getattr(s, kind)() for s in sessions))
                    xs = stats.get(kind, [])[before:]
                    print(
                        f"  round {r + 1} {kind}: {len(xs)} ok, burst done in "
                        f"{time.perf_counter() - tb:.2f} s, p95 {pct(xs, 0.95) * 1000:.0f} ms, "
                        f"RSS {rss_mb(pid):.0f} MB, load {os.getloadavg()[0]:.1f}",
                        flush=True,
                    )
                    await asyncio.sleep(args.pause)
        else:
            t_end = time.monotonic() + args.seconds

            async def reporter():
                while time.monotonic() < t_end:
                    await asyncio.sleep(60)
                    n = sum(len(stats.get(k, [])) for k in ("cnn", "rnn"))
                    print(
                        f"  t={time.perf_counter() - t0:5.0f} s  interactions {n}  "
                        f"errors {len(stats.get('errors', []))}  RSS {rss_mb(pid):.0f} MB  "
                        f"load {os.getloadavg()[0]:.1f}",
                        flush=True,
                    )

            rep = asyncio.create_task(reporter())
            await asyncio.gather(*(s.loop(t_end, args.think) for s in sessions))
            rep.cancel()
        wall = time.perf_counter() - t0
        cores = (cpu_seconds(pid) - cpu0) / wall
        client_cores = (time.process_time() - client_cpu0) / wall
        await asyncio.gather(*(s.client.close() for s in sessions), return_exceptions=True)
        await asyncio.sleep(2.0)
        rss_end = rss_mb(pid)
        watch.stop.set()
        peak = max((m for _, m in watch.samples), default=float("nan"))
        print(
            f"sessions {args.sessions}, mode "
            + (f"burst x{args.burst}" if args.burst else f"loop {args.seconds:.0f} s")
            + f", load average at start {load1:.1f}, at end {os.getloadavg()[0]:.1f}"
        )
        summary(stats, wall)
        print(
            f"server CPU: {cores:.2f} cores on average over the run (of {os.cpu_count()}); "
            f"these clients: {client_cores:.2f} cores"
        )
        print(
            f"server RSS MB (after a warm-up session): start {rss_start:.0f}, all sessions open "
            f"{rss_open:.0f} (≈ {(rss_open - rss_start) / max(1, args.sessions):.1f} MB per "
            f"session), peak {peak:.0f}, end {rss_end:.0f} (2 s after all sessions closed)"
        )
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(10)
            except Exception:  # noqa: BLE001
                proc.kill()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sessions", type=int, default=30)
    ap.add_argument("--seconds", type=float, default=120)
    ap.add_argument("--burst", type=int, default=0, help="R synchronised rounds instead of a loop")
    ap.add_argument("--pause", type=float, default=1.0, help="seconds between burst rounds")
    ap.add_argument("--think", type=float, default=0.0, help="mean think time in loop mode")
    ap.add_argument("--timeout", type=float, default=120.0)
    ap.add_argument("--warm", type=int, default=1, help="warm-up sessions before the run")
    ap.add_argument("--url", help="use a running server, e.g. http://127.0.0.1:8501")
    ap.add_argument(
        "--own-addresses",
        action="store_true",
        help="each session connects from its own 127.0.x.y, as students on their own devices "
        "(HAProxy's per-address limits then apply per session, as in a classroom)",
    )
    ap.add_argument(
        "--pid",
        type=int,
        action="append",
        default=[],
        help="its pid, for CPU and memory figures; repeat to sum processes (classroom backends)",
    )
    ap.add_argument(
        "--server-opt",
        action="append",
        default=[],
        help="streamlit option, e.g. runner.postScriptGC=true",
    )
    asyncio.run(run(ap.parse_args()))


if __name__ == "__main__":
    main()
