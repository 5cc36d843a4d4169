"""What the dashboard and the API show: ``servq.analyze`` on the responses of the current
filter (the same numbers as the command line), and the data as a file.

Both read one instrument version (the filter's, else the survey's current one: see
versions.py). The analysis is summed from the cells in the database (tallies.py), which
are kept per instrument version and count an item not asked ("show if") apart from a
blank one, so a page reads no more than the cells and the responses of the days a filter
cuts, whatever the number of responses."""

from __future__ import annotations

import shutil
import tempfile
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session
from starlette.background import BackgroundTask
from starlette.responses import FileResponse

from ..analysis import Results
from ..errors import UsageError
from ..io.writers import FORMATS, write_batches
from ..store.models import Survey, User
from . import dataset
from .tallies import TallyStore
from .versions import instrument_at

MIN_N = 5  # segments with fewer respondents are suppressed, as in `servq analyze`
BY_DEFAULT = ("unit", "channel")  # the break-down of the dashboard's report, and of the managers' reports
MEDIA = {"csv": "text/csv; charset=utf-8", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         "parquet": "application/vnd.apache.parquet", "sav": "application/x-spss-sav"}


def results(store: TallyStore, session: Session, survey: Survey, user: User, flt: dataset.Filter, *,
            by: list[str] | None = None, lang: str = "en", quality: bool = True) -> Results | None:
    """The analysis of the filtered responses, or None when there are none (from the
    cells of the filter's version: see tallies.py)."""
    unknown = [b for b in by or [] if b not in dataset.SEGMENTS]
    if unknown:
        raise UsageError(f"cannot break down by {', '.join(unknown)} (choose from {', '.join(dataset.SEGMENTS)})")
    tallies = store.of(session, survey, flt.version)
    return tallies.results(session, flt, dataset.visible_units(session, user, flt), list(by or []), lang=lang,
                           min_n=MIN_N, quality=quality)


def daily_counts(store: TallyStore, session: Session, survey: Survey, user: User,
                 flt: dataset.Filter) -> list[tuple[date, int]]:
    """Responses per UTC day of the filter (of its version), every day from the first to the last."""
    return store.of(session, survey, flt.version).daily_counts(session, flt, dataset.visible_units(session, user, flt))


def data_download(session: Session, survey: Survey, user: User, flt: dataset.Filter, fmt: str,
                  name: str) -> FileResponse:
    """The filtered responses as a CSV, XLSX, Parquet or SPSS file download called ``name``:
    written a batch of responses at a time to a temporary file, sent from there and then
    removed (a worker holds one batch, not every response of a survey of millions)."""
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r} (choose from {', '.join(FORMATS)})")
    inst = instrument_at(session, survey, flt.version)
    folder = tempfile.mkdtemp(prefix="servq-download-")
    try:
        path = write_batches(dataset.batches(session, survey, inst, user, flt), dataset.schema(inst),
                             Path(folder) / f"responses.{fmt}")
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return FileResponse(path, media_type=MEDIA[fmt], filename=name,
                        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True))
