"""The edge of the web platform: the typed, bounded parameters of every route, the one
error that names wrong values, and the body of the API's errors.

Every value a request brings is checked before a route uses it:

* an id is a whole number from 1 to 2**31 - 1 (the databases' INTEGER: PostgreSQL refuses
  more, with an error instead of "not found");
* digits are ASCII digits (``"²".isdigit()`` is true, yet ``int("²")`` fails);
* a text is at most as long as its column and holds no control character (PostgreSQL
  refuses NUL in text), C1 and bidirectional controls included; a multi-line text may hold
  tabs and line breaks;
* a report's language is one of the report's languages;
* a date or time of a filter lies in the years 1900 to 9999 once converted to UTC.

A wrong value is a 422 that names the parameter: FastAPI's validation error for typed
parameters, :class:`FieldErrors` from code that checks values itself. The app answers both
in one place (``app.py``): the API with an :class:`ApiError` body, the pages with the error
page.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Annotated, Literal

from annotated_types import Interval
from fastapi import HTTPException
from pydantic import AfterValidator, BaseModel, StringConstraints, WithJsonSchema

from ..errors import UsageError
from ..io.writers import FORMATS
from ..report.i18n import LANGUAGES

MAX_ID = 2**31 - 1
YEARS = (1900, 9999)

Id = Annotated[int, Interval(ge=1, le=MAX_ID)]
"""A row's id, in a path, a query or a form."""

Lang = Literal[LANGUAGES]  # type: ignore[valid-type]
"""The language of a report."""

DataFormat = Literal[FORMATS]  # type: ignore[valid-type]
"""The format of a data file (the responses as CSV, XLSX, Parquet or SPSS .sav)."""

# C0 and C1 controls and DEL; the bidirectional embeddings, overrides and isolates, which make
# a text read otherwise than it is stored ("Trojan Source"); lone surrogates (not UTF-8)
_CONTROLS = r"\x7f-\x9f\u202a-\u202e\u2066-\u2069"
_CONTROL = re.compile(f"[\x00-\x1f{_CONTROLS}\ud800-\udfff]")
_CONTROL_MULTILINE = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f{_CONTROLS}\ud800-\udfff]")  # but tab, CR, LF


def text_problem(value: str, limit: int | None = None, *, multiline: bool = False) -> str | None:
    """What is wrong with ``value`` as a text of at most ``limit`` characters, or None."""
    if limit is not None and len(value) > limit:
        return f"at most {limit} characters, got {len(value)}"
    at = first_control(value, multiline=multiline)
    if at is not None:
        what = "a lone surrogate (no Unicode text)" if value[at] >= "\ud800" else "a control character"
        return f"{what} ({value[at]!r}) at character {at + 1} is not allowed"
    return None


def first_control(value: str, *, multiline: bool = False) -> int | None:
    """Where the first character that no text may hold is in ``value`` (None: nowhere)."""
    found = (_CONTROL_MULTILINE if multiline else _CONTROL).search(value)
    return found.start() if found else None


def Text(limit, *, multiline: bool = False, required: bool = False):
    """The type of a text parameter (a type, hence the capital, as pydantic's ``constr``) of
    at most ``limit`` characters: a number, or a column whose length it takes
    (``Text(Unit.name)``); ``required``: not blank either. Its JSON schema says all of it (a
    pattern without control characters)."""
    length = limit if isinstance(limit, int) else limit.type.length

    def check(value: str) -> str:
        problem = text_problem(value, multiline=multiline) or (
            "must not be blank" if required and not value.strip() else None)
        if problem:
            raise ValueError(problem)
        return value

    char = rf"[^\x00-\x08\x0b\x0c\x0e-\x1f{_CONTROLS}]" if multiline else rf"[^\x00-\x1f{_CONTROLS}]"
    pattern = rf"^{char}*[^\x00-\x1f\s]{char}*$" if required else rf"^{char}*$"
    schema = {"type": "string", "maxLength": length, "pattern": pattern} | ({"minLength": 1} if required else {})
    return Annotated[str, StringConstraints(max_length=length), AfterValidator(check), WithJsonSchema(schema)]


Word = Text(50)
"""A short word of a query or a form (a format, a segment, a number as typed), which the
code that reads it checks further."""


def quoted(raw: str, limit: int = 40) -> str:
    """``raw`` quoted for a message, cut to ``limit`` characters."""
    return repr(raw if len(raw) <= limit else raw[:limit] + "…")


def number(raw: str) -> int | None:
    """``raw`` (stripped) as a whole number when it is ASCII digits only, else None."""
    raw = raw.strip()
    return int(raw) if raw.isascii() and raw.isdigit() else None


def integer(raw: str) -> int | None:
    """``raw`` (stripped) as a whole number, perhaps negative, when it is at most 18 ASCII
    digits after at most a ``-``, else None (``int()`` would also take ``"٣"``, ``"７"``,
    ``"+3"`` and ``"1_0"``).

    >>> integer("-3"), integer(" 7 "), integer("٣"), integer("７"), integer("+3"), integer("1_0"), integer("--5")
    (-3, 7, None, None, None, None, None)
    """
    raw = raw.strip()
    return int(raw) if re.fullmatch(r"-?[0-9]{1,18}", raw, re.ASCII) else None


def row_id(raw: str) -> int | None:
    """``raw`` as an id (see :data:`Id`), else None.

    >>> row_id("42"), row_id("²"), row_id("99999999999999999999"), row_id("-1")
    (42, None, None, None)
    """
    value = number(raw)
    return value if value is not None and 1 <= value <= MAX_ID else None


def is_token(value: str) -> bool:
    """Whether ``value`` may be a random key of a form or a link (``security.new_token``)."""
    return re.fullmatch(r"[A-Za-z0-9_-]{20,64}", value, re.ASCII) is not None


def day(raw: str) -> date:
    """An ISO date (2026-03-31) in :data:`YEARS`; ValueError saying what is wrong."""
    try:
        value = date.fromisoformat(raw.strip())
    except ValueError:
        raise ValueError(f"must be a date like 2026-03-31, got {quoted(raw)}") from None
    return _in_years(value, raw)


def instant(raw: str) -> datetime:
    """An ISO date or date-time (UTC when it has no time zone), as UTC, in :data:`YEARS`;
    ValueError saying what is wrong.

    >>> instant("2026-03-31T08:00:00+01:00")
    datetime.datetime(2026, 3, 31, 7, 0, tzinfo=datetime.timezone.utc)
    >>> instant("0001-01-01T00:00:00+14:00")
    Traceback (most recent call last):
    ValueError: must lie between the years 1900 and 9999 (in UTC), got '0001-01-01T00:00:00+14:00'
    """
    try:
        value = datetime.fromisoformat(raw.strip())
    except ValueError:
        raise ValueError(f"must be a date like 2026-03-31 or a time like 2026-03-31T08:00:00+01:00, "
                         f"got {quoted(raw)}") from None
    try:
        value = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    except OverflowError:  # beyond year 1 or 9999 in UTC
        raise ValueError(_years(raw)) from None
    return _in_years(value, raw)


def _in_years(value, raw: str):
    if not YEARS[0] <= value.year <= YEARS[1]:
        raise ValueError(_years(raw))
    return value


def _years(raw: str) -> str:
    return f"must lie between the years {YEARS[0]} and {YEARS[1]} (in UTC), got {quoted(raw)}"


class FieldErrors(UsageError, HTTPException):
    """Wrong values, by the name of their field or parameter: a UsageError for the code
    that checks them, and a 422 for a route that lets it pass (the app's error handler
    names each field, in the API's :class:`ApiError` too)."""

    def __init__(self, errors: dict[str, str]):
        self.errors = dict(errors)
        text = "; ".join(f"{name}: {message}" for name, message in self.errors.items())
        HTTPException.__init__(self, status_code=422, detail=text)
        self.args = (text,)

    def __str__(self) -> str:
        return self.detail

    @classmethod
    def of_validation(cls, errors) -> FieldErrors:
        """FastAPI's validation errors (``RequestValidationError.errors()``), each under the
        name the request gives its field (``since``, ``contact.email``, ``by.0``; ``body``
        for a body that is missing or not JSON)."""
        found: dict[str, str] = {}
        for e in errors:
            where = e["loc"][1:] if len(e["loc"]) > 1 and e["type"] != "json_invalid" else e["loc"][:1]
            found.setdefault(".".join(map(str, where)), e["msg"].removeprefix("Value error, "))
        return cls(found)


# --------------------------------------------------------------------------- the API's errors


class FieldError(BaseModel):
    """One wrong field or parameter: its name as the request gives it, and what is wrong."""

    field: str
    message: str


class ApiError(BaseModel):
    """Every error of the API: ``detail`` says what is wrong; ``errors`` names each wrong
    field or parameter (empty when the error is not about one)."""

    detail: str
    errors: list[FieldError] = []


_STATUS = {400: "The request body cannot be read.", 401: "No valid API token.",
           404: "Not found (or not visible to this token).", 413: "The request body is too large.",
           422: "A parameter or field is wrong; each is named.",
           503: "The server is busy; try again after Retry-After seconds."}


def error_responses(*statuses: int) -> dict:
    """The OpenAPI ``responses`` of these error statuses (all with :class:`ApiError`)."""
    return {status: {"model": ApiError, "description": _STATUS[status]} for status in statuses}
