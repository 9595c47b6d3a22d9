"""The CRNN (nets/crnn.py), its strips (nets/strips.py) and its analysis (nets/hybrid.py).

Against reference computations: the greedy CTC decoder on hand-made probability matrices, the
bidirectional GRU re-computed step by step, the receptive field by perturbation, the trace
against the model's forward pass, the held-out accuracy re-evaluated from the shipped weights,
and train/test digits that never mix.
"""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
import torch
from PIL import Image, ImageDraw

from nets import InputError
from nets import crnn as C
from nets import hybrid as H
from nets import strips as S
from nets.data import SEED, load_digits
from nets.paths import METRICS

B = C.BLANK


def onehot(path: list[int], peak: float = 0.9) -> np.ndarray:
    """A (T, 11) probability matrix whose best symbol per column is ``path``."""
    p = np.full((len(path), 11), (1 - peak) / 10, np.float32)
    p[np.arange(len(path)), path] = peak
    return p


# ----------------------------------------------------------------------------- decoding


@pytest.mark.parametrize(
    ("path", "text", "runs"),
    [
        ([4, 4, 4, B, 2], "42", [(4, 0, 2), (B, 3, 3), (2, 4, 4)]),  # repeats merge
        ([1, 1, B, 1], "11", [(1, 0, 1), (B, 2, 2), (1, 3, 3)]),  # a blank keeps two 1s apart
        ([7, B, B, 7, 7, B, 7], "777", [(7, 0, 0), (B, 1, 2), (7, 3, 4), (B, 5, 5), (7, 6, 6)]),
        ([3, 3, 3, 3], "3", [(3, 0, 3)]),  # no blank between: one digit
        ([B, B, B], "", [(B, 0, 2)]),  # all blank: nothing read
        ([B, 0, B], "0", [(B, 0, 0), (0, 1, 1), (B, 2, 2)]),  # leading and trailing blanks
        ([5, 6, 5, 6], "5656", [(5, 0, 0), (6, 1, 1), (5, 2, 2), (6, 3, 3)]),
    ],
)
def test_greedy_decoding_of_hand_made_matrices(path, text, runs):
    steps = C.greedy_decode(onehot(path))
    assert steps.best.tolist() == path
    assert steps.runs == runs
    assert steps.kept == [r for r in runs if r[0] != B]
    assert steps.text == text
    # the same from log-probabilities or logits (only the argmax counts)
    assert C.greedy_decode(np.log(onehot(path))).text == text


def test_greedy_decoding_of_no_columns():
    steps = C.greedy_decode(np.zeros((0, 11), np.float32))
    assert steps.text == "" and steps.runs == [] and len(steps.best) == 0


@pytest.mark.parametrize(
    ("a", "b", "d"),
    [("", "", 0), ("123", "123", 0), ("123", "13", 1), ("12", "123", 1), ("123", "193", 1),
     ("", "42", 2), ("4071", "4701", 2)],
)  # fmt: skip
def test_edit_distance(a, b, d):
    assert C.edit_distance(a, b) == d == C.edit_distance(b, a)


# ----------------------------------------------------------------------------- the model


@pytest.mark.parametrize("kind", C.KINDS)
def test_trace_shapes_and_the_parameter_budget(kind):
    torch.manual_seed(0)
    model = C.CRNN(C.CRNNConfig(kind=kind)).eval()
    out = model.trace(torch.rand(2, 1, 28, 96))
    T = 96 // 4
    assert out["logits"].shape == (2, T, 11)
    torch.testing.assert_close(out["log_probs"].exp().sum(-1), torch.ones(2, T))
    assert ("fwd" in out) == (kind != "cnn_only")
    assert ("conv1" in out) == (kind != "rnn_only")
    if kind == "rnn_only":
        assert out["columns"].shape == (2, T, 112)
    else:
        assert out["columns"].shape == (2, T, 128)
        assert out["relu3"].shape == (2, 96, 7, T)
    assert sum(p.numel() for p in model.parameters()) <= 300_000


def test_rnn_only_step_reads_four_raw_pixel_columns():
    model = C.CRNN(C.CRNNConfig(kind="rnn_only")).eval()
    x = torch.rand(1, 1, 28, 40)
    cols = model.trace(x)["columns"][0]  # (10, 112)
    t = 3
    want = x[0, 0, :, 4 * t : 4 * t + 4].T.reshape(-1)  # column by column, 28 pixels each
    torch.testing.assert_close(cols[t], want)


def test_bigru_unroll_equals_torch():
    torch.manual_seed(1)
    model = C.CRNN(C.CRNNConfig()).eval()
    x = torch.rand(1, 1, 28, 64)
    out = model.trace(x)
    fwd, bwd = C.bigru_unroll(model.gru, out["columns"][0])
    np.testing.assert_allclose(fwd.hidden, out["fwd"][0].detach().numpy(), atol=1e-5)
    np.testing.assert_allclose(bwd.hidden, out["bwd"][0].detach().numpy(), atol=1e-5)


def test_a_strip_in_a_padded_batch_reads_as_alone():
    torch.manual_seed(2)
    model = C.CRNN(C.CRNNConfig()).eval()
    short, long_ = torch.rand(1, 1, 28, 40), torch.rand(1, 1, 28, 80)
    batch = torch.zeros(2, 1, 28, 80)
    batch[0, :, :, :40], batch[1] = short[0], long_[0]
    with torch.no_grad():
        both = model(batch, torch.tensor([10, 20]))
        alone = model(short)
    torch.testing.assert_close(both[0, :10], alone[0], atol=1e-5, rtol=1e-4)


def test_receptive_field_by_perturbation():
    torch.manual_seed(3)
    cfg = C.CRNNConfig(kind="cnn_only")
    model = C.CRNN(cfg).eval()
    W, t = 80, 8
    lo, hi = C.receptive_field(cfg, t)
    assert (lo, hi) == (25, 43) and hi - lo == 18
    x = torch.rand(1, 1, 28, W)
    base = model.trace(x)["columns"][0, t]
    for col in range(W):
        y = x.clone()
        y[0, 0, :, col] = torch.rand(28) * 3
        changed = not torch.allclose(model.trace(y)["columns"][0, t], base)
        if not lo <= col < hi:
            assert not changed, col  # outside the field: no effect, exactly
        elif col in (lo, hi - 1):
            assert changed, col  # the field is no wider than it needs to be


# ----------------------------------------------------------------------------- strips


def canvas_number(shapes: str, width: int = 640, height: int = 128, stroke: int = 11) -> np.ndarray:
    """A canvas-like drawing (white strokes on black, uint8) of simple digit shapes."""
    img = Image.new("L", (width, height), 0)
    d = ImageDraw.Draw(img)
    x = 40
    for ch in shapes:
        top, bottom = 22, height - 22
        if ch == "1":
            d.line([(x + 20, top), (x + 20, bottom)], fill=255, width=stroke)
        elif ch == "7":
            d.line(
                [(x, top), (x + 50, top), (x + 15, bottom)], fill=255, width=stroke, joint="curve"
            )
        elif ch == "0":
            d.ellipse([x, top, x + 50, bottom], outline=255, width=stroke)
        x += 80
    return np.asarray(img)


def test_prepare_strip_from_a_drawing_and_from_paper_give_the_same_strip():
    drawn = canvas_number("170")
    a = S.prepare_strip(drawn)
    assert a.strip.shape[0] == 28 and a.strip.shape[1] % 4 == 0
    assert a.strip.max() == pytest.approx(1.0) and not a.inverted
    assert np.abs(a.strip[:4]).max() == 0 and np.abs(a.strip[-4:]).max() == 0  # 4 px margins
    buf = io.BytesIO()
    Image.fromarray(255 - drawn).convert("RGB").save(buf, format="JPEG", quality=95)
    b = S.prepare_strip(buf.getvalue())  # dark ink on light paper, compressed
    assert b.inverted and b.strip.shape == a.strip.shape
    assert np.abs(a.strip - b.strip).mean() < 0.03


def test_an_exif_rotated_photo_is_turned_upright():
    upright = 255 - canvas_number("17")
    buf = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    Image.fromarray(np.ascontiguousarray(np.rot90(upright, 1))).save(buf, "JPEG", exif=exif)
    a = S.prepare_strip(buf.getvalue())
    want = S.prepare_strip(upright)
    assert a.strip.shape == want.strip.shape  # read as the wide strip, not a tall one
    assert np.abs(a.strip - want.strip).mean() < 0.03


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (np.zeros((128, 640), np.uint8), "no_ink"),  # an untouched canvas
        (np.full((100, 300), 255, np.uint8), "no_ink"),  # blank paper
        (canvas_number("1" * 60, width=5000, height=100, stroke=6), "too_wide"),
        (b"\x89PNG\r\n\x1a\n" + b"garbage" * 20, None),  # the decoder's own code and message
        (b"not an image at all", None),
    ],
)
def test_bad_inputs_are_rejected_with_a_message_in_both_languages(data, code):
    with pytest.raises(InputError) as err:
        H.analyze_strip(data)
    assert code is None or err.value.code == code
    assert err.value.message("zh") and err.value.message("en")
    assert err.value.message("zh") != err.value.message("en")


def test_train_and_test_strips_never_share_a_digit():
    d = load_digits()
    train = S.strip_set(d.x, d.y, d.split["train"], 20, SEED + 1)
    test = S.strip_set(d.x, d.y, d.split["test"], 20, SEED + 3)
    used_train = {i for s in train for i in s.indices}
    used_test = {i for s in test for i in s.indices}
    assert used_test <= set(d.split["test"].tolist())
    assert used_train <= set(d.split["train"].tolist())
    assert not used_train & used_test
    assert all(s.digits == "".join(str(d.y[i]) for i in s.indices) for s in test)
    samples = np.load(METRICS.parent / "samples" / "strips.npz")
    shipped = {int(i) for row in samples["indices"] for i in str(row).split(",")}
    assert shipped <= set(d.split["test"].tolist())


def test_strips_have_touching_digits_and_every_length():
    d = load_digits()
    strips = S.strip_set(d.x, d.y, d.split["train"], 30, 5)
    assert {len(s.digits) for s in strips} == set(range(1, 9))
    multi = [s for s in strips if len(s.digits) > 1]
    share = np.mean([s.touching for s in multi])
    assert 0.3 < share < 0.95
    assert min(g for s in multi for g in s.gaps) < 0  # some overlap


# ----------------------------------------------------------------------------- shipped weights


@pytest.mark.parametrize("kind", C.KINDS)
def test_analysis_equals_the_models_forward_pass(kind):
    i = 9  # the 8-digit sample
    a = H.analyze_strip(H.sample_strip(i), kind)
    model = H.load_crnn(kind)
    x = torch.from_numpy(a.strip)[None, None]
    with torch.no_grad():
        lp = model(x)[0].numpy()
    np.testing.assert_allclose(np.log(a.probs), lp, atol=1e-5)
    assert a.text == C.greedy_decode(lp).text
    assert a.T == a.strip.shape[1] // 4 == len(a.best)
    if kind != "cnn_only":
        fwd, bwd = C.bigru_unroll(model.gru, torch.from_numpy(a.columns))
        np.testing.assert_allclose(a.fwd, fwd.hidden, atol=1e-5)
        np.testing.assert_allclose(a.bwd, bwd.hidden, atol=1e-5)
        np.testing.assert_allclose(a.logits, np.concatenate([a.fwd, a.bwd], 1)
                                   @ model.head.weight.numpy().T + model.head.bias.numpy(),
                                   atol=1e-4)  # fmt: skip
    if kind != "rnn_only":
        assert a.maps["relu1"].shape == (32, 28, a.strip.shape[1])
        assert a.maps["relu3"].shape == (96, 7, a.T)
        assert (a.maps["relu1"] >= 0).all()


def test_sample_strips_are_held_out_numbers_the_recipe_nearly_leaves_unchanged():
    d = load_digits()
    f = np.load(METRICS.parent / "samples" / "strips.npz")
    for i, number in enumerate(H.sample_strips()):
        idx = [int(j) for j in str(f["indices"][i]).split(",")]
        assert "".join(str(d.y[j]) for j in idx) == number
        raw = H.sample_strip(i)
        assert raw.shape[0] == 28 and raw.shape[1] == int(f["widths"][i]) <= S.MAX_WIDTH
        again = S.prepare_strip(raw).strip  # through the page's own path (decode, ink, scale)
        assert again.shape[0] == 28 and abs(again.shape[1] - raw.shape[1]) <= 8, i


@pytest.mark.slow
def test_held_out_accuracy_re_evaluated_from_the_shipped_weights():
    from nets import train_crnn as TC

    m = json.loads((METRICS / "crnn.json").read_text(encoding="utf-8"))
    d = load_digits()
    test = S.strip_set(d.x, d.y, d.split["test"], TC.TEST_PER_LENGTH, SEED + 3)
    assert len(test) == m["data"]["test"]
    for kind in C.KINDS:
        rep = TC.report(test, TC.read_all(H.load_crnn(kind), test))
        want = m["models"][kind]["test"]
        for part in ("target_range", "touching"):
            assert rep[part]["number_accuracy"] == pytest.approx(
                want[part]["number_accuracy"], abs=2e-3
            )
            assert rep[part]["digit_accuracy"] == pytest.approx(
                want[part]["digit_accuracy"], abs=2e-3
            )
    tr = m["models"]["crnn"]["test"]["target_range"]
    assert m["test_accuracy"] == tr["number_accuracy"]
    assert m["targets"]["met"] == (tr["number_accuracy"] >= 0.9 and tr["digit_accuracy"] >= 0.97)


def test_every_awkward_upload_gives_a_reading_or_a_message_quickly():
    """The project's corpus of awkward uploads (tests/badinputs.py) through the whole strip path:
    a result or an ``InputError``, never another exception, each within 2 s."""
    import time

    from badinputs import corpus

    for name, data in corpus().items():
        t0 = time.perf_counter()
        try:
            a = H.analyze_strip(data)
            assert a.strip.shape[0] == 28 and a.strip.shape[1] <= S.MAX_WIDTH, name
        except InputError as err:
            assert err.message("zh") and err.message("en"), name
        assert time.perf_counter() - t0 < 2.0, name
