"""The four-quadrant scatter: importance–performance analysis (and Kano's Better–Worse)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from servq.report.charts.axis import Axis, padded_range
from servq.report.charts.colour import AXIS, INK, MUTED, ZERO
from servq.report.charts.svg import FONT, WIDTH, Fmt, chart_svg, el, finite, legend_row, text_at, text_width

Interval = tuple[float | None, float | None]


@dataclass(frozen=True)
class IpaPoint:
    """A dimension in the importance–performance grid, its quadrant key, the intervals of
    its performance and importance (drawn as whiskers when both ends are known) and
    whether it is ``near`` the line (an interval contains the crosshair)."""

    label: str
    performance: float | None
    importance: float | None
    quadrant: str = ""
    performance_interval: Interval = (None, None)
    importance_interval: Interval = (None, None)
    near: bool = False


# top-left, top-right, bottom-left, bottom-right: Martilla & James (1977)
QUADRANTS = ("concentrate_here", "keep_up_the_good_work", "low_priority", "possible_overkill")
QUADRANT_COLOURS = {
    "concentrate_here": "#b42318",
    "keep_up_the_good_work": "#1e7145",
    "low_priority": "#616e7c",
    "possible_overkill": "#2a6496",
}


def ipa_scatter(
    points: Sequence[IpaPoint],
    *,
    title: str,
    x_cross: float,
    y_cross: float,
    quadrant_labels: Mapping[str, str],
    x_label: str,
    y_label: str,
    x_fmt: Fmt,
    y_fmt: Fmt,
    height: float = 440,
    quadrants: Sequence[str] = QUADRANTS,
    colours: Mapping[str, str] = QUADRANT_COLOURS,
    interval_label: str = "",
    near_label: str = "",
) -> str:
    """Importance (y) against performance (x), one labelled dot per dimension coloured by
    its quadrant, the crosshair as two dashed lines and the four quadrant names in the
    corners (``quadrant_labels`` keyed by :data:`QUADRANTS`). Known intervals are whiskers
    on both axes; a point near the line gets a dashed ring, so the mark does not rest on
    colour; the legend below names both (``interval_label``, ``near_label``). Other
    four-quadrant plots (Kano's Better–Worse) pass their own ``quadrants`` (top-left,
    top-right, bottom-left, bottom-right) and ``colours``."""
    shown = [p for p in points if finite(p.performance) and finite(p.importance)]
    xs = [p.performance for p in shown] + [x_cross] + [v for p in shown for v in _ends(p.performance_interval)]
    ys = [p.importance for p in shown] + [y_cross] + [v for p in shown for v in _ends(p.importance_interval)]
    whiskered = any(_ends(p.performance_interval) or _ends(p.importance_interval) for p in shown)
    entries = [(_whiskers(5, 0, (0, 10), (-5, 5)), interval_label)] if whiskered else []
    entries += [(_ring(5, 0, 5.5), near_label)] if any(p.near for p in shown) else []
    left, right, top = 56.0, WIDTH - 16.0, 40.0
    bottom = height - 44.0 - (20.0 if entries else 0.0)
    x_axis = Axis(*padded_range(xs), left, right, x_fmt, True)
    y_lo, y_hi = padded_range(ys)
    # importance shares start at zero, so distances from the bottom compare as ratios
    y_axis = Axis(0.0 if min(ys) >= 0 else y_lo, y_hi, bottom, top, y_fmt, True)
    body = [text_at(0, 14, y_label, size=FONT - 1, fill=MUTED, weight="600")] + y_axis.y_grid(left, right)
    body += x_axis.grid(top, bottom)
    mid = (left + right) / 2
    body.append(text_at(mid, bottom + 34, x_label, anchor="middle", size=FONT - 1, fill=MUTED, weight="600"))
    frame = dict(fill="none", stroke=AXIS, stroke_width=1)
    body.append(el("rect", x=left, y=top, width=right - left, height=bottom - top, **frame))
    xc, yc = x_axis(x_cross), y_axis(y_cross)
    for x1, y1, x2, y2 in ((xc, top, xc, bottom), (left, yc, right, yc)):
        dashed = dict(stroke=ZERO, stroke_width=1.2, stroke_dasharray="5 4")
        body.append(el("line", cls="crosshair", x1=x1, y1=y1, x2=x2, y2=y2, **dashed))
    places = ((left + 8, top + 16, "start"), (right - 8, top + 16, "end"),
              (left + 8, bottom - 9, "start"), (right - 8, bottom - 9, "end"))
    for key, (x, y, anchor) in zip(quadrants, places):
        colour = colours[key]
        name = quadrant_labels.get(key, key)
        body.append(text_at(x, y, name, anchor=anchor, fill=colour, weight="700", halo=True))
    for p in shown:
        x_ends = [x_axis(v) for v in _ends(p.performance_interval)]
        y_ends = [y_axis(v) for v in _ends(p.importance_interval)]
        if x_ends or y_ends:
            body.append(_whiskers(x_axis(p.performance), y_axis(p.importance), x_ends, y_ends, colours.get(p.quadrant, INK)))
    placed: list[tuple[float, float, float]] = []  # (x_start, x_end, y) of the labels so far
    for p in sorted(shown, key=lambda p: -p.importance):
        px, py = x_axis(p.performance), y_axis(p.importance)
        colour = colours.get(p.quadrant, INK)
        style = dict(r=5.5, fill=colour, stroke="#ffffff", stroke_width=1.5)
        body.append(el("circle", cls=f"point {p.quadrant}".strip(), cx=px, cy=py, **style))
        if p.near:
            body.append(_ring(px, py))
        gap = 13 if p.near else 9  # the label clears the ring
        w = text_width(p.label)
        right_side = px + gap + w <= right - 2
        x_start = px + gap if right_side else px - gap - w
        ly = py + 4
        # step a label down until it clears the labels already placed that it overlaps
        while any(abs(ly - y) < 13 and x_start < b and a < x_start + w for a, b, y in placed):
            ly += 13
        placed.append((x_start, x_start + w, ly))
        anchor = "start" if right_side else "end"
        lx = px + gap if right_side else px - gap
        body.append(text_at(lx, ly, p.label, anchor=anchor, fill=INK, weight="600", halo=True))
    if entries:
        body += legend_row(entries, height - 10, left)
    return chart_svg(height, title, "chart-ipa", body)


def _ends(interval: Interval) -> list[float]:
    """Both ends of an interval, or none unless both are known."""
    low, high = interval
    return [low, high] if finite(low) and finite(high) else []


def _whiskers(x: float, y: float, x_ends: Sequence[float], y_ends: Sequence[float], colour: str = INK) -> str:
    """A point's intervals as capped lines through (``x``, ``y``): across from ``x_ends``,
    up and down from ``y_ends`` (either may be empty)."""
    cap = 3.5
    d = ""
    if x_ends:
        xa, xb = x_ends
        d += f"M{xa:.1f},{y:.1f}H{xb:.1f}" + "".join(f"M{v:.1f},{y - cap:.1f}V{y + cap:.1f}" for v in x_ends)
    if y_ends:
        ya, yb = y_ends
        d += f"M{x:.1f},{ya:.1f}V{yb:.1f}" + "".join(f"M{x - cap:.1f},{v:.1f}H{x + cap:.1f}" for v in y_ends)
    return el("path", cls="whisker", d=d, stroke=colour, stroke_width=1.2, fill="none", stroke_opacity=0.75)


def _ring(x: float, y: float, r: float = 9.5) -> str:
    """The near-the-line mark: a dashed ring around a point."""
    return el("circle", cls="near", cx=x, cy=y, r=r, fill="none", stroke=INK, stroke_width=1.4, stroke_dasharray="2.5 2")
