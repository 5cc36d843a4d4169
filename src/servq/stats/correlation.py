"""Correlation matrices from answers or from a matrix, and squared multiple correlations.

Shared by :mod:`.efa`, :mod:`.omega` and :mod:`.reliability`. Everything works from sufficient
statistics: :func:`pairwise_correlation` from the pairwise cross-moments
(:class:`~servq.stats.moments.CrossMoments`), :func:`smc` and :func:`smc_if_dropped` from a
correlation matrix R.

- Pairwise R: for items i, j, Pearson's r over the rows where both are answered
  (R ``cor(x, use = "pairwise")``).
- SMC (squared multiple correlation of each item with the others):
  smc_i = 1 − 1/(R⁺)_ii, R⁺ the pseudo-inverse, clipped to [0, 1] (``psych::smc``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .moments import CrossMoments


def pairwise_correlation(x: np.ndarray, items: list[str] | None = None) -> np.ndarray:
    """Pearson correlations over pairwise-complete rows (NaN = missing), as R ``cor(x, use = "pairwise")``.

    Computed from the sufficient statistics of each pair (:class:`~servq.stats.moments.CrossMoments`).

    Parameters
    ----------
    x : (n, p) array
        Answers, one row per respondent; NaN = missing.
    items : list of str, optional
        Item names for the error messages (default ``V1`` … ``Vp``).

    Returns
    -------
    (p, p) array
        Symmetric, unit diagonal, entries clipped to [−1, 1].

    Raises
    ------
    ValueError
        An item with fewer than 2 answers or no variation, or a pair with fewer than 2 rows
        answering both (the message names the items).

    References
    ----------
    Pearson, K. (1896). Mathematical contributions to the theory of evolution. III.
    Regression, heredity, and panmixia. Philosophical Transactions of the Royal Society of
    London A, 187, 253–318. R Core Team. R: A Language and Environment for Statistical
    Computing (``stats::cor``, ``use = "pairwise.complete.obs"``).

    Examples
    --------
    >>> x = np.array([[1.0, 2.0], [2.0, np.nan], [3.0, 5.0], [4.0, 4.0]])
    >>> round(float(pairwise_correlation(x)[0, 1]), 6)  # R: cor(x, use = "pairwise")
    0.785714
    """
    x = np.asarray(x, dtype=np.float64)
    items = items or [f"V{i + 1}" for i in range(x.shape[1])]
    cm = CrossMoments.of(x, np.nanmean(np.where(np.isnan(x).all(axis=0), 0.0, x), axis=0)
                         if x.size else None)
    bad = np.flatnonzero((np.diag(cm.n) < 2) | ~(np.diag(cm.cov()) > 0))
    if bad.size:
        raise ValueError(f"cannot correlate item {items[bad[0]]!r}: fewer than 2 answers or no variation")
    r = cm.cor()
    pairs = np.argwhere(~np.isfinite(r) | (cm.n < 2))
    if pairs.size:
        i, j = pairs[0]
        raise ValueError(f"cannot correlate {items[i]!r} with {items[j]!r}: fewer than 2 rows with "
                         "both answered, or no variation in them")
    r = np.clip((r + r.T) / 2, -1.0, 1.0)
    np.fill_diagonal(r, 1.0)
    return r


def _is_matrix(x: np.ndarray) -> bool:
    return (x.shape[0] == x.shape[1] and not np.isnan(x).any() and bool(np.all(np.diag(x) > 0))
            and np.allclose(x, x.T, rtol=0, atol=1e-8))


def as_correlation(data, n: int | None = None,
                   missing: str = "pairwise") -> tuple[np.ndarray, list[str], int | None]:
    """(R, item names, n) from raw data or from a correlation / covariance matrix.

    Raw data: R from pairwise-complete rows (``missing="pairwise"``, psych's default) or
    complete rows (``"listwise"``); n is the number of rows used (all rows for pairwise, as
    psych's ``n.obs``). A matrix (square, symmetric, positive diagonal, no NaN): rescaled to
    a correlation matrix (R ``cov2cor``); ``n`` as given.

    Parameters
    ----------
    data : DataFrame or 2-D array
        Answers (rows = respondents, NaN = missing) or a correlation / covariance matrix.
    n : int, optional
        Number of respondents, only with a matrix.
    missing : {"pairwise", "listwise"}
        How answers with missing values are correlated.

    Returns
    -------
    r : (p, p) array
        The correlation matrix.
    items : list of str
        Column names of a DataFrame, else ``V1`` … ``Vp``.
    n : int or None
        Rows used (raw data), or ``n`` as given (matrix).

    Raises
    ------
    ValueError
        When ``data`` is not numeric or not 2-D with at least 2 columns, ``missing`` is
        unknown, ``n`` is given with raw data or is not a whole number ≥ 2, or an item or
        pair cannot be correlated (:func:`pairwise_correlation`).

    References
    ----------
    Revelle, W. (2022). psych: Procedures for Psychological, Psychometric, and Personality
    Research, version 2.2.9 (how ``fa`` and ``omega`` accept raw data or a matrix). R Core
    Team. R: A Language and Environment for Statistical Computing (``stats::cov2cor``).

    Examples
    --------
    >>> c = np.array([[4.0, 1.0], [1.0, 1.0]])
    >>> r, items, n = as_correlation(c, n=50)  # R: cov2cor(c)
    >>> float(r[0, 1]), items, n
    (0.5, ['V1', 'V2'], 50)
    """
    if isinstance(data, pd.DataFrame):
        items = [str(c) for c in data.columns]
        try:
            x = data.to_numpy(dtype=np.float64, na_value=np.nan)
        except (TypeError, ValueError) as err:
            raise ValueError(f"data must be numeric; {err}") from None
    else:
        x = np.asarray(data, dtype=np.float64)
        items = None
    if x.ndim != 2 or x.shape[1] < 2:
        raise ValueError(f"data must be 2-D with at least 2 items (columns); got shape {x.shape}")
    items = items or [f"V{i + 1}" for i in range(x.shape[1])]
    if missing not in ("pairwise", "listwise"):
        raise ValueError(f"missing must be 'pairwise' or 'listwise'; got {missing!r}")
    if _is_matrix(x):
        if n is not None and (int(n) != n or n < 2):
            raise ValueError(f"n must be a whole number of at least 2; got {n!r}")
        d = np.sqrt(np.diag(x))
        r = x / np.outer(d, d)
        np.fill_diagonal(r, 1.0)
        return (r + r.T) / 2, items, None if n is None else int(n)
    if n is not None:
        raise ValueError("n is the number of rows of data; give n only with a correlation matrix")
    if missing == "listwise":
        x = x[~np.isnan(x).any(axis=1)]
    return pairwise_correlation(x, items), items, x.shape[0]


def smc(r: np.ndarray) -> np.ndarray:
    """Squared multiple correlations 1 − 1/diag(R⁺), clipped to [0, 1] (``psych::smc``).

    R⁺ is the pseudo-inverse dropping singular values below √eps times the largest
    (``psych::Pinv``), so a singular R still gives values.

    Parameters
    ----------
    r : (p, p) array
        A correlation matrix.

    Returns
    -------
    (p,) array
        Each smc_i: the R² of item i regressed on the other items.

    References
    ----------
    Revelle, W. (2022). psych: Procedures for Psychological, Psychometric, and Personality
    Research, version 2.2.9 (``smc``, ``Pinv``).

    Examples
    --------
    >>> r = np.array([[1, .5, .4], [.5, 1, .3], [.4, .3, 1]])
    >>> smc(r).round(6).tolist()  # R: psych::smc(r)
    [0.318681, 0.261905, 0.173333]
    """
    return _clip_smc(np.diag(_pinv(r)))


def smc_if_dropped(r: np.ndarray) -> np.ndarray:
    """Row i: the SMCs of the other items within R without item i (entry i unused).

    For positive definite R the inverse of R without item i is the rank-one downdate
    P_jl − P_ji P_il / P_ii of P = R⁻¹ (one inversion for all k items); otherwise each
    submatrix gets its own pseudo-inverse, as :func:`smc`. Guttman's λ6 if an item is
    dropped (``psych::alpha(x)$alpha.drop``) sums a row.

    Parameters
    ----------
    r : (k, k) array
        A correlation matrix.

    Returns
    -------
    (k, k) array
        ``out[i, j]`` = ``smc(R without item i)`` at item j, for j ≠ i.

    References
    ----------
    Guttman, L. (1945). A basis for analyzing test-retest reliability. Psychometrika, 10(4),
    255–282 (λ6). Harville, D. A. (1997). Matrix Algebra From a Statistician's Perspective.
    New York: Springer (the inverse of a partitioned matrix). Revelle, W. (2022). psych
    2.2.9 (``smc``, ``alpha``).

    Examples
    --------
    >>> r = np.array([[1, .5, .4], [.5, 1, .3], [.4, .3, 1]])
    >>> round(float(smc_if_dropped(r)[0, 1]), 6)  # R: psych::smc(r[-1, -1])[1]
    0.09
    """
    k = r.shape[0]
    w = np.linalg.eigvalsh(r)
    if w[0] > np.sqrt(np.finfo(float).eps) * w[-1]:
        p = np.linalg.inv(r)
        d = np.diag(p)
        return _clip_smc(d[None, :] - p * p / d[:, None])
    out = np.zeros((k, k))
    for i in range(k):
        keep = np.arange(k) != i
        out[i, keep] = smc(r[np.ix_(keep, keep)])
    return out


def _pinv(r: np.ndarray) -> np.ndarray:
    return np.linalg.pinv(r, rcond=np.sqrt(np.finfo(float).eps), hermitian=True)


def _clip_smc(inv_diag: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore"):
        return np.clip(1 - 1 / inv_diag, 0.0, 1.0)
