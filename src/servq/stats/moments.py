"""Mergeable sufficient statistics: per group and variable, the count, sum and sum of squares.

Every mean, SD and interval servq reports for a variable is a function of
(n, Σx, Σx²) over the rows where the variable is present. These are computed per chunk
with matrix products and merged by addition, so results do not depend on chunk size or
row order, chunks can run in parallel, and the raw rows are never needed again.

Values are accumulated after subtracting a fixed per-variable ``shift`` (for example the
scale midpoint), which keeps Σx² − (Σx)²/n free of cancellation when means are large
relative to SDs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Up to this many groups a dense one-hot matrix product is fastest; beyond it bincount.
_DENSE_GROUPS = 64
# With this few variables bincount is faster whatever the groups (the one-hot matrix costs more).
_FEW_VARIABLES = 4


@dataclass(frozen=True)
class Moments:
    """Counts ``n``, shifted sums ``s`` and shifted sums of squares ``ss``, each
    (groups x variables), and the per-variable ``shift``.

    Parameters
    ----------
    n : ndarray
        (groups, variables) counts of present values.
    s : ndarray
        (groups, variables) Σ (x − shift).
    ss : ndarray
        (groups, variables) Σ (x − shift)².
    shift : ndarray
        (variables,) the constant subtracted before summing.

    References
    ----------
    .. [1] Chan, T. F., Golub, G. H., & LeVeque, R. J. (1983). Algorithms for computing the sample
       variance: analysis and recommendations. *The American Statistician*, 37(3), 242–247.
    .. [2] Welford, B. P. (1962). Note on a method for calculating corrected sums of squares and
       products. *Technometrics*, 4(3), 419–420.

    Examples
    --------
    >>> x = np.array([[1.0, np.nan], [3.0, 4.0], [5.0, 6.0]])
    >>> m = Moments.of(x)
    >>> m.mean()[0].tolist(), m.n[0].tolist()  # R: colMeans(x, na.rm = TRUE); colSums(!is.na(x))
    ([3.0, 5.0], [3.0, 2.0])
    >>> m.sd()[0].round(4).tolist()  # R: apply(x, 2, sd, na.rm = TRUE)
    [2.0, 1.4142]

    Two groups (row 1 in group 0, rows 2 and 3 in group 1), merged back by addition:

    >>> g = Moments.of(x, codes=[np.array([0, 1, 1])], n_groups=2)
    >>> g.mean().tolist(), (Moments.empty(2) + Moments.of(x)).mean().tolist()
    ([[1.0, nan], [4.0, 5.0]], [[3.0, 5.0]])
    """

    n: np.ndarray
    s: np.ndarray
    ss: np.ndarray
    shift: np.ndarray

    @classmethod
    def empty(cls, n_vars: int, n_groups: int = 1, shift: np.ndarray | None = None) -> Moments:
        """Moments of no rows: the zero to add chunks to."""
        zeros = np.zeros((n_groups, n_vars))
        return cls(zeros, zeros.copy(), zeros.copy(), _shift(shift, n_vars))

    @classmethod
    def of(cls, x: np.ndarray, codes: list[np.ndarray] | None = None, n_groups: int = 1,
           shift: np.ndarray | None = None) -> Moments:
        """Moments of the rows of ``x`` (NaN = missing).

        Without ``codes`` there is one group: all rows. ``codes`` is a list of integer
        arrays, one per grouping, giving each row's group number in ``range(n_groups)``
        (or -1 for none); a row counts once in each grouping.
        """
        shift = _shift(shift, x.shape[1])
        xt = x.T  # variables x rows: each variable contiguous when x is a transposed view
        present = ~np.isnan(xt)
        z = xt - shift[:, None]
        z[~present] = 0.0
        if codes is None:
            n = np.count_nonzero(present, axis=1).astype(np.float64)[None, :]
            return cls(n, z.sum(axis=1)[None, :], np.einsum("ij,ij->i", z, z)[None, :], shift)
        onehot = _membership(codes, n_groups, xt.shape[1]) if xt.shape[0] > _FEW_VARIABLES else None
        counts, sums, squares = (_group_sums(codes, n_groups, v, onehot) for v in (present.astype(np.float64), z, z * z))
        return cls(counts, sums, squares, shift)

    @classmethod
    def from_power_sums(cls, n: np.ndarray, total: np.ndarray, squares: np.ndarray,
                        shift: np.ndarray | None = None) -> Moments:
        """Moments of one group from raw Σ1, Σx and Σx² (e.g. exact integer sums)."""
        n, total, squares = (np.asarray(a, dtype=np.float64).reshape(1, -1) for a in (n, total, squares))
        c = _shift(shift, n.shape[1])
        return cls(n, total - n * c, squares - 2 * c * total + n * c * c, c)

    @classmethod
    def join(cls, *parts: Moments) -> Moments:
        """Moments of several variable sets side by side (same groups)."""
        n, s, ss = (np.concatenate([getattr(p, f) for p in parts], axis=1) for f in ("n", "s", "ss"))
        return cls(n, s, ss, np.concatenate([p.shift for p in parts]))

    def __add__(self, other: Moments) -> Moments:
        if not np.array_equal(self.shift, other.shift):
            raise ValueError("cannot merge moments accumulated with different shifts")
        g = max(self.n.shape[0], other.n.shape[0])
        a, b = self.grown(g), other.grown(g)
        return Moments(a.n + b.n, a.s + b.s, a.ss + b.ss, self.shift)

    def grown(self, n_groups: int) -> Moments:
        """The same moments with empty groups appended up to ``n_groups``."""
        extra = n_groups - self.n.shape[0]
        if extra <= 0:
            return self
        pad = ((0, extra), (0, 0))
        return Moments(np.pad(self.n, pad), np.pad(self.s, pad), np.pad(self.ss, pad), self.shift)

    def select_groups(self, groups: list[int]) -> Moments:
        """The moments of the listed groups only, in that order."""
        idx = np.asarray(groups)
        return Moments(self.n[idx], self.s[idx], self.ss[idx], self.shift)

    def mean(self) -> np.ndarray:
        """Means (groups x variables); NaN where n = 0."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.n > 0, self.shift + self.s / self.n, np.nan)

    def var(self) -> np.ndarray:
        """Sample variance (denominator n - 1); NaN where n < 2."""
        with np.errstate(invalid="ignore", divide="ignore"):
            m2 = self.ss - self.s * self.s / self.n
            return np.where(self.n > 1, np.maximum(m2, 0.0) / (self.n - 1), np.nan)

    def sd(self) -> np.ndarray:
        """Sample SD (denominator n - 1); NaN where n < 2."""
        return np.sqrt(self.var())


def _shift(shift: np.ndarray | None, n_vars: int) -> np.ndarray:
    if shift is None:
        return np.zeros(n_vars)
    return np.asarray(shift, dtype=np.float64).reshape(n_vars)


def _membership(codes: list[np.ndarray], n_groups: int, n_rows: int) -> np.ndarray | None:
    """Rows x groups 0/1 matrix when there are few groups (a matrix product is then the
    fastest group sum), else None."""
    if n_groups > _DENSE_GROUPS:
        return None
    onehot = np.zeros((n_rows, n_groups))
    rows = np.arange(n_rows)
    for c in codes:
        ok = c >= 0
        onehot[rows[ok], c[ok]] = 1.0
    return onehot


def _group_sums(codes: list[np.ndarray], n_groups: int, values: np.ndarray, onehot: np.ndarray | None) -> np.ndarray:
    """Σ over the rows of each group of ``values`` (variables x rows) for rows that may
    belong to one group in each of several groupings; returns groups x variables."""
    if onehot is not None:
        return (values @ onehot).T  # this orientation is several times faster in OpenBLAS
    out = np.zeros((n_groups, values.shape[0]))
    for c in codes:
        idx = np.where(c >= 0, c, n_groups)  # rows in no group: a bin of their own, dropped
        for j in range(values.shape[0]):
            out[:, j] += np.bincount(idx, weights=values[j], minlength=n_groups + 1)[:n_groups]
    return out


@dataclass(frozen=True)
class CrossMoments:
    """Mergeable second-order statistics of k variables: what covariance and correlation
    matrices (pairwise or listwise) are computed from.

    Pairwise, for every pair (i, j) over the rows where both are present: ``n`` (counts),
    ``s[i, j]`` = Σ x_i, ``s2[i, j]`` = Σ x_i², ``q[i, j]`` = Σ x_i x_j. Listwise, over the
    rows where all k are present: ``n_complete``, ``s_complete`` and ``q_complete``.
    All after subtracting ``shift``; merged by addition.

    Parameters
    ----------
    n, s, s2, q : ndarray
        (k, k) pairwise counts, Σ x_i, Σ x_i² and Σ x_i x_j, as above.
    n_complete : float
        Rows with all k variables present.
    s_complete : ndarray
        (k,) Σ x_i over the complete rows.
    q_complete : ndarray
        (k, k) Σ x_i x_j over the complete rows.
    shift : ndarray
        (k,) the constant subtracted before summing.

    References
    ----------
    .. [1] Chan, T. F., Golub, G. H., & LeVeque, R. J. (1983). Algorithms for computing the sample
       variance: analysis and recommendations. *The American Statistician*, 37(3), 242–247.
    .. [2] Welford, B. P. (1962). Note on a method for calculating corrected sums of squares and
       products. *Technometrics*, 4(3), 419–420.

    Examples
    --------
    >>> x = np.array([[1.0, 2.0], [2.0, np.nan], [3.0, 7.0], [4.0, 5.0]])
    >>> cm = CrossMoments.of(x)
    >>> round(float(cm.cov()[0, 1]), 4)   # R: cov(x, use = "pairwise.complete.obs")[1, 2]
    2.8333
    >>> round(float(cm.cor(listwise=True)[0, 1]), 4), cm.n_complete  # R: cor(na.omit(x))[1, 2]
    (0.737, 3.0)
    """

    n: np.ndarray
    s: np.ndarray
    s2: np.ndarray
    q: np.ndarray
    n_complete: float
    s_complete: np.ndarray
    q_complete: np.ndarray
    shift: np.ndarray

    @classmethod
    def empty(cls, k: int, shift: np.ndarray | None = None) -> CrossMoments:
        """Statistics of no rows for k variables: the zero to add chunks to."""
        z = np.zeros((k, k))
        return cls(z, z.copy(), z.copy(), z.copy(), 0.0, np.zeros(k), z.copy(), _shift(shift, k))

    @classmethod
    def of(cls, x: np.ndarray, shift: np.ndarray | None = None) -> CrossMoments:
        """Statistics of the rows of ``x`` (rows x variables, NaN = missing)."""
        shift = _shift(shift, x.shape[1])
        xt = np.ascontiguousarray(x.T)  # variables x rows
        present = ~np.isnan(xt)
        z = xt - shift[:, None]
        z[~present] = 0.0
        return cls.of_shifted(z, present, shift)

    @classmethod
    def of_each(cls, heads: np.ndarray, x: np.ndarray, head_shift: np.ndarray,
                shift: np.ndarray | None = None) -> list[CrossMoments]:
        """For each row ``h`` of ``heads`` (heads x rows), the statistics of ``[h, x]``:
        ``of(np.vstack([h, x]).T, [head_shift[i], *shift])``, with the pairs of ``x``
        (variables x rows, NaN = missing) summed once for all heads (the key-driver
        statistics of several outcomes share their predictors). A head with no value
        adds nothing but those pairs.

        Examples
        --------
        >>> x = np.array([[1.0, 2.0, np.nan, 4.0], [2.0, 1.0, 3.0, np.nan]])
        >>> heads = np.array([[5.0, np.nan, 6.0, 7.0], [np.nan] * 4])
        >>> a, b = CrossMoments.of_each(heads, x, np.zeros(2))
        >>> bool(np.allclose(a.q, CrossMoments.of(np.vstack([heads[0], x]).T).q)), b.n.tolist()[0]
        (True, [0.0, 0.0, 0.0])
        """
        k = x.shape[0] + 1
        shift = _shift(shift, k - 1)
        head_shift = np.asarray(head_shift, dtype=np.float64)
        present = ~np.isnan(x)
        z = np.where(present, x - shift[:, None], 0.0)
        pairs = cls.of_shifted(z, present, shift)
        answered = ~np.isnan(heads)
        w = answered.astype(np.float64)  # heads x rows
        zh = np.where(answered, heads - head_shift[:, None], 0.0)
        mask, zz = present.astype(np.float64), z * z
        # the border of every head at once: variables x heads
        n_b, s_b, s2_b, s_x, s2_x, q_b = mask @ w.T, mask @ zh.T, mask @ (zh * zh).T, z @ w.T, zz @ w.T, z @ zh.T
        complete = present.all(axis=0)
        out = []
        for i, c in enumerate(head_shift):
            n, s, s2, q = (np.zeros((k, k)) for _ in range(4))
            for whole, part in ((n, pairs.n), (s, pairs.s), (s2, pairs.s2), (q, pairs.q)):
                whole[1:, 1:] = part
            n[0, 0], s[0, 0] = w[i].sum(), zh[i].sum()
            s2[0, 0] = q[0, 0] = zh[i] @ zh[i]
            n[0, 1:] = n[1:, 0] = n_b[:, i]
            s[0, 1:], s2[0, 1:], s[1:, 0], s2[1:, 0] = s_b[:, i], s2_b[:, i], s_x[:, i], s2_x[:, i]
            q[0, 1:] = q[1:, 0] = q_b[:, i]
            rows = complete & answered[i]
            zc = np.vstack([zh[i, rows], np.compress(rows, z, axis=1)])
            out.append(cls(n, s, s2, q, float(np.count_nonzero(rows)), zc.sum(axis=1), zc @ zc.T,
                           np.concatenate([[c], shift])))
        return out

    @classmethod
    def of_shifted(cls, z: np.ndarray, present: np.ndarray, shift: np.ndarray) -> CrossMoments:
        """Statistics from values already shifted, ``z`` (variables x rows, 0 where
        missing), and the mask of ``present`` values: the fast path for coded answers.

        ``z`` may be float32 when every sum is exact in it (whole or half numbers over
        few enough rows): the products then run in single precision, the results are
        float64 all the same."""
        k = z.shape[0]
        complete = present.all(axis=0)
        n_complete = int(np.count_nonzero(complete))
        # A complete row adds to every pair alike (x_j present for every j): its part of
        # n, s and s2 is a count and two sums per variable. Only the other rows need the
        # products with the mask.
        zc = z if n_complete == z.shape[1] else np.compress(complete, z, axis=1)
        q_c = zc @ zc.T  # a @ a.T runs as a symmetric rank-k update
        s_c, s2_c = zc.sum(axis=1), np.einsum("ij,ij->i", zc, zc)
        n = np.full((k, k), float(n_complete))
        s = np.repeat(s_c.astype(np.float64)[:, None], k, axis=1)
        s2 = np.repeat(s2_c.astype(np.float64)[:, None], k, axis=1)
        q = q_c.astype(np.float64)
        if n_complete < z.shape[1]:
            partial = ~complete
            zi = np.compress(partial, z, axis=1)
            mi = np.compress(partial, present, axis=1).astype(z.dtype)
            zz = np.empty((2 * k, zi.shape[1]), dtype=z.dtype)
            zz[:k] = zi
            np.multiply(zi, zi, out=zz[k:])
            sums = zz @ mi.T  # Σ x_i and Σ x_i² over the rows with x_j
            n += mi @ mi.T
            s += sums[:k]
            s2 += sums[k:]
            q += zi @ zi.T
        return cls(n, s, s2, q, float(n_complete), np.asarray(s_c, dtype=np.float64), np.asarray(q_c, dtype=np.float64),
                   shift)

    def __add__(self, other: CrossMoments) -> CrossMoments:
        if not np.array_equal(self.shift, other.shift):
            raise ValueError("cannot merge moments accumulated with different shifts")
        return CrossMoments(self.n + other.n, self.s + other.s, self.s2 + other.s2, self.q + other.q,
                            self.n_complete + other.n_complete, self.s_complete + other.s_complete,
                            self.q_complete + other.q_complete, self.shift)

    def mean(self, listwise: bool = False) -> np.ndarray:
        """Means (NaN where there are no values)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            if listwise:
                return self.shift + self.s_complete / self.n_complete
            return self.shift + np.diag(self.s) / np.diag(self.n)

    def cov(self, listwise: bool = False, ddof: int = 1) -> np.ndarray:
        """Covariance matrix (denominator n − ddof), pairwise-complete or listwise; NaN
        where too few rows."""
        with np.errstate(invalid="ignore", divide="ignore"):
            if listwise:
                n = self.n_complete
                return (self.q_complete - np.outer(self.s_complete, self.s_complete) / n) / (n - ddof)
            return (self.q - self.s * self.s.T / self.n) / (self.n - ddof)

    def cor(self, listwise: bool = False) -> np.ndarray:
        """Correlation matrix; pairwise, each pair uses its own rows' means and SDs
        (R ``cor(x, use = "pairwise")``)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            if listwise:
                c = self.cov(listwise=True)
                d = np.sqrt(np.diag(c))
                return c / np.outer(d, d)
            ssd = self.s2 - self.s * self.s / self.n  # Σ(x_i − mean_i|j)² over the pair's rows
            r = (self.q - self.s * self.s.T / self.n) / np.sqrt(ssd * ssd.T)
        np.fill_diagonal(r, 1.0)
        return r


@dataclass(frozen=True)
class PairedMoments:
    """Mergeable statistics of k pairs of variables (x_i, y_i), each pair over the rows where
    both are present: what the k correlations r(x_i, y_i) are computed from.

    For pair i: ``n[i]`` rows, ``sx[i]`` = Σ x_i, ``sxx[i]`` = Σ x_i², ``sy[i]`` = Σ y_i,
    ``syy[i]`` = Σ y_i², ``sxy[i]`` = Σ x_i y_i, after subtracting ``shift_x`` and
    ``shift_y``; merged by addition. servq pairs each item with its dimension's score (the
    respondent's mean over the dimension's answered items) for psych's item–total ``raw_r``.

    Parameters
    ----------
    n, sx, sxx, sy, syy, sxy : ndarray
        (k,) counts and shifted sums, as above.
    shift_x, shift_y : ndarray
        (k,) the constants subtracted from x_i and y_i before summing.

    References
    ----------
    .. [1] Chan, T. F., Golub, G. H., & LeVeque, R. J. (1983). Algorithms for computing the sample
       variance: analysis and recommendations. *The American Statistician*, 37(3), 242–247.

    Examples
    --------
    Each of two items with the mean of the items answered, over the rows that answered
    the item:

    >>> x = np.array([[1.0, 2.0], [2.0, np.nan], [4.0, 3.0], [5.0, 5.0]])
    >>> total = np.nanmean(x, axis=1)[:, None].repeat(2, axis=1)
    >>> pm = PairedMoments.of(x, total)
    >>> pm.n.tolist(), pm.cor().round(4).tolist()  # R: cor(x, rowMeans(x, na.rm = TRUE), use = "pairwise")
    ([4.0, 3.0], [0.9815, 0.9631])
    >>> halves = PairedMoments.of(x[:2], total[:2]) + PairedMoments.of(x[2:], total[2:])
    >>> bool(np.allclose(halves.cor(), pm.cor()))
    True
    """

    n: np.ndarray
    sx: np.ndarray
    sxx: np.ndarray
    sy: np.ndarray
    syy: np.ndarray
    sxy: np.ndarray
    shift_x: np.ndarray
    shift_y: np.ndarray

    @classmethod
    def empty(cls, k: int, shift_x: np.ndarray | None = None, shift_y: np.ndarray | None = None) -> PairedMoments:
        """Statistics of no rows for k pairs: the zero to add chunks to."""
        z = np.zeros(k)
        return cls(z, z.copy(), z.copy(), z.copy(), z.copy(), z.copy(), _shift(shift_x, k), _shift(shift_y, k))

    @classmethod
    def of(cls, x: np.ndarray, y: np.ndarray, shift_x: np.ndarray | None = None,
           shift_y: np.ndarray | None = None) -> PairedMoments:
        """Statistics of the rows of ``x`` and ``y`` (rows x k each, NaN = missing); pair i
        is column i of both."""
        k = x.shape[1]
        shift_x, shift_y = _shift(shift_x, k), _shift(shift_y, k)
        zx, zy = x.T - shift_x[:, None], y.T - shift_y[:, None]
        both = ~(np.isnan(zx) | np.isnan(zy))
        return cls.of_shifted(np.where(both, zx, 0.0), np.where(both, zy, 0.0), both, shift_x, shift_y)

    @classmethod
    def of_shifted(cls, zx: np.ndarray, zy: np.ndarray, present: np.ndarray, shift_x: np.ndarray,
                   shift_y: np.ndarray) -> PairedMoments:
        """Statistics from values already shifted (k x rows each) and the mask of the rows
        where both values of a pair are present; values outside the mask are ignored."""
        zx = np.where(present, zx, 0.0).astype(np.float64, copy=False)
        zy = np.where(present, zy, 0.0).astype(np.float64, copy=False)
        return cls(present.sum(axis=1).astype(np.float64), zx.sum(axis=1), np.einsum("ij,ij->i", zx, zx),
                   zy.sum(axis=1), np.einsum("ij,ij->i", zy, zy), np.einsum("ij,ij->i", zx, zy),
                   np.asarray(shift_x, dtype=np.float64), np.asarray(shift_y, dtype=np.float64))

    def __add__(self, other: PairedMoments) -> PairedMoments:
        if not (np.array_equal(self.shift_x, other.shift_x) and np.array_equal(self.shift_y, other.shift_y)):
            raise ValueError("cannot merge moments accumulated with different shifts")
        return PairedMoments(self.n + other.n, self.sx + other.sx, self.sxx + other.sxx, self.sy + other.sy,
                             self.syy + other.syy, self.sxy + other.sxy, self.shift_x, self.shift_y)

    def mean(self) -> tuple[np.ndarray, np.ndarray]:
        """Means of x_i and of y_i over each pair's rows (NaN where there are none)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return self.shift_x + self.sx / self.n, self.shift_y + self.sy / self.n

    def cor(self) -> np.ndarray:
        """Pearson correlation of each pair over its rows (R ``cor(x_i, y_i, use =
        "pairwise")``); NaN with fewer than 2 rows or no variance."""
        with np.errstate(invalid="ignore", divide="ignore"):
            cxy = self.sxy - self.sx * self.sy / self.n
            cxx = self.sxx - self.sx * self.sx / self.n
            cyy = self.syy - self.sy * self.sy / self.n
            return cxy / np.sqrt(cxx * cyy)
