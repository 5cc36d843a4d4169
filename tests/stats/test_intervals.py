import numpy as np
import pytest

from servq.stats.intervals import t_interval, wilson_interval


def test_t_interval_matches_table_quantiles():
    # t_{0.975, df}: 12.706205 (1), 2.262157 (9), 1.983972 (100) from printed tables
    for n, t in ((2, 12.706204736), (10, 2.262157163), (101, 1.983971519)):
        lo, hi = t_interval(np.array([5.0]), np.array([2.0]), np.array([n]))
        assert hi[0] - 5.0 == pytest.approx(t * 2.0 / np.sqrt(n), rel=1e-8)
        assert 5.0 - lo[0] == pytest.approx(t * 2.0 / np.sqrt(n), rel=1e-8)


def test_t_interval_undefined_below_two():
    lo, hi = t_interval(np.array([5.0]), np.array([np.nan]), np.array([1.0]))
    assert np.isnan(lo[0]) and np.isnan(hi[0])


def test_t_interval_other_confidence():
    lo, hi = t_interval(np.array([0.0]), np.array([1.0]), np.array([11.0]), confidence=0.90)
    assert hi[0] == pytest.approx(1.812461123 / np.sqrt(11), rel=1e-8)  # t_{0.95, 10}


def test_wilson_by_hand():
    # p = 3/10, z = 1.959963985: centre = (0.3 + z^2/20) / (1 + z^2/10)
    z = 1.959963985
    centre = (0.3 + z * z / 20) / (1 + z * z / 10)
    half = z * np.sqrt(0.3 * 0.7 / 10 + z * z / 400) / (1 + z * z / 10)
    lo, hi = wilson_interval(np.array([0.3]), np.array([10.0]))
    assert lo[0] == pytest.approx(centre - half, abs=1e-9)
    assert hi[0] == pytest.approx(centre + half, abs=1e-9)
    assert lo[0] == pytest.approx(0.1077913, abs=1e-7)  # R: prop.test(3, 10, correct = FALSE)


def test_wilson_at_the_edges_stays_inside_zero_one():
    lo, hi = wilson_interval(np.array([0.0, 1.0]), np.array([20.0, 20.0]))
    assert lo[0] == 0.0 and 0 < hi[0] < 0.2
    assert 0.8 < lo[1] < 1 and hi[1] == pytest.approx(1.0)
    lo, _ = wilson_interval(np.array([np.nan]), np.array([0.0]))
    assert np.isnan(lo[0])
