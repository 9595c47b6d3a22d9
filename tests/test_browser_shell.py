"""The app shell in a real browser: both languages, the sidebar switch, a phone-width layout.

Screenshots of the home page land in test-artifacts/ (home-<lang>-<width>.png) for a human look.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest
from conftest import ARTIFACTS, assert_no_exception, screenshot_full, wait_for_app
from playwright.sync_api import expect

from ui.i18n import LANGS, t
from ui.nav import PAGES, existing_pages

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

LANG_NAMES = {"zh": "中文", "en": "English"}
SIDEBAR = '[data-testid="stSidebar"]'
SWITCH = f'{SIDEBAR} [data-testid="stButtonGroup"]'

# Draw two different characters with the heading's font: a missing CJK font gives the same
# "tofu" box (or nothing) for both, a real font gives two different, non-empty glyphs.
GLYPHS_DIFFER_JS = """
([a, b]) => {
  const h1 = document.querySelector('h1');
  const font = getComputedStyle(h1).fontFamily;
  const draw = ch => {
    const c = document.createElement('canvas'); c.width = 64; c.height = 64;
    const g = c.getContext('2d'); g.fillStyle = '#000'; g.font = `48px ${font}`;
    g.textBaseline = 'top'; g.fillText(ch, 4, 4);
    return Array.from(g.getImageData(0, 0, 64, 64).data);
  };
  const pa = draw(a), pb = draw(b);
  const inked = p => p.some((v, i) => i % 4 === 3 && v > 0);
  return {inked: inked(pa) && inked(pb), differ: pa.some((v, i) => v !== pb[i])};
}
"""


def lang_of(url: str) -> str | None:
    return parse_qs(urlparse(url).query).get("lang", [None])[0]


def open_home(page, base: str, lang: str | None) -> None:
    page.goto(f"{base}/?lang={lang}" if lang else f"{base}/")
    wait_for_app(page)
    assert_no_exception(page)


@pytest.mark.parametrize("lang", LANGS)
def test_home_renders(page, app_server, lang):
    open_home(page, app_server, lang)
    expect(page.locator("h1").first).to_have_text(t("app.title", lang))
    expect(page.get_by_text(t("home.card", lang), exact=True)).to_be_visible()
    table = page.locator('[data-testid="stTable"]').first
    expect(table).to_contain_text(t("card.col.test_acc", lang))
    expect(page.locator(SWITCH)).to_be_visible()
    assert lang_of(page.url) == lang
    screenshot_full(page, ARTIFACTS / f"home-{lang}-1280.png")
    assert page.console_errors == []


def test_chinese_text_renders_with_a_real_font(page, app_server):
    open_home(page, app_server, "zh")
    heading = page.locator("h1").first
    expect(heading).to_contain_text("探索器")
    assert heading.bounding_box()["height"] > 0
    glyphs = page.evaluate(GLYPHS_DIFFER_JS, ["探", "索"])
    assert glyphs == {"inked": True, "differ": True}, "Chinese glyphs do not render (no CJK font?)"
    assert page.console_errors == []


@pytest.mark.parametrize(("start", "to"), [("zh", "en"), ("en", "zh")])
def test_sidebar_switch_changes_text_and_url(page, app_server, start, to):
    open_home(page, app_server, start)
    expect(page.locator("h1").first).to_have_text(t("app.title", start))
    page.locator(SWITCH).get_by_role("radio", name=LANG_NAMES[to]).click()
    expect(page.locator("h1").first).to_have_text(t("app.title", to))
    wait_for_app(page)
    assert_no_exception(page)
    assert lang_of(page.url) == to
    expect(page.locator(SIDEBAR)).to_contain_text(t("app.about", to))
    expect(page.locator(SWITCH).get_by_role("radio", name=LANG_NAMES[to])).to_be_checked()
    assert page.console_errors == []


@pytest.mark.parametrize("spec", PAGES, ids=[p.url_path for p in PAGES])
def test_language_survives_page_switches(page, app_server, spec):
    """Home page link and sidebar navigation both keep the language (the page itself is not
    checked here: its own tests do that)."""
    if spec not in existing_pages():
        pytest.skip(f"{spec.path} does not exist yet")
    open_home(page, app_server, "zh")
    page.locator('[data-testid="stPageLink"] a', has_text=t(spec.title_key, "zh")).click()
    # the page then adds its opened view (ui/view.py): ?lang=zh&view=<page>.<view>
    expect(page).to_have_url(re.compile(rf"{re.escape(app_server)}/{spec.url_path}\?lang=zh(&|$)"))
    wait_for_app(page)
    expect(page.locator(SWITCH).get_by_role("radio", name=LANG_NAMES["zh"])).to_be_checked()
    # The sidebar navigation's links carry no query string; the app restores the language.
    page.locator('[data-testid="stSidebarNav"] a', has_text=t("nav.home", "zh")).click()
    expect(page.locator("h1").first).to_have_text(t("app.title", "zh"))
    wait_for_app(page)
    assert lang_of(page.url) == "zh"


@pytest.mark.context(locale="zh-CN")
def test_browser_language_is_the_default_and_lands_in_the_url(page, app_server):
    open_home(page, app_server, None)
    expect(page.locator("h1").first).to_have_text(t("app.title", "zh"))
    expect(page).to_have_url(f"{app_server}/?lang=zh")
    assert page.console_errors == []


@pytest.mark.viewport(390, 844)
@pytest.mark.parametrize("lang", LANGS)
def test_phone_width_does_not_scroll_sideways(page, app_server, lang):
    open_home(page, app_server, lang)
    expect(page.locator("h1").first).to_have_text(t("app.title", lang))
    widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], widths
    screenshot_full(page, ARTIFACTS / f"home-{lang}-390.png")
    widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], widths
    assert page.console_errors == []
