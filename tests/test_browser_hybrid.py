"""The CNN + RNN page in Chromium: two digits drawn on the real canvas are read as a two-digit
number; every view opens; a phone gets a canvas that fits. Screenshots: test-artifacts/hybrid-*."""

from __future__ import annotations

import re

import pytest
from conftest import ARTIFACTS, assert_no_exception, screenshot_full, wait_for_app
from playwright.sync_api import expect

from ui.i18n import t
from ui.views import hybrid as views

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]
ALERT = '[data-testid="stAlert"]'
CHART = '[data-testid="stPlotlyChart"]'
PHONE_UA = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0 Mobile Safari/537.36"
)


def real_errors(page) -> list[str]:
    """Console errors, minus Streamlit's own probes of /<page>/_stcore/* on a page URL."""
    return [e for e in page.console_errors if "404" not in e]


def open_hybrid(page, base: str, lang: str = "en", query: str = "") -> None:
    page.goto(f"{base}/hybrid?lang={lang}{query}")
    wait_for_app(page)
    assert_no_exception(page)
    expect(page.locator("h1").first).to_have_text(t("hybrid.title", lang))


def stroke(page, points: list[tuple[float, float]]) -> None:
    """One pen stroke through ``points`` (page coordinates)."""
    page.mouse.move(*points[0])
    page.mouse.down()
    for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False):
        for i in range(1, 9):
            page.mouse.move(x0 + (x1 - x0) * i / 8, y0 + (y1 - y0) * i / 8)
    page.mouse.up()


def test_two_digits_drawn_on_the_canvas_are_read(page, app_server):
    open_hybrid(page, app_server)
    page.get_by_role("radio", name=t("hybrid.input.draw", "en"), exact=True).click()
    wait_for_app(page)
    canvas = page.locator(".st-key-hybrid-canvas-ocr-640-0 canvas").last
    canvas.wait_for()
    box = canvas.bounding_box()
    x, y, h = box["x"], box["y"], box["height"]
    top, bottom = y + 0.18 * h, y + 0.82 * h
    stroke(page, [(x + 70, top), (x + 70, bottom)])  # a "1"
    stroke(page, [(x + 130, top), (x + 190, top), (x + 148, bottom)])  # a "7"
    want = t("hybrid.reads", "en", number="17").replace("**", "")
    # the alert's text starts with its icon's ligature name; the number must end it
    expect(page.locator(ALERT).first).to_have_text(
        re.compile(re.escape(want) + r"\s*$"), timeout=60_000
    )
    wait_for_app(page)
    assert_no_exception(page)
    screenshot_full(page, ARTIFACTS / "hybrid-drawn-1280.png")
    assert real_errors(page) == []


@pytest.mark.parametrize("part", ["ocr", "motion"])
def test_every_view_opens_without_error_and_the_url_follows(page, app_server, part):
    open_hybrid(page, app_server, query=f"&part={part}")
    ids = views.OCR_VIEWS if part == "ocr" else views.MOTION_VIEWS
    for v in ids:
        page.get_by_role("tab", name=t(v.title_key, "en")).click()
        expect(page).to_have_url(re.compile(rf"view={re.escape(v.id)}"), timeout=30_000)
        wait_for_app(page)
        assert_no_exception(page)
        expect(page.locator(CHART).last).to_be_visible()
        assert page.get_by_text(t("view.error", "en")).count() == 0, v.id
    screenshot_full(page, ARTIFACTS / f"hybrid-{part}-1280.png")
    assert real_errors(page) == []


@pytest.mark.viewport(390, 844)
@pytest.mark.context(user_agent=PHONE_UA)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_phone_gets_a_canvas_that_fits(page, app_server, lang):
    open_hybrid(page, app_server, lang)
    page.get_by_role("radio", name=t("hybrid.input.draw", lang), exact=True).click()
    wait_for_app(page)
    page.locator(".st-key-hybrid-canvas-ocr-340-0 canvas").last.wait_for()
    widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], widths
    screenshot_full(page, ARTIFACTS / f"hybrid-{lang}-390.png")
    assert real_errors(page) == []
