"""The Poisson bootstrap's weights: their distribution, independence and reproducibility."""

from __future__ import annotations

import math

import numpy as np
import pytest

from servq.stats.bootstrap import poisson_counts, replicate_moments, replicate_sums

N = 1_000_000


def test_counts_follow_poisson_one():
    k = poisson_counts(np.arange(N), range(2), seed=11).ravel().astype(np.int64)
    freq = np.bincount(k, minlength=8)[:8] / k.size
    for j in range(8):
        p = math.exp(-1) / math.factorial(j)
        assert abs(freq[j] - p) < 5 * math.sqrt(p * (1 - p) / k.size), j  # five standard errors
    assert abs(k.mean() - 1) < 5 / math.sqrt(k.size) and abs(k.var() - 1) < 5 * math.sqrt(3 / k.size)


def test_replicates_streams_and_seeds_are_independent():
    base = poisson_counts(np.arange(N), [0], seed=1)[0].astype(float)
    others = [poisson_counts(np.arange(N), [1], seed=1)[0], poisson_counts(np.arange(N), [0], seed=1, stream=1)[0],
              poisson_counts(np.arange(N), [0], seed=2)[0], poisson_counts(np.arange(1, N + 1), [0], seed=1)[0]]
    for other in others:
        assert abs(np.corrcoef(base, other.astype(float))[0, 1]) < 5 / math.sqrt(N)


def test_a_rows_count_does_not_depend_on_the_others_asked_with_it():
    rows = np.arange(1000)
    whole = poisson_counts(rows, range(5), seed=3)
    rng = np.random.default_rng(0)
    pick = rng.permutation(1000)[:77]
    np.testing.assert_array_equal(poisson_counts(pick, range(5), seed=3), whole[:, pick])
    np.testing.assert_array_equal(poisson_counts(rows[5:13], [4, 1], seed=3), whole[[4, 1], 5:13])


def test_sums_are_the_same_for_any_split_and_match_weighted_moments():
    rng = np.random.default_rng(5)
    x = rng.normal(3, 1, size=(301, 3))
    rows = np.arange(301) * 2 + 7  # numbers need not be consecutive
    whole = replicate_sums(x, rows, 6, seed=4, stream=2)
    cuts = [0, 1, 100, 211, 301]
    parts = sum(replicate_sums(x[a:b], rows[a:b], 6, seed=4, stream=2) for a, b in zip(cuts, cuts[1:]))
    np.testing.assert_allclose(parts, whole, rtol=1e-12)
    # the same counts; the sums may differ in the last bit (another order of the additions)
    np.testing.assert_allclose(replicate_sums(x, rows, [3, 5], seed=4, stream=2), whole[[3, 5]], rtol=1e-13)
    weight, mean, cov = replicate_moments(whole, 3)
    for b, k in enumerate(poisson_counts(rows, range(6), seed=4, stream=2)):
        assert weight[b] == k.sum()
        np.testing.assert_allclose(mean[b], np.average(x, axis=0, weights=k), rtol=1e-12)
        np.testing.assert_allclose(cov[b], np.cov(x.T, aweights=k, bias=True), rtol=1e-10, atol=1e-12)


def test_out_of_range_numbers_are_refused():
    with pytest.raises(ValueError, match="row numbers"):
        poisson_counts(np.array([-1, 2]), [0], seed=1)
    with pytest.raises(ValueError, match="seed and stream"):
        poisson_counts(np.array([1]), [0], seed=-1)
    with pytest.raises(ValueError, match="replicate"):
        poisson_counts(np.array([1]), [-2], seed=1)
    assert poisson_counts(np.array([], dtype=np.int64), range(3), seed=1).shape == (3, 0)
