"""The RNN family: manual unrolls against torch's modules, the word tokeniser, every member's
trace, projection, attributions and memory curves against reference computations, the shipped
metrics re-evaluated, and the training plug-in's dry run."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

import nets
from nets import attribution as nattr
from nets import lstm
from nets import rnn_explain as rx
from nets.analyze import analyze_text, encode
from nets.family import MEMBERS, member_name, vocab_source
from nets.gru import unroll
from nets.paths import METRICS
from nets.registry import load_model, load_vocab
from nets.words import tokenize_words

NAMES = list(MEMBERS)
SENTENCES = [
    "虽然价格有点贵，但是质量真的不错",
    "not bad at all",
    "质量 ok, but the delivery was slow 😡",
    "好",
]


def metrics(name: str) -> dict:
    return json.loads((METRICS / f"{name}.json").read_text(encoding="utf-8"))


# ----------------------------------------------------------------------------- unrolls


@pytest.mark.parametrize("seed", [0, 1])
def test_manual_lstm_unroll_equals_nn_lstm_both_directions(seed):
    torch.manual_seed(seed)
    mod = torch.nn.LSTM(7, 5, batch_first=True, bidirectional=True)
    x = torch.randn(11, 7)
    with torch.inference_mode():
        out, (h, c) = mod(x[None])
    fwd, bwd = lstm.unroll(mod, x), lstm.unroll(mod, x, reverse=True)
    np.testing.assert_allclose(fwd.hidden, out[0, :, :5].numpy(), atol=1e-5)
    np.testing.assert_allclose(bwd.hidden, out[0, :, 5:].numpy(), atol=1e-5)
    np.testing.assert_allclose(fwd.cell[-1], c[0, 0].numpy(), atol=1e-5)  # c_T forward
    np.testing.assert_allclose(bwd.cell[0], c[1, 0].numpy(), atol=1e-5)  # c←₁ backward
    # The gates rebuild the states by the equations in nets/lstm.py.
    c_prev = np.vstack([np.zeros(5), fwd.cell[:-1]])
    np.testing.assert_allclose(
        fwd.cell, fwd.forget_gate * c_prev + fwd.input_gate * fwd.candidate, atol=1e-6
    )
    np.testing.assert_allclose(fwd.hidden, fwd.output_gate * np.tanh(fwd.cell), atol=1e-6)


@pytest.mark.parametrize("seed", [0, 1])
def test_manual_gru_unroll_equals_bidirectional_nn_gru(seed):
    torch.manual_seed(seed)
    mod = torch.nn.GRU(6, 4, batch_first=True, bidirectional=True)
    x = torch.randn(9, 6)
    with torch.inference_mode():
        out, h = mod(x[None])
    fwd, bwd = unroll(mod, x), unroll(mod, x, reverse=True)
    np.testing.assert_allclose(fwd.hidden, out[0, :, :4].numpy(), atol=1e-5)
    np.testing.assert_allclose(bwd.hidden, out[0, :, 4:].numpy(), atol=1e-5)
    np.testing.assert_allclose(bwd.hidden[0], h[1, 0].numpy(), atol=1e-5)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("text", SENTENCES[:3])
def test_every_members_trace_equals_its_torch_module(name, text):
    a = analyze_text(text, name)
    net = load_model(name)
    with torch.inference_mode():
        emb = net.embedding(torch.tensor([a.token_ids]))
        ref = net.gru(emb)[0][0].numpy()  # nn.GRU / nn.LSTM output, (T, H·dirs)
        logits = net(torch.tensor([a.token_ids]))[0]
    np.testing.assert_allclose(a.hidden, ref, atol=1e-5)
    assert a.prob_positive == pytest.approx(torch.softmax(logits, -1)[1].item(), abs=1e-5)
    assert a.attention.sum() == pytest.approx(1.0, abs=1e-5)
    m = MEMBERS[name]
    H = net.cfg.hidden
    assert a.directions == (2 if m.bidirectional else 1) and a.units == H
    if m.cell == "lstm":  # h_t = o_t ⊙ tanh(c_t), from the manual unroll's own gates
        assert set(a.gates) == {"i", "f", "o", "g"} and a.update_gate is None
        np.testing.assert_allclose(a.hidden, a.gates["o"] * np.tanh(a.cell), atol=1e-5)
    else:
        assert set(a.gates) == {"z", "r", "n"} and a.cell is None
        np.testing.assert_array_equal(a.update_gate, a.gates["z"])
    for g in a.gates.values():
        assert g.shape == a.hidden.shape


@pytest.mark.parametrize("name", NAMES)
def test_prefix_probabilities_are_the_model_reading_the_prefix(name):
    text = "虽然价格有点贵，但是质量真的不错"
    a = analyze_text(text, name)
    net = load_model(name)
    T = len(a.token_ids)
    assert a.prefix_prob_positive[-1] == pytest.approx(a.prob_positive, abs=1e-5)
    for t in (1, 3, T):
        with torch.inference_mode():
            p = torch.softmax(net(torch.tensor([a.token_ids[:t]]))[0], -1)[1].item()
            s = torch.softmax(net(torch.tensor([a.token_ids[t - 1 :]]))[0], -1)[1].item()
        assert a.prefix_prob_positive[t - 1] == pytest.approx(p, abs=1e-5)
        if a.directions == 2:
            assert a.prefix_kind == "reread"
            assert a.suffix_prob_positive[t - 1] == pytest.approx(s, abs=1e-5)
        else:
            assert a.prefix_kind == "so_far" and a.suffix_prob_positive is None


def test_the_default_member_is_the_original_gru():
    a, b = analyze_text("not bad at all"), analyze_text("not bad at all", "text_gru")
    np.testing.assert_array_equal(a.hidden, b.hidden)
    assert a.model == "text_gru" and member_name() == "text_gru"
    assert member_name("bigru", "word") == "text_bigru_word"
    with pytest.raises(ValueError):
        analyze_text("good", "text_cnn")


# ----------------------------------------------------------------------------- words


WORDS = {
    "虽然价格有点贵，但是质量很好": ["虽然", "价格", "有点", "贵", "，", "但是", "质量", "很", "好"],
    "服务态度很差，再也不来了": ["服务态度", "很", "差", "，", "再也", "不", "来", "了"],
    "这个 hotel 很 good, but 服务太差了": [
        "这个", "hotel", "很", "good", ",", "but", "服务", "太", "差", "了",
    ],
    "房间干净，早餐丰富，性价比高！": ["房间", "干净", "，", "早餐", "丰富", "，", "性价比", "高", "！"],
    "不好吃": ["不", "好吃"],
    "@bob 买了3.5斤苹果 http://a.cn 😀": ["<user>", "买", "了", "<num>", "斤", "苹果", "<url>", "😀"],
    "not bad at all": ["not", "bad", "at", "all"],
}  # fmt: skip


@pytest.mark.parametrize("text", list(WORDS))
def test_word_tokeniser_on_a_fixed_list(text):
    assert tokenize_words(text) == WORDS[text]
    assert tokenize_words(text) == tokenize_words(text)  # deterministic


def test_shipped_dictionary_cuts_the_corpus_like_rjiebas_built_in_one():
    """The 41k-word dictionary in assets/words/ gives the built-in dictionary's words on every
    Chinese run of the corpus (the runs the word models were trained on)."""
    import rjieba  # the package and its 33 MB built-in dictionary: here only, for the reference

    from nets.train_family import corpus_runs
    from nets.words import cut_chinese

    runs = corpus_runs()
    assert len(runs) > 100_000
    differ = [r for r in runs if cut_chinese(r) != [w for w in rjieba.cut(r, False) if w.strip()]]
    assert differ == []


def test_the_app_never_loads_rjiebas_built_in_dictionary():
    import subprocess
    import sys

    code = (
        "import sys; from nets.words import tokenize_words; tokenize_words('服务态度很差');"
        "print('rjieba' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_words_back_off_to_characters_and_english_is_unchanged():
    vocab = load_vocab("text_gru_word")
    enc = encode("服务态度很差 but the room was nice", "text_gru_word")
    assert enc.raw_tokens[-5:] == ["but", "the", "room", "was", "nice"]
    for tok in enc.raw_tokens:  # a word the vocabulary lacks was split into its characters
        assert tok in vocab.stoi or len(tok) == 1 or not tok[0] >= "\u4e00"
    char = encode("服务态度很差 but the room was nice", "text_gru")
    assert len(enc.tokens) < len(char.tokens)  # fewer steps by words
    assert char.raw_tokens[-5:] == enc.raw_tokens[-5:]


def test_member_vocabularies_come_from_the_training_split_and_agree():
    from nets.data import load_text
    from nets.words import corpus_words

    t = load_text()
    from nets.train_family import vocab_sha256

    for name in NAMES[1:]:  # each member names its vocabulary's holder and fingerprint
        ck = nets.registry._checkpoint(name)
        assert ck["vocab_source"] == vocab_source(name)
        assert ck["vocab_sha256"] == vocab_sha256(load_vocab(vocab_source(name)).itos), name
        assert ("vocab" in ck) == (vocab_source(name) == name)
    words = {w for i in t.split["train"] for w in corpus_words(t.texts[i])}
    assert set(load_vocab("text_gru_word").itos[2:]) <= words


# ----------------------------------------------------------------------------- metrics


@pytest.fixture(scope="module")
def text_data():
    from nets.data import load_text

    return load_text()


@pytest.mark.timeout(600)
@pytest.mark.parametrize("name", [n for n in NAMES if n != "text_gru"])
def test_members_held_out_accuracy_is_real(text_data, name):
    """Re-evaluate the committed weights on the test split, per language."""
    from nets.train import text_report
    from nets.train_family import sequences

    vocab = load_vocab(vocab_source(name))
    te = text_data.split["test"]
    rep = text_report(load_model(name), vocab, te, sequences(MEMBERS[name], vocab, te))
    m = metrics(name)
    assert rep["accuracy"] == pytest.approx(m["test_accuracy"], abs=1e-6)
    for lang in ("zh", "en"):
        assert rep["by_language"][lang] == pytest.approx(
            m["test_accuracy_by_language"][lang], abs=1e-6
        )
    assert m["card"] == {"data_key": "card.data.text", "order": m["card"]["order"]}
    assert m["data"]["test"] == len(te) and not m["dry_run"]


# ----------------------------------------------------------------------------- projections


@pytest.mark.parametrize("name", NAMES)
def test_projection_axes_are_fixed_and_background_is_held_out(text_data, name):
    a = analyze_text(SENTENCES[0], name)
    readers = ["forward", "backward"] if a.directions == 2 else ["forward"]
    for d in readers:
        p = rx.projection(name, d)
        h = a.direction_states(d)
        ref = (h.astype(np.float64) - p["mean"]) @ p["components"].T.astype(np.float64)
        np.testing.assert_allclose(rx.project_states(h, name, d), ref, atol=1e-5)
        bg = rx.background(name, d)
        assert np.isin(bg.index, text_data.split["test"]).all()
        np.testing.assert_array_equal(bg.labels, text_data.labels[bg.index])
        for j in range(2):  # the background points are those sentences' final states
            try:
                b = analyze_text(text_data.texts[bg.index[j]], name)
            except nets.InputError:
                continue
            final = 0 if d == "backward" else -1
            pt = rx.project_states(b.direction_states(d), name, d)[final]
            np.testing.assert_allclose(pt, bg.points[j], atol=2e-3)
    if a.directions == 1:
        with pytest.raises(ValueError):
            rx.projection(name, "backward")


# ----------------------------------------------------------------------------- attributions


@pytest.mark.parametrize("name", NAMES)
def test_attributions_are_complete_for_every_member(name):
    text = "虽然价格有点贵，但是质量真的不错"
    attr = nattr.text_attributions(text, name)
    a = analyze_text(text, name)
    assert attr.shape == (len(a.tokens),)
    f, f0 = nattr.text_log_odds(text, name)
    assert f == pytest.approx(float(a.logits[1] - a.logits[0]), abs=1e-4)
    # Completeness up to the 32-step quadrature error (a few % of the log-odds change).
    assert attr.sum() == pytest.approx(f - f0, abs=0.05 * abs(f - f0) + 0.05)


@pytest.mark.parametrize("name", NAMES)
def test_memory_curves_match_finite_differences(name):
    text = "the room was clean but the staff were rude"
    mem = nattr.memory_curves(text, name)
    net = load_model(name)
    ids = torch.tensor([encode(text, name).token_ids])
    T, H = ids.shape[1], net.cfg.hidden
    assert mem.state.shape == mem.decision.shape == (T,)
    assert (mem.state_backward is not None) == MEMBERS[name].bidirectional
    with torch.no_grad():
        emb = net.embedding(ids)[0].double()
    net64 = __import__("copy").deepcopy(net).double()
    eps = 1e-4

    def outputs(e):
        out = net64.gru(e[None])[0][0]
        z = net64.trace_embedded(e[None])["logits"][0]
        return out[-1, :H], out[0, H:], z[1] - z[0]

    for t in (0, T - 1):  # ‖∂/∂x_t‖ by central differences along each embedding axis
        cols = [[], [], []]
        for k in range(emb.shape[1]):
            d = torch.zeros_like(emb)
            d[t, k] = eps
            up, dn = outputs(emb + d), outputs(emb - d)
            for c, (u, v) in enumerate(zip(up, dn, strict=True)):
                cols[c].append(((u - v) / (2 * eps)).reshape(-1))
        state, back, dec = (torch.stack(c, 1).norm().item() for c in cols)
        assert mem.state[t] == pytest.approx(state, rel=1e-3, abs=1e-6)
        assert mem.decision[t] == pytest.approx(dec, rel=1e-3, abs=1e-6)
        if mem.state_backward is not None:
            assert mem.state_backward[t] == pytest.approx(back, rel=1e-3, abs=1e-6)


# ----------------------------------------------------------------------------- bad input


BAD = [
    "",
    "   \n\t ",
    "😀😀🎉👍🏽",
    "好\x00\x07\x1b[31m评\x7f",
    "\u200b\u200c\u200d\ufeff",
    "很\u200b好",
    "هذا المنتج رائع جدا",
    "<script>alert(1)</script> great",
    "very good " * 300,
    "很好" * 3000,
]


@pytest.mark.parametrize("name", NAMES)
def test_bad_input_gives_an_input_error_or_a_trace(name):
    for text in BAD:
        try:
            a = analyze_text(text, name)
        except nets.InputError as exc:
            assert exc.message("zh") and exc.message("en")
            continue
        assert 1 <= len(a.tokens) <= 200 and np.isfinite(a.hidden).all()


# ----------------------------------------------------------------------------- training


@pytest.mark.timeout(300)
def test_family_dry_run_writes_loadable_weights(tmp_path):
    from nets.models import from_checkpoint
    from nets.train import main

    main(["family", "--dry-run", "--out", str(tmp_path), "--threads", "1"])
    for name in NAMES[1:]:
        model = from_checkpoint(torch.load(tmp_path / "models" / f"{name}.pt", weights_only=True))
        assert not model.training
        m = json.loads((tmp_path / "metrics" / f"{name}.json").read_text())
        assert m["dry_run"] and 0 <= m["test_accuracy"] <= 1 and m["params"] > 0
        assert m["gradient_clip"] == 1.0 and m["gradient_norms"][0]["median"] > 0
        assert (tmp_path / "projections" / f"{name}.npz").exists()
