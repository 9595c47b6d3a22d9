"""The app's Streamlit server in-process under ``tracemalloc``, dumping memory reports on demand.

    python bench/mem_trace.py [--port 8599] [--every 120] [--out /tmp/mem_trace] [-- streamlit opts]
    kill -USR1 <pid>          # or --every S: dump snapshot N now
    python bench/load_ws.py --url http://127.0.0.1:8599 --pid <pid> --sessions 30 --seconds 300
    python bench/mem_trace.py --compare /tmp/mem_trace/snap-1.pickle /tmp/mem_trace/snap-3.pickle

Starts tracemalloc (``--frames`` deep), then runs ``streamlit run app.py`` in this process (the
same click entry point as ``python -m streamlit``, from the repo root so ``.streamlit/config.toml``
applies). Each dump prints RSS and tracemalloc's traced total (RSS growth without traced growth is
native memory: torch, protobuf's C++ side, malloc fragmentation) and writes ``snap-N.pickle``
(the snapshot) and ``types-N.txt`` (live gc objects by type); with ``--who TYPE`` also
``who-N.txt``: the chain of referrers that keeps the oldest and newest live TYPE alive. Comparing two snapshots groups
the growth by traceback; it runs in a separate process (``--compare``), so it never stalls the
server. Tracing slows the server 2-3 ×. Prints figures, never asserts.
"""

from __future__ import annotations

import argparse
import collections
import gc
import linecache
import os
import signal
import sys
import threading
import time
import tracemalloc
import types
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import ROOT, free_port, rss_mb  # noqa: E402

ROOTS = {"AppSession", "SessionState", "Runtime", "ScriptRunner", "module", "Thread"}
SKIP = (tracemalloc.__file__, linecache.__file__, "<frozen importlib._bootstrap>", __file__)


def type_counts() -> collections.Counter:
    """Live gc-tracked objects by type name."""
    return collections.Counter(type(o).__qualname__ for o in gc.get_objects())


def describe(parent, child) -> str:
    """One step of a referrer chain: the parent's type and where it holds ``child``."""
    name = type(parent).__qualname__
    if isinstance(parent, dict):
        for k, v in parent.items():
            if v is child:
                return f"{name}[{str(k)[:60]!r}]"
    if isinstance(parent, types.FunctionType):
        return f"function {parent.__qualname__}"
    return name


def who_holds(obj, roots: set[str], depth: int = 14) -> list[str]:
    """The shortest chain of referrers from ``obj`` up to an object whose type is in ``roots``.

    Breadth-first over ``gc.get_referrers``; frames and this search's own containers are skipped.
    """
    parent: dict[int, object] = {}
    seen = {id(obj)}
    level = [obj]
    mine = {id(parent), id(seen)}
    for _ in range(depth):
        mine.add(id(level))
        nxt = []
        for o in level:
            for r in gc.get_referrers(o):
                if id(r) in seen or id(r) in mine or isinstance(r, types.FrameType):
                    continue
                seen.add(id(r))
                parent[id(r)] = o
                if type(r).__qualname__ in roots:
                    chain, cur = [], r
                    while cur is not obj:
                        child = parent[id(cur)]
                        chain.append(describe(cur, child))
                        cur = child
                    return [*chain, type(obj).__qualname__]
                nxt.append(r)
        level = nxt
    return ["(no root found)"]


def dump(out: Path, n: int, who: str = "") -> None:
    """Write snapshot ``n`` and the type counts; print RSS and the traced total.

    Args:
        out: folder for ``snap-N.pickle``, ``types-N.txt`` and ``who-N.txt``.
        n: the dump's number.
        who: a type name; if set, also write who holds its oldest and newest live instances.
    """
    t0 = time.perf_counter()
    gc.collect()
    snap = tracemalloc.take_snapshot()
    cur, _ = tracemalloc.get_traced_memory()
    snap.dump(str(out / f"snap-{n}.pickle"))
    types = type_counts()
    with open(out / f"types-{n}.txt", "w") as f:
        for name, c in types.most_common():
            f.write(f"{c} {name}\n")
    if who:
        objs = [o for o in gc.get_objects() if type(o).__qualname__ == who]
        with open(out / f"who-{n}.txt", "w") as f:
            f.write(f"{len(objs)} live {who}\n")
            for o in objs[:1] + objs[-1:]:
                f.write("\n  ← ".join(who_holds(o, ROOTS)) + "\n\n")
        del objs
    print(
        f"[mem_trace] {time.strftime('%H:%M:%S')} snap-{n}: RSS {rss_mb(os.getpid()):.0f} MB, "
        f"traced {cur / 2**20:.1f} MiB, tracemalloc's own {tracemalloc.get_tracemalloc_memory() / 2**20:.0f} MiB, "
        f"{sum(types.values())} gc objects, load {os.getloadavg()[0]:.1f} "
        f"({time.perf_counter() - t0:.1f} s)",
        flush=True,
    )


def read_types(path: Path) -> collections.Counter:
    c = collections.Counter()
    for ln in path.read_text().splitlines():
        k, _, name = ln.partition(" ")
        c[name] = int(k)
    return c


def compare(old: Path, new: Path, top: int, limit: int) -> None:
    """Print the growth from snapshot ``old`` to ``new`` by traceback, and by object type."""
    skip = [tracemalloc.Filter(False, f) for f in SKIP]
    a = tracemalloc.Snapshot.load(str(old)).filter_traces(skip)
    b = tracemalloc.Snapshot.load(str(new)).filter_traces(skip)
    for key in ("filename", "traceback"):
        stats = b.compare_to(a, key)
        grow = sum(s.size_diff for s in stats)
        total = sum(s.size for s in stats)
        print(
            f"\n== {old.name} → {new.name} by {key}: {grow / 2**20:+.2f} MiB (now {total / 2**20:.1f})"
        )
        for s in stats[:top]:
            print(
                f"{s.size_diff / 1024:+9.0f} KiB ({s.count_diff:+d} blocks; now "
                f"{s.size / 1024:.0f} KiB in {s.count})"
            )
            if key == "traceback":
                for line in s.traceback.format(limit=limit, most_recent_first=True):
                    print(f"    {line}")
            else:
                print(f"    {s.traceback[0].filename}")
    ta = read_types(old.with_name(old.name.replace("snap-", "types-").replace(".pickle", ".txt")))
    tb = read_types(new.with_name(new.name.replace("snap-", "types-").replace(".pickle", ".txt")))
    print(f"\n== gc objects {sum(ta.values())} → {sum(tb.values())}; types that grew most")
    for name, d in (tb - ta).most_common(top):
        print(f"  {d:+8d}  {name} (now {tb[name]})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=0, help="0: a free port")
    ap.add_argument("--frames", type=int, default=12, help="tracemalloc traceback depth")
    ap.add_argument("--every", type=float, default=0, help="also dump every S seconds")
    ap.add_argument("--out", type=Path, default=Path("/tmp/mem_trace"))
    ap.add_argument("--who", default="", help="type name: dump who holds its instances")
    ap.add_argument("--compare", nargs=2, type=Path, metavar=("OLD", "NEW"), help="print a diff")
    ap.add_argument("--top", type=int, default=20, help="rows per section of a diff")
    ap.add_argument("--limit", type=int, default=12, help="frames shown per traceback")
    ap.add_argument("opts", nargs="*", help="streamlit options after --, e.g. --server.x=y")
    args = ap.parse_args()
    if args.compare:
        compare(*args.compare, args.top, args.limit)
        return
    args.out.mkdir(parents=True, exist_ok=True)
    port = args.port or free_port()
    wake = threading.Event()

    def dumper():
        n = 0
        while True:
            wake.wait()
            wake.clear()
            try:
                dump(args.out, n, args.who)
                n += 1
            except Exception as exc:  # noqa: BLE001 - a failed dump must not stop the server
                print(f"[mem_trace] dump failed: {exc!r}", flush=True)

    tracemalloc.start(args.frames)
    threading.Thread(target=dumper, daemon=True).start()
    signal.signal(signal.SIGUSR1, lambda *_: wake.set())
    if args.every:

        def tick():
            while True:
                time.sleep(args.every)
                wake.set()

        threading.Thread(target=tick, daemon=True).start()
    print(f"[mem_trace] pid {os.getpid()} url http://127.0.0.1:{port} reports in {args.out}")
    os.chdir(ROOT)
    sys.argv = ["streamlit", "run", str(ROOT / "app.py"), "--server.address", "127.0.0.1"]
    sys.argv += ["--server.port", str(port), "--server.headless", "true", *args.opts]
    from streamlit.web import cli

    cli.main(prog_name="streamlit")


if __name__ == "__main__":
    main()
