"""CFA of mixed ordered and continuous items (``ordered=`` a subset, ``estimator="WLSMV"`` /
``"DWLS"``) against lavaan 0.6-14 (tests/golden/sem_mixed.R and its output sem_mixed.json).

Data: HolzingerSwineford1939 x1-x9, continuous (tests/golden/data/HolzingerSwineford1939.csv),
with the ordered items replaced by their cut versions (tests/golden/data/hs_ordinal.csv).
Models: mix_a ``visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6`` with x1, x3, x5 ordered
(both kinds on each factor; WLSMV, DWLS and ULSMV); mix_b ``visual =~ x1 + x2 + x3; speed =~ x7 +
x8 + x9`` with x1-x3 ordered (a factor of continuous items only; WLSMV, and with std.lv);
mix_c: ``sem()`` of mix_a with ``textual ~ visual`` and residual covariances ``x2 ~~ x6``
(continuous) and ``x3 ~~ x4`` (ordered-continuous), WLSMV.

Tolerances: estimates and std.all 1e-5 absolute (lavaan's polyserial nlminb stops ~3e-8 from
the root and its model nlminb a little short of the optimum); standard errors 1e-4 relative;
χ² statistics (chisq, chisq.scaled and the baselines, fmin) 1e-4 relative; the other fit
measures 1e-5 absolute; npar and df exactly.
"""

import json
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sem_golden_helpers import assert_estimates, assert_fit_measures, assert_modindices

import servq
from servq.stats.sem import OrdinalSemResults, SemSpecificationError, cfa, sem

GOLDEN = Path(__file__).parents[1] / "golden"
REF = json.loads((GOLDEN / "sem_mixed.json").read_text())
ITEMS = [f"x{i}" for i in range(1, 10)]
EST_ABS = 1e-5
SE_REL = 1e-4
CHISQ_REL = 1e-4
CHISQ = ("chisq", "chisq.scaled", "baseline.chisq", "baseline.chisq.scaled", "fmin")
CASES = ["mix_a_wlsmv", "mix_a_dwls", "mix_a_ulsmv", "mix_b_wlsmv", "mix_b_wlsmv_std_lv", "mix_c_sem"]


@cache
def data(ordered):
    d = pd.read_csv(GOLDEN / "data" / "HolzingerSwineford1939.csv")[ITEMS]
    d[list(ordered)] = pd.read_csv(GOLDEN / "data" / "hs_ordinal.csv")[list(ordered)]
    return d


@cache
def fitted(case):
    ref = REF[case]
    fun = sem if ref["fun"] == "sem" else cfa
    return fun(ref["model"], data(tuple(ref["ordered"])), ordered=ref["ordered"], estimator=ref["estimator"],
               std_lv=ref["std_lv"])


@pytest.mark.parametrize("case", CASES)
def test_modification_indices_are_lavaans(case):
    """modindices() with continuous and ordered items together: lavaan's candidates and values."""
    assert_modindices(fitted(case).modindices(), REF[case]["mi"])


@pytest.mark.parametrize("case", CASES)
def test_estimates_and_se(case):
    assert_estimates(fitted(case).to_frame(), REF[case]["pe"], est={"abs": EST_ABS}, se_rel=SE_REL)


@pytest.mark.parametrize("case", CASES)
def test_fit_measures(case):
    assert_fit_measures(fitted(case).fit_measures(), REF[case]["fit"], chisq=CHISQ, chisq_rel=CHISQ_REL,
                        other_abs=1e-5)


def test_continuous_items_keep_their_scale():
    fit = fitted("mix_a_wlsmv")
    assert isinstance(fit, OrdinalSemResults) and fit.converged and fit.nobs == (301,)
    implied = fit.implied_cov()
    d = data(tuple(REF["mix_a_wlsmv"]["ordered"]))
    # ordered items: latent responses of unit variance; continuous ones: the ML sample variance
    assert np.allclose(np.diag(implied.loc[["x1", "x3", "x5"], ["x1", "x3", "x5"]]), 1.0)
    assert np.allclose(np.diag(implied.loc[["x2", "x4", "x6"], ["x2", "x4", "x6"]]), d[["x2", "x4", "x6"]].var(ddof=0))
    means = fit.to_frame().query("op == '~1'").set_index("lhs")["est"]
    assert np.allclose(means[["x2", "x4", "x6"]], d[["x2", "x4", "x6"]].mean(), rtol=1e-12)
    assert (means[["x1", "x3", "x5", "visual", "textual"]] == 0).all()
    scales = fit.to_frame().query("op == '~*~'")["lhs"].tolist()
    assert scales == ["x1", "x3", "x5"]
    assert "chisq.scaled" not in fitted("mix_a_dwls").fit_measures()


def test_top_level_entry():
    ref = REF["mix_b_wlsmv"]
    fit = servq.cfa(ref["model"], data(tuple(ref["ordered"])), ordered=ref["ordered"])
    assert fit.estimator == "WLSMV"
    assert fit.fit_measures()["chisq.scaled"] == pytest.approx(ref["fit"]["chisq.scaled"], rel=CHISQ_REL)


def test_units_of_a_continuous_item_only_rescale_its_parameters():
    ref = REF["mix_a_wlsmv"]
    d = data(tuple(ref["ordered"])).assign(x2=lambda f: f["x2"] * 1000)
    fit = cfa(ref["model"], d, ordered=ref["ordered"])
    base = fitted("mix_a_wlsmv")
    for name in ("chisq", "chisq.scaled", "cfi.scaled", "rmsea.scaled", "srmr"):
        assert fit.fit_measures()[name] == pytest.approx(base.fit_measures()[name], rel=1e-6), name
    got, want = (f.to_frame().set_index(["lhs", "op", "rhs"]) for f in (fit, base))
    for key, factor in (("visual", "=~", "x2"), 1000), (("x2", "~~", "x2"), 1e6), (("x2", "~1", ""), 1000):
        assert got.loc[key, "est"] == pytest.approx(factor * want.loc[key, "est"], rel=1e-6), key
        assert got.loc[key, "se"] == pytest.approx(factor * want.loc[key, "se"], rel=1e-5), key
    assert np.allclose(got["std.all"], want["std.all"], atol=1e-6)


def test_one_ordered_item_as_a_string():
    ref = REF["mix_a_wlsmv"]
    fit = cfa(ref["model"], data(("x1",)), ordered="x1")
    assert fit.to_frame().query("op == '|'")["lhs"].unique().tolist() == ["x1"]


def test_continuous_item_must_be_numeric():
    ref = REF["mix_a_wlsmv"]
    d = data(tuple(ref["ordered"])).assign(x2=lambda f: f["x2"].map("{:.3f}".format))
    with pytest.raises(ValueError, match="column x2 is not numeric"):
        cfa(ref["model"], d, ordered=ref["ordered"])


def test_observed_predictor_is_refused():
    ref = REF["mix_a_wlsmv"]
    with pytest.raises(SemSpecificationError, match="observed variables in regressions"):
        cfa(ref["model"] + "\ntextual ~ x2", data(tuple(ref["ordered"])), ordered=ref["ordered"])
