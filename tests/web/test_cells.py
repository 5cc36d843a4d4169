"""The dashboard's cells in the database (servq.store.cells) stay equal to a rebuild from
the responses whatever writes them: concurrent group writers of two processes, a job that
fails inside a batch, a late response in a closed month, a deleted response, an erased
contact; a new process reads them without any warm-up; ``servq db rebuild-cells`` and
``servq db check-cells``, also of a survey edited to a second instrument version whose
items have "show if" conditions. Every test runs on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
from dashboard_helpers import ANSWERS, close, compare
from sqlalchemy import delete, func, inspect, select, text, update

import servq
from servq.cli import main
from servq.store import cells
from servq.store.db import downgrade, head_revision, session_factory, transaction, upgrade
from servq.store.models import Cell, Contact, Invitation, Response, Survey, User
from servq.store.writer import GroupWriter
from servq.web import dataset, privacy, responding
from servq.web.dataset import Filter
from servq.web.security import new_token, token_hash
from servq.web.tallies import TallyStore
from servq.web.versions import instrument_at


def _check(engine, survey_id: int) -> list[str]:
    with session_factory(engine, writes=False)() as s:
        cells.snapshot(s)
        compared, problems = cells.check(s, survey_id)
    assert compared > 0
    return problems


def _stored(engine, survey_id: int) -> int:
    """Responses counted by the survey's month cells."""
    with session_factory(engine)() as s:
        return s.scalar(select(func.sum(Cell.n)).where(Cell.survey_id == survey_id, Cell.dims == 0,
                                                       Cell.grain == "m")) or 0


def _answers(n: int, seed: int) -> list[dict]:
    return [{k: v for k, v in row.items() if k in ANSWERS and v is not None}
            for row in servq.simulate("servqual", n, seed=seed).to_pylist()]


def _public(engine) -> responding.PublicSurvey:
    with session_factory(engine)() as s:
        return responding.SurveyCache(0).get(s, s.scalar(select(Survey.slug)))


def test_the_cells_of_stored_responses_equal_a_rebuild(engine, responses):
    assert _check(engine, responses) == []
    assert _stored(engine, responses) == 360
    with session_factory(engine)() as s:  # the dashboard's cells hold no ordinal tables, and decode to their layout
        survey = s.get(Survey, responses)
        layout = cells.layout_of(survey.instrument_yaml)
        assert not layout.template.ordinal
        blob = s.scalar(select(Cell.sums).where(Cell.survey_id == responses).limit(1))
        assert layout.decode(blob, responses).shape == (layout.length,)


def test_concurrent_writers_of_two_processes_lose_no_update(engine, database_url, org_tree, new_engine):
    """Two group writers, each with its own engine (as two server processes), submit to the
    same survey, unit and day at once: every response is in the cells once."""
    survey = _public(engine)
    unit = org_tree["North 1"]
    per_writer = 40
    writers = [GroupWriter(session_factory(new_engine(database_url), wait=60), batch=8) for _ in range(2)]
    errors: list[BaseException] = []

    def submit_all(writer: GroupWriter, seed: int) -> None:
        async def run():
            jobs = [writer.run(responding.submission(new_token(), survey, unit, None, "en", answers, ""))
                    for answers in _answers(per_writer, seed)]
            return await asyncio.gather(*jobs)
        try:
            assert asyncio.run(run()) == [responding.STORED] * per_writer
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=submit_all, args=(w, i)) for i, w in enumerate(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for w in writers:
        w.close()
    assert errors == []
    assert sum(w.commits for w in writers) > 2  # several batches of each writer
    assert _stored(engine, survey.id) == 2 * per_writer
    assert _check(engine, survey.id) == []


def test_a_failed_job_leaves_nothing_in_the_cells(engine, org_tree):
    """A job that stores a response and then fails is rolled back to its savepoint: the
    batch's other responses are in the cells, the failed one's are not."""
    survey = _public(engine)
    unit = org_tree["North 1"]
    writer = GroupWriter(session_factory(engine), batch=16)

    def failing(session):
        responding.submission(new_token(), survey, unit, None, "en", {"E1": 1, "P1": 1}, "")(session)
        raise RuntimeError("this job fails after storing its response")

    async def run():
        good = [writer.run(responding.submission(new_token(), survey, unit, None, "sv", a, "")) for a in _answers(5, 3)]
        return await asyncio.gather(*good[:2], writer.run(failing), *good[2:], return_exceptions=True)

    try:
        outcomes = asyncio.run(run())
    finally:
        writer.close()
    assert [type(o).__name__ for o in outcomes].count("RuntimeError") == 1
    with session_factory(engine)() as s:
        assert s.scalar(select(func.count()).select_from(Response)) == 5
    assert _stored(engine, survey.id) == 5
    assert _check(engine, survey.id) == []


def test_late_deleted_and_erased(engine, responses, org_tree):
    """A response dated in a closed month, a deleted response and an erased invitee: the
    cells follow, and the dashboard still equals servq.analyze on the rows."""
    late = datetime(2026, 2, 14, 12, tzinfo=UTC)
    with transaction(session_factory(engine)) as s:
        inv = Invitation(token_hash=token_hash(new_token()), survey_id=responses, unit_id=org_tree["North 1"],
                         expires_at=late + timedelta(days=300), used_at=late)
        s.add(inv)
        r = Response(key=new_token(), survey_id=responses, unit_id=org_tree["North 1"], language="sv",
                     submitted_at=late, answers=_answers(1, 11)[0])
        s.add(r)
        s.flush()
        s.add(Contact(invitation_id=inv.id, response_id=r.id, email="kim@example.org", name="Kim"))
        gone = s.scalar(select(Response).where(Response.submitted_at < datetime(2026, 2, 1, tzinfo=UTC)).limit(1))
        s.delete(gone)
    assert _stored(engine, responses) == 360
    assert _check(engine, responses) == []
    with transaction(session_factory(engine)) as s:
        assert privacy.erase_contact(s, "kim@example.org", None, datetime.now(UTC)).survey_contacts == 1
    assert _check(engine, responses) == []  # erasure removes the contact, never the answers
    with session_factory(engine)() as s:
        survey = s.get(Survey, responses)
        analyst = s.scalar(select(User).where(User.email == "analyst@example.org"))
        tallies = TallyStore().of(s, survey)
        assert compare(s, survey, tallies, analyst, Filter(), ["unit", "language"]) == 360
        assert compare(s, survey, tallies, analyst, Filter(since=date(2026, 2, 14), until=date(2026, 2, 15)), []) >= 1


def test_a_new_process_reads_the_cells_at_once(engine, responses):
    """A new TallyStore (a restarted or another server process) reads the same figures
    from the cells; it holds no responses."""
    with session_factory(engine)() as s:
        survey = s.get(Survey, responses)
        analyst = s.scalar(select(User).where(User.email == "analyst@example.org"))
        first = TallyStore().of(s, survey).results(s, Filter(), None, ["unit"])
        again = TallyStore().of(s, survey).results(s, Filter(), None, ["unit"])
        close(first.to_dict(), again.to_dict())
        tallies = TallyStore().of(s, survey)
        assert not any(isinstance(v, np.ndarray) and v.size > 10_000 for v in vars(tallies).values())
        assert compare(s, survey, tallies, analyst, Filter(), []) == 360


def test_rebuild_and_check_commands(engine, responses, database_url, monkeypatch, capsys):
    monkeypatch.setenv("SERVQ_DATABASE_URL", database_url)
    with pytest.raises(SystemExit) as exit_:
        main(["db", "check-cells"])
    assert exit_.value.code == 0
    assert f"survey {responses}: " in capsys.readouterr().out
    with transaction(session_factory(engine)) as s:  # a cell made wrong behind servq's back
        s.execute(update(Cell).where(Cell.survey_id == responses, Cell.dims == 0, Cell.grain == "m",
                                     Cell.period == 672).values(n=Cell.n + 1))
        s.execute(delete(Cell).where(Cell.survey_id == responses, Cell.grain == "d", Cell.period == 20460))
    with pytest.raises(SystemExit) as exit_:
        main(["db", "check-cells", "--survey", str(responses)])
    out = capsys.readouterr()
    assert exit_.value.code == 1
    assert "survey 1 version 1, 2026-01: counts" in out.out and "2026-01-07" in out.out and "missing" in out.out
    assert "run `servq db rebuild-cells`" in out.err
    with pytest.raises(SystemExit) as exit_:
        main(["db", "rebuild-cells", "--survey", str(responses)])
    assert exit_.value.code == 0
    assert f"survey {responses}: " in (out := capsys.readouterr().out) and "from 360 responses" in out
    assert _check(engine, responses) == []
    with pytest.raises(SystemExit) as exit_:
        main(["db", "rebuild-cells", "--survey", "99"])
    out = capsys.readouterr()
    assert exit_.value.code != 0 and "there is no survey 99" in out.err and "Traceback" not in out.err



def test_the_migrations_make_the_cells_of_stored_responses(engine, responses):
    """0009 makes the table; the newest migration of the table (0015) the cells."""
    assert downgrade(engine, "0008") == (head_revision(), "0008")
    assert "cells" not in inspect(engine).get_table_names()
    assert upgrade(engine, "0009") == ("0008", "0009")
    assert "cells" in inspect(engine).get_table_names()
    upgrade(engine)
    assert _stored(engine, responses) == 360
    assert _check(engine, responses) == []


def test_a_rebuild_streams_in_parts(engine, responses, monkeypatch):
    """Read in parts of 17 responses (keyset paging by time and id), the rebuilt cells
    are the ones written with the responses, and a page reads the same figures."""
    monkeypatch.setattr(cells, "READ_ROWS", 17)
    with transaction(session_factory(engine)) as s:  # two responses at the same second: paged by id too
        at = datetime(2026, 3, 3, 3, tzinfo=UTC)
        unit = s.scalar(select(Response.unit_id).limit(1))
        for answers in _answers(2, 5):
            s.add(Response(key=new_token(), survey_id=responses, unit_id=unit, language="en", submitted_at=at,
                           answers=answers))
    assert _check(engine, responses) == []
    with transaction(session_factory(engine)) as s:
        done = cells.rebuild(s, responses)
    assert done.responses == 362
    assert _check(engine, responses) == []


def test_migrations_down_and_up_keep_every_response_and_user(engine, responses):
    """SQLite rebuilds a table to alter it: with foreign keys enforced, dropping the old
    ``surveys`` or ``users`` table would delete the rows that refer to it (a survey's
    responses, a user's sessions). The migrations run with them off and check them after."""
    def counts():
        with session_factory(engine)() as s:
            return s.scalar(select(func.count(Response.id))), s.scalar(select(func.count(User.id)))

    before = counts()
    assert before[0] == 360 and before[1] > 0
    downgrade(engine, "0008")
    assert counts() == before
    upgrade(engine)
    assert counts() == before and _check(engine, responses) == []


def _missing_per_version(engine, survey_id: int) -> dict[int, tuple]:
    """Per instrument version, the survey's month cells' (respondents, answer cells, blank,
    don't know) and servq.analyze's validator's of that version's rows."""
    out = {}
    with session_factory(engine)() as s:
        survey = s.get(Survey, survey_id)
        user = s.scalar(select(User).where(User.email == "analyst@example.org"))
        for version in (1, 2):
            inst = instrument_at(s, survey, version)
            n, blank, dont_know, not_asked = s.execute(
                select(func.sum(Cell.n), func.sum(Cell.blank), func.sum(Cell.dont_know), func.sum(Cell.not_asked))
                .where(Cell.survey_id == survey_id, Cell.instrument_version == version, Cell.dims == 0,
                       Cell.grain == "m")).one()
            assert not_asked > 0
            res = servq.analyze(dataset.table(s, survey, inst, user, Filter(version=version)), inst)
            missing = res.data["missing"]
            out[version] = ((n, n * len(inst.items) * len(inst.parts) - not_asked, blank, dont_know),
                            (res.data["n_respondents"], missing["cells"], missing["blank"], missing["dont_know"]))
    return out


def test_the_cells_of_each_version_and_the_items_not_asked(engine, versioned, database_url, monkeypatch, capsys):
    """A survey edited to version 2 (another layout) whose items have "show if" conditions,
    a response of each version deleted after the edit: the cells written with the responses
    equal a rebuild, and count respondents, blank, don't know and not asked item cells as the
    validator does; check-cells names a wrong cell's version, rebuild-cells mends it."""
    with transaction(session_factory(engine)) as s:
        for version in (1, 2):
            s.delete(s.scalar(select(Response).where(Response.survey_id == versioned,
                                                     Response.instrument_version == version).limit(1)))
    assert _check(engine, versioned) == []
    counted = _missing_per_version(engine, versioned)
    assert [cells_[0][0] for cells_ in counted.values()] == [119, 119]
    assert all(ours == validators for ours, validators in counted.values())

    monkeypatch.setenv("SERVQ_DATABASE_URL", database_url)
    with transaction(session_factory(engine)) as s:  # cells made wrong behind servq's back
        s.execute(update(Cell).where(Cell.survey_id == versioned, Cell.instrument_version == 2, Cell.dims == 0,
                                     Cell.grain == "m", Cell.period == 675).values(not_asked=Cell.not_asked + 1))
        s.execute(delete(Cell).where(Cell.survey_id == versioned, Cell.instrument_version == 1, Cell.dims == 0,
                                     Cell.grain == "m", Cell.period == 672))
    with pytest.raises(SystemExit) as exit_:
        main(["db", "check-cells", "--survey", str(versioned)])
    out = capsys.readouterr().out
    assert exit_.value.code == 1
    assert f"survey {versioned} version 2, 2026-04: counts (n, blank, dont_know, not_asked)" in out
    assert f"survey {versioned} version 1, 2026-01: missing" in out
    with pytest.raises(SystemExit) as exit_:
        main(["db", "rebuild-cells", "--survey", str(versioned)])
    assert exit_.value.code == 0 and "from 238 responses" in capsys.readouterr().out
    assert _check(engine, versioned) == []
    assert _missing_per_version(engine, versioned) == counted


def test_the_migration_keeps_the_cells_by_version(engine, versioned):
    """Down to 0014 (one cell for every version, an item not asked counted blank) the cells
    of version 1 stay; 0015 makes every version's cells again."""
    before = _missing_per_version(engine, versioned)
    assert downgrade(engine, "0014") == (head_revision(), "0014")
    assert "not_asked" not in {c["name"] for c in inspect(engine).get_columns("cells")}
    with engine.connect() as conn:
        n, blank = conn.execute(text("select sum(n), sum(blank) from cells where survey_id = :s and dims = 0 "
                                     "and grain = 'm'"), {"s": versioned}).one()
    ours = before[1][0]
    assert (n, blank) == (ours[0], ours[2] + ours[0] * 6 - ours[1])  # blank and not asked together, as servq kept them
    assert upgrade(engine) == ("0014", head_revision())
    assert _check(engine, versioned) == []
    assert _missing_per_version(engine, versioned) == before


def test_the_migration_leaves_the_cells_of_a_plain_survey_as_they_are(engine, responses):
    """0015 makes again only the cells that mixed versions or counted an item not asked as
    blank: a survey asked in one version without "show if" keeps its cells (their update
    counters show they were not rewritten), which are right as version 1."""
    def counters():
        with engine.connect() as conn:
            return conn.execute(text("select count(*), max(version) from cells where survey_id = :s"),
                                {"s": responses}).one()

    with transaction(session_factory(engine)) as s:  # one more response: its cells' counters go to 2
        unit = s.scalar(select(Response.unit_id).limit(1))
        s.add(Response(key=new_token(), survey_id=responses, unit_id=unit, language="en",
                       submitted_at=datetime(2026, 3, 3, 3, tzinfo=UTC), answers=_answers(1, 5)[0]))
    downgrade(engine, "0014")
    before = counters()
    assert before[1] == 2  # a rebuild writes every cell with 1
    upgrade(engine)
    assert counters() == before
    assert _check(engine, responses) == []


def test_a_rebuild_keeps_a_week_of_day_cells_open_at_most(engine, responses, monkeypatch):
    """Read in one part (responses spread over five months), a rebuild still tallies them a
    week at a time and gives each week's day cells away before the next: its memory holds
    the open month cells and a week of day cells, not every day of the part."""
    monkeypatch.setattr(cells, "READ_ROWS", 10_000)
    open_days: list[int] = []
    tally = cells.contributions

    def counted(*args, **kwargs):
        out = tally(*args, **kwargs)
        open_days.append(len({k.period for k in out if k.grain == "d"}))
        return out

    monkeypatch.setattr(cells, "contributions", counted)
    with transaction(session_factory(engine)) as s:
        done = cells.rebuild(s, responses)
        days = s.scalar(select(func.count(func.distinct(Cell.period))).where(Cell.survey_id == responses,
                                                                            Cell.grain == "d"))
    assert done.responses == 360 and days > 100
    assert 0 < max(open_days) <= cells.SLICE_DAYS + 1  # and the last day of the week before
    assert _check(engine, responses) == []
