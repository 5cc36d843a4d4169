"""Fair scorecards of units (employees, teams, branches): the analysis by the unit column
and the scorecard of its segments (the arithmetic: :mod:`servq.measures.scorecard`)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

from ..errors import DataError, Problem, UsageError
from ..instruments import Instrument, load_instrument
from ..io.arrow import as_text
from ..io.columns import resolve_by, resolve_layout
from ..io.readers import DEFAULT_CHUNK, label_map, natural_key
from ..measures.scorecard import scorecard_block, scorecard_measures
from ..measures.standards import MeasureRef, Standards, load_standards, measure_problems
from .analyze import analyze
from .options import AnalysisOptions
from .results import Results


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
    options: AnalysisOptions | None = None,
    **changes: Any,
) -> Results:
    """Analyse ``data`` and add a fair scorecard of the units of column ``unit``.

    Parameters
    ----------
    data, instrument
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
    options, **changes
        The analysis' options (:class:`AnalysisOptions`: ``lang``, ``confidence``,
        ``mapping``, ``quality``, ...); every unit is shown whatever its n (``min_n`` here
        is the scorecard's).

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
    inst = load_instrument(instrument)
    opts = AnalysisOptions.of(options, **changes)
    settings = ScorecardSettings.of(inst, unit, parent, standards, measures, min_n, basis)
    results = analyze(data, inst, options=settings.analysis_options(opts))
    names = results.data["options"]["by"]
    parent_of = nested(_pairs(data, inst, names, opts), names, str(opts.source(data).path)) \
        if parent is not None else None
    return add_scorecard(results, inst, settings, parent_of)


@dataclass(frozen=True)
class ScorecardSettings:
    """A scorecard's settings, checked before any row is read (:meth:`of`)."""

    unit: str
    parent: str | None
    standards: Standards | None
    refs: tuple[MeasureRef, ...]
    min_n: int
    basis: str

    @classmethod
    def of(cls, inst: Instrument, unit: str, parent: str | None, standards: str | Path | Standards | None,
           measures: Sequence[str | MeasureRef] | None, min_n: int | None, basis: str | None) -> ScorecardSettings:
        """The settings of :func:`scorecard`'s arguments; a wrong one is a UsageError."""
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
        return cls(unit, parent, standards, tuple(scorecard_measures(inst, measures, standards)), min_n, basis)

    def analysis_options(self, opts: AnalysisOptions) -> AnalysisOptions:
        """The analysis behind the scorecard: by the unit (and parent), every unit shown."""
        return opts.replace(by=[self.unit] if self.parent is None else [self.unit, self.parent], min_n=1)


def add_scorecard(results: Results, instrument: str | Path | Instrument, settings: ScorecardSettings,
                  parent_of: dict[str, str] | None = None) -> Results:
    """``results`` (an analysis with :meth:`ScorecardSettings.analysis_options`, by any
    engine) with the ``scorecard`` block; ``parent_of`` maps each unit to its parent
    (:func:`nested`)."""
    inst = load_instrument(instrument)
    names = results.data["options"]["by"]
    opts = results.data["options"]
    block, notes = scorecard_block(results.data, inst, names[0], parent_of, list(settings.refs), settings.standards,
                                   min_n=settings.min_n, basis=settings.basis, confidence=opts["confidence"],
                                   lang=opts["lang"], parent_name=names[1] if settings.parent is not None else None)
    return results.with_blocks(scorecard=block, notes=notes)


def nested(pairs: Iterable[tuple[str | None, str | None]], names: Sequence[str], file: str) -> dict[str, str]:
    """Unit value -> its parent value, from the distinct (unit, parent) pairs of the data;
    a unit under two parents (or none) is a DataError naming it."""
    seen: dict[str, set[str]] = {}
    for u, p in pairs:
        if u is None:
            continue
        found = seen.setdefault(u, set())
        if p is not None:
            found.add(p)
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


def _pairs(data, inst: Instrument, names: list[str], opts: AnalysisOptions) -> Iterator[tuple[str | None, str | None]]:
    """The distinct (unit, parent) pairs of the data, read from the two columns only, with
    their value labels (SPSS)."""
    source = opts.source(data)
    file = str(source.path)
    cols = resolve_by(resolve_layout(inst, source.columns, opts.column_mapping, file), names, file)
    labels = {name: label_map(source, col) or {} for name, col in cols.items()}
    for chunk in source.chunks(columns=list(cols.values()), chunk_size=DEFAULT_CHUNK):
        pairs = pa.table({"u": as_text(chunk.column(cols[names[0]])), "p": as_text(chunk.column(cols[names[1]]))})
        for row in pairs.group_by(["u", "p"]).aggregate([]).to_pylist():
            u, p = row["u"], row["p"]
            yield (None if u is None else labels[names[0]].get(u, u)), (None if p is None else labels[names[1]].get(p, p))
