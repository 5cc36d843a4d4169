"""Arrow timestamp columns as integer UTC microseconds, local days and ISO weeks, without
a Python loop over rows."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

US = 1_000_000
DAY = 86_400 * US
HOUR = 3_600 * US
_PER_US = {"s": (US, 1), "ms": (1000, 1), "us": (1, 1), "ns": (1, 1000)}  # (multiply, divide)


def combined(column) -> pa.Array:
    """One contiguous Arrow array from an array, chunked array or Python sequence."""
    if isinstance(column, pa.ChunkedArray):
        return column.combine_chunks()
    return column if isinstance(column, pa.Array) else pa.array(column)


def is_aware(arr: pa.Array) -> bool:
    """A timestamp column with a time zone (or an all-null column)."""
    return pa.types.is_null(arr.type) or (pa.types.is_timestamp(arr.type) and arr.type.tz is not None)


def utc_us(arr: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(microseconds since 1970-01-01 UTC, valid) of a tz-aware timestamp array; null
    slots hold 0. Nanoseconds are floored to microseconds."""
    n = len(arr)
    if pa.types.is_null(arr.type):
        return np.zeros(n, dtype=np.int64), np.zeros(n, dtype=bool)
    mul, div = _PER_US[arr.type.unit]
    raw = arr.view(pa.int64()) if arr.offset == 0 else arr.cast(pa.int64())
    valid = np.ones(n, dtype=bool) if arr.null_count == 0 else np.asarray(arr.is_valid().to_numpy(zero_copy_only=False))
    values = pc.fill_null(raw, 0).to_numpy() if arr.null_count else raw.to_numpy()
    values = values.astype(np.int64, copy=True)
    if mul != 1:
        values *= mul
    if div != 1:
        values //= div
    return values, valid


def local_days(us: np.ndarray, timezone: str) -> np.ndarray:
    """The local calendar day (days since 1970-01-01) of each UTC microsecond instant."""
    if timezone in ("UTC", "Etc/UTC", "Z"):
        return us // DAY
    arr = pa.array(us, pa.int64()).cast(pa.timestamp("us", tz="UTC")).cast(pa.timestamp("us", tz=timezone))
    local = pc.local_timestamp(arr).cast(pa.int64()).to_numpy()
    return local // DAY


def week_of(days: np.ndarray) -> np.ndarray:
    """Monday-based week number of each day (week 0 starts Monday 1969-12-29)."""
    return (days + 3) // 7


def week_monday(week: int) -> dt.date:
    return dt.date(1970, 1, 1) + dt.timedelta(days=int(week) * 7 - 3)


def iso_week_label(week: int) -> str:
    """``2026-W05``: ISO 8601 year and week of the week's Monday.

    >>> iso_week_label(week_of(np.array([(dt.date(2026, 1, 1) - dt.date(1970, 1, 1)).days]))[0])
    '2026-W01'
    """
    year, number, _ = week_monday(week).isocalendar()
    return f"{year:04d}-W{number:02d}"


def day_date(day: int) -> dt.date:
    return dt.date(1970, 1, 1) + dt.timedelta(days=int(day))


def iso_utc(us: int) -> str:
    """An instant as ISO 8601 in UTC (``2026-03-01T08:00:00+00:00``)."""
    return (dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=int(us))).isoformat()
