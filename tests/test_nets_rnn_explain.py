"""nets/rnn_explain.py: the shipped projection and background, unit orderings, flips, spacing."""

from __future__ import annotations

import json

import numpy as np
import plotly.graph_objects as go
import pytest

import nets
from nets import rnn_explain as rx
from viz import rnn as vr

SENTENCES = ["虽然价格有点贵，但是质量很好", "not bad at all", "good"]


def traces(fig: go.Figure) -> list[dict]:
    return json.loads(fig.to_json())["data"]


@pytest.fixture(scope="module")
def analyses():
    return {s: nets.analyze_text(s) for s in SENTENCES}


# ----------------------------------------------------------------------------- projection


def test_projection_is_the_shipped_pca_and_stable(analyses):
    a = analyses[SENTENCES[0]]
    p1 = rx.project_states(a.hidden)
    p2 = rx.project_states(nets.analyze_text(SENTENCES[0]).hidden)
    assert p1.shape == (len(a.tokens), 3)
    np.testing.assert_array_equal(p1, p2)  # same sentence, same coordinates
    basis = nets.registry.load_npz("projections/text_gru.npz")
    ref = (a.hidden.astype(np.float64) - basis["mean"]) @ basis["components"].T.astype(np.float64)
    np.testing.assert_allclose(p1, ref, atol=1e-5)
    # The axes do not depend on the sentence: a second sentence uses the same basis.
    b = analyses["good"]
    np.testing.assert_allclose(
        rx.project_states(np.concatenate([a.hidden, b.hidden]))[len(a.tokens) :],
        rx.project_states(b.hidden),
        atol=1e-6,
    )


@pytest.fixture(scope="module")
def corpus():
    from nets.data import load_text  # needs the dev packages (installed by scripts/test.sh)

    return load_text()


def test_background_comes_from_held_out_sentences(corpus):
    bg = rx.background()
    d = corpus
    assert len(bg.points) == len(bg.labels) == len(bg.index) > 100
    assert np.isin(bg.index, d.split["test"]).all()
    assert not np.isin(bg.index, d.split["train"]).any()
    np.testing.assert_array_equal(bg.labels, d.labels[bg.index])
    assert set(np.unique(bg.labels)) == {0, 1}


def test_background_points_are_final_states_of_those_sentences(corpus):
    bg = rx.background()
    d = corpus
    for j in range(3):
        text = d.texts[bg.index[j]]
        try:
            a = nets.analyze_text(text)
        except nets.InputError:
            continue
        np.testing.assert_allclose(rx.project_states(a.hidden)[-1], bg.points[j], atol=2e-3)


# ----------------------------------------------------------------------------- numeric helpers


def test_unit_orders(analyses):
    a = analyses[SENTENCES[0]]
    H = a.hidden.shape[1]
    for by in rx.ORDERS:
        o = rx.unit_order(a.hidden, by)
        assert sorted(o.tolist()) == list(range(H))
    v = a.hidden.var(0)
    assert np.all(np.diff(v[rx.unit_order(a.hidden, "variance")]) <= 0)
    w = rx.positive_weight()
    fc = nets.load_model("text_gru").fc.weight.detach().numpy()
    np.testing.assert_allclose(w, fc[1] - fc[0])
    assert np.all(np.diff(w[rx.unit_order(a.hidden, "positive")]) <= 0)
    with pytest.raises(ValueError):
        rx.unit_order(a.hidden, "nope")


def test_flips_and_means():
    np.testing.assert_array_equal(rx.flips(np.array([0.2, 0.6, 0.7, 0.4])), [1, 3])
    assert len(rx.flips(np.array([0.9]))) == 0
    g = np.array([[0.0, 1.0], [0.5, 0.5]], np.float32)
    np.testing.assert_allclose(rx.gate_means(g), [0.5, 0.5])


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("<b>**x**</b> the staff, were great!", "<b>**x**</b> the staff, were great!"),
        ("不是很好 ok (fine)", "不是很好 ok (fine)"),
        ("paid 30 dollars @bob http://x.com ok", "paid <num> dollars <user> <url> ok"),
        ("\u200b很 好", "很 好"),
    ],
)
def test_token_spacing_rebuilds_the_text(text, shown):
    a = nets.analyze_text(text)
    sp = rx.token_spacing(text, a.raw_tokens)
    assert (
        "".join((" " if f else "") + tok for tok, f in zip(a.raw_tokens, sp, strict=True)) == shown
    )
    md = vr.token_highlight(a.raw_tokens, np.zeros(len(a.tokens)), spaces=sp)
    assert md.replace("\\", "") == shown
