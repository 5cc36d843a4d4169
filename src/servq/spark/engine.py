"""servq's analysis on Apache Spark: the same engine, run inside the executors.

Each partition of the data is validated and accumulated into
:class:`~servq.analysis.Sums` by :func:`servq.analysis.accumulate` in an executor
(``mapInArrow``); only the Sums (a few hundred KiB, whatever the rows) and the problems
found cross the network. They are merged with :func:`servq.analysis.merge` in the order
of their partition ids — in the executors, a range of partitions at a time, then the at
most :data:`GROUPS` partial sums on the driver — and finished with
:func:`servq.analysis.finish`, so the figures are those of ``servq.analyze`` on the same
rows, the same in every run. Repeated respondent ids are found
with a Spark aggregation over the whole data, each named with both rows.

Problems name the file and its row: Parquet rows by their index in the file
(``_metadata.row_index``); a CSV file is read whole by one task (it is not split), so its
rows are counted there; a DataFrame without files names its rows by partition and position.
"""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..analysis import AnalysisOptions, Plan, Results, Sums, accumulate, finish, merge, plan_for
from ..analysis.plan import empty_sums
from ..errors import DataError, Problem, UsageError
from ..instruments import Instrument, load_instrument
from ..io.readers import csv_dialect

FILE, ROW, PART = "__servq_file", "__servq_row", "__servq_partition"
RESULT_SCHEMA = "partition long, sums binary, problems binary"
_RESULT_ARROW = pa.schema([("partition", pa.int64()), ("sums", pa.binary()), ("problems", pa.binary())])
GROUPS = 32  # the most partial results the driver receives
CONNECT_TIMEOUT_S = 5.0
PART_ROWS = 1 << 20  # rows of a partition accumulated at once (one validation, one pipeline)
ARROW_BATCH_ROWS = 32_768  # rows per Arrow batch handed to the executors' Python


def session(master: str | None = None):
    """A Spark session: Spark Connect when ``master`` (or ``SPARK_REMOTE``) is an
    ``sc://`` address, else the ``master`` URL (or ``SPARK_MASTER``, else ``local[*]``).

    Raises
    ------
    servq.errors.UsageError
        The master cannot be reached (one line, naming it).
    """
    import warnings

    # pyspark 4 warns about pandas 3 when it loads; servq hands it Arrow batches only
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)
    from pyspark.sql import SparkSession  # the [spark] extra

    target = master or os.environ.get("SPARK_REMOTE") or os.environ.get("SPARK_MASTER") or "local[*]"
    remote = target.startswith("sc://")
    _reachable(target)
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # executors of a local master run this Python
    builder = SparkSession.builder.appName("servq")
    try:
        if remote:
            spark = builder.remote(target).getOrCreate()
        else:
            spark = (builder.master(target).config("spark.ui.enabled", "false")
                     .config("spark.ui.showConsoleProgress", "false")
                     .config("spark.sql.execution.arrow.maxRecordsPerBatch", str(ARROW_BATCH_ROWS)).getOrCreate())
            if target.startswith("local"):
                spark.sparkContext.setLogLevel("ERROR")
    except Exception as exc:  # noqa: BLE001 - py4j and Spark raise many kinds; the user needs one line
        raise UsageError(f"cannot start Spark at {target}: {_first_line(exc)}") from None
    return spark


def _reachable(target: str) -> None:
    """Fail fast, with one line, when a cluster's address does not answer (Spark itself
    would retry for minutes)."""
    if target.startswith("local"):
        return
    url = urlparse(target.split(",")[0])
    if url.scheme not in ("spark", "sc") or not url.hostname:
        return  # yarn, k8s://...: Spark's own checks
    port = url.port or (15002 if url.scheme == "sc" else 7077)
    try:
        socket.create_connection((url.hostname, port), timeout=CONNECT_TIMEOUT_S).close()
    except OSError as exc:
        raise UsageError(f"cannot reach the Spark master at {target}: {exc.strerror or exc}") from None


def read(spark, data: str):
    """A DataFrame of ``data``: a Parquet or CSV file, a directory or glob of them, or any
    URI Spark reads; with the file and row of every row."""
    from pyspark.sql import functions as F

    path = str(data)
    csv = path.lower().rstrip("/").endswith((".csv", ".csv.gz")) or _holds_csv(path)
    try:
        if csv:
            encoding, sep = _csv_dialect(spark, path)
            if encoding != "UTF-8":  # Spark 4 reads Windows-1252 only with the JVM's charsets allowed
                spark.conf.set("spark.sql.legacy.javaCharsets", "true")
            df = (spark.read.option("header", True).option("inferSchema", False).option("encoding", encoding)
                  .option("sep", sep).csv(path))
            first = df.columns[0] if df.columns else ""
            if first.startswith("\ufeff"):  # a byte-order mark read as part of the first name
                df = df.withColumnRenamed(first, first[1:])
            return df.withColumn(FILE, F.col("_metadata.file_path")).withColumn(ROW, F.lit(None).cast("long"))
        df = spark.read.parquet(path)
    except Exception as exc:  # noqa: BLE001 - Spark's AnalysisException and friends
        raise UsageError(f"cannot read {path} with Spark: {_first_line(exc)}") from None
    return df.withColumn(FILE, F.col("_metadata.file_path")).withColumn(ROW, F.col("_metadata.row_index"))


def _csv_dialect(spark, path: str) -> tuple[str, str]:
    """(encoding, separator) of CSV files as the local engine finds them (UTF-8 or
    Windows-1252; ',' ';' or tab): from the bytes of a local file, else from the first
    lines as Spark reads them (undecodable bytes mean Windows-1252)."""
    local = Path(path[len("file://"):] if path.startswith("file://") else path)
    if local.is_dir():
        local = next(iter(sorted(local.glob("*.csv"))), local)
    if local.is_file():
        encoding, sep = csv_dialect(local)
    else:
        try:
            lines = [r[0] for r in spark.read.text(path).limit(20).collect()]
        except Exception:  # noqa: BLE001 - then Spark's own error when the CSV is read
            lines = []
        encoding = "cp1252" if any("\ufffd" in line for line in lines) else "utf-8"
        sep = max([",", ";", "\t"], key=(lines[0] if lines else "").count)
    return ("windows-1252" if encoding == "cp1252" else "UTF-8"), sep


def _holds_csv(path: str) -> bool:
    local = Path(path[len("file://"):] if path.startswith("file://") else path)
    return local.is_dir() and any(local.glob("*.csv")) and not any(local.glob("*.parquet"))


def analyze(data: Any, instrument: str | Path | Instrument, by=None, *, options: AnalysisOptions | None = None,
            spark=None, master: str | None = None, progress=None, **changes: Any) -> Results:
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
    progress : callable, optional
        As :func:`servq.analyze` (the key drivers' resamples).

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
    inst = load_instrument(instrument)
    if isinstance(data, (str, Path)):
        spark = spark or session(master)
        df, name, fmt = read(spark, str(data)), str(data), _format(str(data))
    else:
        df, name, fmt = _with_places(data), "<Spark DataFrame>", "spark"
    columns = [c for c in df.columns if c not in (FILE, ROW)]
    plan = plan_for(inst, columns, opts, file=name, source_format=fmt,
                    source_path=None if fmt == "spark" else name)
    ids = plan.layout.respondent_id
    # repeated ids are found over all the data below, not per partition
    part_plan = replace(plan, layout=replace(plan.layout, respondent_id=None))
    wanted = [*part_plan.columns(), FILE, ROW]
    with _whole_files(df.sparkSession, fmt == "csv"):
        parts = df.select(*wanted).mapInArrow(_partition_job(part_plan), RESULT_SCHEMA)
        # the partitions' sums merged in the executors, in at most GROUPS ranges of partition
        # ids, so that the driver receives at most GROUPS of them however many partitions
        groups = parts.repartitionByRange(GROUPS, "partition").mapInArrow(_merge_job(opts.max_problems), RESULT_SCHEMA)
        merged = _merged(groups.collect(), opts.max_problems)
        repeats, repeated = (_repeated_ids(df, ids, opts.max_problems, counted=fmt != "parquet") if ids is not None
                             else ([], 0))
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
    return finish(sums, plan, progress=progress)


@contextmanager
def _whole_files(spark, csv: bool):
    """While the jobs run: each CSV file read whole by one task (so that the task can count
    the file's rows); the session's setting is restored afterwards."""
    if not csv:
        yield
        return
    key = "spark.sql.files.maxPartitionBytes"
    before = spark.conf.get(key, None)
    spark.conf.set(key, str(1 << 40))
    try:
        yield
    finally:
        if before is None:
            spark.conf.unset(key)
        else:
            spark.conf.set(key, before)


def _format(path: str) -> str:
    return "csv" if path.lower().rstrip("/").endswith((".csv", ".csv.gz")) or _holds_csv(path) else "parquet"


def _with_places(df):
    """A DataFrame of the caller's with its rows named by partition and position."""
    from pyspark.sql import functions as F

    return df.withColumn(FILE, F.concat(F.lit("partition "), F.spark_partition_id().cast("string"))) \
             .withColumn(ROW, F.lit(None).cast("long"))


def _merged(rows, max_problems: int) -> tuple[Sums | None, list[Problem], int]:
    """The Sums of result rows merged in the order of their partition ids (the same order,
    and so the same rounding, every run), or their problems (capped) and their count."""
    sums: Sums | None = None
    problems: list[Problem] = []
    count = 0
    for row in sorted(rows, key=lambda r: r["partition"]):
        if row["problems"]:
            found, n = _problems_from(row["problems"])
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
            out["problems"] = [_problems_to(problems, count)]
        elif sums is not None:
            out["sums"] = [sums.to_bytes()]
        yield pa.RecordBatch.from_pydict(out, schema=_RESULT_ARROW)

    return job


def _partition_job(plan: Plan):
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
                plans[file] = replace(plan, file=file)
            try:
                got = accumulate(pending, plans[file], first_row=where[1])
            except DataError as exc:
                problems.extend(exc.problems)
                count += exc.total
            else:
                sums = got if sums is None else merge(sums, got)
            pending.clear()

        for batch in batches:
            for part, file, first in _runs(batch, counted):
                if pending and (file != where[0] or first != where[2] or where[2] - where[1] >= PART_ROWS):
                    flush()
                if not pending:
                    where = (file, first, first)
                pending.append(part)
                where = (where[0], where[1], first + part.num_rows)
        flush()
        out = {"partition": [partition], "sums": [None], "problems": [None]}
        if count:
            out["problems"] = [_problems_to(problems[:plan.options.max_problems], count)]
        else:
            out["sums"] = [(sums if sums is not None else empty_sums(plan)).to_bytes()]
        yield pa.RecordBatch.from_pydict(out, schema=_RESULT_ARROW)

    return job


def _runs(batch: pa.RecordBatch, counted: dict[str, int]):
    """The batch split where the file changes or its rows are not consecutive:
    (rows without the place columns, file, spreadsheet row of the first)."""
    n = batch.num_rows
    if not n:
        return
    files = pc.dictionary_encode(batch.column(FILE))
    which = files.indices.to_numpy(zero_copy_only=False)
    names = files.dictionary.to_pylist()
    breaks = np.flatnonzero(which[1:] != which[:-1]) + 1
    index = batch.column(ROW)
    rows = None if index.null_count == n else index.to_numpy(zero_copy_only=False)
    if rows is not None:
        breaks = np.union1d(breaks, np.flatnonzero(np.diff(rows) != 1) + 1)
    data = batch.drop_columns([FILE, ROW])
    bounds = [0, *breaks.tolist(), n]
    for start, stop in zip(bounds, bounds[1:]):
        file = names[which[start]] or "data"
        if rows is None:  # a file read whole by this task: its rows are counted here
            first = counted.get(file, 0)
            counted[file] = first + (stop - start)
        else:
            first = int(rows[start])
        yield data.slice(start, stop - start), _display(file), first + 2


def _display(file: str) -> str:
    return file[len("file:"):] if file.startswith("file:/") and not file.startswith("file://") else file


def _problems_to(problems: list[Problem], count: int) -> bytes:
    import json

    return json.dumps({"count": count, "problems": [
        {"message": p.message, "file": p.file, "row": p.row, "column": p.column,
         "value": None if p.value is None else str(p.value)} for p in problems]}).encode()


def _problems_from(data: bytes) -> tuple[list[Problem], int]:
    import json

    got = json.loads(data)
    return [Problem(**p) for p in got["problems"]], int(got["count"])


def _repeated_ids(df, column: str, limit: int, counted: bool = False) -> tuple[list[Problem], int]:
    """Every row whose respondent id (trimmed) is on an earlier row too, naming the first.

    ``counted``: the rows have no index of their own (CSV, a DataFrame); they are numbered
    from 0 in each file (partition) in the order its task reads them, as the tasks count
    them — whole files per task, so consecutive ids within a file."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    if counted:
        df = df.withColumn("_servq_id", F.monotonically_increasing_id())
        starts = df.groupBy(FILE).agg(F.min("_servq_id").alias("_servq_start"))
        df = df.join(F.broadcast(starts), FILE).withColumn(ROW, F.col("_servq_id") - F.col("_servq_start"))
    key = F.trim(F.col(column).cast("string"))
    keyed = df.select(key.alias("k"), F.col(FILE).alias("f"), F.col(ROW).alias("r"), F.col(column).alias("v"))
    keyed = keyed.where(F.col("k").isNotNull() & (F.col("k") != ""))
    repeated = keyed.groupBy("k").count().where(F.col("count") > 1).select("k")
    if repeated.isEmpty():  # the usual case: one aggregation, no ordering of all the rows
        return [], 0
    keyed = keyed.join(F.broadcast(repeated) if repeated.count() < 1_000_000 else repeated, "k")
    order = Window.partitionBy("k").orderBy("f", "r")
    earlier = order.rowsBetween(Window.unboundedPreceding, 0)
    ranked = keyed.withColumn("n", F.row_number().over(order)) \
                  .withColumn("first_r", F.first("r").over(earlier)).withColumn("first_f", F.first("f").over(earlier))
    repeats = ranked.where(F.col("n") > 1)
    count = repeats.count()
    if not count:
        return [], 0
    shown = repeats.orderBy("f", "r").limit(limit).collect()
    return [Problem(f"respondent id repeated (first at row {_row(r['first_r'])}"
                    + ("" if r["first_f"] == r["f"] else f" of {_display(r['first_f'])}") + ")",
                    file=_display(r["f"]), row=None if r["r"] is None else r["r"] + 2, column=column, value=r["v"])
            for r in shown], count


def _row(index) -> str:
    return "?" if index is None else str(index + 2)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__
