"""Inline SVG charts for the one-file HTML report.

Every function is pure: plain data in, one ``<svg>`` string out. The charts use no
external fonts, images, gradients or scripts; text inherits the page's font stack, and
the size is set by ``viewBox`` so a chart scales to the page and prints sharply. Each
chart is ``role="img"`` with a ``<title>`` for screen readers; the report always puts
the table with the same numbers next to it.

Text given to these functions is escaped here, so item texts and segment names are safe
to pass as they are. Numbers are formatted by the caller's ``fmt`` (the report passes a
language-aware formatter with two decimals).
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from html import escape
from itertools import groupby

Fmt = Callable[[float | None], str]

WIDTH = 760
FONT = 12
ROW = 28
VALUE_W = 58  # the column at the right that prints each row's value

INK = "#1f2933"
MUTED = "#52606d"
GRID = "#e4e7eb"
AXIS = "#616e7c"
ZERO = "#323f4b"
WARM = "#b5472b"  # shortfalls: negative gaps, perception below expectation
COOL = "#2a6496"  # meets or exceeds
NEUTRAL = "#3e6a8a"  # plain perception bars
DOT_A = "#616e7c"  # the reference dot of a dumbbell (expectation, general)
DOT_B = "#17324d"  # the measured dot (perception, specific)
BAND = "#d5e1ec"
BAND_EDGE = "#8da4bb"
SUPPRESSED_FILL = "#eef1f4"
STATUS_COLOURS = {"below": "#b42318", "within": "#3e4c59", "above": "#1e7145"}
DIVERGING = ("#b2182b", "#f7f7f7", "#2166ac")  # negative, centre, positive


# --------------------------------------------------------------------------- text


def _esc(text: object) -> str:
    return escape(str(text), quote=True)


def _finite(value: float | None) -> bool:
    return value is not None and math.isfinite(value)


def _is_wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in "WF"


def _char_width(ch: str) -> float:
    if _is_wide(ch):
        return 1.0
    if ch in " .,:;'!|ilIjtf()[]":
        return 0.32
    if ch.isupper() or ch in "mwMW%":
        return 0.68
    return 0.54


def text_width(text: str, size: float = FONT) -> float:
    """Estimated rendered width of ``text`` in viewBox units (no layout engine here)."""
    return sum(_char_width(ch) for ch in text) * size


def wrap(text: str, width: float, size: float = FONT, max_lines: int = 2) -> list[str]:
    """Break ``text`` into at most ``max_lines`` lines that fit ``width``.

    Latin text breaks at spaces, CJK text between any two characters; a word longer
    than a line is cut. Text that does not fit ends in an ellipsis.
    """
    tokens: list[str] = []  # words, single CJK characters and the spaces between words
    for i, part in enumerate(text.split(" ")):
        if i:
            tokens.append(" ")
        for wide, run in groupby(part, _is_wide):
            tokens += list(run) if wide else ["".join(run)]

    lines: list[str] = []
    line = ""
    for token in tokens:
        if token == " ":
            line = line + " " if line else line
            continue
        if line and text_width((line + token).rstrip(), size) > width:
            lines.append(line.rstrip())
            line = token
        else:
            line += token
        while len(line) > 1 and text_width(line, size) > width:
            cut = len(line) - 1
            while cut > 1 and text_width(line[:cut], size) > width:
                cut -= 1
            lines.append(line[:cut].rstrip())
            line = line[cut:].lstrip()
    if line.strip():
        lines.append(line.strip())
    if len(lines) > max_lines:
        kept = lines[:max_lines]
        last = kept[-1]
        while last and text_width(last + "…", size) > width:
            last = last[:-1]
        kept[-1] = last.rstrip() + "…"
        return kept
    return lines or [""]


def _el(tag: str, **attrs: object) -> str:
    """A self-closing SVG element. ``cls`` is written as ``class``, ``_`` in names as
    ``-`` (``stroke_width``), floats with one decimal; None leaves an attribute out."""
    written = []
    for name, value in attrs.items():
        if value is not None:
            name = "class" if name == "cls" else name.replace("_", "-")
            text = f"{value:.1f}" if isinstance(value, float) else str(value)
            written.append(f'{name}="{_esc(text)}"')
    return f"<{tag} {' '.join(written)}/>"


def _text(
    x: float,
    y: float,
    content: str,
    *,
    anchor: str = "start",
    size: float = FONT,
    fill: str = INK,
    weight: str | None = None,
) -> str:
    attrs = f'x="{x:.1f}" y="{y:.1f}" font-size="{size:g}" fill="{fill}"'
    if anchor != "start":
        attrs += f' text-anchor="{anchor}"'
    if weight:
        attrs += f' font-weight="{weight}"'
    return f"<text {attrs}>{_esc(content)}</text>"


def _lines(x: float, y_mid: float, lines: Sequence[str], *, size: float = FONT, **kw) -> str:
    """Text lines vertically centred on ``y_mid``."""
    step = size * 1.2
    top = y_mid - step * (len(lines) - 1) / 2 + size * 0.35
    return "".join(_text(x, top + i * step, line, size=size, **kw) for i, line in enumerate(lines))


def _value(y_mid: float, text: str, fill: str, weight: str | None = "600") -> str:
    """A row's value, right-aligned at the right edge."""
    return _text(WIDTH - 6, y_mid + 4, text, anchor="end", fill=fill, weight=weight)


def _svg(height: float, title: str, cls: str, body: Sequence[str]) -> str:
    h = math.ceil(height)
    return (
        f'<svg class="chart {cls}" viewBox="0 0 {WIDTH} {h}" width="{WIDTH}" height="{h}" '
        f'role="img" aria-label="{_esc(title)}" preserveAspectRatio="xMinYMin meet">'
        f"<title>{_esc(title)}</title>{''.join(body)}</svg>"
    )


# --------------------------------------------------------------------------- colour


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    h = hex_colour.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def _hex(rgb: Sequence[float]) -> str:
    return "#" + "".join(f"{max(0, min(255, round(c))):02x}" for c in rgb)


def relative_luminance(hex_colour: str) -> float:
    """WCAG 2 relative luminance of an sRGB colour."""

    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in _rgb(hex_colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(fg: str, bg: str) -> float:
    """WCAG 2 contrast ratio between two colours (1 to 21)."""
    a, b = sorted((relative_luminance(fg), relative_luminance(bg)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def text_on(background: str) -> str:
    """Black or white, whichever contrasts more with ``background`` (always ≥ 4.58:1)."""
    black, white = (contrast_ratio(c, background) for c in ("#000000", "#ffffff"))
    return "#000000" if black >= white else "#ffffff"


def diverging_colour(value: float | None, centre: float = 0.0, half_range: float = 1.0) -> str:
    """A red–white–blue colour for ``value``: red below ``centre``, blue above.

    Saturation grows linearly with distance from the centre and is full at
    ``half_range`` away from it.
    """
    if not _finite(value):
        return SUPPRESSED_FILL
    neg, mid, pos = (_rgb(c) for c in DIVERGING)
    share = max(-1.0, min(1.0, (value - centre) / half_range)) if half_range > 0 else 0.0
    end = neg if share < 0 else pos
    w = abs(share)
    return _hex([m + (e - m) * w for m, e in zip(mid, end)])


# --------------------------------------------------------------------------- axes


def nice_ticks(low: float, high: float, target: int = 6) -> tuple[float, float, float, list[float]]:
    """Round ``[low, high]`` out to a tick step of 1, 2, 2.5 or 5 × 10^k.

    Returns the widened domain, the step and the tick values.
    """
    if not (math.isfinite(low) and math.isfinite(high)) or high <= low:
        low, high = (low - 1, low + 1) if math.isfinite(low) else (0.0, 1.0)
    raw = (high - low) / max(1, target)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    lo = math.floor(low / step + 1e-9) * step
    hi = math.ceil(high / step - 1e-9) * step
    count = int(round((hi - lo) / step))
    ticks = [round(lo + i * step, 10) for i in range(count + 1)]
    return lo, hi, step, ticks


def tick_digits(step: float) -> int:
    """Decimals needed to print ticks of this step exactly (1 → 0, 0.5 → 1, 0.25 → 2)."""
    for digits in range(4):
        if abs(step * 10**digits - round(step * 10**digits)) < 1e-9:
            return digits
    return 4


def _plain(fmt: Fmt, value: float, digits: int) -> str:
    """Format a tick with fewer decimals, reusing ``fmt``'s decimal mark and minus."""
    text = fmt(value)
    mark = next((ch for ch in reversed(text) if not ch.isdigit()), None)
    if mark is None or mark in "−-+":
        return text
    whole, _, frac = text.rpartition(mark)
    return whole + (mark + frac[:digits] if digits else "")


class _Axis:
    """A value axis mapping ``lo``..``hi`` onto ``x0``..``x1`` (clamped), with its ticks.

    With ``widen`` the ends are rounded out to whole ticks; otherwise they stay and the
    ticks outside them are dropped.
    """

    def __init__(self, lo: float, hi: float, x0: float, x1: float, fmt: Fmt, widen: bool = False):
        nice_lo, nice_hi, step, ticks = nice_ticks(lo, hi)
        if widen:
            lo, hi = nice_lo, nice_hi
        self.lo, self.hi, self.x0, self.x1, self.fmt = lo, hi, x0, x1, fmt
        self.ticks = [tk for tk in ticks if lo - 1e-9 <= tk <= hi + 1e-9]
        self.digits = tick_digits(step)

    def __call__(self, value: float) -> float:
        value = max(self.lo, min(self.hi, value))
        return self.x0 + (value - self.lo) / (self.hi - self.lo) * (self.x1 - self.x0)

    def grid(self, top: float, bottom: float) -> list[str]:
        """A vertical line per tick from ``top`` to ``bottom``, its value below."""
        out = []
        for tick in self.ticks:
            x = self(tick)
            label = _plain(self.fmt, tick, self.digits)
            out.append(_el("line", x1=x, y1=top, x2=x, y2=bottom, stroke=GRID, stroke_width=1))
            out.append(_text(x, bottom + 15, label, anchor="middle", size=FONT - 1, fill=MUTED))
        return out


def _legend(entries: Sequence[tuple[str, str]], y: float, x: float = 0.0) -> list[str]:
    """A row of (swatch svg at (0,0), label) entries starting at ``x``."""
    out = []
    for swatch, label in entries:
        out.append(f'<g transform="translate({x:.1f},{y:.1f})">{swatch}</g>')
        out.append(_text(x + 16, y + 4, label, size=FONT - 1, fill=MUTED))
        x += 16 + text_width(label, FONT - 1) + 22
    return out


def _swatch_rect(colour: str) -> str:
    return f'<rect x="0" y="-5" width="11" height="10" rx="2" fill="{colour}"/>'


# --------------------------------------------------------------------------- grouped rows


@dataclass(frozen=True)
class Group:
    """Rows under a group heading (a dimension); an empty label draws no heading."""

    label: str
    rows: Sequence = field(default_factory=tuple)


def _label_width(labels: Sequence[str], lo: float, hi: float) -> float:
    widest = max((text_width(s) for s in labels), default=0.0)
    return max(lo, min(hi, widest + 14))


def _group_label_width(groups: Sequence[Group], lo: float, hi: float) -> float:
    return _label_width([g.label for g in groups] + [r.label for g in groups for r in g.rows], lo, hi)


RowDrawer = Callable[[Group, object, float], tuple[str, float]]


def _rows(groups: Sequence[Group], top: float, draw: RowDrawer) -> tuple[list[str], float]:
    """Each group's heading (if it has a label) and rows from ``top`` down.

    ``draw(group, row, y)`` returns one row's svg, drawn from ``y`` down, and its height.
    Returns the svg pieces and the y below the last row.
    """
    out, y = [], top
    for group in groups:
        if group.label:
            y += 6
            out.append(_text(0, y + 13, group.label, weight="700"))
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


def _left_label(text: str, y: float, width: float, indent: float = 10, height: float = 24):
    """A row's label, up to two lines from ``indent``, and the row's height (36 for two)."""
    lines = wrap(text, width, FONT, 2)
    h = height if len(lines) == 1 else 36
    return _lines(indent, y + h / 2, lines), h


def _grouped_chart(
    groups: Sequence[Group], axis: _Axis, legend: list[str], draw: RowDrawer, title: str, cls: str
) -> str:
    """A legend line, then the grouped rows over the axis grid (dumbbells, zones)."""
    rows, y = _rows(groups, 30, draw)
    return _svg(y + 28, title, cls, legend + axis.grid(30, y + 4) + rows)


# --------------------------------------------------------------------------- (a) bars


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
    label_w = _group_label_width(groups, 90, label_max)
    x0, x1 = label_w + 8, WIDTH - VALUE_W - 10
    top = 30 if (legend and diverging) or reference else 8
    if domain is None:
        values = [v for g in groups for b in g.rows for v in (b.value, b.low, b.high) if _finite(v)]
        points = [0.0] + values
        span = max(points) - min(points) or 1.0
        axis = _Axis(min(points) - 0.04 * span, max(points) + 0.04 * span, x0, x1, fmt, True)
    else:
        axis = _Axis(*domain, x0, x1, fmt)

    def draw(_group: Group, bar: Bar, y: float) -> tuple[str, float]:
        if grouped:
            label, h = _left_label(bar.label, y, label_w - 14)
        else:
            lines = wrap(bar.label, label_w - 10, FONT, 2)
            h = ROW
            size = FONT if len(lines) == 1 else FONT - 1
            label = _lines(label_w - 4, y + h / 2, lines, anchor="end", size=size)
        return label + _bar(bar, y + h / 2, axis, 0.0 if diverging else axis.lo, diverging, fmt), h

    rows, bottom = _rows(groups, top, draw)
    body: list[str] = []
    entries = []
    if legend and diverging:
        short, meets = legend
        entries += [(_swatch_rect(WARM), short), (_swatch_rect(COOL), meets)]
    if reference:
        entries.append((_reference_line(5, -6, 6), reference[1]))
    body += _legend(entries, 12, x0) + axis.grid(top, bottom) + rows
    if reference and axis.lo <= reference[0] <= axis.hi:
        body.append(_reference_line(axis(reference[0]), top - 4, bottom + 2, "reference"))
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
    return _finish(body, bottom, x0, x1, axis_label, title, "chart-bars")


def _finish(body: list[str], bottom: float, x0: float, x1: float, axis_label: str | None, title: str,
            cls: str) -> str:
    """The SVG of a horizontal chart whose plot ends at ``bottom``, with the axis label under it."""
    height = bottom + 22
    if axis_label:
        body.append(_text((x0 + x1) / 2, bottom + 32, axis_label, anchor="middle", size=FONT - 1, fill=MUTED))
        height += 12
    return _svg(height + 4, title, cls, body)


def _reference_line(x: float, y1: float, y2: float, cls: str | None = None) -> str:
    return _el(
        "line", cls=cls, x1=x, y1=y1, x2=x, y2=y2, stroke=ZERO, stroke_width=1.2, stroke_dasharray="4 3"
    )


def _bar(bar: Bar, y: float, axis: _Axis, start: float, diverging: bool, fmt: Fmt) -> str:
    """One bar centred on ``y`` with its whisker and its value at the right edge."""
    value = bar.value
    if not _finite(value):
        return _value(y, fmt(None), MUTED, weight=None)
    xa, xb = sorted((axis(start), axis(value)))
    negative = diverging and value < start
    colour = (WARM if negative else COOL) if diverging else NEUTRAL
    out = (
        f'<rect class="bar" data-label="{_esc(bar.label)}" x="{xa:.1f}" y="{y - 7:.1f}" '
        f'width="{max(xb - xa, 1):.1f}" height="14" rx="1.5" fill="{colour}"/>'
    )
    if _finite(bar.low) and _finite(bar.high):
        wl, wh = axis(bar.low), axis(bar.high)
        out += (
            f'<g class="whisker" stroke="{INK}" stroke-width="1.3">'
            f'<line x1="{wl:.1f}" y1="{y:.1f}" x2="{wh:.1f}" y2="{y:.1f}"/>'
            f'<line x1="{wl:.1f}" y1="{y - 5:.1f}" x2="{wl:.1f}" y2="{y + 5:.1f}"/>'
            f'<line x1="{wh:.1f}" y1="{y - 5:.1f}" x2="{wh:.1f}" y2="{y + 5:.1f}"/></g>'
        )
    return out + _value(y, fmt(value), colour if negative else INK)


# --------------------------------------------------------------------------- (b)/(e) dumbbells


@dataclass(frozen=True)
class Dumbbell:
    """One row: the reference value ``a`` (e.g. E), the measured value ``b`` (e.g. P) and
    a note printed at the right (e.g. the gap)."""

    label: str
    a: float | None
    b: float | None
    note: str = ""


def _dot(cx: float, cy: float, *, hollow: bool = False, cls: str | None = None) -> str:
    if hollow:
        return _el("circle", cls=cls, cx=cx, cy=cy, r=4.5, fill="#ffffff", stroke=DOT_A, stroke_width=2)
    return _el("circle", cls=cls, cx=cx, cy=cy, r=4.5, fill=DOT_B)


def _link(x1: float, x2: float, y: float, colour: str, cls: str | None = None) -> str:
    return _el("line", cls=cls, x1=x1, y1=y, x2=x2, y2=y, stroke=colour, stroke_width=3)


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
    label_w = _group_label_width(groups, 120, label_max)
    axis = _Axis(*domain, label_w + 12, WIDTH - VALUE_W - 14, fmt)
    legend = [
        (_dot(5, 0, hollow=True), a_label),
        (_dot(5, 0), b_label),
        (_link(0, 11, 0, WARM), worse_label),
        (_link(0, 11, 0, COOL), better_label),
    ]

    def draw(_group: Group, row: Dumbbell, y: float) -> tuple[str, float]:
        label, h = _left_label(row.label, y, label_w - 12)
        yc = y + h / 2
        has_a, has_b = _finite(row.a), _finite(row.b)
        negative = has_a and has_b and row.b < row.a
        out = [label]
        if has_a and has_b:
            out.append(_link(axis(row.a), axis(row.b), yc, WARM if negative else COOL, "link"))
        if has_a:
            out.append(_dot(axis(row.a), yc, hollow=True, cls="dot-a"))
        if has_b:
            out.append(_dot(axis(row.b), yc, cls="dot-b"))
        if row.note:
            out.append(_value(yc, row.note, WARM if negative else INK))
        return "".join(out), h

    return _grouped_chart(groups, axis, _legend(legend, 12), draw, title, "chart-dumbbell")


# --------------------------------------------------------------------------- (c) zones


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
    return _el("polygon", cls=cls, points=points, fill=colour, stroke="#ffffff", stroke_width=1)


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
    label_w = _group_label_width(groups, 110, label_max)
    axis = _Axis(*domain, label_w + 12, WIDTH - VALUE_W - 14, fmt)
    band = f'<rect x="0" y="-5" width="12" height="10" fill="{BAND}" stroke="{BAND_EDGE}"/>'
    legend = [(band, labels["band"])] + [
        (_marker(s, 6, 0), labels[s]) for s in ("below", "within", "above")
    ]

    def draw(group: Group, row: ZoneRow, y: float) -> tuple[str, float]:
        indent = 10 if group.label else 0
        height = 24 if group.label else ROW
        label, h = _left_label(row.label, y, label_w - 8 - indent, indent, height)
        yc = y + h / 2
        a, d, p = row.adequate, row.desired, row.perceived
        out = [label]
        if a is not None and d is not None:
            xa, xd = sorted((axis(a), axis(d)))
            style = dict(fill=BAND, stroke=BAND_EDGE, stroke_width=1)
            out.append(_el("rect", cls="band", x=xa, y=yc - 6, width=max(xd - xa, 1.5), height=12, **style))
        status = zone_status(a, d, p)
        if p is not None:
            out.append(_marker(status, axis(p), yc))
            out.append(_value(yc, fmt(p), STATUS_COLOURS.get(status or "within", INK)))
        return "".join(out), h

    return _grouped_chart(groups, axis, _legend(legend, 12), draw, title, "chart-zone")


# --------------------------------------------------------------------------- (d) heatmap


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
    label_w = _label_width([r.label for r in rows], 110, 230)
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
            body.append(_text(cx, 14 + k * 14, line, anchor="middle", size=FONT - 1, weight="600"))
    for i, row in enumerate(rows):
        y = top + i * cell_h
        yc = y + cell_h / 2
        label = wrap(row.label, label_w - 8, FONT, 1)[0]
        n_text = n_fmt(row.n)
        body.append(_text(0, yc + 4, label, fill=MUTED if row.suppressed else INK))
        body.append(_text(label_w + n_w - 4, yc + 4, n_text, anchor="end", size=FONT - 1, fill=MUTED))
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
                _el("rect", cls=cls, x=x + 1, y=y + 1, width=cell_w - 2, height=cell_h - 2, fill=fill)
            )
            body.append(_text(x + cell_w / 2, yc + 4, text, anchor="middle", fill=colour, weight=weight))
    # a stepped legend (no gradients: they would need url() references)
    steps = 7
    values = [centre - half_range + k * (2 * half_range / (steps - 1)) for k in range(steps)]
    sw = min(36.0, (WIDTH - x0) / steps)
    ly = top + len(rows) * cell_h + 12
    for k, value in enumerate(values):
        fill, x = diverging_colour(value, centre, half_range), x0 + k * sw
        body.append(
            _el("rect", x=x, y=ly, width=sw, height=10, fill=fill, stroke="#9aa5b1", stroke_width=0.5)
        )
    for k in (0, steps // 2, steps - 1):
        x = x0 + k * sw + sw / 2
        body.append(_text(x, ly + 24, fmt(values[k]), anchor="middle", size=FONT - 2, fill=MUTED))
    return _svg(ly + 30, title, "chart-heatmap", body)


# --------------------------------------------------------------------------- NPS


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
        w = (part.share if _finite(part.share) else 0.0) * float(WIDTH)
        if w > 0:
            body.append(_el("rect", cls="part", x=x, y=y, width=w, height=h, fill=part.colour))
            label = pct(part.share)
            if w > text_width(label) + 10:
                colour = text_on(part.colour)
                body.append(
                    _text(x + w / 2, y + h / 2 + 4, label, anchor="middle", fill=colour, weight="600")
                )
        x += w
    entries = [(_swatch_rect(p.colour), f"{p.label} {pct(p.share)}") for p in parts]
    return _svg(y + h + 26, title, "chart-stacked", body + _legend(entries, y + h + 16))


# --------------------------------------------------------------------------- service focus


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
    return _el("polygon", cls=cls, points=points, fill=fill, stroke="#ffffff", stroke_width=1)


def _whisker(xa: float, xb: float, y: float, cap: float = 4.0) -> str:
    """An interval drawn as a line with end caps."""
    path = (f"M{xa:.1f},{y - cap:.1f}V{y + cap:.1f}M{xa:.1f},{y:.1f}H{xb:.1f}"
            f"M{xb:.1f},{y - cap:.1f}V{y + cap:.1f}")
    return _el("path", cls="whisker", d=path, stroke=INK, stroke_width=1.5, fill="none")


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
    label_w = _label_width([r.label for r in rows], 90, 250)
    x0, x1 = label_w + 8, WIDTH - VALUE_W - 10
    values = [v for r in rows for v in (r.bar, r.marker, r.high) if _finite(v)]
    axis = _Axis(0.0, max(values + [1.0]) * 1.04, x0, x1, fmt, True)
    top = 30
    has_marker = any(_finite(r.marker) for r in rows)
    entries = [(_swatch_rect(COOL), bar_label)]
    if has_marker:
        entries.append((_diamond(5, 0, 5), marker_label))
    if any(_finite(r.low) and _finite(r.high) for r in rows):
        entries.append((_whisker(0, 10, 0), interval_label))
    body = _legend(entries, 12, x0)
    y = top
    pieces = []
    for row in rows:
        lines = wrap(row.label, label_w - 10, FONT, 2)
        yc = y + ROW / 2
        size = FONT if len(lines) == 1 else FONT - 1
        pieces.append(_lines(label_w - 4, yc, lines, anchor="end", size=size))
        if _finite(row.bar):
            width = max(axis(row.bar) - x0, 1)
            pieces.append(
                f'<rect class="bar" data-label="{_esc(row.label)}" x="{x0:.1f}" y="{yc - 7:.1f}" '
                f'width="{width:.1f}" height="14" rx="1.5" fill="{COOL}"/>'
            )
        if _finite(row.low) and _finite(row.high):
            pieces.append(_whisker(axis(row.low), axis(row.high), yc))
        if _finite(row.marker):
            pieces.append(_diamond(axis(row.marker), yc, cls="marker"))
        pieces.append(_value(yc, fmt(row.bar), INK))
        y += ROW
    body += axis.grid(top, y) + pieces
    body.append(_el("line", x1=x0, y1=top, x2=x0, y2=y, stroke=AXIS, stroke_width=1))
    return _finish(body, y, x0, x1, axis_label, title, "chart-shares")


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


def _padded(values: Sequence[float], share: float = 0.12) -> tuple[float, float]:
    lo, hi = min(values), max(values)
    pad = (hi - lo) * share or max(abs(hi) * 0.1, 0.5)
    return lo - pad, hi + pad


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
    shown = [p for p in points if _finite(p.performance) and _finite(p.importance)]
    xs = [p.performance for p in shown] + [x_cross]
    ys = [p.importance for p in shown] + [y_cross]
    left, right, top = 56.0, WIDTH - 16.0, 40.0
    bottom = height - 44.0
    x_axis = _Axis(*_padded(xs), left, right, x_fmt, True)
    y_lo, y_hi = _padded(ys)
    # importance shares start at zero, so distances from the bottom compare as ratios
    y_axis = _Axis(0.0 if min(ys) >= 0 else y_lo, y_hi, bottom, top, y_fmt, True)
    body = [_text(0, 14, y_label, size=FONT - 1, fill=MUTED, weight="600")]
    for tick in y_axis.ticks:
        y = y_axis(tick)
        body.append(_el("line", x1=left, y1=y, x2=right, y2=y, stroke=GRID, stroke_width=1))
        label = _plain(y_fmt, tick, y_axis.digits)
        body.append(_text(left - 6, y + 4, label, anchor="end", size=FONT - 1, fill=MUTED))
    body += x_axis.grid(top, bottom)
    mid = (left + right) / 2
    body.append(_text(mid, bottom + 34, x_label, anchor="middle", size=FONT - 1, fill=MUTED, weight="600"))
    frame = dict(fill="none", stroke=AXIS, stroke_width=1)
    body.append(_el("rect", x=left, y=top, width=right - left, height=bottom - top, **frame))
    xc, yc = x_axis(x_cross), y_axis(y_cross)
    for x1, y1, x2, y2 in ((xc, top, xc, bottom), (left, yc, right, yc)):
        dashed = dict(stroke=ZERO, stroke_width=1.2, stroke_dasharray="5 4")
        body.append(_el("line", cls="crosshair", x1=x1, y1=y1, x2=x2, y2=y2, **dashed))
    places = ((left + 8, top + 16, "start"), (right - 8, top + 16, "end"),
              (left + 8, bottom - 9, "start"), (right - 8, bottom - 9, "end"))
    for key, (x, y, anchor) in zip(quadrants, places):
        colour = colours[key]
        name = quadrant_labels.get(key, key)
        body.append(_text(x, y, name, anchor=anchor, fill=colour, weight="700"))
    placed: list[tuple[float, float, float]] = []  # (x_start, x_end, y) of the labels so far
    for p in sorted(shown, key=lambda p: -p.importance):
        px, py = x_axis(p.performance), y_axis(p.importance)
        colour = colours.get(p.quadrant, INK)
        dot = dict(r=5.5, fill=colour, stroke="#ffffff", stroke_width=1.5)
        body.append(_el("circle", cls=f"point {p.quadrant}".strip(), cx=px, cy=py, **dot))
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
        body.append(_text(lx, ly, p.label, anchor=anchor, fill=INK, weight="600"))
    return _svg(height, title, "chart-ipa", body)


# --------------------------------------------------------------------------- paired differences


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
    label_w = _label_width([r.label for r in rows], 90, 250)
    x0, x1 = label_w + 8, WIDTH - VALUE_W - 10
    reach = max([abs(v) for r in rows for v in (r.value, r.low, r.high) if _finite(v)] + [0.25])
    axis = _Axis(-reach * 1.08, reach * 1.08, x0, x1, fmt, True)
    top = 48
    legend = _legend([(_swatch_rect(WARM), negative_label), (_swatch_rect(COOL), positive_label)], 12, x0)
    legend += _legend([(_diamond(5, 0, 5, fill=INK), significant_label),
                       (_el("circle", cx=5, cy=0, r=4.5, fill="#ffffff", stroke=MUTED, stroke_width=2),
                        not_significant_label)], 32, x0)
    y, pieces = top, []
    for row in rows:
        lines = wrap(row.label, label_w - 10, FONT, 2)
        yc = y + ROW / 2
        pieces.append(_lines(label_w - 4, yc, lines, anchor="end", size=FONT if len(lines) == 1 else FONT - 1))
        if not _finite(row.value):
            pieces.append(_value(yc, fmt(None), MUTED, weight=None))
            y += ROW
            continue
        better = (row.value > 0) == row.good
        colour = (COOL if better else WARM) if row.significant else MUTED
        if _finite(row.low) and _finite(row.high):
            pieces.append(_whisker(axis(row.low), axis(row.high), yc))
        if row.significant:
            pieces.append(_diamond(axis(row.value), yc, 6.5, cls="point significant", fill=colour))
        else:
            pieces.append(_el("circle", cls="point", cx=axis(row.value), cy=yc, r=4.5, fill="#ffffff",
                              stroke=MUTED, stroke_width=2))
        pieces.append(_value(yc, fmt(row.value) + (" *" if row.significant else ""), colour if row.significant
                             else INK, weight="700" if row.significant else None))
        y += ROW
    body = legend + axis.grid(top, y) + pieces
    if axis.lo <= 0 <= axis.hi:
        body.append(_el("line", cls="zero", x1=axis(0.0), y1=top - 4, x2=axis(0.0), y2=y + 2, stroke=ZERO,
                        stroke_width=1.5))
    return _finish(body, y, x0, x1, axis_label, title, "chart-differences")


# --------------------------------------------------------------------------- trends (over periods)


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
) -> tuple[list[str], list[float], _Axis, float, float]:
    """Frame of a chart over periods: horizontal grid with the value ticks at the left, the
    period labels under the plot (every k-th when crowded). Returns the body so far, the
    x of each period, the value axis and the plot's top and bottom."""
    left, right, top, bottom = 64.0, WIDTH - 16.0, 34.0, height - 52.0
    values = [v for p in points for v in (p.value, p.low, p.high, p.lcl, p.ucl) if _finite(v)]
    values += [v for v in extra if _finite(v)]
    axis = _Axis(*_padded(values or [0.0, 1.0], 0.08), bottom, top, fmt, True)
    slot = (right - left) / max(1, len(points))
    xs = [left + slot * (i + 0.5) for i in range(len(points))]
    body = [_text(0, 14, y_label, size=FONT - 1, fill=MUTED, weight="600")]
    for tick in axis.ticks:
        y = axis(tick)
        body.append(_el("line", x1=left, y1=y, x2=right, y2=y, stroke=GRID, stroke_width=1))
        body.append(_text(left - 6, y + 4, _plain(fmt, tick, axis.digits), anchor="end", size=FONT - 1, fill=MUTED))
    widest = max((text_width(p.label, FONT - 1) for p in points), default=0.0)
    every = max(1, math.ceil((widest + 8) / slot))
    for i, (x, p) in enumerate(zip(xs, points)):
        if i % every == 0:
            body.append(_text(x, bottom + 16, p.label, anchor="middle", size=FONT - 1, fill=MUTED))
    body.append(_el("line", x1=left, y1=bottom, x2=right, y2=bottom, stroke=AXIS, stroke_width=1))
    return body, xs, axis, top, bottom


def _polyline(
    xy: Sequence[tuple[float, float]], colour: str, cls: str, width: float = 2.0, dash: str | None = None
) -> str:
    points = " ".join(f"{x:.1f},{y:.1f}" for x, y in xy)
    return _el("polyline", cls=cls, points=points, fill="none", stroke=colour, stroke_width=width,
               stroke_dasharray=dash, stroke_linejoin="round")


def _runs_of(points: Sequence[TrendPoint], xs: Sequence[float], axis: _Axis) -> list[list[tuple[float, float]]]:
    """The line through consecutive periods that have a value; a period without one breaks it."""
    lines: list[list[tuple[float, float]]] = [[]]
    for x, p in zip(xs, points):
        if _finite(p.value):
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
    if _finite(reference) and axis.lo <= reference <= axis.hi:
        y = axis(reference)
        body.append(_el("line", cls="reference", x1=xs[0] - 20, y1=y, x2=xs[-1] + 20, y2=y, stroke=ZERO,
                        stroke_width=1.2, stroke_dasharray="4 3"))
    for line in _runs_of(points, xs, axis):
        body.append(_polyline(line, COOL, "trend-line"))
    for x, p in zip(xs, points):
        if not _finite(p.value):
            continue
        if _finite(p.low) and _finite(p.high):
            body.append(_el("line", cls="whisker", x1=x, y1=axis(p.low), x2=x, y2=axis(p.high), stroke=DOT_B,
                            stroke_width=1.5))
        body.append(_dot(x, axis(p.value)))
        top_y = axis(p.high) if _finite(p.high) else axis(p.value)
        body.append(_text(x, max(top_y - 6, top - 4), fmt(p.value), anchor="middle", size=FONT - 2, fill=INK))
    swatch = '<line x1="0" y1="0" x2="11" y2="0" stroke="%s" stroke-width="2"/>' % COOL
    whisker = '<line x1="5" y1="-6" x2="5" y2="6" stroke="%s" stroke-width="1.5"/>' % DOT_B
    body += _legend([(swatch, line_label), (whisker, interval_label)], height - 12, 64)
    return _svg(height, title, "chart-trend", body)


def _triangle(x: float, y: float, r: float = 6.5, cls: str | None = None) -> str:
    points = f"{x:.1f},{y - r:.1f} {x + r:.1f},{y + r * 0.8:.1f} {x - r:.1f},{y + r * 0.8:.1f}"
    return _el("polygon", cls=cls, points=points, fill=STATUS_COLOURS["below"], stroke="#ffffff", stroke_width=1)


def _square(x: float, y: float, r: float = 5.0, cls: str | None = None) -> str:
    return _el("rect", cls=cls, x=x - r, y=y - r, width=2 * r, height=2 * r, fill="#ffffff", stroke=WARM,
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
    body.append(_el("line", cls="centre", x1=xs[0] - half, y1=yc, x2=xs[-1] + half, y2=yc, stroke=ZERO,
                    stroke_width=1.5))
    for key in ("lcl", "ucl"):
        step: list[tuple[float, float]] = []
        for x, p in zip(xs, points):
            limit = getattr(p, key)
            if _finite(limit):
                step += [(x - half, axis(limit)), (x + half, axis(limit))]
        if step:
            body.append(_polyline(step, WARM, f"limit {key}", width=1.4, dash="5 3"))
    for line in _runs_of(points, xs, axis):
        body.append(_polyline(line, NEUTRAL, "control-line", width=1.5))
    for x, p in zip(xs, points):
        if not _finite(p.value):
            continue
        y = axis(p.value)
        if p.out:
            body.append(_triangle(x, y, cls="point out"))
        elif p.run:
            body.append(_square(x, y, cls="point run"))
        else:
            body.append(_dot(x, y, cls="point"))
    entries = [(_dot(5, 0), labels.get("value", "")),
               ('<line x1="0" y1="0" x2="11" y2="0" stroke="%s" stroke-width="1.5"/>' % ZERO, labels.get("centre", "")),
               ('<line x1="0" y1="0" x2="11" y2="0" stroke="%s" stroke-width="1.4" stroke-dasharray="4 2"/>' % WARM,
                labels.get("limits", "")),
               (_triangle(5, 0, 5.5), labels.get("out", ""))]
    if any(p.run and not p.out for p in points):
        entries.append((_square(5, 0, 4.5), labels.get("run", "")))
    body += _legend(entries, height - 12, 64)
    return _svg(height, title, "chart-control", body)
