"""Signing in and out, and changing one's password."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ..errors import UsageError
from ..store.db import transaction
from ..store.models import SUPERVISOR, User
from . import accounts
from .edge import SUPERVISE
from .languages import LANGUAGES, Msg, reason
from .pages import DB, Csrf, CurrentUser, ReadDB, page
from .security import attempt_key, check_csrf, client_key, count_attempt, forget_attempts, retry_after

router = APIRouter(include_in_schema=False)


def safe_next(target: str | None) -> str:
    """Only a local path is a redirect target after sign-in (no open redirects). A browser
    reads ``\\`` as ``/`` and drops tabs and line breaks, so ``/\\evil.example`` and
    ``/<tab>/evil.example`` are other sites: a target with either is refused."""
    if not target or "\\" in target or not target.isprintable():
        return "/admin"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/admin"
    return target


@router.get("/healthz", include_in_schema=False)
async def healthz() -> dict:
    """Alive: answered on the event loop, needing no thread and no database, so it answers
    while every request thread is busy."""
    return {"status": "ok"}


@router.get("/", include_in_schema=False)
def home(request: Request) -> Response:
    return RedirectResponse(SUPERVISE if request.session.get("role") == SUPERVISOR else "/admin", status_code=303)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str | None = None):
    return page(request, "login.html", {"next": safe_next(next), "error": None, "email": ""})


@router.post("/login", response_class=HTMLResponse)
def login(request: Request, session: ReadDB, csrf: Csrf = "", email: Annotated[str, Form(max_length=320)] = "",
          password: Annotated[str, Form(max_length=1000)] = "", next: Annotated[str, Form(max_length=2000)] = "/admin"):
    """Sign in. Every attempt is counted before the password is checked, per address and
    account and per address (password spraying), in the database: concurrent attempts and
    several server processes share the counts. A success forgets them."""
    check_csrf(request, csrf)
    state = request.app.state
    settings = state.settings
    address = client_key(request)
    keys = (attempt_key("login", address, email.strip().lower()), attempt_key("login", address))
    now = datetime.now(UTC)
    with transaction(state.sessions) as write:
        wait = max(count_attempt(write, keys[0], settings.login_attempts, settings.login_window, now),
                   count_attempt(write, keys[1], settings.login_address_attempts, settings.login_window, now))
    if wait:
        raise HTTPException(status_code=429, detail=Msg("msg.login_wait"), headers=retry_after(wait))
    user = accounts.authenticate(session, email, password)
    if user is None:
        return page(request, "login.html", {"next": safe_next(next), "email": email,
                                            "error": Msg("msg.login_wrong")}, status_code=401)
    user_id, role = user.id, user.role
    with transaction(state.sessions) as write:
        token = accounts.start_session(write, user_id, password, settings.session_hours, now)
        forget_attempts(write, keys[0])
        forget_attempts(write, keys[1], one=True)
    request.session.clear()  # a new session on sign-in (no fixation)
    request.session.update({"sid": token, "role": role})
    target = safe_next(next)
    if (role == SUPERVISOR) != target.startswith(SUPERVISE):  # where this role may go (edge.AuthGate)
        target = SUPERVISE if role == SUPERVISOR else "/admin"
    return RedirectResponse(target, status_code=303)


@router.post("/logout")
def logout(request: Request, csrf: Csrf = ""):
    """Sign out: the server-side session ends, so a copy of the cookie is worthless."""
    check_csrf(request, csrf)
    sid = request.session.get("sid")
    if sid:
        with transaction(request.app.state.sessions) as write:
            accounts.end_session(write, sid)
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


def _account(request: Request, user: User, errors: dict | None = None, status: int = 200, **flags) -> HTMLResponse:
    return page(request, "account.html", {"user": user, "errors": errors or {}, "done": False,
                                          "language_saved": False, "min_password": accounts.MIN_PASSWORD_LENGTH,
                                          **flags}, status_code=status)


@router.get("/admin/account", response_class=HTMLResponse)
def account_page(request: Request, user: CurrentUser, saved: bool = False):
    return _account(request, user, language_saved=saved)


@router.post("/admin/account/language")
def set_language(request: Request, session: DB, user: CurrentUser, csrf: Csrf = "",
                 language: Annotated[Literal["", *LANGUAGES], Form()] = ""):
    """The language of one's pages (blank: the browser's preference)."""
    check_csrf(request, csrf)
    accounts.set_language(session, session.get(User, user.id), language or None)
    return RedirectResponse("/admin/account?saved=1#language", status_code=303)


@router.post("/admin/account", response_class=HTMLResponse)
def change_password(request: Request, session: DB, user: CurrentUser, csrf: Csrf = "",
                    current: Annotated[str, Form(max_length=1000)] = "",
                    new: Annotated[str, Form(max_length=1000)] = "",
                    repeat: Annotated[str, Form(max_length=1000)] = ""):
    """Change one's own password: every session of the account ends (other browsers are
    signed out) and this browser gets a new one. Attempts are counted per account as
    sign-ins are (whoever holds a stolen session cannot guess the password here instead)."""
    check_csrf(request, csrf)
    settings = request.app.state.settings
    key = attempt_key("password", str(user.id))
    with transaction(request.app.state.sessions) as write:
        wait = count_attempt(write, key, settings.login_attempts, settings.login_window, datetime.now(UTC))
    if wait:
        raise HTTPException(status_code=429, detail=Msg("msg.login_wait"), headers=retry_after(wait))
    errors = {}
    user = session.get(User, user.id)
    if accounts.authenticate(session, user.email, current) is None:
        errors["current"] = Msg("msg.password_not_current")
    elif new != repeat:
        errors["repeat"] = Msg("msg.passwords_differ")
    else:
        try:
            accounts.set_password(session, user, new, actor=user)
        except UsageError as exc:
            errors["new"] = reason(exc)
    if errors:
        return _account(request, user, errors, 422)
    forget_attempts(session, key)
    token = accounts.start_session(session, user.id, new, settings.session_hours, datetime.now(UTC))
    request.session["sid"] = token
    return _account(request, user, done=True)
