"""Layout shared by the horizontal charts: label columns, grouped rows, the finished SVG."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from servq.report.charts.axis import Axis
from servq.report.charts.colour import GRID, MUTED
from servq.report.charts.svg import FONT, WIDTH, chart_svg, lines_at, text_at, text_width, wrap

ROW = 28  # the height of a row with a one-line label
VALUE_W = 58  # the column at the right that prints each row's value


@dataclass(frozen=True)
class Group:
    """Rows under a group heading (a dimension); an empty label draws no heading."""

    label: str
    rows: Sequence = field(default_factory=tuple)


def label_width(labels: Sequence[str], lo: float, hi: float) -> float:
    """Width of a label column fitting the widest of ``labels``, kept within ``lo``..``hi``."""
    widest = max((text_width(s) for s in labels), default=0.0)
    return max(lo, min(hi, widest + 14))


def group_label_width(groups: Sequence[Group], lo: float, hi: float) -> float:
    """The label column's width for grouped rows: group headings and row labels alike."""
    return label_width([g.label for g in groups] + [r.label for g in groups for r in g.rows], lo, hi)


RowDrawer = Callable[[Group, object, float], tuple[str, float]]


def grouped_rows(groups: Sequence[Group], top: float, draw: RowDrawer) -> tuple[list[str], float]:
    """Each group's heading (if it has a label) and rows from ``top`` down.

    ``draw(group, row, y)`` returns one row's svg, drawn from ``y`` down, and its height.
    Returns the svg pieces and the y below the last row.
    """
    out, y = [], top
    for group in groups:
        if group.label:
            y += 6
            out.append(text_at(0, y + 13, group.label, weight="700"))
            out.append(
                f'<line x1="0" y1="{y + 19:.1f}" x2="{WIDTH}" y2="{y + 19:.1f}" '
                f'stroke="{GRID}" stroke-width="1"/>'
            )
            y += 22
        for row in group.rows:
            svg, height = draw(group, row, y)
            out.append(svg)
            y += height
    return out, y


def left_label(text: str, y: float, width: float, indent: float = 10, height: float = 24):
    """A row's label, up to two lines from ``indent``, and the row's height (36 for two)."""
    lines = wrap(text, width, FONT, 2)
    h = height if len(lines) == 1 else 36
    return lines_at(indent, y + h / 2, lines), h


def grouped_chart(
    groups: Sequence[Group], axis: Axis, legend: list[str], draw: RowDrawer, title: str, cls: str
) -> str:
    """A legend line, then the grouped rows over the axis grid (dumbbells, zones)."""
    rows, y = grouped_rows(groups, 30, draw)
    return chart_svg(y + 28, title, cls, legend + axis.grid(30, y + 4) + rows)


def finish_chart(body: list[str], bottom: float, x0: float, x1: float, axis_label: str | None, title: str,
                 cls: str) -> str:
    """The SVG of a horizontal chart whose plot ends at ``bottom``, with the axis label under it."""
    height = bottom + 22
    if axis_label:
        body.append(text_at((x0 + x1) / 2, bottom + 32, axis_label, anchor="middle", size=FONT - 1, fill=MUTED))
        height += 12
    return chart_svg(height + 4, title, cls, body)
