"""Starting values for ML estimation, close to lavaan's defaults.

Loadings and latent variances from a one-factor principal-axis solution of each factor's
indicators (rescaled to the marker, or to unit variance with ``std_lv``), and for a factor
measured by factors the one factor of their approximate covariances; residual variances
of observed variables the part of the observed variance the factor leaves (kept within
10–90 % of it; lavaan takes half); observed variables that are neither indicators nor
outcomes start at their sample variances and covariances (so that the implied covariance
matrix starts positive definite); observed intercepts the sample means; regressions, other
covariances and latent means 0; user ``start()`` values win. The optimiser converges to the
same ML solution from any reasonable start; these only make it quick.
"""

from __future__ import annotations

import numpy as np

from .estimate import SampleStats
from .model import Model


def start_values(model: Model, stats: SampleStats) -> np.ndarray:
    """Starting values of the free parameters (see the module docstring).

    Parameters
    ----------
    model : Model
        The parameter table.
    stats : SampleStats
        Sample statistics per group; a parameter shared by several groups starts at the
        mean of its per-group values.

    Returns
    -------
    ndarray
        The starting values θ₀, indexed by ``Row.par``.

    References
    ----------
    Harman, H. H. (1976). Modern Factor Analysis, 3rd ed. Chicago: University of Chicago
    Press (principal-axis factoring). Rosseel, Y. (2012). lavaan: An R package for
    structural equation modeling. Journal of Statistical Software, 48(2), 1–36.

    Examples
    --------
    Loadings, residual variances and the factor variance to start from. R's
    ``lavInspect(fit, "start")`` gives lavaan's own, somewhat different, values; both reach
    the same estimates (λ_b = 1.5, λ_c = 1.2, ψ = .33 here):

    >>> from servq.stats.sem.model import build
    >>> from servq.stats.sem.syntax import parse
    >>> s = np.array([[1.0, 0.5, 0.4], [0.5, 1.2, 0.6], [0.4, 0.6, 0.9]])
    >>> m = build(parse("f =~ a + b + c"))
    >>> np.round(start_values(m, SampleStats((0.99 * s,), (None,), (100,))), 4).tolist()
    [1.3216, 1.1493, 0.6574, 0.6072, 0.4517, 0.3326]
    """
    theta = np.zeros(model.n_par)
    count = np.zeros(model.n_par)
    ov = model.names.ov
    lv = set(model.names.lv)
    dependent = {r.lhs for r in model.rows if r.op == "~"} | {r.rhs for r in model.rows if r.op == "=~"}
    for g in range(model.n_groups):
        s = stats.cov[g]
        loading, lv_var, resid = _one_factor(model, g, s)
        mean = stats.mean[g]
        for r in model.rows:
            if r.group != g or r.par < 0:
                continue
            if r.start is not None:
                value = r.start
            elif r.op == "=~":
                value = loading.get((r.lhs, r.rhs), 1.0)
            elif r.op == "~~" and r.lhs == r.rhs:
                if r.lhs in lv:
                    value = lv_var.get(r.lhs, 0.05)
                else:
                    share = 0.5 if r.lhs in dependent else 1.0
                    value = resid.get(r.lhs, share * s[ov.index(r.lhs), ov.index(r.lhs)])
            elif r.op == "~~" and not {r.lhs, r.rhs} & (lv | dependent):
                value = s[ov.index(r.lhs), ov.index(r.rhs)]
            elif r.op == "~1" and r.lhs not in lv and mean is not None:
                value = mean[ov.index(r.lhs)]
            else:
                value = 0.0
            theta[r.par] += value
            count[r.par] += 1
    return theta / np.maximum(count, 1)


def _one_factor(model: Model, group: int, s: np.ndarray):
    ov = model.names.ov
    rows = [r for r in model.rows if r.group == group]
    loading: dict[tuple[str, str], float] = {}
    lv_var: dict[str, float] = {}
    resid: dict[str, float] = {}
    for f in model.names.lv:
        ind = [r for r in rows if r.op == "=~" and r.lhs == f and r.rhs in ov]
        if len(ind) < 2:
            continue
        idx = [ov.index(r.rhs) for r in ind]
        sub = s[np.ix_(idx, idx)]
        lam = _principal_axis(sub)
        lam_scaled = _identify(f, ind, rows, lam, lv_var)
        for k, r in enumerate(ind):
            loading[(f, r.rhs)] = float(lam_scaled[k])
            var = sub[k, k]
            resid[r.rhs] = float(np.clip(var - lam[k] ** 2, 0.1 * var, 0.9 * var))
    _higher_order(model, rows, s, loading, lv_var)
    return loading, lv_var, resid


def _identify(f: str, ind: list, rows: list, lam: np.ndarray, lv_var: dict) -> np.ndarray:
    """Principal-axis loadings ``lam`` of factor ``f`` (unit variance) rescaled to its marker, whose
    square is then its variance, or to its fixed variance; ``lv_var[f]`` is set."""
    marker = next((k for k, r in enumerate(ind) if r.par < 0 and r.value != 0), None)
    var_row = next((r for r in rows if r.op == "~~" and r.lhs == f and r.rhs == f), None)
    if marker is not None and (var_row is None or var_row.par >= 0) and abs(lam[marker]) > 1e-8:
        scale = lam[marker] / ind[marker].value
        lv_var[f] = scale ** 2
        return lam / scale
    psi = var_row.value if var_row is not None and var_row.par < 0 else 1.0
    lv_var[f] = psi
    return lam / np.sqrt(psi) if psi > 0 else lam


def _higher_order(model: Model, rows: list, s: np.ndarray, loading: dict, lv_var: dict) -> None:
    """A factor measured by factors (a second-order factor) starts as the one factor of their
    covariances, each the mean of s_ab / (λ_a λ_b) over their items' pairs; each first-order factor's
    variance becomes its disturbance variance (the part the higher factor leaves, within 10–90 %).
    Without it the higher factor would start at lavaan's 0.05 whatever the scale of the items, from
    which scoring on 0-100 answers wanders off to a sign-flipped, diverging solution."""
    ov = model.names.ov
    items = {f: [(ov.index(rhs), lam) for (lhs, rhs), lam in loading.items() if lhs == f and abs(lam) > 1e-8]
             for f in lv_var}
    for h in model.names.lv:
        ind = [r for r in rows if r.op == "=~" and r.lhs == h]
        if h in lv_var or len(ind) < 2 or not all(items.get(r.rhs) for r in ind):
            continue
        k = len(ind)
        cov = np.empty((k, k))
        for i, a in enumerate(ind):
            for j, b in enumerate(ind):
                cov[i, j] = lv_var[a.rhs] if i == j else np.mean(
                    [s[p, q] / (lp * lq) for p, lp in items[a.rhs] for q, lq in items[b.rhs]])
        lam = _principal_axis(cov)
        lam_scaled = _identify(h, ind, rows, lam, lv_var)
        for i, r in enumerate(ind):
            loading[(h, r.rhs)] = float(lam_scaled[i])
            var = cov[i, i]
            lv_var[r.rhs] = float(np.clip(var - lam[i] ** 2, 0.1 * var, 0.9 * var))


def _principal_axis(sub: np.ndarray) -> np.ndarray:
    """One-factor principal-axis loadings with squared multiple correlations as communalities
    (sign: most loadings positive)."""
    diag = np.diag(sub)
    inv_diag = np.diag(np.linalg.pinv(sub))
    smc = diag - 1.0 / np.where(inv_diag > 0, inv_diag, np.inf)
    reduced = sub.copy()
    np.fill_diagonal(reduced, np.clip(smc, 0.05 * diag, diag))
    vals, vecs = np.linalg.eigh(reduced)
    lam = vecs[:, -1] * np.sqrt(max(vals[-1], 1e-8))
    return -lam if np.sum(lam) < 0 else lam
