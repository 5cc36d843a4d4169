"""A real `servq serve` flooded with concurrent posts to the administration and sign-in
routes, anonymous and signed in, on both databases: every request is answered, `/healthz`
answers within a second throughout, and SIGTERM stops the server within its grace period.

Before the hardening, about 20 concurrent anonymous posts left every request thread waiting
for SQLite's write lock while its holder needed a thread to finish: nothing answered again
and SIGTERM was ignored (finding 1 of the hardening issue).
"""

from __future__ import annotations

import http.client
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

import pytest
from web_helpers import PASSWORD

from servq.store.db import make_engine, session_factory, transaction, upgrade
from servq.web import accounts, org

SERVQ = str(Path(sys.executable).with_name("servq"))
ANSWERED = {200, 303, 401, 403, 429, 503}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def live(database_url):
    engine = make_engine(database_url)
    upgrade(engine)
    with transaction(session_factory(engine)) as s:
        accounts.create_user(s, "admin@example.org", PASSWORD, "administrator")
        org.add_unit(s, "Head office", "region", None, None)
    engine.dispose()
    port = _free_port()
    env = {**os.environ, "SERVQ_DATABASE_URL": database_url, "SERVQ_SECRET_KEY": secrets.token_urlsafe(40),
           "SERVQ_ALLOWED_HOSTS": "127.0.0.1", "SERVQ_MODE": "production", "SERVQ_THREADS": "4",
           "SERVQ_WRITE_WAIT_SECONDS": "2"}
    proc = subprocess.Popen([SERVQ, "serve", "--port", str(port), "--grace", "3"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        for _ in range(400):
            if _status(port, "GET", "/healthz", timeout=1) == 200:
                break
            time.sleep(0.05)
        else:
            raise AssertionError(f"servq serve did not start: {proc.stderr.read().decode()[-2000:]}")
        yield port, proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        proc.stderr.close()


def _request(port: int, method: str, path: str, body: dict | None = None, cookie: str = "",
             timeout: float = 60) -> tuple[int, dict, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    headers = {"Cookie": cookie} if cookie else {}
    data = None
    if body is not None:
        data = urlencode(body)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        conn.request(method, path, body=data, headers=headers)
        r = conn.getresponse()
        return r.status, dict(r.getheaders()), r.read().decode("utf-8", "replace")
    finally:
        conn.close()


def _status(port: int, method: str, path: str, **kw) -> int | None:
    try:
        return _request(port, method, path, **kw)[0]
    except OSError:
        return None


def _cookie(headers: dict) -> str:
    return headers.get("set-cookie", "").split(";")[0]


def _csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def _signed_in(port: int) -> tuple[str, str]:
    """(the session cookie, its CSRF token) of a signed-in administrator."""
    _, headers, page = _request(port, "GET", "/login")
    anonymous = _cookie(headers)
    status, headers, _ = _request(port, "POST", "/login", {"email": "admin@example.org", "password": PASSWORD,
                                                           "csrf_token": _csrf(page)}, cookie=anonymous)
    assert status == 303, status
    cookie = _cookie(headers)
    _, headers, page = _request(port, "GET", "/admin/units", cookie=cookie)
    return _cookie(headers) or cookie, _csrf(page)  # the session now holds its CSRF token


class _Health(threading.Thread):
    """Asks `/healthz` every 50 ms with a one-second time-out; keeps the misses."""

    def __init__(self, port: int):
        super().__init__(daemon=True)
        self.port, self.misses, self.asked, self.done = port, [], 0, threading.Event()

    def run(self):
        while not self.done.is_set():
            began = time.monotonic()
            status = _status(self.port, "GET", "/healthz", timeout=1)
            self.asked += 1
            if status != 200:
                self.misses.append((round(time.monotonic() - began, 2), status))
            time.sleep(0.05)


def test_a_flood_of_posts_leaves_the_server_answering_and_stoppable(live):
    port, proc = live
    cookie, csrf = _signed_in(port)
    _, headers, page = _request(port, "GET", "/login")
    anonymous, anonymous_csrf = _cookie(headers), _csrf(page)
    floods = [lambda i: _request(port, "POST", "/admin/units", {"name": f"Anonymous {i}", "csrf_token": "x"}),
              lambda i: _request(port, "POST", "/login", {"email": f"u{i}@example.org", "password": "wrong"}),
              lambda i: _request(port, "POST", "/login", {"email": "admin@example.org", "password": "wrong-password",
                                                          "csrf_token": anonymous_csrf}, cookie=anonymous),
              lambda i: _request(port, "POST", "/admin/units", {"name": f"Branch {i}", "kind": "branch",
                                                                "csrf_token": csrf}, cookie=cookie)]
    health = _Health(port)
    health.start()
    with ThreadPoolExecutor(80) as pool:
        answers = list(pool.map(lambda i: floods[i % 4](i)[0], range(160)))
    health.done.set()
    health.join()
    assert set(answers) <= ANSWERED, sorted(set(answers))
    assert answers[3::4].count(303) + answers[3::4].count(503) == 40  # signed in: stored, or "busy, try again"
    assert health.asked >= 3 and health.misses == []
    began = time.monotonic()
    assert _status(port, "GET", "/healthz", timeout=1) == 200
    assert time.monotonic() - began < 1
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=3 + 10)  # the grace period, then uvicorn's own shutdown
    assert proc.returncode is not None
