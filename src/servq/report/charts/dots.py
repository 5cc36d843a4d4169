"""Dot charts on a value axis: dumbbells (E and P) and zones of tolerance."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from servq.report.charts.axis import Axis, padded_range
from servq.report.charts.colour import BAND, BAND_EDGE, COOL, DOT_B, INK, STATUS_COLOURS, WARM
from servq.report.charts.layout import (
    ROW,
    VALUE_W,
    Group,
    finish_chart,
    group_label_width,
    grouped_chart,
    grouped_rows,
    label_width,
    left_label,
)
from servq.report.charts.svg import WIDTH, Fmt, dot, el, finite, legend_row, reference_line, row_value


@dataclass(frozen=True)
class Dumbbell:
    """One row: the reference value ``a`` (e.g. E), the measured value ``b`` (e.g. P) and
    a note printed at the right (e.g. the gap)."""

    label: str
    a: float | None
    b: float | None
    note: str = ""


def _link(x1: float, x2: float, y: float, colour: str, cls: str | None = None) -> str:
    return el("line", cls=cls, x1=x1, y1=y, x2=x2, y2=y, stroke=colour, stroke_width=3)


def dumbbell_chart(
    groups: Sequence[Group],
    *,
    title: str,
    a_label: str,
    b_label: str,
    worse_label: str,
    better_label: str,
    domain: tuple[float, float],
    fmt: Fmt,
    label_max: float = 330,
) -> str:
    """A dot for ``a`` (hollow), a dot for ``b`` (filled) and a line between them, warm
    where ``b`` is below ``a``; rows grouped under headings."""
    label_w = group_label_width(groups, 120, label_max)
    axis = Axis(*domain, label_w + 12, WIDTH - VALUE_W - 14, fmt)
    legend = [
        (dot(5, 0, hollow=True), a_label),
        (dot(5, 0), b_label),
        (_link(0, 11, 0, WARM), worse_label),
        (_link(0, 11, 0, COOL), better_label),
    ]

    def draw(_group: Group, row: Dumbbell, y: float) -> tuple[str, float]:
        label, h = left_label(row.label, y, label_w - 12)
        yc = y + h / 2
        has_a, has_b = finite(row.a), finite(row.b)
        negative = has_a and has_b and row.b < row.a
        out = [label]
        if has_a and has_b:
            out.append(_link(axis(row.a), axis(row.b), yc, WARM if negative else COOL, "link"))
        if has_a:
            out.append(dot(axis(row.a), yc, hollow=True, cls="dot-a"))
        if has_b:
            out.append(dot(axis(row.b), yc, cls="dot-b"))
        if row.note:
            out.append(row_value(yc, row.note, WARM if negative else INK))
        return "".join(out), h

    return grouped_chart(groups, axis, legend_row(legend, 12), draw, title, "chart-dumbbell")


@dataclass(frozen=True)
class ZoneRow:
    """Mean adequate, desired and perceived service of a dimension or item."""

    label: str
    adequate: float | None
    desired: float | None
    perceived: float | None


def zone_status(
    adequate: float | None, desired: float | None, perceived: float | None
) -> str | None:
    """``below`` (P < A), ``above`` (P > D), ``within``, or ``inverted`` when A > D.

    Returns None when a value is missing.
    """
    if adequate is None or desired is None or perceived is None:
        return None
    if adequate > desired:
        return "inverted"
    if perceived < adequate:
        return "below"
    if perceived > desired:
        return "above"
    return "within"


def _marker(status: str | None, x: float, y: float) -> str:
    colour = STATUS_COLOURS.get(status or "within", STATUS_COLOURS["within"])
    if status == "below":
        points = f"{x - 6:.1f},{y - 5:.1f} {x + 6:.1f},{y - 5:.1f} {x:.1f},{y + 6:.1f}"
    elif status == "above":
        points = f"{x - 6:.1f},{y + 5:.1f} {x + 6:.1f},{y + 5:.1f} {x:.1f},{y - 6:.1f}"
    else:
        points = f"{x:.1f},{y - 6:.1f} {x + 6:.1f},{y:.1f} {x:.1f},{y + 6:.1f} {x - 6:.1f},{y:.1f}"
    cls = f"marker {status or ''}".strip()
    return el("polygon", cls=cls, points=points, fill=colour, stroke="#ffffff", stroke_width=1)


def zone_chart(
    groups: Sequence[Group],
    *,
    title: str,
    domain: tuple[float, float],
    fmt: Fmt,
    labels: Mapping[str, str],
    label_max: float = 330,
) -> str:
    """A band from mean adequate to mean desired, with mean perceived as a marker whose
    shape and colour say below (▼, red), within (◆) or above (▲, green) the band.

    ``labels`` holds ``band``, ``below``, ``within`` and ``above`` legend texts.
    """
    label_w = group_label_width(groups, 110, label_max)
    axis = Axis(*domain, label_w + 12, WIDTH - VALUE_W - 14, fmt)
    band = f'<rect x="0" y="-5" width="12" height="10" fill="{BAND}" stroke="{BAND_EDGE}"/>'
    legend = [(band, labels["band"])] + [
        (_marker(s, 6, 0), labels[s]) for s in ("below", "within", "above")
    ]

    def draw(group: Group, row: ZoneRow, y: float) -> tuple[str, float]:
        indent = 10 if group.label else 0
        height = 24 if group.label else ROW
        label, h = left_label(row.label, y, label_w - 8 - indent, indent, height)
        yc = y + h / 2
        a, d, p = row.adequate, row.desired, row.perceived
        out = [label]
        if a is not None and d is not None:
            xa, xd = sorted((axis(a), axis(d)))
            style = dict(fill=BAND, stroke=BAND_EDGE, stroke_width=1)
            out.append(el("rect", cls="band", x=xa, y=yc - 6, width=max(xd - xa, 1.5), height=12, **style))
        status = zone_status(a, d, p)
        if p is not None:
            out.append(_marker(status, axis(p), yc))
            out.append(row_value(yc, fmt(p), STATUS_COLOURS.get(status or "within", INK)))
        return "".join(out), h

    return grouped_chart(groups, axis, legend_row(legend, 12), draw, title, "chart-zone")


@dataclass(frozen=True)
class IntervalRow:
    """One unit: its ``value`` (a mean) with the interval ``low``..``high``; ``flag`` when
    it differs significantly from another unit; ``note`` printed at the right."""

    label: str
    value: float | None
    low: float | None = None
    high: float | None = None
    flag: bool = False
    note: str = ""


def interval_chart(
    rows: Sequence[IntervalRow],
    *,
    title: str,
    domain: tuple[float, float] | None,
    fmt: Fmt,
    value_label: str,
    flag_label: str,
    reference: float | None = None,
    reference_label: str = "",
    axis_label: str | None = None,
    label_max: float = 260,
) -> str:
    """A dot-and-whisker chart: one row per unit (in the order given), the dot its value,
    the whisker its interval, warm when it differs significantly from another unit; a
    dashed line at ``reference`` (all respondents' mean). The axis runs over ``domain``,
    or over the intervals when None."""
    seen = [v for r in rows for v in (r.value, r.low, r.high) if finite(v)]
    if reference is not None and finite(reference):
        seen.append(reference)
    lo, hi = domain if domain is not None else padded_range(seen or [0.0, 1.0], 0.05)
    label_w = label_width([r.label for r in rows], 90, label_max)
    axis = Axis(lo, hi, label_w + 12, WIDTH - VALUE_W - 14, fmt, widen=domain is None)
    legend = [(dot(5, 0), value_label), (el("circle", cx=5, cy=0, r=4.5, fill=WARM), flag_label)]
    if reference is not None and finite(reference):
        legend.append((reference_line(5, -6, 6), reference_label))

    def draw(_group: Group, row: IntervalRow, y: float) -> tuple[str, float]:
        label, h = left_label(row.label, y, label_w - 12)
        yc = y + h / 2
        colour = WARM if row.flag else INK
        out = [label]
        if finite(row.low) and finite(row.high):
            out.append(el("line", x1=axis(row.low), y1=yc, x2=axis(row.high), y2=yc, stroke=colour, stroke_width=1.6))
            for end in (row.low, row.high):
                out.append(el("line", x1=axis(end), y1=yc - 4, x2=axis(end), y2=yc + 4, stroke=colour, stroke_width=1.6))
        if finite(row.value):
            out.append(el("circle", cx=axis(row.value), cy=yc, r=4.5, fill=WARM if row.flag else DOT_B))
        if row.note:
            out.append(row_value(yc, row.note, colour))
        return "".join(out), h

    body, bottom = grouped_rows([Group("", rows)], 30, draw)
    marks = legend_row(legend, 12) + axis.grid(30, bottom + 4)
    if reference is not None and finite(reference):
        marks.append(reference_line(axis(reference), 26, bottom + 4))
    return finish_chart(marks + body, bottom + 4, axis.x0, axis.x1, axis_label, title, "chart-intervals")
