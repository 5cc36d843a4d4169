"""What every page route shares: the database session of a request, the signed-in user and
role checks, the CSRF form field, and rendering a template."""

from __future__ import annotations

from functools import partial
from typing import Annotated
from urllib.parse import parse_qsl

import anyio
import anyio.to_thread
from fastapi import Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from .. import __version__
from ..store.models import SUPERVISOR, User
from . import languages, surveys
from .languages import Msg
from .names import name_in, title_in
from .params import FieldErrors, text_problem
from .security import check_csrf, csrf_token

_HERE = __file__.rsplit("/", 1)[0]
templates = Jinja2Templates(directory=f"{_HERE}/templates")
templates.env.globals["version"] = __version__


class LoginRequired(Exception):
    """Raised by :func:`current_user`; the app answers with a redirect to the sign-in page."""


async def db(request: Request):
    """One transaction per request: committed when the route returns, rolled back on an
    error. GET and HEAD only read (SQLite: no write lock). Any other request is first checked
    for its CSRF token (pages; the API authenticates with tokens, not cookies).

    Routes that use it are synchronous: the transaction begins with the route's first
    statement, on the route's thread — on SQLite a writing one takes the write lock there
    (db.py) — and ends here on a thread of its own. So the holder of the lock never waits for
    a request thread, however many requests wait for the lock: dependencies must not use
    this session (``current_user`` reads with a session of its own)."""
    writes = request.method not in ("GET", "HEAD")
    if writes and not request.url.path.startswith("/api/"):
        check_csrf(request, (await request.form()).get("csrf_token"))
    session = (request.app.state.sessions if writes else request.app.state.read_sessions)()
    try:
        yield session
    except BaseException:
        await _in_thread(_end, session, False)
        raise
    await _in_thread(_end, session, writes)


def _end(session: Session, commit: bool) -> None:
    try:
        if commit:
            session.commit()
    finally:
        session.close()  # rolls back what was not committed


async def _in_thread(fn, *args) -> None:
    """``fn(*args)`` on a thread of its own, not one of the request threads (which may all
    be busy), and to its end even when the request is cancelled."""
    with anyio.CancelScope(shield=True):
        await anyio.to_thread.run_sync(fn, *args, limiter=anyio.CapacityLimiter(1))


# "function": the transaction ends when the route returns, before the response is sent
# (FastAPI's default ends it after sending: a redirect could then reach the browser, and
# its next page be read, before the write was committed — or without it, had it failed).
DB = Annotated[Session, Depends(db, scope="function")]


def read_db(request: Request):
    """A session that only reads (never commits; SQLite: no write lock). A route that then
    writes ends it and opens its own short write transaction."""
    with request.app.state.read_sessions() as session:
        yield session


ReadDB = Annotated[Session, Depends(read_db, scope="function")]


def current_user(request: Request) -> User:
    """The signed-in user, read with a session of its own (not the route's: see :func:`db`)
    and returned detached, with its attributes loaded. The session itself was checked by
    the authentication gate (edge.py) before the request reached the route."""
    user_id = getattr(request.state, "user_id", None)
    if user_id is None:
        raise LoginRequired()
    with request.app.state.read_sessions() as session:
        user = session.get(User, user_id)
    if user is None or not user.active:
        raise LoginRequired()
    return user


CurrentUser = Annotated[User, Depends(current_user)]


def _role(*roles: str):
    def check(user: CurrentUser) -> User:
        if user.role not in roles:
            raise HTTPException(status_code=403, detail=Msg("msg.role_forbidden"))
        return user

    return check


Administrator = Annotated[User, Depends(_role("administrator"))]
SurveyManager = Annotated[User, Depends(_role("administrator", "analyst"))]
SupervisorUser = Annotated[User, Depends(_role(SUPERVISOR))]  # a customer supervisor (supervisor_routes.py)
# checked by check_csrf in every route that changes something: a missing token is refused with 403
Csrf = Annotated[str, Form(alias="csrf_token")]


def language(request: Request) -> str:
    """The language of a page: the signed-in user's (read with the session, edge.py), else
    the browser's preference among the pages' languages, else English."""
    chosen = getattr(request.state, "language", None)
    return chosen if chosen in languages.LANGUAGES else languages.negotiate(
        request.headers.get("accept-language"), default=languages.DEFAULT)


def texts(lang: str) -> dict:
    """What a template of the administration needs to write in ``lang``: ``t`` and ``tn``
    (strings, plurals), ``say`` (a message of the code), numbers, dates and names."""
    return {"lang": lang, "html_lang": languages.html_lang(lang), "lang_names": languages.LANG_NAMES,
            "lang_tags": {code: languages.html_lang(code) for code in languages.LANGUAGES},
            **{name: partial(fn, lang) for name, fn in (
                ("t", languages.t), ("tn", languages.tn), ("t_or", languages.t_or), ("say", languages.say),
                ("num", languages.number), ("dec", languages.decimal),
                ("pct", languages.percent), ("day", languages.day), ("when", languages.when),
                ("local", languages.local_when), ("dimension_name", languages.dimension), ("label", name_in),
                ("title", title_in))}}


class _Csrf:
    """The session's CSRF token, made when a page first writes it into a form: a page
    without a form (an error page a respondent meets) starts no session and sets no cookie."""

    def __init__(self, request: Request):
        self.request = request

    def __str__(self) -> str:
        return csrf_token(self.request)

    __html__ = __str__  # URL-safe characters only: nothing to escape


def page(request: Request, name: str, context: dict, status_code: int = 200, headers=None) -> HTMLResponse:
    base = {"csrf": _Csrf(request), "signed_in": getattr(request.state, "user_id", None) is not None,
            "role": request.session.get("role"), **texts(language(request))}
    return templates.TemplateResponse(request, name, {**base, **context}, status_code=status_code,
                                      headers=headers)


def site_url(request: Request) -> str:
    """The site's address for the links servq writes out in full (a saved questionnaire's
    link, survey links, QR codes, invitations): ``SERVQ_PUBLIC_URL``, else the request's
    own (its ``Host`` header, which the app accepts only for ``SERVQ_ALLOWED_HOSTS``)."""
    return (request.app.state.settings.public_url or str(request.base_url)).rstrip("/")


def visible_survey(session: Session, user: User, survey_id: int):
    """The survey if ``user`` may see it; else 404, the same answer whether it does not
    exist or is not theirs."""
    survey = surveys.visible_survey(session, user, survey_id)
    if survey is None:
        raise HTTPException(status_code=404, detail=Msg("msg.no_survey"))
    return survey


MULTILINE = ("comment", "text")  # the text areas of the public forms


MAX_FIELDS = 1000  # fields of a public form (Starlette's limit of a multipart form)


async def sent_form(request: Request) -> dict[str, str]:
    """Every text field a public form posted (the last value of a repeated name). A value with a
    control character (but tabs and line breaks in a text area) is refused (422): the
    checks of each field then only see text. A form of more than :data:`MAX_FIELDS`
    fields, or with a file (a public form takes none: it is never written to a temporary
    file), is refused (400). Bytes that are not UTF-8 read as U+FFFD, as browsers read them."""
    if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        try:
            fields = parse_qsl((await request.body()).decode("utf-8", "replace"), keep_blank_values=True,
                               max_num_fields=MAX_FIELDS)
        except ValueError:
            raise HTTPException(status_code=400, detail=Msg("msg.too_many_fields", max=MAX_FIELDS)) from None
        return checked_texts(dict(fields))
    async with request.form(max_files=0, max_fields=MAX_FIELDS) as form:
        return checked_texts({k: v for k, v in form.items() if isinstance(v, str)})


async def parsed_form(request: Request) -> dict[str, str]:
    """:func:`sent_form` of a route whose parameters had the form parsed already (one that
    takes a file)."""
    return checked_texts({k: v for k, v in (await request.form()).items() if isinstance(v, str)})


def checked_texts(sent: dict[str, str]) -> dict[str, str]:
    wrong = {name: problem for name, value in sent.items()
             if (problem := text_problem(value, multiline=name in MULTILINE))}
    if wrong:
        raise FieldErrors(wrong)
    return sent
