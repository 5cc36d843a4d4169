"""The FastAPI application: its settings, middleware, error pages and routes.

Pages are rendered on the server with Jinja2 (autoescaping on), carry no inline script or
style (the CSP forbids them) and post forms with a CSRF token.
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from datetime import UTC, datetime
from http import HTTPStatus

import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import ClientDisconnect
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from .. import __version__
from ..errors import UsageError
from ..store.db import Busy, make_engine, require_current_schema, session_factory, transaction
from ..store.writer import GroupWriter
from . import (
    admin_routes,
    api_routes,
    auth_routes,
    case_routes,
    complaint_report_routes,
    complaint_routes,
    complaints,
    dashboard_routes,
    editor_routes,
    public_routes,
    report_routes,
    respond_routes,
    run_routes,
    supervisor_admin_routes,
    supervisor_routes,
    survey_routes,
)
from .edge import Admission, AuthGate, HeadAsGet, takes_file
from .languages import DEFAULT, Msg, strings
from .pages import LoginRequired, page
from .params import ApiError, FieldError, FieldErrors
from .public import BoardCache
from .responding import SurveyCache
from .security import RateLimiter, SecurityHeaders, retry_after
from .settings import Settings
from .tallies import TallyStore
from .tallies import prepare as prepare_tallies

_HERE = __file__.rsplit("/", 1)[0]
ROUTERS = (auth_routes.router, admin_routes.router, survey_routes.router, dashboard_routes.router,
           respond_routes.router, complaint_routes.router, case_routes.router, complaint_report_routes.router,
           run_routes.router, report_routes.router, editor_routes.router, supervisor_admin_routes.router,
           supervisor_routes.router, public_routes.router, api_routes.router)  # every route of the app


def utc_now() -> datetime:
    return datetime.now(UTC)


def create_app(settings: Settings, *, check_schema: bool = True) -> FastAPI:
    """The application for ``settings`` (checked: insecure production settings are refused)."""
    settings.check()
    complaints.use_model(settings.complaint_model, settings.complaint_embeddings)  # a wrong file stops the start
    engine = make_engine(settings.database_url, pool_size=settings.threads, wait=settings.write_wait_seconds)
    try:
        if check_schema:
            require_current_schema(engine)
    except UsageError:
        engine.dispose()
        raise

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        # synchronous routes run on this many threads (anyio's default is 40): more only
        # queue for the GIL and the write lock, and each holds a pooled connection
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.threads
        if check_schema:  # contact retention (docs/complaints.md), expired drafts; also `servq privacy purge`
            await anyio.to_thread.run_sync(_purge_contacts, app)
        await anyio.to_thread.run_sync(prepare_tallies)
        yield
        app.state.writer.close()
        engine.dispose()

    app = FastAPI(title="servq API", version=__version__, docs_url=None, redoc_url=None,
                  openapi_url="/api/openapi.json", lifespan=lifespan,
                  description="Survey results and data for BI tools; see docs/web.md.")
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = session_factory(engine, wait=settings.write_wait_seconds)
    app.state.read_sessions = session_factory(engine, writes=False)
    app.state.writer = GroupWriter(app.state.sessions)
    app.state.tallies = TallyStore()
    app.state.surveys = SurveyCache(settings.survey_cache_seconds)
    app.state.public_boards = BoardCache()  # the open platform's pages, a minute per survey and language
    app.state.clock = utc_now  # what "now" is for complaints' SLA clocks (tests set their own)
    app.state.submit_limiter = RateLimiter(settings.submit_limit, settings.submit_window) if settings.submit_limit else None

    # from the innermost to the outermost (Starlette wraps each added middleware around the others)
    app.add_middleware(AuthGate)
    app.add_middleware(SessionMiddleware, secret_key=settings.secret(), session_cookie="servq_session",
                       max_age=int(settings.session_hours * 3600), same_site="lax",
                       https_only=settings.secure_cookies)
    app.add_middleware(Admission, max_pending=settings.max_pending, max_body=settings.max_body_kb * 1024,
                       max_upload=settings.max_upload_mb * (1 << 20), body_seconds=settings.body_seconds,
                       upload_routes=[r for router in ROUTERS for r in router.routes if takes_file(r)])
    hosts = settings.allowed_hosts + (["testserver"] if settings.development else [])
    if "*" not in hosts:
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=hosts)
    if settings.trusted_proxies:
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)
    app.add_middleware(HeadAsGet)
    app.add_middleware(SecurityHeaders, hsts=not settings.development)
    app.mount("/static", StaticFiles(directory=f"{_HERE}/static"), name="static")

    @app.exception_handler(LoginRequired)
    async def _to_login(request: Request, _exc: LoginRequired):
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(request: Request, exc: RequestValidationError):
        invalid = FieldErrors.of_validation(exc.errors())
        return _error(request, 422, invalid.detail, errors=invalid.errors)

    @app.exception_handler(ClientDisconnect)
    async def _gone(_request: Request, _exc: ClientDisconnect):
        return Response(status_code=400)  # nobody reads it: the client left while sending its body

    @app.exception_handler(Busy)
    @app.exception_handler(PoolTimeout)
    async def _busy(request: Request, _exc: Exception):
        return _error(request, 503, Msg("msg.busy"), retry_after(5))

    @app.exception_handler(StarletteHTTPException)  # also FastAPI's: the routes', and the router's 404, 405, 400
    async def _error_page(request: Request, exc: StarletteHTTPException):
        return _error(request, exc.status_code, exc.detail, getattr(exc, "headers", None),
                      exc.errors if isinstance(exc, FieldErrors) else None)

    for router in ROUTERS:
        app.include_router(router)
    return app


def _purge_contacts(app: FastAPI) -> None:
    from .privacy import purge_contacts

    with transaction(app.state.sessions) as session:
        purge_contacts(session, app.state.settings.contact_retention_days, app.state.clock())


def _error(request: Request, status: int, message: str, headers=None, errors: dict[str, str] | None = None):
    """The API answers errors with its error body (:class:`~.params.ApiError`: the message
    and each wrong field), the pages with an error page."""
    if request.url.path.startswith("/api/"):
        body = ApiError(detail=str(message), errors=[FieldError(field=k, message=v) for k, v in (errors or {}).items()])
        return JSONResponse(body.model_dump(), status_code=status, headers=headers)
    said = f"error.http.{status}"  # a framework's answer (no such page, method) in the page's language
    if message == HTTPStatus(status).phrase and said in strings(DEFAULT):
        message = Msg(said)
    return page(request, "error.html", {"status": status, "message": message}, status_code=status, headers=headers)


def app_from_environment():
    """The application for uvicorn's workers (each builds its own from the environment)."""
    from ..web.app import create_app
    from ..web.settings import load_settings

    return create_app(load_settings())
