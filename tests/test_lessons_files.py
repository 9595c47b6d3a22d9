"""The lesson files: each follows assets/lessons/schema.json, names views that exist, sets inputs
the models can read, has both languages, and every question can be answered and explained
(``nets.lessons.check_lesson``, which runs the models)."""

from __future__ import annotations

import importlib
import json
import re

import pytest
from jsonschema import Draft202012Validator

from nets import lessons as L
from ui.i18n import LANGS, strings
from ui.nav import PAGES
from ui.views import all_views

IDS = L.lesson_ids()
CJK = re.compile(r"[\u3400-\u9fff]")


def test_there_are_enough_lessons():
    assert len(IDS) >= 7
    orders = [L.load_lesson(lid)["order"] for lid in IDS]
    assert len(set(orders)) == len(orders), "two lessons share an order"
    files = {p.stem for p in L.LESSONS_DIR.glob("*.json")} - {"schema"}
    assert set(IDS) == files


def test_the_schema_is_a_valid_schema():
    Draft202012Validator.check_schema(L.schema())


@pytest.mark.parametrize("lid", IDS)
def test_lesson_follows_the_schema(lid):
    lesson = L.load_lesson(lid)
    errors = sorted(Draft202012Validator(L.schema()).iter_errors(lesson), key=str)
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors]
    assert lesson["id"] == lid
    assert 5 <= len(lesson["steps"]) <= 8


@pytest.mark.parametrize("lid", IDS)
def test_lesson_views_exist_and_can_take_the_input(lid):
    views = all_views()
    pages = {s.url_path for s in PAGES}
    for i, step in enumerate(L.load_lesson(lid)["steps"]):
        vid = step["view"]
        assert vid in views, f"{lid} step {i + 1}: no view {vid!r}"
        page = vid.split(".", 1)[0]
        assert page in pages, f"{lid} step {i + 1}: {page!r} is not a page of the app"
        module = importlib.import_module(f"ui.views.{page}")
        assert callable(getattr(module, "lesson_context", None)), f"{page} has no lesson_context"


@pytest.mark.parametrize("lid", IDS)
def test_lesson_texts_in_both_languages(lid):
    lesson = L.load_lesson(lid)
    texts = [lesson["title"], lesson["summary"]]
    for step in lesson["steps"]:
        texts += [step["title"], step["text"]]
        if "question" in step:
            texts += [step["question"]["ask"], step["question"]["explain"]]
    for both in texts:
        assert set(both) == set(LANGS)
        assert CJK.search(both["zh"]), f"not Chinese: {both['zh']!r}"
        assert re.search(r"[A-Za-z]{3}", both["en"]), f"not English: {both['en']!r}"
        # The same facts quoted in both languages.
        assert set(L.PLACEHOLDER.findall(both["zh"])) == set(L.PLACEHOLDER.findall(both["en"]))


@pytest.mark.parametrize("lid", IDS)
def test_lesson_checks_out_against_the_models(lid):
    assert L.check_lesson(L.load_lesson(lid)) == []


@pytest.mark.parametrize("lid", IDS)
def test_every_label_a_question_shows_is_translated(lid):
    defined = strings()
    for step in L.load_lesson(lid)["steps"]:
        if "question" not in step:
            continue
        sol = L.solve(step["question"], step["input"])
        labels = [lab for _, lab in sol.options]
        labels += [v for v in sol.facts.values() if isinstance(v, L.Label)]
        for lab in labels:
            if lab.key is not None:
                assert lab.key in defined, lab.key
                for lang in LANGS:
                    defined[lab.key][lang].format(**dict(lab.fmt))


def test_lesson_files_are_plain_utf8_json():
    for lid in IDS:
        raw = (L.LESSONS_DIR / f"{lid}.json").read_text(encoding="utf-8")
        assert json.loads(raw) == L.load_lesson(lid)
