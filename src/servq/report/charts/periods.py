"""Charts over periods: a score's trend with intervals, and the Shewhart control chart."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from servq.report.charts.axis import Axis, padded_range
from servq.report.charts.colour import AXIS, COOL, DOT_B, INK, MUTED, NEUTRAL, STATUS_COLOURS, WARM, ZERO
from servq.report.charts.svg import FONT, WIDTH, Fmt, chart_svg, dot, el, finite, legend_row, text_at, text_width


@dataclass(frozen=True)
class TrendPoint:
    """A period on a time chart: its value and interval (None where suppressed or
    undefined), and for a control chart its limits and flags."""

    label: str
    value: float | None
    low: float | None = None
    high: float | None = None
    lcl: float | None = None
    ucl: float | None = None
    out: bool = False
    run: bool = False


def _period_axes(
    points: Sequence[TrendPoint], extra: Sequence[float | None], *, fmt: Fmt, y_label: str, height: float
) -> tuple[list[str], list[float], Axis, float, float]:
    """Frame of a chart over periods: horizontal grid with the value ticks at the left, the
    period labels under the plot (every k-th when crowded). Returns the body so far, the
    x of each period, the value axis and the plot's top and bottom."""
    left, right, top, bottom = 64.0, WIDTH - 16.0, 34.0, height - 52.0
    values = [v for p in points for v in (p.value, p.low, p.high, p.lcl, p.ucl) if finite(v)]
    values += [v for v in extra if finite(v)]
    axis = Axis(*padded_range(values or [0.0, 1.0], 0.08), bottom, top, fmt, True)
    slot = (right - left) / max(1, len(points))
    xs = [left + slot * (i + 0.5) for i in range(len(points))]
    body = [text_at(0, 14, y_label, size=FONT - 1, fill=MUTED, weight="600")] + axis.y_grid(left, right)
    widest = max((text_width(p.label, FONT - 1) for p in points), default=0.0)
    every = max(1, math.ceil((widest + 8) / slot))
    for i, (x, p) in enumerate(zip(xs, points)):
        if i % every == 0:
            body.append(text_at(x, bottom + 16, p.label, anchor="middle", size=FONT - 1, fill=MUTED))
    body.append(el("line", x1=left, y1=bottom, x2=right, y2=bottom, stroke=AXIS, stroke_width=1))
    return body, xs, axis, top, bottom


def _polyline(
    xy: Sequence[tuple[float, float]], colour: str, cls: str, width: float = 2.0, dash: str | None = None
) -> str:
    points = " ".join(f"{x:.1f},{y:.1f}" for x, y in xy)
    return el("polyline", cls=cls, points=points, fill="none", stroke=colour, stroke_width=width,
              stroke_dasharray=dash, stroke_linejoin="round")


def _runs_of(points: Sequence[TrendPoint], xs: Sequence[float], axis: Axis) -> list[list[tuple[float, float]]]:
    """The line through consecutive periods that have a value; a period without one breaks it."""
    lines: list[list[tuple[float, float]]] = [[]]
    for x, p in zip(xs, points):
        if finite(p.value):
            lines[-1].append((x, axis(p.value)))
        elif lines[-1]:
            lines.append([])
    return [line for line in lines if line]


def trend_chart(
    points: Sequence[TrendPoint], *, title: str, fmt: Fmt, y_label: str, line_label: str, interval_label: str,
    reference: float | None = None, height: float = 300,
) -> str:
    """A score per period: a line through the periods' values with each period's interval
    as a vertical whisker, the value printed above it; periods without a value (too few
    respondents) are left empty and break the line. ``reference`` draws a dashed line
    (e.g. 0 for a gap)."""
    body, xs, axis, top, bottom = _period_axes(points, [reference], fmt=fmt, y_label=y_label, height=height)
    if finite(reference) and axis.lo <= reference <= axis.hi:
        y = axis(reference)
        body.append(el("line", cls="reference", x1=xs[0] - 20, y1=y, x2=xs[-1] + 20, y2=y, stroke=ZERO,
                       stroke_width=1.2, stroke_dasharray="4 3"))
    for line in _runs_of(points, xs, axis):
        body.append(_polyline(line, COOL, "trend-line"))
    for x, p in zip(xs, points):
        if not finite(p.value):
            continue
        if finite(p.low) and finite(p.high):
            body.append(el("line", cls="whisker", x1=x, y1=axis(p.low), x2=x, y2=axis(p.high), stroke=DOT_B,
                           stroke_width=1.5))
        body.append(dot(x, axis(p.value)))
        top_y = axis(p.high) if finite(p.high) else axis(p.value)
        body.append(text_at(x, max(top_y - 6, top - 4), fmt(p.value), anchor="middle", size=FONT - 2, fill=INK))
    swatch = f'<line x1="0" y1="0" x2="11" y2="0" stroke="{COOL}" stroke-width="2"/>'
    whisker = f'<line x1="5" y1="-6" x2="5" y2="6" stroke="{DOT_B}" stroke-width="1.5"/>'
    body += legend_row([(swatch, line_label), (whisker, interval_label)], height - 12, 64)
    return chart_svg(height, title, "chart-trend", body)


def _triangle(x: float, y: float, r: float = 6.5, cls: str | None = None) -> str:
    points = f"{x:.1f},{y - r:.1f} {x + r:.1f},{y + r * 0.8:.1f} {x - r:.1f},{y + r * 0.8:.1f}"
    return el("polygon", cls=cls, points=points, fill=STATUS_COLOURS["below"], stroke="#ffffff", stroke_width=1)


def _square(x: float, y: float, r: float = 5.0, cls: str | None = None) -> str:
    return el("rect", cls=cls, x=x - r, y=y - r, width=2 * r, height=2 * r, fill="#ffffff", stroke=WARM,
              stroke_width=2)


def control_chart(
    points: Sequence[TrendPoint], *, title: str, centre: float, fmt: Fmt, y_label: str,
    labels: Mapping[str, str], height: float = 300,
) -> str:
    """A Shewhart chart: the centre line, the control limits as steps (each period's limits
    span its slot, since they depend on its n), the values joined by a line; a period
    outside its limits is a red triangle, one that continues a run on one side of the
    centre an open square, others a dot (shapes, not only colours, tell them apart).
    ``labels`` names the legend entries: value, centre, limits, out, run."""
    body, xs, axis, top, bottom = _period_axes(points, [centre], fmt=fmt, y_label=y_label, height=height)
    half = (xs[1] - xs[0]) / 2 if len(xs) > 1 else 20.0
    yc = axis(centre)
    body.append(el("line", cls="centre", x1=xs[0] - half, y1=yc, x2=xs[-1] + half, y2=yc, stroke=ZERO,
                   stroke_width=1.5))
    for key in ("lcl", "ucl"):
        step: list[tuple[float, float]] = []
        for x, p in zip(xs, points):
            limit = getattr(p, key)
            if finite(limit):
                step += [(x - half, axis(limit)), (x + half, axis(limit))]
        if step:
            body.append(_polyline(step, WARM, f"limit {key}", width=1.4, dash="5 3"))
    for line in _runs_of(points, xs, axis):
        body.append(_polyline(line, NEUTRAL, "control-line", width=1.5))
    for x, p in zip(xs, points):
        if not finite(p.value):
            continue
        y = axis(p.value)
        if p.out:
            body.append(_triangle(x, y, cls="point out"))
        elif p.run:
            body.append(_square(x, y, cls="point run"))
        else:
            body.append(dot(x, y, cls="point"))
    entries = [(dot(5, 0), labels.get("value", "")),
               (f'<line x1="0" y1="0" x2="11" y2="0" stroke="{ZERO}" stroke-width="1.5"/>', labels.get("centre", "")),
               (f'<line x1="0" y1="0" x2="11" y2="0" stroke="{WARM}" stroke-width="1.4" stroke-dasharray="4 2"/>',
                labels.get("limits", ""))]
    # name a marker only when the chart shows it
    if any(p.out for p in points):
        entries.append((_triangle(5, 0, 5.5), labels.get("out", "")))
    if any(p.run and not p.out for p in points):
        entries.append((_square(5, 0, 4.5), labels.get("run", "")))
    body += legend_row(entries, height - 12, 64)
    return chart_svg(height, title, "chart-control", body)
