"""``servq complaints analyze``: a complaints register in, the complaints block (JSON), a
one-file HTML report and a short summary out.

A plain function registered by :mod:`servq.complaints.commands`; the analysis is imported
only when the command runs. A user's mistake raises a :class:`~servq.errors.ServqError`,
which the CLI prints as one clear message.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import UsageError

LANGS = ("en", "sv", "zh")


def analyze(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="The complaints register: a .csv, .xlsx, .parquet or .sav file, one row per complaint (docs/complaints-analytics.md).")],
    sla: Annotated[Optional[Path], typer.Option("--sla", help="SLA calendars and policies (YAML): due times for every complaint, and compliance in the report.")] = None,
    customers: Annotated[Optional[Path], typer.Option("--customers", help="Customers per unit: a file with the columns unit, customers (complaints per 1,000 customers).")] = None,
    operations: Annotated[Optional[Path], typer.Option("--operations", help="Operational metrics: a file with the columns date, region, metric, value (lagged correlation with complaints).")] = None,
    timezone: Annotated[str, typer.Option("--timezone", help="IANA time zone of times written without an offset, and of days and weeks.")] = "UTC",
    spikes: Annotated[str, typer.Option("--spikes", help="Hot spots by: poisson (each cell against its previous weeks), share (its share of each week's complaints: seasons cancel), ewma (control chart) or both (poisson and ewma).")] = "poisson",
    baseline_weeks: Annotated[int, typer.Option("--baseline-weeks", min=1, help="Weeks of history each week is compared with (Poisson) or the EWMA's target is taken from.")] = 8,
    repeat_days: Annotated[float, typer.Option("--repeat-days", help="A second complaint of the same customer within this many days is a repeat.")] = 30.0,
    now: Annotated[Optional[str], typer.Option("--now", help="The moment of the analysis (ISO 8601; without an offset: in --timezone). Default: the latest time in the register.")] = None,
    lang: Annotated[str, typer.Option("--lang", "-l", help="Language of the report and texts: en, sv or zh.")] = "en",
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Write the one-file HTML report here.")] = None,
    json_path: Annotated[Optional[Path], typer.Option("--json", help="Write the complaints block as JSON here.")] = None,
    sheet: Annotated[Optional[str], typer.Option(help="Worksheet of an .xlsx register (default: the first).")] = None,
    min_n: Annotated[int, typer.Option("--min-n", min=1, help="Groups (units, dimensions) with fewer complaints show counts only.")] = 5,
    max_problems: Annotated[int, typer.Option("--max-problems", min=1, help="Show at most this many problems in a bad file.")] = 50,
) -> None:
    """Analyse a complaints register: volume by dimension, unit and week, hot spots, handling
    times, SLA compliance (--sla), the backlog, repeat complainants, complaints per 1,000
    customers (--customers) and operational metrics that move before complaints (--operations).

    Prints a short summary; writes the HTML report (--out) and the JSON (--json). A register
    with errors prints every problem (file, row, column) and writes nothing.
    """
    from .. import __version__
    from ..analysis import SCHEMA_VERSION
    from ..report import write_outputs
    from ..report.complaints_section import render_complaints_html, summary_sentences
    from .analytics import SPIKE_METHODS, complaints_block
    from .register import check_timezone, read_customers, read_register

    if lang not in LANGS:
        raise UsageError(f"unknown language '{lang}' (choose en, sv or zh)")
    if spikes not in SPIKE_METHODS:
        raise UsageError(f"--spikes must be one of {', '.join(SPIKE_METHODS)}, got '{spikes}'")
    if repeat_days <= 0:
        raise UsageError(f"--repeat-days must be positive, got {repeat_days:g}")
    check_timezone(timezone)
    moment = parse_now(now, timezone) if now is not None else None
    for option, path in (("--sla", sla), ("--customers", customers), ("--operations", operations)):
        if path is not None and not path.is_file():
            raise UsageError(f"{option}: file not found: {path}")
    policies = None
    if sla is not None:  # the policies' mistakes before the register is read
        from .sla import load_policies

        policies = load_policies(sla)
    per_unit = read_customers(customers, max_problems=max_problems) if customers is not None else None
    register = read_register(file, timezone=timezone, sheet=sheet, max_problems=max_problems)
    if policies is not None:
        register = with_due_times(register, policies)
    block = complaints_block(register, customers=per_unit, operations=operations, lang=lang, min_n=min_n,
                             now=moment, timezone=timezone, spikes=spikes, baseline_weeks=baseline_weeks,
                             repeat_days=repeat_days, max_problems=max_problems)
    meta = register.schema.metadata or {}
    data = {
        "schema_version": SCHEMA_VERSION,
        "servq_version": __version__,
        "generated_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "source": {"file": file.name, "rows": register.num_rows,
                   "classified": int(meta.get(b"servq.classified", b"0")),
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


def parse_now(text: str, timezone: str) -> dt.datetime:
    """``--now`` as an aware datetime: ISO 8601 with an offset, or a local time (or date)
    in ``timezone``; UsageError when it is not a time."""
    import pyarrow as pa

    from ..errors import DataError
    from .register import read_register

    try:
        table = read_register(pa.table({"received_at": [text], "unit": ["-"], "dimension": ["-"]}),
                              timezone=timezone, classify=False)
    except DataError:
        raise UsageError(f"--now: not a time: {text!r} (use ISO 8601, e.g. 2026-03-29T20:00+02:00 "
                         "or 2026-03-29 20:00 in --timezone)") from None
    return table["received_at"][0].as_py()


def with_due_times(register, policies):
    """The register with ``ack_due`` and ``resolve_due`` from the SLA ``policies`` (category =
    the complaint's dimension, tier = its tier), replacing any the register had."""
    from .sla import assign_due

    ack, res = assign_due(policies, register["received_at"], register["dimension"], register["tier"])
    for name, values in (("ack_due", ack), ("resolve_due", res)):
        if name in register.column_names:
            register = register.set_column(register.column_names.index(name), name, values)
        else:
            register = register.append_column(name, values)
    return register
