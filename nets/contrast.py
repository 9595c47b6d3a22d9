"""Minimal pairs of sentences, each pair one edit apart, with hand-written labels.

The set lives in ``assets/minimal_pairs.json`` (written by hand for this app; the side-by-side
page's contrast view and the claims lab read the same set). The two sentences of a pair differ
by ONE contiguous edit of the token sequence (nets.analyze.encode), and each sentence carries
the label a careful reader gives it. Categories: ``negation`` (不/没/别/not/never), ``contrast``
(转折: 虽然…但是 / but / although; the clause after the conjunction decides), ``double_negation``
(a negated negative: 没有不满意 / not bad), ``intensifier`` (非常 / very: the label does not
change), ``keyword`` (only the sentiment word changes) and ``long`` (the deciding phrase at the
start of a long review, far from the end).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .analyze import encode
from .paths import ASSETS

PAIRS_FILE = ASSETS / "minimal_pairs.json"


@lru_cache(maxsize=1)
def load_pairs() -> dict:
    """The minimal-pair file: ``about`` (zh/en), ``categories`` and ``pairs``."""
    return json.loads(PAIRS_FILE.read_text(encoding="utf-8"))


CATEGORIES: tuple[str, ...] = tuple(load_pairs()["categories"])
CONTRAST_PAIRS: tuple[dict, ...] = tuple(load_pairs()["pairs"])
PAIR_BY_ID = {p["id"]: p for p in CONTRAST_PAIRS}


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


def batch_probs(texts: list[str], name: str) -> np.ndarray:
    """P(positive) of the app's ``text_gru`` or ``text_cnn`` for each sentence, in one padded
    batch (the same numbers as ``analyze_text``/``analyze_text_cnn``, up to float rounding).

    Raises:
        InputError: a sentence cannot be read.
    """
    import torch

    from .registry import load_model
    from .train import pad_batch

    model = load_model(name)
    seqs = [encode(t).token_ids for t in texts]
    ids, lengths = pad_batch(seqs, getattr(model, "min_len", 1))
    with torch.inference_mode():
        if name == "text_cnn":
            logits = model(ids, lengths)
        else:
            logits = model(ids, torch.arange(ids.shape[1])[None, :] < lengths[:, None])
    return torch.softmax(logits, -1)[:, 1].numpy().astype(np.float64)


def contrast_results(pairs: tuple[dict, ...] = CONTRAST_PAIRS) -> list[dict]:
    """Both text models on every sentence of every pair, against the hand-written label.

    Returns:
        One dict per sentence, in pair order (a then b): ``id``, ``category``, ``lang``,
        ``side`` ("a"/"b"), ``text``, ``expected`` ("positive"/"negative"), ``cnn`` and ``rnn``
        (P(positive) of the TextCNN and of the GRU), ``cnn_label``/``rnn_label`` (their
        verdicts: positive when P > 0.5) and ``cnn_ok``/``rnn_ok`` (verdict == expected).
    """
    rows = [(p, side) for p in pairs for side in ("a", "b")]
    texts = [p[side] for p, side in rows]
    p_cnn, p_rnn = batch_probs(texts, "text_cnn"), batch_probs(texts, "text_gru")
    out = []
    for (pair, side), text, pc, pr in zip(rows, texts, p_cnn, p_rnn, strict=True):
        row = {
            "id": pair["id"],
            "category": pair["category"],
            "lang": pair["lang"],
            "side": side,
            "text": text,
            "expected": pair["expected"][side],
            "cnn": float(pc),
            "rnn": float(pr),
            "cnn_label": "positive" if pc > 0.5 else "negative",
            "rnn_label": "positive" if pr > 0.5 else "negative",
        }
        row["cnn_ok"] = row["cnn_label"] == row["expected"]
        row["rnn_ok"] = row["rnn_label"] == row["expected"]
        out.append(row)
    return out
