"""Complaint analytics in the web platform: the page with its filter, servq's complaints
report of the filter (framed, as the survey dashboard's report), and its JSON; uploading
and deleting the operational metrics the report sets beside complaint volume."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from ..errors import DataError
from ..report import to_json
from ..report.complaints_section import render_complaints_html
from ..store.models import User
from . import complaint_analytics, complaint_context, dataset, surveys
from .dashboard_routes import REPORT_CSP, filter_choices
from .dataset import FilterQuery
from .file_rows import file_rows, row_values
from .languages import Msg, problem_list
from .pages import DB, Csrf, CurrentUser, SurveyManager, language, page
from .params import FieldErrors, Lang, Word
from .security import check_csrf

router = APIRouter(prefix="/admin/complaint-analytics", include_in_schema=False)
# how hot spots are found: ``poisson`` (each cell against its previous weeks) or ``share``
# (its share of each week's complaints, so that seasons cancel)
Spikes = Literal["poisson", "share"]


@router.get("", response_class=HTMLResponse)
def analytics_page(request: Request, session: DB, user: CurrentUser, flt: FilterQuery, lang: Lang | None = None,
                   spikes: Spikes = "poisson"):
    """The page; its report in ``lang``, by default the language of the page."""
    return _page(request, session, user, flt, None, 200, lang, spikes)


@router.post("/operations", response_class=HTMLResponse)
def upload_operations(request: Request, session: DB, user: SurveyManager, csrf: Csrf = "",
                      file: Annotated[UploadFile | None, File()] = None, header_row: Annotated[Word, Form()] = "",
                      first_row: Annotated[Word, Form()] = ""):
    """Operational metrics (date, region, metric, value) from a CSV or XLSX file: stored
    only when every row is right; a row replaces the stored one of its day, region and metric.
    ``header_row`` and ``first_row``: the spreadsheet rows of the column names and of the
    first row of data, blank for the defaults (``--header-row`` and ``--first-row``)."""
    check_csrf(request, csrf)
    flt = dataset.Filter()
    typed = row_values(header_row, first_row)
    try:
        rows = file_rows(header_row, first_row)
    except FieldErrors as exc:
        return _page(request, session, user, flt, list(exc.errors.values()), 422, rows=typed, errors=exc.errors)
    if file is None or not file.filename:
        return _page(request, session, user, flt, [Msg("msg.choose_operations")], 422, rows=typed)
    raw = file.file.read(complaint_context.MAX_UPLOAD + 1)
    if len(raw) > complaint_context.MAX_UPLOAD:
        return _page(request, session, user, flt, [Msg("msg.file_too_large", file=file.filename,
                                                       size=f"{complaint_context.MAX_UPLOAD // 1_000_000} MB")], 422,
                     rows=typed)
    try:
        table = complaint_context.read_upload(raw, file.filename, rows)
    except DataError as exc:
        return _page(request, session, user, flt, problem_list(exc), 422, rows=typed)
    complaint_context.import_operations(session, table, file.filename, user)
    return RedirectResponse("/admin/complaint-analytics", status_code=303)


@router.post("/operations/delete")
def delete_operations(request: Request, session: DB, user: SurveyManager, csrf: Csrf = ""):
    """Delete every stored operational metric."""
    check_csrf(request, csrf)
    complaint_context.delete_operations(session, user)
    return RedirectResponse("/admin/complaint-analytics", status_code=303)


def _page(request: Request, session: Session, user: User, flt: dataset.Filter, problems: list | None,
          status: int, lang: str | None = None, spikes: str = "poisson", rows: dict | None = None,
          errors: dict | None = None) -> HTMLResponse:
    lang = lang or language(request)
    qs = "&".join([f"{k}={v}" for k, v in flt.query().items()] + [f"lang={lang}", f"spikes={spikes}"])
    n = complaint_analytics.table(session, user, flt, lang).num_rows
    return page(request, "complaint_analytics.html", {
        "user": user, "flt": flt, "report_lang": lang, "spikes": spikes, "qs": qs, "n": n, "problems": problems,
        "operations": complaint_context.summary(session), "can_edit": user.role in surveys.MANAGERS,
        "rows": rows or row_values(), "errors": errors or {},
        **filter_choices(session, user)}, status_code=status)


@router.get("/report")
def analytics_report(request: Request, session: DB, user: CurrentUser, flt: FilterQuery, lang: Lang | None = None,
                     spikes: Spikes = "poisson", download: bool = False, fmt: Literal["html", "json"] = "html"):
    """servq's complaints report (or its JSON) of the complaints in the filter, in ``lang``
    (by default the language of the user's pages)."""
    lang = lang or language(request)
    data = complaint_analytics.results(session, user, flt, now=request.app.state.clock(), lang=lang, spikes=spikes)
    if fmt == "json":
        return Response(to_json(data).encode(), media_type="application/json",
                        headers={"Content-Disposition": 'attachment; filename="complaints.json"'})
    headers = {"Content-Security-Policy": REPORT_CSP, "X-Frame-Options": "SAMEORIGIN"}
    if download:
        headers["Content-Disposition"] = 'attachment; filename="complaints-report.html"'
    return HTMLResponse(render_complaints_html(data, lang), headers=headers)
