"""The RNN page under AppTest: sentences in both languages, figures equal to the model's arrays,
the comparison path, example chips, the URL, and awkward input that must never break the page."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from conftest import open_app
from streamlit.testing.v1 import AppTest
from test_rnn_unit import arr

import nets
from nets import rnn_explain as rx
from ui.i18n import t
from ui.text_input import example_by_id
from viz import rnn as vr

ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "pages" / "rnn.py")

pytestmark = pytest.mark.timeout(240)


def open_page(lang: str, **query) -> AppTest:
    return open_app(PAGE, lang, **query)


def type_text(at: AppTest, text: str) -> AppTest:
    at.text_area(key="rnn.text").input(text).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def charts(at: AppTest) -> dict[str, list[dict]]:
    """Chart key suffix (after ``rnn.chart.``) → the figure's traces."""
    out = {}
    for c in at.get("plotly_chart"):
        key = c.proto.id.split("rnn.chart.", 1)[-1].split(".")[0]
        out[key] = json.loads(c.proto.spec)["data"]
    return out


def paths(traces: list[dict]) -> list[dict]:
    return [tr for tr in traces if "lines" in tr.get("mode", "")]


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("zh", "虽然价格有点贵，但是质量很好"),
        ("en", "although the food was cold, the staff were wonderful"),
        ("zh", "这个 hotel 很 good, but 服务太差了"),
    ],
)
def test_typed_sentence_views_equal_the_analysis(lang, text):
    at = type_text(open_page(lang), text)
    a = nets.analyze_text(text)
    ch = charts(at)
    assert {"tokens", "unrolled", "heatmap", "trajectory", "gates", "attention", "prefix"} <= set(
        ch
    )
    np.testing.assert_array_equal(arr(ch["attention"][0]["y"]), a.attention)
    prefix = arr(ch["prefix"][0]["y"])
    np.testing.assert_array_equal(prefix, a.prefix_prob_positive)
    assert prefix[-1] == pytest.approx(a.prob_positive, abs=1e-5)
    order = rx.unit_order(a.hidden, "variance")  # the default ordering
    np.testing.assert_array_equal(arr(ch["heatmap"][0]["z"]), a.hidden[:, order].T)
    np.testing.assert_array_equal(arr(ch["gates"][0]["z"]), a.update_gate[:, order].T)
    traj = paths(ch["trajectory"])
    assert len(traj) == 1
    np.testing.assert_array_equal(arr(traj[0]["x"]), rx.project_states(a.hidden)[:, 0])
    assert list(ch["tokens"][0]["cells"]["values"][3]) == a.token_ids
    badge = vr.verdict_badge(a.label, t(f"rnn.label.{a.label}", lang))
    verdict = t("rnn.verdict", lang, badge=badge, p=f"{a.prob_positive:.3f}")
    assert verdict in [m.value for m in at.markdown]
    assert at.query_params["text"] == [text] or at.query_params["text"] == text
    assert at.query_params["lang"] in (["lang"], [lang], lang)
    # The title and captions are in the page's language.
    assert at.title[0].value == t("rnn.title", lang)


def test_heatmap_order_switch_reorders_units():
    at = type_text(open_page("en"), "not bad at all")
    a = nets.analyze_text("not bad at all")
    at.button_group(key="rnn.order").set_value("positive").run()
    assert not at.exception
    order = rx.unit_order(a.hidden, "positive")
    np.testing.assert_array_equal(arr(charts(at)["heatmap"][0]["z"]), a.hidden[:, order].T)


def test_comparison_sentence_adds_a_second_path():
    at = type_text(open_page("en"), "good")
    at.toggle(key="rnn.compare_on").set_value(True).run()
    at.text_input(key="rnn.text2").input("not good").run()
    assert not at.exception
    ch = charts(at)
    traj = paths(ch["trajectory"])
    assert len(traj) == 2
    b = nets.analyze_text("not good")
    np.testing.assert_array_equal(arr(traj[1]["x"]), rx.project_states(b.hidden)[:, 0])
    np.testing.assert_array_equal(arr(traj[1]["y"]), rx.project_states(b.hidden)[:, 1])
    np.testing.assert_array_equal(arr(ch["prefix"][1]["y"]), b.prefix_prob_positive)
    assert at.query_params["text2"] in (["not good"], "not good")


def test_example_chip_fills_both_boxes():
    at = open_page("zh")
    ex = example_by_id("neg_en")
    at.button_group(key="rnn.ex.negation").set_value("neg_en").run()
    assert not at.exception
    assert at.text_area(key="rnn.text").value == ex["text"]
    assert at.toggle(key="rnn.compare_on").value is True
    assert at.text_input(key="rnn.text2").value == ex["compare"]
    assert len(paths(charts(at)["trajectory"])) == 2


def test_shared_link_reopens_the_sentence_and_language():
    at = open_page("en", text="not bad at all", text2="bad")
    assert at.text_area(key="rnn.text").value == "not bad at all"
    assert at.text_input(key="rnn.text2").value == "bad"
    assert at.title[0].value == t("rnn.title", "en")
    assert len(paths(charts(at)["trajectory"])) == 2


def test_heavy_views_match_the_attribution_helpers():
    text = "not bad at all"
    at = type_text(open_page("en"), text)
    assert "attribution" not in charts(at) and "memory" not in charts(at)
    at.toggle(key="rnn.attr_on").set_value(True).run()
    at.toggle(key="rnn.mem_on").set_value(True).run()
    assert not at.exception
    ch = charts(at)
    attr = nets.attribution.text_attributions(text, "text_gru")
    np.testing.assert_allclose(arr(ch["attribution"][0]["y"]), attr, atol=1e-5)
    np.testing.assert_allclose(
        arr(ch["memory"][0]["y"]), nets.attribution.text_memory(text), rtol=1e-5
    )


BAD_INPUTS = {
    "empty": "",
    "blank": "   \n\t ",
    "emoji_only": "😀😀🎉👍🏽",
    "control": "好\x00\x07\x1b[31m评\x7f",
    "zero_width": "\u200b\u200c\u200d\ufeff",
    "zero_width_inside": "很\u200b好",
    "rtl": "هذا المنتج رائع جدا",
    "rtl_mixed": "good \u202eevil\u202c 好",
    "script": "<script>alert(1)</script> great",
    "markdown": "**x** [link](javascript:alert(1)) :red[hi] $x^2$",
    "img": "<img src=x onerror=alert(1)> 不错",
    "long": "very good " * 300,
}


@pytest.mark.parametrize(
    ("name", "lang"), [(n, ("zh", "en")[i % 2]) for i, n in enumerate(BAD_INPUTS)]
)
def test_bad_input_gives_a_message_or_an_analysis(name, lang):
    """Each input in one language (alternating, so both languages' messages are checked)."""
    text = BAD_INPUTS[name]
    at = type_text(open_page(lang), text)
    try:
        a = nets.analyze_text(text)
    except nets.InputError as exc:
        if text.strip():
            assert exc.message(lang) in [e.value for e in at.error]
        else:
            assert t("rnn.empty", lang) in [i.value for i in at.info]
        assert not at.get("plotly_chart")
        return
    ch = charts(at)
    np.testing.assert_array_equal(arr(ch["attention"][0]["y"]), a.attention)
    warnings = [w.value for w in at.warning]
    assert (t("rnn.truncated", lang, n=len(a.tokens)) in warnings) == a.truncated
    if name == "long":
        assert a.truncated
    # No markdown element carries unescaped user markup.
    for m in at.markdown:
        raw = m.value.replace("\\<", "").replace("\\]\\(", "")
        assert "<script" not in raw and "<img" not in raw
        assert "](javascript" not in raw
    # The page keeps working: a normal sentence afterwards is analysed.
    type_text(at, "good")
    assert charts(at)["prefix"]


def test_long_sentence_windows_the_heatmaps_and_stays_small():
    text = " ".join(["the room was clean and the staff were friendly but the food was cold"] * 20)
    at = type_text(open_page("en"), text)
    a = nets.analyze_text(text)
    assert a.truncated and len(a.tokens) == 200
    step = at.select_slider(
        key=next(k for k in at.session_state if k.startswith("rnn.step."))
    ).value
    lo, hi = vr.unroll_window(len(a.tokens), step, vr.HEAT_WINDOW)
    assert hi - lo == vr.HEAT_WINDOW
    ch = charts(at)
    order = rx.unit_order(a.hidden, "variance")
    np.testing.assert_array_equal(arr(ch["heatmap"][0]["z"]), a.hidden[lo:hi, order].T)
    np.testing.assert_array_equal(arr(ch["gates"][1]["z"]), a.reset_gate[lo:hi, order].T)
    np.testing.assert_array_equal(arr(ch["attention"][0]["y"]), a.attention)  # never windowed
    total = sum(len(c.proto.spec) for c in at.get("plotly_chart"))
    assert total < 300_000, total  # the rule's budget for one rerun's chart JSON
