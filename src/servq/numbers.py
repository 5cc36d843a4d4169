"""Numbers as the JSON results hold them."""

from __future__ import annotations

import math


def finite(value) -> float | None:
    """``value`` as a float, or None when it is missing, not a number, NaN or infinite
    (JSON has no NaN: a figure that cannot be computed is null)."""
    if value is None:
        return None
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None
