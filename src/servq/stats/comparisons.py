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
from typing import TYPE_CHECKING

import numpy as np
from scipy import special  # not scipy.stats: its import alone takes 0.4 s

from . import studentized_range
from .intervals import wilson_interval

if TYPE_CHECKING:
    import pandas as pd

ADJUST_METHODS = ("holm", "BH", "bonferroni", "none")


class ComparisonError(ValueError):
    """Input a comparison cannot be computed from; the message names what is wrong."""


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
    """Per-group n, mean and SD of one outcome, with the groups left out for too few answers."""

    labels: tuple[str, ...]
    n: np.ndarray
    mean: np.ndarray
    sd: np.ndarray
    suppressed: tuple[str, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame({"n": self.n, "mean": self.mean, "sd": self.sd},
                            index=pd.Index(self.labels, name="group"))

    def to_dict(self) -> dict:
        return {"groups": {g: {"n": _plain(n), "mean": _plain(m), "sd": _plain(s)}
                           for g, n, m, s in zip(self.labels, self.n, self.mean, self.sd)},
                "suppressed": list(self.suppressed)}


def group_stats(data, outcome, by, min_n: int = 2) -> GroupStats:
    """n, mean and SD of ``outcome`` per level of ``by``; groups with fewer than ``min_n``
    non-missing answers are left out and listed in ``suppressed`` (minimum-n suppression).

    ``data`` is a DataFrame (``outcome`` and ``by`` are column names) or a 2-D array
    (column numbers). Rows with a missing outcome or group are dropped. Groups are in
    sorted order (categories order for a categorical column), like R's ``factor``.
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
    ω² from the ANOVA table (``omega_sq``) and from the Welch F (``omega_sq_welch``)."""

    f: float
    df1: float
    df2: float
    p: float
    omega_sq: float
    omega_sq_welch: float
    k: int
    n_total: float

    def to_dict(self) -> dict:
        return {k: _plain(getattr(self, k)) for k in self.__dataclass_fields__}

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame([self.to_dict()], index=pd.Index(["welch_anova"], name="test"))


def welch_anova(n, mean, sd) -> WelchAnova:
    """Welch's one-way ANOVA for unequal variances from per-group n, mean and SD.

    With w_i = n_i / s_i², W = Σw_i, m = Σw_i·x̄_i / W and
    h = Σ (1 − w_i/W)² / (n_i − 1):
    F = [Σw_i (x̄_i − m)² / (k − 1)] / [1 + 2(k − 2)·h / (k² − 1)], df1 = k − 1,
    df2 = (k² − 1) / (3h) (Welch 1951). ω² = (SSB − (k − 1)·MSW) / (SST + MSW) from the
    classic ANOVA table (Hays 1963); ω²_W = df1·(F − 1) / (df1·(F − 1) + N) from the Welch
    F (Carroll & Nordholm 1975). Both can be negative when F < 1 and are not truncated.

    Examples
    --------
    PlantGrowth (R ``datasets``): weight by group ctrl, trt1, trt2.

    >>> r = welch_anova([10, 10, 10], [5.032, 4.661, 5.526], [0.5830914, 0.7936757, 0.4425733])
    >>> round(r.f, 4), round(r.df2, 3), round(r.p, 5)
    (5.181, 17.128, 0.01739)

    R: ``oneway.test(weight ~ group, PlantGrowth)`` gives F = 5.181, num df = 2,
    denom df = 17.128, p-value = 0.01739.
    """
    n, mean, sd, _ = _check(n, mean, sd)
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
    DataFrame."""

    method: str
    adjust: str
    confidence: float | None
    columns: dict

    @property
    def table(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame({k: self.columns[k] for k in PAIR_COLUMNS})

    def to_frame(self) -> pd.DataFrame:
        return self.table

    def records(self) -> list[dict]:
        """One dict of JSON-able values per pair (NaN -> None)."""
        cols = [self.columns[k] for k in PAIR_COLUMNS]
        return [{k: _plain(v) for k, v in zip(PAIR_COLUMNS, row)} for row in zip(*cols)]

    def to_dict(self) -> dict:
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
    vectorised computation, and so are their critical values."""
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

    >>> p_adjust([0.01, 0.04, 0.03], "holm").tolist()  # R: p.adjust(c(.01, .04, .03), "holm")
    [0.03, 0.06, 0.06]
    >>> p_adjust([0.01, 0.04, 0.03], "BH").round(6).tolist()
    [0.03, 0.04, 0.04]
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
    """The pairs whose difference is significant after correction: ``p_adj < alpha``."""
    if not 0 < alpha < 1:
        raise ComparisonError(f"alpha must be between 0 and 1, got {alpha}")
    table = pairs.table if isinstance(pairs, Pairs) else pairs
    if "p_adj" not in table.columns:
        raise ComparisonError("pairs have no 'p_adj' column; pass the result of games_howell or pairwise_welch")
    return table[table["p_adj"] < alpha].copy()


def welch_anova_data(data, outcome, by, min_n: int = 2) -> WelchAnova:
    """:func:`welch_anova` of ``outcome`` across the levels of ``by`` (see :func:`group_stats`)."""
    g = group_stats(data, outcome, by, min_n)
    return welch_anova(g.n, g.mean, g.sd)


def games_howell_data(data, outcome, by, min_n: int = 2, confidence: float | None = 0.95) -> Pairs:
    """:func:`games_howell` of ``outcome`` across the levels of ``by`` (see :func:`group_stats`)."""
    g = group_stats(data, outcome, by, min_n)
    return games_howell(g.n, g.mean, g.sd, g.labels, confidence)


def pairwise_welch_data(data, outcome, by, adjust: str = "holm", min_n: int = 2,
                        confidence: float = 0.95) -> Pairs:
    """:func:`pairwise_welch` of ``outcome`` across the levels of ``by`` (see :func:`group_stats`)."""
    g = group_stats(data, outcome, by, min_n)
    return pairwise_welch(g.n, g.mean, g.sd, g.labels, adjust, confidence)


@dataclass(frozen=True)
class TwoProportions:
    """Two shares compared: Pearson χ² (1 df, no continuity correction) and its p-value,
    the difference share_1 − share_2 with a Wald interval, and each share's Wilson interval."""

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
    w1, w2 = (tuple(float(v[0]) for v in wilson_interval(np.array([s]), np.array([m]), confidence))
              for s, m in ((p1, n1), (p2, n2)))
    return TwoProportions(x1, n1, x2, n2, p1, p2, p1 - p2, float(chi2),
                          float(special.chdtrc(1, chi2)) if denom > 0 else np.nan,
                          float(max(p1 - p2 - half, -1.0)), float(min(p1 - p2 + half, 1.0)), w1, w2)


def top_box(values, threshold: float) -> tuple[int, int]:
    """(answers ≥ ``threshold``, non-missing answers) — e.g. ``top_box(sat, 80)`` or
    ``top_box(p, 6)`` for the top-2 box of a 7-point scale; feed into :func:`two_proportions`."""
    v = np.asarray(values, dtype=np.float64)
    ok = ~np.isnan(v)
    return int(np.count_nonzero(v[ok] >= threshold)), int(ok.sum())


def nps_counts(recommend) -> tuple[int, int, int]:
    """(promoters 9–10, passives 7–8, detractors 0–6) among the non-missing 0–10 answers."""
    v = np.asarray(recommend, dtype=np.float64)
    v = v[~np.isnan(v)]
    if np.any((v < 0) | (v > 10)):
        raise ComparisonError(f"recommend answers must be 0-10, got {v[(v < 0) | (v > 10)][0]:g}")
    return int(np.count_nonzero(v >= 9)), int(np.count_nonzero((v >= 7) & (v < 9))), int(np.count_nonzero(v < 7))


@dataclass(frozen=True)
class NpsDifference:
    """NPS of two groups (−100…100), their SEs, the difference a − b with a normal interval
    and a two-sided z-test p-value."""

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
