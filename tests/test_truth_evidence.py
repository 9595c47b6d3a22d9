"""Contrast pairs and translation (issue 10, items 4 and 7), checked by computation.

- every contrast pair is a true minimal pair: one contiguous edit of the token sequence, and
  every sentence has a hand-written expected label; ✓/✗ is the models' verdict against it;
- conv maps shift exactly with the input away from the border (equivariance);
- the shipped accuracy-under-shift curves reproduce: 0 px is the models' held-out accuracy,
  and one point re-computed here equals the shipped number.
"""

from __future__ import annotations

import difflib
import json

import numpy as np
import pytest
import torch

import nets
from nets import evidence
from nets.cnn_explain import shift_image
from nets.paths import METRICS
from nets.registry import load_model, load_npz

# ----------------------------------------------------------------------------- item 4


def tokens(text: str) -> list[str]:
    return nets.encode(text).tokens


@pytest.mark.parametrize("pair", evidence.CONTRAST_PAIRS, ids=lambda p: p["id"])
def test_each_pair_is_one_contiguous_edit(pair):
    a, b = tokens(pair["a"]), tokens(pair["b"])
    # difflib's alignment (an independent reference) finds exactly one changed block ...
    ops = difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes()
    changed = [op for op in ops if op[0] != "equal"]
    assert len(changed) == 1, changed
    tag, i1, i2, j1, j2 = changed[0]
    # ... and it is the edit contrast_edit reports
    e = evidence.contrast_edit(pair)
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
    for pair in evidence.CONTRAST_PAIRS:
        assert set(pair["expected"]) == {"a", "b"}
        assert set(pair["expected"].values()) <= {"positive", "negative"}
        assert pair["expected"]["a"] != pair["expected"]["b"]  # the edit flips the meaning
        assert pair["kind"] in evidence.CONTRAST_KINDS
        seen.add((pair["kind"], pair["lang"]))
        is_zh = any("\u4e00" <= ch <= "\u9fff" for ch in pair["a"] + pair["b"])
        assert is_zh == (pair["lang"] == "zh")
    assert seen == {(k, lg) for k in evidence.CONTRAST_KINDS for lg in ("zh", "en")}


def test_token_edit_cases():
    e = evidence.token_edit(list("abc"), list("abxc"))
    assert (e.start, e.removed, e.inserted) == (2, (), ("x",))
    e = evidence.token_edit(list("aXYb"), list("aZb"))
    assert (e.start, e.removed, e.inserted) == (1, ("X", "Y"), ("Z",))
    e = evidence.token_edit(list("aa"), list("aaa"))  # suffix never overlaps the prefix
    assert (e.start, e.removed, e.inserted) == (2, (), ("a",))
    e = evidence.token_edit(list("ab"), list("ab"))
    assert (e.start, e.removed, e.inserted) == (2, (), ())


def test_contrast_results_are_the_models_verdicts_against_the_expected_label():
    rows = evidence.contrast_results()
    assert len(rows) == 2 * len(evidence.CONTRAST_PAIRS)
    for row, (pair, side) in zip(
        rows, [(p, s) for p in evidence.CONTRAST_PAIRS for s in "ab"], strict=True
    ):
        assert (row["id"], row["side"], row["text"]) == (pair["id"], side, pair[side])
        assert row["expected"] == pair["expected"][side]
        cnn, gru = nets.analyze_text_cnn(row["text"]), nets.analyze_text(row["text"])
        assert row["cnn"] == pytest.approx(cnn.prob_positive, abs=1e-6)
        assert row["rnn"] == pytest.approx(gru.prob_positive, abs=1e-6)
        assert row["cnn_ok"] == ((cnn.prob_positive > 0.5) == (row["expected"] == "positive"))
        assert row["rnn_ok"] == ((gru.prob_positive > 0.5) == (row["expected"] == "positive"))


# ----------------------------------------------------------------------------- item 7


@pytest.fixture(scope="module")
def digit() -> np.ndarray:
    return nets.analyze_image(load_npz("samples/digits.npz")["images"][3]).input28


def test_one_shift_function_moves_with_zero_fill():
    a = np.arange(16, dtype=np.float32).reshape(4, 4)
    s = shift_image(a, 1, 0)
    assert np.all(s[0] == 0) and np.array_equal(s[1:], a[:3])
    s = shift_image(a, -2, 1)
    assert np.array_equal(s[:2, 1:], a[2:, :3]) and np.all(s[2:] == 0) and np.all(s[:, 0] == 0)
    assert np.array_equal(shift_image(a, 0, 0), a)
    batch = shift_image(np.stack([a, 2 * a]), 0, 2)  # leading axes are kept
    assert np.array_equal(batch[1], shift_image(2 * a, 0, 2))
    assert not hasattr(evidence, "shift_image") or evidence.shift_image is shift_image


@pytest.mark.parametrize("layer", evidence.EQUIVARIANT_LAYERS)
@pytest.mark.parametrize(("dy", "dx"), [(0, 0), (3, 0), (0, -4), (-2, 5), (6, 6)])
def test_conv_maps_shift_exactly_with_the_input(digit, layer, dy, dx):
    e = evidence.conv_equivariance(digit, dy, dx, layer)
    assert e.compared > 0 and e.scale > 0
    assert e.max_abs_diff <= 1e-5 * max(e.scale, 1.0)
    np.testing.assert_allclose(
        e.maps_shifted, nets.trace_image28(shift_image(digit, dy, dx))[layer], atol=1e-6
    )


def test_equivariance_rejects_pooled_layers(digit):
    with pytest.raises(ValueError):
        evidence.conv_equivariance(digit, 1, 0, "pool1")


def test_shifted_predictions_are_the_models_own(digit):
    p = evidence.shifted_predictions(digit, 4, -3)
    x = shift_image(digit, 4, -3)
    assert np.array_equal(p.shifted, x)
    img = torch.from_numpy(x)[None, None]
    with torch.inference_mode():
        pc = torch.softmax(load_model("image_cnn")(img)[0], -1).numpy()
    np.testing.assert_allclose(p.cnn_probs, pc, atol=1e-6)
    np.testing.assert_allclose(p.rnn_probs, nets.analyze_rows(x).probs, atol=1e-5)
    assert (p.cnn_label, p.rnn_label) == (int(pc.argmax()), nets.analyze_rows(x).label)


@pytest.fixture(scope="module")
def curves() -> evidence.ShiftAccuracy:
    c = evidence.load_shift_accuracy()
    assert c is not None, "assets/metrics/shift_accuracy.json missing: python -m nets.train shift"
    return c


def test_shipped_curves_start_from_the_models_held_out_accuracy(curves):
    assert not curves.dry_run and curves.n == 1000
    assert list(curves.shifts) == list(range(-6, 7))
    zero = list(curves.shifts).index(0)
    for name in ("image_cnn", "row_gru"):
        m = json.loads((METRICS / f"{name}.json").read_text(encoding="utf-8"))
        assert m["data"]["test"] == curves.n
        for axis in ("x", "y"):
            acc = curves.accuracy[name][axis]
            assert acc[zero] == pytest.approx(m["test_accuracy"], abs=1e-6)
            np.testing.assert_allclose(acc, curves.correct[name][axis] / curves.n)
    assert "±3 px" in curves.augmentation and "train_shift" in curves.code


def test_one_shipped_point_recomputes(curves):
    """+4 px along x for both models, recomputed here on the 1,000 held-out digits."""
    from nets.data import load_digits

    d = load_digits()
    te = d.split["test"]
    moved = torch.from_numpy(shift_image(d.x[te], 0, 4))[:, None]
    i = list(curves.shifts).index(4)
    for name in ("image_cnn", "row_gru"):
        with torch.inference_mode():
            pred = load_model(name)(moved).argmax(-1).numpy()
        assert int((pred == d.y[te]).sum()) == curves.correct[name]["x"][i]


def test_loader_tolerates_a_missing_file(tmp_path):
    assert evidence.load_shift_accuracy(tmp_path / "none.json") is None
