"""Small conversions of Arrow columns shared by the readers of answer files."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


def flat(column) -> pa.Array:
    """One contiguous array (chunks combined, dictionaries decoded)."""
    if isinstance(column, pa.ChunkedArray):
        arr = column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()
    else:
        arr = column
    if pa.types.is_dictionary(arr.type):
        arr = arr.dictionary_decode()
    return arr


def int_buffers(arr: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Values and validity of an integer Arrow array without copying through Python;
    null slots hold 0."""
    n, off = len(arr), arr.offset
    bitmap, data = arr.buffers()[:2]
    values = np.frombuffer(data, dtype=arr.type.to_pandas_dtype(), count=off + n, offset=0)[off:]
    if arr.null_count == 0:
        return values, np.ones(n, dtype=bool)
    bits = np.unpackbits(np.frombuffer(bitmap, dtype=np.uint8), bitorder="little", count=off + n)[off:]
    valid = bits.view(bool)
    return np.where(valid, values, 0), valid


def as_text(column) -> pa.Array:
    """The column as trimmed strings (whole floats without ".0")."""
    arr = flat(column)
    if pa.types.is_floating(arr.type):
        # 3.0 -> "3": segment codes read from SPSS or pandas are often floats
        as_int = pc.cast(arr, pa.int64(), safe=False)
        whole = pc.equal(pc.cast(as_int, pa.float64()), arr)
        return pc.if_else(whole, pc.cast(as_int, pa.string()), pc.cast(arr, pa.string()))
    if pa.types.is_timestamp(arr.type):
        return _timestamp_text(arr)
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        arr = pc.cast(arr, pa.string())
    arr = arr.cast(pa.string())
    return arr if _trimmed(arr) else pc.utf8_trim_whitespace(arr)


def _timestamp_text(arr: pa.Array) -> pa.Array:
    """Timestamps as text: a date at midnight as the date (``2026-03-01``, as a CSV file
    has it), another as date and time to the second."""
    seconds = pc.cast(arr, pa.timestamp("s", arr.type.tz), safe=False)
    midnight = pc.equal(pc.floor_temporal(seconds, unit="day"), seconds)
    return pc.if_else(midnight, pc.strftime(seconds, "%Y-%m-%d"), pc.strftime(seconds, "%Y-%m-%d %H:%M:%S"))


def _trimmed(arr: pa.Array) -> bool:
    """True when no value of a string array can start or end with white space: every
    first and last byte is printable ASCII (a quick look at the buffers, so that ids and
    segment names that need no trimming are not copied)."""
    n = len(arr)
    if n == 0:
        return True
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int32, count=arr.offset + n + 1)[arr.offset:]
    if arr.buffers()[2] is None:
        return True
    data = np.frombuffer(arr.buffers()[2], dtype=np.uint8)
    start, end = offsets[:-1], offsets[1:]
    filled = end > start  # empty strings (and nulls) have nothing to trim
    if not filled.all():
        start, end = start[filled], end[filled]
    if not start.size:
        return True
    first, last = data[start], data[end - 1]
    return bool(((first > 32) & (first < 127)).all() and ((last > 32) & (last < 127)).all())


def py_value(column, i) -> object:
    """Element ``i`` as a Python value (for an error message)."""
    value = column[int(i)]
    return value.as_py() if hasattr(value, "as_py") else value


def floats(arr: pa.Array) -> np.ndarray:
    """A numeric (or numeric-text) array as a writable float64 NumPy array, NaN for null.

    Read from the Arrow buffers: ``to_numpy`` of an array with nulls, and ``fill_null``
    with a Python float, go through pandas, which costs its import (a third of a second)
    on the analysis path.
    """
    values, valid = int_buffers(pc.cast(arr, pa.float64()))
    out = values.astype(np.float64, copy=True)
    out[~valid] = np.nan
    return out


def is_number(value) -> bool:
    """Whether a cell's value reads as a number, with a decimal point or (as Swedish Excel
    writes it) a decimal comma: ``6``, ``"6.0"``, ``"6,0"``."""
    try:
        float(value.replace(",", ".") if isinstance(value, str) else value)
    except (TypeError, ValueError):
        return False
    return True
