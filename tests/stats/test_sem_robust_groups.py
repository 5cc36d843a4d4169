"""The robust multi-group ML paths (MLR, MLM, FIML) part by part against the stacked formulas.

servq.stats.sem.robust, .satorra and the FIML correction work on each group's own parameters
and on q × q matrices zero between the model's parts (:mod:`servq.stats.sem.blocks`). Here
every figure is recomputed the way it was before, with each group's Jacobian over all q
parameters and the dense or stacked matrices (U over all groups' statistics), on a model of
three groups where the first two share two loadings (``c(a, a, b)``) and the third has its
own — two parts, shared and group-specific parameters — with skewed answers, so that the
robust corrections differ from ML's.
"""

from functools import cache

import numpy as np
import pandas as pd
import pytest
from scipy.linalg import block_diag

from servq.stats.sem import cfa
from servq.stats.sem.blocks import BlockMatrix, Projection, parts
from servq.stats.sem.robust import (
    block_scores,
    fiml_corrected,
    fixed_x_moments,
    model_first_order,
    numerical_hessian,
    observed_information,
    saturated_information,
    saturated_jacobian,
    saturated_trace,
)
from servq.stats.sem.satorra import group_gammas, normal_information, satorra

MODEL = "f =~ x1 + c(a, a, b)*x2 + c(d, d, e)*x3 + x4"


def answers(missing: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    frames = []
    for g, n in enumerate((140, 170, 150)):
        f = rng.gamma(2.0, 1.0, n)                                   # a skewed factor
        load = np.array([1.0, 0.8, 0.7 + 0.3 * (g == 2), 0.9])
        x = f[:, None] * load + rng.exponential(0.6, (n, 4))
        if missing:
            x[rng.random(x.shape) < missing] = np.nan
        frames.append(pd.DataFrame(x, columns=["x1", "x2", "x3", "x4"]).assign(g=f"g{g}"))
    return pd.concat(frames, ignore_index=True)


@cache
def fitted(estimator: str, missing: str = "listwise"):
    data = answers(0.08 if missing == "fiml" else 0.0)
    return cfa(MODEL, data, group="g", estimator=estimator, missing=missing)


def full_jacobians(problem, theta):
    """Per group (Σ, μ, ∂Σ/∂θ, ∂μ/∂θ) over every parameter, as before."""
    return [problem.jacobian(theta, g) for g in range(problem.model.n_groups)]


def stacked_delta(problem, theta):
    p, k = problem.model.p, problem.model.p
    rows, cols = np.tril_indices(p)
    return [np.vstack([dm.T[:k], ds[:, rows, cols].T]) for _, ds, dm in full_jacobians(problem, theta)]


def test_the_model_has_two_parts_sharing_parameters_within_one():
    problem = fitted("MLR")._problem
    assert [p.groups for p in problem.layout] == [(0, 1), (2,)]
    own = [set(problem.own_parameters(g).tolist()) for g in range(3)]
    assert own[0] & own[1] and not (own[0] | own[1]) & own[2]


def test_observed_information_and_first_order_equal_the_dense_ones():
    fit = fitted("MLR")
    problem, theta = fit._problem, fit._optimum.theta
    dense_info = 0.5 * numerical_hessian(lambda t: problem.gradient_information(t)[0], theta)
    info = observed_information(problem, theta)
    assert isinstance(info, BlockMatrix)
    np.testing.assert_allclose(np.asarray(info), dense_info, rtol=1e-7, atol=1e-9)
    b0 = np.zeros_like(dense_info)
    for (imp, ds, dm), blocks, w in zip(full_jacobians(problem, theta), problem.blocks, problem.stats.weights):
        s = block_scores(blocks, imp.sigma, imp.mu, ds, dm)
        b0 += w * s.T @ s / len(s)
    np.testing.assert_allclose(np.asarray(model_first_order(problem, theta)), b0, rtol=1e-12, atol=1e-14)
    # the MLR standard errors are the dense sandwich, and zero between the parts
    e_inv = np.linalg.inv(dense_info)
    vcov = e_inv @ b0 @ e_inv / problem.stats.ntotal
    np.testing.assert_allclose(fit.vcov(), vcov, rtol=1e-6, atol=1e-12)
    first, third = problem.layout
    assert not fit.vcov()[np.ix_(first.columns, third.columns)].any()
    # Yuan–Bentler: trace.h0 = Σ_g f_g tr(B₀_g E⁻¹)
    df = fit.fit["df"]
    c = (saturated_trace(problem) - float(np.sum(b0 * e_inv.T))) / df
    assert fit.fit["chisq.scaling.factor"] == pytest.approx(c, rel=1e-8)


def test_satorra_bentler_pieces_equal_the_stacked_ones():
    fit = fitted("MLM")
    problem, theta = fit._problem, fit._optimum.theta
    gammas = group_gammas(problem)
    f = problem.stats.weights
    fixed = fixed_x_moments(problem)
    deltas, ws = stacked_delta(problem, theta), []
    for imp, _, _ in full_jacobians(problem, theta):
        w = normal_information(imp.sigma, True)
        w[fixed, :] = 0.0
        w[:, fixed] = 0.0
        ws.append(w)
    info = sum(fg * d.T @ w @ d for fg, d, w in zip(f, deltas, ws))
    meat = sum(fg * (w @ d).T @ gm @ (w @ d) for fg, d, w, gm in zip(f, deltas, ws, gammas))
    v = block_diag(*[fg * w for fg, w in zip(f, ws)])
    gam = block_diag(*[gm / fg for fg, gm in zip(f, gammas)])
    vd = v @ np.vstack(deltas)
    ug = (v - vd @ np.linalg.solve(info, vd.T)) @ gam
    sb = satorra(problem, theta, gammas)
    np.testing.assert_allclose(np.asarray(sb.information), info, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(np.asarray(sb.meat), meat, rtol=1e-12, atol=1e-14)
    assert sb.trace == pytest.approx(np.trace(ug), rel=1e-10)
    assert sb.trace2 == pytest.approx(np.sum(ug * ug.T), rel=1e-10)
    e_inv = np.linalg.inv(info)
    np.testing.assert_allclose(fit.vcov(), e_inv @ meat @ e_inv / problem.stats.ntotal, rtol=1e-9, atol=1e-14)


def test_fiml_corrected_factor_equals_the_stacked_one():
    fit = fitted("MLR", "fiml")
    problem, theta = fit._problem, fit._optimum.theta
    p = problem.model.p
    rows, cols = np.tril_indices(p)
    d_sat = saturated_jacobian(p, True)[0][p:]
    w_all, wc_all, wi_all, gamma_all = [], [], [], []
    for g, (a1, b1) in enumerate(saturated_information(problem)):
        fg = problem.stats.weights[g]
        s_inv = np.linalg.inv(problem.stats.cov[g])
        left = np.einsum("ab,qbc->qac", s_inv, d_sat)
        wc = block_diag(s_inv, 0.5 * np.einsum("qab,rba->qr", left, left))
        keep = np.diag(a1) != 0      # A₁⁻¹ without the fixed.x moments' zero rows (none here)
        a1_inv = np.zeros_like(a1)
        a1_inv[np.ix_(keep, keep)] = np.linalg.inv(a1[np.ix_(keep, keep)])
        w_all.append(fg * a1)
        wc_all.append(fg * wc)
        wi_all.append(a1_inv / fg)
        gamma_all.append(a1_inv @ b1 @ a1_inv / fg)
    w, wc, wi, gam = (block_diag(*m) for m in (w_all, wc_all, wi_all, gamma_all))
    delta = np.vstack(stacked_delta(problem, theta))
    wd = w @ delta
    u = w - wd @ np.linalg.solve(delta.T @ wd, wd.T)
    df = fit.fit["df"]
    expected = float(np.sum((u @ wi @ wc @ wi @ u) * gam.T)) / df
    assert fiml_corrected(problem, theta, df)[1] == pytest.approx(expected, rel=1e-10)
    assert len(rows) == len(cols) == p * (p + 1) // 2


def test_projection_traces_equal_those_of_the_stacked_matrices():
    rng = np.random.default_rng(3)
    q, sizes = 7, (5, 4, 6)
    columns = [np.array([0, 1, 2]), np.array([1, 3]), np.array([4, 5, 6])]   # groups 0, 1 share parameter 1
    jacs = tuple(rng.normal(size=(k, len(c))) for k, c in zip(sizes, columns))

    def spd(k):
        a = rng.normal(size=(k, k))
        return a @ a.T + k * np.eye(k)

    v, m, n = ([spd(k) for k in sizes] for _ in range(3))
    proj = Projection(tuple(parts(columns, q)), q, jacs, tuple(v))
    delta = np.zeros((sum(sizes), q))
    start = np.cumsum((0,) + sizes)
    for g, (jac, cols) in enumerate(zip(jacs, columns)):
        delta[start[g]:start[g + 1], cols] = jac
    vv, mm, nn = block_diag(*v), block_diag(*m), block_diag(*n)
    u = vv - vv @ delta @ np.linalg.solve(delta.T @ vv @ delta, delta.T @ vv)
    np.testing.assert_allclose(np.asarray(proj.information), delta.T @ vv @ delta, rtol=1e-12)
    np.testing.assert_allclose(np.asarray(proj.between(m)), delta.T @ vv @ mm @ vv @ delta, rtol=1e-12)
    assert proj.trace(m) == pytest.approx(np.trace(u @ mm), rel=1e-10)
    assert proj.trace_pair(m, n) == pytest.approx(np.trace(u @ mm @ u @ nn), rel=1e-10)
    assert [p.groups for p in proj.layout] == [(0, 1), (2,)]
