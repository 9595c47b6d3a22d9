"""Tests for nets.decode (untrusted bytes → small 8-bit arrays, run here in-process) and
nets.preprocess (the MNIST recipe). The worker pool around the decoder: tests/test_decode_pool.py;
the red-team's hostile files through the whole analysis: tests/test_hostile.py."""

from __future__ import annotations

import contextlib
import io
import time
import warnings

import numpy as np
import pytest
from badinputs import EXPECT, corpus, digit_image, draw_seven, encode, png_bytes
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw, ImageFile

from nets import decode as dec
from nets.analyze import decode_input
from nets.errors import InputError
from nets.preprocess import Preprocessed, preprocess, to_28

TIME_LIMIT = 2.0  # seconds per corpus entry, decode + preprocess (required by the spec)


def decode(data) -> dec.Decoded:
    """Decode in this process: bytes with the worker's own function, arrays and PIL images as
    ``nets.analyze`` does."""
    if isinstance(data, (bytes, bytearray, memoryview)):
        return dec.decode_untrusted(data)
    return decode_input(data)


def gray_of(data) -> np.ndarray:
    return decode(data).gray


def analyse(data) -> Preprocessed:
    """Decode then preprocess, as the app does."""
    d = decode(data)
    return preprocess(d.gray, d.rgb)


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
        decode(files[name])
    assert info.value.code == code


def test_bomb_file_is_tiny(files):
    assert len(files["bomb_png_40000x40000"]) < 1000


def test_byte_cap_checked_before_decoding():
    with pytest.raises(InputError) as info:
        decode(b"not even an image" * (dec.MAX_BYTES // 17 + 1))
    assert info.value.code == "too_large"


def test_empty_images_are_clean(files):
    for name in ("all_black_png", "all_white_png", "px1_png"):
        pre = analyse(files[name])
        assert pre.empty, name
        assert not pre.input28.any(), name


def test_exif_orientation_applied(files):
    a = gray_of(files["exif_rotated_jpeg"]).astype(np.float32)
    assert a.shape == (120, 60)  # stored 120×60, shown upright 60×120
    dark = a < 128
    rows, cols = np.flatnonzero(dark.any(axis=1)), np.flatnonzero(dark.any(axis=0))
    height, width = rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1
    assert width > 2 * height  # the bar is horizontal
    assert rows.mean() < 60  # near the top: rotated clockwise, not anticlockwise
    img = Image.open(io.BytesIO(files["exif_rotated_jpeg"]))
    assert gray_of(img).shape == (120, 60)  # a PIL image with EXIF is turned upright too


def test_rgba_transparent_background_becomes_white_then_inverted(files):
    gray = gray_of(files["rgba_transparent_png"])
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
    a = gray_of(ramp)
    assert a.min() <= 1 and a.max() >= 254 and 100 < np.median(a) < 155


def test_tiff_refused_but_float_samples_still_scaled(files):
    """TIFF bytes are refused whatever their name; a float image a caller holds is scaled."""
    with pytest.raises(InputError) as info:
        decode(files["float_tiff"])
    assert info.value.code == "unsupported_format" and "TIFF" in info.value.zh
    flt = np.asarray(digit_image(64), dtype=np.float32) / 255.0 * 0.9  # values in [0, 0.9]
    a = gray_of(Image.fromarray(flt))  # mode F
    assert abs(int(a.max()) - 0.9 * 255) <= 1  # [0, 1] floats scaled by 255
    assert not analyse(Image.fromarray(flt)).inverted


def test_animated_gif_uses_first_frame(files):
    got = gray_of(files["animated_gif"])
    first = np.asarray(digit_image(64))
    assert np.mean(np.abs(got.astype(int) - first.astype(int))) < 5


def test_big_jpeg_is_drafted(files):
    """A 12 MP JPEG is decoded at 1/8 scale (500×375) and budgeted as such, then shrunk."""
    head = dec.precheck(files["photo_12mp_jpeg"])
    assert head.size == (4000, 3000) and dec._draft_scale(4000, 3000) == 8
    assert head.work_bytes == 500 * 375 * 4  # baseline: the drafted frame only
    d = decode(files["photo_12mp_jpeg"])
    assert d.gray.shape == (192, 256) and d.rgb.shape == (192, 256, 3)


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
    gray = gray_of(a)
    assert gray[0, 0] == 255 and gray[15, 15] == 0


@pytest.mark.parametrize(
    "array",
    [np.zeros((0, 5)), np.zeros((4, 4, 2)), np.zeros((2, 2, 2, 2)), np.array([["a"]])],
    ids=["zero", "two-channels", "4d", "strings"],
)
def test_bad_arrays_rejected(array):
    with pytest.raises(InputError) as info:
        decode(array)
    assert info.value.zh and info.value.en


def test_pil_inputs_and_caller_image_untouched():
    rgb = digit_image(50, ink=0, paper=255).convert("RGB")
    rgb.putpixel((0, 0), (200, 30, 30))  # one coloured pixel: the image has colour
    before = rgb.tobytes()
    pre = analyse(rgb)
    assert pre.inverted and not pre.empty
    assert pre.original.shape == (50, 50, 3)  # colour kept for display
    assert tuple(pre.original[0, 0]) == (200, 30, 30)
    assert rgb.mode == "RGB" and rgb.tobytes() == before
    assert analyse(digit_image(50).convert("RGB")).original.shape == (50, 50)  # gray: 2-D
    for mode in ("1", "P", "LA", "I", "F", "I;16", "CMYK", "YCbCr", "HSV"):
        check_input28(analyse(digit_image(32).convert(mode)))


def test_pil_zero_size_and_other_types():
    with pytest.raises(InputError) as info:
        decode(Image.new("L", (0, 0)))
    assert info.value.code == "empty_image"
    for value in ("seven.png", None):  # a path is not image data
        with pytest.raises(InputError) as info:
            decode(value)
        assert info.value.code == "bad_input_type"


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


def test_a_12_megapixel_photo_comes_back_small(files):
    """The big JPEG is decoded at a reduced scale and only small arrays come back (its time is a
    figure of bench/decode.py, never an assertion here)."""
    for name in ("digit28_png", "photo_12mp_jpeg"):
        a = analyse(files[name])
        assert max(a.original.shape[:2]) <= 256 and a.input28.shape == (28, 28)


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


# --------------------------------------------------------------------------------------------
# Structural pre-checks (bytes only, before any decoding)


def progressive_with_scans(n: int) -> bytes:
    """A valid progressive JPEG whose last scan is repeated until it has ``n`` scans."""
    base = encode(Image.new("L", (64, 48), 128), "JPEG", progressive=True)
    eoi, last = base.rindex(b"\xff\xd9"), base.rindex(b"\xff\xda")
    have = base.count(b"\xff\xda")
    return base[:eoi] + base[last:eoi] * (n - have) + base[eoi:]


def jpeg_with_app_segments(n: int) -> bytes:
    base = encode(digit_image(32).convert("RGB"), "JPEG")
    return base[:2] + (b"\xff\xe2\x00\x05ABC") * n + base[2:]


def png_with_text_chunks(n: int) -> bytes:
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    for i in range(n):
        info.add_text(f"k{i}", "v")
    buf = io.BytesIO()
    digit_image(28).save(buf, "PNG", pnginfo=info)
    return buf.getvalue()


def test_jpeg_scan_limit_is_exact():
    ok = progressive_with_scans(dec.MAX_SCANS)
    assert dec.precheck(ok).format == "JPEG"
    assert decode(ok).gray.shape == (48, 64)  # repeated scans decode (libjpeg warns, goes on)
    with pytest.raises(InputError) as info:
        dec.precheck(progressive_with_scans(dec.MAX_SCANS + 1))
    assert info.value.code == "too_many_scans" and str(dec.MAX_SCANS) in info.value.zh


def test_header_segment_limits():
    """A photo with a long ICC profile or XMP split over many segments is fine; hundreds of
    segments before the image data are not (JPEG markers and PNG chunks alike)."""
    assert decode(jpeg_with_app_segments(200)).gray.shape == (32, 32)
    assert decode(png_with_text_chunks(200)).gray.shape == (28, 28)
    for data in (jpeg_with_app_segments(300), png_with_text_chunks(300)):
        with pytest.raises(InputError) as info:
            dec.precheck(data)
        assert info.value.code == "too_many_segments"


def test_memory_budget_by_format():
    """The budget counts the decoded frame as Pillow holds it (and libwebp's canvases)."""
    from badinputs import png_declared, webp_lossless_uniform

    assert dec.precheck(png_declared(4000, 4000, 8, 6)).work_bytes <= dec.WORK_BUDGET
    assert dec.precheck(webp_lossless_uniform(1900, 2000)).work_bytes <= dec.WORK_BUDGET
    for data in (png_declared(4100, 4100, 8, 6), webp_lossless_uniform(2100, 2000)):
        with pytest.raises(InputError) as info:
            dec.precheck(data)
        assert info.value.code == "too_big_to_decode"
        assert f"{dec.WORK_BUDGET // 2**20} MB" in info.value.en
    progressive = dec.precheck(encode(Image.new("RGB", (2048, 2048)), "JPEG", progressive=True))
    assert progressive.work_bytes > 2048 * 2048 * 2  # every DCT coefficient is kept


@pytest.mark.parametrize(
    "data, code",
    [
        (b"II*\x00" + bytes(64), "unsupported_format"),  # TIFF
        (b"MM\x00+" + bytes(64), "unsupported_format"),  # BigTIFF
        (b"\x89PNG\r\n\x1a\n", "corrupt_image"),
        (b"\xff\xd8\xff", "corrupt_image"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF" + bytes(6) + b"\xff\xd9", "corrupt_image"),  # no frame
        (b"GIF89a\x01", "corrupt_image"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8X", "corrupt_image"),
        (b"BM" + bytes(10), "corrupt_image"),
        (b"BM" + bytes(12) + b"\x28" + bytes(15) + b"\x04\x00" + bytes(40), "corrupt_image"),
    ],
    ids=["tiff", "bigtiff", "png", "jpeg", "jpeg_no_sof", "gif", "webp", "bmp", "bmp_in_jpeg"],
)
def test_short_or_foreign_headers(data, code):
    with pytest.raises(InputError) as info:
        dec.precheck(data)
    assert info.value.code == code


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from([b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF89a", b"BM", b"RIFF\0\0\0\0WEBP"]),
    st.binary(max_size=200),
)
def test_precheck_on_random_headers_only_raises_input_error(magic, tail):
    try:
        head = dec.precheck(magic + tail)
    except InputError as exc:
        event(f"reject: {exc.code}")
    else:
        event("passes")
        assert head.work_bytes <= dec.WORK_BUDGET
