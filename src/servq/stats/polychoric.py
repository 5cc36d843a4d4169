"""Sample statistics of an ordinal CFA (lavaan's ``estimator = "WLSMV"`` with ``ordered =``).

Items are integer codes (1, 2, …; 0, negative and NaN are missing). Everything is computed
from mergeable sums:

1. :class:`OrdinalTables` holds, per item, the count of each code and, per pair of items, the
   K_i × K_j table of code pairs over the rows answering both (pairwise present, lavaan's
   ``missing = "pairwise"``; ``missing = "listwise"`` first drops incomplete rows). Tables of
   chunks add up (``a + b``), categories indexed by code, so any number of rows is summarised
   chunk by chunk with one matrix product a chunk (the one-hot codes' cross-product).
2. :func:`polychoric` turns the tables into lavaan's two-step estimates (Olsson 1979;
   Muthén 1984): thresholds τ_ic = Φ⁻¹(cumulative proportion of codes ≤ c) from each item's
   answers, then each polychoric correlation ρ_ij maximising Σ_ab n_ab log π_ab(ρ) with the
   thresholds fixed, π_ab the bivariate-normal probability of cell (a, b) (cells below
   √ε get √ε, empty cells add nothing; a 2 × 2 table with one empty cell gets 0.5 added keeping
   the margins, lavaan's ``zero.add = c(0.5, 0)``).
3. The asymptotic covariance of (thresholds, correlations) that WLSMV uses, lavaan's
   ``lavInspect(fit, "gamma")`` (NACOV; Muthén 1984, Muthén, du Toit & Spisic 1997):
   N · B⁻¹ J B⁻ᵀ with J = Σ_rows s sᵀ the cross-product of the casewise scores s (the
   univariate scores of the thresholds, the bivariate scores of the correlations), B the
   block-triangular matrix of A11 (per item, J's threshold block), A21 (correlation score ×
   bivariate threshold score) and diag A22 (squared correlation scores).

A casewise score depends on the row only through the codes of one item (threshold scores) or
one pair (correlation scores), so every sum that involves one item or one pair is a sum over
that item's counts or that pair's table. That gives the thresholds, the correlations, B and
the *diagonal* of NACOV, hence the DWLS weights ``lavInspect(fit, "wls.v")`` =
diag(1/diag NACOV) that WLSMV estimates with, from the tables alone
(:meth:`Polychoric.wls_v`). The off-diagonal of J pairs the scores of two different pairs
(i, j) and (k, l): a function of four items' codes, which no bivariate table holds. The full
NACOV (robust standard errors, the mean-and-variance adjusted χ²) therefore takes a second
pass over the rows once the estimates are known, again a mergeable sum
(:meth:`Polychoric.score_crossproducts`, one matrix product a chunk; :meth:`Polychoric.nacov`).

:func:`polyserial` pairs a continuous variable with an ordinal one (Olsson, Drasgow & Dorans
1982), lavaan's two-step estimate: mean, ML variance and thresholds from the margins, then ρ
by ML given them; :meth:`Polyserial.scores` gives the case-wise scores for NACOV (used by
:mod:`servq.stats.sem.wls_mixed` for CFAs of mixed items).

Reference values: ``tests/golden/polychoric.R`` and ``tests/golden/sem_mixed.R`` (lavaan 0.6-14).

References
----------
Olsson, U. (1979). Maximum likelihood estimation of the polychoric correlation coefficient.
*Psychometrika*, 44, 443–460.
Muthén, B. (1984). A general structural equation model with dichotomous, ordered
categorical, and continuous latent variable indicators. *Psychometrika*, 49, 115–132.
Muthén, B., du Toit, S. H. C. & Spisic, D. (1997). Robust inference using weighted least
squares and quadratic estimating equations in latent variable modeling with categorical and
continuous outcomes. Unpublished manuscript.
Genz, A. (2004). Numerical computation of rectangular bivariate and trivariate normal and t
probabilities. *Statistics and Computing*, 14, 251–260.
Olsson, U., Drasgow, F. & Dorans, N. J. (1982). The polyserial correlation coefficient.
*Psychometrika*, 47, 337–347.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import ndtr, ndtri

__all__ = ["OrdinalTables", "Polychoric", "Polyserial", "ScoreCrossproducts", "bivariate_normal_cdf", "polychoric",
           "polyserial"]

MAX_CODE = 255  # codes are category numbers: a larger one is almost surely not an ordinal answer
_TINY = math.sqrt(np.finfo(float).eps)  # lavaan's sqrt(.Machine$double.eps) floor for cell probabilities
_BLOCK = 1 << 16  # rows per one-hot block: float32 counts stay exact (< 2**24)
_RHO_BOUND = 0.999  # lavaan's nlminb bounds for a polychoric correlation


# --- bivariate normal --------------------------------------------------------------------

_GL = {  # Gauss–Legendre half-rules (points, weights) for 6, 12 and 20 points (Genz 2004)
    6: (np.array([0.9324695142031522, 0.6612093864662647, 0.2386191860831970]),
        np.array([0.1713244923791705, 0.3607615730481384, 0.4679139345726904])),
    12: (np.array([0.9815606342467191, 0.9041172563704750, 0.7699026741943050,
                   0.5873179542866171, 0.3678314989981802, 0.1252334085114692]),
         np.array([0.04717533638651177, 0.1069393259953183, 0.1600783285433464,
                   0.2031674267230659, 0.2334925365383547, 0.2491470458134029])),
    20: (np.array([0.9931285991850949, 0.9639719272779138, 0.9122344282513259, 0.8391169718222188,
                   0.7463319064601508, 0.6360536807265150, 0.5108670019508271, 0.3737060887154196,
                   0.2277858511416451, 0.07652652113349733]),
         np.array([0.01761400713915212, 0.04060142980038694, 0.06267204833410906, 0.08327674157670475,
                   0.1019301198172404, 0.1181945319615184, 0.1316886384491766, 0.1420961093183821,
                   0.1491729864726037, 0.1527533871307259])),
}


def _bvn_upper(h: NDArray[np.float64], k: NDArray[np.float64], r: float) -> NDArray[np.float64]:
    """P(X > h, Y > k) for finite h, k and one correlation r (Drezner & Wesolowsky 1989 as
    modified by Genz for double precision)."""
    x, w = _GL[6] if abs(r) < 0.3 else _GL[12] if abs(r) < 0.75 else _GL[20]
    h = np.asarray(h, dtype=float)
    k = np.asarray(k, dtype=float)
    hk = h * k
    with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
        if abs(r) < 0.925:
            hs = (h * h + k * k) / 2
            asr = math.asin(r)
            sn = np.sin(asr * np.concatenate([1 - x, 1 + x]) / 2)
            ww = np.concatenate([w, w])
            e = np.exp((np.multiply.outer(hk, sn) - hs[..., None]) / (1 - sn * sn))
            bvn = (e * ww).sum(axis=-1) * asr / (4 * math.pi) + ndtr(-h) * ndtr(-k)
        else:
            if r < 0:
                k = -k
                hk = -hk
            bvn = np.zeros_like(hk)
            if abs(r) < 1:
                as_ = (1 - r) * (1 + r)
                a = math.sqrt(as_)
                bs = (h - k) ** 2
                c = (4 - hk) / 8
                d = (12 - hk) / 16
                asr_v = -(bs / as_ + hk) / 2
                bvn = np.where(asr_v > -100, a * np.exp(asr_v) * (1 - c * (bs - as_) * (1 - d * bs / 5) / 3
                                                              + c * d * as_ * as_ / 5), 0.0)
                b = np.sqrt(bs)
                sp = math.sqrt(2 * math.pi) * ndtr(-b / a)
                bvn = np.where(hk > -100, bvn - np.exp(-hk / 2) * sp * b * (1 - c * bs * (1 - d * bs / 5) / 3), bvn)
                a /= 2
                for sign in (-1.0, 1.0):
                    xs = (a + a * sign * x) ** 2
                    rs = np.sqrt(1 - xs)
                    asr2 = -(bs[..., None] / xs + hk[..., None]) / 2
                    sp2 = 1 + c[..., None] * xs * (1 + d[..., None] * xs)
                    ep = np.exp(-hk[..., None] * (1 - rs) / (2 * (1 + rs))) / rs
                    term = np.where(asr2 > -100, a * w * np.exp(asr2) * (ep - sp2), 0.0)
                    bvn = bvn + term.sum(axis=-1)
                bvn = -bvn / (2 * math.pi)
            if r > 0:
                bvn = bvn + ndtr(-np.maximum(h, k))
            elif r < 0:
                bvn = -bvn + np.maximum(0.0, ndtr(-h) - ndtr(-k))
    return np.clip(bvn, 0.0, 1.0)


def bivariate_normal_cdf(x: ArrayLike, y: ArrayLike, rho: float) -> NDArray[np.float64]:
    """Standard bivariate normal distribution function Φ₂(x, y; ρ) = P(X ≤ x, Y ≤ y).

    Parameters
    ----------
    x, y : array_like
        Upper limits (broadcast together); ±inf allowed.
    rho : float
        Correlation, -1 ≤ ρ ≤ 1.

    Returns
    -------
    numpy.ndarray
        The probabilities, double precision (Genz's algorithm, the one R's ``pbivnorm`` and
        lavaan use).

    References
    ----------
    Drezner, Z. & Wesolowsky, G. O. (1989). On the computation of the bivariate normal
    integral. *Journal of Statistical Computation and Simulation*, 35, 101–107.
    Genz, A. (2004). Numerical computation of rectangular bivariate and trivariate normal and
    t probabilities. *Statistics and Computing*, 14, 251–260.

    Examples
    --------
    Orthant probability 1/4 + asin(ρ)/(2π); R: ``pbivnorm::pbivnorm(0, 0, 0.5)``:

    >>> round(float(bivariate_normal_cdf(0.0, 0.0, 0.5)[()]), 15)
    0.333333333333333
    """
    if not -1.0 <= rho <= 1.0:
        raise ValueError(f"correlation {rho!r} is outside [-1, 1]")
    xb, yb = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
    out = np.empty(xb.shape)
    fin = np.isfinite(xb) & np.isfinite(yb)
    out[fin] = _bvn_upper(-xb[fin], -yb[fin], float(rho))
    rest = ~fin
    xr, yr = xb[rest], yb[rest]
    out[rest] = np.where((xr == -np.inf) | (yr == -np.inf), 0.0, np.where(xr == np.inf, ndtr(yr), ndtr(xr)))
    return out


def _dbinorm(x: NDArray[np.float64], y: NDArray[np.float64], r: float) -> NDArray[np.float64]:
    s = 1 - r * r
    return np.exp(-(x * x - 2 * r * x * y + y * y) / (2 * s)) / (2 * math.pi * math.sqrt(s))


# --- tables ------------------------------------------------------------------------------

def _as_codes(codes: Any, items: Sequence[str] | None) -> tuple[NDArray[np.int64], tuple[str, ...]]:
    names = items
    if names is None and hasattr(codes, "columns"):
        names = [str(c) for c in codes.columns]
    arr = np.asarray(codes)
    if arr.ndim != 2:
        raise ValueError(f"codes must be a rows x items array, got {arr.ndim} dimension(s)")
    k = arr.shape[1]
    names = tuple(f"V{i + 1}" for i in range(k)) if names is None else tuple(str(n) for n in names)
    if len(names) != k:
        raise ValueError(f"{len(names)} item names for {k} columns")
    if len(set(names)) != k:
        raise ValueError("item names repeat")
    if arr.dtype.kind in "iub":
        out = arr.astype(np.int64)
    else:
        try:
            f = arr.astype(float)
        except (TypeError, ValueError) as err:
            raise ValueError(f"codes must be numbers: {err}") from None
        nan = np.isnan(f)
        bad = ~nan & (f != np.round(f))
        if bad.any():
            r, c = np.argwhere(bad)[0]
            raise ValueError(f"item {names[c]}: row {r} has {float(f[r, c])!r}, not an integer category code")
        out = np.where(nan, 0, f).astype(np.int64)
    out[out < 0] = 0
    too = out > MAX_CODE
    if too.any():
        r, c = np.argwhere(too)[0]
        raise ValueError(f"item {names[c]}: row {r} has code {out[r, c]}; ordinal codes go up to {MAX_CODE}")
    return out, names


@dataclass(frozen=True, eq=False)
class OrdinalTables:
    """Univariate and bivariate contingency tables of ordinal items: mergeable counts.

    ``cross[i, a - 1, j, b - 1]`` counts the rows with code a on item i and code b on item j
    (both present); its diagonal blocks' diagonals are the items' code counts. Tables of two
    chunks with the same items add (``a + b``), whatever codes each chunk saw.

    Parameters
    ----------
    items : tuple of str
        Item names.
    cross : numpy.ndarray
        Integer counts, shape (k, W, k, W) with W the largest code seen.
    n : int
        Number of rows summarised (with or without answers).
    recode : tuple of numpy.ndarray, optional
        Set by :meth:`recoded`: per item, the category (code) each code first counted is
        part of.

    References
    ----------
    Olsson, U. (1979). Maximum likelihood estimation of the polychoric correlation
    coefficient. *Psychometrika*, 44, 443–460.

    Examples
    --------
    Two chunks, one of which never saw code 3 (R: ``table(x1, x2)`` on all rows):

    >>> a = OrdinalTables.from_codes([[1, 2], [2, 2]], items=["x1", "x2"])
    >>> b = OrdinalTables.from_codes([[3, 1], [0, 1]], items=["x1", "x2"])
    >>> (a + b).table("x1", "x2").tolist()
    [[0, 1], [0, 1], [1, 0]]
    >>> (a + b).counts("x1").tolist(), (a + b).n
    ([1, 1, 1], 4)
    """

    items: tuple[str, ...]
    cross: NDArray[np.int64]
    n: int
    recode: tuple[NDArray[np.int64], ...] | None = None  # per item, code -> category (see recoded())

    @classmethod
    def from_codes(cls, codes: Any, items: Sequence[str] | None = None, missing: str = "pairwise") -> OrdinalTables:
        """Count the codes of a chunk of rows.

        Parameters
        ----------
        codes : array_like or pandas.DataFrame
            Rows × items integer codes; 0, negative and NaN are missing.
        items : sequence of str, optional
            Item names (default: a DataFrame's columns, else V1, V2, …).
        missing : {"pairwise", "listwise"}
            Pairwise present rows for each table (lavaan's ``missing = "pairwise"``) or only
            the rows answering every item.

        Returns
        -------
        OrdinalTables
            The chunk's counts.

        References
        ----------
        Muthén, B. (1984). *Psychometrika*, 49, 115–132.

        Examples
        --------
        R: ``table(d$x1)`` and ``table(d$x1, d$x2)``:

        >>> t = OrdinalTables.from_codes([[1, 1], [2, 1], [2, 2]], items=["x1", "x2"])
        >>> t.counts("x1").tolist(), t.table("x1", "x2").tolist()
        ([1, 2], [[1, 0], [1, 1]])
        """
        arr, names = _as_codes(codes, items)
        if missing not in ("pairwise", "listwise"):
            raise ValueError(f"missing must be 'pairwise' or 'listwise', not {missing!r}")
        if missing == "listwise":
            arr = arr[(arr > 0).all(axis=1)]
        n_rows = arr.shape[0]
        k = arr.shape[1]
        width = int(arr.max()) if arr.size else 0
        cross = np.zeros((k * width, k * width), dtype=np.int64)
        if width:
            offset = np.arange(k) * width
            for start in range(0, arr.shape[0], _BLOCK):
                block = arr[start:start + _BLOCK]
                onehot = np.zeros((block.shape[0], k * width), dtype=np.float32)
                rows, cols = np.nonzero(block)
                onehot[rows, offset[cols] + block[rows, cols] - 1] = 1.0
                cross += np.rint(onehot.T @ onehot).astype(np.int64)
        return cls(names, cross.reshape(k, width, k, width), n_rows)

    @property
    def width(self) -> int:
        """Largest code the tables can hold."""
        return int(self.cross.shape[1])

    def _padded(self, width: int) -> NDArray[np.int64]:
        if width == self.width:
            return self.cross
        k = len(self.items)
        out = np.zeros((k, width, k, width), dtype=np.int64)
        out[:, : self.width, :, : self.width] = self.cross
        return out

    def __add__(self, other: OrdinalTables) -> OrdinalTables:
        if not isinstance(other, OrdinalTables):
            return NotImplemented
        if other.items != self.items:
            raise ValueError(f"cannot merge tables of items {list(self.items)} and {list(other.items)}")
        if not _same_recode(self.recode, other.recode):
            raise ValueError("cannot merge tables whose categories were merged differently")
        width = max(self.width, other.width)
        return OrdinalTables(self.items, self._padded(width) + other._padded(width), self.n + other.n, self.recode)

    def subset(self, items: Sequence[str]) -> OrdinalTables:
        """The tables of some of the items, in the order given."""
        idx = [self._index(v) for v in items]
        return OrdinalTables(tuple(items), np.ascontiguousarray(self.cross[idx][:, :, idx]), self.n,
                             None if self.recode is None else tuple(self.recode[i] for i in idx))

    def recoded(self, recode: Sequence[NDArray[np.int64]]) -> OrdinalTables:
        """The tables with each item's codes read through ``recode[i]`` (code -> code, 0 stays
        0): categories merged (see :func:`shared_categories`). The result's :attr:`recode`
        maps the codes counted in the first place, so that :meth:`Polychoric.scores` reads
        the rows as they are.

        Examples
        --------
        Codes 1 and 2 of x1 counted as one category (R: ``d$x1[d$x1 == 1] <- 2``):

        >>> t = OrdinalTables.from_codes([[1, 1], [2, 2], [3, 1]], items=["x1", "x2"])
        >>> m = t.recoded([np.array([0, 2, 2, 3]), np.array([0, 1, 2, 3])])
        >>> m.counts("x1").tolist(), m.categories("x1").tolist(), m.table("x1", "x2").tolist()
        ([2, 1], [2, 3], [[1, 1], [1, 0]])
        """
        k = len(self.items)
        if len(recode) != k:
            raise ValueError(f"{len(recode)} recodings for {k} items")
        width = max([self.width, *(int(np.max(lookup[1:self.width + 1], initial=0)) for lookup in recode)])
        onehot = np.zeros((k, width, width), dtype=np.int64)  # item, code, new code (codes from 1)
        for i, lookup in enumerate(recode):
            new = np.asarray(lookup, dtype=np.int64)[1:width + 1]
            if len(new) < self.width or (new[:self.width] < 1).any():
                raise ValueError(f"the recoding of item {self.items[i]} must map codes 1..{self.width} to codes from 1")
            onehot[i, np.arange(len(new)), np.minimum(new, width) - 1] = 1
        cross = np.einsum("iajb,iac,jbd->icjd", self._padded(width), onehot, onehot)
        full = [np.asarray(lookup, dtype=np.int64) for lookup in recode]
        if self.recode is not None:  # a second merge reads the first one's categories
            full = [new[np.minimum(old, len(new) - 1)] for old, new in zip(self.recode, full)]
        return OrdinalTables(self.items, cross, self.n, tuple(full))

    def _index(self, item: str | int) -> int:
        if isinstance(item, int | np.integer):
            return int(item)
        try:
            return self.items.index(item)
        except ValueError:
            raise KeyError(f"no item {item!r}") from None

    def counts(self, item: str | int) -> NDArray[np.int64]:
        """Count of each observed code of ``item``, codes ascending (see :meth:`categories`)."""
        i = self._index(item)
        c = np.diagonal(self.cross[i, :, i, :]).copy()
        return c[c > 0]

    def categories(self, item: str | int) -> NDArray[np.int64]:
        """Observed codes of ``item``, ascending (lavaan numbers them 1..K in this order)."""
        i = self._index(item)
        return np.flatnonzero(np.diagonal(self.cross[i, :, i, :]) > 0) + 1

    def table(self, first: str | int, second: str | int) -> NDArray[np.int64]:
        """K_i × K_j table of the observed codes of two items over the rows answering both."""
        i, j = self._index(first), self._index(second)
        return self.cross[i, :, j, :][np.ix_(self.categories(i) - 1, self.categories(j) - 1)]


# --- estimates ---------------------------------------------------------------------------

def _through(lookup: NDArray[np.int64], codes: NDArray[np.int64]) -> NDArray[np.int64]:
    """``codes`` read through ``lookup``; a code beyond it (never counted) stays as it is, for
    :meth:`Polychoric.scores` to name."""
    inside = codes < len(lookup)
    return np.where(inside, lookup[np.where(inside, codes, 0)], codes)


def _same_recode(a: tuple[NDArray[np.int64], ...] | None, b: tuple[NDArray[np.int64], ...] | None) -> bool:
    if a is None or b is None:
        return a is b
    return len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b))


def shared_categories(tables: Sequence[OrdinalTables]) -> tuple[NDArray[np.int64], ...]:
    """Per item, the recoding (code -> code) after which every group uses every category.

    Ordered items compared across groups need the same categories in each group (lavaan
    stops otherwise; Mplus too). A category some group never chose is merged into a
    neighbour, and so on until every category left is used in every group: an end category
    into the next one in; one in between into the neighbour with fewer answers over all
    groups (the lower one on a tie), so that the merged categories stay as even as they can.
    A category no group chose is not a category and is left alone.

    Parameters
    ----------
    tables : sequence of OrdinalTables
        One per group, of the same items.

    Returns
    -------
    tuple of numpy.ndarray
        Per item, a lookup of length ``width + 1`` (index 0: no answer, kept 0); the
        identity where nothing is merged. Pass it to :meth:`OrdinalTables.recoded`.

    References
    ----------
    Rhemtulla, M., Brosseau-Liard, P. É. & Savalei, V. (2012). When can categorical
    variables be treated as continuous? *Psychological Methods*, 17, 354–373 (collapsing
    sparse categories across groups).

    Examples
    --------
    Group b never chose code 1 of x1: it becomes part of code 2 (R: ``d$x1[d$x1 == 1] <- 2``
    before ``cfa(..., group = "g", group.equal = "thresholds")``):

    >>> a = OrdinalTables.from_codes([[1, 1], [2, 2], [3, 1]], items=["x1", "x2"])
    >>> b = OrdinalTables.from_codes([[2, 1], [3, 2], [3, 2]], items=["x1", "x2"])
    >>> [m.tolist() for m in shared_categories([a, b])]
    [[0, 2, 2, 3], [0, 1, 2, 3]]
    """
    if not tables:
        raise ValueError("no tables")
    items = tables[0].items
    if any(t.items != items for t in tables):
        raise ValueError("the groups' tables must have the same items")
    width = max(t.width for t in tables)
    # groups x items x codes: each item's answer counts (the diagonals of its own table)
    every = np.stack([np.einsum("iaia->ia", t._padded(width)) for t in tables])
    out = []
    for i in range(len(items)):
        counts = every[:, i, :].copy()  # groups x codes, merged below
        lookup = np.arange(width + 1, dtype=np.int64)
        cats = [c for c in range(width) if counts[:, c].sum() > 0]  # 0-based codes someone chose
        while len(cats) > 1:
            gaps = [at for at, c in enumerate(cats) if (counts[:, c] == 0).any()]
            if not gaps:
                break
            at = gaps[0]
            if at == 0 or at == len(cats) - 1:
                into = cats[1] if at == 0 else cats[-2]
            else:
                lower, upper = cats[at - 1], cats[at + 1]
                into = lower if counts[:, lower].sum() <= counts[:, upper].sum() else upper
            gone = cats.pop(at)
            counts[:, into] += counts[:, gone]
            lookup[lookup == gone + 1] = into + 1
        out.append(lookup)
    return tuple(out)


def _polychoric_pair(freq: NDArray[np.float64], th1: NDArray[np.float64], th2: NDArray[np.float64],
                     names: tuple[str, str]) -> float:
    """lavaan's two-step polychoric correlation of one table (lav_bvord_cor_twostep_fit)."""
    nr, nc = freq.shape
    if nr == 2 and nc == 2:
        zero = np.flatnonzero(freq.ravel(order="F") == 0)
        if zero.size >= 2:
            raise ValueError(f"items {names[0]} and {names[1]}: two empty cells in their 2 x 2 table; "
                             "the polychoric correlation is ±1 (lavaan warns and sets it so)")
        if zero.size == 1:  # zero.add = 0.5 keeping the margins
            f = freq.copy()
            s = 1.0 if zero[0] in (0, 3) else -1.0
            f[0, 0] += 0.5 * s
            f[1, 1] += 0.5 * s
            f[1, 0] -= 0.5 * s
            f[0, 1] -= 0.5 * s
            freq = f
        if freq[0, 0] * freq[1, 1] == freq[0, 1] * freq[1, 0]:
            return 0.0
        if th1[0] == 0 and th2[0] == 0:
            return float(-math.cos(2 * math.pi * freq[0, 0] / freq.sum()))
    t1 = np.repeat(th1, th2.size)
    t2 = np.tile(th2, th1.size)

    def gradient(rho: float) -> float:
        pi = _cell_probabilities(th1, th2, rho)
        phi = _cell_densities(th1, th2, rho, t1, t2)
        ok = pi > _TINY
        return float((freq[ok] * phi[ok] / pi[ok]).sum())

    # lavaan starts nlminb at the Pearson correlation of the category numbers and finds the
    # maximum nearest to it: walk from there uphill on a grid until the score changes sign
    a = np.arange(nr, dtype=float)
    b = np.arange(nc, dtype=float)
    n = freq.sum()
    ma, mb = (freq.sum(1) @ a) / n, (freq.sum(0) @ b) / n
    cov = (a - ma) @ freq @ (b - mb)
    va, vb = freq.sum(1) @ (a - ma) ** 2, freq.sum(0) @ (b - mb) ** 2
    start = float(cov / math.sqrt(va * vb)) if va > 0 and vb > 0 else 0.0
    if not abs(start) < 1:
        start = 0.0
    return _root_from(gradient, start, _RHO_BOUND)


def _cell_probabilities(th1: NDArray[np.float64], th2: NDArray[np.float64], rho: float) -> NDArray[np.float64]:
    """π_ab of the K1 × K2 cells, floored at √ε as lavaan does."""
    p1, p2 = ndtr(th1), ndtr(th2)
    if rho == 0:
        pi = np.outer(np.diff(np.r_[0.0, p1, 1.0]), np.diff(np.r_[0.0, p2, 1.0]))
    else:
        bi = bivariate_normal_cdf(th1[:, None], th2[None, :], rho)
        bi = np.vstack([np.zeros(th2.size), bi, p2[None, :]])
        bi = np.hstack([np.zeros((bi.shape[0], 1)), bi, np.r_[0.0, p1, 1.0][:, None]])
        pi = bi[1:, 1:] - bi[1:, :-1] - bi[:-1, 1:] + bi[:-1, :-1]
    return np.maximum(pi, _TINY)


def _cell_densities(th1: NDArray[np.float64], th2: NDArray[np.float64], rho: float,
                    t1: NDArray[np.float64] | None = None, t2: NDArray[np.float64] | None = None) -> NDArray[np.float64]:
    """dπ_ab/dρ: φ₂ at the cell's four corners (lavaan's phi)."""
    if t1 is None or t2 is None:
        t1, t2 = np.repeat(th1, th2.size), np.tile(th2, th1.size)
    d = _dbinorm(t1, t2, rho).reshape(th1.size, th2.size)
    out = np.zeros((th1.size + 1, th2.size + 1))
    out[:-1, :-1] += d
    out[1:, :-1] -= d
    out[:-1, 1:] -= d
    out[1:, 1:] += d
    return out


def _threshold_derivatives(th1: NDArray[np.float64], th2: NDArray[np.float64], rho: float) -> NDArray[np.float64]:
    """D[t, b] = ∂π_ab/∂τ_t of item 1 for a = t (the cell above the threshold gets −D)."""
    r = math.sqrt(1 - rho * rho)
    upper = np.r_[th2, np.inf]
    lower = np.r_[-np.inf, th2]
    dens = np.exp(-0.5 * th1 * th1) / math.sqrt(2 * math.pi)
    with np.errstate(invalid="ignore"):
        return dens[:, None] * (ndtr((upper[None, :] - rho * th1[:, None]) / r)
                                - ndtr((lower[None, :] - rho * th1[:, None]) / r))


@dataclass(frozen=True, eq=False)
class ScoreCrossproducts:
    """Cross-product J = Σ_rows s sᵀ of the casewise scores of a :class:`Polychoric` fit.

    Mergeable by addition; pass the total to :meth:`Polychoric.nacov`.

    Parameters
    ----------
    inner : numpy.ndarray
        J, (thresholds + correlations) square, lavaan's order.
    n : int
        Rows summed.

    References
    ----------
    Muthén, B. (1984). *Psychometrika*, 49, 115–132.

    Examples
    --------
    As R's ``crossprod(SC)`` inside ``lavaan:::muthen1984``:

    >>> fit = polychoric(OrdinalTables.from_codes([[1, 1], [2, 2], [2, 1], [1, 2], [2, 2]]))
    >>> a = fit.score_crossproducts([[1, 1], [2, 2]])
    >>> (a + fit.score_crossproducts([[2, 1], [1, 2], [2, 2]])).inner.shape
    (3, 3)
    """

    inner: NDArray[np.float64]
    n: int

    def __add__(self, other: ScoreCrossproducts) -> ScoreCrossproducts:
        if not isinstance(other, ScoreCrossproducts):
            return NotImplemented
        if other.inner.shape != self.inner.shape:
            raise ValueError("cannot merge score cross-products of different fits")
        return ScoreCrossproducts(self.inner + other.inner, self.n + other.n)

    def subset(self, fit: Polychoric, items: Sequence[str]) -> ScoreCrossproducts:
        """J of the statistics of ``items`` alone (in that order), from J of ``fit``'s.

        Parameters
        ----------
        fit : Polychoric
            The fit these cross-products were scored with.
        items : sequence of str
            Items of ``fit``; the result is laid out as ``polychoric`` of their tables is.

        Returns
        -------
        ScoreCrossproducts
            The rows and columns of J of those items' thresholds and correlations.

        Examples
        --------
        R: the rows and columns of ``lavInspect(fit, "gamma")`` that a smaller model keeps:

        >>> d = [[1, 1, 2], [2, 2, 2], [2, 1, 1], [1, 2, 1], [2, 2, 2]]
        >>> fit = polychoric(OrdinalTables.from_codes(d, items=["a", "b", "c"]))
        >>> fit.score_crossproducts(d).subset(fit, ["c", "a"]).inner.shape
        (3, 3)
        """
        if len(fit.wls_obs()) != self.inner.shape[0]:
            raise ValueError("these score cross-products are not of that fit")
        at = {name: i for i, name in enumerate(fit.items)}
        missing = [name for name in items if name not in at]
        if missing:
            raise ValueError(f"{missing[0]} is not an item of the fit")
        idx = [at[name] for name in items]
        starts = fit._starts()
        pair_at = {frozenset(pair): int(starts[-1]) + k for k, pair in enumerate(fit.pairs())}
        keep = [t for i in idx for t in range(starts[i], starts[i + 1])]
        keep += [pair_at[frozenset((idx[a], idx[b]))] for b in range(len(idx) - 1) for a in range(b + 1, len(idx))]
        return ScoreCrossproducts(np.ascontiguousarray(self.inner[np.ix_(keep, keep)]), self.n)


@dataclass(frozen=True, eq=False)
class Polychoric:
    """Thresholds, polychoric correlations and their asymptotic covariance pieces.

    Built by :func:`polychoric`. Vectors follow lavaan: thresholds item by item, then the
    correlations below the diagonal column by column ((2,1), (3,1), …, (k,1), (3,2), …).

    Parameters
    ----------
    items : tuple of str
        Item names.
    categories : tuple of numpy.ndarray
        Observed codes of each item.
    thresholds : tuple of numpy.ndarray
        τ of each item (K_i − 1 values).
    correlation : numpy.ndarray
        k × k polychoric correlation matrix.
    n : int
        Rows summarised (lavaan's ``nobs``).
    a11 : tuple of numpy.ndarray
        Per item Σ s sᵀ of its threshold scores.
    a21 : numpy.ndarray
        Correlation scores × bivariate threshold scores (pairs × thresholds).
    a22 : numpy.ndarray
        Σ of each squared correlation score.
    inner_diagonal : numpy.ndarray
        Per correlation, J on (τ_i, τ_j, ρ_ij) from the pair's table (for the NACOV diagonal).
    uni_scores : tuple of numpy.ndarray
        Per item, threshold scores by code (row 0: missing).
    pair_scores : tuple of numpy.ndarray
        Per pair, correlation scores by (code_i, code_j) (row / column 0: missing).
    recode : tuple of numpy.ndarray, optional
        The tables' :attr:`OrdinalTables.recode`: :meth:`scores` reads a chunk's codes through it.

    References
    ----------
    Muthén, B. (1984). *Psychometrika*, 49, 115–132.

    Examples
    --------
    R: ``lavCor(d, ordered = names(d), output = "th")``:

    >>> fit = polychoric(OrdinalTables.from_codes([[1, 1], [2, 2], [2, 1], [1, 2], [2, 2]]))
    >>> fit.wls_obs().round(4).tolist()
    [-0.2533, -0.2533, 0.2629]
    """

    items: tuple[str, ...]
    categories: tuple[NDArray[np.int64], ...]
    thresholds: tuple[NDArray[np.float64], ...]
    correlation: NDArray[np.float64]
    n: int
    a11: tuple[NDArray[np.float64], ...] = field(repr=False)
    a21: NDArray[np.float64] = field(repr=False)
    a22: NDArray[np.float64] = field(repr=False)
    inner_diagonal: tuple[NDArray[np.float64], ...] = field(repr=False)
    uni_scores: tuple[NDArray[np.float64], ...] = field(repr=False)
    pair_scores: tuple[NDArray[np.float64], ...] = field(repr=False)
    recode: tuple[NDArray[np.int64], ...] | None = field(default=None, repr=False)

    def pairs(self) -> list[tuple[int, int]]:
        """Item index pairs (i, j), i > j, in lavaan's order of the correlations."""
        k = len(self.items)
        return [(i, j) for j in range(k - 1) for i in range(j + 1, k)]

    def threshold_names(self) -> list[str]:
        """lavaan's names of the thresholds: ``item|t1``, ``item|t2``, …"""
        return [f"{name}|t{t + 1}" for name, th in zip(self.items, self.thresholds) for t in range(th.size)]

    def wls_obs(self) -> NDArray[np.float64]:
        """(thresholds, correlations) in lavaan's order (``lavInspect(fit, "wls.obs")``)."""
        cors = [self.correlation[i, j] for i, j in self.pairs()]
        return np.concatenate([*self.thresholds, np.asarray(cors, dtype=float)])

    def _starts(self) -> NDArray[np.int64]:
        return np.concatenate([[0], np.cumsum([th.size for th in self.thresholds])]).astype(np.int64)

    def _b_inverse(self) -> NDArray[np.float64]:
        starts = self._starts()
        nth = int(starts[-1])
        pstar = len(self.pairs())
        a11_inv = np.zeros((nth, nth))
        for i, block in enumerate(self.a11):
            s = slice(starts[i], starts[i + 1])
            a11_inv[s, s] = np.linalg.inv(block)
        a22_inv = 1.0 / self.a22
        binv = np.zeros((nth + pstar, nth + pstar))
        binv[:nth, :nth] = a11_inv
        binv[nth:, :nth] = -(a22_inv[:, None] * self.a21) @ a11_inv
        binv[nth:, nth:] = np.diag(a22_inv)
        return binv

    def nacov_diagonal(self) -> NDArray[np.float64]:
        """Diagonal of NACOV (``diag(lavInspect(fit, "gamma"))``) from the tables alone."""
        starts = self._starts()
        thr = [np.diag(np.linalg.inv(block)) for block in self.a11]
        cor = np.empty(len(self.a22))
        for p, (i, j) in enumerate(self.pairs()):
            mi, mj = self.thresholds[i].size, self.thresholds[j].size
            inv_i, inv_j = np.linalg.inv(self.a11[i]), np.linalg.inv(self.a11[j])
            u_i = self.a21[p, starts[i]:starts[i + 1]]
            u_j = self.a21[p, starts[j]:starts[j + 1]]
            b = np.concatenate([-(inv_i @ u_i), -(inv_j @ u_j), [1.0]]) / self.a22[p]
            sub = self.inner_diagonal[p]
            if sub.shape != (mi + mj + 1, mi + mj + 1):
                raise ValueError(f"pieces of items {self.items[i]} and {self.items[j]} do not fit together")
            cor[p] = b @ sub @ b
        return self.n * np.concatenate([*thr, cor])

    def wls_v(self) -> NDArray[np.float64]:
        """DWLS weights of WLSMV, 1/diag(NACOV) (``diag(lavInspect(fit, "wls.v"))``), from the tables alone."""
        return 1.0 / self.nacov_diagonal()

    def scores(self, codes: Any) -> NDArray[np.float64]:
        """Casewise scores (rows × (thresholds + correlations)) of a chunk; missing → 0."""
        arr, names = _as_codes(codes, list(self.items))
        if arr.shape[1] != len(self.items):
            raise ValueError(f"{arr.shape[1]} columns for {len(self.items)} items")
        k = len(self.items)
        if self.recode is not None:  # the tables' categories were merged: read the codes so
            arr = np.column_stack([_through(lookup, arr[:, i]) for i, lookup in enumerate(self.recode)]) \
                if k else arr
        known = [np.zeros(MAX_CODE + 1, dtype=bool) for _ in range(k)]
        for i in range(k):
            known[i][0] = True
            known[i][self.categories[i]] = True
            bad = ~known[i][arr[:, i]]
            if bad.any():
                r = int(np.flatnonzero(bad)[0])
                raise ValueError(f"item {self.items[i]}: row {r} has code {arr[r, i]}, not seen when the tables were counted")
        starts = self._starts()
        nth = int(starts[-1])
        out = np.empty((arr.shape[0], nth + len(self.pair_scores)), order="F")  # column writes, then sᵀs
        for i in range(k):
            out[:, starts[i]:starts[i + 1]] = self.uni_scores[i][arr[:, i]]
        for p, (i, j) in enumerate(self.pairs()):
            table = self.pair_scores[p]
            out[:, nth + p] = table.ravel()[arr[:, i] * table.shape[1] + arr[:, j]]
        return out

    def score_crossproducts(self, codes: Any, chunk_size: int = 32768) -> ScoreCrossproducts:
        """Second pass: J = Σ s sᵀ over a chunk of rows (mergeable; see :meth:`nacov`).

        Parameters
        ----------
        codes : array_like or pandas.DataFrame
            The same rows × items codes the tables were counted from (any chunk of them).
        chunk_size : int
            Rows scored at a time.

        Returns
        -------
        ScoreCrossproducts
            The chunk's J.

        References
        ----------
        Muthén, B. (1984). *Psychometrika*, 49, 115–132.

        Examples
        --------
        R: ``lavInspect(fit, "gamma")`` needs this pass (see :meth:`nacov`):

        >>> d = [[1, 1], [2, 2], [2, 1], [1, 2], [2, 2]]
        >>> fit = polychoric(OrdinalTables.from_codes(d))
        >>> fit.score_crossproducts(d).n
        5
        """
        arr = np.asarray(codes) if not hasattr(codes, "columns") else codes
        total = np.zeros((self.a21.shape[0] + self.a21.shape[1],) * 2)
        n_rows = len(arr)
        for start in range(0, n_rows, max(1, chunk_size)):
            part = arr[start:start + chunk_size] if not hasattr(arr, "iloc") else arr.iloc[start:start + chunk_size]
            s = self.scores(part)
            total += s.T @ s
        return ScoreCrossproducts(total, n_rows)

    def nacov(self, crossproducts: ScoreCrossproducts) -> NDArray[np.float64]:
        """NACOV = N · B⁻¹ J B⁻ᵀ, lavaan's ``lavInspect(fit, "gamma")`` for ordered items.

        Parameters
        ----------
        crossproducts : ScoreCrossproducts
            J summed over all the rows the tables were counted from.

        Returns
        -------
        numpy.ndarray
            The asymptotic covariance matrix of ``wls_obs()`` times N.

        References
        ----------
        Muthén, B., du Toit, S. H. C. & Spisic, D. (1997). Robust inference using weighted
        least squares and quadratic estimating equations in latent variable modeling with
        categorical and continuous outcomes.

        Examples
        --------
        R: ``lavInspect(cfa(model, d, ordered = names(d), estimator = "WLSMV"), "gamma")``;
        its diagonal needs no second pass:

        >>> d = [[1, 1], [2, 2], [2, 1], [1, 2], [2, 2], [1, 1]]
        >>> fit = polychoric(OrdinalTables.from_codes(d))
        >>> g = fit.nacov(fit.score_crossproducts(d))
        >>> bool(np.allclose(np.diag(g), fit.nacov_diagonal()))
        True
        """
        if crossproducts.n != self.n:
            raise ValueError(f"score cross-products of {crossproducts.n} rows for tables of {self.n} rows")
        binv = self._b_inverse()
        g = self.n * (binv @ crossproducts.inner @ binv.T)
        return (g + g.T) / 2


def polychoric(tables: OrdinalTables) -> Polychoric:
    """Thresholds and polychoric correlations of ordinal items from their tables.

    lavaan's two-step estimates (``lavCor(d, ordered = names(d))``, the sample statistics of
    ``cfa(..., ordered = , estimator = "WLSMV")``): τ_ic = Φ⁻¹(P(code ≤ c)) from each item's
    answers; ρ_ij maximises Σ_ab n_ab log π_ab(ρ) over |ρ| ≤ .999 with the thresholds fixed,
    where π_ab = Φ₂(τ_a, τ_b; ρ) − Φ₂(τ_a−1, τ_b; ρ) − Φ₂(τ_a, τ_b−1; ρ) + Φ₂(τ_a−1, τ_b−1; ρ).
    The result also holds every piece of NACOV that one item's counts or one pair's table give.

    Parameters
    ----------
    tables : OrdinalTables
        Counts of all the rows (chunks merged).

    Returns
    -------
    Polychoric
        Estimates, the DWLS weights (:meth:`Polychoric.wls_v`) and the pieces for
        :meth:`Polychoric.nacov`.

    Raises
    ------
    ValueError
        An item with fewer than two observed categories, or a 2 × 2 table with two empty
        cells (the correlation is ±1), naming the item(s).

    References
    ----------
    Olsson, U. (1979). *Psychometrika*, 44, 443–460. Muthén, B. (1984). *Psychometrika*, 49,
    115–132.

    Examples
    --------
    R: ``lavaan::lavCor(d, ordered = names(d), output = "cor")``:

    >>> d = [[1, 1], [1, 1], [2, 2], [2, 2], [3, 3], [2, 1], [1, 2], [3, 2], [2, 3], [1, 1]]
    >>> fit = polychoric(OrdinalTables.from_codes(d, items=["q1", "q2"]))
    >>> round(float(fit.correlation[0, 1]), 3)
    0.763
    >>> fit.threshold_names()
    ['q1|t1', 'q1|t2', 'q2|t1', 'q2|t2']
    """
    k = len(tables.items)
    cats: list[NDArray[np.int64]] = []
    ths: list[NDArray[np.float64]] = []
    counts: list[NDArray[np.float64]] = []
    for i, name in enumerate(tables.items):
        c = tables.counts(i)
        if c.size < 2:
            seen = tables.categories(i).tolist()
            raise ValueError(f"item {name}: {'no answers' if not seen else f'only one category (code {seen[0]})'}; "
                             "an ordinal item needs at least two observed categories")
        cats.append(tables.categories(i))
        ths.append(ndtri(np.cumsum(c)[:-1] / c.sum()))
        counts.append(c.astype(float))
    # univariate scores by category and A11 (Σ over the item's answers of s sᵀ)
    uni_by_cat, a11 = [], []
    for th, cnt in zip(ths, counts):
        m = th.size
        dens = np.exp(-0.5 * th * th) / math.sqrt(2 * math.pi)
        p = np.diff(np.r_[0.0, ndtr(th), 1.0])
        s = np.zeros((m + 1, m))
        s[np.arange(m), np.arange(m)] = dens / p[:m]
        s[np.arange(1, m + 1), np.arange(m)] = -dens / p[1:]
        uni_by_cat.append(s)
        a11.append((s * cnt[:, None]).T @ s)
    starts = np.concatenate([[0], np.cumsum([th.size for th in ths])]).astype(np.int64)
    nth = int(starts[-1])
    cor = np.eye(k)
    pairs = [(i, j) for j in range(k - 1) for i in range(j + 1, k)]
    a21 = np.zeros((len(pairs), nth))
    a22 = np.zeros(len(pairs))
    inner_diag, pair_scores = [], []
    for p, (i, j) in enumerate(pairs):
        freq = tables.table(i, j).astype(float)
        rho = _polychoric_pair(freq, ths[i], ths[j], (tables.items[i], tables.items[j]))
        cor[i, j] = cor[j, i] = rho
        pi = _cell_probabilities(ths[i], ths[j], rho)
        ok = pi > _TINY  # lavaan: a row in a cell of probability ≤ √ε scores NA, left out of the sums
        inv = np.where(ok, 1.0 / pi, 0.0)
        d_rho = _cell_densities(ths[i], ths[j], rho) * inv
        # bivariate threshold scores: ∂ log π_ab / ∂τ_t, item i (rows) and item j (columns)
        d_i = _threshold_derivatives(ths[i], ths[j], rho)           # (m_i, K_j)
        d_j = _threshold_derivatives(ths[j], ths[i], rho)           # (m_j, K_i)
        wf = freq * d_rho
        mi, mj = ths[i].size, ths[j].size
        # Σ_ab n_ab d_rho_ab ∂logπ_ab/∂τ_t = Σ_b wf[t, b] D[t, b]/π_tb − Σ_b wf[t+1, b] D[t, b]/π_(t+1)b
        a21[p, starts[i]:starts[i + 1]] = (wf[:mi] * d_i * inv[:mi]).sum(1) - (wf[1:] * d_i * inv[1:]).sum(1)
        a21[p, starts[j]:starts[j + 1]] = (wf[:, :mj] * d_j.T * inv[:, :mj]).sum(0) - (wf[:, 1:] * d_j.T * inv[:, 1:]).sum(0)
        a22[p] = (freq * d_rho * d_rho).sum()
        # J on (τ_i, τ_j, ρ_ij) from the table
        si, sj = uni_by_cat[i], uni_by_cat[j]
        sub = np.zeros((mi + mj + 1, mi + mj + 1))
        sub[:mi, :mi] = a11[i]  # over every row answering the item, as in J
        sub[mi:mi + mj, mi:mi + mj] = a11[j]
        sub[:mi, mi:mi + mj] = si.T @ freq @ sj
        sub[mi:mi + mj, :mi] = sub[:mi, mi:mi + mj].T
        sub[:mi, -1] = sub[-1, :mi] = si.T @ wf.sum(1)
        sub[mi:mi + mj, -1] = sub[-1, mi:mi + mj] = sj.T @ wf.sum(0)
        sub[-1, -1] = a22[p]
        inner_diag.append(sub)
        # correlation score by (code_i, code_j); index 0 = missing
        by_code = np.zeros((int(cats[i].max()) + 1, int(cats[j].max()) + 1))
        by_code[np.ix_(cats[i], cats[j])] = d_rho
        pair_scores.append(by_code)
    uni_scores = []
    for c, s in zip(cats, uni_by_cat):
        by_code = np.zeros((int(c.max()) + 1, s.shape[1]))
        by_code[c] = s
        uni_scores.append(by_code)
    # A11 of lavaan is J's threshold block of each item over the rows answering it
    return Polychoric(tables.items, tuple(cats), tuple(ths), cor, tables.n, tuple(a11), a21, a22,
                      tuple(inner_diag), tuple(uni_scores), tuple(pair_scores), tables.recode)


# --- polyserial ----------------------------------------------------------------------------

_PS_BOUND = 0.995  # lavaan's nlminb bounds for a polyserial correlation
_EPS = float(np.finfo(float).eps)
_OUTER = 100.0  # lavaan's stand-in for ±inf thresholds of the outer categories


@dataclass(frozen=True, eq=False)
class Polyserial:
    """Two-step polyserial correlation of a continuous x and an ordinal y, with its scores.

    Built by :func:`polyserial`. The marginal estimates come first (μ, σ² of x by ML; the
    thresholds τ of y from its cumulative proportions), then ρ maximises the likelihood with
    them fixed.

    Parameters
    ----------
    rho : float
        The polyserial correlation.
    mean, variance : float
        ML mean and variance (divisor N) of x.
    thresholds : numpy.ndarray
        τ_1 < … < τ_{K−1} of y.
    categories : numpy.ndarray
        Observed codes of y, ascending (numbered 1..K in this order).
    n : int
        Rows with both values.

    References
    ----------
    Olsson, U., Drasgow, F. & Dorans, N. J. (1982). The polyserial correlation coefficient.
    *Psychometrika*, 47, 337–347.

    Examples
    --------
    R: ``lavaan::lavCor(data.frame(x, y), ordered = "y")``:

    >>> x = [0.1, 1.2, -0.7, 2.0, 0.4, -1.1, 0.9, -0.2]
    >>> fit = polyserial(x, [1, 2, 1, 3, 2, 1, 3, 2])
    >>> fit.thresholds.round(4).tolist(), fit.n
    ([-0.3186, 0.6745], 8)
    """

    rho: float
    mean: float
    variance: float
    thresholds: NDArray[np.float64]
    categories: NDArray[np.int64]
    n: int

    def _rows(self, x: ArrayLike, y: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
        xs, ys = _serial_pairs(x, y)
        index = np.searchsorted(self.categories, ys)
        unseen = self.categories[np.minimum(index, self.categories.size - 1)] != ys
        if unseen.any():
            bad = int(ys[unseen][0])
            raise ValueError(f"ordinal code {bad} was not seen when the polyserial correlation was estimated")
        return xs, index + 1

    def scores(self, x: ArrayLike, y: ArrayLike) -> NDArray[np.float64]:
        """Case-wise scores ∂ log f / ∂(μ, σ², τ_1 … τ_{K−1}, ρ) of complete rows, lavaan's order.

        Parameters
        ----------
        x, y : array_like
            The continuous and the ordinal values the estimate came from (rows missing
            either are left out, as when estimating).

        Returns
        -------
        numpy.ndarray
            Rows × (K + 2): the bivariate log-likelihood's derivatives at the estimates
            (lavaan's ``lav_bvmix_cor_scores``: dx.mu.y1, dx.var.y1, dx.th.y2, dx.rho), the
            pieces of the asymptotic covariance of the sample statistics (Muthén 1984).

        References
        ----------
        Muthén, B. (1984). *Psychometrika*, 49, 115–132.

        Examples
        --------
        At the estimate the ρ scores sum to 0 (R: ``colSums`` of
        ``lavaan:::lav_bvmix_cor_scores(Y1 = x, Y2 = y, rho = rho)$dx.rho``):

        >>> x = [0.1, 1.2, -0.7, 2.0, 0.4, -1.1, 0.9, -0.2]
        >>> y = [1, 2, 1, 3, 2, 1, 3, 2]
        >>> s = polyserial(x, y).scores(x, y)
        >>> s.shape, abs(float(s[:, -1].sum())) < 1e-8
        ((8, 5), True)
        """
        xs, idx = self._rows(x, y)
        sd = math.sqrt(self.variance)
        z = (xs - self.mean) / sd
        rho = self.rho
        r = math.sqrt(1 - rho * rho)
        upper, lower = _serial_bounds(self.thresholds, idx)
        t1, t2 = (upper - rho * z) / r, (lower - rho * z) / r
        d1, d2 = np.exp(-0.5 * t1 * t1) / math.sqrt(2 * math.pi), np.exp(-0.5 * t2 * t2) / math.sqrt(2 * math.pi)
        p_inv = 1.0 / np.maximum(ndtr(t1) - ndtr(t2), _EPS)
        dd = d1 - d2
        m = self.thresholds.size
        out = np.empty((xs.size, m + 3))
        out[:, 0] = (z + p_inv * (rho / r) * dd) / sd
        out[:, 1] = ((z * z - 1) + p_inv * rho * z / r * dd) / (2 * self.variance)
        steps = np.arange(1, m + 1)
        out[:, 2:m + 2] = ((idx[:, None] == steps) * d1[:, None] - (idx[:, None] - 1 == steps) * d2[:, None]) \
            * (p_inv / r)[:, None]
        out[:, -1] = p_inv / r ** 3 * (d1 * (upper * rho - z) - d2 * (lower * rho - z))
        return out


def _serial_pairs(x: ArrayLike, y: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Rows with both values: x finite, y a positive integer code (0, negative, NaN: missing)."""
    xa = np.asarray(x, dtype=float).ravel()
    ya = np.asarray(y, dtype=float).ravel()
    if xa.size != ya.size:
        raise ValueError(f"x has {xa.size} values and y {ya.size}; they must be the same rows")
    present = ~np.isnan(ya) & (ya > 0)
    bad = present & (ya != np.round(ya))
    if bad.any():
        raise ValueError(f"y, row {int(np.flatnonzero(bad)[0])}: {float(ya[bad][0])!r} is not an integer category code")
    if np.isinf(xa).any():
        raise ValueError(f"x, row {int(np.flatnonzero(np.isinf(xa))[0])}: an infinite value")
    keep = present & ~np.isnan(xa)
    return xa[keep], ya[keep].astype(np.int64)


def _serial_bounds(th: NDArray[np.float64], idx: NDArray[np.int64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Upper and lower threshold of each row's category (idx 1..K), ±100 outside (as lavaan)."""
    cuts = np.r_[-_OUTER, th, _OUTER]
    return cuts[idx], cuts[idx - 1]


def polyserial(x: ArrayLike, y: ArrayLike) -> Polyserial:
    """Polyserial correlation of a continuous and an ordinal variable, lavaan's two-step estimate.

    The latent y* behind the ordinal y is standard normal and cut at thresholds τ; (x, y*)
    is bivariate normal with correlation ρ. Step one takes the marginal estimates: μ̂ and σ̂²
    (divisor N) of x, τ̂_c = Φ⁻¹(proportion of codes ≤ c) of y. Step two maximises
    Σ_rows log[φ(x; μ̂, σ̂) {Φ(τ*_y) − Φ(τ*_{y−1})}], τ*_c = (τ̂_c − ρ z)/√(1 − ρ²),
    z = (x − μ̂)/σ̂, over |ρ| ≤ .995 (lavaan's bounds; its ±100 stand in for the outer
    thresholds ±∞). Rows whose likelihood is below √ε drop out of the sum, as in lavaan, but
    with the density of the standardised z: lavaan takes the density of x in its own units,
    so its estimate depends on them (x in millionths of its unit drops every row); for x of
    unit-order spread the two rules agree.
    This is what ``lavCor(d, ordered = "y")`` and ``cfa(..., ordered =)`` compute
    (``lav_bvmix_cor_twostep_fit``); it differs from the ad hoc two-step estimate
    r·sd(y)/Σφ(τ̂) of ``polycor::polyserial(x, y)`` (used here only as the start) and equals
    its ``ML = TRUE`` estimate only approximately (that one re-estimates μ, σ, τ jointly).

    Parameters
    ----------
    x : array_like
        The continuous variable (NaN: missing).
    y : array_like
        Integer category codes of the ordinal variable (0, negative, NaN: missing); the
        observed codes are ranked 1..K.

    Returns
    -------
    Polyserial
        ρ, the marginal estimates and :meth:`Polyserial.scores` (for the asymptotic
        covariance of WLSMV).

    Raises
    ------
    ValueError
        Fewer than two observed categories of y, a constant x, or values that are not
        numbers / codes.

    References
    ----------
    Olsson, U., Drasgow, F. & Dorans, N. J. (1982). The polyserial correlation coefficient.
    *Psychometrika*, 47, 337–347.
    Muthén, B. (1984). A general structural equation model with dichotomous, ordered
    categorical, and continuous latent variable indicators. *Psychometrika*, 49, 115–132.

    Examples
    --------
    R: ``lavaan::lavCor(data.frame(x, y), ordered = "y")["x", "y"]`` (lavaan's
    ``lav_bvmix_cor_twostep_fit``; compare ``polycor::polyserial(x, y, ML = TRUE)``):

    >>> x = [0.1, 1.2, -0.7, 2.0, 0.4, -1.1, 0.9, -0.2, 1.5, -0.4]
    >>> y = [1, 2, 1, 3, 2, 1, 3, 2, 2, 1]
    >>> round(polyserial(x, y).rho, 4)
    0.8546
    """
    xs, ys = _serial_pairs(x, y)
    cats, idx, counts = np.unique(ys, return_inverse=True, return_counts=True)
    idx = idx.ravel() + 1
    if cats.size < 2:
        raise ValueError("y has " + ("no answers" if cats.size == 0 else f"only one category (code {int(cats[0])})")
                         + " among the complete rows; an ordinal variable needs at least two categories")
    n = xs.size
    mean = float(xs.mean())
    variance = float(np.mean((xs - mean) ** 2))
    if not variance > 0:
        raise ValueError("x is constant among the complete rows; a polyserial correlation needs a varying x")
    th = ndtri(np.cumsum(counts)[:-1] / n)
    sd = math.sqrt(variance)
    z = (xs - mean) / sd
    upper, lower = _serial_bounds(th, idx)
    dens_z = np.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)

    def gradient(rho: float) -> float:
        r = math.sqrt(1 - rho * rho)
        t1, t2 = (upper - rho * z) / r, (lower - rho * z) / r
        p = np.maximum(ndtr(t1) - ndtr(t2), _EPS)
        ok = dens_z * p >= _TINY
        d1, d2 = np.exp(-0.5 * t1 * t1), np.exp(-0.5 * t2 * t2)
        dx = (d1 * (upper * rho - z) - d2 * (lower * rho - z)) / (math.sqrt(2 * math.pi) * p * r ** 3)
        return float(dx[ok].sum())

    # lavaan starts at the ad hoc estimate r(x, y)·sd(y)/Σφ(τ) (halved beyond .9)
    yc = idx - idx.mean()
    start = float(np.sum((xs - mean) * yc) / math.sqrt(np.sum((xs - mean) ** 2) * np.sum(yc * yc))
                  * math.sqrt(np.mean(yc * yc)) / np.sum(np.exp(-0.5 * th * th) / math.sqrt(2 * math.pi)))
    if not math.isfinite(start):
        start = 0.0
    elif abs(start) > 0.9:
        start /= 2
    rho = _root_from(gradient, start, _PS_BOUND)
    return Polyserial(rho, mean, variance, th, cats.astype(np.int64), n)


def _root_from(gradient, start: float, bound: float) -> float:
    """The maximum nearest ``start`` of a log-likelihood with derivative ``gradient`` on [−bound, bound]:
    uphill on a grid of .05 until the derivative changes sign, then Brent's root."""
    g0 = gradient(start)
    if g0 == 0:
        return start
    direction = 1.0 if g0 > 0 else -1.0
    grid = np.r_[np.arange(start, direction * bound, direction * 0.05)[1:], direction * bound]
    prev = start
    for rho in grid:
        if gradient(float(rho)) * direction <= 0:
            from scipy.optimize import brentq  # on use: the engine's import stays light

            return float(brentq(gradient, min(prev, rho), max(prev, rho), xtol=1e-14, rtol=1e-14, maxiter=200))
        prev = float(rho)
    return direction * bound
