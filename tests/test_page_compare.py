"""The side-by-side page under AppTest: both columns for a sentence and for a digit, figures
holding each model's own real output, evidence panels reading assets/metrics with a verdict,
and ui/tables rendering every row of the documents' tables."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from conftest import open_app
from conftest import plotly_array as arr
from streamlit.testing.v1 import AppTest

import nets
from nets import doc_tables, evidence
from nets.registry import load_npz
from ui.i18n import LANGS, t

ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "pages" / "compare.py")
SENTENCE = "虽然价格有点贵，但是服务很好，房间也很干净"
VERDICT_WORDS = {
    lang: [t(f"compare.verdict.{v}", lang) for v in ("agree", "disagree", "depends", "missing")]
    for lang in LANGS
}

pytestmark = pytest.mark.timeout(240)


def run(lang: str = "en", **query) -> AppTest:
    return open_app(PAGE, lang, timeout=120, **query)


def charts(at: AppTest) -> dict[str, dict]:
    """Plotly figures on the page by their key (without the "compare." prefix)."""
    out = {}
    for c in at.get("plotly_chart"):
        key = c.proto.id.split("-")[-1].removeprefix("compare.")
        out[key] = json.loads(c.proto.spec)
    return out


def messages(at: AppTest) -> list[str]:
    return [m.value for m in (*at.success, *at.warning, *at.error, *at.info)]


def assert_verdicts(at: AppTest, lang: str, n: int = 3) -> None:
    found = [m for m in messages(at) if any(f"**{w}**" in m for w in VERDICT_WORDS[lang])]
    assert len(found) >= n, messages(at)


@pytest.fixture(scope="module")
def text_page() -> AppTest:
    return run("en", text=SENTENCE)


def test_text_both_columns_hold_their_own_predictions(text_page):
    at = text_page
    gru, cnn = nets.analyze_text(SENTENCE), nets.analyze_text_cnn(SENTENCE)
    figs = charts(at)
    probs = figs["t_probs"]["data"]
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
    # GRU: attention and prefix prediction are the model's own
    np.testing.assert_allclose(arr(figs["t_attn"]["data"][0]["y"]), gru.attention, atol=1e-6)
    prefix = arr(figs["t_prefix"]["data"][0]["y"])
    np.testing.assert_allclose(prefix, gru.prefix_prob_positive, atol=1e-6)
    # TextCNN: the chosen filter's feature map along the sentence
    fmap = arr(figs["t_fmap"]["data"][0]["y"])
    k = at.selectbox(key="compare.k").value
    f = int(at.number_input(key=f"compare.filter_{k}").value)
    np.testing.assert_allclose(fmap, cnn.maps[k][f], atol=1e-6)
    # attributions of both models on one token axis
    from nets.attribution import text_attributions

    attr = figs["t_attr"]["data"]
    np.testing.assert_allclose(
        arr(attr[0]["y"]), text_attributions(SENTENCE, "text_cnn"), atol=1e-4
    )
    np.testing.assert_allclose(
        arr(attr[1]["y"]), text_attributions(SENTENCE, "text_gru"), atol=1e-4
    )
    np.testing.assert_array_equal(arr(attr[0]["x"]), arr(attr[1]["x"]))
    size = sum(len(json.dumps(f)) for f in figs.values())
    print(f"\n[compare text page] chart JSON {size / 1024:.0f} KB")
    assert size < 300_000


def test_evidence_panels_read_the_metrics_files(text_page):
    at = text_page
    figs = charts(at)
    speed = figs["e_speed"]["data"]
    m = {n: evidence.read_metrics(n) for n in ("text_cnn", "text_gru", "image_cnn", "row_gru")}
    assert list(arr(speed[0]["y"])) == [
        m["text_cnn"]["seconds_per_epoch"],
        m["image_cnn"]["seconds_per_epoch"],
    ]
    assert list(arr(speed[1]["y"])) == [
        m["text_gru"]["seconds_per_epoch"],
        m["row_gru"]["seconds_per_epoch"],
    ]
    la = evidence.accuracy_by_length("all")
    long_ = figs["e_long"]["data"]
    np.testing.assert_allclose(arr(long_[0]["y"]), la.cnn)
    np.testing.assert_allclose(arr(long_[1]["y"]), la.rnn)
    assert_verdicts(at, "en")
    # the cost table shows the measured MACs of this sentence
    cost = evidence.measure_cost("text_cnn", SENTENCE)
    frames = [df.value for df in at.dataframe]
    assert any(f"{cost.macs:,}" in df.to_string() for df in frames)


def test_text_verdicts_match_the_functions(text_page):
    v = evidence.verdict_training_speed()
    word = t(f"compare.verdict.{v.verdict}", "en")
    assert any(m.startswith(f"**{word}**") for m in messages(text_page))


def test_bad_sentence_shows_a_message_not_a_traceback():
    at = run("zh", text="   \u200b ")
    assert any(w.value for w in at.warning)
    assert_verdicts(at, "zh")  # the evidence still shows (on a default sentence)


def test_live_timing_and_contrast_pairs(text_page):
    at = text_page
    at.toggle(key="compare.timing").set_value(True)
    at.toggle(key="compare.contrast").set_value(True).run()
    assert not at.exception
    assert "e_time" in charts(at)
    texts = {p[s] for p in evidence.CONTRAST_PAIRS for s in "ab"}
    df = next(d.value for d in at.dataframe if t("compare.contrast.text", "en") in d.value.columns)
    assert set(df[t("compare.contrast.text", "en")]) == texts
    for _, row in df.iterrows():
        s = row[t("compare.contrast.text", "en")]
        assert row[f"{t('compare.name.textcnn', 'en')} P(+)"] == pytest.approx(
            nets.analyze_text_cnn(s).prob_positive, abs=1e-3
        )
        assert row[f"{t('compare.name.gru', 'en')} P(+)"] == pytest.approx(
            nets.analyze_text(s).prob_positive, abs=1e-3
        )


@pytest.mark.parametrize("lang", LANGS)
def test_image_both_columns(lang):
    at = run(lang, cmp_view="translation")
    assert at.segmented_control(key="compare.mode").value == "image"
    figs = charts(at)
    img = nets.analyze_image(load_npz("samples/digits.npz")["images"][0])
    rows = nets.analyze_rows(img.input28)
    probs = figs["i_p"]["data"]
    np.testing.assert_allclose(arr(probs[0]["y"]), img.probs, atol=1e-6)
    np.testing.assert_allclose(arr(probs[1]["y"]), rows.probs, atol=1e-5)
    scan = figs["i_scan"]
    assert len(scan["frames"]) == 28
    np.testing.assert_allclose(
        arr(scan["frames"][5]["data"][0]["y"]), rows.step_probs[5], atol=1e-5
    )
    md = " ".join(m.value for m in at.markdown)
    assert t("compare.name.cnn", lang) in md and t("compare.name.rowgru", lang) in md
    # the translation experiment: the moved digit's CNN map is the model's own
    dy = int(at.slider(key="compare.dy").value)
    r = evidence.translation_experiment(img.input28, dy)
    lines = figs["s_rnn"]["data"]
    lab = int(r.rnn_probs.argmax())
    np.testing.assert_allclose(arr(lines[1]["y"]), r.rnn_step_probs_shifted[:, lab], atol=1e-5)
    assert_verdicts(at, lang)
    size = sum(len(json.dumps(f)) for f in figs.values())
    print(f"\n[compare image page] chart JSON {size / 1024:.0f} KB")
    assert size < 300_000


def test_every_table_row_renders():
    def script():
        from ui.tables import show_all_tables

        show_all_tables("zh")

    at = AppTest.from_function(script, default_timeout=60)
    at.run()
    assert not at.exception
    tables = [tb.value for tb in at.table]
    data = doc_tables.load_tables()
    ids = [tb["id"] for src in data["sources"] for tb in data["tables"] if tb["source"] == src]
    assert sorted(ids) == sorted(doc_tables.table_ids())
    assert len(tables) == len(ids)
    for df, tid in zip(tables, ids, strict=True):
        headers, rows = doc_tables.rows_for(tid, "zh")
        assert len(df) == len(rows)
        for row_cells, (_, df_row) in zip(rows, df.iterrows(), strict=True):
            assert [str(df_row[h]) for h in headers] == row_cells
    captions = " ".join(c.value for c in at.caption)
    for tid in ids:
        assert doc_tables.source_label(tid, "zh") in captions


def test_rows_name_their_live_view():
    from ui.tables import ROW_VIEWS, VIEWS, table_frame

    for (tid, rid), view in ROW_VIEWS.items():
        assert view in VIEWS and rid in doc_tables.row_ids(tid)
    df = table_frame("performance", "en")
    assert list(df[t("tables.col.view", "en")]) == [
        t(f"compare.view.{ROW_VIEWS[('performance', r)]}", "en")
        for r in doc_tables.row_ids("performance")
    ]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_table_rows_link_to_their_live_view(lang):
    """Every row that a live view shows links to the side-by-side page opened on that view."""
    from nets import doc_tables
    from ui.tables import ROW_VIEWS, linked_frame

    col = t("tables.col.view", lang)
    linked = 0
    for table_id in doc_tables.table_ids():
        df = linked_frame(table_id, lang)
        for rid, cell in zip(doc_tables.row_ids(table_id), df.get(col, []), strict=False):
            view = ROW_VIEWS.get((table_id, rid))
            if view:
                assert (
                    cell
                    == f"[{t(f'compare.view.{view}', lang)}](compare?cmp_view={view}&lang={lang})"
                )
                linked += 1
            else:
                assert cell == "—"
    assert linked == len(ROW_VIEWS)
