"""The rows of an uploaded file of rows: the two optional fields of an upload form that mean
what the command line's ``--header-row N`` and ``--first-row M`` mean (docs/data.md): the
spreadsheet row of the column names (blank: 1) and of the first row of data (blank: the
row below the names). A wrong value is a :class:`~.params.FieldErrors` naming the field,
in the page's language, and the file is not read."""

from __future__ import annotations

from .languages import Msg
from .params import FieldErrors, number, quoted

LAST_ROW = 1_048_576  # a sheet's last row (Excel, LibreOffice)
FIELDS = ("header_row", "first_row")


def file_rows(header_row: str = "", first_row: str = "") -> tuple[int, int | None]:
    """(the row of the column names, the first row of data or None for the row below them)
    from the form's texts; FieldErrors naming each wrong one.

    >>> file_rows(), file_rows("3", ""), file_rows(" 1 ", "4")
    ((1, None), (3, None), (1, 4))
    >>> file_rows("0", "4")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    servq.web.params.FieldErrors: header_row: the row of the column names must be a whole number from 1 to 1048576 ...
    >>> file_rows("3", "3")
    Traceback (most recent call last):
    ...
    servq.web.params.FieldErrors: first_row: the first row of data (3) must be below the row of the column names (3): 4 or later
    """
    errors: dict[str, str] = {}
    header = _row(header_row, 1)
    first = _row(first_row, 2)
    if header_row.strip() and header is None:
        errors["header_row"] = Msg("msg.rows.header_row", most=LAST_ROW, got=quoted(header_row))
    if first_row.strip() and first is None:
        errors["first_row"] = Msg("msg.rows.first_row", most=LAST_ROW, got=quoted(first_row))
    if not errors and first is not None and first <= (header or 1):
        errors["first_row"] = Msg("msg.rows.below", first=first, header=header or 1, next=(header or 1) + 1)
    if errors:
        raise FieldErrors(errors)
    return header or 1, first


def _row(raw: str, lowest: int) -> int | None:
    value = number(raw)
    return value if value is not None and lowest <= value <= LAST_ROW else None


def row_values(header_row: str = "", first_row: str = "") -> dict[str, str]:
    """The two fields as typed, to show them again in the form (cut to a sane length)."""
    return {"header_row": header_row.strip()[:20], "first_row": first_row.strip()[:20]}
