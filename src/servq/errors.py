"""Typed errors for mistakes in users' input.

Every error a user can cause (a bad file, a bad instrument, a bad option) is a
:class:`ServqError`. The CLI prints its message and exits without a traceback; the
library lets it propagate so callers can catch it.
"""

from __future__ import annotations

from dataclasses import dataclass


class ServqError(Exception):
    """Base class for errors caused by the user's input, not by a bug in servq."""


@dataclass(frozen=True)
class Problem:
    """One problem in a user's file, with where it is.

    ``row`` is the file's own spreadsheet row: with the column names on row 1, the first
    answer row is row 2 (a file read with ``header_row``/``first_row`` keeps its rows).
    ``line`` is used for YAML files.
    """

    message: str
    file: str | None = None
    row: int | None = None
    column: str | None = None
    value: object = None
    line: int | None = None
    path: str | None = None

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(self.file)
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column}")
        if self.path:
            where.append(self.path)
        prefix = ", ".join(where)
        shown = "" if self.value is None else f" (value {self.value!r})"
        return f"{prefix}: {self.message}{shown}" if prefix else f"{self.message}{shown}"


class ProblemsError(ServqError):
    """Several problems found at once; ``problems`` holds them all (up to a limit)."""

    def __init__(self, summary: str, problems: list[Problem], total: int | None = None, hint: str | None = None):
        self.summary = summary
        self.problems = list(problems)
        self.total = len(self.problems) if total is None else total
        self.hint = hint  # what the problems suggest doing, when they suggest one thing
        super().__init__(self._text())

    def _text(self) -> str:
        lines = [self.summary]
        lines += [f"  {p}" for p in self.problems]
        hidden = self.total - len(self.problems)
        if hidden > 0:
            lines.append(f"  ... and {hidden} more problems not shown")
        if self.hint:
            lines.append(f"hint: {self.hint}")
        return "\n".join(lines)


class InstrumentError(ProblemsError):
    """An instrument definition (YAML) is invalid."""


class DataError(ProblemsError):
    """A data file does not match the instrument; no results are produced."""


class UsageError(ServqError):
    """An option or argument is wrong (unknown instrument, unknown column, bad format)."""


# the optional parts of servq (pyproject.toml's extras) by the modules only they install
EXTRAS = {module: "web" for module in ("fastapi", "starlette", "uvicorn", "sqlalchemy", "alembic", "psycopg",
                                       "argon2", "multipart", "python_multipart", "pydantic_settings",
                                       "itsdangerous", "segno", "croniter")} \
    | {"sklearn": "text", "pyspark": "spark", "py4j": "spark"}


def missing_extra(exc: ModuleNotFoundError) -> str | None:
    """The one-line message for ``exc`` when it is a module of an optional part of servq
    that is not installed (None for any other missing module)."""
    extra = EXTRAS.get((exc.name or "").split(".")[0])
    if extra is None:
        return None
    return (f"this needs servq's optional part '{extra}' ({exc.name} is not installed): "
            f"pip install 'servq[{extra}]'")
