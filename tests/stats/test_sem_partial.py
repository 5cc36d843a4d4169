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


SCORE_REL = 1e-4
SCORE_ABS = 1e-4  # χ² units: the optimizers' stopping points differ by ~1e-5 in the estimates


@pytest.mark.parametrize("step, equal", [("scalar", ["loadings", "intercepts"]), ("metric", ["loadings"])])
def test_univariate_score_tests_match_lavTestScore(step, equal):
    fit = cfa(REF["model"], hs(), group="school", group_equal=equal)
    mine, ref = fit.score_tests(), pd.DataFrame(REF["score"][step])
    assert list(mine.constraint) == list(ref.constraint)  # lavaan's .p2. == .p38. numbering
    assert list(mine.param) == list(ref.param)
    np.testing.assert_allclose(mine.X2, ref.X2, rtol=SCORE_REL, atol=SCORE_ABS)
    np.testing.assert_allclose(mine["p.value"], ref["p.value"], atol=1e-5)
    assert (mine.df == 1).all()
    joint = fit.score_tests(per_parameter=True)  # two groups: one constraint per parameter
    np.testing.assert_allclose(joint.X2, mine.X2, rtol=1e-12)


def test_score_tests_refuse_mlr():
    fit = cfa(REF["model"], hs(), group="school", group_equal=["loadings"], estimator="MLR")
    with pytest.raises(ValueError, match="estimator='ML'"):
        fit.score_tests()


@cache
def searched(group):
    from servq.stats.sem import invariance
    return invariance(REF["model"], hs(), group=group, partial=True)


@pytest.mark.parametrize("group", list(REF["search"]))
def test_partial_invariance_search_follows_R_step_by_step(group):
    res, ref = searched(group), REF["search"][group]
    assert res.level == ref["level"]
    search = res.search
    for step in ("metric", "scalar"):
        if step not in ref:
            continue
        steps = ref[step]["steps"]
        mine = search[search.step == step].reset_index(drop=True)
        freed = [s for s in steps if "free" in s]
        assert list(mine.param) == [s["free"] for s in freed]
        np.testing.assert_allclose(mine.X2, [s["score"] for s in freed], rtol=SCORE_REL, atol=SCORE_ABS)
        # the refit after each freeing, against the less constrained model
        for k, after in enumerate(steps[1:]):
            for key in ("chisq", "df", "cfi", "chisq_diff", "df_diff", "pvalue", "cfi_diff"):
                assert mine[key][k] == pytest.approx(after[key], abs=1e-6), (step, k, key)
            assert mine.holds[k] == after["holds"]
        # the score tables R looked at before each freeing
        for before in freed:
            table = pd.DataFrame(before["scores"])
            fit = cfa(REF["model"], hs(), group=group,
                      group_equal=["loadings"] if step == "metric" else ["loadings", "intercepts"],
                      group_partial=before["group_partial"])
            uni = fit.score_tests().set_index("param").loc[table.param]
            np.testing.assert_allclose(uni.X2, table.X2, rtol=SCORE_REL, atol=SCORE_ABS)
        row = res.table.set_index("model").loc[step]
        assert row["holds"] == ref[step]["holds"]
        assert row["group_partial"] == ", ".join(ref[step]["group_partial"])
    final = ref["scalar"]["group_partial"] if ref["level"].endswith("scalar") else ref["metric"]["group_partial"]
    assert res.group_partial == tuple(final)
    assert res.group_partial[0] in res.verdict()


def test_without_partial_the_levels_are_unchanged():
    from servq.stats.sem import invariance
    res = invariance(REF["model"], hs(), group="school")
    assert res.level == "metric" and res.search.empty and res.group_partial == ()


def test_search_keeps_one_equal_parameter_per_factor():
    from servq.stats.sem import invariance
    names = ["a", "b", "c"]
    cov = pd.DataFrame(0.5 + 0.5 * np.eye(3), index=names, columns=names)
    m1 = pd.Series([3.0, 3.2, 2.9], index=names)
    res = invariance("f =~ a + b + c", sample_cov=[cov, cov], sample_nobs=[300, 300],
                     sample_mean=[m1, m1 + [0.8, -0.8, 0.0]], partial=True)
    freed = res.search[res.search.step == "scalar"]
    assert len(freed) <= 2  # three intercepts: at most two freed
    assert res.level in ("metric", "partial scalar")
