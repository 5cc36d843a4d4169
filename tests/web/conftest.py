"""Fixtures of the web tests: every test runs on SQLite and on PostgreSQL.

PostgreSQL is reached at ``SERVQ_TEST_POSTGRES_URL`` (default: the local server, database
``test``), where each test creates a database of its own (the user may create databases).
Where it is not running the PostgreSQL runs are skipped, except when
``SERVQ_REQUIRE_POSTGRES=1`` (set by .ci/run), where that is a failure.
"""

from __future__ import annotations

import itertools
import os
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from browser_helpers import CHROMIUM, browser_or_skip, serving, submit
from dashboard_helpers import add_responses, add_versioned_responses
from fastapi.testclient import TestClient
from mail_helpers import PUBLIC, smtp_server
from sqlalchemy import make_url, select, text
from web_helpers import PASSWORD

from servq.store.db import make_engine, session_factory, transaction, upgrade
from servq.store.models import Channel, Invitation, Response, Survey, Unit
from servq.web import accounts, org, surveys
from servq.web.app import create_app
from servq.web.security import new_token, token_hash
from servq.web.settings import Settings

_counter = itertools.count()
POSTGRES_URL = os.environ.get("SERVQ_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _postgres_available() -> str | None:
    engine = make_engine(POSTGRES_URL)
    try:
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        return None
    except Exception as exc:  # any failure to connect means "not available"
        return f"PostgreSQL not reachable at {POSTGRES_URL}: {type(exc).__name__}"
    finally:
        engine.dispose()


def _admin_sql(statement: str) -> None:
    """One statement outside a transaction (CREATE / DROP DATABASE), on the server's database."""
    engine = make_engine(POSTGRES_URL).execution_options(isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(statement))
    engine.dispose()


def _postgres_database(name: str) -> str:
    return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def _migrated(tmp_path_factory):
    """A database at the newest schema, migrated once per test process: ``engine`` starts
    from a copy of it (a file copy; PostgreSQL's CREATE DATABASE ... TEMPLATE, ~40 ms)
    instead of running every migration again (0.3 s on SQLite, 0.6 s on PostgreSQL)."""
    made: dict[str, str] = {}

    def template(kind: str) -> str:
        if kind not in made:
            if kind == "sqlite":
                made[kind] = str(tmp_path_factory.mktemp("template") / "servq.db")
                url = f"sqlite:///{made[kind]}"
            else:
                made[kind] = f"servq_template_{os.getpid()}"
                _admin_sql(f'drop database if exists "{made[kind]}" with (force)')
                _admin_sql(f'create database "{made[kind]}"')
                url = _postgres_database(made[kind])
            engine = make_engine(url)
            upgrade(engine)
            engine.dispose()  # a template database must have no connections when it is copied
        return made[kind]

    yield template
    if "postgresql" in made:
        _admin_sql(f'drop database if exists "{made["postgresql"]}" with (force)')


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path, _migrated):
    """A database of the test's own, dropped after it: empty, or (when the test also uses
    ``engine``) a copy of one at the newest schema."""
    migrated = "engine" in request.fixturenames
    if request.param == "sqlite":
        path = tmp_path / "servq.db"
        if migrated:
            shutil.copyfile(_migrated("sqlite"), path)
        yield f"sqlite:///{path}"
        return
    reason = _postgres_available()
    if reason:
        if os.environ.get("SERVQ_REQUIRE_POSTGRES") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    name = f"servq_test_{os.getpid()}_{next(_counter)}"
    _admin_sql(f'create database "{name}"' + (f' template "{_migrated("postgresql")}"' if migrated else ""))
    yield _postgres_database(name)
    _admin_sql(f'drop database "{name}" with (force)')


@pytest.fixture
def new_engine():
    """make_engine for a test: every engine made is disposed of at the end."""
    made = []

    def make(url):
        made.append(make_engine(url))
        return made[-1]

    yield make
    for engine in made:
        engine.dispose()


@pytest.fixture
def engine(database_url):
    engine = make_engine(database_url)
    upgrade(engine)  # a copy of a migrated database (database_url): this only checks it is at the newest schema
    yield engine
    engine.dispose()


@pytest.fixture
def settings(database_url) -> Settings:
    return Settings(mode="production", database_url=database_url, secret_key="s" * 40,
                    allowed_hosts=["testserver"], login_attempts=3, login_window=60, survey_cache_seconds=0)


@pytest.fixture
def smtp():
    """(controller, inbox) of an SMTP server on the loopback (mail_helpers.py)."""
    controller, inbox = smtp_server()
    yield controller, inbox
    controller.stop()


@pytest.fixture
def run_settings(settings, smtp):
    """The settings of a worker sending through :func:`smtp`, with links to :data:`PUBLIC`."""
    controller, _inbox = smtp
    return settings.model_copy(update=dict(
        smtp_host="127.0.0.1", smtp_port=controller.port, smtp_security="none", mail_from="Service <survey@example.org>",
        public_url=PUBLIC, mail_rate=1000, mail_attempts=2, mail_retry_seconds=60, worker_lease_seconds=10,
        worker_poll_seconds=0.05))


@pytest.fixture
def org_tree(engine):
    """north (region) > north-1 (branch) > team-a; south (region) > south-1 (branch); users
    of every role: admin, analyst, manager of north, manager of south-1; a SERVQUAL survey
    (id 1) covering North 1 through the channel "branch"."""
    with transaction(session_factory(engine)) as s:
        north = org.add_unit(s, "North", "region", None, None)
        n1 = org.add_unit(s, "North 1", "branch", north.id, None)
        team = org.add_unit(s, "Team A", "team", n1.id, None)
        south = org.add_unit(s, "South", "region", None, None)
        s1 = org.add_unit(s, "South 1", "branch", south.id, None)
        accounts.create_user(s, "admin@example.org", PASSWORD, "administrator")
        accounts.create_user(s, "analyst@example.org", PASSWORD, "analyst")
        accounts.create_user(s, "north@example.org", PASSWORD, "unit_manager", unit_id=north.id)
        accounts.create_user(s, "south1@example.org", PASSWORD, "unit_manager", unit_id=s1.id)
        analyst = accounts.create_user(s, "analyst2@example.org", PASSWORD, "analyst")
        branch = surveys.add_named(s, Channel, "branch", analyst)
        surveys.create_survey(s, surveys.SurveyForm(title="North customers", instrument="servqual",
                                                    languages=["sv", "en"], unit_ids=[str(n1.id)],
                                                    channel_ids=[str(branch.id)]), analyst)
        return {u.name: u.id for u in (north, n1, team, south, s1)}


@pytest.fixture
def client(settings, engine, org_tree):
    with TestClient(create_app(settings), base_url="https://testserver") as c:
        yield c


@pytest.fixture(autouse=True)
def _cheap_password_hashing(monkeypatch):
    """argon2 with its smallest cost: the tests hash hundreds of passwords. The hashes are
    still argon2id (test_accounts checks the production parameters)."""
    from argon2 import PasswordHasher

    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    monkeypatch.setattr(accounts, "_hasher", cheap)
    monkeypatch.setattr(accounts, "_DUMMY_HASH", cheap.hash("unknown"))  # what an unknown e-mail is checked against


@pytest.fixture
def answered(engine, org_tree):
    """The survey covers Team A too; six responses in North 1 (three on 2026-05-01, three on
    2026-05-03), four in Team A (2026-05-03), two invitations of which one is answered."""
    with transaction(session_factory(engine)) as s:
        survey = s.scalar(select(Survey).where(Survey.title == "North customers"))
        unit = {u.name: u.id for u in s.scalars(select(Unit))}
        survey.units.append(s.get(Unit, unit["Team A"]))  # Team A gets its own link too
        for i in range(10):
            day = 1 if i < 3 else 3
            s.add(Response(key=new_token(), survey_id=survey.id, unit_id=unit["North 1" if i < 6 else "Team A"],
                           language="en" if i % 2 else "sv", answers={"E1": 7, "P1": 1 + i % 7, "recommend": i},
                           submitted_at=datetime(2026, 5, day, 9 + i, tzinfo=UTC)))
        for used in (True, False):
            s.add(Invitation(token_hash=token_hash(new_token()), survey_id=survey.id, unit_id=unit["North 1"],
                             expires_at=datetime.now(UTC) + timedelta(days=3),
                             used_at=datetime.now(UTC) if used else None))
        return survey.id


@pytest.fixture
def responses(engine, org_tree):
    """360 SERVQUAL responses over January to mid-June 2026 (dashboard_helpers.add_responses)."""
    return add_responses(engine)


@pytest.fixture
def versioned(engine, org_tree):
    """A survey with "show if" items edited to version 2 after 120 responses, with 120 to
    version 2 (dashboard_helpers.add_versioned_responses)."""
    return add_versioned_responses(engine)


@pytest.fixture
def a_complaint(engine, org_tree):
    """Complaint 1 in North 1 (seen by the North manager) and SLA policy 1."""
    from servq.web import complaints

    with transaction(session_factory(engine)) as s:
        complaints.save_policy(s, "*", "*", "8", "5", complaints.CALENDAR_EXAMPLE, None)
        complaints.intake(s, complaints.NewComplaint(key="k" * 30, unit_id=org_tree["North 1"], text="Rude staff",
                                                     source="form", received_at=datetime.now(UTC)))


# --------------------------------------------------------------------------- the worker's e-mail


@pytest.fixture
def inbox(smtp):
    return smtp[1]


# --------------------------------------------------------------------------- the browser tests


ARTIFACTS = Path(os.environ.get("SERVQ_TEST_ARTIFACTS", "test-artifacts"))


def _browser_sign_in(page, base: str, email: str, password: str = PASSWORD) -> None:
    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.fill("#password", password)
    submit(page, "button[type=submit]")


@pytest.fixture
def live():
    """What a browser test needs: Debian's Chromium (``chromium``; Playwright never
    downloads one: without it the test is skipped, except where ``SERVQ_REQUIRE_BROWSER=1``),
    where screenshots go (``artifacts``), ``serving(database_url)`` (servq on a free port)
    and ``sign_in(page, base, email)``."""
    browser_or_skip()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return SimpleNamespace(chromium=CHROMIUM, artifacts=ARTIFACTS, serving=serving, sign_in=_browser_sign_in)
