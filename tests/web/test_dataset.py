"""Responses -> the table servq.analyze reads, with filters and the unit managers' limits."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

import servq
from servq.errors import UsageError
from servq.store.db import session_factory, transaction
from servq.store.models import Channel, Response, Survey, Unit, User
from servq.web import dataset
from servq.web.security import new_token
from servq.web.surveys import add_wave, instrument_of
from servq.web.tallies import TallyStore


@pytest.fixture
def filled(engine, org_tree):
    """Four responses to the North survey (E1/P1 only, plus recommend) and one to a second
    survey covering South 1, submitted on known days."""
    with transaction(session_factory(engine)) as s:
        survey = s.scalar(select(Survey).where(Survey.title == "North customers"))
        branch = s.scalar(select(Channel).where(Channel.name == "branch"))
        analyst = s.scalar(select(User).where(User.email == "analyst2@example.org"))
        add_wave(s, survey, "Spring", "2026-03-01", "2026-06-01", analyst)
        rows = [  # unit, channel, language, day, E1, P1, recommend
            ("Team A", branch.id, "sv", date(2026, 3, 2), 7, 5, 10),
            ("Team A", None, "en", date(2026, 3, 2), 6, 6, 8),
            ("North 1", branch.id, "sv", date(2026, 3, 4), 5, 2, 3),
            ("North 1", None, "sv", date(2026, 7, 1), 4, 4, None),
        ]
        unit = {u.name: u.id for u in s.scalars(select(Unit))}
        for _i, (u, ch, lang, day, e1, p1, rec) in enumerate(rows):
            answers = {"E1": e1, "P1": p1} | ({"recommend": rec} if rec is not None else {})
            s.add(Response(key=new_token(), survey_id=survey.id, unit_id=unit[u], channel_id=ch,
                           language=lang, answers=answers,
                           submitted_at=datetime(day.year, day.month, day.day, 12, tzinfo=UTC)))
        return survey.id


def _user(s, email):
    return s.scalar(select(User).where(User.email == email))


def test_table_has_the_answers_and_segments_and_analyses(engine, filled):
    with session_factory(engine)() as s:
        survey = s.get(Survey, filled)
        inst = instrument_of(survey)
        t = dataset.table(s, survey, inst, _user(s, "analyst@example.org"), dataset.Filter())
    assert t.num_rows == 4
    assert t.column("E1").to_pylist() == [7, 6, 5, 4] and t.column("P1").to_pylist() == [5, 6, 2, 4]
    assert t.column("unit").to_pylist() == ["Team A", "Team A", "North 1", "North 1"]
    assert t.column("channel").to_pylist() == ["branch", None, "branch", None]
    assert t.column("date").to_pylist() == ["2026-03-02", "2026-03-02", "2026-03-04", "2026-07-01"]
    assert t.column("wave").to_pylist() == ["Spring", "Spring", "Spring", None]
    res = servq.analyze(t, inst, quality=False, min_n=1)
    # item 1 gaps P1 - E1: -2, 0, -3, 0 -> mean -1.25; NPS of 10, 8, 3: (1 - 1) / 3 = 0
    assert res.item(1)["gap"]["mean"] == pytest.approx(-1.25)
    recommend = next(o for o in res.data["outcomes"] if o["id"] == "recommend")
    assert recommend["nps"]["nps"] == pytest.approx(0.0) and recommend["nps"]["n"] == 3


def test_filters_and_subtrees(engine, filled, org_tree):
    with session_factory(engine)() as s:
        survey = s.get(Survey, filled)
        analyst = _user(s, "analyst@example.org")

        def n(**kw):
            return dataset.count(s, survey, analyst, dataset.Filter(**kw))

        assert n() == 4
        assert n(unit_id=org_tree["North"]) == 4 and n(unit_id=org_tree["Team A"]) == 2
        assert n(unit_id=org_tree["South"]) == 0
        assert n(language="sv") == 3 and n(channel_id=1) == 2
        assert n(since=date(2026, 3, 3)) == 2 and n(since=date(2026, 3, 2), until=date(2026, 3, 4)) == 2
        tallies = TallyStore().of(s, survey)
        assert tallies.daily_counts(s, dataset.Filter(until=date(2026, 3, 5)), None) == [
            (date(2026, 3, 2), 2), (date(2026, 3, 3), 0), (date(2026, 3, 4), 1)]
        assert tallies.daily_counts(s, dataset.Filter(language="en"), {org_tree["Team A"]}) == [(date(2026, 3, 2), 1)]


def test_a_unit_manager_sees_only_their_subtree_whatever_the_filter(engine, filled, org_tree):
    with transaction(session_factory(engine)) as s:
        from servq.web import accounts

        accounts.create_user(s, "teama@example.org", "a-long-test-password", "unit_manager",
                             unit_id=org_tree["Team A"])
    with session_factory(engine)() as s:
        survey = s.get(Survey, filled)
        manager = _user(s, "teama@example.org")
        assert dataset.count(s, survey, manager, dataset.Filter()) == 2
        assert dataset.count(s, survey, manager, dataset.Filter(unit_id=org_tree["North"])) == 2  # not widened
        assert dataset.count(s, survey, _user(s, "south1@example.org"), dataset.Filter()) == 0


def test_filter_from_query_parameters():
    f = dataset.Filter.parse({"unit": "3", "language": "sv", "since": "2026-01-01", "until": ""})
    assert f == dataset.Filter(unit_id=3, language="sv", since=date(2026, 1, 1))
    assert f.query() == {"unit": "3", "language": "sv", "since": "2026-01-01"}
    with pytest.raises(UsageError, match="since: must be a date"):
        dataset.Filter.parse({"since": "yesterday"})
    with pytest.raises(UsageError, match="unit: must be an id"):
        dataset.Filter.parse({"unit": "north"})
