"""``servq worker``: run the scheduled waves, the e-mail outbox and the webhooks
(docs/runs.md). The web stack is loaded only when the command runs."""

from __future__ import annotations

import logging
import signal
from typing import Annotated

import typer

from ..errors import UsageError
from .web import platform


def worker(
    once: Annotated[bool, typer.Option("--once", help="Do what is due now, then exit (instead of running until stopped).")]
    = False,
) -> None:
    """Run scheduled waves, send invitations and reminders (SMTP) and deliver webhooks until
    stopped (SIGTERM or Ctrl-C: the message under way is finished first). Settings are the
    server's SERVQ_* variables plus SERVQ_SMTP_*, SERVQ_MAIL_FROM and SERVQ_PUBLIC_URL; any
    number of workers may run against one database."""
    from ..web.worker import Worker

    settings, engine, factory = platform()
    try:
        problems = settings.problems() + settings.worker_problems()
        if problems:
            raise UsageError("the worker cannot start: " + "; ".join(problems))
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
        runner = Worker(settings, factory)
        if once:
            typer.echo(f"servq worker: {runner.run_once()} thing(s) done")
            return
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: runner.stop())
        typer.echo(f"servq worker {runner.name} on {settings.database_url.split('@')[-1]}; "
                   f"SMTP {settings.smtp_host}:{settings.smtp_port} ({settings.smtp_security})")
        runner.run()
    finally:
        engine.dispose()
