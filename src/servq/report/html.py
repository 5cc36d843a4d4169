"""The one-file HTML report: results dict in, one self-contained HTML5 document out.

:func:`render_html` builds a context (formatted strings, tables and inline SVG charts)
from a results dict that follows ``results.schema.json`` and renders
``templates/report.html.j2`` with autoescaping on. The document has no scripts, external
styles, fonts or images, so it can be mailed, archived and printed as it is.

Sections appear only when the results have what they show: tolerance zone for the
three-column format, general versus specific for two-level instruments, outcomes, NPS,
importance and segments when present, and the quality of the instrument (reliability,
factor structure, discriminant validity, measurement invariance) when the results carry
any of ``reliability``, ``cfa``, ``validity`` and ``invariance``.

Examples
--------
>>> import json
>>> from servq.report.html import render_html
>>> html = render_html(json.load(open("results.json")), "sv")  # doctest: +SKIP
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, partial
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from servq.report import charts, i18n
from servq.report.summary import (
    QUALITY_KEYS,
    dimension_labels,
    executive_summary,
    htmt_threshold,
    invariance_sentence,
    is_real,
    mean,
    not_separated_sentences,
    overall_score,
    primary_metric,
    quality_block,
    weakest_dimension,
)

HTML_LANG = {"en": "en", "sv": "sv", "zh": "zh-Hans"}
SIGNED = {"gap", "msa", "mss", "difference"}
NPS_COLOURS = {"detractors": "#b5472b", "passives": "#9aa5b1", "promoters": "#2a6496"}
# table columns of text (left-aligned headers); all others hold numbers
TEXT_COLUMNS = {
    "col.dimension", "col.item", "col.text", "col.measure", "col.outcome", "col.segment", "col.status",
    "col.verdict", "col.model", "col.holds", "col.assessment",
}


@dataclass
class Cell:
    text: str
    sub: str = ""
    cls: str = ""
    span: int = 1


@dataclass
class Row:
    cells: list[Cell]
    kind: str = "data"  # data | group | suppressed


@dataclass
class Table:
    columns: list[tuple[str, bool]]  # (header, numeric)
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    cls: str = ""


@dataclass
class Callout:
    """A boxed message: ``alert`` (a key finding to act on), ``warn``, ``info`` or ``ok``."""

    kind: str
    lines: list[str]
    title: str = ""


@dataclass
class Figure:
    caption: str
    svg: str  # made Markup: the chart builders escape their own text

    def __post_init__(self) -> None:
        self.svg = Markup(self.svg)


def render_html(results: Mapping[str, Any], lang: str | None = None) -> str:
    """Render ``results`` as one self-contained HTML document.

    Parameters
    ----------
    results
        An analysis result following ``results.schema.json`` (``Results.to_dict()``).
    lang
        ``en``, ``sv`` or ``zh``; defaults to ``results["options"]["lang"]``, then ``en``.

    Returns
    -------
    str
        The HTML document.

    Raises
    ------
    servq.errors.UsageError
        If ``lang`` is not one of the report languages.
    """
    lang = i18n.check_lang(lang or (results.get("options") or {}).get("lang") or "en")
    context = build_context(results, lang)
    return _environment().get_template("report.html.j2").render(**context)


@cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("servq.report", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


# --------------------------------------------------------------------------- helpers


class _Fmt:
    """Language-bound formatting shortcuts, and the table cells made with them."""

    def __init__(self, lang: str, confidence: float):
        self.lang = lang
        self.level = i18n.fmt_level(lang, confidence)

    def t(self, key: str, **kw: object) -> str:
        return i18n.t(self.lang, key, **kw)

    def num(self, value: float | None, signed: bool = False, digits: int = 2) -> str:
        return i18n.fmt_num(self.lang, value, digits, signed=signed)

    def int(self, value: int | None) -> str:
        return i18n.fmt_int(self.lang, value)

    def pct(self, share: float | None) -> str:
        return i18n.fmt_pct(self.lang, share)

    def interval(self, stat: Mapping | None, signed: bool = False, digits: int = 2) -> str:
        if not isinstance(stat, Mapping):
            return ""
        low, high = stat.get("ci_low"), stat.get("ci_high")
        return i18n.fmt_interval(self.lang, low, high, digits, signed=signed)

    def pct_interval(self, share: Mapping | None) -> str:
        if not isinstance(share, Mapping) or None in (share.get("ci_low"), share.get("ci_high")):
            return ""
        low, high = (self.num(share[k] * 100, digits=1) for k in ("ci_low", "ci_high"))
        return self.t("format.interval", low=low, high=high)

    def headers(self, *keys: str) -> list[tuple[str, bool]]:
        """(header, numeric) table columns for the string ``keys``."""
        return [(self.t(k), k not in TEXT_COLUMNS) for k in keys]

    def n_cell(self, n: int | None) -> Cell:
        return Cell(self.int(n), cls="num")

    def label_cells(self, label: str, n: int | None) -> list[Cell]:
        """The first two cells of most rows: what the row is about and its n."""
        return [Cell(label, cls="label"), self.n_cell(n)]

    def num_cell(
        self, value: float | None, signed: bool = False, sub: str = "", digits: int = 2
    ) -> Cell:
        neg = signed and value is not None and value < 0
        return Cell(self.num(value, signed, digits), sub, "num neg" if neg else "num")

    def stat_cell(self, stat: Mapping | None, signed: bool = False, ci: bool = True) -> Cell:
        if not isinstance(stat, Mapping):
            return Cell(self.num(None), cls="num na")
        return self.num_cell(stat.get("mean"), signed, self.interval(stat, signed) if ci else "")

    def sd_cell(self, stat: Mapping | None) -> Cell:
        return Cell(self.num(stat.get("sd") if isinstance(stat, Mapping) else None), cls="num")

    def share_cell(self, share: Mapping | None) -> Cell:
        return Cell(self.pct((share or {}).get("share")), self.pct_interval(share), "num")


def _has(rows: Sequence[Mapping], key: str) -> bool:
    return any(isinstance(r.get(key), Mapping) for r in rows)


def _scale(results: Mapping) -> tuple[int, int]:
    scale = (results.get("instrument") or {}).get("scale") or {}
    return int(scale.get("min", 1)), int(scale.get("max", 7))


def _zoom(results: Mapping, values: Sequence[float | None]) -> tuple[float, float]:
    """The answer scale narrowed to whole numbers around ``values`` (at least 2 wide).

    Dot and band charts show differences between means, so they need not start at the
    scale minimum the way bars must.
    """
    lo, hi = _scale(results)
    finite = [v for v in values if isinstance(v, (int, float)) and math.isfinite(v)]
    if not finite:
        return lo, hi
    z_lo = max(lo, math.floor(min(finite) - 0.25))
    z_hi = min(hi, math.ceil(max(finite) + 0.25))
    while z_hi - z_lo < 2 and (z_lo > lo or z_hi < hi):
        z_lo, z_hi = max(lo, z_lo - 1), min(hi, z_hi + 1)
    return z_lo, z_hi


def _item_groups(results: Mapping) -> list[tuple[str, list[Mapping]]]:
    """(dimension label, items) in the dimensions' order (unknown dimensions last)."""
    dims = results.get("dimensions") or []
    groups: dict[str, list[Mapping]] = {d["id"]: [] for d in dims}
    for it in results.get("items") or []:
        groups.setdefault(it["dimension"], []).append(it)
    labels = {d["id"]: d["label"] for d in dims}
    return [(labels.get(k, k), v) for k, v in groups.items() if v]


def _item_label(item: Mapping) -> str:
    return f"{item['id']}. {item['text']}"


# --------------------------------------------------------------------------- context


def build_context(results: Mapping[str, Any], lang: str) -> dict[str, Any]:
    """Everything the template shows, formatted for ``lang``."""
    f = _Fmt(lang, (results.get("options") or {}).get("confidence", 0.95))
    dims, items = results.get("dimensions") or [], results.get("items") or []
    metric = primary_metric(dims) or primary_metric(items)
    version, schema = results.get("servq_version", ""), results.get("schema_version", "")
    context: dict[str, Any] = {
        "lang": HTML_LANG[lang],
        "t": partial(i18n.t, lang),
        "title": f.t("report.title"),
        "instrument_name": (results.get("instrument") or {}).get("name", ""),
        "header": _header(results, f),
        "kpis": _kpis(results, f),
        "summary": executive_summary(results, lang),
        "footer": f.t("report.footer", version=version, schema=schema),
    }
    sections = {
        "dimensions": _dimensions(results, f, metric),
        "overall": _overall(results, f),
        "items": _items(results, f, metric),
        "zone": _zone(results, f, metric),
        "specific": _specific(results, f),
        "outcomes": _outcomes(results, f),
        "quality": _quality(results, f),
        "segments": _segments(results, f, metric),
    }
    # a block shows, in order: intro, callouts, figures, tables, then sub-sections
    # (groups), each a list of (kind, value) parts: p, h4, callout, figure, table, code
    empty = {"intro": "", "callouts": [], "figures": [], "tables": [], "groups": []}
    context["blocks"] = [
        {"id": name, "title": f.t(f"section.{name}"), **empty, **section}
        for name, section in sections.items()
        if section
    ]
    context["definitions"] = _definitions(results, f)
    context["toc"] = (
        [("summary", f.t("section.summary"))]
        + [(b["id"], b["title"]) for b in context["blocks"]]
        + [("definitions", f.t("section.definitions"))]
    )
    return context


def _header(results: Mapping, f: _Fmt) -> list[tuple[str, str]]:
    instrument = results.get("instrument") or {}
    options = results.get("options") or {}
    source = results.get("source") or {}
    missing = results.get("missing") or {}
    file = source.get("file")
    if file and source.get("rows") is not None:
        source_text = f.t("header.source_rows", file=file, rows=f.int(source["rows"]))
    else:
        source_text = file or f.t("header.source_unknown")
    if source.get("format") and file:
        source_text += f" · {source['format']}"
    blank, dont_know = missing.get("blank", 0), missing.get("dont_know", 0)
    if blank + dont_know:
        total, cells = blank + dont_know, missing.get("cells", 0)
        counts = dict(missing=total, cells=cells, blank=blank, dont_know=dont_know)
        missing_text = f.t("header.missing_detail", **{k: f.int(v) for k, v in counts.items()})
    else:
        missing_text = f.t("header.missing_none")
    lo, hi = _scale(results)
    by = options.get("by") or []
    segments_by = f.t("format.list_sep").join(by) if by else f.t("header.segments_none")
    version = f.t("header.version", version=instrument.get("version", ""))
    return [
        (f.t("header.instrument"), f"{instrument.get('name', '')} · {version}"),
        (f.t("header.source"), source_text),
        (f.t("header.date"), i18n.fmt_datetime(f.lang, results.get("generated_at"))),
        (f.t("header.respondents"), f.int(results.get("n_respondents", 0))),
        (f.t("header.scale"), f.t("format.range", low=lo, high=hi)),
        (f.t("header.segments_by"), segments_by),
        (f.t("header.min_n"), f.int(options.get("min_n"))),
        (f.t("header.confidence"), f.level),
        (f.t("header.missing"), missing_text),
    ]


def _kpi(label: str, value: str, sub: str = "", cls: str = "") -> dict[str, str]:
    return {"label": label, "value": value, "sub": sub, "cls": cls}


def _kpis(results: Mapping, f: _Fmt) -> list[dict[str, str]]:
    def score(label: str, stat: Mapping, signed: bool) -> dict[str, str]:
        cls = "neg" if signed and stat["mean"] < 0 else ""
        return _kpi(label, f.num(stat["mean"], signed), f.interval(stat, signed), cls)

    kpis = [_kpi(f.t("kpi.respondents"), f.int(results.get("n_respondents", 0)))]
    overall = overall_score(results)
    if overall:
        kind, stat = overall
        kpis.append(score(f.t(f"kpi.{kind}"), stat, kind == "servqual"))
        weighted = (results.get("servqual") or {}).get("weighted")
        if kind == "servqual" and isinstance(weighted, Mapping) and weighted.get("mean") is not None:
            kpis.append(score(f.t("kpi.servqual_weighted"), weighted, True))
    weakest = weakest_dimension(results)
    if weakest:
        dim, metric = weakest
        sub = f"{f.t('metric.' + metric)}: {f.num(mean(dim, metric), metric != 'perception')}"
        kpis.append(_kpi(f.t("kpi.weakest"), dim["label"], sub, "text"))
    for outcome in results.get("outcomes") or []:
        nps = outcome.get("nps")
        if outcome.get("kind") == "nps" and isinstance(nps, Mapping) and nps.get("nps") is not None:
            kpis.append(_kpi(f.t("kpi.nps"), f.num(nps["nps"], True, 1), f.interval(nps, True, 1)))
            break
    return kpis


# --------------------------------------------------------------------------- sections


def _metric_columns(
    rows: Sequence[Mapping], f: _Fmt, metric: str | None, *, zone_shares: bool, last: str
) -> list[tuple[str, str]]:
    """(column key, header) for the score columns present in ``rows``, in reading order,
    the shares of the tolerance zone if ``zone_shares``, and ``last`` if present."""
    cols: list[tuple[str, str]] = []
    for key in ("expectation", "adequate", "desired", "perception", "gap", "msa", "mss"):
        if _has(rows, key):
            cols.append((key, f.t(f"col.{key}")))
            if key in ("gap", metric):  # a standard deviation for gaps and the primary metric
                cols.append((f"sd:{key}", f.t("col.sd")))
    if zone_shares and _has(rows, "zone"):
        cols += [(f"zone:{part}", f.t(f"col.{part}")) for part in ("below", "within", "above")]
    return cols + ([(last, f.t(f"col.{last}"))] if _has(rows, last) else [])


def _metric_cells(
    row: Mapping, cols: Sequence[tuple[str, str]], f: _Fmt, metric: str | None
) -> list[Cell]:
    cells = []
    for key, _ in cols:
        if key.startswith("sd:"):
            cells.append(f.sd_cell(row.get(key[3:])))
        elif key.startswith("zone:"):
            share = ((row.get("zone") or {}).get(key[5:]) or {}).get("share")
            cells.append(Cell(f.pct(share), cls="num"))
        else:
            # intervals only on the headline columns, to keep tables readable
            ci = key == metric or key in ("msa", "mss", "importance", "specific")
            cells.append(f.stat_cell(row.get(key), key in SIGNED, ci=ci))
    return cells


def _bar(row: Mapping, metric: str, label: str) -> charts.Bar:
    stat = row.get(metric) if isinstance(row.get(metric), Mapping) else {}
    return charts.Bar(label, stat.get("mean"), stat.get("ci_low"), stat.get("ci_high"))


def _dimension_chart(results: Mapping, f: _Fmt, metric: str) -> Figure:
    bars = [_bar(d, metric, d["label"]) for d in results["dimensions"]]
    caption = f.t(f"chart.{metric}", level=f.level)
    if metric == "perception":
        lo, hi = _scale(results)
        axis_label = f.t("chart.axis_scale", low=lo, high=hi)
        svg = charts.bar_chart(
            bars, title=caption, fmt=f.num, domain=(lo, hi), diverging=False, axis_label=axis_label
        )
    else:
        if metric == "gap":
            legend = (f.t("chart.legend_short"), f.t("chart.legend_meets"))
        else:
            legend = (f.t("chart.legend_msa_short"), f.t("chart.legend_msa_meets"))
        fmt, axis_label = partial(f.num, signed=True), f.t(f"chart.axis_{metric}")
        svg = charts.bar_chart(bars, title=caption, fmt=fmt, legend=legend, axis_label=axis_label)
    return Figure(caption, svg)


def _dimensions(results: Mapping, f: _Fmt, metric: str | None) -> dict | None:
    dims = results.get("dimensions") or []
    if not dims:
        return None
    cols = _metric_columns(dims, f, metric, zone_shares=True, last="importance")
    rows = [
        Row(f.label_cells(d["label"], d.get("n")) + _metric_cells(d, cols, f, metric)) for d in dims
    ]
    headers = f.headers("col.dimension", "col.n") + [(h, True) for _, h in cols]
    table = Table(headers, rows, [f.t("notes.interval", level=f.level)])
    lo, hi = _scale(results)
    intro_key = {"gap": "intro.dimensions_gap", "msa": "intro.dimensions_msa"}.get(
        metric or "", "intro.dimensions_perception"
    )
    return {
        "intro": f.t(intro_key, low=lo, high=hi),
        "figures": [_dimension_chart(results, f, metric)] if metric else [],
        "tables": [table],
    }


def _overall(results: Mapping, f: _Fmt) -> dict | None:
    servqual = results.get("servqual") or {}
    candidates = [
        ("measure.servqual_unweighted", servqual.get("unweighted"), True),
        ("measure.servqual_weighted", servqual.get("weighted"), True),
        ("measure.servperf", results.get("servperf"), False),
    ]
    rows = []
    for key, stat, signed in candidates:
        if isinstance(stat, Mapping):
            cells = [f.stat_cell(stat, signed, ci=False), Cell(f.interval(stat, signed), cls="num")]
            rows.append(Row(f.label_cells(f.t(key), stat.get("n")) + cells + [f.sd_cell(stat)]))
    if not rows:
        return None
    headers = f.headers("col.measure", "col.n", "col.mean") + [(f.level, True)] + f.headers("col.sd")
    return {"intro": f.t("intro.overall"), "figures": [], "tables": [Table(headers, rows)]}


def _items_chart(results: Mapping, f: _Fmt, metric: str | None) -> Figure | None:
    groups = _item_groups(results)
    if not groups or metric is None:
        return None
    if metric == "gap":
        caption = f.t("chart.items_gap")

        def dumbbell(it: Mapping) -> charts.Dumbbell:
            e, p = mean(it, "expectation"), mean(it, "perception")
            return charts.Dumbbell(_item_label(it), e, p, f.num(mean(it, "gap"), True))

        chart_groups = [charts.Group(label, [dumbbell(it) for it in items]) for label, items in groups]
        svg = charts.dumbbell_chart(
            chart_groups,
            title=caption,
            a_label=f.t("col.expectation"),
            b_label=f.t("col.perception"),
            worse_label=f.t("chart.legend_worse"),
            better_label=f.t("chart.legend_better"),
            domain=_zoom(results, [v for g in chart_groups for r in g.rows for v in (r.a, r.b)]),
            fmt=f.num,
        )
    elif metric == "msa":
        caption = f.t("chart.items_zone")
        svg = _zone_svg(results, f, caption, groups, item_labels=True)
    else:
        caption = f.t("chart.items_perception", level=f.level)
        bars = [
            charts.Group(label, [_bar(it, "perception", _item_label(it)) for it in items])
            for label, items in groups
        ]
        svg = charts.bar_chart(
            bars, title=caption, fmt=f.num, domain=_scale(results), diverging=False, label_max=330
        )
    return Figure(caption, svg)


def _items(results: Mapping, f: _Fmt, metric: str | None) -> dict | None:
    items = results.get("items") or []
    if not items:
        return None
    cols = _metric_columns(items, f, metric, zone_shares=False, last="specific")
    headers = f.headers("col.item", "col.text", "col.n") + [(h, True) for _, h in cols]
    table = Table(headers, cls="items", notes=[f.t("notes.interval", level=f.level)])
    for label, rows in _item_groups(results):
        table.rows.append(Row([Cell(label, span=len(headers))], kind="group"))
        for it in rows:
            number = str(it["id"]) + (" R" if it.get("reverse") else "")
            lead = [Cell(number, cls="id"), Cell(it["text"], cls="label text"), f.n_cell(it.get("n"))]
            table.rows.append(Row(lead + _metric_cells(it, cols, f, metric)))
    if any(it.get("reverse") for it in items):
        table.notes.append(f.t("notes.reverse"))
    figure = _items_chart(results, f, metric)
    return {"intro": f.t("intro.items"), "figures": [figure] if figure else [], "tables": [table]}


def _zone_svg(
    results: Mapping, f: _Fmt, caption: str, groups: Sequence[tuple[str, Sequence]], item_labels: bool
) -> str:
    labels = {"band": f.t("chart.legend_band"), "below": f.t("status.below")}
    labels |= {"within": f.t("status.within"), "above": f.t("status.above")}

    def zone_row(r: Mapping) -> charts.ZoneRow:
        label = _item_label(r) if item_labels else r["label"]
        return charts.ZoneRow(label, mean(r, "adequate"), mean(r, "desired"), mean(r, "perception"))

    chart_groups = [charts.Group(label, [zone_row(r) for r in rows]) for label, rows in groups]
    values = [v for g in chart_groups for r in g.rows for v in (r.adequate, r.desired, r.perceived)]
    return charts.zone_chart(
        chart_groups, title=caption, domain=_zoom(results, values), fmt=f.num, labels=labels
    )


def _zone(results: Mapping, f: _Fmt, metric: str | None) -> dict | None:
    dims = results.get("dimensions") or []
    dims = [d for d in dims if mean(d, "adequate") is not None or isinstance(d.get("zone"), Mapping)]
    if not dims:
        return None
    caption = f.t("chart.zone")
    figures = [Figure(caption, _zone_svg(results, f, caption, [("", dims)], item_labels=False))]
    if metric == "gap":
        # the item-level zone chart lives in the items section unless that shows gaps
        groups = [
            (label, [it for it in items if mean(it, "adequate") is not None])
            for label, items in _item_groups(results)
        ]
        groups = [g for g in groups if g[1]]
        if groups:
            caption = f.t("chart.items_zone")
            figures.append(Figure(caption, _zone_svg(results, f, caption, groups, item_labels=True)))
    headers = ("col.dimension", "col.n", "col.adequate", "col.desired", "col.perception", "col.status")
    shares = ("col.below", "col.within", "col.above", "col.inverted")
    table = Table(f.headers(*headers, *shares), notes=[f.t("notes.shares", level=f.level)])
    for d in dims:
        zone = d.get("zone") or {}
        status = charts.zone_status(mean(d, "adequate"), mean(d, "desired"), mean(d, "perception"))
        status_text = f.t(f"status.{status}") if status else f.num(None)
        table.rows.append(
            Row(
                f.label_cells(d["label"], zone.get("n", d.get("n")))
                + [f.stat_cell(d.get(k), ci=False) for k in ("adequate", "desired", "perception")]
                + [Cell(status_text, cls=f"status {status or ''}")]
                + [f.share_cell(zone.get(part)) for part in ("below", "within", "above", "inverted")]
            )
        )
    return {"intro": f.t("intro.zone"), "figures": figures, "tables": [table]}


def _specific(results: Mapping, f: _Fmt) -> dict | None:
    dims = [d for d in results.get("dimensions") or [] if isinstance(d.get("specific"), Mapping)]
    if not dims:
        return None
    caption = f.t("chart.specific")

    def diff(d: Mapping) -> float | None:
        s, p = mean(d, "specific"), mean(d, "perception")
        return None if s is None or p is None else s - p

    rows = [
        charts.Dumbbell(d["label"], mean(d, "perception"), mean(d, "specific"), f.num(diff(d), True))
        for d in dims
    ]
    svg = charts.dumbbell_chart(
        [charts.Group("", rows)],
        title=caption,
        a_label=f.t("col.general"),
        b_label=f.t("col.specific"),
        worse_label=f.t("chart.legend_specific_worse"),
        better_label=f.t("chart.legend_specific_better"),
        domain=_zoom(results, [v for r in rows for v in (r.a, r.b)]),
        fmt=f.num,
        label_max=250,
    )
    table = Table(
        f.headers("col.dimension", "col.n", "col.general", "col.specific", "col.difference"),
        notes=[f.t("notes.interval", level=f.level)],
    )
    for d in dims:
        lead = f.label_cells(d["label"], d["specific"].get("n"))
        stats = [f.stat_cell(d.get(k)) for k in ("perception", "specific")]
        table.rows.append(Row(lead + stats + [f.num_cell(diff(d), True)]))
    return {"intro": f.t("intro.specific"), "figures": [Figure(caption, svg)], "tables": [table]}


def _outcomes(results: Mapping, f: _Fmt) -> dict | None:
    outcomes = results.get("outcomes") or []
    if not outcomes:
        return None
    note = f.t("notes.interval", level=f.level)
    scores = Table(f.headers("col.outcome", "col.scale", "col.n", "col.mean", "col.sd"), notes=[note])
    for o in outcomes:
        score = o.get("score") or {}
        scale = Cell(f.t("format.range", low=o.get("min"), high=o.get("max")), cls="num")
        cells = [Cell(o["label"], cls="label"), scale, f.n_cell(score.get("n"))]
        scores.rows.append(Row(cells + [f.stat_cell(score), f.sd_cell(score)]))
    tables, figures = [scores], []
    nps_rows = [o for o in outcomes if o.get("kind") == "nps" and isinstance(o.get("nps"), Mapping)]
    if nps_rows:
        headers = ("col.outcome", "col.n", "col.nps", "col.detractors", "col.passives", "col.promoters")
        nps_table = Table(f.headers(*headers), notes=[note])
        for o in nps_rows:
            nps = o["nps"]
            nps_table.rows.append(
                Row(
                    f.label_cells(o["label"], nps.get("n"))
                    + [f.num_cell(nps.get("nps"), True, f.interval(nps, True, 1), digits=1)]
                    + [f.share_cell(nps.get(k)) for k in NPS_COLOURS]
                )
            )
            caption = f.t("chart.nps", label=o["label"])
            parts = [
                charts.Share(f.t(f"col.{k}"), (nps.get(k) or {}).get("share"), colour)
                for k, colour in NPS_COLOURS.items()
            ]
            figures.append(Figure(caption, charts.stacked_bar(parts, title=caption, pct=f.pct)))
        tables.append(nps_table)
    return {"intro": f.t("intro.outcomes"), "figures": figures, "tables": tables}


def _segment_overall(segment: Mapping, metric: str) -> float | None:
    if metric == "gap":
        return mean(segment.get("servqual"), "unweighted")
    stat = segment.get("servperf")
    return stat.get("mean") if isinstance(stat, Mapping) else None


def _segments(results: Mapping, f: _Fmt, metric: str | None) -> dict | None:
    segments = results.get("segments") or {}
    min_n = (results.get("options") or {}).get("min_n", 1)
    dims = results.get("dimensions") or []
    if not segments or metric is None or not dims:
        return None
    signed = metric != "perception"
    # an overall column only where it is on the same scale as the cells
    overall_key = {"gap": "col.overall_servqual", "perception": "col.overall_servperf"}.get(metric)
    columns = [d["label"] for d in dims] + ([f.t(overall_key)] if overall_key else [])

    def values(segment: Mapping) -> list[float | None]:
        by_id = {d.get("id"): d for d in segment.get("dimensions") or []}
        cells = [mean(by_id.get(d["id"]), metric) for d in dims]
        return cells + [_segment_overall(segment, metric)] if overall_key else cells

    if metric == "perception":
        lo, hi = _scale(results)
        centre, half = (lo + hi) / 2, (hi - lo) / 2
    else:
        shown = [s for segs in segments.values() for s in segs.values() if not s.get("suppressed")]
        extent = [abs(v) for s in shown for v in values(s) if v is not None]
        centre, half = 0.0, max(0.5, math.ceil(max(extent, default=0.5) * 2) / 2)  # up to a half
    groups = []
    for column, segs in segments.items():
        rows = []
        headers = f.headers("col.segment", "col.n") + [(c, True) for c in columns]
        table = Table(headers, cls="segments")
        for name, seg in segs.items():
            suppressed = bool(seg.get("suppressed"))
            cells = [] if suppressed else values(seg)
            rows.append(charts.HeatRow(str(name), int(seg.get("n", 0)), cells, suppressed))
            if suppressed:
                note = f.t("segments.suppressed", min_n=min_n)
                shown = [Cell(note, cls="suppressed-note", span=len(columns))]
            else:
                shown = [f.num_cell(v, signed) for v in cells]
            kind = "suppressed" if suppressed else "data"
            table.rows.append(Row(f.label_cells(str(name), seg.get("n")) + shown, kind=kind))
        caption = f.t("chart.heatmap", metric=f.t(f"metric.{metric}"), column=column)
        svg = charts.heatmap(
            rows,
            columns,
            title=caption,
            fmt=partial(f.num, signed=signed),
            n_fmt=lambda n: f.t("format.n_equals", n=f.int(n)),
            centre=centre,
            half_range=half,
            suppressed_text=f.t("chart.suppressed_cell", min_n=min_n),
            separate_last=overall_key is not None,
        )
        content = [("figure", Figure(caption, svg)), ("table", table)]
        title = f.t("segments.by", column=column)
        groups.append({"title": title, "cls": "segment-group", "content": content})
    return {"intro": f.t("intro.segments", min_n=min_n), "groups": groups}


# --------------------------------------------------------------------------- instrument quality

PARTS = ("expectation", "perception", "adequate", "desired", "specific")
VERDICTS = ("excellent", "good", "acceptable", "questionable", "poor", "not_applicable")
FIT_INDICES = ("cfi", "tli", "rmsea", "srmr")
FIT_NAMES = {"chisq": "χ²", "cfi": "CFI", "tli": "TLI", "rmsea": "RMSEA", "srmr": "SRMR"}
LOWER_IS_BETTER = {"rmsea", "srmr"}
ALPHA_CI_LEVEL = 0.95  # the Feldt interval of psych::alpha
RMSEA_CI_LEVEL = 0.90  # lavaan's rmsea.ci.lower/upper
LOADING_REFERENCE = 0.70  # 0.70² ≈ 0.50: half of the item's variance is its dimension's
CALLOUT_BY_VERDICT = {"good": "ok", "acceptable": "info", "poor": "warn"}
CALLOUT_BY_LEVEL = {"scalar": "ok", "metric": "info", "configural": "warn", "none": "warn"}


def _quality(results: Mapping, f: _Fmt) -> dict | None:
    """Reliability, factor structure, discriminant validity and measurement invariance,
    each as a sub-section when its results are present; None when none is."""
    builders = {
        "reliability": _reliability_group,
        "cfa": _cfa_group,
        "validity": _validity_group,
        "invariance": _invariance_group,
    }
    present = [key for key in QUALITY_KEYS if quality_block(results, key)]
    if not present:
        return None
    callouts = []
    validity = quality_block(results, "validity") or {}
    if validity.get("not_separated"):
        # the finding a manager must see before ranking dimensions: stated up front
        lines = not_separated_sentences(results, f.lang)
        callouts.append(Callout("alert", lines, f.t("quality.validity.not_separated_title")))
    return {
        "intro": f.t("intro.quality"),
        "callouts": callouts,
        "groups": [builders[key](results, f) for key in present],
    }


def _group(title: str, content: list[tuple[str, Any]]) -> dict:
    return {"title": title, "cls": "subsection", "content": content}


def _verdict(f: _Fmt, key: object) -> str:
    return f.t(f"quality.verdict.{key}") if key in VERDICTS else str(key or f.num(None))


def _verdict_cell(f: _Fmt, key: object) -> Cell:
    return Cell(_verdict(f, key), cls=f"verdict {key}" if key in VERDICTS else "verdict")


def _p_value(f: _Fmt, p: float | None) -> str:
    """``0.262``, or ``< 0.001`` below that."""
    if is_real(p) and p < 0.001:
        return f.t("quality.p_below", value=f.num(0.001, digits=3))
    return f.num(p, digits=3)


def _item_texts(results: Mapping) -> dict[int, str]:
    return {it["id"]: it.get("text", "") for it in results.get("items") or [] if "id" in it}


def _ordered(results: Mapping, ids: Sequence[str]) -> list[str]:
    """``ids`` in the instrument's dimension order, unknown ones after in their order."""
    known = [str(d["id"]) for d in results.get("dimensions") or [] if "id" in d]
    ids = list(dict.fromkeys(str(i) for i in ids))
    return [i for i in known if i in ids] + [i for i in ids if i not in known]


def _reliability_group(results: Mapping, f: _Fmt) -> dict:
    rel = quality_block(results, "reliability") or {}
    labels = dimension_labels(results)
    dims = [d for d in rel.get("dimensions") or [] if isinstance(d, Mapping)]
    part = rel.get("part")
    use = rel.get("use")
    intro = f.t(
        "quality.reliability.intro",
        part=f.t(f"quality.part.{part}") if part in PARTS else str(part or ""),
        use=f.t(f"quality.use.{use}") if use in ("pairwise", "listwise") else str(use or ""),
    )
    level = i18n.fmt_level(f.lang, ALPHA_CI_LEVEL)
    notes = [f.t("quality.reliability.note_interval", level=level), _alpha_cuts(rel, f)]
    headers = f.headers(
        "col.dimension", "col.n_items", "col.n", "col.alpha", "col.std_alpha", "col.omega",
        "col.g6", "col.average_r", "col.verdict",
    )
    table = Table(headers, notes=[n for n in notes if n])

    def label(d: Mapping) -> str:
        return labels.get(str(d.get("id")), str(d.get("id", "")))

    for d in dims:
        interval = i18n.fmt_interval(f.lang, d.get("feldt_low"), d.get("feldt_high"))
        numbers = [f.num_cell(d.get(k)) for k in ("std_alpha", "omega_total", "g6", "average_r")]
        table.rows.append(
            Row(
                [Cell(label(d), cls="label"), Cell(f.int(d.get("n_items")), cls="num")]
                + [f.n_cell(d.get("n")), f.num_cell(d.get("raw_alpha"), sub=interval)]
                + numbers
                + [_verdict_cell(f, d.get("verdict"))]
            )
        )
    content: list[tuple[str, Any]] = [("p", intro), ("table", table)]

    raising = []
    items = Table(
        f.headers("col.item", "col.text", "col.n", "col.r_drop", "col.alpha_dropped"),
        cls="items",
        notes=[f.t("quality.reliability.note_items")],
    )
    for d in dims:
        flagged = set(d.get("items_raising_alpha") or [])
        alpha = f.num(d.get("raw_alpha"))
        group_label = f.t("quality.reliability.group", dimension=label(d), alpha=alpha)
        items.rows.append(Row([Cell(group_label, span=len(items.columns))], kind="group"))
        for it in d.get("items") or []:
            flag = it.get("id") in flagged
            dropped = f.num_cell(it.get("alpha_if_dropped"))
            if flag:
                dropped.cls += " flag"
                text = i18n.quote(f.lang, str(it.get("text", "")).strip().rstrip(".。"))
                raising.append(
                    f.t(
                        "quality.reliability.raising",
                        item=it.get("id", ""),
                        text=text,
                        dimension=label(d),
                        alpha=alpha,
                        dropped=f.num(it.get("alpha_if_dropped")),
                    )
                )
            cells = [Cell(str(it.get("id", "")), cls="id"), Cell(str(it.get("text", "")), cls="label text")]
            cells += [f.n_cell(it.get("n")), f.num_cell(it.get("r_drop")), dropped]
            items.rows.append(Row(cells, kind="flag" if flag else "data"))
    if raising:
        content.append(("callout", Callout("warn", raising, f.t("quality.reliability.raising_title"))))
    elif dims:
        content.append(("p", f.t("quality.reliability.none_raising")))
    if any(d.get("items") for d in dims):
        content += [("h4", f.t("quality.reliability.items_title")), ("table", items)]
    return _group(f.t("quality.reliability.title"), content)


def _alpha_cuts(rel: Mapping, f: _Fmt) -> str:
    """The verdict cut-offs stated in the results, highest first, in one sentence."""
    thresholds = rel.get("thresholds") or {}
    cuts = sorted(((v, str(k)) for k, v in thresholds.items() if is_real(v)), reverse=True)
    if not cuts:
        return ""
    parts = [f.t("quality.reliability.cut", verdict=_verdict(f, k), value=f.num(v)) for v, k in cuts]
    if "poor" not in thresholds:
        lowest = f.num(cuts[-1][0])
        parts.append(f.t("quality.reliability.cut_below", verdict=_verdict(f, "poor"), value=lowest))
    return f.t("quality.reliability.cuts", cuts=i18n.join_list(f.lang, parts))


def _fit_rule(cut: Mapping, f: _Fmt) -> str:
    """``CFI ≥ 0.95, TLI ≥ 0.95, RMSEA ≤ 0.06 and SRMR ≤ 0.08``."""
    keys = [k for k in FIT_INDICES if k in cut] + [k for k in cut if k not in FIT_INDICES]
    parts = [
        f"{FIT_NAMES.get(k, k.upper())} {'≤' if k in LOWER_IS_BETTER else '≥'} {f.num(cut[k])}"
        for k in keys
        if is_real(cut[k])
    ]
    return i18n.join_list(f.lang, parts)


def _index_verdict(key: str, value: float | None, cutoffs: Mapping) -> str | None:
    """good / acceptable / poor for one fit index, None without a value or cut-off."""
    levels = [(level, (cutoffs.get(level) or {}).get(key)) for level in ("good", "acceptable")]
    levels = [(level, cut) for level, cut in levels if is_real(cut)]
    if not is_real(value) or not levels:
        return None
    for level, cut in levels:
        if (value <= cut) if key in LOWER_IS_BETTER else (value >= cut):
            return level
    return "poor"


def _cfa_group(results: Mapping, f: _Fmt) -> dict:
    cfa = quality_block(results, "cfa") or {}
    cutoffs = cfa.get("cutoffs") or {}
    verdict = cfa.get("verdict")
    content: list[tuple[str, Any]] = [("p", f.t("quality.cfa.intro", n=f.int(cfa.get("n"))))]
    if not cfa.get("converged", True):
        content.append(("callout", Callout("warn", [f.t("quality.cfa.not_converged")])))
    rules = [
        f.t(f"quality.cfa.cutoff_{level}", rule=_fit_rule(cutoffs[level], f))
        for level in ("good", "acceptable")
        if isinstance(cutoffs.get(level), Mapping) and cutoffs[level]
    ]
    if verdict in CALLOUT_BY_VERDICT:
        title = f.t("quality.cfa.verdict", verdict=_verdict(f, verdict))
        lines = rules + ([f.t("quality.cfa.cutoff_poor")] if rules else [])
        content.append(("callout", Callout(CALLOUT_BY_VERDICT[verdict], lines, title)))
    content.append(("table", _fit_table(cfa, f)))
    warnings = [str(w) for w in cfa.get("warnings") or []]
    if warnings:
        content.append(("callout", Callout("warn", warnings, f.t("quality.cfa.warnings_title"))))
    figure, loadings = _loadings(results, cfa, f)
    if figure:
        content += [("figure", figure), ("table", loadings)]
    correlations = cfa.get("factor_correlations") or {}
    if len(correlations) > 1:
        matrix = _matrix_table(results, correlations, f, diagonal=1.0)
        content += [("h4", f.t("quality.cfa.correlations_title")), ("table", matrix)]
    if cfa.get("model"):
        content += [("p", f.t("quality.cfa.model")), ("code", str(cfa["model"]))]
    return _group(f.t("quality.cfa.title"), content)


def _fit_table(cfa: Mapping, f: _Fmt) -> Table:
    fit = cfa.get("fit") or {}
    cutoffs = cfa.get("cutoffs") or {}
    headers = f.headers(
        "col.measure", "col.value", "col.cut_good", "col.cut_acceptable", "col.assessment"
    )
    table = Table(headers, notes=[f.t("quality.cfa.chisq_note", n=f.int(cfa.get("n")))])
    blank = f.num(None)
    if is_real(fit.get("chisq")):
        p = _p_value(f, fit.get("pvalue"))
        p = p if p.startswith("<") else f"= {p}"
        sub = f.t("quality.cfa.chisq_sub", df=f.int(fit.get("df")), p=p)
        if not is_real(fit.get("pvalue")):
            sub = ""
        cells = [Cell(blank, cls="num"), Cell(blank, cls="num"), Cell(blank, cls="verdict")]
        table.rows.append(Row([Cell("χ²", cls="label"), f.num_cell(fit["chisq"], sub=sub)] + cells))
    stated = {**(cutoffs.get("good") or {}), **(cutoffs.get("acceptable") or {})}
    for key in list(FIT_INDICES) + [k for k in stated if k not in FIT_INDICES]:
        value = fit.get(key)
        if not is_real(value):
            continue
        sub = ""
        if key == "rmsea":
            low, high = fit.get("rmsea.ci.lower"), fit.get("rmsea.ci.upper")
            interval = i18n.fmt_interval(f.lang, low, high, 3)
            level = i18n.fmt_level(f.lang, RMSEA_CI_LEVEL)
            sub = f.t("quality.cfa.rmsea_ci", level=level, interval=interval) if interval else ""
        sign = "≤" if key in LOWER_IS_BETTER else "≥"
        cuts = []
        for level in ("good", "acceptable"):
            cut = (cutoffs.get(level) or {}).get(key)
            cuts.append(Cell(f"{sign} {f.num(cut)}" if is_real(cut) else blank, cls="num"))
        verdict = _index_verdict(key, value, cutoffs)
        name = FIT_NAMES.get(key, key.upper())
        row = [Cell(name, cls="label"), f.num_cell(value, sub=sub, digits=3)] + cuts
        table.rows.append(Row(row + [_verdict_cell(f, verdict) if verdict else Cell(blank)]))
    if cfa.get("n") is not None:
        n_row = [Cell(f.t("quality.cfa.n"), cls="label"), f.n_cell(cfa.get("n"))]
        table.rows.append(Row(n_row + [Cell(blank, cls="num"), Cell(blank, cls="num"), Cell("")]))
    return table


def _loadings(results: Mapping, cfa: Mapping, f: _Fmt) -> tuple[Figure | None, Table]:
    """The standardized loadings as bars grouped by dimension, and as a table."""
    labels = dimension_labels(results)
    texts = _item_texts(results)
    rows = [r for r in cfa.get("loadings") or [] if isinstance(r, Mapping)]
    table = Table(
        f.headers("col.item", "col.text", "col.estimate", "col.se", "col.std_loading"),
        cls="items",
        notes=[f.t("quality.cfa.note_loadings")],
    )
    if not rows:
        return None, table
    groups = []
    for dim in _ordered(results, [str(r.get("dimension")) for r in rows]):
        in_dim = [r for r in rows if str(r.get("dimension")) == dim]
        bars = []
        table.rows.append(Row([Cell(labels.get(dim, dim), span=len(table.columns))], kind="group"))
        for r in in_dim:
            item = r.get("item")
            text = texts.get(item, "")
            bars.append(charts.Bar(f"{item}. {text}" if text else str(item), r.get("std_all")))
            lead = [Cell(str(item), cls="id"), Cell(text, cls="label text")]
            numbers = [f.num_cell(r.get(k)) for k in ("estimate", "se", "std_all")]
            table.rows.append(Row(lead + numbers))
        groups.append(charts.Group(labels.get(dim, dim), bars))
    if any(r.get("se") is None for r in rows):
        table.notes.append(f.t("quality.cfa.note_fixed"))
    values = [r["std_all"] for r in rows if is_real(r.get("std_all"))]
    lo = 0.0 if min(values, default=0.0) >= 0 else math.floor(min(values) * 5) / 5
    hi = max(1.0, math.ceil(max(values, default=1.0) * 10) / 10)  # a Heywood case exceeds 1
    caption = f.t("quality.cfa.loadings_chart")
    reference_label = f.t("quality.cfa.loading_reference", value=f.num(LOADING_REFERENCE))
    svg = charts.bar_chart(
        groups,
        title=caption,
        fmt=f.num,
        domain=(lo, hi),
        diverging=lo < 0,
        label_max=330,
        reference=(LOADING_REFERENCE, reference_label),
    )
    return Figure(caption, svg), table


def _matrix_table(
    results: Mapping,
    matrix: Mapping,
    f: _Fmt,
    *,
    diagonal: float | None = None,
    shade: Callable[[float], str] | None = None,
) -> Table:
    """A lower-triangular dimension × dimension table of ``matrix`` ({a: {b: value}});
    ``shade(value)`` gives extra cell classes (the HTMT heat)."""
    labels = dimension_labels(results)
    index = {str(k): v or {} for k, v in matrix.items()}
    ids = _ordered(results, list(index) + [str(b) for row in index.values() for b in row])

    def value(a: str, b: str) -> float | None:
        v = index.get(a, {}).get(b)
        return v if is_real(v) else index.get(b, {}).get(a)

    # without a diagonal the first row and the last column would be empty
    rows, columns = (ids, ids) if diagonal is not None else (ids[1:], ids[:-1])
    headers = f.headers("col.dimension") + [(labels.get(i, i), True) for i in columns]
    table = Table(headers, cls="matrix")
    for a in rows:
        i = ids.index(a)
        cells = [Cell(labels.get(a, a), cls="label")]
        for b in columns:
            j = ids.index(b)
            if j > i:
                cells.append(Cell("", cls="num empty"))
            elif j == i:
                cells.append(Cell(f.num(diagonal) if diagonal is not None else "", cls="num diag"))
            else:
                v = value(a, b)
                extra = shade(v) if shade and is_real(v) else ""
                cells.append(Cell(f.num(v), cls=f"num {extra}".strip()))
        table.rows.append(Row(cells))
    return table


def _validity_group(results: Mapping, f: _Fmt) -> dict:
    validity = quality_block(results, "validity") or {}
    labels = dimension_labels(results)
    thresholds = validity.get("thresholds") or {}
    cr_cut = thresholds.get("cr") if is_real(thresholds.get("cr")) else 0.70
    ave_cut = thresholds.get("ave") if is_real(thresholds.get("ave")) else 0.50
    strict, liberal = htmt_threshold(validity), htmt_threshold(validity, "liberal")
    content: list[tuple[str, Any]] = [("p", f.t("quality.validity.intro"))]

    headers = f.headers(
        "col.dimension", "col.cr", "col.ave", "col.sqrt_ave", "col.max_r", "col.assessment"
    )
    note = f.t("quality.validity.note_flags", cr=f.num(cr_cut), ave=f.num(ave_cut))
    table = Table(headers, notes=[note])
    for d in validity.get("dimensions") or []:
        cr, ave = d.get("cr"), d.get("ave")
        cr_low = d.get("cr_low", is_real(cr) and cr < cr_cut)
        ave_low = d.get("ave_low", is_real(ave) and ave < ave_cut)
        fails = bool(d.get("fornell_larcker_fails"))
        sqrt_ave = d.get("sqrt_ave", math.sqrt(ave) if is_real(ave) and ave >= 0 else None)
        flags = [
            f.t(f"quality.validity.flag_{name}")
            for name, hit in (("cr", cr_low), ("ave", ave_low), ("fl", fails))
            if hit
        ]
        cr_cell, ave_cell = f.num_cell(cr), f.num_cell(ave)
        cr_cell.cls += " flag" if cr_low else ""
        ave_cell.cls += " flag" if ave_low else ""
        assessment = (
            Cell(i18n.t(f.lang, "format.list_sep").join(flags), cls="verdict poor")
            if flags
            else Cell(f.t("quality.validity.flag_none"), cls="verdict good")
        )
        label = labels.get(str(d.get("id")), str(d.get("id", "")))
        row = [Cell(label, cls="label"), cr_cell, ave_cell, f.num_cell(sqrt_ave)]
        table.rows.append(Row(row + [f.num_cell(d.get("max_correlation")), assessment]))
    if table.rows:
        content.append(("table", table))

    htmt = validity.get("htmt") or {}
    if len(htmt) > 1:

        def shade(v: float) -> str:
            return "heat-strong" if v >= liberal else "heat" if v >= strict else ""

        matrix = _matrix_table(results, htmt, f, shade=shade)
        cuts = {"strict": f.num(strict), "liberal": f.num(liberal)}
        matrix.notes.append(f.t("quality.validity.htmt_note", **cuts))
        intro = f.t("quality.validity.htmt_intro", **cuts)
        content += [("h4", f.t("quality.validity.htmt_title")), ("p", intro), ("table", matrix)]
    pairs = validity.get("not_separated") or []
    if pairs:
        named = [
            f.t(
                "quality.validity.pair",
                a=labels.get(str(p["a"]), str(p["a"])),
                b=labels.get(str(p["b"]), str(p["b"])),
                htmt=f.num(p.get("htmt")),
            )
            for p in pairs
        ]
        content.append(("p", f.t("quality.validity.pairs", pairs=i18n.join_list(f.lang, named))))
    else:
        lines = not_separated_sentences(results, f.lang)
        if lines:
            content.append(("callout", Callout("ok", lines)))
    return _group(f.t("quality.validity.title"), content)


def _invariance_group(results: Mapping, f: _Fmt) -> dict:
    inv = quality_block(results, "invariance") or {}
    column = str(inv.get("column", ""))
    groups = [
        f.t("quality.invariance.group", name=name, n=f.t("format.n_equals", n=f.int(n)))
        for name, n in (inv.get("groups") or {}).items()
    ]
    intro = f.t("quality.invariance.intro", column=column, groups=i18n.join_list(f.lang, groups))
    content: list[tuple[str, Any]] = [("p", intro)]
    headers = f.headers(
        "col.model", "col.chisq", "col.df", "col.cfi", "col.rmsea", "col.delta_chisq", "col.pvalue",
        "col.delta_cfi", "col.holds",
    )
    rule = str(inv.get("rule") or "").strip().rstrip(".。")
    notes = [f.t("quality.invariance.rule", rule=rule)] if rule else []
    table = Table(headers, notes=notes)
    for step in inv.get("steps") or []:
        model = step.get("model")
        known = model in ("configural", "metric", "scalar")
        name = f.t(f"quality.invariance.model_{model}") if known else str(model)
        what = f.t(f"quality.invariance.constraint_{model}") if known else ""
        delta = f.num(step.get("delta_chisq"))
        if is_real(step.get("delta_df")):
            delta = f"{delta} ({f.int(step['delta_df'])})"
        holds = step.get("holds")
        if holds is None:
            holds_cell = Cell(f.num(None), cls="verdict")
        else:
            key = "holds" if holds else "does_not_hold"
            cls = "verdict good" if holds else "verdict poor"
            holds_cell = Cell(f.t(f"quality.invariance.{key}"), cls=cls)
        table.rows.append(
            Row(
                [Cell(name, what, cls="label"), f.num_cell(step.get("chisq"))]
                + [Cell(f.int(step.get("df")), cls="num")]
                + [f.num_cell(step.get(k), digits=3) for k in ("cfi", "rmsea")]
                + [Cell(delta, cls="num"), Cell(_p_value(f, step.get("pvalue")), cls="num")]
                # a small drop in CFI is expected, so ΔCFI is not coloured as a shortfall
                + [Cell(f.num(step.get("delta_cfi"), signed=True, digits=3), cls="num"), holds_cell]
            )
        )
    if table.rows:
        content.append(("table", table))
    level = inv.get("level")
    meaning = invariance_sentence(results, f.lang)
    if meaning:
        title = f.t("quality.invariance.level", level=f.t(f"quality.invariance.level_{level}"))
        content.append(("callout", Callout(CALLOUT_BY_LEVEL[level], [meaning], title)))
    warnings = [str(w) for w in inv.get("warnings") or []]
    if warnings:
        content.append(("callout", Callout("warn", warnings, f.t("quality.cfa.warnings_title"))))
    return _group(f.t("quality.invariance.title"), content)


def _definitions(results: Mapping, f: _Fmt) -> list[str]:
    """The definitions that apply to what this report shows."""
    dims = results.get("dimensions") or []
    rows = list(dims) + list(results.get("items") or [])
    has_nps = any(o.get("kind") == "nps" for o in results.get("outcomes") or [])
    keys = []
    if _has(rows, "gap"):
        keys += ["gap", "servqual"]
    weighted = (results.get("servqual") or {}).get("weighted")
    if isinstance(weighted, Mapping) or _has(dims, "importance"):
        keys += ["weighted", "importance"]
    if isinstance(results.get("servperf"), Mapping):
        keys.append("servperf")
    if _has(rows, "adequate") or _has(rows, "zone"):
        keys += ["zone", "msa", "mss"]
    if _has(rows, "specific"):
        keys.append("specific")
    if has_nps:
        keys.append("nps")
    if quality_block(results, "reliability"):
        keys += ["alpha", "alpha_dropped"]
    if quality_block(results, "cfa"):
        keys.append("fit")
    if quality_block(results, "validity"):
        keys += ["cr_ave", "htmt"]
    if quality_block(results, "invariance"):
        keys.append("invariance")
    keys += ["n", "interval"]
    if _has(dims, "zone") or has_nps:
        keys.append("wilson")
    keys += ["suppression", "missing"]
    min_n = (results.get("options") or {}).get("min_n", 1)
    return [f.t(f"definitions.{k}", level=f.level, min_n=min_n) for k in keys]
