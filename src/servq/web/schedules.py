"""Scheduled waves: a survey's recurrence, opening its waves, drawing their samples from the
customer list, reminders, and unsubscribing.

Every step is a job of ``servq worker`` (worker.py) whose effects are written in the same
transaction as its completion (store/jobs.py), so a killed worker repeats nothing:

* the schedule's tick (:func:`open_due`) enqueues ``wave.open`` under a key made of the
  schedule and the time (unique) and moves ``next_run_at`` on, in one transaction;
* ``wave.open`` (:func:`open_wave`) makes the wave (a :class:`Wave`: trends work across
  waves), draws its sample (a customer at most once per wave: a unique pair), makes each
  member's single-use invitation and queues their invitation e-mail (outbox.py);
* ``wave.remind`` (:func:`remind`) queues one reminder for each member who has not
  answered, is still subscribed and whose invitation has not expired.

The sample: per unit of the survey, at most ``per_unit`` customers at random (seeded by the
wave), among those not unsubscribed, of the chosen tiers, with a last contact within
``contact_days`` and not drawn for any wave in the last ``quarantine_days``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from croniter import croniter
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import UsageError
from ..store.jobs import enqueue
from ..store.models import Contact, Customer, Invitation, Survey, Tier, User, Wave, WaveMember, WaveSchedule
from . import outbox
from .accounts import audit
from .languages import Msg, Msgs
from .security import token_hash
from .settings import Settings

# the named rules as cron rules (UTC): the first day of each month or quarter at 08:00
NAMED_RULES = {"monthly": "0 8 1 * *", "quarterly": "0 8 1 1,4,7,10 *"}
MAX_DAYS = 366


def cron_of(rule: str) -> str:
    return NAMED_RULES.get(rule, rule)


def previous_run(rule: str, before: datetime) -> datetime:
    """The last time of ``rule`` before ``before`` (UTC)."""
    return croniter(cron_of(rule), before).get_prev(datetime)


def next_run(rule: str, after: datetime) -> datetime:
    """The first time of ``rule`` after ``after`` (UTC).

    >>> from datetime import UTC
    >>> next_run("quarterly", datetime(2026, 12, 7, tzinfo=UTC)).isoformat()
    '2027-01-01T08:00:00+00:00'
    """
    return croniter(cron_of(rule), after).get_next(datetime)


def checked_rule(choice: str, cron: str, problems: list) -> str:
    """The rule a form chose: ``monthly``, ``quarterly``, or (``cron``) its five-field cron
    rule, whose problem is added to ``problems``."""
    if choice in NAMED_RULES:
        return choice
    rule = " ".join(cron.split())
    if choice != "cron" or len(rule) > 100 or len(rule.split()) != 5 or not croniter.is_valid(rule):
        problems.append(Msg("runs.msg.rule", rule=rule))
    return rule


@dataclass
class ScheduleForm:
    """The schedule form as sent (texts), checked by :func:`save_schedule`."""

    rule: str = "monthly"  # monthly, quarterly or cron
    cron: str = ""
    wave_days: str = "14"
    per_unit: str = "100"
    quarantine_days: str = "90"
    contact_days: str = ""
    remind_days: str = "7"
    tier_ids: list[str] = field(default_factory=list)
    active: bool = True
    start_now: bool = False

    @classmethod
    def of(cls, schedule: WaveSchedule | None) -> ScheduleForm:
        if schedule is None:
            return cls()
        named = schedule.rule in NAMED_RULES
        return cls(rule=schedule.rule if named else "cron", cron="" if named else schedule.rule,
                   wave_days=str(schedule.wave_days), per_unit=str(schedule.per_unit),
                   quarantine_days=str(schedule.quarantine_days),
                   contact_days="" if schedule.contact_days is None else str(schedule.contact_days),
                   remind_days="" if schedule.remind_days is None else str(schedule.remind_days),
                   tier_ids=[str(i) for i in schedule.tier_ids or []], active=schedule.active)


def _whole(raw: str, name: str, low: int, high: int, problems: list, optional: bool = False) -> int | None:
    raw = raw.strip()
    if optional and not raw:
        return None
    if raw.isascii() and raw.isdigit() and low <= int(raw) <= high:
        return int(raw)
    problems.append(Msg(f"runs.msg.{name}", low=low, high=high))
    return None


def save_schedule(session: Session, survey: Survey, form: ScheduleForm, actor: User | None, now: datetime) -> WaveSchedule:
    """Set ``survey``'s schedule from ``form`` (every problem named at once, then nothing changes)."""
    problems: list = []
    rule = checked_rule(form.rule, form.cron, problems)
    wave_days = _whole(form.wave_days, "wave_days", 1, MAX_DAYS, problems)
    per_unit = _whole(form.per_unit, "per_unit", 1, 100_000, problems)
    quarantine = _whole(form.quarantine_days, "quarantine_days", 0, 3650, problems)
    contact = _whole(form.contact_days, "contact_days", 1, 3650, problems, optional=True)
    remind = _whole(form.remind_days, "remind_days", 1, MAX_DAYS, problems, optional=True)
    if remind is not None and wave_days is not None and remind >= wave_days:
        problems.append(Msg("runs.msg.remind_in_wave"))
    tiers = {str(t.id): t.id for t in session.scalars(select(Tier))}
    unknown = [raw for raw in form.tier_ids if raw not in tiers]
    if unknown:
        problems.append(Msg("runs.msg.tier"))
    if not survey.units:
        problems.append(Msg("runs.msg.no_units"))
    if problems:
        raise UsageError(Msgs(problems))
    first = now if form.start_now else next_run(rule, now)
    schedule = session.scalar(select(WaveSchedule).where(WaveSchedule.survey_id == survey.id))
    if schedule is None:
        schedule = WaveSchedule(survey_id=survey.id, created_by=actor.id if actor else None, created_at=now)
        session.add(schedule)
    elif schedule.rule == rule and not form.start_now and schedule.active:
        first = schedule.next_run_at  # the same rule keeps its next time
    schedule.rule, schedule.wave_days, schedule.per_unit, schedule.quarantine_days = rule, wave_days, per_unit, quarantine
    schedule.contact_days, schedule.remind_days, schedule.active = contact, remind, form.active
    schedule.tier_ids = sorted(tiers[raw] for raw in set(form.tier_ids)) or None
    schedule.next_run_at = first
    session.flush()
    audit(session, actor, "schedule.save", survey.title, {"survey_id": survey.id, "rule": rule, "active": form.active,
                                                          "per_unit": per_unit, "next_run_at": first.isoformat()})
    return schedule


def open_due(session: Session, now: datetime) -> int:
    """Enqueue ``wave.open`` for each active schedule that is due, and move it on to its
    next time after ``now`` (times missed while no worker ran open one wave, not many)."""
    due = list(session.scalars(select(WaveSchedule).where(WaveSchedule.active.is_(True), WaveSchedule.next_run_at <= now)
                               .order_by(WaveSchedule.id).with_for_update(skip_locked=True)))
    for schedule in due:
        at = schedule.next_run_at
        enqueue(session, "wave.open", f"wave.open:{schedule.id}:{at.isoformat()}",
                {"schedule_id": schedule.id, "at": at.isoformat()}, now=now)
        schedule.next_run_at = following(schedule.rule, at, now)
    return len(due)


def following(rule: str, at: datetime, now: datetime) -> datetime:
    """The first time of ``rule`` after both ``at`` and ``now`` (times missed while no
    worker ran are skipped)."""
    later = next_run(rule, at)
    while later <= now:
        later = next_run(rule, later)
    return later


def _span(schedule: WaveSchedule, survey: Survey, at: datetime, starts: datetime) -> tuple[datetime, datetime] | None:
    """The dates of the wave due at ``at``: from ``starts`` (``at``, or later when the worker
    was late or the survey opens later) for ``wave_days``, ending before the rule's next
    time and the survey's close, and around the survey's other waves (None: no room)."""
    ends = min(starts + timedelta(days=schedule.wave_days), next_run(schedule.rule, at))
    if survey.closes_at is not None:
        ends = min(ends, survey.closes_at)
    for wave in sorted(survey.waves, key=lambda w: w.starts_at):
        if wave.starts_at <= starts < wave.ends_at:
            starts = wave.ends_at
        elif starts < wave.starts_at < ends:
            ends = wave.starts_at
    return (starts, ends) if starts < ends else None


def open_wave(session: Session, schedule_id: int, at: datetime, settings: Settings, now: datetime) -> Wave | None:
    """Open the wave of ``schedule_id`` at ``at``: the wave, its sample, invitations, the
    invitation e-mails queued and the reminder job; None when there is no room for a wave
    (a closed survey also ends its schedule)."""
    schedule = session.get(WaveSchedule, schedule_id)
    if schedule is None:
        return None
    survey = schedule.survey
    if survey.closes_at is not None and survey.closes_at <= at:
        schedule.active = False
        return None
    span = _span(schedule, survey, at, max(at, survey.opens_at, now))
    if span is None:
        return None
    wave = Wave(survey=survey, name=f"{span[0]:%Y-%m-%d}", starts_at=span[0], ends_at=span[1], schedule_id=schedule.id)
    session.add(wave)
    session.flush()
    secret = settings.secret()
    for customer in draw(session, schedule, survey, wave, now):
        invitation = Invitation(token_hash=token_hash(outbox.invitation_token(secret, wave.id, customer.id)),
                                survey_id=survey.id, unit_id=customer.unit_id, tier_id=customer.tier_id,
                                language=outbox.language_of(customer, survey), expires_at=wave.ends_at, created_at=now)
        session.add(invitation)
        session.flush()
        session.add(Contact(invitation_id=invitation.id, email=customer.email, name=customer.name, created_at=now))
        member = WaveMember(wave_id=wave.id, customer_id=customer.id, invitation_id=invitation.id, drawn_at=now,
                            unsubscribe_hash=token_hash(outbox.unsubscribe_token(secret, wave.id, customer.id)))
        session.add(member)
        session.flush()
        outbox.queue(session, member.id, "invitation", now, settings.mail_from or "")
    if schedule.remind_days:
        enqueue(session, "wave.remind", f"wave.remind:{wave.id}", {"wave_id": wave.id},
                now=now, run_at=wave.starts_at + timedelta(days=schedule.remind_days))
    return wave


def draw(session: Session, schedule: WaveSchedule, survey: Survey, wave: Wave, now: datetime) -> list[Customer]:
    """The wave's sample (see the module): per unit, at random (seeded by the wave)."""
    query = select(Customer.id, Customer.unit_id).where(
        Customer.unit_id.in_([u.id for u in survey.units]), Customer.unsubscribed_at.is_(None))
    if schedule.quarantine_days:
        recent = select(WaveMember.customer_id).where(WaveMember.drawn_at > now - timedelta(days=schedule.quarantine_days))
        query = query.where(Customer.id.not_in(recent))
    if schedule.tier_ids:
        query = query.where(Customer.tier_id.in_(schedule.tier_ids))
    if schedule.contact_days:
        query = query.where(Customer.last_contact_on >= (now - timedelta(days=schedule.contact_days)).date())
    by_unit: dict[int, list[int]] = {}
    for customer_id, unit_id in session.execute(query.order_by(Customer.id)):
        by_unit.setdefault(unit_id, []).append(customer_id)
    rng = random.Random(f"servq wave {wave.id}")
    chosen = sorted(i for unit in sorted(by_unit) for i in rng.sample(by_unit[unit], min(schedule.per_unit,
                                                                                         len(by_unit[unit]))))
    return list(session.scalars(select(Customer).where(Customer.id.in_(chosen)).order_by(Customer.id))) if chosen else []


def remind(session: Session, wave_id: int, settings: Settings, now: datetime) -> int:
    """Queue the reminder of every member of the wave who has not answered (the invitation
    unused and unexpired) and has not unsubscribed; how many."""
    members = session.scalars(
        select(WaveMember.id).join(Invitation, Invitation.id == WaveMember.invitation_id)
        .join(Customer, Customer.id == WaveMember.customer_id)
        .where(WaveMember.wave_id == wave_id, Invitation.used_at.is_(None), Invitation.expires_at > now,
               Customer.unsubscribed_at.is_(None)).order_by(WaveMember.id))
    return sum(outbox.queue(session, member_id, "reminder", now, settings.mail_from or "") for member_id in members)


def member_of_unsubscribe(session: Session, token: str) -> WaveMember | None:
    return session.scalar(select(WaveMember).where(WaveMember.unsubscribe_hash == token_hash(token)))


def unsubscribe(session: Session, token: str, now: datetime) -> bool:
    """Unsubscribe the customer of an unsubscribe link (no later wave draws them; their
    queued messages are cancelled); False when the link is unknown."""
    member = member_of_unsubscribe(session, token)
    if member is None:
        return False
    customer = member.customer
    if customer.unsubscribed_at is None:
        customer.unsubscribed_at = now
        outbox.cancel_for_customer(session, customer.id, "the customer unsubscribed")
    return True
