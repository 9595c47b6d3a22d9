"""The RNN page in Chromium: switching the model changes the gate view (GRU → LSTM → BiGRU)."""

from __future__ import annotations

import re

import pytest
from conftest import ARTIFACTS, assert_no_exception, screenshot_full, wait_for_app
from playwright.sync_api import expect
from test_browser_rnn import CHART, open_rnn, page_errors, query_of

from ui.i18n import t

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]


def choose(page, label: str) -> None:
    """Click the segmented-control option showing ``label``."""
    buttons = page.locator('[data-testid="stButtonGroup"] button')
    buttons.filter(has_text=label).first.click()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_switching_the_model_changes_the_gate_view(page, app_server, lang):
    open_rnn(page, app_server, text="not bad at all, the staff were great", lang=lang,
             view="rnn.gates")  # fmt: skip
    main = page.locator('[data-testid="stMainBlockContainer"]')
    expect(page.locator(CHART)).to_have_count(2)  # GRU: gate means, z/r heatmaps
    expect(main).to_contain_text(t("rnn.gates.mean_z", lang)[:12])
    choose(page, t("family.arch.lstm", lang))
    expect(page).to_have_url(re.compile(r"model=lstm"), timeout=30_000)
    wait_for_app(page)
    expect(page.locator(CHART)).to_have_count(3, timeout=30_000)  # + the cell state beside h
    expect(main).to_contain_text(t("family.gates.cell_caption", lang)[:12])
    expect(page.locator(CHART).nth(1)).to_contain_text(t("family.gates.f", lang))
    choose(page, t("family.arch.bigru", lang))
    expect(page).to_have_url(re.compile(r"model=bigru"), timeout=30_000)
    wait_for_app(page)
    expect(page.locator(CHART)).to_have_count(2, timeout=30_000)
    expect(main).to_contain_text(t("family.gates.bi", lang)[:12])
    choose(page, t("family.tok.word", lang))
    expect(page).to_have_url(re.compile(r"tok=word"), timeout=30_000)
    wait_for_app(page)
    assert_no_exception(page)
    q = query_of(page.url)
    assert q["model"] == ["bigru"] and q["tok"] == ["word"] and q["view"] == ["rnn.gates"]
    screenshot_full(page, ARTIFACTS / f"rnn-family-bigru-word-{lang}.png")
    page.reload()  # the link reopens the same member
    wait_for_app(page)
    expect(main).to_contain_text(t("family.gates.bi", lang)[:12])
    assert page_errors(page) == []
