"""Every question of every lesson: the answer ``nets.lessons.solve`` gives is checked against a
reference computed here from the models directly (torch forward passes, autograd, our own
Integrated Gradients), not through the analyses the app uses. Plus the helpers' units."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from scipy.stats import spearmanr

from nets import lessons as L
from nets.analyze import LABELS, analyze_image, encode
from nets.registry import load_model

QUESTIONS = [
    (lid, i)
    for lid in L.lesson_ids()
    for i, s in enumerate(L.load_lesson(lid)["steps"])
    if "question" in s
]
_data: dict[str, L.Data] = {}


def data_for(inp: dict) -> L.Data:
    key = repr(sorted(inp.items()))
    if key not in _data:
        _data[key] = L.Data(inp)
    return _data[key]


# ----------------------------------------------------------------------------- image references


def x28(inp: dict) -> np.ndarray:
    """The preprocessed digit (preprocessing is not what the questions ask about)."""
    return analyze_image(L.sample_array(inp["sample"])).input28


def tensor(x: np.ndarray) -> torch.Tensor:
    return torch.tensor(np.asarray(x, dtype=np.float32))[None, None]


def cnn():
    return load_model("image_cnn")


def conv1(x: np.ndarray) -> np.ndarray:
    m = cnn()
    with torch.no_grad():
        return F.conv2d(tensor(x), m.conv1.weight, m.conv1.bias, padding=1)[0].numpy()


def cnn_logits(x: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        return cnn()(tensor(x))[0].numpy()


def rows_probs(x: np.ndarray) -> np.ndarray:
    """The row GRU's class probabilities after each row: nn.GRU over the rows, then fc."""
    m = load_model("row_gru")
    with torch.no_grad():
        h, _ = m.gru(torch.tensor(np.asarray(x, dtype=np.float32))[None])
        return torch.softmax(m.fc(h[0]), -1).numpy()


def shifted(x: np.ndarray, dy: int, dx: int) -> np.ndarray:
    out = np.zeros_like(x)
    h, w = x.shape
    out[max(dy, 0) : h + min(dy, 0), max(dx, 0) : w + min(dx, 0)] = x[
        max(-dy, 0) : h + min(-dy, 0), max(-dx, 0) : w + min(-dx, 0)
    ]
    return out


def image_ig(x: np.ndarray, target: int, steps: int = 256) -> np.ndarray:
    """Integrated Gradients of logit[target] from the black image, midpoint rule."""
    m = cnn()
    alphas = (torch.arange(steps, dtype=torch.float32) + 0.5) / steps
    xt = tensor(x)
    path = (alphas[:, None, None, None] * xt).requires_grad_(True)
    with torch.enable_grad():
        m(path)[:, target].sum().backward()
    return (path.grad.mean(0) * xt)[0, 0].numpy()


def ref_kernels_mixed(q, inp, sol):
    w = cnn().conv1.weight.detach().numpy().reshape(16, -1)
    balance = w.sum(1) / np.abs(w).sum(1)
    assert int(sol.answer) == int((np.abs(balance) < 0.6).sum())


def ref_blank_output(q, inp, sol):
    x, c = x28(inp), int(q.get("channel", 0))
    assert not x[:2, :2].any(), "the corner under the kernel is blank for this sample"
    out = conv1(x)[c, 0, 0]
    bias = float(cnn().conv1.bias[c])
    assert out == pytest.approx(bias, abs=1e-6)
    assert sol.answer == ("zero" if bias == 0 else "bias")


def ref_relu_zeroed(q, inp, sol):
    share = float((conv1(x28(inp))[int(q.get("channel", 0))] < 0).mean())
    assert sol.answer == f"q{min(int(share * 4), 3)}"


def ref_bar_response(q, inp, sol):
    x = x28(inp)
    bar, _, _ = L.bar_masks(x)
    maps = conv1(x)
    assert int(sol.answer) == int(np.argmax([m[bar].mean() for m in maps]))


def ref_equivariant(q, inp, sol):
    dy, dx = int(q.get("dy", 0)), int(q.get("dx", 3))
    x = x28(inp)
    assert not x[:, -dx - 1 :].any(), "the shift moves no ink off the image"
    a, b = conv1(x), conv1(shifted(x, dy, dx))
    inner = (slice(None), slice(1, -1), slice(dx + 1, -1))
    same = np.abs(shifted_maps(a, dy, dx)[inner] - b[inner]).max() < 1e-4
    assert sol.answer == ("yes" if same else "no")


def shifted_maps(a: np.ndarray, dy: int, dx: int) -> np.ndarray:
    return np.stack([shifted(m, dy, dx) for m in a])


def ref_sharing_ratio(q, inp, sol):
    w = cnn().conv1.weight
    conv = w.numel() + w.shape[0]
    n_in, n_out = 28 * 28, w.shape[0] * 28 * 28
    ratio = (n_in * n_out + n_out) / conv
    best = min((1, 3, 5, 7), key=lambda k: abs(math.log10(ratio) - k))
    assert sol.answer == f"e{best}"


def ref_map_side(q, inp, sol):
    with torch.no_grad():
        out = cnn().trace(tensor(x28(inp)))
    assert int(sol.answer) == out[q.get("layer", "pool1")].shape[-1]


def ref_rf_size(q, inp, sol):
    """Receptive field of a centre unit by the recurrence r += (k − 1)·jump, jump *= stride."""
    layers = {"conv1": [(3, 1)], "pool1": [(3, 1), (2, 2)], "conv2": [(3, 1), (2, 2), (3, 1)]}
    layers["pool2"] = [*layers["conv2"], (2, 2)]
    r, jump = 1, 1
    for k, s in layers[q.get("layer", "conv2")]:
        r, jump = r + (k - 1) * jump, jump * s
    assert int(sol.answer) == min(r, 28)


def ref_cnn_label(q, inp, sol):
    assert int(sol.answer) == int(np.argmax(cnn_logits(x28(inp))))


def ref_saliency_on_ink(q, inp, sol):
    x = x28(inp)
    label = int(np.argmax(cnn_logits(x)))
    xt = tensor(x).requires_grad_(True)
    with torch.enable_grad():
        cnn()(xt)[0, label].backward()
    g = xt.grad[0, 0].abs().numpy()
    y, xx = np.unravel_index(int(np.argmax(g)), g.shape)
    assert sol.answer == ("ink" if x[y, xx] > 0.5 else "background")


def ref_ig_complete(q, inp, sol):
    x = x28(inp)
    label = int(np.argmax(cnn_logits(x)))
    ig = image_ig(x, label)
    delta = cnn_logits(x)[label] - cnn_logits(np.zeros_like(x))[label]
    ok = abs(ig.sum() - delta) <= float(q.get("rtol", 0.05)) * abs(delta)
    assert sol.answer == ("yes" if ok else "no")


def ref_ig_half(q, inp, sol):
    x = x28(inp)
    ig = image_ig(x, int(np.argmax(cnn_logits(x))))
    top, bottom = ig[:14][ig[:14] > 0].sum(), ig[14:][ig[14:] > 0].sum()
    assert abs(top - bottom) > 0.05 * max(top, bottom), "too close to call for this test"
    assert sol.answer == ("top" if top >= bottom else "bottom")


def ref_occlusion_raises(q, inp, sol):
    """Black out every 4×4 patch (stride 2); a pixel's value is the mean drop of the predicted
    digit's logit over the patches covering it (Occlusion's map, rebuilt here)."""
    x = x28(inp)
    logits = cnn_logits(x)
    label = int(np.argmax(logits))
    starts = [(y, xx) for y in range(0, 25, 2) for xx in range(0, 25, 2)]
    batch = []
    for y, xx in starts:
        z = x.copy()
        z[y : y + 4, xx : xx + 4] = 0
        batch.append(z)
    with torch.no_grad():
        drops = logits[label] - cnn()(torch.tensor(np.stack(batch))[:, None])[:, label].numpy()
    total, count = np.zeros((28, 28)), np.zeros((28, 28))
    for (y, xx), d in zip(starts, drops, strict=True):
        total[y : y + 4, xx : xx + 4] += d
        count[y : y + 4, xx : xx + 4] += 1
    occ = total / count
    np.testing.assert_allclose(occ, L._image_map(data_for(inp), "occlusion"), atol=1e-3)
    raises = occ.min() < -float(q.get("rtol", 0.05)) * max(abs(occ.max()), 1e-9)
    assert sol.answer == ("yes" if raises else "no")


def ref_rows_sure(q, inp, sol):
    probs = rows_probs(x28(inp))
    curve = probs[:, int(np.argmax(probs[-1]))]
    hit = np.flatnonzero(curve >= float(q.get("p", 0.9)))
    assert sol.answer == (str(int(hit[0]) + 1) if len(hit) else None)


def ref_digit_agree(q, inp, sol):
    x = x28(inp)
    same = int(np.argmax(cnn_logits(x))) == int(np.argmax(rows_probs(x)[-1]))
    assert sol.answer == ("yes" if same else "no")


def ref_shift_survivor(q, inp, sol):
    dy, dx = int(q.get("dy", 0)), int(q.get("dx", 3))
    x = x28(inp)
    s = shifted(x, dy, dx)
    c = np.argmax(cnn_logits(x)) == np.argmax(cnn_logits(s))
    r = np.argmax(rows_probs(x)[-1]) == np.argmax(rows_probs(s)[-1])
    assert sol.answer == {(1, 1): "both", (1, 0): "cnn", (0, 1): "rnn", (0, 0): "neither"}[c, r]


# ----------------------------------------------------------------------------- text references


def member(inp: dict) -> str:
    return inp.get("model", "text_gru")


def ids_of(inp: dict) -> torch.Tensor:
    return torch.tensor([encode(inp["text"], member(inp)).token_ids])


def text_probs(model, ids: torch.Tensor) -> np.ndarray:
    with torch.no_grad():
        return torch.softmax(model(ids)[0], -1).numpy()


def prefix_probs(inp: dict) -> np.ndarray:
    """P(positive) of the member on each prefix read as a sentence of its own."""
    net, ids = load_model(member(inp)), ids_of(inp)
    return np.array([text_probs(net, ids[:, : t + 1])[1] for t in range(ids.shape[1])])


def text_ig(inp: dict, steps: int = 256) -> np.ndarray:
    """IG of logit₊ − logit₋ over the embeddings, from the all-<pad> embeddings, midpoint rule."""
    net, ids = load_model(member(inp)), ids_of(inp)
    with torch.no_grad():
        e1 = net.embedding(ids)
        e0 = net.embedding(torch.full_like(ids, net.cfg.pad_id))
    alphas = (torch.arange(steps, dtype=torch.float32) + 0.5) / steps
    path = (e0 + alphas[:, None, None] * (e1 - e0)).requires_grad_(True)
    with torch.enable_grad():
        z = net.trace_embedded(path)["logits"]
        (z[:, 1] - z[:, 0]).sum().backward()
    return (path.grad.mean(0) * (e1 - e0)[0]).sum(-1).numpy()


def ref_n_steps(q, inp, sol):
    assert int(sol.answer) == ids_of(inp).shape[1]


def ref_final_label(q, inp, sol):
    p = text_probs(load_model(member(inp)), ids_of(inp))
    assert sol.answer == LABELS[int(np.argmax(p))]


def ref_hidden_units(q, inp, sol):
    rnn = load_model(member(inp)).gru
    assert int(sol.answer) == rnn.hidden_size * (2 if rnn.bidirectional else 1)


def ref_gate_keep(q, inp, sol):
    """The update gate z (GRU) or forget gate f (LSTM) at step t from the layer's weights."""
    net, ids = load_model(member(inp)), ids_of(inp)
    t = int(q.get("step", inp.get("step", ids.shape[1] - 1)))
    rnn = net.gru
    with torch.no_grad():
        e = net.embedding(ids)
        out = rnn(e)[0][0]  # (T, H)
        h = out[t - 1] if t > 0 else torch.zeros(rnn.hidden_size)
        pre = rnn.weight_ih_l0 @ e[0, t] + rnn.bias_ih_l0 + rnn.weight_hh_l0 @ h + rnn.bias_hh_l0
        H = rnn.hidden_size
        g = torch.sigmoid(pre[H : 2 * H])  # GRU rows [r | z | n]; LSTM rows [i | f | g | o]
    assert sol.answer == ("keep" if float(g.mean()) > 0.5 else "write")


def ref_prefix_flips(q, inp, sol):
    side = prefix_probs(inp) >= 0.5
    assert sol.answer == ("yes" if (side[1:] != side[:-1]).any() else "no")


def ref_prefix_change(q, inp, sol):
    p = prefix_probs(inp)
    i = L.marker_index(encode(inp["text"], member(inp)).raw_tokens, q["marker"])
    delta = p[-1] - p[i - 1]
    thr = float(q.get("threshold", 0.05))
    assert sol.answer == ("flat" if abs(delta) < thr else "up" if delta > 0 else "down")


def attention(inp: dict) -> np.ndarray:
    net, ids = load_model(member(inp)), ids_of(inp)
    with torch.no_grad():
        h = net.gru(net.embedding(ids))[0]
        return torch.softmax(net.attention_scores(h)[0], -1).numpy()


def ref_attention_top(q, inp, sol):
    assert int(sol.answer) == int(np.argmax(attention(inp)))


def ref_ig_top(q, inp, sol):
    ig = np.abs(text_ig(inp))
    assert ig[int(sol.answer)] >= 0.95 * ig.max()


def ref_agreement(q, inp, sol):
    rho = spearmanr(attention(inp), np.abs(text_ig(inp))).statistic
    word = "agree" if rho >= 0.5 else "disagree" if rho <= 0 else "weak"
    assert sol.answer == word


def ref_memory_first_last(q, inp, sol):
    net, ids = load_model(member(inp)), ids_of(inp)
    with torch.no_grad():
        e = net.embedding(ids)[0]
    e = e.clone().requires_grad_(True)
    with torch.enable_grad():
        if q.get("curve", "state") == "state":
            hT = lambda x: net.gru(x[None])[0][0, -1]  # noqa: E731
            jac = torch.autograd.functional.jacobian(hT, e)  # (H, T, E)
            v = jac.pow(2).sum((0, 2)).sqrt()
        else:
            z = net.trace_embedded(e[None])["logits"][0]
            (g,) = torch.autograd.grad(z[1] - z[0], e)
            v = g.norm(dim=1)
    assert sol.answer == ("first" if v[0] > v[-1] else "last")


def ref_text_agree(q, inp, sol):
    ids = torch.tensor([encode(inp["text"]).token_ids])
    c = text_probs(load_model("text_cnn"), ids)
    g = text_probs(load_model("text_gru"), ids)
    assert sol.answer == ("yes" if np.argmax(c) == np.argmax(g) else "no")


def ref_ngram_size(q, inp, sol):
    """Each kernel size's Conv1d over the embeddings, ReLU, max over the windows inside."""
    m = load_model("text_cnn")
    ids = torch.tensor([encode(inp["text"]).token_ids])
    T = ids.shape[1]
    if m.min_len > T:
        ids = F.pad(ids, (0, m.min_len - T), value=m.cfg.pad_id)
    best = {}
    with torch.no_grad():
        x = m.embedding(ids).transpose(1, 2)
        for k, conv in zip(m.cfg.kernel_sizes, m.convs, strict=True):
            fmap = torch.relu(conv(x))[0, :, : max(T - k + 1, 1)]
            best[k] = float(fmap.max())
    assert int(sol.answer) == max(best, key=best.get)


def ref_contrast_score(q, inp, sol):
    from nets.contrast import CONTRAST_PAIRS

    score = {"cnn": 0, "rnn": 0}
    for pair in CONTRAST_PAIRS:
        for side in ("a", "b"):
            ids = torch.tensor([encode(pair[side]).token_ids])
            for k, name in (("cnn", "text_cnn"), ("rnn", "text_gru")):
                p = text_probs(load_model(name), ids)
                score[k] += LABELS[int(np.argmax(p))] == pair["expected"][side]
    c, r = score["cnn"], score["rnn"]
    assert sol.answer == ("tie" if c == r else "cnn" if c > r else "rnn")


# ----------------------------------------------------------------------------- series references


def bundle(inp: dict):
    from nets import series as S

    return S.load_bundle(inp["series"])


def origin(inp: dict) -> int:
    b = bundle(inp)
    orig = b.test_origins()
    return int(orig[int(inp.get("point", len(orig) - 1))])


def ref_best_model(q, inp, sol):
    """MAE at the horizon recomputed over the whole test part from the fitted models."""
    b, h = bundle(inp), int(inp.get("horizon", 1))
    orig = b.test_origins()
    truth = np.stack([b.values[o + 1 : o + 1 + b.cfg.horizon] for o in orig])
    fc = b.forecasts(orig)
    mae = {m: float(np.abs(fc[m][:, h - 1] - truth[:, h - 1]).mean()) for m in b.models}
    ratio = {m: mae[m] / mae["persistence"] for m in b.models}
    best = min((m for m in b.models if m != "persistence"), key=ratio.get)
    assert sol.answer == (best if ratio[best] < float(q.get("clear", 0.9)) else "none")


def ref_closest_forecast(q, inp, sol):
    b, h, t = bundle(inp), int(inp.get("horizon", 1)), origin(inp)
    fc = b.forecasts(np.array([t]))
    truth = b.values[t + h]
    assert sol.answer == min(b.models, key=lambda m: abs(fc[m][0, h - 1] - truth))


def ref_field_vs_window(q, inp, sol):
    """The window positions the causal CNN's last output can depend on, found by autograd on
    random windows (a position it reads gets a non-zero gradient on some input)."""
    b = bundle(inp)
    W = b.cfg.window
    gen = torch.Generator().manual_seed(0)
    seen = torch.zeros(W, dtype=torch.bool)
    for _ in range(8):
        x = torch.randn(1, W, generator=gen, requires_grad=True)
        with torch.enable_grad():
            b.tcn(x)[0, 0].backward()
        seen |= x.grad[0] != 0
    n = int(seen.sum())
    assert sol.answer in (("shorter",) if n < W else ("equal", "longer"))
    if n < W:
        assert seen[-n:].all(), "a causal field: the last n steps"


def ref_lookback_peak(q, inp, sol):
    b, h, t = bundle(inp), int(inp.get("horizon", 1)), origin(inp)
    zwin = torch.tensor(b.norm.work(b.values[t - b.cfg.window + 1 : t + 1]), dtype=torch.float32)
    z = zwin[None].clone().requires_grad_(True)
    net = getattr(b, q.get("model", "gru"))
    with torch.enable_grad():
        fc = b.norm.forecast_work(z, net(b.norm.inputs(z)))
        fc[0, h - 1].backward()
    g = z.grad[0].abs().numpy()
    lags = np.arange(b.cfg.window) - (b.cfg.window - 1)
    top = int(lags[np.argmax(np.where(lags <= -L.NEAR, g, -1))])
    back, tol = h - top, int(q.get("tol", 12))
    marks = q["marks"]
    want = next((k for k, v in marks.items() if abs(back - int(v)) <= tol), "other")
    assert sol.answer == want


# ----------------------------------------------------------------------------- CNN + RNN references


def crnn_read(inp: dict, kind: str = "crnn") -> tuple[np.ndarray, str]:
    """(best symbol per column, greedy CTC text) from the model's own forward pass."""
    from itertools import groupby

    from nets import hybrid as H
    from nets import strips as S

    strip = S.prepare_strip(H.sample_strip(int(inp["strip"]))).strip
    with torch.no_grad():
        logp = H.load_crnn(kind)(torch.tensor(strip, dtype=torch.float32)[None, None])[0]
    best = logp.argmax(-1).numpy()
    return best, "".join(str(s) for s, _ in groupby(best) if s != 10)


def strip_truth(inp: dict) -> str:
    from nets import hybrid as H

    return H.sample_strips()[int(inp["strip"])]


def ref_strip_columns(q, inp, sol):
    from nets import hybrid as H

    best, _ = crnn_read(inp)
    assert int(sol.answer) == len(best)
    width = len(best) * H.load_crnn().cfg.stride
    assert f"{width} " in q["ask"]["en"], "the question quotes the strip's width"


def ref_column_features(q, inp, sol):
    from nets import hybrid as H
    from nets import strips as S

    strip = S.prepare_strip(H.sample_strip(int(inp["strip"]))).strip
    with torch.no_grad():
        cols = H.load_crnn().trace(torch.tensor(strip, dtype=torch.float32)[None, None])["columns"]
    assert int(sol.answer) == cols.shape[-1] == H.load_crnn().gru.input_size


def ref_blank_majority(q, inp, sol):
    best, _ = crnn_read(inp)
    assert strip_truth(inp) in q["ask"]["en"]
    assert sol.answer == ("blank" if (best == 10).sum() * 2 > len(best) else "digit")


def ref_ctc_length(q, inp, sol):
    assert strip_truth(inp) in q["ask"]["en"]
    assert int(sol.answer) == len(crnn_read(inp)[1])


def ref_ablations_misread(q, inp, sol):
    truth = strip_truth(inp)
    assert truth in q["ask"]["en"]
    c, r = crnn_read(inp, "cnn_only")[1] != truth, crnn_read(inp, "rnn_only")[1] != truth
    assert sol.answer == {(1, 1): "both", (1, 0): "cnn", (0, 1): "rnn", (0, 0): "neither"}[c, r]


def clip_of(inp: dict) -> torch.Tensor:
    from nets import hybrid as H

    digit, direction = inp["clip"].split(":")
    return torch.tensor(H.make_clip(H.sample_digit(int(digit)), direction))[None]


def ref_motion_settled(q, inp, sol):
    """The GRU model run on the first t frames only (it is causal): its answer after t."""
    from nets import hybrid as H

    clip, model = clip_of(inp), H.load_motion("gru")
    with torch.no_grad():
        after = [int(model(clip[:, : t + 1]).argmax()) for t in range(clip.shape[1])]
    final = after[-1]
    settled = next(t for t in range(len(after)) if all(a == final for a in after[t:]))
    assert abs(int(sol.answer) - (settled + 1)) == 0


def ref_one_frame_chance(q, inp, sol):
    import json

    from nets.paths import ASSETS
    from nets.stats import wilson

    m = json.loads((ASSETS / "metrics" / "motion.json").read_text(encoding="utf-8"))
    rep = m["models"]["one_frame"]["test"]
    lo, _ = wilson(rep["accuracy"] * rep["n"], rep["n"])
    assert sol.answer == ("yes" if lo > m["chance"] else "no")
    from nets import hybrid as H
    from nets import strips as S

    with torch.no_grad():
        says = S.DIRECTIONS[int(H.load_motion("one_frame")(clip_of(inp)).argmax())]
    assert sol.facts["says"].key == f"hybrid.dir.{says}"


# ----------------------------------------------------------------------------- claims-lab references
# The lab's results are read straight from their JSON files and the answers recomputed here with
# numpy (the rules written out again); the pair is run through the model with torch.


def lab_json(section: str) -> dict:
    import json

    from nets.paths import METRICS

    return json.loads((METRICS / "lab" / f"{section}.json").read_text(encoding="utf-8"))


def median_ms(section: dict, model: str, length: int) -> float:
    return float(np.median(section["times"]["1"][model][str(length)]["cpu_ms"]))


def band_winner(a: float, b: float) -> str:
    """ "a" when a < b by more than 10 % (b / a > 1.1), "b" the other way, else "tie"."""
    return "a" if b > 1.1 * a else "b" if a > 1.1 * b else "tie"


def ref_lab_count(q, inp, sol):
    from nets.lab.results import SECTIONS
    from nets.lab.verdicts import all_verdicts

    got = all_verdicts({s: lab_json(s) for s in SECTIONS})
    want = sum(v.verdict == q.get("verdict", "supports") for v in got.values())
    assert int(sol.answer) == want
    counts = [int(sol.facts[k]) for k in ("supports", "contradicts", "depends", "untestable")]
    assert sum(counts) == int(sol.facts["n"]) == len(got) == L.CLAIMS_TOTAL


def ref_timing_growth(q, inp, sol):
    tm = lab_json("timing")
    lo, hi = tm["lengths"][0], tm["lengths"][-1]
    g_cnn = median_ms(tm, "cnn", hi) / median_ms(tm, "cnn", lo)
    g_gru = median_ms(tm, "gru", hi) / median_ms(tm, "gru", lo)
    want = {"a": "rnn", "b": "cnn", "tie": "tie"}[band_winner(g_cnn, g_gru)]
    assert sol.answer == want
    assert sol.facts["g_cnn"] == f"{g_cnn:.1f}" and sol.facts["g_gru"] == f"{g_gru:.1f}"


def ref_speed_target(q, inp, sol):
    runs = lab_json("speed")["text"]["runs"]
    t = {
        m: np.array([np.inf if r["cpu_to_target"] is None else r["cpu_to_target"] for r in runs
                     if r["model"] == m])
        for m in ("cnn", "gru")
    }  # fmt: skip
    w = band_winner(float(np.median(t["cnn"])), float(np.median(t["gru"])))
    if w == "a" and not t["cnn"].max() < t["gru"].min():
        w = "tie"
    if w == "b" and not t["gru"].max() < t["cnn"].min():
        w = "tie"
    assert sol.answer == {"a": "cnn", "b": "rnn", "tie": "tie"}[w]
    assert sol.facts["cnn"] == f"{np.median(t['cnn']):.2f}"


def ref_memory_upto(q, inp, sol):
    t = lab_json("synthetic")["tasks"]["first_token"]
    lo = t["models"][q.get("model", "gru")]["lo"]
    ok = [L_ for L_, x in zip(t["lengths"], lo, strict=True) if x >= 0.9]
    assert sol.answer == (str(max(ok)) if ok else "none")


def ref_embedding_share(q, inp, sol):
    from nets.lab.models import text_gru
    from nets.registry import load_vocab

    c = lab_json("cost")["text"]["models"][q.get("model", "gru")]
    net = text_gru(len(load_vocab()))  # the matched GRU's shape, counted by torch
    total = sum(p.numel() for p in net.parameters())
    emb = net.embedding.weight.numel()
    assert (total, emb) == (c["params"], c["embedding"])
    assert int(sol.answer) == round(100 * emb / total)


def ref_pair_right(q, inp, sol):
    from nets.contrast import PAIR_BY_ID

    pair = PAIR_BY_ID[inp["pair"]]
    name = "text_cnn" if q.get("model", "rnn") == "cnn" else "text_gru"
    right = [
        LABELS[
            int(np.argmax(text_probs(load_model(name), torch.tensor([encode(pair[s]).token_ids]))))
        ]
        == pair["expected"][s]
        for s in ("a", "b")
    ]
    assert sol.answer == ("yes" if all(right) else "no")


def ref_transformer_faster(q, inp, sol):
    tm = lab_json("timing")
    L_ = tm["lengths"][-1]
    w = band_winner(median_ms(tm, "transformer", L_), median_ms(tm, "gru", L_))
    assert sol.answer == ("yes" if w == "a" else "no")


def ref_shift_keeps(q, inp, sol):
    sh = lab_json("shift")
    at = {s: i for i, s in enumerate(sh["shifts"])}

    def kept(model: str, aug: str) -> float:
        vals = []
        for axis in ("x", "y"):
            for c in sh["models"][model][aug][axis]:
                vals.append(np.mean([c[at[s]] for s in (1, 2, 3, -1, -2, -3)]) / c[at[0]])
        return float(np.median(vals))

    d = kept("cnn", "none") - kept("gru", "none")
    assert sol.answer == ("cnn" if d >= 0.05 else "rnn" if d <= -0.05 else "tie")
    assert sol.facts["arch"] == f"{100 * d:+.1f}"


REFS = {name[4:]: fn for name, fn in globals().items() if name.startswith("ref_")}


# ----------------------------------------------------------------------------- the tests


def test_every_kind_has_a_reference():
    assert set(L.KINDS) - set(REFS) == set(), "a question kind without a reference check"


@pytest.mark.parametrize(("lid", "i"), QUESTIONS, ids=[f"{lid}-{i + 1}" for lid, i in QUESTIONS])
def test_answer_matches_the_model(lid, i):
    step = L.load_lesson(lid)["steps"][i]
    q, inp = step["question"], step["input"]
    sol = L.solve(q, inp, data_for(inp))
    assert sol.answer is not None
    if sol.form == "choice":
        assert sol.answer in dict(sol.options)
        assert len({v for v, _ in sol.options}) == len(sol.options) >= 2
    else:
        assert sol.lo <= int(sol.answer) <= sol.hi
    REFS[q["kind"]](q, inp, sol)


def test_solution_grades_guesses():
    sol = L.number(7, 1, 28, tol=1)
    assert sol.correct(8) and sol.correct(6) and not sol.correct(9)
    assert sol.correct(None) is None
    ch = L.yes_no(False)
    assert ch.correct("no") and not ch.correct("yes")
    assert L.number(None, 1, 28).correct(3) is None


def test_words_counts_both_languages():
    assert L.words("one two, three 4.5", "en") == 4
    assert L.words("一二三四五六七", "zh") == math.ceil(7 / L.ZH_CHARS_PER_WORD)
    assert L.words("GRU 读一个词", "zh") == 1 + math.ceil(4 / L.ZH_CHARS_PER_WORD)


def test_marker_index_spans_tokens():
    assert L.marker_index(["虽", "然", "但", "是", "好"], "但是") == 2
    assert L.marker_index(["the", "food", "But", "ok"], "but") == 2
    with pytest.raises(ValueError):
        L.marker_index(["a", "b"], "c")


def test_bar_masks_finds_the_bar_of_a_seven():
    x = np.zeros((28, 28))
    x[5:7, 6:22] = 1.0  # the bar
    for r in range(7, 24):  # the stem, going down-left
        x[r, 20 - (r - 7) // 2 : 22 - (r - 7) // 2] = 1.0
    bar, below, row = L.bar_masks(x)
    assert row in (5, 6) and bar[5:7, 6:18].all() and not below[:8].any() and below[20].any()
    with pytest.raises(ValueError):
        L.bar_masks(np.zeros((28, 28)))


def test_check_lesson_reports_problems():
    lesson = json_copy(L.load_lesson(L.lesson_ids()[0]))
    step = lesson["steps"][0]
    step["text"]["en"] = "word " * (L.MAX_WORDS + 1)
    step["question"]["ask"]["zh"] = "答案是 {answer}？"
    step["question"]["explain"]["en"] = "It is {nonsense}."
    lesson["steps"][1]["input"] = {"sample": "digit:99999"}
    problems = "\n".join(L.check_lesson(lesson))
    assert "en text has" in problems
    assert "quotes a fact before the reveal" in problems
    assert "nonsense" in problems
    assert "no gallery digit" in problems


def test_solve_refuses_an_input_of_the_wrong_kind():
    with pytest.raises(KeyError):
        L.solve({"kind": "final_label"}, {"sample": "digit:1"})
    with pytest.raises(ValueError):
        L.solve({"kind": "prefix_change", "marker": "但是"}, {"text": "但是很好"})


def json_copy(obj):
    import json

    return json.loads(json.dumps(obj))


def test_lab_and_pair_inputs_are_checked():
    assert L.check_input({"lab": "all"}) == [] and L.check_input({"lab": "timing"}) == []
    assert "no claims-lab section" in L.check_input({"lab": "nope"})[0]
    assert "no minimal pair" in L.check_input({"pair": "nope_99"})[0]
    with pytest.raises(KeyError):
        L.solve({"kind": "pair_right"}, {"lab": "pairs"})
    assert L.solve({"kind": "embedding_share"}, {"lab": "cost"}).source == "lab"
    assert L.solve({"kind": "pair_right"}, {"pair": "contrast_zh_02"}).source == "models"


def test_a_pair_question_must_quote_its_pair():
    lesson = json_copy(L.load_lesson("claims-1"))
    step = next(s for s in lesson["steps"] if "pair" in s["input"])
    step["question"]["ask"]["en"] = "Will the GRU get this pair right?"
    assert any("does not quote the pair" in p for p in L.check_lesson(lesson))


def test_the_schema_names_every_lab_section():
    from nets.lab.results import SECTIONS

    lab = L.schema()["$defs"]["input"]["properties"]["lab"]["enum"]
    assert lab == ["all", *SECTIONS]
