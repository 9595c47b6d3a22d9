"""Caches of the lessons page: each question's live answer and the handouts.

- :func:`solution`: ``nets.lessons.solve`` for one step, keyed by (lesson id, step index): the
  models run once per process per step, whoever asks first (a class opening the same step).
- :func:`handout`: the self-contained HTML of a lesson (≈ 5 MB with plotly.js inlined), built
  only when a download button is clicked (Streamlit's deferred download), one build at a time
  per process, the last few kept in memory. Nothing is written to disk.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import streamlit as st

from nets import lessons as L

HANDOUTS_KEPT = 6  # ≈ 30 MB: a class downloading the same lesson gets one build


@st.cache_data(max_entries=128, show_spinner=False)
def solution(lid: str, i: int) -> L.Solution:
    """The question of step ``i`` (0-based) of lesson ``lid``, answered by the models now."""
    step = L.load_lesson(lid)["steps"][i]
    return L.solve(step["question"], step["input"])


_lock = threading.Lock()  # one build at a time: each step runs its view's models
_kept: OrderedDict[tuple[str, str, bool], bytes] = OrderedDict()


def handout(lid: str, lang: str, teacher: bool) -> bytes:
    """The lesson as one HTML file (``ui.handout.build``), kept for the next downloads.

    Args:
        lid: the lesson id.
        lang: "zh" or "en".
        teacher: include the answers and their explanations.
    """
    key = (lid, lang, bool(teacher))
    with _lock:
        if key in _kept:
            _kept.move_to_end(key)
            return _kept[key]
        from ui.handout import build  # imports every view module: only when one is asked for

        data = build(lid, lang, teacher)
        _kept[key] = data
        while len(_kept) > HANDOUTS_KEPT:
            _kept.popitem(last=False)
        return data
