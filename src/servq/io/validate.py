"""Validation: Arrow chunks of a response file -> numeric answer arrays, and every problem.

Each problem names the file, the spreadsheet row (the first answer row is row 2 unless the
file says otherwise: ``first_row``), the column and the value. Problems are collected over
the whole file (up to ``max_problems`` kept, all counted); :meth:`Validator.finish`
raises :class:`~servq.errors.DataError` if there were any, so a file with errors gives no
results.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import DataError, Problem
from ..instruments.schema import Instrument, Part
from .arrow import as_text, flat, floats, int_buffers, is_number, py_value
from .columns import Layout, Mapping
from .ids import RepeatedIds, hash64


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


@dataclass
class ChunkReport:
    """What :meth:`Validator.validate` found in one chunk, for :meth:`Validator.add`."""

    rows: int = 0
    cells: int = 0
    blank: int = 0
    dont_know: int = 0
    problems: list[Problem] = field(default_factory=list)
    total_problems: int = 0
    off_scale: tuple[float, float, int, int] | None = None  # items off the scale: range, off, valid answers
    ends: tuple[bool, bool] = (False, False)  # an item answer at the scale's lowest / highest point
    id_hashes: np.ndarray | None = None  # 64-bit hashes of the chunk's ids (not null)
    ids: pa.Array | None = None  # the ids themselves, when the validator keeps them
    texts: list[str] = field(default_factory=list)  # the first texts that are no numbers, for a hint


class Validator:
    """Validates a file's chunks in order (:meth:`check`), then the whole (:meth:`finish`).

    :meth:`check` is :meth:`validate` (one chunk on its own, on any thread) followed by
    :meth:`add` (its counts, problems and ids, in file order).

    ``reread_ids``, when given, reads the file again as tables holding (at least) the
    respondent id column, in file order: the duplicate-id check reads the ids a second
    time when some may repeat, and holds only their hashes meanwhile (io/ids.py).
    Without it the ids are kept in memory. ``first_row`` is the spreadsheet row of the
    file's first answer row (2: the column names on row 1 and nothing between).
    """

    def __init__(self, instrument: Instrument, layout: Layout, by: dict[str, str], mapping: Mapping,
                 file: str, max_problems: int = 50, reread_ids: Callable[[], Iterable[pa.Table]] | None = None,
                 first_row: int = 2):
        self.inst = instrument
        self.layout = layout
        self.by = by
        self.mapping = mapping
        self.file = file
        self.max_problems = max_problems
        self.first_row = first_row
        self.problems: list[Problem] = []
        self.total_problems = 0
        self.rows = 0
        self.cells = 0
        self.blank = 0
        self.dont_know = 0
        self._ids = RepeatedIds() if layout.respondent_id is not None else None
        self._reread_ids = reread_ids
        self._kept_ids: list[pa.Array] | None = [] if reread_ids is None else None
        self.off_scale: tuple[float, float, int, int] | None = None  # as ChunkReport.off_scale, of the file
        self.ends = (False, False)  # as ChunkReport.ends, of the file
        self.texts: list[str] = []  # as ChunkReport.texts, of the file
        self._missing_codes = [float(str(v).replace(",", ".")) for v in mapping.missing if is_number(v)]
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
        answers, report = self.validate(table, self.rows + self.first_row)
        self.add(report)
        return answers

    def validate(self, table: pa.Table, first_row: int, segments: bool = True) -> tuple[Answers, ChunkReport]:
        """Validate and convert the chunk whose first row is spreadsheet row ``first_row``,
        changing nothing here: safe on any thread; :meth:`add` its report in file order.
        Without ``segments`` the answers' segment texts are left out (the caller has them)."""
        part = copy.copy(self)
        part.problems, part.total_problems, part.texts = [], 0, []
        part.rows, part.cells, part.blank, part.dont_know, part.off_scale = first_row - self.first_row, 0, 0, 0, None
        answers = part._convert(table, segments)
        report = ChunkReport(table.num_rows, part.cells, part.blank, part.dont_know, part.problems,
                             part.total_problems, part.off_scale, part.ends, texts=part.texts)
        if self._ids is not None:
            ids = as_text(table.column(self.layout.respondent_id))
            h, valid = hash64(ids)
            report.id_hashes = h if valid.all() else h[valid]
            if self._kept_ids is not None:
                report.ids = ids
        return answers, report

    def add(self, report: ChunkReport) -> None:
        """Count a chunk :meth:`validate` checked: chunks must be added in file order."""
        self.rows += report.rows
        self.cells += report.cells
        self.blank += report.blank
        self.dont_know += report.dont_know
        room = max(0, self.max_problems - len(self.problems))
        self.problems += report.problems[:room]
        self.total_problems += report.total_problems
        if report.off_scale is not None:
            self.off_scale = _widened(self.off_scale, *report.off_scale)
        self.ends = (self.ends[0] or report.ends[0], self.ends[1] or report.ends[1])
        self.texts += [t for t in dict.fromkeys(report.texts) if t not in self.texts][:TEXTS_SHOWN - len(self.texts)]
        if self._ids is not None:
            self._ids.add_hashes(report.id_hashes, report.rows)
            if self._kept_ids is not None:
                self._kept_ids.append(report.ids)

    def _convert(self, table: pa.Table, with_segments: bool) -> Answers:
        first_row = self.rows + self.first_row
        n = table.num_rows
        inst, sc = self.inst, self.inst.scale
        names = [self.layout.answers[(part, item.id)] for part in inst.parts for item in inst.items]
        if first_row == self.first_row:
            table = self._header_rows(table, names)
        codes = self._codes(table, names, first_row, sc.min, sc.max, sc.dont_know)
        if not all(self.ends):  # a scale other than the instrument's leaves an end unused; seen once, no more looks
            self.ends = (self.ends[0] or bool((codes == 1).any()), self.ends[1] or bool((codes == sc.max - sc.min + 1).any()))
        k = len(inst.items)
        self._not_asked(table, names, codes)
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
            cols = self.layout.outcomes.get(out.id)
            if cols:  # a multi-item outcome's score: the mean of the items answered
                values = np.stack([self._numbers(table.column(c), c, first_row) for c in cols])
                ok = self._on_scale(values, ~np.isnan(values), [table.column(c) for c in cols], cols, first_row,
                                    out.min, out.max, None)
                answered = ok.sum(axis=0)
                with np.errstate(invalid="ignore"):
                    outcomes[j] = np.where(answered > 0, np.where(ok, values, 0.0).sum(axis=0) / answered, np.nan)
        segments = {name: as_text(table.column(src)) for name, src in self.by.items()} if with_segments else {}
        kano = self._kano(table, first_row) if inst.kano is not None else None
        return Answers(parts, weights, outcomes, segments, n, kano)

    def _header_rows(self, table: pa.Table, names: list[str]) -> pa.Table:
        """The table with its first rows blanked in the answer columns when they hold text
        but no answer there, above a row that holds one: the header rows SurveyMonkey (the
        options) and Qualtrics (the question texts, the import ids) put below the column
        names. One problem each, not one for every cell, naming the ``--first-row`` to
        analyse with."""
        columns = [flat(table.column(c)) for c in names]
        if not columns or not all(pa.types.is_string(c.type) for c in columns):
            return table

        def answers(i: int) -> bool | None:  # whether row i holds an answer; None: nothing at all
            cells = [v.strip() for v in (c[i].as_py() for c in columns) if v is not None and v.strip()]
            return any(v in self.mapping.values or is_number(v) for v in cells) if cells else None

        top = 0
        while top < min(3, table.num_rows - 1) and answers(top) is False:
            top += 1
        if not top or not answers(top):
            return table
        start = self.first_row + top
        for i in range(top):
            j = next(j for j, c in enumerate(columns) if c[i].is_valid and c[i].as_py().strip())
            self._problem(f"row {self.first_row + i} holds no answers but text in the answer columns: "
                          f"{'a second' if i == 0 else 'another'} header row, as SurveyMonkey and Qualtrics export: "
                          f"analyse with --first-row {start} (the first row with answers), or delete it",
                          self.first_row + i, names[j], columns[j][i].as_py())
        above = pa.array(np.arange(table.num_rows) < top)
        for name in self.layout.numeric_columns():
            col = flat(table.column(name))
            if pa.types.is_string(col.type):
                table = table.set_column(table.column_names.index(name), name,
                                         pc.if_else(above, pa.scalar(None, pa.string()), col))
        return table

    def _not_asked(self, table: pa.Table, names: list[str], codes: np.ndarray) -> None:
        """Take the blank cells of items whose ``show_if`` was not met out of the counted
        cells and blanks: an item the questionnaire did not show was not asked, it was not
        left blank."""
        hidden = int(not_asked(self.inst, table, names, codes).sum())
        self.cells -= hidden
        self.blank -= hidden

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
        codes = self._int_codes(columns, names, first_row, lo, hi, dont_know)
        if codes is not None:
            return codes
        values, valid = self._stack(columns, names, first_row)
        self.cells += valid.size
        self.blank += int(valid.size - np.count_nonzero(valid))
        if dont_know is not None:
            dk = valid & (values == dont_know)
            n_dk = int(np.count_nonzero(dk))
            if n_dk:
                valid &= ~dk
                self.dont_know += n_dk
        ok = self._on_scale(values, valid, columns, names, first_row, lo, hi, dont_know, items=True)
        # off-scale answers (1e9, inf) are problems already: only answers on the scale are cast
        codes = np.where(ok, values, lo - 1).astype(np.int16, copy=False) - (lo - 1)
        return codes.astype(np.int8)

    def _int_codes(self, columns: list[pa.Array], names: list[str], first_row: int, lo: int, hi: int,
                   dont_know: int | None) -> np.ndarray | None:
        """:meth:`_codes` of integer-typed columns (Parquet, SPSS, pandas), or None for others.

        The answers stay in their own integer type (int8 for most Parquet files): a blank
        cell is first filled with a value off the scale (the type's smallest), so that
        "on the scale" alone tells a valid answer; blanks are counted from the Arrow
        null counts, don't-knows only when some valid answer is off the scale."""
        if not columns or not all(pa.types.is_integer(c.type) for c in columns):
            return None
        dtype = np.result_type(*(c.type.to_pandas_dtype() for c in columns))
        info = np.iinfo(dtype)
        blank = info.min if info.min < lo else info.max
        if (lo - 1 < info.min or hi > info.max or lo <= blank <= hi or blank == dont_know
                or blank in self._missing_codes or hi - lo + 1 > 127):
            return None
        k, n = len(columns), len(columns[0])
        typ = pa.from_numpy_dtype(dtype)
        # one array of every column after the other: one fill, and its buffer is the matrix
        big = pa.concat_arrays([c if c.type == typ else c.cast(typ) for c in columns])
        nulls = big.null_count
        if nulls:  # (a scalar made from a Python int would import pandas)
            fill = pa.Array.from_buffers(typ, 1, [None, pa.py_buffer(np.array([blank], dtype=dtype).tobytes())])[0]
            big = pc.fill_null(big, fill)
        values = np.frombuffer(big.buffers()[1], dtype=dtype, count=big.offset + k * n)[big.offset:].reshape(k, n)
        if int(np.count_nonzero(values == blank)) != nulls:
            return None  # the filler is an answer in the file: the general path names it
        if self._missing_codes:
            values = values.copy()
        for code in self._missing_codes:
            if info.min <= code <= info.max and float(code).is_integer():
                hit = values == int(code)
                nulls += int(np.count_nonzero(hit))
                values[hit] = blank
        ok = values >= lo
        ok &= values <= hi
        n_valid, n_ok = k * n - nulls, int(np.count_nonzero(ok))
        self.cells += k * n
        self.blank += nulls
        dk = None
        if n_ok < n_valid and dont_know is not None:
            dk = values == dont_know
            self.dont_know += int(np.count_nonzero(dk))
        if n_ok + (0 if dk is None else int(np.count_nonzero(dk))) < n_valid:  # answers off the scale
            valid = values != blank
            if dk is not None:
                valid &= ~dk
            self._on_scale(values, valid, columns, names, first_row, lo, hi, dont_know, items=True)
        codes = (values - (lo - 1)).astype(np.int8, copy=False)
        codes *= ok
        return codes

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
                  lo: int, hi: int, dont_know: int | None, items: bool = False) -> np.ndarray:
        """Mask of valid answers on the scale (columns x rows); every other valid answer
        is a problem. For the ``items`` the answers' range is kept, for a hint."""
        ok = valid & (values >= lo) & (values <= hi)
        if values.dtype.kind == "f":
            ok &= values == np.round(values)
        n_ok, n_valid = np.count_nonzero(ok), np.count_nonzero(valid)
        if n_ok == n_valid:
            return ok
        bad = valid & ~ok
        off = bad & ((values < lo) | (values > hi))
        if off.any() and items:
            seen = values[valid]
            self.off_scale = _widened(self.off_scale, float(seen.min()), float(seen.max()),
                                      int(np.count_nonzero(off)), int(seen.size))
        dk_hint = f" or {dont_know} for don't know" if dont_know is not None else ""
        # one line per column and kind, with the count and the first rows: not thousands alike
        for j in np.flatnonzero(bad.any(axis=1)):
            for rows, what in ((np.flatnonzero(off[j]), f"outside the scale {lo}-{hi}{dk_hint}"),
                               (np.flatnonzero(bad[j] & ~off[j]), "not a whole scale point")):
                if not rows.size:
                    continue
                shown = ", ".join(str(first_row + int(i)) for i in rows[:5]) + (", …" if rows.size > 5 else "")
                message = what if rows.size == 1 else f"{rows.size} answers {what} (rows {shown})"
                self._problem(message, first_row + int(rows[0]), names[j], py_value(columns[j], int(rows[0])))
                self.total_problems += rows.size - 1
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
                if len(self.texts) < TEXTS_SHOWN and text not in self.texts:
                    self.texts.append(text)
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
        if self._ids is not None and self._ids.rows:
            self._check_duplicates()
        if self.rows == 0:
            self._problem("the file has no answer rows")
        hint = None
        if self.off_scale is not None and self.off_scale[2] >= HINT_SHARE * self.off_scale[3]:
            # many answers off the scale: another scale, most likely, not typing mistakes
            hint = _scale_hint(self.inst.scale.min, self.inst.scale.max, *self.off_scale[:2])
        if self.texts and all(map(_DATE_TEXT.fullmatch, self.texts)):  # a sheet's answer cells formatted as dates
            shown = ", ".join(repr(t) for t in self.texts)
            hint = (f"the answers read as dates ({shown}): are the answer cells formatted as dates in the spreadsheet? "
                    "Format them as numbers (Excel: Format Cells, Number) and save again" + (f"; {hint}" if hint else ""))
        elif self.texts and all(t in _SHEET_ERRORS for t in self.texts):  # formulas that failed
            shown = ", ".join(repr(t) for t in self.texts)
            hint = (f"the answer cells hold spreadsheet errors ({shown}): formulas that failed, or numbers the sheet "
                    "could not show; correct or clear them in the spreadsheet" + (f"; {hint}" if hint else ""))
        elif self.texts:  # answers written as their labels: "Agree", "7 - Strongly agree"
            shown = ", ".join(repr(t) for t in self.texts)
            hint = (f"the answers are written as text ({shown}): a mapping file's values: recodes each text to its "
                    "scale point (docs/data.md, Mapping file for other layouts)" + (f"; {hint}" if hint else ""))
        if self.failed:
            raise DataError(
                f"{self.file}: {self.total_problems} problem(s) found; no results were produced",
                self.problems, self.total_problems, hint,
            )

    def _check_duplicates(self) -> None:
        """Every row whose id is on an earlier row too, naming both rows (exact: the
        hashes only pick the candidates, their text decides)."""
        column = self.layout.respondent_id
        if self._kept_ids is not None:
            kept = self._kept_ids
            self._kept_ids = []

            def reread() -> Iterable[pa.Array]:
                return iter(kept)
        else:
            def reread() -> Iterable[pa.Array]:
                return (as_text(t.column(column)) for t in self._reread_ids())
        total, found = self._ids.find(reread, self.max_problems)
        for row, first, value in found:
            self._problem(f"respondent id repeated (first at row {first + self.first_row})", row + self.first_row, column,
                          value)
        self.total_problems += total - len(found)


def not_asked(inst: Instrument, table: pa.Table, names: list[str], codes: np.ndarray) -> np.ndarray:
    """The item cells of each row of ``table`` that were not asked: blank, of an item whose
    ``show_if`` the row's answer does not meet (a blank or don't-know answer meets none).
    ``names`` (the items' columns) and ``codes`` (their answer codes, as in
    :class:`Answers`) are in part x item order."""
    k = len(inst.items)
    row_of = {f"{p.prefix}{it.id}": i * k + j for i, p in enumerate(inst.parts) for j, it in enumerate(inst.items)}
    lo = inst.scale.min
    out = np.zeros(table.num_rows, dtype=np.int64)
    for j, it in enumerate(inst.items):
        if it.show_if is None or it.show_if.answer not in row_of:
            continue
        shown = np.isin(codes[row_of[it.show_if.answer]], [v - lo + 1 for v in it.show_if.values])
        for i in range(len(inst.parts)):
            out += np.asarray(flat(table.column(names[i * k + j])).is_null(), dtype=bool) & ~shown
    return out


TEXTS_SHOWN = 3  # texts that are no numbers named in the hint
_SHEET_ERRORS = frozenset({"#VALUE!", "#DIV/0!", "#N/A", "#REF!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!"})
_DATE_TEXT = re.compile(r"\d{4}-\d\d-\d\d( \d\d:\d\d:\d\d)?|\d\d:\d\d:\d\d")  # a sheet's date or time cell, as read
HINT_SHARE = 0.1  # off-scale share of the item answers from which the answers' scale is suggested


def _widened(seen: tuple[float, float, int, int] | None, low: float, high: float, off: int,
             valid: int) -> tuple[float, float, int, int]:
    if seen is None:
        return low, high, off, valid
    return min(seen[0], low), max(seen[1], high), seen[2] + off, seen[3] + valid


COMMON_TOPS = (5, 6, 7, 10, 11, 100)  # the highest points of common rating scales


def _scale_hint(low: int, high: int, seen_low: float, seen_high: float) -> str:
    """What to do when answers lie off the instrument's scale: the scale they seem to be on."""
    top = next((t for t in COMMON_TOPS if t >= seen_high), int(np.ceil(seen_high)))
    bottom = int(np.floor(seen_low)) if seen_low < 0 else (0 if seen_low == 0 or top in (10, 100) else 1)
    return (f"the answers run from {seen_low:g} to {seen_high:g}, but the instrument's scale is {low}-{high}; "
            f"if they were asked on a {bottom}-{top} scale, analyse with --scale {bottom}:{top} "
            "(a mapping file recodes other codes: docs/data.md)")
