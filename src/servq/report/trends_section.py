"""The report's "Trends" section: how the scores move from period to period.

From the results' ``trends`` block (``servq analyze --period``; docs/trends.md):

1. sentences: the change of the overall score between the last two periods (rose / fell
   with its difference and p, or no significant change), the other measures that changed
   significantly, and the periods a control chart flags;
2. the overall score per period as a line with intervals, and its table;
3. the X̄ control chart of the overall score and a p-chart of the first NPS promoter or
   top-two-box share, each with its table of limits;
4. the change between the last two periods for every measure, and a summary of every
   control chart's signals.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

from servq.report import charts, i18n
from servq.report.access import is_real
from servq.report.blocks import Callout, Cell, Figure, Fmt, Row, Table

SIGNED_METRICS = {"servqual", "gap", "msa"}


def trends_section(results: Mapping, f: Fmt) -> dict | None:
    """The section, or None when the results have no ``trends`` with periods."""
    tr = results.get("trends")
    if not isinstance(tr, Mapping) or not tr.get("periods"):
        return None
    measures = [m for m in tr.get("measures") or [] if isinstance(m, Mapping)]
    periods = [p for p in tr["periods"] if isinstance(p, Mapping)]
    min_n = (results.get("options") or {}).get("min_n", 1)
    intro = f.t("trends.intro", period=f.t(f"trends.period.{tr.get('period')}"), column=tr.get("column", ""),
                min_n=f.int(min_n))
    callouts = _callouts(tr, measures, f)
    groups = []
    overall = next((m for m in measures if m.get("what") == "overall"), None)
    if overall is not None:
        groups.append(_series_group(overall, periods, f, min_n))
    share = next((m for m in measures if m.get("what") == "promoters"), None) or \
        next((m for m in measures if m.get("what") == "top_box"), None)
    for m in (overall, share):
        if m is not None and isinstance((tr.get("control") or {}).get(m["id"]), Mapping):
            groups.append(_control_group(tr, m, f))
    groups.append(_periods_group(measures, periods, f))
    if isinstance(tr.get("change"), Mapping):
        groups.append(_change_group(tr["change"], measures, f))
    groups.append(_signals_group(tr, measures, f))
    return {"intro": intro, "callouts": callouts, "groups": groups}


# --------------------------------------------------------------------------- names and numbers


def measure_name(m: Mapping, f: Fmt) -> str:
    """What a measure is called in sentences and tables."""
    what, label = m.get("what"), str(m.get("label") or m.get("of") or "")
    if what == "overall":
        return f.t(f"trends.measure.overall_{'servqual' if m.get('metric') == 'servqual' else 'servperf'}")
    if what in ("top_box", "nps", "promoters", "detractors"):
        return f.t(f"trends.measure.{what}", label=label)
    return label


def _signed(m: Mapping) -> bool:
    return m.get("metric") in SIGNED_METRICS or m.get("kind") == "nps"


def value_text(m: Mapping, value: float | None, f: Fmt) -> str:
    """A value of the measure: a share in percent, an NPS with one decimal, else a score."""
    if m.get("kind") == "share":
        return f.pct(value)
    return f.num(value, signed=_signed(m), digits=1 if m.get("kind") == "nps" else 2)


def diff_text(m: Mapping, diff: float | None, f: Fmt) -> str:
    """A change: percentage points for shares, points for NPS, else the score's units."""
    if m.get("kind") == "share":
        return f.t("trends.points_pct", value=f.num(diff * 100 if is_real(diff) else None, signed=True, digits=1))
    return f.num(diff, signed=True, digits=1 if m.get("kind") == "nps" else 2)


def _stat(value: Any) -> Mapping:
    return value if isinstance(value, Mapping) else {}


def _point_value(m: Mapping, stat: Mapping) -> float | None:
    return stat.get("share") if m.get("kind") == "share" else stat.get("mean")


# --------------------------------------------------------------------------- sentences


def change_sentence(change: Mapping, m: Mapping, f: Fmt) -> str | None:
    """``The overall score rose from X in P1 to Y in P2 (+0.21, p = 0.004).`` or no change."""
    c = (change.get("measures") or {}).get(m["id"])
    if not isinstance(c, Mapping):
        return None
    kw = dict(measure=measure_name(m, f), before=change.get("from", ""), last=change.get("to", ""),
              old=value_text(m, c.get("from"), f), new=value_text(m, c.get("to"), f),
              diff=diff_text(m, c.get("diff"), f), p=_p_text(c, f))
    if not c.get("significant"):
        return f.t("trends.sentence.no_change", **kw)
    return f.t(f"trends.sentence.{'rose' if (c.get('diff') or 0) > 0 else 'fell'}", **kw)


def _p_text(c: Mapping, f: Fmt) -> str:
    """A change's p: Holm-corrected over the measures tested, when the results have it."""
    return f.t("trends.corrected_p", p=f.p(c["p_adj"])) if c.get("p_adj") is not None else f.p(c.get("p"))


def signal_sentences(tr: Mapping, measures: Sequence[Mapping], f: Fmt) -> list[str]:
    """``2026-03 is outside the control limits for Reliability.``, one per flagged period,
    then one per measure with a run."""
    control = tr.get("control") or {}
    out_by_period: dict[str, list[str]] = {}
    lines = []
    for m in measures:
        chart = control.get(m["id"])
        if not isinstance(chart, Mapping):
            continue
        for p in chart.get("points") or []:
            if p.get("out"):
                out_by_period.setdefault(p["label"], []).append(measure_name(m, f))
    order = [p["label"] for p in tr.get("periods") or []]
    for label in sorted(out_by_period, key=order.index):
        names = i18n.join_list(f.lang, out_by_period[label])
        lines.append(f.t("trends.sentence.out", period=label, measures=names))
    for m in measures:
        chart = control.get(m["id"])
        if isinstance(chart, Mapping):
            run = [p["label"] for p in chart.get("points") or [] if p.get("run")]
            if run:
                lines.append(f.t("trends.sentence.run", measure=measure_name(m, f), length=tr.get("run_length", 8),
                                 periods=i18n.join_list(f.lang, run)))
    return lines


def _callouts(tr: Mapping, measures: Sequence[Mapping], f: Fmt) -> list[Callout]:
    out = []
    change = tr.get("change")
    if isinstance(change, Mapping):
        lines = [s for m in measures if m.get("what") == "overall" for s in [change_sentence(change, m, f)] if s]
        others = [m for m in measures if m.get("what") != "overall"
                  and _stat((change.get("measures") or {}).get(m["id"])).get("significant")]
        if others:
            named = [f.t("trends.changed_item", measure=measure_name(m, f),
                         diff=diff_text(m, change["measures"][m["id"]]["diff"], f),
                         p=_p_text(change["measures"][m["id"]], f)) for m in others]
            lines.append(f.t("trends.sentence.others", before=change.get("from", ""), last=change.get("to", ""),
                             measures=i18n.join_list(f.lang, named)))
        if lines:
            changed = [c for c in (change.get("measures") or {}).values() if _stat(c).get("significant")]
            # red only for a deterioration that stays significant after correction
            kind = "alert" if any(c.get("worse") for c in changed) else "ok" if changed else "info"
            out.append(Callout(kind, lines, f.t("trends.change_title")))
    else:
        out.append(Callout("info", [f.t("trends.no_change_possible")]))
    signals = signal_sentences(tr, measures, f)
    out.append(Callout("warn", signals, f.t("trends.signals_title")) if signals else
               Callout("ok", [f.t("trends.in_control")], f.t("trends.signals_title")))
    return out


# --------------------------------------------------------------------------- groups


def _group(title: str, content: list[tuple[str, Any]]) -> dict:
    return {"title": title, "cls": "subsection", "content": content}


def _series_group(m: Mapping, periods: Sequence[Mapping], f: Fmt, min_n: int) -> dict:
    """The overall score per period: line with intervals, and its table."""
    name = measure_name(m, f)
    signed = _signed(m)
    points, rows = [], []
    for p in periods:
        stat = _stat((p.get("values") or {}).get(m["id"]))
        points.append(charts.TrendPoint(p["label"], stat.get("mean"), stat.get("ci_low"), stat.get("ci_high")))
        if p.get("suppressed"):
            note = Cell(f.t("segments.suppressed", min_n=f.int(min_n)), cls="suppressed-note", span=3)
            rows.append(Row(f.label_cells(p["label"], p.get("n")) + [note], kind="suppressed"))
        else:
            rows.append(Row(f.label_cells(p["label"], p.get("n")) + [f.stat_cell(stat, signed), f.sd_cell(stat),
                                                                        f.n_cell(stat.get("n"))]))
    caption = f.t("trends.chart.series", measure=name)
    svg = charts.trend_chart(points, title=caption, fmt=partial(f.num, signed=signed), y_label=name,
                             line_label=name, interval_label=f.level, reference=0.0 if signed else None)
    headers = [(f.t("trends.col.period"), False), (f.t("col.n"), True), (f.t("col.mean"), True),
               (f.t("col.sd"), True), (f.t("trends.col.answered"), True)]
    table = Table(headers, rows, [f.t("notes.interval", level=f.level)])
    return _group(f.t("trends.series_title", measure=name), [("figure", Figure(caption, svg)), ("table", table)])


def _control_group(tr: Mapping, m: Mapping, f: Fmt) -> dict:
    chart = tr["control"][m["id"]]
    name = measure_name(m, f)
    kind = "p" if chart.get("chart") == "p" else "xbar"
    fmt = f.pct if kind == "p" else partial(f.num, signed=_signed(m), digits=1 if m.get("kind") == "nps" else 2)
    pts = [p for p in chart.get("points") or [] if isinstance(p, Mapping)]
    points = [charts.TrendPoint(p["label"], p.get("value"), lcl=p.get("lcl"), ucl=p.get("ucl"),
                                out=bool(p.get("out")), run=bool(p.get("run"))) for p in pts]
    caption = f.t(f"trends.chart.{kind}", measure=name)
    labels = {k: f.t(f"trends.legend.{k}") for k in ("value", "centre", "limits", "out", "run")}
    svg = charts.control_chart(points, title=caption, centre=chart.get("centre"), fmt=fmt, y_label=name, labels=labels)
    table = Table([(f.t("trends.col.period"), False), (f.t("col.n"), True), (f.t("trends.col.value"), True),
                   (f.t("trends.col.lcl"), True), (f.t("trends.col.ucl"), True), (f.t("trends.col.signal"), False)],
                  notes=[_rule(tr, chart, m, kind, f)])
    for p in pts:
        signal = f.t("trends.signal.out") if p.get("out") else f.t("trends.signal.run") if p.get("run") else ""
        cells = [Cell(value_text(m, p.get(k), f), cls="num") for k in ("value", "lcl", "ucl")]
        table.rows.append(Row(f.label_cells(p["label"], p.get("n")) + cells + [Cell(signal, cls="status")],
                              kind="flag" if signal else "data"))
    return _group(caption, [("p", f.t(f"trends.{kind}_intro")), ("figure", Figure(caption, svg)), ("table", table)])


def _rule(tr: Mapping, chart: Mapping, m: Mapping, kind: str, f: Fmt) -> str:
    centre = value_text(m, chart.get("centre"), f)
    sigmas = f.num(tr.get("sigmas", 3), digits=0)
    if kind == "p":
        return f.t("trends.rule_p", centre=centre, sigmas=sigmas, length=tr.get("run_length", 8))
    return f.t("trends.rule_xbar", centre=centre, sigma=f.num(chart.get("sigma")), sigmas=sigmas,
               length=tr.get("run_length", 8))


def _periods_group(measures: Sequence[Mapping], periods: Sequence[Mapping], f: Fmt) -> dict:
    """Every measure in every period: a row per measure, a column per period."""
    shown = [p for p in periods if not p.get("suppressed")]
    headers = [(f.t("col.measure"), False)] + [(p["label"], True) for p in shown]
    table = Table(headers, cls="trends", notes=[f.t("trends.all_note", level=f.level)])
    table.rows.append(Row([Cell(f.t("col.n"), cls="label")] + [f.n_cell(p.get("n")) for p in shown]))
    for m in measures:
        cells = []
        for p in shown:
            stat = _stat((p.get("values") or {}).get(m["id"]))
            sub = f.pct_interval(stat) if m.get("kind") == "share" else f.interval(stat, _signed(m))
            cells.append(Cell(value_text(m, _point_value(m, stat), f), sub, "num"))
        table.rows.append(Row([Cell(measure_name(m, f), cls="label")] + cells))
    suppressed = [p["label"] for p in periods if p.get("suppressed")]
    if suppressed:
        table.notes.append(f.t("trends.suppressed_note", periods=i18n.join_list(f.lang, suppressed)))
    return _group(f.t("trends.all_title"), [("table", table)])


def _change_group(change: Mapping, measures: Sequence[Mapping], f: Fmt) -> dict:
    headers = [(f.t("col.measure"), False), (change.get("from", ""), True), (change.get("to", ""), True),
               (f.t("trends.col.diff"), True), (f.t("trends.col.p"), True), (f.t("trends.col.test"), False)]
    table = Table(headers, notes=[f.t("trends.change_note", level=f.level)])
    for m in measures:
        c = (change.get("measures") or {}).get(m["id"])
        if not isinstance(c, Mapping):
            continue
        scale = 100 if m.get("kind") == "share" else 1  # shares in percentage points
        low, high = (c[k] * scale if is_real(c.get(k)) else None for k in ("ci_low", "ci_high"))
        interval = i18n.fmt_interval(f.lang, low, high, 2 if m.get("kind") == "mean" else 1, signed=True)
        diff = Cell(diff_text(m, c.get("diff"), f), interval, "num neg" if (c.get("diff") or 0) < 0 else "num")
        table.rows.append(Row([Cell(measure_name(m, f), cls="label"), Cell(value_text(m, c.get("from"), f), cls="num"),
                               Cell(value_text(m, c.get("to"), f), cls="num"), diff,
                               Cell(f.p(c.get("p")), cls="num"), Cell(f.t(f"trends.test.{c.get('test')}"))],
                              kind="flag" if c.get("significant") else "data"))
    return _group(f.t("trends.change_table_title", before=change.get("from", ""), last=change.get("to", "")),
                  [("table", table)])


def _signals_group(tr: Mapping, measures: Sequence[Mapping], f: Fmt) -> dict:
    headers = [(f.t("col.measure"), False), (f.t("trends.col.chart"), False), (f.t("trends.col.centre"), True),
               (f.t("trends.col.out"), False), (f.t("trends.col.run"), False)]
    table = Table(headers, notes=[f.t("trends.signals_note", length=tr.get("run_length", 8))])
    for m in measures:
        chart = (tr.get("control") or {}).get(m["id"])
        if not isinstance(chart, Mapping):
            continue
        pts = chart.get("points") or []
        out = [p["label"] for p in pts if p.get("out")]
        run = [p["label"] for p in pts if p.get("run")]
        cells = [Cell(measure_name(m, f), cls="label"), Cell(f.t(f"trends.chart_kind.{chart.get('chart')}")),
                 Cell(value_text(m, chart.get("centre"), f), cls="num"),
                 Cell(i18n.join_list(f.lang, out) if out else f.num(None)),
                 Cell(i18n.join_list(f.lang, run) if run else f.num(None))]
        table.rows.append(Row(cells, kind="flag" if out or run else "data"))
    return _group(f.t("trends.signals_table_title"), [("p", f.t("trends.signals_intro")), ("table", table)])
