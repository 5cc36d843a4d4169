"""Defined parameters (:=) and == constraints against lavaan 0.6-14 (tests/golden/sem_defined.R
and its output sem_defined.json).

Tolerances: estimates, intervals, std.lv and std.all 5e-5 absolute (both optimisers stop where
the discrepancy is flat to ~1e-12, which leaves up to 2e-5 on single estimates), standard
errors 1e-4 relative, z 1e-3 relative, fit measures 1e-6 absolute (npar and df exactly).
"""

import json
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sem_golden_helpers import golden_data

from servq.stats.sem import ModelSyntaxError, SemSpecificationError, cfa, sem

GOLDEN = Path(__file__).parents[1] / "golden"
REF = json.loads((GOLDEN / "sem_defined.json").read_text())
CASES = list(REF["cases"])
DATA = {"hs": "HolzingerSwineford1939.csv", "pd": "PoliticalDemocracy.csv"}
EST_ABS = 5e-5
SE_REL = 1e-4
# lavaan's complex-step derivative loses whatever is under abs() (R's abs of a complex number
# is its modulus): servq's SE of odd_abs is lavaan's SE of odd, the same function without abs
LAVAAN_ABS_SE = {("mediation", "odd_abs"): "odd"}


def dataset(name):
    return golden_data(DATA[name])


@cache
def fitted(case):
    ref = REF["cases"][case]
    group = ref["args"].get("group")
    return sem(ref["model"], dataset(ref["args"]["data"]), **({"group": group} if group else {}))


def reference(case):
    ref = pd.DataFrame(REF["cases"][case]["estimates"])
    for (c, name), same in LAVAAN_ABS_SE.items():
        if c == case:
            cols = ["se", "z", "pvalue", "ci.lower", "ci.upper"]
            ref.loc[ref.lhs == name, cols] = ref.loc[ref.lhs == same, cols].to_numpy()
    return ref


@pytest.mark.parametrize("case", CASES)
def test_rows_in_lavaans_order(case):
    mine, ref = fitted(case).to_frame(), reference(case)
    assert list(zip(mine.lhs, mine.op, mine.rhs, mine.group)) == list(zip(ref.lhs, ref.op, ref.rhs, ref.group))
    assert list(mine.label.fillna("")) == list(ref.label.fillna(""))


@pytest.mark.parametrize("case", CASES)
def test_estimates_and_standard_errors(case):
    mine, ref = fitted(case).to_frame(), reference(case)
    for col in ("est", "ci.lower", "ci.upper", "std.lv", "std.all"):
        np.testing.assert_allclose(mine[col], ref[col].astype(float), atol=EST_ABS, err_msg=col)
    np.testing.assert_allclose(mine.se, ref.se.astype(float), rtol=SE_REL, atol=1e-8, err_msg="se")
    free = ref.z.notna().to_numpy()
    np.testing.assert_allclose(mine.z[free], ref.z[free].astype(float), rtol=1e-3)


@pytest.mark.parametrize("case", CASES)
def test_fit_measures(case):
    fit = fitted(case)
    assert fit.converged and fit.warnings == ()
    for key, value in REF["cases"][case]["fit"].items():
        assert fit.fit[key] == pytest.approx(value, abs=1e-6 if key not in ("npar", "df") else 0), key


def test_lavaan_drops_the_derivative_under_abs():
    ref = pd.DataFrame(REF["cases"]["mediation"]["estimates"]).set_index("lhs")
    assert ref.est["odd_abs"] == pytest.approx(ref.est["odd"], abs=1e-12)
    assert ref.se["odd_abs"] < ref.se["odd"] - 0.03
    mine = fitted("mediation").to_frame().set_index("lhs")
    assert mine.se["odd_abs"] == pytest.approx(mine.se["odd"], rel=1e-10)


def test_defined_rows_follow_the_parameters():
    frame = fitted("mediation").to_frame()
    defined = frame[frame.op == ":="]
    assert list(defined.index) == list(range(len(frame) - 5, len(frame)))
    est = frame.set_index("label").est
    assert est["ab"] == pytest.approx(est["a"] * est["b"], rel=1e-12)
    assert est["prop"] == pytest.approx(est["ab"] / est["total"], rel=1e-12)


def test_equality_constraints_hold_and_remove_parameters():
    fit = fitted("hs_eq")
    est = fit.to_frame().set_index("label").est
    assert est["a"] == pytest.approx(est["b"], abs=1e-12)
    assert est["c"] - 0.5 == pytest.approx(2 * est["d"] - 1, abs=1e-12)
    # 21 free parameters of the HS model; the shared label e makes 20, the two == make 18
    assert fit._problem.model.n_par == 20 and fit.fit["npar"] == 18


@pytest.mark.parametrize("model, message", [
    ("f =~ x1 + a*x2 + b*x3\nab := a*z", r"line 2: ab := a\*z: 'z' is not a parameter label"),
    ("f =~ x1 + a*x2 + b*x3\nd := e + a\ne := a", r"line 2: d := e\+a: 'e' is not a parameter label .* defined before"),
    ("f =~ x1 + a*x2 + b*x3\na := b", r"line 2: a := b: 'a' is already a parameter label"),
    ("f =~ x1 + a*x2 + b*x3\na == b\na == b + 1", r"the == constraints contradict each other"),
])
def test_unusable_statements_name_their_line(model, message):
    with pytest.raises(SemSpecificationError, match=message):
        cfa(model, dataset("hs"))


@pytest.mark.parametrize("line, message", [
    ("ab := a(b)", r"line 2: 'ab := a\(b\)': function 'a' is not one of exp"),
    ("ab := __import__('os')", r"function '__import__' is not one of"),
    ("ab := a.b.c[0]", r"is not arithmetic of names and numbers"),
    ("2 := a", r"a defined parameter needs a name before ':='"),
    ("a > b +", r"line 2: 'a > b \+': cannot read"),
])
def test_bad_expressions_are_syntax_errors(line, message):
    with pytest.raises(ModelSyntaxError, match=message):
        cfa(f"f =~ x1 + a*x2 + b*x3\n{line}", dataset("hs"))


@pytest.mark.parametrize("options", [{"estimator": "MLR"}, {"missing": "fiml"}])
def test_constraints_with_robust_or_fiml_estimation_are_refused_by_name(options):
    model = "visual =~ x1 + a*x2 + b*x3\ntextual =~ x4 + x5 + x6\na == b"
    with pytest.raises(SemSpecificationError, match="==, < and > constraints are fitted with estimator='ML'"):
        cfa(model, dataset("hs"), **options)
