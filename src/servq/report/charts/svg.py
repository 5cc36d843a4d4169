"""SVG primitives shared by every chart of the report: sizes, text, elements and marks.

Plain functions returning SVG text. Text is escaped here, so item texts and segment
names are safe to pass as they are. Widths of text are estimated (no layout engine),
counting East Asian wide characters as one em.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable, Sequence
from html import escape
from itertools import groupby

from servq.report.charts.colour import DOT_A, DOT_B, INK, MUTED, ZERO, contrast_ratio

Fmt = Callable[[float | None], str]

WIDTH = 760
FONT = 12


def esc(text: object) -> str:
    """``text`` escaped for SVG/HTML text and attribute values."""
    return escape(str(text), quote=True)


def finite(value: float | None) -> bool:
    """Whether ``value`` is a number that can be drawn (not None, NaN or infinite)."""
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
            chars = "".join(run)  # a wide run splits into single characters
            tokens += list(chars) if wide else [chars]

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


def el(tag: str, **attrs: object) -> str:
    """A self-closing SVG element. ``cls`` is written as ``class``, ``_`` in names as
    ``-`` (``stroke_width``), floats with one decimal; None leaves an attribute out."""
    written = []
    for name, value in attrs.items():
        if value is not None:
            name = "class" if name == "cls" else name.replace("_", "-")
            text = f"{value:.1f}" if isinstance(value, float) else str(value)
            written.append(f'{name}="{esc(text)}"')
    return f"<{tag} {' '.join(written)}/>"


def text_at(
    x: float,
    y: float,
    content: str,
    *,
    anchor: str = "start",
    size: float = FONT,
    fill: str = INK,
    weight: str | None = None,
    halo: bool = False,
) -> str:
    """A ``<text>`` at (``x``, ``y``), its baseline at ``y``; ``content`` is escaped.

    With ``halo`` the glyphs get a white outline painted under them, so a label stays
    readable where it crosses grid or crosshair lines (labels placed next to points).
    """
    attrs = f'x="{x:.1f}" y="{y:.1f}" font-size="{size:g}" fill="{fill}"'
    if halo:
        attrs += ' stroke="#ffffff" stroke-width="3" stroke-linejoin="round" paint-order="stroke"'
    if anchor != "start":
        attrs += f' text-anchor="{anchor}"'
    if weight:
        attrs += f' font-weight="{weight}"'
    return f"<text {attrs}>{esc(content)}</text>"


def lines_at(x: float, y_mid: float, lines: Sequence[str], *, size: float = FONT, **kw) -> str:
    """Text lines vertically centred on ``y_mid``."""
    step = size * 1.2
    top = y_mid - step * (len(lines) - 1) / 2 + size * 0.35
    return "".join(text_at(x, top + i * step, line, size=size, **kw) for i, line in enumerate(lines))


def row_value(y_mid: float, text: str, fill: str, weight: str | None = "600") -> str:
    """A row's value, right-aligned at the right edge."""
    return text_at(WIDTH - 6, y_mid + 4, text, anchor="end", fill=fill, weight=weight)


def chart_svg(height: float, title: str, cls: str, body: Sequence[str]) -> str:
    """The finished ``<svg>`` of a chart ``height`` high, titled for screen readers."""
    h = math.ceil(height)
    return (
        f'<svg class="chart {cls}" viewBox="0 0 {WIDTH} {h}" width="{WIDTH}" height="{h}" '
        f'role="img" aria-label="{esc(title)}" preserveAspectRatio="xMinYMin meet">'
        f"<title>{esc(title)}</title>{''.join(body)}</svg>"
    )


def legend_row(entries: Sequence[tuple[str, str]], y: float, x: float = 0.0) -> list[str]:
    """A row of (swatch svg at (0,0), label) entries starting at ``x``."""
    out = []
    for swatch, label in entries:
        out.append(f'<g transform="translate({x:.1f},{y:.1f})">{swatch}</g>')
        out.append(text_at(x + 16, y + 4, label, size=FONT - 1, fill=MUTED))
        x += 16 + text_width(label, FONT - 1) + 22
    return out


def swatch_rect(colour: str) -> str:
    """A legend swatch: a small filled rectangle centred on the legend line; a colour too
    light to see on the white page (a neutral grade) gets a thin grey edge."""
    edge = ' stroke="#9aa5b1" stroke-width="0.8"' if contrast_ratio(colour, "#ffffff") < 1.3 else ""
    return f'<rect x="0" y="-5" width="11" height="10" rx="2" fill="{colour}"{edge}/>'


def dot(cx: float, cy: float, *, hollow: bool = False, cls: str | None = None) -> str:
    """A mean as a dot: filled (the measured value) or ``hollow`` (the reference)."""
    if hollow:
        return el("circle", cls=cls, cx=cx, cy=cy, r=4.5, fill="#ffffff", stroke=DOT_A, stroke_width=2)
    return el("circle", cls=cls, cx=cx, cy=cy, r=4.5, fill=DOT_B)


def reference_line(x: float, y1: float, y2: float, cls: str | None = None) -> str:
    """A dashed vertical line at ``x`` (a cut-off or a parent's mean)."""
    return el(
        "line", cls=cls, x1=x, y1=y1, x2=x, y2=y2, stroke=ZERO, stroke_width=1.2, stroke_dasharray="4 3"
    )
