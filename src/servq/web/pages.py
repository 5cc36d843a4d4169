"""What every page route shares: the database session of a request, the signed-in user and
role checks, the CSRF form field, and rendering a template."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session, sessionmaker

from .. import __version__
from . import surveys
from .db import transaction
from .models import User
from .security import csrf_token

_HERE = __file__.rsplit("/", 1)[0]
templates = Jinja2Templates(directory=f"{_HERE}/templates")
templates.env.globals["version"] = __version__


class LoginRequired(Exception):
    """Raised by :func:`current_user`; the app answers with a redirect to the sign-in page."""


def db(request: Request):
    """One transaction per request: committed when the route returns, rolled back on an
    error. Routes that use it are synchronous (run in threads): SQLite's busy wait must
    never block the event loop while another request holds the write lock. GET requests (which change nothing but a token's last use) read without taking
    SQLite's write lock."""
    state = request.app.state
    factory: sessionmaker[Session] = state.read_sessions if request.method in ("GET", "HEAD") else state.sessions
    with transaction(factory) as session:
        yield session


DB = Annotated[Session, Depends(db)]


def read_db(request: Request):
    """A session that only reads (never commits; SQLite: no write lock). A route that then
    writes ends it and opens its own short write transaction."""
    with request.app.state.read_sessions() as session:
        yield session


ReadDB = Annotated[Session, Depends(read_db)]


def current_user(request: Request, session: DB) -> User:
    user_id = request.session.get("user_id")
    user = session.get(User, user_id) if user_id else None
    if user is None or not user.active:
        request.session.pop("user_id", None)
        raise LoginRequired()
    return user


CurrentUser = Annotated[User, Depends(current_user)]


def _role(*roles: str):
    def check(user: CurrentUser) -> User:
        if user.role not in roles:
            raise HTTPException(status_code=403, detail="Your role may not do this.")
        return user

    return check


Administrator = Annotated[User, Depends(_role("administrator"))]
SurveyManager = Annotated[User, Depends(_role("administrator", "analyst"))]
# checked by check_csrf in every route that changes something: a missing token is refused with 403
Csrf = Annotated[str, Form(alias="csrf_token")]


def page(request: Request, name: str, context: dict, status_code: int = 200, headers=None) -> HTMLResponse:
    base = {"csrf": csrf_token(request), "signed_in": request.session.get("user_id") is not None,
            "role": request.session.get("role")}
    return templates.TemplateResponse(request, name, {**base, **context}, status_code=status_code,
                                      headers=headers)


def visible_survey(session: Session, user: User, survey_id: int):
    """The survey if ``user`` may see it; else 404, the same answer whether it does not
    exist or is not theirs."""
    survey = surveys.visible_survey(session, user, survey_id)
    if survey is None:
        raise HTTPException(status_code=404, detail="No such survey.")
    return survey
