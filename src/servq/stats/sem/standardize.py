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
    """Standardized ``value`` of parameter ``row`` given its group's Σ_v and S matrices."""
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
