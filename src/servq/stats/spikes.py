"""Spikes in weekly counts: which cells (say complaint dimension × unit) had more
complaints in a week than their own history leads one to expect.

Two methods on a matrix of counts x[c, t] (cells × consecutive weeks):

**Poisson test against a moving baseline** (:func:`poisson_spikes`). With k baseline
weeks and exposures f_t (the share of week t observed, 1 for a whole week), the
baseline rate of cell c before week t is

    r = Σ_{j=t−k}^{t−1} x[c, j] / Σ_{j=t−k}^{t−1} f_j,   expected e = r · f_t,

and the one-sided exact Poisson tail probability of the week's count x is

    p = P(X ≥ x | X ~ Poisson(e)) = 1 − F(x − 1; e)    (R: ppois(x − 1, e, lower.tail = FALSE)),

p = 1 when x = 0. A week is tested only when its k previous weeks are in the data. The
p-values of one week form a family — all cells tested that week, m_t of them — and are
adjusted by Holm's step-down method (default) or Bonferroni (min(1, m_t·p)), or not at
all; a cell-week is a spike when the adjusted p < α and x ≥ ``min_count`` (so a first
complaint or two in a quiet cell, whose baseline is 0 and p therefore 0, is not a hot
spot). ``ucl``, the Poisson (1 − α) upper control limit, is the smallest u with
P(X > u | e) < α: without correction a count is flagged exactly when it is above it
(Montgomery 2019, §7.3.1 on the c chart, with probability limits instead of 3σ; Holm
1979). The baseline is estimated, not known, so p is the plug-in ("known-rate")
probability; with small baselines it flags somewhat more often than α.

**EWMA chart for counts** (:func:`ewma_counts`, Montgomery 2019, §9.2 and §9.2.3 for
Poisson data). With target μ₀ (the cell's mean over its baseline weeks) and
σ = √μ₀ (Poisson), starting at z₀ = μ₀,

    z_t = λ x_t + (1 − λ) z_{t−1},
    UCL_t, LCL_t = μ₀ ± L σ √(λ/(2 − λ) · [1 − (1 − λ)^{2t}]),

the exact time-varying limits (LCL clipped at 0). A week is flagged when z_t > UCL_t
(only upward shifts are spikes). λ = 0.2 and L = 3 give an in-control average run length
of about 500 weeks for normal data (Montgomery Table 9.11 lists L = 2.962 for ARL₀ = 500
at λ = 0.2); the EWMA reacts to sustained small shifts that a single-week test misses.
No multiplicity correction: the chart's L sets its false-alarm rate per cell. Weeks of
0 may be left out of the matrix (``weeks`` gives each column's week): over g weeks left
out z decays to (1 − λ)^g z, exactly as over g weeks of 0, and t counts them.

References: D. C. Montgomery, *Introduction to Statistical Quality Control*, 8th ed.,
Wiley 2019. S. Holm, A simple sequentially rejective multiple test procedure,
*Scandinavian Journal of Statistics* 6 (1979) 65–70. J. M. Lucas & M. S. Saccucci,
Exponentially weighted moving average control schemes, *Technometrics* 32 (1990) 1–12.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special  # not scipy.stats: its import alone takes 0.4 s

from .comparisons import p_adjust

CORRECTIONS = ("holm", "bonferroni", "none")


class SpikeError(ValueError):
    """Wrong arguments to a spike method (a programming error, not a user's file).

    Parameters
    ----------
    *args : object
        As for :class:`ValueError`: the message.

    References
    ----------
    .. [1] Montgomery, D. C. (2019). *Introduction to Statistical Quality Control* (8th ed.).
       Hoboken, NJ: Wiley.

    Examples
    --------
    Counts must be a cells × weeks matrix (in R, ``matrix(x, nrow = 1)`` for one cell):

    >>> try:
    ...     poisson_spikes([1, 2, 3])
    ... except SpikeError as exc:
    ...     print(exc)
    counts must be a cells × weeks matrix, got shape (3,)
    """


def _plain(x):
    return None if x is None or not np.isfinite(x) else float(x)


@dataclass(frozen=True)
class PoissonSpikes:
    """Per cell and week (cells × weeks): ``expected`` e, ``p`` and ``p_adjusted`` (NaN
    where a week was not tested), ``ucl`` (NaN where not tested) and ``flag``; ``method``
    ``poisson`` (:func:`poisson_spikes`) or ``share`` (:func:`share_spikes`).

    Parameters
    ----------
    counts : ndarray of int
        The counts, cells × weeks.
    expected : ndarray
        Expected count e per cell-week (NaN where not tested).
    p, p_adjusted : ndarray
        One-sided p-value before and after the per-week correction (NaN where not tested).
    ucl : ndarray
        The (1 − α) upper limit per cell-week (NaN where not tested).
    flag : ndarray of bool
        The spikes: adjusted p < α and count ≥ ``min_count``.
    baseline_weeks : int
        Weeks in each baseline.
    alpha : float
        Level of the test.
    correction : str
        ``"holm"``, ``"bonferroni"`` or ``"none"``.
    min_count : int
        Fewest complaints for a spike.
    method : str
        ``"poisson"`` or ``"share"``.

    References
    ----------
    .. [1] Montgomery, D. C. (2019). *Introduction to Statistical Quality Control* (8th ed.).
       Hoboken, NJ: Wiley.
    .. [2] Holm, S. (1979). A simple sequentially rejective multiple test procedure.
       *Scandinavian Journal of Statistics*, 6(2), 65–70.

    Examples
    --------
    Two cells tested in week 5: Holm doubles the smaller p (R:
    ``p.adjust(ppois(c(8, 1), c(2, 0.5), lower.tail = FALSE), "holm")``).

    >>> s = poisson_spikes([[2, 1, 3, 2, 9], [0, 1, 0, 1, 2]], baseline_weeks=4)
    >>> s.p_adjusted[:, 4].round(6).tolist(), s.flag[:, 4].tolist()
    ([0.000475, 0.090204], [True, False])
    >>> [(d["cell"], d["week"], d["count"]) for d in s.to_dict()["spikes"]]
    [(0, 4, 9)]
    """

    counts: np.ndarray
    expected: np.ndarray
    p: np.ndarray
    p_adjusted: np.ndarray
    ucl: np.ndarray
    flag: np.ndarray
    baseline_weeks: int
    alpha: float
    correction: str
    min_count: int
    method: str = "poisson"

    def to_dict(self) -> dict:
        """The flagged cell-weeks as a list of {cell, week, count, expected, p, p_adjusted, ucl}."""
        cells, weeks = np.nonzero(self.flag)
        return {"method": self.method, "baseline_weeks": self.baseline_weeks, "alpha": self.alpha,
                "correction": self.correction, "min_count": self.min_count,
                "spikes": [{"cell": int(c), "week": int(t), "count": int(self.counts[c, t]),
                            "expected": _plain(self.expected[c, t]), "p": _plain(self.p[c, t]),
                            "p_adjusted": _plain(self.p_adjusted[c, t]), "ucl": _plain(self.ucl[c, t])}
                           for c, t in zip(cells, weeks)]}


def poisson_tail(x, expected) -> np.ndarray:
    """P(X ≥ x) for X ~ Poisson(expected), elementwise (1 where x ≤ 0).

    Parameters
    ----------
    x : array_like
        Observed counts.
    expected : array_like
        Poisson means; broadcast with ``x``.

    Returns
    -------
    ndarray
        The upper tail probabilities P(X ≥ x).

    References
    ----------
    .. [1] Montgomery, D. C. (2019). *Introduction to Statistical Quality Control* (8th ed.).
       Hoboken, NJ: Wiley.

    Examples
    --------
    >>> poisson_tail([0, 3, 10], [2.0, 2.0, 2.0]).round(6).tolist()  # R: ppois(c(2, 9), 2, lower = FALSE)
    [1.0, 0.323324, 4.6e-05]
    """
    x = np.asarray(x, dtype=np.float64)
    e = np.asarray(expected, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        tail = special.pdtrc(np.maximum(x - 1, 0), e)
    return np.where(x <= 0, 1.0, tail)


def poisson_ucl(expected, alpha: float) -> np.ndarray:
    """The smallest u ≥ 0 with P(X > u) < α for X ~ Poisson(expected), elementwise (NaN
    where expected is NaN): a count above it has tail probability P(X ≥ x) < α.

    Parameters
    ----------
    expected : array_like
        Poisson means (NaN allowed).
    alpha : float
        The tail probability the limit leaves above it.

    Returns
    -------
    ndarray
        The limits, as floats; NaN where ``expected`` is NaN.

    References
    ----------
    .. [1] Montgomery, D. C. (2019). *Introduction to Statistical Quality Control* (8th ed.).
       Hoboken, NJ: Wiley.

    Examples
    --------
    >>> poisson_ucl([2.0, 10.0], 0.05).tolist()  # R: qpois(0.95, c(2, 10)) = 5, 15; P(X > 5) = 0.0166
    [5.0, 15.0]
    """
    e = np.asarray(expected, dtype=np.float64)
    ok = np.isfinite(e)
    e0 = np.where(ok, e, 0.0)
    z = special.ndtri(1 - alpha)
    u = np.maximum(np.floor(e0 + z * np.sqrt(e0) - 2), 0)
    for _ in range(10_000):  # walk up to the first u with P(X > u) < α
        up = special.pdtrc(u, e0) >= alpha
        if not up.any():
            break
        u = np.where(up, u + 1, u)
    for _ in range(10_000):  # and down while u − 1 still qualifies
        down = (u > 0) & (special.pdtrc(np.maximum(u - 1, 0), e0) < alpha)
        if not down.any():
            break
        u = np.where(down, u - 1, u)
    return np.where(ok, u, np.nan)


def poisson_spikes(counts, *, baseline_weeks: int = 8, alpha: float = 0.05, correction: str = "holm",
                   exposure=None, min_count: int = 3) -> PoissonSpikes:
    """Exact Poisson test of each cell-week against the cell's previous ``baseline_weeks``
    weeks (see the module notes for the formulas).

    Parameters
    ----------
    counts : array (cells × weeks)
        Counts per cell and consecutive week (0 for a week without complaints).
    baseline_weeks : int
        k, the weeks before each tested week that make its baseline.
    alpha : float
        Level of the test after the correction.
    correction : {"holm", "bonferroni", "none"}
        Adjustment over the cells tested in the same week.
    exposure : array (weeks), optional
        Share of each week observed (a first or last week seen only in part), default 1.
    min_count : int
        A spike needs at least this many complaints in the week.

    Returns
    -------
    PoissonSpikes
        Expected counts, p-values, limits and flags per cell-week (``method="poisson"``).

    Raises
    ------
    SpikeError
        If ``counts`` is not 2-D, ``correction`` is unknown, ``baseline_weeks`` < 1,
        ``alpha`` is not in (0, 1), or ``exposure`` is not one share in [0, 1] per week.

    References
    ----------
    .. [1] Montgomery, D. C. (2019). *Introduction to Statistical Quality Control* (8th ed.).
       Hoboken, NJ: Wiley.
    .. [2] Holm, S. (1979). A simple sequentially rejective multiple test procedure.
       *Scandinavian Journal of Statistics*, 6(2), 65–70.

    Examples
    --------
    One cell, 4 baseline weeks of 2, 1, 3, 2 complaints (rate 2 a week), then 9:
    p = P(X ≥ 9 | 2) = 1 − ppois(8, 2) = 0.000237 (R: ``ppois(8, 2, lower.tail = FALSE)``).

    >>> s = poisson_spikes([[2, 1, 3, 2, 9]], baseline_weeks=4)
    >>> float(s.expected[0, 4]), round(float(s.p[0, 4]), 6), bool(s.flag[0, 4]), float(s.ucl[0, 4])
    (2.0, 0.000237, True, 5.0)
    """
    x = _checked(counts, baseline_weeks, alpha, correction)
    cells, weeks = x.shape
    f = np.ones(weeks) if exposure is None else np.asarray(exposure, dtype=np.float64)
    if f.shape != (weeks,) or np.any(f < 0) or np.any(f > 1):
        raise SpikeError("exposure must give each week's observed share, between 0 and 1")
    k = baseline_weeks
    # moving sums over the k previous weeks by cumulative sums: S[t] = Σ_{j<t} x_j
    cx = np.concatenate([np.zeros((cells, 1)), np.cumsum(x, axis=1)], axis=1)
    cf = np.concatenate([[0.0], np.cumsum(f)])
    expected = np.full((cells, weeks), np.nan)
    if weeks > k:
        t = np.arange(k, weeks)
        base_x = cx[:, t] - cx[:, t - k]
        base_f = cf[t] - cf[t - k]
        tested = (base_f > 0) & (f[t] > 0)
        with np.errstate(invalid="ignore", divide="ignore"):
            e = base_x / base_f * f[t]
        expected[:, t] = np.where(tested[None, :], e, np.nan)
    has = ~np.isnan(expected)
    p = np.where(has, poisson_tail(x, np.where(has, expected, 0.0)), np.nan)
    p_adj = _adjusted_by_week(p, has, correction)
    ucl = poisson_ucl(expected, alpha)
    flag = has & (np.nan_to_num(p_adj, nan=1.0) < alpha) & (x >= min_count)
    return PoissonSpikes(x.astype(np.int64), expected, p, p_adj, ucl, flag, k, alpha, correction, min_count)


def share_spikes(counts, *, baseline_weeks: int = 8, alpha: float = 0.05, correction: str = "holm",
                 min_count: int = 3) -> PoissonSpikes:
    """Exact test of each cell's *share* of its week's complaints against the cell's share
    of the previous ``baseline_weeks`` weeks: spikes that stand out from the week, not from
    the season.

    With N_t = Σ_c x[c, t] the week's complaints and π_c = Σ_{j=t−k}^{t−1} x[c, j] /
    Σ_{j=t−k}^{t−1} N_j the cell's baseline share,

        e = π_c · N_t,   p = P(X ≥ x | X ~ Binomial(N_t, π_c))
        (R: ``binom.test(x, N_t, π_c, alternative = "greater")$p.value``),

    p = 1 when x = 0 and p = 0 when π_c = 0 < x. This is the Poisson test conditioned on the
    week's total: if every cell's rate is its usual rate times a factor common to the week
    (a season, a holiday, a partial week), the count given N_t is exactly binomial, so a
    week that is busy everywhere flags nothing, and the week's exposure cancels. p-values
    are adjusted over the cells of a week (Holm by default) and a spike needs ``min_count``
    complaints, as in :func:`poisson_spikes`; ``ucl`` is the binomial (1 − α) upper limit.

    Parameters
    ----------
    counts : array (cells × weeks)
        Counts per cell and consecutive week.
    baseline_weeks : int
        k, the weeks before each tested week that give the baseline shares.
    alpha : float
        Level of the test after the correction.
    correction : {"holm", "bonferroni", "none"}
        Adjustment over the cells tested in the same week.
    min_count : int
        A spike needs at least this many complaints in the week.

    Returns
    -------
    PoissonSpikes
        Expected counts π_c·N_t, p-values, binomial limits and flags (``method="share"``).

    Raises
    ------
    SpikeError
        If ``counts`` is not 2-D, ``correction`` is unknown, ``baseline_weeks`` < 1 or
        ``alpha`` is not in (0, 1).

    References
    ----------
    .. [1] Przyborowski, J., & Wileński, H. (1940). Homogeneity of results in testing samples from
       Poisson series. *Biometrika*, 31(3/4), 313–323.
    .. [2] Holm, S. (1979). A simple sequentially rejective multiple test procedure.
       *Scandinavian Journal of Statistics*, 6(2), 65–70.

    Examples
    --------
    Two cells with shares 1/4 and 3/4 of their 2 baseline weeks. The third week is
    twice as busy everywhere (4 and 12 of 16): no spike. In the fourth the first cell has
    9 of 12: p = P(X ≥ 9 | Binomial(12, 0.25)) = 0.000392 (R: ``binom.test(9, 12, 0.25,
    alternative = "greater")$p.value``).

    >>> s = share_spikes([[2, 3, 4, 9], [6, 9, 12, 3]], baseline_weeks=2, correction="none")
    >>> s.flag[:, 2].tolist(), float(s.expected[0, 3]), round(float(s.p[0, 3]), 6), s.flag[:, 3].tolist()
    ([False, False], 3.0, 0.000392, [True, False])
    """
    x = _checked(counts, baseline_weeks, alpha, correction)
    cells, weeks = x.shape
    k = baseline_weeks
    total = x.sum(axis=0)
    cx = np.concatenate([np.zeros((cells, 1)), np.cumsum(x, axis=1)], axis=1)
    cn = np.concatenate([[0.0], np.cumsum(total)])
    share = np.full((cells, weeks), np.nan)
    if weeks > k:
        t = np.arange(k, weeks)
        base_n = cn[t] - cn[t - k]
        tested = (base_n > 0) & (total[t] > 0)
        with np.errstate(invalid="ignore", divide="ignore"):
            pi = (cx[:, t] - cx[:, t - k]) / base_n
        share[:, t] = np.where(tested[None, :], pi, np.nan)
    has = ~np.isnan(share)
    n = np.broadcast_to(total, x.shape)
    pi = np.where(has, share, 0.0)
    with np.errstate(invalid="ignore"):
        tail = special.bdtrc(np.maximum(x - 1, 0).astype(np.int64), n.astype(np.int64), pi)  # P(X > x − 1)
    tail = np.where(pi >= 1, 1.0, np.where(pi <= 0, (x <= 0).astype(float), tail))
    p = np.where(has, np.where(x <= 0, 1.0, tail), np.nan)
    p_adj = _adjusted_by_week(p, has, correction)
    expected = np.where(has, share * n, np.nan)
    flag = has & (np.nan_to_num(p_adj, nan=1.0) < alpha) & (x >= min_count)
    return PoissonSpikes(x.astype(np.int64), expected, p, p_adj, _binomial_ucl(n, share, alpha), flag, k, alpha,
                         correction, min_count, method="share")


def _adjusted_by_week(p: np.ndarray, tested: np.ndarray, correction: str) -> np.ndarray:
    """p-values adjusted over the cells tested in each week (one family per week)."""
    out = np.full_like(p, np.nan)
    for t in np.flatnonzero(tested.any(axis=0)):
        out[:, t] = p_adjust(p[:, t], correction)
    return out


def _binomial_ucl(n: np.ndarray, share: np.ndarray, alpha: float) -> np.ndarray:
    """The smallest u with P(X > u) < α for X ~ Binomial(n, share) (NaN where share is)."""
    ok = np.isfinite(share)
    pi = np.where(ok, share, 0.0)
    u = np.zeros(share.shape)
    for _ in range(100_000):  # the counts are small: walk up from 0
        with np.errstate(invalid="ignore"):
            up = ok & (u < n) & (special.bdtrc(u.astype(np.int64), n.astype(np.int64), pi) >= alpha)
        if not up.any():
            break
        u = np.where(up, u + 1, u)
    return np.where(ok, u, np.nan)


def _checked(counts, baseline_weeks: int, alpha: float, correction: str) -> np.ndarray:
    x = np.asarray(counts, dtype=np.float64)
    if x.ndim != 2:
        raise SpikeError(f"counts must be a cells × weeks matrix, got shape {x.shape}")
    if correction not in CORRECTIONS:
        raise SpikeError(f"correction must be one of {', '.join(CORRECTIONS)}; got {correction!r}")
    if baseline_weeks < 1:
        raise SpikeError(f"baseline_weeks must be at least 1, got {baseline_weeks}")
    if not 0 < alpha < 1:
        raise SpikeError(f"alpha must be between 0 and 1, got {alpha}")
    return x


@dataclass(frozen=True)
class EwmaChart:
    """EWMA of each cell's counts (cells × weeks): ``centre`` μ₀ per cell; ``z``,
    ``lcl``, ``ucl`` (NaN in the baseline weeks) and ``flag`` (z > UCL).

    Parameters
    ----------
    centre : ndarray
        μ₀ per cell.
    z : ndarray
        The EWMA per cell and week (NaN where not charted).
    lcl, ucl : ndarray
        The time-varying control limits (NaN where not charted).
    flag : ndarray of bool
        Weeks with z above the UCL.
    lam : float
        The smoothing constant λ.
    L : float
        Width of the limits in σ.
    start : int
        The first charted column.

    References
    ----------
    .. [1] Roberts, S. W. (1959). Control chart tests based on geometric moving averages.
       *Technometrics*, 1(3), 239–250.
    .. [2] Lucas, J. M., & Saccucci, M. S. (1990). Exponentially weighted moving average control
       schemes: properties and enhancements. *Technometrics*, 32(1), 1–12.
    .. [3] Montgomery, D. C. (2019). *Introduction to Statistical Quality Control* (8th ed.).
       Hoboken, NJ: Wiley.

    Examples
    --------
    μ₀ estimated from 4 baseline weeks (mean 4), then charted; R: ``qcc::ewma(x[5:6],
    center = 4, std.dev = 2, lambda = 0.2, nsigmas = 3)`` draws the same limits.

    >>> c = ewma_counts([[3, 5, 4, 4, 9, 12]], baseline_weeks=4)
    >>> c.start, c.centre.tolist(), c.z[0, 4:].round(4).tolist(), c.ucl[0, 4:].round(4).tolist()
    (4, [4.0], [5.0, 6.4], [5.2, 5.5367])
    >>> [(d["cell"], d["week"], d["z"], round(d["ucl"], 4)) for d in c.to_dict()["spikes"]]
    [(0, 5, 6.4, 5.5367)]
    """

    centre: np.ndarray
    z: np.ndarray
    lcl: np.ndarray
    ucl: np.ndarray
    flag: np.ndarray
    lam: float
    L: float
    start: int

    def to_dict(self) -> dict:
        """The flagged cell-weeks as a list of {cell, week, z, centre, ucl}, with λ, L and start."""
        cells, weeks = np.nonzero(self.flag)
        return {"method": "ewma", "lambda": self.lam, "L": self.L, "start": self.start,
                "spikes": [{"cell": int(c), "week": int(t), "z": float(self.z[c, t]),
                            "centre": float(self.centre[c]), "ucl": float(self.ucl[c, t])}
                           for c, t in zip(cells, weeks)]}


def ewma_limits(mu0, lam: float, L: float, t) -> tuple[np.ndarray, np.ndarray]:
    """(LCL_t, UCL_t) = μ₀ ± L √μ₀ √(λ/(2 − λ)·[1 − (1 − λ)^{2t}]) for Poisson counts,
    LCL clipped at 0; ``mu0`` and ``t`` (1, 2, …) broadcast.

    Parameters
    ----------
    mu0 : array_like
        In-control mean(s); σ = √μ₀.
    lam : float
        The smoothing constant λ.
    L : float
        Width of the limits in σ.
    t : array_like
        Charted week number(s), 1 for the first.

    Returns
    -------
    lcl, ucl : ndarray
        The limits, broadcast over ``mu0`` and ``t``.

    References
    ----------
    .. [1] Lucas, J. M., & Saccucci, M. S. (1990). Exponentially weighted moving average control
       schemes: properties and enhancements. *Technometrics*, 32(1), 1–12.
    .. [2] Montgomery, D. C. (2019). *Introduction to Statistical Quality Control* (8th ed.).
       Hoboken, NJ: Wiley.

    Examples
    --------
    >>> lo, hi = ewma_limits(4.0, 0.2, 3.0, [1, 2])
    >>> hi.round(6).tolist()  # t = 1: 4 + 3·2·√(0.2/1.8·(1 − 0.8²)) = 4 + 6·0.2; t = 2: 4 + 6·√(0.2/1.8·0.5904)
    [5.2, 5.53675]
    >>> lo.round(6).tolist()  # R: 4 - 3 * 2 * sqrt(0.2 / 1.8 * (1 - 0.8^(2 * 1:2)))
    [2.8, 2.46325]
    """
    mu0 = np.asarray(mu0, dtype=np.float64)
    t = np.asarray(t, dtype=np.float64)
    half = L * np.sqrt(mu0) * np.sqrt(lam / (2 - lam) * (1 - (1 - lam) ** (2 * t)))
    return np.maximum(mu0 - half, 0.0), mu0 + half


def ewma_counts(counts, *, lam: float = 0.2, L: float = 3.0, mu0=None, baseline_weeks: int | None = None,
                weeks=None) -> EwmaChart:
    """EWMA control chart of each cell's weekly counts (see the module notes).

    Parameters
    ----------
    counts : array (cells × weeks)
    lam, L : float
        Smoothing constant λ (0 < λ ≤ 1) and the width of the limits in σ.
    mu0 : array (cells), optional
        Known in-control mean per cell. Default: the mean of the first ``baseline_weeks``
        weeks of each cell, which are then not charted (Phase I), or of all weeks when
        ``baseline_weeks`` is None (a retrospective chart of every week).
    baseline_weeks : int, optional
        Weeks that estimate μ₀; charting starts after them.
    weeks : array of int (weeks), optional
        The week number of each column, increasing (default 0, 1, 2, …). A week between two
        columns is left out because every cell counted 0 in it: it counts as a week of 0
        (in μ₀, the decay of z and t) but is not charted.

    Returns
    -------
    EwmaChart
        μ₀, z, limits and flags per cell and week.

    Raises
    ------
    SpikeError
        If ``counts`` is not 2-D, λ is not in (0, 1], L ≤ 0, ``weeks`` is not one
        increasing week number per column, or ``baseline_weeks`` (without ``mu0``) is not
        between 1 and the number of weeks.

    References
    ----------
    .. [1] Roberts, S. W. (1959). Control chart tests based on geometric moving averages.
       *Technometrics*, 1(3), 239–250.
    .. [2] Lucas, J. M., & Saccucci, M. S. (1990). Exponentially weighted moving average control
       schemes: properties and enhancements. *Technometrics*, 32(1), 1–12.
    .. [3] Montgomery, D. C. (2019). *Introduction to Statistical Quality Control* (8th ed.).
       Hoboken, NJ: Wiley.

    Examples
    --------
    μ₀ = 4 (known), λ = 0.2: weeks 4, 9 give z = 4.0, 0.2·9 + 0.8·4 = 5.0; week 2 is
    under UCL_2 = 5.537 (see :func:`ewma_limits`), week 1 at 4.0 under 5.2. R:
    ``qcc::ewma(c(4, 9, 12), center = 4, std.dev = 2, lambda = 0.2, nsigmas = 3)``.

    >>> c = ewma_counts([[4, 9, 12]], mu0=[4.0])
    >>> c.z.round(4).tolist(), c.flag.tolist()  # z_3 = 0.2·12 + 0.8·5 = 6.4 > UCL_3 = 5.718
    ([[4.0, 5.0, 6.4]], [[False, False, True]])
    """
    x = np.asarray(counts, dtype=np.float64)
    if x.ndim != 2:
        raise SpikeError(f"counts must be a cells × weeks matrix, got shape {x.shape}")
    if not 0 < lam <= 1:
        raise SpikeError(f"lam must be in (0, 1], got {lam}")
    if L <= 0:
        raise SpikeError(f"L must be positive, got {L}")
    cells, columns = x.shape
    week = np.arange(columns) if weeks is None else np.asarray(weeks, dtype=np.int64)
    if week.shape != (columns,) or np.any(np.diff(week) <= 0):
        raise SpikeError("weeks must give each column's week number, increasing")
    first = int(week[0]) if columns else 0
    span = int(week[-1]) - first + 1 if columns else 0  # weeks, those left out included
    if mu0 is not None:
        centre = np.broadcast_to(np.asarray(mu0, dtype=np.float64), (cells,)).copy()
        charted_from = first + (0 if baseline_weeks is None else baseline_weeks)
    elif baseline_weeks is None:
        centre, charted_from = x.sum(axis=1) / span if columns else np.full(cells, np.nan), first
    else:
        if not 1 <= baseline_weeks <= span:
            raise SpikeError(f"baseline_weeks must be between 1 and the {span} weeks, got {baseline_weeks}")
        charted_from = first + baseline_weeks
        centre = x[:, week < charted_from].sum(axis=1) / baseline_weeks
    start = int(np.searchsorted(week, charted_from))
    z = np.full((cells, columns), np.nan)
    prev, at = centre.copy(), charted_from - 1
    for t in range(start, columns):  # one step per column, vectorised over cells
        prev = lam * x[:, t] + (1 - lam) ** int(week[t] - at) * prev  # weeks left out: (1 − λ)^g
        at = week[t]
        z[:, t] = prev
    steps = (week - charted_from + 1).astype(np.float64)
    lcl, ucl = ewma_limits(centre[:, None], lam, L, np.where(steps >= 1, steps, np.nan)[None, :])
    lcl = np.broadcast_to(lcl, (cells, columns)).copy()
    ucl = np.broadcast_to(ucl, (cells, columns)).copy()
    flag = np.nan_to_num(z, nan=-np.inf) > np.nan_to_num(ucl, nan=np.inf)
    return EwmaChart(centre, z, lcl, ucl, flag, lam, L, start)
