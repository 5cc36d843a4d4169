"""Pages of the reports to unit managers: a report behind its link (sign-in required, and
only for the manager it was made for or an administrator), "Your reports" with the choice
of delivery, a survey's report settings, and the administrators' delivery log."""

from __future__ import annotations

import csv
import io
from typing import Annotated, Literal

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import UsageError
from ..io.cells import neutral_row
from ..store.db import transaction
from ..store.models import REPORT_DELIVERIES, Survey, User
from . import manager_reports
from .dashboard_routes import REPORT_CSP
from .languages import Msg, reasons
from .pages import DB, Administrator, Csrf, CurrentUser, SurveyManager, language, page, visible_survey
from .params import Id, Text, Word
from .report_mail import period
from .security import check_csrf

router = APIRouter(include_in_schema=False)
Token = Text(64)
CSV_COLUMNS = ("created_at", "survey", "wave", "since", "until", "manager", "delivery", "language", "respondents",
               "status", "sent_at", "opened_at", "error")


@router.get("/admin/reports/{token}")
def read_report(request: Request, session: DB, user: CurrentUser, token: Token,
                fmt: Literal["html", "json"] = "html"):
    """A manager's report by the link of its e-mail: the same answer (404) for an unknown
    link and for a report made for someone else."""
    report = manager_reports.report_of_token(session, token)
    if report is None or not manager_reports.may_read(user, report):
        raise HTTPException(status_code=404, detail=Msg("reports.msg.no_report"))
    if report.html is None:
        raise HTTPException(status_code=410, detail=Msg("reports.msg.expired"))
    if user.id == report.user_id and report.opened_at is None:
        with transaction(request.app.state.sessions) as write:
            manager_reports.opened(write, report.id, request.app.state.clock())
    headers = {"Cache-Control": "no-store"}
    if fmt == "json":
        return Response(report.results.encode(), media_type="application/json", headers=headers)
    return HTMLResponse(report.html, headers={**headers, "Content-Security-Policy": REPORT_CSP,
                                              "X-Frame-Options": "SAMEORIGIN"})


# --------------------------------------------------------------------------- your reports


@router.get("/admin/account/reports", response_class=HTMLResponse)
def my_reports(request: Request, session: DB, user: CurrentUser, saved: bool = False):
    return _mine(request, session, user, saved)


@router.post("/admin/account/reports")
def set_delivery(request: Request, session: DB, user: CurrentUser, csrf: Csrf = "",
                 delivery: Annotated[Literal[*REPORT_DELIVERIES], Form()] = "link"):
    check_csrf(request, csrf)
    manager_reports.set_delivery(session, session.get(User, user.id), delivery, request.app.state.clock())
    return RedirectResponse("/admin/account/reports?saved=1", status_code=303)


def _mine(request: Request, session: Session, user: User, saved: bool):
    lang = language(request)
    reports = [(r, period(lang, r)) for r in manager_reports.reports_of(session, user)]
    return page(request, "my_reports.html", {
        "user": user, "reports": reports, "delivery": manager_reports.delivery_of(session, user.id),
        "deliveries": REPORT_DELIVERIES, "saved": saved, "now": request.app.state.clock()})


# --------------------------------------------------------------------------- a survey's report settings


@router.get("/admin/surveys/{survey_id}/reports", response_class=HTMLResponse)
def settings_page(request: Request, session: DB, user: SurveyManager, survey_id: Id):
    survey = visible_survey(session, user, survey_id)
    form = manager_reports.ScheduleForm.of(manager_reports.schedule_of(session, survey))
    return _settings(request, session, user, survey, form, [], 200)


@router.post("/admin/surveys/{survey_id}/reports", response_class=HTMLResponse)
def save_settings(request: Request, session: DB, user: SurveyManager, survey_id: Id, csrf: Csrf = "",
                  on_wave_close: Annotated[Word, Form()] = "", rule: Annotated[Word, Form()] = "none",
                  cron: Annotated[Text(100), Form()] = ""):
    check_csrf(request, csrf)
    survey = visible_survey(session, user, survey_id)
    form = manager_reports.ScheduleForm(on_wave_close == "on", rule, cron)
    try:
        with session.begin_nested():
            manager_reports.save_schedule(session, survey, form, user, request.app.state.clock())
    except UsageError as exc:
        return _settings(request, session, user, survey, form, reasons(exc), 422)
    return RedirectResponse(f"/admin/surveys/{survey_id}/reports", status_code=303)


def _settings(request: Request, session: Session, user: User, survey: Survey, form, problems: list, status: int):
    return page(request, "report_settings.html", {
        "user": user, "survey": survey, "form": form, "problems": problems, "choices": manager_reports.RULE_CHOICES,
        "schedule": manager_reports.schedule_of(session, survey),
        "managers": manager_reports.managers(session, survey)}, status_code=status)


# --------------------------------------------------------------------------- the delivery log


@router.get("/admin/report-deliveries", response_class=HTMLResponse)
def delivery_log(request: Request, session: DB, user: Administrator, survey: Id | None = None,
                 format: Literal["html", "csv"] = "html"):  # noqa: A002 (the query parameter's name)
    rows = manager_reports.log(session, survey)
    if format == "csv":
        return Response(_csv(rows), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="report-deliveries.csv"'})
    lang = language(request)
    return page(request, "report_deliveries.html", {
        "user": user, "rows": [(*row, period(lang, row[0])) for row in rows], "survey_id": survey,
        "surveys": list(session.scalars(select(Survey).order_by(Survey.title))), "limit": manager_reports.LOG_ROWS})


def _csv(rows: list) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for report, title, wave, message in rows:
        writer.writerow(neutral_row((
            report.created_at.isoformat(), title, wave or "", report.since.isoformat(), report.until.isoformat(),
            report.recipient, report.delivery, report.language, report.respondents,
            message.status if message else "no_responses", message.sent_at.isoformat() if message and message.sent_at
            else "", report.opened_at.isoformat() if report.opened_at else "", message.last_error if message else "")))
    return out.getvalue().encode("utf-8-sig")
