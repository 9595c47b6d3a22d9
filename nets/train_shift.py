"""Held-out accuracy of both digit models under shifts: ``python -m nets.train shift``.

Every one of the 1,000 held-out test digits (the split the models' metrics use) is moved by
−6 … +6 px along x (right positive) and, separately, along y (down positive), with zero fill
and no re-centring (``nets.shift.shift_image``), and read by the image CNN and the row GRU.
Writes ``<out>/metrics/shift_accuracy.json``; also run by ``python -m nets.train derive``.

Both models were trained with random shifts of up to ±3 px (``nets.train.augment_digits``), so
the curves measure the architecture *and* that augmentation: within ±3 px the robustness comes
mostly from the augmentation.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import torch

from . import models as M
from .data import SEED, load_digits
from .paths import MODELS
from .shift import shift_image

SHIFTS = tuple(range(-6, 7))
DIGIT_MODELS = ("image_cnn", "row_gru")
AXES = {"x": (0, 1), "y": (1, 0)}  # axis → (dy, dx) per pixel of shift
DRY_DIGITS = 200
CODE = (
    "nets/train_shift.py (python -m nets.train shift; also a step of python -m nets.train derive)"
)
AUGMENTATION = (
    "both models were trained with random shifts of up to ±3 px, rotations and scaling "
    "(nets/train.py augment_digits)"
)


def model_for(out: Path, name: str) -> torch.nn.Module:
    """``<out>/models/<name>.pt`` when it exists (freshly trained), else the committed weights."""
    path = out / "models" / f"{name}.pt"
    if not path.exists():
        path = MODELS / f"{name}.pt"
    return M.from_checkpoint(torch.load(path, map_location="cpu", weights_only=True))


@torch.inference_mode()
def correct_under_shift(
    model: torch.nn.Module, x: np.ndarray, y: np.ndarray, dy: int, dx: int
) -> int:
    """How many of the digits ``x`` (N, 28, 28) ``model`` reads as ``y`` after a (dy, dx) shift."""
    moved = shift_image(np.asarray(x, dtype=np.float32), dy, dx)  # (N, 28, 28)
    pred = model(torch.from_numpy(moved)[:, None]).argmax(-1).numpy()
    return int((pred == y).sum())


def shift_accuracy(
    models: dict[str, torch.nn.Module],
    x: np.ndarray,
    y: np.ndarray,
    shifts: tuple[int, ...] = SHIFTS,
) -> dict[str, dict[str, dict[str, list]]]:
    """model → axis → {"correct": [...], "accuracy": [...]} over ``shifts``."""
    out: dict[str, dict[str, dict[str, list]]] = {}
    for name, model in models.items():
        out[name] = {}
        for axis, (uy, ux) in AXES.items():
            correct = [correct_under_shift(model, x, y, s * uy, s * ux) for s in shifts]
            out[name][axis] = {"correct": correct, "accuracy": [c / len(y) for c in correct]}
            print(f"  {name} along {axis}: " + " ".join(f"{a:.3f}" for a in out[name][axis]["accuracy"]), flush=True)  # fmt: skip
    return out


def run(out: Path, dry: bool) -> dict:
    """Compute the curves on the held-out digits and write ``<out>/metrics/shift_accuracy.json``.

    Args:
        out: the CLI's output folder (``assets/`` or a temporary folder for a dry run).
        dry: use the first ``DRY_DIGITS`` held-out digits only.
    """
    d = load_digits()
    te = d.split["test"]
    if dry:
        te = te[:DRY_DIGITS]
    print(f"shift accuracy on {len(te)} held-out digits, shifts {SHIFTS[0]}…{SHIFTS[-1]} px")
    models = {name: model_for(out, name) for name in DIGIT_MODELS}
    result = {
        "name": "shift_accuracy",
        "what": "held-out accuracy with every test digit moved along x (+ = right) or y "
        "(+ = down), zero fill, no re-centring",
        "code": CODE,
        "date": dt.date.today().isoformat(),
        "seed": SEED,
        "split": "test",
        "n": len(te),
        "dry_run": dry,
        "shifts": list(SHIFTS),
        "fill": 0.0,
        "augmentation": AUGMENTATION,
        "models": shift_accuracy(models, d.x[te], d.y[te]),
    }
    (out / "metrics").mkdir(parents=True, exist_ok=True)
    path = out / "metrics" / "shift_accuracy.json"
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"  wrote {path}", flush=True)
    return result
