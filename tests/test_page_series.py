"""The time-series page under AppTest: every view in both languages, figures equal to the trace
and the shipped errors, the URL state, and a learner's series (upload, paste, bad input, busy)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import chart_specs, open_view, plotly_array
from streamlit.testing.v1 import AppTest

from nets import series as S
from nets import series_fit as F
from ui.i18n import LANGS, t
from ui.views import series as views

pytestmark = pytest.mark.timeout(240)
VIEW_IDS = [v.id for v in views.VIEWS]
KEYS = {
    "series.window": {"series.window.overview", "series.window.zoom"},
    "series.forecast": {"series.forecast.chart"},
    "series.errors": {"series.errors.chart"},
    "series.gru": {"series.gru.heatmap", "series.gru.path"},
    "series.cnn": {"series.cnn.field", "series.cnn.maps"},
    "series.lookback": {"series.lookback.chart"},
    "series.yours": set(),
}


def csv_bytes(n: int = 300) -> bytes:
    rng = np.random.default_rng(0)
    lines = ["day,sales"] + [
        f"d{i},{100 + 10 * np.sin(2 * np.pi * i / 7) + rng.normal():.3f}" for i in range(n)
    ]
    return "\n".join(lines).encode()


def traces(at: AppTest, key: str) -> list[dict]:
    return chart_specs(at)[key]["data"]


def by_name(at: AppTest, key: str, name: str) -> dict:
    return next(tr for tr in traces(at, key) if tr.get("name") == name)


# ----------------------------------------------------------------------------- every view


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("view", VIEW_IDS)
def test_every_view_in_both_languages(view, lang):
    at = open_view("series", view, lang)
    assert at.title[0].value == t("series.title", lang)
    assert set(chart_specs(at)) == KEYS[view]
    assert at.query_params["view"] == view
    assert at.query_params["series"] == "stock"
    assert not at.error


@pytest.mark.parametrize("name", S.SERIES)
def test_forecast_chart_shows_the_models_forecasts(name):
    at = open_view("series", "series.forecast", "en", series=name, point=7, horizon=2)
    a = S.analyze_series(name, 7)
    b = S.load_bundle(name)
    for m in b.models:
        label = views._name(views.Ctx("en", "series", {"b": b}), m)
        y = plotly_array(by_name(at, "series.forecast.chart", label)["y"])
        assert y[0] == pytest.approx(a.inputs[-1], rel=1e-5)  # drawn from the last value on
        assert y[1:] == pytest.approx(a.forecasts[m], rel=1e-5)
    truth = plotly_array(by_name(at, "series.forecast.chart", t("series.truth", "en"))["y"])
    assert truth == pytest.approx(a.truth, rel=1e-5)


def test_error_chart_equals_the_shipped_errors():
    b = S.load_bundle("load")
    at = open_view("series", "series.errors", "en", series="load")
    for m in b.models:
        label = views._name(views.Ctx("en", "series", {"b": b}), m)
        y = plotly_array(by_name(at, "series.errors.chart", label)["y"])
        ref = np.asarray(b.metrics[m]["mae"]) / np.asarray(b.metrics["persistence"]["mae"])
        assert y == pytest.approx(ref, rel=1e-5)
    at.segmented_control(key="series.errors.metric").set_value("mase").run()
    y = plotly_array(by_name(at, "series.errors.chart", "GRU")["y"])
    assert y == pytest.approx(b.metrics["gru"]["mase"], rel=1e-5)


@pytest.mark.parametrize("lang", LANGS)
def test_the_stock_lesson_is_said_in_both_languages(lang):
    at = open_view("series", "series.errors", lang, series="stock")
    b = S.load_bundle("stock")
    gru = b.metrics["gru"]["mae"][0] / b.metrics["persistence"]["mae"][0]
    text = " ".join(w.value for w in at.warning)
    assert f"{gru:.1%}" in text and "RNN/LSTM" in text
    assert any(t("series.lesson.none", lang).split("{")[0][:6] in i.value for i in at.info)


def test_inside_views_show_the_trace():
    at = open_view("series", "series.gru", "en", series="sunspots", point=3)
    a = S.analyze_series("sunspots", 3)
    z = plotly_array(traces(at, "series.gru.heatmap")[0]["z"])
    assert z == pytest.approx(a.hidden.T, abs=1e-5)
    at = open_view("series", "series.lookback", "en", series="load", point=3, horizon=4)
    a = S.analyze_series("load", 3)
    y = plotly_array(by_name(at, "series.lookback.chart", "GRU")["y"])
    assert y == pytest.approx(S.series_gradients("load", 3)["gru"][3], rel=1e-4, abs=1e-7)
    notes = [n["text"] for n in chart_specs(at)["series.lookback.chart"]["layout"]["annotations"]]
    assert t("series.mark.day", "en") in notes  # the load's 24 h mark
    at = open_view("series", "series.cnn", "en", series="stock", point=3)
    a = S.analyze_series("stock", 3)
    z = plotly_array(traces(at, "series.cnn.maps")[0]["z"])
    assert z == pytest.approx(a.maps[-1], abs=1e-5)


# ----------------------------------------------------------------------------- URL state


def test_url_state_opens_the_same_forecast():
    at = open_view("series", "series.forecast", "zh", series="load", point=10, horizon=5)
    assert at.segmented_control(key=views.SERIES_KEY).value == "load"
    assert at.slider(key=views.POINT_KEY).value == 10
    assert at.slider(key=views.H_KEY).value == 5
    assert (at.query_params["series"], at.query_params["point"], at.query_params["horizon"]) == (
        "load",
        "10",
        "5",
    )
    at.slider(key=views.POINT_KEY).set_value(12).run()
    assert at.query_params["point"] == "12"
    at.segmented_control(key=views.SERIES_KEY).set_value("sunspots").run()
    assert at.query_params["series"] == "sunspots"
    n = len(S.load_bundle("sunspots").test_origins())
    assert at.slider(key=views.POINT_KEY).value == n - 1  # the new series' own default
    assert at.query_params["horizon"] == "1"


@pytest.mark.parametrize(
    "query",
    [
        {"series": "nope", "point": "-4", "horizon": "999"},
        {"series": "stock", "point": "abc", "horizon": "x"},
        {"series": "load", "point": str(10**9)},
    ],
)
def test_bad_url_values_fall_back(query):
    at = open_view("series", "series.forecast", "en", **query)
    assert at.query_params["series"] in S.SERIES
    assert "series.forecast.chart" in chart_specs(at)


@pytest.mark.parametrize("lang", LANGS)
def test_your_series_before_a_fit_opens_the_upload_view(lang):
    at = open_view("series", "series.forecast", lang, series="yours")
    assert at.query_params["view"] == "series.yours"
    assert at.file_uploader(key="series.yours.file")  # the upload view is the one opened
    assert not chart_specs(at)


# ----------------------------------------------------------------------------- your series


@pytest.fixture
def quick_fit(monkeypatch):
    monkeypatch.setattr(F, "FIT_SECONDS", 2.0)


@pytest.mark.parametrize("lang", LANGS)
def test_upload_fit_then_views_show_your_series(lang, quick_fit):
    at = open_view("series", "series.yours", lang)
    at.file_uploader(key="series.yours.file").set_value(("sales.csv", csv_bytes(), "text/csv"))
    at.run()
    assert not at.error, [e.value for e in at.error]
    at.button(key="series.yours.go").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.segmented_control(key=views.SERIES_KEY).value == "yours"
    assert at.query_params["series"] == "yours" and at.query_params["view"] == "series.forecast"
    specs = chart_specs(at)
    assert "series.forecast.chart" in specs
    names = [tr["name"] for tr in specs["series.forecast.chart"]["data"]]
    assert "GRU" in names
    # the forecast drawn equals the fitted bundle's, from the chosen origin
    b = at.session_state["_series.yours"]["bundle"]
    point = at.slider(key=views.POINT_KEY).value
    o = b.test_origins()[point]
    gru = plotly_array(by_name(at, "series.forecast.chart", "GRU")["y"])[1:]
    assert gru == pytest.approx(b.forecasts(np.array([o]))["gru"][0], rel=1e-5)
    assert b.info["seconds"] < 2.0 + 6.0
    for view in ("series.errors", "series.gru", "series.cnn", "series.lookback", "series.window"):
        at.query_params["view"] = view
        at.run()
        assert not at.exception and set(chart_specs(at)) == KEYS[view], view


@pytest.mark.parametrize("lang", LANGS)
def test_bad_upload_says_why_and_the_next_input_works(lang, quick_fit):
    at = open_view("series", "series.yours", lang)
    png = b"\x89PNG\r\n\x1a\n" + bytes(200)
    at.file_uploader(key="series.yours.file").set_value(("x.csv", png, "text/csv")).run()
    assert not at.exception
    from nets.series_csv import _not_csv

    assert [e.value for e in at.error] == [_not_csv().message(lang)]
    at.file_uploader(key="series.yours.file").set_value(("ok.csv", csv_bytes(), "text/csv")).run()
    assert not at.error
    assert at.button(key="series.yours.go")


def test_paste_with_nans_then_good_numbers(quick_fit):
    at = open_view("series", "series.yours", "en")
    at.segmented_control(key="series.yours.source").set_value("paste").run()
    at.text_area(key="series.yours.text").input("1 2 3 x 5 " * 20).run()
    assert at.error and "not numbers" in at.error[0].value
    at.text_area(key="series.yours.text").input(" ".join(str(i % 13) for i in range(120))).run()
    assert not at.error
    at.button(key="series.yours.go").click().run()
    assert at.segmented_control(key=views.SERIES_KEY).value == "yours"


@pytest.mark.parametrize("lang", LANGS)
def test_a_second_fit_while_one_runs_is_told_to_wait(lang, quick_fit):
    at = open_view("series", "series.yours", lang)
    at.file_uploader(key="series.yours.file").set_value(("s.csv", csv_bytes(), "text/csv")).run()
    assert F._busy.acquire(blocking=False)  # another session's fit holds the process's slot
    try:
        at.run()
        assert t("series.yours.wait", lang) in [i.value for i in at.info]
        at.button(key="series.yours.go").click().run()
        assert [w.value for w in at.warning] == [F.busy().message(lang)]
        assert at.segmented_control(key=views.SERIES_KEY).value == "stock"
    finally:
        F._busy.release()
    at.button(key="series.yours.go").click().run()  # once free, the fit runs
    assert at.segmented_control(key=views.SERIES_KEY).value == "yours"
