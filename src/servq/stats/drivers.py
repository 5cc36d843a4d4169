"""Key-driver analysis: how much of the R² of an outcome each predictor accounts for.

Two decompositions of the R² of the least-squares regression of an outcome y on p
predictors x_1 … x_p, both computed from the correlation matrix of (y, x) alone:

- **Relative weights** (Johnson 2000). With R_xx = V Λ Vᵀ and its symmetric square root
  Λ* = V Λ^{1/2} Vᵀ (the correlations of the x with their closest orthonormal
  approximation Z), β* = Λ*⁻¹ r_xy are the weights of y on Z and
  RW_j = Σ_k (Λ*_jk)² (β*_k)²;  Σ_j RW_j = R².
- **LMG / Shapley value** (Lindeman, Merenda & Gold 1980; Grömping 2006): the increase in
  R² when x_j joins, averaged over all p! orders of entry,
  LMG_j = Σ_{S ⊆ P∖{j}} |S|! (p − |S| − 1)! / p! · (R²(S ∪ {j}) − R²(S)),
  with R²(S) = r_Sᵀ R_SS⁻¹ r_S; Σ_j LMG_j = R². Computed exactly over the 2^p subsets, so
  ``p`` is limited to :data:`MAX_LMG_PREDICTORS` (pass ``lmg=False`` above it).

Both are also given as a percentage of R² (``*_pct``). Collinearity diagnostics: the
variance inflation factor VIF_j = 1/(1 − R²_j) = (R_xx⁻¹)_jj, R²_j being the R² of x_j on
the other predictors, and the condition number of the predictor correlation matrix,
κ = √(λ_max/λ_min) (the ratio of the largest to the smallest singular value of the
standardized, centred predictors; values above 30 are usually read as severe collinearity).

Bootstrap intervals (``n_boot > 0``) come from the Poisson bootstrap of
:mod:`servq.stats.bootstrap`: in each replicate every row is weighted with its own Poisson(1)
count, drawn from its number in the data, the seed and the replicate's number, and the
replicate's correlation matrix comes from the weighted sums — which any chunk of the rows
(a thread, a Spark partition) adds up alone, with the same result. Intervals are percentile
intervals (``numpy.quantile``, linear interpolation = R's ``quantile(type = 7)``); they do
not depend on ``workers``.

Reference values: ``tests/golden/drivers.R`` (relative weights by hand from the
eigendecomposition, LMG by brute force over all orders of entry with ``lm``, VIF by
auxiliary regressions; relaimpo is not packaged for this system).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .bootstrap import replicate_moments, replicate_sums

if TYPE_CHECKING:
    import pandas as pd

MAX_LMG_PREDICTORS = 15
"""Largest number of predictors for the exact LMG decomposition (2^15 = 32,768 subsets)."""

_CHUNK = 32  # resamples per task of a worker
BOOT_STATISTICS = ("relative_weight", "relative_weight_pct", "lmg", "lmg_pct")


class DriversError(ValueError):
    """Input that a key-driver analysis cannot be computed from; the message says why.

    Parameters
    ----------
    *args : object
        As for :class:`ValueError`: the message.

    References
    ----------
    .. [1] Johnson, J. W. (2000). A heuristic method for estimating the relative weight of
       predictor variables in multiple regression. *Multivariate Behavioral Research*,
       35(1), 1–19.

    Examples
    --------
    Perfectly collinear predictors (R's ``lm`` would return an ``NA`` coefficient; the
    decomposition is undefined):

    >>> r = np.array([[1.0, 0.5, 0.5], [0.5, 1.0, 1.0], [0.5, 1.0, 1.0]])
    >>> try:
    ...     drivers_from_cor(r, ["y", "a", "b"], n=100)
    ... except DriversError as exc:
    ...     print(exc)
    the predictors are perfectly collinear (their correlation matrix is singular): ['a', 'b']
    """


@dataclass(frozen=True)
class DriversResult:
    """Relative weights, LMG, R² and collinearity diagnostics of one driver analysis.

    Arrays are in the order of ``predictors``. The ``*_low`` / ``*_high`` arrays are the
    bootstrap percentile interval bounds (None without bootstrap); ``lmg`` is all NaN when
    the analysis ran with ``lmg=False``.

    Parameters
    ----------
    outcome : label
        The outcome variable.
    predictors : tuple
        The predictors, in order.
    n : int
        Observations behind the correlation matrix.
    r2 : float
        R² of the outcome on all predictors.
    relative_weight, lmg, vif : ndarray
        Per predictor: Johnson's relative weight, the LMG share of R² and the VIF.
    condition_number : float
        √(λmax/λmin) of the predictor correlation matrix.
    n_boot : int
        Bootstrap resamples drawn (0 = none).
    confidence : float
        Coverage of the percentile intervals.
    seed : int or None
        Seed of the resamples.
    n_boot_failed : int
        Resamples dropped for a constant column or collinear predictors.
    r2_low, r2_high : float or None
        Percentile interval of R² (None without bootstrap).
    bounds : dict or None
        ``relative_weight``, ``relative_weight_pct``, ``lmg`` and ``lmg_pct`` → (low, high)
        arrays (None without bootstrap).

    References
    ----------
    .. [1] Johnson, J. W. (2000). A heuristic method for estimating the relative weight of
       predictor variables in multiple regression. *Multivariate Behavioral Research*,
       35(1), 1–19.
    .. [2] Grömping, U. (2006). Relative importance for linear regression in R: the package
       relaimpo. *Journal of Statistical Software*, 17(1), 1–27.
    .. [3] Efron, B., & Tibshirani, R. J. (1993). *An Introduction to the Bootstrap*. New York:
       Chapman & Hall.

    Examples
    --------
    With two predictors the relative weights equal the LMG shares. R:
    ``relaimpo::calc.relimp(r, type = "lmg", rela = TRUE)`` for the percentages and
    ``1 - (1 - R2) * (n - 1) / (n - p - 1)`` for the adjusted R².

    >>> r = np.array([[1.0, 0.5, 0.4], [0.5, 1.0, 0.3], [0.4, 0.3, 1.0]])
    >>> res = drivers_from_cor(r, ["y", "a", "b"], "y", n=100)
    >>> res.to_frame()["lmg_pct"].round(4).tolist(), round(res.adjusted_r2, 4)
    ([64.1207, 35.8793], 0.3046)
    >>> round(res.to_dict()["predictors"]["a"]["vif"], 4), res.bounds is None  # R: diag(solve(r[-1, -1]))
    (1.0989, True)
    """

    outcome: Hashable
    predictors: tuple
    n: int
    r2: float
    relative_weight: np.ndarray
    lmg: np.ndarray
    vif: np.ndarray
    condition_number: float
    n_boot: int = 0
    confidence: float = 0.95
    seed: int | None = None
    n_boot_failed: int = 0
    r2_low: float | None = None
    r2_high: float | None = None
    bounds: dict | None = None

    @property
    def adjusted_r2(self) -> float:
        """1 − (1 − R²)(n − 1)/(n − p − 1)."""
        p = len(self.predictors)
        return 1.0 - (1.0 - self.r2) * (self.n - 1) / (self.n - p - 1)

    def to_frame(self) -> pd.DataFrame:
        """One row per predictor (index = predictor name): ``relative_weight``,
        ``relative_weight_pct``, ``lmg``, ``lmg_pct`` (percent of R²), with bootstrap the
        bounds ``<column>_low`` / ``<column>_high`` of each, and ``vif``."""
        import pandas as pd  # on use: the core works on arrays and stays light to import

        cols = {"relative_weight": self.relative_weight,
                "relative_weight_pct": 100.0 * self.relative_weight / self.r2,
                "lmg": self.lmg, "lmg_pct": 100.0 * self.lmg / self.r2}
        out = {}
        for name, values in cols.items():
            out[name] = values
            if self.bounds is not None:
                out[f"{name}_low"], out[f"{name}_high"] = self.bounds[name]
        out["vif"] = self.vif
        return pd.DataFrame(out, index=pd.Index(self.predictors, name="predictor"))

    def to_dict(self) -> dict:
        """JSON-able dict (NaN as None): outcome, n, r2, adjusted_r2, its interval,
        condition_number, bootstrap settings and one entry per predictor."""
        frame = self.to_frame()
        return {
            "outcome": _plain(self.outcome), "n": int(self.n), "r2": _plain(self.r2),
            "adjusted_r2": _plain(self.adjusted_r2),
            "r2_low": _plain(self.r2_low), "r2_high": _plain(self.r2_high),
            "condition_number": _plain(self.condition_number),
            "n_boot": int(self.n_boot), "n_boot_failed": int(self.n_boot_failed),
            "confidence": float(self.confidence), "seed": self.seed,
            "interval": "percentile" if self.n_boot else None,
            "predictors": {str(k): {c: _plain(v) for c, v in row.items()}
                           for k, row in frame.to_dict("index").items()},
        }


def drivers_from_cor(r: np.ndarray | pd.DataFrame, names: Sequence[Hashable] | None = None,
                     outcome: Hashable | None = None, n: int | None = None, *,
                     lmg: bool = True) -> DriversResult:
    """Relative weights, LMG, R², VIF and condition number from a correlation matrix.

    Parameters
    ----------
    r : (q, q) array or DataFrame
        Correlation (or covariance: it is rescaled) matrix of the outcome and predictors.
    names : sequence, optional
        Labels of the q variables (default: the DataFrame's columns, else 0 … q−1).
    outcome : label, optional
        Which variable is the outcome (default: the first); the others are the predictors,
        in their order.
    n : int
        Number of observations behind ``r`` (used for ``adjusted_r2`` and checks).
    lmg : bool
        Compute the exact LMG decomposition (needs p ≤ ``MAX_LMG_PREDICTORS``).

    Returns
    -------
    DriversResult
        R², relative weights, LMG, VIF and condition number (no bootstrap).

    Raises
    ------
    DriversError
        If ``r`` is not a finite symmetric square matrix with positive diagonal, the names
        are not distinct or do not match, ``outcome`` is not a variable, ``n`` is not an
        integer of at least p + 2, the predictors are perfectly collinear, or ``lmg`` is
        asked for with more than :data:`MAX_LMG_PREDICTORS` predictors.

    References
    ----------
    .. [1] Johnson, J. W. (2000). A heuristic method for estimating the relative weight of
       predictor variables in multiple regression. *Multivariate Behavioral Research*,
       35(1), 1–19.
    .. [2] Lindeman, R. H., Merenda, P. F., & Gold, R. Z. (1980). *Introduction to Bivariate and
       Multivariate Analysis*. Glenview, IL: Scott, Foresman.
    .. [3] Grömping, U. (2006). Relative importance for linear regression in R: the package
       relaimpo. *Journal of Statistical Software*, 17(1), 1–27.
    .. [4] Belsley, D. A., Kuh, E., & Welsch, R. E. (1980). *Regression Diagnostics: Identifying
       Influential Data and Sources of Collinearity*. New York: Wiley.

    Examples
    --------
    >>> import numpy as np
    >>> r = np.array([[1.0, 0.5, 0.4], [0.5, 1.0, 0.3], [0.4, 0.3, 1.0]])
    >>> res = drivers_from_cor(r, ["y", "a", "b"], "y", n=100)
    >>> round(res.r2, 6), np.round(res.lmg, 6).tolist()
    (0.318681, [0.204341, 0.114341])

    R: ``relaimpo::calc.relimp(cov2cor(r), type = "lmg")`` gives the same LMG values.
    """
    c, labels = _matrix(r, names)
    if outcome is None:
        outcome = labels[0]
    if outcome not in labels:
        raise DriversError(f"outcome {outcome!r} is not one of the variables {labels}")
    if n is None or int(n) != n:
        raise DriversError(f"n must be the integer number of observations, got {n!r}")
    y = labels.index(outcome)
    order = [y] + [i for i in range(len(labels)) if i != y]
    c = c[np.ix_(order, order)]
    predictors = tuple(labels[i] for i in order[1:])
    p = len(predictors)
    if int(n) < p + 2:
        raise DriversError(f"{p} predictors need at least {p + 2} observations, got n = {n}")
    if lmg and p > MAX_LMG_PREDICTORS:
        raise DriversError(
            f"the exact LMG decomposition needs all 2^p subsets; {p} predictors exceed the "
            f"limit of {MAX_LMG_PREDICTORS}: pass lmg=False for relative weights only")
    rxx = c[1:, 1:]
    evals = np.linalg.eigvalsh(rxx)
    if evals[0] <= 1e-10 * evals[-1]:
        raise DriversError("the predictors are perfectly collinear (their correlation matrix "
                           f"is singular): {list(predictors)}")
    vif = np.diag(np.linalg.inv(rxx))
    rw, r2 = _relative_weights(c[None])
    lmg_values = _lmg(c[None])[0] if lmg else np.full(p, np.nan)
    return DriversResult(outcome=outcome, predictors=predictors, n=int(n), r2=float(r2[0]),
                         relative_weight=rw[0], lmg=lmg_values, vif=vif,
                         condition_number=float(np.sqrt(evals[-1] / evals[0])))


def drivers(data: pd.DataFrame | np.ndarray, outcome: Hashable,
            predictors: Sequence[Hashable], *, n_boot: int = 0, seed: int = 0,
            confidence: float = 0.95, workers: int | None = None, lmg: bool = True,
            progress: Callable[[int, int], None] | None = None) -> DriversResult:
    """Key-driver analysis of ``outcome`` on ``predictors`` with bootstrap intervals.

    Uses the rows complete on the outcome and all predictors (listwise, as R's ``lm`` and
    relaimpo do), computes their correlation matrix and calls :func:`drivers_from_cor`.

    Parameters
    ----------
    data : DataFrame or 2-D array
        One row per respondent; NaN = missing. For an array, ``outcome`` and
        ``predictors`` are column positions.
    outcome, predictors : column labels
    n_boot : int
        Bootstrap replicates (0 = none): Poisson bootstraps (:mod:`servq.stats.bootstrap`)
        in which a row's weight depends on its position in ``data``, the seed and the
        replicate. Reads the rows, unlike the point estimates.
    seed : int
        Seed of the replicates, 0 ≤ seed < 2^64.
    confidence : float
        Coverage of the percentile intervals.
    workers : int, optional
        Threads for the resamples (default: all CPUs); the result does not depend on it.
    lmg : bool
        Compute LMG (exact; p ≤ ``MAX_LMG_PREDICTORS``).
    progress : callable, optional
        Called as ``progress(done, n_boot)`` after each chunk of resamples.

    Returns
    -------
    DriversResult
        As :func:`drivers_from_cor`, with percentile intervals when ``n_boot > 0``.

    Raises
    ------
    DriversError
        If a column is missing, not numeric or constant in the complete rows, there are
        too few complete rows, ``n_boot`` is not a non-negative integer, ``confidence`` is
        not between 0 and 1, no bootstrap resample is usable, or as :func:`drivers_from_cor`.

    References
    ----------
    .. [1] Johnson, J. W. (2000). A heuristic method for estimating the relative weight of
       predictor variables in multiple regression. *Multivariate Behavioral Research*,
       35(1), 1–19.
    .. [2] Lindeman, R. H., Merenda, P. F., & Gold, R. Z. (1980). *Introduction to Bivariate and
       Multivariate Analysis*. Glenview, IL: Scott, Foresman.
    .. [3] Efron, B., & Tibshirani, R. J. (1993). *An Introduction to the Bootstrap*. New York:
       Chapman & Hall.

    Examples
    --------
    >>> import pandas as pd
    >>> from pathlib import Path
    >>> sq = pd.read_csv(Path("tests/data/servqual_perceptions_sq411.csv"))
    >>> dims = {"tangibles": (1, 4), "reliability": (5, 9), "responsiveness": (10, 13),
    ...         "assurance": (14, 17), "empathy": (18, 22)}
    >>> for d, (a, b) in dims.items():
    ...     sq[d] = sq[[f"a{i:02d}" for i in range(a, b + 1)]].mean(axis=1)
    >>> res = drivers(sq, "sat", list(dims))
    >>> round(res.r2, 4), round(float(res.to_frame()["relative_weight_pct"].sum()), 6)
    (0.7695, 100.0)

    R: ``summary(lm(sat ~ tangibles + reliability + responsiveness + assurance + empathy,
    sq))$r.squared`` gives the same R².
    """
    x, labels = _columns(data, outcome, predictors)
    complete = ~np.isnan(x).any(axis=1)
    rows = np.flatnonzero(complete)  # the rows' numbers: their bootstrap weights depend on them
    x = x[complete]
    n = x.shape[0]
    if n < len(labels) + 1:
        raise DriversError(f"only {n} rows are complete on {labels}; "
                           f"{len(labels) - 1} predictors need at least {len(labels) + 1}")
    sd = x.std(axis=0, ddof=1)
    if np.any(sd == 0):
        const = [labels[i] for i in np.flatnonzero(sd == 0)]
        raise DriversError(f"no variation in the complete rows of {const}")
    z = (x - x.mean(axis=0)) / sd
    point = drivers_from_cor(z.T @ z / (n - 1), labels, outcome, n, lmg=lmg)
    if n_boot == 0:
        return point
    if int(n_boot) != n_boot or n_boot < 0:
        raise DriversError(f"n_boot must be a non-negative integer, got {n_boot!r}")
    if not 0 < confidence < 1:
        raise DriversError(f"confidence must be between 0 and 1, got {confidence!r}")
    if int(seed) != seed or not 0 <= seed < 2**64:
        raise DriversError(f"seed must be an integer between 0 and 2^64 - 1, got {seed!r}")
    return _bootstrap(point, x, rows, int(n_boot), int(seed), confidence, workers, lmg, progress)


def _bootstrap(point: DriversResult, x: np.ndarray, rows: np.ndarray, n_boot: int, seed: int,
               confidence: float, workers: int | None, lmg: bool, progress) -> DriversResult:
    centred = x - x.mean(axis=0)
    chunks = [range(s, min(s + _CHUNK, n_boot)) for s in range(0, n_boot, _CHUNK)]
    sums, done = [], 0
    with ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 1) as pool:
        for part in pool.map(lambda reps: replicate_sums(centred, rows, reps, seed=seed), chunks):
            sums.append(part)
            done += part.shape[0]
            if progress is not None:
                progress(done, n_boot)
    found = replicate_intervals(np.concatenate(sums), confidence=confidence, lmg=lmg)
    if found.n_failed == n_boot:
        raise DriversError(f"none of the {n_boot} bootstrap resamples of the {x.shape[0]} rows has "
                           "varying, non-collinear columns")
    return DriversResult(**{**point.__dict__, "n_boot": n_boot, "confidence": confidence, "seed": seed,
                            "n_boot_failed": found.n_failed, "r2_low": found.r2[0], "r2_high": found.r2[1],
                            "bounds": found.bounds})


@dataclass(frozen=True)
class BootIntervals:
    """Percentile intervals of the key-driver statistics over bootstrap replicates
    (:func:`replicate_intervals`).

    Parameters
    ----------
    n_failed : int
        Replicates dropped: a constant column, or collinear predictors.
    r2 : tuple of float
        (low, high) of R² (NaN when every replicate failed).
    bounds : dict
        ``relative_weight``, ``relative_weight_pct``, ``lmg`` and ``lmg_pct`` → (low, high)
        arrays, one value per predictor.

    References
    ----------
    .. [1] Efron, B., & Tibshirani, R. J. (1993). *An Introduction to the Bootstrap*. New York:
       Chapman & Hall.

    Examples
    --------
    >>> x = np.random.default_rng(2).normal(size=(80, 3))
    >>> x[:, 0] += x[:, 1]
    >>> found = replicate_intervals(replicate_sums(x, np.arange(80), 50, seed=1))
    >>> found.n_failed, sorted(found.bounds)
    (0, ['lmg', 'lmg_pct', 'relative_weight', 'relative_weight_pct'])

    R: ``quantile(replicates, c(0.025, 0.975), type = 7)`` of each statistic.
    """

    n_failed: int
    r2: tuple[float, float]
    bounds: dict


def replicate_intervals(sums: np.ndarray, *, confidence: float = 0.95, lmg: bool = True) -> BootIntervals:
    """Percentile intervals of R², relative weights and LMG from the weighted sums of
    bootstrap replicates (:func:`servq.stats.bootstrap.replicate_sums` of rows whose first
    column is the outcome, the others the predictors).

    Replicates with a (nearly) constant column or collinear predictors are dropped. The
    bounds are ``numpy.quantile`` with linear interpolation (R's ``quantile(type = 7)``).

    Parameters
    ----------
    sums : ndarray, (b, 1 + q + q(q + 1)/2)
    confidence : float
        Coverage of the intervals.
    lmg : bool
        Also the LMG shares (NaN otherwise).

    Returns
    -------
    BootIntervals

    References
    ----------
    .. [1] Efron, B., & Tibshirani, R. J. (1993). *An Introduction to the Bootstrap*. New York:
       Chapman & Hall.
    .. [2] Johnson, J. W. (2000). A heuristic method for estimating the relative weight of
       predictor variables in multiple regression. *Multivariate Behavioral Research*,
       35(1), 1–19.

    Examples
    --------
    >>> x = np.random.default_rng(2).normal(size=(200, 3))
    >>> x[:, 0] += 2 * x[:, 1]
    >>> found = replicate_intervals(replicate_sums(x, np.arange(200), 100, seed=3))
    >>> low, high = found.bounds["relative_weight_pct"]
    >>> bool(low[0] > 50 > high[1])  # the first predictor carries most of R²
    True

    R: ``relaimpo::booteval.relimp(relaimpo::boot.relimp(fit, b = 100))`` gives percentile
    intervals of the same statistics from row resamples.
    """
    m = sums.shape[1]
    q = int((math.isqrt(8 * m + 1) - 3) // 2)  # m = 1 + q + q(q + 1)/2
    _, mean, cov = replicate_moments(sums, q)
    var = np.einsum("bii->bi", cov)
    second = var + mean * mean
    with np.errstate(invalid="ignore"):
        cov = cov[np.all(var > 1e-10 * np.maximum(second, 1e-300), axis=1)]  # no constant column
    sd = np.sqrt(np.einsum("bii->bi", cov))
    cor = cov / sd[:, :, None] / sd[:, None, :]
    if cor.shape[0]:
        cor = cor[np.linalg.cond(cor[:, 1:, 1:]) < 1e12]  # nor collinear predictors
    failed = sums.shape[0] - cor.shape[0]
    p = q - 1
    if not cor.shape[0]:
        nan = (np.full(p, np.nan), np.full(p, np.nan))
        return BootIntervals(failed, (math.nan, math.nan), dict.fromkeys(BOOT_STATISTICS, nan))
    rw, r2 = _relative_weights(cor)
    lm = _lmg(cor) if lmg else np.full_like(rw, np.nan)
    lo_q, hi_q = (1 - confidence) / 2, 1 - (1 - confidence) / 2

    def interval(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return tuple(np.quantile(values, [lo_q, hi_q], axis=0))

    bounds = {"relative_weight": interval(rw),
              "relative_weight_pct": interval(100 * rw / r2[:, None]),
              "lmg": interval(lm), "lmg_pct": interval(100 * lm / r2[:, None])}
    r2_lo, r2_hi = interval(r2)
    return BootIntervals(failed, (float(r2_lo), float(r2_hi)), bounds)



def _relative_weights(c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Johnson's relative weights and R² for a batch (b, q, q) of correlation matrices
    whose first variable is the outcome."""
    rxx, rxy = c[:, 1:, 1:], c[:, 1:, 0]
    evals, evecs = np.linalg.eigh(rxx)
    lam = (evecs * np.sqrt(evals)[:, None, :]) @ np.swapaxes(evecs, 1, 2)
    beta = np.linalg.solve(lam, rxy[..., None])[..., 0]
    rw = (lam ** 2) @ (beta ** 2)[..., None]
    return rw[..., 0], np.sum(beta ** 2, axis=1)


def _subset_r2(c: np.ndarray) -> np.ndarray:
    """R² of the outcome on every subset of the predictors, (b, 2^p), subset as bit mask."""
    b, q = c.shape[:2]
    p = q - 1
    masks = np.arange(2 ** p)
    bits = (masks[:, None] >> np.arange(p)) & 1
    size = bits.sum(axis=1)
    out = np.zeros((b, 2 ** p))
    for k in range(1, p + 1):
        these = masks[size == k]
        idx = np.nonzero(bits[these])[1].reshape(len(these), k) + 1  # columns in c
        rss = c[:, idx[:, :, None], idx[:, None, :]]                 # (b, m, k, k)
        rs = c[:, idx, 0]                                            # (b, m, k)
        sol = np.linalg.solve(rss, rs[..., None])[..., 0]
        out[:, these] = np.sum(rs * sol, axis=-1)
    return out


def _lmg(c: np.ndarray) -> np.ndarray:
    """Exact LMG (Shapley) shares of R² for a batch (b, q, q) of correlation matrices."""
    p = c.shape[1] - 1
    r2 = _subset_r2(c)
    masks = np.arange(2 ** p)
    size = ((masks[:, None] >> np.arange(p)) & 1).sum(axis=1)
    weight = np.array([math.factorial(s) * math.factorial(p - s - 1) / math.factorial(p)
                       if s < p else 0.0 for s in range(p + 1)])
    out = np.empty((c.shape[0], p))
    for j in range(p):
        without = masks[(masks >> j) & 1 == 0]
        out[:, j] = (r2[:, without | (1 << j)] - r2[:, without]) @ weight[size[without]]
    return out


def _is_frame(x) -> bool:
    return type(x).__module__.startswith("pandas") and hasattr(x, "columns")


def _matrix(r, names) -> tuple[np.ndarray, list]:
    if _is_frame(r):
        names = list(r.columns) if names is None else list(names)
        r = r.to_numpy(dtype=float)
    c = np.asarray(r, dtype=float)
    if c.ndim != 2 or c.shape[0] != c.shape[1] or c.shape[0] < 2:
        raise DriversError(f"r must be a square matrix of at least 2 variables, got shape {c.shape}")
    labels = list(range(c.shape[0])) if names is None else list(names)
    if len(labels) != c.shape[0] or len(set(labels)) != len(labels):
        raise DriversError(f"names must be {c.shape[0]} distinct labels, got {labels}")
    if not np.all(np.isfinite(c)) or not np.allclose(c, c.T, atol=1e-10):
        raise DriversError("r must be a finite symmetric matrix")
    d = np.diag(c)
    if np.any(d <= 0):
        raise DriversError(f"zero or negative variance of {[labels[i] for i in np.flatnonzero(d <= 0)]}")
    return c / np.sqrt(np.outer(d, d)), labels


def _columns(data, outcome, predictors) -> tuple[np.ndarray, list]:
    labels = [outcome, *predictors]
    if len(predictors) == 0:
        raise DriversError("at least one predictor is needed")
    if len(set(labels)) != len(labels):
        raise DriversError(f"outcome and predictors must be distinct columns, got {labels}")
    if _is_frame(data):
        import pandas as pd

        missing = [c for c in labels if c not in data.columns]
        if missing:
            raise DriversError(f"columns not in data: {missing}")
        bad = [c for c in labels if not pd.api.types.is_numeric_dtype(data[c])]
        if bad:
            raise DriversError(f"columns are not numeric: {bad}")
        return data[labels].to_numpy(dtype=float), labels
    arr = np.asarray(data)
    if arr.ndim != 2:
        raise DriversError(f"data must be a DataFrame or a 2-D array, got shape {arr.shape}")
    if not all(isinstance(c, (int, np.integer)) and 0 <= c < arr.shape[1] for c in labels):
        raise DriversError(f"for an array, outcome and predictors must be column positions "
                           f"0 … {arr.shape[1] - 1}, got {labels}")
    try:
        return arr[:, labels].astype(float), labels
    except (TypeError, ValueError) as exc:
        raise DriversError(f"data must be numeric: {exc}") from None


def _plain(v):
    if v is None:
        return None
    if isinstance(v, (np.integer, int)) and not isinstance(v, bool):
        return int(v)
    if isinstance(v, (np.floating, float)):
        return None if math.isnan(v) else float(v)
    return v if isinstance(v, (str, bool)) else str(v)
