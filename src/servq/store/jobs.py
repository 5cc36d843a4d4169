"""The job table of ``servq worker``: enqueue once, claim atomically, finish only while the
claim is held, retry with exponential backoff.

* Enqueueing is idempotent: a job's ``key`` is unique, and a second enqueue of the same
  key does nothing.
* A claim takes one due job (queued and due, or running with its lease run out: its worker
  was killed) and marks it running under a random ``claim`` until ``now + lease``. On
  PostgreSQL the candidate row is read ``FOR UPDATE SKIP LOCKED``, so concurrent workers
  take different jobs without waiting; on SQLite a writing transaction holds the database's
  single write lock (db.py), so reading and marking cannot interleave. The UPDATE repeats
  the conditions and its row count is checked all the same.
* :func:`finish`, :func:`retry` and :func:`fail` change the job only while the claim is
  still the caller's: a worker whose lease ran out and whose job was taken by another gets
  False and must roll its transaction back. A job whose effects are written in the same
  transaction as :func:`finish` therefore takes effect exactly once.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from .models import Job

ERROR_LENGTH = 2000  # characters of an error kept with the job


@dataclass(frozen=True)
class Claimed:
    """A job as its worker holds it."""

    id: int
    kind: str
    key: str
    payload: dict
    attempts: int
    max_attempts: int
    claim: str


@cache
def _insert(dialect: str):
    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(Job.__table__).on_conflict_do_nothing(index_elements=["key"]).returning(Job.__table__.c.id)


def enqueue(session: Session, kind: str, key: str, payload: dict | None = None, *, now: datetime,
            run_at: datetime | None = None, max_attempts: int = 5) -> bool:
    """Add the job ``key``, due at ``run_at`` (default ``now``): True, or False when a job
    with that key exists (nothing changes then)."""
    conn = session.connection()
    done = conn.execute(_insert(conn.dialect.name), dict(
        kind=kind, key=key, payload=payload or {}, status="queued", run_at=run_at or now, attempts=0,
        max_attempts=max_attempts, last_error="", created_at=now))
    return done.scalar() is not None  # (rowcount is not reliable for this INSERT on every driver)


def _due(now: datetime):
    table = Job.__table__
    return or_(and_(table.c.status == "queued", table.c.run_at <= now),
               and_(table.c.status == "running", table.c.claimed_until < now))


def claim(session: Session, worker: str, now: datetime, lease: float, kinds: tuple[str, ...] | None = None
          ) -> Claimed | None:
    """Take the most overdue job (of ``kinds``, None: any) for ``lease`` seconds, or None."""
    table = Job.__table__
    query = select(table.c.id).where(_due(now)).order_by(table.c.run_at, table.c.id).limit(1) \
        .with_for_update(skip_locked=True)
    if kinds is not None:
        query = query.where(table.c.kind.in_(kinds))
    found = session.execute(query).scalar()
    if found is None:
        return None
    token = secrets.token_hex(16)
    done = session.execute(update(table).where(table.c.id == found, _due(now)).values(
        status="running", claim=token, claimed_by=worker[:100], claimed_until=now + timedelta(seconds=lease),
        attempts=table.c.attempts + 1).returning(table.c.kind, table.c.key, table.c.payload, table.c.attempts,
                                                 table.c.max_attempts)).one_or_none()
    if done is None:
        return None
    return Claimed(found, done.kind, done.key, dict(done.payload or {}), done.attempts, done.max_attempts, token)


def _held(job: Claimed):
    table = Job.__table__
    return and_(table.c.id == job.id, table.c.claim == job.claim, table.c.status == "running")


def finish(session: Session, job: Claimed, now: datetime) -> bool:
    """Mark ``job`` done; False when its claim was lost (roll back then)."""
    done = session.execute(update(Job.__table__).where(_held(job)).values(
        status="done", finished_at=now, claimed_until=None))
    return done.rowcount == 1


def backoff(attempts: int, base: float, cap: float = 6 * 3600) -> float:
    """Seconds before the next attempt after ``attempts`` failed ones: ``base``, doubled
    after each failure, at most ``cap``.

    >>> [backoff(n, 60) for n in (1, 2, 3)]
    [60, 120, 240]
    """
    return min(cap, base * 2 ** max(0, attempts - 1))


def retry(session: Session, job: Claimed, error: str, now: datetime, base: float) -> str | None:
    """After a failed attempt: again after :func:`backoff` (``queued``), or ``failed`` when it
    was the last attempt; the new status, or None when the claim was lost."""
    last = job.attempts >= job.max_attempts
    values = dict(status="failed", finished_at=now) if last else dict(
        status="queued", run_at=now + timedelta(seconds=backoff(job.attempts, base)))
    done = session.execute(update(Job.__table__).where(_held(job)).values(
        last_error=error[:ERROR_LENGTH], claimed_until=None, claim=None, **values))
    return values["status"] if done.rowcount == 1 else None


def fail(session: Session, job: Claimed, error: str, now: datetime) -> bool:
    """Mark ``job`` failed for good (an error that no retry mends)."""
    done = session.execute(update(Job.__table__).where(_held(job)).values(
        status="failed", last_error=error[:ERROR_LENGTH], finished_at=now, claimed_until=None))
    return done.rowcount == 1


def purge(session: Session, before: datetime) -> int:
    """Delete the jobs that finished (done or failed) before ``before``; how many."""
    table = Job.__table__
    return session.execute(delete(table).where(table.c.status.in_(("done", "failed")),
                                               table.c.finished_at < before)).rowcount or 0
