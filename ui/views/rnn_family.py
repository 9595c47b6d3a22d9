"""The RNN page's views, the parts that differ per family member (``nets/family.py``).

Called from ``ui/views/rnn.py``: the reader switch of the bidirectional GRU, the LSTM's gates
and cell state, the bidirectional trajectory (one path per reader on its own axes), and the
"two models" view. Every view reads ``ctx.a`` (a :class:`nets.TextAnalysis` of the selected
member, ``ctx.a.model``).
"""

from __future__ import annotations

from functools import partial

import numpy as np
import streamlit as st

from nets import rnn_explain as rx
from nets.family import MEMBERS
from ui import family_cache
from ui.callbacks import translated
from ui.view import Ctx
from viz import family as vf
from viz import rnn as vr
from viz import style

DIR_KEY = "rnn.dir"  # one reader switch for the hidden-state and gate views


def name(ctx: Ctx, model: str) -> str:
    """The member's short display name (legends, captions)."""
    return ctx.t(f"family.name.{model}")


def reader(ctx: Ctx) -> tuple[str, int]:
    """The reader a view shows: a switch for a bidirectional member, else the forward one.

    Returns:
        (``"forward"`` or ``"backward"``, the reader's first unit in the member's state).
    """
    a = ctx.a
    if a.directions == 1:
        return "forward", 0
    d = st.segmented_control(
        ctx.t("family.dir.label"),
        options=rx.DIRECTIONS,
        format_func=partial(translated, "family.dir.", ctx.lang),
        default="forward",
        required=True,
        key=DIR_KEY,
    )
    return d, (a.units if d == "backward" else 0)


def lstm_gates(ctx: Ctx, order: np.ndarray, lo: int, hi: int) -> None:
    """The LSTM's input, forget and output gates, and its cell state beside the hidden state."""
    a, step = ctx.a, ctx.step
    means = {k: rx.gate_means(a.gates[k]) for k in "ifo"}
    f = float(means["f"][step])
    st.markdown(
        ctx.t(
            "family.gates.reading_lstm",
            t=step + 1,
            tok=vr.md_escape(a.raw_tokens[step]),
            h=a.units,
            f=f"{f:.2f}",
            keep=f"{f:.0%}",
            i=f"{float(means['i'][step]):.2f}",
            o=f"{float(means['o'][step]):.2f}",
        )
    )
    lines = [(means[k], ctx.t(f"family.gates.mean_{k}")) for k in "ifo"]
    ctx.chart(vf.gate_means(lines, a.tokens, step), "means")
    unit = ctx.t("rnn.axis.unit")
    panels = [(a.gates[k][lo:hi], ctx.t(f"family.gates.{k}"), k) for k in "ifo"]
    ctx.chart(vf.gate_panels(panels, a.tokens[lo:hi], order, unit, step - lo, lo), "units")
    st.caption(ctx.t("family.gates.cell_caption"))
    cells = [
        (a.cell[lo:hi], ctx.t("family.gates.cell"), "c"),
        (a.hidden[lo:hi], ctx.t("family.gates.hidden"), "h"),
    ]
    fig = vf.gate_panels(cells, a.tokens[lo:hi], order, unit, step - lo, lo, signed=True)
    ctx.chart(fig, "cell")


def _labels(ctx: Ctx) -> dict[str, str]:
    return {
        "bg_neg": ctx.t("rnn.traj.bg_neg"),
        "bg_pos": ctx.t("rnn.traj.bg_pos"),
        "main": ctx.t("rnn.sentence.main"),
        "compare": ctx.t("rnn.sentence.compare"),
        "prob": ctx.t("rnn.axis.prob"),
    }


def bi_trajectory(ctx: Ctx, dims: int) -> None:
    """Both readers' paths, each on its own fixed PCA axes over its own held-out cloud.

    The forward path is coloured by P(positive) of the first t tokens, the backward path by
    P(positive) of tokens t..T (both the model re-reading that piece alone).
    """
    a, b, model = ctx.a, ctx.b, ctx.a.model
    ef, eb = rx.explained(model, "forward"), rx.explained(model, "backward")
    st.caption(
        ctx.t(
            "family.traj.bi",
            n=len(rx.background(model).points),
            f1=f"{ef[0]:.0%}",
            f2=f"{ef[1]:.0%}",
            b1=f"{eb[0]:.0%}",
            b2=f"{eb[1]:.0%}",
        )
    )
    for d, probs_of, title in (
        ("forward", "prefix_prob_positive", "family.dir.forward"),
        ("backward", "suffix_prob_positive", "family.dir.backward"),
    ):
        bg = rx.background(model, d)
        compare = None
        if b is not None:
            compare = (rx.project_states(b.direction_states(d), model, d), b.tokens,
                       getattr(b, probs_of))  # fmt: skip
        st.markdown(f"**{ctx.t(title)}**")
        fig = vr.trajectory_fig(
            rx.project_states(a.direction_states(d), model, d),
            a.tokens,
            getattr(a, probs_of),
            bg.points,
            bg.labels,
            _labels(ctx),
            compare=compare,
            dims=dims,
            selected=ctx.step,
            explained=rx.explained(model, d),
        )
        ctx.chart(fig, f"path_{d}")


def _positions(tokens: list[str], by_chars: bool) -> np.ndarray:
    return vf.word_positions(tokens) if by_chars else np.arange(len(tokens))


def members(ctx: Ctx) -> None:
    """Two members on the same sentence: P(positive) while reading, above their attention."""
    a = ctx.a
    others = [m for m in MEMBERS if m != a.model]
    other = st.selectbox(
        ctx.t("family.members.other"),
        options=others,
        format_func=partial(translated, "family.name.", ctx.lang),
        key=ctx.key("other"),
    )
    if other not in others:
        other = others[0]
    b = family_cache.analysis(ctx.text, other)
    st.caption(ctx.t("family.members.caption"))
    st.markdown(
        ctx.t(
            "family.members.verdicts",
            a=name(ctx, a.model),
            pa=f"{a.prob_positive:.3f}",
            b=name(ctx, other),
            pb=f"{b.prob_positive:.3f}",
        )
    )
    # A shared x axis: the characters' steps when one of the two reads Chinese by words.
    toks = {MEMBERS[a.model].tok, MEMBERS[other].tok}
    axis = a if MEMBERS[a.model].tok == "char" or toks == {"word"} else b
    mixed = toks == {"char", "word"}
    lines = []
    for x, color in ((a, style.RNN), (b, style.CMP)):
        pos = _positions(x.raw_tokens, mixed and MEMBERS[x.model].tok == "word")
        keep = pos < len(axis.tokens)  # the 200-token cap falls at different places
        lines.append(
            {
                "name": name(ctx, x.model),
                "color": color,
                "x": pos[keep],
                "tokens": [t for t, k in zip(x.tokens, keep, strict=True) if k],
                "prob": x.prefix_prob_positive[keep],
                "attention": x.attention[keep],
                "dash": x.directions == 2,
            }
        )
    labels = {
        "prob": ctx.t("rnn.axis.prob"),
        "attention": ctx.t("rnn.attn.weight"),
        "threshold": ctx.t("rnn.prefix.threshold"),
    }
    ctx.chart(vf.compare_members(axis.tokens, lines, labels), "chart")
