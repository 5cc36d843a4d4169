"""Polyserial correlations and the sample statistics of mixed ordered / continuous items against
lavaan 0.6-14 (tests/golden/sem_mixed.R and its output sem_mixed.json).

Data: HolzingerSwineford1939 x1-x9 (continuous, tests/golden/data/HolzingerSwineford1939.csv)
and their cut versions (tests/golden/data/hs_ordinal.csv).

Tolerances: polyserial ρ 1e-6 absolute (lavaan stops nlminb within ~3e-8 of the root found
here); thresholds 1e-12; case-wise scores 1e-5 absolute (they move with ρ: ∂s/∂ρ is of order
10); lavCor and wls.obs 1e-6 absolute; NACOV (gamma) and the DWLS weights 1e-5 relative
to their largest entry / entrywise.
"""

import json
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from servq.stats.polychoric import Polyserial, polyserial
from servq.stats.sem.wls_mixed import mixed_sample

GOLDEN = Path(__file__).parents[1] / "golden"
REF = json.loads((GOLDEN / "sem_mixed.json").read_text())
ITEMS = [f"x{i}" for i in range(1, 10)]


@cache
def continuous():
    return pd.read_csv(GOLDEN / "data" / "HolzingerSwineford1939.csv")[ITEMS]


@cache
def cut():
    return pd.read_csv(GOLDEN / "data" / "hs_ordinal.csv")


def mixed(ordered):
    d = continuous().copy()
    d[list(ordered)] = cut()[list(ordered)]
    return d


def pair_data(case):
    y = cut()[case["y"]].to_numpy()
    if case["flip"]:
        y = y.max() + 1 - y
    return continuous()[case["x"]].to_numpy(), y


@pytest.mark.parametrize("case", REF["polyserial"], ids=lambda c: f"{c['x']}-{c['y']}{'-flip' if c['flip'] else ''}")
def test_polyserial_matches_lavaan(case):
    x, y = pair_data(case)
    fit = polyserial(x, y)
    assert isinstance(fit, Polyserial) and fit.n == len(x)
    assert fit.rho == pytest.approx(case["rho"], abs=1e-6)
    assert np.allclose(fit.thresholds, case["th"], atol=1e-12, rtol=0)
    assert fit.mean == pytest.approx(x.mean(), rel=1e-14)
    assert fit.variance == pytest.approx(x.var(), rel=1e-14)  # ML: divisor N


@pytest.mark.parametrize("case", REF["polyserial"], ids=lambda c: f"{c['x']}-{c['y']}{'-flip' if c['flip'] else ''}")
def test_scores_match_lavaan(case):
    x, y = pair_data(case)
    got = polyserial(x, y).scores(x, y)
    want = np.array(case["scores"])
    assert got.shape == want.shape
    assert np.allclose(got, want, atol=1e-5, rtol=0)
    # ρ solves its likelihood equation: its scores sum to 0 (μ, σ², τ come from the
    # marginals, so theirs do not)
    assert abs(got[:, -1].sum()) < 1e-8


@pytest.mark.parametrize("scale", [1e-4, 1e3, 1e6])
def test_units_of_x_do_not_matter(scale):
    # lavaan drops rows of likelihood < sqrt(eps) judged on x's own units (its estimate
    # collapses for x * 1e6); judged on the standardised x the estimate is unit-free
    x, y = pair_data(REF["polyserial"][0])
    assert polyserial(x * scale + 7, y).rho == pytest.approx(REF["polyserial"][0]["rho"], abs=1e-6)


def test_reversed_codes_flip_the_sign():
    a, b = REF["polyserial"][0], REF["polyserial"][-1]
    assert b["flip"] and a["x"] == b["x"] and a["y"] == b["y"]
    assert polyserial(*pair_data(b)).rho == pytest.approx(-polyserial(*pair_data(a)).rho, abs=1e-12)


def test_codes_are_ranked_and_missing_rows_dropped():
    x, y = pair_data(REF["polyserial"][0])
    base = polyserial(x, y)
    recoded = polyserial(x, y * 10 + 7)  # any increasing recoding: the same categories
    assert recoded.rho == pytest.approx(base.rho, abs=1e-14)
    xm, ym = x.astype(float).copy(), y.astype(float).copy()
    xm[0], ym[1] = np.nan, 0  # missing x; code 0 is missing
    dropped = polyserial(xm, ym)
    assert dropped.n == len(x) - 2
    assert dropped.rho == pytest.approx(polyserial(x[2:], y[2:]).rho, abs=1e-14)


@pytest.mark.parametrize("x, y, message", [
    ([1.0, 2.0, 3.0], [1, 1, 1], "only one category"),
    ([1.0, 1.0, 1.0], [1, 2, 1], "constant"),
    ([1.0, 2.0], [1, 2, 1], "same rows"),
    ([1.0, 2.0, 3.0], [1, 2.5, 1], "not an integer category code"),
])
def test_bad_input_is_named(x, y, message):
    with pytest.raises(ValueError, match=message):
        polyserial(x, y)


def test_scores_refuse_unseen_codes():
    fit = polyserial([0.1, 0.5, -0.3, 1.0], [1, 2, 1, 2])
    with pytest.raises(ValueError, match="code 3 was not seen"):
        fit.scores([0.2], [3])


@cache
def sample_a():
    case = REF["mix_a_wlsmv"]
    return mixed_sample(mixed(case["ordered"])[ITEMS[:6]], case["ordered"])


def test_lavcor_mixed_matrix():
    ref = REF["lavcor"]
    sample = sample_a()
    assert list(sample.names) == ref["names"]
    assert np.allclose(sample.correlation, np.array(ref["cor"]), atol=1e-6, rtol=0)


def test_wls_obs_order_and_values():
    case = REF["mix_a_wlsmv"]
    sample = sample_a()
    assert sample.wls_names() == case["wls_obs_names"]
    assert np.allclose(sample.wls_obs(), case["wls_obs"], atol=1e-6, rtol=0)


def test_nacov_and_dwls_weights():
    case = REF["mix_a_wlsmv"]
    sample = sample_a()
    gamma = np.array(case["gamma"])
    assert np.abs(sample.nacov - gamma).max() <= 1e-5 * np.abs(gamma).max()
    assert np.allclose(sample.wls_v(), case["wls_v"], rtol=1e-5, atol=0)


def test_all_ordered_sample_is_the_polychoric_one():
    from servq.stats.polychoric import OrdinalTables, polychoric

    d = cut()[ITEMS[:4]]
    sample = mixed_sample(d, ITEMS[:4])
    poly = polychoric(OrdinalTables.from_codes(d))
    assert np.allclose(sample.wls_obs(), poly.wls_obs(), atol=1e-14)
    assert np.allclose(sample.nacov, poly.nacov(poly.score_crossproducts(d)), rtol=1e-10, atol=1e-12)


def test_continuous_column_must_be_numeric():
    d = mixed(["x1"])[ITEMS[:3]].assign(x2=lambda f: f["x2"].astype(str))
    with pytest.raises(ValueError, match="column x2 is not numeric"):
        mixed_sample(d, ["x1"])
