"""Small numeric helpers shared by the analyses: softmax and rank correlation (numpy only).

No torch and no Streamlit here, so any module (and a test) can use them cheaply.
"""

from __future__ import annotations

import numpy as np


def softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    """exp(z − max) / Σ exp(z − max) along ``axis``, as float32 (the models' logits are float32).

    Args:
        z: logits, any shape.
        axis: the class axis.

    Returns:
        Probabilities of the same shape, summing to 1 along ``axis``.
    """
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return (e / e.sum(axis=axis, keepdims=True)).astype(np.float32)


def rankdata(x: np.ndarray) -> np.ndarray:
    """Ranks 1…n of a 1-D array; tied values share the average of the ranks they span.

    Example: [10, 30, 20, 20] → [1, 4, 2.5, 2.5].
    """
    x = np.asarray(x, dtype=np.float64).ravel()
    order = np.argsort(x, kind="mergesort")
    ranks = np.empty(len(x), dtype=np.float64)
    sorted_x = x[order]
    i = 0
    while i < len(x):
        j = i
        while j + 1 < len(x) and sorted_x[j + 1] == sorted_x[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2 + 1  # average of ranks i+1 … j+1
        i = j + 1
    return ranks


MIN_RANK_ITEMS = 3  # fewer items than this: a rank correlation says nothing (NaN)


def spearman(x: np.ndarray, y: np.ndarray) -> float:
    """Spearman's rank correlation ρ of two equal-length 1-D arrays.

    ρ is the Pearson correlation of the average ranks (ties share their mean rank, as in
    ``scipy.stats.spearmanr``).

    Returns:
        ρ in [−1, 1]; NaN when there are fewer than ``MIN_RANK_ITEMS`` items, when the lengths
        differ, when a value is not finite, or when either array is constant (no ranking).
    """
    x = np.asarray(x, dtype=np.float64).ravel()
    y = np.asarray(y, dtype=np.float64).ravel()
    if len(x) != len(y) or len(x) < MIN_RANK_ITEMS:
        return float("nan")
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        return float("nan")
    rx, ry = rankdata(x), rankdata(y)
    rx -= rx.mean()
    ry -= ry.mean()
    den = np.sqrt((rx**2).sum() * (ry**2).sum())
    if den == 0:
        return float("nan")
    return float(np.clip((rx * ry).sum() / den, -1.0, 1.0))
