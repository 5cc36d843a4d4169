"""Operational metrics: a daily series per region and metric (dropped-call rate, queue
time, late deliveries), read from CSV, XLSX or Parquet (or a DataFrame / Arrow table) and
validated, to be set beside complaint volume (:mod:`servq.stats.lagcorr`).

The file has one row per date, region and metric, in four columns (names compared
ignoring case and surrounding spaces; other columns are ignored)::

    date,region,metric,value
    2026-03-01,North,dropped_call_rate,0.012
    2026-03-01,South,dropped_call_rate,0.009

- ``date``: a calendar date, ``YYYY-MM-DD`` (a time after it, ``2026-03-01T00:00``, is
  allowed and ignored), or a date / timestamp cell (XLSX, Parquet, pandas);
- ``region``, ``metric``: text, required;
- ``value``: a number (a decimal comma is read as a point, as Swedish Excel writes); a
  blank value is a day not measured and stays missing.

Every problem — a missing column, a date that is not a date, a blank region or metric, a
value that is not a number, the same date, region and metric twice — is reported with its
row (the header is row 1) and column, all at once, as :class:`~servq.errors.DataError`;
nothing is returned from a file with problems.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import DataError, Problem
from ..io.arrow import as_text, flat, py_value
from ..io.readers import source_of

COLUMNS = ("date", "region", "metric", "value")
_ISO = r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}.*)?$"
SCHEMA = pa.schema([("date", pa.date32()), ("region", pa.string()), ("metric", pa.string()), ("value", pa.float64())])


class _Problems:
    def __init__(self, file: str, limit: int):
        self.file, self.limit, self.kept, self.total = file, limit, [], 0

    def add(self, message: str, row: int | None, column: str | None, value=None) -> None:
        self.total += 1
        if len(self.kept) < self.limit:
            self.kept.append(Problem(message, file=self.file, row=row, column=column, value=value))


def read_operations(data, *, sheet: str | None = None, max_problems: int = 50, header_row: int = 1,
                    first_row: int | None = None) -> pa.Table:
    """The operational metrics of ``data`` (a file path, DataFrame or Arrow table) as an
    Arrow table with columns date (date32), region, metric (string) and value (float64,
    null = not measured), in file order. ``header_row`` and ``first_row``: the spreadsheet
    rows of a file's column names and first row of data (:func:`servq.io.readers.open_source`).

    Examples
    --------
    >>> t = pa.table({"Date": ["2026-03-01", "2026-03-02"], "region": ["North", "North"],
    ...               "metric": ["drops", "drops"], "value": ["0,5", None]})
    >>> read_operations(t).to_pylist()[0]
    {'date': datetime.date(2026, 3, 1), 'region': 'North', 'metric': 'drops', 'value': 0.5}
    >>> read_operations(pa.table({"date": ["2026-02-30"], "region": ["N"], "metric": ["m"], "value": [1.0]}))
    Traceback (most recent call last):
    ...
    servq.errors.DataError: <table>: 1 problem(s) in the operational metrics; nothing was read
      <table>, row 2, column date: not a date (use YYYY-MM-DD) (value '2026-02-30')
    """
    src = source_of(data, sheet=sheet, header_row=header_row, first_row=first_row)
    file = str(src.path) if isinstance(data, (str, Path)) else src.path.name
    found = _Problems(file, max_problems)
    names = {c.strip().casefold(): c for c in src.columns}
    wanted = []
    for col in COLUMNS:
        if col not in names:
            found.add(f"required column '{col}' is missing (the file needs {', '.join(COLUMNS)})", src.header_row, col)
        else:
            wanted.append(names[col])
    if found.total:
        _fail(found)
    parts: list[pa.Table] = []
    first_row = src.first_row
    for chunk in src.chunks(wanted):
        parts.append(_chunk(chunk, wanted, first_row, found))
        first_row += chunk.num_rows
    table = pa.concat_tables(parts) if parts else SCHEMA.empty_table()
    if table.num_rows == 0:
        found.add("the file has no rows of data", None, None)
    else:
        _duplicates(table, found, src.first_row)
    if found.total:
        _fail(found)
    return table


def _fail(found: _Problems):
    order = {c: i for i, c in enumerate(COLUMNS)}
    kept = sorted(found.kept, key=lambda p: (p.row or 0, order.get((p.column or "").strip().lower(), 9)))
    raise DataError(f"{found.file}: {found.total} problem(s) in the operational metrics; nothing was read",
                    kept, found.total)


def _chunk(chunk: pa.Table, names: list[str], first_row: int, found: _Problems) -> pa.Table:
    date_col, region_col, metric_col, value_col = names
    dates = _dates(flat(chunk.column(date_col)), date_col, first_row, found)
    texts = []
    for col in (region_col, metric_col):
        text = as_text(chunk.column(col))
        blank = np.asarray(pc.fill_null(pc.equal(text, ""), True))
        for i in np.flatnonzero(blank):
            found.add(f"the {col.strip().lower()} is required", first_row + int(i), col)
        texts.append(text)
    values = _values(flat(chunk.column(value_col)), value_col, first_row, found)
    return pa.table([dates, texts[0], texts[1], values], schema=SCHEMA)


def _dates(arr: pa.Array, column: str, first_row: int, found: _Problems) -> pa.Array:
    if pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type):
        text = pc.utf8_trim_whitespace(arr.cast(pa.string()))
        day = pc.utf8_slice_codeunits(text, 0, 10)
        parsed = pc.strptime(day, format="%Y-%m-%d", unit="s", error_is_null=True)
        # strptime rolls 2026-02-30 over to March: a date is valid only if it prints back as written
        same = pc.equal(pc.strftime(parsed, format="%Y-%m-%d"), day)
        ok = pc.fill_null(pc.and_kleene(pc.match_substring_regex(text, _ISO), same), False)
        for i in np.flatnonzero(~np.asarray(ok)):
            value = arr[int(i)].as_py()
            message = "the date is required" if value is None or not value.strip() else "not a date (use YYYY-MM-DD)"
            found.add(message, first_row + int(i), column, value)
        return pc.if_else(ok, parsed, pa.scalar(None, parsed.type)).cast(pa.date32())
    if pa.types.is_timestamp(arr.type):
        if arr.type.tz is not None:
            arr = pc.local_timestamp(arr)
        out = arr.cast(pa.timestamp("s")).cast(pa.date32())
    elif pa.types.is_date(arr.type):
        out = arr.cast(pa.date32())
    else:
        for i in np.flatnonzero(np.asarray(arr.is_valid())):
            found.add(f"not a date ({arr.type} column)", first_row + int(i), column, py_value(arr, i))
        return pa.nulls(len(arr), pa.date32())
    for i in np.flatnonzero(~np.asarray(out.is_valid())):
        found.add("the date is required", first_row + int(i), column)
    return out


def _values(arr: pa.Array, column: str, first_row: int, found: _Problems) -> pa.Array:
    if pa.types.is_integer(arr.type) or pa.types.is_floating(arr.type) or pa.types.is_decimal(arr.type):
        values = arr.cast(pa.float64())
    elif pa.types.is_null(arr.type):
        return pa.nulls(len(arr), pa.float64())
    elif pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type):
        text = pc.utf8_trim_whitespace(arr.cast(pa.string()))
        text = pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)
        text = pc.replace_substring(text, ",", ".")  # decimal comma
        try:
            values = text.cast(pa.float64())
        except pa.ArrowInvalid:  # not all numbers: find which cells, one by one
            out = []
            for i, t in enumerate(text.to_pylist()):
                try:
                    out.append(None if t is None else float(t))
                except ValueError:
                    found.add("not a number", first_row + i, column, arr[i].as_py())
                    out.append(None)
            values = pa.array(out, pa.float64())
    else:
        for i in np.flatnonzero(np.asarray(arr.is_valid())):
            found.add(f"not a number ({arr.type} column)", first_row + int(i), column, py_value(arr, i))
        return pa.nulls(len(arr), pa.float64())
    v = values.to_numpy(zero_copy_only=False)
    for i in np.flatnonzero(np.isinf(v) | (np.isnan(v) & np.asarray(values.is_valid()))):
        found.add("not a finite number", first_row + int(i), column, py_value(arr, i))
    return values


def _duplicates(table: pa.Table, found: _Problems, first_row: int) -> None:
    """The same date, region and metric twice: each repeat is a problem naming the first row
    (the table's first is spreadsheet row ``first_row``)."""
    codes = []
    for col in ("date", "region", "metric"):
        enc = pc.dictionary_encode(table.column(col).combine_chunks())
        codes.append(pc.fill_null(enc.indices.cast(pa.int64()), -1).to_numpy())
    key = np.stack(codes, axis=1)
    valid = (key >= 0).all(axis=1)
    idx = np.flatnonzero(valid)
    if idx.size == 0:
        return
    _, first, inverse = np.unique(key[idx], axis=0, return_index=True, return_inverse=True)
    inverse = inverse.reshape(-1)
    repeat = np.flatnonzero(first[inverse] != np.arange(idx.size))
    for j in repeat:
        row = int(idx[j])
        found.add(f"the same date, region and metric as row {int(idx[first[inverse[j]]]) + first_row}", row + first_row, "date",
                  f"{table['date'][row].as_py()} {table['region'][row].as_py()} {table['metric'][row].as_py()}")
