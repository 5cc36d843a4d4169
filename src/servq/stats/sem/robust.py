"""Observed information, casewise scores, Huber–White standard errors and the Yuan–Bentler χ².

lavaan 0.6-14's ``estimator = "MLR"`` (complete data and ``missing = "ml"``): information
"observed" (the Hessian of the fit function, ``observed.information = "hessian"``), standard
errors ``robust.huber.white`` — Cov(θ̂) = E⁻¹ B₀ E⁻¹ / N with E the unit observed information
and B₀ = Σ_g (N_g/N) (1/N_g) Σ_i s_i s_iᵀ the first-order information of the casewise scores
s_i = ∂ log L_i / ∂θ at the model-implied moments — and test ``yuan.bentler.mplus``: scaling
factor c = (tr(A₁⁻¹B₁) − tr(B₀E⁻¹)) / df, with A₁ and B₁ the observed and first-order
information of the saturated model at its own (unstructured) estimates, χ²_scaled = χ²/c.
The scores need the rows (each row's residual), so robust fits keep them.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .blocks import BlockMatrix, Projection
from .estimate import Block, Problem
from .model import exo_index


def numerical_hessian(gradient: Callable[[np.ndarray], np.ndarray], x: np.ndarray,
                      step: float = 1e-5) -> np.ndarray:
    """Symmetric Hessian by central differences of an analytic gradient.

    Parameters
    ----------
    gradient : callable
        x ↦ ∇f(x).
    x : ndarray
        The point.
    step : float
        Relative step (times max(1, |x_j|)).

    Returns
    -------
    ndarray
        (q, q) the Hessian, symmetrized.

    References
    ----------
    Nocedal, J. & Wright, S. J. (2006). Numerical Optimization, 2nd ed. New York: Springer
    (section 8.1).

    Examples
    --------
    f = x₀² x₁ at (1, 2): H = [[2x₁, 2x₀], [2x₀, 0]], as R's ``numDeriv::hessian``:

    >>> h = numerical_hessian(lambda x: np.array([2 * x[0] * x[1], x[0] ** 2]), np.array([1.0, 2.0]))
    >>> np.round(h, 6).tolist()
    [[4.0, 2.0], [2.0, 0.0]]
    """
    q = len(x)
    h = np.zeros((q, q))
    for j in range(q):
        e = np.zeros(q)
        e[j] = step * max(1.0, abs(x[j]))
        h[:, j] = (gradient(x + e) - gradient(x - e)) / (2 * e[j])
    return (h + h.T) / 2


def observed_information(problem: Problem, theta: np.ndarray) -> BlockMatrix:
    """Unit observed information ½ ∂²F/∂θ∂θᵀ (lavaan's ``observed.information = "hessian"``).

    Each group's share, by central differences of its gradient in its own parameters (the
    other groups' gradients do not move with them): 2 k_g gradients of one group instead of
    2q gradients of all G groups, the work G times k_g, not G² — 40 groups of 22 items, q ≈
    3,000, were 240,000 group gradients for one matrix.

    Parameters
    ----------
    problem : Problem
        The fitting problem.
    theta : ndarray
        The estimates.

    Returns
    -------
    BlockMatrix
        (q, q) the information, zero between the parts of the model (``np.asarray`` gives the
        matrix); Cov(θ̂) = (N·E)⁻¹ for ML with ``information = "observed"``.

    References
    ----------
    Savalei, V. (2010). Expected versus observed information in SEM with incomplete normal
    and nonnormal data. Psychological Methods, 15(4), 352–367.

    Examples
    --------
    At the estimates of a saturated model observed and expected information agree (R:
    ``lavInspect(fit, "information.observed")``):

    >>> from servq.stats.sem.estimate import SampleStats
    >>> from servq.stats.sem.model import build
    >>> from servq.stats.sem.syntax import parse
    >>> s = np.array([[1.0, 0.5, 0.4], [0.5, 1.2, 0.6], [0.4, 0.6, 0.9]])
    >>> prob = Problem(build(parse("f =~ a + b + c")), SampleStats((0.99 * s,), (None,), (100,)))
    >>> theta = np.array([1.5, 1.2, 0.66, 0.4455, 0.4158, 0.33])
    >>> expected = prob.gradient_information(theta)[1]
    >>> bool(np.allclose(np.asarray(observed_information(prob, theta)), expected, atol=1e-6))
    True
    """
    hessians = []
    for g, blocks in enumerate(problem.blocks):
        active = problem.own_parameters(g)

        def gradient(x: np.ndarray, g: int = g, blocks: list[Block] = blocks, active: np.ndarray = active) -> np.ndarray:
            t = theta.copy()
            t[active] = x
            return problem.group_gradient_information(t, g, information=False, blocks=blocks)[1]

        hessians.append(0.5 * numerical_hessian(gradient, theta[active]))
    return BlockMatrix.added(problem.layout, problem.model.n_par, hessians)


def block_scores(blocks: list[Block], sigma: np.ndarray, mu: np.ndarray, d_sigma: np.ndarray,
                 d_mu: np.ndarray) -> np.ndarray:
    """Casewise scores ∂ log L_i/∂θ of the rows of one group's blocks.

    For a row with observed part y and z = Σ⁻¹(y − μ): s = Δσᵀ vec(½(zzᵀ − Σ⁻¹)) + Δμᵀ z;
    without a mean structure μ is the sample mean of the rows.

    Parameters
    ----------
    blocks : list of Block
        The group's blocks, with their rows.
    sigma, mu : ndarray
        (p, p) Σ and (p,) μ.
    d_sigma, d_mu : ndarray
        (q, p, p) and (q, p) Jacobians.

    Returns
    -------
    ndarray
        (n_g, q) one row of scores per respondent.

    References
    ----------
    Yuan, K.-H. & Bentler, P. M. (2000). Three likelihood-based methods for mean and
    covariance structure analysis with nonnormal missing data. Sociological Methodology, 30,
    165–200.

    Examples
    --------
    One variable, the variance as parameter: s_i = ½((y_i − ȳ)²/σ⁴ − 1/σ²), summing to 0 at
    σ² = S (R: ``lavScores(fit)``):

    >>> rows = np.array([[1.0], [2.0], [4.0]])
    >>> b = Block(None, 1.0, np.cov(rows.T, bias=True).reshape(1, 1), None, 0.0, rows)
    >>> s = block_scores([b], b.cov, np.zeros(1), np.ones((1, 1, 1)), np.zeros((1, 1)))
    >>> s.shape, round(abs(float(s.sum())), 12)
    ((3, 1), 0.0)
    """
    q = len(d_sigma)
    out = []
    for b in blocks:
        if b.rows is None:
            raise ValueError("casewise scores need the rows (fit with estimator='MLR')")
        sig, m = b.sub(sigma, mu)
        ds, dm = b.sub_jacobian(d_sigma, d_mu)
        inv = np.linalg.inv(sig)
        center = m if b.mean is not None else b.rows.mean(axis=0)
        z = (b.rows - center) @ inv
        quad = 0.5 * np.einsum("qab,ia,ib->iq", ds, z, z)
        out.append(quad - 0.5 * ds.reshape(q, -1) @ inv.ravel() + z @ dm.T)
    return np.vstack(out) if out else np.zeros((0, q))


def model_first_order(problem: Problem, theta: np.ndarray) -> BlockMatrix:
    """B₀ = Σ_g (N_g/N) B₀_g with B₀_g = (1/N_g) Σ_i s_i s_iᵀ at the model-implied moments.

    A row's scores are zero but in its group's own parameters, so each B₀_g is a k_g × k_g
    matrix added into its part of the model.

    Parameters
    ----------
    problem : Problem
        The fitting problem (its blocks with rows).
    theta : ndarray
        The estimates.

    Returns
    -------
    BlockMatrix
        (q, q), zero between the parts of the model.

    References
    ----------
    White, H. (1982). Maximum likelihood estimation of misspecified models. Econometrica,
    50(1), 1–25.

    Examples
    --------
    One variable, its variance the parameter: B₀ = mean of s_i² with s_i = ½((y_i − ȳ)²/σ⁴
    − 1/σ²) (R: ``lavTech(fit, "first.order")``):

    >>> from servq.stats.sem.estimate import SampleStats, complete_blocks
    >>> from servq.stats.sem.model import build
    >>> from servq.stats.sem.syntax import parse
    >>> x = np.array([[1.0], [2.0], [4.0]])
    >>> st = SampleStats((np.atleast_2d(np.cov(x.T, bias=True)),), (None,), (3,))
    >>> prob = Problem(build(parse("a ~~ a")), st, complete_blocks(st, False, [0.0], [x]))
    >>> v, d = st.cov[0][0, 0], x[:, 0] - x.mean()
    >>> bool(np.isclose(np.asarray(model_first_order(prob, np.array([v])))[0, 0], np.mean((0.5 * (d**2 / v**2 - 1 / v)) ** 2)))
    True
    """
    out = []
    for g, (blocks, w) in enumerate(zip(problem.blocks, problem.stats.weights)):
        imp, _, d_sigma, d_mu = problem.local_jacobian(theta, g)
        s = block_scores(blocks, imp.sigma, imp.mu, d_sigma, d_mu)
        out.append(w * (s.T @ s / len(s)))
    return BlockMatrix.added(problem.layout, problem.model.n_par, out)


def sandwich_vcov(info: BlockMatrix, first_order: BlockMatrix, ntotal: int) -> BlockMatrix:
    """Huber–White Cov(θ̂) = E⁻¹ B₀ E⁻¹ / N, part by part.

    Parameters
    ----------
    info : BlockMatrix
        Unit observed information E.
    first_order : BlockMatrix
        B₀ = Σ_g (N_g/N) B₀_g (:func:`model_first_order`).
    ntotal : int
        N.

    Returns
    -------
    BlockMatrix
        (q, q) the robust covariance matrix of the estimates (zero between the parts).

    References
    ----------
    Huber, P. J. (1967). The behavior of maximum likelihood estimates under nonstandard
    conditions. Proceedings of the Fifth Berkeley Symposium, 1, 221–233. White, H. (1982).
    Econometrica, 50(1), 1–25.

    Examples
    --------
    When B₀ = E (a correctly specified normal model) the sandwich is (N·E)⁻¹, R's ``vcov(fit)``
    of an ML fit:

    >>> from servq.stats.sem.blocks import parts
    >>> e = BlockMatrix(tuple(parts([np.arange(2)], 2)), (np.array([[2.0, 0.5], [0.5, 1.0]]),), 2)
    >>> bool(np.allclose(np.asarray(sandwich_vcov(e, e, 10)), np.linalg.inv(10 * np.asarray(e))))
    True
    """
    e_inv = info.inv()
    return (1.0 / ntotal) * (e_inv @ first_order @ e_inv)


def saturated_jacobian(p: int, with_mean: bool) -> tuple[np.ndarray, np.ndarray]:
    """∂Σ/∂η and ∂μ/∂η of the saturated model, η = (μ, vech Σ) (μ only ``with_mean``).

    Parameters
    ----------
    p : int
        Number of variables.
    with_mean : bool
        Whether the means are parameters.

    Returns
    -------
    d_sigma : ndarray
        (q₁, p, p).
    d_mu : ndarray
        (q₁, p).

    References
    ----------
    Magnus, J. R. & Neudecker, H. (1999). Matrix Differential Calculus with Applications in
    Statistics and Econometrics, revised ed. Chichester: Wiley (the duplication matrix).

    Examples
    --------
    Two variables without means: vech Σ = (σ₁₁, σ₂₁, σ₂₂), R's ``lavaan::lav_matrix_duplication(2)``:

    >>> ds, dm = saturated_jacobian(2, False)
    >>> ds.reshape(3, 4).tolist()
    [[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 1.0, 0.0], [0.0, 0.0, 0.0, 1.0]]
    """
    k = p if with_mean else 0
    rows, cols = np.tril_indices(p)
    q = k + len(rows)
    d_sigma, d_mu = np.zeros((q, p, p)), np.zeros((q, p))
    d_mu[np.arange(k), np.arange(k)] = 1.0
    d_sigma[k + np.arange(len(rows)), rows, cols] = 1.0
    d_sigma[k + np.arange(len(rows)), cols, rows] = 1.0
    return d_sigma, d_mu


def saturated_information(problem: Problem) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per group (A₁_g, B₁_g) of the saturated model at its own estimates.

    A₁_g is the unit observed information (½ the Hessian of the group's discrepancy in
    η = (μ, vech Σ), ``tril_indices`` order) and B₁_g the first-order information of the
    casewise scores, both at the unstructured moments (sample, or EM with missing data):
    lavaan's ``lav_model_h1_information_observed`` and ``lav_model_h1_information_firstorder``.
    The rows and columns of fixed.x covariates' own moments are zero in A₁, as lavaan's.

    Parameters
    ----------
    problem : Problem
        The fitting problem (blocks with rows; ``stats`` the unstructured moments).

    Returns
    -------
    list of (ndarray, ndarray)
        (q₁, q₁) each.

    References
    ----------
    Yuan, K.-H. & Bentler, P. M. (2000). Three likelihood-based methods for mean and
    covariance structure analysis with nonnormal missing data. Sociological Methodology, 30,
    165–200.

    Examples
    --------
    For complete data A₁ is the normal-theory information: for one variable with variance
    S, ½/S² (R: ``lavaan:::lav_model_h1_information_observed(fit)``):

    >>> from servq.stats.sem.estimate import SampleStats, complete_blocks
    >>> from servq.stats.sem.model import build
    >>> from servq.stats.sem.syntax import parse
    >>> x = np.array([[1.0], [2.0], [4.0]])
    >>> st = SampleStats((np.atleast_2d(np.cov(x.T, bias=True)),), (x.mean(0),), (3,))
    >>> prob = Problem(build(parse("a ~~ a")), st, complete_blocks(st, False, [0.0], [x]))
    >>> a1, b1 = saturated_information(prob)[0]
    >>> round(float(a1[0, 0] * 2 * st.cov[0][0, 0] ** 2), 6)
    1.0
    """
    p = problem.model.p
    d_sigma, d_mu = saturated_jacobian(p, problem.use_mean)
    rows, cols = np.tril_indices(p)
    k = p if problem.use_mean else 0
    fixed = fixed_x_moments(problem)
    out = []
    for g, (blocks, w) in enumerate(zip(problem.blocks, problem.stats.weights)):
        mean = problem.stats.mean[g]
        mu0 = np.zeros(p) if mean is None else mean
        cov = problem.stats.cov[g]
        eta = np.concatenate([mu0[:k], cov[rows, cols]])

        def moments(e: np.ndarray, mu0: np.ndarray = mu0) -> tuple[np.ndarray, np.ndarray]:
            sigma = np.zeros((p, p))
            sigma[rows, cols] = e[k:]
            sigma[cols, rows] = e[k:]
            return sigma, (e[:k] if k else mu0)

        a1 = observed_saturated_information(blocks, *moments(eta), k) / w
        a1[fixed, :] = 0.0
        a1[:, fixed] = 0.0
        s = block_scores(blocks, *moments(eta), d_sigma, d_mu)
        out.append((a1, s.T @ s / len(s)))
    return out


def observed_saturated_information(blocks: list[Block], sigma: np.ndarray, mu: np.ndarray, k: int) -> np.ndarray:
    """½ the Hessian of one group's discrepancy in η = (μ, vech Σ) (``k`` means first, 0 without
    a mean structure; ``tril_indices`` order) at (μ, Σ), in closed form.

    Per block of observed variables o (weight w_b, moments S_b and ȳ_b), with W = Σ_oo⁻¹,
    d = ȳ_b − μ_o and T = S_b + d dᵀ, one row's observed information is W for (μ, μ),
    W E W d for (μ, σ) and ½ [tr(W E₁ WTW E₂) + tr(WTW E₁ W E₂) − tr(W E₁ W E₂)] for
    (σ, σ), E the symmetric unit matrices of vech Σ (Magnus & Neudecker 1999); the blocks
    add up weighted by w_b. (Central differences of the gradient took 2 dim(η) gradients
    over every missing-data pattern: 25 variables with FIML, 40 s.)

    Parameters
    ----------
    blocks : list of Block
        The group's blocks (one, or one per missing-data pattern).
    sigma, mu : ndarray
        (p, p) Σ and (p,) μ.
    k : int
        The number of means in η (p with a mean structure, else 0).

    Returns
    -------
    ndarray
        (k + p(p+1)/2, k + p(p+1)/2), symmetric.

    References
    ----------
    Magnus, J. R. & Neudecker, H. (1999). Matrix Differential Calculus with Applications in
    Statistics and Econometrics, revised ed. Chichester: Wiley. Savalei, V. (2010). Expected
    versus observed information in SEM with incomplete normal and nonnormal data.
    Psychological Methods, 15(4), 352–367.

    Examples
    --------
    One variance S = 2 at its estimate: ½/S² (R: ``lavaan:::lav_model_h1_information_observed``):

    >>> from servq.stats.sem.estimate import Block
    >>> b = Block(None, 1.0, np.array([[2.0]]), None, 0.0)
    >>> observed_saturated_information([b], np.array([[2.0]]), np.zeros(1), 0).tolist()
    [[0.125]]
    """
    p = sigma.shape[0]
    rows, cols = np.tril_indices(p)
    at_vech = np.full((p, p), -1)
    at_vech[rows, cols] = k + np.arange(len(rows))
    out = np.zeros((k + len(rows),) * 2)
    for b in blocks:
        o = np.arange(p) if b.observed is None else b.observed
        w = np.linalg.inv(sigma[np.ix_(o, o)])
        d = np.zeros(len(o)) if b.mean is None else b.mean - mu[o]
        wtw = w @ (b.cov + np.outer(d, d)) @ w
        i, j = np.tril_indices(len(o))
        half = np.where(i == j, 0.5, 1.0)  # a diagonal σ has one unit entry, not two
        at = at_vech[o[i], o[j]]
        out[np.ix_(at, at)] += b.weight * 0.5 * (_traces(w, wtw, i, j) + _traces(wtw, w, i, j) - _traces(w, w, i, j))
        if k:
            wd = w @ d
            mixed = (w[:, i] * wd[j] + w[:, j] * wd[i]) * half
            out[np.ix_(o, at)] += b.weight * mixed
            out[np.ix_(at, o)] += b.weight * mixed.T
            out[np.ix_(o, o)] += b.weight * w
    return out


def _traces(a: np.ndarray, z: np.ndarray, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """tr(a E_c z E_r) for every pair (r, c) of elements (i, j) of vech, E the symmetric
    unit matrix of an element (ones at (i, j) and (j, i); one 1 on the diagonal)."""
    ri, rj, ci, cj = i[:, None], j[:, None], i[None, :], j[None, :]
    half = np.where(i == j, 0.5, 1.0)
    return (a[rj, ci] * z[cj, ri] + a[ri, ci] * z[cj, rj] + a[rj, cj] * z[ci, ri] + a[ri, cj] * z[ci, rj]) \
        * half[:, None] * half[None, :]


def fixed_x_moments(problem: Problem) -> np.ndarray:
    """Which elements of η = (μ, vech Σ) belong to the fixed.x covariates alone.

    Their means and their (co)variances among themselves (lavaan's ``eliminate.pstar.idx``),
    in the order of :func:`saturated_jacobian`.

    Parameters
    ----------
    problem : Problem
        The fitting problem (its model names the covariates; ``use_mean`` adds the means).

    Returns
    -------
    ndarray of bool
        (q₁,) True for the covariates' own moments.

    References
    ----------
    Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. Journal of
    Statistical Software, 48(2), 1–36 (``fixed.x = TRUE``).

    Examples
    --------
    ``y ~ x``: of vech Σ = (σ_yy, σ_xy, σ_xx) only σ_xx is the covariate's own (R:
    ``lavaan:::lav_matrix_vech_which_idx(2, idx = 2)``):

    >>> from servq.stats.sem.estimate import SampleStats
    >>> from servq.stats.sem.model import build, with_exo_values
    >>> from servq.stats.sem.syntax import parse
    >>> m = build(parse("y ~ x"))
    >>> m = with_exo_values(m, [np.eye(2)], [None])
    >>> fixed_x_moments(Problem(m, SampleStats((np.eye(2),), (None,), (10,)))).tolist()
    [False, False, True]
    """
    p, k = problem.model.p, (problem.model.p if problem.use_mean else 0)
    x = np.zeros(p, dtype=bool)
    x[exo_index(problem.model)] = True
    rows, cols = np.tril_indices(p)
    return np.concatenate([x[:k], x[rows] & x[cols]])


def _h1_inverse(a1: np.ndarray) -> np.ndarray:
    """A₁⁻¹ on the elements that are not fixed.x ones (zero rows and columns), as lavaan's
    Yuan–Bentler trace inverts A₁ without its zero diagonal elements."""
    keep = np.diag(a1) != 0
    out = np.zeros_like(a1)
    out[np.ix_(keep, keep)] = np.linalg.inv(a1[np.ix_(keep, keep)])
    return out


def saturated_trace(problem: Problem, information: list[tuple[np.ndarray, np.ndarray]] | None = None) -> float:
    """Σ_g tr(A₁_g⁻¹ B₁_g) of the saturated model at its own estimates (lavaan's trace.h1).

    Parameters
    ----------
    problem : Problem
        The fitting problem (blocks with rows; ``stats`` the unstructured moments).
    information : list of (ndarray, ndarray), optional
        :func:`saturated_information` when already computed.

    Returns
    -------
    float
        The trace.

    References
    ----------
    Yuan & Bentler (2000), as :func:`saturated_information`; Asparouhov, T. & Muthén, B.
    (2005), Multivariate statistical modeling with survey data (the Mplus variant).

    Examples
    --------
    For normal data the trace is close to the number of moments (here p(p + 1)/2 = 3); in R,
    lavaan's ``scaling.factor.h1`` of ``lavaan:::lav_test_yuan_bentler(lavobject = fit, test =
    "yuan.bentler.mplus")`` times that number:

    >>> from servq.stats.sem.estimate import SampleStats, complete_blocks
    >>> from servq.stats.sem.model import build
    >>> from servq.stats.sem.syntax import parse
    >>> x = np.random.default_rng(0).normal(size=(5000, 2))
    >>> st = SampleStats((np.cov(x.T, bias=True),), (x.mean(0),), (5000,))
    >>> m = build(parse("a ~~ b"))
    >>> prob = Problem(m, st, complete_blocks(st, False, [0.0], [x]))
    >>> round(saturated_trace(prob), 1)
    3.0
    """
    pairs = saturated_information(problem) if information is None else information
    return float(sum(np.sum(_h1_inverse(a1) * b1.T) for a1, b1 in pairs))


def fiml_corrected(problem: Problem, theta: np.ndarray, df: float,
                   information: list[tuple[np.ndarray, np.ndarray]] | None = None) -> tuple[float, float]:
    """Zhang & Savalei's FIML-corrected χ² and its scaling factor (lavaan's "FIML-C (V3)").

    The robust CFI, TLI and RMSEA after FIML do not use the FIML χ² but χ²₃ = Σ_g N_g ·
    F_ML(θ̂; S̃_g, x̄̃_g), the complete-data ML discrepancy of the FIML estimates from the
    saturated (EM) moments, with the scaling factor ĉ₃ = tr(U W⁻¹ W_c W⁻¹ U Γ) / df, where,
    over the groups' blocks weighted by N_g/N: W the saturated model's observed information
    under missing data (A₁), Γ = W⁻¹ B₁ W⁻¹, W_c the complete-data information at the EM
    moments, Δ = ∂(μ, vech Σ)/∂θ at θ̂, E = ΔᵀWΔ and U = W − WΔE⁻¹ΔᵀW. The trace is
    taken part by part (:class:`~.blocks.Projection`), never forming U over the stacked
    groups.

    Parameters
    ----------
    problem : Problem
        The FIML problem (blocks with rows; ``stats`` the EM moments).
    theta : ndarray
        The estimates (of ``problem``'s model: the model or its baseline).
    df : float
        The model's degrees of freedom.
    information : list of (ndarray, ndarray), optional
        :func:`saturated_information` when already computed (the baseline shares it).

    Returns
    -------
    chisq : float
        χ²₃.
    c : float
        ĉ₃ (NaN when df ≤ 0).

    References
    ----------
    Zhang, X. & Savalei, V. (2023). New computations for RMSEA and CFI following FIML and TS
    estimation with missing data. Psychological Methods, 28(2), 263–283.

    Examples
    --------
    R: ``lavaan:::lav_fit_fiml_corrected(cfa(model, data, missing = "ml", estimator =
    "MLR"))``, whose ``XX3`` and ``c.hat3`` give ``fitMeasures(fit, "cfi.robust")`` (see
    tests/golden/sem_missing.json):

    >>> fiml_corrected.__name__
    'fiml_corrected'
    """
    pairs = saturated_information(problem) if information is None else information
    p, k = problem.model.p, (problem.model.p if problem.use_mean else 0)
    rows, cols = np.tril_indices(p)
    d_sat, _ = saturated_jacobian(p, problem.use_mean)
    chisq = 0.0
    w_all, middle, gamma, deltas = [], [], [], []
    for g, (a1, b1) in enumerate(pairs):
        fg = problem.stats.weights[g]
        cov = problem.stats.cov[g]
        mean = problem.stats.mean[g]
        imp, _, d_sigma, d_mu = problem.local_jacobian(theta, g)
        inv = np.linalg.inv(imp.sigma)
        dev = np.zeros(p) if mean is None or not k else mean - imp.mu
        f_ml = (np.linalg.slogdet(imp.sigma)[1] - np.linalg.slogdet(cov)[1] + np.trace(cov @ inv) - p
                + dev @ inv @ dev)
        chisq += problem.stats.nobs[g] * f_ml
        s_inv = np.linalg.inv(cov)
        wc = np.zeros_like(a1)
        wc[:k, :k] = s_inv
        ds = d_sat[k:]
        left = np.einsum("ab,qbc->qac", s_inv, ds)
        wc[k:, k:] = 0.5 * np.einsum("qab,rba->qr", left, left)
        a1_inv = _h1_inverse(a1)
        w_all.append(fg * a1)
        middle.append(a1_inv @ wc @ a1_inv / fg)     # W⁻¹ W_c W⁻¹ of the stacked groups
        gamma.append(a1_inv @ b1 @ a1_inv / fg)
        deltas.append(np.vstack([d_mu.T[:k], d_sigma[:, rows, cols].T]))
    if df <= 0:
        return float(chisq), float("nan")
    proj = Projection(problem.layout, problem.model.n_par, tuple(deltas), tuple(w_all))
    return float(chisq), proj.trace_pair(middle, gamma) / df


def yuan_bentler_factor(problem: Problem, info: BlockMatrix, first_order: BlockMatrix,
                        df: float, trace_h1: float | None = None) -> float:
    """lavaan's ``yuan.bentler.mplus`` scaling factor c = (trace.h1 − trace.h0) / df.

    trace.h0 = tr(B₀ E⁻¹) = Σ_g (N_g/N) tr(B₀_g E⁻¹), part by part.

    Parameters
    ----------
    problem : Problem
        The fitting problem.
    info : BlockMatrix
        Unit observed information E at the estimates (:func:`observed_information`).
    first_order : BlockMatrix
        B₀ at the estimates (:func:`model_first_order`).
    df : float
        Degrees of freedom of the model.
    trace_h1 : float, optional
        :func:`saturated_trace` when already known (the baseline model shares it).

    Returns
    -------
    float
        c (``chisq.scaling.factor``); NaN when df ≤ 0 or c < 0.

    References
    ----------
    Yuan, K.-H. & Bentler, P. M. (2000). Three likelihood-based methods for mean and
    covariance structure analysis with nonnormal missing data. Sociological Methodology, 30,
    165–200. Muthén, L. K. & Muthén, B. O. (1998–2017). Mplus User's Guide. Los Angeles.

    Examples
    --------
    R: ``fitMeasures(cfa(model, data, estimator = "MLR"), "chisq.scaling.factor")``; with no
    degrees of freedom there is nothing to scale:

    >>> from servq.stats.sem.estimate import SampleStats
    >>> from servq.stats.sem.model import build
    >>> from servq.stats.sem.syntax import parse
    >>> prob = Problem(build(parse("a ~~ b")), SampleStats((np.eye(2),), (None,), (10,)))
    >>> eye = BlockMatrix.identity(prob.layout, 3)
    >>> yuan_bentler_factor(prob, eye, eye, 0)
    nan
    """
    if df <= 0:
        return float("nan")
    trace_h0 = info.inv().trace_product(first_order)
    if trace_h1 is None:
        trace_h1 = saturated_trace(problem)
    c = (trace_h1 - trace_h0) / df
    return float(c) if c >= 0 else float("nan")
