"""Ordinal CFA/SEM by diagonally weighted least squares, as lavaan's ``estimator = "WLSMV"``.

lavaan's defaults for ``cfa(model, data, ordered = items, estimator = "WLSMV")``
(``parameterization = "delta"``): every observed item is the discretised version of a latent
response y* with unit variance, cut at free thresholds τ. The model implies
Σ* = F (I − A)⁻¹ S (I − A)⁻ᵀ Fᵀ for the latent responses (the RAM matrices of
:mod:`.model`), whose residual variances are not free but θ_ii = 1 − (the rest of Σ*_ii), so
diag Σ* = 1 and Σ* is a correlation matrix. With s = (sample thresholds, polychoric
correlations below the diagonal, column by column) from :mod:`servq.stats.polychoric` and
σ(θ) = (τ, the off-diagonal of Σ*), the estimates minimise

    F(θ) = (s − σ(θ))ᵀ W (s − σ(θ)),   W = diag(1 / diag Γ),

with Γ the asymptotic covariance (NACOV) of s times N (lavaan's ``wls.v`` and ``gamma``).
lavaan reports ``fmin`` = F/2 and χ² = N · F.

``estimator = "WLSMV"`` adds (lavaan's ``se = "robust.sem"``, ``test = "scaled.shifted"``):

* robust SEs: V = (ΔᵀWΔ)⁻¹ ΔᵀWΓWΔ (ΔᵀWΔ)⁻¹ / N, Δ = ∂σ/∂θᵀ;
* the mean-and-variance adjusted χ² (Asparouhov & Muthén 2010): with
  U = W − WΔ(ΔᵀWΔ)⁻¹ΔᵀW, a = √(df / tr((UΓ)²)), b = df − a·tr(UΓ):
  ``chisq.scaled`` = a·χ² + b, ``df.scaled`` = df, ``chisq.scaling.factor`` = 1/a;
* the baseline (independence) model fits the thresholds only: χ²_b = N Σ w_ij r_ij², scaled
  the same way; ``cfi.scaled``, ``tli.scaled`` and ``rmsea.scaled`` (N − 1 in the
  denominator, as lavaan) from the scaled statistics.

``estimator = "DWLS"``: the same estimates, SEs from (ΔᵀWΔ)⁻¹ / N and the unscaled χ².

``estimator = "ULS"`` / ``"ULSMV"``: unweighted least squares, W = I (Muthén 1993), otherwise
as DWLS / WLSMV (robust SEs and the mean-and-variance adjusted χ² with that W); as lavaan,
the unscaled ULS χ² gets no p-value.

Several groups (``group=``; :mod:`.wls_groups`): each group has its own sample thresholds,
polychoric correlations and Γ (one :class:`~servq.stats.polychoric.OrdinalTables` a group,
so :func:`fit_ordinal_tables` fits groups from summed tables too); the fit minimises
Σ_g (n_g − 1) F_g. lavaan 0.6-14's identification (``lav_partable_flat``, delta
parameterization): the intercepts of ordered items are fixed to 0 in every group; without
equal thresholds every group has scaling factors δ (``~*~``) of 1 and latent means of 0, so
the configural model is one single-group model a group; ``group_equal = "thresholds"``
makes the thresholds one set across groups and frees, in every group after the first, the
δ of each item and the latent means (unless "means" is equal too): y*'s location and scale
are then fixed by the common thresholds in the first group only, the later groups' y* get
mean Λα and variance 1/δ², and the model-implied statistics are τ* = δ(τ − Λα) and the
correlations δ_i δ_j (ΛΨΛᵀ)_ij. "intercepts" changes nothing for ordered items (they are
fixed), and residual variances are not parameters, so there is no "strict" step.

References
----------
Muthén, B., du Toit, S. H. C. & Spisic, D. (1997). Robust inference using weighted least
squares and quadratic estimating equations in latent variable modeling with categorical and
continuous outcomes. Unpublished manuscript.
Asparouhov, T. & Muthén, B. (2010). Simple second order chi-square correction. Mplus
technical appendix.
Muthén, B. (1993). Goodness of fit with categorical and other nonnormal variables. In K. A.
Bollen & J. S. Long (Eds.), Testing Structural Equation Models (pp. 205–234). Newbury Park: Sage.
Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. Journal of
Statistical Software, 48(2), 1–36.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats
from scipy.optimize import least_squares

from ..polychoric import OrdinalTables, Polychoric, ScoreCrossproducts, polychoric
from . import wls_groups
from .model import Model, SemSpecificationError, build, variable_names
from .results import FittedModel, fit_record, frame_records
from .syntax import parse

ESTIMATORS = ("WLSMV", "DWLS", "ULSMV", "ULS")
ROBUST = ("WLSMV", "ULSMV")


@dataclass(frozen=True)
class OrdinalSemResults(FittedModel):
    """A CFA/SEM of ordered items fitted by DWLS (lavaan's ``estimator = "WLSMV"`` / ``"DWLS"``).

    Parameters
    ----------
    model : str
        The model syntax.
    estimator : str
        "WLSMV" or "DWLS".
    estimates : pandas.DataFrame
        lavaan's ``parameterEstimates``: lhs, op, rhs, group, label, est, se, z, pvalue,
        ci.lower, ci.upper, std.lv, std.all (thresholds ``item | t1`` …; fixed rows se 0).
    fit : dict of str to float
        Fit measures keyed by lavaan's names.
    converged : bool
        Whether the optimizer converged.
    iterations : int
        Function evaluations used.
    groups : tuple of str
        Group labels.
    nobs : tuple of int
        N per group (rows answering every item).
    ov_names, lv_names : tuple of str
        Observed and latent variables.
    warnings : tuple of str
        Messages of problems found.
    _vcov : numpy.ndarray
        Internal: covariance matrix of the free parameters (lavaan's order of ``free``).
    _implied : numpy.ndarray
        Internal: the implied correlation matrix of the latent responses (one per group:
        groups × items × items with several groups).
    _moments : Moments, optional
        Internal: per group Δ, W, Γ and N of a multi-group fit, for the scaled χ² difference
        test (:func:`.wls_groups.scaled_shifted_difference`).

    References
    ----------
    Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. Journal of
    Statistical Software, 48(2), 1–36.

    Examples
    --------
    As ``lavInspect(fit, "nobs")`` and ``fitted(fit)$cov`` in R (a unit diagonal):

    >>> rng = np.random.default_rng(3)
    >>> z = rng.normal(size=(300, 1)) + rng.normal(size=(300, 4))
    >>> fit = fit_ordinal("f =~ a + b + c + d", pd.DataFrame(np.digitize(z, [0.0]) + 1, columns=list("abcd")))
    >>> fit.nobs, np.diag(fit.implied_cov()).round(6).tolist()
    ((300,), [1.0, 1.0, 1.0, 1.0])
    """

    model: str
    estimator: str
    estimates: pd.DataFrame = field(repr=False)
    fit: dict[str, float] = field(repr=False)
    converged: bool
    iterations: int
    groups: tuple[str, ...]
    nobs: tuple[int, ...]
    ov_names: tuple[str, ...]
    lv_names: tuple[str, ...]
    warnings: tuple[str, ...]
    _vcov: np.ndarray = field(repr=False, compare=False)
    _implied: np.ndarray = field(repr=False, compare=False)
    _moments: wls_groups.Moments | None = field(default=None, repr=False, compare=False)

    def implied_cov(self, group: int = 0) -> pd.DataFrame:
        """Model-implied correlation matrix of the latent responses (lavaan's ``fitted(fit)$cov``)."""
        implied = self._implied if self._implied.ndim == 3 else self._implied[None]
        if not 0 <= group < len(implied):
            raise ValueError(f"group {group}: the model has groups 0 to {len(implied) - 1}")
        return pd.DataFrame(implied[group], index=list(self.ov_names), columns=list(self.ov_names))

    def vcov(self) -> np.ndarray:
        """Covariance matrix of the free parameters (robust for WLSMV)."""
        return self._vcov.copy()

    def modindices(self, *args: object, **kwargs: object) -> pd.DataFrame:
        """Not available for ordinal models yet."""
        raise NotImplementedError(f"modindices() is not available for estimator={self.estimator!r} yet; "
                                  "fit the items as continuous (ML) to screen modifications")

    def to_dict(self) -> dict:
        """JSON-able summary: fit measures, estimates, warnings."""
        return {
            "model": self.model, "estimator": self.estimator, "converged": bool(self.converged),
            "iterations": int(self.iterations), "groups": list(self.groups), "nobs": list(self.nobs),
            "ov_names": list(self.ov_names), "lv_names": list(self.lv_names),
            "fit": fit_record(self.fit),
            "estimates": frame_records(self.estimates), "warnings": list(self.warnings),
        }


def _codes(data: pd.DataFrame, items: Sequence[str]) -> pd.DataFrame:
    """Listwise-complete rows, each item recoded 1..K by its sorted distinct values (lavaan's ordered levels)."""
    frame = data[list(items)]
    complete = frame.dropna()
    out = {}
    for name in items:
        col = complete[name]
        if isinstance(col.dtype, pd.CategoricalDtype):
            codes = col.cat.codes.to_numpy() + 1
            used = np.unique(codes)
            out[name] = np.searchsorted(used, codes) + 1
        else:
            values = pd.to_numeric(col, errors="coerce")
            if values.isna().any():
                r = values.index[values.isna()][0]
                raise ValueError(f"column {name}, row {r}: {col[r]!r} is not numeric nor a categorical level")
            out[name] = np.unique(values.to_numpy(), return_inverse=True)[1].ravel() + 1
    return pd.DataFrame(out, index=complete.index).astype(np.int64)


def _check(spec: Model, ordered: Sequence[str]) -> None:
    names = spec.names
    cont = [v for v in names.ov if v not in ordered]
    if cont:
        raise SemSpecificationError(f"variable {cont[0]} is not in ordered=: mixing continuous and ordered "
                                    "items is not supported yet (declare every observed variable ordered)")
    for r in spec.rows:
        if (r.op == "=~" and r.lhs in names.ov) or (r.op == "~" and r.rhs in names.ov):
            raise SemSpecificationError(f"{r.lhs} {r.op} {r.rhs}: an ordered item as a predictor or factor "
                                        "is not supported yet with estimator='WLSMV'")
        if r.op == "~" and r.lhs in names.ov:
            raise SemSpecificationError(f"{r.lhs} ~ {r.rhs}: regressions of ordered items are not supported "
                                        "yet with estimator='WLSMV' (regress a factor instead)")
    if spec.constraints.defined or spec.constraints.rank or spec.constraints.conditions:
        raise SemSpecificationError(":=, ==, < and > are not supported yet with ordered= items; fit without them, "
                                    "or fit the items as continuous (ML)")


def fit_ordinal(model: str, data: pd.DataFrame, ordered: Sequence[str] | bool = True, *,
                estimator: str = "WLSMV", std_lv: bool = False, orthogonal: bool = False,
                group: str | None = None, group_equal: Sequence[str] = (),
                group_partial: Sequence[str] = ()) -> OrdinalSemResults:
    """Fit a CFA/SEM of ordered items by DWLS, as ``lavaan::cfa(..., ordered =, estimator = "WLSMV")``.

    Parameters
    ----------
    model : str
        lavaan model syntax (no ``:=`` / ``==``).
    data : pandas.DataFrame
        One row per respondent; each model variable an ordered item (numbers or an ordered
        categorical, levels in sorted order). Rows missing any item are dropped (listwise,
        lavaan's default).
    ordered : sequence of str or True
        The ordered items (every observed model variable must be one); True: all.
    estimator : {"WLSMV", "DWLS", "ULSMV", "ULS"}
        WLSMV: robust SEs and the mean-and-variance adjusted χ² (module docstring); DWLS:
        the same estimates with standard SEs and χ²; ULSMV and ULS the same with W = I.
    std_lv : bool
        Identify factors by unit latent variances instead of first loadings.
    orthogonal : bool
        Fix covariances among exogenous latent variables to 0.
    group : str, optional
        Grouping column: a multi-group model (groups in order of appearance), each group's
        thresholds and polychoric correlations its own (:mod:`.wls_groups`).
    group_equal : sequence of str
        lavaan's ``group.equal``: "thresholds" (which frees the later groups' scaling factors
        ``~*~`` and latent means), "loadings", and the other ML categories.
    group_partial : sequence of str
        lavaan's ``group.partial``: parameters freed from ``group_equal``, a threshold as
        ``"x1|t2"``.

    Returns
    -------
    OrdinalSemResults
        Estimates, SEs, fit measures.

    Raises
    ------
    SemSpecificationError
        For an observed variable not ordered, an ordered item used as a predictor, ``:=`` /
        ``==``, or an unknown estimator.
    ValueError
        For a column that is neither numeric nor categorical, or an item with one category.

    References
    ----------
    Muthén, B., du Toit, S. H. C. & Spisic, D. (1997). Robust inference using weighted least
    squares and quadratic estimating equations in latent variable modeling with categorical
    and continuous outcomes. Rosseel, Y. (2012). Journal of Statistical Software, 48(2).

    Examples
    --------
    A one-factor model of three 3-point items (saturated: χ² = 0), as
    ``cfa("f =~ a + b + c", d, ordered = TRUE, estimator = "WLSMV")`` in R:

    >>> rng = np.random.default_rng(3)
    >>> z = rng.normal(size=(400, 1)) @ np.ones((1, 3)) * 0.7 + rng.normal(size=(400, 3)) * 0.7
    >>> d = pd.DataFrame(np.digitize(z, [-0.5, 0.5]) + 1, columns=list("abc"))
    >>> fit = fit_ordinal("f =~ a + b + c", d)
    >>> int(fit.fit_measures()["df"]), abs(round(fit.fit_measures()["chisq"], 6))
    (0, 0.0)
    """
    if estimator.upper() not in ESTIMATORS:
        raise SemSpecificationError(f"estimator={estimator!r} with ordered items is not supported; use 'WLSMV', 'DWLS', "
                                    "'ULSMV' or 'ULS'")
    estimator = estimator.upper()
    formulas = parse(model)
    names = variable_names(formulas)
    items = list(names.ov) if ordered is True else list(ordered) if ordered else []
    missing = [v for v in names.ov if v not in data.columns]
    if missing:
        raise SemSpecificationError(f"variable {missing[0]} of the model is not a column of data")
    spec = build(formulas, std_lv=std_lv, orthogonal=orthogonal)
    _check(spec, items)
    if group is not None:
        if estimator not in ("WLSMV", "DWLS"):
            raise SemSpecificationError(f"estimator={estimator!r} with several groups (group=) is not supported yet; "
                                        "use estimator='WLSMV' or 'DWLS'")
        return _fit_groups_data(model, data, names, estimator, group, std_lv=std_lv, orthogonal=orthogonal,
                                group_equal=group_equal, group_partial=group_partial)
    if group_equal or group_partial:
        raise SemSpecificationError("group_equal / group_partial need several groups (give group=)")
    codes = _codes(data, names.ov)
    tables = OrdinalTables.from_codes(codes.to_numpy(), items=list(names.ov))
    poly = polychoric(tables)
    gamma = poly.nacov(poly.score_crossproducts(codes.to_numpy())) if estimator in ROBUST else None
    return _fit(model, spec, names, poly, gamma, len(codes), estimator)


def fit_ordinal_tables(model: str, tables: OrdinalTables | Sequence[OrdinalTables], *, std_lv: bool = False,
                       orthogonal: bool = False, sample: Polychoric | None = None,
                       crossproducts: ScoreCrossproducts | None = None, groups: Sequence[str] | None = None,
                       group_equal: Sequence[str] = (), group_partial: Sequence[str] = ()) -> OrdinalSemResults:
    """Fit a CFA of ordered items by DWLS from their contingency tables, as
    ``lavaan::cfa(..., ordered = TRUE, estimator = "DWLS", missing = "pairwise")`` — or
    ``estimator = "WLSMV"`` given the score cross-products of a second pass (one group).

    The thresholds, the polychoric correlations and the DWLS weights (the diagonal of their
    asymptotic covariance) all come from the items' code counts and pair tables
    (:mod:`servq.stats.polychoric`), which any number of rows sum to chunk by chunk: the
    estimates, their standard (not robust) SEs and the unscaled χ², CFI, TLI, RMSEA and
    SRMR. WLSMV's robust corrections need the full asymptotic covariance: with
    ``crossproducts`` (:meth:`Polychoric.score_crossproducts` summed over a second pass
    over the same rows, missing answers scoring 0, as lavaan's pairwise NACOV) the fit is
    WLSMV's.

    Parameters
    ----------
    model : str
        lavaan model syntax (one group); its observed variables are items of ``tables``.
    tables : OrdinalTables or sequence of OrdinalTables
        The items' tables (pairwise present; N = the rows summarised); one per group for a
        multi-group model (:mod:`.wls_groups`).
    std_lv : bool
        Identify factors by unit latent variances instead of first loadings.
    orthogonal : bool
        Fix covariances among exogenous latent variables to 0.
    sample : Polychoric, optional
        ``polychoric(tables)`` when already computed: used as it is when the model's
        observed variables are the tables' items in their order (else the model's items'
        tables are fitted afresh). One group only.
    crossproducts : ScoreCrossproducts, optional
        J = Σ s sᵀ of the casewise scores of ``polychoric(tables)`` over the same rows:
        the fit is then WLSMV's (robust SEs, scaled χ² and fit indices). One group only.
    groups : sequence of str, optional
        Labels of the groups (default "1", "2", …).
    group_equal, group_partial : sequence of str
        lavaan's ``group.equal`` / ``group.partial`` across the groups (see :func:`fit_ordinal`).

    Returns
    -------
    OrdinalSemResults
        Estimates, SEs, fit measures, with ``estimator`` "DWLS", or "WLSMV" with
        ``crossproducts``.

    Raises
    ------
    SemSpecificationError
        For a model variable that is not an item of ``tables``, or as :func:`fit_ordinal`.

    References
    ----------
    Muthén, B. (1984). *Psychometrika*, 49, 115–132. Rosseel, Y. (2012). Journal of
    Statistical Software, 48(2).

    Examples
    --------
    The same estimates as from the rows (complete data: pairwise is listwise), as R's
    ``cfa("f =~ a + b + c + d", d, ordered = TRUE, estimator = "DWLS")``:

    >>> rng = np.random.default_rng(3)
    >>> z = rng.normal(size=(300, 1)) + rng.normal(size=(300, 4))
    >>> d = pd.DataFrame(np.digitize(z, [-0.5, 0.5]) + 1, columns=list("abcd"))
    >>> a = fit_ordinal_tables("f =~ a + b + c + d", OrdinalTables.from_codes(d))
    >>> b = fit_ordinal("f =~ a + b + c + d", d, estimator="DWLS")
    >>> bool(np.allclose(a.estimates["est"], b.estimates["est"])), a.fit_measures()["df"]
    (True, 2.0)
    """
    formulas = parse(model)
    names = variable_names(formulas)
    sets = [tables] if isinstance(tables, OrdinalTables) else list(tables)
    for t in sets:
        absent = [v for v in names.ov if v not in t.items]
        if absent:
            raise SemSpecificationError(f"variable {absent[0]} of the model is not an item of the tables")
    spec = build(formulas, std_lv=std_lv, orthogonal=orthogonal)
    _check(spec, list(names.ov))

    def model_items(t: OrdinalTables) -> OrdinalTables:
        idx = [t.items.index(v) for v in names.ov]
        return OrdinalTables(tuple(names.ov), np.ascontiguousarray(t.cross[idx][:, :, idx]), t.n)

    if len(sets) > 1:
        if crossproducts is not None:
            raise SemSpecificationError("crossproducts (WLSMV from tables) are for one group; several groups give DWLS")
        labels = tuple(groups) if groups is not None else tuple(str(g + 1) for g in range(len(sets)))
        if len(labels) != len(sets):
            raise ValueError(f"{len(labels)} group labels for {len(sets)} sets of tables")
        samples = [polychoric(model_items(t)) for t in sets]
        return _fit_groups(model, samples, [None] * len(sets), [t.n for t in sets], labels, "DWLS",
                           std_lv=std_lv, orthogonal=orthogonal, group_equal=group_equal, group_partial=group_partial)
    if group_equal or group_partial:
        raise SemSpecificationError("group_equal / group_partial need several groups (one set of tables a group)")
    table_set = sets[0]
    full = sample if sample is not None and tuple(sample.items) == tuple(table_set.items) else None
    if sample is None or tuple(sample.items) != tuple(names.ov):
        sample = polychoric(model_items(table_set))
    if crossproducts is None:
        return _fit(model, spec, names, sample, None, table_set.n, "DWLS")
    if full is None:
        full = polychoric(table_set)
    gamma = sample.nacov(crossproducts.subset(full, list(names.ov)))
    return _fit(model, spec, names, sample, gamma, table_set.n, "WLSMV")


def _fit_groups_data(model: str, data: pd.DataFrame, names, estimator: str, group: str, **options) -> OrdinalSemResults:
    """Per group (in order of appearance) the tables, polychoric correlations and, for
    WLSMV, the NACOV of its rows; the categories are the items' over all groups."""
    if group not in data.columns:
        raise SemSpecificationError(f"group column {group!r} is not a column of data")
    if group in names.ov:
        raise SemSpecificationError(f"group column {group!r} is a variable of the model; group by another column")
    frame = data[data[group].notna()]
    codes = _codes(frame, names.ov)
    labels = pd.unique(frame.loc[codes.index, group])
    if len(labels) < 2:
        raise ValueError(f"group column {group!r} has one group ({labels[0]!r}); fit without group=")
    samples, gammas, nobs = [], [], []
    for lab in labels:
        part = codes[frame.loc[codes.index, group] == lab].to_numpy()
        poly = polychoric(OrdinalTables.from_codes(part, items=list(names.ov)))
        samples.append(poly)
        gammas.append(poly.nacov(poly.score_crossproducts(part)) if estimator == "WLSMV" else None)
        nobs.append(len(part))
    return _fit_groups(model, samples, gammas, nobs, tuple(str(lab) for lab in labels), estimator, **options)


def _fit_groups(model: str, samples: Sequence[Polychoric], gammas: Sequence[np.ndarray | None],
                nobs: Sequence[int], labels: tuple[str, ...], estimator: str, *, std_lv: bool, orthogonal: bool,
                group_equal: Sequence[str], group_partial: Sequence[str]) -> OrdinalSemResults:
    """The multi-group DWLS fit of :mod:`.wls_groups` as an :class:`OrdinalSemResults`."""
    for i, item in enumerate(samples[0].items):
        every = sorted(set().union(*(s.categories[i].tolist() for s in samples)))
        for g, s in enumerate(samples):
            if s.categories[i].tolist() != every:
                raise ValueError(f"item {item} has an empty category in group {labels[g]!r} ({len(s.categories[i])} "
                                 f"of {len(every)} answered): every category must be answered in every group (as "
                                 "lavaan requires); merge the rare categories")
    res = wls_groups.fit_groups(model, samples, gammas, nobs, labels, std_lv=std_lv, orthogonal=orthogonal,
                                group_equal=group_equal, group_partial=group_partial)
    names = variable_names(parse(model))
    notes = [] if res.converged else ["the optimizer did not converge"]
    return OrdinalSemResults(model, estimator, res.estimates, res.fit, res.converged, res.nfev, labels,
                             tuple(int(n) for n in nobs), tuple(names.ov), tuple(names.lv), tuple(notes),
                             res.vcov, res.implied, res.moments)


def _fit(model: str, spec: Model, names, poly, gamma: np.ndarray | None, n: int, estimator: str) -> OrdinalSemResults:
    """The DWLS fit of ``spec`` to the sample statistics ``poly`` (with ``gamma``, the
    NACOV, WLSMV's robust SEs and scaled χ²) of ``n`` rows."""
    s = poly.wls_obs()
    w = np.ones_like(s) if estimator.startswith("ULS") else poly.wls_v()  # ULS: W = I

    p, nv = spec.p, spec.n_vars
    ov_var = {r.par for r in spec.rows if r.op == "~~" and r.lhs == r.rhs and r.lhs in names.ov and r.par >= 0}
    keep = sorted({r.par for r in spec.rows if r.par >= 0} - ov_var)
    nth = sum(th.size for th in poly.thresholds)
    pairs = poly.pairs()
    ii = np.array([i for i, _ in pairs], dtype=int)
    jj = np.array([j for _, j in pairs], dtype=int)
    fixed_ov_var = [(spec.index(r.lhs)) for r in spec.rows
                    if r.op == "~~" and r.lhs == r.rhs and r.lhs in names.ov and r.par < 0]
    if fixed_ov_var:
        raise SemSpecificationError(f"{names.ov[fixed_ov_var[0]]} ~~ {names.ov[fixed_ov_var[0]]}: residual variances "
                                    "of ordered items are not free parameters in the delta parameterization")

    def full(theta: np.ndarray) -> np.ndarray:
        t = np.zeros(spec.n_par)
        t[keep] = theta
        return t

    def parts(theta: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        a, sm, _ = spec.matrices(full(theta), 0)
        b = np.linalg.inv(np.eye(nv) - a)
        sig = b @ sm @ b.T
        return b, sig, sm

    def sigma_cor(theta: np.ndarray) -> np.ndarray:
        _, sig, _ = parts(theta)
        return sig[ii, jj]

    # Jacobian of the correlations: dΣ = B dA Σ + Σ dAᵀ Bᵀ + B dS Bᵀ (Σ, B of all variables)
    a_cells = [(spec.index(r.rhs), spec.index(r.lhs), r.par) if r.op == "=~" else
               (spec.index(r.lhs), spec.index(r.rhs), r.par)
               for r in spec.rows if r.op in ("=~", "~") and r.par >= 0]
    s_cells = [(spec.index(r.lhs), spec.index(r.rhs), r.par) for r in spec.rows
               if r.op == "~~" and r.par >= 0 and r.par not in ov_var]
    col = {par: k for k, par in enumerate(keep)}

    def jac_cor(theta: np.ndarray) -> np.ndarray:
        b, sig, _ = parts(theta)
        jac = np.zeros((len(pairs), len(keep)))
        for i, j, par in a_cells:
            d = np.outer(b[:, i], sig[j, :])
            jac[:, col[par]] += (d + d.T)[ii, jj]
        for i, j, par in s_cells:
            d = np.outer(b[:, i], b[:, j])
            jac[:, col[par]] += (d if i == j else d + d.T)[ii, jj]
        return jac

    r_obs = s[nth:]
    sw = np.sqrt(w[nth:])
    start = np.zeros(len(keep))
    for r in spec.rows:
        if r.par in col:
            start[col[r.par]] = (1.0 if r.op == "=~" else 0.5 if r.op == "~~" and r.lhs == r.rhs else 0.0)
    def residuals(t: np.ndarray) -> np.ndarray:
        return sw * (sigma_cor(t) - r_obs)

    def jacobian(t: np.ndarray) -> np.ndarray:
        return sw[:, None] * jac_cor(t)

    opt = least_squares(residuals, start, jac=jacobian,
                        method="lm", xtol=1e-14, ftol=1e-14, gtol=1e-14, max_nfev=10000)
    theta = opt.x
    b, sig, s_mat = parts(theta)
    implied = sig[:p, :p].copy()
    resid_var = 1.0 - np.diag(implied)
    np.fill_diagonal(implied, 1.0)

    # Δ over (thresholds, structural parameters)
    npar = nth + len(keep)
    delta = np.zeros((nth + len(pairs), npar))
    delta[:nth, :nth] = np.eye(nth)
    delta[nth:, nth:] = jac_cor(theta)
    wd = w[:, None] * delta
    info = delta.T @ wd
    info_inv = np.linalg.inv(info)
    if gamma is not None:
        vcov = info_inv @ (wd.T @ gamma @ wd) @ info_inv / (n - 1)
    else:
        vcov = info_inv / (n - 1)
    se = np.sqrt(np.clip(np.diag(vcov), 0, None))

    resid = s - np.concatenate([s[:nth], implied[ii, jj]])
    f = float(resid @ (w * resid))
    chisq = (n - 1) * f  # lavaan: N − 1 with the DWLS weights of NACOV / N
    pstar = nth + len(pairs)
    df = pstar - npar
    fit: dict[str, float] = {"npar": float(npar), "fmin": chisq / (2 * n), "chisq": chisq, "df": float(df),
                             # ULS's unscaled χ² has no known reference distribution: lavaan gives no p-value
                             "pvalue": float(stats.chi2.sf(chisq, df)) if df > 0 and not estimator.startswith("ULS") else np.nan}
    base_chisq = (n - 1) * float(np.sum(w[nth:] * r_obs ** 2))
    base_df = len(pairs)
    fit.update({"baseline.chisq": base_chisq, "baseline.df": float(base_df),
                "baseline.pvalue": float(stats.chi2.sf(base_chisq, base_df))})

    def cfi_tli_rmsea(x2: float, d: float, x2b: float, db: float) -> tuple[float, float, float]:
        num, den = max(x2 - d, 0.0), max(x2 - d, x2b - db, 0.0)
        cfi = 1.0 - num / den if den > 0 else 1.0
        tli = ((x2b / db - x2 / d) / (x2b / db - 1.0)) if d > 0 else 1.0
        rmsea = float(np.sqrt(max((x2 - d) / (d * (n - 1)), 0.0))) if d > 0 else 0.0
        return cfi, tli, rmsea

    fit["cfi"], fit["tli"], fit["rmsea"] = cfi_tli_rmsea(chisq, df, base_chisq, base_df)
    if gamma is not None:
        u = np.diag(w) - wd @ info_inv @ wd.T
        ug = u @ gamma
        a_fac = np.sqrt(df / np.sum(ug * ug.T)) if df > 0 else np.nan
        shift = df - a_fac * np.trace(ug)
        wg = (w[nth:, None] * gamma[nth:, nth:])
        ab = np.sqrt(base_df / np.sum(wg * wg.T))
        base_scaled = ab * base_chisq + (base_df - ab * np.trace(wg))
        scaled = a_fac * chisq + shift
        fit.update({"chisq.scaled": scaled, "df.scaled": float(df),
                    "pvalue.scaled": float(stats.chi2.sf(scaled, df)) if df > 0 else np.nan,
                    "chisq.scaling.factor": 1.0 / a_fac, "chisq.shift.parameters": shift,
                    "baseline.chisq.scaled": base_scaled, "baseline.df.scaled": float(base_df)})
        fit["cfi.scaled"], fit["tli.scaled"], fit["rmsea.scaled"] = cfi_tli_rmsea(scaled, df, base_scaled, base_df)
    fit["srmr"] = float(np.sqrt(np.sum((r_obs - implied[ii, jj]) ** 2) / (p * (p + 1) / 2)))
    fit["ntotal"] = float(n)

    table = _table(spec, poly, theta, se, keep, nth, resid_var, b @ s_mat @ b.T, np.diag(s_mat))
    notes = [] if opt.success else ["the optimizer did not converge"]
    return OrdinalSemResults(model, estimator, table, fit, bool(opt.success), int(opt.nfev), ("1",), (n,),
                             tuple(names.ov), tuple(names.lv), tuple(notes), vcov, implied)


def _table(spec: Model, poly, theta: np.ndarray, se: np.ndarray, keep: list[int], nth: int,
           resid_var: np.ndarray, sig_all: np.ndarray, var_par: np.ndarray) -> pd.DataFrame:
    """lavaan's parameter table: user rows, thresholds, then the defaults, scales and zero means.
    std.all of a covariance a ~~ b divides by √(ψ_aa ψ_bb), the variance parameters (lavaan's
    ``cov.std = TRUE``: a residual correlation when a and b are endogenous)."""
    names = spec.names
    col = {par: k for k, par in enumerate(keep)}
    n_user = sum(1 for r in spec.rows if r.user)
    var = np.diag(sig_all).copy()
    var[:len(names.ov)] = 1.0  # latent responses: unit variance (delta parameterization)
    sd = np.sqrt(np.clip(var, 0, None))
    psi = var_par.copy()
    psi[:len(names.ov)] = resid_var
    recs = []

    def value(r) -> tuple[float, float]:
        if r.op == "~~" and r.lhs == r.rhs and r.lhs in names.ov:
            return float(resid_var[names.ov.index(r.lhs)]), 0.0
        if r.par >= 0:
            return float(theta[col[r.par]]), float(se[nth + col[r.par]])
        return float(r.value), 0.0

    def std(r, est: float) -> float:
        i, j = spec.index(r.lhs), spec.index(r.rhs)
        if r.op == "=~":
            return est * sd[i] / sd[j]
        if r.op == "~":
            return est * sd[j] / sd[i]
        if i != j:
            scale = np.sqrt(abs(psi[i] * psi[j]))
            return est / scale if scale > 0 else np.nan
        return est / (sd[i] * sd[j]) if sd[i] * sd[j] > 0 else np.nan

    def row(lhs: str, op: str, rhs: str, label: str, est: float, err: float, std_all: float) -> None:
        recs.append({"lhs": lhs, "op": op, "rhs": rhs, "group": 1, "label": label, "est": est, "se": err,
                     "std.all": std_all})

    def spec_row(r) -> None:
        est, err = value(r)
        row(r.lhs, r.op, r.rhs, r.label, est, err, std(r, est))

    for r in spec.rows[:n_user]:
        spec_row(r)
    names_th = poly.threshold_names()
    thresholds = np.concatenate(poly.thresholds)  # free and saturated: the sample thresholds
    for t in range(nth):
        lhs, rhs = names_th[t].split("|")
        row(lhs, "|", rhs, "", float(thresholds[t]), float(se[t]), float(thresholds[t]))
    for r in spec.rows[n_user:]:
        spec_row(r)
    for v in names.ov:
        row(v, "~*~", v, "", 1.0, 0.0, 1.0)
    for v in names.ov + names.lv:
        row(v, "~1", "", "", 0.0, 0.0, 0.0)
    out = pd.DataFrame(recs)
    se_ = out["se"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(se_ > 0, out["est"].to_numpy() / se_, np.nan)
    out["z"] = z
    out["pvalue"] = 2 * stats.norm.sf(np.abs(z))
    q = stats.norm.ppf(0.975)
    out["ci.lower"] = out["est"] - q * out["se"]
    out["ci.upper"] = out["est"] + q * out["se"]
    # std.lv: latent variables standardised, latent responses not (they have unit variance already)
    out["std.lv"] = out["std.all"]
    return out[["lhs", "op", "rhs", "group", "label", "est", "se", "z", "pvalue", "ci.lower", "ci.upper",
                "std.lv", "std.all"]]

