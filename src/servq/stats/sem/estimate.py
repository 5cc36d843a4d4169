"""Maximum likelihood estimation of a RAM model from sample covariance matrices.

The discrepancy is lavaan's (``likelihood = "normal"``): per group g, with the sample
covariance S_g divided by N_g and the sample mean ȳ_g,

    F_g = log|Σ_g| + tr(S_g Σ_g⁻¹) − log|S_g| − p + (ȳ_g − μ_g)ᵀ Σ_g⁻¹ (ȳ_g − μ_g),

the last term only with a mean structure, and F = Σ_g (N_g/N) F_g, so χ² = N·F. The
minimum is found by Fisher scoring (Gauss-Newton with the expected information and a
backtracking line search), with the analytic Jacobian of (Σ, μ) in θ; quasi-Newton (BFGS)
takes over if scoring stalls. Standard errors come from the expected information
(lavaan's default for complete-data ML): Cov(θ̂) = (N · I(θ̂))⁻¹ with
I = Σ_g (N_g/N) [½ Δσᵀ (Σ⁻¹ ⊗ Σ⁻¹) Δσ + Δμᵀ Σ⁻¹ Δμ].
Nothing here depends on the number of respondents: only on p and the number of parameters.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize

from .model import Model, Row


@dataclass(frozen=True)
class SampleStats:
    """Per group: covariance matrix divided by N, mean vector (or None) and N."""

    cov: tuple[np.ndarray, ...]
    mean: tuple[np.ndarray | None, ...]
    nobs: tuple[int, ...]

    @property
    def ntotal(self) -> int:
        return int(sum(self.nobs))

    @property
    def weights(self) -> np.ndarray:
        n = np.asarray(self.nobs, dtype=float)
        return n / n.sum()


@dataclass(frozen=True)
class Implied:
    """Model-implied moments of one group: observed Σ, μ and the RAM pieces."""

    sigma: np.ndarray
    mu: np.ndarray
    e: np.ndarray       # (I − A)⁻¹
    sigma_v: np.ndarray  # covariance of all variables
    mu_v: np.ndarray     # means of all variables


@dataclass(frozen=True)
class Positions:
    """Where the free parameters sit in one group's A, S and m (entry -> parameter)."""

    a: np.ndarray  # (k, 3): i, j, par
    s: np.ndarray
    m: np.ndarray  # (k, 2): i, par


def implied(model: Model, theta: np.ndarray, group: int) -> Implied:
    a, s, m = model.matrices(theta, group)
    e = np.linalg.inv(np.eye(model.n_vars) - a)
    sigma_v = e @ s @ e.T
    mu_v = e @ m
    p = model.p
    return Implied(sigma_v[:p, :p], mu_v[:p], e, sigma_v, mu_v)


def positions(model: Model, group: int, extra: list[Row] | None = None) -> Positions:
    """Where the free parameters of ``group`` sit; with ``extra``, where those extra rows of
    ``group`` sit instead, numbered ``model.n_par + k`` for the k-th extra row."""
    a, s, m = [], [], []
    if extra is None:
        use = [(r.par, r) for r in model.rows if r.group == group and r.par >= 0]
    else:
        use = [(model.n_par + k, r) for k, r in enumerate(extra) if r.group == group]
    for par, r in use:
        kind, i, j = model.position(r)
        {"A": a, "S": s}.get(kind, m).append((i, j, par) if kind != "m" else (i, par))
    return Positions(np.array(a, dtype=int).reshape(-1, 3), np.array(s, dtype=int).reshape(-1, 3),
                     np.array(m, dtype=int).reshape(-1, 2))


def jacobian(model: Model, imp: Implied, pos: Positions, n_par: int) -> tuple[np.ndarray, np.ndarray]:
    """∂Σ/∂θ as (n_par, p, p) and ∂μ/∂θ as (n_par, p) for one group."""
    p = model.p
    ef = imp.e[:p, :]
    d_sigma = np.zeros((n_par, p, p))
    d_mu = np.zeros((n_par, p))
    if len(pos.a):
        i, j, par = pos.a.T
        left = ef[:, i].T                      # (k, p)
        right = imp.sigma_v[j, :p]             # (k, p)
        outer = left[:, :, None] * right[:, None, :]
        np.add.at(d_sigma, par, outer + outer.transpose(0, 2, 1))
        np.add.at(d_mu, par, left * imp.mu_v[j][:, None])
    if len(pos.s):
        i, j, par = pos.s.T
        left, right = ef[:, i].T, ef[:, j].T
        outer = left[:, :, None] * right[:, None, :]
        both = outer + outer.transpose(0, 2, 1)
        both[i == j] = outer[i == j]
        np.add.at(d_sigma, par, both)
    if len(pos.m):
        i, par = pos.m.T
        np.add.at(d_mu, par, ef[:, i].T)
    return d_sigma, d_mu


def discrepancy(sigma: np.ndarray, mu: np.ndarray, cov: np.ndarray, mean: np.ndarray | None,
                logdet_s: float) -> float:
    """F_ML of one group (inf when Σ is not positive definite)."""
    sign, logdet = np.linalg.slogdet(sigma)
    if sign <= 0 or not np.isfinite(logdet):
        return np.inf
    try:
        chol = np.linalg.cholesky(sigma)
    except np.linalg.LinAlgError:
        return np.inf
    inv = _chol_inverse(chol)
    f = logdet + np.sum(cov * inv) - logdet_s - len(sigma)
    if mean is not None:
        d = mean - mu
        f += d @ inv @ d
    return float(f)


def _logdet_pd(s: np.ndarray) -> float:
    """log|S|, or NaN when S is not (numerically) positive definite."""
    eig = np.linalg.eigvalsh(s)
    if eig[0] <= len(s) * np.finfo(float).eps * max(eig[-1], 0.0) or eig[-1] <= 0:
        return np.nan
    return float(np.sum(np.log(eig)))


def _chol_inverse(chol: np.ndarray) -> np.ndarray:
    li = np.linalg.inv(chol)
    return li.T @ li


class Problem:
    """The ML fitting problem: a model (with its fixed.x values) and sample statistics."""

    def __init__(self, model: Model, stats: SampleStats):
        self.model = model
        self.stats = stats
        self.pos = [positions(model, g) for g in range(model.n_groups)]
        self.logdet_s = [_logdet_pd(s) for s in stats.cov]
        self.use_mean = model.meanstructure

    def objective(self, theta: np.ndarray) -> float:
        total = 0.0
        for g, w in enumerate(self.stats.weights):
            try:
                imp = implied(self.model, theta, g)
            except np.linalg.LinAlgError:
                return np.inf
            mean = self.stats.mean[g] if self.use_mean else None
            total += w * discrepancy(imp.sigma, imp.mu, self.stats.cov[g], mean, self.logdet_s[g])
        return total

    def gradient_information(self, theta: np.ndarray, extra: list[Row] | None = None,
                             ) -> tuple[np.ndarray, np.ndarray]:
        """∇F and the unit expected information I (weighted over groups).

        With ``extra`` rows (fixed or absent parameters, each of one group) the gradient and
        information also cover them, as parameters ``n_par``, ``n_par + 1``, ... (score tests).
        """
        q = self.model.n_par + (len(extra) if extra else 0)
        grad, info = np.zeros(q), np.zeros((q, q))
        for g, w in enumerate(self.stats.weights):
            imp = implied(self.model, theta, g)
            d_sigma, d_mu = jacobian(self.model, imp, self.pos[g], q)
            if extra:
                ds, dm = jacobian(self.model, imp, positions(self.model, g, extra), q)
                d_sigma += ds
                d_mu += dm
            inv = np.linalg.inv(imp.sigma)
            s = self.stats.cov[g]
            g_sigma = inv - inv @ s @ inv
            flat = d_sigma.reshape(q, -1)
            weighted = (inv @ d_sigma @ inv).reshape(q, -1)           # vec(Σ⁻¹ ∂Σ Σ⁻¹)
            info_g = 0.5 * weighted @ flat.T
            grad_g = flat @ g_sigma.ravel()
            if self.use_mean:
                d = self.stats.mean[g] - imp.mu
                dd = inv @ d
                grad_g -= flat @ np.outer(dd, dd).ravel()
                grad_g -= 2.0 * d_mu @ dd
                info_g += d_mu @ inv @ d_mu.T
            grad += w * grad_g
            info += w * info_g
        return grad, info


@dataclass(frozen=True)
class Optimum:
    theta: np.ndarray
    fmin: float
    gradient: np.ndarray
    information: np.ndarray
    iterations: int
    converged: bool
    method: str


def minimize(problem: Problem, start: np.ndarray, *, max_iter: int = 500, tol: float = 1e-10,
             ) -> Optimum:
    """Minimise F from ``start``: Fisher scoring with step halving, then BFGS if needed."""
    theta = np.asarray(start, dtype=float).copy()
    f = problem.objective(theta)
    if not np.isfinite(f):
        raise ValueError("the starting values give a model-implied covariance matrix that is "
                         "not positive definite; give start() values in the model")
    converged = False
    it = 0
    for it in range(1, max_iter + 1):
        grad, info = problem.gradient_information(theta)
        step = _solve(info, -0.5 * grad)
        decrement = -grad @ step
        if decrement < tol * (1.0 + abs(f)) and np.max(np.abs(grad)) < 1e-6:
            converged = True
            break
        alpha, improved = 1.0, False
        for _ in range(40):
            trial = theta + alpha * step
            f_trial = problem.objective(trial)
            if np.isfinite(f_trial) and f_trial <= f + 1e-4 * alpha * grad @ step:
                improved = True
                break
            alpha *= 0.5
        if not improved:
            break
        change = abs(f - f_trial)
        theta, f = trial, f_trial
        if change < 1e-15 * (1.0 + abs(f)) and alpha * np.max(np.abs(step)) < 1e-12:
            break
    method = "fisher-scoring"
    grad, info = problem.gradient_information(theta)
    if not converged:
        converged = _gradient_small(grad, info)
    if not converged:
        res = optimize.minimize(problem.objective, theta, jac=lambda t: problem.gradient_information(t)[0],
                                method="BFGS", options={"gtol": 1e-10, "maxiter": 5000})
        if np.isfinite(res.fun) and res.fun <= f:
            theta, f = res.x, float(res.fun)
        it += int(res.nit)
        method = "fisher-scoring+bfgs"
        grad, info = problem.gradient_information(theta)
        converged = _gradient_small(grad, info)
    return Optimum(theta, f, grad, info, it, converged, method)


def _gradient_small(grad: np.ndarray, info: np.ndarray) -> bool:
    step = _solve(info, -0.5 * grad)
    return bool(np.all(np.isfinite(step)) and -grad @ step < 1e-9 and np.max(np.abs(grad)) < 1e-5)


def _solve(info: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    try:
        return np.linalg.solve(info, rhs)
    except np.linalg.LinAlgError:
        return np.linalg.lstsq(info, rhs, rcond=None)[0]
