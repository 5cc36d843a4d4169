"""servq.stats.comparisons against base R (tests/golden/comparisons.R -> comparisons.json):
oneway.test, ω² by hand from aov, Games–Howell by hand with ptukey, pairwise.t.test /
t.test, p.adjust, prop.test, and NPS differences by hand."""

import json
from itertools import product
from math import comb
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import special
from scipy.stats import norm, studentized_range

from servq.stats.comparisons import (
    ComparisonError,
    Pairs,
    games_howell,
    games_howell_data,
    group_stats,
    hedges_j,
    nps_counts,
    nps_difference,
    p_adjust,
    pairwise_welch,
    pairwise_welch_data,
    significant,
    top_box,
    two_proportions,
    welch_anova,
    welch_anova_data,
)

HERE = Path(__file__).parents[1]
REF = json.loads((HERE / "golden" / "comparisons.json").read_text())
TOL = 1e-6
CASES = ["plantgrowth", "insectsprays", "sq411_rows", "sq411_a01"]


def case_data(case):
    """The rows behind a case, grouped as in comparisons.R."""
    if case == "plantgrowth":
        return pd.read_csv(HERE / "golden" / "data" / "PlantGrowth.csv"), "weight", "group"
    if case == "insectsprays":
        return pd.read_csv(HERE / "golden" / "data" / "InsectSprays.csv"), "count", "spray"
    sq = pd.read_csv(HERE / "data" / "servqual_perceptions_sq411.csv")
    if case == "sq411_rows":  # R: cut(seq_len(411), 4) -> 103, 103, 102, 103 rows
        sq["block"] = np.repeat(["g1", "g2", "g3", "g4"], [103, 103, 102, 103])
        return sq, "sat", "block"
    return sq, "sat", "a01"


def core(case):
    c = REF[case]
    return c, (np.array(c["n"], float), np.array(c["mean"]), np.array(c["sd"])), c["labels"]


def pair_ref(c, key):
    return np.array([p[key] for p in c["pairs"]])


@pytest.mark.parametrize("case", CASES)
def test_welch_anova_matches_r(case):
    c, (n, m, s), _ = core(case)
    r = welch_anova(n, m, s)
    w = c["welch"]
    assert r.f == pytest.approx(w["f"], abs=TOL, rel=TOL)
    assert (r.df1, r.df2, r.p) == pytest.approx((w["df1"], w["df2"], w["p"]), abs=TOL, rel=TOL)
    assert r.omega_sq == pytest.approx(c["omega_sq"], abs=TOL)
    assert r.omega_sq_welch == pytest.approx(c["omega_sq_welch"], abs=TOL)
    assert r.k == len(n) and r.n_total == n.sum()


@pytest.mark.parametrize("case", CASES)
def test_games_howell_matches_r(case):
    c, (n, m, s), labels = core(case)
    t = games_howell(n, m, s, labels).table
    assert t["group_a"].tolist() == [p["group_a"] for p in c["pairs"]]
    assert t["group_b"].tolist() == [p["group_b"] for p in c["pairs"]]
    for col in ("diff", "se", "t", "df"):
        np.testing.assert_allclose(t[col], pair_ref(c, col), atol=TOL, rtol=TOL)
    np.testing.assert_allclose(t["p"], pair_ref(c, "gh_p"), atol=TOL)
    np.testing.assert_allclose(t["p_adj"], t["p"])
    # R's ptukey is off by ~2e-7 at df ~ 3 (see test_studentized_range_by_quadrature), which
    # moves R's critical value there by ~1e-4: compare bounds to 1e-6 where df >= 5, and
    # everywhere compare the coverage of R's bounds (cdf of the implied critical value).
    ok = t["df"].to_numpy() >= 5
    np.testing.assert_allclose(t["ci_low"][ok], pair_ref(c, "gh_ci_low")[ok], atol=TOL)
    np.testing.assert_allclose(t["ci_high"][ok], pair_ref(c, "gh_ci_high")[ok], atol=TOL)
    q_r = (pair_ref(c, "gh_ci_high") - pair_ref(c, "diff")) / pair_ref(c, "se") * np.sqrt(2)
    np.testing.assert_allclose(studentized_range.cdf(q_r, len(n), t["df"]), 0.95, atol=TOL)
    np.testing.assert_allclose(t["hedges_g"], pair_ref(c, "hedges_g"), atol=TOL)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("adjust,key", [("none", "p_none"), ("holm", "p_holm"), ("BH", "p_bh")])
def test_pairwise_welch_matches_r(case, adjust, key):
    c, (n, m, s), labels = core(case)
    t = pairwise_welch(n, m, s, labels, adjust=adjust).table
    for col in ("diff", "se", "t", "df", "p", "ci_low", "ci_high", "hedges_g"):
        np.testing.assert_allclose(t[col], pair_ref(c, col), atol=TOL, rtol=TOL, err_msg=col)
    np.testing.assert_allclose(t["p_adj"], c[key], atol=TOL)


@pytest.mark.parametrize("case", CASES)
def test_data_wrappers_equal_the_cores(case):
    data, y, g = case_data(case)
    c, (n, m, s), labels = core(case)
    gs = group_stats(data, y, g)
    assert list(gs.labels) == labels
    np.testing.assert_allclose(gs.n, n)
    np.testing.assert_allclose(gs.mean, m, atol=1e-12)
    np.testing.assert_allclose(gs.sd, s, atol=1e-12)
    assert welch_anova_data(data, y, g) == welch_anova(gs.n, gs.mean, gs.sd)
    pd.testing.assert_frame_equal(games_howell_data(data, y, g, confidence=None).table,
                                  games_howell(gs.n, gs.mean, gs.sd, gs.labels, confidence=None).table)
    pd.testing.assert_frame_equal(pairwise_welch_data(data, y, g, adjust="BH").table,
                                  pairwise_welch(gs.n, gs.mean, gs.sd, gs.labels, adjust="BH").table)
    np.testing.assert_allclose(welch_anova_data(data, y, g).f, c["welch"]["f"], rtol=1e-9)


def test_data_wrapper_drops_missing_and_suppresses_small_groups():
    data = pd.DataFrame({"y": [1.0, 2, 4, np.nan, 3, 5, 7, 9], "g": ["a", "a", "a", "a", "b", "b", None, "c"]})
    gs = group_stats(data, "y", "g", min_n=2)
    assert gs.labels == ("a", "b") and gs.suppressed == ("c",)
    assert gs.n.tolist() == [3, 2] and gs.mean.tolist() == [7 / 3, 4]
    assert gs.to_dict()["suppressed"] == ["c"]
    arr = group_stats(np.array([[1.0, 0], [2, 0], [4, 1], [6, 1]]), 0, 1)
    assert arr.labels == ("0.0", "1.0") and arr.mean.tolist() == [1.5, 5]
    with pytest.raises(ComparisonError, match="column 'x'"):
        group_stats(data, "x", "g")
    with pytest.raises(ComparisonError, match="min_n"):
        group_stats(data, "y", "g", min_n=1)


def test_p_adjust_matches_r():
    c = REF["p_adjust"]
    for method in ("holm", "BH", "bonferroni"):
        np.testing.assert_allclose(p_adjust(c["p"], method), c[method], atol=1e-12)
    np.testing.assert_allclose(p_adjust(c["p"], "none"), c["p"])
    with_nan = np.array([0.01, np.nan, 0.03])
    np.testing.assert_allclose(p_adjust(with_nan, "holm"), [0.02, np.nan, 0.03])  # R: p.adjust(c(.01, NA, .03), "holm")
    with pytest.raises(ComparisonError, match="method"):
        p_adjust([0.1], "fdr")


def test_significant_marks_only_corrected_differences():
    _, (n, m, s), labels = core("plantgrowth")
    none = pairwise_welch(n, m, s, labels, adjust="none")
    holm = pairwise_welch(n, m, s, labels, adjust="holm")
    # unadjusted, ctrl-trt2 (p = .048) and trt1-trt2 are below .05; after Holm only trt1-trt2
    assert significant(none)[["group_a", "group_b"]].values.tolist() == [["ctrl", "trt2"], ["trt1", "trt2"]]
    assert significant(holm)[["group_a", "group_b"]].values.tolist() == [["trt1", "trt2"]]
    assert significant(holm.table, alpha=0.3).shape[0] == 3
    with pytest.raises(ComparisonError, match="alpha"):
        significant(holm, alpha=5)
    with pytest.raises(ComparisonError, match="p_adj"):
        significant(pd.DataFrame({"p": [0.01]}))


def test_two_proportions_matches_r():
    for c in REF["two_proportions"]:
        r = two_proportions(c["x1"], c["n1"], c["x2"], c["n2"])
        assert (r.share_1, r.share_2) == pytest.approx((c["share_1"], c["share_2"]), abs=1e-12)
        assert r.chi2 == pytest.approx(c["chi2"], abs=TOL, rel=TOL)
        assert r.p == pytest.approx(c["p"], abs=TOL)
        assert (r.ci_low, r.ci_high) == pytest.approx((c["ci_low"], c["ci_high"]), abs=TOL)
        assert r.diff == pytest.approx(r.share_1 - r.share_2)
        assert r.wilson_1[0] <= r.share_1 <= r.wilson_1[1]
        json.dumps(r.to_dict())
    assert np.isnan(two_proportions(0, 10, 0, 5).chi2) and two_proportions(0, 10, 0, 5).to_dict()["p"] is None
    with pytest.raises(ComparisonError, match="group 2"):
        two_proportions(1, 10, 6, 5)


def test_nps_difference_matches_r():
    for c in REF["nps_difference"]:
        r = nps_difference(c["a"], c["b"])
        got = (r.nps_a, r.nps_b, r.diff, r.se, r.ci_low, r.ci_high, r.p)
        want = (c["nps_a"], c["nps_b"], c["diff"], c["se"], c["ci_low"], c["ci_high"], c["p"])
        assert got == pytest.approx(want, abs=1e-9)
    with pytest.raises(ComparisonError, match="group b"):
        nps_difference((1, 2, 3), (1, 2))


def test_nps_variance_is_the_exact_multinomial_variance():
    """Independent check of the NPS SE: enumerate all multinomial outcomes for small n."""
    n, probs = 7, (0.45, 0.3, 0.25)
    mean = var = 0.0
    for a, b in product(range(n + 1), repeat=2):
        if a + b > n:
            continue
        d = n - a - b
        w = comb(n, a) * comb(n - a, b) * probs[0] ** a * probs[1] ** b * probs[2] ** d
        score = 100 * (a - d) / n
        mean += w * score
        var += w * score**2
    var -= mean**2
    counts = np.array(probs) * n  # the formula only needs the shares
    assert nps_difference(counts, counts).se_a ** 2 == pytest.approx(var, rel=1e-12)


def test_top_box_and_nps_counts():
    assert top_box([100, 80, np.nan, 60, 80], 80) == (3, 4)
    assert nps_counts([10, 9, 8, 7, 6, 0, np.nan]) == (2, 2, 2)
    with pytest.raises(ComparisonError, match="0-10"):
        nps_counts([11])


def test_studentized_range_by_quadrature():
    """The studentized range cdf (scipy) against a direct double integral at the small df of
    sq411_a01, where R's ptukey gives 0.947767190 instead of 0.947766979."""
    k, q, nu = 5, 7.38, 3.0
    nodes, weights = np.polynomial.legendre.leggauss(600)
    z, wz = 9 * nodes, 9 * weights  # standard normal on [-9, 9]
    x, wx = 4 * (nodes + 1), 4 * weights  # sqrt(chi2_3 / 3) on [0, 8]
    w = q * x[:, None]  # P(range of k normals < w) = k ∫ φ(z) [Φ(z) − Φ(z − w)]^(k−1) dz
    range_cdf = k * ((norm.pdf(z) * (special.ndtr(z) - special.ndtr(z - w)) ** (k - 1)) @ wz)
    dens = np.exp(np.log(2) + nu / 2 * np.log(nu / 2) - special.gammaln(nu / 2)
                  + (nu - 1) * np.log(x) - nu * x * x / 2)
    exact = (dens * range_cdf) @ wx
    assert studentized_range.cdf(q, k, nu) == pytest.approx(exact, abs=1e-9)
    assert exact == pytest.approx(0.9477669786, abs=1e-9)


def test_hedges_j_approximation():
    m = np.array([5.0, 18, 100, 1000])
    np.testing.assert_allclose(hedges_j(m), 1 - 3 / (4 * m - 1), rtol=2e-3)


def test_bad_input_is_named():
    with pytest.raises(ComparisonError, match="group 'b' has n = 1"):
        games_howell([5, 1], [1, 2], [1, 1], ["a", "b"])
    with pytest.raises(ComparisonError, match="sd must be positive"):
        welch_anova([5, 5], [1, 2], [1, 0])
    with pytest.raises(ComparisonError, match="at least 2 groups"):
        welch_anova([5], [1], [1])
    with pytest.raises(ComparisonError, match="differ in length"):
        welch_anova([5, 5], [1, 2], [1])
    with pytest.raises(ComparisonError, match="labels"):
        pairwise_welch([5, 5], [1, 2], [1, 1], ["a"])
    with pytest.raises(ComparisonError, match="adjust"):
        pairwise_welch([5, 5], [1, 2], [1, 1], adjust="fdr")


def test_results_are_json_able_and_order_free():
    _, (n, m, s), labels = core("insectsprays")
    gh = games_howell(n, m, s, labels, confidence=None)
    d = json.loads(json.dumps(gh.to_dict()))
    assert d["method"] == "games_howell" and d["pairs"][0]["ci_low"] is None
    assert json.loads(json.dumps(welch_anova(n, m, s).to_dict()))["k"] == 6
    assert isinstance(gh, Pairs) and gh.to_frame().shape == (15, 15)
    # reversing the group order mirrors every pair: same |t| and p, opposite difference
    rev = pairwise_welch(n[::-1], m[::-1], s[::-1], labels[::-1], adjust="holm").table
    fwd = pairwise_welch(n, m, s, labels, adjust="holm").table

    def key(t, a, b):
        return {(x, y): v for x, y, v in zip(t[a], t[b], t["p_adj"])}

    assert key(rev, "group_b", "group_a") == pytest.approx(key(fwd, "group_a", "group_b"))
    assert welch_anova(n[::-1], m[::-1], s[::-1]).f == pytest.approx(welch_anova(n, m, s).f)
