"""Convergent and discriminant validity of a measurement model.

From a fitted CFA's standardized solution (loadings λ, factor correlations Φ, residual
variances θ) and the item correlation matrix:

- composite reliability per factor (Jöreskog 1971; Fornell & Larcker 1981):
  CR_f = (Σ_i λ_if)² / ((Σ_i λ_if)² + Σ_i θ_i)
- average variance extracted (Fornell & Larcker 1981): AVE_f = Σ_i λ_if² / (Σ_i λ_if² + Σ_i θ_i)
  (sums over the items loading on f; θ_i = 1 − λ_iᵀΦλ_i when not given, which is lavaan's
  ``std.all`` residual variance; with one loading per item, AVE is the mean squared loading)
- the Fornell–Larcker table: √AVE on the diagonal, factor correlations off it; a factor
  fails when √AVE is below its absolute correlation with another factor
- HTMT (Henseler, Ringle & Sarstedt 2015): mean absolute between-block item correlation over
  the geometric mean of the two mean within-block correlations; HTMT2 (Roemer, Schuberth &
  Henseler 2021) uses geometric means of the absolute correlations throughout. As in
  ``semTools::htmt``, an item is never paired with itself: an item shared by two blocks (a
  cross-loading) adds its correlations with the other items, not its 1 with itself.

Usual thresholds, stated in every result: CR < .70, AVE < .50, HTMT ≥ .85 (strict) or
≥ .90 (liberal) flag a problem. Reference values: ``tests/golden/reliability.R``
(``semTools::htmt``, and CR / AVE by hand from ``lavaan::standardizedSolution``).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import cast

import numpy as np
import pandas as pd

THRESHOLDS = {"cr": 0.70, "ave": 0.50, "htmt_strict": 0.85, "htmt_liberal": 0.90}


class ValidityError(ValueError):
    """Input that validity cannot be computed from; the message names what is wrong.

    A subclass of :class:`ValueError`.

    References
    ----------
    Fornell, C. & Larcker, D. F. (1981). Evaluating structural equation models with
    unobservable variables and measurement error. Journal of Marketing Research, 18(1),
    39–50.

    Examples
    --------
    Factor correlations must come from a standardized solution (in R,
    ``lavInspect(fit, "std")$psi`` has a unit diagonal):

    >>> try:
    ...     validity(np.array([[0.8], [0.7]]), np.array([[2.0]]))
    ... except ValidityError as err:
    ...     print(err)
    factor_correlations must have 1 on the diagonal (a standardized solution)
    """


@dataclass(frozen=True)
class ValidityResult:
    """CR, AVE, Fornell–Larcker and HTMT for the factors of one measurement model.

    ``cr`` and ``ave`` are Series indexed by factor; ``fornell_larcker``, ``htmt`` and
    ``htmt2`` are factor × factor DataFrames (``htmt``/``htmt2`` are None without an item
    correlation matrix). ``thresholds`` gives the cut-offs used for the flags.

    Parameters
    ----------
    factors : tuple of str
        Factor names.
    cr, ave : pandas.Series
        Composite reliability and AVE by factor.
    factor_correlations : pandas.DataFrame
        Factor correlation matrix Φ.
    fornell_larcker : pandas.DataFrame
        √AVE on the diagonal, correlations elsewhere.
    htmt, htmt2 : pandas.DataFrame or None
        HTMT and HTMT2 matrices (None without item correlations).
    thresholds : dict
        Cut-offs (keys ``cr``, ``ave``, ``htmt_strict``, ``htmt_liberal``).
    statistic : {"htmt", "htmt2"}
        Which ratio the HTMT flags use.

    References
    ----------
    Fornell, C. & Larcker, D. F. (1981). Evaluating structural equation models with
    unobservable variables and measurement error. Journal of Marketing Research, 18(1),
    39–50. Henseler, J., Ringle, C. M. & Sarstedt, M. (2015). A new criterion for assessing
    discriminant validity in variance-based structural equation modeling. Journal of the
    Academy of Marketing Science, 43(1), 115–135.

    Examples
    --------
    Two factors correlating .9 do not separate; for these congeneric blocks HTMT2 recovers
    the correlation exactly (R: ``semTools::htmt(model, sample.cov = R, htmt2 = TRUE)``):

    >>> lam = pd.DataFrame({"f": [0.8, 0.7, 0.6, 0, 0, 0], "g": [0, 0, 0, 0.9, 0.8, 0.7]},
    ...                    index=["a", "b", "c", "d", "e", "h"])
    >>> phi = pd.DataFrame([[1, 0.9], [0.9, 1]], index=["f", "g"], columns=["f", "g"])
    >>> r = lam.to_numpy() @ phi.to_numpy() @ lam.to_numpy().T
    >>> np.fill_diagonal(r, 1)
    >>> v = validity(lam, phi, cor=r)
    >>> v.pairs()[["htmt", "htmt2"]].round(4).values.tolist(), v.not_separated()
    ([[0.9054, 0.9]], [('f', 'g')])
    """

    factors: tuple[str, ...]
    cr: pd.Series
    ave: pd.Series
    factor_correlations: pd.DataFrame
    fornell_larcker: pd.DataFrame
    htmt: pd.DataFrame | None = None
    htmt2: pd.DataFrame | None = None
    thresholds: dict = field(default_factory=lambda: dict(THRESHOLDS))
    statistic: str = "htmt"

    def to_frame(self) -> pd.DataFrame:
        """One row per factor: cr, ave, sqrt_ave, the largest absolute correlation with
        another factor, and the flags ``cr_low`` (CR < thresholds["cr"]), ``ave_low``
        (AVE < thresholds["ave"]) and ``fornell_larcker_fails`` (√AVE below that correlation)."""
        phi = self.factor_correlations.abs().to_numpy(copy=True)
        np.fill_diagonal(phi, np.nan)
        max_r = np.nanmax(phi, axis=1) if len(self.factors) > 1 else np.full(1, np.nan)
        sqrt_ave = np.sqrt(self.ave.to_numpy())
        return pd.DataFrame({
            "cr": self.cr.to_numpy(), "ave": self.ave.to_numpy(), "sqrt_ave": sqrt_ave,
            "max_abs_correlation": max_r,
            "cr_low": self.cr.to_numpy() < self.thresholds["cr"],
            "ave_low": self.ave.to_numpy() < self.thresholds["ave"],
            "fornell_larcker_fails": sqrt_ave < max_r,
        }, index=pd.Index(self.factors, name="factor"))

    def pairs(self) -> pd.DataFrame:
        """One row per pair of factors: their correlation, HTMT, HTMT2, whether √AVE of
        either is below |correlation| (Fornell–Larcker), and whether HTMT (or HTMT2, as
        ``statistic`` says) reaches the strict and liberal thresholds."""
        rows = []
        fl = self.fornell_larcker
        for a_i, a in enumerate(self.factors):
            for b in self.factors[a_i + 1:]:
                r = float(cast(float, self.factor_correlations.at[a, b]))
                h = _at(self.htmt, a, b)
                h2 = _at(self.htmt2, a, b)
                stat = h if self.statistic == "htmt" else h2
                rows.append({
                    "factor_a": a, "factor_b": b, "correlation": r, "htmt": h, "htmt2": h2,
                    "fornell_larcker_fails": bool(min(cast(float, fl.at[a, a]), cast(float, fl.at[b, b])) < abs(r)),
                    "htmt_strict": bool(stat >= self.thresholds["htmt_strict"]),
                    "htmt_liberal": bool(stat >= self.thresholds["htmt_liberal"]),
                })
        return pd.DataFrame(rows, columns=["factor_a", "factor_b", "correlation", "htmt", "htmt2",
                                           "fornell_larcker_fails", "htmt_strict", "htmt_liberal"])

    def not_separated(self, threshold: str = "strict") -> list[tuple[str, str]]:
        """Pairs of factors that do not separate: HTMT (or HTMT2) at or above the
        ``"strict"`` (.85) or ``"liberal"`` (.90) threshold, or a Fornell–Larcker failure."""
        if threshold not in ("strict", "liberal"):
            raise ValidityError(f"threshold must be 'strict' or 'liberal', got {threshold!r}")
        p = self.pairs()
        bad = p["fornell_larcker_fails"] | p[f"htmt_{threshold}"]
        return [(str(a), str(b)) for a, b in zip(p.loc[bad, "factor_a"], p.loc[bad, "factor_b"])]

    def to_dict(self) -> dict:
        """JSON-able dict: thresholds, per-factor figures and flags, the matrices, the pairs
        and the pairs that do not separate (strict and liberal) with their reasons."""
        pairs = self.pairs()
        out = {
            "thresholds": dict(self.thresholds),
            "statistic": self.statistic,
            "factors": {f: {k: _plain(v) for k, v in row.items()}
                        for f, row in self.to_frame().to_dict("index").items()},
            "fornell_larcker": _matrix_dict(self.fornell_larcker),
            "htmt": None if self.htmt is None else _matrix_dict(self.htmt),
            "htmt2": None if self.htmt2 is None else _matrix_dict(self.htmt2),
            "pairs": [{k: _plain(v) for k, v in row.items()} for row in pairs.to_dict("records")],
        }
        for level in ("strict", "liberal"):
            out[f"not_separated_{level}"] = [
                {"factors": [str(r["factor_a"]), str(r["factor_b"])],
                 "reasons": [why for why, hit in (("fornell_larcker", r["fornell_larcker_fails"]),
                                                  (self.statistic, r[f"htmt_{level}"])) if hit]}
                for r in pairs.to_dict("records") if r["fornell_larcker_fails"] or r[f"htmt_{level}"]]
        return out


def validity(loadings, factor_correlations, residual_variances=None, *, cor=None,
             items: Sequence[Hashable] | None = None, factors: Sequence[Hashable] | None = None,
             statistic: str = "htmt", thresholds: Mapping[str, float] | None = None) -> ValidityResult:
    """Composite reliability, AVE, Fornell–Larcker and HTMT/HTMT2 of a measurement model.

    Parameters
    ----------
    loadings : (items, factors) DataFrame or array
        Standardized loadings (lavaan ``std.all``), 0 where an item does not load.
    factor_correlations : (factors, factors) DataFrame or array
        Standardized factor covariances, i.e. correlations (``lavInspect(fit, "std")$psi``).
    residual_variances : (items,) array or Series, optional
        Standardized residual variances; default 1 − λᵢᵀΦλᵢ (lavaan's ``std.all`` value
        when the model has no residual covariances).
    cor : (items, items) DataFrame or array, optional
        Item correlation (or covariance) matrix, in the order of ``loadings``' rows when an
        array; gives HTMT and HTMT2 with the items grouped by their non-zero loadings (an
        item that loads on two factors is in both groups, never paired with itself).
    items, factors : names, optional
        Names when ``loadings`` is an array (default ``x1`` …, ``f1`` …).
    statistic : {"htmt", "htmt2"}
        Which ratio the HTMT flags and :meth:`ValidityResult.not_separated` use.
    thresholds : mapping, optional
        Overrides of :data:`THRESHOLDS` (keys ``cr``, ``ave``, ``htmt_strict``, ``htmt_liberal``).

    Returns
    -------
    ValidityResult
        CR, AVE, the Fornell–Larcker table and, with ``cor``, HTMT and HTMT2.

    Raises
    ------
    ValidityError
        For an unknown ``statistic`` or threshold, loadings that are not a finite 2-D table
        or a factor without loadings, factor correlations that are not a finite symmetric
        matrix with unit diagonal, residual variances or an item correlation matrix that do
        not match the items.

    References
    ----------
    Fornell, C. & Larcker, D. F. (1981). Evaluating structural equation models with
    unobservable variables and measurement error. Journal of Marketing Research, 18(1),
    39–50. Jöreskog, K. G. (1971). Statistical analysis of sets of congeneric tests.
    Psychometrika, 36(2), 109–133. Henseler, J., Ringle, C. M. & Sarstedt, M. (2015). A new
    criterion for assessing discriminant validity in variance-based structural equation
    modeling. Journal of the Academy of Marketing Science, 43(1), 115–135. Roemer, E.,
    Schuberth, F. & Henseler, J. (2021). HTMT2 – an improved criterion for assessing
    discriminant validity in structural equation modeling. Industrial Management & Data
    Systems, 121(12), 2637–2650.

    Examples
    --------
    >>> lam = pd.DataFrame({"f": [0.8, 0.7, 0.6, 0, 0, 0], "g": [0, 0, 0, 0.9, 0.8, 0.7]},
    ...                    index=["a", "b", "c", "d", "e", "h"])
    >>> phi = pd.DataFrame([[1, 0.6], [0.6, 1]], index=["f", "g"], columns=["f", "g"])
    >>> v = validity(lam, phi)
    >>> v.cr.round(4).tolist(), v.ave.round(4).tolist()
    ([0.7449, 0.8446], [0.4967, 0.6467])
    >>> v.to_frame()[["ave_low", "fornell_larcker_fails"]].values.tolist()
    [[True, False], [False, False]]

    In R, by hand from a standardized solution: ``sum(l)^2 / (sum(l)^2 + sum(1 - l^2))`` with
    ``l <- c(.8, .7, .6)`` gives 0.7449, and ``mean(l^2)`` gives 0.4967.
    """
    if statistic not in ("htmt", "htmt2"):
        raise ValidityError(f"statistic must be 'htmt' or 'htmt2', got {statistic!r}")
    lam = _loadings(loadings, items, factors)
    phi = _factor_correlations(factor_correlations, list(lam.columns))
    theta = _residuals(lam, phi, residual_variances)
    cr = composite_reliability(lam, theta)
    ave = average_variance_extracted(lam, theta)
    h = h2 = None
    if cor is not None:
        r = _item_matrix(cor, list(lam.index))
        groups: dict[Hashable, list[Hashable]] = {f: list(lam.index[lam[f].to_numpy() != 0]) for f in lam.columns}
        h, h2 = htmt(r, groups), htmt2(r, groups)
    limits = dict(THRESHOLDS)
    if thresholds:
        unknown = sorted(set(thresholds) - set(THRESHOLDS))
        if unknown:
            raise ValidityError(f"unknown thresholds: {', '.join(unknown)}")
        limits.update({k: float(v) for k, v in thresholds.items()})
    return ValidityResult(factors=tuple(str(f) for f in lam.columns), cr=cr, ave=ave,
                          factor_correlations=phi, fornell_larcker=fornell_larcker(ave, phi),
                          htmt=h, htmt2=h2, thresholds=limits, statistic=statistic)


def composite_reliability(loadings: pd.DataFrame, residual_variances: pd.Series) -> pd.Series:
    """CR_f = (Σλ)² / ((Σλ)² + Σθ) over the items loading on each factor.

    Same as computing by hand from ``lavaan::standardizedSolution(fit)`` (std.all loadings
    and residual variances); see ``tests/golden/reliability.R``.

    Parameters
    ----------
    loadings : pandas.DataFrame
        Items × factors standardized loadings, 0 where an item does not load.
    residual_variances : pandas.Series
        Standardized residual variance of each item, in the order of the rows.

    Returns
    -------
    pandas.Series
        CR by factor (named ``cr``).

    References
    ----------
    Jöreskog, K. G. (1971). Statistical analysis of sets of congeneric tests. Psychometrika,
    36(2), 109–133. Fornell, C. & Larcker, D. F. (1981). Evaluating structural equation
    models with unobservable variables and measurement error. Journal of Marketing Research,
    18(1), 39–50.

    Examples
    --------
    >>> lam = pd.DataFrame({"f": [0.8, 0.7, 0.6]}, index=["a", "b", "c"])
    >>> theta = 1 - lam["f"] ** 2
    >>> round(float(composite_reliability(lam, theta)["f"]), 4)  # R: sum(l)^2 / (sum(l)^2 + sum(1 - l^2))
    0.7449
    """
    out = {}
    for f in loadings.columns:
        on = loadings[f].to_numpy() != 0
        s = loadings[f].to_numpy()[on].sum() ** 2
        out[f] = s / (s + residual_variances.to_numpy()[on].sum())
    return pd.Series(out, name="cr", dtype=np.float64)


def average_variance_extracted(loadings: pd.DataFrame, residual_variances: pd.Series) -> pd.Series:
    """AVE_f = Σλ² / (Σλ² + Σθ) over the items loading on each factor (Fornell & Larcker 1981).

    With one loading per item and θ = 1 − λ² this is the mean squared standardized loading.

    Parameters
    ----------
    loadings : pandas.DataFrame
        Items × factors standardized loadings, 0 where an item does not load.
    residual_variances : pandas.Series
        Standardized residual variance of each item, in the order of the rows.

    Returns
    -------
    pandas.Series
        AVE by factor (named ``ave``).

    References
    ----------
    Fornell, C. & Larcker, D. F. (1981). Evaluating structural equation models with
    unobservable variables and measurement error. Journal of Marketing Research, 18(1),
    39–50.

    Examples
    --------
    >>> lam = pd.DataFrame({"f": [0.8, 0.7, 0.6]}, index=["a", "b", "c"])
    >>> round(float(average_variance_extracted(lam, 1 - lam["f"] ** 2)["f"]), 4)  # R: mean(l^2)
    0.4967
    """
    out = {}
    for f in loadings.columns:
        on = loadings[f].to_numpy() != 0
        s = np.sum(loadings[f].to_numpy()[on] ** 2)
        out[f] = s / (s + residual_variances.to_numpy()[on].sum())
    return pd.Series(out, name="ave", dtype=np.float64)


def fornell_larcker(ave: pd.Series, factor_correlations: pd.DataFrame) -> pd.DataFrame:
    """The Fornell–Larcker table: √AVE on the diagonal, factor correlations elsewhere.

    Parameters
    ----------
    ave : pandas.Series
        AVE by factor.
    factor_correlations : pandas.DataFrame
        Factor correlation matrix, labelled by factor.

    Returns
    -------
    pandas.DataFrame
        Factors × factors; a factor fails when its √AVE is below an absolute correlation in
        its row.

    References
    ----------
    Fornell, C. & Larcker, D. F. (1981). Evaluating structural equation models with
    unobservable variables and measurement error. Journal of Marketing Research, 18(1),
    39–50.

    Examples
    --------
    √.4967 = .7048 is below the correlation .9 (in R: ``sqrt(ave)`` against
    ``lavInspect(fit, "std")$psi``):

    >>> phi = pd.DataFrame([[1, 0.9], [0.9, 1]], index=["f", "g"], columns=["f", "g"])
    >>> fornell_larcker(pd.Series({"f": 0.4967, "g": 0.6467}), phi).round(4).values.tolist()
    [[0.7048, 0.9], [0.9, 0.8042]]
    """
    table = factor_correlations.astype(np.float64).copy()
    for f in table.index:
        table.at[f, f] = np.sqrt(ave[f])
    return table


def htmt(cor, groups=None, *, data=None, sample_cov=None, absolute: bool = True) -> pd.DataFrame:
    """Heterotrait–monotrait ratio of correlations (Henseler, Ringle & Sarstedt 2015).

    HTMT_ab = mean_{i∈a, j∈b, i≠j} r_ij / √(mean_{i≠i'∈a} r_ii' · mean_{j≠j'∈b} r_jj'), with
    absolute correlations when ``absolute`` (semTools' default). An item's correlation with
    itself never enters: an item in both blocks (a cross-loading) adds only its correlations
    with the other items, as ``semTools::htmt``. A covariance matrix is scaled to
    correlations first. Factors with one item get NaN.

    Three call forms:

    - ``htmt(cor, groups)``: an item correlation (or covariance) matrix and the items of
      each factor;
    - ``htmt(model, data)``: semTools' ``htmt(model, data)``, with lavaan model syntax
      whose ``=~`` lines give the factors and their items, and one row per respondent;
      the correlations are those of the respondents who answered every item of the model
      (listwise, as semTools' default ``missing = "listwise"`` and :func:`servq.cfa`);
    - ``htmt(model, sample_cov=cor)``: semTools' ``htmt(model, sample.cov = cor)``.

    Parameters
    ----------
    cor : DataFrame (labelled) or array, or str
        Item correlation (or covariance) matrix, or lavaan model syntax (only its ``=~``
        lines are read).
    groups : mapping factor -> its items, or DataFrame, optional
        The items of each factor (column positions when ``cor`` is an array); after a
        model, the data (as ``data``).
    data : DataFrame, optional
        With a model: one row per respondent, NaN = missing; other columns are ignored.
    sample_cov : DataFrame, optional
        With a model: the item correlation or covariance matrix, labelled by item.
    absolute : bool
        Average absolute correlations (semTools' ``absolute = TRUE``).

    Returns
    -------
    pandas.DataFrame
        Factors × factors, 1 on the diagonal.

    Raises
    ------
    ValidityError
        When ``groups`` is empty or names items not in ``cor``, a group is empty, ``cor``
        is not a finite square matrix with a positive diagonal, a model has no ``=~`` line
        or is given without exactly one of data and ``sample_cov``, or the data lack an
        item of the model, have a non-numeric item or fewer than 2 complete rows.
    ModelSyntaxError
        When a model is not valid lavaan syntax.

    References
    ----------
    Henseler, J., Ringle, C. M. & Sarstedt, M. (2015). A new criterion for assessing
    discriminant validity in variance-based structural equation modeling. Journal of the
    Academy of Marketing Science, 43(1), 115–135.

    Examples
    --------
    >>> r = np.array([[1, .6, .3, .2], [.6, 1, .25, .3], [.3, .25, 1, .5], [.2, .3, .5, 1]])
    >>> round(float(htmt(r, {"f": [0, 1], "g": [2, 3]}).loc["f", "g"]), 6)
    0.479257

    In R: ``semTools::htmt("f =~ a + b; g =~ c + d", sample.cov = R, htmt2 = FALSE)`` with
    ``R`` that matrix named a–d gives 0.4792572. With a model and data, as semTools:

    >>> x = pd.DataFrame({"a": [1, 2, 3, 4, 5, 3], "b": [2, 2, 4, 5, 4, 3],
    ...                   "c": [3, 1, 2, 5, 4, np.nan], "d": [2, 1, 3, 4, 5, 1]})
    >>> round(float(htmt("f =~ a + b; g =~ c + d", x).loc["f", "g"]), 6)
    0.933077

    In R: ``semTools::htmt("f =~ a + b; g =~ c + d", data = x, htmt2 = FALSE)`` gives
    0.9330772 (the row with ``c`` missing is left out).
    """
    r, members = _inputs(cor, groups, data, sample_cov)
    return _ratio(r, members, geometric=False, absolute=absolute)


def htmt2(cor, groups=None, *, data=None, sample_cov=None) -> pd.DataFrame:
    """HTMT2 (Roemer, Schuberth & Henseler 2021): HTMT with geometric means.

    HTMT with geometric instead of arithmetic means of the absolute correlations;
    consistent for congeneric (unequal-loading) blocks. An item is never paired with
    itself, as in :func:`htmt`.

    Same as ``semTools::htmt(model, data, htmt2 = TRUE)`` (semTools ≥ 0.5-6 default), and
    called in the same three forms as :func:`htmt`.

    Parameters
    ----------
    cor : DataFrame (labelled) or array, or str
        Item correlation (or covariance) matrix, or lavaan model syntax.
    groups : mapping factor -> its items, or DataFrame, optional
        The items of each factor; after a model, the data.
    data : DataFrame, optional
        With a model: one row per respondent (listwise-complete rows are used).
    sample_cov : DataFrame, optional
        With a model: the item correlation or covariance matrix, labelled by item.

    Returns
    -------
    pandas.DataFrame
        Factors × factors, 1 on the diagonal.

    Raises
    ------
    ValidityError
        As for :func:`htmt`.
    ModelSyntaxError
        When a model is not valid lavaan syntax.

    References
    ----------
    Roemer, E., Schuberth, F. & Henseler, J. (2021). HTMT2 – an improved criterion for
    assessing discriminant validity in structural equation modeling. Industrial Management
    & Data Systems, 121(12), 2637–2650.

    Examples
    --------
    >>> r = np.array([[1, .6, .3, .2], [.6, 1, .25, .3], [.3, .25, 1, .5], [.2, .3, .5, 1]])
    >>> round(float(htmt2(r, {"f": [0, 1], "g": [2, 3]}).loc["f", "g"]), 6)
    0.472871

    In R: ``semTools::htmt("f =~ a + b; g =~ c + d", sample.cov = R, htmt2 = TRUE)`` gives
    0.4728708.
    """
    r, members = _inputs(cor, groups, data, sample_cov)
    return _ratio(r, members, geometric=True, absolute=True)


def _inputs(cor, groups, data, sample_cov) -> tuple[object, Mapping]:
    """The correlation (or covariance) matrix and the groups of a call of :func:`htmt`: as
    given, or from a lavaan model's ``=~`` lines with data or a matrix."""
    if not isinstance(cor, str):
        if data is not None or sample_cov is not None:
            raise ValidityError("data and sample_cov go with a model string: htmt(model, data)")
        return cor, groups
    if groups is not None and data is not None:
        raise ValidityError("give the data once: htmt(model, data) or htmt(model, data=data)")
    data = groups if groups is not None else data
    if (data is None) == (sample_cov is None):
        raise ValidityError("a model needs data or sample_cov (one of them): htmt(model, data)")
    from .sem.syntax import parse

    members: dict[str, list[str]] = {}
    for f in parse(cor):
        if f.op == "=~" and f.rhs not in members.setdefault(f.lhs, []):
            members[f.lhs].append(f.rhs)
    if not members:
        raise ValidityError("the model has no '=~' line: HTMT needs factors measured by items")
    items = list(dict.fromkeys(i for block in members.values() for i in block))
    if sample_cov is not None:
        return sample_cov, members
    if not isinstance(data, pd.DataFrame):
        raise ValidityError(f"data must be a DataFrame with one row per respondent, not {type(data).__name__}")
    from .sem.core import stats_from_data

    try:
        stats, _ = stats_from_data(data, tuple(items), None)
    except ValueError as exc:  # a missing or non-numeric item, too few complete rows
        raise ValidityError(str(exc)) from None
    return pd.DataFrame(stats.cov[0], index=items, columns=items), members


def _ratio(cor, groups, *, geometric: bool, absolute: bool) -> pd.DataFrame:
    r, positions = _grouped(cor, groups)
    if absolute:
        r = np.abs(r)
    names = list(groups)
    k = len(names)

    def centre(values: np.ndarray) -> float:
        if values.size == 0:
            return float("nan")
        if geometric:
            with np.errstate(divide="ignore"):
                return float(np.exp(np.mean(np.log(values))))
        return float(np.mean(values))

    def block(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """The correlations of the items of a with those of b, an item never with itself
        (semTools sets the diagonal of R to NA before it averages)."""
        return r[np.ix_(a, b)][a[:, None] != b[None, :]]

    within = np.array([centre(block(p, p)) for p in positions])
    out = np.eye(k)
    for a in range(k):
        for b in range(a + 1, k):
            between = centre(block(positions[a], positions[b]))
            with np.errstate(invalid="ignore", divide="ignore"):
                out[a, b] = out[b, a] = between / np.sqrt(within[a] * within[b])
    return pd.DataFrame(out, index=names, columns=names)


def _grouped(cor, groups) -> tuple[np.ndarray, list[np.ndarray]]:
    """Correlation matrix (covariances scaled) and each group's row positions."""
    if not isinstance(groups, Mapping) or not groups:
        raise ValidityError("groups must map each factor to its items")
    labelled = isinstance(cor, pd.DataFrame)
    r = cor.to_numpy(dtype=np.float64) if labelled else np.asarray(cor, dtype=np.float64)
    if r.ndim != 2 or r.shape[0] != r.shape[1]:
        raise ValidityError(f"cor must be a square matrix, got shape {r.shape}")
    d = np.diag(r)
    if not np.all(np.isfinite(r)) or np.any(d <= 0):
        raise ValidityError("cor has missing entries or non-positive variances")
    r = r / np.sqrt(np.outer(d, d))
    positions = []
    for f, members in groups.items():
        members = list(members)
        if labelled:
            unknown = [str(m) for m in members if m not in cor.columns]
            if unknown:
                raise ValidityError(f"items of {f} not in cor: {', '.join(unknown)}")
            positions.append(np.array([cor.columns.get_loc(m) for m in members], dtype=int))
        else:
            bad = [str(m) for m in members if not (isinstance(m, (int, np.integer)) and 0 <= m < r.shape[0])]
            if bad:
                raise ValidityError(f"items of {f} must be column positions of cor, got {', '.join(bad)}")
            positions.append(np.array(members, dtype=int))
        if positions[-1].size == 0:
            raise ValidityError(f"factor {f} has no items")
    return r, positions


def _loadings(loadings, items, factors) -> pd.DataFrame:
    if isinstance(loadings, pd.DataFrame):
        lam = loadings.astype(np.float64)
    else:
        a = np.asarray(loadings, dtype=np.float64)
        if a.ndim != 2:
            raise ValidityError(f"loadings must be items x factors, got {a.ndim}-D")
        lam = pd.DataFrame(a, index=list(items) if items is not None else [f"x{i + 1}" for i in range(a.shape[0])],
                           columns=list(factors) if factors is not None else [f"f{j + 1}" for j in range(a.shape[1])])
    if not np.all(np.isfinite(lam.to_numpy())):
        raise ValidityError("loadings have missing or infinite entries")
    empty = [str(f) for f in lam.columns if not np.any(lam[f].to_numpy() != 0)]
    if empty:
        raise ValidityError(f"factors with no loadings: {', '.join(empty)}")
    return lam


def _factor_correlations(phi, factors: list) -> pd.DataFrame:
    if isinstance(phi, pd.DataFrame):
        missing = [str(f) for f in factors if f not in phi.index or f not in phi.columns]
        if missing:
            raise ValidityError(f"factor_correlations lack factors: {', '.join(missing)}")
        m = phi.loc[factors, factors].to_numpy(dtype=np.float64)
    else:
        m = np.asarray(phi, dtype=np.float64)
        if m.shape != (len(factors), len(factors)):
            raise ValidityError(f"factor_correlations must be {len(factors)} x {len(factors)}, got {m.shape}")
    if not np.all(np.isfinite(m)) or not np.allclose(m, m.T, atol=1e-8):
        raise ValidityError("factor_correlations must be a finite symmetric matrix")
    if not np.allclose(np.diag(m), 1.0, atol=1e-6):
        raise ValidityError("factor_correlations must have 1 on the diagonal (a standardized solution)")
    return pd.DataFrame(m, index=factors, columns=factors)


def _residuals(lam: pd.DataFrame, phi: pd.DataFrame, theta) -> pd.Series:
    if theta is None:
        a = lam.to_numpy()
        return pd.Series(1 - np.einsum("if,fg,ig->i", a, phi.to_numpy(), a), index=lam.index)
    if isinstance(theta, pd.Series):
        missing = [str(i) for i in lam.index if i not in theta.index]
        if missing:
            raise ValidityError(f"residual_variances lack items: {', '.join(missing)}")
        t = theta.loc[lam.index].to_numpy(dtype=np.float64)
    else:
        t = np.asarray(theta, dtype=np.float64).reshape(-1)
        if t.size != len(lam):
            raise ValidityError(f"{t.size} residual variances for {len(lam)} items")
    if not np.all(np.isfinite(t)):
        raise ValidityError("residual_variances have missing or infinite entries")
    return pd.Series(t, index=lam.index)


def _item_matrix(cor, items: list) -> pd.DataFrame:
    if isinstance(cor, pd.DataFrame):
        missing = [str(i) for i in items if i not in cor.columns or i not in cor.index]
        if missing:
            raise ValidityError(f"cor lacks items: {', '.join(missing)}")
        return cor.loc[items, items]
    m = np.asarray(cor, dtype=np.float64)
    if m.shape != (len(items), len(items)):
        raise ValidityError(f"cor must be {len(items)} x {len(items)} (the loadings' items), got {m.shape}")
    return pd.DataFrame(m, index=items, columns=items)


def _at(frame: pd.DataFrame | None, a, b) -> float:
    return float("nan") if frame is None else float(cast(float, frame.at[a, b]))


def _matrix_dict(frame: pd.DataFrame) -> dict:
    return {str(r): {str(c): _plain(frame.at[r, c]) for c in frame.columns} for r in frame.index}


def _plain(v):
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, str):
        return v
    v = float(v)
    return None if np.isnan(v) else v
