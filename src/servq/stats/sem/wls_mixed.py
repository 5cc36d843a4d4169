"""CFA of ordered and continuous items together by DWLS, as lavaan's ``cfa(..., ordered = <some items>)``.

Sample statistics (lavaan's ``muthen1984`` with ``ov.types`` "ordered" and "numeric"; one
group, no exogenous covariates; Muthén 1984):

* per variable, in variable order: the thresholds of an ordered item (:func:`~servq.stats.polychoric.polychoric`)
  or the mean and ML variance (divisor N) of a continuous one;
* per pair: the polychoric correlation of two ordered items, the polyserial correlation
  (:func:`~servq.stats.polychoric.polyserial`) of a continuous and an ordered one, the Pearson
  correlation of two continuous ones; turned into covariances with the continuous SDs.

The WLS sample vector is lavaan's ``lavInspect(fit, "wls.obs")``: the thresholds and the
*negated* means interleaved in variable order (``x1|t1``, ``x2~1``, …), then the variances
of the continuous items, then the covariances below the diagonal column by column.

Its asymptotic covariance (NACOV, ``lavInspect(fit, "gamma")``) comes from the case-wise
scores s of every univariate parameter (thresholds, means, variances) and every pairwise
correlation: with J = Σ_rows s sᵀ, A11 the per-variable blocks of J, A21 = Σ s_ρ sᵀ_uni
(the ρ score against the pair's bivariate scores of its univariate parameters), A22 =
diag Σ s_ρ², B⁻¹ = [[A11⁻¹, 0], [−A22⁻¹A21A11⁻¹, A22⁻¹]], the asymptotic covariance of
(univariate parameters, correlations) is B⁻¹ J B⁻ᵀ; the Jacobian H of (correlations →
covariances: σ_ij = ρ_ij sd_i sd_j, sd = 1 for an ordered item) carries it to the
covariances, and the mean rows change sign. NACOV = N · H B⁻¹ J B⁻ᵀ Hᵀ.

Model (delta parameterization): Σ = F (I − A)⁻¹ S (I − A)⁻ᵀ Fᵀ over the latent responses of
the ordered items and the continuous items. An ordered item's residual variance is not free
(its implied variance is 1); a continuous item has a free residual variance and a free
intercept ν, which with W diagonal reproduces the sample mean exactly. σ(θ) = (τ, −ν,
diag Σ of the continuous items, the covariances below the diagonal); the estimates minimise
(s − σ(θ))ᵀ W (s − σ(θ)) with W = diag(1/diag NACOV) (W = I for ULS). The fit, robust SEs,
the scaled-shifted χ², the baseline (free thresholds, means and variances, every covariance
0), CFI / TLI / RMSEA, SRMR (lavaan's ``srmr_bentler_nomean``: the covariance residuals
scaled by the sample SDs) and std.all are :mod:`.dwls`'s. With every item ordered this is
lavaan's ordinal CFA (:mod:`.wls` fits it by :func:`fit_sample`).

Reference values: ``tests/golden/sem_mixed.R`` (lavaan 0.6-14).

References
----------
Muthén, B. (1984). A general structural equation model with dichotomous, ordered
categorical, and continuous latent variable indicators. *Psychometrika*, 49, 115–132.
Olsson, U., Drasgow, F. & Dorans, N. J. (1982). The polyserial correlation coefficient.
*Psychometrika*, 47, 337–347.
Muthén, B., du Toit, S. H. C. & Spisic, D. (1997). Robust inference using weighted least
squares and quadratic estimating equations in latent variable modeling with categorical and
continuous outcomes. Unpublished manuscript.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..polychoric import OrdinalTables, Polychoric, polychoric, polyserial
from .dwls import ESTIMATORS, ROBUST, Moments, OrdinalSemResults, least_squares_fit, parameter_frame, standardized
from .estimate import SampleStats
from .model import Model, SemSpecificationError, build, variable_names
from .modindices import candidates, least_squares_indices
from .results import negative_variances
from .start import start_values
from .syntax import parse

__all__ = ["MixedSample", "mixed_sample", "complete_rows", "fit_mixed", "fit_sample", "check_model"]


@dataclass(frozen=True, eq=False)
class MixedSample:
    """Sample statistics of ordered and continuous items for DWLS (lavaan's ``muthen1984``).

    Built by :func:`mixed_sample`; see the module docstring for the order of the vectors.

    Parameters
    ----------
    names : tuple of str
        Variables.
    ordered : tuple of bool
        Whether each variable is ordered.
    thresholds : tuple of numpy.ndarray
        Per variable: its thresholds (ordered) or its mean (continuous, one value).
    variances : numpy.ndarray
        ML variances of the continuous items, 1 for the ordered ones.
    correlation : numpy.ndarray
        Polychoric / polyserial / Pearson correlations (``lavCor(d, ordered =)``).
    n : int
        Rows (complete on every variable).
    nacov : numpy.ndarray or None
        N × the asymptotic covariance of :meth:`wls_obs` (``lavInspect(fit, "gamma")``);
        None when only its diagonal is known (``weights``: DWLS from tables).
    weights : numpy.ndarray, optional
        The DWLS weights when not 1/diag(``nacov``) (those of :meth:`Polychoric.wls_v`).

    References
    ----------
    Muthén, B. (1984). *Psychometrika*, 49, 115–132.

    Examples
    --------
    R: ``lavaan::lavCor(d, ordered = "q")``:

    >>> d = pd.DataFrame({"x": [0.3, 1.1, -0.5, 2.0, 0.1, -1.2, 0.8, -0.1],
    ...                   "q": [1, 2, 1, 3, 2, 1, 3, 2]})
    >>> s = mixed_sample(d, ["q"])
    >>> s.wls_names()
    ['x~1', 'q|t1', 'q|t2', 'x~~x', 'x~~q']
    """

    names: tuple[str, ...]
    ordered: tuple[bool, ...]
    thresholds: tuple[np.ndarray, ...]
    variances: np.ndarray
    correlation: np.ndarray
    n: int
    nacov: np.ndarray | None = field(repr=False)
    weights: np.ndarray | None = field(default=None, repr=False)

    @classmethod
    def from_polychoric(cls, poly: Polychoric, n: int, nacov: np.ndarray | None = None) -> MixedSample:
        """All items ordered: the thresholds and polychoric correlations of ``poly`` over ``n`` rows,
        weighted by its :meth:`~servq.stats.polychoric.Polychoric.wls_v` (from the tables alone)."""
        k = len(poly.items)
        return cls(tuple(poly.items), (True,) * k, tuple(poly.thresholds), np.ones(k), poly.correlation, n, nacov,
                   poly.wls_v())

    def pairs(self) -> list[tuple[int, int]]:
        """Variable index pairs (i, j), i > j, in lavaan's order."""
        k = len(self.names)
        return [(i, j) for j in range(k - 1) for i in range(j + 1, k)]

    @property
    def continuous(self) -> list[int]:
        """Indices of the continuous variables."""
        return [k for k, o in enumerate(self.ordered) if not o]

    def cov(self) -> np.ndarray:
        """Covariance matrix: the correlations scaled by the continuous SDs (lavaan's ``sampstat$cov``)."""
        sd = np.sqrt(self.variances)
        return self.correlation * np.outer(sd, sd)

    def wls_obs(self) -> np.ndarray:
        """The WLS sample vector (``lavInspect(fit, "wls.obs")``)."""
        th = [t if o else -t for t, o in zip(self.thresholds, self.ordered)]
        cov = self.cov()
        return np.concatenate([*th, self.variances[self.continuous], [cov[i, j] for i, j in self.pairs()]])

    def wls_names(self) -> list[str]:
        """lavaan's names of the entries of :meth:`wls_obs`."""
        out = [f"{v}|t{t + 1}" if o else f"{v}~1" for v, o, th in zip(self.names, self.ordered, self.thresholds)
               for t in range(th.size)]
        out += [f"{self.names[k]}~~{self.names[k]}" for k in self.continuous]
        return out + [f"{self.names[j]}~~{self.names[i]}" for i, j in self.pairs()]

    def wls_v(self) -> np.ndarray:
        """DWLS weights 1/diag(NACOV) (``diag(lavInspect(fit, "wls.v"))``)."""
        if self.weights is not None:
            return self.weights
        if self.nacov is None:
            raise ValueError("DWLS weights need the sample statistics' NACOV (or weights)")
        return 1.0 / np.diag(self.nacov)


def complete_rows(data: pd.DataFrame, names: Sequence[str], ordered: Sequence[str]) -> pd.DataFrame:
    """The rows answering every variable, ordered items recoded 1..K by their sorted levels (lavaan's ordered factors).

    Parameters
    ----------
    data : pandas.DataFrame
        The answers.
    names : sequence of str
        The variables (columns) to keep.
    ordered : sequence of str
        Those that are ordered (numbers or categoricals; levels in sorted order, unused
        levels dropped); the others are continuous and kept as floats.

    Returns
    -------
    pandas.DataFrame
        The listwise-complete rows (index kept), ordered items as codes 1..K.

    Raises
    ------
    ValueError
        An ordered value that is neither a number nor a categorical level, or a continuous
        column that is not numeric.

    References
    ----------
    Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. Journal of
    Statistical Software, 48(2), 1–36 (``ordered =``, ``missing = "listwise"``).

    Examples
    --------
    As R's ``as.integer(ordered(x))`` of the complete rows:

    >>> d = pd.DataFrame({"q": [10, 30, None, 20], "x": [0.5, 1.5, 2.5, None]})
    >>> complete_rows(d, ["q", "x"], ["q"])["q"].tolist()
    [1, 2]
    """
    complete = data[list(names)].dropna()
    out = {}
    for name in names:
        col = complete[name]
        if name in ordered:
            if isinstance(col.dtype, pd.CategoricalDtype):
                codes = col.cat.codes.to_numpy()
            else:
                values = pd.to_numeric(col, errors="coerce")
                if values.isna().any():
                    r = values.index[values.isna()][0]
                    raise ValueError(f"column {name}, row {r}: {col[r]!r} is not numeric nor a categorical level")
                codes = values.to_numpy()
            out[name] = np.unique(codes, return_inverse=True)[1].ravel() + 1
        else:
            if isinstance(col.dtype, pd.CategoricalDtype) or not pd.api.types.is_numeric_dtype(col):
                raise ValueError(f"column {name} is not numeric: a continuous item needs numbers "
                                 "(list it in ordered= to treat it as ordinal)")
            out[name] = col.to_numpy(dtype=float)
    return pd.DataFrame(out, index=complete.index)


def mixed_sample(data: pd.DataFrame, ordered: Sequence[str]) -> MixedSample:
    """Thresholds, means, variances, correlations and NACOV of ordered and continuous items.

    Parameters
    ----------
    data : pandas.DataFrame
        The variables, in the order wanted; rows missing any are dropped (listwise).
    ordered : sequence of str
        The ordered columns (numbers or ordered categoricals, levels in sorted order); the
        others are continuous.

    Returns
    -------
    MixedSample
        The statistics; ``correlation`` is lavaan's ``lavCor(data, ordered = ordered)``.

    Raises
    ------
    ValueError
        A continuous column that is not numeric, an ordered one with a single category.

    References
    ----------
    Muthén, B. (1984). *Psychometrika*, 49, 115–132. Olsson, U., Drasgow, F. & Dorans,
    N. J. (1982). *Psychometrika*, 47, 337–347.

    Examples
    --------
    R: ``lavaan::lavCor(d, ordered = "q")["x", "q"]``, the polyserial correlation:

    >>> d = pd.DataFrame({"x": [0.1, 1.2, -0.7, 2.0, 0.4, -1.1, 0.9, -0.2, 1.5, -0.4],
    ...                   "q": [1, 2, 1, 3, 2, 1, 3, 2, 2, 1]})
    >>> round(float(mixed_sample(d, ["q"]).correlation[0, 1]), 4)
    0.8546
    """
    names = tuple(str(c) for c in data.columns)
    unknown = [v for v in ordered if v not in names]
    if unknown:
        raise ValueError(f"ordered= names {unknown[0]}, which is not a column")
    frame = complete_rows(data, names, ordered)
    n, k = frame.shape
    is_ord = tuple(v in ordered for v in names)
    ord_idx = [i for i in range(k) if is_ord[i]]
    num_idx = [i for i in range(k) if not is_ord[i]]
    cols = {v: frame[v].to_numpy() for v in names}

    poly = None
    uni_ord: dict[int, np.ndarray] = {}
    if ord_idx:
        codes = np.column_stack([cols[names[i]] for i in ord_idx]).astype(np.int64)
        poly = polychoric(OrdinalTables.from_codes(codes, items=[names[i] for i in ord_idx]))
        poly_sc = poly.scores(codes)
        poly_starts = np.cumsum([0] + [t.size for t in poly.thresholds])
        nth_ord = int(poly_starts[-1])
        poly_pair = {pq: q for q, pq in enumerate(poly.pairs())}
        for o, i in enumerate(ord_idx):
            uni_ord[i] = poly_sc[:, poly_starts[o]:poly_starts[o + 1]]

    if any(is_ord) and poly is None:
        raise ValueError("ordered items without their polychoric fit")
    ths: list[np.ndarray] = []
    var = np.ones(k)
    for i in range(k):
        if is_ord[i] and poly is not None:
            ths.append(poly.thresholds[ord_idx.index(i)])
        else:
            x = cols[names[i]]
            ths.append(np.array([x.mean()]))
            var[i] = np.mean((x - x.mean()) ** 2)
            if not var[i] > 0:
                raise ValueError(f"column {names[i]} is constant; a continuous item needs variance")
    th_starts = np.cumsum([0] + [t.size for t in ths])
    nth = int(th_starts[-1])
    var_col = {i: nth + m for m, i in enumerate(num_idx)}
    nuni = nth + len(num_idx)
    sd = np.sqrt(var)

    sc_uni = np.zeros((n, nuni))
    for i in range(k):
        s = slice(th_starts[i], th_starts[i + 1])
        if is_ord[i]:
            sc_uni[:, s] = uni_ord[i]
        else:
            res = cols[names[i]] - ths[i][0]
            sc_uni[:, th_starts[i]] = res / var[i]
            sc_uni[:, var_col[i]] = -1 / (2 * var[i]) + res * res / (2 * var[i] ** 2)

    pairs = [(i, j) for j in range(k - 1) for i in range(j + 1, k)]
    cor = np.eye(k)
    sc_cor = np.zeros((n, len(pairs)))
    a21 = np.zeros((len(pairs), nuni))
    h21 = np.zeros((len(pairs), nuni))
    h22 = np.ones(len(pairs))
    for p, (i, j) in enumerate(pairs):
        th_i, th_j = slice(th_starts[i], th_starts[i + 1]), slice(th_starts[j], th_starts[j + 1])
        if is_ord[i] and is_ord[j] and poly is not None:
            oi, oj = ord_idx.index(i), ord_idx.index(j)
            q = poly_pair[(oi, oj)]
            rho = float(poly.correlation[oi, oj])
            sc_cor[:, p] = poly_sc[:, nth_ord + q]
            a21[p, th_i] = poly.a21[q, poly_starts[oi]:poly_starts[oi + 1]]
            a21[p, th_j] = poly.a21[q, poly_starts[oj]:poly_starts[oj + 1]]
        elif is_ord[i] or is_ord[j]:
            c, o = (j, i) if is_ord[i] else (i, j)
            fit = polyserial(cols[names[c]], cols[names[o]])
            rho = fit.rho
            sc = fit.scores(cols[names[c]], cols[names[o]])
            s_rho = sc[:, -1]
            sc_cor[:, p] = s_rho
            a21[p, th_starts[c]] = s_rho @ sc[:, 0]
            a21[p, var_col[c]] = s_rho @ sc[:, 1]
            a21[p, th_starts[o]:th_starts[o + 1]] = s_rho @ sc[:, 2:-1]
            h21[p, var_col[c]] = rho / (2 * sd[c])
            h22[p] = sd[c]
        else:
            rho, s_rho, parts = _pearson_scores(cols[names[i]], cols[names[j]])
            sc_cor[:, p] = s_rho
            for col, score in zip((th_starts[i], th_starts[j], var_col[i], var_col[j]), parts):
                a21[p, col] = s_rho @ score
            h21[p, var_col[i]] = sd[j] * rho / (2 * sd[i])
            h21[p, var_col[j]] = sd[i] * rho / (2 * sd[j])
            h22[p] = sd[i] * sd[j]
        cor[i, j] = cor[j, i] = rho

    sc = np.hstack([sc_uni, sc_cor])
    inner = sc.T @ sc
    a11_inv = np.zeros((nuni, nuni))
    for i in range(k):
        idx = list(range(th_starts[i], th_starts[i + 1])) + ([] if is_ord[i] else [var_col[i]])
        a11_inv[np.ix_(idx, idx)] = np.linalg.inv(inner[np.ix_(idx, idx)])
    a22_inv = 1.0 / np.sum(sc_cor * sc_cor, axis=0)
    total = nuni + len(pairs)
    b_inv = np.zeros((total, total))
    b_inv[:nuni, :nuni] = a11_inv
    b_inv[nuni:, :nuni] = -(a22_inv[:, None] * a21) @ a11_inv
    b_inv[nuni:, nuni:] = np.diag(a22_inv)
    h = np.eye(total)
    h[nuni:, :nuni] = h21
    h[nuni:, nuni:] = np.diag(h22)
    hb = h @ b_inv
    gamma = n * (hb @ inner @ hb.T)
    sign = np.ones(total)
    sign[[th_starts[i] for i in num_idx]] = -1.0
    gamma = sign[:, None] * gamma * sign[None, :]
    return MixedSample(names, is_ord, tuple(ths), var, cor, n, (gamma + gamma.T) / 2)


def _pearson_scores(y1: np.ndarray, y2: np.ndarray) -> tuple[float, np.ndarray, tuple[np.ndarray, ...]]:
    """Pearson ρ of two continuous items and the bivariate-normal scores (ρ; μ1, μ2, σ²1, σ²2) at
    the marginal ML estimates (lavaan's ``lav_bvreg_cor_scores``)."""
    c1, c2 = y1 - y1.mean(), y2 - y2.mean()
    v1, v2 = np.mean(c1 * c1), np.mean(c2 * c2)
    s1, s2 = np.sqrt(v1), np.sqrt(v2)
    rho = float(np.mean(c1 * c2) / (s1 * s2))
    r = 1 - rho * rho
    mu1 = (c1 / v1 - rho * c2 / (s1 * s2)) / r
    mu2 = (c2 / v2 - rho * c1 / (s1 * s2)) / r
    var1 = -(0.5 / v1 - (c1 * c1 / (v1 * v1) - rho * c1 * c2 / (v1 * s1 * s2)) / (2 * r))
    var2 = -(0.5 / v2 + (rho * c1 * c2 / (v2 * s1 * s2) - c2 * c2 / (v2 * v2)) / (2 * r))
    z = c1 * c1 / v1 - 2 * rho * c1 * c2 / (s1 * s2) + c2 * c2 / v2
    s_rho = rho / r + (c1 * c2 / (s1 * s2 * r) - z * rho / (r * r))
    return rho, s_rho, (mu1, mu2, var1, var2)


def check_model(spec: Model, *, several_groups: bool = False) -> None:
    """Refuse what the DWLS fit of ordered items does not support yet.

    Parameters
    ----------
    spec : Model
        The built model.
    several_groups : bool
        The model is fitted to several groups (``:=`` is not supported there yet).

    Raises
    ------
    SemSpecificationError
        An observed variable as a factor or in a regression, a ``==``, ``<`` / ``>``
        constraint, or ``:=`` with several groups.

    References
    ----------
    Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. Journal of
    Statistical Software, 48(2), 1–36.

    Examples
    --------
    R's lavaan fits ``f =~ a + b + c`` with ``ordered = TRUE``; so does servq:

    >>> check_model(build(parse("f =~ a + b + c")))
    """
    names = spec.names
    for r in spec.rows:
        if (r.op == "=~" and r.lhs in names.ov) or (r.op == "~" and (r.rhs in names.ov or r.lhs in names.ov)):
            raise SemSpecificationError(f"{r.lhs} {r.op} {r.rhs}: observed variables in regressions or as factors "
                                        "are not supported yet with ordered= items (regress factors instead)")
    if spec.constraints.rank or spec.constraints.conditions:
        raise SemSpecificationError("==, < and > are not supported yet with ordered= items; fit without them, "
                                    "or fit the items as continuous (ML)")
    if spec.constraints.defined and several_groups:
        raise SemSpecificationError(":= with ordered= items and several groups is not supported yet; fit each group "
                                    "alone for its defined parameters")


def fit_mixed(model: str, data: pd.DataFrame, ordered: Sequence[str], *, estimator: str = "WLSMV",
              std_lv: bool = False, orthogonal: bool = False) -> OrdinalSemResults:
    """Fit a CFA of ordered and continuous items by DWLS, as ``lavaan::cfa(..., ordered = <some items>)``.

    Parameters
    ----------
    model : str
        lavaan model syntax (one group; observed variables only as indicators; no ``:=`` /
        ``==``).
    data : pandas.DataFrame
        One row per respondent; rows missing any model variable are dropped (listwise).
    ordered : sequence of str
        The ordered items; the other observed variables are continuous (numeric columns).
    estimator : {"WLSMV", "DWLS", "ULSMV", "ULS"}
        WLSMV: robust SEs and the mean-and-variance adjusted χ²; DWLS: standard SEs and χ²;
        ULSMV and ULS the same with W = I (:mod:`.dwls`).
    std_lv : bool
        Identify factors by unit latent variances instead of first loadings.
    orthogonal : bool
        Fix covariances among exogenous latent variables to 0.

    Returns
    -------
    OrdinalSemResults
        Estimates (with the continuous items' intercepts ``x ~1`` and residual variances),
        SEs, fit measures; ``implied_cov()`` is Σ of the latent responses and continuous items.

    Raises
    ------
    SemSpecificationError
        An observed variable in a regression or as a factor, ``:=`` / ``==``, a fixed
        residual variance of an ordered item, an unknown estimator.
    ValueError
        A continuous column that is not numeric, an ordered one with a single category.

    References
    ----------
    Muthén, B. (1984). *Psychometrika*, 49, 115–132. Muthén, B., du Toit, S. H. C. &
    Spisic, D. (1997). Robust inference using weighted least squares and quadratic estimating
    equations in latent variable modeling with categorical and continuous outcomes.

    Examples
    --------
    Two ordered and two continuous indicators, as R's
    ``cfa("f =~ a + b + c + d", d, ordered = c("a", "b"), estimator = "WLSMV")``:

    >>> rng = np.random.default_rng(5)
    >>> f = rng.normal(size=(400, 1))
    >>> z = f + rng.normal(size=(400, 4))
    >>> d = pd.DataFrame({"a": np.digitize(z[:, 0], [-0.5, 0.5]), "b": np.digitize(z[:, 1], [0.0]),
    ...                   "c": 3 + z[:, 2], "d": 10 * z[:, 3]})
    >>> fit = fit_mixed("f =~ a + b + c + d", d, ["a", "b"])
    >>> nu = fit.estimates.query("op == '~1' and lhs == 'c'")["est"].item()  # the sample mean
    >>> fit.fit_measures()["df"], bool(abs(nu - d["c"].mean()) < 1e-12)
    (2.0, True)
    """
    if estimator.upper() not in ESTIMATORS:
        raise SemSpecificationError(f"estimator={estimator!r} with ordered items is not supported; use 'WLSMV', 'DWLS', "
                                    "'ULSMV' or 'ULS'")
    formulas = parse(model)
    names = variable_names(formulas)
    absent = [v for v in names.ov if v not in data.columns]
    if absent:
        raise SemSpecificationError(f"variable {absent[0]} of the model is not a column of data")
    spec = build(formulas, std_lv=std_lv, orthogonal=orthogonal)
    check_model(spec)
    sample = mixed_sample(data[list(names.ov)], [v for v in ordered if v in names.ov])
    return fit_sample(model, spec, sample, estimator.upper())


def fit_sample(model: str, spec: Model, sample: MixedSample, estimator: str) -> OrdinalSemResults:
    """The one-group DWLS fit of a model to the statistics of ordered and continuous items.

    Σ(θ) = F (I − A)⁻¹ S (I − A)⁻ᵀ Fᵀ over the latent responses and the continuous items
    (RAM matrices of :mod:`.model`), an ordered item's residual variance 1 − the rest of its
    Σ_ii; σ(θ) = (the sample thresholds and means, saturated; the continuous variances; the
    covariances below the diagonal) with dΣ = B dA Σ + Σ dAᵀ Bᵀ + B dS Bᵀ (B = (I − A)⁻¹);
    the fit, SEs and fit measures of :mod:`.dwls`.

    Parameters
    ----------
    model : str
        The model syntax (kept in the results).
    spec : Model
        The built model (one group), checked by :func:`check_model`.
    sample : MixedSample
        The sample statistics, Γ (``nacov``) required for WLSMV / ULSMV.
    estimator : {"WLSMV", "DWLS", "ULSMV", "ULS"}
        As :func:`fit_mixed`.

    Returns
    -------
    OrdinalSemResults
        Estimates, SEs, fit measures.

    Raises
    ------
    SemSpecificationError
        A fixed residual variance of an ordered item, or WLSMV without Γ.

    References
    ----------
    Muthén, B. (1984). *Psychometrika*, 49, 115–132. Rosseel, Y. (2012). lavaan: An R
    package for structural equation modeling. Journal of Statistical Software, 48(2), 1–36.

    Examples
    --------
    The DWLS fit of R's ``cfa("f =~ a + b + c", d, ordered = TRUE, estimator = "DWLS")``
    (saturated: df = 0):

    >>> rng = np.random.default_rng(3)
    >>> z = rng.normal(size=(300, 1)) + rng.normal(size=(300, 3))
    >>> s = mixed_sample(pd.DataFrame(np.digitize(z, [0.0]), columns=list("abc")), ["a", "b", "c"])
    >>> fit = fit_sample("f =~ a + b + c", build(parse("f =~ a + b + c")), s, "DWLS")
    >>> fit.fit_measures()["df"]
    0.0
    """
    names = spec.names
    n = sample.n
    p, nv = spec.p, spec.n_vars
    is_ord = dict(zip(sample.names, sample.ordered))
    ord_var = {r.par for r in spec.rows if r.op == "~~" and r.lhs == r.rhs and r.lhs in names.ov and is_ord[r.lhs]}
    fixed = [r.lhs for r in spec.rows if r.op == "~~" and r.lhs == r.rhs and r.lhs in names.ov
             and is_ord[r.lhs] and r.par < 0]
    if fixed:
        raise SemSpecificationError(f"{fixed[0]} ~~ {fixed[0]}: residual variances of ordered items are not free "
                                    "parameters in the delta parameterization")
    if estimator in ROBUST and sample.nacov is None:
        raise SemSpecificationError(f"estimator={estimator!r} needs the asymptotic covariance (NACOV) of the sample "
                                    "statistics")
    keep = sorted({r.par for r in spec.rows if r.par >= 0} - ord_var)
    col = {par: k for k, par in enumerate(keep)}
    s = sample.wls_obs()
    w = np.ones_like(s) if estimator.startswith("ULS") else sample.wls_v()  # ULS: W = I
    gamma = sample.nacov if estimator in ROBUST else None
    nth = sum(t.size for t in sample.thresholds)
    num = sample.continuous
    pairs = sample.pairs()
    # σ(θ) beyond the saturated thresholds / means: continuous variances, then covariances
    rows_i = np.array(num + [i for i, _ in pairs], dtype=int)
    rows_j = np.array(num + [j for _, j in pairs], dtype=int)
    ov_pos = [spec.index(v) for v in sample.names]
    ri, rj = np.array(ov_pos)[rows_i], np.array(ov_pos)[rows_j]

    def parts(theta: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        full = np.zeros(spec.n_par)
        full[keep] = theta
        a, sm, _ = spec.matrices(full, 0)
        b = np.linalg.inv(np.eye(nv) - a)
        return b, b @ sm @ b.T, sm

    a_cells = [(spec.index(r.rhs), spec.index(r.lhs), r.par) if r.op == "=~" else
               (spec.index(r.lhs), spec.index(r.rhs), r.par)
               for r in spec.rows if r.op in ("=~", "~") and r.par >= 0]
    s_cells = [(spec.index(r.lhs), spec.index(r.rhs), r.par) for r in spec.rows
               if r.op == "~~" and r.par >= 0 and r.par not in ord_var]

    def jac(theta: np.ndarray) -> np.ndarray:
        b, sig, _ = parts(theta)
        out = np.zeros((rows_i.size, len(keep)))
        for i, j, par in a_cells:
            d = np.outer(b[:, i], sig[j, :])
            out[:, col[par]] += (d + d.T)[ri, rj]
        for i, j, par in s_cells:
            d = np.outer(b[:, i], b[:, j])
            out[:, col[par]] += (d if i == j else d + d.T)[ri, rj]
        return out

    s_obs = s[nth:]
    sw = np.sqrt(w[nth:])
    cov = sample.cov()
    order = [sample.names.index(v) for v in names.ov]
    start = start_values(spec, SampleStats((cov[np.ix_(order, order)],), (None,), (n,)))[keep]
    opt = least_squares_fit(lambda t: sw * (parts(t)[1][ri, rj] - s_obs), lambda t: sw[:, None] * jac(t), start)
    theta = opt.x
    b, sig, s_mat = parts(theta)
    implied = sig[np.ix_(ov_pos, ov_pos)].copy()
    resid_var = 1.0 - np.diag(implied)  # ordered items: θ_ii = 1 − the rest of Σ*_ii
    for k, o in enumerate(sample.ordered):
        if o:
            implied[k, k] = 1.0

    npar = nth + len(keep)
    delta = np.zeros((s.size, npar))
    delta[:nth, :nth] = np.eye(nth)
    delta[nth:, nth:] = jac(theta)
    moments = Moments((delta,), (w,), (gamma,), (n,))
    vcov = moments.covariance()
    se = np.sqrt(np.clip(np.diag(vcov), 0, None))
    resid = np.concatenate([np.zeros(nth), s_obs - implied[rows_i, rows_j]])  # thresholds, means: saturated
    sd = np.sqrt(np.diag(cov))
    # ULS's unscaled χ² has no known reference distribution: lavaan gives no p-value
    fit = moments.fit_measures([s], [resid], [slice(nth + len(num), s.size)], npar,
                               [resid[nth:] / (sd[rows_i] * sd[rows_j])], p, pvalue=not estimator.startswith("ULS"))

    psi = np.diag(s_mat).copy()  # variance parameters; an ordered item's is 1 − the rest
    for k, o in enumerate(sample.ordered):
        if o:
            psi[ov_pos[k]] = resid_var[k]
    sd, latent = _scales(spec, sample, np.diag(sig), implied)
    table = _table(spec, sample, theta, se, keep, resid_var, sd, latent, psi)
    if spec.constraints.defined:
        table = _with_defined(table, spec, theta, keep, vcov[nth:, nth:])

    def modindices() -> pd.DataFrame:
        extra = candidates(spec, 0)
        d_extra = np.zeros((s.size, len(extra)))
        for k, r in enumerate(extra):
            cell = (spec.index(r.rhs), spec.index(r.lhs)) if r.op == "=~" else (spec.index(r.lhs), spec.index(r.rhs))
            d = np.outer(b[:, cell[0]], sig[cell[1], :] if r.op in ("=~", "~") else b[:, cell[1]])
            d_extra[nth:, k] = (d if r.op == "~~" and cell[0] == cell[1] else d + d.T)[ri, rj]

        def standardize_epc(r, epc: float) -> tuple[float, float]:
            return standardized(r.op, spec.index(r.lhs), spec.index(r.rhs), epc, sd, psi, latent)

        return least_squares_indices(extra, delta, d_extra, w, resid, n, standardize_epc, "1")

    notes = [] if opt.success else ["the optimizer did not converge"]
    notes += negative_variances(table, names.lv, ("1",))
    return OrdinalSemResults(model, estimator, table, fit, bool(opt.success), int(opt.nfev), ("1",), (n,),
                             tuple(names.ov), tuple(names.lv), tuple(notes), vcov,
                             implied[np.ix_(order, order)], _modindices=modindices)


def _scales(spec: Model, sample: MixedSample, var_all: np.ndarray, implied: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The SD of every variable (an ordered item's latent response: 1) and which are latent."""
    var = var_all.copy()
    for k, v in enumerate(sample.names):
        var[spec.index(v)] = implied[k, k]
    latent = np.zeros(len(var), dtype=bool)
    latent[[spec.index(v) for v in spec.names.lv]] = True
    return np.sqrt(np.clip(var, 0, None)), latent


def _with_defined(table: pd.DataFrame, spec: Model, theta: np.ndarray, keep: list[int],
                  vcov: np.ndarray) -> pd.DataFrame:
    """The table with the ``:=`` rows last (delta-method SEs from the robust or standard
    covariance of the estimates; std.lv / std.all at the labels' standardized values)."""
    cons = spec.constraints
    full, cov = np.zeros(spec.n_par), np.zeros((spec.n_par, spec.n_par))
    full[keep] = theta
    cov[np.ix_(keep, keep)] = vcov
    at = {(r["lhs"], r["op"], r["rhs"]): r for r in reversed(table.to_dict("records"))}  # the first row of each
    std = {col: {label: float(at[(spec.rows[i].lhs, spec.rows[i].op, spec.rows[i].rhs)][col])
                 for label, i in cons.label_rows.items()} for col in ("std.lv", "std.all")}
    return parameter_frame(table.to_dict("records") + cons.defined_rows(full, cov, std))


def _table(spec: Model, sample: MixedSample, theta: np.ndarray, se: np.ndarray, keep: list[int],
           resid_var: np.ndarray, sd: np.ndarray, latent: np.ndarray, psi: np.ndarray) -> pd.DataFrame:
    """lavaan's parameter table: user rows, thresholds, the defaults, the ordered items' scales,
    intercepts (free for continuous items); standardised by :func:`.dwls.standardized`."""
    names = spec.names
    col = {par: k for k, par in enumerate(keep)}
    nth = sum(t.size for t in sample.thresholds)
    n_user = sum(1 for r in spec.rows if r.user)
    k_of = {v: sample.names.index(v) for v in names.ov}
    th_start = np.cumsum([0] + [t.size for t in sample.thresholds])
    recs = []

    def row(lhs: str, op: str, rhs: str, label: str, est: float, err: float, i: int, j: int = 0) -> None:
        std_lv, std_all = standardized(op, i, j, est, sd, psi, latent)
        recs.append({"lhs": lhs, "op": op, "rhs": rhs, "group": 1, "label": label, "est": est, "se": err,
                     "std.lv": std_lv, "std.all": std_all})

    def spec_row(r) -> None:
        if r.op == "~~" and r.lhs == r.rhs and r.lhs in names.ov and sample.ordered[k_of[r.lhs]]:
            est, err = float(resid_var[k_of[r.lhs]]), 0.0
        elif r.par >= 0:
            est, err = float(theta[col[r.par]]), float(se[nth + col[r.par]])
        else:
            est, err = float(r.value), 0.0
        row(r.lhs, r.op, r.rhs, r.label, est, err, spec.index(r.lhs), spec.index(r.rhs))

    for r in spec.rows[:n_user]:
        spec_row(r)
    for k, v in enumerate(sample.names):
        if sample.ordered[k]:
            for t, tau in enumerate(sample.thresholds[k]):
                row(v, "|", f"t{t + 1}", "", float(tau), float(se[th_start[k] + t]), spec.index(v))
    for r in spec.rows[n_user:]:
        spec_row(r)
    for v in names.ov:
        if sample.ordered[k_of[v]]:
            row(v, "~*~", v, "", 1.0, 0.0, spec.index(v))
    for v in names.ov + names.lv:
        if v in k_of and not sample.ordered[k_of[v]]:
            k = k_of[v]
            row(v, "~1", "", "", float(sample.thresholds[k][0]), float(se[th_start[k]]), spec.index(v))
        else:
            row(v, "~1", "", "", 0.0, 0.0, spec.index(v))
    return parameter_frame(recs)
