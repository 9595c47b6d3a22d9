"""nets/evidence.py: costs from real layer shapes, metrics reading, verdicts, translation."""

from __future__ import annotations

import json

import numpy as np
import pytest

import nets
from nets import evidence
from nets.models import param_count
from nets.paths import METRICS

SENTENCES = [
    "good",
    "the service was not good at all",
    "虽然价格有点贵，但是服务很好，房间也很干净",
]


@pytest.fixture(scope="module")
def digit() -> np.ndarray:
    img = nets.load_model  # noqa: F841  (models load lazily)
    from nets.registry import load_npz

    return nets.analyze_image(load_npz("samples/digits.npz")["images"][3]).input28


@pytest.mark.parametrize("text", SENTENCES)
def test_text_macs_match_layer_shapes(text):
    T = len(nets.encode(text).token_ids)
    cnn = nets.load_model("text_cnn").cfg
    c = evidence.measure_cost("text_cnn", text)
    Tp = max(T, max(cnn.kernel_sizes))
    conv = sum((Tp - k + 1) * cnn.num_filters * cnn.embed_dim * k for k in cnn.kernel_sizes)
    assert c.macs == conv + cnn.num_filters * len(cnn.kernel_sizes) * cnn.num_classes
    assert c.seq_len == T
    g = nets.load_model("text_gru").cfg
    r = evidence.measure_cost("text_gru", text)
    H, E, A = g.hidden, g.embed_dim, g.attn_dim
    gru = T * (3 * H * (E + H) + 3 * H)
    attn = T * H * A + T * A + T * H
    assert r.macs == gru + attn + H * g.num_classes
    for cost, name in ((c, "text_cnn"), (r, "text_gru")):
        model = nets.load_model(name)
        assert cost.params == param_count(model)
        assert cost.params_no_embedding == cost.params - model.embedding.weight.numel()
        assert cost.activation_bytes > 0


def test_image_macs_match_layer_shapes(digit):
    m = nets.load_model("image_cnn").cfg
    c = evidence.measure_cost("image_cnn", digit)
    conv1 = 28 * 28 * m.c1 * 1 * 9
    conv2 = 14 * 14 * m.c2 * m.c1 * 9
    fc = m.c2 * 7 * 7 * m.hidden + m.hidden * m.num_classes
    assert c.macs == conv1 + conv2 + fc
    r = evidence.measure_cost("row_gru", digit)
    H = nets.load_model("row_gru").cfg.hidden
    assert r.macs == 28 * (3 * H * (28 + H) + 3 * H) + 28 * H * 10
    # activation memory: every layer output of one pass, float32
    acts = nets.trace_image28(digit)
    expected = sum(acts[k].size for k in ("conv1", "pool1", "conv2", "pool2", "fc1", "logits"))
    assert c.activation_bytes >= 4 * expected
    assert c.params == param_count(nets.load_model("image_cnn"))


def test_bad_text_raises_input_error():
    with pytest.raises(nets.InputError):
        evidence.measure_cost("text_cnn", "   ")


def test_timing_is_measured():
    t = evidence.time_model("text_cnn", "good food", repeats=2)
    assert t.forward_ms > 0 and t.train_step_ms > 0 and len(t.all_forward_ms) == 2


def test_metrics_are_read_from_assets():
    for name in ("text_cnn", "text_gru", "image_cnn", "row_gru"):
        m = json.loads((METRICS / f"{name}.json").read_text(encoding="utf-8"))
        s = evidence.training_speed(name)
        assert s.seconds_per_epoch == m.get("seconds_per_epoch")
        assert s.samples_per_second == m.get("train_samples_per_second")
    la = evidence.accuracy_by_length("all")
    ref = json.loads((METRICS / "text_gru.json").read_text(encoding="utf-8"))["accuracy_by_length"]
    ref = {r["bucket"]: r["accuracy"] for r in ref if r["lang"] == "all"}
    assert set(la.buckets) == set(ref)
    for b, acc in zip(la.buckets, la.rnn, strict=True):
        assert acc == pytest.approx(ref[b])
    starts = [int(b.split("-")[0]) for b in la.buckets]
    assert starts == sorted(starts)


def fake_metrics(monkeypatch, table: dict):
    monkeypatch.setattr(evidence, "read_metrics", lambda name: table.get(name, {}))


@pytest.mark.parametrize(
    ("spe", "expected"),
    [
        ({"text_cnn": 1, "text_gru": 2, "image_cnn": 1, "row_gru": 3}, "agree"),
        ({"text_cnn": 2, "text_gru": 1, "image_cnn": 3, "row_gru": 1}, "disagree"),
        ({"text_cnn": 1, "text_gru": 2, "image_cnn": 3, "row_gru": 1}, "depends"),
        ({"text_cnn": 1, "text_gru": 1.05, "image_cnn": 1, "row_gru": 1}, "depends"),
        ({"text_cnn": 1, "text_gru": 1.05, "image_cnn": 1, "row_gru": 2}, "agree"),  # tie: neutral
        ({}, "missing"),
    ],
)
def test_training_speed_verdict(monkeypatch, spe, expected):
    fake_metrics(monkeypatch, {k: {"seconds_per_epoch": v} for k, v in spe.items()})
    assert evidence.verdict_training_speed().verdict == expected


def _by_length(accs):
    return {
        "accuracy_by_length": [
            {"bucket": b, "lang": "all", "n": 100, "accuracy": a}
            for b, a in zip(("1-10", "11-20", "81-200"), accs, strict=True)
        ]
    }


@pytest.mark.parametrize(
    ("cnn", "rnn", "expected", "reason"),
    [
        ((0.8, 0.8, 0.7), (0.8, 0.8, 0.85), "agree", "gap_grows"),
        ((0.7, 0.7, 0.7), (0.8, 0.8, 0.8), "depends", "rnn_better_everywhere"),
        ((0.8, 0.8, 0.85), (0.8, 0.8, 0.7), "disagree", "cnn_better_long"),
        ((0.8, 0.8, 0.8), (0.8, 0.8, 0.805), "depends", "tie_long"),
    ],
)
def test_long_text_verdict(monkeypatch, cnn, rnn, expected, reason):
    fake_metrics(monkeypatch, {"text_cnn": _by_length(cnn), "text_gru": _by_length(rnn)})
    v = evidence.verdict_long_text()
    assert (v.verdict, v.reason) == (expected, reason)


def test_long_text_verdict_on_the_real_metrics():
    v = evidence.verdict_long_text()
    la = evidence.accuracy_by_length()
    assert v.verdict in {"agree", "disagree", "depends", "missing"}
    if v.verdict != "missing":
        i = la.buckets.index(v.facts["long_bucket"])
        assert v.facts["long_gap"] == pytest.approx(la.rnn[i] - la.cnn[i])


def test_resource_verdict_follows_the_numbers(digit):
    text = SENTENCES[2]
    tc = tuple(evidence.measure_cost(n, text) for n in evidence.TEXT_PAIR)
    ic = tuple(evidence.measure_cost(n, digit) for n in evidence.IMAGE_PAIR)
    v = evidence.verdict_resource_use(tc, ic)
    sides = [
        v.facts[k][m]["side"]
        for k in ("text", "image")
        for m in ("params", "macs", "activation_bytes")
    ]
    assert v.facts["image"]["macs"]["ratio"] == pytest.approx(ic[1].macs / ic[0].macs)
    if all(s == 1 for s in sides):
        assert v.verdict == "agree"
    elif all(s == -1 for s in sides):
        assert v.verdict == "disagree"
    else:
        assert v.verdict == "depends"


def test_projection_uses_committed_basis(digit):
    rows = nets.analyze_rows(digit)
    from nets import rnn_explain as rx
    from nets.registry import load_npz

    pts = rx.project_states(rows.hidden, "row_gru")
    p = load_npz("projections/row_gru.npz")
    np.testing.assert_allclose(pts, (rows.hidden - p["mean"]) @ p["components"].T, atol=1e-5)
    assert pts.shape == (28, 3) and len(p["bg_points"]) == len(p["bg_labels"])
