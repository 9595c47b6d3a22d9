"""nets/lab/models.py and nets/lab/cost.py: the matched pairs really are matched (the counts are
asserted), the new layers compute what PyTorch's reference layers compute, every parameter
formula gives PyTorch's count, and the memory measures see what autograd keeps."""

from __future__ import annotations

import re

import pytest
import torch
import torch.nn as nn

from nets import models as M
from nets.lab import cost as C
from nets.lab import models as LM
from nets.lab import synthetic as S
from nets.lab.speed import gru_sentence_macs, macs_filters, text_models

V = 11162  # the app's vocabulary size (any size works: the embedding is left out of matching)


def gap(a: float, b: float) -> float:
    return LM.relative_gap(a, b)


def test_text_pair_is_matched_in_parameters_without_the_embedding():
    gru, cnn, trf = LM.text_gru(V), LM.matched_text_cnn(V), LM.text_transformer(V)
    assert LM.body_params(gru) == 29_314
    assert gap(LM.body_params(cnn), LM.body_params(gru)) < 0.01  # 29,528 (38 filters)
    assert gap(LM.body_params(trf), LM.body_params(gru)) < 0.01  # 29,162
    assert LM.embedding_params(gru) == LM.embedding_params(cnn) == LM.embedding_params(trf)
    assert LM.embedding_params(gru) / M.param_count(gru) > 0.95  # the embedding dominates


@pytest.mark.parametrize("T", [25, 44])
def test_macs_pair_is_matched_in_multiply_accumulates_per_sentence(T):
    ids, lengths = torch.randint(1, V, (1, T)), torch.tensor([T])
    gru = LM.text_gru(V)
    gru_macs = sum(C.forward_macs(gru, ids, lengths).values())
    assert gru_macs == gru_sentence_macs(T)  # the formula the filter count is solved with
    cnn = LM.text_cnn(V, macs_filters(T))
    assert gap(sum(C.forward_macs(cnn, ids, lengths).values()), gru_macs) < 0.05
    models = text_models(V, T)
    assert models["cnn_macs"]().cfg.num_filters == macs_filters(T)
    assert models["cnn"]().cfg.num_filters == 38


def test_digit_pair_is_matched_in_parameters_and_macs():
    cnn, gru = LM.digit_cnn(), LM.digit_gru()
    x = torch.rand(1, 1, 28, 28)
    assert (M.param_count(cnn), M.param_count(gru)) == (18_166, 18_698)
    assert gap(M.param_count(cnn), M.param_count(gru)) < 0.05
    macs_c = sum(C.forward_macs(cnn, x).values())
    macs_g = sum(C.forward_macs(gru, x).values())
    assert gap(macs_c, macs_g) < 0.05  # 523,872 and 517,888


def test_synthetic_models_are_matched():
    bodies = {name: LM.body_params(S.build(name)) for name in S.MODELS}
    assert bodies["rnn"] == bodies["gru"]  # tanh RNN with H = 64 = GRU with H = 32
    ref = bodies["gru_attn"]
    for name in ("cnn", "transformer"):
        assert gap(bodies[name], ref) < 0.02, (name, bodies)
    assert gap(bodies["gru"], ref) < 0.16  # the attention adds its projection


def test_encoder_layer_computes_what_pytorch_computes():
    torch.manual_seed(0)
    d, heads, ff = 40, 2, 80
    ours = LM.EncoderLayer(d, heads, ff, dropout=0.0).eval()
    ref = nn.TransformerEncoderLayer(d, heads, ff, dropout=0.0, batch_first=True).eval()
    ref.self_attn.load_state_dict(ours.attn.state_dict())
    ref.linear1.load_state_dict(ours.ff1.state_dict())
    ref.linear2.load_state_dict(ours.ff2.state_dict())
    ref.norm1.load_state_dict(ours.norm1.state_dict())
    ref.norm2.load_state_dict(ours.norm2.state_dict())
    x = torch.randn(3, 7, d)
    pad = torch.zeros(3, 7, dtype=torch.bool)
    pad[1, 5:] = True
    got, w = ours(x, pad, weights=True)
    want = ref(x, src_key_padding_mask=pad)
    torch.testing.assert_close(got[~pad], want[~pad], atol=1e-5, rtol=1e-5)
    assert w.shape == (3, 7, 7) and torch.allclose(w[1, :, 5:], torch.zeros(7, 2))
    assert sum(p.numel() for p in ours.parameters()) == sum(p.numel() for p in ref.parameters())


def test_transformer_mean_pools_the_sentence_only():
    torch.manual_seed(0)
    m = LM.text_transformer(50, dropout=0.0).eval()
    ids = torch.tensor([[5, 6, 7, 0, 0]])
    with torch.no_grad():
        padded = m(ids, torch.tensor([3]))
        alone = m(ids[:, :3], torch.tensor([3]))
    torch.testing.assert_close(padded, alone, atol=1e-5, rtol=1e-5)
    pe = LM.positional_encoding(4, 6)
    assert pe[0, 0] == 0 and pe[0, 1] == 1 and pe.shape == (4, 6)


@pytest.mark.parametrize("cell", ["rnn", "gru"])
def test_seq_rnn_reads_the_state_at_each_sentence_end(cell):
    torch.manual_seed(0)
    m = LM.seq_rnn(30, cell, embed_dim=8, hidden=6).eval()
    ids = torch.tensor([[3, 4, 5, 0, 0], [7, 8, 9, 10, 11]])
    with torch.no_grad():
        both = m(ids, torch.tensor([3, 5]))
        first = m(ids[:1, :3], torch.tensor([3]))
        # tanh RNN step by hand: h = tanh(W_ih x + b_ih + W_hh h + b_hh)
        if cell == "rnn":
            h = torch.zeros(6)
            for x in m.embedding(ids[0, :3]):
                r = m.rnn
                h = torch.tanh(
                    r.weight_ih_l0 @ x + r.bias_ih_l0 + r.weight_hh_l0 @ h + r.bias_hh_l0
                )
            torch.testing.assert_close(both[0], m.fc(h), atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(both[:1], first, atol=1e-6, rtol=1e-6)


@pytest.mark.parametrize(
    "build",
    [lambda: LM.text_gru(V), lambda: LM.matched_text_cnn(V), lambda: LM.text_transformer(V),
     lambda: LM.seq_rnn(V, "rnn", hidden=128), LM.digit_cnn, LM.digit_gru],
)  # fmt: skip
def test_every_parameter_formula_gives_pytorchs_count(build):
    model = build()
    rows = C.param_rows(model)
    assert sum(r.count for r in rows) == M.param_count(model)
    modules = dict(model.named_modules())
    for r in rows:
        assert r.count == r.actual + C._inner(modules[r.layer]), r
        expr = re.sub(r"(\d)\(", r"\1*(", r.filled.replace(",", ""))  # "3(…)" → "3*(…)"
        expr = expr.replace("·", "*").replace("²", "**2")
        assert eval(expr, {"__builtins__": {}}) == r.count, r  # the numbers on screen add up


def test_memory_measures_see_what_autograd_keeps():
    torch.manual_seed(0)
    gru = LM.text_gru(1000)
    short = C.model_cost(gru, 8, 16)
    long_ = C.model_cost(gru, 8, 64)
    assert 0 < short.saved < long_.saved and long_.saved / short.saved == pytest.approx(4, rel=0.25)
    assert long_.peak >= long_.saved * 0.5 and long_.peak > short.peak
    assert short.body == LM.body_params(gru) and short.embedding == 64_000
    # a linear layer keeps its input for the backward pass: exactly the input's bytes
    lin = nn.Sequential(nn.Linear(10, 3))
    x, y = torch.randn(5, 10, requires_grad=False), torch.tensor([0, 1, 2, 0, 1])
    saved = C.saved_bytes(lin, x, None, y)
    assert saved >= x.numel() * 4
