"""Shewhart control charts from per-period summaries: the X̄ chart for means and the
p-chart for shares, both with limits that vary with each period's sample size, and the
run rule "eight in a row on one side of the centre line".

Only per-period counts, means, SDs and shares are needed, so the charts are built from
the same sufficient statistics as every other figure (Montgomery, *Introduction to
Statistical Quality Control*, 8th ed., 2019: §6.3.2 X̄ and s charts with variable sample
size, §7.2.2 the p-chart with variable sample size, §5.3.6 the sensitising rules).

- X̄ chart: centre x̿ = Σ n_t x̄_t / Σ n_t (the mean of all answers); σ̂ = the pooled
  within-period SD s_p = √(Σ (n_t − 1) s_t² / Σ (n_t − 1));
  limits x̿ ± 3·s_p/√n_t. The c₄ bias correction is left out: periods of a survey hold
  dozens to thousands of answers, where c₄ > 0.99.
- p-chart: centre p̄ = Σ x_t / Σ n_t; limits p̄ ± 3·√(p̄(1 − p̄)/n_t), clipped to [0, 1].
- A period is *out of control* when its value is outside its limits; a *run* is the 8th
  and every further consecutive period on the same side of the centre line (a value on
  the line ends a run).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SIGMAS = 3.0
RUN_LENGTH = 8


@dataclass(frozen=True)
class ControlChart:
    """Centre line, σ̂ (per answer; None for a p-chart), per-period values and limits, and
    the flags: ``out`` (outside the limits) and ``run`` (part of a run, see module doc).

    Parameters
    ----------
    centre : float
        The centre line (x̿ or p̄).
    sigma : float or None
        σ̂ per answer (the pooled within-period SD) for an X̄ chart; None for a p-chart.
    value : ndarray
        The charted per-period means or shares.
    lcl, ucl : ndarray
        Per-period lower and upper control limits.
    out : ndarray of bool
        Periods outside their limits.
    run : ndarray of bool
        Periods that are the 8th or later in a row on one side of the centre line.

    References
    ----------
    .. [1] Montgomery, D. C. (2019). *Introduction to Statistical Quality Control* (8th ed.).
       Hoboken, NJ: Wiley.
    .. [2] Shewhart, W. A. (1931). *Economic Control of Quality of Manufactured Product*.
       New York: Van Nostrand.

    Examples
    --------
    R: ``qcc::qcc(c(10, 15, 60), sizes = c(50, 50, 100), type = "p")`` draws the same
    limits.

    >>> c = p_chart([50, 50, 100], [0.2, 0.3, 0.6])
    >>> c.sigma is None, c.ucl.round(4).tolist(), c.run.tolist()
    (True, [0.6347, 0.6347, 0.5733], [False, False, False])
    """

    centre: float
    sigma: float | None
    value: np.ndarray
    lcl: np.ndarray
    ucl: np.ndarray
    out: np.ndarray
    run: np.ndarray


def xbar_chart(n, mean, sd) -> ControlChart:
    """X̄ chart of per-period means with limits x̿ ± 3·s_p/√n_t.

    Periods with n_t = 1 (no SD) count in the centre line but not in s_p.

    Parameters
    ----------
    n : array_like
        Answers per period.
    mean : array_like
        Mean per period.
    sd : array_like
        SD per period (n − 1 denominator; ignored where n = 1).

    Returns
    -------
    ControlChart
        Centre x̿, σ̂ = s_p (NaN when no period has two answers), limits and flags.

    References
    ----------
    .. [1] Montgomery, D. C. (2019). *Introduction to Statistical Quality Control* (8th ed.).
       Hoboken, NJ: Wiley.

    Examples
    --------
    Three periods: n = 4, 4, 2; means 3, 5, 7; SDs 1, 1, √2.
    x̿ = (12 + 20 + 14)/10 = 4.6, s_p = √((3 + 3 + 2)/(3 + 3 + 1)) = √(8/7)
    (in R: ``weighted.mean(m, n)`` and ``sqrt(sum((n - 1) * s^2) / sum(n - 1))``).

    >>> c = xbar_chart([4, 4, 2], [3.0, 5.0, 7.0], [1.0, 1.0, 2 ** 0.5])
    >>> round(c.centre, 6), round(c.sigma, 6), round(float(c.ucl[2]), 6)
    (4.6, 1.069045, 6.867787)
    >>> c.out.tolist()  # LCL of period 1 = 4.6 − 3·1.0690/2 = 2.996 < 3; 7 > 6.868
    [False, False, True]
    """
    n, mean, sd = (np.asarray(a, dtype=np.float64) for a in (n, mean, sd))
    centre = float((n * mean).sum() / n.sum())
    dof = np.where(n > 1, n - 1, 0.0)
    sigma = float(np.sqrt((dof * np.where(n > 1, sd, 0.0) ** 2).sum() / dof.sum())) if dof.sum() > 0 else np.nan
    half = SIGMAS * sigma / np.sqrt(n)
    return _chart(centre, sigma, mean, centre - half, centre + half)


def p_chart(n, share) -> ControlChart:
    """p-chart of per-period shares with limits p̄ ± 3·√(p̄(1 − p̄)/n_t) in [0, 1].

    Parameters
    ----------
    n : array_like
        Answers per period.
    share : array_like
        Share per period (0–1).

    Returns
    -------
    ControlChart
        Centre p̄, ``sigma=None``, limits and flags.

    References
    ----------
    .. [1] Montgomery, D. C. (2019). *Introduction to Statistical Quality Control* (8th ed.).
       Hoboken, NJ: Wiley.

    Examples
    --------
    Shares 0.2, 0.3, 0.6 of 50, 50, 100: p̄ = (10 + 15 + 60)/200 = 0.425
    (R: ``qcc::qcc(c(10, 15, 60), sizes = c(50, 50, 100), type = "p")``).

    >>> c = p_chart([50, 50, 100], [0.2, 0.3, 0.6])
    >>> round(c.centre, 6), round(float(c.lcl[0]), 6)  # 0.425 - 3*sqrt(0.425*0.575/50)
    (0.425, 0.215268)
    >>> c.out.tolist()
    [True, False, True]
    """
    n, share = (np.asarray(a, dtype=np.float64) for a in (n, share))
    centre = float((n * share).sum() / n.sum())
    half = SIGMAS * np.sqrt(centre * (1 - centre) / n)
    return _chart(centre, None, share, np.maximum(centre - half, 0.0), np.minimum(centre + half, 1.0))


def runs(value, centre: float, length: int = RUN_LENGTH) -> np.ndarray:
    """True for each point that is the ``length``-th or later in a row on one side of
    ``centre`` (a point on the centre line breaks the run).

    Parameters
    ----------
    value : array_like
        The charted values, in period order.
    centre : float
        The centre line.
    length : int
        Run length that signals (default 8).

    Returns
    -------
    ndarray of bool
        One flag per value.

    References
    ----------
    .. [1] Western Electric Company (1956). *Statistical Quality Control Handbook*. Indianapolis:
       Western Electric.
    .. [2] Montgomery, D. C. (2019). *Introduction to Statistical Quality Control* (8th ed.).
       Hoboken, NJ: Wiley.

    Examples
    --------
    In R: ``s <- sign(x - centre); sequence(rle(s)$lengths) >= 3 & s != 0``.

    >>> runs([1, 1, 1, -1, 1, 1, 1, 1], 0.0, length=3).tolist()
    [False, False, True, False, False, False, True, True]
    >>> runs([1, 1, 1, 0, 1, 1, 1, 1], 0.0, length=3).tolist()  # 0 is on the line
    [False, False, True, False, False, False, True, True]
    """
    side = np.sign(np.asarray(value, dtype=np.float64) - centre)
    flag = np.zeros(side.size, dtype=bool)
    count = 0
    for i in range(side.size):  # one step per period, not per answer
        count = count + 1 if i and side[i] != 0 and side[i] == side[i - 1] else int(side[i] != 0)
        flag[i] = count >= length
    return flag


def _chart(centre: float, sigma: float | None, value: np.ndarray, lcl: np.ndarray, ucl: np.ndarray) -> ControlChart:
    out = (value < lcl) | (value > ucl)
    return ControlChart(centre, None if sigma is None else float(sigma), value, lcl, ucl, out, runs(value, centre))
