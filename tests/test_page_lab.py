"""The claims lab page under AppTest, in both languages: every section draws the shipped numbers
(assets/metrics/lab) with a verdict computed by its rule and the rule beside it; the documents'
words are quoted verbatim; the typed pair, the live timing probe and the race run live (one race
at a time per process)."""

from __future__ import annotations

import re

import numpy as np
import pytest
from conftest import SEEDS, chart_specs, open_view
from conftest import plotly_array as arr

from nets.lab import race as lab_race
from nets.lab.results import read_all
from nets.lab.verdicts import all_verdicts
from ui.i18n import LANGS, strings, t
from ui.views import lab as views

pytestmark = pytest.mark.timeout(300)
RES = read_all()
VERDICTS = all_verdicts(RES)
needs_results = pytest.mark.skipif(not RES, reason="no lab results shipped")


def run(lang: str = "en", view: str | None = None, **query):
    return open_view("lab", view, lang, timeout=180, **query)


def boxes(at) -> list[str]:
    return [m.value for m in (*at.success, *at.warning, *at.error, *at.info)]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("view", [v.id for v in views.VIEWS])
def test_every_section_in_both_languages(lang, view):
    at = run(lang, view)
    assert t("view.error", lang) not in [e.value for e in at.error]
    md = " ".join(m.value for m in at.markdown)
    claims = [c for c, v in views.CLAIMS if v == view]
    for claim in claims:  # its verdict, its rule and the scope of every verdict
        word = t(f"lab.verdict.{VERDICTS[claim].verdict}", lang)
        head = t("lab.verdict_head", lang, claim=t(f"lab.claim.{claim}", lang), word=word)
        assert any(head in b and t("lab.scope", lang) in b for b in boxes(at)), (claim, boxes(at))
        rule = f"{t('lab.rule', lang)} {t(f'lab.rule.{claim}', lang)}"
        assert rule in [c.value for c in at.caption]
    if view not in ("lab.summary",):
        assert md.count("> ") >= 1  # the document's words, quoted


def test_summary_lists_every_claim_with_its_computed_verdict():
    at = run("zh", "lab.summary")
    df = at.table[0].value
    assert len(df) == len(views.CLAIMS)
    for (_, row), (claim, view) in zip(df.iterrows(), views.CLAIMS, strict=True):
        assert row[t("lab.col.verdict", "zh")] == t(f"lab.verdict.{VERDICTS[claim].verdict}", "zh")
        assert row[t("lab.col.doc", "zh")] == t(f"lab.claim_doc.{claim}", "zh")
        assert f"(lab?view={view}&lang=zh)" in row[t("lab.col.section", "zh")]


@needs_results
def test_speed_section_draws_the_recorded_curves_and_times():
    at = run("en", "lab.speed")
    figs = chart_specs(at)
    sp = RES["speed"]["text"]
    lines = figs["lab.speed.curves"]["data"]
    want = [r for m in ("cnn", "gru") for r in sp["runs"] if r["model"] == m]
    assert len(lines) == len(want)
    for line, r in zip(lines, want, strict=True):
        np.testing.assert_allclose(arr(line["y"]), r["curve"]["val_acc"])
        np.testing.assert_allclose(arr(line["x"]), r["curve"]["cpu_s"])
    marks = [d.get("marker", {}) for d in figs["lab.speed.strip"]["data"]]
    dots = [d for d, m in zip(figs["lab.speed.strip"]["data"], marks, strict=True)
            if m.get("size") == 9 and m.get("symbol") != "x"]  # fmt: skip
    missed = [d for d, m in zip(figs["lab.speed.strip"]["data"], marks, strict=True)
              if m.get("symbol") == "x"]  # fmt: skip
    assert sum(len(d["x"]) for d in missed) == sum(r["cpu_to_target"] is None for r in want)
    got = sorted(float(v) for d in dots for v in arr(d["y"]))
    assert got == pytest.approx(sorted(r["cpu_to_target"] for r in want if r["cpu_to_target"]))
    timing = figs["lab.speed.timing"]["data"][0]
    tm = RES["timing"]["times"]["1"]["cnn"]
    np.testing.assert_allclose(arr(timing["y"]), [np.median(tm[str(L)]["cpu_ms"])
                                                  for L in RES["timing"]["lengths"]])  # fmt: skip
    at.segmented_control(key="lab.speed.pair").set_value("digits").run()
    assert not at.exception
    digits = chart_specs(at)["lab.speed.curves"]["data"]
    np.testing.assert_allclose(
        arr(digits[0]["y"]), RES["speed"]["digits"]["runs"][0]["curve"]["val_acc"]
    )


@needs_results
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_long_text_draws_buckets_of_50_with_their_intervals(lang):
    at = run("en", "lab.long")
    at.segmented_control(key="lab.long.lang").set_value(lang).run()
    rows = [r for r in RES["long_text"]["langs"][lang] if r["n"] >= 50]
    fig = chart_specs(at)["lab.long.buckets"]["data"]
    np.testing.assert_allclose(arr(fig[0]["y"]), [r["cnn"][0] for r in rows])
    np.testing.assert_allclose(arr(fig[1]["y"]), [r["rnn"][0] for r in rows])
    np.testing.assert_allclose(arr(fig[1]["error_y"]["array"]), [r["rnn"][2] - r["rnn"][0] for r in rows],
                               atol=1e-9)  # fmt: skip
    assert len(fig[0]["x"]) == len(rows)  # buckets under 50 sentences are not drawn
    small = [r for r in RES["long_text"]["langs"][lang] if r["n"] < 50]
    caps = " ".join(c.value for c in at.caption)
    for r in small:
        assert f"{r['bucket']} (n={r['n']})" in caps


@needs_results
def test_pairs_categories_and_a_typed_pair():
    from nets.contrast import batch_probs

    at = run("en", "lab.pairs")
    pr = RES["pairs"]["categories"]
    fig = chart_specs(at)["lab.pairs.categories"]["data"]
    cats = [c for c in pr if "all" in pr[c]]
    np.testing.assert_allclose(arr(fig[1]["y"]), [pr[c]["all"]["rnn"][0] for c in cats])
    at.text_input(key="lab.pairs.a").input("the room was clean").run()
    at.text_input(key="lab.pairs.b").input("the room was not clean").run()
    assert not at.exception
    df = at.dataframe[-1].value
    p = batch_probs(["the room was clean", "the room was not clean"], "text_gru")
    got = [float(v.split()[-1]) for v in df[t("lab.model.app_rnn", "en")]]
    np.testing.assert_allclose(got, p, atol=0.006)
    assert any("“not”" in c.value for c in at.caption)  # the edit the models see
    at.text_input(key="lab.pairs.b").input("   ").run()  # bad input: a message, not a traceback
    assert not at.exception and at.warning


def test_the_timing_probe_runs_live():
    at = run("en", "lab.speed")
    at.segmented_control(key="lab.speed.probe_len").set_value(16).run()
    at.button(key="lab.speed.probe").click().run()
    assert not at.exception
    assert len(at.metric) == 2 and all(m.value.endswith(" ms") for m in at.metric)


def test_race_runs_live_and_a_second_race_is_refused(monkeypatch):
    monkeypatch.setattr(lab_race, "LIMIT_S", 3.0)
    monkeypatch.setattr(lab_race, "RUNNER", lab_race.RaceRunner())
    at = run("en", "lab.race")
    at.segmented_control(key="lab.race.kind").set_value("digits").run()
    at.button(key="lab.race.start").click().run(timeout=240)  # draws until the race ends
    assert not at.exception
    mine = chart_specs(at)["lab.race.mine"]["data"]
    snap = lab_race.RUNNER.snapshot()
    assert snap.status == "done" and snap.kind == "digits"
    np.testing.assert_allclose(arr(mine[1]["y"]), snap.result["points"]["cnn"]["val_acc"])
    assert lab_race.RUNNER.start("text", 0, limit_s=20.0) is not None  # someone else's race
    try:
        other = run("zh", "lab.race")
        other.button(key="lab.race.start").click().run()
        busy = [w.value for w in (*other.warning, *other.info)]
        assert any(w.startswith(t("lab.race.busy", "zh", s="")[:10]) for w in busy), busy
        assert "lab.race.recorded" in chart_specs(other) or not RES.get("race")
    finally:
        assert lab_race.RUNNER.wait(timeout=120)


@pytest.mark.skipif(not SEEDS.is_dir(), reason="seed documents not available")
def test_quotes_are_the_documents_words():
    docs = "\n".join(p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt")))
    docs = docs.replace("**", "")
    quotes = {k: v for k, v in strings().items() if k.startswith("lab.quote.")}
    assert len(quotes) >= 20
    for key, val in quotes.items():
        for part in re.split(r" \| ", val["zh"]):  # a table row: each cell is in the row
            assert part in docs, (key, part)
        assert t(key.replace("quote", "src"), "zh")
