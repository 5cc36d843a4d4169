"""Value axes: round tick steps, tick labels and the mapping from values to x or y."""

from __future__ import annotations

import math
from collections.abc import Sequence

from servq.report.charts.colour import GRID, MUTED
from servq.report.charts.svg import FONT, Fmt, el, text_at


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


def tick_label(fmt: Fmt, value: float, digits: int) -> str:
    """Format a tick with fewer decimals, reusing ``fmt``'s decimal mark and minus."""
    text = fmt(value)
    mark = next((ch for ch in reversed(text) if not ch.isdigit()), None)
    if mark is None or mark in "−-+":
        return text
    whole, _, frac = text.rpartition(mark)
    return whole + (mark + frac[:digits] if digits else "")


class Axis:
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
            label = tick_label(self.fmt, tick, self.digits)
            out.append(el("line", x1=x, y1=top, x2=x, y2=bottom, stroke=GRID, stroke_width=1))
            out.append(text_at(x, bottom + 15, label, anchor="middle", size=FONT - 1, fill=MUTED))
        return out

    def y_grid(self, left: float, right: float) -> list[str]:
        """For an upright axis: a horizontal line per tick from ``left`` to ``right``, its
        value at the left."""
        out = []
        for tick in self.ticks:
            y = self(tick)
            out.append(el("line", x1=left, y1=y, x2=right, y2=y, stroke=GRID, stroke_width=1))
            label = tick_label(self.fmt, tick, self.digits)
            out.append(text_at(left - 6, y + 4, label, anchor="end", size=FONT - 1, fill=MUTED))
        return out


def padded_range(values: Sequence[float], share: float = 0.12) -> tuple[float, float]:
    """The range of ``values`` widened by ``share`` of its width on each side (or a little, if flat)."""
    lo, hi = min(values), max(values)
    pad = (hi - lo) * share or max(abs(hi) * 0.1, 0.5)
    return lo - pad, hi + pad
