"""Reports to unit managers: a wave closes and the worker makes each manager's report of
their units (nothing of other units), e-mails it through a real SMTP server on the
loopback in the manager's language (a link that needs their sign-in, or attached), once
however often the jobs run; a report schedule fires at its times; the administrators'
delivery log shows it all. Every test runs on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from mail_helpers import body
from sqlalchemy import delete, func, select
from web_helpers import csrf_of, sign_in

from servq.store.db import session_factory, transaction
from servq.store.models import Job, ManagerReport, OutboxMessage, ReportSchedule, Response, Survey, Unit, User, Wave
from servq.web import accounts, manager_reports, outbox
from servq.web.app import create_app
from servq.web.security import new_token
from servq.web.smtp import Mailer
from servq.web.tallies import TallyStore
from servq.web.worker import Worker

LINK = re.compile(r"https://survey\.example\.org(/admin/reports/[\w-]+)")


@pytest.fixture
def worker(run_settings, engine):
    return Worker(run_settings, session_factory(engine), name="test-worker")


@pytest.fixture
def app_client(run_settings, engine, org_tree):
    with TestClient(create_app(run_settings), base_url="https://testserver") as c:
        yield c


def _answers(perception: int) -> dict:
    return {**{f"E{i}": 6 for i in range(1, 23)}, **{f"P{i}": perception for i in range(1, 23)}}


@pytest.fixture
def closed_wave(engine, org_tree):
    """The survey covers North 1 and South 1; a wave that closed an hour ago with six
    responses in each (North 1 answered 7 throughout, South 1 answered 2); the North
    manager reads Chinese, the South 1 manager wants the report attached."""
    now = datetime.now(UTC)
    with transaction(session_factory(engine)) as s:
        survey = s.scalar(select(Survey).where(Survey.title == "North customers"))
        survey.units.append(s.get(Unit, org_tree["South 1"]))
        starts, ends = now - timedelta(days=3), now - timedelta(hours=1)
        s.add(Wave(survey=survey, name="Week 49", starts_at=starts, ends_at=ends))
        for i in range(12):
            north = i < 6
            s.add(Response(key=new_token(), survey_id=survey.id, unit_id=org_tree["North 1" if north else "South 1"],
                           language="sv", answers=_answers(7 if north else 2),
                           submitted_at=starts + timedelta(hours=1 + i)))
        north_manager = s.scalar(select(User).where(User.email == "north@example.org"))
        accounts.set_language(s, north_manager, "zh")
        south = s.scalar(select(User).where(User.email == "south1@example.org"))
        manager_reports.set_delivery(s, south, "attachment", now)
        return survey.id


def _reports(engine) -> dict[str, ManagerReport]:
    with session_factory(engine)() as s:
        return {r.recipient: r for r in s.scalars(select(ManagerReport))}


def _units_in(results: str) -> set[str]:
    return set(re.findall(r'"(North 1|South 1|Team A|North|South)"', results))


def test_a_closed_wave_sends_each_manager_the_report_of_their_units_only(engine, closed_wave, worker, inbox,
                                                                       app_client):
    worker.run_once()
    messages = inbox.wait_for(2)
    assert sorted(str(m["To"]) for m in messages) == ["north@example.org", "south1@example.org"]
    reports = _reports(engine)
    assert set(reports) == {"north@example.org", "south1@example.org"}  # not the administrators nor analysts
    north, south = reports["north@example.org"], reports["south1@example.org"]
    assert (north.trigger, north.respondents, north.language, north.delivery) == ("wave", 6, "zh", "link")
    assert (south.respondents, south.language, south.delivery) == (6, "sv", "attachment")  # the survey's first
    assert _units_in(north.results) == {"North 1"} and _units_in(south.results) == {"South 1"}
    assert "South 1" not in north.html and "North 1" not in south.html
    mine, theirs = json.loads(north.results), json.loads(south.results)
    assert list(mine["segments"]["unit"]) == ["North 1"] and list(theirs["segments"]["unit"]) == ["South 1"]
    assert {d["gap"]["mean"] for d in mine["dimensions"]} == {1.0}  # North 1's answers only (South 1's gap is -4)
    assert {d["gap"]["mean"] for d in theirs["dimensions"]} == {-4.0}
    assert mine["options"]["min_n"] == 5  # the dashboard's suppression

    to_north, to_south = inbox.to("north@")[0], inbox.to("south1@")[0]
    assert to_north["Content-Language"] == "zh" and to_north["Subject"].startswith("报告：North customers，")
    assert "轮次 Week 49" in body(to_north) and "North" in body(to_north)
    assert to_south["Content-Language"] == "sv" and to_south["Subject"].startswith("Rapport: North customers, ")
    attached = [p for p in to_south.iter_attachments()]
    assert len(attached) == 1 and attached[0].get_filename().endswith(".html")
    html = attached[0].get_content()
    assert "South 1" in html and "North 1" not in html and not LINK.search(body(to_south))

    # the link needs a sign-in, and the manager it was made for (or an administrator)
    link = LINK.search(body(to_north)).group(1)
    first = app_client.get(link, follow_redirects=False)
    assert first.status_code in (303, 307) and first.headers["location"].startswith("/login?next=/admin/reports/")
    sign_in(app_client, "south1@example.org")
    assert app_client.get(link).status_code == 404
    assert _reports(engine)["north@example.org"].opened_at is None
    app_client.post("/logout", data={"csrf_token": csrf_of(app_client.get("/admin/account").text)})
    sign_in(app_client, "north@example.org")
    seen = app_client.get(link)
    assert seen.status_code == 200 and "North 1" in seen.text and "South 1" not in seen.text
    assert seen.headers["content-security-policy"].startswith("default-src 'none'")
    assert app_client.get(f"{link}?fmt=json").json()["n_respondents"] == 6
    assert _reports(engine)["north@example.org"].opened_at is not None
    assert app_client.get("/admin/reports/" + "x" * 43).status_code == 404


def test_the_report_is_the_dashboards_for_the_managers_units_and_the_waves_days(engine, closed_wave, worker,
                                                                               app_client):
    worker.run_once()
    north = _reports(engine)["north@example.org"]
    sign_in(app_client, "north@example.org")
    dashboard = app_client.get(f"/admin/surveys/{closed_wave}/report", params={
        "fmt": "json", "lang": "zh", "since": north.since.isoformat(), "until": north.until.isoformat()}).json()
    mine = json.loads(north.results)
    assert mine["n_respondents"] == 6
    for block in ("n_respondents", "dimensions", "items", "segments", "servqual", "reliability", "options"):
        assert mine[block] == dashboard[block], block


def test_running_the_jobs_again_sends_nothing_twice(engine, closed_wave, worker, inbox):
    worker.run_once()
    inbox.wait_for(2)
    worker.run_once()
    with transaction(session_factory(engine)) as s:  # as if the finished jobs had been purged and a worker ran again
        s.execute(delete(Job))
    worker.run_once()
    with transaction(session_factory(engine)) as s:
        payload = dict(survey_id=closed_wave, wave_id=s.scalar(select(Wave.id)), since="2026-01-01",
                       until="2026-01-02", base=f"report:wave:{s.scalar(select(Wave.id))}")
        user_id = s.scalar(select(User.id).where(User.email == "north@example.org"))
        assert manager_reports.make(s, worker.tallies, {**payload, "user_id": user_id}, worker.settings,
                                    datetime.now(UTC)) is None
    worker.run_once()
    assert len(inbox.wait_for(3, timeout=1)) == 2
    with session_factory(engine)() as s:
        assert s.scalar(select(func.count()).select_from(ManagerReport)) == 2
        assert s.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.kind == "report")) == 2


def test_a_manager_without_responses_gets_no_email_and_reports_can_be_turned_off(engine, closed_wave, worker, inbox):
    with transaction(session_factory(engine)) as s:  # deleted through the session: the cells follow
        for response in s.scalars(select(Response).where(
                Response.unit_id == s.scalar(select(Unit.id).where(Unit.name == "South 1")))):
            s.delete(response)
    worker.run_once()
    assert [str(m["To"]) for m in inbox.wait_for(1)] == ["north@example.org"]
    south = _reports(engine)["south1@example.org"]
    assert south.respondents == 0 and south.html is None

    with transaction(session_factory(engine)) as s:  # a second survey's wave, with reports after waves turned off
        survey = s.get(Survey, closed_wave)
        manager_reports.save_schedule(s, survey, manager_reports.ScheduleForm(on_wave_close=False), None,
                                      datetime.now(UTC))
        s.add(Wave(survey=survey, name="Week 50", starts_at=datetime.now(UTC) - timedelta(minutes=30),
                   ends_at=datetime.now(UTC) - timedelta(minutes=1)))
    worker.run_once()
    assert len(_reports(engine)) == 2


def test_a_report_schedule_fires_at_its_time_with_the_period_before(engine, closed_wave, run_settings, inbox):
    now = datetime.now(UTC)
    with transaction(session_factory(engine)) as s:
        survey = s.get(Survey, closed_wave)
        manager_reports.save_schedule(s, survey, manager_reports.ScheduleForm(on_wave_close=False, rule="cron",
                                                                              cron="0 6 * * *"), None, now)
        due = s.scalar(select(ReportSchedule.next_run_at))
    assert due > now and (due.hour, due.minute) == (6, 0)
    later = [due + timedelta(minutes=1)]
    worker = Worker(run_settings, session_factory(engine), clock=lambda: later[0], name="later")
    worker.run_once()
    reports = _reports(engine)
    assert {r.trigger for r in reports.values()} == {"schedule"} and len(reports) == 2
    since, until = manager_reports.schedule_period("0 6 * * *", due)
    assert (reports["north@example.org"].since, reports["north@example.org"].until) == (since, until)
    assert until - since == timedelta(days=1)
    with session_factory(engine)() as s:
        assert s.scalar(select(ReportSchedule.next_run_at)) == due + timedelta(days=1)
    worker.run_once()  # not due again
    assert len(_reports(engine)) == 2
    assert manager_reports.schedule_period("monthly", datetime(2026, 12, 1, 8, tzinfo=UTC)) == (
        date(2026, 11, 1), date(2026, 12, 1))


def test_the_report_settings_page_and_a_wrong_rule(engine, closed_wave, app_client):
    sign_in(app_client, "analyst2@example.org")
    page = app_client.get(f"/admin/surveys/{closed_wave}/reports")
    assert page.status_code == 200 and "north@example.org" in page.text and "south1@example.org" in page.text
    token = csrf_of(page.text)
    wrong = app_client.post(f"/admin/surveys/{closed_wave}/reports",
                            data={"csrf_token": token, "rule": "cron", "cron": "every day", "on_wave_close": "on"})
    assert wrong.status_code == 422 and "every day" in wrong.text
    saved = app_client.post(f"/admin/surveys/{closed_wave}/reports",
                            data={"csrf_token": token, "rule": "quarterly"}, follow_redirects=False)
    assert saved.status_code == 303
    with session_factory(engine)() as s:
        row = s.scalar(select(ReportSchedule))
        assert (row.rule, row.on_wave_close, row.next_run_at.month in (1, 4, 7, 10)) == ("quarterly", False, True)
    assert app_client.post(f"/admin/surveys/{closed_wave}/reports", data={"rule": "none"}).status_code == 403
    sign_in(app_client, "north@example.org")
    assert app_client.get(f"/admin/surveys/{closed_wave}/reports").status_code == 403


def test_a_manager_chooses_the_delivery_and_sees_their_reports(engine, closed_wave, worker, app_client):
    worker.run_once()
    sign_in(app_client, "north@example.org")
    mine = app_client.get("/admin/account/reports")
    assert mine.status_code == 200 and "Week 49" in mine.text and 'value="link" checked' in mine.text
    assert app_client.post("/admin/account/reports", data={"csrf_token": csrf_of(mine.text), "delivery": "fax"}
                           ).status_code == 422
    done = app_client.post("/admin/account/reports", data={"csrf_token": csrf_of(mine.text), "delivery": "attachment"})
    assert done.status_code == 200 and 'value="attachment" checked' in done.text


def test_the_delivery_log_is_for_administrators_and_shows_each_delivery(engine, closed_wave, worker, inbox,
                                                                       app_client):
    worker.run_once()
    inbox.wait_for(2)
    sign_in(app_client, "analyst@example.org")
    assert app_client.get("/admin/report-deliveries").status_code == 403
    sign_in(app_client, "admin@example.org")
    log = app_client.get("/admin/report-deliveries", params={"survey": closed_wave})
    assert log.status_code == 200
    rows = re.findall(r'<tr class="status-(\w+)">(.*?)</tr>', log.text, re.S)
    assert sorted(status for status, _ in rows) == ["sent", "sent"]
    assert any("north@example.org" in row and "Week 49" in row for _, row in rows)
    assert "report-deliveries" in app_client.get("/admin/report-deliveries", params={"survey": 999}).text
    csv = app_client.get("/admin/report-deliveries", params={"format": "csv"})
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("created_at,survey,wave") and len(lines) == 3 and ",sent," in lines[1]
    outbox = app_client.get("/admin/outbox").text  # the e-mail outbox lists them with the invitations
    assert outbox.count("report to a manager") == 2 and "north@example.org" in outbox
    # an administrator may read any manager's report too (without counting as its opening)
    link = LINK.search(body(inbox.to("north@")[0])).group(1)
    assert app_client.get(link).status_code == 200 and _reports(engine)["north@example.org"].opened_at is None


@pytest.mark.parametrize("lang", ["en", "sv", "zh"])
def test_the_pages_in_each_language(engine, closed_wave, worker, app_client, lang):
    worker.run_once()
    with transaction(session_factory(engine)) as s:
        for user in s.scalars(select(User)):
            user.language = lang
    sign_in(app_client, "admin@example.org")
    for path in ("/admin/report-deliveries", f"/admin/surveys/{closed_wave}/reports", "/admin/account/reports"):
        page = app_client.get(path)
        assert page.status_code == 200 and f'lang="{"zh-Hans" if lang == "zh" else lang}"' in page.text, path



def test_a_deactivated_manager_gets_nothing_and_an_expired_report_is_gone(engine, closed_wave, run_settings, inbox,
                                                                        app_client):
    now = datetime.now(UTC)
    factory = session_factory(engine)
    with transaction(factory) as s:
        wave = s.scalar(select(Wave))
        since, until = manager_reports.wave_period(wave)
        payload = dict(survey_id=closed_wave, wave_id=wave.id, since=since.isoformat(), until=until.isoformat(),
                       base=f"report:wave:{wave.id}")
        for user in s.scalars(select(User).where(User.role == "unit_manager")):
            assert manager_reports.make(s, TallyStore(), {**payload, "user_id": user.id}, run_settings, now) is not None
        accounts.set_active(s, s.scalar(select(User).where(User.email == "south1@example.org")), False,
                            s.scalar(select(User).where(User.role == "administrator")))
    mailer = Mailer(run_settings)
    try:
        assert outbox.send_due(factory, run_settings, mailer, lambda: datetime.now(UTC)) == 1
    finally:
        mailer.close()
    assert [str(m["To"]) for m in inbox.wait_for(1)] == ["north@example.org"]
    with factory() as s:
        assert {(m.status, m.last_error) for m in s.scalars(select(OutboxMessage).where(OutboxMessage.status != "sent"))
                } == {("cancelled", "the manager's account is deactivated")}
    link = LINK.search(body(inbox.to("north@")[0])).group(1)
    with transaction(factory) as s:  # the wave is removed: the report stays, its wave is gone from the log
        s.delete(s.scalar(select(Wave)))
        assert manager_reports.expire(s, now + timedelta(days=run_settings.report_keep_days, seconds=1)) == 2
    sign_in(app_client, "north@example.org")
    gone = app_client.get(link)
    assert gone.status_code == 410 and "这份报告已不再保存" in gone.text  # in the manager's Chinese
    sign_in(app_client, "admin@example.org")
    assert "A removed wave" in app_client.get("/admin/report-deliveries").text
    with transaction(factory) as s:
        s.delete(s.get(Survey, closed_wave))
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(ManagerReport)) == 0
