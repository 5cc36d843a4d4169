"""The group writer: jobs committed together, each answered only after the commit; a job's
error is its own, a failed commit fails every job of the batch; concurrent submissions of
the same key store one response."""

from __future__ import annotations

import asyncio
import threading
from contextlib import contextmanager

import pytest
from sqlalchemy import func, insert, select

from servq.store import writer as writer_module
from servq.store.db import session_factory
from servq.store.models import Channel, Response
from servq.store.writer import GroupWriter


def _add_channel(name):
    def job(session):
        session.execute(insert(Channel).values(name=name))
        return name
    return job


def _fail(session):
    raise ValueError("this job is wrong")


def _names(engine):
    with session_factory(engine)() as s:
        return sorted(s.scalars(select(Channel.name)))


def test_jobs_are_committed_together_and_a_failing_job_rolls_back_alone(engine):
    writer = GroupWriter(session_factory(engine))
    hold = threading.Event()

    async def main():
        busy = asyncio.create_task(writer.run(lambda s: hold.wait(5)))  # the writer is busy ...
        await asyncio.sleep(0.05)
        tasks = [asyncio.create_task(writer.run(job)) for job in (_add_channel("a"), _fail, _add_channel("b"))]
        await asyncio.sleep(0.05)  # ... so these three queue up
        hold.set()
        await busy
        return await asyncio.gather(*tasks, return_exceptions=True)

    try:
        a, failed, b = asyncio.run(main())
    finally:
        writer.close()
    assert (a, b) == ("a", "b") and isinstance(failed, ValueError)
    assert _names(engine) == ["a", "b"]
    assert writer.commits == 2  # the busy job's batch, then one batch of the three


def test_a_failed_commit_fails_every_job_of_the_batch(engine, monkeypatch):
    factory = session_factory(engine)

    @contextmanager
    def commit_fails(_factory):
        with factory() as session:
            yield session
            session.rollback()
            raise OSError("disk full")  # as a COMMIT that cannot be written

    monkeypatch.setattr(writer_module, "transaction", commit_fails)
    writer = GroupWriter(factory)

    async def main():
        return await asyncio.gather(writer.run(_add_channel("x")), writer.run(_add_channel("y")),
                                    return_exceptions=True)

    try:
        results = asyncio.run(main())
    finally:
        writer.close()
    assert [type(r) for r in results] == [OSError, OSError]
    assert _names(engine) == []


@pytest.mark.parametrize("copies", [8])
def test_the_same_submission_sent_at_once_many_times_is_stored_once(client, engine, org_tree, copies):
    from servq.store.models import Survey
    from servq.web.security import new_token

    with session_factory(engine)() as s:
        survey = s.scalar(select(Survey))
    url = f"/s/{survey.slug}/u/{org_tree['North 1']}"
    answers = {f"{p}{i}": 5 for p in "EP" for i in range(1, 23)}
    form = {**answers, "key": new_token(), "page": 5, "lang": "en", "action": "submit"}
    results = []
    threads = [threading.Thread(target=lambda: results.append(client.post(url, data=form, follow_redirects=False)))
               for _ in range(copies)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [r.status_code for r in results] == [303] * copies
    with session_factory(engine)() as s:
        assert s.scalar(select(func.count()).select_from(Response)) == 1
