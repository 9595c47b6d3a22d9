"""The project's own generator of awkward uploads, built in memory with PIL, numpy, zlib and struct.

``corpus()`` maps a name to the bytes of a file a student might upload; ``EXPECT`` says whether
``nets.analyze_image`` must analyse it (``"ok"``) or reject it with an ``InputError``
(``"reject"``). ``HOSTILE`` holds the red-team's files of issue 18 (also in the corpus) with the
exact rejection code each must get; ``hostile(name)`` builds one. Helpers such as
``digit_image`` and ``png_bytes`` are reused by the tests.
"""

from __future__ import annotations

import functools
import io
import struct
import zlib

import numpy as np
from PIL import Image, ImageDraw

EXIF_ORIENTATION = 0x0112


# --------------------------------------------------------------------------------------------
# Building blocks


def encode(img: Image.Image, fmt: str, **kwargs) -> bytes:
    """Save ``img`` in ``fmt`` to bytes."""
    buf = io.BytesIO()
    img.save(buf, fmt, **kwargs)
    return buf.getvalue()


def png_bytes(img: Image.Image) -> bytes:
    """``img`` as PNG bytes."""
    return encode(img, "PNG")


def draw_seven(draw: ImageDraw.ImageDraw, size: int, fill) -> None:
    """Draw a thick "7" filling most of a ``size``×``size`` canvas."""
    s = size
    width = max(2, round(s / 8))
    draw.line([(0.25 * s, 0.25 * s), (0.75 * s, 0.25 * s)], fill=fill, width=width)
    draw.line([(0.75 * s, 0.25 * s), (0.42 * s, 0.82 * s)], fill=fill, width=width)


def digit_image(size: int = 28, ink: int = 255, paper: int = 0) -> Image.Image:
    """A "7" in mode L: ``ink`` strokes on ``paper`` (default white on black, like MNIST)."""
    img = Image.new("L", (size, size), paper)
    draw_seven(ImageDraw.Draw(img), size, ink)
    return img


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def handmade_png(width: int, height: int, rows: int = 1) -> bytes:
    """A grayscale PNG whose header declares ``width``×``height`` but holds only ``rows`` rows.

    The file stays tiny whatever the declared size: the decompression-bomb shape.
    """
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit gray, no interlace
    row = b"\x00" + b"\x00" * width  # filter byte + pixels
    idat = zlib.compress(row * rows, 9)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b"")
    )


def _noisy_digit(size: int, seed: int) -> Image.Image:
    """A dark "7" on light, noisy paper, so its compressed data is large enough to truncate."""
    rng = np.random.default_rng(seed)
    paper = 200 + rng.integers(0, 40, (size, size), dtype=np.uint8)
    img = Image.fromarray(paper.astype(np.uint8))
    draw_seven(ImageDraw.Draw(img), size, 30)
    return img


def _flip_middle(data: bytes, count: int = 64) -> bytes:
    """Invert ``count`` bytes in the middle of the file (the entropy-coded data of a JPEG)."""
    out = bytearray(data)
    mid = len(out) // 2
    for i in range(mid, mid + count):
        out[i] ^= 0xFF
    return bytes(out)


def _photo(width: int, height: int, seed: int = 0) -> Image.Image:
    """A photo-like RGB image: smooth gradients plus mild sensor noise."""
    rng = np.random.default_rng(seed)
    x = np.linspace(0, 1, width, dtype=np.float32)[None, :]
    y = np.linspace(0, 1, height, dtype=np.float32)[:, None]
    noise = rng.integers(0, 16, (height, width), dtype=np.uint8)  # (H, W)
    r = (180 * x + 60 * y).astype(np.uint8) + noise
    g = (120 + 100 * y * x).astype(np.uint8) + noise
    b = (220 - 160 * x * (1 - y)).astype(np.uint8)
    return Image.fromarray(np.stack([r, g, b], axis=-1))  # (H, W, 3)


def exif_rotated_jpeg() -> bytes:
    """A 120×60 JPEG with a dark vertical bar near its LEFT edge and EXIF orientation 6.

    Orientation 6 means "rotate 90° clockwise to display": shown upright the image is 60×120
    and the bar is horizontal, near the TOP.
    """
    img = Image.new("L", (120, 60), 255)
    ImageDraw.Draw(img).rectangle([10, 8, 25, 51], fill=0)
    exif = Image.Exif()
    exif[EXIF_ORIENTATION] = 6
    return encode(img, "JPEG", quality=95, exif=exif.tobytes())


def animated_gif() -> bytes:
    """Two frames: a "7" first, then a plain horizontal bar (only the first must be used)."""
    first = digit_image(64).convert("P")
    second = Image.new("L", (64, 64), 0)
    ImageDraw.Draw(second).rectangle([4, 28, 59, 35], fill=255)
    return encode(first, "GIF", save_all=True, append_images=[second.convert("P")], duration=100)


# --------------------------------------------------------------------------------------------
# Hostile uploads (issue 18): a red-team's files, each built here in milliseconds, never stored.
# Each fits under the upload limit (``HOSTILE_BYTES``) so it reaches the app as a browser sends it.

HOSTILE_BYTES = 7_900_000  # just under the upload limit (8 MB; tests check it against nets)
MP25 = 5000  # 5000 × 5000 = 25 megapixels: at the pixel cap, never over it


def _zlib_repeat(chunk: bytes, times: int) -> bytes:
    """zlib stream of ``chunk * times`` without building it (a 200 MB image in 100 KB)."""
    z = zlib.compressobj(9)
    block = chunk * max(1, (1 << 20) // max(1, len(chunk)))
    per = max(1, (1 << 20) // max(1, len(chunk)))
    out, left = [], times
    while left > 0:
        n = min(per, left)
        out.append(z.compress(block if n == per else chunk * n))
        left -= n
    out.append(z.flush())
    return b"".join(out)


def png_declared(width: int, height: int, bit_depth: int = 8, colour_type: int = 0) -> bytes:
    """A complete, valid PNG of ``width``×``height`` zero pixels, compressed as a stream."""
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[colour_type]
    row = bytes(1 + (width * channels * bit_depth + 7) // 8)  # filter byte + pixels
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", _zlib_repeat(row, height))
        + _png_chunk(b"IEND", b"")
    )


def jpeg_repeated_scans(size: int = HOSTILE_BYTES) -> bytes:
    """A 4000×3000 progressive JPEG whose last (tiny, all-zero) scan repeats until ``size``.

    Every scan walks all 187,500 blocks, so the decode costs scans × image size: minutes of
    CPU in a decoder that releases the GIL.
    """
    base = encode(Image.new("L", (4000, 3000), 128), "JPEG", quality=90, progressive=True)
    eoi = base.rindex(b"\xff\xd9")
    scan = base[base.rindex(b"\xff\xda") : eoi]  # SOS header + its entropy-coded data
    n = (size - len(base)) // len(scan)
    return base[:eoi] + scan * n + base[eoi:]


def jpeg_many_app_segments(size: int = HOSTILE_BYTES) -> bytes:
    """A small valid JPEG behind ``size`` bytes of tiny EXIF (APP1) segments of 1 byte each.

    Pillow appends each one to ``info["exif"]``: quadratic work while parsing the header.
    """
    base = encode(digit_image(64, ink=0, paper=255).convert("RGB"), "JPEG", quality=90)
    seg = b"\xff\xe1" + struct.pack(">H", 9) + b"Exif\x00\x00\x00"  # length 9 = 2 + 7
    n = (size - len(base)) // len(seg)
    return base[:2] + seg * n + base[2:]


def webp_lossless_uniform(width: int, height: int, argb=(128, 200, 30, 10)) -> bytes:
    """A VP8L (lossless WebP) image of one colour written bit by bit: 32 bytes for any size.

    Every prefix code has a single symbol, so a pixel costs 0 bits (RFC 9649, section 3).
    """
    bits: list[int] = []

    def put(value: int, n: int) -> None:
        bits.extend((value >> i) & 1 for i in range(n))

    put(0x2F, 8)  # signature
    put(width - 1, 14)
    put(height - 1, 14)
    put(1, 1)  # alpha is used
    put(0, 3)  # version
    put(0, 1)  # no transform
    put(0, 1)  # no colour cache
    put(0, 1)  # no meta prefix codes
    a, r, g, b = argb
    for symbol in (g, r, b, a):  # green, red, blue, alpha: simple code, one 8-bit symbol
        put(1, 1), put(0, 1), put(1, 1), put(symbol, 8)
    put(1, 1), put(0, 1), put(0, 1), put(0, 1)  # distance: one 1-bit symbol
    bits.extend([0] * (-len(bits) % 8))
    data = bytes(sum(bits[i + j] << j for j in range(8)) for i in range(0, len(bits), 8))
    chunk = b"VP8L" + struct.pack("<I", len(data)) + data + b"\x00" * (len(data) % 2)
    return b"RIFF" + struct.pack("<I", 4 + len(chunk)) + b"WEBP" + chunk


def _tiff(
    size: tuple[int, int],
    spp: int,
    bits: int,
    sample_format: int,
    strips: list[tuple[int, int]],
    data: bytes,
    compression: int,
    photometric: int,
    extra_samples: int | None = None,
) -> bytes:
    """A little-endian baseline TIFF with one IFD.

    Args:
        size: (width, height).
        spp, bits, sample_format: samples per pixel, bits per sample, 1 = uint / 3 = float.
        strips: (offset into ``data``, byte count) per strip; rows per strip = height / strips.
        data: the strip bytes, placed after the IFD and its out-of-line values.
        compression, photometric: TIFF codes (1 = none, 8 = deflate; 1 = gray, 2 = RGB).
        extra_samples: 2 = unassociated alpha, or None.
    """
    width, height = size
    n = len(strips)

    def short(*v: int) -> tuple[int, int, bytes]:
        return 3, len(v), struct.pack(f"<{len(v)}H", *v)

    def long_(*v: int) -> tuple[int, int, bytes]:
        return 4, len(v), struct.pack(f"<{len(v)}I", *v)

    counts = [c for _, c in strips]
    tags = {
        256: long_(width),
        257: long_(height),
        258: short(*[bits] * spp),
        259: short(compression),
        262: short(photometric),
        273: long_(*[0] * n),  # strip offsets: sized now, filled in once the layout is known
        277: short(spp),
        278: long_(max(1, height // n)),
        279: short(*counts) if max(counts) < 65536 else long_(*counts),
        339: short(*[sample_format] * spp),
    }
    if extra_samples is not None:
        tags[338] = short(extra_samples)
    order = sorted(tags)
    pos = 8 + 2 + 12 * len(order) + 4  # header, entry count, entries, next-IFD offset
    where = {}
    for tag in order:
        value = tags[tag][2]
        if len(value) > 4:
            where[tag] = pos
            pos += len(value) + len(value) % 2
    tags[273] = long_(*[pos + off for off, _ in strips])  # the data starts at ``pos``
    out = bytearray(b"II*\x00" + struct.pack("<IH", 8, len(order)))
    for tag in order:
        typ, count, value = tags[tag]
        ref = struct.pack("<I", where[tag]) if tag in where else value.ljust(4, b"\x00")
        out += struct.pack("<HHI", tag, typ, count) + ref
    out += struct.pack("<I", 0)
    for tag in order:
        value = tags[tag][2]
        if tag in where:
            out += value + b"\x00" * (len(value) % 2)
    assert len(out) == pos
    return bytes(out + data)


def tiff_float_25mp() -> bytes:
    """5000×5000 float32 gray TIFF (deflate, one strip of zeros): ≈ 100 KB."""
    raw = _zlib_repeat(bytes(4 * MP25), MP25)
    return _tiff((MP25, MP25), 1, 32, 3, [(0, len(raw))], raw, 8, 1)


def tiff_rgba_25mp() -> bytes:
    """5000×5000 8-bit RGBA TIFF (deflate, one strip of zeros): ≈ 100 KB."""
    raw = _zlib_repeat(bytes(4 * MP25), MP25)
    return _tiff((MP25, MP25), 4, 8, 1, [(0, len(raw))], raw, 8, 2, extra_samples=2)


def tiff_many_strips(size: int = HOSTILE_BYTES) -> bytes:
    """A gray TIFF of one-row strips that all point at the same 18 bytes: ≈ 1.3 M strips."""
    width = 18  # 18 × 1.3 M rows = 23.7 MP, under the 25 MP cap
    n = (size - 400) // 6  # 4 bytes of offset + 2 bytes of count per strip
    return _tiff((width, n), 1, 8, 1, [(0, width)] * n, bytes(range(width)), 1, 1)


def bmp_rle(bits: int, size: int = HOSTILE_BYTES) -> bytes:
    """An RLE8 (``bits`` = 8) or RLE4 (4) BMP of one-pixel runs, filling ``size`` bytes.

    Pillow decodes RLE in pure Python, one run at a time.
    """
    width = 1000
    row = (
        b"".join(
            struct.pack("BB", 1, (i * 37) % (1 << bits) * (17 if bits == 4 else 1))
            for i in range(width)
        )
        + b"\x00\x00"
    )  # runs of 1, then end of line
    colours = 1 << bits
    height = (size - 54 - 4 * colours) // len(row)
    pixels = row * height + b"\x00\x01"  # end of bitmap
    palette = b"".join(
        struct.pack("BBBB", v, v, v, 0)
        for v in (round(255 * i / (colours - 1)) for i in range(colours))
    )
    offset = 14 + 40 + len(palette)
    info = struct.pack(
        "<IiiHHIIiiII",
        40,
        width,
        height,
        1,
        bits,
        1 if bits == 8 else 2,
        len(pixels),
        2835,
        2835,
        colours,
        0,
    )
    return (
        b"BM" + struct.pack("<IHHI", offset + len(pixels), 0, 0, offset) + info + palette + pixels
    )


def png_wide_strip(width: int = 20_000) -> bytes:
    """A ``width``×1 gray ramp: crashed the CNN page's thumbnails (height rounded to 0)."""
    return png_bytes(Image.fromarray(np.linspace(0, 255, width).astype(np.uint8)[None, :]))


# name → (builder, what the app must do: "ok" or the InputError code). One row per line of the
# issue's table (the TIFF row has two files), generated on demand and cached.
HOSTILE: dict[str, tuple] = {
    "jpeg_repeated_scans": (jpeg_repeated_scans, "too_many_scans"),
    "webp_1kb_25mp_rgba": (lambda: webp_lossless_uniform(MP25, MP25), "too_big_to_decode"),
    "tiff_float_25mp_as_png": (tiff_float_25mp, "unsupported_format"),
    "tiff_rgba_25mp_as_png": (tiff_rgba_25mp, "unsupported_format"),
    "tiff_many_strips_as_png": (tiff_many_strips, "unsupported_format"),
    "jpeg_many_app_segments": (jpeg_many_app_segments, "too_many_segments"),
    "bmp_rle8": (lambda: bmp_rle(8), "bmp_rle"),
    "bmp_rle4": (lambda: bmp_rle(4), "bmp_rle"),
    "png_1x25m": (lambda: png_declared(1, 25_000_000), "too_long"),
    "png16_rgba_25mp": (lambda: png_declared(MP25, MP25, 16, 6), "too_big_to_decode"),
    "png_20000x1": (png_wide_strip, "ok"),
}


@functools.cache
def hostile(name: str) -> bytes:
    """The bytes of one hostile upload (built once per process)."""
    return HOSTILE[name][0]()


# --------------------------------------------------------------------------------------------
# The corpus


EXPECT: dict[str, str] = {
    "empty_file": "reject",
    "oversized_file": "reject",
    "text_as_png": "reject",
    "svg_as_png": "reject",
    "html_as_jpg": "reject",
    "heic_as_jpg": "reject",
    "truncated_png": "reject",
    "truncated_jpeg": "reject",
    "flipped_bytes_jpeg": "reject",  # libjpeg-turbo: "broken data stream"
    "flipped_header_png": "reject",
    "bomb_png_40000x40000": "reject",
    "bomb_png_10000x10000": "reject",
    "bomb_png_6000x6000": "reject",
    "zero_width_png": "reject",  # Pillow refuses the header: "cannot identify image file"
    "cmyk_jpeg": "ok",
    "gray16_png": "ok",
    "palette_transparent_png": "ok",
    "rgba_transparent_png": "ok",
    "la_png": "ok",
    "onebit_png": "ok",
    "float_tiff": "reject",  # TIFF is not accepted (see nets/decode.py)
    "animated_gif": "ok",
    "exif_rotated_jpeg": "ok",
    "mpo_jpeg": "ok",
    "webp_digit": "ok",
    "bmp_digit": "ok",
    "px1_png": "ok",
    "strip_8000x3_png": "ok",
    "all_black_png": "ok",
    "all_white_png": "ok",
    "photo_12mp_jpeg": "ok",
    "digit28_png": "ok",
    "digit280_dark_on_light_png": "ok",
    **{name: "ok" if want == "ok" else "reject" for name, (_, want) in HOSTILE.items()},
}


@functools.cache
def _build() -> dict[str, bytes]:
    c: dict[str, bytes] = {}
    c["empty_file"] = b""
    c["oversized_file"] = b"\x89PNG\r\n\x1a\n" + bytes(11 * 1024 * 1024)
    c["text_as_png"] = b"Dear student, this is a plain text file with a .png name.\n" * 4
    c["svg_as_png"] = (
        b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="28" height="28">'
        b'<text x="8" y="22" font-size="24">7</text></svg>\n'
    )
    c["html_as_jpg"] = (
        b"<!DOCTYPE html><html><head><title>7</title></head>"
        b"<body><img src='seven.jpg'><script>alert(1)</script></body></html>\n"
    )
    c["heic_as_jpg"] = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(64)

    noisy = _noisy_digit(280, seed=1)
    png = png_bytes(noisy)
    jpeg = encode(noisy.convert("RGB"), "JPEG", quality=90)
    c["truncated_png"] = png[: len(png) // 2]
    c["truncated_jpeg"] = jpeg[: len(jpeg) // 2]
    c["flipped_bytes_jpeg"] = _flip_middle(jpeg)
    broken_header = bytearray(png)
    broken_header[20] ^= 0xFF  # inside IHDR: the chunk CRC no longer matches
    c["flipped_header_png"] = bytes(broken_header)

    c["bomb_png_40000x40000"] = handmade_png(40_000, 40_000)  # 1.6 G px: Pillow's own error
    c["bomb_png_10000x10000"] = handmade_png(10_000, 10_000)  # 100 M px: Pillow's warning
    c["bomb_png_6000x6000"] = handmade_png(6_000, 6_000)  # 36 M px: over our 25 M px cap
    c["zero_width_png"] = handmade_png(0, 28)

    cmyk = Image.new("CMYK", (64, 64), (0, 0, 0, 0))  # white paper
    draw_seven(ImageDraw.Draw(cmyk), 64, (0, 0, 0, 255))  # black ink
    c["cmyk_jpeg"] = encode(cmyk, "JPEG", quality=95)

    ramp = np.linspace(0, 65535, 256).round().astype(np.uint16)
    c["gray16_png"] = png_bytes(Image.fromarray(np.tile(ramp, (64, 1))))  # mode I;16, (64, 256)

    pal = Image.new("P", (64, 64), 0)
    pal.putpalette([255, 0, 0, 0, 0, 0] + [0, 0, 0] * 254)  # 0: red (transparent), 1: black
    draw_seven(ImageDraw.Draw(pal), 64, 1)
    c["palette_transparent_png"] = encode(pal, "PNG", transparency=0)

    rgba = Image.new("RGBA", (64, 64), (0, 0, 0, 0))  # transparent BLACK: dropping alpha fails
    draw_seven(ImageDraw.Draw(rgba), 64, (20, 20, 20, 255))
    c["rgba_transparent_png"] = png_bytes(rgba)

    la = Image.new("LA", (64, 64), (0, 0))
    draw_seven(ImageDraw.Draw(la), 64, (0, 255))
    c["la_png"] = png_bytes(la)

    one = Image.new("1", (64, 64), 1)
    draw_seven(ImageDraw.Draw(one), 64, 0)
    c["onebit_png"] = png_bytes(one)

    flt = np.asarray(digit_image(64), dtype=np.float32) / 255.0 * 0.9  # values in [0, 0.9]
    c["float_tiff"] = encode(Image.fromarray(flt), "TIFF")  # mode F

    c["animated_gif"] = animated_gif()
    c["exif_rotated_jpeg"] = exif_rotated_jpeg()
    mpo_first = digit_image(64, ink=0, paper=255).convert("RGB")
    c["mpo_jpeg"] = encode(
        mpo_first, "MPO", save_all=True, append_images=[Image.new("RGB", (64, 64), "gray")]
    )
    c["webp_digit"] = encode(digit_image(64).convert("RGB"), "WEBP", lossless=True)
    c["bmp_digit"] = encode(digit_image(64), "BMP")

    c["px1_png"] = png_bytes(Image.new("L", (1, 1), 128))
    strip = np.tile(np.linspace(0, 255, 8000).astype(np.uint8), (3, 1))  # (3, 8000)
    c["strip_8000x3_png"] = png_bytes(Image.fromarray(strip))
    c["all_black_png"] = png_bytes(Image.new("L", (64, 64), 0))
    c["all_white_png"] = png_bytes(Image.new("L", (64, 64), 255))
    c["photo_12mp_jpeg"] = encode(_photo(4000, 3000), "JPEG", quality=85)
    c["digit28_png"] = png_bytes(digit_image(28))
    c["digit280_dark_on_light_png"] = png_bytes(digit_image(280, ink=0, paper=255))

    c.update({name: hostile(name) for name in HOSTILE})
    assert set(c) == set(EXPECT), set(c) ^ set(EXPECT)
    return c


def corpus() -> dict[str, bytes]:
    """Every awkward upload, name → file bytes (built once, then cached)."""
    return dict(_build())


# The image CNN's activation shapes for one 28×28 input, written out (not read from the model).
IMAGE_CNN_SHAPES = {
    "conv1": (16, 28, 28),
    "relu1": (16, 28, 28),
    "pool1": (16, 14, 14),
    "conv2": (32, 14, 14),
    "relu2": (32, 14, 14),
    "pool2": (32, 7, 7),
    "fc1": (128,),
    "logits": (10,),
}
