"""Multi-group models solved part by part: the groups' parameters form blocks that share nothing.

A group's implied statistics σ_g depend on a few of the model's q parameters: its own and
those made equal across groups. The information Σ_g f_g Δ_gᵀ W_g Δ_g is therefore zero
between parameters no group has in common, and a model splits into *parts* — sets of
parameters and the groups that use them — that are fitted, inverted and traced apart: in a
configural model every group is a part of its own; with equal thresholds or loadings the
groups form one part, but then most of its parameters are shared and q is small. Dense q × q
algebra over 40 groups of 22 seven-point items (q ≈ 6,500; 14,000 stacked statistics) took
hours; part by part it takes seconds.

:func:`parts` finds the parts, :class:`BlockMatrix` holds a matrix that is zero between
them, and :func:`least_squares_parts` minimises Σ_g ‖r_g(θ)‖² by Levenberg–Marquardt on
the normal equations of each part (MINPACK's ``lmder`` factors the stacked Jacobian, whose
rows grow with the groups).

References
----------
Madsen, K., Nielsen, H. B. & Tingleff, O. (2004). Methods for non-linear least squares
problems (2nd ed.). Informatics and Mathematical Modelling, Technical University of Denmark.
Nielsen, H. B. (1999). Damping parameter in Marquardt's method. IMM-REP-1999-05, Technical
University of Denmark.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy import linalg


@dataclass(frozen=True)
class Part:
    """Parameters that no group outside ``groups`` uses, and those groups.

    Parameters
    ----------
    columns : numpy.ndarray
        The parameters (sorted positions in θ).
    groups : tuple of int
        The groups whose statistics depend on them.
    local : tuple of numpy.ndarray
        For each of ``groups``, where its parameters sit among ``columns``.

    References
    ----------
    Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. Journal of
    Statistical Software, 48(2), 1–36 (multi-group models, ``group.equal``).

    Examples
    --------
    Two groups sharing parameter 1, a third alone (as a configural group in R's
    ``cfa(..., group = )`` next to two made equal with ``group.equal``):

    >>> [p.columns.tolist() for p in parts([np.array([0, 1]), np.array([1, 2]), np.array([3])], 4)]
    [[0, 1, 2], [3]]
    """

    columns: np.ndarray
    groups: tuple[int, ...]
    local: tuple[np.ndarray, ...]


def parts(columns: Sequence[np.ndarray], size: int) -> list[Part]:
    """Split q = ``size`` parameters into parts that share no group.

    Parameters
    ----------
    columns : sequence of numpy.ndarray
        Per group, the positions in θ of the parameters its statistics depend on.
    size : int
        q, the number of parameters.

    Returns
    -------
    list of Part
        In order of each part's first group.

    Raises
    ------
    numpy.linalg.LinAlgError
        When some parameter no group uses (it is not identified: the information is singular).

    References
    ----------
    Tarjan, R. E. (1975). Efficiency of a good but not linear set union algorithm. Journal
    of the ACM, 22(2), 215–225.

    Examples
    --------
    Three groups with nothing in common (a configural model, R ``group.equal = NULL``):

    >>> [p.groups for p in parts([np.array([0]), np.array([1]), np.array([2])], 3)]
    [(0,), (1,), (2,)]
    """
    root = list(range(len(columns)))

    def find(g: int) -> int:
        while root[g] != g:
            root[g] = root[root[g]]
            g = root[g]
        return g

    owner = np.full(size, -1)
    for g, cols in enumerate(columns):
        for other in np.unique(owner[cols][owner[cols] >= 0]):
            a, b = find(int(other)), find(g)
            root[max(a, b)] = min(a, b)
        owner[cols] = g
    if np.any(owner < 0):
        raise np.linalg.LinAlgError(f"parameter {int(np.flatnonzero(owner < 0)[0]) + 1} enters no group's statistics: "
                                    "the information matrix is singular")
    members: dict[int, list[int]] = {}
    for g in range(len(columns)):
        members.setdefault(find(g), []).append(g)
    out = []
    for groups in members.values():
        cols = np.unique(np.concatenate([columns[g] for g in groups]))
        out.append(Part(cols, tuple(groups), tuple(np.searchsorted(cols, columns[g]) for g in groups)))
    return out


@dataclass(frozen=True)
class BlockMatrix:
    """A q × q matrix that is zero between the parts of a model: one dense block a part.

    ``np.asarray`` gives the whole matrix.

    Parameters
    ----------
    layout : tuple of Part
        The parts (:func:`parts`).
    blocks : tuple of numpy.ndarray
        Per part, its block (rows and columns ``Part.columns``).
    size : int
        q.

    References
    ----------
    Golub, G. H. & Van Loan, C. F. (2013). Matrix computations (4th ed.). Johns Hopkins
    University Press (block-diagonal matrices).

    Examples
    --------
    As R's ``Matrix::bdiag`` put back in the parameters' order:

    >>> layout = tuple(parts([np.array([0, 2]), np.array([1])], 3))
    >>> m = BlockMatrix(layout, (np.array([[2.0, 1.0], [1.0, 3.0]]), np.array([[4.0]])), 3)
    >>> np.asarray(m).tolist(), m.diagonal().tolist()
    ([[2.0, 0.0, 1.0], [0.0, 4.0, 0.0], [1.0, 0.0, 3.0]], [2.0, 4.0, 3.0])
    """

    layout: tuple[Part, ...]
    blocks: tuple[np.ndarray, ...]
    size: int

    @classmethod
    def gram(cls, layout: Sequence[Part], size: int, left: Sequence[np.ndarray], right: Sequence[np.ndarray],
             weights: Sequence[float] | np.ndarray) -> BlockMatrix:
        """Σ_g weights[g] · left[g]ᵀ right[g], each group's product (its own parameters × its
        own) added into its part."""
        return cls.added(layout, size, [w * (a.T @ b) for w, a, b in zip(weights, left, right)])

    @classmethod
    def added(cls, layout: Sequence[Part], size: int, matrices: Sequence[np.ndarray]) -> BlockMatrix:
        """Σ_g matrices[g], each over group g's own parameters (in the order of its columns
        given to :func:`parts`), added into its part."""
        blocks = []
        for part in layout:
            k = part.columns.size
            block = np.zeros((k, k))
            for g, at in zip(part.groups, part.local):
                block[np.ix_(at, at)] += matrices[g]
            blocks.append(block)
        return cls(tuple(layout), tuple(blocks), size)

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        out = np.zeros((self.size, self.size), dtype=dtype or float)
        for part, block in zip(self.layout, self.blocks):
            out[np.ix_(part.columns, part.columns)] = block
        return out

    def diagonal(self) -> np.ndarray:
        """The diagonal."""
        out = np.zeros(self.size)
        for part, block in zip(self.layout, self.blocks):
            out[part.columns] = np.diag(block)
        return out

    def inv(self) -> BlockMatrix:
        """The inverse, block by block."""
        return BlockMatrix(self.layout, tuple(np.linalg.inv(b) for b in self.blocks), self.size)

    def __matmul__(self, other: BlockMatrix) -> BlockMatrix:
        return BlockMatrix(self.layout, tuple(a @ b for a, b in zip(self.blocks, other.blocks)), self.size)

    def __rmul__(self, scale: float) -> BlockMatrix:
        return BlockMatrix(self.layout, tuple(scale * b for b in self.blocks), self.size)

    def trace(self) -> float:
        """tr(X)."""
        return float(sum(np.trace(b) for b in self.blocks))

    def trace_square(self) -> float:
        """tr(X²)."""
        return float(sum(np.sum(b * b.T) for b in self.blocks))

    def trace_product(self, other: BlockMatrix) -> float:
        """tr(X Y), Y = ``other`` (of the same parts)."""
        return float(sum(np.sum(a * b.T) for a, b in zip(self.blocks, other.blocks)))

    def eigenvalue_range(self) -> tuple[float, float]:
        """The smallest and the largest eigenvalue of a symmetric X (those of its blocks)."""
        eig = [np.linalg.eigvalsh(b) for b in self.blocks if b.size]
        return float(min(e[0] for e in eig)), float(max(e[-1] for e in eig))

    def between(self, q: np.ndarray) -> np.ndarray:
        """qᵀ X q for a q × k matrix ``q`` (a part's rows of ``q`` are often zero in most
        columns: those are skipped)."""
        out = np.zeros((q.shape[1], q.shape[1]))
        for part, block in zip(self.layout, self.blocks):
            rows = q[part.columns]
            used = np.flatnonzero(np.any(rows != 0.0, axis=0))
            if 2 * used.size < rows.shape[1]:
                rows = rows[:, used]
                out[np.ix_(used, used)] += rows.T @ block @ rows
            else:
                out += rows.T @ block @ rows
        return out

    @classmethod
    def identity(cls, layout: Sequence[Part], size: int) -> BlockMatrix:
        """I, part by part."""
        return cls(tuple(layout), tuple(np.eye(p.columns.size) for p in layout), size)

    def solve(self, rhs: np.ndarray) -> np.ndarray:
        """X⁻¹ rhs for a q × k float array ``rhs``, written over it (the parts' rows are
        disjoint; one large array is not copied); X⁺ rhs in a singular part."""
        for part, block in zip(self.layout, self.blocks):
            try:
                rhs[part.columns] = np.linalg.solve(block, rhs[part.columns])
            except np.linalg.LinAlgError:
                rhs[part.columns] = np.linalg.pinv(block) @ rhs[part.columns]
        return rhs


@dataclass(frozen=True)
class Projection:
    """U = V − VΔ(ΔᵀVΔ)⁻¹ΔᵀV over the stacked statistics of all groups, traced part by part.

    V = ⊕ V_g is block diagonal over the groups and Δ stacks each group's Jacobian Δ_g
    (its statistics × its own parameters). With A_g = V_g Δ_g, E = Σ_g Δ_gᵀ A_g and M, N
    block diagonal as V, the traces the robust tests need are

    - tr(UM) = Σ_g tr(V_g M_g) − tr(E⁻¹ Σ_g A_gᵀ M_g A_g);
    - tr(UMUN) = Σ_g tr(V_g M_g V_g N_g) − 2 tr(E⁻¹ Σ_g A_gᵀ M_g V_g N_g A_g)
      + tr(E⁻¹ Σ_g A_gᵀ M_g A_g · E⁻¹ Σ_g A_gᵀ N_g A_g),

    q × q matrices zero between the parts (:class:`BlockMatrix`) instead of U itself, whose
    side is the number of statistics of all groups (11,000 for 40 groups of 22 items with
    their means): G³ work and G² memory became G.

    Parameters
    ----------
    layout : tuple of Part
        The parts (:func:`parts` of the groups' own parameters).
    size : int
        q.
    jacs : tuple of numpy.ndarray
        Per group, Δ_g over its own parameters (columns in the order given to :func:`parts`).
    middle : tuple of numpy.ndarray
        Per group, V_g (symmetric).

    References
    ----------
    Satorra, A. (1992). Asymptotic robust inferences in the analysis of mean and covariance
    structures. Sociological Methodology, 22, 249–278. Satorra, A. & Bentler, P. M. (1994).
    Corrections to test statistics and standard errors in covariance structure analysis. In
    A. von Eye & C. C. Clogg (Eds.), Latent Variables Analysis (pp. 399–419). Sage.

    Examples
    --------
    With Γ = V⁻¹ (normal data, a correct model) tr(UΓ) is the degrees of freedom, the number
    of statistics less q, as R's ``lavInspect(fit, "test")$satorra.bentler$trace.UGamma`` of a
    normal-theory fit; two groups of three statistics sharing one parameter of three:

    >>> deltas = (np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 2.0]]), np.array([[1.0, 1.0], [2.0, 0.0], [1.0, 3.0]]))
    >>> cols = [np.array([0, 1]), np.array([0, 2])]
    >>> proj = Projection(tuple(parts(cols, 3)), 3, deltas, (np.eye(3), 2 * np.eye(3)))
    >>> round(proj.trace([np.eye(3), 0.5 * np.eye(3)]), 12)
    3.0
    """

    layout: tuple[Part, ...]
    size: int
    jacs: tuple[np.ndarray, ...]
    middle: tuple[np.ndarray, ...]

    @cached_property
    def weighted(self) -> tuple[np.ndarray, ...]:
        """A_g = V_g Δ_g."""
        return tuple(v @ d for v, d in zip(self.middle, self.jacs))

    @cached_property
    def information(self) -> BlockMatrix:
        """E = ΔᵀVΔ = Σ_g Δ_gᵀ V_g Δ_g."""
        return BlockMatrix.gram(self.layout, self.size, self.jacs, self.weighted, np.ones(len(self.jacs)))

    @cached_property
    def inverse(self) -> BlockMatrix:
        """E⁻¹, block by block."""
        return self.information.inv()

    def between(self, m: Sequence[np.ndarray]) -> BlockMatrix:
        """ΔᵀVMVΔ = Σ_g A_gᵀ M_g A_g."""
        return BlockMatrix.gram(self.layout, self.size, self.weighted, [mg @ a for mg, a in zip(m, self.weighted)],
                                np.ones(len(self.jacs)))

    def trace(self, m: Sequence[np.ndarray]) -> float:
        """tr(UM), M = ⊕ ``m[g]``."""
        return float(sum(np.sum(v * mg.T) for v, mg in zip(self.middle, m))) - (self.inverse @ self.between(m)).trace()

    def trace_pair(self, m: Sequence[np.ndarray], n: Sequence[np.ndarray]) -> float:
        """tr(UMUN), M = ⊕ ``m[g]`` and N = ⊕ ``n[g]`` (symmetric)."""
        vm = [v @ mg for v, mg in zip(self.middle, m)]
        vn = [v @ ng for v, ng in zip(self.middle, n)]
        first = float(sum(np.sum(a * b.T) for a, b in zip(vm, vn)))
        cross = (self.inverse @ self.between([mg @ b for mg, b in zip(m, vn)])).trace()
        return first - 2.0 * cross + (self.inverse @ self.between(m)).trace_product(self.inverse @ self.between(n))


@dataclass(frozen=True)
class LeastSquaresResult:
    """What :func:`least_squares_parts` found.

    Parameters
    ----------
    x : numpy.ndarray
        The estimates.
    success : bool
        Whether every part converged.
    nfev : int
        Evaluations of the residuals, all parts together.

    References
    ----------
    Moré, J. J. (1978). The Levenberg–Marquardt algorithm: implementation and theory. In
    G. A. Watson (Ed.), Numerical Analysis (pp. 105–116). Springer (MINPACK's result fields).

    Examples
    --------
    As ``x``, ``success`` and ``nfev`` of SciPy's ``least_squares`` (R: ``coef(nls(...))``):

    >>> LeastSquaresResult(np.array([2.0]), True, 3).success
    True
    """

    x: np.ndarray
    success: bool
    nfev: int


def least_squares_parts(evaluate: Callable[[np.ndarray, int, bool], tuple[np.ndarray, np.ndarray | None]],
                        columns: Sequence[np.ndarray], start: np.ndarray, *, xtol: float = 1e-14,
                        ftol: float = 1e-14, gtol: float = 1e-14, max_iter: int = 2000) -> LeastSquaresResult:
    """Minimise Σ_g ‖r_g(θ)‖² part by part, by Levenberg–Marquardt on the normal equations.

    Parameters
    ----------
    evaluate : callable
        ``evaluate(theta, g, jacobian)`` → (r_g, J_g): group g's residuals at ``theta`` and,
        when ``jacobian``, their Jacobian over the parameters ``columns[g]`` (in that order;
        else None).
    columns : sequence of numpy.ndarray
        Per group, the positions in θ of its parameters.
    start : numpy.ndarray
        Starting values.
    xtol, ftol, gtol : float
        A part has converged when its step is below ``xtol`` relative to its parameters,
        when a step would lower its sum of squares by at most ``ftol`` of it (actually and
        as predicted), or when its gradient is below ``gtol`` relative to the sum of squares.
    max_iter : int
        Iterations a part may take.

    Returns
    -------
    LeastSquaresResult

    References
    ----------
    Madsen, K., Nielsen, H. B. & Tingleff, O. (2004). Methods for non-linear least squares
    problems (2nd ed.), Algorithm 3.16. Technical University of Denmark. Marquardt, D. W.
    (1963). An algorithm for least-squares estimation of nonlinear parameters. Journal of the
    Society for Industrial and Applied Mathematics, 11(2), 431–441.

    Examples
    --------
    Two groups fitting lines through the origin, one slope each (R: ``nls`` per group):

    >>> x = np.array([1.0, 2.0])
    >>> ys = [np.array([2.0, 4.0]), np.array([3.0, 6.0])]
    >>> ev = lambda t, g, jac: (t[g] * x - ys[g], x[:, None] if jac else None)
    >>> np.round(least_squares_parts(ev, [np.array([0]), np.array([1])], np.zeros(2)).x, 12).tolist()
    [2.0, 3.0]
    """
    theta = np.array(start, dtype=float)
    nfev, success = 0, True
    for part in parts(columns, theta.size):
        cols = part.columns

        def state(t: np.ndarray, jacobian: bool, part: Part = part) -> tuple[float, np.ndarray, np.ndarray]:
            """Σ‖r_g‖² of the part's groups and, when ``jacobian``, Jᵀr and JᵀJ (else empty)."""
            k = part.columns.size if jacobian else 0
            ssq, grad, hess = 0.0, np.zeros(k), np.zeros((k, k))
            for g, at in zip(part.groups, part.local):
                r, jac = evaluate(t, g, jacobian)
                ssq += float(r @ r)
                if jac is not None:
                    grad[at] += jac.T @ r
                    hess[np.ix_(at, at)] += jac.T @ jac
            return ssq, grad, hess

        ssq, grad, hess = state(theta, True)
        nfev += 1
        scale = np.maximum(np.diag(hess), 1e-12 * max(1.0, float(np.max(np.diag(hess), initial=0.0))))
        mu, nu, done = 1e-3, 2.0, False
        for _ in range(max_iter):
            if np.max(np.abs(grad), initial=0.0) <= gtol * max(ssq, 1e-300):
                done = True
                break
            step = _damped_step(hess, scale, mu, grad)
            if np.linalg.norm(step) <= xtol * (np.linalg.norm(theta[cols]) + xtol):
                done = True
                break
            trial = theta.copy()
            trial[cols] += step
            new_ssq = state(trial, False)[0]
            nfev += 1
            predicted = mu * float(step @ (scale * step)) - float(step @ grad)
            if predicted <= ftol * ssq and abs(ssq - new_ssq) <= ftol * ssq \
                    and -float(_damped_step(hess, scale, 0.0, grad) @ grad) <= ftol * ssq:
                # not even the undamped (Gauss–Newton) step would lower the sum of squares by
                # more than ftol of it: a minimum, not a heavily damped step
                done = True
                if new_ssq < ssq:
                    theta = trial
                break
            rho = (ssq - new_ssq) / predicted if predicted > 0 else -1.0
            if rho > 0:
                theta = trial
                ssq, grad, hess = state(theta, True)
                scale = np.maximum(scale, np.diag(hess))
                mu *= max(1.0 / 3.0, 1.0 - (2.0 * rho - 1.0) ** 3)
                nu = 2.0
            else:
                mu *= nu
                nu *= 2.0
        success = success and done
    return LeastSquaresResult(theta, success, nfev)


def _damped_step(hess: np.ndarray, scale: np.ndarray, mu: float, grad: np.ndarray) -> np.ndarray:
    """The Levenberg–Marquardt step h: (JᵀJ + μ D) h = −Jᵀr, D = diag of the largest JᵀJ seen."""
    lhs = hess + np.diag(mu * scale)
    try:
        return -linalg.cho_solve(linalg.cho_factor(lhs, check_finite=False), grad, check_finite=False)
    except np.linalg.LinAlgError:
        return np.linalg.lstsq(lhs, -grad, rcond=None)[0]
