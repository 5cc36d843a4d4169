"""The report's "Scorecard" section: units ranked fairly, and service standards.

From the results' ``scorecard`` block (:mod:`servq.measures.scorecard`):

1. the service standards: every unit's pass / fail / not-enough-data per standard, as text
   and colour, with the figure and n behind it, and the units that fail called out;
2. per measure: the variance components in words, a caterpillar chart (shrunk estimate with
   its interval, the unit's own mean as a hollow dot, the parent's mean as a dashed line)
   and the ranked table with n, own mean, shrunk estimate [interval] and weight B.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from itertools import groupby
from typing import Any

from servq.report import i18n
from servq.report.blocks import Callout, Cell, Figure, Fmt, Row, Table
from servq.report.charts.axis import Axis
from servq.report.charts.colour import COOL, INK
from servq.report.charts.layout import Group, finish_chart, group_label_width, grouped_rows, left_label
from servq.report.charts.svg import WIDTH, dot, finite, legend_row, reference_line, row_value

STATUS_CLS = {"pass": "status above", "fail": "status below", "not_enough_data": "na"}
OPERATOR_SIGNS = {">=": "≥", "<=": "≤"}  # a target as the report's other texts write it
SIGNED = {"gap", "msa", "mss", "level", "advantage", "servqual", "servqual_weighted", "nps"}


def _group(title: str, content: list[tuple[str, Any]]) -> dict:
    return {"title": title, "cls": "subsection", "content": content}


def measure_name(card: Mapping, f: Fmt) -> str:
    """``Reliability: gap (P − E)``, ``SERVQUAL score``, ``NPS: Likelihood to recommend``."""
    measure = str(card.get("measure", ""))
    label = card.get("label") or card.get("dimension") or ""
    try:
        return f.t(f"scorecard.measure.{measure}", label=label, outcome=card.get("outcome") or "")
    except KeyError:
        return ": ".join(x for x in (str(label or card.get("outcome") or ""), measure) if x)


def _digits(card: Mapping) -> int:
    return 1 if card.get("measure") == "nps" else 2


def scorecard_section(results: Mapping, f: Fmt) -> dict | None:
    """The standards table and one sub-section per measure; None without a scorecard."""
    card = results.get("scorecard")
    if not isinstance(card, Mapping) or not card.get("measures"):
        return None
    unit, parent = str(card.get("unit", "")), card.get("parent")
    toward = f.t("scorecard.toward_parent", parent=parent) if parent else f.t("scorecard.toward_all")
    groups = []
    if card.get("standards"):
        groups.append(_standards_group(card, f))
    groups += [_measure_group(card, m, f, toward) for m in card["measures"]]
    return {"intro": f.t("scorecard.intro", unit=unit, toward=toward), "groups": groups}


# --------------------------------------------------------------------------- standards


def _standard_name(card: Mapping, std: Mapping, f: Fmt) -> str:
    if std.get("label"):
        return str(std["label"])
    measure = next((m for m in card["measures"] if m.get("key") == std.get("key")), std)
    op, value = OPERATOR_SIGNS.get(std.get("op", ""), std.get("op", "")), std.get("value")
    target = f"{op} {f.num(value, signed=measure.get('measure') in SIGNED, digits=_digits(measure))}"
    return f.t("scorecard.standards.target", measure=measure_name(measure, f), target=target)


def _standards_group(card: Mapping, f: Fmt) -> dict:
    unit, parent = str(card.get("unit", "")), card.get("parent")
    standards = card["standards"]
    measures = {m["key"]: {u["unit"]: u for u in m["units"]} for m in card["measures"]}
    basis = card.get("basis", "shrunk")
    headers = [(f.t("scorecard.col.unit"), False)] + ([(str(parent), False)] if parent else [])
    headers += [(f.t("scorecard.col.n"), True)] + [(_standard_name(card, s, f), False) for s in standards]
    notes = [f.t(f"scorecard.standards.basis.{basis}", unit=unit, level=f.level)]
    notes += [f.t("scorecard.standards.summary", standard=_standard_name(card, s, f),
                  passed=f.int(s["counts"]["pass"]), failed=f.int(s["counts"]["fail"]),
                  missing=f.int(s["counts"]["not_enough_data"])) for s in standards]
    table = Table(headers, notes=notes, cls="scorecard")
    failing: dict[str, list[str]] = {_standard_name(card, s, f): [] for s in standards}  # in the file's order
    for u in card.get("units") or []:
        name = str(u["unit"])
        cells = [Cell(name, cls="label")] + ([Cell(str(u.get("parent") or ""))] if parent else [])
        cells.append(f.n_cell(u.get("n")))
        failed = False
        for s in standards:
            status = s["status"].get(name, "not_enough_data")
            row = measures.get(s["key"], {}).get(name, {})
            cells.append(_status_cell(status, row, basis, s["key"], card, f))
            if status == "fail":
                failing[_standard_name(card, s, f)].append(name)
                failed = True
        table.rows.append(Row(cells, kind="flag" if failed else "data"))
    lines = [f.t("scorecard.standards.failed_line", standard=standard, units=i18n.join_list(f.lang, names))
             for standard, names in failing.items() if names]
    callout = (Callout("warn", lines, f.t("scorecard.standards.failed_title")) if lines
               else Callout("ok", [f.t("scorecard.standards.none_failed", unit=unit)]))
    content: list[tuple[str, Any]] = [("p", f.t("scorecard.standards.intro", unit=unit, min_n=f.int(card.get("min_n")))),
                                      ("callout", callout), ("table", table)]
    return _group(f.t("scorecard.standards.title"), content)


def _status_cell(status: str, row: Mapping, basis: str, key: str, card: Mapping, f: Fmt) -> Cell:
    """The status in words (coloured by class) with the figure it rests on and its n."""
    measure = next((m for m in card["measures"] if m.get("key") == key), {})
    value = row.get("raw") if basis == "raw" else row.get("shrunk")
    figure = f.num(value, signed=measure.get("measure") in SIGNED, digits=_digits(measure))
    sub = f.t("scorecard.standards.cell_value", value=figure, n=f.int(row.get("n", 0))) if row else ""
    return Cell(f.t(f"scorecard.status.{status}"), sub, STATUS_CLS.get(status, ""))


# --------------------------------------------------------------------------- measures


def _components_text(card: Mapping, m: Mapping, f: Fmt, toward: str) -> str:
    unit = str(card.get("unit", ""))
    plural = f.t("scorecard.plural_units")
    if not m.get("estimable"):
        return f.t("scorecard.not_estimable", unit=unit, unit_plural=plural)
    tau2, sigma2 = m.get("tau2"), m.get("sigma2")
    if not tau2:
        return f.t("scorecard.tau_zero", unit=unit, unit_plural=plural, toward=toward)
    counts = [u["n"] for u in m["units"] if u.get("n")]
    n = int(statistics.median(counts)) if counts else 1
    keep = tau2 / (tau2 + sigma2 / n) if sigma2 is not None else None
    digits = _digits(m)
    return f.t("scorecard.components", unit=unit, unit_plural=plural, toward=toward,
               tau=f.num(tau2 ** 0.5, digits=digits), sigma=f.num((sigma2 or 0.0) ** 0.5, digits=digits),
               share=f.pct(m.get("icc")), n=f.int(n), keep=f.pct(keep))


def _measure_group(card: Mapping, m: Mapping, f: Fmt, toward: str) -> dict:
    unit, parent = str(card.get("unit", "")), card.get("parent")
    signed = m.get("measure") in SIGNED
    digits = _digits(m)
    num = partial(f.num, signed=signed, digits=digits)
    name = measure_name(m, f)
    caption = f.t("scorecard.chart", measure=name, unit=unit, level=f.level)
    parents = {p.get("parent"): p.get("mean") for p in m.get("parents") or []}
    rows = [u for u in m.get("units") or [] if finite(u.get("shrunk"))]
    if parent:
        ordered = sorted(rows, key=lambda u: (str(u.get("parent")), u.get("rank") or 0))
        groups = [Group(str(p), [_row(u, parents.get(p), f) for u in us])
                  for p, us in groupby(ordered, key=lambda u: u.get("parent"))]
    else:
        groups = [Group("", [_row(u, parents.get(None), f) for u in rows])]
    svg = caterpillar_chart(groups, title=caption, fmt=num,
                            labels=(f.t("scorecard.legend_shrunk"), f.t("scorecard.legend_raw"),
                                    f.t("scorecard.legend_parent", parent=parent) if parent
                                    else f.t("scorecard.legend_overall")))
    headers = [(f.t("scorecard.col.unit"), False)] + ([(str(parent), False)] if parent else [])
    headers += [(f.t(f"scorecard.col.{k}"), True) for k in ("rank", "n", "raw", "shrunk", "factor")]
    table = Table(headers, notes=[f.t("scorecard.table_note", level=f.level)], cls="scorecard")
    for u in m.get("units") or []:
        interval = i18n.fmt_interval(f.lang, u.get("ci_low"), u.get("ci_high"), digits, signed=signed)
        cells = [Cell(str(u["unit"]), cls="label")] + ([Cell(str(u.get("parent") or ""))] if parent else [])
        cells += [Cell(f.int(u.get("rank")) if u.get("rank") else f.num(None), cls="num"), f.n_cell(u.get("n")),
                  f.num_cell(u.get("raw"), signed, digits=digits),
                  f.num_cell(u.get("shrunk"), signed, interval if u.get("ci_low") is not None else "", digits),
                  f.num_cell(u.get("factor"))]
        table.rows.append(Row(cells, kind="data" if u.get("n") else "suppressed"))
    content: list[tuple[str, Any]] = [("p", _components_text(card, m, f, toward)),
                                      ("figure", Figure(caption, svg)), ("table", table)]
    return _group(name, content)


# --------------------------------------------------------------------------- the chart


@dataclass(frozen=True)
class CaterpillarRow:
    """One unit: its shrunk estimate and interval, its own mean, and its parent's mean."""

    label: str
    estimate: float | None
    low: float | None
    high: float | None
    raw: float | None
    centre: float | None


def _row(u: Mapping, centre: float | None, f: Fmt) -> CaterpillarRow:
    label = f"{u['unit']} ({f.t('format.n_equals', n=f.int(u.get('n', 0)))})"
    return CaterpillarRow(label, u.get("shrunk"), u.get("ci_low"), u.get("ci_high"), u.get("raw"), centre)


def caterpillar_chart(groups: Sequence[Group], *, title: str, fmt, labels: tuple[str, str, str],
                      label_max: float = 230) -> str:
    """Units as rows (grouped under their parent): the interval as a line, the shrunk
    estimate as a filled dot, the unit's own mean as a hollow dot, and the parent's mean as
    a dashed line through the group's rows; the estimate printed at the right."""
    values = [v for g in groups for r in g.rows for v in (r.low, r.high, r.raw, r.centre) if finite(v)]
    lo, hi = (min(values), max(values)) if values else (0.0, 1.0)
    pad = 0.04 * ((hi - lo) or 1.0)
    label_w = group_label_width(groups, 110, label_max)
    axis = Axis(lo - pad, hi + pad, label_w + 12, WIDTH - 70, fmt, widen=True)
    shrunk_label, raw_label, centre_label = labels
    legend = legend_row([(dot(5, 0), shrunk_label), (dot(5, 0, hollow=True), raw_label),
                         (reference_line(5, -6, 6), centre_label)], 12)

    def draw(_group: Group, row: CaterpillarRow, y: float) -> tuple[str, float]:
        label, h = left_label(row.label, y, label_w - 12)
        yc = y + h / 2
        out = [label]
        if finite(row.centre):
            out.append(reference_line(axis(row.centre), y, y + h, "centre"))
        if finite(row.low) and finite(row.high):
            out.append(f'<line class="interval" x1="{axis(row.low):.1f}" y1="{yc:.1f}" x2="{axis(row.high):.1f}" '
                       f'y2="{yc:.1f}" stroke="{COOL}" stroke-width="2.5" stroke-linecap="round"/>')
        if finite(row.raw):
            out.append(dot(axis(row.raw), yc, hollow=True, cls="raw"))
        if finite(row.estimate):
            out.append(dot(axis(row.estimate), yc, cls="shrunk"))
            out.append(row_value(yc, fmt(row.estimate), INK))
        return "".join(out), h

    rows, bottom = grouped_rows(groups, 30, draw)
    return finish_chart(legend + axis.grid(30, bottom + 4) + rows, bottom, axis.x0, axis.x1, None, title,
                        "chart-caterpillar")
