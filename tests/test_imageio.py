"""Tests for nets.imageio: safe decoding of awkward uploads and the MNIST preprocessing."""

from __future__ import annotations

import contextlib
import time
import warnings

import numpy as np
import pytest
from badinputs import EXPECT, corpus, digit_image, draw_seven, encode, png_bytes
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw, ImageFile

from nets.errors import InputError
from nets.imageio import MAX_BYTES, Preprocessed, decode_image, preprocess, to_28

TIME_LIMIT = 2.0  # seconds per corpus entry, decode + preprocess (required by the spec)


def analyse(data) -> Preprocessed:
    """Decode then preprocess, as the app does."""
    return preprocess(decode_image(data))


def centre_of_mass(a: np.ndarray) -> tuple[float, float]:
    """(row, col) centre of mass in pixel-index coordinates."""
    ys, xs = np.indices(a.shape)
    m = a.sum()
    return float((ys * a).sum() / m), float((xs * a).sum() / m)


def check_input28(pre: Preprocessed) -> None:
    assert pre.input28.dtype == np.float32
    assert pre.input28.shape == (28, 28)
    assert pre.input28.min() >= 0.0 and pre.input28.max() <= 1.0
    assert np.array_equal(pre.cropped, pre.input28)


@pytest.fixture(scope="module")
def files() -> dict[str, bytes]:
    return corpus()


def test_expect_covers_corpus(files):
    assert set(files) == set(EXPECT)
    assert set(EXPECT.values()) == {"ok", "reject"}


@pytest.mark.parametrize("name", sorted(EXPECT))
def test_corpus_entry(files, name):
    data = files[name]
    start = time.perf_counter()
    try:
        pre = analyse(data)
        outcome = "ok"
    except InputError as exc:
        outcome = "reject"
        assert exc.code and exc.zh.strip() and exc.en.strip()
        assert exc.zh != exc.en
    elapsed = time.perf_counter() - start
    assert elapsed < TIME_LIMIT, f"{name} took {elapsed:.2f} s"
    assert outcome == EXPECT[name], name
    if outcome == "ok":
        check_input28(pre)
        assert pre.gray.dtype == np.float32 and pre.ink.dtype == np.float32
        assert max(pre.gray.shape) <= 256 and pre.gray.shape == pre.ink.shape
        assert pre.original.dtype == np.uint8 and max(pre.original.shape[:2]) <= 256
        if pre.empty:
            assert not pre.input28.any()
        else:
            assert pre.input28.max() == pytest.approx(1.0)


@pytest.mark.parametrize(
    "name, code",
    [
        ("empty_file", "empty_file"),
        ("oversized_file", "too_large"),
        ("text_as_png", "not_an_image"),
        ("svg_as_png", "not_an_image"),
        ("html_as_jpg", "not_an_image"),
        ("truncated_png", "corrupt_image"),
        ("truncated_jpeg", "corrupt_image"),
        ("bomb_png_40000x40000", "too_many_pixels"),
        ("bomb_png_10000x10000", "too_many_pixels"),
        ("bomb_png_6000x6000", "too_many_pixels"),
    ],
)
def test_rejection_codes(files, name, code):
    with pytest.raises(InputError) as info:
        decode_image(files[name])
    assert info.value.code == code


def test_bomb_file_is_tiny(files):
    assert len(files["bomb_png_40000x40000"]) < 1000


def test_byte_cap_checked_before_decoding():
    with pytest.raises(InputError) as info:
        decode_image(b"not even an image" * (MAX_BYTES // 17 + 1))
    assert info.value.code == "too_large"


def test_empty_images_are_clean(files):
    for name in ("all_black_png", "all_white_png", "px1_png"):
        pre = analyse(files[name])
        assert pre.empty, name
        assert not pre.input28.any(), name


def test_exif_orientation_applied(files):
    img = decode_image(files["exif_rotated_jpeg"])
    assert img.size == (60, 120)  # stored 120×60, shown upright 60×120
    a = np.asarray(img, dtype=np.float32)  # (120, 60)
    dark = a < 128
    rows, cols = np.flatnonzero(dark.any(axis=1)), np.flatnonzero(dark.any(axis=0))
    height, width = rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1
    assert width > 2 * height  # the bar is horizontal
    assert rows.mean() < 60  # near the top: rotated clockwise, not anticlockwise
    assert img.info == {}  # nothing left that could rotate it a second time
    assert decode_image(img).size == (60, 120)


def test_rgba_transparent_background_becomes_white_then_inverted(files):
    gray = np.asarray(decode_image(files["rgba_transparent_png"]))
    assert gray[0, 0] == 255  # transparent black → white paper
    pre = analyse(files["rgba_transparent_png"])
    assert pre.inverted and not pre.empty
    assert pre.input28[0, 0] == 0.0  # dark background in the model input
    assert pre.input28.max() == pytest.approx(1.0)  # bright digit


@pytest.mark.parametrize("name", ["palette_transparent_png", "la_png", "onebit_png", "cmyk_jpeg"])
def test_alpha_palette_onebit_cmyk_read_as_dark_on_light(files, name):
    pre = analyse(files[name])
    assert pre.inverted and not pre.empty
    assert pre.gray[0, 0] > 0.9  # white paper


def test_16bit_scaled_not_clipped(files):
    pre = analyse(files["gray16_png"])
    assert pre.gray.min() < 0.01
    assert pre.gray.max() > 0.99
    assert 0.4 < float(np.median(pre.gray)) < 0.6  # a ramp, not a clipped 0/1 image


def test_16bit_array_scaled():
    ramp = np.linspace(0, 65535, 300).astype(np.uint16)[None, :].repeat(10, axis=0)
    a = np.asarray(decode_image(ramp))
    assert a.min() == 0 and a.max() == 255 and 100 < np.median(a) < 155


def test_float_tiff(files):
    img = decode_image(files["float_tiff"])
    a = np.asarray(img)
    assert abs(int(a.max()) - 0.9 * 255) <= 1  # [0, 1] floats scaled by 255
    assert not analyse(files["float_tiff"]).inverted


def test_animated_gif_uses_first_frame(files):
    got = np.asarray(decode_image(files["animated_gif"]))
    first = np.asarray(digit_image(64))
    assert np.mean(np.abs(got.astype(int) - first.astype(int))) < 5


def test_big_jpeg_is_drafted(files):
    img = decode_image(files["photo_12mp_jpeg"])
    assert img.mode == "L"
    assert min(img.size) >= 1024 and max(img.size) < 4000  # decoded at a reduced scale


def test_strip_and_single_pixel(files):
    strip = analyse(files["strip_8000x3_png"])
    assert strip.gray.shape[1] == 256 and strip.gray.shape[0] >= 1
    check_input28(strip)
    one = analyse(files["px1_png"])
    assert one.gray.shape == (1, 1)


def test_dark_on_light_inverted_light_on_dark_not(files):
    light = analyse(files["digit280_dark_on_light_png"])
    dark = analyse(files["digit28_png"])
    assert light.inverted and not dark.inverted
    assert not light.empty and not dark.empty
    # Both show the same "7": white strokes on black at the same place.
    assert np.mean(np.abs(light.input28 - dark.input28)) < 0.1


@pytest.mark.parametrize("name", ["digit28_png", "digit280_dark_on_light_png", "mpo_jpeg"])
def test_centre_of_mass(files, name):
    pre = analyse(files[name])
    check_input28(pre)
    cy, cx = centre_of_mass(pre.input28)
    assert abs(cy - 14) <= 1 and abs(cx - 14) <= 1
    ys, xs = np.nonzero(pre.input28 > 0.2)
    long_side = max(ys.max() - ys.min() + 1, xs.max() - xs.min() + 1)
    assert 18 <= long_side <= 21  # long side scaled to 20 px


def test_photo_background_levelled():
    rng = np.random.default_rng(3)
    paper = (190 + rng.integers(0, 20, (200, 200))).astype(np.uint8)  # grey, noisy paper
    img = Image.fromarray(paper)
    draw_seven(ImageDraw.Draw(img), 200, 40)
    pre = analyse(png_bytes(img))
    assert pre.inverted and not pre.empty
    assert np.median(pre.input28) < 0.05  # the paper is black, not grey, in the model input


@pytest.mark.parametrize(
    "array",
    [
        np.asarray(digit_image(40)),  # uint8 gray
        np.asarray(digit_image(40)) > 128,  # bool
        np.asarray(digit_image(40), dtype=np.float32) / 255,  # float [0, 1]
        np.asarray(digit_image(40), dtype=np.float64),  # float [0, 255]
        np.asarray(digit_image(40), dtype=np.uint16) * 257,  # uint16
        np.asarray(digit_image(40).convert("RGB")),  # RGB
        np.asarray(digit_image(40, ink=0, paper=255).convert("RGBA")),  # RGBA
    ],
    ids=["u8", "bool", "f01", "f255", "u16", "rgb", "rgba"],
)
def test_numpy_inputs(array):
    pre = analyse(array)
    check_input28(pre)
    assert not pre.empty
    cy, cx = centre_of_mass(pre.input28)
    assert abs(cy - 14) <= 1 and abs(cx - 14) <= 1


def test_numpy_rgba_transparent_composited_on_white():
    a = np.zeros((30, 30, 4), np.uint8)  # transparent black
    a[10:20, 14:16] = (0, 0, 0, 255)  # opaque black bar
    gray = np.asarray(decode_image(a))
    assert gray[0, 0] == 255 and gray[15, 15] == 0


@pytest.mark.parametrize(
    "array",
    [np.zeros((0, 5)), np.zeros((4, 4, 2)), np.zeros((2, 2, 2, 2)), np.array([["a"]])],
    ids=["zero", "two-channels", "4d", "strings"],
)
def test_bad_arrays_rejected(array):
    with pytest.raises(InputError) as info:
        decode_image(array)
    assert info.value.zh and info.value.en


def test_pil_inputs_and_caller_image_untouched():
    rgb = digit_image(50, ink=0, paper=255).convert("RGB")
    before = rgb.tobytes()
    pre = preprocess(rgb)
    assert pre.inverted and not pre.empty
    assert pre.original.shape == (50, 50, 3)  # colour kept for display
    assert rgb.mode == "RGB" and rgb.tobytes() == before
    img = decode_image(rgb)
    assert img is not rgb and img.mode == "L"
    gray = digit_image(28)
    assert decode_image(gray) is not gray
    for mode in ("1", "P", "LA", "I", "F", "I;16", "CMYK", "YCbCr", "HSV"):
        check_input28(preprocess(digit_image(32).convert(mode)))


def test_pil_zero_size_and_other_types():
    with pytest.raises(InputError) as info:
        decode_image(Image.new("L", (0, 0)))
    assert info.value.code == "empty_image"
    with pytest.raises(InputError):
        decode_image("seven.png")  # a path is not image data
    with pytest.raises(InputError):
        decode_image(None)


def test_bytes_like_inputs():
    data = png_bytes(digit_image(28))
    for variant in (data, bytearray(data), memoryview(data)):
        check_input28(analyse(variant))


def test_to_28_matches_preprocess():
    canvas = np.asarray(digit_image(200, ink=0, paper=255))  # dark on light, like a drawing
    out = to_28(canvas)
    assert out.dtype == np.float32 and out.shape == (28, 28)
    assert np.allclose(out, analyse(canvas).input28, atol=1e-5)
    assert not to_28(np.zeros((50, 50))).any()


def test_process_wide_pillow_state_unchanged(files):
    def state():
        return Image.MAX_IMAGE_PIXELS, ImageFile.LOAD_TRUNCATED_IMAGES, list(warnings.filters)

    before = state()
    for data in files.values():
        with contextlib.suppress(InputError):
            analyse(data)
    assert state() == before
    assert before[1] is False  # Pillow's default: truncated files are errors


def test_timings(files):
    """A 28×28 PNG takes milliseconds and a 12 MP JPEG well under a second."""
    small, big = files["digit28_png"], files["photo_12mp_jpeg"]
    analyse(small)  # warm up
    t0 = time.perf_counter()
    analyse(small)
    t1 = time.perf_counter()
    analyse(big)
    t2 = time.perf_counter()
    assert t1 - t0 < 0.05
    assert t2 - t1 < 1.0


# --------------------------------------------------------------------------------------------
# Fuzzing: random byte mutations of a valid PNG and a valid JPEG


BASES = {
    "png": png_bytes(digit_image(28)),
    "jpeg": encode(digit_image(48, ink=0, paper=255).convert("RGB"), "JPEG", quality=90),
}


@st.composite
def mutated(draw) -> bytes:
    data = bytearray(BASES[draw(st.sampled_from(sorted(BASES)))])
    for _ in range(draw(st.integers(1, 4))):
        n = len(data)
        if n == 0:
            break
        # Aim at the headers half of the time: that is where the parsers branch most.
        pos = draw(st.one_of(st.integers(0, min(n - 1, 64)), st.integers(0, n - 1)))
        op = draw(st.sampled_from(["flip", "insert", "delete", "truncate"]))
        if op == "flip":
            data[pos] ^= draw(st.integers(1, 255))
        elif op == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=16))
        elif op == "delete":
            del data[pos : pos + draw(st.integers(1, 16))]
        else:
            del data[pos:]
    return bytes(data)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_files_never_crash(data):
    try:
        pre = analyse(data)
    except InputError as exc:
        event(f"reject: {exc.code}")
        assert exc.zh and exc.en
    else:
        event("ok")
        check_input28(pre)
