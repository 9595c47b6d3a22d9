"""viz.cnn builders: pure, exact values in, the same values out."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest

from viz import cnn as vz

RNG = np.random.default_rng(0)


def z(trace) -> np.ndarray:
    return np.asarray(trace.z, dtype=np.float64)


def test_probs_fig_bars_are_the_probabilities():
    p = RNG.random(10)
    p /= p.sum()
    fig = vz.probs_fig(p.astype(np.float32))
    np.testing.assert_allclose(fig.data[0].y, p, atol=1e-7)
    assert list(fig.data[0].x) == [str(i) for i in range(10)]


@pytest.mark.parametrize("shared", [False, True])
def test_map_grid_is_one_tiled_heatmap_holding_every_map(shared):
    maps = RNG.standard_normal((16, 6, 6)).astype(np.float32)
    maps[3] *= 10
    fig = vz.map_grid_fig(maps, shared)
    hover = fig.data[-1]  # raw values and (channel, y, x) for the hover
    raw, where = z(hover), np.asarray(hover.customdata)
    for c in range(16):
        cells = where[..., 0] == c
        assert cells.sum() == 36
        ys, xs = where[cells][:, 1], where[cells][:, 2]
        np.testing.assert_allclose(raw[cells], maps[c][ys, xs], atol=1e-4)
    assert np.isnan(raw[where[..., 0] < 0]).all()  # gaps between maps
    assert [a.text for a in fig.layout.annotations] == [str(c) for c in range(16)]
    if shared:
        assert len(fig.data) == 1 and hover.showscale
        assert (hover.zmin, hover.zmax) == pytest.approx((maps.min(), maps.max()))
    else:  # the visible trace stretches each map to 0..1; the hover trace is invisible
        assert len(fig.data) == 2 and hover.opacity == 0
        shown = z(fig.data[0])  # uint8: 1..255 over each map's own range, 0 in the gaps
        assert (shown[where[..., 0] < 0] == 0).all()
        for c in (0, 3):
            cells = where[..., 0] == c
            m = maps[c][where[cells][:, 1], where[cells][:, 2]]
            ref = 1 + np.rint((m - maps[c].min()) / np.ptp(maps[c]) * 254)
            np.testing.assert_allclose(shown[cells], ref, atol=1)


def test_kernels_and_step_figs_write_the_values():
    w = RNG.standard_normal((4, 3, 3))
    fig = vz.kernels_fig(w, ["a", "b", "c", "d"])
    for i in range(4):
        np.testing.assert_allclose(z(fig.data[i]), w[i], atol=1e-4)
        assert fig.data[i].texttemplate
    patch, kern = RNG.random((3, 3)), RNG.standard_normal((3, 3))
    fig = vz.conv_step_fig(patch, kern, patch * kern, ["p", "k", "x"])
    np.testing.assert_allclose(z(fig.data[2]), patch * kern, atol=1e-4)


def test_animation_frames_move_only_shapes():
    src, out = RNG.random((8, 8)), RNG.random((8, 8))
    fig = vz.conv_animation_fig(src, out, ["in", "out"], step=2)
    assert len(fig.frames) == 17  # 4×4 positions plus the last one
    for fr in fig.frames:
        assert not fr.data and fr.layout.shapes
    last = fig.frames[-1].layout.shapes
    assert len(last) == 2  # no cover left: the output map is complete
    np.testing.assert_allclose(z(fig.data[1]), out, atol=1e-4)
    assert len(fig.to_json()) < 60_000
    sent = fig.to_dict()["frames"]  # what st.plotly_chart serialises
    assert len(sent) == 17 and sent[0]["layout"]["shapes"] == [
        sh.to_plotly_json() for sh in fig.frames[0].layout.shapes
    ]


def test_other_builders_return_figures():
    img = RNG.random((28, 28))
    figs = [
        vz.architecture_fig(
            ["a", "b"],
            [(1, 28, 28), (16, 28, 28)],
            [0, 160],
            {"values": "v", "params": "p", "shape": "s"},
            "b",
        ),
        vz.bars_fig(RNG.random(128)),
        vz.pair_fig(img, img, ["a", "b"]),
        vz.softmax_fig(*(RNG.random(10) for _ in range(3)), ["l", "e", "p"]),
        vz.receptive_field_fig(img, img - 0.5, (2, 9, 3, 10), ["i", "g"]),
        vz.attribution_fig(
            img, [img, -img, img, img], ["a", "b", "c", "d"], [False, True, False, True], cols=2
        ),
        vz.image_fig(img, "t"),
        vz.translation_fig([img, img], [img, img], ["a", "b", "c", "d"]),
        vz.sharing_fig(160, 9_847_040, ["conv", "dense"]),
    ]
    assert all(isinstance(f, go.Figure) for f in figs)
    assert list(figs[-1].data[0].y) == [160, 9_847_040]
    rf = figs[4].layout.shapes[0]
    assert (rf.x0, rf.x1, rf.y0, rf.y1) == (2.5, 10.5, 1.5, 9.5)


def test_shift_curve_fig():
    p = RNG.random((17, 10))
    p /= p.sum(1, keepdims=True)
    fig = vz.shift_curve_fig(list(range(-8, 9)), p, 3, 2, ["P", "dx", "winner"])
    np.testing.assert_allclose(fig.data[0].y, p[:, 3])
    assert list(fig.data[0].text) == [str(w) for w in p.argmax(1)]
