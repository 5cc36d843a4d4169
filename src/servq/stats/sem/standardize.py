"""Standardized parameters as lavaan's ``std.lv`` and ``std.all`` (``cov.std = TRUE``).

With sd_v the model-implied standard deviation of variable v (latent: from the implied
latent covariance; observed: from Σ̂) and ψ_vv the variance parameter of v (its residual
variance when v is endogenous):

- loading ``f =~ x`` and regression ``y ~ x``: b · sd_x / sd_y (``f =~ x`` is x on f);
- variance ``v ~~ v``: ψ_vv / sd_v²;
- covariance ``a ~~ b``: ψ_ab / √(|ψ_aa| |ψ_bb|) (a residual correlation when endogenous);
- intercept ``v ~ 1``: m_v / sd_v.

``std.lv`` uses only the latent variables' terms (observed ones count as 1), ``std.all``
all of them (``lavaan:::lav_standardize_lv`` and ``lav_standardize_all``).
"""

from __future__ import annotations

import numpy as np

from .model import Model, Row


def standardize(model: Model, row: Row, value: float, sigma_v: np.ndarray, s: np.ndarray,
                latent_only: bool) -> float:
    """Standardized ``value`` of parameter ``row`` given its group's Σ_v and S matrices.

    Parameters
    ----------
    model : Model
        The parameter table.
    row : Row
        The parameter.
    value : float
        Its (unstandardized) value.
    sigma_v : ndarray
        Implied covariance matrix of all variables of the row's group.
    s : ndarray
        The group's S matrix (variances and covariances of the RAM residuals).
    latent_only : bool
        True for ``std.lv`` (scale by latent variables only), False for ``std.all``.

    Returns
    -------
    float
        The standardized value (NaN where a standard deviation is 0).

    References
    ----------
    Bollen, K. A. (1989). Structural Equations with Latent Variables. New York: Wiley
    (standardized coefficients). Rosseel, Y. (2012). lavaan. Journal of Statistical Software,
    48(2), 1–36 (``standardizedSolution``).

    Examples
    --------
    In a saturated one-factor model the standardized loading of ``a`` is
    √(r_ab·r_ac/r_bc) = √(1/3), as ``standardizedSolution(fit)$est.std[1]`` in R:

    >>> from servq.stats.sem.estimate import implied
    >>> from servq.stats.sem.model import build
    >>> from servq.stats.sem.syntax import parse
    >>> m = build(parse("f =~ a + b + c"))
    >>> theta = np.array([1.5, 1.2, 0.66, 0.4455, 0.4158, 0.33])
    >>> sigma_v, s = implied(m, theta, 0).sigma_v, m.matrices(theta, 0)[1]
    >>> round(standardize(m, m.rows[0], 1.0, sigma_v, s, latent_only=False), 4), round(float(np.sqrt(1 / 3)), 4)
    (0.5774, 0.5774)
    """
    lv = set(model.names.lv)

    def scaled(name: str) -> bool:
        return name in lv or not latent_only

    def sd(name: str) -> float:
        var = sigma_v[model.index(name), model.index(name)]
        return float(np.sqrt(var)) if var > np.finfo(float).eps else np.nan

    if row.op == "=~":
        out = value * (sd(row.lhs) if scaled(row.lhs) else 1.0)
        return out / (sd(row.rhs) if scaled(row.rhs) else 1.0)
    if row.op == "~":
        out = value * (sd(row.rhs) if scaled(row.rhs) else 1.0)
        return out / (sd(row.lhs) if scaled(row.lhs) else 1.0)
    if row.op == "~1":
        return value / (sd(row.lhs) if scaled(row.lhs) else 1.0)
    if row.lhs == row.rhs:
        return value / (sd(row.lhs) ** 2 if scaled(row.lhs) else 1.0)
    out = value
    for name in (row.lhs, row.rhs):
        if scaled(name):
            i = model.index(name)
            out /= np.sqrt(abs(s[i, i]))
    return float(out)
