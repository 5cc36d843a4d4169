"""Lagged correlation of an operational daily series with daily complaint volume.

Does a network, queue or delivery metric move before complaints do? For lags
L = 0, 1, …, ``max_lag`` days, the metric of day d − L is paired with the complaints of
day d (lag L = the metric L days *before* the complaints), over every day d where both
values are present — series are aligned by date, not by position, so a missing day drops
only its own pairs. For each lag, Pearson's

    r_L = Σ (m_i − m̄)(y_i − ȳ) / √(Σ (m_i − m̄)² Σ (y_i − ȳ)²)     over the n_L pairs,

with the two-sided p-value of t = r √((n − 2)/(1 − r²)) on n − 2 degrees of freedom
(R ``cor.test(m, y)``; ``scipy.stats.pearsonr``). Lags with fewer than ``min_n`` pairs
(at least 3) or a constant series have no r.

The *strongest* lag is the one with the largest |r| (``by="abs"``, default) or the largest
positive r (``by="positive"``: more of the metric goes with more complaints); ties go to
the shorter lag. Having looked at up to 15 lags, its p-value is corrected for them: the
p-values of all lags with an r are adjusted by Holm's method (default; R ``p.adjust``) or
Bonferroni, and the strongest lag's adjusted p is reported. For the lag with the smallest
p — which is the strongest by |r| when every lag has about the same n — Holm and
Bonferroni agree: m·p.

Caveat: the p-values assume independent days, as ``cor.test`` does. Daily series are
usually autocorrelated (weekday patterns, trends), which makes r look more significant
than it is; a common trend in both series correlates them at every lag. Read the lag
profile, not one p-value (Box, Jenkins & Reinsel, *Time Series Analysis*, 4th ed., 2008,
§11.1.3 on the cross-correlation function and prewhitening).

References: Holm (1979), see :mod:`servq.stats.spikes`; R Core Team, ``cor.test``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

from .comparisons import p_adjust

STRONGEST = ("abs", "positive")
CORRECTIONS = ("holm", "bonferroni")


class LagError(ValueError):
    """Wrong arguments to the lagged correlation (a programming error, not a user's file).

    Parameters
    ----------
    *args : object
        As for :class:`ValueError`: the message.

    References
    ----------
    .. [1] Box, G. E. P., Jenkins, G. M., & Reinsel, G. C. (2008). *Time Series Analysis:
       Forecasting and Control* (4th ed.). Hoboken, NJ: Wiley.

    Examples
    --------
    An unknown choice of the strongest lag (R's ``match.arg`` rejects such a value alike):

    >>> days = np.arange("2026-03-01", "2026-03-06", dtype="datetime64[D]")
    >>> try:
    ...     lagged_correlation(days, np.arange(5.0), days, np.arange(5.0), by="negative")
    ... except LagError as exc:
    ...     print(exc)
    by must be one of abs, positive; got 'negative'
    """


def _plain(x):
    return None if x is None or not np.isfinite(x) else float(x)


@dataclass(frozen=True)
class LagCorrelation:
    """Per lag (0…max_lag): ``r``, ``n`` (pairs), ``p`` and ``p_adjusted``; the
    ``strongest`` lag (None when no lag has an r, or no positive r with ``by="positive"``).

    Parameters
    ----------
    lags : ndarray of int
        0, 1, …, max_lag.
    r : ndarray
        Pearson r per lag (NaN where too few pairs or a constant series).
    n : ndarray of int
        Pairs per lag.
    p, p_adjusted : ndarray
        Two-sided p per lag, before and after the correction (NaN where no r).
    strongest : int or None
        The strongest lag.
    by : str
        ``"abs"`` or ``"positive"``: how ``strongest`` was chosen.
    correction : str
        ``"holm"`` or ``"bonferroni"``.
    alpha : float
        Level for :attr:`significant`.

    References
    ----------
    .. [1] Pearson, K. (1895). Notes on regression and inheritance in the case of two parents.
       *Proceedings of the Royal Society of London*, 58, 240–242.
    .. [2] Holm, S. (1979). A simple sequentially rejective multiple test procedure.
       *Scandinavian Journal of Statistics*, 6(2), 65–70.

    Examples
    --------
    Complaints follow the metric two days later, with noise. In R, for lag 2:
    ``cor.test(metric[1:8], complaints)`` gives r = 0.9922, and the Holm-adjusted p is
    ``p.adjust(p, "holm")`` over the four lags (here 4 × p = 4.74e-06).

    >>> days = np.arange("2026-03-01", "2026-03-11", dtype="datetime64[D]")
    >>> metric = np.array([1, 5, 2, 8, 3, 7, 4, 6, 2, 9], dtype=float)
    >>> noise = np.array([3, -2, 4, 0, -5, 1, 2, -3])
    >>> lc = lagged_correlation(days, metric, days[2:], 10 * metric[:-2] + noise, max_lag=3)
    >>> lc.r.round(4).tolist(), lc.n.tolist()
    ([0.7022, -0.658, 0.9922, -0.6797], [8, 8, 8, 7])
    >>> lc.strongest, lc.significant, f"{lc.p_adjusted[2]:.3g}", lc.to_dict()["lags_tested"]
    (2, True, '4.74e-06', 4)
    """

    lags: np.ndarray
    r: np.ndarray
    n: np.ndarray
    p: np.ndarray
    p_adjusted: np.ndarray
    strongest: int | None
    by: str
    correction: str
    alpha: float

    @property
    def significant(self) -> bool:
        """Whether the strongest lag's corrected p is below alpha."""
        return self.strongest is not None and bool(self.p_adjusted[self.strongest] < self.alpha)

    def to_dict(self) -> dict:
        """JSON-able dict: every lag, the strongest (None if none), and the settings."""
        best = self.strongest
        return {
            "lags": [{"lag": int(lag), "r": _plain(r), "n": int(n), "p": _plain(p), "p_adjusted": _plain(q)}
                     for lag, r, n, p, q in zip(self.lags, self.r, self.n, self.p, self.p_adjusted)],
            "strongest": None if best is None else {
                "lag": int(best), "r": _plain(self.r[best]), "n": int(self.n[best]), "p": _plain(self.p[best]),
                "p_adjusted": _plain(self.p_adjusted[best]), "significant": self.significant},
            "by": self.by, "correction": self.correction, "alpha": self.alpha,
            "lags_tested": int(np.count_nonzero(np.isfinite(self.p))),
        }


def pearson_p(r, n) -> np.ndarray:
    """Two-sided p-value of Pearson's r on n pairs (t test on n − 2 df), elementwise.

    Parameters
    ----------
    r : array_like
        Correlations.
    n : array_like
        Pairs behind each r; broadcast with ``r``.

    Returns
    -------
    ndarray
        p = 2·P(T_{n−2} > |r|·√((n − 2)/(1 − r²))); 0 where |r| = 1, NaN where n ≤ 2 or r
        is NaN.

    References
    ----------
    .. [1] Fisher, R. A. (1915). Frequency distribution of the values of the correlation
       coefficient in samples from an indefinitely large population. *Biometrika*, 10(4),
       507–521.

    Examples
    --------
    >>> pearson_p([0.5], [12]).round(6).tolist()  # R: t = 0.5·√(10/0.75) = 1.825742, 2·pt(-t, 10)
    [0.097855]
    """
    r = np.asarray(r, dtype=np.float64)
    n = np.asarray(n, dtype=np.float64)
    df = n - 2
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.abs(r) * np.sqrt(df / np.maximum(1 - r * r, 0))
        p = 2 * special.stdtr(df, -t)
    p = np.where(np.abs(r) >= 1, 0.0, p)
    return np.where((df > 0) & np.isfinite(r), p, np.nan)


def _series(dates, values, what: str) -> tuple[np.ndarray, np.ndarray]:
    days = np.asarray(dates, dtype="datetime64[D]")
    v = np.asarray(values, dtype=np.float64)
    if days.shape != v.shape or days.ndim != 1:
        raise LagError(f"{what}: dates and values must be 1-D and of the same length")
    keep = np.isfinite(v) & ~np.isnat(days)
    d, v = days[keep].astype(np.int64), v[keep]
    if np.unique(d).size != d.size:
        raise LagError(f"{what}: a date occurs twice; give one value per day")
    return d, v


def lagged_correlation(metric_dates, metric, complaint_dates, complaints, *, max_lag: int = 14, by: str = "abs",
                       correction: str = "holm", alpha: float = 0.05, min_n: int = 3) -> LagCorrelation:
    """Pearson r of ``metric`` L days before with ``complaints`` on the day, L = 0…max_lag.

    Parameters
    ----------
    metric_dates, metric : array-like
        The operational series: dates (``datetime64[D]``, ``date`` or ISO text) and values
        (NaN = missing). One value per day.
    complaint_dates, complaints : array-like
        The complaint series. Give days without complaints as 0: a day absent from a
        series is missing, not zero.
    max_lag : int
        The longest lag in days (default 14: 15 lags).
    by : {"abs", "positive"}
        How the strongest lag is chosen (see the module notes).
    correction : {"holm", "bonferroni"}
        Correction of the p-values for the number of lags tested.
    alpha : float
        Level for ``significant``.
    min_n : int
        Fewest pairs for a lag to get an r (at least 3).

    Returns
    -------
    LagCorrelation
        r, n, p and corrected p per lag, and the strongest lag.

    Raises
    ------
    LagError
        If ``by`` or ``correction`` is unknown, ``max_lag`` is negative, or a series' dates
        and values differ in shape or a date occurs twice.

    References
    ----------
    .. [1] Pearson, K. (1895). Notes on regression and inheritance in the case of two parents.
       *Proceedings of the Royal Society of London*, 58, 240–242.
    .. [2] Holm, S. (1979). A simple sequentially rejective multiple test procedure.
       *Scandinavian Journal of Statistics*, 6(2), 65–70.
    .. [3] Box, G. E. P., Jenkins, G. M., & Reinsel, G. C. (2008). *Time Series Analysis:
       Forecasting and Control* (4th ed.). Hoboken, NJ: Wiley.

    Examples
    --------
    Complaints follow the metric two days later:

    >>> days = np.arange("2026-03-01", "2026-03-11", dtype="datetime64[D]")
    >>> metric = np.array([1, 5, 2, 8, 3, 7, 4, 6, 2, 9], dtype=float)
    >>> lc = lagged_correlation(days, metric, days[2:], 10 * metric[:-2], max_lag=3)
    >>> lc.strongest, round(float(lc.r[2]), 6), int(lc.n[2])  # R: cor(metric[1:8], 10 * metric[1:8])
    (2, 1.0, 8)
    """
    if by not in STRONGEST:
        raise LagError(f"by must be one of {', '.join(STRONGEST)}; got {by!r}")
    if correction not in CORRECTIONS:
        raise LagError(f"correction must be one of {', '.join(CORRECTIONS)}; got {correction!r}")
    if max_lag < 0:
        raise LagError(f"max_lag must not be negative, got {max_lag}")
    min_n = max(3, int(min_n))
    md, mv = _series(metric_dates, metric, "metric")
    cd, cv = _series(complaint_dates, complaints, "complaints")
    lags = np.arange(max_lag + 1)
    r = np.full(lags.size, np.nan)
    n = np.zeros(lags.size, dtype=np.int64)
    if md.size and cd.size:
        lo = min(md.min(), cd.min() - max_lag)
        hi = max(md.max(), cd.max())
        dense_m = np.full(hi - lo + 1, np.nan)
        dense_m[md - lo] = mv
        at = cd - lo
        for i, lag in enumerate(lags):  # 15 vector operations, whatever the length of the series
            m = dense_m[at - lag]
            ok = np.isfinite(m)
            n[i] = np.count_nonzero(ok)
            if n[i] >= min_n:
                r[i] = _pearson(m[ok], cv[ok])
    p = pearson_p(r, n)
    p_adj = p_adjust(p, correction)
    strongest = _strongest(r, by)
    return LagCorrelation(lags, r, n, p, p_adj, strongest, by, correction, alpha)


def _pearson(x: np.ndarray, y: np.ndarray) -> float:
    dx, dy = x - x.mean(), y - y.mean()
    sxx, syy = float(dx @ dx), float(dy @ dy)
    if sxx <= 0 or syy <= 0:
        return np.nan
    return float(np.clip((dx @ dy) / np.sqrt(sxx * syy), -1.0, 1.0))


def _strongest(r: np.ndarray, by: str) -> int | None:
    score = np.abs(r) if by == "abs" else np.where(r > 0, r, np.nan)
    if not np.isfinite(score).any():
        return None
    return int(np.nanargmax(score))  # the first (shortest) lag on ties
