"""The FastAPI application: sign-in and administration (organisation tree, users, audit log).

Pages are rendered on the server with Jinja2 (autoescaping on), carry no inline script or
style (the CSP forbids them) and post forms with a CSRF token.
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, FastAPI, Form, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from starlette.middleware.sessions import SessionMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware

from .. import __version__
from ..errors import UsageError
from . import accounts, org
from .db import make_engine, require_current_schema, session_factory, transaction
from .models import ROLES, AuditEntry, Unit, User
from .security import RateLimiter, SecurityHeaders, check_csrf, csrf_token
from .settings import Settings

_HERE = __file__.rsplit("/", 1)[0]
templates = Jinja2Templates(directory=f"{_HERE}/templates")
templates.env.globals["version"] = __version__


class LoginRequired(Exception):
    pass


def create_app(settings: Settings, *, check_schema: bool = True) -> FastAPI:
    """The application for ``settings`` (checked: insecure production settings are refused)."""
    settings.check()
    engine = make_engine(settings.database_url)
    try:
        if check_schema:
            require_current_schema(engine)
    except UsageError:
        engine.dispose()
        raise

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        yield
        engine.dispose()

    app = FastAPI(title="servq", version=__version__, docs_url=None, redoc_url=None, openapi_url=None,
                  lifespan=lifespan)
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = session_factory(engine)
    app.state.login_limiter = RateLimiter(settings.login_attempts, settings.login_window)

    app.add_middleware(SecurityHeaders)
    app.add_middleware(SessionMiddleware, secret_key=settings.secret(), session_cookie="servq_session",
                       max_age=int(settings.session_hours * 3600), same_site="lax",
                       https_only=settings.secure_cookies)
    if not settings.development or settings.allowed_hosts != ["*"]:
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=[*settings.allowed_hosts, "testserver"]
                           if settings.development else settings.allowed_hosts)
    app.mount("/static", StaticFiles(directory=f"{_HERE}/static"), name="static")

    @app.exception_handler(LoginRequired)
    async def _to_login(request: Request, _exc: LoginRequired):
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(request: Request, exc: RequestValidationError):
        fields = ", ".join(str(e["loc"][-1]) for e in exc.errors())
        return _page(request, "error.html", {"status": 422, "message": f"Invalid or missing value: {fields}."},
                     status_code=422)

    @app.exception_handler(HTTPException)
    async def _error_page(request: Request, exc: HTTPException):
        return _page(request, "error.html", {"status": exc.status_code, "message": exc.detail},
                     status_code=exc.status_code, headers=getattr(exc, "headers", None))

    _routes(app)
    return app


# -- dependencies ------------------------------------------------------------------------

def db(request: Request):
    factory: sessionmaker[Session] = request.app.state.sessions
    with transaction(factory) as session:
        yield session


DB = Annotated[Session, Depends(db)]


def current_user(request: Request, session: DB) -> User:
    user_id = request.session.get("user_id")
    user = session.get(User, user_id) if user_id else None
    if user is None or not user.active:
        request.session.pop("user_id", None)
        raise LoginRequired()
    return user


CurrentUser = Annotated[User, Depends(current_user)]


def administrator(user: CurrentUser) -> User:
    if user.role != "administrator":
        raise HTTPException(status_code=403, detail="Only administrators may do this.")
    return user


Administrator = Annotated[User, Depends(administrator)]
Csrf = Annotated[str, Form(alias="csrf_token")]  # checked by check_csrf: a missing one is refused with 403


def _page(request: Request, name: str, context: dict, status_code: int = 200, headers=None) -> HTMLResponse:
    user_id = request.session.get("user_id")
    base = {"csrf": csrf_token(request), "signed_in": user_id is not None,
            "role": request.session.get("role")}
    return templates.TemplateResponse(request, name, {**base, **context}, status_code=status_code,
                                      headers=headers)


def _safe_next(target: str | None) -> str:
    """Only a local path is a redirect target after login (no open redirects)."""
    if not target:
        return "/admin"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/admin"
    return target


# -- routes --------------------------------------------------------------------------------

def _routes(app: FastAPI) -> None:
    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict:
        return {"status": "ok"}

    @app.get("/", include_in_schema=False)
    def home() -> Response:
        return RedirectResponse("/admin", status_code=303)

    @app.get("/login", response_class=HTMLResponse)
    def login_form(request: Request, next: str | None = None):
        return _page(request, "login.html", {"next": _safe_next(next), "error": None, "email": ""})

    @app.post("/login", response_class=HTMLResponse)
    def login(request: Request, session: DB, csrf: Csrf = "", email: Annotated[str, Form()] = "",
              password: Annotated[str, Form()] = "", next: Annotated[str, Form()] = "/admin"):
        check_csrf(request, csrf)
        limiter: RateLimiter = request.app.state.login_limiter
        key = f"{request.client.host if request.client else '-'}|{email.strip().lower()}"
        if limiter.blocked(key):
            raise HTTPException(status_code=429, detail="Too many failed sign-in attempts. Wait a few minutes "
                                                        "and try again.", headers={"Retry-After": str(limiter.window)})
        user = accounts.authenticate(session, email, password)
        if user is None:
            limiter.hit(key)
            return _page(request, "login.html", {"next": _safe_next(next), "email": email,
                                                 "error": "The e-mail address or password is wrong."},
                         status_code=401)
        limiter.reset(key)
        request.session.clear()  # a new session on sign-in (no fixation)
        request.session.update({"user_id": user.id, "role": user.role})
        return RedirectResponse(_safe_next(next), status_code=303)

    @app.post("/logout")
    def logout(request: Request, csrf: Csrf = ""):
        check_csrf(request, csrf)
        request.session.clear()
        return RedirectResponse("/login", status_code=303)

    @app.get("/admin")
    def admin_home(user: CurrentUser):
        return RedirectResponse("/admin/users" if user.role == "administrator" else "/admin/units", status_code=303)

    @app.get("/admin/units", response_class=HTMLResponse)
    def units_page(request: Request, session: DB, user: CurrentUser, error: str | None = None):
        rows = org.tree_rows(org.visible_units(session, user))
        return _page(request, "units.html", {"user": user, "rows": rows, "error": error,
                                             "can_edit": user.role == "administrator"})

    @app.post("/admin/units", response_class=HTMLResponse)
    def add_unit(request: Request, session: DB, user: Administrator, csrf: Csrf = "",
                 name: Annotated[str, Form()] = "", kind: Annotated[str, Form()] = "",
                 parent_id: Annotated[str, Form()] = ""):
        check_csrf(request, csrf)
        try:
            org.add_unit(session, name, kind, int(parent_id) if parent_id.strip() else None, user)
        except (UsageError, ValueError) as exc:
            rows = org.tree_rows(org.visible_units(session, user))
            return _page(request, "units.html", {"user": user, "rows": rows, "error": str(exc), "can_edit": True},
                         status_code=422)
        return RedirectResponse("/admin/units", status_code=303)

    @app.get("/admin/users", response_class=HTMLResponse)
    def users_page(request: Request, session: DB, user: Administrator):
        return _users(request, session, user, None, 200)

    @app.post("/admin/users", response_class=HTMLResponse)
    def add_user(request: Request, session: DB, user: Administrator, csrf: Csrf = "",
                 email: Annotated[str, Form()] = "", name: Annotated[str, Form()] = "",
                 role: Annotated[str, Form()] = "", password: Annotated[str, Form()] = "",
                 unit_id: Annotated[str, Form()] = ""):
        check_csrf(request, csrf)
        try:
            with session.begin_nested():
                accounts.create_user(session, email, password, role, name=name,
                                     unit_id=int(unit_id) if unit_id.strip() else None, actor=user)
        except (UsageError, ValueError) as exc:
            return _users(request, session, user, str(exc), 422)
        return RedirectResponse("/admin/users", status_code=303)

    @app.post("/admin/users/{user_id}/active")
    def set_active(request: Request, session: DB, user: Administrator, user_id: int, csrf: Csrf = "",
                   active: Annotated[str, Form()] = "0"):
        check_csrf(request, csrf)
        target = session.get(User, user_id)
        if target is None:
            raise HTTPException(status_code=404, detail="No such user.")
        try:
            accounts.set_active(session, target, active == "1", user)
        except UsageError as exc:
            return _users(request, session, user, str(exc), 422)
        return RedirectResponse("/admin/users", status_code=303)

    @app.get("/admin/audit", response_class=HTMLResponse)
    def audit_page(request: Request, session: DB, user: Administrator):
        entries = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(500))
        return _page(request, "audit.html", {"user": user, "entries": list(entries)})


def _users(request: Request, session: Session, user: User, error: str | None, status: int) -> HTMLResponse:
    users = session.scalars(select(User).order_by(User.email))
    units = org.tree_rows(list(session.scalars(select(Unit))))
    return _page(request, "users.html", {"user": user, "users": list(users), "units": units, "roles": ROLES,
                                         "error": error}, status_code=status)
