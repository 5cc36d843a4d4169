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
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from ..errors import UsageError
from ..store.db import transaction
from ..store.models import ApiToken, Channel, Complaint, ComplaintContact, Tier, Unit, User
from . import analysis, complaints, dataset, surveys
from .case_routes import ComplaintFilter
from .dataset import FilterQuery
from .org import visible_unit_ids
from .pages import DB, visible_survey
from .params import MAX_ID, DataFormat, FieldErrors, Id, Lang, Text, Word, error_responses, row_id
from .security import token_hash

# every error is an ApiError (params.py), as the OpenAPI document says
router = APIRouter(prefix="/api/v1", tags=["api"], responses=error_responses(401, 422, 503))


def token_user(request: Request) -> User:
    """The user of the request's API token (checked before the request was read, edge.py),
    read with a session of its own: a dependency never uses the route's session (pages.db).
    The token's last use is recorded, at most once a minute, in a short write of its own."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    state = request.app.state
    with state.read_sessions() as session:
        row = session.scalar(select(ApiToken).options(selectinload(ApiToken.user))
                             .where(ApiToken.token_hash == token_hash(token.strip())))
    if row is None or row.revoked or not row.user.active or scheme.lower() != "bearer":
        raise HTTPException(status_code=401, detail="A valid API token is required (Authorization: Bearer ...).",
                            headers={"WWW-Authenticate": "Bearer"})
    now = datetime.now(UTC)
    if row.last_used_at is None or now - row.last_used_at > timedelta(minutes=1):
        with transaction(state.sessions) as write:
            write.execute(update(ApiToken).where(ApiToken.id == row.id).values(last_used_at=now))
    return row.user


TokenUser = Annotated[User, Depends(token_user)]


@router.get("/surveys", summary="The surveys this token may see")
def list_surveys(session: DB, user: TokenUser) -> list[dict]:
    return [{"id": s.id, "title": s.title, "title_labels": s.title_labels or {}, "instrument": s.instrument_id,
             "languages": s.languages,
             "opens_at": s.opens_at.isoformat(), "closes_at": s.closes_at.isoformat() if s.closes_at else None,
             "responses": dataset.count(session, s, user, dataset.Filter())}
            for s in surveys.visible_surveys(session, user)]


@router.get("/surveys/{survey_id}/results", summary="The analysis of the filtered responses (servq's results JSON)",
            responses=error_responses(404))
def results(request: Request, session: DB, user: TokenUser, survey_id: Id, flt: FilterQuery,
            by: Annotated[list[Word], Query()] = [],  # noqa: B006 (FastAPI copies defaults)
            lang: Lang = "en", quality: bool = True) -> dict:
    survey = visible_survey(session, user, survey_id)
    try:
        res = analysis.results(request.app.state.tallies, session, survey, user, flt, by=by, lang=lang,
                               quality=quality)
    except UsageError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from None
    if res is None:
        raise HTTPException(status_code=404, detail="No responses match this filter.")
    return res.to_dict()


@router.get("/surveys/{survey_id}/responses.{fmt}", summary="The filtered responses as CSV, XLSX, Parquet or SPSS",
            response_class=Response, responses={
                200: {"description": "The file", "content": {media: {"schema": {"type": "string", "format": "binary"}}
                                                             for media in analysis.MEDIA.values()}},
                **error_responses(404)})
def responses(session: DB, user: TokenUser, survey_id: Id, fmt: DataFormat, flt: FilterQuery) -> Response:
    survey = visible_survey(session, user, survey_id)
    try:
        return analysis.data_download(session, survey, user, flt, fmt, f"responses-{survey.slug}.{fmt}")
    except UsageError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None


# --------------------------------------------------------------------------- complaints


def _id_as_text(value):
    """A unit given by its id as a JSON number: the same as the id in a string."""
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class ContactIn(BaseModel):
    """The complainant's contact (stored apart from the complaint; shown only to the case's
    owner and administrators)."""

    model_config = ConfigDict(extra="forbid")
    name: Text(ComplaintContact.name) = ""
    email: Text(ComplaintContact.email) = ""
    phone: Text(ComplaintContact.phone) = ""
    consent: bool = Field(False, description="The customer agreed to be contacted about this complaint.")


class ComplaintIn(BaseModel):
    """A complaint sent by another system (a call centre, a web shop, a CRM)."""

    model_config = ConfigDict(extra="forbid")
    key: Text(200, required=True) = Field(description="Your id of this complaint: sending the same key again (a "
                                          "retry) stores nothing new and answers with the stored complaint.")
    text: Text(complaints.MAX_TEXT, multiline=True, required=True)
    unit: Annotated[Text(Unit.name, required=True), BeforeValidator(_id_as_text)] = Field(
        description="The unit's id or name, its base name or its name in a language (a unit this token may see).")
    channel: Text(Channel.name) | None = Field(None, description="A channel's id or name (base or in a language).")
    tier: Text(Tier.name) | None = Field(None, description="A customer tier's id or name (base or in a language).")
    product: Text(Complaint.product) = ""
    received_at: datetime | None = Field(None, description="When it was received, with a time zone "
                                         "(default: now).")
    contact: ContactIn | None = None


def _named(session, model, value, what: str, problems: list[str]):
    if value is None or str(value).strip() == "":
        return None
    text = str(value).strip()
    ref = row_id(text)
    row = session.get(model, ref) if ref is not None else None
    if row is None:
        row = session.scalar(select(model).where(func.lower(model.name) == text.lower()))
    if row is None:  # its name in another language (names.py)
        row = next((r for r in session.scalars(select(model).where(model.labels.is_not(None)))
                    if text.casefold() in {v.casefold() for v in (r.labels or {}).values()}), None)
    if row is None:
        problems.append(f"{what}: no {what} named {text!r}")
    return row


def _refused(problems: list[str]) -> FieldErrors:
    """``problems`` (each ``field: message``) as a 422 naming each field."""
    errors: dict[str, str] = {}
    for problem in problems:
        field, _, message = problem.partition(": ")
        errors[field] = f"{errors[field]}; {message}" if field in errors else message
    return FieldErrors(errors)


@router.post("/complaints", summary="Send a complaint (exactly once per key)", status_code=201,
             responses={200: {"description": "Sent before with this key: the stored complaint"},
                        **error_responses(400, 413)})
def create_complaint(request: Request, session: DB, user: TokenUser, body: ComplaintIn):
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
    now, bounds = request.app.state.clock(), complaints.DateBounds.of(request.app.state.settings)
    received = body.received_at or now
    if received.tzinfo is None:
        problems.append(f"received_at: give a time zone, e.g. {received.isoformat()}+01:00 or Z")
    elif wrong_date := bounds.problem(received, now):
        problems.append(f"received_at: {wrong_date}")
    contact = None
    if body.contact is not None:
        contact, wrong = complaints.check_contact(body.contact.name, body.contact.email, body.contact.phone)
        contact.consent = body.contact.consent
        problems += [f"contact.{name}: {message}" for name, message in wrong.items()]
    if problems:
        raise _refused(problems)
    key = "api-" + hashlib.sha256(f"{user.id}:{body.key}".encode()).hexdigest()[:60]
    new = complaints.NewComplaint(key=key, unit_id=unit.id, text=text, source="api", received_at=received,
                                  channel_id=channel.id if channel else None, tier_id=tier.id if tier else None,
                                  product=body.product.strip(), contact=contact, event={"client_key": body.key})
    created = complaints.intake(session, new, actor=user, bounds=bounds, now=now)
    complaint = session.get(Complaint, created if created is not None else complaints.id_of_key(session, key))
    return JSONResponse({"created": created is not None, **complaints.as_dict(complaint, now)},
                        status_code=201 if created is not None else 200)


@router.get("/complaints", summary="The complaints this token may see, filtered")
def list_complaints(request: Request, session: DB, user: TokenUser, flt: ComplaintFilter,
                    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
                    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0) -> dict:
    now = request.app.state.clock()
    query = flt.apply(complaints.visible(user), now)
    total = session.scalar(query.with_only_columns(func.count(Complaint.id)))
    order = (Complaint.confidence.asc(),) if flt.review else ()  # the least sure first
    rows = session.scalars(query.order_by(*order, Complaint.received_at.desc(), Complaint.id.desc()).offset(offset)
                           .limit(limit).options(*(selectinload(getattr(Complaint, name))
                                                   for name in ("unit", "channel", "tier", "owner"))))
    return {"count": total, "limit": limit, "offset": offset,
            "complaints": [complaints.as_dict(c, now) for c in rows]}
