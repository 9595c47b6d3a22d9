"""Lessons as data, and the answers to their predict-then-reveal questions, computed live.

A lesson is a file ``assets/lessons/<id>.json`` (checked by ``assets/lessons/schema.json`` and
:func:`check_lesson`): a title, a summary and 5–8 steps. A step has a title and a short text in
both languages, the input it sets (``{"sample": "digit:14"}``, ``{"text": "…", "model":
"text_gru", "step": 8}``, ``{"series": "load", "point": 624, "horizon": 1}``, ``{"strip": 3}`` (a sample number strip),
``{"clip": "0:left"}`` (sample digit 0 moving left), ``{"lab": "timing"}`` (a claims-lab section's
results, ``"all"`` for every section), ``{"pair": "contrast_zh_02"}`` (a minimal pair)), the one view it
shows (an id of ``ui.views``) and optionally a question.

A question names a *kind* (:data:`KINDS`). :func:`solve` runs the models on the step's input
and returns a :class:`Solution`: the options (or the number range), the answer and the facts the
explanation quotes. Nothing is hard-coded in a lesson file, so the answers stay true after the
models are retrained; ``tests/test_nets_lessons.py`` checks each kind against the models.

No Streamlit here: the app caches :func:`solve` by (lesson, step) in ``ui/lessons_cache.py``.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from typing import Any

import numpy as np

from .paths import ASSETS
from .stats import wilson

LESSONS_DIR = ASSETS / "lessons"
SCHEMA_FILE = "schema.json"
LANGS = ("zh", "en")
MAX_WORDS = 120  # per step text, per language (Chinese: see words())
ZH_CHARS_PER_WORD = 1.7  # mean length of a modern Chinese word in characters (for words())
SAMPLES = "samples/digits.npz"
PHOTOS_DIR = ASSETS / "samples" / "photos"

# ----------------------------------------------------------------------------- files


def words(text: str, lang: str) -> int:
    """How many words a text has: English words and numbers; in Chinese, CJK characters divided
    by :data:`ZH_CHARS_PER_WORD` (rounded up) plus any Latin words."""
    latin = len(re.findall(r"[A-Za-z0-9][A-Za-z0-9'’.,%-]*", text))
    if lang == "en":
        return latin
    cjk = len(re.findall(r"[\u3400-\u9fff]", text))
    return math.ceil(cjk / ZH_CHARS_PER_WORD) + latin


def lesson_ids() -> tuple[str, ...]:
    """Every lesson id, in the order of the lessons' ``order`` field."""
    return _ids()


@lru_cache(maxsize=1)
def _ids() -> tuple[str, ...]:
    found = []
    for path in LESSONS_DIR.glob("*.json"):
        if path.name == SCHEMA_FILE:
            continue
        data = json.loads(path.read_text(encoding="utf-8"))
        found.append((data.get("order", 99), path.stem))
    return tuple(lid for _, lid in sorted(found))


@lru_cache(maxsize=32)
def load_lesson(lid: str) -> dict:
    """The lesson ``lid`` as read from its file (shared: do not modify it).

    Raises:
        KeyError: no such lesson.
    """
    if lid not in lesson_ids():
        raise KeyError(lid)
    return json.loads((LESSONS_DIR / f"{lid}.json").read_text(encoding="utf-8"))


def schema() -> dict:
    """The JSON Schema every lesson file follows."""
    return json.loads((LESSONS_DIR / SCHEMA_FILE).read_text(encoding="utf-8"))


# ----------------------------------------------------------------------------- inputs


def sample_array(sid: str):
    """A gallery entry as ``nets.analyze_image`` takes it: a digit as (28, 28) uint8, a photo
    as its file bytes (decoded in the worker pool like an upload)."""
    kind, name = sid.split(":", 1)
    if kind == "photo":
        return (PHOTOS_DIR / f"{name}.jpg").read_bytes()
    from .registry import load_npz

    return load_npz(SAMPLES)["images"][int(name)]


def sample_truth(sid: str) -> int | None:
    """The gallery's own label of a digit sample (None for a photo)."""
    kind, name = sid.split(":", 1)
    if kind != "digit":
        return None
    from .registry import load_npz

    return int(load_npz(SAMPLES)["labels"][int(name)])


def check_input(inp: dict) -> list[str]:
    """What is wrong with a step's input spec (empty when it is usable)."""
    problems = []
    if "sample" in inp:
        sid = str(inp["sample"])
        kind, _, name = sid.partition(":")
        if kind == "digit":
            from .registry import load_npz

            n = len(load_npz(SAMPLES)["labels"])
            if not (name.isdigit() and int(name) < n):
                problems.append(f"no gallery digit {sid!r} (0…{n - 1})")
        elif kind != "photo" or not (PHOTOS_DIR / f"{name}.jpg").is_file():
            problems.append(f"no gallery sample {sid!r}")
    if "text" in inp:
        from .analyze import encode
        from .errors import InputError
        from .family import MEMBERS

        model = inp.get("model", "text_gru")
        if model not in MEMBERS:
            problems.append(f"no RNN family member {model!r}")
        else:
            try:
                n = len(encode(inp["text"], model).tokens)
            except InputError as exc:
                problems.append(f"text rejected: {exc}")
            else:
                if "step" in inp and not 0 <= int(inp["step"]) < n:
                    problems.append(f"step {inp['step']} outside the {n} tokens")
    if "strip" in inp:
        from .hybrid import sample_strips

        if not 0 <= int(inp["strip"]) < len(sample_strips()):
            problems.append(f"no sample strip {inp['strip']} (0…{len(sample_strips()) - 1})")
    if "clip" in inp:
        from .hybrid import sample_digits
        from .strips import DIRECTIONS

        digit, _, direction = str(inp["clip"]).partition(":")
        if not (digit.isdigit() and int(digit) < len(sample_digits())):
            problems.append(f"no sample digit {digit!r} for a clip")
        if direction not in DIRECTIONS:
            problems.append(f"no direction {direction!r} (one of {', '.join(DIRECTIONS)})")
    if "lab" in inp:
        from .lab import results as lab_results

        if inp["lab"] == "all":  # every section (the summary)
            if not lab_results.read_all():
                problems.append("no claims-lab results: run python -m nets.train lab")
        elif inp["lab"] not in lab_results.SECTIONS:
            problems.append(f"no claims-lab section {inp['lab']!r}")
        elif lab_results.read(inp["lab"]) is None:
            problems.append(f"no results for {inp['lab']!r}: run python -m nets.train lab")
    if "pair" in inp:
        from .contrast import PAIR_BY_ID

        if inp["pair"] not in PAIR_BY_ID:
            problems.append(f"no minimal pair {inp['pair']!r} in assets/minimal_pairs.json")
    if "series" in inp:
        from . import series as S

        if inp["series"] not in S.SERIES:
            problems.append(f"no shipped series {inp['series']!r}")
        else:
            b = S.load_bundle(inp["series"])
            n = len(b.test_origins())
            if "point" in inp and not 0 <= int(inp["point"]) < n:
                problems.append(f"point {inp['point']} outside the {n} test origins")
            if "horizon" in inp and not 1 <= int(inp["horizon"]) <= b.cfg.horizon:
                problems.append(f"horizon {inp['horizon']} outside 1…{b.cfg.horizon}")
    return problems


class Data:
    """The analyses of one step's input, computed when first asked for (no Streamlit cache)."""

    def __init__(self, inp: dict):
        self.inp = inp
        self._strips: dict[str, Any] = {}
        self._clips: dict[str, Any] = {}

    @cached_property
    def image(self):
        from .analyze import analyze_image

        return analyze_image(sample_array(self.inp["sample"]))

    @cached_property
    def rows(self):
        from .analyze import analyze_rows

        return analyze_rows(self.image.input28)

    @property
    def model(self) -> str:
        return self.inp.get("model", "text_gru")

    @cached_property
    def text(self):
        from .analyze import analyze_text

        return analyze_text(self.inp["text"], self.model)

    @cached_property
    def text_cnn(self):
        from .analyze import analyze_text_cnn

        return analyze_text_cnn(self.inp["text"])

    def strip_of(self, kind: str = "crnn"):
        """The sample strip through the CRNN or one of its ablations."""
        if kind not in self._strips:
            from . import hybrid as H

            self._strips[kind] = H.analyze_strip(H.sample_strip(int(self.inp["strip"])), kind)
        return self._strips[kind]

    def clip_of(self, kind: str = "gru"):
        """The clip (sample digit, direction) through the CNN → GRU or one of its ablations."""
        if kind not in self._clips:
            from . import hybrid as H

            digit, direction = str(self.inp["clip"]).split(":")
            clip = H.make_clip(H.sample_digit(int(digit)), direction)
            self._clips[kind] = H.analyze_clip(clip, kind)
        return self._clips[kind]

    @cached_property
    def lab(self) -> dict:
        """The claims lab's results (section → its JSON), as the lab page reads them."""
        from .lab import results as lab_results

        return lab_results.read_all()

    @cached_property
    def verdicts(self) -> dict:
        """The lab's verdicts (claim → Verdict), by its own rules, from :attr:`lab`."""
        from .lab.verdicts import all_verdicts

        return all_verdicts(self.lab)

    @cached_property
    def pair(self) -> dict:
        """The step's minimal pair (``assets/minimal_pairs.json``)."""
        from .contrast import PAIR_BY_ID

        return PAIR_BY_ID[self.inp["pair"]]

    @cached_property
    def bundle(self):
        from . import series as S

        return S.load_bundle(self.inp["series"])

    @property
    def point(self) -> int:
        return int(self.inp.get("point", len(self.bundle.test_origins()) - 1))

    @property
    def horizon(self) -> int:
        return int(self.inp.get("horizon", 1))

    @cached_property
    def series(self):
        from . import series as S

        return S.analyze_series(self.inp["series"], self.point)


# ----------------------------------------------------------------------------- solutions


@dataclass(frozen=True)
class Label:
    """Something shown to the learner: a UI string (``key`` formatted with ``fmt``, translated
    by the app) or a literal ``text`` (a token, a digit, a channel number)."""

    key: str | None = None
    text: str | None = None
    fmt: tuple[tuple[str, Any], ...] = ()


def lit(text) -> Label:
    return Label(text=str(text))


def opt(name: str, **fmt) -> Label:
    """An option's label from ``assets/i18n/lessons.json`` (``lessons.opt.<name>``)."""
    return Label(key=f"lessons.opt.{name}", fmt=tuple(fmt.items()))


@dataclass(frozen=True)
class Solution:
    """A question answered for one input.

    Attributes:
        form: ``"choice"`` (pick one of ``options``) or ``"number"`` (a guess in lo…hi).
        options: (value, label) pairs for a choice.
        lo, hi: the number range; tol: how far a number guess may be off and still count.
        answer: the right option's value, or the number as a string; None when the model gives
            no answer for this input (e.g. never sure): no guess counts then.
        facts: what the explanation quotes (``{name}`` placeholders): numbers and tokens as
            text, or a :class:`Label` the app translates.
        source: where the answer comes from: ``"models"`` (run now on the step's input) or
            ``"lab"`` (the claims lab's recorded results, by its rules).
    """

    form: str
    answer: str | None
    facts: dict[str, Any] = field(default_factory=dict)
    options: tuple[tuple[str, Label], ...] = ()
    lo: int = 0
    hi: int = 0
    tol: int = 0
    source: str = "models"  # "lab": read from the claims lab's recorded results

    def correct(self, guess) -> bool | None:
        """Whether a guess is right (None: no guess, or no answer to compare with)."""
        if guess is None or self.answer is None:
            return None
        if self.form == "number":
            return abs(int(guess) - int(self.answer)) <= self.tol
        return str(guess) == self.answer

    def answer_label(self) -> Label:
        if self.answer is None:
            return lit("—")
        if self.form == "number":
            return lit(self.answer)
        return dict(self.options)[self.answer]


def f2(x: float) -> str:
    return f"{float(x):.2f}"


def f3(x: float) -> str:
    return f"{float(x):.3f}"


def pct(x: float) -> str:
    return f"{float(x):.0%}"


def choice(answer, options, **facts) -> Solution:
    return Solution("choice", None if answer is None else str(answer), facts, tuple(options))


def number(answer, lo: int, hi: int, tol: int = 0, **facts) -> Solution:
    ans = None if answer is None else str(int(answer))
    return Solution("number", ans, facts, lo=lo, hi=hi, tol=tol)


def yes_no(yes: bool, **facts) -> Solution:
    return choice("yes" if yes else "no", [("yes", opt("yes")), ("no", opt("no"))], **facts)


def token_options(raw_tokens: list[str]) -> list[tuple[str, Label]]:
    return [(str(i), lit(f"{i + 1} · {tok}")) for i, tok in enumerate(raw_tokens)]


def _label_word(label: str) -> Label:
    return opt(label)


# ----------------------------------------------------------------------------- image kinds


def kernels_mixed(q: dict, d: Data) -> Solution:
    """How many conv1 kernels mix positive and negative weights (``cnn_explain.kernel_kinds``)."""
    from . import cnn_explain

    w, _ = cnn_explain.kernels("conv1")
    kinds = cnn_explain.kernel_kinds(w[:, 0])
    n_mixed = int((kinds == "mixed").sum())
    return number(
        n_mixed,
        0,
        len(w),
        q.get("tol", 0),
        mixed=str(n_mixed),
        pos=str(int((kinds == "positive").sum())),
        neg=str(int((kinds == "negative").sum())),
        n=str(len(w)),
        share=pct(cnn_explain.ONE_SIGN),
    )


def blank_output(q: dict, d: Data) -> Solution:
    """conv1 channel ``channel`` at the top-left corner: with no ink under the kernel the nine
    products are 0, so the output is the bias."""
    from . import cnn_explain

    c, a = int(q.get("channel", 0)), d.image
    s = cnn_explain.conv_step("conv1", c, 0, 0, a.input28, a.activations)
    blank = not np.any(s.patch)
    answer = ("zero" if s.bias == 0 else "bias") if blank else "other"
    options = [("zero", opt("zero")), ("bias", opt("bias")), ("other", opt("other"))]
    return choice(answer, options, c=str(c), bias=f"{s.bias:.4f}", value=f"{s.value:.4f}")


RELU_BUCKETS = (0.25, 0.5, 0.75)


def relu_zeroed(q: dict, d: Data) -> Solution:
    """The share of conv1 channel ``channel``'s outputs below 0 (ReLU sets them to 0)."""
    c = int(q.get("channel", 0))
    m = d.image.activations[q.get("layer", "conv1")][c]
    share = float((m < 0).mean())
    bucket = int(np.searchsorted(RELU_BUCKETS, share, side="right"))
    options = [(f"q{i}", opt(f"quarter{i}")) for i in range(4)]
    return choice(
        f"q{bucket}",
        options,
        c=str(c),
        neg=str(int((m < 0).sum())),
        n=str(m.size),
        share=pct(share),
    )


def bar_masks(input28: np.ndarray, thr: float = 0.5) -> tuple[np.ndarray, np.ndarray, int]:
    """The ink of a digit's top bar (three rows around the inkiest row of the top third of the
    ink) and of what lies below it (from three rows under the bar on), and the bar's row."""
    ink = np.asarray(input28) > thr
    rows = np.flatnonzero(ink.any(1))
    if len(rows) == 0:
        raise ValueError("no ink")
    top, bottom = int(rows[0]), int(rows[-1])
    third = top + max(1, (bottom - top + 1) // 3)
    r = top + int(np.argmax(ink[top:third].sum(1)))
    ys = np.arange(ink.shape[0])[:, None]
    bar = ink & (np.abs(ys - r) <= 1)
    below = ink & (ys >= r + 3)
    if not bar.any() or not below.any():
        raise ValueError("no bar above a stroke")
    return bar, below, r


def bar_response(q: dict, d: Data) -> Solution:
    """The conv1 channel with the largest mean output on the ink of the digit's top bar, and
    what its kernel is (``cnn_explain.kernel_kinds``: mixed signs, or mostly one sign)."""
    from . import cnn_explain

    a = d.image
    bar, below, r = bar_masks(a.input28)
    maps = a.activations[q.get("layer", "conv1")]
    on_bar = np.array([m[bar].mean() for m in maps])
    order = np.argsort(-on_bar)
    best = int(order[0])
    w, _ = cnn_explain.kernels("conv1")
    kind = str(cnn_explain.kernel_kinds(w[:, 0])[best])
    options = [(str(c), lit(c)) for c in range(len(maps))]
    return choice(
        best,
        options,
        c=str(best),
        bar=f2(on_bar[best]),
        below=f2(maps[best][below].mean()),
        second=str(int(order[1])),
        second_bar=f2(on_bar[order[1]]),
        row=str(r + 1),
        kind=opt(f"kernel_{kind}"),
    )


def equivariant(q: dict, d: Data) -> Solution:
    """Is conv1 of the shifted digit the shifted conv1 (away from the borders)?"""
    from . import shift

    dy, dx = int(q.get("dy", 0)), int(q.get("dx", 3))
    eq = shift.conv_equivariance(d.image.input28, dy, dx, "conv1")
    scale = float(np.abs(eq.maps).max()) or 1.0
    return yes_no(
        eq.max_abs_diff <= 1e-5 * scale,
        diff=f"{eq.max_abs_diff:.1e}",
        n=f"{eq.compared:,}",
        dx=str(dx),
        dy=str(dy),
    )


SHARING_POWERS = (1, 3, 5, 7)


def sharing_ratio(q: dict, d: Data) -> Solution:
    """How many times more weights a dense layer with conv1's input and output would need
    (nearest of 10¹, 10³, 10⁵, 10⁷)."""
    from . import cnn_explain

    s = cnn_explain.parameter_sharing("conv1")
    ratio = s.dense_params / s.conv_params
    best = min(SHARING_POWERS, key=lambda k: abs(math.log10(ratio) - k))
    options = [(f"e{k}", opt("times", n=f"{10**k:,}")) for k in SHARING_POWERS]
    return choice(
        f"e{best}",
        options,
        conv=f"{s.conv_params:,}",
        dense=f"{s.dense_params:,}",
        ratio=f"{ratio:,.0f}",
    )


def map_side(q: dict, d: Data) -> Solution:
    """The width of one of ``layer``'s maps for this input."""
    layer = q.get("layer", "pool1")
    m = d.image.activations[layer]
    return number(m.shape[-1], 1, 28, q.get("tol", 0), side=str(m.shape[-1]), c=str(m.shape[0]))


def rf_size(q: dict, d: Data) -> Solution:
    """The width of the input patch a unit in the middle of ``layer``'s map can see (the
    receptive-field view opens on that unit)."""
    from . import cnn_explain

    layer = q.get("layer", "conv2")
    side = d.image.activations[layer].shape[-1]
    y = x = side // 2
    top, bottom, left, right = cnn_explain.receptive_field(layer, y, x)
    w, h = right - left + 1, bottom - top + 1
    return number(w, 1, 28, q.get("tol", 0), w=str(w), h=str(h), y=str(y), x=str(x))


def cnn_label(q: dict, d: Data) -> Solution:
    """The digit the image CNN predicts."""
    a = d.image
    truth = sample_truth(d.inp["sample"])
    options = [(str(k), lit(k)) for k in range(10)]
    return choice(
        a.label,
        options,
        label=str(a.label),
        p=pct(a.confidence),
        truth="—" if truth is None else str(truth),
    )


def _image_map(d: Data, method: str) -> np.ndarray:
    from .attribution import image_attributions

    return image_attributions(d.image.input28, d.image.label, (method,))[method]


def saliency_on_ink(q: dict, d: Data) -> Solution:
    """Does the pixel with the largest saliency (|∂score/∂pixel|) lie on the ink?"""
    s = _image_map(d, "saliency")
    y, x = np.unravel_index(int(np.argmax(s)), s.shape)
    v = float(d.image.input28[y, x])
    options = [("ink", opt("ink")), ("background", opt("background"))]
    return choice("ink" if v > 0.5 else "background", options, y=str(y), x=str(x), ink=f2(v))


def ig_complete(q: dict, d: Data) -> Solution:
    """Do the IG values add up to score(image) − score(black image) (within ``rtol``)?"""
    from .analyze import trace_image28

    a = d.image
    ig = _image_map(d, "integrated_gradients")
    fx = float(a.activations["logits"][a.label])
    f0 = float(trace_image28(np.zeros_like(a.input28))["logits"][a.label])
    total = float(ig.sum())
    ok = abs(total - (fx - f0)) <= float(q.get("rtol", 0.05)) * abs(fx - f0)
    return yes_no(ok, sum=f2(total), fx=f2(fx), f0=f2(f0), diff=f2(fx - f0))


def ig_half(q: dict, d: Data) -> Solution:
    """Where IG's positive evidence for the predicted digit mostly lies: top or bottom half."""
    ig = _image_map(d, "integrated_gradients")
    half = ig.shape[0] // 2
    top, bottom = float(ig[:half][ig[:half] > 0].sum()), float(ig[half:][ig[half:] > 0].sum())
    options = [("top", opt("top")), ("bottom", opt("bottom"))]
    return choice("top" if top >= bottom else "bottom", options, top=f2(top), bottom=f2(bottom))


def occlusion_raises(q: dict, d: Data) -> Solution:
    """Is there a patch whose blacking-out raises the predicted digit's score (a negative
    occlusion value beyond ``rtol`` of the largest one)?"""
    occ = _image_map(d, "occlusion")
    lo, hi = float(occ.min()), float(occ.max())
    return yes_no(lo < -float(q.get("rtol", 0.05)) * max(abs(hi), 1e-9), min=f2(lo), max=f2(hi))


# ----------------------------------------------------------------------------- digit: CNN vs row GRU


def rows_sure(q: dict, d: Data) -> Solution:
    """After how many rows the row GRU's probability of its final digit first reaches ``p``."""
    rows = d.rows
    p = float(q.get("p", 0.9))
    curve = rows.step_probs[:, rows.label]
    hit = np.flatnonzero(curve >= p)
    n = int(hit[0]) + 1 if len(hit) else None
    return number(
        n,
        1,
        len(curve),
        q.get("tol", 0),
        rows="—" if n is None else str(n),
        p=pct(p),
        label=str(rows.label),
        total=str(len(curve)),
    )


def digit_agree(q: dict, d: Data) -> Solution:
    """Do the image CNN and the row GRU predict the same digit?"""
    a, r = d.image, d.rows
    return yes_no(
        a.label == r.label,
        cnn=str(a.label),
        rnn=str(r.label),
        pc=pct(a.confidence),
        pr=pct(r.probs[r.label]),
    )


def shift_survivor(q: dict, d: Data) -> Solution:
    """Which model keeps its digit when the digit moves by (dy, dx)?"""
    from . import shift

    dy, dx = int(q.get("dy", 0)), int(q.get("dx", 3))
    sp = shift.shifted_predictions(d.image.input28, dy, dx)
    c_keep, r_keep = sp.cnn_label == d.image.label, sp.rnn_label == d.rows.label
    answer = {(1, 1): "both", (1, 0): "cnn", (0, 1): "rnn", (0, 0): "neither"}[c_keep, r_keep]
    options = [(k, opt(f"keep_{k}")) for k in ("both", "cnn", "rnn", "neither")]
    return choice(
        answer,
        options,
        dx=str(dx),
        dy=str(dy),
        cnn_before=str(d.image.label),
        cnn_after=str(sp.cnn_label),
        rnn_before=str(d.rows.label),
        rnn_after=str(sp.rnn_label),
    )


# ----------------------------------------------------------------------------- text kinds


def n_steps(q: dict, d: Data) -> Solution:
    """How many steps (tokens) the member reads."""
    a = d.text
    return number(
        len(a.tokens),
        1,
        int(q.get("hi", 40)),
        q.get("tol", 0),
        n=str(len(a.tokens)),
        tokens=" · ".join(a.raw_tokens),
    )


def final_label(q: dict, d: Data) -> Solution:
    """The member's verdict on the whole sentence."""
    a = d.text
    options = [("positive", opt("positive")), ("negative", opt("negative"))]
    return choice(a.label, options, p=f2(a.prob_positive))


def hidden_units(q: dict, d: Data) -> Solution:
    """How many numbers the member passes from step to step (its state's size)."""
    h = int(d.text.hidden.shape[1])
    return number(h, 1, int(q.get("hi", 256)), q.get("tol", 0), h=str(h))


def _step(d: Data, q: dict) -> int:
    return int(q.get("step", d.inp.get("step", len(d.text.tokens) - 1)))


def gate_keep(q: dict, d: Data) -> Solution:
    """At the step, does the mean gate keep the old memory (> 0.5)? GRU: update gate z
    (h_t = z·h_{t−1} + (1−z)·n_t); LSTM: forget gate f (c_t = f·c_{t−1} + i·g_t). Forward
    reader."""
    from . import rnn_explain as rx

    a, t = d.text, _step(d, q)
    letter = "f" if a.cell is not None else "z"
    g = float(rx.gate_means(a.direction_states("forward", letter))[t])
    options = [("keep", opt("keep")), ("write", opt("write"))]
    return choice(
        "keep" if g > 0.5 else "write",
        options,
        g=f2(g),
        gate=letter,
        t=str(t + 1),
        tok=a.raw_tokens[t],
        keep=pct(g),
    )


def prefix_flips(q: dict, d: Data) -> Solution:
    """Does P(positive) of the prefixes cross 0.5 on the way through the sentence?"""
    from . import rnn_explain as rx

    a = d.text
    fl = rx.flips(a.prefix_prob_positive)
    first = f"{int(fl[0]) + 1} · {a.raw_tokens[int(fl[0])]}" if len(fl) else "—"
    return yes_no(len(fl) > 0, n=str(len(fl)), first=first, p=f2(a.prob_positive))


def marker_index(raw_tokens: list[str], marker: str) -> int:
    """The first token at which consecutive tokens spell ``marker`` (spaces and case ignored)."""
    m = marker.lower().replace(" ", "")
    for i in range(len(raw_tokens)):
        s = ""
        for tok in raw_tokens[i:]:
            s += tok.lower().replace(" ", "")
            if s == m:
                return i
            if not m.startswith(s):
                break
    raise ValueError(f"marker {marker!r} not in the tokens")


def prefix_change(q: dict, d: Data) -> Solution:
    """From just before ``marker`` to the end of the sentence: does P(positive) go up, down, or
    stay within ``threshold``?"""
    a = d.text
    i = marker_index(a.raw_tokens, q["marker"])
    if i == 0:
        raise ValueError("the marker must not open the sentence")
    before, after = float(a.prefix_prob_positive[i - 1]), float(a.prefix_prob_positive[-1])
    delta, thr = after - before, float(q.get("threshold", 0.05))
    answer = "flat" if abs(delta) < thr else "up" if delta > 0 else "down"
    options = [(k, opt(k)) for k in ("up", "down", "flat")]
    return choice(
        answer,
        options,
        before=f2(before),
        after=f2(after),
        delta=f"{delta:+.2f}",
        thr=f2(thr),
        tok=a.raw_tokens[i - 1],
    )


def attention_top(q: dict, d: Data) -> Solution:
    """The token whose hidden state gets the largest attention weight."""
    a = d.text
    i = int(np.argmax(a.attention))
    return choice(
        i,
        token_options(a.raw_tokens),
        tok=a.raw_tokens[i],
        t=str(i + 1),
        w=f2(a.attention[i]),
    )


def _text_ig(d: Data) -> np.ndarray:
    from .attribution import text_attributions

    return text_attributions(d.inp["text"], d.model)


def ig_top(q: dict, d: Data) -> Solution:
    """The token with the largest |IG| (of logit₊ − logit₋ against the all-<pad> baseline)."""
    a, ig = d.text, _text_ig(d)
    i = int(np.argmax(np.abs(ig)))
    return choice(
        i,
        token_options(a.raw_tokens),
        tok=a.raw_tokens[i],
        t=str(i + 1),
        v=f"{float(ig[i]):+.2f}",
        side=opt("positive" if ig[i] > 0 else "negative"),
    )


def agreement(q: dict, d: Data) -> Solution:
    """Attention and |IG| rank the tokens alike? The app's rule on Spearman ρ."""
    from . import attribution as A

    rho = A.attention_attribution_rho(d.text.attention, _text_ig(d))
    word = A.agreement(rho)
    options = [(k, opt(f"rho_{k}")) for k in ("agree", "weak", "disagree")]
    return choice(
        None if word == "undefined" else word,
        options,
        rho=f2(rho) if np.isfinite(rho) else "—",
        agree=f"{A.AGREE_RHO:g}",
        disagree=f"{A.DISAGREE_RHO:g}",
    )


def memory_first_last(q: dict, d: Data) -> Solution:
    """Which token moves ``curve`` more: the first or the last? ``state``: ‖∂h_T/∂x_t‖;
    ``decision``: ‖∂(logit₊ − logit₋)/∂x_t‖."""
    from .attribution import memory_curves

    mc = memory_curves(d.inp["text"], d.model)
    v = mc.state if q.get("curve", "state") == "state" else mc.decision
    options = [("first", opt("first")), ("last", opt("last"))]
    raw = d.text.raw_tokens
    return choice(
        "first" if v[0] > v[-1] else "last",
        options,
        ratio=f"{float(v[0] / v[-1]):.3g}" if v[-1] > 0 else "—",
        first_tok=raw[0],
        last_tok=raw[-1],
        v0=f"{float(v[0]):.3g}",
        v1=f"{float(v[-1]):.3g}",
    )


# ----------------------------------------------------------------------------- sentence: TextCNN vs GRU


def text_agree(q: dict, d: Data) -> Solution:
    """Do the TextCNN and the attention GRU give the sentence the same label?"""
    c, g = d.text_cnn, d.text
    return yes_no(
        c.label == g.label,
        cnn=_label_word(c.label),
        rnn=_label_word(g.label),
        pc=f2(c.prob_positive),
        pr=f2(g.prob_positive),
    )


def ngram_size(q: dict, d: Data) -> Solution:
    """The n-gram width (kernel size) of the TextCNN's single strongest max-pool hit."""
    c = d.text_cnn
    best = max(c.hits, key=lambda h: h.value)
    gram = " ".join(c.tokens[best.start : best.start + best.kernel])
    options = [(str(k), lit(k)) for k in c.kernel_sizes]
    return choice(best.kernel, options, k=str(best.kernel), gram=gram, v=f2(best.value))


def contrast_score(q: dict, d: Data) -> Solution:
    """Which text model gets more of the contrast sentences right (against hand-written labels)?"""
    from .contrast import contrast_results

    res = contrast_results()
    c, r = sum(x["cnn_ok"] for x in res), sum(x["rnn_ok"] for x in res)
    answer = "tie" if c == r else "cnn" if c > r else "rnn"
    options = [(k, opt(f"more_{k}")) for k in ("cnn", "rnn", "tie")]
    return choice(answer, options, cnn=str(c), rnn=str(r), n=str(len(res)))


# ----------------------------------------------------------------------------- CNN + RNN (hybrid page)


def strip_columns(q: dict, d: Data) -> Solution:
    """How many columns (time steps) the CRNN's GRU reads for the strip: its width / stride."""
    a = d.strip_of()
    from .strips import STRIDE

    return number(
        a.T,
        1,
        int(q.get("hi", 64)),
        q.get("tol", 0),
        T=str(a.T),
        w=str(a.strip.shape[1]),
        stride=str(STRIDE),
    )


def column_features(q: dict, d: Data) -> Solution:
    """How many numbers the CNN hands the GRU per column."""
    a = d.strip_of()
    F = int(a.columns.shape[1])
    m = a.maps["relu3"]
    return number(
        F,
        1,
        int(q.get("hi", 512)),
        q.get("tol", 0),
        F=str(F),
        c=str(m.shape[0]),
        h=str(m.shape[1]),
    )


def blank_majority(q: dict, d: Data) -> Solution:
    """Are most columns' most likely symbol the CTC blank, or a digit?"""
    from .crnn import BLANK

    a = d.strip_of()
    blank = int((a.best == BLANK).sum())
    options = [("blank", opt("blank")), ("digit", opt("digit_symbol"))]
    return choice(
        "blank" if blank * 2 > a.T else "digit",
        options,
        blank=str(blank),
        digits=str(a.T - blank),
        T=str(a.T),
        share=pct(blank / a.T),
    )


def ctc_length(q: dict, d: Data) -> Solution:
    """How many digits the greedy CTC decoding of the CRNN's best path keeps."""
    from .crnn import BLANK

    a = d.strip_of()
    runs = a.steps.runs
    blank_runs = sum(1 for r in runs if r[0] == BLANK)
    return number(
        len(a.text),
        0,
        int(q.get("hi", 12)),
        q.get("tol", 0),
        text=a.text or "∅",
        runs=str(len(runs)),
        blank_runs=str(blank_runs),
        T=str(a.T),
    )


def ablations_misread(q: dict, d: Data) -> Solution:
    """Which of the two ablations (CNN only, RNN only) misread the strip's number?"""
    from .hybrid import sample_strips

    truth = sample_strips()[int(d.inp["strip"])]
    wrong = {k: d.strip_of(k).text != truth for k in ("cnn_only", "rnn_only")}
    answer = {(1, 1): "both", (1, 0): "cnn", (0, 1): "rnn", (0, 0): "neither"}[
        wrong["cnn_only"], wrong["rnn_only"]
    ]
    options = [(k, opt(f"misread_{k}")) for k in ("both", "cnn", "rnn", "neither")]
    return choice(
        answer,
        options,
        truth=truth,
        crnn=d.strip_of().text or "∅",
        cnn=d.strip_of("cnn_only").text or "∅",
        rnn=d.strip_of("rnn_only").text or "∅",
    )


def settled_frame(step_probs: np.ndarray, label: int) -> int:
    """The first frame (0-based) from which the most likely direction stays ``label`` (the
    forming view's rule)."""
    best = np.asarray(step_probs).argmax(1)
    return next((i for i in range(len(best)) if (best[i:] == label).all()), len(best) - 1)


def motion_settled(q: dict, d: Data) -> Solution:
    """After how many frames the CNN → GRU's most likely direction stops changing."""
    c = d.clip_of()
    n = settled_frame(c.step_probs, c.label) + 1
    return number(
        n,
        1,
        len(c.step_probs),
        q.get("tol", 0),
        t=str(n),
        F=str(len(c.step_probs)),
        dir=Label(key=f"hybrid.dir.{c.direction}"),
        p=pct(c.probs[c.label]),
        p1=pct(c.step_probs[0, c.label]),
    )


def one_frame_chance(q: dict, d: Data) -> Solution:
    """Does the one-frame CNN beat chance on the held-out clips (the 95 % Wilson interval of its
    accuracy lies above chance)? Also what it says for this clip."""
    from .hybrid import metrics

    m = metrics("motion")
    rep = m["models"]["one_frame"]["test"]
    lo, hi = wilson(rep["accuracy"] * rep["n"], rep["n"])
    c1 = d.clip_of("one_frame")
    return yes_no(
        lo > float(m["chance"]),
        acc=pct(rep["accuracy"]),
        lo=pct(lo),
        hi=pct(hi),
        chance=pct(m["chance"]),
        n=str(rep["n"]),
        gru=pct(m["models"]["gru"]["test"]["accuracy"]),
        says=Label(key=f"hybrid.dir.{c1.direction}"),
        truth=Label(key=f"hybrid.dir.{str(d.inp['clip']).split(':')[1]}"),
    )


# ----------------------------------------------------------------------------- series


def _model_label(b, m: str) -> Label:
    if m == "seasonal":
        return Label(key="series.model.seasonal", fmt=(("m", b.cfg.season),))
    return Label(key=f"series.model.{m}")


def ratios(b, h: int) -> dict[str, float]:
    """Each model's test MAE at horizon ``h`` divided by persistence's (the errors view)."""
    per = float(b.metrics["persistence"]["mae"][h - 1])
    return {m: float(b.metrics[m]["mae"][h - 1]) / per for m in b.models}


def best_model(q: dict, d: Data) -> Solution:
    """The model with the lowest test MAE relative to persistence at the horizon, if it beats
    persistence clearly (ratio below ``clear``, the errors view's rule); else "none"."""
    b, h = d.bundle, d.horizon
    r = ratios(b, h)
    rivals = [m for m in b.models if m != "persistence"]
    best = min(rivals, key=r.__getitem__)
    clear = float(q.get("clear", 0.9))
    answer = best if r[best] < clear else "none"
    options = [(m, _model_label(b, m)) for m in rivals] + [("none", opt("none"))]
    facts = {f"r_{m}": f3(r[m]) for m in b.models}
    return choice(
        answer, options, best=_model_label(b, best), r=f3(r[best]), clear=pct(1 - clear), **facts
    )


def closest_forecast(q: dict, d: Data) -> Solution:
    """At this origin, whose forecast at the horizon is closest to what happened?"""
    b, a, h = d.bundle, d.series, d.horizon
    truth = float(a.truth[h - 1])
    err = {m: abs(float(a.forecasts[m][h - 1]) - truth) for m in b.models}
    best = min(b.models, key=err.__getitem__)
    options = [(m, _model_label(b, m)) for m in b.models]
    return choice(best, options, truth=f"{truth:,.4g}", err=f"{err[best]:,.3g}", h=str(h))


def field_vs_window(q: dict, d: Data) -> Solution:
    """Is the causal CNN's receptive field shorter than, equal to or longer than the window?"""
    from .series_models import receptive_field

    b = d.bundle
    cfg = b.tcn.cfg
    rf, w = receptive_field(cfg.kernel, cfg.dilations), b.cfg.window
    answer = "shorter" if rf < w else "longer" if rf > w else "equal"
    options = [(k, opt(k)) for k in ("shorter", "equal", "longer")]
    return choice(
        answer,
        options,
        rf=str(rf),
        w=str(w),
        layers=str(len(cfg.dilations)),
        d=", ".join(str(x) for x in cfg.dilations),
        k=str(cfg.kernel),
    )


NEAR = 5  # the look-back view searches the peak among lags ≤ −NEAR


def lookback_peak(q: dict, d: Data) -> Solution:
    """How far back ``model``'s largest |∂forecast/∂input| lies (beyond the last ``NEAR``
    steps, as the look-back view reports it), matched to the named ``marks`` (steps back,
    within ``tol``)."""
    from . import series as S

    a, h, model = d.series, d.horizon, q.get("model", "gru")
    g = np.abs(S.series_gradients(d.inp["series"], d.point)[model][h - 1])
    lags = np.arange(a.window) - (a.window - 1)
    far = lags <= -NEAR
    top = int(lags[np.argmax(np.where(far, g, -1))])
    back, tol = h - top, int(q.get("tol", 12))
    marks = q["marks"]
    answer = next((k for k, v in marks.items() if abs(back - int(v)) <= tol), "other")
    options = [(k, opt(f"back_{k}")) for k in marks] + [("other", opt("back_other"))]
    return choice(answer, options, back=str(back), lag=str(top), tol=str(tol))


# ----------------------------------------------------------------------------- claims lab

CLAIMS_TOTAL = 12  # the lab's claims (nets.lab.verdicts.all_verdicts)


def lab_count(q: dict, d: Data) -> Solution:
    """How many of the lab's claims get the verdict ``verdict`` (default: supports), by the
    lab's own rules on its results."""
    from .lab.verdicts import VERDICTS

    v = [x.verdict for x in d.verdicts.values()]
    which = q.get("verdict", "supports")
    counts = {k: str(v.count(k)) for k in VERDICTS}
    return number(v.count(which), 0, len(v), q.get("tol", 0), n=str(len(v)), **counts)


def _median_ms(timing: dict, model: str) -> list[float]:
    """Median CPU ms of one forward+backward (one thread) at each length (the lab's rule)."""
    from .lab.verdicts import _median_times

    return _median_times(timing, "1", model)


def timing_growth(q: dict, d: Data) -> Solution:
    """From the shortest to the longest length, whose forward+backward time (one thread, median
    CPU ms) grows by the larger factor: the TextCNN's or the GRU's? Within the lab's 10 % band
    of each other: a tie."""
    from .lab.verdicts import side_ratio

    tm = d.lab["timing"]
    cnn, gru = _median_ms(tm, "cnn"), _median_ms(tm, "gru")
    g_cnn, g_gru = cnn[-1] / cnn[0], gru[-1] / gru[0]
    side = side_ratio(g_cnn, g_gru)  # +1: the CNN's growth is smaller beyond the band
    answer = {1: "rnn", -1: "cnn", 0: "tie"}[side]
    options = [(k, opt(f"grows_{k}")) for k in ("cnn", "rnn", "tie")]
    return choice(
        answer,
        options,
        short=str(tm["lengths"][0]),
        long=str(tm["lengths"][-1]),
        cnn_short=f"{cnn[0]:.1f}",
        cnn_long=f"{cnn[-1]:.1f}",
        gru_short=f"{gru[0]:.1f}",
        gru_long=f"{gru[-1]:.1f}",
        g_cnn=f"{g_cnn:.1f}",
        g_gru=f"{g_gru:.1f}",
        ratio=f2(gru[-1] / cnn[-1]),
    )


def speed_target(q: dict, d: Data) -> Solution:
    """In the matched text pair, which reaches the validation target in less CPU time, by the
    lab's rule (medians 10 % apart AND the seeds' ranges apart; otherwise a tie)?"""
    from .lab.verdicts import training_speed

    f = training_speed(d.lab["speed"]).facts["text"]
    answer = {1: "cnn", -1: "rnn", 0: "tie"}[f["side"]]
    options = [(k, opt(f"faster_{k}")) for k in ("cnn", "rnn", "tie")]

    def rng(r) -> str:
        return " – ".join("—" if math.isinf(x) else f2(x) for x in r)

    return choice(
        answer,
        options,
        cnn=f2(f["cnn"]),
        rnn=f2(f["rnn"]),
        cnn_range=rng(f["cnn_range"]),
        rnn_range=rng(f["rnn_range"]),
        n=str(f["n"]),
        target=pct(d.lab["speed"]["text"]["target"]),
    )


def memory_upto(q: dict, d: Data) -> Solution:
    """On the first-token task, up to which distance L does ``model`` remember (the lower end of
    its accuracy's 95 % CI ≥ 90 %, the lab's rule)? "none": not even at the shortest."""
    from .lab.verdicts import REMEMBER, memory

    model = q.get("model", "gru")
    f = memory(d.lab["synthetic"], model).facts
    Ls = [str(L) for L in f["lengths"]]
    answer = "none" if f["upto"] is None else str(f["upto"])
    options = [(L, lit(L)) for L in Ls] + [("none", opt("none_length"))]
    acc = dict(zip(Ls, f["acc"], strict=True))
    return choice(
        answer,
        options,
        th=pct(REMEMBER),
        first=pct(f["acc"][0]),
        last=pct(f["acc"][-1]),
        L0=Ls[0],
        L1=Ls[-1],
        next=Ls[Ls.index(answer) + 1] if answer in Ls[:-1] else "—",
        acc_next=pct(acc[Ls[Ls.index(answer) + 1]]) if answer in Ls[:-1] else "—",
    )


def embedding_share(q: dict, d: Data) -> Solution:
    """What percentage of the matched text ``model``'s parameters is its embedding table?"""
    c = d.lab["cost"]["text"]["models"][q.get("model", "gru")]
    share = 100 * c["embedding"] / c["params"]
    return number(
        round(share),
        0,
        100,
        q.get("tol", 0),
        share=f"{share:.1f}",
        emb=f"{c['embedding']:,}",
        params=f"{c['params']:,}",
        body=f"{c['body']:,}",
    )


def pair_right(q: dict, d: Data) -> Solution:
    """Does ``model`` (``rnn``: the app's GRU; ``cnn``: the TextCNN) label both sentences of
    the step's minimal pair as written by hand? Run live on the two sentences."""
    from .contrast import batch_probs

    p = d.pair
    mine = "text_cnn" if q.get("model", "rnn") == "cnn" else "text_gru"
    probs = {m: batch_probs([p["a"], p["b"]], m) for m in ("text_cnn", "text_gru")}
    ok = {
        m: [(pr > 0.5) == (p["expected"][s] == "positive") for pr, s in zip(v, "ab", strict=True)]
        for m, v in probs.items()
    }
    return yes_no(
        all(ok[mine]),
        a=p["a"],
        b=p["b"],
        ea=Label(key=f"compare.class.{p['expected']['a']}"),
        eb=Label(key=f"compare.class.{p['expected']['b']}"),
        rnn_a=f2(probs["text_gru"][0]),
        rnn_b=f2(probs["text_gru"][1]),
        cnn_a=f2(probs["text_cnn"][0]),
        cnn_b=f2(probs["text_cnn"][1]),
        cnn_both=opt("yes" if all(ok["text_cnn"]) else "no"),
        category=Label(key=f"lab.cat.{p['category']}"),
    )


def transformer_faster(q: dict, d: Data) -> Solution:
    """At the longest length, is the Transformer's forward+backward (one thread, median CPU ms)
    faster than the GRU's beyond the lab's 10 % band?"""
    from .lab.verdicts import side_ratio

    tm = d.lab["timing"]
    trf, gru = _median_ms(tm, "transformer"), _median_ms(tm, "gru")
    cnn = _median_ms(tm, "cnn")
    return yes_no(
        side_ratio(trf[-1], gru[-1]) == 1,
        long=str(tm["lengths"][-1]),
        short=str(tm["lengths"][0]),
        trf_short=f"{trf[0]:.1f}",
        trf_long=f"{trf[-1]:.0f}",
        gru_long=f"{gru[-1]:.0f}",
        cnn_long=f"{cnn[-1]:.0f}",
        g_trf=f"{trf[-1] / trf[0]:.0f}",
    )


def shift_keeps(q: dict, d: Data) -> Solution:
    """Trained without shifts, which digit model keeps more of its accuracy under shifts of
    1–3 px (the lab's retained accuracy; ≥ 5 points apart, else a tie)?"""
    from .lab.verdicts import SHIFT_POINTS, translation

    f = translation(d.lab["shift"]).facts
    arch = f["arch"]
    answer = "cnn" if arch >= SHIFT_POINTS else "rnn" if arch <= -SHIFT_POINTS else "tie"
    options = [(k, opt(f"keeps_{k}")) for k in ("cnn", "rnn", "tie")]
    r = f["retained"]
    return choice(
        answer,
        options,
        cnn_none=pct(r["cnn"]["none"]),
        gru_none=pct(r["gru"]["none"]),
        cnn_shift=pct(r["cnn"]["shift"]),
        gru_shift=pct(r["gru"]["shift"]),
        arch=f"{100 * arch:+.1f}",
        points=f"{100 * SHIFT_POINTS:.0f}",
    )


# ----------------------------------------------------------------------------- registry


@dataclass(frozen=True)
class Kind:
    """A question kind: what input it needs (``image``, ``text``, ``series``, ``strip``,
    ``clip``, ``lab`` (a claims-lab section's results) or ``pair`` (a minimal pair)) and how it
    is answered."""

    needs: str
    solve: Callable[[dict, Data], Solution]
    params: tuple[str, ...] = ()


KINDS: dict[str, Kind] = {
    "kernels_mixed": Kind("image", kernels_mixed, ("tol",)),
    "blank_output": Kind("image", blank_output, ("channel",)),
    "relu_zeroed": Kind("image", relu_zeroed, ("channel", "layer")),
    "bar_response": Kind("image", bar_response, ("layer",)),
    "equivariant": Kind("image", equivariant, ("dx", "dy")),
    "sharing_ratio": Kind("image", sharing_ratio),
    "map_side": Kind("image", map_side, ("layer", "tol")),
    "rf_size": Kind("image", rf_size, ("layer", "tol")),
    "cnn_label": Kind("image", cnn_label),
    "saliency_on_ink": Kind("image", saliency_on_ink),
    "ig_complete": Kind("image", ig_complete, ("rtol",)),
    "ig_half": Kind("image", ig_half),
    "occlusion_raises": Kind("image", occlusion_raises, ("rtol",)),
    "rows_sure": Kind("image", rows_sure, ("p", "tol")),
    "digit_agree": Kind("image", digit_agree),
    "shift_survivor": Kind("image", shift_survivor, ("dx", "dy")),
    "n_steps": Kind("text", n_steps, ("hi", "tol")),
    "final_label": Kind("text", final_label),
    "hidden_units": Kind("text", hidden_units, ("hi", "tol")),
    "gate_keep": Kind("text", gate_keep, ("step",)),
    "prefix_flips": Kind("text", prefix_flips),
    "prefix_change": Kind("text", prefix_change, ("marker", "threshold")),
    "attention_top": Kind("text", attention_top),
    "ig_top": Kind("text", ig_top),
    "agreement": Kind("text", agreement),
    "memory_first_last": Kind("text", memory_first_last, ("curve",)),
    "text_agree": Kind("text", text_agree),
    "ngram_size": Kind("text", ngram_size),
    "contrast_score": Kind("text", contrast_score),
    "strip_columns": Kind("strip", strip_columns, ("hi", "tol")),
    "column_features": Kind("strip", column_features, ("hi", "tol")),
    "blank_majority": Kind("strip", blank_majority),
    "ctc_length": Kind("strip", ctc_length, ("hi", "tol")),
    "ablations_misread": Kind("strip", ablations_misread),
    "motion_settled": Kind("clip", motion_settled, ("tol",)),
    "one_frame_chance": Kind("clip", one_frame_chance),
    "best_model": Kind("series", best_model, ("clear",)),
    "closest_forecast": Kind("series", closest_forecast),
    "field_vs_window": Kind("series", field_vs_window),
    "lookback_peak": Kind("series", lookback_peak, ("model", "marks", "tol")),
    "lab_count": Kind("lab", lab_count, ("verdict", "tol")),
    "timing_growth": Kind("lab", timing_growth),
    "speed_target": Kind("lab", speed_target),
    "memory_upto": Kind("lab", memory_upto, ("model",)),
    "embedding_share": Kind("lab", embedding_share, ("model", "tol")),
    "pair_right": Kind("pair", pair_right, ("model",)),
    "transformer_faster": Kind("lab", transformer_faster),
    "shift_keeps": Kind("lab", shift_keeps),
}
INPUT_KEY = {
    "image": "sample",
    "text": "text",
    "series": "series",
    "strip": "strip",
    "clip": "clip",
    "lab": "lab",
    "pair": "pair",
}


def solve(question: dict, inp: dict, data: Data | None = None) -> Solution:
    """Answer ``question`` (a step's ``question`` object) for the step's input, live.

    Args:
        question: ``{"kind": …, <its params>}`` (the texts are ignored here).
        inp: the step's input spec.
        data: analyses already made for ``inp`` (shared between questions), or None.

    Returns:
        The :class:`Solution`.

    Raises:
        KeyError: unknown kind, or the input lacks what the kind needs.
        ValueError: the question does not fit this input (e.g. no such marker).
    """
    kind = KINDS[question["kind"]]
    if INPUT_KEY[kind.needs] not in inp:
        raise KeyError(f"{question['kind']} needs an input with {INPUT_KEY[kind.needs]!r}")
    sol = kind.solve(question, data or Data(inp))
    return replace(sol, source="lab") if kind.needs == "lab" else sol


# ----------------------------------------------------------------------------- checks


PLACEHOLDER = re.compile(r"\{(\w+)\}")


def check_lesson(lesson: dict, solve_questions: bool = True) -> list[str]:
    """What is wrong with a lesson beyond its JSON Schema: texts too long, inputs the models
    cannot read, question kinds unknown or unfit for the input, explanations quoting facts the
    answer does not have, questions without an answer for their input.

    View ids are the app's (``ui.views``) and are checked there (``tests/test_lessons_files.py``).
    """
    problems = []
    for i, step in enumerate(lesson.get("steps", [])):
        where = f"{lesson.get('id')} step {i + 1}"
        for lang in LANGS:
            n = words(step["text"][lang], lang)
            if n > MAX_WORDS:
                problems.append(f"{where}: {lang} text has {n} words (> {MAX_WORDS})")
        bad_input = [f"{where}: {p}" for p in check_input(step["input"])]
        problems += bad_input
        q = step.get("question")
        if q is None or not solve_questions or bad_input:
            continue
        if q["kind"] not in KINDS:
            problems.append(f"{where}: unknown question kind {q['kind']!r}")
            continue
        unknown = set(q) - {"kind", "ask", "explain", *KINDS[q["kind"]].params}
        if unknown:
            problems.append(f"{where}: parameters {sorted(unknown)} unknown to {q['kind']}")
        try:
            sol = solve(q, step["input"])
        except (KeyError, ValueError) as exc:
            problems.append(f"{where}: {q['kind']} cannot be answered: {exc}")
            continue
        if sol.answer is None:
            problems.append(f"{where}: {q['kind']} has no answer for this input")
        if "pair" in step["input"]:  # the question quotes the pair: it must be the file's
            from .contrast import PAIR_BY_ID

            p = PAIR_BY_ID[step["input"]["pair"]]
            for lang in LANGS:
                if p["a"] not in q["ask"][lang] or p["b"] not in q["ask"][lang]:
                    problems.append(f"{where}: the {lang} question does not quote the pair")
        for lang in LANGS:
            if PLACEHOLDER.search(q["ask"][lang]):
                problems.append(f"{where}: the {lang} question quotes a fact before the reveal")
            missing = set(PLACEHOLDER.findall(q["explain"][lang])) - set(sol.facts) - {"answer"}
            if missing:
                problems.append(f"{where}: {lang} explanation quotes {sorted(missing)}, not facts")
    return problems
