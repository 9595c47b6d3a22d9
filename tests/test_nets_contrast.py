"""nets/contrast.py: every contrast pair is a true minimal pair — one contiguous edit of the token
sequence — and every sentence has a hand-written expected label; ✓/✗ is the models' verdict
against it."""

from __future__ import annotations

import difflib

import pytest

import nets
from nets import contrast


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
    if pair["kind"] == "negation":  # a negation word added, or one word made its negation
        assert set(e.inserted) & {"不", "没", "not", "never", "no"}
        assert len(e.inserted) <= 2 and len(e.removed) <= 1
    if pair["kind"] == "contrast":  # the 转折 clause "but …" swapped for an "and …" clause
        head = {"zh": 2, "en": 1}[pair["lang"]]  # 但是 / 而且 are two tokens (characters)
        assert "".join(e.removed[:head]) in ("但是", "but")
        assert "".join(e.inserted[:head]) in ("而且", "and")
    if pair["kind"] == "long":  # the edit is the deciding phrase, far from the end
        assert len(e.removed) <= 2 and len(e.inserted) <= 2
        assert len(a) >= 40 and e.start + len(e.removed) <= len(a) // 10


def test_every_sentence_has_an_expected_label_and_both_languages_and_kinds():
    seen = set()
    for pair in contrast.CONTRAST_PAIRS:
        assert set(pair["expected"]) == {"a", "b"}
        assert set(pair["expected"].values()) <= {"positive", "negative"}
        assert pair["expected"]["a"] != pair["expected"]["b"]  # the edit flips the meaning
        assert pair["kind"] in contrast.CONTRAST_KINDS
        seen.add((pair["kind"], pair["lang"]))
        is_zh = any("\u4e00" <= ch <= "\u9fff" for ch in pair["a"] + pair["b"])
        assert is_zh == (pair["lang"] == "zh")
    assert seen == {(k, lg) for k in contrast.CONTRAST_KINDS for lg in ("zh", "en")}


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
        cnn, gru = nets.analyze_text_cnn(row["text"]), nets.analyze_text(row["text"])
        assert row["cnn"] == pytest.approx(cnn.prob_positive, abs=1e-6)
        assert row["rnn"] == pytest.approx(gru.prob_positive, abs=1e-6)
        assert row["cnn_ok"] == ((cnn.prob_positive > 0.5) == (row["expected"] == "positive"))
        assert row["rnn_ok"] == ((gru.prob_positive > 0.5) == (row["expected"] == "positive"))


def test_contrast_pairs_are_readable():
    kinds = {p["kind"] for p in contrast.CONTRAST_PAIRS}
    assert kinds == set(contrast.CONTRAST_KINDS) == {"negation", "contrast", "long"}
    for p in contrast.CONTRAST_PAIRS:
        for side in ("a", "b"):
            assert nets.encode(p[side]).token_ids
    longs = [p for p in contrast.CONTRAST_PAIRS if p["kind"] == "long"]
    assert all(len(nets.encode(p["a"]).token_ids) >= 40 for p in longs)
