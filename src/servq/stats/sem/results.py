"""Result object of a fitted CFA/SEM."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .estimate import Optimum, Problem, implied
from .modindices import arranged, equality_score_tests, modification_indices


def _clean(value: Any) -> Any:
    """JSON-able: NaN/inf -> None, NumPy scalars -> Python."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if np.isfinite(value) else None
    return value


def fit_record(fit: dict) -> dict:
    """Fit measures as JSON-able values: NaN and infinities as None, NumPy scalars as Python.

    Parameters
    ----------
    fit : dict
        Fit measures by lavaan's names.

    Returns
    -------
    dict
        The same keys with plain values.

    References
    ----------
    Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. Journal of
    Statistical Software, 48(2), 1–36 (``fitMeasures``).

    Examples
    --------
    As ``as.list(fitMeasures(fit))`` in R, where a missing measure is NA:

    >>> fit_record({"chisq": np.float64(85.3), "df": np.int64(24), "rmsea.pvalue": np.nan})
    {'chisq': 85.3, 'df': 24, 'rmsea.pvalue': None}
    """
    return {k: _clean(v) for k, v in fit.items()}


def frame_records(frame: pd.DataFrame) -> list[dict]:
    """A data frame as JSON-able records: one dict per row, NaN as None, NumPy scalars as Python.

    Parameters
    ----------
    frame : pandas.DataFrame
        Any data frame (a parameter table, a comparison table).

    Returns
    -------
    list of dict
        One dict per row, keyed by column.

    References
    ----------
    Bray, T. (Ed.) (2017). The JavaScript Object Notation (JSON) Data Interchange Format.
    RFC 8259, IETF (no NaN in JSON, hence None).

    Examples
    --------
    As R's ``jsonlite::toJSON(df, na = "null")`` writes NA as null:

    >>> frame_records(pd.DataFrame({"est": [1.5, np.nan], "free": [True, False]}))
    [{'est': 1.5, 'free': True}, {'est': None, 'free': False}]
    """
    return [{k: _clean(v) for k, v in rec.items()} for rec in frame.to_dict(orient="records")]


def in_group(labels: tuple[str, ...], g: int) -> str:
    """" of group 'label'" for group ``g`` (from 0) of a fit with several groups, else nothing:
    where a note of one group's problem names it.

    Parameters
    ----------
    labels : tuple of str
        The fit's group labels.
    g : int
        The group, numbered from 0.

    Returns
    -------
    str
        The words to append to a note.

    References
    ----------
    Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. Journal of
    Statistical Software, 48(2), 1–36 (its warnings name the group likewise).

    Examples
    --------
    The second school of lavaan's HolzingerSwineford1939, and a fit of one group:

    >>> in_group(("Pasteur", "Grant-White"), 1), in_group(("1",), 0)
    (" of group 'Grant-White'", '')
    """
    return f" of group {labels[g]!r}" if len(labels) > 1 else ""


def negative_variances(frame: pd.DataFrame, lv_names, labels: tuple[str, ...]) -> list[str]:
    """Heywood cases: the variance rows (``v ~~ v``) of a parameter table estimated below 0.

    Parameters
    ----------
    frame : pandas.DataFrame
        lavaan's ``parameterEstimates`` (lhs, op, rhs, group numbered from 1, est).
    lv_names : sequence of str
        The latent variables (a latent variance is reported as such, any other as residual).
    labels : tuple of str
        Group labels (named in the message with several groups).

    Returns
    -------
    list of str
        One message per negative variance (a variance held at 0, as by ``v > 0``, is none).

    References
    ----------
    Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. Journal of
    Statistical Software, 48(2), 1–36 (``lav_object_post_check``: "some estimated lv / ov
    variances are negative").

    Examples
    --------
    A negative latent variance, where lavaan warns "some estimated lv variances are negative":

    >>> frame = pd.DataFrame({"lhs": ["f", "x1"], "op": ["~~", "~~"], "rhs": ["f", "x1"], "group": [1, 1],
    ...                       "est": [-0.03, 0.4]})
    >>> negative_variances(frame, ["f"], ("1",))
    ['Heywood case: negative latent variance f ~~ f = -0.03']
    """
    neg = frame[(frame.op == "~~") & (frame.lhs == frame.rhs) & (frame.est < -1e-10)]
    notes = []
    for _, r in neg.iterrows():
        kind = "latent" if r.lhs in lv_names else "residual"
        notes.append(f"Heywood case: negative {kind} variance {r.lhs} ~~ {r.rhs} = {r.est:.4g}"
                     f"{in_group(labels, int(r.group) - 1)}")
    return notes


class FittedModel:
    """What every fitted model offers from its ``estimates`` table and ``fit`` measures
    (:class:`SemResults`, :class:`~servq.stats.sem.dwls.OrdinalSemResults`): lavaan's
    ``fitMeasures()``, ``parameterEstimates()`` and ``standardizedSolution()``.

    References
    ----------
    Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. Journal of
    Statistical Software, 48(2), 1–36.

    Examples
    --------
    As ``standardizedSolution(cfa("f =~ a + b + c", d))`` in R, whatever the estimator:

    >>> rng = np.random.default_rng(3)
    >>> z = rng.normal(size=(300, 1)) + rng.normal(size=(300, 3))
    >>> from servq.stats.sem import cfa
    >>> fit = cfa("f =~ a + b + c", pd.DataFrame(z, columns=list("abc")))
    >>> isinstance(fit, FittedModel), fit.standardized_solution().columns.tolist()
    (True, ['lhs', 'op', 'rhs', 'group', 'est', 'std.lv', 'std.all'])
    """

    estimates: pd.DataFrame
    fit: dict[str, float]

    def fit_measures(self) -> dict[str, float]:
        """lavaan's ``fitMeasures()`` by lavaan's names (see the class of the fit for which)."""
        return dict(self.fit)

    def to_frame(self) -> pd.DataFrame:
        """The parameter table (a copy)."""
        return self.estimates.copy()

    def standardized_solution(self) -> pd.DataFrame:
        """lhs, op, rhs, group and the ``std.lv`` and ``std.all`` estimates."""
        return self.estimates[["lhs", "op", "rhs", "group", "est", "std.lv", "std.all"]].copy()


@dataclass(frozen=True)
class SemResults(FittedModel):
    """A CFA/SEM fitted by ML (as a lavaan object).

    Parameters
    ----------
    model : str
        The model syntax.
    estimates : pandas.DataFrame
        The parameter table.
    fit : dict of str to float
        lavaan's ``fitMeasures()``: chisq, df, pvalue, baseline.chisq, baseline.df,
        baseline.pvalue, cfi, tli, rmsea, rmsea.ci.lower, rmsea.ci.upper, rmsea.pvalue, srmr,
        logl, unrestricted.logl, aic, bic, bic2, npar, ntotal; with ``estimator="MLR"`` also
        chisq.scaled, df.scaled, pvalue.scaled, chisq.scaling.factor, baseline.chisq.scaled,
        baseline.df.scaled, baseline.pvalue.scaled, baseline.chisq.scaling.factor, cfi.scaled,
        tli.scaled, rmsea.scaled and (complete data) cfi.robust, tli.robust, rmsea.robust.
    converged : bool
        Whether the optimizer converged.
    iterations : int
        Iterations used.
    groups : tuple of str
        Group labels.
    nobs : tuple of int
        N per group.
    ov_names, lv_names : tuple of str
        Observed and latent variables.
    warnings : tuple of str
        Messages of the warnings issued while fitting.
    estimator : str
        "ML" or "MLR".
    missing : str
        "listwise" or "fiml".
    _problem : Problem
        Internal: the fitting problem (for :meth:`implied_cov` and :meth:`modindices`).
    _optimum : Optimum
        Internal: the optimum reached.
    _vcov : ndarray
        Internal: the covariance matrix of the free parameters (for :meth:`vcov`).

    Attributes
    ----------
    model : the model syntax; estimates : parameter table (lavaan's ``parameterEstimates``
    with ``standardized = TRUE``: lhs, op, rhs, group, label, est, se, z, pvalue, ci.lower,
    ci.upper, std.lv, std.all; fixed rows have se 0; ``:=`` defined parameters last, with
    group 0); fit : fit measures keyed by lavaan's names;
    converged, iterations; groups : group labels; nobs : N per group; ov_names, lv_names;
    warnings : the :class:`SemWarning` messages issued while fitting.

    References
    ----------
    Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. Journal of
    Statistical Software, 48(2), 1–36.

    Examples
    --------
    A one-factor model of four indicators, as ``summary(fit)`` and
    ``modindices(fit, sort = TRUE, maximum.number = 1)`` for
    ``fit <- cfa("f =~ a + b + c + d", sample.cov = S, sample.nobs = 100)`` in R:

    >>> from servq.stats.sem import cfa
    >>> s = pd.DataFrame([[1.0, .5, .4, .3], [.5, 1.2, .6, .35], [.4, .6, .9, .45], [.3, .35, .45, 1.1]],
    ...                  index=list("abcd"), columns=list("abcd"))
    >>> fit = cfa("f =~ a + b + c + d", sample_cov=s, sample_nobs=100)
    >>> fit.converged, fit.nobs, fit.lv_names, round(fit.fit_measures()["chisq"], 3)
    (True, (100,), ('f',), 2.997)
    >>> fit.modindices(maximum_number=1)[["lhs", "op", "rhs", "mi"]].round(3).values.tolist()
    [['c', '~~', 'd', 2.444]]
    """

    model: str
    estimates: pd.DataFrame = field(repr=False)
    fit: dict[str, float] = field(repr=False)
    converged: bool
    iterations: int
    groups: tuple[str, ...]
    nobs: tuple[int, ...]
    ov_names: tuple[str, ...]
    lv_names: tuple[str, ...]
    warnings: tuple[str, ...]
    estimator: str
    missing: str
    _problem: Problem = field(repr=False, compare=False)
    _optimum: Optimum = field(repr=False, compare=False)
    _vcov: np.ndarray = field(repr=False, compare=False)

    def implied_cov(self, group: int = 0) -> pd.DataFrame:
        """Model-implied covariance matrix of the observed variables (0-based group)."""
        imp = implied(self._problem.model, self._optimum.theta, group)
        return pd.DataFrame(imp.sigma, index=list(self.ov_names), columns=list(self.ov_names))

    def vcov(self) -> np.ndarray:
        """Covariance matrix of the free parameters (expected information for ML with complete
        data, observed information with FIML, Huber–White sandwich with MLR; N not N − 1)."""
        return self._vcov.copy()

    def modindices(self, sort: bool = True, minimum_value: float = 0.0,
                   maximum_number: int | None = None) -> pd.DataFrame:
        """Modification indices as ``lavaan::modindices``: lhs, op, rhs, group, mi, epc,
        sepc.lv, sepc.all for the fixed-to-zero (or fixed) parameters.

        ``sort`` orders by decreasing mi (stable, as R's ``order``); rows with mi not above
        ``minimum_value`` are dropped when it is positive; ``maximum_number`` keeps the first rows.
        """
        return arranged(modification_indices(self._problem, self._optimum.theta, self.groups), sort, minimum_value,
                        maximum_number)

    def score_tests(self, per_parameter: bool = False) -> pd.DataFrame:
        """Score tests of the ``group_equal`` constraints, as ``lavTestScore(fit)$uni``.

        One row per constraint (X2, df = 1, p.value), or with ``per_parameter`` one row per
        constrained parameter released in every group (df = groups − 1); see
        :func:`~servq.stats.sem.modindices.equality_score_tests`. ML with complete data and
        no ``==`` constraints only (a :class:`ValueError` otherwise).
        """
        if self.estimator != "ML" or self.missing != "listwise" or self._problem.model.constraints.rank:
            raise ValueError("score tests of group_equal constraints need estimator='ML', missing='listwise' "
                             "and no == constraints in the model; compare nested fits with chisq and df instead")
        uni, joint = equality_score_tests(self._problem, self._optimum.theta, self.groups)
        return joint if per_parameter else uni

    def to_dict(self) -> dict:
        """JSON-able summary: fit measures, estimates, warnings."""
        return {
            "model": self.model,
            "estimator": self.estimator,
            "missing": self.missing,
            "converged": bool(self.converged),
            "iterations": int(self.iterations),
            "groups": list(self.groups),
            "nobs": list(self.nobs),
            "ov_names": list(self.ov_names),
            "lv_names": list(self.lv_names),
            "fit": fit_record(self.fit),
            "estimates": frame_records(self.estimates),
            "warnings": list(self.warnings),
        }
