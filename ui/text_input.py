"""The shared sentence input: a text box, example chips that fill it and an optional comparison.

``text_input(prefix)`` draws the widgets and returns the sentence(s) without analysing them.
The sentences live in the query string under ``text`` and ``text2`` (the language stays under
``lang``, untouched), so a copied link reopens the same sentence. Used by the RNN page and the
side-by-side page.
"""

from __future__ import annotations

import json
from functools import lru_cache

import streamlit as st

from nets.paths import ASSETS
from ui.i18n import t

TEXT_KEY, TEXT2_KEY = "text", "text2"  # query-string keys
MAX_URL_CHARS = 4000  # the tokeniser reads at most this many characters anyway
CHIP_CHARS = 16  # chip labels are cut to this many characters


@lru_cache(maxsize=1)
def examples() -> list[dict]:
    """Example groups from ``assets/examples.json``: ``[{"id", "examples": [{"id", "text",
    "compare"?}]}]``."""
    data = json.loads((ASSETS / "examples.json").read_text(encoding="utf-8"))
    return data["groups"]


def example_by_id(eid: str) -> dict | None:
    """One example (``{"id", "text", "compare"?}``) by its id, or None."""
    for g in examples():
        for e in g["examples"]:
            if e["id"] == eid:
                return e
    return None


def chip_label(text: str) -> str:
    """A short chip label for an example sentence."""
    return text if len(text) <= CHIP_CHARS else text[: CHIP_CHARS - 1].rstrip() + "…"


def _keys(prefix: str) -> dict[str, str]:
    return {
        "text": f"{prefix}.text",
        "text2": f"{prefix}.text2",
        "cmp": f"{prefix}.compare_on",
        "saved": f"_{prefix}.saved",  # survives page switches (widget state does not)
    }


def _defaults(prefix: str) -> dict[str, str]:
    """The boxes' default values: the query string (a shared link), else this session's last
    values (the widgets' own state is dropped when the learner visits another page).

    Defaults only: they are passed as the widgets' ``value``, never written into session state,
    so what the browser sends always wins. A browser that reconnects to a new session (a server
    restart) sends what the learner just typed; writing ``?text=`` into session state there used
    to replace it with the link's sentence on that first run.
    """
    saved = st.session_state.get(_keys(prefix)["saved"], {})
    out = {}
    for name, qkey in (("text", TEXT_KEY), ("text2", TEXT2_KEY)):
        q = st.query_params.get(qkey)
        out[name] = (q if q is not None else saved.get(name, ""))[:MAX_URL_CHARS]
    return out


def _default(key: str, value) -> dict:
    """``{"value": value}`` for a widget's keyword arguments, or nothing when session state
    already holds the widget's value (its previous run, or a chip's callback): Streamlit then
    uses that, and logs a warning if a default is passed as well. Widgets with a key keep their
    identity whatever their default (Streamlit 1.67: the key is their main identity)."""
    return {} if key in st.session_state else {"value": value}


def _fill(prefix: str, pill_key: str) -> None:
    """Chip callback: copy the chosen example (and its comparison) into the text boxes."""
    k = _keys(prefix)
    ex = example_by_id(st.session_state.get(pill_key) or "")
    st.session_state[pill_key] = None  # a chip acts as a button
    if ex is None:
        return
    st.session_state[k["text"]] = ex["text"]
    if k["cmp"] in st.session_state or "compare" in ex:
        st.session_state[k["text2"]] = ex.get("compare", "")
        st.session_state[k["cmp"]] = "compare" in ex


def _sync_url(text: str, text2: str | None) -> None:
    """Write the sentences to the query string, leaving every other key (``lang``) alone."""
    for key, val in ((TEXT_KEY, text), (TEXT2_KEY, text2)):
        val = (val or "")[:MAX_URL_CHARS]
        if val:
            if st.query_params.get(key) != val:
                st.query_params[key] = val
        elif key in st.query_params:
            del st.query_params[key]


def text_input(prefix: str, compare: bool = True) -> tuple[str, str | None]:
    """Show the sentence box, the example chips and (optionally) a comparison box.

    Args:
        prefix: session-state namespace (e.g. ``"rnn"``); every widget key starts with it.
        compare: offer the optional comparison sentence.

    Returns:
        ``(text, text2)``: the sentence as typed (possibly empty) and the comparison sentence,
        or None when comparison is off or empty.
    """
    k = _keys(prefix)
    default = _defaults(prefix)
    text = st.text_area(
        t("rnn.input.label"),
        key=k["text"],
        **_default(k["text"], default["text"]),
        placeholder=t("rnn.input.placeholder"),
        height=90,
        max_chars=MAX_URL_CHARS,
    )
    text2 = None
    on = _default(k["cmp"], bool(default["text2"]))
    if compare and st.toggle(t("rnn.input.compare_on"), key=k["cmp"], **on):
        text2 = st.text_input(
            t("rnn.input.compare_label"),
            key=k["text2"],
            **_default(k["text2"], default["text2"]),
            placeholder=t("rnn.input.compare_placeholder"),
            max_chars=MAX_URL_CHARS,
        )
    box = st.expander(
        t("rnn.input.examples"),
        icon=":material/lightbulb:",
        expanded=not text,
        key=f"{prefix}.examples",
        on_change="rerun",  # tracked: the chips are only built while it is open (.open)
    )
    with box:
        for g in examples() if box.open is not False else ():
            pill_key = f"{prefix}.ex.{g['id']}"
            labels = {e["id"]: chip_label(e["text"]) for e in g["examples"]}
            st.pills(
                t(f"rnn.group.{g['id']}"),
                options=list(labels),
                format_func=labels.__getitem__,
                key=pill_key,
                on_change=_fill,
                args=(prefix, pill_key),
            )
    text2 = text2 or None
    st.session_state[k["saved"]] = {"text": text, "text2": text2 or ""}
    _sync_url(text, text2)
    return text, text2
