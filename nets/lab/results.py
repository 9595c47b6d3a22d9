"""The lab's results files: ``assets/metrics/lab/<section>.json``, written by
``python -m nets.train lab`` and read by the page (json only, no torch: the page's rerun stays
fast). Each file carries ``meta``: the code version (git commit), date, seed, whether it was a
quick run, the load average and the section's CPU and wall seconds.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..metrics import read_metrics
from ..paths import METRICS

LAB_DIR = METRICS / "lab"
SECTIONS = (
    "timing", "speed", "long_text", "synthetic", "cost", "pairs", "shift", "structure", "race",
)  # fmt: skip


def lab_dir(metrics_dir: Path | None = None) -> Path:
    return Path(metrics_dir) / "lab" if metrics_dir is not None else LAB_DIR


def read(section: str, metrics_dir: Path | None = None) -> dict | None:
    """One section's results, or None when missing or unreadable."""
    return read_metrics(section, lab_dir(metrics_dir))


def read_all(metrics_dir: Path | None = None) -> dict[str, dict]:
    """Every section that exists, by name."""
    out = {}
    for s in SECTIONS:
        data = read(s, metrics_dir)
        if data is not None:
            out[s] = data
    return out


def stamp(metrics_dir: Path | None = None) -> tuple:
    """The files' modification times (a cache key: a new run changes it)."""
    d = lab_dir(metrics_dir)
    out = []
    for s in SECTIONS:
        try:
            out.append(os.stat(d / f"{s}.json").st_mtime_ns)
        except OSError:
            out.append(0)
    return tuple(out)
