"""What the dashboard and the API show: ``servq.analyze`` on the responses of the current
filter (the same numbers as the command line), and the data as a file.

Both read one instrument version (the filter's, else the survey's current one: see
versions.py). A survey asked in one version is analysed from the cells in the database
(tallies.py); one edited after its first responses (several versions), or with "show if"
conditions, from the rows of the version asked for, until the cells are kept per version
and count a question not asked apart from a blank one."""

from __future__ import annotations

import tempfile
from collections import Counter
from datetime import UTC, date, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from ..analysis import Results, analyze
from ..errors import UsageError
from ..io.writers import FORMATS, write_table
from ..store.models import Response, Survey, User
from . import dataset
from .surveys import instrument_of
from .tallies import TallyStore
from .versions import instrument_at

MIN_N = 5  # segments with fewer respondents are suppressed, as in `servq analyze`
BY_DEFAULT = ("unit", "channel")  # the break-down of the dashboard's report, and of the managers' reports
MEDIA = {"csv": "text/csv; charset=utf-8", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         "parquet": "application/vnd.apache.parquet", "sav": "application/x-spss-sav"}


def results(store: TallyStore, session: Session, survey: Survey, user: User, flt: dataset.Filter, *,
            by: list[str] | None = None, lang: str = "en", quality: bool = True) -> Results | None:
    """The analysis of the filtered responses, or None when there are none (from the
    process's tallies of the survey: see tallies.py)."""
    unknown = [b for b in by or [] if b not in dataset.SEGMENTS]
    if unknown:
        raise UsageError(f"cannot break down by {', '.join(unknown)} (choose from {', '.join(dataset.SEGMENTS)})")
    inst = instrument_at(session, survey, flt.version)
    # the cells hold every response of the survey together, and count an item not asked
    # (show_if) as blank: until they are kept per version and know conditions, those read rows
    if survey.instrument_version > 1 or any(it.show_if for it in inst.items):
        table = dataset.table(session, survey, inst, user, flt)
        if table.num_rows == 0:
            return None
        return analyze(table, inst, by=list(by or []), lang=lang, min_n=MIN_N, quality=quality)
    tallies = store.of(survey, inst)
    return tallies.results(session, flt, dataset.visible_units(session, user, flt), list(by or []), lang=lang,
                           min_n=MIN_N, quality=quality)


def daily_counts(store: TallyStore, session: Session, survey: Survey, user: User,
                 flt: dataset.Filter) -> list[tuple[date, int]]:
    """Responses per UTC day of the filter, every day from the first to the last."""
    if survey.instrument_version > 1:  # the tallies count every version's responses together
        at = session.scalars(dataset.responses_query(survey, user, flt).with_only_columns(Response.submitted_at))
        counts = Counter(when.astimezone(UTC).date() for when in at)
        if not counts:
            return []
        first = min(counts)
        return [(first + timedelta(days=d), counts[first + timedelta(days=d)])
                for d in range((max(counts) - first).days + 1)]
    return store.of(survey, instrument_of(survey)).daily_counts(session, flt, dataset.visible_units(session, user, flt))


def data_file(session: Session, survey: Survey, user: User, flt: dataset.Filter, fmt: str) -> bytes:
    """The filtered responses as a CSV, XLSX, Parquet or SPSS file."""
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r} (choose from {', '.join(FORMATS)})")
    table = dataset.table(session, survey, instrument_at(session, survey, flt.version), user, flt)
    with tempfile.TemporaryDirectory() as folder:
        path = write_table(table, Path(folder) / f"responses.{fmt}")
        return path.read_bytes()
