"""Contrast pairs: minimal pairs of sentences, each pair one edit apart, with hand-written labels.

Minimal pairs: the two sentences of a pair differ by ONE contiguous edit of the token
sequence (nets.analyze.encode), and each sentence carries the label a careful reader gives
it, written by hand. Categories: negation (a negation word added), contrast (the 转折 clause
"but …" swapped for an "and …" clause), long (the deciding phrase at the start of a long
review, far from the end; the edit is that phrase only). The ids are those of the page's
strings (compare.pair.<id>).
"""

from __future__ import annotations

from dataclasses import dataclass

from .analyze import encode

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
        "id": "contrast_zh",
        "kind": "contrast",
        "lang": "zh",
        "a": "价格有点贵，但是物有所值",
        "b": "价格有点贵，而且质量很差",
        "expected": {"a": "positive", "b": "negative"},
    },
    {
        "id": "contrast_en",
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
