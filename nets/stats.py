"""Small numeric helpers shared by the analyses: softmax, rank correlation, bootstrap confidence
intervals and the exact McNemar test (numpy only).

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


# ----------------------------------------------------------------------------- claims lab

BOOTSTRAP = 2000  # resamples for a bootstrap confidence interval
LEVEL = 0.95  # confidence level of every interval the lab shows


def bootstrap_ci(
    values: np.ndarray,
    stat=None,
    n_boot: int = BOOTSTRAP,
    level: float = LEVEL,
    seed: int = 0,
) -> tuple[float, float, float]:
    """Percentile bootstrap confidence interval of a statistic over the items of ``values``.

    Resamples the items (rows) with replacement ``n_boot`` times (seeded) and takes the
    (1 − level)/2 and (1 + level)/2 quantiles of the statistic over the resamples.

    Args:
        values: (n,) or (n, k) items, e.g. 1/0 for right/wrong.
        stat: a function of one resample (an array shaped like ``values``) returning a number;
            None: the mean (vectorised).
        n_boot: resamples; level: e.g. 0.95; seed: the resampling RNG's seed.

    Returns:
        (the statistic on all items, lower, upper); NaNs when there are no items.
    """
    v = np.asarray(values, dtype=np.float64)
    n = len(v)
    if n == 0:
        return float("nan"), float("nan"), float("nan")
    idx = np.random.default_rng(seed).integers(0, n, (n_boot, n))  # (n_boot, n)
    if stat is None:
        point = float(v.mean(axis=0)) if v.ndim == 1 else float("nan")
        boots = v[idx].mean(axis=1)  # (n_boot,)
    else:
        point = float(stat(v))
        boots = np.array([stat(v[i]) for i in idx], dtype=np.float64)
    lo, hi = np.quantile(boots, [(1 - level) / 2, (1 + level) / 2])
    return point, float(lo), float(hi)


def paired_difference_ci(
    a: np.ndarray, b: np.ndarray, n_boot: int = BOOTSTRAP, level: float = LEVEL, seed: int = 0
) -> tuple[float, float, float]:
    """Bootstrap CI of mean(a) − mean(b) for paired items (the same test items read by two
    models): the pairs are resampled together. Returns (difference, lower, upper)."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError("paired arrays must have the same shape")
    return bootstrap_ci(a - b, n_boot=n_boot, level=level, seed=seed)


def binom_two_sided(k: int, n: int) -> float:
    """Exact two-sided binomial test of k successes in n trials against p = 1/2: the sum of the
    probabilities of every outcome no more likely than k (1.0 when n = 0)."""
    if n == 0:
        return 1.0
    from math import comb

    probs = np.array([comb(n, i) for i in range(n + 1)], dtype=np.float64) / 2.0**n
    p = probs[probs <= probs[k] * (1 + 1e-9)].sum()
    return float(min(1.0, p))


def mcnemar_exact(correct_a: np.ndarray, correct_b: np.ndarray) -> tuple[int, int, float]:
    """Exact McNemar test for two models read on the same items.

    Only discordant items count: b01 = items model A gets right and B wrong, b10 = the other
    way round. Under "both equally accurate" each discordant item is a fair coin, so the
    p-value is the exact two-sided binomial test of b01 out of b01 + b10.

    Args:
        correct_a, correct_b: (n,) bool, each item read right by A / by B.

    Returns:
        (b01, b10, p-value).
    """
    a = np.asarray(correct_a, dtype=bool)
    b = np.asarray(correct_b, dtype=bool)
    if a.shape != b.shape:
        raise ValueError("paired arrays must have the same shape")
    b01 = int((a & ~b).sum())
    b10 = int((~a & b).sum())
    return b01, b10, binom_two_sided(b01, b01 + b10)
