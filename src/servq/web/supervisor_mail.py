"""A supervisor's invitation e-mail (sent by the outbox, outbox.py): a greeting, what the
organisation asks of them, and their single-use sign-up link, in their language.

The link's token is derived from ``SERVQ_SECRET_KEY``, the supervisor and the number of
the invitation (:func:`~.security.derived_token`): the server stores its hash when the
administrator invites, the worker makes the same link when it composes the message, and
a new invitation (a new number) makes the old link worthless."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from sqlalchemy.orm import Session

from ..store.models import OutboxMessage, Supervisor
from .languages import LANGUAGES, day, t
from .security import derived_token, token_hash
from .settings import Settings
from .smtp import WIRE


def signup_token(secret: str, supervisor_id: int, number: int) -> str:
    return derived_token(secret, f"supervisor:{supervisor_id}:{number}")


def signup_hash(secret: str, supervisor_id: int, number: int) -> str:
    return token_hash(signup_token(secret, supervisor_id, number))


def invitation(session: Session, row: OutboxMessage, settings: Settings,
               now: datetime) -> tuple[str | None, Callable[[], EmailMessage]]:
    """(why the invitation ``row`` is not to be sent any more, or None; what composes it)."""
    supervisor = session.get(Supervisor, row.supervisor_id)
    number = int(row.key.rsplit(":", 1)[1])
    why = ("a newer invitation replaced this one" if supervisor.invitations != number else
           "the supervisor has signed up already" if supervisor.invite_token_hash is None else
           "the supervisor was deactivated" if not supervisor.user.active else
           "the sign-up link has expired" if supervisor.invite_expires_at <= now else None)
    return why, lambda: compose(settings, row.message_id, supervisor, number, now)


def compose(settings: Settings, message_id: str, supervisor: Supervisor, number: int, now: datetime) -> EmailMessage:
    user = supervisor.user
    lang = user.language if user.language in LANGUAGES else "en"
    base = (settings.public_url or "").rstrip("/")
    link = f"{base}/join/{signup_token(settings.secret(), supervisor.id, number)}"
    until = day(lang, supervisor.invite_expires_at - timedelta(seconds=1))
    email = EmailMessage(policy=WIRE)
    email["From"] = settings.mail_from or ""
    email["To"] = Address(display_name=user.name, addr_spec=user.email)
    email["Subject"] = t(lang, "supervisors.mail.subject")
    email["Date"] = format_datetime(now)
    email["Message-ID"] = message_id
    email["Auto-Submitted"] = "auto-generated"
    greeting = t(lang, "mail.greeting_named", name=user.name) if user.name else t(lang, "mail.greeting")
    email.set_content("\n\n".join([greeting, t(lang, "supervisors.mail.body"), link,
                                   t(lang, "supervisors.mail.until", until=until),
                                   t(lang, "supervisors.mail.ignore")]) + "\n", cte="quoted-printable")
    email["Content-Language"] = lang
    return email
