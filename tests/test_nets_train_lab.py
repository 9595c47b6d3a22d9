"""nets/train_lab.py (``python -m nets.train lab``): ``--quick`` writes every section's JSON with its
code version into the given folder (never into assets/), and reproduces its own numbers with the
same seed (everything but the clocks)."""

from __future__ import annotations

import json

import pytest

from nets import train
from nets.lab import results
from nets.paths import ASSETS

pytestmark = pytest.mark.timeout(900)

CLOCKS = {"cpu_s", "wall_s", "cpu_ms", "wall_ms", "cpu_to_target", "wall_to_target",
          "elapsed_s", "meta", "load", "fraction"}  # fmt: skip


def without_clocks(x):
    """The JSON without timings and run metadata (what a rerun may change)."""
    if isinstance(x, dict):
        return {k: without_clocks(v) for k, v in x.items() if k not in CLOCKS}
    if isinstance(x, list):
        return [without_clocks(v) for v in x]
    return x


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    """The CLI once (all sections) and ``run`` again in another folder."""
    before = sorted(p.name for p in (ASSETS / "metrics" / "lab").glob("*.json"))
    mtimes = [p.stat().st_mtime_ns for p in sorted((ASSETS / "metrics" / "lab").glob("*.json"))]
    a, b = tmp_path_factory.mktemp("lab_a"), tmp_path_factory.mktemp("lab_b")
    train.main(["lab", "--quick", "--out", str(a)])
    from nets.train_lab import run

    run(b, dry=False, quick=True, sections=tuple(s for s in results.SECTIONS if s != "timing")
        + ("speed_text", "speed_digits", "synthetic_first", "synthetic_pattern"))  # fmt: skip
    after = [p.stat().st_mtime_ns for p in sorted((ASSETS / "metrics" / "lab").glob("*.json"))]
    assert sorted(p.name for p in (ASSETS / "metrics" / "lab").glob("*.json")) == before
    assert after == mtimes  # the committed results were not touched
    return a, b


def test_quick_writes_every_section_with_its_code_version(two_runs):
    a, _ = two_runs
    got = results.read_all(a / "metrics")
    assert set(got) == set(results.SECTIONS)
    for name, data in got.items():
        m = data["meta"]
        assert m["quick"] is True and m["seed"] == 0, name
        assert len(m["commit"]) == 40 or m["commit"] == "unknown"
        assert m["date"][:4].isdigit() and len(m["load_average"]) == 3
        assert m["command"] == "python -m nets.train lab --quick"
    assert (a / "lab" / "race.npz").is_file()
    assert {p.name for p in (a / "models" / "lab").glob("*.pt")} == {
        f"digit_{m}_{aug}.pt" for m in ("cnn", "gru") for aug in ("none", "shift")
    }
    from nets.lab.verdicts import all_verdicts

    assert all(v.verdict != "untestable" for v in all_verdicts(got).values())


def test_quick_reproduces_its_own_numbers(two_runs):
    a, b = two_runs
    first, second = results.read_all(a / "metrics"), results.read_all(b / "metrics")
    assert "timing" not in second  # the timing section is only clocks
    for name in second:
        x, y = without_clocks(first[name]), without_clocks(second[name])
        assert json.dumps(x, sort_keys=True) == json.dumps(y, sort_keys=True), name
    # the reproduced numbers are not empty
    assert second["speed"]["text"]["runs"][0]["curve"]["val_acc"]
    assert second["synthetic"]["tasks"]["first_token"]["models"]["gru"]["acc"]
