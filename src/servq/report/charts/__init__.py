"""Inline SVG charts for the one-file HTML report.

Every chart is pure: plain data in, one ``<svg>`` string out. The charts use no
external fonts, images, gradients or scripts; text inherits the page's font stack, and
the size is set by ``viewBox`` so a chart scales to the page and prints sharply. Each
chart is ``role="img"`` with a ``<title>`` for screen readers; the report always puts
the table with the same numbers next to it.

Text given to the charts is escaped, so item texts and segment names are safe to pass
as they are. Numbers are formatted by the caller's ``fmt`` (the report passes a
language-aware formatter with two decimals).

The modules: :mod:`~servq.report.charts.svg` (sizes, text, elements and marks),
:mod:`~servq.report.charts.colour` (the palette and contrast),
:mod:`~servq.report.charts.axis` and :mod:`~servq.report.charts.layout` are the
primitives a section may use to draw a chart of its own; :mod:`~servq.report.charts.bars`,
:mod:`~servq.report.charts.dots`, :mod:`~servq.report.charts.scatter`,
:mod:`~servq.report.charts.heatmap` and :mod:`~servq.report.charts.periods` hold the chart
builders, which this package re-exports with the names the sections use.
"""

from servq.report.charts.axis import nice_ticks, tick_digits
from servq.report.charts.bars import (
    Bar,
    DiffRow,
    Share,
    ShareBar,
    bar_chart,
    difference_chart,
    share_chart,
    stacked_bar,
)
from servq.report.charts.colour import (
    AXIS,
    COOL,
    DIVERGING,
    INK,
    MUTED,
    STATUS_COLOURS,
    SUPPRESSED_FILL,
    WARM,
    contrast_ratio,
    diverging_colour,
    relative_luminance,
    text_on,
)
from servq.report.charts.dots import (
    Dumbbell,
    IntervalRow,
    ZoneRow,
    dumbbell_chart,
    interval_chart,
    zone_chart,
    zone_status,
)
from servq.report.charts.heatmap import HeatRow, heatmap
from servq.report.charts.layout import ROW, VALUE_W, Group
from servq.report.charts.periods import TrendPoint, control_chart, trend_chart
from servq.report.charts.scatter import QUADRANT_COLOURS, QUADRANTS, IpaPoint, ipa_scatter
from servq.report.charts.svg import FONT, WIDTH, text_width, wrap

__all__ = [
    "AXIS", "COOL", "DIVERGING", "FONT", "INK", "MUTED", "QUADRANTS", "QUADRANT_COLOURS", "ROW", "STATUS_COLOURS",
    "SUPPRESSED_FILL", "VALUE_W", "WARM", "WIDTH",
    "Bar", "DiffRow", "Dumbbell", "Group", "HeatRow", "IntervalRow", "IpaPoint", "Share", "ShareBar", "TrendPoint",
    "ZoneRow",
    "bar_chart", "contrast_ratio", "control_chart", "difference_chart", "diverging_colour", "dumbbell_chart",
    "heatmap", "interval_chart", "ipa_scatter", "nice_ticks", "relative_luminance", "share_chart", "stacked_bar", "text_on",
    "text_width", "tick_digits", "trend_chart", "wrap", "zone_chart", "zone_status",
]
