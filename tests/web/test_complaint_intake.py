"""Complaint intake: the public form (languages, checks next to the field, exactly once,
nothing personal without consent, rate limit), the JSON API, and the SLA clock of a
complaint received on a Friday evening, through the web pages."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import inspect, select
from web_helpers import sign_in

from servq.errors import UsageError
from servq.store.db import session_factory, transaction
from servq.store.models import CaseEvent, Channel, Complaint, ComplaintContact, Tier, User
from servq.web import accounts, complaints
from servq.web.app import create_app

STOCKHOLM = ZoneInfo("Europe/Stockholm")
OFFICE = 'timezone: Europe/Stockholm\nhours:\n  mon-fri: "08:00-17:00"\n'


def _hidden(page: str) -> dict:
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page))


def _rows(engine, model):
    with session_factory(engine)() as s:
        return list(s.scalars(select(model).order_by(model.id)))


def _send(client, unit_id, lang="en", **fields):
    form = client.get(f"/c/{unit_id}?lang={lang}").text
    return client.post(f"/c/{unit_id}", data={**_hidden(form), **fields}, follow_redirects=False), _hidden(form)


def test_the_form_speaks_the_customers_language(client, org_tree):
    unit = org_tree["North 1"]
    r = client.get(f"/c/{unit}", headers={"accept-language": "sv-SE, en;q=0.5"})
    assert r.status_code == 200 and '<html lang="sv">' in r.text and "Berätta vad som gick fel" in r.text
    assert "Gäller: North 1" in r.text and 'hreflang="zh"' in r.text and 'hreflang="en"' in r.text
    zh = client.get(f"/c/{unit}?lang=zh")
    assert '<html lang="zh-Hans">' in zh.text and "告诉我们哪里出了问题" in zh.text
    assert '<html lang="en">' in client.get(f"/c/{unit}", headers={"accept-language": "de"}).text
    # embeddable, no cookie, no inline script: the page loads form.js and nothing else
    assert "frame-ancestors *" in r.headers["content-security-policy"] and "set-cookie" not in r.headers
    assert re.findall(r"<script[^>]*>", r.text) == ['<script src="/static/form.js" defer>']
    assert " style=" not in r.text
    assert client.get("/c/999").status_code == 404


def test_a_complaint_without_contact_stores_nothing_personal(client, org_tree, engine):
    r, hidden = _send(client, org_tree["North 1"], text="The queue <b>took</b> an hour and nobody helped me.",
                      product="Mortgage")
    assert r.status_code == 303 and r.headers["location"] == "/c/thanks?lang=en"
    assert "Your complaint has been received" in client.get(r.headers["location"]).text
    [c] = _rows(engine, Complaint)
    assert (c.key, c.unit_id, c.source, c.status, c.product) == (hidden["key"], org_tree["North 1"], "form", "new",
                                                                 "Mortgage")
    assert c.language == "en" and c.dimension and 0 <= c.confidence <= 1 and c.severity in (1, 2, 3)
    assert c.customer_key is None and _rows(engine, ComplaintContact) == []
    assert [e.kind for e in _rows(engine, CaseEvent)] == ["received"]
    columns = {col["name"] for col in inspect(engine).get_columns("complaints")}
    assert not columns & {"ip", "address", "user_agent", "email", "phone", "name"}


def test_the_same_form_sent_twice_stores_one_complaint(client, org_tree, engine):
    form = client.get(f"/c/{org_tree['North 1']}").text
    data = {**_hidden(form), "text": "Charged twice for one transfer."}
    for _ in range(3):  # a double click, a retry
        assert client.post(f"/c/{org_tree['North 1']}", data=data, follow_redirects=False).status_code == 303
    assert len(_rows(engine, Complaint)) == 1 and len(_rows(engine, CaseEvent)) == 1
    r, _ = _send(client, org_tree["North 1"], text="Charged twice for one transfer.")  # a new form: a new key
    assert r.status_code == 303 and len(_rows(engine, Complaint)) == 2


def test_the_same_form_sent_at_once_many_times_is_stored_once(client, org_tree, engine):
    import threading

    form = client.get(f"/c/{org_tree['North 1']}").text
    data = {**_hidden(form), "text": "Charged twice.", "email": "ann@example.org", "consent": "on"}
    results = []
    threads = [threading.Thread(target=lambda: results.append(
        client.post(f"/c/{org_tree['North 1']}", data=data, follow_redirects=False))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [r.status_code for r in results] == [303] * 8
    assert len(_rows(engine, Complaint)) == 1 and len(_rows(engine, ComplaintContact)) == 1


def test_mistakes_are_shown_next_to_the_field_and_nothing_is_stored(client, org_tree, engine):
    unit = org_tree["North 1"]
    r, _ = _send(client, unit, lang="sv", text="  ", email="not-an-address", phone="12ab", name="<Eve>")
    assert r.status_code == 422 and '<html lang="sv">' in r.text
    assert 'id="err-text"' in r.text and "Beskriv vad som hände." in r.text
    assert 'id="err-email"' in r.text and 'id="err-phone"' in r.text and 'aria-invalid="true"' in r.text
    assert "&lt;Eve&gt;" in r.text and "<Eve>" not in r.text  # what was typed stays, escaped
    r, _ = _send(client, unit, text="Rude staff", email="eve@example.org")  # a contact without consent
    assert r.status_code == 422 and 'id="err-consent"' in r.text and "Tick the box" in r.text
    r, _ = _send(client, unit, text="Rude staff", consent="on")  # consent without an address
    assert r.status_code == 422 and "Give an e-mail address or a phone number" in r.text
    r, _ = _send(client, unit, text="x" * 5001)
    assert r.status_code == 422 and "At most 5000 characters." in r.text
    r, _ = _send(client, unit, text="Rude staff", channel_id="999")
    assert r.status_code == 422 and 'id="err-channel_id"' in r.text
    assert _rows(engine, Complaint) == []
    r = client.post(f"/c/{unit}", data={"text": "no key"})
    assert r.status_code == 422 and _rows(engine, Complaint) == []


def test_contact_details_with_consent_live_only_in_complaint_contacts(client, org_tree, engine):
    with transaction(session_factory(engine)) as s:
        branch = s.scalar(select(Channel).where(Channel.name == "branch"))
    r, _ = _send(client, org_tree["Team A"], lang="zh", text="信号太差了，打电话总是掉线。", name="Li Lei",
                 email="Li.Lei@Example.org", phone="+46 70-123 45 67", consent="on", channel_id=str(branch.id))
    assert r.status_code == 303 and r.headers["location"] == "/c/thanks?lang=zh"
    [c] = _rows(engine, Complaint)
    [contact] = _rows(engine, ComplaintContact)
    assert (contact.complaint_id, contact.name, contact.email, contact.phone, contact.consent) == \
        (c.id, "Li Lei", "li.lei@example.org", "+46701234567", True)
    assert c.language == "zh" and c.channel_id == branch.id and len(c.customer_key) == 64
    with session_factory(engine)() as s:
        expected = complaints.customer_key(complaints.salt(s), complaints.ContactDetails(email="li.lei@example.org"))
    assert c.customer_key == expected and "li.lei" not in c.customer_key


def test_the_form_is_rate_limited_per_address(settings, engine, org_tree):
    limited = settings.model_copy(update={"submit_limit": 2, "submit_window": 60})
    with TestClient(create_app(limited), base_url="https://testserver") as client:
        codes = [_send(client, org_tree["North 1"], text=f"Complaint {i}")[0].status_code for i in range(3)]
    assert codes == [303, 303, 429] and len(_rows(engine, Complaint)) == 2


@pytest.fixture
def office_sla(engine):
    """Acknowledge within 2 business hours, resolve within 2 business days, Mon–Fri 08–17 in Stockholm."""
    with transaction(session_factory(engine)) as s:
        complaints.save_policy(s, "*", "*", "2", "2", OFFICE, None)


def test_sla_clock_of_a_friday_evening_complaint_runs_over_the_weekend(client, org_tree, engine, office_sla):
    friday_evening = datetime(2026, 3, 6, 18, 0, tzinfo=STOCKHOLM)
    client.app.state.clock = lambda: friday_evening
    assert _send(client, org_tree["North 1"], text="My card was blocked and nobody answered.")[0].status_code == 303
    [c] = _rows(engine, Complaint)
    assert c.received_at == friday_evening
    assert c.ack_due == datetime(2026, 3, 9, 10, 0, tzinfo=STOCKHOLM)  # Monday 08:00 + 2 business hours
    assert c.resolve_due == datetime(2026, 3, 10, 17, 0, tzinfo=STOCKHOLM)  # two business days: Tuesday's close
    assert c.sla_policy["calendar"]["timezone"] == "Europe/Stockholm"

    sign_in(client, "admin@example.org")
    page = client.get(f"/admin/complaints/{c.id}").text
    assert "Mon 2026-03-09 10:00 (Europe/Stockholm)" in page and "Tue 2026-03-10 17:00 (Europe/Stockholm)" in page
    assert '<p id="sla" class="sla-on_time">on time</p>' in page  # all weekend long: no business time passes
    client.app.state.clock = lambda: datetime(2026, 3, 9, 9, 45, tzinfo=STOCKHOLM)
    assert '<p id="sla" class="sla-due_soon">due soon</p>' in client.get(f"/admin/complaints/{c.id}").text
    client.app.state.clock = lambda: datetime(2026, 3, 9, 10, 30, tzinfo=STOCKHOLM)
    page = client.get(f"/admin/complaints/{c.id}").text
    assert '<p id="sla" class="sla-overdue">overdue</p>' in page
    # the list escalates it to North 1's manager (the manager of North, the unit above)
    listing = client.get("/admin/complaints").text
    assert "(escalated)" in listing
    with session_factory(engine)() as s:
        c = s.get(Complaint, c.id)
        north = s.scalar(select(User).where(User.email == "north@example.org"))
        assert (c.escalated_to_id, c.owner_id, c.status) == (north.id, north.id, "assigned")
        assert c.escalated_at == datetime(2026, 3, 9, 10, 30, tzinfo=STOCKHOLM)
    client.cookies.clear()
    sign_in(client, "north@example.org")
    mine = client.get("/admin/complaints").text
    assert "1 escalated to you" in mine and f'href="/admin/complaints/{c.id}">#{c.id}</a> North 1' in mine
    assert "acknowledgement overdue, to north@example.org" in client.get(f"/admin/complaints/{c.id}").text


# --------------------------------------------------------------------------- the JSON API


@pytest.fixture
def tokens(engine, org_tree):
    with transaction(session_factory(engine)) as s:
        s.add(Tier(name="Gold"))
        users = {u.email: u for u in s.scalars(select(User))}
        return {who: accounts.create_token(s, users[email], "crm")
                for who, email in (("analyst", "analyst@example.org"), ("north", "north@example.org"),
                                   ("south1", "south1@example.org"))}


def _api(client, method, token, **kw):
    return client.request(method, "/api/v1/complaints", headers={"Authorization": f"Bearer {token}"}, **kw)


def test_api_intake_is_exactly_once_per_key(client, tokens, org_tree, engine, office_sla):
    body = {"key": "crm-4711", "text": "The invoice was wrong again.", "unit": "North 1", "tier": "gold",
            "channel": "branch", "received_at": "2026-03-06T18:00:00+01:00",
            "contact": {"email": "kim@example.org", "consent": True}}
    first = _api(client, "POST", tokens["analyst"], json=body)
    assert first.status_code == 201, first.text
    got = first.json()
    assert got["created"] is True and got["unit"] == "North 1" and got["tier"] == "Gold" and got["source"] == "api"
    assert got["ack_due"] == "2026-03-09T09:00:00+00:00" and "email" not in got and "contact" not in got
    again = _api(client, "POST", tokens["analyst"], json=body)
    assert again.status_code == 200 and again.json()["created"] is False and again.json()["id"] == got["id"]
    assert len(_rows(engine, Complaint)) == 1 and len(_rows(engine, ComplaintContact)) == 1
    # the same key from another client is another complaint (keys are per token user)
    assert _api(client, "POST", tokens["north"], json=body).status_code == 201


def test_api_names_every_mistake_and_stores_nothing(client, tokens, org_tree, engine):
    r = _api(client, "POST", tokens["north"], json={"key": "x", "text": "Bad", "unit": "South 1", "tier": "Platinum",
                                                     "received_at": "2099-01-01T00:00:00Z",
                                                     "contact": {"email": "nope"}})
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert "unit: no unit named 'South 1'" in detail  # not theirs: as if it did not exist
    assert "tier: no tier named 'Platinum'" in detail and "received_at:" in detail and "in the future" in detail
    assert "contact.email: not an e-mail address" in detail
    r = _api(client, "POST", tokens["north"], json={"key": "x", "unit": "North 1"})
    assert r.status_code == 422 and "text" in r.json()["detail"]
    assert _api(client, "POST", "wrong", json={}).status_code == 401
    assert _rows(engine, Complaint) == []


def test_a_received_time_outside_the_accepted_range_is_refused_and_nothing_stored(client, tokens, org_tree, engine,
                                                                                   settings):
    """Not before SERVQ_COMPLAINT_EARLIEST (default 2000-01-01), not more than
    SERVQ_COMPLAINT_FUTURE_DAYS (default 1) days after now: the API answers 422 with the
    reason, intake itself refuses, and the public form takes no date at all."""
    now = datetime(2026, 3, 20, 12, tzinfo=UTC)
    client.app.state.clock = lambda: now

    def send(key, received_at, app_client=client):
        return _api(app_client, "POST", tokens["analyst"], json={"key": key, "text": "Rude staff", "unit": "North 1",
                                                                 "received_at": received_at})

    for received_at, reason in (
            ("0001-01-01T00:00:00Z", "received_at: 0001-01-01 is before the earliest accepted date 2000-01-01"),
            ("1999-12-31T23:59:59Z", "received_at: 1999-12-31 is before the earliest accepted date 2000-01-01"),
            ("2026-03-21T12:00:01Z", "received_at: 2026-03-21T12:00:01+00:00 is more than 1 day in the future"),
            ("9999-12-31T00:00:00Z", "received_at: 9999-12-31T00:00:00+00:00 is more than 1 day in the future")):
        r = send("bad", received_at)
        assert (r.status_code, r.json()["detail"]) == (422, reason)
    assert _rows(engine, Complaint) == []
    assert send("first-day", "2000-01-01T00:00:00Z").status_code == 201
    assert send("tomorrow", "2026-03-21T11:00:00+00:00").status_code == 201  # a clock a little ahead

    # the bounds are settings
    wider = settings.model_copy(update={"complaint_earliest": date(1990, 1, 1), "complaint_future_days": 0})
    with TestClient(create_app(wider), base_url="https://testserver") as other:
        other.app.state.clock = lambda: now
        assert send("old", "1995-06-01T00:00:00Z", other).status_code == 201
        r = send("ahead", "2026-03-20T12:00:01Z", other)
        assert (r.status_code, r.json()["detail"]) == (422, "received_at: 2026-03-20T12:00:01+00:00 is in the future")

    # intake refuses it too (the closed loop and the library go through it)
    old = complaints.NewComplaint(key="k" * 30, unit_id=org_tree["North 1"], text="Old", source="survey",
                                  received_at=datetime(1, 1, 1, tzinfo=UTC))
    with pytest.raises(UsageError, match="received_at: 0001-01-01 is before the earliest accepted date 2000-01-01"):
        with transaction(session_factory(engine)) as s:
            complaints.intake(s, old, {"dimension": "empathy"}, now=now)
    assert len(_rows(engine, Complaint)) == 3

    # the public form has no date: a date sent along is ignored and the server's clock is used
    r, _ = _send(client, org_tree["South 1"], text="The form's time is ours.", received_at="0001-01-01T00:00:00Z",
                 date="0001-01-01")
    assert r.status_code == 303
    assert [c.received_at for c in _rows(engine, Complaint) if c.unit_id == org_tree["South 1"]] == [now]


def test_api_lists_only_the_tokens_units_with_filters(client, tokens, org_tree, engine, office_sla):
    now = datetime.now(UTC)
    with transaction(session_factory(engine)) as s:
        for i, unit in enumerate(("North 1", "Team A", "South 1")):
            complaints.intake(s, complaints.NewComplaint(key=f"key-{i}" * 5, unit_id=org_tree[unit], text=f"c {i}",
                                                         source="form", received_at=now - timedelta(days=30)))
    every = _api(client, "GET", tokens["analyst"]).json()
    assert every["count"] == 3 and {c["unit"] for c in every["complaints"]} == {"North 1", "Team A", "South 1"}
    north = _api(client, "GET", tokens["north"]).json()
    assert {c["unit"] for c in north["complaints"]} == {"North 1", "Team A"}
    assert _api(client, "GET", tokens["north"], params={"unit": org_tree["South 1"]}).json()["count"] == 0
    assert _api(client, "GET", tokens["analyst"], params={"unit": org_tree["North 1"]}).json()["count"] == 2
    overdue = _api(client, "GET", tokens["analyst"], params={"overdue": "true"}).json()
    assert overdue["count"] == 3 and {c["sla"] for c in overdue["complaints"]} == {"overdue"}
    assert _api(client, "GET", tokens["analyst"], params={"status": "closed"}).json()["count"] == 0
    r = _api(client, "GET", tokens["analyst"], params={"status": "lost"})
    assert r.status_code == 422 and "status: must be one of" in r.json()["detail"]
