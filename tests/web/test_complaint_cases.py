"""Complaint cases: statuses and their transitions, notes, replies, relabel (a training
example), history, who sees contact details, unit managers' limits on every route,
filters, escalation (on the list and by command), the SLA policies page."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from web_helpers import csrf_of, sign_in

from servq.cli import main
from servq.store.db import session_factory, transaction
from servq.store.models import AuditEntry, CaseEvent, Complaint, SlaPolicyRecord, TrainingExample, User
from servq.web import complaints

OFFICE = 'timezone: Europe/Stockholm\nhours:\n  mon-fri: "08:00-17:00"\n'


@pytest.fixture
def cases(engine, org_tree):
    """Case 1 in North 1 with a contact, case 2 in South 1, case 3 in South (no manager
    above it), all received 30 days ago under a policy of 8 hours / 5 days; returns user ids."""
    long_ago = datetime.now(UTC) - timedelta(days=30)
    with transaction(session_factory(engine)) as s:
        complaints.save_policy(s, "*", "*", "8", "5", OFFICE, None)
        for key, unit, text, contact in (
                ("a" * 30, "North 1", "The <script>alert(1)</script> queue was an hour long", "eve@example.org"),
                ("b" * 30, "South 1", "Wrong fee on my invoice", None),
                ("c" * 30, "South", "Nobody answered the phone", None)):
            complaints.intake(s, complaints.NewComplaint(
                key=key, unit_id=org_tree[unit], text=text, source="form", received_at=long_ago,
                contact=complaints.ContactDetails(name="Eve", email=contact, consent=True) if contact else None))
        return {u.email.split("@")[0]: u.id for u in s.scalars(select(User))}


def _case(engine, cid):
    with session_factory(engine)() as s:
        return s.get(Complaint, cid)


def _post(client, path, **data):
    token = csrf_of(client.get("/admin/sla").text)  # (the list would escalate these overdue cases)
    return client.post(path, data={"csrf_token": token, **data}, follow_redirects=False)


def test_a_case_goes_from_new_to_closed_and_may_be_reopened(client, cases, engine):
    sign_in(client, "admin@example.org")
    r = _post(client, "/admin/complaints/1/status", status="resolved")
    assert r.status_code == 422 and "a case that is new cannot become resolved: from new it can go to assigned" in r.text
    assert _post(client, "/admin/complaints/1/status", status="assigned").status_code == 422  # no owner yet
    assert _case(engine, 1).status == "new"
    assert _post(client, "/admin/complaints/1/assign", owner_id=str(cases["analyst"])).status_code == 303
    c = _case(engine, 1)
    assert (c.status, c.owner_id) == ("assigned", cases["analyst"]) and c.acknowledged_at is not None
    for status in ("in_progress", "resolved", "closed"):
        assert _post(client, "/admin/complaints/1/status", status=status).status_code == 303, status
    c = _case(engine, 1)
    assert c.status == "closed" and c.resolved_at is not None and c.closed_at is not None
    r = _post(client, "/admin/complaints/1/status", status="resolved")
    assert r.status_code == 422 and "from closed it can go to in progress" in r.text
    assert _post(client, "/admin/complaints/1/status", status="in_progress").status_code == 303  # reopen
    c = _case(engine, 1)
    assert (c.status, c.resolved_at, c.closed_at) == ("in_progress", None, None)
    page = client.get("/admin/complaints/1").text
    history = page[page.index('id="history"'):]
    kinds = re.findall(r"<strong>([a-z ]+)</strong>", history)
    assert kinds == ["received", "assigned", "status", "status", "status", "status", "reopened"]
    assert "closed → in progress" in history


def test_notes_replies_and_relabels_are_kept_in_the_history(client, cases, engine):
    sign_in(client, "north@example.org")
    assert _post(client, "/admin/complaints/1/note", text="Called the branch <b>manager</b>").status_code == 303
    assert _post(client, "/admin/complaints/1/reply", text="We are sorry; the queue system is fixed.").status_code == 303
    assert _post(client, "/admin/complaints/1/note", text="   ").status_code == 422
    r = _post(client, "/admin/complaints/1/relabel", dimension="nonsense")
    assert r.status_code == 422 and "unknown dimension &#39;nonsense&#39;" in r.text
    assert _case(engine, 1).dimension == "responsiveness"  # the classifier's label
    assert _post(client, "/admin/complaints/1/relabel", dimension="tangibles").status_code == 303
    c = _case(engine, 1)
    assert c.reply == "We are sorry; the queue system is fixed." and c.dimension == "tangibles"
    assert c.acknowledged_at is not None  # a reply acknowledges
    with session_factory(engine)() as s:
        [example] = list(s.scalars(select(TrainingExample)))
        assert (example.text, example.dimension, example.complaint_id) == (c.text, "tangibles", 1)
        assert example.added_by == s.scalar(select(User.id).where(User.email == "north@example.org"))
        kinds = [e.kind for e in s.scalars(select(CaseEvent).where(CaseEvent.complaint_id == 1).order_by(CaseEvent.id))]
    assert kinds == ["received", "note", "reply", "relabel"]
    page = client.get("/admin/complaints/1").text
    assert "Called the branch &lt;b&gt;manager&lt;/b&gt;" in page and "<b>manager</b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page
    assert "Responsiveness → Tangibles" in page  # the dimensions by their names


def test_contact_details_are_shown_to_the_owner_and_administrators_only(client, cases):
    sign_in(client, "admin@example.org")
    assert "eve@example.org" in client.get("/admin/complaints/1").text
    for who in ("analyst@example.org", "north@example.org"):
        client.cookies.clear()
        sign_in(client, who)
        page = client.get("/admin/complaints/1").text
        assert "eve@example.org" not in page and "shown to the case&#39;s owner and to administrators only" in page
    assert _post(client, "/admin/complaints/1/assign", owner_id=str(cases["north"])).status_code == 303
    assert "eve@example.org" in client.get("/admin/complaints/1").text  # north now owns it


def test_unit_managers_see_and_change_only_their_subtrees_cases(client, cases, engine):
    sign_in(client, "south1@example.org")
    listing = client.get("/admin/complaints").text
    assert 'href="/admin/complaints/2"' in listing and 'href="/admin/complaints/1"' not in listing
    assert 'href="/admin/complaints/3"' not in listing  # South is above South 1: not theirs
    assert client.get("/admin/complaints/1").status_code == 404
    for action, data in (("assign", {"owner_id": str(cases["south1"])}), ("status", {"status": "assigned"}),
                         ("note", {"text": "x"}), ("reply", {"text": "x"}), ("relabel", {"dimension": "empathy"})):
        r = _post(client, f"/admin/complaints/1/{action}", **data)
        assert r.status_code == 404 and "No such complaint" in r.text, action
    c = _case(engine, 1)  # escalated to North's manager by the list view, and nothing else
    assert (c.owner_id, c.reply, c.dimension) == (cases["north"], "", "responsiveness")
    with session_factory(engine)() as s:
        assert [e.kind for e in s.scalars(select(CaseEvent).where(CaseEvent.complaint_id == 1))] == \
            ["received", "escalated", "assigned", "status"]
    # a manager may not make an outsider the owner of their case
    r = _post(client, "/admin/complaints/2/assign", owner_id=str(cases["north"]))
    assert r.status_code == 422 and "cannot own this case" in r.text


def test_forms_without_csrf_token_change_nothing(client, cases, engine):
    sign_in(client, "admin@example.org")
    r = client.post("/admin/complaints/1/note", data={"text": "sneaky"})
    assert r.status_code == 403
    r = client.post("/admin/sla", data={"category": "*", "tier": "*", "acknowledge_hours": "1", "resolve_days": "1",
                                        "calendar": OFFICE})
    assert r.status_code == 403
    with session_factory(engine)() as s:
        assert [e.kind for e in s.scalars(select(CaseEvent).where(CaseEvent.complaint_id == 1))] == ["received"]
        assert s.scalar(select(SlaPolicyRecord)).acknowledge_hours == 8


def test_the_list_filters_by_unit_status_dimension_and_overdue(client, cases, engine, org_tree):
    with transaction(session_factory(engine)) as s:
        fresh = complaints.NewComplaint(key="d" * 30, unit_id=org_tree["Team A"], text="Slow", source="api",
                                        received_at=datetime.now(UTC))
        complaints.intake(s, fresh, {"dimension": "responsiveness"})
    sign_in(client, "analyst@example.org")

    def ids(**params):
        page = client.get("/admin/complaints", params=params)
        assert page.status_code == 200, page.text
        return sorted(int(i) for i in re.findall(r'href="/admin/complaints/(\d+)">#', page.text))

    assert ids() == [1, 2, 3, 4]
    assert ids(unit=org_tree["North"]) == [1, 4] and ids(unit=org_tree["South"]) == [2, 3]
    assert ids(dimension="price_billing") == [2]
    assert ids(overdue="1") == [1, 2, 3]  # case 4 is fresh
    assert ids(status="closed") == [] and ids(status="open") == [1, 2, 3, 4]
    r = client.get("/admin/complaints", params={"status": "lost"})
    assert r.status_code == 422 and "status: must be one of" in r.text


def test_overdue_cases_escalate_to_the_units_manager_once(client, cases, engine):
    sign_in(client, "analyst@example.org")
    assert client.get("/admin/complaints").status_code == 200  # the list view escalates
    with session_factory(engine)() as s:
        c1, c2, c3 = (s.get(Complaint, i) for i in (1, 2, 3))
        assert (c1.escalated_to_id, c1.owner_id, c1.status) == (cases["north"], cases["north"], "assigned")
        assert (c2.escalated_to_id, c2.owner_id) == (cases["south1"], cases["south1"])
        assert c3.escalated_to_id is None and c3.owner_id is None and c3.escalated_at is not None
        events = [(e.complaint_id, e.kind) for e in s.scalars(select(CaseEvent).order_by(CaseEvent.id))]
    assert events.count((1, "escalated")) == 1
    client.get("/admin/complaints")
    with session_factory(engine)() as s:
        assert len(list(s.scalars(select(CaseEvent).where(CaseEvent.kind == "escalated")))) == 3  # not again
    assert "escalated" in client.get("/admin/complaints/3").text and "administrators" in \
        client.get("/admin/complaints/3").text
    client.cookies.clear()
    sign_in(client, "south1@example.org")
    assert "1 escalated to you" in client.get("/admin/complaints").text
    assert "1 escalated to you" in client.get("/admin/surveys").text


def test_escalate_command(database_url, cases, engine, monkeypatch, capsys):
    monkeypatch.setenv("SERVQ_DATABASE_URL", database_url)
    with pytest.raises(SystemExit) as exit_:
        main(["complaints", "escalate"])
    assert exit_.value.code == 0 and "escalated 3 overdue complaint(s): #1, #2, #3" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["complaints", "escalate"])
    assert "escalated 0 overdue complaint(s)" in capsys.readouterr().out


def test_sla_policies_page_adds_replaces_and_names_mistakes(client, cases, engine):
    sign_in(client, "analyst@example.org")
    page = client.get("/admin/sla").text
    assert 'id="policies"' in page and "Europe/Stockholm; mon 08:00-17:00" in page
    token = csrf_of(page)
    bad = client.post("/admin/sla", data={"csrf_token": token, "category": "reliability", "tier": "Platinum",
                                          "acknowledge_hours": "-1", "resolve_days": "1.5",
                                          "calendar": 'timezone: Mars/Base\nhours:\n  mon-fri: 8\n'})
    assert bad.status_code == 422
    for field, words in (("tier", "no customer tier named &#39;Platinum&#39;"), ("acknowledge_hours", "from 0 to 10000"),
                         ("resolve_days", "a whole number"), ("calendar", "line 1, timezone: unknown time zone")):
        assert f'id="err-{field}"' in bad.text and words in bad.text, field
    assert "line 3, hours.mon-fri: write working hours as text in quotes" in bad.text
    with session_factory(engine)() as s:
        assert len(list(s.scalars(select(SlaPolicyRecord)))) == 1
    ok = client.post("/admin/sla", data={"csrf_token": token, "category": "reliability", "tier": "*",
                                         "acknowledge_hours": "4", "resolve_days": "3", "calendar": OFFICE},
                     follow_redirects=False)
    assert ok.status_code == 303
    again = client.post("/admin/sla", data={"csrf_token": token, "category": "Reliability", "tier": "*",
                                            "acknowledge_hours": "2", "resolve_days": "1", "calendar": OFFICE},
                        follow_redirects=False)
    assert again.status_code == 303
    with session_factory(engine)() as s:
        rows = {(p.category, p.tier): (p.acknowledge_hours, p.resolve_days) for p in s.scalars(select(SlaPolicyRecord))}
        assert rows == {("*", "*"): (8, 5), ("reliability", "*"): (2, 1)}  # replaced, not doubled
        rid = s.scalar(select(SlaPolicyRecord.id).where(SlaPolicyRecord.category == "reliability"))
        assert [a.action for a in s.scalars(select(AuditEntry).where(AuditEntry.action.like("sla.%")))] == \
            ["sla.create", "sla.create", "sla.replace"]
    # a new reliability complaint gets the more specific policy
    with transaction(session_factory(engine)) as s:
        now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday, 10:00 in Stockholm
        cid = complaints.intake(s, complaints.NewComplaint(key="e" * 30, unit_id=1, text="x", source="api",
                                                           received_at=now), {"dimension": "reliability"})
        assert s.get(Complaint, cid).ack_due == datetime(2026, 3, 2, 11, 0, tzinfo=UTC)
    assert client.post(f"/admin/sla/{rid}/delete", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    client.cookies.clear()
    sign_in(client, "north@example.org")
    page = client.get("/admin/sla").text
    assert 'action="/admin/sla"' not in page  # may read, not change
    assert client.post("/admin/sla", data={"csrf_token": csrf_of(page)}).status_code == 403


def test_the_review_queue_holds_the_unsure_classifications_least_sure_first(client, cases, engine):
    """Below the classifier's calibrated threshold a case's dimension needs a person: the
    queue lists those, the least sure first; a relabelled case leaves it."""
    threshold = complaints.review_threshold()
    assert 0 < threshold < 1  # the built-in model's, from its out-of-fold precision
    with transaction(session_factory(engine)) as s:
        for cid, conf in ((1, threshold - 0.2), (2, threshold + 0.1), (3, threshold - 0.05), (4, None)):
            c = s.get(Complaint, cid)
            if c is None:
                continue
            c.confidence = conf
    sign_in(client, "analyst@example.org")
    page = client.get("/admin/complaints", params={"review": "1"})
    assert page.status_code == 200, page.text
    assert [int(i) for i in re.findall(r'href="/admin/complaints/(\d+)">#', page.text)] == [1, 3]
    assert "2 need a person&#39;s classification" in client.get("/admin/complaints").text
    assert client.get("/admin/complaints", params={"review": "maybe"}).status_code == 422
    assert _post(client, "/admin/complaints/1/relabel", dimension="empathy").status_code == 303
    ids = [int(i) for i in re.findall(r'href="/admin/complaints/(\d+)">#',
                                      client.get("/admin/complaints", params={"review": "1"}).text)]
    assert ids == [3]
    with session_factory(engine)() as s:
        assert s.scalar(select(TrainingExample.dimension).where(TrainingExample.complaint_id == 1)) == "empathy"
