"""The instrument's answer scale as the report's charts use it.

A chart of means either shows the whole answer scale (bars must start at the scale
minimum, or their lengths mislead) or, for dots and bands, only the part of it around
the values (:func:`zoom`), so that differences between means are visible.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence


def answer_scale(results: Mapping) -> tuple[int, int]:
    """The lowest and highest answer of the instrument's scale (1 to 7 when not given).

    >>> answer_scale({"instrument": {"scale": {"min": 1, "max": 5}}}), answer_scale({})
    ((1, 5), (1, 7))
    """
    scale = (results.get("instrument") or {}).get("scale") or {}
    return int(scale.get("min", 1)), int(scale.get("max", 7))


def zoom(results: Mapping, values: Sequence[float | None]) -> tuple[float, float]:
    """The answer scale narrowed to whole numbers around ``values`` (at least 2 wide).

    Dot and band charts show differences between means, so they need not start at the
    scale minimum the way bars must. Missing and non-finite values are ignored; with
    none left the whole scale is returned.

    >>> seven = {"instrument": {"scale": {"min": 1, "max": 7}}}
    >>> zoom(seven, [5.1, 5.6]), zoom(seven, [4.8, None, 6.9]), zoom(seven, [1.1]), zoom(seven, [])
    ((4, 6), (4, 7), (1, 3), (1, 7))
    """
    lo, hi = answer_scale(results)
    finite = [v for v in values if isinstance(v, (int, float)) and math.isfinite(v)]
    if not finite:
        return lo, hi
    z_lo = max(lo, math.floor(min(finite) - 0.25))
    z_hi = min(hi, math.ceil(max(finite) + 0.25))
    while z_hi - z_lo < 2 and (z_lo > lo or z_hi < hi):
        z_lo, z_hi = max(lo, z_lo - 1), min(hi, z_hi + 1)
    return z_lo, z_hi
