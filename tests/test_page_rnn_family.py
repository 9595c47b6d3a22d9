"""The RNN page with every family member (GRU · LSTM · BiGRU, Chinese by characters or words):
the selector and the URL, every view in both languages, figures equal to each member's own
arrays, the "two models" chart, and the bad-input list through every member."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import chart_specs, open_view
from conftest import plotly_array as arr
from test_page_rnn import BAD_INPUTS

import nets
from nets import rnn_explain as rx
from nets.family import ARCHS, MEMBERS, TOKENISATIONS, member_name
from ui.i18n import t
from ui.views import rnn as views
from viz import family as vf
from viz import rnn as vr

pytestmark = pytest.mark.timeout(600)
TEXT = "虽然价格有点贵，但是质量很好 but the delivery was slow"
PAIRS = [(arch, tok) for tok in TOKENISATIONS for arch in ARCHS]


def open_member(lang: str, view: str | None, arch: str, tok: str, text: str = TEXT, **query):
    return open_view("rnn", view, lang, text=text, model=arch, tok=tok, **query)


def charts(at) -> dict[str, list[dict]]:
    return {k.removeprefix("rnn."): spec["data"] for k, spec in chart_specs(at).items()}


@pytest.mark.parametrize(("arch", "tok"), PAIRS)
def test_every_view_works_for_every_member_in_both_languages(arch, tok):
    name = member_name(arch, tok)
    a = nets.analyze_text(TEXT, name)
    views_lang = ("zh", "en")[PAIRS.index((arch, tok)) % 2]  # every view, languages alternating
    for v in views.VIEWS:
        at = open_member(views_lang, v.id, arch, tok)
        assert not at.error, (name, v.id, [e.value for e in at.error])
        assert charts(at), (name, v.id)
    for lang in ("zh", "en"):
        at = open_member(lang, None, arch, tok)
        assert [tb.label for tb in at.tabs] == [t(x.title_key, lang) for x in views.VIEWS]
        # The URL's choice is the selectors' value; the verdict and captions are this member's.
        assert at.button_group(key="rnn.model").value == arch
        assert at.button_group(key="rnn.tok").value == tok
        badge = vr.verdict_badge(a.label, t(f"rnn.label.{a.label}", lang))
        verdict = t("rnn.verdict", lang, badge=badge, p=f"{a.prob_positive:.3f}")
        assert verdict in [m.value for m in at.markdown]
        captions = [c.value for c in at.caption]
        steps = {"char": len(nets.encode(TEXT, "text_gru").tokens),
                 "word": len(nets.encode(TEXT, "text_gru_word").tokens)}  # fmt: skip
        assert t("family.steps", lang, **steps) in captions
        assert steps["word"] < steps["char"]
        assert any(t(f"family.name.{name}", lang) in c and "%" in c for c in captions)
        assert t(f"family.about.{arch}", lang) in captions


@pytest.mark.parametrize(("arch", "tok"), PAIRS)
def test_views_equal_the_members_arrays(arch, tok):
    name = member_name(arch, tok)
    a = nets.analyze_text(TEXT, name)
    ch = {}
    for vid in ("rnn.tokens", "rnn.hidden", "rnn.gates", "rnn.attention", "rnn.prefix",
                "rnn.trajectory", "rnn.unrolled"):  # fmt: skip
        ch.update(charts(open_member("en", vid, arch, tok)))
    assert list(ch["tokens.table"][0]["cells"]["values"][3]) == a.token_ids
    np.testing.assert_array_equal(arr(ch["attention.bars"][0]["y"]), a.attention)
    np.testing.assert_array_equal(arr(ch["prefix.curve"][0]["y"]), a.prefix_prob_positive)
    H = a.units
    fwd = a.hidden[:, :H]
    order = rx.unit_order(fwd, "variance", name)
    np.testing.assert_array_equal(arr(ch["hidden.heatmap"][0]["z"]), fwd[:, order].T)
    if arch == "lstm":
        for k, letter in enumerate("ifo"):
            z = arr(ch["gates.units"][k]["z"])
            np.testing.assert_array_equal(z, a.gates[letter][:, order].T)
        np.testing.assert_array_equal(arr(ch["gates.cell"][0]["z"]), a.cell[:, order].T)
        np.testing.assert_array_equal(arr(ch["gates.cell"][1]["z"]), a.hidden[:, order].T)
        np.testing.assert_allclose(arr(ch["gates.means"][1]["y"]), rx.gate_means(a.gates["f"]))
    else:
        np.testing.assert_array_equal(arr(ch["gates.units"][0]["z"]), a.gates["z"][:, order].T)
    if arch == "bigru":
        for d, probs in (("forward", a.prefix_prob_positive),
                         ("backward", a.suffix_prob_positive)):  # fmt: skip
            path = [tr for tr in ch[f"trajectory.path_{d}"] if "lines" in tr.get("mode", "")]
            pts = rx.project_states(a.direction_states(d), name, d)
            np.testing.assert_array_equal(arr(path[0]["x"]), pts[:, 0])
            np.testing.assert_array_equal(arr(path[0]["marker"]["color"]), probs)
    else:
        path = [tr for tr in ch["trajectory.path"] if "lines" in tr.get("mode", "")]
        np.testing.assert_array_equal(arr(path[0]["x"]), rx.project_states(a.hidden, name)[:, 0])


def test_bidirectional_reader_switch_and_prefix_message():
    name = member_name("bigru", "char")
    a = nets.analyze_text(TEXT, name)
    at = open_member("zh", "rnn.hidden", "bigru", "char")
    at.button_group(key="rnn.dir").set_value("backward").run()
    assert not at.exception
    back = a.direction_states("backward")
    order = rx.unit_order(back, "variance", name, a.units)
    np.testing.assert_array_equal(arr(charts(at)["hidden.heatmap"][0]["z"]), back[:, order].T)
    at = open_member("en", "rnn.gates", "bigru", "char")
    at.button_group(key="rnn.dir").set_value("backward").run()
    np.testing.assert_array_equal(
        arr(charts(at)["gates.units"][1]["z"]), a.direction_states("backward", "r")[:, order].T
    )
    for lang in ("zh", "en"):
        at = open_member(lang, "rnn.prefix", "bigru", "char")
        assert t("family.prefix.bi", lang) in [i.value for i in at.info]
        assert t("family.prefix.reread", lang) in charts(at)["prefix.curve"][0]["name"]
    at = open_member("en", "rnn.prefix", "gru", "char")
    assert t("family.prefix.bi", "en") not in [i.value for i in at.info]


@pytest.mark.parametrize(("arch", "tok"), [("lstm", "word"), ("bigru", "char"), ("gru", "word")])
def test_heavy_views_are_the_members_own(arch, tok):
    name = member_name(arch, tok)
    at = open_member("en", "rnn.attribution", arch, tok)
    attr = nets.attribution.text_attributions(TEXT, name)
    np.testing.assert_allclose(arr(charts(at)["attribution.bars"][0]["y"]), attr, atol=1e-5)
    at = open_member("zh", "rnn.memory", arch, tok)
    mc = nets.attribution.memory_curves(TEXT, name)
    traces = charts(at)["memory.curve"]
    expected = [mc.state, mc.decision] if mc.state_backward is None else [
        mc.state, mc.state_backward, mc.decision]  # fmt: skip
    assert len(traces) == len(expected)
    for tr, ref in zip(traces, expected, strict=True):
        np.testing.assert_allclose([float(c[2]) for c in tr["customdata"]], ref, rtol=1e-5)


def test_two_models_on_one_chart_share_the_character_axis():
    at = open_member("en", "rnn.members", "gru", "char")
    at.selectbox(key="rnn.members.other").set_value("text_bigru_word").run()
    assert not at.exception and not at.error
    a, b = nets.analyze_text(TEXT, "text_gru"), nets.analyze_text(TEXT, "text_bigru_word")
    tr = charts(at)["members.chart"]
    lines, bars = tr[:2], tr[2:]
    np.testing.assert_array_equal(arr(lines[0]["y"]), a.prefix_prob_positive)
    np.testing.assert_array_equal(arr(lines[1]["y"]), b.prefix_prob_positive)
    np.testing.assert_array_equal(arr(bars[1]["y"]), b.attention)
    # a word sits at its last character's step on the characters' axis
    np.testing.assert_array_equal(arr(lines[1]["x"]), vf.word_positions(b.raw_tokens))
    assert arr(lines[1]["x"])[-1] == len(a.tokens) - 1
    assert lines[1]["line"]["dash"] == "dash"  # the bidirectional member's re-read prefixes


def test_selector_writes_the_url_and_defaults_stay_out():
    at = open_view("rnn", "rnn.gates", "en", text="not bad at all")
    assert "model" not in at.query_params and "tok" not in at.query_params
    assert set(charts(at)) == {"gates.means", "gates.units"}
    at.button_group(key="rnn.model").set_value("lstm").run()
    assert not at.exception
    assert at.query_params["model"] in (["lstm"], "lstm")
    assert set(charts(at)) == {"gates.means", "gates.units", "gates.cell"}
    at.button_group(key="rnn.tok").set_value("word").run()
    assert at.query_params["tok"] in (["word"], "word")
    a = nets.analyze_text("not bad at all", "text_lstm_word")
    np.testing.assert_allclose(arr(charts(at)["gates.means"][0]["y"]), rx.gate_means(a.gates["i"]))
    at.button_group(key="rnn.model").set_value("gru").run()
    at.button_group(key="rnn.tok").set_value("char").run()
    assert "model" not in at.query_params and "tok" not in at.query_params


def test_unknown_url_values_fall_back_to_the_gru():
    at = open_view("rnn", None, "en", text="good", model="transformer", tok="bytes")
    assert at.button_group(key="rnn.model").value == "gru"
    assert at.button_group(key="rnn.tok").value == "char"


def test_a_member_without_weights_says_so(monkeypatch, tmp_path):
    import ui.family_input

    monkeypatch.setattr(ui.family_input, "MODELS", tmp_path)
    for lang in ("zh", "en"):
        at = open_view("rnn", None, lang, text="good", model="lstm")
        assert t("family.missing", lang, name="text_lstm") in [w.value for w in at.warning]
        assert not at.get("plotly_chart")


@pytest.mark.parametrize(
    ("name", "lang"), [(n, ("zh", "en")[i % 2]) for i, n in enumerate(MEMBERS)]
)
def test_bad_inputs_through_every_member(name, lang):
    m = MEMBERS[name]
    at = open_member(lang, None, m.arch, m.tok, text="good")
    for text in BAD_INPUTS.values():
        at.text_area(key="rnn.text").input(text).run()
        assert not at.exception, (name, text, [e.value for e in at.exception])
        try:
            a = nets.analyze_text(text, name)
        except nets.InputError as exc:
            if text.strip():
                assert exc.message(lang) in [e.value for e in at.error]
            assert not at.get("plotly_chart")
            continue
        h = next(tr for tr in charts(at)["unrolled.chart"] if tr.get("name") == "h")
        T = len(a.tokens)  # the step kept from the previous sentence, if it still fits
        step = at.select_slider(key=views.STEP_KEY).value if T > 1 else 0
        lo, hi = vr.unroll_window(T, step)
        np.testing.assert_allclose(arr(h["marker"]["color"]), a.prefix_prob_positive[lo:hi])
        for md in at.markdown:
            raw = md.value.replace("\\<", "").replace("\\]\\(", "")
            assert "<script" not in raw and "<img" not in raw and "](javascript" not in raw
    at.text_area(key="rnn.text").input("good").run()
    assert charts(at)["unrolled.chart"]
