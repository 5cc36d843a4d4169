"""Administration pages: the organisation tree (with each unit's customer base and its
name in other languages), users, channels and tiers (with theirs), the audit log."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import UsageError
from ..store.models import ROLES, AuditEntry, Channel, Tier, Unit, User
from . import accounts, complaint_context, names, org, surveys
from .languages import Msg, reason
from .names import LabelFields
from .pages import DB, Administrator, Csrf, CurrentUser, SurveyManager, page
from .params import Id, Text, Word
from .security import check_csrf

router = APIRouter(prefix="/admin", include_in_schema=False)
NAMED = {"channel": Channel, "tier": Tier}
AUDIT_ROWS = 500  # the latest entries the audit log page shows
Kind = Annotated[Literal["channel", "tier"], Form()]


@router.get("")
def admin_home(user: CurrentUser):
    return RedirectResponse("/admin/surveys", status_code=303)


@router.get("/units", response_class=HTMLResponse)
def units_page(request: Request, session: DB, user: CurrentUser):
    return _units(request, session, user, None, 200)


@router.post("/units", response_class=HTMLResponse)
def add_unit(request: Request, session: DB, user: Administrator, labels: LabelFields, csrf: Csrf = "",
             name: Annotated[Text(Unit.name), Form()] = "", kind: Annotated[Text(Unit.kind), Form()] = "",
             parent_id: Annotated[Id | None, Form()] = None):
    check_csrf(request, csrf)
    try:
        org.add_unit(session, name, kind, parent_id, user, names.checked_labels(labels, Unit.name.type.length))
    except UsageError as exc:
        return _units(request, session, user, reason(exc), 422)
    return RedirectResponse("/admin/units", status_code=303)


@router.post("/units/{unit_id}/labels", response_class=HTMLResponse)
def set_unit_labels(request: Request, session: DB, user: Administrator, unit_id: Id, labels: LabelFields,
                    csrf: Csrf = ""):
    """A unit's name in English, Swedish and Chinese (blank: its base name)."""
    check_csrf(request, csrf)
    return _relabel(request, session, user, _row(session, Unit, unit_id), labels, "/admin/units", _units)


def _row(session: Session, model, row_id: int):
    row = session.get(model, row_id)
    if row is None:
        raise HTTPException(status_code=404, detail=Msg(f"msg.no_{model.__tablename__[:-1]}"))
    return row


def _relabel(request: Request, session: Session, user: User, row, labels: dict, done: str, again):
    """Set ``row``'s names (names.py), then go to ``done``; a refused name shows the page
    again (``again``) with the reason."""
    try:
        with session.begin_nested():
            names.set_labels(session, row, labels, user)
    except UsageError as exc:
        return again(request, session, user, reason(exc), 422)
    return RedirectResponse(done, status_code=303)


@router.post("/units/{unit_id}/customers", response_class=HTMLResponse)
def set_customers(request: Request, session: DB, user: SurveyManager, unit_id: Id, csrf: Csrf = "",
                  customers: Annotated[Word, Form()] = ""):
    """The customer base of a unit (blank: not known), for complaint rates per 1,000 customers."""
    check_csrf(request, csrf)
    unit = _row(session, Unit, unit_id)
    try:
        complaint_context.set_customers(session, unit, customers, user)
    except UsageError as exc:  # refused before anything changed
        return _units(request, session, user, reason(exc), 422)
    return RedirectResponse("/admin/units", status_code=303)


def _units(request: Request, session: Session, user: User, error, status: int) -> HTMLResponse:
    rows = org.tree_rows(org.visible_units(session, user))
    return page(request, "units.html", {"user": user, "rows": rows, "error": error,
                                        "can_edit": user.role == "administrator",
                                        "can_set_customers": user.role in surveys.MANAGERS}, status_code=status)


@router.get("/users", response_class=HTMLResponse)
def users_page(request: Request, session: DB, user: Administrator):
    return _users(request, session, user, None, 200)


@router.post("/users", response_class=HTMLResponse)
def add_user(request: Request, session: DB, user: Administrator, csrf: Csrf = "",
             email: Annotated[Text(User.email), Form()] = "", name: Annotated[Text(User.name), Form()] = "",
             role: Annotated[Text(User.role), Form()] = "", password: Annotated[str, Form()] = "",
             unit_id: Annotated[Id | None, Form()] = None):
    check_csrf(request, csrf)
    try:
        with session.begin_nested():
            accounts.create_user(session, email, password, role, name=name, unit_id=unit_id, actor=user)
    except UsageError as exc:
        return _users(request, session, user, reason(exc), 422)
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/users/{user_id}/active")
def set_active(request: Request, session: DB, user: Administrator, user_id: Id, csrf: Csrf = "",
               active: Annotated[Word, Form()] = "0"):
    check_csrf(request, csrf)
    target = _row(session, User, user_id)
    try:
        accounts.set_active(session, target, active == "1", user)
    except UsageError as exc:
        return _users(request, session, user, reason(exc), 422)
    return RedirectResponse("/admin/users", status_code=303)


def _users(request: Request, session: Session, user: User, error, status: int) -> HTMLResponse:
    users = session.scalars(select(User).order_by(User.email))
    units = org.tree_rows(list(session.scalars(select(Unit))))
    return page(request, "users.html", {"user": user, "users": list(users), "units": units, "roles": ROLES,
                                        "error": error, "min_password": accounts.MIN_PASSWORD_LENGTH},
                status_code=status)


@router.get("/channels", response_class=HTMLResponse)
def channels_page(request: Request, session: DB, user: CurrentUser):
    return _channels(request, session, user, None, 200)


@router.post("/channels", response_class=HTMLResponse)
def add_channel(request: Request, session: DB, user: SurveyManager, labels: LabelFields, csrf: Csrf = "",
                name: Annotated[Text(Channel.name), Form()] = "", kind: Kind = "channel"):
    check_csrf(request, csrf)
    model = NAMED[kind]
    try:
        with session.begin_nested():
            surveys.add_named(session, model, name, user, names.checked_labels(labels, model.name.type.length))
    except UsageError as exc:
        return _channels(request, session, user, reason(exc), 422)
    return RedirectResponse("/admin/channels", status_code=303)


@router.post("/channels/{row_id}/labels", response_class=HTMLResponse)
def set_channel_labels(request: Request, session: DB, user: SurveyManager, row_id: Id, labels: LabelFields,
                       csrf: Csrf = "", kind: Kind = "channel"):
    """A channel's or tier's name in English, Swedish and Chinese (blank: its base name)."""
    check_csrf(request, csrf)
    return _relabel(request, session, user, _row(session, NAMED[kind], row_id), labels, "/admin/channels",
                    _channels)


def _channels(request: Request, session: Session, user: User, error, status: int) -> HTMLResponse:
    return page(request, "channels.html", {
        "user": user, "error": error, "can_edit": user.role in surveys.MANAGERS,
        "channels": list(session.scalars(select(Channel).order_by(Channel.name))),
        "tiers": list(session.scalars(select(Tier).order_by(Tier.name))),
    }, status_code=status)


@router.get("/audit", response_class=HTMLResponse)
def audit_page(request: Request, session: DB, user: Administrator):
    entries = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(AUDIT_ROWS))
    return page(request, "audit.html", {"user": user, "entries": list(entries), "limit": AUDIT_ROWS})
