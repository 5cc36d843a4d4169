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

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ..store import cells
from ..store.models import (
    Contact,
    Draft,
    Invitation,
    Response,
    Survey,
)
from .closed_loop import LoopRequest, open_case
from .languages import negotiate
from .security import new_token, token_hash
from .surveys import instrument_of
from .webhooks import response_event

DRAFT_DAYS = 30


@dataclass(frozen=True)
class PublicSurvey:
    """What the respondent's pages need of a survey, read once every few seconds per
    process instead of on every request (see :class:`SurveyCache`)."""

    id: int
    slug: str
    title: str
    languages: tuple[str, ...]
    anonymous: bool
    opens_at: datetime
    closes_at: datetime | None
    instrument_yaml: str
    unit_ids: frozenset[int]
    channel_ids: frozenset[int]
    closed_loop: dict | None = None  # the thresholds that open a complaint case (closed_loop.py)
    title_labels: dict | None = None  # the title in the survey's languages (names.py)
    instrument_version: int = 1  # the version of instrument_yaml (versions.py)


class SurveyCache:
    """The respondent's view of surveys by slug, kept ``seconds`` per process (0: always read)."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self._entries: dict[str, tuple[float, PublicSurvey | None]] = {}

    MISS = object()

    def peek(self, slug: str) -> PublicSurvey | None | object:
        """The survey when it is kept and fresh (None: there is no such survey), else MISS."""
        hit = self._entries.get(slug)
        return hit[1] if hit is not None and hit[0] > time.monotonic() else self.MISS

    def get(self, session: Session, slug: str) -> PublicSurvey | None:
        found = self.peek(slug)
        if found is not self.MISS:
            return found
        now = time.monotonic()
        row = session.scalar(select(Survey).where(Survey.slug == slug))
        found = None if row is None else PublicSurvey(
            row.id, row.slug, row.title, tuple(row.languages), row.anonymous, row.opens_at, row.closes_at,
            row.instrument_yaml, frozenset(u.id for u in row.units), frozenset(c.id for c in row.channels),
            row.closed_loop, row.title_labels, row.instrument_version)
        if self.seconds > 0:
            if len(self._entries) > 10_000:
                self._entries.clear()
            self._entries[slug] = (now + self.seconds, found)
        return found


def survey_state(survey: PublicSurvey, now: datetime | None = None) -> str:
    """``open``, ``not_open`` or ``closed``."""
    now = now or datetime.now(UTC)
    if now < survey.opens_at:
        return "not_open"
    if survey.closes_at is not None and now >= survey.closes_at:
        return "closed"
    return "open"


def channel_for(survey: PublicSurvey, channel_id: int | None) -> int | None:
    """The channel if the survey covers it, else None (an unknown channel is ignored)."""
    return channel_id if channel_id in survey.channel_ids else None


def choose_language(survey: PublicSurvey | Survey, asked: str | None, accept_language: str | None) -> str:
    """The link's ``lang`` if the survey has it, else the browser's best preference among
    the survey's languages (``Accept-Language`` q-values), else the survey's first."""
    return asked if asked in survey.languages else negotiate(accept_language, survey.languages)


def get_draft(session: Session, key: str) -> Draft | None:
    """The draft ``key`` unless it has expired (not saved for :data:`DRAFT_DAYS` days)."""
    return session.scalar(select(Draft).where(Draft.key == key, Draft.updated_at > expired_drafts_cutoff()))


def is_submitted(session: Session, key: str) -> bool:
    return session.scalar(select(Response.id).where(Response.key == key)) is not None


def save_draft(session: Session, key: str, survey: PublicSurvey | Survey, unit_id: int, channel_id: int | None, lang: str,
               page: int, answers: dict, comment: str | None, draft: Draft | None) -> Draft:
    """Add ``answers`` to the draft ``key`` (``draft``, when it exists), created here when not."""
    if draft is None:
        draft = Draft(key=key, survey_id=survey.id, unit_id=unit_id, channel_id=channel_id, language=lang,
                      answers={})
        session.add(draft)
    draft.answers = {**draft.answers, **answers}
    draft.page, draft.language = page, lang
    if comment is not None:
        draft.comment = comment
    draft.updated_at = datetime.now(UTC)
    session.flush()
    return draft


def submit(session: Session, key: str, survey: PublicSurvey | Survey, unit_id: int, channel_id: int | None, lang: str,
           answers: dict, comment: str, draft: Draft | None = None, loop: LoopRequest | None = None) -> bool:
    """Store a response under ``key`` (exactly once: False if the key was stored before),
    with ``draft``'s answers under the ones given; the draft is removed in the same
    transaction. A response sent whole (no draft) needs no draft at all. With ``loop`` (a
    survey with the closed loop), a response that meets a threshold opens a complaint case
    in the same transaction (closed_loop.py)."""
    invitation = session.get(Invitation, draft.invitation_id) if draft is not None and draft.invitation_id else None
    if invitation is not None and not _use(session, invitation, survey.anonymous):
        return False  # the invitation was used already (it is single-use, however many drafts it had)
    given = {**(draft.answers if draft else {}), **answers}
    hidden = set(instrument_of(survey).not_asked(given))  # an answer changed after a later page was answered
    row = dict(key=key, survey_id=survey.id, unit_id=unit_id, channel_id=channel_id,
               tier_id=invitation.tier_id if invitation else None, language=lang,
               answers={k: v for k, v in given.items() if k not in hidden},
               comment=comment or (draft.comment if draft else ""), submitted_at=datetime.now(UTC),
               instrument_version=survey.instrument_version)
    conn = session.connection()
    response_id = conn.execute(_insert_response(conn.dialect.name), row).scalar()
    if response_id is None:  # the key was stored before
        return False
    cells.added(session, response_id)
    if invitation is not None:
        if not survey.anonymous:
            contact = session.scalar(select(Contact).where(Contact.invitation_id == invitation.id))
            if contact is not None:
                contact.response_id = response_id
    if draft is not None:
        session.delete(draft)
    if loop is not None:
        open_case(session, survey, response_id, unit_id, channel_id, row["tier_id"], lang, row["answers"],
                  row["comment"], loop, row["submitted_at"])
    response_event(session, response_id, row["submitted_at"])
    return True


def _use(session: Session, invitation: Invitation, anonymous: bool) -> bool:
    """Mark the invitation used, if it was not: one statement checks and consumes, so of
    concurrent submissions exactly one gets it (True). For an ``anonymous`` survey it is
    marked with the day only: the invitation names its invitee (``contacts``), and its
    time of use to the microsecond would be the response's time of submission — which
    response is whose."""
    now = datetime.now(UTC)
    used = now.replace(hour=0, minute=0, second=0, microsecond=0) if anonymous else now
    table = Invitation.__table__
    done = session.execute(update(table).where(table.c.id == invitation.id, table.c.used_at.is_(None))
                           .values(used_at=used))
    session.expire(invitation, ["used_at"])
    return done.rowcount == 1


@cache
def _insert_response(dialect: str):
    """INSERT of a response that does nothing when its key is there already (the hot path
    of every submission: a plain statement, compiled once)."""
    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(Response.__table__).on_conflict_do_nothing(index_elements=["key"]) \
        .returning(Response.__table__.c.id)


# What a respondent's write job (run by the group writer, see writer.py) reports.
STORED, SAVED, MISMATCH, DONE_BEFORE = "stored", "saved", "mismatch", "done before"
_DRAFT_ID = select(Draft.__table__.c.id).where(Draft.__table__.c.key == bindparam("key"))


def _draft_in(session: Session, key: str) -> Draft | None:
    """The draft ``key`` (one cheap look-up when there is none: the usual whole submission);
    an expired one is deleted here, and the key starts afresh."""
    found = session.connection().execute(_DRAFT_ID, {"key": key}).scalar()
    draft = None if found is None else session.get(Draft, found)
    if draft is not None and draft.updated_at <= expired_drafts_cutoff():
        session.delete(draft)
        session.flush()
        return None
    return draft


def submission(key: str, survey: PublicSurvey, unit_id: int, channel_id: int | None, lang: str, answers: dict,
               comment: str, loop: LoopRequest | None = None) -> Callable[[Session], str]:
    """The write of a submission: STORED (also when the key was stored before: the same
    response sent again) or MISMATCH (the key's draft belongs to another survey or unit)."""
    def job(session: Session) -> str:
        draft = _draft_in(session, key)
        if draft is not None and (draft.survey_id, draft.unit_id) != (survey.id, unit_id):
            return MISMATCH
        submit(session, key, survey, unit_id, draft.channel_id if draft else channel_id, lang, answers, comment, draft,
               loop)
        return STORED
    return job


def page_save(key: str, survey: PublicSurvey, unit_id: int, channel_id: int | None, lang: str, page: int,
              answers: dict, comment: str | None) -> Callable[[Session], str]:
    """The write of a page's answers into the draft: SAVED, MISMATCH, or DONE_BEFORE when
    the key was submitted already (the page was sent again after the submission)."""
    def job(session: Session) -> str:
        draft = _draft_in(session, key)
        if draft is None and is_submitted(session, key):
            return DONE_BEFORE
        if draft is not None and (draft.survey_id, draft.unit_id) != (survey.id, unit_id):
            return MISMATCH
        save_draft(session, key, survey, unit_id, draft.channel_id if draft else channel_id, lang, page, answers,
                   comment, draft)
        return SAVED
    return job


def open_invitation(session: Session, token: str) -> tuple[Invitation, Survey] | None:
    """The valid, unused invitation of ``token`` and its survey, else None."""
    inv = session.scalar(select(Invitation).where(Invitation.token_hash == token_hash(token)))
    if inv is None or inv.used_at is not None or inv.expires_at <= datetime.now(UTC):
        return None
    return inv, session.get(Survey, inv.survey_id)


def draft_for_invitation(session: Session, inv: Invitation, lang: str) -> Draft:
    """The invitation's draft, made on its first opening (or again when it expired). One per
    invitation (a unique index): of concurrent first openings one makes it and the others
    continue it."""
    table = Draft.__table__
    session.execute(delete(table).where(table.c.invitation_id == inv.id, table.c.updated_at <= expired_drafts_cutoff()))
    insert = (postgresql.insert if session.bind.dialect.name == "postgresql" else sqlite.insert)(table)
    session.execute(insert.values(key=new_token(), survey_id=inv.survey_id, unit_id=inv.unit_id,
                                  channel_id=inv.channel_id, invitation_id=inv.id, language=inv.language or lang,
                                  page=0, answers={}, comment="", updated_at=datetime.now(UTC))
                    .on_conflict_do_nothing(index_elements=["invitation_id"]))
    return session.scalar(select(Draft).where(Draft.invitation_id == inv.id))


def expired_drafts_cutoff(now: datetime | None = None) -> datetime:
    """A draft last saved at or before this time has expired: its link no longer opens it."""
    return (now or datetime.now(UTC)) - timedelta(days=DRAFT_DAYS)


def purge_drafts(session: Session, now: datetime) -> int:
    """Delete the expired drafts (their answers and comments, and an invitation's link to
    them); how many. Anyone may start a draft, so they must not pile up."""
    return session.execute(delete(Draft).where(Draft.updated_at <= expired_drafts_cutoff(now))).rowcount or 0


