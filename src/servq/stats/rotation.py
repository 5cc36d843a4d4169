"""Factor rotations as R computes them: varimax, promax and oblimin.

Each function reproduces the iteration of the R code that psych::fa calls, including its
stopping rule, so that a rotation started from the same loadings lands on the same
solution (these criteria have several local optima and converge slowly, so "the optimum"
alone would not reproduce R to 1e-3):

- :func:`varimax` — ``stats::varimax(x, normalize = TRUE, eps = 1e-5)``;
- :func:`promax` — psych's ``kaiser(x, rotate = "Promax")``: rows scaled to unit length
  (Kaiser normalisation), ``psych::Promax(x, m = 4)`` (varimax, then the least-squares fit
  to the target ``x·|x|^(m-1)``), rows scaled back;
- :func:`oblimin` — ``GPArotation::oblimin(x)`` (quartimin, gamma = 0), Jennrich's
  gradient projection ``GPFoblq`` from the identity with ``normalize = FALSE``, which is
  how psych::fa calls it (no Kaiser normalisation), ``eps = 1e-5``, ``maxit = 1000``.

Every function returns ``(loadings, phi)``: the rotated pattern matrix and the factor
correlation matrix (the identity for orthogonal rotations).
"""

from __future__ import annotations

import warnings

import numpy as np

ROTATIONS = ("oblimin", "promax", "varimax", "none")


def varimax(x: np.ndarray, normalize: bool = True, eps: float = 1e-5) -> tuple[np.ndarray, np.ndarray]:
    """Kaiser's varimax as ``stats::varimax``; returns (loadings, rotation matrix T).

    Maximises Σ_f [Σ_i λ_if⁴ − (Σ_i λ_if²)²/p] by the SVD iteration T = UVᵀ of
    B = Xᵀ(Z³ − Z·diag(1ᵀZ²)/p), Z = XT, stopping when the sum of singular values grows by
    less than a relative ``eps``. Rows are scaled to unit length first (``normalize``).

    Parameters
    ----------
    x : ndarray
        (p, k) loadings.
    normalize : bool
        Kaiser normalisation: rotate rows scaled to unit length, then scale back.
    eps : float
        Relative tolerance of the stopping rule.

    Returns
    -------
    loadings : ndarray
        (p, k) rotated loadings X·T.
    rotation : ndarray
        (k, k) orthogonal rotation matrix T (the identity when k < 2).

    References
    ----------
    Kaiser, H. F. (1958). The varimax criterion for analytic rotation in factor analysis.
    Psychometrika, 23(3), 187–200. R Core Team. R: A Language and Environment for
    Statistical Computing (``stats::varimax``).

    Examples
    --------
    >>> x = np.array([[0.8, 0.3], [0.7, 0.4], [0.3, 0.8], [0.2, 0.7]])
    >>> lam, t = varimax(x)
    >>> np.round(lam, 4).tolist()  # R: varimax(x)$loadings
    [[0.8127, 0.2636], [0.7173, 0.368], [0.3358, 0.7857], [0.2314, 0.6903]]
    >>> np.round(t, 4).tolist()  # R: varimax(x)$rotmat
    [[0.999, -0.0451], [0.0451, 0.999]]
    """
    x = np.asarray(x, dtype=np.float64)
    p, k = x.shape
    if k < 2:
        return x.copy(), np.eye(k)
    sc = np.sqrt((x * x).sum(axis=1)) if normalize else np.ones(p)
    xs = x / sc[:, None]
    t = np.eye(k)
    d = 0.0
    for _ in range(1000):
        z = xs @ t
        b = xs.T @ (z**3 - z * ((z * z).sum(axis=0) / p))
        u, s, vt = np.linalg.svd(b)
        t = u @ vt
        d_past, d = d, s.sum()
        if d < d_past * (1 + eps):
            break
    return (xs @ t) * sc[:, None], t


def promax(x: np.ndarray, m: float = 4) -> tuple[np.ndarray, np.ndarray]:
    """Promax as psych::fa does it: ``kaiser(x, rotate = "Promax")`` with m = 4.

    With rows h-normalised (x/h, h² = row sums of squares), varimax gives X; the target
    Q = X·|X|^(m−1) is fitted by least squares, U = (XᵀX)⁻¹XᵀQ, columns rescaled by
    √diag((UᵀU)⁻¹); the pattern is X·U (rows scaled back by h) and, with U the full
    rotation (varimax times U), Φ = U⁻¹U⁻ᵀ.

    Parameters
    ----------
    x : ndarray
        (p, k) loadings, k ≥ 2.
    m : float
        Power of the target.

    Returns
    -------
    loadings : ndarray
        (p, k) pattern matrix.
    phi : ndarray
        (k, k) factor correlations.

    References
    ----------
    Hendrickson, A. E. & White, P. O. (1964). Promax: A quick method for rotation to oblique
    simple structure. British Journal of Statistical Psychology, 17(1), 65–70. Revelle, W.
    (2022). psych 2.2.9 (``Promax``, ``kaiser``).

    Examples
    --------
    >>> x = np.array([[0.8, 0.3], [0.7, 0.4], [0.3, 0.8], [0.2, 0.7]])
    >>> lam, phi = promax(x)  # R: psych::kaiser(x, rotate = "Promax")
    >>> np.round(lam, 4).tolist(), round(float(phi[0, 1]), 4)
    ([[0.8906, -0.057], [0.7247, 0.117], [0.061, 0.8132], [-0.0255, 0.7444]], 0.6548)
    """
    x = np.asarray(x, dtype=np.float64)
    h = np.sqrt((x * x).sum(axis=1))
    xv, t = varimax(x / h[:, None])
    q = xv * np.abs(xv) ** (m - 1)
    u = np.linalg.lstsq(xv, q, rcond=None)[0]
    u = u * np.sqrt(np.diag(np.linalg.inv(u.T @ u)))
    ui = np.linalg.inv(t @ u)
    return (xv @ u) * h[:, None], ui @ ui.T


def _quartimin(lam: np.ndarray) -> tuple[float, np.ndarray]:
    """Oblimin (gamma = 0) criterion f = ¼ Σ_i Σ_{f≠g} λ_if² λ_ig² and its gradient."""
    sq = lam * lam
    off = sq.sum(axis=1, keepdims=True) - sq  # Σ over the other factors
    return float((sq * off).sum() / 4), lam * off


def oblimin(a: np.ndarray, eps: float = 1e-5, maxit: int = 1000) -> tuple[np.ndarray, np.ndarray]:
    """Direct quartimin (oblimin, gamma = 0) by gradient projection, as ``GPArotation::oblimin``.

    With T the (k × k) rotation with unit-length columns, the pattern is Λ = A·T⁻ᵀ and
    Φ = TᵀT. Each step moves T along the projected gradient with a halving step size
    (Jennrich 2002; Bernaards & Jennrich 2005) until the projected gradient norm is below
    ``eps``.

    Like R, it warns (RuntimeWarning) and returns the last step if it has not converged in
    ``maxit`` steps.

    Parameters
    ----------
    a : ndarray
        (p, k) unrotated loadings.
    eps : float
        Convergence tolerance on the norm of the projected gradient.
    maxit : int
        Largest number of steps.

    Returns
    -------
    loadings : ndarray
        (p, k) pattern matrix Λ = A·T⁻ᵀ.
    phi : ndarray
        (k, k) factor correlations TᵀT.

    Warns
    -----
    RuntimeWarning
        When it has not converged in ``maxit`` steps.

    References
    ----------
    Jennrich, R. I. (2002). A simple general method for oblique rotation. Psychometrika,
    67(1), 7–19. Bernaards, C. A. & Jennrich, R. I. (2005). Gradient projection algorithms
    and software for arbitrary rotation criteria in factor analysis. Educational and
    Psychological Measurement, 65(5), 676–696. Jennrich, R. I. & Sampson, P. F. (1966).
    Rotation for simple loadings. Psychometrika, 31(3), 313–323.

    Examples
    --------
    >>> a = np.array([[0.8, 0.3], [0.7, 0.4], [0.3, 0.8], [0.2, 0.7]])
    >>> lam, phi = oblimin(a)
    >>> np.round(lam, 4).tolist(), round(float(phi[0, 1]), 4)  # R: GPArotation::oblimin(a)
    ([[0.8889, -0.0534], [0.7199, 0.1222], [0.0438, 0.8247], [-0.041, 0.7546]], 0.6638)
    """
    a = np.asarray(a, dtype=np.float64)
    t = np.eye(a.shape[1])
    lam = a.copy()
    f, gq = _quartimin(lam)
    g = -(lam.T @ gq).T  # T = I
    alpha = 1.0
    for _ in range(maxit + 1):
        gp = g - t * (t * g).sum(axis=0)
        s = np.sqrt((gp * gp).sum())
        if s < eps:
            return lam, t.T @ t
        alpha *= 2
        for _ in range(11):
            x = t - alpha * gp
            t_new = x / np.sqrt((x * x).sum(axis=0))
            t_inv = np.linalg.inv(t_new)
            lam = a @ t_inv.T
            f_new, gq = _quartimin(lam)
            if f - f_new > 0.5 * s * s * alpha:
                break
            alpha /= 2
        t, f = t_new, f_new
        g = -(lam.T @ gq @ t_inv).T
    warnings.warn(f"oblimin did not converge in {maxit} iterations", RuntimeWarning, stacklevel=2)
    return lam, t.T @ t


def rotate(loadings: np.ndarray, method: str) -> tuple[np.ndarray, np.ndarray | None]:
    """Rotate ``loadings`` by ``method`` (one of :data:`ROTATIONS`); Φ is None unless oblique.

    Parameters
    ----------
    loadings : ndarray
        (p, k) unrotated loadings; with k < 2 they are returned unchanged.
    method : {"oblimin", "promax", "varimax", "none"}
        The rotation.

    Returns
    -------
    loadings : ndarray
        (p, k) rotated (pattern) loadings.
    phi : ndarray or None
        (k, k) factor correlations for promax and oblimin, else None.

    Raises
    ------
    ValueError
        For an unknown ``method``.

    References
    ----------
    Kaiser, H. F. (1958). The varimax criterion for analytic rotation in factor analysis.
    Psychometrika, 23(3), 187–200. Hendrickson, A. E. & White, P. O. (1964). British Journal
    of Statistical Psychology, 17(1), 65–70. Bernaards, C. A. & Jennrich, R. I. (2005).
    Educational and Psychological Measurement, 65(5), 676–696.

    Examples
    --------
    As psych::fa's ``rotate =`` argument (R: ``varimax(x)$loadings[1, ]``):

    >>> x = np.array([[0.8, 0.3], [0.7, 0.4], [0.3, 0.8], [0.2, 0.7]])
    >>> lam, phi = rotate(x, "varimax")
    >>> phi is None, np.round(lam[0], 4).tolist()
    (True, [0.8127, 0.2636])
    """
    if method == "none" or loadings.shape[1] < 2:
        return loadings.copy(), None
    if method == "varimax":
        return varimax(loadings)[0], None
    if method == "promax":
        return promax(loadings)
    if method == "oblimin":
        return oblimin(loadings)
    raise ValueError(f"rotate must be one of {', '.join(ROTATIONS)}; got {method!r}")
