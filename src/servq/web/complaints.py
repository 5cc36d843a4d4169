"""Complaints in the web platform: intake, SLA due times, classification, and the case
work of the people who handle them (owner, status, notes, replies, relabel, escalation).

Intake is exactly-once: every complaint carries a ``key`` (the public form's random key,
an API client's idempotency key, an imported row's content, a survey response's id) and
is inserted with "do nothing when the key is there", so a double click, a retried request
or a file imported twice stores each complaint once. What is personal — the complainant's
name, e-mail and phone — is stored only in ``complaint_contacts`` (and only when given);
the complaint keeps ``customer_key``, a keyed hash of the contact, to count repeat
complainants (:func:`customer_key`).

Statuses run new → assigned → in_progress → resolved → closed; a resolved or closed case
may be reopened (back to in_progress). Every change is a :class:`~.models.CaseEvent`.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache, lru_cache
from pathlib import Path

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ..complaints import sla
from ..errors import UsageError
from ..store.models import (
    CaseEvent,
    Complaint,
    ComplaintContact,
    InstanceSecret,
    SlaPolicyRecord,
    Tier,
    TrainingExample,
    Unit,
    User,
)
from .accounts import audit
from .languages import Msg, Msgs, problem, t
from .org import subtree, visible_unit_ids
from .params import FieldErrors, instant, integer, quoted, row_id, text_problem
from .webhooks import complaint_event

STATUSES = ("new", "assigned", "in_progress", "resolved", "closed")
OPEN = ("new", "assigned", "in_progress")
# the statuses each status may change to; resolved and closed cases may be reopened
TRANSITIONS = {"new": ("assigned",), "assigned": ("in_progress",), "in_progress": ("resolved",),
               "resolved": ("closed", "in_progress"), "closed": ("in_progress",)}
MAX_TEXT = 5000
MAX_PRODUCT = 200
MAX_NAME = 200
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
_PHONE_CHARS = re.compile(r"^\+?[0-9 ()./-]+$")


# --------------------------------------------------------------------------- classification


@dataclass
class _InUse:
    """This process's trained classifier (SERVQ_COMPLAINT_MODEL): a model file, or a folder
    of versions whose CURRENT marker is looked at again before each use, so a version put in
    use by ``servq complaints train``/``models`` is picked up without a restart."""

    path: Path | None = None
    model: object = None
    marker: str | None = None  # the folder's CURRENT when the model was loaded


_IN_USE = _InUse()
_log = logging.getLogger(__name__)


def use_model(path: Path | None, embeddings: bool = False) -> None:
    """Classify with the model saved at ``path`` (``servq complaints train``; a folder of
    versions: its current one); None: the built-in model, with ``embeddings`` its variant
    with sentence embeddings (SERVQ_COMPLAINT_EMBEDDINGS). A file that is not a model, or
    embeddings without their package, is a UsageError naming it."""
    from ..text import load_model

    if path is not None and embeddings:
        raise UsageError("SERVQ_COMPLAINT_EMBEDDINGS is for the built-in model; a model of your own "
                         "(SERVQ_COMPLAINT_MODEL) has its own features (servq complaints train --embeddings)")
    _IN_USE.path, _IN_USE.model, _IN_USE.marker = path, None, None
    if path is not None:
        _IN_USE.marker = _marker(path)
        _IN_USE.model = load_model(path)
    elif embeddings:
        from ..text.classification import builtin_model

        _IN_USE.model = builtin_model(embeddings=True)


def _marker(path: Path) -> str | None:
    """What a folder's CURRENT says (one small read: a change of version is never missed,
    however quickly it follows the last)."""
    try:
        return (path / "CURRENT").read_text(encoding="utf-8")
    except OSError:
        return None


def _model():
    """The trained model in use (reloaded when its folder's current version changed), or None."""
    from ..text import load_model

    path = _IN_USE.path
    if path is not None and path.is_dir() and (marker := _marker(path)) != _IN_USE.marker:
        _IN_USE.marker = marker
        try:
            _IN_USE.model = load_model(path)
        except UsageError as exc:  # a broken marker must not stop classification: keep the loaded model
            _log.error("complaint model folder %s: %s; still using the model loaded before", path, exc)
    return _IN_USE.model


def review_threshold() -> float:
    """The confidence below which the classifier's dimension needs a person: its calibrated
    abstention threshold (0 when there is none, or no classifier)."""
    try:
        from ..text.classification import builtin_model
    except ImportError:
        return 0.0
    model = _model() or builtin_model()
    return float((model.info.get("abstain") or {}).get("threshold", 0.0))


def classify_complaint(text: str) -> dict:
    """Language, dimension, confidence, sentiment and severity of one complaint text (the
    classifier of :mod:`servq.text`); every value None when the classifier is not there."""
    return classify_texts([text])[0]


def classify_texts(texts: Sequence[str]) -> list[dict]:
    """:func:`classify_complaint` of many texts at once (one call of ``servq.text.classify``)."""
    try:
        from ..text import classify
    except ImportError:  # servq.text is optional: store the complaint unclassified
        return [dict.fromkeys(("language", "dimension", "confidence", "sentiment", "severity")) for _ in texts]
    if not texts:
        return []
    found = classify(list(texts), model=_model())
    return [{"language": str(lang), "dimension": str(dim), "confidence": float(conf), "sentiment": float(sent),
             "severity": int(sev)}
            for lang, dim, conf, sent, sev in zip(found.language, found.dimension, found.confidence,
                                                  found.sentiment, found.severity)]


@lru_cache(maxsize=1)
def known_dimensions() -> tuple[str, ...]:
    """The dimensions a complaint may be labelled with: those of the classifier's built-in
    lexicon (SERVQUAL's five, price and billing, product quality)."""
    try:
        from ..text import load_lexicon
    except ImportError:
        return ("tangibles", "reliability", "responsiveness", "assurance", "empathy")
    return tuple(load_lexicon().dimensions)


def dimension_choices(session: Session) -> list[str]:
    """Known dimensions and the categories of the SLA policies, sorted."""
    cats = {c for c in session.scalars(select(SlaPolicyRecord.category)) if c != sla.ANY}
    return sorted(set(known_dimensions()) | cats)


# --------------------------------------------------------------------------- contacts


@dataclass
class ContactDetails:
    """A complainant's contact, as given (checked by :func:`check_contact`)."""

    name: str = ""
    email: str = ""
    phone: str = ""
    consent: bool = False

    @property
    def empty(self) -> bool:
        return not (self.name or self.email or self.phone)


def normalise_phone(phone: str) -> str:
    """A phone number as digits with its leading ``+`` (what is compared and hashed)."""
    phone = phone.strip()
    return ("+" if phone.startswith("+") else "") + re.sub(r"\D", "", phone)


def check_contact(name: str, email: str, phone: str) -> tuple[ContactDetails, dict[str, str]]:
    """(the contact, problems by field: ``name``, ``email``, ``phone``) — messages in English;
    the public form translates them by field and kind."""
    name, email, phone = name.strip(), email.strip().lower(), phone.strip()
    problems = {}
    if len(name) > MAX_NAME:
        problems["name"] = f"at most {MAX_NAME} characters"
    if email and (len(email) > 320 or not _EMAIL.match(email)):
        problems["email"] = "not an e-mail address"
    if phone and (not _PHONE_CHARS.match(phone) or not 6 <= len(re.sub(r"\D", "", phone)) <= 20):
        problems["phone"] = "not a phone number (6 to 20 digits, may start with +)"
    elif phone:
        phone = normalise_phone(phone)
    return ContactDetails(name, email, phone), problems


def salt(session: Session) -> bytes:
    """This installation's salt of customer keys (made by migration 0005)."""
    value = session.scalar(select(InstanceSecret.value).where(InstanceSecret.name == "customer_key_salt"))
    if value is None:
        raise UsageError("the database has no customer-key salt: run `servq db upgrade`")
    return bytes.fromhex(value)


def customer_key(secret: bytes, contact: ContactDetails | None) -> str | None:
    """HMAC-SHA256 of the contact (its e-mail, else its phone) under the installation's
    salt: the same customer gets the same key, and without the salt a key cannot be found
    from an address. None without an e-mail or phone."""
    if contact is None:
        return None
    ident = f"email:{contact.email.strip().lower()}" if contact.email else (
        f"phone:{normalise_phone(contact.phone)}" if contact.phone else None)
    return hmac.new(secret, ident.encode(), hashlib.sha256).hexdigest() if ident else None


def contact_visible(user: User, complaint: Complaint) -> bool:
    """Contact details are shown to the case's owner and to administrators only."""
    return user.role == "administrator" or (complaint.owner_id is not None and complaint.owner_id == user.id)


# --------------------------------------------------------------------------- SLA


def load_policies(session: Session) -> list[sla.SlaPolicy]:
    """The SLA policies of the database as :class:`servq.complaints.sla.SlaPolicy`."""
    return [policy_of_record(r) for r in session.scalars(select(SlaPolicyRecord).order_by(SlaPolicyRecord.id))]


def policy_of_record(r: SlaPolicyRecord) -> sla.SlaPolicy:
    return sla.SlaPolicy(r.category, r.tier, r.acknowledge_hours, r.resolve_days, sla.Calendar.from_dict(r.calendar))


def policy_snapshot(policy: sla.SlaPolicy) -> dict:
    """The policy as kept with a complaint (its calendar included)."""
    return {"category": policy.category, "tier": policy.tier, "acknowledge_hours": policy.acknowledge_hours,
            "resolve_days": policy.resolve_days, "calendar": policy.calendar.to_dict()}


def policy_of_snapshot(snapshot: dict) -> sla.SlaPolicy:
    return sla.SlaPolicy(snapshot["category"], snapshot["tier"], snapshot["acknowledge_hours"],
                         snapshot["resolve_days"], sla.Calendar.from_dict(snapshot["calendar"]))


def due(policies: Sequence[sla.SlaPolicy], dimension: str | None, tier: str | None,
        received_at: datetime) -> tuple[datetime | None, datetime | None, dict | None]:
    """(acknowledge due, resolve due, the policy's snapshot) from the most specific matching
    policy (:func:`servq.complaints.sla.policy_for`); all None when none matches."""
    policy = sla.policy_for(policies, dimension, tier)
    if policy is None:
        return None, None, None
    ack, res = sla.due_times(policy, received_at)
    return ack.astimezone(UTC), res.astimezone(UTC), policy_snapshot(policy)


def case_sla(complaint: Complaint, now: datetime) -> sla.SlaState | None:
    """Where the case stands against the SLA it got at intake (None: no policy matched)."""
    if not complaint.sla_policy:
        return None
    return sla.sla_state(policy_of_snapshot(complaint.sla_policy), complaint.received_at,
                         acknowledged_at=complaint.acknowledged_at, resolved_at=complaint.resolved_at, now=now)


def overall_state(state: sla.SlaState | None) -> str | None:
    """The worse of the acknowledgement's and the resolution's states."""
    if state is None:
        return None
    order = {s: i for i, s in enumerate(sla.STATES)}
    return max((state.acknowledge, state.resolve), key=order.__getitem__)


def overdue_condition(now: datetime):
    """SQL: open, and past its resolution due time or unacknowledged past its acknowledgement due time."""
    return and_(Complaint.status.in_(OPEN), or_(
        and_(Complaint.resolve_due.is_not(None), Complaint.resolve_due < now),
        and_(Complaint.acknowledged_at.is_(None), Complaint.ack_due.is_not(None), Complaint.ack_due < now)))


# --------------------------------------------------------------------------- intake


@dataclass(frozen=True)
class DateBounds:
    """When a complaint may have been received: not before ``earliest`` (midnight UTC) and
    not more than ``future_days`` days after now (a clock or a time zone a little off): a
    complaint of year 1 or 2099 is a mistake, refused at intake with the reason (the API
    and the import name it with its field or row). ``SERVQ_COMPLAINT_EARLIEST`` and
    ``SERVQ_COMPLAINT_FUTURE_DAYS`` set them (:meth:`of`)."""

    earliest: date = date(2000, 1, 1)
    future_days: int = 1

    @classmethod
    def of(cls, settings) -> DateBounds:
        """The bounds of the web platform's :class:`~servq.web.settings.Settings`."""
        return cls(settings.complaint_earliest, settings.complaint_future_days)

    def problem(self, received: datetime, now: datetime) -> str | None:
        """Why ``received`` (time-zone aware) cannot be when a complaint was received at
        ``now``; None when it can.

        >>> DateBounds().problem(datetime(1, 1, 1, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC))
        '0001-01-01 is before the earliest accepted date 2000-01-01'
        """
        if received < datetime.combine(self.earliest, time(), UTC):
            return f"{received.date().isoformat()} is before the earliest accepted date {self.earliest.isoformat()}"
        if received > now + timedelta(days=self.future_days):
            days = self.future_days
            ahead = f"more than {days} day{'' if days == 1 else 's'} " if days else ""
            return f"{received.isoformat()} is {ahead}in the future"
        return None


@dataclass
class NewComplaint:
    """A complaint to store (already checked)."""

    key: str
    unit_id: int
    text: str
    source: str
    received_at: datetime
    channel_id: int | None = None
    tier_id: int | None = None
    product: str = ""
    response_id: int | None = None
    language: str | None = None  # the language it was written in when known (the form's)
    contact: ContactDetails | None = None
    event: dict = field(default_factory=dict)  # more detail of the "received" event


def complaint_row(new: NewComplaint, classified: dict, policies: Sequence[sla.SlaPolicy], tier_name: str | None,
                  secret: bytes) -> dict:
    """The complaints row of ``new``: classified, with its SLA due times and customer key."""
    dimension = classified.get("dimension")
    ack_due, resolve_due, snapshot = due(policies, dimension, tier_name, new.received_at)
    contact = None if new.contact is None or new.contact.empty else new.contact
    language = classified.get("language")
    if language in (None, "und"):
        language = new.language or language
    return dict(key=new.key, received_at=new.received_at, unit_id=new.unit_id, channel_id=new.channel_id,
                tier_id=new.tier_id, product=new.product, text=new.text, language=language,
                dimension=dimension, confidence=classified.get("confidence"), sentiment=classified.get("sentiment"),
                severity=classified.get("severity"), source=new.source, response_id=new.response_id, status="new",
                reply="", ack_due=ack_due, resolve_due=resolve_due, sla_policy=snapshot,
                customer_key=customer_key(secret, contact))


@cache
def _insert(dialect: str):
    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(Complaint.__table__).on_conflict_do_nothing(index_elements=["key"]) \
        .returning(Complaint.__table__.c.id)


def store(session: Session, row: dict, contact: ContactDetails | None, event: dict | None = None,
          actor: User | None = None) -> int | None:
    """Insert the complaint ``row`` (with its contact and its "received" event); its id, or
    None when a complaint with its key is stored already (nothing is written then)."""
    conn = session.connection()
    complaint_id = conn.execute(_insert(conn.dialect.name), row).scalar()
    if complaint_id is None:
        return None
    if contact is not None and not contact.empty:
        session.add(ComplaintContact(complaint_id=complaint_id, name=contact.name, email=contact.email,
                                     phone=contact.phone, consent=contact.consent,
                                     created_at=datetime.now(UTC)))
    session.add(CaseEvent(complaint_id=complaint_id, at=datetime.now(UTC), actor_id=actor.id if actor else None,
                          kind="received", detail={"source": row["source"], **(event or {})}))
    session.flush()
    complaint_event(session, complaint_id, datetime.now(UTC))
    return complaint_id


def intake(session: Session, new: NewComplaint, classified: dict | None = None, actor: User | None = None,
           policies: Sequence[sla.SlaPolicy] | None = None, bounds: DateBounds = DateBounds(),
           now: datetime | None = None) -> int | None:
    """Classify (unless ``classified`` is given), give due times, and store ``new``; its id
    or None when its key was stored before. A received time outside ``bounds`` at ``now``
    (default: the clock's) is a :class:`~servq.errors.UsageError` and nothing is stored."""
    problem = bounds.problem(new.received_at, now or datetime.now(UTC))
    if problem:
        raise UsageError(f"received_at: {problem}")
    classified = classify_complaint(new.text) if classified is None else classified
    tier = session.get(Tier, new.tier_id).name if new.tier_id else None
    row = complaint_row(new, classified, load_policies(session) if policies is None else policies, tier,
                        salt(session))
    return store(session, row, new.contact, new.event, actor)


def id_of_key(session: Session, key: str) -> int | None:
    return session.scalar(select(Complaint.id).where(Complaint.key == key))


# --------------------------------------------------------------------------- who sees what


def visible(user: User) -> Select:
    """The complaints ``user`` may see: all, or for a unit manager their subtree's."""
    query = select(Complaint)
    ids = visible_unit_ids(user)
    return query if ids is None else query.where(Complaint.unit_id.in_(ids))


def visible_complaint(session: Session, user: User, complaint_id: int) -> Complaint | None:
    return session.scalar(visible(user).where(Complaint.id == complaint_id))


def ancestors(session: Session, unit_id: int) -> list[int]:
    """``unit_id`` and the units above it, nearest first."""
    out, seen = [], set()
    current = session.get(Unit, unit_id)
    while current is not None and current.id not in seen:
        out.append(current.id)
        seen.add(current.id)
        current = current.parent
    return out


def owner_candidates(session: Session, complaint: Complaint) -> list[User]:
    """Active users who may see the complaint: administrators, analysts, and the managers of
    its unit or of a unit above it."""
    above = ancestors(session, complaint.unit_id)
    return list(session.scalars(select(User).where(User.active.is_(True), or_(
        User.role.in_(("administrator", "analyst")), and_(User.role == "unit_manager", User.unit_id.in_(above))))
        .order_by(User.email)))


def unit_manager(session: Session, unit_id: int) -> User | None:
    """The manager of the unit, else of the nearest unit above it (the first by id when a
    unit has several), else None."""
    for uid in ancestors(session, unit_id):
        found = session.scalar(select(User).where(User.role == "unit_manager", User.unit_id == uid,
                                                  User.active.is_(True)).order_by(User.id))
        if found is not None:
            return found
    return None


# --------------------------------------------------------------------------- case work


def _event(session: Session, complaint: Complaint, actor: User | None, kind: str, detail: dict,
           now: datetime | None = None) -> None:
    session.add(CaseEvent(complaint_id=complaint.id, at=now or datetime.now(UTC),
                          actor_id=actor.id if actor else None, kind=kind, detail=detail))


def _acknowledge(complaint: Complaint, now: datetime) -> None:
    if complaint.acknowledged_at is None:
        complaint.acknowledged_at = now


def assign(session: Session, complaint: Complaint, owner_id: int, actor: User | None, now: datetime) -> None:
    """Make ``owner_id`` the case's owner; a new case becomes assigned (and acknowledged)."""
    owner = session.get(User, owner_id)
    if owner is None or owner.id not in {u.id for u in owner_candidates(session, complaint)}:
        raise UsageError(Msg("msg.case.owner", id=owner_id))
    if owner.id == complaint.owner_id:
        return
    complaint.owner_id = owner.id
    _event(session, complaint, actor, "assigned", {"owner_id": owner.id, "owner": owner.email}, now)
    if complaint.status == "new":
        change_status(session, complaint, "assigned", actor, now)


def change_status(session: Session, complaint: Complaint, to: str, actor: User | None, now: datetime) -> None:
    """Move the case to status ``to``; an invalid change is refused with what is allowed."""
    if to not in STATUSES:
        raise UsageError(Msg("msg.case.unknown_status", status=repr(to), known=", ".join(STATUSES)))
    frm = complaint.status
    if to == frm:
        return
    if to not in TRANSITIONS[frm]:
        raise UsageError(Msg("msg.case.transition", frm=_status(frm), to=_status(to),
                             allowed=Msgs([_status(s) for s in TRANSITIONS[frm]], "or")))
    if to == "assigned" and complaint.owner_id is None:
        raise UsageError(Msg("msg.case.owner_first"))
    complaint.status = to
    if to in ("assigned", "in_progress"):
        _acknowledge(complaint, now)
    if to == "resolved":
        complaint.resolved_at = now
    elif to == "closed":
        complaint.closed_at = now
    reopened = to == "in_progress" and frm in ("resolved", "closed")
    if reopened:  # open again, and so is its resolution clock
        complaint.resolved_at = complaint.closed_at = None
    _event(session, complaint, actor, "reopened" if reopened else "status", {"from": frm, "to": to}, now)


def add_note(session: Session, complaint: Complaint, text: str, actor: User | None, now: datetime) -> None:
    """An internal note (never shown to the customer)."""
    text = _text(text, "note")
    _event(session, complaint, actor, "note", {"text": text}, now)


def reply(session: Session, complaint: Complaint, text: str, actor: User | None, now: datetime) -> None:
    """The customer-facing reply (the latest is kept on the case; each is in the history).
    A reply acknowledges the complaint."""
    text = _text(text, "reply")
    complaint.reply = text
    _acknowledge(complaint, now)
    _event(session, complaint, actor, "reply", {"text": text}, now)


def relabel(session: Session, complaint: Complaint, dimension: str, actor: User | None, now: datetime) -> None:
    """Give the complaint another dimension; its text and the new label become a training
    example for the classifier."""
    dimension = dimension.strip()
    choices = dimension_choices(session)
    if dimension not in choices:
        raise UsageError(Msg("msg.case.unknown_dimension", dimension=repr(dimension), known=", ".join(choices)))
    if dimension == complaint.dimension:
        return
    _event(session, complaint, actor, "relabel", {"from": complaint.dimension, "to": dimension}, now)
    complaint.dimension = dimension
    complaint.confidence = None
    session.add(TrainingExample(text=complaint.text, language=complaint.language, dimension=dimension,
                                added_by=actor.id if actor else None, complaint_id=complaint.id, created_at=now))


def _text(text: str, what: str) -> str:
    """``text`` of a note or a reply (``what``), stripped; refused when empty or too long."""
    text = text.strip()
    if not text:
        raise UsageError(Msg(f"msg.case.{what}_empty"))
    if len(text) > MAX_TEXT:
        raise UsageError(Msg(f"msg.case.{what}_long", most=MAX_TEXT, got=len(text)))
    return text


def _status(status: str) -> Msg:
    return Msg(f"status.{status}")


def escalate_overdue(session: Session, now: datetime) -> list[int]:
    """Escalate every open case that is overdue and not escalated yet to its unit's manager
    (the nearest above when the unit has none): ``escalated_at`` and ``escalated_to`` are
    set, the case gets an "escalated" event, and a case without an owner is assigned to the
    manager. The manager sees it under "Escalated to you" on the complaints page. Returns
    the ids escalated."""
    rows = list(session.scalars(select(Complaint).where(overdue_condition(now), Complaint.escalated_at.is_(None))
                                .order_by(Complaint.id).with_for_update(skip_locked=True)))
    for c in rows:
        manager = unit_manager(session, c.unit_id)
        late = "resolution" if c.resolve_due is not None and c.resolve_due < now else "acknowledgement"
        c.escalated_at = now
        c.escalated_to_id = manager.id if manager else None
        _event(session, c, None, "escalated", {"reason": f"{late} overdue", "late": late,
                                               "to": manager.email if manager else "administrators (no unit manager)",
                                               "to_id": manager.id if manager else None}, now)
        if c.owner_id is None and manager is not None:
            assign(session, c, manager.id, None, now)
    session.flush()
    return [c.id for c in rows]


def any_to_escalate(session: Session, now: datetime) -> bool:
    """Whether :func:`escalate_overdue` would escalate anything (a cheap read first)."""
    return session.scalar(select(Complaint.id).where(overdue_condition(now), Complaint.escalated_at.is_(None))
                          .limit(1)) is not None


# --------------------------------------------------------------------------- lists


@dataclass
class ListFilter:
    """The complaints list's filter: a unit's subtree, a status (or ``open``), a dimension,
    only overdue cases, only those whose classification needs a person (``review``: the
    classifier's confidence below its threshold and no person has relabelled it)."""

    unit_id: int | None = None
    status: str | None = None
    dimension: str | None = None
    overdue: bool = False
    review: bool = False
    since: datetime | None = None
    until: datetime | None = None

    @classmethod
    def parse(cls, params) -> ListFilter:
        """From query parameters (all text; blank: not filtered); wrong values are a
        :class:`~.params.FieldErrors` naming each."""
        def get(name):
            value = params.get(name)
            return value.strip() if isinstance(value, str) and value.strip() else None

        problems = {}
        unit = get("unit")
        if unit is not None and row_id(unit) is None:
            problems["unit"] = f"must be a unit id, got {quoted(unit)}"
        status = get("status")
        if status is not None and status not in (*STATUSES, "open"):
            problems["status"] = f"must be one of open, {', '.join(STATUSES)}, got {quoted(status)}"
        dimension = get("dimension")
        if dimension is not None and (wrong := text_problem(dimension, Complaint.dimension.type.length)):
            problems["dimension"] = wrong
        flags = {name: (get(name) or "").lower() for name in ("overdue", "review")}
        for name, flag in flags.items():
            if flag not in ("", "1", "true", "on", "yes", "0", "false", "off", "no"):
                problems[name] = f"must be true or false, got {quoted(flag)}"
        dates = {}
        for name in ("since", "until"):
            try:
                dates[name] = instant(get(name)) if get(name) else None
            except ValueError as exc:
                problems[name] = str(exc)
        if problems:
            raise FieldErrors(problems)
        on = {name: flag in ("1", "true", "on", "yes") for name, flag in flags.items()}
        return cls(row_id(unit) if unit else None, status, dimension, on["overdue"], on["review"],
                   dates.get("since"), dates.get("until"))

    def apply(self, query: Select, now: datetime) -> Select:
        if self.unit_id is not None:
            query = query.where(Complaint.unit_id.in_(subtree(self.unit_id, "filter_units")))
        if self.status == "open":
            query = query.where(Complaint.status.in_(OPEN))
        elif self.status:
            query = query.where(Complaint.status == self.status)
        if self.dimension:
            query = query.where(Complaint.dimension == self.dimension)
        if self.overdue:
            query = query.where(overdue_condition(now))
        if self.review:
            query = query.where(review_condition())
        if self.since:
            query = query.where(Complaint.received_at >= self.since)
        if self.until:
            query = query.where(Complaint.received_at < self.until)
        return query

    def query(self) -> dict:
        out = {"unit": self.unit_id, "status": self.status, "dimension": self.dimension,
               "overdue": "1" if self.overdue else None, "review": "1" if self.review else None}
        return {k: v for k, v in out.items() if v is not None}


def review_condition():
    """A complaint whose classified dimension needs a person: the classifier was less sure
    than its threshold (a relabelled complaint has no confidence)."""
    return Complaint.confidence < review_threshold()


def counts(session: Session, user: User, now: datetime) -> dict:
    """Open, overdue, needing a person's classification and escalated-to-``user`` open
    cases among those ``user`` may see."""
    base = visible(user).with_only_columns(func.count(Complaint.id))
    return {"open": session.scalar(base.where(Complaint.status.in_(OPEN))) or 0,
            "overdue": session.scalar(base.where(overdue_condition(now))) or 0,
            "review": session.scalar(base.where(review_condition(), Complaint.status.in_(OPEN))) or 0,
            "escalated_to_me": session.scalar(base.where(Complaint.escalated_to_id == user.id,
                                                         Complaint.status.in_(OPEN))) or 0}


def as_dict(c: Complaint, now: datetime | None = None) -> dict:
    """A complaint for the JSON API (no contact details)."""
    state = case_sla(c, now) if now is not None else None

    def iso(value):
        return value.isoformat() if value is not None else None

    return {"id": c.id, "received_at": iso(c.received_at), "unit_id": c.unit_id, "unit": c.unit.name,
            "channel": c.channel.name if c.channel else None, "tier": c.tier.name if c.tier else None,
            # the names in other languages (names.py)
            **{f"{what}_labels": (row.labels or {}) if row else {} for what, row in (
                ("unit", c.unit), ("channel", c.channel), ("tier", c.tier))},
            "product": c.product or None, "text": c.text, "language": c.language, "dimension": c.dimension,
            "confidence": c.confidence, "sentiment": c.sentiment, "severity": c.severity, "source": c.source,
            "response_id": c.response_id, "status": c.status, "owner": c.owner.email if c.owner else None,
            "acknowledged_at": iso(c.acknowledged_at), "resolved_at": iso(c.resolved_at),
            "closed_at": iso(c.closed_at), "ack_due": iso(c.ack_due), "resolve_due": iso(c.resolve_due),
            "sla": overall_state(state), "reply": c.reply or None, "customer_key": c.customer_key,
            "escalated_at": iso(c.escalated_at)}


# --------------------------------------------------------------------------- public forms


CONSENT_VALUES = ("on", "1", "yes", "true")


def check_contact_form(sent: dict, prefix: str, lang: str) -> tuple[ContactDetails | None, dict[str, str]]:
    """The contact fields ``<prefix>name``, ``email``, ``phone`` and ``consent`` of a public
    form: (the contact, or None when none was given; errors by field name in ``lang``).
    Contact details are taken only with the consent box ticked, and a ticked box needs an
    e-mail address or a phone number."""
    contact, problems = check_contact(sent.get(f"{prefix}name", ""), sent.get(f"{prefix}email", ""),
                                      sent.get(f"{prefix}phone", ""))
    contact.consent = sent.get(f"{prefix}consent", "").strip().lower() in CONSENT_VALUES
    errors = {f"{prefix}{name}": t(lang, f"complaint.error.{name}") for name in problems}
    if not contact.empty and not contact.consent:
        errors[f"{prefix}consent"] = t(lang, "complaint.error.consent_needed")
    elif contact.consent and not (contact.email or contact.phone) and f"{prefix}email" not in errors \
            and f"{prefix}phone" not in errors:
        errors[f"{prefix}email"] = t(lang, "complaint.error.contact_needed")
    return (None if contact.empty and not contact.consent else contact), errors


# --------------------------------------------------------------------------- SLA policies


CALENDAR_EXAMPLE = 'timezone: Europe/Stockholm\nhours:\n  mon-fri: "08:00-17:00"\nholidays: [2026-12-24, 2026-12-25]\n'


def parse_calendar(text: str) -> sla.Calendar:
    """A business-hours calendar from YAML or JSON text (sla.Calendar's format); an
    :class:`~servq.complaints.sla.SlaError` names each problem with its line."""
    from ..instruments import yamlfile

    raw = yamlfile.load(text, "calendar", sla.SlaError)
    try:
        return sla.Calendar.from_dict(raw)
    except sla.SlaError as exc:
        yamlfile.check(yamlfile.semantic_found([(p.path or "calendar", p.message) for p in exc.problems]), text,
                       "calendar", sla.SlaError, "the calendar")
        raise


def save_policy(session: Session, category: str, tier: str, acknowledge_hours: str, resolve_days: str,
                calendar: str, actor: User | None) -> SlaPolicyRecord:
    """Add the SLA policy of ``category`` and ``tier`` (``*`` = any), or replace the one
    there is; :class:`FieldErrors` names every problem by field and nothing is stored."""
    errors: dict[str, str] = {}
    category = category.strip() or sla.ANY
    if len(category) > 50:
        errors["category"] = Msg("msg.sla.category")
    tier = tier.strip() or sla.ANY
    if tier != sla.ANY:
        found = session.scalar(select(Tier).where(Tier.name == tier))
        if found is None:
            errors["tier"] = Msg("msg.sla.tier", tier=tier)
    try:
        ack = float(acknowledge_hours.replace(",", "."))
        if not 0 <= ack <= 10_000:
            raise ValueError
    except ValueError:
        errors["acknowledge_hours"] = Msg("msg.sla.hours", got=repr(acknowledge_hours))
    res = integer(resolve_days)
    if res is None or not 0 <= res <= 1000:
        errors["resolve_days"] = Msg("msg.sla.days", got=repr(resolve_days))
    cal = None
    try:
        cal = parse_calendar(calendar)
    except sla.SlaError as exc:
        errors["calendar"] = Msgs(map(problem, exc.problems)) if exc.problems else exc.summary
    except UsageError as exc:
        errors["calendar"] = str(exc)
    if errors:
        raise FieldErrors(errors)
    existing = next((r for r in session.scalars(select(SlaPolicyRecord))
                     if (r.category.casefold(), r.tier.casefold()) == (category.casefold(), tier.casefold())), None)
    row = existing or SlaPolicyRecord(category=category, tier=tier)
    row.acknowledge_hours, row.resolve_days, row.calendar = ack, res, cal.to_dict()
    row.updated_at = datetime.now(UTC)
    if existing is None:
        session.add(row)
    session.flush()
    audit(session, actor, "sla.replace" if existing else "sla.create", f"{category} / {tier}",
          {"id": row.id, "acknowledge_hours": ack, "resolve_days": res, "timezone": cal.timezone})
    return row


def delete_policy(session: Session, policy_id: int, actor: User | None) -> None:
    row = session.get(SlaPolicyRecord, policy_id)
    if row is None:
        raise UsageError(Msg("msg.sla.no_policy", id=policy_id))
    audit(session, actor, "sla.delete", f"{row.category} / {row.tier}", {"id": row.id})
    session.delete(row)
