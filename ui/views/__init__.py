"""Every page's views, registered in ``ui.view.REGISTRY`` when their module is imported.

``all_views()`` imports them all (for the table links' test and the lessons): a module per page.
"""

from __future__ import annotations

import importlib

from ui.view import REGISTRY, View

MODULES = ("cnn", "rnn", "compare", "hybrid", "series", "lab")


def all_views() -> dict[str, View]:
    """Every registered view by id (imports each page's view module once)."""
    for name in MODULES:
        importlib.import_module(f"ui.views.{name}")
    return dict(REGISTRY)
