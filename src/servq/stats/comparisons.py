"""Comparisons of an outcome across segments (branches, channels, tiers, teams).

Every test here is a function of per-group sufficient statistics — the count n, mean and
standard deviation (n − 1 denominator) of each group, which is what servq's ``Moments``
give per segment — so the cores take ``(n, mean, sd)`` arrays and never need rows. The
``*_data`` wrappers take a DataFrame, an outcome column and a segment column, drop missing
values, suppress groups below ``min_n`` answers, and call the cores. The cores need NumPy and
SciPy only; pandas is imported when a DataFrame is asked for (``to_frame``, ``table``, the
``*_data`` wrappers), so ``servq analyze`` never loads it.

- Welch's heteroscedastic one-way ANOVA (Welch 1951), as R
  ``oneway.test(y ~ g, var.equal = FALSE)``, with two ω² effect sizes:
  the classic ω² of the one-way ANOVA table (Hays 1963),
  ω² = (SSB − (k − 1)·MSW) / (SST + MSW), and the ω² estimated from the Welch F
  (Carroll & Nordholm 1975), ω²_W = df1·(F − 1) / (df1·(F − 1) + N).
- Games–Howell pairs (Games & Howell 1976), as R ``rstatix::games_howell_test``.
- Pairwise Welch t-tests with Holm or Benjamini–Hochberg correction, as R
  ``pairwise.t.test(y, g, pool.sd = FALSE, p.adjust.method = ...)``, and Hedges' g.
- Two proportions (R ``prop.test(..., correct = FALSE)``) and the difference of two NPS.

Pairs are listed in the order (1, 2), (1, 3), …, (2, 3), … of the groups, and every
difference is ``mean_b − mean_a`` (as R ``TukeyHSD`` and rstatix' ``estimate``).
Reference values: ``tests/golden/comparisons.R`` (base R only).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import TYPE_CHECKING, cast

import numpy as np
from scipy import special  # not scipy.stats: its import alone takes 0.4 s

from . import studentized_range
from .intervals import wilson_interval

if TYPE_CHECKING:
    import pandas as pd

ADJUST_METHODS = ("holm", "BH", "bonferroni", "none")


class ComparisonError(ValueError):
    """Input a comparison cannot be computed from; the message names what is wrong.

    Parameters
    ----------
    *args : object
        As for :class:`ValueError`: the message, naming the group or argument at fault.

    References
    ----------
    .. [1] Welch, B. L. (1951). On the comparison of several mean values: an alternative
       approach. *Biometrika*, 38(3/4), 330–336.

    Examples
    --------
    A group with one answer has no SD (R's ``sd(5)`` is ``NA``, and ``oneway.test`` cannot
    use the group):

    >>> try:
    ...     welch_anova([1, 5], [2.0, 3.0], [1.0, 1.0])
    ... except ComparisonError as exc:
    ...     print(exc)
    group '1' has n = 1; each group needs at least 2 answers
    """


def _plain(v):
    """A JSON-able scalar: NaN -> None, NumPy scalars -> Python."""
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return None if np.isnan(v) else float(v)
    return v


@dataclass(frozen=True)
class GroupStats:
    """Per-group n, mean and SD of one outcome, with the groups left out for too few answers.

    Parameters
    ----------
    labels : tuple of str
        Group names, in order.
    n, mean, sd : ndarray
        Per group: non-missing answers, mean and SD (n − 1 denominator).
    suppressed : tuple of str
        Groups left out for fewer than ``min_n`` answers.

    References
    ----------
    .. [1] Welch, B. L. (1951). On the comparison of several mean values: an alternative
       approach. *Biometrika*, 38(3/4), 330–336.

    Examples
    --------
    R: ``aggregate(score ~ branch, d, function(v) c(n = length(v), mean = mean(v), sd = sd(v)))``.

    >>> import pandas as pd
    >>> d = pd.DataFrame({"score": [1, 2, 3, 4, 2, 4, 6, 8, 5, 6, 7, 9, 3],
    ...                   "branch": list("aaaabbbbccccd")})
    >>> g = group_stats(d, "score", "branch")
    >>> g.to_dict()["groups"]["a"]["mean"], g.to_dict()["suppressed"]
    (2.5, ['d'])
    >>> g.to_frame()["sd"].round(4).tolist()
    [1.291, 2.582, 1.7078]
    """

    labels: tuple[str, ...]
    n: np.ndarray
    mean: np.ndarray
    sd: np.ndarray
    suppressed: tuple[str, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        """One row per group (index ``group``): n, mean and sd."""
        import pandas as pd

        return pd.DataFrame({"n": self.n, "mean": self.mean, "sd": self.sd},
                            index=pd.Index(self.labels, name="group"))

    def to_dict(self) -> dict:
        """JSON-able dict: n, mean and sd per group, and the suppressed groups."""
        return {"groups": {g: {"n": _plain(n), "mean": _plain(m), "sd": _plain(s)}
                           for g, n, m, s in zip(self.labels, self.n, self.mean, self.sd)},
                "suppressed": list(self.suppressed)}


def group_stats(data, outcome, by, min_n: int = 2) -> GroupStats:
    """n, mean and SD of ``outcome`` per level of ``by``; groups with fewer than ``min_n``
    non-missing answers are left out and listed in ``suppressed`` (minimum-n suppression).

    ``data`` is a DataFrame (``outcome`` and ``by`` are column names) or a 2-D array
    (column numbers). Rows with a missing outcome or group are dropped. Groups are in
    sorted order (categories order for a categorical column), like R's ``factor``.

    Parameters
    ----------
    data : DataFrame or 2-D array
        One row per answer; for an array, ``outcome`` and ``by`` are column numbers.
    outcome : column label
        The numeric outcome (non-numbers count as missing).
    by : column label
        The segment column.
    min_n : int
        Fewest non-missing answers for a group to be compared (at least 2).

    Returns
    -------
    GroupStats
        n, mean and SD per kept group, and the suppressed groups.

    Raises
    ------
    ComparisonError
        If ``min_n`` < 2 or ``outcome`` or ``by`` is not a column of ``data``.

    References
    ----------
    .. [1] Welch, B. L. (1951). On the comparison of several mean values: an alternative
       approach. *Biometrika*, 38(3/4), 330–336.

    Examples
    --------
    Group ``d`` has one answer and is suppressed. R:
    ``aggregate(score ~ branch, d, function(v) c(n = length(v), mean = mean(v), sd = sd(v)))``.

    >>> import pandas as pd
    >>> d = pd.DataFrame({"score": [1, 2, 3, 4, 2, 4, 6, 8, 5, 6, 7, 9, 3],
    ...                   "branch": list("aaaabbbbccccd")})
    >>> g = group_stats(d, "score", "branch")
    >>> g.labels, g.n.tolist(), g.mean.tolist(), g.suppressed
    (('a', 'b', 'c'), [4.0, 4.0, 4.0], [2.5, 5.0, 6.75], ('d',))
    """
    if min_n < 2:
        raise ComparisonError(f"min_n must be at least 2 (an SD needs two answers), got {min_n}")
    import pandas as pd

    frame = data if isinstance(data, pd.DataFrame) else pd.DataFrame(np.asarray(data))
    for col in (outcome, by):
        if col not in frame.columns:
            raise ComparisonError(f"column {col!r} not in data")
    y = pd.to_numeric(frame[outcome], errors="coerce")
    ok = y.notna() & frame[by].notna()
    grouped = y[ok].groupby(frame.loc[ok, by], sort=True, observed=True)
    summary = pd.DataFrame({"n": grouped.count(), "mean": grouped.mean(), "sd": grouped.std(ddof=1)})
    keep = summary["n"] >= min_n
    labels = tuple(str(g) for g in summary.index[keep])
    return GroupStats(labels, summary["n"][keep].to_numpy(np.float64), summary["mean"][keep].to_numpy(),
                      summary["sd"][keep].to_numpy(), tuple(str(g) for g in summary.index[~keep]))


def _check(n, mean, sd, labels=None):
    n, mean, sd = (np.asarray(a, dtype=np.float64).ravel() for a in (n, mean, sd))
    if not (n.size == mean.size == sd.size):
        raise ComparisonError(f"n, mean and sd differ in length: {n.size}, {mean.size}, {sd.size}")
    labels = tuple(str(i + 1) for i in range(n.size)) if labels is None else tuple(str(g) for g in labels)
    if len(labels) != n.size:
        raise ComparisonError(f"{len(labels)} labels for {n.size} groups")
    if n.size < 2:
        raise ComparisonError(f"a comparison needs at least 2 groups, got {n.size}")
    for g, ni, mi, si in zip(labels, n, mean, sd):
        if not ni >= 2:
            raise ComparisonError(f"group {g!r} has n = {ni:g}; each group needs at least 2 answers")
        if not (np.isfinite(mi) and np.isfinite(si) and si > 0):
            raise ComparisonError(f"group {g!r} has mean {mi:g} and sd {si:g}; the sd must be positive")
    return n, mean, sd, labels


@dataclass(frozen=True)
class WelchAnova:
    """Welch's F test: ``f`` on ``df1`` and ``df2`` degrees of freedom, p-value ``p``,
    ω² from the ANOVA table (``omega_sq``) and from the Welch F (``omega_sq_welch``).

    Parameters
    ----------
    f : float
        Welch's F statistic.
    df1, df2 : float
        Numerator (k − 1) and Welch denominator degrees of freedom.
    p : float
        Upper-tail p-value of ``f`` on (df1, df2).
    omega_sq, omega_sq_welch : float
        ω² from the classic ANOVA table and from the Welch F (may be negative).
    k : int
        Number of groups.
    n_total : float
        Number of answers, N.

    References
    ----------
    .. [1] Welch, B. L. (1951). On the comparison of several mean values: an alternative
       approach. *Biometrika*, 38(3/4), 330–336.
    .. [2] Hays, W. L. (1963). *Statistics for Psychologists*. New York: Holt, Rinehart and Winston.
    .. [3] Carroll, R. M., & Nordholm, L. A. (1975). Sampling characteristics of Kelley's ε² and
       Hays' ω². *Educational and Psychological Measurement*, 35(3), 541–554.

    Examples
    --------
    R, without the one-answer group ``d``: ``oneway.test(score ~ branch, subset(d, branch !=
    "d"))`` gives F = 7.2594, denom df = 5.639, p = 0.02755; ω² by hand from ``summary(aov(...))``.

    >>> import pandas as pd
    >>> d = pd.DataFrame({"score": [1, 2, 3, 4, 2, 4, 6, 8, 5, 6, 7, 9, 3],
    ...                   "branch": list("aaaabbbbccccd")})
    >>> w = welch_anova_data(d, "score", "branch")
    >>> round(w.omega_sq, 4), round(w.omega_sq_welch, 4), w.to_dict()["k"]
    (0.3919, 0.5106, 3)
    >>> w.to_frame().index.tolist()
    ['welch_anova']
    """

    f: float
    df1: float
    df2: float
    p: float
    omega_sq: float
    omega_sq_welch: float
    k: int
    n_total: float

    def to_dict(self) -> dict:
        """JSON-able dict of every field (NaN as None)."""
        return {k: _plain(getattr(self, k)) for k in self.__dataclass_fields__}

    def to_frame(self) -> pd.DataFrame:
        """The fields as a one-row DataFrame (index ``welch_anova``)."""
        import pandas as pd

        return pd.DataFrame([self.to_dict()], index=pd.Index(["welch_anova"], name="test"))


def welch_anova(n, mean, sd, labels=None) -> WelchAnova:
    """Welch's one-way ANOVA for unequal variances from per-group n, mean and SD.

    With w_i = n_i / s_i², W = Σw_i, m = Σw_i·x̄_i / W and
    h = Σ (1 − w_i/W)² / (n_i − 1):
    F = [Σw_i (x̄_i − m)² / (k − 1)] / [1 + 2(k − 2)·h / (k² − 1)], df1 = k − 1,
    df2 = (k² − 1) / (3h) (Welch 1951). ω² = (SSB − (k − 1)·MSW) / (SST + MSW) from the
    classic ANOVA table (Hays 1963); ω²_W = df1·(F − 1) / (df1·(F − 1) + N) from the Welch
    F (Carroll & Nordholm 1975). Both can be negative when F < 1 and are not truncated.

    Parameters
    ----------
    n, mean, sd : array_like
        Per group: answers (at least 2), mean and SD (n − 1 denominator, positive).
    labels : sequence, optional
        Group names, for the error messages (default ``"1"``, ``"2"``, …).

    Returns
    -------
    WelchAnova
        F, its degrees of freedom and p-value, and the two ω².

    Raises
    ------
    ComparisonError
        If the arrays differ in length, there are fewer than 2 groups, a group has
        n < 2, a non-finite mean or a non-positive SD (named by its label), or the labels do
        not match the groups.

    References
    ----------
    .. [1] Welch, B. L. (1951). On the comparison of several mean values: an alternative
       approach. *Biometrika*, 38(3/4), 330–336.
    .. [2] Hays, W. L. (1963). *Statistics for Psychologists*. New York: Holt, Rinehart and Winston.
    .. [3] Carroll, R. M., & Nordholm, L. A. (1975). Sampling characteristics of Kelley's ε² and
       Hays' ω². *Educational and Psychological Measurement*, 35(3), 541–554.

    Examples
    --------
    PlantGrowth (R ``datasets``): weight by group ctrl, trt1, trt2.

    >>> r = welch_anova([10, 10, 10], [5.032, 4.661, 5.526], [0.5830914, 0.7936757, 0.4425733])
    >>> round(r.f, 4), round(r.df2, 3), round(r.p, 5)
    (5.181, 17.128, 0.01739)

    R: ``oneway.test(weight ~ group, PlantGrowth)`` gives F = 5.181, num df = 2,
    denom df = 17.128, p-value = 0.01739.
    """
    n, mean, sd, _ = _check(n, mean, sd, labels)
    k = n.size
    w = n / sd**2
    big_w = w.sum()
    m = (w * mean).sum() / big_w
    h = ((1 - w / big_w) ** 2 / (n - 1)).sum()
    f = ((w * (mean - m) ** 2).sum() / (k - 1)) / (1 + 2 * (k - 2) * h / (k * k - 1))
    df1, df2 = k - 1.0, (k * k - 1) / (3 * h)
    total = n.sum()
    grand = (n * mean).sum() / total
    ssb = (n * (mean - grand) ** 2).sum()
    ssw = ((n - 1) * sd**2).sum()
    msw = ssw / (total - k)
    return WelchAnova(f=float(f), df1=df1, df2=float(df2), p=float(special.fdtrc(df1, df2, f)),
                      omega_sq=float((ssb - df1 * msw) / (ssb + ssw + msw)),
                      omega_sq_welch=float(df1 * (f - 1) / (df1 * (f - 1) + total)),
                      k=k, n_total=float(total))


PAIR_COLUMNS = ("group_a", "group_b", "n_a", "n_b", "mean_a", "mean_b", "diff", "se", "t", "df",
                "p", "p_adj", "ci_low", "ci_high", "hedges_g")


@dataclass(frozen=True)
class Pairs:
    """All pairwise comparisons of one outcome. ``columns`` maps each of
    :data:`PAIR_COLUMNS` to one value per pair: group_a, group_b, n_a, n_b, mean_a, mean_b,
    diff (= mean_b − mean_a), se, t, df, p (unadjusted Welch p, or the Games–Howell p),
    p_adj (after ``adjust``), ci_low, ci_high and hedges_g; ``table`` is the same as a
    DataFrame.

    Parameters
    ----------
    method : str
        ``"games_howell"`` or ``"welch"``.
    adjust : str
        The multiplicity correction: ``"tukey"`` (Games–Howell) or a :func:`p_adjust` method.
    confidence : float or None
        Coverage of the intervals (None: no intervals).
    columns : dict
        :data:`PAIR_COLUMNS` → one value per pair.

    References
    ----------
    .. [1] Games, P. A., & Howell, J. F. (1976). Pairwise multiple comparison procedures with
       unequal n's and/or variances: a Monte Carlo study. *Journal of Educational
       Statistics*, 1(2), 113–125.
    .. [2] Holm, S. (1979). A simple sequentially rejective multiple test procedure.
       *Scandinavian Journal of Statistics*, 6(2), 65–70.

    Examples
    --------
    R: ``rstatix::games_howell_test(PlantGrowth, weight ~ group)`` has one row per pair,
    like ``table``.

    >>> r = games_howell([10, 10, 10], [5.032, 4.661, 5.526], [0.5830914, 0.7936757, 0.4425733],
    ...                  labels=["ctrl", "trt1", "trt2"])
    >>> r.table.shape, r.to_dict()["method"], r.to_dict()["adjust"]
    ((3, 15), 'games_howell', 'tukey')
    >>> rec = r.records()[2]
    >>> rec["group_a"], rec["group_b"], round(rec["p_adj"], 4), round(rec["ci_low"], 4)
    ('trt1', 'trt2', 0.0237, 0.1135)
    """

    method: str
    adjust: str
    confidence: float | None
    columns: dict

    @property
    def table(self) -> pd.DataFrame:
        """The pairs as a DataFrame, one row per pair, columns :data:`PAIR_COLUMNS`."""
        import pandas as pd

        return pd.DataFrame({k: self.columns[k] for k in PAIR_COLUMNS})

    def to_frame(self) -> pd.DataFrame:
        """Same as :attr:`table`."""
        return self.table

    def records(self) -> list[dict]:
        """One dict of JSON-able values per pair (NaN -> None)."""
        cols = [self.columns[k] for k in PAIR_COLUMNS]
        return [{k: _plain(v) for k, v in zip(PAIR_COLUMNS, row)} for row in zip(*cols)]

    def to_dict(self) -> dict:
        """JSON-able dict: method, adjust, confidence and the :meth:`records`."""
        return {"method": self.method, "adjust": self.adjust, "confidence": self.confidence,
                "pairs": self.records()}


def _pair_table(n, mean, sd, labels) -> dict:
    i, j = (np.array(ix, dtype=int) for ix in zip(*combinations(range(n.size), 2)))
    va, vb = sd[i] ** 2 / n[i], sd[j] ** 2 / n[j]
    se = np.sqrt(va + vb)
    diff = mean[j] - mean[i]
    m = n[i] + n[j] - 2
    pooled = np.sqrt(((n[i] - 1) * sd[i] ** 2 + (n[j] - 1) * sd[j] ** 2) / m)
    return {
        "group_a": [labels[a] for a in i], "group_b": [labels[b] for b in j],
        "n_a": n[i], "n_b": n[j], "mean_a": mean[i], "mean_b": mean[j], "diff": diff, "se": se,
        "t": diff / se, "df": (va + vb) ** 2 / (va**2 / (n[i] - 1) + vb**2 / (n[j] - 1)),
        "hedges_g": diff / pooled * hedges_j(m)}


def hedges_j(m):
    """Hedges' exact small-sample correction J(m) = Γ(m/2) / (√(m/2)·Γ((m − 1)/2)),
    m = n_a + n_b − 2 (Hedges 1981); ≈ 1 − 3/(4m − 1).

    Parameters
    ----------
    m : array_like
        Degrees of freedom n_a + n_b − 2 (positive).

    Returns
    -------
    ndarray
        J(m), elementwise (a 0-d array for a scalar ``m``).

    References
    ----------
    .. [1] Hedges, L. V. (1981). Distribution theory for Glass's estimator of effect size and
       related estimators. *Journal of Educational Statistics*, 6(2), 107–128.

    Examples
    --------
    >>> round(float(hedges_j(18)), 6)  # R: gamma(9) / (sqrt(9) * gamma(8.5))
    0.957646
    """
    m = np.asarray(m, dtype=np.float64)
    return np.exp(special.gammaln(m / 2) - special.gammaln((m - 1) / 2)) / np.sqrt(m / 2)


def games_howell(n, mean, sd, labels=None, confidence: float | None = 0.95) -> Pairs:
    """Games–Howell comparisons of all pairs of groups from per-group n, mean and SD.

    For a pair: diff = x̄_b − x̄_a, se = √(s_a²/n_a + s_b²/n_b), t = diff / se with Welch
    df ν = se⁴ / [(s_a²/n_a)²/(n_a − 1) + (s_b²/n_b)²/(n_b − 1)];
    p = P(Q_{k,ν} > √2·|t|) from the studentized range for k groups (family-wise, so
    ``p_adj = p``); interval diff ± q_{k,ν}(confidence)/√2 · se. The distribution is
    :mod:`servq.stats.studentized_range` (vectorised; SciPy's takes 7 ms a probability and
    0.1 s a quantile). ``hedges_g`` as in :func:`pairwise_welch`; ``confidence=None`` skips
    the intervals.

    Parameters
    ----------
    n, mean, sd : array_like
        Per group: answers (at least 2), mean and SD (n − 1 denominator, positive).
    labels : sequence, optional
        Group names (default ``"1"``, ``"2"``, …).
    confidence : float or None
        Coverage of the simultaneous intervals; None skips them.

    Returns
    -------
    Pairs
        One entry per pair, ``method="games_howell"``, ``adjust="tukey"``.

    Raises
    ------
    ComparisonError
        As :func:`welch_anova`, or when the labels do not match the groups.

    References
    ----------
    .. [1] Games, P. A., & Howell, J. F. (1976). Pairwise multiple comparison procedures with
       unequal n's and/or variances: a Monte Carlo study. *Journal of Educational
       Statistics*, 1(2), 113–125.
    .. [2] Welch, B. L. (1947). The generalization of "Student's" problem when several different
       population variances are involved. *Biometrika*, 34(1/2), 28–35.

    Examples
    --------
    >>> r = games_howell([10, 10, 10], [5.032, 4.661, 5.526], [0.5830914, 0.7936757, 0.4425733],
    ...                  labels=["ctrl", "trt1", "trt2"])
    >>> r.columns["group_a"][0], r.columns["group_b"][0], round(float(r.columns["diff"][0]), 6)
    ('ctrl', 'trt1', -0.371)
    >>> r.columns["p"].round(4).tolist()
    [0.4746, 0.1129, 0.0237]

    R (by hand, as ``rstatix::games_howell_test(PlantGrowth, weight ~ group)``):
    ``ptukey(abs(d) / se * sqrt(2), 3, df, lower.tail = FALSE)`` per pair.
    """
    return games_howell_many([(n, mean, sd, labels)], confidence)[0]


def games_howell_many(groups, confidence: float | None = 0.95) -> list[Pairs]:
    """:func:`games_howell` of several outcomes at once, given as ``(n, mean, sd, labels)``
    tuples; the tail probabilities of all pairs with the same number of groups are one
    vectorised computation, and so are their critical values.

    Parameters
    ----------
    groups : iterable of tuple
        One ``(n, mean, sd, labels)`` per outcome (``labels`` may be None).
    confidence : float or None
        Coverage of the simultaneous intervals; None skips them.

    Returns
    -------
    list of Pairs
        One :class:`Pairs` per outcome, in order.

    Raises
    ------
    ComparisonError
        As :func:`games_howell`, for any outcome.

    References
    ----------
    .. [1] Games, P. A., & Howell, J. F. (1976). Pairwise multiple comparison procedures with
       unequal n's and/or variances: a Monte Carlo study. *Journal of Educational
       Statistics*, 1(2), 113–125.

    Examples
    --------
    Two outcomes; the second has two groups, where Games–Howell equals the Welch t-test
    (R: ``t.test(x, y)$p.value`` from the raw answers; here
    ``ptukey(sqrt(2) * abs(t), 2, df, lower.tail = FALSE)``).

    >>> plant = ([10, 10, 10], [5.032, 4.661, 5.526], [0.5830914, 0.7936757, 0.4425733], None)
    >>> two = ([4, 4], [1.0, 2.0], [1.0, 1.5], ["x", "y"])
    >>> [r.columns["p"].round(4).tolist() for r in games_howell_many([plant, two])]
    [[0.4746, 0.1129, 0.0237], [0.3157]]
    """
    checked = [_check(*g) for g in groups]
    tables = [_pair_table(*c) for c in checked]
    for k in {n.size for n, *_ in checked}:
        same = [t for (n, *_), t in zip(checked, tables) if n.size == k]
        sizes = np.cumsum([t["df"].size for t in same])[:-1]
        df = np.concatenate([t["df"] for t in same])
        q = np.abs(np.concatenate([t["t"] for t in same])) * np.sqrt(2)
        p = np.split(studentized_range.sf(q, k, df), sizes)
        crit = (np.split(studentized_range.ppf_many(confidence, k, df), sizes) if confidence is not None
                else [np.full(t["df"].size, np.nan) for t in same])
        for t, pt, ct in zip(same, p, crit):
            t["p"] = t["p_adj"] = pt
            half = ct / np.sqrt(2) * t["se"]
            t["ci_low"], t["ci_high"] = t["diff"] - half, t["diff"] + half
    return [Pairs("games_howell", "tukey", confidence, t) for t in tables]


def pairwise_welch(n, mean, sd, labels=None, adjust: str = "holm", confidence: float = 0.95) -> Pairs:
    """Welch t-tests of all pairs of groups with a multiplicity correction.

    Per pair: diff, se, t and Welch df as in :func:`games_howell`; p two-sided from Student
    t on ν df; ``p_adj`` by ``adjust`` over all pairs (:func:`p_adjust`); interval
    diff ± t_{ν}((1 + confidence)/2)·se (unadjusted, as R ``t.test``). Hedges' g =
    J(m)·diff / s_p with the pooled SD s_p = √(((n_a − 1)s_a² + (n_b − 1)s_b²) / m),
    m = n_a + n_b − 2, and the exact J of :func:`hedges_j`.

    Parameters
    ----------
    n, mean, sd : array_like
        Per group: answers (at least 2), mean and SD (n − 1 denominator, positive).
    labels : sequence, optional
        Group names (default ``"1"``, ``"2"``, …).
    adjust : {"holm", "BH", "bonferroni", "none"}
        Correction of the p-values over all pairs.
    confidence : float
        Coverage of the (unadjusted) intervals.

    Returns
    -------
    Pairs
        One entry per pair, ``method="welch"``.

    Raises
    ------
    ComparisonError
        As :func:`welch_anova`, when the labels do not match the groups, or when
        ``adjust`` is not one of :data:`ADJUST_METHODS`.

    References
    ----------
    .. [1] Welch, B. L. (1947). The generalization of "Student's" problem when several different
       population variances are involved. *Biometrika*, 34(1/2), 28–35.
    .. [2] Holm, S. (1979). A simple sequentially rejective multiple test procedure.
       *Scandinavian Journal of Statistics*, 6(2), 65–70.
    .. [3] Benjamini, Y., & Hochberg, Y. (1995). Controlling the false discovery rate: a practical
       and powerful approach to multiple testing. *Journal of the Royal Statistical
       Society, Series B*, 57(1), 289–300.
    .. [4] Hedges, L. V. (1981). Distribution theory for Glass's estimator of effect size and
       related estimators. *Journal of Educational Statistics*, 6(2), 107–128.

    Examples
    --------
    >>> r = pairwise_welch([10, 10, 10], [5.032, 4.661, 5.526], [0.5830914, 0.7936757, 0.4425733],
    ...                    labels=["ctrl", "trt1", "trt2"], adjust="holm")
    >>> r.columns["p_adj"].round(4).tolist(), r.columns["hedges_g"].round(4).tolist()
    ([0.2504, 0.0958, 0.0279], [-0.5102, 0.9139, 1.2891])

    R: ``pairwise.t.test(PlantGrowth$weight, PlantGrowth$group, pool.sd = FALSE,
    p.adjust.method = "holm")`` gives 0.250, 0.096, 0.028.
    """
    n, mean, sd, labels = _check(n, mean, sd, labels)
    if adjust not in ADJUST_METHODS:
        raise ComparisonError(f"adjust must be one of {', '.join(ADJUST_METHODS)}; got {adjust!r}")
    table = _pair_table(n, mean, sd, labels)
    table["p"] = 2 * special.stdtr(table["df"], -np.abs(table["t"]))
    table["p_adj"] = p_adjust(table["p"], adjust)
    half = special.stdtrit(table["df"], 0.5 + confidence / 2) * table["se"]
    table["ci_low"], table["ci_high"] = table["diff"] - half, table["diff"] + half
    return Pairs("welch", adjust, confidence, table)


def p_adjust(p, method: str = "holm") -> np.ndarray:
    """p-values adjusted for multiple comparisons, as R ``p.adjust`` (NaN stays NaN and
    does not count).

    Holm (1979): the i-th smallest of m becomes max_{j ≤ i} min(1, (m − j + 1)·p_(j));
    Benjamini–Hochberg (1995): the i-th smallest becomes min_{j ≥ i} min(1, m·p_(j)/j);
    Bonferroni: min(1, m·p).

    Parameters
    ----------
    p : array_like
        p-values (NaN allowed).
    method : {"holm", "BH", "bonferroni", "none"}
        The correction.

    Returns
    -------
    ndarray
        Adjusted p-values in the order of ``p``, NaN where ``p`` is NaN.

    Raises
    ------
    ComparisonError
        If ``method`` is not one of :data:`ADJUST_METHODS`.

    References
    ----------
    .. [1] Holm, S. (1979). A simple sequentially rejective multiple test procedure.
       *Scandinavian Journal of Statistics*, 6(2), 65–70.
    .. [2] Benjamini, Y., & Hochberg, Y. (1995). Controlling the false discovery rate: a practical
       and powerful approach to multiple testing. *Journal of the Royal Statistical
       Society, Series B*, 57(1), 289–300.
    .. [3] Dunn, O. J. (1961). Multiple comparisons among means. *Journal of the American
       Statistical Association*, 56(293), 52–64.

    Examples
    --------
    >>> p_adjust([0.01, 0.04, 0.03], "holm").tolist()  # R: p.adjust(c(.01, .04, .03), "holm")
    [0.03, 0.06, 0.06]
    >>> p_adjust([0.01, 0.04, 0.03], "BH").round(6).tolist()  # R: p.adjust(..., "BH")
    [0.03, 0.04, 0.04]
    >>> p_adjust([0.01, np.nan, 0.03], "bonferroni").tolist()  # R: p.adjust(c(.01, NA, .03), "bonferroni")
    [0.02, nan, 0.06]
    """
    if method not in ADJUST_METHODS:
        raise ComparisonError(f"method must be one of {', '.join(ADJUST_METHODS)}; got {method!r}")
    p = np.asarray(p, dtype=np.float64)
    out = p.copy()
    ok = ~np.isnan(p)
    q = p[ok]
    m = q.size
    if method == "none" or m == 0:
        return out
    if method == "bonferroni":
        out[ok] = np.minimum(1.0, m * q)
        return out
    order = np.argsort(q, kind="stable")
    ranked = q[order]
    rank = np.arange(1, m + 1)
    if method == "holm":
        adj = np.maximum.accumulate(np.minimum(1.0, (m - rank + 1) * ranked))
    else:
        adj = np.minimum.accumulate(np.minimum(1.0, m * ranked / rank)[::-1])[::-1]
    res = np.empty(m)
    res[order] = adj
    out[ok] = res
    return out


def significant(pairs: Pairs | pd.DataFrame, alpha: float = 0.05) -> pd.DataFrame:
    """The pairs whose difference is significant after correction: ``p_adj < alpha``.

    Parameters
    ----------
    pairs : Pairs or DataFrame
        A result of :func:`games_howell` or :func:`pairwise_welch`, or its ``table``.
    alpha : float
        Family-wise (or FDR, with BH) level, between 0 and 1.

    Returns
    -------
    DataFrame
        The rows of the pair table with ``p_adj < alpha`` (a copy).

    Raises
    ------
    ComparisonError
        If ``alpha`` is not between 0 and 1 or the table has no ``p_adj`` column.

    References
    ----------
    .. [1] Holm, S. (1979). A simple sequentially rejective multiple test procedure.
       *Scandinavian Journal of Statistics*, 6(2), 65–70.
    .. [2] Benjamini, Y., & Hochberg, Y. (1995). Controlling the false discovery rate: a practical
       and powerful approach to multiple testing. *Journal of the Royal Statistical
       Society, Series B*, 57(1), 289–300.

    Examples
    --------
    R: ``subset(rstatix::games_howell_test(subset(d, branch != "d"), score ~ branch), p.adj < 0.05)``.

    >>> import pandas as pd
    >>> d = pd.DataFrame({"score": [1, 2, 3, 4, 2, 4, 6, 8, 5, 6, 7, 9, 3],
    ...                   "branch": list("aaaabbbbccccd")})
    >>> s = significant(games_howell_data(d, "score", "branch"), alpha=0.05)
    >>> s[["group_a", "group_b"]].values.tolist(), s["p_adj"].round(4).tolist()
    ([['a', 'c']], [0.0197])
    """
    if not 0 < alpha < 1:
        raise ComparisonError(f"alpha must be between 0 and 1, got {alpha}")
    table = pairs.table if isinstance(pairs, Pairs) else pairs
    if "p_adj" not in table.columns:
        raise ComparisonError("pairs have no 'p_adj' column; pass the result of games_howell or pairwise_welch")
    return table[table["p_adj"] < alpha].copy()


def welch_anova_data(data, outcome, by, min_n: int = 2) -> WelchAnova:
    """:func:`welch_anova` of ``outcome`` across the levels of ``by`` (see :func:`group_stats`).

    Parameters
    ----------
    data : DataFrame or 2-D array
        One row per answer; for an array, ``outcome`` and ``by`` are column numbers.
    outcome : column label
        The numeric outcome (non-numbers count as missing).
    by : column label
        The segment column.
    min_n : int
        Fewest non-missing answers for a group to be compared (at least 2).

    Returns
    -------
    WelchAnova
        The test over the groups that are not suppressed.

    Raises
    ------
    ComparisonError
        As :func:`group_stats` and :func:`welch_anova` (e.g. fewer than 2 groups kept).

    References
    ----------
    .. [1] Welch, B. L. (1951). On the comparison of several mean values: an alternative
       approach. *Biometrika*, 38(3/4), 330–336.

    Examples
    --------
    R: ``oneway.test(score ~ branch, subset(d, branch != "d"))`` gives F = 7.2594,
    denom df = 5.639, p-value = 0.02755.

    >>> import pandas as pd
    >>> d = pd.DataFrame({"score": [1, 2, 3, 4, 2, 4, 6, 8, 5, 6, 7, 9, 3],
    ...                   "branch": list("aaaabbbbccccd")})
    >>> r = welch_anova_data(d, "score", "branch")
    >>> round(r.f, 4), round(r.df2, 3), round(r.p, 4)
    (7.2594, 5.639, 0.0276)
    """
    g = group_stats(data, outcome, by, min_n)
    return welch_anova(g.n, g.mean, g.sd, g.labels)


def games_howell_data(data, outcome, by, min_n: int = 2, confidence: float | None = 0.95) -> Pairs:
    """:func:`games_howell` of ``outcome`` across the levels of ``by`` (see :func:`group_stats`).

    Parameters
    ----------
    data : DataFrame or 2-D array
        One row per answer; for an array, ``outcome`` and ``by`` are column numbers.
    outcome : column label
        The numeric outcome (non-numbers count as missing).
    by : column label
        The segment column.
    min_n : int
        Fewest non-missing answers for a group to be compared (at least 2).
    confidence : float or None
        Coverage of the simultaneous intervals; None skips them.

    Returns
    -------
    Pairs
        Games–Howell pairs of the groups that are not suppressed.

    Raises
    ------
    ComparisonError
        As :func:`group_stats` and :func:`games_howell`.

    References
    ----------
    .. [1] Games, P. A., & Howell, J. F. (1976). Pairwise multiple comparison procedures with
       unequal n's and/or variances: a Monte Carlo study. *Journal of Educational
       Statistics*, 1(2), 113–125.

    Examples
    --------
    R: ``rstatix::games_howell_test(subset(d, branch != "d"), score ~ branch)$p.adj``.

    >>> import pandas as pd
    >>> d = pd.DataFrame({"score": [1, 2, 3, 4, 2, 4, 6, 8, 5, 6, 7, 9, 3],
    ...                   "branch": list("aaaabbbbccccd")})
    >>> games_howell_data(d, "score", "branch").columns["p_adj"].round(4).tolist()
    [0.2925, 0.0197, 0.5368]
    """
    g = group_stats(data, outcome, by, min_n)
    return games_howell(g.n, g.mean, g.sd, g.labels, confidence)


def pairwise_welch_data(data, outcome, by, adjust: str = "holm", min_n: int = 2,
                        confidence: float = 0.95) -> Pairs:
    """:func:`pairwise_welch` of ``outcome`` across the levels of ``by`` (see :func:`group_stats`).

    Parameters
    ----------
    data, outcome, by
        As in :func:`group_stats`.
    adjust : {"holm", "BH", "bonferroni", "none"}
        Correction of the p-values over all pairs.
    min_n : int
        Fewest non-missing answers for a group to be compared (at least 2).
    confidence : float
        Coverage of the (unadjusted) intervals.

    Returns
    -------
    Pairs
        Welch pairs of the groups that are not suppressed.

    Raises
    ------
    ComparisonError
        As :func:`group_stats` and :func:`pairwise_welch`.

    References
    ----------
    .. [1] Welch, B. L. (1947). The generalization of "Student's" problem when several different
       population variances are involved. *Biometrika*, 34(1/2), 28–35.
    .. [2] Benjamini, Y., & Hochberg, Y. (1995). Controlling the false discovery rate: a practical
       and powerful approach to multiple testing. *Journal of the Royal Statistical
       Society, Series B*, 57(1), 289–300.

    Examples
    --------
    R: ``with(subset(d, branch != "d"), pairwise.t.test(score, branch, pool.sd = FALSE,
    p.adjust.method = "BH"))``.

    >>> import pandas as pd
    >>> d = pd.DataFrame({"score": [1, 2, 3, 4, 2, 4, 6, 8, 5, 6, 7, 9, 3],
    ...                   "branch": list("aaaabbbbccccd")})
    >>> pairwise_welch_data(d, "score", "branch", adjust="BH").columns["p_adj"].round(4).tolist()
    [0.2274, 0.0255, 0.3076]
    """
    g = group_stats(data, outcome, by, min_n)
    return pairwise_welch(g.n, g.mean, g.sd, g.labels, adjust, confidence)


@dataclass(frozen=True)
class TwoProportions:
    """Two shares compared: Pearson χ² (1 df, no continuity correction) and its p-value,
    the difference share_1 − share_2 with a Wald interval, and each share's Wilson interval.

    Parameters
    ----------
    x1, n1, x2, n2 : float
        Successes and trials of each group.
    share_1, share_2 : float
        x1/n1 and x2/n2.
    diff : float
        share_1 − share_2.
    chi2, p : float
        Pearson χ² on 1 df and its p-value (NaN when the pooled share is 0 or 1).
    ci_low, ci_high : float
        Wald interval of ``diff``, clipped to [−1, 1].
    wilson_1, wilson_2 : tuple of float
        Wilson score interval of each share.

    References
    ----------
    .. [1] Wilson, E. B. (1927). Probable inference, the law of succession, and statistical
       inference. *Journal of the American Statistical Association*, 22(158), 209–212.
    .. [2] Agresti, A. (2013). *Categorical Data Analysis* (3rd ed.). Hoboken, NJ: Wiley.

    Examples
    --------
    R: ``prop.test(c(15, 25), c(40, 60), correct = FALSE)$conf.int`` for the difference
    and ``prop.test(15, 40, correct = FALSE)$conf.int`` for the first share:

    >>> r = two_proportions(15, 40, 25, 60)
    >>> round(r.ci_low, 4), round(r.ci_high, 4), [round(v, 4) for v in r.wilson_1]
    (-0.2368, 0.1534, [0.2422, 0.5297])
    >>> r.to_dict()["wilson_2"] == list(r.wilson_2)
    True
    """

    x1: float
    n1: float
    x2: float
    n2: float
    share_1: float
    share_2: float
    diff: float
    chi2: float
    p: float
    ci_low: float
    ci_high: float
    wilson_1: tuple[float, float]
    wilson_2: tuple[float, float]

    def to_dict(self) -> dict:
        """JSON-able dict of every field (NaN as None; the Wilson intervals as lists)."""
        return {k: ([_plain(v) for v in getattr(self, k)] if k.startswith("wilson") else _plain(getattr(self, k)))
                for k in self.__dataclass_fields__}


def _counts(x, n, what):
    x, n = float(x), float(n)
    if not (n > 0 and 0 <= x <= n):
        raise ComparisonError(f"{what}: need 0 <= x <= n and n > 0, got x = {x:g}, n = {n:g}")
    return x, n


def two_proportions(x1, n1, x2, n2, confidence: float = 0.95) -> TwoProportions:
    """Two-proportion test without continuity correction, as R
    ``prop.test(c(x1, x2), c(n1, n2), correct = FALSE)``.

    With p̂ = (x1 + x2)/(n1 + n2): χ² = (p1 − p2)² / [p̂(1 − p̂)(1/n1 + 1/n2)] (= z²) on 1 df;
    interval p1 − p2 ± z·√(p1(1 − p1)/n1 + p2(1 − p2)/n2), clipped to [−1, 1].
    χ² and p are NaN when p̂ is 0 or 1.

    Parameters
    ----------
    x1, n1 : float
        Successes and trials of group 1 (0 ≤ x1 ≤ n1, n1 > 0).
    x2, n2 : float
        The same for group 2.
    confidence : float
        Coverage of the difference's and the shares' intervals.

    Returns
    -------
    TwoProportions
        χ², p, the difference with its Wald interval and the Wilson intervals.

    Raises
    ------
    ComparisonError
        If a count is outside 0 ≤ x ≤ n or n ≤ 0.

    References
    ----------
    .. [1] Wilson, E. B. (1927). Probable inference, the law of succession, and statistical
       inference. *Journal of the American Statistical Association*, 22(158), 209–212.
    .. [2] Agresti, A. (2013). *Categorical Data Analysis* (3rd ed.). Hoboken, NJ: Wiley.

    Examples
    --------
    >>> r = two_proportions(15, 40, 25, 60)
    >>> round(r.chi2, 6), round(r.p, 6)  # R: prop.test(c(15, 25), c(40, 60), correct = FALSE)
    (0.173611, 0.676922)
    """
    x1, n1 = _counts(x1, n1, "group 1")
    x2, n2 = _counts(x2, n2, "group 2")
    p1, p2 = x1 / n1, x2 / n2
    pooled = (x1 + x2) / (n1 + n2)
    denom = pooled * (1 - pooled) * (1 / n1 + 1 / n2)
    chi2 = (p1 - p2) ** 2 / denom if denom > 0 else np.nan
    z = special.ndtri(0.5 + confidence / 2)
    half = z * np.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
    w1, w2 = (cast("tuple[float, float]", tuple(float(v[0]) for v in wilson_interval(np.array([s]), np.array([m]), confidence)))
              for s, m in ((p1, n1), (p2, n2)))
    return TwoProportions(x1, n1, x2, n2, p1, p2, p1 - p2, float(chi2),
                          float(special.chdtrc(1, chi2)) if denom > 0 else np.nan,
                          float(max(p1 - p2 - half, -1.0)), float(min(p1 - p2 + half, 1.0)), w1, w2)


def top_box(values, threshold: float) -> tuple[int, int]:
    """(answers ≥ ``threshold``, non-missing answers) — e.g. ``top_box(sat, 80)`` or
    ``top_box(p, 6)`` for the top-2 box of a 7-point scale; feed into :func:`two_proportions`.

    Parameters
    ----------
    values : array_like
        Answers; NaN = missing.
    threshold : float
        Lowest answer in the box.

    Returns
    -------
    tuple of int
        (answers at or above ``threshold``, non-missing answers).

    References
    ----------
    .. [1] Agresti, A. (2013). *Categorical Data Analysis* (3rd ed.). Hoboken, NJ: Wiley.

    Examples
    --------
    >>> top_box([7, 6, 5, 7, np.nan, 2], 6)  # R: c(sum(x >= 6, na.rm = TRUE), sum(!is.na(x)))
    (3, 5)
    """
    v = np.asarray(values, dtype=np.float64)
    ok = ~np.isnan(v)
    return int(np.count_nonzero(v[ok] >= threshold)), int(ok.sum())


def nps_counts(recommend) -> tuple[int, int, int]:
    """(promoters 9–10, passives 7–8, detractors 0–6) among the non-missing 0–10 answers.

    Parameters
    ----------
    recommend : array_like
        Likelihood-to-recommend answers 0–10; NaN = missing.

    Returns
    -------
    tuple of int
        (promoters, passives, detractors).

    Raises
    ------
    ComparisonError
        If an answer is outside 0–10.

    References
    ----------
    .. [1] Reichheld, F. F. (2003). The one number you need to grow. *Harvard Business Review*,
       81(12), 46–54.

    Examples
    --------
    >>> nps_counts([10, 9, 8, 7, 6, 0, np.nan, 10])  # R: table(cut(x, c(-1, 6, 8, 10)))
    (3, 2, 2)
    """
    v = np.asarray(recommend, dtype=np.float64)
    v = v[~np.isnan(v)]
    if np.any((v < 0) | (v > 10)):
        raise ComparisonError(f"recommend answers must be 0-10, got {v[(v < 0) | (v > 10)][0]:g}")
    return int(np.count_nonzero(v >= 9)), int(np.count_nonzero((v >= 7) & (v < 9))), int(np.count_nonzero(v < 7))


@dataclass(frozen=True)
class NpsDifference:
    """NPS of two groups (−100…100), their SEs, the difference a − b with a normal interval
    and a two-sided z-test p-value.

    Parameters
    ----------
    nps_a, nps_b : float
        Net Promoter Score of each group.
    se_a, se_b : float
        Their standard errors.
    diff, se : float
        nps_a − nps_b and its standard error.
    ci_low, ci_high : float
        Normal interval of ``diff``.
    p : float
        Two-sided z-test p-value of ``diff``.
    n_a, n_b : int
        Answers in each group.

    References
    ----------
    .. [1] Reichheld, F. F. (2003). The one number you need to grow. *Harvard Business Review*,
       81(12), 46–54.
    .. [2] Agresti, A. (2013). *Categorical Data Analysis* (3rd ed.). Hoboken, NJ: Wiley.

    Examples
    --------
    By hand in R: ``d <- 30; se <- 11; d + c(-1, 1) * qnorm(0.975) * se; 2 * pnorm(-d / se)``.

    >>> r = nps_difference((50, 30, 20), (30, 40, 30))
    >>> round(r.ci_low, 4), round(r.ci_high, 4), round(r.p, 4), r.to_dict()["n_a"]
    (8.4404, 51.5596, 0.0064, 100)
    """

    nps_a: float
    nps_b: float
    se_a: float
    se_b: float
    diff: float
    se: float
    ci_low: float
    ci_high: float
    p: float
    n_a: int
    n_b: int

    def to_dict(self) -> dict:
        """JSON-able dict of every field (NaN as None)."""
        return {k: _plain(getattr(self, k)) for k in self.__dataclass_fields__}


def _nps(counts, what):
    c = np.asarray(counts, dtype=np.float64).ravel()
    if c.size != 3 or np.any(c < 0) or c.sum() <= 0:
        raise ComparisonError(f"{what}: need counts (promoters, passives, detractors) >= 0 "
                              f"with a positive total, got {c.tolist()}")
    total = c.sum()
    pp, pd_ = c[0] / total, c[2] / total
    return 100 * (pp - pd_), 100 * np.sqrt((pp + pd_ - (pp - pd_) ** 2) / total), int(total)


def nps_difference(counts_a, counts_b, confidence: float = 0.95) -> NpsDifference:
    """Difference of two Net Promoter Scores from (promoters, passives, detractors) counts.

    NPS = 100·(p_P − p_D). Under the multinomial, Var(p̂_P − p̂_D) =
    [p_P(1 − p_P) + p_D(1 − p_D) + 2·p_P·p_D] / n = [p_P + p_D − (p_P − p_D)²] / n, so
    SE(NPS) = 100·√([p_P + p_D − (p_P − p_D)²] / n); for independent groups
    SE(diff) = √(SE_a² + SE_b²), interval diff ± z·SE(diff), p = 2Φ(−|diff| / SE(diff)).

    Parameters
    ----------
    counts_a, counts_b : sequence of 3 numbers
        (promoters, passives, detractors) of each group, e.g. from :func:`nps_counts`.
    confidence : float
        Coverage of the interval of the difference.

    Returns
    -------
    NpsDifference
        Both NPS, their SEs, the difference, its interval and p-value.

    Raises
    ------
    ComparisonError
        If a group's counts are not three non-negative numbers with a positive total.

    References
    ----------
    .. [1] Reichheld, F. F. (2003). The one number you need to grow. *Harvard Business Review*,
       81(12), 46–54.
    .. [2] Agresti, A. (2013). *Categorical Data Analysis* (3rd ed.). Hoboken, NJ: Wiley.

    Examples
    --------
    >>> r = nps_difference((50, 30, 20), (30, 40, 30))
    >>> r.diff, round(r.se, 6)  # R by hand: see tests/golden/comparisons.R
    (30.0, 11.0)
    """
    a, se_a, n_a = _nps(counts_a, "group a")
    b, se_b, n_b = _nps(counts_b, "group b")
    diff, se = a - b, np.hypot(se_a, se_b)
    half = special.ndtri(0.5 + confidence / 2) * se
    p = 2 * special.ndtr(-abs(diff) / se) if se > 0 else np.nan
    return NpsDifference(float(a), float(b), float(se_a), float(se_b), float(diff), float(se),
                         float(diff - half), float(diff + half), float(p), n_a, n_b)
