"""Answering a survey: public and invitation links, drafts (save and resume) and the
exactly-once submission.

A draft's ``key`` (random, 256 bits) is carried by the form and the resume link. The
submission stores the response under the same key, in one transaction with the removal
of the draft; the key is unique, so a double click, a retried request or a resubmitted
page stores one response. The key also protects the form against cross-site forgery: a
forged request can only carry a key its author made, i.e. answer the survey in its
author's own name, which the public link allows anyway.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .models import (
    Contact,
    Draft,
    Invitation,
    Response,
    Survey,
    survey_channels,
    survey_units,
)
from .security import new_token, token_hash

DRAFT_DAYS = 30
LANG_NAMES = {"en": "English", "sv": "Svenska", "zh": "中文"}


def survey_state(survey: Survey, now: datetime | None = None) -> str:
    """``open``, ``not_open`` or ``closed``."""
    now = now or datetime.now(timezone.utc)
    if now < survey.opens_at:
        return "not_open"
    if survey.closes_at is not None and now >= survey.closes_at:
        return "closed"
    return "open"


def covers_unit(session: Session, survey: Survey, unit_id: int) -> bool:
    return session.scalar(select(survey_units.c.unit_id).where(
        survey_units.c.survey_id == survey.id, survey_units.c.unit_id == unit_id)) is not None


def channel_for(session: Session, survey: Survey, channel_id: int | None) -> int | None:
    """The channel if the survey covers it, else None (an unknown channel is ignored)."""
    if channel_id is None:
        return None
    ok = session.scalar(select(survey_channels.c.channel_id).where(
        survey_channels.c.survey_id == survey.id, survey_channels.c.channel_id == channel_id))
    return channel_id if ok is not None else None


def choose_language(survey: Survey, asked: str | None, accept_language: str | None) -> str:
    """The link's ``lang`` if the survey has it, else the browser's best preference among
    the survey's languages (``Accept-Language`` q-values), else the survey's first."""
    langs = list(survey.languages)
    if asked in langs:
        return asked
    ranked: list[tuple[float, int, str]] = []
    for i, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        base = tag.strip().lower().split("-")[0]
        if base in langs and q > 0:
            ranked.append((-q, i, base))
    return min(ranked)[2] if ranked else langs[0]


def get_draft(session: Session, key: str) -> Draft | None:
    return session.scalar(select(Draft).where(Draft.key == key))


def is_submitted(session: Session, key: str) -> bool:
    return session.scalar(select(Response.id).where(Response.key == key)) is not None


def save_draft(session: Session, key: str, survey: Survey, unit_id: int, channel_id: int | None, lang: str,
               page: int, answers: dict, comment: str | None) -> Draft:
    draft = get_draft(session, key)
    if draft is None:
        draft = Draft(key=key, survey_id=survey.id, unit_id=unit_id, channel_id=channel_id, language=lang,
                      answers={})
        session.add(draft)
    draft.answers = {**draft.answers, **answers}
    draft.page, draft.language = page, lang
    if comment is not None:
        draft.comment = comment
    draft.updated_at = datetime.now(timezone.utc)
    session.flush()
    return draft


def submit(session: Session, draft: Draft) -> bool:
    """Store the draft as a response (exactly once); False if its key was stored before."""
    invitation = session.get(Invitation, draft.invitation_id) if draft.invitation_id else None
    response = Response(key=draft.key, survey_id=draft.survey_id, unit_id=draft.unit_id,
                        channel_id=draft.channel_id, tier_id=invitation.tier_id if invitation else None,
                        language=draft.language, answers=dict(draft.answers), comment=draft.comment)
    try:
        with session.begin_nested():
            session.add(response)
            session.flush()
    except IntegrityError:
        return False
    survey = session.get(Survey, draft.survey_id)
    if invitation is not None:
        invitation.used_at = datetime.now(timezone.utc)
        if not survey.anonymous:
            contact = session.scalar(select(Contact).where(Contact.invitation_id == invitation.id))
            if contact is not None:
                contact.response_id = response.id
    session.delete(draft)
    return True


def open_invitation(session: Session, token: str) -> tuple[Invitation, Survey] | None:
    """The valid, unused invitation of ``token`` and its survey, else None."""
    inv = session.scalar(select(Invitation).where(Invitation.token_hash == token_hash(token)))
    if inv is None or inv.used_at is not None or inv.expires_at <= datetime.now(timezone.utc):
        return None
    return inv, session.get(Survey, inv.survey_id)


def draft_for_invitation(session: Session, inv: Invitation, lang: str) -> Draft:
    draft = session.scalar(select(Draft).where(Draft.invitation_id == inv.id))
    if draft is None:
        draft = Draft(key=new_token(), survey_id=inv.survey_id, unit_id=inv.unit_id, channel_id=inv.channel_id,
                      invitation_id=inv.id, language=inv.language or lang, answers={})
        session.add(draft)
        session.flush()
    return draft


def expired_drafts_cutoff() -> datetime:
    return datetime.now(timezone.utc) - timedelta(days=DRAFT_DAYS)


