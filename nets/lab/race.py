"""The live training race: a matched CNN and RNN trained side by side for at most 20 s.

Both models of a matched pair (nets/lab/models.py) start from seeded initialisations and take
turns: one optimiser step each on the *same* batch (which one goes first alternates), from a
fixed subset shipped in ``assets/lab/race.npz`` (the app never loads the training corpora).
Every ``EVAL_EVERY`` steps each model is scored on the subset's validation part (not timed).
Each model has its own clock: the CPU time of its own steps (``time.thread_time``), so a busy
server slows the race down without making it unfair. The race stops at ``LIMIT_S`` seconds of
wall time (or ``max_steps``).

:data:`RUNNER` allows one race at a time per process (a non-blocking lock): a second request
is refused and told how long the running race has left. The race runs in a daemon thread at a
lower scheduling priority (``os.setpriority`` on the thread), with one torch thread (the
app's setting), yielding between steps so the sessions of other learners stay responsive.
"""

from __future__ import annotations

import contextlib
import copy
import os
import threading
import time
from dataclasses import dataclass, field

import numpy as np
import torch

from ..paths import ASSETS
from . import models as LM
from .loop import DigitSet, Learner, TextSet, accuracy

RACE_FILE = ASSETS / "lab" / "race.npz"
LIMIT_S = 20.0  # wall seconds a race may take
EVAL_EVERY = 10  # steps (of each model) between validation points
NICE = 5  # the race thread's niceness (the decode pool's): sessions first, yet it progresses
EVAL_EVERY_S = 3.0  # live races: also a point after this many wall seconds (a busy server)
BATCH = 32
KINDS = ("text", "digits")
MODELS = ("cnn", "gru")  # the pair, in the order of the legend
TEXT_TRAIN, TEXT_VAL, TEXT_MAX_LEN = 3000, 300, 64
DIGIT_TRAIN, DIGIT_VAL = 1000, 300


# ----------------------------------------------------------------------------- data


def make_race_data(path=RACE_FILE, seed: int = 0) -> dict:
    """Write the race's fixed subset (the training CLI does; needs the training corpora).

    Text: ``TEXT_TRAIN`` training and ``TEXT_VAL`` validation sentences drawn (seeded) from the
    app's splits, cut to ``TEXT_MAX_LEN`` tokens, re-indexed to a compact vocabulary of the
    tokens they contain. Digits: ``DIGIT_TRAIN`` + ``DIGIT_VAL`` digits as uint8.
    """
    from ..data import load_digits, load_text

    rng = np.random.default_rng(seed)
    t = load_text()
    tr = np.sort(rng.choice(t.split["train"], TEXT_TRAIN, replace=False))
    va = np.sort(rng.choice(t.split["val"], TEXT_VAL, replace=False))
    toks = [t.tokens[i][:TEXT_MAX_LEN] for i in (*tr, *va)]
    vocab = ["<pad>", *sorted({w for s in toks for w in s})]
    stoi = {w: i for i, w in enumerate(vocab)}
    ids = np.zeros((len(toks), TEXT_MAX_LEN), dtype=np.int16)
    for i, s in enumerate(toks):
        ids[i, : len(s)] = [stoi[w] for w in s]
    lengths = np.array([len(s) for s in toks], dtype=np.int16)
    labels = t.labels[np.concatenate([tr, va])].astype(np.int8)
    d = load_digits()
    dtr = np.sort(rng.choice(d.split["train"], DIGIT_TRAIN, replace=False))
    dva = np.sort(rng.choice(d.split["val"], DIGIT_VAL, replace=False))
    digits = np.round(d.x[np.concatenate([dtr, dva])] * 255).astype(np.uint8)
    data = {
        "text_ids": ids, "text_lengths": lengths, "text_labels": labels,
        "text_vocab_size": np.array(len(vocab)), "text_train": np.array(TEXT_TRAIN),
        "digit_x": digits, "digit_y": d.y[np.concatenate([dtr, dva])].astype(np.int8),
        "digit_train": np.array(DIGIT_TRAIN),
    }  # fmt: skip
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, **data)
    return data


_data_lock = threading.Lock()
_data: dict = {}


def race_data(path=None) -> dict:
    """The shipped subset (or the one at ``path``) as (train, val) sets per kind, read once per
    process."""
    path = RACE_FILE if path is None else path
    with _data_lock:
        if str(path) not in _data:
            z = np.load(path)
            n = int(z["text_train"])
            seqs = [
                list(map(int, r[:k])) for r, k in zip(z["text_ids"], z["text_lengths"], strict=True)
            ]
            y = z["text_labels"].astype(np.int64)
            x = torch.from_numpy(z["digit_x"].astype(np.float32) / 255.0).unsqueeze(1)
            dy = torch.from_numpy(z["digit_y"].astype(np.int64))
            m = int(z["digit_train"])
            _data[str(path)] = {
                "text": (TextSet(seqs[:n], y[:n]), TextSet(seqs[n:], y[n:])),
                "digits": (DigitSet(x[:m], dy[:m]), DigitSet(x[m:], dy[m:])),
                "vocab_size": int(z["text_vocab_size"]),
            }
        return _data[str(path)]


def race_models(kind: str, seed: int, path=None) -> dict:
    """The matched pair for ``kind``, each initialised from ``seed``."""
    out = {}
    for name in MODELS:
        torch.manual_seed(seed)
        if kind == "text":
            V = race_data(path)["vocab_size"]
            out[name] = LM.matched_text_cnn(V) if name == "cnn" else LM.text_gru(V)
        else:
            out[name] = LM.digit_cnn() if name == "cnn" else LM.digit_gru()
    return out


# ----------------------------------------------------------------------------- one race


def empty_points() -> dict:
    return {m: {"cpu_s": [], "wall_s": [], "step": [], "loss": [], "val_acc": [], "grad_norm": []}
            for m in MODELS}  # fmt: skip


def run_race(
    kind: str,
    seed: int = 0,
    limit_s: float = LIMIT_S,
    max_steps: int | None = None,
    on_update=None,
    should_stop=None,
    path=None,
    started: float | None = None,
    eval_every_s: float | None = None,
) -> dict:
    """Race the matched pair of ``kind`` ("text" or "digits").

    Args:
        seed: initialisations and batch order.
        limit_s: wall-time limit in seconds; max_steps: steps per model (None: no limit).
        on_update: called as ``on_update(points, fraction_done)`` after every validation.
        should_stop: returns True to stop early.
        path: another race data file (the training CLI's fresh one).
        started: ``time.perf_counter()`` when the race was asked for (the runner's: loading
            the data and building the models count toward the limit); default: now.
        eval_every_s: also score a point when this many wall seconds passed since the last
            one (and a step was taken), so a live race on a busy server still shows its
            curves growing; None (the CLI's recorded race): every ``EVAL_EVERY`` steps only.

    Returns:
        {"kind", "seed", "limit_s", "batch", "eval_every", "points": model → {"cpu_s",
        "wall_s", "step", "loss", "val_acc", "grad_norm"}, "stopped": "time" / "steps" /
        "asked", "elapsed_s", "sizes": model → parameters without the embedding}.
    """
    t0 = time.perf_counter() if started is None else started
    train, val = race_data(path)[kind]
    models = race_models(kind, seed, path)
    learners = {m: Learner(models[m]) for m in MODELS}
    points = empty_points()
    gen = torch.Generator().manual_seed(seed)
    if started is None:
        t0 = time.perf_counter()
    stopped = "steps"

    def record():
        for m in MODELS:
            lr = learners[m]
            p = points[m]
            acc = accuracy(lr.model, val)
            lr.model.train()
            p["step"].append(lr.steps)
            p["cpu_s"].append(round(lr.cpu, 4))
            p["wall_s"].append(round(lr.wall, 4))
            p["val_acc"].append(round(acc, 4))
            p["loss"].append(round(float(np.mean(lr._loss)), 4) if lr._loss else None)
            p["grad_norm"].append(round(float(np.mean(lr._norm)), 4) if lr._norm else None)
            lr._loss, lr._norm = [], []

    record()
    if on_update:  # the untrained models' point: the live chart appears at once
        on_update(points, min(1.0, (time.perf_counter() - t0) / limit_s))
    step = 0
    last = (0, time.perf_counter())  # (step, wall clock) of the last point
    done = False
    while not done:
        for batch in train.batches(gen, BATCH):
            order = MODELS if step % 2 == 0 else MODELS[::-1]
            for m in order:
                learners[m].step(batch)
            step += 1
            time.sleep(0)  # let other threads (other learners' sessions) in between steps
            due = eval_every_s is not None and time.perf_counter() - last[1] >= eval_every_s
            if step % EVAL_EVERY == 0 or due:
                record()
                last = (step, time.perf_counter())
                if on_update:
                    on_update(points, min(1.0, (time.perf_counter() - t0) / limit_s))
            if time.perf_counter() - t0 >= limit_s:
                stopped, done = "time", True
            elif max_steps is not None and step >= max_steps:
                stopped, done = "steps", True
            elif should_stop is not None and should_stop():
                stopped, done = "asked", True
            if done:
                break
    if step > last[0]:
        record()
    return {
        "kind": kind,
        "seed": seed,
        "limit_s": limit_s,
        "batch": BATCH,
        "eval_every": EVAL_EVERY,
        "points": points,
        "stopped": stopped,
        "elapsed_s": round(time.perf_counter() - t0, 3),
        "sizes": {m: LM.body_params(models[m]) for m in MODELS},
        "data": {"train": len(train), "val": len(val)},
    }


# ----------------------------------------------------------------------------- one at a time


@dataclass
class RaceState:
    """What every session can read about the process's race.

    Attributes:
        id: increases with every race started in this process; kind, seed, limit_s: its
        settings; status: "running", "done" or "error"; started: ``time.perf_counter()`` at the
        start (the limit counts from it); fraction: of the time limit used
        at the last validation point; points: as in :func:`run_race`; result: the
        finished race's dict.
    """

    id: int
    kind: str
    seed: int
    limit_s: float
    status: str = "running"
    started: float = 0.0
    fraction: float = 0.0
    points: dict = field(default_factory=empty_points)
    result: dict | None = None
    error: str = ""


class RaceRunner:
    """One race at a time in this process; the others are refused with the time left."""

    def __init__(self):
        self._slot = threading.Lock()  # held for the whole race
        self._state_lock = threading.Lock()  # guards ``_state``
        self._state: RaceState | None = None
        self._count = 0

    def busy(self) -> bool:
        return self._slot.locked()

    def remaining(self) -> float:
        """Seconds the running race may still take (0 when none runs)."""
        with self._state_lock:
            s = self._state
            if s is None or s.status != "running":
                return 0.0
            return max(0.0, s.limit_s - (time.perf_counter() - s.started))

    def start(self, kind: str, seed: int = 0, limit_s: float = LIMIT_S) -> int | None:
        """Start a race in a daemon thread; its id, or None when a race is already running."""
        if kind not in KINDS:
            raise ValueError(kind)
        if not self._slot.acquire(blocking=False):
            return None
        try:
            with self._state_lock:
                self._count += 1
                self._state = RaceState(self._count, kind, seed, limit_s,
                                        started=time.perf_counter())  # fmt: skip
                rid = self._count
                started = self._state.started
            threading.Thread(
                target=self._run,
                args=(kind, seed, limit_s, started),
                name=f"lab-race-{rid}",
                daemon=True,
            ).start()
        except BaseException:
            self._slot.release()
            raise
        return rid

    def _run(self, kind: str, seed: int, limit_s: float, started: float) -> None:
        try:
            with contextlib.suppress(AttributeError, OSError):  # this thread only (Linux)
                os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), NICE)
            result = run_race(kind, seed, limit_s, on_update=self._update, started=started,
                              eval_every_s=EVAL_EVERY_S)  # fmt: skip
            with self._state_lock:
                self._state.result = result
                self._state.points = copy.deepcopy(result["points"])
                self._state.fraction = 1.0
                self._state.status = "done"
        except Exception as exc:  # reported to the page, never raised in a thread
            with self._state_lock:
                self._state.status = "error"
                self._state.error = type(exc).__name__
        finally:
            self._slot.release()

    def _update(self, points: dict, fraction: float) -> None:
        with self._state_lock:
            self._state.points = copy.deepcopy(points)
            self._state.fraction = fraction

    def snapshot(self) -> RaceState | None:
        """A copy of the latest race's state (None before the first race)."""
        with self._state_lock:
            return copy.deepcopy(self._state)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until no race runs (tests, the CLI); False on timeout."""
        ok = self._slot.acquire(timeout=-1 if timeout is None else timeout)
        if ok:
            self._slot.release()
        return ok


RUNNER = RaceRunner()  # one per server process
