"""Validation: Arrow chunks of a response file -> numeric answer arrays, and every problem.

Each problem names the file, the spreadsheet row (header = row 1), the column and the
value. Problems are collected over the whole file (up to ``max_problems`` kept, all
counted); :meth:`Validator.finish` raises :class:`~servq.errors.DataError` if there were
any, so a file with errors gives no results.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import DataError, Problem
from ..instruments.schema import Instrument, Part
from .columns import Layout, Mapping


@dataclass
class Answers:
    """One validated chunk: answers as float arrays with NaN for missing.

    ``parts[p]`` is rows x items in instrument item order (raw values, not reverse-keyed);
    ``weights`` rows x dimensions (or None); ``outcomes`` rows x outcomes; ``segments``
    the string values of each ``--by`` column (null = not known).
    """

    parts: dict[Part, np.ndarray]
    weights: np.ndarray | None
    outcomes: np.ndarray
    segments: dict[str, pa.Array]
    rows: int


class Validator:
    def __init__(self, instrument: Instrument, layout: Layout, by: dict[str, str], mapping: Mapping,
                 file: str, max_problems: int = 50):
        self.inst = instrument
        self.layout = layout
        self.by = by
        self.mapping = mapping
        self.file = file
        self.max_problems = max_problems
        self.problems: list[Problem] = []
        self.total_problems = 0
        self.rows = 0
        self.cells = 0
        self.blank = 0
        self.dont_know = 0
        self._ids: list[pa.Array] = []
        self._missing_codes = [float(v) for v in mapping.missing if _is_number(v)]
        self._missing_text = [str(v) for v in mapping.missing]

    @property
    def failed(self) -> bool:
        return self.total_problems > 0

    def _problem(self, message: str, row: int | None = None, column: str | None = None, value=None) -> None:
        self.total_problems += 1
        if len(self.problems) < self.max_problems:
            self.problems.append(Problem(message, file=self.file, row=row, column=column, value=value))

    def check(self, table: pa.Table) -> Answers:
        """Validate one chunk (the next rows of the file) and convert it."""
        first_row = self.rows + 2
        n = table.num_rows
        sc = self.inst.scale
        parts = {}
        for part in self.inst.parts:
            block = np.empty((n, len(self.inst.items)), dtype=np.float64)
            for j, item in enumerate(self.inst.items):
                col = self.layout.answers[(part, item.id)]
                values = self._numbers(table.column(col), col, first_row)
                block[:, j] = self._on_scale(values, table.column(col), col, first_row, sc.min, sc.max, sc.dont_know)
            parts[part] = block
        weights = None
        if self.layout.weights:
            weights = np.empty((n, len(self.inst.dimensions)))
            for j, dim in enumerate(self.inst.dimensions):
                col = self.layout.weights[dim.id]
                weights[:, j] = self._numbers(table.column(col), col, first_row)
            self._check_allocation(weights, table, first_row)
        outcomes = np.full((n, len(self.inst.outcomes)), np.nan)
        for j, out in enumerate(self.inst.outcomes):
            col = self.layout.outcomes.get(out.id)
            if col is not None:
                values = self._numbers(table.column(col), col, first_row)
                outcomes[:, j] = self._on_scale(values, table.column(col), col, first_row, out.min, out.max, None,
                                                count=False)
        segments = {name: _as_text(table.column(src)) for name, src in self.by.items()}
        if self.layout.respondent_id is not None:
            self._ids.append(_as_text(table.column(self.layout.respondent_id)))
        self.rows += n
        return Answers(parts, weights, outcomes, segments, n)

    # -- conversions -----------------------------------------------------------------
    def _numbers(self, column: pa.ChunkedArray, name: str, first_row: int) -> np.ndarray:
        arr = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
        if pa.types.is_dictionary(arr.type):
            arr = arr.dictionary_decode()
        if pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type):
            values = self._parse_text(arr, name, first_row)
        elif pa.types.is_integer(arr.type) or pa.types.is_floating(arr.type) or pa.types.is_decimal(arr.type):
            values = arr.cast(pa.float64()).to_numpy(zero_copy_only=False).astype(np.float64, copy=True)
        elif pa.types.is_null(arr.type):
            values = np.full(len(arr), np.nan)
        else:
            values = np.full(len(arr), np.nan)
            for i in np.flatnonzero(~np.asarray(arr.is_null())):
                self._problem(f"not a number ({arr.type} column)", first_row + int(i), name, _py(arr, i))
        for code in self._missing_codes:
            values[values == code] = np.nan
        return values

    def _parse_text(self, arr: pa.Array, name: str, first_row: int) -> np.ndarray:
        if self.mapping.values or self._missing_text:
            recode = {**{t: None for t in self._missing_text}, **{k: str(v) for k, v in self.mapping.values.items()}}
            arr = pa.array([recode.get(v.strip(), v) if v is not None else None for v in arr.to_pylist()], pa.string())
        trimmed = pc.utf8_trim_whitespace(arr)
        try:
            return pc.cast(trimmed, pa.float64()).to_numpy(zero_copy_only=False).astype(np.float64, copy=True)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
        out = np.full(len(arr), np.nan)
        for i, text in enumerate(trimmed.to_pylist()):
            if text is None or text == "":
                continue
            try:
                out[i] = float(text.replace(",", "."))  # decimal comma, as Swedish Excel writes
            except ValueError:
                self._problem("not a number", first_row + i, name, arr[i].as_py())
        return out

    def _on_scale(self, values: np.ndarray, column, name: str, first_row: int, lo: int, hi: int,
                  dont_know: int | None, count: bool = True) -> np.ndarray:
        present = ~np.isnan(values)
        if count:
            self.cells += len(values)
            self.blank += int(len(values) - present.sum())
        if dont_know is not None:
            dk = values == dont_know
            n_dk = int(dk.sum())
            if n_dk:
                values[dk] = np.nan
                present &= ~dk
                if count:
                    self.dont_know += n_dk
        with np.errstate(invalid="ignore"):
            off = present & ((values < lo) | (values > hi))
            frac = present & ~off & (values != np.round(values))
        if off.any():
            dk_hint = f" or {dont_know} for don't know" if dont_know is not None else ""
            for i in np.flatnonzero(off)[: self.max_problems]:
                self._problem(f"outside the scale {lo}-{hi}{dk_hint}", first_row + int(i), name, _py(column, i))
            self.total_problems += int(off.sum()) - min(int(off.sum()), self.max_problems)
        if frac.any():
            for i in np.flatnonzero(frac)[: self.max_problems]:
                self._problem("not a whole scale point", first_row + int(i), name, _py(column, i))
            self.total_problems += int(frac.sum()) - min(int(frac.sum()), self.max_problems)
        return values

    def _check_allocation(self, weights: np.ndarray, table: pa.Table, first_row: int) -> None:
        """A respondent either allocates all ``total`` points or leaves every W blank.

        Blank cells next to cells that already sum to the total are zero points (people
        leave a dimension they give nothing to blank); any other sum is an error.
        """
        total = self.inst.importance.total
        given = ~np.isnan(weights)
        any_given = given.any(axis=1)
        sums = np.where(given, weights, 0.0).sum(axis=1)
        with np.errstate(invalid="ignore"):
            negative = (weights < 0).any(axis=1)
        bad_sum = any_given & ~negative & (np.abs(sums - total) > 1e-6)
        cols = [self.layout.weights[d.id] for d in self.inst.dimensions]
        label = f"{cols[0]}…{cols[-1]}"
        for i in np.flatnonzero(negative):
            self._problem("importance points cannot be negative", first_row + int(i), label,
                          [_py(table.column(c), i) for c in cols])
        for i in np.flatnonzero(bad_sum):
            self._problem(f"importance allocation sums to {sums[i]:g}, not {total}", first_row + int(i), label,
                          [_py(table.column(c), i) for c in cols])
        weights[any_given[:, None] & ~given] = 0.0

    # -- whole file ------------------------------------------------------------------
    def finish(self) -> None:
        """Check what needs the whole file (duplicate ids); raise if anything was wrong."""
        if self._ids:
            self._check_duplicates(pa.chunked_array(self._ids, pa.string()).combine_chunks())
        if self.rows == 0:
            self._problem("the file has no answer rows")
        if self.failed:
            raise DataError(
                f"{self.file}: {self.total_problems} problem(s) found; no results were produced",
                self.problems, self.total_problems,
            )

    def _check_duplicates(self, ids: pa.Array) -> None:
        encoded = pc.dictionary_encode(ids)
        codes = encoded.indices.to_numpy(zero_copy_only=False)
        valid = ~np.asarray(ids.is_null())
        counts = np.bincount(codes[valid].astype(np.int64), minlength=len(encoded.dictionary))
        if counts.max(initial=0) <= 1:
            return
        first_seen: dict[int, int] = {}
        for i in np.flatnonzero(valid & (counts[np.where(valid, codes, 0)] > 1)):
            code = int(codes[i])
            if code in first_seen:
                self._problem(f"respondent id repeated (first at row {first_seen[code] + 2})", int(i) + 2,
                              self.layout.respondent_id, ids[int(i)].as_py())
            else:
                first_seen[code] = int(i)


def _as_text(column) -> pa.Array:
    arr = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if pa.types.is_dictionary(arr.type):
        arr = arr.dictionary_decode()
    if pa.types.is_floating(arr.type):
        # 3.0 -> "3": segment codes read from SPSS or pandas are often floats
        as_int = pc.cast(arr, pa.int64(), safe=False)
        whole = pc.equal(pc.cast(as_int, pa.float64()), arr)
        return pc.if_else(whole, pc.cast(as_int, pa.string()), pc.cast(arr, pa.string()))
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        arr = pc.cast(arr, pa.string())
    return pc.utf8_trim_whitespace(arr.cast(pa.string()))


def _py(column, i) -> object:
    value = column[int(i)]
    return value.as_py() if hasattr(value, "as_py") else value


def _is_number(v) -> bool:
    try:
        float(v)
    except (TypeError, ValueError):
        return False
    return True
