"""The one exception for rejected user input, with its message in both languages."""

from __future__ import annotations


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

    def message(self, lang: str) -> str:
        """Return the message in ``lang`` (``"zh"`` or ``"en"``)."""
        return self.zh if lang == "zh" else self.en

    def __reduce__(self):  # keeps the exception picklable (st.cache_data, multiprocessing)
        return (type(self), (self.code, self.zh, self.en))
