"""Complaint cases (signed in): the list with its filters and counts, a case's page (owner,
status, notes, the reply to the customer, relabel, history, SLA state) and the SLA
policies page.

Every query goes through :func:`complaints.visible`: a unit manager sees and changes only
the cases of their subtree, whatever the URL says. Overdue cases are escalated whenever
the list is shown (and by ``servq complaints escalate``).
"""

from __future__ import annotations

from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ..errors import UsageError
from ..store.db import transaction
from ..store.models import CaseEvent, Complaint, ComplaintContact, SlaPolicyRecord, Tier, User
from . import complaints, org
from .languages import Msg, reason
from .pages import DB, Csrf, CurrentUser, ReadDB, SurveyManager, page
from .params import MAX_ID, FieldErrors, Id, Text, Word, row_id
from .security import check_csrf

router = APIRouter(prefix="/admin", include_in_schema=False)
PAGE_SIZE = 200
MAX_CALENDAR = 20_000  # characters of an SLA policy's calendar (YAML or JSON)
Note = Annotated[Text(complaints.MAX_TEXT, multiline=True), Form()]  # a note or a reply to the customer


def list_filter(
        unit: Annotated[str | None, Query(description="A unit's id: the unit and everything below it")] = None,
        status: Annotated[str | None, Query(description=f"open, {', '.join(complaints.STATUSES)}")] = None,
        dimension: Annotated[str | None, Query(description="A dimension (category) of complaints")] = None,
        overdue: Annotated[str | None, Query(description="true: only cases past a due time")] = None,
        review: Annotated[str | None, Query(description="true: only cases whose dimension needs a person "
                                                        "(the classifier unsure), the least sure first")] = None,
        since: Annotated[str | None, Query(description="Received from this date or time on")] = None,
        until: Annotated[str | None, Query(description="Received before this date or time")] = None,
) -> complaints.ListFilter:
    """The complaints list's filter of a request's query parameters, on the page and in the
    API (blank: not filtered; a wrong value is a 422 naming it)."""
    return complaints.ListFilter.parse({"unit": unit, "status": status, "dimension": dimension, "overdue": overdue,
                                        "review": review, "since": since, "until": until})


ComplaintFilter = Annotated[complaints.ListFilter, Depends(list_filter)]


def escalate_if_due(request: Request, session: Session) -> None:
    """Escalate overdue cases (a short write transaction of its own, only when there are
    any); ``session`` (read-only) then starts a new transaction that sees them."""
    now = request.app.state.clock()
    if complaints.any_to_escalate(session, now):
        with transaction(request.app.state.sessions) as write:
            complaints.escalate_overdue(write, now)
    session.rollback()


@router.get("/complaints", response_class=HTMLResponse)
def complaints_page(request: Request, session: ReadDB, user: CurrentUser, flt: ComplaintFilter,
                    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0):
    escalate_if_due(request, session)
    now = request.app.state.clock()
    order = (Complaint.confidence.asc(),) if flt.review else ()  # the least sure first
    query = flt.apply(complaints.visible(user), now).order_by(*order, Complaint.received_at.desc(),
                                                                Complaint.id.desc())
    rows = list(session.scalars(query.offset(offset).limit(PAGE_SIZE + 1).options(
        selectinload(Complaint.unit), selectinload(Complaint.owner))))
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    escalated = list(session.scalars(complaints.visible(user).where(
        Complaint.escalated_to_id == user.id, Complaint.status.in_(complaints.OPEN))
        .order_by(Complaint.escalated_at)))
    states = {c.id: complaints.overall_state(complaints.case_sla(c, now)) for c in rows + escalated}
    qs = "&".join(f"{k}={v}" for k, v in flt.query().items())
    return page(request, "complaints.html", {
        "user": user, "rows": rows, "flt": flt, "states": states,
        "counts": complaints.counts(session, user, now), "escalated": escalated,
        "units": org.tree_rows(org.visible_units(session, user)), "statuses": complaints.STATUSES,
        "dimensions": complaints.dimension_choices(session),
        "offset": offset, "more": more, "page_size": PAGE_SIZE, "qs": qs,
    })


def _case(session: Session, user: User, complaint_id: int):
    c = complaints.visible_complaint(session, user, complaint_id)
    if c is None:  # the same answer whether it does not exist or is not theirs
        raise HTTPException(status_code=404, detail=Msg("msg.no_complaint"))
    return c


@router.get("/complaints/{complaint_id}", response_class=HTMLResponse)
def case_page(request: Request, session: DB, user: CurrentUser, complaint_id: Id):
    return _case_page(request, session, user, complaint_id, None, 200)


def _case_page(request: Request, session: Session, user: User, complaint_id: int, error,
               status: int) -> HTMLResponse:
    c = _case(session, user, complaint_id)
    now = request.app.state.clock()
    state = complaints.case_sla(c, now)
    zone = ZoneInfo(c.sla_policy["calendar"]["timezone"]) if c.sla_policy else None
    show_contact = complaints.contact_visible(user, c)
    contact = session.scalar(select(ComplaintContact).where(ComplaintContact.complaint_id == c.id)) \
        if show_contact else None
    events = list(session.scalars(select(CaseEvent).where(CaseEvent.complaint_id == c.id)
                                  .order_by(CaseEvent.at, CaseEvent.id)))
    return page(request, "complaint.html", {
        "user": user, "c": c, "state": state, "overall": complaints.overall_state(state), "zone": zone,
        "show_contact": show_contact, "contact": contact, "events": events, "error": error,
        "next_statuses": complaints.TRANSITIONS[c.status], "candidates": complaints.owner_candidates(session, c),
        "dimensions": complaints.dimension_choices(session),
    }, status_code=status)


def _act(request: Request, session: Session, user: User, complaint_id: int, csrf: str, action) -> HTMLResponse:
    """Run ``action(complaint, now)`` on a visible case; a refused action shows the case page
    with the reason (422) and changes nothing."""
    check_csrf(request, csrf)
    c = _case(session, user, complaint_id)
    try:
        with session.begin_nested():
            action(c, request.app.state.clock())
    except UsageError as exc:
        session.expire_all()
        return _case_page(request, session, user, complaint_id, reason(exc), 422)
    return RedirectResponse(f"/admin/complaints/{complaint_id}", status_code=303)


@router.post("/complaints/{complaint_id}/assign", response_class=HTMLResponse)
def assign(request: Request, session: DB, user: CurrentUser, complaint_id: Id, csrf: Csrf = "",
           owner_id: Annotated[Word, Form()] = ""):
    def act(c, now):
        owner = row_id(owner_id)
        if owner is None:
            raise UsageError(Msg("msg.case.choose_owner"))
        complaints.assign(session, c, owner, user, now)
    return _act(request, session, user, complaint_id, csrf, act)


@router.post("/complaints/{complaint_id}/status", response_class=HTMLResponse)
def change_status(request: Request, session: DB, user: CurrentUser, complaint_id: Id, csrf: Csrf = "",
                  status: Annotated[Text(Complaint.status), Form()] = ""):
    return _act(request, session, user, complaint_id, csrf,
                lambda c, now: complaints.change_status(session, c, status.strip(), user, now))


@router.post("/complaints/{complaint_id}/note", response_class=HTMLResponse)
def add_note(request: Request, session: DB, user: CurrentUser, complaint_id: Id, csrf: Csrf = "",
             text: Note = ""):
    return _act(request, session, user, complaint_id, csrf,
                lambda c, now: complaints.add_note(session, c, text, user, now))


@router.post("/complaints/{complaint_id}/reply", response_class=HTMLResponse)
def add_reply(request: Request, session: DB, user: CurrentUser, complaint_id: Id, csrf: Csrf = "",
              text: Note = ""):
    return _act(request, session, user, complaint_id, csrf,
                lambda c, now: complaints.reply(session, c, text, user, now))


@router.post("/complaints/{complaint_id}/relabel", response_class=HTMLResponse)
def relabel(request: Request, session: DB, user: CurrentUser, complaint_id: Id, csrf: Csrf = "",
            dimension: Annotated[Text(Complaint.dimension), Form()] = ""):
    return _act(request, session, user, complaint_id, csrf,
                lambda c, now: complaints.relabel(session, c, dimension, user, now))


# --------------------------------------------------------------------------- SLA policies


@router.get("/sla", response_class=HTMLResponse)
def sla_page(request: Request, session: DB, user: CurrentUser):
    return _sla(request, session, user, {}, {}, 200)


@router.post("/sla", response_class=HTMLResponse)
def save_policy(request: Request, session: DB, user: SurveyManager, csrf: Csrf = "",
                category: Annotated[Text(SlaPolicyRecord.category), Form()] = "*",
                tier: Annotated[Text(SlaPolicyRecord.tier), Form()] = "*",
                acknowledge_hours: Annotated[Word, Form()] = "", resolve_days: Annotated[Word, Form()] = "",
                calendar: Annotated[Text(MAX_CALENDAR, multiline=True), Form()] = ""):
    check_csrf(request, csrf)
    values = {"category": category, "tier": tier, "acknowledge_hours": acknowledge_hours,
              "resolve_days": resolve_days, "calendar": calendar}
    try:
        with session.begin_nested():
            complaints.save_policy(session, category, tier, acknowledge_hours, resolve_days, calendar, user)
    except FieldErrors as exc:
        return _sla(request, session, user, values, exc.errors, 422)
    return RedirectResponse("/admin/sla", status_code=303)


@router.post("/sla/{policy_id}/delete", response_class=HTMLResponse)
def delete_policy(request: Request, session: DB, user: SurveyManager, policy_id: Id, csrf: Csrf = ""):
    check_csrf(request, csrf)
    try:
        complaints.delete_policy(session, policy_id, user)
    except UsageError as exc:
        raise HTTPException(status_code=404, detail=reason(exc)) from None
    return RedirectResponse("/admin/sla", status_code=303)


def _sla(request: Request, session: Session, user: User, values: dict, errors: dict, status: int) -> HTMLResponse:
    policies = list(session.scalars(select(SlaPolicyRecord).order_by(SlaPolicyRecord.category,
                                                                     SlaPolicyRecord.tier)))
    return page(request, "sla.html", {
        "user": user, "policies": policies, "values": values, "errors": errors,
        "can_edit": user.role in ("administrator", "analyst"),
        "tiers": list(session.scalars(select(Tier).order_by(Tier.name))),
        "dimensions": complaints.dimension_choices(session), "example": complaints.CALENDAR_EXAMPLE,
        "calendars": {p.id: complaints.sla.Calendar.from_dict(p.calendar) for p in policies},
    }, status_code=status)
