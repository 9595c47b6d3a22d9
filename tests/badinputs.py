"""The project's own generator of awkward uploads, built in memory with PIL, numpy, zlib and struct.

``corpus()`` maps a name to the bytes of a file a student might upload; ``EXPECT`` says whether
``nets.imageio`` must analyse it (``"ok"``) or reject it with an ``InputError`` (``"reject"``).
Helpers such as ``digit_image`` and ``png_bytes`` are reused by the tests.
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
    "float_tiff": "ok",
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
