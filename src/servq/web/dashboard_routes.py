"""The dashboard of a survey: response counts and rate over time, then servq's report of
the filtered responses (framed: the report is one self-contained document), and the
report, the results JSON and the data for the current filter as downloads."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import UsageError
from ..report import render_html, to_json
from ..store.models import Channel, Tier, User
from . import analysis, dataset, org, versions
from .dashboard import invitation_rate, responses_chart
from .dataset import FilterQuery
from .languages import Msg, t
from .pages import DB, CurrentUser, language, page, visible_survey
from .params import DataFormat, Id, Lang, Word

router = APIRouter(prefix="/admin/surveys", include_in_schema=False)
# the framed report: no scripts at all, its own inline styles, shown only inside servq's pages
REPORT_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
              "form-action 'none'; frame-ancestors 'self'")
# the break-down of a page (unknown segments are left out); none given: BY_DEFAULT
By = Annotated[list[Word] | None, Query()]


def _by(by: list[str] | None) -> list[str]:
    return [b for b in (analysis.BY_DEFAULT if by is None else by) if b in dataset.SEGMENTS]


@router.get("/{survey_id}/dashboard", response_class=HTMLResponse)
def dashboard(request: Request, session: DB, user: CurrentUser, survey_id: Id, flt: FilterQuery, by: By = None,
              lang: Lang | None = None):
    """The dashboard; its report in ``lang``, by default the language of the page."""
    survey = visible_survey(session, user, survey_id)
    by = _by(by)
    lang = lang or language(request)
    days = analysis.daily_counts(request.app.state.tallies, session, survey, user, flt)
    total = sum(n for _, n in days)
    sent, used = invitation_rate(session, survey, user, flt)
    query = flt.query()
    qs = "&".join([f"{k}={v}" for k, v in query.items()] + [f"by={b}" for b in by] + [f"lang={lang}"])
    return page(request, "dashboard.html", {
        "user": user, "survey": survey, "flt": flt, "by": by, "segments": dataset.SEGMENTS, "report_lang": lang,
        **filter_choices(session, user), "total": total, "days": days, "sent": sent, "used": used,
        "chart": responses_chart(days, t(language(request), "dashboard.per_day")) if days else None, "qs": qs,
        "versions": versions.answered(session, survey),
    })


def filter_choices(session: Session, user: User) -> dict:
    """The units (of ``user``), channels and tiers a filter form offers (_filter_units.html)."""
    return {"units": org.tree_rows(org.visible_units(session, user)),
            "channels": list(session.scalars(select(Channel).order_by(Channel.name))),
            "tiers": list(session.scalars(select(Tier).order_by(Tier.name)))}


@router.get("/{survey_id}/report")
def report(request: Request, session: DB, user: CurrentUser, survey_id: Id, flt: FilterQuery, by: By = None,
           lang: Lang | None = None, download: bool = False, fmt: Literal["html", "json"] = "html"):
    """servq's report (or results JSON) of the filtered responses, in ``lang`` (by default
    the language of the user's pages)."""
    survey = visible_survey(session, user, survey_id)
    lang = lang or language(request)
    try:
        res = analysis.results(request.app.state.tallies, session, survey, user, flt, by=_by(by), lang=lang)
    except UsageError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from None
    if res is None:
        raise HTTPException(status_code=404, detail=Msg("msg.no_responses"))
    if fmt == "json":
        return Response(to_json(res).encode(), media_type="application/json", headers={
            "Content-Disposition": f'attachment; filename="results-{survey.slug}.json"'})
    headers = {"Content-Security-Policy": REPORT_CSP, "X-Frame-Options": "SAMEORIGIN"}
    if download:
        headers["Content-Disposition"] = f'attachment; filename="report-{survey.slug}.html"'
    return HTMLResponse(render_html(res.data, lang), headers=headers)


@router.get("/{survey_id}/data.{fmt}")
def data(session: DB, user: CurrentUser, survey_id: Id, fmt: DataFormat, flt: FilterQuery):
    """The filtered responses as CSV, XLSX, Parquet or SPSS .sav."""
    survey = visible_survey(session, user, survey_id)
    try:
        return analysis.data_download(session, survey, user, flt, fmt, f"responses-{survey.slug}.{fmt}")
    except UsageError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None
