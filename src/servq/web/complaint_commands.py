"""``servq complaints import | escalate`` and ``servq privacy erase | purge``: the web
platform's complaint and privacy commands.

Importing this module registers ``import`` and ``escalate`` on ``servq complaints``
(:data:`servq.complaints.commands.complaints_app`, whose module imports this one); the web
stack is loaded only when a command runs. A user's mistake raises a
:class:`~servq.errors.ServqError`, which the CLI prints without a traceback.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..complaints.commands import complaints_app
from ..errors import UsageError

privacy_app = typer.Typer(help="Erase or purge personal data: complainants' and survey invitees' contact details.",
                          no_args_is_help=True)


def _session():
    """(engine, write session factory) of SERVQ_DATABASE_URL, after checking its schema."""
    from .db import make_engine, require_current_schema, session_factory
    from .settings import load_settings

    from .complaints import use_model

    settings = load_settings()
    use_model(settings.complaint_model)
    engine = make_engine(settings.database_url)
    try:
        require_current_schema(engine)
    except Exception:
        engine.dispose()
        raise
    return settings, engine, session_factory(engine)


def complaints_import(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="Complaints: a .csv, .xlsx or .parquet file, one row per complaint (columns: docs/complaints.md).")],
    skip_invalid: Annotated[bool, typer.Option("--skip-invalid", help="Import the valid rows and report the skipped ones (default: nothing is imported when any row is invalid).")] = False,
    tz: Annotated[str, typer.Option("--timezone", help="Time zone of dates and times without one (an IANA name).")] = "UTC",
    sheet: Annotated[Optional[str], typer.Option(help="Worksheet of an .xlsx file (default: the first).")] = None,
) -> None:
    """Import complaints into the web platform's database (SERVQ_DATABASE_URL): each is
    classified and gets its SLA due times. Every problem is reported with its row and
    column; a complaint imported before (the same key) is not imported twice."""
    from sqlalchemy.exc import IntegrityError

    from .complaint_import import check_file, store_plan
    from .complaints import DateBounds
    from .db import session_factory, transaction

    settings, engine, factory = _session()
    try:
        with session_factory(engine, writes=False)() as session:  # reading and checking take no write lock
            plan = check_file(session, file, skip_invalid=skip_invalid, timezone=tz, sheet=sheet,
                              now=datetime.now(timezone.utc), bounds=DateBounds.of(settings))
        try:
            with transaction(factory) as session:
                result = store_plan(session, plan)
        except IntegrityError:  # a unit, channel or tier was removed meanwhile
            raise UsageError(f"{file}: the organisation changed during the import; nothing was imported: "
                             "run the command again") from None
    finally:
        engine.dispose()
    typer.echo(f"{file}: imported {result.imported} complaint(s)"
               + (f"; {result.already} were imported before" if result.already else ""))
    if result.skipped_rows:
        typer.echo(f"skipped {result.skipped_rows} invalid row(s):")
        for problem in result.skipped:
            typer.echo(f"  {problem}")


def complaints_escalate() -> None:
    """Escalate every overdue open complaint to its unit's manager (also done whenever the
    complaints page is shown); for a cron job, e.g. every 15 minutes."""
    from .complaints import escalate_overdue
    from .db import transaction

    _settings, engine, factory = _session()
    try:
        with transaction(factory) as session:
            ids = escalate_overdue(session, datetime.now(timezone.utc))
    finally:
        engine.dispose()
    typer.echo(f"escalated {len(ids)} overdue complaint(s)" + (f": {', '.join(f'#{i}' for i in ids)}" if ids else ""))


def complaints_training_data(
    out: Annotated[Path, typer.Option("--out", "-o", help="Write the labelled complaints here (CSV: text, language, dimension).")],
) -> None:
    """Export the complaints people relabelled on their case pages, as the labelled file
    `servq complaints train` reads; point SERVQ_COMPLAINT_MODEL at the model it makes."""
    import csv

    from sqlalchemy import select

    from ..io.cells import neutral_row
    from .models import TrainingExample

    _settings, engine, factory = _session()
    try:
        with factory() as session:
            rows = session.execute(select(TrainingExample.text, TrainingExample.language, TrainingExample.dimension)
                                   .order_by(TrainingExample.id)).all()
    finally:
        engine.dispose()
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "language", "dimension"])
        writer.writerows(map(neutral_row, rows))  # no text becomes a formula in a spreadsheet
    typer.echo(f"wrote {len(rows)} labelled complaint(s) to {out}")


complaints_app.command("import")(complaints_import)
complaints_app.command("escalate")(complaints_escalate)
complaints_app.command("training-data")(complaints_training_data)


@privacy_app.command("erase")
def privacy_erase(
    contact: Annotated[str, typer.Option("--contact", help="The person's e-mail address or phone number.")],
) -> None:
    """Erase a person's contact details (complaints' and survey invitations'): the
    complaints stay, their customer key is replaced by an unlinkable one; recorded in the
    audit log (without the address)."""
    from .db import transaction
    from .privacy import erase_contact

    _settings, engine, factory = _session()
    try:
        with transaction(factory) as session:
            done = erase_contact(session, contact, None, datetime.now(timezone.utc))
    finally:
        engine.dispose()
    typer.echo(f"erased {done.complaint_contacts} complaint contact(s) and {done.survey_contacts} survey "
               f"contact(s); {len(done.complaints)} complaint(s) kept, re-keyed")


@privacy_app.command("purge")
def privacy_purge(
    days: Annotated[Optional[int], typer.Option(min=1, help="Erase contacts older than this many days (default: SERVQ_CONTACT_RETENTION_DAYS, 365).")] = None,
) -> None:
    """Erase the contact details older than the retention (also done at every server start;
    run it daily from cron)."""
    from .db import transaction
    from .privacy import purge_contacts

    settings, engine, factory = _session()
    try:
        with transaction(factory) as session:
            done = purge_contacts(session, days or settings.contact_retention_days, datetime.now(timezone.utc))
    finally:
        engine.dispose()
    typer.echo(f"erased {done.complaint_contacts} complaint contact(s) and {done.survey_contacts} survey "
               f"contact(s) stored before {done.cutoff:%Y-%m-%d %H:%M} UTC")
