"""The side-by-side page under AppTest: both columns for a sentence and for a digit, figures
holding each model's own real output, the documents' claims as links to the claims lab, and
the minimal pairs shared with the lab."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import chart_specs, open_view
from conftest import plotly_array as arr
from streamlit.testing.v1 import AppTest

import nets
from nets.registry import load_npz
from ui.i18n import LANGS, t

SENTENCE = "虽然价格有点贵，但是服务很好，房间也很干净"

pytestmark = pytest.mark.timeout(240)


def run(lang: str = "en", view: str | None = None, **query) -> AppTest:
    return open_view("compare", view, lang, timeout=120, **query)


def charts(at: AppTest) -> dict[str, dict]:
    """Plotly figures on the page by their key (without the "compare." prefix)."""
    return {k.removeprefix("compare."): spec for k, spec in chart_specs(at).items()}


def messages(at: AppTest) -> list[str]:
    return [m.value for m in (*at.success, *at.warning, *at.error, *at.info)]


def test_text_both_columns_hold_their_own_predictions():
    at = run("en", text=SENTENCE)
    gru, cnn = nets.analyze_text(SENTENCE), nets.analyze_text_cnn(SENTENCE)
    assert set(charts(at)) == {"text.probs"}  # only the opened view draws
    probs = charts(at)["text.probs"]["data"]
    np.testing.assert_allclose(
        arr(probs[0]["y"]), [1 - cnn.prob_positive, cnn.prob_positive], atol=1e-6
    )
    np.testing.assert_allclose(
        arr(probs[1]["y"]), [1 - gru.prob_positive, gru.prob_positive], atol=1e-6
    )
    labels = [m.value for m in at.metric]
    assert labels[:2] == [
        t(f"compare.class.{cnn.label}", "en"),
        t(f"compare.class.{gru.label}", "en"),
    ]
    md = " ".join(m.value for m in at.markdown)
    assert t("compare.name.textcnn", "en") in md and t("compare.name.gru", "en") in md


def test_text_views_hold_each_models_own_arrays():
    gru, cnn = nets.analyze_text(SENTENCE), nets.analyze_text_cnn(SENTENCE)
    at = run("en", "compare.gru", text=SENTENCE)
    figs = charts(at)
    np.testing.assert_allclose(arr(figs["gru.attention"]["data"][0]["y"]), gru.attention, atol=1e-6)
    prefix = arr(figs["gru.prefix"]["data"][0]["y"])
    np.testing.assert_allclose(prefix, gru.prefix_prob_positive, atol=1e-6)
    # TextCNN: the n-gram grid and the chosen filter's feature map along the sentence
    at = run("en", "compare.ngrams", text=SENTENCE)
    figs = charts(at)
    np.testing.assert_allclose(arr(figs["ngrams.grid"]["data"][0]["z"]), cnn.ngram_grid())
    k = at.selectbox(key="compare.ngrams.k").value
    f = int(at.number_input(key=f"compare.ngrams.f{k}").value)
    assert f == cnn.strongest_filter(k)
    np.testing.assert_allclose(arr(figs["ngrams.map"]["data"][0]["y"]), cnn.maps[k][f], atol=1e-6)
    # attributions of both models on one token axis
    from nets.attribution import text_attributions

    at = run("en", "compare.attr_text", text=SENTENCE)
    attr = charts(at)["attr_text.bars"]["data"]
    np.testing.assert_allclose(
        arr(attr[0]["y"]), text_attributions(SENTENCE, "text_cnn"), atol=1e-4
    )
    np.testing.assert_allclose(
        arr(attr[1]["y"]), text_attributions(SENTENCE, "text_gru"), atol=1e-4
    )
    np.testing.assert_array_equal(arr(attr[0]["x"]), arr(attr[1]["x"]))


@pytest.mark.parametrize("lang", LANGS)
def test_claims_view_links_every_verdict_to_its_lab_section(lang):
    from nets.lab import results
    from nets.lab.verdicts import all_verdicts
    from ui.views import all_views
    from ui.views.lab import CLAIMS

    assert not {"compare.ev_speed", "compare.ev_long", "compare.ev_cost"} & set(all_views())
    at = run(lang, "compare.claims", text=SENTENCE)
    df = at.table[0].value
    verdicts = all_verdicts(results.read_all())
    assert len(df) == len(CLAIMS)
    for (_, row), (claim, view) in zip(df.iterrows(), CLAIMS, strict=True):
        assert row[t("lab.col.claim", lang)] == t(f"lab.claim.{claim}", lang)
        assert row[t("lab.col.verdict", lang)] == t(f"lab.verdict.{verdicts[claim].verdict}", lang)
        assert f"(lab?view={view}&lang={lang})" in row[t("lab.col.section", lang)]
    assert not charts(at)  # no chart: the evidence lives in the lab


def test_bad_sentence_shows_a_message_not_a_traceback():
    at = run("zh", text="   \u200b ")
    assert any(w.value for w in at.warning)
    assert not at.get("plotly_chart")
    at.text_area(key="compare.text").input("服务很好").run()
    assert not at.exception and charts(at)


@pytest.mark.parametrize("lang", LANGS)
def test_image_both_columns(lang):
    at = run(lang, "compare.image")
    assert at.segmented_control(key="compare.mode").value == "image"
    img = nets.analyze_image(load_npz("samples/digits.npz")["images"][0])
    rows = nets.analyze_rows(img.input28)
    probs = charts(at)["image.probs"]["data"]
    np.testing.assert_allclose(arr(probs[0]["y"]), img.probs, atol=1e-6)
    np.testing.assert_allclose(arr(probs[1]["y"]), rows.probs, atol=1e-5)
    md = " ".join(m.value for m in at.markdown)
    assert t("compare.name.cnn", lang) in md and t("compare.name.rowgru", lang) in md
    at = run(lang, "compare.row_scan")  # a digit view's link opens the digit mode
    scan = charts(at)["row_scan.scan"]
    assert len(scan["frames"]) == 28
    np.testing.assert_allclose(
        arr(scan["frames"][5]["data"][0]["y"]), rows.step_probs[5], atol=1e-5
    )
    maps = charts(run(lang, "compare.cnn_maps"))["cnn_maps.maps"]["data"][0]
    where = arr(maps["customdata"])
    cells = where[..., 0] == 3
    ref = img.activations["relu1"][3][where[cells][:, 1], where[cells][:, 2]]
    np.testing.assert_allclose(arr(maps["z"])[cells], ref, atol=1e-4)
    for view in ("compare.attr_image", "compare.claims"):
        at = run(lang, view)
        assert not at.exception, view
        assert t("view.error", lang) not in [e.value for e in at.error], view
        size = sum(len(json.dumps(f)) for f in charts(at).values())
        assert size < 300_000, (view, size)


def test_contrast_view_marks_each_verdict_against_the_hand_written_label():
    from nets.contrast import contrast_results

    at = run("en", "compare.contrast")
    rows = contrast_results()
    for cat, lang in (("negation", "zh"), ("double_negation", "en")):
        at.segmented_control(key="compare.contrast.cat").set_value(cat).run()
        at.segmented_control(key="compare.contrast.lang").set_value(lang).run()
        assert not at.exception
        df = next(
            d.value for d in at.dataframe if t("compare.contrast.text", "en") in d.value.columns
        )
        want = [r for r in rows if r["category"] == cat and r["lang"] == lang]
        assert len(want) >= 24  # ≥ 12 pairs per category and language
        assert list(df[t("compare.contrast.text", "en")]) == [r["text"] for r in want]
        for (_, row), r in zip(df.iterrows(), want, strict=True):
            said = row[t("compare.contrast.rnn_label", "en")]
            assert said.startswith("✓" if r["rnn_ok"] else "✗")
            cnn_col = f"{t('compare.name.textcnn', 'en')} P(+)"
            assert row[cnn_col] == pytest.approx(r["cnn"], abs=1e-3)
            assert row[t("compare.contrast.expected", "en")] == t(
                f"compare.class.{r['expected']}", "en"
            )


@pytest.mark.parametrize("lang", LANGS)
def test_translation_view_shows_the_shipped_curves_and_the_live_shift(lang):
    from nets.shift import load_shift_accuracy, shifted_predictions

    at = run(lang, "compare.translation")
    assert at.segmented_control(key="compare.mode").value == "image"
    at.slider(key="compare.translation.dx").set_value(-5).run()
    at.slider(key="compare.translation.dy").set_value(2).run()
    assert not at.exception
    figs = charts(at)
    acc = load_shift_accuracy()
    lines = figs["translation.accuracy"]["data"]
    np.testing.assert_allclose(arr(lines[0]["y"]), acc.accuracy["image_cnn"]["x"])
    np.testing.assert_allclose(arr(lines[3]["y"]), acc.accuracy["row_gru"]["y"])
    assert [s["x0"] for s in figs["translation.accuracy"]["layout"]["shapes"]] == [-5, 2]
    img = nets.analyze_image(load_npz("samples/digits.npz")["images"][0])
    live = shifted_predictions(img.input28, 2, -5)
    shown = [m.value for m in at.metric]
    assert t("compare.shift.preds", lang, a=img.label, b=live.cnn_label) in shown
    assert any("0.0e+00" in c.value for c in at.caption)  # the maps move exactly
