"""Measurement that runs itself: scheduled waves drawn from the customer list, invitations
and reminders by SMTP (a real server on the loopback), unsubscribing, the job table's
claims and leases, and the outbox's retries. Every test runs on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from mail_helpers import PUBLIC, body
from sqlalchemy import func, select, update
from web_helpers import answer_all

from servq.store import jobs
from servq.store.db import Busy, session_factory, transaction
from servq.store.models import Customer, Invitation, Job, OutboxMessage, Survey, Tier, Wave, WaveMember
from servq.web import customers, schedules
from servq.web.app import create_app
from servq.web.worker import Worker


class Clock:
    """What "now" is for the worker: real time, moved on by :meth:`advance`."""

    def __init__(self):
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, **kw) -> None:
        self.offset += timedelta(**kw)


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def worker(run_settings, engine, clock):
    return Worker(run_settings, session_factory(engine), clock=clock, name="test-worker")


def _customers(engine, csv: str) -> customers.Imported:
    with transaction(session_factory(engine)) as s:
        return customers.import_customers(s, csv.encode(), "customers.csv", None, datetime.now(UTC))


CUSTOMERS = ("email,name,unit,language,last_contact\n"
             "anna@example.org,Anna,North 1,sv,2026-11-20\n"
             "bo@example.org,Bo,North 1,en,2026-11-25\n"
             "chen@example.org,Chen,North 1,zh,2026-11-28\n"
             "sam@example.org,Sam,South 1,en,2026-11-28\n")


def _schedule(engine, clock, **form) -> int:
    with transaction(session_factory(engine)) as s:
        survey = s.scalar(select(Survey).where(Survey.title == "North customers"))
        fields = dict(rule="monthly", per_unit="10", quarantine_days="0", remind_days="7", wave_days="14",
                      start_now=True) | form
        return schedules.save_schedule(s, survey, schedules.ScheduleForm(**fields), None, clock()).id


def _statuses(engine) -> dict[str, str]:
    with session_factory(engine)() as s:
        return {f"{m.kind}:{c.email}": m.status for m, c in s.execute(
            select(OutboxMessage, Customer).join(WaveMember, WaveMember.id == OutboxMessage.member_id)
            .join(Customer, Customer.id == WaveMember.customer_id))}


def _link(message, kind: str) -> str:
    pattern = r"https://survey\.example\.org(/i/[\w-]+\?lang=\w+)" if kind == "survey" else \
        r"https://survey\.example\.org(/unsubscribe/[\w-]+)"
    return re.search(pattern, body(message)).group(1)


def test_a_scheduled_wave_invites_its_sample_by_smtp_in_each_ones_language(engine, org_tree, worker, inbox, clock,
                                                                          settings):
    assert _customers(engine, CUSTOMERS) == customers.Imported(added=4, updated=0)
    _schedule(engine, clock)
    assert worker.run_once() >= 4
    messages = inbox.wait_for(3)
    assert sorted(str(m["To"]) for m in messages) == ["Anna <anna@example.org>", "Bo <bo@example.org>",
                                                      "Chen <chen@example.org>"]  # South 1 is not the survey's
    anna, bo, chen = (inbox.to(a)[0] for a in ("anna@", "bo@", "chen@"))
    assert anna["Subject"] == "North customers: vad tyckte du om vår service?" and "Hej Anna!" in body(anna)
    assert bo["Subject"] == "North customers: what did you think of our service?" and anna["Content-Language"] == "sv"
    assert chen["Content-Language"] == "sv"  # the survey has no Chinese: its first language
    assert bo["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert bo["List-Unsubscribe"] == f"<{PUBLIC}{_link(bo, 'unsubscribe')}>"
    assert bo["Message-ID"].endswith("@example.org>")
    with session_factory(engine)() as s:
        wave = s.scalar(select(Wave))
        assert wave.schedule_id is not None and (wave.ends_at - wave.starts_at) == timedelta(days=14)
        assert s.scalar(select(func.count()).select_from(Invitation)) == 3
        hashes = " ".join(i.token_hash for i in s.scalars(select(Invitation)))
        assert _link(bo, "survey").split("/")[2].split("?")[0] not in hashes  # only the hash is stored
        assert {m.status for m in s.scalars(select(OutboxMessage))} == {"sent"}
        assert s.get(Job, 1).status == "done"
    assert worker.run_once() == 0  # nothing is sent twice
    assert len(inbox.messages) == 3
    with TestClient(create_app(settings), base_url="https://testserver") as client:
        opened = client.get(_link(bo, "survey"))
        assert opened.status_code == 200 and '<html lang="en">' in opened.text


def test_the_reminder_goes_only_to_those_who_have_not_answered(engine, org_tree, worker, inbox, clock, settings):
    _customers(engine, CUSTOMERS)
    _schedule(engine, clock, remind_days="5")
    worker.run_once()
    bo = inbox.wait_for(3) and inbox.to("bo@")[0]
    with TestClient(create_app(settings), base_url="https://testserver") as client:
        done, _ = answer_all(client, client.get(_link(bo, "survey")).text)
        assert "Thank you!" in done
    clock.advance(days=4)
    assert worker.run_once() == 0  # not yet
    clock.advance(days=1, minutes=1)
    worker.run_once()
    inbox.wait_for(5)
    reminders = [m for m in inbox.messages if m["Subject"].startswith(("Reminder", "Påminnelse"))]
    assert sorted(str(m["To"]) for m in reminders) == ["Anna <anna@example.org>", "Chen <chen@example.org>"]
    assert "Påminnelse: North customers" == inbox.to("anna@")[1]["Subject"]
    assert _link(inbox.to("anna@")[1], "survey") == _link(inbox.to("anna@")[0], "survey")  # the same single-use link
    clock.advance(days=1)
    assert worker.run_once() == 0 and len(inbox.messages) == 5  # one reminder


def test_unsubscribing_needs_no_sign_in_and_holds_for_every_later_wave(engine, org_tree, worker, inbox, clock,
                                                                       settings):
    _customers(engine, CUSTOMERS)
    _schedule(engine, clock, remind_days="3")
    worker.run_once()
    anna = inbox.wait_for(3) and inbox.to("anna@")[0]
    with TestClient(create_app(settings), base_url="https://testserver") as client:
        page = client.get(_link(anna, "unsubscribe"))
        assert page.status_code == 200 and '<html lang="sv">' in page.text and "Avregistrera mig" in page.text
        done = client.post(_link(anna, "unsubscribe"), data={"List-Unsubscribe": "One-Click"})
        assert done.status_code == 200 and "Du är avregistrerad" in done.text
        assert client.post(_link(anna, "unsubscribe")).status_code == 200  # again: still fine
        assert client.get("/unsubscribe/" + "x" * 43).status_code == 404
    _customers(engine, CUSTOMERS)  # uploading the list again subscribes nobody
    clock.advance(days=3, minutes=1)
    worker.run_once()  # the reminders: not to Anna
    assert sorted(str(m["To"]) for m in inbox.wait_for(5)[3:]) == ["Bo <bo@example.org>", "Chen <chen@example.org>"]
    clock.advance(days=40)  # the next month's wave (Anna would be drawn: no quarantine)
    worker.run_once()
    later = inbox.wait_for(7)[5:]
    assert sorted(str(m["To"]) for m in later) == ["Bo <bo@example.org>", "Chen <chen@example.org>"]
    with session_factory(engine)() as s:
        assert s.scalar(select(func.count()).select_from(Wave)) == 2


def test_the_sample_per_unit_respects_quarantine_tiers_and_last_contact(engine, org_tree, worker, inbox, clock):
    with transaction(session_factory(engine)) as s:
        s.add_all([Tier(name="private"), Tier(name="premium")])
    rows = "".join(f"c{i}@example.org,North 1,{'premium' if i < 6 else 'private'},{'2026-01-01' if i == 5 else ''}\n"
                   for i in range(7))
    _customers(engine, "email,unit,tier,last_contact\n" + rows)
    with session_factory(engine)() as s:
        premium = s.scalar(select(Tier.id).where(Tier.name == "premium"))
    with transaction(session_factory(engine)) as s:  # c5 was last seen long ago; the others never
        s.execute(update(Customer).where(Customer.email != "c5@example.org").values(last_contact_on=clock().date()))
    _schedule(engine, clock, per_unit="2", quarantine_days="45", remind_days="", tier_ids=[str(premium)],
              contact_days="200")
    drawn = []
    for _ in range(4):  # four months: c0..c4 are eligible, 2 a wave, none again within 45 days
        worker.run_once()
        with session_factory(engine)() as s:
            latest = s.scalar(select(Wave).order_by(Wave.id.desc()))
            drawn.append({c for c, in s.execute(select(Customer.email).join(WaveMember).where(
                WaveMember.wave_id == latest.id))})
        clock.advance(days=31)
    assert [len(d) for d in drawn] == [2, 2, 2, 2]
    assert all(not drawn[i] & drawn[i + 1] for i in range(3))  # 31 days apart: in quarantine
    assert set().union(*drawn) <= {f"c{i}@example.org" for i in range(5)}  # not c5 (seen long ago) nor c6 (tier)
    assert drawn[2] <= {f"c{i}@example.org" for i in range(5)} - drawn[1]


def test_a_refused_message_is_retried_with_backoff_then_marked_failed_with_the_servers_answer(
        engine, org_tree, worker, inbox, clock):
    _customers(engine, CUSTOMERS)
    inbox.refuse["bo@example.org"] = "451 4.7.1 greylisted, try later"
    inbox.refuse["chen@example.org"] = "550 5.1.1 no such mailbox"
    _schedule(engine, clock, remind_days="")
    worker.run_once()
    assert _statuses(engine) == {"invitation:anna@example.org": "sent", "invitation:bo@example.org": "queued",
                                 "invitation:chen@example.org": "failed"}
    with session_factory(engine)() as s:
        bo = s.scalar(select(OutboxMessage).where(OutboxMessage.status == "queued"))
        assert bo.attempts == 1 and "451 4.7.1 greylisted" in bo.last_error
        assert timedelta(seconds=55) < bo.next_attempt_at - clock() <= timedelta(seconds=60)
        assert "550 5.1.1 no such mailbox" in s.scalar(select(OutboxMessage.last_error).where(
            OutboxMessage.status == "failed"))
    worker.run_once()
    assert _statuses(engine)["invitation:bo@example.org"] == "queued"  # not due yet
    clock.advance(seconds=61)
    worker.run_once()
    assert _statuses(engine)["invitation:bo@example.org"] == "failed"  # SERVQ_MAIL_ATTEMPTS=2
    assert [str(m["To"]) for m in inbox.messages] == ["Anna <anna@example.org>"]


def test_sending_keeps_to_the_rate_per_minute(engine, org_tree, worker, inbox, clock):
    _customers(engine, CUSTOMERS)
    worker.settings = worker.settings.model_copy(update={"mail_rate": 2})
    _schedule(engine, clock, remind_days="")
    worker.run_once()
    assert len(inbox.wait_for(2)) == 2 and list(_statuses(engine).values()).count("queued") == 1
    worker.run_once()
    assert len(inbox.messages) == 2
    clock.advance(seconds=61)
    worker.run_once()
    assert len(inbox.wait_for(3)) == 3


def test_jobs_are_claimed_once_and_taken_again_after_the_lease(engine, org_tree, clock):
    factory = session_factory(engine)
    with transaction(factory) as s:
        assert jobs.enqueue(s, "wave.remind", "k1", {"wave_id": 1}, now=clock())
        assert not jobs.enqueue(s, "wave.remind", "k1", {"wave_id": 2}, now=clock())  # the key is there
        jobs.enqueue(s, "wave.remind", "k2", {}, now=clock(), run_at=clock() + timedelta(hours=1))
    with transaction(factory) as s:
        first = jobs.claim(s, "a", clock(), lease=10)
    with transaction(factory) as s:
        assert jobs.claim(s, "b", clock(), lease=10) is None  # k1 is held, k2 not due
    assert first.key == "k1" and first.payload == {"wave_id": 1} and first.attempts == 1
    clock.advance(seconds=11)  # "a" was killed: its lease runs out
    with transaction(factory) as s:
        second = jobs.claim(s, "b", clock(), lease=10)
    assert second.key == "k1" and second.attempts == 2
    with transaction(factory) as s:
        assert not jobs.finish(s, first, clock())  # "a" woke up: its claim is gone
        assert jobs.finish(s, second, clock())


def test_concurrent_claims_never_take_the_same_job(engine, database_url, org_tree, clock):
    """PostgreSQL: a second worker skips the row the first has locked and takes the next;
    SQLite: the second waits for the single writer (here: gives up after 0.2 s)."""
    factory = session_factory(engine, wait=0.2)
    with transaction(factory) as s:
        for key in ("k1", "k2"):
            jobs.enqueue(s, "wave.remind", key, {}, now=clock())
    with factory() as a, a.begin(), factory() as b, b.begin():
        held = jobs.claim(a, "a", clock(), lease=60)  # not committed: its row stays locked
        if database_url.startswith("postgresql"):
            other = jobs.claim(b, "b", clock(), lease=60)
            assert {held.key, other.key} == {"k1", "k2"}
        else:
            with pytest.raises(Busy):
                jobs.claim(b, "b", clock(), lease=60)


def test_the_customer_list_upload_reports_every_problem_and_changes_nothing(engine, org_tree):
    bad = ("email,name,unit,language,last_contact\n"
           "anna@example.org,Anna,North 1,sv,2026-11-20\n"
           "not-an-address,X,North 1,,\n"
           "anna@example.org,Anna,Nowhere,de,yesterday\n")
    with pytest.raises(Exception) as exc, transaction(session_factory(engine)) as s:
        customers.import_customers(s, bad.encode(), "list.csv", None, datetime.now(UTC))
    text = str(exc.value)
    assert "4 problems" not in text and "list.csv" in text
    problems = [str(p) for p in exc.value.problems]
    assert any("row 3, column email" in p for p in problems)
    assert any("row 4, column unit" in p for p in problems) and any("column language" in p for p in problems)
    assert any("column last_contact" in p for p in problems) and any("listed twice (also row 2)" in p for p in problems)
    with session_factory(engine)() as s:
        assert s.scalar(select(func.count()).select_from(Customer)) == 0
    _customers(engine, "email,unit,last_contact\nAnna@Example.org,North 1,2026-11-20\n")
    with session_factory(engine)() as s:
        assert s.scalar(select(Customer)).last_contact_on == date(2026, 11, 20)


def test_erasing_a_person_removes_them_from_the_list_and_their_queued_messages(engine, org_tree, worker, inbox,
                                                                              clock):
    from servq.web.privacy import erase_contact

    _customers(engine, CUSTOMERS)
    inbox.refuse["bo@example.org"] = "451 later"
    _schedule(engine, clock, remind_days="")
    worker.run_once()
    with transaction(session_factory(engine)) as s:
        done = erase_contact(s, "bo@example.org", None, clock())
    assert done.customers == 1
    assert "invitation:bo@example.org" not in _statuses(engine)
    with session_factory(engine)() as s:
        assert s.scalar(select(func.count()).select_from(Customer).where(Customer.email == "bo@example.org")) == 0


def test_the_worker_command_names_every_missing_setting(engine, database_url, monkeypatch, capsys):
    from cli_helpers import run

    monkeypatch.setenv("SERVQ_DATABASE_URL", database_url)
    monkeypatch.setenv("SERVQ_SECRET_KEY", "s" * 40)
    for name in ("SERVQ_SMTP_HOST", "SERVQ_MAIL_FROM", "SERVQ_PUBLIC_URL"):
        monkeypatch.delenv(name, raising=False)
    code, _out, err = run(capsys, "worker", "--once")
    assert code == 1 and "the worker cannot start" in err
    assert all(name in err for name in ("SERVQ_SMTP_HOST", "SERVQ_MAIL_FROM", "SERVQ_PUBLIC_URL"))
    monkeypatch.setenv("SERVQ_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SERVQ_MAIL_FROM", "survey@example.org")
    monkeypatch.setenv("SERVQ_PUBLIC_URL", PUBLIC)
    code, out, _err = run(capsys, "worker", "--once")
    assert code == 0 and "servq worker: 0 thing(s) done" in out


def test_finished_jobs_are_purged_after_30_days(engine, org_tree, worker, clock):
    with transaction(session_factory(engine)) as s:
        jobs.enqueue(s, "wave.remind", "old", {"wave_id": 99}, now=clock())
    worker.run_once()  # a wave that does not exist: nothing to remind, done
    with session_factory(engine)() as s:
        assert s.scalar(select(Job.status)) == "done"
    clock.advance(days=31)
    worker.run_once()
    with session_factory(engine)() as s:
        assert s.scalar(select(func.count()).select_from(Job)) == 0


def test_a_message_claimed_again_and_again_without_an_outcome_is_given_up(engine, org_tree, worker, inbox, clock):
    _customers(engine, "email,unit\nana@example.org,North 1\n")
    inbox.refuse["ana@example.org"] = "451 later"
    _schedule(engine, clock, remind_days="")
    worker.run_once()
    del inbox.refuse["ana@example.org"]
    with transaction(session_factory(engine)) as s:  # then two workers died holding it (SERVQ_MAIL_ATTEMPTS=2)
        s.execute(update(OutboxMessage).values(attempts=2, next_attempt_at=clock()))
    worker.run_once()
    with session_factory(engine)() as s:
        message = s.scalar(select(OutboxMessage))
    assert message.status == "failed" and "given up after 2 attempts" in message.last_error
    assert inbox.messages == []
