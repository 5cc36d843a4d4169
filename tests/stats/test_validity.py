"""servq.stats.validity against R (tests/golden/reliability.R -> validity.json, tests/golden/htmt.R ->
htmt.json): CR and AVE by hand from lavaan::standardizedSolution, HTMT and HTMT2 from
semTools::htmt, also with an item shared by two factors and from a model and data."""

import json
from itertools import combinations
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from servq.stats.validity import THRESHOLDS, ValidityError, htmt, htmt2, validity

GOLDEN = Path(__file__).parents[1] / "golden"
REF = json.loads((GOLDEN / "validity.json").read_text())
HTMT = json.loads((GOLDEN / "htmt.json").read_text())
TOL = 1e-10  # same arithmetic as R; the brief's bound is 1e-3


def inputs(case):
    c = REF[case]
    lam = pd.DataFrame(c["loadings"], index=c["items"], columns=c["factors"])
    phi = pd.DataFrame(c["factor_correlations"], index=c["factors"], columns=c["factors"])
    theta = pd.Series(c["residual_variances"], index=c["items"])
    cor = pd.DataFrame(c["cor"], index=c["items"], columns=c["items"])
    return c, lam, phi, theta, cor


@pytest.mark.parametrize("case", ["hs1939", "sq411"])
def test_matches_r(case):
    c, lam, phi, theta, cor = inputs(case)
    v = validity(lam, phi, theta, cor=cor)
    np.testing.assert_allclose(v.cr, c["cr"], atol=TOL)
    np.testing.assert_allclose(v.ave, c["ave"], atol=TOL)
    np.testing.assert_allclose(v.htmt, c["htmt"], atol=TOL)
    np.testing.assert_allclose(v.htmt2, c["htmt2"], atol=TOL)
    fl = v.fornell_larcker.to_numpy()
    np.testing.assert_allclose(np.diag(fl), np.sqrt(c["ave"]), atol=TOL)
    off = ~np.eye(len(c["factors"]), dtype=bool)
    np.testing.assert_allclose(fl[off], np.asarray(c["factor_correlations"])[off], atol=TOL)
    assert v.factors == tuple(c["factors"])


@pytest.mark.parametrize("case", ["hs1939", "sq411"])
def test_default_residuals_are_lavaans_std_all(case):
    c, lam, phi, theta, cor = inputs(case)
    v = validity(lam, phi)
    np.testing.assert_allclose(v.cr, c["cr"], atol=1e-9)
    np.testing.assert_allclose(v.ave, c["ave"], atol=1e-9)
    assert v.htmt is None and v.htmt2 is None


@pytest.mark.parametrize("case", ["hs1939", "sq411"])
def test_htmt_functions_match_semtools(case):
    c, lam, phi, theta, cor = inputs(case)
    groups = {f: [i for i in c["items"] if lam.at[i, f] != 0] for f in c["factors"]}
    np.testing.assert_allclose(htmt(cor, groups), c["htmt"], atol=TOL)
    np.testing.assert_allclose(htmt2(cor, groups), c["htmt2"], atol=TOL)
    # a covariance matrix gives the same ratios (semTools scales it with cov2cor)
    sd = np.linspace(0.5, 3.0, len(c["items"]))
    cov = cor * np.outer(sd, sd)
    np.testing.assert_allclose(htmt(cov, groups), c["htmt"], atol=TOL)
    positions = {f: [c["items"].index(i) for i in g] for f, g in groups.items()}
    np.testing.assert_allclose(htmt2(np.asarray(c["cor"]), positions), c["htmt2"], atol=TOL)


def expected_not_separated(case, level):
    c = REF[case]
    f, phi, sq_ave, h = c["factors"], np.asarray(c["factor_correlations"]), np.sqrt(c["ave"]), np.asarray(c["htmt"])
    limit = THRESHOLDS[f"htmt_{level}"]
    return [(f[a], f[b]) for a, b in combinations(range(len(f)), 2)
            if h[a, b] >= limit or min(sq_ave[a], sq_ave[b]) < abs(phi[a, b])]


def test_hs1939_flags():
    c, lam, phi, theta, cor = inputs("hs1939")
    v = validity(lam, phi, theta, cor=cor)
    table = v.to_frame()
    assert table["ave_low"].tolist() == [True, False, True]
    assert table["cr_low"].tolist() == [True, False, True]
    assert not table["fornell_larcker_fails"].any()
    assert v.not_separated() == [] == expected_not_separated("hs1939", "strict")


def test_sq411_dimensions_that_do_not_separate():
    c, lam, phi, theta, cor = inputs("sq411")
    v = validity(lam, phi, theta, cor=cor)
    for level in ("strict", "liberal"):
        assert v.not_separated(level) == expected_not_separated("sq411", level)
    assert ("responsiveness", "assurance") in v.not_separated("liberal")
    assert ("tangibles", "reliability") not in v.not_separated()
    assert v.to_frame().loc["responsiveness", "fornell_larcker_fails"]


def test_statistic_and_thresholds_are_options():
    c, lam, phi, theta, cor = inputs("sq411")
    v = validity(lam, phi, theta, cor=cor, statistic="htmt2", thresholds={"htmt_strict": 0.95})
    pairs = v.pairs()
    np.testing.assert_array_equal(pairs["htmt_strict"], pairs["htmt2"] >= 0.95)
    assert v.thresholds == {**THRESHOLDS, "htmt_strict": 0.95}


def test_to_dict_is_json_with_reasons():
    c, lam, phi, theta, cor = inputs("sq411")
    d = validity(lam, phi, theta, cor=cor).to_dict()
    back = json.loads(json.dumps(d, allow_nan=False))
    assert back["thresholds"] == THRESHOLDS
    assert back["factors"]["assurance"]["cr"] == pytest.approx(c["cr"][3], abs=TOL)
    first = back["not_separated_strict"][0]
    assert first["factors"] == ["reliability", "responsiveness"]
    assert set(first["reasons"]) <= {"fornell_larcker", "htmt"} and first["reasons"]
    assert back["htmt"]["assurance"]["empathy"] == pytest.approx(c["htmt"][3][4], abs=TOL)
    assert len(back["pairs"]) == 10


def test_array_inputs_and_cross_loadings():
    lam = np.array([[0.7, 0.0], [0.6, 0.3], [0.8, 0.0], [0.0, 0.9], [0.0, 0.7]])
    phi = np.array([[1.0, 0.4], [0.4, 1.0]])
    v = validity(lam, phi, items=list("abcde"), factors=["f", "g"])
    theta_b = 1 - (0.36 + 0.09 + 2 * 0.6 * 0.3 * 0.4)
    s = 0.7 + 0.6 + 0.8
    assert v.cr["f"] == pytest.approx(s**2 / (s**2 + 0.51 + theta_b + 0.36))
    assert v.ave["g"] == pytest.approx((0.09 + 0.81 + 0.49) / (0.09 + 0.81 + 0.49 + theta_b + 0.19 + 0.51))


def test_single_item_factor_and_zero_correlations_give_no_warnings():
    r = pd.DataFrame(np.eye(4) + np.array([[0, .5, 0, .2], [.5, 0, .3, .1], [0, .3, 0, .4], [.2, .1, .4, 0]]),
                     index=list("abcd"), columns=list("abcd"))
    h = htmt(r, {"f": ["a", "b"], "g": ["c", "d"], "s": ["d"]})
    assert np.isnan(h.at["f", "s"]) and h.at["s", "s"] == 1.0
    assert htmt2(r, {"f": ["a", "b"], "g": ["c", "d"]}).at["f", "g"] == 0.0


def test_an_item_shared_by_two_factors_is_never_paired_with_itself():
    # semTools sets diag(R) to NA: with c in f and g, HTMT_fg by hand is
    #   between = mean(r_ac, r_ad, r_bc, r_bd, r_cd) = (.4 + .3 + .45 + .35 + .5) / 5 = .40 (r_cc = 1 left out)
    #   within  f = mean(r_ab, r_ac, r_bc) = (.5 + .4 + .45) / 3 = .45, g = r_cd = .5
    #   HTMT    = .40 / sqrt(.45 * .5) = 0.8432740; counting r_cc = 1 gave 2.4 / 6 / sqrt(.225) = 1.0541
    r = pd.DataFrame([[1, .5, .4, .3], [.5, 1, .45, .35], [.4, .45, 1, .5], [.3, .35, .5, 1]],
                     index=list("abcd"), columns=list("abcd"))
    groups = {"f": ["a", "b", "c"], "g": ["c", "d"]}
    assert htmt(r, groups).at["f", "g"] == pytest.approx(0.40 / np.sqrt(0.45 * 0.5), abs=1e-12)
    # HTMT2: geometric means, (.4 · .3 · .45 · .35 · .5)^(1/5) / sqrt((.5 · .4 · .45)^(1/3) · .5)
    assert htmt2(r, groups).at["f", "g"] == pytest.approx(
        (0.4 * 0.3 * 0.45 * 0.35 * 0.5) ** 0.2 / np.sqrt((0.5 * 0.4 * 0.45) ** (1 / 3) * 0.5), abs=1e-12)
    shared = HTMT["shared"]
    cor = pd.DataFrame(shared["cor"], index=shared["items"], columns=shared["items"])
    for case in ("one", "two"):  # "two": f = a-d and g = c, d share two items; (c, d) and (d, c) both count
        c = shared[case]
        np.testing.assert_allclose(htmt(cor, c["groups"]), c["htmt"], atol=TOL)
        np.testing.assert_allclose(htmt2(cor, c["groups"]), c["htmt2"], atol=TOL)
        np.testing.assert_allclose(htmt(c["model"], sample_cov=cor), c["htmt"], atol=TOL)  # semTools' call
        np.testing.assert_allclose(htmt2(c["model"], sample_cov=cor * 4.0), c["htmt2"], atol=TOL)


def test_validity_with_a_cross_loading_matches_semtools():
    """A CFA with x9 loading on visual and speed: validity groups items by their non-zero
    loadings, so x9 is in both groups (semTools::htmt(model, sample.cov = cor(items)))."""
    c = HTMT["cross_loading"]
    lam = pd.DataFrame(c["loadings"], index=c["items"], columns=c["factors"])
    phi = pd.DataFrame(c["factor_correlations"], index=c["factors"], columns=c["factors"])
    theta = pd.Series(c["residual_variances"], index=c["items"])
    cor = pd.DataFrame(c["cor"], index=c["items"], columns=c["items"])
    v = validity(lam, phi, theta, cor=cor)
    np.testing.assert_allclose(v.htmt, c["htmt"], atol=TOL)
    np.testing.assert_allclose(v.htmt2, c["htmt2"], atol=TOL)
    np.testing.assert_allclose(v.cr, c["cr"], atol=TOL)
    np.testing.assert_allclose(v.ave, c["ave"], atol=TOL)
    # semTools' own data path stops on the shared item; servq's takes the data as they are
    assert "not positive-definite" in c["semtools_data_path"]
    hs = pd.read_csv(GOLDEN / "data" / "HolzingerSwineford1939.csv")
    np.testing.assert_allclose(htmt(c["model"], hs), c["htmt"], atol=1e-9)


def test_htmt_from_a_model_and_data_with_missing_answers():
    """semTools::htmt(model, data = bfi): the correlations of the rows complete on the model's
    items (listwise; bfi's other columns and their missing values play no part)."""
    c = HTMT["model_data"]
    bfi = pd.read_csv(GOLDEN / "data" / "bfi.csv")
    assert len(bfi) == c["rows"] and len(bfi.drop(columns=["gender", "education", "age"]).dropna()) < c["complete_rows"]
    h = htmt(c["model"], bfi)
    assert list(h.index) == list(h.columns) == c["factors"]
    np.testing.assert_allclose(h, c["htmt"], atol=1e-9)
    np.testing.assert_allclose(htmt(c["model"], data=bfi, absolute=True), c["htmt"], atol=1e-9)
    np.testing.assert_allclose(htmt2(c["model"], data=bfi), c["htmt2"], atol=1e-9)


@pytest.mark.parametrize("call, message", [
    (lambda: htmt("f =~ a + b"), "needs data or sample_cov"),
    (lambda: htmt("f =~ a + b", pd.DataFrame({"a": [1.0]}), data=pd.DataFrame()), "give the data once"),
    (lambda: htmt("f =~ a + b", sample_cov=np.eye(2), data=pd.DataFrame()), "needs data or sample_cov"),
    (lambda: htmt(np.eye(2), {"f": [0, 1]}, data=pd.DataFrame()), "go with a model string"),
    (lambda: htmt("y ~ x", pd.DataFrame({"x": [1.0, 2.0], "y": [2.0, 1.0]})), "no '=~' line"),
    (lambda: htmt("f =~ a + b", pd.DataFrame({"a": [1.0, 2.0, 3.0]})), "'b' of the model is not a column"),
    (lambda: htmt("f =~ a + b", pd.DataFrame({"a": [1.0, 2.0], "b": [1.0, np.nan]})), "1 complete rows"),
    (lambda: htmt("f =~ a + b", np.ones((3, 2))), "must be a DataFrame"),
])
def test_bad_model_calls_are_named(call, message):
    with pytest.raises(ValidityError, match=message):
        call()


@pytest.mark.parametrize("call, message", [
    (lambda: validity(np.ones((3, 1)) * 0.7, np.array([[2.0]])), "1 on the diagonal"),
    (lambda: validity(np.array([[0.7, 0], [0.6, 0]]), np.eye(2)), "no loadings: f2"),
    (lambda: validity(np.ones((3, 1)) * 0.7, np.eye(2)), "must be 1 x 1"),
    (lambda: validity(np.ones((3, 1)) * 0.7, np.eye(1), [0.5, 0.5]), "2 residual variances for 3 items"),
    (lambda: validity(np.ones((3, 1)) * 0.7, np.eye(1), statistic="ave"), "statistic must be"),
    (lambda: validity(np.ones((3, 1)) * 0.7, np.eye(1), thresholds={"rho": 0.7}), "unknown thresholds: rho"),
    (lambda: validity(np.ones((3, 1)) * 0.7, np.eye(1), cor=np.eye(2)), "must be 3 x 3"),
    (lambda: htmt(pd.DataFrame(np.eye(2), columns=["a", "b"]), {"f": ["a", "z"]}), "items of f not in cor: z"),
    (lambda: htmt(np.eye(2), {"f": [0, 5]}), "column positions"),
    (lambda: validity(np.ones((3, 1)) * 0.7, np.eye(1)).not_separated("loose"), "strict' or 'liberal"),
])
def test_bad_input_is_named(call, message):
    with pytest.raises(ValidityError, match=message):
        call()
