"""Maximum likelihood estimation of a RAM model from sample covariance matrices.

The discrepancy is lavaan's (``likelihood = "normal"``): per group g, with the sample
covariance S_g divided by N_g and the sample mean ȳ_g,

    F_g = log|Σ_g| + tr(S_g Σ_g⁻¹) − log|S_g| − p + (ȳ_g − μ_g)ᵀ Σ_g⁻¹ (ȳ_g − μ_g),

the last term only with a mean structure, and F = Σ_g (N_g/N) F_g, so χ² = N·F. The
minimum is found by Fisher scoring (Gauss-Newton with the expected information and a
backtracking line search), with the analytic Jacobian of (Σ, μ) in θ; quasi-Newton (BFGS)
takes over if scoring stalls. Standard errors come from the expected information
(lavaan's default for complete-data ML): Cov(θ̂) = (N · I(θ̂))⁻¹ with
I = Σ_g (N_g/N) [½ Δσᵀ (Σ⁻¹ ⊗ Σ⁻¹) Δσ + Δμᵀ Σ⁻¹ Δμ].
Nothing here depends on the number of respondents: only on p and the number of parameters.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import linalg, optimize

from .blocks import Part, parts
from .constraints import Linear
from .model import Model, Row


@dataclass(frozen=True)
class SampleStats:
    """Per group: covariance matrix divided by N, mean vector (or None) and N.

    Parameters
    ----------
    cov : tuple of ndarray
        Per group, the (p, p) sample covariance matrix divided by N (lavaan's
        ``sample.cov.rescale``), variables in the model's ``names.ov`` order.
    mean : tuple of ndarray or None
        Per group, the (p,) sample means, or None when not given.
    nobs : tuple of int
        Per group, the number of observations N_g.

    References
    ----------
    Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. Journal of
    Statistical Software, 48(2), 1–36 (``lavInspect(fit, "sampstat")``).

    Examples
    --------
    Group weights N_g/N, as lavaan weights the groups' discrepancies (R:
    ``lavInspect(fit, "nobs") / lavInspect(fit, "ntotal")``):

    >>> st = SampleStats((np.eye(2), np.eye(2)), (None, None), (100, 300))
    >>> st.ntotal, st.weights.tolist()
    (400, [0.25, 0.75])
    """

    cov: tuple[np.ndarray, ...]
    mean: tuple[np.ndarray | None, ...]
    nobs: tuple[int, ...]

    @property
    def ntotal(self) -> int:
        """Total number of observations N over the groups."""
        return int(sum(self.nobs))

    @property
    def weights(self) -> np.ndarray:
        """Group weights N_g / N."""
        n = np.asarray(self.nobs, dtype=float)
        return n / n.sum()


@dataclass(frozen=True)
class Implied:
    """Model-implied moments of one group: observed Σ, μ and the RAM pieces.

    Parameters
    ----------
    sigma : ndarray
        (p, p) implied covariance matrix Σ of the observed variables.
    mu : ndarray
        (p,) implied means μ of the observed variables.
    e : ndarray
        (v, v) matrix (I − A)⁻¹ over all v variables.
    sigma_v : ndarray
        (v, v) implied covariance matrix of all variables, observed then latent.
    mu_v : ndarray
        (v,) implied means of all variables.

    References
    ----------
    McArdle, J. J. & McDonald, R. P. (1984). Some algebraic properties of the Reticular
    Action Model for moment structures. British Journal of Mathematical and Statistical
    Psychology, 37(2), 234–251.

    Examples
    --------
    The implied latent variance sits in ``sigma_v`` (R: ``lavInspect(fit, "cov.lv")``):

    >>> from servq.stats.sem.syntax import parse
    >>> from servq.stats.sem.model import build
    >>> m = build(parse("f =~ a + b + c"))
    >>> imp = implied(m, np.array([1.5, 1.2, 0.66, 0.4455, 0.4158, 0.33]), 0)
    >>> round(float(imp.sigma_v[m.index("f"), m.index("f")]), 4), imp.mu.tolist()
    (0.33, [0.0, 0.0, 0.0])
    """

    sigma: np.ndarray
    mu: np.ndarray
    e: np.ndarray       # (I − A)⁻¹
    sigma_v: np.ndarray  # covariance of all variables
    mu_v: np.ndarray     # means of all variables


@dataclass(frozen=True)
class Positions:
    """Where the free parameters sit in one group's A, S and m (entry -> parameter).

    Parameters
    ----------
    a : ndarray
        (k, 3) integer rows (i, j, par): A[i, j] is free parameter ``par``.
    s : ndarray
        (k, 3) integer rows (i, j, par) of S, with i ≤ j.
    m : ndarray
        (k, 2) integer rows (i, par) of m.

    References
    ----------
    McArdle, J. J. & McDonald, R. P. (1984). Some algebraic properties of the Reticular
    Action Model for moment structures. British Journal of Mathematical and Statistical
    Psychology, 37(2), 234–251.

    Examples
    --------
    See :func:`positions`; in R, ``lavInspect(fit, "free")`` numbers the free entries of
    lavaan's matrices in the same way.

    >>> from servq.stats.sem.syntax import parse
    >>> from servq.stats.sem.model import build
    >>> positions(build(parse("f =~ a + b + c")), 0).m.shape  # no mean structure
    (0, 2)
    """

    a: np.ndarray  # (k, 3): i, j, par
    s: np.ndarray
    m: np.ndarray  # (k, 2): i, par

    def local(self, other: Positions | None = None) -> tuple[np.ndarray, Positions]:
        """The parameters these positions (and ``other``'s) hold, ascending, and the positions
        with each parameter numbered by its place among them: a group's own part of the
        Jacobian, whatever the number of parameters of every group.

        >>> pos = Positions(np.array([[1, 3, 7]]), np.array([[0, 0, 2], [1, 1, 9]]), np.zeros((0, 2), int))
        >>> active, local = pos.local()
        >>> active.tolist(), local.a.tolist(), local.s.tolist()
        ([2, 7, 9], [[1, 3, 1]], [[0, 0, 0], [1, 1, 2]])
        """
        parts = [self] if other is None else [self, other]
        active = np.unique(np.concatenate([arr[:, -1] for pos in parts for arr in (pos.a, pos.s, pos.m)]))

        def renumbered(arr: np.ndarray) -> np.ndarray:
            out = arr.copy()
            out[:, -1] = np.searchsorted(active, arr[:, -1])
            return out

        joined = [np.concatenate([pos.a for pos in parts]), np.concatenate([pos.s for pos in parts]),
                  np.concatenate([pos.m for pos in parts])]
        return active.astype(np.intp), Positions(*(renumbered(arr) for arr in joined))


def implied(model: Model, theta: np.ndarray, group: int) -> Implied:
    """Model-implied covariances and means of ``group`` at parameters ``theta``.

    Σ_v = (I − A)⁻¹ S (I − A)⁻ᵀ and μ_v = (I − A)⁻¹ m over all variables; Σ and μ are their
    observed rows and columns.

    Parameters
    ----------
    model : Model
        The parameter table (:func:`~servq.stats.sem.model.build`).
    theta : ndarray
        The free parameters, indexed by ``Row.par``.
    group : int
        0-based group.

    Returns
    -------
    Implied
        Σ, μ, (I − A)⁻¹ and the moments of all variables.

    References
    ----------
    McArdle, J. J. & McDonald, R. P. (1984). Some algebraic properties of the Reticular
    Action Model for moment structures. British Journal of Mathematical and Statistical
    Psychology, 37(2), 234–251. Bollen, K. A. (1989). Structural Equations with Latent
    Variables. New York: Wiley.

    Examples
    --------
    At the ML estimates of a saturated one-factor model Σ is the sample covariance matrix
    divided by N (here S·99/100), as
    ``fitted(cfa("f =~ a + b + c", sample.cov = S, sample.nobs = 100))$cov`` in R with
    ``S`` = [[1, .5, .4], [.5, 1.2, .6], [.4, .6, .9]]:

    >>> from servq.stats.sem.syntax import parse
    >>> from servq.stats.sem.model import build
    >>> m = build(parse("f =~ a + b + c"))
    >>> theta = np.array([1.5, 1.2, 0.66, 0.4455, 0.4158, 0.33])  # λb, λc, θa, θb, θc, ψ
    >>> np.round(implied(m, theta, 0).sigma, 4).tolist()
    [[0.99, 0.495, 0.396], [0.495, 1.188, 0.594], [0.396, 0.594, 0.891]]
    """
    a, s, m = model.matrices(theta, group)
    e = np.linalg.inv(np.eye(model.n_vars) - a)
    sigma_v = e @ s @ e.T
    mu_v = e @ m
    p = model.p
    return Implied(sigma_v[:p, :p], mu_v[:p], e, sigma_v, mu_v)


def positions(model: Model, group: int, extra: list[Row] | None = None) -> Positions:
    """Where the free parameters of ``group`` sit in its RAM matrices.

    With ``extra``, where those extra rows of ``group`` sit instead, numbered
    ``model.n_par + k`` for the k-th extra row (the candidates of a score test).

    Parameters
    ----------
    model : Model
        The parameter table.
    group : int
        0-based group.
    extra : list of Row, optional
        Rows outside the model (fixed or absent parameters) to locate instead.

    Returns
    -------
    Positions
        The (i, j, par) entries of A and S and the (i, par) entries of m.

    References
    ----------
    McArdle, J. J. & McDonald, R. P. (1984). Some algebraic properties of the Reticular
    Action Model for moment structures. British Journal of Mathematical and Statistical
    Psychology, 37(2), 234–251.

    Examples
    --------
    Loadings of b and c (rows 1, 2; column 3 = f) are parameters 0 and 1, the variances
    parameters 2–5, as the numbers in ``lavInspect(cfa("f =~ a + b + c", ...), "free")``
    in R (which counts from 1):

    >>> from servq.stats.sem.syntax import parse
    >>> from servq.stats.sem.model import build
    >>> pos = positions(build(parse("f =~ a + b + c")), 0)
    >>> pos.a.tolist(), pos.s.tolist()
    ([[1, 3, 0], [2, 3, 1]], [[0, 0, 2], [1, 1, 3], [2, 2, 4], [3, 3, 5]])
    """
    a: list[tuple[int, ...]] = []
    s: list[tuple[int, ...]] = []
    m: list[tuple[int, ...]] = []
    if extra is None:
        use = [(r.par, r) for r in model.rows if r.group == group and r.par >= 0]
    else:
        use = [(model.n_par + k, r) for k, r in enumerate(extra) if r.group == group]
    for par, r in use:
        kind, i, j = model.position(r)
        {"A": a, "S": s}.get(kind, m).append((i, j, par) if kind != "m" else (i, par))
    return Positions(np.array(a, dtype=int).reshape(-1, 3), np.array(s, dtype=int).reshape(-1, 3),
                     np.array(m, dtype=int).reshape(-1, 2))


def jacobian(model: Model, imp: Implied, pos: Positions, n_par: int) -> tuple[np.ndarray, np.ndarray]:
    """∂Σ/∂θ as (n_par, p, p) and ∂μ/∂θ as (n_par, p) for one group.

    For a free A[i, j]: ∂Σ_v = E eᵢ (Σ_v)ⱼ. + its transpose, ∂μ_v = E eᵢ (μ_v)ⱼ; for S[i, j]:
    E (eᵢeⱼᵀ + eⱼeᵢᵀ) Eᵀ (once on the diagonal); for m[i]: E eᵢ; E = (I − A)⁻¹, observed
    rows kept.

    Parameters
    ----------
    model : Model
        The parameter table.
    imp : Implied
        The implied moments of the group at θ (:func:`implied`).
    pos : Positions
        Where the parameters sit (:func:`positions`).
    n_par : int
        Number of parameters (first axis of the result).

    Returns
    -------
    d_sigma : ndarray
        (n_par, p, p) derivatives of Σ.
    d_mu : ndarray
        (n_par, p) derivatives of μ.

    References
    ----------
    Browne, M. W. (1984). Asymptotically distribution-free methods for the analysis of
    covariance structures. British Journal of Mathematical and Statistical Psychology,
    37(1), 62–83. McArdle, J. J. & McDonald, R. P. (1984). British Journal of Mathematical and
    Statistical Psychology, 37(2), 234–251.

    Examples
    --------
    With Σ_ab = λ_b ψ, Σ_bb = λ_b² ψ + θ_b and Σ_bc = λ_b λ_c ψ, the derivative in λ_b is
    (ψ, 2 λ_b ψ, λ_c ψ) = (.33, .99, .396) in those cells; R gives the same Jacobian as
    ``lavInspect(fit, "delta")`` (rows vech(Σ)):

    >>> from servq.stats.sem.syntax import parse
    >>> from servq.stats.sem.model import build
    >>> m = build(parse("f =~ a + b + c"))
    >>> theta = np.array([1.5, 1.2, 0.66, 0.4455, 0.4158, 0.33])
    >>> d_sigma, d_mu = jacobian(m, implied(m, theta, 0), positions(m, 0), m.n_par)
    >>> np.round(d_sigma[0], 4).tolist()
    [[0.0, 0.33, 0.0], [0.33, 0.99, 0.396], [0.0, 0.396, 0.0]]
    """
    p = model.p
    ef = imp.e[:p, :]
    d_sigma = np.zeros((n_par, p, p))
    d_mu = np.zeros((n_par, p))
    if len(pos.a):
        i, j, par = pos.a.T
        left = ef[:, i].T                      # (k, p)
        right = imp.sigma_v[j, :p]             # (k, p)
        outer = left[:, :, None] * right[:, None, :]
        np.add.at(d_sigma, par, outer + outer.transpose(0, 2, 1))
        np.add.at(d_mu, par, left * imp.mu_v[j][:, None])
    if len(pos.s):
        i, j, par = pos.s.T
        left, right = ef[:, i].T, ef[:, j].T
        outer = left[:, :, None] * right[:, None, :]
        both = outer + outer.transpose(0, 2, 1)
        both[i == j] = outer[i == j]
        np.add.at(d_sigma, par, both)
    if len(pos.m):
        i, par = pos.m.T
        np.add.at(d_mu, par, ef[:, i].T)
    return d_sigma, d_mu


def discrepancy(sigma: np.ndarray, mu: np.ndarray, cov: np.ndarray, mean: np.ndarray | None,
                logdet_s: float) -> float:
    """F_ML of one group (inf when Σ is not positive definite).

    F = log|Σ| + tr(SΣ⁻¹) − log|S| − p, plus (ȳ − μ)ᵀΣ⁻¹(ȳ − μ) when ``mean`` is given.

    Parameters
    ----------
    sigma : ndarray
        (p, p) implied covariance matrix Σ.
    mu : ndarray
        (p,) implied means μ.
    cov : ndarray
        (p, p) sample covariance matrix S, divided by N.
    mean : ndarray or None
        (p,) sample means ȳ; None without a mean structure.
    logdet_s : float
        log|S|.

    Returns
    -------
    float
        The discrepancy F ≥ 0 (χ² = N·F), or inf when Σ is not positive definite.

    References
    ----------
    Jöreskog, K. G. (1969). A general approach to confirmatory maximum likelihood factor
    analysis. Psychometrika, 34(2), 183–202. Bollen, K. A. (1989). Structural Equations with
    Latent Variables. New York: Wiley (ch. 4).

    Examples
    --------
    The independence model Σ = diag(S) of two variables correlating .5: F = −log(1 − .5²),
    the baseline χ² / N of R's ``fitMeasures(fit, "baseline.chisq") / N``:

    >>> s = np.array([[1.0, 0.5], [0.5, 1.0]])
    >>> f = discrepancy(np.eye(2), np.zeros(2), s, None, float(np.linalg.slogdet(s)[1]))
    >>> round(f, 6), round(float(-np.log(0.75)), 6)
    (0.287682, 0.287682)
    """
    sign, logdet = np.linalg.slogdet(sigma)
    if sign <= 0 or not np.isfinite(logdet):
        return np.inf
    try:
        chol = np.linalg.cholesky(sigma)
    except np.linalg.LinAlgError:
        return np.inf
    inv = _chol_inverse(chol)
    f = logdet + np.sum(cov * inv) - logdet_s - len(sigma)
    if mean is not None:
        d = mean - mu
        f += d @ inv @ d
    return float(f)


def _logdet_pd(s: np.ndarray) -> float:
    """log|S|, or NaN when S is not (numerically) positive definite."""
    eig = np.linalg.eigvalsh(s)
    if eig[0] <= len(s) * np.finfo(float).eps * max(eig[-1], 0.0) or eig[-1] <= 0:
        return np.nan
    return float(np.sum(np.log(eig)))


def _chol_inverse(chol: np.ndarray) -> np.ndarray:
    li = np.linalg.inv(chol)
    return li.T @ li


@dataclass(frozen=True)
class Block:
    """Respondents of one group that share a missing-data pattern, and their moments.

    With complete data a group is one block of all its variables; with FIML, one block per
    pattern of answered variables. The discrepancy of a block is :func:`discrepancy` on the
    sub-vector of μ and sub-matrix of Σ of its observed variables, weighted by n_k / N.

    Parameters
    ----------
    observed : ndarray or None
        Indices of the observed variables (None: all of them).
    weight : float
        n_k / N.
    cov : ndarray
        Covariance matrix of the block's observed variables, divided by n_k.
    mean : ndarray or None
        Their means (None without a mean structure).
    logdet : float
        The log|cov| subtracted in the discrepancy (0 for FIML blocks, whose cov may be
        singular; the saturated model's log-likelihood is subtracted instead).
    rows : ndarray or None
        The raw rows (n_k, k) when casewise scores are needed (robust standard errors).

    References
    ----------
    Arbuckle, J. L. (1996). Full information estimation in the presence of incomplete data.
    In G. A. Marcoulides & R. E. Schumacker (Eds.), Advanced Structural Equation Modeling
    (pp. 243–277). Mahwah, NJ: Erlbaum.

    Examples
    --------
    A block of the respondents who answered the first and third of three variables (R:
    ``lavInspect(fit, "patterns")`` lists the same patterns):

    >>> b = Block(np.array([0, 2]), 0.25, np.eye(2), np.zeros(2), 0.0)
    >>> b.observed.tolist(), b.weight
    ([0, 2], 0.25)
    """

    observed: np.ndarray | None
    weight: float
    cov: np.ndarray
    mean: np.ndarray | None
    logdet: float
    rows: np.ndarray | None = None

    def sub(self, sigma: np.ndarray, mu: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Σ and μ restricted to the block's observed variables."""
        if self.observed is None:
            return sigma, mu
        o = self.observed
        return sigma[np.ix_(o, o)], mu[o]

    def sub_jacobian(self, d_sigma: np.ndarray, d_mu: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """∂Σ/∂θ and ∂μ/∂θ restricted to the block's observed variables."""
        if self.observed is None:
            return d_sigma, d_mu
        o = self.observed
        return d_sigma[:, o][:, :, o], d_mu[:, o]


def complete_blocks(stats: SampleStats, use_mean: bool, logdet_s: list[float],
                    rows: list[np.ndarray] | None = None) -> list[list[Block]]:
    """One block per group over all variables (complete data or listwise deletion).

    Parameters
    ----------
    stats : SampleStats
        Sample statistics per group.
    use_mean : bool
        Whether the model has a mean structure (the blocks then carry the means).
    logdet_s : list of float
        log|S_g| per group.
    rows : list of ndarray, optional
        Per group, the raw rows (for casewise scores).

    Returns
    -------
    list of list of Block
        Per group, its single block weighted N_g / N.

    References
    ----------
    Jöreskog, K. G. (1969). A general approach to confirmatory maximum likelihood factor
    analysis. Psychometrika, 34(2), 183–202.

    Examples
    --------
    Two groups weighted by their sizes (R: ``lavInspect(fit, "nobs") / lavInspect(fit, "ntotal")``):

    >>> st = SampleStats((np.eye(2), np.eye(2)), (None, None), (100, 300))
    >>> [b[0].weight for b in complete_blocks(st, False, [0.0, 0.0])]
    [0.25, 0.75]
    """
    return [[Block(None, float(w), stats.cov[g], stats.mean[g] if use_mean else None, logdet_s[g],
                   None if rows is None else rows[g])]
            for g, w in enumerate(stats.weights)]


def block_gradient_information(blocks: list[Block], sigma: np.ndarray, mu: np.ndarray,
                               d_sigma: np.ndarray, d_mu: np.ndarray, information: bool = True,
                               ) -> tuple[np.ndarray, np.ndarray]:
    """∇F and the unit expected information of one group's blocks.

    Per block (weight w, observed Σ, μ, S, ȳ, Jacobians Δσ, Δμ): ∇F += w [Δσᵀ vec(Σ⁻¹ −
    Σ⁻¹SΣ⁻¹) − Δσᵀ vec(Σ⁻¹ddᵀΣ⁻¹) − 2 Δμᵀ Σ⁻¹d] with d = ȳ − μ (mean terms only with a mean),
    I += w [½ Δσᵀ(Σ⁻¹ ⊗ Σ⁻¹)Δσ + Δμᵀ Σ⁻¹ Δμ].

    Parameters
    ----------
    blocks : list of Block
        The group's blocks.
    sigma, mu : ndarray
        Implied (p, p) Σ and (p,) μ.
    d_sigma, d_mu : ndarray
        (q, p, p) ∂Σ/∂θ and (q, p) ∂μ/∂θ.
    information : bool
        Compute the information too (else it is returned as zeros).

    Returns
    -------
    grad : ndarray
        (q,) gradient of F.
    info : ndarray
        (q, q) expected information.

    References
    ----------
    Lee, S.-Y. & Jennrich, R. I. (1979). A study of algorithms for covariance structure
    analysis with specific comparisons using factor analysis. Psychometrika, 44(1), 99–113.

    Examples
    --------
    One variance parameter σ² with S = 2: ∂F/∂σ² = 1/σ² − S/σ⁴ = 0.5 − 2/4 = 0 at σ² = 2;
    I = ½/σ⁴ = 0.125 (R: ``lavInspect(fit, "information")`` of ``sem("a ~~ a", ...)``):

    >>> b = Block(None, 1.0, np.array([[2.0]]), None, float(np.log(2.0)))
    >>> g, i = block_gradient_information([b], np.array([[2.0]]), np.zeros(1), np.ones((1, 1, 1)),
    ...                                   np.zeros((1, 1)))
    >>> float(g[0]), float(i[0, 0])
    (0.0, 0.125)
    """
    q = len(d_sigma)
    if not information:
        return _block_gradient(blocks, sigma, mu, d_sigma, d_mu), np.zeros((q, q))
    grad, info = np.zeros(q), np.zeros((q, q))
    for b in blocks:
        sig, m = b.sub(sigma, mu)
        ds, dm = b.sub_jacobian(d_sigma, d_mu)
        inv = np.linalg.inv(sig)
        flat = ds.reshape(q, -1)
        grad_b = flat @ (inv - inv @ b.cov @ inv).ravel()
        if b.mean is not None:
            dd = inv @ (b.mean - m)
            grad_b -= flat @ np.outer(dd, dd).ravel()
            grad_b -= 2.0 * dm @ dd
        grad += b.weight * grad_b
        if information:
            weighted = (inv @ ds @ inv).reshape(q, -1)           # vec(Σ⁻¹ ∂Σ Σ⁻¹)
            info += b.weight * (0.5 * weighted @ flat.T + (dm @ inv @ dm.T if b.mean is not None else 0.0))
    return grad, info


def _block_gradient(blocks: list[Block], sigma: np.ndarray, mu: np.ndarray, d_sigma: np.ndarray,
                    d_mu: np.ndarray) -> np.ndarray:
    """∇F of :func:`block_gradient_information` as Δσᵀ vec(Σ_b w_b M_b) + Δμᵀ Σ_b w_b m_b, each
    block's p × p and p terms put in place first: one product with the Jacobian instead of one
    per block (with FIML a group has a block per missing-data pattern, and the observed
    information takes 2k gradients of each group)."""
    p = len(sigma)
    core, lin = np.zeros((p, p)), np.zeros(p)
    for b in blocks:
        sig, m = b.sub(sigma, mu)
        inv = np.linalg.inv(sig)
        mat = inv - inv @ b.cov @ inv
        vec = np.zeros(len(sig))
        if b.mean is not None:
            dd = inv @ (b.mean - m)
            mat -= np.outer(dd, dd)
            vec = -2.0 * dd
        if b.observed is None:
            core += b.weight * mat
            lin += b.weight * vec
        else:
            core[np.ix_(b.observed, b.observed)] += b.weight * mat
            lin[b.observed] += b.weight * vec
    return d_sigma.reshape(len(d_sigma), -1) @ core.ravel() + d_mu @ lin


class Problem:
    """The ML fitting problem: a model (with its fixed.x values) and sample statistics.

    Parameters
    ----------
    model : Model
        The parameter table, with fixed.x values filled
        (:func:`~servq.stats.sem.model.with_exo_values`).
    stats : SampleStats
        The sample statistics of each group (with FIML, the EM estimates).
    blocks : list of list of Block, optional
        Per group, its missing-data pattern blocks (FIML); default one complete block.
    offset : float
        Added to F (FIML: the constants and 2·logL_saturated/N, so that χ² = N·F).
    rows : list of ndarray, optional
        Per group, the complete rows, kept for casewise scores (MLR).

    References
    ----------
    Jöreskog, K. G. (1969). A general approach to confirmatory maximum likelihood factor
    analysis. Psychometrika, 34(2), 183–202. Lee, S.-Y. & Jennrich, R. I. (1979). A study of
    algorithms for covariance structure analysis with specific comparisons using factor
    analysis. Psychometrika, 44(1), 99–113.

    Examples
    --------
    At the ML estimates of a saturated model F and its gradient vanish (χ² = N·F = 0, as
    ``fitMeasures(cfa("f =~ a + b + c", sample.cov = S, sample.nobs = 100), "chisq")`` in R):

    >>> from servq.stats.sem.syntax import parse
    >>> from servq.stats.sem.model import build
    >>> s = np.array([[1.0, 0.5, 0.4], [0.5, 1.2, 0.6], [0.4, 0.6, 0.9]])
    >>> problem = Problem(build(parse("f =~ a + b + c")), SampleStats((0.99 * s,), (None,), (100,)))
    >>> theta = np.array([1.5, 1.2, 0.66, 0.4455, 0.4158, 0.33])
    >>> grad, info = problem.gradient_information(theta)
    >>> round(abs(float(problem.objective(theta))), 10), round(float(np.abs(grad).max()), 10), info.shape
    (0.0, 0.0, (6, 6))
    """

    def __init__(self, model: Model, stats: SampleStats, blocks: list[list[Block]] | None = None,
                 offset: float = 0.0, rows: list[np.ndarray] | None = None):
        self.model = model
        self.stats = stats
        self.pos = [positions(model, g) for g in range(model.n_groups)]
        self._local = [pos.local() for pos in self.pos]  # each group's own parameters (gradient_information)
        self._layout: tuple[Part, ...] | None = None
        self.logdet_s = [_logdet_pd(s) for s in stats.cov]
        self.use_mean = model.meanstructure
        self._blocks = blocks
        self._rows = rows
        # FIML: F = −2(logL − logL_saturated)/N = Σ blocks + offset (constants and saturated logL)
        self.offset = offset
        self.saturated_logl: float | None = None  # set for FIML, where it is not a function of S

    @property
    def blocks(self) -> list[list[Block]]:
        """Per group, its blocks (one per missing-data pattern with FIML)."""
        if self._blocks is not None:
            return self._blocks
        return complete_blocks(self.stats, self.use_mean, self.logdet_s, self._rows)

    def objective(self, theta: np.ndarray) -> float:
        """F = Σ_g Σ_blocks (n_k/N) F_k at ``theta`` (inf where a Σ_g is not positive definite)."""
        total = self.offset
        for g, blocks in enumerate(self.blocks):
            try:
                imp = implied(self.model, theta, g)
            except np.linalg.LinAlgError:
                return np.inf
            for b in blocks:
                sig, m = b.sub(imp.sigma, imp.mu)
                total += b.weight * discrepancy(sig, m, b.cov, b.mean, b.logdet)
        return total

    def gradient_information(self, theta: np.ndarray, extra: list[Row] | None = None,
                             information: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """∇F and the unit expected information I (weighted over groups).

        With ``extra`` rows (fixed or absent parameters, each of one group) the gradient and
        information also cover them, as parameters ``n_par``, ``n_par + 1``, ... (score tests).
        Without ``information`` only the gradient is computed (the information is zeros).
        """
        q = self.model.n_par + (len(extra) if extra else 0)
        grad, info = np.zeros(q), np.zeros((q, q))
        for g, blocks in enumerate(self.blocks):
            active, grad_g, info_g = self.group_gradient_information(theta, g, information, extra, blocks)
            grad[active] += grad_g
            info[np.ix_(active, active)] += info_g
        return grad, info

    def group_gradient_information(self, theta: np.ndarray, g: int, information: bool = True,
                                   extra: list[Row] | None = None, blocks: list[Block] | None = None,
                                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Group ``g``'s share of ∇F and of I over its own parameters: their positions in θ
        (with ``extra``, numbered as in :meth:`gradient_information`), the gradient and the
        information."""
        # only the group's own parameters move its Σ and μ: with G groups the rest of the
        # Jacobian is zeros, and products over all q would cost G³
        active, local = self.pos[g].local(positions(self.model, g, extra)) if extra else self._local[g]
        imp = implied(self.model, theta, g)
        d_sigma, d_mu = jacobian(self.model, imp, local, len(active))
        grad_g, info_g = block_gradient_information(self.blocks[g] if blocks is None else blocks, imp.sigma, imp.mu,
                                                    d_sigma, d_mu, information)
        return active, grad_g, info_g

    def local_jacobian(self, theta: np.ndarray, g: int) -> tuple[Implied, np.ndarray, np.ndarray, np.ndarray]:
        """Implied moments of group ``g``, the positions in θ of its own parameters (ascending)
        and the (k, p, p), (k, p) Jacobians over them: :meth:`jacobian` without the columns
        of the other groups' parameters, which are zeros."""
        active, local = self._local[g]
        imp = implied(self.model, theta, g)
        d_sigma, d_mu = jacobian(self.model, imp, local, len(active))
        return imp, active, d_sigma, d_mu

    def own_parameters(self, g: int) -> np.ndarray:
        """The positions in θ of group ``g``'s own parameters, ascending (those its Σ and μ
        depend on)."""
        return self._local[g][0]

    @property
    def layout(self) -> tuple[Part, ...]:
        """The parts of θ that share no group (:func:`.blocks.parts` of the groups' own
        parameters): the information, and every robust correction's q × q matrix, is zero
        between them."""
        if self._layout is None:
            self._layout = tuple(parts([active for active, _ in self._local], self.model.n_par))
        return self._layout

    def like(self, model: Model) -> Problem:
        """The same data and blocks fitted by another model (the baseline)."""
        other = Problem(model, self.stats, self._blocks, self.offset, self._rows)
        other.saturated_logl = self.saturated_logl
        other.logdet_s = list(self.logdet_s)
        return other

    def jacobian(self, theta: np.ndarray, g: int, q: int | None = None, extra: list[Row] | None = None,
                 ) -> tuple[Implied, np.ndarray, np.ndarray]:
        """Implied moments of group ``g`` and their (q, p, p), (q, p) Jacobians."""
        q = self.model.n_par if q is None else q
        imp = implied(self.model, theta, g)
        d_sigma, d_mu = jacobian(self.model, imp, self.pos[g], q)
        if extra:
            ds, dm = jacobian(self.model, imp, positions(self.model, g, extra), q)
            d_sigma += ds
            d_mu += dm
        return imp, d_sigma, d_mu


class Reparametrized(Problem):
    """The ML problem over the free coordinates x of linear constraints, θ = θ₀ + K x.

    F(x) = F(θ(x)), ∇ₓF = Kᵀ ∇F and Iₓ = Kᵀ I K (see :mod:`servq.stats.sem.constraints`).

    Parameters
    ----------
    model : Model
        The parameter table, whose ``constraints.linear`` gives θ₀ and K.
    stats : SampleStats
        The sample statistics of each group.

    References
    ----------
    Nocedal, J. & Wright, S. J. (2006). Numerical Optimization, 2nd ed. New York: Springer
    (section 15.3).

    Examples
    --------
    Two loadings constrained equal leave one coordinate for both (R: ``cfa("f =~ x1 +
    a*x2 + b*x3; a == b", ...)`` has npar one less than without the constraint):

    >>> from servq.stats.sem.syntax import parse
    >>> from servq.stats.sem.model import build
    >>> m = build(parse("f =~ x1 + a*x2 + b*x3\\na == b"))
    >>> s = np.array([[1.0, 0.5, 0.4], [0.5, 1.2, 0.6], [0.4, 0.6, 0.9]])
    >>> problem = Reparametrized(m, SampleStats((s,), (None,), (100,)))
    >>> x = problem.linear.x(np.array([1.2, 1.2, 0.5, 0.5, 0.5, 0.4]))
    >>> len(x), problem.linear.theta(x).round(6).tolist()[:2]
    (5, [1.2, 1.2])
    """

    def __init__(self, model: Model, stats: SampleStats):
        super().__init__(model, stats)
        linear = model.constraints.linear
        self.linear: Linear = linear if linear is not None else Linear(np.eye(model.n_par), np.zeros(model.n_par))

    def objective(self, theta: np.ndarray) -> float:
        """F at the coordinates x (named ``theta`` as in :class:`Problem`)."""
        return super().objective(self.linear.theta(theta))

    def gradient_information(self, theta: np.ndarray, extra: list[Row] | None = None,
                             information: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """Kᵀ∇F and Kᵀ I K at the coordinates x (``extra`` is not supported here)."""
        grad, info = super().gradient_information(self.linear.theta(theta), information=information)
        basis = self.linear.basis
        return basis.T @ grad, basis.T @ info @ basis


@dataclass(frozen=True)
class Optimum:
    """The result of :func:`minimize`: estimates, minimum, gradient and information.

    Parameters
    ----------
    theta : ndarray
        The estimates θ̂.
    fmin : float
        F at θ̂ (χ² = N·fmin).
    gradient : ndarray
        ∇F at θ̂.
    information : ndarray
        Unit expected information I(θ̂); Cov(θ̂) = (N·I)⁻¹.
    iterations : int
        Iterations used (Fisher scoring plus BFGS).
    converged : bool
        Whether the gradient criterion was met.
    method : str
        "fisher-scoring" or "fisher-scoring+bfgs".

    References
    ----------
    Lee, S.-Y. & Jennrich, R. I. (1979). A study of algorithms for covariance structure
    analysis with specific comparisons using factor analysis. Psychometrika, 44(1), 99–113.

    Examples
    --------
    See :func:`minimize`; R's ``lavInspect(fit, "converged")`` and ``lavInspect(fit,
    "iterations")`` report the same kind of information.

    >>> opt = Optimum(np.zeros(1), 0.0, np.zeros(1), np.eye(1), 3, True, "fisher-scoring")
    >>> opt.converged, opt.method
    (True, 'fisher-scoring')
    """

    theta: np.ndarray
    fmin: float
    gradient: np.ndarray
    information: np.ndarray
    iterations: int
    converged: bool
    method: str


def minimize(problem: Problem, start: np.ndarray, *, max_iter: int = 500, tol: float = 1e-15,
             ) -> Optimum:
    """Minimise F from ``start``: Fisher scoring with step halving, then BFGS if needed.

    Each Fisher-scoring step solves I·δ = −½∇F and backtracks (Armijo) until F decreases;
    when scoring stalls short of the gradient criterion, scipy's BFGS continues from there.

    Parameters
    ----------
    problem : Problem
        The model and the sample statistics.
    start : ndarray
        Starting values (:func:`~servq.stats.sem.start.start_values`).
    max_iter : int
        Largest number of Fisher-scoring steps.
    tol : float
        Relative tolerance on the Newton decrement −∇Fᵀδ (≈ 2(F − F̂)). It is near the
        rounding of F, as :func:`minimize_constrained`'s: a parameter the data determine
        weakly (a small variance, the slope variance of a growth model) is only within
        √(decrement / its curvature) of the optimum, 2e-6 on a variance of .05 at 1e-10.

    Returns
    -------
    Optimum
        The estimates, F at them, the gradient, the expected information and convergence.

    Raises
    ------
    ValueError
        When the starting values give an implied covariance matrix that is not positive
        definite.

    References
    ----------
    Lee, S.-Y. & Jennrich, R. I. (1979). A study of algorithms for covariance structure
    analysis with specific comparisons using factor analysis. Psychometrika, 44(1), 99–113.
    Nocedal, J. & Wright, S. J. (2006). Numerical Optimization, 2nd ed. New York: Springer
    (line search, BFGS).

    Examples
    --------
    The saturated one-factor model has closed-form estimates λ_b = s_bc/s_ac = 1.5,
    λ_c = s_bc/s_ab = 1.2, ψ = s_ab·s_ac/s_bc = .33 (S divided by N), as
    ``coef(cfa("f =~ a + b + c", sample.cov = S, sample.nobs = 100))`` in R:

    >>> from servq.stats.sem.syntax import parse
    >>> from servq.stats.sem.model import build
    >>> from servq.stats.sem.start import start_values
    >>> s = np.array([[1.0, 0.5, 0.4], [0.5, 1.2, 0.6], [0.4, 0.6, 0.9]])
    >>> m, st = build(parse("f =~ a + b + c")), SampleStats((0.99 * s,), (None,), (100,))
    >>> opt = minimize(Problem(m, st), start_values(m, st))
    >>> opt.converged, np.round(opt.theta, 4).tolist()
    (True, [1.5, 1.2, 0.66, 0.4455, 0.4158, 0.33])
    """
    theta = np.asarray(start, dtype=float).copy()
    f = problem.objective(theta)
    if not np.isfinite(f):
        raise ValueError("the starting values give a model-implied covariance matrix that is "
                         "not positive definite; give start() values in the model")
    converged = False
    it = 0
    for it in range(1, max_iter + 1):  # noqa: B007 (it is read after the loop: the iteration count)
        grad, info = problem.gradient_information(theta)
        step = _solve(info, -0.5 * grad)
        decrement = -grad @ step
        if decrement < tol * (1.0 + abs(f)) and np.max(np.abs(grad)) < 1e-6:
            converged = True
            break
        alpha, improved = 1.0, False
        for _ in range(40):
            trial = theta + alpha * step
            f_trial = problem.objective(trial)
            if np.isfinite(f_trial) and f_trial <= f + 1e-4 * alpha * grad @ step:
                improved = True
                break
            alpha *= 0.5
        if not improved:
            break
        change = abs(f - f_trial)
        theta, f = trial, f_trial
        if change < 1e-15 * (1.0 + abs(f)) and alpha * np.max(np.abs(step)) < 1e-12:
            break
    method = "fisher-scoring"
    grad, info = problem.gradient_information(theta)
    if not converged:
        converged = _gradient_small(grad, info)
    if not converged:
        def gradient(t: np.ndarray) -> np.ndarray:  # a named function: scipy-stubs' overloads reject the lambda
            return problem.gradient_information(t)[0]

        res = optimize.minimize(problem.objective, theta, jac=gradient,
                                method="BFGS", options={"gtol": 1e-10, "maxiter": 5000})
        if np.isfinite(res.fun) and res.fun <= f:
            theta, f = res.x, float(res.fun)
        it += int(res.nit)
        method = "fisher-scoring+bfgs"
        grad, info = problem.gradient_information(theta)
        converged = _gradient_small(grad, info)
    return Optimum(theta, f, grad, info, it, converged, method)


def _gradient_small(grad: np.ndarray, info: np.ndarray) -> bool:
    step = _solve(info, -0.5 * grad)
    return bool(np.all(np.isfinite(step)) and -grad @ step < 1e-9 and np.max(np.abs(grad)) < 1e-5)


def _solve(info: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    """``info⁻¹ rhs``: by Cholesky when the information is positive definite (as it is near an
    optimum; half LU's work, which counts with thousands of parameters), else by LU, else by
    least squares."""
    try:
        return linalg.cho_solve(linalg.cho_factor(info, check_finite=False), rhs, check_finite=False)
    except (np.linalg.LinAlgError, ValueError):
        pass
    try:
        return np.linalg.solve(info, rhs)
    except np.linalg.LinAlgError:
        return np.linalg.lstsq(info, rhs, rcond=None)[0]


@dataclass(frozen=True)
class Constrained:
    """The result of :func:`minimize_constrained`: the optimum and the binding constraints.

    Parameters
    ----------
    optimum : Optimum
        Estimates (in the coordinates of the problem), F, gradient and information.
    jacobian : ndarray
        (k, q) Jacobian of the equalities and of the active inequalities at the optimum
        (the rows of lavaan's ``con.jac`` that are not ``inactive.idx``).
    active : tuple of int
        Indices of the conditions treated as equalities (the equalities and the inequalities
        with c ≤ 10⁻⁵ at the optimum).

    References
    ----------
    Nocedal, J. & Wright, S. J. (2006). Numerical Optimization, 2nd ed. New York: Springer
    (chapter 18, sequential quadratic programming).

    Examples
    --------
    See :func:`minimize_constrained`; in R, ``fit@Model@con.jac`` holds the Jacobian and its
    ``inactive.idx`` attribute the inequalities left out.

    >>> opt = Optimum(np.zeros(1), 0.0, np.zeros(1), np.eye(1), 3, True, "sqp")
    >>> Constrained(opt, np.zeros((0, 1)), ()).active
    ()
    """

    optimum: Optimum
    jacobian: np.ndarray
    active: tuple[int, ...]


ACTIVE_SLACK = 1e-5  # lavaan 0.6-14: an inequality with c(θ̂) ≤ 1e-5 is active


def minimize_constrained(problem: Problem, start: np.ndarray, values, jacobian, equality: np.ndarray, *,
                         max_iter: int = 500) -> Constrained:
    """Minimise F subject to c_i(θ) = 0 (``equality``) and c_i(θ) ≥ 0 (the others).

    An active-set method around an equality-constrained SQP. The unconstrained optimum
    (:func:`minimize`) comes first; while an inequality is violated it joins the working set
    (and leaves it again when its Lagrange multiplier turns negative), and the problem with
    the working set as equalities is solved by SQP steps

        [[2 I, Jᵀ], [J, 0]] [δ; ν] = [−∇F; −c],

    with the expected information I for the Hessian of F (Fisher scoring), backtracked on the
    ℓ₁ merit F + ρ Σ|c_i| with a second-order correction against the Maratos effect. The
    fixed point is the KKT point (∇F = Jᵀλ, c = 0) whatever Hessian is used, so the
    constraints hold to rounding. lavaan 0.6-14 reaches the same point with its augmented
    Lagrangian (``nlminb.constr``), which stops at a constraint violation below 10⁻⁶.

    Parameters
    ----------
    problem : Problem
        The fitting problem (its coordinates: θ, or x under linear ``==``).
    start : ndarray
        Starting values.
    values : callable
        c(x): the (m,) constraint values.
    jacobian : callable
        ∂c/∂x: (m, q).
    equality : ndarray of bool
        (m,) which constraints are equalities.
    max_iter : int
        Largest number of SQP steps per working set.

    Returns
    -------
    Constrained
        The optimum, the Jacobian of the binding constraints and their indices.

    Raises
    ------
    ValueError
        When the starting values give an implied covariance matrix that is not positive
        definite.

    References
    ----------
    Nocedal, J. & Wright, S. J. (2006). Numerical Optimization, 2nd ed. New York: Springer
    (sections 15.5, 16.5 and 18.3: active sets, SQP, merit functions, second-order correction).
    Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. Journal of
    Statistical Software, 48(2), 1–36.

    Examples
    --------
    A one-factor model whose first loading is held at 1.6 or above (R:
    ``cfa("f =~ x1 + a*x2 + x3; a > 1.6", sample.cov = S, sample.nobs = 100)``; its ML
    estimate without the bound is 1.5):

    >>> from servq.stats.sem.syntax import parse
    >>> from servq.stats.sem.model import build
    >>> from servq.stats.sem.start import start_values
    >>> s = np.array([[1.0, 0.5, 0.4], [0.5, 1.2, 0.6], [0.4, 0.6, 0.9]])
    >>> m, st = build(parse("f =~ a + b + c")), SampleStats((0.99 * s,), (None,), (100,))
    >>> res = minimize_constrained(Problem(m, st), start_values(m, st), lambda t: np.array([t[0] - 1.6]),
    ...                            lambda t: np.eye(1, len(t)), np.array([False]))
    >>> res.active, round(float(res.optimum.theta[0]), 10), res.optimum.converged
    ((0,), 1.6, True)
    """
    equality = np.asarray(equality, dtype=bool)
    opt = minimize(problem, start)
    x = opt.theta
    working = set(np.flatnonzero(equality).tolist())
    iterations = opt.iterations
    converged = opt.converged
    multipliers: dict[int, float] = {}
    for _ in range(4 * len(equality) + 4):
        c = values(x)
        violated = [i for i in range(len(c)) if i not in working and c[i] < -1e-10]
        wrong = [i for i in working if not equality[i] and multipliers.get(i, 0.0) < -1e-8]
        if not violated and not wrong and (not working or multipliers):
            break
        if violated:
            working |= set(violated)
        elif wrong:
            working.discard(min(wrong, key=lambda i: multipliers[i]))
        idx = sorted(working)
        x, lam, it, converged = _sqp(problem, x, _rows(values, idx), _rows(jacobian, idx), max_iter)
        iterations += it
        multipliers = dict(zip(idx, lam))
    c = values(x)
    active = tuple(i for i in range(len(c)) if equality[i] or c[i] <= ACTIVE_SLACK)
    grad, info = problem.gradient_information(x)
    method = "fisher-scoring" if not active else "sqp"
    optimum = Optimum(x, problem.objective(x), grad, info, iterations, bool(converged), method)
    return Constrained(optimum, jacobian(x)[list(active)].reshape(len(active), len(x)), active)


def _rows(function, idx: list[int]):
    """x ↦ function(x)[idx]."""
    return lambda x: function(x)[idx]


def _sqp(problem: Problem, x: np.ndarray, values, jacobian, max_iter: int,
         ) -> tuple[np.ndarray, np.ndarray, int, bool]:
    """Equality-constrained SQP from x: the solution, its multipliers λ (∇F = Jᵀλ), the
    iterations and whether the KKT conditions were met."""
    f = problem.objective(x)
    rho = 1.0
    lam = np.zeros(len(values(x)))
    for it in range(1, max_iter + 1):
        grad, info = problem.gradient_information(x)
        c, jac = np.real(values(x)), jacobian(x)
        q, m = len(x), len(c)
        kkt = np.block([[2.0 * info, jac.T], [jac, np.zeros((m, m))]])
        sol = _solve(kkt, -np.concatenate([grad, c]))
        step, lam = sol[:q], -sol[q:]
        if (step @ info @ step < 1e-15 * (1.0 + abs(f)) and np.max(np.abs(grad - jac.T @ lam)) < 1e-7
                and np.max(np.abs(c), initial=0.0) < 1e-12):
            return x, lam, it, True
        rho = max(rho, 2.0 * np.max(np.abs(lam), initial=0.0))
        merit = f + rho * np.sum(np.abs(c))
        slope = grad @ step - rho * np.sum(np.abs(c))
        trial = x + step
        f_trial = problem.objective(trial)
        if not (np.isfinite(f_trial) and f_trial + rho * np.sum(np.abs(values(trial))) <= merit + 1e-4 * slope):
            correction = -jac.T @ _solve(jac @ jac.T, np.real(values(trial)))  # second-order correction
            trial = x + step + correction
            f_trial = problem.objective(trial)
            alpha = 1.0
            while not (np.isfinite(f_trial) and f_trial + rho * np.sum(np.abs(values(trial))) <= merit + 1e-4 * alpha * slope):
                alpha *= 0.5
                if alpha < 1e-12:
                    return x, lam, it, False
                trial = x + alpha * step
                f_trial = problem.objective(trial)
        x, f = trial, f_trial
    return x, lam, max_iter, False
