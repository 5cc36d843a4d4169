"""The dashboard's figures at any scale: a survey's responses held per server process as
validated answer codes, with the sufficient statistics of every combination of unit,
channel, tier and language per complete month.

A filtered page is then :func:`servq.analyze`'s finishing step on a sum: the statistics of
the cells (combination x month) that lie wholly inside the filter, plus those of the rows
that do not (the current month, and the first and last month of a date range), computed
from the held codes. Every statistic servq reports is a sum over respondents (counts,
sums, cross-products, Kano pair counts; see servq.stats.moments), so the sum of cells and
rows is exactly what analysing the filtered rows gives — the tests compare the two.

Responses are read from the database once (then only the new ones) and validated as on
import. A month's cells are computed the first time a page needs them and kept while the
month has the same rows. Breaking down by ``date`` or ``wave`` needs rows (a month cell
does not know its days): those pages are computed from the rows of the whole filter.
"""

from __future__ import annotations

import io
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from functools import reduce

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pa_json
from sqlalchemy import BigInteger, Text, cast, func, select
from sqlalchemy.orm import Session
from threadpoolctl import threadpool_limits

from ..analysis import AnalysisOptions, Counts, Results, Sums, add_aligned, finish, plan_for, tally
from ..instruments import Instrument
from ..io.validate import Answers
from ..stats.moments import Moments
from ..store.models import Channel, Response, Survey, Tier, Unit, Wave
from .dataset import Filter, answer_columns
from .names import names_in
from .surveys import instrument_of

log = logging.getLogger(__name__)
LANGS = ("en", "sv", "zh")
COMBO = ("unit", "channel", "tier", "language")  # what a cell is of, besides its month
LATE_COMMITS = 2000  # PostgreSQL may make a smaller id visible after a larger one: look back this far
READ_ROWS = 100_000
PARALLEL_ROWS = 40_000  # from this many rows a page's row sums run on two threads
_POOL = ThreadPoolExecutor(2, thread_name_prefix="servq-tallies")
_DAY = 86400


@dataclass(frozen=True)
class Held:
    """The responses held, one entry per response in id order. ``combo`` columns: unit,
    channel, tier and language index (-1 = none); ``at``: submission time in UTC seconds;
    ``month``: months since 1970-01; ``blank``/``dont_know``: the response's blank and
    don't-know item answers."""

    ids: np.ndarray
    combo: np.ndarray  # rows x 4, int64
    at: np.ndarray
    month: np.ndarray
    blank: np.ndarray
    dont_know: np.ndarray
    answers: Answers

    @property
    def rows(self) -> int:
        return len(self.ids)

    def leaves(self) -> list[tuple[np.ndarray, int]]:
        """Every array with the axis its rows are on."""
        a = self.answers
        out = [(self.ids, 0), (self.combo, 0), (self.at, 0), (self.month, 0), (self.blank, 0), (self.dont_know, 0)]
        out += [(a.parts[p], 1) for p in a.parts] + [(a.outcomes, 1)]
        out += [] if a.weights is None else [(a.weights, 1)]
        return out + ([] if a.kano is None else [(a.kano, 2)])

    def like(self, arrays: list[np.ndarray]) -> Held:
        """A Held shaped like this one from ``arrays`` in the order of :meth:`leaves`."""
        a = self.answers
        it = iter(arrays[6:])
        parts = {p: next(it) for p in a.parts}
        outcomes = next(it)
        weights = None if a.weights is None else next(it)
        kano = None if a.kano is None else next(it)
        return Held(*arrays[:6], Answers(parts, weights, outcomes, {}, len(arrays[0]), kano))

    def take(self, rows: np.ndarray) -> Answers:
        """The answers of ``rows`` (indices)."""
        a = self.answers
        return Answers({p: c[:, rows] for p, c in a.parts.items()}, None if a.weights is None else a.weights[:, rows],
                       a.outcomes[:, rows], {}, len(rows), None if a.kano is None else a.kano[:, :, rows])


class _Backing:
    """Append-only storage of the held responses with room to grow: appending the new
    responses of a page copies only them (now and then everything, when the room runs out);
    a page keeps reading the snapshot it took."""

    def __init__(self):
        self.arrays: list[np.ndarray] | None = None
        self.axes: list[int] = []
        self.n = 0
        self.shape: Held | None = None

    def append(self, part: Held) -> Held:
        leaves = part.leaves()
        if self.arrays is None:
            self.shape, self.axes = part, [axis for _, axis in leaves]
            self.arrays = [np.empty(_with_rows(a.shape, axis, max(part.rows, 1024)), a.dtype) for a, axis in leaves]
        capacity = self.arrays[0].shape[0]
        if self.n + part.rows > capacity:
            size = max(2 * capacity, self.n + part.rows)
            grown = [np.empty(_with_rows(a.shape, axis, size), a.dtype) for a, axis in zip(self.arrays, self.axes)]
            for old, new, axis in zip(self.arrays, grown, self.axes):
                _rows(new, axis, 0, self.n)[...] = _rows(old, axis, 0, self.n)
            self.arrays = grown
        for (a, axis), store in zip(leaves, self.arrays):
            _rows(store, axis, self.n, self.n + part.rows)[...] = a
        self.n += part.rows
        return self.shape.like([_rows(a, axis, 0, self.n) for a, axis in zip(self.arrays, self.axes)])


def _with_rows(shape: tuple, axis: int, rows: int) -> tuple:
    return shape[:axis] + (rows,) + shape[axis + 1:]


def _rows(a: np.ndarray, axis: int, start: int, stop: int) -> np.ndarray:
    return a[(slice(None),) * axis + (slice(start, stop),)]


@dataclass(frozen=True)
class _Cells:
    """One month's cells: ``combos`` (cells x 4) and each statistic stacked over the cells."""

    rows: int  # the month's responses when the cells were made
    combos: np.ndarray
    stacked: list[np.ndarray]
    counts: np.ndarray  # cells x 3: respondents, blank and don't-know answers


class SurveyTallies:
    """One survey's held responses and month cells (thread-safe; pages read snapshots)."""

    def __init__(self, survey: Survey, instrument: Instrument):
        self.survey_id = survey.id
        self.inst = instrument
        self.columns = answer_columns(instrument)
        self.plan = plan_for(instrument, self.columns, AnalysisOptions(), file="responses")
        self.cells_per_item = len(instrument.parts) * len(instrument.items)
        self.held: Held | None = None
        self._cells: dict[int, _Cells] = {}
        self._lock = threading.Lock()
        self._cells_lock = threading.Lock()
        self._backing = _Backing()
        self._last_id = -1
        nothing = pa.table({c: pa.array([], pa.int16()) for c in self.columns})
        self._template = tally(self.plan, self.plan.validator().check(nothing), [np.zeros(0, dtype=np.int64)], 1)
        self._names = list(self._template.arrays(shifts=False))  # the summable arrays of every cell, in this order

    # -- reading the database -----------------------------------------------------------
    def refresh(self, session: Session) -> Held:
        """Read the responses not held yet; returns the (new) snapshot."""
        with self._lock:
            held = self.held
            if held is None:
                held = self._read(session, 0, None)
            elif held.rows:
                since = self._last_id - LATE_COMMITS
                new_ids = np.setdiff1d(np.asarray(session.scalars(select(Response.id).where(
                    Response.survey_id == self.survey_id, Response.id > since)).all(), dtype=np.int64),
                    held.ids[held.ids > since])
                if len(new_ids):
                    held = self._read(session, int(new_ids[0]), set(new_ids.tolist()))
            else:
                held = self._read(session, 0, None)
            self.held = held
            return held

    def _read(self, session: Session, first_id: int, wanted: set[int] | None) -> Held:
        """Append the responses from ``first_id`` on (only those ``wanted``, unless None),
        read in parts of :data:`READ_ROWS`; the answers (JSON in the database) are parsed by
        Arrow's JSON reader, a part at a time. Rows are held in the order they are read
        (every statistic is a sum: the order does not matter)."""
        q = (select(Response.id, Response.unit_id, Response.channel_id, Response.tier_id, Response.language,
                    _epoch_seconds(session, Response.submitted_at), cast(Response.answers, Text))
             .where(Response.survey_id == self.survey_id, Response.id >= first_id).order_by(Response.id))
        held = self.held
        for chunk in session.connection().execute(q.execution_options(yield_per=READ_ROWS)).partitions():
            rows = chunk if wanted is None else [r for r in chunk if r[0] in wanted]
            if rows:
                part = self._part(rows)
                self._last_id = max(self._last_id, int(part.ids.max()))
                held = self._backing.append(part)
        return held if held is not None else self._part([])

    def _part(self, rows: list) -> Held:
        schema = pa.schema([(c, pa.int16()) for c in self.columns])
        table = pa_json.read_json(io.BytesIO("\n".join(r[6] for r in rows).encode()), parse_options=pa_json.ParseOptions(
            explicit_schema=schema, unexpected_field_behavior="ignore")) if rows else schema.empty_table()
        validator = self.plan.validator()
        answers = validator.check(table)
        if rows:
            validator.finish()  # stored answers were checked on submission: raises only on a bug
        blank, dont_know = self._missing(table)
        lang = {code: i for i, code in enumerate(LANGS)}
        meta = np.array([(r[0], r[1], _id(r[2]), _id(r[3]), lang.get(r[4], -1), r[5]) for r in rows],
                        dtype=np.int64).reshape(-1, 6)
        at = meta[:, 5].copy()
        return Held(meta[:, 0].copy(), meta[:, 1:5].copy(), at, _months(at), blank, dont_know, answers)

    def _missing(self, table: pa.Table) -> tuple[np.ndarray, np.ndarray]:
        n = table.num_rows
        blank, dont_know = np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64)
        dk = self.inst.scale.dont_know
        for name in self.columns[:self.cells_per_item]:
            col = table.column(name)
            blank += pc.is_null(col).to_numpy(zero_copy_only=False)
            if dk is not None:
                dont_know += pc.fill_null(pc.equal(col, dk), False).to_numpy(zero_copy_only=False)
        return blank, dont_know

    def warm(self, session: Session, now: datetime | None = None) -> None:
        """Read the responses and make the cells of every complete month (at server start,
        so that the first page is not the one that waits)."""
        held = self.refresh(session)
        current = _months(np.array([int((now or datetime.now(UTC)).timestamp())]))[0]
        for month in np.unique(held.month).tolist():
            if month < current:
                self._month_cells(held, month)

    # -- month cells --------------------------------------------------------------------
    def _month_cells(self, held: Held, month: int) -> _Cells:
        # one builder at a time: a page that needs a month the warm-up is making waits for it
        with self._cells_lock:
            in_month = np.flatnonzero(held.month == month)
            cached = self._cells.get(month)
            if cached is not None and cached.rows == len(in_month):
                return cached
            made = self._make_cells(held, in_month)
            self._cells[month] = made
            return made

    def _make_cells(self, held: Held, in_month: np.ndarray) -> _Cells:
        combos, which = np.unique(held.combo[in_month], axis=0, return_inverse=True)
        leaves, counts = [], []
        for c in range(len(combos)):
            rows = in_month[which.reshape(-1) == c]
            sums = tally(self.plan, held.take(rows), [np.zeros(len(rows), dtype=np.int64)], 1)
            leaves.append(list(sums.arrays(shifts=False).values()))
            counts.append((len(rows), held.blank[rows].sum(), held.dont_know[rows].sum()))
        stacked = [np.stack(parts) for parts in zip(*leaves)] if leaves else []
        return _Cells(len(in_month), combos, stacked, np.array(counts, dtype=np.int64).reshape(-1, 3))

    # -- a filtered page ----------------------------------------------------------------
    def results(self, session: Session, flt: Filter, units: set[int] | None, by: list[str], *, lang: str = "en",
                min_n: int = 5, quality: bool = True, now: datetime | None = None) -> Results | None:
        """The analysis of the held responses in ``flt`` limited to ``units`` (None: all)."""
        held = self.refresh(session)
        now = now or datetime.now(UTC)
        keep = _combo_filter(flt, units)
        first = None if flt.since is None else _epoch(flt.since)
        end = None if flt.until is None else _epoch(flt.until)
        current = _months(np.array([int(now.timestamp())]))[0]
        whole = set() if by_rows(by) else self._whole_months(held, first, end, current)
        in_range = np.ones(held.rows, dtype=bool)
        if first is not None:
            in_range &= held.at >= first
        if end is not None:
            in_range &= held.at < end
        row_mask = in_range & keep(held.combo) & ~np.isin(held.month, list(whole))
        rows = np.flatnonzero(row_mask)
        cells = [(m, self._month_cells(held, m)) for m in sorted(whole)]
        cells = [(m, c, keep(c.combos)) for m, c in cells if len(c.combos)]
        n = len(rows) + sum(int(c.counts[sel, 0].sum()) for _, c, sel in cells)
        if n == 0:
            return None
        labels = _labels(session, self.survey_id, lang)
        groups, row_codes, cell_codes, unknown = _groups(by, held, rows, cells, labels)
        sums = self._row_sums(held, rows, row_codes, len(groups) + 1)
        counts = Counts(len(rows), len(rows) * self.cells_per_item, int(held.blank[rows].sum()),
                        int(held.dont_know[rows].sum()))
        for (_, c, sel), codes in zip(cells, cell_codes):
            if not sel.any():
                continue
            sums = add_aligned(sums, _selected(c, sel, codes, len(groups) + 1, self._template, self._names))
            r, b, d = c.counts[sel].sum(axis=0)
            counts = counts + Counts(int(r), int(r) * self.cells_per_item, int(b), int(d))
        plan = self.plan.with_options(by=tuple(by), lang=lang, min_n=min_n, quality=quality)
        return finish(replace(sums, groups=tuple(groups), counts=counts, unknown=unknown), plan)

    def _row_sums(self, held: Held, rows: np.ndarray, codes: list[np.ndarray], n_groups: int):
        """The sums of ``rows``; many rows in parts on two threads (NumPy releases the GIL)."""
        def part(p: np.ndarray):
            return tally(self.plan, held.take(rows[p]), [np.zeros(len(p), dtype=np.int64), *(c[p] for c in codes)],
                         n_groups)

        pieces = np.array_split(np.arange(len(rows)), 2 if len(rows) >= PARALLEL_ROWS else 1)
        with threadpool_limits(limits=1, user_api="blas"):
            return reduce(add_aligned, _POOL.map(part, pieces))

    def daily_counts(self, session: Session, flt: Filter, units: set[int] | None) -> list[tuple[date, int]]:
        """Responses per UTC day, every day from the first to the last (zeros included)."""
        held = self.refresh(session)
        mask = _combo_filter(flt, units)(held.combo)
        if flt.since is not None:
            mask &= held.at >= _epoch(flt.since)
        if flt.until is not None:
            mask &= held.at < _epoch(flt.until)
        days = held.at[mask] // _DAY
        if not len(days):
            return []
        lo = int(days.min())
        counts = np.bincount(days - lo)
        return [(date.fromordinal(date(1970, 1, 1).toordinal() + lo + i), int(k)) for i, k in enumerate(counts)]

    def _whole_months(self, held: Held, first: int | None, end: int | None, current: int) -> set[int]:
        """Months before ``current`` lying wholly inside [first, end)."""
        months = set(np.unique(held.month).tolist())
        out = set()
        for m in months:
            if m >= current:
                continue
            start, stop = _month_start(m), _month_start(m + 1)
            if (first is None or first <= start) and (end is None or stop <= end):
                out.add(m)
        return out


def by_rows(by: list[str]) -> bool:
    """Whether a break-down needs the rows (days and waves are not in the month cells)."""
    return any(b not in COMBO for b in by)


class TallyStore:
    """The tallies of every survey a server process has shown, by survey."""

    def __init__(self):
        self._surveys: dict[tuple[int, str], SurveyTallies] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._warming: threading.Thread | None = None

    def warm_up(self, factory) -> None:
        """Warm the tallies of every survey with responses, on a thread of its own."""
        def run():
            with factory() as session:
                for survey in session.scalars(select(Survey).where(Survey.id.in_(select(Response.survey_id)))):
                    if self._stop.is_set():
                        return
                    try:
                        self.of(survey, instrument_of(survey)).warm(session)
                    except Exception:  # a page will show the error; the server runs on
                        log.exception("could not prepare the dashboard of survey %s", survey.id)

        self._warming = threading.Thread(target=run, name="servq-warm-up", daemon=True)
        self._warming.start()

    def close(self) -> None:
        self._stop.set()
        if self._warming is not None:
            self._warming.join()

    def of(self, survey: Survey, instrument: Instrument) -> SurveyTallies:
        key = (survey.id, survey.slug)
        with self._lock:
            if key not in self._surveys:
                self._surveys[key] = SurveyTallies(survey, instrument)
            return self._surveys[key]


# -- helpers ---------------------------------------------------------------------------

def _id(value: int | None) -> int:
    return -1 if value is None else value


def _epoch_seconds(session: Session, column):
    """``column`` (a UTC timestamp) as whole seconds since 1970, computed by the database."""
    if session.get_bind().dialect.name == "sqlite":
        return cast(func.strftime("%s", column), BigInteger)
    return cast(func.floor(func.extract("epoch", column)), BigInteger)


def _months(at: np.ndarray) -> np.ndarray:
    m = at.astype("datetime64[s]").astype("datetime64[M]").astype(np.int64)
    return m


def _month_start(month: int) -> int:
    return int(np.datetime64(month, "M").astype("datetime64[s]").astype(np.int64))


def _epoch(d: date) -> int:
    return int(datetime(d.year, d.month, d.day, tzinfo=UTC).timestamp())


def _combo_filter(flt: Filter, units: set[int] | None):
    """combos (n x 4) -> which are inside the filter's unit set, channel, tier and language."""
    def keep(combo: np.ndarray) -> np.ndarray:
        mask = np.ones(len(combo), dtype=bool)
        if units is not None:
            mask &= np.isin(combo[:, 0], list(units))
        for col, value in ((1, flt.channel_id), (2, flt.tier_id),
                           (3, LANGS.index(flt.language) if flt.language in LANGS else None)):
            if value is not None:
                mask &= combo[:, col] == value
        if flt.language is not None and flt.language not in LANGS:
            mask[:] = False
        return mask
    return keep


@dataclass(frozen=True)
class _Labels:
    unit: dict[int, str]
    channel: dict[int, str]
    tier: dict[int, str]
    waves: list[tuple[int, int, str]]  # (start, end) in UTC seconds, name


def _labels(session: Session, survey_id: int, lang: str) -> _Labels:
    """The names of the segments' values in the report's language (names.py)."""
    waves = session.execute(select(Wave.starts_at, Wave.ends_at, Wave.name).where(Wave.survey_id == survey_id)
                            .order_by(Wave.starts_at)).all()
    return _Labels(names_in(session, Unit, lang), names_in(session, Channel, lang), names_in(session, Tier, lang),
                   [(int(a.timestamp()), int(b.timestamp()), name) for a, b, name in waves])


def _values(name: str, held: Held, rows: np.ndarray, labels: _Labels) -> list[str | None]:
    """The text of segment ``name`` of each of ``rows`` (None = no value), as analyze sees it."""
    if name in COMBO:
        col = held.combo[rows, COMBO.index(name)]
        return _named(name, col, labels)
    if name == "date":
        return [str(d) for d in (held.at[rows] // _DAY).astype("datetime64[D]")]
    at = held.at[rows]
    out: list[str | None] = [None] * len(rows)
    for start, end, wave in labels.waves:  # the first wave that contains the time, as dataset.table
        for i in np.flatnonzero((at >= start) & (at < end)):
            if out[i] is None:
                out[i] = wave
    return out


def _named(name: str, ids: np.ndarray, labels: _Labels) -> list[str | None]:
    if name == "language":
        return [LANGS[i] if i >= 0 else None for i in ids.tolist()]
    names = getattr(labels, name)
    return [names.get(i) if i >= 0 else None for i in ids.tolist()]


def _groups(by, held, rows, cells, labels):
    """Group numbers (from 1) of every segment value present, the rows' and the cells'
    group codes per ``by`` column, and per column the respondents without a value."""
    keys: list[tuple[str, str]] = []
    ids: dict[tuple[str, str], int] = {}
    row_codes, cell_codes = [], [[] for _ in cells]
    unknown = dict.fromkeys(by, 0)

    def code(name, values, weights):
        out = np.full(len(values), -1, dtype=np.int64)
        for i, v in enumerate(values):
            if v is None:
                unknown[name] += int(weights[i])
                continue
            if (name, v) not in ids:
                keys.append((name, v))
                ids[(name, v)] = len(keys)
            out[i] = ids[(name, v)]
        return out

    for name in by:
        # one text per distinct value first: a million rows have a few dozen values
        if name in COMBO:
            distinct, inverse = np.unique(held.combo[rows, COMBO.index(name)], return_inverse=True)
            per_value = code(name, _named(name, distinct, labels), np.bincount(inverse.reshape(-1),
                                                                               minlength=len(distinct)))
            row_codes.append(per_value[inverse.reshape(-1)] if len(rows) else np.zeros(0, dtype=np.int64))
        else:
            row_codes.append(code(name, _values(name, held, rows, labels), np.ones(len(rows))))
        for j, (_, c, sel) in enumerate(cells):
            named = _named(name, c.combos[:, COMBO.index(name)], labels)
            cell_codes[j].append(code(name, [v if chosen else None for v, chosen in zip(named, sel)],
                                      np.where(sel, c.counts[:, 0], 0)))
    return keys, row_codes, cell_codes, unknown


def _selected(c: _Cells, sel: np.ndarray, codes: list[np.ndarray], n_groups: int, template: Sums,
              names: list[str]) -> Sums:
    """The sums of the selected cells; the per-group statistics (float moments, Kano
    counts) with group 0 all of them and group g the cells coded g."""
    total = template.with_arrays({name: a[sel].sum(axis=0) for name, a in zip(names, c.stacked)})
    m = template.floats
    floats = Moments(*(_by_group(c.stacked[names.index(f"floats.{f}")], sel, codes, n_groups) for f in ("n", "s", "ss")),
                     m.shift)
    kano = None
    if template.kano is not None:
        kano = replace(template.kano, counts=_by_group(c.stacked[names.index("kano.counts")], sel, codes, n_groups))
    return replace(total, floats=floats, kano=kano)


def _by_group(stacked: np.ndarray, sel: np.ndarray, codes: list[np.ndarray], n_groups: int) -> np.ndarray:
    """(cells x 1 x ...) -> (groups x ...): group 0 the selected cells, g those coded g."""
    cells = stacked[:, 0]
    out = np.zeros((n_groups, *cells.shape[1:]), dtype=cells.dtype)
    out[0] = cells[sel].sum(axis=0)
    for group_codes in codes:
        chosen = sel & (group_codes >= 0)
        np.add.at(out, group_codes[chosen], cells[chosen])
    return out
