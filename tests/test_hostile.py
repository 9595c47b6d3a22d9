"""The red-team's hostile uploads (issue 18) through ``nets.analyze_image``, as the server runs it.

Each file of ``badinputs.HOSTILE`` (and a few legitimate files at the edge of the memory budget)
must be analysed or rejected with its expected bilingual message within 2 s of wall time; one
upload may grow this ("server") process's peak RSS and the decoding worker's by at most 150 MB;
the next upload must work. Peak RSS is read from ``VmHWM`` after resetting it
(``/proc/self/clear_refs``; the worker does the same and reports its own figure).

The 2 s bound is the issue's acceptance bound, checked as a wall time on purpose. It is generous
for what it measures: a rejected file is refused by byte pre-checks in well under a millisecond,
and the heaviest accepted file decodes in ≈ 0.3 s; on main the same files took 1–13 s, and one
did not finish in 60 s. The slow-down test compares latencies measured in the same test, see its
docstring.
"""

from __future__ import annotations

import contextlib
import statistics
import threading
import time

import numpy as np
import pytest
import torch
from badinputs import (
    HOSTILE,
    HOSTILE_BYTES,
    digit_image,
    encode,
    hostile,
    png_bytes,
    png_declared,
    webp_lossless_uniform,
)
from PIL import Image

import nets
from nets import attribution, cnn_explain, decode_pool
from nets import decode as dec
from nets.errors import InputError

TIME_LIMIT = 2.0  # s, the bound for one upload, analysis included
GROWTH_LIMIT = 150 * 2**20  # bytes of peak RSS one upload may add, server and worker each
DIGIT = png_bytes(digit_image(28))

# Legitimate files at the edge of the budget: they reach a worker and must decode within limits.
EDGE = {
    "png_rgba_4000x4000": (lambda: png_declared(4000, 4000, 8, 6), "ok"),  # 64.0 MB frame
    "png_gray_5000x5000": (lambda: png_declared(5000, 5000), "ok"),  # 25 MP
    "webp_2000x1900": (lambda: webp_lossless_uniform(2000, 1900), "ok"),  # 3.8 MP × 17 B
    "jpeg_progressive_12mp": (
        lambda: encode(Image.new("L", (4000, 3000), 90), "JPEG", progressive=True),
        "ok",
    ),
}
CASES = {**{n: (lambda n=n: hostile(n), want) for n, (_, want) in HOSTILE.items()}, **EDGE}


def status_kb(key: str) -> int:
    with open("/proc/self/status") as f:
        return next(int(ln.split()[1]) for ln in f if ln.startswith(key))


def reset_peak() -> int:
    """Reset this process's peak RSS to its current RSS; return that, in bytes."""
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    return status_kb("VmRSS:") * 1024


@pytest.fixture(scope="module", autouse=True)
def warm():
    """Model loaded, workers started, one torch thread (as the app runs it)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    nets.analyze_image(DIGIT)
    nets.analyze_text("warm up")
    yield
    torch.set_num_threads(before)


def outcome(data: bytes) -> str:
    try:
        nets.analyze_image(data)
    except InputError as exc:
        assert exc.zh.strip() and exc.en.strip() and exc.zh != exc.en
        return exc.code
    return "ok"


def test_hostile_files_fit_under_the_upload_limit():
    assert HOSTILE_BYTES < dec.MAX_BYTES
    assert all(len(hostile(n)) <= dec.MAX_BYTES for n in HOSTILE)


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_each_hostile_upload_is_answered_quickly_in_bounded_memory(name):
    data = hostile(name)
    base = reset_peak()
    t0 = time.perf_counter()
    got = outcome(data)
    elapsed = time.perf_counter() - t0
    server_growth = status_kb("VmHWM:") * 1024 - base
    stats = decode_pool.last_stats()
    assert got == HOSTILE[name][1]
    assert elapsed < TIME_LIMIT, f"{name}: {elapsed:.2f} s"
    assert server_growth <= GROWTH_LIMIT, f"server +{server_growth / 2**20:.0f} MB"
    if stats is not None:  # it reached a worker
        worker_growth = (stats["peak_kb"] - stats["base_kb"]) * 1024
        assert worker_growth <= GROWTH_LIMIT, f"worker +{worker_growth / 2**20:.0f} MB"
    assert nets.analyze_image(DIGIT).probs.shape == (10,)  # the next upload works


@pytest.fixture(scope="module")
def patient_pool():
    """The production worker (limits on memory and CPU) with a long wall clock, so that a busy
    test machine cannot turn a memory measurement into a "too slow" answer."""
    p = decode_pool.DecodePool(workers=1, wall_seconds=60.0, cpu_seconds=20).start()
    yield p
    p.close()


@pytest.mark.parametrize("name", sorted(EDGE))
def test_files_at_the_edge_of_the_budget_decode_within_150_mb(patient_pool, name):
    """The largest legitimate files the pre-checks let through decode under the worker's
    address-space limit, growing its peak RSS by at most 150 MB (64 MB frames)."""
    data = EDGE[name][0]()
    header = dec.precheck(data)
    assert header.work_bytes > dec.WORK_BUDGET // 3  # really near the budget
    got = patient_pool.decode(data)
    stats = decode_pool.last_stats()
    assert max(got.gray.shape) == dec.DISPLAY_MAX
    worker_growth = (stats["peak_kb"] - stats["base_kb"]) * 1024
    assert worker_growth <= GROWTH_LIMIT, f"worker +{worker_growth / 2**20:.0f} MB"


def test_colour_photo_keeps_its_colours_for_display():
    """The original thumbnail of a colour upload is the worker's small RGB array (issue
    "truth pass", item 14); a gray upload's stays 2-D; transparency shows on white."""
    img = Image.new("RGB", (600, 400), (0, 0, 255))  # blue, with a red left half
    img.paste((255, 0, 0), (0, 0, 300, 400))
    for data in (png_bytes(img), encode(img, "JPEG", quality=95)):
        pre = nets.analyze_image(data).pre
        assert pre.original.shape == (171, 256, 3) and pre.original.dtype == np.uint8
        red, blue = pre.original[85, 40].astype(int), pre.original[85, 215].astype(int)
        assert red[0] > 230 and red[1] < 25 and red[2] < 25, red
        assert blue[2] > 230 and blue[0] < 25 and blue[1] < 25, blue
        np.testing.assert_array_equal(pre.gray.shape, pre.original.shape[:2])
    assert nets.analyze_image(DIGIT).pre.original.shape == (28, 28)
    rgba = Image.new("RGBA", (40, 40), (0, 0, 0, 0))  # transparent black
    rgba.paste((0, 160, 0, 255), (10, 10, 30, 30))  # an opaque green square
    shown = nets.analyze_image(png_bytes(rgba)).pre.original
    assert tuple(shown[0, 0]) == (255, 255, 255) and tuple(shown[20, 20]) == (0, 160, 0)


def test_arrays_skip_the_pool():
    """A canvas drawing or a gallery digit (app-side arrays) never pays the worker round trip."""
    before = decode_pool.pool().pids()
    decode_pool._local.stats = None
    nets.analyze_image(np.asarray(digit_image(28)))
    assert decode_pool.last_stats() is None and decode_pool.pool().pids() == before


def text_latencies(stop: threading.Event, out: list[float]) -> None:
    """A student's session on the RNN page: each new sentence is traced by both text models and
    attributed (≈ 15 ms here), again and again, timing each one."""
    i = 0
    while not stop.is_set():
        s = f"the staff were friendly but the room was dirty {i}"
        t0 = time.perf_counter()
        nets.analyze_text(s), nets.analyze_text_cnn(s)
        attribution.text_attributions(s), attribution.text_memory(s)
        out.append(time.perf_counter() - t0)
        i += 1


def prankster(stop: threading.Event, data: bytes, pause: float) -> None:
    """Another student uploading the same hostile file again and again."""
    while not stop.is_set():
        with contextlib.suppress(InputError):
            nets.analyze_image(data)
        time.sleep(pause)


def run_window(seconds: float, data: bytes | None) -> list[float]:
    """Text-session latencies over ``seconds``, with a prankster uploading ``data`` if given."""
    out: list[float] = []
    stop = threading.Event()
    threads = [threading.Thread(target=text_latencies, args=(stop, out))]
    if data is not None:
        threads.append(threading.Thread(target=prankster, args=(stop, data, 0.05)))
    for t in threads:
        t.start()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join()
    return out


def test_hostile_uploads_do_not_slow_another_session_by_more_than_2x():
    """Each hostile file (and the heaviest legitimate one) is uploaded over and over while a
    text session times itself.

    Robust on a loaded 2-core machine: each file is compared with its own baseline, measured in
    the same test in windows interleaved with its hostile ones (base, hostile, base, hostile), so
    a change in the machine's load hits both; medians of each pair of windows; plus 5 ms of slack
    for scheduler noise on a ≈ 15 ms baseline. Each re-upload waits 50 ms, as a browser cannot
    re-upload faster than a rerun takes. On main the red-team measured 34 → 313 ms (9×).
    """
    window = 0.5
    report, failed = {}, {}
    # The legitimate 16 MP PNG is real decoding work for a niced worker on the same 2 cores:
    # it is reported, and held to 3× (on a machine busy with other work it can pass 2×).
    for name, bound in [*((n, 2.0) for n in sorted(HOSTILE)), ("png_rgba_4000x4000", 3.0)]:
        data = CASES[name][0]()
        base, during = [], []
        for _ in range(3):
            base += run_window(window, None)
            during += run_window(window, data)
        b, d = statistics.median(base), statistics.median(during)
        report[name] = f"{b * 1000:.1f} → {d * 1000:.1f} ms ({d / b:.2f}×)"
        if d > bound * b + 0.005:
            failed[name] = report[name]
    print("\ntext session during each upload:", report)
    assert not failed, failed


def test_eight_hostile_uploads_at_once_stay_small():
    """Eight uploads released together (four hostile, four heavy legitimate ones that keep both
    workers busy): this process's peak RSS grows by less than 1 GB in total (main: 450 MB →
    6.4 GB for eight 25 MP WebPs), each gets an answer (a result, a rejection, "busy", or "too
    slow" when a loaded machine starves a worker past the wall clock), and the pool works
    afterwards."""
    names = ["webp_1kb_25mp_rgba", "png16_rgba_25mp", "tiff_float_25mp_as_png", "bmp_rle8"]
    files = [hostile(n) for n in names] + [f() for f, _ in EDGE.values()]
    barrier = threading.Barrier(len(files))
    answers: list[str] = []

    def upload(data: bytes) -> None:
        barrier.wait()
        answers.append(outcome(data))

    base = reset_peak()
    threads = [threading.Thread(target=upload, args=(d,)) for d in files]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    growth = status_kb("VmHWM:") * 1024 - base
    assert len(answers) == 8
    assert growth < 2**30, f"+{growth / 2**20:.0f} MB"
    expected = {"too_big_to_decode", "unsupported_format", "bmp_rle"}  # the four hostile ones
    assert set(answers) <= expected | {"ok", "busy", "too_slow"}  # + four heavy legitimate
    assert nets.analyze_image(DIGIT).probs.shape == (10,)


# --------------------------------------------------------------------------------------------
# The page, the one upload limit


def test_wide_png_on_the_cnn_page_shows_its_preprocessing():
    """A 20000×1 PNG made ``st.image(..., width=84)`` fail (height rounded to 0): the arrays
    for display are letterboxed to at most 8:1, so every thumbnail has a height."""
    from test_page_cnn import run_page, upload

    a = nets.analyze_image(hostile("png_20000x1"))
    assert a.pre.original.shape == (1, 256)
    for step, img in cnn_explain.preprocessing_steps(a.pre):
        h, w = img.shape[:2]
        assert max(h, w) <= cnn_explain.DISPLAY_ASPECT * min(h, w), step
    at = upload(run_page(), "wide.png", hostile("png_20000x1"))
    assert [e.value for e in at.error] == []
    assert at.get("plotly_chart"), "the page went on to draw its charts"


def test_letterbox_pads_only_what_is_too_thin():
    strip = np.linspace(0, 1, 256, dtype=np.float32)[None, :]
    boxed = cnn_explain.letterbox(strip)
    assert boxed.shape == (32, 256) and boxed[15].tolist() == strip[0].tolist()  # 15 bars above
    assert np.all(boxed[:15] == 0.5) and np.all(boxed[16:] == 0.5)
    tall = np.zeros((256, 1, 3), np.uint8)
    assert cnn_explain.letterbox(tall).shape == (256, 32, 3)
    square = np.zeros((30, 40))
    assert cnn_explain.letterbox(square) is square


def test_the_upload_limit_is_one_number_said_in_both_languages():
    """``server.maxUploadSize`` (MB, which the browser counts as 10^6 bytes) is the limit in
    nets, in the too-large message and in the uploader's help text, in both languages."""
    import tomllib

    from streamlit.testing.v1 import AppTest
    from test_page_cnn import PAGE

    with open(dec.ROOT / ".streamlit" / "config.toml", "rb") as f:
        mb = tomllib.load(f)["server"]["maxUploadSize"]
    assert mb == dec.MAX_UPLOAD_MB and mb * 1_000_000 == dec.MAX_BYTES
    with pytest.raises(InputError) as info:
        dec.precheck(b"\x89PNG\r\n\x1a\n" + bytes(dec.MAX_BYTES))
    err = info.value
    assert err.code == "too_large"
    for text in (err.zh, err.en):
        assert f"{mb} MB" in text and f"{dec.MAX_BYTES}" in text and f"{dec.MAX_BYTES + 8}" in text
    dec.precheck(png_declared(1, 1))  # far under: fine
    for lang in ("zh", "en"):
        at = AppTest.from_file(PAGE, default_timeout=60)
        at.query_params["lang"] = lang
        at.session_state["cnn.source"] = "upload"  # the uploader on the first run
        at.run()
        help_text = at.get("file_uploader")[0].proto.help
        assert f"{mb} MB" in help_text and f"{dec.MAX_BYTES:,}" in help_text
        assert ("字节" in help_text) == (lang == "zh")


def test_text_controls_separate_words():
    """NUL and other control characters become a space, not nothing (issue 18)."""
    assert nets.encode("good\0movie").raw_tokens == ["good", "movie"]
    assert nets.encode("good\x07movie\u2028ok").raw_tokens == ["good", "movie", "ok"]
    assert nets.analyze_text("good\0movie").tokens == nets.analyze_text("good movie").tokens
