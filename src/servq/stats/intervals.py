"""Confidence intervals for means (Student t) and proportions (Wilson score)."""

from __future__ import annotations

import numpy as np


def t_interval(mean: np.ndarray, sd: np.ndarray, n: np.ndarray, confidence: float = 0.95):
    """mean ± t_{(1+c)/2, n-1} · sd / √n, elementwise; NaN where n < 2.

    Matches R ``t.test(x)$conf.int``.

    Examples
    --------
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


def wilson_interval(share: np.ndarray, n: np.ndarray, confidence: float = 0.95):
    """Wilson score interval for a proportion ``share`` of ``n``; NaN where n = 0.

    Matches R ``prop.test(x, n, correct = FALSE)$conf.int``.
    """
    from scipy.special import ndtri

    p, n = np.asarray(share, dtype=np.float64), np.asarray(n, dtype=np.float64)
    z = ndtri(0.5 + confidence / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        denom = 1 + z * z / n
        centre = (p + z * z / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
        ok = n > 0
    return np.where(ok, centre - half, np.nan), np.where(ok, centre + half, np.nan)
