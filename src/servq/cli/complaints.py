"""``servq complaints``: analyse a complaints register (the complaints block as JSON, a
one-file HTML report and a short summary); classify, evaluate and train the classifier
(:mod:`.classifier`); import complaints into the web platform, escalate overdue cases and
export relabelled cases as training data. What a command needs is imported when it runs.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import UsageError
from . import classifier
from .reading import FirstRow, HeaderRow
from .web import platform

LANGS = ("en", "sv", "zh")
complaints_app = typer.Typer(help="Complaints: classify texts, train and evaluate the classifier, analyse hot spots.",
                             no_args_is_help=True)


def analyze(
    file: Annotated[
        str,
        typer.Argument(
            metavar="FILE",
            help="The complaints register: a .csv, .xlsx, .xls, .ods, .parquet or .sav file, one row per complaint "
            "(docs/complaints-analytics.md); with --engine spark also a directory, a glob or a URI Spark reads "
            "(s3a://, hdfs://).",
        ),
    ],
    sla: Annotated[
        Optional[Path],
        typer.Option(
            "--sla", help="SLA calendars and policies (YAML): due times for every complaint, and compliance in the report."
        ),
    ] = None,
    customers: Annotated[
        Optional[Path],
        typer.Option(
            "--customers",
            help="Customers per unit: a file with the columns unit, customers (complaints per 1,000 customers).",
        ),
    ] = None,
    operations: Annotated[
        Optional[Path],
        typer.Option(
            "--operations",
            help="Operational metrics: a file with the columns date, region, metric, value "
            "(lagged correlation with complaints).",
        ),
    ] = None,
    timezone: Annotated[
        str, typer.Option("--timezone", help="IANA time zone of times written without an offset, and of days and weeks.")
    ] = "UTC",
    spikes: Annotated[
        str,
        typer.Option(
            "--spikes",
            help="Hot spots by: poisson (each cell against its previous weeks), share (its share of each week's "
            "complaints: seasons cancel), ewma (control chart) or both (poisson and ewma).",
        ),
    ] = "poisson",
    baseline_weeks: Annotated[
        int,
        typer.Option(
            "--baseline-weeks",
            min=1,
            help="Weeks of history each week is compared with (Poisson) or the EWMA's target is taken from.",
        ),
    ] = 8,
    repeat_days: Annotated[
        float,
        typer.Option("--repeat-days", help="A second complaint of the same customer within this many days is a repeat."),
    ] = 30.0,
    now: Annotated[
        Optional[str],
        typer.Option(
            "--now",
            help="The moment of the analysis (ISO 8601; without an offset: in --timezone). "
            "Default: the latest time in the register.",
        ),
    ] = None,
    lang: Annotated[str, typer.Option("--lang", "-l", help="Language of the report and texts: en, sv or zh.")] = "en",
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Write the one-file HTML report here.")] = None,
    json_path: Annotated[Optional[Path], typer.Option("--json", help="Write the complaints block as JSON here.")] = None,
    sheet: Annotated[Optional[str], typer.Option(help="Worksheet of an .xlsx register (default: the first).")] = None,
    encoding: classifier.Encoding = None,
    header_row: HeaderRow = 1,
    first_row: FirstRow = None,
    min_n: Annotated[
        int, typer.Option("--min-n", min=1, help="Groups (units, dimensions) with fewer complaints show counts only.")
    ] = 5,
    max_problems: Annotated[
        int, typer.Option("--max-problems", min=1, help="Show at most this many problems in a bad file.")
    ] = 50,
    engine: Annotated[
        str,
        typer.Option(
            "--engine",
            help="local (this machine) or spark (count the register on an Apache Spark cluster: the figures that "
            "are counts; needs servq[spark]).",
        ),
    ] = "local",
    spark_master: Annotated[
        Optional[str],
        typer.Option(
            "--spark-master",
            help="With --engine spark: the master URL (spark://host:7077, local[4], yarn) or a Spark Connect address "
            "(sc://host:15002). Default: SPARK_REMOTE, SPARK_MASTER or local[*].",
        ),
    ] = None,
) -> None:
    """Analyse a complaints register: volume by dimension, unit and week, hot spots, handling
    times, SLA compliance (--sla), the backlog, repeat complainants, complaints per 1,000
    customers (--customers) and operational metrics that move before complaints (--operations).

    Prints a short summary; writes the HTML report (--out) and the JSON (--json). A register
    with errors prints every problem (file, row, column) and writes nothing. With --engine
    spark the register is counted in the cluster's executors and the figures that are counts
    are computed (volume, hot spots, status, rates, operational metrics); handling times, SLA
    compliance, the backlog and repeat complainants need the local engine.
    """
    from .. import __version__
    from ..analysis import SCHEMA_VERSION
    from ..complaints.analytics import SPIKE_METHODS, complaints_block
    from ..complaints.register import check_timezone, parse_now, read_customers, read_register
    from ..report import write_outputs
    from ..report.complaints_section import render_complaints_html, summary_sentences

    if lang not in LANGS:
        raise UsageError(f"unknown language '{lang}' (choose en, sv or zh)")
    if spikes not in SPIKE_METHODS:
        raise UsageError(f"--spikes must be one of {', '.join(SPIKE_METHODS)}, got '{spikes}'")
    if repeat_days <= 0:
        raise UsageError(f"--repeat-days must be positive, got {repeat_days:g}")
    if engine not in ("local", "spark"):
        raise UsageError(f"--engine must be local or spark, got '{engine}'")
    local_only = {"--sla": sla is not None, "--sheet": sheet is not None, "--encoding": encoding is not None,
                  "--header-row": header_row != 1, "--first-row": first_row not in (None, 2)}
    if engine == "spark" and any(local_only.values()):
        option = next(name for name, given in local_only.items() if given)
        raise UsageError(f"{option} works with the local engine only "
                         "(the SLA needs each complaint's times; Spark reads Parquet, and CSV with its column names on "
                         "the first line)")
    check_timezone(timezone)
    moment = parse_now(now, timezone) if now is not None else None
    for option, path in (("--sla", sla), ("--customers", customers), ("--operations", operations)):
        if path is not None and not path.is_file():
            raise UsageError(f"{option}: file not found: {path}")
    policies = None
    if sla is not None:  # the policies' mistakes before the register is read
        from ..complaints.sla import load_policies, with_due_times

        policies = load_policies(sla)
    per_unit = read_customers(customers, max_problems=max_problems) if customers is not None else None
    common = dict(customers=per_unit, operations=operations, lang=lang, min_n=min_n, timezone=timezone, spikes=spikes,
                  baseline_weeks=baseline_weeks)
    if engine == "spark":
        from ..complaints.analytics import counts_block
        from ..spark.complaints import count

        counted = count(file, timezone=timezone, master=spark_master, max_problems=max_problems)
        if moment is None and counted.latest is not None:
            moment = dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=counted.latest)
        block = counts_block(counted.counts, now=moment or dt.datetime.now(dt.UTC), **common)
        rows, classified = counted.rows, counted.classified
    else:
        if not Path(file).is_file():
            raise UsageError(f"complaints register not found: {file}")
        register = read_register(Path(file), timezone=timezone, sheet=sheet, max_problems=max_problems,
                                 encoding=encoding, header_row=header_row, first_row=first_row)
        if (register.schema.metadata or {}).get(b"servq.encoding") == b"cp1252":
            classifier.note_encoding(file)
        if policies is not None:
            register = with_due_times(register, policies)
        block = complaints_block(register, now=moment, repeat_days=repeat_days, max_problems=max_problems, **common)
        rows, classified = register.num_rows, int((register.schema.metadata or {}).get(b"servq.classified", b"0"))
    data = {
        "schema_version": SCHEMA_VERSION,
        "servq_version": __version__,
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "source": {"file": Path(file).name or file, "rows": rows, "classified": classified,
                   "sla": sla.name if sla else None, "customers": customers.name if customers else None,
                   "operations": operations.name if operations else None},
        "complaints": block,
    }
    for sentence in summary_sentences(block, lang):
        typer.echo(f"- {sentence}")
    if data["source"]["classified"]:
        typer.echo(f"note: {data['source']['classified']} blank dimension(s) filled in from the complaint text "
                   "by the classifier (servq.text)")
    for path in write_outputs(data, lambda d: render_complaints_html(d, lang), html=out, json=json_path):
        typer.echo(f"wrote {path}")


def complaints_import(
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE",
            help="Complaints: a .csv, .xlsx or .parquet file, one row per complaint (columns: docs/complaints.md).",
        ),
    ],
    skip_invalid: Annotated[
        bool,
        typer.Option(
            "--skip-invalid",
            help="Import the valid rows and report the skipped ones "
            "(default: nothing is imported when any row is invalid).",
        ),
    ] = False,
    tz: Annotated[str, typer.Option("--timezone", help="Time zone of dates and times without one (an IANA name).")] = "UTC",
    sheet: Annotated[Optional[str], typer.Option(help="Worksheet of an .xlsx file (default: the first).")] = None,
    encoding: classifier.Encoding = None,
    header_row: HeaderRow = 1,
    first_row: FirstRow = None,
) -> None:
    """Import complaints into the web platform's database (SERVQ_DATABASE_URL): each is
    classified and gets its SLA due times. Every problem is reported with its row and
    column; a complaint imported before (the same key) is not imported twice."""
    from sqlalchemy.exc import IntegrityError

    from ..store.db import session_factory, transaction
    from ..web.complaint_import import check_file, store_plan
    from ..web.complaints import DateBounds

    settings, engine, factory = platform()
    try:
        with session_factory(engine, writes=False)() as session:  # reading and checking take no write lock
            plan = check_file(session, file, skip_invalid=skip_invalid, timezone=tz, sheet=sheet, encoding=encoding,
                              now=dt.datetime.now(dt.UTC), bounds=DateBounds.of(settings), header_row=header_row,
                              first_row=first_row)
        try:
            with transaction(factory) as session:
                result = store_plan(session, plan)
        except IntegrityError:  # a unit, channel or tier was removed meanwhile
            raise UsageError(f"{file}: the organisation changed during the import; nothing was imported: "
                             "run the command again") from None
    finally:
        engine.dispose()
    typer.echo(f"{file}: imported {result.imported} complaint(s)"
               + (f"; {result.already} were imported before" if result.already else ""))
    if result.skipped_rows:
        typer.echo(f"skipped {result.skipped_rows} invalid row(s):")
        for problem in result.skipped:
            typer.echo(f"  {problem}")


def complaints_escalate() -> None:
    """Escalate every overdue open complaint to its unit's manager (also done whenever the
    complaints page is shown); for a cron job, e.g. every 15 minutes."""
    from ..store.db import transaction
    from ..web.complaints import escalate_overdue

    _settings, engine, factory = platform()
    try:
        with transaction(factory) as session:
            ids = escalate_overdue(session, dt.datetime.now(dt.UTC))
    finally:
        engine.dispose()
    typer.echo(f"escalated {len(ids)} overdue complaint(s)" + (f": {', '.join(f'#{i}' for i in ids)}" if ids else ""))


def complaints_training_data(
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Write the labelled complaints here (CSV: text, language, dimension).")
    ],
) -> None:
    """Export the complaints people relabelled on their case pages, as the labelled file
    `servq complaints train` reads; point SERVQ_COMPLAINT_MODEL at the model it makes."""
    import csv

    from sqlalchemy import select

    from ..io.cells import neutral_row
    from ..store.models import TrainingExample

    _settings, engine, factory = platform()
    try:
        with factory() as session:
            rows = session.execute(select(TrainingExample.text, TrainingExample.language, TrainingExample.dimension)
                                   .order_by(TrainingExample.id)).all()
    finally:
        engine.dispose()
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "language", "dimension"])
        writer.writerows(map(neutral_row, rows))  # no text becomes a formula in a spreadsheet
    typer.echo(f"wrote {len(rows)} labelled complaint(s) to {out}")


for _name, _command in (("classify", classifier.classify), ("evaluate", classifier.evaluate),
                        ("train", classifier.train), ("models", classifier.models), ("analyze", analyze),
                        ("import", complaints_import), ("escalate", complaints_escalate),
                        ("training-data", complaints_training_data)):
    complaints_app.command(_name)(_command)
