"""What a request meets before any route reads it (web/edge.py) and the headers of every
answer (web/security.py), on both databases: body limits before reading, authentication
before reading, 503 with Retry-After when the database's write lock is not free in time
or too many requests are under way, HSTS and no-store, forwarded addresses only from
trusted proxies."""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager

import anyio
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from web_helpers import csrf_of, sign_in

from servq.store.db import session_factory, write_lock
from servq.store.models import RateCounter, Survey
from servq.web.app import create_app
from servq.web.security import attempt_key, new_token

MB = 1 << 20


def _raw(app, method: str, path: str, headers: dict[str, str], chunks: list[bytes] | None):
    """Call the ASGI app directly; ``chunks`` None: reading the body fails the test. Returns
    (status, headers, number of body messages the app read)."""
    read = {"n": 0}
    out: dict = {}

    async def receive():
        if chunks is None:
            raise AssertionError(f"{method} {path}: the body was read")
        read["n"] += 1
        i = read["n"] - 1
        return {"type": "http.request", "body": chunks[i] if i < len(chunks) else b"",
                "more_body": i < len(chunks) - 1}

    async def send(message):
        if message["type"] == "http.response.start":
            out["status"] = message["status"]
            out["headers"] = {k.decode(): v.decode() for k, v in message["headers"]}

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "https",
             "path": path, "raw_path": path.encode(), "root_path": "", "query_string": b"",
             "headers": [(b"host", b"testserver")] + [(k.lower().encode(), v.encode()) for k, v in headers.items()],
             "client": ("198.51.100.7", 40000), "server": ("testserver", 443)}
    anyio.run(app, scope, receive, send)
    return out["status"], out["headers"], read["n"]


def test_anonymous_uploads_and_api_bodies_are_refused_unread(client):
    app = client.app
    # declared too large: 413 from the Content-Length alone
    status, _, _ = _raw(app, "POST", "/admin/surveys", {"content-length": str(200 * MB),
                                                          "content-type": "multipart/form-data; boundary=x"}, None)
    assert status == 413
    # streamed (no length): the gate answers before the body is read
    status, headers, _ = _raw(app, "POST", "/admin/surveys", {"content-type": "multipart/form-data; boundary=x",
                                                                "transfer-encoding": "chunked"}, None)
    assert status == 303 and headers["location"] == "/login"
    status, headers, _ = _raw(app, "POST", "/api/v1/complaints", {"content-type": "application/json"}, None)
    assert status == 401 and headers["www-authenticate"] == "Bearer"
    status, _, _ = _raw(app, "POST", "/api/v1/complaints", {"content-length": str(100 * MB),
                                                              "content-type": "application/json"}, None)
    assert status == 413


def test_a_streamed_body_is_cut_off_at_the_limit(client, engine):
    with session_factory(engine)() as s:
        slug = s.scalar(select(Survey.slug))
    chunk = b"comment=" + b"x" * (64 * 1024)
    status, headers, read = _raw(client.app, "POST", f"/s/{slug}/u/2", {
        "content-type": "application/x-www-form-urlencoded"}, [chunk] * 1600)  # 100 MB if all were read
    assert status == 413 and read <= 5  # stopped just past 256 KB
    assert headers["x-content-type-options"] == "nosniff"
    declared = client.post(f"/s/{slug}/u/2", content=b"x" * (300 * 1024),
                           headers={"content-type": "application/x-www-form-urlencoded"})
    assert declared.status_code == 413 and "at most 256 KB" in declared.text


def test_uploads_have_their_own_larger_limit(client):
    sign_in(client, "admin@example.org")
    token = csrf_of(client.get("/admin/units").text)
    big_form = client.post("/admin/units", data={"csrf_token": token, "name": "x" * (300 * 1024)})
    assert big_form.status_code == 413
    page = client.get("/admin/surveys/new").text
    big_file = b"# " + b"x" * (300 * 1024) + b"\nid: mine\n"
    r = client.post("/admin/surveys", data={"csrf_token": csrf_of(page), "title": "T", "instrument": "custom"},
                    files={"yaml_file": ("mine.yaml", big_file, "application/x-yaml")})
    assert r.status_code != 413 and r.status_code < 500


@contextmanager
def _database_held(app):
    """Hold what a request must wait for: SQLite's process write lock, or (PostgreSQL) every
    connection of the server's pool."""
    lock = write_lock(app.state.sessions)
    if lock is not None:
        with lock:
            yield
        return
    engine = app.state.engine  # a pool of SERVQ_THREADS connections and as many more (make_engine)
    held = [engine.connect() for _ in range(2 * app.state.settings.threads)]
    try:
        yield
    finally:
        for conn in held:
            conn.close()


def test_a_request_waits_for_the_database_only_so_long_then_503(settings, engine, org_tree):
    quick = settings.model_copy(update={"write_wait_seconds": 0.3, "threads": 2})
    with TestClient(create_app(quick), base_url="https://testserver") as client:
        sign_in(client, "admin@example.org")
        token = csrf_of(client.get("/admin/units").text)
        with session_factory(engine)() as s:
            slug = s.scalar(select(Survey.slug))
        with _database_held(client.app):
            r = client.post("/admin/units", data={"csrf_token": token, "name": "Waiting"})
            assert r.status_code == 503 and r.headers["retry-after"] == "5"
            sent = client.post(f"/s/{slug}/u/2", data={"key": new_token(), "page": "0", "action": "next"})
            assert sent.status_code == 503  # the group writer could not commit either
            api = client.get("/api/v1/surveys", headers={"authorization": "Bearer " + new_token()})
            assert api.status_code in (401, 503)  # 503 where the token could not even be looked up
            assert client.get("/healthz").status_code == 200
        assert client.post("/admin/units", data={"csrf_token": token, "name": "Later"},
                           follow_redirects=False).status_code in (200, 303)


def test_too_many_requests_under_way_get_503_and_health_still_answers(settings, engine, org_tree):
    small = settings.model_copy(update={"max_pending": 2, "write_wait_seconds": 3, "threads": 2})
    with TestClient(create_app(small), base_url="https://testserver") as client:
        sign_in(client, "admin@example.org")
        token = csrf_of(client.get("/admin/units").text)
        with _database_held(client.app):
            waiting = [threading.Thread(target=client.post, args=("/admin/units",),
                                        kwargs={"data": {"csrf_token": token, "name": f"U{i}"}}) for i in range(2)]
            for t in waiting:
                t.start()
            time.sleep(0.5)
            r = client.get("/admin/units")
            assert r.status_code == 503 and r.headers["retry-after"] == "5"
            assert client.get("/healthz").json() == {"status": "ok"}
        for t in waiting:
            t.join()
        assert client.get("/admin/units").status_code == 200


def test_security_headers_on_every_answer_errors_included(settings, engine, org_tree):
    with TestClient(create_app(settings), base_url="https://testserver", raise_server_exceptions=False) as client:
        def boom():
            raise RuntimeError("a bug")

        client.app.add_api_route("/boom", boom)
        answers = {"page": client.get("/login"), "not found": client.get("/nowhere"),
                   "bug": client.get("/boom"), "unauthenticated api": client.get("/api/v1/surveys"),
                   "too large": client.post("/login", content=b"x" * (300 * 1024)),
                   "wrong host": client.get("/login", headers={"host": "evil.example"})}
        assert answers["bug"].status_code == 500 and "a bug" not in answers["bug"].text
        assert answers["wrong host"].status_code == 400
        for what, r in answers.items():
            assert r.headers["strict-transport-security"].startswith("max-age="), what
            assert r.headers["x-content-type-options"] == "nosniff", what
            assert "default-src 'self'" in r.headers["content-security-policy"], what
            assert r.headers["cache-control"] == "no-store", what
        assert "cache-control" not in client.get("/static/servq.css").headers


def test_no_hsts_in_development(settings, engine, org_tree):
    dev = settings.model_copy(update={"mode": "development"})
    with TestClient(create_app(dev), base_url="https://testserver") as client:
        assert "strict-transport-security" not in client.get("/login").headers


def _failed_login_keys(settings, engine, peer: str, forwarded: str) -> set[str]:
    with TestClient(create_app(settings), base_url="https://testserver", client=(peer, 5000)) as client:
        token = csrf_of(client.get("/login").text)
        client.post("/login", data={"email": "admin@example.org", "password": "wrong-password-1",
                                    "csrf_token": token}, headers={"x-forwarded-for": forwarded})
    with session_factory(engine)() as s:
        return set(s.scalars(select(RateCounter.key)))


def test_forwarded_addresses_are_believed_only_from_trusted_proxies(settings, engine, org_tree):
    def keys(address):
        return {attempt_key("login", address, "admin@example.org"), attempt_key("login", address)}

    assert _failed_login_keys(settings, engine, "10.0.0.1", "203.0.113.9") == keys("10.0.0.1")
    behind = settings.model_copy(update={"trusted_proxies": ["10.0.0.0/24"]})
    assert keys("203.0.113.9") <= _failed_login_keys(  # the proxy's own client, not what it was told
        behind, engine, "10.0.0.1", "198.51.100.1, 203.0.113.9")


def test_trusted_proxies_must_be_addresses():
    from servq.errors import UsageError
    from servq.web.settings import load_settings

    with pytest.raises(UsageError, match="'proxy.example' is not an IP address or network"):
        load_settings(trusted_proxies="10.0.0.1, proxy.example")
