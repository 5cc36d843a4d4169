"""The plan of an analysis: what is read and computed, fixed before the first row."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import pyarrow as pa

from ..errors import UsageError
from ..instruments import Instrument, Part, load_instrument
from ..io.columns import Layout, resolve_by, resolve_layout
from ..io.periods import DEFAULT_COLUMN
from ..io.validate import Validator
from ..measures.scores import Scorer
from ..stats.moments import Moments
from .options import AnalysisOptions
from .sums import Sums

WORKERS = max(1, min(4, os.cpu_count() or 1))  # threads for chunks and resamples
PERIOD = "<period>"  # the segment name of the derived period grouping


def quality_part(inst: Instrument) -> Part:
    """The answers whose psychometric quality is assessed: perceptions where asked (the
    measure every instrument in the catalog is about), else the first part."""
    return Part.perception if Part.perception in inst.parts else inst.parts[0]


@dataclass(frozen=True)
class Plan:
    """What an analysis reads and computes, fixed before the first row (:func:`plan_for`).

    ``segments`` maps each segment name of the results to the column it is read from
    (empty strings when the rows come already grouped, as in the dashboard);
    ``labels`` the value labels of those columns (SPSS), by segment name; ``period`` the
    (name, column) of the trends' period; ``file``, ``source_format`` and ``source_path``
    describe the data in problems and in the results' ``source`` block; ``first_row`` is
    the spreadsheet row of the data's first answer row (2 unless the file's column names are
    not on row 1 or rows follow them: :attr:`servq.io.readers.Source.first_row`); ``stream``
    numbers the file among the files of one data set (in a Spark job; 0 otherwise): with a
    row's number in its file, it fixes the row's bootstrap weights.
    """

    instrument: Instrument
    layout: Layout
    options: AnalysisOptions
    segments: Mapping[str, str] = field(default_factory=dict)
    labels: Mapping[str, Mapping[str, str] | None] = field(default_factory=dict)
    period: tuple[str, str] | None = None
    invariance: str | None = None
    file: str = "data"
    source_format: str = "table"
    source_path: str | None = None
    stream: int = 0
    first_row: int = 2
    scorer: Scorer = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "scorer", Scorer(self.instrument))  # derived once from the instrument

    @property
    def assessed(self) -> Part | None:
        """The part whose items' cross-products are accumulated (None: no quality checks)."""
        return quality_part(self.instrument) if self.options.quality else None

    def validator(self, reread_ids: Callable[[], Iterable[pa.Table]] | None = None) -> Validator:
        """A fresh validator of this plan's rows."""
        return Validator(self.instrument, self.layout, {n: c for n, c in self.segments.items() if c},
                         self.options.column_mapping, self.file, self.options.max_problems, reread_ids, self.first_row)

    def columns(self) -> list[str]:
        """The columns the analysis reads, in the data's names."""
        wanted = [*self.layout.numeric_columns(), *(c for c in self.segments.values() if c)]
        if self.layout.respondent_id is not None:
            wanted.append(self.layout.respondent_id)
        if self.period:
            wanted.append(self.period[1])
        return list(dict.fromkeys(wanted))

    def with_options(self, **changes) -> Plan:
        """The same plan with options changed; segment names given in ``by`` are taken
        as they are (rows already grouped by the caller, as in the dashboard)."""
        options = self.options.replace(**changes)
        segments = {name: self.segments.get(name, "") for name in options.by}
        return replace(self, options=options, segments=segments)


def plan_for(instrument: str | Path | Instrument, columns: Sequence[str], options: AnalysisOptions | None = None, *,
             file: str = "data", labels: Callable[[str], Mapping[str, str] | None] | None = None,
             source_format: str = "table", source_path: str | None = None, first_row: int = 2) -> Plan:
    """The plan of an analysis of data with these ``columns``.

    Parameters
    ----------
    instrument : str, path or Instrument
        A catalog id, a YAML file or a loaded instrument.
    columns : sequence of str
        The data's column names (its header).
    options : AnalysisOptions, optional
        Default: the defaults.
    file : str
        How problems name the data.
    labels : callable, optional
        ``labels(column)``: the value labels of a segment column, or None.
    source_format, source_path : str
        For the results' ``source`` block.
    first_row : int
        The spreadsheet row of the data's first answer row, for problems.

    Raises
    ------
    servq.errors.UsageError
        The columns do not fit the instrument, a ``by`` or period column is missing.
    """
    options = options or AnalysisOptions()
    inst = load_instrument(instrument)
    if options.scale is not None:
        inst = inst.on_scale(*options.scale)
    layout = resolve_layout(inst, list(columns), options.column_mapping, file)
    segments = resolve_by(layout, list(options.by), file)
    period = _period_column(layout, options.period, options.period_column, file) if options.period else None
    invariance = next(iter(resolve_by(layout, [options.invariance], file))) if options.invariance else None
    found = {name: (labels(col) if labels else None) for name, col in segments.items()}
    return Plan(inst, layout, options, segments, found, period, invariance, file, source_format, source_path,
                first_row=first_row)


def _period_column(layout: Layout, kind: str, column: str | None, file: str) -> tuple[str, str]:
    """(name, source column) of the period's column, resolved like a ``by`` column."""
    name = column or DEFAULT_COLUMN[kind]
    try:
        return next(iter(resolve_by(layout, [name], file).items()))
    except UsageError as exc:
        raise UsageError(f"{exc} — name the {'wave' if kind == 'wave' else 'date'} column with "
                         "period_column (--period-column)") from None


def empty_sums(plan: Plan) -> Sums:
    """The Sums of no rows."""
    scorer = plan.scorer
    return Sums(Moments.empty(len(scorer.item_shift), shift=scorer.item_shift),
                Moments.empty(len(scorer.float_shift), n_groups=1, shift=scorer.float_shift))
