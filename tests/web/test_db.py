"""Schema migrations, the schema check and the settings the server refuses."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from servq.errors import UsageError
from servq.store.db import make_engine, require_current_schema, schema_revisions, upgrade
from servq.store.models import Base
from servq.web.app import create_app
from servq.web.settings import Settings, load_settings


def test_upgrade_creates_every_table_and_matches_the_models(database_url, new_engine):
    engine = new_engine(database_url)
    assert schema_revisions(engine)[0] is None
    before, after = upgrade(engine)
    assert before is None and after == schema_revisions(engine)[1]
    assert {"units", "users", "audit_log", "alembic_version"} <= set(inspect(engine).get_table_names())
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    assert upgrade(engine) == (after, after)  # a second upgrade changes nothing
    require_current_schema(engine)


def test_server_refuses_an_empty_or_outdated_schema(database_url, settings, new_engine):
    engine = new_engine(database_url)
    with pytest.raises(UsageError, match="servq db upgrade"):
        create_app(settings)
    upgrade(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql("update alembic_version set version_num = 'older'")
    with pytest.raises(UsageError, match=r"at schema revision older, servq needs .*servq db upgrade"):
        require_current_schema(engine)


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path, new_engine):
    engine = new_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("pragma journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("pragma foreign_keys").scalar() == 1


def test_unsupported_or_malformed_database_urls_are_named():
    with pytest.raises(UsageError, match="unsupported database 'mysql'"):
        make_engine("mysql://localhost/x")
    with pytest.raises(UsageError, match="not a database URL"):
        make_engine("not a url")


def test_production_refuses_insecure_defaults():
    with pytest.raises(UsageError) as err:
        Settings(mode="production", secret_key="short", allowed_hosts=["*"]).check()
    assert "SERVQ_SECRET_KEY" in str(err.value) and "SERVQ_ALLOWED_HOSTS" in str(err.value)
    Settings(mode="production", secret_key="k" * 32, allowed_hosts=["survey.example.org"]).check()
    dev = Settings(mode="development").check()
    assert dev.secret() == dev.secret() and len(dev.secret()) >= 32  # random, stable per process


def test_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("SERVQ_ALLOWED_HOSTS", "a.example.org, b.example.org")
    monkeypatch.setenv("SERVQ_DATABASE_URL", "sqlite:///elsewhere.db")
    monkeypatch.setenv("SERVQ_SESSION_HOURS", "2")
    s = load_settings()
    assert s.allowed_hosts == ["a.example.org", "b.example.org"]
    assert (s.database_url, s.session_hours, s.mode) == ("sqlite:///elsewhere.db", 2.0, "production")
    monkeypatch.setenv("SERVQ_SESSION_HOURS", "soon")
    with pytest.raises(UsageError, match="SERVQ_SESSION_HOURS"):
        load_settings()
