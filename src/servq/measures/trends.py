"""Trends: the tracked scores period by period, the change between the last two
periods, and control charts that flag periods out of the ordinary.

The periods are a derived segment (see :mod:`servq.io.periods`): their moments are
accumulated over the chunks with every other segment's, so this module only reads
per-period n, means, SDs and shares off a :class:`~servq.measures.summarize.Summary`.

Tracked measures, each a Scorer variable (its name is the measure's ``id``):

- the overall score: unweighted SERVQUAL (``servqual:unweighted``) when the instrument
  asks expectations, else SERVPERF (``servperf``);
- each dimension's primary measure: the gap when expectations are asked, else MSA when
  adequate service is, else the perception (the rule of
  :func:`servq.report.summary.primary_metric`);
- each rating outcome's mean and top-two-box share; each NPS outcome's NPS (mean of the
  +100/0/−100 answer scores) and its promoter and detractor shares.

Periods with fewer than ``min_n`` respondents are listed with their n only and take no
part in the change or the control limits. The change compares the last two periods that
are shown: Welch's t for means (R ``t.test(var.equal = FALSE)``), the two-proportion χ²
without continuity correction for shares (R ``prop.test(correct = FALSE)``) and the
multinomial z-test for NPS (:func:`servq.stats.comparisons.nps_difference`); it is
significant when p < 1 − confidence. Control charts: :mod:`servq.stats.control`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..instruments.schema import Instrument
from ..stats import control
from ..stats.numbers import finite
from .summarize import Summary

# the primary measure of a dimension, first present wins (as report.summary.METRICS)
PRIMARY = ("gap", "msa", "perception")


@dataclass(frozen=True)
class Tracked:
    """One measure followed over time.

    One measure followed over time: ``id`` is the Scorer variable, ``what`` one of
    overall, dimension, outcome, top_box, nps, promoters, detractors; ``of`` the
    dimension or outcome id; ``metric`` the score (servqual, servperf, gap, msa,
    perception) for overall and dimensions.

    Parameters
    ----------
    id : str
        The Scorer variable, e.g. ``servperf`` or ``dim:gap:reliability``.
    kind : {"mean", "share", "nps"}
        How it is tested and charted: Welch t and X̄ chart, two-proportion test and
        p-chart, or the NPS difference and X̄ chart.
    what : str
        One of overall, dimension, outcome, top_box, nps, promoters, detractors.
    of : str, optional
        The dimension or outcome id.
    label : str, optional
        Its label.
    metric : str, optional
        The score of an overall or dimension measure.
    lower_is_better : bool
        A rise is a deterioration (detractors, a ``better: lower`` dimension).

    References
    ----------
    Welch, B. L. (1947). The generalization of 'Student's' problem when several different
    population variances are involved. Biometrika 34(1/2), 28–35. Montgomery, D. C.
    (2019). Introduction to Statistical Quality Control, 8th ed. Hoboken, NJ: Wiley.
    Reichheld, F. F. (2003). The one number you need to grow. Harvard Business Review
    81(12), 46–54.

    Examples
    --------
    >>> Tracked("servperf", "mean", "overall", metric="servperf").to_dict()
    {'id': 'servperf', 'kind': 'mean', 'what': 'overall', 'of': None, 'label': None, 'metric': 'servperf'}

    R: ``list(id = "servperf", kind = "mean", what = "overall")`` (a description of a
    series, no computation).
    """

    id: str
    kind: str  # mean | share | nps
    what: str
    of: str | None = None
    label: str | None = None
    metric: str | None = None
    lower_is_better: bool = False

    def to_dict(self) -> dict:
        """The measure as the results' JSON object.

        Returns
        -------
        dict
            ``id``, ``kind``, ``what``, ``of``, ``label``, ``metric``.
        """
        return {"id": self.id, "kind": self.kind, "what": self.what, "of": self.of, "label": self.label,
                "metric": self.metric}


def tracked(inst: Instrument, names, lang: str) -> list[Tracked]:
    """The measures followed over time for ``inst`` (``names``: the Scorer's variables).

    Parameters
    ----------
    inst : Instrument
        The instrument: its dimensions and outcomes.
    names : iterable of str
        The Scorer's variables.
    lang : str
        Language of the labels.

    Returns
    -------
    list of Tracked
        The overall score, each dimension's primary measure, and per outcome its mean and
        top-two-box share, or its NPS and promoter and detractor shares.

    References
    ----------
    Welch, B. L. (1947). The generalization of 'Student's' problem when several different
    population variances are involved. Biometrika 34(1/2), 28–35. Montgomery, D. C.
    (2019). Introduction to Statistical Quality Control, 8th ed. Hoboken, NJ: Wiley.
    Reichheld, F. F. (2003). The one number you need to grow. Harvard Business Review
    81(12), 46–54.

    Examples
    --------
    >>> from servq.instruments import load_instrument
    >>> from servq.measures.scores import Scorer
    >>> inst = load_instrument("servperf")
    >>> [m.id for m in tracked(inst, Scorer(inst).names, "en")][:3]
    ['servperf', 'dim:perception:tangibles', 'dim:perception:reliability']

    R: the series are the columns of ``aggregate(cbind(servperf, tangibles, ...) ~ month,
    data, mean)``.
    """
    names = set(names)
    out = []
    if "servqual:unweighted" in names:
        out.append(Tracked("servqual:unweighted", "mean", "overall", metric="servqual"))
    elif "servperf" in names:
        out.append(Tracked("servperf", "mean", "overall", metric="servperf"))
    dims = inst.dimensions
    metric = next((m for m in PRIMARY if dims and f"dim:{m}:{dims[0].id}" in names), None)
    if metric is not None:
        out += [Tracked(f"dim:{metric}:{d.id}", "mean", "dimension", d.id, d.label.get(lang), metric,
                        d.better == "lower") for d in dims]
    for o in inst.outcomes:
        label = o.text.get(lang)
        if o.kind == "nps":
            out += [Tracked(f"nps:score:{o.id}", "nps", "nps", o.id, label),
                    Tracked(f"nps:promoters:{o.id}", "share", "promoters", o.id, label),
                    Tracked(f"nps:detractors:{o.id}", "share", "detractors", o.id, label, lower_is_better=True)]
        else:
            out += [Tracked(f"outcome:{o.id}", "mean", "outcome", o.id, label),
                    Tracked(f"topbox:{o.id}", "share", "top_box", o.id, label)]
    return out


def trends(s: Summary, periods: list[tuple[str, int]], measures: list[Tracked], *, kind: str, column: str,
           blank: int, min_n: int, confidence: float) -> dict:
    """The ``trends`` block of the results.

    ``s`` summarises the groups; ``periods`` are (label, group number) in chronological
    order; ``blank`` counts the respondents without a period.

    Parameters
    ----------
    s : Summary
        Statistics of every variable per group.
    periods : list of (str, int)
        Each period's label and group number in ``s``, oldest first.
    measures : list of Tracked
        The measures (:func:`tracked`).
    kind : str
        The period: month, quarter or wave.
    column : str
        The data column the periods come from.
    blank : int
        Respondents without a period.
    min_n : int
        Periods with fewer respondents are shown with their n only.
    confidence : float
        Coverage of the intervals; a change is significant when p < 1 − confidence.

    Returns
    -------
    dict
        ``period``, ``column``, ``blank``, ``measures``, ``periods`` (label, n,
        suppressed, values), ``change`` (last two shown periods: per measure the test,
        difference, interval, p; None with fewer than two), ``control`` (per measure its
        X̄ or p-chart) and ``run_length``, ``sigmas``.

    References
    ----------
    Welch, B. L. (1947). The generalization of 'Student's' problem when several different
    population variances are involved. Biometrika 34(1/2), 28–35. Montgomery, D. C.
    (2019). Introduction to Statistical Quality Control, 8th ed. Hoboken, NJ: Wiley.
    Reichheld, F. F. (2003). The one number you need to grow. Harvard Business Review
    81(12), 46–54.

    Examples
    --------
    Three months of 30 SERVPERF respondents; the tangibles items rise by a point in March:

    >>> import numpy as np
    >>> from servq.instruments import Part, load_instrument
    >>> from servq.io.validate import Answers
    >>> from servq.measures.scores import Scorer
    >>> from servq.stats.moments import Moments
    >>> inst = load_instrument("servperf")
    >>> scorer = Scorer(inst)
    >>> rng = np.random.default_rng(2)
    >>> p = rng.integers(3, 8, (22, 90), dtype=np.int8)
    >>> p[:4, 60:] = np.minimum(p[:4, 60:] + 1, 7)
    >>> outcomes = np.vstack([rng.integers(1, 8, 90), rng.integers(0, 11, 90), rng.integers(1, 8, 90)]).astype(float)
    >>> month = np.repeat([1, 2, 3], 30)
    >>> sums = scorer.sums(Answers({Part.perception: p}, None, outcomes, {}, 90), [np.zeros(90, dtype=np.int64), month], 4)
    >>> s = Summary(Moments.join(Moments.empty(len(scorer.item_shift), 4, scorer.item_shift), sums.floats), scorer, 0.95)
    >>> block = trends(s, [("2024-01", 1), ("2024-02", 2), ("2024-03", 3)], tracked(inst, scorer.names, "en"),
    ...                kind="month", column="date", blank=0, min_n=10, confidence=0.95)
    >>> [round(x["values"]["servperf"]["mean"], 4) for x in block["periods"]]
    [4.9883, 4.9847, 5.1797]
    >>> c = block["change"]["measures"]["servperf"]
    >>> c["test"], round(c["diff"], 4), round(c["ci_low"], 4), round(c["ci_high"], 4), round(c["p"], 4)
    ('welch', 0.195, 0.0608, 0.3292, 0.0052)
    >>> chart = block["control"]["servperf"]
    >>> round(chart["centre"], 4), round(chart["points"][0]["ucl"], 4), chart["signals"]
    (5.0509, 5.1937, [])

    R: ``t.test(servperf[month == 3], servperf[month == 2])`` (Welch); the chart's centre
    ``weighted.mean(m, n)`` and limits ``± 3 * sqrt(sum((n - 1) * s^2) / sum(n - 1)) / sqrt(n)``
    from the monthly n, means ``m`` and SDs ``s``.
    """
    rows = [(label, g, s.count(g, "row")) for label, g in periods]
    shown = [(label, g) for label, g, n in rows if n >= min_n]
    out_periods = []
    for label, g, n in rows:
        entry: dict = {"label": label, "n": n, "suppressed": n < min_n}
        if n >= min_n:
            entry["values"] = {m.id: _value(s, g, m) for m in measures}
        out_periods.append(entry)
    return {
        "period": kind,
        "column": column,
        "blank": blank,
        "measures": [m.to_dict() for m in measures],
        "periods": out_periods,
        "change": _change(s, shown, measures, confidence),
        "control": {m.id: _control(s, shown, m) for m in measures},
        "run_length": control.RUN_LENGTH,
        "sigmas": control.SIGMAS,
    }


def _value(s: Summary, g: int, m: Tracked) -> dict:
    return s.share(g, m.id) if m.kind == "share" else s.stat(g, m.id)


def _stats(s: Summary, g: int, name: str) -> tuple[float, float, float]:
    i = s.scorer.index[name]
    return float(s.n[g, i]), float(s.mean[g, i]), float(s.sd[g, i])


# --------------------------------------------------------------------------- change


def _change(s: Summary, shown: list[tuple[str, int]], measures: list[Tracked], confidence: float) -> dict | None:
    """Last shown period against the one before, for every measure (None for a measure
    the test is not defined for, e.g. no answers or no spread). The p-values are
    Holm-corrected over the measures tested (``p_adj``; ``significant`` follows it): a
    dozen measures tested at once would otherwise flag one change in two periods by
    chance. ``worse`` says whether the change goes the bad way for the measure."""
    from ..stats.comparisons import p_adjust

    if len(shown) < 2:
        return None
    (before, a), (last, b) = shown[-2], shown[-1]
    found = {m.id: _difference(s, a, b, m, confidence) for m in measures}
    done = {k: v for k, v in found.items() if v is not None}
    tested = [k for k, v in done.items() if v["p"] is not None]
    adjusted: list[float] = list(p_adjust([done[k]["p"] for k in tested], "holm")) if tested else []
    lower = {m.id for m in measures if m.lower_is_better}
    for k, v in done.items():
        v["p_adj"] = None
        v["worse"] = v["diff"] is not None and (v["diff"] > 0 if k in lower else v["diff"] < 0)
    for k, p in zip(tested, adjusted):
        done[k]["p_adj"] = finite(float(p))
        done[k]["significant"] = float(p) < 1 - confidence
    return {"from": before, "to": last, "correction": "holm", "measures": found}


def _difference(s: Summary, a: int, b: int, m: Tracked, confidence: float) -> dict | None:
    from ..stats.comparisons import (
        ComparisonError,
        nps_difference,
        pairwise_welch,
        two_proportions,
    )

    (n_a, mean_a, sd_a), (n_b, mean_b, sd_b) = _stats(s, a, m.id), _stats(s, b, m.id)
    try:
        if m.kind == "mean":
            row = pairwise_welch([n_a, n_b], [mean_a, mean_b], [sd_a, sd_b], adjust="none",
                                 confidence=confidence).table.iloc[0]
            diff, lo, hi, p, test = row["diff"], row["ci_low"], row["ci_high"], row["p"], "welch"
        elif m.kind == "share":
            if not (n_a > 0 and n_b > 0):  # no answers in a period: its share is not defined
                return None
            r = two_proportions(round(mean_b * n_b), n_b, round(mean_a * n_a), n_a, confidence)
            diff, lo, hi, p, test = r.diff, r.ci_low, r.ci_high, r.p, "two_proportions"
        else:
            d = nps_difference(_nps_counts(s, b, m.of), _nps_counts(s, a, m.of), confidence)
            diff, lo, hi, p, test = d.diff, d.ci_low, d.ci_high, d.p, "nps_difference"
    except ComparisonError:
        return None
    p = finite(p)
    return {"test": test, "from": finite(mean_a), "to": finite(mean_b), "n_from": int(n_a), "n_to": int(n_b),
            "diff": finite(diff), "ci_low": finite(lo), "ci_high": finite(hi), "p": p,
            "significant": p is not None and p < 1 - confidence}


def _nps_counts(s: Summary, g: int, outcome: str | None) -> list[int]:
    """(promoters, passives, detractors) of a period from its shares and n."""
    out = []
    for which in ("promoters", "passives", "detractors"):
        n, share, _ = _stats(s, g, f"nps:{which}:{outcome}")
        out.append(round(share * n) if n > 0 else 0)
    return out


# --------------------------------------------------------------------------- control


def _control(s: Summary, shown: list[tuple[str, int]], m: Tracked) -> dict | None:
    """X̄ chart (means, NPS) or p-chart (shares) over the shown periods with answers;
    None with fewer than two such periods."""
    need = 1 if m.kind == "share" else 2
    points = [(label, *_stats(s, g, m.id)) for label, g in shown]
    points = [p for p in points if p[1] >= need]
    if len(points) < 2:
        return None
    labels = [p[0] for p in points]
    n, mean, sd = (np.array([p[i] for p in points]) for i in (1, 2, 3))
    chart = control.p_chart(n, mean) if m.kind == "share" else control.xbar_chart(n, mean, sd)
    return {
        "chart": "p" if m.kind == "share" else "xbar",
        "centre": finite(chart.centre),
        "sigma": None if chart.sigma is None else finite(chart.sigma),
        "points": [{"label": label, "n": int(n[i]), "value": finite(chart.value[i]), "lcl": finite(chart.lcl[i]),
                    "ucl": finite(chart.ucl[i]), "out": bool(chart.out[i]), "run": bool(chart.run[i])}
                   for i, label in enumerate(labels)],
        "signals": [label for i, label in enumerate(labels) if chart.out[i] or chart.run[i]],
    }
