"""The dashboard's cells: the sufficient statistics of a survey's responses per instrument
version x unit x channel x tier x language x day or month, kept in the database in the
transaction that stores (or removes) the responses.

A cell holds the summable arrays of a :class:`~servq.analysis.Sums` (everything the
dashboard's analysis reads: moments, cross-products, item totals, Kano counts; never the
ordinal tables of ``analyze --ordinal``) as one float64 vector in the order of
:attr:`Layout.names`, zlib-compressed (level 1), plus its :data:`COUNTS` as columns:
respondents, and blank, don't-know and not asked item cells as the validator counts them
(an item whose "show if" condition a response did not meet was not asked: it is neither
an answer cell nor a blank). Measured for SERVQUAL: 3,514 numbers = 28 KB raw, 6.4 KB
compressed, decoded in 0.07 ms (``Sums.to_bytes`` is 33 KB; storing symmetric matrices as
triangles would save 24 % raw and less compressed, not worth a second layout).

Instrument versions: a survey edited after its first responses asks a new version, whose
items, scale and so layout may differ. A response's cells are those of the version it
answered (``Response.instrument_version``, the first column of the key after the survey),
laid out by that version's instrument (the survey's own for the current version, the
survey_versions table's for an earlier one: :func:`layouts`); versions are never summed
together.

Roll-up levels (:data:`LEVELS`) keep a page from reading thousands of fine cells: a cell of
a level is keyed by the level's dimensions only (the others are :data:`ALL`). Months: the
survey, each of unit, channel, tier and language alone, each pair of them (a filter on
one broken down by another: a page's break-down reads the level of its column with the
filter's) and all four together; days: the survey, each dimension alone and unit x
channel (so a date filter, which is in whole days, needs no rows for the usual pages),
and the four dimensions with counts only (the responses per day of any filter). A response adds to one cell of
every level, 19 in all.

Writes: :func:`added` (or an ORM ``session.add(Response)``, or ``session.delete``) notes
the change in the session; when its transaction commits, ``before_commit`` (see
:func:`keep_cells`) reads back the noted responses that still exist (a job rolled back to
its savepoint left nothing), tallies them per cell once for the whole transaction and
adds them to the cell rows, locked in key order (PostgreSQL: placeholders inserted with
ON CONFLICT DO NOTHING, then SELECT ... FOR UPDATE; SQLite has one writer at a time). So
the cells are never ahead of or behind the responses, and concurrent writers lose no
update. :func:`rebuild` makes a survey's cells, of every version, again from its
responses, streamed in time order in one pass (constant memory); :func:`check` compares
the stored cells with such a rebuild.
"""

from __future__ import annotations

import io
import json
import struct
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations, groupby
from typing import NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pa_json
from sqlalchemy import BigInteger, Text, bindparam, cast, delete, event, func, select, text, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from ..analysis import AnalysisOptions, Sums, plan_for, tally
from ..errors import UsageError
from ..instruments import Instrument, parse_instrument
from ..instruments.schema import LANGUAGES
from ..io.validate import Answers, not_asked
from .models import Cell, Response, Survey, SurveyVersion, UtcDateTime

DIMS = ("unit", "channel", "tier", "language")  # what a cell is of, besides its day or month
LANGS = LANGUAGES  # a response's language as a number: its place here (-1: another)
ALL = 0  # a dimension a level does not keep (ids start at 1; -1 is "none")
ALL_LANGUAGES = "*"
DAY = 86400
READ_ROWS = 50_000
SLICE_DAYS = 7  # a rebuild tallies a part's responses a week at a time (see fresh)
TALLY_ROWS = 300  # a tally's fixed cost in rows' worth (measured: 0.8 ms a call, 3 us a row)
_MAGIC = b"SQC1"
# PostgreSQL advisory locks on (this text's hash in the schema, survey id): writers shared, a rebuild exclusive
_ADVISORY = "hashtext(current_schema() || '.servq_cells')"
_ADDED, _REMOVED = "servq_cells_added", "servq_cells_removed"


@dataclass(frozen=True)
class Level:
    """A roll-up level: the dimensions its cells keep and its grain, ``d`` (day: periods
    count days since 1970-01-01) or ``m`` (month: months since 1970-01); ``counts_only``:
    its cells hold the counts, no sums (for the dashboard's responses per day)."""

    dims: tuple[str, ...]
    grain: str
    counts_only: bool = False

    @property
    def mask(self) -> int:
        return sum(1 << DIMS.index(d) for d in self.dims)


LEVELS = (*(Level(dims, "m") for k in range(3) for dims in combinations(DIMS, k)), Level(DIMS, "m"),
          *(Level(dims, "d") for k in range(2) for dims in combinations(DIMS, k)), Level(("unit", "channel"), "d"),
          Level(DIMS, "d", counts_only=True))
_COUNTS_ONLY = {(lv.mask, lv.grain) for lv in LEVELS if lv.counts_only}
SURVEY_MONTHS = LEVELS[0]  # the survey's months, every response once: its totals


def level_for(dims: Iterable[str], grain: str, counts: bool = False) -> Level | None:
    """The coarsest level of ``grain`` keeping every one of ``dims`` (None: there is none);
    with ``counts`` also those that hold counts only."""
    wanted = set(dims)
    fits = [lv for lv in LEVELS if lv.grain == grain and wanted <= set(lv.dims) and (counts or not lv.counts_only)]
    return min(fits, key=lambda lv: len(lv.dims)) if fits else None


class Key(NamedTuple):
    """A cell's key: the columns of the cell table's primary key, in its order."""

    survey_id: int
    instrument_version: int
    dims: int  # the level's mask
    grain: str
    period: int
    unit_id: int
    channel_id: int
    tier_id: int
    language: str


KEY_COLUMNS = Key._fields
COUNTS = ("n", "blank", "dont_know", "not_asked")  # a cell's counts: respondents, then item cells


def answer_columns(inst: Instrument) -> list[str]:
    """The answer columns of ``inst``: every part's items first, then weights, Kano, outcomes."""
    cols = [f"{p.prefix}{it.id}" for p in inst.parts for it in inst.items]
    if inst.importance is not None:
        cols += [f"W_{d.id}" for d in inst.dimensions]
    if inst.kano is not None:
        cols += [f"K{side}_{f.id}" for f in inst.kano.features for side in "FD"]
    return cols + [c for o in inst.outcomes for c in o.columns]


@dataclass(frozen=True)
class Rows:
    """Responses read and validated: ``combo`` columns unit, channel, tier and language
    number (-1 = none); ``at``: submission time in UTC seconds; ``blank``/``dont_know``/
    ``not_asked``: each response's blank, don't-know and not asked item cells, as the
    validator counts them (an item whose "show if" is not met is not asked, not blank)."""

    ids: np.ndarray
    combo: np.ndarray  # rows x 4, int64
    at: np.ndarray
    blank: np.ndarray
    dont_know: np.ndarray
    not_asked: np.ndarray
    answers: Answers

    def __len__(self) -> int:
        return len(self.ids)

    def take(self, rows: np.ndarray) -> Answers:
        """The answers of ``rows`` (indices)."""
        a = self.answers
        return Answers({p: c[:, rows] for p, c in a.parts.items()}, None if a.weights is None else a.weights[:, rows],
                       a.outcomes[:, rows], {}, len(rows), None if a.kano is None else a.kano[:, :, rows])


class Layout:
    """What a cell of an instrument holds: the plan of the dashboard's analysis and the
    order, shapes and sizes of the summable arrays of its Sums."""

    def __init__(self, instrument: Instrument):
        self.instrument = instrument
        self.columns = answer_columns(instrument)
        self.plan = plan_for(instrument, self.columns, AnalysisOptions(), file="responses")
        self.cells_per_item = len(instrument.parts) * len(instrument.items)
        nothing = pa.table({c: pa.array([], pa.int16()) for c in self.columns})
        self.template = tally(self.plan, self.plan.validator().check(nothing), [np.zeros(0, dtype=np.int64)], 1)
        if self.template.ordinal:
            raise ValueError("the dashboard's plan has no ordinal tables: they stay out of the cells")
        arrays = self.template.arrays(shifts=False)
        self.names = list(arrays)
        self.shapes = [np.shape(a) for a in arrays.values()]
        sizes = [int(np.size(a)) for a in arrays.values()]
        self.offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
        self.length = int(self.offsets[-1])

    # -- vectors ------------------------------------------------------------------------
    def vector(self, sums: Sums) -> np.ndarray:
        if sums.ordinal:
            raise ValueError("Sums with ordinal tables are not stored in cells")
        return np.concatenate([np.ravel(a).astype(np.float64) for a in sums.arrays(shifts=False).values()])

    def part(self, vectors: np.ndarray, name: str) -> np.ndarray:
        """The array ``name`` of each of ``vectors`` (cells x length): cells x its shape."""
        i = self.names.index(name)
        return vectors[:, self.offsets[i]:self.offsets[i + 1]].reshape(len(vectors), *self.shapes[i])

    def sums(self, vector: np.ndarray) -> Sums:
        """The Sums of one vector (no groups, no counts)."""
        return self.template.with_arrays({name: vector[self.offsets[i]:self.offsets[i + 1]].reshape(self.shapes[i])
                                          for i, name in enumerate(self.names)})

    def tally(self, rows: Rows, which: np.ndarray) -> np.ndarray:
        """The vector of the responses ``which`` (indices) of ``rows``."""
        return self.vector(tally(self.plan, rows.take(which), [np.zeros(len(which), dtype=np.int64)], 1))

    def differing(self, a: np.ndarray, b: np.ndarray) -> list[str]:
        """The names of the arrays in which vectors ``a`` and ``b`` differ beyond rounding."""
        bad = ~np.isclose(a, b, rtol=1e-9, atol=1e-6)
        return [self.names[i] for i in sorted(set(np.searchsorted(self.offsets, np.flatnonzero(bad), side="right") - 1))]

    def encode(self, vector: np.ndarray) -> bytes:
        return _MAGIC + struct.pack("<I", self.length) + zlib.compress(np.ascontiguousarray(vector, np.float64).tobytes(), 1)

    def decode(self, data: bytes, survey_id: int) -> np.ndarray:
        if not data:
            return np.zeros(self.length)
        if data[:4] != _MAGIC or struct.unpack("<I", data[4:8])[0] != self.length:
            raise UsageError(f"the dashboard cells of survey {survey_id} were made by another version of servq: "
                             f"run `servq db rebuild-cells --survey {survey_id}`")
        return np.frombuffer(zlib.decompress(data[8:]), dtype=np.float64)

    # -- rows ---------------------------------------------------------------------------
    def parse(self, rows: list) -> Rows:
        """Rows of :func:`row_query` as validated answers (Arrow's JSON reader parses the
        stored answers)."""
        schema = pa.schema([(c, pa.int16()) for c in self.columns])
        table = pa_json.read_json(io.BytesIO("\n".join(r[6] for r in rows).encode()), parse_options=pa_json.ParseOptions(
            explicit_schema=schema, unexpected_field_behavior="ignore")) if rows else schema.empty_table()
        validator = self.plan.validator()
        answers = validator.check(table)
        if rows:
            validator.finish()  # stored answers were checked on submission: raises only on a bug
        n = table.num_rows
        blank, dont_know = np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64)
        dk = self.instrument.scale.dont_know
        items = self.columns[:self.cells_per_item]
        for name in items:
            col = table.column(name)
            blank += pc.is_null(col).to_numpy(zero_copy_only=False)
            if dk is not None:
                dont_know += pc.fill_null(pc.equal(col, dk), False).to_numpy(zero_copy_only=False)
        hidden = not_asked(self.instrument, table, items, np.concatenate([answers.parts[p] for p in self.instrument.parts]))
        lang = {code: i for i, code in enumerate(LANGS)}
        meta = np.array([(r[0], r[1], _id(r[2]), _id(r[3]), lang.get(r[4], -1), r[5]) for r in rows],
                        dtype=np.int64).reshape(-1, 6)
        return Rows(meta[:, 0].copy(), meta[:, 1:5].copy(), meta[:, 5].copy(), blank - hidden, dont_know, hidden,
                    answers)


@lru_cache(maxsize=64)
def layout_of(instrument_yaml: str) -> Layout:
    """The layout of a survey's instrument (made once per process)."""
    return Layout(parse_instrument(instrument_yaml, "survey instrument"))


_CURRENT = select(Survey.id, Survey.instrument_version, Survey.instrument_yaml)
_EARLIER = select(SurveyVersion.survey_id, SurveyVersion.version, SurveyVersion.instrument_yaml)


def layouts(session: Session, versions: set[tuple[int, int]]) -> dict[tuple[int, int], Layout]:
    """The layouts of the instrument ``versions`` (survey id, version): a survey's current
    version is the survey's own instrument, an earlier one is in survey_versions."""
    found: dict[tuple[int, int], str] = {}
    for part in _batches(sorted({sid for sid, _ in versions}), 500):
        found.update(_yamls(session, _CURRENT.where(Survey.id.in_(part))))
    for part in _batches(sorted(versions - found.keys()), 500):
        found.update(_yamls(session, _EARLIER.where(tuple_(SurveyVersion.survey_id, SurveyVersion.version).in_(part))))
    if missing := sorted(versions - found.keys()):
        raise UsageError("responses answered instrument versions their survey does not have: "
                         + ", ".join(f"survey {sid} version {v}" for sid, v in missing))
    return {key: layout_of(found[key]) for key in versions}


def _yamls(session: Session, q) -> dict[tuple[int, int], str]:
    return {(sid, v): y for sid, v, y in session.execute(q)}


def epoch_seconds(session: Session, column):
    """``column`` (a UTC timestamp) as whole seconds since 1970, computed by the database."""
    if session.get_bind().dialect.name == "sqlite":
        return cast(func.strftime("%s", column), BigInteger)
    return cast(func.floor(func.extract("epoch", column)), BigInteger)


def row_query(session: Session):
    """SELECT of the responses' fields :meth:`Layout.parse` reads (add the WHERE)."""
    return select(Response.id, Response.unit_id, Response.channel_id, Response.tier_id, Response.language,
                  epoch_seconds(session, Response.submitted_at), cast(Response.answers, Text))


def months(at: np.ndarray) -> np.ndarray:
    """Months since 1970-01 of UTC seconds."""
    return at.astype("datetime64[s]").astype("datetime64[M]").astype(np.int64)


def month_start(month: int) -> int:
    """The first UTC second of a month (months since 1970-01)."""
    return int(np.datetime64(month, "M").astype("datetime64[s]").astype(np.int64))


# -- what changes ----------------------------------------------------------------------

class Delta:
    """What some responses add to one cell: the vector (None in a cell of counts only) and
    the :data:`COUNTS`."""

    __slots__ = ("vector", "counts")

    def __init__(self, vector: np.ndarray | None, counts: np.ndarray):
        self.vector, self.counts = vector, counts

    def add(self, other: Delta) -> None:
        self.vector = None if self.vector is None else self.vector + other.vector
        self.counts = self.counts + other.counts

    def copy(self) -> Delta:
        return Delta(None if self.vector is None else self.vector.copy(), self.counts.copy())


def contributions(survey_id: int, version: int, layout: Layout, rows: Rows, sign: int = 1,
                  into: dict[Key, Delta] | None = None) -> dict[Key, Delta]:
    """The deltas of ``rows`` (responses to instrument ``version`` of the survey, whose
    ``layout`` it is) to every cell of every level (``sign`` -1: removed rows).

    The rows are tallied once per cell of the finest key of each grain (unit x day; the
    four dimensions x month); the coarser levels are sums of those vectors. Levels of
    counts only are counted apart (no tally)."""
    out = {} if into is None else into
    if not len(rows):
        return out
    for grain in ("d", "m"):
        for counts_only in (False, True):
            levels = [lv for lv in LEVELS if lv.grain == grain and lv.counts_only == counts_only]
            if levels:
                _contribute((survey_id, version), layout, rows, sign, grain, levels, out)
    return out


def _contribute(of: tuple[int, int], layout: Layout, rows: Rows, sign: int, grain: str, levels: list[Level],
                out: dict[Key, Delta]) -> None:
    """Add the deltas of ``rows`` to the cells of ``levels`` (of one grain): tallied once
    per cell of the finest key of the levels and summed up into the coarser cells, or
    tallied per level, whichever costs less (a tally costs about :data:`TALLY_ROWS` rows'
    worth of work besides its rows: a few responses are best tallied once, millions of a
    rebuild per level, as the finest key has many small cells)."""
    period = rows.at // DAY if grain == "d" else months(rows.at)
    finest = [d for d in DIMS if any(d in lv.dims for lv in levels)]
    groups = {lv: _grouped(period, rows, lv.dims) for lv in levels}
    base = _grouped(period, rows, tuple(finest))
    per_level = sum(len(g[1]) for g in groups.values()) * TALLY_ROWS + len(levels) * len(rows)
    if levels[0].counts_only or len(base[1]) * TALLY_ROWS + len(rows) <= per_level:
        plan = [(tuple(finest), base, levels)]
    else:
        plan = [(lv.dims, groups[lv], [lv]) for lv in levels]
    for dims, (keys, starts, order), targets in plan:
        for a, b in zip(starts, np.r_[starts[1:], len(keys)]):
            which = order[a:b]
            counts = sign * np.array([len(which), rows.blank[which].sum(), rows.dont_know[which].sum(),
                                      rows.not_asked[which].sum()], dtype=np.int64)
            delta = Delta(None if levels[0].counts_only else sign * layout.tally(rows, which), counts)
            combo = dict(zip(dims, keys[a, 1:].tolist()))
            for lv in targets:
                key = _key(of, lv, int(keys[a, 0]), combo)
                if key in out:
                    out[key].add(delta)
                else:
                    out[key] = delta.copy()


def _grouped(period: np.ndarray, rows: Rows, dims: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The rows grouped by period and ``dims``: (sorted keys, first position of each
    group, the order of the rows)."""
    keys = np.column_stack([period] + [rows.combo[:, DIMS.index(d)] for d in dims])
    order = np.lexsort(keys.T[::-1])
    keys = keys[order]
    return keys, np.flatnonzero(np.r_[True, (keys[1:] != keys[:-1]).any(axis=1)]), order


def _key(of: tuple[int, int], level: Level, period: int, combo: dict[str, int]) -> Key:
    def value(d: str) -> int:
        return combo[d] if d in level.dims else ALL

    lang = combo.get("language", -1)
    language = (LANGS[lang] if lang >= 0 else "") if "language" in level.dims else ALL_LANGUAGES
    return Key(*of, level.mask, level.grain, period, value("unit"), value("channel"), value("tier"), language)


def apply(session: Session, deltas: dict[Key, Delta], layouts: dict[tuple[int, int], Layout]) -> None:
    """Add ``deltas`` to the stored cells (a cell left with no respondent is deleted);
    ``layouts`` by (survey id, instrument version)."""
    if not deltas:
        return
    table = Cell.__table__
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres:
        for survey_id in sorted({k.survey_id for k in deltas}):
            session.execute(text(f"select pg_advisory_xact_lock_shared({_ADVISORY}, :b)"), {"b": survey_id})
    keys = sorted(deltas)
    insert = (postgresql.insert if postgres else sqlite.insert)(table).on_conflict_do_nothing()
    columns = [table.c[c] for c in KEY_COLUMNS]
    updates, gone = [], []
    for part in _batches(keys, 500):
        session.execute(insert, [{**k._asdict(), **dict.fromkeys(COUNTS, 0), "version": 0, "sums": b""} for k in part])
        q = select(*columns, *(table.c[c] for c in COUNTS), table.c.sums).where(tuple_(*columns).in_(part))
        if postgres:  # rows locked in the order of the keys as Python sorts them, whatever the database's collation
            q = q.order_by(*columns[:-1], table.c.language.collate("C")).with_for_update()
        for row in session.execute(q):
            key = Key(*row[:len(KEY_COLUMNS)])
            d = deltas[key]
            counts = np.array(row[len(KEY_COLUMNS):-1], dtype=np.int64) + d.counts
            if counts[0] <= 0:
                gone.append({f"k_{c}": v for c, v in key._asdict().items()})
                continue
            layout = layouts[key.survey_id, key.instrument_version]
            sums = b"" if d.vector is None else layout.encode(layout.decode(row[-1], key.survey_id) + d.vector)
            updates.append({**{f"k_{c}": v for c, v in key._asdict().items()},
                            **{f"v_{c}": int(v) for c, v in zip(COUNTS, counts)}, "v_sums": sums})
    where = [table.c[c] == bindparam(f"k_{c}") for c in KEY_COLUMNS]
    if updates:
        session.execute(update(table).where(*where).values(**{c: bindparam(f"v_{c}") for c in COUNTS},
                        sums=bindparam("v_sums"), version=table.c.version + 1)
                        .execution_options(synchronize_session=False), updates)
    if gone:
        session.execute(delete(table).where(*where).execution_options(synchronize_session=False), gone)


def _batches(items: list, size: int) -> Iterator[list]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _id(value: int | None) -> int:
    return -1 if value is None else value


# -- keeping the cells with the responses ------------------------------------------------

def added(session: Session, response_id: int) -> None:
    """Note a response inserted in this transaction (by a statement, not the ORM): the
    cells get it when the transaction commits."""
    session.info.setdefault(_ADDED, set()).add(response_id)


def keep_cells(factory: sessionmaker) -> None:
    """Keep the cells of the sessions of ``factory`` with their responses (see the module)."""
    event.listen(factory, "after_flush", _noted)
    event.listen(factory, "before_commit", _flush)
    event.listen(factory, "after_transaction_end", _forget)


def _noted(session: Session, _context) -> None:
    for obj in session.new:
        if isinstance(obj, Response):
            added(session, obj.id)
    for obj in session.deleted:
        if isinstance(obj, Response):
            row = (obj.id, obj.unit_id, obj.channel_id, obj.tier_id, obj.language,
                   int(obj.submitted_at.timestamp()), json.dumps(obj.answers))
            session.info.setdefault(_REMOVED, {})[obj.id] = ((obj.survey_id, obj.instrument_version), row)


def _forget(session: Session, transaction) -> None:
    if transaction.parent is None:  # the outermost transaction ended (committed or rolled back)
        session.info.pop(_ADDED, None)
        session.info.pop(_REMOVED, None)


def _flush(session: Session) -> None:
    """The noted responses into the cells, before the transaction commits."""
    if session.in_nested_transaction():
        return  # a savepoint is released: the outer transaction commits later
    session.flush()
    new_ids = session.info.pop(_ADDED, set())
    removed = session.info.pop(_REMOVED, {})
    if not new_ids and not removed:
        return
    new: dict[tuple[int, int], list] = {}  # by (survey, instrument version)
    for part in _batches(sorted(new_ids), 1000):
        for row in session.execute(row_query(session).add_columns(Response.survey_id, Response.instrument_version)
                                   .where(Response.id.in_(part))):
            new.setdefault((row[7], row[8]), []).append(tuple(row[:7]))
    still = set()
    for part in _batches(sorted(removed), 1000):
        still |= set(session.scalars(select(Response.id).where(Response.id.in_(part))))
    gone: dict[tuple[int, int], list] = {}
    for rid, (of, row) in removed.items():
        if rid not in still:  # not rolled back
            gone.setdefault(of, []).append(row)
    versions = set(new) | set(gone)
    found = layouts(session, versions)
    deltas: dict[Key, Delta] = {}
    for of in sorted(versions):
        layout = found[of]
        contributions(*of, layout, layout.parse(new.get(of, [])), 1, deltas)
        contributions(*of, layout, layout.parse(gone.get(of, [])), -1, deltas)
    apply(session, deltas, found)


# -- rebuilding and checking -------------------------------------------------------------

def fresh(session: Session, survey_id: int, layouts: dict[int, Layout]) -> Iterator[tuple[Key, Delta]]:
    """The cells of the survey's responses made again (``layouts`` by instrument version),
    streamed in time order in parts of :data:`READ_ROWS` (keyset paging on the index by
    survey and time), every version in the same pass; a cell is given as soon as no later
    response can fall in it, so memory holds only the open ones. A part is tallied a span
    of :data:`SLICE_DAYS` at a time: sparse responses (a part spanning months) would
    otherwise open every day cell of the part at once."""
    q = row_query(session).add_columns(Response.submitted_at, Response.instrument_version) \
        .where(Response.survey_id == survey_id).order_by(Response.submitted_at, Response.id).limit(READ_ROWS)
    open_cells: dict[Key, Delta] = {}
    last = None
    while True:
        page = session.execute(q if last is None else q.where(
            tuple_(Response.submitted_at, Response.id) > tuple_(bindparam("at", last[0], UtcDateTime()),
                                                                bindparam("id", last[1])))).all()
        if not page:
            break
        last = (page[-1][7], page[-1][0])
        for _, span in groupby(page, key=lambda r: r[5] // (SLICE_DAYS * DAY)):
            rows = list(span)
            for version in sorted({r[8] for r in rows}):
                if version not in layouts:
                    raise UsageError(f"survey {survey_id} has responses to instrument version {version}, "
                                     f"which it does not have")
                layout = layouts[version]
                contributions(survey_id, version, layout, layout.parse([r[:7] for r in rows if r[8] == version]), 1,
                              open_cells)
            now = int(rows[-1][5])
            done = {"d": now // DAY, "m": int(months(np.array([now]))[0])}
            for key in [k for k in open_cells if k.period < done[k.grain]]:
                yield key, open_cells.pop(key)
    yield from sorted(open_cells.items())


def responses_per_version(session: Session, survey_id: int) -> dict[int, int]:
    """The survey's responses per instrument version (versions without any left out), from
    its month cells: no count of the rows."""
    rows = session.execute(select(Cell.instrument_version, func.sum(Cell.n)).where(
        Cell.survey_id == survey_id, Cell.dims == SURVEY_MONTHS.mask, Cell.grain == SURVEY_MONTHS.grain)
        .group_by(Cell.instrument_version)).all()
    return {int(v): int(n) for v, n in sorted(rows) if n}


def _exclusive(session: Session, survey_id: int) -> None:
    """Wait for the survey's writers to commit and keep new ones waiting (PostgreSQL; on
    SQLite the write transaction is alone already)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"select pg_advisory_xact_lock({_ADVISORY}, :b)"), {"b": survey_id})


@dataclass(frozen=True)
class Rebuilt:
    survey_id: int
    responses: int
    cells: int


def rebuild(session: Session, survey_id: int) -> Rebuilt:
    """Make the survey's cells, of every instrument version, again from its responses (in
    the caller's transaction; submissions to the survey wait until it commits)."""
    found = _survey_layouts(session, survey_id)
    _exclusive(session, survey_id)
    if session.get_bind().dialect.name == "postgresql":
        # After a bulk load the planner's statistics are stale, and it would sort all the
        # survey's later responses for each part it reads (hours at ten million).
        session.execute(text(f"analyze {Response.__tablename__}"))
    table = Cell.__table__
    session.execute(delete(table).where(table.c.survey_id == survey_id))
    responses = cells = 0
    batch: list[dict] = []
    for key, d in fresh(session, survey_id, found):
        batch.append({**key._asdict(), **{c: int(v) for c, v in zip(COUNTS, d.counts)}, "version": 1,
                      "sums": b"" if d.vector is None else found[key.instrument_version].encode(d.vector)})
        cells += 1
        responses += int(d.counts[0]) if (key.dims, key.grain) == (SURVEY_MONTHS.mask, SURVEY_MONTHS.grain) else 0
        if len(batch) >= 500:
            session.execute(table.insert(), batch)
            batch = []
    if batch:
        session.execute(table.insert(), batch)
    return Rebuilt(survey_id, responses, cells)


def check(session: Session, survey_id: int, limit: int = 20) -> tuple[int, list[str]]:
    """Compare the stored cells of the survey with a rebuild from its responses: (cells
    compared, differences described; at most ``limit``)."""
    found = _survey_layouts(session, survey_id)
    table = Cell.__table__
    columns = [table.c[c] for c in KEY_COLUMNS]
    problems: list[str] = []
    seen: set[Key] = set()
    pending: list[tuple[Key, Delta]] = []

    def compare(part: list[tuple[Key, Delta]]) -> None:
        stored = {Key(*r[:len(KEY_COLUMNS)]): r[len(KEY_COLUMNS):] for r in session.execute(
            select(*columns, *(table.c[c] for c in COUNTS), table.c.sums)
            .where(tuple_(*columns).in_([k for k, _ in part])))}
        for key, d in part:
            seen.add(key)
            got = stored.get(key)
            layout = found[key.instrument_version]
            if got is None:
                problems.append(f"{_describe(key)}: missing (should hold {int(d.counts[0])} responses)")
            elif list(got[:-1]) != d.counts.tolist():
                problems.append(f"{_describe(key)}: counts ({', '.join(COUNTS)}) {list(got[:-1])}, "
                                f"the responses give {d.counts.tolist()}")
            elif d.vector is not None and (names := layout.differing(layout.decode(got[-1], survey_id), d.vector)):
                problems.append(f"{_describe(key)}: the sums differ from the responses' ({', '.join(names)})")

    for item in fresh(session, survey_id, found):
        pending.append(item)
        if len(pending) >= 500:
            compare(pending)
            pending = []
    if pending:
        compare(pending)
    for row in session.execute(select(*columns).where(table.c.survey_id == survey_id)):
        if Key(*row) not in seen:
            problems.append(f"{_describe(Key(*row))}: stored, but no response falls in it")
    return len(seen), problems[:limit] + ([f"... and {len(problems) - limit} more"] if len(problems) > limit else [])


def snapshot(session: Session) -> None:
    """Let the session's transaction see one snapshot of the database (PostgreSQL:
    REPEATABLE READ; a SQLite read transaction is one already), so that a check during
    submissions compares cells and responses of the same moment."""
    if session.get_bind().dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


def _survey_layouts(session: Session, survey_id: int) -> dict[int, Layout]:
    """The layouts of every instrument version of the survey, by version."""
    found = _yamls(session, _CURRENT.where(Survey.id == survey_id))
    if not found:
        raise UsageError(f"there is no survey {survey_id}")
    found.update(_yamls(session, _EARLIER.where(SurveyVersion.survey_id == survey_id)))
    return {v: layout_of(y) for (_, v), y in found.items()}


def _describe(key: Key) -> str:
    when = str(np.datetime64(key.period, "D" if key.grain == "d" else "M"))
    values = (key.unit_id, key.channel_id, key.tier_id, key.language)
    parts = [f"{d} {v}" for d, v in zip(DIMS, values) if key.dims & (1 << DIMS.index(d))]
    return f"survey {key.survey_id} version {key.instrument_version}, {when}" + (f", {', '.join(parts)}" if parts else "")
