"""Fast plotly figures: builders write plain dicts, wrapped once without per-property validation.

Why: plotly validates every property it is given (``go.Scatter(...)``, ``update_layout``,
``make_subplots``); on this server that was most of a page rerun (profiled with py-spy: the RNN
page's 8 charts cost ≈ 47 ms just to validate, the JSON itself 0.4 ms). So builders assemble
``{"data": [...], "layout": {...}}`` in plotly's canonical form (e.g. ``title=dict(text=...)``,
never the ``title="..."`` shorthand; colour scales as lists or plotly.js names) and call
:func:`figure`, which returns a real ``go.Figure`` built with ``_validate=False``.

Correctness is kept by tests: with ``VIZ_STRICT=1`` in the environment (``tests/conftest.py``
sets it, so every builder called by any test, AppTest page or browser server is checked),
:func:`figure` also builds the validated figure and raises ``ValueError`` naming the first
property where the two JSON documents differ — a typo, an invalid value or a non-canonical
shorthand fails the test suite instead of reaching the browser.
"""

from __future__ import annotations

import copy
import json
import os
from functools import lru_cache

import plotly.graph_objects as go
import plotly.io as pio

__all__ = ["figure", "subplot_layout", "check_canonical", "player"]


def figure(data: list[dict], layout: dict, frames: list[dict] | None = None) -> go.Figure:
    """Wrap a canonical plotly spec as a figure, skipping plotly's validation.

    Args:
        data: trace dicts, each with ``type`` (e.g. ``"scatter"``, ``"heatmap"``).
        layout: layout dict in canonical form.
        frames: optional animation frames (``{"name": ..., "data": [...]}``).

    Returns:
        A ``go.Figure`` (checked against plotly's validator when ``VIZ_STRICT=1``).
    """
    if os.environ.get("VIZ_STRICT") == "1":
        check_canonical({"data": data, "layout": layout, **({"frames": frames} if frames else {})})
    fig = go.Figure({"data": data, "layout": layout}, _validate=False)
    if frames:
        # plotly validates frames even with ``_validate=False`` (its frames validator takes no
        # such flag): ≈ 0.2 s for the CNN page's ~200 frames against ≈ 5 ms unvalidated. Frames
        # are not parented, so the tuple set here is what the constructor would store, and the
        # JSON is the same. Caveat: plotly cannot traverse such a frame's ``data`` attribute;
        # read frames from ``fig.to_dict()["frames"]``.
        fig._frame_objs = tuple(go.Frame(f, _validate=False) for f in frames)
    return fig


def _json(fig: go.Figure) -> dict:
    return json.loads(pio.to_json(fig, validate=False))


def _first_diff(a, b, path: str = "") -> str | None:
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                return f"{path}.{k}: only in {'validated' if k in b else 'raw'} spec"
            d = _first_diff(a[k], b[k], f"{path}.{k}")
            if d:
                return d
        return None
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return f"{path}: {len(a)} items raw, {len(b)} validated"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            d = _first_diff(x, y, f"{path}[{i}]")
            if d:
                return d
        return None
    return None if a == b else f"{path}: raw {a!r:.80} ≠ validated {b!r:.80}"


def check_canonical(spec: dict) -> None:
    """Raise ``ValueError`` unless ``spec`` is valid and already in plotly's canonical form.

    Args:
        spec: ``{"data": [...], "layout": {...}}`` (optionally ``frames``).
    """
    raw = _json(go.Figure(copy.deepcopy(spec), _validate=False))
    validated = _json(go.Figure(copy.deepcopy(spec)))  # raises on an invalid property/value
    diff = _first_diff(raw, validated)
    if diff:
        raise ValueError(f"plotly spec not canonical at {diff}")


@lru_cache(maxsize=256)
def _subplots(rows: int, cols: int, titles: tuple[str, ...] | None, kw: str) -> str:
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=rows, cols=cols, subplot_titles=titles, **json.loads(kw))
    layout = fig.to_dict()["layout"]
    layout.pop("template", None)
    return json.dumps(layout)


def subplot_layout(rows: int, cols: int, titles=None, **kw) -> dict:
    """The axes, domains and title annotations of ``make_subplots`` as a fresh layout dict.

    ``make_subplots`` validates everything it creates (milliseconds); this computes each grid
    once per arguments and returns a copy, so builders can add their traces with
    ``xaxis="x3"``-style references and their own layout keys.

    Args:
        rows, cols: grid size.
        titles: subplot titles (row-major), or None.
        **kw: other ``make_subplots`` keyword arguments, JSON-serialisable
            (``horizontal_spacing``, ``vertical_spacing``, ``shared_xaxes``, ``specs``…).

    Returns:
        A layout dict (``xaxis``, ``xaxis2``…, ``yaxis``…, ``annotations``).
    """
    key = json.dumps(kw, sort_keys=True)
    return json.loads(_subplots(rows, cols, tuple(titles) if titles else None, key))


def player(
    n: int,
    play: str,
    prefix: str,
    duration: int,
    active: int = 0,
    button: tuple[float, float] = (0, 0),
    slider: tuple[float, float] = (0.25, 0),
) -> dict:
    """A ▶ button and a step slider for a figure whose frames are named "0" … "n−1".

    Args:
        n: number of frames.
        play: the play button's label (translated), shown after "▶ ".
        prefix: the slider's current-value prefix (translated).
        duration: milliseconds per frame when playing.
        active: the slider's first position.
        button: (x, y) of the button's top-left corner, in paper coordinates.
        slider: (x, y) of the slider's top-left corner; it runs to the right edge.

    Returns:
        ``{"updatemenus": [...], "sliders": [...]}`` to merge into a layout.
    """
    go_to = {"mode": "immediate", "frame": {"duration": 0, "redraw": True}}
    run = {"frame": {"duration": duration, "redraw": True}, "transition": {"duration": 0},
           "fromcurrent": False}  # fmt: skip
    steps = [
        {"label": str(t + 1), "method": "animate", "args": [[str(t)], go_to]} for t in range(n)
    ]
    return {
        "updatemenus": [
            {"type": "buttons", "showactive": False, "x": button[0], "y": button[1],
             "xanchor": "left", "yanchor": "top",
             "buttons": [{"label": "▶ " + play, "method": "animate", "args": [None, run]}]}
        ],
        "sliders": [
            {"active": active, "x": slider[0], "len": round(1 - slider[0], 6), "y": slider[1],
             "yanchor": "top", "currentvalue": {"prefix": prefix + " ", "font": {"size": 12}},
             "pad": {"t": 0, "b": 0}, "steps": steps}
        ],
    }  # fmt: skip
