"""The e-mail outbox: invitations and reminders of scheduled waves, unit managers' reports
(report_mail.py) and supervisors' invitations (supervisor_mail.py), each sent at most once.

A message is a row (``outbox``) with a unique idempotency key (``invitation:<member>``,
``reminder:<member>``, ``report:<report>``, ``supervisor:<supervisor>:<number>``) and a
Message-ID fixed when it is queued. Sending one:

1. the worker claims a batch of due messages for its lease (``FOR UPDATE SKIP LOCKED`` on
   PostgreSQL; SQLite's single writer) and counts an attempt;
2. it opens the SMTP transaction (MAIL, RCPT) and only then commits ``sending``; a crash
   before this commit leaves the message ``queued``: taken again after the lease and sent
   then (the server discards a transaction that never reached DATA);
3. it hands the server the message (DATA) and commits ``sent`` when the server accepted it.

A message found ``sending`` after its lease (the worker was killed between 2 and 3) is
marked ``unknown`` and never sent again: *at most once*. The price is that a crash in that
window — while the message is handed over, or between the server's acceptance and the
commit of ``sent`` — may lose a message (status ``unknown``; it may have arrived) but never
sends one twice. A refusal (4xx) or a failed connection before DATA is retried with
exponential backoff, then ``failed`` with the server's answer; a 5xx refusal fails at once.

The links in a message (the single-use invitation and the unsubscribe link) are derived
from ``SERVQ_SECRET_KEY`` (:func:`~.security.derived_token`) each time it is composed, so
the database holds only their hashes.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from functools import cache

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from ..store.db import transaction
from ..store.jobs import ERROR_LENGTH, backoff
from ..store.models import Customer, Invitation, OutboxMessage, Survey, Wave, WaveMember
from . import report_mail, supervisor_mail
from .languages import day, t
from .names import title_in
from .security import derived_token
from .settings import Settings
from .smtp import WIRE, Mailer, NotSent, Uncertain

BATCH = 50  # messages claimed at once (at most the rate's room)


def invitation_token(secret: str, wave_id: int, customer_id: int) -> str:
    return derived_token(secret, f"invitation:{wave_id}:{customer_id}")


def unsubscribe_token(secret: str, wave_id: int, customer_id: int) -> str:
    return derived_token(secret, f"unsubscribe:{wave_id}:{customer_id}")


@cache
def _insert(dialect: str):
    module = postgresql if dialect == "postgresql" else sqlite
    table = OutboxMessage.__table__
    return module.insert(table).on_conflict_do_nothing(index_elements=["key"]).returning(table.c.id)


def queue(session: Session, member_id: int, kind: str, now: datetime, sender: str) -> bool:
    """Queue the ``kind`` message (invitation, reminder) of a wave member, once: False when
    it was queued before."""
    return _queue(session, f"{kind}:{member_id}", kind, now, sender, member_id=member_id)


def queue_report(session: Session, report_id: int, now: datetime, sender: str) -> bool:
    """Queue the e-mail of a unit manager's report (manager_reports.py), once."""
    return _queue(session, f"report:{report_id}", "report", now, sender, report_id=report_id)


def queue_supervisor(session: Session, supervisor_id: int, number: int, now: datetime, sender: str) -> bool:
    """Queue invitation number ``number`` of a supervisor (supervisor_mail.py), once."""
    return _queue(session, f"supervisor:{supervisor_id}:{number}", "supervisor", now, sender,
                  supervisor_id=supervisor_id)


def _queue(session: Session, key: str, kind: str, now: datetime, sender: str, **recipient: int) -> bool:
    domain = parseaddr(sender)[1].rpartition("@")[2] or "servq.invalid"
    conn = session.connection()
    done = conn.execute(_insert(conn.dialect.name), dict(
        key=key, kind=kind, status="queued", attempts=0, next_attempt_at=now,
        message_id=f"<servq.{key.replace(':', '.')}.{secrets.token_hex(8)}@{domain}>", last_error="",
        created_at=now, member_id=None, report_id=None, supervisor_id=None) | recipient)
    return done.scalar() is not None


def sent_recently(session: Session, now: datetime) -> int:
    """Messages handed to the SMTP server in the last minute (by any worker)."""
    table = OutboxMessage.__table__
    return session.scalar(select(func.count()).select_from(table).where(
        table.c.sent_at > now - timedelta(minutes=1))) or 0


def claim_due(session: Session, now: datetime, lease: float, limit: int) -> tuple[str, list[int]]:
    """Claim up to ``limit`` due messages for ``lease`` seconds: (the claim, their ids)."""
    table = OutboxMessage.__table__
    due = and_(table.c.status == "queued", table.c.next_attempt_at <= now,
               or_(table.c.claimed_until.is_(None), table.c.claimed_until < now))
    ids = list(session.scalars(select(table.c.id).where(due).order_by(table.c.next_attempt_at, table.c.id)
                               .limit(limit).with_for_update(skip_locked=True)))
    claim = secrets.token_hex(16)
    if not ids:
        return claim, []
    taken = session.scalars(update(table).where(table.c.id.in_(ids), due).values(
        claim=claim, claimed_until=now + timedelta(seconds=lease), attempts=table.c.attempts + 1)
        .returning(table.c.id))
    return claim, sorted(taken)


def recover(session: Session, now: datetime) -> int:
    """Mark ``unknown`` the messages left ``sending`` by a worker that stopped (their lease
    ran out): they are not sent again."""
    table = OutboxMessage.__table__
    return session.execute(update(table).where(table.c.status == "sending", table.c.claimed_until < now).values(
        status="unknown", claimed_until=None,
        last_error="the worker stopped while handing the message to the SMTP server; not sent again "
                   "(it may have arrived)")).rowcount or 0


@dataclass(frozen=True)
class Outgoing:
    id: int
    claim: str
    email: EmailMessage


def _held(message_id: int, claim: str):
    table = OutboxMessage.__table__
    return and_(table.c.id == message_id, table.c.claim == claim)


def _set(session: Session, message_id: int, held: str, /, **values) -> bool:
    """Change the message while ``held`` is its claim (False: another worker took it)."""
    return session.execute(update(OutboxMessage.__table__).where(_held(message_id, held)).values(**values)) \
        .rowcount == 1


def language_of(customer: Customer, survey: Survey) -> str:
    """The customer's language if the survey is in it, else the survey's first."""
    return customer.language if customer.language in survey.languages else survey.languages[0]


def prepare(session: Session, message_id: int, claim: str, settings: Settings, now: datetime) -> Outgoing | None:
    """The message composed, or None: its claim was lost, or it is not to be sent any more
    (cancelled here: the customer unsubscribed, a reminder's invitation was answered, the
    wave has ended)."""
    row = session.get(OutboxMessage, message_id)
    if row is None or row.claim != claim or row.status != "queued":
        return None
    if row.attempts > settings.mail_attempts:  # claimed again and again without an outcome (the worker kept dying)
        _set(session, message_id, claim, status="failed", claimed_until=None,
             last_error=f"given up after {row.attempts - 1} attempts without an answer from the SMTP server")
        return None
    if row.report is not None:
        why, make = report_mail.not_to_send(row.report, now), lambda: report_mail.compose(settings, row.message_id,
                                                                                          row.report, now)
    elif row.supervisor_id is not None:
        why, make = supervisor_mail.invitation(session, row, settings, now)
    else:
        why, make = _wave_message(session, row, settings, now)
    if why:
        _set(session, message_id, claim, status="cancelled", last_error=why, claimed_until=None)
        return None
    try:
        email = make()
    except (ValueError, HeaderParseError) as exc:  # an address the message cannot carry
        _set(session, message_id, claim, status="failed", last_error=f"cannot address the message: {exc}",
             claimed_until=None)
        return None
    return Outgoing(message_id, claim, email)


def _wave_message(session: Session, row: OutboxMessage, settings: Settings, now: datetime):
    """(why a wave member's message is not to be sent, or None; what composes it)."""
    member = row.member
    customer, wave = member.customer, member.wave
    invitation = session.get(Invitation, member.invitation_id) if member.invitation_id else None
    why = ("the customer unsubscribed" if customer.unsubscribed_at is not None else
           "the invitation is gone" if invitation is None else
           "the customer answered before the reminder" if row.kind == "reminder" and invitation.used_at else
           "the wave has ended" if wave.ends_at <= now else None)
    return why, lambda: compose(settings, row.kind, row.message_id, customer, wave,
                                language_of(customer, wave.survey), now)


def compose(settings: Settings, kind: str, message_id: str, customer: Customer, wave: Wave, lang: str,
            now: datetime) -> EmailMessage:
    """The invitation or reminder of ``customer`` to ``wave`` in ``lang`` (plain text)."""
    secret = settings.secret()
    base = (settings.public_url or "").rstrip("/")
    link = f"{base}/i/{invitation_token(secret, wave.id, customer.id)}?lang={lang}"
    unsubscribe = f"{base}/unsubscribe/{unsubscribe_token(secret, wave.id, customer.id)}"
    title = title_in(lang, wave.survey)
    fields = dict(title=title, link=link, unsubscribe=unsubscribe, until=day(lang, wave.ends_at - timedelta(seconds=1)))
    greeting = t(lang, "mail.greeting_named", name=customer.name) if customer.name else t(lang, "mail.greeting")
    email = EmailMessage(policy=WIRE)
    email["From"] = settings.mail_from or ""
    email["To"] = Address(display_name=customer.name, addr_spec=customer.email)
    email["Subject"] = t(lang, f"mail.{kind}.subject", title=title)
    email["Date"] = format_datetime(now)
    email["Message-ID"] = message_id
    email["Auto-Submitted"] = "auto-generated"
    email["List-Unsubscribe"] = f"<{unsubscribe}>"
    email["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"  # RFC 8058: one click in the mail program
    email.set_content("\n\n".join([greeting, t(lang, f"mail.{kind}.body", **fields), link,
                                   t(lang, "mail.until", **fields), t(lang, "mail.anonymous"),
                                   t(lang, "mail.unsubscribe", **fields)]) + "\n", cte="quoted-printable")
    email["Content-Language"] = lang  # after set_content, which drops every Content-* header
    return email


def send_due(factory: sessionmaker[Session], settings: Settings, mailer: Mailer, clock: Callable[[], datetime],
             stop: Callable[[], bool] = lambda: False) -> int:
    """Send the due messages the rate allows now; how many the server accepted."""
    with transaction(factory) as session:
        now = clock()
        recover(session, now)
        room = min(BATCH, settings.mail_rate - sent_recently(session, now))
        claim, ids = claim_due(session, now, settings.worker_lease_seconds, room) if room > 0 else ("", [])
    sent = 0
    for message_id in ids:
        if stop():
            break  # the rest are taken again after the lease
        with transaction(factory) as session:
            outgoing = prepare(session, message_id, claim, settings, clock())
        if outgoing is not None:
            sent += deliver(factory, settings, mailer, outgoing, clock)
    return sent


def deliver(factory: sessionmaker[Session], settings: Settings, mailer: Mailer, outgoing: Outgoing,
            clock: Callable[[], datetime]) -> int:
    """Hand one message to the server and record the outcome (1: accepted)."""
    def sending() -> bool:
        with transaction(factory) as session:
            return _set(session, outgoing.id, outgoing.claim, status="sending",
                        claimed_until=clock() + timedelta(seconds=settings.worker_lease_seconds))
    try:
        accepted = mailer.send(outgoing.email, sending)
    except NotSent as exc:
        with transaction(factory) as session:
            attempts = session.scalar(select(OutboxMessage.attempts).where(OutboxMessage.id == outgoing.id)) or 0
            last = exc.permanent or attempts >= settings.mail_attempts
            now = clock()
            _set(session, outgoing.id, outgoing.claim, claim=None, claimed_until=None, last_error=str(exc)[:ERROR_LENGTH],
                 **(dict(status="failed") if last else dict(
                     status="queued", next_attempt_at=now + timedelta(seconds=backoff(attempts, settings.mail_retry_seconds)))))
        return 0
    except Uncertain as exc:
        with transaction(factory) as session:
            _set(session, outgoing.id, outgoing.claim, status="unknown", claimed_until=None,
                 last_error=str(exc)[:ERROR_LENGTH])
        return 0
    if not accepted:
        return 0
    with transaction(factory) as session:
        _set(session, outgoing.id, outgoing.claim, status="sent", sent_at=clock(), claimed_until=None, last_error="")
    return 1


def cancel_for_customer(session: Session, customer_id: int, why: str) -> int:
    """Cancel the queued messages of a customer (who unsubscribed)."""
    table = OutboxMessage.__table__
    members = select(WaveMember.id).where(WaveMember.customer_id == customer_id)
    return session.execute(update(table).where(table.c.member_id.in_(members), table.c.status == "queued").values(
        status="cancelled", last_error=why, claimed_until=None)).rowcount or 0
