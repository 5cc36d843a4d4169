"""``servq worker`` killed with SIGKILL while it sends (docs/runs.md, "At most once"): a
message whose DATA the server had is never sent again (it arrives once; the outbox says
``unknown``), a message killed before DATA is sent after the lease by the next worker, and
every other message arrives exactly once. On SQLite and PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

import servq
from servq.store.db import session_factory, transaction
from servq.store.models import Customer, OutboxMessage, Survey, WaveMember
from servq.web import customers, schedules
from servq.web.settings import Settings
from servq.web.worker import Worker

SECRET = "k" * 40


def _env(database_url: str, port: int) -> dict[str, str]:
    src = str(Path(servq.__file__).resolve().parents[1])
    return {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")]),
            "SERVQ_MODE": "production", "SERVQ_DATABASE_URL": database_url, "SERVQ_SECRET_KEY": SECRET,
            "SERVQ_SMTP_HOST": "127.0.0.1", "SERVQ_SMTP_PORT": str(port), "SERVQ_SMTP_SECURITY": "none",
            "SERVQ_MAIL_FROM": "survey@example.org", "SERVQ_PUBLIC_URL": "https://survey.example.org",
            "SERVQ_WORKER_LEASE_SECONDS": "2", "SERVQ_WORKER_POLL_SECONDS": "0.1", "SERVQ_MAIL_RATE": "1000"}


def _start(env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", "from servq.cli import main; main(['worker'])"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _until(condition, what: str, timeout: float = 30) -> None:
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def _outbox(engine) -> dict[str, tuple[str, int]]:
    with session_factory(engine)() as s:
        return {email: (status, attempts) for status, attempts, email in s.execute(
            select(OutboxMessage.status, OutboxMessage.attempts, Customer.email)
            .join(WaveMember, WaveMember.id == OutboxMessage.member_id)
            .join(Customer, Customer.id == WaveMember.customer_id))}


def test_a_killed_worker_sends_nothing_twice_and_loses_only_the_message_it_was_handing_over(
        engine, database_url, org_tree, smtp):
    controller, inbox = smtp
    with transaction(session_factory(engine)) as s:
        customers.import_customers(s, ("email,unit\n" + "".join(f"c{i}@example.org,North 1\n" for i in range(5)))
                                   .encode(), "list.csv", None, datetime.now(UTC))
        survey = s.scalar(select(Survey).where(Survey.title == "North customers"))
        schedules.save_schedule(s, survey, schedules.ScheduleForm(start_now=True, remind_days="", quarantine_days="0"),
                                None, datetime.now(UTC))
    env = _env(database_url, controller.port)
    inbox.slow["c2@example.org"] = 6  # the server has the data, and takes its time to say 250
    first = _start(env)
    try:
        _until(lambda: _outbox(engine).get("c2@example.org", ("",))[0] == "sending"
               and len(inbox.to("c2@example.org")) == 1, "the first worker to hand c2 over")
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    state = _outbox(engine)
    assert state["c0@example.org"][0] == state["c1@example.org"][0] == "sent"
    assert state["c3@example.org"] == state["c4@example.org"] == ("queued", 1)  # claimed by the dead worker

    inbox.stall_rcpt["c3@example.org"] = 6  # the next worker is killed before c3's DATA
    second = _start(env)
    try:
        _until(lambda: "c3@example.org" in inbox.rcpt_started, "the second worker to begin c3", timeout=40)
    finally:
        second.send_signal(signal.SIGKILL)
        second.wait(10)
    state = _outbox(engine)
    assert state["c2@example.org"][0] in ("sending", "unknown")  # never "queued" again
    assert state["c3@example.org"][0] == "queued"

    del inbox.stall_rcpt["c3@example.org"]
    settings = Settings(**{k[6:].lower(): v for k, v in env.items() if k.startswith("SERVQ_")})
    time.sleep(2.1)  # the second worker's lease runs out
    Worker(settings, session_factory(engine), name="third").run_once()
    state = _outbox(engine)
    assert {email: status for email, (status, _attempts) in state.items()} == {
        "c0@example.org": "sent", "c1@example.org": "sent",
        "c2@example.org": "unknown",  # found "sending" after its lease: not sent again
        "c3@example.org": "sent", "c4@example.org": "sent"}
    assert sorted(str(m["To"]) for m in inbox.messages) == [f"c{i}@example.org" for i in range(5)]  # each once
    with session_factory(engine)() as s:
        assert "not sent again" in s.scalar(select(OutboxMessage.last_error).where(OutboxMessage.status == "unknown"))
