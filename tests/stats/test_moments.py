import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from servq.stats import moments as mom
from servq.stats.moments import Moments

values = arrays(np.float64, st.tuples(st.integers(1, 40), st.integers(1, 4)),
                elements=st.one_of(st.just(np.nan), st.integers(-5, 9).map(float)))


def close(a, b):
    np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10, equal_nan=True)


@given(values, st.data())
def test_merge_of_chunks_equals_whole(x, data):
    cut = data.draw(st.integers(0, x.shape[0]))
    whole = Moments.of(x, shift=np.full(x.shape[1], 3.0))
    merged = Moments.of(x[:cut], shift=whole.shift) + Moments.of(x[cut:], shift=whole.shift)
    close(whole.n, merged.n)
    close(whole.mean(), merged.mean())
    close(whole.var(), merged.var())


@given(values)
def test_against_numpy(x):
    m = Moments.of(x, shift=np.full(x.shape[1], 2.0))
    for j in range(x.shape[1]):
        col = x[~np.isnan(x[:, j]), j]
        assert m.n[0, j] == len(col)
        if len(col):
            assert m.mean()[0, j] == pytest.approx(col.mean(), abs=1e-10)
        if len(col) > 1:
            assert m.var()[0, j] == pytest.approx(col.var(ddof=1), abs=1e-9)
        else:
            assert np.isnan(m.var()[0, j])


@settings(max_examples=50)
@given(values, st.data())
def test_grouped_dense_and_bincount_paths_agree_with_direct_sums(x, data):
    rows = x.shape[0]
    g1 = np.array(data.draw(st.lists(st.integers(-1, 2), min_size=rows, max_size=rows)))
    g2 = np.array(data.draw(st.lists(st.integers(3, 5), min_size=rows, max_size=rows)))
    dense = Moments.of(x, [g1, g2], 6)
    old = mom._DENSE_GROUPS
    mom._DENSE_GROUPS = 0
    try:
        sparse = Moments.of(x, [g1, g2], 6)
    finally:
        mom._DENSE_GROUPS = old
    close(dense.n, sparse.n)
    close(dense.s, sparse.s)
    close(dense.ss, sparse.ss)
    for g in range(6):
        rows_g = (g1 == g) | (g2 == g)
        direct = Moments.of(x[rows_g]) if rows_g.any() else Moments.empty(x.shape[1])
        close(dense.n[g], direct.n[0])
        close(dense.s[g], direct.s[0])


def test_large_mean_small_sd_keeps_precision():
    rng = np.random.default_rng(3)
    x = (1e8 + rng.normal(0, 1e-3, 10_000))[:, None]
    m = Moments.of(x, shift=np.array([1e8]))
    assert m.sd()[0, 0] == pytest.approx(x[:, 0].std(ddof=1), rel=1e-6)


def test_growing_groups_when_merging():
    a = Moments.of(np.ones((2, 1)), [np.array([0, 0])], 1)
    b = Moments.of(np.ones((2, 1)), [np.array([1, 2])], 3)
    total = a + b
    assert total.n[:, 0].tolist() == [2, 1, 1]


def test_merge_refuses_different_shifts():
    with pytest.raises(ValueError, match="different shifts"):
        Moments.empty(2) + Moments.empty(2, shift=np.ones(2))


@given(arrays(np.float64, st.tuples(st.integers(4, 40), st.integers(2, 4)),
              elements=st.one_of(st.just(np.nan), st.integers(1, 7).map(float))), st.data())
def test_cross_moments_match_pandas_pairwise_and_merge(x, data):
    import pandas as pd

    from servq.stats.moments import CrossMoments

    cut = data.draw(st.integers(0, x.shape[0]))
    shift = np.full(x.shape[1], 4.0)
    cm = CrossMoments.of(x[:cut], shift) + CrossMoments.of(x[cut:], shift)
    frame = pd.DataFrame(x)
    close(cm.cov(), frame.cov().to_numpy())  # pandas: pairwise-complete, ddof 1
    with np.errstate(invalid="ignore", divide="ignore"):
        r = cm.cor()
    expected = frame.corr().to_numpy().copy()
    np.fill_diagonal(expected, 1.0)
    np.testing.assert_allclose(r, expected, rtol=1e-9, atol=1e-9, equal_nan=True)
    complete = x[~np.isnan(x).any(axis=1)]
    if len(complete) > 1:
        close(cm.cov(listwise=True), np.cov(complete, rowvar=False))
        close(cm.mean(listwise=True), complete.mean(axis=0))


@given(arrays(np.float64, st.tuples(st.integers(1, 40), st.integers(2, 6)),
              elements=st.one_of(st.just(np.nan), st.integers(1, 7).map(float))), st.integers(1, 3))
def test_cross_moments_of_each_head_equals_stacking_it(x, heads):
    """The key-driver path (several outcomes, the same predictors) gives what stacking
    each outcome on the predictors gives, whatever is missing; an outcome with no value
    still adds the predictors' pairs."""
    from servq.stats.moments import CrossMoments

    heads = min(heads, x.shape[1] - 1)
    h, rest = x[:, :heads].T.copy(), x[:, heads:].T
    h[-1] = np.nan
    head_shift, shift = np.arange(heads) + 2.0, np.full(rest.shape[0], 4.0)
    for i, got in enumerate(CrossMoments.of_each(h, rest, head_shift, shift)):
        want = CrossMoments.of(np.vstack([h[i], rest]).T, np.concatenate([[head_shift[i]], shift]))
        for field in ("n", "s", "s2", "q", "n_complete", "s_complete", "q_complete", "shift"):
            close(getattr(got, field), getattr(want, field))


@given(arrays(np.float64, st.tuples(st.integers(3, 40), st.integers(2, 4)),
              elements=st.one_of(st.just(np.nan), st.integers(1, 7).map(float))), st.data())
def test_paired_moments_are_psychs_item_total_correlation_and_merge(x, data):
    """Each column with the row mean over the answered columns, over the rows answering
    the column: R's cor(x, rowMeans(x, na.rm = TRUE), use = "pairwise"), as psych::alpha's
    raw.r; any split of the rows merges to the same."""
    import pandas as pd

    from servq.stats.moments import PairedMoments

    cut = data.draw(st.integers(0, x.shape[0]))
    answered = (~np.isnan(x)).sum(axis=1)
    total = np.divide(np.nansum(x, axis=1), answered, out=np.full(len(x), np.nan), where=answered > 0)
    y = np.repeat(total[:, None], x.shape[1], axis=1)
    shift = np.full(x.shape[1], 4.0)
    pm = PairedMoments.of(x[:cut], y[:cut], shift, shift) + PairedMoments.of(x[cut:], y[cut:], shift, shift)
    frame = pd.DataFrame(x)
    expected = [frame[j].corr(pd.Series(total)) for j in range(x.shape[1])]  # pairwise-complete
    with np.errstate(invalid="ignore", divide="ignore"):
        got = pm.cor()
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-9, equal_nan=True)
    close(pm.n, (~np.isnan(x)).sum(axis=0))
    mean_x, mean_y = pm.mean()
    close(mean_x, [np.mean(x[~np.isnan(x[:, j]), j]) if (~np.isnan(x[:, j])).any() else np.nan
                   for j in range(x.shape[1])])
    close(mean_y, [np.mean(total[~np.isnan(x[:, j])]) if (~np.isnan(x[:, j])).any() else np.nan
                   for j in range(x.shape[1])])


def test_paired_moments_empty_and_shifts():
    from servq.stats.moments import PairedMoments

    empty = PairedMoments.empty(2, np.ones(2), np.ones(2))
    x = np.array([[1.0, 2.0], [2.0, 4.0], [3.0, 7.0]])
    pm = PairedMoments.of(x, x[:, ::-1], np.ones(2), np.ones(2))
    close((empty + pm).cor(), pm.cor())
    close(pm.cor(), [np.corrcoef(x[:, 0], x[:, 1])[0, 1]] * 2)
    with pytest.raises(ValueError, match="different shifts"):
        empty + PairedMoments.empty(2)
