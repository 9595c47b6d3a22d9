"""nets/stats.py, the claims lab's statistics: bootstrap confidence intervals and the exact McNemar
test, checked on synthetic data against the definitions (and scipy where it has the same test)."""

from __future__ import annotations

from math import comb

import numpy as np
import pytest

from nets.stats import (
    binom_two_sided,
    bootstrap_ci,
    mcnemar_exact,
    paired_difference_ci,
)

RNG = np.random.default_rng(7)


def bernoulli(n: int, p: float, seed: int = 0) -> np.ndarray:
    return (np.random.default_rng(seed).random(n) < p).astype(float)


@pytest.mark.parametrize("p", [0.1, 0.5, 0.83])
def test_bootstrap_ci_covers_the_point_estimate_and_narrows_with_n(p):
    widths = []
    for n in (40, 400, 4000):
        x = bernoulli(n, p, seed=n)
        point, lo, hi = bootstrap_ci(x)
        assert point == pytest.approx(x.mean())
        assert lo <= point <= hi
        widths.append(hi - lo)
        # the percentile interval of a mean is close to the normal one, ±1.96·sd/√n
        sd = np.sqrt(point * (1 - point) / n)
        assert hi - lo == pytest.approx(2 * 1.96 * sd, rel=0.25, abs=2 / n)
    assert widths[0] > widths[1] > widths[2]


def test_bootstrap_ci_is_seeded_and_covers_the_truth_most_of_the_time():
    x = bernoulli(300, 0.7)
    assert bootstrap_ci(x, seed=3) == bootstrap_ci(x, seed=3)
    covered = 0
    for seed in range(60):
        _, lo, hi = bootstrap_ci(bernoulli(200, 0.7, seed=100 + seed), n_boot=500, seed=seed)
        covered += lo <= 0.7 <= hi
    assert covered >= 50  # ≈ 95 % of 60 intervals; ≥ 50 fails with probability < 0.1 %


def test_bootstrap_ci_with_a_statistic_on_rows():
    pairs = RNG.random((50, 2)) < 0.6  # e.g. the two sentences of a minimal pair
    point, lo, hi = bootstrap_ci(pairs.astype(float), stat=np.mean)
    assert point == pytest.approx(pairs.mean())
    assert lo <= point <= hi
    assert np.isnan(bootstrap_ci(np.array([]))[0])


def test_paired_difference_ci():
    a = bernoulli(1000, 0.8, seed=1)
    b = a.copy()
    b[:100] = 0  # b is worse on 100 items that a gets right, on average
    d, lo, hi = paired_difference_ci(a, b)
    assert d == pytest.approx(a.mean() - b.mean())
    assert 0 < lo <= d <= hi
    d, lo, hi = paired_difference_ci(a, a)
    assert d == lo == hi == 0
    with pytest.raises(ValueError):
        paired_difference_ci(a, b[:-1])


@pytest.mark.parametrize(("k", "n"), [(0, 0), (0, 5), (2, 4), (3, 10), (10, 10), (41, 117)])
def test_binomial_test_matches_its_definition_and_scipy(k, n):
    p = binom_two_sided(k, n)
    if n:
        probs = np.array([comb(n, i) for i in range(n + 1)]) / 2.0**n
        assert p == pytest.approx(min(1.0, probs[probs <= probs[k] * (1 + 1e-9)].sum()))
        scipy_stats = pytest.importorskip("scipy.stats")
        assert p == pytest.approx(scipy_stats.binomtest(k, n, 0.5).pvalue, rel=1e-9)
    else:
        assert p == 1.0


def test_mcnemar_counts_only_discordant_items():
    a = np.array([1, 1, 1, 0, 0, 1, 0, 1], bool)
    b = np.array([1, 0, 0, 0, 1, 1, 0, 0], bool)
    b01, b10, p = mcnemar_exact(a, b)
    assert (b01, b10) == (3, 1)
    assert p == pytest.approx(binom_two_sided(3, 4))
    # concordant items do not change the test
    more = np.concatenate([a, np.ones(100, bool)]), np.concatenate([b, np.ones(100, bool)])
    assert mcnemar_exact(*more) == (b01, b10, p)
    # a clear difference is significant, a symmetric one is not
    x = np.r_[np.ones(40, bool), np.zeros(5, bool)]
    assert mcnemar_exact(x, ~x)[2] < 1e-5
    assert mcnemar_exact(x, x)[2] == 1.0
