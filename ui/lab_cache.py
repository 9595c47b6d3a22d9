"""Cached reads for the claims lab page (the results files, their verdicts, the typed pair).

The results are read once per set of files (keyed by their modification times) and shared by
every session without a copy (``st.cache_resource``): views only read them. The verdicts are
computed from them by ``nets.lab.verdicts`` (pure, numbers in). Nothing here trains.
"""

from __future__ import annotations

import streamlit as st

from nets.lab import results as lab_results


@st.cache_resource(max_entries=2, show_spinner=False)
def _results(stamp: tuple) -> dict:
    return lab_results.read_all()


def results() -> dict:
    """Every section's results (``assets/metrics/lab/*.json``), shared, read-only."""
    return _results(lab_results.stamp())


@st.cache_resource(max_entries=2, show_spinner=False)
def _verdicts(stamp: tuple) -> dict:
    from nets.lab.verdicts import all_verdicts

    return all_verdicts(_results(stamp))


def verdicts() -> dict:
    """claim → :class:`nets.lab.verdicts.Verdict`, from :func:`results`."""
    return _verdicts(lab_results.stamp())


@st.cache_data(max_entries=64, show_spinner=False)
def typed_pair(a: str, b: str) -> dict:
    """Both app text models on a typed pair, and the edit between the two sentences.

    Returns:
        {"cnn": [P(+) a, P(+) b], "rnn": [...], "start", "removed", "inserted",
        "tokens_a", "tokens_b"}.

    Raises:
        InputError: a sentence cannot be read.
    """
    from nets.analyze import encode
    from nets.contrast import batch_probs, token_edit

    ta, tb = encode(a).tokens, encode(b).tokens
    e = token_edit(ta, tb)
    return {
        "cnn": [float(p) for p in batch_probs([a, b], "text_cnn")],
        "rnn": [float(p) for p in batch_probs([a, b], "text_gru")],
        "start": e.start,
        "removed": list(e.removed),
        "inserted": list(e.inserted),
        "tokens_a": list(ta),
        "tokens_b": list(tb),
    }
