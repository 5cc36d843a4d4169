"""Complaints imported from a file (CSV, XLSX or Parquet: ``servq complaints import``).

One row per complaint; columns (names compared ignoring case and surrounding spaces):

=========  ==========================================================  ========
column     meaning                                                     required
=========  ==========================================================  ========
text       the complaint                                               yes
unit       the unit's id or name                                       yes
date       when it was received: 2026-03-02, 2026-03-02 14:05 or       yes
           2026-03-02T14:05:00+01:00 (a time without a zone is read
           in ``--timezone``, default UTC)
channel    a channel's name or id                                      no
tier       a customer tier's name or id                                no
product    product or service, text                                    no
email      the complainant's e-mail address                            no
phone      the complainant's phone number                              no
name       the complainant's name                                      no
consent    yes/no: the complainant agreed to be contacted              no
key        your id of the complaint (default: date, unit and text)     no
=========  ==========================================================  ========

Every problem is reported with its spreadsheet row (the header is row 1 unless
``header_row`` says otherwise; ``first_row`` skips rows below it), column and value, all at
once, and then nothing is imported; with ``skip_invalid`` the valid rows are imported and
the skipped rows reported with their problems. A complaint already imported (the same
key) is not imported again, so a file may be imported twice.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import DataError, Problem, UsageError
from ..io.readers import open_source
from ..store.models import Channel, Tier, Unit, User
from . import complaints
from .accounts import audit

COLUMNS = ("text", "unit", "date", "channel", "tier", "product", "email", "phone", "name", "consent", "key")
REQUIRED = ("text", "unit", "date")
YES = ("yes", "y", "true", "1", "ja", "j", "是")
NO = ("no", "n", "false", "0", "nej", "否", "")


@dataclass(frozen=True)
class ImportResult:
    """``imported`` new complaints, ``already`` there before (same key), ``skipped`` rows
    with their problems (only with ``skip_invalid``)."""

    imported: int
    already: int
    skipped_rows: int
    skipped: tuple[Problem, ...]


@dataclass(frozen=True)
class ImportPlan:
    """A checked file: the complaints to store (classified) and the problems of the rows
    that will be skipped."""

    file: str
    planned: tuple[tuple[complaints.NewComplaint, str | None, dict], ...]
    bad_rows: int
    problems: tuple[Problem, ...]


def import_complaints(session: Session, path: str | Path, *, skip_invalid: bool = False, timezone: str = "UTC",
                      sheet: str | None = None, encoding: str | None = None, now: datetime, actor: User | None = None,
                      bounds: complaints.DateBounds = complaints.DateBounds(), header_row: int = 1,
                      first_row: int | None = None) -> ImportResult:
    """Check every row of ``path`` and store its complaints (classified, with SLA due times).

    Raises :class:`~servq.errors.DataError` listing every problem (file, row, column,
    value) when a row is invalid and ``skip_invalid`` is False, or when the file itself is
    not a complaints file; nothing is stored then. (:func:`check_file` then
    :func:`store_plan`, in one session.)"""
    plan = check_file(session, path, skip_invalid=skip_invalid, timezone=timezone, sheet=sheet, encoding=encoding,
                      now=now, bounds=bounds, header_row=header_row, first_row=first_row)
    return store_plan(session, plan, actor)


def check_file(session: Session, path: str | Path, *, skip_invalid: bool = False, timezone: str = "UTC",
               sheet: str | None = None, encoding: str | None = None, now: datetime,
               bounds: complaints.DateBounds = complaints.DateBounds(), header_row: int = 1,
               first_row: int | None = None) -> ImportPlan:
    """Read and check ``path`` (``encoding``: of a CSV file, default as the file shows; the
    column names on spreadsheet row ``header_row``, the complaints from ``first_row``, default
    the next) and classify its complaints; ``session`` only reads (units, channels, tiers), so the
    command holds no write lock meanwhile. A date outside ``bounds`` at ``now`` is a
    problem of its row. The complaint text is read as written ("NA" stays "NA")."""
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(f"--timezone: unknown time zone {timezone!r} (use an IANA name such as "
                         "Europe/Stockholm)") from None
    src = open_source(path, sheet=sheet, encoding=encoding, header_row=header_row, first_row=first_row)
    file = str(path)
    names = {c.strip().casefold(): c for c in src.columns}
    problems = [Problem(f"required column '{c}' is missing (the file needs {', '.join(REQUIRED)})", file=file,
                        row=src.header_row, column=c) for c in REQUIRED if c not in names]
    problems += [Problem(f"unknown column (known: {', '.join(COLUMNS)})", file=file, row=src.header_row, column=c)
                 for c in src.columns if c.strip().casefold() not in COLUMNS]
    if problems:
        raise DataError(f"{file}: not a complaints file; nothing was imported", problems)
    rows: list[dict] = []
    for table in src.chunks(list(names.values()), text=[names[c] for c in ("text",) if c in names]):
        columns = {key: table.column(col).to_pylist() for key, col in names.items()}
        rows += [{key: values[i] for key, values in columns.items()} for i in range(table.num_rows)]

    lookup = _Lookup(session)
    planned: list[tuple[complaints.NewComplaint, str | None]] = []
    bad_rows: set[int] = set()
    seen: dict[str, int] = {}
    for index, raw in enumerate(rows):
        row_no = index + src.first_row
        found: list[Problem] = []

        # called only within this iteration; the defaults bind this row's list and number
        def bad(column: str, message: str, value=None, *, found=found, row_no=row_no) -> None:
            found.append(Problem(message, file=file, row=row_no, column=column, value=value))

        new, tier_name = _check_row(raw, lookup, zone, bounds, now, bad)
        if new is not None and new.key in seen:
            bad("key" if raw.get("key") else "text",
                f"the same complaint as row {seen[new.key]} (same date, unit and text; give a key column to "
                "import both)" if not raw.get("key") else f"the same key as row {seen[new.key]}", raw.get("key"))
        if found:
            problems += found
            bad_rows.add(row_no)
        else:
            seen[new.key] = row_no
            planned.append((new, tier_name))
    if problems and not skip_invalid:
        raise DataError(f"{file}: {len(problems)} problem(s) in {len(bad_rows)} row(s); nothing was imported",
                        problems)
    classified = complaints.classify_texts([new.text for new, _ in planned])
    return ImportPlan(file, tuple((new, tier, found) for (new, tier), found in zip(planned, classified)),
                      len(bad_rows), tuple(problems))


def store_plan(session: Session, plan: ImportPlan, actor: User | None = None) -> ImportResult:
    """Store the complaints of a checked file (with their SLA due times), each once."""
    policies = complaints.load_policies(session)
    secret = complaints.salt(session)
    name = Path(plan.file).name
    imported = 0
    for new, tier_name, found in plan.planned:
        row = complaints.complaint_row(new, found, policies, tier_name, secret)
        imported += complaints.store(session, row, new.contact, {"file": name}, actor) is not None
    already = len(plan.planned) - imported
    audit(session, actor, "complaints.import", name,
          {"imported": imported, "already": already, "skipped_rows": plan.bad_rows})
    return ImportResult(imported, already, plan.bad_rows, plan.problems)


class _Lookup:
    """Units, channels and tiers by id and by name (ignoring case)."""

    def __init__(self, session: Session):
        self.units = self._index(session.scalars(select(Unit)))
        self.channels = self._index(session.scalars(select(Channel)))
        self.tiers = self._index(session.scalars(select(Tier)))

    @staticmethod
    def _index(rows) -> dict[str, list]:
        out: dict[str, list] = {}
        for r in rows:
            out.setdefault(str(r.id), []).append(r)
            out.setdefault(r.name.strip().casefold(), []).append(r)
        return out

    @staticmethod
    def find(index: dict[str, list], value: str, what: str, bad, column: str):
        found = index.get(value.strip().casefold(), [])
        if not found:
            bad(column, f"no {what} with this name or id", value)
            return None
        if len(found) > 1:
            bad(column, f"several {what}s have this name (ids {', '.join(str(r.id) for r in found)}): use the id",
                value)
            return None
        return found[0]


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _check_row(raw: dict, lookup: _Lookup, zone: ZoneInfo, bounds: complaints.DateBounds, now: datetime, report):
    """(the complaint, its tier's name) of a row, or (None, None); problems go to ``report``."""
    found = []

    def bad(*args) -> None:
        found.append(args)
        report(*args)

    text = _text(raw.get("text"))
    if not text:
        bad("text", "required: the complaint's text")
    elif len(text) > complaints.MAX_TEXT:
        bad("text", f"at most {complaints.MAX_TEXT} characters (this one has {len(text)})")
    unit_text = _text(raw.get("unit"))
    unit = lookup.find(lookup.units, unit_text, "unit", bad, "unit") if unit_text else None
    if not unit_text:
        bad("unit", "required: the unit's id or name")
    received = _date(raw.get("date"), zone, bounds, now, bad)
    channel = lookup.find(lookup.channels, _text(raw["channel"]), "channel", bad, "channel") \
        if _text(raw.get("channel")) else None
    tier = lookup.find(lookup.tiers, _text(raw["tier"]), "tier", bad, "tier") if _text(raw.get("tier")) else None
    product = _text(raw.get("product"))
    if len(product) > complaints.MAX_PRODUCT:
        bad("product", f"at most {complaints.MAX_PRODUCT} characters", product)
    contact, wrong = complaints.check_contact(_text(raw.get("name")), _text(raw.get("email")),
                                              _text(raw.get("phone")))
    for column, message in wrong.items():
        bad(column, message, _text(raw.get(column)))
    consent = _text(raw.get("consent")).casefold()
    if consent not in YES + NO:
        bad("consent", "yes or no", raw.get("consent"))
    contact.consent = consent in YES
    if found:
        return None, None
    given_key = _text(raw.get("key"))
    ident = f"key:{given_key}" if given_key else json.dumps(
        [received.isoformat(), unit.id, text, channel.id if channel else None, product, contact.email,
         contact.phone], ensure_ascii=False)
    key = "imp-" + hashlib.sha256(ident.encode()).hexdigest()[:60]
    new = complaints.NewComplaint(key=key, unit_id=unit.id, text=text, source="import", received_at=received,
                                  channel_id=channel.id if channel else None, tier_id=tier.id if tier else None,
                                  product=product, contact=None if contact.empty else contact)
    return new, tier.name if tier else None


def _date(value, zone: ZoneInfo, bounds: complaints.DateBounds, now: datetime, bad) -> datetime | None:
    if value is None or _text(value) == "":
        bad("date", "required: when the complaint was received (e.g. 2026-03-02 or 2026-03-02 14:05)")
        return None
    if isinstance(value, datetime):
        when = value
    else:
        try:
            when = datetime.fromisoformat(_text(value))
        except ValueError:
            bad("date", "not a date (use 2026-03-02, 2026-03-02 14:05 or 2026-03-02T14:05:00+01:00)", value)
            return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=zone)
    problem = bounds.problem(when, now)
    if problem:
        bad("date", problem)  # the message names the date
        return None
    return when
