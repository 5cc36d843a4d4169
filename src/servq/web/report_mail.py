"""The e-mail of a unit manager's report (manager_reports.py), composed by the outbox when
it is sent: the report attached, or a link to it that needs the manager's sign-in.

The link's token is derived from ``SERVQ_SECRET_KEY`` and the report's key
(:func:`~.security.derived_token`), so a message sent again after a failure carries the
same link while the database holds only the token's hash.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from ..store.models import ManagerReport
from .languages import day, t
from .names import name_in, title_in
from .security import derived_token
from .settings import Settings
from .smtp import WIRE


def report_token(secret: str, key: str) -> str:
    return derived_token(secret, f"report:{key}")


def period(lang: str, report: ManagerReport) -> str:
    """The days a report covers, as ``lang`` writes them (the last day inclusive)."""
    return t(lang, "reports.period", since=day(lang, report.since), until=day(lang, report.until - timedelta(days=1)))


def not_to_send(report: ManagerReport, now: datetime) -> str | None:
    """Why the report's e-mail is no longer to be sent (None: it is)."""
    user = report.user
    return ("the manager's account was removed" if user is None else
            "the manager's account is deactivated" if not user.active else
            "the report has expired" if report.expires_at <= now or report.html is None else None)


def compose(settings: Settings, message_id: str, report: ManagerReport, now: datetime) -> EmailMessage:
    """The e-mail of ``report`` in its language (plain text; the report attached when the
    manager chose so)."""
    lang, survey, user = report.language, report.survey, report.user
    base = (settings.public_url or "").rstrip("/")
    fields = dict(title=title_in(lang, survey), period=period(lang, report),
                  unit=name_in(lang, user.unit) if user.unit else "", account=f"{base}/admin/account/reports",
                  wave=report.wave.name if report.wave else "")
    greeting = t(lang, "mail.greeting_named", name=user.name) if user.name else t(lang, "mail.greeting")
    if report.delivery == "link":
        delivery = t(lang, "reports.mail.link", link=f"{base}/admin/reports/{report_token(settings.secret(), report.key)}")
    else:
        delivery = t(lang, "reports.mail.attached")
    email = EmailMessage(policy=WIRE)
    email["From"] = settings.mail_from or ""
    email["To"] = Address(display_name=user.name, addr_spec=report.recipient)
    email["Subject"] = t(lang, "reports.mail.subject", **fields)
    email["Date"] = format_datetime(now)
    email["Message-ID"] = message_id
    email["Auto-Submitted"] = "auto-generated"
    intro = t(lang, "reports.mail.wave" if report.wave_id is not None else "reports.mail.scheduled", **fields)
    email.set_content("\n\n".join([greeting, intro, delivery, t(lang, "reports.mail.min_n"),
                                   t(lang, "reports.mail.why", **fields)]) + "\n", cte="quoted-printable")
    if report.delivery == "attachment":
        email.add_attachment(report.html.encode(), maintype="text", subtype="html",
                             filename=f"report-{survey.slug}-{report.since.isoformat()}.html")
    email["Content-Language"] = lang  # last: set_content and add_attachment move the Content-* headers
    return email
