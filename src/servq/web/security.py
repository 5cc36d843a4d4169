"""CSRF tokens, rate limits and security headers.

* CSRF: a random token per session, put in every form as ``csrf_token`` and compared in
  constant time on every state-changing request (synchroniser-token pattern).
* Rate limits: a sliding window per key (address and account for logins) kept in this
  process's memory — enough for one server process; several processes behind a balancer
  each count their own.
* Headers: a Content-Security-Policy without inline scripts or styles, no framing (except
  on routes marked embeddable), no MIME sniffing, no referrer to other sites.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
import secrets
import threading
import time
from collections import deque
from datetime import UTC, datetime, timedelta

from fastapi import HTTPException, Request
from sqlalchemy import case, delete, literal, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from starlette.datastructures import MutableHeaders

from ..store.models import RateCounter
from .languages import Msg

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "form-action 'self'; base-uri 'none'; object-src 'none'; frame-ancestors 'none'")
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def new_token() -> str:
    """A random, unguessable token (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def derived_token(secret: str, purpose: str) -> str:
    """A token that only the holder of ``secret`` can make (again): the HMAC-SHA256 of
    ``purpose``, 256 bits, URL-safe like :func:`new_token`. The worker makes an invitation's
    and an unsubscribe link's token this way, so that a message sent again after a failure
    carries the same links while the database holds only their hashes."""
    digest = hmac.new(secret.encode(), purpose.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def token_hash(token: str) -> str:
    """What is stored of a token: a database dump alone cannot be used to act with it."""
    return hashlib.sha256(token.encode()).hexdigest()


def csrf_token(request: Request) -> str:
    """This session's CSRF token (created on first use)."""
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return token


def check_csrf(request: Request, submitted: str | None) -> None:
    expected = request.session.get("csrf")
    if not expected or not submitted or not hmac.compare_digest(expected, submitted):
        raise HTTPException(status_code=403, detail=Msg("msg.csrf"))


class RateLimiter:
    """At most ``limit`` events per ``window`` seconds per key, in this process's memory (a
    flood guard of the respondent's pages; sign-ins are counted in the database by
    :func:`count_attempt`, which every process shares)."""

    def __init__(self, limit: int, window: float, clock=time.monotonic):
        self.limit, self.window, self.clock = limit, window, clock
        self._events: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        """Count an event for ``key`` if the limit allows it (checked and counted at once):
        0 when it was allowed, else the seconds until it would be."""
        with self._lock:
            now = self.clock()
            events = self._events.setdefault(key, deque())
            while events and events[0] <= now - self.window:
                events.popleft()
            if len(events) >= self.limit:
                return events[0] + self.window - now
            events.append(now)
            if len(self._events) > 100_000:  # keys of the past: forget them, not the memory
                self._events = {k: v for k, v in self._events.items() if v and v[-1] > now - self.window}
            return 0.0


def attempt_key(kind: str, *parts: str) -> str:
    """The key under which attempts of ``kind`` by ``parts`` (an address, an e-mail as
    typed) are counted: a hash, so that neither is stored and any text makes a valid key."""
    return f"{kind}:" + hashlib.sha256("\x1f".join(parts).encode("utf-8", "replace")).hexdigest()


def count_attempt(session: Session, key: str, limit: int, window: int, now: datetime) -> float:
    """Count one attempt for ``key`` in the database and say whether it is allowed: 0 if
    so, else the seconds until the window (fixed, ``window`` seconds from its first
    attempt) ends. One statement counts and reads, so concurrent attempts (from any
    server process) cannot all see the count before the others raised it."""
    table = RateCounter.__table__
    stamp = literal(now, RateCounter.window_start.type)
    stale = table.c.window_start <= literal(now - timedelta(seconds=window), RateCounter.window_start.type)
    insert = (postgresql.insert if session.bind.dialect.name == "postgresql" else sqlite.insert)(table)
    statement = insert.values(key=key, window_start=stamp, count=1).on_conflict_do_update(
        index_elements=["key"],
        set_={"count": case((stale, 1), else_=table.c.count + 1),
              "window_start": case((stale, stamp), else_=table.c.window_start)},
    ).returning(table.c.count, table.c.window_start)
    count, start = session.execute(statement).one()
    if count <= limit:
        return 0.0
    start = start if start.tzinfo else start.replace(tzinfo=UTC)
    return max(1.0, window - (now - start).total_seconds())


def forget_attempts(session: Session, key: str, *, one: bool = False) -> None:
    """Forget ``key``'s attempts (``one``: only the last one counted)."""
    table = RateCounter.__table__
    if one:
        session.execute(update(table).where(table.c.key == key, table.c.count > 0).values(count=table.c.count - 1))
    else:
        session.execute(delete(table).where(table.c.key == key))


def retry_after(seconds: float) -> dict[str, str]:
    """The ``Retry-After`` header for a wait of ``seconds`` (whole seconds, at least 1)."""
    return {"Retry-After": str(max(1, math.ceil(seconds)))}


def client_address(request: Request) -> str:
    """The client's address: the connection's peer, or the address a trusted reverse proxy
    says it forwarded for (``SERVQ_TRUSTED_PROXIES``, applied by the app's proxy middleware)."""
    return request.client.host if request.client else "-"


def submit_wait(request: Request) -> float:
    """0 when this address may post another public form now (the post is counted), else
    the seconds it has to wait. The address is held in memory for the window only, never stored."""
    limiter: RateLimiter | None = request.app.state.submit_limiter
    return limiter.take(client_address(request)) if limiter is not None else 0.0


HSTS = "max-age=63072000; includeSubDomains"


class SecurityHeaders:
    """Adds :data:`HEADERS` and the CSP to every response, errors included (an exception
    that no handler took becomes a plain 500 that still carries them); ``no-store`` to every
    response but static files (pages and API answers hold personal or confidential data);
    HSTS when ``hsts`` (production). A route may relax framing by setting
    ``request.state.embeddable``, and may set its own CSP or caching. The outermost
    middleware, and a plain ASGI one (Starlette's ``BaseHTTPMiddleware`` costs about a
    millisecond a request)."""

    def __init__(self, app, hsts: bool = False):
        self.app = app
        self.hsts = hsts

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = False

        async def with_headers(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                self._add(scope, MutableHeaders(scope=message))
            await send(message)

        try:
            await self.app(scope, receive, with_headers)
        except Exception:
            if not started:  # Starlette's error middleware would answer without the headers
                await with_headers({"type": "http.response.start", "status": 500,
                                    "headers": [(b"content-type", b"text/plain; charset=utf-8")]})
                await send({"type": "http.response.body", "body": b"Internal server error"})
            raise

    def _add(self, scope, headers: MutableHeaders) -> None:
        state = scope.get("state", {})
        embeddable = state.get("embeddable", False)
        csp = CSP.replace("frame-ancestors 'none'", "frame-ancestors *") if embeddable else CSP
        if state.get("same_origin_frame"):  # the editor's phone preview, framed by the editor only
            csp = CSP.replace("frame-ancestors 'none'", "frame-ancestors 'self'")
            headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        if not embeddable and "x-frame-options" not in headers:
            headers["X-Frame-Options"] = HEADERS["X-Frame-Options"]
        if "content-security-policy" not in headers:
            headers["Content-Security-Policy"] = csp
        for name, value in HEADERS.items():
            if name != "X-Frame-Options" and name.lower() not in headers:
                headers[name] = value
        if self.hsts:
            headers["Strict-Transport-Security"] = HSTS
        if not scope["path"].startswith("/static/") and "cache-control" not in headers:
            headers["Cache-Control"] = "no-store"
