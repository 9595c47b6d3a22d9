"""Numerical helpers for the RNN page: the shipped hidden-state projection, unit orderings,
gate summaries and where the prediction flips. No Streamlit, no figures.

The projection (``assets/projections/<model>.npz``) is a PCA fitted once (by ``nets.derive`` for
``text_gru``, by ``nets.train_family`` for the other family members) on hidden states of training
sentences, so the axes are the same for every sentence; its background cloud holds the final
states of held-out (test-split) sentences. A bidirectional member has one projection per
direction (its file's ``bwd_*`` arrays are the backward reader's: final state = h←₁).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .registry import load_model, load_npz

PROJECTIONS = "projections/{model}.npz"  # one fixed PCA basis per recurrent model
ORDERS = ("index", "variance", "positive")
DIRECTIONS = ("forward", "backward")


@dataclass(frozen=True)
class Background:
    """Final hidden states of held-out sentences, projected.

    Attributes:
        points: (N, 3) PCA coordinates; labels: (N,) true label (1 = positive);
        prob: (N,) the model's P(positive); is_zh: (N,) True for Chinese sentences;
        index: (N,) indices into ``nets.data.load_text()`` (all in its test split).
    """

    points: np.ndarray
    labels: np.ndarray
    prob: np.ndarray
    is_zh: np.ndarray
    index: np.ndarray


def projection(model: str = "text_gru", direction: str = "forward") -> dict[str, np.ndarray]:
    """The shipped PCA basis of ``model``'s states (of one reader of a bidirectional model):
    mean (H,), components (3, H), explained (3,) variance ratios, and the background arrays."""
    p = load_npz(PROJECTIONS.format(model=model))
    if direction == "forward":
        return p
    if direction != "backward" or "bwd_mean" not in p:
        raise ValueError(f"{model} has no {direction!r} projection")
    return {**p, **{k.removeprefix("bwd_"): v for k, v in p.items() if k.startswith("bwd_")}}


def project_states(
    hidden: np.ndarray, model: str = "text_gru", direction: str = "forward"
) -> np.ndarray:
    """Project hidden states onto the shipped PCA axes.

    Args:
        hidden: (T, H) states of one reader (``TextAnalysis.hidden``, or one direction's half
            of a bidirectional member's, ``TextAnalysis.direction_states``).
        model, direction: whose axes.

    Returns:
        (T, 3) coordinates on PC1..PC3.
    """
    p = projection(model, direction)
    h = np.asarray(hidden, dtype=np.float32)  # (T, H)
    return ((h - p["mean"][None, :]) @ p["components"].T).astype(np.float32)  # (T, 3)


def explained(model: str = "text_gru", direction: str = "forward") -> np.ndarray:
    """(3,) the share of training-state variance along each projection axis."""
    return np.asarray(projection(model, direction)["explained"], dtype=np.float32)


def background(model: str = "text_gru", direction: str = "forward") -> Background:
    """The held-out background cloud shipped with the projection (final states: h_T, or h←₁
    for the backward reader)."""
    p = projection(model, direction)
    n = len(p["bg_points"])
    return Background(
        points=p["bg_points"].astype(np.float32),
        labels=p["bg_labels"].astype(np.int64),
        prob=p["bg_prob"].astype(np.float32),
        is_zh=p["bg_lang"].astype(bool),
        index=p.get("bg_index", np.full(n, -1)).astype(np.int64),
    )


def positive_weight(model: str = "text_gru") -> np.ndarray:
    """(H·dirs,) each hidden unit's weight toward positive: fc.weight[positive] − fc.weight[negative].

    The classifier reads the attention-weighted average of the states, so a unit with a large
    positive value here pushes the verdict toward positive when it is high.
    """
    w = load_model(model).fc.weight.detach().numpy()  # (2, H·dirs)
    return (w[1] - w[0]).astype(np.float32)


def unit_order(
    hidden: np.ndarray, by: str = "variance", model: str = "text_gru", offset: int = 0
) -> np.ndarray:
    """An ordering of the hidden units for the heatmaps.

    Args:
        hidden: (T, H) states of this sentence (one reader's, for a bidirectional member).
        by: ``"index"`` (0..H−1), ``"variance"`` (most changing over this sentence first) or
            ``"positive"`` (largest weight toward positive first, most negative last).
        model: whose classifier weights ``"positive"`` reads; offset: the first unit of
            ``hidden`` in the model's state (H for the backward reader of a bidirectional one).

    Returns:
        (H,) unit indices into ``hidden``'s columns.
    """
    H = hidden.shape[1]
    if by == "index":
        return np.arange(H)
    if by == "variance":
        return np.argsort(-hidden.var(axis=0), kind="stable")
    if by == "positive":
        return np.argsort(-positive_weight(model)[offset : offset + H], kind="stable")
    raise ValueError(f"unknown order {by!r}; expected one of {ORDERS}")


def gate_means(gate: np.ndarray) -> np.ndarray:
    """(T, H) gate values → (T,) their mean over units at each step."""
    return np.asarray(gate, dtype=np.float32).mean(axis=1)


def state_norms(hidden: np.ndarray) -> np.ndarray:
    """(T, H) → (T,) ‖h_t‖, how much the state holds at each step."""
    return np.linalg.norm(np.asarray(hidden, dtype=np.float32), axis=1)


def flips(prefix_prob: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """Steps t where the verdict changes side: P(positive) crosses ``threshold`` from t−1 to t.

    Returns:
        (K,) indices t ≥ 1.
    """
    side = np.asarray(prefix_prob) >= threshold
    return np.nonzero(side[1:] != side[:-1])[0] + 1


def token_spacing(text: str, raw_tokens: list[str]) -> list[bool]:
    """Whether each token was preceded by whitespace in the (cleaned) text, for showing the
    tokens as written. Tokens the tokeniser replaced (``<num>``, ``<url>``, ``<user>``) are
    found by the gap before the next token.

    Args:
        text: the sentence as typed; raw_tokens: ``TextAnalysis.raw_tokens``.

    Returns:
        One flag per token (the first is always False).
    """
    from .text import clean_text

    low = clean_text(text).text.lower()
    pos, out = 0, []
    for i, tok in enumerate(raw_tokens):
        k = low.find(tok.lower(), pos) if tok not in ("<num>", "<url>", "<user>") else -1
        if k < 0:  # a replaced token: it starts at the next non-space character
            k = len(low[:pos]) + (len(low[pos:]) - len(low[pos:].lstrip()))
            end = k
            while end < len(low) and not low[end].isspace():
                end += 1
            nxt = raw_tokens[i + 1].lower() if i + 1 < len(raw_tokens) else ""
            j = low.find(nxt, k + 1) if nxt and nxt[0] != "<" else -1
            end = min(end, j) if j > k else end
        else:
            end = k + len(tok)
        out.append(bool(i) and low[pos:k].strip() == "" and k > pos)
        pos = max(end, pos)
    return out
