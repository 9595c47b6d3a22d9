"""Load the committed models once per process, in eval mode, never mutated."""

from __future__ import annotations

import threading
from functools import cache, lru_cache
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn

from .models import from_checkpoint
from .paths import ASSETS, MODELS
from .text import Vocab

_lock = threading.Lock()

# Two cores here; more threads only add contention between concurrent sessions.
torch.set_num_threads(min(2, torch.get_num_threads()))


def _read(path: Path) -> dict:
    return torch.load(path, map_location="cpu", weights_only=True)


@cache
def _checkpoint(name: str) -> dict:
    with _lock:
        return _read(MODELS / f"{name}.pt")


@cache
def load_model(name: str) -> nn.Module:
    """The trained model ``name`` (image_cnn, row_gru, text_gru, text_cnn), shared, eval mode."""
    return from_checkpoint(_checkpoint(name))


@lru_cache(maxsize=1)
def load_vocab() -> Vocab:
    """The bilingual vocabulary shared by both text models (built from the training split)."""
    return Vocab(_checkpoint("text_gru")["vocab"])


def checkpoint_extras(name: str) -> dict:
    """Derived tensors stored beside a model's weights (e.g. the image OOD statistics)."""
    return _checkpoint(name).get("extras", {})


@cache
def load_npz(relpath: str) -> dict[str, np.ndarray]:
    """A derived array file from ``assets/`` (projections, sample galleries), read once."""
    with np.load(ASSETS / relpath, allow_pickle=False) as f:
        return {k: f[k] for k in f.files}
