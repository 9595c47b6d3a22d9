"""Train the CRNN and its two ablations on synthetic strips: ``python -m nets.train crnn``.

Strips are built from the MNIST training split only (fresh ones every epoch; the digits of half
of them, drawn at random, are rotated, slanted, stretched and elastically distorted by
``strips.augment_digit``, the other half are left as written, like the held-out digits); model
selection on strips of 1–6 validation digits (the targets' range); the reported numbers on a fixed, seeded set of strips built from
held-out test digits only. The three models (``crnn``, ``cnn_only``, ``rnn_only``: see
``nets/crnn.py``) see the same strips in the same order, with the same optimiser and schedule.

Writes ``<out>/models/crnn.pt``, ``crnn_cnn_only.pt``, ``crnn_rnn_only.pt``,
``<out>/metrics/crnn.json`` (all three models' held-out accuracy by number length and for
touching digits, the targets and whether they are met) and the sample strips the page offers
(``<out>/samples/strips.npz``, held-out digits only).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn

from . import crnn as C
from . import strips as S
from .data import SEED, load_digits

EPOCHS = 28
STRIPS_PER_EPOCH = 3200
BATCH = 32
LR = 4e-3
VAL_PER_LENGTH = 60
AUG_SHARE = 0.5  # share of training strips whose digits are augmented (strips.augment_digit)
TEST_PER_LENGTH = 250
TARGET_LENGTHS = (1, 6)  # the targets are stated on held-out strips of 1–6 digits
TARGETS = {"number_accuracy": 0.90, "digit_accuracy": 0.97}
NAMES = {"crnn": "crnn", "cnn_only": "crnn_cnn_only", "rnn_only": "crnn_rnn_only"}
ARCH = {
    "crnn": "strip 28×W → Conv(1→32) → pool 2×2 → Conv(32→64) → pool 2×2 → Conv(64→96) → "
    "per column Linear(672→128) → BiGRU(128→2×96) → Linear(192→11) → CTC",
    "cnn_only": "same CNN and column features → per column Linear(128→11) → CTC (no recurrence)",
    "rnn_only": "raw pixels, 4 columns (112 values) per step → BiGRU(112→2×96) → Linear(192→11) "
    "→ CTC (no convolution)",
}


def batch_tensors(
    strips: list[S.Strip],
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Right-pad strips to the widest: x (B, 1, 28, W), lengths (B,) in columns, targets
    (sum of digits,), target lengths (B,)."""
    W = max(s.image.shape[1] for s in strips)
    x = np.zeros((len(strips), 1, S.HEIGHT, W), np.float32)
    for i, s in enumerate(strips):
        x[i, 0, :, : s.image.shape[1]] = s.image
    lengths = torch.tensor([s.image.shape[1] // S.STRIDE for s in strips], dtype=torch.long)
    targets = torch.tensor([int(c) for s in strips for c in s.digits], dtype=torch.long)
    tlen = torch.tensor([len(s.digits) for s in strips], dtype=torch.long)
    return torch.from_numpy(x), lengths, targets, tlen


def width_batches(strips: list[S.Strip], size: int, rng: np.random.Generator | None):
    """Batches of similar width (little padding), in random order when ``rng`` is given."""
    order = np.argsort([s.image.shape[1] for s in strips], kind="stable")
    chunks = [order[i : i + size] for i in range(0, len(order), size)]
    if rng is not None:
        rng.shuffle(chunks)
    return [[strips[i] for i in c] for c in chunks]


@torch.no_grad()
def read_all(model: C.CRNN, strips: list[S.Strip], size: int = 128) -> list[str]:
    """The greedy reading of every strip, in order."""
    model.eval()
    out = [""] * len(strips)
    order = np.argsort([s.image.shape[1] for s in strips], kind="stable")
    for i in range(0, len(order), size):
        idx = order[i : i + size]
        x, lengths, _, _ = batch_tensors([strips[j] for j in idx])
        lp = model(x, lengths).numpy()
        for k, j in enumerate(idx):
            out[j] = C.greedy_decode(lp[k, : lengths[k]]).text
    return out


def report(strips: list[S.Strip], read: list[str]) -> dict:
    """Whole-number and per-digit accuracy, overall (1–6 digits), by length, touching or not.

    Per-digit accuracy = 1 − (edit distance between the reading and the truth, summed) ÷
    (digits in the truth, summed): a missed, extra or wrong digit each counts once.
    """

    def acc(mask) -> dict:
        idx = np.flatnonzero(mask)
        if not len(idx):
            return {"n": 0, "number_accuracy": None, "digit_accuracy": None}
        ok = [read[i] == strips[i].digits for i in idx]
        dist = sum(C.edit_distance(read[i], strips[i].digits) for i in idx)
        total = sum(len(strips[i].digits) for i in idx)
        return {
            "n": int(len(idx)),
            "number_accuracy": float(np.mean(ok)),
            "digit_accuracy": float(1 - dist / total),
        }

    n = np.array([len(s.digits) for s in strips])
    touch = np.array([s.touching for s in strips])
    lo, hi = TARGET_LENGTHS
    in_range = (n >= lo) & (n <= hi)
    return {
        "target_range": acc(in_range),
        "all_lengths": acc(n > 0),
        "by_length": {int(k): acc(n == k) for k in sorted(set(n.tolist()))},
        "touching": acc(in_range & touch),
        "not_touching": acc(in_range & ~touch & (n > 1)),
    }


class BestEpoch:
    """The epoch with the best validation score: its weights, and every epoch's score and time."""

    def __init__(self) -> None:
        self.best, self.state, self.history, self.times = -1.0, None, [], []

    def add(self, model: nn.Module, score: float, seconds: float) -> None:
        """Record one epoch; keep a copy of the weights when its score is the best so far."""
        self.history.append(round(score, 4))
        self.times.append(seconds)
        if score > self.best:
            self.best, self.state = score, {k: v.clone() for k, v in model.state_dict().items()}

    def restore(self, model: nn.Module, score_name: str) -> dict:
        """Load the best epoch's weights into ``model`` (eval mode); its training record."""
        model.load_state_dict(self.state)
        model.eval()
        return {
            score_name: self.best,
            "seconds_per_epoch": float(np.median(self.times)),
            "train_seconds": float(sum(self.times)),
            "history": self.history,
        }


def train_model(kind: str, epochs: int, per_epoch: int, val: list[S.Strip], dry: bool):
    """Train one of the three models; keep the epoch with the best validation number accuracy on
    strips of 1–6 digits (the targets' range)."""
    torch.manual_seed(SEED)
    d = load_digits()
    model = C.CRNN(C.CRNNConfig(kind=kind))
    opt = torch.optim.AdamW(model.parameters(), lr=LR, weight_decay=1e-4)
    steps = epochs * -(-per_epoch // BATCH)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=LR, total_steps=steps, pct_start=0.15)
    ctc = nn.CTCLoss(blank=C.BLANK, zero_infinity=True)
    rng = np.random.default_rng(SEED + 1)  # the same strips, in the same order, for every kind
    kept = BestEpoch()
    for epoch in range(epochs):
        t0 = time.perf_counter()
        lengths = rng.integers(1, S.MAX_DIGITS + 1, per_epoch)
        augment = rng.random(per_epoch) < AUG_SHARE
        train = [
            S.make_strip(d.x, d.y, d.split["train"], int(k), rng, bool(a))
            for k, a in zip(lengths, augment, strict=True)
        ]
        model.train()
        losses = []
        for b in width_batches(train, BATCH, rng):
            x, xl, tg, tl = batch_tensors(b)
            lp = model(x, xl)  # (B, T, 11)
            loss = ctc(lp.transpose(0, 1), tg, xl, tl)
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            opt.step()
            sched.step()
            losses.append(loss.item())
        seconds = time.perf_counter() - t0
        rep = report(val, read_all(model, val))["target_range"]
        acc = rep["number_accuracy"]
        kept.add(model, acc, seconds)
        print(
            f"  {kind} epoch {epoch + 1}/{epochs}: loss {np.mean(losses):.3f}, val number acc "
            f"{acc:.3f}, digit acc {rep['digit_accuracy']:.3f} (1–6 digits; {seconds:.1f} s, "
            f"load average {load_average()})",
            flush=True,
        )
    info = kept.restore(model, "val_number_accuracy")
    return model, info


def load_average() -> str:
    try:
        return " / ".join(f"{v:.1f}" for v in os.getloadavg())
    except OSError:
        return "n/a"


def run(out: Path, dry: bool) -> dict:
    """Train the three models and write weights, metrics and sample strips into ``out``."""
    # One thread: on this shared 2-core machine 2 threads measured 15–30× slower per strip
    # (130–290 ms against 5–15 ms at load average 11–14: the threads wait for each other).
    torch.set_num_threads(1)
    t_start = time.perf_counter()
    load_before = load_average()
    d = load_digits()
    epochs, per_epoch = (1, 96) if dry else (EPOCHS, STRIPS_PER_EPOCH)
    val = S.strip_set(d.x, d.y, d.split["val"], 4 if dry else VAL_PER_LENGTH, SEED + 2)
    test = S.strip_set(d.x, d.y, d.split["test"], 4 if dry else TEST_PER_LENGTH, SEED + 3)
    print(
        f"crnn: {epochs} epochs × {per_epoch} fresh training strips, {len(val)} validation and "
        f"{len(test)} test strips; load average {load_before}",
        flush=True,
    )
    (out / "models").mkdir(parents=True, exist_ok=True)
    (out / "metrics").mkdir(parents=True, exist_ok=True)
    results = {}
    for kind in C.KINDS:
        model, info = train_model(kind, epochs, per_epoch, val, dry)
        torch.save(C.checkpoint(NAMES[kind], model), out / "models" / f"{NAMES[kind]}.pt")
        rep = report(test, read_all(model, test))
        results[kind] = {
            "params": sum(p.numel() for p in model.parameters()),
            "architecture": ARCH[kind],
            **info,
            "test": rep,
        }
        tr = rep["target_range"]
        print(
            f"  {kind}: held-out 1–6 digits: number {tr['number_accuracy']:.3f}, "
            f"digit {tr['digit_accuracy']:.3f}; touching {rep['touching']['number_accuracy']:.3f}",
            flush=True,
        )
    main = results["crnn"]
    tr = main["test"]["target_range"]
    seconds = time.perf_counter() - t_start
    metrics = {
        "name": "crnn",
        "architecture": ARCH["crnn"],
        "params": main["params"],
        "epochs": epochs,
        "date": dt.date.today().isoformat(),
        "seed": SEED,
        "torch_threads": torch.get_num_threads(),
        "dry_run": dry,
        "card": {"data_key": "card.data.strips", "order": 20},
        "test_accuracy": tr["number_accuracy"],
        "test_digit_accuracy": tr["digit_accuracy"],
        "targets": {
            "lengths": list(TARGET_LENGTHS),
            **TARGETS,
            "met": bool(
                tr["number_accuracy"] >= TARGETS["number_accuracy"]
                and tr["digit_accuracy"] >= TARGETS["digit_accuracy"]
            ),
        },
        "seconds_per_epoch": main["seconds_per_epoch"],
        "train_seconds_all_three": seconds,
        "load_average": {"start": load_before, "end": load_average()},
        "data": {
            "train": epochs * per_epoch,
            "val": len(val),
            "test": len(test),
            "digits": {k: int(len(v)) for k, v in d.split.items()},
            "how": "strips of 1–8 MNIST digits; training strips from the training split only "
            f"(fresh every epoch, the digits of {AUG_SHARE:.0%} of them augmented), validation "
            "strips from the validation split (the epoch kept: best whole-number accuracy on "
            "1–6 digits), test strips from the held-out test split",
            "augmented_share": AUG_SHARE,
        },
        "models": results,
    }
    (out / "metrics" / "crnn.json").write_text(
        json.dumps(metrics, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    write_samples(out, d)
    print(
        f"crnn: done in {seconds / 60:.1f} min (load average {load_before} → {load_average()})",
        flush=True,
    )
    return metrics


SAMPLE_NUMBERS = ("7", "42", "305", "2024", "98", "61834", "1111", "7350", "314159", "90210877")


def write_samples(out: Path, d) -> None:
    """Sample strips of held-out test digits (seeded): the page's gallery."""
    rng = np.random.default_rng(SEED + 4)
    test = d.split["test"]
    by_class = {c: test[d.y[test] == c] for c in range(10)}
    images, labels, widths, indices = [], [], [], []
    for number in SAMPLE_NUMBERS:
        chosen = np.array([rng.choice(by_class[int(c)]) for c in number])
        strip = S.compose_strip(d.x, d.y, chosen, rng)
        images.append(strip.image)
        labels.append(strip.digits)
        widths.append(strip.image.shape[1])
        indices.append(",".join(str(i) for i in strip.indices))
    W = max(widths)
    arr = np.zeros((len(images), S.HEIGHT, W), np.float32)
    for i, im in enumerate(images):
        arr[i, :, : im.shape[1]] = im
    (out / "samples").mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        out / "samples" / "strips.npz",
        images=(arr * 255 + 0.5).astype(np.uint8),
        widths=np.array(widths, np.int64),
        labels=np.array(labels),
        indices=np.array(indices),
    )
