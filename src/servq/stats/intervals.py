"""Confidence intervals for means (Student t) and proportions (Wilson score)."""

from __future__ import annotations

import numpy as np


def t_interval(mean: np.ndarray, sd: np.ndarray, n: np.ndarray,
               confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """mean ± t_{(1+c)/2, n-1} · sd / √n, elementwise; NaN where n < 2.

    Matches R ``t.test(x)$conf.int``.

    Parameters
    ----------
    mean, sd, n : array_like
        Means, SDs (n − 1 denominator) and counts; broadcast together.
    confidence : float
        Coverage c of the two-sided interval.

    Returns
    -------
    low, high : ndarray
        The interval bounds, NaN where n < 2.

    References
    ----------
    .. [1] Student (1908). The probable error of a mean. *Biometrika*, 6(1), 1–25.

    Examples
    --------
    R: ``2 + c(-1, 1) * qt(0.975, 3) * 1 / sqrt(4)``, which is ``t.test(x)$conf.int`` for any
    four answers with mean 2 and SD 1.

    >>> lo, hi = t_interval(np.array([2.0]), np.array([1.0]), np.array([4.0]))
    >>> round(float(lo[0]), 6), round(float(hi[0]), 6)  # mean 2, sd 1, n 4: 2 ± 3.182446 / 2
    (0.408777, 3.591223)
    """
    from scipy.special import stdtrit  # imported on use: it costs a third of a second

    mean, sd, n = (np.asarray(a, dtype=np.float64) for a in (mean, sd, n))
    with np.errstate(invalid="ignore", divide="ignore"):
        df = np.where(n > 1, n - 1, np.nan)
        half = stdtrit(df, 0.5 + confidence / 2) * sd / np.sqrt(n)
    return mean - half, mean + half


def wilson_interval(share: np.ndarray, n: np.ndarray,
                    confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a proportion ``share`` of ``n``; NaN where n = 0.

    Matches R ``prop.test(x, n, correct = FALSE)$conf.int``.

    Parameters
    ----------
    share : array_like
        Observed proportions x/n.
    n : array_like
        Trials; broadcast with ``share``.
    confidence : float
        Coverage of the two-sided interval.

    Returns
    -------
    low, high : ndarray
        The interval bounds, NaN where n = 0.

    References
    ----------
    .. [1] Wilson, E. B. (1927). Probable inference, the law of succession, and statistical
       inference. *Journal of the American Statistical Association*, 22(158), 209–212.
    .. [2] Newcombe, R. G. (1998). Two-sided confidence intervals for the single proportion:
       comparison of seven methods. *Statistics in Medicine*, 17(8), 857–872.

    Examples
    --------
    15 of 40, and 0 of 10 (where the Wald interval collapses to a point):

    >>> lo, hi = wilson_interval(np.array([0.375, 0.0]), np.array([40.0, 10.0]))
    >>> lo.round(6).tolist(), hi.round(6).tolist()  # R: prop.test(15, 40, correct = FALSE)$conf.int
    ([0.24223, 0.0], [0.529676, 0.277533])
    """
    from scipy.special import ndtri

    p, n = np.asarray(share, dtype=np.float64), np.asarray(n, dtype=np.float64)
    z = ndtri(0.5 + confidence / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        denom = 1 + z * z / n
        centre = (p + z * z / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
        ok = n > 0
    # at a share of 0 (1) the bound is 0 (1) exactly, as R's prop.test sets it: the formula leaves
    # rounding there (2.8e-17 for 0 of 12, 1 − 1.1e-16 for 10 of 10)
    low = np.where(p <= 0, 0.0, centre - half)
    high = np.where(p >= 1, 1.0, centre + half)
    return np.where(ok, low, np.nan), np.where(ok, high, np.nan)
