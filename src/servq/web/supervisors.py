"""Customer service-quality supervisors (docs/supervisors.md): invited by an administrator,
signing in with a password of their own, evaluating a visit or errand with the survey's
questionnaire, free text and photos, and earning points by the administrator's rule.

A supervisor is a :class:`User` with the role ``supervisor`` (their name, e-mail, password
and language: the personal part, erased with ``servq privacy erase``) and a
:class:`Supervisor` row (the units they may evaluate, their sign-up link). An evaluation is
stored as an ordinary response in the *supervisor channel* (made on first use), so the
dashboard and ``servq analyze`` show it as a channel of its own; what only supervisors
add — the day of the visit, the photos, who made it — lives beside it.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ..errors import UsageError
from ..io.cells import neutral_row
from ..store.models import (
    SUPERVISOR,
    AuditEntry,
    Channel,
    OutboxMessage,
    PointsEntry,
    PointsRule,
    Response,
    Supervisor,
    SupervisorEvaluation,
    SupervisorPhoto,
    Survey,
    Unit,
    User,
    survey_units,
)
from . import outbox, responding
from .accounts import audit, normalise_email, set_password
from .languages import LANGUAGES, Msg, Msgs
from .photos import Photo
from .security import token_hash
from .settings import Settings
from .supervisor_mail import signup_hash
from .surveys import questionnaire_of

CHANNEL = "supervisors"  # the channel of supervisors' evaluations, made on first use
CHANNEL_LABELS = {"en": "Supervisors", "sv": "Kundövervakare", "zh": "服务质量监督员"}
UNUSABLE_PASSWORD = "!"  # no argon2 hash: nobody signs in before setting a password
DEFAULT_RULE = (10, 5)  # points per evaluation, bonus for one with photos, until an administrator sets them
MAX_POINTS = 100_000
MAX_REASON = 500
VISIT_DAYS = 366  # how far back a visit may be evaluated


# --------------------------------------------------------------------------- invitations and sign-up


def invite(session: Session, name: str, email: str, language: str, unit_ids: list[int], actor: User,
           settings: Settings, now: datetime) -> Supervisor:
    """Add a supervisor (not yet able to sign in) and queue their invitation e-mail."""
    name = name.strip()
    problems = []
    if not name or len(name) > 200:
        problems.append(Msg("supervisors.error.name"))
    try:
        email = normalise_email(email)
    except UsageError as exc:
        problems.append(exc.args[0])
    if language not in LANGUAGES:
        problems.append(Msg("msg.unknown_language", language=language, known=", ".join(LANGUAGES)))
    units = list(session.scalars(select(Unit).where(Unit.id.in_(unit_ids)))) if unit_ids else []
    if not unit_ids:
        problems.append(Msg("supervisors.error.no_units"))
    elif len(units) != len(set(unit_ids)):
        problems.append(Msg("msg.no_unit_id", id=", ".join(map(str, sorted(set(unit_ids) - {u.id for u in units})))))
    if not problems and session.scalar(select(User.id).where(User.email == email)) is not None:
        problems.append(Msg("msg.user_exists", email=email))
    if problems:
        raise UsageError(problems[0] if len(problems) == 1 else Msgs(problems))
    user = User(email=email, name=name, password_hash=UNUSABLE_PASSWORD, role=SUPERVISOR, language=language)
    session.add(user)
    session.flush()
    supervisor = Supervisor(user_id=user.id, units=units, invitations=0, created_at=now)
    session.add(supervisor)
    session.flush()
    audit(session, actor, "supervisor.invite", f"supervisor {supervisor.id}", {"units": sorted(u.id for u in units)})
    send_invitation(session, supervisor, settings, now)
    return supervisor


def send_invitation(session: Session, supervisor: Supervisor, settings: Settings, now: datetime) -> None:
    """A new invitation (a new sign-up link: the previous one stops working), queued in the
    outbox. To a supervisor who signed up, it is the way to a new password."""
    if not supervisor.user.active:
        raise UsageError(Msg("supervisors.error.inactive"))
    supervisor.invitations += 1
    supervisor.invite_token_hash = signup_hash(settings.secret(), supervisor.id, supervisor.invitations)
    supervisor.invite_expires_at = now + timedelta(days=settings.supervisor_invite_days)
    session.flush()
    outbox.queue_supervisor(session, supervisor.id, supervisor.invitations, now, settings.mail_from or "")


def open_signup(session: Session, token: str, now: datetime) -> Supervisor | None:
    """The supervisor whose unused, unexpired sign-up link ``token`` is, else None."""
    supervisor = session.scalar(select(Supervisor).where(Supervisor.invite_token_hash == token_hash(token)))
    if supervisor is None or supervisor.invite_expires_at <= now or not supervisor.user.active:
        return None
    return supervisor


def join(session: Session, token: str, password: str, repeat: str, now: datetime) -> User:
    """Set the supervisor's password through their sign-up link, which is then used up."""
    supervisor = open_signup(session, token, now)
    if supervisor is None:
        raise UsageError(Msg("supervisors.join.invalid"))
    if password != repeat:
        raise UsageError(Msg("msg.passwords_differ"))
    set_password(session, supervisor.user, password)  # which ends any session of theirs
    supervisor.invite_token_hash = None
    supervisor.joined_at = supervisor.joined_at or now
    return supervisor.user


def of_user(session: Session, user_id: int) -> Supervisor:
    return session.scalar(select(Supervisor).where(Supervisor.user_id == user_id))


def all_supervisors(session: Session) -> list[Supervisor]:
    return list(session.scalars(select(Supervisor).join(User).order_by(User.name, Supervisor.id)))


def invitation_status(session: Session, supervisor: Supervisor) -> str | None:
    """The outbox status of the supervisor's latest invitation (None: never queued)."""
    return session.scalar(select(OutboxMessage.status).where(
        OutboxMessage.key == f"supervisor:{supervisor.id}:{supervisor.invitations}"))


# --------------------------------------------------------------------------- evaluations


def channel(session: Session) -> Channel:
    """The supervisor channel, made by the first evaluation (by any of concurrent ones)."""
    insert = (postgresql.insert if session.bind.dialect.name == "postgresql" else sqlite.insert)(Channel.__table__)
    session.execute(insert.values(name=CHANNEL, labels=CHANNEL_LABELS).on_conflict_do_nothing(index_elements=["name"]))
    return session.scalar(select(Channel).where(Channel.name == CHANNEL))


def evaluable(session: Session, supervisor: Supervisor, now: datetime) -> list[tuple[Survey, list[Unit]]]:
    """The open surveys that cover a unit the supervisor may evaluate, each with those units."""
    mine = {u.id: u for u in supervisor.units}
    rows = session.execute(select(Survey, survey_units.c.unit_id).join(survey_units)
                           .where(survey_units.c.unit_id.in_(mine)).order_by(Survey.title, Survey.id)).all()
    found: dict[int, tuple[Survey, list[Unit]]] = {}
    for survey, unit_id in rows:
        if survey.opens_at <= now and (survey.closes_at is None or now < survey.closes_at):
            found.setdefault(survey.id, (survey, []))[1].append(mine[unit_id])
    return [(s, sorted(units, key=lambda u: u.name)) for s, units in found.values()]


@dataclass(frozen=True)
class Visit:
    """What an evaluation is about: a survey's questionnaire, a unit, the day of the visit."""

    survey: Survey
    unit: Unit
    on: date


def check_visit(session: Session, supervisor: Supervisor, survey_id: int | None, unit_id: int | None, visit: str,
                now: datetime) -> Visit:
    """The visit the supervisor chose, checked: an open survey of theirs covering a unit of
    theirs, a day in the past year and not in the future (:class:`UsageError` naming what is wrong)."""
    choices = {s.id: (s, units) for s, units in evaluable(session, supervisor, now)}
    if survey_id not in choices:
        raise UsageError(Msg("supervisors.error.survey"))
    survey, units = choices[survey_id]
    unit = next((u for u in units if u.id == unit_id), None)
    if unit is None:
        raise UsageError(Msg("supervisors.error.unit"))
    try:
        on = date.fromisoformat(visit.strip()) if visit.strip().isascii() else None
    except ValueError:
        on = None
    if on is None or on > now.date() or on < now.date() - timedelta(days=VISIT_DAYS):
        raise UsageError(Msg("supervisors.error.visit", value=repr(visit), days=VISIT_DAYS))
    return Visit(survey, unit, on)


def record(session: Session, supervisor: Supervisor, key: str, visit: Visit, lang: str, answers: dict, comment: str,
           photos: list[Photo], now: datetime) -> int | None:
    """Store an evaluation (exactly once per ``key``: None when it was stored before): the
    response in the supervisor channel, the visit, the photos, and its points."""
    if not responding.submit(session, key, visit.survey, visit.unit.id, channel(session).id, lang, answers, comment):
        return None
    response_id = session.scalar(select(Response.id).where(Response.key == key))
    evaluation = SupervisorEvaluation(response_id=response_id, supervisor_id=supervisor.id, visit_on=visit.on,
                                      created_at=now)
    session.add(evaluation)
    session.flush()
    session.add_all(SupervisorPhoto(evaluation_id=evaluation.id, content_type=p.content_type, size=len(p.data),
                                    data=p.data) for p in photos)
    per_evaluation, bonus = rule(session)
    session.add(PointsEntry(supervisor_id=supervisor.id, evaluation_id=evaluation.id, kind="evaluation",
                            points=per_evaluation + (bonus if photos else 0), reason="", created_at=now))
    session.flush()
    return evaluation.id


def evaluations(session: Session, supervisor_id: int | None = None) -> list[SupervisorEvaluation]:
    """Evaluations, newest first: one supervisor's, or everyone's."""
    q = select(SupervisorEvaluation).order_by(SupervisorEvaluation.created_at.desc(), SupervisorEvaluation.id.desc())
    if supervisor_id is not None:
        q = q.where(SupervisorEvaluation.supervisor_id == supervisor_id)
    return list(session.scalars(q))


def photo_counts(session: Session) -> dict[int, int]:
    return dict(session.execute(select(SupervisorPhoto.evaluation_id, func.count())
                                .group_by(SupervisorPhoto.evaluation_id)).all())


@dataclass(frozen=True)
class EvaluationView:
    """What a page shows of an evaluation: each answer as (item number, statement, part, answer)."""

    evaluation: SupervisorEvaluation
    survey: Survey
    unit: Unit
    answers: list[tuple[int | str, str, str, int]]
    comment: str


def evaluation_view(session: Session, evaluation: SupervisorEvaluation) -> EvaluationView:
    response = evaluation.response
    survey = session.get(Survey, response.survey_id)
    given = response.answers
    rows: list[tuple[int | str, str, str, int]] = []
    for p in questionnaire_of(survey, response.language):
        for item in p.items:
            rows += [(item.number, item.text, f.label, given[f.name]) for f in item.fields if f.name in given]
        rows += [("", label, "", given[name]) for name, label in p.allocation if name in given]
        rows += [("", f.label, "", given[f.name]) for f in p.outcomes if f.name in given]
    return EvaluationView(evaluation, survey, session.get(Unit, response.unit_id), rows, response.comment)


# --------------------------------------------------------------------------- points


def rule(session: Session) -> tuple[int, int]:
    """(points per evaluation, bonus for an evaluation with photos)."""
    row = session.get(PointsRule, 1)
    return (row.per_evaluation, row.photo_bonus) if row else DEFAULT_RULE


def _points(raw: str, what: str, *, signed: bool) -> int:
    text = raw.strip()
    digits = text[1:] if signed and text[:1] in "+-" else text
    if not (digits.isascii() and digits.isdigit()) or int(digits) > MAX_POINTS:
        raise UsageError(Msg(f"supervisors.error.{what}", value=repr(raw), max=MAX_POINTS))
    return int(text)


def set_rule(session: Session, per_evaluation: str, photo_bonus: str, actor: User, now: datetime) -> None:
    values = _points(per_evaluation, "per_evaluation", signed=False), _points(photo_bonus, "photo_bonus", signed=False)
    row = session.get(PointsRule, 1) or PointsRule(id=1)
    row.per_evaluation, row.photo_bonus, row.updated_by, row.updated_at = *values, actor.id, now
    session.add(row)
    audit(session, actor, "supervisor.rule", "points", {"per_evaluation": values[0], "photo_bonus": values[1]})


def adjust(session: Session, supervisor: Supervisor, points: str, reason: str, actor: User, now: datetime) -> None:
    """An administrator's adjustment of a supervisor's points (positive or negative), with its reason."""
    amount = _points(points, "adjustment", signed=True)
    reason = reason.strip()
    if amount == 0:
        raise UsageError(Msg("supervisors.error.adjustment", value=repr(points), max=MAX_POINTS))
    if not reason or len(reason) > MAX_REASON:
        raise UsageError(Msg("supervisors.error.reason", max=MAX_REASON))
    session.add(PointsEntry(supervisor_id=supervisor.id, kind="adjustment", points=amount, reason=reason,
                            actor_id=actor.id, created_at=now))
    audit(session, actor, "supervisor.points", f"supervisor {supervisor.id}", {"points": amount})


def balances(session: Session) -> dict[int, int]:
    return dict(session.execute(select(PointsEntry.supervisor_id, func.sum(PointsEntry.points))
                                .where(PointsEntry.supervisor_id.is_not(None)).group_by(PointsEntry.supervisor_id)).all())


def history(session: Session, supervisor_id: int) -> list[PointsEntry]:
    return list(session.scalars(select(PointsEntry).where(PointsEntry.supervisor_id == supervisor_id)
                                .order_by(PointsEntry.created_at.desc(), PointsEntry.id.desc())))


LEDGER_COLUMNS = ["entry", "date", "supervisor_id", "name", "email", "kind", "points", "reason", "evaluation"]


def ledger_csv(session: Session) -> str:
    """The whole points ledger as CSV (cells neutralised against spreadsheet formulas)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(LEDGER_COLUMNS)
    rows = session.execute(select(PointsEntry, User.name, User.email).outerjoin(
        Supervisor, Supervisor.id == PointsEntry.supervisor_id).outerjoin(User, User.id == Supervisor.user_id)
        .order_by(PointsEntry.created_at, PointsEntry.id))
    for entry, name, email in rows:
        writer.writerow(neutral_row([entry.id, entry.created_at.strftime("%Y-%m-%d %H:%M:%S"), entry.supervisor_id or "",
                                     name or "", email or "", entry.kind, entry.points, entry.reason,
                                     entry.evaluation_id or ""]))
    return out.getvalue()


# --------------------------------------------------------------------------- erasure


def erase(session: Session, email: str) -> int:
    """Erase the supervisors with this e-mail address (already normalised): their account
    and sessions, units, invitations and the reasons of their point adjustments. Their
    evaluations stay as anonymous responses of the supervisor channel (with their photos),
    their ledger lines as anonymous amounts; the audit log no longer names them."""
    ids = list(session.scalars(select(Supervisor.id).join(User).where(func.lower(User.email) == email)))
    if not ids:
        return 0
    session.execute(update(SupervisorEvaluation).where(SupervisorEvaluation.supervisor_id.in_(ids))
                    .values(supervisor_id=None))
    session.execute(update(PointsEntry).where(PointsEntry.supervisor_id.in_(ids)).values(supervisor_id=None, reason=""))
    session.execute(delete(OutboxMessage).where(OutboxMessage.supervisor_id.in_(ids)))
    users = list(session.scalars(select(Supervisor.user_id).where(Supervisor.id.in_(ids))))
    for supervisor in session.scalars(select(Supervisor).where(Supervisor.id.in_(ids))):
        session.delete(supervisor)
    session.flush()
    session.execute(update(AuditEntry).where(AuditEntry.actor_id.in_(users)).values(actor="erased supervisor"))
    session.execute(update(AuditEntry).where(func.lower(AuditEntry.target) == email).values(target="erased supervisor"))
    session.execute(delete(User).where(User.id.in_(users)))
    return len(ids)
