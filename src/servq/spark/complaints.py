"""``servq complaints analyze --engine spark``: a complaints register counted in Spark's executors.

Each partition's complaints are read and checked as the local engine reads a register
(:func:`servq.complaints.register.read_register`, problems named by file and row) and
counted per local day, dimension, unit, channel, tier, product and status
(:func:`servq.complaints.analytics.count_register`) in an executor. Spark adds the counts
up; only they reach the driver (one row per combination that occurs, whatever the number
of complaints), where :func:`servq.complaints.analytics.counts_block` computes the figures
that are counts: volume by dimension × unit × week, hot spots, status, rates and
operational metrics, equal to the local engine's. Complaint ids that repeat anywhere in the
data are found with one Spark aggregation. Handling times, SLA compliance, the backlog and
repeat complainants need each complaint's times: the local engine computes them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import replace as replace_problem
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from ..complaints.analytics import COUNT_COLUMNS, count_register
from ..complaints.register import ID_REPEATED, check_timezone, id_column, read_register
from ..errors import DataError, Problem, UsageError
from . import reading

_KEYS = COUNT_COLUMNS[:-1]
COUNT_SCHEMA = ("day int, dimension string, unit string, channel string, tier string, product string, "
                "status string, n long, latest long, classified long, problems binary")
_COUNT_ARROW = pa.schema([("day", pa.int32()), *((k, pa.string()) for k in _KEYS[1:]), ("n", pa.int64()),
                          ("latest", pa.int64()), ("classified", pa.int64()), ("problems", pa.binary())])


@dataclass(frozen=True)
class CountedRegister:
    """A register counted on Spark (:func:`count`).

    Parameters
    ----------
    counts : pyarrow.Table
        Complaints per local day, dimension, unit, channel, tier, product and status
        (:data:`servq.complaints.analytics.COUNT_COLUMNS`).
    latest : int or None
        The register's latest time (received, acknowledged or resolved), microseconds since
        1970 UTC; None without complaints.
    rows : int
        Complaints read.
    classified : int
        Blank dimensions filled in by the classifier.
    """

    counts: pa.Table
    latest: int | None
    rows: int
    classified: int


def count(data: Any, *, timezone: str = "UTC", spark=None, master: str | None = None, max_problems: int = 50,
          classify=None) -> CountedRegister:
    """Read and count a complaints register on Spark.

    Parameters
    ----------
    data : pyspark.sql.DataFrame, str or path
        The register: Parquet or CSV files (a file, a directory, a glob, any URI Spark
        reads), or a DataFrame; the columns of docs/complaints-analytics.md.
    timezone : str
        IANA zone of times written without an offset, and of days and weeks.
    spark : SparkSession, optional
        Default: :func:`servq.spark.session` of ``master``.
    master : str, optional
        Spark master URL or ``sc://`` Spark Connect address.
    max_problems : int
        Problems listed at most (all are counted).
    classify : callable or False, optional
        As :func:`servq.complaints.register.read_register` (run in the executors).

    Returns
    -------
    CountedRegister

    Raises
    ------
    servq.errors.DataError
        Problems in the register (file, row, column, value); nothing is counted.
    servq.errors.UsageError
        An unknown time zone, an unreadable path, an unreachable master.
    """
    check_timezone(timezone)
    if max_problems < 1:
        raise UsageError(f"max_problems must be at least 1, got {max_problems}")
    if isinstance(data, str | bytes) or hasattr(data, "__fspath__"):
        spark = spark or reading.session(master)
        name, fmt = str(data), reading.file_format(str(data))
        df = reading.read(spark, name)
    else:
        df, name, fmt = reading.with_places(data), "<Spark DataFrame>", "spark"
    columns = [c for c in df.columns if c not in (reading.FILE, reading.ROW)]
    ids = id_column(columns)
    with reading.whole_files(df.sparkSession, fmt == "csv"):
        job = df.select(*columns, reading.FILE, reading.ROW).mapInArrow(
            _partition_job(timezone, max_problems, classify), COUNT_SCHEMA)
        from pyspark.sql import functions as F

        summed = job.groupBy(*_KEYS).agg(F.sum("n").alias("n"), F.max("latest").alias("latest"),
                                         F.sum("classified").alias("classified"),
                                         F.collect_list("problems").alias("problems")).toArrow()
        repeats, repeated = ([], 0) if ids is None else reading.repeated_ids(df, ids, max_problems, ID_REPEATED,
                                                                     counted=fmt != "parquet")
    # the partitions' own rows (day null) carry their rows, latest time and problems
    meta = pc.is_null(summed.column("day"))
    own = summed.filter(meta).to_pylist()
    problems: list[Problem] = []
    total = repeated
    for row in own:
        for blob in row["problems"] or []:
            found, n = reading.problems_from_bytes(blob)
            problems += found
            total += n
    problems += repeats
    if total:
        problems.sort(key=lambda p: (p.file or "", p.row or 0))
        raise DataError(f"{name}: {total} problem(s) in the complaints register; nothing was counted",
                        problems[:max_problems], total)
    counts = summed.filter(pc.invert(meta)).select(list(COUNT_COLUMNS))
    latest = max((r["latest"] for r in own if r["latest"] is not None), default=None)
    return CountedRegister(counts, latest, sum(r["n"] or 0 for r in own), sum(r["classified"] or 0 for r in own))


def _partition_job(timezone: str, max_problems: int, classify):
    """The function each executor runs over its partition's Arrow batches: the counts of
    its complaints, then one row (day null) with its number of complaints, latest time,
    classified dimensions and problems."""
    def job(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        counted: dict[str, int] = {}
        rows = classified = bad = 0
        latest: int | None = None
        problems: list[Problem] = []
        for batch in batches:
            for part, file, first in reading.runs(batch, counted):
                rows += part.num_rows
                try:
                    table = read_register(pa.Table.from_batches([part]), timezone=timezone, max_problems=max_problems,
                                          classify=classify, first_row=first, unique_ids=False, file=file)
                    counts, last = count_register(table, timezone, max_problems=max_problems, first_row=first,
                                                  unique_ids=False)
                except DataError as exc:
                    problems += [replace_problem(p, file=p.file or file) for p in exc.problems]
                    bad += exc.total
                    continue
                classified += int((table.schema.metadata or {}).get(b"servq.classified", b"0"))
                if last is not None:
                    latest = last if latest is None else max(latest, last)
                if not bad and counts.num_rows:
                    n = counts.num_rows
                    for name in ("latest", "classified", "problems"):  # set on the partition's own row only
                        counts = counts.append_column(name, pa.nulls(n, _COUNT_ARROW.field(name).type))
                    yield from counts.cast(_COUNT_ARROW).to_batches()
        own = dict.fromkeys(_KEYS)
        yield pa.RecordBatch.from_pylist([{**own, "n": rows, "latest": latest, "classified": classified,
                                           "problems": reading.problems_to_bytes(problems[:max_problems], bad)
                                           if bad else None}],
                                         schema=_COUNT_ARROW)

    return job
