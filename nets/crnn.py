"""CRNN: a CNN reads a strip of handwriting column by column, a bidirectional GRU reads the columns.

The model (``kind="crnn"``)::

    strip (1, 28, W)
      → conv 3×3 (1→32) → BN → ReLU → max-pool 2×2            (32, 14, W/2)
      → conv 3×3 (32→64) → BN → ReLU → max-pool 2×2           (64, 7, W/4)
      → conv 3×3 (64→96) → BN → ReLU                          (96, 7, W/4)
      → each column flattened (672) → Linear(672→128) → ReLU   column features c_t, T = W/4
      → bidirectional GRU(128→96 each way)                 h→_t reads columns 1..t,
                                                           h←_t reads columns T..t
      → Linear(192→11) on [h→_t ; h←_t]                     scores of 0–9 and blank per column

BN is batch normalisation (a fixed per-channel scale and shift once trained; ``conv1``… in the
trace are after it). Each direction is PyTorch's GRU (see ``nets/gru.py`` for the equations; the backward direction
runs the same equations over the reversed columns with its own weights), so
:func:`bigru_unroll` re-computes both directions step by step and must equal ``nn.GRU``.

Training uses the CTC loss (``torch.nn.CTCLoss``, blank = symbol 10): it sums the probability of
every alignment of the columns to the digits. Reading is greedy: the best symbol per column,
repeats merged, blanks dropped (:func:`greedy_decode`).

Two ablations with the same pieces, trained the same way:

- ``kind="cnn_only"``: the same CNN and column features, then a per-column linear head
  (Linear(128→11)): no recurrence, each column decides from its receptive field alone.
- ``kind="rnn_only"``: no convolution: the same bidirectional GRU reads the raw pixels, 4
  columns (4 × 28 = 112 values) per step, so it takes as many steps as the CRNN.
"""

from __future__ import annotations

import types
from dataclasses import asdict, dataclass

import numpy as np
import torch
import torch.nn as nn

from .gru import GRUSteps, unroll

BLANK = 10  # CTC's "no digit here" symbol: classes 0–9 are the digits themselves
SYMBOLS = tuple("0123456789") + ("–",)  # how the 11 classes are written (blank as a dash)
KINDS = ("crnn", "cnn_only", "rnn_only")


@dataclass
class CRNNConfig:
    kind: str = "crnn"  # "crnn" | "cnn_only" | "rnn_only"
    height: int = 28
    c1: int = 32
    c2: int = 64
    c3: int = 96
    feat: int = 128  # column feature size
    hidden: int = 96  # GRU state size per direction
    num_classes: int = 11  # 0–9 and blank
    stride: int = 4  # input pixel columns per time step


class CRNN(nn.Module):
    """A strip → per-column scores over 0–9 and blank (see the module docstring)."""

    LAYERS = ("conv1", "relu1", "pool1", "conv2", "relu2", "pool2", "conv3", "relu3")

    def __init__(self, cfg: CRNNConfig):
        super().__init__()
        if cfg.kind not in KINDS:
            raise ValueError(f"unknown CRNN kind {cfg.kind!r}")
        self.cfg = cfg
        if cfg.kind != "rnn_only":
            self.conv1 = nn.Conv2d(1, cfg.c1, 3, padding=1)
            self.bn1 = nn.BatchNorm2d(cfg.c1)
            self.conv2 = nn.Conv2d(cfg.c1, cfg.c2, 3, padding=1)
            self.bn2 = nn.BatchNorm2d(cfg.c2)
            self.conv3 = nn.Conv2d(cfg.c2, cfg.c3, 3, padding=1)
            self.bn3 = nn.BatchNorm2d(cfg.c3)
            self.pool = nn.MaxPool2d(2, 2)
            self.proj = nn.Linear(cfg.c3 * (cfg.height // 4), cfg.feat)
        if cfg.kind != "cnn_only":
            size = cfg.feat if cfg.kind == "crnn" else cfg.height * cfg.stride
            self.gru = nn.GRU(size, cfg.hidden, batch_first=True, bidirectional=True)
            self.head = nn.Linear(2 * cfg.hidden, cfg.num_classes)
        else:
            self.head = nn.Linear(cfg.feat, cfg.num_classes)

    def trace(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> dict:
        """Every layer's output. x: (B, 1, 28, W), W a multiple of 4.

        Args:
            x: a batch of strips, right-padded with zeros to the longest.
            lengths: columns (time steps) of each strip, default all ``W/4``; with it, the GRU
                reads each strip only up to its own end (packed sequences).

        Returns:
            dict with the CNN layers (``LAYERS``; not for ``rnn_only``), ``columns`` (B, T, F)
            the GRU's input per step, ``fwd`` / ``bwd`` (B, T, H) the two directions' states
            (not for ``cnn_only``), ``logits`` and ``log_probs`` (B, T, 11).
        """
        cfg, out = self.cfg, {}
        B, _, H, W = x.shape
        T = W // cfg.stride
        if cfg.kind == "rnn_only":
            cols = x[:, 0, :, : T * cfg.stride].reshape(B, H, T, cfg.stride)  # (B, 28, T, 4)
            out["columns"] = cols.permute(0, 2, 3, 1).reshape(B, T, cfg.stride * H)  # (B, T, 112)
        else:
            out["conv1"] = self.bn1(self.conv1(x))  # (B, 32, 28, W)
            out["relu1"] = self._mask(torch.relu(out["conv1"]), lengths, 4)
            out["pool1"] = self.pool(out["relu1"])  # (B, 32, 14, W/2)
            out["conv2"] = self.bn2(self.conv2(out["pool1"]))  # (B, 64, 14, W/2)
            out["relu2"] = self._mask(torch.relu(out["conv2"]), lengths, 2)
            out["pool2"] = self.pool(out["relu2"])  # (B, 64, 7, W/4)
            out["conv3"] = self.bn3(self.conv3(out["pool2"]))  # (B, 96, 7, W/4)
            out["relu3"] = self._mask(torch.relu(out["conv3"]), lengths, 1)
            flat = out["relu3"].permute(0, 3, 1, 2).flatten(2)  # (B, T, 672): one per column
            out["columns"] = torch.relu(self.proj(flat))  # (B, T, 128)
        if cfg.kind == "cnn_only":
            out["logits"] = self.head(out["columns"])  # (B, T, 11)
        else:
            states = self._bigru(out["columns"], lengths)  # (B, T, 2H)
            out["fwd"], out["bwd"] = states[..., : cfg.hidden], states[..., cfg.hidden :]
            out["logits"] = self.head(states)  # (B, T, 11)
        out["log_probs"] = torch.log_softmax(out["logits"], -1)
        return out

    @staticmethod
    def _mask(a: torch.Tensor, lengths: torch.Tensor | None, per_column: int) -> torch.Tensor:
        """Zero a padded batch's activations past each strip's own end, so the next layer sees
        there what a strip alone sees (its convolution's zero padding): a strip reads the same
        alone or in a batch."""
        if lengths is None:
            return a
        pos = torch.arange(a.shape[-1], device=a.device)
        keep = pos[None, :] < (lengths * per_column)[:, None]  # (B, w)
        return a * keep[:, None, None, :]

    def _bigru(self, cols: torch.Tensor, lengths: torch.Tensor | None) -> torch.Tensor:
        if lengths is None:
            return self.gru(cols)[0]
        packed = nn.utils.rnn.pack_padded_sequence(
            cols, lengths.cpu(), batch_first=True, enforce_sorted=False
        )
        states, _ = self.gru(packed)
        return nn.utils.rnn.pad_packed_sequence(
            states, batch_first=True, total_length=cols.shape[1]
        )[0]

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        """Per-column log-probabilities (B, T, 11)."""
        return self.trace(x, lengths)["log_probs"]


def receptive_field(cfg: CRNNConfig, t: int) -> tuple[int, int]:
    """Input pixel columns [lo, hi) that column ``t``'s features depend on (before clipping).

    For the CRNN and the CNN-only model: three 3×3 convolutions and two 2-wide poolings give a
    window of 18 px moving 4 px per step; for the RNN-only model, step t reads columns 4t..4t+3
    (but its GRU state depends on every column it has read).
    """
    if cfg.kind == "rnn_only":
        return cfg.stride * t, cfg.stride * (t + 1)
    # conv1 (k3) → pool (2) → conv2 (k3) → pool (2) → conv3 (k3): size 18, jump 4, start −7
    return 4 * t - 7, 4 * t + 11


def bigru_unroll(gru: nn.GRU, x: torch.Tensor) -> tuple[GRUSteps, GRUSteps]:
    """Both directions of a one-layer bidirectional GRU, step by step (checked against ``nn.GRU``).

    Args:
        gru: the trained bidirectional module.
        x: inputs (T, I) of one sequence.

    Returns:
        (forward, backward) steps; the backward states are in column order (index t holds the
        state after reading columns T..t).
    """
    reverse = types.SimpleNamespace(
        hidden_size=gru.hidden_size,
        weight_ih_l0=gru.weight_ih_l0_reverse,
        weight_hh_l0=gru.weight_hh_l0_reverse,
        bias_ih_l0=gru.bias_ih_l0_reverse,
        bias_hh_l0=gru.bias_hh_l0_reverse,
    )
    fwd = unroll(gru, x)
    back = unroll(reverse, torch.flip(x, [0]))
    flip = {k: v[::-1].copy() for k, v in back.__dict__.items()}
    return fwd, GRUSteps(**flip)


# ----------------------------------------------------------------------------- CTC decoding


@dataclass
class CTCSteps:
    """Greedy CTC decoding, one stage at a time.

    Attributes:
        best: (T,) the best symbol of each column (10 = blank).
        runs: ``(symbol, first column, last column)`` after merging repeated neighbours.
        kept: the runs that are not blank, in order.
        text: the digits read.
    """

    best: np.ndarray
    runs: list[tuple[int, int, int]]
    kept: list[tuple[int, int, int]]
    text: str


def greedy_decode(scores: np.ndarray, blank: int = BLANK) -> CTCSteps:
    """Read a per-column score matrix greedily: best symbol per column → merge repeats → drop blanks.

    Args:
        scores: (T, C) probabilities, log-probabilities or logits (only the argmax is used).
        blank: the blank symbol's index.

    Returns:
        The stages (see :class:`CTCSteps`); ``text`` is ``""`` when every column is blank.
    """
    scores = np.asarray(scores)
    best = scores.argmax(-1).astype(np.int64) if scores.size else np.zeros(0, np.int64)
    runs: list[tuple[int, int, int]] = []
    for t, s in enumerate(best.tolist()):
        if runs and runs[-1][0] == s:
            runs[-1] = (s, runs[-1][1], t)
        else:
            runs.append((s, t, t))
    kept = [r for r in runs if r[0] != blank]
    return CTCSteps(best, runs, kept, "".join(str(s) for s, _, _ in kept))


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (insertions, deletions, substitutions)."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


# ----------------------------------------------------------------------------- checkpoints


def checkpoint(name: str, model: CRNN) -> dict:
    """A weights-only-loadable checkpoint (like ``nets.models.checkpoint``)."""
    return {"name": name, "config": asdict(model.cfg), "state_dict": model.state_dict()}


def from_checkpoint(ck: dict) -> CRNN:
    """Rebuild a CRNN in eval mode, parameters frozen."""
    model = CRNN(CRNNConfig(**ck["config"]))
    model.load_state_dict(ck["state_dict"])
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    return model
