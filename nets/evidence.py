"""Measured evidence for the source documents' performance claims (性能对比分析).

Everything here is measured on the committed models or read from the training run's metrics in
``assets/metrics/`` — no figure is typed. Each claim of the 性能对比分析 table (training speed,
long-text handling, resource use) gets a :class:`Verdict` computed from those numbers.

Hooks (for multiply-accumulate counts and activation memory) and gradients (for the timing of a
backward pass) run on a private copy of a model, never on the shared one.
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn as nn

from .analyze import encode, image_tensor
from .metrics import read_metrics
from .models import param_count
from .registry import load_model

TEXT_PAIR = ("text_cnn", "text_gru")  # (CNN, RNN) on a sentence
IMAGE_PAIR = ("image_cnn", "row_gru")  # (CNN, RNN) on a digit
TOLERANCE = 0.10  # relative difference under which two measurements count as a tie
ACC_TOLERANCE = 0.01  # accuracy difference under which two models count as equal
MIN_BUCKET = 50  # held-out sentences a length bucket needs to be used in a verdict
CLAIMS = ("training_speed", "long_text", "resource_use")  # row ids of doc_tables "performance"


# ----------------------------------------------------------------------------- metrics files


@dataclass
class TrainingSpeed:
    """Recorded by the training CLI (same machine, same data split for each pair)."""

    name: str
    seconds_per_epoch: float | None
    samples_per_second: float | None
    epochs: int | None
    train_size: int | None


def training_speed(name: str) -> TrainingSpeed:
    """Seconds per epoch and training samples per second of ``name``, from its metrics file."""
    m = read_metrics(name) or {}
    sps = m.get("train_samples_per_second")
    spe = m.get("seconds_per_epoch")
    return TrainingSpeed(
        name=name,
        seconds_per_epoch=float(spe) if spe is not None else None,
        samples_per_second=float(sps) if sps is not None else None,
        epochs=m.get("epochs"),
        train_size=(m.get("data") or {}).get("train"),
    )


@dataclass
class LengthAccuracy:
    """Held-out accuracy of both text models by token-length bucket, for one language.

    Attributes:
        buckets: bucket labels in length order, e.g. "1-10".
        n: (B,) held-out sentences per bucket.
        cnn, rnn: (B,) accuracy of TextCNN and the attention GRU (NaN where missing).
    """

    lang: str
    buckets: list[str]
    n: np.ndarray
    cnn: np.ndarray
    rnn: np.ndarray


def _bucket_start(label: str) -> int:
    try:
        return int(str(label).split("-")[0])
    except ValueError:
        return 10**9


def accuracy_by_length(lang: str = "all") -> LengthAccuracy:
    """Accuracy by length bucket of TextCNN and the GRU (``lang``: "all", "zh" or "en")."""
    rows = {}
    for key, name in (("cnn", TEXT_PAIR[0]), ("rnn", TEXT_PAIR[1])):
        for r in (read_metrics(name) or {}).get("accuracy_by_length", []):
            if r.get("lang") == lang:
                rows.setdefault(r["bucket"], {})[key] = r
    buckets = sorted(rows, key=_bucket_start)
    n = np.array([max(v.get("n", 0) for v in rows[b].values()) for b in buckets], dtype=int)

    def acc(key):
        return np.array(
            [rows[b][key]["accuracy"] if key in rows[b] else np.nan for b in buckets], float
        )

    return LengthAccuracy(lang, buckets, n, acc("cnn"), acc("rnn"))


# ----------------------------------------------------------------------------- live measurements


def _inputs(name: str, payload) -> tuple[torch.Tensor, dict]:
    """The model's input tensor for a sentence (text models) or a (28, 28) digit."""
    if name in ("image_cnn", "row_gru"):
        return image_tensor(np.asarray(payload, dtype=np.float32)), {}
    enc = encode(payload)
    ids = torch.tensor([enc.token_ids])
    return ids, {"T": len(enc.token_ids)}


def _forward(model: nn.Module, name: str, x: torch.Tensor, T: int | None):
    if name == "text_cnn":
        return model(x, torch.tensor([T]))
    if name == "text_gru":
        return model(x, torch.ones_like(x, dtype=torch.bool))
    return model(x)


@dataclass
class Cost:
    """What one input costs a model.

    Attributes:
        params: trainable parameters; params_no_embedding: without the embedding table.
        macs: multiply-accumulates of one forward pass on this input, from the layer shapes.
        macs_by_layer: layer name → MACs.
        activation_bytes: float32 bytes of every layer's output in that pass (what training
            keeps for the backward pass).
        seq_len: tokens (text) or rows (image) read.
    """

    name: str
    params: int
    params_no_embedding: int
    macs: int
    macs_by_layer: dict[str, int]
    activation_bytes: int
    seq_len: int


def _module_macs(mod: nn.Module, inp: tuple, out) -> int:
    """Multiply-accumulates of one leaf module call, from its real input/output shapes."""
    if isinstance(mod, (nn.Conv1d, nn.Conv2d)):
        k = int(np.prod(mod.kernel_size))
        return int(out.numel() * (mod.in_channels // mod.groups) * k)
    if isinstance(mod, nn.Linear):
        return int(out.numel() * mod.in_features)
    if isinstance(mod, nn.GRU):
        x = inp[0]  # (B, T, I) batch_first
        steps = x.shape[0] * x.shape[1]
        H = mod.hidden_size
        # three gates: input projections + hidden projections, and the r ⊙ (W_hn h) and the
        # interpolation (1 − z) ⊙ n + z ⊙ h element-wise products
        return int(steps * (3 * H * (mod.input_size + H) + 3 * H))
    return 0


def _out_bytes(out) -> int:
    if isinstance(out, torch.Tensor):
        return out.numel() * out.element_size()
    if isinstance(out, (tuple, list)):
        return sum(_out_bytes(o) for o in out)
    return 0


def measure_cost(name: str, payload) -> Cost:
    """Parameters, MACs and activation memory of ``name`` on this input (a sentence or a digit).

    Raises:
        InputError: the sentence cannot be read.
    """
    model = copy.deepcopy(load_model(name))
    x, extra = _inputs(name, payload)
    macs: dict[str, int] = {}
    act = [0]
    handles = []
    for mname, mod in model.named_modules():
        if len(list(mod.children())) or mname == "":
            continue

        def hook(mod, inp, out, mname=mname):
            macs[mname] = macs.get(mname, 0) + _module_macs(mod, inp, out)
            act[0] += _out_bytes(out)

        handles.append(mod.register_forward_hook(hook))
    try:
        with torch.inference_mode():
            _forward(model, name, x, extra.get("T"))
    finally:
        for h in handles:
            h.remove()
    T = extra.get("T", 28)
    if name == "text_gru":  # attention pooling: weights (T,) · hidden (T, H), not a module
        macs["attention_pool"] = T * model.cfg.hidden
    emb = model.embedding.weight.numel() if hasattr(model, "embedding") else 0
    total = param_count(model)
    return Cost(
        name=name,
        params=total,
        params_no_embedding=total - emb,
        macs=int(sum(macs.values())),
        macs_by_layer={k: v for k, v in macs.items() if v},
        activation_bytes=int(act[0]),
        seq_len=int(T),
    )


@dataclass
class Timing:
    """Live forward and forward+backward wall time of one model on one input (milliseconds)."""

    name: str
    forward_ms: float
    train_step_ms: float
    repeats: int
    all_forward_ms: list[float] = field(default_factory=list)
    all_train_step_ms: list[float] = field(default_factory=list)


def time_model(name: str, payload, repeats: int = 7) -> Timing:
    """Median wall time of a forward pass and of a forward+backward pass on this input.

    The backward pass runs on a private copy with gradients on; the first call (warm-up) is
    not counted.
    """
    model = copy.deepcopy(load_model(name))
    for p in model.parameters():
        p.requires_grad_(True)
    x, extra = _inputs(name, payload)
    T = extra.get("T")
    fw, tr = [], []
    for i in range(repeats + 1):
        t0 = time.perf_counter()
        with torch.no_grad():
            _forward(model, name, x, T)
        t1 = time.perf_counter()
        logits = _forward(model, name, x, T)
        logits[0].logsumexp(0).backward()
        model.zero_grad(set_to_none=True)
        t2 = time.perf_counter()
        if i:
            fw.append((t1 - t0) * 1e3)
            tr.append((t2 - t1) * 1e3)
    return Timing(name, float(np.median(fw)), float(np.median(tr)), repeats, fw, tr)


# ----------------------------------------------------------------------------- verdicts


@dataclass
class Verdict:
    """An honest verdict on one claim of the performance table, computed from the numbers.

    Attributes:
        claim: row id in the "performance" table.
        verdict: "agree", "disagree", "depends" or "missing" (no numbers to judge).
        reason: a short code naming why (the page turns it into a sentence).
        facts: the numbers behind it (ratios, accuracies), for the sentence and the tests.
    """

    claim: str
    verdict: str
    reason: str
    facts: dict


def _side(ratio: float | None) -> int:
    """+1 when ratio (RNN cost / CNN cost) says the CNN is better, −1 the RNN, 0 a tie."""
    if ratio is None or not np.isfinite(ratio):
        return 0
    if ratio > 1 + TOLERANCE:
        return 1
    if ratio < 1 / (1 + TOLERANCE):
        return -1
    return 0


def _combine(sides: list[int]) -> tuple[str, str]:
    """The rule: a measure within ``TOLERANCE`` is a tie and counts for neither side; the
    claim is supported when every other measure favours the CNN, contradicted when every
    other one favours the RNN, "depends" when they split (or when all are ties)."""
    if not sides:
        return "missing", "missing"
    decided = [s for s in sides if s]
    if not decided:
        return "depends", "tie"
    if all(s == 1 for s in decided):
        return "agree", "all_cnn"
    if all(s == -1 for s in decided):
        return "disagree", "all_rnn"
    return "depends", "mixed"


def _ratio(rnn: float | None, cnn: float | None) -> float | None:
    if rnn is None or cnn is None or cnn <= 0:
        return None
    return float(rnn) / float(cnn)


def verdict_training_speed(text: tuple = TEXT_PAIR, image: tuple = IMAGE_PAIR) -> Verdict:
    """训练速度 CNN > RNN: seconds per epoch of each (CNN, RNN) pair from the training CLI."""
    facts, sides = {}, []
    for key, (cnn, rnn) in (("text", text), ("image", image)):
        c, r = training_speed(cnn), training_speed(rnn)
        ratio = _ratio(r.seconds_per_epoch, c.seconds_per_epoch)  # > 1: the CNN is faster
        facts[key] = {
            "cnn_spe": c.seconds_per_epoch,
            "rnn_spe": r.seconds_per_epoch,
            "cnn_sps": c.samples_per_second,
            "rnn_sps": r.samples_per_second,
            "ratio": ratio,
            "side": _side(ratio),
        }
        if ratio is not None:
            sides.append(_side(ratio))
    v, reason = _combine(sides)
    return Verdict("training_speed", v, reason, facts)


def verdict_long_text(lang: str = "all") -> Verdict:
    """长文本处理 RNN > CNN: held-out accuracy of the GRU minus TextCNN's, shortest vs longest
    bucket (buckets with fewer than ``MIN_BUCKET`` sentences are left out)."""
    la = accuracy_by_length(lang)
    ok = (la.n >= MIN_BUCKET) & np.isfinite(la.cnn) & np.isfinite(la.rnn)
    idx = np.flatnonzero(ok)
    if len(idx) < 2:
        return Verdict("long_text", "missing", "missing", {"lang": lang})
    gap = la.rnn - la.cnn  # (B,) > 0: the GRU is better
    short, long_ = int(idx[0]), int(idx[-1])
    facts = {
        "lang": lang,
        "short_bucket": la.buckets[short],
        "long_bucket": la.buckets[long_],
        "short_gap": float(gap[short]),
        "long_gap": float(gap[long_]),
        "long_rnn": float(la.rnn[long_]),
        "long_cnn": float(la.cnn[long_]),
        "long_n": int(la.n[long_]),
    }
    if gap[long_] <= -ACC_TOLERANCE:
        return Verdict("long_text", "disagree", "cnn_better_long", facts)
    if abs(gap[long_]) < ACC_TOLERANCE:
        return Verdict("long_text", "depends", "tie_long", facts)
    if gap[long_] > gap[short] + ACC_TOLERANCE:
        return Verdict("long_text", "agree", "gap_grows", facts)
    return Verdict("long_text", "depends", "rnn_better_everywhere", facts)


def verdict_resource_use(text_costs: tuple[Cost, Cost], image_costs: tuple[Cost, Cost]) -> Verdict:
    """资源消耗 CNN < RNN: parameters (without the shared-size embedding table), MACs and
    activation memory of each (CNN, RNN) pair on this input."""
    facts, sides = {}, []
    for key, (c, r) in (("text", text_costs), ("image", image_costs)):
        entry = {}
        for metric, cv, rv in (
            ("params", c.params_no_embedding, r.params_no_embedding),
            ("macs", c.macs, r.macs),
            ("activation_bytes", c.activation_bytes, r.activation_bytes),
        ):
            ratio = _ratio(rv, cv)  # > 1: the CNN costs less
            entry[metric] = {"cnn": cv, "rnn": rv, "ratio": ratio, "side": _side(ratio)}
            sides.append(_side(ratio))
        facts[key] = entry
    v, reason = _combine(sides)
    return Verdict("resource_use", v, reason, facts)


def verdict_latency(timings: tuple[Timing, Timing]) -> int:
    """+1 when the CNN's live forward+backward step is faster than the RNN's, −1 slower, 0 tie."""
    c, r = timings
    return _side(_ratio(r.train_step_ms, c.train_step_ms))
