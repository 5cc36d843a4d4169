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

Fmt = Callable[[float | None], str]

WIDTH = 760
FONT = 12
ROW = 28

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


def _char_width(ch: str) -> float:
    if unicodedata.east_asian_width(ch) in "WF":
        return 1.0
    if ch in " .,:;'!|ilIjtf()[]":
        return 0.32
    if ch.isupper() or ch in "mwMW%":
        return 0.68
    return 0.54


def text_width(text: str, size: float = FONT) -> float:
    """Estimated rendered width of ``text`` in viewBox units (no layout engine here)."""
    return sum(_char_width(ch) for ch in text) * size


def _is_wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in "WF"


def wrap(text: str, width: float, size: float = FONT, max_lines: int = 2) -> list[str]:
    """Break ``text`` into at most ``max_lines`` lines that fit ``width``.

    Latin text breaks at spaces, CJK text between any two characters; a word longer
    than a line is cut. Text that does not fit ends in an ellipsis.
    """
    tokens: list[str] = []
    for part in text.split(" "):
        if any(_is_wide(ch) for ch in part):
            buf = ""
            for ch in part:
                if _is_wide(ch):
                    if buf:
                        tokens.append(buf)
                        buf = ""
                    tokens.append(ch)
                else:
                    buf += ch
            if buf:
                tokens.append(buf)
        else:
            tokens.append(part)
        tokens.append(" ")
    tokens = tokens[:-1]

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
    ``-`` (``stroke_width``), floats with one decimal."""
    written = []
    for name, value in attrs.items():
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
    cls: str | None = None,
) -> str:
    attrs = f'x="{x:.1f}" y="{y:.1f}" font-size="{size:g}" fill="{fill}"'
    if anchor != "start":
        attrs += f' text-anchor="{anchor}"'
    if weight:
        attrs += f' font-weight="{weight}"'
    if cls:
        attrs += f' class="{cls}"'
    return f"<text {attrs}>{_esc(content)}</text>"


def _lines(x: float, y_mid: float, lines: Sequence[str], *, size: float = FONT, **kw) -> str:
    """Text lines vertically centred on ``y_mid``."""
    step = size * 1.2
    top = y_mid - step * (len(lines) - 1) / 2 + size * 0.35
    return "".join(_text(x, top + i * step, line, size=size, **kw) for i, line in enumerate(lines))


def _svg(height: float, title: str, cls: str, body: Sequence[str], desc: str = "") -> str:
    h = math.ceil(height)
    head = (
        f'<svg class="chart {cls}" viewBox="0 0 {WIDTH} {h}" width="{WIDTH}" height="{h}" '
        f'role="img" aria-label="{_esc(title)}" preserveAspectRatio="xMinYMin meet">'
        f"<title>{_esc(title)}</title>"
    )
    if desc:
        head += f"<desc>{_esc(desc)}</desc>"
    return head + "".join(body) + "</svg>"


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
    return (
        "#000000"
        if contrast_ratio("#000000", background) >= contrast_ratio("#ffffff", background)
        else "#ffffff"
    )


def diverging_colour(value: float | None, centre: float = 0.0, half_range: float = 1.0) -> str:
    """A red–white–blue colour for ``value``: red below ``centre``, blue above.

    Saturation grows linearly with distance from the centre and is full at
    ``half_range`` away from it.
    """
    if value is None or not math.isfinite(value):
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


class _Scale:
    def __init__(self, lo: float, hi: float, x0: float, x1: float):
        self.lo, self.hi, self.x0, self.x1 = lo, hi, x0, x1

    def __call__(self, value: float) -> float:
        value = max(self.lo, min(self.hi, value))
        return self.x0 + (value - self.lo) / (self.hi - self.lo) * (self.x1 - self.x0)


def _grid(
    scale: _Scale, ticks: Sequence[float], top: float, bottom: float, tick_fmt: Fmt
) -> list[str]:
    out = []
    for tick in ticks:
        x = scale(tick)
        out.append(_el("line", x1=x, y1=top, x2=x, y2=bottom, stroke=GRID, stroke_width=1))
        out.append(
            _text(x, bottom + 15, tick_fmt(tick), anchor="middle", size=FONT - 1, fill=MUTED)
        )
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


def _label_width(labels: Sequence[str], lo: float, hi: float, size: float = FONT) -> float:
    widest = max((text_width(s, size) for s in labels), default=0.0)
    return max(lo, min(hi, widest + 14))


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
    tick_fmt: Fmt | None = None,
    domain: tuple[float, float] | None = None,
    base: float = 0.0,
    diverging: bool = True,
    legend: Sequence[str] = (),
    axis_label: str = "",
    label_max: float = 250,
) -> str:
    """Horizontal bars from ``base`` to each mean, with interval whiskers.

    With ``diverging`` (gaps, MSA) bars below ``base`` are warm, the others cool, and a
    dark line marks zero; ``legend`` then gives the two labels (short, meets). Without it
    (perception on the scale range) bars run from the scale minimum in one neutral
    colour and ``domain`` is the scale. ``bars`` may hold :class:`Group` s of bars, drawn
    under headings (items by dimension).
    """
    grouped = any(isinstance(b, Group) for b in bars)
    flat = [r for b in bars for r in (b.rows if isinstance(b, Group) else [b])]
    headings = [b.label for b in bars if isinstance(b, Group)]
    label_w = _label_width([b.label for b in flat] + headings, 90, label_max)
    value_w = 58
    x0, x1 = label_w + 8, WIDTH - value_w - 10
    top = 30 if legend and diverging else 8

    if domain is None:
        points = [base] + [
            v for b in flat for v in (b.value, b.low, b.high) if v is not None and math.isfinite(v)
        ]
        span = max(points) - min(points) or 1.0
        lo, hi, step, ticks = nice_ticks(min(points) - 0.04 * span, max(points) + 0.04 * span)
    else:
        lo, hi, step, ticks = nice_ticks(*domain)
        lo, hi = domain
        ticks = [tk for tk in ticks if lo - 1e-9 <= tk <= hi + 1e-9]
    tick_fmt = tick_fmt or (lambda v, d=tick_digits(step): fmt(v) if d >= 2 else _plain(fmt, v, d))
    scale = _Scale(lo, hi, x0, x1)

    body: list[str] = []
    if legend and diverging:
        short, meets = legend
        body += _legend([(_swatch_rect(WARM), short), (_swatch_rect(COOL), meets)], 12, x0)
    rows_svg: list[str] = []
    y = top
    for entry in bars:
        members = [entry] if isinstance(entry, Bar) else list(entry.rows)
        if isinstance(entry, Group) and entry.label:
            y += 6
            rows_svg.append(_text(0, y + 13, entry.label, weight="700"))
            rows_svg.append(_rule(y + 19))
            y += 22
        for bar in members:
            if grouped:
                lines = wrap(bar.label, label_w - 14, FONT, 2)
                h = 24 if len(lines) == 1 else 36
                rows_svg.append(_lines(10, y + h / 2, lines))
            else:
                lines = wrap(bar.label, label_w - 10, FONT, 2)
                h = ROW
                size = FONT if len(lines) == 1 else FONT - 1
                rows_svg.append(_lines(label_w - 4, y + h / 2, lines, anchor="end", size=size))
            rows_svg.append(_bar(bar, y + h / 2, scale, base if diverging else lo, diverging, fmt))
            y += h
    bottom = y
    body += _grid(scale, ticks, top, bottom, tick_fmt)
    body += rows_svg
    if diverging and lo <= base <= hi:
        xz = scale(base)
        body.append(
            f'<line class="zero" x1="{xz:.1f}" y1="{top - 4:.1f}" x2="{xz:.1f}" '
            f'y2="{bottom + 2:.1f}" stroke="{ZERO}" stroke-width="1.5"/>'
        )
    else:
        body.append(
            f'<line x1="{x0:.1f}" y1="{top:.1f}" x2="{x0:.1f}" y2="{bottom:.1f}" '
            f'stroke="{AXIS}" stroke-width="1"/>'
        )
    height = bottom + 22
    if axis_label:
        body.append(
            _text(
                (x0 + x1) / 2, bottom + 32, axis_label, anchor="middle", size=FONT - 1, fill=MUTED
            )
        )
        height += 12
    return _svg(height + 4, title, "chart-bars", body)


def _rule(y: float) -> str:
    return f'<line x1="0" y1="{y:.1f}" x2="{WIDTH}" y2="{y:.1f}" stroke="{GRID}" stroke-width="1"/>'


def _bar(bar: Bar, y: float, scale: _Scale, start: float, diverging: bool, fmt: Fmt) -> str:
    """One bar centred on ``y`` with its whisker and its value at the right edge."""
    value = bar.value
    if value is None or not math.isfinite(value):
        return _text(WIDTH - 6, y + 4, fmt(None), anchor="end", fill=MUTED)
    xa, xb = sorted((scale(start), scale(value)))
    negative = diverging and value < start
    colour = (WARM if negative else COOL) if diverging else NEUTRAL
    out = [
        f'<rect class="bar" data-label="{_esc(bar.label)}" x="{xa:.1f}" y="{y - 7:.1f}" '
        f'width="{max(xb - xa, 1):.1f}" height="14" rx="1.5" fill="{colour}"/>'
    ]
    if all(v is not None and math.isfinite(v) for v in (bar.low, bar.high)):
        wl, wh = scale(bar.low), scale(bar.high)
        out.append(
            f'<g class="whisker" stroke="{INK}" stroke-width="1.3">'
            f'<line x1="{wl:.1f}" y1="{y:.1f}" x2="{wh:.1f}" y2="{y:.1f}"/>'
            f'<line x1="{wl:.1f}" y1="{y - 5:.1f}" x2="{wl:.1f}" y2="{y + 5:.1f}"/>'
            f'<line x1="{wh:.1f}" y1="{y - 5:.1f}" x2="{wh:.1f}" y2="{y + 5:.1f}"/></g>'
        )
    out.append(
        _text(
            WIDTH - 6,
            y + 4,
            fmt(value),
            anchor="end",
            fill=colour if negative else INK,
            weight="600",
        )
    )
    return "".join(out)


def _plain(fmt: Fmt, value: float, digits: int) -> str:
    """Format a tick with fewer decimals, reusing ``fmt``'s decimal mark and minus."""
    text = fmt(value)
    mark = next((ch for ch in reversed(text) if not ch.isdigit()), None)
    if mark is None or mark in "−-+":
        return text
    whole, _, frac = text.rpartition(mark)
    return whole + (mark + frac[:digits] if digits else "")


# --------------------------------------------------------------------------- (b)/(e) dumbbells


@dataclass(frozen=True)
class Dumbbell:
    """One row: the reference value ``a`` (e.g. E), the measured value ``b`` (e.g. P) and
    a note printed at the right (e.g. the gap)."""

    label: str
    a: float | None
    b: float | None
    note: str = ""


@dataclass(frozen=True)
class Group:
    """Rows under a group heading (a dimension); an empty label draws no heading."""

    label: str
    rows: Sequence = field(default_factory=tuple)


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
    tick_fmt: Fmt | None = None,
    label_max: float = 330,
) -> str:
    """A dot for ``a`` (hollow), a dot for ``b`` (filled) and a line between them, warm
    where ``b`` is below ``a``; rows grouped under headings."""
    all_rows = [r for g in groups for r in g.rows]
    label_w = _label_width([r.label for r in all_rows] + [g.label for g in groups], 120, label_max)
    note_w = 58
    x0, x1 = label_w + 12, WIDTH - note_w - 14
    lo, hi = domain
    _, _, step, ticks = nice_ticks(lo, hi)
    ticks = [tk for tk in ticks if lo - 1e-9 <= tk <= hi + 1e-9]
    tick_fmt = tick_fmt or (lambda v, d=tick_digits(step): _plain(fmt, v, d))
    scale = _Scale(lo, hi, x0, x1)

    hollow = f'<circle cx="5" cy="0" r="4.5" fill="#ffffff" stroke="{DOT_A}" stroke-width="2"/>'
    filled = f'<circle cx="5" cy="0" r="4.5" fill="{DOT_B}"/>'
    worse = f'<line x1="0" y1="0" x2="11" y2="0" stroke="{WARM}" stroke-width="3"/>'
    better = f'<line x1="0" y1="0" x2="11" y2="0" stroke="{COOL}" stroke-width="3"/>'
    body = _legend(
        [(hollow, a_label), (filled, b_label), (worse, worse_label), (better, better_label)], 12, 0
    )
    top = 30
    y = top
    rows_svg: list[str] = []
    for group in groups:
        if group.label:
            y += 6
            rows_svg.append(_text(0, y + 13, group.label, weight="700", fill=INK))
            rows_svg.append(_rule(y + 19))
            y += 22
        for row in group.rows:
            lines = wrap(row.label, label_w - 12, FONT, 2)
            h = 24 if len(lines) == 1 else 36
            yc = y + h / 2
            rows_svg.append(_lines(10, yc, lines, size=FONT, fill=INK))
            has_a = row.a is not None and math.isfinite(row.a)
            has_b = row.b is not None and math.isfinite(row.b)
            negative = has_a and has_b and row.b < row.a
            if has_a and has_b:
                colour = WARM if negative else COOL
                rows_svg.append(
                    _el(
                        "line",
                        cls="link",
                        x1=scale(row.a),
                        y1=yc,
                        x2=scale(row.b),
                        y2=yc,
                        stroke=colour,
                        stroke_width=3,
                    )
                )
            if has_a:
                rows_svg.append(
                    _el(
                        "circle",
                        cls="dot-a",
                        cx=scale(row.a),
                        cy=yc,
                        r=4.5,
                        fill="#ffffff",
                        stroke=DOT_A,
                        stroke_width=2,
                    )
                )
            if has_b:
                rows_svg.append(
                    _el("circle", cls="dot-b", cx=scale(row.b), cy=yc, r=4.5, fill=DOT_B)
                )
            if row.note:
                rows_svg.append(
                    _text(
                        WIDTH - 6,
                        yc + 4,
                        row.note,
                        anchor="end",
                        fill=WARM if negative else INK,
                        weight="600",
                    )
                )
            y += h
    bottom = y + 4
    body += _grid(scale, ticks, top, bottom, tick_fmt)
    body += rows_svg
    return _svg(bottom + 24, title, "chart-dumbbell", body)


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
    return _el(
        "polygon",
        cls=f"marker {status or ''}".strip(),
        points=points,
        fill=colour,
        stroke="#ffffff",
        stroke_width=1,
    )


def zone_chart(
    groups: Sequence[Group],
    *,
    title: str,
    domain: tuple[float, float],
    fmt: Fmt,
    labels: Mapping[str, str],
    tick_fmt: Fmt | None = None,
    label_max: float = 330,
) -> str:
    """A band from mean adequate to mean desired, with mean perceived as a marker whose
    shape and colour say below (▼, red), within (◆) or above (▲, green) the band.

    ``labels`` holds ``band``, ``below``, ``within`` and ``above`` legend texts.
    """
    all_rows = [r for g in groups for r in g.rows]
    label_w = _label_width([r.label for r in all_rows] + [g.label for g in groups], 110, label_max)
    note_w = 58
    x0, x1 = label_w + 12, WIDTH - note_w - 14
    lo, hi = domain
    _, _, step, ticks = nice_ticks(lo, hi)
    ticks = [tk for tk in ticks if lo - 1e-9 <= tk <= hi + 1e-9]
    tick_fmt = tick_fmt or (lambda v, d=tick_digits(step): _plain(fmt, v, d))
    scale = _Scale(lo, hi, x0, x1)

    band = f'<rect x="0" y="-5" width="12" height="10" fill="{BAND}" stroke="{BAND_EDGE}"/>'
    body = _legend(
        [(band, labels["band"])]
        + [(_marker(s, 6, 0), labels[s]) for s in ("below", "within", "above")],
        12,
        0,
    )
    top = 30
    y = top
    rows_svg: list[str] = []
    for group in groups:
        if group.label:
            y += 6
            rows_svg.append(_text(0, y + 13, group.label, weight="700"))
            rows_svg.append(_rule(y + 19))
            y += 22
        indent = 10 if group.label else 0
        for row in group.rows:
            size = FONT
            lines = wrap(row.label, label_w - 8 - indent, size, 2)
            h = max(ROW if not group.label else 24, 36 if len(lines) > 1 else 0)
            yc = y + h / 2
            rows_svg.append(_lines(indent, yc, lines, size=size))
            a, d, p = row.adequate, row.desired, row.perceived
            if a is not None and d is not None:
                xa, xd = sorted((scale(a), scale(d)))
                rows_svg.append(
                    _el(
                        "rect",
                        cls="band",
                        x=xa,
                        y=yc - 6,
                        width=max(xd - xa, 1.5),
                        height=12,
                        fill=BAND,
                        stroke=BAND_EDGE,
                        stroke_width=1,
                    )
                )
            status = zone_status(a, d, p)
            if p is not None:
                rows_svg.append(_marker(status, scale(p), yc))
                colour = STATUS_COLOURS.get(status or "within", INK)
                rows_svg.append(
                    _text(WIDTH - 6, yc + 4, fmt(p), anchor="end", fill=colour, weight="600")
                )
            y += h
    bottom = y + 4
    body += _grid(scale, ticks, top, bottom, tick_fmt)
    body += rows_svg
    return _svg(bottom + 24, title, "chart-zone", body)


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
    header_lines = [wrap(c, cell_w - 6, FONT - 1, 2) for c in columns]
    header_h = 14 * max((len(h) for h in header_lines), default=1) + 8
    top = header_h + 4
    cell_h = 28

    def col_x(j: int) -> float:
        return x0 + j * cell_w + (gap if separate_last and j == len(columns) - 1 else 0)

    body: list[str] = []
    for j, lines in enumerate(header_lines):
        cx = col_x(j) + cell_w / 2
        for k, line in enumerate(lines):
            body.append(
                _text(cx, 14 + k * 14, line, anchor="middle", size=FONT - 1, fill=INK, weight="600")
            )
    for i, row in enumerate(rows):
        y = top + i * cell_h
        yc = y + cell_h / 2
        label = wrap(row.label, label_w - 8, FONT, 1)[0]
        body.append(_text(0, yc + 4, label, fill=MUTED if row.suppressed else INK))
        body.append(
            _text(label_w + n_w - 4, yc + 4, n_fmt(row.n), anchor="end", size=FONT - 1, fill=MUTED)
        )
        for j in range(len(columns)):
            x = col_x(j)
            if row.suppressed:
                fill, text, colour = SUPPRESSED_FILL, suppressed_text, MUTED
            else:
                value = row.values[j] if j < len(row.values) else None
                fill = (
                    diverging_colour(value, centre, half_range) if value is not None else "#ffffff"
                )
                text, colour = fmt(value), text_on(fill)
                if value is None:
                    colour = MUTED
            body.append(
                _el(
                    "rect",
                    cls="cell suppressed" if row.suppressed else "cell",
                    x=x + 1,
                    y=y + 1,
                    width=cell_w - 2,
                    height=cell_h - 2,
                    fill=fill,
                )
            )
            body.append(
                _text(
                    x + cell_w / 2,
                    yc + 4,
                    text,
                    anchor="middle",
                    fill=colour,
                    weight=None if row.suppressed else "600",
                )
            )
    bottom = top + len(rows) * cell_h
    # a stepped legend (no gradients: they would need url() references)
    steps = 7
    lx = x0
    sw = min(36.0, (WIDTH - x0) / steps)
    ly = bottom + 12
    for k in range(steps):
        value = centre - half_range + k * (2 * half_range / (steps - 1))
        fill = diverging_colour(value, centre, half_range)
        body.append(
            _el(
                "rect",
                x=lx + k * sw,
                y=ly,
                width=sw,
                height=10,
                fill=fill,
                stroke="#9aa5b1",
                stroke_width=0.5,
            )
        )
    for k in (0, steps // 2, steps - 1):
        value = centre - half_range + k * (2 * half_range / (steps - 1))
        body.append(
            _text(
                lx + k * sw + sw / 2,
                ly + 24,
                fmt(value),
                anchor="middle",
                size=FONT - 2,
                fill=MUTED,
            )
        )
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
    x0, x1 = 0.0, float(WIDTH)
    y, h = 4, 26
    body: list[str] = []
    x = x0
    for part in parts:
        share = part.share if part.share is not None and math.isfinite(part.share) else 0.0
        w = share * (x1 - x0)
        if w > 0:
            body.append(_el("rect", cls="part", x=x, y=y, width=w, height=h, fill=part.colour))
            label = pct(part.share)
            if w > text_width(label) + 10:
                body.append(
                    _text(
                        x + w / 2,
                        y + h / 2 + 4,
                        label,
                        anchor="middle",
                        fill=text_on(part.colour),
                        weight="600",
                    )
                )
        x += w
    entries = [(_swatch_rect(p.colour), f"{p.label} {pct(p.share)}") for p in parts]
    body += _legend(entries, y + h + 16, 0)
    return _svg(y + h + 26, title, "chart-stacked", body)
