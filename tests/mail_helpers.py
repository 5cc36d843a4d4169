"""A real SMTP server on the loopback (aiosmtpd) for the tests of the outbox: it keeps what
it accepted, and can refuse a recipient or take its time over a message."""

from __future__ import annotations

import asyncio
import email
import socket
import threading
import time
from email.message import EmailMessage
from email.policy import default

from aiosmtpd.controller import Controller

PUBLIC = "https://survey.example.org"  # the public address of the server in the tests' e-mails


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """The handler of the test server. ``refuse[address]``: the reply to RCPT (e.g. ``"451
    try later"``); ``slow[address]``: seconds to wait after the message's data arrived before
    answering 250 (a worker can be killed meanwhile: the server still keeps the message);
    ``stall_rcpt[address]``: seconds to wait before answering its RCPT (before any DATA)."""

    def __init__(self):
        self.messages: list[EmailMessage] = []
        self.refuse: dict[str, str] = {}
        self.slow: dict[str, float] = {}
        self.stall_rcpt: dict[str, float] = {}
        self.rcpt_started: set[str] = set()
        self._lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 (aiosmtpd's name)
        if address in self.refuse:
            return self.refuse[address]
        self.rcpt_started.add(address)
        if address in self.stall_rcpt:
            await asyncio.sleep(self.stall_rcpt[address])
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        message = email.message_from_bytes(envelope.content, policy=default)
        with self._lock:
            self.messages.append(message)
        delay = max((self.slow.get(r, 0) for r in envelope.rcpt_tos), default=0)
        if delay:
            await asyncio.sleep(delay)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        with self._lock:
            return [m for m in self.messages if address in str(m["To"])]

    def wait_for(self, count: int, timeout: float = 20) -> list[EmailMessage]:
        end = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < end:
            time.sleep(0.05)
        return list(self.messages)


def smtp_server():
    """(controller, inbox) of a started server on a free loopback port (stop the controller)."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    return controller, inbox


def body(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content()
