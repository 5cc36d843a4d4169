"""Spike detection in weekly counts: Poisson tests against a moving baseline and the EWMA
chart, by hand, against scipy.stats.poisson and against base R (tests/golden/complaints_stats.R)."""

import json
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from servq.stats.spikes import SpikeError, ewma_counts, ewma_limits, poisson_spikes, poisson_tail, poisson_ucl

GOLDEN = Path(__file__).parents[1] / "golden" / "complaints_stats.json"


def nan_matrix(rows):
    return np.array([[np.nan if v is None else v for v in row] for row in rows], dtype=float)


@pytest.fixture(scope="module")
def golden():
    return json.loads(GOLDEN.read_text(encoding="utf-8"))


def test_tail_by_hand():
    # P(X >= 3 | 2) = 1 - e^-2 (1 + 2 + 2) = 1 - 5 e^-2 = 0.3233235838
    assert poisson_tail([3], [2.0])[0] == pytest.approx(1 - 5 * np.exp(-2), rel=1e-12)
    # P(X >= 1 | 0.5) = 1 - e^-0.5
    assert poisson_tail([1], [0.5])[0] == pytest.approx(1 - np.exp(-0.5), rel=1e-12)
    assert poisson_tail([0, 1, 4], [0.0, 0.0, 0.0]).tolist() == [1.0, 0.0, 0.0]


def test_tail_and_limit_against_scipy():
    e = np.array([0.3, 1.0, 2.5, 7.0, 40.0, 137.2])
    x = np.array([2, 4, 6, 15, 58, 170])
    assert poisson_tail(x, e) == pytest.approx(stats.poisson.sf(x - 1, e), rel=1e-10)
    for alpha in (0.05, 0.01, 0.001):
        u = poisson_ucl(e, alpha)
        # the smallest u with P(X > u) < alpha: u qualifies and u - 1 does not
        assert np.all(stats.poisson.sf(u, e) < alpha)
        assert np.all((u == 0) | (stats.poisson.sf(u - 1, e) >= alpha))


def test_one_cell_by_hand(golden):
    # baseline 2, 1, 3, 2: rate 8/4 = 2 a week; 9 complaints: p = 1 - ppois(8, 2) = 0.000237447
    s = poisson_spikes([[2, 1, 3, 2, 9]], baseline_weeks=4)
    plain = golden["spikes"]["plain"]
    assert s.expected[0, 4] == plain["expected"] == 2.0
    assert s.p[0, 4] == pytest.approx(plain["p"], rel=1e-10)
    assert s.ucl[0, 4] == plain["ucl"] == 5  # P(X > 5 | 2) = 0.0166 < 0.05 <= P(X > 4 | 2) = 0.0527
    assert s.flag.tolist() == [[False, False, False, False, True]]
    assert np.isnan(s.p[0, :4]).all()  # no baseline yet


def test_exposure_scales_the_expected_count():
    # weeks seen 7/7, 7/7, 7/7 then 2/7: baseline rate 21/3 = 7 a week, expected 7 * 2/7 = 2
    s = poisson_spikes([[7, 6, 8, 5]], baseline_weeks=3, exposure=[1, 1, 1, 2 / 7])
    assert s.expected[0, 3] == pytest.approx(2.0)
    assert s.p[0, 3] == pytest.approx(stats.poisson.sf(4, 2.0))
    # a partial first week counts with its share in the rate: (3 + 7) / (3/7 + 1) * 1 = 7
    s = poisson_spikes([[3, 7, 7]], baseline_weeks=2, exposure=[3 / 7, 1, 1])
    assert s.expected[0, 2] == pytest.approx(7.0)


def test_min_count_keeps_a_first_complaint_from_being_a_spike():
    s = poisson_spikes([[0, 0, 0, 1], [0, 0, 0, 3]], baseline_weeks=3, correction="none", min_count=3)
    assert s.p[:, 3].tolist() == [0.0, 0.0]  # baseline 0: any complaint has probability 0
    assert s.flag[:, 3].tolist() == [False, True]


def test_holm_and_bonferroni_within_each_week():
    # the last week tests three cells (expected 5 each); Holm multiplies the i-th smallest of
    # m = 3 p-values by m - i + 1 and keeps the sequence non-decreasing; Bonferroni by 3
    counts = [[5, 5, 5, 11], [5, 5, 5, 13], [5, 5, 5, 5]]
    raw = poisson_spikes(counts, baseline_weeks=3, correction="none")
    holm = poisson_spikes(counts, baseline_weeks=3, correction="holm")
    bonf = poisson_spikes(counts, baseline_weeks=3, correction="bonferroni")
    p = raw.p[:, 3]
    order = np.argsort(p)
    m = 3
    expected = np.empty(3)
    expected[order] = np.maximum.accumulate(np.minimum(1, (m - np.arange(m)) * p[order]))
    assert holm.p_adjusted[:, 3] == pytest.approx(expected)
    assert bonf.p_adjusted[:, 3] == pytest.approx(np.minimum(1, 3 * p))
    assert raw.p_adjusted[:, 3] == pytest.approx(p)


def test_against_r(golden):
    g = golden["spikes"]
    counts = np.array(g["counts"])
    for method, key in (("holm", "p_holm"), ("bonferroni", "p_bonferroni")):
        s = poisson_spikes(counts, baseline_weeks=g["baseline_weeks"], alpha=g["alpha"], correction=method,
                           exposure=g["exposure"])
        np.testing.assert_allclose(s.expected, nan_matrix(g["expected"]), rtol=1e-12, equal_nan=True)
        np.testing.assert_allclose(s.p, nan_matrix(g["p"]), rtol=1e-9, atol=1e-15, equal_nan=True)
        np.testing.assert_allclose(s.p_adjusted, nan_matrix(g[key]), rtol=1e-9, atol=1e-15, equal_nan=True)
        np.testing.assert_array_equal(s.ucl, nan_matrix(g["ucl"]))
        flags = (np.nan_to_num(nan_matrix(g[key]), nan=1) < g["alpha"]) & (counts >= 3)
        np.testing.assert_array_equal(s.flag, flags)
    # the planted spikes (cell 2 week 12, cell 4 week 14; 1-based in R) are found by Holm
    s = poisson_spikes(counts, baseline_weeks=4, exposure=g["exposure"])
    assert s.flag[1, 11] and s.flag[3, 13]
    found = s.to_dict()["spikes"]
    assert {(h["cell"], h["week"]) for h in found} == set(zip(*np.nonzero(s.flag)))


def test_bad_arguments():
    with pytest.raises(SpikeError):
        poisson_spikes([1, 2, 3])
    with pytest.raises(SpikeError):
        poisson_spikes([[1, 2, 3]], correction="BH")
    with pytest.raises(SpikeError):
        poisson_spikes([[1, 2, 3]], exposure=[1, 1])
    with pytest.raises(SpikeError):
        ewma_counts([[1, 2]], lam=0)


def test_ewma_by_hand():
    # mu0 = 4, lambda 0.2, L = 3: sigma = 2; z = 4, 5, 6.4
    # UCL_t = 4 + 6 sqrt(0.2/1.8 (1 - 0.8^(2t))): t=1 -> 4 + 6*sqrt(0.04) = 5.2
    c = ewma_counts([[4, 9, 12]], mu0=[4.0])
    assert c.z[0].tolist() == pytest.approx([4.0, 5.0, 6.4])
    assert c.ucl[0, 0] == pytest.approx(5.2)
    assert c.ucl[0, 2] == pytest.approx(4 + 6 * np.sqrt(0.2 / 1.8 * (1 - 0.8 ** 6)))
    assert c.lcl[0, 0] == pytest.approx(2.8)
    assert c.flag[0].tolist() == [False, False, True]
    # the limits approach the asymptotic mu0 + L sigma sqrt(lambda / (2 - lambda))
    lo, hi = ewma_limits(4.0, 0.2, 3.0, [200])
    assert hi[0] == pytest.approx(4 + 6 * np.sqrt(0.2 / 1.8))
    # LCL clipped at 0 for small means
    lo, _ = ewma_limits(0.5, 0.2, 3.0, [50])
    assert lo[0] == 0.0


def test_ewma_against_r(golden):
    g = golden["ewma"]
    counts = np.array(golden["spikes"]["counts"])
    c = ewma_counts(counts, lam=g["lambda"], L=g["L"], baseline_weeks=g["baseline_weeks"])
    np.testing.assert_allclose(c.centre, g["centre"], rtol=1e-12)
    np.testing.assert_allclose(c.z, nan_matrix(g["z"]), rtol=1e-12, equal_nan=True)
    np.testing.assert_allclose(c.ucl, nan_matrix(g["ucl"]), rtol=1e-12, equal_nan=True)
    np.testing.assert_allclose(c.lcl, nan_matrix(g["lcl"]), rtol=1e-12, atol=1e-12, equal_nan=True)
    assert c.start == 4 and not c.flag[:, :4].any()


def test_ewma_retrospective_mean_of_all_weeks():
    c = ewma_counts([[2, 4, 6, 8]])
    assert c.centre.tolist() == [5.0]
    assert c.z[0, 0] == pytest.approx(0.2 * 2 + 0.8 * 5)


def test_share_spikes_match_r_binom_test_holm_and_qbinom():
    """tests/golden/spikes_share.R: binom.test(x, N_t, share, alternative = "greater"),
    p.adjust(holm) within each week, qbinom(0.95, N_t, share)."""
    import json
    from pathlib import Path

    from servq.stats.spikes import share_spikes

    ref = json.loads((Path(__file__).parents[1] / "golden" / "spikes_share.json").read_text())
    got = share_spikes(ref["counts"], baseline_weeks=ref["k"][0], correction="holm")

    def arr(key):
        return np.array([[np.nan if v is None else v for v in row] for row in ref[key]], dtype=float)

    for key in ("expected", "p", "p_adjusted", "ucl"):
        np.testing.assert_allclose(getattr(got, key), arr(key), rtol=1e-9, atol=1e-12, equal_nan=True, err_msg=key)
    # week 7: cell 1 has 14 of 53 where its share was 18/109 -> a spike; in week 6 the two large
    # cells double together and no cell stands out from its share
    assert got.flag[:, 6].tolist() == [True, False, False, False] and not got.flag[:, 5].any()
