"""Sums -> Results: every figure of an analysis from its accumulated statistics.

The summary figures (scores, gaps, zones, segments) are made first and then handed,
read-only and complete, to each measure (comparisons, drivers, importance–performance,
levels, Kano, instrument quality, economics, trends); the Results are made once, from
all the blocks, and do not change afterwards.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

from threadpoolctl import threadpool_limits

from .. import __version__
from ..io.periods import period_order
from ..io.readers import natural_key
from ..measures import summarize as fig
from ..measures.compare import comparisons
from ..measures.focus import bootstrap_drivers, ipa, joint_verdicts, key_drivers
from ..measures.kano import kano_block
from ..measures.levels import benchmark, levels
from ..measures.scores import Scorer
from ..stats.moments import Moments
from ..stats.polychoric import Polychoric, ScoreCrossproducts
from .plan import PERIOD, Plan
from .results import Results
from .sums import Counts, Sums

SCHEMA_VERSION = "1.0"


def finish(sums: Sums, plan: Plan,
           rescore: Callable[[Mapping[int | None, Polychoric]], Mapping[int | None, ScoreCrossproducts]] | None = None,
           ) -> Results:
    """The Results of accumulated ``sums`` (:func:`~servq.analysis.accumulate.accumulate`,
    :func:`~servq.analysis.sums.merge`) under ``plan``.

    Parameters
    ----------
    sums : Sums
    plan : Plan
        The plan the sums were accumulated with (its options say what to compute).
    rescore : callable, optional
        With ``ordinal``: ``rescore(fits)`` reads the rows again for WLSMV's second pass
        (:func:`~servq.analysis.accumulate.score_pass` of ``fits`` keyed as ``sums.ordinal``);
        without it the ordinal CFA is DWLS and measurement invariance that of the items as numbers.

    Returns
    -------
    Results
    """
    opts, inst, scorer = plan.options, plan.instrument, plan.scorer
    names = list(plan.segments)
    ids = {g: i + 1 for i, g in enumerate(sums.groups)}
    overall = Moments.join(sums.items, sums.floats.select_groups([0]))
    blank_periods = sums.unknown.get(PERIOD, 0)

    core = _core(plan, scorer, overall, sums, ids, names)
    notes: list[str] = list(core.pop("notes"))
    view = MappingProxyType(core)  # what the measures read: complete, and not theirs to change
    blocks: dict[str, Any] = dict.fromkeys(("reliability", "cfa", "validity", "invariance"))
    blocks["comparisons"] = comparisons(view, opts.compare, opts.adjust)
    drivers, more = key_drivers(inst, dict(sums.drivers), opts.lang)
    notes += more
    if opts.boot and drivers:
        bootstrap_drivers(drivers, sums.boot, boot=opts.boot, seed=opts.seed, confidence=opts.confidence)
    blocks["drivers"] = drivers
    blocks["ipa"], more = ipa(MappingProxyType({**core, "drivers": drivers}), inst, importance=opts.ipa_importance,
                              performance=opts.ipa_performance, crosshair=opts.ipa_crosshair)
    notes += more
    blocks["levels"], blocks["benchmark"] = levels(view, inst), benchmark(view, inst)
    blocks["kano"] = kano_block(inst, sums.kano, {name: {v: ids[(name, v)] for v in core["segments"][name]}
                                                  for name in names}, opts.lang, opts.min_n)
    part = plan.assessed
    if part is not None and None in sums.cross:
        label = {g: sums.groups[g - 1][1] for g in sums.cross if g is not None}
        split = {label[g]: cm for g, cm in sums.cross.items() if g is not None}
        from ..measures.quality import assess  # on use: it loads pandas and SciPy's optimisers

        with threadpool_limits(limits=1, user_api="blas"):  # small matrices: threads only spin
            quality, more = assess(inst, part, sums.cross[None], sums.counts.rows, opts.lang, split,
                                   plan.invariance, totals=sums.totals, ordinal=sums.ordinal.get(None),
                                   ordinal_groups={label[g]: t for g, t in sums.ordinal.items() if g is not None},
                                   rescore=None if rescore is None else _relabelled(rescore, label))
        blocks.update(quality)
        notes += more
        if isinstance(blocks.get("validity"), dict):  # one verdict for dimensions customers do not tell apart
            blocks["ipa"] = joint_verdicts(blocks["ipa"], blocks["validity"].get("not_separated") or [])
    blocks["economics"] = None
    blocks["complaints"] = None  # a complaints register's block: servq.complaints.analytics.with_register
    if opts.economics is not None:
        from ..measures.economics import economics_block

        blocks["economics"] = economics_block(opts.economics, MappingProxyType({**core, **blocks}), opts.complaints)
    blocks["trends"] = None
    if opts.period and plan.period:
        blocks["trends"] = _trends(plan, scorer, sums, ids, blank_periods, opts.period, plan.period[0])
        if blank_periods:
            notes.append(f"{blank_periods} respondent(s) have no value in '{plan.period[0]}' "
                         "and are left out of the trends")
    return Results({**core, **blocks, "notes": notes}, overall, sums.cross.get(None))


def _relabelled(rescore: Callable, label: dict[int, str]) -> Callable:
    """``rescore`` (fits and scores keyed by group number) keyed by the group's value, as
    :func:`~servq.measures.quality.assess` names the groups."""
    number = {v: g for g, v in label.items()}

    def by_label(fits: Mapping) -> dict:
        scores = rescore({None if g is None else number[g]: fit for g, fit in fits.items()})
        return {None if g is None else label[g]: j for g, j in scores.items()}

    return by_label


UNUSED_END_ANSWERS = 100  # answers from which an end of the scale nobody chose suggests another scale


def _unused_end(counts: Counts) -> str | None:
    """``"high"`` (``"low"``) when no item answer lies at the scale's highest (lowest)
    point though the other end is used, over enough answers: a 6-point file read on a
    7-point scale, say. None when both ends are used, or they were not counted."""
    if counts.cells - counts.blank - counts.dont_know < UNUSED_END_ANSWERS or bool(counts.low_end) == bool(counts.high_end):
        return None
    return "high" if counts.low_end else "low"


def _core(plan: Plan, scorer: Scorer, overall: Moments, sums: Sums, ids: dict, names: list[str]) -> dict:
    """The summary figures: instrument, source, counts, scores of all respondents and of
    every segment."""
    inst, opts, counts = plan.instrument, plan.options, sums.counts
    lang = opts.lang
    s = fig.Summary(overall, scorer, opts.confidence)
    out: dict = {
        "schema_version": SCHEMA_VERSION,
        "servq_version": __version__,
        "generated_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "instrument": {"id": inst.id, "name": inst.name.get(lang), "version": inst.version,
                       "parts": [p.value for p in inst.parts],
                       "scale": {"min": inst.scale.min, "max": inst.scale.max, "unused_end": _unused_end(counts)},
                       "has_importance": bool(plan.layout.weights)},
        "source": {"file": plan.source_path, "format": plan.source_format, "rows": counts.rows},
        "options": {"by": names, "min_n": opts.min_n, "confidence": opts.confidence, "lang": lang,
                    "compare": opts.compare, "adjust": opts.adjust, "labels": opts.labels},
        "n_respondents": counts.rows,
        "missing": {"cells": counts.cells, "blank": counts.blank, "dont_know": counts.dont_know},
        "dimensions": fig.dimensions(s, 0, inst, lang),
        "items": fig.items(s, 0, inst, lang),
        "servqual": fig.servqual(s, 0),
        "servperf": s.stat_or_none(0, "servperf"),
        "outcomes": fig.outcomes(s, 0, inst, lang),
        "segments": {},
        "notes": _notes(plan, sums),
    }
    if names:
        full = _expand(sums.floats.grown(sums.n_groups), scorer)
        seg = fig.Summary(full, scorer, opts.confidence)
        for name in names:
            values = sorted((v for (n, v) in sums.groups if n == name), key=natural_key)
            out["segments"][name] = {v: fig.segment(seg, ids[(name, v)], inst, lang, opts.min_n) for v in values}
    return out


def _trends(plan: Plan, scorer: Scorer, sums: Sums, ids: dict, blank: int, kind: str, column: str) -> dict:
    from ..measures.trends import tracked, trends

    opts = plan.options
    periods = {v: g for (name, v), g in ids.items() if name == PERIOD}
    labels = period_order(periods)
    chosen = [periods[v] for v in labels] or [0]  # group 0 (everyone) stands in when no row has a period
    moments = _expand(sums.floats.grown(sums.n_groups).select_groups(chosen), scorer)
    s = fig.Summary(moments, scorer, opts.confidence)
    return trends(s, [(v, i) for i, v in enumerate(labels)], tracked(plan.instrument, scorer.names, opts.lang),
                  kind=kind, column=column, blank=blank, min_n=opts.min_n, confidence=opts.confidence)


def _expand(m: Moments, scorer: Scorer) -> Moments:
    """Segment moments (no item variables) laid out over all variables, items empty."""
    groups = m.n.shape[0]
    return Moments.join(Moments.empty(len(scorer.item_shift), groups, scorer.item_shift), m)


def _notes(plan: Plan, sums: Sums) -> list[str]:
    notes = []
    if plan.layout.ignored:
        notes.append(f"columns not used by this instrument: {', '.join(plan.layout.ignored)}")
    for name, count in sums.unknown.items():
        if count and name != PERIOD:
            notes.append(f"{count} respondent(s) have no value in segment column '{name}' and appear in no '{name}' segment")
    end = _unused_end(sums.counts)
    if end:
        low, high = plan.instrument.scale.min, plan.instrument.scale.max
        unused, fewer = (high, f"{low}:{high - 1}") if end == "high" else (low, f"{low + 1}:{high}")
        notes.append(f"no answer uses {unused}, the {'top' if end == 'high' else 'bottom'} of the {low}-{high} scale: if the "
                     f"questionnaire had one point fewer, analyse with --scale {fewer} (the scale's midpoint, top boxes and "
                     "the report's axes depend on it)")
    return notes
