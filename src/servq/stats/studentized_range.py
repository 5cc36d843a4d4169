"""The studentized range distribution (Tukey's Q), vectorised over many (q, df) at once.

Games–Howell compares every pair of segments on its own Welch df, so an analysis needs
hundreds of tail probabilities and quantiles at different df. ``scipy.stats.studentized_range``
integrates each one separately (about 7 ms a probability, 0.1 s a quantile); here all of
them are one fixed Gauss–Legendre quadrature in NumPy.

For k means and ν df, with s = √(χ²_ν/ν) and u = log s,

    P(Q > q) = ∫ f_ν(u) · [1 − W_k(q·e^u)] du,
    1 − W_k(w) = k ∫ φ(z) · Φ(z − w) · Σ_{j=0}^{k−2} Φ(z)^j (Φ(z) − Φ(z − w))^{k−2−j} dz,

where W_k is the distribution of the range of k standard normals (Hartley 1942) and
f_ν(u) = 2(ν/2)^{ν/2}/Γ(ν/2) · exp(νu − ν e^{2u}/2) is the density of log s. Writing
Φ(z)^m − (Φ(z) − Φ(z − w))^m as −a^m·expm1(m·log1p(−b/a)) (a = Φ(z), b = Φ(z − w))
keeps small tail probabilities accurate and costs the same for any k. The u range follows each ν (the density's mode is u = 0
with SD ≈ 1/√(2ν); the left tail falls as e^{νu}, and gets panels of its own: the 8 units of u next to the body, where
1 − W_k(q·e^u) falls from 1 for large q, and beyond them, down to e^{νu} = e^{−60}, the rest in v = e^{νu}, in which
f_ν(u) du is smooth — 57 units of u at ν = 1, which one panel in u integrated to 2e-5 only). Quantiles: Newton's method on the
tail probability, started from the Bonferroni bound √2·t_ν(1 − α/(k(k − 1))).

Reference values: R ``ptukey``/``qtukey`` (tests/stats/test_studentized_range.py).
"""

from __future__ import annotations

import numpy as np
from scipy import special

_Z, _WZ = np.polynomial.legendre.leggauss(96)
_Z, _WZ = 8.5 * _Z, 8.5 * _WZ  # standard normal on [−8.5, 8.5]
_U, _WU = np.polynomial.legendre.leggauss(96)  # the body of f_ν: mode ± 8 SD (at most ± 3)
_UT, _WUT = np.polynomial.legendre.leggauss(32)  # each of the two panels of its long left tail when ν is small
_NEAR = 8.0  # width in u of the left tail's panel next to the body; the rest is integrated in v = e^{νu}
_UL, _WUL = np.polynomial.legendre.leggauss(32)  # the body alone when every ν >= _LARGE_DF
_LARGE_DF = 100.0  # f_ν is then close to normal in u: 32 nodes on ± 8 SD agree to 1e-9
_PHI_Z = np.exp(-_Z**2 / 2) / np.sqrt(2 * np.pi)
_CDF_Z = special.ndtr(_Z)
_BLOCK = 16  # (q, df) pairs per block: bounds the (block × u × z) arrays to ~1.8 MB each


def _panel(lo, hi, nodes, weights) -> tuple[np.ndarray, np.ndarray]:
    half = (hi - lo)[:, None] / 2
    return (hi + lo)[:, None] / 2 + half * nodes, half * weights


def _u_nodes(df: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Quadrature nodes and weights in u = log s for each ν (rows), with f_ν folded in:
    the body [−b, b], b = min(8/√(2ν), 3), and the left tail down to where e^{νu} < e^{−60}: its
    :data:`_NEAR` units next to the body in u, the rest in v = e^{νu} (du = dv/(νv)), where the
    density, ∝ e^{νu}·exp(−ν e^{2u}/2), is smooth however long the tail (at ν = 1 it spans 57
    units of u, too many for one Gauss–Legendre panel in u)."""
    body = np.minimum(8 / np.sqrt(2 * df), 3.0)
    if df.min() >= _LARGE_DF:  # the left tail is beyond 8 SD: no panel of its own
        u, w = _panel(-body, body, _UL, _WUL)
    else:
        tail = np.maximum(np.minimum(60 / df, 60.0), body)
        near = np.minimum(tail, body + _NEAR)
        v, wv = _panel(np.exp(-df * tail), np.exp(-df * near), _UT, _WUT)
        u0, w0 = np.log(v) / df[:, None], wv / (df[:, None] * v)
        u1, w1 = _panel(-near, -body, _UT, _WUT)
        u2, w2 = _panel(-body, body, _U, _WU)
        u, w = np.hstack([u0, u1, u2]), np.hstack([w0, w1, w2])
    nu = df[:, None]
    log_f = np.log(2) + nu / 2 * np.log(nu / 2) - special.gammaln(nu / 2) + nu * u - nu * np.exp(2 * u) / 2
    weights = w * np.exp(log_f - log_f.max(axis=1, keepdims=True))
    # f_ν integrates to 1 over these nodes (the mass left out is below 1e-15): normalising
    # by the sum avoids the constant's cancellation (ν/2·log(ν/2) − log Γ(ν/2), terms of
    # 1e10 at ν = 1e9, left errors of 1e-6 in every probability)
    return u, weights / weights.sum(axis=1, keepdims=True)


def _tail_and_density(q: np.ndarray, k: int, df: np.ndarray, density: bool) -> tuple[np.ndarray, np.ndarray | None]:
    """P(Q > q) and (with ``density``) the density of Q at q, for equal-length ``q`` and ``df``."""
    u, w = _u_nodes(df)
    s = np.exp(u)
    width = (q[:, None] * s)[..., None]  # (pairs, u, 1)
    low = special.ndtr(_Z - width)  # Φ(z − w)
    inner = _CDF_Z - low  # Φ(z) − Φ(z − w)
    m = k - 1
    # Φ(z)^m − (Φ(z) − Φ(z − w))^m = a^m (1 − (1 − b/a)^m), a = Φ(z), b = Φ(z − w) ≤ a, as
    # −a^m·expm1(m·log1p(−b/a)): exact for small b (no cancellation), and O(1) in k
    with np.errstate(divide="ignore"):  # Φ(z) > 0 on the nodes (z ≥ −8.5); b = a gives log1p(−1) = −∞
        spread = -np.power(_CDF_Z, m) * np.expm1(m * np.log1p(-np.minimum(low / _CDF_Z, 1.0)))
    tail_w = k * (_PHI_Z * spread) @ _WZ  # 1 − W_k(w), shape (pairs, u)
    if not density:
        return (tail_w * w).sum(axis=1), None
    phi_low = np.exp(-((_Z - width) ** 2) / 2) / np.sqrt(2 * np.pi)
    dens_w = k * m * (_PHI_Z * phi_low * inner ** (m - 1)) @ _WZ  # W_k'(w)
    return (tail_w * w).sum(axis=1), (dens_w * s * w).sum(axis=1)


def _blocks(q: np.ndarray, k: int, df: np.ndarray, density: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_tail_and_density` in blocks of pairs sorted by ν. A block never mixes ν below
    and above :data:`_LARGE_DF`, so each pair's quadrature follows its own ν alone — not
    the other pairs computed with it (else the same pair could change in the ninth digit
    with the company it keeps, e.g. between two partitionings of the same data)."""
    tail, dens = np.empty(q.size), np.full(q.size, np.nan)
    order = np.argsort(df, kind="stable")
    small = int(np.searchsorted(df[order], _LARGE_DF, side="left"))
    starts = [*range(0, small, _BLOCK), *range(small, q.size, _BLOCK)]
    for at in starts:
        part = order[at:min(at + _BLOCK, small if at < small else q.size)]
        t, d = _tail_and_density(q[part], k, df[part], density)
        tail[part] = t
        if d is not None:
            dens[part] = d
    return tail, dens


def _args(q, k, df) -> tuple[np.ndarray, np.ndarray, tuple]:
    q, df = np.broadcast_arrays(np.asarray(q, dtype=np.float64), np.asarray(df, dtype=np.float64))
    if int(k) != k or k < 2:
        raise ValueError(f"the studentized range needs k >= 2 whole groups, got {k}")
    if np.any(~(df > 0)):
        raise ValueError("the studentized range needs df > 0")
    return q.ravel(), df.ravel(), q.shape


def sf(q, k: int, df) -> np.ndarray:
    """P(Q_{k,ν} > q), as R ``ptukey(q, k, df, lower.tail = FALSE)``.

    Parameters
    ----------
    q : array_like
        Values of the studentized range.
    k : int
        Number of means compared (at least 2).
    df : array_like
        Degrees of freedom ν > 0 (need not be whole); broadcast with ``q``.

    Returns
    -------
    ndarray
        The upper tail probabilities, of the broadcast shape (1 where q ≤ 0).

    Raises
    ------
    ValueError
        If k is not a whole number ≥ 2 or a df is not positive.

    References
    ----------
    .. [1] Copenhaver, M. D., & Holland, B. (1988). Computation of the distribution of the maximum
       studentized range statistic with application to multiple significance testing of
       simple effects. *Journal of Statistical Computation and Simulation*, 30(1), 1–15.
    .. [2] Hartley, H. O. (1942). The range in random samples. *Biometrika*, 32(3/4), 334–348.

    Examples
    --------
    >>> round(float(sf(3.5, 3, 17.128)), 6)  # R: ptukey(3.5, 3, 17.128, lower.tail = FALSE)
    0.059416
    """
    q, df, shape = _args(q, k, df)
    out = np.ones(q.size)
    pos = q > 0
    out[pos] = np.clip(_blocks(q[pos], int(k), df[pos])[0], 0.0, 1.0)
    return out.reshape(shape)


def ppf(p, k: int, df) -> np.ndarray:
    """The ``p`` quantile of Q_{k,ν} (0 < p < 1), as R ``qtukey(p, k, df)`` (but accurate to
    about 1e-9: ``qtukey`` stops at 1e-4).

    Parameters
    ----------
    p : float
        The probability, 0 < p < 1.
    k : int
        Number of means compared (at least 2).
    df : array_like
        Degrees of freedom ν > 0.

    Returns
    -------
    ndarray
        The quantiles, of the shape of ``df``.

    Raises
    ------
    ValueError
        If p is not in (0, 1), k is not a whole number ≥ 2 or a df is not positive.

    References
    ----------
    .. [1] Copenhaver, M. D., & Holland, B. (1988). Computation of the distribution of the maximum
       studentized range statistic with application to multiple significance testing of
       simple effects. *Journal of Statistical Computation and Simulation*, 30(1), 1–15.

    Examples
    --------
    >>> round(float(ppf(0.95, 3, 17.128)), 6)  # see tests: uniroot on R's ptukey
    3.625444
    """
    if not 0 < p < 1:
        raise ValueError(f"a quantile needs 0 < p < 1, got {p}")
    alpha = 1 - p
    _, df, shape = _args(0.0, k, df)
    k = int(k)
    q = np.sqrt(2) * special.stdtrit(df, 1 - alpha / (k * (k - 1)))  # Bonferroni: at or above the root
    for _ in range(50):
        tail, dens = _blocks(q, k, df, density=True)
        step = (tail - alpha) / dens
        q = np.maximum(q + step, q / 2)
        if np.all(np.abs(step) <= 1e-11 * np.maximum(q, 1)):
            break
    return q.reshape(shape)


INTERPOLATE_ABOVE = 24


def ppf_many(p, k: int, df) -> np.ndarray:
    """:func:`ppf` at many df: exact when there are at most :data:`INTERPOLATE_ABOVE`
    distinct df, else computed at that many Chebyshev nodes in 1/ν over the df's range and
    interpolated in log q (barycentric formula), which is smooth in 1/ν; the error stays
    below 1e-7 even for k = 20 over ν = 1.2…300 (tests/stats/test_studentized_range.py).

    Parameters
    ----------
    p : float
        The probability, 0 < p < 1.
    k : int
        Number of means compared (at least 2).
    df : array_like
        Degrees of freedom ν > 0, any number of them, repeats allowed.

    Returns
    -------
    ndarray
        The quantile at each df, in the order of ``df``.

    Raises
    ------
    ValueError
        As :func:`ppf`.

    References
    ----------
    .. [1] Copenhaver, M. D., & Holland, B. (1988). Computation of the distribution of the maximum
       studentized range statistic with application to multiple significance testing of
       simple effects. *Journal of Statistical Computation and Simulation*, 30(1), 1–15.
    .. [2] Berrut, J.-P., & Trefethen, L. N. (2004). Barycentric Lagrange interpolation. *SIAM
       Review*, 46(3), 501–517.

    Examples
    --------
    Few distinct df are computed exactly (R: ``qtukey(0.95, 3, c(10, 10, 20))``, which
    gives ≈ 3.877, 3.877, 3.578 to its 1e-4 tolerance):

    >>> ppf_many(0.95, 3, [10, 10, 20]).round(4).tolist()
    [3.8768, 3.8768, 3.5779]

    Thirty distinct df are interpolated between 24 exact ones (R: ``qtukey(0.95, 4, 10)``
    gives ≈ 4.327):

    >>> round(float(ppf_many(0.95, 4, np.arange(5.0, 35.0))[5]), 4)
    4.3266
    """
    df = np.asarray(df, dtype=np.float64)
    distinct = np.unique(df)
    if distinct.size <= INTERPOLATE_ABOVE:
        return ppf(p, k, distinct)[np.searchsorted(distinct, df)]
    x = 1 / df
    lo, hi = x.min(), x.max()
    j = np.arange(INTERPOLATE_ABOVE)
    angle = (2 * j + 1) * np.pi / (2 * INTERPOLATE_ABOVE)
    nodes = (lo + hi) / 2 + (hi - lo) / 2 * np.cos(angle)
    values = np.log(ppf(p, k, 1 / nodes))
    d = x[:, None] - nodes[None, :]
    hit = d == 0
    d[hit] = 1.0
    c = (-1.0) ** j * np.sin(angle) / d
    out = (c @ values) / c.sum(axis=1)
    row, col = np.nonzero(hit)
    out[row] = values[col]
    return np.exp(out)
