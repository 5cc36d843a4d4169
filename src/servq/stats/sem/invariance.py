"""Measurement invariance across groups: configural, metric and scalar multi-group CFA.

The three nested models of lavaan's ``cfa(..., group = , group.equal = )``:

- configural: the same factor structure in every group, all parameters free per group
  (intercepts free, latent means 0);
- metric (weak): loadings equal across groups (``group.equal = "loadings"``);
- scalar (strong): loadings and intercepts equal (``c("loadings", "intercepts")``), latent
  means fixed to 0 in the first group and free in the others.

Each step is compared with the previous one by the likelihood-ratio test of
``lavaan::lavTestLRT`` (Δχ² = χ²_restricted − χ²_free on Δdf degrees of freedom) and by
ΔCFI = CFI_restricted − CFI_free. **Rule**: a step holds when Δχ² is not significant
(p ≥ .05) or ΔCFI ≥ −.01 (Cheung & Rensvold 2002; Chen 2007: with large samples the χ²
difference rejects trivial differences, so the CFI change is the practical criterion). The
level reached is the last step that holds with all steps before it holding: scalar
invariance means group means of the scores can be compared; metric only, that
relationships (correlations, regressions) can be compared but not means.

**Partial invariance** (``partial=True``; Byrne, Shavelson & Muthén 1989): when the metric
or the scalar step fails, the equality of that step's kind (loadings at metric, intercepts
at scalar) with the largest score statistic — lavaan's ``lavTestScore``, the test of
releasing that parameter's equality in every group (with two groups its univariate test,
``lavTestScore(fit)$uni``) — is freed (``group_partial``), the model refitted and compared
again with the less constrained model (the final, possibly partial, metric model for the
scalar step) by the same rule. This repeats until the step holds or nothing can be freed:
every factor keeps at least one equal parameter of the step's kind (a factor with all its
loadings, or all its indicators' intercepts, free across groups is not partially
invariant). A step that holds after freeing is "partial metric" / "partial scalar"; the
scalar step is searched on top of the partial metric model; when metric fails even
partially, scalar is not searched.

**Ordered items** (``ordered=``, lavaan's WLSMV with ``parameterization = "delta"``;
:mod:`.wls_groups`): the sequence is configural (thresholds free per group, scaling factors
1 and latent means 0 in every group) → "thresholds" (``group.equal = "thresholds"``; the
later groups' scaling factors ``~*~`` and latent means become free) → "loadings"
(``c("thresholds", "loadings")``); intercepts of ordered items are fixed to 0 and their
residual variances are not parameters, so lavaan has no further measurement step (Wu &
Estabrook 2016 discuss the identification). Each step is compared by lavaan's
``lavTestLRT`` for WLSMV, the scaled-shifted difference test of Satorra (2000)
(:func:`.wls_groups.scaled_shifted_difference`), and by the change in the scaled CFI,
with the same rule. The partial search needs score tests, which the DWLS fit does not
have: free equalities by hand with ``group_partial`` (``"x1|t2"``, ``"f =~ x2"``).

**Robust estimators** (``estimator="MLR"`` or ``"MLM"``, continuous items): each step is
compared by lavaan's ``lavTestLRT`` for these fits, the scaled difference test of Satorra &
Bentler (2001): with the unscaled χ² T, df d and scaling factor c of the restricted (0) and
the free (1) model, c_d = (d₀c₀ − d₁c₁)/(d₀ − d₁) and Δχ² = (T₀ − T₁)/c_d on d₀ − d₁ df;
and by the change in the robust CFI (``cfi.robust``, Brosseau-Liard & Savalei 2014). The table
also has each model's scaled χ² (``chisq_scaled``); its cfi and rmsea are the robust ones.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import special

from ..numbers import finite
from ..polychoric import OrdinalTables, Polychoric, ScoreCrossproducts, polychoric
from .core import fit_sem
from .options import SemOptions
from .results import SemResults, frame_records
from .syntax import parse
from .wls import OrdinalSemResults, fit_ordinal_tables, group_tables
from .wls_groups import scaled_shifted_difference

LEVELS = (("configural", ()), ("metric", ("loadings",)), ("scalar", ("loadings", "intercepts")))
ORDINAL_LEVELS = (("configural", ()), ("thresholds", ("thresholds",)), ("loadings", ("thresholds", "loadings")))
ROBUST = ("MLR", "MLM")  # estimators with lavTestLRT's Satorra–Bentler (2001) scaled difference
ALPHA = 0.05
DELTA_CFI = -0.01
SEARCH_COLUMNS = ["step", "param", "X2", "score_df", "score_pvalue", "chisq", "df", "cfi", "chisq_diff",
                  "df_diff", "pvalue", "cfi_diff", "holds"]


@dataclass(frozen=True)
class InvarianceResults:
    """The configural, metric and scalar fits and their comparison.

    ``table`` has one row per model: model, chisq, df, cfi, rmsea, chisq_diff, df_diff,
    pvalue (of the Δχ² test against the row above), cfi_diff, holds (None for configural).
    ``level`` is the highest level that holds ("configural", "metric" or "scalar").

    Parameters
    ----------
    fits : dict of str to SemResults or OrdinalSemResults
        The configural, metric and scalar fits (ordered items: configural, thresholds,
        loadings).
    table : pandas.DataFrame
        The comparison table described above.
    level : str
        The highest level that holds (ordered items: "configural", "thresholds" or
        "loadings", "partial …" with ``group_partial``). With ordered items the table also
        has chisq_scaled; cfi and rmsea are the scaled ones and chisq_diff is the
        scaled-shifted difference statistic (lavTestLRT's "Chisq diff").
    groups : tuple of str
        Group labels.
    rule : str
        The decision rule in words.
    search : pandas.DataFrame
        With ``partial=True``, one row per parameter freed, in order: step ("metric" or
        "scalar"), param (as ``group_partial`` writes it), score X2, score_df,
        score_pvalue (its score test in the model before freeing it), then the refitted
        model's chisq, df, cfi, chisq_diff, df_diff, pvalue, cfi_diff and holds (against the
        less constrained model). Empty otherwise or when no step needed freeing.
    group_partial : tuple of str
        Everything left free in the final scalar (or metric) model: the ``group_partial``
        given, then the parameters freed by the search.

    References
    ----------
    Meredith, W. (1993). Measurement invariance, factor analysis and factorial invariance.
    Psychometrika, 58(4), 525–543. Cheung, G. W. & Rensvold, R. B. (2002). Evaluating
    goodness-of-fit indexes for testing measurement invariance. Structural Equation
    Modeling, 9(2), 233–255.

    Examples
    --------
    Two groups that differ only in the intercept of ``d``: loadings are invariant, intercepts
    are not (R: ``lavTestLRT`` of the three ``cfa(..., group = "g", group.equal = ...)`` fits):

    >>> import numpy as np
    >>> names = ["a", "b", "c", "d"]
    >>> cov = pd.DataFrame(0.5 + 0.5 * np.eye(4), index=names, columns=names)
    >>> m1 = pd.Series([3.0, 3.2, 2.9, 3.1], index=names)
    >>> m2 = pd.Series([3.0, 3.2, 2.9, 3.6], index=names)
    >>> res = invariance("f =~ a + b + c + d", sample_cov=[cov, cov], sample_nobs=[200, 200],
    ...                  sample_mean=[m1, m2])
    >>> res.level, res.to_frame()["df"].tolist(), round(float(res.table.chisq_diff[2]), 2)
    ('metric', [4.0, 7.0, 10.0], 36.15)
    """

    fits: Mapping[str, SemResults | OrdinalSemResults] = field(repr=False)
    table: pd.DataFrame = field(repr=False)
    level: str
    groups: tuple[str, ...]
    rule: str = (f"a step holds when the chi-square difference test is not significant "
                 f"(p >= {ALPHA}) or the CFI drops by no more than {abs(DELTA_CFI)} "
                 f"(delta CFI >= {DELTA_CFI})")
    search: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=SEARCH_COLUMNS), repr=False)
    group_partial: tuple[str, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        """The comparison table (a copy)."""
        return self.table.copy()

    def verdict(self) -> str:
        """One plain sentence on what may be compared across the groups."""
        groups = ", ".join(self.groups)
        freed = ", ".join(self.group_partial)
        with_free = f" with {freed} free" if self.level.startswith("partial") else ""
        if self.level.endswith("loadings"):
            return (f"Thresholds and loadings of the ordered items are equal across {groups}{with_free}: the "
                    "answer scales are read alike, so dimension means and relationships can be compared.")
        if self.level.endswith("thresholds"):
            return (f"Thresholds of the ordered items are equal across {groups}{with_free}, loadings are not: "
                    "the answer categories are used alike, but neither means nor relationships compare directly.")
        if self.level == "partial scalar":
            return (f"Partial scalar invariance holds across {groups} with {freed} free: dimension means "
                    "can be compared, carried by the items whose loadings and intercepts are equal.")
        if self.level == "partial metric":
            return (f"Partial metric invariance holds across {groups} with {freed} free, scalar does not: "
                    "relationships can be compared, dimension means not.")
        if self.level == "scalar":
            return (f"Scalar invariance holds across {groups}: loadings and intercepts are equal, "
                    "so dimension means can be compared between the groups.")
        if self.level == "metric":
            return (f"Metric invariance holds across {groups}, scalar does not: relationships "
                    "(correlations, drivers) can be compared, but differences in dimension means "
                    "may reflect how the questionnaire is read rather than the service.")
        differ = "the items' thresholds" if "chisq_scaled" in self.table else "loadings"
        return (f"Only configural invariance holds across {groups}: the same dimensions appear, "
                f"but {differ} differ, so neither means nor relationships compare directly.")

    def to_dict(self) -> dict:
        """JSON-able dict: level, rule, verdict, groups, the table and each fit's measures."""
        return {"level": self.level, "rule": self.rule, "verdict": self.verdict(),
                "groups": list(self.groups), "table": frame_records(self.table),
                "group_partial": list(self.group_partial), "search": frame_records(self.search),
                "fits": {k: {m: finite(v) for m, v in fit.fit.items()} for k, fit in self.fits.items()}}


def invariance(model: str, data: pd.DataFrame | None = None, group: str | None = None, *,
               sample_cov=None, sample_nobs=None, sample_mean=None,
               std_lv: bool = False, group_partial=(), partial: bool = False,
               ordered=None, estimator: str | None = None, tables: Mapping[str, OrdinalTables] | None = None,
               crossproducts: Mapping[str, ScoreCrossproducts] | None = None,
               samples: Mapping[str, Polychoric] | None = None) -> InvarianceResults:
    """Configural, metric and scalar invariance of a CFA across groups.

    Parameters
    ----------
    model : str
        lavaan measurement model.
    data, group : DataFrame and the name of its grouping column; or
    sample_cov, sample_nobs, sample_mean : lists (or dicts by group) of per-group
        covariance matrices (N − 1), counts and means.
    std_lv : bool
        Identify factors by unit latent variances (in the first group under equality).
    group_partial : sequence of str
        Parameters left free across groups in the metric and scalar models (lavaan's
        ``group.partial``, e.g. ``["x3 ~ 1"]``).
    partial : bool
        Search for partial invariance when metric or scalar fails (module docstring): free,
        one at a time, the equality with the largest score test until the step holds.
        Not available with ``ordered``.
    ordered : list of str or True, optional
        Ordered items (every observed variable): the WLSMV sequence configural →
        thresholds → thresholds + loadings (module docstring), from ``data``.
    estimator : str, optional
        With ``ordered``: "WLSMV" (the default, the only one with a scaled difference test).
        Otherwise "ML" (the default), or "MLR" / "MLM" with the scaled difference test
        (module docstring; from ``data``, without ``partial``).
    tables, crossproducts : dicts by group of OrdinalTables and ScoreCrossproducts, optional
        Instead of ``data``: per group, the ordered items' contingency tables and the score
        cross-products of a second pass over its rows (:func:`.wls.fit_ordinal_tables`; the
        statistics of pairwise present answers, lavaan's ``missing = "pairwise"``); the
        WLSMV sequence of ``ordered`` on every item of the model.
    samples : dict by group of Polychoric, optional
        With ``tables``: each group's ``polychoric(tables[group])`` when it was computed
        already (for the second pass); computed here otherwise.

    Returns
    -------
    InvarianceResults
        The three fits, the comparison table and the level reached.

    Raises
    ------
    ValueError
        When the data have fewer than two groups, ``partial=True`` or sample statistics or
        an estimator other than WLSMV with ``ordered``, an estimator other than ML, MLR and MLM
        without, or ``partial=True`` or sample statistics with MLR / MLM; and as for
        :func:`~servq.stats.sem.cfa`.

    References
    ----------
    Meredith, W. (1993). Measurement invariance, factor analysis and factorial invariance.
    Psychometrika, 58(4), 525–543. Cheung, G. W. & Rensvold, R. B. (2002). Evaluating
    goodness-of-fit indexes for testing measurement invariance. Structural Equation
    Modeling, 9(2), 233–255. Chen, F. F. (2007). Sensitivity of goodness of fit indexes to
    lack of measurement invariance. Structural Equation Modeling, 14(3), 464–504.
    Satorra, A. & Bentler, P. M. (2001). A scaled difference chi-square test statistic for
    moment structure analysis. Psychometrika, 66(4), 507–514.

    Examples
    --------
    Two groups with identical moments are invariant at every level (Δχ² = 0); on real data
    the numbers are those of ``lavTestLRT(cfa(model, data, group = "g"), cfa(...,
    group.equal = "loadings"), cfa(..., group.equal = c("loadings", "intercepts")))`` in R:

    >>> import numpy as np
    >>> names = ["a", "b", "c", "d"]
    >>> cov = pd.DataFrame(0.5 + 0.5 * np.eye(4), index=names, columns=names)
    >>> mean = pd.Series([3.0, 3.2, 2.9, 3.1], index=names)
    >>> res = invariance("f =~ a + b + c + d", sample_cov=[cov, cov], sample_nobs=[150, 150],
    ...                  sample_mean=[mean, mean])
    >>> res.level, [abs(round(x, 6)) for x in res.table.chisq_diff[1:]]
    ('scalar', [0.0, 0.0])
    """
    user = tuple([group_partial] if isinstance(group_partial, str) else group_partial)
    if ordered or tables is not None:
        return _ordinal(model, _ordinal_fits(model, data, group, ordered, tables, crossproducts, samples, sample_cov, std_lv,
                                             user),
                        estimator, partial=partial, user=user)
    options = SemOptions(estimator or "ML")
    robust = options.estimator in ROBUST
    if options.estimator not in ("ML", *ROBUST):
        raise ValueError(f"invariance needs estimator='ML', 'MLR' or 'MLM' (lavTestLRT's difference test of "
                         f"these); got {estimator!r}")
    if robust and (partial or data is None):
        raise ValueError(f"invariance with estimator={estimator!r} needs raw data (data=) and no partial=True "
                         "(the partial search uses ML's score tests)")

    def fit(equal: tuple[str, ...], free: tuple[str, ...]) -> SemResults:
        return fit_sem(model, data, sample_cov=sample_cov, sample_nobs=sample_nobs,
                       sample_mean=sample_mean, group=group, std_lv=std_lv,
                       group_equal=equal, group_partial=free if equal else (), meanstructure=True,
                       options=options)

    fits = {"configural": fit((), ())}
    if len(fits["configural"].groups) < 2:
        raise ValueError(f"invariance needs at least two groups; found {len(fits['configural'].groups)}")
    search: list[dict] = []
    free = {"metric": user, "scalar": user}
    if partial:
        loadings = [(f.lhs, f.rhs) for f in parse(model) if f.op == "=~"]
        fits["metric"], free["metric"], holds = _search(fit, "metric", user, fits["configural"], loadings, search)
        free["scalar"] = free["metric"]
        if holds:
            fits["scalar"], free["scalar"], _ = _search(fit, "scalar", free["metric"], fits["metric"], loadings,
                                                        search)
        else:
            fits["scalar"] = fit(LEVELS[2][1], free["metric"])
    else:
        for name, equal in LEVELS[1:]:
            fits[name] = fit(equal, user)
    first = fits["configural"]
    rows, level, ok = [], "configural", True
    prev = None
    for name, _ in LEVELS:
        fm = fits[name].fit
        row: dict = {"model": name, "chisq": fm["chisq"], "df": fm["df"], "cfi": fm["cfi"],
                     "rmsea": fm["rmsea"], "chisq_diff": np.nan, "df_diff": np.nan, "pvalue": np.nan,
                     "cfi_diff": np.nan, "holds": None, "group_partial": ", ".join(free.get(name, ()))}
        if robust:
            row.update(chisq_scaled=fm["chisq.scaled"], cfi=fm["cfi.robust"], rmsea=fm["rmsea.robust"])
        if prev is not None:
            row.update(_compare(fm, prev, robust))
            ok = ok and bool(row["holds"])
            if ok:
                level = f"partial {name}" if free[name] else name
        rows.append(row)
        prev = fm
    final = free["scalar"] if level.endswith("scalar") else free["metric"]
    extra = {"rule": (f"a step holds when the Satorra-Bentler (2001) scaled chi-square difference test "
                      f"(lavTestLRT, {options.estimator}) is not significant (p >= {ALPHA}) or the robust CFI drops "
                      f"by no more than {abs(DELTA_CFI)}")} if robust else {}
    return InvarianceResults(fits=fits, table=pd.DataFrame(rows), level=level, groups=first.groups,
                             search=pd.DataFrame(search, columns=SEARCH_COLUMNS),
                             group_partial=tuple(final) if level != "configural" else (), **extra)


def _ordinal_fits(model: str, data, group, ordered, tables, crossproducts, polys, sample_cov, std_lv: bool,
                  user: tuple[str, ...]) -> Callable[[tuple[str, ...]], OrdinalSemResults]:
    """The WLSMV fit of ``model`` with some equalities, from the rows or from per-group tables."""
    if tables is not None:
        if data is not None or sample_cov is not None:
            raise ValueError("give the ordered items' tables or the data, not both")
        if crossproducts is None or set(crossproducts) != set(tables):
            raise ValueError("invariance from tables needs each group's score crossproducts (WLSMV's second pass)")
        labels = [str(g) for g in tables]
        sets, scores = list(tables.values()), [crossproducts[g] for g in tables]
        samples = [polys[g] if polys and g in polys else polychoric(t) for g, t in tables.items()]  # once for the three
        return lambda equal: fit_ordinal_tables(model, sets, sample=samples, crossproducts=scores, groups=labels,
                                                std_lv=std_lv, group_equal=equal, group_partial=user if equal else ())
    if data is None or sample_cov is not None or group is None:
        raise ValueError("invariance with ordered items needs raw data (data=) and group=, or tables=")
    rows = group_tables(model, data, group, ordered)  # once for the three fits
    return lambda equal: fit_ordinal_tables(model, list(rows.tables), sample=list(rows.samples),
                                            crossproducts=list(rows.crossproducts), groups=list(rows.labels),
                                            std_lv=std_lv, group_equal=equal, group_partial=user if equal else ())


def _ordinal(model: str, fit: Callable[[tuple[str, ...]], OrdinalSemResults], estimator, *, partial: bool,
             user: tuple[str, ...]) -> InvarianceResults:
    """The WLSMV sequence configural → thresholds → loadings (module docstring)."""
    est = (estimator or "WLSMV").upper()
    if est != "WLSMV":
        raise ValueError(f"invariance with ordered items needs estimator='WLSMV' (its scaled chi-square difference "
                         f"test); got {estimator!r}")
    if partial:
        raise ValueError("partial=True is not available with ordered items: the DWLS fit has no score tests to "
                         "pick the equality to free; free equalities by hand with group_partial "
                         "(for example ['x1|t2', 'f =~ x2'])")
    fits = {name: fit(equal) for name, equal in ORDINAL_LEVELS}
    rows, level, ok = [], "configural", True
    prev: OrdinalSemResults | None = None
    for name, _ in ORDINAL_LEVELS:
        cur = fits[name]
        fm = cur.fit
        row: dict = {"model": name, "chisq": fm["chisq"], "df": fm["df"], "chisq_scaled": fm["chisq.scaled"],
                     "cfi": fm["cfi.scaled"], "rmsea": fm["rmsea.scaled"], "chisq_diff": np.nan, "df_diff": np.nan,
                     "pvalue": np.nan, "cfi_diff": np.nan, "holds": None,
                     "group_partial": ", ".join(user) if name != "configural" else ""}
        if prev is not None:
            if cur._moments is None or prev._moments is None:
                raise ValueError("the ordinal fits lack the statistics of the difference test")
            test = scaled_shifted_difference(prev._moments, cur._moments, prev.fit["chisq"], prev.fit["df"],
                                             fm["chisq"], fm["df"])
            dcfi = fm["cfi.scaled"] - prev.fit["cfi.scaled"]
            holds = bool(test["pvalue"] >= ALPHA or dcfi >= DELTA_CFI)
            row.update(chisq_diff=test["chisq_diff"], df_diff=test["df_diff"], pvalue=test["pvalue"],
                       cfi_diff=dcfi, holds=holds)
            ok = ok and holds
            if ok:
                level = f"partial {name}" if user else name
        rows.append(row)
        prev = cur
    rule = (f"a step holds when the scaled-shifted chi-square difference test (lavTestLRT, WLSMV) is not "
            f"significant (p >= {ALPHA}) or the scaled CFI drops by no more than {abs(DELTA_CFI)}")
    return InvarianceResults(fits=dict(fits), table=pd.DataFrame(rows), level=level, groups=fits["configural"].groups,
                             rule=rule, group_partial=user if level != "configural" else ())


def _compare(fm: dict, prev: dict, robust: bool = False) -> dict:
    """Δχ² (with ``robust``, Satorra & Bentler's 2001 scaled one), its p, ΔCFI (robust CFI) against
    the less constrained model, and whether the step holds."""
    ddf = fm["df"] - prev["df"]
    diff = fm["chisq"] - prev["chisq"]
    if robust and ddf > 0:
        diff /= (fm["df"] * fm["chisq.scaling.factor"] - prev["df"] * prev["chisq.scaling.factor"]) / ddf
    # a difference below 0 (equal fits, rounding) has p = 1, as R's pchisq(d, df, lower.tail = FALSE)
    p = float(special.chdtrc(ddf, max(diff, 0.0))) if ddf > 0 else np.nan
    cfi = "cfi.robust" if robust else "cfi"
    dcfi = fm[cfi] - prev[cfi]
    holds = bool((np.isfinite(p) and p >= ALPHA) or dcfi >= DELTA_CFI)
    return {"chisq_diff": diff, "df_diff": ddf, "pvalue": p, "cfi_diff": dcfi, "holds": holds}


def _search(fit, step: str, free: tuple[str, ...], reference: SemResults,
            loadings: list[tuple[str, str]], out: list[dict]) -> tuple[SemResults, tuple[str, ...], bool]:
    """Free the step's equality with the largest score test until the step holds (module docstring).

    Appends one record per parameter freed to ``out``; returns the final fit, everything
    free and whether the step holds.
    """
    equal, op = (("loadings",), "=~") if step == "metric" else (LEVELS[2][1], "~1")
    while True:
        current = fit(equal, free)
        cmp = _compare(current.fit, reference.fit)
        if out and out[-1]["step"] == step and out[-1]["holds"] is None:
            out[-1].update(chisq=current.fit["chisq"], df=current.fit["df"], cfi=current.fit["cfi"], **cmp)
        if cmp["holds"]:
            return current, free, True
        tests = current.score_tests(per_parameter=True)
        cand = tests[tests.op == op].reset_index(drop=True)
        allowed = _freeable(cand, op, loadings)
        if not allowed:
            return current, free, False
        best = max(allowed, key=lambda k: cand.X2[k])
        out.append({"step": step, "param": cand.param[best], "X2": float(cand.X2[best]),
                    "score_df": int(cand.df[best]), "score_pvalue": float(cand["p.value"][best]), "holds": None})
        free = (*free, cand.param[best])


def _freeable(cand: pd.DataFrame, op: str, loadings: list[tuple[str, str]]) -> list[int]:
    """Rows of ``cand`` (the constrained parameters of one kind) that may be freed: every factor
    of the parameter keeps at least one other equal loading (or indicator intercept)."""
    constrained = set(cand.lhs)

    def factors(k: int) -> list[str]:
        if op == "=~":
            return [cand.lhs[k]]
        return [f for f, x in loadings if x == cand.lhs[k]]

    def members(f: str) -> int:
        if op == "=~":
            return int((cand.lhs == f).sum())
        return len({x for g, x in loadings if g == f and x in constrained})

    return [k for k in range(len(cand)) if all(members(f) > 1 for f in factors(k))]
