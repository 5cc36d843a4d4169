"""CSRF tokens, rate limits and security headers.

* CSRF: a random token per session, put in every form as ``csrf_token`` and compared in
  constant time on every state-changing request (synchroniser-token pattern).
* Rate limits: the public forms' posts per client (an IPv4 address, an IPv6 /64) in a
  sliding window in this process's memory, of bounded size (several processes behind a
  balancer each count their own); sign-in attempts in the database, shared by all.
* Headers: a Content-Security-Policy without inline scripts or styles, no framing (except
  on routes marked embeddable), no MIME sniffing, no referrer to other sites.
"""

from __future__ import annotations

import base64
import bisect
import hashlib
import hmac
import ipaddress
import math
import secrets
import threading
import time
from collections import OrderedDict
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
    :func:`count_attempt`, which every process shares).

    Its memory is bounded whatever the number of keys a flood brings (every IPv6 address
    of a network, say): the keys are kept in the order they were last used, so those whose
    window has passed are dropped from the front as others come (each ``take`` does a
    constant amount of work on average), and beyond ``max_keys`` live keys the least
    recently used is forgotten."""

    def __init__(self, limit: int, window: float, clock=time.monotonic, max_keys: int = 100_000):
        self.limit, self.window, self.clock, self.max_keys = limit, window, clock, max_keys
        self._events: OrderedDict[str, list[float]] = OrderedDict()  # a key's times, oldest first
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._events)

    def take(self, key: str) -> float:
        """Count an event for ``key`` if the limit allows it (checked and counted at once):
        0 when it was allowed, else the seconds until it would be."""
        with self._lock:
            now = self.clock()
            since = now - self.window
            events = self._events.pop(key, None) or []
            del events[:bisect.bisect_right(events, since)]
            self._forget(since)
            self._events[key] = events  # the most recently used key is last
            if len(events) >= self.limit:
                return events[0] + self.window - now
            events.append(now)
            return 0.0

    def _forget(self, since: float) -> None:
        """Drop the least recently used keys whose window has passed, and as many more as
        make room for one under ``max_keys``."""
        while self._events:
            key, events = next(iter(self._events.items()))
            if len(self._events) < self.max_keys and events[-1] > since:
                return
            del self._events[key]


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


def client_key(request: Request) -> str:
    """Whom the rate limits count a request against: the client's address — the
    connection's peer, or the address a trusted reverse proxy says it forwarded for
    (``SERVQ_TRUSTED_PROXIES``, applied by the app's proxy middleware) — as
    :func:`address_key` makes it."""
    return address_key(request.client.host if request.client else "-")


def address_key(address: str) -> str:
    """An IPv4 address as it is, an IPv6 address as its /64 network (one subscriber, one
    home or one server gets a whole /64 and may use any address in it: counted by address,
    each of its 2**64 addresses would have a limit of its own); an IPv4 address written as
    IPv6 (``::ffff:192.0.2.1``) as the IPv4 address. Anything else (a Unix socket, a test
    client's name) as it is.

    >>> address_key("2001:db8:1:2:a:b:c:d"), address_key("::ffff:192.0.2.1"), address_key("192.0.2.1")
    ('2001:db8:1:2::/64', '192.0.2.1', '192.0.2.1')
    """
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])  # without an IPv6 zone (fe80::1%eth0)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        return str(ip.ipv4_mapped or ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


def submit_wait(request: Request) -> float:
    """0 when this client (:func:`client_key`) may post another public form now (the post
    is counted), else the seconds it has to wait. The key is held in memory for the window
    only, never stored."""
    limiter: RateLimiter | None = request.app.state.submit_limiter
    return limiter.take(client_key(request)) if limiter is not None else 0.0


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
