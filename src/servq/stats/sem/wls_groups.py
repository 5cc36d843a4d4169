"""Multi-group ordinal CFA/SEM by DWLS, as lavaan's ``cfa(..., ordered =, group =, estimator = "WLSMV")``.

The single-group fit (:mod:`.wls_mixed`) needs no mean structure: its thresholds are saturated.
With groups and equal thresholds they are not, and lavaan's ``parameterization = "delta"``
model for group g is, for the latent responses y* = Λη + ε (RAM matrices of :mod:`.model`),

    Σ*_g = Δ_g (Λ Ψ Λᵀ + Θ)_g Δ_g,   τ*_g = Δ_g (τ_g − μ_g),   μ_g = ν_g + Λ α_g,

with Δ_g = diag(δ_g) the scaling factors (lavaan's ``~*~`` rows) and Θ's diagonal not free
but θ_ii = 1/δ_i² − (ΛΨΛᵀ)_ii, so that Σ*_g has unit diagonal and y* has variance 1/δ_i².
The sample statistics of each group are its own thresholds and polychoric correlations
(standardised within the group), σ_g(θ) = (τ*_g, off-diagonal of Σ*_g).

What lavaan 0.6-14 fixes and frees (``lav_partable_flat``): the intercepts ν of ordered
items are fixed to 0 in every group (so ``group_equal = "intercepts"`` changes nothing for
them); without equal thresholds δ = 1 and α = 0 in every group (the configural model is
one single-group model per group); with ``group_equal`` containing "thresholds" the
thresholds are one set of parameters across groups (``group_partial = "x1|t2"`` frees
one), and in every group after the first the scaling factors δ and the latent means α are
free (α stays 0 with "means"): the equal thresholds then fix the location and scale of
each y*, so the later groups' y* may have another mean and variance. "loadings" and the
other categories act on the RAM rows as with ML (:func:`.model.build`).

Estimation minimises lavaan's multi-group DWLS function, Σ_g (n_g − 1) (s_g − σ_g)ᵀ W_g
(s_g − σ_g) = χ², W_g = diag(1/diag Γ_g); the covariance of the estimates, the
scaled-shifted χ² over all groups (lavaan's ``lav_test_satorra_bentler_trace_original``),
the baseline (free thresholds and zero correlations in each group), the fit indices and the
standardisation (the latent responses' variances 1/δ²) are :mod:`.dwls`'s.

References
----------
Muthén, B., du Toit, S. H. C. & Spisic, D. (1997). Robust inference using weighted least
squares and quadratic estimating equations in latent variable modeling with categorical and
continuous outcomes. Unpublished manuscript.
Millsap, R. E. & Yun-Tein, J. (2004). Assessing factorial invariance in ordered-categorical
measures. Multivariate Behavioral Research, 39(3), 479–515.
Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. Journal of
Statistical Software, 48(2), 1–36.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import cast

import numpy as np
import pandas as pd
from scipy import special  # not scipy.stats: its import is slow
from threadpoolctl import threadpool_limits

from ..polychoric import Polychoric
from .blocks import BlockMatrix, least_squares_parts
from .dwls import Moments, parameter_frame, standardized
from .model import GROUP_EQUAL, Model, SemSpecificationError, build, variable_names
from .syntax import parse

ORDINAL_GROUP_EQUAL = ("thresholds",) + GROUP_EQUAL
_THRESHOLD = re.compile(r"^\s*([A-Za-z_.][\w.]*)\s*\|\s*t(\d+)\s*$")


@dataclass(frozen=True)
class _Layout:
    """Where each free parameter of a multi-group ordinal model lives.

    Columns of θ: first the thresholds, then the structural (RAM) parameters of ``spec``,
    then the free scaling factors δ.
    """

    spec: Model
    keep: tuple[int, ...]          # spec parameter indices that are free here
    th_par: tuple[np.ndarray, ...]  # per group: θ column of each threshold
    th_item: tuple[np.ndarray, ...]  # per group: item of each threshold
    delta_par: tuple[np.ndarray, ...]  # per group: θ column of each item's δ (−1: fixed at 1)
    n_th: int
    n_delta: int
    columns: tuple[np.ndarray, ...]  # per group: the θ columns its statistics depend on, ascending

    @property
    def n_free(self) -> int:
        return self.n_th + len(self.keep) + self.n_delta

    @property
    def structural(self) -> dict[int, int]:
        """The θ column of each free spec parameter."""
        return {par: self.n_th + k for k, par in enumerate(self.keep)}


def split_partial(group_partial: Sequence[str] | str) -> tuple[tuple[str, ...], frozenset[tuple[str, int]]]:
    """lavaan's ``group.partial`` split into RAM parameters and thresholds ``item|tk``.

    Parameters
    ----------
    group_partial : sequence of str or str
        Entries in lavaan syntax: ``"f =~ x2"``, ``"x1|t2"``, …

    Returns
    -------
    tuple of str, frozenset of (str, int)
        The RAM entries, and the thresholds as (item, k) with k counted from 1.

    References
    ----------
    Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. Journal of
    Statistical Software, 48(2), 1–36 (``group.partial``).

    Examples
    --------
    As ``group.partial = c("x1|t2", "visual =~ x2")`` in R:

    >>> split_partial(["x1|t2", "visual =~ x2"])
    (('visual =~ x2',), frozenset({('x1', 2)}))
    """
    if isinstance(group_partial, str):
        group_partial = [group_partial]
    ram, th = [], set()
    for entry in group_partial:
        m = _THRESHOLD.match(str(entry))
        if m:
            th.add((m.group(1), int(m.group(2))))
        elif "|" in str(entry):
            raise SemSpecificationError(f"group_partial {entry!r} is not a threshold in lavaan syntax (for example 'x1|t2')")
        else:
            ram.append(str(entry))
    return tuple(ram), frozenset(th)


def _layout(model: str, samples: Sequence[Polychoric], *, std_lv: bool, orthogonal: bool,
           group_equal: Sequence[str], group_partial: Sequence[str] | str) -> _Layout:
    """The parameter table of lavaan's multi-group ordinal model (see the module docstring)."""
    bad = [g for g in group_equal if g not in ORDINAL_GROUP_EQUAL]
    if bad:
        raise SemSpecificationError(f"group_equal {bad[0]!r} is not one of {', '.join(ORDINAL_GROUP_EQUAL)}")
    n_groups = len(samples)
    equal_th = "thresholds" in group_equal
    ram_equal = [g for g in group_equal if g != "thresholds"]
    if equal_th and "intercepts" not in ram_equal:
        ram_equal.append("intercepts")  # lavaan frees the later groups' latent means, as with equal intercepts
    ram_partial, th_partial = split_partial(group_partial)
    formulas = parse(model)
    names = variable_names(formulas)
    spec = build(formulas, n_groups=n_groups, std_lv=std_lv, orthogonal=orthogonal, meanstructure=True,
                 group_equal=tuple(ram_equal), group_partial=ram_partial)
    items = samples[0].items
    for g, s in enumerate(samples):
        if tuple(s.items) != tuple(names.ov):
            raise SemSpecificationError(f"group {g + 1}: the sample statistics are of items {list(s.items)}, "
                                        f"the model's are {list(names.ov)}")
        for i, th in enumerate(s.thresholds):
            if th.size != samples[0].thresholds[i].size:
                raise SemSpecificationError(f"item {items[i]} has {th.size + 1} categories in group {g + 1} and "
                                            f"{samples[0].thresholds[i].size + 1} in group 1: every category "
                                            "must be answered in every group (as lavaan requires)")
    for item, k in th_partial:
        if item not in names.ov or not 1 <= k <= samples[0].thresholds[names.ov.index(item)].size:
            raise SemSpecificationError(f"group_partial '{item}|t{k}' is not a threshold of the model")
    ov = set(names.ov)
    for r in spec.rows:
        if r.user and r.op == "~1" and r.lhs in ov:
            raise SemSpecificationError(f"{r.lhs} ~ 1: intercepts of ordered items are fixed to 0 in the delta "
                                        "parameterization (thresholds take their place)")
        if r.user and r.op == "~~" and r.lhs == r.rhs and r.lhs in ov:
            raise SemSpecificationError(f"{r.lhs} ~~ {r.rhs}: residual variances of ordered items are not "
                                        "parameters in the delta parameterization")
    excluded = {r.par for r in spec.rows if r.par >= 0 and r.lhs in ov and
                (r.op == "~1" or (r.op == "~~" and r.lhs == r.rhs))}
    keep = tuple(sorted({r.par for r in spec.rows if r.par >= 0} - excluded))

    th_par, th_item, shared = [], [], {}
    col = 0
    for g, s in enumerate(samples):
        pars, its = [], []
        for i, th in enumerate(s.thresholds):
            for k in range(th.size):
                key = (i, k) if equal_th and (names.ov[i], k + 1) not in th_partial else (g, i, k)
                if key not in shared:
                    shared[key] = col
                    col += 1
                pars.append(shared[key])
                its.append(i)
        th_par.append(np.array(pars, dtype=int))
        th_item.append(np.array(its, dtype=int))
    n_th = col
    base = n_th + len(keep)
    delta_par, n_delta = [], 0
    p = len(names.ov)
    for g in range(n_groups):
        if g > 0 and equal_th:
            delta_par.append(base + n_delta + np.arange(p))
            n_delta += p
        else:
            delta_par.append(np.full(p, -1))
    lay = _Layout(spec, keep, tuple(th_par), tuple(th_item), tuple(delta_par), n_th, n_delta, ())
    where = lay.structural
    columns = tuple(np.unique(np.concatenate([th_par[g], delta_par[g][delta_par[g] >= 0],
                                              [where[r.par] for r in spec.rows if r.group == g and r.par in where]])
                              ).astype(int) for g in range(n_groups))
    return replace(lay, columns=columns)


@dataclass(frozen=True)
class _Implied:
    """One group's model-implied statistics at θ and their derivatives."""

    sigma: np.ndarray      # (τ*, correlations) as the sample's wls_obs()
    jac: np.ndarray | None  # ∂sigma/∂θᵀ over the group's columns (Layout.columns)
    sig0: np.ndarray       # Σ of all variables with zero residual variances of the items
    mu: np.ndarray         # μ of all variables
    delta: np.ndarray      # scaling factors of the items
    tau: np.ndarray        # thresholds (parameter scale)
    psi: np.ndarray        # variance parameters of all variables (0 for the items: not parameters)


def _implied(lay: _Layout, theta: np.ndarray, g: int, pairs: list[tuple[int, int]], jacobian: bool = True) -> _Implied:
    """σ_g(θ) and Δ_g = ∂σ_g/∂θᵀ over the group's own columns (module docstring)."""
    spec = lay.spec
    p, nv = spec.p, spec.n_vars
    full = np.zeros(spec.n_par)
    base = lay.n_th
    full[list(lay.keep)] = theta[base:base + len(lay.keep)]
    col = lay.structural
    a, s, m = spec.matrices(full, g)
    s[np.arange(p), np.arange(p)] = 0.0
    b = np.linalg.inv(np.eye(nv) - a)
    sig0 = b @ s @ b.T
    mu = b @ m
    dpar = lay.delta_par[g]
    delta = np.where(dpar >= 0, theta[np.maximum(dpar, 0)], 1.0)
    tau = theta[lay.th_par[g]]
    items = lay.th_item[g]
    ii = np.array([i for i, _ in pairs], dtype=int)
    jj = np.array([j for _, j in pairs], dtype=int)
    nth = len(tau)
    sigma = np.concatenate([delta[items] * (tau - mu[items]), delta[ii] * delta[jj] * sig0[ii, jj]])
    if not jacobian:
        return _Implied(sigma, None, sig0, mu, delta, tau, np.diag(s).copy())

    local = np.full(lay.n_free, -1)
    local[lay.columns[g]] = np.arange(lay.columns[g].size)
    jac = np.zeros((nth + len(pairs), lay.columns[g].size))
    jac[np.arange(nth), local[lay.th_par[g]]] += delta[items]
    for i in range(p):
        if dpar[i] >= 0:
            on, at = items == i, local[dpar[i]]
            jac[np.flatnonzero(on), at] += tau[on] - mu[i]
            jac[nth + np.flatnonzero(ii == i), at] += delta[jj[ii == i]] * sig0[i, jj[ii == i]]
            jac[nth + np.flatnonzero(jj == i), at] += delta[ii[jj == i]] * sig0[ii[jj == i], i]
    dd = delta[ii] * delta[jj]
    for r in spec.rows:
        if r.group != g or r.par not in col:
            continue
        kind, i, j = spec.position(r)
        if kind == "A":
            d = np.outer(b[:, i], sig0[j, :])
            dsig, dmu = d + d.T, b[:, i] * mu[j]
        elif kind == "S":
            d = np.outer(b[:, i], b[:, j])
            dsig, dmu = (d if i == j else d + d.T), np.zeros(nv)
        else:
            dsig, dmu = np.zeros((nv, nv)), b[:, i]
        c = local[col[r.par]]
        jac[:nth, c] -= delta[items] * dmu[items]
        jac[nth:, c] += dd * dsig[ii, jj]
    return _Implied(sigma, jac, sig0, mu, delta, tau, np.diag(s).copy())


def _start_values(lay: _Layout, samples: Sequence[Polychoric]) -> np.ndarray:
    """Sample thresholds (averaged over the groups that share one), unit loadings and scales."""
    theta = np.zeros(lay.n_free)
    count = np.zeros(lay.n_th)
    for g, s in enumerate(samples):
        np.add.at(theta, lay.th_par[g], np.concatenate(s.thresholds))
        np.add.at(count, lay.th_par[g], 1.0)
    theta[:lay.n_th] /= count
    col = lay.structural
    for r in lay.spec.rows:
        if r.par in col:
            theta[col[r.par]] = 1.0 if r.op == "=~" else 0.5 if r.op == "~~" and r.lhs == r.rhs else 0.0
    theta[lay.n_th + len(lay.keep):] = 1.0
    return theta


def scaled_shifted_difference(free: Moments, restricted: Moments, chisq_free: float, df_free: float,
                              chisq_restricted: float, df_restricted: float) -> dict[str, float]:
    """lavaan's scaled-shifted χ² difference test of nested WLSMV models.

    ``lavTestLRT(restricted, free)``'s default for ``test = "scaled.shifted"``: method
    "satorra.2000" with ``scaled.shifted = TRUE``, ``A.method = "delta"``, ``H1 = TRUE``
    (``lav_test_diff_Satorra2000``). The restrictions are A = the orthogonal complement of
    H = Δ₁⁺Δ₀ (Δ of all groups stacked, each model's at its own estimates), P = E₁ the
    free model's information, M = P⁻¹Aᵀ(AP⁻¹Aᵀ)⁺AP⁻¹, with m = df₀ − df₁,

        tr = Σ_g f_g tr(W_g Γ_g W_g Δ_g M Δ_gᵀ),   tr₂ = tr((W Δ M Δᵀ W Γ_f)²),

    W = ⊕ W_g, Γ_f = ⊕ f_g Γ_g; a = √(m / tr₂), b = m − a·tr and the statistic
    (χ²₀ − χ²₁)·a + b on m degrees of freedom. Computed as tr = tr(MK), tr₂ = tr((MK)²)
    with K = Σ_g f_g Δ_gᵀ W_g Γ_g W_g Δ_g and M = P⁻¹ − Q(QᵀPQ)⁻¹Qᵀ, Q a basis of H's
    columns: matrices of the parameters, not of the stacked statistics.

    Parameters
    ----------
    free, restricted : Moments
        The less and the more constrained model (same groups and sample statistics).
    chisq_free, df_free, chisq_restricted, df_restricted : float
        Their (unscaled) χ² and degrees of freedom.

    Returns
    -------
    dict
        chisq_diff (the scaled-shifted statistic), df_diff, pvalue, a, b and
        chisq_diff_unscaled (χ²₀ − χ²₁).

    Raises
    ------
    ValueError
        When a model has no Γ (DWLS) or the restricted model has no more df.

    References
    ----------
    Satorra, A. (2000). Scaled and adjusted restricted tests in multi-sample analysis of
    moment structures. In R. D. H. Heijmans et al. (Eds.), Innovations in Multivariate
    Statistical Analysis (pp. 233–247). Kluwer. Asparouhov, T. & Muthén, B. (2010).
    Simple second order chi-square correction. Mplus technical appendix.

    Examples
    --------
    R: ``lavTestLRT(fit_thresholds, fit_configural)`` for two ``cfa(..., ordered =,
    group =)`` fits; here two copies of a model differ by nothing (m = 0 is refused):

    >>> m = Moments((np.eye(2),), (np.ones(2),), (np.eye(2),), (100,))
    >>> scaled_shifted_difference(m, m, 1.0, 1.0, 1.0, 1.0)
    Traceback (most recent call last):
    ...
    ValueError: the restricted model has 0 more degrees of freedom than the free one; nothing to test
    """
    m = df_restricted - df_free
    if m <= 0:
        raise ValueError(f"the restricted model has {m:g} more degrees of freedom than the free one; nothing to test")
    if any(g is None for g in free.gammas):
        raise ValueError("the scaled difference test needs the models' NACOV (estimator='WLSMV', not 'DWLS')")
    with threadpool_limits(limits=1, user_api="blas"):  # as in fit_groups
        tr, tr2 = _difference_traces(free, restricted)
    a = np.sqrt(m / tr2)
    b = m - a * tr
    stat = (chisq_restricted - chisq_free) * a + b
    return {"chisq_diff": float(stat), "df_diff": float(m), "pvalue": float(special.chdtrc(m, stat)),
            "a": float(a), "b": float(b), "chisq_diff_unscaled": float(chisq_restricted - chisq_free)}


def _difference_traces(free: Moments, restricted: Moments) -> tuple[float, float]:
    """tr(MK) and tr((MK)²) of :func:`scaled_shifted_difference`."""
    # H = Δ₁⁺Δ₀ = (Δ₁ᵀΔ₁)⁺ Δ₁ᵀΔ₀ and, with Q a basis of its columns, M = E⁻¹ − Q (QᵀEQ)⁻¹ Qᵀ
    # (the same M as P⁻¹Aᵀ(AP⁻¹Aᵀ)⁺AP⁻¹): q × q matrices, zero between the free model's parts
    h = np.zeros((free.n_free, restricted.n_free))
    for g, (d1, d0) in enumerate(zip(free.jacs, restricted.jacs)):
        h[np.ix_(free.group_columns(g), restricted.group_columns(g))] += d1.T @ d0
    h = free.gram([np.ones(d.shape[0]) for d in free.jacs], weighted=False).solve(h)
    hth = BlockMatrix.identity(free.layout, free.n_free).between(h)
    sv = np.sqrt(np.clip(np.linalg.eigvalsh(hth), 0.0, None))
    if sv.size and sv.min() <= 1e-7 * sv.max():  # H is not of full column rank: a basis of its columns
        values, vectors = np.linalg.eigh(hth)
        h = h @ vectors[:, np.sqrt(np.clip(values, 0.0, None)) > 1e-7 * sv.max()]
    basis = h
    info = free.information()
    info_inv, meat = info.inv(), free.meat()
    ek = info_inv @ meat
    g_inv = np.linalg.inv(info.between(basis))
    x = g_inv @ meat.between(basis)
    tr = ek.trace() - float(np.trace(x))  # tr(MK)
    tr2 = ek.trace_square() - 2.0 * float(np.sum(g_inv * (meat @ ek).between(basis).T)) + float(np.sum(x * x.T))
    return tr, tr2


@dataclass(frozen=True)
class _Estimates:
    theta: np.ndarray
    vcov: BlockMatrix
    groups: tuple[_Implied, ...]
    fit: dict[str, float]
    moments: Moments
    converged: bool
    nfev: int


def _estimate(lay: _Layout, samples: Sequence[Polychoric], gammas: Sequence[np.ndarray | None],
              nobs: Sequence[int]) -> _Estimates:
    """Minimise Σ_g (n_g − 1) F_g; SEs, χ² (scaled-shifted with ``gammas``) and fit measures (:mod:`.dwls`)."""
    pairs = [s.pairs() for s in samples]
    obs = [s.wls_obs() for s in samples]
    w = [s.wls_v() for s in samples]
    root = [np.sqrt((ng - 1.0) * wg) for ng, wg in zip(nobs, w)]

    def evaluate(t: np.ndarray, g: int, jacobian: bool) -> tuple[np.ndarray, np.ndarray | None]:
        gi = _implied(lay, t, g, pairs[g], jacobian)
        return root[g] * (gi.sigma - obs[g]), None if gi.jac is None else root[g][:, None] * gi.jac

    opt = least_squares_parts(evaluate, lay.columns, _start_values(lay, samples))
    theta = opt.x
    groups = tuple(_implied(lay, theta, g, pairs[g]) for g in range(len(samples)))
    moments = Moments(tuple(cast(np.ndarray, gi.jac) for gi in groups), tuple(w), tuple(gammas),
                      tuple(int(x) for x in nobs), lay.columns, lay.n_free)
    resid = [og - gi.sigma for og, gi in zip(obs, groups)]
    cors = [slice(len(gi.tau), None) for gi in groups]
    fit = moments.fit_measures(obs, resid, cors, lay.n_free, [r[c] for r, c in zip(resid, cors)],
                               len(samples[0].items))
    return _Estimates(theta, moments.covariance_blocks(), groups, fit, moments, opt.success, opt.nfev)


def _table(lay: _Layout, res: _Estimates, samples: Sequence[Polychoric], labels: Sequence[str]) -> pd.DataFrame:
    """lavaan's parameter table of every group: user rows, thresholds, the other rows, scales, means;
    standardised by :func:`.dwls.standardized` (the latent responses' variances 1/δ²)."""
    spec = lay.spec
    names = spec.names
    p = spec.p
    se = np.sqrt(np.clip(res.vcov.diagonal(), 0, None))
    col = lay.structural
    latent = np.zeros(spec.n_vars, dtype=bool)
    latent[[spec.index(v) for v in names.lv]] = True
    recs = []
    for g, gi in enumerate(res.groups):
        var = np.diag(gi.sig0).copy()
        resid_var = 1.0 / gi.delta ** 2 - var[:p]
        var[:p] = 1.0 / gi.delta ** 2  # the latent responses' variances (lavaan's computeVY)
        sd = np.sqrt(np.clip(var, 0, None))
        psi = gi.psi.copy()
        psi[:p] = resid_var

        def add(lhs, op, rhs, est, err, free, i, j=0, g=g, sd=sd, psi=psi):
            std_lv, std_all = standardized(op, i, j, float(est), sd, psi, latent)
            recs.append({"lhs": lhs, "op": op, "rhs": rhs, "group": g + 1, "group_label": labels[g], "label": "",
                         "est": float(est), "se": float(err), "std.lv": float(std_lv), "std.all": float(std_all),
                         "free": bool(free)})

        def spec_row(r, resid_var=resid_var):
            i, j = spec.index(r.lhs), spec.index(r.rhs) if r.rhs else 0
            if r.op == "~~" and r.lhs == r.rhs and r.lhs in names.ov:
                est, err, free = resid_var[i], 0.0, False
            elif r.op == "~1" and r.lhs in names.ov:
                est, err, free = 0.0, 0.0, False
            elif r.par in col:
                est, err, free = res.theta[col[r.par]], se[col[r.par]], True
            else:
                est, err, free = r.value, 0.0, False
            add(r.lhs, r.op, r.rhs, est, err, free, i, j)

        rows = [r for r in spec.rows if r.group == g]
        for r in rows:
            if r.user:
                spec_row(r)
        th_names = samples[g].threshold_names()
        for k, c in enumerate(lay.th_par[g]):
            lhs, rhs = th_names[k].split("|")
            add(lhs, "|", rhs, res.theta[c], se[c], True, int(lay.th_item[g][k]))
        for r in rows:
            if not r.user and r.op != "~1":
                spec_row(r)
        for i, v in enumerate(names.ov):
            c = lay.delta_par[g][i]
            add(v, "~*~", v, gi.delta[i], se[c] if c >= 0 else 0.0, c >= 0, i)
        for r in rows:
            if not r.user and r.op == "~1":
                spec_row(r)
    return parameter_frame(recs, ["lhs", "op", "rhs", "group", "group_label", "label", "est", "se", "z", "pvalue",
                                  "ci.lower", "ci.upper", "std.lv", "std.all", "free"])


@dataclass(frozen=True)
class GroupFit:
    """A multi-group ordinal CFA fitted by DWLS (what :func:`fit_groups` returns).

    Parameters
    ----------
    estimates : pandas.DataFrame
        lavaan's ``parameterEstimates`` of every group (lhs, op, rhs, group, group_label,
        label, est, se, z, pvalue, ci.lower, ci.upper, std.lv, std.all, free).
    fit : dict of str to float
        Fit measures by lavaan's names (scaled ones with the groups' NACOV).
    vcov : BlockMatrix
        Covariance matrix of the free parameters (thresholds, structural, scaling factors),
        zero between the parts of the model that share no parameter (``np.asarray`` gives it
        whole).
    implied : numpy.ndarray
        Groups × items × items: the implied correlations of the latent responses.
    moments : Moments
        Per group Δ, W, Γ and N (for :func:`scaled_shifted_difference`).
    converged : bool
        Whether the optimizer converged.
    nfev : int
        Function evaluations used.

    References
    ----------
    Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. Journal of
    Statistical Software, 48(2), 1–36.

    Examples
    --------
    As ``fitted(fit)`` of a multi-group ``cfa(..., ordered = TRUE, group = "g")`` in R
    (one unit-diagonal matrix a group):

    >>> from servq.stats.polychoric import OrdinalTables, polychoric
    >>> rng = np.random.default_rng(5)
    >>> codes = np.digitize(rng.normal(size=(500, 1)) + rng.normal(size=(500, 4)), [-0.5, 0.5]) + 1
    >>> samples = [polychoric(OrdinalTables.from_codes(c, items=list("abcd"))) for c in np.split(codes, [250])]
    >>> res = fit_groups("f =~ a + b + c + d", samples, [None, None], [250, 250], ["1", "2"])
    >>> res.implied.shape, bool(np.allclose(np.diagonal(res.implied, axis1=1, axis2=2), 1.0))
    ((2, 4, 4), True)
    """

    estimates: pd.DataFrame
    fit: dict[str, float]
    vcov: BlockMatrix
    implied: np.ndarray
    moments: Moments
    converged: bool
    nfev: int


def fit_groups(model: str, samples: Sequence[Polychoric], gammas: Sequence[np.ndarray | None],
               nobs: Sequence[int], labels: Sequence[str], *, std_lv: bool = False, orthogonal: bool = False,
               group_equal: Sequence[str] = (), group_partial: Sequence[str] | str = ()) -> GroupFit:
    """Fit lavaan's multi-group ordinal CFA (delta parameterization) to each group's statistics.

    Parameters
    ----------
    model : str
        lavaan model syntax; its observed variables are the samples' items, in their order.
    samples : sequence of Polychoric
        Per group, the thresholds and polychoric correlations (:func:`~servq.stats.polychoric.polychoric`).
    gammas : sequence of numpy.ndarray or None
        Per group, the NACOV (WLSMV: robust SEs, scaled χ²), or None each (DWLS).
    nobs : sequence of int
        Rows per group.
    labels : sequence of str
        Group labels.
    std_lv : bool
        Identify factors by unit latent variances.
    orthogonal : bool
        Fix covariances among exogenous latent variables to 0.
    group_equal : sequence of str
        lavaan's ``group.equal``: "thresholds" and the ML categories (module docstring).
    group_partial : sequence of str or str
        lavaan's ``group.partial``, thresholds as ``"x1|t2"``.

    Returns
    -------
    GroupFit
        Estimates, covariance, fit measures and the moments of the difference test.

    Raises
    ------
    SemSpecificationError
        An unknown ``group_equal`` category, a ``group_partial`` entry that is not a
        parameter, a user intercept of an ordered item, or items with another number of
        categories in some group.

    References
    ----------
    Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. Journal of
    Statistical Software, 48(2), 1–36. Millsap, R. E. & Yun-Tein, J. (2004). Assessing
    factorial invariance in ordered-categorical measures. Multivariate Behavioral Research,
    39(3), 479–515.

    Examples
    --------
    Equal thresholds (R: ``cfa(model, d, ordered = TRUE, group = "g", group.equal =
    "thresholds", estimator = "DWLS")``) free the second group's scaling factors; df = 2 × (8
    thresholds + 6 correlations) − (8 thresholds + 2 × 3 loadings + 2 variances + 4 scales + 1
    mean) = 7:

    >>> from servq.stats.polychoric import OrdinalTables, polychoric
    >>> rng = np.random.default_rng(5)
    >>> def codes(n):
    ...     z = rng.normal(size=(n, 1)) + rng.normal(size=(n, 4))
    ...     return np.digitize(z, [-0.5, 0.5]) + 1
    >>> samples = [polychoric(OrdinalTables.from_codes(codes(n), items=list("abcd"))) for n in (250, 300)]
    >>> res = fit_groups("f =~ a + b + c + d", samples, [None, None], [250, 300], ["1", "2"],
    ...                  group_equal=["thresholds"])
    >>> t = res.estimates
    >>> t[t.op == "~*~"].groupby("group").free.all().tolist(), int(res.fit["df"])
    ([False, True], 7)
    """
    lay = _layout(model, samples, std_lv=std_lv, orthogonal=orthogonal, group_equal=tuple(group_equal),
                  group_partial=group_partial)
    # The blocks are small (a part's parameters): BLAS threads would only contend, and on a
    # busy machine an OpenBLAS Cholesky of 1,000 parameters ran 10–20× slower on two threads.
    with threadpool_limits(limits=1, user_api="blas"):
        res = _estimate(lay, samples, gammas, nobs)
    p = lay.spec.p
    implied = np.stack([gi.delta[:p, None] * gi.sig0[:p, :p] * gi.delta[None, :p] for gi in res.groups])
    for k in range(len(implied)):
        np.fill_diagonal(implied[k], 1.0)
    return GroupFit(_table(lay, res, samples, labels), res.fit, res.vcov, implied, res.moments, res.converged,
                    res.nfev)
