"""The one-file HTML report: results dict in, one self-contained HTML5 document out.

:func:`render_html` builds a context (formatted strings, tables and inline SVG charts)
from a results dict that follows ``results.schema.json`` and renders
``templates/report.html.j2`` with autoescaping on. The document has no scripts, external
styles, fonts or images, so it can be mailed, archived and printed as it is.

Sections appear only when the results have what they show: tolerance zone for the
three-column format, general versus specific for two-level instruments, outcomes, NPS,
importance and segments when present.

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
    executive_summary,
    mean,
    overall_score,
    primary_metric,
    weakest_dimension,
)

HTML_LANG = {"en": "en", "sv": "sv", "zh": "zh-Hans"}
SIGNED = {"gap", "msa", "mss", "difference"}
NPS_COLOURS = {"detractors": "#b5472b", "passives": "#9aa5b1", "promoters": "#2a6496"}


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
class Figure:
    caption: str
    svg: Markup


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
    """Language-bound formatting shortcuts."""

    def __init__(self, lang: str, confidence: float):
        self.lang = lang
        self.level = i18n.fmt_level(lang, confidence)

    def t(self, key: str, **kw: object) -> str:
        return i18n.t(self.lang, key, **kw)

    def num(self, value: float | None, signed: bool = False) -> str:
        return i18n.fmt_num(self.lang, value, signed=signed)

    def int(self, value: int | None) -> str:
        return i18n.fmt_int(self.lang, value)

    def pct(self, share: float | None) -> str:
        return i18n.fmt_pct(self.lang, share)

    def interval(self, stat: Mapping | None, signed: bool = False, digits: int = 2) -> str:
        if not isinstance(stat, Mapping):
            return ""
        return i18n.fmt_interval(
            self.lang, stat.get("ci_low"), stat.get("ci_high"), digits, signed=signed
        )

    def pct_interval(self, share: Mapping | None) -> str:
        if (
            not isinstance(share, Mapping)
            or share.get("ci_low") is None
            or share.get("ci_high") is None
        ):
            return ""
        return i18n.t(
            self.lang,
            "format.interval",
            low=i18n.fmt_num(self.lang, share["ci_low"] * 100, 1),
            high=i18n.fmt_num(self.lang, share["ci_high"] * 100, 1),
        )

    def stat_cell(self, stat: Mapping | None, signed: bool = False, ci: bool = True) -> Cell:
        if not isinstance(stat, Mapping):
            return Cell(self.num(None), cls="num na")
        value = stat.get("mean")
        neg = signed and value is not None and value < 0
        return Cell(
            self.num(value, signed),
            self.interval(stat, signed) if ci else "",
            "num neg" if neg else "num",
        )

    def sd_cell(self, stat: Mapping | None) -> Cell:
        return Cell(self.num(stat.get("sd") if isinstance(stat, Mapping) else None), cls="num")


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


def _dim_labels(results: Mapping) -> dict[str, str]:
    return {d["id"]: d["label"] for d in results.get("dimensions") or []}


# --------------------------------------------------------------------------- context


def build_context(results: Mapping[str, Any], lang: str) -> dict[str, Any]:
    """Everything the template shows, formatted for ``lang``."""
    options = results.get("options") or {}
    f = _Fmt(lang, options.get("confidence", 0.95))
    dims = results.get("dimensions") or []
    items = results.get("items") or []
    metric = primary_metric(dims) or primary_metric(items)

    sections: list[tuple[str, str]] = [("summary", f.t("section.summary"))]
    context: dict[str, Any] = {
        "lang": HTML_LANG[lang],
        "t": partial(i18n.t, lang),
        "title": f.t("report.title"),
        "instrument_name": (results.get("instrument") or {}).get("name", ""),
        "header": _header(results, f),
        "kpis": _kpis(results, f),
        "summary": executive_summary(results, lang),
        "footer": f.t(
            "report.footer",
            version=results.get("servq_version", ""),
            schema=results.get("schema_version", ""),
        ),
    }
    builders: list[tuple[str, Callable[[], dict | None]]] = [
        ("dimensions", lambda: _dimensions(results, f, metric)),
        ("overall", lambda: _overall(results, f)),
        ("items", lambda: _items(results, f, metric)),
        ("zone", lambda: _zone(results, f, metric)),
        ("specific", lambda: _specific(results, f)),
        ("outcomes", lambda: _outcomes(results, f)),
        ("segments", lambda: _segments(results, f, metric)),
    ]
    blocks = []
    for name, build in builders:
        section = build()
        if section:
            sections.append((name, f.t(f"section.{name}")))
            blocks.append({"id": name, "title": f.t(f"section.{name}"), **section})
    context["blocks"] = blocks
    context["definitions"] = _definitions(results, f)
    sections.append(("definitions", f.t("section.definitions")))
    context["toc"] = sections
    return context


def _header(results: Mapping, f: _Fmt) -> list[tuple[str, str]]:
    instrument = results.get("instrument") or {}
    options = results.get("options") or {}
    source = results.get("source") or {}
    lo, hi = _scale(results)
    file = source.get("file")
    if file and source.get("rows") is not None:
        source_text = f.t("header.source_rows", file=file, rows=f.int(source["rows"]))
    else:
        source_text = file or f.t("header.source_unknown")
    if source.get("format") and file:
        source_text += f" · {source['format']}"
    missing = results.get("missing") or {}
    blank, dont_know = missing.get("blank", 0), missing.get("dont_know", 0)
    missing_text = (
        f.t(
            "header.missing_detail",
            missing=f.int(blank + dont_know),
            cells=f.int(missing.get("cells", 0)),
            blank=f.int(blank),
            dont_know=f.int(dont_know),
        )
        if blank + dont_know
        else f.t("header.missing_none")
    )
    by = options.get("by") or []
    rows = [
        (
            f.t("header.instrument"),
            f"{instrument.get('name', '')} · "
            + f.t("header.version", version=instrument.get("version", "")),
        ),
        (f.t("header.source"), source_text),
        (f.t("header.date"), i18n.fmt_datetime(f.lang, results.get("generated_at"))),
        (f.t("header.respondents"), f.int(results.get("n_respondents", 0))),
        (f.t("header.scale"), f.t("format.range", low=lo, high=hi)),
        (
            f.t("header.segments_by"),
            i18n.t(f.lang, "format.list_sep").join(by) if by else f.t("header.segments_none"),
        ),
        (f.t("header.min_n"), f.int(options.get("min_n"))),
        (f.t("header.confidence"), f.level),
        (f.t("header.missing"), missing_text),
    ]
    return rows


def _kpis(results: Mapping, f: _Fmt) -> list[dict[str, str]]:
    kpis = [
        {
            "label": f.t("kpi.respondents"),
            "value": f.int(results.get("n_respondents", 0)),
            "sub": "",
            "cls": "",
        }
    ]
    overall = overall_score(results)
    if overall:
        kind, stat = overall
        signed = kind == "servqual"
        kpis.append(
            {
                "label": f.t(f"kpi.{kind}"),
                "value": f.num(stat["mean"], signed),
                "sub": f.interval(stat, signed),
                "cls": "neg" if signed and stat["mean"] < 0 else "",
            }
        )
        weighted = (results.get("servqual") or {}).get("weighted")
        if (
            kind == "servqual"
            and isinstance(weighted, Mapping)
            and weighted.get("mean") is not None
        ):
            kpis.append(
                {
                    "label": f.t("kpi.servqual_weighted"),
                    "value": f.num(weighted["mean"], True),
                    "sub": f.interval(weighted, True),
                    "cls": "neg" if weighted["mean"] < 0 else "",
                }
            )
    weakest = weakest_dimension(results)
    if weakest:
        dim, metric = weakest
        value = mean(dim, metric)
        signed = metric != "perception"
        kpis.append(
            {
                "label": f.t("kpi.weakest"),
                "value": dim["label"],
                "sub": f"{f.t('metric.' + metric)}: {f.num(value, signed)}",
                "cls": "text",
            }
        )
    for outcome in results.get("outcomes") or []:
        nps = outcome.get("nps")
        if outcome.get("kind") == "nps" and isinstance(nps, Mapping) and nps.get("nps") is not None:
            kpis.append(
                {
                    "label": f.t("kpi.nps"),
                    "value": i18n.fmt_num(f.lang, nps["nps"], 1, signed=True),
                    "sub": f.interval(nps, True, 1),
                    "cls": "",
                }
            )
            break
    return kpis


# --------------------------------------------------------------------------- sections


def _metric_columns(
    rows: Sequence[Mapping], f: _Fmt, metric: str | None, *, zone_shares: bool
) -> list[tuple[str, str]]:
    """(column key, header) for the score columns present in ``rows``, in reading order."""
    cols: list[tuple[str, str]] = []
    if _has(rows, "expectation"):
        cols.append(("expectation", f.t("col.expectation")))
    if _has(rows, "adequate"):
        cols.append(("adequate", f.t("col.adequate")))
    if _has(rows, "desired"):
        cols.append(("desired", f.t("col.desired")))
    if _has(rows, "perception"):
        cols.append(("perception", f.t("col.perception")))
        if metric == "perception":
            cols.append(("sd:perception", f.t("col.sd")))
    if _has(rows, "gap"):
        cols += [("gap", f.t("col.gap")), ("sd:gap", f.t("col.sd"))]
    if _has(rows, "msa"):
        cols.append(("msa", f.t("col.msa")))
        if metric == "msa":
            cols.append(("sd:msa", f.t("col.sd")))
    if _has(rows, "mss"):
        cols.append(("mss", f.t("col.mss")))
    if zone_shares and _has(rows, "zone"):
        cols += [
            ("zone:below", f.t("col.below")),
            ("zone:within", f.t("col.within")),
            ("zone:above", f.t("col.above")),
        ]
    return cols


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


def _dimension_chart(results: Mapping, f: _Fmt, metric: str | None) -> Figure | None:
    dims = results.get("dimensions") or []
    if metric is None or not dims:
        return None
    bars = [_bar(d, metric, d["label"]) for d in dims]
    caption = f.t(f"chart.{metric}", level=f.level)
    if metric == "perception":
        lo, hi = _scale(results)
        svg = charts.bar_chart(
            bars,
            title=caption,
            fmt=f.num,
            domain=(lo, hi),
            diverging=False,
            axis_label=f.t("chart.axis_scale", low=lo, high=hi),
        )
    else:
        legend = (
            (f.t("chart.legend_short"), f.t("chart.legend_meets"))
            if metric == "gap"
            else (f.t("chart.legend_msa_short"), f.t("chart.legend_msa_meets"))
        )
        svg = charts.bar_chart(
            bars,
            title=caption,
            fmt=partial(f.num, signed=True),
            legend=legend,
            axis_label=f.t(f"chart.axis_{metric}"),
        )
    return Figure(caption, Markup(svg))


def _dimensions(results: Mapping, f: _Fmt, metric: str | None) -> dict | None:
    dims = results.get("dimensions") or []
    if not dims:
        return None
    cols = _metric_columns(dims, f, metric, zone_shares=True)
    if _has(dims, "importance"):
        cols.append(("importance", f.t("col.importance")))
    table = Table(
        [(f.t("col.dimension"), False), (f.t("col.n"), True)] + [(h, True) for _, h in cols]
    )
    for d in dims:
        table.rows.append(
            Row(
                [Cell(d["label"], cls="label"), Cell(f.int(d.get("n")), cls="num")]
                + _metric_cells(d, cols, f, metric)
            )
        )
    table.notes.append(f.t("notes.interval", level=f.level))
    lo, hi = _scale(results)
    intro_key = {"gap": "intro.dimensions_gap", "msa": "intro.dimensions_msa"}.get(
        metric or "", "intro.dimensions_perception"
    )
    return {
        "intro": f.t(intro_key, low=lo, high=hi),
        "figures": [x for x in [_dimension_chart(results, f, metric)] if x],
        "tables": [table],
    }


def _overall(results: Mapping, f: _Fmt) -> dict | None:
    servqual = results.get("servqual") or {}
    candidates = [
        ("measure.servqual_unweighted", servqual.get("unweighted"), True),
        ("measure.servqual_weighted", servqual.get("weighted"), True),
        ("measure.servperf", results.get("servperf"), False),
    ]
    table = Table(
        [
            (f.t("col.measure"), False),
            (f.t("col.n"), True),
            (f.t("col.mean"), True),
            (f.level, True),
            (f.t("col.sd"), True),
        ]
    )
    for key, stat, signed in candidates:
        if not isinstance(stat, Mapping):
            continue
        cell = f.stat_cell(stat, signed, ci=False)
        table.rows.append(
            Row(
                [
                    Cell(f.t(key), cls="label"),
                    Cell(f.int(stat.get("n")), cls="num"),
                    cell,
                    Cell(f.interval(stat, signed), cls="num"),
                    f.sd_cell(stat),
                ]
            )
        )
    if not table.rows:
        return None
    return {"intro": f.t("intro.overall"), "figures": [], "tables": [table]}


def _item_groups(results: Mapping) -> list[tuple[Mapping, list[Mapping]]]:
    """Items grouped by dimension in the dimensions' order (unknown dimensions last)."""
    items = results.get("items") or []
    order = [d["id"] for d in results.get("dimensions") or []]
    groups: dict[str, list[Mapping]] = {dim: [] for dim in order}
    for it in items:
        groups.setdefault(it["dimension"], []).append(it)
    labels = _dim_labels(results)
    return [({"id": k, "label": labels.get(k, k)}, v) for k, v in groups.items() if v]


def _item_label(item: Mapping) -> str:
    return f"{item['id']}. {item['text']}"


def _items_chart(results: Mapping, f: _Fmt, metric: str | None) -> Figure | None:
    groups = _item_groups(results)
    if not groups or metric is None:
        return None
    lo, hi = _scale(results)
    if metric == "gap":
        caption = f.t("chart.items_gap")
        svg = charts.dumbbell_chart(
            [
                charts.Group(
                    dim["label"],
                    [
                        charts.Dumbbell(
                            _item_label(it),
                            mean(it, "expectation"),
                            mean(it, "perception"),
                            f.num(mean(it, "gap"), True),
                        )
                        for it in rows
                    ],
                )
                for dim, rows in groups
            ],
            title=caption,
            a_label=f.t("col.expectation"),
            b_label=f.t("col.perception"),
            worse_label=f.t("chart.legend_worse"),
            better_label=f.t("chart.legend_better"),
            domain=_zoom(
                results,
                [
                    mean(it, k)
                    for _, rows in groups
                    for it in rows
                    for k in ("expectation", "perception")
                ],
            ),
            fmt=f.num,
        )
    elif metric == "msa":
        caption = f.t("chart.items_zone")
        svg = _zone_svg(
            results, f, caption, [(dim["label"], rows) for dim, rows in groups], item_labels=True
        )
    else:
        caption = f.t("chart.items_perception", level=f.level)
        bars = [
            charts.Group(dim["label"], [_bar(it, "perception", _item_label(it)) for it in rows])
            for dim, rows in groups
        ]
        svg = charts.bar_chart(
            bars, title=caption, fmt=f.num, domain=(lo, hi), diverging=False, label_max=330
        )
    return Figure(caption, Markup(svg))


def _items(results: Mapping, f: _Fmt, metric: str | None) -> dict | None:
    items = results.get("items") or []
    if not items:
        return None
    cols = _metric_columns(items, f, metric, zone_shares=False)
    if _has(items, "specific"):
        cols.append(("specific", f.t("col.specific")))
    headers = [(f.t("col.item"), False), (f.t("col.text"), False), (f.t("col.n"), True)] + [
        (h, True) for _, h in cols
    ]
    table = Table(headers, cls="items")
    width = len(headers)
    any_reverse = False
    for dim, rows in _item_groups(results):
        table.rows.append(Row([Cell(dim["label"], span=width)], kind="group"))
        for it in rows:
            number = str(it["id"]) + (" R" if it.get("reverse") else "")
            any_reverse = any_reverse or bool(it.get("reverse"))
            table.rows.append(
                Row(
                    [
                        Cell(number, cls="id"),
                        Cell(it["text"], cls="label text"),
                        Cell(f.int(it.get("n")), cls="num"),
                    ]
                    + _metric_cells(it, cols, f, metric)
                )
            )
    table.notes.append(f.t("notes.interval", level=f.level))
    if any_reverse:
        table.notes.append(f.t("notes.reverse"))
    figure = _items_chart(results, f, metric)
    return {"intro": f.t("intro.items"), "figures": [figure] if figure else [], "tables": [table]}


def _zone_svg(
    results: Mapping,
    f: _Fmt,
    caption: str,
    groups: Sequence[tuple[str, Sequence[Mapping]]],
    item_labels: bool,
) -> str:
    labels = {
        "band": f.t("chart.legend_band"),
        "below": f.t("status.below"),
        "within": f.t("status.within"),
        "above": f.t("status.above"),
    }
    chart_groups = [
        charts.Group(
            label,
            [
                charts.ZoneRow(
                    _item_label(r) if item_labels else r["label"],
                    mean(r, "adequate"),
                    mean(r, "desired"),
                    mean(r, "perception"),
                )
                for r in rows
            ],
        )
        for label, rows in groups
    ]
    values = [v for g in chart_groups for r in g.rows for v in (r.adequate, r.desired, r.perceived)]
    return charts.zone_chart(
        chart_groups, title=caption, domain=_zoom(results, values), fmt=f.num, labels=labels
    )


def _zone(results: Mapping, f: _Fmt, metric: str | None) -> dict | None:
    dims = [
        d
        for d in results.get("dimensions") or []
        if mean(d, "adequate") is not None or isinstance(d.get("zone"), Mapping)
    ]
    if not dims:
        return None
    caption = f.t("chart.zone")
    figures = [
        Figure(caption, Markup(_zone_svg(results, f, caption, [("", dims)], item_labels=False)))
    ]
    if metric == "gap":
        # the item-level zone chart lives in the items section unless that shows gaps
        groups = [
            (dim["label"], [it for it in rows if mean(it, "adequate") is not None])
            for dim, rows in _item_groups(results)
        ]
        groups = [g for g in groups if g[1]]
        if groups:
            item_caption = f.t("chart.items_zone")
            figures.append(
                Figure(
                    item_caption,
                    Markup(_zone_svg(results, f, item_caption, groups, item_labels=True)),
                )
            )
    table = Table(
        [
            (f.t("col.dimension"), False),
            (f.t("col.n"), True),
            (f.t("col.adequate"), True),
            (f.t("col.desired"), True),
            (f.t("col.perception"), True),
            (f.t("col.status"), False),
            (f.t("col.below"), True),
            (f.t("col.within"), True),
            (f.t("col.above"), True),
            (f.t("col.inverted"), True),
        ]
    )
    for d in dims:
        zone = d.get("zone") or {}
        status = charts.zone_status(mean(d, "adequate"), mean(d, "desired"), mean(d, "perception"))
        cells = [Cell(d["label"], cls="label"), Cell(f.int(zone.get("n", d.get("n"))), cls="num")]
        cells += [f.stat_cell(d.get(k), ci=False) for k in ("adequate", "desired", "perception")]
        cells.append(
            Cell(f.t(f"status.{status}") if status else f.num(None), cls=f"status {status or ''}")
        )
        for part in ("below", "within", "above", "inverted"):
            share = zone.get(part)
            cells.append(Cell(f.pct((share or {}).get("share")), f.pct_interval(share), "num"))
        table.rows.append(Row(cells))
    table.notes.append(f.t("notes.shares", level=f.level))
    return {"intro": f.t("intro.zone"), "figures": figures, "tables": [table]}


def _specific(results: Mapping, f: _Fmt) -> dict | None:
    dims = [d for d in results.get("dimensions") or [] if isinstance(d.get("specific"), Mapping)]
    if not dims:
        return None
    caption = f.t("chart.specific")

    def diff(d: Mapping) -> float | None:
        s, p = mean(d, "specific"), mean(d, "perception")
        return None if s is None or p is None else s - p

    svg = charts.dumbbell_chart(
        [
            charts.Group(
                "",
                [
                    charts.Dumbbell(
                        d["label"], mean(d, "perception"), mean(d, "specific"), f.num(diff(d), True)
                    )
                    for d in dims
                ],
            )
        ],
        title=caption,
        a_label=f.t("col.general"),
        b_label=f.t("col.specific"),
        worse_label=f.t("chart.legend_specific_worse"),
        better_label=f.t("chart.legend_specific_better"),
        domain=_zoom(results, [mean(d, k) for d in dims for k in ("perception", "specific")]),
        fmt=f.num,
        label_max=250,
    )
    table = Table(
        [
            (f.t("col.dimension"), False),
            (f.t("col.n"), True),
            (f.t("col.general"), True),
            (f.t("col.specific"), True),
            (f.t("col.difference"), True),
        ]
    )
    for d in dims:
        value = diff(d)
        table.rows.append(
            Row(
                [
                    Cell(d["label"], cls="label"),
                    Cell(f.int(d["specific"].get("n")), cls="num"),
                    f.stat_cell(d.get("perception")),
                    f.stat_cell(d.get("specific")),
                    Cell(
                        f.num(value, True),
                        cls="num neg" if value is not None and value < 0 else "num",
                    ),
                ]
            )
        )
    table.notes.append(f.t("notes.interval", level=f.level))
    return {
        "intro": f.t("intro.specific"),
        "figures": [Figure(caption, Markup(svg))],
        "tables": [table],
    }


def _outcomes(results: Mapping, f: _Fmt) -> dict | None:
    outcomes = results.get("outcomes") or []
    if not outcomes:
        return None
    scores = Table(
        [
            (f.t("col.outcome"), False),
            (f.t("col.scale"), True),
            (f.t("col.n"), True),
            (f.t("col.mean"), True),
            (f.t("col.sd"), True),
        ]
    )
    for o in outcomes:
        score = o.get("score") or {}
        scores.rows.append(
            Row(
                [
                    Cell(o["label"], cls="label"),
                    Cell(f.t("format.range", low=o.get("min"), high=o.get("max")), cls="num"),
                    Cell(f.int(score.get("n")), cls="num"),
                    f.stat_cell(score),
                    f.sd_cell(score),
                ]
            )
        )
    scores.notes.append(f.t("notes.interval", level=f.level))
    tables, figures = [scores], []
    nps_rows = [o for o in outcomes if o.get("kind") == "nps" and isinstance(o.get("nps"), Mapping)]
    if nps_rows:
        nps_table = Table(
            [
                (f.t("col.outcome"), False),
                (f.t("col.n"), True),
                (f.t("col.nps"), True),
                (f.t("col.detractors"), True),
                (f.t("col.passives"), True),
                (f.t("col.promoters"), True),
            ]
        )
        for o in nps_rows:
            nps = o["nps"]
            value = nps.get("nps")
            nps_table.rows.append(
                Row(
                    [
                        Cell(o["label"], cls="label"),
                        Cell(f.int(nps.get("n")), cls="num"),
                        Cell(
                            i18n.fmt_num(f.lang, value, 1, signed=True),
                            f.interval(nps, True, 1),
                            "num neg" if value is not None and value < 0 else "num",
                        ),
                    ]
                    + [
                        Cell(
                            f.pct((nps.get(k) or {}).get("share")),
                            f.pct_interval(nps.get(k)),
                            "num",
                        )
                        for k in ("detractors", "passives", "promoters")
                    ]
                )
            )
            caption = f.t("chart.nps", label=o["label"])
            parts = [
                charts.Share(f.t(f"col.{k}"), (nps.get(k) or {}).get("share"), NPS_COLOURS[k])
                for k in ("detractors", "passives", "promoters")
            ]
            figures.append(
                Figure(caption, Markup(charts.stacked_bar(parts, title=caption, pct=f.pct)))
            )
        nps_table.notes.append(f.t("notes.interval", level=f.level))
        tables.append(nps_table)
    return {"intro": f.t("intro.outcomes"), "figures": figures, "tables": tables}


def _segment_values(segment: Mapping, dims: Sequence[Mapping], metric: str) -> list[float | None]:
    by_id = {d.get("id"): d for d in segment.get("dimensions") or []}
    return [mean(by_id.get(d["id"]), metric) for d in dims]


def _segment_overall(segment: Mapping, metric: str) -> float | None:
    if metric == "gap":
        return mean(segment.get("servqual"), "unweighted")
    stat = segment.get("servperf")
    return stat.get("mean") if isinstance(stat, Mapping) else None


def _segments(results: Mapping, f: _Fmt, metric: str | None) -> dict | None:
    segments = results.get("segments") or {}
    options = results.get("options") or {}
    min_n = options.get("min_n", 1)
    dims = results.get("dimensions") or []
    if not segments or metric is None or not dims:
        return None
    signed = metric != "perception"
    # an overall column only where it is on the same scale as the cells
    overall_key = {"gap": "col.overall_servqual", "perception": "col.overall_servperf"}.get(metric)
    columns = [d["label"] for d in dims] + ([f.t(overall_key)] if overall_key else [])
    if metric == "perception":
        lo, hi = _scale(results)
        centre, half = (lo + hi) / 2, (hi - lo) / 2
    else:
        values = [
            abs(v)
            for segs in segments.values()
            for s in segs.values()
            if not s.get("suppressed")
            for v in _segment_values(s, dims, metric)
            + [_segment_overall(s, metric) if overall_key else None]
            if v is not None
        ]
        centre, half = 0.0, max(0.5, _round_up(max(values, default=0.5), 0.5))
    groups = []
    for column, segs in segments.items():
        rows, table = [], Table(
            [(f.t("col.segment"), False), (f.t("col.n"), True)] + [(c, True) for c in columns],
            cls="segments",
        )
        for name, seg in segs.items():
            suppressed = bool(seg.get("suppressed"))
            values = [] if suppressed else _segment_values(seg, dims, metric)
            if overall_key and not suppressed:
                values.append(_segment_overall(seg, metric))
            rows.append(charts.HeatRow(str(name), int(seg.get("n", 0)), values, suppressed))
            cells = [Cell(str(name), cls="label"), Cell(f.int(seg.get("n")), cls="num")]
            if suppressed:
                cells.append(
                    Cell(
                        f.t("segments.suppressed", min_n=min_n),
                        cls="suppressed-note",
                        span=len(columns),
                    )
                )
            else:
                cells += [
                    Cell(
                        f.num(v, signed),
                        cls="num neg" if signed and v is not None and v < 0 else "num",
                    )
                    for v in values
                ]
            table.rows.append(Row(cells, kind="suppressed" if suppressed else "data"))
        caption = f.t("chart.heatmap", metric=f.t(f"metric.{metric}"), column=column)
        svg = charts.heatmap(
            rows,
            columns,
            title=caption,
            fmt=partial(f.num, signed=signed),
            n_fmt=lambda n: i18n.t(f.lang, "format.n_equals", n=f.int(n)),
            centre=centre,
            half_range=half,
            suppressed_text=f.t("chart.suppressed_cell", min_n=min_n),
            separate_last=overall_key is not None,
        )
        groups.append(
            {
                "title": f.t("segments.by", column=column),
                "figure": Figure(caption, Markup(svg)),
                "table": table,
            }
        )
    return {"intro": f.t("intro.segments", min_n=min_n), "groups": groups}


def _round_up(value: float, step: float) -> float:
    return -(-value // step) * step


def _definitions(results: Mapping, f: _Fmt) -> list[str]:
    """The definitions that apply to what this report shows."""
    dims = results.get("dimensions") or []
    items = results.get("items") or []
    rows = list(dims) + list(items)
    servqual = results.get("servqual") or {}
    keys = []
    if _has(rows, "gap"):
        keys += ["gap", "servqual"]
    if isinstance(servqual.get("weighted"), Mapping) or _has(dims, "importance"):
        keys += ["weighted", "importance"]
    if isinstance(results.get("servperf"), Mapping):
        keys.append("servperf")
    if _has(rows, "adequate") or _has(rows, "zone"):
        keys += ["zone", "msa", "mss"]
    if _has(rows, "specific"):
        keys.append("specific")
    if any(o.get("kind") == "nps" for o in results.get("outcomes") or []):
        keys.append("nps")
    keys += ["n", "interval"]
    if _has(dims, "zone") or any(o.get("kind") == "nps" for o in results.get("outcomes") or []):
        keys.append("wilson")
    keys += ["suppression", "missing"]
    options = results.get("options") or {}
    return [f.t(f"definitions.{k}", level=f.level, min_n=options.get("min_n", 1)) for k in keys]
