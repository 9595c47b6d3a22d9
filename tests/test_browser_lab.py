"""The claims lab in Chromium: a learner starts the live training race and watches its curves
grow (more points in the chart as the seconds pass, a moving progress bar); a second learner
who asks for a race meanwhile is told to wait and sees the recorded race; the race ends by
itself within its time limit and leaves the finished curves.

Screenshots land in test-artifacts/lab-race-<moment>.png for a human look.
"""

from __future__ import annotations

import time

import pytest
from conftest import ARTIFACTS, MAIN_SELECTOR, assert_no_exception, screenshot_full, wait_for_app
from playwright.sync_api import expect

from nets.lab import race as lab_race
from ui.i18n import t

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

PROGRESS = '[data-testid="stProgress"]'

# The number of points of the longest trace of the first chart drawn after the race's progress
# bar (the live chart; the recorded race drawn before the click may still be on screen, faded,
# until the run ends), 0 when there is none yet.
POINTS_JS = """() => {
  const bar = document.querySelector('[data-testid="stProgress"]');
  let box = bar && bar.closest('[data-testid="stElementContainer"]');
  while (box && (box = box.nextElementSibling)) {
    const el = box.querySelector('.js-plotly-plot');
    // plotly's own view of the traces: x arrives as a typed array ({dtype, bdata}), so count
    // the points plotly drew (_length), not the input's length
    if (el && el._fullData) return Math.max(0, ...el._fullData.map(tr => tr._length || 0));
  }
  return 0;
}"""


def open_race(page, base: str, lang: str = "en") -> None:
    page.goto(f"{base}/lab?lang={lang}&view=lab.race")
    wait_for_app(page, 120_000)
    expect(page.locator("h1").first).to_have_text(t("lab.title", lang), timeout=60_000)
    expect(page.get_by_role("button", name=t("lab.race.start", lang))).to_be_visible(timeout=60_000)
    assert_no_exception(page)


def shown(markdown: str) -> str:
    """A string as the browser shows it once rendered as markdown (code marks dropped)."""
    return markdown.replace("`", "")


def points(page) -> int:
    return int(page.evaluate(POINTS_JS))


def test_a_race_streams_growing_curves_and_a_second_one_waits(page, app_server, browser):
    open_race(page, app_server)
    page.get_by_role("radio", name=t("lab.race.kind.digits", "en")).click()  # the cheaper pair
    wait_for_app(page, 60_000)
    page.get_by_role("button", name=t("lab.race.start", "en")).click()
    t0 = time.monotonic()
    expect(page.locator(PROGRESS).first).to_be_visible(timeout=30_000)

    # The curves grow while the race runs: the untrained models' point first, then one more per
    # EVAL_EVERY steps; sample the chart until it has more points than the first time we saw it.
    page.wait_for_function(f"({POINTS_JS})() > 0", timeout=90_000)
    first = points(page)
    screenshot_full(page, ARTIFACTS / "lab-race-running.png")
    page.wait_for_function(f"({POINTS_JS})() > {first}", timeout=90_000)
    assert points(page) > first

    # Meanwhile another learner (another browser session) is refused and sees the recording.
    other = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    try:
        open_race(other, app_server, "zh")
        if lab_race.LIMIT_S - (time.monotonic() - t0) > 3:  # still running
            other.get_by_role("button", name=t("lab.race.start", "zh")).click()
            busy = t("lab.race.busy", "zh", s=0).split("0")[0]
            expect(other.locator(MAIN_SELECTOR)).to_contain_text(busy, timeout=30_000)
            expect(other.locator(MAIN_SELECTOR)).to_contain_text(
                shown(t("lab.race.recorded", "zh")), timeout=30_000
            )
            assert_no_exception(other)
    finally:
        other.context.close()

    # It stops by itself at its time limit and leaves the finished curves and their conditions
    # ("stopped at the time limit").
    expect(page.locator(PROGRESS).first).to_contain_text(
        t("lab.race.finished", "en"), timeout=int((lab_race.LIMIT_S + 60) * 1000)
    )
    assert time.monotonic() - t0 < lab_race.LIMIT_S + 60
    wait_for_app(page, 60_000)  # the run has ended: the faded recorded race is gone
    assert_no_exception(page)
    main = page.locator(MAIN_SELECTOR)
    expect(main).to_contain_text(t("lab.race.stop.time", "en"))
    expect(main).not_to_contain_text(shown(t("lab.race.recorded", "en")))
    assert points(page) > first  # the finished race's chart (drawn after the bar)
    screenshot_full(page, ARTIFACTS / "lab-race-finished.png")
