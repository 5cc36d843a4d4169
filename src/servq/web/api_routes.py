"""The JSON API (``/api/v1``) for BI tools: the surveys a token may see, their results
(exactly what ``servq analyze`` computes, as its JSON) and their data, for a filter; and
complaints: ``POST /api/v1/complaints`` (intake, exactly once by the client's ``key``) and
``GET /api/v1/complaints`` (the complaints of the token's units, filtered).

Authentication: ``Authorization: Bearer <token>`` with a token made by
``servq admin create-token``; a token acts as its user (role and units). The OpenAPI
description is at ``/api/openapi.json``.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from ..errors import UsageError
from . import analysis, complaints, dataset, surveys
from .db import transaction
from .models import ApiToken, Channel, Complaint, Tier, Unit, User
from .org import visible_unit_ids
from .pages import DB, visible_survey
from .security import token_hash

router = APIRouter(prefix="/api/v1", tags=["api"])


def _token(request: Request, session) -> ApiToken:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    row = None
    if scheme.lower() == "bearer" and token.strip():
        row = session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(token.strip())))
    if row is None or row.revoked or not row.user.active:
        raise HTTPException(status_code=401, detail="A valid API token is required (Authorization: Bearer ...).",
                            headers={"WWW-Authenticate": "Bearer"})
    return row


def token_user(request: Request, session: DB) -> User:
    row = _token(request, session)
    with transaction(request.app.state.sessions) as write:  # its own short write: this request only reads
        write.execute(update(ApiToken).where(ApiToken.id == row.id).values(last_used_at=datetime.now(timezone.utc)))
    return row.user


def token_writer(request: Request, session: DB) -> User:
    """The token's user for a request that writes: its last use is written in the request's
    own transaction (a second write transaction would wait for this one's lock)."""
    row = _token(request, session)
    row.last_used_at = datetime.now(timezone.utc)
    return row.user


TokenUser = Annotated[User, Depends(token_user)]
TokenWriter = Annotated[User, Depends(token_writer)]


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


# --------------------------------------------------------------------------- complaints


class ContactIn(BaseModel):
    """The complainant's contact (stored apart from the complaint; shown only to the case's
    owner and administrators)."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field("", max_length=200)
    email: str = ""
    phone: str = ""
    consent: bool = Field(False, description="The customer agreed to be contacted about this complaint.")


class ComplaintIn(BaseModel):
    """A complaint sent by another system (a call centre, a web shop, a CRM)."""

    model_config = ConfigDict(extra="forbid")
    key: str = Field(min_length=1, max_length=200, description="Your id of this complaint: sending the same key "
                     "again (a retry) stores nothing new and answers with the stored complaint.")
    text: str = Field(min_length=1, max_length=complaints.MAX_TEXT)
    unit: int | str = Field(description="The unit's id or name (a unit this token may see).")
    channel: str | None = Field(None, description="A channel's name or id.")
    tier: str | None = Field(None, description="A customer tier's name or id.")
    product: str = Field("", max_length=complaints.MAX_PRODUCT)
    received_at: datetime | None = Field(None, description="When it was received, with a time zone "
                                         "(default: now).")
    contact: ContactIn | None = None


def _named(session, model, value, what: str, problems: list[str]):
    if value is None or str(value).strip() == "":
        return None
    text = str(value).strip()
    row = session.get(model, int(text)) if text.isdigit() else None
    if row is None:
        row = session.scalar(select(model).where(func.lower(model.name) == text.lower()))
    if row is None:
        problems.append(f"{what}: no {what} named {text!r}")
    return row


@router.post("/complaints", summary="Send a complaint (exactly once per key)", status_code=201)
def create_complaint(request: Request, session: DB, user: TokenWriter, body: ComplaintIn):
    problems: list[str] = []
    unit = _named(session, Unit, body.unit, "unit", problems)
    visible = visible_unit_ids(user)
    if unit is not None and visible is not None and unit.id not in set(session.scalars(visible)):
        problems.append(f"unit: no unit named {str(body.unit)!r}")  # the same answer as for none
        unit = None
    channel = _named(session, Channel, body.channel, "channel", problems)
    tier = _named(session, Tier, body.tier, "tier", problems)
    text = body.text.strip()
    if not text:
        problems.append("text: the complaint's text is empty")
    now = request.app.state.clock()
    received = body.received_at or now
    if received.tzinfo is None:
        problems.append(f"received_at: give a time zone, e.g. {received.isoformat()}+01:00 or Z")
    elif received > now:
        problems.append(f"received_at: {received.isoformat()} is in the future")
    contact = None
    if body.contact is not None:
        contact, wrong = complaints.check_contact(body.contact.name, body.contact.email, body.contact.phone)
        contact.consent = body.contact.consent
        problems += [f"contact.{name}: {message}" for name, message in wrong.items()]
    if problems:
        raise HTTPException(status_code=422, detail="; ".join(problems))
    key = "api-" + hashlib.sha256(f"{user.id}:{body.key}".encode()).hexdigest()[:60]
    new = complaints.NewComplaint(key=key, unit_id=unit.id, text=text, source="api", received_at=received,
                                  channel_id=channel.id if channel else None, tier_id=tier.id if tier else None,
                                  product=body.product.strip(), contact=contact, event={"client_key": body.key})
    created = complaints.intake(session, new, actor=user)
    complaint = session.get(Complaint, created if created is not None else complaints.id_of_key(session, key))
    return JSONResponse({"created": created is not None, **complaints.as_dict(complaint, now)},
                        status_code=201 if created is not None else 200)


@router.get("/complaints", summary="The complaints this token may see, filtered")
def list_complaints(request: Request, session: DB, user: TokenUser, unit: str | None = None,
                    status: str | None = None, dimension: str | None = None, overdue: str | None = None,
                    since: str | None = None, until: str | None = None,
                    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
                    offset: Annotated[int, Query(ge=0)] = 0) -> dict:
    try:
        flt = complaints.ListFilter.parse({"unit": unit, "status": status, "dimension": dimension,
                                           "overdue": overdue, "since": since, "until": until})
    except UsageError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from None
    now = request.app.state.clock()
    query = flt.apply(complaints.visible(user), now)
    total = session.scalar(query.with_only_columns(func.count(Complaint.id)))
    rows = session.scalars(query.order_by(Complaint.received_at.desc(), Complaint.id.desc()).offset(offset)
                           .limit(limit).options(*(selectinload(getattr(Complaint, name))
                                                   for name in ("unit", "channel", "tier", "owner"))))
    return {"count": total, "limit": limit, "offset": offset,
            "complaints": [complaints.as_dict(c, now) for c in rows]}
