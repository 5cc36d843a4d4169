"""The dashboard's tallies (month cells + rows) give exactly what servq.analyze gives on the
filtered rows, for every filter, break-down and unit limit, also after new responses."""

from __future__ import annotations

import math
import random
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

import servq
from servq.store.db import session_factory, transaction
from servq.store.models import Channel, Response, Survey, Tier, Unit, User
from servq.web import dataset, surveys
from servq.web.dataset import Filter
from servq.web.security import new_token
from servq.web.surveys import add_wave, instrument_of
from servq.web.tallies import TallyStore

NOW = datetime(2026, 6, 15, 9, tzinfo=UTC)  # January to May are complete months
ANSWERS = [f"{p}{i}" for p in "EP" for i in range(1, 23)] + [
    f"W_{d}" for d in ("tangibles", "reliability", "responsiveness", "assurance", "empathy")] + [
    "overall_satisfaction", "recommend", "intention_to_return"]


@pytest.fixture
def responses(engine, org_tree):
    """360 simulated SERVQUAL responses (some answers missing) over January to mid-June
    2026, spread over three units, two channels (and none), two tiers (and none), three
    languages; the survey has a wave."""
    table = servq.simulate("servqual", 360, seed=7).to_pylist()
    rng = random.Random(7)
    with transaction(session_factory(engine)) as s:
        analyst = s.scalar(select(User).where(User.email == "analyst2@example.org"))
        survey = s.scalar(select(Survey))
        survey.units = list(s.scalars(select(Unit).where(Unit.name.in_(["North 1", "Team A", "South 1"]))))
        phone = surveys.add_named(s, Channel, "phone", analyst)
        channels = [None, phone.id, s.scalar(select(Channel.id).where(Channel.name == "branch"))]
        tiers = [None] + [surveys.add_named(s, Tier, name, analyst).id for name in ("gold", "basic")]
        add_wave(s, survey, "Spring", "2026-03-01", "2026-05-16", analyst)
        units = [u.id for u in survey.units]
        start = datetime(2026, 1, 1, tzinfo=UTC)
        for row in table:
            at = start + timedelta(seconds=rng.randrange(int((NOW - start).total_seconds())))
            s.add(Response(key=new_token(), survey_id=survey.id, unit_id=rng.choice(units),
                           channel_id=rng.choice(channels), tier_id=rng.choice(tiers),
                           language=rng.choice(["en", "sv", "zh"]), submitted_at=at,
                           answers={k: row[k] for k in ANSWERS if row.get(k) is not None}))
        return survey.id


def _close(a, b, path="") -> None:
    if isinstance(a, dict):
        assert isinstance(b, dict) and set(a) == set(b), f"{path}: keys {set(a) ^ set(b)}"
        for k in a:
            if k != "generated_at":
                _close(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), f"{path}: lengths {len(a)} vs {len(b)}"
        for i, (x, y) in enumerate(zip(a, b)):
            _close(x, y, f"{path}[{i}]")
    elif isinstance(a, float) and isinstance(b, float):
        assert (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b, rel=1e-9, abs=1e-9), f"{path}: {a} vs {b}"
    else:
        assert a == b, f"{path}: {a!r} vs {b!r}"


def _compare(s, survey, tallies, user, flt, by):
    expected_table = dataset.table(s, survey, instrument_of(survey), user, flt)
    got = tallies.results(s, flt, dataset.visible_units(s, user, flt), by, now=NOW)
    if expected_table.num_rows == 0:
        assert got is None
        return 0
    expected = servq.analyze(expected_table, instrument_of(survey), by=by, min_n=5)
    _close(expected.to_dict(), got.to_dict())
    return expected_table.num_rows


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
]


@pytest.mark.parametrize(("where", "by"), FILTERS)
def test_tallies_equal_analyze_on_the_filtered_rows(engine, responses, org_tree, where, by):
    with session_factory(engine)() as s:
        survey = s.get(Survey, responses)
        user = s.scalar(select(User).where(User.email == "analyst@example.org"))
        ids = {"unit": org_tree.get(where.get("unit")),
               "channel": s.scalar(select(Channel.id).where(Channel.name == where.get("channel"))),
               "tier": s.scalar(select(Tier.id).where(Tier.name == where.get("tier")))}
        flt = Filter(unit_id=ids["unit"], channel_id=ids["channel"], tier_id=ids["tier"],
                     language=where.get("language"), since=where.get("since"), until=where.get("until"))
        tallies = TallyStore().of(survey, instrument_of(survey))
        assert _compare(s, survey, tallies, user, flt, by) >= 20


def test_a_unit_manager_and_new_responses(engine, responses, org_tree):
    """A manager's limit is part of the sum; a response added later (also one dated in a
    closed month) is in the next page, also of a process that showed the page before."""
    with session_factory(engine)() as s:
        survey = s.get(Survey, responses)
        tallies = TallyStore().of(survey, instrument_of(survey))
        manager = s.scalar(select(User).where(User.email == "north@example.org"))
        analyst = s.scalar(select(User).where(User.email == "analyst@example.org"))
        for user in (manager, analyst):
            _compare(s, survey, tallies, user, Filter(), ["unit"])
        wide = _compare(s, survey, tallies, manager, Filter(unit_id=org_tree["South 1"]), [])
        assert wide == 0  # a filter outside the manager's subtree shows nothing
        survey_id = survey.id
    with transaction(session_factory(engine)) as s:
        for day in (date(2026, 2, 3), date(2026, 6, 10)):
            s.add(Response(key=new_token(), survey_id=survey_id, unit_id=org_tree["South 1"], channel_id=None,
                           language="en", submitted_at=datetime(day.year, day.month, day.day, tzinfo=UTC),
                           answers={"E1": 1, "P1": 7, "recommend": 10}))
    with session_factory(engine)() as s:
        survey = s.get(Survey, survey_id)
        n = _compare(s, survey, tallies, analyst, Filter(), ["unit", "channel"])
        assert n == 362
        assert _compare(s, survey, tallies, analyst, Filter(since=date(2026, 2, 1), until=date(2026, 3, 1)), ["tier"]) > 20
