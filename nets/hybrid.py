"""The CNN + RNN page's analyses: one trace per (model, input), as numpy arrays.

- :func:`analyze_strip`: a handwritten number through the CRNN (or one of its ablations):
  the strip, the CNN's feature maps, the column features, both GRU directions, the per-column
  probabilities, the greedy path and the number read.
- :func:`analyze_clip`: a clip of a moving digit through the per-frame CNN → GRU (or an
  ablation): the frames, the CNN per frame, the GRU state and the direction after each frame.

Models load once per process (eval mode, never mutated). Nothing here imports Streamlit.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cache

import numpy as np
import torch

from . import crnn as C
from . import motion as Mo
from . import strips as S
from .metrics import read_metrics
from .paths import ASSETS, METRICS, MODELS

CRNN_FILES = {"crnn": "crnn", "cnn_only": "crnn_cnn_only", "rnn_only": "crnn_rnn_only"}
MOTION_FILES = {k: f"motion_{k}" for k in Mo.KINDS}
MAPS_SHOWN = ("relu1", "relu2", "relu3")  # the CNN layers kept in a strip's trace
_lock = threading.Lock()


@cache
def _load(file: str):
    ck = torch.load(MODELS / f"{file}.pt", map_location="cpu", weights_only=True)
    return (C.from_checkpoint if file.startswith("crnn") else Mo.from_checkpoint)(ck)


def load_crnn(kind: str = "crnn") -> C.CRNN:
    """The trained CRNN (``"crnn"``) or an ablation (``"cnn_only"``, ``"rnn_only"``), shared."""
    with _lock:
        return _load(CRNN_FILES[kind])


def load_motion(kind: str = "gru") -> Mo.MotionNet:
    """The trained motion model (``"gru"``) or an ablation (``"one_frame"``, ``"diff"``)."""
    with _lock:
        return _load(MOTION_FILES[kind])


@cache
def metrics(name: str) -> dict:
    """``assets/metrics/<name>.json`` (``"crnn"`` or ``"motion"``), read once per process."""
    m = read_metrics(name)
    if m is None:
        raise FileNotFoundError(METRICS / f"{name}.json")
    return m


@cache
def _npz(name: str) -> dict[str, np.ndarray]:
    with np.load(ASSETS / "samples" / name, allow_pickle=False) as f:
        return {k: f[k] for k in f.files}


def sample_strips() -> tuple[str, ...]:
    """The numbers of the sample strips (held-out test digits), in gallery order."""
    return tuple(str(s) for s in _npz("strips.npz")["labels"])


def sample_strip(i: int) -> np.ndarray:
    """Sample strip ``i`` as a uint8 (28, W) image, white ink on black."""
    f = _npz("strips.npz")
    return f["images"][i, :, : int(f["widths"][i])].copy()


def sample_digits() -> np.ndarray:
    """(10,) the labels of the sample digits for clips (one held-out digit per class)."""
    return _npz("motion_digits.npz")["labels"].copy()


def sample_digit(i: int) -> np.ndarray:
    """Sample digit ``i`` as float32 (28, 28) in [0, 1]."""
    return _npz("motion_digits.npz")["images"][i].astype(np.float32) / 255.0


# ----------------------------------------------------------------------------- strips


@dataclass
class StripAnalysis:
    """One strip through one of the three CRNN models.

    Attributes:
        kind: ``"crnn"``, ``"cnn_only"`` or ``"rnn_only"``.
        pre: the preprocessing (decoded image, ink box, the strip).
        strip: float32 (28, W): what the model reads.
        maps: CNN layer → (C, h, w) after ReLU (``relu1`` (32, 28, W), ``relu2`` (64, 14, W/2),
            ``relu3`` (96, 7, W/4)); empty for ``rnn_only``.
        columns: (T, F) the GRU's (or the head's) input per column, T = W/4.
        fwd, bwd: (T, 96) the forward / backward GRU states (None for ``cnn_only``): fwd[t]
            has read columns 0..t, bwd[t] columns T−1..t.
        logits, probs: (T, 11) per-column scores and their softmax (classes 0–9, 10 = blank).
        steps: the greedy CTC decoding (best path, runs, kept runs, text).
    """

    kind: str
    pre: S.StripInput
    strip: np.ndarray
    maps: dict[str, np.ndarray]
    columns: np.ndarray
    fwd: np.ndarray | None
    bwd: np.ndarray | None
    logits: np.ndarray
    probs: np.ndarray
    steps: C.CTCSteps

    @property
    def text(self) -> str:
        return self.steps.text

    @property
    def best(self) -> np.ndarray:
        return self.steps.best

    @property
    def T(self) -> int:
        return int(self.probs.shape[0])

    def field(self, t: int) -> tuple[int, int]:
        """Pixel columns [lo, hi) of the strip that column ``t`` sees, clipped to the strip."""
        lo, hi = C.receptive_field(load_crnn(self.kind).cfg, t)
        return max(0, lo), min(self.strip.shape[1], hi)


def trace_strip(strip: np.ndarray, kind: str = "crnn") -> dict[str, np.ndarray]:
    """Every layer of one model on a prepared strip (28, W), batch axis removed."""
    model = load_crnn(kind)
    x = torch.from_numpy(np.ascontiguousarray(strip, np.float32))[None, None]
    with torch.inference_mode():
        out = model.trace(x)
    return {k: v[0].numpy() for k, v in out.items()}


def analyze_prepared(pre: S.StripInput, kind: str = "crnn") -> StripAnalysis:
    """:func:`analyze_strip` on an already prepared input (the three models share it)."""
    out = trace_strip(pre.strip, kind)
    logits = out["logits"]
    probs = np.exp(out["log_probs"]).astype(np.float32)
    return StripAnalysis(
        kind=kind,
        pre=pre,
        strip=pre.strip,
        maps={k: out[k] for k in MAPS_SHOWN if k in out},
        columns=out["columns"],
        fwd=out.get("fwd"),
        bwd=out.get("bwd"),
        logits=logits,
        probs=probs,
        steps=C.greedy_decode(logits),
    )


def analyze_strip(data, kind: str = "crnn") -> StripAnalysis:
    """Prepare a handwritten number and trace it through the CRNN or an ablation.

    Args:
        data: upload bytes, or a drawn / sample array (H, W) or (H, W, 3|4).
        kind: ``"crnn"``, ``"cnn_only"`` or ``"rnn_only"``.

    Returns:
        The full trace (:class:`StripAnalysis`).

    Raises:
        InputError: undecodable, no ink, or too wide after scaling to 20 px.
    """
    return analyze_prepared(S.prepare_strip(data), kind)


# ----------------------------------------------------------------------------- clips


@dataclass
class ClipAnalysis:
    """One clip through one of the three motion models.

    Attributes:
        kind: ``"gru"``, ``"one_frame"`` or ``"diff"``.
        clip: (F, 40, 40) the frames.
        inputs: (F', 40, 40) what the CNN looked at (all frames, the middle one, or the
            difference of two).
        maps: ``relu1`` (F', 8, 40, 40) and ``relu2`` (F', 16, 20, 20): the CNN per frame.
        features: (F', 64) the CNN's features per frame (the GRU's input).
        hidden: (F, 64) the GRU state after each frame (None for the ablations).
        step_probs: (F, 5) the direction after each frame (None for the ablations).
        probs: (5,) the final answer; label: its index into ``strips.DIRECTIONS``.
        frames_seen: which frames (0-based) the model looked at.
    """

    kind: str
    clip: np.ndarray
    inputs: np.ndarray
    maps: dict[str, np.ndarray]
    features: np.ndarray
    hidden: np.ndarray | None
    step_probs: np.ndarray | None
    probs: np.ndarray
    label: int
    frames_seen: tuple[int, ...]

    @property
    def direction(self) -> str:
        return S.DIRECTIONS[self.label]


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(-1, keepdims=True))
    return (e / e.sum(-1, keepdims=True)).astype(np.float32)


def make_clip(digit28: np.ndarray, direction: str, seed: int = 0) -> np.ndarray:
    """The page's clip: ``digit28`` moving in ``direction``, jitter seeded by ``seed``."""
    if direction not in S.DIRECTIONS:
        raise ValueError(f"unknown direction {direction!r}")
    return S.make_clip(digit28, direction, np.random.default_rng(seed))


def analyze_clip(clip: np.ndarray, kind: str = "gru") -> ClipAnalysis:
    """Trace a clip (F, 40, 40) through the motion model or an ablation.

    Args:
        clip: float frames in [0, 1], e.g. from :func:`make_clip`.
        kind: ``"gru"``, ``"one_frame"`` or ``"diff"``.

    Returns:
        The full trace (:class:`ClipAnalysis`).
    """
    model = load_motion(kind)
    x = torch.from_numpy(np.ascontiguousarray(clip, np.float32))[None]
    with torch.inference_mode():
        out = {k: v[0].numpy() for k, v in model.trace(x).items()}
    m = model.middle
    seen = {"gru": tuple(range(clip.shape[0])), "one_frame": (m,), "diff": (m, m + 1)}[kind]
    probs = _softmax(out["logits"])
    return ClipAnalysis(
        kind=kind,
        clip=np.asarray(clip, np.float32),
        inputs=out["inputs"],
        maps={"relu1": out["relu1"], "relu2": out["relu2"]},
        features=out["features"],
        hidden=out.get("hidden"),
        step_probs=_softmax(out["step_logits"]) if "step_logits" in out else None,
        probs=probs,
        label=int(probs.argmax()),
        frames_seen=seen,
    )
