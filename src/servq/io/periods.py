"""Period labels for trends: a date or wave column turned into ``2026-01``, ``2026-Q1`` or
the wave as written, one chunk at a time and without a Python loop over rows.

A date column may hold ISO 8601 text (``2026-03-15``, ``2026-03-15T10:30:00``,
``2026-03-15 10:30``: the date part is used as written, no time-zone shift), or be typed
as an Arrow date or timestamp (as Parquet, XLSX and pandas give it). Text that is not a
real calendar date (``2026-02-30``, ``15/03/2026``) is a problem of the data, reported with
its row like every other; a blank cell has no period and is only counted.

Labels sort chronologically as text for months and quarters; waves sort naturally
(``wave 2`` before ``wave 10``), see :func:`period_order`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .arrow import as_text, flat
from .readers import natural_key

PERIODS = ("month", "quarter", "wave")
DEFAULT_COLUMN = {"month": "date", "quarter": "date", "wave": "wave"}
_ISO = r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}.*)?$"

Report = Callable[[str, int, str, object], None]  # (message, row, column, value)


def period_labels(values: pa.Array | pa.ChunkedArray, kind: str, column: str, first_row: int,
                  report: Report) -> pa.Array:
    """Each row's period label (string; null where the cell is blank or not a date).

    ``first_row`` is the spreadsheet row of the first value (header = row 1), used with
    ``column`` when a value that is not a date is passed to ``report``.

    Examples
    --------
    >>> dates = pa.array(["2026-01-31", "2026-02-01T08:00:00", None, "2026-11-30"])
    >>> period_labels(dates, "month", "date", 2, print).to_pylist()
    ['2026-01', '2026-02', None, '2026-11']
    >>> period_labels(dates, "quarter", "date", 2, print).to_pylist()
    ['2026-Q1', '2026-Q1', None, '2026-Q4']
    >>> labels = period_labels(pa.array(["2026-02-30"]), "month", "date", 7, print)
    not a date (use YYYY-MM-DD) 7 date 2026-02-30
    """
    arr = flat(values)
    if kind == "wave":
        text = as_text(arr)
        return pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)
    year, month = _calendar(arr, column, first_row, report)
    if kind == "month":
        key = year * 12 + month - 1
    else:
        key = year * 4 + np.floor((month - 1) / 3)
    known = ~np.isnan(key)
    keys, inverse = np.unique(key[known], return_inverse=True)
    names = [_label(int(k), kind) for k in keys]
    indices = np.zeros(len(arr), dtype=np.int64)
    indices[known] = inverse
    return pa.array(names, pa.string()).take(pa.array(indices, mask=~known))  # a null index gives null


def _label(key: int, kind: str) -> str:
    if kind == "month":
        return f"{key // 12:04d}-{key % 12 + 1:02d}"
    return f"{key // 4:04d}-Q{key % 4 + 1}"


def _calendar(arr: pa.Array, column: str, first_row: int, report: Report) -> tuple[np.ndarray, np.ndarray]:
    """Year and month as floats, NaN where blank or invalid."""
    if pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type):
        text = pc.utf8_trim_whitespace(arr.cast(pa.string()))
        day = pc.utf8_slice_codeunits(text, 0, 10)
        parsed = pc.strptime(day, format="%Y-%m-%d", unit="s", error_is_null=True)
        # strptime rolls 2026-02-30 over to March: a date is valid only if it prints back as written
        same = pc.equal(pc.strftime(parsed, format="%Y-%m-%d"), day)
        ok = pc.and_kleene(pc.match_substring_regex(text, _ISO), same)
        blank = pc.or_kleene(pc.is_null(text), pc.equal(text, ""))
        bad = np.asarray(pc.and_not(pc.invert(blank), pc.fill_null(ok, False)))
        for i in np.flatnonzero(bad):
            report("not a date (use YYYY-MM-DD)", first_row + int(i), column, arr[int(i)].as_py())
        dates = pc.if_else(pc.fill_null(ok, False), parsed, pa.scalar(None, parsed.type))
    elif pa.types.is_date(arr.type) or pa.types.is_timestamp(arr.type):
        dates = arr
    elif pa.types.is_null(arr.type):
        nan = np.full(len(arr), np.nan)
        return nan, nan
    else:
        for i in np.flatnonzero(np.asarray(arr.is_valid())):
            report(f"not a date ({arr.type} column)", first_row + int(i), column, arr[int(i)].as_py())
        nan = np.full(len(arr), np.nan)
        return nan, nan
    year, month = (pc.cast(f(dates), pa.float64()).to_numpy(zero_copy_only=False) for f in (pc.year, pc.month))
    return year, month


def period_order(labels: Iterable[str]) -> list[str]:
    """Labels in chronological order: numbers inside a label compare as numbers.

    >>> period_order(["wave 10", "wave 2", "2026-Q3", "2026-Q1"])
    ['2026-Q1', '2026-Q3', 'wave 2', 'wave 10']
    """
    return sorted(labels, key=natural_key)
