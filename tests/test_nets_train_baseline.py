"""The TF-IDF + logistic-regression baseline (issue 10, item 12): real code, chosen on the
validation split, its shipped metrics reproduced by re-fitting, listed on the model card."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest

from nets.paths import METRICS

pytest.importorskip("sklearn")

PATH = METRICS / "tfidf_baseline.json"


@pytest.fixture(scope="module")
def shipped() -> dict:
    return json.loads(PATH.read_text(encoding="utf-8"))


def test_metrics_have_the_neural_models_keys(shipped):
    neural = json.loads((METRICS / "text_gru.json").read_text(encoding="utf-8"))
    for key in ("name", "architecture", "params", "date", "seed", "test_accuracy", "data"):
        assert key in shipped and key in neural
    assert set(shipped["test_accuracy_by_language"]) == {"zh", "en"}
    for k in ("train", "val", "test"):
        assert shipped["data"][k] == neural["data"][k]  # the same split
    assert shipped["params"] == shipped["data"]["features"] + 1
    assert shipped["card"] == {"data_key": "card.data.text", "order": 10}
    assert not shipped["dry_run"]
    assert {r["bucket"] for r in shipped["accuracy_by_length"]} == {
        r["bucket"] for r in neural["accuracy_by_length"]
    }


def test_settings_are_the_best_on_the_validation_split(shipped):
    grid = shipped["selection"]["grid"]
    assert shipped["selection"]["split"] == "val" and len(grid) > 1
    best = max(grid, key=lambda g: g["val_accuracy"])
    assert (best["ngram_max"], best["C"]) == (
        shipped["settings"]["ngram_max"],
        shipped["settings"]["C"],
    )
    assert shipped["val_accuracy"] == best["val_accuracy"]


@pytest.mark.timeout(180)
def test_refitting_reproduces_the_shipped_metrics(shipped):
    """Deterministic re-fit with the recorded settings on the training split."""
    from nets import train_baseline as tb
    from nets.data import load_text

    t = load_text()
    idx = tb.splits(dry=False)
    s = shipped["settings"]
    t0 = time.perf_counter()
    model = tb.fit(
        [t.tokens[i] for i in idx["train"]], t.labels[idx["train"]], s["ngram_max"], s["C"]
    )
    print(f"\n[baseline] re-fit in {time.perf_counter() - t0:.1f} s")
    assert model.n_features == shipped["data"]["features"]
    val = model.predict([t.tokens[i] for i in idx["val"]]) == t.labels[idx["val"]]
    assert float(val.mean()) == pytest.approx(shipped["val_accuracy"], abs=1e-12)
    rep = tb.report(model, idx["test"])
    assert rep["accuracy"] == pytest.approx(shipped["test_accuracy"], abs=1e-12)
    for lang in ("zh", "en"):
        assert rep["by_language"][lang] == pytest.approx(
            shipped["test_accuracy_by_language"][lang], abs=1e-12
        )
        assert rep["n_by_language"][lang] == shipped["test_n_by_language"][lang]
    assert rep["by_length"] == shipped["accuracy_by_length"]
    # the reference computation, by hand: accuracy of the predictions on the test split
    pred = model.predict([t.tokens[i] for i in idx["test"]])
    assert float(np.mean(pred == t.labels[idx["test"]])) == pytest.approx(rep["accuracy"])


def test_ngrams_are_characters_in_chinese_and_words_in_english():
    from nets.text import corpus_tokens
    from nets.train_baseline import ngrams

    assert ngrams(corpus_tokens("很好"), 2) == ["很", "好", "很 好"]
    assert ngrams(corpus_tokens("Not good"), 3) == ["not", "good", "not good"]


@pytest.mark.timeout(180)
def test_dry_run_writes_only_into_its_folder(tmp_path):
    from nets.train import main

    before = PATH.stat().st_mtime_ns
    main(["baseline", "--dry-run", "--out", str(tmp_path)])
    m = json.loads((tmp_path / "metrics" / "tfidf_baseline.json").read_text(encoding="utf-8"))
    assert m["dry_run"] and 0 <= m["test_accuracy"] <= 1
    assert m["data"]["train"] <= 600
    assert PATH.stat().st_mtime_ns == before


def test_model_card_lists_the_baseline(shipped):
    from ui.i18n import t
    from ui.model_card import card_models, model_card_rows

    assert "tfidf_baseline" in card_models()
    for lang in ("zh", "en"):
        rows = model_card_rows(lang)
        title = t("card.model.tfidf_baseline", lang)
        row = next(r for r in rows if r[t("card.col.model", lang)] == title)
        assert row[t("card.col.test_acc", lang)] == f"{shipped['test_accuracy'] * 100:.1f}%"
        assert row[t("card.col.test_zh", lang)] == (
            f"{shipped['test_accuracy_by_language']['zh'] * 100:.1f}%"
        )
