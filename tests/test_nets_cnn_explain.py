"""nets.cnn_explain against the model itself: every explainer number equals the real one."""

from __future__ import annotations

import numpy as np
import pytest

import nets
from nets import cnn_explain as ce
from nets.registry import load_model, load_npz


@pytest.fixture(scope="module")
def digit():
    return nets.analyze_image(load_npz("samples/digits.npz")["images"][7])


def test_architecture_matches_the_trace_and_the_parameters():
    blocks = {b.name: b for b in ce.architecture()}
    model = load_model("image_cnn")
    trace = nets.trace_image28(np.zeros((28, 28), np.float32))
    for name, act in trace.items():
        assert blocks[name].shape == act.shape, name
    total = sum(p.numel() for p in model.parameters())
    assert sum(b.params for b in blocks.values()) == total
    assert blocks["conv1"].params == model.conv1.weight.numel() + model.conv1.bias.numel()
    # feature maps shrink, channels grow
    assert blocks["pool2"].shape[1] < blocks["pool1"].shape[1] < blocks["conv1"].shape[1]
    assert blocks["conv2"].shape[0] > blocks["conv1"].shape[0]


@pytest.mark.parametrize("layer", ["conv1", "conv2"])
@pytest.mark.parametrize("pos", [(0, 0), (5, 9), (13, 13), (0, 13)])
def test_step_sum_plus_bias_equals_the_activation(digit, layer, pos):
    acts = digit.activations[layer]
    y, x = min(pos[0], acts.shape[1] - 1), min(pos[1], acts.shape[2] - 1)
    for ch in (0, acts.shape[0] - 1):
        s = ce.conv_step(layer, ch, y, x, digit.input28, digit.activations)
        assert s.value == pytest.approx(float(acts[ch, y, x]), abs=1e-5)
        assert s.total == pytest.approx(float(s.products.sum()), abs=1e-5)
        assert s.channel_sums.sum() == pytest.approx(s.total, abs=1e-5)
        np.testing.assert_allclose(s.products, s.patch * s.kernel, atol=1e-6)


def test_step_kernel_is_the_model_weight(digit):
    s = ce.conv_step("conv2", 3, 4, 4, digit.input28, digit.activations)
    w = load_model("image_cnn").conv2.weight.detach().numpy()[3]
    np.testing.assert_array_equal(s.kernel, w)
    assert s.bias == pytest.approx(float(load_model("image_cnn").conv2.bias[3]))


@pytest.mark.parametrize("layer", ce.SPATIAL_LAYERS)
@pytest.mark.parametrize("pos", [(0, 0), (3, 5), (6, 6)])
def test_receptive_field_equals_gradient_support(layer, pos):
    size = {"conv1": 28, "relu1": 28, "pool1": 14, "conv2": 14, "relu2": 14, "pool2": 7}[layer]
    y, x = (min(p, size - 1) for p in pos)
    support = ce.gradient_support(layer, 1, y, x)
    np.testing.assert_array_equal(support, ce.geometry_mask(layer, y, x))


def test_receptive_field_sizes():
    assert ce.receptive_field("conv1", 5, 5) == (4, 6, 4, 6)
    assert ce.receptive_field("pool1", 3, 3) == (5, 8, 5, 8)
    top, bottom, left, right = ce.receptive_field("conv2", 6, 6)
    assert (bottom - top + 1, right - left + 1) == (8, 8)
    top, bottom, left, right = ce.receptive_field("pool2", 3, 3)
    assert (bottom - top + 1, right - left + 1) == (10, 10)


def test_one_inputs_gradient_lies_inside_the_field(digit):
    g = ce.unit_gradient("conv2", 2, 7, 7, digit.input28)
    assert not (np.abs(g) > 0)[~ce.geometry_mask("conv2", 7, 7)].any()


def test_pooled_maps_move_by_half_an_even_shift(digit):
    """Convolution layers shift with the input (tests/test_nets_shift.py); a 2×2 max-pool of a
    map shifted by an even number of pixels is the pooled map shifted by half as much."""
    from nets.shift import interior_mask, shift_image

    for dy, dx in ((2, -4), (4, 4)):
        moved = nets.trace_image28(shift_image(digit.input28, dy, dx))["pool1"]
        mask = interior_mask(moved.shape[-2:], dy // 2, dx // 2, margin=1)
        diff = np.abs(shift_image(digit.activations["pool1"], dy // 2, dx // 2) - moved)
        assert mask.sum() > 0 and diff[:, mask].max() < 1e-5


def test_parameter_sharing_counts_from_real_shapes():
    s = ce.parameter_sharing("conv1")
    model = load_model("image_cnn")
    assert s.conv_params == sum(p.numel() for p in model.conv1.parameters())
    assert s.in_shape == (1, 28, 28) and s.out_shape == (16, 28, 28)
    assert s.dense_params == 28 * 28 * 16 * 28 * 28 + 16 * 28 * 28
    s2 = ce.parameter_sharing("conv2")
    assert s2.dense_params == 16 * 14 * 14 * 32 * 14 * 14 + 32 * 14 * 14


def test_pool_window_and_softmax_steps(digit):
    for layer in ("pool1", "pool2"):
        win, val = ce.pool_window(digit.activations, layer, 2, 3, 3)
        assert win.shape == (2, 2) and float(win.max()) == pytest.approx(val)
    z, e, p = ce.softmax_steps(digit.activations["logits"])
    np.testing.assert_allclose(p, digit.probs, atol=1e-6)
    assert e.max() == pytest.approx(1.0)


def test_preprocessing_steps(digit):
    steps = dict(ce.preprocessing_steps(digit.pre))
    assert list(steps) == ["original", "gray", "ink", "input28"]
    np.testing.assert_array_equal(steps["input28"][::4, ::4], digit.input28)
    assert ce.downsample(np.zeros((300, 200)), 128).shape == (100, 67)


def test_geometry_table_matches_the_model():
    model = load_model("image_cnn")
    geo = {name: (k, s, p) for name, k, s, p in ce.GEOMETRY}
    for name in ("conv1", "conv2"):
        conv = getattr(model, name)
        assert geo[name] == (conv.kernel_size[0], conv.stride[0], conv.padding[0])
    assert geo["pool1"] == (model.pool.kernel_size, model.pool.stride, model.pool.padding)


def test_shift_curve_matches_single_shifted_predictions(digit):
    from nets.shift import shift_curve, shifted_predictions

    curve = shift_curve(digit.input28, 2)
    assert curve.shape == (17, 10)
    for i, dx in ((0, -8), (8, 0), (11, 3)):
        ref = shifted_predictions(digit.input28, 2, dx).cnn_probs
        np.testing.assert_allclose(curve[i], ref, atol=1e-5)


def test_most_active_channel():
    maps = np.zeros((4, 3, 3), np.float32)
    maps[2] = 1.0
    assert ce.most_active_channel(maps) == 2


def test_kernel_kinds():
    edge = np.array([[-1.0, 0, 1], [-1, 0, 1], [-1, 0, 1]])
    blob = np.full((3, 3), 0.5)
    blob[0, 0] = -0.1
    dark = -np.ones((3, 3))
    kinds = ce.kernel_kinds(np.stack([edge, blob, dark]))
    assert kinds.tolist() == ["mixed", "positive", "negative"]


def test_preprocessing_strip_holds_every_stage_at_one_height(digit):
    strip = ce.preprocessing_strip(digit.pre, height=84, gap=8)
    assert strip.dtype == np.uint8 and strip.shape[0] == 84 and strip.shape[2] == 3
    steps = ce.preprocessing_steps(digit.pre)
    widths = [max(1, round(img.shape[1] * 84 / img.shape[0])) for _, img in steps]
    assert strip.shape[1] == sum(widths) + 8 * (len(steps) - 1)
    # the last stage is the 28×28 input, scaled ×3 by nearest neighbour: its pixels survive
    last = strip[:, -widths[-1] :, 0].astype(np.float64) / 255
    np.testing.assert_allclose(last[::3, ::3], digit.input28, atol=1 / 255 + 1e-6)
