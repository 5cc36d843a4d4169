"""Modification indices (score tests for fixed parameters) as ``lavaan::modindices``.

For ML (below) and for the weighted least squares fits of ordered items
(:func:`least_squares_indices`: the information ΔᵀWΔ and the score Δ₁ᵀW(s − σ(θ̂)) of
lavaan's DWLS / ULS, unit weights).

For each parameter that is fixed (or absent) in the model, with the per-observation
expected information of the model extended by it, partitioned into the model's free
parameters (2) and the candidate (1), and the score g = ∂(logL/N)/∂θ₁ at the estimates:

    V = I₁₁ − I₁₂ I₂₂⁻¹ I₂₁,   MI = N g² / V,   EPC = g / V

(Sörbom 1989; Saris, Satorra & Sörbom 1987). Candidates as ``lavaan:::lav_partable_full``:
loadings of every latent variable on every observed variable not in a regression,
covariances among indicators (and exogenous covariates) and among latent variables,
regressions among the variables of the structural part, and intercepts with a mean
structure. Candidates whose V is below ε^(1/3) (not identified, e.g. a marker loading) are
dropped, and so are the parameters of the fixed.x covariates (their (co)variances and means,
a regression of one on anything): the fit conditions on them, and lavaan gives them no index
(NA) in a model with latent variables. In a path model lavaan lists a covariate's regression on
an observed outcome (``x1 ~ y1``), the index of a model in which the covariate is no longer
exogenous; servq does not compute it.
``sepc.lv`` and ``sepc.all`` standardize the EPC as ``std.lv`` / ``std.all``.
"""

from __future__ import annotations

from dataclasses import replace
from itertools import combinations_with_replacement

import numpy as np
import pandas as pd
from scipy.special import chdtrc  # not scipy.stats: its import is slow

from .estimate import Problem, implied
from .model import Model, Row
from .standardize import standardize

COLUMNS = ["lhs", "op", "rhs", "group", "group_label", "mi", "epc", "sepc.lv", "sepc.all"]


def candidates(model: Model, group: int) -> list[Row]:
    """Fixed or absent parameters of ``group`` that a modification index is computed for.

    Parameters
    ----------
    model : Model
        The parameter table.
    group : int
        0-based group.

    Returns
    -------
    list of Row
        The model's fixed rows of the group first (as lavaan lists them), then the absent
        candidates (see the module docstring), each once.

    References
    ----------
    Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. Journal of
    Statistical Software, 48(2), 1–36 (``lavaan:::lav_partable_full``).

    Examples
    --------
    For one factor: the marker loading and the residual covariances, the rows of
    ``modindices(fit)`` in R before its ``minimum.value`` filter:

    >>> from servq.stats.sem.model import build
    >>> from servq.stats.sem.syntax import parse
    >>> [(r.lhs, r.op, r.rhs) for r in candidates(build(parse("f =~ a + b + c")), 0)]
    [('f', '=~', 'a'), ('a', '~~', 'b'), ('a', '~~', 'c'), ('b', '~~', 'c')]

    With a fixed.x covariate, none of its own parameters (``x ~~ x``, ``x ~ f``), as
    ``modindices(sem("f =~ a + b + c; f ~ x", data), na.remove = FALSE)`` lists them with
    NA (and the marker loading, which :func:`modification_indices` drops as not identified):

    >>> [(r.lhs, r.op, r.rhs) for r in candidates(build(parse("f =~ a + b + c; f ~ x")), 0)]
    [('f', '=~', 'a'), ('a', '~~', 'b'), ('a', '~~', 'c'), ('b', '~~', 'c')]
    """
    names = model.names
    rows = [r for r in model.rows if r.group == group]
    eqs = list(dict.fromkeys([r.lhs for r in rows if r.op == "~"] + [r.rhs for r in rows if r.op == "~"]))
    ov_nox = [o for o in names.ov if o not in names.ov_x]
    cand: list[tuple[str, str, str]] = []
    cand += [(f, "=~", o) for f in names.lv for o in ov_nox if o not in eqs]
    ind = [o for o in ov_nox if o in names.ov_ind]
    cand += [(ind[c], "~~", ind[r]) for c in range(len(ind)) for r in range(c, len(ind))]
    x = [o for o in names.ov_x]
    cand += [(x[c], "~~", x[r]) for c in range(len(x)) for r in range(c, len(x))]
    lv = list(names.lv)
    cand += [(a, "~~", b) for a, b in combinations_with_replacement(lv, 2)]
    cand += [(y, "~", z) for y in eqs for z in eqs if y != z and not (y in names.ov_ind and z in lv)]
    if model.meanstructure:
        cand += [(v, "~1", "") for v in list(names.ov) + lv]
    existing = {}
    for r in rows:
        existing[(r.lhs, r.op, r.rhs)] = r
        if r.op == "~~":
            existing[(r.rhs, r.op, r.lhs)] = r
    covariates = {r.lhs for r in rows if r.exo}

    def conditioned(lhs: str, op: str, rhs: str) -> bool:  # a fixed.x covariate's own parameter
        return lhs in covariates and (op in ("~", "~1") or rhs in covariates)

    out, seen = [], set()
    for r in rows:  # the model's fixed parameters first, as lavaan lists them
        if r.par < 0 and not r.exo and (r.lhs, r.op, r.rhs) not in seen:
            out.append(r)
            seen.add((r.lhs, r.op, r.rhs))
    for lhs, op, rhs in cand:
        if (lhs, op, rhs) in existing or (lhs, op, rhs) in seen or conditioned(lhs, op, rhs):
            continue
        seen.add((lhs, op, rhs))
        out.append(Row(lhs, op, rhs, group, False, True, 0.0, "", False, None))
    return out


def modification_indices(problem: Problem, theta: np.ndarray, labels: tuple[str, ...],
                         ) -> pd.DataFrame:
    """All modification indices (unsorted), one row per candidate and group.

    Parameters
    ----------
    problem : Problem
        The fitted model's problem (model and sample statistics).
    theta : ndarray
        The ML estimates.
    labels : tuple of str
        Group labels.

    Returns
    -------
    pandas.DataFrame
        Columns lhs, op, rhs, group (1-based), group_label, mi, epc, sepc.lv, sepc.all;
        candidates that are not identified are left out.

    References
    ----------
    Sörbom, D. (1989). Model modification. Psychometrika, 54(3), 371–384. Saris, W. E.,
    Satorra, A. & Sörbom, D. (1987). The detection and correction of specification errors
    in structural equation models. Sociological Methodology, 17, 105–129.

    Examples
    --------
    A one-factor model of four indicators; the largest index is for ``c ~~ d``, as
    ``modindices(cfa("f =~ a + b + c + d", sample.cov = S, sample.nobs = 100), sort = TRUE)``
    in R:

    >>> from servq.stats.sem.estimate import SampleStats, minimize
    >>> from servq.stats.sem.model import build
    >>> from servq.stats.sem.start import start_values
    >>> from servq.stats.sem.syntax import parse
    >>> s = np.array([[1.0, .5, .4, .3], [.5, 1.2, .6, .35], [.4, .6, .9, .45], [.3, .35, .45, 1.1]])
    >>> m, st = build(parse("f =~ a + b + c + d")), SampleStats((0.99 * s,), (None,), (100,))
    >>> problem = Problem(m, st)
    >>> mi = modification_indices(problem, minimize(problem, start_values(m, st)).theta, ("1",))
    >>> mi.sort_values("mi", ascending=False)[["lhs", "op", "rhs", "mi", "epc"]].head(2).round(3).values.tolist()
    [['c', '~~', 'd', 2.444, 0.155], ['a', '~~', 'b', 2.444, 0.167]]
    """
    model = problem.model
    extra = [r for g in range(model.n_groups) for r in candidates(model, g)]
    q = model.n_par
    grad, info = problem.gradient_information(theta, extra=extra)
    i22, i12 = info[:q, :q], info[q:, :q]
    v = np.diag(info[q:, q:]) - np.einsum("kq,kq->k", i12 @ np.linalg.pinv(i22, hermitian=True), i12)
    score = -0.5 * grad[q:]
    n = problem.stats.ntotal
    moments = {}
    for g in range(model.n_groups):
        moments[g] = (implied(model, theta, g).sigma_v, model.matrices(theta, g)[1])
    records = []
    tiny = np.sqrt(np.finfo(float).eps)
    for k, row in enumerate(extra):
        if not np.isfinite(v[k]) or v[k] < np.finfo(float).eps ** (1 / 3):
            continue
        mi = n * score[k] ** 2 / v[k]
        epc = score[k] / v[k]
        sigma_v, s_mat = moments[row.group]
        is_var = row.op == "~~" and row.lhs == row.rhs and not row.exo
        size = abs(row.value) if is_var else abs(epc)  # lavaan: variances standardize their estimate
        if is_var and size < tiny:
            sepc_lv = sepc_all = 0.0
        else:
            sepc_lv = np.sign(epc) * standardize(model, row, size, sigma_v, s_mat, True)
            sepc_all = np.sign(epc) * standardize(model, row, size, sigma_v, s_mat, False)
        records.append({"lhs": row.lhs, "op": row.op, "rhs": row.rhs, "group": row.group + 1,
                        "group_label": labels[row.group], "mi": float(mi), "epc": float(epc),
                        "sepc.lv": float(sepc_lv), "sepc.all": float(sepc_all)})
    return pd.DataFrame.from_records(records, columns=COLUMNS)


def equality_score_tests(problem: Problem, theta: np.ndarray, labels: tuple[str, ...],
                         ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Score tests of the ``group_equal`` equality constraints, as ``lavaan::lavTestScore``.

    lavaan writes ``group.equal`` as constraints θ_a − θ_b = 0 between copies of a parameter
    in group 1 and group g (rows ``.p2. == .p38.``, numbered by the parameter table). With
    the score s = ∂(logL/N)/∂θ and the unit expected information I of the model with every
    copy free, evaluated at the constrained estimates, and R the constraint Jacobian, the
    test of releasing the constraints r is

        X² = N sᵀ [Z⁺]₁₁ s,   Z = [[I, R₋ᵣᵀ], [R₋ᵣ, 0]],

    with R₋ᵣ the other constraints and [Z⁺]₁₁ the top-left block of the Moore–Penrose
    inverse (tolerance √ε, as ``MASS::ginv``); df = the number released. Releasing one
    constraint is the univariate test (``lavTestScore(fit)$uni``); releasing a parameter's
    G − 1 constraints (all groups) is the test of adding it to ``group_partial``. Equal
    labels and ``==`` constraints of the model are kept as they are, not tested.

    Parameters
    ----------
    problem : Problem
        The fitted model's problem (ML, complete data).
    theta : ndarray
        The constrained ML estimates.
    labels : tuple of str
        Group labels.

    Returns
    -------
    (pandas.DataFrame, pandas.DataFrame)
        Univariate tests, one row per constraint in lavaan's order: constraint (lavaan's
        ``.pA. == .pB.``), param (as ``group_partial`` writes it), lhs, op, rhs, group
        (1-based, of the copy constrained to group 1's), group_label, X2, df, p.value.
        And per parameter (releasing it in every group): param, lhs, op, rhs, X2, df, p.value.

    References
    ----------
    Rao, C. R. (1948). Large sample tests of statistical hypotheses concerning several
    parameters. Mathematical Proceedings of the Cambridge Philosophical Society, 44, 50–57.
    Bentler, P. M. & Chou, C.-P. (1992). Some new covariance structure model improvement
    statistics. Sociological Methods & Research, 21(2), 259–282. Rosseel, Y. (2012).
    lavaan: An R package for structural equation modeling. Journal of Statistical Software,
    48(2), 1–36 (``lavTestScore``).

    Examples
    --------
    Two groups whose ``d`` intercepts differ by 0.5: releasing that equality has by far the
    largest statistic (R: ``lavTestScore(cfa(model, sample.cov = , sample.nobs = ,
    sample.mean = , group.equal = c("loadings", "intercepts")))$uni``):

    >>> from servq.stats.sem import cfa
    >>> names = ["a", "b", "c", "d"]
    >>> cov = pd.DataFrame(0.5 + 0.5 * np.eye(4), index=names, columns=names)
    >>> m1 = pd.Series([3.0, 3.2, 2.9, 3.1], index=names)
    >>> fit = cfa("f =~ a + b + c + d", sample_cov=[cov, cov], sample_nobs=[200, 200],
    ...           sample_mean=[m1, m1 + [0, 0, 0, 0.5]], group_equal=["loadings", "intercepts"])
    >>> uni = fit.score_tests()
    >>> uni.sort_values("X2", ascending=False)[["param", "X2"]].head(1).round(2).values.tolist()
    [['d ~ 1', 35.05]]
    """
    model = problem.model
    rows = model.rows
    first: dict[tuple[str, str, str], int] = {}
    keys: dict[str, int] = {}
    new = np.full(len(rows), -1)
    pairs: list[tuple[int, int]] = []
    for k, r in enumerate(rows):
        if r.par < 0:
            continue
        ident = (r.lhs, r.op, r.rhs)
        if r.group == 0:
            first[ident] = k
        elif ident in first and not r.label and rows[first[ident]].par == r.par:
            pairs.append((first[ident], k))
        new[k] = keys.setdefault(f"label:{r.label}" if r.label else f"row:{k}", len(keys))
    q = len(keys)
    theta_e = np.zeros(q)
    for k, r in enumerate(rows):
        if r.par >= 0:
            theta_e[new[k]] = theta[r.par]
    expanded = replace(model, rows=tuple(replace(r, par=int(new[k])) for k, r in enumerate(rows)), n_par=q)
    grad, info = problem.like(expanded).gradient_information(theta_e)
    score = -0.5 * grad
    jac = np.zeros((len(pairs), q))
    for c, (k0, k) in enumerate(pairs):
        jac[c, new[k0]], jac[c, new[k]] = 1.0, -1.0
    n = problem.stats.ntotal

    def released(drop: list[int]) -> float:
        keep = np.delete(jac, drop, axis=0)
        z = np.block([[info, keep.T], [keep, np.zeros((len(keep), len(keep)))]])
        inv = np.linalg.pinv(z, rcond=np.sqrt(np.finfo(float).eps), hermitian=True)[:q, :q]
        return float(n * score @ inv @ score)

    def name(r: Row) -> str:
        return f"{r.lhs} ~ 1" if r.op == "~1" else f"{r.lhs} {r.op} {r.rhs}"

    uni = []
    for c, (k0, k) in enumerate(pairs):
        r = rows[k]
        x2 = released([c])
        uni.append({"constraint": f".p{k0 + 1}. == .p{k + 1}.", "param": name(r), "lhs": r.lhs, "op": r.op,
                    "rhs": r.rhs, "group": r.group + 1, "group_label": labels[r.group], "X2": x2, "df": 1,
                    "p.value": float(chdtrc(1, x2))})
    per: dict[int, list[int]] = {}
    for c, (k0, _) in enumerate(pairs):
        per.setdefault(k0, []).append(c)
    joint = []
    for k0, cs in per.items():
        r = rows[k0]
        x2 = released(cs)
        joint.append({"param": name(r), "lhs": r.lhs, "op": r.op, "rhs": r.rhs, "X2": x2, "df": len(cs),
                      "p.value": float(chdtrc(len(cs), x2))})
    columns = ["constraint", "param", "lhs", "op", "rhs", "group", "group_label", "X2", "df", "p.value"]
    return (pd.DataFrame.from_records(uni, columns=columns),
            pd.DataFrame.from_records(joint, columns=["param", "lhs", "op", "rhs", "X2", "df", "p.value"]))


def least_squares_indices(extra: list[Row], delta: np.ndarray, delta_extra: np.ndarray, weights: np.ndarray,
                          residuals: np.ndarray, n: int, standardize_epc, label: str) -> pd.DataFrame:
    """Modification indices of a weighted least squares fit (lavaan's DWLS / ULS of ordered items).

    With Δ = ∂σ/∂θ of the model's free parameters and Δ₁ of the candidates at the estimates,
    the unit expected information I = [Δ Δ₁]ᵀ W [Δ Δ₁] and the score g = (N − 1)/N · Δ₁ᵀ W
    (s − σ(θ̂)) (minus the gradient of lavaan's fmin, whose χ² is (N − 1)·F): V = I₁₁ −
    I₁₂ I₂₂⁻¹ I₂₁, MI = N g² / V, EPC = g / V.

    Parameters
    ----------
    extra : list of Row
        The candidates (:func:`candidates`).
    delta, delta_extra : ndarray
        (statistics, free parameters) and (statistics, candidates) Jacobians.
    weights : ndarray
        The diagonal of W.
    residuals : ndarray
        s − σ(θ̂).
    n : int
        N.
    standardize_epc : callable
        ``(row, epc) -> (sepc.lv, sepc.all)``.
    label : str
        The group's label.

    Returns
    -------
    pandas.DataFrame
        As :func:`modification_indices` (one group).

    References
    ----------
    Sörbom, D. (1989). Model modification. Psychometrika, 54(3), 371–384. Rosseel, Y.
    (2012). Journal of Statistical Software, 48(2), 1–36 (``modindices`` of a WLSMV fit).

    Examples
    --------
    One candidate that the model's parameter already spans has no index (V = 0), as lavaan's
    NA rows that ``modindices()`` leaves out in R:

    >>> row = Row("f", "=~", "a", 0, False, True, 0.0, "", False, None)
    >>> d = np.ones((3, 1))
    >>> len(least_squares_indices([row], d, d, np.ones(3), np.zeros(3), 100, lambda r, e: (e, e), "1"))
    0
    """
    wd, wx = weights[:, None] * delta, weights[:, None] * delta_extra
    i22, i12 = delta.T @ wd, delta_extra.T @ wd
    v = np.einsum("sk,sk->k", delta_extra, wx) - np.einsum("kq,kq->k", i12 @ np.linalg.pinv(i22, hermitian=True), i12)
    score = (n - 1) / n * (wx.T @ residuals)
    records = []
    for k, row in enumerate(extra):
        if not np.isfinite(v[k]) or v[k] < np.finfo(float).eps ** (1 / 3):
            continue
        epc = score[k] / v[k]
        sepc_lv, sepc_all = standardize_epc(row, float(epc))
        records.append({"lhs": row.lhs, "op": row.op, "rhs": row.rhs, "group": 1, "group_label": label,
                        "mi": float(n * score[k] ** 2 / v[k]), "epc": float(epc), "sepc.lv": sepc_lv,
                        "sepc.all": sepc_all})
    return pd.DataFrame.from_records(records, columns=COLUMNS)


def arranged(mi: pd.DataFrame, sort: bool = True, minimum_value: float = 0.0,
             maximum_number: int | None = None) -> pd.DataFrame:
    """``modindices(sort. =, minimum.value =, maximum.number =)``: ordered by decreasing mi
    (stable, as R's ``order``), rows not above a positive ``minimum_value`` dropped, the first
    ``maximum_number`` kept.

    Parameters
    ----------
    mi : pandas.DataFrame
        Modification indices.
    sort : bool
        Order by decreasing mi.
    minimum_value : float
        Keep rows with mi above it (when positive).
    maximum_number : int, optional
        Keep this many rows.

    Returns
    -------
    pandas.DataFrame
        The rows kept, renumbered.

    References
    ----------
    Rosseel, Y. (2012). Journal of Statistical Software, 48(2), 1–36 (``modindices``).

    Examples
    --------
    As ``modindices(fit, sort. = TRUE, minimum.value = 1)`` in R:

    >>> arranged(pd.DataFrame({"mi": [0.5, 3.0, 2.0]}), minimum_value=1.0)["mi"].tolist()
    [3.0, 2.0]
    """
    if sort:
        mi = mi.sort_values("mi", ascending=False, kind="stable")
    if minimum_value > 0:
        mi = mi[mi["mi"] > minimum_value]
    if maximum_number is not None:
        mi = mi.head(maximum_number)
    return mi.reset_index(drop=True)
