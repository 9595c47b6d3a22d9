"""Load the committed models once per process, in eval mode, never mutated."""

from __future__ import annotations

import threading
from functools import cache, lru_cache, wraps
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn

from .models import from_checkpoint
from .paths import ASSETS, MODELS
from .text import Vocab

# Re-entrant, because load_model/load_vocab take it and then call _checkpoint, which takes it
# again. Every cached loader runs under it, so concurrent first calls (several sessions
# opening at once) build each model exactly once and all receive the same object.
_lock = threading.RLock()


def _locked(fn):
    """Serialise calls to a cached loader (a hit costs one uncontended lock, about 0.1 µs)."""

    @wraps(fn)
    def wrapper(*args):
        with _lock:
            return fn(*args)

    wrapper.cache_clear = fn.cache_clear
    wrapper.cache_info = fn.cache_info
    return wrapper


# One intra-op thread per call: these models are tiny, and with several sessions at once on
# 2 cores, 2 threads per call measured 6–13× slower than 1 (bench/latency.py under load).
torch.set_num_threads(1)


def _read(path: Path) -> dict:
    with torch.inference_mode(False):  # see load_model
        return torch.load(path, map_location="cpu", weights_only=True)


@_locked
@cache
def _checkpoint(name: str) -> dict:
    return _read(MODELS / f"{name}.pt")


@_locked
@cache
def load_model(name: str) -> nn.Module:
    """The trained model ``name`` (image_cnn, row_gru, text_gru, text_cnn), shared, eval mode.

    Built outside inference mode even when the first call comes from inside a
    ``torch.inference_mode()`` block: parameters created there would be inference tensors,
    and every later gradient through the shared model (attributions) would fail.
    """
    with torch.inference_mode(False):
        return from_checkpoint(_checkpoint(name))


@_locked
@lru_cache(maxsize=4)
def _vocab(name: str) -> Vocab:
    return Vocab(_checkpoint(name)["vocab"])


def load_vocab(name: str = "text_gru") -> Vocab:
    """The vocabulary stored with model ``name`` (built from the training split).

    The default, ``text_gru``'s, is shared by both text models and every family member that
    reads Chinese by characters; the by-words members share ``text_gru_word``'s
    (``nets.family.vocab_source``). One object per vocabulary, however it is asked for.
    """
    return _vocab(name)


load_vocab.cache_clear = _vocab.cache_clear
load_vocab.cache_info = _vocab.cache_info


def checkpoint_extras(name: str) -> dict:
    """Derived tensors stored beside a model's weights (e.g. the image OOD statistics)."""
    return _checkpoint(name).get("extras", {})


@_locked
@cache
def load_npz(relpath: str) -> dict[str, np.ndarray]:
    """A derived array file from ``assets/`` (projections, sample galleries), read once."""
    with np.load(ASSETS / relpath, allow_pickle=False) as f:
        return {k: f[k] for k in f.files}
