"""Train the motion model and its two ablations on clips: ``python -m nets.train motion``.

Clips (``nets/strips.py``: 10 frames of 40×40, a digit moving up, down, left, right or standing
still, with jitter) are built from the MNIST training split only, fresh every epoch; model
selection on clips of validation digits; reported numbers on a fixed, seeded set of clips of
held-out test digits. The three models (``gru``, ``one_frame``, ``diff``: see ``nets/motion.py``)
see the same clips in the same order with the same optimiser and schedule.

Writes ``<out>/models/motion_gru.pt``, ``motion_one_frame.pt``, ``motion_diff.pt`` and
``<out>/metrics/motion.json`` (held-out accuracy of all three, per direction, with chance and the
target), and the sample digits the page offers (``<out>/samples/motion_digits.npz``).
"""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from . import motion as Mo
from . import strips as S
from .data import SEED, load_digits
from .train_crnn import BestEpoch, load_average

EPOCHS = 6
CLIPS_PER_EPOCH = 2500
BATCH = 50
LR = 3e-3
VAL_PER_DIRECTION = 80
TEST_PER_DIRECTION = 300
TARGET = 0.95
NAMES = {k: f"motion_{k}" for k in Mo.KINDS}
ARCH = {
    "gru": "10 frames 40×40 → per frame Conv(1→8) → pool → Conv(8→16) → pool → Linear(1600→64) "
    "→ GRU(64→64) → Linear(64→5)",
    "one_frame": "the same CNN on the middle frame only → Linear(64→5)",
    "diff": "the same CNN on the difference of two middle frames → Linear(64→5)",
}


@torch.no_grad()
def predict(model: Mo.MotionNet, clips: np.ndarray, size: int = 250) -> np.ndarray:
    model.eval()
    out = [
        model(torch.from_numpy(clips[i : i + size])).argmax(-1) for i in range(0, len(clips), size)
    ]
    return torch.cat(out).numpy()


def report(pred: np.ndarray, labels: np.ndarray) -> dict:
    return {
        "accuracy": float((pred == labels).mean()),
        "n": int(len(labels)),
        "by_direction": {
            d: float((pred[labels == k] == k).mean()) for k, d in enumerate(S.DIRECTIONS)
        },
        "confusion": [
            [int(((labels == a) & (pred == b)).sum()) for b in range(5)] for a in range(5)
        ],
    }


def train_model(kind: str, epochs: int, per_epoch: int, val, dry: bool):
    """Train one of the three; keep the epoch with the best validation accuracy."""
    torch.manual_seed(SEED)
    d = load_digits()
    model = Mo.MotionNet(Mo.MotionConfig(kind=kind))
    opt = torch.optim.AdamW(model.parameters(), lr=LR, weight_decay=1e-4)
    steps = epochs * -(-per_epoch // BATCH)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=LR, total_steps=steps, pct_start=0.15)
    kept = BestEpoch()
    for epoch in range(epochs):
        t0 = time.perf_counter()
        clips, labels, _ = S.clip_set(
            d.x, d.split["train"], per_epoch // len(S.DIRECTIONS), SEED + 10 + epoch
        )
        perm = np.random.default_rng(SEED + 100 + epoch).permutation(len(clips))
        model.train()
        losses = []
        for i in range(0, len(perm), BATCH):
            b = perm[i : i + BATCH]
            loss = F.cross_entropy(model(torch.from_numpy(clips[b])), torch.from_numpy(labels[b]))
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            losses.append(loss.item())
        seconds = time.perf_counter() - t0
        acc = report(predict(model, val[0]), val[1])["accuracy"]
        kept.add(model, acc, seconds)
        print(
            f"  motion {kind} epoch {epoch + 1}/{epochs}: loss {np.mean(losses):.3f}, "
            f"val acc {acc:.3f} ({seconds:.1f} s)",
            flush=True,
        )
    info = kept.restore(model, "val_accuracy")
    return model, info


def run(out: Path, dry: bool) -> dict:
    """Train the three motion models; write weights, metrics and sample digits into ``out``."""
    # One thread: on this shared 2-core machine 2 threads measured 15–30× slower per strip
    # (130–290 ms against 5–15 ms at load average 11–14: the threads wait for each other).
    torch.set_num_threads(1)
    t_start = time.perf_counter()
    load_before = load_average()
    d = load_digits()
    epochs, per_epoch = (1, 100) if dry else (EPOCHS, CLIPS_PER_EPOCH)
    val = S.clip_set(d.x, d.split["val"], 4 if dry else VAL_PER_DIRECTION, SEED + 2)
    test = S.clip_set(d.x, d.split["test"], 4 if dry else TEST_PER_DIRECTION, SEED + 3)
    print(
        f"motion: {epochs} epochs × {per_epoch} fresh training clips, {len(val[0])} validation "
        f"and {len(test[0])} test clips; load average {load_before}",
        flush=True,
    )
    (out / "models").mkdir(parents=True, exist_ok=True)
    (out / "metrics").mkdir(parents=True, exist_ok=True)
    results = {}
    for kind in Mo.KINDS:
        model, info = train_model(kind, epochs, per_epoch, val, dry)
        torch.save(Mo.checkpoint(NAMES[kind], model), out / "models" / f"{NAMES[kind]}.pt")
        rep = report(predict(model, test[0]), test[1])
        results[kind] = {
            "params": sum(p.numel() for p in model.parameters()),
            "architecture": ARCH[kind],
            **info,
            "test": rep,
        }
        print(f"  motion {kind}: held-out accuracy {rep['accuracy']:.3f}", flush=True)
    main = results["gru"]
    seconds = time.perf_counter() - t_start
    metrics = {
        "name": "motion",
        "architecture": ARCH["gru"],
        "params": main["params"],
        "epochs": epochs,
        "date": dt.date.today().isoformat(),
        "seed": SEED,
        "torch_threads": torch.get_num_threads(),
        "dry_run": dry,
        "card": {"data_key": "card.data.clips", "order": 21},
        "test_accuracy": main["test"]["accuracy"],
        "chance": 1 / len(S.DIRECTIONS),
        "targets": {"accuracy": TARGET, "met": bool(main["test"]["accuracy"] >= TARGET)},
        "seconds_per_epoch": main["seconds_per_epoch"],
        "train_seconds_all_three": seconds,
        "load_average": {"start": load_before, "end": load_average()},
        "data": {
            "train": epochs * per_epoch,
            "val": int(len(val[0])),
            "test": int(len(test[0])),
            "how": "clips of one MNIST digit moving up, down, left, right or standing still; "
            "training clips from the training split only (fresh every epoch), validation clips "
            "from the validation split, test clips from the held-out test split",
        },
        "models": results,
    }
    (out / "metrics" / "motion.json").write_text(
        json.dumps(metrics, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    write_samples(out, d)
    print(
        f"motion: done in {seconds / 60:.1f} min (load average {load_before} → {load_average()})",
        flush=True,
    )
    return metrics


def write_samples(out: Path, d) -> None:
    """One held-out test digit per class (seeded): the page's digits to set in motion."""
    rng = np.random.default_rng(SEED + 5)
    test = d.split["test"]
    idx = np.array([rng.choice(test[d.y[test] == c]) for c in range(10)])
    (out / "samples").mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        out / "samples" / "motion_digits.npz",
        images=(d.x[idx] * 255 + 0.5).astype(np.uint8),
        labels=d.y[idx],
        indices=idx,
    )
