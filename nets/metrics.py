"""The training runs' metrics files (``assets/metrics/<name>.json``): one reader for the app.

Light (json only, no torch), so the home page's model card can use it before torch loads.
"""

from __future__ import annotations

import json
from pathlib import Path

from .paths import METRICS


def read_metrics(name: str, metrics_dir: Path | None = None) -> dict | None:
    """The metrics of model ``name``, or None when missing, unreadable or not a JSON object.

    Args:
        name: the file's stem (``text_gru``, ``shift_accuracy``…).
        metrics_dir: another folder (tests); default ``assets/metrics``, looked up at call time.
    """
    path = Path(metrics_dir if metrics_dir is not None else METRICS) / f"{name}.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
