"""What the dashboard and the API show: ``servq.analyze`` on the responses of the current
filter (the same numbers as the command line), and the data as a file."""

from __future__ import annotations

import tempfile
from pathlib import Path

from sqlalchemy.orm import Session

from ..analysis import analyze
from ..errors import UsageError
from ..io.writers import FORMATS, write_table
from ..results import Results
from . import dataset
from .models import Survey, User
from .surveys import instrument_of

MIN_N = 5  # segments with fewer respondents are suppressed, as in `servq analyze`
MEDIA = {"csv": "text/csv; charset=utf-8", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         "parquet": "application/vnd.apache.parquet", "sav": "application/x-spss-sav"}


def results(session: Session, survey: Survey, user: User, flt: dataset.Filter, *, by: list[str] | None = None,
            lang: str = "en", quality: bool = True) -> Results | None:
    """The analysis of the filtered responses, or None when there are none."""
    inst = instrument_of(survey)
    table = dataset.table(session, survey, inst, user, flt)
    if table.num_rows == 0:
        return None
    unknown = [b for b in by or [] if b not in dataset.SEGMENTS]
    if unknown:
        raise UsageError(f"cannot break down by {', '.join(unknown)} (choose from {', '.join(dataset.SEGMENTS)})")
    return analyze(table, inst, by=by or [], lang=lang, min_n=MIN_N, quality=quality)


def data_file(session: Session, survey: Survey, user: User, flt: dataset.Filter, fmt: str) -> bytes:
    """The filtered responses as a CSV, XLSX, Parquet or SPSS file."""
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r} (choose from {', '.join(FORMATS)})")
    table = dataset.table(session, survey, instrument_of(survey), user, flt)
    with tempfile.TemporaryDirectory() as folder:
        path = write_table(table, Path(folder) / f"responses.{fmt}")
        return path.read_bytes()
