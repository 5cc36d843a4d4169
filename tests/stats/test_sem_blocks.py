"""Multi-group models solved part by part (servq.stats.sem.blocks).

Against lavaan 0.6-14 (tests/golden/ordinal_many_groups.R, data
tests/golden/data/ordinal_six_groups.csv): the WLSMV invariance sequence across six groups — the
configural model is six parts, the constrained ones one — with estimates, standard errors and
lavTestLRT's scaled-shifted differences, a partial model included. And against the stacked
formulas the part-by-part algebra replaces, computed here with the whole matrices of random
Δ_g, W_g and Γ_g (groups sharing some parameters and not others), and against MINPACK's
Levenberg–Marquardt on the stacked residuals.
"""

import json
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from scipy.linalg import block_diag
from scipy.optimize import least_squares
from sem_golden_helpers import assert_estimates, assert_fit_measures, golden_data

from servq.stats.sem import cfa
from servq.stats.sem.blocks import least_squares_parts, parts
from servq.stats.sem.dwls import Moments
from servq.stats.sem.invariance import invariance
from servq.stats.sem.wls_groups import scaled_shifted_difference

REF = json.loads((Path(__file__).parents[1] / "golden" / "ordinal_many_groups.json").read_text())
CHISQ = ("chisq", "chisq.scaled", "baseline.chisq.scaled")
EQUAL = {"configural": [], "thresholds": ["thresholds"], "loadings": ["thresholds", "loadings"],
         "partial": ["thresholds", "loadings"]}


@cache
def fitted(name: str):
    return cfa(REF["model"], golden_data("ordinal_six_groups.csv"), ordered=REF["items"], group=REF["group"],
               group_equal=EQUAL[name], group_partial=["f2 =~ x6"] if name == "partial" else [])


@pytest.mark.parametrize("name", list(EQUAL))
def test_fit_measures_of_six_groups_match_lavaan(name):
    assert_fit_measures(fitted(name).fit_measures(), REF["fit"][name], chisq=CHISQ, chisq_rel=1e-5, other_abs=1e-6)


@pytest.mark.parametrize("name", ["loadings", "partial"])
def test_estimates_and_robust_se_of_six_groups_match_lavaan(name):
    # within 2e-5: lavaan's minimum is 1.5e-6 (6e-9 relative) below servq's χ², from sample
    # statistics solved to its own tolerance (servq's earlier MINPACK fit found servq's point to 1e-13)
    got = fitted(name).to_frame()
    got = got[got.op.isin(["=~", "|", "~~", "~*~", "~1"])]
    assert_estimates(got, REF["estimates"][name], keys=("lhs", "op", "rhs", "group"), est={"abs": 3e-5, "rel": 3e-5},
                     se_rel=1e-4)


@pytest.mark.parametrize("restricted, free", [("thresholds", "configural"), ("loadings", "thresholds"),
                                              ("partial", "thresholds")])
def test_scaled_shifted_differences_match_lavTestLRT(restricted, free):
    a, b = fitted(free), fitted(restricted)
    test = scaled_shifted_difference(a._moments, b._moments, a.fit["chisq"], a.fit["df"], b.fit["chisq"], b.fit["df"])
    lrt = REF["lrt"][restricted]
    assert test["chisq_diff"] == pytest.approx(lrt["chisq_diff"], rel=1e-5)
    assert test["df_diff"] == lrt["df_diff"]
    assert test["pvalue"] == pytest.approx(lrt["pvalue"], rel=1e-4)


def test_invariance_sequence_of_six_groups_matches_lavaan():
    res = invariance(REF["model"], golden_data("ordinal_six_groups.csv"), REF["group"], ordered=REF["items"])
    table = res.table.set_index("model")
    for name in ("thresholds", "loadings"):
        assert table.loc[name, "chisq_diff"] == pytest.approx(REF["lrt"][name]["chisq_diff"], rel=1e-5)
    assert res.level == "configural"  # group e's thresholds of x2 differ: Δχ² p < 1e-11, ΔCFI −.015


def test_configural_model_is_one_part_per_group_and_its_covariance_is_zero_between_them():
    fit = fitted("configural")
    layout = fit._moments.layout
    assert [p.groups for p in layout] == [(g,) for g in range(6)]
    vcov = fit.vcov()
    for p, q in [(layout[0], layout[1]), (layout[2], layout[5])]:
        assert not vcov[np.ix_(p.columns, q.columns)].any()
    assert len(fitted("thresholds")._moments.layout) == 1


def random_model(seed: int, shared: int = 3, own: int = 4, groups: int = 4, stats: int = 9):
    """Random Δ_g, W_g, Γ_g of groups that share ``shared`` parameters, each with ``own`` of
    its own; group 3 (when there are four or more) shares nothing: a part of its own."""
    rng = np.random.default_rng(seed)
    size = shared + groups * own
    columns = [np.concatenate([np.arange(shared) if g != 3 else [], shared + g * own + np.arange(own)]).astype(int)
               for g in range(groups)]
    jacs = tuple(rng.normal(size=(stats, c.size)) for c in columns)
    weights = tuple(rng.uniform(0.5, 2.0, size=stats) for _ in range(groups))
    gammas = []
    for _ in range(groups):
        a = rng.normal(size=(stats, stats))
        gammas.append(a @ a.T / stats + np.eye(stats))
    nobs = tuple(int(n) for n in rng.integers(100, 400, size=groups))
    return Moments(jacs, weights, tuple(gammas), nobs, tuple(columns), size)


def stacked(m: Moments) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Δ of all groups over every parameter, and the stacked V = ⊕ f_g W_g, Γ = ⊕ Γ_g/f_g, W = ⊕ W_g."""
    f = m.shares
    delta = np.zeros((sum(d.shape[0] for d in m.jacs), m.n_free))
    at = 0
    for g, d in enumerate(m.jacs):
        delta[at:at + d.shape[0], m.columns[g]] = d
        at += d.shape[0]
    v = np.concatenate([fg * w for fg, w in zip(f, m.weights)])
    gamma = block_diag(*[gm / fg for fg, gm in zip(f, m.gammas)])
    return delta, v, gamma, np.concatenate(m.weights)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_scaled_traces_equal_the_stacked_formula(seed):
    # U = V − VΔ(ΔᵀVΔ)⁻¹ΔᵀV over the stacked statistics (Asparouhov & Muthén 2010)
    m = random_model(seed)
    delta, v, gamma, _ = stacked(m)
    info = delta.T @ (v[:, None] * delta)
    ug = (np.diag(v) - (v[:, None] * delta) @ np.linalg.inv(info) @ (v[:, None] * delta).T) @ gamma
    tr, tr2 = m.scaled_traces()
    assert tr == pytest.approx(np.trace(ug), rel=1e-12)
    assert tr2 == pytest.approx(np.trace(ug @ ug), rel=1e-12)
    assert np.allclose(m.info, info, rtol=1e-13, atol=1e-13)
    meat = delta.T @ (v[:, None] * gamma * v[None, :]) @ delta
    want = np.linalg.inv(info) @ meat @ np.linalg.inv(info) / (sum(m.nobs) - len(m.nobs))
    assert np.allclose(m.covariance(), want, rtol=1e-11, atol=1e-14)
    assert [p.groups for p in m.layout] == [(0, 1, 2), (3,)]


@pytest.mark.parametrize("seed", [4, 5])
def test_difference_traces_equal_the_orthogonal_complement_formula(seed):
    # lavaan's lav_test_diff_Satorra2000: A = the orthogonal complement of H = Δ₁⁺Δ₀,
    # M = P⁻¹Aᵀ(AP⁻¹Aᵀ)⁻¹AP⁻¹, tr(MK) and tr((MK)²) over the stacked statistics
    free = random_model(seed, shared=0, own=5)                   # four parts
    rng = np.random.default_rng(seed + 10)
    d1, _, _, w = stacked(free)
    d0 = d1 @ rng.normal(size=(free.n_free, 8))                   # a model of 8 parameters, nested
    restricted = Moments((d0[:9], d0[9:18], d0[18:27], d0[27:]), free.weights, free.gammas, free.nobs)
    h = np.linalg.pinv(d1) @ d0
    u, sv, _ = np.linalg.svd(h, full_matrices=True)
    a = u[:, int(np.sum(sv > 1e-7 * sv[0])):].T
    p_inv = np.linalg.inv(free.info)
    mid = p_inv @ a.T @ np.linalg.inv(a @ p_inv @ a.T) @ a @ p_inv
    gamma_f = block_diag(*[fg * gm for fg, gm in zip(free.shares, free.gammas)])
    k = d1.T @ (w[:, None] * gamma_f * w[None, :]) @ d1
    want_tr, want_tr2 = np.trace(mid @ k), np.trace(mid @ k @ mid @ k)
    m = a.shape[0]
    got = scaled_shifted_difference(free, restricted, 10.0, 10.0, 40.0, 10.0 + m)
    scale = np.sqrt(m / want_tr2)
    assert got["a"] == pytest.approx(scale, rel=1e-10)
    assert got["b"] == pytest.approx(m - scale * want_tr, rel=1e-10, abs=1e-10)


def test_block_matrix_algebra_equals_dense():
    m = random_model(6)
    e, k = m.information(), m.meat()
    dense_e, dense_k = np.asarray(e), np.asarray(k)
    assert np.allclose(np.asarray(e.inv()), np.linalg.inv(dense_e), rtol=1e-12, atol=1e-12)
    assert np.allclose(np.asarray(e @ k), dense_e @ dense_k, rtol=1e-12)
    assert (e @ k).trace_square() == pytest.approx(np.trace(dense_e @ dense_k @ dense_e @ dense_k), rel=1e-12)
    q = np.random.default_rng(0).normal(size=(m.n_free, 5))
    q[:3, :2] = 0.0
    assert np.allclose(e.between(q), q.T @ dense_e @ q, rtol=1e-12)
    assert np.allclose(e.solve(q.copy()), np.linalg.solve(dense_e, q), rtol=1e-10)
    assert np.allclose(e.diagonal(), np.diag(dense_e))


def test_parts_join_groups_through_shared_parameters_and_refuse_an_unused_one():
    got = parts([np.array([0, 1]), np.array([5]), np.array([2, 3]), np.array([3, 1]), np.array([4])], 6)
    assert [(p.columns.tolist(), p.groups) for p in got] == [([0, 1, 2, 3], (0, 2, 3)), ([5], (1,)), ([4], (4,))]
    assert [a.tolist() for a in got[0].local] == [[0, 1], [2, 3], [3, 1]]
    with pytest.raises(np.linalg.LinAlgError, match="parameter 3 enters no group"):
        parts([np.array([0, 1]), np.array([3])], 4)


def test_least_squares_parts_equals_minpack_on_the_stacked_residuals():
    # y = a_g exp(−b x) + c_g: b shared by groups 0 and 1; group 2 has its own b (a part of its own)
    rng = np.random.default_rng(8)
    x = np.linspace(0.0, 3.0, 25)
    truth = [(2.0, 0.7, 0.3), (1.5, 0.7, -0.2), (3.0, 1.2, 0.5)]
    ys = [a * np.exp(-b * x) + c + rng.normal(scale=0.05, size=x.size) for a, b, c in truth]
    columns = [np.array([0, 1, 2]), np.array([0, 3, 4]), np.array([5, 6, 7])]  # [b, a, c] per group

    def evaluate(t, g, jacobian):
        b, a, c = t[columns[g]]
        e = np.exp(-b * x)
        r = a * e + c - ys[g]
        return r, (np.column_stack([-a * x * e, e, np.ones_like(x)]) if jacobian else None)

    start = np.array([1.0, 1.0, 0.0, 1.0, 0.0, 1.0, 1.0, 0.0])
    got = least_squares_parts(evaluate, columns, start)
    def jacobian(t):
        out = np.zeros((3 * x.size, t.size))
        for g in range(3):
            out[g * x.size:(g + 1) * x.size, columns[g]] = evaluate(t, g, True)[1]
        return out

    ref = least_squares(lambda t: np.concatenate([evaluate(t, g, False)[0] for g in range(3)]), start, jac=jacobian,
                        method="lm", xtol=1e-15, ftol=1e-15, gtol=1e-15)
    assert got.success
    assert np.allclose(got.x, ref.x, rtol=1e-7)  # MINPACK stops on ftol with a gradient of 9e-9
    r = np.concatenate([evaluate(got.x, g, False)[0] for g in range(3)])
    assert r @ r <= ref.cost * 2 * (1 + 1e-12)
    assert np.max(np.abs(jacobian(got.x).T @ r)) < 1e-8  # a Gauss–Newton step of 1e-10 from the minimum
