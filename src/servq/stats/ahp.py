"""Analytic hierarchy process: weights from a pairwise comparison matrix (Saaty 1977, 1980).

A judgement a_ij says how many times criterion i matters more than criterion j (Saaty's
1–9 scale); the matrix is positive and reciprocal, a_ji = 1/a_ij, a_ii = 1. Then

- weights w: the principal (Perron) eigenvector of A, normalised to Σ w = 1,
- λmax: its eigenvalue (λmax ≥ n, with equality exactly when a_ij = w_i/w_j throughout),
- consistency index CI = (λmax − n)/(n − 1) and consistency ratio CR = CI/RI(n) with Saaty's
  random index RI(1…11) = 0, 0, .58, .90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49, 1.51
  (CR = 0 for n ≤ 2, where every reciprocal matrix is consistent); judgements are accepted
  when CR < .10.
- the most inconsistent judgement: the (i, j), i < j, maximising |log(a_ij · w_j / w_i)|,
  i.e. the judgement furthest, as a ratio, from the value w_i/w_j the weights imply
  (first in row order on ties, deviations within 1e-9 counting as tied).

No R package is used as reference: the tests check the closed form for 3 × 3 matrices and
an independent power iteration.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

RANDOM_INDEX = (0.0, 0.0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49, 1.51)
CR_THRESHOLD = 0.10


class AHPError(ValueError):
    """A pairwise comparison matrix AHP cannot use; the message names the cell.

    Parameters
    ----------
    *args : object
        As for :class:`ValueError`: the message, naming the offending cell or label.

    References
    ----------
    .. [1] Saaty, T. L. (1980). *The Analytic Hierarchy Process: Planning, Priority Setting,
       Resource Allocation*. New York: McGraw-Hill.

    Examples
    --------
    A matrix that is not reciprocal (a_21 should be 1/2). R has no AHP in base R; this is
    the check one would write with ``stopifnot(all.equal(A * t(A), matrix(1, n, n)))``.

    >>> try:
    ...     ahp([[1, 2], [3, 1]])
    ... except AHPError as exc:
    ...     print(exc)
    cell (c1, c2) = 2 but (c2, c1) = 3: the matrix must be reciprocal, a_ji = 1/a_ij = 0.5
    """


class InconsistentJudgementsError(AHPError):
    """CR ≥ .10 under ``strict=True``; ``result`` holds the full :class:`AHPResult`.

    Parameters
    ----------
    message : str
        The CR and the most inconsistent judgement, in words.
    result : AHPResult
        The complete result, available as the ``result`` attribute.

    References
    ----------
    .. [1] Saaty, T. L. (1980). *The Analytic Hierarchy Process: Planning, Priority Setting,
       Resource Allocation*. New York: McGraw-Hill.

    Examples
    --------
    A circular set of judgements (a over b, b over c, c over a), whose CR in R is
    ``(Re(eigen(A)$values[1]) - 3) / 2 / 0.58``:

    >>> A = [[1, 9, 1/9], [1/9, 1, 9], [9, 1/9, 1]]
    >>> try:
    ...     ahp(A, labels=["a", "b", "c"], strict=True)
    ... except InconsistentJudgementsError as exc:
    ...     print(round(exc.result.cr, 4), exc.result.most_inconsistent)
    6.1303 a vs b: judged 9, the weights imply 1
    """

    def __init__(self, message: str, result: AHPResult):
        super().__init__(message)
        self.result = result


@dataclass(frozen=True)
class Judgement:
    """One judgement a_ij (``row`` over ``column``) and the ratio w_i/w_j the weights imply.

    Parameters
    ----------
    row, column : str
        Labels of criterion i and criterion j.
    given : float
        The judgement a_ij as entered.
    implied : float
        w_i / w_j from the principal eigenvector.

    References
    ----------
    .. [1] Saaty, T. L. (1980). *The Analytic Hierarchy Process: Planning, Priority Setting,
       Resource Allocation*. New York: McGraw-Hill.

    Examples
    --------
    In R the implied ratio is ``w[1] / w[2]`` with ``w`` the normalised principal
    eigenvector (see :func:`ahp`):

    >>> r = ahp([[1, 2, 4], [1/2, 1, 1/3], [1/4, 3, 1]], labels=["price", "staff", "speed"])
    >>> print(r.most_inconsistent)
    price vs staff: judged 2, the weights imply 3.634
    """

    row: str
    column: str
    given: float
    implied: float

    def __str__(self) -> str:
        return (f"{self.row} vs {self.column}: judged {self.given:.4g}, "
                f"the weights imply {self.implied:.4g}")


@dataclass(frozen=True)
class AHPResult:
    """Weights (Series indexed by label), λmax, CI, RI, CR and the consistency verdict.

    Parameters
    ----------
    labels : tuple of str
        Criterion names, in matrix order.
    matrix : DataFrame
        The pairwise comparison matrix as given, labelled.
    weights : Series
        Principal-eigenvector weights, summing to 1, indexed by label.
    lambda_max : float
        Principal eigenvalue λmax.
    ci, ri, cr : float
        Consistency index (λmax − n)/(n − 1), Saaty's random index RI(n) and the
        consistency ratio CI/RI (0 for n ≤ 2).
    consistent : bool
        Whether CR < .10.
    most_inconsistent : Judgement or None
        The judgement furthest from the weights (None when consistent).

    References
    ----------
    .. [1] Saaty, T. L. (1977). A scaling method for priorities in hierarchical structures.
       *Journal of Mathematical Psychology*, 15(3), 234–281.
    .. [2] Saaty, T. L. (1980). *The Analytic Hierarchy Process: Planning, Priority Setting,
       Resource Allocation*. New York: McGraw-Hill.

    Examples
    --------
    Weights and ranks; in R, ``v <- Re(eigen(A)$vectors[, 1]); v / sum(v)``:

    >>> r = ahp([[1, 3, 5], [1/3, 1, 3], [1/5, 1/3, 1]], labels=["price", "staff", "speed"])
    >>> f = r.to_frame()
    >>> f["weight"].round(4).tolist(), f["rank"].tolist()
    ([0.637, 0.2583, 0.1047], [1, 2, 3])
    >>> r.to_dict()["consistent"], round(r.to_dict()["ri"], 2)
    (True, 0.58)
    """

    labels: tuple[str, ...]
    matrix: pd.DataFrame
    weights: pd.Series
    lambda_max: float
    ci: float
    ri: float
    cr: float
    consistent: bool
    most_inconsistent: Judgement | None

    def to_frame(self) -> pd.DataFrame:
        """One row per criterion: its weight and rank (1 = heaviest)."""
        return pd.DataFrame({"weight": self.weights.to_numpy(),
                             "rank": self.weights.rank(ascending=False, method="min").astype(int)
                             .to_numpy()}, index=pd.Index(self.labels, name="criterion"))

    def to_dict(self) -> dict:
        """JSON-able dict of weights, the matrix, λmax, CI, RI, CR and the verdict."""
        mi = self.most_inconsistent
        return {
            "weights": {k: float(v) for k, v in self.weights.items()},
            "matrix": [[float(x) for x in row] for row in self.matrix.to_numpy()],
            "labels": list(self.labels), "lambda_max": self.lambda_max, "ci": self.ci,
            "ri": self.ri, "cr": self.cr, "threshold": CR_THRESHOLD,
            "consistent": self.consistent,
            "most_inconsistent": None if mi is None else {
                "row": mi.row, "column": mi.column, "given": mi.given, "implied": mi.implied},
        }


def ahp(matrix, labels: Sequence[Hashable] | None = None, *, strict: bool = False,
        tol: float = 1e-2) -> AHPResult:
    """Weights, λmax, CI and CR of a pairwise comparison matrix.

    Parameters
    ----------
    matrix : (n, n) array-like or DataFrame
        Positive reciprocal judgements, n ≤ 11 (the end of Saaty's RI table); a DataFrame's
        index gives the labels and must equal its columns.
    labels : names, optional
        Criterion names (default the DataFrame index, else ``c1`` … ``cn``).
    strict : bool
        Raise :class:`InconsistentJudgementsError` naming the most inconsistent judgement
        when CR ≥ .10, instead of returning ``consistent=False``.
    tol : float
        Allowed |a_ij · a_ji − 1| and |a_ii − 1|, so that judgements typed as 0.33 or 0.143
        pass; the eigenvector is computed from the matrix as given.

    Returns
    -------
    AHPResult
        Weights, λmax, CI, RI, CR, the verdict and (when inconsistent) the most
        inconsistent judgement.

    Raises
    ------
    AHPError
        If the matrix is not numeric, not square, larger than 11 × 11, has a non-positive
        or non-finite cell, a diagonal other than 1 or is not reciprocal (beyond ``tol``),
        or the labels are not n distinct names.
    InconsistentJudgementsError
        If ``strict`` and CR ≥ .10.

    Notes
    -----
    w solves A w = λmax w (principal eigenvector, Σ w = 1); CI = (λmax − n)/(n − 1);
    CR = CI / RI(n). Saaty, T. L. (1980). *The Analytic Hierarchy Process*. McGraw-Hill.

    References
    ----------
    .. [1] Saaty, T. L. (1977). A scaling method for priorities in hierarchical structures.
       *Journal of Mathematical Psychology*, 15(3), 234–281.
    .. [2] Saaty, T. L. (1980). *The Analytic Hierarchy Process: Planning, Priority Setting,
       Resource Allocation*. New York: McGraw-Hill.

    Examples
    --------
    >>> r = ahp([[1, 3, 5], [1/3, 1, 3], [1/5, 1/3, 1]], labels=["price", "staff", "speed"])
    >>> r.weights.round(4).tolist(), round(r.lambda_max, 4), round(r.cr, 4), r.consistent
    ([0.637, 0.2583, 0.1047], 3.0385, 0.0332, True)

    No R package is the reference; in R, ``v <- Re(eigen(A)$vectors[, 1]); v / sum(v)`` gives
    the same weights and ``Re(eigen(A)$values[1])`` the same λmax.
    """
    a, names = _validated(matrix, labels, tol)
    n = a.shape[0]
    values, vectors = np.linalg.eig(a)
    k = int(np.argmax(values.real))
    lam = float(values[k].real)
    w = np.abs(vectors[:, k].real)
    w = w / w.sum()
    ci = max(lam - n, 0.0) / (n - 1) if n > 2 else 0.0
    ri = RANDOM_INDEX[n - 1]
    cr = ci / ri if ri > 0 else 0.0
    consistent = cr < CR_THRESHOLD
    worst = None if consistent else _most_inconsistent(a, w, names)
    result = AHPResult(labels=names, matrix=pd.DataFrame(a, index=list(names), columns=list(names)),
                       weights=pd.Series(w, index=list(names), name="weight"), lambda_max=lam,
                       ci=ci, ri=ri, cr=cr, consistent=consistent, most_inconsistent=worst)
    if strict and not consistent:
        raise InconsistentJudgementsError(
            f"pairwise comparisons are inconsistent: CR = {cr:.3f} ≥ {CR_THRESHOLD:.2f}; "
            f"most inconsistent judgement: {worst}", result)
    return result


def reciprocal_matrix(upper: Sequence[float] | np.ndarray, n: int | None = None) -> np.ndarray:
    """Build the full reciprocal matrix from the judgements above the diagonal, row by row
    (a_12, a_13, …, a_1n, a_23, …, a_(n−1)n).

    Parameters
    ----------
    upper : sequence of float
        The n(n − 1)/2 judgements above the diagonal, row by row; positive and finite.
    n : int, optional
        Matrix size (default: inferred from the number of judgements).

    Returns
    -------
    ndarray
        The (n, n) matrix with a_ii = 1 and a_ji = 1/a_ij.

    Raises
    ------
    AHPError
        If the judgements do not fill the upper triangle of a square matrix (of size ``n``
        when given), or one is not a positive finite number.

    References
    ----------
    .. [1] Saaty, T. L. (1980). *The Analytic Hierarchy Process: Planning, Priority Setting,
       Resource Allocation*. New York: McGraw-Hill.

    Examples
    --------
    In R: ``A <- diag(3); A[upper.tri(A)] <- c(3, 5, 3); A[lower.tri(A)] <- 1 / t(A)[lower.tri(A)]``
    (R fills by column, which for n = 3 orders a_12, a_13, a_23 the same way).

    >>> reciprocal_matrix([3, 5, 3]).round(3).tolist()
    [[1.0, 3.0, 5.0], [0.333, 1.0, 3.0], [0.2, 0.333, 1.0]]
    """
    upper = np.asarray(upper, dtype=float).ravel()
    m = upper.size
    size = round((1 + np.sqrt(1 + 8 * m)) / 2) if n is None else int(n)
    if size * (size - 1) // 2 != m:
        raise AHPError(f"{m} judgements above the diagonal do not fill a square matrix"
                       + ("" if n is None else f" of size {n} (needs {size * (size - 1) // 2})"))
    if np.any(~np.isfinite(upper)) or np.any(upper <= 0):
        raise AHPError("judgements must be positive finite numbers")
    a = np.eye(size)
    iu = np.triu_indices(size, 1)
    a[iu] = upper
    a[(iu[1], iu[0])] = 1.0 / upper
    return a


def _validated(matrix, labels, tol) -> tuple[np.ndarray, tuple[str, ...]]:
    names = None
    if isinstance(matrix, pd.DataFrame):
        if list(matrix.index) != list(matrix.columns):
            raise AHPError("the matrix's row labels must equal its column labels, in order")
        names = [str(x) for x in matrix.index]
        matrix = matrix.to_numpy()
    try:
        a = np.array(matrix, dtype=float)
    except (TypeError, ValueError) as exc:
        raise AHPError(f"the pairwise comparison matrix is not numeric: {exc}") from None
    if a.ndim != 2 or a.shape[0] != a.shape[1] or a.shape[0] == 0:
        raise AHPError(f"the pairwise comparison matrix must be square, got shape {a.shape}")
    n = a.shape[0]
    if n > len(RANDOM_INDEX):
        raise AHPError(f"{n} criteria: Saaty's random index (and so CR) is tabled for at most "
                       f"{len(RANDOM_INDEX)}; split the criteria into sub-criteria")
    if labels is not None:
        names = [str(x) for x in labels]
    names = names or [f"c{i + 1}" for i in range(n)]
    if len(names) != n or len(set(names)) != n:
        raise AHPError(f"need {n} distinct labels, got {names}")
    for i in range(n):
        for j in range(n):
            v = a[i, j]
            cell = f"cell ({names[i]}, {names[j]})"
            if not np.isfinite(v) or v <= 0:
                raise AHPError(f"{cell} = {v}: judgements must be positive finite numbers")
            if i == j and abs(v - 1) > tol:
                raise AHPError(f"{cell} = {v}: the diagonal must be 1")
            if i < j and abs(v * a[j, i] - 1) > tol:
                raise AHPError(f"{cell} = {v:.4g} but ({names[j]}, {names[i]}) = {a[j, i]:.4g}: "
                               f"the matrix must be reciprocal, a_ji = 1/a_ij = {1 / v:.4g}")
    return a, tuple(names)


def _most_inconsistent(a: np.ndarray, w: np.ndarray, names) -> Judgement:
    dev = np.abs(np.log(a * w[None, :] / w[:, None]))
    iu = np.triu_indices(a.shape[0], 1)
    d = dev[iu]
    k = int(np.flatnonzero(d >= d.max() - 1e-9)[0])
    i, j = int(iu[0][k]), int(iu[1][k])
    return Judgement(row=names[i], column=names[j], given=float(a[i, j]),
                     implied=float(w[i] / w[j]))
