"""One visual language for every builder: palette, colour scales, rounding, token axes.

Every page draws the CNN in blue and the RNN in orange; a CNN+RNN hybrid in purple; simple
baselines in grey. Sentiment uses green (positive) and orange-brown (negative). Builders take
translated labels and a colour from here, never a language.

User text (tokens) reaches plotly only through :func:`esc`: plotly's text accepts a few
HTML-like tags, so ``<b>`` or ``<unk>`` in a sentence must show literally.
"""

from __future__ import annotations

import html
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

CNN = "#1f6fb4"  # every CNN, on every page
RNN = "#e8730c"  # every RNN
HYBRID = "#6a3d9a"  # CNN + RNN together
BASELINE = "#7f7f7f"  # non-neural baselines (persistence, TF-IDF…)
EXTRA = "#2ca02c"  # a third model (e.g. a Transformer) beside a CNN and an RNN
POS, NEG = "#1b9e77", "#d95f02"  # sentiment: positive green, negative orange-brown
SENTIMENT = [[0.0, NEG], [0.5, "#f7f7f7"], [1.0, POS]]  # negative … positive (P or a push)
CMP = "#7570b3"  # a second input drawn for comparison
HIGHLIGHT = "#e07b39"  # boxes and cursors drawn over images

SEQ = "Viridis"  # activations, non-negative magnitudes
DIV = "RdBu_r"  # signed values: red +, blue −
GRAY = "gray"
MAX_TICKS = 40  # beyond this many tokens, tick labels are thinned (hover still shows all)


@lru_cache(maxsize=32)
def _scale(name: str) -> tuple[tuple[float, str], ...]:
    import plotly.graph_objects as go  # only when a named scale is first expanded

    return tuple(tuple(p) for p in go.Heatmap(colorscale=name).colorscale)


def scale(colorscale) -> list:
    """A colour scale in plotly's canonical form: a name becomes ``[[pos, colour], …]``.

    Args:
        colorscale: a plotly.py scale name (``"RdBu_r"``) or an explicit list.

    Returns:
        A fresh list of ``[position, colour]`` pairs (what plotly's validator would send).
    """
    if isinstance(colorscale, str):
        return [list(p) for p in _scale(colorscale)]
    return colorscale


def sym(a) -> float:
    """The largest |value| of ``a`` (1.0 when empty or all zero): a symmetric colour range."""
    m = float(np.nanmax(np.abs(a))) if np.size(a) else 0.0
    return m if m > 0 and np.isfinite(m) else 1.0


def f32(a, digits: int | None = None) -> np.ndarray:
    """As contiguous float32 (plotly sends a compact typed array), optionally rounded first."""
    a = np.asarray(a, dtype=np.float64 if digits is not None else np.float32)
    if digits is not None:
        a = np.round(a, digits).astype(np.float32)
    return np.ascontiguousarray(a, dtype=np.float32)


def esc(token: str) -> str:
    """A piece of user text made safe for plotly: HTML-escaped, so tags show literally."""
    return html.escape(str(token), quote=True)


def is_cjk(text: str) -> bool:
    """True when ``text`` starts with a CJK character (or CJK punctuation / full-width form)."""
    if not text:
        return False
    ch = text[0]
    return (
        "CJK" in unicodedata.name(ch, "")
        or "\u3000" <= ch <= "\u303f"
        or "\uff00" <= ch <= "\uffef"
    )


def join_tokens(tokens: Sequence[str]) -> str:
    """Tokens joined as they read: CJK characters without spaces, words with one space."""
    out = ""
    for tok in tokens:
        if out and not (is_cjk(out[-1]) and is_cjk(tok)):
            out += " "
        out += tok
    return out


def step_labels(tokens: Sequence[str], start: int = 0) -> list[str]:
    """Unique labels ``"t·token"`` (1-based, from step ``start``), escaped."""
    return [f"{start + i + 1}·{esc(tok)}" for i, tok in enumerate(tokens)]


def token_axis(tokens: Sequence[str], max_ticks: int = MAX_TICKS, **extra) -> dict:
    """An axis over token positions 0..T−1 labelled with the (escaped) tokens.

    Positions are numbers, so repeated tokens never merge; long sentences show every n-th
    label. Args: tokens; max_ticks: most labels drawn; extra: more axis keys.

    Returns:
        An axis dict for ``layout["xaxis"]``.
    """
    T = len(tokens)
    step = max(1, int(np.ceil(T / max_ticks)))
    idx = list(range(0, T, step))
    axis = dict(
        tickmode="array",
        tickvals=idx,
        ticktext=[esc(tokens[i]) for i in idx],
        tickangle=0 if T <= 12 else -60,
        range=[-0.5, T - 0.5],
    )
    axis.update(extra)
    return axis
