"""viz/compare.py: pure builders hold exactly the arrays they are given."""

from __future__ import annotations

import json

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import pytest
from conftest import plotly_array as arr

from viz import compare as vc

RNG = np.random.default_rng(0)


def test_prob_bars_hold_both_models():
    a, b = np.array([0.2, 0.8]), np.array([0.6, 0.4])
    fig = vc.prob_bars(["neg", "pos"], a, b, ("CNN", "RNN"), "t")
    assert isinstance(fig, go.Figure)
    np.testing.assert_allclose(fig.data[0].y, a)
    np.testing.assert_allclose(fig.data[1].y, b)
    assert [d.name for d in fig.data] == ["CNN", "RNN"]


def test_ngram_heatmap_holds_the_grid_and_escapes_tokens():
    grid = RNG.normal(size=(2, 6))
    fig = vc.ngram_heatmap(["a", "<b>", "c", "d", "e", "f"], grid, [3, 4], "k")
    np.testing.assert_allclose(fig.data[0].z, grid)
    assert list(fig.layout.xaxis.ticktext) == ["a", "&lt;b&gt;", "c", "d", "e", "f"]
    assert fig.data[0].customdata[0][1] == "2·&lt;b&gt;"


def test_feature_map_marks_the_winner():
    fmap = np.array([0.1, 0.9, 0.3])
    fig = vc.feature_map_line(["x", "y", "z", "w", "v"], fmap, 3, 1, "CNN")
    np.testing.assert_allclose(fig.data[0].y, fmap)
    colors = list(fig.data[0].marker.color)
    assert colors[1] == vc.CNN_COLOR and colors.count(vc.CNN_COLOR) == 1


def test_attention_and_attributions_on_token_axis():
    tokens = ["我", "很", "好"]
    a, b = RNG.normal(size=3), RNG.normal(size=3)
    fig = vc.shared_attributions(tokens, a, b, ("CNN", "RNN"))
    np.testing.assert_allclose(fig.data[0].y, a)
    np.testing.assert_allclose(fig.data[1].y, b)
    assert list(fig.data[0].x) == list(fig.data[1].x)  # one shared axis


def test_long_token_axis_thins_labels():
    tokens = [f"w{i}" for i in range(200)]
    fig = vc.shared_attributions(tokens, np.zeros(200), np.zeros(200), ("c", "r"))
    assert len(fig.layout.xaxis.ticktext) <= 40


def test_row_scan_animation_frames_hold_step_probs():
    step = RNG.dirichlet(np.ones(10), size=28)
    img = RNG.random((28, 28))
    fig = vc.row_scan_animation(img, step, ("play", "row", "P"))
    assert len(fig.frames) == 28
    frames = fig.to_dict()["frames"]  # frames skip validation: read their raw properties
    for t in (0, 13, 27):
        np.testing.assert_allclose(arr(frames[t]["data"][0]["y"]), step[t])
        assert frames[t]["layout"]["shapes"][0]["y0"] == t - 0.5
        assert frames[t]["name"] == str(t) and frames[t]["traces"] == [1]
    np.testing.assert_allclose(fig.data[1].y, step[-1])
    assert len(fig.to_json()) < 150_000


def test_unvalidated_figures_send_what_plotly_validates():
    """What reaches the browser (JSON without validation) is plotly's validated figure,
    frames included, whatever VIZ_STRICT says."""
    step = RNG.dirichlet(np.ones(10), size=28).astype(np.float32)
    figs = [
        vc.row_scan_animation(RNG.random((28, 28)), step, ("play", "row", "P"), "t"),
        vc.image_pair(RNG.normal(size=(8, 8)), RNG.normal(size=(8, 8)), ("A", "B"), True, "t"),
        vc.prob_bars(["a", "b"], np.array([0.3, 0.7]), np.ones(2) / 2, ("c", "r")),
    ]
    for fig in figs:
        raw = json.loads(pio.to_json(fig, validate=False))
        validated = json.loads(pio.to_json(go.Figure(fig.to_dict())))
        assert raw == validated


def test_trajectory_and_lines():
    pts = RNG.normal(size=(28, 3))
    fig = vc.trajectory_2d(pts, RNG.normal(size=(50, 3)), np.arange(50) % 10, ("bg", "p", "PC"))
    np.testing.assert_allclose(fig.data[1].x, pts[:, 0])
    np.testing.assert_allclose(fig.data[1].y, pts[:, 1])
    acc = RNG.random(13)
    fig = vc.shift_accuracy_fig(
        range(-6, 7), [(acc, "c", "#00f", "solid")] * 2, "px", "acc", (3, 0)
    )
    np.testing.assert_allclose(fig.data[1].y, acc)
    assert [sh.x0 for sh in fig.layout.shapes] == [3, 0]


@pytest.mark.parametrize("diverging", [True, False])
def test_image_pair(diverging):
    a, b = RNG.normal(size=(28, 28)), RNG.normal(size=(28, 28))
    fig = vc.image_pair(a, b, ("A", "B"), diverging=diverging)
    np.testing.assert_allclose(fig.data[0].z, a)
    np.testing.assert_allclose(fig.data[1].z, b)
    if diverging:
        assert fig.data[0].zmin == -fig.data[0].zmax
