"""Erasure (``servq privacy erase``) and retention (``servq privacy purge``, and at every
server start) of contact details: the complaints stay and keep counting, the contacts go,
the customer key can no longer be computed from the address, and it is all audited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from web_helpers import sign_in

from servq.cli import main
from servq.store.db import session_factory, transaction
from servq.store.models import (
    AuditEntry,
    CaseEvent,
    Complaint,
    ComplaintContact,
    Contact,
    Invitation,
    Survey,
)
from servq.web import complaints, privacy
from servq.web.app import create_app
from servq.web.security import new_token


def _complaint(s, unit_id, key, email="", phone="", text="The queue was an hour long"):
    contact = complaints.ContactDetails(name="Kim", email=email, phone=complaints.normalise_phone(phone) if phone
                                        else "", consent=True) if email or phone else None
    return complaints.intake(s, complaints.NewComplaint(key=key * 30, unit_id=unit_id, text=text, source="form",
                                                        received_at=datetime.now(UTC), contact=contact))


@pytest.fixture
def people(engine, org_tree, database_url, monkeypatch):
    """Kim complained twice by e-mail and once by phone and was invited to a survey; Lee once."""
    monkeypatch.setenv("SERVQ_DATABASE_URL", database_url)
    with transaction(session_factory(engine)) as s:
        unit = org_tree["North 1"]
        ids = {"kim1": _complaint(s, unit, "a", email="kim@example.org"),
               "kim2": _complaint(s, unit, "b", email="KIM@example.org"),
               "kim_phone": _complaint(s, unit, "c", phone="+46 70 111 22 33"),
               "lee": _complaint(s, unit, "d", email="lee@example.org"),
               "anonymous": _complaint(s, unit, "e")}
        survey = s.scalar(select(Survey))
        inv = Invitation(token_hash=new_token(), survey_id=survey.id, unit_id=unit,
                         expires_at=datetime.now(UTC) + timedelta(days=30))
        s.add(inv)
        s.flush()
        s.add(Contact(invitation_id=inv.id, email="kim@example.org", name="Kim"))
        return ids


def _state(engine):
    with session_factory(engine)() as s:
        keys = {c.id: c.customer_key for c in s.scalars(select(Complaint))}
        contacts = {c.complaint_id: c.email or c.phone for c in s.scalars(select(ComplaintContact))}
        survey_contacts = [c.email for c in s.scalars(select(Contact))]
        return keys, contacts, survey_contacts


def test_erasure_by_email_deletes_the_contacts_and_keeps_the_complaints(people, engine, capsys):
    keys_before, _, _ = _state(engine)
    assert keys_before[people["kim1"]] == keys_before[people["kim2"]]  # the same customer
    with pytest.raises(SystemExit) as exit_:
        main(["privacy", "erase", "--contact", "Kim@Example.org"])
    assert exit_.value.code == 0
    assert "erased 2 complaint contact(s), 1 survey contact(s) and 0 customer list entries; 2 complaint(s) kept, re-keyed" in \
        capsys.readouterr().out
    keys, contacts, survey_contacts = _state(engine)
    assert set(keys) == set(keys_before)  # every complaint is still there
    assert contacts == {people["kim_phone"]: "+46701112233", people["lee"]: "lee@example.org"}
    assert survey_contacts == []
    # still one customer (repeat counts unchanged), but no longer the hash of the address
    assert keys[people["kim1"]] == keys[people["kim2"]] != keys_before[people["kim1"]]
    with session_factory(engine)() as s:
        assert complaints.customer_key(complaints.salt(s), complaints.ContactDetails(email="kim@example.org")) \
            not in keys.values()
        entry = s.scalar(select(AuditEntry).where(AuditEntry.action == "privacy.erase"))
        assert entry.actor == "command line" and entry.target == "contact by e-mail"
        assert entry.detail["complaints"] == sorted([people["kim1"], people["kim2"]])
        assert "kim" not in str(entry.detail).lower() and "kim" not in entry.target.lower()
        erased = [e.complaint_id for e in s.scalars(select(CaseEvent).where(CaseEvent.kind == "contact_erased"))]
        assert sorted(erased) == sorted([people["kim1"], people["kim2"]])


def test_erasure_by_phone_and_mistakes(people, engine, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["privacy", "erase", "--contact", "070-111 22 33"])  # not the same number without +46
    assert exit_.value.code == 0 and "erased 0 complaint contact(s)" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exit_:
        main(["privacy", "erase", "--contact", "+46 (70) 111 22 33"])
    assert exit_.value.code == 0 and "erased 1 complaint contact(s)" in capsys.readouterr().out
    assert people["kim_phone"] not in _state(engine)[1]
    with pytest.raises(SystemExit) as exit_:
        main(["privacy", "erase", "--contact", "nobody"])
    err = capsys.readouterr().err
    assert exit_.value.code == 1 and "must be an e-mail address or a phone number" in err and "Traceback" not in err


def test_an_erased_contact_is_gone_from_the_case_page(client, people):
    sign_in(client, "admin@example.org")
    assert "kim@example.org" in client.get(f"/admin/complaints/{people['kim1']}").text
    with pytest.raises(SystemExit):
        main(["privacy", "erase", "--contact", "kim@example.org"])
    page = client.get(f"/admin/complaints/{people['kim1']}").text
    assert "kim@example.org" not in page and "No contact details" in page and "contact erased" in page


def test_retention_purges_old_contacts_only(people, engine, capsys):
    old = datetime.now(UTC) - timedelta(days=400)
    with transaction(session_factory(engine)) as s:
        s.execute(update(ComplaintContact).where(ComplaintContact.complaint_id.in_([people["kim1"], people["lee"]]))
                  .values(created_at=old))
    with pytest.raises(SystemExit) as exit_:
        main(["privacy", "purge"])  # the default retention: 365 days
    assert exit_.value.code == 0 and "erased 2 complaint contact(s)" in capsys.readouterr().out
    keys, contacts, survey_contacts = _state(engine)
    assert set(contacts) == {people["kim2"], people["kim_phone"]} and len(keys) == 5
    assert survey_contacts == ["kim@example.org"]  # the invitation has not expired
    with pytest.raises(SystemExit):
        main(["privacy", "purge", "--days", "1"])
    assert "erased 0 complaint contact(s)" in capsys.readouterr().out
    with session_factory(engine)() as s:
        assert [a.detail["complaint_contacts"] for a in s.scalars(select(AuditEntry).where(
            AuditEntry.action == "privacy.purge"))] == [2]  # a purge that erases nothing is not logged
    with transaction(session_factory(engine)) as s, pytest.raises(Exception, match="at least 1 day"):
        privacy.purge_contacts(s, 0, datetime.now(UTC))


def test_the_server_purges_at_start(settings, people, engine):
    with transaction(session_factory(engine)) as s:
        s.execute(update(ComplaintContact).where(ComplaintContact.complaint_id == people["lee"])
                  .values(created_at=datetime.now(UTC) - timedelta(days=40)))
    short = settings.model_copy(update={"contact_retention_days": 30})
    with TestClient(create_app(short), base_url="https://testserver") as client:
        assert client.get("/healthz").status_code == 200
    assert people["lee"] not in _state(engine)[1] and people["kim1"] in _state(engine)[1]
