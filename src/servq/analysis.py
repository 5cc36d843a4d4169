"""The one entry point: data + instrument (+ options) -> :class:`~servq.results.Results`.

The CLI, the web app and the library all call :func:`analyze`, so they show the same
numbers. Data flow: file -> Arrow chunks -> validated answers -> per-respondent scores ->
moments per group (merged by addition) -> figures.
"""

from __future__ import annotations

import ctypes
import os
import queue
import sys
import threading
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import astuple, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from threadpoolctl import threadpool_limits

from . import __version__
from .errors import UsageError
from .instruments import Instrument, Part, load_instrument
from .io.arrow import as_text, int_buffers
from .io.columns import Mapping, load_mapping, resolve_by, resolve_layout
from .io.periods import DEFAULT_COLUMN, PERIODS, period_labels, period_order
from .io.readers import DEFAULT_CHUNK, label_map, natural_key, source_of
from .io.validate import Validator
from .measures import summarize as fig
from .measures.compare import ADJUSTS, comparisons
from .measures.compare import METHODS as COMPARE_METHODS
from .measures.focus import (
    CROSSHAIRS,
    IMPORTANCE,
    PERFORMANCE,
    bootstrap_drivers,
    ipa,
    key_drivers,
)
from .measures.kano import KanoCounts, kano_block, plus
from .measures.levels import benchmark, levels
from .measures.scores import Scorer
from .results import Results
from .stats.moments import CrossMoments, Moments

SCHEMA_VERSION = "1.0"
_WORKERS = max(1, min(4, os.cpu_count() or 1))
LANGS = ("en", "sv", "zh")


class _Groups:
    """Segment values seen so far, numbered in order of first appearance."""

    def __init__(self, names: Sequence[str], labels: dict[str, dict | None]):
        self.keys: list[tuple[str, str]] = []
        self.ids: dict[tuple[str, str], int] = {}
        self.names = list(names)
        self.labels = labels
        self.unknown = dict.fromkeys(names, 0)

    def codes(self, name: str, values: pa.Array) -> np.ndarray:
        """Each row's group number (-1: no value); ``values`` text, or dictionary-encoded
        text (its dictionary is trimmed here; values no row uses are not groups)."""
        if pa.types.is_dictionary(values.type):
            dictionary, indices = as_text(values.dictionary), values.indices
        else:
            encoded = pc.dictionary_encode(values)
            dictionary, indices = encoded.dictionary, encoded.indices
        idx, known = int_buffers(indices)
        idx = idx.astype(np.intp, copy=False)
        used = np.bincount(idx[known], minlength=len(dictionary)) > 0
        lut = np.full(len(dictionary) + 1, -1, dtype=np.int64)
        for i, v in enumerate(dictionary.to_pylist()):
            if used[i] and v is not None:
                lut[i] = self._id(name, v)
        codes = np.where(known, lut[idx], -1)
        self.unknown[name] += int(np.count_nonzero(codes < 0))
        return codes

    def _id(self, name: str, value: str) -> int:
        labels = self.labels.get(name)
        if labels:
            value = labels.get(value, value)
        key = (name, value)
        if key not in self.ids:
            self.keys.append(key)
            self.ids[key] = len(self.keys)  # group 0 is every respondent
        return self.ids[key]


def analyze(
    data,
    instrument: str | Path | Instrument,
    by: str | Sequence[str] | None = None,
    *,
    lang: str = "en",
    min_n: int = 5,
    confidence: float = 0.95,
    mapping: str | Path | Mapping | None = None,
    sheet: str | None = None,
    chunk_size: int = DEFAULT_CHUNK,
    max_problems: int = 50,
    quality: bool = True,
    invariance: str | None = None,
    ipa_importance: str = "auto",
    ipa_performance: str = "perception",
    ipa_crosshair: str = "mean",
    compare: str = "games-howell",
    adjust: str = "holm",
    period: str | None = None,
    period_column: str | None = None,
    boot: int = 0,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
    economics: str | Path | dict | None = None,
    complaints: int | None = None,
    complaints_register=None,
    complaints_timezone: str = "UTC",
) -> Results:
    """Analyse survey answers with an instrument.

    Parameters
    ----------
    data : path, pandas.DataFrame or pyarrow.Table
        Answers, one row per respondent (CSV, XLSX, Parquet or SPSS .sav when a path);
        columns follow the convention in docs/data.md or ``mapping``.
    instrument : str, path or Instrument
        A catalog id (``"servqual"``), a YAML file, or a loaded instrument.
    by : str or list of str, optional
        Segment columns to break the results down by (each separately).
    lang : {"en", "sv", "zh"}
        Language of labels and item texts in the results.
    min_n : int
        Segments with fewer respondents are suppressed (only their n is reported).
    confidence : float
        Level of the t intervals (means) and Wilson intervals (shares).
    mapping : path or Mapping, optional
        Renames and recodes columns of a layout that does not follow the convention.
    sheet : str, optional
        Worksheet of an XLSX file (default: the first).
    chunk_size : int
        Rows per chunk; results do not depend on it.
    max_problems : int
        At most this many problems are listed when the data are invalid (all are counted).
    quality : bool
        Also accumulate the covariance statistics of the perception items that the
        instrument-quality analysis (reliability, factor structure, validity) needs.
    invariance : str, optional
        A segment column whose groups are compared for measurement invariance; it is
        added to ``by``.
    ipa_importance, ipa_performance, ipa_crosshair : str
        Importance–performance analysis: importance ``auto`` / ``derived`` (relative
        weights) / ``stated`` (100-point allocation); performance ``perception`` / ``gap``;
        crosshair ``mean`` / ``median`` / ``midpoint``.
    compare : {"games-howell", "welch", "none"}
        How the segments of each ``by`` column are compared (the ``comparisons`` block,
        docs/comparisons.md): Welch ANOVA with Games–Howell pairs, or with pairwise Welch
        t-tests; ``none`` skips the comparisons.
    adjust : {"holm", "BH", "bonferroni"}
        Correction of the pairs' p-values for multiple comparisons (Welch t pairs, top-box
        shares and NPS); Games–Howell pairs are family-wise already.
    period : {"month", "quarter", "wave"}, optional
        Follow the scores over time (the ``trends`` block): period by period, the
        change between the last two periods, and control charts (docs/trends.md).
    period_column : str, optional
        The date (month, quarter) or wave column; default ``date`` or ``wave``.
    boot, seed : int
        Bootstrap resamples (0 = none) and their seed for percentile intervals of the key
        drivers; the rows of the driver variables are then kept (docs/drivers-bootstrap.md).
    progress : callable, optional
        Called as ``progress(done, total)`` while the drivers are resampled.
    economics : path or dict, optional
        Service-economics parameters (docs/economics.md); adds the ``economics`` block.
    complaints : int, optional
        Complaining customers in the period; overrides ``inputs.complaints`` of ``economics``.
    complaints_register, complaints_timezone : path, DataFrame or Table; str
        A complaints register (:func:`servq.complaints.register.read_register`, times without
        an offset in ``complaints_timezone``): adds the ``complaints`` block
        (docs/complaints-analytics.md), and its number of complaints is the economics'
        complaint count unless ``complaints`` is given.

    Returns
    -------
    Results

    Raises
    ------
    servq.errors.DataError
        The data do not match the instrument; every problem is listed (file, row,
        column, value) and nothing is computed.
    servq.errors.UsageError
        A wrong option: unknown instrument, unknown ``by`` column, unreadable file.

    Examples
    --------
    >>> import servq
    >>> table = servq.simulate("servqual", 300, seed=1)
    >>> res = servq.analyze(table, "servqual", by="branch")
    >>> res.n_respondents
    300
    """
    if lang not in LANGS:
        raise UsageError(f"unknown language '{lang}' (choose one of {', '.join(LANGS)})")
    if not 0 < confidence < 1:
        raise UsageError(f"confidence must be between 0 and 1, got {confidence}")
    if min_n < 1:
        raise UsageError(f"min_n must be at least 1, got {min_n}")
    if chunk_size < 1:
        raise UsageError(f"chunk_size must be at least 1, got {chunk_size}")
    if boot < 0 or seed < 0:
        raise UsageError(f"boot and seed must be non-negative, got boot={boot}, seed={seed}")
    for name, value, allowed in (("ipa_importance", ipa_importance, IMPORTANCE),
                                 ("ipa_performance", ipa_performance, PERFORMANCE),
                                 ("ipa_crosshair", ipa_crosshair, CROSSHAIRS),
                                 ("compare", compare, COMPARE_METHODS), ("adjust", adjust, ADJUSTS)):
        if value not in allowed:
            raise UsageError(f"{name} must be one of {', '.join(allowed)}, got '{value}'")
    if period is not None and period not in PERIODS:
        raise UsageError(f"period must be one of {', '.join(PERIODS)}, got '{period}'")
    if period_column is not None and period is None:
        raise UsageError("period_column needs a period (month, quarter or wave)")
    inst = load_instrument(instrument)
    econ = None
    if economics is not None:  # its mistakes before the data is read; imported only when asked for
        from .measures.economics import load_economics

        econ = load_economics(economics)
    register = None
    if complaints_register is not None:  # its mistakes too before the answers are read
        from .complaints.register import read_register

        register = read_register(complaints_register, timezone=complaints_timezone, max_problems=max_problems)
    source = source_of(data, sheet)
    file = str(source.path)
    mapping = mapping if isinstance(mapping, Mapping) else load_mapping(mapping)
    layout = resolve_layout(inst, source.columns, mapping, file)
    by_list = [by] if isinstance(by, str) else list(by or [])
    if invariance and invariance not in by_list:
        by_list.append(invariance)
    by_cols = resolve_by(layout, by_list, file)
    period_name, period_src = _period_column(layout, period, period_column, file) if period else (None, None)

    # What is needed only at the end (SciPy's quantiles, pandas and the models) is imported
    # when it is needed, after the data: importing it while the data is read (on a thread
    # of its own) held the GIL against the chunks and cost more than it overlapped.

    def reread_ids():  # the duplicate-id check's second look, when an id may repeat
        return source.chunks(columns=[layout.respondent_id], chunk_size=chunk_size)

    validator = Validator(inst, layout, by_cols, mapping, file, max_problems,
                          reread_ids if layout.respondent_id is not None else None)
    scorer = Scorer(inst)
    groups = _Groups(list(by_cols), {name: label_map(source, col) for name, col in by_cols.items()})
    groups.unknown.update({PERIOD: 0} if period else {})
    wanted = [*layout.numeric_columns(), *by_cols.values()]
    if layout.respondent_id is not None:
        wanted.append(layout.respondent_id)
    if period:
        wanted.append(period_src)
    chunks = source.chunks(columns=list(dict.fromkeys(wanted)), chunk_size=chunk_size, dictionary=list(by_cols.values()))
    inv_name = next(iter(resolve_by(layout, [invariance], file))) if invariance else None
    sums = _accumulate(chunks, validator, scorer, groups, quality_part(inst) if quality else None, inv_name,
                       keep_rows=boot > 0, period=_period_reader(period, period_src) if period else None)
    blank_periods = groups.unknown.pop(PERIOD, 0)
    validator.finish()
    counted = complaints if complaints is not None or register is None else register.num_rows
    res = _results(inst, scorer, sums, groups, Counts.of(validator), layout, source, by=list(by_cols), lang=lang,
                   min_n=min_n, confidence=confidence, quality=quality, inv_name=inv_name, compare=compare,
                   adjust=adjust, ipa_options=(ipa_importance, ipa_performance, ipa_crosshair), boot=boot, seed=seed,
                   progress=progress, econ=econ, complaints=counted,
                   period=(period, period_name, blank_periods) if period else None)
    if register is not None:
        from .complaints.analytics import complaints_block

        res.data["complaints"] = complaints_block(register, lang=lang, min_n=min_n, confidence=confidence,
                                                  timezone=complaints_timezone, max_problems=max_problems)
        if res.data["economics"] is not None:
            used = "option" if complaints is not None else "register"
            res.data["economics"]["inputs"]["complaints_source"] = used
            res.data["notes"].append(f"economics: {counted} complaints from "
                                     + ("--complaints" if used == "option" else "the complaints register"))
    return res


@dataclass(frozen=True)
class Counts:
    """What the validation counted: respondents, answer cells, blank and don't-know cells."""

    rows: int = 0
    cells: int = 0
    blank: int = 0
    dont_know: int = 0

    @classmethod
    def of(cls, validator: Validator) -> Counts:
        return cls(validator.rows, validator.cells, validator.blank, validator.dont_know)

    def __add__(self, other: Counts) -> Counts:
        return Counts(*(a + b for a, b in zip(astuple(self), astuple(other))))


def _results(inst, scorer, sums, groups, counts: Counts, layout, source, *, by, lang, min_n, confidence, quality,
             inv_name=None, compare="games-howell", adjust="holm", ipa_options=("auto", "perception", "mean"),
             boot=0, seed=0, progress=None, econ=None, complaints=None, period=None) -> Results:
    """The figures of accumulated ``sums`` (the part of :func:`analyze` after the data are read)."""
    items, floats = sums.items, sums.floats
    overall = Moments.join(items, floats.select_groups([0]))

    data_out = _assemble(inst, scorer, overall, floats, groups, counts, layout, source,
                         lang=lang, min_n=min_n, confidence=confidence, by=by)
    data_out.update(dict.fromkeys(("reliability", "cfa", "validity", "invariance")))
    data_out["options"].update(compare=compare, adjust=adjust)
    data_out["comparisons"] = comparisons(data_out, compare, adjust)
    data_out["drivers"], notes = key_drivers(inst, sums.drivers, lang)
    if boot and data_out["drivers"]:
        bootstrap_drivers(data_out["drivers"], sums.rows, boot=boot, seed=seed, confidence=confidence,
                          workers=_WORKERS, progress=progress)
    data_out["notes"] += notes
    ipa_importance, ipa_performance, ipa_crosshair = ipa_options
    data_out["ipa"], notes = ipa(data_out, inst, importance=ipa_importance, performance=ipa_performance,
                                 crosshair=ipa_crosshair)
    data_out["notes"] += notes
    data_out["levels"], data_out["benchmark"] = levels(data_out, inst), benchmark(data_out, inst)
    data_out["kano"] = kano_block(inst, sums.kano, {name: {v: groups.ids[(name, v)] for v in data_out["segments"][name]}
                                                    for name in by}, lang, min_n)
    if quality and None in sums.cross:
        split = {groups.keys[g - 1][1]: cm for g, cm in sums.cross.items() if g is not None}
        from .measures.quality import (
            assess,  # on use: it loads pandas and SciPy's optimisers
        )

        with threadpool_limits(limits=1, user_api="blas"):  # small matrices: threads only spin
            blocks, notes = assess(inst, quality_part(inst), sums.cross[None], counts.rows, lang, split, inv_name)
        data_out.update(blocks)
        data_out["notes"] += notes
    data_out["economics"] = None
    data_out["complaints"] = None  # a complaints register's block: analyze(complaints_register=...)
    if econ is not None:
        from .measures.economics import economics_block

        data_out["economics"] = economics_block(econ, data_out, complaints)
    data_out["trends"] = None
    if period:
        kind, period_name, blank_periods = period
        data_out["trends"] = _trends(inst, scorer, floats, groups, kind, period_name, blank_periods,
                                     lang=lang, min_n=min_n, confidence=confidence)
        if blank_periods:
            data_out["notes"].append(f"{blank_periods} respondent(s) have no value in '{period_name}' "
                                     "and are left out of the trends")
    return Results(data_out, overall, sums.cross.get(None))


@dataclass
class _Sums:
    """Everything accumulated over the chunks; merged by addition.

    ``items``: moments of the item variables (all respondents); ``floats``: moments of the
    other variables, group 0 = all respondents, then every segment; ``cross``: second-order
    statistics of the measured part's item scores, key None = all respondents, else the
    group number of a segment of the invariance column.
    """

    items: Moments
    floats: Moments
    cross: dict[int | None, CrossMoments] = field(default_factory=dict)
    drivers: dict[str, CrossMoments] = field(default_factory=dict)
    rows: dict[str, list[np.ndarray]] = field(default_factory=dict)  # driver rows per outcome (bootstrap)
    kano: KanoCounts | None = None  # Kano answer-pair counts per group (the instrument's Kano part)

    def __add__(self, other: _Sums) -> _Sums:
        return _Sums(self.items + other.items, self.floats + other.floats,
                     _merged(self.cross, other.cross), _merged(self.drivers, other.drivers),
                     _merged(self.rows, other.rows),
                     plus(self.kano, other.kano))


def _merged(a: dict, b: dict) -> dict:
    out = dict(a)
    for key, value in b.items():
        out[key] = out[key] + value if key in out else value
    return out


_MALLOC_TUNED = False


def _keep_freed_memory() -> None:
    """Let glibc's malloc reuse freed memory instead of giving it back at once (once per
    process; nothing on other C libraries).

    Each chunk allocates and frees arrays of a few MiB. By default glibc maps such blocks
    afresh (mmap) or returns the heap's free top to the system, so every chunk pays the
    page faults again: at ten million rows that was a tenth of the CPU time, in the
    kernel. Blocks under 32 MiB now come from the heap, and up to 128 MiB of free heap is
    kept for the next chunk.
    """
    global _MALLOC_TUNED
    if _MALLOC_TUNED or not sys.platform.startswith("linux"):
        return
    _MALLOC_TUNED = True
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # not glibc
        return
    mallopt(-3, 32 << 20)  # M_MMAP_THRESHOLD
    mallopt(-1, 128 << 20)  # M_TRIM_THRESHOLD


def _accumulate(chunks, validator: Validator, scorer: Scorer, groups: _Groups, quality: Part | None,
                invariance: str | None, keep_rows: bool = False, period=None) -> _Sums:
    """Sums over all chunks.

    A thread reads the next chunks while the others work (Arrow decodes without the GIL).
    Segment numbering (and the periods) run in file order in this thread; each chunk is
    validated and scored on a pool of threads (NumPy releases the GIL). Validation
    reports and sums are merged in file order, so the result — the problems included —
    is the same in every run. ``period(chunk, first_row, report)``, when given, labels
    each row's period (a segment named :data:`PERIOD`) and passes the dates that are
    not dates to ``report``.
    """
    _keep_freed_memory()
    total = _Sums(Moments.empty(len(scorer.item_shift), shift=scorer.item_shift),
                  Moments.empty(len(scorer.float_shift), n_groups=1, shift=scorer.float_shift))
    pending: deque[tuple[Future, list]] = deque()

    def merge(job: tuple[Future, list]) -> None:
        nonlocal total
        future, late = job
        report, sums = future.result()
        validator.add(report)
        for problem in late:  # the period's problems come after the chunk's own
            validator.problem(*problem)
        if sums is not None and not validator.failed:
            total = total + sums

    # The chunks' matrix products are small: BLAS threads would only spin and steal the
    # cores from the element-wise work.
    with threadpool_limits(limits=1, user_api="blas"), ThreadPoolExecutor(_WORKERS) as pool:
        first_row = 2
        for chunk in _read_ahead(chunks):
            segments = {name: _segment(chunk.column(src)) for name, src in validator.by.items()}
            late: list[tuple] = []
            if period is not None:
                segments[PERIOD] = period(chunk, first_row, lambda *problem: late.append(problem))
            compute = not validator.failed  # after a problem: validate every chunk, compute nothing
            codes = {name: groups.codes(name, values) for name, values in segments.items()} if compute else {}
            groupings = [np.zeros(chunk.num_rows, dtype=np.int64), *codes.values()]
            split = codes.get(invariance) if invariance else None
            pending.append((pool.submit(_chunk_job, validator, scorer, chunk, first_row, groupings,
                                        len(groups.keys) + 1, quality, split, keep_rows, compute), late))
            first_row += chunk.num_rows
            while len(pending) > 2 * _WORKERS:
                merge(pending.popleft())
        while pending:
            merge(pending.popleft())
    return total


def _segment(column) -> pa.Array:
    """A segment column as text, or as dictionary-encoded text when it was read so."""
    if isinstance(column, pa.ChunkedArray):
        column = column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()
    return column if pa.types.is_dictionary(column.type) and pa.types.is_string(column.type.value_type) \
        else as_text(column)


def _chunk_job(validator: Validator, scorer: Scorer, chunk, first_row: int, groupings: list[np.ndarray],
               n_groups: int, quality: Part | None, split, keep_rows: bool, compute: bool):
    """One chunk on a worker: its validation report, and its sums when it is valid."""
    answers, report = validator.validate(chunk, first_row, segments=False)
    if not compute or report.total_problems:
        return report, None
    return report, _chunk_sums(scorer, answers, groupings, n_groups, quality, split, keep_rows)


_END = object()


def _read_ahead(chunks, depth: int = 2):
    """Yield the items of ``chunks`` while a thread of its own reads up to ``depth`` ahead;
    its exceptions are raised here. Stopping early stops (and closes) the reading."""
    ready: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def read() -> None:
        try:
            for chunk in chunks:
                if not put((chunk, None)):
                    break
            else:
                put((_END, None))
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, raised there
            put((None, exc))
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()

    reader = threading.Thread(target=read, name="servq-read", daemon=True)
    reader.start()
    try:
        while True:
            chunk, exc = ready.get()
            if exc is not None:
                raise exc
            if chunk is _END:
                return
            yield chunk
    finally:
        stop.set()
        reader.join()


class Tallier:
    """:func:`analyze` for answers already validated and held elsewhere (the web
    dashboard's): their sums per group, and the results of sums added up.

    ``sums(answers, groupings, n_groups)`` accumulates like one chunk of a file
    (``groupings``: one array of group numbers per grouping, -1 = none; group 0 must be
    every row); ``results`` finishes added sums exactly as :func:`analyze` does.
    """

    def __init__(self, instrument: Instrument, columns: Sequence[str], quality: bool = True):
        self.inst = instrument
        self.scorer = Scorer(instrument)
        self.quality = quality
        self.layout = resolve_layout(instrument, list(columns), Mapping(), "responses")
        self.validator = lambda: Validator(instrument, self.layout, {}, Mapping(), "responses")

    def sums(self, answers, groupings: list[np.ndarray], n_groups: int) -> _Sums:
        return _chunk_sums(self.scorer, answers, groupings, n_groups,
                           quality_part(self.inst) if self.quality else None, None)

    def results(self, sums: _Sums, counts: Counts, groups: Sequence[tuple[str, str]], unknown: dict[str, int], *,
                by: Sequence[str], lang: str = "en", min_n: int = 5, confidence: float = 0.95,
                quality: bool = True) -> Results:
        """Results of ``sums`` whose group g (from 1) is the segment ``groups[g - 1]``
        (name, value); ``unknown[name]`` respondents have no value in segment ``name``."""
        g = _Groups(list(by), {})
        for key in groups:
            g.keys.append(key)
            g.ids[key] = len(g.keys)
        g.unknown.update(unknown)
        return _results(self.inst, self.scorer, sums, g, counts, self.layout, _TABLE, by=list(by), lang=lang,
                        min_n=min_n, confidence=confidence, quality=quality and self.quality)


@dataclass(frozen=True)
class _Source:
    format: str = "table"
    path: None = None


_TABLE = _Source()


def _chunk_sums(scorer: Scorer, answers, codes: list[np.ndarray], n_groups: int, quality: Part | None,
                split: np.ndarray | None, keep_rows: bool = False) -> _Sums:
    chunk = scorer.sums(answers, codes, n_groups, keep_rows=keep_rows)
    sums = _Sums(chunk.items, chunk.floats, drivers=chunk.drivers,
                 rows={outcome: [rows] for outcome, rows in chunk.rows.items()})
    if answers.kano is not None:
        sums.kano = KanoCounts.of(answers.kano, codes, n_groups)
    if quality is not None:
        sums.cross[None] = scorer.item_cross(answers, quality)
        if split is not None:
            for g in np.unique(split[split >= 0]):
                sums.cross[int(g)] = scorer.item_cross(answers, quality, split == g)
    return sums


def _assemble(inst, scorer, overall, by_segment, groups, counts: Counts, layout, source, *, lang, min_n, confidence,
              by):
    s = fig.Summary(overall, scorer, confidence)
    out: dict = {
        "schema_version": SCHEMA_VERSION,
        "servq_version": __version__,
        "generated_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "instrument": {"id": inst.id, "name": inst.name.get(lang), "version": inst.version,
                       "parts": [p.value for p in inst.parts],
                       "scale": {"min": inst.scale.min, "max": inst.scale.max},
                       "has_importance": bool(layout.weights)},
        "source": {"file": None if source.format == "table" else str(source.path),
                   "format": source.format, "rows": counts.rows},
        "options": {"by": by, "min_n": min_n, "confidence": confidence, "lang": lang},
        "n_respondents": counts.rows,
        "missing": {"cells": counts.cells, "blank": counts.blank, "dont_know": counts.dont_know},
        "dimensions": fig.dimensions(s, 0, inst, lang),
        "items": fig.items(s, 0, inst, lang),
        "servqual": fig.servqual(s, 0),
        "servperf": s.stat_or_none(0, "servperf"),
        "outcomes": fig.outcomes(s, 0, inst, lang),
        "segments": {},
        "notes": _notes(layout, groups),
    }
    if by:
        full = _expand(by_segment.grown(len(groups.keys) + 1), scorer)
        seg = fig.Summary(full, scorer, confidence)
        for name in by:
            values = sorted((v for (n, v) in groups.keys if n == name), key=natural_key)
            out["segments"][name] = {v: fig.segment(seg, groups.ids[(name, v)], inst, lang, min_n) for v in values}
    return out


PERIOD = "<period>"  # the segment name of the derived period grouping


def _period_column(layout, kind: str, column: str | None, file: str) -> tuple[str, str]:
    """(name, source column) of the period's column, resolved like a ``by`` column."""
    name = column or DEFAULT_COLUMN[kind]
    try:
        return next(iter(resolve_by(layout, [name], file).items()))
    except UsageError as exc:
        raise UsageError(f"{exc} — name the {'wave' if kind == 'wave' else 'date'} column with "
                         "period_column (--period-column)") from None


def _period_reader(kind: str, src: str):
    """Labels the period of each row of a chunk; dates that are not dates go to ``report``."""
    return lambda chunk, first_row, report: period_labels(chunk.column(src), kind, src, first_row, report)


def _trends(inst, scorer, floats, groups: _Groups, kind, column, blank, *, lang, min_n, confidence) -> dict:
    from .measures.trends import tracked, trends

    ids = {v: g for (name, v), g in groups.ids.items() if name == PERIOD}
    labels = period_order(ids)
    chosen = [ids[v] for v in labels] or [0]  # group 0 (everyone) stands in when no row has a period
    moments = _expand(floats.grown(len(groups.keys) + 1).select_groups(chosen), scorer)
    s = fig.Summary(moments, scorer, confidence)
    return trends(s, [(v, i) for i, v in enumerate(labels)], tracked(inst, scorer.names, lang), kind=kind,
                  column=column, blank=blank, min_n=min_n, confidence=confidence)


def _expand(m: Moments, scorer: Scorer) -> Moments:
    """Segment moments (no item variables) laid out over all variables, items empty."""
    groups = m.n.shape[0]
    return Moments.join(Moments.empty(len(scorer.item_shift), groups, scorer.item_shift), m)


def _notes(layout, groups: _Groups) -> list[str]:
    notes = []
    if layout.ignored:
        notes.append(f"columns not used by this instrument: {', '.join(layout.ignored)}")
    for name, count in groups.unknown.items():
        if count:
            notes.append(f"{count} respondent(s) have no value in segment column '{name}' and appear in no '{name}' segment")
    return notes


def quality_part(inst: Instrument) -> Part:
    """The answers whose psychometric quality is assessed: perceptions where asked (the
    measure every instrument in the catalog is about), else the first part."""
    return Part.perception if Part.perception in inst.parts else inst.parts[0]
