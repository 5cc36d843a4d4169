"""Handing messages to an SMTP server (``SERVQ_SMTP_*``), one connection for a batch.

:meth:`Mailer.send` runs the SMTP transaction step by step (MAIL, RCPT, then DATA) and
calls ``before_data`` between RCPT and DATA: the outbox records there that the message is
being handed over (outbox.py). An error is classified by what it says about delivery:

* :class:`NotSent`: the server refused (``permanent``: a 5xx reply, no retry mends it) or
  the connection failed before DATA began — the message was certainly not accepted;
* :class:`Uncertain`: the connection broke during DATA — the server may have accepted it.
"""

from __future__ import annotations

import email.policy
import smtplib
import ssl
from collections.abc import Callable
from email.message import EmailMessage
from email.utils import parseaddr

from .settings import Settings

# CRLF line ends (smtplib sends bytes as they are) and headers folded only past SMTP's line
# limit, so that a long List-Unsubscribe address stays one plain URL
WIRE = email.policy.SMTP.clone(max_line_length=998)


class NotSent(Exception):
    """The message was not accepted; ``permanent``: the server's 5xx refusal."""

    def __init__(self, reason: str, permanent: bool = False):
        super().__init__(reason)
        self.permanent = permanent


class Uncertain(Exception):
    """The connection failed while the message was being handed over."""


def _reply(code: int, text: bytes | str) -> str:
    return f"{code} {text.decode('utf-8', 'replace') if isinstance(text, bytes) else text}".strip()


class Mailer:
    """An SMTP client for ``settings``; opened on first use, closed by :meth:`close`."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def _open(self) -> smtplib.SMTP:
        s = self.settings
        context = ssl.create_default_context()
        try:
            if s.smtp_security == "tls":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(s.smtp_host or "", s.smtp_port, timeout=s.smtp_timeout,
                                                      context=context)
            else:
                smtp = smtplib.SMTP(s.smtp_host or "", s.smtp_port, timeout=s.smtp_timeout)
                if s.smtp_security == "starttls":
                    smtp.starttls(context=context)
            smtp.ehlo_or_helo_if_needed()
            if s.smtp_username:
                smtp.login(s.smtp_username, s.smtp_password.get_secret_value() if s.smtp_password else "")
        except smtplib.SMTPResponseException as exc:
            raise NotSent(_reply(exc.smtp_code, exc.smtp_error), permanent=exc.smtp_code >= 500) from None
        except (OSError, smtplib.SMTPException) as exc:
            raise NotSent(f"cannot reach the SMTP server {s.smtp_host}:{s.smtp_port}: {exc}") from None
        return smtp

    def send(self, message: EmailMessage, before_data: Callable[[], bool]) -> bool:
        """Send ``message`` to its ``To``; False when ``before_data`` said no (nothing was
        handed over), True when the server accepted it; else :class:`NotSent` or
        :class:`Uncertain`."""
        if self._smtp is None:
            self._smtp = self._open()
        smtp = self._smtp
        sender = parseaddr(str(message["From"]))[1]
        recipient = parseaddr(str(message["To"]))[1]
        try:
            code, text = smtp.mail(sender)
            if code != 250:
                raise NotSent(_reply(code, text), permanent=code >= 500)
            code, text = smtp.rcpt(recipient)
            if code not in (250, 251):
                raise NotSent(_reply(code, text), permanent=code >= 500)
        except NotSent:
            self._reset()
            raise
        except (OSError, smtplib.SMTPException) as exc:
            self.close()
            raise NotSent(f"the SMTP connection failed: {exc}") from None
        try:
            go = before_data()
        except BaseException:
            self._reset()
            raise
        if not go:
            self._reset()
            return False
        try:
            code, text = smtp.data(message.as_bytes(policy=WIRE))
        except smtplib.SMTPDataError as exc:  # DATA itself was refused
            code, text = exc.smtp_code, exc.smtp_error
        except (OSError, smtplib.SMTPException) as exc:
            self.close()
            raise Uncertain(f"the SMTP connection failed while the message was handed over: {exc}") from None
        if code != 250:  # the server answered, and refused the message
            self._reset()
            raise NotSent(_reply(code, text), permanent=code >= 500)
        return True

    def _reset(self) -> None:
        try:
            if self._smtp is not None:
                self._smtp.rset()
        except (OSError, smtplib.SMTPException):
            self.close()

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (OSError, smtplib.SMTPException):
                self._smtp.close()
            self._smtp = None
