"""The vectorised studentized range distribution against R (ptukey, and qtukey tightened by
uniroot on ptukey; tests/golden/compare_wiring.R) and against closed forms."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from servq.stats import studentized_range as sr

REF = json.loads((Path(__file__).parents[1] / "golden" / "compare_wiring.json").read_text(encoding="utf-8"))
SF = REF["studentized_range"]["sf"]
Q95 = REF["studentized_range"]["q95"]


def test_tail_probabilities_match_ptukey_and_scipy():
    """R's ptukey is itself off by up to 1e-4 at df <= 3.5 (k = 2, df = 2, q = 2: exact
    2·P(T_2 > √2) = 0.2928932, ptukey 0.2928672) and ~5e-8 for k = 20: R is the reference
    from df = 5 at 1e-7; SciPy's separate adaptive integration is the reference everywhere."""
    q, k, df, ref = (np.array([row[key] for row in SF]) for key in ("q", "k", "df", "sf"))
    for kk in np.unique(k):
        at = k == kk
        got = sr.sf(q[at], int(kk), df[at])
        ok = df[at] >= 5
        np.testing.assert_allclose(got[ok], ref[at][ok], atol=1e-7)
        np.testing.assert_allclose(got, stats.studentized_range.sf(q[at], int(kk), df[at]), atol=1e-9)


def test_quantiles_match_r():
    """Against R to 1e-5 from df = 5 (R's quantile inherits ptukey's error: 3e-6 at k = 20,
    df = 5), and the few at df = 3 against SciPy's quantile to 1e-8."""
    k, df, ref = (np.array([row[key] for row in Q95]) for key in ("k", "df", "q95"))
    for kk in np.unique(k):
        at = k == kk
        got = sr.ppf(0.95, int(kk), df[at])
        ok = df[at] >= 5
        np.testing.assert_allclose(got[ok], ref[at][ok], atol=1e-5)
        assert got[~ok] == pytest.approx(stats.studentized_range.ppf(0.95, int(kk), df[at][~ok]), abs=1e-8)
    assert sr.ppf(0.95, 20, 5.0) == pytest.approx(8.2080379966, abs=1e-9)  # SciPy: 8.20803799664


def test_two_groups_is_the_t_distribution():
    # Q_{2,ν} = √2·|T_ν|, so P(Q > q) = 2·P(T_ν > q/√2): checks the far tail as well
    q = np.array([0.5, 3.0, 8.0, 12.0])
    for df in (3.0, 40.0, 1000.0):
        exact = 2 * stats.t.sf(q / np.sqrt(2), df)
        np.testing.assert_allclose(sr.sf(q, 2, np.full(q.size, df)), exact, rtol=1e-6, atol=1e-15)


def test_interpolated_quantiles_equal_the_direct_ones():
    rng = np.random.default_rng(3)
    for k, lo, hi in ((4, 4, 200), (12, 4, 150), (20, 1.2, 300)):
        df = np.r_[rng.uniform(lo, hi, 40), lo, hi]
        assert np.unique(df).size > sr.INTERPOLATE_ABOVE
        np.testing.assert_allclose(sr.ppf_many(0.95, k, df), sr.ppf(0.95, k, df), atol=1e-7)
    few = np.array([5.0, 9.0, 5.0])
    np.testing.assert_array_equal(sr.ppf_many(0.9, 3, few), sr.ppf(0.9, 3, few))


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="k >= 2"):
        sr.sf(1.0, 1, 5.0)
    with pytest.raises(ValueError, match="df > 0"):
        sr.sf(1.0, 3, 0.0)
    with pytest.raises(ValueError, match="0 < p < 1"):
        sr.ppf(1.0, 3, 5.0)
    assert sr.sf(0.0, 3, 5.0) == 1.0


def test_a_pairs_probability_does_not_depend_on_the_pairs_computed_with_it():
    """Games–Howell p-values of one analysis are computed together; a pair with a huge Welch
    df used to get the longer quadrature when a small-df pair shared its block, moving its
    p-value in the ninth digit — so two partitionings of the same data (Spark, local)
    disagreed. Each pair's quadrature now follows its own df."""
    import numpy as np

    from servq.stats.studentized_range import sf

    alone = sf([3.1934], 12, [4300741.6])[0]
    together = sf([3.1934, 2.5, 3.0], 12, [4300741.6, 20.0, 150.0])
    assert abs(together[0] - alone) <= 1e-13 * alone
    # independently: SciPy integrates at df = 1e4 and gives the df -> infinity limit (the
    # range of 12 normals); between them the tail moves as 1/df
    from scipy.stats import studentized_range

    limit = studentized_range.sf(3.1934, 12, np.inf)
    slope = (studentized_range.sf(3.1934, 12, 1e4) - limit) * 1e4
    assert abs(alone - (limit + slope / 4300741.6)) < 1e-10


def test_small_df_tail_is_integrated_to_the_claimed_accuracy():
    """At ν near 1 (Games–Howell with a group of two answers) the left tail of log s spans 57
    units; integrated as one Gauss–Legendre panel in u it was off by 1.8e-5 at q = 400 and by
    1.2e-7 at the 95% point of k = 5, ν = 1.01 (found by tests/stats/test_heldout_round3.py
    against SciPy; an adaptive quad of the same double integral gives SciPy's 0.0499998814)."""
    q = np.array([0.5, 2.0, 5.0, 10.0, 36.0, 100.0, 400.0, 2000.0])
    for df in (1.0, 1.01, 1.2, 1.5, 2.0, 3.5, 5.0, 10.0, 30.0, 99.0):
        exact = 2 * stats.t.sf(q / np.sqrt(2), df)
        np.testing.assert_allclose(sr.sf(q, 2, np.full(q.size, df)), exact, rtol=0, atol=1e-9)
    df = np.array([1.0102257296, 1.05, 1.3, 2.2])
    for k, qs in ((5, 36.12978358264637), (20, 12.0), (20, 60.0)):
        want = [stats.studentized_range.sf(qs, k, d) for d in df]
        np.testing.assert_allclose(sr.sf(np.full(df.size, qs), k, df), want, rtol=1e-9, atol=1e-13)
    assert sr.sf(np.array([36.12978358264637]), 5, np.array([1.0102257296]))[0] == pytest.approx(0.04999988137472, abs=1e-13)
