"""Exploratory factor analysis as R ``psych::fa``, with KMO, Bartlett's test and parallel analysis.

Everything works from a correlation matrix R (p × p) and the number of respondents n, so it
runs on sufficient statistics; the functions also take raw data (a DataFrame or a 2-D
array, NaN = missing) and then compute R from pairwise-complete observations and take n as
the number of rows, as psych does (``missing="listwise"`` uses complete rows only). A
square symmetric matrix with a positive diagonal is taken to be a correlation or covariance
matrix (covariances are rescaled to correlations), again as psych does
(:func:`~servq.stats.correlation.as_correlation`).

Extraction (psych 2.2.9 ``fac``):

- ``minres``: unweighted least squares, minimise ½‖R − Ψ − ΛΛᵀ‖² over the uniquenesses Ψ,
  Λ from the top eigenpairs of R − Ψ (whose optimum is Harman's minimum residual
  solution, psych's objective); started at Ψ = 1 − SMC, bounded to [0.005, 1].
- ``ml``: maximum likelihood, minimise −Σ_{j>k}(log e_j − e_j) − k + p over Ψ, e the
  eigenvalues of Ψ^-½ R Ψ^-½ (as ``factanal``), same start and bounds.

Both use L-BFGS-B with the analytic gradient diag(ΛΛᵀ + Ψ − R) (divided by Ψ² for ML).
psych's minres minimises the off-diagonal residuals with this (ULS) gradient; the two share
their optimum unless a uniqueness reaches the bound (a Heywood case), where psych stops at
an ill-defined point between them and servq returns the bounded ULS optimum: loadings of
such items can then differ from psych's by about 1e-3 (``EFAResult.heywood`` names them).
Then, as psych: column signs so loadings sum positive, rotation (:mod:`.rotation`), signs
again, columns ordered by variance explained diag(ΦΛᵀΛ), named by their position before
ordering (``MR2`` first is psych's output too).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .correlation import as_correlation, smc
from .numbers import finite, finite_list
from .rotation import ROTATIONS
from .rotation import rotate as _rotate

METHODS = {"minres": "MR", "ml": "ML"}
_LOWER = 0.005  # psych's lower bound on uniquenesses


# ---------------------------------------------------------------------------------------------
# a correlation matrix made positive definite (R from data: :mod:`.correlation`)


def _smooth(r: np.ndarray) -> np.ndarray:
    """``psych::cor.smooth``: a correlation matrix that is not positive definite made so."""
    w, v = np.linalg.eigh(r)
    if w.min() >= np.finfo(float).eps:
        return r
    w = np.where(w < 1e-12, 1e-10, w)
    s = (v * (w * len(w) / w.sum())) @ v.T
    d = np.sqrt(np.diag(s))
    return s / np.outer(d, d)


# ---------------------------------------------------------------------------------------------
# extraction


def _top(s: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The k largest eigenvalues (descending) of symmetric s and their eigenvectors."""
    w, v = np.linalg.eigh(s)
    return w[::-1][:k], v[:, ::-1][:, :k]


def _minres_objective(psi: np.ndarray, r: np.ndarray, k: int):
    s = r - np.diag(psi)
    w, v = _top(s, k)
    lam = v * np.sqrt(np.maximum(w, 0))
    resid = s - lam @ lam.T
    return 0.5 * float((resid * resid).sum()), -np.diag(resid).copy()


def _ml_objective(psi: np.ndarray, r: np.ndarray, k: int):
    sc = 1 / np.sqrt(psi)
    w, v = np.linalg.eigh(r * np.outer(sc, sc))
    e = w[: len(psi) - k]
    f = -float(np.sum(np.log(e) - e)) - k + len(psi)
    lam = v[:, -k:] * np.sqrt(np.maximum(w[-k:] - 1, 0)) / sc[:, None]
    return f, ((lam * lam).sum(axis=1) + psi - np.diag(r)) / psi**2


def _loadings(psi: np.ndarray, r: np.ndarray, k: int, method: str) -> np.ndarray:
    if method == "minres":
        w, v = _top(r - np.diag(psi), k)
        return v * np.sqrt(np.maximum(w, 0))
    sq = np.sqrt(psi)
    w, v = _top(r / np.outer(sq, sq), k)
    return sq[:, None] * v * np.sqrt(np.maximum(w - 1, 0))


def extract(r: np.ndarray, k: int, method: str = "minres") -> tuple[np.ndarray, bool]:
    """Unrotated loadings (p × k, columns summing positive) and whether the fit converged.

    Minimises the ``method`` objective over the uniquenesses Ψ by L-BFGS-B from Ψ = 1 − SMC
    within [0.005, max(1, SMC)] (see the module docstring), then takes the loadings from the
    top k eigenpairs.

    Parameters
    ----------
    r : ndarray
        (p, p) correlation matrix.
    k : int
        Number of factors.
    method : {"minres", "ml"}
        Minimum residual (unweighted least squares) or maximum likelihood.

    Returns
    -------
    loadings : ndarray
        (p, k) unrotated loadings, each column with a positive sum.
    converged : bool
        Whether the projected gradient vanished (or the optimizer reported success).

    References
    ----------
    Harman, H. H. & Jones, W. H. (1966). Factor analysis by minimizing residuals (minres).
    Psychometrika, 31(3), 351–368. Jöreskog, K. G. (1967). Some contributions to maximum
    likelihood factor analysis. Psychometrika, 32(4), 443–482. Revelle, W. (2022). psych:
    Procedures for Psychological, Psychometric, and Personality Research, version 2.2.9
    (``fa``, ``fac``).

    Examples
    --------
    Three variables fit one factor exactly: λ₁ = √(r₁₂r₁₃/r₂₃) = √(2/3) and so on, as
    ``psych::fa(r, 1, rotate = "none")$loadings`` in R:

    >>> r = np.array([[1, .5, .4], [.5, 1, .3], [.4, .3, 1]])
    >>> lam, converged = extract(r, 1)
    >>> np.round(lam, 4).tolist(), converged
    ([[0.8165], [0.6124], [0.4899]], True)
    """
    from scipy.optimize import minimize

    s = smc(r)
    upper = max(1.0, s.max())
    fun = _minres_objective if method == "minres" else _ml_objective
    res = minimize(fun, 1 - s, args=(r, k), jac=True, method="L-BFGS-B", bounds=[(_LOWER, upper)] * len(r),
                   options={"ftol": 1e-15, "gtol": 1e-9, "maxiter": 5000, "maxcor": 20})
    # L-BFGS-B may stop on a line search it cannot improve at machine precision: judge
    # convergence by the gradient projected on the bounds instead
    g = res.jac
    free = ~(((res.x <= _LOWER) & (g > 0)) | ((res.x >= upper) & (g < 0)))
    converged = bool(res.success or np.abs(g[free]).max(initial=0.0) < 1e-6)
    lam = _loadings(res.x, r, k, method)
    sign = np.where(lam.sum(axis=0) < 0, -1.0, 1.0)
    return lam * sign, converged


# ---------------------------------------------------------------------------------------------
# the model


@dataclass(frozen=True, eq=False)
class EFAResult:
    """A fitted exploratory factor model, as the object ``psych::fa`` returns.

    It holds psych::fa's ``loadings``, ``Phi``, ``communality``, ``uniquenesses``,
    ``Vaccounted``, ``e.values``, ``values``, ``STATISTIC``, ``dof``, ....
    ``loadings`` is the rotated pattern matrix (items × factors); ``phi`` the factor
    correlations (None for orthogonal or no rotation); ``ss_loadings`` the variance each
    factor explains, diag(ΦΛᵀΛ); ``eigenvalues`` those of R and ``factor_eigenvalues`` those
    of R with the communalities on the diagonal (the two scree lines). The fit statistics
    are None without n. ``chi_square`` is psych's ``STATISTIC``: with F = tr(M⁻¹R) −
    log|M⁻¹R| − p and M = ΛΦΛᵀ with unit diagonal, χ² = F·(n − 1 − (2p + 5)/6 − 2k/3) on
    ``dof`` = p(p − 1)/2 − pk + k(k − 1)/2 degrees of freedom.

    Parameters
    ----------
    items : tuple of str
        Item names.
    factors : tuple of str
        Factor names (``MR1`` …, ``ML1`` …; numbered before ordering, as psych).
    method : str
        Extraction method.
    rotation : str
        Rotation.
    n : int or None
        Number of respondents.
    loadings : ndarray
        (p, k) rotated pattern matrix.
    phi : ndarray or None
        (k, k) factor correlations of an oblique rotation.
    communalities, uniquenesses : ndarray
        (p,) h² and u² = 1 − h².
    ss_loadings : ndarray
        (k,) variance explained by each factor.
    eigenvalues, factor_eigenvalues : ndarray
        (p,) eigenvalues of R and of R with the communalities on the diagonal.
    dof : int
        Degrees of freedom of the model.
    objective : float
        The fit function F.
    chi_square, p_value, rmsea, tli : float or None
        Fit statistics (None without ``n``).
    converged : bool
        Whether the extraction converged.

    References
    ----------
    Revelle, W. (2022). psych: Procedures for Psychological, Psychometric, and Personality
    Research, version 2.2.9 (``fa``, ``fa.stats``). Tucker, L. R. & Lewis, C. (1973). A
    reliability coefficient for maximum likelihood factor analysis. Psychometrika, 38(1),
    1–10. Lawley, D. N. & Maxwell, A. E. (1971). Factor Analysis as a Statistical Method,
    2nd ed. London: Butterworths.

    Examples
    --------
    Two factors of three items each; the variance explained and the item–factor
    correlations, as ``f$Vaccounted["SS loadings", ]`` and ``f$Structure`` of
    ``f <- psych::fa(r, 2, n.obs = 200)`` in R:

    >>> lam = np.zeros((6, 2))
    >>> lam[:3, 0], lam[3:, 1] = [0.8, 0.7, 0.6], [0.5, 0.6, 0.7]
    >>> r = lam @ np.array([[1, 0.3], [0.3, 1]]) @ lam.T
    >>> np.fill_diagonal(r, 1)
    >>> f = efa(r, 2, n=200)
    >>> f.factors, f.ss_loadings.round(3).tolist(), f.dof, f.heywood
    (('MR1', 'MR2'), [1.49, 1.1], 4, ())
    >>> f.structure.round(3)[:, 1].tolist()
    [0.24, 0.21, 0.18, 0.5, 0.6, 0.7]
    """

    items: tuple[str, ...]
    factors: tuple[str, ...]
    method: str
    rotation: str
    n: int | None
    loadings: np.ndarray
    phi: np.ndarray | None
    communalities: np.ndarray
    uniquenesses: np.ndarray
    ss_loadings: np.ndarray
    eigenvalues: np.ndarray
    factor_eigenvalues: np.ndarray
    dof: int
    objective: float
    chi_square: float | None
    p_value: float | None
    rmsea: float | None
    tli: float | None
    converged: bool

    @property
    def n_factors(self) -> int:
        """Number of factors k."""
        return len(self.factors)

    @property
    def heywood(self) -> tuple[str, ...]:
        """Items whose uniqueness is at psych's lower bound 0.005 or below (Heywood cases)."""
        return tuple(i for i, u in zip(self.items, self.uniquenesses) if u <= _LOWER + 1e-6)

    @property
    def proportion_var(self) -> np.ndarray:
        """Share of the total variance (p) each factor explains (psych's ``Proportion Var``)."""
        return self.ss_loadings / len(self.items)

    @property
    def structure(self) -> np.ndarray:
        """Item–factor correlations ΛΦ (the loadings when orthogonal)."""
        return self.loadings if self.phi is None else self.loadings @ self.phi

    def to_frame(self) -> pd.DataFrame:
        """Items × (factors, ``h2`` communality, ``u2`` uniqueness)."""
        df = pd.DataFrame(self.loadings, index=list(self.items), columns=list(self.factors))
        df["h2"] = self.communalities
        df["u2"] = self.uniquenesses
        return df

    def to_dict(self) -> dict:
        """JSON-able dict of the solution, the fit statistics and the Heywood items."""
        return {
            "method": self.method, "rotation": self.rotation, "n": self.n,
            "items": list(self.items), "factors": list(self.factors),
            "loadings": finite_list(self.loadings),
            "phi": None if self.phi is None else finite_list(self.phi),
            "communalities": finite_list(self.communalities), "uniquenesses": finite_list(self.uniquenesses),
            "ss_loadings": finite_list(self.ss_loadings), "proportion_var": finite_list(self.proportion_var),
            "eigenvalues": finite_list(self.eigenvalues),
            "factor_eigenvalues": finite_list(self.factor_eigenvalues),
            "fit": {"dof": self.dof, "objective": finite(self.objective), "chi_square": finite(self.chi_square),
                    "p_value": finite(self.p_value), "rmsea": finite(self.rmsea), "tli": finite(self.tli)},
            "converged": self.converged, "heywood": list(self.heywood),
        }


def _fit_statistics(r: np.ndarray, lam: np.ndarray, phi: np.ndarray | None, n: int | None) -> dict:
    """psych's ``fa.stats``: objective, χ² (``STATISTIC``), p, RMSEA and TLI."""
    from scipy.special import chdtrc

    p, k = lam.shape
    model = lam @ (np.eye(k) if phi is None else phi) @ lam.T
    np.fill_diagonal(model, 1.0)
    rs = _smooth(r)
    m = np.linalg.solve(_smooth(model), rs)
    objective = float(np.trace(m) - np.linalg.slogdet(m)[1] - p)
    dof = p * (p - 1) // 2 - p * k + k * (k - 1) // 2
    out = {"dof": dof, "objective": objective, "chi_square": None, "p_value": None, "rmsea": None, "tli": None}
    if n is None:
        return out
    nm = (n - 1) - (2 * p + 5) / 6 - 2 * k / 3
    chisq = objective * nm
    out["chi_square"] = max(chisq, 0.0)
    if dof > 0:
        out["p_value"] = float(chdtrc(dof, out["chi_square"]))
        out["rmsea"] = float(np.sqrt(max(chisq / (dof * n) - 1 / (n - 1), 0.0)))
        f0 = float(np.trace(rs) - np.linalg.slogdet(rs)[1] - p)
        m0 = f0 * 2 / (p * (p - 1))
        out["tli"] = float((m0 - objective / dof) / (m0 - 1 / nm))
    return out


def efa(data, n_factors: int, *, method: str = "minres", rotate: str = "oblimin",
        n: int | None = None, missing: str = "pairwise") -> EFAResult:
    """Exploratory factor analysis: ``method`` extraction of ``n_factors``, then ``rotate``.

    Parameters
    ----------
    data : DataFrame or 2-D array
        Answers (rows = respondents, NaN = missing) or a correlation / covariance matrix.
    n_factors : int
        Number of factors k, 1 ≤ k < p.
    method : {"minres", "ml"}
        Minimum residual (unweighted least squares) or maximum likelihood.
    rotate : {"oblimin", "promax", "varimax", "none"}
        See :mod:`servq.stats.rotation`; oblique rotations give ``phi``.
    n : int, optional
        Number of respondents when ``data`` is a matrix (for χ², RMSEA, TLI).
    missing : {"pairwise", "listwise"}
        How raw data with missing answers is correlated.

    Returns
    -------
    EFAResult
        The rotated solution, communalities, eigenvalues and fit statistics.

    Raises
    ------
    ValueError
        For an unknown ``method`` or ``rotate``, ``n_factors`` outside 1 … p − 1, ML on a
        correlation matrix that is not positive definite, or data that cannot be
        correlated (:func:`~servq.stats.correlation.as_correlation`).

    References
    ----------
    Revelle, W. (2022). psych: Procedures for Psychological, Psychometric, and Personality
    Research, version 2.2.9 (``fa``). Harman, H. H. & Jones, W. H. (1966). Factor analysis
    by minimizing residuals (minres). Psychometrika 31, 351–368.

    Examples
    --------
    Two factors of three items each (loadings .8 .7 .6 and .5 .6 .7), correlating .3:

    >>> lam = np.zeros((6, 2))
    >>> lam[:3, 0], lam[3:, 1] = [0.8, 0.7, 0.6], [0.5, 0.6, 0.7]
    >>> r = lam @ np.array([[1, 0.3], [0.3, 1]]) @ lam.T
    >>> np.fill_diagonal(r, 1)
    >>> f = efa(r, 2, n=200)  # R: psych::fa(r, 2, n.obs = 200)
    >>> (np.round(f.loadings, 3) + 0.0).tolist(), round(float(f.phi[0, 1]), 3)
    ([[0.8, 0.0], [0.7, 0.0], [0.6, 0.0], [0.0, 0.5], [0.0, 0.6], [0.0, 0.7]], 0.3)
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}; got {method!r}")
    if rotate not in ROTATIONS:
        raise ValueError(f"rotate must be one of {', '.join(ROTATIONS)}; got {rotate!r}")
    r, items, n = as_correlation(data, n, missing)
    p = len(items)
    if not (isinstance(n_factors, (int, np.integer)) and 1 <= n_factors < p):
        raise ValueError(f"n_factors must be a whole number from 1 to {p - 1} (items − 1); got {n_factors!r}")
    k = int(n_factors)
    if method == "ml" and np.linalg.eigvalsh(r)[0] <= 0:
        raise ValueError("maximum likelihood needs a positive definite correlation matrix (pairwise "
                         "correlations can make it indefinite); use method='minres' or missing='listwise'")
    unrotated, converged = extract(r, k, method)
    lam, phi = _rotate(unrotated, rotate)
    sign = np.where(lam.sum(axis=0) < 0, -1.0, 1.0)
    lam = lam * sign
    if phi is not None:
        phi = phi * np.outer(sign, sign)
    ss = np.diag((np.eye(k) if phi is None else phi) @ lam.T @ lam)
    order = np.argsort(-ss, kind="stable") if k > 1 else np.arange(1)
    lam, ss = lam[:, order], ss[order]
    if phi is not None:
        phi = phi[np.ix_(order, order)]
    h2 = (unrotated * unrotated).sum(axis=1)
    reduced = r.copy()
    np.fill_diagonal(reduced, h2)
    return EFAResult(
        items=tuple(items), factors=tuple(f"{METHODS[method]}{j + 1}" for j in order),
        method=method, rotation=rotate, n=n, loadings=lam, phi=phi, communalities=h2,
        uniquenesses=1 - h2, ss_loadings=ss,
        eigenvalues=np.linalg.eigvalsh(r)[::-1], factor_eigenvalues=np.linalg.eigvalsh(reduced)[::-1],
        converged=converged, **_fit_statistics(r, lam, phi, n),
    )


# ---------------------------------------------------------------------------------------------
# sampling adequacy, sphericity and the number of factors


@dataclass(frozen=True, eq=False)
class KMOResult:
    """Kaiser–Meyer–Olkin measure of sampling adequacy: overall ``msa`` and per item.

    Parameters
    ----------
    items : tuple of str
        Item names.
    msa : float
        Overall KMO (psych's ``MSA``).
    msa_items : ndarray
        KMO of each item (psych's ``MSAi``).

    References
    ----------
    Kaiser, H. F. (1970). A second generation little jiffy. Psychometrika, 35(4), 401–415.
    Kaiser, H. F. & Rice, J. (1974). Little Jiffy, Mark IV. Educational and Psychological
    Measurement, 34(1), 111–117.

    Examples
    --------
    >>> r = np.array([[1, .5, .4], [.5, 1, .3], [.4, .3, 1]])
    >>> kmo(r).to_frame()["msa"].round(4).tolist()  # R: psych::KMO(r)$MSAi
    [0.5938, 0.6241, 0.6994]
    """

    items: tuple[str, ...]
    msa: float
    msa_items: np.ndarray

    def to_frame(self) -> pd.DataFrame:
        """One row per item: its ``msa``."""
        return pd.DataFrame({"msa": self.msa_items}, index=list(self.items))

    def to_dict(self) -> dict:
        """JSON-able dict: overall ``msa`` and ``items`` (name → msa)."""
        return {"msa": finite(self.msa), "items": dict(zip(self.items, finite_list(self.msa_items)))}


def kmo(data, missing: str = "pairwise") -> KMOResult:
    """KMO = Σ r²_ij / (Σ r²_ij + Σ q²_ij) over i ≠ j, q the partial (anti-image) correlations.

    q_ij = −P_ij/√(P_ii P_jj), P = R⁻¹; per item the sums run over j only. Kaiser's
    verdicts: ≥ .9 marvelous, .8 meritorious, .7 middling, .6 mediocre, .5 miserable,
    below unacceptable. ``data`` is answers or a correlation matrix, as for :func:`efa`.

    Parameters
    ----------
    data : DataFrame or 2-D array
        Answers (rows = respondents, NaN = missing) or a correlation / covariance matrix.
    missing : {"pairwise", "listwise"}
        How raw data with missing answers is correlated.

    Returns
    -------
    KMOResult
        The overall and per-item measures.

    Raises
    ------
    ValueError
        When the correlation matrix is singular, or the data cannot be correlated.

    References
    ----------
    Kaiser, H. F. (1970). A second generation little jiffy. Psychometrika, 35(4), 401–415.
    Kaiser, H. F. & Rice, J. (1974). Little Jiffy, Mark IV. Educational and Psychological
    Measurement, 34(1), 111–117. Revelle, W. (2022). psych 2.2.9 (``KMO``).

    Examples
    --------
    >>> r = np.array([[1, .5, .4], [.5, 1, .3], [.4, .3, 1]])
    >>> round(kmo(r).msa, 4)  # R: psych::KMO(r)$MSA
    0.6279
    """
    r, items, _ = as_correlation(data, None, missing)
    try:
        q = np.linalg.inv(r)
    except np.linalg.LinAlgError:
        raise ValueError("KMO needs an invertible correlation matrix (no item a linear "
                         "combination of others)") from None
    d = np.sqrt(np.diag(q))
    q = q / np.outer(d, d)
    off = ~np.eye(len(r), dtype=bool)
    r2, q2 = np.where(off, r * r, 0).sum(axis=0), np.where(off, q * q, 0).sum(axis=0)
    return KMOResult(tuple(items), float(r2.sum() / (r2.sum() + q2.sum())), r2 / (r2 + q2))


@dataclass(frozen=True)
class BartlettResult:
    """Bartlett's test that R is the identity: ``chi_square`` on ``df``, ``p_value``.

    Parameters
    ----------
    chi_square : float
        The test statistic.
    df : int
        Degrees of freedom p(p − 1)/2.
    p_value : float
        Upper-tail χ² probability.
    n : int
        Number of respondents used.

    References
    ----------
    Bartlett, M. S. (1951). The effect of standardization on a χ² approximation in factor
    analysis. Biometrika, 38(3/4), 337–344.

    Examples
    --------
    >>> r = np.array([[1, .5, .4], [.5, 1, .3], [.4, .3, 1]])
    >>> b = bartlett(r, n=100)
    >>> b.df, f"{b.p_value:.4g}"  # R: psych::cortest.bartlett(r, n = 100)[c("df", "p.value")]
    (3, '4.552e-10')
    """

    chi_square: float
    df: int
    p_value: float
    n: int

    def to_dict(self) -> dict:
        """JSON-able dict of the test."""
        return {"chi_square": finite(self.chi_square), "df": self.df, "p_value": finite(self.p_value),
                "n": self.n}


def bartlett(data, n: int | None = None, missing: str = "pairwise") -> BartlettResult:
    """Bartlett's sphericity test: χ² = −ln|R|·(n − 1 − (2p + 5)/6) on p(p − 1)/2 df.

    As ``psych::cortest.bartlett(R, n)``; ``n`` is required with a matrix, and is the number
    of rows with data. Bartlett (1951), The effect of standardization on a χ² approximation
    in factor analysis, Biometrika 38, 337–344.

    Parameters
    ----------
    data : DataFrame or 2-D array
        Answers (rows = respondents, NaN = missing) or a correlation / covariance matrix.
    n : int, optional
        Number of respondents; required with a matrix.
    missing : {"pairwise", "listwise"}
        How raw data with missing answers is correlated.

    Returns
    -------
    BartlettResult
        The test: χ², df, p-value and n.

    Raises
    ------
    ValueError
        When ``n`` is missing with a matrix, the correlation matrix is not positive definite,
        or the data cannot be correlated.

    References
    ----------
    Bartlett, M. S. (1951). The effect of standardization on a χ² approximation in factor
    analysis. Biometrika, 38(3/4), 337–344. Revelle, W. (2022). psych 2.2.9
    (``cortest.bartlett``).

    Examples
    --------
    >>> r = np.array([[1, .5, .4], [.5, 1, .3], [.4, .3, 1]])
    >>> round(bartlett(r, n=100).chi_square, 4)  # R: psych::cortest.bartlett(r, n = 100)$chisq
    46.4491
    """
    from scipy.special import chdtrc

    r, _, n = as_correlation(data, n, missing)
    if n is None:
        raise ValueError("bartlett needs n, the number of respondents, with a correlation matrix")
    p = len(r)
    sign, logdet = np.linalg.slogdet(r)
    if sign <= 0:
        raise ValueError("Bartlett's test needs a positive definite correlation matrix")
    stat = -logdet * (n - 1 - (2 * p + 5) / 6)
    df = p * (p - 1) // 2
    return BartlettResult(float(stat), df, float(chdtrc(df, stat)), n)


@dataclass(frozen=True, eq=False)
class ParallelResult:
    """Parallel analysis and the scree: observed and simulated eigenvalues by position.

    ``pc_values`` are the eigenvalues of R (components), ``fa_values`` those of R with the
    one-factor communalities on its diagonal (factors, as psych); ``pc_simulated`` and
    ``fa_simulated`` the ``quantile`` of the same over random normal data of the same size.
    ``n_factors`` (``n_components``) counts the leading observed values above the simulated.

    Parameters
    ----------
    n : int
        Number of respondents.
    iterations : int
        Random correlation matrices drawn.
    quantile : float
        Quantile of the simulated eigenvalues compared with.
    seed : int or None
        Seed of the random generator.
    pc_values, fa_values : ndarray
        Observed eigenvalues (components, factors), largest first.
    pc_simulated, fa_simulated : ndarray
        Their simulated quantiles by position.
    n_factors, n_components : int
        Suggested numbers of factors and components.

    References
    ----------
    Horn, J. L. (1965). A rationale and test for the number of factors in factor analysis.
    Psychometrika, 30(2), 179–185. Revelle, W. (2022). psych 2.2.9 (``fa.parallel``).

    Examples
    --------
    The scree table, as the ``pc.values``, ``pc.sim``, ``fa.values`` and ``fa.sim`` of
    ``psych::fa.parallel(r, n.obs = 300, n.iter = 10)`` in R (the simulated columns vary
    with the random draws):

    >>> lam = np.zeros((6, 2))
    >>> lam[:3, 0], lam[3:, 1] = [0.8, 0.7, 0.6], [0.5, 0.6, 0.7]
    >>> r = lam @ np.array([[1, 0.3], [0.3, 1]]) @ lam.T
    >>> np.fill_diagonal(r, 1)
    >>> pa = parallel_analysis(r, n=300, iterations=10)
    >>> pa.to_frame()[["pc", "fa"]].round(3).head(2).values.tolist()
    [[2.249, 1.607], [1.444, 0.634]]
    """

    n: int
    iterations: int
    quantile: float
    seed: int | None
    pc_values: np.ndarray
    fa_values: np.ndarray
    pc_simulated: np.ndarray
    fa_simulated: np.ndarray
    n_factors: int
    n_components: int

    def to_frame(self) -> pd.DataFrame:
        """One row per position: observed and simulated eigenvalues (the scree plot's lines)."""
        return pd.DataFrame({"pc": self.pc_values, "pc_simulated": self.pc_simulated,
                             "fa": self.fa_values, "fa_simulated": self.fa_simulated},
                            index=pd.RangeIndex(1, len(self.pc_values) + 1, name="position"))

    def to_dict(self) -> dict:
        """JSON-able dict: settings, suggestions and the scree table's columns."""
        return {"n": self.n, "iterations": self.iterations, "quantile": self.quantile, "seed": self.seed,
                "n_factors": self.n_factors, "n_components": self.n_components,
                **{k: finite_list(v) for k, v in self.to_frame().items()}}


def _leading(observed: np.ndarray, simulated: np.ndarray) -> int:
    """psych: which(!(observed > simulated))[1] − 1 (all of them when every value is above)."""
    below = np.flatnonzero(~(observed > simulated))
    return int(below[0]) if below.size else len(observed)


def _factor_values(r: np.ndarray, method: str) -> np.ndarray:
    lam, _ = extract(r, 1, method)
    reduced = r.copy()
    np.fill_diagonal(reduced, (lam * lam).sum(axis=1))
    return np.linalg.eigvalsh(reduced)[::-1]


def _random_correlation(rng: np.random.Generator, n: int, p: int) -> np.ndarray:
    """The correlation matrix of n rows of p independent standard normals, without the rows.

    The centred cross-product matrix is Wishart(n − 1, I): W = AAᵀ with A lower triangular,
    A_ii = √χ²(n − i) (i = 1..p) and A_ij ~ N(0, 1) below the diagonal (Bartlett 1933).
    """
    a = np.zeros((p, p))
    a[np.tril_indices(p, -1)] = rng.standard_normal(p * (p - 1) // 2)
    a[np.diag_indices(p)] = np.sqrt(rng.chisquare(n - 1 - np.arange(p)))
    w = a @ a.T
    d = np.sqrt(np.diag(w))
    return w / np.outer(d, d)


def parallel_analysis(data, n: int | None = None, *, iterations: int = 100, seed: int | None = 0,
                      quantile: float = 0.95, method: str = "minres",
                      missing: str = "pairwise") -> ParallelResult:
    """Horn's parallel analysis with psych's ``fa.parallel`` criteria: how many factors and components.

    The observed eigenvalues (of R for components; of R with the communalities of a
    one-factor ``method`` solution on the diagonal for factors, psych's ``fa = "both"``)
    are compared position by position with the ``quantile`` of the same eigenvalues over
    ``iterations`` correlation matrices of n independent standard normal rows; the
    suggestion is the number of leading observed eigenvalues above them. (Given raw data,
    psych also resamples it, but bases its suggestion on the simulated normal data, as here.)

    The random correlation matrices are drawn without simulating rows: the centred
    cross-product matrix of n normal rows is Wishart(n − 1, I), drawn by Bartlett's
    decomposition W = AAᵀ (A lower triangular, A_ii² ~ χ²(n − 1 − i + 1), A_ij ~ N(0, 1)
    below the diagonal) and scaled to a correlation matrix. This is exact, not an
    approximation, and costs O(p³) per iteration whatever n is, so 1,000,000 respondents cost
    what 1,000 do. Needs n > p.

    Parameters
    ----------
    data : DataFrame or 2-D array
        Answers or a correlation matrix (then ``n`` is required).
    n : int, optional
        Number of respondents; required with a matrix, and more than the number of items.
    iterations : int
        Random matrices drawn. psych's ``n.iter`` defaults to 20, which leaves the
        suggestion to chance near the threshold (on sq411 psych says 3 factors in about a
        third of its 20-iteration runs and 4 in nearly all 100-iteration runs); 100 costs
        about half a second for 22 items.
    seed : int or None
        Seed of ``numpy.random.default_rng``; the same seed gives the same result.
    quantile : float
        Quantile of the simulated eigenvalues to beat (psych's default .95), in (0, 1).
    method : {"minres", "ml"}
        Extraction of the one-factor solution for the factor eigenvalues.
    missing : {"pairwise", "listwise"}
        How raw data with missing answers is correlated.

    Returns
    -------
    ParallelResult
        Observed and simulated eigenvalues and the suggested numbers of factors and
        components.

    Raises
    ------
    ValueError
        For an unknown ``method``, ``n`` missing with a matrix or not above the number of
        items, ``quantile`` outside (0, 1), ``iterations`` < 1, or data that cannot be
        correlated.

    References
    ----------
    Horn, J. L. (1965). A rationale and test for the number of factors in factor analysis.
    Psychometrika, 30(2), 179–185. Bartlett, M. S. (1933). On the theory of statistical
    regression. Proceedings of the Royal Society of Edinburgh, 53, 260–283 (the Wishart
    decomposition). Revelle, W. (2022). psych 2.2.9 (``fa.parallel``).

    Examples
    --------
    >>> lam = np.zeros((6, 2))
    >>> lam[:3, 0], lam[3:, 1] = [0.8, 0.7, 0.6], [0.5, 0.6, 0.7]
    >>> r = lam @ np.array([[1, 0.3], [0.3, 1]]) @ lam.T
    >>> np.fill_diagonal(r, 1)
    >>> pa = parallel_analysis(r, n=300, iterations=10)  # R: psych::fa.parallel(r, n.obs = 300, n.iter = 10)
    >>> pa.n_factors, pa.n_components
    (2, 2)
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}; got {method!r}")
    r, _, n = as_correlation(data, n, missing)
    p = len(r)
    if n is None:
        raise ValueError("parallel_analysis needs n, the number of respondents, with a correlation matrix")
    if n <= p:
        raise ValueError(f"parallel analysis needs more respondents than items; n = {n}, items = {p}")
    if not 0 < quantile < 1:
        raise ValueError(f"quantile must be between 0 and 1; got {quantile!r}")
    if iterations < 1:
        raise ValueError(f"iterations must be at least 1; got {iterations!r}")
    rng = np.random.default_rng(seed)
    pc_sim, fa_sim = np.empty((iterations, p)), np.empty((iterations, p))
    for it in range(iterations):
        c = _random_correlation(rng, n, p)
        pc_sim[it] = np.linalg.eigvalsh(c)[::-1]
        fa_sim[it] = _factor_values(c, method)
    pc, fa = np.linalg.eigvalsh(r)[::-1], _factor_values(r, method)
    pc_q, fa_q = np.quantile(pc_sim, quantile, axis=0), np.quantile(fa_sim, quantile, axis=0)
    return ParallelResult(n, iterations, quantile, seed, pc, fa, pc_q, fa_q,
                          n_factors=_leading(fa, fa_q), n_components=_leading(pc, pc_q))
