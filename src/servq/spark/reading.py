"""Reading data on Spark for servq's jobs: the session, the files, and the place of every row.

:func:`session` starts (or joins) a Spark session; :func:`read` reads Parquet or CSV files
— a file, a directory, a glob, any URI Spark reads — with each row's file and row index,
so that problems name them: Parquet rows by their index in the file
(``_metadata.row_index``); a CSV file is read whole by one task (:func:`whole_files`), so
its rows are counted there (:func:`runs`); a DataFrame without files names its rows by
partition and position (:func:`with_places`). :func:`repeated_ids` finds ids that repeat
anywhere in the data with one Spark aggregation.
"""

from __future__ import annotations

import os
import socket
import sys
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import Problem, UsageError
from ..io.readers import csv_dialect

FILE, ROW = "__servq_file", "__servq_row"
CONNECT_TIMEOUT_S = 5.0
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


@contextmanager
def whole_files(spark, csv: bool):
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


def file_format(path: str) -> str:
    return "csv" if path.lower().rstrip("/").endswith((".csv", ".csv.gz")) or _holds_csv(path) else "parquet"


def with_places(df):
    """A DataFrame of the caller's with its rows named by partition and position."""
    from pyspark.sql import functions as F

    return df.withColumn(FILE, F.concat(F.lit("partition "), F.spark_partition_id().cast("string"))) \
             .withColumn(ROW, F.lit(None).cast("long"))


def runs(batch: pa.RecordBatch, counted: dict[str, int]):
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
        yield data.slice(start, stop - start), display(file), first + 2


def display(file: str) -> str:
    return file[len("file:"):] if file.startswith("file:/") and not file.startswith("file://") else file


def problems_to_bytes(problems: list[Problem], count: int) -> bytes:
    import json

    return json.dumps({"count": count, "problems": [
        {"message": p.message, "file": p.file, "row": p.row, "column": p.column,
         "value": None if p.value is None else str(p.value)} for p in problems]}).encode()


def problems_from_bytes(data: bytes) -> tuple[list[Problem], int]:
    import json

    got = json.loads(data)
    return [Problem(**p) for p in got["problems"]], int(got["count"])


def repeated_ids(df, column: str, limit: int, what: str, counted: bool = False) -> tuple[list[Problem], int]:
    """Every row whose id (trimmed) is on an earlier row too, naming the first: problems
    "``what`` (first at row N[ of FILE])", at most ``limit`` of them, and their number.

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
    return [Problem(f"{what} (first at row {_row(r['first_r'])}"
                    + ("" if r["first_f"] == r["f"] else f" of {display(r['first_f'])}") + ")",
                    file=display(r["f"]), row=None if r["r"] is None else r["r"] + 2, column=column, value=r["v"])
            for r in shown], count


def _row(index) -> str:
    return "?" if index is None else str(index + 2)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__
