"""The ``servq`` command line: thin, everything is done by the library.

A user's mistake (bad file, unknown instrument, wrong option) prints a clear message and
exits with status 1 (2 for command-line usage errors); never a traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from .errors import ProblemsError, ServqError
from .web.commands import admin_app, db_app, serve

app = typer.Typer(
    name="servq",
    help="Measure and improve customer-perceived service quality: SERVQUAL gaps, tolerance zones, "
    "SERVPERF and more, from a file of survey answers to a one-file report.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
instruments_app = typer.Typer(help="List, show and validate questionnaires (instruments).", no_args_is_help=True)
app.add_typer(instruments_app, name="instruments")

Lang = Annotated[str, typer.Option("--lang", "-l", help="Language of the report and texts: en, sv or zh.")]


def _echo(text: str = "") -> None:
    typer.echo(text)


# -- analyze -------------------------------------------------------------------------

@app.command()
def analyze(
    data: Annotated[Path, typer.Argument(metavar="DATA", help="Answers: a .csv, .xlsx, .parquet or .sav file, one row per respondent.")],
    instrument: Annotated[str, typer.Option("--instrument", "-i", help="A built-in instrument (see `servq instruments list`) or an instrument YAML file.")],
    by: Annotated[Optional[list[str]], typer.Option("--by", "-b", help="Break results down by this segment column (repeat for several).")] = None,
    lang: Lang = "en",
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Write the one-file HTML report here.")] = None,
    json_path: Annotated[Optional[Path], typer.Option("--json", help="Write the results as JSON here (schema: docs/results.md).")] = None,
    mapping: Annotated[Optional[Path], typer.Option("--mapping", "-m", help="A YAML mapping file for other column layouts.")] = None,
    sheet: Annotated[Optional[str], typer.Option(help="Worksheet of an .xlsx file (default: the first).")] = None,
    min_n: Annotated[int, typer.Option("--min-n", help="Suppress segments with fewer respondents than this (privacy).")] = 5,
    confidence: Annotated[float, typer.Option(help="Confidence level of the intervals.")] = 0.95,
    max_problems: Annotated[int, typer.Option("--max-problems", help="Show at most this many problems in a bad file.")] = 50,
    invariance: Annotated[Optional[str], typer.Option(help="Test measurement invariance of the dimension model across the groups of this segment column (configural, metric, scalar).")] = None,
    quality: Annotated[bool, typer.Option("--quality/--no-quality", help="Assess the instrument: reliability, factor structure (CFA), validity.")] = True,
    ipa_importance: Annotated[str, typer.Option("--ipa-importance", help="Importance-performance analysis: importance auto, derived (relative weights) or stated (100-point allocation).")] = "auto",
    ipa_performance: Annotated[str, typer.Option("--ipa-performance", help="... performance: perception or gap.")] = "perception",
    ipa_crosshair: Annotated[str, typer.Option("--ipa-crosshair", help="... crosshair: mean, median or midpoint.")] = "mean",
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only the paths written.")] = False,
) -> None:
    """Analyse a file of survey answers: gaps, tolerance zone, SERVQUAL/SERVPERF scores, segments,
    and the instrument's quality (reliability, factor structure, validity, invariance).

    Prints the executive summary; writes the HTML report (--out) and the JSON results (--json).
    A file with errors prints every problem (file, row, column, value) and writes nothing.
    """
    from .analysis import analyze as run
    from .report import summary_sentences, write_report

    results = run(data, instrument, by=by or [], lang=lang, min_n=min_n, confidence=confidence,
                  mapping=mapping, sheet=sheet, max_problems=max_problems, quality=quality, invariance=invariance,
                  ipa_importance=ipa_importance, ipa_performance=ipa_performance, ipa_crosshair=ipa_crosshair)
    if not quiet:
        for sentence in summary_sentences(results.data, lang):
            _echo(f"- {sentence}")
        for note in results.data.get("notes", []):
            _echo(f"note: {note}")
    for path in write_report(results, html=out, json=json_path, lang=lang):
        _echo(f"wrote {path}")


# -- simulate and demo ---------------------------------------------------------------

@app.command()
def simulate(
    instrument: Annotated[str, typer.Argument(help="A built-in instrument or an instrument YAML file.")],
    n: Annotated[int, typer.Option("--n", "-n", min=1, help="Number of respondents.")] = 1000,
    output: Annotated[Path, typer.Option("--output", "-o", help="File to write: .csv, .parquet, .xlsx or .sav.")] = Path("answers.csv"),
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same file.")] = 0,
    branches: Annotated[int, typer.Option(min=1, help="Number of branches.")] = 12,
    channels: Annotated[str, typer.Option(help="Comma-separated channel names.")] = "branch,phone,online",
    missing: Annotated[float, typer.Option(min=0.0, max=0.9, help="Share of answers left blank.")] = 0.03,
) -> None:
    """Write realistic, seeded survey answers for an instrument (population model: docs/simulate.md)."""
    from .io.writers import write_table
    from .simulation import simulate as run

    chans = tuple(c.strip() for c in channels.split(",") if c.strip())
    table = run(instrument, n, seed=seed, branches=branches, channels=chans, missing=missing)
    path = write_table(table, output)
    _echo(f"wrote {path} ({table.num_rows} respondents, {table.num_columns} columns)")


@app.command()
def demo(
    out_dir: Annotated[Path, typer.Option("--out-dir", "-d", help="Folder for the demo files.")] = Path("servq-demo"),
    n: Annotated[int, typer.Option("--n", "-n", min=12, help="Number of respondents.")] = 3000,
    lang: Lang = "en",
    seed: Annotated[int, typer.Option(help="Random seed.")] = 2026,
) -> None:
    """Simulate a bank (12 branches, 3 channels) answering SERVQUAL, analyse it, write the report."""
    from .analysis import analyze as run
    from .io.writers import write_table
    from .report import summary_sentences, write_report
    from .simulation import simulate as sim

    out_dir.mkdir(parents=True, exist_ok=True)
    table = sim("servqual", n, seed=seed, branches=12, channels=("branch", "phone", "online"))
    data = write_table(table, out_dir / "bank_servqual_answers.csv")
    results = run(data, "servqual", by=["branch", "channel"], lang=lang)
    _echo(f"Simulated {n} bank customers answering SERVQUAL (12 branches, 3 channels).")
    for sentence in summary_sentences(results.data, lang):
        _echo(f"- {sentence}")
    written = write_report(results, html=out_dir / "report.html", json=out_dir / "results.json", lang=lang)
    _echo(f"answers: {data.resolve()}")
    for path in written:
        _echo(f"{'report' if path.suffix == '.html' else 'results'}: {path.resolve()}")
    _echo(f"Open the report in a browser: file://{written[0].resolve()}")


# -- instruments ---------------------------------------------------------------------

@instruments_app.command("list")
def instruments_list(lang: Lang = "en") -> None:
    """List the built-in instruments."""
    from .instruments import list_instruments

    for inst in list_instruments():
        parts = "/".join(p.prefix for p in inst.parts)
        _echo(f"{inst.id:<16} {len(inst.items):>3} items  {len(inst.dimensions)} dimensions  "
              f"parts {parts:<6} scale {inst.scale.min}-{inst.scale.max}  {inst.name.get(lang)}")


@instruments_app.command("show")
def instruments_show(
    name: Annotated[str, typer.Argument(help="A built-in instrument id or a YAML file.")],
    lang: Lang = "en",
) -> None:
    """Show an instrument: dimensions, items with their column names, scale and outcomes."""
    from .instruments import load_instrument

    inst = load_instrument(name)
    _check_lang(lang)
    _echo(f"{inst.name.get(lang)} ({inst.id}, version {inst.version})")
    if inst.description:
        _echo(inst.description.get(lang))
    if inst.reference:
        _echo(f"Reference: {inst.reference}")
    _echo(f"Languages: {', '.join(inst.languages)}")
    anchors = ", ".join(f"{k} = {v.get(lang)}" for k, v in sorted(inst.scale.anchors.items()))
    dk = ""
    if inst.scale.dont_know is not None:
        label = inst.scale.dont_know_label.get(lang) if inst.scale.dont_know_label else "don't know"
        dk = f"; {inst.scale.dont_know} = {label}"
    _echo(f"Scale: {inst.scale.min}-{inst.scale.max} ({anchors}{dk})")
    _echo("Parts: " + ", ".join(f"{p.value} ({p.prefix}<item>)" for p in inst.parts))
    for d in inst.dimensions:
        _echo()
        notes = [n for n in (d.group, "lower is better" if d.better == "lower" else None) if n]
        _echo(f"{d.label.get(lang)} [{d.id}]" + (f" ({', '.join(notes)})" if notes else ""))
        for it in inst.items_of(d.id):
            cols = "/".join(f"{p.prefix}{it.id}" for p in inst.parts)
            rev = " (reverse-keyed)" if it.reverse else ""
            _echo(f"  {cols:<12} {it.text.get(lang)}{rev}")
    if inst.importance is not None:
        _echo()
        _echo(f"Importance ({inst.importance.total} points): " + ", ".join(f"W_{d.id}" for d in inst.dimensions))
    if inst.outcomes:
        _echo()
        _echo("Outcomes:")
        for o in inst.outcomes:
            _echo(f"  {o.id:<22} {o.min}-{o.max}  {o.text.get(lang)}")


@instruments_app.command("validate")
def instruments_validate(file: Annotated[Path, typer.Argument(help="An instrument YAML file.")]) -> None:
    """Check an instrument YAML file and print every problem with its line and path."""
    from .instruments import load_instrument

    inst = load_instrument(file)
    _echo(f"{file}: valid instrument '{inst.id}' ({len(inst.items)} items, {len(inst.dimensions)} dimensions, "
          f"languages {', '.join(inst.languages)})")


def _check_lang(lang: str) -> None:
    from .errors import UsageError

    if lang not in ("en", "sv", "zh"):
        raise UsageError(f"unknown language '{lang}' (choose en, sv or zh)")


# the web platform's commands import the web stack only when they run
app.add_typer(db_app, name="db")
app.add_typer(admin_app, name="admin")
app.command()(serve)


def main(argv: list[str] | None = None) -> None:
    """Console entry point: run the CLI, turning user errors into one clear message."""
    try:
        app(args=argv, prog_name="servq")  # typer reports its own usage errors (exit 2)
    except ProblemsError as exc:
        typer.echo(f"error: {exc.summary}", err=True)
        for problem in exc.problems:
            typer.echo(f"  {problem}", err=True)
        hidden = exc.total - len(exc.problems)
        if hidden > 0:
            typer.echo(f"  ... and {hidden} more (raise --max-problems to see them)", err=True)
        sys.exit(1)
    except ServqError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(1)
    except OSError as exc:  # unwritable output folder, disk full: the user's environment
        typer.echo(f"error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
