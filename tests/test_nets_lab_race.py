"""nets/lab/race.py: one race at a time per process (a second one is refused while the first runs),
the time limit stops a race, both models see the same batches, and the shipped race subset is
what the page races on."""

from __future__ import annotations

import time

import numpy as np
import pytest
import torch

from nets.lab import models as LM
from nets.lab import race as R

pytestmark = pytest.mark.timeout(240)


@pytest.fixture(autouse=True)
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)  # the app's setting
    yield
    torch.set_num_threads(before)


def test_shipped_subset():
    d = R.race_data()
    train, val = d["text"]
    assert (len(train), len(val)) == (R.TEXT_TRAIN, R.TEXT_VAL)
    assert max(len(s) for s in train.seqs) <= R.TEXT_MAX_LEN
    assert max(max(s) for s in train.seqs + val.seqs) < d["vocab_size"]
    dtrain, dval = d["digits"]
    assert (len(dtrain), len(dval)) == (R.DIGIT_TRAIN, R.DIGIT_VAL)
    assert float(dtrain.x.max()) <= 1.0 and set(np.unique(dtrain.y.numpy())) == set(range(10))
    models = R.race_models("text", 0)
    gap = LM.relative_gap(LM.body_params(models["cnn"]), LM.body_params(models["gru"]))
    assert gap < 0.01  # the matched pair


def test_a_second_concurrent_race_is_refused():
    runner = R.RaceRunner()
    rid = runner.start("digits", seed=1, limit_s=3.0)
    assert rid == 1 and runner.busy()
    assert runner.start("text", seed=2) is None  # refused while the first one runs
    assert 0 < runner.remaining() <= 3.0
    snap = runner.snapshot()
    assert (snap.id, snap.kind, snap.status) == (1, "digits", "running")
    assert runner.wait(timeout=120)
    done = runner.snapshot()
    assert done.status == "done" and done.result["stopped"] == "time"
    assert runner.remaining() == 0 and not runner.busy()
    assert runner.start("digits", seed=1, limit_s=0.5) == 2  # free again
    assert runner.wait(timeout=120)


def test_the_time_limit_stops_a_race_and_curves_grow():
    t0 = time.perf_counter()
    r = R.run_race("digits", seed=0, limit_s=2.0)
    elapsed = time.perf_counter() - t0
    assert r["stopped"] == "time" and 2.0 <= r["elapsed_s"] < 2.0 + 15  # one step may overrun
    assert elapsed < 60
    for m in R.MODELS:
        p = r["points"][m]
        assert p["step"][0] == 0 and p["val_acc"][0] is not None
        assert len(p["step"]) >= 2 and p["step"] == sorted(p["step"])
        assert p["cpu_s"] == sorted(p["cpu_s"]) and p["cpu_s"][-1] > 0
        assert p["loss"][0] is None and all(v is not None for v in p["loss"][1:])
    assert r["points"]["cnn"]["step"] == r["points"]["gru"]["step"]  # turns: same steps


def test_a_race_by_steps_is_reproducible():
    a = R.run_race("text", seed=3, limit_s=600, max_steps=12)
    b = R.run_race("text", seed=3, limit_s=600, max_steps=12)
    assert a["stopped"] == "steps"
    for m in R.MODELS:
        for k in ("step", "val_acc", "loss", "grad_norm"):
            assert a["points"][m][k] == b["points"][m][k], (m, k)
    updates = []
    R.run_race(
        "digits", 0, 600, max_steps=2 * R.EVAL_EVERY, on_update=lambda p, f: updates.append(f)
    )
    # the untrained point at once, then one per EVAL_EVERY steps
    assert len(updates) == 3 and all(0 <= f <= 1 for f in updates)
    assert updates == sorted(updates)
    with pytest.raises(ValueError):
        R.RaceRunner().start("audio")


def test_the_limit_counts_from_the_request():
    """The runner passes the moment a race was asked for: loading the data and building the
    models count toward the limit (a race asked for long ago stops after its first step)."""
    r = R.run_race("digits", seed=0, limit_s=2.0, started=time.perf_counter() - 100)
    assert r["stopped"] == "time" and r["elapsed_s"] >= 100
    assert r["points"]["cnn"]["step"][-1] == 1


def test_a_live_race_also_scores_by_the_clock():
    """On a busy server a live race gets a point at least every ``eval_every_s`` wall seconds
    (after a step); without it (the CLI's recorded race) only every EVAL_EVERY steps."""
    slow = R.run_race("digits", 0, 600, max_steps=4, eval_every_s=0.0)
    assert slow["points"]["cnn"]["step"] == [0, 1, 2, 3, 4]
    plain = R.run_race("digits", 0, 600, max_steps=4)
    assert plain["points"]["cnn"]["step"] == [0, 4]
