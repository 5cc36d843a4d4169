"""Engines, sessions and the schema version.

SQLite (the default: one file, WAL mode so readers never block the writer, foreign keys
on, a busy timeout instead of "database is locked") or PostgreSQL
(``postgresql+psycopg://...``). The schema is created and changed only by the Alembic
migrations in ``migrations/``: ``servq db upgrade`` applies them, and the server refuses
to start on a database whose schema is not the newest.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from ..errors import UsageError

UPGRADE_HINT = "run `servq db upgrade`"
WRITES = "servq_writes"  # execution option: this transaction will write (SQLite: BEGIN IMMEDIATE)
WAIT = "servq_wait"  # execution option: the longest wait for SQLite's write lock, in seconds
LOCK_TIMEOUT = 10.0  # the default of WAIT, and of the wait for a pooled connection
_HOLDS = "servq_holds_write_lock"  # in a pooled connection's info: it holds its engine's write lock
_WRITE_LOCKS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def make_engine(url: str, pool_size: int = 5, wait: float | None = None) -> Engine:
    """An engine for ``url``; SQLite connections get WAL, foreign keys and a busy timeout.

    ``pool_size``: connections kept open; the server passes its number of request threads,
    so that no request opens (and closes) a connection of its own. ``wait``: the longest
    wait for a free connection (default :data:`LOCK_TIMEOUT`; then SQLAlchemy's TimeoutError,
    which the server answers with 503)."""
    wait = wait or LOCK_TIMEOUT
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise UsageError(f"SERVQ_DATABASE_URL is not a database URL: {url!r}") from None
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(parsed, connect_args={"timeout": 30}, pool_size=pool_size, max_overflow=pool_size,
                               pool_timeout=wait)

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection, _record):
            dbapi_connection.isolation_level = None  # SQLAlchemy, not the driver, says BEGIN
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        lock = _WRITE_LOCKS[engine] = threading.Lock()

        @event.listens_for(engine, "begin")
        def _begin(conn):
            # A transaction that will write takes the write lock at its start: two that read
            # first and write later could not both upgrade (SQLITE_BUSY, and the busy timeout
            # cannot help); readers never wait in WAL mode. Before that, it takes this
            # process's lock: waiting in SQLite's busy handler (which sleeps up to 100 ms
            # between tries) would cost far more. It is taken on the thread that runs the
            # transaction's first statement and given back when the connection returns to
            # the pool (committed or rolled back), so its holder never needs another thread.
            options = conn.get_execution_options()
            if not options.get(WRITES):
                conn.exec_driver_sql("BEGIN")
                return
            info = conn.connection.info
            if not info.get(_HOLDS):
                if not lock.acquire(timeout=options.get(WAIT, LOCK_TIMEOUT)):
                    raise Busy("the database is busy")
                info[_HOLDS] = True
            try:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            except BaseException:
                if info.pop(_HOLDS, False):
                    lock.release()
                raise

        @event.listens_for(engine.pool, "checkin")
        @event.listens_for(engine.pool, "invalidate")
        def _release(_dbapi_connection, record, *_exception):
            if record is not None and record.info.pop(_HOLDS, False):
                lock.release()

        return engine
    if parsed.get_backend_name() != "postgresql":
        raise UsageError(f"unsupported database {parsed.get_backend_name()!r}: use sqlite:///FILE or "
                         "postgresql+psycopg://USER@HOST/DB")
    return create_engine(parsed, pool_pre_ping=True, pool_size=pool_size, max_overflow=pool_size,
                         pool_timeout=wait)


def session_factory(engine: Engine, *, writes: bool = True, wait: float | None = None) -> sessionmaker[Session]:
    """Sessions of ``engine``; ``writes=False`` for transactions that only read (on SQLite
    they then do not take the write lock); ``wait``: the longest wait for the write lock
    (default :data:`LOCK_TIMEOUT`). A writing session keeps the dashboard's cells with the
    responses it adds or deletes (:mod:`servq.store.cells`)."""
    from .cells import keep_cells

    factory = sessionmaker(engine.execution_options(**{WRITES: writes, WAIT: wait or LOCK_TIMEOUT}),
                           expire_on_commit=False)
    if writes:
        keep_cells(factory)  # the dashboard's cells change in the transaction that adds or removes a response
    return factory


class Busy(Exception):
    """The database was too busy to take this write in time: the request is answered with
    503 and ``Retry-After`` (nothing of it was stored)."""


def write_lock(factory: sessionmaker[Session]) -> threading.Lock | None:
    """The lock that this process's write transactions on ``factory``'s SQLite database
    take in turn (None: not SQLite)."""
    return _WRITE_LOCKS.get(factory.kw["bind"].engine)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose work is committed at the end, or rolled back entirely on an error.
    On SQLite a writing one waits at most the factory's ``wait`` for the write lock (then
    :class:`Busy`)."""
    with factory() as session, session.begin():
        yield session


def _alembic_config(engine: Engine | None = None):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("servq.store").joinpath("migrations")))
    cfg.attributes["engine"] = engine
    return cfg


def head_revision() -> str:
    """The newest schema revision this servq knows."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config()).get_current_head()


def schema_revisions(engine: Engine) -> tuple[str | None, str]:
    """(the database's revision or None when empty, the newest revision servq knows)."""
    from alembic.runtime.migration import MigrationContext

    head = head_revision()
    try:
        with engine.connect() as conn:
            current = MigrationContext.configure(conn).get_current_revision()
            conn.rollback()
    except OperationalError as exc:
        raise UsageError(f"cannot open the database {engine.url.render_as_string(hide_password=True)}: "
                         f"{exc.orig}") from None
    return current, head


def upgrade(engine: Engine, revision: str = "head") -> tuple[str | None, str]:
    """Apply the migrations up to ``revision``; returns (revision before, revision after)."""
    from alembic import command

    before, _ = schema_revisions(engine)
    command.upgrade(_alembic_config(engine), revision)
    after, _ = schema_revisions(engine)
    return before, after


def downgrade(engine: Engine, revision: str) -> tuple[str | None, str | None]:
    """Undo the migrations after ``revision`` (``base``: all); returns (revision before, revision after)."""
    from alembic import command

    before, _ = schema_revisions(engine)
    command.downgrade(_alembic_config(engine), revision)
    after, _ = schema_revisions(engine)
    return before, after


def require_current_schema(engine: Engine) -> None:
    """Raise :class:`UsageError` saying which command fixes an empty or outdated schema."""
    current, head = schema_revisions(engine)
    where = engine.url.render_as_string(hide_password=True)
    if current is None:
        raise UsageError(f"the database {where} has no servq tables yet: {UPGRADE_HINT}")
    if current != head:
        raise UsageError(f"the database {where} is at schema revision {current}, servq needs {head}: {UPGRADE_HINT}")
