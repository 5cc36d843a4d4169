"""Ordinal CFA (``ordered=``, ``estimator="WLSMV"`` / ``"DWLS"``) against lavaan 0.6-14
(tests/golden/sem_ordinal.R and its output sem_ordinal.json; data tests/golden/data/hs_ordinal.csv,
the Holzinger-Swineford three-factor model with x1..x9 cut into 3-5 categories).

Cases: WLSMV, DWLS, WLSMV with std.lv = TRUE, WLSMV of the model with residual covariances
``x2 ~~ x6`` and ``x1 ~~ x9`` (std.all the residual correlations, lavaan's ``cov.std = TRUE``).
Tolerances: estimates, std.lv and std.all 1e-5 absolute (lavaan's nlminb stops with up to 4e-6 left on single
loadings), standard errors 1e-4 relative (robust.sem sandwich for WLSMV, (Δ'WΔ)⁻¹/(N−1) for
DWLS), χ² statistics 1e-6 relative, other fit measures 1e-6 absolute, npar and df exactly.
"""

import json
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sem_golden_helpers import assert_estimates, assert_fit_measures, assert_modindices

import servq
from servq.stats.sem import OrdinalSemResults, cfa

GOLDEN = Path(__file__).parents[1] / "golden"
REF = json.loads((GOLDEN / "sem_ordinal.json").read_text())
EST_ABS = 1e-5
SE_REL = 1e-4
CHISQ = ("chisq", "chisq.scaled", "baseline.chisq", "baseline.chisq.scaled", "fmin")


@cache
def data():
    return pd.read_csv(GOLDEN / "data" / "hs_ordinal.csv")


@cache
def fitted(case):
    return cfa(REF[case]["model"], data(), ordered=REF["items"], estimator=REF[case]["estimator"],
               std_lv=case == "wlsmv_std_lv")


CASES = ["wlsmv", "dwls", "wlsmv_std_lv", "wlsmv_rescov", "wlsmv_defined", "dwls_defined"]


@pytest.mark.parametrize("case", CASES)
def test_estimates_and_se(case):
    assert_estimates(fitted(case).to_frame(), REF[case]["pe"], est={"abs": EST_ABS}, se_rel=SE_REL)


@pytest.mark.parametrize("case", CASES)
def test_fit_measures(case):
    assert_fit_measures(fitted(case).fit_measures(), REF[case]["fit"], chisq=CHISQ, chisq_rel=1e-6, other_abs=1e-6)


@pytest.mark.parametrize("case", CASES)
def test_modification_indices_are_lavaans(case):
    """modindices() of the DWLS fit: every candidate lavaan lists (cross-loadings, residual
    covariances; with a latent regression the others too), mi, epc and the standardized epc."""
    assert_modindices(fitted(case).modindices(), REF[case]["mi"])


def test_defined_parameters_are_lavaans():
    """:= with ordered items (a latent regression, a product, a ratio): delta-method SEs from
    the robust covariance (WLSMV) and the standard one (DWLS), as lavaan's rows of op ":="
    (checked with the other rows by test_estimates_and_se)."""
    for case in ("wlsmv_defined", "dwls_defined"):
        got = fitted(case).to_frame()
        defined = got[got["op"] == ":="]
        assert defined["lhs"].tolist() == ["ab", "rel", "ind"] and (defined["group"] == 0).all()
    robust, plain = (fitted(c).to_frame().set_index("lhs").loc["ab"] for c in ("wlsmv_defined", "dwls_defined"))
    assert robust["est"] == pytest.approx(plain["est"], rel=1e-9) and robust["se"] != pytest.approx(plain["se"], rel=1e-3)


def test_std_all_of_residual_covariances_is_the_residual_correlation():
    got = fitted("wlsmv_rescov").to_frame().set_index(["lhs", "op", "rhs"])
    theta = got.xs("~~", level="op")["est"]
    for a, b in (("x2", "x6"), ("x1", "x9")):
        want = theta[(a, b)] / np.sqrt(theta[(a, a)] * theta[(b, b)])
        assert got.loc[(a, "~~", b), "std.all"] == pytest.approx(want, rel=1e-12)


def test_lavaan_defaults():
    fit = fitted("wlsmv")
    assert isinstance(fit, OrdinalSemResults) and fit.converged and fit.nobs == (301,)
    assert REF["wlsmv"]["test"] == "scaled.shifted" and REF["wlsmv"]["se"] == "robust.sem"
    # delta parameterization: the latent responses have unit variance
    assert np.allclose(np.diag(fit.implied_cov()), 1.0)
    # DWLS: same estimates, no scaled statistics
    assert "chisq.scaled" not in fitted("dwls").fit_measures()
    assert np.allclose(fitted("dwls").to_frame()["est"], fit.to_frame()["est"])


def test_top_level_entry_and_ordered_true():
    fit = servq.cfa(REF["model"], data(), ordered=True)
    assert fit.estimator == "WLSMV"
    assert fit.fit_measures()["chisq"] == pytest.approx(REF["wlsmv"]["fit"]["chisq"], rel=1e-6)
    assert fit.to_dict()["estimator"] == "WLSMV"


def test_recoding_is_invariant():
    # lavaan orders the levels of a numeric item: any increasing recoding gives the same fit
    shifted = data() * 10 - 3
    fit = cfa(REF["model"], shifted, ordered=True)
    assert fit.fit_measures()["chisq"] == pytest.approx(fitted("wlsmv").fit_measures()["chisq"], rel=1e-9)


@pytest.mark.parametrize("kwargs, message", [
    ({"estimator": "MLR", "ordered": True}, "estimator='MLR'"),
    ({"estimator": "ML", "ordered": True}, "estimator='ML' with ordered"),
    ({"estimator": "DWLS"}, "needs ordered="),
    ({"ordered": True, "group": "x1"}, "is a variable of the model"),
    ({"ordered": True, "meanstructure": True}, "meanstructure"),
])
def test_unsupported_combinations_name_the_option(kwargs, message):
    with pytest.raises(ValueError, match=message):
        cfa(REF["model"], data(), **kwargs)


def test_partly_ordered_fits_the_rest_as_continuous():
    # mixed ordered / continuous items: tests/stats/test_sem_mixed.py checks them against lavaan
    fit = cfa(REF["model"], data(), ordered=[f"x{i}" for i in range(1, 9)])
    means = fit.to_frame().query("op == '~1' and se > 0")
    assert fit.converged and means["lhs"].tolist() == ["x9"]


def test_modindices_of_several_groups_are_not_available_yet_and_say_so():
    grouped = cfa(REF["model"], data().assign(school=np.arange(len(data())) % 2), ordered=REF["items"], group="school")
    with pytest.raises(NotImplementedError, match="several groups"):
        grouped.modindices()


def test_modindices_sort_filter_and_limit_as_lavaan():
    mi = fitted("wlsmv").modindices(minimum_value=3.84, maximum_number=3)
    assert len(mi) == 3 and mi["mi"].is_monotonic_decreasing and (mi["mi"] > 3.84).all()
    assert mi.iloc[0][["lhs", "op", "rhs"]].tolist() == ["x7", "~~", "x8"]  # lavaan's largest
