"""Service focus: which dimensions move the outcomes (key drivers), from sufficient statistics.

For every outcome question, the correlation matrix of the outcome and the respondents'
dimension perception scores (listwise-complete respondents) is accumulated with the rest of
the analysis; Johnson's relative weights and the LMG (Shapley) decomposition of R² follow
from it (:mod:`servq.stats.drivers`). Bootstrap intervals come from Poisson-weighted sums
accumulated with the rest (:mod:`servq.stats.bootstrap`): with ``boot > 0``
:func:`bootstrap_drivers` adds the intervals (as ``servq.drivers(data, ..., n_boot=boot,
seed=seed)``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np

from ..instruments.schema import Instrument
from ..stats.drivers import BOOT_STATISTICS, MAX_LMG_PREDICTORS, drivers_from_cor, replicate_intervals
from ..stats.moments import CrossMoments
from ..stats.numbers import finite


def driver_columns(inst: Instrument, names: list[str]) -> dict[str, list[int]]:
    """Where each outcome's key-driver variables are among the Scorer's float variables.

    Outcome id -> positions in ``names`` of that outcome then every dimension's
    perception score (empty when the instrument asks no perceptions).

    Parameters
    ----------
    inst : Instrument
        The instrument: its dimensions and outcomes.
    names : list of str
        The Scorer's float variables (``dim:perception:<id>``, ``outcome:<id>``, ...).

    Returns
    -------
    dict of str to list of int
        Per outcome, the positions of ``outcome:<id>`` and of every dimension's perception
        score; empty with fewer than two perception scores.

    References
    ----------
    Johnson, J. W. (2000). A heuristic method for estimating the relative weight of
    predictor variables in multiple regression. Multivariate Behavioral Research 35(1),
    1–19. Lindeman, R. H., Merenda, P. F. & Gold, R. Z. (1980). Introduction to Bivariate
    and Multivariate Analysis. Glenview, IL: Scott, Foresman. Grömping, U. (2006).
    Relative importance for linear regression in R: the package relaimpo. Journal of
    Statistical Software 17(1), 1–27.

    Examples
    --------
    >>> from servq.instruments import load_instrument
    >>> inst = load_instrument("gronroos")  # dimensions technical, functional, image
    >>> names = ["row", *(f"dim:perception:{d.id}" for d in inst.dimensions),
    ...          *(f"outcome:{o.id}" for o in inst.outcomes)]
    >>> driver_columns(inst, names)["overall_satisfaction"]
    [4, 1, 2, 3]

    R: the columns of ``lm(overall_satisfaction ~ technical + functional + image)``,
    ``match(c("outcome:overall_satisfaction", "dim:perception:technical", ...), names) - 1``.
    """
    dims = [names.index(f"dim:perception:{d.id}") for d in inst.dimensions if f"dim:perception:{d.id}" in names]
    if len(dims) < 2:
        return {}
    return {o.id: [names.index(f"outcome:{o.id}"), *dims] for o in inst.outcomes}


def key_drivers(inst: Instrument, sums: dict[str, CrossMoments], lang: str) -> tuple[dict | None, list[str]]:
    """The ``drivers`` block of the results and notes on outcomes it could not cover.

    Parameters
    ----------
    inst : Instrument
        The instrument: its dimensions (the predictors) and outcomes.
    sums : dict of str to CrossMoments
        Per outcome id, the second-order statistics of (outcome, dimension perception
        scores) (:func:`driver_columns`'s order).
    lang : str
        Language of the labels.

    Returns
    -------
    block : dict or None
        ``predictors``, ``method`` and ``outcomes``: per outcome its n (listwise
        complete), R², adjusted R², condition number and per dimension the relative
        weight, LMG (both also as % of R²) and VIF; None when no outcome could be covered.
    notes : list of str
        Why an outcome was left out (too few complete respondents, a singular matrix).

    References
    ----------
    Johnson, J. W. (2000). A heuristic method for estimating the relative weight of
    predictor variables in multiple regression. Multivariate Behavioral Research 35(1),
    1–19. Lindeman, R. H., Merenda, P. F. & Gold, R. Z. (1980). Introduction to Bivariate
    and Multivariate Analysis. Glenview, IL: Scott, Foresman. Grömping, U. (2006).
    Relative importance for linear regression in R: the package relaimpo. Journal of
    Statistical Software 17(1), 1–27.

    Examples
    --------
    >>> import numpy as np
    >>> from servq.instruments import load_instrument
    >>> from servq.stats.moments import CrossMoments
    >>> inst = load_instrument("gronroos")  # dimensions technical, functional, image
    >>> rng = np.random.default_rng(1)
    >>> dims = rng.normal(5, 1, size=(60, 3))
    >>> sat = dims @ [0.5, 0.3, 0.1] + rng.normal(0, 0.7, 60)
    >>> block, notes = key_drivers(inst, {"overall_satisfaction": CrossMoments.of(np.column_stack([sat, dims]))}, "en")
    >>> o = block["outcomes"][0]
    >>> o["n"], round(o["r2"], 4), notes
    (60, 0.4948, [])
    >>> [(p["id"], round(p["relative_weight_pct"], 2), round(p["lmg_pct"], 2)) for p in o["predictors"]]
    [('technical', 65.79, 65.85), ('functional', 26.57, 26.6), ('image', 7.63, 7.56)]

    R: ``summary(lm(sat ~ technical + functional + image))$r.squared``;
    ``relaimpo::calc.relimp(fit, type = "lmg", rela = TRUE)`` for LMG (%).
    """

    dims = [d for d in inst.dimensions]
    labels = {d.id: d.label.get(lang) for d in dims}
    out, notes = [], []
    for o in inst.outcomes:
        cm = sums.get(o.id)
        if cm is None:
            continue
        n = int(cm.n_complete)
        if n <= len(dims) + 2:
            if np.diag(cm.n)[0] > 0:
                notes.append(f"key drivers of '{o.id}' need more than {len(dims) + 2} respondents "
                             f"with the outcome and every dimension scored; {n} have")
            continue
        names = [o.id, *(d.id for d in dims)]
        try:
            res = drivers_from_cor(cm.cov(listwise=True), names, o.id, n, lmg=len(dims) <= MAX_LMG_PREDICTORS)
        except ValueError as exc:
            notes.append(f"key drivers of '{o.id}' could not be computed: {exc}")
            continue
        columns = {"relative_weight": res.relative_weight, "relative_weight_pct": 100 * res.relative_weight / res.r2,
                   "lmg": res.lmg, "lmg_pct": 100 * res.lmg / res.r2, "vif": res.vif}
        out.append({
            "outcome": o.id, "label": o.text.get(lang), "n": n, "r2": finite(res.r2),
            "adjusted_r2": finite(res.adjusted_r2), "condition_number": finite(res.condition_number),
            "predictors": [{"id": d, "label": labels[d], **{c: finite(v[j]) for c, v in columns.items()}}
                           for j, d in enumerate(res.predictors)],
        })
    if not out:
        return None, notes
    return {"predictors": "dimension perception scores", "method": "relative weights (Johnson 2000) and "
            "LMG (Lindeman, Merenda & Gold 1980), listwise-complete respondents", "outcomes": out}, notes


BOOT_COLUMNS = BOOT_STATISTICS


def bootstrap_drivers(block: dict, sums: Mapping[str, np.ndarray], *, boot: int, seed: int,
                      confidence: float) -> None:
    """Add bootstrap percentile intervals to the ``drivers`` block, in place.

    ``sums[outcome]`` holds each replicate's Poisson-weighted sums of the listwise-complete
    rows (outcome, then the dimension scores; :func:`servq.stats.bootstrap.replicate_sums`,
    each row weighted by its number in the file, ``seed`` and the replicate), so the bounds
    equal ``servq.drivers(scores, outcome, dimensions, n_boot=boot, seed=seed)`` on the
    respondents' scores in file order. Each predictor gets ``<column>_low`` /
    ``<column>_high`` for relative_weight(_pct) and lmg(_pct) (the names of
    ``DriversResult.to_frame()``), each outcome ``r2_low`` / ``r2_high`` and ``n_boot_failed``.

    Parameters
    ----------
    block : dict
        The ``drivers`` block (:func:`key_drivers`); changed in place.
    sums : mapping of str to ndarray
        Per outcome id, the replicates' weighted sums (replicates x sums).
    boot : int
        Bootstrap replicates per outcome.
    seed : int
        Seed of the replicates (the same for every outcome).
    confidence : float
        Coverage of the percentile intervals.

    Returns
    -------
    None
        ``block`` gains the bounds, and ``boot``, ``seed``, ``confidence`` and ``interval``.

    References
    ----------
    Efron, B. & Tibshirani, R. J. (1993). An Introduction to the Bootstrap. New York:
    Chapman & Hall (percentile intervals). Hanley, J. A. & MacGibbon, B. (2006). Creating
    non-parametric bootstrap samples using Poisson frequencies. Computer Methods and
    Programs in Biomedicine 83(1), 57–62. Johnson, J. W. (2000). A heuristic method for
    estimating the relative weight of predictor variables in multiple regression.
    Multivariate Behavioral Research 35(1), 1–19.

    Examples
    --------
    >>> import numpy as np
    >>> from servq.instruments import load_instrument
    >>> from servq.stats.bootstrap import replicate_sums
    >>> from servq.stats.moments import CrossMoments
    >>> rng = np.random.default_rng(1)
    >>> dims = rng.normal(5, 1, size=(60, 3))
    >>> x = np.column_stack([dims @ [0.5, 0.3, 0.1] + rng.normal(0, 0.7, 60), dims])
    >>> block, _ = key_drivers(load_instrument("gronroos"), {"overall_satisfaction": CrossMoments.of(x)}, "en")
    >>> boot = {"overall_satisfaction": replicate_sums(x, np.arange(60), 200, seed=1)}
    >>> bootstrap_drivers(block, boot, boot=200, seed=1, confidence=0.95)
    >>> p = block["outcomes"][0]["predictors"][0]  # technical
    >>> bool(p["relative_weight_pct_low"] < p["relative_weight_pct"] < p["relative_weight_pct_high"])
    True
    >>> block["boot"], block["interval"], block["outcomes"][0]["n_boot_failed"]
    (200, 'percentile', 0)

    R: ``relaimpo::booteval.relimp(relaimpo::boot.relimp(fit, b = 200, type = "lmg"))``
    gives percentile intervals of the same statistics (from row resamples, so other
    bounds).
    """

    for o in block["outcomes"]:
        replicates = sums[o["outcome"]]
        found = replicate_intervals(replicates, confidence=confidence, lmg=len(o["predictors"]) <= MAX_LMG_PREDICTORS)
        o.update({"r2_low": finite(found.r2[0]), "r2_high": finite(found.r2[1]), "n_boot_failed": found.n_failed})
        for j, pred in enumerate(o["predictors"]):
            for c in BOOT_COLUMNS:
                low, high = found.bounds[c]
                pred[f"{c}_low"], pred[f"{c}_high"] = finite(low[j]), finite(high[j])
    block.update({"boot": boot, "seed": seed, "confidence": confidence, "interval": "percentile"})


QUADRANTS = ("concentrate_here", "low_priority", "keep_up_the_good_work", "possible_overkill")
IMPORTANCE = ("auto", "derived", "stated")
PERFORMANCE = ("perception", "gap")
CROSSHAIRS = ("mean", "median", "midpoint")
AXES = ("importance", "performance")
FOCUS_KEYS = ("id", "label", "quadrant", "importance", "performance", "near_line", "near")

Value = tuple[float, tuple[float, float] | None]  # a point's value and its interval (low, high), if known


def ipa(results: Mapping, inst: Instrument, *, importance: str = "auto", performance: str = "perception",
        crosshair: str = "mean") -> tuple[dict | None, list[str]]:
    """Importance–performance analysis (Martilla & James 1977) of the dimensions.

    Importance is *derived* (each dimension's relative weight as % of the R² of the first
    outcome with drivers, overall satisfaction when asked) or *stated* (the mean 100-point
    allocation); ``auto`` takes derived when available. Performance is the mean perception
    or the mean gap P − E (a ``better: lower`` dimension counts as min + max − score, or
    −gap). The crosshair is the mean or median of the plotted values, or the scale midpoint
    (0 for gaps; an equal share 100/k for importance); the mean of derived shares, which
    sum to 100, is taken as exactly 100/k. A dimension is high when its value is at or
    above the crosshair. Quadrants: concentrate here (important, performing low), keep up
    the good work (important, performing high), low priority (neither), possible overkill
    (not important, performing high). The focus list orders them in that spirit:
    concentrate here, then low priority, keep up the good work, possible overkill; by
    importance within each.

    Each point carries its uncertainty: the performance mean's t interval (the dimension
    summary's ``ci_low`` / ``ci_high``) and the importance interval — the bootstrap
    percentile interval of the relative weight's share when the drivers block has one
    (``--boot``), the t interval of the mean allocation for stated importance, else none.
    A point is *near the line* when an interval contains its crosshair (ends included):
    the quadrant stays, qualified; ``near`` names the axes.

    Parameters
    ----------
    results : dict
        The results: ``dimensions`` (with ``perception`` or ``gap`` and ``importance``
        means and intervals, ``better``) and, for derived importance, ``drivers``.
    inst : Instrument
        The instrument (its scale, for the midpoint and ``better: lower`` dimensions).
    importance : {"auto", "derived", "stated"}
        Where importance comes from.
    performance : {"perception", "gap"}
        The performance measure.
    crosshair : {"mean", "median", "midpoint"}
        Where the quadrants divide.

    Returns
    -------
    block : dict or None
        ``importance`` (derived or stated), ``outcome``, ``performance``, ``crosshair``,
        ``importance_cross``, ``performance_cross``, ``importance_interval`` and
        ``performance_interval`` (``"bootstrap"``, ``"t"`` or None: what the points'
        intervals are), ``points`` (each dimension's importance and performance with
        their ``_low`` / ``_high`` bounds, quadrant, ``near_line`` and ``near``) and
        ``focus`` (ranked); None when importance or performance is missing or fewer than
        two dimensions have both.
    notes : list of str
        Why the analysis was not done, when it was not.

    References
    ----------
    Martilla, J. A. & James, J. C. (1977). Importance-performance analysis. Journal of
    Marketing 41(1), 77–79. Johnson, J. W. (2000). A heuristic method for estimating the
    relative weight of predictor variables in multiple regression. Multivariate Behavioral
    Research 35(1), 1–19.

    Examples
    --------
    Stated importance (100-point allocations) against mean perception, crosshair at the means:

    >>> from servq.instruments import load_instrument
    >>> def stat(mean, half):
    ...     return {"mean": mean, "ci_low": mean - half, "ci_high": mean + half}
    >>> def dim(i, perception, importance):
    ...     return {"id": i, "label": i.title(), "better": "higher",
    ...             "perception": stat(perception, 0.2), "importance": stat(importance, 3)}
    >>> results = {"dimensions": [dim("technical", 5.2, 45), dim("functional", 4.1, 40), dim("image", 5.8, 15)]}
    >>> block, notes = ipa(results, load_instrument("gronroos"))
    >>> block["importance"], round(block["importance_cross"], 4), round(block["performance_cross"], 4)
    ('stated', 33.3333, 5.0333)
    >>> [(p["id"], p["quadrant"]) for p in block["points"]]
    [('technical', 'keep_up_the_good_work'), ('functional', 'concentrate_here'), ('image', 'possible_overkill')]
    >>> [(p["id"], p["near"]) for p in block["points"] if p["near_line"]]  # 5.2 ± 0.2 contains 5.0333
    [('technical', ['performance'])]
    >>> [f["id"] for f in block["focus"]]
    ['functional', 'technical', 'image']

    R: ``imp <- c(45, 40, 15); perf <- c(5.2, 4.1, 5.8)``;
    ``table(imp >= mean(imp), perf >= mean(perf))`` gives the quadrants;
    ``abs(perf - mean(perf)) <= 0.2`` the points near the performance line.
    """
    notes: list[str] = []
    dims = results["dimensions"]
    k = len(dims)
    imp, outcome = _importance(results, importance, notes)
    if imp is None:
        return None, notes
    sc = inst.scale
    perf = {}
    for d in dims:
        stat = d.get(performance)
        if not stat or stat.get("mean") is None:
            notes.append(f"no importance-performance analysis: the instrument has no {performance} scores")
            return None, notes
        perf[d["id"]] = _mean(stat)
        if d.get("better") == "lower":
            perf[d["id"]] = _reflect(perf[d["id"]], sc.min + sc.max if performance == "perception" else 0.0)
    ids = [d["id"] for d in dims if d["id"] in imp]
    if len(ids) < 2:
        return None, notes
    if crosshair == "midpoint":
        cross_i, cross_p = 100.0 / k, (sc.midpoint if performance == "perception" else 0.0)
    elif outcome and crosshair == "mean" and len(ids) == len(imp):  # all shares of R²: they sum to 100
        cross_i, cross_p = 100.0 / len(ids), float(np.mean([perf[i][0] for i in ids]))
    else:
        pick = np.mean if crosshair == "mean" else np.median
        cross_i, cross_p = float(pick([imp[i][0] for i in ids])), float(pick([perf[i][0] for i in ids]))
    labels = {d["id"]: d["label"] for d in dims}
    points = [{"id": i, "label": labels[i], **_bounds("importance", imp[i]), **_bounds("performance", perf[i]),
               **_verdict(imp[i], perf[i], (cross_i, cross_p))} for i in ids]
    ordered = sorted(points, key=lambda p: (QUADRANTS.index(p["quadrant"]), -p["importance"], p["performance"]))
    focus = [{"rank": r, **{key: p[key] for key in FOCUS_KEYS}} for r, p in enumerate(ordered, start=1)]
    has = {axis: any(p[f"{axis}_low"] is not None for p in points) for axis in AXES}
    return {"importance": "derived" if outcome else "stated", "outcome": outcome, "performance": performance,
            "crosshair": crosshair, "importance_cross": cross_i, "performance_cross": cross_p,
            "importance_interval": ("bootstrap" if outcome else "t") if has["importance"] else None,
            "performance_interval": "t" if has["performance"] else None,
            "points": points, "focus": focus}, notes


def _value(value: float, low: float | None, high: float | None) -> Value:
    """A value and its interval, which is unknown unless both ends are."""
    return value, (low, high) if low is not None and high is not None else None


def _mean(stat: Mapping) -> Value:
    """A dimension summary's mean and its t interval."""
    return _value(stat["mean"], stat.get("ci_low"), stat.get("ci_high"))


def _reflect(value: Value, c: float) -> Value:
    """``c − value``, its interval's ends swapped (a ``better: lower`` dimension)."""
    v, interval = value
    return c - v, None if interval is None else (c - interval[1], c - interval[0])


def _bounds(axis: str, value: Value) -> dict:
    v, interval = value
    low, high = interval if interval is not None else (None, None)
    return {axis: v, f"{axis}_low": low, f"{axis}_high": high}


def _verdict(importance: Value, performance: Value, cross: tuple[float, float]) -> dict:
    """The quadrant of a point, and the axes on which its interval contains the crosshair."""
    near = [axis for axis, (_, interval), c in zip(AXES, (importance, performance), cross)
            if interval is not None and interval[0] <= c <= interval[1]]
    return {"quadrant": _quadrant(importance[0] >= cross[0], performance[0] >= cross[1]),
            "near_line": bool(near), "near": near}


def _quadrant(important: bool, performing: bool) -> str:
    """The IPA quadrant of a point above or below each crosshair."""
    return {(True, False): "concentrate_here", (True, True): "keep_up_the_good_work",
            (False, False): "low_priority", (False, True): "possible_overkill"}[(important, performing)]


def joint_verdicts(block: dict | None, not_separated: Sequence[Mapping]) -> dict | None:
    """The importance–performance ``block`` with dimensions customers do not tell apart given
    one verdict: the pairs of ``not_separated`` (HTMT at or above its threshold, the
    ``validity`` block) join into groups; a group's importance is the sum of its members'
    (their relative weights share what they explain together), its performance their mean,
    and every member takes the group's quadrant — never opposite verdicts for one area.
    The group is near the line when the group's own point is: its interval on each axis
    runs from the sum (importance) or mean (performance) of the members' lower ends to
    that of their upper ends — for normal-theory intervals at least as wide as the interval
    of the sum or mean itself (as wide when the members move in lockstep), so the rule
    errs towards "near".
    Every member takes the group's ``near_line`` and ``near`` and keeps its own point and
    interval. Points and focus entries gain ``together`` (the other members); the focus
    list keeps a group's members next to each other. Without such pairs the block is
    unchanged.

    Parameters
    ----------
    block : dict or None
        :func:`ipa`'s block.
    not_separated : sequence of mapping
        Pairs ``{"a": id, "b": id}`` of dimensions not separated (HTMT).

    Returns
    -------
    dict or None

    References
    ----------
    Henseler, J., Ringle, C. M. & Sarstedt, M. (2015). A new criterion for assessing
    discriminant validity in variance-based structural equation modeling. Journal of the
    Academy of Marketing Science 43(1), 115–135.

    Examples
    --------
    >>> def point(i, importance, performance, quadrant):
    ...     return {"id": i, "importance": importance, "importance_low": importance - 4,
    ...             "importance_high": importance + 4, "performance": performance,
    ...             "performance_low": performance - 0.3, "performance_high": performance + 0.3,
    ...             "quadrant": quadrant}
    >>> block = {"importance_cross": 25.0, "performance_cross": 5.0, "points": [
    ...     point("a", 30.0, 4.0, "concentrate_here"), point("b", 10.0, 5.5, "possible_overkill"),
    ...     point("c", 60.0, 5.2, "keep_up_the_good_work")], "focus": []}
    >>> out = joint_verdicts(block, [{"a": "a", "b": "b"}])
    >>> [(p["id"], p["quadrant"], p.get("together")) for p in out["points"]]
    [('a', 'concentrate_here', ['b']), ('b', 'concentrate_here', ['a']), ('c', 'keep_up_the_good_work', None)]
    >>> out["points"][0]["near"]  # the group's performance 4.75 ± 0.3 contains 5
    ['performance']

    R: the group's importance ``30 + 10 >= 25`` (``c(26 + 6, 34 + 14)`` does not contain 25)
    and performance ``mean(c(4, 5.5)) < 5`` (``c(mean(c(3.7, 5.2)), mean(c(4.3, 5.8)))``
    contains 5).
    """
    if block is None:
        return None
    ids = [p["id"] for p in block["points"]]
    parent = {i: i for i in ids}

    def root(i: str) -> str:
        while parent[i] != i:
            i = parent[i]
        return i

    for pair in not_separated:
        a, b = str(pair.get("a")), str(pair.get("b"))
        if a in parent and b in parent:
            parent[root(a)] = root(b)
    groups: dict[str, list[str]] = {}
    for i in ids:
        groups.setdefault(root(i), []).append(i)
    if all(len(g) == 1 for g in groups.values()):
        return block
    by_id = {p["id"]: p for p in block["points"]}
    points = []
    order: dict[str, tuple] = {}
    for p in block["points"]:
        members = groups[root(p["id"])]
        point = dict(p)
        importance, performance = p["importance"], p["performance"]
        if len(members) > 1:
            group = [by_id[m] for m in members]
            combined = _combined(group, "importance", sum), _combined(group, "performance", np.mean)
            point.update(_verdict(*combined, (block["importance_cross"], block["performance_cross"])))
            point["together"] = [m for m in members if m != p["id"]]
            importance, performance = combined[0][0], combined[1][0]
        order[p["id"]] = (QUADRANTS.index(point["quadrant"]), -importance, performance, min(ids.index(m) for m in members),
                          -p["importance"])
        points.append(point)
    ranked = sorted(points, key=lambda p: order[p["id"]])
    focus = [{"rank": r, **{k: p[k] for k in FOCUS_KEYS if k in p},
              **({"together": p["together"]} if "together" in p else {})} for r, p in enumerate(ranked, start=1)]
    return {**block, "points": points, "focus": focus}


def _combined(points: Sequence[Mapping], axis: str, how: Callable) -> Value:
    """A group's value on ``axis`` (``how`` = sum or mean of its members') and the same of
    their interval ends, when every member has an interval."""
    lows, highs = ([p.get(f"{axis}_{end}") for p in points] for end in ("low", "high"))
    known = None not in lows and None not in highs
    return float(how([p[axis] for p in points])), (float(how(lows)), float(how(highs))) if known else None


def _importance(results: Mapping, kind: str, notes: list[str]) -> tuple[dict[str, Value] | None, str | None]:
    """Dimension -> importance (a share of 100) with its interval, and the outcome it was derived from."""
    drivers = (results.get("drivers") or {}).get("outcomes") or []
    if kind in ("auto", "derived") and drivers:
        block = next((b for b in drivers if b["outcome"] == "overall_satisfaction"), drivers[0])
        key = "relative_weight_pct"  # bootstrap_drivers adds its _low / _high
        weights = {p["id"]: _value(p[key], p.get(f"{key}_low"), p.get(f"{key}_high"))
                   for p in block["predictors"] if p[key] is not None}
        return weights, block["outcome"]
    stated = {d["id"]: _mean(d["importance"]) for d in results["dimensions"]
              if d.get("importance") and d["importance"].get("mean") is not None}
    if kind in ("auto", "stated") and stated:
        return stated, None
    if kind != "auto":
        notes.append(f"no importance-performance analysis: no {kind} importance (needs "
                     + ("an outcome question" if kind == "derived" else "W_<dimension> allocations") + ")")
    return None, None
