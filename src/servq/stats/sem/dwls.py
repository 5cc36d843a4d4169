"""The diagonally weighted least squares engine of the ordinal and mixed CFA/SEM (lavaan's WLSMV family).

A model with ordered items is fitted to sample statistics s, not to a covariance matrix:
per group the thresholds of the ordered items, the means and variances of the continuous
ones and the polychoric / polyserial / Pearson covariances (lavaan's ``wls.obs``; built by
:mod:`servq.stats.polychoric` and :mod:`.wls_mixed`), with Γ = N · their asymptotic
covariance (``gamma``, NACOV). The model implies σ_g(θ) (:mod:`.wls_mixed` for one group,
:mod:`.wls_groups` for several) and the estimates minimise

    F(θ) = Σ_g (n_g − 1) (s_g − σ_g(θ))ᵀ W_g (s_g − σ_g(θ)),

W_g = diag(1 / diag Γ_g) for DWLS (lavaan's ``wls.v``), W_g = I for ULS (Muthén 1993).
lavaan reports χ² = F, ``fmin`` = χ²/(2N). With f_g = n_g/N, Δ_g = ∂σ_g/∂θᵀ and the
expected information E = Σ_g f_g Δ_gᵀ W_g Δ_g:

* standard SEs (``estimator = "DWLS"`` / ``"ULS"``): V = E⁻¹/(N − G);
* robust SEs (``"WLSMV"`` / ``"ULSMV"``, lavaan's ``se = "robust.sem"``):
  V = E⁻¹ (Σ_g f_g Δ_gᵀ W_g Γ_g W_g Δ_g) E⁻¹/(N − G);
* the mean-and-variance adjusted χ² (``test = "scaled.shifted"``, Asparouhov & Muthén 2010):
  with V = ⊕ f_g W_g, Γ = ⊕ Γ_g/f_g, Δ the groups' Δ_g stacked and U = V − VΔE⁻¹ΔᵀV,
  a = √(df / tr((UΓ)²)), b = df − a·tr(UΓ): ``chisq.scaled`` = a·χ² + b, ``df.scaled`` = df,
  ``chisq.scaling.factor`` = 1/a, ``chisq.shift.parameters`` = b;
* the baseline (independence) model fits the thresholds, means and variances exactly and
  every covariance by 0: χ²_b = Σ_g (n_g − 1) Σ w s² over the covariances, scaled the same way
  (U = W over them);
* CFI, TLI and RMSEA (√(max(χ² − df, 0)/(df (N − G))) · √G, lavaan's multi-group RMSEA)
  from the unscaled and the scaled statistics; SRMR per group over the covariances scaled
  by the sample SDs (lavaan's ``srmr_bentler_nomean``), weighted by f_g. As lavaan, the
  unscaled ULS χ² gets no p-value.

Standardised estimates follow lavaan's ``standardizedSolution`` (``cov.std = TRUE``):
loadings and regressions by the SDs of the variables (a latent response of an ordered item
has variance 1/δ², 1 in the delta parameterization's first group), variances by the
variable's variance, covariances by √(ψ_aa ψ_bb), the variance *parameters* (residual
correlations between endogenous variables), intercepts and thresholds by the SD.

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

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
from scipy import special  # not scipy.stats: its import is slow

from .blocks import BlockMatrix, Part, Projection, parts
from .results import FittedModel, fit_record, frame_records

ESTIMATORS = ("WLSMV", "DWLS", "ULSMV", "ULS")
ROBUST = ("WLSMV", "ULSMV")
COLUMNS = ["lhs", "op", "rhs", "group", "label", "est", "se", "z", "pvalue", "ci.lower", "ci.upper", "std.lv", "std.all"]


@dataclass(frozen=True)
class Moments:
    """What the DWLS inference needs of a fitted model: per group Δ_g, W_g, Γ_g and n_g.

    Parameters
    ----------
    jacs : tuple of numpy.ndarray
        Per group, Δ_g = ∂σ_g/∂θᵀ at the estimates: over every parameter, or over those of
        ``columns[g]``.
    weights : tuple of numpy.ndarray
        Per group, the diagonal of W_g (lavaan's ``wls.v``).
    gammas : tuple of numpy.ndarray or None
        Per group, Γ_g (lavaan's ``gamma``, NACOV), None without (DWLS, ULS).
    nobs : tuple of int
        Per group, N.
    columns : tuple of numpy.ndarray, optional
        Per group, the positions in θ of the columns of ``jacs[g]`` (the parameters its
        statistics depend on); None: every Δ_g has every parameter's column.
    size : int
        With ``columns``, the number of parameters.

    References
    ----------
    Satorra, A. (2000). Scaled and adjusted restricted tests in multi-sample analysis of
    moment structures. Kluwer. Asparouhov, T. & Muthén, B. (2010). Simple second order
    chi-square correction. Mplus technical appendix.

    Examples
    --------
    R: ``lavTech(fit, "information")`` is E = Σ_g (n_g/N) Δ_gᵀ W_g Δ_g:

    >>> m = Moments((np.eye(2), np.eye(2)), (np.ones(2), 3 * np.ones(2)), (None, None), (100, 300))
    >>> m.info.tolist()
    [[2.5, 0.0], [0.0, 2.5]]
    """

    jacs: tuple[np.ndarray, ...]
    weights: tuple[np.ndarray, ...]
    gammas: tuple[np.ndarray | None, ...]
    nobs: tuple[int, ...]
    columns: tuple[np.ndarray, ...] | None = None
    size: int = 0

    @property
    def shares(self) -> np.ndarray:
        """f_g = n_g/N."""
        n = np.asarray(self.nobs, dtype=float)
        return n / n.sum()

    @property
    def robust(self) -> bool:
        """Whether every group has its Γ (WLSMV, ULSMV)."""
        return all(g is not None for g in self.gammas)

    @cached_property
    def layout(self) -> tuple[Part, ...]:
        """The parts of the model that share no parameter (:func:`.blocks.parts`)."""
        if self.columns is None:
            q = self.jacs[0].shape[1]
            return tuple(parts([np.arange(q)] * len(self.jacs), q))
        return tuple(parts(self.columns, self.size))

    @property
    def n_free(self) -> int:
        """The number of parameters."""
        return self.jacs[0].shape[1] if self.columns is None else self.size

    def group_columns(self, g: int) -> np.ndarray:
        """The positions in θ of the columns of ``jacs[g]``."""
        return np.arange(self.n_free) if self.columns is None else self.columns[g]

    def gram(self, middle: Sequence[np.ndarray], weighted: bool = True) -> BlockMatrix:
        """Σ_g f_g Δ_gᵀ M_g Δ_g (``weighted=False``: without f_g), M_g = ``middle[g]`` (a vector: diagonal)."""
        right = [m[:, None] * d if m.ndim == 1 else m @ d for m, d in zip(middle, self.jacs)]
        return BlockMatrix.gram(self.layout, self.n_free, self.jacs, right,
                                self.shares if weighted else np.ones(len(self.jacs)))

    def information(self) -> BlockMatrix:
        """E = Σ_g f_g Δ_gᵀ W_g Δ_g, part by part."""
        return self.gram(self.weights)

    def meat(self) -> BlockMatrix:
        """Σ_g f_g Δ_gᵀ W_g Γ_g W_g Δ_g, part by part (needs Γ)."""
        return self.gram([w[:, None] * np.asarray(gm) * w[None, :] for w, gm in zip(self.weights, self.gammas)])

    @property
    def info(self) -> np.ndarray:
        """E = Σ_g f_g Δ_gᵀ W_g Δ_g (lavaan's expected information)."""
        return np.asarray(self.information())

    def covariance_blocks(self) -> BlockMatrix:
        """E⁻¹/(N − G), or with Γ the sandwich E⁻¹ (Σ_g f_g Δ_gᵀW_gΓ_gW_gΔ_g) E⁻¹/(N − G), part by part
        (the estimates of different parts are uncorrelated)."""
        info_inv = self.information().inv()
        scale = 1.0 / (sum(self.nobs) - len(self.nobs))
        if not self.robust:
            return scale * info_inv
        return scale * (info_inv @ self.meat() @ info_inv)

    def covariance(self) -> np.ndarray:
        """The covariance matrix of the estimates (:meth:`covariance_blocks` as one matrix)."""
        return np.asarray(self.covariance_blocks())

    def scaled_traces(self) -> tuple[float, float]:
        """tr(UΓ) and tr((UΓ)²) of the scaled-shifted statistic (module docstring), with
        V = ⊕ f_g W_g and Γ = ⊕ Γ_g/f_g, part by part (:class:`.blocks.Projection`: matrices
        of the parameters, not of the stacked statistics)."""
        proj = Projection(self.layout, self.n_free, self.jacs,
                          tuple(fg * np.diag(w) for fg, w in zip(self.shares, self.weights)))
        gamma = [np.asarray(gm) / fg for fg, gm in zip(self.shares, self.gammas)]
        return proj.trace(gamma), proj.trace_pair(gamma, gamma)

    def fit_measures(self, obs: Sequence[np.ndarray], residuals: Sequence[np.ndarray], covariances: Sequence[slice],
                     npar: int, srmr_residuals: Sequence[np.ndarray], p: int, *, pvalue: bool = True) -> dict[str, float]:
        """χ², the baseline, CFI / TLI / RMSEA, with Γ their scaled-shifted versions, and SRMR.

        ``obs`` and ``residuals`` (s_g − σ_g) per group; ``covariances`` per group the
        entries of s_g that the baseline model fixes at 0; ``srmr_residuals`` per group the
        covariance residuals scaled by the sample SDs; ``p`` observed variables; ``pvalue``
        False: no p-value for the unscaled χ² (ULS).
        """
        n = np.asarray(self.nobs, dtype=float)
        n_total, n_groups, f = float(n.sum()), len(n), self.shares
        chisq = float(sum((ng - 1.0) * np.sum(w * r ** 2) for ng, w, r in zip(n, self.weights, residuals)))
        df = sum(o.size for o in obs) - npar
        fit: dict[str, float] = {"npar": float(npar), "fmin": chisq / (2 * n_total), "chisq": chisq, "df": float(df),
                                 "pvalue": float(special.chdtrc(df, chisq)) if df > 0 and pvalue else np.nan}
        base_chisq = float(sum((ng - 1.0) * np.sum(w[c] * o[c] ** 2) for ng, w, o, c in zip(n, self.weights, obs, covariances)))
        base_df = sum(o[c].size for o, c in zip(obs, covariances))
        fit.update({"baseline.chisq": base_chisq, "baseline.df": float(base_df),
                    "baseline.pvalue": float(special.chdtrc(base_df, base_chisq))})
        fit["cfi"], fit["tli"], fit["rmsea"] = _indices(chisq, df, base_chisq, base_df, n_total, n_groups)
        if self.robust:
            tr_ug, tr2_ug = self.scaled_traces()
            a_fac = np.sqrt(df / tr2_ug) if df > 0 else np.nan
            shift = df - a_fac * tr_ug
            tr_b, tr2_b = 0.0, 0.0
            for w, gm, c in zip(self.weights, self.gammas, covariances):
                wg = w[c, None] * np.asarray(gm)[c, c]
                tr_b += float(np.trace(wg))
                tr2_b += float(np.sum(wg * wg.T))
            ab = np.sqrt(base_df / tr2_b)
            base_scaled = ab * base_chisq + (base_df - ab * tr_b)
            scaled = a_fac * chisq + shift
            fit.update({"chisq.scaled": scaled, "df.scaled": float(df),
                        "pvalue.scaled": float(special.chdtrc(df, scaled)) if df > 0 else np.nan,
                        "chisq.scaling.factor": 1.0 / a_fac, "chisq.shift.parameters": shift,
                        "baseline.chisq.scaled": base_scaled, "baseline.df.scaled": float(base_df)})
            fit["cfi.scaled"], fit["tli.scaled"], fit["rmsea.scaled"] = _indices(scaled, df, base_scaled, base_df,
                                                                                 n_total, n_groups)
        fit["srmr"] = float(sum(fg * np.sqrt(np.sum(r ** 2) / (p * (p + 1) / 2)) for fg, r in zip(f, srmr_residuals)))
        fit["ntotal"] = n_total
        return fit


def _indices(x2: float, d: float, x2b: float, db: float, n: float, groups: int) -> tuple[float, float, float]:
    """CFI, TLI and RMSEA (N − G in its denominator, times √G) of a statistic and its baseline."""
    num, den = max(x2 - d, 0.0), max(x2 - d, x2b - db, 0.0)
    cfi = 1.0 - num / den if den > 0 else 1.0
    tli = ((x2b / db - x2 / d) / (x2b / db - 1.0)) if d > 0 else 1.0
    rmsea = float(np.sqrt(max((x2 - d) / (d * (n - groups)), 0.0) * groups)) if d > 0 else 0.0
    return cfi, tli, rmsea


def least_squares_fit(residuals: Callable[[np.ndarray], np.ndarray], jacobian: Callable[[np.ndarray], np.ndarray],
                      start: np.ndarray) -> Any:
    """Minimise ‖residuals(θ)‖² by Levenberg–Marquardt to the last digits (the DWLS fit).

    Parameters
    ----------
    residuals : callable
        θ ↦ √(n_g − 1) √W_g (σ_g(θ) − s_g), the groups stacked.
    jacobian : callable
        θ ↦ its Jacobian.
    start : numpy.ndarray
        Starting values.

    Returns
    -------
    scipy.optimize.OptimizeResult
        ``x`` the estimates, ``success``, ``nfev``.

    References
    ----------
    Moré, J. J. (1978). The Levenberg–Marquardt algorithm: implementation and theory. In
    G. A. Watson (Ed.), Numerical Analysis (pp. 105–116). Springer.

    Examples
    --------
    lavaan minimises the same function with R's ``nlminb``; a straight line through (1, 2), (2, 4):

    >>> x, y = np.array([1.0, 2.0]), np.array([2.0, 4.0])
    >>> opt = least_squares_fit(lambda t: t[0] * x - y, lambda t: x[:, None], np.zeros(1))
    >>> round(float(opt.x[0]), 12)
    2.0
    """
    from scipy.optimize import least_squares  # on use: the engine's import stays light

    return least_squares(residuals, start, jac=jacobian, method="lm", xtol=1e-14, ftol=1e-14, gtol=1e-14,
                         max_nfev=10000)


def standardized(op: str, i: int, j: int, est: float, sd: np.ndarray, psi: np.ndarray,
                 latent: np.ndarray) -> tuple[float, float]:
    """std.lv and std.all of one parameter (lavaan's ``standardizedSolution``, ``cov.std = TRUE``).

    Parameters
    ----------
    op : str
        The operator: ``=~``, ``~``, ``~~``, ``~1``, ``|`` or ``~*~``.
    i, j : int
        Indices of lhs and rhs among the model's variables (``j`` unused for ``~1``, ``|``
        and ``~*~``).
    est : float
        The estimate.
    sd : numpy.ndarray
        Model-implied SDs of all variables (a latent response: 1/δ).
    psi : numpy.ndarray
        Variance parameters of all variables (an ordered item: its residual variance).
    latent : numpy.ndarray of bool
        Which variables are latent.

    Returns
    -------
    tuple of float
        (std.lv, std.all).

    References
    ----------
    Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. Journal of
    Statistical Software, 48(2), 1–36 (``standardizedSolution``).

    Examples
    --------
    A residual covariance of .2 between items with residual variances .4 and .5, as R's
    ``standardizedSolution(fit)`` gives it (the residual correlation):

    >>> sd, psi = np.ones(2), np.array([0.4, 0.5])
    >>> std_lv, std_all = standardized("~~", 0, 1, 0.2, sd, psi, np.zeros(2, dtype=bool))
    >>> std_lv, round(std_all, 6)
    (0.2, 0.447214)
    """
    sd_lv = np.where(latent, sd, 1.0)
    if op == "=~":
        std_lv, std_all = est * sd_lv[i] / sd_lv[j], est * sd[i] / sd[j]
    elif op == "~":
        std_lv, std_all = est * sd_lv[j] / sd_lv[i], est * sd[j] / sd[i]
    elif op in ("~1", "|"):
        std_lv, std_all = est / sd_lv[i], (est / sd[i] if sd[i] > 0 else np.nan)
    elif op == "~*~":
        std_lv, std_all = est, 1.0
    elif i == j:
        std_lv, std_all = est / sd_lv[i] ** 2, (est / sd[i] ** 2 if sd[i] > 0 else np.nan)
    else:
        scale = np.sqrt(abs(psi[i] * psi[j]))
        std_all = est / scale if scale > 0 else np.nan
        std_lv = std_all if latent[i] and latent[j] else est
    return float(std_lv), float(std_all)


def parameter_frame(records: list[dict], columns: Sequence[str] = COLUMNS) -> pd.DataFrame:
    """lavaan's ``parameterEstimates`` from rows with est and se: z, p-value and the 95% interval.

    Parameters
    ----------
    records : list of dict
        One dict a parameter with at least est and se (0 for a fixed one: z and p NaN).
    columns : sequence of str
        The columns, in order.

    Returns
    -------
    pandas.DataFrame
        The rows with z, pvalue, ci.lower and ci.upper.

    References
    ----------
    Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. Journal of
    Statistical Software, 48(2), 1–36 (``parameterEstimates``).

    Examples
    --------
    As the z column of R's ``parameterEstimates(fit)``:

    >>> frame = parameter_frame([{"est": 0.5, "se": 0.25}, {"est": 1.0, "se": 0.0}], ["est", "se", "z"])
    >>> frame["z"].tolist()[0], bool(np.isnan(frame["z"].tolist()[1]))
    (2.0, True)
    """
    out = pd.DataFrame(records)
    err = out["se"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(err > 0, out["est"].to_numpy() / err, np.nan)
    out["z"] = z
    out["pvalue"] = 2 * special.ndtr(-np.abs(z))
    q = special.ndtri(0.975)
    out["ci.lower"] = out["est"] - q * out["se"]
    out["ci.upper"] = out["est"] + q * out["se"]
    return out[list(columns)]


@dataclass(frozen=True)
class OrdinalSemResults(FittedModel):
    """A CFA/SEM of ordered (and continuous) items fitted by DWLS (lavaan's ``estimator = "WLSMV"`` / ``"DWLS"``).

    Parameters
    ----------
    model : str
        The model syntax.
    estimator : str
        "WLSMV", "DWLS", "ULSMV" or "ULS".
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
    _vcov : numpy.ndarray or BlockMatrix
        Internal: covariance matrix of the free parameters (lavaan's order of ``free``); of
        several groups, zero between the parts of the model that share no parameter.
    _implied : numpy.ndarray
        Internal: the implied covariance matrix of the latent responses and continuous items
        (one per group: groups × items × items with several groups).
    _moments : Moments, optional
        Internal: per group Δ, W, Γ and N of a multi-group fit, for the scaled χ² difference
        test (:func:`.wls_groups.scaled_shifted_difference`).
    _modindices : callable, optional
        Internal: computes the modification indices of a one-group fit
        (:func:`.modindices.least_squares_indices`).

    References
    ----------
    Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. Journal of
    Statistical Software, 48(2), 1–36.

    Examples
    --------
    As ``lavInspect(fit, "nobs")`` and ``fitted(fit)$cov`` in R (a unit diagonal):

    >>> from servq.stats.sem.wls import fit_ordinal
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
    _vcov: np.ndarray | BlockMatrix = field(repr=False, compare=False)
    _implied: np.ndarray = field(repr=False, compare=False)
    _moments: Moments | None = field(default=None, repr=False, compare=False)
    _modindices: Callable[[], pd.DataFrame] | None = field(default=None, repr=False, compare=False)

    def implied_cov(self, group: int = 0) -> pd.DataFrame:
        """Model-implied covariance matrix of the latent responses and continuous items (``fitted(fit)$cov``)."""
        implied = self._implied if self._implied.ndim == 3 else self._implied[None]
        if not 0 <= group < len(implied):
            raise ValueError(f"group {group}: the model has groups 0 to {len(implied) - 1}")
        return pd.DataFrame(implied[group], index=list(self.ov_names), columns=list(self.ov_names))

    def vcov(self) -> np.ndarray:
        """Covariance matrix of the free parameters (robust for WLSMV)."""
        return np.array(self._vcov, dtype=float)

    def modindices(self, sort: bool = True, minimum_value: float = 0.0,
                   maximum_number: int | None = None) -> pd.DataFrame:
        """Modification indices as ``lavaan::modindices`` of a one-group fit (see
        :func:`~servq.stats.sem.modindices.least_squares_indices`; arguments as
        :meth:`SemResults.modindices`)."""
        if self._modindices is None:
            raise NotImplementedError(f"modindices() is not available for estimator={self.estimator!r} with several "
                                      "groups yet; fit one group at a time to screen modifications")
        from .modindices import arranged

        return arranged(self._modindices(), sort, minimum_value, maximum_number)

    def to_dict(self) -> dict:
        """JSON-able summary: fit measures, estimates, warnings."""
        return {
            "model": self.model, "estimator": self.estimator, "converged": bool(self.converged),
            "iterations": int(self.iterations), "groups": list(self.groups), "nobs": list(self.nobs),
            "ov_names": list(self.ov_names), "lv_names": list(self.lv_names),
            "fit": fit_record(self.fit),
            "estimates": frame_records(self.estimates), "warnings": list(self.warnings),
        }
