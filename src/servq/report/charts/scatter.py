"""The four-quadrant scatter: importance–performance analysis (and Kano's Better–Worse)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from servq.report.charts.axis import Axis, padded_range
from servq.report.charts.colour import AXIS, INK, MUTED, ZERO
from servq.report.charts.svg import FONT, WIDTH, Fmt, chart_svg, el, finite, text_at, text_width


@dataclass(frozen=True)
class IpaPoint:
    """A dimension in the importance–performance grid and its quadrant key."""

    label: str
    performance: float | None
    importance: float | None
    quadrant: str = ""


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
) -> str:
    """Importance (y) against performance (x), one labelled dot per dimension coloured by
    its quadrant, the crosshair as two dashed lines and the four quadrant names in the
    corners (``quadrant_labels`` keyed by :data:`QUADRANTS`). Other four-quadrant plots
    (Kano's Better–Worse) pass their own ``quadrants`` (top-left, top-right, bottom-left,
    bottom-right) and ``colours``."""
    shown = [p for p in points if finite(p.performance) and finite(p.importance)]
    xs = [p.performance for p in shown] + [x_cross]
    ys = [p.importance for p in shown] + [y_cross]
    left, right, top = 56.0, WIDTH - 16.0, 40.0
    bottom = height - 44.0
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
    placed: list[tuple[float, float, float]] = []  # (x_start, x_end, y) of the labels so far
    for p in sorted(shown, key=lambda p: -p.importance):
        px, py = x_axis(p.performance), y_axis(p.importance)
        colour = colours.get(p.quadrant, INK)
        style = dict(r=5.5, fill=colour, stroke="#ffffff", stroke_width=1.5)
        body.append(el("circle", cls=f"point {p.quadrant}".strip(), cx=px, cy=py, **style))
        w = text_width(p.label)
        right_side = px + 9 + w <= right - 2
        x_start = px + 9 if right_side else px - 9 - w
        ly = py + 4
        # step a label down until it clears the labels already placed that it overlaps
        while any(abs(ly - y) < 13 and x_start < b and a < x_start + w for a, b, y in placed):
            ly += 13
        placed.append((x_start, x_start + w, ly))
        anchor = "start" if right_side else "end"
        lx = px + 9 if right_side else px - 9
        body.append(text_at(lx, ly, p.label, anchor=anchor, fill=INK, weight="600", halo=True))
    return chart_svg(height, title, "chart-ipa", body)
