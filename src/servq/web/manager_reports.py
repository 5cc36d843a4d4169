"""Reports to unit managers: after each wave of a survey closes, and at each time of the
survey's report schedule, every unit manager whose units the survey covers gets the
dashboard's report of that period restricted to the units they may see (analysis.py: the
same numbers as ``servq analyze`` on those rows, with the dashboard's minimum-n
suppression), in their language (their account's, else the survey's first), by e-mail:
as a link that needs their sign-in (the default) or attached (report_mail.py).

Jobs of ``servq worker`` (store/jobs.py), each written in the transaction of its completion:

* the tick (:func:`enqueue_due`) enqueues ``report.plan`` for every wave that closed in
  the last :data:`LOOKBACK` (key per wave) and for every due report schedule (key per
  time), and moves the schedule on to its next time;
* ``report.plan`` (:func:`plan`) enqueues ``report.make`` for each manager (key per wave
  or time x manager);
* ``report.make`` (:func:`make`) makes the manager's report once (the report's key is
  unique) and queues its e-mail in the outbox, which sends it at most once.

A report is kept ``SERVQ_REPORT_KEEP_DAYS`` behind its link; then its content is cleared
(:func:`expire`) and the row stays in the delivery log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from ..errors import UsageError
from ..report import render_html, to_json
from ..store.jobs import enqueue
from ..store.models import (
    REPORT_DELIVERIES,
    ManagerReport,
    OutboxMessage,
    ReportPreference,
    ReportSchedule,
    Survey,
    User,
    Wave,
)
from . import analysis, outbox, schedules
from .accounts import audit
from .dataset import Filter
from .languages import Msg, Msgs, known
from .org import subtree
from .report_mail import report_token
from .security import token_hash
from .settings import Settings
from .tallies import TallyStore

LOOKBACK = timedelta(days=7)  # a wave closed longer ago (no worker ran) gets no report; less than jobs are kept
LOG_ROWS = 500
RULE_CHOICES = ("none", *schedules.NAMED_RULES, "cron")


def wave_period(wave: Wave) -> tuple[date, date]:
    """The days of ``wave`` (UTC): its first day, and the day after its last instant."""
    last = (wave.ends_at - timedelta(microseconds=1)).astimezone(UTC).date()
    return wave.starts_at.astimezone(UTC).date(), last + timedelta(days=1)


def schedule_period(rule: str, at: datetime) -> tuple[date, date]:
    """The days a scheduled report at ``at`` covers: from the day of the rule's previous
    time up to (not including) the day of ``at`` (at least one day).

    >>> schedule_period("monthly", datetime(2026, 12, 1, 8, tzinfo=UTC))
    (datetime.date(2026, 11, 1), datetime.date(2026, 12, 1))
    """
    since = schedules.previous_run(rule, at).astimezone(UTC).date()
    return since, max(at.astimezone(UTC).date(), since + timedelta(days=1))


# --------------------------------------------------------------------------- the jobs


def enqueue_due(session: Session, now: datetime) -> int:
    """Enqueue ``report.plan`` for the waves that closed and the report schedules that are
    due (see the module); how many were new."""
    closed = session.execute(
        select(Wave).outerjoin(ReportSchedule, ReportSchedule.survey_id == Wave.survey_id)
        .where(Wave.ends_at <= now, Wave.ends_at > now - LOOKBACK,
               or_(ReportSchedule.id.is_(None), ReportSchedule.on_wave_close.is_(True))).order_by(Wave.id)).scalars()
    new = 0
    for wave in closed:
        since, until = wave_period(wave)
        new += enqueue(session, "report.plan", f"report.plan:wave:{wave.id}", dict(
            survey_id=wave.survey_id, wave_id=wave.id, since=since.isoformat(), until=until.isoformat(),
            base=f"report:wave:{wave.id}"), now=now)
    due = list(session.scalars(select(ReportSchedule).where(ReportSchedule.rule.is_not(None),
                                                            ReportSchedule.next_run_at <= now)
                               .order_by(ReportSchedule.id).with_for_update(skip_locked=True)))
    for schedule in due:
        at = schedule.next_run_at
        since, until = schedule_period(schedule.rule, at)
        new += enqueue(session, "report.plan", f"report.plan:schedule:{schedule.survey_id}:{at.isoformat()}", dict(
            survey_id=schedule.survey_id, wave_id=None, since=since.isoformat(), until=until.isoformat(),
            base=f"report:schedule:{schedule.survey_id}:{at.isoformat()}"), now=now)
        schedule.next_run_at = schedules.following(schedule.rule, at, now)
    return new


def managers(session: Session, survey: Survey) -> list[User]:
    """The active unit managers who may see at least one of the survey's units."""
    units = {u.id for u in survey.units}
    found = session.scalars(select(User).where(User.role == "unit_manager", User.active.is_(True)).order_by(User.id))
    return [user for user in found if units & set(session.scalars(subtree(user.unit_id)))]


def plan(session: Session, payload: dict, now: datetime) -> int:
    """Enqueue ``report.make`` for each manager of the survey; how many."""
    survey = session.get(Survey, payload["survey_id"])
    if survey is None:
        return 0
    return sum(enqueue(session, "report.make", f"{payload['base']}:{user.id}", {**payload, "user_id": user.id}, now=now)
               for user in managers(session, survey))


def report_language(user: User, survey: Survey) -> str:
    """The manager's language, else the survey's first."""
    return known(user.language or survey.languages[0])


def make(session: Session, store: TallyStore, payload: dict, settings: Settings, now: datetime) -> ManagerReport | None:
    """Make one manager's report (once: None when it exists, or the manager or the survey
    is gone) and queue its e-mail (none when the manager's units had no responses)."""
    key = f"{payload['base']}:{payload['user_id']}"
    if session.scalar(select(ManagerReport.id).where(ManagerReport.key == key)) is not None:
        return None
    user, survey = session.get(User, payload["user_id"]), session.get(Survey, payload["survey_id"])
    if user is None or survey is None or not user.active or user.role != "unit_manager":
        return None
    lang = report_language(user, survey)
    since, until = date.fromisoformat(payload["since"]), date.fromisoformat(payload["until"])
    res = analysis.results(store, session, survey, user, Filter(since=since, until=until), by=list(analysis.BY_DEFAULT),
                           lang=lang)
    report = ManagerReport(
        key=key, trigger="wave" if payload["wave_id"] is not None else "schedule", survey_id=survey.id,
        wave_id=payload["wave_id"], user_id=user.id, recipient=user.email, delivery=delivery_of(session, user.id),
        language=lang, since=since, until=until, respondents=0 if res is None else res.n_respondents,
        html=None if res is None else render_html(res.data, lang), results=None if res is None else to_json(res),
        token_hash=token_hash(report_token(settings.secret(), key)), created_at=now,
        expires_at=now + timedelta(days=settings.report_keep_days))
    session.add(report)
    session.flush()
    if res is not None:
        outbox.queue_report(session, report.id, now, settings.mail_from or "")
    return report


def expire(session: Session, now: datetime) -> int:
    """Clear the content of the reports whose time is up (the log keeps their rows)."""
    table = ManagerReport.__table__
    return session.execute(update(table).where(table.c.expires_at <= now, table.c.html.is_not(None))
                           .values(html=None, results=None)).rowcount or 0


# --------------------------------------------------------------------------- reading a report


def report_of_token(session: Session, token: str) -> ManagerReport | None:
    return session.scalar(select(ManagerReport).where(ManagerReport.token_hash == token_hash(token)))


def may_read(user: User, report: ManagerReport) -> bool:
    """Only the manager it was made for, and administrators."""
    return user.id == report.user_id or user.role == "administrator"


def opened(session: Session, report_id: int, now: datetime) -> None:
    """Record the first time the manager opened the report by its link."""
    session.execute(update(ManagerReport).where(ManagerReport.id == report_id, ManagerReport.opened_at.is_(None))
                    .values(opened_at=now))


def reports_of(session: Session, user: User) -> list[ManagerReport]:
    """A manager's own reports, the newest first."""
    return list(session.scalars(select(ManagerReport).where(ManagerReport.user_id == user.id)
                                .order_by(ManagerReport.created_at.desc(), ManagerReport.id.desc()).limit(LOG_ROWS)))


# --------------------------------------------------------------------------- settings and the log


def delivery_of(session: Session, user_id: int) -> str:
    return session.scalar(select(ReportPreference.delivery).where(ReportPreference.user_id == user_id)) or "link"


def set_delivery(session: Session, user: User, delivery: str, now: datetime) -> None:
    """How ``user`` gets their reports: ``link`` or ``attachment``."""
    if delivery not in REPORT_DELIVERIES:
        raise UsageError(Msg("reports.msg.delivery", delivery=delivery))
    row = session.get(ReportPreference, user.id)
    if row is None:
        session.add(ReportPreference(user_id=user.id, delivery=delivery, updated_at=now))
    else:
        row.delivery, row.updated_at = delivery, now


@dataclass
class ScheduleForm:
    """The report settings of a survey as sent (texts)."""

    on_wave_close: bool = True
    rule: str = "none"  # none, monthly, quarterly or cron
    cron: str = ""

    @classmethod
    def of(cls, row: ReportSchedule | None) -> ScheduleForm:
        if row is None:
            return cls()
        if row.rule is None or row.rule in schedules.NAMED_RULES:
            return cls(row.on_wave_close, row.rule or "none")
        return cls(row.on_wave_close, "cron", row.rule)


def schedule_of(session: Session, survey: Survey) -> ReportSchedule | None:
    return session.scalar(select(ReportSchedule).where(ReportSchedule.survey_id == survey.id))


def save_schedule(session: Session, survey: Survey, form: ScheduleForm, actor: User | None,
                  now: datetime) -> ReportSchedule:
    """Set when ``survey``'s managers get reports (a problem is named, then nothing changes)."""
    problems: list = []
    rule = None if form.rule == "none" else schedules.checked_rule(form.rule, form.cron, problems)
    if problems:
        raise UsageError(Msgs(problems))
    row = schedule_of(session, survey)
    if row is None:
        row = ReportSchedule(survey_id=survey.id)
        session.add(row)
    if rule != row.rule:
        row.next_run_at = None if rule is None else schedules.next_run(rule, now)
    row.on_wave_close, row.rule, row.updated_by, row.updated_at = form.on_wave_close, rule, actor.id if actor else None, now
    session.flush()
    audit(session, actor, "reports.schedule", survey.title, {"survey_id": survey.id, "rule": rule,
                                                             "on_wave_close": form.on_wave_close})
    return row


def log(session: Session, survey_id: int | None = None) -> list:
    """The delivery log, the newest first: (report, survey title, wave name, the e-mail's
    outbox row or None)."""
    query = (select(ManagerReport, Survey.title, Wave.name, OutboxMessage)
             .join(Survey, Survey.id == ManagerReport.survey_id).outerjoin(Wave, Wave.id == ManagerReport.wave_id)
             .outerjoin(OutboxMessage, OutboxMessage.report_id == ManagerReport.id)
             .order_by(ManagerReport.created_at.desc(), ManagerReport.id.desc()).limit(LOG_ROWS))
    if survey_id is not None:
        query = query.where(ManagerReport.survey_id == survey_id)
    return list(session.execute(query).all())
