"""One training loop for every lab experiment: the same optimiser, clipping and clocks.

A :class:`Batches` source yields the same seeded batches for every model of a comparison; the
loop records, every ``eval_every`` steps, the training loss, the gradient norm (before
clipping), the validation accuracy and two clocks: the CPU time of the training steps of this
thread (``time.thread_time``: what the computation itself costs, little affected by other
programs on a shared machine) and their wall time. Validation is never counted in either clock.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from ..train import length_batches, pad_batch
from .models import text_logits

LR = 2e-3  # one learning rate for every model of a comparison
WEIGHT_DECAY = 1e-4
CLIP = 1.0
BATCH = 64
POOL = 16  # batches per length-sorted pool (TextSet.batches)


# ----------------------------------------------------------------------------- data


@dataclass
class TextSet:
    """Token-id sentences and labels. ``seqs``: list of id lists; ``labels``: (N,) int64."""

    seqs: list[list[int]]
    labels: np.ndarray

    def __len__(self) -> int:
        return len(self.seqs)

    def batches(self, gen: torch.Generator | None, size: int = BATCH) -> Iterator[tuple]:
        """(ids (B, T), lengths (B,), y (B,)), shuffled by ``gen``: the sentences are shuffled,
        then each pool of ``POOL`` batches is sorted by length and cut into batches (little
        padding, yet every batch is drawn from a random sample of the whole set)."""
        lengths = np.array([len(s) for s in self.seqs])
        if gen is None:
            chunks = length_batches(lengths, size, None)
        else:
            order = torch.randperm(len(self.seqs), generator=gen).numpy()
            chunks = []
            for p in range(0, len(order), size * POOL):
                pool = order[p : p + size * POOL]
                pool = pool[np.argsort(lengths[pool], kind="stable")]
                part = [pool[i : i + size] for i in range(0, len(pool), size)]
                perm = torch.randperm(len(part), generator=gen).tolist()
                chunks.extend(part[i] for i in perm)
        for chunk in chunks:
            ids, lens = pad_batch([self.seqs[i] for i in chunk], 5)  # ≥ the widest kernel
            yield ids, lens, torch.from_numpy(self.labels[chunk])

    def subset(self, idx) -> TextSet:
        return TextSet([self.seqs[i] for i in idx], self.labels[np.asarray(idx)])


@dataclass
class DigitSet:
    """Digits ``x`` (N, 1, 28, 28) float32 in [0, 1] and labels ``y`` (N,) int64 (tensors)."""

    x: torch.Tensor
    y: torch.Tensor
    augment: Callable[[torch.Tensor, torch.Generator], torch.Tensor] | None = None

    def __len__(self) -> int:
        return len(self.y)

    def batches(self, gen: torch.Generator | None, size: int = BATCH) -> Iterator[tuple]:
        order = torch.randperm(len(self.y), generator=gen) if gen is not None else None
        for i in range(0, len(self.y), size):
            b = order[i : i + size] if order is not None else slice(i, i + size)
            x = self.x[b]
            if self.augment is not None and gen is not None:
                x = self.augment(x, gen)
            yield (x, self.y[b])


def logits_of(model: nn.Module, batch: tuple) -> torch.Tensor:
    """The model's logits on a batch of either kind (the last item is always the labels)."""
    if len(batch) == 3:
        return text_logits(model, batch[0], batch[1])
    return model(batch[0])


@torch.no_grad()
def predictions(model: nn.Module, data, size: int = 256) -> np.ndarray:
    """Predicted classes on ``data`` in its own order (eval mode, restored afterwards)."""
    was = model.training
    model.eval()
    if isinstance(data, TextSet):
        lengths = np.array([len(s) for s in data.seqs])
        out = np.zeros(len(data), dtype=np.int64)
        for chunk in length_batches(lengths, size, None):
            ids, lens = pad_batch([data.seqs[i] for i in chunk], 5)
            out[chunk] = text_logits(model, ids, lens).argmax(-1).numpy()
    else:
        out = np.concatenate(
            [model(data.x[i : i + size]).argmax(-1).numpy() for i in range(0, len(data), size)]
        )
    model.train(was)
    return out


def accuracy(model: nn.Module, data) -> float:
    y = data.labels if isinstance(data, TextSet) else data.y.numpy()
    return float((predictions(model, data) == y).mean())


# ----------------------------------------------------------------------------- the loop


@dataclass
class Curve:
    """What one training run recorded, one entry per evaluation (the first at step 0).

    Attributes:
        steps: optimiser steps done; cpu_s / wall_s: training time so far (this thread's CPU
            time / wall time, validation excluded); val_acc: validation accuracy; loss: mean
            training loss since the previous evaluation; grad_norm: mean gradient norm (before
            clipping) since the previous evaluation.
    """

    steps: list[int] = field(default_factory=list)
    cpu_s: list[float] = field(default_factory=list)
    wall_s: list[float] = field(default_factory=list)
    val_acc: list[float] = field(default_factory=list)
    loss: list[float] = field(default_factory=list)
    grad_norm: list[float] = field(default_factory=list)

    def reached(self, target: float) -> int | None:
        """Index of the first evaluation at or above ``target`` (None: never)."""
        return next((i for i, a in enumerate(self.val_acc) if a >= target), None)

    def as_dict(self) -> dict:
        r = lambda xs, d: [round(float(x), d) for x in xs]  # noqa: E731
        return {
            "steps": list(self.steps),
            "cpu_s": r(self.cpu_s, 4),
            "wall_s": r(self.wall_s, 4),
            "val_acc": r(self.val_acc, 4),
            "loss": r(self.loss, 4),
            "grad_norm": r(self.grad_norm, 4),
        }


class Learner:
    """A model with its optimiser: one step at a time, timing itself (for races and runs)."""

    def __init__(self, model: nn.Module, lr: float = LR):
        self.model = model
        self.opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=WEIGHT_DECAY)
        self.cpu = 0.0
        self.wall = 0.0
        self.steps = 0
        self._loss: list[float] = []
        self._norm: list[float] = []
        model.train()

    def step(self, batch: tuple) -> tuple[float, float]:
        """One optimiser step; returns (loss, gradient norm before clipping)."""
        c0, w0 = time.thread_time(), time.perf_counter()
        loss = F.cross_entropy(logits_of(self.model, batch), batch[-1])
        loss_value = float(loss.detach())
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        norm = float(nn.utils.clip_grad_norm_(self.model.parameters(), CLIP))
        self.opt.step()
        self.cpu += time.thread_time() - c0
        self.wall += time.perf_counter() - w0
        self.steps += 1
        self._loss.append(loss_value)
        self._norm.append(norm)
        return self._loss[-1], norm

    def record(self, curve: Curve, val) -> float:
        """Evaluate on ``val`` (not timed) and append a point to ``curve``; returns accuracy."""
        acc = accuracy(self.model, val)
        curve.steps.append(self.steps)
        curve.cpu_s.append(self.cpu)
        curve.wall_s.append(self.wall)
        curve.val_acc.append(acc)
        curve.loss.append(float(np.mean(self._loss)) if self._loss else float("nan"))
        curve.grad_norm.append(float(np.mean(self._norm)) if self._norm else float("nan"))
        self._loss, self._norm = [], []
        return acc


def train_curve(
    model: nn.Module,
    train,
    val,
    seed: int,
    max_steps: int,
    eval_every: int,
    target: float | None = None,
    patience: int = 0,
    lr: float = LR,
    batch: int = BATCH,
) -> tuple[Curve, Learner]:
    """Train ``model`` on ``train`` (seeded batches) for at most ``max_steps`` steps.

    Args:
        seed: seeds the batch order (the same for every model of a comparison).
        eval_every: steps between validation points (one at step 0 too).
        batch: examples per step.
        target: stop ``patience`` evaluations after validation accuracy first reaches it
            (None: run all steps).

    Returns:
        The recorded :class:`Curve` and the :class:`Learner` (the trained model inside).
    """
    gen = torch.Generator().manual_seed(seed)
    learner = Learner(model, lr)
    curve = Curve()
    learner.record(curve, val)
    hit_at = None
    while learner.steps < max_steps:
        for b in train.batches(gen, batch):
            learner.step(b)
            if learner.steps % eval_every == 0 or learner.steps >= max_steps:
                acc = learner.record(curve, val)
                if target is not None and hit_at is None and acc >= target:
                    hit_at = len(curve.steps) - 1
                if hit_at is not None and len(curve.steps) - 1 - hit_at >= patience:
                    return curve, learner
            if learner.steps >= max_steps:
                break
    return curve, learner
