"""Bounded caches of the time-series page, keyed by plain values.

- A shipped series' trace: ``(series id, point)`` → :class:`nets.series.SeriesAnalysis`
  (≈ 30–250 KB pickled; the load's is the largest: 336 steps × 32 units, 8 layers of maps).
- A learner's series: parsing is keyed by the uploaded bytes (or the pasted text), the trace of
  a live fit by the fit's token and the point (the fitted bundle itself lives in the session).
"""

from __future__ import annotations

import secrets
import tomllib
from functools import lru_cache

import numpy as np
import streamlit as st

from nets import series as S
from nets import series_csv
from nets.paths import ROOT

SERIES_CACHE_SIZE = "48MB"
DEFAULT_UPLOAD_MB = 10  # Streamlit's own default is 200; the app's config sets its own


@lru_cache(maxsize=1)
def upload_limit_bytes() -> int:
    """The app's upload limit (``server.maxUploadSize`` in ``.streamlit/config.toml``, in MB)."""
    try:
        cfg = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
        mb = float(cfg.get("server", {}).get("maxUploadSize", DEFAULT_UPLOAD_MB))
    except (OSError, ValueError):
        mb = DEFAULT_UPLOAD_MB
    return int(mb * 1024 * 1024)


def paste_limit_chars() -> int:
    """Pasted text is bounded like an upload (one character ≈ one byte for digits)."""
    return upload_limit_bytes()


@st.cache_data(max_entries=64, max_size=SERIES_CACHE_SIZE, show_spinner=False)
def shipped_analysis(name: str, point: int) -> S.SeriesAnalysis:
    """``nets.analyze_series`` on a shipped series."""
    return S.analyze_series(name, point)


@st.cache_data(max_entries=32, max_size=SERIES_CACHE_SIZE, show_spinner=False)
def yours_analysis(token: str, point: int, _bundle: S.SeriesBundle) -> S.SeriesAnalysis:
    """``nets.analyze_series`` on a live fit, cached under the fit's ``token``."""
    return S.analyze_series(_bundle, point)


@st.cache_data(max_entries=64, max_size="16MB", show_spinner=False)
def shipped_gradients(name: str, point: int) -> dict[str, np.ndarray]:
    """``nets.series.series_gradients`` on a shipped series (the look-back view)."""
    return S.series_gradients(name, point)


@st.cache_data(max_entries=32, max_size="16MB", show_spinner=False)
def yours_gradients(token: str, point: int, _bundle: S.SeriesBundle) -> dict[str, np.ndarray]:
    return S.series_gradients(_bundle, point)


@st.cache_data(max_entries=4, max_size="16MB", show_spinner=False)
def csv_columns(data: bytes, max_bytes: int) -> tuple[list[str], list[int], int]:
    """(column names, numeric column indices, data rows) of an uploaded CSV (InputError if bad)."""
    table = series_csv.read_csv(data, max_bytes)
    return table.names, table.numeric, len(table.rows)


@st.cache_data(max_entries=4, max_size="16MB", show_spinner=False)
def csv_series(data: bytes, max_bytes: int, column: int) -> tuple[np.ndarray, list[str] | None]:
    """The checked values of one column and the row labels (first text column) if any."""
    table = series_csv.read_csv(data, max_bytes)
    return table.series(column), table.labels


@st.cache_data(max_entries=4, max_size="16MB", show_spinner=False)
def pasted_series(text: str, max_chars: int) -> np.ndarray:
    return series_csv.read_pasted(text, max_chars)


def new_token() -> str:
    """A fresh id for one live fit (the cache key of its traces): two fits of the same data stop
    at different epochs, so their traces must never share a cache entry."""
    return secrets.token_hex(8)
