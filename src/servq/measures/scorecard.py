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
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa

from ..errors import DataError, Problem, UsageError
from ..instruments import Instrument, Part, load_instrument
from ..io.arrow import as_text
from ..io.columns import Mapping, load_mapping, resolve_by, resolve_layout
from ..io.readers import DEFAULT_CHUNK, label_map, natural_key, source_of
from ..stats.numbers import finite
from ..stats.shrinkage import one_way_reml, shrink
from .standards import (
    DIMENSION_MEASURES,
    MEASURES,
    OUTCOME_MEASURES,
    MeasureRef,
    Standards,
    load_standards,
    measure_problems,
)

STATUSES = ("pass", "fail", "not_enough_data")
METHOD = ("one-way random-effects model fitted by REML (as R lme4 lmer(score ~ parent + (1 | unit))); "
          "shrunk estimate = parent mean + B (unit mean - parent mean), B = tau2 / (tau2 + sigma2 / n)")


def scorecard(
    data,
    instrument: str | Path | Instrument,
    unit: str,
    parent: str | None = None,
    standards: str | Path | Standards | None = None,
    *,
    measures: Sequence[str | MeasureRef] | None = None,
    min_n: int | None = None,
    basis: str | None = None,
    lang: str = "en",
    confidence: float = 0.95,
    mapping=None,
    sheet: str | None = None,
    quality: bool = True,
    chunk_size: int | None = None,
):
    """Analyse ``data`` and add a fair scorecard of the units of column ``unit``.

    Parameters
    ----------
    data, instrument, lang, confidence, mapping, sheet, quality, chunk_size
        As :func:`servq.analyze`.
    unit : str
        The column whose values are scored (``employee``, ``branch``).
    parent : str, optional
        A column the units are nested in (``team``); each unit is shrunk toward its
        parent's mean. Every unit must have one parent.
    standards : path or Standards, optional
        Service standards (see docs/scorecards.md); without them no pass/fail.
    measures : list of str, optional
        Measures to score, as ``gap:reliability``, ``servqual``, ``nps:recommend``,
        ``outcome:overall_satisfaction``; default: those of the standards, else the
        instrument's headline score (SERVQUAL, else SERVPERF) and every NPS question.
    min_n : int, optional
        Units with fewer answers to a measure are "not enough data" (default: the
        standards' ``min_n``, else 10).
    basis : {"shrunk", "raw", "interval"}, optional
        What is compared with a target: the shrunk estimate, the raw mean, or the whole
        interval (pass only if all of it meets the target); default: the standards' basis.

    Returns
    -------
    Results
        The analysis by ``unit`` (and ``parent``) with a ``scorecard`` block.

    Examples
    --------
    >>> import servq
    >>> table = servq.simulate("servqual", 400, seed=3, branches=6)
    >>> res = servq.scorecard(table, "servqual", unit="branch", quality=False)
    >>> card = res.data["scorecard"]["measures"][0]
    >>> card["key"], len(card["units"]), card["units"][0]["rank"]
    ('servqual', 6, 1)
    """
    from ..analysis import analyze

    inst = load_instrument(instrument)
    if parent is not None and parent.lower() == unit.lower():
        raise UsageError(f"the unit column '{unit}' cannot also be its parent")
    if isinstance(standards, (str, Path)):
        standards = load_standards(standards, inst)
    elif standards is not None:
        problems = [p for s in standards.standards for p in measure_problems(s.ref, inst)]
        if problems:
            raise UsageError(f"standards do not fit instrument '{inst.id}': {problems[0]}")
    min_n = min_n if min_n is not None else (standards.min_n if standards else 10)
    basis = basis or (standards.basis if standards else "shrunk")
    if min_n < 1:
        raise UsageError(f"min_n must be at least 1, got {min_n}")
    if basis not in ("shrunk", "raw", "interval"):
        raise UsageError(f"basis must be shrunk, raw or interval, got '{basis}'")
    refs = _measures(inst, measures, standards)
    options = {} if chunk_size is None else {"chunk_size": chunk_size}
    results = analyze(data, inst, by=[unit] if parent is None else [unit, parent], lang=lang, min_n=1,
                      confidence=confidence, mapping=mapping, sheet=sheet, quality=quality, **options)
    names = results.data["options"]["by"]
    parent_of = _parents(data, inst, names, mapping, sheet) if parent is not None else None
    block, notes = scorecard_block(results.data, inst, names[0], parent_of, refs, standards,
                                   min_n=min_n, basis=basis, confidence=confidence, lang=lang,
                                   parent_name=names[1] if parent is not None else None)
    results.data["scorecard"] = block
    results.data["notes"] += notes
    return results


def parse_measure(text: str) -> MeasureRef:
    """``gap:reliability`` -> MeasureRef("gap", dimension="reliability"); ``nps:recommend``
    -> MeasureRef("nps", outcome="recommend"); ``servqual`` -> MeasureRef("servqual")."""
    measure, _, what = str(text).partition(":")
    if measure not in MEASURES:
        raise UsageError(f"unknown measure '{text}' (choose one of {', '.join(MEASURES)}, "
                         "with ':<dimension>' or ':<outcome>' where needed)")
    what = what or None
    if measure in DIMENSION_MEASURES:
        return MeasureRef(measure, dimension=what)
    if measure in OUTCOME_MEASURES:
        return MeasureRef(measure, outcome=what)
    if what:
        raise UsageError(f"measure '{measure}' takes no dimension or outcome, got '{text}'")
    return MeasureRef(measure)


def _measures(inst: Instrument, measures, standards: Standards | None) -> list[MeasureRef]:
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


def _parents(data, inst: Instrument, names: list[str], mapping, sheet) -> dict[str, str]:
    """Unit value -> its parent value, from the two columns only; a unit under two
    parents (or none) is a DataError naming it."""
    source = source_of(data, sheet)
    file = str(source.path)
    mapping = mapping if isinstance(mapping, Mapping) else load_mapping(mapping)
    cols = resolve_by(resolve_layout(inst, source.columns, mapping, file), names, file)
    labels = {name: label_map(source, col) or {} for name, col in cols.items()}
    seen: dict[str, set[str]] = {}
    for chunk in source.chunks(columns=list(cols.values()), chunk_size=DEFAULT_CHUNK):
        pairs = pa.table({"u": as_text(chunk.column(cols[names[0]])), "p": as_text(chunk.column(cols[names[1]]))})
        for row in pairs.group_by(["u", "p"]).aggregate([]).to_pylist():
            if row["u"] is None:
                continue
            u = labels[names[0]].get(row["u"], row["u"])
            found = seen.setdefault(u, set())
            if row["p"] is not None:
                found.add(labels[names[1]].get(row["p"], row["p"]))
    problems = []
    for u, parents in sorted(seen.items(), key=lambda kv: natural_key(kv[0])):
        if len(parents) != 1:
            where = (f"appears under {len(parents)} values of '{names[1]}': {', '.join(sorted(parents, key=natural_key))}"
                     if parents else f"has no value in '{names[1]}'")
            problems.append(Problem(f"{names[0]} '{u}' {where}; each {names[0]} needs exactly one {names[1]}",
                                    file=file, column=names[1]))
    if problems:
        raise DataError(f"{file}: '{names[0]}' is not nested in '{names[1]}'", problems)
    return {u: next(iter(p)) for u, p in seen.items()}


# --------------------------------------------------------------------------- from the results


def unit_stat(segment: dict, ref: MeasureRef) -> tuple[int, float, float]:
    """(n, mean, SD) of ``ref`` in one segment block of the results; n = 0 when absent."""
    stat = None
    m = ref.measure
    if ref.dimension is not None:
        dim = next((d for d in segment.get("dimensions") or [] if d["id"] == ref.dimension), {})
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


def scorecard_block(results: dict, inst: Instrument, unit: str, parent_of: dict[str, str] | None,
                    refs: list[MeasureRef], standards: Standards | None, *, min_n: int, basis: str,
                    confidence: float, lang: str, parent_name: str | None = None) -> tuple[dict, list[str]]:
    """The ``scorecard`` block of the results and notes, from results analysed by ``unit``."""
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
