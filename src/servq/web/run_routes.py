"""Pages of measurement that runs itself: the customer list, a survey's wave schedule, the
e-mail outbox, webhooks (with the test button), and the respondent's unsubscribe page
(no sign-in: the link's token is the authority, as an invitation's is)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..errors import DataError, UsageError
from ..store.db import transaction
from ..store.models import (
    Customer,
    Invitation,
    ManagerReport,
    OutboxMessage,
    Survey,
    Tier,
    User,
    Wave,
    WaveMember,
    WaveSchedule,
    WebhookEndpoint,
)
from . import customers, egress, schedules, webhooks
from .file_rows import file_rows, row_values
from .languages import Msg, known, problem_list, reasons, t
from .outbox import language_of
from .pages import DB, Administrator, Csrf, SurveyManager, page, templates, visible_survey
from .params import FieldErrors, Id, Text, Word
from .security import check_csrf

router = APIRouter(include_in_schema=False)
MAX_CUSTOMER_UPLOAD = 50_000_000  # bytes of customer CSV
OUTBOX_ROWS = 500
Token = Text(64)


# --------------------------------------------------------------------------- the customer list


@router.get("/admin/customers", response_class=HTMLResponse)
def customers_page(request: Request, session: DB, user: SurveyManager):
    return _customers(request, session, user, [], None, 200)


@router.post("/admin/customers", response_class=HTMLResponse)
def upload_customers(request: Request, session: DB, user: SurveyManager, csrf: Csrf = "",
                     file: Annotated[UploadFile | None, File()] = None, header_row: Annotated[Word, Form()] = "",
                     first_row: Annotated[Word, Form()] = ""):
    """Add or update the customers of a CSV list; ``header_row`` and ``first_row`` are the
    spreadsheet rows of its column names and first customer (blank: 1 and the next)."""
    check_csrf(request, csrf)
    typed = row_values(header_row, first_row)
    try:
        rows = file_rows(header_row, first_row)
    except FieldErrors as exc:
        return _customers(request, session, user, list(exc.errors.values()), None, 422, typed, exc.errors)
    if file is None or not file.filename:
        return _customers(request, session, user, [Msg("runs.msg.choose_file")], None, 422, typed)
    raw = file.file.read(MAX_CUSTOMER_UPLOAD + 1)
    if len(raw) > MAX_CUSTOMER_UPLOAD:
        return _customers(request, session, user, [Msg("msg.file_too_large", file=file.filename,
                                                       size=f"{MAX_CUSTOMER_UPLOAD // 1_000_000} MB")], None, 422,
                          typed)
    try:
        with session.begin_nested():
            done = customers.import_customers(session, raw, file.filename, user, request.app.state.clock(), rows)
    except DataError as exc:
        return _customers(request, session, user, problem_list(exc), None, 422, typed)
    return _customers(request, session, user, [], done, 200)


def _customers(request: Request, session: Session, user: User, problems: list, done, status: int,
               rows: dict | None = None, errors: dict | None = None):
    return page(request, "customers.html", {"user": user, "summary": customers.summary(session), "problems": problems,
                                            "done": done, "rows": rows or row_values(), "errors": errors or {}},
                status_code=status)


# --------------------------------------------------------------------------- a survey's schedule


@router.get("/admin/surveys/{survey_id}/schedule", response_class=HTMLResponse)
def schedule_page(request: Request, session: DB, user: SurveyManager, survey_id: Id):
    survey = visible_survey(session, user, survey_id)
    return _schedule(request, session, user, survey, schedules.ScheduleForm.of(_schedule_of(session, survey)), [], 200)


@router.post("/admin/surveys/{survey_id}/schedule", response_class=HTMLResponse)
def save_schedule(request: Request, session: DB, user: SurveyManager, survey_id: Id, csrf: Csrf = "",
                  rule: Annotated[Word, Form()] = "", cron: Annotated[Text(100), Form()] = "",
                  wave_days: Annotated[Word, Form()] = "", per_unit: Annotated[Word, Form()] = "",
                  quarantine_days: Annotated[Word, Form()] = "", contact_days: Annotated[Word, Form()] = "",
                  remind_days: Annotated[Word, Form()] = "",
                  tier_ids: Annotated[list[Word], Form()] = [],  # noqa: B006 (FastAPI copies it)
                  active: Annotated[Word, Form()] = "", start_now: Annotated[Word, Form()] = ""):
    check_csrf(request, csrf)
    survey = visible_survey(session, user, survey_id)
    form = schedules.ScheduleForm(rule=rule, cron=cron, wave_days=wave_days, per_unit=per_unit,
                                  quarantine_days=quarantine_days, contact_days=contact_days, remind_days=remind_days,
                                  tier_ids=list(tier_ids), active=active == "on", start_now=start_now == "on")
    try:
        with session.begin_nested():
            schedules.save_schedule(session, survey, form, user, request.app.state.clock())
    except UsageError as exc:
        return _schedule(request, session, user, survey, form, reasons(exc), 422)
    return RedirectResponse(f"/admin/surveys/{survey_id}/schedule", status_code=303)


def _schedule_of(session: Session, survey: Survey) -> WaveSchedule | None:
    return session.scalar(select(WaveSchedule).where(WaveSchedule.survey_id == survey.id))


def _schedule(request: Request, session: Session, user: User, survey: Survey, form: schedules.ScheduleForm,
              problems: list, status: int):
    answered = func.count(Invitation.used_at)
    waves = session.execute(
        select(Wave, func.count(WaveMember.id), answered).outerjoin(WaveMember, WaveMember.wave_id == Wave.id)
        .outerjoin(Invitation, Invitation.id == WaveMember.invitation_id)
        .where(Wave.survey_id == survey.id, Wave.schedule_id.is_not(None)).group_by(Wave.id)
        .order_by(Wave.starts_at.desc())).all()
    return page(request, "schedule.html", {
        "user": user, "survey": survey, "schedule": _schedule_of(session, survey), "form": form, "problems": problems,
        "tiers": list(session.scalars(select(Tier).order_by(Tier.name))), "waves": waves}, status_code=status)


# --------------------------------------------------------------------------- the outbox


@router.get("/admin/outbox", response_class=HTMLResponse)
def outbox_page(request: Request, session: DB, user: SurveyManager):
    # a wave member's invitation or reminder, or a manager's report (of a wave or of a schedule)
    rows = session.execute(
        select(OutboxMessage, func.coalesce(Customer.email, ManagerReport.recipient), Wave.name, Survey.title)
        .outerjoin(WaveMember, WaveMember.id == OutboxMessage.member_id)
        .outerjoin(Customer, Customer.id == WaveMember.customer_id)
        .outerjoin(ManagerReport, ManagerReport.id == OutboxMessage.report_id)
        .outerjoin(Wave, Wave.id == func.coalesce(WaveMember.wave_id, ManagerReport.wave_id))
        .join(Survey, Survey.id == func.coalesce(Wave.survey_id, ManagerReport.survey_id))
        .order_by(OutboxMessage.id.desc()).limit(OUTBOX_ROWS)).all()
    return page(request, "outbox.html", {"user": user, "rows": rows, "limit": OUTBOX_ROWS})


# --------------------------------------------------------------------------- webhooks


@router.get("/admin/webhooks", response_class=HTMLResponse)
def webhooks_page(request: Request, session: DB, user: Administrator):
    return _webhooks(request, session, user, [], None, None, 200)


@router.post("/admin/webhooks", response_class=HTMLResponse)
def add_webhook(request: Request, session: DB, user: Administrator, csrf: Csrf = "",
                url: Annotated[Text(WebhookEndpoint.url), Form()] = "",
                events: Annotated[list[Text(40)], Form()] = []):  # noqa: B006
    check_csrf(request, csrf)
    try:
        with session.begin_nested():
            endpoint = webhooks.add_endpoint(session, url, list(events), user,
                                             egress.networks(request.app.state.settings.webhook_networks))
    except UsageError as exc:
        return _webhooks(request, session, user, reasons(exc), None, None, 422)
    return _webhooks(request, session, user, [], endpoint, None, 200)


@router.post("/admin/webhooks/{endpoint_id}/delete", response_class=HTMLResponse)
def delete_webhook(request: Request, session: DB, user: Administrator, endpoint_id: Id, csrf: Csrf = ""):
    check_csrf(request, csrf)
    webhooks.remove_endpoint(session, _endpoint(session, endpoint_id), user)
    return RedirectResponse("/admin/webhooks", status_code=303)


@router.post("/admin/webhooks/{endpoint_id}/test", response_class=HTMLResponse)
def test_webhook(request: Request, session: DB, user: Administrator, endpoint_id: Id, csrf: Csrf = ""):
    """Post a test event now and show its outcome (also in the delivery log)."""
    check_csrf(request, csrf)
    url = _endpoint(session, endpoint_id).url
    session.rollback()  # the post takes seconds: no transaction (nor SQLite's write lock) is held meanwhile
    delivery = webhooks.send_test_event(request.app.state.sessions, endpoint_id, request.app.state.settings,
                                      request.app.state.clock)
    return _webhooks(request, session, user, [], None, (url, delivery), 200)


def _endpoint(session: Session, endpoint_id: int) -> WebhookEndpoint:
    endpoint = session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None:
        raise HTTPException(status_code=404, detail=Msg("webhooks.msg.no_endpoint"))
    return endpoint


def _webhooks(request: Request, session: Session, user: User, problems: list, created, tested, status: int):
    return page(request, "webhooks.html", {
        "user": user, "problems": problems, "created": created, "tested": tested, "events": webhooks.EVENTS,
        "endpoints": list(session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id))),
        "log": webhooks.log(session)}, status_code=status)


# --------------------------------------------------------------------------- unsubscribing (public)


def _unsubscribe_page(request: Request, lang: str, which: str, status: int = 200, form: bool = False):
    return templates.TemplateResponse(request, "unsubscribe.html", {
        "lang": lang, "title": t(lang, f"unsubscribe.{which}_title" if which != "ask" else "unsubscribe.title"),
        "body": t(lang, f"unsubscribe.{which}"), "button": t(lang, "unsubscribe.button") if form else None,
        "action": str(request.url.path)}, status_code=status)


def _language(session: Session, token: str, asked: str | None) -> tuple[WaveMember | None, str]:
    member = schedules.member_of_unsubscribe(session, token)
    if member is None:
        return None, known(asked)
    return member, language_of(member.customer, member.wave.survey)


@router.get("/unsubscribe/{token}", response_class=HTMLResponse)
def unsubscribe_page(request: Request, session: DB, token: Token, lang: str | None = None):
    """The unsubscribe link of an invitation: a page with one button (a link checker or a
    mail scanner that follows the link unsubscribes nobody)."""
    member, lang = _language(session, token, lang)
    if member is None:
        return _unsubscribe_page(request, lang, "invalid", 404)
    return _unsubscribe_page(request, lang, "ask", form=True)


@router.post("/unsubscribe/{token}", response_class=HTMLResponse)
def unsubscribe(request: Request, token: Token):
    """Unsubscribe: the button of the page, or a mail program's one-click POST (RFC 8058).
    Anyone may post here, without a token of the session: a link that is unknown, or whose
    customer has unsubscribed already, is answered from a read (SQLite: without its write
    lock, which a flood of such posts would otherwise take in turn with the respondents)."""
    with request.app.state.read_sessions() as session:
        member, lang = _language(session, token, None)
        done = member is not None and member.customer.unsubscribed_at is not None
    if member is None:
        return _unsubscribe_page(request, lang, "invalid", 404)
    if not done:
        with transaction(request.app.state.sessions) as session:
            if not schedules.unsubscribe(session, token, request.app.state.clock()):
                return _unsubscribe_page(request, lang, "invalid", 404)
    return _unsubscribe_page(request, lang, "done")
