"""Ordinal CFA/SEM by diagonally weighted least squares, as lavaan's ``estimator = "WLSMV"``.

lavaan's defaults for ``cfa(model, data, ordered = items, estimator = "WLSMV")``
(``parameterization = "delta"``): every observed item is the discretised version of a latent
response y* with unit variance, cut at free thresholds τ. The model implies
Σ* = F (I − A)⁻¹ S (I − A)⁻ᵀ Fᵀ for the latent responses (the RAM matrices of
:mod:`.model`), whose residual variances are not free but θ_ii = 1 − (the rest of Σ*_ii), so
diag Σ* = 1 and Σ* is a correlation matrix. With s = (sample thresholds, polychoric
correlations below the diagonal, column by column) from :mod:`servq.stats.polychoric` and
σ(θ) = (τ, the off-diagonal of Σ*), the estimates minimise (s − σ(θ))ᵀ W (s − σ(θ)) with
W = diag(1 / diag Γ), Γ the asymptotic covariance (NACOV) of s times N. This is the model of
ordered and continuous items (:mod:`.wls_mixed`) with no continuous item, and is fitted by it;
the fit, the robust SEs, the scaled-shifted χ² and the fit measures of every estimator
("WLSMV", "DWLS", "ULSMV", "ULS") are those of :mod:`.dwls`.

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
Muthén, B. (1984). A general structural equation model with dichotomous, ordered
categorical, and continuous latent variable indicators. *Psychometrika*, 49, 115–132.
Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. Journal of
Statistical Software, 48(2), 1–36.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..polychoric import OrdinalTables, Polychoric, ScoreCrossproducts, polychoric
from . import wls_groups
from .dwls import ESTIMATORS, ROBUST, OrdinalSemResults
from .model import Model, SemSpecificationError, build, variable_names
from .results import negative_variances
from .syntax import parse
from .wls_mixed import MixedSample, check_model, complete_rows, fit_sample

__all__ = ["ESTIMATORS", "ROBUST", "GroupTables", "OrdinalSemResults", "fit_ordinal", "fit_ordinal_tables", "group_tables"]


def _check(spec: Model, ordered: Sequence[str], several_groups: bool = False) -> None:
    cont = [v for v in spec.names.ov if v not in ordered]
    if cont:
        raise SemSpecificationError(f"variable {cont[0]} is not in ordered=: fit_ordinal needs every observed "
                                    "variable ordered (fit_mixed fits continuous and ordered items together)")
    check_model(spec, several_groups=several_groups)


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
        WLSMV: robust SEs and the mean-and-variance adjusted χ² (:mod:`.dwls`); DWLS:
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
    if group is not None:
        if estimator not in ("WLSMV", "DWLS"):
            raise SemSpecificationError(f"estimator={estimator!r} with several groups (group=) is not supported yet; "
                                        "use estimator='WLSMV' or 'DWLS'")
        sets = group_tables(model, data, group, ordered)
        return _fit_groups(model, sets.samples, sets.gammas() if estimator == "WLSMV" else [None] * len(sets.labels),
                           [t.n for t in sets.tables], sets.labels, estimator, std_lv=std_lv, orthogonal=orthogonal,
                           group_equal=group_equal, group_partial=group_partial)
    names, spec = _checked(model, data, ordered, std_lv=std_lv, orthogonal=orthogonal, several_groups=False)
    if group_equal or group_partial:
        raise SemSpecificationError("group_equal / group_partial need several groups (give group=)")
    codes = complete_rows(data, names.ov, names.ov)
    tables = OrdinalTables.from_codes(codes.to_numpy(), items=list(names.ov))
    poly = polychoric(tables)
    gamma = poly.nacov(poly.score_crossproducts(codes.to_numpy())) if estimator in ROBUST else None
    return fit_sample(model, spec, MixedSample.from_polychoric(poly, len(codes), gamma), estimator)


def fit_ordinal_tables(model: str, tables: OrdinalTables | Sequence[OrdinalTables], *, std_lv: bool = False,
                       orthogonal: bool = False, sample: Polychoric | Sequence[Polychoric] | None = None,
                       crossproducts: ScoreCrossproducts | Sequence[ScoreCrossproducts] | None = None,
                       groups: Sequence[str] | None = None,
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
    sample : Polychoric or sequence of Polychoric, optional
        ``polychoric(tables)`` when already computed (several groups: one a group): used as
        it is when the model's observed variables are the tables' items in their order
        (else the model's items' tables are fitted afresh).
    crossproducts : ScoreCrossproducts or sequence of ScoreCrossproducts, optional
        J = Σ s sᵀ of the casewise scores of ``polychoric(tables)`` over the same rows:
        the fit is then WLSMV's (robust SEs, scaled χ² and fit indices). Several groups: one
        a group, each of its group's tables and rows.
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
    _check(spec, list(names.ov), several_groups=len(sets) > 1)

    if len(sets) > 1:
        labels = tuple(groups) if groups is not None else tuple(str(g + 1) for g in range(len(sets)))
        if len(labels) != len(sets):
            raise ValueError(f"{len(labels)} group labels for {len(sets)} sets of tables")
        if isinstance(crossproducts, ScoreCrossproducts) or isinstance(sample, Polychoric):
            raise SemSpecificationError("several groups need one sample and one set of crossproducts a group")
        scores = [None] * len(sets) if crossproducts is None else list(crossproducts)
        given = [None] * len(sets) if sample is None else list(sample)
        if len(scores) != len(sets) or len(given) != len(sets):
            raise ValueError(f"{len(scores)} sets of crossproducts and {len(given)} samples for {len(sets)} sets of tables")
        fitted = [_sample_and_gamma(t, s, cp, list(names.ov)) for t, s, cp in zip(sets, given, scores)]
        estimator = "DWLS" if crossproducts is None else "WLSMV"
        return _fit_groups(model, [f[0] for f in fitted], [f[1] for f in fitted], [t.n for t in sets], labels, estimator,
                           std_lv=std_lv, orthogonal=orthogonal, group_equal=group_equal, group_partial=group_partial)
    if group_equal or group_partial:
        raise SemSpecificationError("group_equal / group_partial need several groups (one set of tables a group)")
    if not (crossproducts is None or isinstance(crossproducts, ScoreCrossproducts)) or \
            not (sample is None or isinstance(sample, Polychoric)):
        raise SemSpecificationError("one group takes one sample and one ScoreCrossproducts")
    table_set = sets[0]
    one, gamma = _sample_and_gamma(table_set, sample, crossproducts, list(names.ov))
    return fit_sample(model, spec, MixedSample.from_polychoric(one, table_set.n, gamma),
                      "DWLS" if gamma is None else "WLSMV")


def _sample_and_gamma(tables: OrdinalTables, given: Polychoric | None, crossproducts: ScoreCrossproducts | None,
                      items: list[str]) -> tuple[Polychoric, np.ndarray | None]:
    """The polychoric fit of the model's ``items`` (``given`` when it is of them, else fitted
    afresh) and, with the second pass's ``crossproducts``, its NACOV."""
    full = given if given is not None and tuple(given.items) == tuple(tables.items) else None
    sample = given if given is not None and tuple(given.items) == tuple(items) else polychoric(tables.subset(items))
    return sample, None if crossproducts is None else _gamma(sample, tables, crossproducts, items, full)


def _gamma(sample: Polychoric, tables: OrdinalTables, crossproducts: ScoreCrossproducts, items: list[str],
           full: Polychoric | None = None) -> np.ndarray:
    """The NACOV of ``sample`` (the model's items) from the score cross-products of the
    second pass, which scored every item of ``tables`` under ``full = polychoric(tables)``."""
    if full is None:
        full = sample if tuple(sample.items) == tuple(tables.items) else polychoric(tables)
    return sample.nacov(crossproducts.subset(full, items))


def _checked(model: str, data: pd.DataFrame, ordered: Sequence[str] | bool, *, several_groups: bool,
             std_lv: bool = False, orthogonal: bool = False):
    """The model's variable names and its specification, checked against ``data`` and ``ordered``."""
    formulas = parse(model)
    names = variable_names(formulas)
    items = list(names.ov) if ordered is True else list(ordered) if ordered else []
    missing = [v for v in names.ov if v not in data.columns]
    if missing:
        raise SemSpecificationError(f"variable {missing[0]} of the model is not a column of data")
    spec = build(formulas, std_lv=std_lv, orthogonal=orthogonal)
    _check(spec, items, several_groups=several_groups)
    return names, spec


@dataclass(frozen=True)
class GroupTables:
    """Each group's statistics of ordered items, computed once for several fits.

    Parameters
    ----------
    labels : tuple of str
        The groups, in order of appearance.
    tables : tuple of OrdinalTables
        Per group, the contingency tables of its complete rows.
    samples : tuple of Polychoric
        Per group, its thresholds and polychoric correlations.
    crossproducts : tuple of ScoreCrossproducts
        Per group, Σ s sᵀ of its rows' scores (WLSMV's NACOV).

    References
    ----------
    Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. Journal of
    Statistical Software, 48(2), 1–36 (``lavInspect(fit, "sampstat")`` of a multi-group fit).

    Examples
    --------
    As R's ``lavInspect(fit, "nobs")`` of a multi-group ``cfa(..., ordered = TRUE, group = "g")``:

    >>> rng = np.random.default_rng(5)
    >>> d = pd.DataFrame(np.digitize(rng.normal(size=(200, 3)), [0.0]) + 1, columns=list("abc"))
    >>> d["g"] = ["x", "y"] * 100
    >>> sets = group_tables("f =~ a + b + c", d, "g")
    >>> sets.labels, [t.n for t in sets.tables]
    (('x', 'y'), [100, 100])
    """

    labels: tuple[str, ...]
    tables: tuple[OrdinalTables, ...]
    samples: tuple[Polychoric, ...]
    crossproducts: tuple[ScoreCrossproducts, ...]

    def gammas(self) -> list[np.ndarray]:
        """Per group, Γ (NACOV) of its thresholds and correlations."""
        return [poly.nacov(j) for poly, j in zip(self.samples, self.crossproducts)]


def group_tables(model: str, data: pd.DataFrame, group: str, ordered: Sequence[str] | bool = True) -> GroupTables:
    """Per group (in order of appearance) the tables, polychoric correlations and score
    cross-products of the model's ordered items in its complete rows (listwise, as
    :func:`fit_ordinal`), for :func:`fit_ordinal_tables`; computed once, they serve several
    fits of one data set (an invariance sequence).

    Parameters
    ----------
    model : str
        lavaan model syntax.
    data : pandas.DataFrame
        The rows, with the model's variables and ``group``.
    group : str
        The grouping column.
    ordered : sequence of str or True
        The ordered items (every observed model variable must be one); True: all.

    Returns
    -------
    GroupTables

    Raises
    ------
    SemSpecificationError
        A model variable or ``group`` not in ``data``, ``group`` a model variable, or an
        observed variable not ordered.
    ValueError
        Fewer than two groups.

    References
    ----------
    Olsson, U. (1979). Maximum likelihood estimation of the polychoric correlation
    coefficient. Psychometrika, 44(4), 443–460.

    Examples
    --------
    R: ``lavInspect(cfa(model, d, ordered = TRUE, group = "g"), "group.label")``:

    >>> rng = np.random.default_rng(2)
    >>> d = pd.DataFrame(np.digitize(rng.normal(size=(90, 3)), [-0.5, 0.5]) + 1, columns=list("abc"))
    >>> d["g"] = ["s", "t", "u"] * 30
    >>> group_tables("f =~ a + b + c", d, "g").labels
    ('s', 't', 'u')
    """
    names, _ = _checked(model, data, ordered, several_groups=True)
    if group not in data.columns:
        raise SemSpecificationError(f"group column {group!r} is not a column of data")
    if group in names.ov:
        raise SemSpecificationError(f"group column {group!r} is a variable of the model; group by another column")
    frame = data[data[group].notna()]
    codes = complete_rows(frame, names.ov, names.ov)
    labels = pd.unique(frame.loc[codes.index, group])
    if len(labels) < 2:
        raise ValueError(f"group column {group!r} has one group ({labels[0]!r}); fit without group=")
    tables, samples, crossproducts = [], [], []
    for lab in labels:
        part = codes[frame.loc[codes.index, group] == lab].to_numpy()
        tables.append(OrdinalTables.from_codes(part, items=list(names.ov)))
        samples.append(polychoric(tables[-1]))
        crossproducts.append(samples[-1].score_crossproducts(part))
    return GroupTables(tuple(str(lab) for lab in labels), tuple(tables), tuple(samples), tuple(crossproducts))


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
                                 "lavaan requires); merge the rare categories (servq.stats.polychoric.shared_categories)")
    res = wls_groups.fit_groups(model, samples, gammas, nobs, labels, std_lv=std_lv, orthogonal=orthogonal,
                                group_equal=group_equal, group_partial=group_partial)
    names = variable_names(parse(model))
    notes = [] if res.converged else ["the optimizer did not converge"]
    notes += negative_variances(res.estimates, names.lv, labels)
    return OrdinalSemResults(model, estimator, res.estimates, res.fit, res.converged, res.nfev, labels,
                             tuple(int(n) for n in nobs), tuple(names.ov), tuple(names.lv), tuple(notes),
                             res.vcov, res.implied, res.moments)
