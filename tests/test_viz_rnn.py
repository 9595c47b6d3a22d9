"""viz/rnn.py: escaping (Markdown and plotly) and the pure builders carrying the model's values."""

from __future__ import annotations

import json

import numpy as np
import plotly.graph_objects as go
import pytest
from conftest import plotly_array as arr

import nets
from nets import rnn_explain as rx
from viz import rnn as vr

SENTENCES = ["虽然价格有点贵，但是质量很好", "not bad at all", "good"]


def traces(fig: go.Figure) -> list[dict]:
    return json.loads(fig.to_json())["data"]


@pytest.fixture(scope="module")
def analyses():
    return {s: nets.analyze_text(s) for s in SENTENCES}


# ----------------------------------------------------------------------------- escaping


@pytest.mark.parametrize(
    "text",
    ["<script>alert(1)</script>", "**x**", "[a](javascript:alert(1))", ":red[x]", "$x$", "`x`"],
)
def test_md_escape_leaves_no_markup(text):
    out = vr.md_escape(text)
    assert "<" not in out.replace("\\<", "")
    assert "**" not in out.replace("\\*", "")
    assert "](" not in out.replace("\\]\\(", "")
    assert ":red[" not in out
    # Removing the escapes gives back the text.
    assert out.replace("\\", "") == text.replace("\\", "")


def test_token_highlight_is_escaped_and_marks_the_strongest():
    toks = ["<img", "**x**", "好", "]"]
    md = vr.token_highlight(toks, np.array([0.1, 0.7, 0.15, 0.05]))
    assert "<img" not in md.replace("\\<", "")
    assert ":blue-background[**\\*\\*x\\*\\***]" in md
    signed = vr.token_highlight(["a", "b"], np.array([-1.0, 0.8]), signed=True)
    assert signed.startswith(":orange-background[**a**]")
    assert ":green-background[**b**]" in signed


def test_plotly_text_is_escaped():
    fig = vr.attention_bars(["<b>", "<unk>", "x"], np.array([0.2, 0.3, 0.5], np.float32), "w")
    tr = traces(fig)[0]
    assert [c[1] for c in tr["customdata"]] == ["&lt;b&gt;", "&lt;unk&gt;", "x"]
    assert [int(c[0]) for c in tr["customdata"]] == [1, 2, 3]  # hover steps are 1-based
    assert "<b>" not in fig.layout.xaxis.ticktext


# ----------------------------------------------------------------------------- builders


def test_builders_carry_the_models_values(analyses):
    a = analyses[SENTENCES[0]]
    T = len(a.tokens)
    bars = traces(vr.attention_bars(a.tokens, a.attention, "attention"))[0]
    np.testing.assert_array_equal(arr(bars["y"]), a.attention)
    line = [(a.tokens, a.prefix_prob_positive, "main", "#222")]
    curve = traces(vr.prefix_curve(line, "P", "0.5"))[0]
    y = arr(curve["y"])
    np.testing.assert_array_equal(y, a.prefix_prob_positive)
    assert y[-1] == pytest.approx(a.prob_positive, abs=1e-5)
    order = rx.unit_order(a.hidden, "positive")
    hm = traces(vr.hidden_heatmap(a.hidden, a.tokens, order, "unit", selected=2))[0]
    np.testing.assert_array_equal(arr(hm["z"]), a.hidden[:, order].T)
    assert len(hm["x"]) == T
    g = traces(vr.gates_fig(a.update_gate, a.reset_gate, a.tokens, order, ("z", "r"), "unit"))
    np.testing.assert_array_equal(arr(g[0]["z"]), a.update_gate[:, order].T)
    np.testing.assert_array_equal(arr(g[1]["z"]), a.reset_gate[:, order].T)
    tab = traces(vr.tokens_table(a.tokens, a.raw_tokens, a.token_ids, ["t", "w", "m", "id"]))[0]
    assert list(tab["cells"]["values"][3]) == a.token_ids


LABELS = {"bg_neg": "-", "bg_pos": "+", "main": "a", "compare": "b", "prob": "P"}


def test_trajectory_draws_a_second_path_for_the_comparison(analyses):
    a, b = analyses["not bad at all"], analyses["good"]
    bg = rx.background()
    pa, pb = rx.project_states(a.hidden), rx.project_states(b.hidden)
    one = traces(
        vr.trajectory_fig(pa, a.tokens, a.prefix_prob_positive, bg.points, bg.labels, LABELS)
    )
    two = traces(
        vr.trajectory_fig(
            pa,
            a.tokens,
            a.prefix_prob_positive,
            bg.points,
            bg.labels,
            LABELS,
            compare=(pb, b.tokens, b.prefix_prob_positive),
        )
    )
    paths = [tr for tr in two if "lines" in tr.get("mode", "")]
    assert len([tr for tr in one if "lines" in tr.get("mode", "")]) == 1
    assert len(paths) == 2
    np.testing.assert_array_equal(arr(paths[1]["x"]), pb[:, 0])
    np.testing.assert_array_equal(arr(paths[1]["y"]), pb[:, 1])
    np.testing.assert_array_equal(arr(paths[0]["x"]), pa[:, 0])
    bg_total = sum(len(arr(tr["x"])) for tr in two if tr.get("mode") == "markers")
    assert bg_total == len(bg.points)
    three = traces(
        vr.trajectory_fig(
            pa, a.tokens, a.prefix_prob_positive, bg.points, bg.labels, LABELS, dims=3
        )
    )
    assert all(tr["type"] == "scatter3d" for tr in three)


def test_unrolled_window_and_selection_data(analyses):
    a = analyses[SENTENCES[0]]
    T = len(a.tokens)
    assert vr.unroll_window(5, 3) == (0, 5)
    lo, hi = vr.unroll_window(100, 50)
    assert hi - lo == vr.WINDOW and lo <= 50 < hi
    assert vr.unroll_window(100, 99) == (100 - vr.WINDOW, 100)
    fig = vr.unrolled_fig(
        a.tokens, a.prefix_prob_positive, rx.state_norms(a.hidden), "P", "output", 3
    )
    h = next(tr for tr in traces(fig) if tr.get("name") == "h")
    lo, hi = vr.unroll_window(T, 3)
    assert [int(c[0]) for c in h["customdata"]] == list(range(lo, hi))
    np.testing.assert_array_equal(arr(h["marker"]["color"]), a.prefix_prob_positive[lo:hi])


def test_memory_and_attribution_figures():
    toks = ["a", "b", "c"]
    v = np.array([0.5, -0.2, 1.0], np.float32)
    state, decision = np.array([0.1, 0.4, 2.0]), np.array([3.0, 1.0, 6.0])
    fig = vr.memory_fig(toks, [(state, "h", "#111"), (decision, "d", "#222")], "share")
    lines = traces(fig)
    for tr, raw in zip(lines, (state, decision), strict=True):  # each curve over its own max
        np.testing.assert_allclose(arr(tr["y"]), raw / raw.max(), rtol=1e-6)
        np.testing.assert_allclose([float(c[2]) for c in tr["customdata"]], raw, rtol=1e-6)
    log = vr.memory_fig(toks, [(state, "h", "#111")], "share", log=True)
    assert log.layout.yaxis.type == "log"
    np.testing.assert_array_equal(arr(traces(vr.attribution_bars(toks, v, "a"))[0]["y"]), v)
