"""The one exception for rejected user input, with its message in both languages.

Messages live in ``assets/i18n/<area>.json`` (``{"key": {"zh": ..., "en": ...}}``, the app's
string files); ``rejection`` builds an ``InputError`` from one of them with a tiny JSON reader,
so ``nets`` needs no UI code to speak both languages.
"""

from __future__ import annotations

import json
from functools import lru_cache

from .paths import ASSETS


class InputError(ValueError):
    """A user input the app cannot analyse.

    Args:
        code: a short machine-readable reason, e.g. ``"not_an_image"``.
        zh: the message in Chinese.
        en: the message in English.
    """

    def __init__(self, code: str, zh: str, en: str):
        super().__init__(en)
        self.code = code
        self.zh = zh
        self.en = en
        self.key: str | None = None  # the message's string key, when built by ``rejection``
        self.fmt: dict = {}  # ... and the values filled into it

    def message(self, lang: str) -> str:
        """Return the message in ``lang`` (``"zh"`` or ``"en"``)."""
        return self.zh if lang == "zh" else self.en

    def __reduce__(self):  # keeps the exception picklable (st.cache_data, multiprocessing)
        return (type(self), (self.code, self.zh, self.en))


@lru_cache(maxsize=8)
def strings(area: str) -> dict[str, dict[str, str]]:
    """The bilingual strings of ``assets/i18n/<area>.json``."""
    return json.loads((ASSETS / "i18n" / f"{area}.json").read_text(encoding="utf-8"))


def rejection(code: str, key: str, area: str = "upload", **fmt) -> InputError:
    """An ``InputError`` whose messages are the string ``key`` of ``area``, formatted with ``fmt``.

    Args:
        code: the machine-readable reason.
        key: a key of ``assets/i18n/<area>.json``.
        area: the string file.
        **fmt: values for the message's ``{placeholders}``.
    """
    entry = strings(area)[key]
    err = InputError(code, entry["zh"].format(**fmt), entry["en"].format(**fmt))
    err.key, err.fmt = key, dict(fmt)
    return err
