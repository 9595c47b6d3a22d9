"""Every awkward upload through the FULL ``nets.analyze_image`` (decode, preprocess, trace,
full-resolution feature maps, OOD score): a complete, finite analysis or an ``InputError``.

``tests/test_decode.py`` covers decoding alone; this file covers what the pages call (file bytes
go through the worker pool of ``nets.decode_pool``).
"""

from __future__ import annotations

import time

import numpy as np
import pytest
import torch
from badinputs import EXPECT, IMAGE_CNN_SHAPES, corpus, digit_image, encode, png_bytes
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import nets
from nets import InputError
from nets.decode import DISPLAY_MAX

TIME_LIMIT = 2.0  # seconds per corpus entry: the bound, for the whole analysis


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    """Tiny models: one intra-op thread is faster on a busy 2-core machine."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def check_analysis(a: nets.ImageAnalysis) -> None:
    """Every array has its documented shape and only finite values."""
    assert a.input28.shape == (28, 28) and np.isfinite(a.input28).all()
    assert a.input28.min() >= 0.0 and a.input28.max() <= 1.0
    shapes = IMAGE_CNN_SHAPES
    for name, shape in shapes.items():
        assert a.activations[name].shape == shape, name
        assert np.isfinite(a.activations[name]).all(), name
    assert a.probs.shape == (10,) and np.isclose(a.probs.sum(), 1.0, atol=1e-5)
    assert a.label == int(a.probs.argmax())
    H, W = a.fullres_input.shape
    assert 1 <= max(H, W) <= DISPLAY_MAX
    assert a.fullres["relu1"].shape[0] == 16 and a.fullres["relu1"].shape[1:] == (H, W)
    assert a.fullres["relu2"].shape[0] == 32
    for arr in a.fullres.values():
        assert np.isfinite(arr).all()
    assert np.isfinite(a.ood_score) and a.ood_score >= 0.0
    assert isinstance(a.empty, bool) and isinstance(a.unlike_training, bool)


def outcome(data) -> str:
    """ "ok" after checking the analysis, or the rejection code; anything else fails."""
    try:
        a = nets.analyze_image(data)
    except InputError as exc:
        assert exc.code and exc.zh.strip() and exc.en.strip()
        return f"reject: {exc.code}"
    check_analysis(a)
    return "ok"


@pytest.fixture(scope="module")
def files() -> dict[str, bytes]:
    nets.analyze_image(png_bytes(digit_image(28)))  # load the model before timing anything
    return corpus()


@pytest.mark.parametrize("name", sorted(EXPECT))
def test_corpus_entry_full_analysis(files, name):
    """Each awkward upload is analysed or rejected, as the corpus expects, within 2 s."""
    t0 = time.perf_counter()
    got = outcome(files[name])
    elapsed = time.perf_counter() - t0
    assert got.split(":")[0] == EXPECT[name], got
    assert elapsed < TIME_LIMIT, f"{name}: {elapsed:.2f} s"


def test_analysis_is_deterministic(files):
    """The same bytes give the same numbers (no state kept between calls)."""
    a, b = (
        nets.analyze_image(files["photo_12mp_jpeg"]),
        nets.analyze_image(files["photo_12mp_jpeg"]),
    )
    assert np.array_equal(a.probs, b.probs)
    assert np.array_equal(a.fullres["relu2"], b.fullres["relu2"])


# --------------------------------------------------------------------------------------------
# Hypothesis: random mutations of valid PNG and JPEG bytes, through the whole analysis

BASES = {
    "png": png_bytes(digit_image(28)),
    "png_big": png_bytes(digit_image(96, ink=0, paper=255)),
    "jpeg": encode(digit_image(48, ink=0, paper=255).convert("RGB"), "JPEG", quality=90),
    "jpeg_progressive": encode(
        digit_image(64).convert("RGB"), "JPEG", quality=80, progressive=True
    ),
}


@st.composite
def mutated(draw) -> bytes:
    """A valid file with 1–6 flips, insertions, deletions, duplications or a truncation."""
    data = bytearray(BASES[draw(st.sampled_from(sorted(BASES)))])
    for _ in range(draw(st.integers(1, 6))):
        n = len(data)
        if n == 0:
            break
        # Aim at the headers half of the time: that is where the parsers branch most.
        pos = draw(st.one_of(st.integers(0, min(n - 1, 96)), st.integers(0, n - 1)))
        op = draw(st.sampled_from(["flip", "set", "insert", "delete", "duplicate", "truncate"]))
        if op == "flip":
            data[pos] ^= draw(st.integers(1, 255))
        elif op == "set":  # extreme values in size fields: 0x00 and 0xFF
            data[pos] = draw(st.sampled_from([0x00, 0xFF, 0x7F, 0x80]))
        elif op == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=16))
        elif op == "delete":
            del data[pos : pos + draw(st.integers(1, 16))]
        elif op == "duplicate":
            data[pos:pos] = data[pos : pos + draw(st.integers(1, 64))]
        else:
            del data[pos:]
    return bytes(data)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(mutated())
def test_mutated_files_full_analysis(data):
    event(outcome(data))
