"""The RNN page in Chromium: typed HTML stays text, shared links reopen the sentence, phone width.

Screenshots land in test-artifacts/ (rnn-<lang>-<width>.png) for a human look.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, quote, urlparse

import pytest
from conftest import ARTIFACTS, MAIN_SELECTOR, assert_no_exception, screenshot_full, wait_for_app
from playwright.sync_api import expect

from ui.i18n import t

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

TEXTAREA = '[data-testid="stTextArea"] textarea'
CHART = '[data-testid="stPlotlyChart"]'
XSS = "<img src=x onerror=alert(1)> the staff were great"


def page_errors(page) -> list[str]:
    """Console errors, minus the 404s of Streamlit's own start-up probe: opened at a page URL
    (/rnn), its frontend first asks for /rnn/_stcore/health and /rnn/_stcore/host-config, then
    falls back to the root (checked in Chromium; every failed response is recorded below)."""
    bad = [u for u in page.failed_responses if "/_stcore/" not in u]
    assert bad == [], bad
    return [e for e in page.console_errors if "status of 404" not in e]


def open_rnn(page, base: str, **query) -> None:
    page.failed_responses = []
    page.on("response", lambda r: page.failed_responses.append(r.url) if r.status >= 400 else None)
    qs = "&".join(f"{k}={quote(v)}" for k, v in query.items())
    page.goto(f"{base}/rnn?{qs}")
    wait_for_app(page)
    assert_no_exception(page)


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlparse(url).query)


def test_typed_html_shows_literally_and_runs_nothing(page, app_server):
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    open_rnn(page, app_server, lang="en", view="rnn.attention")  # shows the highlighted text
    expect(page.locator("h1").first).to_have_text(t("rnn.title", "en"))
    box = page.locator(TEXTAREA).first
    box.fill(XSS)
    box.press("Control+Enter")
    expect(page.locator(CHART).first).to_be_visible(timeout=60_000)
    wait_for_app(page)
    assert_no_exception(page)
    page.wait_for_timeout(500)
    assert dialogs == []
    main = page.locator(MAIN_SELECTOR)
    assert main.locator('img[src="x"]').count() == 0
    assert page.evaluate("() => document.querySelectorAll('img[onerror]').length") == 0
    # The highlighted copy of the text shows the tag's characters as text.
    highlight = main.locator('[data-testid="stMarkdownContainer"]', has_text="onerror").first
    expect(highlight).to_be_visible()
    shown = highlight.inner_text()
    assert "<" in shown and "img" in shown and "onerror" in shown
    assert box.input_value() == XSS
    assert query_of(page.url)["text"] == [XSS]
    assert query_of(page.url)["lang"] == ["en"]
    assert dialogs == []
    assert page_errors(page) == []


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_shared_link_reopens_sentence_and_language(page, app_server, lang):
    open_rnn(page, app_server, text="not bad at all", text2="bad", lang=lang)
    expect(page.locator("h1").first).to_have_text(t("rnn.title", lang))
    expect(page.locator(TEXTAREA).first).to_have_value("not bad at all")
    expect(page.locator('[data-testid="stTextInput"] input').first).to_have_value("bad")
    expect(page.locator(CHART).first).to_be_visible()
    q = query_of(page.url)
    assert q["lang"] == [lang] and q["text"] == ["not bad at all"] and q["text2"] == ["bad"]
    screenshot_full(page, ARTIFACTS / f"rnn-{lang}-1280.png")
    assert page_errors(page) == []


def test_switching_views_draws_only_the_opened_one(page, app_server):
    open_rnn(page, app_server, text="not bad at all", lang="en")
    expect(page.locator(CHART)).to_have_count(1)  # the unrolled network only
    page.get_by_role("tab", name=t("rnn.view.gates", "en")).click()
    expect(page).to_have_url(re.compile(r"view=rnn\.gates"), timeout=30_000)
    wait_for_app(page)
    expect(page.locator(CHART)).to_have_count(2)  # gate means and the unit heatmaps
    assert query_of(page.url)["text"] == ["not bad at all"]
    page.reload()  # the URL reopens the same view
    wait_for_app(page)
    expect(page.get_by_role("tab", name=t("rnn.view.gates", "en"))).to_have_attribute(
        "aria-selected", "true"
    )
    assert page_errors(page) == []


@pytest.mark.viewport(390, 844)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_phone_width_does_not_scroll_sideways(page, app_server, lang):
    open_rnn(page, app_server, text="虽然价格有点贵，但是质量很好", text2="很好", lang=lang)
    expect(page.locator(CHART).first).to_be_visible()
    widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], widths
    screenshot_full(page, ARTIFACTS / f"rnn-{lang}-390.png")
    widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], widths
    assert page_errors(page) == []


def test_clicking_a_step_in_the_unrolled_network_selects_it(page, app_server):
    open_rnn(page, app_server, text="not bad at all, the staff were great", lang="en")
    slider = page.locator('[data-testid="stSlider"]').first
    expect(slider).to_contain_text("9 · great")  # the last step by default
    chart = page.locator(CHART).first  # the default view: the unrolled network
    chart.scroll_into_view_if_needed()
    nodes = chart.locator(".scatterlayer .trace").filter(has=page.locator(".points path"))
    h_nodes = nodes.nth(nodes.count() - 2).locator(".points path")  # h_t, then h0/output
    assert h_nodes.count() == 8  # the 8-step window over 9 tokens: steps 2..9
    h_nodes.nth(2).click(force=True)  # h_4, "all"
    expect(slider).to_contain_text("4 · all", timeout=30_000)
    wait_for_app(page)
    assert_no_exception(page)
    assert page_errors(page) == []
