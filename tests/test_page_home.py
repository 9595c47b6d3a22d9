"""The app shell under AppTest: app.py (language, navigation) and the home page with its model card."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ui import model_card
from ui.i18n import LANGS, t
from ui.model_card import COLUMNS, MODEL_NAMES
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
