"""Measured evidence for the source documents' performance claims, and the side-by-side experiments.

Everything here is measured on the committed models or read from the training run's metrics in
``assets/metrics/`` — no figure is typed. Each claim of the 性能对比分析 table (training speed,
long-text handling, resource use) gets a :class:`Verdict` computed from those numbers.

Hooks (for multiply-accumulate counts and activation memory) and gradients (for the timing of a
backward pass) run on a private copy of a model, never on the shared one.
"""

from __future__ import annotations

import copy
import json
import time
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn as nn

from .analyze import encode, image_tensor, trace_image28
from .cnn_explain import interior_mask, shift_image
from .models import param_count
from .paths import METRICS
from .registry import load_model
from .stats import softmax

TEXT_PAIR = ("text_cnn", "text_gru")  # (CNN, RNN) on a sentence
IMAGE_PAIR = ("image_cnn", "row_gru")  # (CNN, RNN) on a digit
TOLERANCE = 0.10  # relative difference under which two measurements count as a tie
ACC_TOLERANCE = 0.01  # accuracy difference under which two models count as equal
MIN_BUCKET = 50  # held-out sentences a length bucket needs to be used in a verdict
CLAIMS = ("training_speed", "long_text", "resource_use")  # row ids of doc_tables "performance"


# ----------------------------------------------------------------------------- metrics files


def read_metrics(name: str) -> dict:
    """The training run's metrics of model ``name`` (empty dict when missing or unreadable)."""
    path = METRICS / f"{name}.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


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
    m = read_metrics(name)
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
        for r in read_metrics(name).get("accuracy_by_length", []):
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
    if not sides:
        return "missing", "missing"
    if all(s == 1 for s in sides):
        return "agree", "all_cnn"
    if all(s == -1 for s in sides):
        return "disagree", "all_rnn"
    if all(s == 0 for s in sides):
        return "depends", "tie"
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


# ----------------------------------------------------------------------------- translation
#
# Two different questions, never put side by side as one number:
# (a) equivariance: does a conv map of the shifted digit equal the shifted map? Yes, exactly,
#     away from the border: convolution slides the same kernel everywhere (conv_equivariance);
# (b) invariance of the prediction: does each model still read the digit correctly when it
#     moves? Measured as held-out accuracy under shifts (load_shift_accuracy, computed by
#     ``python -m nets.train shift`` / ``derive``) and live on the current digit
#     (shifted_predictions). Both digit models were trained with random shifts of up to ±3 px
#     (nets/train.py augment_digits), so their robustness there comes mostly from augmentation,
#     not from the architecture (the CNN's dense layers are not shift-invariant).

EQUIVARIANT_LAYERS = ("conv1", "relu1")  # stride-1 layers before any pooling: margin 1 (3×3)
SHIFT_ACCURACY_FILE = "shift_accuracy.json"


@dataclass
class Equivariance:
    """A conv layer's maps for a digit and for the same digit shifted by (dy, dx).

    Attributes:
        layer: ``"conv1"`` or ``"relu1"``.
        maps, maps_shifted: (C, 28, 28) the layer on the original and on the shifted digit.
        max_abs_diff: the largest |layer(shift x) − shift(layer x)| over every channel and every
            position whose 3×3 neighbourhood stays inside the image before and after the shift
            (0 up to float rounding: the same kernel slides everywhere).
        compared: positions × channels compared; scale: the largest |value| of the maps there.
    """

    dy: int
    dx: int
    layer: str
    maps: np.ndarray
    maps_shifted: np.ndarray
    max_abs_diff: float
    compared: int
    scale: float


def conv_equivariance(input28: np.ndarray, dy: int, dx: int, layer: str = "relu1") -> Equivariance:
    """Check that ``layer`` of the shifted digit is the shifted ``layer`` (away from borders).

    Args:
        input28: (28, 28) the network input.
        dy, dx: shift in pixels (down / right positive), zero fill.
        layer: one of ``EQUIVARIANT_LAYERS``.

    Returns:
        The :class:`Equivariance` (two traces of the image CNN).
    """
    if layer not in EQUIVARIANT_LAYERS:
        raise ValueError(f"layer must be one of {EQUIVARIANT_LAYERS}, not {layer!r}")
    x = np.asarray(input28, dtype=np.float32)
    maps = trace_image28(x)[layer]
    maps_s = trace_image28(shift_image(x, dy, dx))[layer]
    mask = interior_mask(maps.shape[-2:], dy, dx, margin=1)
    moved = shift_image(maps, dy, dx)
    if mask.any():
        diff = float(np.abs(moved - maps_s)[:, mask].max())
        scale = float(np.abs(maps_s[:, mask]).max())
    else:
        diff = scale = 0.0
    return Equivariance(dy, dx, layer, maps, maps_s, diff, int(mask.sum()) * len(maps), scale)


@dataclass
class ShiftedPrediction:
    """Both digit models on the current digit moved by (dy, dx) pixels (zero fill).

    Attributes:
        shifted: (28, 28) the moved digit.
        cnn_probs, rnn_probs: (10,) the image CNN's and the row GRU's probabilities.
        cnn_label, rnn_label: their predicted digits.
    """

    dy: int
    dx: int
    shifted: np.ndarray
    cnn_probs: np.ndarray
    rnn_probs: np.ndarray
    cnn_label: int
    rnn_label: int


def shifted_predictions(input28: np.ndarray, dy: int, dx: int) -> ShiftedPrediction:
    """Live prediction of the image CNN and the row GRU on the digit shifted by (dy, dx).

    Note: both models were trained with random shifts of up to ±3 px (nets/train.py
    ``augment_digits``); within that range robustness comes mostly from the augmentation.
    """
    xs = shift_image(np.asarray(input28, dtype=np.float32), dy, dx)
    with torch.inference_mode():
        zc = load_model("image_cnn")(image_tensor(xs))[0].numpy()
        zr = load_model("row_gru")(image_tensor(xs))[0].numpy()
    pc, pr = softmax(zc), softmax(zr)
    return ShiftedPrediction(dy, dx, xs, pc, pr, int(pc.argmax()), int(pr.argmax()))


@dataclass
class ShiftAccuracy:
    """Held-out accuracy of the digit models under shifts, as shipped in ``assets/metrics``.

    Attributes:
        shifts: (S,) pixels, −6 … +6.
        accuracy: model → axis ("x": right positive, "y": down positive) → (S,) accuracy.
        correct: the same as counts of correctly read digits out of ``n``.
        n: held-out digits (the test split the models' metrics use).
        date, code, augmentation: when and how it was computed, and the training condition.
    """

    shifts: np.ndarray
    accuracy: dict[str, dict[str, np.ndarray]]
    correct: dict[str, dict[str, np.ndarray]]
    n: int
    date: str
    code: str
    augmentation: str
    dry_run: bool


def load_shift_accuracy(path=None) -> ShiftAccuracy | None:
    """The shipped shift-accuracy curves (``assets/metrics/shift_accuracy.json``), or None.

    Both digit models were trained with ±3 px random shifts (``augment_digits``): read the
    curves with that in mind.
    """
    from pathlib import Path

    path = Path(path) if path is not None else METRICS / SHIFT_ACCURACY_FILE
    try:
        m = json.loads(path.read_text(encoding="utf-8"))
        models = m["models"]
        return ShiftAccuracy(
            shifts=np.asarray(m["shifts"], dtype=int),
            accuracy={
                k: {ax: np.asarray(v[ax]["accuracy"], float) for ax in ("x", "y")}
                for k, v in models.items()
            },
            correct={
                k: {ax: np.asarray(v[ax]["correct"], int) for ax in ("x", "y")}
                for k, v in models.items()
            },
            n=int(m["n"]),
            date=str(m["date"]),
            code=str(m["code"]),
            augmentation=str(m["augmentation"]),
            dry_run=bool(m.get("dry_run", False)),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


@dataclass
class TranslationResult:
    """Deprecated (issue 10): puts relu1 equivariance beside a whole-state GRU change, which are
    not comparable. Use :func:`conv_equivariance`, :func:`load_shift_accuracy` and
    :func:`shifted_predictions`. Kept only until the side-by-side page stops using it.

    Attributes:
        original, shifted: (28, 28) inputs.
        cnn_maps, cnn_maps_shifted: (16, 28, 28) relu1 maps.
        cnn_equivariance_error: ‖relu1(shift x) − shift(relu1 x)‖ / ‖relu1(shift x)‖ over the
            rows the border padding cannot reach (0 = the maps simply move with the digit).
        cnn_probs, cnn_probs_shifted: (10,).
        rnn_hidden, rnn_hidden_shifted: (28, 64).
        rnn_step_probs, rnn_step_probs_shifted: (28, 10).
        rnn_hidden_change: ‖h_{t+dy}(shift x) − h_t(x)‖ / ‖h_t(x)‖ averaged over t.
        rnn_probs, rnn_probs_shifted: (10,).
    """

    dy: int
    original: np.ndarray
    shifted: np.ndarray
    cnn_maps: np.ndarray
    cnn_maps_shifted: np.ndarray
    cnn_equivariance_error: float
    cnn_probs: np.ndarray
    cnn_probs_shifted: np.ndarray
    rnn_hidden: np.ndarray
    rnn_hidden_shifted: np.ndarray
    rnn_step_probs: np.ndarray
    rnn_step_probs_shifted: np.ndarray
    rnn_hidden_change: float
    rnn_probs: np.ndarray
    rnn_probs_shifted: np.ndarray


def translation_experiment(input28: np.ndarray, dy: int = 4) -> TranslationResult:
    """Deprecated (see :class:`TranslationResult`); delete when pages/compare.py moves."""
    x = np.asarray(input28, dtype=np.float32)
    xs = shift_image(x, dy, 0)
    a, b = trace_image28(x), trace_image28(xs)
    maps, maps_s = a["relu1"], b["relu1"]  # (16, 28, 28)
    H = x.shape[0]
    lo, hi = max(dy, 0) + 1, H - 1 + min(dy, 0)  # rows of the shifted map with a full source
    a_part = maps_s[:, lo:hi]
    b_part = maps[:, lo - dy : hi - dy]
    err = float(np.linalg.norm(a_part - b_part) / max(np.linalg.norm(a_part), 1e-9))
    model = load_model("row_gru")
    with torch.inference_mode():
        ra = model.trace(image_tensor(x))
        rb = model.trace(image_tensor(xs))
    h, hs = ra["hidden"][0].numpy(), rb["hidden"][0].numpy()  # (28, 64)
    sp, sps = softmax(ra["step_logits"][0].numpy()), softmax(rb["step_logits"][0].numpy())
    n = 28 - abs(dy)
    if dy >= 0:
        h_a, h_b = h[:n], hs[dy : dy + n]
    else:
        h_a, h_b = h[-dy : -dy + n], hs[:n]
    change = np.linalg.norm(h_b - h_a, axis=1) / np.maximum(np.linalg.norm(h_a, axis=1), 1e-9)
    return TranslationResult(
        dy=dy,
        original=x,
        shifted=xs,
        cnn_maps=maps,
        cnn_maps_shifted=maps_s,
        cnn_equivariance_error=err,
        cnn_probs=softmax(a["logits"]),
        cnn_probs_shifted=softmax(b["logits"]),
        rnn_hidden=h,
        rnn_hidden_shifted=hs,
        rnn_step_probs=sp,
        rnn_step_probs_shifted=sps,
        rnn_hidden_change=float(change.mean()) if n else 0.0,
        rnn_probs=sp[-1],
        rnn_probs_shifted=sps[-1],
    )


# ----------------------------------------------------------------------------- contrast pairs
#
# Minimal pairs: the two sentences of a pair differ by ONE contiguous edit of the token
# sequence (nets.analyze.encode), and each sentence carries the label a careful reader gives
# it, written by hand. Categories: negation (a negation word added), contrast (the 转折 clause
# "but …" swapped for an "and …" clause), long (the deciding phrase at the start of a long
# review, far from the end; the edit is that phrase only). The ids are those of the page's
# strings (compare.pair.<id>).

_FILLER_ZH = (
    "酒店在市中心，离地铁站步行大约十分钟，周边有很多餐馆和商店。前台在一楼，电梯有两部，"
    "早餐在二楼提供，房间在十二楼，窗外能看到一条街道，房间里有一张桌子和一把椅子。"
)
_FILLER_EN = (
    "the hotel is in the city centre about ten minutes on foot from the station and there are "
    "many stores and restaurants nearby . the front desk is on the ground floor , breakfast is "
    "served on the second floor and our room was on the top floor with a view of the street ."
)

CONTRAST_KINDS = ("negation", "contrast", "long")
CONTRAST_PAIRS: tuple[dict, ...] = (
    {
        "id": "negation_zh",
        "kind": "negation",
        "lang": "zh",
        "a": "这家酒店的房间很干净",
        "b": "这家酒店的房间很不干净",
        "expected": {"a": "positive", "b": "negative"},
    },
    {
        "id": "negation_en",
        "kind": "negation",
        "lang": "en",
        "a": "the service was good",
        "b": "the service was not good",
        "expected": {"a": "positive", "b": "negative"},
    },
    {
        "id": "although_zh",
        "kind": "contrast",
        "lang": "zh",
        "a": "价格有点贵，但是物有所值",
        "b": "价格有点贵，而且质量很差",
        "expected": {"a": "positive", "b": "negative"},
    },
    {
        "id": "although_en",
        "kind": "contrast",
        "lang": "en",
        "a": "the room was small but the staff made up for it",
        "b": "the room was small and nobody cared",
        "expected": {"a": "positive", "b": "negative"},
    },
    {
        "id": "long_zh",
        "kind": "long",
        "lang": "zh",
        "a": "非常满意。" + _FILLER_ZH,
        "b": "非常失望。" + _FILLER_ZH,
        "expected": {"a": "positive", "b": "negative"},
    },
    {
        "id": "long_en",
        "kind": "long",
        "lang": "en",
        "a": "wonderful stay . " + _FILLER_EN,
        "b": "terrible stay . " + _FILLER_EN,
        "expected": {"a": "positive", "b": "negative"},
    },
)


@dataclass(frozen=True)
class Edit:
    """How sentence b is made from sentence a: one contiguous edit of the token sequence.

    Attributes:
        start: index of the first token that differs (the same in both sequences).
        removed: a's tokens at ``start`` that b does not have (empty for an insertion).
        inserted: b's tokens put in their place (empty for a deletion).
    """

    start: int
    removed: tuple[str, ...]
    inserted: tuple[str, ...]


def token_edit(a: list[str], b: list[str]) -> Edit:
    """The one contiguous edit turning token list ``a`` into ``b``: everything between their
    longest common prefix and their longest common suffix (the suffix never overlaps the
    prefix). Identical lists give an empty edit at ``len(a)``."""
    n = min(len(a), len(b))
    p = 0
    while p < n and a[p] == b[p]:
        p += 1
    s = 0
    while s < n - p and a[len(a) - 1 - s] == b[len(b) - 1 - s]:
        s += 1
    return Edit(p, tuple(a[p : len(a) - s]), tuple(b[p : len(b) - s]))


def contrast_edit(pair: dict) -> Edit:
    """The edit between a contrast pair's two sentences, on the tokens the models read
    (``nets.analyze.encode``)."""
    return token_edit(encode(pair["a"]).tokens, encode(pair["b"]).tokens)


def contrast_results(pairs: tuple[dict, ...] = CONTRAST_PAIRS) -> list[dict]:
    """Both text models on every sentence of every pair, against the hand-written label.

    Returns:
        One dict per sentence, in pair order (a then b): ``id``, ``kind``, ``lang``, ``side``
        ("a"/"b"), ``text``, ``expected`` ("positive"/"negative"), ``cnn`` and ``rnn``
        (P(positive) of the TextCNN and of the GRU), ``cnn_label``/``rnn_label`` (their
        verdicts) and ``cnn_ok``/``rnn_ok`` (verdict == expected, the ✓/✗).
    """
    from .analyze import analyze_text, analyze_text_cnn

    out = []
    for pair in pairs:
        for side in ("a", "b"):
            text = pair[side]
            cnn, rnn = analyze_text_cnn(text), analyze_text(text)
            row = {
                "id": pair["id"],
                "kind": pair["kind"],
                "lang": pair["lang"],
                "side": side,
                "text": text,
                "expected": pair["expected"][side],
                "cnn": cnn.prob_positive,
                "rnn": rnn.prob_positive,
                "cnn_label": cnn.label,
                "rnn_label": rnn.label,
            }
            row["cnn_ok"] = row["cnn_label"] == row["expected"]
            row["rnn_ok"] = row["rnn_label"] == row["expected"]
            out.append(row)
    return out


__all__ = [
    "CLAIMS",
    "CONTRAST_KINDS",
    "CONTRAST_PAIRS",
    "Cost",
    "Edit",
    "Equivariance",
    "LengthAccuracy",
    "ShiftAccuracy",
    "ShiftedPrediction",
    "Timing",
    "TrainingSpeed",
    "TranslationResult",
    "Verdict",
    "accuracy_by_length",
    "contrast_edit",
    "contrast_results",
    "conv_equivariance",
    "load_shift_accuracy",
    "measure_cost",
    "read_metrics",
    "shifted_predictions",
    "time_model",
    "token_edit",
    "training_speed",
    "translation_experiment",
    "verdict_latency",
    "verdict_long_text",
    "verdict_resource_use",
    "verdict_training_speed",
]


def project_row_hidden(hidden: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The row GRU's hidden states in the committed PCA basis (``assets/projections/row_gru.npz``).

    Args:
        hidden: (T, 64) hidden states.

    Returns:
        (T, 3) projected states, (N, 3) reference final states of held-out digits, (N,) labels.
    """
    from .registry import load_npz

    p = load_npz("projections/row_gru.npz")
    pts = (np.asarray(hidden, np.float32) - p["mean"]) @ p["components"].T  # (T, 3)
    return pts, p["bg_points"], p["bg_labels"]
