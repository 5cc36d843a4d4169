"""The dashboard's figures at any scale, from the cells kept in the database
(:mod:`servq.store.cells`): no server process holds responses, so any number of them, on
any number of machines, show the same figures, start at once and use the same memory
whatever the number of responses.

A filtered page is :func:`servq.analyze`'s finishing step on a sum: the statistics of the
cells that lie wholly inside the filter, plus those of the responses that do not, read by
the index on (survey, time). Every statistic servq reports is a sum over respondents
(counts, sums, cross-products, Kano pair counts; see servq.stats.moments), so the sum of
cells and rows is exactly what analysing the filtered rows gives — the tests compare the
two on SQLite and PostgreSQL. A page reads one instrument version (the filter's, else the
survey's current one: :meth:`TallyStore.of`), its cells and rows only, laid out by that
version's instrument; the answer cells and blanks are counted as the validator counts
them, an item not asked ("show if" not met) apart from a blank one.

Which cells: the filter's unit limit (a unit's subtree, a manager's units), channel, tier
and language name the dimensions a page filters by; every statistic comes from the
coarsest roll-up level keeping them (``level_for``), only the cells matching the filter (a
WHERE on the cell table's key). A break-down (``by``) adds per-group statistics only (the
float moments and Kano counts; the cross-products are of all respondents), so each of its
columns reads the level keeping it with the filter's dimensions: breaking down by unit
and channel reads unit cells and channel cells, never the finest ones. Whole months come
from month cells; the days of a partial month from day cells when day levels keep the
dimensions (the survey, or units), else from the responses of those days. Breaking down by ``date`` uses day cells the same
way; by ``wave`` (a wave's bounds are times, not days) reads the filter's responses.
Cells are read a part at a time (:data:`CELLS_AT_ONCE`), so memory stays bounded however
many a page sums.

Why so, measured (SERVQUAL; docs/web.md): a cell is 28 KB of float64, stored as 6.4 KB
(zlib level 1) and decoded in 0.1 ms; reading the ~13,000 finest cells of a year of 40
units would take seconds and 430 MB, the roll-up levels keep a page to tens or hundreds of
cells (100,000 responses, the 13 pages of bench_dashboard: 51 to 442 cells and no rows; the
page's time is then mostly the analysis' finishing step). Nothing is cached between pages:
with coarse levels the cells cost less than the finish, and every process reading the
database alone is consistent with every other without any revalidation.
"""

from __future__ import annotations

import importlib
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from functools import reduce

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from threadpoolctl import threadpool_limits

from ..analysis import Counts, Results, Sums, add_aligned, finish, tally
from ..stats.moments import Moments
from ..store import cells as store
from ..store.cells import DAY, DIMS, LANGS, Layout, Level, Rows, level_for
from ..store.models import Cell, Channel, Response, Survey, Tier, Unit, Wave
from .dataset import Filter
from .names import names_in
from .versions import instrument_yaml_at

COMBO = DIMS
PARALLEL_ROWS = 40_000  # from this many rows a page's row sums run on two threads
CELLS_AT_ONCE = 256  # cells decoded and summed together
_POOL = ThreadPoolExecutor(2, thread_name_prefix="servq-tallies")


@dataclass(frozen=True)
class _Part:
    """What a page sums over one stretch of time: cells of ``grain`` (``d`` or ``m``)
    with periods in [lo, hi) (None: open), or (``grain`` None) the responses of UTC days
    [lo, hi)."""

    grain: str | None
    lo: int | None
    hi: int | None


class SurveyTallies:
    """The dashboard figures of the responses to one instrument version of a survey
    (stateless: everything is read per page; :meth:`TallyStore.of` gives the version a
    filter asks for, so the filter's ``version`` is not read here)."""

    def __init__(self, survey_id: int, version: int, instrument_yaml: str):
        self.survey_id, self.version = survey_id, version
        self.layout: Layout = store.layout_of(instrument_yaml)
        self.plan = self.layout.plan
        self.cells_per_item = self.layout.cells_per_item

    # -- a filtered page ----------------------------------------------------------------
    def results(self, session: Session, flt: Filter, units: set[int] | None, by: list[str], *, lang: str = "en",
                min_n: int = 5, quality: bool = True, now: datetime | None = None) -> Results | None:
        """The analysis of the responses in ``flt`` limited to ``units`` (None: all)."""
        labels = _labels(session, self.survey_id, lang)
        grouping = _Grouping(by)
        sums: Sums | None = None
        counts = Counts()
        need = _needed(flt, units)
        for part in _parts(need, by, _day(flt.since), _day(flt.until)):
            if part.grain is None:
                for rows in self._rows(session, flt, units, part):
                    codes = [grouping.code_rows(name, rows, labels) for name in by]
                    piece = self._row_sums(rows, codes, grouping.n_groups)
                    counts = counts + self._counts(len(rows), rows.blank.sum(), rows.dont_know.sum(),
                                                   rows.not_asked.sum())
                    sums = piece if sums is None else _plus(sums, piece)
                continue
            # every statistic from the coarsest level keeping the filter; the per-group ones
            # (float moments, Kano counts) of each break-down from the level keeping it too
            for combos, periods, vectors, n in self._cells(session, flt, units, part, level_for(need, part.grain)):
                codes = [grouping.code_cells("date", combos, periods, n[:, 0], labels)] if "date" in by else []
                piece = self._cell_sums(vectors, codes, grouping.n_groups)
                counts = counts + self._counts(*n.sum(axis=0))
                sums = piece if sums is None else _plus(sums, piece)
            for name in (b for b in by if b in DIMS):
                for combos, periods, vectors, n in self._cells(session, flt, units, part,
                                                               level_for(need | {name}, part.grain)):
                    codes = [grouping.code_cells(name, combos, periods, n[:, 0], labels)]
                    piece = self._cell_sums(vectors, codes, grouping.n_groups, total=False)
                    sums = piece if sums is None else _plus(sums, piece)
        if sums is None or counts.rows == 0:
            return None
        sums = _grown(sums, grouping.n_groups)
        plan = self.plan.with_options(by=tuple(by), lang=lang, min_n=min_n, quality=quality)
        return finish(replace(sums, groups=tuple(grouping.keys), counts=counts, unknown=grouping.unknown), plan)

    def _counts(self, n, blank, dont_know, not_asked) -> Counts:
        """The validator's counts of ``n`` responses: an item not asked is no answer cell."""
        n, not_asked = int(n), int(not_asked)
        return Counts(n, n * self.cells_per_item - not_asked, int(blank), int(dont_know))

    def _cells(self, session: Session, flt: Filter, units: set[int] | None, part: _Part, lv: Level):
        """The cells of level ``lv`` in ``part`` inside the filter, a part at a time:
        (combos: cells x 4 with the language as a number, periods, vectors: cells x
        length, counts: cells x :data:`~servq.store.cells.COUNTS`)."""
        t = Cell.__table__
        q = (select(t.c.unit_id, t.c.channel_id, t.c.tier_id, t.c.language, t.c.period,
                    *(t.c[c] for c in store.COUNTS), t.c.sums)
             .where(t.c.survey_id == self.survey_id, t.c.instrument_version == self.version, t.c.dims == lv.mask,
                    t.c.grain == lv.grain))
        if part.lo is not None:
            q = q.where(t.c.period >= part.lo)
        if part.hi is not None:
            q = q.where(t.c.period < part.hi)
        q = _where_combo(q, t.c, flt, units, lv.dims)
        lang = {code: i for i, code in enumerate(LANGS)}
        result = session.execute(q.execution_options(yield_per=CELLS_AT_ONCE))
        for chunk in result.partitions():
            combos = np.array([(r[0], r[1], r[2], lang.get(r[3], -1)) for r in chunk], dtype=np.int64).reshape(-1, 4)
            periods = np.array([r[4] for r in chunk], dtype=np.int64)
            n = np.array([r[5:-1] for r in chunk], dtype=np.int64).reshape(-1, len(store.COUNTS))
            vectors = np.stack([self.layout.decode(r[-1], self.survey_id) for r in chunk])
            yield combos, periods, vectors, n

    def _rows(self, session: Session, flt: Filter, units: set[int] | None, part: _Part):
        """The responses of the days of ``part`` inside the filter (by the index on survey
        and time), :data:`servq.store.cells.READ_ROWS` at a time."""
        q = store.row_query(session).where(Response.survey_id == self.survey_id,
                                           Response.instrument_version == self.version)
        if part.lo is not None:
            q = q.where(Response.submitted_at >= _at(part.lo))
        if part.hi is not None:
            q = q.where(Response.submitted_at < _at(part.hi))
        q = _where_combo(q, Response.__table__.c, flt, units, DIMS)
        for chunk in session.execute(q.execution_options(yield_per=store.READ_ROWS)).partitions():
            yield self.layout.parse(chunk)

    def _row_sums(self, rows: Rows, codes: list[np.ndarray], n_groups: int) -> Sums:
        """The sums of ``rows``; many rows in parts on two threads (NumPy releases the GIL)."""
        def part(p: np.ndarray):
            return tally(self.plan, rows.take(p), [np.zeros(len(p), dtype=np.int64), *(c[p] for c in codes)], n_groups)

        pieces = np.array_split(np.arange(len(rows)), 2 if len(rows) >= PARALLEL_ROWS else 1)
        with threadpool_limits(limits=1, user_api="blas"):
            return reduce(add_aligned, _POOL.map(part, pieces))

    def _cell_sums(self, vectors: np.ndarray, codes: list[np.ndarray], n_groups: int, total: bool = True) -> Sums:
        """The sums of the cells; the per-group statistics (float moments, Kano counts)
        with group 0 all of them and group g the cells coded g. (Only those are per group:
        the cross-products are of every respondent.) Without ``total`` only the groups
        from 1 (the rest zero: the cells of a break-down, whose total is counted apart)."""
        layout = self.layout
        total_vector = vectors.sum(axis=0) if total else np.zeros(layout.length)
        floats = Moments(*(_by_group(layout.part(vectors, f"floats.{f}"), codes, n_groups, total)
                           for f in ("n", "s", "ss")), layout.template.floats.shift)
        kano = None
        if layout.template.kano is not None:
            kano = replace(layout.template.kano, counts=_by_group(layout.part(vectors, "kano.counts"), codes, n_groups,
                                                                  total).astype(np.int64))
        return replace(layout.sums(total_vector), floats=floats, kano=kano)

    def daily_counts(self, session: Session, flt: Filter, units: set[int] | None) -> list[tuple[date, int]]:
        """Responses per UTC day, every day from the first to the last (zeros included),
        from the coarsest day level keeping the filter's dimensions."""
        lo, hi = _day(flt.since), _day(flt.until)
        level = level_for(_needed(flt, units), "d", counts=True)
        t = Cell.__table__
        q = (select(t.c.period, func.sum(t.c.n)).where(t.c.survey_id == self.survey_id,
                                                      t.c.instrument_version == self.version,
                                                      t.c.dims == level.mask, t.c.grain == "d").group_by(t.c.period))
        q = _where_combo(q, t.c, flt, units, level.dims)
        if lo is not None:
            q = q.where(t.c.period >= lo)
        if hi is not None:
            q = q.where(t.c.period < hi)
        found = {int(d): int(k) for d, k in session.execute(q) if k}
        if not found:
            return []
        first, last = min(found), max(found)
        epoch = date(1970, 1, 1).toordinal()
        return [(date.fromordinal(epoch + d), found.get(d, 0)) for d in range(first, last + 1)]


def prepare() -> None:
    """Load the code a page's analysis runs on first use (the quality measures load
    pandas and SciPy: a second or more), at the server's start, so that the first page
    does not wait for it. No data is read."""
    for name in ("servq.measures.quality", "servq.measures.economics", "servq.measures.trends"):
        importlib.import_module(name)


def by_rows(by: list[str]) -> bool:
    """Whether a break-down needs the responses (a wave's bounds are times, not days)."""
    return "wave" in by


class TallyStore:
    """The tallies of the survey versions a server process has shown (they hold no
    responses: only each version's instrument layout)."""

    def __init__(self):
        self._surveys: dict[tuple[int, int, str], SurveyTallies] = {}
        self._lock = threading.Lock()

    def of(self, session: Session, survey: Survey, version: int | None = None) -> SurveyTallies:
        """The tallies of instrument ``version`` of ``survey`` (None: the current one); a
        UsageError naming the versions there are when it has no such version."""
        version = version or survey.instrument_version
        key = (survey.id, version, instrument_yaml_at(session, survey, version))
        with self._lock:
            if key not in self._surveys:
                if len(self._surveys) > 1000:
                    self._surveys.clear()
                self._surveys[key] = SurveyTallies(*key)
            return self._surveys[key]


# -- which cells and rows a page sums ----------------------------------------------------

def _needed(flt: Filter, units: set[int] | None) -> set[str]:
    """The dimensions a page filters by."""
    return {dim for dim, on in (("unit", units is not None), ("channel", flt.channel_id is not None),
                                ("tier", flt.tier_id is not None), ("language", flt.language is not None)) if on}


def _covered(need: set[str], by: list[str], grain: str) -> bool:
    """Whether cells of ``grain`` serve a page: a level keeps the filter's dimensions, and
    one each break-down's with them."""
    return level_for(need, grain) is not None and all(level_for(need | {b}, grain) is not None for b in by if b in DIMS)


def _parts(need: set[str], by: list[str], first: int | None, end: int | None) -> list[_Part]:
    """The stretches of [first, end) (UTC days; None: open) a page sums, and from what:
    month cells for whole months, day cells or rows for the days of partial months."""
    days = "d" if _covered(need, by, "d") else None
    if by_rows(by) or ("date" in by and days is None):
        return [_Part(None, first, end)]
    if "date" in by:
        return [_Part("d", first, end)]
    lo = None if first is None else _month_of(first) + (0 if _month_day(_month_of(first)) == first else 1)
    hi = None if end is None else _month_of(end)
    if lo is not None and hi is not None and lo >= hi:  # no whole month
        return [_Part(days, first, end)]
    parts = [_Part("m", lo, hi)]
    if lo is not None and first < _month_day(lo):
        parts.append(_Part(days, first, _month_day(lo)))
    if hi is not None and _month_day(hi) < end:
        parts.append(_Part(days, _month_day(hi), end))
    return parts


def _where_combo(q, c, flt: Filter, units: set[int] | None, dims: tuple[str, ...]):
    """``q`` limited to the filter on the columns ``c`` has of ``dims``."""
    if units is not None and "unit" in dims:
        q = q.where(c.unit_id.in_(sorted(units)))
    if flt.channel_id is not None and "channel" in dims:
        q = q.where(c.channel_id == flt.channel_id)
    if flt.tier_id is not None and "tier" in dims:
        q = q.where(c.tier_id == flt.tier_id)
    if flt.language is not None and "language" in dims:
        q = q.where(c.language == flt.language)
    return q


def _day(d: date | None) -> int | None:
    return None if d is None else d.toordinal() - date(1970, 1, 1).toordinal()


def _at(day: int) -> datetime:
    return datetime.fromtimestamp(day * DAY, UTC)


def _month_of(day: int) -> int:
    return int(np.datetime64(day, "D").astype("datetime64[M]").astype(np.int64))


def _month_day(month: int) -> int:
    """The first day of a month (days since 1970-01-01)."""
    return int(np.datetime64(month, "M").astype("datetime64[D]").astype(np.int64))


# -- summing -----------------------------------------------------------------------------

def _by_group(values: np.ndarray, codes: list[np.ndarray], n_groups: int, total: bool = True) -> np.ndarray:
    """(cells x 1 x ...) -> (groups x ...): group 0 every cell (zero without ``total``), g
    those coded g."""
    cells = values[:, 0]
    out = np.zeros((n_groups, *cells.shape[1:]), dtype=cells.dtype)
    if total:
        out[0] = cells.sum(axis=0)
    for group_codes in codes:
        chosen = group_codes >= 0
        np.add.at(out, group_codes[chosen], cells[chosen])
    return out


def _grown(s: Sums, n_groups: int) -> Sums:
    """``s`` with empty groups up to ``n_groups`` (a later part of a page met new values)."""
    kano = s.kano
    if kano is not None and len(kano.counts) < n_groups:
        pad = ((0, n_groups - len(kano.counts)),) + ((0, 0),) * (kano.counts.ndim - 1)
        kano = replace(kano, counts=np.pad(kano.counts, pad))
    return replace(s, floats=s.floats.grown(n_groups), kano=kano)


def _plus(a: Sums, b: Sums) -> Sums:
    """a + b numbered alike, the one with fewer groups grown first."""
    n = max(b.floats.n.shape[0], a.floats.n.shape[0])
    return add_aligned(_grown(a, n), _grown(b, n))


# -- naming the groups -------------------------------------------------------------------

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


def _named(name: str, ids: np.ndarray, labels: _Labels) -> list[str | None]:
    if name == "language":
        return [LANGS[i] if i >= 0 else None for i in ids.tolist()]
    names = getattr(labels, name)
    return [names.get(i) if i >= 0 else None for i in ids.tolist()]


def _dates(days: np.ndarray) -> list[str | None]:
    return [str(d) for d in days.astype("datetime64[D]")]


class _Grouping:
    """Group numbers (from 1) of every segment value met, in the order met, and per
    ``by`` column the respondents without a value."""

    def __init__(self, by: list[str]):
        self.keys: list[tuple[str, str]] = []
        self.ids: dict[tuple[str, str], int] = {}
        self.unknown = dict.fromkeys(by, 0)

    @property
    def n_groups(self) -> int:
        return len(self.keys) + 1

    def code(self, name: str, values: list[str | None], weights: np.ndarray) -> np.ndarray:
        out = np.full(len(values), -1, dtype=np.int64)
        for i, v in enumerate(values):
            if v is None:
                self.unknown[name] += int(weights[i])
                continue
            if (name, v) not in self.ids:
                self.keys.append((name, v))
                self.ids[(name, v)] = len(self.keys)
            out[i] = self.ids[(name, v)]
        return out

    def code_rows(self, name: str, rows: Rows, labels: _Labels) -> np.ndarray:
        if name in DIMS:  # one text per distinct value: many rows have a few dozen values
            distinct, inverse = np.unique(rows.combo[:, DIMS.index(name)], return_inverse=True)
            per_value = self.code(name, _named(name, distinct, labels),
                                  np.bincount(inverse.reshape(-1), minlength=len(distinct)))
            return per_value[inverse.reshape(-1)] if len(rows) else np.zeros(0, dtype=np.int64)
        if name == "date":
            return self.code(name, _dates(rows.at // DAY), np.ones(len(rows)))
        out: list[str | None] = [None] * len(rows)
        for start, end, wave in labels.waves:  # the first wave that contains the time, as dataset.table
            for i in np.flatnonzero((rows.at >= start) & (rows.at < end)):
                if out[i] is None:
                    out[i] = wave
        return self.code(name, out, np.ones(len(rows)))

    def code_cells(self, name: str, combos: np.ndarray, periods: np.ndarray, n: np.ndarray,
                   labels: _Labels) -> np.ndarray:
        if name == "date":  # day cells only (see _parts)
            return self.code(name, _dates(periods), n)
        return self.code(name, _named(name, combos[:, DIMS.index(name)], labels), n)
