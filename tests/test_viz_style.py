"""viz/style.py: one palette, canonical colour scales, escaped token axes, CJK-aware joining."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from viz import style


def test_join_tokens_reads_as_written():
    assert style.join_tokens(["服", "务", "很", "好"]) == "服务很好"
    assert style.join_tokens(["not", "good"]) == "not good"
    assert style.join_tokens(["很", "good", "，", "好"]) == "很 good ，好"


def test_is_cjk():
    assert style.is_cjk("好") and style.is_cjk("，") and style.is_cjk("Ａ")
    assert not style.is_cjk("a") and not style.is_cjk("") and not style.is_cjk("1")


def test_token_axis_escapes_and_thins():
    axis = style.token_axis(["<b>", "x"])
    assert axis["ticktext"] == ["&lt;b&gt;", "x"] and axis["tickvals"] == [0, 1]
    long = style.token_axis([f"w{i}" for i in range(200)])
    assert len(long["ticktext"]) <= style.MAX_TICKS
    assert style.step_labels(["<i>", "a"], start=3) == ["4·&lt;i&gt;", "5·a"]


def test_scale_is_what_plotly_validates():
    for name in (style.DIV, style.SEQ, style.GRAY, "Oranges"):
        expected = [list(p) for p in go.Heatmap(colorscale=name).colorscale]
        assert style.scale(name) == expected
    explicit = [[0, "red"], [1, "blue"]]
    assert style.scale(explicit) is explicit


def test_sym_and_f32():
    assert style.sym(np.array([-3.0, 2.0])) == 3.0
    assert style.sym(np.zeros(3)) == 1.0 and style.sym(np.array([])) == 1.0
    a = style.f32([1.23456, 2.0], digits=2)
    assert a.dtype == np.float32 and a.flags.c_contiguous
    np.testing.assert_allclose(a, [1.23, 2.0])
