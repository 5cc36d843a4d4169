"""``servq worker``: the process that runs the schedules, the jobs and the outbox.

Each round (:meth:`Worker.run_once`): due schedules enqueue their waves (schedules.py) and
closed waves and report schedules their managers' reports (manager_reports.py),
due jobs are claimed one at a time and run (store/jobs.py), and due e-mails are sent as
the rate allows (outbox.py). Any number of workers may run against one database: every
step claims its rows atomically, and a killed worker's claims run out with their lease.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from ..store import jobs
from ..store.db import transaction
from ..store.models import utcnow
from . import manager_reports, outbox, schedules, webhooks
from .settings import Settings
from .smtp import Mailer
from .tallies import TallyStore

log = logging.getLogger("servq.worker")
RETRY_SECONDS = 60.0  # the first wait before a failed wave job is tried again (doubled after each)
KEEP_JOBS = timedelta(days=30)  # finished jobs are kept this long (the delivery log and outbox keep their own rows)
PURGE_EVERY = timedelta(hours=1)


class LostClaim(Exception):
    """The worker's claim on a job ran out and another worker took it."""


class Worker:
    """A worker on ``factory``'s database; ``clock``: what "now" is (tests set their own)."""

    def __init__(self, settings: Settings, factory: sessionmaker[Session], *, clock: Callable[[], datetime] = utcnow,
                 name: str | None = None):
        self.settings, self.factory, self.clock = settings, factory, clock
        self.name = name or f"{socket.gethostname()}:{os.getpid()}"
        self.mailer = Mailer(settings)
        self.stopping = threading.Event()
        self._purged: datetime | None = None
        self.tallies = TallyStore()  # the managers' reports are the dashboard's, from tallies of its own
        self.handlers: dict[str, Callable[[jobs.Claimed], None]] = {
            "wave.open": self._open_wave, "wave.remind": self._remind, "webhook.deliver": self._deliver,
            "report.plan": self._plan_reports, "report.make": self._make_report}

    def run_once(self) -> int:
        """One round; how much was done (jobs run, messages sent, waves scheduled)."""
        with transaction(self.factory) as session:
            now = self.clock()
            done = schedules.open_due(session, now) + manager_reports.enqueue_due(session, now)
            if self._purged is None or now - self._purged >= PURGE_EVERY:
                jobs.purge(session, now - KEEP_JOBS)
                manager_reports.expire(session, now)
                self._purged = now
        while not self.stopping.is_set():
            with transaction(self.factory) as session:
                job = jobs.claim(session, self.name, self.clock(), self.settings.worker_lease_seconds, tuple(self.handlers))
            if job is None:
                break
            self._run(job)
            done += 1
        if not self.stopping.is_set():
            try:
                done += outbox.send_due(self.factory, self.settings, self.mailer, self.clock, self.stopping.is_set)
            finally:
                self.mailer.close()
        return done

    def run(self) -> None:
        """Rounds until :meth:`stop`; an idle worker waits ``SERVQ_WORKER_POLL_SECONDS``."""
        while not self.stopping.is_set():
            try:
                busy = self.run_once()
            except Exception:  # a round that failed (the database away) is tried again later
                log.exception("a worker round failed")
                busy = 0
            if not busy:
                self.stopping.wait(self.settings.worker_poll_seconds)

    def stop(self) -> None:
        """Finish the message or job under way, then return from :meth:`run`."""
        self.stopping.set()

    def _run(self, job: jobs.Claimed) -> None:
        try:
            self.handlers[job.kind](job)
        except LostClaim:
            log.warning("job %s was taken by another worker after its lease ran out", job.key)
        except Exception as exc:
            log.exception("job %s failed", job.key)
            with transaction(self.factory) as session:
                jobs.retry(session, job, f"{type(exc).__name__}: {exc}", self.clock(), RETRY_SECONDS)

    def _finish(self, session: Session, job: jobs.Claimed) -> None:
        if not jobs.finish(session, job, self.clock()):
            raise LostClaim(job.key)  # rolls back what the job wrote: its new holder does it

    def _open_wave(self, job: jobs.Claimed) -> None:
        with transaction(self.factory) as session:
            at = datetime.fromisoformat(job.payload["at"]).astimezone(UTC)
            schedules.open_wave(session, job.payload["schedule_id"], at, self.settings, self.clock())
            self._finish(session, job)

    def _remind(self, job: jobs.Claimed) -> None:
        with transaction(self.factory) as session:
            schedules.remind(session, job.payload["wave_id"], self.settings, self.clock())
            self._finish(session, job)

    def _plan_reports(self, job: jobs.Claimed) -> None:
        with transaction(self.factory) as session:
            manager_reports.plan(session, job.payload, self.clock())
            self._finish(session, job)

    def _make_report(self, job: jobs.Claimed) -> None:
        with transaction(self.factory) as session:
            manager_reports.make(session, self.tallies, job.payload, self.settings, self.clock())
            self._finish(session, job)

    def _deliver(self, job: jobs.Claimed) -> None:
        delivery_id = job.payload["delivery_id"]
        ok, error = webhooks.attempt(self.factory, delivery_id, self.settings, self.clock)
        with transaction(self.factory) as session:
            if ok:
                jobs.finish(session, job, self.clock())
            elif jobs.retry(session, job, error, self.clock(), self.settings.webhook_retry_seconds) == "failed":
                webhooks.give_up(session, delivery_id)


