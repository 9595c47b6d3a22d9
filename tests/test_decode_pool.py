"""The decode worker pool (nets.decode_pool): limits, recovery, what comes back, clean exit.

Pools here run test tasks from ``tests/pooltasks.py`` (the real decoder unless the bytes are a
command such as ``b"spin"``), without the server-side pre-check (a command is not an image), with
small limits so each test takes a few seconds. No assertion is
about speed: a limit either stops a worker or it does not.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from badinputs import digit_image, encode, hostile, png_bytes

from nets import decode as dec
from nets import decode_pool
from nets.errors import InputError

TESTS = str(Path(__file__).resolve().parent)
DIGIT = png_bytes(digit_image(28))


def pool(**kw) -> decode_pool.DecodePool:
    """A pool running the test tasks, with every worker started."""
    kw.setdefault("task", "pooltasks:by_command")
    kw.setdefault("paths", (TESTS,))
    kw.setdefault("prechecked", False)  # the commands below are not images
    p = decode_pool.DecodePool(**kw).start()
    deadline = time.monotonic() + decode_pool.START_SECONDS
    while len(p.pids()) < p.size and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(p.pids()) == p.size, "workers did not start"
    return p


def alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie child of this process counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def gone_within(pids: list[int], seconds: float) -> list[int]:
    """The pids still alive after waiting up to ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and any(alive(p) for p in pids):
        time.sleep(0.05)
    return [p for p in pids if alive(p)]


def assert_digit(p: decode_pool.DecodePool) -> None:
    """A normal upload works and equals the in-process decode."""
    got = p.decode(DIGIT)
    np.testing.assert_array_equal(got.gray, dec.decode_untrusted(DIGIT).gray)


@pytest.fixture
def small_pool():
    p = pool(workers=1, wall_seconds=20.0, cpu_seconds=1)
    yield p
    p.close()


def test_normal_decode_matches_in_process_and_reuses_the_worker(small_pool):
    colour = encode(
        digit_image(80, ink=0, paper=255).convert("RGB").point(lambda v: v * 0.8), "JPEG"
    )
    for data in (DIGIT, colour):
        got, want = small_pool.decode(data), dec.decode_untrusted(data)
        np.testing.assert_array_equal(got.gray, want.gray)
        assert (got.rgb is None) == (want.rgb is None)
    pids = small_pool.pids()
    assert_digit(small_pool)
    assert small_pool.pids() == pids and small_pool.replaced == 0
    stats = decode_pool.last_stats()
    assert stats["pid"] == pids[0] and stats["peak_kb"] >= stats["base_kb"] > 0


def test_cpu_limit_kills_the_worker_and_the_pool_recovers(small_pool):
    """RLIMIT_CPU (1 s here), not the wall clock (20 s), stops a spinning decoder."""
    first = small_pool.pids()
    t0 = time.monotonic()
    with pytest.raises(InputError) as info:
        small_pool.decode(b"spin")
    assert info.value.code == "too_slow" and info.value.zh != info.value.en
    assert time.monotonic() - t0 < 15  # long before the 20 s wall clock
    assert gone_within(first, 5) == []
    assert_digit(small_pool)
    assert small_pool.pids() != first and small_pool.replaced == 1


def test_memory_limit_stops_the_decode_and_the_pool_recovers(small_pool):
    first = small_pool.pids()
    with pytest.raises(InputError) as info:
        small_pool.decode(b"alloc")
    assert info.value.code == "too_much_memory"
    assert gone_within(first, 5) == []  # a worker that ran out of memory is replaced
    assert_digit(small_pool)


def test_wall_clock_kills_a_stuck_worker_and_the_pool_recovers():
    p = pool(workers=1, wall_seconds=1.0)
    try:
        first = p.pids()
        with pytest.raises(InputError) as info:
            p.decode(b"sleep")
        assert info.value.code == "too_slow" and "1 s" in info.value.en
        assert gone_within(first, 5) == []
        assert_digit(p)
    finally:
        p.close()


def test_real_decoder_without_prechecks_is_stopped_by_the_limits():
    """If a pre-check were missing, the repeated-scans JPEG (minutes of CPU in-process) would
    still be stopped by the worker's limits, and the next upload would work."""
    p = pool(workers=1, wall_seconds=1.5, task="pooltasks:decode_unchecked")
    try:
        with pytest.raises(InputError) as info:
            p.decode(hostile("jpeg_repeated_scans"))
        assert info.value.code == "too_slow"
        assert p.decode(DIGIT).gray.shape == (28, 28)
    finally:
        p.close()


def test_busy_pool_answers_busy_then_works():
    p = pool(workers=1, wall_seconds=3.0, wait_seconds=0.3)
    try:
        assert_digit(p)  # started
        errors = []
        t = threading.Thread(target=lambda: errors.append(_code(p, b"sleep")))
        t.start()
        time.sleep(0.3)  # the only worker is now stuck for 3 s
        with pytest.raises(InputError) as info:
            p.decode(DIGIT)
        assert info.value.code == "busy" and info.value.zh != info.value.en
        t.join()
        assert errors == ["too_slow"]
        assert_digit(p)
    finally:
        p.close()


def _code(p, data) -> str:
    try:
        p.decode(data)
    except InputError as exc:
        return exc.code
    return "ok"


def test_only_small_arrays_come_back(small_pool):
    with pytest.raises(InputError) as info:
        small_pool.decode(b"huge")  # a 300×300 reply: over DISPLAY_MAX
    assert info.value.code == "corrupt_image"
    assert_digit(small_pool)


def test_rejections_are_rebuilt_from_known_keys_only():
    good = {"code": "too_many_scans", "key": "upload.too_many_scans", "fmt": {"limit": 99}}
    err = decode_pool._rebuild(good)
    assert err.code == "too_many_scans" and "99" in err.en and "99" in err.zh
    for bad in (
        {**good, "key": "cnn.title"},  # a string from another file
        {**good, "fmt": {"limit": "[click](http://evil)"}},  # markdown
        {**good, "fmt": {"limit": [1, 2]}},
        {**good, "fmt": {"scans": 99}},  # its placeholder missing
        {"code": "x" * 100, "key": "upload.corrupt", "fmt": {}},
    ):
        assert decode_pool._rebuild(bad).code == "corrupt_image", bad


def test_workers_import_no_torch_or_streamlit_and_run_with_limits(small_pool):
    import torch  # noqa: F401  (loaded here, in the parent; the worker must not have it)

    got = small_pool.decode(b"probe").gray
    assert got.tolist() == [[0, 0]]
    pid = small_pool.pids()[0]
    limits = Path(f"/proc/{pid}/limits").read_text()
    row = {ln[:26].strip(): ln[26:].split() for ln in limits.splitlines()[1:]}
    assert row["Max core file size"][:2] == ["0", "0"]
    assert row["Max address space"][0] != "unlimited"
    assert int(row["Max address space"][0]) < 2 * 2**30
    assert row["Max cpu time"][0] != "unlimited"
    with open(f"/proc/{pid}/stat") as f:
        nice = int(f.read().rsplit(")", 1)[1].split()[16])
    assert nice == min(19, os.nice(0) + decode_pool.NICE)  # added to ours (CI may run niced)


def test_close_leaves_no_worker():
    p = pool(workers=2)
    assert_digit(p)
    pids = p.pids()
    p.close()
    assert gone_within(pids, 5) == []
    with pytest.raises(RuntimeError):
        p.decode(DIGIT)


def test_workers_exit_when_the_server_is_killed():
    """SIGKILL of the parent (no atexit): its workers notice and exit by themselves."""
    code = textwrap.dedent(
        f"""
        import os, signal, sys
        sys.path[:0] = [{str(dec.ROOT)!r}, {TESTS!r}]
        from nets import decode_pool
        from badinputs import digit_image, png_bytes
        p = decode_pool.pool()
        p.decode(png_bytes(digit_image(28)))
        while len(p.pids()) < p.size:
            pass
        print(" ".join(map(str, p.pids())), flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-2000:]
    pids = [int(x) for x in proc.stdout.split()]
    assert len(pids) == decode_pool.WORKERS
    assert gone_within(pids, 5) == []


def test_a_worker_killed_from_outside_is_replaced(small_pool):
    pid = small_pool.pids()[0]
    os.kill(pid, signal.SIGKILL)
    assert_digit(small_pool)  # the dead idle worker is noticed and replaced, no error shown
    assert pid not in small_pool.pids()
    assert gone_within([pid], 15) == []  # and reaped (generous: the machine may be loaded)
