"""Moving a digit: equivariance of the conv maps, and how both digit models read shifted digits.

Two different questions, never put side by side as one number:
(a) equivariance: does a conv map of the shifted digit equal the shifted map? Yes, exactly,
away from the border: convolution slides the same kernel everywhere (conv_equivariance);
(b) invariance of the prediction: does each model still read the digit correctly when it
moves? Measured as held-out accuracy under shifts (load_shift_accuracy, computed by
``python -m nets.train shift`` / ``derive``) and live on the current digit
(shifted_predictions). Both digit models were trained with random shifts of up to ±3 px
(nets/train.py augment_digits), so their robustness there comes mostly from augmentation,
not from the architecture (the CNN's dense layers are not shift-invariant).

Everything is measured on the committed models; the accuracy curves are computed by
``python -m nets.train shift`` (also a step of ``derive``) and shipped in ``assets/metrics``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import torch

from .analyze import image_tensor, trace_image28
from .paths import METRICS
from .registry import load_model
from .stats import softmax


def shift_image(img: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """Shift an image by (dy, dx) pixels (down / right positive), filling with zeros."""
    out = np.zeros_like(img)
    h, w = img.shape[-2:]
    if abs(dy) >= h or abs(dx) >= w:
        return out
    src = img[..., max(0, -dy) : h - max(0, dy), max(0, -dx) : w - max(0, dx)]
    out[..., max(0, dy) : h - max(0, -dy), max(0, dx) : w - max(0, -dx)] = src
    return out


def shift_curve(input28: np.ndarray, dy: int, shifts: range = range(-8, 9)) -> np.ndarray:
    """Class probabilities as the input slides sideways (rows shifted by ``dy`` throughout).

    Args:
        input28: (28, 28) the network input.
        dy: vertical shift applied to every image.
        shifts: horizontal shifts (pixels).

    Returns:
        (len(shifts), 10) probabilities, one row per horizontal shift.
    """
    batch = np.stack([shift_image(np.asarray(input28, np.float32), dy, dx) for dx in shifts])
    model = load_model("image_cnn")
    with torch.inference_mode():
        logits = model(torch.from_numpy(batch)[:, None])  # (S, 10)
    return torch.softmax(logits, -1).numpy()


def interior_mask(shape: tuple[int, int], dy: int, dx: int, margin: int) -> np.ndarray:
    """Positions of a (H, W) map whose neighbourhood (``margin``) stays inside the image both
    before and after a shift by (dy, dx): there a shifted map must equal the map of the shifted
    input."""
    h, w = shape
    m = np.zeros(shape, bool)
    t, b = margin + max(0, dy), h - margin - max(0, -dy)
    lo, r = margin + max(0, dx), w - margin - max(0, -dx)
    if t < b and lo < r:
        m[t:b, lo:r] = True
    return m


EQUIVARIANT_LAYERS = ("conv1", "relu1")  # stride-1 layers before any pooling: margin 1 (3×3)
SHIFT_ACCURACY_FILE = "shift_accuracy.json"


@dataclass
class Equivariance:
    """A conv layer's maps for a digit and for the same digit shifted by (dy, dx).

    Attributes:
        layer: ``"conv1"`` or ``"relu1"``.
        maps, maps_shifted: (C, 28, 28) the layer on the original and on the shifted digit.
        max_abs_diff: the largest |layer(shift x) − shift(layer x)| over every channel and every
            position whose 3×3 neighbourhood stays inside the image before and after the shift
            (0 up to float rounding: the same kernel slides everywhere).
        compared: positions × channels compared; scale: the largest |value| of the maps there.
    """

    dy: int
    dx: int
    layer: str
    maps: np.ndarray
    maps_shifted: np.ndarray
    max_abs_diff: float
    compared: int
    scale: float


def conv_equivariance(input28: np.ndarray, dy: int, dx: int, layer: str = "relu1") -> Equivariance:
    """Check that ``layer`` of the shifted digit is the shifted ``layer`` (away from borders).

    Args:
        input28: (28, 28) the network input.
        dy, dx: shift in pixels (down / right positive), zero fill.
        layer: one of ``EQUIVARIANT_LAYERS``.

    Returns:
        The :class:`Equivariance` (two traces of the image CNN).
    """
    if layer not in EQUIVARIANT_LAYERS:
        raise ValueError(f"layer must be one of {EQUIVARIANT_LAYERS}, not {layer!r}")
    x = np.asarray(input28, dtype=np.float32)
    maps = trace_image28(x)[layer]
    maps_s = trace_image28(shift_image(x, dy, dx))[layer]
    mask = interior_mask(maps.shape[-2:], dy, dx, margin=1)
    moved = shift_image(maps, dy, dx)
    if mask.any():
        diff = float(np.abs(moved - maps_s)[:, mask].max())
        scale = float(np.abs(maps_s[:, mask]).max())
    else:
        diff = scale = 0.0
    return Equivariance(dy, dx, layer, maps, maps_s, diff, int(mask.sum()) * len(maps), scale)


@dataclass
class ShiftedPrediction:
    """Both digit models on the current digit moved by (dy, dx) pixels (zero fill).

    Attributes:
        shifted: (28, 28) the moved digit.
        cnn_probs, rnn_probs: (10,) the image CNN's and the row GRU's probabilities.
        cnn_label, rnn_label: their predicted digits.
    """

    dy: int
    dx: int
    shifted: np.ndarray
    cnn_probs: np.ndarray
    rnn_probs: np.ndarray
    cnn_label: int
    rnn_label: int


def shifted_predictions(input28: np.ndarray, dy: int, dx: int) -> ShiftedPrediction:
    """Live prediction of the image CNN and the row GRU on the digit shifted by (dy, dx).

    Note: both models were trained with random shifts of up to ±3 px (nets/train.py
    ``augment_digits``); within that range robustness comes mostly from the augmentation.
    """
    xs = shift_image(np.asarray(input28, dtype=np.float32), dy, dx)
    with torch.inference_mode():
        zc = load_model("image_cnn")(image_tensor(xs))[0].numpy()
        zr = load_model("row_gru")(image_tensor(xs))[0].numpy()
    pc, pr = softmax(zc), softmax(zr)
    return ShiftedPrediction(dy, dx, xs, pc, pr, int(pc.argmax()), int(pr.argmax()))


@dataclass
class ShiftAccuracy:
    """Held-out accuracy of the digit models under shifts, as shipped in ``assets/metrics``.

    Attributes:
        shifts: (S,) pixels, −6 … +6.
        accuracy: model → axis ("x": right positive, "y": down positive) → (S,) accuracy.
        correct: the same as counts of correctly read digits out of ``n``.
        n: held-out digits (the test split the models' metrics use).
        date, code, augmentation: when and how it was computed, and the training condition.
    """

    shifts: np.ndarray
    accuracy: dict[str, dict[str, np.ndarray]]
    correct: dict[str, dict[str, np.ndarray]]
    n: int
    date: str
    code: str
    augmentation: str
    dry_run: bool


def load_shift_accuracy(path=None) -> ShiftAccuracy | None:
    """The shipped shift-accuracy curves (``assets/metrics/shift_accuracy.json``), or None.

    Both digit models were trained with ±3 px random shifts (``augment_digits``): read the
    curves with that in mind.
    """
    from pathlib import Path

    path = Path(path) if path is not None else METRICS / SHIFT_ACCURACY_FILE
    try:
        m = json.loads(path.read_text(encoding="utf-8"))
        models = m["models"]
        return ShiftAccuracy(
            shifts=np.asarray(m["shifts"], dtype=int),
            accuracy={
                k: {ax: np.asarray(v[ax]["accuracy"], float) for ax in ("x", "y")}
                for k, v in models.items()
            },
            correct={
                k: {ax: np.asarray(v[ax]["correct"], int) for ax in ("x", "y")}
                for k, v in models.items()
            },
            n=int(m["n"]),
            date=str(m["date"]),
            code=str(m["code"]),
            augmentation=str(m["augmentation"]),
            dry_run=bool(m.get("dry_run", False)),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None
