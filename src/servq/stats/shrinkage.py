"""Empirical-Bayes shrinkage of unit means: the one-way random-effects model fitted by REML
from per-unit sufficient statistics.

Model: answer i of unit j in parent p is ``y_ij = mu_p + u_j + e_ij`` with unit effects
``u_j ~ N(0, tau2)`` and residuals ``e_ij ~ N(0, sigma2)``; the parent means ``mu_p`` are
fixed effects (one grand mean when there are no parents). That is R lme4's
``lmer(y ~ parent + (1 | unit), REML = TRUE)`` (``y ~ 1 + (1 | unit)`` without parents).

Everything the REML likelihood needs is each unit's count n_j, mean ybar_j and SD s_j:
with ``lambda = tau2 / sigma2``, ``w_j = n_j / (1 + n_j lambda)`` and the GLS parent means
``mu_p = sum_j w_j ybar_j / sum_j w_j`` (units of p), the profiled REML deviance is ::

    D(lambda) = (N - P) log(Q / (N - P)) + sum_j log(1 + n_j lambda) + sum_p log(sum_{j in p} w_j)
    Q(lambda) = SSW + sum_j w_j (ybar_j - mu_p)^2,   SSW = sum_j (n_j - 1) s_j^2

(N answers, P parents) and ``sigma2 = Q / (N - P)`` at the minimum. It is minimised over
``theta = sqrt(lambda) >= 0`` (lme4's parameter), so ``tau2 = 0`` is a possible answer.

The shrunk estimate (the BLUP, lme4's ``fixef + ranef``) of unit j is
``mu_p + B_j (ybar_j - mu_p)`` with ``B_j = tau2 / (tau2 + sigma2 / n_j)``: a unit with few
answers is pulled strongly toward its parent's mean, one with many hardly at all. Its
prediction error variance, which includes the uncertainty of the estimated parent mean
(Henderson's mixed-model equations), is ``B_j sigma2 / n_j + (1 - B_j)^2 / W_p`` with
``W_p = sum_{j in p} n_j / (sigma2 + n_j tau2)``; the interval is the estimate ± z times its
square root. It treats ``sigma2`` and ``tau2`` as known (plug-in), so it is slightly too
narrow when there are few units.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize_scalar
from scipy.special import ndtri  # not scipy.stats: its import is slow

THETA_MAX = 1e3  # sqrt(tau2 / sigma2): beyond this, shrinkage is nil to many decimals


@dataclass(frozen=True)
class OneWayFit:
    """Variance components and parent means of the one-way random-effects model.

    ``estimable`` is False when the data cannot separate the components: no parent has
    two units with answers, or no unit has two answers. Then ``tau2`` is None (no
    shrinkage) and ``sigma2`` is the pooled within-unit variance if there is one.

    Parameters
    ----------
    sigma2 : float or None
        Residual (within-unit) variance.
    tau2 : float or None
        Between-unit variance (None when not estimable).
    mu : ndarray
        Per parent: the GLS mean.
    weight_sum : ndarray
        Per parent: W_p, the inverse variance of ``mu``; inf when unknown.
    n_units, n_answers : int
        Units and answers in the fit.
    estimable : bool
        Whether the data separate the two variance components.

    References
    ----------
    .. [1] Patterson, H. D., & Thompson, R. (1971). Recovery of inter-block information when block
       sizes are unequal. *Biometrika*, 58(3), 545–554.
    .. [2] Bates, D., Mächler, M., Bolker, B., & Walker, S. (2015). Fitting linear mixed-effects
       models using lme4. *Journal of Statistical Software*, 67(1), 1–48.

    Examples
    --------
    The ICC is tau2 / (tau2 + sigma2) = 8 / 10 (R: ``performance::icc(lmer(y ~ 1 + (1 | unit)))``):

    >>> fit = one_way_reml([2, 2, 2], [2.0, 5.0, 8.0], [2 ** 0.5] * 3)
    >>> round(fit.icc, 6), fit.estimable, round(float(fit.weight_sum[0]), 6)
    (0.8, True, 0.333333)

    One answer per unit cannot separate the components:

    >>> one_way_reml([1, 1], [2.0, 3.0], [np.nan, np.nan]).estimable
    False
    """

    sigma2: float | None
    tau2: float | None
    mu: np.ndarray  # per parent: the GLS mean
    weight_sum: np.ndarray  # per parent: W_p (inverse variance of mu_p); inf when unknown
    n_units: int
    n_answers: int
    estimable: bool

    @property
    def icc(self) -> float | None:
        """Share of the variance that lies between units: tau2 / (tau2 + sigma2)."""
        if self.tau2 is None or self.sigma2 is None or self.tau2 + self.sigma2 == 0:
            return None
        return self.tau2 / (self.tau2 + self.sigma2)


@dataclass(frozen=True)
class Shrunk:
    """Per unit: the shrunk estimate, its shrinkage factor B, standard error and interval.

    Parameters
    ----------
    estimate : ndarray
        The shrunk estimates mu_p + B_j (ybar_j − mu_p).
    factor : ndarray
        The shrinkage factors B_j (1 = none, 0 = all the way to the parent mean).
    se : ndarray
        Square roots of the prediction error variances.
    low, high : ndarray
        The interval estimate ± z·se.

    References
    ----------
    .. [1] Morris, C. N. (1983). Parametric empirical Bayes inference: theory and applications.
       *Journal of the American Statistical Association*, 78(381), 47–55.
    .. [2] Henderson, C. R. (1975). Best linear unbiased estimation and prediction under a
       selection model. *Biometrics*, 31(2), 423–447.

    Examples
    --------
    se = √(B·sigma2/n + (1 − B)²/W) = √(8/9 + (1/9)²·3) (by hand in R, as
    ``sqrt(B * s2 / n + (1 - B)^2 / W)``):

    >>> fit = one_way_reml([2, 2, 2], [2.0, 5.0, 8.0], [2 ** 0.5] * 3)
    >>> s = shrink(fit, [2, 2, 2], [2.0, 5.0, 8.0])
    >>> round(float(s.se[0]), 6), round(float(s.low[1]), 4), round(float(s.high[1]), 4)
    (0.96225, 3.114, 6.886)
    """

    estimate: np.ndarray
    factor: np.ndarray
    se: np.ndarray
    low: np.ndarray
    high: np.ndarray


def one_way_reml(n, mean, sd, parent=None) -> OneWayFit:
    """Fit the one-way random-effects model by REML from per-unit n, mean and SD.

    Parameters
    ----------
    n, mean, sd : array_like
        Per unit: answers, mean and SD (n - 1 denominator; ignored, may be NaN, where n < 2).
        Units with n = 0 must be left out.
    parent : array_like of int, optional
        Per unit: the parent's number 0..P-1 (default: one parent).

    Returns
    -------
    OneWayFit
        sigma2, tau2 (None when not estimable), the parent means and their weights.

    Raises
    ------
    ValueError
        If there are no units or a unit has fewer than one answer.

    References
    ----------
    .. [1] Patterson, H. D., & Thompson, R. (1971). Recovery of inter-block information when block
       sizes are unequal. *Biometrika*, 58(3), 545–554.
    .. [2] Morris, C. N. (1983). Parametric empirical Bayes inference: theory and applications.
       *Journal of the American Statistical Association*, 78(381), 47–55.
    .. [3] Bates, D., Mächler, M., Bolker, B., & Walker, S. (2015). Fitting linear mixed-effects
       models using lme4. *Journal of Statistical Software*, 67(1), 1–48.

    Examples
    --------
    Three units of two answers each: (1, 3), (4, 6), (7, 9). Within-unit variance 2 and the
    balanced ANOVA estimate tau2 = (MSB - MSW) / 2 = (18 - 2) / 2 = 8, which REML equals
    when positive (R: ``lmer(y ~ 1 + (1 | unit))`` gives 8 and 2).

    >>> fit = one_way_reml([2, 2, 2], [2.0, 5.0, 8.0], [2 ** 0.5] * 3)
    >>> round(fit.tau2, 6), round(fit.sigma2, 6), round(float(fit.mu[0]), 6)
    (8.0, 2.0, 5.0)
    """
    n = np.asarray(n, dtype=float)
    ybar = np.asarray(mean, dtype=float)
    var = np.nan_to_num(np.asarray(sd, dtype=float) ** 2)
    group = np.zeros(len(n), dtype=np.int64) if parent is None else np.asarray(parent, dtype=np.int64)
    if len(n) == 0 or np.any(n < 1):
        raise ValueError("every unit needs at least one answer")
    n_groups = int(group.max()) + 1
    ssw = float(np.sum(np.where(n > 1, (n - 1) * var, 0.0)))
    total, units = float(n.sum()), len(n)
    df = total - n_groups
    units_per_group = np.bincount(group, minlength=n_groups)

    def parent_means(lam: float) -> tuple[np.ndarray, np.ndarray]:
        w = n / (1 + n * lam)
        wsum = np.bincount(group, weights=w, minlength=n_groups)
        return np.bincount(group, weights=w * ybar, minlength=n_groups) / wsum, wsum

    def quad(lam: float) -> float:
        mu, _ = parent_means(lam)
        return ssw + float(np.sum(n / (1 + n * lam) * (ybar - mu[group]) ** 2))

    if total - units < 1 or not np.any(units_per_group >= 2):
        sigma2 = ssw / (total - units) if total > units else None
        mu, wsum = parent_means(0.0)
        return OneWayFit(sigma2, None, mu, np.full(n_groups, np.inf) if sigma2 is None else wsum / sigma2,
                         units, int(total), False)
    if quad(0.0) == 0.0:  # every answer the same: nothing varies
        mu, _ = parent_means(0.0)
        return OneWayFit(0.0, 0.0, mu, np.full(n_groups, np.inf), units, int(total), True)

    def deviance(theta: float) -> float:
        lam = theta * theta
        _, wsum = parent_means(lam)
        return df * np.log(quad(lam) / df) + float(np.sum(np.log1p(n * lam))) + float(np.sum(np.log(wsum)))

    # A coarse grid finds the basin (the profile may be flat or have a boundary minimum at 0),
    # then bounded Brent refines it between the grid neighbours.
    grid = np.concatenate([[0.0], np.logspace(-4, np.log10(THETA_MAX), 57)])
    values = np.array([deviance(t) for t in grid])
    k = int(np.argmin(values))
    lo, hi = grid[max(k - 1, 0)], grid[min(k + 1, len(grid) - 1)]
    best_theta, best = grid[k], values[k]
    if hi > lo:
        res = minimize_scalar(deviance, bounds=(lo, hi), method="bounded", options={"xatol": 1e-10})
        if res.fun < best:
            best_theta, best = float(res.x), float(res.fun)
    if values[0] - best < 1e-9:  # no better than tau2 = 0 beyond rounding: the boundary fit
        best_theta = 0.0
    lam = best_theta**2
    sigma2 = quad(lam) / df
    tau2 = lam * sigma2
    mu, wsum = parent_means(lam)
    return OneWayFit(sigma2, tau2, mu, wsum / sigma2, units, int(total), True)


def shrink(fit: OneWayFit, n, mean, parent=None, confidence: float = 0.95) -> Shrunk:
    """Shrunk estimates of the units of ``fit`` (same order), with their intervals.

    Without an estimable fit the estimate is the unit's own mean (B = 1) and the interval
    uses the pooled within-unit SD; without even that, the interval is NaN.

    Parameters
    ----------
    fit : OneWayFit
        The fit of :func:`one_way_reml` to the same units.
    n, mean : array_like
        Per unit: answers and mean.
    parent : array_like of int, optional
        Per unit: the parent's number (as in the fit).
    confidence : float
        Coverage of the normal intervals.

    Returns
    -------
    Shrunk
        Estimates, shrinkage factors, standard errors and intervals, per unit.

    References
    ----------
    .. [1] Morris, C. N. (1983). Parametric empirical Bayes inference: theory and applications.
       *Journal of the American Statistical Association*, 78(381), 47–55.
    .. [2] Henderson, C. R. (1975). Best linear unbiased estimation and prediction under a
       selection model. *Biometrics*, 31(2), 423–447.

    Examples
    --------
    The three units above: B = 8 / (8 + 2 / 2) = 8/9 for each, so the unit means 2 and 8
    move toward 5 by a ninth: 5 ± 3 * 8/9.

    >>> fit = one_way_reml([2, 2, 2], [2.0, 5.0, 8.0], [2 ** 0.5] * 3)
    >>> s = shrink(fit, [2, 2, 2], [2.0, 5.0, 8.0])
    >>> [round(float(v), 4) for v in s.estimate], round(float(s.factor[0]), 4)  # R: coef(fit)$unit
    ([2.3333, 5.0, 7.6667], 0.8889)
    """
    n = np.asarray(n, dtype=float)
    ybar = np.asarray(mean, dtype=float)
    group = np.zeros(len(n), dtype=np.int64) if parent is None else np.asarray(parent, dtype=np.int64)
    mu = fit.mu[group]
    sigma2 = np.nan if fit.sigma2 is None else fit.sigma2
    if fit.tau2 is None:
        factor = np.ones_like(n)
    elif fit.tau2 == 0:
        factor = np.zeros_like(n)
    else:
        factor = fit.tau2 / (fit.tau2 + sigma2 / n)
    estimate = mu + factor * (ybar - mu)
    with np.errstate(divide="ignore", invalid="ignore"):
        pev = factor * sigma2 / n + (1 - factor) ** 2 / fit.weight_sum[group]
    if fit.tau2 is None:
        pev = sigma2 / n
    se = np.sqrt(pev)
    z = float(ndtri(0.5 + confidence / 2))
    return Shrunk(estimate, factor, se, estimate - z * se, estimate + z * se)
