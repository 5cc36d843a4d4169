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

import hashlib
import hmac
import secrets
import threading
import time
from collections import deque

from fastapi import HTTPException, Request
from starlette.datastructures import MutableHeaders

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
        raise HTTPException(status_code=403, detail="The form has expired or did not come from this site. "
                                                     "Reload the page and try again.")


class RateLimiter:
    """At most ``limit`` events per ``window`` seconds per key."""

    def __init__(self, limit: int, window: float, clock=time.monotonic):
        self.limit, self.window, self.clock = limit, window, clock
        self._events: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str) -> deque[float]:
        events = self._events.setdefault(key, deque())
        cutoff = self.clock() - self.window
        while events and events[0] <= cutoff:
            events.popleft()
        return events

    def blocked(self, key: str) -> bool:
        with self._lock:
            return len(self._recent(key)) >= self.limit

    def hit(self, key: str) -> None:
        with self._lock:
            self._recent(key).append(self.clock())

    def reset(self, key: str) -> None:
        with self._lock:
            self._events.pop(key, None)


class SecurityHeaders:
    """Adds :data:`HEADERS` and the CSP to every response; a route may relax framing by
    setting ``request.state.embeddable``, and may set its own CSP. A plain ASGI middleware
    (Starlette's ``BaseHTTPMiddleware`` costs about a millisecond a request)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def with_headers(message):
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                embeddable = scope.get("state", {}).get("embeddable", False)
                csp = CSP.replace("frame-ancestors 'none'", "frame-ancestors *") if embeddable else CSP
                if not embeddable and "x-frame-options" not in headers:
                    headers["X-Frame-Options"] = HEADERS["X-Frame-Options"]
                if "content-security-policy" not in headers:
                    headers["Content-Security-Policy"] = csp
                for name, value in HEADERS.items():
                    if name != "X-Frame-Options" and name.lower() not in headers:
                        headers[name] = value
                path = scope["path"]
                if (path.startswith("/admin") or path == "/login") and "cache-control" not in headers:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, with_headers)
