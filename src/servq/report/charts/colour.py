"""The charts' colours, and colour arithmetic: WCAG contrast and the red–white–blue scale."""

from __future__ import annotations

import math
from collections.abc import Sequence

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
    if value is None or not math.isfinite(value):
        return SUPPRESSED_FILL
    neg, mid, pos = (_rgb(c) for c in DIVERGING)
    share = max(-1.0, min(1.0, (value - centre) / half_range)) if half_range > 0 else 0.0
    end = neg if share < 0 else pos
    w = abs(share)
    return _hex([m + (e - m) * w for m, e in zip(mid, end)])
