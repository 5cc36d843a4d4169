"""Evaluate an index system on a data file: answer counts per grade, fuzzy comprehensive
evaluation up the hierarchy, the overall index and each criterion's contribution.

Only the indicator columns (and the ``by`` column) are read, in chunks, with the readers
of :mod:`servq.io.readers`. Each chunk is validated (every answer must be a code of the
system's scale, after missing codes are removed) and reduced to a count of answers per
grade per indicator — ``np.bincount`` — so chunks merge by addition and the result does
not depend on the chunk size. Then, with m indicators and grades g_1 … g_k:

- membership r_ij = n_ij / Σ_j n_ij, the share of indicator i's answers in grade j
  (missing answers excluded);
- each criterion's evaluation vector B = W ∘ R from its children's vectors
  (:func:`servq.stats.fuzzy.fuzzy_hierarchy`), normalised to Σ b_j = 1, its grade by
  maximum membership and its score S = Σ_j b_j v_j with the grade values v_j;
- global weight = product of the local weights on the path from the root, contribution =
  global weight × score (under the weighted-average operator the contributions of the
  children of any criterion sum to its score times its global weight, and those of the top
  criteria to the overall index).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .. import __version__
from ..errors import DataError, Problem, UsageError
from ..instruments.schema import LANGUAGES
from ..io.arrow import as_text, flat, py_value
from ..io.readers import DEFAULT_CHUNK, skipped_answers, source_of
from ..stats.fuzzy import OPERATORS, FuzzyHierarchyResult, fuzzy_hierarchy
from .loader import system_and_source
from .schema import Node, System, Weights, node_weights

if TYPE_CHECKING:
    import pandas as pd

SCHEMA_VERSION = "1"


@dataclass(frozen=True)
class SegmentIndex:
    """The index within one value of the ``by`` column; ``hierarchy`` is None when the
    segment is suppressed (fewer than ``min_n`` rows) or an indicator has no answers in it
    (``reason`` says which)."""

    value: str
    n: int
    hierarchy: FuzzyHierarchyResult | None
    reason: str | None = None


@dataclass(frozen=True)
class IndexResult:
    """The evaluated index system: overall index, every criterion and indicator, AHP
    diagnostics per criterion and, with ``by``, the index per segment.

    ``to_dict()`` follows ``indexsystem/index.schema.json``; ``to_frame()`` gives one row
    per node of the tree.
    """

    system: System
    system_source: str
    hierarchy: FuzzyHierarchyResult
    weights: dict[str, Weights]
    counts: dict[str, tuple[int, ...]]
    rows: int
    operator: str
    lang: str
    min_n: int
    data_file: str
    data_format: str
    by: str | None = None
    segments: tuple[SegmentIndex, ...] = ()
    unknown_segment: int = 0
    generated_at: str = field(default_factory=lambda: datetime.now(UTC)
                              .isoformat(timespec="seconds"))

    @property
    def overall(self) -> dict:
        """Score, grade and memberships of the whole system."""
        return self._node_dict(self.hierarchy.overall, brief=True)

    @property
    def criteria(self) -> list[dict]:
        """Every node below the root (criteria and indicators), depth-first."""
        return self.to_dict()["criteria"][1:]

    def ahp(self) -> list[dict]:
        """AHP diagnostics of every criterion weighted by pairwise judgements."""
        out = []
        for _, node in self.system.nodes():
            w = self.weights.get(node.id)
            if w is not None and w.ahp is not None:
                r = w.ahp
                out.append({"node": node.id, "label": node.text(self.lang),
                            "children": list(r.labels),
                            "weights": [float(x) for x in r.weights],
                            "lambda_max": r.lambda_max, "ci": r.ci, "ri": r.ri, "cr": r.cr,
                            "consistent": r.consistent})
        return out

    def _node_dict(self, ev, brief: bool = False) -> dict:
        grades = self.system.grades
        j = [g.id for g in grades].index(ev.grade)
        out = {"score": ev.score, "grade": ev.grade, "grade_label": grades[j].text(self.lang),
               "membership": [float(x) for x in ev.b]}
        if brief:
            return out
        return {**out, "weight": ev.weight, "global_weight": ev.global_weight,
                "contribution": ev.contribution}

    def to_dict(self) -> dict:
        """The JSON contract (``index.schema.json``)."""
        sys = self.system
        nodes = dict(self.system.nodes())
        parents = {c.id: n for _, n in nodes.items() for c in (n.children or [])}
        criteria = []
        for (_where, node), ev in zip(self.system.nodes(), self.hierarchy.nodes):
            parent = parents.get(node.id)
            method = None
            if parent is not None:
                method = "ahp" if parent.ahp is not None else "direct"
            counts = self.counts.get(node.id)
            criteria.append({
                "id": node.id, "label": node.text(self.lang), "path": list(ev.path),
                "depth": len(ev.path) - 1, "kind": "indicator" if node.leaf else "criterion",
                "column": node.column, "reverse": node.reverse if node.leaf else None,
                "n": None if counts is None else int(sum(counts)),
                "counts": None if counts is None else [int(c) for c in counts],
                "weight_method": method, **self._node_dict(ev)})
        segments = None
        if self.by is not None:
            segments = {"by": self.by, "unknown": self.unknown_segment, "groups": [
                {"value": s.value, "n": s.n, "suppressed": s.hierarchy is None,
                 "reason": s.reason,
                 "overall": None if s.hierarchy is None else self._node_dict(
                     s.hierarchy.overall, brief=True),
                 "criteria": None if s.hierarchy is None else [
                     {"id": ev.path[-1], "score": ev.score, "grade": ev.grade,
                      "membership": [float(x) for x in ev.b]}
                     for ev in s.hierarchy.nodes[1:]]}
                for s in self.segments]}
        return copy.deepcopy({
            "schema_version": SCHEMA_VERSION, "servq_version": __version__,
            "generated_at": self.generated_at,
            "system": {"id": sys.id, "version": sys.version, "name": sys.title(self.lang),
                       "source": self.system_source, "reference": sys.reference},
            "source": {"file": self.data_file, "format": self.data_format, "rows": self.rows},
            "options": {"operator": self.operator, "by": self.by, "lang": self.lang,
                        "min_n": self.min_n},
            "scale": {"min": sys.scale.min, "max": sys.scale.max,
                      "missing": list(sys.scale.missing)},
            "grades": [{"id": g.id, "label": g.text(self.lang), "value": g.value,
                        "answers": list(g.answers)} for g in sys.grades],
            "overall": self.overall, "criteria": criteria, "ahp": self.ahp(),
            "segments": segments})

    def to_frame(self) -> pd.DataFrame:
        """One row per node (root first): label, kind, local and global weight,
        memberships ``b_<grade>``, score, grade and contribution."""
        import pandas as pd

        rows = [{"label": c["label"], "kind": c["kind"], "depth": c["depth"],
                 "column": c["column"], "n": c["n"], "weight": c["weight"],
                 "global_weight": c["global_weight"],
                 **{f"b_{g.id}": b for g, b in zip(self.system.grades, c["membership"])},
                 "score": c["score"], "grade": c["grade"], "contribution": c["contribution"]}
                for c in self.to_dict()["criteria"]]
        ids = [c.path[-1] for c in self.hierarchy.nodes]
        return pd.DataFrame(rows, index=pd.Index(ids, name="criterion"))


def index(data, system, *, operator: str = "weighted_average", by: str | None = None,
          lang: str = "en", min_n: int = 5, sheet: str | None = None,
          chunk_size: int = DEFAULT_CHUNK, max_problems: int = 50, header_row: int = 1,
          first_row: int | None = None) -> IndexResult:
    """Evaluate an index system on a data file with fuzzy comprehensive evaluation.

    Parameters
    ----------
    data : path, pandas.DataFrame or pyarrow.Table
        One row per respondent; a .csv, .xlsx, .xls, .ods, .parquet or .sav file is read in chunks.
    system : str, path or System
        A built-in system id (``"telecom-enterprise"``, ``"customer-delivered-value"``) or
        a system YAML file.
    operator : {"weighted_average", "min_max"}
        M(·, ⊕): b_j = Σ_i w_i r_ij (default), or Zadeh's M(∧, ∨): b_j = max_i min(w_i, r_ij).
    by : str, optional
        A segment column: the index is also evaluated within each of its values.
    lang : {"en", "sv", "zh"}
        Language of the labels in the result.
    min_n : int
        Segments with fewer rows are suppressed (privacy, stability).
    header_row, first_row : int
        The spreadsheet rows of a CSV file's or a sheet's column names (default 1) and of its
        first answers (default: the next row); the rows between are skipped, and one of them
        holding answers is a DataError (docs/data.md).

    Returns
    -------
    IndexResult

    Raises
    ------
    DataError
        An indicator column is missing or holds values that are not answer codes (every
        problem listed with file, row, column and value).
    IndexSystemError
        The system file is invalid (every problem with its line), including AHP judgements
        with CR ≥ .10.

    Examples
    --------
    >>> import servq
    >>> table = servq.simulate("customer-value", 300, seed=1)
    >>> r = servq.index(table, "customer-delivered-value")
    >>> r.overall["grade"], round(r.overall["score"], 1)
    ('good', 69.6)
    """
    if operator not in OPERATORS:
        raise UsageError(f"unknown operator '{operator}' (choose {' or '.join(OPERATORS)})")
    if lang not in LANGUAGES:
        raise UsageError(f"unknown language '{lang}' (choose {', '.join(LANGUAGES)})")
    if min_n < 1:
        raise UsageError(f"min_n must be at least 1, got {min_n}")
    sys, sys_source = system_and_source(system)
    source = source_of(data, sheet, header_row=header_row, first_row=first_row)
    name = str(source.path)
    indicators = sys.indicators()
    columns = _resolve(source.columns, [n.column for n in indicators], name, sys_source,
                       [n.id for n in indicators])
    skipped_answers(source, columns)
    by_column = None
    if by is not None:
        by_column = _resolve_by(source.columns, by, name)
    counter = _Counter(sys, indicators, columns, name, max_problems, source.first_row)
    wanted = list(dict.fromkeys(columns + ([by_column] if by_column else [])))
    for table in source.chunks(wanted, chunk_size):
        counter.add(table, by_column)
    counter.finish()
    weights = {node.id: node_weights(node) for _, node in sys.nodes() if not node.leaf}
    values = [g.value for g in sys.grades]
    grades = [g.id for g in sys.grades]
    hierarchy = fuzzy_hierarchy(_tree(sys.criteria, weights, counter.counts, indicators),
                                operator, values, grades)
    segments = []
    for value in sorted(counter.segment_rows):
        n = counter.segment_rows[value]
        c = counter.segment_counts[value]
        if n < min_n:
            segments.append(SegmentIndex(value, n, None, "min_n"))
            continue
        empty = [ind.column for ind, row in zip(indicators, c) if row.sum() == 0]
        if empty:
            segments.append(SegmentIndex(value, n, None, f"no_answers:{empty[0]}"))
            continue
        segments.append(SegmentIndex(value, n, fuzzy_hierarchy(
            _tree(sys.criteria, weights, c, indicators), operator, values, grades)))
    return IndexResult(
        system=sys, system_source=sys_source, hierarchy=hierarchy, weights=weights,
        counts={ind.id: tuple(int(x) for x in row) for ind, row in zip(indicators, counter.counts)},
        rows=counter.rows, operator=operator, lang=lang, min_n=min_n, data_file=name,
        data_format=source.format, by=by_column, segments=tuple(segments),
        unknown_segment=counter.unknown_segment)


# --------------------------------------------------------------------------- reading


def _resolve(header: Sequence[str], wanted: Sequence[str], file: str, sys_source: str,
             ids: Sequence[str]) -> list[str]:
    """The data's name of each indicator column: exact, else the one case-insensitive match."""
    lower: dict[str, list[str]] = {}
    for h in header:
        lower.setdefault(h.strip().lower(), []).append(h)
    out, problems = [], []
    for col, node_id in zip(wanted, ids):
        if col in header:
            out.append(col)
        elif len(lower.get(col.lower(), [])) == 1:
            out.append(lower[col.lower()][0])
        else:
            problems.append(Problem(f"indicator '{node_id}' of {sys_source} needs this column, "
                                    f"which is not in the data", file=file, column=col))
    if problems:
        raise DataError(f"{file}: {len(problems)} indicator column(s) of the index system are "
                        f"missing", problems)
    return out


def _resolve_by(header: Sequence[str], by: str, file: str) -> str:
    if by in header:
        return by
    matches = [h for h in header if h.strip().lower() == by.lower()]
    if len(matches) == 1:
        return matches[0]
    raise UsageError(f"{file}: no column '{by}' to break the index down by "
                     f"(columns: {', '.join(header)})")


class _Counter:
    """Answers per grade per indicator (and per segment), accumulated over chunks, and
    every invalid answer as a problem."""

    def __init__(self, system: System, indicators: list[Node], columns: list[str], file: str,
                 max_problems: int, first_row: int = 2):
        self.sc = system.scale
        self.lookup = system.grade_lookup()
        self.k = len(system.grades)
        self.indicators = indicators
        self.columns = columns
        self.file = file
        self.max_problems = max_problems
        self.first_row = first_row  # the spreadsheet row of the first answers
        self.counts = np.zeros((len(indicators), self.k), dtype=np.int64)
        self.segment_counts: dict[str, np.ndarray] = {}
        self.segment_rows: dict[str, int] = {}
        self.unknown_segment = 0
        self.rows = 0
        self.problems: list[Problem] = []
        self._pending: list[Problem] = []
        self.total = 0
        missing = ", ".join(f"{m:g}" for m in self.sc.missing)
        self.expected = (f"not an answer code of the scale {self.sc.min}-{self.sc.max}"
                         + (f" (missing: {missing})" if missing else ""))

    def _problem(self, message, row, column, value) -> None:
        self.total += 1
        if len(self.problems) + len(self._pending) < self.max_problems:
            self._pending.append(Problem(message, file=self.file, row=row, column=column,
                                         value=value))

    def _flush(self) -> None:
        """Keep a chunk's problems in file order (row, then column)."""
        order = {c: i for i, c in enumerate(self.columns)}
        self.problems += sorted(self._pending, key=lambda p: (p.row or 0, order.get(p.column, -1)))
        self._pending = []

    def add(self, table: pa.Table, by: str | None) -> None:
        first_row = self.rows + self.first_row  # spreadsheet numbering
        n = table.num_rows
        seg_codes, seg_values = None, None
        if by is not None:
            encoded = pc.dictionary_encode(as_text(table.column(by)))
            seg_values = [str(v) for v in encoded.dictionary.to_pylist()]
            idx = encoded.indices
            known = ~np.asarray(idx.is_null())
            seg_codes = np.where(known, idx.fill_null(0).to_numpy(zero_copy_only=False), -1)
            self.unknown_segment += int(n - known.sum())
            rows = np.bincount(seg_codes[known], minlength=len(seg_values))
            for v, r in zip(seg_values, rows):
                if r:
                    self.segment_rows[v] = self.segment_rows.get(v, 0) + int(r)
        seg_block = np.zeros((len(seg_values or []), len(self.indicators), self.k), np.int64)
        for i, (node, col) in enumerate(zip(self.indicators, self.columns)):
            arr = flat(table.column(col))
            grade = self._grades(arr, col, node.reverse, first_row)
            ok = grade >= 0
            self.counts[i] += np.bincount(grade[ok], minlength=self.k)
            if seg_codes is not None:
                sel = ok & (seg_codes >= 0)
                counts = np.bincount(seg_codes[sel] * self.k + grade[sel],
                                    minlength=len(seg_values) * self.k)
                seg_block[:, i, :] = counts.reshape(len(seg_values), self.k)
        for s, v in enumerate(seg_values or []):
            if v not in self.segment_counts:
                self.segment_counts[v] = np.zeros((len(self.indicators), self.k), np.int64)
            self.segment_counts[v] += seg_block[s]
        self.rows += n
        self._flush()

    def _grades(self, arr: pa.Array, col: str, reverse: bool, first_row: int) -> np.ndarray:
        """Grade index of every cell, −1 for a missing or invalid answer (invalid ones are
        recorded as problems)."""
        values = self._numbers(arr, col, first_row)
        for code in self.sc.missing:
            values[values == code] = np.nan
        valid = ~np.isnan(values)
        lo, hi = self.sc.min, self.sc.max
        with np.errstate(invalid="ignore"):
            ok = valid & (values >= lo) & (values <= hi) & (values == np.round(values))
        for i in np.flatnonzero(valid & ~ok):
            self._problem(self.expected, first_row + int(i), col, py_value(arr, i))
        codes = np.where(ok, values, lo).astype(np.int64)
        if reverse:
            codes = lo + hi - codes
        return np.where(ok, self.lookup[codes - lo], -1)

    def _numbers(self, arr: pa.Array, col: str, first_row: int) -> np.ndarray:
        if pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type):
            trimmed = pc.utf8_trim_whitespace(arr)
            try:
                return pc.cast(trimmed, pa.float64()).to_numpy(zero_copy_only=False).astype(float)
            except pa.ArrowException:  # not all numbers: find the cells that are not
                pass
            out = np.full(len(arr), np.nan)
            for i, text in enumerate(trimmed.to_pylist()):
                if text:
                    try:
                        out[i] = float(text.replace(",", "."))
                    except ValueError:
                        self._problem("not a number", first_row + i, col, arr[i].as_py())
            return out
        if pa.types.is_integer(arr.type) or pa.types.is_floating(arr.type) \
                or pa.types.is_decimal(arr.type):
            return arr.cast(pa.float64()).to_numpy(zero_copy_only=False).astype(float)
        if pa.types.is_null(arr.type):
            return np.full(len(arr), np.nan)
        for i in np.flatnonzero(np.asarray(arr.is_valid())):
            self._problem(f"not a number ({arr.type} column)", first_row + int(i), col, py_value(arr, i))
        return np.full(len(arr), np.nan)

    def finish(self) -> None:
        if self.rows == 0:
            self._problem("the file has no data rows", None, None, None)
        elif not self.total:
            for node, col, row in zip(self.indicators, self.columns, self.counts):
                if row.sum() == 0:
                    self._problem(f"indicator '{node.id}' has no valid answers", None, col, None)
        self._flush()
        if self.total:
            raise DataError(f"{self.file}: {self.total} problem(s) found; no index was computed",
                            self.problems, self.total)


def _tree(node: Node, weights: dict[str, Weights], counts: np.ndarray,
          indicators: list[Node]) -> dict:
    """The nested dict :func:`fuzzy_hierarchy` evaluates, leaves carrying their counts."""
    if node.leaf:
        return {"name": node.id, "counts": counts[indicators.index(node)].tolist()}
    return {"name": node.id, "weights": list(weights[node.id].values),
            "children": [_tree(c, weights, counts, indicators) for c in node.children]}
