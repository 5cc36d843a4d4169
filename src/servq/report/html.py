"""The one-file HTML report: results dict in, one self-contained HTML5 document out.

:func:`render_html` builds a context (formatted strings, tables and inline SVG charts)
from a results dict that follows ``results.schema.json`` and renders
``templates/report.html.j2`` with autoescaping on (:mod:`servq.report.document`). The document has no scripts, external
styles, fonts or images, so it can be mailed, archived and printed as it is.

Sections appear only when the results have what they show: tolerance zone for the
three-column format, general versus specific for two-level instruments (paired), the
competitor benchmark when competitors are rated, outcomes, NPS,
importance and segments when present, and the quality of the instrument (reliability,
factor structure, discriminant validity, measurement invariance) when the results carry
any of ``reliability``, ``cfa``, ``validity`` and ``invariance``; the service focus (key
drivers, importance–performance) when they carry ``drivers`` or ``ipa``.

Examples
--------
>>> import json
>>> from servq.report.html import render_html
>>> html = render_html(json.load(open("results.json")), "sv")  # doctest: +SKIP
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

from servq.report import charts, i18n
from servq.report.access import mean, primary_metric, quality_block
from servq.report.benchmark_section import benchmark_section
from servq.report.blocks import Cell, Figure, Fmt, Row, Table
from servq.report.comparisons_section import comparisons_section
from servq.report.complaints_section import complaints_definitions, complaints_section
from servq.report.document import HTML_LANG, render_template, with_blocks
from servq.report.economics_section import economics_section
from servq.report.focus_section import focus_section
from servq.report.kano_section import kano_section
from servq.report.levels_section import levels_section
from servq.report.quality_section import quality_section
from servq.report.scales import answer_scale, zoom
from servq.report.scorecard_section import scorecard_section
from servq.report.summary import executive_summary, overall_score, weakest_dimension
from servq.report.trends_section import trends_section

SIGNED = {"gap", "msa", "mss", "difference"}
NPS_COLOURS = {"detractors": "#b5472b", "passives": "#9aa5b1", "promoters": "#2a6496"}


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
    return render_template(context)


# --------------------------------------------------------------------------- helpers


def _has(rows: Sequence[Mapping], key: str) -> bool:
    return any(isinstance(r.get(key), Mapping) for r in rows)


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
    f = Fmt.of(results, lang)
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
        "focus": focus_section(results, f),
        "kano": kano_section(results, f),
        "items": _items(results, f, metric),
        "zone": _zone(results, f, metric),
        "specific": levels_section(results, f),
        "benchmark": benchmark_section(results, f),
        "outcomes": _outcomes(results, f),
        "quality": quality_section(results, f),
        "segments": _segments(results, f, metric),
        "comparisons": comparisons_section(results, f),
        "scorecard": scorecard_section(results, f),
        "trends": trends_section(results, f),
        "complaints": complaints_section(results, f),
        "economics": economics_section(results, f),
    }
    context["definitions"] = _definitions(results, f) + complaints_definitions(results, f)
    return with_blocks(context, sections, f)


def _header(results: Mapping, f: Fmt) -> list[tuple[str, str]]:
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
    lo, hi = answer_scale(results)
    by = options.get("by") or []
    segments_by = f.t("format.list_sep").join(map(f.column, by)) if by else f.t("header.segments_none")
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


def _kpis(results: Mapping, f: Fmt) -> list[dict[str, str]]:
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
    rows: Sequence[Mapping], f: Fmt, metric: str | None, *, zone_shares: bool, last: str
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
    row: Mapping, cols: Sequence[tuple[str, str]], f: Fmt, metric: str | None
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


def _dimension_chart(results: Mapping, f: Fmt, metric: str) -> Figure:
    bars = [_bar(d, metric, d["label"]) for d in results["dimensions"]]
    caption = f.t(f"chart.{metric}", level=f.level)
    if metric == "perception":
        lo, hi = answer_scale(results)
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


def _dimensions(results: Mapping, f: Fmt, metric: str | None) -> dict | None:
    dims = results.get("dimensions") or []
    if not dims:
        return None
    cols = _metric_columns(dims, f, metric, zone_shares=True, last="importance")
    rows = [
        Row(f.label_cells(d["label"], d.get("n")) + _metric_cells(d, cols, f, metric)) for d in dims
    ]
    headers = f.headers("col.dimension", "col.n") + [(h, True) for _, h in cols]
    table = Table(headers, rows, [f.t("notes.interval", level=f.level)])
    lo, hi = answer_scale(results)
    intro_key = {"gap": "intro.dimensions_gap", "msa": "intro.dimensions_msa"}.get(
        metric or "", "intro.dimensions_perception"
    )
    return {
        "intro": f.t(intro_key, low=lo, high=hi),
        "figures": [_dimension_chart(results, f, metric)] if metric else [],
        "tables": [table],
    }


def _overall(results: Mapping, f: Fmt) -> dict | None:
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


def _items_chart(results: Mapping, f: Fmt, metric: str | None) -> Figure | None:
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
            domain=zoom(results, [v for g in chart_groups for r in g.rows for v in (r.a, r.b)]),
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
            bars, title=caption, fmt=f.num, domain=answer_scale(results), diverging=False, label_max=330
        )
    return Figure(caption, svg)


def _items(results: Mapping, f: Fmt, metric: str | None) -> dict | None:
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
    results: Mapping, f: Fmt, caption: str, groups: Sequence[tuple[str, Sequence]], item_labels: bool
) -> str:
    labels = {"band": f.t("chart.legend_band"), "below": f.t("status.below")}
    labels |= {"within": f.t("status.within"), "above": f.t("status.above")}

    def zone_row(r: Mapping) -> charts.ZoneRow:
        label = _item_label(r) if item_labels else r["label"]
        return charts.ZoneRow(label, mean(r, "adequate"), mean(r, "desired"), mean(r, "perception"))

    chart_groups = [charts.Group(label, [zone_row(r) for r in rows]) for label, rows in groups]
    values = [v for g in chart_groups for r in g.rows for v in (r.adequate, r.desired, r.perceived)]
    return charts.zone_chart(
        chart_groups, title=caption, domain=zoom(results, values), fmt=f.num, labels=labels
    )


def _zone(results: Mapping, f: Fmt, metric: str | None) -> dict | None:
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


def _outcomes(results: Mapping, f: Fmt) -> dict | None:
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


def _segments(results: Mapping, f: Fmt, metric: str | None) -> dict | None:
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
        lo, hi = answer_scale(results)
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
        caption = f.t("chart.heatmap", metric=f.t(f"metric.{metric}"), column=f.column(column))
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
        title = f.t("segments.by", column=f.column(column))
        groups.append({"title": title, "cls": "segment-group", "content": content})
    return {"intro": f.t("intro.segments", min_n=min_n), "groups": groups}


# --------------------------------------------------------------------------- instrument quality

def _definitions(results: Mapping, f: Fmt) -> list[str]:
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
