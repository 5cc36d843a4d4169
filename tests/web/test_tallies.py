"""The dashboard's tallies (the cells stored in the database, and rows where a filter cuts
a cell) give exactly what servq.analyze gives on the filtered rows, for every filter,
break-down and unit limit, also after new responses, for each instrument version of an
edited survey and with items not asked ("show if"); on SQLite and PostgreSQL."""

from __future__ import annotations

from collections import Counter
from contextlib import contextmanager
from datetime import UTC, date, datetime

import pytest
from dashboard_helpers import compare
from sqlalchemy import event, select

from servq.store import cells
from servq.store.db import session_factory, transaction
from servq.store.models import Channel, Response, Survey, Tier, User
from servq.web import analysis, dataset
from servq.web.dataset import Filter
from servq.web.security import new_token
from servq.web.surveys import instrument_of
from servq.web.tallies import TallyStore
from servq.web.versions import instrument_at

FILTERS = [
    ({}, []),
    ({}, ["unit", "channel"]),
    ({"unit": "North 1"}, ["tier", "language"]),
    ({"channel": "phone"}, ["unit"]),
    ({"language": "sv"}, []),
    ({"since": date(2026, 2, 10), "until": date(2026, 4, 20)}, ["unit", "language"]),  # two partial months
    ({"since": date(2026, 3, 1), "until": date(2026, 5, 1)}, ["channel"]),  # whole months only
    ({"tier": "gold", "since": date(2026, 4, 1)}, ["unit"]),  # to the current month
    ({"since": date(2026, 1, 20)}, ["date"]),  # by day: from the rows
    ({}, ["wave", "tier"]),
    ({"unit": "North 1", "since": date(2026, 1, 20)}, ["date"]),  # by day: the units' day cells
    ({"since": date(2026, 3, 5), "until": date(2026, 4, 25)}, []),  # day cells only
    ({"since": date(2026, 3, 5), "until": date(2026, 3, 25)}, ["language"]),  # inside a month: day cells
    ({"tier": "gold", "since": date(2026, 3, 5), "until": date(2026, 4, 20)}, ["unit"]),  # partial months: rows
    ({"tier": "gold", "language": "sv", "since": date(2026, 1, 10), "until": date(2026, 6, 14)}, []),  # pair: rows
]


@pytest.mark.parametrize(("where", "by"), FILTERS)
def test_tallies_equal_analyze_on_the_filtered_rows(engine, responses, org_tree, where, by, monkeypatch):
    monkeypatch.setattr(cells, "READ_ROWS", 50)  # the rows outside cells are read in parts
    with session_factory(engine)() as s:
        survey = s.get(Survey, responses)
        user = s.scalar(select(User).where(User.email == "analyst@example.org"))
        ids = {"unit": org_tree.get(where.get("unit")),
               "channel": s.scalar(select(Channel.id).where(Channel.name == where.get("channel"))),
               "tier": s.scalar(select(Tier.id).where(Tier.name == where.get("tier")))}
        flt = Filter(unit_id=ids["unit"], channel_id=ids["channel"], tier_id=ids["tier"],
                     language=where.get("language"), since=where.get("since"), until=where.get("until"))
        tallies = TallyStore().of(s, survey)
        assert compare(s, survey, tallies, user, flt, by) >= 20
        per_day = Counter(dataset.table(s, survey, instrument_of(survey), user, flt).column("date").to_pylist())
        days = tallies.daily_counts(s, flt, dataset.visible_units(s, user, flt))
        assert {str(d): n for d, n in days if n} == dict(per_day)
        assert len(days) == (max(d for d, _ in days) - min(d for d, _ in days)).days + 1  # every day, zeros too


def test_a_unit_manager_and_new_responses(engine, responses, org_tree):
    """A manager's limit is part of the sum; a response added later (also one dated in a
    closed month) is in the next page, also of a process that showed the page before."""
    with session_factory(engine)() as s:
        survey = s.get(Survey, responses)
        tallies = TallyStore().of(s, survey)
        manager = s.scalar(select(User).where(User.email == "north@example.org"))
        analyst = s.scalar(select(User).where(User.email == "analyst@example.org"))
        for user in (manager, analyst):
            compare(s, survey, tallies, user, Filter(), ["unit"])
        wide = compare(s, survey, tallies, manager, Filter(unit_id=org_tree["South 1"]), [])
        assert wide == 0  # a filter outside the manager's subtree shows nothing
        survey_id = survey.id
    with transaction(session_factory(engine)) as s:
        for day in (date(2026, 2, 3), date(2026, 6, 10)):
            s.add(Response(key=new_token(), survey_id=survey_id, unit_id=org_tree["South 1"], channel_id=None,
                           language="en", submitted_at=datetime(day.year, day.month, day.day, tzinfo=UTC),
                           answers={"E1": 1, "P1": 7, "recommend": 10}))
    with session_factory(engine)() as s:
        survey = s.get(Survey, survey_id)
        n = compare(s, survey, tallies, analyst, Filter(), ["unit", "channel"])
        assert n == 362
        assert compare(s, survey, tallies, analyst, Filter(since=date(2026, 2, 1), until=date(2026, 3, 1)), ["tier"]) > 20


VERSIONED = [
    ({}, []),
    ({}, ["unit", "channel"]),
    ({"unit": "Team A"}, ["channel"]),
    ({"language": "en", "since": date(2026, 2, 10), "until": date(2026, 4, 20)}, ["unit"]),  # partial months: rows
    ({"since": date(2026, 3, 3), "until": date(2026, 3, 28)}, ["date"]),  # days that have both versions
]


@contextmanager
def _reading_no_rows(monkeypatch):
    """The dataset's reading of whole filtered responses refused: what runs inside reads the
    cells (and the rows of the days a filter cuts, which the tallies read themselves)."""
    def refused(*_args, **_kwargs):
        raise AssertionError("the dashboard read the filtered responses' rows")

    with monkeypatch.context() as m:
        m.setattr(dataset, "table", refused)
        m.setattr(dataset, "responses_query", refused)
        yield


def _versioned_filter(s, org_tree, where: dict, version: int | None) -> Filter:
    return Filter(unit_id=org_tree.get(where.get("unit")),
                  channel_id=s.scalar(select(Channel.id).where(Channel.name == where.get("channel"))),
                  language=where.get("language"), since=where.get("since"), until=where.get("until"), version=version)


@pytest.mark.parametrize("version", [1, 2, None])
@pytest.mark.parametrize(("where", "by"), VERSIONED)
def test_each_version_and_the_items_not_asked_come_from_the_cells(engine, versioned, org_tree, where, by, version,
                                                                  monkeypatch):
    """A survey edited to version 2 (another scale, an item more) whose items have "show if"
    conditions: the figures of each version (None: the current one, 2) equal servq.analyze
    on that version's filtered rows, the answer cells and blanks as its validator counts
    them (an item not shown is not asked), and the dashboard reads no rows for them."""
    monkeypatch.setattr(cells, "READ_ROWS", 50)
    with session_factory(engine)() as s:
        survey = s.get(Survey, versioned)
        user = s.scalar(select(User).where(User.email == "analyst@example.org"))
        flt = _versioned_filter(s, org_tree, where, version)
        n = compare(s, survey, TallyStore().of(s, survey, version), user, flt, by)
        assert n >= 20
        with _reading_no_rows(monkeypatch):
            res = analysis.results(TallyStore(), s, survey, user, flt, by=by)
        inst = instrument_at(s, survey, version)
        assert res.data["n_respondents"] == n and len(inst.items) == (3 if version == 1 else 4)
        assert res.data["missing"]["cells"] < n * len(inst.items) * len(inst.parts)  # some items were not asked


@pytest.mark.parametrize("version", [1, 2, None])
def test_responses_per_day_of_each_version_come_from_the_cells(engine, versioned, org_tree, version, monkeypatch):
    with session_factory(engine)() as s:
        survey = s.get(Survey, versioned)
        user = s.scalar(select(User).where(User.email == "analyst@example.org"))
        for where in ({}, {"unit": "Team A", "since": date(2026, 3, 10)}, {"channel": "branch", "language": "en"}):
            flt = _versioned_filter(s, org_tree, where, version)
            per_day = Counter(dataset.table(s, survey, instrument_at(s, survey, version), user, flt).column("date")
                              .to_pylist())
            with _reading_no_rows(monkeypatch):
                days = analysis.daily_counts(TallyStore(), s, survey, user, flt)
            assert per_day and {str(d): k for d, k in days if k} == dict(per_day)


def test_the_responses_of_each_version_are_counted_from_the_cells(engine, versioned):
    """The dashboard's and the survey page's "Version N: k responses" come from the month
    cells (not a count of every row), and equal the rows' count after a deletion."""
    from sqlalchemy import func

    from servq.web.versions import answered

    with transaction(session_factory(engine)) as s:
        s.delete(s.scalar(select(Response).where(Response.survey_id == versioned,
                                                 Response.instrument_version == 2).limit(1)))
    with session_factory(engine)() as s:
        rows = dict(s.execute(select(Response.instrument_version, func.count()).where(Response.survey_id == versioned)
                              .group_by(Response.instrument_version)).all())
        assert rows == {1: 120, 2: 119}
        survey = s.get(Survey, versioned)
        read: list[str] = []

        def listener(_conn, _cursor, statement, *_args):
            read.append(statement)

        event.listen(engine, "before_cursor_execute", listener)
        try:
            assert answered(s, survey) == rows
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        assert read and not any("responses" in statement for statement in read)
