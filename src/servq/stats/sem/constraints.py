"""Defined parameters (``:=``), equality (``==``) and inequality (``<``, ``>``) constraints, as lavaan.

A defined parameter is a function of labelled parameters and of parameters defined before
it; its standard error is the delta method, √(J V Jᵀ), with J the gradient of the
function at the estimates (by the complex step, exact to rounding) and V the covariance
matrix of the free parameters — lavaan's ``lav_model_vcov_se``.

Equality constraints h(θ) = lhs − rhs = 0 that are linear, A θ + b = 0, are solved by
reparametrisation: θ = θ₀ + K x with θ₀ a particular solution and the columns of K an
orthonormal basis of the null space of A, so the fit runs over the unconstrained x
(lavaan's ``eq.constraints.K``). Then Cov(θ̂) = K (N Kᵀ I K)⁻¹ Kᵀ, which is lavaan's
augmented-information result for linear constraints, and each independent constraint
removes one free parameter (npar, df).

The other constraints — nonlinear ``==`` (``a == b^2``, ``a*b == 1``) and the inequalities
``lhs > rhs`` (c(θ) = lhs − rhs ≥ 0) and ``lhs < rhs`` (c(θ) = rhs − lhs ≥ 0) — are kept as
:class:`Condition` s for the constrained optimiser
(:func:`~servq.stats.sem.estimate.minimize_constrained`). At its optimum the nonlinear
equalities and the active inequalities (c(θ̂) ≤ 10⁻⁵, lavaan 0.6-14's rule) are treated as
equalities for the standard errors: with J their Jacobian at θ̂ (complex step) and K an
orthonormal basis of the null space of J, Cov(θ̂) = K (N Kᵀ I K)⁻¹ Kᵀ — the [θ, θ] block of
the inverse of lavaan's bordered information [[I, Jᵀ], [J, 0]] (``lav_model_information_augment_invert``).
Each nonlinear equality removes one free parameter (npar, df, as lavaan); inequalities,
active or not, leave npar and df unchanged (as lavaan's ``fitMeasures``).

References
----------
Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. Journal of
Statistical Software, 48(2), 1–36.
Silvey, S. D. (1959). The Lagrangian multiplier test. Annals of Mathematical Statistics,
30(2), 389–407 (the bordered information matrix).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from scipy import linalg

from .expr import Expression, expression
from .syntax import Formula

_STEP = 1e-20  # complex step


class ConstraintError(ValueError):
    """A ``:=``, ``==``, ``<`` or ``>`` statement that cannot be used (unknown name, contradictory ``==``).

    A subclass of :class:`ValueError`; :func:`~servq.stats.sem.model.build` raises it as
    :class:`~servq.stats.sem.model.SemSpecificationError`.

    References
    ----------
    Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. Journal of
    Statistical Software, 48(2), 1–36.

    Examples
    --------
    R's lavaan stops with "unknown label(s) in variable definition(s): z" for the same model:

    >>> from servq.stats.sem.model import build
    >>> from servq.stats.sem.syntax import parse
    >>> try:
    ...     resolve(parse("f =~ x1 + a*x2 + x3\\nab := a*z"), build(parse("f =~ x1 + a*x2 + x3")).rows, 6)
    ... except ConstraintError as err:
    ...     print(err)
    line 2: ab := a*z: 'z' is not a parameter label (label a parameter with a*x1) nor a parameter defined before it with :=
    """


@dataclass(frozen=True)
class Linear:
    """θ = ``offset`` + ``basis`` · x: the parameters that satisfy linear equality constraints.

    Parameters
    ----------
    basis : ndarray
        (q, r) orthonormal basis K of the null space of the constraint matrix A.
    offset : ndarray
        (q,) a particular solution θ₀ of A θ + b = 0.

    References
    ----------
    Nocedal, J. & Wright, S. J. (2006). Numerical Optimization, 2nd ed. New York: Springer
    (section 15.3, elimination of linear equality constraints).

    Examples
    --------
    θ₀ = θ₁ (``a == b`` in lavaan) leaves one free direction, (1, 1)/√2:

    >>> lin = Linear(np.array([[1.0], [1.0]]) / np.sqrt(2), np.zeros(2))
    >>> lin.theta(lin.x(np.array([0.4, 0.6]))).round(6).tolist()
    [0.5, 0.5]
    """

    basis: np.ndarray
    offset: np.ndarray

    def theta(self, x: np.ndarray) -> np.ndarray:
        """The parameters θ of the free coordinates x."""
        return self.offset + self.basis @ x

    def x(self, theta: np.ndarray) -> np.ndarray:
        """The coordinates x of the projection of θ onto the constrained set."""
        return self.basis.T @ (np.asarray(theta, dtype=float) - self.offset)


@dataclass(frozen=True)
class Condition:
    """A nonlinear ``==`` or an inequality: c(θ) = 0 (``==``) or c(θ) ≥ 0 (``>``, ``<``).

    c(θ) = lhs − rhs for ``==`` and ``>``, rhs − lhs for ``<``.

    Parameters
    ----------
    lhs, rhs : Expression
        The two sides.
    op : {"==", ">", "<"}
        The operator.
    line : int
        Line of the model text.

    References
    ----------
    Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. Journal of
    Statistical Software, 48(2), 1–36 (``lav_partable_constraints_ceq`` / ``_ciq``).

    Examples
    --------
    ``a > b*c`` at a = 1, b = 2, c = .25 (R: ``lavaan:::lav_partable_constraints_ciq``):

    >>> cond = Condition(expression("a"), expression("b*c"), ">", 1)
    >>> cond.value({"a": 1.0, "b": 2.0, "c": 0.25}), cond.equality, cond.text
    (0.5, False, 'a > b*c')
    """

    lhs: Expression
    rhs: Expression
    op: str
    line: int

    @property
    def equality(self) -> bool:
        """Whether it is an equality (``==``)."""
        return self.op == "=="

    @property
    def text(self) -> str:
        """The statement as lavaan prints it."""
        return f"{self.lhs.text} {self.op} {self.rhs.text}"

    def value(self, values: Mapping[str, complex]):
        """c(θ) given the labels' (and defined parameters') values."""
        diff = self.lhs.evaluate(values) - self.rhs.evaluate(values)
        return -diff if self.op == "<" else diff


@dataclass(frozen=True)
class Constraints:
    """The ``:=`` and ``==`` statements of a model, resolved against its parameter table.

    Parameters
    ----------
    label_rows : dict of str to int
        For each label, the first row of the parameter table that carries it.
    label_par : dict of str to tuple of (int, float)
        For each label, its free parameter index (-1 when fixed) and fixed value.
    defined : tuple of (str, Expression)
        The defined parameters in the order written.
    linear : Linear or None
        The reparametrisation of the linear ``==`` constraints (None without any).
    rank : int
        Number of independent equality constraints (free parameters they remove): the
        rank of the linear ones plus one per nonlinear ``==``.
    conditions : tuple of Condition
        The nonlinear ``==`` and the inequalities, in the order written.

    References
    ----------
    Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. Journal of
    Statistical Software, 48(2), 1–36.

    Examples
    --------
    The indirect effect of ``y ~ b*m; m ~ a*x; ab := a*b`` at a = .5, b = .4 (R:
    ``parameterEstimates(sem(model, data))`` shows the ``ab := a*b`` row):

    >>> from servq.stats.sem.model import build
    >>> from servq.stats.sem.syntax import parse
    >>> m = build(parse("y ~ b*m\\nm ~ a*x\\nab := a*b"))
    >>> theta = np.zeros(m.n_par)
    >>> theta[m.constraints.label_par["a"][0]], theta[m.constraints.label_par["b"][0]] = 0.5, 0.4
    >>> m.constraints.defined_values(m.constraints.label_values(theta))
    {'ab': 0.2}
    """

    label_rows: dict[str, int] = field(default_factory=dict)
    label_par: dict[str, tuple[int, float]] = field(default_factory=dict)
    defined: tuple[tuple[str, Expression], ...] = ()
    linear: Linear | None = None
    rank: int = 0
    conditions: tuple[Condition, ...] = ()

    def label_values(self, theta: np.ndarray) -> dict:
        """Each label's value at θ (real or complex)."""
        return {k: theta[par] if par >= 0 else value for k, (par, value) in self.label_par.items()}

    def defined_values(self, labels: Mapping[str, complex]) -> dict:
        """The defined parameters, in order, given the labels' values."""
        values = dict(labels)
        out = {}
        for name, expr in self.defined:
            values[name] = out[name] = expr.evaluate(values)
        return out

    def defined_jacobian(self, theta: np.ndarray) -> np.ndarray:
        """(number defined, q) derivatives of the defined parameters in θ (complex step)."""
        q = len(theta)
        jac = np.zeros((len(self.defined), q))
        for j in self._used_parameters():
            shifted = theta.astype(complex)
            shifted[j] += 1j * _STEP
            jac[:, j] = np.imag(list(self.defined_values(self.label_values(shifted)).values())) / _STEP
        return jac

    def defined_rows(self, theta: np.ndarray, vcov: np.ndarray,
                     standardized: Mapping[str, Mapping[str, float]]) -> list[dict]:
        """The ``:=`` rows of lavaan's parameter table (group 0): estimates, delta-method SEs
        from ``vcov`` (of all θ), and each column of ``standardized`` (e.g. std.all: the
        labels' standardized values) with the definitions evaluated at it."""
        est = self.defined_values(self.label_values(theta))
        jac = self.defined_jacobian(theta)
        se = np.sqrt(np.clip(np.einsum("ij,jk,ik->i", jac, vcov, jac), 0, None))
        std = {col: self.defined_values(values) for col, values in standardized.items()}
        return [{"lhs": name, "op": ":=", "rhs": expr.text, "group": 0, "label": name, "est": float(est[name]),
                 "se": float(se[k]), **{col: float(std[col][name]) for col in std}}
                for k, (name, expr) in enumerate(self.defined)]

    def condition_values(self, theta: np.ndarray) -> np.ndarray:
        """c(θ) of the :attr:`conditions` (real or complex, as θ)."""
        values = self.label_values(theta)
        values.update(self.defined_values(values))
        return np.array([c.value(values) for c in self.conditions])

    def condition_jacobian(self, theta: np.ndarray) -> np.ndarray:
        """(number of conditions, q) derivatives of c(θ) (complex step)."""
        jac = np.zeros((len(self.conditions), len(theta)))
        for j in self._used_parameters():
            shifted = theta.astype(complex)
            shifted[j] += 1j * _STEP
            jac[:, j] = np.imag(self.condition_values(shifted)) / _STEP
        return jac

    def _used_parameters(self) -> list[int]:
        return sorted({par for par, _ in self.label_par.values() if par >= 0})


def resolve(formulas, rows, n_par: int) -> Constraints:
    """The :class:`Constraints` of ``formulas`` on a numbered parameter table.

    Parameters
    ----------
    formulas : list of Formula
        The parsed model; its ``:=`` and ``==`` statements are used.
    rows : sequence of Row
        The parameter table with free parameters numbered.
    n_par : int
        Number of free parameters before the ``==`` constraints.

    Returns
    -------
    Constraints
        Labels, definitions, the reparametrisation of the linear ``==`` constraints and the
        other constraints (nonlinear ``==``, ``<``, ``>``).

    Raises
    ------
    ConstraintError
        A name that is neither a label nor defined before, a defined name that is also a
        label or defined twice, or linear ``==`` constraints that contradict.

    References
    ----------
    Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. Journal of
    Statistical Software, 48(2), 1–36.

    Examples
    --------
    ``a == b`` removes one of two loadings (R: ``fitMeasures(fit, "npar")`` drops by one):

    >>> from servq.stats.sem.model import build
    >>> from servq.stats.sem.syntax import parse
    >>> m = build(parse("f =~ x1 + a*x2 + b*x3\\na == b"))
    >>> m.n_par, m.constraints.rank, m.constraints.linear.basis.shape
    (6, 1, (6, 5))
    """
    label_rows: dict[str, int] = {}
    for k, r in enumerate(rows):
        if r.label and not r.exo:
            label_rows.setdefault(r.label, k)
    label_par = {name: (rows[k].par, float(rows[k].value)) for name, k in label_rows.items()}
    defined: list[tuple[str, Expression]] = []
    known = set(label_par)
    equalities: list[tuple[Expression, Expression, Formula]] = []
    for f in formulas:
        if f.op == ":=":
            expr = expression(f.rhs)
            _check_names(f, expr, known)
            if f.lhs in known:
                raise ConstraintError(f"line {f.line}: {f.lhs} := {f.rhs}: {f.lhs!r} is already a "
                                      "parameter label or defined; give the defined parameter a new name")
            defined.append((f.lhs, expr))
            known.add(f.lhs)
        elif f.op in ("==", "<", ">"):
            lhs, rhs = expression(f.lhs), expression(f.rhs)
            _check_names(f, lhs, known)
            _check_names(f, rhs, known)
            equalities.append((lhs, rhs, f))
    out = Constraints(label_rows, label_par, tuple(defined))
    if not equalities:
        return out
    linear_eq = [e for e in equalities if e[2].op == "==" and _is_linear(out, e, n_par)]
    conditions = tuple(Condition(lhs, rhs, f.op, f.line) for lhs, rhs, f in equalities
                       if not any(f is g for *_, g in linear_eq))
    linear, rank = _linear(out, linear_eq, n_par) if linear_eq else (None, 0)
    rank += sum(c.equality for c in conditions)
    return Constraints(label_rows, label_par, tuple(defined), linear, rank, conditions)


def _check_names(f, expr: Expression, known: set[str]) -> None:
    for name in expr.names:
        if name not in known:
            raise ConstraintError(
                f"line {f.line}: {f.lhs} {f.op} {f.rhs}: {name!r} is not a parameter label (label a "
                "parameter with a*x1) nor a parameter defined before it with :=")


def _residuals(cons: Constraints, equalities, theta: np.ndarray) -> np.ndarray:
    values = cons.label_values(theta)
    values.update(cons.defined_values(values))
    return np.array([lhs.evaluate(values) - rhs.evaluate(values) for lhs, rhs, _ in equalities])


def _jacobian(cons: Constraints, equalities, theta: np.ndarray) -> np.ndarray:
    jac = np.zeros((len(equalities), len(theta)))
    for j in range(len(theta)):
        shifted = theta.astype(complex)
        shifted[j] += 1j * _STEP
        jac[:, j] = np.imag(_residuals(cons, equalities, shifted)) / _STEP
    return jac


def _is_linear(cons: Constraints, equality, n_par: int) -> bool:
    """Whether lhs − rhs has the same slope at three random points and is its own linearisation."""
    rng = np.random.default_rng(20240516)
    points = [0.5 + rng.random(n_par) for _ in range(3)]
    slopes = [_jacobian(cons, [equality], p)[0] for p in points]
    base = _residuals(cons, [equality], points[0]).real[0]
    predicted = [base + slopes[0] @ (p - points[0]) for p in points[1:]]
    actual = [_residuals(cons, [equality], p).real[0] for p in points[1:]]
    same = all(np.allclose(s, slopes[0], rtol=1e-9, atol=1e-12) for s in slopes[1:])
    return bool(same and np.allclose(predicted, actual, rtol=1e-9, atol=1e-12))


def _linear(cons: Constraints, equalities, n_par: int) -> tuple[Linear, int]:
    """A θ + b = 0 from the linear ``==`` statements."""
    point = np.full(n_par, 0.5)
    a = _jacobian(cons, equalities, point)
    b = _residuals(cons, equalities, point).real - a @ point
    offset = np.linalg.lstsq(a, -b, rcond=None)[0]
    if not np.allclose(a @ offset, -b, atol=1e-9):
        raise ConstraintError("the == constraints contradict each other: no parameters satisfy "
                              "them all (" + "; ".join(f"{f.lhs} == {f.rhs}" for *_, f in equalities) + ")")
    basis = linalg.null_space(a)
    return Linear(basis, offset), n_par - basis.shape[1]
