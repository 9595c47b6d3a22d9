"""Train the four models on real data and write weights + metrics into ``assets/``.

Usage::

    python -m nets.train all                 # train everything (a few minutes on 2 cores)
    python -m nets.train image_cnn row_gru   # just these
    python -m nets.train all --dry-run --out /tmp/x   # tiny slice, for tests
    python -m nets.train derive              # only the derived assets (projections, samples)
    python -m nets.train speed               # re-time all four models in one quiet run
    python -m nets.train <plugin>            # nets/train_<plugin>.py: run(out, dry_run)
    python -m nets.train lab --quick         # a plugin's small seeded slice (temporary --out)

Seeded: the same command gives the same splits; weights match up to float non-determinism.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import math
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from . import models as M
from .data import SEED, load_digits, load_text
from .paths import ASSETS
from .text import Vocab

NAMES = ("image_cnn", "row_gru", "text_gru", "text_cnn")
LENGTH_BUCKETS = ((1, 10), (11, 20), (21, 40), (41, 80), (81, 200))

ARCH = {
    "image_cnn": "Conv2d(1→16, 3×3) → ReLU → MaxPool 2×2 → Conv2d(16→32, 3×3) → ReLU → "
    "MaxPool 2×2 → Linear(1568→128) → ReLU → Linear(128→10)",
    "row_gru": "28 rows × 28 pixels → GRU(28→64) → Linear(64→10)",
    "text_gru": "Embedding(V→64) → GRU(64→64) → additive attention → Linear(64→2)",
    "text_cnn": "Embedding(V→64) → Conv1d(64→64, k=3|4|5) → ReLU → global max pool → Linear(192→2)",
}


# ----------------------------------------------------------------------------- helpers


def set_seed(seed: int = SEED) -> None:
    torch.manual_seed(seed)
    np.random.seed(seed)


def augment_digits(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Light augmentation for hand-drawn and photographed digits.

    Random shifts (±3 px), rotations (±15°), scale (0.85–1.1) and, for a third of the
    digits, a thicker or thinner stroke. x: (B, 1, 28, 28).
    """
    B = x.shape[0]
    ang = (torch.rand(B, generator=gen) * 2 - 1) * math.radians(15)
    scale = 0.85 + torch.rand(B, generator=gen) * 0.25
    shift = (torch.rand(B, 2, generator=gen) * 2 - 1) * (3 / 14)  # in [-1, 1] grid units
    cos, sin = torch.cos(ang) / scale, torch.sin(ang) / scale
    theta = torch.stack(
        [torch.stack([cos, -sin, shift[:, 0]], 1), torch.stack([sin, cos, shift[:, 1]], 1)], 1
    )  # (B, 2, 3)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    out = F.grid_sample(x, grid, align_corners=False, padding_mode="zeros")
    stroke = torch.rand(B, generator=gen)
    thick = F.max_pool2d(out, 3, 1, 1)
    thin = -F.max_pool2d(-out, 3, 1, 1)
    out = torch.where((stroke < 0.15)[:, None, None, None], thick, out)
    out = torch.where((stroke > 0.9)[:, None, None, None], thin, out)
    return out.clamp(0, 1)


def batches(n: int, size: int, gen: torch.Generator) -> Iterator[torch.Tensor]:
    perm = torch.randperm(n, generator=gen)
    for i in range(0, n, size):
        yield perm[i : i + size]


def pad_batch(seqs: list[list[int]], min_len: int = 1) -> tuple[torch.Tensor, torch.Tensor]:
    """Right-pad id lists with 0 (``<pad>``). Returns ids (B, T) and lengths (B,)."""
    lengths = torch.tensor([len(s) for s in seqs], dtype=torch.long)
    T = max(int(lengths.max()), min_len)
    ids = torch.zeros(len(seqs), T, dtype=torch.long)
    for i, s in enumerate(seqs):
        ids[i, : len(s)] = torch.tensor(s, dtype=torch.long)
    return ids, lengths


def length_batches(lengths: np.ndarray, size: int, gen: torch.Generator | None):
    """Batches of similar length (fewer pads, faster GRU); shuffled when ``gen`` is given."""
    order = np.argsort(lengths, kind="stable")
    chunks = [order[i : i + size] for i in range(0, len(order), size)]
    if gen is not None:
        perm = torch.randperm(len(chunks), generator=gen).tolist()
        chunks = [chunks[i] for i in perm]
    return chunks


def fit(
    model: nn.Module,
    epochs: int,
    run_epoch: Callable[[], None],
    evaluate: Callable[[], float],
) -> dict:
    """Train for ``epochs``; keep the weights with the best validation accuracy."""
    best, best_state, times, history = -1.0, None, [], []
    for epoch in range(epochs):
        model.train()
        t0 = time.perf_counter()
        run_epoch()
        times.append(time.perf_counter() - t0)
        model.eval()
        acc = evaluate()
        history.append(round(acc, 4))
        print(f"  epoch {epoch + 1}/{epochs}: val acc {acc:.4f} ({times[-1]:.1f} s)", flush=True)
        if acc > best:
            best, best_state = acc, {k: v.clone() for k, v in model.state_dict().items()}
    model.load_state_dict(best_state)
    model.eval()
    return {"val_accuracy": best, "seconds_per_epoch": float(np.median(times)), "history": history}


# ----------------------------------------------------------------------------- digits


def subsample(idx: np.ndarray, limit: int | None) -> np.ndarray:
    """An evenly strided slice of at most ``limit`` indices (all classes and languages)."""
    if not limit or len(idx) <= limit:
        return idx
    return idx[:: len(idx) // limit][:limit]


def digit_tensors(idx: np.ndarray, limit: int | None = None):
    d = load_digits()
    idx = subsample(idx, limit)
    return torch.from_numpy(d.x[idx]).unsqueeze(1), torch.from_numpy(d.y[idx])  # (N,1,28,28)


@torch.no_grad()
def digit_accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    return float((model(x).argmax(-1) == y).float().mean())


def train_digits(name: str, epochs: int, dry: bool) -> tuple[nn.Module, dict]:
    """Train ``image_cnn`` or ``row_gru`` on the MNIST digits."""
    set_seed()
    gen = torch.Generator().manual_seed(SEED)
    d = load_digits()
    lim = 256 if dry else None
    xtr, ytr = digit_tensors(d.split["train"], lim)
    xva, yva = digit_tensors(d.split["val"], lim)
    xte, yte = digit_tensors(d.split["test"], lim)
    if name == "image_cnn":
        model: nn.Module = M.ImageCNN(M.ImageCNNConfig())
        lr = 2e-3
    else:
        model = M.RowGRU(M.RowGRUConfig())
        lr = 3e-3
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=max(epochs, 1))

    def run_epoch():
        for b in batches(len(xtr), 64, gen):
            xb = augment_digits(xtr[b], gen)
            loss = F.cross_entropy(model(xb), ytr[b])
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
        sched.step()

    info = fit(model, epochs, run_epoch, lambda: digit_accuracy(model, xva, yva))
    info["test_accuracy"] = digit_accuracy(model, xte, yte)
    info["data"] = {"train": len(xtr), "val": len(xva), "test": len(xte)}
    info["train_samples_per_second"] = len(xtr) / info["seconds_per_epoch"]
    return model, info


# ----------------------------------------------------------------------------- text


def build_vocab(dry: bool) -> Vocab:
    t = load_text()
    idx = subsample(t.split["train"], 600 if dry else None)
    return Vocab.build((t.tokens[i] for i in idx), min_count=1 if dry else 2)


def text_ids(vocab: Vocab, idx: np.ndarray) -> list[list[int]]:
    t = load_text()
    return [vocab.encode(t.tokens[i]) for i in idx]


@torch.no_grad()
def text_predictions(model: nn.Module, seqs: list[list[int]], batch: int = 256) -> np.ndarray:
    """P(positive) for each id list, in order."""
    model.eval()
    lengths = np.array([len(s) for s in seqs])
    probs = np.zeros(len(seqs), dtype=np.float32)
    min_len = getattr(model, "min_len", 1)
    for chunk in length_batches(lengths, batch, None):
        ids, lens = pad_batch([seqs[i] for i in chunk], min_len)
        logits = model(ids, lens) if isinstance(model, M.TextCNN) else model(ids)
        probs[chunk] = torch.softmax(logits, -1)[:, 1].numpy()
    return probs


def accuracy_report(correct: np.ndarray, langs: np.ndarray, lengths: np.ndarray) -> dict:
    """Accuracy overall, per language and per length bucket (every text model reports these).

    Args:
        correct: (N,) bool, each held-out sentence read right; langs: (N,) "zh"/"en";
        lengths: (N,) tokens per sentence.
    """
    by_len = []
    for lo, hi in LENGTH_BUCKETS:
        for lang in ("all", "zh", "en"):
            m = (lengths >= lo) & (lengths <= hi) & ((langs == lang) | (lang == "all"))
            if m.any():
                by_len.append(
                    {"bucket": f"{lo}-{hi}", "lang": lang, "n": int(m.sum()),
                     "accuracy": float(correct[m].mean())}
                )  # fmt: skip
    return {
        "accuracy": float(correct.mean()),
        "by_language": {lg: float(correct[langs == lg].mean()) for lg in ("zh", "en")},
        "n_by_language": {lg: int((langs == lg).sum()) for lg in ("zh", "en")},
        "by_length": by_len,
    }


def text_report(
    model: nn.Module, vocab: Vocab, idx: np.ndarray, seqs: list[list[int]] | None = None
) -> dict:
    """Accuracy overall, per language and per length bucket on the given split indices.

    ``seqs``: the id lists of those sentences when the model reads them differently from the
    shared character tokenisation (e.g. Chinese by words); encoded with ``vocab`` by default.
    """
    t = load_text()
    seqs = text_ids(vocab, idx) if seqs is None else seqs
    pred = (text_predictions(model, seqs) >= 0.5).astype(np.int64)
    langs = np.array([t.langs[i] for i in idx])
    return accuracy_report(pred == t.labels[idx], langs, np.array([len(s) for s in seqs]))


def train_text(name: str, epochs: int, dry: bool, vocab: Vocab) -> tuple[nn.Module, dict]:
    """Train ``text_gru`` or ``text_cnn`` on the bilingual reviews."""
    set_seed()
    gen = torch.Generator().manual_seed(SEED)
    t = load_text()
    lim = 600 if dry else None
    tr, va, te = (subsample(t.split[k], lim) for k in ("train", "val", "test"))
    seqs = text_ids(vocab, tr)
    ytr = torch.from_numpy(t.labels[tr])
    lengths = np.array([len(s) for s in seqs])
    if name == "text_gru":
        model: nn.Module = M.TextGRU(M.TextGRUConfig(vocab_size=len(vocab)))
        lr = 3e-3
    else:
        model = M.TextCNN(M.TextCNNConfig(vocab_size=len(vocab)))
        lr = 2e-3
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=max(epochs, 1))
    min_len = getattr(model, "min_len", 1)

    def run_epoch():
        for chunk in length_batches(lengths, 64, gen):
            ids, lens = pad_batch([seqs[i] for i in chunk], min_len)
            logits = model(ids, lens) if name == "text_cnn" else model(ids)
            loss = F.cross_entropy(logits, ytr[chunk])
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
        sched.step()

    va_seqs = text_ids(vocab, va)

    def evaluate():
        pred = text_predictions(model, va_seqs) >= 0.5
        return float((pred == t.labels[va]).mean())

    info = fit(model, epochs, run_epoch, evaluate)
    rep = text_report(model, vocab, te)
    info["test_accuracy"] = rep["accuracy"]
    info["test_accuracy_by_language"] = rep["by_language"]
    info["accuracy_by_length"] = rep["by_length"]
    info["data"] = {"train": len(tr), "val": len(va), "test": len(te), "vocab": len(vocab)}
    info["train_samples_per_second"] = len(tr) / info["seconds_per_epoch"]
    return model, info


# ----------------------------------------------------------------------------- CLI

EPOCHS = {"image_cnn": 30, "row_gru": 30, "text_gru": 8, "text_cnn": 12}


def train_one(name: str, out: Path, dry: bool, vocab: Vocab | None = None) -> dict:
    """Train one model, save ``<out>/models/<name>.pt`` and ``<out>/metrics/<name>.json``."""
    epochs = 1 if dry else EPOCHS[name]
    print(f"training {name} ({epochs} epochs{', dry run' if dry else ''})", flush=True)
    if name in ("image_cnn", "row_gru"):
        model, info = train_digits(name, epochs, dry)
        ck = M.checkpoint(name, model)
    else:
        vocab = vocab or build_vocab(dry)
        model, info = train_text(name, epochs, dry, vocab)
        ck = M.checkpoint(name, model, vocab.itos)
    (out / "models").mkdir(parents=True, exist_ok=True)
    (out / "metrics").mkdir(parents=True, exist_ok=True)
    torch.save(ck, out / "models" / f"{name}.pt")
    metrics = {
        "name": name,
        "architecture": ARCH[name],
        "params": M.param_count(model),
        "epochs": epochs,
        "date": dt.date.today().isoformat(),
        "seed": SEED,
        "torch_threads": torch.get_num_threads(),
        "dry_run": dry,
        **info,
    }
    (out / "metrics" / f"{name}.json").write_text(
        json.dumps(metrics, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    print(f"  {name}: test accuracy {metrics['test_accuracy']:.4f}", flush=True)
    return metrics


def measure_speed(out: Path, epochs: int = 2) -> None:
    """Re-time training of all four models back to back, on the same machine and data.

    Training speed is the document's first claim (训练速度 CNN > RNN); timing the four
    models in one quiet run keeps the comparison fair. Updates ``seconds_per_epoch`` and
    ``train_samples_per_second`` in each metrics JSON; the trained weights are not touched.
    """
    vocab = build_vocab(False)
    for name in NAMES:
        print(f"timing {name} ({epochs} epochs)", flush=True)
        if name in ("image_cnn", "row_gru"):
            _, info = train_digits(name, epochs, False)
        else:
            _, info = train_text(name, epochs, False, vocab)
        path = out / "metrics" / f"{name}.json"
        m = json.loads(path.read_text(encoding="utf-8"))
        m["seconds_per_epoch"] = info["seconds_per_epoch"]
        m["train_samples_per_second"] = info["train_samples_per_second"]
        m["speed_measured"] = {
            "date": dt.date.today().isoformat(),
            "epochs": epochs,
            "torch_threads": torch.get_num_threads(),
            "how": "python -m nets.train speed (all four models in one run)",
        }
        path.write_text(json.dumps(m, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def plugins() -> tuple[str, ...]:
    """Extra commands: ``nets/train_<name>.py`` modules, each with ``run(out, dry_run)``.

    Models added later (time series, CRNN, the claims lab's experiments…) train through their
    own module, so this file does not grow with every model.
    """
    here = Path(__file__).parent
    return tuple(sorted(p.stem.removeprefix("train_") for p in here.glob("train_*.py")))


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m nets.train", description=__doc__.split("\n")[0])
    p.add_argument("models", nargs="+", choices=[*NAMES, "derive", "speed", "all", *plugins()])
    p.add_argument(
        "--out", type=Path, default=None, help="folder for models/ and metrics/ (default: assets/)"
    )
    p.add_argument("--dry-run", action="store_true", help="train 1 epoch on a tiny slice")
    p.add_argument(
        "--quick", action="store_true", help="plugins that have one (lab): a small seeded slice"
    )
    p.add_argument("--threads", type=int, default=2, help="torch threads (2 on this machine)")
    args = p.parse_args(argv)
    if args.out is None:  # a dry or quick run never overwrites the committed weights
        quick = args.dry_run or args.quick
        args.out = Path(tempfile.mkdtemp(prefix="nets-dry-")) if quick else ASSETS
        print(f"writing to {args.out}", flush=True)
    torch.set_num_threads(args.threads)
    names = (*NAMES, "derive") if "all" in args.models else tuple(dict.fromkeys(args.models))
    vocab = None
    for name in names:
        if name == "speed":
            measure_speed(args.out)
            continue
        if name == "derive":
            from .derive import derive_all

            derive_all(args.out, args.dry_run)
            continue
        if name not in NAMES:  # a plugin command
            mod = importlib.import_module(f".train_{name}", __package__)
            extra = {"quick": True} if args.quick else {}
            mod.run(args.out, args.dry_run, **extra)
            continue
        if name.startswith("text") and vocab is None:
            vocab = build_vocab(args.dry_run)
        train_one(name, args.out, args.dry_run, vocab)


if __name__ == "__main__":
    main()
