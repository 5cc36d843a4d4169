"""servq.stats.drivers against R (tests/golden/drivers.R -> drivers.json: relative weights by
hand from the eigendecomposition, LMG by brute force over orders of entry with lm, VIF by
auxiliary regressions) and against brute-force least squares computed here."""

import json
from itertools import combinations, permutations
from math import factorial
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from servq.stats.bootstrap import poisson_counts
from servq.stats.drivers import (
    MAX_LMG_PREDICTORS,
    DriversError,
    drivers,
    drivers_from_cor,
)

HERE = Path(__file__).parents[1]
REF = json.loads((HERE / "golden" / "drivers.json").read_text())
TOL = 1e-10  # same arithmetic as R; the brief's bound is 1e-3
DIMS = {"tangibles": (1, 4), "reliability": (5, 9), "responsiveness": (10, 13),
        "assurance": (14, 17), "empathy": (18, 22)}


def sq411():
    sq = pd.read_csv(HERE / "data" / "servqual_perceptions_sq411.csv")
    for d, (a, b) in DIMS.items():
        sq[d] = sq[[f"a{i:02d}" for i in range(a, b + 1)]].mean(axis=1)
    return sq


def ecsi(missing=False):
    d = pd.read_csv(HERE / "golden" / "data" / "ecsi_bank250.csv").astype(float)
    if missing:  # as drivers.R: 1-based seq(3, 250, 7) and seq(5, 250, 11)
        d.loc[np.arange(2, 250, 7), "qual2"] = np.nan
        d.loc[np.arange(4, 250, 11), "sat1"] = np.nan
    return d


CASES = {"sq411": sq411, "ecsi": ecsi, "ecsi_missing": lambda: ecsi(missing=True)}


@pytest.mark.parametrize("case", list(CASES))
def test_matches_r(case):
    ref = REF[case]
    res = drivers(CASES[case](), ref["outcome"], ref["predictors"])
    frame = res.to_frame()
    assert list(frame.index) == ref["predictors"]
    assert res.n == ref["n"]
    assert res.r2 == pytest.approx(ref["r2"], abs=TOL)
    assert res.adjusted_r2 == pytest.approx(ref["adj_r2"], abs=TOL)
    for col in ("relative_weight", "relative_weight_pct", "lmg", "vif"):
        np.testing.assert_allclose(frame[col], ref[col], atol=TOL, err_msg=col)
    assert res.condition_number == pytest.approx(ref["condition_number"], abs=TOL)


def r2_lstsq(x, y):
    if x.shape[1] == 0:
        return 0.0
    a = np.column_stack([np.ones(len(y)), x])
    resid = y - a @ np.linalg.lstsq(a, y, rcond=None)[0]
    return 1 - resid @ resid / np.sum((y - y.mean()) ** 2)


def lmg_orderings(x, y):
    p = x.shape[1]
    out = np.zeros(p)
    orders = list(permutations(range(p)))
    for order in orders:
        before = 0.0
        for k in range(p):
            now = r2_lstsq(x[:, order[:k + 1]], y)
            out[order[k]] += now - before
            before = now
    return out / len(orders)


@pytest.mark.parametrize("p, seed", [(3, 1), (4, 2), (4, 3)])
def test_lmg_is_the_average_over_all_orderings(p, seed):
    rng = np.random.default_rng(seed)
    mix = rng.normal(size=(p, p)) + np.eye(p)
    x = rng.normal(size=(200, p)) @ mix
    y = x @ rng.normal(size=p) + rng.normal(scale=2.0, size=200)
    res = drivers(np.column_stack([y, x]), 0, list(range(1, p + 1)))
    np.testing.assert_allclose(res.lmg, lmg_orderings(x, y), atol=1e-12)
    assert res.r2 == pytest.approx(r2_lstsq(x, y), abs=1e-12)


@pytest.mark.parametrize("case", list(CASES))
def test_sums_to_r2(case):
    ref = REF[case]
    res = drivers(CASES[case](), ref["outcome"], ref["predictors"])
    frame = res.to_frame()
    assert frame["lmg"].sum() == pytest.approx(res.r2, abs=1e-12)
    assert frame["relative_weight"].sum() == pytest.approx(res.r2, abs=1e-12)
    assert frame["lmg_pct"].sum() == pytest.approx(100.0, abs=1e-9)
    assert frame["relative_weight_pct"].sum() == pytest.approx(100.0, abs=1e-9)


def test_vif_against_direct_regression():
    d = ecsi()
    preds = [f"qual{i}" for i in range(1, 6)]
    res = drivers(d, "sat1", preds)
    x = d[preds].to_numpy()
    direct = [1 / (1 - r2_lstsq(np.delete(x, j, axis=1), x[:, j])) for j in range(5)]
    np.testing.assert_allclose(res.vif, direct, atol=1e-10)
    ev = np.linalg.eigvalsh(np.corrcoef(x, rowvar=False))
    assert res.condition_number == pytest.approx(np.sqrt(ev[-1] / ev[0]), abs=1e-10)


def test_core_from_covariance_and_outcome_position():
    d = sq411()
    cols = ["tangibles", "sat", "reliability", "responsiveness", "assurance", "empathy"]
    cov = d[cols].cov()
    res = drivers_from_cor(cov, outcome="sat", n=len(d))
    ref = REF["sq411"]
    assert res.predictors == tuple(ref["predictors"])
    np.testing.assert_allclose(res.lmg, ref["lmg"], atol=TOL)
    np.testing.assert_allclose(res.relative_weight, ref["relative_weight"], atol=TOL)


def test_single_predictor():
    d = ecsi()
    res = drivers(d, "sat1", ["qual1"])
    r = d[["sat1", "qual1"]].corr().iloc[0, 1]
    assert res.lmg[0] == pytest.approx(r ** 2) and res.relative_weight[0] == pytest.approx(r ** 2)
    assert res.vif[0] == pytest.approx(1.0) and res.condition_number == pytest.approx(1.0)


def test_bootstrap_reproducible_and_contains_estimate():
    ref = REF["sq411"]
    d = sq411()
    a = drivers(d, "sat", ref["predictors"], n_boot=200, seed=7, workers=1)
    b = drivers(d, "sat", ref["predictors"], n_boot=200, seed=7, workers=4)
    c = drivers(d, "sat", ref["predictors"], n_boot=200, seed=8)
    fa, fb, fc = a.to_frame(), b.to_frame(), c.to_frame()
    pd.testing.assert_frame_equal(fa, fb)
    assert not np.allclose(fa["lmg_low"], fc["lmg_low"])
    for col in ("relative_weight", "relative_weight_pct", "lmg", "lmg_pct"):
        assert (fa[f"{col}_low"] <= fa[col]).all() and (fa[col] <= fa[f"{col}_high"]).all(), col
    assert a.r2_low <= a.r2 <= a.r2_high
    assert a.n_boot == 200 and a.n_boot_failed == 0
    point = drivers(d, "sat", ref["predictors"]).to_frame()
    pd.testing.assert_frame_equal(fa[point.columns], point)


def test_bootstrap_equals_weighted_rows():
    """Each replicate's statistics are those of the rows weighted with their Poisson counts
    (numpy's weighted covariance here, the counts drawn by row position in the data)."""
    d = ecsi()
    preds = [f"qual{i}" for i in range(1, 4)]
    seen = []
    res = drivers(d, "sat1", preds, n_boot=40, seed=3, progress=lambda k, m: seen.append((k, m)))
    assert seen[-1] == (40, 40)
    x = d[["sat1", *preds]].to_numpy()
    rows = np.flatnonzero(~np.isnan(x).any(axis=1))
    counts = poisson_counts(rows, range(40), seed=3)
    lmg = [drivers_from_cor(np.cov(x[rows].T, fweights=k), n=int(k.sum())).lmg for k in counts]
    low, high = np.quantile(np.array(lmg), [0.025, 0.975], axis=0)
    np.testing.assert_allclose(res.bounds["lmg"][0], low, atol=1e-10)
    np.testing.assert_allclose(res.bounds["lmg"][1], high, atol=1e-10)


def test_to_dict_is_json_and_lmg_off():
    d = sq411()
    preds = list(DIMS)
    out = json.loads(json.dumps(drivers(d, "sat", preds, n_boot=20).to_dict()))
    assert out["interval"] == "percentile" and set(out["predictors"]) == set(preds)
    assert "lmg_high" in out["predictors"]["empathy"]
    no_lmg = drivers(d, "sat", preds, lmg=False).to_dict()
    assert no_lmg["predictors"]["empathy"]["lmg"] is None
    assert no_lmg["predictors"]["empathy"]["relative_weight"] is not None


def test_many_predictors():
    d = sq411()
    items = [f"a{i:02d}" for i in range(1, 23)]
    with pytest.raises(DriversError, match=f"limit of {MAX_LMG_PREDICTORS}"):
        drivers(d, "sat", items)
    res = drivers(d, "sat", items, lmg=False)
    assert res.relative_weight.sum() == pytest.approx(res.r2, abs=1e-12)
    a = d[items].to_numpy(float)
    assert res.r2 == pytest.approx(r2_lstsq(a, d["sat"].to_numpy(float)), abs=1e-10)


def test_lmg_at_the_limit_matches_subset_formula():
    rng = np.random.default_rng(0)
    p = 6
    x = rng.normal(size=(100, p)) + rng.normal(size=(100, 1))
    y = x.sum(axis=1) + rng.normal(size=100)
    res = drivers(np.column_stack([y, x]), 0, list(range(1, p + 1)))
    want = np.zeros(p)
    for j in range(p):
        others = [k for k in range(p) if k != j]
        for s in range(p):
            for sub in combinations(others, s):
                w = factorial(s) * factorial(p - s - 1) / factorial(p)
                want[j] += w * (r2_lstsq(x[:, [*sub, j]], y) - r2_lstsq(x[:, list(sub)], y))
    np.testing.assert_allclose(res.lmg, want, atol=1e-12)


@pytest.mark.parametrize("kwargs, match", [
    ({"outcome": "nope", "predictors": ["a01"]}, "not in data"),
    ({"outcome": "sat", "predictors": []}, "at least one predictor"),
    ({"outcome": "sat", "predictors": ["sat", "a01"]}, "distinct"),
    ({"outcome": "sat", "predictors": ["a01", "a01b"]}, "collinear"),
    ({"outcome": "sat", "predictors": ["const"]}, "no variation"),
    ({"outcome": "sat", "predictors": ["a01"], "n_boot": -1}, "n_boot"),
    ({"outcome": "sat", "predictors": ["a01"], "n_boot": 5, "confidence": 1.5}, "confidence"),
    ({"outcome": "sat", "predictors": ["label"]}, "not numeric"),
])
def test_bad_input(kwargs, match):
    d = sq411().assign(a01b=lambda f: 2 * f["a01"], const=1.0, label="x")
    with pytest.raises(DriversError, match=match):
        drivers(d, **kwargs)


def test_bad_matrix():
    with pytest.raises(DriversError, match="square"):
        drivers_from_cor(np.ones((2, 3)), n=10)
    with pytest.raises(DriversError, match="outcome"):
        drivers_from_cor(np.eye(3), ["y", "a", "b"], "z", n=10)
    with pytest.raises(DriversError, match="at least 4"):
        drivers_from_cor(np.eye(3), ["y", "a", "b"], "y", n=3)
    with pytest.raises(DriversError, match="n must be"):
        drivers_from_cor(np.eye(3), n=None)
    with pytest.raises(DriversError, match="column positions"):
        drivers(np.zeros((5, 3)), 0, [7])


def test_bootstrap_skips_degenerate_resamples():
    x = np.array([0, 0, 0, 0, 0, 0, 0, 0, 1, 1.0])
    z = np.array([1, 3, 2, 5, 4, 2, 6, 1, 3, 4.0])
    y = 2 * x + z + np.array([0.1, -0.2, 0.3, 0.0, -0.1, 0.2, -0.3, 0.1, 0.0, 0.2])
    res = drivers(np.column_stack([y, x, z]), 0, [1, 2], n_boot=200, seed=1)
    assert 0 < res.n_boot_failed < 200
    assert np.all(np.isfinite(res.to_frame().to_numpy()))
    # with seed 1, each of the three replicates leaves out the one row where the predictor
    # is not 0, or draws it alone
    counts = poisson_counts(np.arange(4), range(3), seed=1)
    assert all(k[3] == 0 or k[:3].sum() == 0 for k in counts)
    with pytest.raises(DriversError, match="resamples"):
        drivers(np.array([[1, 0], [2, 0], [3, 0], [5, 1.0]]), 0, [1], n_boot=3, seed=1)
