"""Comparisons of segments (branches, channels, tiers, regions, internal vs external
customers): the ``comparisons`` block of the results.

Everything is computed from the per-segment figures of ``results["segments"]`` (n, mean,
SD of every score, outcome shares) — sufficient statistics, so no rows are read again. For
each ``by`` column with at least two segments that are not suppressed:

- means (each dimension's primary measure — gap P − E when expectations are asked, else
  MSA = P − A in the three-column format, else perception —, unweighted SERVQUAL or else
  SERVPERF, and the mean of each rating outcome): Welch's ANOVA (F, df1, df2, p, ω²) and
  all pairs by Games–Howell (family-wise by the studentized range) or by Welch t-tests with
  a Holm, Benjamini–Hochberg or Bonferroni correction over the pairs; each pair with its
  difference, interval, corrected p and Hedges' g;
- top-two-box shares of rating outcomes: two-proportion χ² tests (no continuity
  correction) of all pairs, p corrected over the pairs, Cohen's h;
- NPS: each segment's NPS with its interval and the NPS differences of all pairs
  (multinomial standard errors, z-test), p corrected over the pairs, Hedges' g of the
  respondents' −100/0/100 scores.

A difference is *significant* when its corrected p is below α = 1 − confidence. Segments
below ``min_n`` respondents (or answers to the measure) are listed as suppressed and left
out. Formulas and references: :mod:`servq.stats.comparisons` and docs/comparisons.md.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import TypeGuard, cast

import numpy as np

from ..stats.numbers import finite

# servq.stats.comparisons (SciPy's distributions) is imported where it is used, so that
# importing servq.analysis stays light.

METHODS = ("games-howell", "welch", "none")
ADJUSTS = ("holm", "BH", "bonferroni")
METRICS = ("gap", "msa", "perception")  # the report's rule: servq.report.summary.primary_metric
NPS_GROUPS = ("promoters", "passives", "detractors")

Getter = Callable[[Mapping], Mapping | None]


def primary_metric(dimensions: list[Mapping]) -> str | None:
    """The first of gap, msa, perception that some dimension has a mean for.

    Parameters
    ----------
    dimensions : list of mapping
        The ``dimensions`` of the results: each may hold ``gap``, ``msa`` and
        ``perception`` objects with a ``mean``.

    Returns
    -------
    str or None
        ``"gap"`` (P − E), ``"msa"`` (P − A) or ``"perception"``; None when no dimension
        has a mean of any of them.

    References
    ----------
    Parasuraman, A., Zeithaml, V. A. & Berry, L. L. (1988). SERVQUAL: a multiple-item scale
    for measuring consumer perceptions of service quality. Journal of Retailing 64(1), 12–40.
    Parasuraman, A., Zeithaml, V. A. & Berry, L. L. (1994). Alternative scales for measuring
    service quality: a comparative assessment based on psychometric and diagnostic criteria.
    Journal of Retailing 70(3), 201–230. Cronin, J. J. & Taylor, S. A. (1992). Measuring
    service quality: a reexamination and extension. Journal of Marketing 56(3), 55–68.

    Examples
    --------
    A gap is preferred to the perception it is made of; without any mean there is none:

    >>> primary_metric([{"id": "reliability", "perception": {"mean": 5.1}, "gap": {"mean": -0.8}}])
    'gap'
    >>> primary_metric([{"id": "reliability", "perception": {"mean": 5.1}}]), primary_metric([{"id": "x"}])
    ('perception', None)

    R: ``c("gap", "msa", "perception")[which(c(has_gap, has_msa, has_perception))[1]]``
    (a rule, not a statistic: ``NA`` where servq gives None).
    """
    for metric in METRICS:
        if any(isinstance(d.get(metric), Mapping) and d[metric].get("mean") is not None for d in dimensions):
            return metric
    return None


def comparisons(results: Mapping, method: str = "games-howell", adjust: str = "holm") -> dict | None:
    """Compare the segments of every ``by`` column: the ``comparisons`` block.

    The ``comparisons`` block: every ``by`` column's segments compared; None when no
    segments were asked for or ``method`` is ``"none"``.

    Parameters
    ----------
    results : mapping
        The results so far: ``options`` (``confidence``, ``min_n``), ``dimensions``,
        ``servqual``/``servperf``, ``outcomes`` and ``segments`` (column -> value -> the
        segment's n, means, SDs and shares, or ``suppressed``).
    method : {"games-howell", "welch", "none"}
        Pairs of means by Games–Howell (family-wise by the studentized range) or by Welch
        t-tests corrected by ``adjust``; ``"none"`` compares nothing.
    adjust : {"holm", "BH", "bonferroni"}
        Correction over the pairs of Welch t-tests, top-box and NPS tests.

    Returns
    -------
    dict or None
        ``method``, ``adjust``, ``alpha``, ``confidence``, ``min_n``, ``tests`` (the tests
        in words), ``columns`` (per ``by`` column: its segments, the suppressed ones, and
        ``means``, ``top_box`` and ``nps`` with every pair) and ``highlights``
        (:func:`highlights`).

    Raises
    ------
    ValueError
        ``method`` or ``adjust`` is not one of the choices.

    References
    ----------
    Welch, B. L. (1947). The generalization of 'Student's' problem when several different
    population variances are involved. Biometrika 34(1/2), 28–35. Welch, B. L. (1951). On
    the comparison of several mean values: an alternative approach. Biometrika 38(3/4),
    330–336. Games, P. A. & Howell, J. F. (1976). Pairwise multiple comparison procedures
    with unequal n's and/or variances: a Monte Carlo study. Journal of Educational
    Statistics 1(2), 113–125. Holm, S. (1979). A simple sequentially rejective multiple
    test procedure. Scandinavian Journal of Statistics 6(2), 65–70. Benjamini, Y. &
    Hochberg, Y. (1995). Controlling the false discovery rate. Journal of the Royal
    Statistical Society B 57(1), 289–300. Hedges, L. V. (1981). Distribution theory for
    Glass's estimator of effect size and related estimators. Journal of Educational
    Statistics 6(2), 107–128. Reichheld, F. F. (2003). The one number you need to grow.
    Harvard Business Review 81(12), 46–54.

    Examples
    --------
    Two branches' reliability gaps from their n, mean and SD:

    >>> def seg(n, mean, sd):
    ...     gap = {"n": n, "mean": mean, "sd": sd, "ci_low": None, "ci_high": None}
    ...     return {"n": n, "suppressed": False, "dimensions": [{"id": "reliability", "gap": gap}]}
    >>> results = {"options": {"confidence": 0.95, "min_n": 5},
    ...            "dimensions": [{"id": "reliability", "label": "Reliability", "gap": {"mean": -0.8}}],
    ...            "segments": {"branch": {"North": seg(40, -1.2, 1.0), "South": seg(50, -0.5, 1.1)}}}
    >>> means = comparisons(results, method="welch")["columns"][0]["means"][0]
    >>> pair = means["pairs"][0]
    >>> round(pair["diff"], 4), round(pair["t"], 4), round(pair["df"], 2), round(pair["p"], 6)
    (0.7, 3.1558, 86.52, 0.002202)
    >>> round(pair["ci_low"], 4), round(pair["ci_high"], 4), pair["significant"]
    (0.2591, 1.1409, True)
    >>> round(means["anova"]["f"], 4)  # two groups: Welch's F = t²
    9.9593

    R, on the respondents' gaps: ``t.test(gap ~ branch)`` (South − North) and
    ``oneway.test(gap ~ branch)``; from these summaries the same t, df and p come from
    ``se <- sqrt(1.0^2/40 + 1.1^2/50); t <- 0.7/se``,
    ``df <- se^4 / ((1.0^2/40)^2/39 + (1.1^2/50)^2/49); 2 * pt(-t, df)``.
    """
    if method not in METHODS:
        raise ValueError(f"compare must be one of {', '.join(METHODS)}; got {method!r}")
    if adjust not in ADJUSTS:
        raise ValueError(f"adjust must be one of {', '.join(ADJUSTS)}; got {adjust!r}")
    segments = results.get("segments") or {}
    if method == "none" or not segments:
        return None
    options = results["options"]
    confidence, min_n = options["confidence"], options["min_n"]
    alpha = round(1 - confidence, 12)  # 0.05, not 0.050000000000000044
    columns = [_column(results, name, segs, method, adjust, confidence, max(min_n, 2), alpha)
               for name, segs in segments.items()]
    return {
        "method": method, "adjust": adjust, "alpha": alpha, "confidence": confidence, "min_n": min_n,
        "tests": {
            "means": "Welch ANOVA; " + ("Games-Howell pairs (studentized range, family-wise)" if method == "games-howell"
                                        else f"pairwise Welch t-tests, {adjust} correction over the pairs"),
            "top_box": f"two-proportion chi-squared tests without continuity correction, {adjust} correction over the pairs",
            "nps": f"NPS differences, z-test with multinomial standard errors, {adjust} correction over the pairs",
        },
        "columns": columns,
        "highlights": highlights(columns),
    }


def _column(results, column, segs, method, adjust, confidence, min_n, alpha) -> dict:
    from ..stats.comparisons import games_howell_many, pairwise_welch, welch_anova

    shown = [(name, seg) for name, seg in segs.items() if not seg.get("suppressed")]
    out = {"column": column, "segments": [name for name, _ in shown],
           "suppressed": [name for name, seg in segs.items() if seg.get("suppressed")],
           "compared": len(shown) >= 2, "means": [], "top_box": [], "nps": []}
    if not out["compared"]:
        return out
    specs = _mean_specs(results)
    out["means"] = [_groups(spec, shown, min_n) for spec in specs]
    testable = [m for m in out["means"] if len(m["groups"]) >= 2]
    args = [tuple(np.array([x[k] for x in m["groups"]], dtype=np.float64) for k in ("n", "mean", "sd"))
            + ([x["segment"] for x in m["groups"]],) for m in testable]
    for m, a in zip(testable, args):
        m["anova"] = welch_anova(*a).to_dict()
    if method == "games-howell":
        pairs = games_howell_many(args, confidence)
    else:
        pairs = [pairwise_welch(a[0], a[1], a[2], a[3], adjust=adjust, confidence=confidence) for a in args]
    for m, p in zip(testable, pairs):
        m["pairs"] = [_pair(r, alpha) for r in p.records()]
    for o in results.get("outcomes") or []:
        if o.get("kind") == "nps":
            out["nps"].append(_nps(o, shown, min_n, adjust, confidence, alpha))
        elif o.get("top_box"):
            out["top_box"].append(_top_box(o, shown, min_n, adjust, confidence, alpha))
    return out


def _by_id(rows) -> dict:
    return {r.get("id"): r for r in rows or []}


def _mean_specs(results: Mapping) -> list[tuple[dict, Getter]]:
    """(what the measure is, how to read its stat from a segment) for every compared mean."""
    specs: list[tuple[dict, Getter]] = []
    metric = primary_metric(results.get("dimensions") or [])
    if metric:
        for d in results["dimensions"]:
            specs.append(({"type": "dimension", "id": d["id"], "label": d.get("label"), "metric": metric},
                          cast(Getter, lambda seg, i=d["id"]: (_by_id(seg.get("dimensions")).get(i) or {}).get(metric))))
    if ((results.get("servqual") or {}).get("unweighted")) is not None:
        specs.append(({"type": "servqual", "id": "unweighted", "label": None, "metric": "gap"},
                      lambda seg: (seg.get("servqual") or {}).get("unweighted")))
    elif results.get("servperf") is not None:
        specs.append(({"type": "servperf", "id": "servperf", "label": None, "metric": "perception"},
                      lambda seg: seg.get("servperf")))
    for o in results.get("outcomes") or []:
        if o.get("kind") != "nps":
            specs.append(({"type": "outcome", "id": o["id"], "label": o.get("label"), "metric": "score"},
                          cast(Getter, lambda seg, i=o["id"]: (_by_id(seg.get("outcomes")).get(i) or {}).get("score"))))
    return specs


def _usable(stat: Mapping | None, min_n: int) -> TypeGuard[Mapping]:
    if not isinstance(stat, Mapping) or stat.get("n", 0) < min_n:
        return False
    sd = stat.get("sd")
    return stat.get("mean") is not None and sd is not None and math.isfinite(sd) and sd > 0


def _groups(spec: tuple[dict, Getter], shown, min_n: int) -> dict:
    what, get = spec
    groups, excluded = [], []
    for name, seg in shown:
        stat = get(seg)
        if _usable(stat, min_n):
            groups.append({"segment": name, **{k: stat[k] for k in ("n", "mean", "sd", "ci_low", "ci_high")}})
        else:
            excluded.append(name)
    return {**what, "groups": groups, "excluded": excluded, "anova": None, "pairs": []}


def _pair(record: dict, alpha: float) -> dict:
    out = {("segment_a" if k == "group_a" else "segment_b" if k == "group_b" else k): v for k, v in record.items()}
    out["n_a"], out["n_b"] = int(out["n_a"]), int(out["n_b"])
    out["significant"] = out["p_adj"] is not None and out["p_adj"] < alpha
    return out


def _adjusted(pairs: list[dict], adjust: str, alpha: float) -> list[dict]:
    from ..stats.comparisons import p_adjust

    p = np.array([np.nan if x["p"] is None else x["p"] for x in pairs], dtype=np.float64)
    for x, q in zip(pairs, p_adjust(p, adjust)):
        x["p_adj"] = None if np.isnan(q) else float(q)
        x["significant"] = x["p_adj"] is not None and x["p_adj"] < alpha
    return pairs


def _top_box(o: Mapping, shown, min_n, adjust, confidence, alpha) -> dict:
    """Top-two-box shares per segment and two-proportion tests of all pairs (diff = b − a)."""
    from ..stats.comparisons import two_proportions

    groups, excluded = [], []
    for name, seg in shown:
        tb = (_by_id(seg.get("outcomes")).get(o["id"]) or {}).get("top_box")
        if isinstance(tb, Mapping) and tb.get("n", 0) >= min_n and tb.get("share") is not None:
            groups.append({"segment": name, "n": tb["n"], "count": round(tb["share"] * tb["n"]),
                           **{k: tb[k] for k in ("share", "ci_low", "ci_high")}})
        else:
            excluded.append(name)
    pairs = []
    for i, a in enumerate(groups):
        for b in groups[i + 1:]:
            r = two_proportions(b["count"], b["n"], a["count"], a["n"], confidence)
            h = 2 * math.asin(math.sqrt(r.share_1)) - 2 * math.asin(math.sqrt(r.share_2))
            pairs.append({"segment_a": a["segment"], "segment_b": b["segment"], "share_a": r.share_2,
                          "share_b": r.share_1, "diff": r.diff, "chi2": finite(r.chi2), "p": finite(r.p),
                          "ci_low": r.ci_low, "ci_high": r.ci_high, "cohens_h": h})
    return {"id": o["id"], "label": o.get("label"), "threshold": o["top_box"]["threshold"],
            "groups": groups, "excluded": excluded, "pairs": _adjusted(pairs, adjust, alpha)}


def _nps(o: Mapping, shown, min_n, adjust, confidence, alpha) -> dict:
    """Each segment's NPS with counts recovered from share × n, and NPS differences of all
    pairs (diff = b − a) with Hedges' g of the −100/0/100 respondent scores."""
    from ..stats.comparisons import hedges_j, nps_difference

    groups, excluded = [], []
    for name, seg in shown:
        nps = (_by_id(seg.get("outcomes")).get(o["id"]) or {}).get("nps")
        if isinstance(nps, Mapping) and nps.get("n", 0) >= min_n and nps.get("nps") is not None:
            counts = {w: round(nps[w]["share"] * nps[w]["n"]) for w in NPS_GROUPS}
            groups.append({"segment": name, "n": nps["n"], "nps": nps["nps"], "ci_low": nps["ci_low"],
                           "ci_high": nps["ci_high"], **counts})
        else:
            excluded.append(name)
    pairs = []
    for i, a in enumerate(groups):
        for b in groups[i + 1:]:
            r = nps_difference([b[w] for w in NPS_GROUPS], [a[w] for w in NPS_GROUPS], confidence)
            # sample variance (n − 1) of the −100/0/100 scores = SE² · n² / (n − 1)
            var_b, var_a = (se**2 * n**2 / (n - 1) for se, n in ((r.se_a, r.n_a), (r.se_b, r.n_b)))
            m = r.n_a + r.n_b - 2
            pooled = math.sqrt(((r.n_a - 1) * var_b + (r.n_b - 1) * var_a) / m)
            g = r.diff / pooled * float(hedges_j(m)) if pooled > 0 else None
            pairs.append({"segment_a": a["segment"], "segment_b": b["segment"], "nps_a": r.nps_b, "nps_b": r.nps_a,
                          "diff": r.diff, "se": r.se, "p": finite(r.p), "ci_low": r.ci_low, "ci_high": r.ci_high,
                          "hedges_g": g})
    return {"id": o["id"], "label": o.get("label"), "groups": groups, "excluded": excluded,
            "pairs": _adjusted(pairs, adjust, alpha)}


def highlights(columns: list[dict]) -> list[dict]:
    """The significant pairs of segments, largest effect first.

    Every significant pair, largest effect size first: which segment is higher, by how
    much, the corrected p and the effect (|Hedges' g| for means and NPS, |Cohen's h| for
    top-box shares).

    Parameters
    ----------
    columns : list of dict
        The ``columns`` of the ``comparisons`` block, each with ``column``, ``means``,
        ``top_box`` and ``nps``, whose ``pairs`` carry ``segment_a``, ``segment_b``,
        ``diff`` (b − a), ``p_adj``, ``significant`` and ``hedges_g`` or ``cohens_h``.

    Returns
    -------
    list of dict
        One entry per significant pair with an effect size: ``column``, ``type``, ``id``,
        ``label``, ``metric``, ``higher``, ``lower``, ``difference`` (absolute),
        ``p_adj``, ``effect`` and ``effect_size`` (absolute), largest effect first.

    References
    ----------
    Hedges, L. V. (1981). Distribution theory for Glass's estimator of effect size and
    related estimators. Journal of Educational Statistics 6(2), 107–128. Cohen, J. (1988).
    Statistical Power Analysis for the Behavioral Sciences, 2nd ed. Erlbaum (h, ch. 6).

    Examples
    --------
    >>> pair = {"segment_a": "North", "segment_b": "South", "diff": 0.7, "p_adj": 0.0022,
    ...         "significant": True, "hedges_g": 0.657}
    >>> means = [{"type": "dimension", "id": "reliability", "label": "Reliability", "metric": "gap",
    ...           "pairs": [pair]}]
    >>> h = highlights([{"column": "branch", "means": means, "top_box": [], "nps": []}])
    >>> h[0]["higher"], h[0]["lower"], h[0]["difference"], h[0]["effect"], h[0]["effect_size"]
    ('South', 'North', 0.7, 'hedges_g', 0.657)

    R: ``p <- pairs[pairs$p.adj < alpha, ]; p[order(-abs(p$hedges_g)), ]`` on the table of
    pairs (a selection and ordering, no new figure).
    """
    found = []

    def add(column, kind, m, pair, effect_name, value_key):
        if not pair["significant"] or pair.get(effect_name) is None:
            return
        high, low = ((pair["segment_b"], pair["segment_a"]) if pair["diff"] >= 0
                     else (pair["segment_a"], pair["segment_b"]))
        found.append({"column": column, "type": kind, "id": m["id"], "label": m.get("label"),
                      "metric": m.get("metric", value_key), "higher": high, "lower": low,
                      "difference": abs(pair["diff"]), "p_adj": pair["p_adj"],
                      "effect": effect_name, "effect_size": abs(pair[effect_name])})

    for col in columns:
        for m in col["means"]:
            for pair in m["pairs"]:
                add(col["column"], m["type"], m, pair, "hedges_g", "score")
        for m in col["top_box"]:
            for pair in m["pairs"]:
                add(col["column"], "top_box", m, pair, "cohens_h", "share")
        for m in col["nps"]:
            for pair in m["pairs"]:
                add(col["column"], "nps", m, pair, "hedges_g", "nps")
    return sorted(found, key=lambda h: -h["effect_size"])
