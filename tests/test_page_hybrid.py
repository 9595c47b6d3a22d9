"""The CNN + RNN page under AppTest: every view in both languages, charts against the traces,
a drawn array, bad uploads, URL state."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from conftest import chart_specs, open_view
from conftest import plotly_array as arr
from PIL import Image
from streamlit.testing.v1 import AppTest
from test_nets_crnn import canvas_number

from nets import InputError
from nets import hybrid as H
from nets import strips as S
from ui.hybrid_input import DRAWN
from ui.i18n import LANGS, t
from ui.views import hybrid as views

pytestmark = pytest.mark.timeout(240)
PAGE = str(Path(__file__).resolve().parent.parent / "pages" / "hybrid.py")


def page(lang: str = "en", view: str | None = None, **query) -> AppTest:
    return open_view("hybrid", view, lang, **query)


def shown(at: AppTest) -> list[str]:
    return [m.value for m in (*at.success, *at.warning, *at.error, *at.info, *at.markdown)]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("view", [v.id for v in views.VIEWS])
def test_every_view_opens_in_both_languages(view, lang):
    at = page(lang, view)
    assert at.title[0].value == t("hybrid.title", lang)
    assert not at.error, [e.value for e in at.error]
    specs = chart_specs(at)
    own = [k for k in specs if k.startswith(view + ".")]
    assert own, (view, list(specs))
    part = "ocr" if view in {v.id for v in views.OCR_VIEWS} else "motion"
    ids = views.OCR_VIEWS if part == "ocr" else views.MOTION_VIEWS
    assert [tb.label for tb in at.tabs] == [t(v.title_key, lang) for v in ids]
    assert at.query_params["view"] in ([view], view)


def test_the_default_sample_and_its_real_probabilities():
    at = page("en", "hybrid.probs")
    a = H.analyze_strip(H.sample_strip(0))
    assert t("hybrid.reads", "en", number=a.text) in [s.value for s in at.success]
    spec = chart_specs(at)["hybrid.probs.matrix"]
    np.testing.assert_allclose(arr(spec["data"][0]["z"]), a.probs.T, atol=1e-4)
    assert arr(spec["data"][1]["y"]).tolist() == a.best.tolist()


def test_a_sample_from_the_url_and_the_column_cursor():
    i = 7
    at = page("en", "hybrid.states", sample=str(i))
    a = H.analyze_strip(H.sample_strip(i))
    assert at.selectbox(key="hybrid.sample").value == i
    spec = chart_specs(at)["hybrid.states.states"]
    np.testing.assert_allclose(arr(spec["data"][0]["z"]), a.fwd.T, atol=1e-3)
    np.testing.assert_allclose(arr(spec["data"][1]["z"]), a.bwd.T, atol=1e-3)
    at.slider(key=views.COL_KEY).set_value(3).run()
    spec = chart_specs(at)["hybrid.states.states"]
    assert spec["layout"]["shapes"][0]["x0"] == 2  # column 3, 0-based
    at.selectbox(key="hybrid.sample").set_value(2).run()
    assert at.query_params["sample"] in (["2"], "2")


def test_a_drawn_array_is_read():
    """The canvas component does not run under AppTest (it renders nothing and returns None),
    so the drawing is put where the canvas wrapper keeps it: ``session_state[DRAWN["ocr"]]``,
    exactly the (H, W) uint8 array the wrapper stores from the component's image data."""
    drawn = canvas_number("170")
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.query_params["lang"] = "en"
    at.query_params["view"] = "hybrid.decode"
    at.session_state["hybrid.source"] = "draw"
    at.session_state[DRAWN["ocr"]] = drawn
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    a = H.analyze_strip(drawn)
    assert a.text, "the drawing should be read as some number"
    assert t("hybrid.ctc.says4", "en", number=a.text) in shown(at)
    spec = chart_specs(at)["hybrid.decode.steps"]
    assert spec["data"][0]["text"][: a.T] == [
        t("hybrid.blank_symbol", "en") if s == 10 else str(s) for s in a.best
    ]


def test_an_empty_canvas_says_so():
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.query_params["lang"] = "zh"
    at.session_state["hybrid.source"] = "draw"
    at.run()
    assert not at.exception
    assert t("hybrid.input.empty", "zh") in [i.value for i in at.info]
    assert not at.tabs


def png(a: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(a).save(buf, format="PNG")
    return buf.getvalue()


@pytest.mark.parametrize("lang", LANGS)
def test_malformed_upload_shows_the_message_then_a_good_upload_works(lang):
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.query_params["lang"] = lang
    at.session_state["hybrid.source"] = "upload"
    at.run()
    bad = b"\x89PNG\r\n\x1a\n" + b"garbage" * 20
    at.file_uploader(key="hybrid.upload").set_value(("broken.png", bad, "image/png")).run()
    assert not at.exception
    with pytest.raises(InputError) as err:
        H.analyze_strip(bad)
    assert err.value.message(lang) in [e.value for e in at.error]
    assert not at.tabs  # nothing read yet, so no views
    paper = 255 - canvas_number("71")  # dark ink on white paper
    at.file_uploader(key="hybrid.upload").set_value(("good.png", png(paper), "image/png")).run()
    assert not at.exception and not at.error
    a = H.analyze_strip(png(paper))
    assert t("hybrid.reads", lang, number=a.text) in [s.value for s in at.success]
    blank = png(np.full((80, 300), 255, np.uint8))  # no ink: message, previous strip kept
    at.file_uploader(key="hybrid.upload").set_value(("blank.png", blank, "image/png")).run()
    assert not at.exception
    assert any("ink" in e.value or "笔迹" in e.value for e in at.error)
    assert t("hybrid.kept_previous", lang) in [c.value for c in at.caption]


def test_too_wide_is_refused_with_a_message():
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.query_params["lang"] = "en"
    at.session_state["hybrid.source"] = "upload"
    at.run()
    wide = 255 - canvas_number("1" * 60, width=5000, height=100, stroke=6)
    at.file_uploader(key="hybrid.upload").set_value(("wide.png", png(wide), "image/png")).run()
    assert not at.exception
    assert any("too long" in e.value for e in at.error), [e.value for e in at.error]


def test_three_models_side_by_side_from_the_same_strip():
    at = page("en", "hybrid.three", sample="5")
    analyses = [H.analyze_strip(H.sample_strip(5), k) for k in ("crnn", "cnn_only", "rnn_only")]
    assert [m.value for m in at.metric] == [a.text or "∅" for a in analyses]
    spec = chart_specs(at)["hybrid.three.probs"]
    for trace, a in zip(spec["data"], analyses, strict=True):
        np.testing.assert_allclose(arr(trace["z"]), a.probs.T, atol=1e-4)
    m = H.metrics("crnn")
    bars = chart_specs(at)["hybrid.three.by_length"]["data"]
    want = [
        m["models"]["crnn"]["test"]["by_length"][str(n)]["number_accuracy"] for n in range(1, 9)
    ]
    np.testing.assert_allclose(arr(bars[0]["y"]), want)
    assert len(at.table) == 1


def test_motion_part_from_the_url():
    at = page("zh", "hybrid.forming", dir="left", digit="2")
    c = H.analyze_clip(H.make_clip(H.sample_digit(2), "left"))
    spec = chart_specs(at)["hybrid.forming.lines"]
    got = np.stack([arr(tr["y"]) for tr in spec["data"]], 1)
    np.testing.assert_allclose(got, c.step_probs, atol=1e-4)
    assert at.segmented_control(key="hybrid.part").value == "motion"
    assert at.segmented_control(key="hybrid.dir").value == "left"
    at.segmented_control(key="hybrid.dir").set_value("up").run()
    assert at.query_params["dir"] in (["up"], "up")


def test_the_one_frame_view_shows_the_ablations_and_chance():
    at = page("en", "hybrid.oneframe", dir="down", digit="4")
    clip = H.make_clip(H.sample_digit(4), "down")
    said = [H.analyze_clip(clip, k) for k in ("gru", "diff", "one_frame")]
    want = [
        t(
            "hybrid.oneframe.says",
            "en",
            dir=t(f"hybrid.dir.{c.direction}", "en"),
            p=f"{c.probs.max():.0%}",
        )
        for c in said
    ]
    assert [m.value for m in at.metric] == want
    m = H.metrics("motion")
    bars = chart_specs(at)["hybrid.oneframe.heldout"]
    assert bars["layout"]["shapes"][0]["y0"] == pytest.approx(m["chance"])
    assert arr(bars["data"][2]["y"])[0] == pytest.approx(
        m["models"]["one_frame"]["test"]["accuracy"]
    )


def test_a_drawn_digit_makes_a_clip():
    drawn = np.zeros((200, 200), np.uint8)
    drawn[40:160, 95:108] = 255  # a "1"
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.query_params["lang"] = "en"
    at.query_params["part"] = "motion"
    at.session_state["hybrid.digit_source"] = "draw"
    at.session_state[DRAWN["motion"]] = drawn
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    c = H.analyze_clip(H.make_clip(S.prepare_digit(drawn), "right"))
    spec = chart_specs(at)["hybrid.clip.clip"]
    np.testing.assert_allclose(arr(spec["data"][0]["z"]), c.clip[0], atol=1e-3)


def test_strip_features_and_motion_charts_show_the_traces():
    a = H.analyze_strip(H.sample_strip(3))
    at = page("en", "hybrid.strip", sample="3")
    np.testing.assert_allclose(
        arr(chart_specs(at)["hybrid.strip.strip"]["data"][0]["z"]), a.strip, atol=1e-3
    )
    at = page("en", "hybrid.features", sample="3")
    specs = chart_specs(at)
    np.testing.assert_allclose(
        arr(specs["hybrid.features.columns"]["data"][0]["z"]), a.columns.T, atol=1e-3
    )
    top = int(np.argmax(a.maps["relu1"].reshape(len(a.maps["relu1"]), -1).max(1)))
    np.testing.assert_allclose(
        arr(specs["hybrid.features.maps"]["data"][0]["z"]), a.maps["relu1"][top], atol=1e-3
    )
    c = H.analyze_clip(H.make_clip(H.sample_digit(0), "right"))
    at = page("en", "hybrid.gru", part="motion")
    np.testing.assert_allclose(
        arr(chart_specs(at)["hybrid.gru.hidden"]["data"][0]["z"]), c.hidden.T, atol=1e-3
    )
    at = page("en", "hybrid.frames", part="motion")
    specs = chart_specs(at)
    np.testing.assert_allclose(
        arr(specs["hybrid.frames.features"]["data"][0]["z"]), c.features.T, atol=1e-3
    )
    np.testing.assert_allclose(
        arr(specs["hybrid.frames.maps"]["data"][4]["z"]), c.maps["relu1"][4, 0], atol=1e-3
    )
