"""viz/hybrid.py: every builder gives a valid canonical figure (VIZ_STRICT) showing its inputs."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import plotly_array as arr

from nets import crnn as C
from viz import hybrid as vh
from viz import style

SYMBOLS = (*"0123456789", "–")


def spec(fig) -> dict:
    return fig.to_plotly_json()


def test_strip_fig_shows_the_strip_the_column_and_its_field():
    strip = np.random.default_rng(0).random((28, 64)).astype(np.float32)
    fig = spec(vh.strip_fig(strip, 5, (13, 31), 4, ("px", "column")))
    np.testing.assert_allclose(arr(fig["data"][0]["z"]), strip, atol=1e-3)
    field, col = fig["layout"]["shapes"]
    assert (field["x0"], field["x1"]) == (12.5, 30.5)
    assert (col["x0"], col["x1"]) == (19.5, 23.5) and col["line"]["color"] == style.HYBRID
    assert arr(fig["data"][0]["customdata"])[0, 20] == 6  # pixel 20 is in column 6 (1-based)


def test_prob_matrix_and_best_path():
    p = np.random.default_rng(1).dirichlet(np.ones(11), 9).astype(np.float32)
    best = p.argmax(1)
    fig = spec(vh.prob_matrix_fig(p, best, SYMBOLS, 2, ("column", "symbol", "best path")))
    np.testing.assert_allclose(arr(fig["data"][0]["z"]), p.T, atol=1e-4)
    assert arr(fig["data"][1]["y"]).tolist() == best.tolist()
    assert fig["layout"]["shapes"][0]["x0"] == 2
    assert fig["layout"]["yaxis"]["ticktext"][10] == "–"


@pytest.mark.parametrize("stage", [1, 2, 3, 4])
def test_ctc_steps_fig_shows_each_stage(stage):
    path = [C.BLANK, 4, 4, C.BLANK, 2, 2, C.BLANK, 2]
    steps = C.greedy_decode(np.eye(11)[path])
    rows = ("best", "merged", "kept", "number")
    fig = spec(vh.ctc_steps_fig(steps.best, steps.runs, C.BLANK, stage, SYMBOLS, rows, "column"))
    texts = fig["data"][0]["text"]
    ys = arr(fig["data"][0]["y"])
    assert texts[:8] == ["–", "4", "4", "–", "2", "2", "–", "2"]
    n_runs = len(steps.runs)  # – 4 – 2 – 2
    assert n_runs == 6
    assert int((ys == 1).sum()) == (n_runs if stage >= 2 else 0)
    assert int((ys == 2).sum()) == (3 if stage >= 3 else 0)
    number = [a["text"] for a in fig["layout"].get("annotations", [])]
    assert number == (["<b>422</b>"] if stage == 4 else [])


def test_wilson_interval():
    lo, hi = vh.wilson(50, 100)
    assert (round(lo, 3), round(hi, 3)) == (0.404, 0.596)
    lo, hi = vh.wilson(100, 100)
    assert hi == pytest.approx(1.0) and 0.96 < lo < 0.97
    assert vh.wilson(0, 0) == (0.0, 1.0)


def test_accuracy_groups_fig_error_bars_are_wilson_intervals():
    series = [("CRNN", "crnn", [0.9, 0.5], [200, 40]), ("CNN", "cnn_only", [0.7, 0.2], [200, 40])]
    fig = spec(vh.accuracy_groups_fig(["a", "b"], series, "acc", chance=(0.2, "chance")))
    for trace, (_, kind, acc, ns) in zip(fig["data"], series, strict=True):
        assert trace["marker"]["color"] == vh.MODEL_COLORS[kind]
        want = np.array([vh.wilson(a * n, n) for a, n in zip(acc, ns, strict=True)])
        np.testing.assert_allclose(arr(trace["error_y"]["array"]), want[:, 1] - acc, atol=1e-9)
        np.testing.assert_allclose(arr(trace["error_y"]["arrayminus"]), acc - want[:, 0], atol=1e-9)
    assert fig["layout"]["shapes"][0]["y0"] == 0.2


def test_feature_maps_and_columns_and_states():
    maps = [("a", np.ones((28, 64))), ("b", np.ones((14, 32))), ("c", np.ones((7, 16)))]
    fig = spec(vh.feature_maps_fig(maps, (8, 12)))
    assert [t["dx"] for t in fig["data"]] == [1, 2, 4]  # laid over the same pixels
    assert len(fig["layout"]["shapes"]) == 3
    cols = np.random.default_rng(2).random((16, 128))
    fig = spec(vh.columns_fig(cols, 3, ("column", "feature")))
    np.testing.assert_allclose(arr(fig["data"][0]["z"]), cols.T, atol=1e-3)
    fwd, bwd = np.tanh(np.random.default_rng(3).normal(size=(2, 16, 96)))
    fig = spec(vh.gru_states_fig(fwd, bwd, 4, ("fwd", "bwd", "column", "unit")))
    np.testing.assert_allclose(arr(fig["data"][1]["z"]), bwd.T, atol=1e-3)
    assert [s["x0"] for s in fig["layout"]["shapes"]] == [4, 4]


def test_three_probs_fig_one_row_per_model():
    p = [np.random.default_rng(i).dirichlet(np.ones(11), 12) for i in range(3)]
    fig = spec(vh.three_probs_fig(p, ["a", "b", "c"], C.KINDS, SYMBOLS, "column"))
    assert len(fig["data"]) == 3
    for trace, pi in zip(fig["data"], p, strict=True):
        np.testing.assert_allclose(arr(trace["z"]), pi.T, atol=1e-4)


def test_clip_and_film_and_motion_charts():
    clip = np.random.default_rng(4).random((10, 40, 40)).astype(np.float32)
    fig = vh.clip_fig(clip, ("play", "frame"))
    frames = fig.to_dict()["frames"]
    assert len(frames) == 10
    np.testing.assert_allclose(arr(frames[7]["data"][0]["z"]), clip[7], atol=1e-3)
    film = spec(vh.film_fig(clip[:3] - 0.5, ["1", "2", "3"], scale=vh.DIV, zmid=True))
    assert film["data"][0]["zmin"] == -film["data"][0]["zmax"]
    sp = np.random.default_rng(5).dirichlet(np.ones(5), 10)
    fig = spec(vh.forming_fig(sp, list("abcde"), ("frame", "p"), highlight=2))
    np.testing.assert_allclose(np.stack([arr(t["y"]) for t in fig["data"]], 1), sp, atol=1e-4)
    assert fig["data"][2]["line"]["width"] > fig["data"][0]["line"]["width"]
    fig = spec(vh.frame_matrix_fig(np.tanh(sp @ np.ones((5, 64))), ("f", "u", "h"), True, 3))
    assert fig["data"][0]["zmin"] == -1
    fig = spec(
        vh.direction_bars([sp[0], sp[1]], ["x", "y"], ["gru", "one_frame"], list("abcde"), "p")
    )
    assert [t["marker"]["color"] for t in fig["data"]] == [style.HYBRID, style.CNN]
