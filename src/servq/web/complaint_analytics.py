"""The complaints of the units a user sees, as the table :func:`servq.complaints_block`
reads, and the analytics of it: volume, hot spots, handling times, SLA compliance, backlog,
repeat complainants, and — with the customer base of the units and the stored operational
metrics (:mod:`servq.web.complaint_context`) — rates per 1,000 customers and the lagged
correlation of each metric with complaint volume (the same numbers as ``servq complaints
analyze`` on a register with ``--customers`` and ``--operations``)."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import __version__
from ..analysis import SCHEMA_VERSION
from ..complaints.analytics import complaints_block
from ..store.models import Channel, Complaint, Tier, Unit, User
from . import complaint_context, dataset
from .names import names_in

_STATUS = {"new": "open", "assigned": "open", "in_progress": "open", "resolved": "resolved", "closed": "closed"}
_TIMES = ("received_at", "acknowledged_at", "resolved_at", "ack_due", "resolve_due")


def table(session: Session, user: User, flt: dataset.Filter, lang: str = "en") -> pa.Table:
    """The complaints ``user`` may see under ``flt`` (unit subtree, channel, tier, language,
    received from ``since`` until before ``until``), one row each, names (in ``lang``:
    names.py) for ids."""
    c = Complaint
    q = select(c.id, c.received_at, c.unit_id, c.channel_id, c.tier_id, c.product, c.dimension, c.language,
               c.acknowledged_at, c.resolved_at, c.status, c.customer_key, c.ack_due, c.resolve_due)
    units = dataset.visible_units(session, user, flt)
    if units is not None:
        q = q.where(c.unit_id.in_(units))
    for column, value in ((c.channel_id, flt.channel_id), (c.tier_id, flt.tier_id), (c.language, flt.language)):
        if value is not None:
            q = q.where(column == value)
    if flt.since:
        q = q.where(c.received_at >= _midnight(flt.since))
    if flt.until:
        q = q.where(c.received_at < _midnight(flt.until))
    rows = session.execute(q.order_by(c.id)).all()
    names = {m: names_in(session, m, lang) for m in (Unit, Channel, Tier)}
    utc = pa.timestamp("us", tz="UTC")
    columns = {
        "id": pa.array([r.id for r in rows], pa.int64()),
        "unit": pa.array([names[Unit].get(r.unit_id) for r in rows], pa.string()),
        "channel": pa.array([names[Channel].get(r.channel_id) for r in rows], pa.string()),
        "tier": pa.array([names[Tier].get(r.tier_id) for r in rows], pa.string()),
        "product": pa.array([r.product or None for r in rows], pa.string()),
        "dimension": pa.array([r.dimension or "unclassified" for r in rows], pa.string()),
        "status": pa.array([_STATUS.get(r.status, r.status) for r in rows], pa.string()),
        "customer_key": pa.array([r.customer_key for r in rows], pa.string()),
    }
    columns.update({name: pa.array([getattr(r, name) for r in rows], utc) for name in _TIMES})
    return pa.table(columns)


def results(session: Session, user: User, flt: dataset.Filter, *, now: dt.datetime, lang: str = "en",
            timezone: str = "UTC", spikes: str = "poisson") -> dict:
    """``{"schema_version", "servq_version", "generated_at", "source", "complaints": block}``.

    The customers of the units in the filter that have a customer base give the rates; the
    stored operational metrics (of the regions named as a unit in the filter, when the
    filter or the user's role limits the units) give the lagged correlations. Units, channels
    and tiers are named in ``lang``; so are the customers and operational metrics of a unit,
    which are kept by its base name."""
    complaints = table(session, user, flt, lang)
    units = dataset.visible_units(session, user, flt)
    shown = _shown_names(session, lang)
    customers: dict[str, float] = {}
    for name, n in complaint_context.customers_of(session, units).items():
        name = shown.get(_key(name), name)
        customers[name] = customers.get(name, 0.0) + n
    names = None if units is None else set(session.scalars(select(Unit.name).where(Unit.id.in_(units))))
    operations = _renamed_regions(complaint_context.operations_table(session, names), shown)
    block = complaints_block(complaints, customers=customers or None, operations=operations, now=now, lang=lang,
                             timezone=timezone, spikes=spikes)
    return {"schema_version": SCHEMA_VERSION, "servq_version": __version__,
            "generated_at": now.isoformat(timespec="seconds"),
            "source": {"file": "servq", "rows": complaints.num_rows}, "complaints": block}


def _key(name: str) -> str:
    return name.strip().casefold()  # how units and operational regions are matched (complaints.analytics)


def _shown_names(session: Session, lang: str) -> dict[str, str]:
    """A unit's base name (trimmed, ignoring case) → its name in ``lang``."""
    out: dict[str, str] = {}
    for name, labels in session.execute(select(Unit.name, Unit.labels).order_by(Unit.id)):
        out.setdefault(_key(name), (labels or {}).get(lang) or name)
    return out


def _renamed_regions(operations: pa.Table | None, shown: dict[str, str]) -> pa.Table | None:
    """``operations`` with each region that is a unit's base name given the unit's name in
    the report's language, so that it still meets the unit's complaints."""
    if operations is None:
        return None
    regions = [shown.get(_key(r), r) for r in operations.column("region").to_pylist()]
    index = operations.schema.get_field_index("region")
    return operations.set_column(index, operations.schema.field(index), pa.array(regions, pa.string()))


def _midnight(d: dt.date) -> dt.datetime:
    return dt.datetime(d.year, d.month, d.day, tzinfo=dt.UTC)
