"""Multi-group ordinal CFA (``ordered=``, ``group=``, WLSMV / DWLS, delta parameterization) and the
ordinal invariance sequence against lavaan 0.6-14 (tests/golden/sem_ordinal_groups.R and its output
sem_ordinal_groups.json; data tests/golden/data/hs_ordinal_school.csv: the Holzinger-Swineford items
x1..x9 cut into 3-5 categories, grouped by school, the three-factor model).

Cases: configural; group.equal "thresholds"; c("thresholds", "loadings"); c("thresholds",
"loadings", "intercepts") (the same model in lavaan: ordered items' intercepts are fixed to 0);
c("thresholds", "loadings") with group.partial c("x1|t2", "visual =~ x2"); "thresholds" with residual covariances ``x2 ~~ x6`` and
``x1 ~~ x9`` (std.all the residual correlations in each group); DWLS with
c("thresholds", "loadings"); WLSMV with c("thresholds", "loadings") and std.lv = TRUE (the second
group's factor variances free). Tolerances: estimates, std.lv and std.all 1e-5 absolute or relative
(lavaan's nlminb stops with χ² 1.6e-6 above the minimum for "thresholds", one loading
1.2e-5 = 6e-6 relative away), standard errors 1e-4 relative, χ² statistics (and
lavTestLRT's scaled-shifted differences) 1e-4 relative, other fit measures and p-values 1e-5
(absolute, relative for p-values), npar and df exactly.
"""

import json
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sem_golden_helpers import assert_estimates, assert_fit_measures

import servq
from servq.stats.polychoric import OrdinalTables
from servq.stats.sem import SemSpecificationError, cfa
from servq.stats.sem.wls import fit_ordinal_tables

GOLDEN = Path(__file__).parents[1] / "golden"
REF = json.loads((GOLDEN / "sem_ordinal_groups.json").read_text())
EST = 1e-5
SE_REL = 1e-4
CHISQ_REL = 1e-4
FIT_ABS = 1e-5
CHISQ = ("chisq", "chisq.scaled", "baseline.chisq", "baseline.chisq.scaled", "fmin", "chisq.shift.parameters")
CASES = list(REF["cases"])


def as_list(value) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


@cache
def data():
    return pd.read_csv(GOLDEN / "data" / "hs_ordinal_school.csv")


@cache
def fitted(case):
    c = REF["cases"][case]
    return cfa(REF["model"], data(), ordered=REF["items"], estimator=c["estimator"], group=REF["group"],
               group_equal=as_list(c["group_equal"]), group_partial=as_list(c["group_partial"]),
               std_lv=case == "std_lv")


def test_golden_has_every_case():
    assert CASES == ["configural", "thresholds", "loadings", "intercepts", "partial", "dwls_loadings", "std_lv"]
    assert REF["lavaan"] == "0.6.14"


@pytest.mark.parametrize("case", CASES)
def test_estimates_se_and_free_parameters(case):
    fit = fitted(case)
    assert fit.groups == tuple(REF["cases"][case]["groups"])
    assert fit.nobs == tuple(REF["cases"][case]["n"])
    assert_estimates(fit.to_frame(), REF["cases"][case]["pe"], keys=("lhs", "op", "rhs", "group"),
                     est={"abs": EST, "rel": EST}, se_rel=SE_REL, free=True)


@pytest.mark.parametrize("case", CASES)
def test_fit_measures(case):
    assert_fit_measures(fitted(case).fit_measures(), REF["cases"][case]["fit"], chisq=CHISQ, chisq_rel=CHISQ_REL,
                        other_abs=FIT_ABS, pvalue_rel=1e-5)


def test_std_all_of_residual_covariances_is_the_residual_correlation_in_every_group():
    # lavaan's nlminb stops 2e-6 above the χ² minimum here, speed =~ x8 in group 1 1.1e-5 relative away
    ref = REF["rescov"]
    fit = cfa(ref["model"], data(), ordered=REF["items"], group=REF["group"], group_equal=as_list(ref["group_equal"]))
    assert_estimates(fit.to_frame(), ref["pe"], keys=("lhs", "op", "rhs", "group"), est={"abs": EST, "rel": 2 * EST},
                     se_rel=SE_REL, free=True)
    assert_fit_measures(fit.fit_measures(), ref["fit"], chisq=CHISQ, chisq_rel=CHISQ_REL, other_abs=FIT_ABS,
                        pvalue_rel=1e-5)
    got = fit.to_frame().set_index(["lhs", "op", "rhs", "group"])
    for g in (1, 2):
        theta = got.xs(("~~", g), level=("op", "group"))["est"]
        want = theta[("x2", "x6")] / np.sqrt(theta[("x2", "x2")] * theta[("x6", "x6")])
        assert got.loc[("x2", "~~", "x6", g), "std.all"] == pytest.approx(want, rel=1e-12)


def test_thresholds_step_frees_scales_and_latent_means_of_the_second_group():
    # lavaan's lav_partable_flat: with equal thresholds, delta (~*~) and the latent means are free in
    # the later groups, fixed (1 and 0) in the first
    t = fitted("thresholds").to_frame()
    for op in ("~*~",):
        assert not t[(t.op == op) & (t.group == 1)].free.any()
        assert t[(t.op == op) & (t.group == 2)].free.all()
    means = t[(t.op == "~1") & t.lhs.isin(["visual", "textual", "speed"])]
    assert not means[means.group == 1].free.any() and means[means.group == 2].free.all()
    items = t[(t.op == "~1") & t.lhs.str.startswith("x")]
    assert not items.free.any() and (items.est == 0).all()
    configural = fitted("configural").to_frame()
    assert not configural[configural.op == "~*~"].free.any()
    assert (configural[configural.op == "~*~"].est == 1).all()


def test_implied_correlations_have_unit_diagonal_in_every_group():
    fit = fitted("thresholds")
    for g in (0, 1):
        assert np.allclose(np.diag(fit.implied_cov(g)), 1.0)
    with pytest.raises(ValueError, match="groups 0 to 1"):
        fit.implied_cov(2)


def test_tables_per_group_give_the_dwls_fit():
    # one OrdinalTables per group (e.g. summed chunk by chunk) fits the same DWLS model as the rows
    d = data()
    labels = list(pd.unique(d[REF["group"]]))
    tables = [OrdinalTables.from_codes(d.loc[d[REF["group"]] == g, REF["items"]].to_numpy(), items=REF["items"])
              for g in labels]
    got = fit_ordinal_tables(REF["model"], tables, groups=labels, group_equal=["thresholds", "loadings"])
    ref = fitted("dwls_loadings")
    assert got.groups == ref.groups and got.nobs == ref.nobs
    assert np.allclose(got.to_frame()["est"], ref.to_frame()["est"], atol=1e-9)
    assert np.allclose(got.to_frame()["se"], ref.to_frame()["se"], rtol=1e-9)
    assert got.fit_measures()["chisq"] == pytest.approx(ref.fit_measures()["chisq"], rel=1e-10)


@pytest.mark.parametrize("name, steps", [("thresholds", ("configural", "thresholds")),
                                         ("loadings", ("thresholds", "loadings"))])
def test_invariance_sequence_matches_lavTestLRT(name, steps):
    res = invariance_result()
    table = res.to_frame().set_index("model")
    lrt = REF["lrt"][name]
    assert table.loc[name, "chisq_diff"] == pytest.approx(lrt["chisq_diff"], rel=CHISQ_REL)
    assert table.loc[name, "df_diff"] == lrt["df_diff"]
    assert table.loc[name, "pvalue"] == pytest.approx(lrt["pvalue"], rel=1e-4)
    cfi = REF["cfi_scaled"]
    assert table.loc[name, "cfi_diff"] == pytest.approx(
        cfi[f"{steps[1]}.cfi.scaled"] - cfi[f"{steps[0]}.cfi.scaled"], abs=FIT_ABS)
    assert list(table.loc[list(steps), "chisq"]) == pytest.approx(lrt["chisq"], rel=CHISQ_REL)


@cache
def invariance_result():
    return servq.invariance(REF["model"], data(), group=REF["group"], ordered=REF["items"])


def test_invariance_from_tables_and_second_pass_is_that_of_the_rows():
    # per group the tables and the score cross-products of a second pass (as `servq analyze
    # --ordinal --invariance` sums them chunk by chunk): on complete rows, the fits and tests of the rows
    from servq.stats.polychoric import polychoric

    d = data()
    tables, scores = {}, {}
    for g in pd.unique(d[REF["group"]]):
        codes = d.loc[d[REF["group"]] == g, REF["items"]].to_numpy()
        tables[g] = OrdinalTables.from_codes(codes, items=REF["items"])
        half = len(codes) // 2  # two chunks: J adds
        poly = polychoric(tables[g])
        scores[g] = poly.score_crossproducts(codes[:half]) + poly.score_crossproducts(codes[half:])
    got = servq.invariance(REF["model"], tables=tables, crossproducts=scores)
    ref = invariance_result()
    assert got.level == ref.level and list(got.groups) == list(ref.groups)
    columns = ["chisq", "df", "chisq_scaled", "cfi", "rmsea", "chisq_diff", "df_diff", "pvalue", "cfi_diff"]
    assert np.allclose(got.table[columns].to_numpy(float), ref.table[columns].to_numpy(float), rtol=1e-8, equal_nan=True)
    assert np.allclose(got.fits["loadings"].to_frame()["se"], ref.fits["loadings"].to_frame()["se"], rtol=1e-8)
    with pytest.raises(ValueError, match="second pass"):
        servq.invariance(REF["model"], tables=tables)


def test_invariance_level_and_rule():
    res = invariance_result()
    # thresholds fail (p < .05, CFI drops .043), so the level is configural although loadings would hold
    assert res.level == "configural"
    assert list(res.table.holds[1:]) == [False, True]
    assert "thresholds" in res.verdict() and "scaled" in res.rule
    json.dumps(res.to_dict())


def test_lrt_between_nonadjacent_steps():
    from servq.stats.sem.wls_groups import scaled_shifted_difference

    free, restricted = fitted("configural"), fitted("loadings")
    out = scaled_shifted_difference(free._moments, restricted._moments, free.fit["chisq"], free.fit["df"],
                                    restricted.fit["chisq"], restricted.fit["df"])
    lrt = REF["lrt"]["loadings_vs_configural"]
    assert out["chisq_diff"] == pytest.approx(lrt["chisq_diff"], rel=CHISQ_REL)
    assert out["df_diff"] == lrt["df_diff"]
    assert out["pvalue"] == pytest.approx(lrt["pvalue"], rel=1e-4)


def test_partial_search_is_refused_with_ordered_items():
    with pytest.raises(ValueError, match="group_partial"):
        servq.invariance(REF["model"], data(), group=REF["group"], ordered=True, partial=True)


def test_invariance_with_group_partial_marks_partial_level():
    res = servq.invariance(REF["model"], data(), group=REF["group"], ordered=True, group_partial=["x1|t2"])
    assert list(res.table.group_partial) == ["", "x1|t2", "x1|t2"]
    assert res.table.df[1] == REF["cases"]["thresholds"]["fit"]["df"] - 1


@pytest.mark.parametrize("kwargs, error, message", [
    ({"group_equal": ["slopes"]}, SemSpecificationError, "'slopes' is not one of thresholds"),
    ({"group_equal": ["thresholds"], "group_partial": ["x1|t9"]}, SemSpecificationError, "'x1|t9' is not a threshold"),
    ({"group_equal": ["thresholds"], "group_partial": ["x1 | x2"]}, SemSpecificationError, "is not a threshold"),
    ({"group": "nowhere"}, SemSpecificationError, "'nowhere' is not a column"),
])
def test_bad_group_options_are_named(kwargs, error, message):
    kw = {"group": REF["group"], **kwargs}
    with pytest.raises(error, match=message):
        cfa(REF["model"], data(), ordered=True, **kw)


def test_empty_category_in_a_group_is_named():
    d = data().copy()
    top = d.x1.max()
    d = d[~((d.school == "Pasteur") & (d.x1 == top))]
    with pytest.raises(ValueError, match="item x1 .*category.* 'Pasteur'"):
        cfa(REF["model"], d, ordered=True, group="school")
