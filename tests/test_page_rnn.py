"""The RNN page under AppTest: sentences in both languages, figures equal to the model's arrays,
the comparison path, example chips, the URL, and awkward input that must never break the page."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import chart_specs, open_view
from conftest import plotly_array as arr
from streamlit.testing.v1 import AppTest

import nets
from nets import rnn_explain as rx
from ui.i18n import t
from ui.text_input import example_by_id
from ui.views import rnn as views
from viz import rnn as vr

pytestmark = pytest.mark.timeout(240)
VIEW_IDS = [v.id for v in views.VIEWS]


def open_page(lang: str, view: str | None = None, **query) -> AppTest:
    return open_view("rnn", view, lang, **query)


def type_text(at: AppTest, text: str) -> AppTest:
    at.text_area(key="rnn.text").input(text).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def charts(at: AppTest) -> dict[str, list[dict]]:
    """Chart key (``"<view>.<name>"`` without the ``rnn.`` page prefix) → the figure's traces."""
    return {k.removeprefix("rnn."): spec["data"] for k, spec in chart_specs(at).items()}


def paths(traces: list[dict]) -> list[dict]:
    return [tr for tr in traces if "lines" in tr.get("mode", "")]


def test_only_the_opened_view_draws_and_the_url_keeps_it():
    at = open_page("en", text="not bad at all")
    assert at.query_params["view"] in (["rnn.unrolled"], "rnn.unrolled")  # the default view
    assert set(charts(at)) == {"unrolled.chart"}
    assert [tb.label for tb in at.tabs] == [t(v.title_key, "en") for v in views.VIEWS]
    at = open_page("zh", "rnn.gates", text="not bad at all")
    assert set(charts(at)) == {"gates.means", "gates.units"}
    assert [tb.label for tb in at.tabs] == [t(v.title_key, "zh") for v in views.VIEWS]


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("zh", "虽然价格有点贵，但是质量很好"),
        ("en", "although the food was cold, the staff were wonderful"),
        ("zh", "这个 hotel 很 good, but 服务太差了"),
    ],
)
def test_every_view_equals_the_analysis(lang, text):
    a = nets.analyze_text(text)
    at = type_text(open_page(lang), text)  # typed, on the default view
    badge = vr.verdict_badge(a.label, t(f"rnn.label.{a.label}", lang))
    verdict = t("rnn.verdict", lang, badge=badge, p=f"{a.prob_positive:.3f}")
    assert verdict in [m.value for m in at.markdown]
    assert at.query_params["text"] in ([text], text)
    assert at.title[0].value == t("rnn.title", lang)
    unrolled = next(tr for tr in charts(at)["unrolled.chart"] if tr.get("name") == "h")
    lo, hi = vr.unroll_window(len(a.tokens), len(a.tokens) - 1)
    np.testing.assert_array_equal(arr(unrolled["marker"]["color"]), a.prefix_prob_positive[lo:hi])
    ch = {}
    for vid in VIEW_IDS[1:7]:
        view = open_page(lang, vid, text=text)
        assert not view.error, (vid, [e.value for e in view.error])
        ch.update(charts(view))
    np.testing.assert_array_equal(arr(ch["attention.bars"][0]["y"]), a.attention)
    prefix = arr(ch["prefix.curve"][0]["y"])
    np.testing.assert_array_equal(prefix, a.prefix_prob_positive)
    assert prefix[-1] == pytest.approx(a.prob_positive, abs=1e-5)
    order = rx.unit_order(a.hidden, "variance")  # the default ordering
    np.testing.assert_array_equal(arr(ch["hidden.heatmap"][0]["z"]), a.hidden[:, order].T)
    np.testing.assert_array_equal(arr(ch["gates.units"][0]["z"]), a.update_gate[:, order].T)
    np.testing.assert_allclose(arr(ch["gates.means"][0]["y"]), rx.gate_means(a.update_gate))
    traj = paths(ch["trajectory.path"])
    assert len(traj) == 1
    np.testing.assert_array_equal(arr(traj[0]["x"]), rx.project_states(a.hidden)[:, 0])
    assert list(ch["tokens.table"][0]["cells"]["values"][3]) == a.token_ids


def test_heatmap_order_switch_reorders_units():
    at = open_page("en", "rnn.hidden", text="not bad at all")
    a = nets.analyze_text("not bad at all")
    at.button_group(key="rnn.order").set_value("positive").run()
    assert not at.exception
    order = rx.unit_order(a.hidden, "positive")
    np.testing.assert_array_equal(arr(charts(at)["hidden.heatmap"][0]["z"]), a.hidden[:, order].T)


def test_the_selected_step_moves_every_marker():
    text = "the staff were not friendly at all"
    a = nets.analyze_text(text)
    at = open_page("en", "rnn.gates", text=text)
    at.select_slider(key=views.STEP_KEY).set_value(2).run()
    assert not at.exception
    z = float(rx.gate_means(a.update_gate)[2])
    reading = [m.value for m in at.markdown if f"{z:.2f}" in m.value]
    assert reading, [m.value for m in at.markdown]
    shapes = chart_specs(at)["rnn.gates.means"]["layout"]["shapes"]
    assert shapes[0]["x0"] == 2


def test_comparison_sentence_adds_a_second_path():
    at = type_text(open_page("en", "rnn.trajectory"), "good")
    at.toggle(key="rnn.compare_on").set_value(True).run()
    at.text_input(key="rnn.text2").input("not good").run()
    assert not at.exception
    traj = paths(charts(at)["trajectory.path"])
    assert len(traj) == 2
    b = nets.analyze_text("not good")
    np.testing.assert_array_equal(arr(traj[1]["x"]), rx.project_states(b.hidden)[:, 0])
    np.testing.assert_array_equal(arr(traj[1]["y"]), rx.project_states(b.hidden)[:, 1])
    assert at.query_params["text2"] in (["not good"], "not good")
    prefix = open_page("en", "rnn.prefix", text="good", text2="not good")
    np.testing.assert_array_equal(
        arr(charts(prefix)["prefix.curve"][1]["y"]), b.prefix_prob_positive
    )


def test_example_chip_fills_both_boxes():
    at = open_page("zh", "rnn.trajectory")
    ex = example_by_id("neg_en")
    at.button_group(key="rnn.ex.negation").set_value("neg_en").run()
    assert not at.exception
    assert at.text_area(key="rnn.text").value == ex["text"]
    assert at.toggle(key="rnn.compare_on").value is True
    assert at.text_input(key="rnn.text2").value == ex["compare"]
    assert len(paths(charts(at)["trajectory.path"])) == 2


def test_shared_link_reopens_the_sentence_language_and_view():
    at = open_page("en", "rnn.trajectory", text="not bad at all", text2="bad")
    assert at.text_area(key="rnn.text").value == "not bad at all"
    assert at.text_input(key="rnn.text2").value == "bad"
    assert at.title[0].value == t("rnn.title", "en")
    assert len(paths(charts(at)["trajectory.path"])) == 2


def test_heavy_views_match_the_attribution_helpers():
    text = "not bad at all"
    at = open_page("en", "rnn.attribution", text=text)
    a = nets.analyze_text(text)
    attr = nets.attribution.text_attributions(text, "text_gru")
    np.testing.assert_allclose(arr(charts(at)["attribution.bars"][0]["y"]), attr, atol=1e-5)
    rho = nets.attribution.attention_attribution_rho(a.attention, attr)
    assert any(f"{rho:.2f}" in m.value for m in at.markdown), [m.value for m in at.markdown]
    at = open_page("en", "rnn.memory", text=text)
    assert not at.error, [e.value for e in at.error]
    mc = nets.attribution.memory_curves(text)
    state, decision = charts(at)["memory.curve"][:2]
    np.testing.assert_allclose([float(c[2]) for c in state["customdata"]], mc.state, rtol=1e-5)
    np.testing.assert_allclose(
        [float(c[2]) for c in decision["customdata"]], mc.decision, rtol=1e-5
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
    np.testing.assert_array_equal(arr(charts(at)["unrolled.chart"][3]["marker"]["color"])[-1:],
                                  a.prefix_prob_positive[-1:])  # fmt: skip
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
    assert charts(at)["unrolled.chart"]


def test_long_sentence_windows_the_heatmaps_and_stays_small():
    text = " ".join(["the room was clean and the staff were friendly but the food was cold"] * 20)
    a = nets.analyze_text(text)
    assert a.truncated and len(a.tokens) == 200
    lo, hi = vr.unroll_window(len(a.tokens), len(a.tokens) - 1, vr.HEAT_WINDOW)
    assert hi - lo == vr.HEAT_WINDOW
    order = rx.unit_order(a.hidden, "variance")
    for vid in VIEW_IDS[:7]:
        at = open_page("en", vid, text=text)
        ch = charts(at)
        if vid == "rnn.hidden":
            z = arr(ch["hidden.heatmap"][0]["z"])
            np.testing.assert_array_equal(z, a.hidden[lo:hi, order].T)
        if vid == "rnn.gates":
            z = arr(ch["gates.units"][1]["z"])
            np.testing.assert_array_equal(z, a.reset_gate[lo:hi, order].T)
        if vid == "rnn.attention":  # never windowed
            np.testing.assert_array_equal(arr(ch["attention.bars"][0]["y"]), a.attention)
        total = sum(len(c.proto.spec) for c in at.get("plotly_chart"))
        assert total < 300_000, (vid, total)  # the rule's budget for one rerun's chart JSON
