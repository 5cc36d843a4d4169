"""The administration of customer supervisors (docs/supervisors.md): inviting them, their
invitations again, deactivating them, the points rule and adjustments, the ledger as CSV
(administrators); their evaluations and photos (administrators and analysts)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import UsageError
from ..store.models import Supervisor, SupervisorEvaluation, SupervisorPhoto, Unit, User
from . import accounts, org, supervisors
from .languages import Msg, reasons
from .pages import DB, Administrator, Csrf, SurveyManager, page
from .params import Id, Text, Word
from .security import check_csrf

router = APIRouter(prefix="/admin/supervisors", include_in_schema=False)
Points = Text(20)


def _now() -> datetime:
    return datetime.now(UTC)


def _supervisor(session: Session, supervisor_id: int) -> Supervisor:
    found = session.get(Supervisor, supervisor_id)
    if found is None:
        raise HTTPException(status_code=404, detail=Msg("supervisors.error.none"))
    return found


def _page(request: Request, session: Session, user: User, problems: list | None = None, status: int = 200,
          form: dict | None = None, done: str = "") -> HTMLResponse:
    people = supervisors.all_supervisors(session)
    return page(request, "supervisors.html", {
        "user": user, "people": people, "balances": supervisors.balances(session),
        "mail": {s.id: supervisors.invitation_status(session, s) for s in people},
        "units": org.tree_rows(list(session.scalars(select(Unit)))), "rule": supervisors.rule(session),
        "problems": problems or [], "form": form or {}, "done": done}, status_code=status)


@router.get("", response_class=HTMLResponse)
def supervisors_page(request: Request, session: DB, user: Administrator, done: Word = ""):
    return _page(request, session, user, done=done)


def _redirect(done: str) -> RedirectResponse:
    return RedirectResponse(f"/admin/supervisors?done={done}", status_code=303)


@router.post("", response_class=HTMLResponse)
def invite(request: Request, session: DB, user: Administrator, csrf: Csrf = "",
           name: Annotated[Text(User.name), Form()] = "", email: Annotated[Text(User.email), Form()] = "",
           language: Annotated[Word, Form()] = "en",
           unit_ids: Annotated[list[Id], Form()] = []):  # noqa: B006 (FastAPI copies the default)
    """Invite a named customer: the supervisor is added and their e-mail queued."""
    check_csrf(request, csrf)
    try:
        with session.begin_nested():
            supervisors.invite(session, name, email, language, unit_ids, user, request.app.state.settings, _now())
    except UsageError as exc:
        form = {"name": name, "email": email, "language": language, "unit_ids": set(unit_ids)}
        return _page(request, session, user, reasons(exc), 422, form)
    return _redirect("invited")


@router.post("/{supervisor_id}/invitation", response_class=HTMLResponse)
def invite_again(request: Request, session: DB, user: Administrator, supervisor_id: Id, csrf: Csrf = ""):
    """A new invitation with a new link (the previous link stops working)."""
    check_csrf(request, csrf)
    try:
        with session.begin_nested():
            supervisors.send_invitation(session, _supervisor(session, supervisor_id), request.app.state.settings,
                                        _now())
            accounts.audit(session, user, "supervisor.invite_again", f"supervisor {supervisor_id}", {})
    except UsageError as exc:
        return _page(request, session, user, reasons(exc), 422)
    return _redirect("invited")


@router.post("/{supervisor_id}/active")
def set_active(request: Request, session: DB, user: Administrator, supervisor_id: Id, csrf: Csrf = "",
               active: Annotated[Word, Form()] = "0"):
    """Deactivate a supervisor (signed out at once, cannot sign in) or activate them again."""
    check_csrf(request, csrf)
    accounts.set_active(session, _supervisor(session, supervisor_id).user, active == "1", user)
    return _redirect("active" if active == "1" else "deactivated")


@router.post("/rule", response_class=HTMLResponse)
def set_rule(request: Request, session: DB, user: Administrator, csrf: Csrf = "",
             per_evaluation: Annotated[Points, Form()] = "", photo_bonus: Annotated[Points, Form()] = ""):
    check_csrf(request, csrf)
    try:
        with session.begin_nested():
            supervisors.set_rule(session, per_evaluation, photo_bonus, user, _now())
    except UsageError as exc:
        return _page(request, session, user, reasons(exc), 422)
    return _redirect("rule")


@router.post("/{supervisor_id}/points", response_class=HTMLResponse)
def adjust(request: Request, session: DB, user: Administrator, supervisor_id: Id, csrf: Csrf = "",
           points: Annotated[Points, Form()] = "",
           reason: Annotated[Text(supervisors.MAX_REASON + 100, multiline=True), Form()] = ""):
    """An adjustment of a supervisor's points, with its reason."""
    check_csrf(request, csrf)
    try:
        with session.begin_nested():
            supervisors.adjust(session, _supervisor(session, supervisor_id), points, reason, user, _now())
    except UsageError as exc:
        return _page(request, session, user, reasons(exc), 422)
    return _redirect("points")


@router.get("/ledger.csv")
def ledger(session: DB, user: Administrator):
    """The points ledger: every grant and adjustment, for the organisation's reward handling."""
    return Response(supervisors.ledger_csv(session).encode("utf-8"), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="supervisor-points.csv"'})


# --------------------------------------------------------------------------- evaluations (administrators, analysts)


@router.get("/evaluations", response_class=HTMLResponse)
def evaluations_page(request: Request, session: DB, user: SurveyManager):
    return page(request, "supervisor_evaluations.html", {
        "user": user, "rows": supervisors.evaluations(session), "photos": supervisors.photo_counts(session),
        "names": {s.id: s.user.name for s in supervisors.all_supervisors(session)},
        "units": {u.id: u for u in session.scalars(select(Unit))}})


@router.get("/evaluations/{evaluation_id}", response_class=HTMLResponse)
def evaluation_page(request: Request, session: DB, user: SurveyManager, evaluation_id: Id):
    evaluation = session.get(SupervisorEvaluation, evaluation_id)
    if evaluation is None:
        raise HTTPException(status_code=404, detail=Msg("supervisors.error.no_evaluation"))
    by = session.get(Supervisor, evaluation.supervisor_id) if evaluation.supervisor_id else None
    return page(request, "supervisor_evaluation.html", {"user": user, "view": supervisors.evaluation_view(session, evaluation),
                                                        "by": by.user.name if by else None})


@router.get("/photos/{photo_id}")
def photo(session: DB, user: SurveyManager, photo_id: Id):
    """A photo, as the image it was checked to be (never anything a browser would run)."""
    found = session.get(SupervisorPhoto, photo_id)
    if found is None:
        raise HTTPException(status_code=404, detail=Msg("supervisors.error.no_photo"))
    return Response(found.data, media_type=found.content_type, headers={
        "Content-Disposition": f'inline; filename="evaluation-{found.evaluation_id}-photo-{found.id}"',
        "Content-Security-Policy": "default-src 'none'; sandbox"})
