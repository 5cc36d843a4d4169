"""The pages of scheduled waves: the customer list upload, a survey's schedule, the outbox;
who may see them, their languages, CSRF, and that what users typed is escaped."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from web_helpers import csrf_of, sign_in

from servq.store.db import session_factory, transaction
from servq.store.models import Customer, Job, OutboxMessage, Survey, WaveSchedule
from servq.web import customers, schedules


def _upload(client, page: str, text: str):
    return client.post("/admin/customers", data={"csrf_token": csrf_of(page)},
                       files={"file": ("customers.csv", text.encode(), "text/csv")})


def test_the_customer_list_is_uploaded_on_its_page(client, engine):
    sign_in(client, "analyst@example.org")
    page = client.get("/admin/customers")
    assert page.status_code == 200 and "0 customers on the list" in page.text
    done = _upload(client, page.text, "email,name,unit,language\nana@example.org,<b>Ana</b>,North 1,sv\n"
                                      "bo@example.org,Bo,South 1,\n")
    assert done.status_code == 200 and "2 added, 0 updated." in done.text and "2 customers on the list" in done.text
    bad = _upload(client, page.text, "email,unit\nana@example.org,Atlantis\n")
    assert bad.status_code == 422 and "row 2, column unit" in bad.text and "the customer list was not changed" in bad.text
    assert client.post("/admin/customers", files={"file": ("c.csv", b"email,unit\n", "text/csv")}).status_code == 403
    with session_factory(engine)() as s:
        assert s.scalar(select(Customer.name).where(Customer.email == "ana@example.org")) == "<b>Ana</b>"


def test_unit_managers_see_neither_customers_nor_outbox_nor_schedules(client):
    sign_in(client, "north@example.org")
    for path in ("/admin/customers", "/admin/outbox", "/admin/surveys/1/schedule", "/admin/webhooks"):
        assert client.get(path).status_code == 403, path
    client.cookies.clear()
    assert client.get("/admin/customers", follow_redirects=False).status_code == 303  # not signed in


def test_a_schedule_is_set_on_its_page_and_wrong_values_are_named_in_the_users_language(client, engine):
    sign_in(client, "analyst@example.org")
    survey = client.get("/admin/surveys/1").text
    assert 'href="/admin/surveys/1/schedule"' in survey
    page = client.get("/admin/surveys/1/schedule")
    assert page.status_code == 200 and "This survey has no schedule yet." in page.text
    wrong = client.post("/admin/surveys/1/schedule", data={
        "csrf_token": csrf_of(page.text), "rule": "cron", "cron": "61 * * * *", "wave_days": "0", "per_unit": "x",
        "quarantine_days": "90", "remind_days": "30", "active": "on"}, headers={"Accept-Language": "sv"})
    assert wrong.status_code == 422
    assert "inget schema" in wrong.text and "en omgång är öppen 1 till 366 dagar" in wrong.text
    assert "antalet kunder per enhet" in wrong.text and 'value="61 * * * *"' in wrong.text
    saved = client.post("/admin/surveys/1/schedule", data={
        "csrf_token": csrf_of(page.text), "rule": "cron", "cron": "0 9 * * 1", "wave_days": "5", "per_unit": "50",
        "quarantine_days": "90", "remind_days": "3", "active": "on"})
    assert saved.status_code == 200 and "Next wave: " in saved.text and 'value="0 9 * * 1"' in saved.text
    with session_factory(engine)() as s:
        schedule = s.scalar(select(WaveSchedule))
        assert (schedule.rule, schedule.per_unit, schedule.remind_days) == ("0 9 * * 1", 50, 3)
        assert schedule.next_run_at.weekday() == 0 and schedule.next_run_at.hour == 9


def test_the_outbox_page_lists_each_message_with_its_status(client, engine, org_tree, settings):
    with transaction(session_factory(engine)) as s:
        customers.import_customers(s, b"email,name,unit\nana@example.org,<i>Ana</i>,North 1\n", "c.csv", None,
                                   datetime.now(UTC))
        survey = s.get(Survey, 1)
        schedules.save_schedule(s, survey, schedules.ScheduleForm(start_now=True), None, datetime.now(UTC))
        schedules.open_due(s, datetime.now(UTC))
    with session_factory(engine)() as s:
        job = s.scalar(select(Job))
    with transaction(session_factory(engine)) as s:
        schedules.open_wave(s, job.payload["schedule_id"], datetime.fromisoformat(job.payload["at"]),
                            settings.model_copy(update={"mail_from": "s@example.org"}), datetime.now(UTC))
        assert s.scalar(select(OutboxMessage)).status == "queued"
    sign_in(client, "admin@example.org")
    page = client.get("/admin/outbox", headers={"Accept-Language": "zh"})
    assert page.status_code == 200 and "ana@example.org" in page.text and "排队中" in page.text and "邀请" in page.text
    schedule = client.get("/admin/surveys/1/schedule").text
    assert '<td class="num">1</td><td class="num">0</td>' in schedule  # one invited, none answered
