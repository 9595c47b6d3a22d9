"""UI strings: every key the app's code uses exists in both languages; no page renders raw HTML."""

from __future__ import annotations

import json
import re
import string
from pathlib import Path

from ui.i18n import LANGS, strings

ROOT = Path(__file__).resolve().parent.parent
I18N = ROOT / "assets" / "i18n"
CODE = sorted(
    [ROOT / "app.py", *ROOT.glob("pages/*.py"), *ROOT.glob("ui/**/*.py"), *ROOT.glob("viz/*.py")]
)
# t("key"), ctx.t("key"), t(f"prefix.{x}"), View(..., "title.key", ...) and *_key="…" arguments
USE = re.compile(r"""\bt\(\s*f?["']([\w.{}\[\]'"-]+)["']""")
TITLE = re.compile(r"""View\(\s*["'][\w.]+["'],\s*["']([\w.]+)["']""")


def used_keys() -> set[str]:
    from ui.model_card import COLUMNS, DATA_KEY, card_models

    used = set(COLUMNS) | set(DATA_KEY.values()) | {f"card.model.{n}" for n in card_models()}
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


# ----------------------------------------------------------------------------- UI strings


def all_strings() -> dict[Path, dict]:
    return {p: json.loads(p.read_text(encoding="utf-8")) for p in sorted(I18N.glob("*.json"))}


def test_every_ui_string_has_zh_and_en():
    for path, entries in all_strings().items():
        assert isinstance(entries, dict), path.name
        for key, val in entries.items():
            assert isinstance(val, dict), (path.name, key)
            for lang in LANGS:
                text = val.get(lang)
                assert isinstance(text, str) and text.strip(), (path.name, key, lang)


def test_ui_string_keys_are_unique_across_files():
    seen: dict[str, str] = {}
    for path, entries in all_strings().items():
        for key in entries:
            assert key not in seen, f"{key} in both {seen[key]} and {path.name}"
            seen[key] = path.name


def test_zh_and_en_use_the_same_placeholders():
    fields = lambda s: sorted(f for _, f, _, _ in string.Formatter().parse(s) if f)  # noqa: E731
    for path, entries in all_strings().items():
        for key, val in entries.items():
            if isinstance(val, dict) and all(isinstance(val.get(lg), str) for lg in LANGS):
                assert fields(val["zh"]) == fields(val["en"]), (path.name, key)
