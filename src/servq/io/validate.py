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
from .arrow import as_text, flat, floats, int_buffers, py_value
from .columns import Layout, Mapping


@dataclass
class Answers:
    """One validated chunk of answers, laid out one row per column (variables x rows).

    ``parts[p]`` holds int8 *codes* of the items (instrument order) for part ``p``:
    ``answer - scale.min + 1``, and 0 for a missing or don't-know answer, so that sums
    need no masking and stay exact. ``weights`` (dimensions x rows) and ``outcomes``
    (outcomes x rows) are floats with NaN for missing; ``segments`` the text of each
    ``--by`` column (null = not known). ``kano`` (2 x features x rows, int8) holds the
    functional then the dysfunctional Kano answers 1-5, 0 = missing.
    """

    parts: dict[Part, np.ndarray]
    weights: np.ndarray | None
    outcomes: np.ndarray
    segments: dict[str, pa.Array]
    rows: int
    kano: np.ndarray | None = None


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

    def problem(self, message: str, row: int, column: str, value) -> None:
        """Record a problem found by a check outside this class (e.g. the period dates)."""
        self._problem(message, row, column, value)

    def check(self, table: pa.Table) -> Answers:
        """Validate one chunk (the next rows of the file) and convert it."""
        first_row = self.rows + 2
        n = table.num_rows
        inst, sc = self.inst, self.inst.scale
        names = [self.layout.answers[(part, item.id)] for part in inst.parts for item in inst.items]
        codes = self._codes(table, names, first_row, sc.min, sc.max, sc.dont_know)
        k = len(inst.items)
        parts = {part: codes[i * k:(i + 1) * k] for i, part in enumerate(inst.parts)}
        weights = None
        if self.layout.weights:
            weights = np.empty((len(inst.dimensions), n))
            for j, dim in enumerate(inst.dimensions):
                col = self.layout.weights[dim.id]
                weights[j] = self._numbers(table.column(col), col, first_row)
            self._check_allocation(weights, table, first_row)
        outcomes = np.full((len(inst.outcomes), n), np.nan)
        for j, out in enumerate(inst.outcomes):
            col = self.layout.outcomes.get(out.id)
            if col is not None:
                values = self._numbers(table.column(col), col, first_row)[None, :]
                ok = self._on_scale(values, ~np.isnan(values), [table.column(col)], [col], first_row,
                                    out.min, out.max, None)
                outcomes[j] = np.where(ok[0], values[0], np.nan)
        segments = {name: as_text(table.column(src)) for name, src in self.by.items()}
        if self.layout.respondent_id is not None:
            self._ids.append(as_text(table.column(self.layout.respondent_id)))
        kano = self._kano(table, first_row) if inst.kano is not None else None
        self.rows += n
        return Answers(parts, weights, outcomes, segments, n, kano)

    def _kano(self, table: pa.Table, first_row: int) -> np.ndarray:
        """Kano answers as int8 (2, features, rows), 0 = blank; any other value than a
        whole 1-5 is a problem. Kept out of the item cell counts of ``missing``."""
        feats = self.inst.kano.features
        names = [self.layout.kano[(side, f.id)] for side in "FD" for f in feats]
        columns = [flat(table.column(c)) for c in names]
        values, valid = self._stack(columns, names, first_row)
        ok = self._on_scale(values, valid, columns, names, first_row, 1, 5, None)
        return np.where(ok, values, 0).astype(np.int8).reshape(2, len(feats), -1)

    # -- conversions -----------------------------------------------------------------
    def _codes(self, table: pa.Table, names: list[str], first_row: int, lo: int, hi: int,
               dont_know: int | None) -> np.ndarray:
        """Item answers as int8 codes (answer - lo + 1; 0 = missing), columns x rows,
        counting blanks and don't-knows. All columns are checked together."""
        columns = [flat(table.column(c)) for c in names]
        values, valid = self._stack(columns, names, first_row)
        self.cells += valid.size
        self.blank += int(valid.size - np.count_nonzero(valid))
        if dont_know is not None:
            dk = valid & (values == dont_know)
            n_dk = int(np.count_nonzero(dk))
            if n_dk:
                valid &= ~dk
                self.dont_know += n_dk
        ok = self._on_scale(values, valid, columns, names, first_row, lo, hi, dont_know)
        codes = values - (lo - 1) if values.dtype.kind == "i" else values.astype(np.int16) - (lo - 1)
        codes *= ok
        return codes.astype(np.int8)

    def _stack(self, columns: list[pa.Array], names: list[str], first_row: int) -> tuple[np.ndarray, np.ndarray]:
        """Columns x rows numbers (integers when every column is integer-typed) and a
        validity mask; missing cells hold 0."""
        n = len(columns[0]) if columns else 0
        if all(pa.types.is_integer(c.type) for c in columns):
            # Integer columns (Parquet, pandas) are read straight from their Arrow buffers.
            dtype = np.result_type(*(c.type.to_pandas_dtype() for c in columns), np.int16)
            values = np.empty((len(columns), n), dtype=dtype)
            valid = np.empty((len(columns), n), dtype=bool)
            for j, col in enumerate(columns):
                values[j], valid[j] = int_buffers(col)
        else:
            values = np.empty((len(columns), n))
            for j, (col, name) in enumerate(zip(columns, names)):
                values[j] = self._numbers(col, name, first_row)
            valid = ~np.isnan(values)
            values[~valid] = 0.0
        for code in self._missing_codes:
            valid &= values != code
        return values, valid

    def _on_scale(self, values: np.ndarray, valid: np.ndarray, columns: list, names: list[str], first_row: int,
                  lo: int, hi: int, dont_know: int | None) -> np.ndarray:
        """Mask of valid answers on the scale (columns x rows); every other valid answer
        is a problem."""
        ok = valid & (values >= lo) & (values <= hi)
        if values.dtype.kind == "f":
            ok &= values == np.round(values)
        n_ok, n_valid = np.count_nonzero(ok), np.count_nonzero(valid)
        if n_ok == n_valid:
            return ok
        bad_col, bad_row = np.nonzero(valid & ~ok)
        order = np.lexsort((bad_col, bad_row))[: self.max_problems]  # report in file order
        dk_hint = f" or {dont_know} for don't know" if dont_know is not None else ""
        for j, i in zip(bad_col[order], bad_row[order]):
            v = values[j, i]
            msg = f"outside the scale {lo}-{hi}{dk_hint}" if (v < lo or v > hi) else "not a whole scale point"
            self._problem(msg, first_row + int(i), names[j], py_value(columns[j], i))
        self.total_problems += max(0, n_valid - n_ok - self.max_problems)
        return ok

    def _numbers(self, column, name: str, first_row: int) -> np.ndarray:
        """Any column as float64 with NaN for missing; text that is not a number is a problem."""
        arr = flat(column)
        if pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type):
            values = self._parse_text(arr, name, first_row)
        elif pa.types.is_integer(arr.type) or pa.types.is_floating(arr.type) or pa.types.is_decimal(arr.type):
            values = floats(arr)
        elif pa.types.is_null(arr.type):
            values = np.full(len(arr), np.nan)
        else:
            values = np.full(len(arr), np.nan)
            for i in np.flatnonzero(np.asarray(arr.is_valid())):
                self._problem(f"not a number ({arr.type} column)", first_row + int(i), name, py_value(arr, i))
        for code in self._missing_codes:
            values[values == code] = np.nan
        return values

    def _parse_text(self, arr: pa.Array, name: str, first_row: int) -> np.ndarray:
        if self.mapping.values or self._missing_text:
            recode = {**{t: None for t in self._missing_text}, **{k: str(v) for k, v in self.mapping.values.items()}}
            arr = pa.array([recode.get(v.strip(), v) if v is not None else None for v in arr.to_pylist()], pa.string())
        trimmed = pc.utf8_trim_whitespace(arr)
        try:
            return floats(trimmed)
        except pa.ArrowException:  # not all numbers: find which cells below
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

    def _check_allocation(self, weights: np.ndarray, table: pa.Table, first_row: int) -> None:
        """A respondent either allocates all ``total`` points or leaves every W blank.

        Blank cells next to cells that already sum to the total are zero points (people
        leave a dimension they give nothing to blank); any other sum is an error.
        """
        total = self.inst.importance.total
        given = ~np.isnan(weights)
        any_given = given.any(axis=0)
        sums = np.where(given, weights, 0.0).sum(axis=0)
        with np.errstate(invalid="ignore"):
            negative = (weights < 0).any(axis=0)
        bad_sum = any_given & ~negative & (np.abs(sums - total) > 1e-6)
        cols = [self.layout.weights[d.id] for d in self.inst.dimensions]
        label = f"{cols[0]}…{cols[-1]}"
        for i in np.flatnonzero(negative):
            self._problem("importance points cannot be negative", first_row + int(i), label,
                          [py_value(table.column(c), i) for c in cols])
        for i in np.flatnonzero(bad_sum):
            self._problem(f"importance allocation sums to {sums[i]:g}, not {total}", first_row + int(i), label,
                          [py_value(table.column(c), i) for c in cols])
        weights[any_given[None, :] & ~given] = 0.0

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
        codes, valid = int_buffers(encoded.indices)
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


def _is_number(v) -> bool:
    try:
        float(v)
    except (TypeError, ValueError):
        return False
    return True
