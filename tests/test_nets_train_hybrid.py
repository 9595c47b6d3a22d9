"""The CNN + RNN page's training plug-ins (nets/train_crnn.py, nets/train_motion.py): dry runs
write only into their folder and give loadable weights; the model card lists both models."""

from __future__ import annotations

import json

import pytest
import torch

from nets import crnn as C
from nets import motion as Mo
from nets.paths import ASSETS, METRICS

SHIPPED = [ASSETS / "models" / f"{n}.pt" for n in ("crnn", "crnn_cnn_only", "motion_gru")]


@pytest.mark.timeout(600)
def test_dry_runs_write_only_into_their_folder(tmp_path):
    from nets.train import main

    before = [p.stat().st_mtime_ns for p in SHIPPED]
    main(["crnn", "motion", "--dry-run", "--out", str(tmp_path)])
    for name, files, load in (
        ("crnn", ("crnn", "crnn_cnn_only", "crnn_rnn_only"), C.from_checkpoint),
        ("motion", ("motion_gru", "motion_one_frame", "motion_diff"), Mo.from_checkpoint),
    ):
        m = json.loads((tmp_path / "metrics" / f"{name}.json").read_text(encoding="utf-8"))
        assert m["dry_run"] and 0 <= m["test_accuracy"] <= 1 and m["card"]["data_key"]
        assert set(m["models"]) == set(C.KINDS if name == "crnn" else Mo.KINDS)
        for f in files:
            model = load(torch.load(tmp_path / "models" / f"{f}.pt", weights_only=True))
            assert not model.training
    assert (tmp_path / "samples" / "strips.npz").is_file()
    assert (tmp_path / "samples" / "motion_digits.npz").is_file()
    assert [p.stat().st_mtime_ns for p in SHIPPED] == before


def test_shipped_metrics_state_targets_ablations_and_time():
    crnn = json.loads((METRICS / "crnn.json").read_text(encoding="utf-8"))
    assert not crnn["dry_run"] and crnn["params"] <= 300_000
    for kind in C.KINDS:
        test = crnn["models"][kind]["test"]
        assert set(test["by_length"]) == {str(n) for n in range(1, 9)}
        assert test["touching"]["n"] > 100 and test["not_touching"]["n"] > 100
    assert crnn["targets"]["number_accuracy"] == 0.9 and crnn["targets"]["digit_accuracy"] == 0.97
    assert crnn["train_seconds_all_three"] > 0 and crnn["load_average"]["start"]
    motion = json.loads((METRICS / "motion.json").read_text(encoding="utf-8"))
    assert motion["chance"] == pytest.approx(0.2) and motion["targets"]["accuracy"] == 0.95
    assert set(motion["models"]) == set(Mo.KINDS)


def test_the_model_card_lists_both_models():
    from ui.i18n import t
    from ui.model_card import card_models, model_card_rows

    assert {"crnn", "motion"} <= set(card_models())
    for lang in ("zh", "en"):
        rows = model_card_rows(lang)
        for name in ("crnn", "motion"):
            m = json.loads((METRICS / f"{name}.json").read_text(encoding="utf-8"))
            row = next(
                r for r in rows if r[t("card.col.model", lang)] == t(f"card.model.{name}", lang)
            )
            assert row[t("card.col.test_acc", lang)] == f"{m['test_accuracy'] * 100:.1f}%"
            assert row[t("card.col.params", lang)] == f"{m['params']:,}"
