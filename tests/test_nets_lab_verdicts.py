"""nets/lab/verdicts.py: every rule on synthetic numbers gives supports, contradicts, depends (and
untestable without numbers), and the shipped results give a verdict for every claim."""

from __future__ import annotations

import math

import pytest

from nets.lab import verdicts as V

# ----------------------------------------------------------------------------- shared pieces


def test_side_ratio_band_and_missing():
    assert V.side_ratio(1.0, 1.2) == 1  # the document's side costs 1, the other 1.2: > 10 %
    assert V.side_ratio(1.2, 1.0) == -1
    assert V.side_ratio(1.0, 1.05) == 0 and V.side_ratio(1.05, 1.0) == 0
    assert V.side_ratio(1.0, None) == 1 and V.side_ratio(None, 1.0) == -1
    assert V.side_ratio(None, None) == 0


def test_repeated_side_needs_separate_ranges():
    assert V.repeated_side([1, 1.1, 1.2], [2, 2.1, 2.5]) == 1
    assert V.repeated_side([2, 2.1, 2.5], [1, 1.1, 1.2]) == -1
    assert V.repeated_side([1, 1.1, 3.0], [2, 2.1, 2.5]) == 0  # medians apart, ranges overlap
    assert V.repeated_side([1, 1.1, None], [2, 2.1, None]) == 0  # a missed repeat overlaps
    assert V.repeated_side([1, 1.1, 1.2], [None, None, None]) == 1  # never reached


@pytest.mark.parametrize(
    ("sides", "verdict", "reason"),
    [
        ([1, 1, 0], "supports", "all_doc"),
        ([-1, 0], "contradicts", "all_other"),
        ([1, -1], "depends", "mixed"),
        ([0, 0], "depends", "tie"),
        ([], "untestable", "missing"),
    ],
)
def test_combine(sides, verdict, reason):
    v = V.combine("x", sides, {})
    assert (v.verdict, v.reason) == (verdict, reason)


# ----------------------------------------------------------------------------- 1. speed


def speed(cnn: list, rnn: list, key: str = "cpu_to_target") -> dict:
    """A speed section where every pair has these times (or steps)."""

    def runs(models):
        return [
            {"model": m, "seed": i, key: v}
            for m, vals in models.items()
            for i, v in enumerate(vals)
        ]

    return {
        "text": {"runs": runs({"cnn": cnn, "cnn_macs": cnn, "gru": rnn})},
        "digits": {"runs": runs({"cnn": cnn, "gru": rnn})},
    }


@pytest.mark.parametrize(
    ("cnn", "rnn", "verdict"),
    [
        ([1, 1.1, 1.2, 1.0, 1.1], [2, 2.2, 2.1, 2.4, 2.0], "supports"),
        ([2, 2.2, 2.1, 2.4, 2.0], [1, 1.1, 1.2, 1.0, 1.1], "contradicts"),
        ([1, 1.1, 1.2, 1.0, 1.1], [1.05, 1.1, 1.0, 1.2, 1.1], "depends"),
        ([1, 1, 1, 1, None], [2, 2, 2, 2, 2], "depends"),  # a missed CNN repeat overlaps
    ],
)
def test_training_speed(cnn, rnn, verdict):
    v = V.training_speed(speed(cnn, rnn))
    assert v.verdict == verdict
    assert set(v.facts) == {"text", "text_macs", "digits"}
    assert v.facts["text"]["cnn"] == pytest.approx(sorted(x or math.inf for x in cnn)[2])


def test_training_speed_mixed_and_convergence():
    s = speed([1, 1, 1], [2, 2, 2])
    for r in s["digits"]["runs"]:  # digits the other way round
        r["cpu_to_target"] = {"cnn": 3, "gru": 1}[r["model"]]
    assert V.training_speed(s).verdict == "depends" and V.training_speed(s).reason == "mixed"
    c = V.convergence(speed([100, 110, 120], [300, 310, 320], key="steps_to_target"))
    assert (c.claim, c.verdict) == ("convergence", "supports")
    assert V.training_speed({}).verdict == "untestable"


def timing(cnn: list, gru: list, trf: list | None = None) -> dict:
    lengths = [16, 64, 512][: len(cnn)]
    models = {"cnn": cnn, "gru": gru, **({"transformer": trf} if trf else {})}
    return {
        "lengths": lengths,
        "times": {
            "1": {
                m: {str(L): {"cpu_ms": [v, v * 1.01]} for L, v in zip(lengths, vals, strict=True)}
                for m, vals in models.items()
            }
        },
    }


@pytest.mark.parametrize(
    ("cnn", "gru", "verdict"),
    [
        ([1, 3, 20], [2, 8, 80], "supports"),  # ratio 2 → 4: the gap grows
        ([1, 3, 20], [0.5, 1.5, 10], "contradicts"),
        ([1, 3, 20], [3, 9, 40], "depends"),  # slower, but the ratio shrinks 3 → 2
    ],
)
def test_parallel(cnn, gru, verdict):
    v = V.parallel(timing(cnn, gru))
    assert v.verdict == verdict
    assert v.facts["ratio_long"] == pytest.approx(gru[-1] / cnn[-1], rel=0.02)
    assert V.parallel({}).verdict == "untestable"


# ----------------------------------------------------------------------------- 2. long text


def bucket(n: int, b01: int, b10: int, p: float, cnn: float = 0.8, rnn: float = 0.8) -> dict:
    return {"bucket": "x", "n": n, "cnn": [cnn, 0, 1], "rnn": [rnn, 0, 1],
            "mcnemar": [b01, b10, p]}  # fmt: skip


def synthetic(ft_diff: list, pat_diff: list, gru_lo: list | None = None) -> dict:
    lengths = [10, 100, 400]
    gru_lo = gru_lo if gru_lo is not None else [0.95, 0.5, 0.4]
    return {
        "tasks": {
            "first_token": {
                "lengths": lengths,
                "models": {"gru": {"acc": gru_lo, "lo": gru_lo, "hi": gru_lo}},
                "longest": {
                    "L": 400,
                    "gru_attn-cnn": ft_diff,
                    "transformer-gru_attn": [0, -0.01, 0.01],
                    "transformer-cnn": [0.4, 0.3, 0.5],
                },  # fmt: skip
            },
            "pattern": {
                "lengths": lengths,
                "models": {},
                "longest": {"L": 400, "gru_attn-cnn": pat_diff},
            },  # fmt: skip
        }
    }


@pytest.mark.parametrize(
    ("zh", "en", "ft", "pat", "verdict"),
    [
        ((10, 40, 0.001), (5, 30, 0.01), [0.3, 0.2, 0.4], [0, -0.01, 0.01], "supports"),
        ((40, 10, 0.001), (30, 5, 0.01), [-0.3, -0.4, -0.2], [-0.1, -0.2, -0.05], "contradicts"),
        ((10, 40, 0.001), (20, 22, 0.9), [0.3, 0.2, 0.4], [-0.2, -0.3, -0.1], "depends"),
        ((20, 22, 0.9), (20, 22, 0.9), [0.01, -0.02, 0.03], [0, -0.01, 0.01], "depends"),
    ],
)
def test_long_text(zh, en, ft, pat, verdict):
    longtext = {
        "min_bucket": 50,
        "langs": {
            "zh": [bucket(100, 1, 1, 1.0), bucket(700, *zh), bucket(20, 0, 9, 0.001)],
            "en": [bucket(400, *en), bucket(2, 0, 1, 1.0)],
        },
    }
    v = V.long_text(longtext, synthetic(ft, pat))
    assert v.verdict == verdict
    assert v.facts["zh"]["n"] == 700  # the longest bucket with ≥ 50 sentences, not n = 20
    assert v.facts["en"]["n"] == 400


@pytest.mark.parametrize(
    ("lo", "verdict", "upto"),
    [([0.95, 0.93, 0.91], "supports", 400), ([0.95, 0.5, 0.5], "depends", 10),
     ([0.6, 0.5, 0.5], "contradicts", None)],
)  # fmt: skip
def test_memory(lo, verdict, upto):
    v = V.memory(synthetic([0, 0, 0], [0, 0, 0], lo))
    assert (v.verdict, v.facts["upto"]) == (verdict, upto)
    assert V.memory({}).verdict == "untestable"


# ----------------------------------------------------------------------------- 3. resources


def cost(cnn: dict, rnn: dict) -> dict:
    return {k: {"models": {"cnn": cnn, "gru": rnn}} for k in ("text", "digits")}


@pytest.mark.parametrize(
    ("saved", "verdict"),
    [((100, 300), "supports"), ((300, 100), "contradicts"), ((100, 105), "depends")],
)
def test_resource_use(saved, verdict):
    base = {"body": 1000, "macs": 5000}
    c = cost({**base, "saved": saved[0], "peak": saved[0]}, {**base, "saved": saved[1],
                                                            "peak": saved[1]})  # fmt: skip
    v = V.resource_use(c)
    assert v.verdict == verdict
    assert v.facts["text"]["body"]["side"] == 0  # matched by construction: a tie
    assert v.facts["text"]["saved"]["ratio"] == pytest.approx(saved[1] / saved[0])


# ----------------------------------------------------------------------------- 4. pairs


@pytest.mark.parametrize(
    ("b01", "b10", "p", "neg", "kw"),
    [
        (2, 20, 0.0001, "supports", "contradicts"),  # the GRU alone right on 20
        (20, 2, 0.0001, "contradicts", "supports"),
        (8, 10, 0.8, "depends", "depends"),
    ],
)
def test_pair_claims(b01, b10, p, neg, kw):
    row = {"n": 100, "cnn": [0.7, 0.6, 0.8], "rnn": [0.8, 0.7, 0.9], "mcnemar": [b01, b10, p]}
    pairs = {"pooled": {"negation+contrast+double_negation": row, "keyword": row}}
    assert V.negation(pairs).verdict == neg
    assert V.keywords(pairs).verdict == kw
    assert V.negation({}).verdict == "untestable"


# ----------------------------------------------------------------------------- 5. Transformer


@pytest.mark.parametrize(
    ("trf", "vs_gru", "verdict", "reason"),
    [
        ([0.5, 2, 10], [0, -0.01, 0.01], "supports", "both"),
        ([0.5, 2, 200], [0, -0.01, 0.01], "depends", "long_range_only"),  # slower at 512
        ([0.5, 2, 10], [-0.3, -0.4, -0.2], "depends", "parallel_only"),
        ([5, 20, 200], [-0.3, -0.4, -0.2], "contradicts", "neither"),
    ],
)
def test_transformer(trf, vs_gru, verdict, reason):
    syn = synthetic([0, 0, 0], [0, 0, 0])
    syn["tasks"]["first_token"]["longest"]["transformer-gru_attn"] = vs_gru
    v = V.transformer(timing([1, 3, 20], [2, 8, 80], trf), syn)
    assert (v.verdict, v.reason) == (verdict, reason)
    assert V.transformer({}, syn).verdict == "untestable"


# ----------------------------------------------------------------------------- 6–8


def shift(cnn_none: float, gru_none: float) -> dict:
    shifts = list(range(-3, 4))

    def curve(keep):  # 1.0 unshifted, ``keep`` at every shift of 1–3 px
        return [1.0 if s == 0 else keep for s in shifts]

    def model(none, aug):
        return {"none": {"x": [curve(none)], "y": [curve(none)]},
                "shift": {"x": [curve(aug)], "y": [curve(aug)]}}  # fmt: skip

    return {"shifts": shifts, "models": {"cnn": model(cnn_none, 0.95),
                                         "gru": model(gru_none, 0.9)}}  # fmt: skip


@pytest.mark.parametrize(
    ("cnn", "gru", "verdict"),
    [(0.8, 0.5, "supports"), (0.5, 0.8, "contradicts"), (0.6, 0.58, "depends")],
)
def test_translation(cnn, gru, verdict):
    v = V.translation(shift(cnn, gru))
    assert v.verdict == verdict
    assert v.facts["arch"] == pytest.approx(cnn - gru)
    assert v.facts["gain_cnn"] == pytest.approx(0.95 - cnn)
    assert V.translation({}).verdict == "untestable"


def test_sharing():
    conv = [{"shared": 160, "local": 125440}]
    gru = [{"model": "g", "params": 10}, {"model": "g", "params": 10},
           {"model": "h", "params": 7}, {"model": "h", "params": 7}]  # fmt: skip
    assert V.sharing({"sharing": {"conv": conv, "gru": gru}}).verdict == "supports"
    grows = [{"model": "g", "params": 10}, {"model": "g", "params": 100}]
    assert V.sharing({"sharing": {"conv": conv, "gru": grows}}).verdict == "depends"
    no_conv = [{"shared": 200, "local": 100}]
    assert V.sharing({"sharing": {"conv": no_conv, "gru": grows}}).verdict == "contradicts"
    assert V.sharing({}).verdict == "untestable"


def run(family, model, ok, native=False):
    return {"family": family, "model": model, "ok": ok, "native": native}


def test_input_size():
    rnn = [run("rnn", "g", True), run("rnn", "g", True)]
    fixed = [run("cnn", "c", False), run("cnn", "c", True, native=True)]
    v = V.input_size({"sizes": rnn + fixed})
    assert (v.verdict, v.facts["cnn_failed"]) == ("supports", ["c"])
    some = [run("cnn", "c", False), run("cnn", "conv", True)]
    assert V.input_size({"sizes": rnn + some}).verdict == "depends"
    assert V.input_size({"sizes": rnn + [run("cnn", "c", True)]}).verdict == "contradicts"
    assert V.input_size({"sizes": [run("rnn", "g", False), *fixed]}).verdict == "contradicts"
    assert V.input_size({}).verdict == "untestable"


def test_shipped_results_give_a_verdict_for_every_claim():
    from nets.lab.results import read_all

    res = read_all()
    if not res:
        pytest.skip("no lab results shipped")
    out = V.all_verdicts(res)
    from ui.views.lab import CLAIMS

    assert list(out) == [claim for claim, _ in CLAIMS]  # the page's order, every claim
    for claim, v in out.items():
        assert v.claim == claim and v.verdict in V.VERDICTS
        assert v.verdict != "untestable", claim  # every section is shipped
