"""servq's analysis on Apache Spark: the same engine, run inside the executors.

Each partition of the data is validated and accumulated into
:class:`~servq.analysis.Sums` by :func:`servq.analysis.accumulate` in an executor
(``mapInArrow``); only the Sums (a few hundred KiB, whatever the rows) and the problems
found cross the network. They are merged with :func:`servq.analysis.merge` in the order
of their partition ids — in the executors, a range of partitions at a time, then the at
most :data:`GROUPS` partial sums on the driver — and finished with
:func:`servq.analysis.finish`, so the figures are those of ``servq.analyze`` on the same
rows, the same in every run. Repeated respondent ids are found
with a Spark aggregation over the whole data, each named with both rows; every problem
names its file and row (:mod:`servq.spark.reading`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import pyarrow as pa

from ..analysis import AnalysisOptions, Plan, Results, Sums, accumulate, finish, merge, plan_for
from ..analysis.plan import empty_sums
from ..analysis.scorecard import ScorecardSettings, add_scorecard, nested
from ..errors import DataError, Problem, UsageError
from ..instruments import Instrument, load_instrument
from ..io.arrow import as_text
from .reading import (
    FILE,
    ROW,
    file_format,
    problems_from_bytes,
    problems_to_bytes,
    read,
    repeated_ids,
    runs,
    session,
    whole_files,
    with_places,
)

RESULT_SCHEMA = "partition long, sums binary, problems binary"
_RESULT_ARROW = pa.schema([("partition", pa.int64()), ("sums", pa.binary()), ("problems", pa.binary())])
GROUPS = 32  # the most partial results the driver receives
PART_ROWS = 1 << 20  # rows of a partition accumulated at once (one validation, one pipeline)


def analyze(data: Any, instrument: str | Path | Instrument, by=None, *, options: AnalysisOptions | None = None,
            spark=None, master: str | None = None, **changes: Any) -> Results:
    """:func:`servq.analyze` on Spark: ``data`` a Spark DataFrame, or a path or URI Spark
    reads (Parquet or CSV files, a directory, a glob).

    Parameters
    ----------
    data : pyspark.sql.DataFrame, str or path
    instrument : str, path or Instrument
    by : str or list of str, optional
    options : AnalysisOptions, optional
        As :func:`servq.analyze`; keyword arguments change single options.
    spark : SparkSession, optional
        Default: :func:`session` of ``master``.
    master : str, optional
        Spark master URL or ``sc://`` Spark Connect address.

    Returns
    -------
    Results
        The figures of ``servq.analyze`` on the same rows.

    Raises
    ------
    servq.errors.DataError
        Problems in the rows (file, row, column, value), at most ``max_problems`` listed.
    servq.errors.UsageError
        A wrong option, an unreadable path, an unreachable master.
    """
    if by is not None:
        changes["by"] = by
    opts = AnalysisOptions.of(options, **changes)
    if opts.ordinal:
        raise UsageError("--ordinal runs on the local engine: the items' contingency tables are not sent between "
                         "Spark workers yet")
    names_on_the_first_line(opts)
    inst = load_instrument(instrument)
    if isinstance(data, (str, Path)):
        spark = spark or session(master)
        df, name, fmt = read(spark, str(data)), str(data), file_format(str(data))
    else:
        df, name, fmt = with_places(data), "<Spark DataFrame>", "spark"
    columns = [c for c in df.columns if c not in (FILE, ROW)]
    plan = plan_for(inst, columns, opts, file=name, source_format=fmt,
                    source_path=None if fmt == "spark" else name)
    ids = plan.layout.respondent_id
    # repeated ids are found over all the data below, not per partition
    part_plan = replace(plan, layout=replace(plan.layout, respondent_id=None))
    wanted = [*part_plan.columns(), FILE, ROW]
    streams = _streams(df) if opts.boot and fmt != "spark" else {}
    with whole_files(df.sparkSession, fmt == "csv"):
        parts = df.select(*wanted).mapInArrow(_partition_job(part_plan, streams), RESULT_SCHEMA)
        # the partitions' sums merged in the executors, in at most GROUPS ranges of partition
        # ids, so that the driver receives at most GROUPS of them however many partitions
        groups = parts.repartitionByRange(GROUPS, "partition").mapInArrow(_merge_job(opts.max_problems), RESULT_SCHEMA)
        merged = _merged(groups.collect(), opts.max_problems)
        repeats, repeated = ([], 0) if ids is None else repeated_ids(df, ids, opts.max_problems, "respondent id repeated",
                                                                     counted=fmt != "parquet")
    sums, problems, total_problems = merged
    problems += repeats
    total_problems += repeated
    if not total_problems and (sums is None or sums.counts.rows == 0):
        problems.append(Problem("the data have no answer rows", file=name))
        total_problems += 1
    if total_problems or sums is None:
        problems.sort(key=lambda p: (p.file or "", p.row or 0))
        raise DataError(f"{name}: {total_problems} problem(s) found; no results were produced",
                        problems[:opts.max_problems], total_problems)
    return finish(sums, plan)


def scorecard(data: Any, instrument: str | Path | Instrument, unit: str, parent: str | None = None, standards=None, *,
              measures=None, min_n: int | None = None, basis: str | None = None,
              options: AnalysisOptions | None = None, spark=None, master: str | None = None,
              **changes: Any) -> Results:
    """:func:`servq.scorecard` on Spark: the analysis by ``unit`` (and ``parent``) from the
    executors' sums (:func:`analyze`), the units' parents from the distinct (unit, parent)
    pairs, and the scorecard of :func:`servq.analysis.scorecard.add_scorecard`.

    Parameters
    ----------
    data : pyspark.sql.DataFrame, str or path
    instrument : str, path or Instrument
    unit, parent, standards, measures, min_n, basis
        As :func:`servq.scorecard`.
    options : AnalysisOptions, optional
    spark : SparkSession, optional
    master : str, optional

    Returns
    -------
    Results
        The figures of ``servq.scorecard`` on the same rows.
    """
    inst = load_instrument(instrument)
    opts = AnalysisOptions.of(options, **changes)
    settings = ScorecardSettings.of(inst, unit, parent, standards, measures, min_n, basis)
    names_on_the_first_line(opts)
    if isinstance(data, (str, Path)):
        spark = spark or session(master)
        data = str(data)
    results = analyze(data, inst, options=settings.analysis_options(opts), spark=spark)
    parent_of = None
    if parent is not None:
        df = read(spark, data) if isinstance(data, str) else data
        name = data if isinstance(data, str) else "<Spark DataFrame>"
        plan = plan_for(inst, [c for c in df.columns if c not in (FILE, ROW)], settings.analysis_options(opts),
                        file=name)
        names = list(plan.segments)
        columns = [plan.segments[n] for n in names]
        pairs = df.select(*columns).mapInArrow(_pairs_job(columns), "u string, p string").distinct().collect()
        parent_of = nested(((r["u"], r["p"]) for r in pairs), names, name)
    return add_scorecard(results, inst, settings, parent_of)


def names_on_the_first_line(opts: AnalysisOptions) -> None:
    """A UsageError when ``opts`` read the column names below row 1 or the answers below
    row 2 (``header_row``, ``first_row``): Spark reads a CSV file's names on its first line."""
    if opts.header_row != 1 or opts.first_row not in (None, 2):
        raise UsageError("--header-row and --first-row work with the local engine only: Spark reads CSV files with "
                         "their column names on the first line and the answers below them")


def _pairs_job(columns: list[str]):
    """The distinct (unit, parent) pairs of a partition, as text as the analysis reads them."""
    def job(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            pairs = pa.table({"u": as_text(batch.column(columns[0])), "p": as_text(batch.column(columns[1]))})
            yield from pairs.group_by(["u", "p"]).aggregate([]).to_batches()

    return job


def _merged(rows, max_problems: int) -> tuple[Sums | None, list[Problem], int]:
    """The Sums of result rows merged in the order of their partition ids (the same order,
    and so the same rounding, every run), or their problems (capped) and their count."""
    sums: Sums | None = None
    problems: list[Problem] = []
    count = 0
    for row in sorted(rows, key=lambda r: r["partition"]):
        if row["problems"]:
            found, n = problems_from_bytes(row["problems"])
            problems += found[:max(0, max_problems - len(problems))]
            count += n
        elif row["sums"] is not None and not count:
            part = Sums.from_bytes(row["sums"])
            sums = part if sums is None else merge(sums, part)
    return sums, problems, count


def _merge_job(max_problems: int):
    """The function that merges a range of partitions' results in an executor."""
    def job(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        rows = [row for batch in batches for row in batch.to_pylist()]
        if not rows:
            return
        sums, problems, count = _merged(rows, max_problems)
        first = min(r["partition"] for r in rows)
        out = {"partition": [first], "sums": [None], "problems": [None]}
        if count:
            out["problems"] = [problems_to_bytes(problems, count)]
        elif sums is not None:
            out["sums"] = [sums.to_bytes()]
        yield pa.RecordBatch.from_pydict(out, schema=_RESULT_ARROW)

    return job


def _streams(df) -> dict[str, int]:
    """Each input file's number in the sorted list of them: the bootstrap's stream of its
    rows, the same however the files are split into partitions."""
    return {key: i for i, key in enumerate(sorted({_file_key(f) for f in df.inputFiles()}))}


def _file_key(uri: str) -> str:
    """A file's name as both Spark's file list and its rows' ``_metadata`` spell it."""
    parsed = urlparse(uri)
    return unquote(parsed.path if parsed.scheme in ("", "file") else uri)


def _stream(streams: dict[str, int], file: str, partition: int) -> int:
    """The bootstrap stream of a file's rows: its number among the input files; a
    DataFrame's rows (no files) are numbered within their partition, so its partition's."""
    if not streams:
        return partition
    key = _file_key(file)
    if key in streams:
        return streams[key]
    # not in Spark's list of files (it is best-effort): a number of its own, from its name
    return len(streams) + int.from_bytes(hashlib.blake2b(key.encode(), digest_size=6).digest(), "big")


def _partition_job(plan: Plan, streams: dict[str, int]):
    """The function each executor runs over its partition's Arrow batches."""
    def job(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        import pyspark

        partition = pyspark.TaskContext.get().partitionId()
        plans: dict[str, Plan] = {}
        sums: Sums | None = None
        problems: list[Problem] = []
        count = 0
        counted: dict[str, int] = {}  # rows seen so far of each file without a row index
        pending: list[pa.RecordBatch] = []  # consecutive rows of one file, accumulated at once
        where = ("", 0, 0)  # their file, first row and the row after them

        def flush() -> None:
            nonlocal sums, count
            if not pending:
                return
            file = where[0]
            if file not in plans:
                plans[file] = replace(plan, file=file, stream=_stream(streams, file, partition))
            try:
                got = accumulate(pending, plans[file], first_row=where[1])
            except DataError as exc:
                problems.extend(exc.problems)
                count += exc.total
            else:
                sums = got if sums is None else merge(sums, got)
            pending.clear()

        for batch in batches:
            for part, file, first in runs(batch, counted):
                if pending and (file != where[0] or first != where[2] or where[2] - where[1] >= PART_ROWS):
                    flush()
                if not pending:
                    where = (file, first, first)
                pending.append(part)
                where = (where[0], where[1], first + part.num_rows)
        flush()
        out = {"partition": [partition], "sums": [None], "problems": [None]}
        if count:
            out["problems"] = [problems_to_bytes(problems[:plan.options.max_problems], count)]
        else:
            out["sums"] = [(sums if sums is not None else empty_sums(plan)).to_bytes()]
        yield pa.RecordBatch.from_pydict(out, schema=_RESULT_ARROW)

    return job

