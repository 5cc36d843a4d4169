"""Numbers as the JSON results hold them: finite floats, or None (JSON has no NaN)."""

from __future__ import annotations

import math

import numpy as np


def finite(value) -> float | None:
    """``value`` as a float, or None when it is missing, not a number, NaN or infinite.

    JSON has no NaN: a figure that cannot be computed is null (R's ``NA`` written by
    ``jsonlite::toJSON(x, na = "null")``).

    Parameters
    ----------
    value : number, None or anything else
        A Python or NumPy scalar.

    Returns
    -------
    float or None
        The finite float, or None.

    References
    ----------
    .. [1] Bray, T. (Ed.) (2017). *The JavaScript Object Notation (JSON) Data Interchange Format*.
       RFC 8259. Internet Engineering Task Force.
    .. [2] Ooms, J. (2014). The jsonlite package: a practical and consistent mapping between JSON
       data and R objects. arXiv:1403.2805.

    Examples
    --------
    R: ``jsonlite::toJSON(c(0.5, NaN, NA), na = "null")`` writes ``[0.5,null,null]``.

    >>> finite(np.float32(0.5)), finite(float("nan")), finite(None), finite("x")
    (0.5, None, None, None)
    """
    if value is None:
        return None
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def finite_list(values) -> list:
    """A vector or matrix as a (nested) list of :func:`finite` values, JSON-able.

    Parameters
    ----------
    values : array_like, 1-D or 2-D

    Returns
    -------
    list
        A list of floats / None for 1-D input; a list of such lists, one per row, for 2-D.

    References
    ----------
    .. [1] Bray, T. (Ed.) (2017). *The JavaScript Object Notation (JSON) Data Interchange Format*.
       RFC 8259. Internet Engineering Task Force.
    .. [2] Ooms, J. (2014). The jsonlite package: a practical and consistent mapping between JSON
       data and R objects. arXiv:1403.2805.

    Examples
    --------
    >>> finite_list(np.array([[1.0, np.nan], [np.inf, 2.0]]))  # R: jsonlite::toJSON(m, na = "null")
    [[1.0, None], [None, 2.0]]
    """
    if np.ndim(values) == 2:
        return [[finite(v) for v in row] for row in np.asarray(values)]
    return [finite(v) for v in values]
