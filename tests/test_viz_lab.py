"""viz/lab.py: the claims lab's builders draw exactly the numbers they are given, in the house
colours (CNN blue, RNN orange, the tanh RNN grey, the Transformer green), user text escaped;
every figure passes plotly's validator (VIZ_STRICT=1, set by conftest)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import plotly_array as arr

from viz import lab as vl
from viz import style


def spec(fig) -> dict:
    import json

    return json.loads(fig.to_json())


def test_model_styles_follow_the_house_palette():
    assert vl.model_style("cnn") == (style.CNN, "solid")
    assert vl.model_style("cnn_macs") == (style.CNN, "dash")
    assert vl.model_style("gru")[0] == vl.model_style("gru_attn")[0] == style.RNN
    assert vl.model_style("gru_plain") == (style.RNN, "dash")
    assert vl.model_style("rnn")[0] == style.BASELINE
    assert vl.model_style("transformer")[0] == style.EXTRA
    assert vl.model_style("unknown")[0] == style.BASELINE


def test_lines_with_error_bars_and_a_target():
    y, lo, hi = [0.5, 0.7, None], [0.4, 0.6, None], [0.6, 0.75, None]
    line = vl.Line([10, 100, 400], y, "<b>GRU</b>", style.RNN, lo=lo, hi=hi)
    fig = spec(vl.lines_fig([line], "L", "acc", log_x=True, y_format=".0%", hline=(0.75, "t")))
    tr = fig["data"][0]
    np.testing.assert_allclose(arr(tr["y"]), [0.5, 0.7, np.nan])
    np.testing.assert_allclose(arr(tr["error_y"]["array"])[:2], [0.1, 0.05])
    np.testing.assert_allclose(arr(tr["error_y"]["arrayminus"])[:2], [0.1, 0.1])
    assert tr["name"] == "&lt;b&gt;GRU&lt;/b&gt;" and tr["line"]["color"] == style.RNN
    assert fig["layout"]["xaxis"]["type"] == "log"
    assert fig["layout"]["shapes"][0]["y0"] == 0.75
    assert fig["layout"]["yaxis"]["tickformat"] == ".0%"


def test_strip_draws_every_repeat_its_median_and_the_misses():
    fig = spec(vl.strip_fig([("CNN", style.CNN, [1.0, 3.0, 2.0]),
                             ("GRU", style.RNN, [4.0, None, 5.0])], "s", "missed"))  # fmt: skip
    dots = [t for t in fig["data"] if t["mode"] == "markers" and len(t["x"]) > 1]
    np.testing.assert_allclose(arr(dots[0]["y"]), [1.0, 3.0, 2.0])
    medians = [t for t in fig["data"] if t.get("marker", {}).get("symbol") == "line-ew-open"]
    assert [m["y"][0] for m in medians] == [2.0, 5.0]  # a miss counts as infinitely slow
    misses = [t for t in fig["data"] if t.get("marker", {}).get("symbol") == "x"]
    assert len(misses) == 1 and misses[0]["text"] == ["missed"]


def test_grouped_bars_with_confidence_intervals():
    fig = spec(vl.grouped_bars(["neg", "kw"], [("CNN", style.CNN, [0.5, 0.9], [0.4, 0.8],
                                                 [0.6, 1.0])], "acc"))  # fmt: skip
    tr = fig["data"][0]
    np.testing.assert_allclose(arr(tr["y"]), [0.5, 0.9])
    np.testing.assert_allclose(arr(tr["error_y"]["array"]), [0.1, 0.1])
    assert fig["layout"]["barmode"] == "group"


@pytest.mark.parametrize("x_key", ["cpu_s", "step"])
def test_race_rows(x_key):
    points = {
        m: {"cpu_s": [0, 0.5, 1.1], "step": [0, 10, 20], "loss": [None, 0.7, 0.5],
            "val_acc": [0.5, 0.6, 0.7 + k], "grad_norm": [None, 2.0, 1.5]}
        for k, m in ((0.0, "cnn"), (0.1, "gru"))
    }  # fmt: skip
    fig = spec(vl.race_fig(points, {"cnn": "CNN", "gru": "GRU"}, ("loss", "acc", "grad"), x_key,
                           "x", x_max=20))  # fmt: skip
    assert len(fig["data"]) == 6  # 3 rows × 2 models
    acc = [t for t in fig["data"] if t["yaxis"] == "y2"]
    np.testing.assert_allclose(arr(acc[1]["y"]), [0.5, 0.6, 0.8])
    np.testing.assert_allclose(arr(acc[0]["x"]), points["cnn"][x_key])
    assert [t["showlegend"] for t in fig["data"]].count(True) == 2
    assert fig["layout"]["xaxis3"]["range"] == [0, 20]
    assert {t["line"]["color"] for t in fig["data"]} == {style.CNN, style.RNN}
