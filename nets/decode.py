"""Untrusted image bytes → small 8-bit arrays, with bounded time and memory.

Two halves, following Pillow's security handbook and a red-team of the running app (issue 18):

- ``precheck(raw)`` reads only bytes, in the server, before anything is decoded (well under a
  millisecond for a header, a few milliseconds to count the scans of an 8 MB JPEG): the byte
  limit (the same number as ``server.maxUploadSize`` in ``.streamlit/config.toml``), the real
  format from the magic bytes (PNG, JPEG, WebP, GIF, BMP; TIFF is refused whatever the file is
  called: the uploader never offered it, and its strips, tiles and float samples are the biggest
  decoder surface for no teaching value), the declared size against the 25 MP cap and against a
  working-memory budget (``WORK_BUDGET``: the decoded frame plus the decoder's own buffers,
  measured per format), the number of JPEG scans and of header segments (JPEG markers or PNG
  chunks before the image data), and BMP run-length compression (decoded in pure Python).
- ``decode_untrusted(raw)`` runs in a worker process (``nets.decode_pool``) under CPU, memory and
  wall-clock limits: Pillow opens the file as the format the magic bytes announced, a JPEG is
  decoded at a reduced DCT scale (``draft``), and the frame is converted to an 8-bit working mode
  and ``reduce``\\ d strip by strip (so the only big buffer is the decoded frame), then resampled
  to at most ``DISPLAY_MAX`` pixels a side, turned upright (EXIF orientation) and composited on
  white. Only the small ``Decoded`` arrays leave the worker.

Trusted inputs are decoded in-process by the same pipeline: ``decode_pil`` (a PIL image from a
notebook) and ``decode_array`` (a canvas drawing or a gallery digit). Every rejection is an
``InputError`` with its message from ``assets/i18n/upload.json``. No process-wide Pillow setting
is changed.
"""

from __future__ import annotations

import io
import math
import re
import struct
import tomllib
import warnings
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
from PIL import Image

from .errors import InputError, rejection
from .paths import ROOT

STREAMLIT_CONFIG = ROOT / ".streamlit" / "config.toml"


def _upload_limit_mb() -> int:
    """``server.maxUploadSize`` of ``.streamlit/config.toml``: the one upload limit, in MB."""
    with STREAMLIT_CONFIG.open("rb") as f:
        return int(tomllib.load(f)["server"]["maxUploadSize"])


MAX_UPLOAD_MB = _upload_limit_mb()
# The browser refuses files over maxUploadSize × 10^6 bytes (Streamlit's frontend counts decimal
# megabytes; its server allows a MiB and a margin more), so that is the limit here too.
MAX_BYTES = MAX_UPLOAD_MB * 1_000_000
MAX_PIXELS = 25_000_000  # from the header, before any pixel is decoded
# No camera, scanner or panorama makes a longer side; a 1 × 25,000,000 PNG (48 KB) would cost
# its decoder 25 M rows of per-row work. Shorter extreme strips are analysed and letterboxed.
MAX_SIDE = 50_000
WORK_BUDGET = 64 * 2**20  # decoded frame + decoder buffers, estimated from the header
MAX_SCANS = 64  # JPEG scans: a photo has 1 (baseline) to about 12 (progressive)
MAX_HEADER_SEGMENTS = 256  # JPEG segments before the first scan / PNG chunks before IDAT
DISPLAY_MAX = 256  # long side of every array that leaves the decoder
STRIP_BYTES = 4 * 2**20  # the frame is converted and reduced this many bytes at a time
ALLOWED_FORMATS = ("PNG", "JPEG", "WEBP", "GIF", "BMP")

# Bytes per pixel of a decoded frame as Pillow 13 holds it ("RGB" takes 4 bytes), by mode.
FRAME_BPP = {"1": 1, "L": 1, "P": 1, "I;16": 2, "I;16B": 2, "I;16L": 2, "I;16N": 2}
FRAME_BPP_DEFAULT = 4
# libwebp's animation decoder (Pillow uses it for every WebP) keeps two RGBA canvases and Pillow
# a copy: 16–17 bytes per pixel measured for 16 MP lossy, lossless and alpha files.
WEBP_BPP = 17

# Everything a Pillow decoder is known to raise on a malformed file (the security handbook's list).
DECODE_ERRORS = (
    OSError,  # includes truncated files and Image.UnidentifiedImageError
    SyntaxError,
    ValueError,
    NotImplementedError,
    OverflowError,
    struct.error,
    EOFError,
    IndexError,
    KeyError,
    TypeError,
    ZeroDivisionError,
)

_HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"heif", b"mif1", b"msf1", b"avif", b"avis")
_TIFF_MAGIC = (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")  # classic and BigTIFF

# EXIF orientation → the transpose that shows the image upright (same table as ImageOps).
_ORIENTATION = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


@dataclass
class Decoded:
    """An image decoded for the app: small, upright, 8-bit, on a white background.

    Attributes:
        gray: uint8 (H, W), long side ≤ ``DISPLAY_MAX`` (ITU-R 601-2 luma of the colours).
        rgb: uint8 (H, W, 3) of the same size when the image has colour, else None.
    """

    gray: np.ndarray
    rgb: np.ndarray | None = None


@dataclass(frozen=True)
class Header:
    """What ``precheck`` read: the real format, the declared size and the memory to decode it."""

    format: str
    size: tuple[int, int]
    work_bytes: int


# --------------------------------------------------------------------------------------------
# Rejections


class _Damaged(Exception):
    """A header that cannot be parsed (turned into the ``corrupt_image`` rejection)."""


def err_empty_file() -> InputError:
    return rejection("empty_file", "upload.empty_file")


def err_too_large(n: int) -> InputError:
    return rejection(
        "too_large",
        "upload.too_large",
        size=n,
        mb=f"{n / 1e6:.1f}",
        limit=MAX_BYTES,
        limit_mb=MAX_UPLOAD_MB,
    )


def err_not_an_image() -> InputError:
    return rejection("not_an_image", "upload.not_an_image")


def err_corrupt() -> InputError:
    return rejection("corrupt_image", "upload.corrupt")


def err_too_many_pixels(size: tuple[int, int]) -> InputError:
    return rejection("too_many_pixels", "upload.too_many_pixels", width=size[0], height=size[1])


def err_too_big_to_decode(size: tuple[int, int], need: int) -> InputError:
    return rejection(
        "too_big_to_decode",
        "upload.too_big_to_decode",
        width=size[0],
        height=size[1],
        need_mb=math.ceil(need / 2**20),
        budget_mb=WORK_BUDGET // 2**20,
    )


def err_too_much_memory() -> InputError:
    return rejection("too_much_memory", "upload.too_much_memory")


def err_unsupported_mode() -> InputError:
    return rejection("unsupported_mode", "upload.unsupported_mode")


def err_bad_array(shape: tuple[int, ...], dtype: object) -> InputError:
    return rejection("bad_array", "upload.bad_array", shape=shape, dtype=dtype)


def err_bad_type(obj: object) -> InputError:
    return rejection("bad_input_type", "upload.bad_input_type", name=type(obj).__name__)


# --------------------------------------------------------------------------------------------
# Structural pre-checks (bytes only; run in the server before any decoding)


def sniff(raw: bytes) -> str | None:
    """The image format the magic bytes announce, if it is one the app accepts."""
    if raw.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if raw.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if raw[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    if raw[:4] == b"RIFF" and raw[8:12] == b"WEBP":
        return "WEBP"
    if raw.startswith(b"BM"):
        return "BMP"
    return None


def precheck(raw: bytes) -> Header:
    """Check untrusted bytes before decoding them.

    Args:
        raw: the file's bytes.

    Returns:
        The format, declared size and estimated decoding memory.

    Raises:
        InputError: empty, too large, not an accepted format, damaged header, zero size, too many
            pixels, a side over ``MAX_SIDE``, over the memory budget, too many JPEG scans or header segments, RLE BMP.
    """
    n = len(raw)
    if n == 0:
        raise err_empty_file()
    if n > MAX_BYTES:
        raise err_too_large(n)
    fmt = sniff(raw)
    if fmt is None:
        if raw[:4] in _TIFF_MAGIC:
            raise rejection("unsupported_format", "upload.tiff")
        if raw[4:8] == b"ftyp" and raw[8:12] in _HEIF_BRANDS:
            raise rejection("unsupported_format", "upload.heif")
        raise err_not_an_image()
    parse = {"PNG": _png, "JPEG": _jpeg, "GIF": _gif, "WEBP": _webp, "BMP": _bmp}[fmt]
    try:
        width, height, work = parse(raw)
    except InputError:
        raise
    except (_Damaged, struct.error, IndexError, ValueError):
        raise err_corrupt() from None
    check_size((width, height))
    if work > WORK_BUDGET:
        raise err_too_big_to_decode((width, height), work)
    return Header(fmt, (width, height), work)


def check_size(size: tuple[int, int]) -> None:
    """Reject a zero-sized image, one over ``MAX_PIXELS`` and one with a side over ``MAX_SIDE``."""
    w, h = size
    if w <= 0 or h <= 0:
        raise rejection("empty_image", "upload.empty_image", width=w, height=h)
    if w * h > MAX_PIXELS:
        raise err_too_many_pixels((w, h))
    if max(w, h) > MAX_SIDE:
        raise rejection("too_long", "upload.too_long", width=w, height=h, limit=MAX_SIDE)


def _png(raw: bytes) -> tuple[int, int, int]:
    length, kind = struct.unpack_from(">I4s", raw, 8)
    (crc,) = struct.unpack_from(">I", raw, 29)
    if kind != b"IHDR" or length != 13 or zlib.crc32(raw[12:29]) != crc:
        raise _Damaged
    w, h, depth, colour = struct.unpack_from(">IIBB", raw, 16)
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}.get(colour)
    if channels is None or depth not in (1, 2, 4, 8, 16):
        raise _Damaged
    bpp = (2 if depth == 16 else 1) if channels == 1 else FRAME_BPP_DEFAULT
    row = (w * channels * depth + 7) // 8 + 1
    pos, chunks = 8, 0
    while True:  # the chunks Pillow parses in Python before the pixel data
        if pos + 8 > len(raw):
            raise _Damaged  # no image data at all
        length, kind = struct.unpack_from(">I4s", raw, pos)
        if kind == b"IDAT":
            break
        chunks += 1
        if chunks > MAX_HEADER_SEGMENTS:
            raise rejection(
                "too_many_segments", "upload.too_many_segments", limit=MAX_HEADER_SEGMENTS
            )
        pos += 12 + length
    return w, h, w * h * bpp + 2 * row  # the frame, plus the decoder's current and previous row


_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
_PROGRESSIVE = {0xC2, 0xC6, 0xCA, 0xCE}
_FILL = re.compile(rb"\xff+")


def _jpeg(raw: bytes) -> tuple[int, int, int]:
    pos, segments, sof = 2, 0, None
    while True:  # the segments Pillow parses in Python, up to the first scan
        fill = _FILL.match(raw, pos)
        if fill is None:
            raise _Damaged
        pos = fill.end()
        marker = raw[pos]
        pos += 1
        if marker == 0x01 or 0xD0 <= marker <= 0xD7:
            continue  # markers without a length
        if marker in (0xD8, 0xD9):
            raise _Damaged  # a second start, or the end before any scan
        segments += 1
        if segments > MAX_HEADER_SEGMENTS:
            raise rejection(
                "too_many_segments", "upload.too_many_segments", limit=MAX_HEADER_SEGMENTS
            )
        (length,) = struct.unpack_from(">H", raw, pos)
        if length < 2:
            raise _Damaged
        if marker in _SOF:
            _, h, w, nf = struct.unpack_from(">BHHB", raw, pos + 2)
            sampling = [raw[pos + 9 + 3 * i] for i in range(nf)]
            sof = (marker, w, h, [(s >> 4, s & 15) for s in sampling])
        if marker == 0xDA:
            break
        pos += length
    if sof is None or not sof[3]:
        raise _Damaged
    scans = _count(raw, b"\xff\xda", pos - 2, MAX_SCANS + 1)  # entropy data never holds FF DA
    if scans > MAX_SCANS:
        raise rejection("too_many_scans", "upload.too_many_scans", limit=MAX_SCANS)
    marker, w, h, comps = sof
    s = _draft_scale(w, h)
    work = -(-w // s) * -(-h // s) * (1 if len(comps) == 1 else FRAME_BPP_DEFAULT)
    if marker in _PROGRESSIVE or scans > 1:
        # libjpeg keeps every DCT coefficient of a multi-scan image, at full size (2 bytes each).
        hmax = max(c[0] for c in comps) or 1
        vmax = max(c[1] for c in comps) or 1
        for hs, vs in comps:
            work += -(-w * hs // (8 * hmax)) * -(-h * vs // (8 * vmax)) * 128
    return w, h, work


def _count(raw: bytes, needle: bytes, start: int, stop_at: int) -> int:
    """Occurrences of ``needle`` in ``raw[start:]``, counting no further than ``stop_at``."""
    n, pos = 0, raw.find(needle, start)
    while pos >= 0 and n < stop_at:
        n += 1
        pos = raw.find(needle, pos + len(needle))
    return n


def _draft_scale(w: int, h: int) -> int:
    """The DCT scale (1, 2, 4 or 8) Pillow's ``draft`` picks for a ``DISPLAY_MAX`` square."""
    scale = min(w // DISPLAY_MAX, h // DISPLAY_MAX)
    return next(s for s in (8, 4, 2, 1) if scale >= s or s == 1)


def _gif(raw: bytes) -> tuple[int, int, int]:
    w, h = struct.unpack_from("<HH", raw, 6)
    return w, h, 2 * w * h  # the first frame (mode P) and a dispose buffer


def _webp(raw: bytes) -> tuple[int, int, int]:
    if len(raw) < 30:  # the smallest header (VP8X) ends at byte 30
        raise _Damaged
    kind = raw[12:16]
    if kind == b"VP8 ":  # lossy: a 3-byte frame tag, a start code, then 14-bit sizes
        if raw[23:26] != b"\x9d\x01\x2a":
            raise _Damaged
        w, h = struct.unpack_from("<HH", raw, 26)
        w, h = w & 0x3FFF, h & 0x3FFF
    elif kind == b"VP8L":  # lossless: a signature byte, then 14-bit sizes minus one
        if raw[20] != 0x2F:
            raise _Damaged
        (bits,) = struct.unpack_from("<I", raw, 21)
        w, h = (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    elif kind == b"VP8X":  # extended: 24-bit canvas sizes minus one
        w = 1 + int.from_bytes(raw[24:27], "little")
        h = 1 + int.from_bytes(raw[27:30], "little")
    else:
        raise _Damaged
    return w, h, w * h * WEBP_BPP


def _bmp(raw: bytes) -> tuple[int, int, int]:
    (header,) = struct.unpack_from("<I", raw, 14)
    if header == 12:  # OS/2 1.x
        w, h, _, bits = struct.unpack_from("<HHHH", raw, 18)
        compression = 0
    elif header >= 40:
        w, h, _, bits, compression = struct.unpack_from("<iiHHI", raw, 18)
        h = abs(h)  # negative: stored top-down
    else:
        raise _Damaged
    if compression in (1, 2):
        raise rejection("bmp_rle", "upload.bmp_rle")
    if compression not in (0, 3, 6) or w < 0:
        raise _Damaged
    return w, h, w * h * (1 if bits <= 8 else FRAME_BPP_DEFAULT)


# --------------------------------------------------------------------------------------------
# Decoding (the worker's task) and the trusted in-process inputs


@contextmanager
def _guarded(size: tuple[int, int]) -> Iterator[None]:
    """Bombs and decoder failures as InputErrors; Pillow's warnings silenced or raised."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # Pillow's chatter about odd EXIF etc.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            yield
        except InputError:
            raise
        except MemoryError:
            raise err_too_much_memory() from None
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise err_too_many_pixels(size) from None
        except DECODE_ERRORS:
            raise err_corrupt() from None


def decode_untrusted(raw: bytes) -> Decoded:
    """Decode untrusted file bytes (the worker pool's task; safe in-process only for tests).

    Args:
        raw: the file's bytes.

    Returns:
        The small upright 8-bit arrays (first frame only; transparency on white; 16-bit and
        float samples scaled, not clipped, to 0..255).

    Raises:
        InputError: anything ``precheck`` rejects, a damaged file, an unsupported mode, or a
            decode that runs out of memory.
    """
    raw = bytes(raw)
    header = precheck(raw)
    with _guarded(header.size):
        img = Image.open(io.BytesIO(raw), formats=[header.format])
        check_size(img.size)  # Pillow's own reading of the header
        if img.format in ("JPEG", "MPO"):
            img.draft(img.mode, (DISPLAY_MAX, DISPLAY_MAX))  # decode at 1/2, 1/4 or 1/8 scale
        bpp = WEBP_BPP if img.format == "WEBP" else FRAME_BPP.get(img.mode, FRAME_BPP_DEFAULT)
        if img.size[0] * img.size[1] * bpp > WORK_BUDGET:
            raise err_too_big_to_decode(header.size, img.size[0] * img.size[1] * bpp)
        img.load()
        check_size(img.size)  # a decoder may correct the size while loading
        return _small(img)


def decode_pil(img: Image.Image) -> Decoded:
    """Decode a PIL image a caller already holds (trusted, in-process); it is not modified."""
    check_size(img.size)
    with _guarded(img.size):
        img.load()
        check_size(img.size)
        return _small(img)


def decode_array(a: np.ndarray) -> Decoded:
    """Decode an array the app made (a canvas drawing, a gallery digit), in-process.

    Args:
        a: H×W gray, H×W×1, H×W×3 RGB or H×W×4 RGBA; uint8, uint16, bool, other integers, or
            float in [0, 1] or [0, 255] (other ranges are min–max scaled; NaN counts as 0).

    Returns:
        The small upright 8-bit arrays.

    Raises:
        InputError: a shape or dtype that is not an image, or zero / too many pixels.
    """
    a = np.asarray(a)
    if a.ndim == 3 and a.shape[2] == 1:
        a = a[:, :, 0]
    ok_shape = a.ndim == 2 or (a.ndim == 3 and a.shape[2] in (3, 4))
    if not ok_shape or a.dtype.kind not in "biuf":
        raise err_bad_array(a.shape, a.dtype)
    h, w = a.shape[:2]
    check_size((w, h))
    try:
        u8 = np.ascontiguousarray(scale_to_u8(a))  # (H, W) or (H, W, 3|4)
        return _small(Image.fromarray(u8))  # mode L, RGB or RGBA
    except InputError:
        raise
    except DECODE_ERRORS:
        raise err_bad_array(a.shape, a.dtype) from None


def _orientation(img: Image.Image) -> int:
    """The EXIF orientation tag (1 = upright); a malformed EXIF block counts as upright."""
    try:
        value = img.getexif().get(0x0112, 1)
        return int(value) if isinstance(value, int) else 1
    except DECODE_ERRORS:
        return 1


def _work_mode(img: Image.Image) -> str:
    """The 8-bit mode (or "F" for 16-bit / 32-bit samples) a frame is reduced in."""
    mode, alpha = img.mode, "transparency" in img.info
    if mode in ("1", "L"):
        return "LA" if alpha else "L"
    if mode in ("LA", "La"):
        return "LA"
    if mode in ("RGBA", "RGBa", "PA"):
        return "RGBA"
    if mode in ("P", "RGB"):
        return "RGBA" if alpha else "RGB"
    if mode in ("RGBX", "CMYK", "YCbCr", "HSV", "LAB"):
        return "RGB"
    if mode.startswith("I;16") or mode in ("I", "F"):
        return "F"
    raise err_unsupported_mode()


def _target(w: int, h: int) -> tuple[int, int]:
    """The output size: long side at most ``DISPLAY_MAX``, never upscaled, at least 1 px."""
    if max(w, h) <= DISPLAY_MAX:
        return w, h
    s = DISPLAY_MAX / max(w, h)
    return max(1, round(w * s)), max(1, round(h * s))


def _reduced(img: Image.Image, work: str, kx: int, ky: int) -> Image.Image:
    """``img`` converted to ``work`` and box-reduced by (kx, ky), a strip of rows at a time.

    Strips are whole multiples of ``ky`` rows, so the result equals ``img.convert(work)
    .reduce((kx, ky))`` (Pillow premultiplies alpha inside ``reduce``) without ever holding a
    converted copy of the whole frame.
    """
    w, h = img.size
    if kx == ky == 1 and w * h * 4 <= STRIP_BYTES:
        return img.convert(work) if img.mode != work else img.copy()
    rows = ky * max(1, STRIP_BYTES // (w * 4 * ky))
    out = Image.new(work, (-(-w // kx), -(-h // ky)))
    for top in range(0, h, rows):
        strip = img.crop((0, top, w, min(h, top + rows)))
        if strip.mode != work:
            strip = strip.convert(work)
        out.paste(strip.reduce((kx, ky)) if kx * ky > 1 else strip, (0, top // ky))
    return out


def _small(img: Image.Image) -> Decoded:
    """A loaded frame → upright, ≤ ``DISPLAY_MAX`` px, 8-bit, on white."""
    orientation = _orientation(img)
    source_mode = img.mode
    work = _work_mode(img)
    w, h = img.size
    tw, th = _target(w, h)
    # Reduce by whole factors first, leaving at least 2× for the Lanczos step (Pillow's
    # reducing_gap=2), exactly as ``resize(..., reducing_gap=2.0)`` would, but strip by strip.
    kx, ky = max(1, int(w / tw / 2)), max(1, int(h / th / 2))
    small = _reduced(img, work, kx, ky)
    if small.size != (tw, th):
        small = small.resize((tw, th), Image.Resampling.LANCZOS)
    if orientation in _ORIENTATION:
        small = small.transpose(_ORIENTATION[orientation])
    a = np.asarray(small)
    if work == "F":
        return Decoded(_float_to_u8(a, sixteen_bit=source_mode.startswith("I;16")))
    if work == "L":
        return Decoded(np.array(a, dtype=np.uint8))
    if work == "LA":
        return Decoded(_on_white(a[..., 0], a[..., 1]))
    rgb = a[..., :3] if work == "RGB" else _on_white(a[..., :3], a[..., 3:4])
    rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
    gray = np.asarray(Image.fromarray(rgb).convert("L"), dtype=np.uint8)
    colourless = bool((rgb[..., 0] == rgb[..., 1]).all() and (rgb[..., 1] == rgb[..., 2]).all())
    return Decoded(gray, None if colourless else rgb)


def _on_white(colour: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Composite 8-bit ``colour`` with 8-bit ``alpha`` over white, in integers: uint8."""
    c, a = colour.astype(np.uint16), alpha.astype(np.uint16)
    return ((c * a + 255 * (255 - a) + 127) // 255).astype(np.uint8)


def _float_to_u8(f: np.ndarray, sixteen_bit: bool) -> np.ndarray:
    """Reduced 16-bit or 32-bit samples (as float32) → uint8.

    16-bit samples are 0..65535 by definition: divided by 257 (scaled, never clipped). Other
    samples: [0, 1] → ×255, [0, 255] as is, anything else min–max; NaN counts as 0.
    """
    with np.errstate(all="ignore"):
        f = np.nan_to_num(f.astype(np.float64), nan=0.0)
        if sixteen_bit:
            return np.clip(np.rint(f / 257.0), 0, 255).astype(np.uint8)
        return scale_to_u8(f)


def scale_to_u8(a: np.ndarray) -> np.ndarray:
    """Any numeric array → uint8, guessing its range.

    bool → 0/255; uint8 as is; uint16 → /257; other integers: 0..255 as is, 0..65535 → /257,
    else min–max. Floats: [0, 1] → ×255, [0, 255] as is, else min–max; NaN counts as 0.
    """
    if a.dtype == np.bool_:
        return a.astype(np.uint8) * 255
    if a.dtype == np.uint8:
        return a
    if a.dtype == np.uint16:
        return _u16(a)
    if a.dtype.kind in "iu":
        lo, hi = int(a.min()), int(a.max())
        if lo >= 0 and hi <= 255:
            return a.astype(np.uint8)
        if lo >= 0 and hi <= 65535:
            return _u16(a)
        return _minmax_u8(a.astype(np.float64))
    with np.errstate(all="ignore"):  # garbage float data may hold signalling NaNs
        f = a.astype(np.float64)
        f[np.isnan(f)] = 0.0
        finite = f[np.isfinite(f)]
        if finite.size == 0:
            return np.zeros(a.shape, np.uint8)
        lo, hi = float(finite.min()), float(finite.max())
        f = np.clip(f, lo, hi)  # ±inf → the finite extremes
        if lo >= 0.0 and hi <= 1.0:
            return np.rint(f * 255.0).astype(np.uint8)
        if lo >= 0.0 and hi <= 255.0:
            return np.rint(f).astype(np.uint8)
        return _minmax_u8(f)


def _u16(a: np.ndarray) -> np.ndarray:
    """0..65535 → 0..255 by scaling (65535 / 255 = 257), never by clipping."""
    return np.rint(a.astype(np.float32) / 257.0).astype(np.uint8)


def _minmax_u8(f: np.ndarray) -> np.ndarray:
    lo, hi = float(f.min()), float(f.max())
    if hi <= lo:
        return np.zeros(f.shape, np.uint8)
    return np.rint((f - lo) * (255.0 / (hi - lo))).astype(np.uint8)
