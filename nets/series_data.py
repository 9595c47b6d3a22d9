"""The three shipped time series, read from the data files inside the installed ``pmdarima`` wheel.

Training and tests only (``pmdarima`` is a development dependency, pinned in
``requirements-dev.txt``): ``python -m nets.train series`` copies what the app needs into
``assets/series/``. pmdarima itself is never imported (it pulls statsmodels and scikit-learn);
its files are located with ``importlib.metadata`` and parsed here:

- ``msft``: ``datasets/data/msft.tar.gz``, one CSV (Date, Open, High, Low, Close, Volume,
  OpenInt) of Microsoft's daily prices, 13 Mar 1986 – 10 Nov 2017 (7,983 trading days);
- ``taylor``: the 4,032 half-hourly electricity demands (MW) of England and Wales, Monday
  5 June – Sunday 27 August 2000, written as a list literal in ``datasets/taylor.py``;
- ``sunspots``: ``datasets/data/sunspots.txt.gz``, 2,820 monthly mean sunspot numbers,
  Jan 1749 – Dec 1983.
"""

from __future__ import annotations

import ast
import csv
import datetime as dt
import gzip
import importlib.metadata
import io
import tarfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

PMDARIMA_VERSION = "2.1.1"  # the pinned wheel whose files these readers were written for


@dataclass
class RawSeries:
    values: np.ndarray  # (n,) float64
    times: np.ndarray  # (n,) ISO date strings


def _file(suffix: str) -> Path:
    try:
        files = importlib.metadata.files("pmdarima") or []
    except importlib.metadata.PackageNotFoundError:
        files = []
    for f in files:
        if str(f).replace("\\", "/").endswith(suffix):
            return Path(f.locate())
    raise RuntimeError(
        f"pmdarima's {suffix} not found: pip install -r requirements-dev.txt "
        f"(pmdarima=={PMDARIMA_VERSION})"
    )


def load_msft() -> RawSeries:
    """Microsoft's daily closing price (US$, adjusted for splits as in the source)."""
    with tarfile.open(_file("datasets/data/msft.tar.gz"), "r:gz") as tar:
        member = tar.getmembers()[0]
        text = tar.extractfile(member).read().decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    values = np.array([float(r["Close"]) for r in rows], dtype=np.float64)
    times = np.array([r["Date"] for r in rows])
    return RawSeries(values, times)


def load_taylor() -> RawSeries:
    """Half-hourly electricity demand (MW), England and Wales, 5 Jun – 27 Aug 2000."""
    tree = ast.parse(_file("datasets/taylor.py").read_text(encoding="utf-8"))
    lists = [n for n in ast.walk(tree) if isinstance(n, ast.List) and len(n.elts) > 1000]
    if len(lists) != 1:
        raise RuntimeError("unexpected layout of pmdarima/datasets/taylor.py")
    values = np.array(ast.literal_eval(lists[0]), dtype=np.float64)
    start = dt.datetime(2000, 6, 5)
    times = np.array(
        [
            (start + dt.timedelta(minutes=30 * i)).strftime("%Y-%m-%d %H:%M")
            for i in range(len(values))
        ]
    )
    return RawSeries(values, times)


def load_sunspots() -> RawSeries:
    """Monthly mean relative sunspot numbers, Jan 1749 – Dec 1983."""
    with gzip.open(_file("datasets/data/sunspots.txt.gz"), "rt", encoding="utf-8") as fh:
        values = np.loadtxt(fh).ravel().astype(np.float64)
    times = np.array([f"{1749 + i // 12}-{i % 12 + 1:02d}" for i in range(len(values))])
    return RawSeries(values, times)


LOADERS = {"stock": load_msft, "load": load_taylor, "sunspots": load_sunspots}


def load_raw(name: str) -> RawSeries:
    """One of the three series by its page id (``stock``, ``load``, ``sunspots``)."""
    return LOADERS[name]()
