"""The live fit: it respects its time limit and refuses a second concurrent fit."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from nets import InputError
from nets import series_fit as F


def wave(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return 100 + 10 * np.sin(2 * np.pi * t / 24) + rng.normal(0, 1, n)


@pytest.mark.timeout(120)
def test_the_time_limit_is_respected_on_the_longest_series():
    seconds = 3.0
    t0 = time.monotonic()
    b = F.fit_values(wave(100_000), season=24, seconds=seconds)
    elapsed = time.monotonic() - t0
    info = b.info
    assert info["limit_seconds"] == seconds
    # Each network stopped at its deadline (a share of the limit), not after its epochs.
    assert all(info["stopped_by_deadline"].values())
    for key in ("gru", "tcn"):
        assert info["train_seconds"][key] <= F.TRAIN_SHARE * seconds + 1.0, info["train_seconds"]
    # The whole fit (windows, AR, both networks, errors on ≤ MAX_TEST origins, PCA) stays
    # within the limit plus the work after the networks' deadlines (bounded, not timed here).
    assert elapsed < seconds + 6.0, elapsed
    assert info["train_windows_used"] <= F.MAX_TRAIN
    assert info["test_origins_used"] <= F.MAX_TEST
    assert set(b.metrics) == {"gru", "tcn", "persistence", "seasonal", "ar"}


@pytest.mark.timeout(120)
def test_a_second_concurrent_fit_is_refused():
    started, release = threading.Event(), threading.Event()
    result: dict = {}

    def slow_progress(frac: float, what: str) -> None:
        started.set()
        release.wait(30)  # hold the fit (and its lock) until the main thread has tried

    def first():
        result["bundle"] = F.fit_values(wave(300), seconds=5.0, progress=slow_progress)

    th = threading.Thread(target=first)
    th.start()
    assert started.wait(60)
    assert F.is_busy()
    with pytest.raises(InputError) as exc:
        F.fit_values(wave(300, seed=1), seconds=1.0)
    assert exc.value.code == "busy"
    assert "one fit at a time" in exc.value.message("en") and exc.value.message("zh")
    release.set()
    th.join(60)
    assert "bundle" in result and not F.is_busy()
    again = F.fit_values(wave(300, seed=2), seconds=1.0)  # the next fit works
    assert again.name == "yours"


def test_the_shortest_series_fits_with_finite_errors():
    b = F.fit_values(wave(50), seconds=4.0)
    assert b.cfg.window == 8 and b.cfg.horizon == 1
    assert len(b.test_origins()) >= 5
    for m in b.models:
        assert np.isfinite(b.metrics[m]["mae"]).all()


@pytest.mark.parametrize(
    ("n", "season", "want"),
    [(50, 0, (8, 1, 0)), (500, 24, (50, 5, 24)), (100_000, 7, (64, 12, 7)), (200, 80, (20, 2, 0))],
)
def test_live_config(n, season, want):
    cfg = F.live_config(n, season)
    assert (cfg.window, cfg.horizon, cfg.season) == want
