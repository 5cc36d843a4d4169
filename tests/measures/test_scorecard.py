"""Fair scorecards: REML shrinkage against R lme4 (tests/golden/scorecard.R -> scorecard.json)
and hand computations, the standards' pass / fail / not-enough-data logic, and nesting.

Hand computation used below (balanced one-way layout, closed form): three units of two
answers, (1, 3), (4, 6), (7, 9). Unit means 2, 5, 8; grand mean 5; within-unit variance
MSW = ((1-2)² + (3-2)²) = 2 for each unit, pooled 2 on 3 df; MSB = 2 · ((2-5)² + 0 + (8-5)²) / 2
= 18; REML = ANOVA when positive: tau2 = (MSB − MSW) / n = (18 − 2) / 2 = 8, sigma2 = 2.
B = 8 / (8 + 2/2) = 8/9. Shrunk: 5 ± 3 · 8/9 = 2.3333, 5, 7.6667.
W = Σ n / (sigma2 + n tau2) = 3 · 2 / 18 = 1/3; prediction error variance
B sigma2 / n + (1 − B)² / W = 8/9 + 3/81 = 0.925926.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import jsonschema
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import servq
from servq.errors import DataError, UsageError
from servq.instruments import load_instrument
from servq.measures.scorecard import _nps_stat, _status, parse_measure, scorecard_block
from servq.measures.standards import MeasureRef, Target, parse_standards
from servq.report import SCHEMA_PATH
from servq.stats.shrinkage import one_way_reml, shrink

TESTS = Path(__file__).parents[1]
GOLDEN = json.loads((TESTS / "golden" / "scorecard.json").read_text())
EMPLOYEES = TESTS / "data" / "scorecard_employees.csv"
SURVEY = {"survey_reliability": "perception:reliability", "survey_servqual": "servqual", "survey_nps": "nps:recommend"}


def _fit_csv(case: str, file: str, nested: bool):
    d = pd.read_csv(TESTS / "golden" / "data" / f"{file}.csv")
    units = GOLDEN[case]["units"]
    g = d.groupby("unit")["y"].agg(["count", "mean", "std"]).reindex(units)
    parent = None
    if nested:
        parent = pd.factorize(d.groupby("unit")["parent"].first().reindex(units), sort=True)[0]
    fit = one_way_reml(g["count"], g["mean"], g["std"], parent)
    return fit, shrink(fit, g["count"], g["mean"], parent), g


@pytest.mark.parametrize("case,file,nested", [("units_flat", "shrinkage_units", False),
                                              ("units_nested", "shrinkage_units", True),
                                              ("null", "shrinkage_null", False)])
def test_reml_and_blups_match_lme4(case, file, nested):
    ref = GOLDEN[case]
    fit, est, g = _fit_csv(case, file, nested)
    assert list(g["count"]) == ref["n"]
    assert fit.sigma2 == pytest.approx(ref["sigma2"], rel=1e-6)
    assert fit.tau2 == pytest.approx(ref["tau2"], rel=1e-5, abs=1e-10)
    np.testing.assert_allclose(est.estimate, ref["shrunk"], rtol=1e-7, atol=1e-7)
    np.testing.assert_allclose(est.se**2, ref["pev"], rtol=1e-6)
    np.testing.assert_allclose(fit.mu, list(ref["fixef"].values()), rtol=1e-7)


def test_null_case_is_the_boundary_fit_everything_at_the_grand_mean():
    fit, est, g = _fit_csv("null", "shrinkage_null", False)
    assert GOLDEN["null"]["singular"] and fit.tau2 == 0.0 and fit.estimable
    assert np.all(est.factor == 0)
    grand = float((g["count"] * g["mean"]).sum() / g["count"].sum())  # with tau2 = 0 the GLS mean is the OLS mean
    np.testing.assert_allclose(est.estimate, grand)
    np.testing.assert_allclose(est.se**2, fit.sigma2 / g["count"].sum())


def test_balanced_hand_computation():
    fit = one_way_reml([2, 2, 2], [2.0, 5.0, 8.0], [math.sqrt(2)] * 3)
    assert (fit.tau2, fit.sigma2) == (pytest.approx(8.0), pytest.approx(2.0))
    assert fit.icc == pytest.approx(0.8)
    est = shrink(fit, [2, 2, 2], [2.0, 5.0, 8.0], confidence=0.95)
    np.testing.assert_allclose(est.estimate, [5 - 3 * 8 / 9, 5, 5 + 3 * 8 / 9])
    np.testing.assert_allclose(est.factor, 8 / 9)
    np.testing.assert_allclose(est.se**2, 8 / 9 + 3 / 81)
    np.testing.assert_allclose(est.high - est.estimate, 1.959963984540054 * math.sqrt(8 / 9 + 3 / 81))


def test_negative_anova_estimate_gives_tau2_zero():
    # unit means 4.9, 5.0, 5.1 from 4 answers of SD 1: MSB = 4 · 0.01 = 0.04 < MSW = 1
    fit = one_way_reml([4, 4, 4], [4.9, 5.0, 5.1], [1.0, 1.0, 1.0])
    assert fit.tau2 == 0.0
    est = shrink(fit, [4, 4, 4], [4.9, 5.0, 5.1])
    np.testing.assert_allclose(est.estimate, 5.0)
    # tau2 = 0 leaves one mean: sigma2 = total SS / (N − 1) = (within 3·3·1² + between 4·(0.1² + 0 + 0.1²)) / 11
    assert fit.sigma2 == pytest.approx((9 + 4 * 0.02) / 11)


def test_a_unit_with_more_answers_is_shrunk_less():
    n = np.array([1, 2, 4, 8, 16, 32, 64])
    mean = np.array([6.0, 3.0, 5.5, 4.0, 5.0, 4.5, 5.2])
    fit = one_way_reml(n, mean, np.full(7, 1.2))
    est = shrink(fit, n, mean)
    assert fit.tau2 > 0
    assert np.all(np.diff(est.factor) > 0) and np.all(np.diff(est.se) < 0)
    # each estimate moves toward the mean by the factor 1 − B
    np.testing.assert_allclose(est.estimate - fit.mu[0], est.factor * (mean - fit.mu[0]))
    # the same distance from the mean with more answers stays further from it
    same = shrink(fit, np.array([2, 40]), np.array([fit.mu[0] + 1, fit.mu[0] + 1]))
    assert abs(same.estimate[1] - fit.mu[0]) > abs(same.estimate[0] - fit.mu[0])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 60), st.floats(-3, 3), st.floats(0.2, 2)), min_size=3, max_size=12))
def test_property_shrinkage_is_monotone_in_n_and_between_raw_and_mean(units):
    n, mean, sd = (np.array(v, dtype=float) for v in zip(*units))
    if n.sum() - len(n) < 1:
        return  # not estimable: covered above
    fit = one_way_reml(n, mean, sd)
    est = shrink(fit, n, mean)
    assert fit.tau2 >= 0 and fit.sigma2 > 0
    order = np.argsort(n, kind="stable")
    assert np.all(np.diff(est.factor[order]) >= -1e-12)  # more answers, less shrinkage
    assert np.all((est.factor >= 0) & (est.factor <= 1))
    lo, hi = np.minimum(mean, fit.mu[0]), np.maximum(mean, fit.mu[0])
    assert np.all((est.estimate >= lo - 1e-9) & (est.estimate <= hi + 1e-9))
    # the units' order does not matter
    perm = np.roll(np.arange(len(n)), 1)
    again = one_way_reml(n[perm], mean[perm], sd[perm])
    assert again.tau2 == pytest.approx(fit.tau2, rel=1e-6, abs=1e-9)


def test_not_estimable_without_two_units_under_one_parent():
    fit = one_way_reml([5, 6], [4.0, 5.0], [1.0, 1.0], parent=[0, 1])
    assert not fit.estimable and fit.tau2 is None
    assert fit.sigma2 == pytest.approx((4 * 1 + 5 * 1) / 9)
    est = shrink(fit, [5, 6], [4.0, 5.0], parent=[0, 1])
    np.testing.assert_allclose(est.estimate, [4.0, 5.0])
    np.testing.assert_allclose(est.se, np.sqrt(fit.sigma2 / np.array([5, 6])))


def test_nps_sd_from_the_shares_equals_the_sd_of_the_contributions():
    # 3 promoters, 1 passive, 2 detractors: contributions 100, 100, 100, 0, -100, -100
    x = np.array([100, 100, 100, 0, -100, -100])
    nps = {"nps": x.mean(), "n": 6, "promoters": {"share": 3 / 6}, "detractors": {"share": 2 / 6}}
    n, mean, sd = _nps_stat(nps)
    assert (n, mean) == (6, pytest.approx(100 / 6))
    assert sd == pytest.approx(x.std(ddof=1))


# --------------------------------------------------------------------------- end to end


@pytest.fixture(scope="module")
def survey():
    return servq.scorecard(EMPLOYEES, "servqual", unit="employee", parent="team",
                           measures=list(SURVEY.values()), quality=False)


@pytest.mark.parametrize("case", SURVEY)
def test_survey_scorecard_matches_lme4(survey, case):
    ref = GOLDEN[case]
    card = next(m for m in survey.data["scorecard"]["measures"] if m["key"] == SURVEY[case])
    by = {u["unit"]: u for u in card["units"]}
    assert [by[u]["n"] for u in ref["units"]] == ref["n"]
    np.testing.assert_allclose([by[u]["raw"] for u in ref["units"]], ref["raw"], rtol=1e-9)
    assert card["sigma2"] == pytest.approx(ref["sigma2"], rel=1e-6)
    assert card["tau2"] == pytest.approx(ref["tau2"], rel=1e-5, abs=1e-9)
    np.testing.assert_allclose([by[u]["shrunk"] for u in ref["units"]], ref["shrunk"], rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose([by[u]["se"] ** 2 for u in ref["units"]], ref["pev"], rtol=1e-5)
    means = {p["parent"]: p["mean"] for p in card["parents"]}
    np.testing.assert_allclose([means[k[len("parent"):]] for k in ref["fixef"]], list(ref["fixef"].values()),
                               rtol=1e-6, atol=1e-6)


def test_survey_ranks_and_units(survey):
    sc = survey.data["scorecard"]
    assert sc["unit"] == "employee" and sc["parent"] == "team" and sc["min_n"] == 10 and sc["standards"] == []
    assert {u["unit"]: u["parent"] for u in sc["units"]}["fatima"] == "south"
    for card in sc["measures"]:
        shrunk = [u["shrunk"] for u in card["units"]]
        assert shrunk == sorted(shrunk, reverse=True)
        assert [u["rank"] for u in card["units"]] == list(range(1, 15))
    nps = next(m for m in sc["measures"] if m["key"] == "nps:recommend")
    assert nps["tau2"] == 0.0 and any("nps:recommend" in note and "estimated as 0" in note
                                      for note in survey.data["notes"])


def test_survey_results_follow_the_schema(survey):
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(survey.data)


def test_unit_under_two_parents_is_a_data_error(tmp_path):
    text = EMPLOYEES.read_text(encoding="utf-8").splitlines()
    header, first = text[0], text[1]
    moved = first.replace('"north","cecilia"', '"south","cecilia"')
    assert moved != first
    bad = tmp_path / "moved.csv"
    bad.write_text("\n".join([header, moved, *text[2:]]) + "\n", encoding="utf-8")
    with pytest.raises(DataError) as info:
        servq.scorecard(bad, "servqual", unit="employee", parent="team", quality=False)
    problem = str(info.value.problems[0])
    assert "employee 'cecilia' appears under 2 values of 'team': north, south" in problem
    assert str(bad) in problem


def test_bad_options_are_usage_errors():
    with pytest.raises(UsageError, match="cannot also be its parent"):
        servq.scorecard(EMPLOYEES, "servqual", unit="team", parent="TEAM")
    with pytest.raises(UsageError, match="unknown measure 'happiness'"):
        parse_measure("happiness")
    with pytest.raises(UsageError, match="takes no dimension"):
        parse_measure("servqual:reliability")
    with pytest.raises(UsageError, match="unknown dimension 'speed'"):
        servq.scorecard(EMPLOYEES, "servqual", unit="employee", measures=["gap:speed"])
    with pytest.raises(UsageError, match="basis"):
        servq.scorecard(EMPLOYEES, "servqual", unit="employee", basis="median")


# --------------------------------------------------------------------------- standards logic


@pytest.mark.parametrize("basis,expected", [("shrunk", "pass"), ("raw", "fail"), ("interval", "fail")])
def test_status_depends_on_the_basis(basis, expected):
    row = {"n": 12, "raw": -0.6, "shrunk": -0.4, "ci_low": -0.9, "ci_high": 0.1}
    assert _status(row, Target(">=", -0.5), 10, basis) == expected


def test_status_edges():
    row = {"n": 12, "raw": -0.5, "shrunk": -0.5, "ci_low": -0.45, "ci_high": 0.2}
    assert _status(row, Target(">=", -0.5), 10, "shrunk") == "pass"  # the target itself meets ">="
    assert _status(row, Target(">", -0.5), 10, "shrunk") == "fail"
    assert _status(row, Target(">=", -0.5), 10, "interval") == "pass"
    assert _status(row, Target("<", 0.0), 10, "interval") == "fail"  # the interval reaches above 0
    assert _status({**row, "n": 9}, Target(">=", -9.0), 10, "shrunk") == "not_enough_data"
    assert _status({**row, "n": 0, "shrunk": None}, Target(">=", -9.0), 0, "raw") == "not_enough_data"


def test_scorecard_block_counts_statuses_per_unit():
    """Three branches, SERVQUAL scores by hand: a (n 20, mean −0.2, SD 0.5), b (n 30, −1.0, 0.5),
    c (n 4, 0.5, 0.5); standard servqual >= −0.5 with min_n 10."""
    inst = load_instrument("servqual")

    def seg(n, mean):
        return {"n": n, "servqual": {"unweighted": {"mean": mean, "sd": 0.5, "n": n, "ci_low": None, "ci_high": None},
                                     "weighted": None}}

    results = {"segments": {"branch": {"a": seg(20, -0.2), "b": seg(30, -1.0), "c": seg(4, 0.5)}}}
    std = parse_standards("standards: [{measure: servqual, target: '>= -0.5'}]", inst)
    block, notes = scorecard_block(results, inst, "branch", None, [MeasureRef("servqual")], std,
                                   min_n=std.min_n, basis="shrunk", confidence=0.95, lang="en")
    s = block["standards"][0]
    assert s["status"] == {"a": "pass", "b": "fail", "c": "not_enough_data"}
    assert s["counts"] == {"pass": 1, "fail": 1, "not_enough_data": 1}
    card = block["measures"][0]
    # independent check of the fit with the per-unit sufficient statistics
    fit = one_way_reml([20, 30, 4], [-0.2, -1.0, 0.5], [0.5] * 3)
    assert card["tau2"] == pytest.approx(fit.tau2) and card["sigma2"] == pytest.approx(fit.sigma2)
    assert [u["unit"] for u in card["units"]] == ["c", "a", "b"]
    assert notes == []
