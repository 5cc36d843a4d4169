"""Internal consistency of a scale: Cronbach's alpha and its companions, as R ``psych::alpha``.

The core, :func:`alpha_from_cov`, works from an item covariance matrix and n, which servq
accumulates in chunks; :func:`reliability` takes rows, computes that matrix (pairwise-complete
as psych's default, or listwise) and calls the core. Every number matches ``psych::alpha``
(psych 2.2.9); ``tests/golden/reliability.R`` produces the reference values.

Definitions, for k items with covariance matrix C, correlation matrix R and n respondents:

- raw alpha: α = k/(k−1) · (1 − tr C / ΣC)
- standardized alpha: k/(k−1) · (1 − k / ΣR)
- Guttman's λ6 from squared multiple correlations: 1 − (k − Σ smc) / ΣR, with
  smc_i = 1 − 1/(R⁻¹)_ii (pseudo-inverse; clipped to [0, 1], as ``psych::smc``;
  :func:`~servq.stats.correlation.smc`)
- average r = (ΣR − k) / (k(k−1)); median r and var r over the k(k−1)/2 correlations
- signal/noise S/N = k·r̄ / (1 − r̄)
- alpha standard error (Duhachek & Iacobucci 2004): ase = √(Q/n) with
  Q = 2k² / ((k−1)² (ΣC)³) · (ΣC · (tr C² + (tr C)²) − 2 tr C · Σ(C²)), C² = C·C
- Feldt 95% interval: 1 − (1−α)·F⁻¹(.975 | .025; n−1, (n−1)(k−1)); Duhachek: α ± 1.96·ase
- per item: raw_r = correlation of the item with the total score, std_r = ΣR_i / √ΣR,
  r_cor = the same with SMCs on the diagonal of R, r_drop = correlation of the item with
  the total of the other items, and alpha etc. when the item is dropped.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, cast

import numpy as np
import pandas as pd

from .correlation import smc, smc_if_dropped
from .moments import CrossMoments
from .omega import omega

_ITEM_COLUMNS = ("n", "raw_r", "std_r", "r_cor", "r_drop", "mean", "sd")
_DROP_COLUMNS = ("raw_alpha", "std_alpha", "g6", "average_r", "s_n", "ase", "var_r", "median_r")
_SCALARS = ("raw_alpha", "std_alpha", "g6", "average_r", "median_r", "var_r", "s_n", "ase",
            "mean", "sd", "feldt_low", "feldt_high", "duhachek_low", "duhachek_high", "omega_total", "omega_h")
_Z95 = 1.96  # psych prints the Duhachek interval with 1.96, not qnorm(.975)


class ReliabilityError(ValueError):
    """Input that reliability cannot be computed from; the message names what is wrong.

    A subclass of :class:`ValueError`.

    References
    ----------
    Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests.
    Psychometrika, 16(3), 297–334 (alpha needs at least two items).

    Examples
    --------
    One item has no internal consistency (R's ``psych::alpha`` also stops on a single
    item):

    >>> try:
    ...     alpha_from_cov(np.eye(1), n=10)
    ... except ReliabilityError as err:
    ...     print(err)
    reliability needs at least 2 items, got 1
    """


@dataclass(frozen=True)
class ReliabilityResult:
    """Reliability of one scale, as printed by ``psych::alpha``.

    Scalars follow ``alpha(x)$total`` (``raw_alpha``, ``std.alpha``, ``G6(smc)``,
    ``average_r``, ``S/N``, ``ase``, ``mean``, ``sd``, ``median_r``), ``var_r`` is
    ``alpha(x)$var.r``, and the intervals are the "95% confidence boundaries" that
    ``print(alpha(x))`` shows. ``mean`` and ``sd`` are those of the respondents' mean score
    over their answered items. ``items`` (indexed by item name) holds ``alpha(x)$item.stats``
    (``n``, ``raw_r``, ``std_r``, ``r_cor``, ``r_drop``, ``mean``, ``sd``) and
    ``alpha_if_dropped`` holds ``alpha(x)$alpha.drop``. ``reversed`` names the reverse-keyed
    items (psych marks them ``A1-``); their means are those of the reversed item.

    Parameters
    ----------
    raw_alpha, std_alpha, g6 : float
        Cronbach's α, standardized α and Guttman's λ6 (smc).
    average_r, median_r, var_r : float
        Mean, median and variance of the inter-item correlations.
    s_n : float
        Signal/noise ratio.
    ase : float
        Standard error of α (Duhachek & Iacobucci).
    mean, sd : float
        Mean and SD of the respondents' mean score.
    feldt_low, feldt_high : float
        Feldt 95 % interval of α.
    duhachek_low, duhachek_high : float
        α ± 1.96·ase.
    n : int
        Number of respondents.
    items : pandas.DataFrame
        Item statistics (``alpha(x)$item.stats``).
    alpha_if_dropped : pandas.DataFrame
        Scale statistics without each item (``alpha(x)$alpha.drop``).
    reversed : tuple of str
        Reverse-keyed items.
    use : str
        "pairwise" or "listwise".
    omega_total, omega_h : float
        McDonald's ω total and ω hierarchical (NaN when not computed).

    References
    ----------
    Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests.
    Psychometrika, 16(3), 297–334. Guttman, L. (1945). A basis for analyzing test-retest
    reliability. Psychometrika, 10(4), 255–282. Revelle, W. (2022). psych 2.2.9 (``alpha``).

    Examples
    --------
    A third item that barely correlates with the others: without it α rises from .443 to
    2·(1 − 2.2/3.2) = .625, as ``psych::alpha(C, n.obs = 100)$alpha.drop$raw_alpha`` in R:

    >>> c = np.array([[1.0, 0.5, 0.1], [0.5, 1.2, 0.05], [0.1, 0.05, 0.9]])
    >>> res = alpha_from_cov(c, n=100)
    >>> round(res.raw_alpha, 4), res.alpha_if_dropped["raw_alpha"].round(4).tolist(), res.items_raising_alpha()
    (0.4432, [0.0909, 0.1905, 0.625], ['V3'])
    """

    raw_alpha: float
    std_alpha: float
    g6: float
    average_r: float
    median_r: float
    var_r: float
    s_n: float
    ase: float
    mean: float
    sd: float
    feldt_low: float
    feldt_high: float
    duhachek_low: float
    duhachek_high: float
    n: int
    items: pd.DataFrame
    alpha_if_dropped: pd.DataFrame
    reversed: tuple[str, ...] = ()
    use: str = "pairwise"
    omega_total: float = float("nan")
    omega_h: float = float("nan")

    def items_raising_alpha(self) -> list[str]:
        """Items whose removal would raise raw alpha (candidates to revise or drop)."""
        drop = self.alpha_if_dropped["raw_alpha"]
        return [str(i) for i in drop.index[drop > self.raw_alpha]]

    def to_frame(self) -> pd.DataFrame:
        """One row per item: item statistics, then ``if_dropped_*`` columns."""
        return self.items.join(self.alpha_if_dropped.add_prefix("if_dropped_"))

    def to_dict(self) -> dict:
        """JSON-able dict: the scale statistics and, under ``items``, one dict per item."""
        out = {name: _plain(getattr(self, name)) for name in _SCALARS}
        out["n"] = int(self.n)
        out["use"] = self.use
        out["reversed"] = list(self.reversed)
        out["items"] = {
            str(item): {"n": int(cast(float, self.items.at[item, "n"])),
                        **{c: _plain(self.items.at[item, c]) for c in _ITEM_COLUMNS[1:]},
                        "alpha_if_dropped": {c: _plain(self.alpha_if_dropped.at[item, c])
                                             for c in _DROP_COLUMNS}}
            for item in self.items.index
        }
        out["items_raising_alpha"] = self.items_raising_alpha()
        return out


def alpha_from_cov(cov, n: int, item_means=None, *, item_n=None, items: Sequence[Hashable] | None = None,
                   reverse=None, scale: tuple[float, float] | None = None) -> ReliabilityResult:
    """Alpha, λ6, item-total statistics and alpha-if-dropped from a covariance matrix.

    Parameters
    ----------
    cov : (k, k) array or DataFrame
        Item covariance matrix (denominator n − 1), e.g. pairwise-complete. A DataFrame
        gives the item names.
    n : int
        Number of respondents (psych uses the number of rows, ``nrow(x)``); enters the
        standard error and the Feldt interval only.
    item_means, item_n : (k,) arrays, optional
        Item means and answer counts; NaN / ``n`` when omitted.
    items : sequence, optional
        Item names when ``cov`` is an array (default ``V1`` … ``Vk``, as psych).
    reverse : item names, or k keys of +1/−1, optional
        Items to reverse-key: covariances with them change sign and their means become
        ``scale[0] + scale[1] − mean``.
    scale : (min, max), optional
        The response scale; needed to reverse item means.

    Returns
    -------
    ReliabilityResult
        ``raw_r``, the scale ``mean`` and ``sd`` are computed as for complete data
        (item–total correlation from C, mean of the item means, √ΣC / k).

    Raises
    ------
    ReliabilityError
        For fewer than 2 items, n < 2, an item without variance, a matrix that is not
        square, symmetric and finite, item names or keys that do not match the items, or
        reversed item means without ``scale``.

    Notes
    -----
    Same numbers as ``psych::alpha(C, n.obs = n)`` on a covariance matrix, and as
    ``psych::alpha(x)`` on complete data x with C = ``cov(x)``, n = ``nrow(x)``.

    References
    ----------
    Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests.
    Psychometrika, 16(3), 297–334. Guttman, L. (1945). A basis for analyzing test-retest
    reliability. Psychometrika, 10(4), 255–282. Feldt, L. S., Woodruff, D. J. & Salih, F. A.
    (1987). Statistical inference for coefficient alpha. Applied Psychological Measurement,
    11(1), 93–103. Duhachek, A. & Iacobucci, D. (2004). Alpha's standard error (ASE): An
    accurate and precise confidence interval estimate. Journal of Applied Psychology, 89(5),
    792–808. Revelle, W. (2022). psych 2.2.9 (``alpha``).

    Examples
    --------
    >>> c = np.array([[1.0, 0.5, 0.4], [0.5, 1.2, 0.6], [0.4, 0.6, 0.9]])
    >>> r = alpha_from_cov(c, n=100)
    >>> round(r.raw_alpha, 6), round(r.std_alpha, 6), round(r.g6, 6), round(r.ase, 6)
    (0.737705, 0.738688, 0.661514, 0.04514)

    In R: ``psych::alpha(matrix(c(1, .5, .4, .5, 1.2, .6, .4, .6, .9), 3), n.obs = 100)``
    gives raw_alpha 0.7377049, std.alpha 0.7386876, G6(smc) 0.6615136, ase 0.04514044.
    (psych's Feldt interval for a matrix input uses ``nrow(C)`` as n; servq uses ``n``.)
    """
    c, names = _square(cov, items)
    k = c.shape[0]
    if k < 2:
        raise ReliabilityError(f"reliability needs at least 2 items, got {k}")
    if not (np.isfinite(n) and n >= 2):
        raise ReliabilityError(f"n must be at least 2, got {n}")
    bad = [str(names[i]) for i in range(k) if not c[i, i] > 0]
    if bad:
        raise ReliabilityError(f"items with no variance: {', '.join(bad)}")
    keys = _keys(reverse, names)
    c = c * np.outer(keys, keys)
    means = np.full(k, np.nan) if item_means is None else _vector(item_means, k, "item_means")
    if np.any(keys < 0) and item_means is not None:
        if scale is None:
            raise ReliabilityError("reversing item means needs scale=(min, max)")
        means = np.where(keys < 0, scale[0] + scale[1] - means, means)
    counts = np.full(k, float(n)) if item_n is None else _vector(item_n, k, "item_n")
    sd = np.sqrt(np.diag(c))
    r = c / np.outer(sd, sd)
    smc_r = smc(r)
    tot = _alpha_parts(c, r, smc_r)
    raw_alpha = tot["raw_alpha"]
    low, high = feldt_interval(raw_alpha, n, k)
    with np.errstate(invalid="ignore"):  # NaN where psych's sqrt gives NaN
        ase = np.sqrt(tot["q"] / n)
        raw_r = np.sum(c, axis=0) / np.sqrt(np.diag(c) * np.sum(c))
        scale_sd = np.sqrt(np.sum(c)) / k
    item_stats = _item_stats(c, r, smc_r)
    items_frame = pd.DataFrame({"n": counts, "raw_r": raw_r, **item_stats, "mean": means, "sd": sd},
                               index=pd.Index(names, name="item"))
    return ReliabilityResult(
        raw_alpha=raw_alpha, std_alpha=tot["std_alpha"], g6=tot["g6"], average_r=tot["average_r"],
        median_r=tot["median_r"], var_r=tot["var_r"], s_n=tot["s_n"], ase=float(ase),
        mean=float(np.mean(means)), sd=float(scale_sd),
        feldt_low=low, feldt_high=high,
        duhachek_low=float(raw_alpha - _Z95 * ase), duhachek_high=float(raw_alpha + _Z95 * ase),
        n=int(n), items=items_frame, alpha_if_dropped=_if_dropped(c, r, n, names),
        reversed=tuple(str(names[i]) for i in range(k) if keys[i] < 0),
    )


def reliability(data, items: Sequence[Hashable] | None = None, reverse=None, *,
                scale: tuple[float, float] | None = None, use: str = "pairwise",
                n_factors: int | None = None) -> ReliabilityResult:
    """Cronbach's alpha and item analysis of a scale from respondents' answers.

    Parameters
    ----------
    data : DataFrame or 2-D array
        One row per respondent; NaN = missing. Array columns are named ``V1`` … ``Vk``.
    items : sequence of column names, optional
        The scale's items (default: all columns).
    reverse : item names, or keys of +1/−1 per item, or {name: −1}, optional
        Reverse-keyed items: x ↦ min + max − x (psych's ``keys``).
    scale : (min, max), optional
        Response scale used to reverse items; by default the smallest and largest answer
        to any of the items, as psych.
    use : {"pairwise", "listwise"}
        "pairwise" (psych's default ``use = "pairwise"``): covariances, means and SDs over
        the respondents who answered, n = all rows. "listwise": only respondents who
        answered every item, i.e. ``psych::alpha(na.omit(x))``.
    n_factors : int, optional
        Group factors of a multi-factor scale: also gives McDonald's ω hierarchical
        (``omega_h``) and ω total of that Schmid–Leiman solution (``psych::omega(x,
        nfactors)``). Without it, ``omega_total`` is that of a one-factor model
        (``psych::omega(x, 1)``) and ``omega_h`` is NaN. Both need three or more items.

    Returns
    -------
    ReliabilityResult
        Alpha, λ6, ω, item statistics and alpha-if-dropped of the scale.

    Raises
    ------
    ReliabilityError
        For data that is not 2-D, items not in ``data`` or not numeric, fewer than 2 items,
        an unknown ``use``, an item with fewer than 2 answers, a pair of items answered
        together by fewer than 2 respondents, or reverse keys that do not match the items.

    Notes
    -----
    Same numbers as ``psych::alpha(x, keys = reverse)``. ``raw_r`` (and the scale mean and
    SD) correlate each item with each respondent's mean over the items they answered,
    which needs the rows; everything else comes from the covariance matrix via
    :func:`alpha_from_cov`.

    References
    ----------
    Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests.
    Psychometrika 16, 297–334. Feldt, L. S., Woodruff, D. J. & Salih, F. A. (1987).
    Statistical inference for coefficient alpha. Applied Psychological Measurement 11,
    93–103. Duhachek, A. & Iacobucci, D. (2004). Alpha's standard error (ASE). Journal of
    Applied Psychology 89, 792–808. Revelle, W. (2022). psych 2.2.9 (``alpha``, ``omega``).

    Examples
    --------
    >>> x = pd.DataFrame({"q1": [1, 2, 3, 4, 5, 2, 4, 3], "q2": [2, 2, 3, 5, 4, 1, 3, 4],
    ...                   "q3": [5, 4, 4, 2, 1, np.nan, 3, 2]})
    >>> r = reliability(x, reverse=["q3"])
    >>> round(r.raw_alpha, 6), round(r.std_alpha, 6), round(r.g6, 6), r.reversed
    (0.918367, 0.918632, 0.899193, ('q3',))
    >>> r.items["r_drop"].round(6).tolist()
    [0.892664, 0.753495, 0.866025]
    >>> round(r.feldt_low, 6), round(r.feldt_high, 6)
    (0.724087, 0.982239)

    In R: ``psych::alpha(data.frame(q1 = c(1,2,3,4,5,2,4,3), q2 = c(2,2,3,5,4,1,3,4),
    q3 = c(5,4,4,2,1,NA,3,2)), keys = "q3")`` gives raw_alpha 0.9183673, std.alpha
    0.9186325, G6(smc) 0.8991930, r.drop 0.8926640 0.7534954 0.8660254, Feldt 0.7240871 …
    0.9822387.
    """
    x, names = _matrix(data, items)
    if use not in ("pairwise", "listwise"):
        raise ReliabilityError(f"use must be 'pairwise' or 'listwise', got {use!r}")
    if use == "listwise":
        x = x[~np.isnan(x).any(axis=1)]
    k = x.shape[1]
    keys = _keys(reverse, names)
    if np.any(keys < 0):
        lo, hi = scale if scale is not None else _observed_range(x)
        x = x.copy()
        x[:, keys < 0] = lo + hi - x[:, keys < 0]
    present = ~np.isnan(x)
    counts = present.sum(axis=0)
    thin = [str(names[i]) for i in range(k) if counts[i] < 2]
    if thin:
        raise ReliabilityError(f"items with fewer than 2 answers: {', '.join(thin)}")
    xt = _with_total(x, present)
    cm = _cross_moments(xt)
    cov = cm.cov()[:k, :k]
    cov[cm.n[:k, :k] < 2] = np.nan
    gaps = [f"{names[i]} and {names[j]}" for i, j in zip(*np.nonzero(np.isnan(cov))) if i < j]
    if gaps:
        raise ReliabilityError(f"too few respondents answered both of: {'; '.join(gaps)}")
    base = alpha_from_cov(cov, len(x), cm.mean()[:k], item_n=counts, items=names)
    raw_r, mean, sd = _total_stats(cm)
    items_frame = base.items.assign(raw_r=raw_r)
    omegas: dict[str, Any] = {}
    if k >= 3:
        om = omega(x, n_factors or 1)
        omegas = {"omega_total": om.omega_total, "omega_h": om.omega_hierarchical if n_factors else float("nan")}
    return replace(base, items=items_frame, mean=mean, sd=sd, use=use,
                   reversed=tuple(str(names[i]) for i in range(k) if keys[i] < 0), **omegas)


def feldt_interval(alpha: float, n: int, k: int, confidence: float = 0.95) -> tuple[float, float]:
    """Feldt's interval for alpha: 1 − (1 − α) · F⁻¹(p; n − 1, (n − 1)(k − 1)).

    Same as ``psych::alpha.ci(alpha, n.obs = n, n.var = k)``.

    Parameters
    ----------
    alpha : float
        Cronbach's α.
    n : int
        Number of respondents.
    k : int
        Number of items.
    confidence : float
        Confidence level.

    Returns
    -------
    tuple of float
        (lower, upper).

    References
    ----------
    Feldt, L. S., Woodruff, D. J. & Salih, F. A. (1987). Statistical inference for
    coefficient alpha. Applied Psychological Measurement, 11(1), 93–103. Feldt, L. S. (1965).
    The approximate sampling distribution of Kuder-Richardson reliability coefficient
    twenty. Psychometrika, 30(3), 357–370.

    Examples
    --------
    >>> [round(v, 6) for v in feldt_interval(0.8, 200, 5)]
    [0.752569, 0.840702]

    In R: ``psych::alpha.ci(.8, 200, 5)`` gives lower.ci 0.7525685, upper.ci 0.8407016.
    """
    from scipy.special import fdtri  # imported on use, as scipy's import is slow

    d1, d2 = n - 1, (n - 1) * (k - 1)
    tail = (1 - confidence) / 2
    low = 1 - (1 - alpha) * fdtri(d1, d2, 1 - tail)
    high = 1 - (1 - alpha) * fdtri(d1, d2, tail)
    return float(low), float(high)


def _alpha_parts(c: np.ndarray, r: np.ndarray, smc_r: np.ndarray) -> dict:
    """psych's internal ``alpha.1``: the scale statistics of covariance c, correlation r
    (``smc_r`` = smc(r))."""
    k = c.shape[0]
    sum_c, sum_r, tr_c = np.sum(c), np.sum(r), np.trace(c)
    c2 = c @ c
    lower = r[np.tril_indices(k, -1)]
    av_r = (sum_r - k) / (k * (k - 1))
    with np.errstate(invalid="ignore", divide="ignore"):  # NaN / inf where psych gives them
        return {
            "raw_alpha": float((1 - tr_c / sum_c) * k / (k - 1)),
            "std_alpha": float((1 - k / sum_r) * k / (k - 1)),
            "g6": float(1 - (k - np.sum(smc_r)) / sum_r),
            "average_r": float(av_r),
            "s_n": float(k * av_r / (1 - av_r)),
            "q": float(2 * k**2 / ((k - 1) ** 2 * sum_c**3)
                       * (sum_c * (np.trace(c2) + tr_c**2) - 2 * tr_c * np.sum(c2))),
            "var_r": float(np.var(lower, ddof=1)) if lower.size > 1 else float("nan"),
            "median_r": float(np.median(lower)),
        }


def _if_dropped(c: np.ndarray, r: np.ndarray, n: int, names: list) -> pd.DataFrame:
    """``alpha(x)$alpha.drop``: the scale statistics without each item in turn, each sum
    over the matrix without item i written as the full sum less row and column i."""
    k = c.shape[0]
    index = pd.Index(names, name="item")
    if k == 2:  # psych's two-item branch: what is left is one item
        r12 = r[0, 1]
        with np.errstate(divide="ignore"):
            rows = [[c[0, 1] / c[other, other], r12, smc(r)[0], r12, r12 / (1 - r12), np.nan, 0.0, r12]
                    for other in (1, 0)]
        return pd.DataFrame(rows, columns=list(_DROP_COLUMNS), index=index)
    m = k - 1
    d, rows_c = np.diag(c), np.sum(c, axis=0)
    sum_c = np.sum(rows_c) - 2 * rows_c + d
    tr_c = np.trace(c) - d
    sum_r = np.sum(r) - 2 * np.sum(r, axis=0) + 1
    smc_left = smc_if_dropped(r)
    np.fill_diagonal(smc_left, 0.0)
    cc = c * c
    tr_c2 = np.sum(cc) - 2 * np.sum(cc, axis=0) + d * d
    rest = rows_c[None, :] - c  # [i, l]: row sum of item l without item i
    sum_c2 = np.sum(rest * rest, axis=1) - (rows_c - d) ** 2
    a, b = np.tril_indices(k, -1)
    keep = (a[None, :] != np.arange(k)[:, None]) & (b[None, :] != np.arange(k)[:, None])
    left = np.broadcast_to(r[a, b], keep.shape)[keep].reshape(k, -1)  # correlations left
    with np.errstate(invalid="ignore", divide="ignore"):  # NaN / inf where psych gives them
        av_r = (sum_r - m) / (m * (m - 1))
        q = 2 * m**2 / ((m - 1) ** 2 * sum_c**3) * (sum_c * (tr_c2 + tr_c**2) - 2 * tr_c * sum_c2)
        frame = {
            "raw_alpha": (1 - tr_c / sum_c) * m / (m - 1),
            "std_alpha": (1 - m / sum_r) * m / (m - 1),
            "g6": 1 - (m - np.sum(smc_left, axis=1)) / sum_r,
            "average_r": av_r,
            "s_n": m * av_r / (1 - av_r),
            "ase": np.sqrt(q / n),
            "var_r": np.var(left, axis=1, ddof=1) if left.shape[1] > 1 else np.full(k, np.nan),
            "median_r": np.median(left, axis=1),
        }
    return pd.DataFrame(frame, index=index)


def _item_stats(c: np.ndarray, r: np.ndarray, smc_r: np.ndarray) -> dict:
    """std_r, r_cor and r_drop of ``alpha(x)$item.stats``."""
    rc = r.copy()
    np.fill_diagonal(rc, smc_r)
    rest_cov = np.sum(c, axis=0) - np.diag(c)
    rest_var = np.sum(c) - 2 * np.sum(c, axis=0) + np.diag(c)
    with np.errstate(invalid="ignore", divide="ignore"):  # psych gives NaN for ΣRC < 0
        return {
            "std_r": np.sum(r, axis=0) / np.sqrt(np.sum(r)),
            "r_cor": np.sum(rc, axis=0) / np.sqrt(np.sum(rc)),
            "r_drop": rest_cov / np.sqrt(np.diag(c) * rest_var),
        }


def _with_total(x: np.ndarray, present: np.ndarray) -> np.ndarray:
    """x with each respondent's mean over the items they answered appended (psych's total
    score; NaN for a respondent who answered none)."""
    answered = present.sum(axis=1)
    sums = np.where(present, x, 0.0).sum(axis=1)
    total = np.divide(sums, answered, out=np.full(len(x), np.nan), where=answered > 0)
    return np.column_stack([x, total])


def _total_stats(cm: CrossMoments) -> tuple[np.ndarray, float, float]:
    """psych's raw.r (pairwise correlation of the total, the last variable, with each item),
    and the total's mean and SD."""
    t = cm.n.shape[0] - 1
    r = cm.cor()
    nt = cm.n[t, t]
    sd = float(np.sqrt(cm.cov()[t, t])) if nt > 1 else float("nan")
    return r[:t, t], float(cm.mean()[t]), sd


_BLOCK = 32768  # rows per block: the products stay in cache (3x faster than one pass)


def _cross_moments(x: np.ndarray) -> CrossMoments:
    """Pairwise sufficient statistics of x, accumulated over row blocks and merged."""
    shift = _rough_means(x)
    cm = CrossMoments.empty(x.shape[1], shift)
    for start in range(0, x.shape[0], _BLOCK):
        cm = cm + CrossMoments.of(x[start:start + _BLOCK], shift=shift)
    return cm


def _rough_means(x: np.ndarray) -> np.ndarray:
    """Column means of the first rows: a shift that keeps the sums of squares accurate."""
    head = x[:1000]
    seen = ~np.isnan(head)
    return np.where(seen, head, 0.0).sum(axis=0) / np.maximum(seen.sum(axis=0), 1)


def _matrix(data, items) -> tuple[np.ndarray, list]:
    """The item columns of ``data`` as a float array, and their names."""
    if isinstance(data, pd.DataFrame):
        frame = data
    else:
        arr = np.asarray(data)
        if arr.ndim != 2:
            raise ReliabilityError(f"data must be 2-D (respondents x items), got {arr.ndim}-D")
        frame = pd.DataFrame(arr, columns=[f"V{i + 1}" for i in range(arr.shape[1])])
    names = list(frame.columns) if items is None else list(items)
    missing = [str(c) for c in names if c not in frame.columns]
    if missing:
        raise ReliabilityError(f"items not in data: {', '.join(missing)}")
    for c in names:
        if not (pd.api.types.is_numeric_dtype(frame[c]) or frame[c].isna().all()):
            raise ReliabilityError(f"item {c} is not numeric (dtype {frame[c].dtype})")
    if len(names) < 2:
        raise ReliabilityError(f"reliability needs at least 2 items, got {len(names)}")
    return frame[names].to_numpy(dtype=np.float64, na_value=np.nan), names


def _square(cov, items) -> tuple[np.ndarray, list]:
    names: list | None
    if isinstance(cov, pd.DataFrame):
        names = list(cov.columns) if items is None else list(items)
        c = cov.to_numpy(dtype=np.float64)
    else:
        c = np.asarray(cov, dtype=np.float64)
        names = None if items is None else list(items)
    if c.ndim != 2 or c.shape[0] != c.shape[1]:
        raise ReliabilityError(f"cov must be a square matrix, got shape {c.shape}")
    if names is None:
        names = [f"V{i + 1}" for i in range(c.shape[0])]
    if len(names) != c.shape[0]:
        raise ReliabilityError(f"{len(names)} item names for a {c.shape[0]} x {c.shape[0]} matrix")
    if not np.all(np.isfinite(c)):
        raise ReliabilityError("cov has missing or infinite entries")
    if not np.allclose(c, c.T, rtol=1e-8, atol=1e-10):
        raise ReliabilityError("cov is not symmetric")
    return c, names


def _keys(reverse, names: list) -> np.ndarray:
    """+1/−1 per item from item names, a {name: ±1} mapping, or a sequence of ±1 keys."""
    k = len(names)
    if reverse is None:
        return np.ones(k)
    if isinstance(reverse, (str, bytes)):
        reverse = [reverse]
    if isinstance(reverse, Mapping):
        unknown = [str(n) for n in reverse if n not in names]
        if unknown:
            raise ReliabilityError(f"keys for items not in the scale: {', '.join(unknown)}")
        return np.array([-1.0 if reverse.get(n, 1) < 0 else 1.0 for n in names])
    rev = list(reverse) if isinstance(reverse, Iterable) else [reverse]
    if rev and all(isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
                   and v in (1, -1) for v in rev) and not any(v in names for v in rev):
        if len(rev) != k:
            raise ReliabilityError(f"{len(rev)} keys for {k} items")
        return np.asarray(rev, dtype=np.float64)
    unknown = [str(n) for n in rev if n not in names]
    if unknown:
        raise ReliabilityError(f"reverse names items not in the scale: {', '.join(unknown)}")
    return np.array([-1.0 if n in rev else 1.0 for n in names])


def _vector(v, k: int, what: str) -> np.ndarray:
    a = np.asarray(v, dtype=np.float64).reshape(-1)
    if a.size != k:
        raise ReliabilityError(f"{what} has {a.size} values for {k} items")
    return a


def _observed_range(x: np.ndarray) -> tuple[float, float]:
    seen = x[~np.isnan(x)]
    return float(seen.min()), float(seen.max())


def _plain(v):
    v = float(v)
    return None if np.isnan(v) else v
