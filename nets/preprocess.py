"""The MNIST recipe on an already-decoded 8-bit image (see ``nets.decode`` for the decoding).

Grayscale in, then: invert a light background, level the background to 0, crop the ink, scale
its long side to 20 px, and centre it by its centre of mass in a 28×28 frame.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from .decode import DISPLAY_MAX, err_bad_array, scale_to_u8

MNIST_BOX = 20  # the ink's long side inside the 28×28 frame
MNIST_SIZE = 28
NOISE_REL = 0.2  # pixels below this fraction of the brightest ink are ignored when cropping
NOISE_ABS = 0.05  # ... and so are pixels below this absolute level
EMPTY_MAX = 0.15  # brightest ink below this (after levelling) means "no ink"


@dataclass
class Preprocessed:
    """Every stage of the MNIST recipe, for display and for the model.

    Attributes:
        original: what was decoded, for display: uint8 RGB (H, W, 3) if the image has colour,
            else gray (H, W); long side ≤ 256 px.
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


def preprocess(gray8: np.ndarray, original: np.ndarray | None = None) -> Preprocessed:
    """Apply the MNIST recipe to a decoded 8-bit gray image.

    Args:
        gray8: uint8 (H, W), e.g. ``nets.decode.Decoded.gray``; a long side over 256 px is
            shrunk first.
        original: the image to keep for display (e.g. ``Decoded.rgb``, same size as
            ``gray8``); None keeps the gray image.

    Returns:
        The ``Preprocessed`` stages.

    Raises:
        InputError: ``gray8`` is not a non-empty 2-D array.
    """
    a = np.asarray(gray8)
    if a.ndim != 2 or a.size == 0:
        raise err_bad_array(a.shape, a.dtype)
    u8 = scale_to_u8(a)
    if max(u8.shape) > DISPLAY_MAX:
        u8 = np.asarray(_shrink(Image.fromarray(np.ascontiguousarray(u8)), DISPLAY_MAX))
    shown = u8.copy()
    if original is not None and np.asarray(original).shape[:2] == u8.shape:
        shown = np.array(original, dtype=np.uint8)
    gray = u8.astype(np.float32) / 255.0
    inverted, ink = _ink(gray)
    input28, empty = _centre28(ink)
    return Preprocessed(
        original=shown,
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
    return preprocess(gray_or_ink).input28


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
