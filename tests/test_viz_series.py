"""viz/series.py: every builder gives a valid canonical figure (VIZ_STRICT), in the house colours,
with the values it was given and learner text escaped."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import plotly_array as arr

from nets import series_models as SM
from viz import series as vs
from viz import style


def data(fig) -> list[dict]:
    return fig.to_plotly_json()["data"]


def test_model_colours_follow_the_house_palette():
    assert vs.model_color("gru") == style.RNN
    assert vs.model_color("tcn") == style.CNN
    for m in ("persistence", "seasonal", "ar"):
        assert vs.model_color(m) == style.BASELINE
    assert len({vs.model_dash(m) for m in ("persistence", "seasonal", "ar")}) == 3


def test_overview_strides_long_series_and_shades_the_parts():
    n = 10_000
    x = np.arange(1, n + 1)
    y = np.sin(np.arange(n) / 50)
    parts = [(1, 7000, "train", "train"), (7001, 8500, "val", "val"), (8501, n, "test", "test")]
    fig = vs.overview_fig(x, y, parts, (9000, 9100), {"series": "s", "y": "v", "window": "w"})
    k = vs.stride(n)
    assert k == 3
    (line,) = data(fig)
    assert len(arr(line["y"])) == len(y[::k])
    assert np.allclose(arr(line["y"]), y[::k], atol=1e-6)
    shapes = fig.to_dict()["layout"]["shapes"]
    assert len(shapes) == 4 and shapes[-1]["x0"] == 9000


def test_overview_takes_iso_dates():
    x = np.array(["2000-01-01", "2000-01-02", "2000-01-03"])
    fig = vs.overview_fig(
        x, np.array([1.0, 2, 3]), [("2000-01-01", "2000-01-03", "t", "train")],
        ("2000-01-02", "2000-01-03"), {"series": "s", "y": "v", "window": "w"},
    )  # fmt: skip
    assert data(fig)[0]["x"] == list(x)


def test_forecast_fig_continues_from_the_last_value_and_escapes_names():
    past, truth = np.array([1.0, 2.0, 3.0]), np.array([4.0, 5.0])
    fcs = [("gru", "G<b>RU</b>", np.array([3.5, 4.0])), ("persistence", "P", np.array([3.0, 3.0]))]
    fig = vs.forecast_fig(
        np.arange(3), past, np.arange(3, 5), truth, fcs,
        {"window": "w", "truth": "t", "y": "y"}, selected=1,
    )  # fmt: skip
    d = data(fig)
    assert [t["name"] for t in d] == ["w", "t", style.esc("G<b>RU</b>"), "P"]
    gru = d[2]
    assert np.allclose(arr(gru["y"]), [3.0, 3.5, 4.0])
    assert gru["line"]["color"] == style.RNN and d[3]["line"]["color"] == style.BASELINE
    assert "<b>" not in gru["name"]


def test_errors_fig_draws_the_reference_line():
    curves = [("gru", "GRU", np.array([0.9, 1.1])), ("tcn", "CNN", np.array([1.0, 1.2]))]
    fig = vs.errors_fig(curves, {"x": "h", "y": "r"}, ref=1.0, selected=0)
    lay = fig.to_dict()["layout"]
    assert any(s["type"] == "line" and s["y0"] == 1.0 for s in lay["shapes"])
    assert np.allclose(arr(data(fig)[0]["y"]), [0.9, 1.1])
    assert data(fig)[1]["line"]["color"] == style.CNN


def test_heatmaps_and_trajectory():
    rng = np.random.default_rng(0)
    hidden = np.tanh(rng.normal(size=(20, 8)))
    lags = np.arange(20) - 19
    fig = vs.hidden_heatmap(hidden, lags, {"x": "lag", "unit": "u", "value": "h"})
    assert np.allclose(arr(data(fig)[0]["z"]), hidden.T, atol=1e-6)
    maps = np.abs(rng.normal(size=(5, 20)))
    fig = vs.maps_fig(maps, lags, {"x": "lag", "channel": "c", "value": "a"})
    assert np.allclose(arr(data(fig)[0]["z"]), maps, atol=1e-5)
    fig = vs.trajectory_fig(
        rng.normal(size=(20, 2)), lags, rng.normal(size=(50, 2)), rng.normal(size=50),
        {"bg": "b", "path": "p", "last": "l", "change": "c", "lag": "lag"}, np.array([0.5, 0.2]),
    )  # fmt: skip
    assert len(data(fig)) == 3


def test_receptive_fig_draws_every_tap():
    W, dil = 20, [1, 2, 4, 8]
    nodes, edges = SM.receptive_tree(W, 3, dil, W - 1)
    fig = vs.receptive_fig(nodes, edges, W, dil, {
        "input": "in", "layer": "L", "x": "lag", "seen": "s", "unseen": "u"})  # fmt: skip
    d = data(fig)
    xs = [v for v in d[1]["x"] if v is not None]
    assert len(xs) == 2 * len(edges)
    assert len(arr(d[2]["x"])) == sum(len(n) for n in nodes)
    assert arr(d[2]["x"]).max() == 0  # nothing to the right of the output


def test_figures_without_marks_are_canonical():
    lags = np.arange(5) - 4
    vs.gradient_fig(lags, [("gru", "GRU", np.ones(5))], {"x": "lag", "y": "d"})
    vs.errors_fig([("ar", "AR", np.ones(3))], {"x": "h", "y": "mae"})


def test_gradient_fig_marks():
    lags = np.arange(10) - 9
    curves = [("gru", "GRU", np.linspace(0, 1, 10)), ("tcn", "CNN", np.linspace(1, 0, 10))]
    fig = vs.gradient_fig(lags, curves, {"x": "lag", "y": "d"}, marks=[(-4, "day")])
    lay = fig.to_dict()["layout"]
    assert lay["shapes"][0]["x0"] == -4 and lay["annotations"][0]["text"] == "day"
    assert [t["line"]["color"] for t in data(fig)] == [style.RNN, style.CNN]


@pytest.mark.parametrize("n", [10, 4000, 4001, 100_000])
def test_stride(n):
    k = vs.stride(n)
    assert len(range(0, n, k)) <= vs.MAX_POINTS
