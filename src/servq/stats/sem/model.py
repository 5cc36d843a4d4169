"""The parameter table of a lavaan model and its RAM matrices.

:func:`build` turns parsed formulas into lavaan's parameter table, applying the defaults of
lavaan's ``cfa()`` / ``sem()`` (``lavaan:::lav_partable_flat``): the first loading of each
latent variable fixed to 1 (or, with ``std_lv``, latent variances fixed to 1); residual
variances of observed and latent variables free; covariances among exogenous latent
variables free (``auto.cov.lv.x``) and among pure endogenous variables (``auto.cov.y``);
exogenous observed covariates fixed at their sample (co)variances and means (``fixed.x``);
with a mean structure, observed intercepts free and latent means fixed to 0; one table per
group, with lavaan's ``group.equal`` equality constraints.

The model is evaluated in the RAM form (McArdle & McDonald 1984): all variables v (observed
first, then latent) satisfy v = A v + u with Cov(u) = S and E(u) = m, so

    Σ_v = (I − A)⁻¹ S (I − A)⁻ᵀ,   μ_v = (I − A)⁻¹ m,

and Σ, μ are the observed rows and columns. A loading ``f =~ x`` is A[x, f], a regression
``y ~ x`` is A[y, x], ``a ~~ b`` is S[a, b] and ``y ~ 1`` is m[y]. This is the same model as
lavaan's LISREL matrices (observed variables in regressions need no phantom latents).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, replace
from functools import cached_property
from itertools import combinations

import numpy as np

from .constraints import ConstraintError, Constraints, resolve
from .syntax import CONSTRAINTS, Formula, ModelSyntaxError, parse

GROUP_EQUAL = ("loadings", "intercepts", "means", "residuals", "residual.covariances",
               "lv.variances", "lv.covariances", "regressions")


class SemWarning(UserWarning):
    """A problem with a fitted SEM: non-convergence, Heywood case, non-positive-definite matrix.

    Issued by :func:`~servq.stats.sem.cfa` and :func:`~servq.stats.sem.sem` where lavaan
    warns; the same messages are kept in :attr:`SemResults.warnings
    <servq.stats.sem.results.SemResults>`.

    References
    ----------
    Bollen, K. A. (1989). Structural Equations with Latent Variables. New York: Wiley
    (improper solutions and Heywood cases). Rosseel, Y. (2012). lavaan: An R package for
    structural equation modeling. Journal of Statistical Software, 48(2), 1–36.

    Examples
    --------
    A Heywood case: the factor implies more variance for ``a`` than it has; the residual
    variance is 0.99 · (1 − .8·.8/.5) = −0.2772 (in R, lavaan warns "some estimated ov
    variances are negative" for ``cfa("f =~ a + b + c", sample.cov = S, sample.nobs = 100)``):

    >>> import warnings
    >>> import pandas as pd
    >>> from servq.stats.sem import cfa
    >>> s = pd.DataFrame([[1, .8, .8], [.8, 1, .5], [.8, .5, 1]], index=list("abc"), columns=list("abc"))
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     fit = cfa("f =~ a + b + c", sample_cov=s, sample_nobs=100)
    >>> caught[0].category.__name__, str(caught[0].message)
    ('SemWarning', 'Heywood case: negative residual variance a ~~ a = -0.2772')
    """


class SemSpecificationError(ValueError):
    """A model that cannot be fitted as specified (unknown variable, bad option).

    A subclass of :class:`ValueError`; the message names the variable or option.

    References
    ----------
    Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. Journal of
    Statistical Software, 48(2), 1–36.

    Examples
    --------
    A model variable that is not in the data (R's lavaan stops with "missing observed
    variables in dataset: z"):

    >>> import pandas as pd
    >>> from servq.stats.sem import cfa
    >>> s = pd.DataFrame([[1, .5, .4], [.5, 1, .3], [.4, .3, 1]], index=list("abc"), columns=list("abc"))
    >>> cfa("f =~ a + b + z", sample_cov=s, sample_nobs=100)
    Traceback (most recent call last):
        ...
    servq.stats.sem.model.SemSpecificationError: variable 'z' of the model is not in sample_cov
    """


@dataclass(frozen=True)
class Row:
    """One row of the parameter table (lavaan's ``parTable``), for one group (0-based).

    ``par`` is the index of the free parameter (shared by rows constrained equal) or -1 for a
    fixed row, whose value is ``value``. ``exo`` marks fixed.x covariate rows (their value is
    the sample statistic).

    Parameters
    ----------
    lhs, op, rhs : str
        The parameter, as in lavaan's parameter table (``op`` one of ``=~``, ``~``, ``~~``,
        ``~1``).
    group : int
        0-based group.
    user : bool
        Written in the model (True) or added by lavaan's defaults (False).
    free : bool
        Estimated (True) or fixed.
    value : float
        Fixed value (NaN for free rows and for fixed.x rows not yet filled).
    label : str
        Equality label ("" when none).
    exo : bool
        A fixed.x covariate (co)variance or mean, fixed at its sample value.
    start : float or None
        User starting value (``start()``).
    par : int
        Index of the free parameter in θ, or -1 when fixed.

    References
    ----------
    Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. Journal of
    Statistical Software, 48(2), 1–36 (the parameter table, ``parTable``).

    Examples
    --------
    The marker loading is fixed to 1, the others free (R: ``lavaan::lavaanify("f =~ a + b + c",
    auto = TRUE)`` has the same rows, with ``free`` numbered from 1):

    >>> from servq.stats.sem.syntax import parse
    >>> rows = build(parse("f =~ a + b + c")).rows
    >>> [(r.lhs, r.op, r.rhs, r.free, r.value, r.par) for r in rows[:3]]
    [('f', '=~', 'a', False, 1.0, -1), ('f', '=~', 'b', True, nan, 0), ('f', '=~', 'c', True, nan, 1)]
    """

    lhs: str
    op: str
    rhs: str
    group: int
    user: bool
    free: bool
    value: float
    label: str
    exo: bool
    start: float | None
    par: int = -1


@dataclass(frozen=True)
class Names:
    """Variable sets of a model, as lavaan's ``lav_partable_vnames``.

    Parameters
    ----------
    ov : tuple of str
        Observed variables (lavaan's ``ov``): indicators, then observed outcomes, then
        covariates, then any other observed variable named in ``~~`` or ``~ 1``.
    lv : tuple of str
        Latent variables (``lv``), in order of definition.
    ov_x : tuple of str
        Exogenous observed covariates handled as fixed.x (``ov.x``).
    ov_ind : tuple of str
        Observed indicators of latent variables (``ov.ind``).

    References
    ----------
    Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. Journal of
    Statistical Software, 48(2), 1–36.

    Examples
    --------
    As ``lavNames(model, "ov")``, ``lavNames(model, "lv")`` and ``lavNames(model, "ov.x")``
    in R:

    >>> from servq.stats.sem.syntax import parse
    >>> names = variable_names(parse("f =~ a + b + c\\ny ~ f + x"))
    >>> names.ov, names.lv, names.ov_x, names.variables
    (('a', 'b', 'c', 'y', 'x'), ('f',), ('x',), ('a', 'b', 'c', 'y', 'x', 'f'))
    """

    ov: tuple[str, ...]
    lv: tuple[str, ...]
    ov_x: tuple[str, ...]  # exogenous observed covariates (fixed.x)
    ov_ind: tuple[str, ...]

    @property
    def variables(self) -> tuple[str, ...]:
        """All variables in RAM order: observed first, then latent."""
        return self.ov + self.lv


@dataclass(frozen=True)
class Model:
    """A parameter table with its variable names and the RAM positions of its rows.

    Built by :func:`build`; :meth:`matrices` evaluates the RAM matrices A, S and m of a group
    at a vector θ of free parameters (see the module docstring).

    Parameters
    ----------
    names : Names
        The model's variable sets.
    rows : tuple of Row
        The parameter table, all groups.
    n_groups : int
        Number of groups.
    meanstructure : bool
        Whether intercepts and means are modelled.
    n_par : int
        Number of free parameters (distinct ``par`` indices), before ``==`` constraints.
    constraints : Constraints
        The ``:=`` definitions and ``==`` constraints resolved on the table.

    References
    ----------
    McArdle, J. J. & McDonald, R. P. (1984). Some algebraic properties of the Reticular
    Action Model for moment structures. British Journal of Mathematical and Statistical
    Psychology, 37(2), 234–251. Rosseel, Y. (2012). lavaan: An R package for structural
    equation modeling. Journal of Statistical Software, 48(2), 1–36.

    Examples
    --------
    A one-factor model: the loadings sit in column ``f`` of A, the variances on the diagonal
    of S (R: ``lavInspect(fit, "est")`` gives the same parameters as LISREL matrices):

    >>> from servq.stats.sem.syntax import parse
    >>> m = build(parse("f =~ a + b + c"))
    >>> m.p, m.n_vars, m.n_par, m.index("f")
    (3, 4, 6, 3)
    >>> a, s, _ = m.matrices(np.array([1.5, 1.2, 0.33, 0.5, 0.3, 0.33]), group=0)
    >>> a[:, m.index("f")].tolist(), np.diag(s).tolist()
    ([1.0, 1.5, 1.2, 0.0], [0.33, 0.5, 0.3, 0.33])
    """

    names: Names
    rows: tuple[Row, ...]
    n_groups: int
    meanstructure: bool
    n_par: int
    constraints: Constraints = Constraints()

    @property
    def npar(self) -> int:
        """Free parameters less the independent ``==`` constraints (lavaan's ``npar``)."""
        return self.n_par - self.constraints.rank

    @property
    def p(self) -> int:
        """Number of observed variables."""
        return len(self.names.ov)

    @property
    def n_vars(self) -> int:
        """Number of variables, observed and latent (the size of the RAM matrices)."""
        return len(self.names.variables)

    def index(self, name: str) -> int:
        """Row and column of variable ``name`` in the RAM matrices."""
        return self.names.variables.index(name)

    def position(self, row: Row) -> tuple[str, int, int]:
        """Matrix ('A', 'S' or 'm') and (i, j) of a row."""
        if row.op == "=~":
            return "A", self.index(row.rhs), self.index(row.lhs)
        if row.op == "~":
            return "A", self.index(row.lhs), self.index(row.rhs)
        if row.op == "~~":
            i, j = self.index(row.lhs), self.index(row.rhs)
            return "S", min(i, j), max(i, j)
        return "m", self.index(row.lhs), 0

    @cached_property
    def _layout(self) -> list[tuple[tuple[np.ndarray, ...], ...]]:
        """Per group and matrix (A, S, m): entry indices, parameter (-1 fixed), fixed value."""
        out: list[tuple[tuple[np.ndarray, ...], ...]] = []
        for g in range(self.n_groups):
            cells: dict[str, list[tuple[int, int, int, float]]] = {"A": [], "S": [], "m": []}
            for r in self.rows:
                if r.group == g:
                    kind, i, j = self.position(r)
                    cells[kind].append((i, j, r.par, r.value))
            out.append(tuple(_arrays(cells[k]) for k in ("A", "S", "m")))
        return out

    def matrices(self, theta: np.ndarray, group: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(A, S, m) of ``group`` at the free parameters ``theta``."""
        v = self.n_vars
        a, s, m = np.zeros((v, v)), np.zeros((v, v)), np.zeros(v)
        (ai, aj, ap, av), (si, sj, sp, sv), (mi, _, mp, mv) = self._layout[group]
        theta = np.asarray(theta, dtype=float)
        a[ai, aj] = np.where(ap >= 0, theta[np.maximum(ap, 0)] if len(theta) else 0.0, av)
        values = np.where(sp >= 0, theta[np.maximum(sp, 0)] if len(theta) else 0.0, sv)
        s[si, sj] = values
        s[sj, si] = values
        m[mi] = np.where(mp >= 0, theta[np.maximum(mp, 0)] if len(theta) else 0.0, mv)
        return a, s, m


def _arrays(cells: list[tuple[int, int, int, float]]) -> tuple[np.ndarray, ...]:
    if not cells:
        return (np.zeros(0, int), np.zeros(0, int), np.zeros(0, int), np.zeros(0))
    i, j, par, value = zip(*cells)
    return np.array(i), np.array(j), np.array(par), np.array(value, dtype=float)


def variable_names(formulas: list[Formula]) -> Names:
    """Observed and latent variables of a model, in lavaan's order.

    Parameters
    ----------
    formulas : list of Formula
        The parsed model (:func:`~servq.stats.sem.syntax.parse`).

    Returns
    -------
    Names
        Observed variables (indicators, observed outcomes, covariates, others), latent
        variables, the fixed.x covariates (exogenous observed predictors not named in a
        user ``~~`` or ``~ 1``) and the indicators.

    References
    ----------
    Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. Journal of
    Statistical Software, 48(2), 1–36 (``lavNames``).

    Examples
    --------
    >>> from servq.stats.sem.syntax import parse
    >>> names = variable_names(parse("y ~ x1 + x2"))
    >>> names.ov, names.ov_x  # R: lavNames("y ~ x1 + x2", "ov"); lavNames(..., "ov.x")
    (('y', 'x1', 'x2'), ('x1', 'x2'))
    """
    def unique(seq):
        return tuple(dict.fromkeys(seq))

    lv = unique(f.lhs for f in formulas if f.op == "=~")
    v_ind = unique(f.rhs for f in formulas if f.op == "=~")
    eqs_y = unique(f.lhs for f in formulas if f.op == "~")
    eqs_x = unique(f.rhs for f in formulas if f.op == "~")
    ov_ind = tuple(x for x in v_ind if x not in lv)
    ov_y = tuple(y for y in eqs_y if y not in lv and y not in ov_ind)
    ov_x = tuple(x for x in eqs_x if x not in lv and x not in ov_ind and x not in ov_y)
    extra = unique([n for f in formulas if f.op == "~~" for n in (f.lhs, f.rhs) if n not in lv]
                   + [f.lhs for f in formulas if f.op == "~1" and f.lhs not in lv])
    ov = unique(ov_ind + ov_y + ov_x + extra)
    # exogenous covariates named in a user ~~ or ~1 formula are treated as random
    random_x = {n for f in formulas if f.op in ("~~", "~1") for n in (f.lhs, f.rhs)}
    return Names(ov=ov, lv=lv, ov_x=tuple(x for x in ov_x if x not in random_x), ov_ind=ov_ind)


def build(formulas: list[Formula], *, n_groups: int = 1, std_lv: bool = False,
          orthogonal: bool = False, meanstructure: bool = False,
          group_equal: tuple[str, ...] = (), fixed_x: bool = True,
          group_partial: tuple[str, ...] = ()) -> Model:
    """lavaan's parameter table for ``cfa()`` / ``sem()`` (see the module docstring).

    Exogenous covariate rows (``exo``) get their values later from the sample statistics
    (:func:`with_exo_values`).

    Parameters
    ----------
    formulas : list of Formula
        The parsed model (:func:`~servq.stats.sem.syntax.parse`).
    n_groups : int
        Number of groups; the table has one block of rows per group.
    std_lv : bool
        Fix latent variances to 1 instead of the first loading of each factor.
    orthogonal : bool
        Fix covariances among latent variables to 0.
    meanstructure : bool
        Add intercepts of observed variables (free) and latent means (fixed to 0); implied
        by a ``~ 1`` in the model.
    group_equal : tuple of str
        lavaan's ``group.equal`` categories (:data:`GROUP_EQUAL`): rows of these kinds share
        one free parameter across groups.
    fixed_x : bool
        Fix the (co)variances and means of exogenous observed covariates at their sample
        values (lavaan's ``fixed.x = TRUE``).
    group_partial : tuple of str
        lavaan's ``group.partial``: parameters in model syntax (``"x2 ~ 1"`` an intercept,
        ``"f =~ x2"`` a loading, ``"x3 ~~ x3"`` a residual variance) left free in every group
        although their category is in ``group_equal`` (:func:`partial_keys`).

    Returns
    -------
    Model
        The parameter table with free parameters numbered 0 … ``n_par`` − 1.

    Raises
    ------
    SemSpecificationError
        For an unknown ``group_equal`` category, ``group_equal`` with one group, a latent
        variable measured by itself, or a ``:=`` / ``==`` statement that cannot be used
        (a name that is not a label, a nonlinear or contradictory ``==``), or a
        ``group_partial`` entry that is not one parameter of the model.

    References
    ----------
    Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. Journal of
    Statistical Software, 48(2), 1–36 (``lavaanify``, ``lav_partable_flat``).

    Examples
    --------
    Equal loadings across two groups share their parameter index (R:
    ``parTable(cfa(model, data, group = "g", group.equal = "loadings"))``, column ``free``
    with equality constraints):

    >>> from servq.stats.sem.syntax import parse
    >>> m = build(parse("f =~ a + b + c"), n_groups=2, group_equal=("loadings",), meanstructure=True)
    >>> [(r.rhs, r.group, r.par) for r in m.rows if r.op == "=~"], m.n_par
    ([('a', 0, -1), ('b', 0, 0), ('c', 0, 1), ('a', 1, -1), ('b', 1, 0), ('c', 1, 1)], 16)
    """
    bad = [g for g in group_equal if g not in GROUP_EQUAL]
    if bad:
        raise SemSpecificationError(f"group_equal {bad[0]!r} is not one of {', '.join(GROUP_EQUAL)}")
    if group_equal and n_groups < 2:
        raise SemSpecificationError("group_equal needs several groups (give group=)")
    names = variable_names(formulas)
    for f in formulas:
        if f.op == "=~" and f.lhs == f.rhs:
            raise SemSpecificationError(f"line {f.line}: {f.lhs} =~ {f.rhs} measures itself")
    user = _dedupe([f for f in formulas if f.op not in CONSTRAINTS])
    meanstructure = meanstructure or any(f.op == "~1" for f in user)
    defaults = _default_rows(formulas, names, meanstructure, user)

    rows: list[Row] = []
    for g in range(n_groups):
        table = [_user_row(f, g) for f in user] + [Row(lhs, op, rhs, g, False, True, np.nan, "",
                                                       False, None) for lhs, op, rhs in defaults]
        table = _apply_defaults(table, formulas, names, std_lv=std_lv, orthogonal=orthogonal,
                                fixed_x=fixed_x, group=g, group_equal=group_equal)
        table = [_apply_modifier(r, user[i].modifier(g)) if i < len(user) else r
                 for i, r in enumerate(table)]
        rows.extend(table)
    partial = partial_keys(group_partial)
    missing = [k for k in partial if not any((r.lhs, r.op, r.rhs) == k for r in rows)]
    if missing:
        lhs, op, rhs = missing[0]
        raise SemSpecificationError(f"group_partial {_param_name(lhs, op, rhs)!r} is not a parameter of the model")
    rows = _fix_equal_to_fixed(_fix_labelled(_tie_named(rows)), group_equal, names, partial)
    rows, n_par = _number(rows, group_equal, names, partial)
    try:
        constraints = resolve(formulas, rows, n_par)
    except ConstraintError as err:
        raise SemSpecificationError(str(err)) from None
    return Model(names=names, rows=tuple(rows), n_groups=n_groups, meanstructure=meanstructure,
                 n_par=n_par, constraints=constraints)


def exo_index(model: Model) -> list[int]:
    """Positions in ``names.ov`` of the fixed.x covariates (those with ``exo`` rows).

    Parameters
    ----------
    model : Model
        A model from :func:`build`.

    Returns
    -------
    list of int
        The covariates' indices, in ``names.ov_x`` order.

    References
    ----------
    Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. Journal of
    Statistical Software, 48(2), 1–36 (``lavNames(fit, "ov.x")``).

    Examples
    --------
    As ``match(lavNames(fit, "ov.x"), lavNames(fit, "ov")) - 1`` in R:

    >>> from servq.stats.sem.syntax import parse
    >>> exo_index(build(parse("y ~ x1 + x2")))
    [1, 2]
    """
    return [model.names.ov.index(x) for x in model.names.ov_x if any(r.exo and r.lhs == x for r in model.rows)]


def with_exo_values(model: Model, cov: list[np.ndarray], mean: list[np.ndarray | None]) -> Model:
    """Fill the fixed.x rows with the sample (co)variances and means of each group.

    Parameters
    ----------
    model : Model
        A model from :func:`build`.
    cov : list of ndarray
        Per group, the sample covariance matrix (divided by N) of the observed variables, in
        the order of ``model.names.ov``.
    mean : list of ndarray or None
        Per group, the sample means in the same order (None without a mean structure).

    Returns
    -------
    Model
        A copy of ``model`` whose ``exo`` rows hold the sample values.

    Raises
    ------
    SemSpecificationError
        The model has a mean structure and a group has no sample means.

    References
    ----------
    Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. Journal of
    Statistical Software, 48(2), 1–36 (``fixed.x = TRUE``).

    Examples
    --------
    The covariates' (co)variances are fixed at their sample values, as the ``x1 ~~ x1``,
    ``x1 ~~ x2`` and ``x2 ~~ x2`` rows of ``parTable(sem("y ~ x1 + x2", data))`` in R:

    >>> from servq.stats.sem.syntax import parse
    >>> m = build(parse("y ~ x1 + x2"))
    >>> s = np.array([[2.0, 0.5, 0.3], [0.5, 1.5, 0.2], [0.3, 0.2, 1.0]])  # y, x1, x2
    >>> [(r.lhs, r.rhs, r.value) for r in with_exo_values(m, [s], [None]).rows if r.exo]
    [('x1', 'x1', 1.5), ('x1', 'x2', 0.2), ('x2', 'x2', 1.0)]
    """
    ov = model.names.ov
    rows = []
    for r in model.rows:
        if r.exo and r.op == "~~":
            r = replace(r, value=float(cov[r.group][ov.index(r.lhs), ov.index(r.rhs)]))
        elif r.exo and r.op == "~1":
            group_mean = mean[r.group]
            if group_mean is None:  # exo means exist only with a mean structure, which needs means
                raise SemSpecificationError(f"group {r.group}: a mean structure needs the sample means")
            r = replace(r, value=float(group_mean[ov.index(r.lhs)]))
        rows.append(r)
    return replace(model, rows=tuple(rows))


def _dedupe(formulas: list[Formula]) -> list[Formula]:
    seen, out = set(), []
    for f in formulas:
        key = (f.lhs, f.op, f.rhs) if f.op != "~~" else (min(f.lhs, f.rhs), "~~", max(f.lhs, f.rhs))
        if key in seen:
            warnings.warn(f"line {f.line}: duplicated element {f.lhs} {f.op} {f.rhs} is ignored "
                          "(as lavaan does)", SemWarning, stacklevel=4)
            continue
        seen.add(key)
        out.append(f)
    return out


def _default_rows(formulas, names: Names, meanstructure: bool, user) -> list[tuple[str, str, str]]:
    lv = names.lv
    v_ind = {f.rhs for f in formulas if f.op == "=~"}
    eqs_y = [f.lhs for f in formulas if f.op == "~"]
    eqs_x = {f.rhs for f in formulas if f.op == "~"}
    ov_nox = [o for o in names.ov if o not in names.ov_x]
    lv_x = [f for f in lv if f not in v_ind and f not in eqs_y]
    pure_y = {y for y in eqs_y if y not in v_ind and y not in eqs_x}
    lvov_y = [f for f in lv if f in pure_y] + [o for o in names.ov if o in pure_y]
    out = [(x, "~~", x) for x in ov_nox + list(lv)]
    out += [(a, "~~", b) for a, b in combinations(lv_x, 2)]
    out += [(a, "~~", b) for a, b in combinations(lvov_y, 2)]
    x = names.ov_x
    out += [(x[c], "~~", x[r]) for c in range(len(x)) for r in range(c, len(x))]
    if meanstructure:
        out += [(n, "~1", "") for n in names.ov + lv]
    taken = {(f.lhs, f.op, f.rhs) for f in user} | {(f.rhs, f.op, f.lhs) for f in user if f.op == "~~"}
    return [d for d in out if d not in taken]


def _user_row(f: Formula, group: int) -> Row:
    return Row(f.lhs, f.op, f.rhs, group, True, True, np.nan, "", False, None)


def _apply_defaults(table: list[Row], formulas, names: Names, *, std_lv, orthogonal, fixed_x,
                    group, group_equal) -> list[Row]:
    lv, ov_x = set(names.lv), set(names.ov_x)
    out = list(table)

    def fix(i, value, **kw):
        out[i] = replace(out[i], free=False, value=value, **kw)

    if std_lv:
        for i, r in enumerate(out):
            if r.op == "~~" and r.lhs == r.rhs and r.lhs in lv:
                fix(i, 1.0)
    else:
        seen: set[str] = set()
        for i, r in enumerate(out):
            if r.op == "=~" and r.lhs not in seen:
                seen.add(r.lhs)
                fix(i, 1.0)
    # single indicator: its residual variance is fixed to 0
    counts: dict[str, list[str]] = {}
    for f in formulas:
        if f.op == "=~":
            counts.setdefault(f.lhs, []).append(f.rhs)
    rhs_all = [f.rhs for f in formulas if f.op == "=~"]
    single = {ind[0] for f, ind in counts.items()
              if len(ind) == 1 and ind[0] != f and rhs_all.count(ind[0]) == 1}
    for i, r in enumerate(out):
        if not r.user and r.op == "~~" and r.lhs == r.rhs and r.lhs in single:
            fix(i, 0.0)
        elif orthogonal and not r.user and r.op == "~~" and r.lhs != r.rhs and r.lhs in lv and r.rhs in lv:
            fix(i, 0.0)
        elif not r.user and r.op == "~1" and r.lhs in lv:
            free_mean = group > 0 and "intercepts" in group_equal and "means" not in group_equal
            if not free_mean:
                fix(i, 0.0)
        elif fixed_x and not r.user and r.lhs in ov_x and (r.op == "~1" or (r.op == "~~" and r.rhs in ov_x)):
            fix(i, np.nan, exo=True)
    if std_lv and group > 0 and "loadings" in group_equal and "lv.variances" not in group_equal:
        for i, r in enumerate(out):
            if not r.user and r.op == "~~" and r.lhs == r.rhs and r.lhs in lv:
                out[i] = replace(r, free=True, value=np.nan)
    return out


def _apply_modifier(row: Row, mod) -> Row:
    if mod.fixed is not None:
        row = replace(row, free=False, value=mod.fixed)
    if mod.free:
        row = replace(row, free=True, value=np.nan)
    if mod.label:
        row = replace(row, label=mod.label)
    if mod.start is not None:
        row = replace(row, start=mod.start)
    return row


def _category(row: Row, names: Names) -> str | None:
    lv = names.lv
    if row.op == "=~":
        return "loadings"
    if row.op == "~":
        return "regressions"
    if row.op == "~1":
        return "means" if row.lhs in lv else "intercepts"
    if row.lhs in lv and row.rhs in lv:
        return "lv.variances" if row.lhs == row.rhs else "lv.covariances"
    if row.lhs not in lv and row.rhs not in lv:
        return "residuals" if row.lhs == row.rhs else "residual.covariances"
    return None


def partial_keys(group_partial) -> frozenset[tuple[str, str, str]]:
    """The (lhs, op, rhs) of each ``group_partial`` entry, as the parameter table writes them.

    Each entry is one formula of lavaan syntax for one parameter: ``"x2 ~ 1"`` (an
    intercept, op ``~1``), ``"f =~ x2"``, ``"x3 ~~ x3"``, ``"y ~ x"``; a covariance is
    matched in both orders.

    Parameters
    ----------
    group_partial : iterable of str
        lavaan's ``group.partial``.

    Returns
    -------
    frozenset of tuple
        (lhs, op, rhs) keys, with both orders of a ``~~``.

    Raises
    ------
    SemSpecificationError
        An entry that is not a single parameter (several formulas, a constraint, bad syntax).

    References
    ----------
    Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. Journal of
    Statistical Software, 48(2), 1–36 (``group.partial``).

    Examples
    --------
    The rows of lavaan's ``parTable`` that ``group.partial = c("x2 ~ 1", "visual =~ x2",
    "x1 ~~ x3")`` frees in R:

    >>> sorted(partial_keys(["x2 ~ 1", "visual =~ x2", "x1 ~~ x3"]))
    [('visual', '=~', 'x2'), ('x1', '~~', 'x3'), ('x2', '~1', ''), ('x3', '~~', 'x1')]
    """
    keys: set[tuple[str, str, str]] = set()
    if isinstance(group_partial, str):
        group_partial = [group_partial]
    for entry in group_partial:
        try:
            formulas = parse(str(entry))
        except ModelSyntaxError:
            formulas = []
        if len(formulas) != 1 or formulas[0].op in CONSTRAINTS:
            raise SemSpecificationError(f"group_partial {entry!r} is not one parameter in lavaan syntax "
                                        "(for example 'x2 ~ 1', 'f =~ x2', 'x3 ~~ x3')")
        f = formulas[0]
        keys.add((f.lhs, f.op, f.rhs))
        if f.op == "~~":
            keys.add((f.rhs, f.op, f.lhs))
    return frozenset(keys)


def _param_name(lhs: str, op: str, rhs: str) -> str:
    return f"{lhs} ~ 1" if op == "~1" else f"{lhs} {op} {rhs}"


def lavaan_names(row: Row) -> tuple[str, ...]:
    """lavaan's default label of a parameter-table row (``lav_partable_labels``): lhs, op and
    rhs without spaces (``f=~x2``, ``x1~~x3``, ``x2~1``), ``.g2``, ``.g3`` … in later groups;
    a covariance under both orders of its variables.

    Parameters
    ----------
    row : Row
        A row of the parameter table.

    Returns
    -------
    tuple of str
        The names a label (``equal("f=~x2")*x3``) can refer to the row by.

    References
    ----------
    Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. Journal of
    Statistical Software, 48(2), 1–36 (``?model.syntax``, the ``equal()`` modifier).

    Examples
    --------
    As ``lavaan:::lav_partable_labels(parTable(fit))`` for the loading of x2 in the second group:

    >>> lavaan_names(Row("f", "=~", "x2", 1, True, True, np.nan, "", False, None))
    ('f=~x2.g2',)
    """
    suffix = f".g{row.group + 1}" if row.group else ""
    if row.op == "~1":
        return (f"{row.lhs}~1{suffix}",)
    if row.op == "~~" and row.lhs != row.rhs:
        return f"{row.lhs}~~{row.rhs}{suffix}", f"{row.rhs}~~{row.lhs}{suffix}"
    return (f"{row.lhs}{row.op}{row.rhs}{suffix}",)


def _tie_named(rows: list[Row]) -> list[Row]:
    """Rows labelled by another parameter's lavaan name (``equal("f=~x2")*x3``) are equal to it,
    as in lavaan: they share its label when it has one, else it takes theirs; when it is
    fixed they are fixed at its value. A name always holds an operator, so no label written
    without quotes is one."""
    used = {r.label for r in rows if r.label}
    named = {name: k for k, r in enumerate(rows) for name in lavaan_names(r) if name in used}
    out = list(rows)
    for name, k in named.items():
        target = out[k]
        if target.label == name:
            continue
        tied = [i for i, r in enumerate(out) if r.label == name]
        for i in tied:
            if not target.free:
                out[i] = replace(out[i], free=False, value=target.value)
            elif target.label:
                out[i] = replace(out[i], label=target.label)
        if target.free and not target.label:
            out[k] = replace(target, label=name)
    return out


def _fix_labelled(rows: list[Row]) -> list[Row]:
    """A label shared with a fixed parameter (``f =~ a*x1 + a*x2``, whose first loading is fixed
    at 1) fixes every row of the label at that parameter's value, as lavaan's ``lavaanify`` does
    (the first fixed row's value, should several be fixed)."""
    out = list(rows)
    for label in dict.fromkeys(r.label for r in rows if r.label):
        tied = [k for k, r in enumerate(rows) if r.label == label]
        fixed = next((rows[k] for k in tied if not rows[k].free), None)
        if fixed is not None:
            for k in tied:
                out[k] = replace(out[k], free=False, value=fixed.value)
    return out


def _fix_equal_to_fixed(rows: list[Row], group_equal, names: Names,
                        partial: frozenset[tuple[str, str, str]]) -> list[Row]:
    """A free parameter of a later group that ``group_equal`` makes equal to a fixed one of the
    first group (``c(0.6, NA)*x2`` with equal loadings) is fixed at that value, as lavaan's
    ``group.equal`` labels do (the label rule of :func:`_fix_labelled`)."""
    first = {(r.lhs, r.op, r.rhs): r for r in rows if r.group == 0}
    out = []
    for r in rows:
        ref = first.get((r.lhs, r.op, r.rhs))
        if (r.group > 0 and r.free and not r.label and not r.exo and ref is not None and not ref.free
                and not ref.exo and _category(r, names) in group_equal and (r.lhs, r.op, r.rhs) not in partial):
            r = replace(r, free=False, value=ref.value)
        out.append(r)
    return out


def _number(rows: list[Row], group_equal, names: Names,
            partial: frozenset[tuple[str, str, str]] = frozenset()) -> tuple[list[Row], int]:
    """Give each free row its parameter index; equal labels and group.equal share one
    (except the ``group_partial`` parameters)."""
    first: dict[tuple[str, str, str], str] = {}
    keys: dict[str, int] = {}
    out = []
    for k, r in enumerate(rows):
        if not r.free:
            out.append(r)
            continue
        key = f"label:{r.label}" if r.label else f"row:{k}"
        ident = (r.lhs, r.op, r.rhs)
        if r.group == 0:
            first[ident] = key
        elif _category(r, names) in group_equal and ident in first and not r.label and ident not in partial:
            key = first[ident]
        par = keys.setdefault(key, len(keys))
        out.append(replace(r, par=par))
    return out, len(keys)
