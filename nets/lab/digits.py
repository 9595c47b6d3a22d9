"""平移不变性 under fair conditions: the matched digit pair trained with and without shifts.

The image CNN and the row GRU of nets/lab/models.py (parameters within 3 %, MACs within 2 %)
are each trained twice with one recipe and the same seeds: on the digits as they are
(``none``) and with every training digit moved by a random whole-pixel shift of up to ±3 px in
x and y (``shift``). Each is then read on the 1,000 held-out digits moved by −6 … +6 px along x
and along y (nets/train_shift.py). How much robustness the CNN has *without* augmentation is
the architecture's share; what augmentation adds is the data's.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from ..data import load_digits
from ..shift import interior_mask, shift_image
from ..train_shift import SHIFTS, shift_accuracy
from . import models as LM
from .loop import DigitSet, train_curve

MAX_AUG = 3  # pixels of the training shifts
AUGMENTATIONS = ("none", "shift")


def shift_augment(x: torch.Tensor, gen: torch.Generator, max_px: int = MAX_AUG) -> torch.Tensor:
    """Move each digit of ``x`` (B, 1, 28, 28) by a random whole-pixel (dy, dx) in
    [−max_px, max_px]², zero fill (the same operation as ``nets.shift.shift_image``)."""
    B = x.shape[0]
    d = torch.randint(-max_px, max_px + 1, (B, 2), generator=gen)
    padded = F.pad(x, (max_px, max_px, max_px, max_px))
    out = torch.empty_like(x)
    for i in range(B):
        dy, dx = int(d[i, 0]), int(d[i, 1])
        top, left = max_px - dy, max_px - dx
        out[i] = padded[i, :, top : top + 28, left : left + 28]
    return out


def train_pair(aug: str, seed: int, steps: int, limit: int | None = None) -> dict:
    """The matched (CNN, GRU) trained for ``steps`` steps with augmentation ``aug``."""
    d = load_digits()
    tr = d.split["train"]
    if limit:
        tr = tr[:: max(1, len(tr) // limit)][:limit]
    train = DigitSet(
        torch.from_numpy(d.x[tr]).unsqueeze(1),
        torch.from_numpy(d.y[tr]),
        shift_augment if aug == "shift" else None,
    )
    va = d.split["val"]
    val = DigitSet(torch.from_numpy(d.x[va]).unsqueeze(1), torch.from_numpy(d.y[va]))
    out = {}
    for name, build in (("cnn", LM.digit_cnn), ("gru", LM.digit_gru)):
        torch.manual_seed(seed)
        _, learner = train_curve(build(), train, val, seed, steps, eval_every=steps)
        out[name] = learner.model.eval()
    return out


def equivariance(model, shifts=((0, 3), (2, -1), (-3, 2)), n: int = 50) -> dict:
    """Largest |conv1(shift x) − shift(conv1 x)| over ``n`` held-out digits and ``shifts``,
    at positions whose 3×3 neighbourhood stays inside the image (0 up to rounding: the same
    kernel slides everywhere), and the largest |value| compared (the scale)."""
    d = load_digits()
    x = d.x[d.split["test"][:n]]
    worst = scale = 0.0
    compared = 0
    with torch.no_grad():
        maps = model.conv1(torch.from_numpy(x)[:, None]).numpy()  # (n, C, 28, 28)
        for dy, dx in shifts:
            moved = model.conv1(torch.from_numpy(shift_image(x, dy, dx))[:, None]).numpy()
            mask = interior_mask((28, 28), dy, dx, margin=1)
            diff = np.abs(shift_image(maps, dy, dx) - moved)[..., mask]
            worst = max(worst, float(diff.max()))
            scale = max(scale, float(np.abs(moved[..., mask]).max()))
            compared += int(mask.sum()) * maps.shape[1] * len(x)
    return {"max_abs_diff": worst, "scale": scale, "compared": compared, "shifts": list(shifts)}


def shift_experiment(
    seeds: tuple[int, ...],
    steps: int,
    limit: int | None = None,
    n_test: int | None = None,
    progress=None,
    save_to=None,
) -> dict:
    """Accuracy under shifts of the matched pair, with and without augmentation, per seed
    (the first seed's models are saved in ``save_to`` when given).

    Returns:
        {"shifts", "seeds", "steps", "n", "max_aug", "models": model → aug → axis →
        [[accuracy per shift] per seed], "clean": model → aug → [accuracy at 0 per seed],
        "equivariance": of the first seed's CNN without augmentation}.
    """
    d = load_digits()
    te = d.split["test"] if n_test is None else d.split["test"][:n_test]
    x, y = d.x[te], d.y[te]
    models: dict = {m: {a: {"x": [], "y": []} for a in AUGMENTATIONS} for m in ("cnn", "gru")}
    eq = None
    for aug in AUGMENTATIONS:
        for seed in seeds:
            pair = train_pair(aug, seed, steps, limit)
            if save_to is not None and seed == seeds[0]:
                save_pair(pair, save_to, aug, seed, steps)
            curves = shift_accuracy(pair, x, y)
            for m in ("cnn", "gru"):
                for axis in ("x", "y"):
                    models[m][aug][axis].append([round(a, 4) for a in curves[m][axis]["accuracy"]])
            if eq is None and aug == "none":
                eq = equivariance(pair["cnn"])
            if progress:
                progress(f"shift {aug} seed {seed}")
    return {
        "shifts": list(SHIFTS),
        "seeds": list(seeds),
        "steps": steps,
        "n": len(te),
        "max_aug": MAX_AUG,
        "models": models,
        "equivariance": eq,
    }


def save_pair(pair: dict, folder, aug: str, seed: int, steps: int) -> None:
    """Save a trained pair as app-style checkpoints (``nets.models.from_checkpoint`` loads
    them): ``<folder>/digit_{cnn,gru}_<aug>.pt``."""
    from .. import models as M

    folder.mkdir(parents=True, exist_ok=True)
    for name, model in pair.items():
        ck = M.checkpoint("image_cnn" if name == "cnn" else "row_gru", model)
        ck["lab"] = {"augmentation": aug, "seed": seed, "steps": steps, "max_shift": MAX_AUG}
        torch.save(ck, folder / f"digit_{name}_{aug}.pt")
