"""nets/contrast.py and assets/minimal_pairs.json: every pair is a true minimal pair — one
contiguous edit of the token sequence, of the kind its category names — every sentence has a
hand-written expected label, ≥ 60 pairs per language; ✓/✗ is the models' verdict against it,
computed in one batch with the same numbers as the per-sentence analyses."""

from __future__ import annotations

import difflib

import pytest

import nets
from nets import contrast

NEGATIONS = {"不", "没", "别", "无", "not", "never", "no", "nothing"}


def tokens(text: str) -> list[str]:
    return nets.encode(text).tokens


@pytest.mark.parametrize("pair", contrast.CONTRAST_PAIRS, ids=lambda p: p["id"])
def test_each_pair_is_one_contiguous_edit(pair):
    a, b = tokens(pair["a"]), tokens(pair["b"])
    # difflib's alignment (an independent reference) finds exactly one changed block ...
    ops = difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes()
    changed = [op for op in ops if op[0] != "equal"]
    assert len(changed) == 1, changed
    tag, i1, i2, j1, j2 = changed[0]
    # ... and it is the edit contrast_edit reports
    e = contrast.contrast_edit(pair)
    assert (e.start, e.removed, e.inserted) == (i1, tuple(a[i1:i2]), tuple(b[j1:j2]))
    assert a[: e.start] + list(e.inserted) + a[e.start + len(e.removed) :] == b
    assert "<unk>" not in e.removed + e.inserted
    assert e.start > 0 or e.start + len(e.removed) < len(a)  # some context is shared
    edit = set(e.inserted) | set(e.removed)
    cat = pair["category"]
    if cat == "negation":  # a negation word added, or a word made its negation
        assert edit & NEGATIONS, e
        assert len(e.inserted) <= 3 and len(e.removed) <= 2
    if cat == "contrast":  # a 转折 sentence: its clauses swapped, or its "but …" clause replaced
        both = tokens(pair["a"]) + tokens(pair["b"])
        assert set(both) & {"但", "可", "不", "然", "but", "although"}, pair
    if cat == "double_negation":  # a negated negative against a single negation
        assert set(tokens(pair["a"])) & NEGATIONS | {"nothing", "无"}
        assert len(e.inserted) <= 2 and len(e.removed) <= 2
    if cat in ("intensifier", "keyword"):  # one short word (or two CJK characters) changed
        assert len(e.inserted) <= 2 and len(e.removed) <= 2
    if cat == "intensifier":  # the label does not change
        assert pair["expected"]["a"] == pair["expected"]["b"]
    if cat == "long":  # the edit is the deciding phrase, far from the end
        assert len(e.removed) <= 2 and len(e.inserted) <= 2
        assert len(a) >= 40 and e.start + len(e.removed) <= len(a) // 10


def test_every_sentence_has_an_expected_label_and_both_languages_and_categories():
    seen: dict = {}
    for pair in contrast.CONTRAST_PAIRS:
        assert set(pair["expected"]) == {"a", "b"}
        assert set(pair["expected"].values()) <= {"positive", "negative"}
        if pair["category"] != "intensifier":
            assert pair["expected"]["a"] != pair["expected"]["b"]  # the edit flips the meaning
        assert pair["category"] in contrast.CATEGORIES
        seen[(pair["category"], pair["lang"])] = seen.get((pair["category"], pair["lang"]), 0) + 1
        is_zh = any("\u4e00" <= ch <= "\u9fff" for ch in pair["a"] + pair["b"])
        assert is_zh == (pair["lang"] == "zh")
    assert set(seen) == {(k, lg) for k in contrast.CATEGORIES for lg in ("zh", "en")}
    for lang in ("zh", "en"):
        assert sum(n for (_, lg), n in seen.items() if lg == lang) >= 60
        for cat in contrast.CATEGORIES:
            if cat != "long":
                assert seen[(cat, lang)] >= 12, (cat, lang)
    ids = [p["id"] for p in contrast.CONTRAST_PAIRS]
    assert len(set(ids)) == len(ids)
    assert {"negation_zh", "contrast_zh", "long_en"} <= set(ids)  # the ids the pages name


def test_token_edit_cases():
    e = contrast.token_edit(list("abc"), list("abxc"))
    assert (e.start, e.removed, e.inserted) == (2, (), ("x",))
    e = contrast.token_edit(list("aXYb"), list("aZb"))
    assert (e.start, e.removed, e.inserted) == (1, ("X", "Y"), ("Z",))
    e = contrast.token_edit(list("aa"), list("aaa"))  # suffix never overlaps the prefix
    assert (e.start, e.removed, e.inserted) == (2, (), ("a",))
    e = contrast.token_edit(list("ab"), list("ab"))
    assert (e.start, e.removed, e.inserted) == (2, (), ())


def test_contrast_results_are_the_models_verdicts_against_the_expected_label():
    rows = contrast.contrast_results()
    assert len(rows) == 2 * len(contrast.CONTRAST_PAIRS)
    for row, (pair, side) in zip(
        rows, [(p, s) for p in contrast.CONTRAST_PAIRS for s in "ab"], strict=True
    ):
        assert (row["id"], row["side"], row["text"]) == (pair["id"], side, pair[side])
        assert row["expected"] == pair["expected"][side]
        assert row["cnn_ok"] == ((row["cnn"] > 0.5) == (row["expected"] == "positive"))
        assert row["rnn_ok"] == ((row["rnn"] > 0.5) == (row["expected"] == "positive"))
    for row in rows[::9]:  # the batch gives the per-sentence analyses' numbers
        cnn, gru = nets.analyze_text_cnn(row["text"]), nets.analyze_text(row["text"])
        assert row["cnn"] == pytest.approx(cnn.prob_positive, abs=1e-5)
        assert row["rnn"] == pytest.approx(gru.prob_positive, abs=1e-5)
        assert row["cnn_label"] == cnn.label and row["rnn_label"] == gru.label


def test_contrast_pairs_are_readable():
    for p in contrast.CONTRAST_PAIRS:
        for side in ("a", "b"):
            assert nets.encode(p[side]).token_ids
    longs = [p for p in contrast.CONTRAST_PAIRS if p["category"] == "long"]
    assert longs and all(len(nets.encode(p["a"]).token_ids) >= 40 for p in longs)
