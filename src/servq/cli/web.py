"""``servq serve``, ``servq db ...`` and ``servq admin ...``: the web platform's commands.

The web stack (the optional part ``servq[web]``) is imported only when a command runs, so
the analysis commands never load it.
"""

from __future__ import annotations

import getpass
import sys
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import UsageError

db_app = typer.Typer(help="Create or upgrade the web platform's database schema; rebuild and check the dashboard's cells.",
                     no_args_is_help=True)
admin_app = typer.Typer(help="Manage the web platform's users.", no_args_is_help=True)


@contextmanager
def _engine(current: bool = False):
    """The engine of SERVQ_DATABASE_URL, disposed of when the command ends; ``current``:
    its schema must be the newest (else a message naming `servq db upgrade`)."""
    from ..store.db import make_engine, require_current_schema
    from ..web.settings import load_settings

    engine = make_engine(load_settings().database_url)
    try:
        if current:
            require_current_schema(engine)
        yield engine
    finally:
        engine.dispose()


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create the tables or apply the newest migrations to SERVQ_DATABASE_URL (default: servq.db here)."""
    from ..store.db import upgrade

    with _engine() as engine:
        before, after = upgrade(engine)
        where = engine.url.render_as_string(hide_password=True)
    if before == after:
        typer.echo(f"{where}: schema already at revision {after}")
    else:
        typer.echo(f"{where}: schema upgraded from {before or 'empty'} to revision {after}")


@db_app.command("status")
def db_status() -> None:
    """Show the database's schema revision and whether it is the newest."""
    from ..store.db import schema_revisions

    with _engine() as engine:
        current, head = schema_revisions(engine)
        where = engine.url.render_as_string(hide_password=True)
    state = "up to date" if current == head else "outdated: run `servq db upgrade`"
    typer.echo(f"{where}: revision {current or 'none (empty database)'}, newest {head} ({state})")


@db_app.command("backup")
def db_backup(
    target: Annotated[Path, typer.Argument(help="The file to write the copy to (must not exist).")],
) -> None:
    """Copy the SQLite database while the server runs (SQLite's online backup: a consistent
    copy, writers keep going). For PostgreSQL use pg_dump."""
    import sqlite3

    from sqlalchemy.engine import make_url

    from ..web.settings import load_settings

    url = make_url(load_settings().database_url)
    if url.get_backend_name() != "sqlite":
        raise UsageError("servq db backup copies SQLite databases; for PostgreSQL use pg_dump -Fc")
    source = Path(url.database or "")
    if not source.is_file():
        raise UsageError(f"no database file at {source}")
    if target.exists():
        raise UsageError(f"{target} exists already: name a new file")
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)
    typer.echo(f"copied {source} to {target}")


SurveyOption = Annotated[Optional[int], typer.Option("--survey", help="Only this survey's id (default: every survey).")]


@db_app.command("rebuild-cells")
def db_rebuild_cells(survey: SurveyOption = None) -> None:
    """Make the dashboard's cells again from the stored responses (streamed: constant
    memory). Submissions to a survey wait while its cells are rebuilt."""
    from ..store import cells
    from ..store.db import session_factory, transaction

    with _engine(current=True) as engine:
        for survey_id in _surveys(engine, survey):
            with transaction(session_factory(engine, wait=600)) as session:
                done = cells.rebuild(session, survey_id)
            typer.echo(f"survey {survey_id}: {done.cells} cells made from {done.responses} responses")


@db_app.command("check-cells")
def db_check_cells(survey: SurveyOption = None) -> None:
    """Compare the dashboard's cells with a rebuild from the stored responses (reads only);
    exit status 1 when they differ."""
    from ..store import cells
    from ..store.db import session_factory

    differ = False
    with _engine(current=True) as engine:
        for survey_id in _surveys(engine, survey):
            with session_factory(engine, writes=False)() as session:
                cells.snapshot(session)
                compared, problems = cells.check(session, survey_id)
            differ = differ or bool(problems)
            typer.echo(f"survey {survey_id}: {compared} cells, "
                       + ("all equal to the responses" if not problems else f"{len(problems)} differ:"))
            for line in problems:
                typer.echo(f"  {line}")
    if differ:
        typer.echo("run `servq db rebuild-cells` to make them again", err=True)
        raise typer.Exit(1)


def _surveys(engine, survey: int | None) -> list[int]:
    """``survey`` (which must exist), or every survey."""
    from sqlalchemy import select

    from ..store.models import Survey

    with engine.connect() as conn:
        ids = list(conn.scalars(select(Survey.id).order_by(Survey.id)))
    if survey is not None and survey not in ids:
        raise UsageError(f"there is no survey {survey}")
    return ids if survey is None else [survey]


PasswordStdin = Annotated[
    bool, typer.Option("--password-stdin", help="Read the password from standard input instead of prompting.")]


@admin_app.command("create-user")
def create_user(
    email: Annotated[str, typer.Option(help="The user's e-mail address (their sign-in name).")],
    role: Annotated[str, typer.Option(help="administrator, analyst or unit_manager.")] = "administrator",
    name: Annotated[str, typer.Option(help="Display name.")] = "",
    unit: Annotated[Optional[int], typer.Option(help="Unit id whose subtree a unit manager sees.")] = None,
    password_stdin: PasswordStdin = False,
) -> None:
    """Add a user, e.g. the first administrator. The password is prompted for (twice)."""
    from ..web import accounts

    with _with_new_password(password_stdin) as (session, password):
        user = accounts.create_user(session, email, password, role, name=name, unit_id=unit)
        typer.echo(f"created {user.role.replace('_', ' ')} {user.email} (id {user.id})")


@admin_app.command("set-password")
def set_password(
    email: Annotated[str, typer.Option(help="The user's e-mail address.")],
    password_stdin: PasswordStdin = False,
) -> None:
    """Give a user a new password (e.g. a forgotten one); every session of theirs ends."""
    from ..web import accounts

    with _with_new_password(password_stdin) as (session, password):
        accounts.set_password(session, accounts.user_by_email(session, email), password)
    typer.echo(f"new password set for {email}; their sessions have ended")


@contextmanager
def _with_new_password(from_stdin: bool):
    """A transaction on the current database and the new password (asked for once the
    database is found to be current)."""
    from ..store.db import session_factory, transaction

    with _engine(current=True) as engine:
        password = _new_password(from_stdin)
        with transaction(session_factory(engine)) as session:
            yield session, password


def _new_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    password = getpass.getpass("Password (at least 12 characters): ")
    if getpass.getpass("Repeat the password: ") != password:
        raise UsageError("the passwords differ")
    return password


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
    dev: Annotated[
        bool, typer.Option("--dev", help="Development mode: allow a random secret key and plain-HTTP cookies.")
    ] = False,
    grace: Annotated[float, typer.Option(min=0, help="Seconds the requests under way get to finish after SIGTERM.")] = 10,
) -> None:
    """Start the web platform (survey administration and dashboard) with uvicorn.

    Settings come from SERVQ_* environment variables (docs/web.md). Forwarded client
    addresses are believed only from SERVQ_TRUSTED_PROXIES (uvicorn's own proxy headers are
    off); no ``Server`` header says what runs behind the site. The server refuses to
    start with insecure settings outside development mode, and on a database whose schema
    is not the newest (it says which command fixes it).
    """
    import os

    import uvicorn

    from ..web.app import create_app
    from ..web.settings import load_settings

    if dev:
        os.environ["SERVQ_MODE"] = "development"
    settings = load_settings()
    create_app(settings).state.engine.dispose()  # fail here, with a clear message, not inside uvicorn
    typer.echo(f"servq serving {settings.database_url.split('@')[-1]} on http://{host}:{port} "
               f"({settings.mode} mode)")
    uvicorn.run("servq.web.app:app_from_environment", factory=True, host=host, port=port,
                workers=workers, log_level="warning", proxy_headers=False, server_header=False,
                timeout_graceful_shutdown=grace)


@admin_app.command("create-token")
def create_token(
    email: Annotated[str, typer.Option(help="The user the token acts as (its role and units).")],
    name: Annotated[str, typer.Option(help="What uses it, e.g. 'Power BI'.")],
) -> None:
    """Make a token for the JSON API; it is printed once (only its hash is kept)."""
    from ..store.db import session_factory, transaction
    from ..web import accounts

    with _engine(current=True) as engine:
        with transaction(session_factory(engine)) as session:
            user = accounts.user_by_email(session, email)
            if not user.active:
                raise UsageError(f"no active user with e-mail {email}")
            token = accounts.create_token(session, user, name)
    typer.echo(token)


@admin_app.command("revoke-token")
def revoke_token(token_id: Annotated[int, typer.Argument(help="The token's id (see the audit log).")]) -> None:
    """Revoke an API token: it stops working at once."""
    from ..store.db import session_factory, transaction
    from ..web import accounts

    with _engine(current=True) as engine:
        with transaction(session_factory(engine)) as session:
            accounts.revoke_token(session, token_id)
    typer.echo(f"revoked API token {token_id}")


def platform():
    """(settings, engine, write session factory) of the web platform (SERVQ_DATABASE_URL, its
    schema checked, the complaint model of SERVQ_COMPLAINT_MODEL in use)."""
    from ..store.db import make_engine, require_current_schema, session_factory
    from ..web.complaints import use_model
    from ..web.settings import load_settings

    settings = load_settings()
    use_model(settings.complaint_model, settings.complaint_embeddings)
    engine = make_engine(settings.database_url)
    try:
        require_current_schema(engine)
    except Exception:
        engine.dispose()
        raise
    return settings, engine, session_factory(engine)
