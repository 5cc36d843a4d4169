"""The dashboard's figures compared with servq.analyze on the same rows (tests/web)."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

import servq
from servq.instruments import Instrument, parse_instrument
from servq.store.db import session_factory, transaction
from servq.store.models import Channel, Response, Survey, Tier, Unit, User
from servq.web import dataset, surveys, versions
from servq.web.security import new_token
from servq.web.surveys import add_wave
from servq.web.versions import instrument_at

NOW = datetime(2026, 6, 15, 9, tzinfo=UTC)  # January to May are complete months
ANSWERS = [f"{p}{i}" for p in "EP" for i in range(1, 23)] + [
    f"W_{d}" for d in ("tangibles", "reliability", "responsiveness", "assurance", "empathy")] + [
    "overall_satisfaction", "recommend", "intention_to_return"]
FOLLOW_UP = [(Path(__file__).parent / "data" / name).read_text(encoding="utf-8")
             for name in ("follow_up.yaml", "follow_up_v2.yaml")]  # a survey's instrument versions 1 and 2


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


def add_versioned_responses(engine, n: int = 120) -> int:
    """A survey "Follow-up" asking follow_up.yaml (item 3 asked after P1 = 1 or 2) with ``n``
    responses over January to March 2026, then edited to version 2 (follow_up_v2.yaml: a 1-7
    scale with "don't know", item 4 asked after P2 = 1 to 3) with ``n`` responses over March
    to May (March has both versions); in North 1 and Team A, through the channel "branch"
    or none. Items not shown are mostly blank, a few answered anyway (as an import may hold
    them). Returns the survey's id."""
    rng = random.Random(11)
    with transaction(session_factory(engine)) as s:
        analyst = s.scalar(select(User).where(User.email == "analyst2@example.org"))
        units = list(s.scalars(select(Unit.id).where(Unit.name.in_(["North 1", "Team A"]))))
        channels = [None, s.scalar(select(Channel.id).where(Channel.name == "branch"))]
        survey = surveys.create_survey(s, surveys.SurveyForm(title="Follow-up", yaml_text=FOLLOW_UP[0], languages=["en"],
                                                             unit_ids=[str(u) for u in units]), analyst)
        survey_id = survey.id
    for version, first in ((1, datetime(2026, 1, 5, tzinfo=UTC)), (2, datetime(2026, 3, 1, tzinfo=UTC))):
        inst = parse_instrument(FOLLOW_UP[version - 1])
        with transaction(session_factory(engine)) as s:
            survey = s.get(Survey, survey_id)
            if version == 2:
                assert versions.edit_instrument(s, survey, FOLLOW_UP[1], s.get(User, analyst.id)) == 2
            for _ in range(n):
                at = first + timedelta(seconds=rng.randrange(85 * 86400))
                s.add(Response(key=new_token(), survey_id=survey_id, unit_id=rng.choice(units),
                               channel_id=rng.choice(channels), language="en", submitted_at=at,
                               answers=_conditional_answers(rng, inst), instrument_version=version))
    return survey_id


def _conditional_answers(rng: random.Random, inst: Instrument) -> dict:
    """Random answers to ``inst``: some blank, some "don't know", an item whose condition is
    not met blank but now and then answered anyway."""
    answers: dict = {}
    for it in inst.items:
        shown = it.show_if is None or it.show_if.met(answers)
        for part in inst.parts:
            r = rng.random()
            if r < (0.1 if shown else 0.92):
                continue
            dont_know = inst.scale.dont_know is not None and r > 0.96
            answers[f"{part.prefix}{it.id}"] = inst.scale.dont_know if dont_know else rng.randint(inst.scale.min,
                                                                                               inst.scale.max)
    return answers


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
    """The tallies' results equal servq.analyze on the filtered rows of the filter's version
    (the tallies of that version); returns the number of rows."""
    inst = instrument_at(s, survey, flt.version)
    expected_table = dataset.table(s, survey, inst, user, flt)
    got = tallies.results(s, flt, dataset.visible_units(s, user, flt), by, now=NOW)
    if expected_table.num_rows == 0:
        assert got is None
        return 0
    expected = servq.analyze(expected_table, inst, by=by, min_n=5)
    close(expected.to_dict(), got.to_dict())
    return expected_table.num_rows
