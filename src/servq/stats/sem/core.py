"""``cfa()`` and ``sem()``: lavaan model syntax fitted by ML from data or sufficient statistics."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import replace

import numpy as np
import pandas as pd
from scipy import linalg, special

from . import fit as fitm
from . import robust, satorra
from .blocks import BlockMatrix
from .estimate import Optimum, Problem, Reparametrized, SampleStats, implied, minimize, minimize_constrained
from .missing import FimlData, fiml_data, fiml_problem
from .model import Model, SemSpecificationError, SemWarning, build, variable_names, with_exo_values
from .options import IMPLY_ORDERED, SemOptions, resolve_options
from .results import SemResults, in_group, negative_variances
from .standardize import standardize
from .start import start_values
from .syntax import parse
from .wls import OrdinalSemResults, fit_ordinal
from .wls_mixed import fit_mixed


def cfa(model: str, data: pd.DataFrame | None = None, *, sample_cov=None, sample_nobs=None,
        sample_mean=None, group: str | None = None, std_lv: bool = False,
        group_equal: Sequence[str] = (), group_partial: Sequence[str] = (), orthogonal: bool = False,
        meanstructure: bool | None = None, ordered: Sequence[str] | bool | None = None,
        estimator: str | None = None, missing: str = "listwise", **options) -> SemResults | OrdinalSemResults:
    """Confirmatory factor analysis by maximum likelihood (or DWLS for ordered items), as ``lavaan::cfa``.

    Parameters
    ----------
    model : str
        lavaan model syntax (see :mod:`servq.stats.sem.syntax`).
    data : pandas.DataFrame, optional
        One row per respondent; columns named as the model's observed variables (NaN =
        missing). Rows missing any model variable (or the group) are dropped (listwise, as
        lavaan's default ML).
    sample_cov, sample_nobs, sample_mean : optional
        Instead of ``data``: the covariance matrix (a DataFrame with variable names, divided
        by N − 1 as R's ``cov()``; rescaled by (N − 1)/N as lavaan's
        ``sample.cov.rescale = TRUE``), the number of observations and, for a mean
        structure, the means (a Series). For several groups, a list (or dict by group name)
        of each.
    group : str, optional
        Grouping column of ``data`` for a multi-group model (groups in order of appearance).
    std_lv : bool
        Identify factors by fixing latent variances to 1 instead of first loadings to 1.
    group_equal : sequence of str
        lavaan ``group.equal``: "loadings", "intercepts", "means", "residuals",
        "residual.covariances", "lv.variances", "lv.covariances", "regressions".
    group_partial : sequence of str
        lavaan ``group.partial``: parameters, in model syntax ("x2 ~ 1" an intercept,
        "f =~ x2" a loading, "x3 ~~ x3" a residual variance), freed from ``group_equal``.
    orthogonal : bool
        Fix covariances among exogenous latent variables to 0.
    meanstructure : bool, optional
        Estimate intercepts; default (as lavaan): only with groups or ``~ 1`` in the model
        (always with FIML).
    ordered : list of str or True, optional
        lavaan's ``ordered =``: the ordinal items (True: every observed variable), fitted by
        DWLS on polychoric correlations (:mod:`servq.stats.sem.wls`; with ``group``,
        :mod:`servq.stats.sem.wls_groups`: ``group_equal`` adds "thresholds",
        ``group_partial`` takes ``"x1|t2"``). Observed variables not listed are continuous:
        polyserial and Pearson correlations, free intercepts and residual variances
        (:mod:`servq.stats.sem.wls_mixed`; one group).
    estimator : str, optional
        "ML" (default without ``ordered``) or "MLR": ML estimates with Huber–White standard
        errors (observed information, casewise scores) and the Yuan–Bentler scaled χ²
        (lavaan's ``yuan.bentler.mplus``) with ``chisq.scaled``, ``cfi.scaled``/``robust``
        and friends; "MLM", "MLMV", "MLMVS" (complete data): ML estimates with robust.sem
        standard errors (expected information, Γ from the rows' fourth-order moments) and
        the Satorra–Bentler scaled χ², the scaled-and-shifted χ² or the mean-and-variance
        adjusted χ² (:mod:`servq.stats.sem.satorra`); with ``ordered``, "WLSMV" (the
        default: robust SEs, mean-and-variance adjusted χ²) or "DWLS", and their unweighted
        versions "ULSMV" and "ULS". Other lavaan estimators (and ULS on continuous items)
        raise a ValueError naming the nearest alternative and the supported ones.
    missing : str
        "listwise" (default, as lavaan's for ML): drop respondents missing any model
        variable. "fiml" (or "ml"): casewise maximum likelihood over every answer given, by
        missing-data pattern, with a mean structure; χ² against the saturated model estimated
        by EM, standard errors from the observed information (lavaan's default there).
    **options
        Any other lavaan option, in lavaan's dotted spelling (``**{"group.equal": [...]}``)
        or with underscores: servq's parameters under their lavaan names are mapped to them;
        values that are lavaan's defaults for the estimator (``se="robust.sem"`` with MLM,
        ``fixed.x=True``, ``parameterization="delta"``, ...) are accepted and change nothing;
        anything else raises a SemSpecificationError naming the option and the nearest
        supported alternative (:mod:`servq.stats.sem.options` has the table).

    Returns
    -------
    SemResults or OrdinalSemResults
        Estimates with standard errors (expected information; observed with FIML;
        Huber–White with MLR; robust with WLSMV), z and p, ``std.lv`` and ``std.all``,
        ``fit_measures()`` keyed by lavaan's names, ``modindices()`` (ML).

    Raises
    ------
    ModelSyntaxError
        When ``model`` is not valid lavaan syntax.
    SemSpecificationError
        When a model variable (or ``group``) is not in the data, ``group_equal`` is not one
        of lavaan's categories, or a lavaan option in ``options`` is not supported (or not
        a lavaan option at all: the message suggests the nearest name).
    ValueError
        When neither or both of ``data`` and ``sample_cov`` are given, a column is not
        numeric, a group has fewer than 2 complete rows, ``sample_cov`` is not a symmetric
        labelled matrix, ``sample_nobs`` is not a whole number ≥ 2, a mean structure
        lacks ``sample_mean``, ``estimator`` or ``missing`` is not supported, or FIML/MLR is
        asked for without raw data.

    Warns
    -----
    SemWarning
        Non-convergence, Heywood cases, non-positive-definite matrices, a singular
        information matrix or negative df (the messages are also in ``warnings``).

    Notes
    -----
    ML with S divided by N: F_ML = log|Σ| + tr(SΣ⁻¹) − log|S| − p, χ² = N·F_ML (summed over
    groups). Rosseel, Y. (2012). lavaan: An R package for structural equation modeling.
    Journal of Statistical Software, 48(2).

    References
    ----------
    Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. Journal of
    Statistical Software, 48(2), 1–36. https://doi.org/10.18637/jss.v048.i02
    Jöreskog, K. G. (1969). A general approach to confirmatory maximum likelihood factor
    analysis. Psychometrika, 34(2), 183–202. Bollen, K. A. (1989). Structural Equations with
    Latent Variables. New York: Wiley. Holzinger, K. J. & Swineford, F. (1939). A study in
    factor analysis: The stability of a bi-factor solution. Supplementary Educational
    Monographs, 48. Chicago: University of Chicago.

    Examples
    --------
    The three-factor model of Holzinger & Swineford (1939) from its covariance matrix
    (rounded to 4 decimals), as
    ``fitMeasures(cfa(HS.model, data = HolzingerSwineford1939), c("chisq", "df", "cfi"))``
    in R (85.306, 24, 0.931):

    >>> import numpy as np
    >>> cov = pd.DataFrame(np.array([
    ...     [1.3629, 0.4087, 0.5818, 0.5065, 0.4421, 0.4563, 0.0850, 0.2647, 0.4599],
    ...     [0.4087, 1.3864, 0.4526, 0.2096, 0.2118, 0.2484, -0.0971, 0.1100, 0.2448],
    ...     [0.5818, 0.4526, 1.2791, 0.2089, 0.1127, 0.2449, 0.0886, 0.2130, 0.3751],
    ...     [0.5065, 0.2096, 0.2089, 1.3552, 1.1014, 0.8985, 0.2205, 0.1260, 0.2442],
    ...     [0.4421, 0.2118, 0.1127, 1.1014, 1.6653, 1.0179, 0.1435, 0.1812, 0.2962],
    ...     [0.4563, 0.2484, 0.2449, 0.8985, 1.0179, 1.2003, 0.1446, 0.1660, 0.2368],
    ...     [0.0850, -0.0971, 0.0886, 0.2205, 0.1435, 0.1446, 1.1871, 0.5370, 0.3745],
    ...     [0.2647, 0.1100, 0.2130, 0.1260, 0.1812, 0.1660, 0.5370, 1.0254, 0.4588],
    ...     [0.4599, 0.2448, 0.3751, 0.2442, 0.2962, 0.2368, 0.3745, 0.4588, 1.0184]]),
    ...     index=[f"x{i}" for i in range(1, 10)], columns=[f"x{i}" for i in range(1, 10)])
    >>> fit = cfa('''visual =~ x1 + x2 + x3
    ...              textual =~ x4 + x5 + x6
    ...              speed =~ x7 + x8 + x9''', sample_cov=cov, sample_nobs=301)
    >>> m = fit.fit_measures()
    >>> round(m["chisq"], 1), int(m["df"]), round(m["cfi"], 2)
    (85.3, 24, 0.93)
    """
    return _fit(model, data, dict(sample_cov=sample_cov, sample_nobs=sample_nobs, sample_mean=sample_mean,
                                  group=group, std_lv=std_lv, group_equal=group_equal, group_partial=group_partial,
                                  orthogonal=orthogonal, meanstructure=meanstructure, ordered=ordered,
                                  estimator=estimator, missing=missing), options)


def sem(model: str, data: pd.DataFrame | None = None, *, sample_cov=None, sample_nobs=None,
        sample_mean=None, group: str | None = None, std_lv: bool = False,
        group_equal: Sequence[str] = (), group_partial: Sequence[str] = (), orthogonal: bool = False,
        meanstructure: bool | None = None, ordered: Sequence[str] | bool | None = None,
        estimator: str | None = None, missing: str = "listwise", **options) -> SemResults | OrdinalSemResults:
    """Structural equation model by maximum likelihood, as ``lavaan::sem``.

    The same as :func:`cfa` (lavaan's ``cfa()`` and ``sem()`` share their defaults): regressions
    (``~``) among latent and observed variables, residual covariances (``~~``), exogenous
    observed covariates fixed at their sample moments (``fixed.x = TRUE``).

    Parameters
    ----------
    model : str
        lavaan model syntax (see :mod:`servq.stats.sem.syntax`).
    data : pandas.DataFrame, optional
        One row per respondent, columns named as the model's observed variables.
    sample_cov, sample_nobs, sample_mean : optional
        Sufficient statistics instead of ``data``, as for :func:`cfa`.
    group : str, optional
        Grouping column of ``data``.
    std_lv : bool
        Identify factors by unit latent variances.
    group_equal : sequence of str
        lavaan ``group.equal`` constraints.
    group_partial : sequence of str
        lavaan ``group.partial``: parameters freed from ``group_equal`` (see :func:`cfa`).
    orthogonal : bool
        Fix covariances among exogenous latent variables to 0.
    meanstructure : bool, optional
        Estimate intercepts; default: only with groups or ``~ 1`` in the model.
    ordered : list of str or True, optional
        Ordinal items, as for :func:`cfa`.
    estimator : str, optional
        "ML", "MLR", "MLM", "MLMV", "MLMVS", "WLSMV", "DWLS", "ULSMV" or "ULS", as for :func:`cfa`.
    missing : str
        "listwise", "fiml" or "ml", as for :func:`cfa`.
    **options
        lavaan's other options, as for :func:`cfa`.

    Returns
    -------
    SemResults or OrdinalSemResults
        As for :func:`cfa`.

    Raises
    ------
    ModelSyntaxError, SemSpecificationError, ValueError
        As for :func:`cfa`.

    Warns
    -----
    SemWarning
        As for :func:`cfa`.

    References
    ----------
    Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. Journal of
    Statistical Software, 48(2), 1–36. Bollen, K. A. (1989). Structural Equations with
    Latent Variables. New York: Wiley.

    Examples
    --------
    A regression on observed variables (the saturated model has χ² = 0); the slopes are
    those of least squares, as ``coef(sem("y ~ x1 + x2", df))`` equals ``coef(lm(y ~ x1 + x2,
    df))[-1]`` in R:

    >>> rng = np.random.default_rng(1)
    >>> x = rng.normal(size=(200, 2))
    >>> df = pd.DataFrame({"x1": x[:, 0], "x2": x[:, 1], "y": x @ [0.5, -0.3] + rng.normal(size=200)})
    >>> fit = sem("y ~ x1 + x2", df)
    >>> est = fit.to_frame().set_index(["lhs", "op", "rhs"])["est"]
    >>> bool(abs(est["y", "~", "x1"] - np.linalg.lstsq(np.c_[np.ones(200), x], df.y, rcond=None)[0][1]) < 1e-6)
    True
    """
    return _fit(model, data, dict(sample_cov=sample_cov, sample_nobs=sample_nobs, sample_mean=sample_mean,
                                  group=group, std_lv=std_lv, group_equal=group_equal, group_partial=group_partial,
                                  orthogonal=orthogonal, meanstructure=meanstructure, ordered=ordered,
                                  estimator=estimator, missing=missing), options)


def _fit(model: str, data, args: dict, options: dict) -> SemResults | OrdinalSemResults:
    """lavaan's options resolved (:mod:`.options`), then the ordinal or the ML fit."""
    a = resolve_options(args, options, ordered=bool(args["ordered"]))
    if a["ordered"] or str(a["estimator"]).upper() in IMPLY_ORDERED:
        return _ordinal(model, data, a["ordered"], a["estimator"], a["missing"], sample_cov=a["sample_cov"],
                        group=a["group"], group_equal=a["group_equal"], group_partial=a["group_partial"],
                        meanstructure=a["meanstructure"], std_lv=a["std_lv"], orthogonal=a["orthogonal"])
    return fit_sem(model, data, sample_cov=a["sample_cov"], sample_nobs=a["sample_nobs"],
                   sample_mean=a["sample_mean"], group=a["group"], std_lv=a["std_lv"],
                   group_equal=tuple(a["group_equal"]), group_partial=a["group_partial"], orthogonal=a["orthogonal"],
                   meanstructure=a["meanstructure"], options=SemOptions(a["estimator"] or "ML", a["missing"]))


def _ordinal(model: str, data, ordered, estimator: str | None, missing: str, *, sample_cov, group, group_equal,
             group_partial, meanstructure, std_lv: bool, orthogonal: bool) -> OrdinalSemResults:
    """Fit ``ordered=`` items by DWLS, or name what is not supported."""
    est = (estimator or "WLSMV").upper()
    if est in ("ML", "MLR"):
        raise ValueError(f"estimator={estimator!r} with ordered= items is not supported; use estimator='WLSMV' "
                         "(lavaan's default for ordered items)")
    if str(missing).lower() != "listwise":
        raise ValueError(f"missing={missing!r} with ordered= items is not supported yet; the ordinal fit drops "
                         "respondents missing any item (missing='listwise')")
    if est not in ("WLSMV", "DWLS", "ULSMV", "ULS"):
        raise ValueError(f"estimator={estimator!r} is not supported; use 'ML', or 'WLSMV', 'DWLS', 'ULSMV' or 'ULS' "
                         "with ordered=")
    if not ordered:
        raise ValueError(f"estimator={est!r} needs ordered= items (continuous items: use estimator='ML')")
    if data is None or sample_cov is not None:
        raise ValueError(f"estimator={est!r} needs raw data (data=), not sample_cov")
    if meanstructure:
        raise ValueError(f"estimator={est!r} with meanstructure=True is not supported yet (the thresholds and, with "
                         "group_equal='thresholds', the latent means are the mean structure)")
    if isinstance(ordered, str):  # one item, as R's ordered = "x1"
        ordered = [ordered]
    if ordered is not True and set(variable_names(parse(model)).ov) - set(ordered):
        if group is not None:
            raise ValueError(f"estimator={est!r} with continuous and ordered items together and several groups "
                             "(group=) is not supported yet: fit each group separately, or list every item in ordered=")
        res = fit_mixed(model, data, ordered, estimator=est, std_lv=std_lv, orthogonal=orthogonal)
    else:
        res = fit_ordinal(model, data, ordered, estimator=est, std_lv=std_lv, orthogonal=orthogonal, group=group,
                          group_equal=tuple(group_equal), group_partial=group_partial)
    for note in res.warnings:  # as the ML fit's (fit_sem)
        warnings.warn(note, SemWarning, stacklevel=4)
    return res


def fit_sem(model: str, data=None, *, sample_cov=None, sample_nobs=None, sample_mean=None,
            group=None, std_lv=False, group_equal=(), group_partial=(), orthogonal=False, meanstructure=None,
            options: SemOptions | None = None) -> SemResults:
    """Shared implementation of :func:`cfa` and :func:`sem`.

    Parses the model, computes the sample statistics, builds lavaan's parameter table and
    fits it (:func:`estimate`).

    Parameters
    ----------
    model : str
        lavaan model syntax.
    data : pandas.DataFrame, optional
        Raw data (see :func:`cfa`).
    sample_cov, sample_nobs, sample_mean : optional
        Sufficient statistics instead of ``data`` (see :func:`cfa`).
    group : str, optional
        Grouping column of ``data``.
    std_lv : bool
        As for :func:`cfa`.
    group_equal, group_partial : tuple of str
        As for :func:`cfa`.
    orthogonal : bool
        As for :func:`cfa`.
    meanstructure : bool, optional
        As for :func:`cfa`.
    options : SemOptions, optional
        Estimator and missing-data handling (default ML, listwise).

    Returns
    -------
    SemResults
        The fitted model.

    Raises
    ------
    ValueError
        When neither or both of ``data`` and ``sample_cov`` are given, ``group`` is given
        with ``sample_cov``, or a mean structure lacks means; and as for :func:`cfa`.
    ModelSyntaxError, SemSpecificationError
        As for :func:`cfa`.

    References
    ----------
    Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. Journal of
    Statistical Software, 48(2), 1–36.

    Examples
    --------
    A saturated one-factor model: λ_b = s_bc/s_ac = 1.5 and λ_c = s_bc/s_ab = 1.2, as
    ``coef(cfa("f =~ a + b + c", sample.cov = S, sample.nobs = 100))`` in R:

    >>> s = pd.DataFrame([[1.0, 0.5, 0.4], [0.5, 1.2, 0.6], [0.4, 0.6, 0.9]], index=list("abc"), columns=list("abc"))
    >>> fit = fit_sem("f =~ a + b + c", sample_cov=s, sample_nobs=100)
    >>> fit.to_frame()["est"].round(4).tolist()[1:3], abs(round(fit.fit["chisq"], 8))
    ([1.5, 1.2], 0.0)
    """
    options = options or SemOptions()
    formulas = parse(model)
    names = variable_names(formulas)
    rows: list[np.ndarray] | None = None
    fiml: FimlData | None = None
    notes: list[str] = []
    if data is not None:
        if sample_cov is not None or sample_nobs is not None:
            raise ValueError("give either data or sample_cov with sample_nobs, not both")
        notes += _left_out(data, names.ov, group, options.fiml)
        if options.fiml:
            parts, labels = group_rows(data, names.ov, group, complete=False)
            parts, dropped = _complete_covariates(parts, [names.ov.index(x) for x in names.ov_x])
            if dropped:
                notes.append(f"{dropped} cases were deleted due to missing values in exogenous variable(s) "
                             f"({', '.join(names.ov_x)}), as fixed.x = TRUE does in lavaan")
            fiml = fiml_data(parts)
            st = fiml.stats
        else:
            st, labels = stats_from_data(data, names.ov, group)
            if options.robust or options.satorra:
                rows = group_rows(data, names.ov, group, complete=True)[0]
    elif sample_cov is not None:
        if group is not None:
            raise ValueError("group= names a column of data; with sample_cov give one matrix per "
                             "group in a list or dict")
        if options.fiml or options.robust or options.satorra:
            raise ValueError(f"estimator={options.estimator!r} with missing={options.missing!r} "
                             "needs the raw data (data=), not sample_cov")
        st, labels = stats_from_moments(sample_cov, sample_nobs, sample_mean, names.ov)
    else:
        raise ValueError("give data, or sample_cov with sample_nobs")
    n_groups = len(st.nobs)
    if meanstructure is None or options.fiml:
        meanstructure = n_groups > 1 or options.fiml or bool(meanstructure)
    if meanstructure and any(m is None for m in st.mean):
        raise ValueError("a mean structure (several groups, '~ 1' or meanstructure=True) needs "
                         "sample_mean for every group")
    spec = build(formulas, n_groups=n_groups, std_lv=std_lv, orthogonal=orthogonal,
                 meanstructure=meanstructure, group_equal=tuple(group_equal),
                 group_partial=group_partial)
    spec = with_exo_values(spec, list(st.cov), list(st.mean))
    if fiml is not None:
        problem = fiml_problem(spec, fiml, keep_rows=options.robust)
    else:
        problem = Problem(spec, st, rows=rows)
    return estimate(model, problem, labels, options, notes=notes)


def _left_out(data, ov: tuple[str, ...], group, fiml: bool) -> list[str]:
    """The warnings lavaan gives for rows it leaves out whatever the estimator: rows without a
    group, and with FIML rows that answered none of the model's variables (listwise deletion
    of incomplete rows is silent, in lavaan as here)."""
    if not isinstance(data, pd.DataFrame) or group not in data.columns and group is not None:
        return []  # group_rows names the problem
    notes = []
    has_group = data[group].notna() if group is not None else pd.Series(True, index=data.index)
    if not has_group.all():
        notes.append(f"group variable {group!r} contains missing values; rows without a group left out (as "
                     f"lavaan): {int((~has_group).sum())}")
    if fiml and all(v in data.columns for v in ov):
        empty = has_group & data[list(ov)].isna().all(axis=1)
        if empty.any():
            notes.append("some cases are empty (no answer to any of the model's variables) and were left out (as "
                         f"lavaan): {int(empty.sum())}")
    return notes


def _complete_covariates(parts: list[np.ndarray], x: list[int]) -> tuple[list[np.ndarray], int]:
    """FIML with fixed.x covariates: the rows that answered every covariate (lavaan leaves
    out the others, with a warning), and how many were left out."""
    if not x:
        return parts, 0
    keep = [~np.isnan(part[:, x]).any(axis=1) for part in parts]
    return [part[k] for part, k in zip(parts, keep)], sum(int((~k).sum()) for k in keep)


def estimate(model_text: str, problem: Problem, labels: tuple[str, ...],
             options: SemOptions | None = None, notes: Sequence[str] = ()) -> SemResults:
    """Fit a built model to its data and collect results and warnings.

    Minimises F from the starting values, computes standard errors (expected information
    for ML with complete data, observed information with FIML, Huber–White with MLR), the
    parameter table with standardized values, the fit measures, and checks for
    non-convergence, Heywood cases and non-positive-definite matrices.

    Parameters
    ----------
    model_text : str
        The model syntax (kept in the result).
    problem : Problem
        The parameter table with fixed.x values filled and the data (sample statistics, or
        missing-data patterns).
    labels : tuple of str
        Group labels.
    options : SemOptions, optional
        Estimator and missing-data handling (default ML, listwise).
    notes : sequence of str
        Warnings from reading the data, reported with the fit's own.

    Returns
    -------
    SemResults
        The fitted model.

    Warns
    -----
    SemWarning
        For each problem found (also kept in ``SemResults.warnings``).

    References
    ----------
    Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. Journal of
    Statistical Software, 48(2), 1–36. Bollen, K. A. (1989). Structural Equations with
    Latent Variables. New York: Wiley.

    Examples
    --------
    The estimates of a saturated one-factor model, as
    ``parameterEstimates(cfa("f =~ a + b + c", sample.cov = S, sample.nobs = 100))$est`` in R:

    >>> from servq.stats.sem.syntax import parse
    >>> s = np.array([[1.0, 0.5, 0.4], [0.5, 1.2, 0.6], [0.4, 0.6, 0.9]])
    >>> problem = Problem(build(parse("f =~ a + b + c")), SampleStats((0.99 * s,), (None,), (100,)))
    >>> res = estimate("f =~ a + b + c", problem, ("1",))
    >>> res.to_frame()["est"].round(4).tolist()
    [1.0, 1.5, 1.2, 0.66, 0.4455, 0.4158, 0.33]
    """
    options = options or SemOptions()
    spec, st = problem.model, problem.stats
    cons = spec.constraints
    if (cons.linear is not None or cons.conditions) and (options.fiml or options.robust or options.satorra):
        raise SemSpecificationError("==, < and > constraints are fitted with estimator='ML' and missing='listwise' only, "
                                    f"not yet with estimator={options.estimator!r}, missing={options.missing!r}: fit "
                                    "without them, or fix the constrained parameters at values")
    notes = list(notes)
    singular_s = [not np.isfinite(v) for v in problem.logdet_s]
    for g, bad in enumerate(singular_s):
        if bad:
            notes.append(f"the sample covariance matrix{in_group(labels, g)} is not positive "
                         "definite; chi-square and fit measures are not available")
            problem.logdet_s[g] = 0.0
    opt, basis = _optimum(problem)
    for g, bad in enumerate(singular_s):
        if bad:
            problem.logdet_s[g] = np.nan
    if not opt.converged:
        notes.append(f"the optimizer did not converge after {opt.iterations} iterations "
                     f"(largest gradient {np.max(np.abs(opt.gradient)):.2g}); estimates are not "
                     "trustworthy")
    info: np.ndarray | BlockMatrix = opt.information
    observed = robust.observed_information(problem, opt.theta) if options.fiml or options.robust else None
    if observed is not None:
        info = observed
    first_order = robust.model_first_order(problem, opt.theta) if options.robust else None
    if options.satorra:  # robust.sem: E⁻¹ (Σ f_g ΔᵀWΓWΔ) E⁻¹ / N with the expected information E
        gammas = satorra.group_gammas(problem)
        sb = satorra.satorra(problem, opt.theta, gammas)
        info, first_order = sb.information, sb.meat
    vcov, singular = _vcov(info, basis, st.ntotal, first_order)
    if singular:
        notes.append("the information matrix is singular: the model may not be identified; "
                     "standard errors are not available")
    frame = _estimates(spec, opt, vcov, labels)
    notes += _checks(spec, opt.theta, frame, labels)
    measures = fitm.fit_measures(problem, opt.theta, opt.fmin)
    if options.satorra:
        measures.update(fitm.satorra_measures(problem, opt.theta, measures, options.test, gammas, (sb.trace, sb.trace2)))
    elif first_order is not None and observed is not None:
        measures.update(fitm.robust_measures(problem, opt.theta, measures, observed, first_order))
    if measures["df"] < 0:
        notes.append(f"the model is not identified: df = {measures['df']:.0f} (more free "
                     "parameters than sample moments)")
    for note in notes:
        warnings.warn(note, SemWarning, stacklevel=4)
    return SemResults(model=model_text, estimates=frame, fit=measures, converged=opt.converged,
                      iterations=opt.iterations, groups=labels, nobs=tuple(int(n) for n in st.nobs),
                      ov_names=spec.names.ov, lv_names=spec.names.lv, warnings=tuple(notes),
                      estimator=options.estimator, missing=options.missing,
                      _problem=problem, _optimum=opt, _vcov=vcov)


def _optimum(problem: Problem) -> tuple[Optimum, np.ndarray]:
    """The ML optimum in θ, and the basis K of the directions free under ``==`` and the
    active inequalities (I without constraints)."""
    spec, st = problem.model, problem.stats
    cons = spec.constraints
    start = start_values(spec, st)
    if cons.linear is None and not cons.conditions:
        return minimize(problem, start), np.eye(spec.n_par)
    reduced = Reparametrized(spec, st)
    reduced.logdet_s = problem.logdet_s
    lin = reduced.linear
    basis = lin.basis
    if cons.conditions:
        res = minimize_constrained(reduced, lin.x(start), lambda x: np.real(cons.condition_values(lin.theta(x))),
                                   lambda x: cons.condition_jacobian(lin.theta(x)) @ lin.basis,
                                   np.array([c.equality for c in cons.conditions]))
        opt = res.optimum
        if res.active:
            basis = basis @ linalg.null_space(res.jacobian)
    else:
        opt = minimize(reduced, lin.x(start))
    theta = lin.theta(opt.theta)
    _, info = problem.gradient_information(theta)
    return replace(opt, theta=theta, information=info), basis


def _vcov(info: np.ndarray | BlockMatrix, basis: np.ndarray, ntotal: int,
          first_order: BlockMatrix | None = None) -> tuple[np.ndarray, bool]:
    """Cov(θ̂) = K (N Kᵀ I K)⁻¹ Kᵀ — with ``first_order`` B₀ (MLR, MLM) the sandwich
    K (Kᵀ I K)⁻¹ Kᵀ B₀ K (Kᵀ I K)⁻¹ Kᵀ / N — and whether Kᵀ I K is singular."""
    q = basis.shape[0]
    if basis.shape[1] == 0:
        return np.zeros((q, q)), False
    # no constraints: K = I, and the products with it (q³ each; thousands of parameters across
    # many groups) change nothing
    free = basis.shape == (q, q) and np.count_nonzero(basis) == q and bool(np.all(np.diagonal(basis) == 1.0))
    if free and isinstance(info, BlockMatrix):  # the robust fits' information: part by part
        low, high = info.eigenvalue_range()
        if low <= 1e-10 * max(high, 1.0):
            return np.full((q, q), np.nan), True
        if first_order is not None:
            return np.asarray(robust.sandwich_vcov(info, first_order, ntotal)), False
        return np.asarray(BlockMatrix(info.layout, tuple(np.linalg.inv(ntotal * b) for b in info.blocks), q)), False
    info = np.asarray(info)
    reduced = info if free else basis.T @ info @ basis
    eig = np.linalg.eigvalsh(reduced)
    if eig[0] <= 1e-10 * max(eig[-1], 1.0):
        return np.full((q, q), np.nan), True
    if first_order is not None:
        e_inv = np.linalg.inv(reduced)
        b0 = np.asarray(first_order)
        inner = e_inv @ (b0 if free else basis.T @ b0 @ basis) @ e_inv / ntotal
    else:
        inner = np.linalg.inv(ntotal * reduced)
    return (inner if free else basis @ inner @ basis.T), False


def _estimates(spec: Model, opt: Optimum, vcov: np.ndarray, labels) -> pd.DataFrame:
    theta = opt.theta
    records = []
    per_group = {}
    for g in range(spec.n_groups):
        imp = implied(spec, theta, g)
        _, s, _ = spec.matrices(theta, g)
        per_group[g] = (imp.sigma_v, s)
    se_all = np.sqrt(np.clip(np.diag(vcov), 0, None)) if len(vcov) else np.zeros(0)
    for r in spec.rows:
        est = float(theta[r.par]) if r.par >= 0 else float(r.value)
        se = float(se_all[r.par]) if r.par >= 0 else 0.0
        sigma_v, s = per_group[r.group]
        records.append({
            "lhs": r.lhs, "op": "~1" if r.op == "~1" else r.op, "rhs": r.rhs,
            "group": r.group + 1, "group_label": labels[r.group], "label": r.label,
            "free": r.par >= 0, "est": est, "se": se, **_wald(est, se, r.par >= 0),
            "std.lv": standardize(spec, r, est, sigma_v, s, latent_only=True),
            "std.all": standardize(spec, r, est, sigma_v, s, latent_only=False),
        })
    return pd.DataFrame.from_records(records + _defined_records(spec, theta, vcov, records))


def _wald(est: float, se: float, free: bool) -> dict[str, float]:
    """z, p-value and 95 % interval est ± 1.96·se, as parameterEstimates (fixed: est, est)."""
    if not free:
        return {"z": np.nan, "pvalue": np.nan, "ci.lower": est, "ci.upper": est}
    z = est / se if se > 0 else np.nan
    p = float(2 * special.ndtr(-abs(z))) if np.isfinite(z) else np.nan
    half = float(special.ndtri(0.975)) * se
    return {"z": z, "pvalue": p, "ci.lower": est - half, "ci.upper": est + half}


def _defined_records(spec: Model, theta: np.ndarray, vcov: np.ndarray, records: list[dict]) -> list[dict]:
    """The ``:=`` rows (group 0, as lavaan): delta-method SEs; std.lv and std.all are the
    definitions evaluated at the labelled parameters' standardized values."""
    cons = spec.constraints
    std = {col: {k: records[i][col] for k, i in cons.label_rows.items()} for col in ("std.lv", "std.all")}
    return [{**row, "group_label": "", "free": False, **_wald(row["est"], row["se"], True)}
            for row in cons.defined_rows(theta, vcov, std)]


def _checks(spec: Model, theta: np.ndarray, frame: pd.DataFrame, labels) -> list[str]:
    notes = negative_variances(frame, spec.names.lv, labels)
    lv_idx = [spec.index(f) for f in spec.names.lv]
    for g in range(spec.n_groups):
        imp = implied(spec, theta, g)
        if np.linalg.eigvalsh(imp.sigma)[0] <= 0:
            notes.append(f"the model-implied covariance matrix{in_group(labels, g)} is not "
                         "positive definite")
        if lv_idx:
            cov_lv = imp.sigma_v[np.ix_(lv_idx, lv_idx)]
            eig = np.linalg.eigvalsh(cov_lv)
            if eig[0] < 0:
                sd = np.sqrt(np.abs(np.diag(cov_lv)))
                cor = cov_lv / np.outer(sd, sd)
                np.fill_diagonal(cor, 0)
                i, j = np.unravel_index(np.argmax(np.abs(cor)), cor.shape)
                notes.append(f"the covariance matrix of the latent variables{in_group(labels, g)} "
                             f"is not positive definite (smallest eigenvalue {eig[0]:.3g}; "
                             f"largest correlation {spec.names.lv[i]} ~~ {spec.names.lv[j]} = "
                             f"{cor[i, j]:.3f})")
    return notes


def stats_from_data(data, ov: tuple[str, ...], group: str | None,
                    ) -> tuple[SampleStats, tuple[str, ...]]:
    """Listwise-complete covariance (divided by N) and mean of the model variables per group.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent; NaN = missing.
    ov : tuple of str
        The model's observed variables (columns of ``data``).
    group : str or None
        Grouping column; groups in order of appearance.

    Returns
    -------
    stats : SampleStats
        Per group, covariance matrix divided by N, means and N, over the rows complete on
        ``ov`` (and ``group``).
    labels : tuple of str
        Group labels (``("1",)`` without groups).

    Raises
    ------
    ValueError
        When ``data`` is not a DataFrame, a model column is not numeric, or a group has fewer
        than 2 complete rows.
    SemSpecificationError
        When a variable of the model or the group column is not in ``data``.

    References
    ----------
    Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. Journal of
    Statistical Software, 48(2), 1–36 (``missing = "listwise"``, the default for ML).

    Examples
    --------
    The row with a missing answer is dropped; R's ``lavInspect(fit, "sampstat")`` reports the
    same covariance matrix (divided by N) and means:

    >>> df = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0, 5.0], "b": [2.0, 1.0, 4.0, 3.0, np.nan]})
    >>> st, labels = stats_from_data(df, ("a", "b"), None)
    >>> st.cov[0].tolist(), st.mean[0].tolist(), st.nobs, labels
    ([[1.25, 0.75], [0.75, 1.25]], [2.5, 2.5], (4,), ('1',))
    """
    parts, labels = group_rows(data, ov, group, complete=True)
    covs, means, nobs = [], [], []
    for x, label in zip(parts, labels):
        if len(x) < 2:
            raise ValueError(f"group {label!r} has {len(x)} complete rows; at least 2 are needed")
        mean = x.mean(axis=0)
        centred = x - mean
        covs.append(centred.T @ centred / len(x))
        means.append(mean)
        nobs.append(len(x))
    return SampleStats(tuple(covs), tuple(means), tuple(nobs)), labels


def group_rows(data, ov: tuple[str, ...], group: str | None, complete: bool,
               ) -> tuple[list[np.ndarray], tuple[str, ...]]:
    """The rows of the model variables per group, checked.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent; NaN = missing.
    ov : tuple of str
        The model's observed variables.
    group : str or None
        Grouping column; groups in order of appearance; rows without a group are dropped.
    complete : bool
        Keep only rows that answered every model variable (listwise); otherwise rows that
        answered at least one (FIML), with NaN where missing.

    Returns
    -------
    parts : list of ndarray
        Per group, the (n_g, p) rows in the order of ``ov``.
    labels : tuple of str
        Group labels (``("1",)`` without groups).

    Raises
    ------
    ValueError
        When ``data`` is not a DataFrame or a model column is not numeric.
    SemSpecificationError
        When a variable of the model or the group column is not in ``data``.

    References
    ----------
    Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. Journal of
    Statistical Software, 48(2), 1–36 (``missing = "listwise"`` and ``"ml"``).

    Examples
    --------
    Listwise keeps 4 rows, FIML all 5 (R: ``lavInspect(fit, "nobs")``):

    >>> df = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0, 5.0], "b": [2.0, 1.0, 4.0, 3.0, np.nan]})
    >>> [len(group_rows(df, ("a", "b"), None, complete)[0][0]) for complete in (True, False)]
    [4, 5]
    """
    if not isinstance(data, pd.DataFrame):
        raise ValueError("data must be a pandas DataFrame with columns named as the model's "
                         f"observed variables, not {type(data).__name__}")
    absent = [v for v in ov if v not in data.columns]
    if absent:
        raise SemSpecificationError(f"variable {absent[0]!r} of the model is not a column of data "
                                    f"(columns: {', '.join(map(str, data.columns[:12]))}...)")
    if group is not None and group not in data.columns:
        raise SemSpecificationError(f"group column {group!r} is not a column of data")
    cols = list(ov) + ([group] if group is not None else [])
    frame = data[cols]
    values = frame[list(ov)]
    bad = [c for c in ov if not pd.api.types.is_numeric_dtype(values[c])]
    if bad:
        raise ValueError(f"column {bad[0]!r} is not numeric")
    answered = values.notna()
    keep = (answered.all(axis=1) if complete else answered.any(axis=1)).to_numpy().copy()
    if group is not None:
        keep &= frame[group].notna().to_numpy()
    frame = frame[keep]
    if group is None:
        return [frame[list(ov)].to_numpy(float)], ("1",)
    levels = pd.unique(frame[group])
    parts = [frame.loc[frame[group] == lev, list(ov)].to_numpy(float) for lev in levels]
    return parts, tuple(str(lev) for lev in levels)


def stats_from_moments(sample_cov, sample_nobs, sample_mean, ov: tuple[str, ...],
                       ) -> tuple[SampleStats, tuple[str, ...]]:
    """Sufficient statistics given as (unbiased) covariance matrices, counts and means.

    Each covariance matrix is rescaled by (N − 1)/N, as lavaan's ``sample.cov.rescale =
    TRUE``.

    Parameters
    ----------
    sample_cov : DataFrame, or list or dict of DataFrames
        Covariance matrices (divided by N − 1) labelled by variable; several for groups.
    sample_nobs : int, or list or dict of int
        Number of observations per group.
    sample_mean : Series or array, or list or dict of them, optional
        Means per group (needed for a mean structure).
    ov : tuple of str
        The model's observed variables.

    Returns
    -------
    stats : SampleStats
        Per group, the rescaled covariance matrix and means of ``ov`` and N.
    labels : tuple of str
        Group labels: the dict keys, or "1", "2", ….

    Raises
    ------
    ValueError
        When a matrix is not a labelled DataFrame, not symmetric or has NaN, a count is not a
        whole number ≥ 2, or the lists do not have one entry per group.
    SemSpecificationError
        When a variable of the model is not in a matrix or a mean Series.

    References
    ----------
    Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. Journal of
    Statistical Software, 48(2), 1–36 (``sample.cov``, ``sample.nobs``, ``sample.mean``).

    Examples
    --------
    As ``lavInspect(cfa(model, sample.cov = S, sample.nobs = 100), "sampstat")$cov`` in R:

    >>> s = pd.DataFrame([[1.0, 0.5], [0.5, 2.0]], index=["a", "b"], columns=["a", "b"])
    >>> st, labels = stats_from_moments(s, 100, None, ("a", "b"))
    >>> st.cov[0].tolist(), st.nobs, labels
    ([[0.99, 0.495], [0.495, 1.98]], (100,), ('1',))
    """
    if isinstance(sample_cov, Mapping):
        labels = tuple(str(k) for k in sample_cov)
        covs = list(sample_cov.values())
        nobs = _per_group(sample_nobs, sample_cov.keys(), "sample_nobs")
        means = _per_group(sample_mean, sample_cov.keys(), "sample_mean") if sample_mean is not None else [None] * len(covs)
    elif isinstance(sample_cov, (list, tuple)):
        covs = list(sample_cov)
        labels = tuple(str(i + 1) for i in range(len(covs)))
        nobs = _as_list(sample_nobs, len(covs), "sample_nobs")
        means = _as_list(sample_mean, len(covs), "sample_mean") if sample_mean is not None else [None] * len(covs)
    else:
        covs, labels = [sample_cov], ("1",)
        nobs = [sample_nobs]
        means = [sample_mean]
    out_cov: list[np.ndarray] = []
    out_mean: list[np.ndarray | None] = []
    out_n: list[int] = []
    for c, m, n, label in zip(covs, means, nobs, labels):
        if not isinstance(c, pd.DataFrame):
            raise ValueError("sample_cov must be a pandas DataFrame with variable names as index "
                             "and columns")
        missing = [v for v in ov if v not in c.columns or v not in c.index]
        if missing:
            raise SemSpecificationError(f"variable {missing[0]!r} of the model is not in sample_cov")
        if n is None or not np.isfinite(n) or int(n) != n or n < 2:
            raise ValueError(f"sample_nobs must be an integer of at least 2, not {n!r}")
        s = c.loc[list(ov), list(ov)].to_numpy(float)
        if not np.allclose(s, s.T, rtol=1e-8, atol=1e-10) or np.isnan(s).any():
            raise ValueError(f"sample_cov{' of group ' + label if len(covs) > 1 else ''} must be a "
                             "symmetric matrix without missing values")
        n = int(n)
        out_cov.append((s + s.T) / 2 * (n - 1) / n)
        out_n.append(n)
        if m is None:
            out_mean.append(None)
        else:
            if isinstance(m, pd.Series):
                absent = [v for v in ov if v not in m.index]
                if absent:
                    raise SemSpecificationError(f"variable {absent[0]!r} is not in sample_mean")
                out_mean.append(m.loc[list(ov)].to_numpy(float))
            else:
                arr = np.asarray(m, dtype=float)
                if arr.shape != (len(c.columns),):
                    raise ValueError("sample_mean must have one value per column of sample_cov")
                out_mean.append(pd.Series(arr, index=c.columns).loc[list(ov)].to_numpy(float))
    return SampleStats(tuple(out_cov), tuple(out_mean), tuple(out_n)), labels


def _per_group(value, keys, what: str) -> list:
    if isinstance(value, Mapping):
        try:
            return [value[k] for k in keys]
        except KeyError as exc:
            raise ValueError(f"{what} has no entry for group {exc.args[0]!r}") from None
    return _as_list(value, len(list(keys)), what)


def _as_list(value, n: int, what: str) -> list:
    if n == 1 and not isinstance(value, (list, tuple)):
        return [value]
    if not isinstance(value, (list, tuple)) or len(value) != n:
        raise ValueError(f"{what} must be a list with one entry per group ({n})")
    return list(value)
