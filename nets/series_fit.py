"""The live fit: a learner's own series, fitted in seconds on the shared server.

- Time-limited: everything (windows, AR, GRU, CNN, test errors, PCA) finishes within
  ``seconds`` of wall clock (default :data:`FIT_SECONDS`); each network gets a share of it and
  stops at its deadline (checked after every minibatch), keeping its best weights so far.
- One at a time per server process: a second fit while one runs is refused at once with a
  bilingual :class:`nets.InputError` (``busy``), so a class pressing "Fit" together cannot
  queue up minutes of CPU work on one process.
- Same method as the shipped series (``nets.series.fit_bundle``): time-ordered 70/15/15 split,
  normaliser fitted on the training part, the same baselines and error measures. Window and
  horizon follow the series' length (:func:`live_config`).
"""

from __future__ import annotations

import threading
import time

import numpy as np

from .errors import InputError
from .series import Progress, SeriesBundle, SeriesConfig, fit_bundle, time_split

FIT_SECONDS = 12.0  # the page promises ≤ 15 s; the rest is parsing, analysis and drawing
TRAIN_SHARE = 0.35  # of the budget, for each network (the rest: windows, errors, PCA)
MAX_TRAIN = 4_000  # training windows used at most (evenly strided over the training part)
MAX_VAL = 1_000
MAX_TEST = 1_000  # test origins the errors are measured on at most (evenly spaced)
PCA_STATES = 5_000  # GRU states the trajectory's axes are fitted on
MAX_EPOCHS = 200  # the deadline stops training long before this on long series
MIN_SEASON = 2

_busy = threading.Lock()


def busy() -> InputError:
    return InputError(
        "busy",
        "服务器正在为另一位同学拟合模型（每个服务器进程一次只拟合一个）。请等几秒钟再点“拟合”。",
        "The server is fitting models for someone else right now (one fit at a time per server "
        "process). Wait a few seconds, then press “Fit” again.",
    )


def is_busy() -> bool:
    """True while a live fit runs in this process."""
    return _busy.locked()


def live_config(n: int, season: int = 0) -> SeriesConfig:
    """Window W = n/10 (8–64 values) and horizon H = n/100 (1–12 values) for ``n`` values;
    a seasonal-naive baseline with period ``season`` when 2 ≤ season ≤ n/4."""
    window = int(np.clip(n // 10, 8, 64))
    horizon = int(np.clip(n // 100, 1, 12))
    season = int(season) if MIN_SEASON <= int(season) <= n // 4 else 0
    return SeriesConfig(window, horizon, season=season)


def max_season(n: int) -> int:
    return max(MIN_SEASON, n // 4)


def fit_values(
    values: np.ndarray,
    *,
    season: int = 0,
    times: np.ndarray | None = None,
    seconds: float | None = None,
    progress: Progress | None = None,
    seed: int = 0,
) -> SeriesBundle:
    """Fit the GRU, the CNN and the baselines on a checked series (``nets.series_csv``).

    Args:
        values: (n,) finite values, 50 ≤ n ≤ 100,000, not constant.
        season: seasonal-naive period in steps (0: none).
        times: (n,) x-axis values; row numbers 1..n by default.
        seconds: the wall-clock limit for the whole fit (default :data:`FIT_SECONDS`).
        progress: called with (fraction done, what is running).

    Returns:
        A :class:`SeriesBundle` named ``"yours"``; ``info["seconds"]`` is the time it took.

    Raises:
        InputError: ``busy`` when another fit runs in this process.
    """
    if not _busy.acquire(blocking=False):
        raise busy()
    try:
        start = time.monotonic()
        seconds = FIT_SECONDS if seconds is None else float(seconds)
        values = np.asarray(values, dtype=np.float64)
        n = len(values)
        cfg = live_config(n, season)
        times = np.arange(1, n + 1) if times is None else np.asarray(times)
        share = TRAIN_SHARE * seconds
        bundle = fit_bundle(
            "yours", values, times, cfg, time_split(n), epochs=MAX_EPOCHS,
            max_train=MAX_TRAIN, max_val=MAX_VAL, max_test=MAX_TEST, pca_states=PCA_STATES, deadline=start + 2 * share,
            budget=(share, share), progress=progress, seed=seed,
        )  # fmt: skip
        bundle.info["limit_seconds"] = seconds
        return bundle
    finally:
        _busy.release()
