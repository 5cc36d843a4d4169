"""The segments × dimensions heatmap."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from servq.report.charts.colour import INK, MUTED, SUPPRESSED_FILL, diverging_colour, text_on
from servq.report.charts.layout import label_width
from servq.report.charts.svg import FONT, WIDTH, Fmt, chart_svg, el, text_at, text_width, wrap


@dataclass(frozen=True)
class HeatRow:
    """A segment: its label, n, one value per column, and whether it is suppressed."""

    label: str
    n: int
    values: Sequence[float | None]
    suppressed: bool = False


def heatmap(
    rows: Sequence[HeatRow],
    columns: Sequence[str],
    *,
    title: str,
    fmt: Fmt,
    n_fmt: Callable[[int], str],
    centre: float,
    half_range: float,
    suppressed_text: str,
    separate_last: bool = False,
) -> str:
    """Rows = segments, columns = dimensions (and an overall column last, set off when
    ``separate_last``); each cell coloured on a red–white–blue scale around ``centre``
    with its value printed in black or white, whichever contrasts more. Suppressed rows
    are grey and say ``suppressed_text`` instead of values."""
    label_w = label_width([r.label for r in rows], 110, 230)
    n_w = max(46.0, max((text_width(n_fmt(r.n), FONT - 1) for r in rows), default=0) + 10)
    gap = 10 if separate_last and len(columns) > 1 else 0
    x0 = label_w + n_w + 8
    cell_w = min(118.0, (WIDTH - x0 - gap) / max(1, len(columns)))
    cell_h = 28
    header_lines = [wrap(c, cell_w - 6, FONT - 1, 2) for c in columns]
    top = 14 * max((len(h) for h in header_lines), default=1) + 12

    def col_x(j: int) -> float:
        return x0 + j * cell_w + (gap if separate_last and j == len(columns) - 1 else 0)

    body: list[str] = []
    for j, lines in enumerate(header_lines):
        cx = col_x(j) + cell_w / 2
        for k, line in enumerate(lines):
            body.append(text_at(cx, 14 + k * 14, line, anchor="middle", size=FONT - 1, weight="600"))
    for i, row in enumerate(rows):
        y = top + i * cell_h
        yc = y + cell_h / 2
        label = wrap(row.label, label_w - 8, FONT, 1)[0]
        n_text = n_fmt(row.n)
        body.append(text_at(0, yc + 4, label, fill=MUTED if row.suppressed else INK))
        body.append(text_at(label_w + n_w - 4, yc + 4, n_text, anchor="end", size=FONT - 1, fill=MUTED))
        for j in range(len(columns)):
            if row.suppressed:
                fill, text, colour = SUPPRESSED_FILL, suppressed_text, MUTED
            else:
                value = row.values[j] if j < len(row.values) else None
                fill = "#ffffff" if value is None else diverging_colour(value, centre, half_range)
                text, colour = fmt(value), MUTED if value is None else text_on(fill)
            x = col_x(j)
            cls = "cell suppressed" if row.suppressed else "cell"
            weight = None if row.suppressed else "600"
            body.append(
                el("rect", cls=cls, x=x + 1, y=y + 1, width=cell_w - 2, height=cell_h - 2, fill=fill)
            )
            body.append(text_at(x + cell_w / 2, yc + 4, text, anchor="middle", fill=colour, weight=weight))
    # a stepped legend (no gradients: they would need url() references)
    steps = 7
    values = [centre - half_range + k * (2 * half_range / (steps - 1)) for k in range(steps)]
    sw = min(36.0, (WIDTH - x0) / steps)
    ly = top + len(rows) * cell_h + 12
    for k, value in enumerate(values):
        fill, x = diverging_colour(value, centre, half_range), x0 + k * sw
        body.append(
            el("rect", x=x, y=ly, width=sw, height=10, fill=fill, stroke="#9aa5b1", stroke_width=0.5)
        )
    for k in (0, steps // 2, steps - 1):
        x = x0 + k * sw + sw / 2
        body.append(text_at(x, ly + 24, fmt(values[k]), anchor="middle", size=FONT - 2, fill=MUTED))
    return chart_svg(ly + 30, title, "chart-heatmap", body)
