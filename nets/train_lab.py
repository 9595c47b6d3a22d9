"""The claims lab's experiments: ``python -m nets.train lab`` (``--quick``: a small slice).

Every section of the lab page gets its numbers here, seeded, written to
``<out>/metrics/lab/<section>.json`` with ``meta`` (code version, date, seed, load average,
CPU and wall seconds); the race's fixed subset goes to ``<out>/lab/race.npz`` and the digit
models trained with and without shifts to ``<out>/models/lab/``. The page only reads these.

Sections run in two worker processes (one torch thread each) after the timing section, which
runs alone first (it measures the machine). A progress bar with an estimated time left is
printed as sections finish; each section prints its own steps. ``--quick`` runs every
section on a small slice in this process (seconds; the tests use it); ``--dry-run`` is the
same as ``--quick`` and never writes into ``assets/``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import get_context
from pathlib import Path

from .data import SEED
from .paths import ROOT

# Per section: (estimated CPU seconds of the full run, full parameters, quick parameters).
PLAN: dict[str, tuple[float, dict, dict]] = {
    "timing": (90, {"lengths": (16, 32, 64, 128, 256, 512), "threads": (1, 2), "repeats": 5},
               {"lengths": (16, 64), "threads": (1,), "repeats": 1}),
    "speed_text": (200, {"seeds": (0, 1, 2, 3, 4), "max_steps": 300, "eval_every": 25},
                   {"seeds": (0, 1), "max_steps": 20, "eval_every": 10, "limit": 400}),
    "speed_digits": (40, {"seeds": (0, 1, 2, 3, 4), "max_steps": 400, "eval_every": 20},
                     {"seeds": (0, 1), "max_steps": 20, "eval_every": 10, "limit": 300}),
    "synthetic_first": (80, {"lengths": (10, 25, 50, 100, 200, 400), "n_train": 4000,
                             "n_test": 1000, "max_steps": 200},
                        {"lengths": (10, 20), "n_train": 300, "n_test": 200, "max_steps": 20}),
    "synthetic_pattern": (60, {"lengths": (25, 100, 400), "n_train": 4000, "n_test": 1000,
                               "max_steps": 200},
                          {"lengths": (10, 20), "n_train": 300, "n_test": 200, "max_steps": 20}),
    "shift": (100, {"seeds": (0, 1), "steps": 600},
              {"seeds": (0,), "steps": 20, "limit": 300, "n_test": 200}),
    "long_text": (10, {}, {"limit": 500}),
    "pairs": (5, {}, {}),
    "cost": (40, {"lengths": (16, 32, 64, 128, 256, 512), "batch": 64},
             {"lengths": (16, 32), "batch": 8}),
    "structure": (5, {}, {}),
    "race": (50, {"limit_s": 20.0, "max_steps": None}, {"limit_s": 60.0, "max_steps": 20}),
}  # fmt: skip
OUTPUTS = ("assets/metrics/lab", "assets/models/lab", "assets/lab")  # what a run writes
PARALLEL = ("speed_text", "speed_digits", "synthetic_first", "synthetic_pattern", "shift")


def code_version() -> dict:
    """The git commit of the code that computed the numbers, and whether files were modified
    (the run's own outputs, written while it runs, do not count)."""

    def git(*args: str) -> str:
        try:
            return subprocess.run(
                ["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    return {
        "commit": git("rev-parse", "HEAD") or "unknown",
        "dirty": bool(git("status", "--porcelain", "--", ".", *(f":!{p}" for p in OUTPUTS))),
    }


def _log(msg: str) -> None:
    print(f"  {msg}", flush=True)


# ----------------------------------------------------------------------------- sections


def section(name: str, out: Path, quick: bool) -> tuple[str, dict, float, float]:
    """Compute one section (in any process). Returns (name, result, CPU s, wall s)."""
    import torch

    torch.set_num_threads(1)  # every section but timing's 2-thread part: the app's setting
    params = PLAN[name][2 if quick else 1]
    c0, w0 = time.process_time(), time.perf_counter()
    result = _compute(name, params, out, quick)
    return name, result, time.process_time() - c0, time.perf_counter() - w0


def _compute(name: str, p: dict, out: Path, quick: bool) -> dict:
    if name == "timing":
        from .lab.speed import timing_vs_length

        return timing_vs_length(p["lengths"], p["threads"], p["repeats"], progress=_log)
    if name in ("speed_text", "speed_digits"):
        from .lab.speed import speed_runs

        kind = "text" if name == "speed_text" else "digits"
        return speed_runs(kind, p["seeds"], p["max_steps"], p["eval_every"], p.get("limit"), _log)
    if name.startswith("synthetic_"):
        from .lab.synthetic import run_task

        task = "first_token" if name == "synthetic_first" else "pattern"
        return run_task(task, p["lengths"], SEED, p["n_train"], p["n_test"], p["max_steps"],
                        progress=_log)  # fmt: skip
    if name == "shift":
        from .lab.digits import shift_experiment

        return shift_experiment(p["seeds"], p["steps"], p.get("limit"), p.get("n_test"), _log,
                                save_to=out / "models" / "lab")  # fmt: skip
    if name == "long_text":
        from .lab.longtext import long_text

        return long_text(p.get("limit"))
    if name == "pairs":
        from .lab.pairs import pair_results

        return pair_results()
    if name == "cost":
        from .lab.cost import cost_section

        return cost_section(p["lengths"], p["batch"], _log)
    if name == "structure":
        from .lab import structure

        return {"sharing": structure.sharing(), "sizes": structure.sizes()}
    if name == "race":
        from .lab.race import make_race_data, run_race

        path = out / "lab" / "race.npz"
        make_race_data(path, SEED)
        return {
            kind: run_race(kind, SEED, p["limit_s"], p["max_steps"], path=path)
            for kind in ("text", "digits")
        }
    raise ValueError(name)


def _meta(quick: bool, cpu: float, wall: float, load: tuple) -> dict:
    import torch

    return {
        **code_version(),
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "seed": SEED,
        "quick": quick,
        "cpu_s": round(cpu, 2),
        "wall_s": round(wall, 2),
        "load_average": [round(v, 2) for v in load],
        "torch": torch.__version__,
        "command": "python -m nets.train lab" + (" --quick" if quick else ""),
    }


def _write(out: Path, name: str, data: dict) -> Path:
    path = out / "metrics" / "lab" / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return path


def _bar(done: float, total: float, t0: float, what: str) -> None:
    frac = done / total if total else 1.0
    elapsed = time.perf_counter() - t0
    eta = elapsed / frac * (1 - frac) if frac > 0 else float("nan")
    bar = "#" * int(30 * frac) + "." * (30 - int(30 * frac))
    load = os.getloadavg()[0]
    eta_s = f"{eta / 60:.0f} min {eta % 60:02.0f} s" if eta == eta else "?"
    print(f"[{bar}] {frac:4.0%}  {elapsed:6.0f} s, about {eta_s} left, load {load:.1f} — {what}",
          flush=True)  # fmt: skip


def run(
    out: Path,
    dry: bool,
    quick: bool = False,
    jobs: int = 2,
    sections: tuple[str, ...] | None = None,
) -> dict:
    """Run every section and write its JSON (see the module docstring).

    Args:
        out: the CLI's output folder (``assets/`` or a temporary one).
        dry, quick: small slices, in this process (dry runs write into a temporary ``out``).
        jobs: worker processes for the training sections of a full run.
        sections: only these of ``PLAN`` (tests); default all.

    Returns:
        Section name → its written dict.
    """
    quick = quick or dry
    todo = tuple(PLAN) if sections is None else tuple(k for k in PLAN if k in sections)
    t0 = time.perf_counter()
    total = sum(PLAN[k][0] for k in todo)
    done = 0.0
    written: dict = {}
    load0 = os.getloadavg()
    print(f"claims lab ({'quick' if quick else 'full'}): {len(todo)} sections, "
          f"load {load0[0]:.1f}", flush=True)  # fmt: skip

    def finish(name, result, cpu, wall):
        nonlocal done
        key = name.removeprefix("speed_").removeprefix("synthetic_")
        if name.startswith("speed_"):
            written.setdefault("speed", {})[key] = result
            written["speed"].setdefault("_cost", [0.0, 0.0])
            written["speed"]["_cost"][0] += cpu
            written["speed"]["_cost"][1] += wall
        elif name.startswith("synthetic_"):
            written.setdefault("synthetic", {"tasks": {}})["tasks"][
                "first_token" if key == "first" else "pattern"
            ] = result
            written["synthetic"].setdefault("_cost", [0.0, 0.0])
            written["synthetic"]["_cost"][0] += cpu
            written["synthetic"]["_cost"][1] += wall
        else:
            written[name] = {**result, "meta": _meta(quick, cpu, wall, os.getloadavg())}
        done += PLAN[name][0]
        _bar(done, total, t0, f"{name} ({cpu:.0f} s CPU, {wall:.0f} s wall)")

    if "timing" in todo:
        finish(*section("timing", out, quick))  # alone: it measures the machine
    parallel = [name for name in PARALLEL if name in todo]
    if quick or jobs <= 1:
        for name in parallel:
            finish(*section(name, out, quick))
    else:
        ctx = get_context("spawn")
        with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as pool:
            futures = [pool.submit(section, name, out, quick) for name in parallel]
            for f in as_completed(futures):
                finish(*f.result())
    for name in ("long_text", "pairs", "cost", "structure", "race"):
        if name in todo:
            finish(*section(name, out, quick))
    if "synthetic" in written:
        from .lab.synthetic import gradients

        c0 = time.process_time()
        g = gradients(
            (10, 20) if quick else (10, 25, 50, 100, 200, 400), (0,) if quick else (0, 1, 2)
        )
        cpu, wall = written["synthetic"].pop("_cost")
        written["synthetic"]["gradients"] = g
        written["synthetic"]["meta"] = _meta(
            quick, cpu + time.process_time() - c0, wall, os.getloadavg()
        )
        written["synthetic"]["budget"] = {k: v for k, v in PLAN["synthetic_first"][2 if quick else 1].items()
                                          if k != "lengths"}  # fmt: skip
    if "speed" in written:
        cpu, wall = written["speed"].pop("_cost")
        written["speed"]["meta"] = _meta(quick, cpu, wall, os.getloadavg())
    for name, data in written.items():
        _write(out, name, data)
    wall = time.perf_counter() - t0
    summary = {"wall_s": round(wall, 1), "load_start": load0[0], "load_end": os.getloadavg()[0]}
    print(f"claims lab done in {wall / 60:.1f} min (load {load0[0]:.1f} → "
          f"{os.getloadavg()[0]:.1f}); wrote {out / 'metrics' / 'lab'}", flush=True)  # fmt: skip
    from .lab.verdicts import all_verdicts

    for claim, v in all_verdicts(written).items():
        print(f"  {claim:16s} {v.verdict:12s} {v.reason}", flush=True)
    written["_summary"] = summary
    return written


if __name__ == "__main__":  # python -m nets.train_lab [--quick] [--out DIR]
    args = sys.argv[1:]
    from .train import main

    main(["lab", *args])
