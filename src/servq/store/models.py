"""The database tables (SQLAlchemy 2). The schema is changed only by Alembic migrations
(``migrations/versions``); a test checks that the models and the migrations agree."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

ROLES = ("administrator", "analyst", "unit_manager")  # the roles an administrator gives on the users page
SUPERVISOR = "supervisor"  # a customer who evaluates the service (invited on its own page, docs/supervisors.md)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator):
    """A timestamp stored in UTC and read back as an aware datetime on every database
    (SQLite would return it without its time zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError(f"a naive datetime cannot be stored: {value!r}")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    pass


class Unit(Base):
    """A node of the organisation tree (region, branch, team, employee ... any depth)."""

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(50), default="unit")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # the customer base of the unit (None: not known), for complaint rates per 1,000 customers
    customers: Mapped[int | None] = mapped_column(Integer)
    # the name in other languages ({"sv": "...", "zh": "..."}); ``name`` where one is missing
    labels: Mapped[dict | None] = mapped_column(JSON)

    parent: Mapped[Unit | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Unit]] = relationship(back_populates="parent")


class User(Base):
    """A person who signs in: administrator, analyst, the manager of one unit's subtree, or
    a customer service-quality supervisor (who sees only their own evaluation pages)."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role in ('administrator', 'analyst', 'unit_manager', 'supervisor')", name="ck_users_role"),
        CheckConstraint("role <> 'unit_manager' or unit_id is not null", name="ck_users_manager_unit"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # the language of the administration pages (en, sv, zh); None: the browser's preference
    language: Mapped[str | None] = mapped_column(String(8))

    unit: Mapped[Unit | None] = relationship()


class WebSession(Base):
    """A signed-in browser. Its cookie carries a random token of which only the hash is
    stored; the row is the session, so signing out, a password change or deactivating the
    account deletes it and a copied cookie stops working at once."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class RateCounter(Base):
    """Attempts per key in a fixed window (sign-ins per address and account, per address),
    counted with one atomic statement in the database, so that concurrent requests and
    every server process share one count."""

    __tablename__ = "rate_counters"

    key: Mapped[str] = mapped_column(String(400), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(UtcDateTime)
    count: Mapped[int] = mapped_column(Integer)


class AuditEntry(Base):
    """One administrative action: who did what to what, when."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor: Mapped[str] = mapped_column(String(320))  # kept when the account is gone
    action: Mapped[str] = mapped_column(String(100))
    target: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[dict] = mapped_column(JSON, default=dict)


class Channel(Base):
    """A way customers reach the service: branch, phone, online, app ..."""

    __tablename__ = "channels"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    labels: Mapped[dict | None] = mapped_column(JSON)  # the name in other languages, as Unit.labels


class Tier(Base):
    """A customer tier or segment: private, premium, enterprise ..."""

    __tablename__ = "tiers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    labels: Mapped[dict | None] = mapped_column(JSON)  # the name in other languages, as Unit.labels


survey_units = Table(
    "survey_units", Base.metadata,
    Column("survey_id", ForeignKey("surveys.id", ondelete="CASCADE"), primary_key=True),
    Column("unit_id", ForeignKey("units.id", ondelete="RESTRICT"), primary_key=True, index=True),
)
survey_channels = Table(
    "survey_channels", Base.metadata,
    Column("survey_id", ForeignKey("surveys.id", ondelete="CASCADE"), primary_key=True),
    Column("channel_id", ForeignKey("channels.id", ondelete="RESTRICT"), primary_key=True),
)


class Survey(Base):
    """A questionnaire put to customers (or, ``respondent_type`` internal, to colleagues of
    another department). The instrument's YAML is stored with the survey, so later changes
    to the catalog never change what a running survey asks."""

    __tablename__ = "surveys"
    __table_args__ = (
        CheckConstraint("respondent_type in ('customer', 'internal')", name="ck_surveys_respondent_type"),
        CheckConstraint("closes_at is null or closes_at > opens_at", name="ck_surveys_dates"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(32), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    title_labels: Mapped[dict | None] = mapped_column(JSON)  # the title in the survey's languages, as Unit.labels
    instrument_id: Mapped[str] = mapped_column(String(100))
    instrument_yaml: Mapped[str] = mapped_column(Text)
    languages: Mapped[list] = mapped_column(JSON)
    anonymous: Mapped[bool] = mapped_column(default=True)
    respondent_type: Mapped[str] = mapped_column(String(20), default="customer")
    opens_at: Mapped[datetime] = mapped_column(UtcDateTime)
    closes_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # the closed loop (docs/complaints.md): None = off, else the thresholds that open a case
    # from a response whose respondent agreed to be contacted
    closed_loop: Mapped[dict | None] = mapped_column(JSON)
    # the version of the instrument asked now: editing it after it has responses makes a new
    # one (the earlier ones are kept in SurveyVersion; docs/editor.md)
    instrument_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    units: Mapped[list[Unit]] = relationship(secondary=survey_units, order_by="Unit.name")
    channels: Mapped[list[Channel]] = relationship(secondary=survey_channels, order_by="Channel.name")
    waves: Mapped[list[Wave]] = relationship(back_populates="survey", order_by="Wave.starts_at",
                                             cascade="all, delete-orphan")


class Wave(Base):
    """A measurement round of a survey (e.g. "2026 spring"), by its dates."""

    __tablename__ = "waves"
    __table_args__ = (CheckConstraint("ends_at > starts_at", name="ck_waves_dates"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ends_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # the schedule that opened the wave (None: added by hand)
    schedule_id: Mapped[int | None] = mapped_column(ForeignKey("wave_schedules.id", ondelete="SET NULL"), index=True)

    survey: Mapped[Survey] = relationship(back_populates="waves")


class Response(Base):
    """One submitted questionnaire. ``answers`` maps servq's column names (E1, P1, W_<dim>,
    outcome ids) to the answer; ``key`` makes submission exactly-once (a retried or
    double-clicked submit carries the same key). Nothing identifying is stored here: no
    address, no browser; a named survey's contact lives in :class:`Contact`."""

    __tablename__ = "responses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("channels.id", ondelete="RESTRICT"))
    tier_id: Mapped[int | None] = mapped_column(ForeignKey("tiers.id", ondelete="RESTRICT"))
    language: Mapped[str] = mapped_column(String(5))
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    answers: Mapped[dict] = mapped_column(JSON)
    comment: Mapped[str] = mapped_column(Text, default="")
    instrument_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")  # answered with

    __table_args__ = (Index("ix_responses_survey_time", "survey_id", "submitted_at"),)


class Cell(Base):
    """The sufficient statistics of a survey's responses to one instrument version in one
    unit x channel x tier x language x day or month, at a roll-up level (see
    servq.store.cells): ``dims`` the dimensions the level keeps (bits: unit 1, channel 2,
    tier 4, language 8; the others are 0, or ``*`` for the language); ``grain`` ``d`` or
    ``m``; ``period`` days or months since 1970; ``n`` respondents, ``blank``,
    ``dont_know`` and ``not_asked`` item cells; ``sums`` the encoded statistics;
    ``version`` counts the updates."""

    __tablename__ = "cells"
    __table_args__ = (PrimaryKeyConstraint("survey_id", "instrument_version", "dims", "grain", "period", "unit_id",
                                           "channel_id", "tier_id", "language", name="pk_cells"),)

    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    instrument_version: Mapped[int] = mapped_column(Integer, server_default="1")  # of the responses (Response's)
    dims: Mapped[int] = mapped_column(SmallInteger)
    grain: Mapped[str] = mapped_column(String(1))
    period: Mapped[int] = mapped_column(Integer)
    unit_id: Mapped[int] = mapped_column(Integer)
    channel_id: Mapped[int] = mapped_column(Integer)
    tier_id: Mapped[int] = mapped_column(Integer)
    language: Mapped[str] = mapped_column(String(5))
    n: Mapped[int] = mapped_column(BigInteger)
    blank: Mapped[int] = mapped_column(BigInteger)
    dont_know: Mapped[int] = mapped_column(BigInteger)
    not_asked: Mapped[int] = mapped_column(BigInteger, server_default="0")
    version: Mapped[int] = mapped_column(BigInteger)
    sums: Mapped[bytes] = mapped_column(LargeBinary)


class Draft(Base):
    """Answers saved so far (save and resume); removed when the response is submitted.
    Its ``key`` becomes the response's key, which is what makes submission exactly-once."""

    __tablename__ = "drafts"
    # one draft per invitation, however often its link is opened at once
    __table_args__ = (Index("ix_drafts_invitation_id", "invitation_id", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"))
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("channels.id", ondelete="RESTRICT"))
    invitation_id: Mapped[int | None] = mapped_column(ForeignKey("invitations.id", ondelete="SET NULL"))
    language: Mapped[str] = mapped_column(String(5))
    page: Mapped[int] = mapped_column(Integer, default=0)
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    comment: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)


class Invitation(Base):
    """A single-use link for one respondent. Only a hash of the token is stored, so the
    database alone cannot be used to answer in someone's name."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"))
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("channels.id", ondelete="RESTRICT"))
    tier_id: Mapped[int | None] = mapped_column(ForeignKey("tiers.id", ondelete="RESTRICT"))
    language: Mapped[str | None] = mapped_column(String(5))
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Contact(Base):
    """Personal data, kept apart from the answers: who was invited (and, for a named
    survey, which response is theirs). Erasable without touching the answers."""

    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invitation_id: Mapped[int | None] = mapped_column(ForeignKey("invitations.id", ondelete="CASCADE"), unique=True)
    response_id: Mapped[int | None] = mapped_column(ForeignKey("responses.id", ondelete="SET NULL"))
    email: Mapped[str] = mapped_column(String(320), default="", index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class ApiToken(Base):
    """A token for the JSON API (BI tools). It acts as its user, with the user's role and
    units; only its hash is stored, and it can be revoked."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    revoked: Mapped[bool] = mapped_column(default=False)

    user: Mapped[User] = relationship()


COMPLAINT_STATUSES = ("new", "assigned", "in_progress", "resolved", "closed")
COMPLAINT_SOURCES = ("form", "api", "import", "survey")


class Complaint(Base):
    """One complaint (a *case*). ``key`` makes intake exactly-once (the form's random key,
    an API client's idempotency key, an imported row's content); the due times come from
    the SLA policy chosen at intake, which is kept with the complaint (``sla_policy``), so a
    later change of the policies never moves a promise already made. Nothing personal is
    stored here: the contact lives in :class:`ComplaintContact`; ``customer_key`` is a
    keyed hash of it (for repeat-complainant counts), re-keyed at random when the contact
    is erased."""

    __tablename__ = "complaints"
    __table_args__ = (
        CheckConstraint("status in ('new', 'assigned', 'in_progress', 'resolved', 'closed')",
                        name="ck_complaints_status"),
        CheckConstraint("source in ('form', 'api', 'import', 'survey')", name="ck_complaints_source"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("channels.id", ondelete="RESTRICT"))
    tier_id: Mapped[int | None] = mapped_column(ForeignKey("tiers.id", ondelete="RESTRICT"))
    product: Mapped[str] = mapped_column(String(200), default="")
    text: Mapped[str] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(8))
    dimension: Mapped[str | None] = mapped_column(String(50), index=True)
    confidence: Mapped[float | None] = mapped_column(Float)
    sentiment: Mapped[float | None] = mapped_column(Float)
    severity: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(10))
    response_id: Mapped[int | None] = mapped_column(ForeignKey("responses.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(20), default="new", index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    ack_due: Mapped[datetime | None] = mapped_column(UtcDateTime)
    resolve_due: Mapped[datetime | None] = mapped_column(UtcDateTime)
    sla_policy: Mapped[dict | None] = mapped_column(JSON)
    reply: Mapped[str] = mapped_column(Text, default="")
    customer_key: Mapped[str | None] = mapped_column(String(64), index=True)
    escalated_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    escalated_to_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)

    unit: Mapped[Unit] = relationship()
    channel: Mapped[Channel | None] = relationship()
    tier: Mapped[Tier | None] = relationship()
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    escalated_to: Mapped[User | None] = relationship(foreign_keys=[escalated_to_id])


class ComplaintContact(Base):
    """The complainant's contact details: the only personal data of a complaint, kept
    apart so that erasure and retention delete them without touching the complaint."""

    __tablename__ = "complaint_contacts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id", ondelete="CASCADE"), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(320), default="", index=True)
    phone: Mapped[str] = mapped_column(String(40), default="", index=True)
    consent: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)


class CaseEvent(Base):
    """One entry of a case's history: received, assigned, a status change, a note, a reply
    to the customer, a relabel, an escalation, an erasure of its contact."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(30))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)

    actor: Mapped[User | None] = relationship()


class SlaPolicyRecord(Base):
    """An SLA policy (:class:`servq.complaints.sla.SlaPolicy`): for a complaint category
    (``*`` = any) and customer tier (``*`` = any), acknowledge within N business hours and
    resolve within N business days on ``calendar`` (sla.Calendar's dict form)."""

    __tablename__ = "sla_policies"
    __table_args__ = (UniqueConstraint("category", "tier", name="uq_sla_policies_category_tier"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    category: Mapped[str] = mapped_column(String(50))
    tier: Mapped[str] = mapped_column(String(100))
    acknowledge_hours: Mapped[float] = mapped_column(Float)
    resolve_days: Mapped[int] = mapped_column(Integer)
    calendar: Mapped[dict] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class TrainingExample(Base):
    """A complaint text with the dimension a person gave it (a relabelled case): material
    for training the classifier (``servq complaints train``)."""

    __tablename__ = "training_examples"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(8))
    dimension: Mapped[str] = mapped_column(String(50))
    added_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    complaint_id: Mapped[int | None] = mapped_column(ForeignKey("complaints.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class InstanceSecret(Base):
    """Secrets of this installation made by the migrations (the salt of customer keys), so
    that the server and the command line hash contacts alike."""

    __tablename__ = "instance_secrets"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))


class OperationalMetric(Base):
    """One day's value of an operational metric in a region (dropped-call rate, queue time,
    late deliveries; :mod:`servq.complaints.operations`), set beside the complaint volume of
    the unit of the same name. ``value`` None: a day not measured."""

    __tablename__ = "operational_metrics"
    __table_args__ = (UniqueConstraint("day", "region", "metric", name="uq_operational_metrics_day_region_metric"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    region: Mapped[str] = mapped_column(String(200))
    metric: Mapped[str] = mapped_column(String(200))
    value: Mapped[float | None] = mapped_column(Float)
    uploaded_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


# --------------------------------------------------------------------------- measurement that runs itself
JOB_STATUSES = ("queued", "running", "done", "failed")
MESSAGE_STATUSES = ("queued", "sending", "sent", "failed", "unknown", "cancelled")
DELIVERY_STATUSES = ("pending", "delivered", "failed")


class Customer(Base):
    """A customer of the organisation's customer list, from which scheduled waves draw
    their samples. Personal data, like :class:`Contact`: erased with the person
    (``servq privacy erase``), which also removes their samples and messages."""

    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    tier_id: Mapped[int | None] = mapped_column(ForeignKey("tiers.id", ondelete="RESTRICT"))
    language: Mapped[str | None] = mapped_column(String(8))
    last_contact_on: Mapped[date | None] = mapped_column(Date)
    unsubscribed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class WaveSchedule(Base):
    """A survey's recurrence: ``rule`` (``monthly``, ``quarterly`` or a five-field cron
    rule, in UTC) opens a wave at each of its times, open ``wave_days`` days, with a sample
    of at most ``per_unit`` customers of each of the survey's units (of ``tier_ids``, None:
    any; last contact within ``contact_days``, None: any), none asked in the
    ``quarantine_days`` before; ``remind_days`` after the wave opened, those who have not
    answered get one reminder (None: no reminder)."""

    __tablename__ = "wave_schedules"
    __table_args__ = (
        CheckConstraint("per_unit >= 1 and wave_days >= 1 and quarantine_days >= 0", name="ck_wave_schedules_sizes"),
        CheckConstraint("remind_days is null or (remind_days >= 1 and remind_days < wave_days)",
                        name="ck_wave_schedules_remind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), unique=True)
    rule: Mapped[str] = mapped_column(String(100))
    wave_days: Mapped[int] = mapped_column(Integer)
    per_unit: Mapped[int] = mapped_column(Integer)
    quarantine_days: Mapped[int] = mapped_column(Integer)
    contact_days: Mapped[int | None] = mapped_column(Integer)
    tier_ids: Mapped[list | None] = mapped_column(JSON)
    remind_days: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(default=True)
    next_run_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    survey: Mapped[Survey] = relationship()


class WaveMember(Base):
    """A customer drawn into a wave's sample (once: the pair is unique), with the
    invitation made for them. The links of their messages are derived again when a
    message is sent (runs: tokens), so only hashes are stored here."""

    __tablename__ = "wave_members"
    __table_args__ = (UniqueConstraint("wave_id", "customer_id", name="uq_wave_members_wave_customer"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    wave_id: Mapped[int] = mapped_column(ForeignKey("waves.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    invitation_id: Mapped[int | None] = mapped_column(ForeignKey("invitations.id", ondelete="SET NULL"))
    unsubscribe_hash: Mapped[str] = mapped_column(String(64), unique=True)
    drawn_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)

    wave: Mapped[Wave] = relationship()
    customer: Mapped[Customer] = relationship()
    invitation: Mapped[Invitation | None] = relationship()


class Job(Base):
    """A unit of background work for ``servq worker``. ``key`` makes enqueueing
    idempotent; a worker claims a job for ``claimed_until`` (its lease) under a random
    ``claim``; a job whose lease ran out is taken again, and only the holder of the current
    claim can finish it."""

    __tablename__ = "jobs"
    __table_args__ = (
        CheckConstraint("status in ('queued', 'running', 'done', 'failed')", name="ck_jobs_status"),
        Index("ix_jobs_status_run_at", "status", "run_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(200), unique=True)
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(10), default="queued")
    run_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=5)
    claim: Mapped[str | None] = mapped_column(String(32))
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class OutboxMessage(Base):
    """An e-mail to a wave member (invitation or reminder), to a unit manager (their report,
    ``report_id``) or to a supervisor (their invitation, docs/supervisors.md), sent at most
    once: ``key`` is its idempotency key (also its Message-ID); ``sending`` is set just
    before the SMTP server is handed the message and ``sent`` as soon as it accepted it
    (docs/runs.md)."""

    __tablename__ = "outbox"
    __table_args__ = (
        CheckConstraint("status in ('queued', 'sending', 'sent', 'failed', 'unknown', 'cancelled')",
                        name="ck_outbox_status"),
        CheckConstraint("kind in ('invitation', 'reminder', 'report', 'supervisor')", name="ck_outbox_kind"),
        CheckConstraint("(kind = 'report') = (report_id is not null) and (kind = 'supervisor') = (supervisor_id is not null) "
                        "and (kind in ('invitation', 'reminder')) = (member_id is not null)", name="ck_outbox_recipient"),
        Index("ix_outbox_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("wave_members.id", ondelete="CASCADE"), index=True)
    report_id: Mapped[int | None] = mapped_column(ForeignKey("manager_reports.id", ondelete="CASCADE"), index=True)
    # a supervisor's invitation (kind "supervisor") instead of a wave member's message
    supervisor_id: Mapped[int | None] = mapped_column(ForeignKey("supervisors.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(10), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    claim: Mapped[str | None] = mapped_column(String(32))
    claimed_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    message_id: Mapped[str] = mapped_column(String(200))
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)

    member: Mapped[WaveMember | None] = relationship()
    report: Mapped[ManagerReport | None] = relationship()


class WebhookEndpoint(Base):
    """Where events are posted (``events``: ``response.created``, ``complaint.created``),
    signed with ``secret`` (HMAC-SHA256; kept in clear, as signing needs it)."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    secret: Mapped[str] = mapped_column(String(100))
    events: Mapped[list] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(default=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class WebhookDelivery(Base):
    """One event for one endpoint (once: ``event_key`` is unique per endpoint) and the
    outcome of its latest attempt: the delivery log."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("endpoint_id", "event_key", name="uq_webhook_deliveries_endpoint_event"),
        CheckConstraint("status in ('pending', 'delivered', 'failed')", name="ck_webhook_deliveries_status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), index=True)
    event: Mapped[str] = mapped_column(String(40))
    event_key: Mapped[str] = mapped_column(String(100))
    payload: Mapped[dict] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    response_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


# --------------------------------------------------------------------------- reports to managers
REPORT_DELIVERIES = ("link", "attachment")


class ReportSchedule(Base):
    """When a survey's unit managers get their report: after each of its waves closes
    (``on_wave_close``) and at each time of ``rule`` (``monthly``, ``quarterly`` or a
    five-field cron rule in UTC; None: no scheduled report). A survey without a row
    reports after each wave."""

    __tablename__ = "report_schedules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), unique=True)
    on_wave_close: Mapped[bool] = mapped_column(default=True)
    rule: Mapped[str | None] = mapped_column(String(100))
    next_run_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    survey: Mapped[Survey] = relationship()


class ReportPreference(Base):
    """How a unit manager wants their reports: ``link`` (an e-mail with a link that needs
    their sign-in; the default without a row) or ``attachment`` (the report attached)."""

    __tablename__ = "report_preferences"
    __table_args__ = (CheckConstraint("delivery in ('link', 'attachment')", name="ck_report_preferences_delivery"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    delivery: Mapped[str] = mapped_column(String(12))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class ManagerReport(Base):
    """One report made for one unit manager (once: ``key`` names the wave or the schedule's
    time and the manager), kept until ``expires_at`` (then ``html`` and ``results`` are
    cleared), with its delivery: the e-mail is an outbox row (``OutboxMessage.report_id``);
    the link's token is derived again when the e-mail is composed, only its hash is here.
    ``respondents`` 0: nothing to report in the manager's units (no e-mail)."""

    __tablename__ = "manager_reports"
    __table_args__ = (
        CheckConstraint("delivery in ('link', 'attachment')", name="ck_manager_reports_delivery"),
        CheckConstraint("trigger in ('wave', 'schedule')", name="ck_manager_reports_trigger"),
        CheckConstraint("until > since", name="ck_manager_reports_period"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    trigger: Mapped[str] = mapped_column(String(10))  # wave or schedule
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    wave_id: Mapped[int | None] = mapped_column(ForeignKey("waves.id", ondelete="SET NULL"))  # None: removed since
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    recipient: Mapped[str] = mapped_column(String(320))  # kept when the account is gone
    delivery: Mapped[str] = mapped_column(String(12))
    language: Mapped[str] = mapped_column(String(8))
    since: Mapped[date] = mapped_column(Date)
    until: Mapped[date] = mapped_column(Date)  # exclusive
    respondents: Mapped[int] = mapped_column(Integer, default=0)
    html: Mapped[str | None] = mapped_column(Text)
    results: Mapped[str | None] = mapped_column(Text)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    opened_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    survey: Mapped[Survey] = relationship()
    wave: Mapped[Wave | None] = relationship()
    user: Mapped[User | None] = relationship()
class SurveyVersion(Base):
    """An instrument a survey asked before it was edited, kept for the responses answered
    with it (``Response.instrument_version``); the current one is the survey's own."""

    __tablename__ = "survey_versions"
    __table_args__ = (UniqueConstraint("survey_id", "version", name="uq_survey_versions_survey_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    instrument_id: Mapped[str] = mapped_column(String(100))
    instrument_yaml: Mapped[str] = mapped_column(Text)
    replaced_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    replaced_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
# --------------------------------------------------------------------------- customer supervisors

supervisor_units = Table(
    "supervisor_units", Base.metadata,
    Column("supervisor_id", ForeignKey("supervisors.id", ondelete="CASCADE"), primary_key=True),
    Column("unit_id", ForeignKey("units.id", ondelete="RESTRICT"), primary_key=True, index=True),
)


class Supervisor(Base):
    """A customer invited to evaluate the service (docs/supervisors.md). Their person (name,
    e-mail, password, language) is their :class:`User` (role ``supervisor``); erasing it
    deletes this row too, and their evaluations stay without it. ``invite_token_hash``: the
    hash of the single-use sign-up link of invitation number ``invitations`` (None once used)."""

    __tablename__ = "supervisors"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    invitations: Mapped[int] = mapped_column(Integer, default=0)
    invite_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    invite_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    joined_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    user: Mapped[User] = relationship()
    units: Mapped[list[Unit]] = relationship(secondary=supervisor_units, order_by="Unit.name")


class SupervisorEvaluation(Base):
    """A supervisor's evaluation of one visit or errand: the response it is stored as (in
    the supervisor channel), the day of the visit, and who made it (None once erased)."""

    __tablename__ = "supervisor_evaluations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"), unique=True)
    supervisor_id: Mapped[int | None] = mapped_column(ForeignKey("supervisors.id", ondelete="SET NULL"), index=True)
    visit_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    response: Mapped[Response] = relationship()
    photos: Mapped[list[SupervisorPhoto]] = relationship(order_by="SupervisorPhoto.id", viewonly=True)


class SupervisorPhoto(Base):
    """A photo of an evaluation (JPEG or PNG, re-encoded without its metadata), kept in the
    database apart from the answers and shown only to administrators and analysts."""

    __tablename__ = "supervisor_photos"
    __table_args__ = (CheckConstraint("content_type in ('image/jpeg', 'image/png')", name="ck_supervisor_photos_type"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("supervisor_evaluations.id", ondelete="CASCADE"), index=True)
    content_type: Mapped[str] = mapped_column(String(20))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class PointsRule(Base):
    """How many points an accepted evaluation earns (one row, id 1), and the bonus when it
    carries at least one photo."""

    __tablename__ = "points_rules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    per_evaluation: Mapped[int] = mapped_column(Integer)
    photo_bonus: Mapped[int] = mapped_column(Integer)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class PointsEntry(Base):
    """A line of the points ledger: points granted for an evaluation, or an administrator's
    adjustment with its reason (no money: what the points buy is the organisation's affair)."""

    __tablename__ = "points_ledger"
    __table_args__ = (CheckConstraint("kind in ('evaluation', 'adjustment')", name="ck_points_ledger_kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    supervisor_id: Mapped[int | None] = mapped_column(ForeignKey("supervisors.id", ondelete="SET NULL"), index=True)
    evaluation_id: Mapped[int | None] = mapped_column(ForeignKey("supervisor_evaluations.id", ondelete="SET NULL"),
                                                      unique=True)
    kind: Mapped[str] = mapped_column(String(12))
    points: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text, default="")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)


class PublicScores(Base):
    """A survey whose scores an administrator published on the open platform (the public
    page ``/public/<slug>``: each unit's dimension scores, minimum-n suppressed); no row: not public."""

    __tablename__ = "public_scores"

    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), primary_key=True)
    published_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    published_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
