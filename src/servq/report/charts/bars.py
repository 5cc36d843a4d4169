"""Bar charts: means with intervals, one 100 % bar, shares with markers, paired differences."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from servq.report.charts.axis import Axis
from servq.report.charts.colour import AXIS, COOL, INK, MUTED, NEUTRAL, WARM, ZERO, text_on
from servq.report.charts.layout import (
    ROW,
    VALUE_W,
    Group,
    finish_chart,
    group_label_width,
    grouped_rows,
    label_width,
    left_label,
)
from servq.report.charts.svg import (
    FONT,
    WIDTH,
    Fmt,
    chart_svg,
    el,
    esc,
    finite,
    legend_row,
    lines_at,
    reference_line,
    row_value,
    swatch_rect,
    text_at,
    text_width,
    wrap,
)


@dataclass(frozen=True)
class Bar:
    """One bar: a label, the mean and its interval (any may be None)."""

    label: str
    value: float | None
    low: float | None = None
    high: float | None = None


def bar_chart(
    bars: Sequence[Bar | Group],
    *,
    title: str,
    fmt: Fmt,
    domain: tuple[float, float] | None = None,
    diverging: bool = True,
    legend: Sequence[str] = (),
    axis_label: str = "",
    label_max: float = 250,
    reference: tuple[float, str] | None = None,
) -> str:
    """Horizontal bars from zero to each mean, with interval whiskers.

    With ``diverging`` (gaps, MSA) bars below zero are warm, the others cool, and a
    dark line marks zero; ``legend`` then gives the two labels (short, meets). Without it
    (perception on the scale range) bars run from the scale minimum in one neutral
    colour and ``domain`` is the scale. ``bars`` may hold :class:`Group` s of bars, drawn
    under headings (items by dimension). ``reference`` = (value, label) draws a dashed
    line at that value, explained by the label in the legend (a cut-off, such as a
    factor loading of 0.70).
    """
    grouped = any(isinstance(b, Group) for b in bars)
    groups = [b if isinstance(b, Group) else Group("", [b]) for b in bars]
    label_w = group_label_width(groups, 90, label_max)
    x0, x1 = label_w + 8, WIDTH - VALUE_W - 10
    top = 30 if (legend and diverging) or reference else 8
    if domain is None:
        values = [v for g in groups for b in g.rows for v in (b.value, b.low, b.high) if finite(v)]
        points = [0.0] + values
        span = max(points) - min(points) or 1.0
        axis = Axis(min(points) - 0.04 * span, max(points) + 0.04 * span, x0, x1, fmt, True)
    else:
        axis = Axis(*domain, x0, x1, fmt)

    def draw(_group: Group, bar: Bar, y: float) -> tuple[str, float]:
        if grouped:
            label, h = left_label(bar.label, y, label_w - 14)
        else:
            lines = wrap(bar.label, label_w - 10, FONT, 2)
            h = ROW
            size = FONT if len(lines) == 1 else FONT - 1
            label = lines_at(label_w - 4, y + h / 2, lines, anchor="end", size=size)
        return label + _bar(bar, y + h / 2, axis, 0.0 if diverging else axis.lo, diverging, fmt), h

    rows, bottom = grouped_rows(groups, top, draw)
    body: list[str] = []
    entries = []
    if legend and diverging:
        short, meets = legend
        entries += [(swatch_rect(WARM), short), (swatch_rect(COOL), meets)]
    if reference:
        entries.append((reference_line(5, -6, 6), reference[1]))
    body += legend_row(entries, 12, x0) + axis.grid(top, bottom) + rows
    if reference and axis.lo <= reference[0] <= axis.hi:
        body.append(reference_line(axis(reference[0]), top - 4, bottom + 2, "reference"))
    if diverging and axis.lo <= 0 <= axis.hi:
        xz = axis(0.0)
        body.append(
            f'<line class="zero" x1="{xz:.1f}" y1="{top - 4:.1f}" x2="{xz:.1f}" '
            f'y2="{bottom + 2:.1f}" stroke="{ZERO}" stroke-width="1.5"/>'
        )
    else:
        body.append(
            f'<line x1="{x0:.1f}" y1="{top:.1f}" x2="{x0:.1f}" y2="{bottom:.1f}" '
            f'stroke="{AXIS}" stroke-width="1"/>'
        )
    return finish_chart(body, bottom, x0, x1, axis_label, title, "chart-bars")


def _bar(bar: Bar, y: float, axis: Axis, start: float, diverging: bool, fmt: Fmt) -> str:
    """One bar centred on ``y`` with its whisker and its value at the right edge."""
    value = bar.value
    if not finite(value):
        return row_value(y, fmt(None), MUTED, weight=None)
    xa, xb = sorted((axis(start), axis(value)))
    negative = diverging and value < start
    colour = (WARM if negative else COOL) if diverging else NEUTRAL
    out = (
        f'<rect class="bar" data-label="{esc(bar.label)}" x="{xa:.1f}" y="{y - 7:.1f}" '
        f'width="{max(xb - xa, 1):.1f}" height="14" rx="1.5" fill="{colour}"/>'
    )
    if finite(bar.low) and finite(bar.high):
        wl, wh = axis(bar.low), axis(bar.high)
        out += (
            f'<g class="whisker" stroke="{INK}" stroke-width="1.3">'
            f'<line x1="{wl:.1f}" y1="{y:.1f}" x2="{wh:.1f}" y2="{y:.1f}"/>'
            f'<line x1="{wl:.1f}" y1="{y - 5:.1f}" x2="{wl:.1f}" y2="{y + 5:.1f}"/>'
            f'<line x1="{wh:.1f}" y1="{y - 5:.1f}" x2="{wh:.1f}" y2="{y + 5:.1f}"/></g>'
        )
    return out + row_value(y, fmt(value), colour if negative else INK)


@dataclass(frozen=True)
class Share:
    """A part of a whole: label, share (0..1) and colour."""

    label: str
    share: float | None
    colour: str


def stacked_bar(parts: Sequence[Share], *, title: str, pct: Fmt) -> str:
    """One 100 % bar split into parts, percentages inside wide parts and all of them in
    the legend below."""
    y, h = 4, 26
    body: list[str] = []
    x = 0.0
    for part in parts:
        w = (part.share if finite(part.share) else 0.0) * float(WIDTH)
        if w > 0:
            body.append(el("rect", cls="part", x=x, y=y, width=w, height=h, fill=part.colour))
            label = pct(part.share)
            if w > text_width(label) + 10:
                colour = text_on(part.colour)
                body.append(
                    text_at(x + w / 2, y + h / 2 + 4, label, anchor="middle", fill=colour, weight="600")
                )
        x += w
    entries = [(swatch_rect(p.colour), f"{p.label} {pct(p.share)}") for p in parts]
    return chart_svg(y + h + 26, title, "chart-stacked", body + legend_row(entries, y + h + 16))


@dataclass(frozen=True)
class ShareBar:
    """A dimension's share of the explained variance: the bar (LMG) and a marker
    (the relative weight), both in percent; either may be None. ``low``/``high`` bound the
    bar's interval (a whisker), when known."""

    label: str
    bar: float | None
    marker: float | None = None
    low: float | None = None
    high: float | None = None


def _diamond(x: float, y: float, r: float = 5.5, cls: str | None = None, fill: str = WARM) -> str:
    points = f"{x:.1f},{y - r:.1f} {x + r:.1f},{y:.1f} {x:.1f},{y + r:.1f} {x - r:.1f},{y:.1f}"
    return el("polygon", cls=cls, points=points, fill=fill, stroke="#ffffff", stroke_width=1)


def _whisker(xa: float, xb: float, y: float, cap: float = 4.0) -> str:
    """An interval drawn as a line with end caps."""
    path = (f"M{xa:.1f},{y - cap:.1f}V{y + cap:.1f}M{xa:.1f},{y:.1f}H{xb:.1f}"
            f"M{xb:.1f},{y - cap:.1f}V{y + cap:.1f}")
    return el("path", cls="whisker", d=path, stroke=INK, stroke_width=1.5, fill="none")


def share_chart(
    rows: Sequence[ShareBar],
    *,
    title: str,
    fmt: Fmt,
    bar_label: str,
    marker_label: str,
    axis_label: str = "",
    interval_label: str = "",
) -> str:
    """Horizontal bars of a share in percent (0 to the largest value, rounded out) with a
    diamond marking a second share on the same row, and a legend naming both; the bar's
    value is printed at the right. Rows with ``low`` and ``high`` get an interval whisker
    (named ``interval_label`` in the legend)."""
    label_w = label_width([r.label for r in rows], 90, 250)
    x0, x1 = label_w + 8, WIDTH - VALUE_W - 10
    values = [v for r in rows for v in (r.bar, r.marker, r.high) if finite(v)]
    axis = Axis(0.0, max(values + [1.0]) * 1.04, x0, x1, fmt, True)
    top = 30
    has_marker = any(finite(r.marker) for r in rows)
    entries = [(swatch_rect(COOL), bar_label)]
    if has_marker:
        entries.append((_diamond(5, 0, 5), marker_label))
    if any(finite(r.low) and finite(r.high) for r in rows):
        entries.append((_whisker(0, 10, 0), interval_label))
    body = legend_row(entries, 12, x0)
    y = top
    pieces = []
    for row in rows:
        lines = wrap(row.label, label_w - 10, FONT, 2)
        yc = y + ROW / 2
        size = FONT if len(lines) == 1 else FONT - 1
        pieces.append(lines_at(label_w - 4, yc, lines, anchor="end", size=size))
        if finite(row.bar):
            width = max(axis(row.bar) - x0, 1)
            pieces.append(
                f'<rect class="bar" data-label="{esc(row.label)}" x="{x0:.1f}" y="{yc - 7:.1f}" '
                f'width="{width:.1f}" height="14" rx="1.5" fill="{COOL}"/>'
            )
        if finite(row.low) and finite(row.high):
            pieces.append(_whisker(axis(row.low), axis(row.high), yc))
        if finite(row.marker):
            pieces.append(_diamond(axis(row.marker), yc, cls="marker"))
        pieces.append(row_value(yc, fmt(row.bar), INK))
        y += ROW
    body += axis.grid(top, y) + pieces
    body.append(el("line", x1=x0, y1=top, x2=x0, y2=y, stroke=AXIS, stroke_width=1))
    return finish_chart(body, y, x0, x1, axis_label, title, "chart-shares")


@dataclass(frozen=True)
class DiffRow:
    """A paired difference: its mean, interval and whether it is significant; ``good``
    says whether a positive difference is the better direction (False for a cost)."""

    label: str
    value: float | None
    low: float | None = None
    high: float | None = None
    significant: bool = False
    good: bool = True


def difference_chart(
    rows: Sequence[DiffRow],
    *,
    title: str,
    fmt: Fmt,
    positive_label: str,
    negative_label: str,
    significant_label: str,
    not_significant_label: str,
    axis_label: str = "",
) -> str:
    """Dot and interval per row around a zero line: a filled diamond in the direction's
    colour marks a significant difference (its interval excludes 0), a hollow grey circle
    one that is not; the value is printed at the right, followed by an asterisk when
    significant, so the mark survives black-and-white print. The axis is symmetric about
    zero and covers every interval."""
    label_w = label_width([r.label for r in rows], 90, 250)
    x0, x1 = label_w + 8, WIDTH - VALUE_W - 10
    reach = max([abs(v) for r in rows for v in (r.value, r.low, r.high) if finite(v)] + [0.25])
    axis = Axis(-reach * 1.08, reach * 1.08, x0, x1, fmt, True)
    top = 48
    legend = legend_row([(swatch_rect(WARM), negative_label), (swatch_rect(COOL), positive_label)], 12, x0)
    legend += legend_row([(_diamond(5, 0, 5, fill=INK), significant_label),
                          (el("circle", cx=5, cy=0, r=4.5, fill="#ffffff", stroke=MUTED, stroke_width=2),
                           not_significant_label)], 32, x0)
    y, pieces = top, []
    for row in rows:
        lines = wrap(row.label, label_w - 10, FONT, 2)
        yc = y + ROW / 2
        pieces.append(lines_at(label_w - 4, yc, lines, anchor="end", size=FONT if len(lines) == 1 else FONT - 1))
        if not finite(row.value):
            pieces.append(row_value(yc, fmt(None), MUTED, weight=None))
            y += ROW
            continue
        better = (row.value > 0) == row.good
        colour = (COOL if better else WARM) if row.significant else MUTED
        if finite(row.low) and finite(row.high):
            pieces.append(_whisker(axis(row.low), axis(row.high), yc))
        if row.significant:
            pieces.append(_diamond(axis(row.value), yc, 6.5, cls="point significant", fill=colour))
        else:
            pieces.append(el("circle", cls="point", cx=axis(row.value), cy=yc, r=4.5, fill="#ffffff",
                             stroke=MUTED, stroke_width=2))
        pieces.append(row_value(yc, fmt(row.value) + (" *" if row.significant else ""), colour if row.significant
                                else INK, weight="700" if row.significant else None))
        y += ROW
    body = legend + axis.grid(top, y) + pieces
    if axis.lo <= 0 <= axis.hi:
        body.append(el("line", cls="zero", x1=axis(0.0), y1=top - 4, x2=axis(0.0), y2=y + 2, stroke=ZERO,
                       stroke_width=1.5))
    return finish_chart(body, y, x0, x1, axis_label, title, "chart-differences")
