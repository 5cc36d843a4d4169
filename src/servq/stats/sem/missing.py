"""Full-information ML (lavaan's ``missing = "ml"``): casewise likelihood over missing-data patterns.

Respondents are grouped by the pattern of variables they answered; a pattern k with n_k rows
contributes −n_k/2 [k log 2π + log|Σ_oo| + tr(Σ_oo⁻¹ (S_k + (ȳ_k − μ_o)(ȳ_k − μ_o)ᵀ))], with
S_k and ȳ_k the moments of its rows over its observed variables o. So the likelihood needs
only per-pattern counts, sums and cross-products — mergeable sums, like every other
statistic. The saturated (unrestricted) mean and covariance matrix are estimated by EM,
whose E-step is linear in the same per-pattern sums; χ² = 2 (logL_saturated − logL_model).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .estimate import Block, Problem, SampleStats
from .model import Model

LOG_2PI = float(np.log(2 * np.pi))


@dataclass(frozen=True)
class Pattern:
    """The rows of one group that answered the same variables.

    Parameters
    ----------
    observed : ndarray
        Indices of the answered variables.
    rows : ndarray
        (n_k, k) the answers.

    References
    ----------
    Little, R. J. A. & Rubin, D. B. (2002). Statistical Analysis with Missing Data, 2nd ed.
    New York: Wiley (ch. 8, patterns of missingness).

    Examples
    --------
    As a row of R's ``lavInspect(fit, "patterns")``:

    >>> pat = Pattern(np.array([0, 2]), np.array([[1.0, 2.0], [3.0, 4.0]]))
    >>> pat.nobs, pat.mean.tolist(), pat.cov.tolist()
    (2, [2.0, 3.0], [[1.0, 1.0], [1.0, 1.0]])
    """

    observed: np.ndarray
    rows: np.ndarray

    @property
    def nobs(self) -> int:
        """n_k."""
        return len(self.rows)

    @property
    def mean(self) -> np.ndarray:
        """Means of the answered variables."""
        return self.rows.mean(axis=0)

    @property
    def cov(self) -> np.ndarray:
        """Covariance matrix of the answered variables, divided by n_k."""
        d = self.rows - self.mean
        return d.T @ d / self.nobs


def patterns(x: np.ndarray) -> list[Pattern]:
    """Group the rows of ``x`` (NaN = missing) by the variables they answered.

    Rows with no answer are left out (lavaan drops them too).

    Parameters
    ----------
    x : ndarray
        (n, p) data with NaN for missing values.

    Returns
    -------
    list of Pattern
        One per distinct pattern, most complete first.

    References
    ----------
    Little, R. J. A. & Rubin, D. B. (2002). Statistical Analysis with Missing Data, 2nd ed.
    New York: Wiley.

    Examples
    --------
    The rows of R's ``lavInspect(fit, "patterns")``:

    >>> x = np.array([[1.0, 2.0], [np.nan, 1.0], [3.0, 5.0], [np.nan, np.nan]])
    >>> [(p.observed.tolist(), p.nobs) for p in patterns(x)]
    [([0, 1], 2), ([1], 1)]
    """
    answered = ~np.isnan(x)
    keys, inverse = np.unique(answered, axis=0, return_inverse=True)
    inverse = inverse.ravel()
    order = np.argsort(-keys.sum(axis=1), kind="stable")
    out = []
    for k in order:
        if not keys[k].any():
            continue
        obs = np.flatnonzero(keys[k])
        out.append(Pattern(obs, x[np.ix_(inverse == k, obs)]))
    return out


def pattern_loglik(pats: list[Pattern], sigma: np.ndarray, mu: np.ndarray) -> float:
    """The normal log-likelihood of the rows of ``pats`` at Σ and μ (each on its observed part).

    Parameters
    ----------
    pats : list of Pattern
        The patterns of one group.
    sigma, mu : ndarray
        (p, p) covariance matrix and (p,) means.

    Returns
    -------
    float
        Σ_k −n_k/2 [k log 2π + log|Σ_oo| + tr(Σ_oo⁻¹ (S_k + ddᵀ))], d = ȳ_k − μ_o.

    References
    ----------
    Arbuckle, J. L. (1996). Full information estimation in the presence of incomplete data.
    In G. A. Marcoulides & R. E. Schumacker (Eds.), Advanced Structural Equation Modeling
    (pp. 243–277). Mahwah, NJ: Erlbaum.

    Examples
    --------
    One standard normal variable observed at 0: −½ log 2π, R's ``dnorm(0, log = TRUE)``:

    >>> round(pattern_loglik([Pattern(np.array([0]), np.zeros((1, 1)))], np.eye(1), np.zeros(1)), 6)
    -0.918939
    """
    total = 0.0
    for pat in pats:
        o = pat.observed
        s, m = sigma[np.ix_(o, o)], mu[o]
        d = pat.mean - m
        inv = np.linalg.inv(s)
        value = len(o) * LOG_2PI + np.linalg.slogdet(s)[1] + np.sum(inv * (pat.cov + np.outer(d, d)))
        total -= pat.nobs / 2 * value
    return float(total)


def em_moments(pats: list[Pattern], p: int, *, max_iter: int = 500, tol: float = 1e-5,
               ) -> tuple[np.ndarray, np.ndarray]:
    """Saturated ML mean and covariance matrix from incomplete data by EM.

    E-step per pattern: with B = Σ_mo Σ_oo⁻¹, the missing part is predicted as μ_m +
    B(y_o − μ_o) with residual covariance Σ_mm − BΣ_om; the expected first and second moments
    are sums over the pattern's sum and cross-products. M-step: their means. Start, stop and
    safeguard are lavaan 0.6-14's (``lav_mvnorm_missing_h1_estimate_moments``): the observed
    means and a diagonal of the observed variances; stop when no mean or covariance changes
    by ``tol`` or more, after at most ``max_iter`` steps; a ridge of 1e-8 · the largest
    variance when an eigenvalue falls below 1e-6. Its moments are the h1 of every FIML fit
    and enter χ² only at second order, but Zhang & Savalei's corrected χ² (the robust CFI
    and RMSEA) at first order: stopping where lavaan stops is what gives lavaan's figures.

    Parameters
    ----------
    pats : list of Pattern
        The patterns of one group.
    p : int
        Number of variables.
    max_iter : int
        Largest number of EM steps (lavaan's ``em.h1.iter.max``).
    tol : float
        Stop when the largest change of a mean or covariance is below it (``em.h1.tol``).

    Returns
    -------
    mean : ndarray
        (p,) the ML means.
    cov : ndarray
        (p, p) the ML covariance matrix (divided by N).

    Raises
    ------
    ValueError
        When a variable has no answers in the group.

    References
    ----------
    Dempster, A. P., Laird, N. M. & Rubin, D. B. (1977). Maximum likelihood from incomplete
    data via the EM algorithm. Journal of the Royal Statistical Society B, 39(1), 1–38.
    Little, R. J. A. & Rubin, D. B. (2002). Statistical Analysis with Missing Data, 2nd ed.
    New York: Wiley (section 11.2).

    Examples
    --------
    With complete data EM returns the sample moments (R: ``lavInspect(fit, "sampstat.h1")``):

    >>> x = np.array([[1.0, 2.0], [2.0, 1.0], [3.0, 4.0], [4.0, 3.0]])
    >>> mean, cov = em_moments(patterns(x), 2)
    >>> mean.tolist(), cov.tolist()
    ([2.5, 2.5], [[1.25, 0.75], [0.75, 1.25]])
    """
    mean, cov = _available_case_start(pats, p)
    n = sum(pat.nobs for pat in pats)
    for _ in range(max_iter):
        t1, t2 = np.zeros(p), np.zeros((p, p))
        for pat in pats:
            e1, e2 = _expected_sums(pat, mean, cov)
            t1 += e1
            t2 += e2
        new_mean = t1 / n
        new_cov = t2 / n - np.outer(new_mean, new_mean)
        new_cov = (new_cov + new_cov.T) / 2
        if np.linalg.eigvalsh(new_cov)[0] < 1e-6:
            new_cov[np.diag_indices(p)] += np.max(np.diag(new_cov)) * 1e-8
        change = max(np.max(np.abs(new_mean - mean)), np.max(np.abs(new_cov - cov)))
        mean, cov = new_mean, new_cov
        if change < tol:
            break
    return mean, cov


def _available_case_start(pats: list[Pattern], p: int) -> tuple[np.ndarray, np.ndarray]:
    count, total, squares = np.zeros(p), np.zeros(p), np.zeros(p)
    for pat in pats:
        count[pat.observed] += pat.nobs
        total[pat.observed] += pat.rows.sum(axis=0)
        squares[pat.observed] += (pat.rows ** 2).sum(axis=0)
    if (count == 0).any():
        raise ValueError(f"variable {int(np.argmin(count)) + 1} of the model has no answers")
    mean = total / count
    return mean, np.diag(np.maximum(squares / count - mean ** 2, 1e-8))


def _expected_sums(pat: Pattern, mean: np.ndarray, cov: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Σ_rows E[y] and Σ_rows E[yyᵀ] of one pattern given the current mean and covariance."""
    p = len(mean)
    o = pat.observed
    m = np.setdiff1d(np.arange(p), o)
    n = pat.nobs
    s1 = pat.rows.sum(axis=0)
    s2 = pat.rows.T @ pat.rows
    e1, e2 = np.zeros(p), np.zeros((p, p))
    e1[o] = s1
    e2[np.ix_(o, o)] = s2
    if len(m):
        b = np.linalg.solve(cov[np.ix_(o, o)], cov[np.ix_(o, m)]).T     # Σ_mo Σ_oo⁻¹
        a = mean[m] - b @ mean[o]
        e1[m] = n * a + b @ s1
        cross = np.outer(a, s1) + b @ s2                                # Σ E[y_m] y_oᵀ
        e2[np.ix_(m, o)] = cross
        e2[np.ix_(o, m)] = cross.T
        resid = cov[np.ix_(m, m)] - b @ cov[np.ix_(o, m)]
        e2[np.ix_(m, m)] = (n * np.outer(a, a) + np.outer(a, b @ s1) + np.outer(b @ s1, a)
                            + b @ s2 @ b.T + n * resid)
    return e1, e2


@dataclass(frozen=True)
class FimlData:
    """Per group, the missing-data patterns and the saturated (EM) moments.

    Parameters
    ----------
    patterns : tuple of list of Pattern
        Per group, its patterns.
    stats : SampleStats
        Per group, the EM covariance matrix and means and the number of rows used (those with
        at least one answer) — lavaan's ``lavInspect(fit, "sampstat.h1")``.
    saturated_logl : tuple of float
        Per group, the log-likelihood of the saturated model.

    References
    ----------
    Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. Journal of
    Statistical Software, 48(2), 1–36 (``missing = "ml"``).

    Examples
    --------
    Three rows answered everything, one only the first variable (R:
    ``lavInspect(fit, "nobs")`` and ``lavInspect(fit, "patterns")``):

    >>> fd = fiml_data([np.array([[1.0, 2.0], [2.0, 1.0], [3.0, 4.0], [3.0, np.nan]])])
    >>> fd.stats.nobs, len(fd.patterns[0])
    ((4,), 2)
    """

    patterns: tuple[list[Pattern], ...]
    stats: SampleStats
    saturated_logl: tuple[float, ...]


def fiml_data(parts: list[np.ndarray]) -> FimlData:
    """Patterns, EM moments and saturated log-likelihood of each group's rows.

    Parameters
    ----------
    parts : list of ndarray
        Per group, the (n_g, p) rows with NaN for missing answers.

    Returns
    -------
    FimlData
        The patterns and saturated moments.

    Raises
    ------
    ValueError
        When a group has fewer than 2 rows with answers, a variable has no answers, or the
        answers do not determine a positive-definite covariance matrix.

    References
    ----------
    Dempster, A. P., Laird, N. M. & Rubin, D. B. (1977). Maximum likelihood from incomplete
    data via the EM algorithm. Journal of the Royal Statistical Society B, 39(1), 1–38.

    Examples
    --------
    The saturated log-likelihood of complete data is −N/2 (p log 2π + log|S| + p), as R's
    ``fitMeasures(fit, "unrestricted.logl")``:

    >>> x = np.array([[1.0, 2.0], [2.0, 1.0], [3.0, 4.0], [4.0, 3.0]])
    >>> fd = fiml_data([x])
    >>> s = np.cov(x.T, bias=True)
    >>> bool(np.isclose(fd.saturated_logl[0], -2 * (2 * LOG_2PI + np.linalg.slogdet(s)[1] + 2)))
    True
    """
    pats_all, covs, means, nobs, logls = [], [], [], [], []
    for x in parts:
        pats = patterns(x)
        n = sum(pat.nobs for pat in pats)
        if n < 2:
            raise ValueError(f"a group has {n} rows with answers; at least 2 are needed")
        try:
            mean, cov = em_moments(pats, x.shape[1])
        except np.linalg.LinAlgError:
            raise ValueError("the answers do not determine a positive-definite covariance matrix "
                             "(too few respondents answered some pairs of variables); FIML is not "
                             "possible on these data") from None
        pats_all.append(pats)
        covs.append(cov)
        means.append(mean)
        nobs.append(n)
        logls.append(pattern_loglik(pats, cov, mean))
    return FimlData(tuple(pats_all), SampleStats(tuple(covs), tuple(means), tuple(nobs)), tuple(logls))


def fiml_problem(model: Model, data: FimlData, keep_rows: bool = False) -> Problem:
    """The FIML fitting problem: F = −2 (logL(θ) − logL_saturated) / N, so χ² = N·F.

    Parameters
    ----------
    model : Model
        The parameter table (with a mean structure).
    data : FimlData
        Patterns and saturated moments.
    keep_rows : bool
        Keep the rows in the blocks (for casewise scores, robust standard errors).

    Returns
    -------
    Problem
        One block per pattern; ``stats`` are the EM moments.

    References
    ----------
    Arbuckle, J. L. (1996). Full information estimation in the presence of incomplete data.
    In G. A. Marcoulides & R. E. Schumacker (Eds.), Advanced Structural Equation Modeling
    (pp. 243–277). Mahwah, NJ: Erlbaum. Enders, C. K. (2010). Applied Missing Data
    Analysis. New York: Guilford.

    Examples
    --------
    At the saturated moments of a saturated model F = 0 (χ² = 0, as R's ``fitMeasures(fit,
    "chisq")`` of a just-identified model):

    >>> from servq.stats.sem.model import build
    >>> from servq.stats.sem.syntax import parse
    >>> x = np.array([[1.0, 2.0], [2.0, 1.0], [3.0, 4.0], [4.0, np.nan], [2.0, 2.0]])
    >>> fd = fiml_data([x])
    >>> m = build(parse("a ~~ b"), meanstructure=True)
    >>> prob = fiml_problem(m, fd)
    >>> len(prob.blocks[0]), prob.model.n_par
    (2, 5)
    """
    n = data.stats.ntotal
    blocks, offset = [], 0.0
    for pats, logl in zip(data.patterns, data.saturated_logl):
        blocks.append([Block(pat.observed, pat.nobs / n, pat.cov, pat.mean, 0.0,
                             pat.rows if keep_rows else None) for pat in pats])
        offset += sum(pat.nobs / n * len(pat.observed) * (1 + LOG_2PI) for pat in pats) + 2 * logl / n
    problem = Problem(model, data.stats, blocks, offset)
    problem.saturated_logl = float(sum(data.saturated_logl))
    return problem
