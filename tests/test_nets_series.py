"""Time-series forecasting (nets.series, nets.series_models): split, normaliser, baselines,
errors, the causal CNN, size matching, the trace and the shipped series' metrics."""

from __future__ import annotations

import importlib.util
import json

import numpy as np
import pytest
import torch

from nets import series as S
from nets import series_models as SM
from nets.gru import unroll
from nets.paths import ASSETS, METRICS

SHIPPED = [n for n in S.SERIES if (ASSETS / "series" / f"{n}.npz").exists()]


# ----------------------------------------------------------------------------- split, normaliser


@pytest.mark.parametrize(("n", "W", "H"), [(50, 8, 1), (1000, 20, 5), (4032, 336, 48)])
def test_split_has_no_leakage(n, W, H):
    split = S.time_split(n)
    parts = {p: S.origins(split, p, W, H) for p in ("train", "val", "test")}
    for p, orig in parts.items():
        lo, hi = split.bounds(p)
        assert len(orig), p
        assert (orig - W + 1 >= 0).all()  # the window fits
        assert (orig + 1 >= lo).all() and (orig + H <= hi - 1).all()  # all targets in the part
    last_train_target = parts["train"].max() + H
    assert last_train_target < parts["val"].min() + 1  # validation targets come later
    assert parts["val"].max() + H < parts["test"].min() + 1  # test targets come later still


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_split_is_time_ordered_and_normaliser_uses_train_only(name):
    b = S.load_bundle(name)
    W, H = b.cfg.window, b.cfg.horizon
    tr, te = S.origins(b.split, "train", W, H), b.test_origins()
    if name != "yours":  # ISO dates sort as strings
        assert max(b.times[tr + H]) < min(b.times[te + 1])
    assert b.norm == S.Normaliser.fit(b.values[: b.split.train_end], b.cfg.log, b.cfg.relative)
    # Changing every value after the training part leaves the normaliser unchanged.
    v = b.values.copy()
    v[b.split.train_end :] *= 7.0
    assert S.Normaliser.fit(v[: b.split.train_end], b.cfg.log, b.cfg.relative) == b.norm
    assert b.scale == pytest.approx(np.abs(np.diff(b.values[: b.split.train_end])).mean())


def test_normaliser_by_hand():
    y = np.array([1.0, 2.0, 4.0, 8.0])
    lv = S.Normaliser.fit(y)
    assert lv.mu == pytest.approx(3.75) and lv.sd == pytest.approx(np.std(y))
    assert S.Normaliser.fit(y, log=True, relative=True).sd == 1.0  # constant log changes: σ = 1
    y = np.array([1.0, 2.0, 4.0, 5.0])
    rel = S.Normaliser.fit(y, log=True, relative=True)
    assert rel.mu == 0 and rel.sd == pytest.approx(np.std(np.diff(np.log(y))))
    zwin = np.log(np.array([[2.0, 4.0, 8.0]]))
    assert rel.inputs(zwin) == pytest.approx((zwin - zwin[:, -1:]) / rel.sd)
    out = np.array([[1.0]])
    assert rel.unwork(rel.forecast_work(zwin, out))[0, 0] == pytest.approx(8 * np.exp(rel.sd))


# ----------------------------------------------------------------------------- baselines, errors


def test_persistence_and_seasonal_naive_by_hand():
    y = np.array([10.0, 11, 12, 13, 14, 15, 16, 17, 18, 19])
    orig = np.array([4, 6])
    assert S.persistence(y, orig, 3).tolist() == [[14, 14, 14], [16, 16, 16]]
    # period 3: ŷ_{t+h} = y_{t+h-3} for h ≤ 3; for h = 4, 5: y_{t+h-6}
    assert S.seasonal_naive(y, orig, 3, 3).tolist() == [[12, 13, 14], [14, 15, 16]]
    assert S.seasonal_naive(y, np.array([6]), 5, 3).tolist() == [[14, 15, 16, 14, 15]]


def test_seasonal_naive_is_one_week_back_for_the_load():
    y = np.arange(1000.0)
    fc = S.seasonal_naive(y, np.array([700]), 48, 336)
    assert fc[0].tolist() == [700 + h - 336 for h in range(1, 49)]


def test_linear_ar_recovers_a_linear_process():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 5))
    true = rng.normal(size=(5, 2))
    y = x @ true + 0.3
    coef = S.fit_ar(x, y)
    assert coef[:-1] == pytest.approx(true, abs=1e-9)
    assert coef[-1] == pytest.approx([0.3, 0.3], abs=1e-9)
    assert S.ar_out(coef, x) == pytest.approx(y, abs=1e-9)
    noisy = y + rng.normal(0, 0.5, y.shape)  # against numpy's least squares
    ref, *_ = np.linalg.lstsq(np.hstack([x, np.ones((400, 1))]), noisy, rcond=None)
    assert S.fit_ar(x, noisy) == pytest.approx(ref, abs=1e-9)


def test_errors_by_hand():
    pred = np.array([[1.0, 2.0], [3.0, 5.0]])
    truth = np.array([[2.0, 2.0], [3.0, 1.0]])
    e = S.errors(pred, truth, scale=2.0)
    assert e["mae"] == pytest.approx([0.5, 2.0])
    assert e["rmse"] == pytest.approx([np.sqrt(0.5), np.sqrt(8.0)])
    assert e["mase"] == pytest.approx([0.25, 1.0])
    assert S.mase_scale(np.array([1.0, 3.0, 2.0])) == pytest.approx(1.5)
    assert np.isnan(S.mase_scale(np.ones(5)))


# ----------------------------------------------------------------------------- models


@pytest.mark.parametrize(("W", "H"), [(8, 1), (20, 5), (64, 12), (144, 12), (336, 48)])
def test_cnn_and_gru_are_matched_in_size(W, H):
    gru, tcn = SM.build_pair(W, H)
    g, c = SM.param_count(gru), SM.param_count(tcn)
    assert abs(c - g) / g <= SM.MATCH_TOLERANCE, (g, c)
    assert SM.receptive_field(tcn.cfg.kernel, tcn.cfg.dilations) >= W


@pytest.mark.parametrize(("W", "H", "C"), [(8, 1, 5), (20, 5, 19), (336, 48, 14), (64, 12, 3)])
def test_tcn_parameter_formula(W, H, C):
    model = SM.TCNForecaster(SM.TCNForecasterConfig(W, H, C))
    assert SM.tcn_params(W, H, C) == SM.param_count(model)


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_models_are_matched_in_size(name):
    b = S.load_bundle(name)
    g, c = SM.param_count(b.gru), SM.param_count(b.tcn)
    assert abs(c - g) / g <= SM.MATCH_TOLERANCE


def test_causal_cnn_never_sees_the_future():
    torch.manual_seed(0)
    _, tcn = SM.build_pair(40, 3)
    x = torch.randn(1, 40)
    base = tcn.trace(x)
    for k in (0, 7, 25, 39):
        x2 = x.clone()
        x2[0, k] += 5.0  # change one value
        tr = tcn.trace(x2)
        for name in tcn.layer_names:
            a, b = base[name][0], tr[name][0]  # (C, W)
            assert torch.equal(a[:, :k], b[:, :k]), (name, k)  # no earlier output moves
        assert not torch.equal(
            base[tcn.layer_names[-1]][0, :, k:], tr[tcn.layer_names[-1]][0, :, k:]
        )


def test_receptive_tree_matches_the_gradient():
    torch.manual_seed(1)
    W = 30
    _, tcn = SM.build_pair(W, 2)
    cfg = tcn.cfg
    for pos in (W - 1, 12, 3):
        nodes, edges = SM.receptive_tree(W, cfg.kernel, cfg.dilations, pos)
        x = torch.randn(1, W, requires_grad=True)
        with torch.enable_grad():
            tcn.trace(x)[tcn.layer_names[-1]][0, :, pos].sum().backward()
        reached = set(np.flatnonzero(x.grad[0].numpy() != 0))
        assert reached <= set(nodes[0].tolist())
        assert max(nodes[0]) == pos  # nothing after the output's own step
        assert all(0 <= s <= t < W for _, s, t in edges)


def test_gru_trace_and_checkpoint_round_trip():
    torch.manual_seed(0)
    gru, tcn = SM.build_pair(12, 3)
    for kind, m in (("gru", gru), ("tcn", tcn)):
        m2 = SM.from_checkpoint(kind, SM.checkpoint(m))
        x = torch.randn(4, 12)
        assert torch.allclose(m(x), m2(x))
    out = gru.trace(torch.randn(2, 12))
    assert out["hidden"].shape == (2, 12, 32) and out["out"].shape == (2, 3)


def test_adam_matches_torch():
    torch.manual_seed(0)
    a, b = torch.nn.Linear(4, 3), torch.nn.Linear(4, 3)
    b.load_state_dict(a.state_dict())
    oa, ob = S.Adam(list(a.parameters())), torch.optim.Adam(b.parameters(), lr=0.01)
    for _ in range(10):
        x = torch.randn(8, 4)
        for m, o in ((a, oa), (b, ob)):
            o.zero_grad()
            (m(x) ** 2).sum().backward()
        oa.step(0.01)
        ob.step()
    for p, q in zip(a.parameters(), b.parameters(), strict=True):
        assert torch.allclose(p, q, atol=1e-6)


# ----------------------------------------------------------------------------- fit and trace


@pytest.fixture(scope="module")
def small_bundle():
    rng = np.random.default_rng(0)
    t = np.arange(600)
    y = 50 + 10 * np.sin(2 * np.pi * t / 24) + rng.normal(0, 1, len(t))
    cfg = S.SeriesConfig(window=30, horizon=4, season=24)
    return S.fit_bundle("yours", y, t + 1, cfg, S.time_split(len(y)), epochs=3)


def test_fit_bundle_measures_what_it_reports(small_bundle):
    b = small_bundle
    assert b.models == ("gru", "tcn", "persistence", "seasonal", "ar")
    assert b.metrics == b.test_errors()
    o = b.test_origins()
    truth = S.windows(b.values, o, 30, 4)[1]
    pers = np.abs(b.values[o][:, None] - truth).mean(axis=0)
    assert b.metrics["persistence"]["mae"] == pytest.approx(pers)
    # the seasonal sine is easy: seasonal naive and the AR beat persistence at h = 4
    assert b.metrics["seasonal"]["mae"][3] < b.metrics["persistence"]["mae"][3]
    assert b.metrics["ar"]["mae"][3] < b.metrics["persistence"]["mae"][3]


def test_analysis_matches_the_models(small_bundle):
    b = small_bundle
    a = S.analyze_series(b, 5)
    t = int(b.test_origins()[5])
    assert a.origin == t and a.steps[-1] == t and a.future[0] == t + 1
    assert a.inputs == pytest.approx(b.values[t - 29 : t + 1])
    fc = b.forecasts(np.array([t]))
    for m in b.models:
        assert a.forecasts[m] == pytest.approx(fc[m][0], rel=1e-6)
    xt = torch.as_tensor(a.x[None, :], dtype=torch.float32)
    with torch.no_grad():
        ref = b.gru.trace(xt)["hidden"][0].numpy()
        maps = b.tcn.trace(xt)
    assert a.hidden == pytest.approx(ref, abs=1e-6)
    steps = unroll(b.gru.gru, torch.as_tensor(a.x[:, None], dtype=torch.float32))
    assert a.hidden == pytest.approx(steps.hidden, abs=1e-5)  # nets/gru.py's equations agree
    for i, name in enumerate(b.tcn.layer_names):
        assert a.maps[i] == pytest.approx(maps[name][0].numpy(), abs=1e-6)
    p = b.pca
    assert a.path == pytest.approx((ref - p["mean"]) @ p["components"].T, abs=1e-4)


def test_gradient_matches_finite_differences(small_bundle):
    b = small_bundle
    a = S.analyze_series(b, 3)
    grad = S.series_gradients(b, 3)
    zwin = b.norm.work(a.inputs)
    for key, model in (("gru", b.gru), ("tcn", b.tcn), ("ar", S.LinearAR(b.ar))):
        g = grad[key]
        assert g.shape == (4, 30)
        for k in (0, 15, 29):
            eps = 1e-2
            hi, lo = zwin.copy(), zwin.copy()
            hi[k] += eps
            lo[k] -= eps

            def fc(z, model=model):
                x = torch.as_tensor(b.norm.inputs(z[None, :]), dtype=torch.float32)
                with torch.no_grad():
                    return b.norm.forecast_work(z[None, :], model(x).double().numpy())[0]

            fd = (fc(hi) - fc(lo)) / (2 * eps)
            assert g[:, k] == pytest.approx(fd, rel=2e-2, abs=2e-3), (key, k)


def test_the_ars_gradient_is_its_coefficients(small_bundle):
    b = small_bundle  # level mode: forecast = z_t + σ·((z − μ)/σ @ C + c), so ∂/∂z_k = C[k] + [k = t]
    ref = b.ar[:-1].T.copy()
    ref[:, -1] += 1.0
    for point in (0, 9):
        assert S.series_gradients(b, point)["ar"] == pytest.approx(ref, abs=1e-5)


def test_point_is_clipped_to_the_test_part(small_bundle):
    n = len(small_bundle.test_origins())
    assert S.analyze_series(small_bundle, 10**6).point == n - 1
    assert S.analyze_series(small_bundle, -5).point == 0


# ----------------------------------------------------------------------------- shipped series


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_metrics_are_the_models_test_errors(name):
    """The error tables the page shows equal the errors recomputed from the shipped weights."""
    b = S.load_bundle(name)
    got = b.test_errors()
    for m in b.models:
        for k in ("mae", "rmse", "mase"):
            assert b.metrics[m][k] == pytest.approx(got[m][k], rel=1e-4), (m, k)


def test_metrics_files_describe_the_shipped_series():
    if not SHIPPED:
        pytest.skip("series not trained yet")
    m = json.loads((METRICS / "series.json").read_text(encoding="utf-8"))
    assert set(m["series"]) == set(S.SERIES)
    for kind in ("gru", "tcn"):
        card = json.loads((METRICS / f"series_{kind}.json").read_text(encoding="utf-8"))
        assert card["card"]["data_key"] == "card.data.series"
        for name in S.SERIES:
            p = m["series"][name]["info"]["params"][kind]
            assert f"{p:,}" in card["architecture"]


def test_stock_lesson_nothing_beats_persistence_by_much():
    """The page's honest lesson is a measurement: on the stock no model is 10 % better at h=1."""
    if "stock" not in SHIPPED:
        pytest.skip("series not trained yet")
    b = S.load_bundle("stock")
    pers = b.metrics["persistence"]["mae"][0]
    for m in ("gru", "tcn", "ar"):
        assert b.metrics[m]["mae"][0] / pers > 0.9


@pytest.mark.skipif(importlib.util.find_spec("pmdarima") is None, reason="pmdarima not installed")
@pytest.mark.parametrize(("name", "n"), [("stock", 7983), ("load", 4032), ("sunspots", 2820)])
def test_shipped_values_are_pmdarimas(name, n):
    from nets.series_data import load_raw

    raw = load_raw(name)
    assert len(raw.values) == n
    if name in SHIPPED:
        b = S.load_bundle(name)
        assert np.array_equal(b.values, raw.values)
        assert list(b.times) == list(raw.times)


@pytest.mark.timeout(300)
@pytest.mark.skipif(importlib.util.find_spec("pmdarima") is None, reason="pmdarima not installed")
def test_training_dry_run_writes_only_into_its_folder(tmp_path):
    from nets.train import main

    shipped = [ASSETS / "series" / f"{n}.npz" for n in SHIPPED] + [METRICS / "series.json"]
    before = {p: p.stat().st_mtime_ns for p in shipped if p.exists()}
    main(["series", "--dry-run", "--out", str(tmp_path)])
    m = json.loads((tmp_path / "metrics" / "series.json").read_text(encoding="utf-8"))
    assert m["dry_run"] and set(m["series"]) == set(S.SERIES)
    for name in S.SERIES:
        assert (tmp_path / "series" / f"{name}.npz").exists()
        assert (tmp_path / "models" / f"series_{name}.pt").stat().st_size < 300_000
        assert m["series"][name]["info"]["train_windows_used"] <= 256
    card = json.loads((tmp_path / "metrics" / "series_gru.json").read_text(encoding="utf-8"))
    assert card["dry_run"] and card["card"]["data_key"] == "card.data.series"
    assert {p: p.stat().st_mtime_ns for p in before} == before
