"""Server-side sessions: signing out, a password change and deactivation end a session
everywhere, so a copied cookie is worthless; one's own password page; `servq admin
set-password` (both databases)."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

from cli_helpers import run
from sqlalchemy import func, select, update
from web_helpers import PASSWORD, csrf_of, sign_in

from servq.store.db import session_factory, transaction
from servq.store.models import User, WebSession

NEW_PASSWORD = "another-long-password"


def _copy(client):
    """A second client with the same cookies: someone who copied the session cookie."""
    from fastapi.testclient import TestClient

    thief = TestClient(client.app, base_url="https://testserver")
    thief.cookies.update(client.cookies)
    return thief


def _signed_in(client) -> bool:
    return client.get("/admin/units", follow_redirects=False).status_code == 200


def test_a_copied_cookie_stops_working_at_sign_out(client, engine):
    sign_in(client, "admin@example.org")
    thief = _copy(client)
    assert _signed_in(thief)
    client.post("/logout", data={"csrf_token": csrf_of(client.get("/admin/units").text)})
    assert not _signed_in(client)
    r = thief.get("/admin/units", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/admin/units"
    with session_factory(engine)() as s:
        assert s.scalar(select(func.count()).select_from(WebSession)) == 0


def test_a_password_change_signs_out_every_other_browser(client):
    sign_in(client, "analyst@example.org")
    other = _copy(client)
    page = client.get("/admin/account").text
    r = client.post("/admin/account", data={"csrf_token": csrf_of(page), "current": PASSWORD,
                                            "new": NEW_PASSWORD, "repeat": NEW_PASSWORD})
    assert r.status_code == 200 and "Your password was changed" in r.text
    assert _signed_in(client)  # this browser got a new session
    assert not _signed_in(other)
    client.post("/logout", data={"csrf_token": csrf_of(client.get("/admin/units").text)})
    assert sign_in(client, "analyst@example.org").status_code == 401
    assert sign_in(client, "analyst@example.org", NEW_PASSWORD).status_code == 303


def test_a_password_change_needs_the_current_password_and_a_long_new_one(client):
    sign_in(client, "analyst@example.org")
    token = csrf_of(client.get("/admin/account").text)
    wrong = client.post("/admin/account", data={"csrf_token": token, "current": "not-the-password",
                                                "new": NEW_PASSWORD, "repeat": NEW_PASSWORD})
    assert wrong.status_code == 422 and "This is not your current password." in wrong.text
    short = client.post("/admin/account", data={"csrf_token": token, "current": PASSWORD, "new": "short",
                                                "repeat": "short"})
    assert short.status_code == 422 and "at least 12 characters" in short.text
    differ = client.post("/admin/account", data={"csrf_token": token, "current": PASSWORD, "new": NEW_PASSWORD,
                                                 "repeat": NEW_PASSWORD + "x"})
    assert differ.status_code == 422 and "differ" in differ.text
    assert _signed_in(client)


def test_deactivating_a_user_ends_their_sessions(client, engine):
    manager = _copy(client)
    sign_in(manager, "north@example.org")
    assert _signed_in(manager)
    sign_in(client, "admin@example.org")
    with session_factory(engine)() as s:
        north = s.scalar(select(User.id).where(User.email == "north@example.org"))
    r = client.post(f"/admin/users/{north}/active", data={"csrf_token": csrf_of(client.get("/admin/users").text),
                                                          "active": "0"}, follow_redirects=False)
    assert r.status_code in (200, 303)
    assert not _signed_in(manager)
    with session_factory(engine)() as s:
        assert s.scalar(select(func.count()).select_from(WebSession).where(WebSession.user_id == north)) == 0


def test_an_expired_session_is_refused(client, engine):
    sign_in(client, "admin@example.org")
    with transaction(session_factory(engine)) as s:
        s.execute(update(WebSession).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    assert not _signed_in(client)


def test_only_a_hash_of_the_session_token_is_stored(client, engine):
    sign_in(client, "admin@example.org")
    with session_factory(engine)() as s:
        [stored] = s.scalars(select(WebSession.token_hash))
    assert len(stored) == 64 and stored not in client.cookies.get("servq_session", "")


def test_set_password_from_the_command_line_ends_sessions(client, database_url, monkeypatch, capsys):
    sign_in(client, "admin@example.org")
    monkeypatch.setenv("SERVQ_DATABASE_URL", database_url)
    monkeypatch.setattr("sys.stdin", io.StringIO(NEW_PASSWORD + "\n"))
    status, out, err = run(capsys, "admin", "set-password", "--email", "admin@example.org", "--password-stdin")
    assert status == 0, err
    assert "their sessions have ended" in out
    assert not _signed_in(client)
    assert sign_in(client, "admin@example.org", NEW_PASSWORD).status_code == 303
    monkeypatch.setattr("sys.stdin", io.StringIO(NEW_PASSWORD + "\n"))
    status, out, err = run(capsys, "admin", "set-password", "--email", "nobody@example.org", "--password-stdin")
    assert status != 0 and "no user with e-mail nobody@example.org" in err
    assert "Traceback" not in err


def test_db_backup_copies_a_sqlite_database_while_it_is_used(client, database_url, monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("SERVQ_DATABASE_URL", database_url)
    copy = tmp_path / "copy.db"
    status, out, err = run(capsys, "db", "backup", str(copy))
    if database_url.startswith("postgresql"):
        assert status == 1 and "for PostgreSQL use pg_dump" in err and not copy.exists()
        return
    assert status == 0 and "copied" in out, err
    from servq.store.db import make_engine

    backup = make_engine(f"sqlite:///{copy}")
    with session_factory(backup)() as s:
        assert s.scalar(select(func.count()).select_from(User)) == 5
    backup.dispose()
    status, _, err = run(capsys, "db", "backup", str(copy))
    assert status == 1 and "exists already" in err
