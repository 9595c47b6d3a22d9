"""``python -m nets.train series``: fit the forecasters of the three shipped series.

For each series (stock, load, sunspots) it reads the values from the installed pmdarima wheel
(``nets.series_data``), fits the normaliser, the linear AR, the GRU and the size-matched causal
CNN (``nets.series.fit_bundle``), measures every model's test errors and writes:

- ``assets/series/<name>.npz``: values, times, split, configuration, normaliser, PCA axes;
- ``assets/models/series_<name>.pt``: both networks' weights and the AR coefficients;
- ``assets/metrics/series.json``: every model's test errors per horizon, training facts;
- ``assets/metrics/series_gru.json``, ``series_tcn.json``: the home page's model-card rows.

Seeded; one torch thread (2 threads were 30–70× slower per batch on this shared 2-core
machine under load); progress printed per epoch; 3–9 minutes here (load average 6–12). ``--dry-run``: one epoch
on 256 training windows per series, written to a temporary folder.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path

import torch

from .series import SEED, SeriesConfig, fit_bundle, save_bundle, time_split
from .series_data import PMDARIMA_VERSION, load_raw

# Per series: configuration, (validation, test) fractions, epochs. The load's 12 weeks split
# 8 / 2 / 2 weeks; the stock's window is four trading weeks (the documents' example reads one
# week, h = 1 is its "next day"); the sunspots' window is 12 years (one ≈ 11-year cycle).
SPECS = {
    "stock": (SeriesConfig(20, 5, log=True, relative=True), (0.15, 0.15), 15),
    "load": (SeriesConfig(336, 48, season=336), (1 / 6, 1 / 6), 25),
    "sunspots": (SeriesConfig(144, 12), (0.15, 0.15), 30),
}
ORDER = {"series_gru": 50, "series_tcn": 51}  # after the four core models on the home card


def _arch(kind: str, bundles: dict) -> str:
    parts = []
    for name, b in bundles.items():
        W, H = b.cfg.window, b.cfg.horizon
        p = b.info["params"][kind]
        parts.append(f"{name} W={W}, H={H}: {p:,}")
    if kind == "gru":
        hid = "/".join(str(x) for x in sorted({b.cfg.hidden for b in bundles.values()}))
        head = f"GRU(1→{hid}) → last state → Linear({hid}→H)"
    else:
        c = {b.tcn.cfg.channels for b in bundles.values()}
        head = (
            f"causal Conv1d k=3, dilations 1,2,4…(until the receptive field ≥ W), "
            f"{'/'.join(str(x) for x in sorted(c))} channels, ReLU, residual → last step → "
            "Linear(C→H)"
        )
    return f"{head} · params: " + "; ".join(parts)


def run(out: Path, dry: bool) -> None:
    """Fit every series and write its assets under ``out`` (see the module docstring)."""
    torch.set_num_threads(1)
    t0 = time.monotonic()
    bundles, report = {}, {}
    for name, (cfg, (val, test), epochs) in SPECS.items():
        raw = load_raw(name)
        split = time_split(len(raw.values), val, test)
        ep = 1 if dry else epochs
        print(f"series {name}: {len(raw.values):,} values, W={cfg.window}, H={cfg.horizon}, "
              f"{ep} epochs{' (dry run)' if dry else ''}", flush=True)  # fmt: skip

        def progress(frac: float, what: str, name=name) -> None:
            if what != "done":
                print(f"  {name} {what}: {frac:.0%}", flush=True)

        b = fit_bundle(
            name, raw.values, raw.times, cfg, split, epochs=ep,
            max_train=256 if dry else None, progress=progress, seed=SEED,
        )  # fmt: skip
        save_bundle(b, out)
        bundles[name] = b
        report[name] = {
            "config": {k: getattr(cfg, k) for k in cfg.__dataclass_fields__},
            "split": {"n": split.n, "train_end": split.train_end, "val_end": split.val_end},
            "periods": {
                part: [str(raw.times[lo]), str(raw.times[hi - 1])]
                for part, (lo, hi) in ((p, split.bounds(p)) for p in ("train", "val", "test"))
            },
            "scale": b.scale,
            "test": b.metrics,
            "info": b.info,
        }
        for m, e in b.metrics.items():
            print(f"  {name} {m:<12} test MAE h=1 {e['mae'][0]:.4g}  h={cfg.horizon} "
                  f"{e['mae'][-1]:.4g}  MASE {e['mase'][0]:.3f} / {e['mase'][-1]:.3f}", flush=True)  # fmt: skip
    seconds = round(time.monotonic() - t0, 1)
    common = {
        "date": dt.date.today().isoformat(),
        "seed": SEED,
        "torch_threads": torch.get_num_threads(),
        "dry_run": dry,
        "seconds": seconds,
        "source": f"pmdarima=={PMDARIMA_VERSION} data files (assets/series/SOURCES.md)",
    }
    (out / "metrics").mkdir(parents=True, exist_ok=True)
    write(out / "metrics" / "series.json", {"name": "series", **common, "series": report})
    for kind in ("gru", "tcn"):
        name = f"series_{kind}"
        write(
            out / "metrics" / f"{name}.json",
            {
                "name": name,
                "architecture": _arch(kind, bundles),
                **common,
                "card": {"data_key": "card.data.series", "order": ORDER[name]},
                "test_mase_h1": {s: b.metrics[kind]["mase"][0] for s, b in bundles.items()},
            },
        )
    print(f"series: done in {seconds:.0f} s", flush=True)


def write(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
