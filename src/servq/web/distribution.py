"""Getting a survey to respondents: public links per unit (and channel), QR codes to print
at the counter, an iframe snippet to embed the survey in a page, and single-use
invitation links made from an uploaded CSV of invitees.

Invitation tokens are random (256 bits) and shown once, in the CSV returned by the upload;
the database keeps only their SHA-256, and the invitees' e-mail addresses and names in the
separate ``contacts`` table.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html import escape
from urllib.parse import urlencode

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import DataError, Problem, UsageError
from ..io.cells import neutral_row
from ..store.models import Contact, Invitation, Survey, Tier, User
from .accounts import audit, normalise_email
from .languages import Msg
from .params import text_problem
from .security import new_token, token_hash

MAX_INVITEES = 100_000
INVITE_COLUMNS = ("email", "name", "unit", "language", "tier", "channel")
LIMITS = {"email": Contact.email.type.length, "name": Contact.name.type.length}  # characters


def public_url(base: str, survey: Survey, unit_id: int, channel_id: int | None = None) -> str:
    query = urlencode({"c": channel_id}) if channel_id else ""
    return f"{base.rstrip('/')}/s/{survey.slug}/u/{unit_id}" + (f"?{query}" if query else "")


def qr_code(url: str, kind: str) -> bytes:
    """The QR code of ``url`` as ``png`` or ``svg`` (error correction M: survives a smudge)."""
    import segno

    out = io.BytesIO()
    code = segno.make(url, error="m")
    if kind == "svg":
        code.save(out, kind="svg", scale=8, border=4, xmldecl=False, title=url)
    else:
        code.save(out, kind="png", scale=10, border=4)
    return out.getvalue()


def embed_snippet(url: str, title: str) -> str:
    return f'<iframe src="{escape(url)}" title="{escape(title)}" width="100%" height="900" style="border:0"></iframe>'


def import_invitations(session: Session, survey: Survey, data: bytes, filename: str, base: str, days: int,
                       actor: User, rows: tuple[int, int | None] = (1, None)) -> str:
    """Create one invitation per CSV row; returns the CSV of invitees with their links.

    Columns: ``email`` (required), ``name``, ``unit`` (id or name of a unit the survey
    covers; may be left out when it covers one), ``language``, ``tier``, ``channel``. Every
    problem is reported with its row and column, and then nothing is created. ``rows``: the
    spreadsheet rows of the column names and of the first invitee (None: the next row).
    """
    if not 1 <= days <= 366:
        raise DataError(Msg("msg.invite.days", file=filename), [])
    header, people = read_csv(data, filename, *rows)
    problems: list[Problem] = []
    if "email" not in header:
        problems.append(Problem(Msg("msg.invite.no_email_column"), file=filename, row=rows[0]))
    unknown = [h for h in header if h not in INVITE_COLUMNS]
    if unknown:
        problems.append(Problem(Msg("msg.invite.unknown_columns", len(unknown), columns=", ".join(unknown),
                                    known=", ".join(INVITE_COLUMNS)), file=filename, row=rows[0]))
    if len(people) > MAX_INVITEES:
        problems.append(Problem(Msg("msg.invite.too_many", most=MAX_INVITEES, got=len(people)), file=filename))
    if problems:
        raise DataError(Msg("msg.invite.not_a_list", file=filename), problems)

    # a unit, tier or channel by its id or its name
    units, tiers, channels = (by_id_or_name(known) for known in (survey.units, session.scalars(select(Tier)),
                                                                  survey.channels))
    planned = []
    for entry in contact_rows(header, people, filename, problems, LIMITS, "msg.invite.twice"):
        row, bad, email = entry.values, entry.bad, entry.email
        unit_text = row.get("unit", "")
        unit = units.get(unit_text.lower()) if unit_text else (survey.units[0] if len(survey.units) == 1 else None)
        if unit is None:
            bad("unit", Msg("msg.invite.unit_not_covered" if unit_text else "msg.invite.which_unit"))
        lang = row.get("language") or None
        if lang and lang not in survey.languages:
            bad("language", Msg("msg.invite.language", known=", ".join(survey.languages)))
        tier = tiers.get(row.get("tier", "").lower()) if row.get("tier") else None
        if row.get("tier") and tier is None:
            bad("tier", Msg("msg.invite.tier"))
        channel = channels.get(row.get("channel", "").lower()) if row.get("channel") else None
        if row.get("channel") and channel is None:
            bad("channel", Msg("msg.invite.channel"))
        planned.append((email, row.get("name", ""), unit, lang, tier, channel))
    if problems:
        raise DataError(Msg("msg.invite.refused", len(problems), file=filename), problems)

    expires = datetime.now(UTC) + timedelta(days=days)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["email", "name", "unit", "language", "link", "expires"])
    for email, name, unit, lang, tier, channel in planned:
        token = new_token()
        inv = Invitation(token_hash=token_hash(token), survey_id=survey.id, unit_id=unit.id, language=lang,
                         tier_id=tier.id if tier else None, channel_id=channel.id if channel else None,
                         expires_at=expires)
        session.add(inv)
        session.flush()
        session.add(Contact(invitation_id=inv.id, email=email, name=name))
        writer.writerow(neutral_row([email, name, unit.name, lang or "", f"{base.rstrip('/')}/i/{token}",
                                     expires.strftime("%Y-%m-%d")]))
    audit(session, actor, "invitations.create", survey.title, {"survey_id": survey.id, "count": len(planned),
                                                              "days": days})
    return out.getvalue()


@dataclass(frozen=True)
class ContactRow:
    """One row of an uploaded list of people: its cells (stripped), its normalised e-mail
    address (None when missing or invalid, already reported) and ``bad(column, message)``,
    which reports a problem in one of its cells."""

    number: int
    values: dict[str, str]
    email: str | None
    bad: Callable[[str, Msg | str], None]


def contact_rows(header: list[str], rows: list[tuple[int, list[str]]], filename: str, problems: list[Problem],
                 limits: dict[str, int | None], twice: str) -> Iterator[ContactRow]:
    """The rows of an uploaded invitee or customer list that have as many cells as the
    header, each with its length-checked cells and its e-mail address checked and seen once
    (``twice``: the message for a repeated address); every problem goes to ``problems``."""
    seen: dict[str, int] = {}
    for i, values in rows:
        if len(values) != len(header):
            problems.append(Problem(Msg("msg.invite.values", len(values), columns=Msg("msg.invite.columns", len(header))),
                                    file=filename, row=i))
            continue
        row = dict(zip(header, (v.strip() for v in values)))

        # the defaults bind this row and its number
        def bad(column: str, message: Msg | str, *, row=row, i=i) -> None:
            value = row.get(column)
            shown = value if value is None or len(value) <= 40 else value[:40] + "…"
            problems.append(Problem(message, file=filename, row=i, column=column, value=shown))

        for column, value in row.items():
            if wrong := text_problem(value, limits.get(column)):
                bad(column, wrong)
        email: str | None
        try:
            email = normalise_email(row.get("email", ""))
        except UsageError:
            bad("email", Msg("msg.invite.not_email"))
            email = None
        if email and email in seen:
            bad("email", Msg(twice, row=seen[email]))
        elif email:
            seen[email] = i
        yield ContactRow(i, row, email, bad)


def by_id_or_name(rows) -> dict:
    """Rows by their id (as text) and by their name in lower case."""
    rows = list(rows)
    return {str(r.id): r for r in rows} | {r.name.lower(): r for r in rows}


def read_csv(data: bytes, filename: str, header_row: int = 1,
             first_row: int | None = None) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header (stripped, lower case) on spreadsheet row ``header_row`` and the rows from
    ``first_row`` (default: the row below it) with their spreadsheet numbers, as a
    spreadsheet counts them (an empty line is a row, a value with line breaks one; blank
    rows are left out) of a CSV file; a file that is not UTF-8 CSV text, or has no such
    header row, is a DataError saying so."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(Msg("msg.file_not_utf8", file=filename), [Problem(
            Msg("msg.invite.byte", byte=exc.start + 1), file=filename)]) from None
    if "\x00" in text:
        raise DataError(Msg("msg.invite.not_csv", file=filename), [Problem(Msg("msg.invite.nul"), file=filename)])
    lines = text.splitlines()
    reader = csv.reader(io.StringIO(text), dialect=_dialect(lines[header_row - 1] if len(lines) >= header_row else ""))
    try:
        records = list(reader)
    except csv.Error as exc:
        raise DataError(Msg("msg.invite.not_csv", file=filename),
                        [Problem(str(exc), file=filename, line=reader.line_num)]) from None
    first = header_row + 1 if first_row is None else first_row
    if len(records) < header_row or not any(v.strip() for v in records[header_row - 1]):
        if not any(records):
            return [], []
        raise DataError(Msg("msg.invite.not_a_list", file=filename),
                        [Problem(Msg("msg.rows.no_names", row=header_row), file=filename, row=header_row)])
    header = [h.strip().lower() for h in records[header_row - 1]]
    return header, [(i, values) for i, values in enumerate(records[first - 1:], start=first) if any(values)]


def _dialect(names: str):
    try:
        return csv.Sniffer().sniff(names or "email", delimiters=",;\t")
    except csv.Error:
        return csv.excel


