"""servq.stats.sem against lavaan 0.6-14, a second held-out round (tests/golden/sem_heldout2.R and its
output sem_heldout2.json): the 22-item SERVQUAL CFA by MLR and as ordered items, SERVQUAL items with
blanks by MLR + FIML, strictly parallel items (one label for loadings, residual variances, intercepts,
std.lv), the ECSI model of bank customers with := indirect effects by ML and MLR, a non-recursive path
model, five groups (bfi by education) with equal loadings and intercepts, := of per-group labels by MLR,
:= by MLM, FIML by school with std.lv and equal loadings and intercepts, an ordinal bifactor model,
tau-equivalent items written with one label per factor (ordinal and continuous), a loading fixed in one
group only next to equal loadings, a c(a, a) label next
to equal thresholds in two groups of ordered items, binary items by school, and parameterization =
"theta" (refused by servq, whose delta fit has lavaan's theta fit measures and standardized solution,
as its docs say).

Three disagreements were servq's and are fixed: a label shared with a fixed parameter (``f =~ a*x1 + a*x2
+ a*x3``, whose first loading is the marker, fixed at 1) left the others free and equal to each other;
lavaan fixes every parameter of the label at the fixed one's value (``lavaanify``), so servq had 3
parameters more and another χ² (tau_ml, ordinal_tau). And the second-order SERVQUAL model on the 0-100
answers (sq411_second_order_mlr) did not converge (3761 iterations, 99 s, χ² 1236.5 at a sign-flipped
solution): the second-order factor started at variance 0.05 whatever the scale; it now starts as the one
factor of the first-order factors' approximate covariances (servq.stats.sem.start) and reaches lavaan's
χ² 1051.32 in 20 iterations. And a parameter fixed in the first group only (``c(0.6, NA)*x2``) stayed free in
the second under ``group_equal=["loadings"]``, where lavaan's group.equal label ties it to the fixed one
(groups_fixed_equal: lavaan's npar 53, servq's 54).

Tolerances (those of the other golden tests): estimates, std.lv and std.all 1e-5 absolute or relative,
standard errors 1e-4 relative; χ² statistics and log-likelihoods 1e-6 relative (1e-4 for the ordinal
ones, as test_sem_ordinal_groups), other fit measures 1e-5 absolute, npar and df exactly.
"""

import json
import warnings
from functools import cache
from pathlib import Path

import pandas as pd
import pytest
from sem_golden_helpers import assert_estimates, assert_fit_measures, assert_modindices, golden_data

from servq.stats.sem import SemSpecificationError, cfa, sem

GOLDEN = Path(__file__).parents[1] / "golden"
REF = json.loads((GOLDEN / "sem_heldout2.json").read_text())
CASES = [case for case in REF["cases"] if case != "theta"]
FILES = {"hs": "HolzingerSwineford1939.csv", "pd": "PoliticalDemocracy.csv", "holes": "HolzingerSwineford1939_holes.csv",
         "ho": "hs_ordinal.csv", "ho_school": "hs_ordinal_school.csv", "hb": "hs_binary_school.csv", "bfi": "bfi.csv",
         "ecsi": "ecsi_bank250.csv", "sq_missing": "sq411_missing.csv"}
SQ411 = Path(__file__).parents[1] / "data" / "servqual_perceptions_sq411.csv"
CHISQ = ("chisq", "baseline.chisq", "chisq.scaled", "baseline.chisq.scaled", "logl", "unrestricted.logl", "aic", "bic",
         "bic2")
# lavaan's nlminb stops short of the optimum in these (servq's χ² is below lavaan's, see
# test_servq_is_at_least_as_low_as_lavaan): estimates up to 1.6e-5 (ecsi: value ~ expectation, SE 0.14), 1.8e-5
# (bfi_education: A5 ~~ A5 of the third group), 1.5e-5 (groups_defined_mlr: x9's loading at Grant-White) and
# 1.3e-5 (ordinal_groups_labels) apart; sq411_second_order_mlr is fitted by lavaan on the data / 10 (see the R
# script), where its 1e-5 are 1e-3 on the variances of the 0-100 answers (responsiveness' disturbance variance
# 0.9469, SE 6.1, is 1.6e-4 from lavaan's)
EST_TOLERANCE = {"ecsi_ml": 5e-5, "ecsi_mlr": 5e-5, "bfi_education": 5e-5, "groups_defined_mlr": 5e-5,
                 "ordinal_groups_labels": 5e-5, "sq411_second_order_mlr": 1e-3}
# ... and the ECSI model's MLR standard errors feel that: quality's disturbance variance (0.0357, SE 0.0919) has
# an SE 1.02e-4 (relative) from lavaan's; lavaan's at servq's estimates (start = servq's, optim.method = "none")
# is 0.09185799, servq's 0.09185760
SE_TOLERANCE = {"ecsi_mlr": 2e-4}


def dataset(name):
    return pd.read_csv(SQ411) if name == "sq" else golden_data(FILES[name])


def keys_of(case):
    return ("lhs", "op", "rhs", "group") if "group" in REF["cases"][case]["args"] else ("lhs", "op", "rhs")


def arguments(case):
    args = dict(REF["cases"][case]["args"])
    data = dataset(args.pop("data"))
    if "group_equal" in args:
        args["group_equal"] = tuple(args["group_equal"])
    if args.pop("ordered", False):  # every observed variable of the model
        args["ordered"] = [c for c in data.columns if c != "school"]
    args.pop("parameterization", None)
    return data, args


@cache
def fitted(case):
    data, args = arguments(case)
    model = REF["cases"][case]["model"]
    if "ordered" in args:
        args["ordered"] = [c for c in args["ordered"] if c in model]
    with warnings.catch_warnings():  # rows without a group warn (SemWarning): checked in test_warnings
        warnings.simplefilter("ignore")
        return sem(model, data, **args)


def test_every_case_is_listed():
    assert len(REF["cases"]) == 19
    assert REF["lavaan"] == "0.6.14"


@pytest.mark.parametrize("case", CASES)
def test_estimates(case):
    fit = fitted(case)
    assert fit.converged
    assert_estimates(fit.to_frame(), REF["cases"][case]["estimates"], keys=keys_of(case),
                     est={"abs": EST_TOLERANCE.get(case, 1e-5), "rel": 1e-5}, se_rel=SE_TOLERANCE.get(case, 1e-4))


@pytest.mark.parametrize("case", CASES)
def test_fit_measures(case):
    ordinal = REF["cases"][case]["args"].get("ordered", False)
    assert_fit_measures(fitted(case).fit_measures(), REF["cases"][case]["fit"], chisq=CHISQ,
                        chisq_rel=1e-4 if ordinal else 1e-6, other_abs=1e-5)


@pytest.mark.parametrize("case", list(EST_TOLERANCE))
def test_servq_is_at_least_as_low_as_lavaan(case):
    """Where the estimates differ by more than 1e-5, servq's minimum is the lower one."""
    assert fitted(case).fit_measures()["chisq"] <= REF["cases"][case]["fit"]["chisq"] + 1e-9


@pytest.mark.parametrize("case", CASES)
def test_warnings(case):
    """servq warns where lavaan does of what servq checks (here: the rows without education); lavaan's
    note that the vcov of the ordinal sq411 fit has a smallest eigenvalue of -2.4e-17 is rounding,
    which servq does not report."""
    expected = [w for w in REF["cases"][case]["warnings"] if "does not appear to be positive definite" not in w]
    got = fitted(case).warnings
    assert len(got) == len(expected)
    if expected:
        assert "education" in expected[0] and got[0].startswith("group variable 'education' contains missing values")


# lavaan's modification indices at its own estimates, which stop short of the optimum (see EST_TOLERANCE):
# evaluated by lavaan at servq's estimates (start = servq's, do.fit = FALSE) the ECSI model's expectation =~ qual1
# is servq's 0.0038792 (EPC -0.0636279) and quality =~ expe1 servq's 0.3521844 (-0.5614152); at lavaan's they are
# 0.0039270 (-0.0640187) and 0.3518792 (-0.5611708)
MI_TOLERANCE = {"ecsi_ml": {"mi_rel": 1e-3, "epc_abs": 1e-3}, "ecsi_mlr": {"mi_rel": 1e-3, "epc_abs": 1e-3},
                "bfi_education": {"mi_rel": 5e-4, "epc_abs": 5e-5}}
# Left out of the comparison, as test_heldout_round2 does: for the fixed.x covariates x1, x2, x3 of the
# non-recursive model lavaan lists their regressions on the outcomes and their (co)variances (indices of a model
# in which they are no longer exogenous), which servq does not compute; and for the tau-equivalent ordered items
# lavaan lists the scale parameters x1 ~*~ x1 ... (freeing one rescales the item's latent response: identified
# here because the loadings are fixed, redundant with a free loading otherwise, where lavaan has NA); servq does
# not compute those either.
LEFT_OUT = {"nonrecursive": lambda mi: mi["lhs"].isin(["x1", "x2", "x3"]), "ordinal_tau": lambda mi: mi["op"] == "~*~"}


@pytest.mark.parametrize("case", list(REF["modindices"]))
def test_modification_indices(case):
    ref = pd.DataFrame(REF["modindices"][case])
    if case in LEFT_OUT:
        ref = ref[~LEFT_OUT[case](ref)]
    assert_modindices(fitted(case).modindices(), ref.to_dict("list"), keys=keys_of(case), **MI_TOLERANCE.get(case, {}))


def test_a_label_shared_with_a_fixed_loading_fixes_them_all():
    """f =~ a*x1 + a*x2 + a*x3: the marker x1 is fixed at 1 and so, by the label, are x2 and x3 (lavaan)."""
    for case in ("tau_ml", "ordinal_tau"):
        loadings = fitted(case).to_frame().query("op == '=~'")
        assert (loadings["est"] == 1).all() and (loadings["se"] == 0).all()
    # the marker's label on a residual variance fixes it at 1: lavaan's npar 5, χ² 8.595
    fit = cfa("visual =~ a*x1 + x2 + x3\nx3 ~~ a*x3", dataset("hs"))
    assert fit.to_frame().set_index(["lhs", "op", "rhs"]).loc[("x3", "~~", "x3"), ["est", "se"]].tolist() == [1, 0]
    assert fit.fit_measures()["npar"] == 5 and fit.fit_measures()["chisq"] == pytest.approx(8.595, abs=5e-4)


def test_theta_is_refused_and_delta_has_its_fit_and_standardized_solution():
    """parameterization = "theta" is refused, naming delta; the delta fit has lavaan's theta χ², scaled χ²,
    CFI, RMSEA, SRMR and std.all (the estimates themselves differ: theta fixes the residual variances of the
    latent responses at 1, delta their total variances)."""
    data, args = arguments("theta")
    model = REF["cases"]["theta"]["model"]
    with pytest.raises(SemSpecificationError, match="parameterization='theta' is not supported yet: the delta "
                                                    "parameterization gives the same fit and standardized estimates"):
        cfa(model, data, **args, parameterization="theta")
    fit = cfa(model, data, **args)
    assert_fit_measures(fit.fit_measures(), REF["cases"]["theta"]["fit"], chisq=CHISQ, chisq_rel=1e-6, other_abs=1e-6)
    got = fit.to_frame().set_index(["lhs", "op", "rhs"])["std.all"]
    ref = pd.DataFrame(REF["cases"]["theta"]["estimates"]).set_index(["lhs", "op", "rhs"])["std_all"]
    assert sorted(got.index) == sorted(ref.index)
    assert got[ref.index].to_numpy() == pytest.approx(ref.to_numpy(), abs=2e-6)
