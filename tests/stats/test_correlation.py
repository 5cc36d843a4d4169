"""servq.stats.correlation: pairwise R as R ``cor(x, use = "pairwise")``, SMCs as ``psych::smc``."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from servq.stats.correlation import as_correlation, pairwise_correlation, smc, smc_if_dropped

TESTS = Path(__file__).resolve().parents[1]
BFI = pd.read_csv(TESTS / "golden" / "data" / "bfi.csv").iloc[:, :25]
HS = pd.read_csv(TESTS / "golden" / "data" / "HolzingerSwineford1939.csv")[[f"x{i}" for i in range(1, 10)]]


def test_pairwise_correlation_matches_pandas():
    np.testing.assert_allclose(pairwise_correlation(BFI.to_numpy()), BFI.corr().to_numpy(), atol=1e-12)
    full = HS.to_numpy()
    np.testing.assert_allclose(pairwise_correlation(full), np.corrcoef(full, rowvar=False), atol=1e-12)


def test_listwise_uses_complete_rows():
    r, items, n = as_correlation(BFI, missing="listwise")
    complete = BFI.dropna()
    assert n == len(complete) < len(BFI) and items == list(BFI.columns)
    np.testing.assert_allclose(r, complete.corr().to_numpy(), atol=1e-12)
    assert as_correlation(BFI)[2] == len(BFI)  # pairwise: psych's n.obs is all rows


def test_a_covariance_matrix_is_rescaled_and_n_kept():
    cov = HS.cov().to_numpy()
    r, items, n = as_correlation(cov, n=301)
    np.testing.assert_allclose(r, HS.corr().to_numpy(), atol=1e-12)
    assert items == [f"V{i}" for i in range(1, 10)] and n == 301
    with pytest.raises(ValueError, match="give n only with a correlation matrix"):
        as_correlation(HS, n=301)


def test_an_item_without_variation_is_named():
    x = BFI.iloc[:50, :3].copy()
    x["A2"] = 4.0
    with pytest.raises(ValueError, match="'A2'"):
        as_correlation(x)


def test_smc_is_one_minus_the_inverse_diagonal_and_survives_a_singular_matrix():
    r = BFI[[f"A{i}" for i in range(1, 6)]].corr().to_numpy()
    np.testing.assert_allclose(smc(r), 1 - 1 / np.diag(np.linalg.inv(r)), atol=1e-12)
    x = HS.to_numpy()
    singular = np.corrcoef(np.column_stack([x, x[:, 0] + x[:, 1]]), rowvar=False)
    s = smc(singular)
    assert np.all(np.isfinite(s) & (s >= 0) & (s <= 1))


def test_smc_downdate_equals_one_inverse_per_dropped_item():
    r = BFI[[f"A{i}" for i in range(1, 6)] + [f"C{i}" for i in range(1, 6)]].corr().to_numpy()
    fast = smc_if_dropped(r)
    for i in range(r.shape[0]):
        keep = np.arange(r.shape[0]) != i
        np.testing.assert_allclose(fast[i, keep], smc(r[np.ix_(keep, keep)]), atol=1e-12)
