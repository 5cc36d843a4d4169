"""Lagged correlation of a daily metric with daily complaints: dates aligned, not
positions; against scipy.stats.pearsonr at each lag and base R cor.test
(tests/golden/complaints_stats.R)."""

import json
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from servq.stats.lagcorr import LagError, lagged_correlation, pearson_p

GOLDEN = Path(__file__).parents[1] / "golden" / "complaints_stats.json"


@pytest.fixture(scope="module")
def golden():
    return json.loads(GOLDEN.read_text(encoding="utf-8"))["lagcorr"]


def series(golden):
    m, c = golden["metric"], golden["complaints"]
    mv = np.array([np.nan if v is None else v for v in m["value"]])
    return (np.array(m["date"], dtype="datetime64[D]"), mv, np.array(c["date"], dtype="datetime64[D]"),
            np.array(c["count"], dtype=float))


def test_against_r(golden):
    md, mv, cd, cv = series(golden)
    res = golden["result"]
    lc = lagged_correlation(md, mv, cd, cv, max_lag=14)
    assert lc.n.tolist() == [lag["n"] for lag in res["lags"]]
    np.testing.assert_allclose(lc.r, [lag["r"] for lag in res["lags"]], rtol=1e-10)
    np.testing.assert_allclose(lc.p, [lag["p"] for lag in res["lags"]], rtol=1e-8)
    np.testing.assert_allclose(lc.p_adjusted, res["p_holm"], rtol=1e-8)
    assert lc.strongest == res["strongest_abs"] == 3  # planted: complaints follow the metric by 3 days
    assert lc.significant
    bonf = lagged_correlation(md, mv, cd, cv, correction="bonferroni")
    np.testing.assert_allclose(bonf.p_adjusted, res["p_bonferroni"], rtol=1e-8)
    pos = lagged_correlation(md, mv, cd, cv, by="positive")
    assert pos.strongest == res["strongest_positive"]


def test_each_lag_against_scipy_with_dates_matched(golden):
    md, mv, cd, cv = series(golden)
    lc = lagged_correlation(md, mv, cd, cv, max_lag=14)
    metric = {d: v for d, v in zip(md.tolist(), mv) if np.isfinite(v)}
    for lag in range(15):
        pairs = [(metric[d - np.timedelta64(lag, "D").item()], y) for d, y in zip(cd.tolist(), cv)
                 if d - np.timedelta64(lag, "D").item() in metric]
        x, y = np.array(pairs).T
        ref = stats.pearsonr(x, y)
        assert lc.n[lag] == len(pairs)
        assert lc.r[lag] == pytest.approx(ref.statistic, rel=1e-10)
        assert lc.p[lag] == pytest.approx(ref.pvalue, rel=1e-8)


def test_small_example_by_hand():
    # metric on 1-5 March: 1, 2, 3, 4, 5; complaints on 2-6 March: 2, 4, 6, 8, 11 (lag 1 pairs
    # (1,2) (2,4) (3,6) (4,8) (5,11)); lag 0 pairs the 4 common days 2-5 March: (2,2) (3,4) (4,6) (5,8): r = 1
    md = np.array(["2026-03-01", "2026-03-02", "2026-03-03", "2026-03-04", "2026-03-05"], dtype="datetime64[D]")
    cd = np.array(["2026-03-02", "2026-03-03", "2026-03-04", "2026-03-05", "2026-03-06"], dtype="datetime64[D]")
    lc = lagged_correlation(md, [1, 2, 3, 4, 5], cd, [2, 4, 6, 8, 11], max_lag=2)
    assert lc.n.tolist() == [4, 5, 4]
    assert lc.r[0] == pytest.approx(1.0)
    # lag 1: x = 1..5 (mean 3, Sxx = 10), y mean 6.2, Sxy = 22, Syy = 48.8: r = 22 / sqrt(488)
    assert lc.r[1] == pytest.approx(22 / np.sqrt(488))
    # lag 2: pairs (1,4) (2,6) (3,8) (4,11): r from the same formulas
    assert lc.r[2] == pytest.approx(stats.pearsonr([1, 2, 3, 4], [4, 6, 8, 11]).statistic)
    assert lc.strongest == 0  # r = 1 at lag 0
    d = lc.to_dict()
    assert d["strongest"]["lag"] == 0 and d["lags_tested"] == 3


def test_missing_and_short_series():
    days = np.arange("2026-01-01", "2026-01-11", dtype="datetime64[D]")
    values = np.arange(10, dtype=float)
    values[[2, 3]] = np.nan  # blank metric values drop only their own pairs
    lc = lagged_correlation(days, values, days, np.arange(10) * 2.0, max_lag=7, min_n=3)
    # metric on days 0, 1, 4, 5, 6, 7, 8, 9; lag L pairs the metric days m with m + L <= 9
    assert lc.n.tolist() == [8, 7, 6, 5, 4, 3, 2, 2]
    assert np.isnan(lc.r[6:]).all() and np.isnan(lc.p[6:]).all()  # fewer than 3 pairs
    assert lc.to_dict()["lags_tested"] == 6
    # a constant complaint series has no r at any lag
    flat = lagged_correlation(days, values, days, np.ones(10), max_lag=2)
    assert flat.strongest is None and np.isnan(flat.r).all() and not flat.significant


def test_pearson_p_matches_the_t_test():
    r, n = np.array([0.5, -0.3, 0.99]), np.array([12, 40, 5])
    t = r * np.sqrt((n - 2) / (1 - r * r))
    assert pearson_p(r, n) == pytest.approx(2 * stats.t.sf(np.abs(t), n - 2))
    assert pearson_p([1.0], [10])[0] == 0.0 and np.isnan(pearson_p([0.5], [2])[0])


def test_bad_arguments():
    days = np.arange("2026-01-01", "2026-01-05", dtype="datetime64[D]")
    with pytest.raises(LagError, match="twice"):
        lagged_correlation(np.repeat(days[:1], 4), [1, 2, 3, 4], days, [1, 2, 3, 4])
    with pytest.raises(LagError):
        lagged_correlation(days, [1, 2, 3, 4], days, [1, 2, 3, 4], by="max")
    with pytest.raises(LagError):
        lagged_correlation(days, [1, 2, 3], days, [1, 2, 3, 4])
