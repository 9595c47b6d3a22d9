"""Safe image decoding and the MNIST-style preprocessing of an uploaded digit.

``decode_image`` turns untrusted bytes (or a PIL image / numpy array) into one 8-bit grayscale
PIL image, following Pillow's security handbook: a byte cap before decoding, a format allowlist,
a pixel cap read from the header before any pixel is decoded, decompression bombs turned into
errors locally, and every decoder failure turned into an ``InputError`` with a message in Chinese
and English. No process-wide Pillow setting is changed.

``preprocess`` applies the MNIST recipe: grayscale, invert a light background, crop the ink,
scale its long side to 20 px, and centre it by its centre of mass in a 28×28 frame.
"""

from __future__ import annotations

import io
import struct
import warnings
from dataclasses import dataclass

import numpy as np
from PIL import Image

from .errors import InputError

MAX_BYTES = 10 * 1024 * 1024  # 10 MB, checked before decoding
MAX_PIXELS = 25_000_000  # checked from the header, before any pixel is decoded
ALLOWED_FORMATS = ["PNG", "JPEG", "WEBP", "GIF", "BMP", "TIFF"]
JPEG_DRAFT_SIZE = (1024, 1024)  # big JPEGs are decoded at a reduced scale of at least this size
DISPLAY_MAX = 256  # long side of the arrays kept for display and for the conv layers
MNIST_BOX = 20  # the ink's long side inside the 28×28 frame
MNIST_SIZE = 28
NOISE_REL = 0.2  # pixels below this fraction of the brightest ink are ignored when cropping
NOISE_ABS = 0.05  # ... and so are pixels below this absolute level
EMPTY_MAX = 0.15  # brightest ink below this (after levelling) means "no ink"

# Everything a Pillow decoder is known to raise on a malformed file (the security handbook's list).
DECODE_ERRORS = (
    OSError,  # includes truncated files and Image.UnidentifiedImageError
    SyntaxError,
    ValueError,
    MemoryError,
    NotImplementedError,
    OverflowError,
    struct.error,
    EOFError,
    IndexError,
    KeyError,
    TypeError,
    ZeroDivisionError,
)

# File signatures of the allowed formats: a file that starts like one of these but cannot be
# opened is damaged, not "something else".
_MAGIC = (
    b"\x89PNG\r\n\x1a\n",
    b"\xff\xd8\xff",
    b"GIF87a",
    b"GIF89a",
    b"BM",
    b"II*\x00",
    b"MM\x00*",
)
_HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"heif", b"mif1", b"msf1", b"avif", b"avis")

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
_SUPPORTED_EN = "PNG, JPEG, WebP, GIF, BMP or TIFF"
_SUPPORTED_ZH = "PNG、JPEG、WebP、GIF、BMP 或 TIFF"


# --------------------------------------------------------------------------------------------
# Errors (every rejection is an InputError with a message a student can act on)


def _err_empty_file() -> InputError:
    return InputError(
        "empty_file",
        "文件是空的（0 字节）。请重新选择一张图片。",
        "The file is empty (0 bytes). Please choose an image file.",
    )


def _err_too_large(n: int) -> InputError:
    mb = n / (1024 * 1024)
    return InputError(
        "too_large",
        f"文件太大（{mb:.1f} MB），上限是 10 MB。请先压缩或缩小图片再上传。",
        f"The file is too large ({mb:.1f} MB); the limit is 10 MB. "
        "Please compress or shrink the image first.",
    )


def _err_not_an_image() -> InputError:
    return InputError(
        "not_an_image",
        f"这个文件不是可识别的图片。请上传 {_SUPPORTED_ZH} 格式的图片。",
        f"This file is not an image we can read. Please upload a {_SUPPORTED_EN} image.",
    )


def _err_heif() -> InputError:
    return InputError(
        "unsupported_format",
        f"不支持 HEIC/HEIF/AVIF 格式（常见于手机照片）。请先导出为 {_SUPPORTED_ZH}。",
        "HEIC/HEIF/AVIF images (common on phones) are not supported. "
        f"Please export the image as {_SUPPORTED_EN} first.",
    )


def _err_corrupt() -> InputError:
    return InputError(
        "corrupt_image",
        "图片文件已损坏或不完整，无法解码。请重新保存/导出后再试，或换一张图片。",
        "The image file is damaged or incomplete and cannot be decoded. "
        "Please save or export it again, or try another image.",
    )


def _err_too_many_pixels(size: tuple[int, int] | None = None) -> InputError:
    dims_zh = f"（{size[0]}×{size[1]}）" if size else ""
    dims_en = f" ({size[0]}×{size[1]})" if size else ""
    return InputError(
        "too_many_pixels",
        f"图片像素太多{dims_zh}，上限是 2500 万像素。请先把图片缩小。",
        f"The image has too many pixels{dims_en}; the limit is 25 megapixels. "
        "Please make it smaller first.",
    )


def _err_zero_size(size: tuple[int, ...]) -> InputError:
    dims = "×".join(str(s) for s in size)
    return InputError(
        "empty_image",
        f"图片的宽或高为 0（{dims}），没有可分析的像素。",
        f"The image has zero width or height ({dims}), so there is nothing to analyse.",
    )


def _err_unsupported_mode(mode: str) -> InputError:
    return InputError(
        "unsupported_mode",
        f"不支持这种颜色模式（{mode}）。请把图片另存为普通的 RGB 或灰度 PNG/JPEG。",
        f"This colour mode ({mode}) is not supported. "
        "Please save the image as an ordinary RGB or grayscale PNG/JPEG.",
    )


def _err_bad_array(shape: tuple[int, ...], dtype: object) -> InputError:
    return InputError(
        "bad_array",
        f"无法把这个数组当作图片（形状 {shape}，类型 {dtype}）。"
        "需要 H×W 灰度、H×W×3 RGB 或 H×W×4 RGBA 的数值数组。",
        f"This array cannot be read as an image (shape {shape}, dtype {dtype}). "
        "Expected a numeric H×W gray, H×W×3 RGB or H×W×4 RGBA array.",
    )


def _err_bad_type(obj: object) -> InputError:
    name = type(obj).__name__
    return InputError(
        "bad_input_type",
        f"无法读取这种输入（{name}）。请上传图片文件。",
        f"This kind of input ({name}) cannot be read. Please upload an image file.",
    )


# --------------------------------------------------------------------------------------------
# Decoding


def decode_image(data) -> Image.Image:
    """Decode untrusted image data into one 8-bit grayscale image.

    Only the first frame is used; the EXIF orientation is applied; transparency is composited
    onto white; 16-bit and float images are scaled (not clipped) to 0..255.

    Args:
        data: file bytes (``bytes`` / ``bytearray`` / ``memoryview``), a PIL image, or a numpy
            array (H×W gray, H×W×3 RGB, H×W×4 RGBA; uint8, uint16, bool, or float in [0, 1]
            or [0, 255]).

    Returns:
        A new PIL image in mode ``"L"`` (never the caller's object).

    Raises:
        InputError: for anything that cannot be analysed (empty, too large, not an image,
            damaged, too many pixels, zero size, unsupported mode or array).
    """
    if isinstance(data, (bytes, bytearray, memoryview)):
        size = data.nbytes if isinstance(data, memoryview) else len(data)
        if size > MAX_BYTES:  # before copying anything
            raise _err_too_large(size)
        return _decode_bytes(bytes(data))
    if isinstance(data, Image.Image):
        return _guarded(_finish, data)
    if isinstance(data, np.ndarray):
        return _decode_array(data)
    raise _err_bad_type(data)


def _decode_bytes(raw: bytes) -> Image.Image:
    if len(raw) == 0:
        raise _err_empty_file()
    if len(raw) > MAX_BYTES:
        raise _err_too_large(len(raw))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # Pillow's chatter about odd EXIF etc.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            img = Image.open(io.BytesIO(raw), formats=ALLOWED_FORMATS)
        except Image.UnidentifiedImageError:
            raise _classify_unidentified(raw) from None
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _err_too_many_pixels() from None
        except DECODE_ERRORS:
            raise _err_corrupt() from None
        try:
            _check_size(img.size)
            if img.format in ("JPEG", "MPO"):
                # Decode a big JPEG at 1/2, 1/4 or 1/8 scale, straight to gray: a 12 MP photo
                # then decodes in tens of milliseconds. Only the header has been read so far.
                img.draft("L", JPEG_DRAFT_SIZE)
            return _finish(img)
        except InputError:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _err_too_many_pixels(img.size) from None
        except DECODE_ERRORS:
            raise _err_corrupt() from None


def _guarded(fn, *args, **kwargs):
    """Run ``fn`` with bombs as errors and decoder failures turned into InputError."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            return fn(*args, **kwargs)
        except InputError:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _err_too_many_pixels() from None
        except DECODE_ERRORS:
            raise _err_corrupt() from None


def _classify_unidentified(raw: bytes) -> InputError:
    """No allowed decoder took the file: damaged image, HEIC photo, or not an image at all."""
    if raw.startswith(_MAGIC) or (raw[:4] == b"RIFF" and raw[8:12] == b"WEBP"):
        return _err_corrupt()
    if raw[4:8] == b"ftyp" and raw[8:12] in _HEIF_BRANDS:
        return _err_heif()
    return _err_not_an_image()


def _check_size(size: tuple[int, int]) -> None:
    w, h = size
    if w <= 0 or h <= 0:
        raise _err_zero_size((w, h))
    if w * h > MAX_PIXELS:
        raise _err_too_many_pixels((w, h))


def _finish(img: Image.Image) -> Image.Image:
    """Load (first frame), convert to "L", apply the EXIF orientation; return a new image."""
    _check_size(img.size)  # from the header: nothing decoded yet
    img.load()
    _check_size(img.size)  # a decoder may correct the size while loading
    orientation = _orientation(img)
    out = _to_l(img)
    if out is img:
        out = img.copy()  # a plain new image: never the caller's object or an open file
    if orientation in _ORIENTATION:
        out = out.transpose(_ORIENTATION[orientation])
    out.info = {}  # drop EXIF/XMP so nothing downstream rotates the image a second time
    return out


def _orientation(img: Image.Image) -> int:
    """The EXIF orientation tag (1 = upright); a malformed EXIF block counts as upright."""
    try:
        value = img.getexif().get(0x0112, 1)
        return int(value) if isinstance(value, int) else 1
    except DECODE_ERRORS:
        return 1


def _to_l(img: Image.Image) -> Image.Image:
    """Convert any Pillow mode to "L" (alpha composited onto white, 16-bit/float scaled)."""
    mode = img.mode
    has_alpha = mode in ("LA", "La", "RGBA", "RGBa", "PA") or (
        mode in ("1", "L", "P", "RGB") and "transparency" in img.info
    )
    if has_alpha:
        if mode == "La":
            img = img.convert("RGBa")  # Pillow has no direct La → RGBA
        rgba = img.convert("RGBA")
        alpha = np.asarray(rgba.getchannel("A"), dtype=np.float32) / 255.0  # (H, W)
        lum = np.asarray(rgba.convert("L"), dtype=np.float32)  # RGBA → L ignores alpha
        out = lum * alpha + 255.0 * (1.0 - alpha)  # over a white background
        return Image.fromarray(np.clip(np.rint(out), 0, 255).astype(np.uint8))
    if mode == "L":
        return img
    if mode in ("1", "P", "RGB", "RGBX"):
        return img.convert("L")
    if mode in ("CMYK", "YCbCr", "HSV", "LAB"):
        return img.convert("RGB").convert("L")
    if mode.startswith("I;16"):
        return Image.fromarray(_scale_u16(np.asarray(img)))
    if mode in ("I", "F"):
        return Image.fromarray(_scale_numeric(np.asarray(img)))
    raise _err_unsupported_mode(mode)


def _scale_u16(a: np.ndarray) -> np.ndarray:
    """0..65535 → 0..255 by scaling (65535 / 255 = 257), never by clipping."""
    return np.rint(a.astype(np.float32) / 257.0).astype(np.uint8)


def _scale_numeric(a: np.ndarray) -> np.ndarray:
    """Any numeric array → uint8, guessing its range.

    bool → 0/255; uint8 as is; uint16 → /257; other integers: 0..255 as is, 0..65535 → /257,
    else min–max. Floats: [0, 1] → ×255, [0, 255] as is, else min–max; NaN counts as 0.
    """
    if a.dtype == np.bool_:
        return a.astype(np.uint8) * 255
    if a.dtype == np.uint8:
        return a
    if a.dtype == np.uint16:
        return _scale_u16(a)
    if a.dtype.kind in "iu":
        lo, hi = int(a.min()), int(a.max())
        if lo >= 0 and hi <= 255:
            return a.astype(np.uint8)
        if lo >= 0 and hi <= 65535:
            return _scale_u16(a)
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


def _minmax_u8(f: np.ndarray) -> np.ndarray:
    lo, hi = float(f.min()), float(f.max())
    if hi <= lo:
        return np.zeros(f.shape, np.uint8)
    return np.rint((f - lo) * (255.0 / (hi - lo))).astype(np.uint8)


def _decode_array(a: np.ndarray) -> Image.Image:
    if a.ndim == 3 and a.shape[2] == 1:
        a = a[:, :, 0]
    ok_shape = a.ndim == 2 or (a.ndim == 3 and a.shape[2] in (3, 4))
    if not ok_shape or a.dtype.kind not in "biuf":
        raise _err_bad_array(a.shape, a.dtype)
    h, w = a.shape[:2]
    _check_size((w, h))
    try:
        u8 = np.ascontiguousarray(_scale_numeric(a))  # (H, W) or (H, W, 3|4) uint8
        img = Image.fromarray(u8)  # mode L, RGB or RGBA
        return _to_l(img)
    except InputError:
        raise
    except DECODE_ERRORS:
        raise _err_bad_array(a.shape, a.dtype) from None


# --------------------------------------------------------------------------------------------
# MNIST-style preprocessing


@dataclass
class Preprocessed:
    """Every stage of the MNIST recipe, for display and for the model.

    Attributes:
        original: the decoded image, uint8 RGB (H, W, 3) if the input was RGB, else gray
            (H, W); long side ≤ 256 px.
        gray: float32 (H, W) in [0, 1], long side ≤ 256 px.
        inverted: True if the background was light and the image was inverted.
        ink: float32 (H, W) in [0, 1], white ink on black: ``gray`` after the optional
            inversion, with the background level (border median) subtracted and rescaled.
        cropped: float32 (28, 28): the ink's bounding box scaled so its long side is 20 px and
            centred by its centre of mass; identical to ``input28``.
        input28: float32 (28, 28) in [0, 1], white digit on black, max 1 — what the model reads.
        empty: True when there is (almost) no ink; ``input28`` is then all zeros.
    """

    original: np.ndarray
    gray: np.ndarray
    inverted: bool
    ink: np.ndarray
    cropped: np.ndarray
    input28: np.ndarray
    empty: bool


def preprocess(img: Image.Image) -> Preprocessed:
    """Apply the MNIST recipe to an image.

    Args:
        img: a PIL image, usually from ``decode_image`` (any mode is accepted; bytes and
            arrays are passed through ``decode_image`` first).

    Returns:
        The ``Preprocessed`` stages.

    Raises:
        InputError: if the image cannot be decoded (see ``decode_image``).
    """
    gray_img = decode_image(img)  # new "L" image, upright
    gray8 = np.array(_shrink(gray_img, DISPLAY_MAX), dtype=np.uint8)  # (H, W)
    original = gray8.copy()
    if isinstance(img, Image.Image) and img.mode == "RGB":
        rgb = _guarded(_display_rgb, img)  # (H, W, 3)
        if rgb.shape[:2] == gray8.shape:
            original = rgb
    gray = gray8.astype(np.float32) / 255.0
    inverted, ink = _ink(gray)
    input28, empty = _centre28(ink)
    return Preprocessed(
        original=original,
        gray=gray,
        inverted=inverted,
        ink=ink,
        cropped=input28.copy(),
        input28=input28,
        empty=empty,
    )


def to_28(gray_or_ink: np.ndarray) -> np.ndarray:
    """Run the MNIST recipe on a 2-D array (e.g. a drawing canvas) and return the 28×28 input.

    Args:
        gray_or_ink: (H, W) array, uint8 0..255 or float in [0, 1]; dark-on-light or
            light-on-dark (the background decides whether it is inverted).

    Returns:
        float32 (28, 28) in [0, 1], white ink on black; all zeros if there is no ink.
    """
    a = np.asarray(gray_or_ink)
    if a.ndim != 2 or a.size == 0:
        raise _err_bad_array(a.shape, a.dtype)
    gray = _scale_numeric(a).astype(np.float32) / 255.0
    if max(gray.shape) > DISPLAY_MAX:
        gray = np.asarray(_shrink(Image.fromarray(gray), DISPLAY_MAX), dtype=np.float32)
    _, ink = _ink(gray)
    return _centre28(ink)[0]


def _display_rgb(img: Image.Image) -> np.ndarray:
    """An RGB image, upright and shrunk for display: uint8 (H, W, 3)."""
    orientation = _orientation(img)
    small = _shrink(img, DISPLAY_MAX)
    if orientation in _ORIENTATION:
        small = small.transpose(_ORIENTATION[orientation])
    return np.array(small, dtype=np.uint8)


def _shrink(img: Image.Image, long_side: int) -> Image.Image:
    """Downscale so the long side is at most ``long_side`` (never upscale)."""
    w, h = img.size
    if max(w, h) <= long_side:
        return img
    s = long_side / max(w, h)
    size = (max(1, round(w * s)), max(1, round(h * s)))
    return img.resize(size, Image.Resampling.LANCZOS, reducing_gap=2.0)


def _border(a: np.ndarray) -> np.ndarray:
    """The outermost pixels of a 2-D array, flattened."""
    return np.concatenate([a[0, :], a[-1, :], a[:, 0], a[:, -1]])


def _ink(gray: np.ndarray) -> tuple[bool, np.ndarray]:
    """Decide inversion by the background and level it to 0: white ink on black, (H, W)."""
    inverted = bool(np.median(_border(gray)) > 0.5)
    ink = 1.0 - gray if inverted else gray
    bg = float(np.median(_border(ink)))  # a grey paper/photo background → 0
    if 0.0 < bg < 0.95:
        ink = (ink - bg) / (1.0 - bg)
    return inverted, np.clip(ink, 0.0, 1.0).astype(np.float32)


def _centre28(ink: np.ndarray) -> tuple[np.ndarray, bool]:
    """Crop the ink, scale its long side to 20 px, centre its mass at (14, 14) in 28×28."""
    out = np.zeros((MNIST_SIZE, MNIST_SIZE), np.float32)
    peak = float(ink.max()) if ink.size else 0.0
    if peak < EMPTY_MAX:
        return out, True
    mask = ink > max(NOISE_ABS, NOISE_REL * peak)  # noise floor, for cropping only
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    crop = ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]  # (h, w)
    h, w = crop.shape
    scale = MNIST_BOX / max(h, w)
    nh, nw = max(1, round(h * scale)), max(1, round(w * scale))
    small = Image.fromarray(np.ascontiguousarray(crop, dtype=np.float32))  # mode "F"
    box = np.asarray(small.resize((nw, nh), Image.Resampling.BILINEAR), dtype=np.float32)
    box = np.clip(box, 0.0, None)  # (nh, nw)
    mass = float(box.sum())
    if mass <= 0.0:
        return out, True
    cy = float((box.sum(axis=1) * np.arange(nh)).sum()) / mass
    cx = float((box.sum(axis=0) * np.arange(nw)).sum()) / mass
    # Integer shift so the centre of mass lands on (14, 14), clipped to keep the ink in frame.
    top = int(np.clip(np.floor(MNIST_SIZE / 2 - cy + 0.5), 0, MNIST_SIZE - nh))
    left = int(np.clip(np.floor(MNIST_SIZE / 2 - cx + 0.5), 0, MNIST_SIZE - nw))
    out[top : top + nh, left : left + nw] = box
    out /= out.max()
    return np.clip(out, 0.0, 1.0).astype(np.float32), False
