"""Training speed under fair conditions: time to a validation target, and time against length.

1. **Time to target**: matched-capacity pairs (nets/lab/models.py) trained with one recipe
   (AdamW, lr 2·10⁻³, batch 64, gradient clipping 1.0), the same seeded batches and the same
   step budget, repeated with several seeds. From each run's validation curve: the training
   CPU time (and steps) until validation accuracy first reaches the target.
2. **Time against length**: one forward+backward pass (no optimiser) on a batch of 64 random
   sentences of 16 … 512 tokens, with 1 and 2 torch threads: the GRU takes one step per token,
   one after the other; the convolution and the attention treat all positions at once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from ..data import load_digits, load_text
from ..registry import load_vocab
from . import models as LM
from .loop import DigitSet, TextSet, predictions, train_curve

TEXT_TARGET = 0.75  # validation accuracy every text model must reach
DIGIT_TARGET = 0.95
LENGTHS = (16, 32, 64, 128, 256, 512)
THREADS = (1, 2)
TIMING_BATCH = 64


# ----------------------------------------------------------------------------- data


def text_sets(limit: int | None = None) -> dict[str, TextSet]:
    """The app's splits encoded with the app's vocabulary: train, val (every 4th validation
    sentence) and test. ``limit``: an evenly strided slice of each (quick runs)."""
    vocab, t = load_vocab(), load_text()

    def make(idx):
        if limit:
            idx = idx[:: max(1, len(idx) // limit)][:limit]
        return TextSet([vocab.encode(t.tokens[i]) for i in idx], t.labels[idx])

    return {
        "train": make(t.split["train"]),
        "val": make(t.split["val"][::4]),
        "test": make(t.split["test"]),
    }


def digit_sets(limit: int | None = None, augment=None) -> dict[str, DigitSet]:
    """The app's digit splits as tensors (``augment`` applies to training batches)."""
    d = load_digits()

    def make(idx, aug=None):
        if limit:
            idx = idx[:: max(1, len(idx) // limit)][:limit]
        x = torch.from_numpy(d.x[idx]).unsqueeze(1)
        return DigitSet(x, torch.from_numpy(d.y[idx]), aug)

    return {
        "train": make(d.split["train"], augment),
        "val": make(d.split["val"]),
        "test": make(d.split["test"]),
    }


def median_length(train: TextSet) -> int:
    return int(np.median([len(s) for s in train.seqs]))


def macs_filters(length: int) -> int:
    """The TextCNN filter count whose MACs on a ``length``-token sentence equal the attention
    GRU's: Σ_k (T − k + 1)·k·E per filter."""
    per_filter = LM.EMBED * sum(k * (length - k + 1) for k in (3, 4, 5))
    return max(1, round(gru_sentence_macs(length) / per_filter))


def text_models(vocab_size: int, length: int) -> dict[str, Callable[[], nn.Module]]:
    """Builders of the text models of the speed experiment: ``cnn`` matched to the GRU in
    parameters, ``cnn_macs`` matched in MACs per sentence of ``length`` tokens, ``gru`` (with
    attention) and ``transformer``."""
    return {
        "cnn": lambda: LM.matched_text_cnn(vocab_size),
        "cnn_macs": lambda: LM.text_cnn(vocab_size, macs_filters(length)),
        "gru": lambda: LM.text_gru(vocab_size),
        "transformer": lambda: LM.text_transformer(vocab_size),
    }


def gru_sentence_macs(T: int, E: int = LM.EMBED, H: int = LM.HIDDEN, A: int = 64) -> int:
    """MACs of the attention GRU on one sentence of T tokens: per step the GRU's
    3H(E + H) + 3H, the attention's H·A + A and the pooling's H; then the classifier 2H."""
    return T * (3 * H * (E + H) + 3 * H + H * A + A + H) + 2 * H


def digit_models() -> dict[str, Callable[[], nn.Module]]:
    return {"cnn": LM.digit_cnn, "gru": LM.digit_gru}


# ----------------------------------------------------------------------------- time to target


@dataclass
class SpeedRun:
    """One model, one seed: the curve, when it reached the target and the test accuracy."""

    model: str
    seed: int
    curve: dict
    target: float
    reached: int | None  # index into the curve (None: not within the budget)
    test_accuracy: float
    test_correct: list[int] | None = None

    @property
    def cpu_to_target(self) -> float | None:
        return None if self.reached is None else self.curve["cpu_s"][self.reached]

    @property
    def steps_to_target(self) -> int | None:
        return None if self.reached is None else self.curve["steps"][self.reached]

    def as_dict(self) -> dict:
        d = dict(self.__dict__)
        d["cpu_to_target"] = self.cpu_to_target
        d["steps_to_target"] = self.steps_to_target
        d["wall_to_target"] = None if self.reached is None else self.curve["wall_s"][self.reached]
        return d


def speed_runs(
    kind: str,
    seeds: tuple[int, ...],
    max_steps: int,
    eval_every: int,
    limit: int | None = None,
    progress=None,
) -> dict:
    """Train every model of ``kind`` ("text" or "digits") with every seed, the same budget.

    Returns:
        {"runs": [SpeedRun.as_dict()...], "target", "max_steps", "eval_every", "data",
        "sizes": model → {"params", "body"}, "median_length" (text)}.
    """
    if kind == "text":
        sets = text_sets(limit)
        V = len(load_vocab())
        length = median_length(sets["train"])
        builders = text_models(V, length)
        target = TEXT_TARGET
    else:
        sets = digit_sets(limit)
        length = None
        builders = digit_models()
        target = DIGIT_TARGET
    runs, sizes = [], {}
    for seed in seeds:
        for name, build in builders.items():
            torch.manual_seed(seed)  # every model starts from its own seeded initialisation
            model = build()
            sizes[name] = {"params": sum(p.numel() for p in model.parameters()),
                           "body": LM.body_params(model)}  # fmt: skip
            curve, learner = train_curve(
                model, sets["train"], sets["val"], seed, max_steps, eval_every
            )
            test = sets["test"]
            y = test.labels if isinstance(test, TextSet) else test.y.numpy()
            correct = predictions(learner.model, test) == y
            runs.append(
                SpeedRun(name, seed, curve.as_dict(), target, curve.reached(target),
                         float(correct.mean()),
                         correct.astype(int).tolist() if seed == seeds[0] else None).as_dict()
            )  # fmt: skip
            if progress:
                progress(f"{kind} {name} seed {seed}")
    return {
        "runs": runs,
        "target": target,
        "max_steps": max_steps,
        "eval_every": eval_every,
        "batch": 64,
        "data": {k: len(v) for k, v in sets.items()},
        "sizes": sizes,
        "median_length": length,
    }


# ----------------------------------------------------------------------------- time vs length


def timing_models(vocab_size: int = 1000) -> dict[str, nn.Module]:
    """The models timed against length (a 1,000-token vocabulary: the embedding's size does
    not change the time of a pass)."""
    return {
        "cnn": LM.matched_text_cnn(vocab_size),
        "gru": LM.text_gru(vocab_size),
        "rnn": LM.seq_rnn(vocab_size, "rnn", hidden=128),
        "transformer": LM.text_transformer(vocab_size),
    }


def time_pass(
    model: nn.Module,
    length: int,
    batch: int = TIMING_BATCH,
    repeats: int = 5,
    seed: int = 0,
    thread_clock: bool = False,
) -> dict:
    """CPU and wall time (ms) of one forward+backward pass on a seeded random batch.

    The first pass (warm-up) is not counted. CPU time is the whole process's
    (``time.process_time``: with 2 threads it adds both threads' work), or this thread's
    (``thread_clock``: in a server, where other sessions' threads share the process).

    Returns:
        {"cpu_ms": [...], "wall_ms": [...]} one entry per repeat.
    """
    g = torch.Generator().manual_seed(seed)
    V = model.embedding.num_embeddings
    ids = torch.randint(1, V, (batch, length), generator=g)
    lens = torch.full((batch,), length)
    y = torch.randint(0, 2, (batch,), generator=g)
    model.train()
    clock = time.thread_time if thread_clock else time.process_time
    cpu, wall = [], []
    for i in range(repeats + 1):
        c0, w0 = clock(), time.perf_counter()
        loss = F.cross_entropy(LM.text_logits(model, ids, lens), y)
        loss.backward()
        model.zero_grad(set_to_none=True)
        if i:
            cpu.append(1e3 * (clock() - c0))
            wall.append(1e3 * (time.perf_counter() - w0))
    return {"cpu_ms": [round(v, 3) for v in cpu], "wall_ms": [round(v, 3) for v in wall]}


def timing_vs_length(lengths=LENGTHS, threads=THREADS, repeats: int = 5, progress=None) -> dict:
    """Forward+backward time of every timing model at every length and thread count.

    Returns:
        {"lengths", "threads", "batch", "repeats", "times": {threads: {model: {length:
        {"cpu_ms": [...], "wall_ms": [...]}}}}, "load": load averages before/after}.
    """
    import os

    before = torch.get_num_threads()
    torch.manual_seed(0)
    models = timing_models()
    out: dict = {}
    load0 = os.getloadavg()
    try:
        for n in threads:
            torch.set_num_threads(n)
            out[str(n)] = {}
            for name, model in models.items():
                out[str(n)][name] = {}
                for L in lengths:
                    reps = repeats if L <= 128 else max(3, repeats - 2)
                    out[str(n)][name][str(L)] = time_pass(model, L, repeats=reps)
                if progress:
                    progress(f"timing {name} × {n} thread(s)")
    finally:
        torch.set_num_threads(before)
    return {
        "lengths": list(lengths),
        "threads": list(threads),
        "batch": TIMING_BATCH,
        "repeats": repeats,
        "times": out,
        "load": [round(v, 2) for v in (*load0, *os.getloadavg())],
    }


def log_slope(lengths, times) -> float:
    """Least-squares slope of log(time) against log(length): 1 means time ∝ length."""
    x, y = np.log(np.asarray(lengths, float)), np.log(np.asarray(times, float))
    return float(np.polyfit(x, y, 1)[0])


_probe_lock = threading.Lock()
PROBE_LENGTHS = (16, 64, 256)  # the live probe's choices (kept short: it runs on the server)


def live_probe(length: int, repeats: int = 3) -> dict | None:
    """The live timing probe: forward+backward of the matched CNN and GRU at ``length`` tokens,
    batch 64, one thread (the app's setting), ``repeats`` passes after a warm-up.

    Returns:
        model → {"cpu_ms": [...], "wall_ms": [...]}, or None when another probe is running in
        this process (one at a time).
    """
    if length not in PROBE_LENGTHS:
        raise ValueError(f"length must be one of {PROBE_LENGTHS}")
    if not _probe_lock.acquire(blocking=False):
        return None
    try:
        torch.manual_seed(0)
        models = {k: v for k, v in timing_models().items() if k in ("cnn", "gru")}
        return {
            k: time_pass(m, length, repeats=repeats, thread_clock=True) for k, m in models.items()
        }
    finally:
        _probe_lock.release()
