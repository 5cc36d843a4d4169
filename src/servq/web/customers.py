"""The customer list that scheduled waves draw their samples from (personal data, kept apart
from the answers like the invitees' contacts; erased with ``servq privacy erase``).

An upload is a CSV with the columns ``email`` (required), ``name``, ``unit`` (id or name),
``tier`` (id or name), ``language`` (en, sv, zh) and ``last_contact`` (YYYY-MM-DD, the
customer's latest errand: waves may sample only recent customers). A customer already on
the list (by e-mail address) is updated — but one who unsubscribed stays unsubscribed: a
new upload never subscribes anyone again. Every problem is reported with its row and
column, and then nothing changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..errors import DataError, Problem
from ..store.models import Customer, Tier, Unit, User
from .accounts import audit
from .distribution import by_id_or_name, contact_rows, read_csv
from .languages import LANGUAGES, Msg

MAX_CUSTOMERS = 200_000
COLUMNS = ("email", "name", "unit", "tier", "language", "last_contact")
LIMITS = {"email": Customer.email.type.length, "name": Customer.name.type.length}


@dataclass(frozen=True)
class Imported:
    added: int
    updated: int


def import_customers(session: Session, data: bytes, filename: str, actor: User | None, now: datetime,
                     rows: tuple[int, int | None] = (1, None)) -> Imported:
    """Add or update the customers of a CSV upload (see the module); ``rows``: the
    spreadsheet rows of the column names and of the first customer (None: the next row)."""
    header_row = rows[0]
    header, people = read_csv(data, filename, *rows)
    problems: list[Problem] = []
    if "email" not in header:
        problems.append(Problem(Msg("msg.invite.no_email_column"), file=filename, row=header_row))
    if "unit" not in header:
        problems.append(Problem(Msg("runs.msg.no_unit_column"), file=filename, row=header_row))
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        problems.append(Problem(Msg("msg.invite.unknown_columns", len(unknown), columns=", ".join(unknown),
                                    known=", ".join(COLUMNS)), file=filename, row=header_row))
    if len(people) > MAX_CUSTOMERS:
        problems.append(Problem(Msg("runs.msg.too_many", most=MAX_CUSTOMERS, got=len(people)), file=filename))
    if problems:
        raise DataError(Msg("runs.msg.not_a_list", file=filename), problems)
    units, tiers = by_id_or_name(session.scalars(select(Unit))), by_id_or_name(session.scalars(select(Tier)))
    planned = []
    for entry in contact_rows(header, people, filename, problems, LIMITS, "runs.msg.twice"):
        row, bad, email = entry.values, entry.bad, entry.email
        unit = units.get(row.get("unit", "").lower())
        if unit is None:
            bad("unit", Msg("runs.msg.unit"))
        tier = tiers.get(row.get("tier", "").lower()) if row.get("tier") else None
        if row.get("tier") and tier is None:
            bad("tier", Msg("msg.invite.tier"))
        lang = row.get("language", "").lower() or None
        if lang and lang not in LANGUAGES:
            bad("language", Msg("runs.msg.language", known=", ".join(LANGUAGES)))
        last = None
        if row.get("last_contact"):
            try:
                last = date.fromisoformat(row["last_contact"])
            except ValueError:
                bad("last_contact", Msg("runs.msg.date"))
        planned.append((email, row.get("name", ""), unit, tier, lang, last))
    if problems:
        raise DataError(Msg("runs.msg.refused", len(problems), file=filename), problems)
    emails = [email for email, *_ in planned]
    existing = {c.email: c for c in session.scalars(select(Customer).where(Customer.email.in_(emails)))} \
        if len(emails) <= 10_000 else {c.email: c for c in session.scalars(select(Customer))}
    added = 0
    for email, name, unit, tier, lang, last in planned:
        customer = existing.get(email)
        if customer is None:
            customer = Customer(email=email, created_at=now)
            session.add(customer)
            added += 1
        customer.name, customer.unit_id, customer.tier_id = name, unit.id, tier.id if tier else None
        customer.language, customer.last_contact_on, customer.updated_at = lang, last, now
    session.flush()
    result = Imported(added, len(planned) - added)
    audit(session, actor, "customers.import", filename, {"added": result.added, "updated": result.updated})
    return result


@dataclass(frozen=True)
class ListSummary:
    total: int
    unsubscribed: int
    by_unit: list[tuple[Unit, int]]


def summary(session: Session) -> ListSummary:
    """How many customers the list holds, per unit, and how many unsubscribed."""
    total = session.scalar(select(func.count()).select_from(Customer)) or 0
    off = session.scalar(select(func.count()).select_from(Customer).where(Customer.unsubscribed_at.is_not(None))) or 0
    counts = session.execute(select(Unit, func.count(Customer.id)).join(Customer, Customer.unit_id == Unit.id)
                             .group_by(Unit.id).order_by(Unit.name))
    return ListSummary(total, off, list(counts))
