"""Forecasting one time series: the time-ordered split, the normaliser, the baselines, the error
measures, the training loop shared by ``python -m nets.train series`` and the live fit, the
shipped series and :func:`analyze_series`.

Setting (the same for every series and model). A *forecast origin* t is the index of the last
value a forecaster sees; it reads the window ``y[t-W+1..t]`` and predicts ``y[t+1..t+H]``.

- Split: the series is cut in time into train / validation / test parts (no shuffling across
  time). An origin belongs to a part when all of its H targets do; origins whose targets straddle
  two parts are not used. Test windows may reach back into earlier parts (those values are the
  past), test targets never precede a training target.
- Normaliser: fitted on the training part only. Working units z are the values (or their log,
  for the stock). A *level* series feeds ``(z − μ)/σ``; a *relative* series (the stock) feeds
  ``(z − z_t)/σ`` (the window relative to its last value, σ the std of one-step changes), so a
  price level never seen in training does not matter. Every forecaster (the networks and the
  linear AR) predicts ``(z_{t+h} − z_t)/σ``, the change from the last value: predicting 0 is
  persistence.
- Baselines: persistence ``ŷ_{t+h} = y_t``; seasonal naive ``ŷ_{t+h} = y_{t+h−m}`` (period m,
  the load: one week, m = 336 half-hours); a linear AR(W): ordinary least squares from the same
  normalised window to the same H targets.
- Errors on the test part per horizon h, in the series' units: MAE, RMSE and MASE = MAE ÷ the
  mean absolute one-step change ``|y_t − y_{t−1}|`` over the training part (Hyndman & Koehler,
  2006): MASE < 1 means smaller errors than the naive last-value forecast made one step ahead
  on the training data.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from numpy.lib.stride_tricks import sliding_window_view

from . import registry  # noqa: F401  (importing it sets one torch thread per call)
from . import series_models as SM
from .paths import ASSETS, METRICS, MODELS

SERIES = ("stock", "load", "sunspots")  # the shipped series, in page order
NETS = ("gru", "tcn")
BASELINES = ("persistence", "seasonal", "ar")
SEED = 0
PCA_STATES = 20_000  # training hidden states the PCA axes are fitted on (at most)
BACKGROUND = 1_500  # held-out final states drawn behind a trajectory (at most)

Progress = Callable[[float, str], None]  # (fraction done, what) → None


# ----------------------------------------------------------------------------- configuration


@dataclass(frozen=True)
class SeriesConfig:
    """How one series is forecast.

    Attributes:
        window: W, past values read.  horizon: H, future values predicted.
        log: work on log values (the stock).  relative: feed the window relative to its last
        value (the stock).  season: seasonal-naive period in steps, 0 for none.
        hidden: the GRU's state size (the CNN is matched to it).
    """

    window: int
    horizon: int
    log: bool = False
    relative: bool = False
    season: int = 0
    hidden: int = 32


@dataclass(frozen=True)
class Split:
    """Train = ``[0, train_end)``, validation = ``[train_end, val_end)``, test = ``[val_end, n)``."""

    n: int
    train_end: int
    val_end: int

    def bounds(self, part: str) -> tuple[int, int]:
        return {
            "train": (0, self.train_end),
            "val": (self.train_end, self.val_end),
            "test": (self.val_end, self.n),
        }[part]


def time_split(n: int, val_frac: float = 0.15, test_frac: float = 0.15) -> Split:
    """Cut ``n`` time-ordered values into train / validation / test parts (in that order)."""
    n_test = int(round(n * test_frac))
    n_val = int(round(n * val_frac))
    return Split(n, n - n_test - n_val, n - n_test)


def origins(split: Split, part: str, window: int, horizon: int) -> np.ndarray:
    """The forecast origins whose H targets all lie in ``part`` (and whose window fits)."""
    start, end = split.bounds(part)
    lo, hi = max(window - 1, start - 1), end - 1 - horizon
    return np.arange(lo, hi + 1) if hi >= lo else np.zeros(0, dtype=np.int64)


def windows(z: np.ndarray, orig: np.ndarray, window: int, horizon: int):
    """Input windows (N, W) ending at each origin and their targets (N, H), copies."""
    past = sliding_window_view(z, window)[orig - window + 1]  # (N, W)
    future = sliding_window_view(z, horizon)[orig + 1]  # (N, H)
    return np.array(past), np.array(future)


@dataclass(frozen=True)
class Normaliser:
    """Fitted on the training part only (see the module docstring)."""

    mu: float
    sd: float
    log: bool = False
    relative: bool = False

    @classmethod
    def fit(cls, y_train: np.ndarray, log: bool = False, relative: bool = False) -> Normaliser:
        z = np.log(y_train) if log else np.asarray(y_train, dtype=np.float64)
        if relative:
            mu, sd = 0.0, float(np.std(np.diff(z)))
        else:
            mu, sd = float(np.mean(z)), float(np.std(z))
        return cls(mu, sd if sd > 1e-12 else 1.0, log, relative)

    def work(self, y):
        """Values → working units (log for a log series)."""
        return np.log(y) if self.log else np.asarray(y, dtype=np.float64)

    def unwork(self, z):
        return np.exp(z) if self.log else z

    def inputs(self, zwin):
        """Working-unit windows (N, W) → model inputs (numpy or torch)."""
        ref = zwin[:, -1:] if self.relative else self.mu
        return (zwin - ref) / self.sd

    def targets(self, zwin: np.ndarray, zfut: np.ndarray) -> np.ndarray:
        """What every forecaster predicts: ``(z_{t+h} − z_t)/σ``, (N, H)."""
        return (zfut - zwin[:, -1:]) / self.sd

    def forecast_work(self, zwin, out):
        """Model outputs (N, H) → forecasts in working units."""
        return zwin[:, -1:] + self.sd * out


# ----------------------------------------------------------------------------- baselines


def persistence(y: np.ndarray, orig: np.ndarray, horizon: int) -> np.ndarray:
    """``ŷ_{t+h} = y_t`` for h = 1..H, (N, H)."""
    return np.repeat(np.asarray(y, dtype=np.float64)[orig][:, None], horizon, axis=1)


def seasonal_naive(y: np.ndarray, orig: np.ndarray, horizon: int, period: int) -> np.ndarray:
    """``ŷ_{t+h} = y_{t+h−m·⌈h/m⌉}``: the value one period before the target, (N, H)."""
    h = np.arange(1, horizon + 1)
    back = period * np.ceil(h / period).astype(np.int64)
    return np.asarray(y, dtype=np.float64)[orig[:, None] + h[None, :] - back[None, :]]


def fit_ar(x: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Least-squares linear AR: coefficients (W + 1, H) (last row: the intercept).

    Solved with torch (float64, one thread): numpy's multi-threaded BLAS took ≈ 1 s for
    4,000 × 65 on this busy 2-core machine, torch's single thread milliseconds.
    """
    a = torch.from_numpy(np.hstack([x, np.ones((len(x), 1))]))
    b = torch.from_numpy(np.asarray(target, dtype=np.float64))
    # .copy(): the solution is a view of a larger buffer, which torch.save would store whole
    return torch.linalg.lstsq(a, b, driver="gelsd").solution.numpy().copy()


def ar_out(coef: np.ndarray, x: np.ndarray) -> np.ndarray:
    return x @ coef[:-1] + coef[-1]


# ----------------------------------------------------------------------------- errors


def mase_scale(y_train: np.ndarray) -> float:
    """Mean absolute one-step change over the training part (NaN when it never changes)."""
    d = np.abs(np.diff(np.asarray(y_train, dtype=np.float64)))
    s = float(d.mean()) if len(d) else 0.0
    return s if s > 0 else math.nan


def errors(pred: np.ndarray, truth: np.ndarray, scale: float) -> dict[str, list[float]]:
    """MAE, RMSE and MASE per horizon (lists of H floats) over the rows of (N, H) arrays."""
    err = np.asarray(pred, dtype=np.float64) - np.asarray(truth, dtype=np.float64)
    mae = np.abs(err).mean(axis=0)
    rmse = np.sqrt((err**2).mean(axis=0))
    return {"mae": mae.tolist(), "rmse": rmse.tolist(), "mase": (mae / scale).tolist()}


# ----------------------------------------------------------------------------- training


@dataclass
class FitLog:
    epochs: int = 0
    seconds: float = 0.0
    val_mae: float = math.inf  # best validation MAE of the normalised targets
    history: list[float] = field(default_factory=list)
    stopped: bool = False  # the deadline ended training before the planned epochs


@torch.no_grad()
def predict(model: nn.Module, x: np.ndarray, batch: int = 4096) -> np.ndarray:
    """Model outputs (N, H) for normalised windows (N, W)."""
    model.eval()
    if len(x) == 0:
        return np.zeros((0, model.cfg.horizon))
    xt = torch.as_tensor(x, dtype=torch.float32)
    return torch.cat([model(xt[i : i + batch]) for i in range(0, len(xt), batch)]).double().numpy()


class Adam:
    """Adam (Kingma & Ba, 2015), the same update as ``torch.optim.Adam`` with its defaults.

    Written out because constructing any ``torch.optim`` optimizer imports ``torch._dynamo``
    once per process: 10–12 s on this machine under load, more than a live fit's whole budget.
    """

    def __init__(self, params: list[torch.Tensor], betas=(0.9, 0.999), eps: float = 1e-8):
        self.params, self.betas, self.eps, self.t = params, betas, eps, 0
        self.m = [torch.zeros_like(p) for p in params]
        self.v = [torch.zeros_like(p) for p in params]

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    @torch.no_grad()
    def step(self, lr: float) -> None:
        b1, b2 = self.betas
        self.t += 1
        c1, c2 = 1 - b1**self.t, 1 - b2**self.t
        for p, m, v in zip(self.params, self.m, self.v, strict=True):
            if p.grad is None:
                continue
            m.mul_(b1).add_(p.grad, alpha=1 - b1)  # m ← β1·m + (1 − β1)·g
            v.mul_(b2).addcmul_(p.grad, p.grad, value=1 - b2)  # v ← β2·v + (1 − β2)·g²
            p.addcdiv_(m, (v / c2).sqrt_().add_(self.eps), value=-lr / c1)


def train(
    model: nn.Module,
    x_tr: np.ndarray,
    y_tr: np.ndarray,
    x_va: np.ndarray,
    y_va: np.ndarray,
    *,
    epochs: int,
    lr: float = 3e-3,
    batch: int = 64,
    seed: int = SEED,
    deadline: float | None = None,
    progress: Progress | None = None,
    label: str = "",
) -> FitLog:
    """Adam (cosine learning-rate decay) on the Huber loss; keeps the weights with the best
    validation MAE.

    Args:
        model: a forecaster (changed in place, left in eval mode).
        x_tr, y_tr, x_va, y_va: normalised windows (N, W) and targets (N, H).
        epochs: planned epochs.
        deadline: ``time.monotonic()`` value after which training stops (checked per batch).
        progress: called with (fraction of the planned epochs done, label).

    Returns:
        The :class:`FitLog`.
    """
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    xt, yt = torch.as_tensor(x_tr, dtype=torch.float32), torch.as_tensor(y_tr, dtype=torch.float32)
    opt = Adam(list(model.parameters()))
    log, best = FitLog(), None
    t0 = time.monotonic()
    for epoch in range(epochs):
        model.train()
        rate = lr * 0.5 * (1 + math.cos(math.pi * epoch / max(epochs, 1)))  # cosine decay
        for idx in torch.randperm(len(xt), generator=gen).split(batch):
            if deadline is not None and time.monotonic() > deadline:
                log.stopped = True
                break
            loss = F.smooth_l1_loss(model(xt[idx]), yt[idx])
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step(rate)
        if log.stopped and epoch > 0:
            break  # a partial epoch is only kept when it is the first one
        val = float(np.abs(predict(model, x_va) - y_va).mean()) if len(x_va) else math.nan
        log.epochs = epoch + 1
        log.history.append(round(val, 5))
        if best is None or val < log.val_mae or not math.isfinite(log.val_mae):
            log.val_mae = val
            best = {k: v.clone() for k, v in model.state_dict().items()}
        if progress is not None:
            progress((epoch + 1) / epochs, label)
        if log.stopped:
            break
    if best is not None:
        model.load_state_dict(best)
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    log.seconds = time.monotonic() - t0
    return log


def _subsample(n: int, limit: int | None) -> np.ndarray:
    """At most ``limit`` evenly strided indices out of ``n`` (all of them when under)."""
    if not limit or n <= limit:
        return np.arange(n)
    return np.linspace(0, n - 1, limit).round().astype(np.int64)


# ----------------------------------------------------------------------------- one series


@dataclass
class SeriesBundle:
    """One series with its fitted forecasters: everything the page's views read.

    Attributes:
        name: ``stock`` / ``load`` / ``sunspots``, or ``yours`` for a live fit.
        values: (n,) the series in its units.  times: (n,) x-axis values (ISO dates, or row
            numbers).  split, cfg, norm, scale (the MASE denominator).
        gru, tcn: the fitted networks (eval mode).  ar: (W + 1, H) AR coefficients.
        pca: ``mean`` (hidden,), ``components`` (2, hidden), ``explained`` (2,), ``bg_points``
            (N, 2) held-out final states projected, ``bg_change`` (N,) the true next change
            (normalised) at those origins.
        metrics: model → :func:`errors` on the test part.  info: training facts.
        max_test: a live fit measures its errors on at most this many evenly spaced test
            origins (bounded time); None: every test origin (the shipped series).
    """

    name: str
    values: np.ndarray
    times: np.ndarray
    split: Split
    cfg: SeriesConfig
    norm: Normaliser
    scale: float
    gru: SM.GRUForecaster
    tcn: SM.TCNForecaster
    ar: np.ndarray
    pca: dict[str, np.ndarray]
    metrics: dict[str, dict[str, list[float]]]
    info: dict = field(default_factory=dict)
    max_test: int | None = None  # errors on at most this many test origins (a live fit)

    @property
    def models(self) -> tuple[str, ...]:
        """Every forecaster of this series, networks first."""
        return (*NETS, "persistence", *(("seasonal",) if self.cfg.season else ()), "ar")

    def test_origins(self) -> np.ndarray:
        return origins(self.split, "test", self.cfg.window, self.cfg.horizon)

    def forecasts(self, orig: np.ndarray) -> dict[str, np.ndarray]:
        """Every model's forecasts (N, H) in the series' units at the given origins."""
        cfg, norm = self.cfg, self.norm
        z = norm.work(self.values)
        zwin, _ = windows(z, orig, cfg.window, cfg.horizon)
        x = norm.inputs(zwin)
        out = {
            "gru": predict(self.gru, x),
            "tcn": predict(self.tcn, x),
            "ar": ar_out(self.ar, x),
        }
        res = {k: norm.unwork(norm.forecast_work(zwin, v)) for k, v in out.items()}
        res["persistence"] = persistence(self.values, orig, cfg.horizon)
        if cfg.season:
            res["seasonal"] = seasonal_naive(self.values, orig, cfg.horizon, cfg.season)
        return {m: res[m] for m in self.models}

    def test_errors(self) -> dict[str, dict[str, list[float]]]:
        """Every model's errors on the test part (recomputed; ``metrics`` stores them)."""
        orig = self.test_origins()
        orig = orig[_subsample(len(orig), self.max_test)]
        truth = windows(self.values, orig, self.cfg.window, self.cfg.horizon)[1]
        return {m: errors(p, truth, self.scale) for m, p in self.forecasts(orig).items()}


def _pca(
    bundle: SeriesBundle, x_tr: np.ndarray, x_te: np.ndarray, y_te1: np.ndarray, n_states: int
) -> dict:
    """Fixed 2-D PCA axes of the GRU's states on training windows; held-out background cloud."""
    gru = bundle.gru
    with torch.no_grad():
        idx = _subsample(len(x_tr), max(1, n_states // bundle.cfg.window))
        h = gru.trace(torch.as_tensor(x_tr[idx], dtype=torch.float32))["hidden"]
        states = h.reshape(-1, h.shape[-1]).double().numpy()
        states = states[_subsample(len(states), n_states)]
        mean = states.mean(axis=0)
        # PCA from the (hidden × hidden) covariance, in torch (one thread): numpy's SVD of the
        # (N × hidden) states took 1.2 s here (BLAS threads on a busy machine).
        c = torch.from_numpy(states - mean)
        var, vecs = torch.linalg.eigh(c.T @ c / max(len(c) - 1, 1))
        var, vecs = var.numpy()[::-1].clip(min=0), vecs.numpy()[:, ::-1]  # largest first
        explained = var[:2] / var.sum() if var.sum() > 0 else np.zeros(2)
        comps = vecs[:, :2].T  # (2, hidden)
        sel = _subsample(len(x_te), BACKGROUND)
        last = gru.trace(torch.as_tensor(x_te[sel], dtype=torch.float32))["hidden"][:, -1]
        bg = (last.double().numpy() - mean) @ comps.T
    return {
        "mean": mean.astype(np.float32),
        "components": comps.astype(np.float32),
        "explained": explained.astype(np.float32),
        "bg_points": bg.astype(np.float32),
        "bg_change": np.asarray(y_te1, dtype=np.float32)[sel],
    }


def fit_bundle(
    name: str,
    values: np.ndarray,
    times: np.ndarray,
    cfg: SeriesConfig,
    split: Split,
    *,
    epochs: int,
    batch: int = 128,
    max_train: int | None = None,
    max_val: int | None = None,
    max_test: int | None = None,
    pca_states: int = PCA_STATES,
    deadline: float | None = None,
    budget: tuple[float, float] | None = None,
    progress: Progress | None = None,
    seed: int = SEED,
) -> SeriesBundle:
    """Fit the normaliser, the AR, the GRU and the size-matched CNN; measure the test errors.

    Args:
        name: the series' id.  values: (n,) its values.  times: (n,) x-axis values.
        cfg: window, horizon, transforms.  split: the time-ordered split.
        epochs: planned epochs per network.  batch: minibatch size.
        max_train, max_val: use at most this many training / validation windows (evenly
            strided), None for all.
        max_test: measure the test errors on at most this many evenly spaced test origins
            (None: all of them).
        pca_states: training hidden states the PCA axes are fitted on, at most.
        deadline: ``time.monotonic()`` value by which everything must be done (live fit).
        budget: seconds for the GRU and for the CNN (live fit), else no per-model limit.
        progress: called with (fraction of the whole fit done, what is running).
        seed: torch seed (the same command gives the same weights up to float noise).

    Returns:
        The fitted :class:`SeriesBundle` (``info`` has epochs, seconds, sizes, parameters).
    """
    t_start = time.monotonic()
    values = np.asarray(values, dtype=np.float64)
    W, H = cfg.window, cfg.horizon
    norm = Normaliser.fit(values[: split.train_end], cfg.log, cfg.relative)
    z = norm.work(values)
    parts, counts = {}, {}
    for part, limit in (("train", max_train), ("val", max_val), ("test", max_test)):
        o = origins(split, part, W, H)
        counts[part] = len(o)
        o = o[_subsample(len(o), limit)]  # evenly strided, before any window is copied
        zwin, zfut = windows(z, o, W, H)
        parts[part] = (o, norm.inputs(zwin), norm.targets(zwin, zfut))
    _, x_fit, y_fit = parts["train"]
    _, x_va, y_va = parts["val"]
    ar = fit_ar(x_fit, y_fit)
    torch.manual_seed(seed)
    gru, tcn = SM.build_pair(W, H, cfg.hidden)
    logs = {}
    for i, (key, model, lr) in enumerate((("gru", gru, 5e-3), ("tcn", tcn, 2e-3))):
        dl = deadline
        if budget is not None:
            dl = min(deadline or math.inf, time.monotonic() + budget[i])

        def step(frac, what, i=i):
            if progress is not None:
                progress((i + frac) / 2 * 0.95, what)

        logs[key] = train(
            model, x_fit, y_fit, x_va, y_va, epochs=epochs, lr=lr, batch=batch, seed=seed,
            deadline=dl, progress=step, label=key,
        )  # fmt: skip
    bundle = SeriesBundle(
        name, values, np.asarray(times), split, cfg, norm,
        mase_scale(values[: split.train_end]), gru, tcn, ar, {}, {}, max_test=max_test,
    )  # fmt: skip
    _, x_te, y_te = parts["test"]
    bundle.pca = _pca(bundle, x_fit, x_te, y_te[:, 0] if len(y_te) else y_te, pca_states)
    bundle.metrics = bundle.test_errors()
    if progress is not None:
        progress(1.0, "done")
    bundle.info = {
        "data": counts,
        "train_windows_used": int(len(x_fit)),
        "val_windows_used": int(len(x_va)),
        "test_origins_used": int(len(x_te)),
        "values": {k: list(split.bounds(k)) for k in ("train", "val", "test")},
        "params": {"gru": SM.param_count(gru), "tcn": SM.param_count(tcn)},
        "channels": tcn.cfg.channels,
        "dilations": list(tcn.cfg.dilations),
        "receptive_field": SM.receptive_field(tcn.cfg.kernel, tcn.cfg.dilations),
        "epochs": {k: v.epochs for k, v in logs.items()},
        "planned_epochs": epochs,
        "stopped_by_deadline": {k: v.stopped for k, v in logs.items()},
        "train_seconds": {k: round(v.seconds, 2) for k, v in logs.items()},
        "val_mae": {k: v.val_mae for k, v in logs.items()},
        "history": {k: v.history for k, v in logs.items()},
        "seconds": round(time.monotonic() - t_start, 2),
        "seed": seed,
    }
    return bundle


# ----------------------------------------------------------------------------- shipped series

SERIES_DIR = "series"  # assets/series/<name>.npz: values, times, split, config, PCA


def save_bundle(bundle: SeriesBundle, out: Path) -> None:
    """Write ``<out>/series/<name>.npz`` and ``<out>/models/series_<name>.pt``."""
    (out / SERIES_DIR).mkdir(parents=True, exist_ok=True)
    (out / "models").mkdir(parents=True, exist_ok=True)
    s, n = bundle.split, bundle.norm
    np.savez_compressed(
        out / SERIES_DIR / f"{bundle.name}.npz",
        values=bundle.values.astype(np.float64),
        times=bundle.times.astype(str),
        split=np.array([s.n, s.train_end, s.val_end]),
        config=np.array(json.dumps(asdict(bundle.cfg))),
        norm=np.array(json.dumps(asdict(n))),
        scale=np.array(bundle.scale),
        **{f"pca_{k}": v for k, v in bundle.pca.items()},
    )
    torch.save(
        {
            "gru": SM.checkpoint(bundle.gru),
            "tcn": SM.checkpoint(bundle.tcn),
            "ar": torch.from_numpy(bundle.ar),
        },
        out / "models" / f"series_{bundle.name}.pt",
    )


_lock = threading.RLock()


@cache
def _metrics_file() -> dict:
    path = METRICS / "series.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def load_bundle(name: str) -> SeriesBundle:
    """A shipped series with its trained forecasters (read once per process, shared)."""
    if name not in SERIES:
        raise KeyError(name)
    with _lock:
        return _load(name)


@cache
def _load(name: str) -> SeriesBundle:
    with np.load(ASSETS / SERIES_DIR / f"{name}.npz", allow_pickle=False) as f:
        d = {k: f[k] for k in f.files}
    ck = torch.load(MODELS / f"series_{name}.pt", map_location="cpu", weights_only=True)
    n, train_end, val_end = (int(v) for v in d["split"])
    meta = _metrics_file().get("series", {}).get(name, {})
    return SeriesBundle(
        name=name,
        values=d["values"],
        times=d["times"],
        split=Split(n, train_end, val_end),
        cfg=SeriesConfig(**json.loads(str(d["config"]))),
        norm=Normaliser(**json.loads(str(d["norm"]))),
        scale=float(d["scale"]),
        gru=SM.from_checkpoint("gru", ck["gru"]),
        tcn=SM.from_checkpoint("tcn", ck["tcn"]),
        ar=ck["ar"].numpy(),
        pca={k[4:]: v for k, v in d.items() if k.startswith("pca_")},
        metrics=meta.get("test", {}),
        info=meta.get("info", {}),
    )


# ----------------------------------------------------------------------------- one trace


@dataclass
class SeriesAnalysis:
    """Everything the views show for one (series, forecast origin).

    Attributes:
        series: the series' id.  point: index among the test origins.  origin: t, the index of
            the window's last value.  window, horizon: W and H.
        steps: (W,) indices of the window's values; future: (H,) indices of the targets.
        inputs: (W,) the window in the series' units; truth: (H,) what happened.
        x: (W,) the normalised input both networks read.
        forecasts: model → (H,) forecasts in the series' units.
        hidden: (W, hidden) the GRU's state h_t after each step.
        path: (W, 2) the states on the fixed PCA axes.
        maps: one (channels, W) array per CNN layer (after ReLU and the residual sum).

    The gradients of the forecasts (the look-back view) are :func:`series_gradients`, computed
    only when that view opens.
    """

    series: str
    point: int
    origin: int
    window: int
    horizon: int
    steps: np.ndarray
    future: np.ndarray
    inputs: np.ndarray
    truth: np.ndarray
    x: np.ndarray
    forecasts: dict[str, np.ndarray]
    hidden: np.ndarray
    path: np.ndarray
    maps: list[np.ndarray]


def forecast_gradient(bundle: SeriesBundle, model: nn.Module, zwin: np.ndarray) -> np.ndarray:
    """(H, W): ∂ (forecast_h in working units) / ∂ (window value in working units).

    One backward pass: the window is repeated H times as a batch and row h keeps output h.
    """
    H = bundle.cfg.horizon
    z = torch.tensor(np.repeat(zwin[None, :], H, axis=0), dtype=torch.float32, requires_grad=True)
    norm = bundle.norm
    with torch.enable_grad():
        out = model(norm.inputs(z))  # (H, H)
        fc = norm.forecast_work(z, out)
        fc.diagonal().sum().backward()
    return z.grad.double().numpy()


def _resolve(source: str | SeriesBundle, point: int) -> tuple[SeriesBundle, int, int]:
    """(bundle, point clipped to the test part, origin t)."""
    b = load_bundle(source) if isinstance(source, str) else source
    orig_all = b.test_origins()
    point = int(min(max(int(point), 0), len(orig_all) - 1))
    return b, point, int(orig_all[point])


def analyze_series(source: str | SeriesBundle, point: int) -> SeriesAnalysis:
    """One forecast of every model from one origin of the test part, with both networks' traces.

    Args:
        source: a shipped series' id (``"stock"``, ``"load"``, ``"sunspots"``) or a fitted
            :class:`SeriesBundle` (a live fit).
        point: which test origin, 0-based (clipped to the test part).

    Returns:
        A :class:`SeriesAnalysis`.
    """
    b, point, t = _resolve(source, point)
    W, H = b.cfg.window, b.cfg.horizon
    steps, future = np.arange(t - W + 1, t + 1), np.arange(t + 1, t + H + 1)
    fc = {m: v[0] for m, v in b.forecasts(np.array([t])).items()}
    zwin = b.norm.work(b.values[steps])
    x = b.norm.inputs(zwin[None, :])[0]
    xt = torch.as_tensor(x[None, :], dtype=torch.float32)
    with torch.no_grad():
        hidden = b.gru.trace(xt)["hidden"][0].numpy()  # (W, hidden)
        tr = b.tcn.trace(xt)
    p = b.pca
    path = (hidden - p["mean"][None, :]) @ p["components"].T
    return SeriesAnalysis(
        series=b.name,
        point=point,
        origin=t,
        window=W,
        horizon=H,
        steps=steps,
        future=future,
        inputs=b.values[steps].copy(),
        truth=b.values[future].copy(),
        x=np.asarray(x, dtype=np.float64),
        forecasts=fc,
        hidden=hidden,
        path=np.asarray(path, dtype=np.float32),
        maps=[tr[name][0].numpy() for name in b.tcn.layer_names],
    )


class LinearAR(nn.Module):
    """The least-squares AR as a module (``x @ coef[:-1] + coef[-1]``), for its gradient."""

    def __init__(self, coef: np.ndarray):
        super().__init__()
        self.w = torch.as_tensor(coef[:-1], dtype=torch.float32)  # (W, H)
        self.b = torch.as_tensor(coef[-1], dtype=torch.float32)  # (H,)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x @ self.w + self.b


def series_gradients(source: str | SeriesBundle, point: int) -> dict[str, np.ndarray]:
    """How far back each model looks from one origin: ``"gru"``, ``"tcn"``, ``"ar"`` → (H, W).

    Entry [h − 1, k] is ∂ forecast_h / ∂ (window value k), both in working units (log price
    for the stock): how much the forecast moves per unit change of that past value, everything
    else fixed. The linear AR's is the same at every origin (its coefficients, through the
    normaliser). Args as :func:`analyze_series`.
    """
    b, _, t = _resolve(source, point)
    zwin = b.norm.work(b.values[t - b.cfg.window + 1 : t + 1])
    models = (("gru", b.gru), ("tcn", b.tcn), ("ar", LinearAR(b.ar)))
    return {k: forecast_gradient(b, m, zwin) for k, m in models}
