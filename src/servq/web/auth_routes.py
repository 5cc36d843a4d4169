"""Signing in and out."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from . import accounts
from .pages import DB, Csrf, page
from .security import RateLimiter, check_csrf

router = APIRouter(include_in_schema=False)


def safe_next(target: str | None) -> str:
    """Only a local path is a redirect target after sign-in (no open redirects)."""
    if not target:
        return "/admin"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/admin"
    return target


@router.get("/healthz", include_in_schema=False)
def healthz() -> dict:
    return {"status": "ok"}


@router.get("/", include_in_schema=False)
def home() -> Response:
    return RedirectResponse("/admin", status_code=303)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str | None = None):
    return page(request, "login.html", {"next": safe_next(next), "error": None, "email": ""})


@router.post("/login", response_class=HTMLResponse)
def login(request: Request, session: DB, csrf: Csrf = "", email: Annotated[str, Form()] = "",
          password: Annotated[str, Form()] = "", next: Annotated[str, Form()] = "/admin"):
    check_csrf(request, csrf)
    limiter: RateLimiter = request.app.state.login_limiter
    key = f"{request.client.host if request.client else '-'}|{email.strip().lower()}"
    if limiter.blocked(key):
        raise HTTPException(status_code=429, detail="Too many failed sign-in attempts. Wait a few minutes and try "
                                                    "again.", headers={"Retry-After": str(limiter.window)})
    user = accounts.authenticate(session, email, password)
    if user is None:
        limiter.hit(key)
        return page(request, "login.html", {"next": safe_next(next), "email": email,
                                            "error": "The e-mail address or password is wrong."}, status_code=401)
    limiter.reset(key)
    request.session.clear()  # a new session on sign-in (no fixation)
    request.session.update({"user_id": user.id, "role": user.role})
    return RedirectResponse(safe_next(next), status_code=303)


@router.post("/logout")
def logout(request: Request, csrf: Csrf = ""):
    check_csrf(request, csrf)
    request.session.clear()
    return RedirectResponse("/login", status_code=303)
