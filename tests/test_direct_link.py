"""A shared link opened on a freshly started server still gets the app's shell.

Streamlit starts in "pages folder" mode because ``pages/`` sits beside ``app.py``; without
``ui/shell.require_shell`` the first sessions to open ``/rnn?...`` directly ran the page alone
(file names as navigation, no language switch) until someone opened the home page.
"""

from __future__ import annotations

import pytest
from conftest import ARTIFACTS, assert_no_exception, started_server, wait_for_app

from ui.i18n import t
from ui.nav import existing_pages

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

SIDEBAR = '[data-testid="stSidebar"]'


@pytest.fixture
def fresh_server():
    """A server no session has visited yet (the shared app_server is warm from other tests)."""
    ARTIFACTS.mkdir(exist_ok=True)
    with started_server(ARTIFACTS / "streamlit-direct-link.log") as base:
        yield base


def test_first_request_to_a_page_link_runs_inside_the_shell(fresh_server, browser):
    text = "the room was small but very clean"
    for round_ in range(2):  # the very first session, and the one after it
        ctx = browser.new_context(viewport={"width": 1280, "height": 900})
        page = ctx.new_page()
        try:
            page.goto(f"{fresh_server}/rnn?lang=en&text={text.replace(' ', '%20')}")
            wait_for_app(page)
            page.wait_for_selector(".js-plotly-plot", timeout=60_000)
            assert_no_exception(page)
            nav = page.locator(f'{SIDEBAR} [data-testid="stSidebarNav"]').inner_text()
            for spec in existing_pages():  # the shell's titles, not file names
                assert t(spec.title_key, "en") in nav, (round_, nav)
            assert "app" not in nav.split(), nav  # pages-folder mode lists app.py as "app"
            assert page.locator(f'{SIDEBAR} [data-testid="stButtonGroup"]').count() == 1
            assert page.get_by_text(t("rnn.title", "en")).count() >= 1
            assert text in page.locator("textarea").first.input_value()
        finally:
            ctx.close()
