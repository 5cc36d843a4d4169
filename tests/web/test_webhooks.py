"""Webhooks: an administrator adds an endpoint, new responses and complaints are posted to
it signed (checked here by a receiver on the loopback, as docs/runs.md shows), a failed
delivery is retried with backoff, every attempt is in the delivery log, and the test
button posts at once. Nothing personal is in an event."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from web_helpers import answer_all, csrf_of, sign_in
from webhook_helpers import Receiver

from servq.store.db import session_factory, transaction
from servq.store.models import Job, Survey, WebhookDelivery
from servq.web import complaints
from servq.web.worker import Worker


def verify(secret: str, header: str, body: bytes, now: float, tolerance: float = 300) -> bool:
    """The receiver's check of ``Servq-Signature`` (the snippet of docs/runs.md)."""
    parts = dict(item.split("=", 1) for item in header.split(","))
    expected = hmac.new(secret.encode(), parts["t"].encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts["v1"]) and abs(now - int(parts["t"])) <= tolerance


@pytest.fixture
def settings(settings):
    """The receiver is on the loopback, which webhooks may reach only when allowed."""
    return settings.model_copy(update={"webhook_networks": ["127.0.0.1"]})


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


class Clock:
    def __init__(self):
        self.offset = timedelta()

    def __call__(self):
        return datetime.now(UTC) + self.offset


def _add_endpoint(client, url: str, events=("response.created", "complaint.created")) -> str:
    sign_in(client, "admin@example.org")
    page = client.get("/admin/webhooks")
    assert page.status_code == 200 and "No endpoints." in page.text
    added = client.post("/admin/webhooks", data={"csrf_token": csrf_of(page.text), "url": url, "events": list(events)})
    assert added.status_code == 200
    return re.search(r'<pre class="snippet">(whsec_[\w-]+)</pre>', added.text).group(1)


def test_responses_and_complaints_are_posted_signed_and_retried(client, engine, org_tree, settings, receiver):
    secret = _add_endpoint(client, receiver.url)
    with session_factory(engine)() as s:
        slug = s.scalar(select(Survey.slug))
    client.cookies.clear()
    done, _ = answer_all(client, client.get(f"/s/{slug}/u/{org_tree['North 1']}?lang=en").text)
    assert "Thank you!" in done
    with transaction(session_factory(engine)) as s:
        complaints.intake(s, complaints.NewComplaint(
            key="c" * 30, unit_id=org_tree["North 1"], text="Kim Larsson waited an hour", source="form",
            received_at=datetime.now(UTC), contact=complaints.ContactDetails(name="Kim", email="kim@example.org")))
    receiver.codes = [500]  # the first delivery fails
    clock = Clock()
    worker = Worker(settings, session_factory(engine), clock=clock)
    worker.run_once()
    assert len(receiver.requests) == 2
    with session_factory(engine)() as s:
        log = {d.event: d for d in s.scalars(select(WebhookDelivery))}
        assert log["response.created"].status == "pending" and log["response.created"].response_code == 500
        assert log["complaint.created"].status == "delivered" and log["complaint.created"].response_code == 200
        retry = s.scalar(select(Job).where(Job.status == "queued"))
        assert retry is not None and retry.run_at > clock() + timedelta(seconds=25)
    assert worker.run_once() == 0  # not yet
    clock.offset = timedelta(seconds=31)
    worker.run_once()
    assert len(receiver.requests) == 3
    events = {}
    for headers, body in receiver.requests:
        assert headers["content-type"] == "application/json"
        assert verify(secret, headers["servq-signature"], body, datetime.now(UTC).timestamp())
        assert not verify(secret, headers["servq-signature"], body + b" ", datetime.now(UTC).timestamp())
        sent = json.loads(body)
        assert sent["event"] == headers["servq-event"] and str(sent["delivery_id"]) == headers["servq-delivery"]
        events[sent["event"]] = sent["data"]
    response = events["response.created"]
    assert response["unit_id"] == org_tree["North 1"] and response["language"] == "en" and response["has_comment"]
    assert response["answers"]["P1"] == 6
    complaint = events["complaint.created"]
    assert complaint["unit_id"] == org_tree["North 1"] and complaint["source"] == "form"
    everything = b" ".join(body for _, body in receiver.requests).decode()
    assert "Kim" not in everything and "kim@example.org" not in everything and "friendly" not in everything
    with session_factory(engine)() as s:
        assert {d.status for d in s.scalars(select(WebhookDelivery))} == {"delivered"}
    sign_in(client, "admin@example.org")
    log_page = client.get("/admin/webhooks").text
    assert log_page.count("<td>delivered</td>") == 2 and "response.created" in log_page


def test_the_test_button_posts_at_once_and_logs_the_answer(client, engine, org_tree, receiver):
    _add_endpoint(client, receiver.url, ["response.created"])
    page = client.get("/admin/webhooks").text
    receiver.codes = [404]
    tested = client.post("/admin/webhooks/1/test", data={"csrf_token": csrf_of(page)})
    assert tested.status_code == 200 and 'id="tested"' in tested.text and "failed (404)" in tested.text
    tested = client.post("/admin/webhooks/1/test", data={"csrf_token": csrf_of(page)})
    assert "delivered (200)" in tested.text
    assert [json.loads(body)["event"] for _, body in receiver.requests] == ["webhook.test", "webhook.test"]
    assert client.post("/admin/webhooks/1/test", data={}).status_code == 403  # no CSRF token
    assert client.post("/admin/webhooks/9/test", data={"csrf_token": csrf_of(page)}).status_code == 404


def test_only_administrators_manage_webhooks_and_bad_endpoints_are_refused(client):
    sign_in(client, "analyst@example.org")
    assert client.get("/admin/webhooks").status_code == 403
    client.cookies.clear()
    sign_in(client, "admin@example.org")
    page = client.get("/admin/webhooks").text
    for url, events in (("ftp://example.org/x", ["response.created"]), ("https://example.org/x", []),
                        ("https://example.org/x", ["response.deleted"])):
        r = client.post("/admin/webhooks", data={"csrf_token": csrf_of(page), "url": url, "events": events})
        assert r.status_code == 422 and 'id="problems"' in r.text
    sv = client.get("/admin/webhooks", headers={"Accept-Language": "sv"})
    assert sv.status_code == 200
