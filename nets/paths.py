"""Locations inside the project, always relative to this package, never the working directory."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ASSETS = ROOT / "assets"
MODELS = ASSETS / "models"
METRICS = ASSETS / "metrics"
