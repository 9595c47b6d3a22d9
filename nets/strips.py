"""Strips of handwritten digits and clips of a moving digit: synthetic data and user input.

Two inputs for the CNN + RNN page:

- a **strip**: a handwritten number as a 28-pixel-high image of any width, white ink on black.
  :func:`normalize_ink` is the one recipe for every strip the CRNN reads — training, held-out
  test, drawing, upload: crop to the ink, scale so the ink is ``INK_H`` = 20 px high (the height
  of an MNIST digit in its 28×28 frame), keep the aspect, pad ``PAD`` = 4 px on every side, pad
  the width to a multiple of ``STRIDE`` (the trunk's column stride). :func:`make_strip` builds
  training and test strips from MNIST digits (random spacing including touching and slightly
  overlapping digits, scale and vertical jitter, stroke width); :func:`prepare_strip` turns user
  bytes or a drawn array into a strip, with a bilingual ``InputError`` for no ink or too wide.
- a **clip**: ``FRAMES`` frames of ``CLIP_SIZE``² pixels of one digit moving up, down, left,
  right or standing still, with small jitter (:func:`make_clip`).

Nothing here imports Streamlit. The app decodes untrusted bytes through one adapter,
:func:`decode_gray`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from .errors import InputError, rejection

INK_H = 20  # px: the ink's height in a strip (an MNIST digit's height in its 28×28 frame)
PAD = 4  # px of background on every side: 4 + 20 + 4 = 28
HEIGHT = INK_H + 2 * PAD  # 28
STRIDE = 4  # the CRNN's columns are 4 px apart (two 2×2 poolings): widths are padded to this
MAX_WIDTH = 320  # px after scaling: at most 80 columns, about 12 digits
MAX_DIGITS = 8  # training strips hold 1..8 digits
WORK_MAX = 1200  # px: uploads are shrunk to this long side before the ink is searched
EMPTY_MAX = 0.15  # brightest ink below this (after levelling) means "no ink"
NOISE_REL = 0.25  # for cropping, ink below this fraction of the brightest ink is ignored
NOISE_ABS = 0.08  # ... and so is ink below this absolute level

DIRECTIONS = ("up", "down", "left", "right", "still")
FRAMES = 10  # frames per clip
MIDDLE = FRAMES // 2 - 1  # the frame a one-frame model sees (0-based): the path is centred on it
CLIP_SIZE = 40  # px a side
SPEED = (1.0, 1.6)  # px per frame, uniform
JITTER = 0.4  # px: standard deviation of each frame's position jitter
_STEP = {"up": (-1, 0), "down": (1, 0), "left": (0, -1), "right": (0, 1), "still": (0, 0)}


# ----------------------------------------------------------------------------- the adapter


def decode_gray(data) -> np.ndarray:
    """ADAPTER — the page's only call into the app's image decoding (``nets.analyze.decode_input``).

    Untrusted bytes are decoded there in the bounded worker pool (``nets.decode_pool``: byte-level
    pre-checks, then a worker process with CPU, memory and wall-clock limits; EXIF orientation
    applied; every failure a bilingual ``InputError``); arrays (a drawing, a sample strip) are
    decoded in-process by the same pipeline. Either way the result is at most 256 px a side
    (``nets.decode.DISPLAY_MAX``). If the decoding moves again, repoint this one function.

    Args:
        data: file bytes, a PIL image or a numpy array (a drawing).

    Returns:
        uint8 (H, W) grayscale, upright.

    Raises:
        InputError: the input cannot be decoded safely.
    """
    from .analyze import decode_input

    return np.asarray(decode_input(data).gray, dtype=np.uint8)


# ----------------------------------------------------------------------------- errors


def _err_no_ink() -> InputError:
    return rejection("no_ink", "hybrid.error.no_ink", "hybrid")


def _err_too_wide(width: int) -> InputError:
    return rejection("too_wide", "hybrid.error.too_wide", "hybrid", width=width, max=MAX_WIDTH)


# ----------------------------------------------------------------------------- strips


@dataclass
class StripInput:
    """A user's number prepared for the CRNN.

    Attributes:
        strip: float32 (28, W) in [0, 1], white ink on black, W a multiple of 4: the input.
        gray: uint8 (h, w) the decoded image, shrunk to at most 640 px wide (for display).
        inverted: the background was light, so the image was inverted.
        box: (top, bottom, left, right) of the ink in ``gray`` (for display).
        scale: how much the ink was scaled to be 20 px high.
    """

    strip: np.ndarray
    gray: np.ndarray
    inverted: bool
    box: tuple[int, int, int, int]
    scale: float


def _shrink(a: np.ndarray, long_side: int) -> np.ndarray:
    """Downscale so the long side is at most ``long_side`` (never upscale); uint8 stays uint8
    (a big upload is shrunk before it is ever turned into floats)."""
    h, w = a.shape
    if max(h, w) <= long_side:
        return a
    s = long_side / max(h, w)
    size = (max(1, round(w * s)), max(1, round(h * s)))
    if a.dtype == np.uint8:
        img = Image.fromarray(np.ascontiguousarray(a))
        return np.asarray(img.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0))
    img = Image.fromarray(np.ascontiguousarray(a, dtype=np.float32))
    return np.asarray(img.resize(size, Image.Resampling.BILINEAR), dtype=np.float32)


def _border(a: np.ndarray) -> np.ndarray:
    return np.concatenate([a[0, :], a[-1, :], a[:, 0], a[:, -1]])


def _background(ink: np.ndarray, block: int) -> np.ndarray:
    """A smooth estimate of the paper's level under uneven light: block-wise 20th percentile,
    upsampled back to the image (ink is sparse, so a low percentile of a block is the paper)."""
    h, w = ink.shape
    bh, bw = max(1, -(-h // block)), max(1, -(-w // block))
    padded = np.pad(ink, ((0, bh * block - h), (0, bw * block - w)), mode="edge")
    blocks = padded.reshape(bh, block, bw, block).transpose(0, 2, 1, 3).reshape(bh, bw, -1)
    low = np.percentile(blocks, 20, axis=2).astype(np.float32)
    img = Image.fromarray(low)
    return np.asarray(img.resize((w, h), Image.Resampling.BILINEAR), dtype=np.float32)


def to_ink(gray: np.ndarray) -> tuple[np.ndarray, bool]:
    """White ink on black from a grayscale image: invert a light background, level the paper.

    Args:
        gray: (H, W) float in [0, 1] or uint8.

    Returns:
        (ink float32 (H, W) in [0, 1], inverted).
    """
    a = np.asarray(gray)
    g = a.astype(np.float32) / 255.0 if a.dtype == np.uint8 else a.astype(np.float32)
    inverted = bool(np.median(_border(g)) > 0.5)
    ink = 1.0 - g if inverted else g
    block = max(8, min(ink.shape) // 4)
    bg = _background(ink, block) if min(ink.shape) >= 16 else np.full_like(ink, np.median(ink))
    ink = np.clip((ink - bg) / np.maximum(1.0 - bg, 0.2), 0.0, 1.0)
    return ink.astype(np.float32), inverted


def ink_box(ink: np.ndarray) -> tuple[int, int, int, int] | None:
    """(top, bottom, left, right), exclusive ends, of the ink; None when there is no ink.

    Rows and columns with only faint specks (fewer marked pixels than 2 % of the fullest one)
    are ignored, so a photo's dust does not stretch the box.
    """
    peak = float(ink.max()) if ink.size else 0.0
    if peak < EMPTY_MAX:
        return None
    mask = ink > max(NOISE_ABS, NOISE_REL * peak)
    rows, cols = mask.sum(1), mask.sum(0)
    r = np.flatnonzero(rows >= max(1, 0.02 * rows.max()))
    c = np.flatnonzero(cols >= max(1, 0.02 * cols.max()))
    if not len(r) or not len(c):
        return None
    return int(r[0]), int(r[-1]) + 1, int(c[0]), int(c[-1]) + 1


def normalize_ink(ink: np.ndarray, box: tuple[int, int, int, int] | None = None) -> np.ndarray:
    """The one strip recipe: crop to the ink, scale it to 20 px high, pad 4 px, width to ×4.

    Args:
        ink: float (H, W) in [0, 1], white ink on black.
        box: the ink's box (default: :func:`ink_box`).

    Returns:
        float32 (28, W') in [0, 1] with max 1, W' a multiple of 4 — unless the ink is too wide
        (the caller checks ``W' > MAX_WIDTH``).

    Raises:
        InputError: no ink.
    """
    box = box or ink_box(ink)
    if box is None:
        raise _err_no_ink()
    top, bottom, left, right = box
    crop = np.ascontiguousarray(ink[top:bottom, left:right], dtype=np.float32)
    h, w = crop.shape
    s = INK_H / h
    nw = max(1, round(w * s))
    if nw + 2 * PAD > 4 * MAX_WIDTH:  # hopeless: do not resize a huge array just to reject it
        raise _err_too_wide(nw + 2 * PAD)
    img = Image.fromarray(crop).resize((nw, INK_H), Image.Resampling.BILINEAR)
    small = np.clip(np.asarray(img, dtype=np.float32), 0.0, None)
    W = nw + 2 * PAD
    W += (-W) % STRIDE
    out = np.zeros((HEIGHT, W), np.float32)
    out[PAD : PAD + INK_H, PAD : PAD + nw] = small
    m = out.max()
    return np.clip(out / m, 0.0, 1.0) if m > 0 else out


def prepare_strip(data) -> StripInput:
    """A user's number (upload bytes or a drawn array) → the CRNN's strip.

    Decoding goes through :func:`decode_gray` (bounded, safe); then the photo is shrunk to
    1,200 px at most, a light background is inverted and levelled, the ink is cropped, scaled to
    20 px high and padded (:func:`normalize_ink`).

    Raises:
        InputError: undecodable data, no ink, or wider than ``MAX_WIDTH`` after scaling.
    """
    work = _shrink(decode_gray(data), WORK_MAX).astype(np.float32) / 255.0
    ink, inverted = to_ink(work)
    box = ink_box(ink)
    if box is None:
        raise _err_no_ink()
    strip = normalize_ink(ink, box)
    if strip.shape[1] > MAX_WIDTH:
        raise _err_too_wide(strip.shape[1])
    display = _shrink(work, 640)
    f = display.shape[1] / work.shape[1]
    top, bottom, left, right = box
    dbox = (int(top * f), max(int(top * f) + 1, round(bottom * f)))
    dbox += (int(left * f), max(int(left * f) + 1, round(right * f)))
    return StripInput(
        strip=strip,
        gray=np.clip(display * 255 + 0.5, 0, 255).astype(np.uint8),
        inverted=inverted,
        box=dbox,
        scale=INK_H / (bottom - top),
    )


def _cols(img: np.ndarray) -> np.ndarray:
    """The digit's inked columns only (all 28 rows)."""
    c = np.flatnonzero(img.max(0) > 0.1)
    return img[:, c[0] : c[-1] + 1] if len(c) else img[:, 12:16]


def _resize(img: np.ndarray, s: float) -> np.ndarray:
    h, w = img.shape
    size = (max(1, round(w * s)), max(1, round(h * s)))
    out = Image.fromarray(np.ascontiguousarray(img, np.float32)).resize(
        size, Image.Resampling.BILINEAR
    )
    return np.clip(np.asarray(out, dtype=np.float32), 0, 1)


def _stroke(a: np.ndarray, thicker: bool) -> np.ndarray:
    """3×3 max (thicker) or min (thinner) filter."""
    p = np.pad(a, 1)
    views = [p[i : i + a.shape[0], j : j + a.shape[1]] for i in range(3) for j in range(3)]
    return np.max(views, axis=0) if thicker else np.min(views, axis=0)


@dataclass
class Strip:
    """A synthetic strip: the model's input and its truth.

    Attributes:
        image: float32 (28, W), as :func:`normalize_ink` makes it.
        digits: the number, e.g. ``"4071"``.
        indices: the MNIST index of each digit (to prove train/test digits never mix).
        gaps: px between neighbouring digits' ink before scaling (≤ 0: touching or overlapping).
    """

    image: np.ndarray
    digits: str
    indices: tuple[int, ...]
    gaps: tuple[int, ...]

    @property
    def touching(self) -> bool:
        return any(g <= 0 for g in self.gaps)


def make_strip(
    x: np.ndarray,
    y: np.ndarray,
    pool: np.ndarray,
    n: int,
    rng: np.random.Generator,
    augment: bool = False,
) -> Strip:
    """One strip of ``n`` digits drawn from ``pool`` (indices into ``x``/``y``) by
    :func:`compose_strip`."""
    return compose_strip(x, y, rng.choice(pool, size=n), rng, augment)


def _gauss_matrix(n: int, sigma: float) -> np.ndarray:
    """(n, n) matrix that blurs a length-n signal with a Gaussian (rows sum to 1)."""
    i = np.arange(n)
    g = np.exp(-0.5 * ((i[:, None] - i[None, :]) / sigma) ** 2)
    return (g / g.sum(1, keepdims=True)).astype(np.float32)


_BLUR = _gauss_matrix(28, 4.0)


def _sample(img: np.ndarray, ys: np.ndarray, xs: np.ndarray) -> np.ndarray:
    """``img`` read at fractional positions (bilinear, zero outside)."""
    h, w = img.shape
    p = np.pad(img, 1)
    y0, x0 = np.floor(ys), np.floor(xs)
    fy, fx = ys - y0, xs - x0
    y0 = np.clip(y0.astype(np.int64) + 1, 0, h + 1)
    x0 = np.clip(x0.astype(np.int64) + 1, 0, w + 1)
    y1, x1 = np.clip(y0 + 1, 0, h + 1), np.clip(x0 + 1, 0, w + 1)
    top = p[y0, x0] * (1 - fx) + p[y0, x1] * fx
    bottom = p[y1, x0] * (1 - fx) + p[y1, x1] * fx
    return top * (1 - fy) + bottom * fy


def augment_digit(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Training-only variety for one 28×28 digit: rotation ±10°, slant (shear ±0.2), width
    0.85–1.15 and a smooth elastic distortion (a random displacement field blurred with a
    Gaussian of σ = 4 px, up to ≈ 1.5 px), all about the centre, bilinear."""
    a = np.deg2rad(rng.uniform(-10, 10))
    sh, sx = rng.uniform(-0.2, 0.2), rng.uniform(0.85, 1.15)
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    inv = np.linalg.inv(rot @ np.array([[sx, sh], [0.0, 1.0]]))  # output (x, y) → input
    yy, xx = np.mgrid[0:28, 0:28].astype(np.float32) - 13.5
    src_x = inv[0, 0] * xx + inv[0, 1] * yy + 13.5
    src_y = inv[1, 0] * xx + inv[1, 1] * yy + 13.5
    field = rng.uniform(-1, 1, (2, 28, 28)).astype(np.float32)
    dy, dx = (_BLUR @ f @ _BLUR.T * 12.0 for f in field)
    out = _sample(np.asarray(img, np.float32), src_y + dy, src_x + dx)
    return np.clip(out, 0, 1).astype(np.float32)


def compose_strip(
    x: np.ndarray,
    y: np.ndarray,
    idx: np.ndarray,
    rng: np.random.Generator,
    augment: bool = False,
) -> Strip:
    """The digits ``x[idx]`` side by side as one strip.

    Each digit: scale 0.9–1.05, vertical offset ±1 px, the gap to the next one −3..+8 px (a third
    of the gaps ≤ 0: touching, or overlapping by up to 3 px but never more than a third of the
    narrower digit; overlapping ink takes the max);
    the whole strip gets a thicker stroke one time in five and a thinner one in seven. Then the
    strip goes through :func:`normalize_ink`, like every user input.

    Args:
        x: (N, 28, 28) digits in [0, 1]; y: (N,) labels.
        idx: the digits' indices, in reading order.
        rng: the random generator (seeded by the caller).
        augment: also rotate, slant and stretch each digit (:func:`augment_digit`; training
            strips only: the held-out strips are not augmented).
    """
    n = len(idx)
    digits = [augment_digit(x[i], rng) if augment else x[i] for i in idx]
    parts = [_resize(_cols(g), rng.uniform(0.9, 1.05)) for g in digits]
    touch = rng.random(n - 1) < 1 / 3
    gaps = np.where(touch, rng.integers(-3, 1, n - 1), rng.integers(1, 9, n - 1))
    for k in range(n - 1):  # never overlap more than a third of the narrower digit (a "1")
        narrow = min(parts[k].shape[1], parts[k + 1].shape[1])
        gaps[k] = max(int(gaps[k]), -(narrow // 3))
    H = 48
    width = sum(p.shape[1] for p in parts) + int(gaps.sum()) + 2
    canvas = np.zeros((H, max(width, 4)), np.float32)
    x0 = 1
    for k, p in enumerate(parts):
        h, w = p.shape
        top = (H - h) // 2 + int(rng.integers(-1, 2))
        region = canvas[top : top + h, x0 : x0 + w]
        np.maximum(region, p[: region.shape[0], : region.shape[1]], out=region)
        x0 += w + (int(gaps[k]) if k < n - 1 else 0)
    u = rng.random()
    if u < 0.2:
        canvas = _stroke(canvas, True)
    elif u > 1 - 1 / 7:
        thin = _stroke(canvas, False)
        canvas = thin if thin.max() > 0.5 else canvas  # a faint thin "1" would vanish
    image = normalize_ink(canvas)
    return Strip(
        image,
        "".join(str(int(y[i])) for i in idx),
        tuple(int(i) for i in idx),
        tuple(int(g) for g in gaps),
    )


def strip_set(
    x: np.ndarray,
    y: np.ndarray,
    pool: np.ndarray,
    per_length: int,
    seed: int,
    lengths: range = range(1, MAX_DIGITS + 1),
) -> list[Strip]:
    """``per_length`` strips of each length, from ``pool`` only, seeded."""
    rng = np.random.default_rng(seed)
    return [make_strip(x, y, pool, n, rng) for n in lengths for _ in range(per_length)]


# ----------------------------------------------------------------------------- clips


def shift(img: np.ndarray, dy: float, dx: float, size: int) -> np.ndarray:
    """``img`` placed with its top-left corner at (dy, dx) in a ``size``² frame (bilinear)."""
    iy, ix = int(np.floor(dy)), int(np.floor(dx))
    fy, fx = dy - iy, dx - ix
    h, w = img.shape
    big = np.zeros((size + 2, size + 2), np.float32)  # one spare row and column for the blend
    y0, x0 = iy + 1, ix + 1
    sy0, sx0 = max(0, -y0), max(0, -x0)
    ty0, tx0 = max(0, y0), max(0, x0)
    ty1, tx1 = min(size + 2, y0 + h), min(size + 2, x0 + w)
    if ty1 > ty0 and tx1 > tx0:
        big[ty0:ty1, tx0:tx1] = img[sy0 : sy0 + ty1 - ty0, sx0 : sx0 + tx1 - tx0]
    a = big[1:, 1:][:size, :size]
    b = big[:-1, 1:][:size, :size]  # moved down by one
    c = big[1:, :-1][:size, :size]  # moved right by one
    d = big[:-1, :-1][:size, :size]
    out = (1 - fy) * (1 - fx) * a + fy * (1 - fx) * b + (1 - fy) * fx * c + fy * fx * d
    return out.astype(np.float32)


def clip_path(direction: str, rng: np.random.Generator) -> np.ndarray:
    """(FRAMES, 2) top-left positions (y, x) of a 28×28 digit in the 40×40 frame.

    The path is centred on frame ``MIDDLE``, whose position is drawn from the same range for
    every direction: that frame alone shows where the digit is, not where it is going.
    """
    speed = rng.uniform(*SPEED)
    vy, vx = (speed * s for s in _STEP[direction])
    t = np.arange(FRAMES) - MIDDLE
    reach = SPEED[1] * max(-t[0], t[-1])  # the farthest any path goes from its centre
    lo, hi = -PAD + reach, CLIP_SIZE - 28 + PAD - reach  # the ink box (4..24) stays inside
    cy, cx = rng.uniform(lo, hi, 2)
    path = np.stack([cy + vy * t, cx + vx * t], 1)
    return path + rng.normal(0, JITTER, path.shape)


def make_clip(digit28: np.ndarray, direction: str, rng: np.random.Generator) -> np.ndarray:
    """float32 (FRAMES, 40, 40): ``digit28`` moving in ``direction`` with jitter and a random
    brightness (0.7–1)."""
    gain = rng.uniform(0.7, 1.0)
    img = np.asarray(digit28, np.float32) * gain
    return np.stack([shift(img, y, x, CLIP_SIZE) for y, x in clip_path(direction, rng)])


def clip_set(
    x: np.ndarray, pool: np.ndarray, per_direction: int, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Clips of digits from ``pool`` only, seeded: (clips (N, F, 40, 40), labels (N,),
    digit indices (N,))."""
    rng = np.random.default_rng(seed)
    clips, labels, used = [], [], []
    for k, d in enumerate(DIRECTIONS):
        for i in rng.choice(pool, size=per_direction):
            clips.append(make_clip(x[i], d, rng))
            labels.append(k)
            used.append(int(i))
    return np.stack(clips), np.array(labels, np.int64), np.array(used, np.int64)


def digit28(ink: np.ndarray) -> np.ndarray:
    """A drawn digit as MNIST draws it: ink cropped, long side 20 px, centred in 28×28.

    Raises:
        InputError: no ink.
    """
    box = ink_box(ink)
    if box is None:
        raise _err_no_ink()
    top, bottom, left, right = box
    crop = ink[top:bottom, left:right]
    s = 20 / max(crop.shape)
    small = _resize(crop, s)
    out = np.zeros((28, 28), np.float32)
    h, w = small.shape
    y0, x0 = (28 - h) // 2, (28 - w) // 2
    out[y0 : y0 + h, x0 : x0 + w] = small
    return out / max(out.max(), 1e-6)


def prepare_digit(data) -> np.ndarray:
    """A drawn or uploaded single digit → (28, 28) for the motion clip (decoded safely)."""
    gray = _shrink(decode_gray(data), 512).astype(np.float32) / 255.0
    ink, _ = to_ink(gray)
    return digit28(ink)
