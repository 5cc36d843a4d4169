"""group_partial, score tests of equality constraints and the partial-invariance search against
lavaan 0.6-14 (tests/golden/sem_partial.R and its output sem_partial.json).

Tolerances: estimates 5e-5 absolute, standard errors 1e-4 relative, z 1e-3 relative, fit
measures 1e-6 absolute (npar and df exactly).
"""

import json
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from servq.stats.sem import SemSpecificationError, cfa

GOLDEN = Path(__file__).parents[1] / "golden"
REF = json.loads((GOLDEN / "sem_partial.json").read_text())
CASES = list(REF["cases"])
EST_ABS = 5e-5
SE_REL = 1e-4


@cache
def hs():
    return pd.read_csv(GOLDEN / "data" / "HolzingerSwineford1939.csv")


@cache
def fitted(case):
    args = REF["cases"][case]["args"]
    return cfa(REF["model"], hs(), group=args["group"], group_equal=args["group_equal"],
               group_partial=args["group_partial"])


@pytest.mark.parametrize("case", CASES)
def test_group_partial_estimates(case):
    mine, ref = fitted(case).to_frame(), pd.DataFrame(REF["cases"][case]["estimates"])
    assert list(zip(mine.lhs, mine.op, mine.rhs, mine.group)) == list(zip(ref.lhs, ref.op, ref.rhs, ref.group))
    np.testing.assert_allclose(mine.est, ref.est.astype(float), atol=EST_ABS)
    np.testing.assert_allclose(mine.se, ref.se.astype(float), rtol=SE_REL, atol=1e-8)
    free = ref.z.notna().to_numpy()
    np.testing.assert_allclose(mine.z[free], ref.z[free].astype(float), rtol=1e-3)


@pytest.mark.parametrize("case", CASES)
def test_group_partial_fit_measures(case):
    fit = fitted(case)
    assert fit.converged and fit.warnings == ()
    for key, value in REF["cases"][case]["fit"].items():
        assert fit.fit[key] == pytest.approx(value, abs=1e-6 if key not in ("npar", "df") else 0), key


def test_freed_parameters_differ_across_groups_and_the_rest_stay_equal():
    est = fitted("partial").to_frame().set_index(["lhs", "op", "rhs", "group"]).est
    assert est["x2", "~1", "", 1] != pytest.approx(est["x2", "~1", "", 2], abs=1e-3)
    assert est["visual", "=~", "x2", 1] != pytest.approx(est["visual", "=~", "x2", 2], abs=1e-3)
    assert est["x3", "~1", "", 1] == pytest.approx(est["x3", "~1", "", 2], abs=1e-12)
    assert est["visual", "=~", "x3", 1] == pytest.approx(est["visual", "=~", "x3", 2], abs=1e-12)


def test_group_partial_accepts_a_single_string_and_either_order_of_a_covariance():
    one = cfa(REF["model"], hs(), group="school", group_equal=["loadings", "intercepts"], group_partial="x2 ~ 1")
    both = cfa(REF["model"], hs(), group="school", group_equal=["loadings", "intercepts"],
               group_partial=["x2~1"])
    assert one.fit["df"] == both.fit["df"] == 59


@pytest.mark.parametrize("entry, message", [
    ("x2 ~ 1; x3 ~ 1", "not one parameter"),
    ("x2 ~~ x9", "is not a parameter of the model"),
    ("a == b", "not one parameter"),
])
def test_bad_group_partial_is_named(entry, message):
    with pytest.raises(SemSpecificationError, match=message):
        cfa(REF["model"], hs(), group="school", group_equal=["loadings"], group_partial=[entry])
