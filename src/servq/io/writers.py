"""Writing tables to files: CSV, Parquet, Excel (.xlsx) and SPSS (.sav).

One entry point, :func:`write_table`, chooses the format from the file extension (or
``fmt``). Blank answers stay blank in every format: an empty CSV field, a Parquet null,
an empty Excel cell, an SPSS system-missing value. Texts in CSV and Excel files are made
safe to open in a spreadsheet by one function (:func:`servq.io.cells.neutral_table`):
never a formula, never a character a sheet cannot hold.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from ..errors import UsageError
from .cells import neutral_table

__all__ = ["FORMATS", "XLSX_MAX_ROWS", "write_table"]

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
    path = Path(path)
    kind = (fmt or path.suffix).lower().lstrip(".")
    kind = _ALIASES.get(kind, kind)
    if kind not in FORMATS:
        shown = fmt if fmt else (path.suffix or "no extension")
        raise UsageError(
            f"cannot write {path}: unknown format '{shown}' (supported: "
            + ", ".join(f".{f}" for f in FORMATS) + ")"
        )
    if kind == "xlsx" and table.num_rows > XLSX_MAX_ROWS:
        raise UsageError(
            f"cannot write {path}: {table.num_rows:,} rows exceed the Excel limit of "
            f"{XLSX_MAX_ROWS:,} rows per sheet; write .parquet or .csv instead"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind in ("csv", "xlsx"):  # spreadsheets: no text may become a formula or hold a NUL
        table = neutral_table(table)
    {"csv": _csv, "parquet": _parquet, "xlsx": _xlsx, "sav": _sav}[kind](table, path)
    return path


def _csv(table: pa.Table, path: Path) -> None:
    import pyarrow.csv as pacsv

    # pyarrow writes UTF-8, a header row, and nulls as empty fields.
    pacsv.write_csv(table, path, pacsv.WriteOptions(include_header=True))


def _parquet(table: pa.Table, path: Path) -> None:
    import pyarrow.parquet as pq

    pq.write_table(table, path, compression="zstd")


def _xlsx(table: pa.Table, path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("data")

    def cell(value):  # the texts are neutral already (write_table)
        if not isinstance(value, str):
            return value  # None becomes an empty cell
        text = WriteOnlyCell(ws, value)
        text.data_type = "s"  # always text: never a formula ("=...") nor an error value ("#N/A")
        return text

    ws.append([cell(name) for name in table.column_names])
    for batch in table.to_batches(max_chunksize=65_536):
        columns = [col.to_pylist() for col in batch.columns]
        for row in zip(*columns, strict=True):
            ws.append([cell(value) for value in row])
    wb.save(path)


def _sav(table: pa.Table, path: Path) -> None:
    import pyreadstat

    # Integer columns with nulls become float64 (NaN = system missing) in pandas; strings
    # stay object columns and are written as SPSS string variables.
    frame = table.to_pandas(date_as_object=False)
    pyreadstat.write_sav(frame, str(path))
