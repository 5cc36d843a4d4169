"""The dashboard's figures compared with servq.analyze on the same rows (tests/web)."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

import servq
from servq.store.db import session_factory, transaction
from servq.store.models import Channel, Response, Survey, Tier, Unit, User
from servq.web import dataset, surveys
from servq.web.security import new_token
from servq.web.surveys import add_wave, instrument_of

NOW = datetime(2026, 6, 15, 9, tzinfo=UTC)  # January to May are complete months
ANSWERS = [f"{p}{i}" for p in "EP" for i in range(1, 23)] + [
    f"W_{d}" for d in ("tangibles", "reliability", "responsiveness", "assurance", "empathy")] + [
    "overall_satisfaction", "recommend", "intention_to_return"]


def add_responses(engine, n: int = 360) -> int:
    """``n`` (360) simulated SERVQUAL responses (some answers missing) over January to mid-June
    2026, spread over three units, two channels (and none), two tiers (and none), three
    languages; the survey has a wave. Returns the survey's id."""
    table = servq.simulate("servqual", n, seed=7).to_pylist()
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


def close(a, b, path="") -> None:
    if isinstance(a, dict):
        assert isinstance(b, dict) and set(a) == set(b), f"{path}: keys {set(a) ^ set(b)}"
        for k in a:
            if k != "generated_at":
                close(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), f"{path}: lengths {len(a)} vs {len(b)}"
        for i, (x, y) in enumerate(zip(a, b)):
            close(x, y, f"{path}[{i}]")
    elif isinstance(a, float) and isinstance(b, float):
        assert (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b, rel=1e-9, abs=1e-9), f"{path}: {a} vs {b}"
    else:
        assert a == b, f"{path}: {a!r} vs {b!r}"


def compare(s, survey, tallies, user, flt, by):
    expected_table = dataset.table(s, survey, instrument_of(survey), user, flt)
    got = tallies.results(s, flt, dataset.visible_units(s, user, flt), by, now=NOW)
    if expected_table.num_rows == 0:
        assert got is None
        return 0
    expected = servq.analyze(expected_table, instrument_of(survey), by=by, min_n=5)
    close(expected.to_dict(), got.to_dict())
    return expected_table.num_rows
