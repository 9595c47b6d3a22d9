"""The time-series page in Chromium: a CSV uploaded through the real file input, fitted live,
then the forecast chart of the learner's series; a shared link opening the same forecast; the
uploaded CSV never on disk.
Screenshots land in test-artifacts/series-*.png."""

from __future__ import annotations

import secrets
import time

import numpy as np
import pytest
from conftest import ARTIFACTS, ROOT, assert_no_exception, screenshot_full, wait_for_app
from playwright.sync_api import expect
from test_privacy import files_containing, private_server  # noqa: F401  (a fixture)

from ui.i18n import t

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]
CHART = '[data-testid="stPlotlyChart"]'


def real_errors(page) -> list[str]:
    """Console errors, minus Streamlit's own probes of /<page>/_stcore/* on a page URL."""
    return [e for e in page.console_errors if "404" not in e]


def test_upload_a_csv_fit_it_and_see_the_forecast(page, app_server, tmp_path):
    rng = np.random.default_rng(3)
    lines = ["hour,visitors"] + [
        f"h{i},{50 + 20 * np.sin(2 * np.pi * i / 24) + rng.normal(0, 2):.2f}" for i in range(400)
    ]
    path = tmp_path / "visitors.csv"
    path.write_text("\n".join(lines), encoding="utf-8")
    page.goto(f"{app_server}/series?lang=en&view=series.yours")
    wait_for_app(page)
    assert_no_exception(page)
    expect(page.locator("h1").first).to_have_text(t("series.title", "en"))
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(path))
    fit = page.get_by_role("button", name=t("series.yours.fit", "en"))
    expect(fit).to_be_visible(timeout=60_000)
    wait_for_app(page)
    fit.click()
    # the fit (≤ 15 s) reruns the page on the learner's series, forecasts tab opened
    expect(page.get_by_role("tab", name=t("series.view.forecast", "en"))).to_have_attribute(
        "aria-selected", "true", timeout=90_000
    )
    wait_for_app(page, 90_000)
    assert_no_exception(page)
    chart = page.locator(CHART).first
    expect(chart).to_be_visible()
    expect(chart.locator(".legendtext", has_text="GRU")).to_be_visible(timeout=30_000)
    expect(chart.locator(".legendtext", has_text=t("series.model.tcn", "en"))).to_be_visible()
    assert "series=yours" in page.url and "view=series.forecast" in page.url
    screenshot_full(page, ARTIFACTS / "series-yours-forecast.png")
    assert real_errors(page) == []


def test_a_shared_link_opens_the_same_forecast_in_chinese(page, app_server):
    page.goto(f"{app_server}/series?lang=zh&series=load&point=20&horizon=6&view=series.lookback")
    wait_for_app(page)
    assert_no_exception(page)
    expect(page.get_by_role("tab", name=t("series.view.lookback", "zh"))).to_have_attribute(
        "aria-selected", "true"
    )
    chart = page.locator(CHART).first
    expect(chart.locator(".legendtext", has_text="GRU")).to_be_visible(timeout=30_000)
    expect(chart.get_by_text(t("series.mark.day", "zh"))).to_be_visible()
    assert "point=20" in page.url and "horizon=6" in page.url
    screenshot_full(page, ARTIFACTS / "series-load-lookback-zh.png")
    assert real_errors(page) == []


def test_an_uploaded_csv_never_touches_disk(private_server, browser):  # noqa: F811
    """The privacy test's check (tests/test_privacy.py) for a CSV upload and its live fit."""
    base, tmp = private_server
    marker = "PRIVACY-" + secrets.token_hex(16)
    lines = ["label,value"] + [f"{marker}-{i},{(i * 37) % 101 + i * 0.1:.1f}" for i in range(120)]
    data = "\n".join(lines).encode()
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    try:
        page = context.new_page()
        page.goto(f"{base}/series?lang=en&view=series.yours")
        wait_for_app(page)
        file_input = page.locator('[data-testid="stFileUploader"] input[type="file"]')
        file_input.set_input_files({"name": "m.csv", "mimeType": "text/csv", "buffer": data})
        fit = page.get_by_role("button", name=t("series.yours.fit", "en"))
        expect(fit).to_be_visible(timeout=60_000)
        wait_for_app(page)
        fit.click()
        expect(page.locator(CHART).first).to_be_visible(timeout=90_000)
        wait_for_app(page, 90_000)
        assert_no_exception(page)
    finally:
        context.close()
    time.sleep(0.5)
    assert not list(tmp.iterdir()), sorted(tmp.iterdir())
    assert not files_containing(ROOT, marker.encode())
