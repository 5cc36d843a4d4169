"""Webhooks: signed events posted to the organisation's endpoints.

Events: ``response.created`` (a survey was answered) and ``complaint.created`` (a complaint
was received). They are recorded in the transaction that stores the response or complaint
(:func:`emit`: a delivery row per subscribed endpoint and a ``webhook.deliver`` job), so an
event exists exactly when its response does; the worker posts it, retrying with
exponential backoff, and the delivery log keeps each one's latest outcome. Delivery is *at
least once*: a receiver deduplicates by the ``Servq-Delivery`` header.

Each request carries ``Servq-Signature: t=<unix time>,v1=<hex>``, the HMAC-SHA256 of
``"<t>.<body>"`` with the endpoint's secret (docs/runs.md shows how to check it). Nothing
personal is in a payload: respondents are anonymous, and a complaint's event has neither
its text nor its contact.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
from collections.abc import Callable
from datetime import datetime
from functools import cache
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from ..errors import UsageError
from ..store import jobs
from ..store.db import transaction
from ..store.models import Complaint, Response, User, WebhookDelivery, WebhookEndpoint
from . import egress
from .accounts import audit
from .languages import Msg
from .security import new_token
from .settings import Settings

EVENTS = ("response.created", "complaint.created")
TEST_EVENT = "webhook.test"
ERROR_LENGTH = 1000
ATTEMPTS = 8  # of a delivery, the first wait SERVQ_WEBHOOK_RETRY_SECONDS, doubled after each


def add_endpoint(session: Session, url: str, events: list[str], actor: User | None,
                 allowed: tuple[egress.Network, ...] = ()) -> WebhookEndpoint:
    """A new endpoint for ``events`` with a random secret (shown to the administrator); not
    on an address outside the public internet but in the ``allowed`` networks (egress.py)."""
    url = url.strip()
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = -1
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 2000 or not url.isprintable() \
            or port == -1 or parts.username is not None:
        raise UsageError(Msg("webhooks.msg.url"))
    egress.check_host(parts.hostname, allowed)
    chosen = [e for e in EVENTS if e in events]
    if not chosen or len(chosen) != len(set(events)):
        raise UsageError(Msg("webhooks.msg.events"))
    endpoint = WebhookEndpoint(url=url, secret="whsec_" + new_token(), events=chosen, active=True,
                               created_by=actor.id if actor else None)
    session.add(endpoint)
    session.flush()
    audit(session, actor, "webhook.create", url, {"id": endpoint.id, "events": chosen})
    return endpoint


def remove_endpoint(session: Session, endpoint: WebhookEndpoint, actor: User | None) -> None:
    audit(session, actor, "webhook.delete", endpoint.url, {"id": endpoint.id})
    session.delete(endpoint)
    session.flush()


@cache
def _insert(dialect: str):
    module = postgresql if dialect == "postgresql" else sqlite
    table = WebhookDelivery.__table__
    return module.insert(table).on_conflict_do_nothing(index_elements=["endpoint_id", "event_key"]) \
        .returning(table.c.id)


def subscribed(session: Session, event: str) -> list[int]:
    """The active endpoints that take ``event`` (one small query: most installations have none)."""
    return [i for i, events in session.execute(
        select(WebhookEndpoint.id, WebhookEndpoint.events).where(WebhookEndpoint.active.is_(True))) if event in events]


def emit(session: Session, event: str, key: str, payload: Callable[[], dict], now: datetime) -> int:
    """Record ``event`` (``key``: what it is about, e.g. ``response:12``; once per endpoint)
    for every active endpoint that takes it, each with its delivery job; how many.
    ``payload`` is made only when some endpoint takes the event."""
    endpoints = subscribed(session, event)
    if not endpoints:
        return 0
    body = payload()
    conn = session.connection()
    made = 0
    for endpoint_id in endpoints:
        delivery = conn.execute(_insert(conn.dialect.name), dict(
            endpoint_id=endpoint_id, event=event, event_key=key, payload=body, status="pending", attempts=0,
            error="", created_at=now)).scalar()
        if delivery is not None:
            jobs.enqueue(session, "webhook.deliver", f"webhook:{delivery}", {"delivery_id": delivery}, now=now,
                         max_attempts=ATTEMPTS)
            made += 1
    return made


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def response_event(session: Session, response_id: int, now: datetime) -> int:
    """``response.created`` for a stored response: where and when, and its answers (item
    codes and values); not its free-text comment, which may name someone."""
    def payload() -> dict:
        r = session.get(Response, response_id)
        return {"response_id": r.id, "survey_id": r.survey_id, "unit_id": r.unit_id, "channel_id": r.channel_id,
                "tier_id": r.tier_id, "language": r.language, "submitted_at": _when(r.submitted_at),
                "answers": r.answers, "has_comment": bool(r.comment)}
    return emit(session, "response.created", f"response:{response_id}", payload, now)


def complaint_event(session: Session, complaint_id: int, now: datetime) -> int:
    """``complaint.created``: the complaint's classification and due times; not its text or contact."""
    def payload() -> dict:
        c = session.get(Complaint, complaint_id)
        return {"complaint_id": c.id, "received_at": _when(c.received_at), "unit_id": c.unit_id,
                "channel_id": c.channel_id, "tier_id": c.tier_id, "source": c.source, "language": c.language,
                "dimension": c.dimension, "severity": c.severity, "sentiment": c.sentiment, "status": c.status,
                "acknowledge_due": _when(c.ack_due), "resolve_due": _when(c.resolve_due)}
    return emit(session, "complaint.created", f"complaint:{complaint_id}", payload, now)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The ``Servq-Signature`` header of ``body`` sent at ``timestamp`` (unix seconds).

    >>> signature("whsec_x", 1700000000, b"{}")
    't=1700000000,v1=be8cb8325f2202445260a855532f967e30ad2a9394ce28da66ee02880ddcb661'
    """
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def post(url: str, secret: str, event: str, delivery_id: int, payload: dict, timeout: float,
         allowed: tuple[egress.Network, ...] = ()) -> tuple[int | None, str]:
    """POST one event, only to a public address or one in ``allowed`` (egress.py); (the HTTP
    status or None, an error text or "")."""
    body = json.dumps({"event": event, "delivery_id": delivery_id, "data": payload}, ensure_ascii=False,
                      separators=(",", ":")).encode()
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/json", "User-Agent": "servq-webhooks", "Servq-Event": event,
        "Servq-Delivery": str(delivery_id), "Servq-Signature": signature(secret, int(time.time()), body)})
    try:
        with egress.opener(allowed).open(request, timeout=timeout) as answer:
            return answer.status, ""
    except urllib.error.HTTPError as exc:
        return exc.code, f"HTTP {exc.code} {exc.reason}"
    except (OSError, ValueError) as exc:
        return None, f"{type(exc).__name__}: {exc}"


def attempt(factory: sessionmaker[Session], delivery_id: int, settings: Settings, clock: Callable[[], datetime]
            ) -> tuple[bool, str]:
    """Post the delivery and log the attempt: (delivered, error)."""
    with transaction(factory) as session:
        delivery = session.get(WebhookDelivery, delivery_id)
        if delivery is None:  # its endpoint was removed
            return True, ""
        endpoint = session.get(WebhookEndpoint, delivery.endpoint_id)
        url, secret, event, payload = endpoint.url, endpoint.secret, delivery.event, dict(delivery.payload)
    code, error = post(url, secret, event, delivery_id, payload, settings.webhook_timeout,
                       egress.networks(settings.webhook_networks))
    ok = code is not None and 200 <= code < 300
    with transaction(factory) as session:
        delivery = session.get(WebhookDelivery, delivery_id)
        if delivery is not None:
            now = clock()
            delivery.attempts += 1
            delivery.response_code, delivery.error, delivery.last_attempt_at = code, error[:ERROR_LENGTH], now
            if ok:
                delivery.status, delivery.delivered_at = "delivered", now
    return ok, error or f"HTTP {code}"


def give_up(session: Session, delivery_id: int) -> None:
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is not None:
        delivery.status = "failed"


def send_test_event(factory: sessionmaker[Session], endpoint_id: int, settings: Settings, clock: Callable[[], datetime]
                  ) -> WebhookDelivery:
    """Post a ``webhook.test`` event to the endpoint now (the test button), logged like any."""
    with transaction(factory) as session:
        now = clock()
        delivery = WebhookDelivery(endpoint_id=endpoint_id, event=TEST_EVENT, event_key=f"test:{new_token()}",
                                   payload={"message": "servq webhook test", "sent_at": now.isoformat()},
                                   status="pending", attempts=0, error="", created_at=now)
        session.add(delivery)
        session.flush()
        delivery_id = delivery.id
    ok, _error = attempt(factory, delivery_id, settings, clock)
    with transaction(factory) as session:
        if not ok:
            give_up(session, delivery_id)
        return session.get(WebhookDelivery, delivery_id)


def log(session: Session, limit: int = 200) -> list[tuple[WebhookDelivery, str]]:
    """The latest deliveries with their endpoint's URL."""
    return list(session.execute(select(WebhookDelivery, WebhookEndpoint.url)
                                .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
                                .order_by(WebhookDelivery.id.desc()).limit(limit)))
