"""The one entry point: data + instrument (+ options) -> :class:`~servq.analysis.results.Results`.

The CLI, the web app and the library all call :func:`analyze` (or its three steps, see
:mod:`servq.analysis.accumulate`), so they show the same numbers. Data flow: file -> Arrow
chunks -> validated answers -> per-respondent scores -> sums per group (merged by
addition) -> figures.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ..errors import DataError
from ..instruments import Instrument, load_instrument
from ..io.arrow import is_number
from ..io.readers import label_map, skipped_answers, with_sheet_hint
from .accumulate import accumulate, score_pass
from .finish import finish
from .options import AnalysisOptions
from .plan import plan_for
from .preload import preload
from .results import Results


def analyze(data: Any, instrument: str | Path | Instrument, by: str | Sequence[str] | None = None, *,
            options: AnalysisOptions | None = None, progress: Callable[[int, int], None] | None = None,
            **changes: Any) -> Results:
    """Analyse survey answers with an instrument.

    Parameters
    ----------
    data : path, pandas.DataFrame or pyarrow.Table
        Answers, one row per respondent (CSV, XLSX, Parquet or SPSS .sav when a path);
        columns follow the convention in docs/data.md or the ``mapping`` option. The column
        names of a CSV file or a sheet are on its row ``header_row`` (default 1) and the
        answers start on row ``first_row`` (default: the next), options both.
    instrument : str, path or Instrument
        A catalog id (``"servqual"``), a YAML file, or a loaded instrument.
    by : str or list of str, optional
        Segment columns to break the results down by (each separately).
    options : AnalysisOptions, optional
        Every other option at once; keyword arguments change single ones (``lang="sv"``,
        ``quality=False``, ``period="month"``, ...): see :class:`AnalysisOptions`.
    progress : callable, optional
        With the bootstrap (``boot``), called as ``progress(done, total)`` with the rows
        resampled so far and the data's rows, when the data say how many (Parquet, SPSS,
        tables).

    Returns
    -------
    Results

    Raises
    ------
    servq.errors.DataError
        The data do not match the instrument; every problem is listed (file, row,
        column, value) and nothing is computed. A row that ``first_row`` skips holding
        answers is one: skipping never drops a respondent unsaid.
    servq.errors.UsageError
        A wrong option: unknown instrument, unknown ``by`` column, unreadable file.

    Examples
    --------
    >>> import servq
    >>> table = servq.simulate("servqual", 300, seed=1)
    >>> res = servq.analyze(table, "servqual", by="branch")
    >>> res.n_respondents
    300
    """
    if by is not None:
        changes["by"] = by
    opts = AnalysisOptions.of(options, **changes)
    inst = load_instrument(instrument)
    source = opts.source(data)
    file = str(source.path)
    try:
        plan = plan_for(inst, source.columns, opts, file=file, labels=lambda column: label_map(source, column),
                        source_format=source.format, source_path=None if source.format == "table" else file,
                        first_row=source.first_row)
    except DataError as exc:  # the columns do not match: the answers may be on another sheet
        raise with_sheet_hint(exc, source) from None
    mapped = plan.options.column_mapping.values
    skipped_answers(source, list(plan.layout.answers.values()), lambda text: is_number(text) or text in mapped)
    id_column = plan.layout.respondent_id
    if plan.assessed is not None:
        preload("servq.measures.quality")  # finish() needs it: imported while the rows are read

    def reread_ids():  # the duplicate-id check's second look, when an id may repeat
        return source.chunks(columns=[str(id_column)], chunk_size=opts.chunk_size)

    chunks = source.chunks(columns=plan.columns(), chunk_size=opts.chunk_size,
                           dictionary=[c for c in plan.segments.values() if c])
    total = source.rows
    rows_done = (lambda done: progress(done, total)) if progress is not None and total and opts.boot else None
    sums = accumulate(chunks, plan, reread_ids=reread_ids if id_column is not None else None, progress=rows_done)

    def rescore(fits):  # WLSMV's second pass over the same rows (analyze --ordinal)
        return score_pass(source.chunks(columns=plan.columns(), chunk_size=opts.chunk_size,
                                        dictionary=[c for c in plan.segments.values() if c]), plan, fits, sums.groups)

    return finish(sums, plan, rescore=rescore if opts.ordinal else None)
