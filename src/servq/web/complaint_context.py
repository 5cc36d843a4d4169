"""What the platform knows beside its complaints, for their analytics: the customer base
of each unit (complaint rates per 1,000 customers) and operational metrics — a daily
series per region and metric, uploaded as the command line reads them
(:func:`servq.complaints.operations.read_operations`) — set beside the complaint volume of
the unit of the same name (lagged correlation)."""

from __future__ import annotations

import dataclasses
import re
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path

import pyarrow as pa
from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from ..complaints.operations import SCHEMA, read_operations
from ..errors import DataError, Problem, UsageError
from ..io.readers import unpacked_size
from ..store.models import OperationalMetric, Unit, User
from .accounts import audit
from .languages import Msg
from .params import text_problem

MAX_UPLOAD = 20_000_000  # bytes of an operational-metrics file
MAX_UNPACKED = 50_000_000  # bytes an uploaded XLSX workbook may unpack to (a "zip bomb" is refused unread)
MAX_CUSTOMERS = 2_147_483_647  # the largest integer every database stores
UPLOAD_TYPES = (".csv", ".txt", ".xlsx")
_NAME = 200  # characters of a region or metric (the columns' length)


def set_customers(session: Session, unit: Unit, raw: str, actor: User | None) -> int | None:
    """Set the customer base of ``unit`` from a form field: a whole number ≥ 0 (spaces
    between digit groups allowed), or blank when it is not known."""
    text = re.sub(r"[\s_\u00a0\u202f]", "", raw or "")
    if not text:
        value = None
    elif re.fullmatch(r"\d+", text, re.ASCII) and int(text) <= MAX_CUSTOMERS:
        value = int(text)
    else:
        raise UsageError(Msg("msg.customers", unit=unit.name, got=repr(raw.strip())))
    before, unit.customers = unit.customers, value
    audit(session, actor, "unit.customers", f"{unit.kind} {unit.name}",
          {"id": unit.id, "customers": value, "before": before})
    return value


def customers_of(session: Session, unit_ids: set[int] | None) -> dict[str, float]:
    """Customers per unit name of the units ``unit_ids`` (None: every unit) that have a
    customer base above 0 (units of the same name are added up, as their complaints are)."""
    q = select(Unit.name, Unit.customers).where(Unit.customers.is_not(None), Unit.customers > 0)
    if unit_ids is not None:
        q = q.where(Unit.id.in_(unit_ids))
    out: dict[str, float] = {}
    for name, n in session.execute(q):
        out[name] = out.get(name, 0.0) + float(n)
    return out


def read_upload(data: bytes, filename: str, rows: tuple[int, int | None] = (1, None)) -> pa.Table:
    """The operational metrics of an uploaded CSV or XLSX file, validated as the command
    line does; every problem is named with its row and column (and the uploaded file's name).
    ``rows``: the spreadsheet rows of the column names and of the first row of data (None:
    the next row), as ``--header-row`` and ``--first-row``."""
    name = Path(filename or "upload").name
    suffix = Path(name).suffix.lower()
    if suffix not in UPLOAD_TYPES:
        raise DataError(Msg("msg.operations.type", file=name), [])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"operations{suffix}"
        path.write_bytes(data)
        if suffix == ".xlsx" and (unpacked_size(path) or 0) > MAX_UNPACKED:
            raise DataError(Msg("msg.operations.unpacked", file=name, size=f"{MAX_UNPACKED // 1_000_000} MB"), [])
        try:
            table = read_operations(path, header_row=rows[0], first_row=rows[1])
        except DataError as exc:  # named by the upload's name, not the server's temporary file
            raise DataError(Msg("msg.operations.refused", exc.total, file=name),
                            [dataclasses.replace(p, file=name, message=_named(p.message, path, name))
                             for p in exc.problems], exc.total) from None
        except UsageError as exc:  # a file the readers cannot open
            raise DataError(Msg("msg.operations.unreadable", file=name, reason=_named(str(exc), path, name)),
                            []) from None
    first = rows[0] + 1 if rows[1] is None else rows[1]
    problems = [Problem(Msg("msg.operations.long", most=_NAME) if len(text) > _NAME else wrong, file=name,
                        row=first + i, column=col, value=text[:40] + "…" if len(text) > 40 else text)
                for col in ("region", "metric") for i, text in enumerate(table.column(col).to_pylist())
                if (wrong := text_problem(text, _NAME))]
    if problems:
        problems.sort(key=lambda p: p.row)
        raise DataError(Msg("msg.operations.refused", len(problems), file=name),
                        problems[:50], len(problems))
    return table


def _named(message, path: Path, name: str):
    """``message`` naming the upload ``name`` where it named the temporary file ``path``."""
    return message.replace(str(path), name) if str(path) in message else message


def import_operations(session: Session, table: pa.Table, filename: str, actor: User | None) -> dict:
    """Store the rows of ``table`` (as :func:`read_upload` returns): a row replaces the
    stored one of the same day, region and metric. Returns the counts, for the audit log."""
    rows = table.to_pylist()
    regions = {r["region"] for r in rows}
    metrics = {r["metric"] for r in rows}
    keys = {(r["date"], r["region"], r["metric"]) for r in rows}
    om = OperationalMetric
    stored = session.execute(select(om.id, om.day, om.region, om.metric)
                             .where(om.region.in_(regions), om.metric.in_(metrics))).all()
    replaced = [s.id for s in stored if (s.day, s.region, s.metric) in keys]
    for i in range(0, len(replaced), 500):
        session.execute(delete(om).where(om.id.in_(replaced[i:i + 500])))
    now = datetime.now(UTC)
    for i in range(0, len(rows), 5000):
        session.execute(insert(om), [{"day": r["date"], "region": r["region"], "metric": r["metric"],
                                      "value": r["value"], "uploaded_at": now} for r in rows[i:i + 5000]])
    counts = {"rows": len(rows), "replaced": len(replaced),
              "series": len({(r["region"], r["metric"]) for r in rows})}
    audit(session, actor, "operations.upload", Path(filename or "upload").name[:200], counts)
    return counts


def delete_operations(session: Session, actor: User | None) -> int:
    """Delete every stored operational metric; returns the number of rows."""
    n = session.execute(delete(OperationalMetric)).rowcount or 0
    audit(session, actor, "operations.delete", "operational metrics", {"rows": n})
    return n


def summary(session: Session) -> dict:
    """``{"series", "rows", "first_day", "last_day"}`` of the stored operational metrics."""
    om = OperationalMetric
    pairs = select(om.region, om.metric).distinct().subquery()
    series = session.scalar(select(func.count()).select_from(pairs)) or 0
    rows, first, last = session.execute(select(func.count(), func.min(om.day), func.max(om.day))).one()
    return {"series": int(series), "rows": int(rows or 0), "first_day": first, "last_day": last}


def operations_table(session: Session, unit_names: set[str] | None = None) -> pa.Table | None:
    """The stored metrics as an Arrow table (date, region, metric, value), or None when
    there are none. With ``unit_names``, only the regions named as one of those units
    (trimmed, ignoring case, as the analytics match them): a filter shows no other region."""
    om = OperationalMetric
    q = select(om.day, om.region, om.metric, om.value).order_by(om.region, om.metric, om.day)
    if unit_names is not None:
        wanted = {n.strip().casefold() for n in unit_names}
        regions = [r for r in session.scalars(select(om.region).distinct()) if r.strip().casefold() in wanted]
        if not regions:
            return None
        q = q.where(om.region.in_(regions))
    rows = session.execute(q).all()
    if not rows:
        return None
    return pa.table([pa.array([_day(r.day) for r in rows], pa.date32()),
                     pa.array([r.region for r in rows], pa.string()),
                     pa.array([r.metric for r in rows], pa.string()),
                     pa.array([r.value for r in rows], pa.float64())], schema=SCHEMA)


def _day(value) -> date:
    return value.date() if isinstance(value, datetime) else value
