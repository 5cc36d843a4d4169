"""A survey's responses as the table :func:`servq.analyze` reads, for the current filter.

Columns: the answers under servq's column names (``E1``, ``P1``, ``W_<dimension>``,
outcome ids), then ``respondent_id`` (the response number), ``unit``, ``channel``,
``tier``, ``language``, ``date`` (UTC day of submission) and ``wave``. A unit manager's
filter always includes the restriction to their subtree: it is part of the query.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Annotated

import pyarrow as pa
from fastapi import Depends, Query
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from ..instruments import Instrument
from ..store.cells import answer_columns
from ..store.models import Channel, Response, Survey, Tier, Unit, User
from .org import subtree, visible_unit_ids
from .params import MAX_ID, FieldErrors, day, quoted, row_id, text_problem

SEGMENTS = ("unit", "channel", "tier", "language", "date", "wave")


@dataclass(frozen=True)
class Filter:
    """What the dashboard shows: a unit and its subtree, a channel, a tier, a language and
    a date range (from inclusive, until exclusive), each optional; and the instrument
    version answered (None: the survey's current one — versions are never mixed, see
    versions.py)."""

    unit_id: int | None = None
    channel_id: int | None = None
    tier_id: int | None = None
    language: str | None = None
    since: date | None = None
    until: date | None = None
    version: int | None = None

    @classmethod
    def parse(cls, params) -> Filter:
        """From query parameters (all text; blank: not filtered); wrong values are a
        :class:`~.params.FieldErrors` naming each."""
        errors: dict[str, str] = {}

        def get(name: str) -> str | None:
            return (params.get(name) or "").strip() or None

        def ref(name: str) -> int | None:
            raw = get(name)
            value = None if raw is None else row_id(raw)
            if raw is not None and value is None:
                errors[name] = f"must be an id (a whole number from 1 to {MAX_ID}), got {quoted(raw)}"
            return value

        def when(name: str) -> date | None:
            raw = get(name)
            try:
                return None if raw is None else day(raw)
            except ValueError as exc:
                errors[name] = str(exc)
                return None

        language = get("language")
        if language is not None and (problem := text_problem(language, Response.language.type.length)):
            errors["language"] = problem
        flt = cls(ref("unit"), ref("channel"), ref("tier"), language, when("since"), when("until"), ref("version"))
        if errors:
            raise FieldErrors(errors)
        return flt

    def query(self) -> dict[str, str]:
        out = {"unit": self.unit_id, "channel": self.channel_id, "tier": self.tier_id, "language": self.language,
               "since": self.since, "until": self.until, "version": self.version}
        return {k: str(v) for k, v in out.items() if v is not None}


def query_filter(
        unit: Annotated[str | None, Query(description="A unit's id: the unit and everything below it")] = None,
        channel: Annotated[str | None, Query(description="A channel's id")] = None,
        tier: Annotated[str | None, Query(description="A customer tier's id")] = None,
        language: Annotated[str | None, Query(description="The language answered in")] = None,
        since: Annotated[str | None, Query(description="From this date (2026-03-31)")] = None,
        until: Annotated[str | None, Query(description="Before this date")] = None,
        version: Annotated[str | None, Query(description="The instrument version answered (default: the current)")]
        = None) -> Filter:
    """The filter of a request's query parameters, on the pages and in the API (blank: not
    filtered; a wrong value is a 422 naming it)."""
    return Filter.parse({"unit": unit, "channel": channel, "tier": tier, "language": language, "since": since,
                         "until": until, "version": version})


FilterQuery = Annotated[Filter, Depends(query_filter)]


def where_visible(q: Select, table, user: User, flt: Filter) -> Select:
    """``q`` limited to ``user``'s units and to the filter's unit subtree, channel and tier,
    for a table with ``unit_id``, ``channel_id`` and ``tier_id`` (responses, invitations)."""
    allowed = visible_unit_ids(user)
    if allowed is not None:
        q = q.where(table.unit_id.in_(allowed))
    if flt.unit_id is not None:
        q = q.where(table.unit_id.in_(subtree(flt.unit_id, "filter_subtree")))
    if flt.channel_id is not None:
        q = q.where(table.channel_id == flt.channel_id)
    if flt.tier_id is not None:
        q = q.where(table.tier_id == flt.tier_id)
    return q


def responses_query(survey: Survey, user: User, flt: Filter) -> Select:
    """The SELECT of the survey's responses ``user`` may see under ``flt`` (of one
    instrument version: the filter's, else the current one)."""
    q = where_visible(select(Response).where(Response.survey_id == survey.id,
                                             Response.instrument_version == (flt.version or survey.instrument_version)),
                      Response, user, flt)
    if flt.language:
        q = q.where(Response.language == flt.language)
    if flt.since:
        q = q.where(Response.submitted_at >= _midnight(flt.since))
    if flt.until:
        q = q.where(Response.submitted_at < _midnight(flt.until))
    return q


def count(session: Session, survey: Survey, user: User, flt: Filter) -> int:
    return session.scalar(select(func.count()).select_from(responses_query(survey, user, flt).subquery())) or 0


EXPORT_ROWS = 50_000  # responses per record batch of a data download


def schema(inst: Instrument) -> pa.Schema:
    """The columns of :func:`table`: the answers (int16), then the respondent and segments."""
    return pa.schema([(c, pa.int16()) for c in answer_columns(inst)]
                     + [(c, pa.string()) for c in ("respondent_id", *SEGMENTS)])


def table(session: Session, survey: Survey, inst: Instrument, user: User, flt: Filter) -> pa.Table:
    """The responses as an Arrow table in servq's column layout (see the module docstring)."""
    return pa.Table.from_batches(list(batches(session, survey, inst, user, flt)), schema=schema(inst))


def batches(session: Session, survey: Survey, inst: Instrument, user: User, flt: Filter,
            size: int | None = None) -> Iterator[pa.RecordBatch]:
    """:func:`table`'s rows as record batches of ``size`` (default :data:`EXPORT_ROWS`)
    responses, read as they are written (a download holds one batch at a time)."""
    names = {
        "unit": dict(session.execute(select(Unit.id, Unit.name)).all()),
        "channel": dict(session.execute(select(Channel.id, Channel.name)).all()),
        "tier": dict(session.execute(select(Tier.id, Tier.name)).all()),
    }
    waves = sorted(survey.waves, key=lambda w: w.starts_at)
    answers = answer_columns(inst)
    columns: dict[str, list] = {c: [] for c in answers}
    meta: dict[str, list] = {"respondent_id": [], **{s: [] for s in SEGMENTS}}
    of = schema(inst)
    size = size or EXPORT_ROWS

    def batch() -> pa.RecordBatch:
        done = pa.RecordBatch.from_pydict({**columns, **meta}, schema=of)
        for values in (*columns.values(), *meta.values()):
            values.clear()
        return done

    query = responses_query(survey, user, flt).order_by(Response.id)
    for r in session.scalars(query).yield_per(2000):
        for c in answers:
            columns[c].append(r.answers.get(c))
        at = r.submitted_at.astimezone(UTC)
        meta["respondent_id"].append(str(r.id))
        meta["unit"].append(names["unit"].get(r.unit_id))
        meta["channel"].append(names["channel"].get(r.channel_id))
        meta["tier"].append(names["tier"].get(r.tier_id))
        meta["language"].append(r.language)
        meta["date"].append(at.date().isoformat())
        meta["wave"].append(next((w.name for w in waves if w.starts_at <= at < w.ends_at), None))
        if len(meta["respondent_id"]) >= size:
            yield batch()
    if meta["respondent_id"]:
        yield batch()


def visible_units(session: Session, user: User, flt: Filter) -> set[int] | None:
    """The unit ids ``user`` may see within the filter's unit subtree (None: every unit)."""
    allowed = visible_unit_ids(user)
    if flt.unit_id is not None:
        chosen = subtree(flt.unit_id, "filter_subtree")
        allowed = chosen if allowed is None else chosen.where(chosen.selected_columns[0].in_(allowed))
    return None if allowed is None else set(session.scalars(allowed))


def _midnight(d: date) -> datetime:
    return datetime.combine(d, time(), tzinfo=UTC)
