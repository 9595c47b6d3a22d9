"""The lessons page in Chromium: a lesson played with the keyboard in presenter mode at
1280×720 (→ next, Enter reveals), the browser's back button, and the teacher's handout
downloaded and opened offline with every figure drawn."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from nets import lessons as L
from tests.conftest import assert_no_exception, wait_for_app
from ui.i18n import t

pytestmark = pytest.mark.browser
LESSON = "pair-1"  # same input, two architectures: the CNN-vs-RNN lesson


def real_errors(page, failed: list[str]) -> list[str]:
    """Console errors, minus the 404s of Streamlit's own start-up probe: opened at a page URL
    (``/lessons``) it first asks for ``/lessons/_stcore/…`` (as in test_browser_rnn.py)."""
    assert [u for u in failed if "/_stcore/" not in u] == []
    return [e for e in page.console_errors if "status of 404" not in e]


def step_of(page) -> int:
    return int(re.search(r"[?&]step=(\d+)", page.url).group(1))


def unfocus(page) -> None:
    """Keys go to the page, not to the widget clicked last (as after a teacher's click)."""
    page.evaluate("document.activeElement && document.activeElement.blur()")


def heading(page, text: str):
    return page.locator('[data-testid="stHeading"]').filter(has_text=text).first


@pytest.mark.viewport(1280, 720)
def test_play_a_lesson_with_the_keyboard_in_presenter_mode(app_server, page):
    lesson = L.load_lesson(LESSON)
    failed = []
    page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
    page.goto(f"{app_server}/lessons?lesson={LESSON}&step=1&present=1&lang=en")
    wait_for_app(page)
    assert page.locator('[data-testid="stSidebar"][aria-expanded="true"]').count() == 0
    assert page.locator('[data-testid="stDownloadButton"]').count() == 0
    for i, step in enumerate(lesson["steps"]):
        expect(heading(page, step["title"]["en"])).to_be_visible(timeout=60_000)
        wait_for_app(page)
        assert_no_exception(page)
        if "question" in step:
            unfocus(page)
            page.keyboard.press("Enter")
            answer = t("lessons.answer", "en", answer="").split("*")[0]
            expect(page.get_by_text(answer).first).to_be_visible(timeout=60_000)
            wait_for_app(page)
        if i < len(lesson["steps"]) - 1:
            unfocus(page)
            page.keyboard.press("ArrowRight")
            expect(page).to_have_url(re.compile(rf"step={i + 2}\b"), timeout=60_000)
    assert step_of(page) == len(lesson["steps"])
    page.keyboard.press("ArrowLeft")
    expect(page).to_have_url(re.compile(rf"step={len(lesson['steps']) - 1}\b"), timeout=60_000)
    page.go_back()  # the browser's back button walks the steps too
    expect(page).to_have_url(re.compile(rf"step={len(lesson['steps'])}\b"), timeout=60_000)
    expect(heading(page, lesson["steps"][-1]["title"]["en"])).to_be_visible(timeout=60_000)
    assert not real_errors(page, failed), page.console_errors


def test_handout_downloads_and_opens_offline(app_server, page, browser, tmp_path):
    from ui.handout import step_figures

    lid, lang = "cnn-1", "en"
    page.goto(f"{app_server}/lessons?lesson={lid}&step=1&lang={lang}")
    wait_for_app(page)
    button = page.get_by_role("button", name=t("lessons.handout.teacher", lang))
    with page.expect_download(timeout=120_000) as info:
        button.click()
    path = tmp_path / "handout.html"
    info.value.save_as(path)
    assert path.stat().st_size > 1_000_000  # plotly.js inlined

    expected = sum(len(step_figures(s, lang)) for s in L.load_lesson(lid)["steps"])
    offline = browser.new_context(offline=True, viewport={"width": 1000, "height": 800})
    try:
        requests = []
        view = offline.new_page()
        view.on("request", lambda r: requests.append(r.url))
        view.goto(path.as_uri())
        view.wait_for_function(
            "n => document.querySelectorAll('.plotly-graph-div .main-svg').length >= n",
            arg=expected,
            timeout=60_000,
        )
        assert view.locator(".plotly-graph-div").count() == expected
        assert [u for u in requests if not u.startswith("file:")] == []
        assert view.locator("section.step").count() == len(L.load_lesson(lid)["steps"])
    finally:
        offline.close()


def test_a_step_link_on_a_fresh_server(browser, tmp_path):
    """The URL round-trips: ``?lesson=…&step=…`` opened as the very first request of a server
    shows that step, in that language, inside the app's shell."""
    from tests.conftest import started_server

    step = L.load_lesson("rnn-2")["steps"][2]
    with started_server(tmp_path / "server.log") as base:
        page = browser.new_page(viewport={"width": 390, "height": 844})
        try:
            page.goto(f"{base}/lessons?lesson=rnn-2&step=3&lang=zh")
            wait_for_app(page)
            expect(heading(page, step["title"]["zh"])).to_be_visible(timeout=60_000)
            assert_no_exception(page)
            assert re.search(r"lesson=rnn-2", page.url) and step_of(page) == 3
            assert "lang=zh" in page.url
            chips = page.locator('[data-testid="stButtonGroup"]').filter(has_text="3")
            assert chips.count() >= 1
        finally:
            page.close()
