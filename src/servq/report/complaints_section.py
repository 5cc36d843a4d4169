"""The report's "Complaints" section, and the one-file complaints report of ``servq
complaints analyze``.

From the results' ``complaints`` block (:func:`servq.complaints.analytics.complaints_block`):

1. the hot spots first: a callout naming each in plain words, then the table of every
   flagged cell-week (dimension, unit, week, count against expected, ratio, adjusted p or
   the EWMA against its limit);
2. complaints week by week, stacked by dimension, hot-spot weeks marked;
3. what and where: volume by dimension and by unit (and channel, tier, product);
4. handling times: median and 90th percentile by unit and dimension;
5. SLA compliance with Wilson intervals, overall, by unit and by dimension;
6. the backlog: open and overdue complaints, their ages, by unit; the statuses;
7. repeat complainants;
8. complaints per 1,000 customers with exact Poisson intervals;
9. operational metrics: for each region and metric the strongest lag, r, adjusted p and a
   small chart of r at every lag.

Every chart has a table with the same numbers beside it; groups with fewer than
``min_n`` complaints show their counts only. :func:`render_complaints_html` puts the
section in the report template (:func:`servq.report.document.render_document`) with a cover,
key figures, a summary in plain words and the definitions.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

from servq.report import charts, i18n
from servq.report.blocks import Callout, Cell, Figure, Fmt, Row, Table
from servq.report.charts.axis import Axis
from servq.report.charts.colour import AXIS, COOL, INK, MUTED, WARM, ZERO
from servq.report.charts.svg import FONT, WIDTH, chart_svg, el, swatch_rect, text_at, text_width
from servq.report.document import render_document

# a qualitative palette that stays apart in print (Tableau 10); the rest of the dimensions as "other"
PALETTE = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#9c755f")
OTHER = "#bab0ac"
MAX_CALLOUT = 5  # hot spots named in the callout; the table has them all
MAX_LAG_CHARTS = 12  # operational series drawn one by one (the summary table has them all)


def is_num(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


class _Ctx:
    """The block with the formatting shortcuts of the section."""

    def __init__(self, block: Mapping, f: Fmt):
        self.block, self.f = block, f
        settings = block.get("settings") or {}
        self.min_n = settings.get("min_n", 5)
        self.level = i18n.fmt_level(f.lang, settings.get("confidence", 0.95))

    def t(self, key: str, **kw: object) -> str:
        return self.f.t(f"complaints.{key}", **kw)

    def int(self, value) -> str:
        return self.f.int(value)

    def one(self, value) -> str:
        """A number with one decimal (hours, days, expected counts)."""
        return self.f.num(value, digits=1)

    def pct(self, share) -> str:
        return self.f.pct(share)

    def share_interval(self, stat: Mapping) -> str:
        return self.f.pct_interval(stat)

    def value(self, value) -> str:
        """A group's name; a missing value (null) as "(not given)"."""
        return self.t("not_given") if value is None else str(value)


# --------------------------------------------------------------------------- the section


def complaints_section(results: Mapping, f: Fmt) -> dict | None:
    """The complaints section, or None without a ``complaints`` block."""
    block = results.get("complaints")
    if not isinstance(block, Mapping):
        return None
    block = named(block, f.lang)
    c = _Ctx(block, f)
    if not block.get("n"):
        return {"intro": c.t("intro_none"), "callouts": [], "groups": []}
    p = block["period"]
    intro = c.t("intro", n=c.int(block["n"]), first=i18n.fmt_datetime(f.lang, p["first_day"]),
                last=i18n.fmt_datetime(f.lang, p["last_day"]), days=c.int(p["days"]), timezone=p["timezone"],
                now=i18n.fmt_datetime(f.lang, p["now"]))
    if _counted(block):  # counted on Spark: no figure that needs each complaint's times
        intro += " " + c.t("counted_note")
        groups = [_hot_group(c), _weekly_group(c), _where_group(c), _rates_group(c), _operations_group(c)]
    else:
        groups = [_hot_group(c), _weekly_group(c), _where_group(c), _handling_group(c), _sla_group(c),
                  _backlog_group(c), _repeat_group(c), _rates_group(c), _operations_group(c)]
    return {"intro": intro, "callouts": _callouts(c), "groups": [g for g in groups if g]}


def _counted(block: Mapping) -> bool:
    """Whether the block was computed from counts (``servq complaints analyze --engine spark``)."""
    return bool((block.get("settings") or {}).get("counted"))


def _group(title: str, content: list[tuple[str, Any]]) -> dict:
    return {"title": title, "cls": "subsection", "content": content}


def named(block: Mapping, lang: str) -> dict:
    """A copy of ``block`` with the built-in dimensions' ids (``price_billing``) shown by
    their names in ``lang`` (``Price and billing``); other labels stay as they are."""
    names = {k[len("complaints.dimension."):]: v for k, v in i18n.catalog(lang).items()
             if k.startswith("complaints.dimension.")}

    def walk(x, key=None):
        if isinstance(x, Mapping):
            return {k: walk(v, k) for k, v in x.items()}
        if isinstance(x, list):
            return [walk(v, key) for v in x]
        return names.get(x, x) if key == "dimension" and isinstance(x, str) else x

    out = walk(block)
    for path in (("volume", "by_dimension"), ("sla", "by_dimension")):
        rows = out.get(path[0]) or {}
        for r in rows.get(path[1]) or []:
            r["value"] = names.get(r["value"], r["value"])
    for rows in ((out.get("handling") or {}).get("by_dimension") or {}).values():
        for r in rows:
            r["value"] = names.get(r["value"], r["value"])
    return out


def hot_spots(block: Mapping) -> list[Mapping]:
    """The flagged cell-weeks once each (a cell-week flagged by both methods: the Poisson
    test's row), latest week first, as in the block."""
    seen: dict[tuple, Mapping] = {}
    for s in (block.get("hot_spots") or {}).get("spikes") or []:
        key = (s["dimension"], s["unit"], s["week"])
        if key not in seen or s["method"] != "ewma":
            seen[key] = s
    order = {id(s): i for i, s in enumerate((block.get("hot_spots") or {}).get("spikes") or [])}
    return sorted(seen.values(), key=lambda s: order[id(s)])


def spike_sentence(s: Mapping, f: Fmt) -> str:
    """One hot spot in plain words, in the report's language."""
    kw = {"count": f.int(s["count"]), "dimension": s["dimension"], "unit": s["unit"], "week": s["week"],
          "expected": f.num(s.get("expected"), digits=1), "ratio": f.num(s.get("ratio"), digits=1)}
    if s["method"] == "ewma":
        return f.t("complaints.spike_ewma", z=f.num(s.get("z"), digits=1), ucl=f.num(s.get("ucl"), digits=1), **kw)
    if not is_num(s.get("ratio")):
        return f.t("complaints.spike_new", p=f.p(s.get("p_adjusted")), **kw)
    return f.t(f"complaints.spike_{s['method']}", p=f.p(s.get("p_adjusted")), **kw)


def _callouts(c: _Ctx) -> list[Callout]:
    spots = hot_spots(c.block)
    hot = c.block.get("hot_spots") or {}
    if spots:
        lines = [spike_sentence(s, c.f) for s in spots[:MAX_CALLOUT]]
        if len(spots) > MAX_CALLOUT:
            lines.append(c.t("more_spots", n=c.int(len(spots) - MAX_CALLOUT)))
        out = [Callout("alert", lines, c.t("spots_title", n=c.int(len(spots))))]
    else:
        test = hot.get("poisson") or hot.get("share") or {}
        tested = test.get("weeks_tested", (hot.get("ewma") or {}).get("charted_weeks", 0))
        key = "no_spots" if tested else "no_spots_untested"
        out = [Callout("ok", [c.t(key, weeks=c.int(tested), cells=c.int(hot.get("cells", 0)))],
                       c.t("no_spots_title"))]
    backlog = c.block.get("backlog") or {}
    if backlog.get("overdue"):
        out.append(Callout("warn", [c.t("overdue_line", overdue=c.int(backlog["overdue"]),
                                         open=c.int(backlog["open"]),
                                         oldest=c.one((backlog.get("age") or {}).get("max_days")))],
                           c.t("overdue_title")))
    return out


# --------------------------------------------------------------------------- hot spots


def _hot_group(c: _Ctx) -> dict:
    hot = c.block.get("hot_spots") or {}
    content: list[tuple[str, Any]] = []
    for method in ("poisson", "share"):
        if method not in hot.get("methods", []):
            continue
        ps = hot[method]
        content.append(("p", c.t(f"hot_{method}", weeks=c.int(ps["baseline_weeks"]),
                                 alpha=c.f.num(ps["alpha"], digits=2), correction=c.t(f"correction_{ps['correction']}"),
                                 min_count=c.int(ps["min_count"]), tested=c.int(ps["weeks_tested"]))))
    if "ewma" in hot.get("methods", []):
        ew = hot["ewma"]
        content.append(("p", c.t("hot_ewma", lam=c.f.num(ew["lambda"], digits=2), L=c.f.num(ew["L"], digits=1),
                                 weeks=c.int(ew["baseline_weeks"]), charted=c.int(ew["charted_weeks"]))))
    spikes = hot.get("spikes") or []
    if not spikes:
        content.append(("p", c.t("hot_none")))
        return _group(c.t("hot_title"), content)
    table = Table([(c.t("col.week"), False), (c.t("col.dimension"), False), (c.t("col.unit"), False),
                   (c.t("col.count"), True), (c.t("col.expected"), True), (c.t("col.ratio"), True),
                   (c.t("col.evidence"), True), (c.t("col.method"), False)], cls="hot-spots")
    for s in spikes:
        if s["method"] != "ewma":
            evidence = Cell(c.f.p(s.get("p_adjusted")), c.t("p_raw", p=c.f.p(s.get("p"))), "num")
        else:
            evidence = Cell(c.t("ewma_cell", z=c.f.num(s.get("z")), ucl=c.f.num(s.get("ucl"))), cls="num")
        ratio = c.t("times", ratio=c.one(s["ratio"])) if is_num(s.get("ratio")) else c.f.num(None)
        table.rows.append(Row([Cell(s["week"], c.t("week_of", monday=i18n.fmt_datetime(c.f.lang, s["monday"])),
                                    "label"),
                               Cell(s["dimension"]), Cell(s["unit"]), Cell(c.int(s["count"]), cls="num"),
                               Cell(c.one(s.get("expected")), cls="num"), Cell(ratio, cls="num"), evidence,
                               Cell(c.t(f"method_{s['method']}"))], kind="flag"))
    table.notes.append(c.t("hot_note"))
    content.append(("table", table))
    return _group(c.t("hot_title"), content)


# --------------------------------------------------------------------------- week by week


def _series(c: _Ctx) -> tuple[list[tuple[str, str, list[int]]], int]:
    """(label, colour, weekly counts) per dimension, the largest first, at most as many as
    the palette has colours (the rest summed as "other"); and the number of weeks."""
    volume = c.block["volume"]
    n_weeks = len(volume["weeks"])
    per_dim: dict[str, list[int]] = {}
    for cell in volume["cells"]:
        row = per_dim.setdefault(cell["dimension"], [0] * n_weeks)
        for i, k in enumerate(cell["counts"]):
            row[i] += k
    ranked = sorted(per_dim.items(), key=lambda kv: -sum(kv[1]))
    keep = ranked if len(ranked) <= len(PALETTE) else ranked[:len(PALETTE) - 1]
    series = [(label, PALETTE[i], counts) for i, (label, counts) in enumerate(keep)]
    rest = ranked[len(keep):]
    if rest:
        series.append((c.t("other_dimensions", n=c.int(len(rest))), OTHER,
                       [sum(counts[i] for _, counts in rest) for i in range(n_weeks)]))
    return series, n_weeks


def weekly_chart(labels: Sequence[str], series: Sequence[tuple[str, str, Sequence[int]]], *, marked: Sequence[bool],
                 partial: Sequence[bool], title: str, y_label: str, mark_label: str, partial_label: str,
                 fmt, gaps: Sequence[int] = ()) -> str:
    """Complaints per week as bars stacked by dimension (the first series at the bottom);
    a week with a hot spot gets a dark triangle above its bar, a week only partly in the
    period is drawn lighter, and a week after weeks left out (``gaps``: how many, per
    week) has a dashed line before it. The legend wraps over as many lines as it needs."""
    entries = [(swatch_rect(colour), label) for label, colour, _ in series]
    if any(marked):
        entries.append((_triangle(5, 0), mark_label))
    if any(partial):
        entries.append((swatch_rect("#d9dee4"), partial_label))
    legend, legend_h = _legend(entries, 12, 0.0)
    left, right, top = 52.0, WIDTH - 10.0, 48.0 + legend_h
    height = top + 230.0
    bottom = height - 36.0
    totals = [sum(s[2][i] for s in series) for i in range(len(labels))]
    axis = Axis(0.0, max(5.0, max(totals, default=0) * 1.08), bottom, top, fmt, True)
    slot = (right - left) / max(1, len(labels))
    width = max(2.0, min(34.0, slot * 0.72))
    body = legend + [text_at(0, top - 14, y_label, size=FONT - 1, fill=MUTED, weight="600")]
    body += axis.y_grid(left, right)
    widest = max((text_width(lab, FONT - 1) for lab in labels), default=0.0)
    every = max(1, math.ceil((widest + 8) / slot))
    for i, lab in enumerate(labels):
        x = left + slot * (i + 0.5)
        if i < len(gaps) and gaps[i]:
            body.append(el("line", cls="gap", x1=x - slot / 2, y1=top, x2=x - slot / 2, y2=bottom, stroke=MUTED,
                           stroke_width=1, stroke_dasharray="3 3"))
        base = 0
        for _name, colour, counts in series:
            k = counts[i]
            if k:
                y0, y1 = axis(base + k), axis(base)
                body.append(el("rect", cls="bar", x=x - width / 2, y=y0, width=width, height=max(y1 - y0, 0.5),
                               fill=colour, fill_opacity="0.45" if partial[i] else None,
                               stroke="#ffffff", stroke_width=0.6))
                base += k
        if marked[i]:
            body.append(_triangle(x, axis(base) - 9, cls="hot-spot"))
        if i % every == 0:
            body.append(text_at(x, bottom + 16, lab, anchor="middle", size=FONT - 1, fill=MUTED))
    body.append(el("line", x1=left, y1=bottom, x2=right, y2=bottom, stroke=AXIS, stroke_width=1))
    return chart_svg(height, title, "chart-weekly", body)


def _triangle(x: float, y: float, r: float = 5.5, cls: str | None = None) -> str:
    """A downward triangle pointing at (x, y + r)."""
    points = f"{x - r:.1f},{y - r * 0.8:.1f} {x + r:.1f},{y - r * 0.8:.1f} {x:.1f},{y + r:.1f}"
    return el("polygon", cls=cls, points=points, fill=INK)


def _legend(entries: Sequence[tuple[str, str]], y: float, x0: float) -> tuple[list[str], float]:
    """Legend entries (swatch, label) in rows that wrap at the chart's width; the svg and
    the height of the rows below the first."""
    out, x, row = [], x0, 0
    for swatch, label in entries:
        w = 16 + text_width(label, FONT - 1) + 22
        if x > x0 and x + w > WIDTH:
            x, row = x0, row + 1
        yy = y + row * 18
        out.append(f'<g transform="translate({x:.1f},{yy:.1f})">{swatch}</g>')
        out.append(text_at(x + 16, yy + 4, label, size=FONT - 1, fill=MUTED))
        x += w
    return out, row * 18.0


def _weekly_group(c: _Ctx) -> dict:
    volume = c.block["volume"]
    weeks = volume["weeks"]
    series, n_weeks = _series(c)
    flagged = {s["week"] for s in (c.block.get("hot_spots") or {}).get("spikes") or []}
    marked = [w["week"] in flagged for w in weeks]
    partial_ = [w["exposure"] < 1 for w in weeks]
    gaps = [w.get("gap_before", 0) for w in weeks]
    caption = c.t("weekly_chart")
    svg = weekly_chart([w["week"] for w in weeks], series, marked=marked, partial=partial_, title=caption,
                       y_label=c.t("axis_complaints"), mark_label=c.t("legend_hot_week"),
                       partial_label=c.t("legend_partial"),
                       fmt=lambda v: c.f.num(v, digits=0 if float(v).is_integer() else 1), gaps=gaps)
    table = Table([(c.t("col.week"), False), (c.t("col.total"), True)] + [(label, True) for label, _, _ in series],
                  cls="weekly")
    for i, w in enumerate(weeks):
        if gaps[i]:
            table.rows.append(Row([Cell(c.t("weeks_left_out", n=c.int(gaps[i])), span=len(series) + 2)], kind="group"))
        sub = c.t("week_days", days=c.int(round(w["exposure"] * 7))) if partial_[i] else \
            i18n.fmt_datetime(c.f.lang, w["monday"])
        if marked[i]:
            sub += " · " + c.t("hot_week")
        cells = [Cell(w["week"], sub, "label"), Cell(c.int(sum(s[2][i] for s in series)), cls="num")]
        cells += [Cell(c.int(s[2][i]), cls="num") for s in series]
        table.rows.append(Row(cells, kind="flag" if marked[i] else "data"))
    table.notes.append(c.t("weekly_note"))
    return _group(c.t("weekly_title"), [("p", c.t("weekly_intro")), ("figure", Figure(caption, svg)),
                                        ("table", table)])


# --------------------------------------------------------------------------- what and where


def _count_chart(c: _Ctx, rows: Sequence[Mapping], caption: str) -> Figure:
    bars = [charts.Bar(c.value(r["value"]), r["n"]) for r in rows]
    high = max([r["n"] for r in rows] + [1])
    svg = charts.bar_chart(bars, title=caption, fmt=c.int, domain=(0.0, high * 1.1), diverging=False,
                           axis_label=c.t("axis_complaints"))
    return Figure(caption, svg)


def _count_table(c: _Ctx, rows: Sequence[Mapping], header: str) -> Table:
    table = Table([(header, False), (c.t("col.count"), True), (c.t("col.share"), True)])
    for r in rows:
        table.rows.append(Row([Cell(c.value(r["value"]), cls="label"), Cell(c.int(r["n"]), cls="num"),
                               Cell(c.pct(r["share"]), cls="num")]))
    return table


def _where_group(c: _Ctx) -> dict:
    volume = c.block["volume"]
    content: list[tuple[str, Any]] = [("p", c.t("where_intro"))]
    for key, header in (("by_dimension", "col.dimension"), ("by_unit", "col.unit")):
        rows = sorted(volume[key], key=lambda r: -r["n"])  # the most complaints first
        caption = c.t(f"chart_{key}")
        content += [("h4", c.t(f"{key}_title")), ("figure", _count_chart(c, rows, caption)),
                    ("table", _count_table(c, rows, c.t(header)))]
    for key in ("by_channel", "by_tier", "by_product"):
        rows = sorted(volume.get(key) or [], key=lambda r: -r["n"])
        if rows:
            content += [("h4", c.t(f"{key}_title")), ("table", _count_table(c, rows, c.t(f"col.{key[3:]}")))]
    return _group(c.t("where_title"), content)


# --------------------------------------------------------------------------- handling times


def _days(hours) -> float | None:
    return hours / 24 if is_num(hours) else None


def _handling_table(c: _Ctx, by: Mapping, header: str) -> Table:
    table = Table([(header, False), (c.t("col.acknowledged"), True), (c.t("col.ack_median"), True),
                   (c.t("col.ack_p90"), True), (c.t("col.resolved"), True), (c.t("col.res_median"), True),
                   (c.t("col.res_mean"), True), (c.t("col.res_p90"), True)])
    res = {r["value"]: r for r in by.get("resolve") or []}
    note = c.t("suppressed", min_n=c.int(c.min_n))
    for a in by.get("acknowledge") or []:
        r = res.get(a["value"], {"n": 0, "suppressed": True})
        cells = [Cell(c.value(a["value"]), cls="label"), Cell(c.int(a["n"]), cls="num")]
        if a["suppressed"]:
            cells.append(Cell(note, cls="suppressed-note", span=2))
        else:
            cells += [Cell(c.one(a.get("median_hours")), cls="num"), Cell(c.one(a.get("p90_hours")), cls="num")]
        cells.append(Cell(c.int(r["n"]), cls="num"))
        if r["suppressed"]:
            cells.append(Cell(note, cls="suppressed-note", span=3))
        else:
            cells += [Cell(c.one(_days(r.get(k))), cls="num") for k in ("median_hours", "mean_hours", "p90_hours")]
        table.rows.append(Row(cells, kind="suppressed" if a["suppressed"] and r["suppressed"] else "data"))
    return table


def _handling_group(c: _Ctx) -> dict:
    h = c.block["handling"]
    ack, res = h["acknowledge"], h["resolve"]
    content: list[tuple[str, Any]] = [("p", c.t("handling_intro", ack_n=c.int(ack["n"]),
                                                ack_median=c.one(ack["median_hours"]), ack_p90=c.one(ack["p90_hours"]),
                                                res_n=c.int(res["n"]), res_median=c.one(_days(res["median_hours"])),
                                                res_p90=c.one(_days(res["p90_hours"]))))]
    shown = [r for r in h["by_unit"].get("resolve") or [] if not r["suppressed"]]
    if shown:
        caption = c.t("handling_chart")
        rows = [charts.ShareBar(str(r["value"]), _days(r["median_hours"]), _days(r["p90_hours"])) for r in shown]
        svg = charts.share_chart(rows, title=caption, fmt=c.one, bar_label=c.t("legend_median"),
                                 marker_label=c.t("legend_p90"), axis_label=c.t("axis_days"))
        content.append(("figure", Figure(caption, svg)))
    for by, header in (("by_unit", "col.unit"), ("by_dimension", "col.dimension")):
        table = _handling_table(c, h[by], c.t(header))
        table.notes.append(c.t("handling_note", min_n=c.int(c.min_n)))
        content += [("h4", c.t(f"handling_{by}")), ("table", table)]
    if c.block.get("sla") is None:
        content.append(("p", c.t("sla_none")))
    return _group(c.t("handling_title"), content)


# --------------------------------------------------------------------------- SLA


def _sla_rows(c: _Ctx, step: str, overall: Mapping, by: Sequence[Mapping]) -> list[charts.Bar]:
    bars = []
    for label, stat in [(c.t("all_complaints"), overall)] + [(c.value(r["value"]), r[step]) for r in by]:
        if stat["suppressed"] or not is_num(stat.get("share")):
            continue
        bars.append(charts.Bar(label, 100 * stat["share"], 100 * stat["ci_low"], 100 * stat["ci_high"]))
    return bars


def _sla_table(c: _Ctx, overall: Mapping | None, by: Sequence[Mapping], header: str) -> Table:
    table = Table([(header, False), (c.t("col.decided"), True), (c.t("col.in_time"), True),
                   (c.t("col.share_in_time"), True), (c.t("col.late"), True), (c.t("col.missed"), True),
                   (c.t("col.pending"), True)], cls="sla")
    for step in ("acknowledge", "resolve"):
        table.rows.append(Row([Cell(c.t(f"step_{step}"), span=7)], kind="group"))
        rows = ([(c.t("all_complaints"), overall[step])] if overall else []) + \
            [(c.value(r["value"]), r[step]) for r in by]
        for label, s in rows:
            lead = [Cell(label, cls="label"), Cell(c.int(s["n"]), cls="num")]
            counts = [Cell(c.int(s[k]), cls="num") for k in ("late", "missed", "pending")]
            if s["suppressed"]:
                note = c.t("suppressed", min_n=c.int(c.min_n)) if s["n"] else c.t("no_due")
                table.rows.append(Row(lead + [Cell(c.int(s["in_time"]), cls="num"),
                                              Cell(note, cls="suppressed-note")] + counts, kind="suppressed"))
            else:
                table.rows.append(Row(lead + [Cell(c.int(s["in_time"]), cls="num"),
                                              Cell(c.pct(s["share"]), c.share_interval(s), "num")] + counts))
    return table


def _sla_group(c: _Ctx) -> dict | None:
    sla = c.block.get("sla")
    if not isinstance(sla, Mapping):
        return None
    content: list[tuple[str, Any]] = [("p", c.t("sla_intro", level=c.level))]
    caption = c.t("sla_chart", level=c.level)
    groups = [charts.Group(c.t(f"step_{step}"), _sla_rows(c, step, sla[step], sla["by_unit"]))
              for step in ("acknowledge", "resolve")]
    groups = [g for g in groups if g.rows]
    if groups:
        svg = charts.bar_chart(groups, title=caption, fmt=partial(c.f.num, digits=1), domain=(0.0, 100.0),
                               diverging=False, axis_label=c.t("axis_in_time"))
        content.append(("figure", Figure(caption, svg)))
    table = _sla_table(c, sla, sla["by_unit"], c.t("col.unit"))
    table.notes += [c.t("sla_note", level=c.level), c.t("handling_note", min_n=c.int(c.min_n))]
    content.append(("table", table))
    content += [("h4", c.t("sla_by_dimension")), ("table", _sla_table(c, None, sla["by_dimension"],
                                                                       c.t("col.dimension")))]
    return _group(c.t("sla_title"), content)


# --------------------------------------------------------------------------- backlog and repeats


def _bin_label(c: _Ctx, b: Mapping) -> str:
    if b["to_days"] is None:
        return c.t("bin_over", low=c.int(b["from_days"]))
    if b["from_days"] == 0:
        return c.t("bin_under", high=c.int(b["to_days"]))
    return c.t("bin", low=c.int(b["from_days"]), high=c.int(b["to_days"]))


def _backlog_group(c: _Ctx) -> dict:
    b = c.block["backlog"]
    age = b["age"]
    content: list[tuple[str, Any]] = []
    if b["open"]:
        content.append(("p", c.t("backlog_intro", open=c.int(b["open"]), overdue=c.int(b["overdue"]),
                                 median=c.one(age["median_days"]), p90=c.one(age["p90_days"]),
                                 oldest=c.one(age["max_days"]), closed=c.int(b["closed_without_resolution"]))))
        caption = c.t("backlog_chart")
        rows = [{"value": _bin_label(c, x), "n": x["n"]} for x in b["bins"]]
        content.append(("figure", _count_chart(c, rows, caption)))
        table = Table([(c.t("col.age"), False), (c.t("col.open"), True)])
        for r in rows:
            table.rows.append(Row([Cell(r["value"], cls="label"), Cell(c.int(r["n"]), cls="num")]))
        content.append(("table", table))
        units = Table([(c.t("col.unit"), False), (c.t("col.open"), True), (c.t("col.overdue"), True),
                       (c.t("col.oldest"), True)])
        for r in b["by_unit"]:
            units.rows.append(Row([Cell(c.value(r["value"]), cls="label"), Cell(c.int(r["open"]), cls="num"),
                                   Cell(c.int(r["overdue"]), cls="num" + (" neg" if r["overdue"] else "")),
                                   Cell(c.one(r["oldest_days"]), cls="num")]))
        content += [("h4", c.t("backlog_by_unit")), ("table", units)]
    else:
        content.append(("p", c.t("backlog_none", closed=c.int(b["closed_without_resolution"]))))
    status = c.block.get("status") or []
    if status:
        table = Table([(c.t("col.status"), False), (c.t("col.count"), True)])
        for s in status:
            table.rows.append(Row([Cell(c.value(s["value"]), cls="label"), Cell(c.int(s["n"]), cls="num")]))
        content += [("h4", c.t("status_title")), ("table", table)]
    return _group(c.t("backlog_title"), content)


def _repeat_group(c: _Ctx) -> dict:
    r = c.block.get("repeat")
    if not isinstance(r, Mapping):
        return _group(c.t("repeat_title"), [("p", c.t("repeat_none"))])
    days = c.f.num(r["window_days"], digits=0 if float(r["window_days"]).is_integer() else 1)
    text = c.t("repeat_intro", repeat=c.int(r["repeat_customers"]), customers=c.int(r["customers"]),
               share=c.pct(r["share"]), interval=c.share_interval(r), days=days,
               complaints=c.int(r["repeat_complaints"]), keyed=c.int(r["complaints_with_key"]), level=c.level)
    table = Table([(c.t("col.figure"), False), (c.t("col.value"), True)])
    for key, value, sub in (("repeat_keyed", c.int(r["complaints_with_key"]), ""),
                            ("repeat_customers", c.int(r["customers"]), ""),
                            ("repeat_repeaters", c.int(r["repeat_customers"]), ""),
                            ("repeat_share", c.pct(r["share"]), c.share_interval(r)),
                            ("repeat_complaints", c.int(r["repeat_complaints"]), "")):
        table.rows.append(Row([Cell(c.t(key, days=days), cls="label"), Cell(value, sub, "num")]))
    table.notes.append(c.t("repeat_note", level=c.level))
    return _group(c.t("repeat_title"), [("p", text), ("table", table)])


# --------------------------------------------------------------------------- rates


def _rates_group(c: _Ctx) -> dict | None:
    rates = c.block.get("rates")
    if not isinstance(rates, Mapping):
        return None
    units = rates["units"]
    overall = rates["overall"]
    content: list[tuple[str, Any]] = [("p", c.t("rates_intro", days=c.int(rates["days"]), level=c.level,
                                                per_1000=c.f.num(overall["per_1000"]),
                                                complaints=c.int(overall["complaints"]),
                                                customers=c.int(overall["customers"])))]
    if units:
        caption = c.t("rates_chart", level=c.level)
        bars = [charts.Bar(str(u["unit"]), u["per_1000"], u["ci_low"], u["ci_high"]) for u in units]
        high = max([u["ci_high"] for u in units if is_num(u["ci_high"])] + [1.0])
        svg = charts.bar_chart(bars, title=caption, fmt=c.f.num, domain=(0.0, high * 1.05), diverging=False,
                               axis_label=c.t("axis_per_1000"))
        content.append(("figure", Figure(caption, svg)))
    table = Table([(c.t("col.unit"), False), (c.t("col.count"), True), (c.t("col.customers"), True),
                   (c.t("col.per_1000"), True)])
    for u in units:
        table.rows.append(Row([Cell(str(u["unit"]), cls="label"), Cell(c.int(u["complaints"]), cls="num"),
                               Cell(c.int(u["customers"]), cls="num"),
                               Cell(c.f.num(u["per_1000"]), i18n.fmt_interval(c.f.lang, u["ci_low"], u["ci_high"]),
                                    "num")]))
    table.rows.append(Row([Cell(c.t("all_units"), cls="label"), Cell(c.int(overall["complaints"]), cls="num"),
                           Cell(c.int(overall["customers"]), cls="num"),
                           Cell(c.f.num(overall["per_1000"]), cls="num")]))
    table.notes.append(c.t("rates_note", level=c.level))
    if rates.get("units_without_customers"):
        missing = i18n.join_list(c.f.lang, map(str, rates["units_without_customers"]))
        table.notes.append(c.t("rates_missing", units=missing))
    content.append(("table", table))
    return _group(c.t("rates_title"), content)


# --------------------------------------------------------------------------- operational metrics


def lag_chart(lags: Sequence[Mapping], strongest: int | None, *, title: str, fmt, x_label: str, y_label: str,
              strongest_label: str, other_label: str, significant_label: str) -> str:
    """Pearson's r at every lag as bars from zero (the strongest lag dark, positive cool,
    negative warm; the others grey), an asterisk over a strongest lag whose adjusted p is
    below α (``strongest_label`` names it)."""
    height, left, right, top = 210.0, 52.0, WIDTH - 10.0, 34.0
    bottom = height - 44.0
    values = [abs(x["r"]) for x in lags if is_num(x.get("r"))]
    reach = max(values + [0.2]) * 1.1
    axis = Axis(-reach, reach, bottom, top, fmt, True)
    slot = (right - left) / max(1, len(lags))
    width = max(3.0, min(26.0, slot * 0.6))
    main_r = next((x["r"] for x in lags if x["lag"] == strongest and is_num(x.get("r"))), 0.0)
    entries = [(swatch_rect(COOL if main_r >= 0 else WARM), strongest_label), (swatch_rect("#c4cbd3"), other_label)]
    body, _ = _legend(entries, 12, left)
    body += [text_at(0, top - 12, y_label, size=FONT - 1, fill=MUTED, weight="600")] + axis.y_grid(left, right)
    zero = axis(0.0)
    for i, x in enumerate(lags):
        cx = left + slot * (i + 0.5)
        body.append(text_at(cx, bottom + 16, str(x["lag"]), anchor="middle", size=FONT - 1, fill=MUTED))
        r = x.get("r")
        if not is_num(r):
            continue
        y = axis(r)
        main = x["lag"] == strongest
        colour = (COOL if r >= 0 else WARM) if main else "#c4cbd3"
        body.append(el("rect", cls="bar strongest" if main else "bar", x=cx - width / 2, y=min(y, zero),
                       width=width, height=max(abs(zero - y), 0.5), fill=colour))
        if main and significant_label:
            body.append(text_at(cx, (y - 5) if r >= 0 else (y + 14), "*", anchor="middle", size=FONT + 2,
                                fill=INK, weight="700"))
    body.append(el("line", cls="zero", x1=left, y1=zero, x2=right, y2=zero, stroke=ZERO, stroke_width=1.2))
    body.append(text_at((left + right) / 2, bottom + 34, x_label, anchor="middle", size=FONT - 1, fill=MUTED))
    if significant_label:
        body.append(text_at(right, bottom + 34, significant_label, anchor="end", size=FONT - 1, fill=MUTED))
    return chart_svg(height, title, "chart-lags", body)


def _operations_group(c: _Ctx) -> dict | None:
    ops = c.block.get("operations")
    if not isinstance(ops, Mapping):
        return None
    content: list[tuple[str, Any]] = [("p", c.t("ops_intro", max_lag=c.int(ops["max_lag"]))),
                                      ("p", c.t("ops_caveat"))]
    series = ops.get("series") or []
    summary = Table([(c.t("col.region"), False), (c.t("col.metric"), False), (c.t("col.lag"), True),
                     (c.t("col.r"), True), (c.t("col.n"), True), (c.t("col.p_adjusted"), True),
                     (c.t("col.verdict"), False)])
    for s in series:
        st = s.get("strongest")
        lead = [Cell(str(s["region"]), cls="label"), Cell(str(s["metric"]))]
        if not isinstance(st, Mapping):
            summary.rows.append(Row(lead + [Cell(c.t("no_r"), cls="suppressed-note", span=5)], kind="suppressed"))
            continue
        verdict = c.t("significant") if st["significant"] else c.t("not_significant")
        summary.rows.append(Row(lead + [Cell(c.int(st["lag"]), cls="num"),
                                        Cell(c.f.num(st["r"], signed=True), cls="num"),
                                        Cell(c.int(st["n"]), cls="num"),
                                        Cell(c.f.p(st["p_adjusted"], bare=True), c.t("p_raw", p=c.f.p(st["p"])), "num"),
                                        Cell(verdict, cls="verdict" + (" strong" if st["significant"] else ""))],
                                kind="flag" if st["significant"] else "data"))
    summary.notes.append(c.t("ops_note", correction=c.t(f"correction_{ops.get('correction', 'holm')}")))
    if ops.get("unmatched_regions"):
        summary.notes.append(c.t("ops_unmatched", regions=i18n.join_list(c.f.lang, map(str, ops["unmatched_regions"]))))
    content.append(("table", summary))
    for s in series[:MAX_LAG_CHARTS]:
        st = s.get("strongest") if isinstance(s.get("strongest"), Mapping) else None
        lags = s.get("lags") or []
        if not lags:
            continue
        title = c.t("ops_series", metric=s["metric"], region=s["region"], unit=s["unit"])
        if st:
            line = c.t("ops_line_sig" if st["significant"] else "ops_line", metric=s["metric"], region=s["region"],
                       lag=c.int(st["lag"]), r=c.f.num(st["r"], signed=True), p=c.f.p(st["p_adjusted"]),
                       unit=s["unit"])
        else:
            line = c.t("no_r")
        caption = c.t("ops_chart", metric=s["metric"], region=s["region"])
        svg = lag_chart(lags, st["lag"] if st else None, title=caption, fmt=partial(c.f.num, signed=True),
                        x_label=c.t("axis_lag"), y_label="r", strongest_label=c.t("legend_strongest"),
                        other_label=c.t("legend_other_lags"),
                        significant_label=c.t("legend_significant") if st and st["significant"] else "")
        table = Table([(c.t("col.lag_days"), False)] + [(str(x["lag"]), True) for x in lags], cls="lags")
        table.rows.append(Row([Cell("r", cls="label")] + [Cell(c.f.num(x.get("r"), signed=True), cls="num")
                                                            for x in lags]))
        table.rows.append(Row([Cell(c.t("col.n"), cls="label")] + [Cell(c.int(x.get("n")), cls="num") for x in lags]))
        table.rows.append(Row([Cell(c.t("col.p_adjusted"), cls="label")]
                              + [Cell(c.f.p(x.get("p_adjusted"), bare=True) if is_num(x.get("p_adjusted"))
                                      else c.f.num(None), cls="num") for x in lags]))
        content += [("h4", title), ("p", line), ("figure", Figure(caption, svg)), ("table", table)]
    if len(series) > MAX_LAG_CHARTS:
        content.append(("p", c.t("ops_more", n=c.int(len(series) - MAX_LAG_CHARTS))))
    return _group(c.t("ops_title"), content)


# --------------------------------------------------------------------------- summary, key figures, definitions


def summary_sentences(block: Mapping, lang: str) -> list[str]:
    """The complaints in a few plain sentences: volume, the hot spots by name, SLA
    compliance, the backlog, repeat complainants, the highest rate and the operational
    metrics that move before complaints. Used by the report's summary and the CLI."""
    f = Fmt(lang, (block.get("settings") or {}).get("confidence", 0.95))
    block = named(block, lang)
    c = _Ctx(block, f)
    if not block.get("n"):
        return [c.t("summary_none")]
    p, volume = block["period"], block["volume"]
    top_dim = max(volume["by_dimension"], key=lambda r: r["n"])
    top_unit = max(volume["by_unit"], key=lambda r: r["n"])
    out = [c.t("summary_volume", n=c.int(block["n"]), first=i18n.fmt_datetime(lang, p["first_day"]),
               last=i18n.fmt_datetime(lang, p["last_day"]), dimension=c.value(top_dim["value"]),
               dim_share=c.pct(top_dim["share"]), unit=c.value(top_unit["value"]), unit_share=c.pct(top_unit["share"]))]
    left_out = sum(w.get("gap_before", 0) for w in volume["weeks"])
    if left_out:  # a date far from the others, most often a mistake in the data
        out.append(c.t("summary_left_out", n=c.int(left_out)))
    spots = hot_spots(block)
    if spots:
        out += [c.t("summary_spot", text=spike_sentence(s, f)) for s in spots[:3]]
        if len(spots) > 3:
            out.append(c.t("more_spots", n=c.int(len(spots) - 3)))
    else:
        out.append(c.t("summary_no_spots"))
    sla = block.get("sla")
    if isinstance(sla, Mapping):
        ack, res = sla["acknowledge"], sla["resolve"]
        if is_num(ack.get("share")) and is_num(res.get("share")):
            out.append(c.t("summary_sla", ack=c.pct(ack["share"]), ack_n=c.int(ack["n"]), res=c.pct(res["share"]),
                           res_n=c.int(res["n"])))
    backlog = block.get("backlog")
    if _counted(block):
        out.append(c.t("counted_note"))
    elif backlog["open"]:
        out.append(c.t("summary_backlog", open=c.int(backlog["open"]), overdue=c.int(backlog["overdue"]),
                       oldest=c.one(backlog["age"]["max_days"])))
    else:
        out.append(c.t("summary_backlog_none"))
    repeat = block.get("repeat")
    if isinstance(repeat, Mapping) and repeat["customers"]:
        out.append(c.t("summary_repeat", share=c.pct(repeat["share"]), customers=c.int(repeat["customers"]),
                       days=c.f.num(repeat["window_days"], digits=0)))
    rates = block.get("rates")
    if isinstance(rates, Mapping) and rates["units"]:
        high = max(rates["units"], key=lambda u: u["per_1000"])
        out.append(c.t("summary_rate", unit=high["unit"], per_1000=c.f.num(high["per_1000"]),
                       overall=c.f.num(rates["overall"]["per_1000"])))
    ops = block.get("operations")
    if isinstance(ops, Mapping):
        sig = [s for s in ops["series"] if isinstance(s.get("strongest"), Mapping) and s["strongest"]["significant"]]
        for s in sig[:3]:
            st = s["strongest"]
            out.append(c.t("ops_line_sig", metric=s["metric"], region=s["region"], unit=s["unit"],
                           lag=c.int(st["lag"]), r=c.f.num(st["r"], signed=True), p=f.p(st["p_adjusted"])))
        if ops["series"] and not sig:
            out.append(c.t("summary_ops_none", n=c.int(len(ops["series"]))))
    return out


def complaints_definitions(results: Mapping, f: Fmt) -> list[str]:
    """The definitions of what the complaints section shows ([] without the block)."""
    block = results.get("complaints")
    if not isinstance(block, Mapping) or not block.get("n"):
        return []
    c = _Ctx(block, f)
    keys = ["def_period", "def_hot_spots"]
    keys += ["def_share"] if "share" in (block.get("hot_spots") or {}).get("methods", []) else []
    keys += ["def_ewma"] if "ewma" in (block.get("hot_spots") or {}).get("methods", []) else []
    keys += [] if _counted(block) else ["def_handling"]
    keys += ["def_sla"] if isinstance(block.get("sla"), Mapping) else []
    keys += [] if _counted(block) else ["def_backlog"]
    keys += ["def_repeat"] if isinstance(block.get("repeat"), Mapping) else []
    keys += ["def_rates"] if isinstance(block.get("rates"), Mapping) else []
    keys += ["def_operations"] if isinstance(block.get("operations"), Mapping) else []
    keys += ["def_suppression"]
    return [c.t(k, level=c.level, min_n=c.int(c.min_n), timezone=block["period"]["timezone"]) for k in keys]


def _kpis(block: Mapping, c: _Ctx) -> list[dict[str, str]]:
    def kpi(label: str, value: str, sub: str = "", cls: str = "") -> dict[str, str]:
        return {"label": label, "value": value, "sub": sub, "cls": cls}

    out = [kpi(c.t("kpi_complaints"), c.int(block["n"]),
               c.t("kpi_days", days=c.int(block["period"]["days"])) if block.get("period") else "")]
    if not block.get("n"):
        return out
    spots = hot_spots(block)
    first = spots[0] if spots else None
    out.append(kpi(c.t("kpi_hot_spots"), c.int(len(spots)),
                   f"{first['dimension']} · {first['unit']} · {first['week']}" if first else c.t("kpi_none"),
                   "neg" if spots else ""))
    sla = block.get("sla")
    if isinstance(sla, Mapping) and is_num(sla["resolve"].get("share")):
        out.append(kpi(c.t("kpi_resolved_in_time"), c.pct(sla["resolve"]["share"]), c.share_interval(sla["resolve"])))
    backlog = block.get("backlog")
    if isinstance(backlog, Mapping):
        out.append(kpi(c.t("kpi_open"), c.int(backlog["open"]), c.t("kpi_overdue", n=c.int(backlog["overdue"])),
                       "neg" if backlog["overdue"] else ""))
    rates = block.get("rates")
    if isinstance(rates, Mapping) and rates["units"]:
        out.append(kpi(c.t("kpi_per_1000"), c.f.num(rates["overall"]["per_1000"]),
                       c.t("kpi_rate_days", days=c.int(rates["days"]))))
    return out


def _header(data: Mapping, c: _Ctx) -> list[tuple[str, str]]:
    block, source = data["complaints"], data.get("source") or {}
    none = c.t("h_none")
    p = block.get("period") or {}
    rows = source.get("rows", block.get("n"))
    file = source.get("file") or none
    register = c.t("h_register_rows", file=file, rows=c.int(rows)) if rows is not None else file
    if source.get("classified"):
        register += " · " + c.t("h_classified", n=c.int(source["classified"]))
    period = (c.f.t("format.range", low=i18n.fmt_datetime(c.f.lang, p["first_day"]),
                    high=i18n.fmt_datetime(c.f.lang, p["last_day"])) if p else none)
    methods = (block.get("hot_spots") or {}).get("methods") or []
    return [
        (c.t("h_register"), register),
        (c.t("h_period"), period),
        (c.t("h_now"), i18n.fmt_datetime(c.f.lang, (block.get("settings") or {}).get("now"))),
        (c.t("h_timezone"), (block.get("settings") or {}).get("timezone", "")),
        (c.t("h_method"), i18n.join_list(c.f.lang, [c.t(f"method_{m}") for m in methods]) or none),
        (c.t("h_sla"), source.get("sla") or none),
        (c.t("h_customers"), source.get("customers") or none),
        (c.t("h_operations"), source.get("operations") or none),
        (c.t("h_min_n"), c.int(c.min_n)),
    ]


def render_complaints_html(data: Mapping, lang: str | None = None) -> str:
    """The one-file complaints report of ``{"schema_version", "servq_version", "complaints":
    block}`` (and optionally ``source``, ``generated_at``), through the report template.

    >>> import pyarrow as pa, datetime as dt
    >>> from servq.complaints.analytics import complaints_block
    >>> t = pa.table({"id": ["a", "b"], "unit": ["North", "North"], "dimension": ["billing", "network"],
    ...               "received_at": pa.array([dt.datetime(2026, 3, 2, 9), dt.datetime(2026, 3, 3, 9)],
    ...                                       pa.timestamp("s", tz="UTC"))})
    >>> html = render_complaints_html({"schema_version": "1.0", "servq_version": "0", "complaints":
    ...                                complaints_block(t, lang="sv")}, "sv")
    >>> html.startswith("<!DOCTYPE html>"), "Klagomålsrapport" in html, "<script" in html
    (True, True, False)
    """
    lang = i18n.check_lang(lang or (data["complaints"].get("settings") or {}).get("lang") or "en")
    block = named(data["complaints"], lang)
    f = Fmt(lang, (block.get("settings") or {}).get("confidence", 0.95))
    c = _Ctx(block, f)
    source = data.get("source") or {}
    return render_document(
        lang, title=c.t("title"), name=str(source.get("file") or c.t("title")), header=_header(data, c),
        kpis=_kpis(block, c), summary=summary_sentences(block, lang),
        sections={"complaints": complaints_section(data, f)},
        definitions=complaints_definitions(data, f),
        footer=c.t("footer", version=data.get("servq_version", ""), schema=data.get("schema_version", "")))


__all__ = ["complaints_definitions", "complaints_section", "hot_spots", "lag_chart", "render_complaints_html",
           "spike_sentence", "summary_sentences", "weekly_chart"]
