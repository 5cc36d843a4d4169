"""Users and passwords, and the web platform's commands."""

from __future__ import annotations

import io

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select
from web_helpers import PASSWORD

from servq.cli import main
from servq.errors import UsageError
from servq.store.db import head_revision, session_factory, transaction
from servq.store.models import AuditEntry, User
from servq.web import accounts


def test_production_hashing_is_argon2id_with_owasp_parameters():
    hasher = PasswordHasher()  # what accounts uses outside the tests
    assert hasher.time_cost >= 2 and hasher.memory_cost >= 19 * 1024
    assert hasher.hash(PASSWORD).startswith("$argon2id$")


def test_passwords_are_stored_hashed_and_checked(engine):
    with transaction(session_factory(engine)) as s:
        user = accounts.create_user(s, "Someone@Example.org", PASSWORD, "analyst", name=" Some One ")
        assert (user.email, user.name) == ("someone@example.org", "Some One")
        assert PASSWORD not in user.password_hash and user.password_hash.startswith("$argon2id$")
    with transaction(session_factory(engine)) as s:
        assert accounts.authenticate(s, "someone@example.org", PASSWORD).email == "someone@example.org"
        assert accounts.authenticate(s, "someone@example.org", PASSWORD + "x") is None
        assert accounts.authenticate(s, "not-an-address", PASSWORD) is None


@pytest.mark.parametrize("email, role, password, unit, message", [
    ("bad", "analyst", PASSWORD, None, "not an e-mail address"),
    ("a@example.org", "boss", PASSWORD, None, "unknown role 'boss'"),
    ("a@example.org", "unit_manager", PASSWORD, None, "needs a unit"),
    ("a@example.org", "unit_manager", PASSWORD, 999, "no unit with id 999"),
    ("a@example.org", "analyst", "short", None, "at least 12 characters"),
])
def test_invalid_users_are_refused(engine, email, role, password, unit, message):
    with transaction(session_factory(engine)) as s, pytest.raises(UsageError, match=message):
        accounts.create_user(s, email, password, role, unit_id=unit)


def test_cli_upgrades_the_database_and_creates_the_first_administrator(database_url, monkeypatch, capsys):
    monkeypatch.setenv("SERVQ_DATABASE_URL", database_url)
    with pytest.raises(SystemExit) as exit_:
        main(["admin", "create-user", "--email", "first@example.org", "--password-stdin"])
    assert exit_.value.code == 1 and "servq db upgrade" in capsys.readouterr().err
    for _ in range(2):
        with pytest.raises(SystemExit) as exit_:
            main(["db", "upgrade"])
        assert exit_.value.code == 0
    out = capsys.readouterr().out
    head = head_revision()
    assert f"schema upgraded from empty to revision {head}" in out and f"schema already at revision {head}" in out
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    with pytest.raises(SystemExit) as exit_:
        main(["admin", "create-user", "--email", "first@example.org", "--password-stdin"])
    assert exit_.value.code == 0 and "created administrator first@example.org" in capsys.readouterr().out
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    with pytest.raises(SystemExit) as exit_:
        main(["admin", "create-user", "--email", "first@example.org", "--password-stdin"])
    err = capsys.readouterr().err
    assert exit_.value.code == 1 and "already exists" in err and "Traceback" not in err
    from servq.store.db import make_engine

    engine = make_engine(database_url)
    with session_factory(engine)() as s:
        assert s.scalar(select(User.role).where(User.email == "first@example.org")) == "administrator"
        assert s.scalar(select(AuditEntry.actor)) == "command line"
    engine.dispose()


def test_serve_refuses_insecure_settings_without_a_traceback(database_url, monkeypatch, capsys):
    monkeypatch.setenv("SERVQ_DATABASE_URL", database_url)
    monkeypatch.delenv("SERVQ_SECRET_KEY", raising=False)
    monkeypatch.delenv("SERVQ_MODE", raising=False)
    with pytest.raises(SystemExit) as exit_:
        main(["serve"])
    err = capsys.readouterr().err
    assert exit_.value.code == 1 and "SERVQ_SECRET_KEY must be set" in err and "Traceback" not in err
