"""After a server restart the browser reconnects to a new session: the first sentence typed there
must be analysed on the first try (issue 18: it used to revert to the URL's ``?text=``)."""

from __future__ import annotations

import os
from urllib.parse import parse_qs, quote, urlparse

import pytest
from conftest import (
    ARTIFACTS,
    MAIN_SELECTOR,
    _free_port,
    assert_no_exception,
    server_process,
    wait_for_app,
)
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

TEXTAREA = '[data-testid="stTextArea"] textarea'
CONNECTED = '[data-testid="stApp"][data-test-connection-state="CONNECTED"]'
FROM_URL = "the food was good"
TYPED = "breakfast was cold and the waiter was rude"


def test_first_sentence_typed_after_a_restart_is_analysed(page):
    port = _free_port()
    ARTIFACTS.mkdir(exist_ok=True)
    log = ARTIFACTS / f"reconnect-{os.getpid()}"
    with server_process(log.with_suffix(".1.log"), port=port) as (base, _):
        # the attention view shows the analysed sentence as highlighted text
        page.goto(f"{base}/rnn?lang=en&view=rnn.attention&text={quote(FROM_URL)}")
        wait_for_app(page)
        expect(page.locator(TEXTAREA).first).to_have_value(FROM_URL)
    # The server is gone; the page keeps trying to reconnect. Same port, new process.
    with server_process(log.with_suffix(".2.log"), port=port):
        page.wait_for_selector(CONNECTED, state="attached", timeout=60_000)
        wait_for_app(page)
        box = page.locator(TEXTAREA).first
        box.fill(TYPED)
        box.press("Control+Enter")  # the first rerun this new session sees
        main = page.locator(MAIN_SELECTOR)
        expect(main.locator('[data-testid="stMarkdownContainer"]', has_text="breakfast").first)
        expect(
            main.locator('[data-testid="stMarkdownContainer"]', has_text="waiter").first
        ).to_be_visible(timeout=60_000)
        wait_for_app(page)
        assert_no_exception(page)
        assert box.input_value() == TYPED
        assert parse_qs(urlparse(page.url).query)["text"] == [TYPED]
