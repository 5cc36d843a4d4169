"""Fair scorecards: units (employees, teams, branches) ranked by empirical-Bayes shrunk
means, with intervals, the number of answers behind every figure, and pass / fail / not
enough data against service standards.

The per-unit n, mean and SD of every score come from the ordinary analysis by the unit
column (``results["segments"]``); the shrinkage is the one-way random-effects model of
:mod:`servq.stats.shrinkage` fitted to them, so no answer is read twice for it. A unit
nested in a parent (employee in team) is shrunk toward its parent's mean; which parent a
unit belongs to is read from the two columns alone, and a unit seen under two parents is
an error in the data.

NPS: the per-respondent contribution (+100 promoter, 0 passive, −100 detractor) is shrunk
like any score (a normal approximation); its SD follows exactly from the promoter and
detractor shares.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from ..errors import UsageError
from ..instruments import Instrument, Part
from ..io.readers import natural_key
from ..stats.numbers import finite
from .standards import (
    DIMENSION_MEASURES,
    MEASURES,
    OUTCOME_MEASURES,
    MeasureRef,
    Standards,
    measure_problems,
)

STATUSES = ("pass", "fail", "not_enough_data")
METHOD = ("one-way random-effects model fitted by REML (as R lme4 lmer(score ~ parent + (1 | unit))); "
          "shrunk estimate = parent mean + B (unit mean - parent mean), B = tau2 / (tau2 + sigma2 / n)")


def parse_measure(text: str) -> MeasureRef:
    """A measure named as on the command line, as a :class:`MeasureRef`.

    ``gap:reliability`` -> MeasureRef("gap", dimension="reliability"); ``nps:recommend``
    -> MeasureRef("nps", outcome="recommend"); ``servqual`` -> MeasureRef("servqual").

    Parameters
    ----------
    text : str
        ``<measure>``, ``<measure>:<dimension>`` or ``<measure>:<outcome>``.

    Returns
    -------
    MeasureRef

    Raises
    ------
    servq.errors.UsageError
        An unknown measure, or a dimension or outcome given to a measure that takes none.

    References
    ----------
    Parasuraman, A., Zeithaml, V. A., & Berry, L. L. (1988). SERVQUAL: A multiple-item
    scale for measuring consumer perceptions of service quality. *Journal of Retailing*,
    64(1), 12–40.

    Examples
    --------
    In R the same measure is a column of the per-unit table, e.g. ``gap_reliability``:

    >>> parse_measure("gap:reliability").dimension, parse_measure("nps:recommend").outcome
    ('reliability', 'recommend')
    """
    measure, _, named = str(text).partition(":")
    if measure not in MEASURES:
        raise UsageError(f"unknown measure '{text}' (choose one of {', '.join(MEASURES)}, "
                         "with ':<dimension>' or ':<outcome>' where needed)")
    what = named or None
    if measure in DIMENSION_MEASURES:
        return MeasureRef(measure, dimension=what)
    if measure in OUTCOME_MEASURES:
        return MeasureRef(measure, outcome=what)
    if what:
        raise UsageError(f"measure '{measure}' takes no dimension or outcome, got '{text}'")
    return MeasureRef(measure)


def scorecard_measures(inst: Instrument, measures, standards: Standards | None) -> list[MeasureRef]:
    """The measures a scorecard scores.

    ``measures`` (checked against the instrument), else those of the ``standards``, else
    the instrument's headline score (SERVQUAL, else SERVPERF, else every dimension of its
    first part) and every NPS question.

    Parameters
    ----------
    inst : Instrument
    measures : sequence of str or MeasureRef, optional
        As :func:`parse_measure` reads them.
    standards : Standards, optional

    Returns
    -------
    list of MeasureRef
        Without repeats, in order.

    Raises
    ------
    servq.errors.UsageError
        A measure the instrument does not have.

    References
    ----------
    Cronin, J. J., & Taylor, S. A. (1992). Measuring service quality: A reexamination and
    extension. *Journal of Marketing*, 56(3), 55–68.

    Examples
    --------
    (R has no equivalent: the choice of columns to rank.)

    >>> from servq.instruments import load_instrument
    >>> [r.key for r in scorecard_measures(load_instrument("servqual"), None, None)]
    ['servqual', 'nps:recommend']
    """
    if measures:
        refs = [m if isinstance(m, MeasureRef) else parse_measure(m) for m in measures]
        for ref in refs:
            problems = measure_problems(ref, inst)
            if problems:
                raise UsageError(f"measure '{ref.key}': {problems[0]}")
    elif standards is not None:
        refs = [s.ref for s in standards.standards]
    else:
        if inst.has_gap:
            refs = [MeasureRef("servqual")]
        elif Part.perception in inst.parts:
            refs = [MeasureRef("servperf")]
        else:
            refs = [MeasureRef(inst.parts[0].value, dimension=d.id) for d in inst.dimensions]
        refs += [MeasureRef("nps", outcome=o.id) for o in inst.outcomes if o.kind == "nps"]
    return list(dict.fromkeys(refs))


def unit_stat(segment: Mapping, ref: MeasureRef) -> tuple[int, float, float]:
    """(n, mean, SD) of ``ref`` in one segment block of the results; n = 0 when absent.

    Parameters
    ----------
    segment : mapping
        One block of ``results["segments"][column]``.
    ref : MeasureRef

    Returns
    -------
    tuple of (int, float, float)
        n, mean and SD (NaN when not defined); for NPS those of the +100/0/−100
        contribution.

    References
    ----------
    Reichheld, F. F. (2003). The one number you need to grow. *Harvard Business Review*,
    81(12), 46–54.

    Examples
    --------
    In R, per unit: ``c(length(x), mean(x), sd(x))`` of the unit's scores.

    >>> unit_stat({"servperf": {"n": 40, "mean": 5.6, "sd": 0.9}}, parse_measure("servperf"))
    (40, 5.6, 0.9)
    """
    stat = None
    m = ref.measure
    if ref.dimension is not None:
        dim: Mapping = next((d for d in segment.get("dimensions") or [] if d["id"] == ref.dimension), {})
        stat = dim.get(m)
    elif m in ("servqual", "servqual_weighted"):
        stat = (segment.get("servqual") or {}).get("weighted" if m == "servqual_weighted" else "unweighted")
    elif m == "servperf":
        stat = segment.get("servperf")
    else:
        out = next((o for o in segment.get("outcomes") or [] if o["id"] == ref.outcome), None)
        if out is not None and m == "outcome":
            stat = out["score"]
        elif out is not None and "nps" in out:
            return _nps_stat(out["nps"])
    if not stat or not stat.get("n"):
        return 0, math.nan, math.nan
    return int(stat["n"]), float(stat["mean"]), math.nan if stat.get("sd") is None else float(stat["sd"])


def _nps_stat(nps: dict) -> tuple[int, float, float]:
    """The +100/0/−100 contribution: mean = NPS, and SD from the shares p (promoters), d
    (detractors): sum x² / n = 10000 (p + d), so s² = n / (n − 1) (10000 (p + d) − NPS²)."""
    n = int(nps["n"])
    if n == 0:
        return 0, math.nan, math.nan
    mean = float(nps["nps"])
    if n < 2:
        return n, mean, math.nan
    second = 10000.0 * (nps["promoters"]["share"] + nps["detractors"]["share"])
    return n, mean, math.sqrt(max(n / (n - 1) * (second - mean * mean), 0.0))


def scorecard_block(results: Mapping, inst: Instrument, unit: str, parent_of: dict[str, str] | None,
                    refs: list[MeasureRef], standards: Standards | None, *, min_n: int, basis: str,
                    confidence: float, lang: str, parent_name: str | None = None) -> tuple[dict, list[str]]:
    """The ``scorecard`` block of the results and its notes, from results analysed by ``unit``.

    Each measure's units are shrunk toward their parent's mean by the one-way
    random-effects model fitted by REML to the units' n, mean and SD
    (:func:`servq.stats.shrinkage.one_way_reml`), ranked, and checked against the
    standards.

    Parameters
    ----------
    results : mapping
        Results (or their ``data``) analysed by ``unit`` with ``min_n=1``.
    inst : Instrument
    unit : str
        The segment column of the units.
    parent_of : dict, optional
        Unit -> its parent, when the units are nested.
    refs : list of MeasureRef
        The measures to score (:func:`scorecard_measures`).
    standards : Standards, optional
        Targets; without them no pass / fail.
    min_n : int
        Fewer answers: not enough data.
    basis : {"shrunk", "raw", "interval"}
        What is compared with a target.
    confidence : float
        Level of the intervals.
    lang : str
        Language of the labels.
    parent_name : str, optional
        The parent column's name, for the block.

    Returns
    -------
    tuple of (dict, list of str)
        The block (docs/scorecards.md) and notes.

    References
    ----------
    Morris, C. N. (1983). Parametric empirical Bayes inference: Theory and applications.
    *Journal of the American Statistical Association*, 78(381), 47–55.
    Bates, D., Mächler, M., Bolker, B., & Walker, S. (2015). Fitting linear mixed-effects
    models using lme4. *Journal of Statistical Software*, 67(1).

    Examples
    --------
    Three branches' SERVPERF n, mean and SD; in R, from the respondents' scores,
    ``coef(lmer(score ~ 1 + (1 | branch)))`` gives the same shrunk means.

    >>> from servq.instruments import load_instrument
    >>> def seg(n, mean, sd):
    ...     return {"n": n, "suppressed": False, "servperf": {"n": n, "mean": mean, "sd": sd}}
    >>> res = {"segments": {"branch": {"A": seg(40, 5.6, 0.9), "B": seg(12, 4.9, 1.1), "C": seg(30, 5.2, 1.0)}}}
    >>> block, notes = scorecard_block(res, load_instrument("servperf"), "branch", None, [parse_measure("servperf")],
    ...                                None, min_n=10, basis="shrunk", confidence=0.95, lang="en")
    >>> [(u["unit"], u["rank"], round(u["shrunk"], 4)) for u in block["measures"][0]["units"]]
    [('A', 1, 5.5249), ('C', 2, 5.2233), ('B', 3, 5.0923)]
    """
    segments = results["segments"][unit]
    units = list(segments)
    notes: list[str] = []
    parent_values = sorted(set(parent_of.values()), key=natural_key) if parent_of else [None]
    pidx = {p: i for i, p in enumerate(parent_values)}
    cards = []
    for ref in refs:
        card, note = _card(ref, inst, segments, units, parent_of, parent_values, pidx, confidence, lang)
        cards.append(card)
        notes += [f"scorecard {ref.key}: {note}"] if note else []
    by_key = {c["key"]: c for c in cards}
    out_standards = []
    for s in standards.standards if standards else []:
        card = by_key[s.ref.key]
        status = {u["unit"]: _status(u, s.target, min_n, basis) for u in card["units"]}
        out_standards.append({"key": s.ref.key, "measure": s.measure, "dimension": s.dimension, "outcome": s.outcome,
                              "label": s.label, "target": str(s.target), "op": s.target.op, "value": s.target.value,
                              "status": status, "counts": {k: sum(v == k for v in status.values()) for k in STATUSES}})
    return {
        "unit": unit, "parent": parent_name, "method": METHOD, "confidence": confidence, "min_n": min_n,
        "basis": basis,
        "units": [{"unit": u, "parent": parent_of[u] if parent_of else None, "n": segments[u]["n"]} for u in units],
        "measures": cards, "standards": out_standards,
    }, notes


def _card(ref, inst, segments, units, parent_of, parent_values, pidx, confidence, lang) -> tuple[dict, str | None]:
    stats = np.array([unit_stat(segments[u], ref) for u in units], dtype=float).reshape(len(units), 3)
    n, mean, sd = stats.T
    has = n > 0
    group = np.array([pidx[parent_of[u]] if parent_of else 0 for u in units], dtype=np.int64)
    rows = [{"unit": u, "parent": parent_of[u] if parent_of else None, "n": int(n[j]), "raw": finite(mean[j]),
             "sd": finite(sd[j]), "shrunk": None, "factor": None, "se": None, "ci_low": None, "ci_high": None,
             "rank": None} for j, u in enumerate(units)]
    card = {"key": ref.key, "measure": ref.measure, "dimension": ref.dimension, "outcome": ref.outcome,
            "label": _label(inst, ref, lang), "better": _better(inst, ref), "sigma2": None, "tau2": None,
            "icc": None, "estimable": False, "n_units": int(has.sum()), "n": int(n.sum()), "parents": [],
            "units": rows}
    if not has.any():
        return card, "no unit has answers"
    # parents are renumbered over those with answers, so every group in the fit is used
    used = sorted(set(group[has]))
    code = np.searchsorted(used, group[has])
    from ..stats.shrinkage import one_way_reml, shrink  # on use: SciPy's optimisers take a second to load

    fit = one_way_reml(n[has], mean[has], sd[has], code)
    est = shrink(fit, n[has], mean[has], code, confidence)
    card.update({"sigma2": finite(fit.sigma2), "tau2": finite(fit.tau2), "icc": finite(fit.icc), "estimable": fit.estimable})
    for k, j in enumerate(np.flatnonzero(has)):
        rows[j].update({"shrunk": finite(est.estimate[k]), "factor": finite(est.factor[k]), "se": finite(est.se[k]),
                        "ci_low": finite(est.low[k]), "ci_high": finite(est.high[k])})
    card["parents"] = [{"parent": parent_values[g], "mean": finite(fit.mu[i]), "n_units": int(np.sum(code == i)),
                        "n": int(n[has][code == i].sum())} for i, g in enumerate(used)]
    sign = -1.0 if card["better"] == "lower" else 1.0
    order = sorted(np.flatnonzero(has), key=lambda j: (-sign * rows[j]["shrunk"], -rows[j]["n"]))
    for r, j in enumerate(order, start=1):
        rows[j]["rank"] = r
    card["units"] = [rows[j] for j in order] + [rows[j] for j in np.flatnonzero(~has)]
    note = None
    if not fit.estimable:
        note = ("the between-unit variance cannot be estimated (it needs two units with answers under one "
                "parent and a unit with two answers); estimates are the units' own means")
    elif fit.tau2 == 0:
        note = ("the between-unit variance is estimated as 0: the units' differences are no larger than chance, "
                "so every unit is shrunk to its parent's mean")
    return card, note


def _status(row: dict, target, min_n: int, basis: str) -> str:
    if row["n"] < min_n or row["shrunk"] is None:
        return "not_enough_data"
    if basis == "raw":
        return "pass" if target.met(row["raw"]) else "fail"
    if basis == "interval":
        ok = row["ci_low"] is not None and target.met(row["ci_low"]) and target.met(row["ci_high"])
        return "pass" if ok else "fail"
    return "pass" if target.met(row["shrunk"]) else "fail"


def _label(inst: Instrument, ref: MeasureRef, lang: str) -> str | None:
    if ref.dimension is not None:
        return inst.dimension(ref.dimension).label.get(lang)
    if ref.outcome is not None:
        return next(o.text.get(lang) for o in inst.outcomes if o.id == ref.outcome)
    return None


def _better(inst: Instrument, ref: MeasureRef) -> str:
    if ref.dimension is not None:
        return inst.dimension(ref.dimension).better
    return "higher"
