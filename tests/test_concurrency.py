"""Sessions share one copy of each model: concurrent analyses and captum attributions must not
see each other.

Eight threads run a shuffled mix of every analysis and attribution at once, released together
by a barrier, while a watcher polls the shared models for hooks. The results must equal the
same calls run one by one, and no hook may ever be registered on a shared model.
"""

from __future__ import annotations

import random
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import fields, is_dataclass

import numpy as np
import pytest
import torch
from badinputs import corpus, digit_image, png_bytes

import nets
from nets import attribution
from nets.paths import ROOT
from nets.registry import load_model

THREADS = 8
MODELS = ("image_cnn", "row_gru", "text_gru", "text_cnn")
HOOK_DICTS = (
    "_forward_hooks",
    "_forward_hooks_with_kwargs",
    "_forward_hooks_always_called",
    "_forward_pre_hooks",
    "_forward_pre_hooks_with_kwargs",
    "_backward_hooks",
    "_backward_pre_hooks",
    "_state_dict_hooks",
    "_load_state_dict_pre_hooks",
)
SENTENCES = (
    "this movie is great, I loved it",
    "服务太差了，再也不来了",
    "not bad at all 房间很干净",
    "the worst hotel ever!!! 😡",
)


def _images() -> list[bytes]:
    c = corpus()
    return [
        png_bytes(digit_image(28)),
        c["digit280_dark_on_light_png"],
        c["cmyk_jpeg"],
        c["exif_rotated_jpeg"],
    ]


def _input28(data: bytes) -> np.ndarray:
    return nets.analyze_image(data).input28


def make_jobs() -> list[tuple[str, object]]:
    """(name, zero-argument call) for every analysis and attribution on several inputs."""
    jobs: list[tuple[str, object]] = []
    for i, data in enumerate(_images()):
        x = _input28(data)
        target = int(nets.analyze_image(data).label)
        jobs.append((f"analyze_image[{i}]", lambda d=data: nets.analyze_image(d)))
        jobs.append((f"analyze_rows[{i}]", lambda x=x: nets.analyze_rows(x)))
        jobs.append(
            (
                f"image_attributions[{i}]",
                lambda x=x, t=target: attribution.image_attributions(x, t),
            )
        )
        jobs.append(
            (
                f"row_gru_attributions[{i}]",
                lambda x=x, t=target: attribution.row_gru_attributions(x, t),
            )
        )
    for i, s in enumerate(SENTENCES):
        jobs.append((f"analyze_text[{i}]", lambda s=s: nets.analyze_text(s)))
        jobs.append((f"analyze_text_cnn[{i}]", lambda s=s: nets.analyze_text_cnn(s)))
        jobs.append((f"text_attr_gru[{i}]", lambda s=s: attribution.text_attributions(s)))
        jobs.append(
            (f"text_attr_cnn[{i}]", lambda s=s: attribution.text_attributions(s, "text_cnn"))
        )
        jobs.append((f"text_memory[{i}]", lambda s=s: attribution.text_memory(s)))
        jobs.append((f"memory_curves[{i}]", lambda s=s: attribution.memory_curves(s)))
    return jobs


def flatten(value, prefix: str = "") -> dict[str, np.ndarray]:
    """Every number inside a result (dataclass, dict, list, array, scalar) as arrays by path."""
    out: dict[str, np.ndarray] = {}
    if is_dataclass(value):
        for f in fields(value):
            out.update(flatten(getattr(value, f.name), f"{prefix}.{f.name}"))
    elif isinstance(value, dict):
        for k, v in value.items():
            out.update(flatten(v, f"{prefix}[{k}]"))
    elif isinstance(value, (list, tuple)):
        if value and all(isinstance(v, str) for v in value):
            out[prefix] = np.array(value)
        else:
            for i, v in enumerate(value):
                out.update(flatten(v, f"{prefix}[{i}]"))
    elif isinstance(value, (np.ndarray, int, float, bool, np.number)):
        out[prefix] = np.asarray(value)
    elif isinstance(value, str):
        out[prefix] = np.array(value)
    elif value is None:
        out[prefix] = np.array("None")
    return out


def assert_same(name: str, got, want) -> None:
    a, b = flatten(got), flatten(want)
    assert a.keys() == b.keys(), name
    for k in b:
        if b[k].dtype.kind in "fc":
            assert np.allclose(a[k], b[k], rtol=1e-5, atol=1e-6, equal_nan=True), f"{name}{k}"
        else:
            assert np.array_equal(a[k], b[k]), f"{name}{k}"


def hooks_on(model: torch.nn.Module) -> list[str]:
    """Every hook registered on the model or any submodule, as 'module.kind' strings."""
    found = []
    for mod_name, mod in model.named_modules():
        for attr in HOOK_DICTS:
            if getattr(mod, attr, None):
                found.append(f"{mod_name or '<root>'}.{attr}")
    return found


def global_hooks() -> list[str]:
    from torch.nn.modules import module as m

    names = [n for n in dir(m) if n.startswith("_global_") and n.endswith("hooks")]
    return [n for n in names if getattr(m, n)]


def model_state() -> dict[str, tuple]:
    """Mode and gradient flags of every shared model (must never change)."""
    return {
        name: (
            load_model(name).training,
            any(p.requires_grad for p in load_model(name).parameters()),
            any(p.grad is not None for p in load_model(name).parameters()),
        )
        for name in MODELS
    }


@pytest.fixture(scope="module")
def jobs_and_reference():
    jobs = make_jobs()
    reference = {name: call() for name, call in jobs}  # one by one, on this thread
    return jobs, reference


def test_concurrent_results_equal_sequential(jobs_and_reference):
    jobs, reference = jobs_and_reference
    state_before = model_state()
    weights_before = {
        n: {k: v.clone() for k, v in load_model(n).state_dict().items()} for n in MODELS
    }
    # Each thread runs every job once, in its own shuffled order: 8 copies of each call overlap.
    plans = []
    for seed in range(THREADS):
        order = list(jobs)
        random.Random(seed).shuffle(order)
        plans.append(order)
    barrier = threading.Barrier(THREADS)
    stop = threading.Event()
    seen_hooks: list[str] = []

    def watch():
        while not stop.is_set():
            for n in MODELS:
                seen_hooks.extend(f"{n}:{h}" for h in hooks_on(load_model(n)))
            stop.wait(0.001)

    def worker(plan):
        barrier.wait()
        return [(name, call()) for name, call in plan]

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        with ThreadPoolExecutor(THREADS) as pool:
            results = list(pool.map(worker, plans))
    finally:
        stop.set()
        watcher.join()

    count = 0
    for per_thread in results:
        for name, got in per_thread:
            assert_same(name, got, reference[name])
            count += 1
    assert count == THREADS * len(jobs)
    assert not seen_hooks, f"hooks seen on shared models during the run: {sorted(set(seen_hooks))}"
    for n in MODELS:
        assert not hooks_on(load_model(n)), n
    assert not global_hooks()
    assert model_state() == state_before
    for n in MODELS:
        for k, v in load_model(n).state_dict().items():
            assert torch.equal(v, weights_before[n][k]), f"{n}.{k} changed"


def test_no_hooks_left_after_sequential_attributions(jobs_and_reference):
    """The reference run (same thread) also leaves no hook and no gradient behind."""
    for n in MODELS:
        assert not hooks_on(load_model(n)), n
        assert not load_model(n).training
        assert all(p.grad is None for p in load_model(n).parameters())
    assert not global_hooks()


FIRST_CALLS = """
import threading
from nets.registry import load_model, load_vocab
barrier, seen = threading.Barrier(8), []
def first():
    barrier.wait()
    seen.append(tuple(id(load_model(n)) for n in {models!r}) + (id(load_vocab()),))
threads = [threading.Thread(target=first) for _ in range(8)]
[t.start() for t in threads]
[t.join() for t in threads]
print(len(seen), len(set(seen)))
"""


def test_concurrent_first_loads_build_one_model():
    """8 sessions opening at once in a fresh process get one shared object per model.

    (Before nets.registry locked its caches, each thread built its own copy.)
    """
    out = subprocess.run(
        [sys.executable, "-c", FIRST_CALLS.format(models=MODELS)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout.split()
    assert out == ["8", "1"]
