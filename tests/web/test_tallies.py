"""The dashboard's tallies (the cells stored in the database, and rows where a filter cuts
a cell) give exactly what servq.analyze gives on the filtered rows, for every filter,
break-down and unit limit, also after new responses; on SQLite and PostgreSQL."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime

import pytest
from dashboard_helpers import compare
from sqlalchemy import select

from servq.store import cells
from servq.store.db import session_factory, transaction
from servq.store.models import Channel, Response, Survey, Tier, User
from servq.web import dataset
from servq.web.dataset import Filter
from servq.web.security import new_token
from servq.web.surveys import instrument_of
from servq.web.tallies import TallyStore

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
        tallies = TallyStore().of(survey, instrument_of(survey))
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
        tallies = TallyStore().of(survey, instrument_of(survey))
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
