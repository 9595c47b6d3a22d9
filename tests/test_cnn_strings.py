"""The CNN page's strings: every key it uses exists in both languages; no raw HTML."""

from __future__ import annotations

import json
import re
from pathlib import Path

from ui.i18n import LANGS, strings

ROOT = Path(__file__).resolve().parent.parent
FILES = [ROOT / p for p in ("pages/cnn.py", "ui/image_input.py")]


def test_cnn_keys_are_defined_in_both_languages():
    defined = strings()
    used = set()
    for path in FILES:
        used |= set(re.findall(r"""\bt\(\s*f?["']([\w.{}]+)["']""", path.read_text("utf-8")))
    static = {k for k in used if "{" not in k}
    assert static, "no t(...) calls found"
    assert static <= set(defined), sorted(static - set(defined))
    dynamic = {k.split("{")[0] for k in used if "{" in k}
    for prefix in dynamic:
        assert any(k.startswith(prefix) for k in defined), prefix
    own = json.loads((ROOT / "assets/i18n/cnn.json").read_text("utf-8"))
    assert all(k.startswith("cnn.") for k in own)
    for entry in own.values():
        assert all(entry[lang].strip() for lang in LANGS)


def test_no_raw_html():
    for path in [*FILES, ROOT / "viz/cnn.py"]:
        assert "unsafe_allow_html" not in path.read_text("utf-8"), path
