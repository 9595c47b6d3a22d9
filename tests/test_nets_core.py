"""The foundation: committed weights, the analysis API against reference computations."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from badinputs import IMAGE_CNN_SHAPES

import nets
from nets import InputError, analyze_image, analyze_rows, analyze_text, analyze_text_cnn
from nets.gru import unroll
from nets.models import ImageCNN
from nets.paths import METRICS
from nets.registry import load_model, load_vocab


def metrics(name: str) -> dict:
    return json.loads((METRICS / f"{name}.json").read_text(encoding="utf-8"))


# ----------------------------------------------------------------------------- accuracy


@pytest.fixture(scope="module")
def digits():
    from nets.data import load_digits

    return load_digits()


@pytest.fixture(scope="module")
def text_data():
    from nets.data import load_text

    return load_text()


@pytest.mark.parametrize("name,target", [("image_cnn", 0.97), ("row_gru", 0.95)])
def test_digit_models_reach_target_on_held_out_split(digits, name, target):
    model = load_model(name)
    te = digits.split["test"]
    assert len(te) == 1000 and np.bincount(digits.y[te]).tolist() == [100] * 10
    with torch.inference_mode():
        pred = model(torch.from_numpy(digits.x[te])[:, None]).argmax(-1).numpy()
    acc = float((pred == digits.y[te]).mean())
    assert acc >= target
    assert acc == pytest.approx(metrics(name)["test_accuracy"], abs=1e-6)


def test_splits_are_disjoint_and_deduplicated(text_data):
    sets = {k: {tuple(text_data.tokens[i]) for i in v} for k, v in text_data.split.items()}
    assert not sets["train"] & sets["test"]
    assert not sets["train"] & sets["val"]
    assert not sets["val"] & sets["test"]
    n = sum(len(v) for v in text_data.split.values())
    assert n == len(text_data.texts) == len({tuple(t) for t in text_data.tokens})


@pytest.mark.parametrize("name", ["text_gru", "text_cnn"])
def test_text_models_held_out_accuracy_is_real(text_data, name):
    """Re-evaluate the committed weights on the test split, per language."""
    from nets.train import text_report

    rep = text_report(load_model(name), load_vocab(), text_data.split["test"])
    m = metrics(name)
    assert rep["accuracy"] == pytest.approx(m["test_accuracy"], abs=1e-6)
    for lang in ("zh", "en"):
        assert rep["by_language"][lang] == pytest.approx(
            m["test_accuracy_by_language"][lang], abs=1e-6
        )
        # Targets (issue #2) are 85 % per language; see README for what is reached.
        assert rep["by_language"][lang] >= 0.78


def test_vocabulary_comes_from_training_split_only(text_data):
    train_tokens = {t for i in text_data.split["train"] for t in text_data.tokens[i]}
    vocab = load_vocab()
    assert vocab.itos[:2] == ["<pad>", "<unk>"]
    assert set(vocab.itos[2:]) <= train_tokens


# ----------------------------------------------------------------------------- image trace


def test_image_trace_layers_in_order_and_consistent(digits):
    x = digits.x[digits.split["test"][5]]
    a = analyze_image(x)
    assert list(a.activations) == list(ImageCNN.LAYERS)
    shapes = {k: v.shape for k, v in a.activations.items()}
    assert shapes == IMAGE_CNN_SHAPES
    np.testing.assert_allclose(a.activations["relu1"], np.maximum(a.activations["conv1"], 0))
    r = a.activations["relu1"].reshape(16, 14, 2, 14, 2).max(axis=(2, 4))
    np.testing.assert_allclose(a.activations["pool1"], r)
    assert a.probs.sum() == pytest.approx(1.0, abs=1e-5)
    assert a.label == int(np.argmax(a.activations["logits"]))
    assert a.input28.shape == (28, 28) and a.input28.dtype == np.float32
    assert a.fullres["relu1"].shape[1:] == a.fullres_input.shape
    assert max(a.fullres_input.shape) <= 256


def test_image_trace_equals_model_forward(digits):
    x = digits.x[digits.split["test"][7]]
    a = analyze_image(x)
    with torch.inference_mode():
        logits = load_model("image_cnn")(torch.from_numpy(a.input28)[None, None])[0].numpy()
    np.testing.assert_allclose(a.activations["logits"], logits, atol=1e-5)


def test_light_background_digit_is_inverted_and_predicted(digits):
    i = digits.split["test"][11]
    dark_on_light = ((1 - digits.x[i]) * 255).astype(np.uint8)
    a = analyze_image(dark_on_light)
    assert a.pre.inverted
    assert a.label == digits.y[i]


def test_blank_input_is_flagged_not_confident():
    a = analyze_image(np.zeros((200, 200), np.uint8))
    assert a.empty and a.unlike_training


def test_row_gru_trace_matches_model_and_unroll(digits):
    x = digits.x[digits.split["test"][3]]
    r = analyze_rows(x)
    model = load_model("row_gru")
    with torch.inference_mode():
        h, _ = model.gru(torch.from_numpy(x)[None])
    np.testing.assert_allclose(r.hidden, h[0].numpy(), atol=1e-5)
    steps = unroll(model.gru, torch.from_numpy(x))
    np.testing.assert_allclose(steps.hidden, r.hidden, atol=1e-5)
    assert r.step_probs.shape == (28, 10)
    assert r.label == int(r.probs.argmax())


# ----------------------------------------------------------------------------- text trace

SENTENCES = [
    "这家酒店的服务很好，房间也很干净。",
    "虽然价格有点贵，但是质量真的不错",
    "not bad at all",
    "@united my flight was delayed three hours and nobody told us anything",
    "质量 ok, but the delivery was slow 😡",
]


@pytest.mark.parametrize("text", SENTENCES)
def test_manual_gru_unroll_equals_nn_gru(text):
    a = analyze_text(text)
    model = load_model("text_gru")
    with torch.inference_mode():
        emb = model.embedding(torch.tensor([a.token_ids]))
        ref, h_last = model.gru(emb)
    np.testing.assert_allclose(a.hidden, ref[0].numpy(), atol=1e-5)
    steps = unroll(model.gru, emb[0])
    np.testing.assert_allclose(steps.hidden, ref[0].numpy(), atol=1e-5)
    np.testing.assert_allclose(steps.hidden[-1], h_last[0, 0].numpy(), atol=1e-5)
    assert a.update_gate.shape == a.reset_gate.shape == a.hidden.shape
    assert ((a.update_gate > 0) & (a.update_gate < 1)).all()


@pytest.mark.parametrize("text", SENTENCES)
def test_text_trace_invariants(text):
    a = analyze_text(text)
    T = len(a.tokens)
    assert len(a.token_ids) == len(a.raw_tokens) == T
    assert a.attention.shape == (T,) and a.attention.sum() == pytest.approx(1.0, abs=1e-5)
    assert a.prefix_prob_positive.shape == (T,)
    assert a.prefix_prob_positive[-1] == pytest.approx(a.prob_positive, abs=1e-5)
    assert a.label == ("positive" if a.prob_positive >= 0.5 else "negative")
    with torch.inference_mode():
        logits = load_model("text_gru")(torch.tensor([a.token_ids]))[0]
    assert torch.softmax(logits, -1)[1].item() == pytest.approx(a.prob_positive, abs=1e-5)


def test_prefix_probability_equals_reading_the_prefix_alone():
    text = "虽然价格有点贵，但是质量真的不错"
    a = analyze_text(text)
    model = load_model("text_gru")
    for t in (1, 4, len(a.token_ids)):
        with torch.inference_mode():
            p = torch.softmax(model(torch.tensor([a.token_ids[:t]]))[0], -1)[1].item()
        assert a.prefix_prob_positive[t - 1] == pytest.approx(p, abs=1e-5)


@pytest.mark.parametrize("text", SENTENCES + ["好"])
def test_text_cnn_trace_matches_model(text):
    c = analyze_text_cnn(text)
    model = load_model("text_cnn")
    with torch.inference_mode():
        p = torch.softmax(model(torch.tensor([c.token_ids]))[0], -1)[1].item()
    assert c.prob_positive == pytest.approx(p, abs=1e-5)
    # The pooled contributions plus the bias rebuild the logits exactly.
    total = sum(h.contribution for h in c.hits) + c.bias
    np.testing.assert_allclose(total, c.logits, atol=1e-4)


def test_unknown_tokens_are_visible():
    a = analyze_text("这家店 qwzxqwzxqwzx 很好")
    assert "<unk>" in a.tokens
    assert "qwzxqwzxqwzx" in a.raw_tokens


def test_long_text_is_truncated_not_rejected():
    a = analyze_text("很好" * 500)
    assert a.truncated and len(a.tokens) == 200


@pytest.mark.parametrize(
    "text,code",
    [
        ("", "empty_text"),
        ("   \n\t ", "empty_text"),
        ("\u200b\u200b\u202e", "empty_text"),
        ("𓀀𓀁𓀂", "unknown_text"),
    ],
)
def test_bad_text_raises_input_error_in_both_languages(text, code):
    with pytest.raises(InputError) as e:
        analyze_text(text)
    assert e.value.code == code
    assert e.value.zh and e.value.en and e.value.message("zh") != e.value.message("en")


def test_public_api_has_no_streamlit():
    import subprocess
    import sys

    code = "import sys, nets, nets.attribution, nets.train; print('streamlit' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
    assert callable(nets.analyze_image) and issubclass(nets.InputError, ValueError)


# ----------------------------------------------------------------------------- training


@pytest.mark.timeout(300)
def test_dry_run_training_writes_loadable_weights(tmp_path):
    from nets.models import from_checkpoint
    from nets.train import main

    main(["all", "--dry-run", "--out", str(tmp_path)])
    for name in ("image_cnn", "row_gru", "text_gru", "text_cnn"):
        ck = torch.load(tmp_path / "models" / f"{name}.pt", weights_only=True)
        model = from_checkpoint(ck)
        assert not model.training
        m = json.loads((tmp_path / "metrics" / f"{name}.json").read_text())
        assert m["dry_run"] and 0 <= m["test_accuracy"] <= 1 and m["params"] > 0
    assert (tmp_path / "projections" / "text_gru.npz").exists()
    assert (tmp_path / "samples" / "digits.npz").exists()


def test_textcnn_ngram_grid_and_top_hits():
    """The n-gram grid sums each winning window's net push over the tokens it covers."""
    from nets.analyze import NgramHit, TextCNNAnalysis

    def hit(k, f, start, neg, pos):
        return NgramHit(k, f, start, 1.0, np.array([neg, pos]))

    hits = [hit(3, 0, 0, 0.0, 1.0), hit(3, 1, 2, 0.5, 0.0), hit(4, 0, 1, -1.0, 1.0)]
    maps = {3: np.zeros((2, 4)), 4: np.zeros((1, 3))}
    a = TextCNNAnalysis(list("abcdef"), [1] * 6, False, maps, hits, 0.5, "positive", None, None)
    ref = np.zeros((2, 6))
    ref[0, 0:3] += 1.0
    ref[0, 2:5] -= 0.5
    ref[1, 1:5] += 2.0
    np.testing.assert_allclose(a.ngram_grid(), ref)
    assert [h.filter for h in a.top_hits(3)] == [0, 1]  # |+1.0| before |−0.5|
    assert a.strongest_filter(4) == 0 and a.hit(3, 1).start == 2
    short = TextCNNAnalysis(["a", "b"], [1, 2], False, {5: np.zeros((1, 1))},
                            [hit(5, 0, 0, 0.0, 1.0)], 0.5, "positive", None, None)  # fmt: skip
    assert short.ngram_grid().shape == (1, 2)  # a window past the end is clipped


def test_a_model_first_loaded_in_inference_mode_still_takes_gradients():
    """The registry builds models outside inference mode, whoever asks first."""
    from nets import registry

    registry.load_model.cache_clear()
    registry._checkpoint.cache_clear()
    try:
        with torch.inference_mode():
            model = registry.load_model("row_gru")
        x = torch.zeros(1, 28, 28, requires_grad=True)
        model(x)[0, 3].backward()
        assert x.grad is not None
    finally:
        registry.load_model.cache_clear()  # later tests get a fresh shared copy
