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
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import special

from ..numbers import finite
from .core import fit_sem
from .results import SemResults, frame_records

LEVELS = (("configural", ()), ("metric", ("loadings",)), ("scalar", ("loadings", "intercepts")))
ALPHA = 0.05
DELTA_CFI = -0.01


@dataclass(frozen=True)
class InvarianceResults:
    """The configural, metric and scalar fits and their comparison.

    ``table`` has one row per model: model, chisq, df, cfi, rmsea, chisq_diff, df_diff,
    pvalue (of the Δχ² test against the row above), cfi_diff, holds (None for configural).
    ``level`` is the highest level that holds ("configural", "metric" or "scalar").

    Parameters
    ----------
    fits : dict of str to SemResults
        The configural, metric and scalar fits.
    table : pandas.DataFrame
        The comparison table described above.
    level : str
        The highest level that holds.
    groups : tuple of str
        Group labels.
    rule : str
        The decision rule in words.

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

    fits: dict[str, SemResults] = field(repr=False)
    table: pd.DataFrame = field(repr=False)
    level: str
    groups: tuple[str, ...]
    rule: str = (f"a step holds when the chi-square difference test is not significant "
                 f"(p >= {ALPHA}) or the CFI drops by no more than {abs(DELTA_CFI)} "
                 f"(delta CFI >= {DELTA_CFI})")

    def to_frame(self) -> pd.DataFrame:
        """The comparison table (a copy)."""
        return self.table.copy()

    def verdict(self) -> str:
        """One plain sentence on what may be compared across the groups."""
        groups = ", ".join(self.groups)
        if self.level == "scalar":
            return (f"Scalar invariance holds across {groups}: loadings and intercepts are equal, "
                    "so dimension means can be compared between the groups.")
        if self.level == "metric":
            return (f"Metric invariance holds across {groups}, scalar does not: relationships "
                    "(correlations, drivers) can be compared, but differences in dimension means "
                    "may reflect how the questionnaire is read rather than the service.")
        return (f"Only configural invariance holds across {groups}: the same dimensions appear, "
                "but loadings differ, so neither means nor relationships compare directly.")

    def to_dict(self) -> dict:
        """JSON-able dict: level, rule, verdict, groups, the table and each fit's measures."""
        return {"level": self.level, "rule": self.rule, "verdict": self.verdict(),
                "groups": list(self.groups), "table": frame_records(self.table),
                "fits": {k: {m: finite(v) for m, v in fit.fit.items()} for k, fit in self.fits.items()}}


def invariance(model: str, data: pd.DataFrame | None = None, group: str | None = None, *,
               sample_cov=None, sample_nobs=None, sample_mean=None,
               std_lv: bool = False) -> InvarianceResults:
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

    Returns
    -------
    InvarianceResults
        The three fits, the comparison table and the level reached.

    Raises
    ------
    ValueError
        When the data have fewer than two groups; and as for :func:`~servq.stats.sem.cfa`.

    References
    ----------
    Meredith, W. (1993). Measurement invariance, factor analysis and factorial invariance.
    Psychometrika, 58(4), 525–543. Cheung, G. W. & Rensvold, R. B. (2002). Evaluating
    goodness-of-fit indexes for testing measurement invariance. Structural Equation
    Modeling, 9(2), 233–255. Chen, F. F. (2007). Sensitivity of goodness of fit indexes to
    lack of measurement invariance. Structural Equation Modeling, 14(3), 464–504.

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
    fits = {}
    for name, equal in LEVELS:
        fits[name] = fit_sem(model, data, sample_cov=sample_cov, sample_nobs=sample_nobs,
                             sample_mean=sample_mean, group=group, std_lv=std_lv,
                             group_equal=equal, meanstructure=True)
        if len(fits[name].groups) < 2:
            raise ValueError(f"invariance needs at least two groups; found {len(fits[name].groups)}")
    first = fits["configural"]
    rows, level, ok = [], "configural", True
    prev = None
    for name, _ in LEVELS:
        fm = fits[name].fit
        row = {"model": name, "chisq": fm["chisq"], "df": fm["df"], "cfi": fm["cfi"],
               "rmsea": fm["rmsea"], "chisq_diff": np.nan, "df_diff": np.nan, "pvalue": np.nan,
               "cfi_diff": np.nan, "holds": None}
        if prev is not None:
            diff = fm["chisq"] - prev["chisq"]
            ddf = fm["df"] - prev["df"]
            # a difference below 0 (equal fits, rounding) has p = 1, as R's pchisq(d, df, lower.tail = FALSE)
            p = float(special.chdtrc(ddf, max(diff, 0.0))) if ddf > 0 else np.nan
            dcfi = fm["cfi"] - prev["cfi"]
            holds = bool((np.isfinite(p) and p >= ALPHA) or dcfi >= DELTA_CFI)
            row.update(chisq_diff=diff, df_diff=ddf, pvalue=p, cfi_diff=dcfi, holds=holds)
            ok = ok and holds
            if ok:
                level = name
        rows.append(row)
        prev = fm
    return InvarianceResults(fits=fits, table=pd.DataFrame(rows), level=level,
                             groups=first.groups)
