"""nets/shift.py: conv maps shift exactly with the input away from the border (equivariance); the
shipped accuracy-under-shift curves reproduce (0 px is the models' held-out accuracy, and one
point re-computed here equals the shipped number); one shift function."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

import nets
from nets import shift
from nets.paths import METRICS
from nets.registry import load_model, load_npz
from nets.shift import shift_image


@pytest.fixture(scope="module")
def digit() -> np.ndarray:
    return nets.analyze_image(load_npz("samples/digits.npz")["images"][3]).input28


def test_one_shift_function_moves_with_zero_fill():
    a = np.arange(16, dtype=np.float32).reshape(4, 4)
    s = shift_image(a, 1, 0)
    assert np.all(s[0] == 0) and np.array_equal(s[1:], a[:3])
    s = shift_image(a, -2, 1)
    assert np.array_equal(s[:2, 1:], a[2:, :3]) and np.all(s[2:] == 0) and np.all(s[:, 0] == 0)
    assert np.array_equal(shift_image(a, 0, 0), a)
    batch = shift_image(np.stack([a, 2 * a]), 0, 2)  # leading axes are kept
    assert np.array_equal(batch[1], shift_image(2 * a, 0, 2))
    from nets import cnn_explain
    from nets.lab import digits

    assert not hasattr(cnn_explain, "shift_image")
    assert digits.shift_image is shift_image  # the lab moves digits with the same function


@pytest.mark.parametrize("layer", shift.EQUIVARIANT_LAYERS)
@pytest.mark.parametrize(("dy", "dx"), [(0, 0), (3, 0), (0, -4), (-2, 5), (6, 6)])
def test_conv_maps_shift_exactly_with_the_input(digit, layer, dy, dx):
    e = shift.conv_equivariance(digit, dy, dx, layer)
    assert e.compared > 0 and e.scale > 0
    assert e.max_abs_diff <= 1e-5 * max(e.scale, 1.0)
    np.testing.assert_allclose(
        e.maps_shifted, nets.trace_image28(shift_image(digit, dy, dx))[layer], atol=1e-6
    )


def test_equivariance_rejects_pooled_layers(digit):
    with pytest.raises(ValueError):
        shift.conv_equivariance(digit, 1, 0, "pool1")


def test_shifted_predictions_are_the_models_own(digit):
    p = shift.shifted_predictions(digit, 4, -3)
    x = shift_image(digit, 4, -3)
    assert np.array_equal(p.shifted, x)
    img = torch.from_numpy(x)[None, None]
    with torch.inference_mode():
        pc = torch.softmax(load_model("image_cnn")(img)[0], -1).numpy()
    np.testing.assert_allclose(p.cnn_probs, pc, atol=1e-6)
    np.testing.assert_allclose(p.rnn_probs, nets.analyze_rows(x).probs, atol=1e-5)
    assert (p.cnn_label, p.rnn_label) == (int(pc.argmax()), nets.analyze_rows(x).label)


@pytest.fixture(scope="module")
def curves() -> shift.ShiftAccuracy:
    c = shift.load_shift_accuracy()
    assert c is not None, "assets/metrics/shift_accuracy.json missing: python -m nets.train shift"
    return c


def test_shipped_curves_start_from_the_models_held_out_accuracy(curves):
    assert not curves.dry_run and curves.n == 1000
    assert list(curves.shifts) == list(range(-6, 7))
    zero = list(curves.shifts).index(0)
    for name in ("image_cnn", "row_gru"):
        m = json.loads((METRICS / f"{name}.json").read_text(encoding="utf-8"))
        assert m["data"]["test"] == curves.n
        for axis in ("x", "y"):
            acc = curves.accuracy[name][axis]
            assert acc[zero] == pytest.approx(m["test_accuracy"], abs=1e-6)
            np.testing.assert_allclose(acc, curves.correct[name][axis] / curves.n)
    assert "±3 px" in curves.augmentation and "train_shift" in curves.code


def test_one_shipped_point_recomputes(curves):
    """+4 px along x for both models, recomputed here on the 1,000 held-out digits."""
    from nets.data import load_digits

    d = load_digits()
    te = d.split["test"]
    moved = torch.from_numpy(shift_image(d.x[te], 0, 4))[:, None]
    i = list(curves.shifts).index(4)
    for name in ("image_cnn", "row_gru"):
        with torch.inference_mode():
            pred = load_model(name)(moved).argmax(-1).numpy()
        assert int((pred == d.y[te]).sum()) == curves.correct[name]["x"][i]


def test_loader_tolerates_a_missing_file(tmp_path):
    assert shift.load_shift_accuracy(tmp_path / "none.json") is None
