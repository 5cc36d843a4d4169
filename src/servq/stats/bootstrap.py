"""The Poisson bootstrap: resampling weights that any part of the rows draws on its own.

Efron's bootstrap draws n rows with replacement: row i appears K_i times, (K_1, ..., K_n)
multinomial, so every row's count depends on all the others and the rows must be in one
place. The Poisson bootstrap draws each K_i independently from Poisson(1) (Hanley &
MacGibbon 2006; Chamandy et al. 2012): the same distribution as n grows, and a row's
weight depends on that row alone.

Here K_i is a function of (seed, stream, row, replicate): the 64 random bits that the
Philox4x64 counter-based generator (Salmon et al. 2011), keyed with the seed and the
stream, gives at counter (row // 4, replicate) in slot row mod 4, turned into a Poisson(1)
count by inverting its distribution function. So every chunk of rows — a thread's, a
file's, a Spark partition's — adds up its own weighted sums (:func:`replicate_sums`), and
their total is the same for any split into chunks and any order of adding them up. The
stream tells apart rows that share numbers (the files of one data set).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

_LARGEST = 22  # Poisson(1) counts above this have a probability below 2^-64


def _thresholds() -> np.ndarray:
    """floor(2^64 · P(K ≤ k)) for k = 0 .. _LARGEST - 1, as unsigned 64-bit integers."""
    cdf, term, out = 0.0, math.exp(-1.0), []
    for k in range(_LARGEST):
        cdf += term
        term /= k + 1
        out.append(min(int(cdf * 2.0**64), 2**64 - 1))
    return np.array(out, dtype=np.uint64)


_THRESHOLDS = _thresholds()
_BLOCK_VALUES = 1 << 21  # weights held at once (16 MiB as float64)


def poisson_counts(rows: np.ndarray, replicates: Sequence[int], *, seed: int, stream: int = 0) -> np.ndarray:
    """Each row's Poisson(1) count in each replicate.

    Parameters
    ----------
    rows : array of int
        The rows' numbers (at least 0, each row its own), e.g. their positions in the data.
    replicates : sequence of int
        The replicates' numbers (at least 0).
    seed : int
        The resamples' seed, 0 ≤ seed < 2^64.
    stream : int
        Tells apart rows that share numbers (0 ≤ stream < 2^64), e.g. a file's number.

    Returns
    -------
    ndarray of uint8, (len(replicates), len(rows))
        K[b, i]: how often row ``rows[i]`` is drawn in replicate ``replicates[b]``.

    Raises
    ------
    ValueError
        A seed, stream, row or replicate number out of range.

    References
    ----------
    .. [1] Hanley, J. A., & MacGibbon, B. (2006). Creating non-parametric bootstrap
       samples using Poisson frequencies. *Computer Methods and Programs in Biomedicine*,
       83(1), 57–62.
    .. [2] Salmon, J. K., Moraes, M. A., Dror, R. O., & Shaw, D. E. (2011). Parallel random
       numbers: as easy as 1, 2, 3. *Proceedings of SC11*.

    Examples
    --------
    A row's count does not depend on the other rows asked for at the same time:

    >>> a = poisson_counts(np.arange(10), range(3), seed=1)
    >>> b = poisson_counts(np.array([7, 2]), [2], seed=1)
    >>> a.shape, bool(np.array_equal(b[0], a[2, [7, 2]]))
    ((3, 10), True)

    R: ``rpois(n, 1)`` draws from the same distribution (from other random numbers).
    """
    rows = np.asarray(rows, dtype=np.int64)
    reps = [int(r) for r in replicates]
    if not 0 <= seed < 2**64 or not 0 <= stream < 2**64:
        raise ValueError(f"seed and stream must be between 0 and 2^64 - 1, got {seed} and {stream}")
    if reps and min(reps) < 0:
        raise ValueError(f"replicate numbers must be at least 0, got {min(reps)}")
    out = np.empty((len(reps), rows.size), dtype=np.uint8)
    if not rows.size:
        return out
    lo, hi = int(rows.min()), int(rows.max())
    if lo < 0:
        raise ValueError(f"row numbers must be at least 0, got {lo}")
    start = lo - lo % 4  # a counter gives the values of four rows
    span = hi - start + 1
    at = None if rows.size == span and rows[0] == start and bool(np.all(np.diff(rows) == 1)) else rows - start
    key = seed + (stream << 64)
    for b, rep in enumerate(reps):
        raw = np.random.Philox(key=key, counter=start // 4 + (rep << 64)).random_raw(span)
        out[b] = _poisson(raw if at is None else raw[at])
    return out


def _poisson(raw: np.ndarray) -> np.ndarray:
    """Poisson(1) counts of uniform 64-bit integers (the inverse distribution function)."""
    t = _THRESHOLDS
    k = (raw > t[0]).view(np.uint8)  # a fresh array: bools are bytes
    k += raw > t[1]
    k += raw > t[2]
    rare = np.flatnonzero(raw > t[3])  # counts of 4 or more: 1.9% of rows
    if rare.size:
        k[rare] = np.searchsorted(t, raw[rare], side="right")
    return k


def replicate_sums(x: np.ndarray, rows: np.ndarray, replicates: int | Sequence[int], *, seed: int,
                   stream: int = 0) -> np.ndarray:
    """Poisson-weighted sums of the rows of ``x`` in each bootstrap replicate.

    Per replicate b: Σ K_bi, Σ K_bi x_i (per variable) and Σ K_bi x_ij x_ik (per pair
    j ≤ k, row by row of the upper triangle), with K from :func:`poisson_counts`. Sums of
    different rows add up; :func:`replicate_moments` turns them into means and covariances.

    Parameters
    ----------
    x : ndarray, (n, q)
        The rows' values, no NaN. Shifting them by a constant near their mean keeps the
        covariances exact.
    rows : array of int, (n,)
        The rows' numbers (see :func:`poisson_counts`).
    replicates : int or sequence of int
        Replicates 0 .. replicates - 1, or these replicate numbers.
    seed, stream : int
        As for :func:`poisson_counts`.

    Returns
    -------
    ndarray, (len(replicates), 1 + q + q(q + 1)/2)

    References
    ----------
    .. [1] Chamandy, N., Muralidharan, O., Najmi, A., & Naidu, S. (2012). Estimating
       uncertainty for massive data streams. Google technical report.

    Examples
    --------
    Any split of the rows gives the same sums:

    >>> x = np.random.default_rng(0).normal(size=(50, 2))
    >>> whole = replicate_sums(x, np.arange(50), 4, seed=9)
    >>> parts = replicate_sums(x[:20], np.arange(20), 4, seed=9) + replicate_sums(x[20:], np.arange(20, 50), 4, seed=9)
    >>> whole.shape, bool(np.allclose(whole, parts, rtol=1e-12))
    ((4, 6), True)

    R: ``w <- rpois(n, 1); c(sum(w), colSums(w * x), crossprod(x, w * x)[upper.tri(diag(q), TRUE)])``
    for one replicate (from other random numbers).
    """
    x = np.asarray(x, dtype=np.float64)
    reps = list(range(replicates)) if isinstance(replicates, int) else [int(r) for r in replicates]
    n, q = x.shape
    iu = np.triu_indices(q)
    values = np.empty((n, 1 + q + iu[0].size))
    values[:, 0] = 1.0
    values[:, 1:1 + q] = x
    np.multiply(x[:, iu[0]], x[:, iu[1]], out=values[:, 1 + q:])
    out = np.zeros((len(reps), values.shape[1]))
    if not n:
        return out
    step = max(1, _BLOCK_VALUES // n)
    for at in range(0, len(reps), step):
        counts = poisson_counts(rows, reps[at:at + step], seed=seed, stream=stream)
        out[at:at + counts.shape[0]] = counts.astype(np.float64) @ values
    return out


def replicate_moments(sums: np.ndarray, q: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weights, means and covariances (divisor: the weight) of :func:`replicate_sums`.

    Parameters
    ----------
    sums : ndarray, (b, 1 + q + q(q + 1)/2)
    q : int
        Variables.

    Returns
    -------
    weight : ndarray, (b,)
    mean : ndarray, (b, q)
    cov : ndarray, (b, q, q)
        NaN in a replicate of weight 0.

    References
    ----------
    .. [1] Hanley, J. A., & MacGibbon, B. (2006). Creating non-parametric bootstrap
       samples using Poisson frequencies. *Computer Methods and Programs in Biomedicine*,
       83(1), 57–62.

    Examples
    --------
    >>> x = np.array([[1.0, 2.0], [2.0, 1.0], [3.0, 5.0]])
    >>> w, m, c = replicate_moments(replicate_sums(x, np.arange(3), 1, seed=0), 2)
    >>> k = poisson_counts(np.arange(3), [0], seed=0)[0].astype(float)
    >>> bool(np.allclose(c[0], np.cov(x.T, aweights=k, bias=True))) if k.sum() else True
    True

    R: ``cov.wt(x, wt = w / sum(w), method = "ML")`` with the replicate's weights ``w``.
    """
    iu = np.triu_indices(q)
    weight = sums[:, 0]
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = sums[:, 1:1 + q] / weight[:, None]
        second = sums[:, 1 + q:] / weight[:, None]
    cov = np.empty((sums.shape[0], q, q))
    cov[:, iu[0], iu[1]] = second
    cov[:, iu[1], iu[0]] = second
    cov -= mean[:, :, None] * mean[:, None, :]
    return weight, mean, cov
