"""Satorra–Bentler: robust.sem standard errors and the scaled χ² of MLM, MLMV and MLMVS.

lavaan 0.6-14's ``estimator = "MLM"`` (and MLMV, MLMVS) with complete data: ML estimates;
per group g (weight f_g = N_g/N), η = (μ, vech Σ) (μ only with a mean structure),
Δ_g = ∂η/∂θ at θ̂, W_g the normal-theory information of η at the model-implied moments
(``h1.information = "structured"``), Γ_g the asymptotic covariance of the sample moments
from the rows' fourth-order moments (divisor N_g, ``lav_samplestats_Gamma``). With
E = Σ_g f_g Δ_gᵀ W_g Δ_g (the expected information):

- se ``robust.sem``: Cov(θ̂) = E⁻¹ [Σ_g f_g Δ_gᵀ W_g Γ_g W_g Δ_g] E⁻¹ / N;
- U = V − VΔE⁻¹ΔᵀV over the stacked groups with V = ⊕ f_g W_g and Γ = ⊕ Γ_g / f_g; the
  tests use tr(UΓ) and tr((UΓ)²) (``lav_test_satorra_bentler_trace_original``), taken part
  by part over each group's own parameters (:class:`.blocks.Projection`) without forming U.

With fixed.x covariates the rows and columns of their own moments are zero in W, and Γ is
that of the residuals of the regression of the other variables on them, as lavaan's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .blocks import BlockMatrix, Projection
from .estimate import Problem
from .model import exo_index
from .robust import fixed_x_moments, saturated_jacobian


def gamma(rows: np.ndarray, x: list[int], with_mean: bool) -> np.ndarray:
    """The ADF covariance Γ of (ȳ, vech S) from the rows, as ``lavaan:::lav_samplestats_Gamma``.

    z_i = (y_i, vech((y_i − ȳ)(y_i − ȳ)ᵀ)) less the same of ŷ_i, the fitted values of the
    regression of the non-covariates on the fixed.x covariates ``x`` (ŷ_i = 0 without
    covariates; the covariate columns of ŷ_i are the covariates themselves); Γ = Σ_i (z_i −
    z̄)(z_i − z̄)ᵀ / N.

    Parameters
    ----------
    rows : ndarray
        (N, p) the complete rows of one group.
    x : list of int
        The columns of the fixed.x covariates.
    with_mean : bool
        Whether the means are part of η (a mean structure).

    Returns
    -------
    ndarray
        (q₁, q₁) with q₁ = p(p + 1)/2 (+ p with means), in :func:`~.robust.saturated_jacobian`'s
        order.

    References
    ----------
    Browne, M. W. (1984). Asymptotically distribution-free methods for the analysis of
    covariance structures. British Journal of Mathematical and Statistical Psychology,
    37(1), 62–83. Satorra, A. & Bentler, P. M. (1994). Corrections to test statistics and
    standard errors in covariance structure analysis. In A. von Eye & C. C. Clogg (Eds.),
    Latent Variables Analysis (pp. 399–419). Thousand Oaks, CA: Sage.

    Examples
    --------
    One variable: Γ = m₄ − s⁴, the variance of the squared deviations (R:
    ``lavaan:::lav_samplestats_Gamma(Y)``):

    >>> y = np.array([[1.0], [2.0], [4.0], [7.0]])
    >>> d = y[:, 0] - y.mean()
    >>> bool(np.isclose(gamma(y, [], False)[0, 0], np.mean(d ** 4) - np.mean(d ** 2) ** 2))
    True
    """
    n, p = rows.shape
    fitted = np.zeros_like(rows)
    if x:
        y = [j for j in range(p) if j not in x]
        design = np.column_stack([np.ones(n), rows[:, x]])
        coef, *_ = np.linalg.lstsq(design, rows[:, y], rcond=None)
        fitted[:, y] = design @ coef
        fitted[:, x] = rows[:, x]
    lower, upper = np.tril_indices(p)

    def moments(v: np.ndarray) -> np.ndarray:
        c = v - v.mean(axis=0)
        products = c[:, lower] * c[:, upper]
        return np.column_stack([v, products]) if with_mean else products

    z = moments(rows) - moments(fitted)
    z -= z.mean(axis=0)
    return z.T @ z / n


def normal_information(sigma: np.ndarray, with_mean: bool) -> np.ndarray:
    """The unit normal-theory information W of η = (μ, vech Σ) at Σ.

    W = Σ⁻¹ for the means and ½ tr(Σ⁻¹ ∂Σ/∂η_i Σ⁻¹ ∂Σ/∂η_j) for the (co)variances
    (= ½ Dᵀ(Σ⁻¹ ⊗ Σ⁻¹)D with the duplication matrix D).

    Parameters
    ----------
    sigma : ndarray
        (p, p) Σ.
    with_mean : bool
        Whether the means are part of η.

    Returns
    -------
    ndarray
        (q₁, q₁).

    References
    ----------
    Browne, M. W. (1974). Generalized least squares estimators in the analysis of
    covariance structures. South African Statistical Journal, 8(1), 1–24.

    Examples
    --------
    One variable: W = ½/σ⁴ (R: ``lavaan:::lav_mvnorm_information_expected(Sigma = S)``):

    >>> float(normal_information(np.array([[2.0]]), False)[0, 0])
    0.125
    """
    p = len(sigma)
    k = p if with_mean else 0
    inv = np.linalg.inv(sigma)
    d_sigma, _ = saturated_jacobian(p, False)
    left = np.einsum("ab,qbc->qac", inv, d_sigma)
    out = np.zeros((k + len(d_sigma), k + len(d_sigma)))
    out[:k, :k] = inv if k else out[:k, :k]
    out[k:, k:] = 0.5 * np.einsum("qab,rba->qr", left, left)
    return out


@dataclass(frozen=True)
class Satorra:
    """The pieces of a Satorra–Bentler correction at the estimates of one model.

    Parameters
    ----------
    information : BlockMatrix
        E = Σ_g f_g Δ_gᵀ W_g Δ_g, the unit expected information.
    meat : BlockMatrix
        Σ_g f_g Δ_gᵀ W_g Γ_g W_g Δ_g, the middle of the sandwich.
    trace : float
        tr(UΓ).
    trace2 : float
        tr((UΓ)²).

    References
    ----------
    Satorra, A. & Bentler, P. M. (1994). Corrections to test statistics and standard errors
    in covariance structure analysis. In A. von Eye & C. C. Clogg (Eds.), Latent Variables
    Analysis (pp. 399–419). Thousand Oaks, CA: Sage.

    Examples
    --------
    R: ``lavInspect(fit, "test")$satorra.bentler$trace.UGamma``; see :func:`satorra`.

    >>> from servq.stats.sem.blocks import parts
    >>> eye = BlockMatrix.identity(parts([np.arange(1)], 1), 1)
    >>> Satorra(eye, eye, 1.0, 1.0).trace
    1.0
    """

    information: BlockMatrix
    meat: BlockMatrix
    trace: float
    trace2: float


def group_gammas(problem: Problem) -> list[np.ndarray]:
    """Γ_g of each group from the rows its (single, complete) block keeps.

    Parameters
    ----------
    problem : Problem
        The fitting problem, with rows (complete data).

    Returns
    -------
    list of ndarray
        Γ_g per group (:func:`gamma`).

    References
    ----------
    Browne, M. W. (1984). British Journal of Mathematical and Statistical Psychology,
    37(1), 62–83.

    Examples
    --------
    R: ``lavInspect(fit, "gamma")`` of ``cfa(model, data, estimator = "MLM")``.

    >>> group_gammas.__name__
    'group_gammas'
    """
    x = exo_index(problem.model)
    out = []
    for blocks in problem.blocks:
        if len(blocks) != 1 or blocks[0].rows is None:
            raise ValueError("Satorra–Bentler needs the complete rows (estimator='MLM' with missing='listwise')")
        out.append(gamma(blocks[0].rows, x, problem.use_mean))
    return out


def satorra(problem: Problem, theta: np.ndarray, gammas: list[np.ndarray]) -> Satorra:
    """E, the robust.sem meat and the traces tr(UΓ), tr((UΓ)²) at ``theta``.

    Parameters
    ----------
    problem : Problem
        The fitting problem (the model or its baseline).
    theta : ndarray
        Its estimates.
    gammas : list of ndarray
        Γ_g per group (:func:`group_gammas`; the baseline shares them).

    Returns
    -------
    Satorra
        The information, the meat and the traces.

    References
    ----------
    Satorra, A. & Bentler, P. M. (1994), as :class:`Satorra`. Satorra, A. (1992).
    Asymptotic robust inferences in the analysis of mean and covariance structures.
    Sociological Methodology, 22, 249–278.

    Examples
    --------
    R: ``lavInspect(cfa(HS.model, HolzingerSwineford1939, estimator = "MLM"), "test")``
    gives trace.UGamma = 25.316; tests/stats/test_sem_mlm.py checks servq's against it.

    >>> satorra.__name__
    'satorra'
    """
    p, use_mean = problem.model.p, problem.use_mean
    k = p if use_mean else 0
    rows, cols = np.tril_indices(p)
    fixed = fixed_x_moments(problem)
    weights = problem.stats.weights
    deltas, vs = [], []
    for g, f in enumerate(weights):
        imp, _, d_sigma, d_mu = problem.local_jacobian(theta, g)
        deltas.append(np.vstack([d_mu.T[:k], d_sigma[:, rows, cols].T]))
        w = normal_information(imp.sigma, use_mean)
        w[fixed, :] = 0.0
        w[:, fixed] = 0.0
        vs.append(f * w)
    proj = Projection(problem.layout, problem.model.n_par, tuple(deltas), tuple(vs))
    gam = [gm / f for f, gm in zip(weights, gammas)]
    meat = proj.between(gam)  # Σ_g (f_g W_g Δ_g)ᵀ (Γ_g/f_g) (f_g W_g Δ_g) = Σ_g f_g Δ_gᵀ W_g Γ_g W_g Δ_g
    return Satorra(proj.information, meat, proj.trace(gam), proj.trace_pair(gam, gam))


def scaled_test(chisq: float, df: float, trace: float, trace2: float, test: str) -> dict[str, float]:
    """The scaled statistic of lavaan's ``satorra.bentler``, ``scaled.shifted`` or ``mean.var.adjusted``.

    - satorra.bentler: c = tr(UΓ)/df, T = χ²/c on df;
    - mean.var.adjusted (MLMVS): df* = tr(UΓ)²/tr((UΓ)²), c = tr(UΓ)/df*, T = χ²/c on df*;
    - scaled.shifted (MLMV): a = √(df/tr((UΓ)²)), b = df − a·tr(UΓ), T = aχ² + b on df,
      c = 1/a.

    Parameters
    ----------
    chisq, df : float
        The ML χ² and its degrees of freedom.
    trace, trace2 : float
        tr(UΓ) and tr((UΓ)²).
    test : str
        lavaan's name of the test.

    Returns
    -------
    dict
        ``stat``, ``df``, ``scaling`` (c; NaN when df ≤ 0 or c < 0), ``shift`` (b; NaN but
        for scaled.shifted) and ``c_hat``, the factor of the robust CFI/TLI/RMSEA
        (tr(UΓ)/df; lavaan's c·(df − b)/df for scaled.shifted, the same number).

    References
    ----------
    Satorra, A. & Bentler, P. M. (1994), as :class:`Satorra`. Asparouhov, T. & Muthén, B.
    (2010). Simple second order chi-square correction. Mplus technical appendix.

    Examples
    --------
    The Holzinger–Swineford CFA (χ² = 85.306 on 24 df, tr(UΓ) = 25.316), as
    ``fitMeasures(cfa(HS.model, HolzingerSwineford1939, estimator = "MLM"), "chisq.scaled")``
    in R (80.872):

    >>> round(scaled_test(85.3055, 24, 25.31577, 32.12331, "satorra.bentler")["stat"], 3)
    80.872
    """
    nan = float("nan")
    if df <= 0:
        return {"stat": chisq, "df": df, "scaling": nan, "shift": nan, "c_hat": nan}
    shift = nan
    if test == "scaled.shifted":
        a = np.sqrt(df / trace2)
        shift = df - a * trace
        stat, df_scaled, scaling = chisq * a + shift, df, 1.0 / a
        c_hat = scaling * (df - shift) / df
    else:
        df_scaled = trace ** 2 / trace2 if test == "mean.var.adjusted" else df
        scaling = trace / df_scaled
        stat, c_hat = chisq / scaling, trace / df
    if scaling < 0:
        scaling = nan
    return {"stat": float(stat), "df": float(df_scaled), "scaling": float(scaling), "shift": float(shift),
            "c_hat": float(c_hat)}
