"""The rules that turn the lab's numbers into verdicts (pure: numbers in, a Verdict out).

A verdict is one of ``supports``, ``contradicts``, ``depends`` or ``untestable`` and always
means "for these models and this data". Each rule below is printed beside its verdict on the
page (string ``lab.rule.<claim>``); the tests feed each rule synthetic numbers.

Common pieces:
- A *side* is +1 when a measure favours the architecture the document says is better, −1 when
  it favours the other one, 0 when it is a tie (inside the tolerance band or not significant).
- :func:`combine`: every decided measure on the document's side → supports; every decided
  one on the other side → contradicts; some each way → depends; none decided (all ties) →
  depends, reason ``tie``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

BAND = 0.10  # relative difference under which two costs or times are a tie
ALPHA = 0.05  # significance level of the McNemar tests
REMEMBER = 0.90  # accuracy at which a model "remembers" on the first-token task
SHIFT_POINTS = 0.05  # accuracy points a model must keep beyond the other under shifts
NOT_WORSE = 0.02  # accuracy points a Transformer may trail the GRU by and still "keep" it
VERDICTS = ("supports", "contradicts", "depends", "untestable")


@dataclass
class Verdict:
    """A claim's verdict.

    Attributes:
        claim: the claim's id (``training_speed``, ``long_text``…: the page's sections).
        verdict: one of ``VERDICTS``.
        reason: a short code (the page turns it into a sentence with the facts).
        facts: the numbers behind it.
    """

    claim: str
    verdict: str
    reason: str
    facts: dict = field(default_factory=dict)


def side_ratio(doc_cost: float | None, other_cost: float | None, band: float = BAND) -> int:
    """+1 when the architecture the document favours costs less than the other by more than
    ``band`` (other / doc > 1 + band), −1 when it costs more, 0 within the band. A missing
    (None) or infinite cost is "never": it loses to any finite one; two of them tie."""
    d = math.inf if doc_cost is None else float(doc_cost)
    o = math.inf if other_cost is None else float(other_cost)
    if math.isinf(d) and math.isinf(o):
        return 0
    if math.isinf(d):
        return -1
    if math.isinf(o):
        return 1
    if o > d * (1 + band):
        return 1
    if d > o * (1 + band):
        return -1
    return 0


def combine(claim: str, sides: list[int], facts: dict) -> Verdict:
    """The common rule (module docstring)."""
    if not sides:
        return Verdict(claim, "untestable", "missing", facts)
    decided = [s for s in sides if s]
    if not decided:
        return Verdict(claim, "depends", "tie", facts)
    if all(s == 1 for s in decided):
        return Verdict(claim, "supports", "all_doc", facts)
    if all(s == -1 for s in decided):
        return Verdict(claim, "contradicts", "all_other", facts)
    return Verdict(claim, "depends", "mixed", facts)


def _median(xs: list[float | None]) -> float:
    v = [math.inf if x is None else float(x) for x in xs]
    return float(np.median(v)) if v else math.nan


def _range(xs: list[float | None]) -> tuple[float, float]:
    v = [math.inf if x is None else float(x) for x in xs]
    return (min(v), max(v)) if v else (math.nan, math.nan)


def repeated_side(doc: list[float | None], other: list[float | None], band: float = BAND) -> int:
    """Side of repeated measurements (e.g. 5 seeds): the medians must differ beyond ``band``
    AND the ranges must not overlap (every repeat of the winner beats every repeat of the
    loser); otherwise a tie. None = never reached (infinite)."""
    s = side_ratio(_median(doc), _median(other), band)
    d_lo, d_hi = _range(doc)
    o_lo, o_hi = _range(other)
    if s == 1 and d_hi < o_lo:
        return 1
    if s == -1 and o_hi < d_lo:
        return -1
    return 0


# ----------------------------------------------------------------------------- 1. speed

SPEED_PAIRS = {"text": ("cnn", "gru"), "text_macs": ("cnn_macs", "gru"), "digits": ("cnn", "gru")}


def _runs(speed: dict, kind: str, model: str, key: str) -> list[float | None]:
    return [r[key] for r in speed[kind]["runs"] if r["model"] == model]


def training_speed(speed: dict, key: str = "cpu_to_target", claim: str = "training_speed"):
    """训练速度 CNN > RNN: CPU time to the validation target, each matched pair, all seeds.

    Rule: per pair, :func:`repeated_side` of the CNN's and the RNN's times (the CNN is the
    document's side); then :func:`combine`. ``key="steps_to_target"`` gives 训练收敛快.
    """
    sides, facts = [], {}
    for pair, (cnn, rnn) in SPEED_PAIRS.items():
        kind = "digits" if pair == "digits" else "text"
        if kind not in speed:
            continue
        c, r = _runs(speed, kind, cnn, key), _runs(speed, kind, rnn, key)
        if not c or not r:
            continue
        s = repeated_side(c, r)
        sides.append(s)
        facts[pair] = {
            "cnn": _median(c), "rnn": _median(r), "cnn_range": _range(c),
            "rnn_range": _range(r), "side": s, "n": len(c),
            "cnn_missed": sum(x is None for x in c), "rnn_missed": sum(x is None for x in r),
        }  # fmt: skip
    return combine(claim, sides, facts)


def convergence(speed: dict) -> Verdict:
    """训练收敛快 (a CNN advantage): steps to the validation target, same rule as speed."""
    return training_speed(speed, "steps_to_target", "convergence")


def _median_times(timing: dict, threads: str, model: str) -> list[float]:
    t = timing["times"][threads][model]
    return [float(np.median(t[str(L)]["cpu_ms"])) for L in timing["lengths"]]


def parallel(timing: dict) -> Verdict:
    """并行 vs 串行 (the reason given for the speed claim): one forward+backward pass, one
    thread, median CPU time. Rule: supports when the GRU is slower than the CNN beyond the band
    at the longest length AND its ratio to the CNN is larger there than at the shortest (the
    gap grows with the number of sequential steps); contradicts when the GRU is faster beyond
    the band at the longest length; otherwise depends."""
    if "1" not in timing.get("times", {}):
        return Verdict("parallel", "untestable", "missing", {})
    from .speed import log_slope

    cnn = _median_times(timing, "1", "cnn")
    gru = _median_times(timing, "1", "gru")
    ratios = [g / c for g, c in zip(gru, cnn, strict=True)]
    facts = {
        "ratio_short": ratios[0], "ratio_long": ratios[-1],
        "short": timing["lengths"][0], "long": timing["lengths"][-1],
        "slope_cnn": log_slope(timing["lengths"], cnn),
        "slope_gru": log_slope(timing["lengths"], gru),
    }  # fmt: skip
    if ratios[-1] > 1 + BAND and ratios[-1] > ratios[0]:
        return Verdict("parallel", "supports", "gap_grows", facts)
    if ratios[-1] < 1 / (1 + BAND):
        return Verdict("parallel", "contradicts", "gru_faster", facts)
    return Verdict("parallel", "depends", "no_growth", facts)


# ----------------------------------------------------------------------------- 2. long text


def longest_bucket(lang_rows: list[dict], min_n: int) -> dict | None:
    """The longest length bucket with at least ``min_n`` sentences (None: none)."""
    rows = [r for r in lang_rows if r["n"] >= min_n]
    return rows[-1] if rows else None


def mcnemar_side(row: dict, doc: str) -> int:
    """+1 when the McNemar test on ``row`` (b01 = CNN right & RNN wrong, b10 = the reverse)
    is significant and the document's model (``doc``: "cnn" or "rnn") is the better one, −1
    when significant the other way, 0 otherwise."""
    b01, b10, p = row["mcnemar"]
    if p >= ALPHA or b01 == b10:
        return 0
    cnn_better = b01 > b10
    return 1 if cnn_better == (doc == "cnn") else -1


def ci_side(diff: list[float], doc_positive: bool = True) -> int:
    """Side of a difference (doc model − other) with its CI [d, lo, hi]: +1 when the CI is
    above 0, −1 below, 0 when it contains 0 (``doc_positive=False`` flips the sign)."""
    d, lo, hi = diff
    s = 1 if lo > 0 else -1 if hi < 0 else 0
    return s if doc_positive else -s


def long_text(longtext: dict, synthetic: dict) -> Verdict:
    """长文本处理 RNN > CNN. Measures: per language, the McNemar test on the longest bucket with
    ≥ min_bucket held-out sentences (the app's GRU vs TextCNN); on the first-token task at the
    longest L, the GRU with attention − TextCNN accuracy (paired bootstrap CI); the same on the
    pattern task. Each is a side (significant or CI excluding 0, else a tie); then combine."""
    sides, facts = [], {}
    for lang in ("zh", "en"):
        rows = longtext.get("langs", {}).get(lang)
        if not rows:
            continue
        row = longest_bucket(rows, longtext["min_bucket"])
        if row is None:
            continue
        s = mcnemar_side(row, "rnn")
        sides.append(s)
        facts[lang] = {"bucket": row["bucket"], "n": row["n"], "cnn": row["cnn"][0],
                       "rnn": row["rnn"][0], "p": row["mcnemar"][2], "side": s}  # fmt: skip
    for task in ("first_token", "pattern"):
        t = synthetic.get("tasks", {}).get(task)
        if not t:
            continue
        d = t["longest"]["gru_attn-cnn"]
        s = ci_side(d)
        sides.append(s)
        facts[task] = {"L": t["longest"]["L"], "diff": d, "side": s}
    return combine("long_text", sides, facts)


def memory(synthetic: dict, model: str = "gru") -> Verdict:
    """记忆机制：理论上可以记住任意长的历史信息. On the first-token task, the GRU without
    attention (its memory is its state alone) "remembers" at length L when the lower end of the
    95 % CI of its test accuracy is ≥ ``REMEMBER``. Supports when it remembers at every L
    (up to the longest tried), contradicts when it fails even at the shortest, otherwise
    depends (reason: up to which L). "Theoretically" cannot be tested: only practice, within
    the training budget."""
    t = synthetic.get("tasks", {}).get("first_token")
    if not t or model not in t["models"]:
        return Verdict("memory", "untestable", "missing", {})
    Ls = t["lengths"]
    lo = t["models"][model]["lo"]
    ok = [x >= REMEMBER for x in lo]
    upto = max((L for L, k in zip(Ls, ok, strict=True) if k), default=None)
    facts = {"lengths": Ls, "acc": t["models"][model]["acc"], "upto": upto, "longest": Ls[-1]}
    if all(ok):
        return Verdict("memory", "supports", "all_lengths", facts)
    if not ok[0]:
        return Verdict("memory", "contradicts", "none", facts)
    return Verdict("memory", "depends", "up_to", facts)


# ----------------------------------------------------------------------------- 3. resources

COST_MEASURES = ("body", "macs", "saved", "peak")


def resource_use(cost: dict) -> Verdict:
    """资源消耗 CNN < RNN: the matched text pair at the median sentence length and the matched
    digit pair; measures: parameters without the embedding, MACs per example, bytes autograd
    saves, peak bytes of a training step. Each measure is a side with the 10 % band (the CNN is
    the document's side); then combine. (Parameters and MACs are matched by construction, so
    they can only tie: the verdict rests on memory.)"""
    sides, facts = [], {}
    for kind, (cnn, rnn) in (("text", ("cnn", "gru")), ("digits", ("cnn", "gru"))):
        models = cost.get(kind, {}).get("models", {})
        if cnn not in models or rnn not in models:
            continue
        facts[kind] = {}
        for m in COST_MEASURES:
            c, r = models[cnn][m], models[rnn][m]
            s = side_ratio(c, r)
            sides.append(s)
            facts[kind][m] = {"cnn": c, "rnn": r, "ratio": r / c if c else math.nan, "side": s}
    return combine("resource_use", sides, facts)


# ----------------------------------------------------------------------------- 4. pairs

NEGATION_CATEGORIES = ("negation", "contrast", "double_negation")
KEYWORD_CATEGORIES = ("keyword",)


def pair_claim(pairs: dict, categories: tuple[str, ...], doc: str, claim: str) -> Verdict:
    """A minimal-pair claim: over every sentence of ``categories`` (both languages), the exact
    McNemar test of the GRU against the TextCNN. Supports when significant (p < 0.05) for the
    document's model (``doc``), contradicts when significant for the other, otherwise depends
    (reason ``no_difference``)."""
    key = "+".join(categories)
    if key not in pairs.get("pooled", {}):
        return Verdict(claim, "untestable", "missing", {})
    row = pairs["pooled"][key]
    s = mcnemar_side(row, doc)
    facts = {"n": row["n"], "cnn": row["cnn"][0], "rnn": row["rnn"][0],
             "b01": row["mcnemar"][0], "b10": row["mcnemar"][1], "p": row["mcnemar"][2]}  # fmt: skip
    if s == 1:
        return Verdict(claim, "supports", "significant_doc", facts)
    if s == -1:
        return Verdict(claim, "contradicts", "significant_other", facts)
    return Verdict(claim, "depends", "no_difference", facts)


def negation(pairs: dict) -> Verdict:
    """处理否定、转折等复杂语言现象 (an RNN advantage)."""
    return pair_claim(pairs, NEGATION_CATEGORIES, "rnn", "negation")


def keywords(pairs: dict) -> Verdict:
    """快速识别关键词组合模式 (a CNN advantage)."""
    return pair_claim(pairs, KEYWORD_CATEGORIES, "cnn", "keywords")


# ----------------------------------------------------------------------------- 5. Transformer


def transformer(timing: dict, synthetic: dict) -> Verdict:
    """Transformer: 同时具备CNN的并行计算能力 and 保持RNN的长距离依赖建模.

    (a) parallel like the CNN: one thread, its forward+backward is faster than the GRU's
    beyond the band at every length (reported: up to which length it is); (b) long range like
    the RNN: on the first-token task at the longest L its accuracy is not below the attention
    GRU's by more than ``NOT_WORSE`` (paired CI upper end ≥ −NOT_WORSE) and is above the
    TextCNN's (CI above 0). Supports when (a) and (b) hold, contradicts when neither does,
    otherwise depends."""
    facts: dict = {}
    a = b = None
    if "1" in timing.get("times", {}) and "transformer" in timing["times"]["1"]:
        trf = _median_times(timing, "1", "transformer")
        gru = _median_times(timing, "1", "gru")
        faster = [side_ratio(t, g) == 1 for t, g in zip(trf, gru, strict=True)]
        a = all(faster)
        facts["faster_at"] = [L for L, f in zip(timing["lengths"], faster, strict=True) if f]
        facts["ratio_long"] = gru[-1] / trf[-1]
        facts["ratio_short"] = gru[0] / trf[0]
    t = synthetic.get("tasks", {}).get("first_token")
    if t and "transformer-gru_attn" in t["longest"]:
        vs_gru, vs_cnn = t["longest"]["transformer-gru_attn"], t["longest"]["transformer-cnn"]
        b = vs_gru[2] >= -NOT_WORSE and vs_cnn[1] > 0
        facts.update(L=t["longest"]["L"], vs_gru=vs_gru, vs_cnn=vs_cnn)
    if a is None or b is None:
        return Verdict("transformer", "untestable", "missing", facts)
    facts.update(parallel=a, long_range=b)
    if a and b:
        return Verdict("transformer", "supports", "both", facts)
    if not a and not b:
        return Verdict("transformer", "contradicts", "neither", facts)
    return Verdict("transformer", "depends", "parallel_only" if a else "long_range_only", facts)


# ----------------------------------------------------------------------------- 6. shift


def retained(curve: list[float], shifts: list[int], near: tuple[int, ...] = (1, 2, 3)) -> float:
    """Mean accuracy at the shifts ±``near`` divided by the accuracy at 0."""
    acc = dict(zip(shifts, curve, strict=True))
    moved = [acc[s] for s in (*near, *(-n for n in near)) if s in acc]
    return float(np.mean(moved) / acc[0]) if acc.get(0) else math.nan


def shift_retention(shift: dict) -> dict:
    """model → augmentation → median over seeds of the retained accuracy (both axes pooled)."""
    out: dict = {}
    for model, by_aug in shift["models"].items():
        out[model] = {}
        for aug, by_axis in by_aug.items():
            vals = [
                retained(c, shift["shifts"])
                for axis in ("x", "y")
                for c in by_axis[axis]
            ]  # fmt: skip
            out[model][aug] = float(np.median(vals))
    return out


def translation(shift: dict) -> Verdict:
    """平移不变性 / 对位置变化不敏感 (CNN). Retained accuracy = mean accuracy at shifts of 1–3 px
    (x and y, both directions) over the accuracy unshifted, median over seeds. Architecture
    effect = CNN − row GRU retained, both trained WITHOUT augmentation. Supports when the CNN
    keeps ≥ 5 points more, contradicts when the GRU does, otherwise depends. The gain that
    shift augmentation brings to each model is reported beside it (the data's share)."""
    if "models" not in shift:
        return Verdict("translation", "untestable", "missing", {})
    r = shift_retention(shift)
    arch = r["cnn"]["none"] - r["gru"]["none"]
    facts = {
        "retained": r,
        "arch": arch,
        "gain_cnn": r["cnn"]["shift"] - r["cnn"]["none"],
        "gain_gru": r["gru"]["shift"] - r["gru"]["none"],
        "equivariance": shift.get("equivariance", {}),
    }
    if arch >= SHIFT_POINTS:
        return Verdict("translation", "supports", "architecture", facts)
    if arch <= -SHIFT_POINTS:
        return Verdict("translation", "contradicts", "gru_more", facts)
    return Verdict("translation", "depends", "data", facts)


# ----------------------------------------------------------------------------- 7, 8


def sharing(structure: dict) -> Verdict:
    """参数共享 (CNN) and 参数循环利用 (RNN). Supports when every convolution has fewer
    parameters than a locally connected layer of the same shape (its kernel is reused at every
    position) AND each GRU's parameter count is the same at every length tried (its cell is
    reused at every step); contradicts when neither holds; otherwise depends."""
    s = structure.get("sharing")
    if not s:
        return Verdict("sharing", "untestable", "missing", {})
    conv_ok = all(r["shared"] < r["local"] for r in s["conv"])
    by_model: dict = {}
    for r in s["gru"]:
        by_model.setdefault(r["model"], set()).add(r["params"])
    gru_ok = bool(by_model) and all(len(v) == 1 for v in by_model.values())
    facts = {"conv": s["conv"], "gru": s["gru"], "conv_ok": conv_ok, "gru_ok": gru_ok}
    if conv_ok and gru_ok:
        return Verdict("sharing", "supports", "both", facts)
    if not conv_ok and not gru_ok:
        return Verdict("sharing", "contradicts", "neither", facts)
    return Verdict("sharing", "depends", "one", facts)


def input_size(structure: dict) -> Verdict:
    """静态结构，需固定输入尺寸 (CNN) vs 动态结构，输入长度可变 (RNN), from running the models.
    Supports when every recurrent run succeeded at every length AND every CNN run at a size
    other than its training size failed; contradicts when a recurrent run failed or every CNN
    run succeeded; otherwise depends (some CNN parts take any size, others do not)."""
    runs = structure.get("sizes")
    if not runs:
        return Verdict("input_size", "untestable", "missing", {})
    rnn = [r for r in runs if r["family"] == "rnn"]
    cnn = [r for r in runs if r["family"] == "cnn" and not r["native"]]
    rnn_ok = all(r["ok"] for r in rnn)
    cnn_fail = [r for r in cnn if not r["ok"]]
    facts = {
        "rnn_ok": rnn_ok,
        "cnn_failed": sorted({r["model"] for r in cnn_fail}),
        "cnn_ran": sorted({r["model"] for r in cnn if r["ok"]}),
    }
    if rnn_ok and len(cnn_fail) == len(cnn):
        return Verdict("input_size", "supports", "cnn_fixed", facts)
    if not rnn_ok or not cnn_fail:
        return Verdict("input_size", "contradicts", "cnn_any", facts)
    return Verdict("input_size", "depends", "head_only", facts)


def all_verdicts(results: dict) -> dict[str, Verdict]:
    """Every verdict from the lab's results (section name → its JSON dict; a missing section
    gives ``untestable``), in the page's order."""
    g = lambda k: results.get(k) or {}  # noqa: E731
    return {
        "training_speed": training_speed(g("speed")),
        "convergence": convergence(g("speed")),
        "parallel": parallel(g("timing")),
        "long_text": long_text(g("long_text"), g("synthetic")),
        "memory": memory(g("synthetic")),
        "resource_use": resource_use(g("cost")),
        "negation": negation(g("pairs")),
        "keywords": keywords(g("pairs")),
        "transformer": transformer(g("timing"), g("synthetic")),
        "translation": translation(g("shift")),
        "sharing": sharing(g("structure")),
        "input_size": input_size(g("structure")),
    }
