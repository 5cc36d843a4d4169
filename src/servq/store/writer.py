"""Group commit: the respondents' writes of a server process, committed together.

Every submission and every saved page is a small write. Committed one by one, each pays
for a transaction of its own (on SQLite: the single write lock, its journal frames and
the turn-taking of the request threads); a busy server then spends its time in commits.
Here a request hands its write (a *job*: a function of a session) to one writer thread and
waits. The writer takes every job that is waiting, runs them in one transaction, commits
once, and only then answers each request; when a job fails, the batch is run again with a
savepoint per job (jobs are functions of the session alone, so running one again is safe). So a request is answered
only after its write is durable, a job that fails rolls back alone (its request gets the
error), and a commit that fails fails every job of the batch, none of which was answered
yet: nothing acknowledged is ever lost, and a retried submission carries the same key,
which the database stores once.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from .db import transaction

Job = Callable[[Session], Any]
_STOP = object()


class GroupWriter:
    """One writer thread for ``factory``'s (write) sessions; ``batch``: most jobs per commit."""

    def __init__(self, factory: sessionmaker[Session], batch: int = 128):
        self.factory = factory
        self.batch = batch
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.commits = 0  # batches committed (for tests and benchmarks)

    async def run(self, job: Job) -> Any:
        """Run ``job`` in the next batch; its result once the batch is committed."""
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._start()
        self._queue.put((job, loop, future))
        return await future

    def close(self) -> None:
        if self._thread is not None:
            self._queue.put(_STOP)
            self._thread.join()
            self._thread = None

    def _start(self) -> None:
        if self._thread is None:
            with self._lock:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._loop, name="servq-writer", daemon=True)
                    self._thread.start()

    def _loop(self) -> None:
        while True:
            first = self._queue.get()
            if first is _STOP:
                return
            jobs = [first]
            while len(jobs) < self.batch:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is _STOP:
                    self._queue.put(_STOP)
                    break
                jobs.append(nxt)
            self._commit(jobs)

    def _commit(self, jobs: list) -> None:
        """Run the batch in one transaction, first without savepoints (the usual case: no
        job fails, and each saves two statements); if a job fails, the batch is rolled back
        and run again with a savepoint per job, so that the failing one fails alone."""
        try:
            outcomes = self._run(jobs, alone=False)
        except _JobFailed:
            outcomes = None
        except Exception as exc:  # the transaction failed: every job of the batch failed
            outcomes = [(False, exc)] * len(jobs)
        if outcomes is None:
            try:
                outcomes = self._run(jobs, alone=True)
            except Exception as exc:
                outcomes = [(False, exc)] * len(jobs)
        for (_job, loop, future), (ok, value) in zip(jobs, outcomes):
            loop.call_soon_threadsafe(_settle, future, ok, value)

    def _run(self, jobs: list, alone: bool) -> list[tuple[bool, Any]]:
        outcomes: list[tuple[bool, Any]] = []
        with transaction(self.factory) as session:
            for job, _loop, _future in jobs:
                if not alone:
                    try:
                        outcomes.append((True, job(session)))
                    except Exception as exc:
                        raise _JobFailed from exc  # rolls the batch back
                    continue
                try:
                    with session.begin_nested():
                        outcomes.append((True, job(session)))
                except Exception as exc:  # this job's error goes to its request only
                    outcomes.append((False, exc))
        self.commits += 1
        return outcomes


class _JobFailed(Exception):
    """A job of a batch run without savepoints failed: run the batch again, each job alone."""


def _settle(future: asyncio.Future, ok: bool, value: Any) -> None:
    if future.cancelled():
        return
    if ok:
        future.set_result(value)
    else:
        future.set_exception(value)
