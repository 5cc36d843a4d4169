"""What every request passes before any route reads it: how many may be in the works at
once, how large its body may be, and — for the administration and the API — whether it
comes from someone signed in, all checked before a byte of the body is read.

* :class:`Admission`: at most ``SERVQ_MAX_PENDING`` requests at work at once (beyond, ``503``
  with ``Retry-After``: a saturated server says so at once instead of queueing without end;
  ``/healthz`` always answers); bodies up to ``SERVQ_MAX_BODY_KB``, or
  ``SERVQ_MAX_UPLOAD_MB`` for a route that takes a file — refused with ``413`` from the
  declared ``Content-Length`` before reading, or as soon as a streamed body passes it.
  A request waiting for its client to send more of its body is not at work: a slow or
  stalled sender ("slow POST") would otherwise fill ``SERVQ_MAX_PENDING`` with requests that
  do nothing and shut everybody out. Instead its body must come within
  ``SERVQ_BODY_SECONDS`` plus a second for every :data:`MIN_RATE` bytes received (Apache's
  ``mod_reqtimeout`` rule), else ``408``; at most twice ``SERVQ_MAX_PENDING`` requests are
  open at once, waiting or at work (which bounds the memory their bodies hold), and one
  whose body is complete when ``SERVQ_MAX_PENDING`` are at work gets ``503``.
* :class:`AuthGate`: ``/admin`` and ``/supervise`` need a live server-side session (else a
  redirect to the sign-in page), ``/api/v1`` a valid API token (else ``401``); a supervisor
  may see ``/supervise`` only, and nobody else may (``403``); the body of a request that
  fails is never read, so an anonymous upload costs neither memory nor disk.

* :class:`HeadAsGet`: ``HEAD`` is ``GET`` without the body.

All are plain ASGI middleware; what they answer carries the security headers (that
middleware is outside them) and, for ``/api/``, the API's error body.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from urllib.parse import quote

import anyio
import anyio.to_thread
from fastapi import HTTPException, params
from fastapi.routing import APIRoute
from sqlalchemy.exc import TimeoutError as PoolTimeout

from ..store.db import Busy
from ..store.models import SUPERVISOR
from . import accounts
from .languages import Msg

HEALTH = "/healthz"
SUPERVISE = "/supervise"  # a supervisor's own pages (supervisor_routes.py): theirs only, and only theirs
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_BUSY = "The server is busy. Try again in a few seconds."


def _is_api(scope) -> bool:
    return scope["path"].startswith("/api/")


async def _answer(scope, send, status: int, message: str, headers: dict[str, str] | None = None) -> None:
    """A short error answer: the API's error body for ``/api/``, plain text elsewhere."""
    if _is_api(scope):
        body, kind = json.dumps({"detail": message, "errors": []}).encode(), b"application/json"
    else:
        body, kind = message.encode(), b"text/plain; charset=utf-8"
    raw = [(b"content-type", kind), (b"content-length", str(len(body)).encode())]
    if scope["method"] in _BODY_METHODS:  # a body may be on its way that nobody will read
        raw.append((b"connection", b"close"))
    raw += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


def takes_file(route) -> bool:
    """Whether ``route`` accepts an uploaded file (it then gets the upload size limit)."""
    def files(dependant) -> bool:
        return any(isinstance(f.field_info, params.File) for f in dependant.body_params) or \
            any(files(d) for d in dependant.dependencies)
    return isinstance(route, APIRoute) and files(route.dependant)


MIN_RATE = 4096  # bytes a second a body must come at, on average, after SERVQ_BODY_SECONDS


class Admission:
    """The number of requests in the works and the size of their bodies (see the module).
    ``upload_routes``: the routes that take a file (:func:`takes_file`), with the upload limit."""

    def __init__(self, app, *, max_pending: int, max_body: int, max_upload: int, upload_routes=(),
                 retry_after: int = 5, body_seconds: float = 30):
        self.app = app
        self.max_pending, self.max_body, self.max_upload = max_pending, max_body, max_upload
        self.body_seconds = body_seconds
        self.uploads = [(route.methods, route.path_regex) for route in upload_routes]
        self.retry_after = str(retry_after)
        self.pending = 0  # requests at work
        self.open = 0  # requests at work or waiting for their body

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["path"] == HEALTH:
            return await self.app(scope, receive, send)
        if self.pending >= self.max_pending or self.open >= 2 * self.max_pending:
            return await _answer(scope, send, 503, _BUSY, {"Retry-After": self.retry_after})
        if scope["method"] in _BODY_METHODS:
            limit = self._limit(scope)
            declared = dict(scope["headers"]).get(b"content-length", b"")
            if declared.isdigit() and int(declared) > limit:
                return await _answer(scope, send, 413, _too_large(limit))
            receive = self._bounded(receive, limit)
        self.pending += 1
        self.open += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.pending -= 1
            self.open -= 1

    def _limit(self, scope) -> int:
        for methods, regex in self.uploads:
            if scope["method"] in methods and regex.match(scope["path"]):
                return self.max_upload
        return self.max_body

    def _bounded(self, receive, limit: int):
        """``receive`` of a request's body: 413 as soon as more than ``limit`` bytes came;
        408 when the body is not in by its deadline (see the module); 503 when it is in and
        the server is saturated. While it waits for the client the request is not at work."""
        seen, complete = 0, False
        started = time.monotonic()

        async def bounded():
            nonlocal seen, complete
            if complete:  # the body is in (a later call waits for the client to disconnect)
                return await receive()
            self.pending -= 1
            try:
                with anyio.fail_after(max(0.0, started + self.body_seconds + seen / MIN_RATE - time.monotonic())):
                    message = await receive()
            except TimeoutError:
                raise HTTPException(status_code=408, detail="The request's body did not arrive in time.",
                                    headers={"Connection": "close"}) from None
            finally:
                busy = self.pending >= self.max_pending
                self.pending += 1
            complete = message["type"] != "http.request" or not message.get("more_body", False)
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise HTTPException(status_code=413, detail=_too_large(limit))
                if complete and busy:
                    raise HTTPException(status_code=503, detail=Msg("msg.busy"), headers={"Retry-After": self.retry_after})
            return message

        return bounded


def _too_large(limit: int) -> str:
    size = f"{limit // (1 << 20)} MB" if limit >= 1 << 20 else f"{limit // 1024} KB"
    return f"The request is too large: at most {size} may be sent here."


class HeadAsGet:
    """``HEAD`` answered as ``GET`` is, without the body (RFC 9110: a server that answers GET
    answers HEAD; FastAPI's routes name GET alone, and would say 405). The routes see a GET:
    a HEAD only reads, and passes every check that GET does."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "HEAD":
            return await self.app(scope, receive, send)

        async def headers_only(message):
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        scope["method"] = "GET"  # in place: what the routes put in the scope's state is seen outside too
        await self.app(scope, receive, headers_only)


class AuthGate:
    """Signed-in users only on ``/admin``, API tokens only on ``/api/v1``, checked against
    the database before the route (and so the body) is reached. Sets ``state.user_id`` for
    the route's own role checks, and ``state.language``, the language of the user's pages.
    Inside the session middleware (it reads the cookie)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        path = scope.get("path", "")
        if scope["type"] != "http" or not (path in ("/admin", SUPERVISE) or path.startswith(("/admin/", "/api/v1/",
                                                                                             f"{SUPERVISE}/"))):
            return await self.app(scope, receive, send)
        state = scope["app"].state
        try:
            user_id, language, role = await self._user(scope, state, path)
        except (Busy, PoolTimeout):
            return await _answer(scope, send, 503, _BUSY, {"Retry-After": "5"})
        if user_id is None:
            if path.startswith("/api/"):
                return await _answer(scope, send, 401, "A valid API token is required (Authorization: Bearer ...).",
                                     {"WWW-Authenticate": "Bearer"})
            scope["session"].clear()
            target = "/login" + (f"?next={quote(path)}" if scope["method"] in ("GET", "HEAD") else "")
            return await _answer(scope, send, 303, "Sign in first.", {"Location": target})
        if (role == SUPERVISOR) != path.startswith(SUPERVISE):  # a supervisor's pages are theirs alone
            return await _answer(scope, send, 403, "Your role may not see this page.")
        scope.setdefault("state", {}).update(user_id=user_id, language=language)
        await self.app(scope, receive, send)

    @staticmethod
    async def _user(scope, state, path: str) -> tuple[int | None, str | None, str | None]:
        """(the user's id or None, the language of their pages or None, their role or None for a token)."""
        if path.startswith("/api/"):
            token = _bearer(scope)
            return (await anyio.to_thread.run_sync(_token_user, state, token) if token else None), None, None
        sid = scope["session"].get("sid")
        found = await anyio.to_thread.run_sync(_session_user, state, sid) if sid else None
        return found or (None, None, None)


def _bearer(scope) -> str:
    scheme, _, token = dict(scope["headers"]).get(b"authorization", b"").decode("latin-1").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def _session_user(state, sid: str) -> tuple[int, str | None, str] | None:
    with state.read_sessions() as session:
        return accounts.session_user(session, sid, datetime.now(UTC))


def _token_user(state, token: str) -> int | None:
    with state.read_sessions() as session:
        return accounts.token_user_id(session, token)
