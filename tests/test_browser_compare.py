"""The side-by-side page in Chromium: opens, switches language, shows the tables and both
columns for a sentence and for a digit, without sideways scroll on a phone.

Screenshots land in test-artifacts/compare-<mode>-<lang>-<width>.png for a human look.
"""

from __future__ import annotations

import re

import pytest
from conftest import ARTIFACTS, assert_no_exception, screenshot_full, wait_for_app
from playwright.sync_api import expect

from ui.i18n import t

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

SWITCH = '[data-testid="stSidebar"] [data-testid="stButtonGroup"]'
LANG_NAMES = {"zh": "中文", "en": "English"}
TABLE = '[data-testid="stTable"]'


def open_compare(page, base: str, lang: str, mode: str = "text") -> None:
    """Open the home page, then the compare page through its link (so app.py's navigation and
    sidebar run; loading /compare directly makes Streamlit probe /compare/_stcore/… first, a
    404 in the console), then pick the input type."""
    page.goto(f"{base}/?lang={lang}")
    wait_for_app(page, 120_000)
    page.locator('[data-testid="stPageLink"] a', has_text=t("nav.compare", lang)).click()
    expect(page).to_have_url(re.compile(rf"/compare\?lang={lang}"), timeout=60_000)
    wait_for_app(page, 120_000)
    expect(page.locator("h1").first).to_have_text(t("compare.title", lang), timeout=60_000)
    if mode == "image":
        page.get_by_role("radio", name=t("compare.mode.image", lang)).click()
        expect(page.locator("h4", has_text=t("compare.name.rowgru", lang)).first).to_be_visible(
            timeout=120_000
        )
        wait_for_app(page, 120_000)
    assert_no_exception(page)


def expect_columns(page, lang: str, mode: str) -> None:
    names = ("textcnn", "gru") if mode == "text" else ("cnn", "rowgru")
    for n in names:
        expect(page.locator("h4", has_text=t(f"compare.name.{n}", lang)).first).to_be_visible(
            timeout=60_000
        )
    # The headings render before the chart under them; wait for the chart, not a snapshot.
    page.wait_for_function(
        "document.querySelectorAll('[data-testid=\"stPlotlyChart\"]').length >= 1",
        timeout=60_000,
    )


def test_open_switch_language_tables_and_both_columns(page, app_server):
    open_compare(page, app_server, "en")
    expect(page.locator("h1").first).to_have_text(t("compare.title", "en"))
    expect_columns(page, "en", "text")
    expect(page.locator(TABLE).first).to_be_visible()
    screenshot_full(page, ARTIFACTS / "compare-text-en-1280.png")

    page.locator(SWITCH).get_by_role("radio", name=LANG_NAMES["zh"]).click()
    expect(page.locator("h1").first).to_have_text(t("compare.title", "zh"), timeout=60_000)
    wait_for_app(page, 120_000)
    assert_no_exception(page)
    expect_columns(page, "zh", "text")
    expect(page.locator(TABLE).first).to_contain_text("数据结构")
    page.get_by_role("tab", name=t("compare.view.claims", "zh")).click()
    expect(page).to_have_url(re.compile(r"view=compare\.claims"), timeout=30_000)
    wait_for_app(page, 120_000)
    assert_no_exception(page)
    claims = page.locator(TABLE, has_text=t("lab.claim.training_speed", "zh"))
    expect(claims.first).to_contain_text(t("lab.col.verdict", "zh"))  # the lab's verdicts
    screenshot_full(page, ARTIFACTS / "compare-text-zh-1280.png")

    page.get_by_role("radio", name=t("compare.mode.image", "zh")).click()
    expect(page.locator("h4", has_text=t("compare.name.rowgru", "zh")).first).to_be_visible(
        timeout=120_000
    )
    wait_for_app(page, 120_000)
    assert_no_exception(page)
    # the claims view (a table) stays open across modes; the digit predictions are a view too
    page.get_by_role("tab", name=t("compare.view.image", "zh")).click()
    expect(page).to_have_url(re.compile(r"view=compare\.image"), timeout=30_000)
    wait_for_app(page, 120_000)
    expect_columns(page, "zh", "image")
    expect(page.get_by_role("tab", name=t("compare.view.row_scan", "zh"))).to_be_visible()
    screenshot_full(page, ARTIFACTS / "compare-image-zh-1280.png")
    assert page.console_errors == []


@pytest.mark.viewport(390, 844)
@pytest.mark.parametrize("mode", ["text", "image"])
def test_phone_width(page, app_server, mode):
    open_compare(page, app_server, "en", mode)
    expect_columns(page, "en", mode)
    widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], widths
    screenshot_full(page, ARTIFACTS / f"compare-{mode}-en-390.png")
    widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], widths
    assert page.console_errors == []
