"""Writing tables to files: CSV, Parquet, Excel (.xlsx) and SPSS (.sav).

One entry point, :func:`write_table`, chooses the format from the file extension (or
``fmt``); :func:`write_batches` writes record batches as they come (CSV, Parquet and Excel
without holding the table: a web worker's download of millions of responses). Blank
answers stay blank in every format: an empty CSV field, a Parquet null, an empty Excel
cell, an SPSS system-missing value. Texts in CSV and Excel files are made safe to open in a
spreadsheet by one function (:func:`servq.io.cells.neutral_table`): never a formula, never a
character a sheet cannot hold.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pyarrow as pa

from ..errors import UsageError
from .cells import neutral_table

__all__ = ["FORMATS", "XLSX_MAX_ROWS", "write_batches", "write_table"]

FORMATS: tuple[str, ...] = ("csv", "parquet", "xlsx", "sav")
# Excel holds 1,048,576 rows per sheet; one is the header.
XLSX_MAX_ROWS = 1_048_575
_ALIASES = {"pq": "parquet"}


def write_table(table: pa.Table, path: str | Path, *, fmt: str | None = None) -> Path:
    """Write ``table`` to ``path`` in the format given by its extension or ``fmt``.

    Parameters
    ----------
    table
        The table to write.
    path
        Target file; missing parent directories are created.
    fmt
        ``"csv"``, ``"parquet"``, ``"xlsx"`` or ``"sav"``; default: the extension.

    Returns
    -------
    Path
        The path written.

    Raises
    ------
    UsageError
        Unknown format, or more rows than an Excel sheet holds.
    """
    if _kind(Path(path), fmt) == "xlsx" and table.num_rows > XLSX_MAX_ROWS:
        raise _too_many(Path(path), table.num_rows)
    return write_batches(table.to_batches(max_chunksize=65_536), table.schema, path, fmt=fmt)


def write_batches(batches: Iterable[pa.RecordBatch], schema: pa.Schema, path: str | Path, *,
                  fmt: str | None = None) -> Path:
    """Write ``batches`` (of ``schema``) to ``path`` as :func:`write_table` writes a table,
    one batch at a time: CSV, Parquet and Excel hold one batch in memory, SPSS the whole
    table (pyreadstat writes a data frame).

    Raises
    ------
    UsageError
        Unknown format, or more rows than an Excel sheet holds (found while writing: the
        file is then incomplete).
    """
    path = Path(path)
    kind = _kind(path, fmt)
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind == "sav":
        _sav(pa.Table.from_batches(list(batches), schema=schema), path)
    elif kind == "xlsx":
        _xlsx(batches, schema, path)
    else:
        _stream(batches, schema, path, kind)
    return path


def _kind(path: Path, fmt: str | None) -> str:
    kind = (fmt or path.suffix).lower().lstrip(".")
    kind = _ALIASES.get(kind, kind)
    if kind not in FORMATS:
        shown = fmt if fmt else (path.suffix or "no extension")
        raise UsageError(
            f"cannot write {path}: unknown format '{shown}' (supported: "
            + ", ".join(f".{f}" for f in FORMATS) + ")"
        )
    return kind


def _too_many(path: Path, rows: int) -> UsageError:
    return UsageError(f"cannot write {path}: {rows:,} rows exceed the Excel limit of "
                      f"{XLSX_MAX_ROWS:,} rows per sheet; write .parquet or .csv instead")


def _stream(batches: Iterable[pa.RecordBatch], schema: pa.Schema, path: Path, kind: str) -> None:
    """CSV (texts made neutral: no text may become a formula or hold a NUL) or Parquet."""
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    def prepared(batch: pa.RecordBatch) -> pa.Table:
        table = pa.Table.from_batches([batch], schema=schema)
        return neutral_table(table) if kind == "csv" else table

    first = prepared(pa.RecordBatch.from_pylist([], schema=schema))
    # pyarrow writes UTF-8, a header row, and nulls as empty fields.
    with (pacsv.CSVWriter(path, first.schema, write_options=pacsv.WriteOptions(include_header=True)) if kind == "csv"
          else pq.ParquetWriter(path, first.schema, compression="zstd")) as writer:
        for batch in batches:
            writer.write_table(prepared(batch))


def _xlsx(batches: Iterable[pa.RecordBatch], schema: pa.Schema, path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("data")

    def cell(value):  # the texts are made neutral first
        if not isinstance(value, str):
            return value  # None becomes an empty cell
        text = WriteOnlyCell(ws, value)
        text.data_type = "s"  # always text: never a formula ("=...") nor an error value ("#N/A")
        return text

    ws.append([cell(name) for name in neutral_table(schema.empty_table()).column_names])
    rows = 0
    for batch in batches:
        rows += batch.num_rows
        if rows > XLSX_MAX_ROWS:
            raise _too_many(path, rows)
        columns = [col.to_pylist() for col in neutral_table(pa.Table.from_batches([batch], schema=schema)).columns]
        for row in zip(*columns, strict=True):
            ws.append([cell(value) for value in row])
    wb.save(path)


def _sav(table: pa.Table, path: Path) -> None:
    import pyreadstat

    # Integer columns with nulls become float64 (NaN = system missing) in pandas; strings
    # stay object columns and are written as SPSS string variables.
    frame = table.to_pandas(date_as_object=False)
    pyreadstat.write_sav(frame, str(path))
