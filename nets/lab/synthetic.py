"""Two synthetic tasks that separate "remember something far back" from "spot a local pattern".

- **first token** (long dependency): a sequence is a key token (A or B) followed by L random
  tokens drawn from the whole alphabet, A and B included; the label is the key. Only a model
  that knows which token came *first* can solve it, and the key is L tokens before the end.
- **pattern** (locality): L random tokens; the label is whether the trigram P = (p₁, p₂, p₃)
  occurs anywhere. Negatives never contain it; positives contain it once at a random place,
  while p₁, p₂ and p₃ also occur on their own everywhere.

Models: a plain tanh RNN, the GRU (last state), the GRU with attention, the TextCNN and the
Transformer, at the sizes of nets/lab/models.py, trained with one recipe (nets/lab/loop.py).
Everything is seeded (numpy ``default_rng``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn as nn

from ..stats import bootstrap_ci, paired_difference_ci
from . import models as LM
from .loop import TextSet, predictions, train_curve

ALPHABET = 12  # token ids 1 … 11 (0 is padding)
KEYS = (1, 2)  # A, B: the first-token task's keys (they also occur as distractors)
PATTERN = (3, 4, 5)  # the pattern task's trigram
TASKS = ("first_token", "pattern")
MODELS = ("rnn", "gru", "gru_attn", "cnn", "transformer")


def first_token_task(n: int, L: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(x (n, L+1) int64, y (n,)): key at position 0, then L uniform random tokens."""
    y = rng.integers(0, 2, n)
    x = rng.integers(1, ALPHABET, (n, L + 1))
    x[:, 0] = np.asarray(KEYS)[y]
    return x, y


def _has_pattern(row: np.ndarray) -> np.ndarray:
    """Start positions where ``PATTERN`` occurs in ``row``."""
    p1, p2, p3 = PATTERN
    return np.flatnonzero((row[:-2] == p1) & (row[1:-1] == p2) & (row[2:] == p3))


def pattern_task(
    n: int, L: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(x (n, L), y (n,), where (n,)): y = 1 when ``PATTERN`` occurs, at position ``where``
    (−1 for negatives). Accidental occurrences are broken by redrawing their middle token."""
    x = rng.integers(1, ALPHABET, (n, L))
    for row in x:
        for s in _has_pattern(row):
            row[s + 1] = rng.choice([t for t in range(1, ALPHABET) if t != PATTERN[1]])
    y = rng.integers(0, 2, n)
    where = np.full(n, -1)
    for i in np.flatnonzero(y):
        s = int(rng.integers(0, L - 2))
        x[i, s : s + 3] = PATTERN
        where[i] = s
    return x, y, where


def make_task(task: str, n: int, L: int, seed: int) -> tuple[TextSet, np.ndarray]:
    """A seeded data set of ``task`` as a :class:`TextSet` and the pattern positions (−1 when
    there is none, or for the first-token task)."""
    rng = np.random.default_rng(seed)
    if task == "first_token":
        x, y = first_token_task(n, L, rng)
        where = np.full(n, -1)
    else:
        x, y, where = pattern_task(n, L, rng)
    return TextSet([list(map(int, r)) for r in x], y.astype(np.int64)), where


SYN_EMBED = 32  # the synthetic tasks' models are half the size of the sentiment models
SYN_HIDDEN = 32


def build(name: str, vocab: int = ALPHABET) -> nn.Module:
    """One of ``MODELS``, half the sentiment models' width (E = 32), bodies matched to the
    attention GRU's (H = 32) as in nets/lab/models.py: the tanh RNN has H = 64 (its body then
    equals the plain GRU's), the TextCNN the filters that match, the Transformer d = 20."""
    E, H = SYN_EMBED, SYN_HIDDEN
    if name == "rnn":
        return LM.seq_rnn(vocab, "rnn", embed_dim=E, hidden=2 * H)
    if name == "gru":
        return LM.seq_rnn(vocab, "gru", embed_dim=E, hidden=H)
    if name == "gru_attn":
        return LM.text_gru(vocab, embed_dim=E, hidden=H, attn_dim=H, dropout=0.0,
                           embed_dropout=0.0)  # fmt: skip
    if name == "cnn":
        target = LM.body_params(build("gru_attn", vocab))
        f = min(range(1, 512), key=lambda f: abs(LM.text_cnn_body(f, embed=E) - target))
        return LM.text_cnn(vocab, f, embed_dim=E, dropout=0.0, embed_dropout=0.0)
    if name == "transformer":
        return LM.text_transformer(vocab, embed_dim=E, d_model=20, ff=40, dropout=0.0)
    raise ValueError(name)


@dataclass
class SyntheticRun:
    """One model trained on one task at one length.

    Attributes:
        correct: (n_test,) bool, each test sequence read right; position: (n_test,) pattern
            start (−1 when none); steps: optimiser steps used; cpu_s: their CPU time.
    """

    task: str
    model: str
    L: int
    correct: np.ndarray
    position: np.ndarray
    steps: int
    cpu_s: float


def run_one(
    task: str,
    name: str,
    L: int,
    seed: int,
    n_train: int,
    n_test: int,
    max_steps: int,
    batch: int = 32,
) -> SyntheticRun:
    """Train ``name`` on ``task`` at length ``L`` (stops early at 99 % validation accuracy) and
    read the test set."""
    train, _ = make_task(task, n_train, L, seed)
    val, _ = make_task(task, 500, L, seed + 1)
    test, where = make_task(task, n_test, L, seed + 2)
    torch.manual_seed(seed)
    model = build(name)
    curve, learner = train_curve(
        model, train, val, seed, max_steps, max(25, max_steps // 8), target=0.99, batch=batch
    )
    pred = predictions(learner.model, test)
    return SyntheticRun(
        task, name, L, pred == test.labels, where, learner.steps, float(curve.cpu_s[-1])
    )


def first_input_gradient(name: str, L: int, seed: int, n: int = 64) -> float:
    """Median over ``n`` first-token sequences of ‖∂loss/∂x₁‖, the gradient of the loss with
    respect to the first token's embedding, for a freshly initialised model (seeded, eval
    mode).

    How much the loss can still "feel" the first token after L more steps: it shrinks
    geometrically with L in a plain tanh RNN (the vanishing gradient).
    """
    data, _ = make_task("first_token", n, L, seed)
    torch.manual_seed(seed)
    model = build(name).eval()
    ids = torch.tensor(data.seqs)
    lengths = torch.full((n,), ids.shape[1])
    emb = model.embedding(ids).detach().requires_grad_(True)  # (n, L+1, E)
    out = model.trace_embedded(emb, lengths)["logits"]
    loss = nn.functional.cross_entropy(out, torch.from_numpy(data.labels), reduction="sum")
    (grad,) = torch.autograd.grad(loss, emb)
    return float(grad[:, 0].norm(dim=-1).median())


# ----------------------------------------------------------------------------- whole tasks


def _acc_ci(correct: np.ndarray) -> tuple[float, float, float]:
    return bootstrap_ci(correct.astype(float))


def run_task(
    task: str,
    lengths: tuple[int, ...],
    seed: int,
    n_train: int,
    n_test: int,
    max_steps: int,
    batch: int = 32,
    models: tuple[str, ...] = MODELS,
    progress=None,
) -> dict:
    """Every model at every length on ``task``; accuracies with bootstrap 95 % CIs, and at the
    longest length the paired differences (same test sequences) the verdicts use.

    Returns:
        {"lengths", "models": name → {"acc", "lo", "hi", "steps", "cpu_s"} (one entry per
        length), "longest": {"L", "<a>-<b>": [diff, lo, hi]…}, "by_position" (pattern task:
        name → accuracy on positives whose pattern starts in the first / middle / last third
        at the longest length)}.
    """
    out = {m: {"acc": [], "lo": [], "hi": [], "steps": [], "cpu_s": []} for m in models}
    last: dict[str, SyntheticRun] = {}
    for L in lengths:
        for name in models:
            r = run_one(task, name, L, seed, n_train, n_test, max_steps, batch)
            acc, lo, hi = _acc_ci(r.correct)
            for k, v in (("acc", acc), ("lo", lo), ("hi", hi), ("steps", r.steps),
                         ("cpu_s", round(r.cpu_s, 3))):  # fmt: skip
                out[name][k].append(v)
            if lengths[-1] == L:
                last[name] = r
            if progress:
                progress(f"{task} L={L} {name}: {acc:.3f}")
    longest: dict = {"L": lengths[-1]}
    for a, b in (("gru_attn", "cnn"), ("gru", "cnn"), ("transformer", "gru_attn"),
                 ("transformer", "cnn")):  # fmt: skip
        if a in last and b in last:
            d = paired_difference_ci(last[a].correct, last[b].correct)
            longest[f"{a}-{b}"] = [round(x, 4) for x in d]
    result = {
        "lengths": list(lengths),
        "models": {
            m: {k: [round(float(x), 4) for x in v] for k, v in d.items()} for m, d in out.items()
        },  # fmt: skip
        "longest": longest,
    }
    if task == "pattern":
        result["by_position"] = {name: position_accuracy(r) for name, r in last.items()}
    return result


def position_accuracy(run: SyntheticRun) -> list[float | None]:
    """Accuracy on the positive test sequences whose pattern starts in the first, middle and
    last third of the sequence (None for an empty third)."""
    pos = run.position
    out = []
    for k in range(3):
        m = (pos >= 0) & (pos * 3 // max(run.L, 1) == k)
        out.append(round(float(run.correct[m].mean()), 4) if m.any() else None)
    return out


def gradients(lengths: tuple[int, ...], seeds: tuple[int, ...], models=("rnn", "gru")) -> dict:
    """‖∂loss/∂x₁‖ at initialisation against L (median over seeds), for each model."""
    return {
        "lengths": list(lengths),
        "seeds": list(seeds),
        "models": {
            m: [float(np.median([first_input_gradient(m, L, s) for s in seeds])) for L in lengths]
            for m in models
        },
    }
