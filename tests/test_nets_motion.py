"""The motion model (nets/motion.py), its clips (nets/strips.py) and its analysis (nets/hybrid.py).

Against reference computations: the GRU re-computed step by step, what each ablation can see
(by changing the frames it must not see), the clip paths' middle position independent of the
direction, the held-out accuracy re-evaluated from the shipped weights, digits never crossing
from train to test.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from nets import hybrid as H
from nets import motion as Mo
from nets import strips as S
from nets.data import SEED, load_digits
from nets.gru import unroll
from nets.paths import METRICS


def test_clip_paths_move_the_right_way_and_hide_it_in_the_middle_frame():
    rng = np.random.default_rng(0)
    mids, steps = {}, {}
    for d in S.DIRECTIONS:
        paths = np.stack([S.clip_path(d, rng) for _ in range(400)])  # (400, F, 2)
        mids[d] = paths[:, S.FRAMES // 2 - 1].mean(0)
        steps[d] = (paths[:, -1] - paths[:, 0]).mean(0)
    want = {"up": (-1, 0), "down": (1, 0), "left": (0, -1), "right": (0, 1), "still": (0, 0)}
    for d, (dy, dx) in want.items():
        travel = np.mean(S.SPEED) * (S.FRAMES - 1)
        np.testing.assert_allclose(steps[d], (dy * travel, dx * travel), atol=0.5)
    centre = np.mean(list(mids.values()), axis=0)
    for d in S.DIRECTIONS:  # the middle frame's position does not tell the direction
        np.testing.assert_allclose(mids[d], centre, atol=0.6)


def test_shift_places_the_digit_and_interpolates():
    img = np.zeros((28, 28), np.float32)
    img[10, 12] = 1.0
    out = S.shift(img, 3, 5, 40)
    assert out[13, 17] == pytest.approx(1.0) and out.sum() == pytest.approx(1.0)
    half = S.shift(img, 3, 5.5, 40)
    assert half[13, 17] == pytest.approx(0.5) and half[13, 18] == pytest.approx(0.5)
    assert S.shift(img, -40, 0, 40).sum() == 0  # far out of the frame: empty


def test_train_and_test_clips_never_share_a_digit():
    d = load_digits()
    _, _, tr = S.clip_set(d.x, d.split["train"], 30, SEED + 10)
    _, labels, te = S.clip_set(d.x, d.split["test"], 30, SEED + 3)
    assert set(te.tolist()) <= set(d.split["test"].tolist())
    assert set(tr.tolist()) <= set(d.split["train"].tolist())
    assert not set(tr.tolist()) & set(te.tolist())
    assert np.bincount(labels).tolist() == [30] * 5
    shipped = np.load(METRICS.parent / "samples" / "motion_digits.npz")["indices"]
    assert set(shipped.tolist()) <= set(d.split["test"].tolist())


@pytest.mark.parametrize("kind", Mo.KINDS)
def test_trace_shapes(kind):
    model = Mo.MotionNet(Mo.MotionConfig(kind=kind)).eval()
    out = model.trace(torch.rand(2, S.FRAMES, 40, 40))
    n = {"gru": S.FRAMES, "one_frame": 1, "diff": 1}[kind]
    assert out["features"].shape == (2, n, 64)
    assert out["relu1"].shape == (2, n, 8, 40, 40)
    assert out["logits"].shape == (2, 5)
    if kind == "gru":
        assert out["hidden"].shape == (2, S.FRAMES, 64)
        torch.testing.assert_close(out["step_logits"][:, -1], out["logits"])


@pytest.mark.parametrize(("kind", "frames"), [("one_frame", {4}), ("diff", {4, 5})])
def test_the_ablations_see_only_their_frames(kind, frames):
    torch.manual_seed(0)
    model = Mo.MotionNet(Mo.MotionConfig(kind=kind)).eval()
    clip = torch.rand(1, S.FRAMES, 40, 40)
    base = model(clip)
    for f in range(S.FRAMES):
        other = clip.clone()
        other[0, f] = torch.rand(40, 40)
        assert torch.allclose(model(other), base) == (f not in frames), f


def test_the_gru_sees_every_frame():
    torch.manual_seed(0)
    model = Mo.MotionNet(Mo.MotionConfig()).eval()
    clip = torch.rand(1, S.FRAMES, 40, 40)
    base = model(clip)
    other = clip.clone()
    other[0, 0] = torch.rand(40, 40)
    assert not torch.allclose(model(other), base)


@pytest.mark.parametrize("kind", Mo.KINDS)
def test_analysis_equals_the_models_forward_pass(kind):
    clip = H.make_clip(H.sample_digit(3), "left")
    c = H.analyze_clip(clip, kind)
    model = H.load_motion(kind)
    with torch.no_grad():
        logits = model(torch.from_numpy(clip)[None])[0].numpy()
    np.testing.assert_allclose(c.probs, np.exp(logits) / np.exp(logits).sum(), atol=1e-6)
    assert c.direction == S.DIRECTIONS[int(logits.argmax())]
    if kind == "gru":
        steps = unroll(model.gru, torch.from_numpy(c.features))
        np.testing.assert_allclose(c.hidden, steps.hidden, atol=1e-5)
        z = c.hidden @ model.head.weight.numpy().T + model.head.bias.numpy()
        e = np.exp(z - z.max(1, keepdims=True))
        np.testing.assert_allclose(c.step_probs, e / e.sum(1, keepdims=True), atol=1e-5)
        np.testing.assert_allclose(c.step_probs[-1], c.probs, atol=1e-6)
    else:
        assert c.hidden is None and c.step_probs is None
        m = model.middle
        want = clip[m] if kind == "one_frame" else clip[m + 1] - clip[m]
        np.testing.assert_allclose(c.inputs[0], want, atol=1e-6)


def test_a_clip_is_the_same_for_the_same_choice():
    a = H.make_clip(H.sample_digit(1), "up", seed=0)
    b = H.make_clip(H.sample_digit(1), "up", seed=0)
    np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError):
        H.make_clip(H.sample_digit(1), "diagonal")


@pytest.mark.slow
def test_held_out_accuracy_re_evaluated_from_the_shipped_weights():
    from nets import train_motion as TM

    m = json.loads((METRICS / "motion.json").read_text(encoding="utf-8"))
    d = load_digits()
    clips, labels, _ = S.clip_set(d.x, d.split["test"], TM.TEST_PER_DIRECTION, SEED + 3)
    assert len(labels) == m["data"]["test"]
    for kind in Mo.KINDS:
        acc = TM.report(TM.predict(H.load_motion(kind), clips), labels)["accuracy"]
        assert acc == pytest.approx(m["models"][kind]["test"]["accuracy"], abs=1e-3)
    assert m["test_accuracy"] == m["models"]["gru"]["test"]["accuracy"]
    assert m["targets"]["met"] == (m["test_accuracy"] >= 0.95)
