"""The JSON API (``/api/v1``) for BI tools: the surveys a token may see, their results
(exactly what ``servq analyze`` computes, as its JSON) and their data, for a filter.

Authentication: ``Authorization: Bearer <token>`` with a token made by
``servq admin create-token``; a token acts as its user (role and units). The OpenAPI
description is at ``/api/openapi.json``.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response
from sqlalchemy import select, update

from ..errors import UsageError
from . import analysis, dataset, surveys
from .db import transaction
from .models import ApiToken, User
from .pages import DB, visible_survey
from .security import token_hash

router = APIRouter(prefix="/api/v1", tags=["api"])


def token_user(request: Request, session: DB) -> User:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    row = None
    if scheme.lower() == "bearer" and token.strip():
        row = session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(token.strip())))
    if row is None or row.revoked or not row.user.active:
        raise HTTPException(status_code=401, detail="A valid API token is required (Authorization: Bearer ...).",
                            headers={"WWW-Authenticate": "Bearer"})
    with transaction(request.app.state.sessions) as write:  # its own short write: this request only reads
        write.execute(update(ApiToken).where(ApiToken.id == row.id).values(last_used_at=datetime.now(timezone.utc)))
    return row.user


TokenUser = Annotated[User, Depends(token_user)]


def _filter(unit: str | None = None, channel: str | None = None, tier: str | None = None,
            language: str | None = None, since: str | None = None, until: str | None = None) -> dataset.Filter:
    """The filter of the query parameters (as on the dashboard)."""
    try:
        return dataset.Filter.parse({"unit": unit, "channel": channel, "tier": tier, "language": language,
                                     "since": since, "until": until})
    except UsageError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from None


FilterQuery = Annotated[dataset.Filter, Depends(_filter)]


@router.get("/surveys", summary="The surveys this token may see")
def list_surveys(session: DB, user: TokenUser) -> list[dict]:
    return [{"id": s.id, "title": s.title, "instrument": s.instrument_id, "languages": s.languages,
             "opens_at": s.opens_at.isoformat(), "closes_at": s.closes_at.isoformat() if s.closes_at else None,
             "responses": dataset.count(session, s, user, dataset.Filter())}
            for s in surveys.visible_surveys(session, user)]


@router.get("/surveys/{survey_id}/results", summary="The analysis of the filtered responses (servq's results JSON)")
def results(request: Request, session: DB, user: TokenUser, survey_id: int, flt: FilterQuery,
            by: Annotated[list[str], Query()] = [],  # noqa: B006 (FastAPI copies defaults)
            lang: str = "en", quality: bool = True) -> dict:
    survey = visible_survey(session, user, survey_id)
    try:
        res = analysis.results(request.app.state.tallies, session, survey, user, flt, by=by, lang=lang,
                               quality=quality)
    except UsageError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from None
    if res is None:
        raise HTTPException(status_code=404, detail="No responses match this filter.")
    return res.to_dict()


@router.get("/surveys/{survey_id}/responses.{fmt}", summary="The filtered responses as CSV, XLSX, Parquet or SPSS")
def responses(session: DB, user: TokenUser, survey_id: int, fmt: str, flt: FilterQuery) -> Response:
    survey = visible_survey(session, user, survey_id)
    try:
        body = analysis.data_file(session, survey, user, flt, fmt)
    except UsageError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None
    return Response(body, media_type=analysis.MEDIA[fmt], headers={
        "Content-Disposition": f'attachment; filename="responses-{survey.slug}.{fmt}"'})
