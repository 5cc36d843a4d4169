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

from collections.abc import Mapping, Sequence

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


def ipa(results: Mapping, inst: Instrument, *, importance: str = "auto", performance: str = "perception",
        crosshair: str = "mean") -> tuple[dict | None, list[str]]:
    """Importance–performance analysis (Martilla & James 1977) of the dimensions.

    Importance is *derived* (each dimension's relative weight as % of the R² of the first
    outcome with drivers, overall satisfaction when asked) or *stated* (the mean 100-point
    allocation); ``auto`` takes derived when available. Performance is the mean perception
    or the mean gap P − E (a ``better: lower`` dimension counts as min + max − score, or
    −gap). The crosshair is the mean or median of the plotted values, or the scale midpoint
    (0 for gaps; an equal share 100/k for importance). A dimension is high when its value is
    at or above the crosshair. Quadrants: concentrate here (important, performing low), keep
    up the good work (important, performing high), low priority (neither), possible overkill
    (not important, performing high). The focus list orders them in that spirit:
    concentrate here, then low priority, keep up the good work, possible overkill; by
    importance within each.

    Parameters
    ----------
    results : dict
        The results: ``dimensions`` (with ``perception`` or ``gap`` and ``importance``
        means, ``better``) and, for derived importance, ``drivers``.
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
        ``importance_cross``, ``performance_cross``, ``points`` (each dimension's
        importance, performance and quadrant) and ``focus`` (ranked); None when
        importance or performance is missing or fewer than two dimensions have both.
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
    >>> def dim(i, perception, importance):
    ...     return {"id": i, "label": i.title(), "better": "higher",
    ...             "perception": {"mean": perception}, "importance": {"mean": importance}}
    >>> results = {"dimensions": [dim("technical", 5.2, 45), dim("functional", 4.1, 40), dim("image", 5.8, 15)]}
    >>> block, notes = ipa(results, load_instrument("gronroos"))
    >>> block["importance"], round(block["importance_cross"], 4), round(block["performance_cross"], 4)
    ('stated', 33.3333, 5.0333)
    >>> [(p["id"], p["quadrant"]) for p in block["points"]]
    [('technical', 'keep_up_the_good_work'), ('functional', 'concentrate_here'), ('image', 'possible_overkill')]
    >>> [f["id"] for f in block["focus"]]
    ['functional', 'technical', 'image']

    R: ``imp <- c(45, 40, 15); perf <- c(5.2, 4.1, 5.8)``;
    ``table(imp >= mean(imp), perf >= mean(perf))`` gives the quadrants.
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
        value = stat["mean"]
        if d.get("better") == "lower":
            value = (sc.min + sc.max - value) if performance == "perception" else -value
        perf[d["id"]] = value
    ids = [d["id"] for d in dims if d["id"] in imp]
    if len(ids) < 2:
        return None, notes
    if crosshair == "midpoint":
        cross_i, cross_p = 100.0 / k, (sc.midpoint if performance == "perception" else 0.0)
    else:
        pick = np.mean if crosshair == "mean" else np.median
        cross_i, cross_p = float(pick([imp[i] for i in ids])), float(pick([perf[i] for i in ids]))
    labels = {d["id"]: d["label"] for d in dims}
    points = []
    for i in ids:
        quadrant = _quadrant(imp[i] >= cross_i, perf[i] >= cross_p)
        points.append({"id": i, "label": labels[i], "importance": imp[i], "performance": perf[i], "quadrant": quadrant})
    ordered = sorted(points, key=lambda p: (QUADRANTS.index(p["quadrant"]), -p["importance"], p["performance"]))
    focus = [{"rank": r, **{k2: p[k2] for k2 in ("id", "label", "quadrant", "importance", "performance")}}
             for r, p in enumerate(ordered, start=1)]
    return {"importance": "derived" if outcome else "stated", "outcome": outcome, "performance": performance,
            "crosshair": crosshair, "importance_cross": cross_i, "performance_cross": cross_p,
            "points": points, "focus": focus}, notes


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
    Points and focus entries gain ``together`` (the other members); the focus list keeps
    a group's members next to each other. Without such pairs the block is unchanged.

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
    >>> block = {"importance_cross": 25.0, "performance_cross": 5.0, "points": [
    ...     {"id": "a", "importance": 30.0, "performance": 4.0, "quadrant": "concentrate_here"},
    ...     {"id": "b", "importance": 10.0, "performance": 5.5, "quadrant": "possible_overkill"},
    ...     {"id": "c", "importance": 60.0, "performance": 5.2, "quadrant": "keep_up_the_good_work"}],
    ...     "focus": []}
    >>> out = joint_verdicts(block, [{"a": "a", "b": "b"}])
    >>> [(p["id"], p["quadrant"], p.get("together")) for p in out["points"]]
    [('a', 'concentrate_here', ['b']), ('b', 'concentrate_here', ['a']), ('c', 'keep_up_the_good_work', None)]

    R: the group's importance ``30 + 10 >= 25`` and performance ``mean(c(4, 5.5)) < 5``.
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
        if len(members) > 1:
            importance = sum(by_id[m]["importance"] for m in members)
            performance = float(np.mean([by_id[m]["performance"] for m in members]))
            point["quadrant"] = _quadrant(importance >= block["importance_cross"],
                                          performance >= block["performance_cross"])
            point["together"] = [m for m in members if m != p["id"]]
        else:
            importance, performance = p["importance"], p["performance"]
        order[p["id"]] = (QUADRANTS.index(point["quadrant"]), -importance, performance, min(ids.index(m) for m in members),
                          -p["importance"])
        points.append(point)
    ranked = sorted(points, key=lambda p: order[p["id"]])
    focus = [{"rank": r, **{k: p[k] for k in ("id", "label", "quadrant", "importance", "performance") if k in p},
              **({"together": p["together"]} if "together" in p else {})} for r, p in enumerate(ranked, start=1)]
    return {**block, "points": points, "focus": focus}


def _importance(results: Mapping, kind: str, notes: list[str]) -> tuple[dict | None, str | None]:
    """Dimension -> importance (a share of 100), and the outcome it was derived from."""
    drivers = (results.get("drivers") or {}).get("outcomes") or []
    if kind in ("auto", "derived") and drivers:
        block = next((b for b in drivers if b["outcome"] == "overall_satisfaction"), drivers[0])
        weights = {p["id"]: p["relative_weight_pct"] for p in block["predictors"] if p["relative_weight_pct"] is not None}
        return weights, block["outcome"]
    stated = {d["id"]: d["importance"]["mean"] for d in results["dimensions"]
              if d.get("importance") and d["importance"].get("mean") is not None}
    if kind in ("auto", "stated") and stated:
        return stated, None
    if kind != "auto":
        notes.append(f"no importance-performance analysis: no {kind} importance (needs "
                     + ("an outcome question" if kind == "derived" else "W_<dimension> allocations") + ")")
    return None, None
