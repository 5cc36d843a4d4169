"""The streaming core: rows in, :class:`~servq.analysis.sums.Sums` out, in constant memory.

An analysis is *validate → accumulate → finish*. :func:`plan_for` fixes once what is read
and computed (the instrument's columns in this data, the segments, the options);
:func:`accumulate` validates chunks of rows and adds up their sufficient statistics;
:func:`~servq.analysis.sums.merge` adds the Sums of other rows (another file, a cluster's
other partitions); :func:`~servq.analysis.finish.finish` turns Sums into
:class:`~servq.analysis.results.Results`. :func:`servq.analyze`, the web dashboard and a
Spark job all make the same three calls, so they show the same numbers.

    >>> import servq
    >>> from servq.analysis import AnalysisOptions, accumulate, finish, merge, plan_for
    >>> table = servq.simulate("servqual", 200, seed=4)
    >>> plan = plan_for("servqual", table.column_names, AnalysisOptions(by="channel", quality=False))
    >>> parts = [accumulate([table.slice(i, 50)], plan, first_row=2 + i) for i in range(0, 200, 50)]
    >>> res = finish(merge(merge(parts[3], parts[1]), merge(parts[0], parts[2])), plan)
    >>> res.n_respondents, sorted(res.segments["channel"])
    (200, ['branch', 'online', 'phone'])
"""

from __future__ import annotations

import ctypes
import queue
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from threadpoolctl import threadpool_limits

from ..errors import UsageError
from ..io.arrow import as_text, int_buffers
from ..io.periods import period_labels
from ..io.validate import Answers, Validator
from ..measures.kano import KanoCounts
from ..stats.bootstrap import replicate_sums
from ..stats.moments import CrossMoments
from ..stats.polychoric import OrdinalTables, Polychoric, ScoreCrossproducts
from .finish import finish
from .plan import PERIOD, WORKERS, Plan, empty_sums, plan_for
from .sums import Counts, Sums, add_aligned, merge

__all__ = ["Plan", "Sums", "accumulate", "finish", "merge", "plan_for", "score_pass", "tally"]

def accumulate(chunks: Iterable[pa.Table | pa.RecordBatch], plan: Plan, *, first_row: int | None = None,
               reread_ids: Callable[[], Iterable[pa.Table]] | None = None,
               progress: Callable[[int], None] | None = None) -> Sums:
    """Validate ``chunks`` of rows and add up their statistics.

    Parameters
    ----------
    chunks : iterable of pyarrow.Table or RecordBatch
        The rows, in order, with (at least) the plan's :meth:`Plan.columns`; a table longer
        than the plan's ``chunk_size`` is read in parts.
    plan : Plan
    first_row : int, optional
        The spreadsheet row of the first row, for problems (default: the data's first answer
        row, :attr:`Plan.first_row`, 2 when the header is row 1; not above it); a row's
        bootstrap weights depend on its place among the answers, ``first_row`` less that.
    reread_ids : callable, optional
        Reads the rows' id column again when an id may repeat (see
        :class:`servq.io.validate.Validator`); without it the ids are held in memory.
    progress : callable, optional
        Called as ``progress(rows)`` with the rows accumulated so far, after each chunk.

    Returns
    -------
    Sums

    Raises
    ------
    servq.errors.DataError
        Every problem found (file, row, column, value), when any; no Sums.
    servq.errors.UsageError
        ``first_row`` is above the data's first answer row.
    """
    first_row = plan.first_row if first_row is None else first_row
    if first_row < plan.first_row:
        raise UsageError(f"first_row is a spreadsheet row of the answers, below the header: at least {plan.first_row}, "
                         f"got {first_row}")
    validator = plan.validator(reread_ids)
    grouper = _Groups(list(plan.segments), plan.labels)
    if plan.period:
        grouper.unknown[PERIOD] = 0
    sums = _pipeline(_sized(chunks, plan.options.chunk_size), plan, validator, grouper, first_row, progress)
    validator.finish()
    return replace(sums, floats=sums.floats.grown(len(grouper.keys) + 1), groups=tuple(grouper.keys),
                   counts=Counts(validator.rows, validator.cells, validator.blank, validator.dont_know,
                                 *map(int, validator.ends)),
                   unknown=dict(grouper.unknown))


def tally(plan: Plan, answers: Answers, groupings: list[np.ndarray], n_groups: int,
          split: np.ndarray | None = None, first: int = 0) -> Sums:
    """The Sums of answers validated already (no counts, no groups named): ``groupings``
    holds one array of group numbers per grouping (-1 = none), the first every row's 0;
    ``split`` the invariance groups; ``first`` the number of the first row in its file
    (counting from 0: the bootstrap weights a row by its number). The caller names the
    groups and counts the rows (``dataclasses.replace(sums, groups=..., counts=...)``)."""
    scorer, opts = plan.scorer, plan.options
    outcomes = bool(plan.layout.outcomes)  # without an outcome column there are no key drivers to sum
    chunk = scorer.sums(answers, groupings, n_groups, drivers=outcomes, keep_rows=outcomes and opts.boot > 0)
    cross: dict[int | None, CrossMoments] = {}
    part = plan.assessed
    totals = None
    ordinal: dict[int | None, OrdinalTables] = {}
    if part is not None:
        cross[None] = scorer.item_cross(answers, part)
        totals = scorer.item_totals(answers, part, cross[None])
        if opts.ordinal:
            ordinal[None] = scorer.item_tables(answers, part)
        if split is not None:
            for g in np.unique(split[split >= 0]):
                cross[int(g)] = scorer.item_cross(answers, part, split == g)
                if opts.ordinal:
                    ordinal[int(g)] = scorer.item_tables(answers, part, split == g)
    kano = KanoCounts.of(answers.kano, groupings, n_groups) if answers.kano is not None else None
    boot = {outcome: replicate_sums(values - scorer.float_shift[scorer.driver_columns[outcome]], first + at,
                                    opts.boot, seed=opts.seed, stream=plan.stream)
            for outcome, (at, values) in chunk.rows.items()}
    return Sums(chunk.items, chunk.floats, cross=cross, drivers=chunk.drivers, boot=boot, kano=kano, totals=totals,
                ordinal=ordinal)


def score_pass(chunks: Iterable[pa.Table | pa.RecordBatch], plan: Plan, fits: Mapping[int | None, Polychoric],
               groups: Sequence[tuple[str, str]] = ()) -> dict[int | None, ScoreCrossproducts]:
    """The second pass of ``analyze --ordinal``: the assessed items' casewise scores under
    the polychoric ``fits`` of the first pass, J = Σ s sᵀ over ``chunks`` (the same rows
    again), from which WLSMV's full asymptotic covariance follows
    (:meth:`servq.stats.polychoric.Polychoric.nacov`). Keys as :attr:`Sums.ordinal`: None
    every respondent, a number the group of the invariance column that ``groups`` (the first
    pass's :attr:`Sums.groups`) numbers so. Blank answers score 0 (lavaan's pairwise NACOV).
    The rows were validated by the first pass."""
    part = plan.assessed
    if part is None:
        raise UsageError("the ordinal scores need an assessed part (the quality checks)")
    validator = plan.validator()
    grouper = _Groups(list(plan.segments), plan.labels, seen=groups)  # numbered as in the first pass
    total = {key: ScoreCrossproducts(np.zeros((len(fit.wls_obs()),) * 2), 0) for key, fit in fits.items()}
    split_by = validator.by.get(plan.invariance) if plan.invariance else None
    row = plan.first_row
    for chunk in _read_ahead(_sized(chunks, plan.options.chunk_size)):
        answers, _ = validator.validate(chunk, row, segments=False)
        codes = plan.scorer.keyed_codes(answers, part)
        split = None if split_by is None else grouper.codes(str(plan.invariance), _segment(chunk.column(split_by)))
        for key, fit in fits.items():
            rows = codes if key is None else codes[:, split == key]
            total[key] = total[key] + fit.score_crossproducts(rows.T)
        row += chunk.num_rows
    return total


class _Groups:
    """Segment values seen so far (from ``seen`` on), numbered in order of first appearance."""

    def __init__(self, names: Sequence[str], labels: Mapping[str, Mapping[str, str] | None],
                 seen: Sequence[tuple[str, str]] = ()):
        self.keys: list[tuple[str, str]] = list(seen)
        self.ids: dict[tuple[str, str], int] = {key: i + 1 for i, key in enumerate(self.keys)}  # 0: every respondent
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


def _sized(chunks: Iterable[pa.Table | pa.RecordBatch], size: int):
    for chunk in chunks:
        if isinstance(chunk, pa.RecordBatch):
            chunk = pa.Table.from_batches([chunk])
        if chunk.num_rows <= size:
            yield chunk
        else:
            for start in range(0, chunk.num_rows, size):
                yield chunk.slice(start, size)


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


def _pipeline(chunks: Iterable[pa.Table], plan: Plan, validator: Validator, grouper: _Groups, first_row: int,
              progress: Callable[[int], None] | None) -> Sums:
    """Sums over all chunks, their groups numbered by ``grouper``.

    A thread reads the next chunks while the others work (Arrow decodes without the GIL).
    Segment numbering (and the periods) run in file order in this thread; each chunk is
    validated and scored on a pool of threads (NumPy releases the GIL). Validation
    reports and sums are merged in file order, so the result — the problems included —
    is the same in every run.
    """
    _keep_freed_memory()
    total = empty_sums(plan)
    pending: deque[tuple[Future, list, int]] = deque()
    period, kind = plan.period, plan.options.period or ""

    def merge_next(job: tuple[Future, list, int]) -> None:
        nonlocal total
        future, late, last = job
        report, sums = future.result()
        validator.add(report)
        for problem in late:  # the period's problems come after the chunk's own
            validator.problem(*problem)
        if sums is not None and not validator.failed:
            total = add_aligned(total, sums)
        if progress is not None:
            progress(last)

    # The chunks' matrix products are small: BLAS threads would only spin and steal the
    # cores from the element-wise work.
    with threadpool_limits(limits=1, user_api="blas"), ThreadPoolExecutor(WORKERS) as pool:
        row = first_row
        for chunk in _read_ahead(chunks):
            segments = {name: _segment(chunk.column(src)) for name, src in validator.by.items()}
            late: list[tuple] = []
            if period is not None:
                segments[PERIOD] = period_labels(chunk.column(period[1]), kind, period[1], row,
                                                 lambda *problem, into=late: into.append(problem))
            compute = not validator.failed  # after a problem: validate every chunk, compute nothing
            codes = {name: grouper.codes(name, values) for name, values in segments.items()} if compute else {}
            groupings = [np.zeros(chunk.num_rows, dtype=np.int64), *codes.values()]
            split = codes.get(plan.invariance) if plan.invariance else None
            pending.append((pool.submit(_chunk_job, plan, validator, chunk, row, groupings,
                                        len(grouper.keys) + 1, split, compute), late, row + chunk.num_rows - first_row))
            row += chunk.num_rows
            while len(pending) > 2 * WORKERS:
                merge_next(pending.popleft())
        while pending:
            merge_next(pending.popleft())
    return total


def _segment(column) -> pa.Array:
    """A segment column as text, or as dictionary-encoded text when it was read so."""
    if isinstance(column, pa.ChunkedArray):
        column = column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()
    return column if pa.types.is_dictionary(column.type) and pa.types.is_string(column.type.value_type) \
        else as_text(column)


def _chunk_job(plan: Plan, validator: Validator, chunk: pa.Table, first_row: int, groupings: list[np.ndarray],
               n_groups: int, split: np.ndarray | None, compute: bool):
    """One chunk on a worker: its validation report, and its sums when it is valid."""
    answers, report = validator.validate(chunk, first_row, segments=False)
    if not compute or report.total_problems:
        return report, None
    return report, tally(plan, answers, groupings, n_groups, split, first=first_row - plan.first_row)


_END = object()


def _read_ahead(chunks: Iterable, depth: int = 2):
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
