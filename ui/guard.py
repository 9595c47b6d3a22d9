"""One guard for every page section: a bilingual message, never a traceback."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from nets import InputError
from ui.i18n import current_lang, t


@contextmanager
def guarded(
    where: str, fallback_key: str, logger: logging.Logger, input_as: str = "warning"
) -> Iterator[None]:
    """Run a page section; show rejected input or an unexpected failure as a message.

    Args:
        where: the section's name, for the server log.
        fallback_key: UI string shown when the section fails unexpectedly.
        logger: the page's logger (the traceback goes there, not to the user).
        input_as: ``"warning"`` or ``"error"``: how an ``InputError`` is shown.
    """
    try:
        yield
    except InputError as exc:
        (st.error if input_as == "error" else st.warning)(exc.message(current_lang()))
    except Exception:
        logger.exception("page section %r failed", where)
        st.error(t(fallback_key), icon=":material/error:")
