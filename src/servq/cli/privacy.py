"""``servq privacy erase | purge``: complainants' and survey invitees' contact details
in the web platform's database. The web stack is loaded only when a command runs."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Optional

import typer

from .web import platform

privacy_app = typer.Typer(help="Erase or purge personal data: complainants' and survey invitees' contact details.",
                          no_args_is_help=True)


@privacy_app.command("erase")
def privacy_erase(
    contact: Annotated[str, typer.Option("--contact", help="The person's e-mail address or phone number.")],
) -> None:
    """Erase a person's contact details (complaints', survey invitations', the customer
    list's) and their supervisor account: the complaints and evaluations stay, a complaint's
    customer key is replaced by an unlinkable one; recorded in the audit log (without the
    address)."""
    from ..store.db import transaction
    from ..web.privacy import erase_contact

    _settings, engine, factory = platform()
    try:
        with transaction(factory) as session:
            done = erase_contact(session, contact, None, datetime.now(UTC))
    finally:
        engine.dispose()
    typer.echo(f"erased {done.complaint_contacts} complaint contact(s), {done.survey_contacts} survey "
               f"contact(s) and {done.customers} customer list entr{'y' if done.customers == 1 else 'ies'}; "
               f"{len(done.complaints)} complaint(s) kept, re-keyed")
    if done.supervisors:
        typer.echo(f"erased {done.supervisors} customer supervisor(s); their evaluations are kept, anonymous")


@privacy_app.command("purge")
def privacy_purge(
    days: Annotated[
        Optional[int],
        typer.Option(min=1, help="Erase contacts older than this many days (default: SERVQ_CONTACT_RETENTION_DAYS, 365)."),
    ] = None,
) -> None:
    """Erase the contact details older than the retention, and the questionnaires' expired
    drafts (also done at every server start; run it daily from cron)."""
    from ..store.db import transaction
    from ..web.privacy import purge_contacts

    settings, engine, factory = platform()
    try:
        with transaction(factory) as session:
            done = purge_contacts(session, days or settings.contact_retention_days, datetime.now(UTC))
    finally:
        engine.dispose()
    typer.echo(f"erased {done.complaint_contacts} complaint contact(s) and {done.survey_contacts} survey "
               f"contact(s) stored before {done.cutoff:%Y-%m-%d %H:%M} UTC, and {done.drafts} expired "
               f"questionnaire draft(s)")
