"""Paired comparisons of one item set asked twice of the same respondents.

Two analyses share one method:

* **Levels** (``levels``): the same statements asked in general (P) and about the
  customer's most recent errand (S); the paired difference *level* = S − P.
* **Competitor benchmark** (``benchmark``): the same statements asked about this company
  (P) and about the customer's main competitor (C); the paired *advantage* = P − C.

The differences themselves are per-respondent scores of :class:`~servq.measures.scores.Scorer`
(an item's difference for respondents who answered it in both parts; a dimension's as the
mean of the respondent's item differences, like a SERVQUAL gap), so their mean, SD, n and t
interval are already in the results. Here each gets the paired t test against 0:
t = mean / (sd / √n) with n − 1 degrees of freedom and two-sided p (R ``t.test(x, y,
paired = TRUE)`` on the respondent's scores over the items answered in both parts), and
Holm's correction over the dimensions (and separately over the items), so that testing
five dimensions does not find differences by chance. A difference is *significant* when its
t interval at the analysis confidence excludes 0 (equivalently p < 1 − confidence), and
*significant after correction* when its Holm p is below 1 − confidence.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import cast

import numpy as np

from ..instruments.schema import Instrument

ADJUST = "holm"


def levels(results: Mapping, inst: Instrument) -> dict | None:
    """Paired tests of the specific-errand scores against the general level.

    The ``levels`` block: specific errand (S) versus general level (P), paired; None
    unless the instrument asks both.

    Parameters
    ----------
    results : mapping
        The results: ``options`` (``confidence``), and ``dimensions`` and ``items`` with
        their ``perception``, ``specific`` and ``level`` (S − P) summaries.
    inst : Instrument
        The instrument.

    Returns
    -------
    dict or None
        ``confidence``, ``adjust``, ``parts``, ``difference``, ``difference_of``,
        ``dimensions`` and ``items`` (each with both parts and the tested difference,
        :func:`paired_test`), ``order`` and the dimensions significantly ``higher`` /
        ``lower`` on the errand (``higher_holm`` / ``lower_holm`` after Holm's correction).

    References
    ----------
    Student (1908). The probable error of a mean. Biometrika 6(1), 1–25. Holm, S. (1979).
    A simple sequentially rejective multiple test procedure. Scandinavian Journal of
    Statistics 6(2), 65–70.

    Examples
    --------
    >>> import servq
    >>> res = servq.analyze(servq.simulate("customer-focus", 400, seed=3), "customer-focus")
    >>> block = res.data["levels"]
    >>> block["higher"], block["lower"]  # significantly higher / lower on specific errands
    (['proximity', 'competence'], ['technology'])

    R: ``t.test(S, P, paired = TRUE)`` per dimension on the respondents' scores, and
    ``p.adjust(p, "holm")`` over the dimensions.
    """
    if not inst.has_levels:
        return None
    block = _paired(results, ("general", "perception"), ("specific", "specific"), "level")
    block["difference_of"] = "specific - general"
    up = {d.id: 1.0 for d in inst.dimensions}
    block["higher"], block["lower"] = _split(block["dimensions"], "level", "significant", up)
    block["higher_holm"], block["lower_holm"] = _split(block["dimensions"], "level", "significant_holm", up)
    return block


def benchmark(results: Mapping, inst: Instrument) -> dict | None:
    """Paired tests of this company's scores against its main competitor's.

    The ``benchmark`` block: this company (P) versus its main competitor (C), paired;
    None unless the instrument asks both.

    ``lead`` and ``trail`` name the dimensions where this company is significantly better
    or worse, in the quality direction: on a ``better: lower`` dimension (a cost) a
    positive advantage P − C means a higher cost, so it counts as trailing.

    Parameters
    ----------
    results : mapping
        The results: ``options`` (``confidence``), and ``dimensions`` and ``items`` with
        their ``perception``, ``competitor`` and ``advantage`` (P − C) summaries.
    inst : Instrument
        The instrument (``better: lower`` dimensions count the other way).

    Returns
    -------
    dict or None
        As :func:`levels` with ``own`` and ``competitor`` parts, and ``order``, ``lead``,
        ``trail`` (and their ``_holm`` forms) and ``counts``.

    References
    ----------
    Student (1908). The probable error of a mean. Biometrika 6(1), 1–25. Holm, S. (1979).
    A simple sequentially rejective multiple test procedure. Scandinavian Journal of
    Statistics 6(2), 65–70.
    Camp, R. C. (1989). Benchmarking: The Search for Industry Best Practices that Lead to
    Superior Performance. Milwaukee: ASQC Quality Press.

    Examples
    --------
    >>> import servq
    >>> res = servq.analyze(servq.simulate("servperf-benchmark", 400, seed=3), "servperf-benchmark")
    >>> block = res.data["benchmark"]
    >>> block["lead"], block["trail"]
    (['empathy', 'responsiveness'], ['tangibles', 'reliability'])

    R: ``t.test(P, C, paired = TRUE)`` per dimension on the respondents' scores, and
    ``p.adjust(p, "holm")`` over the dimensions.
    """
    if not inst.has_benchmark:
        return None
    block = _paired(results, ("own", "perception"), ("competitor", "competitor"), "advantage")
    block["difference_of"] = "own - competitor"
    sign = {d.id: (-1.0 if d.better == "lower" else 1.0) for d in inst.dimensions}
    dims = block["dimensions"]
    block["order"] = _order(dims, "advantage", sign)
    block["lead"], block["trail"] = _split(dims, "advantage", "significant", sign)
    block["lead_holm"], block["trail_holm"] = _split(dims, "advantage", "significant_holm", sign)
    block["counts"] = {"dimensions": len(dims), "lead": len(block["lead"]), "trail": len(block["trail"]),
                       "lead_holm": len(block["lead_holm"]), "trail_holm": len(block["trail_holm"])}
    return block


def paired_test(stats: list[Mapping | None], confidence: float) -> list[dict | None]:
    """Paired t tests of mean differences against 0, with Holm's correction.

    Each difference's summary (mean, sd, n, ci_low, ci_high) with its paired t test
    against 0 and Holm's correction over the list; None stays None.

    p is undefined (None) when n < 2 or the differences do not vary (sd = 0), as R's
    ``t.test`` refuses constant data; such a difference is never significant.

    Parameters
    ----------
    stats : list of mapping or None
        Summaries of the paired differences: ``mean``, ``sd``, ``n``, ``ci_low``,
        ``ci_high``.
    confidence : float
        Confidence of the intervals; α = 1 − confidence.

    Returns
    -------
    list of dict or None
        Each summary with ``t``, ``df``, ``p``, ``p_holm``, ``significant`` and
        ``significant_holm``.

    References
    ----------
    Student (1908). The probable error of a mean. Biometrika 6(1), 1–25. Holm, S. (1979).
    A simple sequentially rejective multiple test procedure. Scandinavian Journal of
    Statistics 6(2), 65–70.

    Examples
    --------
    Three differences; the second alone has a p value of about .00004 (t = 2 / (1 / √20)
    = 8.94 on 19 df), and Holm multiplies the smallest p by 3:

    >>> rows = paired_test([{"mean": 0.1, "sd": 1.0, "n": 20, "ci_low": -0.37, "ci_high": 0.57},
    ...                     {"mean": 2.0, "sd": 1.0, "n": 20, "ci_low": 1.53, "ci_high": 2.47},
    ...                     None], 0.95)
    >>> round(rows[1]["t"], 4), rows[1]["df"], rows[1]["significant"], rows[2]
    (8.9443, 19, True, None)
    >>> round(rows[1]["p_holm"] / rows[1]["p"], 6), rows[0]["significant_holm"]
    (2.0, False)

    R: ``t <- 2 / (1 / sqrt(20)); 2 * pt(-abs(t), 19)`` (as ``t.test(d)`` on the
    differences) and ``p.adjust(p, "holm")``.
    """
    from scipy.special import stdtr

    from ..stats.comparisons import p_adjust

    alpha = 1.0 - confidence
    p = np.full(len(stats), np.nan)
    t = np.full(len(stats), np.nan)
    for i, s in enumerate(stats):
        if s and s.get("sd") and s["n"] >= 2 and s.get("mean") is not None:
            t[i] = s["mean"] / (s["sd"] / math.sqrt(s["n"]))
            p[i] = 2.0 * stdtr(s["n"] - 1, -abs(t[i]))
    holm = p_adjust(p, ADJUST)
    out: list[dict | None] = []
    for i, s in enumerate(stats):
        if s is None:
            out.append(None)
            continue
        ok = not math.isnan(p[i])
        out.append({**{k: s.get(k) for k in ("mean", "sd", "n", "ci_low", "ci_high")},
                    "t": float(t[i]) if ok else None, "df": s["n"] - 1 if ok else None,
                    "p": float(p[i]) if ok else None, "p_holm": float(holm[i]) if ok else None,
                    "significant": ok and bool(p[i] < alpha), "significant_holm": ok and bool(holm[i] < alpha)})
    return out


def _paired(results: Mapping, a: tuple[str, str], b: tuple[str, str], diff: str) -> dict:
    """Dimensions and items with the two parts' summaries and the tested difference.

    ``a`` and ``b`` are (name in the block, score key in the results)."""
    confidence = (results.get("options") or {}).get("confidence", 0.95)
    block: dict = {"confidence": confidence, "adjust": ADJUST, "parts": {a[0]: a[1], b[0]: b[1]}, "difference": diff}
    for level, rows in (("dimensions", results.get("dimensions") or []), ("items", results.get("items") or [])):
        tested = paired_test([r.get(diff) for r in rows], confidence)
        entries = []
        for r, test in zip(rows, tested, strict=True):
            entry = {"id": r["id"]}
            entry.update({k: r[k] for k in ("label", "better", "dimension", "text") if k in r})
            entry.update({a[0]: r.get(a[1]), b[0]: r.get(b[1]), diff: test})
            entries.append(entry)
        block[level] = entries
    block["order"] = _order(block["dimensions"], diff, {r["id"]: 1.0 for r in block["dimensions"]})
    return block


def _directed(row: Mapping, diff: str, sign: Mapping[str, float]) -> float | None:
    """The row's mean difference times its direction (+1, or −1 for a cost)."""
    m = (row.get(diff) or {}).get("mean")
    return None if m is None else m * sign[row["id"]]


def _order(rows: list[dict], diff: str, sign: Mapping[str, float]) -> list[str]:
    """Ids from the largest directed difference to the smallest; undefined ones last."""
    def key(r: dict) -> float:
        v = _directed(r, diff, sign)
        return -math.inf if v is None else v

    return [r["id"] for r in sorted(rows, key=key, reverse=True)]


def _split(rows: list[dict], diff: str, flag: str, sign: Mapping[str, float]) -> tuple[list[str], list[str]]:
    """(positive, negative) ids among the rows flagged ``flag``, each largest in size first."""
    flagged = [r for r in rows if (r.get(diff) or {}).get(flag)]
    directed = {r["id"]: cast(float, _directed(r, diff, sign)) for r in flagged}  # flagged: a mean exists
    ordered = _order(flagged, diff, sign)
    return [i for i in ordered if directed[i] > 0], [i for i in reversed(ordered) if directed[i] < 0]
