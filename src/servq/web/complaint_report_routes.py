"""Complaint analytics in the web platform: the page with its filter, servq's complaints
report of the filter (framed, as the survey dashboard's report), and its JSON."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from ..errors import UsageError
from ..report import to_json
from ..report.complaints_section import render_complaints_html
from . import complaint_analytics, dataset, org
from .dashboard_routes import REPORT_CSP
from .models import Channel, Tier
from .pages import DB, CurrentUser, page

router = APIRouter(prefix="/admin/complaint-analytics", include_in_schema=False)
LANGS = ("en", "sv", "zh")


def _filter(request: Request) -> dataset.Filter:
    try:
        return dataset.Filter.parse(request.query_params)
    except UsageError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from None


def _lang(request: Request) -> str:
    lang = request.query_params.get("lang")
    return lang if lang in LANGS else "en"


@router.get("", response_class=HTMLResponse)
def analytics_page(request: Request, session: DB, user: CurrentUser):
    flt, lang = _filter(request), _lang(request)
    qs = "&".join([f"{k}={v}" for k, v in flt.query().items()] + [f"lang={lang}"])
    n = complaint_analytics.table(session, user, flt).num_rows
    return page(request, "complaint_analytics.html", {
        "user": user, "flt": flt, "lang": lang, "qs": qs, "n": n,
        "units": org.tree_rows(org.visible_units(session, user)),
        "channels": list(session.scalars(select(Channel).order_by(Channel.name))),
        "tiers": list(session.scalars(select(Tier).order_by(Tier.name))),
    })


@router.get("/report")
def analytics_report(request: Request, session: DB, user: CurrentUser, download: bool = False,
                     fmt: Annotated[str, Query(pattern="^(html|json)$")] = "html"):
    """servq's complaints report (or its JSON) of the complaints in the filter."""
    flt, lang = _filter(request), _lang(request)
    data = complaint_analytics.results(session, user, flt, now=request.app.state.clock(), lang=lang)
    if fmt == "json":
        return Response(to_json(data).encode(), media_type="application/json",
                        headers={"Content-Disposition": 'attachment; filename="complaints.json"'})
    headers = {"Content-Security-Policy": REPORT_CSP, "X-Frame-Options": "SAMEORIGIN"}
    if download:
        headers["Content-Disposition"] = 'attachment; filename="complaints-report.html"'
    return HTMLResponse(render_complaints_html(data, lang), headers=headers)
