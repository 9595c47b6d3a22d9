"""UI strings: every key the app's code uses exists in both languages; no page renders raw HTML."""

from __future__ import annotations

import re
from pathlib import Path

from ui.i18n import LANGS, strings

ROOT = Path(__file__).resolve().parent.parent
CODE = sorted(
    [ROOT / "app.py", *ROOT.glob("pages/*.py"), *ROOT.glob("ui/**/*.py"), *ROOT.glob("viz/*.py")]
)
# t("key"), ctx.t("key"), t(f"prefix.{x}"), View(..., "title.key", ...) and *_key="…" arguments
USE = re.compile(r"""\bt\(\s*f?["']([\w.{}\[\]'"-]+)["']""")
TITLE = re.compile(r"""View\(\s*["'][\w.]+["'],\s*["']([\w.]+)["']""")


def used_keys() -> set[str]:
    used = set()
    for path in CODE:
        text = path.read_text("utf-8")
        used |= set(USE.findall(text)) | set(TITLE.findall(text))
    return used


def test_every_used_key_is_defined_in_both_languages():
    defined = strings()
    used = used_keys()
    static = {k for k in used if "{" not in k}
    assert len(static) > 100, "t(...) calls not found"
    assert static <= set(defined), sorted(static - set(defined))
    for prefix in {k.split("{")[0] for k in used if "{" in k}:
        assert any(k.startswith(prefix) for k in defined), prefix
    for key, entry in defined.items():
        assert all(str(entry.get(lang, "")).strip() for lang in LANGS), key


def test_no_raw_html():
    for path in CODE:
        assert "unsafe_allow_html" not in path.read_text("utf-8"), path
