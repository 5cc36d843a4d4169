"""Erasure and retention of personal data: complainants' contact details, survey invitees,
the customer list of scheduled waves and customer supervisors (erased with the person; not
purged by age: they are the organisation's own registers).

What is personal is kept apart from what is measured: a complaint's contact lives in
``complaint_contacts`` and a survey invitee's in ``contacts``. Erasing a person deletes
those rows and leaves the complaints and responses (the statistics keep working); their
``customer_key`` — a keyed hash of the contact — is replaced by a new random value shared
by that person's complaints, so repeat-complaint counts stay as they were but the key can
no longer be computed from the address. Every erasure and purge is in the audit log,
without the address itself.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from ..errors import UsageError
from ..store.models import CaseEvent, Complaint, ComplaintContact, Contact, Customer, Invitation, User
from . import supervisors
from .accounts import audit
from .complaints import ContactDetails, check_contact, customer_key, salt
from .languages import Msg
from .responding import purge_drafts


@dataclass(frozen=True)
class Erasure:
    """What :func:`erase_contact` deleted: contact rows of complaints, survey invitees' rows,
    and the complaints whose customer key was re-keyed."""

    complaint_contacts: int
    survey_contacts: int
    complaints: tuple[int, ...]
    customers: int = 0  # rows of the customer list (with their wave samples and queued e-mails)
    supervisors: int = 0  # customer supervisors (their evaluations stay, anonymous: supervisors.erase)


def erase_contact(session: Session, contact: str, actor: User | None, now: datetime) -> Erasure:
    """Delete every contact with this e-mail address or phone number (complaints' and
    survey invitees'), re-key the customer key of that person's complaints, and record it."""
    value = contact.strip()
    by_email = "@" in value
    checked, problems = check_contact("", value if by_email else "", "" if by_email else value)
    if problems:
        raise UsageError(f"--contact must be an e-mail address or a phone number, got {contact!r}")
    rows = list(session.scalars(select(ComplaintContact).where(
        func.lower(ComplaintContact.email) == checked.email if by_email else ComplaintContact.phone == checked.phone)))
    key = customer_key(salt(session), ContactDetails(email=checked.email) if by_email
                       else ContactDetails(phone=checked.phone))
    ids = {r.complaint_id for r in rows} | set(session.scalars(select(Complaint.id).where(Complaint.customer_key == key)))
    for r in rows:
        session.delete(r)
    survey_contacts = customers = supervisor_count = 0
    if by_email:
        survey_contacts = session.execute(delete(Contact).where(func.lower(Contact.email) == checked.email)).rowcount or 0
        customers = session.execute(delete(Customer).where(func.lower(Customer.email) == checked.email)).rowcount or 0
        supervisor_count = supervisors.erase(session, checked.email)
    if ids:
        fresh = secrets.token_hex(32)  # shared by this person's complaints only; computable from nothing
        session.execute(update(Complaint).where(Complaint.id.in_(ids), Complaint.customer_key.is_not(None))
                        .values(customer_key=fresh))
        for cid in sorted(ids):
            session.add(CaseEvent(complaint_id=cid, at=now, actor_id=actor.id if actor else None,
                                  kind="contact_erased", detail={"reason": "erasure request"}))
    result = Erasure(len(rows), survey_contacts, tuple(sorted(ids)), customers, supervisor_count)
    audit(session, actor, "privacy.erase", f"contact by {'e-mail' if by_email else 'phone'}",
          {"complaint_contacts": result.complaint_contacts, "survey_contacts": survey_contacts,
           "complaints": list(result.complaints), "customers": customers, "supervisors": supervisor_count})
    session.flush()
    return result


@dataclass(frozen=True)
class Purge:
    complaint_contacts: int
    survey_contacts: int
    cutoff: datetime
    drafts: int = 0  # questionnaires begun and not saved for responding.DRAFT_DAYS days


def purge_contacts(session: Session, days: int, now: datetime, actor: User | None = None) -> Purge:
    """Delete complainants' contacts stored more than ``days`` days ago, and survey
    invitees' contacts as old whose invitation has expired; recorded in the audit log (and
    on each case) when anything was deleted. Also the expired drafts of questionnaires
    (:func:`~.responding.purge_drafts`)."""
    if days < 1:
        raise UsageError(f"the retention must be at least 1 day, got {days}")
    cutoff = now - timedelta(days=days)
    old = list(session.scalars(select(ComplaintContact).where(ComplaintContact.created_at < cutoff)))
    for r in old:
        session.add(CaseEvent(complaint_id=r.complaint_id, at=now, actor_id=actor.id if actor else None,
                              kind="contact_erased", detail={"reason": Msg("case.retention", days), "days": days}))
        session.delete(r)
    expired = select(Invitation.id).where(Invitation.expires_at < now)
    survey = session.execute(delete(Contact).where(Contact.created_at < cutoff, or_(
        Contact.invitation_id.is_(None), Contact.invitation_id.in_(expired)))).rowcount or 0
    if old or survey:
        audit(session, actor, "privacy.purge", f"contacts older than {days} days",
              {"complaint_contacts": len(old), "survey_contacts": survey, "cutoff": cutoff.isoformat()})
    drafts = purge_drafts(session, now)
    session.flush()
    return Purge(len(old), survey, cutoff, drafts)

