"""servq.stats.numbers: what the JSON results hold (finite floats or null)."""

import json
import math

import numpy as np
import pandas as pd

from servq.stats.numbers import finite, finite_list


def test_finite_is_a_float_or_none():
    assert finite(np.int64(3)) == 3.0 and type(finite(np.int64(3))) is float
    assert [finite(v) for v in (None, math.nan, math.inf, -math.inf, "x", pd.NA)] == [None] * 6
    assert finite("2.5") == 2.5  # what float() reads, as before the move from servq.numbers


def test_finite_list_keeps_the_shape_and_is_json():
    m = np.array([[1.0, np.nan, 2.0], [np.inf, 0.5, -1.0]])
    out = finite_list(m)
    assert out == [[1.0, None, 2.0], [None, 0.5, -1.0]]
    assert json.loads(json.dumps(out, allow_nan=False)) == out
    assert finite_list(pd.Series([1, np.nan])) == [1.0, None]
    assert finite_list([]) == []
