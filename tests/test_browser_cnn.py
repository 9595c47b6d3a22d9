"""The CNN page in Chromium: a real upload through the file input, a stroke on the canvas,
every tab opened, and phone-width layout. Screenshots land in test-artifacts/cnn-*.png."""

from __future__ import annotations

import re

import numpy as np
import pytest
from conftest import ARTIFACTS, assert_no_exception, screenshot_full, wait_for_app
from PIL import Image
from playwright.sync_api import expect

import nets
from nets.registry import load_npz
from ui.i18n import t
from ui.views import cnn as views

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]
ALERT = '[data-testid="stAlert"]'
CHART = '[data-testid="stPlotlyChart"]'


def real_errors(page) -> list[str]:
    """Console errors, minus Streamlit's own probes of /<page>/_stcore/* on a page URL."""
    return [e for e in page.console_errors if "404" not in e]


def open_cnn(page, base: str, lang: str = "en") -> None:
    page.goto(f"{base}/cnn?lang={lang}")
    wait_for_app(page)
    assert_no_exception(page)
    expect(page.locator("h1").first).to_have_text(t("cnn.title", lang))


def pick_source(page, key: str, lang: str = "en") -> None:
    page.get_by_role("radio", name=t(f"cnn.input.{key}", lang)).click()
    wait_for_app(page)


def test_upload_through_the_real_file_input(page, app_server, tmp_path):
    open_cnn(page, app_server)
    pick_source(page, "upload")
    img = 255 - load_npz("samples/digits.npz")["images"][6]
    path = tmp_path / "digit.png"
    Image.fromarray(np.kron(img, np.ones((6, 6), np.uint8))).save(path)
    ref = nets.analyze_image(path.read_bytes())
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(path))
    if ref.unlike_training:
        expect(page.locator(ALERT).first).to_contain_text(t("cnn.pred.unlike", "en")[:20])
    else:
        want = t("cnn.pred.confident", "en", label=ref.label, p=f"{ref.confidence:.1%}")
        expect(page.locator(ALERT).first).to_have_text(want.replace("**", ""))
    wait_for_app(page)
    assert_no_exception(page)
    expect(page.locator(CHART).first).to_be_visible()
    page.wait_for_function(
        f"document.querySelectorAll({CHART!r}).length >= 3", timeout=60_000
    )  # the charts render after the prediction alert
    assert real_errors(page) == []


def test_a_stroke_on_the_canvas_gets_a_prediction(page, app_server):
    open_cnn(page, app_server)
    pick_source(page, "draw")
    canvas = page.locator(".st-key-cnn-canvas-0 canvas").last
    canvas.wait_for()
    box = canvas.bounding_box()
    x0, y0 = box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.15
    page.mouse.move(x0, y0)
    page.mouse.down()
    for i in range(1, 21):
        page.mouse.move(x0 + (i % 2) * 2, y0 + i * box["height"] * 0.035, steps=2)
    page.mouse.up()
    # the stroke replaces the sample's result with the drawing's own
    expect(page.get_by_text(t("cnn.pre.not_inverted", "en"))).to_be_visible(timeout=30_000)
    wait_for_app(page)
    assert_no_exception(page)
    alert = page.locator(ALERT).first.inner_text()
    assert any(
        marker in alert
        for marker in ("The CNN reads this as", "does not look like", "No ink found")
    ), alert
    assert "No ink found" not in alert
    screenshot_full(page, ARTIFACTS / "cnn-drawn-1280.png")
    assert real_errors(page) == []


def test_clicking_a_block_of_the_architecture_selects_its_layer(page, app_server):
    open_cnn(page, app_server)
    bar = page.locator(".js-plotly-plot").nth(1).locator("g.point path").nth(6)  # pool2
    bar.scroll_into_view_if_needed()
    bb = bar.bounding_box()
    page.mouse.click(bb["x"] + bb["width"] / 2, bb["y"] + 15)  # near the bar's top, in the plot
    expect(page.get_by_text("pool2: 32 feature maps of 7×7.")).to_be_visible()
    wait_for_app(page)
    assert_no_exception(page)


def test_every_view_opens_without_error_and_the_url_follows(page, app_server):
    open_cnn(page, app_server)
    for v in views.VIEWS:
        page.get_by_role("tab", name=t(v.title_key, "en")).click()
        expect(page).to_have_url(re.compile(rf"view={re.escape(v.id)}"), timeout=30_000)
        wait_for_app(page)
        assert_no_exception(page)
        expect(page.locator(CHART).last).to_be_visible()
        assert page.get_by_text(t("view.error", "en")).count() == 0, v.id
    assert real_errors(page) == []


@pytest.mark.viewport(390, 844)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_phone_width_does_not_scroll_sideways(page, app_server, lang):
    open_cnn(page, app_server, lang)
    for vid in ("cnn.layers", "cnn.attribution"):
        page.get_by_role("tab", name=t(f"cnn.view.{vid.split('.')[1]}", lang)).click()
        wait_for_app(page)
        widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        assert widths[0] <= widths[1], (vid, widths)
    screenshot_full(page, ARTIFACTS / f"cnn-{lang}-390.png")
    assert real_errors(page) == []
