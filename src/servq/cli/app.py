"""The ``servq`` command line: thin, everything is done by the library. Every command group
is registered here, the one place (each group's commands live in a module of this package).

A user's mistake (bad file, unknown instrument, wrong option) prints a clear message and
exits with status 1 (2 for command-line usage errors); never a traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import ProblemsError, ServqError, UsageError, missing_extra
from .complaints import complaints_app
from .privacy import privacy_app
from .reading import FirstRow, HeaderRow
from .web import admin_app, db_app, serve
from .worker import worker

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
economics_app = typer.Typer(help="Service economics: the parameter file of rules of thumb (docs/economics.md).",
                            no_args_is_help=True)
app.add_typer(economics_app, name="economics")
app.add_typer(complaints_app, name="complaints")

Lang = Annotated[str, typer.Option("--lang", "-l", help="Language of the report and texts: en, sv or zh.")]


def _version(value: bool) -> None:
    if value:
        from .. import __version__

        _echo(f"servq {__version__}")
        raise typer.Exit()


@app.callback()
def _root(version: Annotated[bool, typer.Option(
        "--version", callback=_version, is_eager=True, help="Print servq's version and exit.")] = False) -> None:
    """Measure and improve customer-perceived service quality: SERVQUAL gaps, tolerance zones,
    SERVPERF and more, from a file of survey answers to a one-file report."""


def _echo(text: str = "") -> None:
    typer.echo(text)


# -- analyze -------------------------------------------------------------------------

@app.command()
def analyze(
    data: Annotated[str, typer.Argument(
        metavar="DATA", help="Answers: a .csv, .xlsx, .xls, .ods, .parquet or .sav file, one row per respondent (with --engine "
                             "spark: Parquet or CSV files, a directory, a glob or any URI Spark reads).")],
    instrument: Annotated[str, typer.Option(
        "--instrument", "-i", help="A built-in instrument (see `servq instruments list`) or an instrument YAML file.")],
    by: Annotated[Optional[list[str]], typer.Option(
        "--by", "-b",
        help="Break results down by this segment column (repeat, or separate by commas: --by branch,channel).")] = None,
    lang: Lang = "en",
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Write the one-file HTML report here.")] = None,
    json_path: Annotated[Optional[Path], typer.Option(
        "--json", help="Write the results as JSON here (schema: docs/results.md).")] = None,
    mapping: Annotated[Optional[Path], typer.Option(
        "--mapping", "-m", help="A YAML mapping file for other column layouts.")] = None,
    label: Annotated[Optional[list[str]], typer.Option(
        "--label", metavar="COLUMN=TEXT",
        help="How the report names a --by column in --lang (repeatable): --label branch=Kontor. Per language: the mapping "
             "file's labels.")] = None,
    sheet: Annotated[Optional[str], typer.Option(help="Worksheet of an .xlsx file (default: the first).")] = None,
    header_row: HeaderRow = 1,
    first_row: FirstRow = None,
    min_n: Annotated[int, typer.Option("--min-n", help="Suppress segments with fewer respondents than this (privacy).")] = 5,
    confidence: Annotated[float, typer.Option(help="Confidence level of the intervals.")] = 0.95,
    max_problems: Annotated[int, typer.Option("--max-problems", help="Show at most this many problems in a bad file.")] = 50,
    invariance: Annotated[Optional[str], typer.Option(
        help="Test measurement invariance of the dimension model across the groups of this segment column (configural, metric, "
             "scalar; with --ordinal: configural, thresholds, loadings by WLSMV).")] = None,
    quality: Annotated[bool, typer.Option(
        "--quality/--no-quality", help="Assess the instrument: reliability, factor structure (CFA), validity.")] = True,
    ordinal: Annotated[bool, typer.Option(
        "--ordinal", help="Also read the items as ordinal answers: polychoric correlations and each dimension's ordinal "
        "alpha in the reliability table, and the CFA by WLSMV (lavaan's estimator \"WLSMV\", missing = \"pairwise\"; "
        "the file is read a second time for its robust corrections).")] = False,
    ipa_importance: Annotated[str, typer.Option(
        "--ipa-importance",
        help="Importance-performance analysis: importance auto, derived (relative weights) or stated "
             "(100-point allocation).")] = "auto",
    ipa_performance: Annotated[str, typer.Option("--ipa-performance", help="... performance: perception or gap.")] = "perception",
    ipa_crosshair: Annotated[str, typer.Option("--ipa-crosshair", help="... crosshair: mean, median or midpoint.")] = "mean",
    compare: Annotated[str, typer.Option(
        "--compare",
        help="Compare the segments of each --by column: games-howell (Welch ANOVA, Games-Howell pairs), welch (pairwise Welch t)"
             " or none.")] = "games-howell",
    adjust: Annotated[str, typer.Option(
        "--adjust", help="Multiple-comparison correction of the pairs: holm, BH or bonferroni.")] = "holm",
    period: Annotated[Optional[str], typer.Option(
        "--period", help="Trends and control charts by month, quarter or wave.")] = None,
    period_column: Annotated[Optional[str], typer.Option(
        "--period-column", help="The date or wave column of --period (default: date, or wave).")] = None,
    boot: Annotated[int, typer.Option(
        "--boot", min=0, help="Bootstrap resamples for intervals of the key drivers (0 = none).")] = 0,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Seed of the bootstrap resamples.")] = 0,
    economics: Annotated[Optional[Path], typer.Option(
        "--economics", help="Service-economics parameters (YAML; template: `servq economics defaults`).")] = None,
    complaints: Annotated[Optional[int], typer.Option(
        "--complaints", min=0, help="Complaining customers in the period (overrides the economics file).")] = None,
    complaints_file: Annotated[Optional[Path], typer.Option(
        "--complaints-file",
        help="A complaints register (.csv, .xlsx, .parquet, .sav): adds the complaints section, and its count of complaints to "
             "--economics (docs/complaints-analytics.md).")] = None,
    complaints_timezone: Annotated[str, typer.Option(
        "--complaints-timezone",
        help="IANA time zone of the register's times without an offset, and of its days and weeks.")] = "UTC",
    scale: Annotated[Optional[str], typer.Option(
        "--scale", help="The answers' scale when it is not the instrument's, as MIN:MAX (0:100, 1:5, 0:10): the items "
                        "and the outcomes asked on the same scale.")] = None,
    engine: Annotated[str, typer.Option(
        "--engine", help="local (this machine) or spark (an Apache Spark cluster; needs servq[spark]).")] = "local",
    spark_master: Annotated[Optional[str], typer.Option(
        "--spark-master", help="With --engine spark: the master URL (spark://host:7077, local[4], yarn) or a Spark "
                               "Connect address (sc://host:15002); default SPARK_REMOTE, SPARK_MASTER, else local[*].")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only the paths written.")] = False,
) -> None:
    """Analyse a file of survey answers: gaps, tolerance zone, SERVQUAL/SERVPERF scores, segments,
    and the instrument's quality (reliability, factor structure, validity, invariance).

    Prints the executive summary; writes the HTML report (--out) and the JSON results (--json).
    A file with errors prints every problem (file, row, column, value) and writes nothing.
    """
    from ..analysis import AnalysisOptions
    from ..analysis import analyze as run
    from ..analysis.preload import preload

    preload("servq.report")  # needed after the analysis: imported while it reads the data
    options = AnalysisOptions(by=tuple(by or ()), lang=lang, min_n=min_n, confidence=confidence, mapping=mapping,
                              sheet=sheet, max_problems=max_problems, quality=quality, invariance=invariance,
                              ordinal=ordinal, ipa_importance=ipa_importance, ipa_performance=ipa_performance,
                              ipa_crosshair=ipa_crosshair, compare=compare, adjust=adjust, period=period,
                              period_column=period_column, boot=boot, seed=seed, economics=economics,
                              complaints=complaints, scale=scale, labels=_labels(label, lang), header_row=header_row,
                              first_row=first_row)
    bar = _Progress("resampling key drivers")
    try:
        if engine not in ("local", "spark"):
            raise UsageError(f"--engine must be local or spark, got '{engine}'")
        if engine == "spark":
            if complaints_file is not None:
                raise UsageError("--complaints-file is analysed with the local engine")
            from ..spark import analyze as on_spark

            results = on_spark(data, instrument, options=options, master=spark_master)
        elif complaints_file is None:
            results = run(Path(data), instrument, options=options, progress=bar)
        else:
            from ..complaints.analytics import analyze_with_register

            results = analyze_with_register(Path(data), instrument, complaints_file, timezone=complaints_timezone,
                                            options=options, progress=bar)
    finally:
        bar.close()
    from ..report import summary_sentences, write_report

    if not quiet:
        for sentence in summary_sentences(results.data, lang):
            _echo(f"- {sentence}")
        for note in results.data.get("notes", []):
            _echo(f"note: {note}")
    for path in write_report(results, html=out, json=json_path, lang=lang):
        _echo(f"wrote {path}")


class _Progress:
    """A ``progress(done, total)`` callback drawing a bar on stderr, only when stderr is a
    terminal (redirected output gets nothing)."""

    def __init__(self, label: str):
        self.label, self.bar = label, None

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            if not sys.stderr.isatty():
                return
            self.bar = typer.progressbar(length=total, label=self.label, file=sys.stderr).__enter__()
        self.bar.update(done - self.bar.pos)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


@economics_app.command("defaults")
def economics_defaults() -> None:
    """Print the parameter file template: every default assumption with its source, to copy and edit."""
    from ..measures.economics import defaults_yaml

    typer.echo(defaults_yaml(), nl=False)


# -- simulate and demo ---------------------------------------------------------------

@app.command()
def simulate(
    instrument: Annotated[str, typer.Argument(help="A built-in instrument or an instrument YAML file.")],
    n: Annotated[int, typer.Option("--n", "-n", min=1, help="Number of respondents.")] = 1000,
    output: Annotated[Path, typer.Option(
        "--output", "-o", help="File to write: .csv, .parquet, .xlsx or .sav.")] = Path("answers.csv"),
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same file.")] = 0,
    branches: Annotated[int, typer.Option(min=1, help="Number of branches.")] = 12,
    channels: Annotated[str, typer.Option(help="Comma-separated channel names.")] = "branch,phone,online",
    missing: Annotated[float, typer.Option(min=0.0, max=0.9, help="Share of answers left blank.")] = 0.03,
) -> None:
    """Write realistic, seeded survey answers for an instrument (population model: docs/simulate.md)."""
    from ..io.simulation import simulate as run
    from ..io.writers import write_table

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
    from ..analysis import analyze as run
    from ..io.simulation import simulate as sim
    from ..io.writers import write_table
    from ..report import summary_sentences, write_report

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


# -- evaluation index systems ---------------------------------------------------------

@app.command("index")
def index_command(
    data: Annotated[Path, typer.Argument(
        metavar="DATA", help="Answers: a .csv, .xlsx, .xls, .ods, .parquet or .sav file, one row per respondent.")],
    system: Annotated[str, typer.Option(
        "--system", "-s",
        help="A built-in index system (telecom-enterprise, customer-delivered-value) or an index system YAML file "
             "(docs/index-systems.md).")],
    operator: Annotated[str, typer.Option(
        help="Fuzzy operator: weighted_average (b_j = Σ w_i r_ij) or min_max "
             "(b_j = max_i min(w_i, r_ij)).")] = "weighted_average",
    by: Annotated[Optional[str], typer.Option(
        "--by", "-b", help="Also evaluate the index within each value of this segment column.")] = None,
    lang: Lang = "en",
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Write the one-file HTML report here.")] = None,
    json_path: Annotated[Optional[Path], typer.Option(
        "--json", help="Write the index as JSON here (schema: indexsystem/index.schema.json).")] = None,
    sheet: Annotated[Optional[str], typer.Option(help="Worksheet of an .xlsx file (default: the first).")] = None,
    header_row: HeaderRow = 1,
    first_row: FirstRow = None,
    min_n: Annotated[int, typer.Option("--min-n", help="Suppress segments with fewer rows than this.")] = 5,
    max_problems: Annotated[int, typer.Option("--max-problems", help="Show at most this many problems in a bad file.")] = 50,
) -> None:
    """Evaluate an index system (criteria and indicators weighted directly or by AHP) on a data
    file by fuzzy comprehensive evaluation: the overall index and grade, and every criterion's
    weight, score, grade and contribution."""
    from ..indexsystem import index
    from ..indexsystem.display import hierarchy_lines, segment_lines
    from ..indexsystem.report import write_index

    result = index(data, system, operator=operator, by=by, lang=lang, min_n=min_n, sheet=sheet,
                   max_problems=max_problems, header_row=header_row, first_row=first_row)
    for line in hierarchy_lines(result.to_dict()) + segment_lines(result.to_dict()):
        _echo(line)
    for path in write_index(result, html=out, json=json_path):
        _echo(f"wrote {path}")


# -- scorecard -----------------------------------------------------------------------

@app.command()
def scorecard(
    data: Annotated[str, typer.Argument(
        metavar="DATA", help="Answers: a .csv, .xlsx, .xls, .ods, .parquet or .sav file, one row per respondent (with --engine "
                             "spark also a directory, a glob or a URI Spark reads).")],
    instrument: Annotated[str, typer.Option("--instrument", "-i", help="A built-in instrument or an instrument YAML file.")],
    unit: Annotated[str, typer.Option("--unit", "-u", help="The column whose values are scored (employee, team, branch).")],
    parent: Annotated[Optional[str], typer.Option(
        "--parent", "-p", help="A column the units are nested in (team): each unit is shrunk toward its parent's mean.")] = None,
    standards: Annotated[Optional[Path], typer.Option(
        "--standards", "-s",
        help="A service standards YAML file (docs/scorecards.md): pass / fail / not enough data per unit.")] = None,
    measure: Annotated[Optional[list[str]], typer.Option(
        "--measure",
        help="Score this measure (repeatable): gap:reliability, servqual, nps:recommend, ... Default: the standards' measures, "
             "else the headline score and NPS.")] = None,
    min_n: Annotated[Optional[int], typer.Option(
        "--min-n", help="Fewer answers than this: not enough data (default: the standards' min_n, else 10).")] = None,
    basis: Annotated[Optional[str], typer.Option(
        "--basis",
        help="Compare the targets with the shrunk estimate, the raw mean, or the whole interval (default: the standards' basis, "
             "else shrunk).")] = None,
    lang: Lang = "en",
    out: Annotated[Optional[Path], typer.Option(
        "--out", "-o", help="Write the one-file HTML report (with the scorecard section) here.")] = None,
    json_path: Annotated[Optional[Path], typer.Option(
        "--json", help="Write the results (with the scorecard block) as JSON here.")] = None,
    mapping: Annotated[Optional[Path], typer.Option(
        "--mapping", "-m", help="A YAML mapping file for other column layouts.")] = None,
    header_row: HeaderRow = 1,
    first_row: FirstRow = None,
    confidence: Annotated[float, typer.Option(help="Confidence level of the intervals.")] = 0.95,
    quality: Annotated[bool, typer.Option(
        "--quality/--no-quality", help="Also assess the instrument in the report (reliability, CFA, validity).")] = True,
    engine: Annotated[str, typer.Option(
        "--engine", help="local (this machine) or spark (an Apache Spark cluster; needs servq[spark]).")] = "local",
    spark_master: Annotated[Optional[str], typer.Option(
        "--spark-master", help="With --engine spark: the master URL or a Spark Connect address (as for analyze).")] = None,
) -> None:
    """Fair scorecards: rank units (employees, teams, branches) by empirical-Bayes shrunk means with
    intervals and n, and check them against service standards.

    Prints one table per measure; writes the HTML report (--out) and the JSON results (--json).
    """
    from .. import scorecard as run
    from ..report import write_report
    from ..report.blocks import Fmt
    from ..report.scorecard_section import measure_name

    _check_lang(lang)
    results = run(data if engine == "spark" else Path(data), instrument, unit=unit, parent=parent, standards=standards,
                  measures=measure or None, min_n=min_n, basis=basis, lang=lang, confidence=confidence, mapping=mapping,
                  quality=quality, engine=engine, spark_master=spark_master, header_row=header_row, first_row=first_row)
    card, f = results.data["scorecard"], Fmt(lang, confidence)
    for m in card["measures"]:
        _echo(f"{measure_name(m, f)} [{m['key']}]")
        checks = [s for s in card["standards"] if s["key"] == m["key"]]
        head = [f.t("scorecard.col.rank"), f.t("scorecard.col.unit")] + ([card["parent"]] if card["parent"] else [])
        head += [f.t("scorecard.col.n"), f.t("scorecard.col.raw"), f.t("scorecard.col.shrunk"), ""]
        head += [f"{s['op']} {s['value']:g}" for s in checks]
        rows = [head]
        for u in m["units"]:
            interval = "" if u["ci_low"] is None else f.interval(u)
            rows.append([f.int(u["rank"]) if u["rank"] else "", str(u["unit"])] + ([str(u["parent"])] if card["parent"] else [])
                        + [f.int(u["n"]), f.num(u["raw"]), f.num(u["shrunk"]), interval]
                        + [f.t(f"scorecard.status.{s['status'][u['unit']]}") for s in checks])
        widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
        for r in rows:
            _echo("  " + "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
        for s in checks:
            c = s["counts"]
            _echo(f"  standard {s['op']} {s['value']:g}: {c['pass']} pass, {c['fail']} fail, "
                  f"{c['not_enough_data']} not enough data (n < {card['min_n']}, basis {card['basis']})")
        _echo()
    for note in results.data.get("notes", []):
        _echo(f"note: {note}")
    for path in write_report(results, html=out, json=json_path, lang=lang):
        _echo(f"wrote {path}")


# -- instruments ---------------------------------------------------------------------

@instruments_app.command("list")
def instruments_list(lang: Lang = "en") -> None:
    """List the built-in instruments."""
    from ..instruments import list_instruments

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
    from ..instruments import load_instrument

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
            if o.items:
                for column, question in o.questions(lang):
                    _echo(f"    {column:<20} {question}")
    if inst.kano is not None:
        _echo()
        labels = ", ".join(f"{k} {v.get(lang)}" for k, v in inst.kano.answer_labels().items())
        _echo(f"Kano features (answers 1-5: {labels}):")
        for feat in inst.kano.features:
            _echo(f"  KF_{feat.id:<19} {feat.functional.get(lang)}")
            _echo(f"  KD_{feat.id:<19} {feat.dysfunctional.get(lang)}")


@instruments_app.command("export")
def instruments_export(
    name: Annotated[str, typer.Argument(help="A built-in instrument id.")],
    output: Annotated[Optional[Path], typer.Option(
        "--output", "-o", help="The YAML file to write (default: print it).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write a built-in instrument as YAML, to start a questionnaire of your own: change its id,
    items, scale or outcomes, check it with `servq instruments validate FILE`, then analyse
    with `--instrument FILE`."""
    from ..instruments import instrument_yaml

    text = instrument_yaml(name)
    if output is None:
        typer.echo(text, nl=False)
        return
    if output.exists() and not force:
        raise UsageError(f"{output} exists; give another name or --force to overwrite it")
    output.write_text(text, encoding="utf-8")
    _echo(f"wrote {output}: edit it (a new id, your items, --scale or scale: min/max), check it with "
          f"`servq instruments validate {output}`, use it with `--instrument {output}`")


@instruments_app.command("validate")
def instruments_validate(file: Annotated[Path, typer.Argument(help="An instrument YAML file.")]) -> None:
    """Check an instrument YAML file and print every problem with its line and path."""
    from ..instruments import load_instrument

    inst = load_instrument(file)
    _echo(f"{file}: valid instrument '{inst.id}' ({len(inst.items)} items, {len(inst.dimensions)} dimensions, "
          f"languages {', '.join(inst.languages)})")


def _labels(given: list[str] | None, lang: str) -> dict[str, dict[str, str]]:
    """``--label COLUMN=TEXT`` options as column labels in ``lang``."""
    labels: dict[str, dict[str, str]] = {}
    for text in given or ():
        column, sep, name = text.partition("=")
        if not sep or not column.strip() or not name.strip():
            raise UsageError(f"--label must be COLUMN=TEXT, such as --label branch=Kontor; got {text!r}")
        labels[column.strip()] = {lang: name.strip()}
    return labels


def _check_lang(lang: str) -> None:
    if lang not in ("en", "sv", "zh"):
        raise UsageError(f"unknown language '{lang}' (choose en, sv or zh)")


# the web platform's commands import the web stack only when they run
app.add_typer(db_app, name="db")
app.add_typer(admin_app, name="admin")
app.add_typer(privacy_app, name="privacy")
app.command()(serve)
app.command()(worker)


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
        if exc.hint:
            typer.echo(f"hint: {exc.hint}", err=True)
        sys.exit(1)
    except ServqError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(1)
    except ModuleNotFoundError as exc:
        message = missing_extra(exc)
        if message is None:
            raise
        typer.echo(f"error: {message}", err=True)
        sys.exit(1)
    except OSError as exc:  # unwritable output folder, disk full: the user's environment
        typer.echo(f"error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
