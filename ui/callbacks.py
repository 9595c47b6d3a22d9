"""Widget callbacks that live outside the page scripts, so a session does not keep old runs alive.

Streamlit (1.67) keeps every widget's metadata (its ``on_change``/``on_select`` callback, its
``format_func``) in the session for the session's whole life, one entry per distinct widget id,
and never prunes it (``WStates.widget_metadata``). A plotly chart's widget id hashes its whole
figure, and a key that contains the input (e.g. a hash of the sentence) makes a new id per
input, so such entries pile up. A function defined in a page script holds that run's whole
namespace (its ``__globals__`` is the run's module dict: the analysis, its arrays, ...), so each
entry would keep one run alive: ≈ 55 KB per RNN sentence per session, measured with
``bench/mem_trace.py``. A callback from this module holds only its arguments.
"""

from __future__ import annotations

from functools import partial

import streamlit as st

from ui.i18n import t


def pick_step(chart_key: str, step_key: str) -> None:
    """Chart click: set ``step_key`` to the clicked point's step (``customdata[0]``, 0-based).

    Args:
        chart_key: the plotly chart's key (its selection event is in session state).
        step_key: the session-state key of the step widget to move.
    """
    event = st.session_state.get(chart_key)
    try:
        points = event["selection"]["points"]
    except (KeyError, TypeError):
        return
    for p in points:
        cd = p.get("customdata")
        if cd is not None and len(cd) >= 2:
            st.session_state[step_key] = int(cd[0])
            return


def step_picker(chart_key: str, step_key: str) -> partial:
    """An ``on_select`` callback for ``st.plotly_chart`` that runs :func:`pick_step`.

    Args:
        chart_key: the chart's key.
        step_key: the step widget's key.

    Returns:
        A ``functools.partial`` holding only the two keys (no page globals).
    """
    return partial(pick_step, chart_key, step_key)


def _step_label(tokens: tuple[str, ...], i: int) -> str:
    return f"{i + 1} · {tokens[i]}"


def step_labeller(tokens) -> partial:
    """A ``format_func`` for a step slider: ``"t · token"`` (1-based), holding only the tokens.

    Args:
        tokens: the sentence's tokens as written.

    Returns:
        A ``functools.partial`` (no page globals).
    """
    return partial(_step_label, tuple(tokens))


def view_opened(ns: str, ids: tuple[str, ...], labels: tuple[str, ...]) -> None:
    """Tabs callback of :func:`ui.view.render`: remember the opened view and put it in the URL.

    Args:
        ns: the page's namespace (the tabs' key is ``f"{ns}._views"``).
        ids: the views' ids, in tab order.
        labels: the tabs' labels in the current language, same order.
    """
    label = st.session_state.get(f"{ns}._views")
    if label not in labels:
        return
    vid = ids[labels.index(label)]
    st.session_state[f"_{ns}.view"] = vid
    st.query_params["view"] = vid


def translated(prefix: str, lang: str, value) -> str:
    """A ``format_func`` body: the UI string ``prefix + value`` in ``lang``.

    Use as ``partial(translated, "rnn.order.", lang)``: a partial holds only its arguments.
    """
    return t(f"{prefix}{value}", lang)
