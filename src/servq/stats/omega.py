"""McDonald's omega via the Schmid–Leiman transformation, as R ``psych::omega``.

Steps (psych 2.2.9 ``omegah`` / ``schmid``), all from the correlation matrix R:

1. k minres factors rotated by varimax (``psych::fa(R, k, rotate = "varimax")``), then
   oblimin from there (``GPArotation::oblimin``): pattern F (p × k), factor correlations Φ.
2. The general factor: for k > 2 a one-factor minres solution of Φ, loadings g (k);
   for k = 2 psych's ``option = "equal"``, g = (√|φ₁₂|, sign(φ₁₂)·√|φ₁₂|); k = 1, g = (1).
3. Schmid–Leiman: general loadings F·g, group loadings F_if·√(1 − g_f²); communalities
   h² and uniquenesses u² = 1 − h² of the orthogonal solution.
4. Items whose general loading is negative are reversed (``key``) and, with V = 1ᵀR1 the
   variance of the (keyed) total score:

   - ω_total = (V − Σu²)/V,
   - ω_h = (Σ general loadings)²/V,
   - ω_h asymptotic (``omega.lim``) = (Σ general loadings)²/(V − Σu²),

   and per group factor (items assigned to the group on which they load most) ω total,
   general and group over that subset (``omega.group``).

References: McDonald, R. P. (1999), Test theory: a unified treatment; Zinbarg, Revelle,
Yovel & Li (2005), Psychometrika 70, 123–133; Revelle, W. (2022), psych 2.2.9 (``omega``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .correlation import as_correlation, smc
from .efa import efa
from .numbers import finite, finite_list
from .rotation import oblimin


@dataclass(frozen=True, eq=False)
class OmegaResult:
    """Omega coefficients and the Schmid–Leiman solution (psych's ``omega`` object).

    ``general`` (p) and ``group`` (p × k) are the Schmid–Leiman loadings, already keyed
    (multiplied by ``key``, −1 for reversed items); ``h2`` / ``u2`` communalities and
    uniquenesses; ``oblique`` / ``phi`` the oblimin pattern and factor correlations;
    ``g_loadings`` the group factors' loadings on the general factor; ``omega_group`` rows
    (general, F1*, ..., Fk*) × columns (total, general, group).

    Parameters
    ----------
    items : tuple of str
        Item names.
    n : int or None
        Number of respondents (for the record).
    omega_total, omega_hierarchical, omega_h_asymptotic : float
        ω total, ω_h and the asymptotic ω_h (psych's ``omega.tot``, ``omega_h``,
        ``omega.lim``).
    alpha, g6 : float
        Cronbach's α and Guttman's λ6 of the keyed items (psych's ``alpha``, ``G6``).
    ecv : float
        Explained common variance of the general factor.
    key : ndarray
        +1/−1 per item (−1 reversed).
    general : ndarray
        (p,) general-factor loadings.
    group : ndarray
        (p, k) group-factor loadings.
    h2, u2 : ndarray
        (p,) communalities and uniquenesses.
    oblique : ndarray
        (p, k) oblimin pattern.
    phi : ndarray
        (k, k) factor correlations.
    g_loadings : ndarray
        (k,) loadings of the group factors on the general factor.
    omega_group : ndarray
        (k + 1, 3) ω total, general and group per row.

    References
    ----------
    McDonald, R. P. (1999). Test Theory: A Unified Treatment. Mahwah, NJ: Lawrence Erlbaum.
    Schmid, J. & Leiman, J. M. (1957). The development of hierarchical factor solutions.
    Psychometrika, 22(1), 53–61. Zinbarg, R. E., Revelle, W., Yovel, I. & Li, W. (2005).
    Cronbach's α, Revelle's β, and McDonald's ω_H. Psychometrika, 70(1), 123–133.

    Examples
    --------
    Three groups of three items with group factors correlating .4: each general loading is
    λ·√.4 (.7·√.4 = .443), as ``psych::omega(r, nfactors = 3)$schmid$sl`` in R. The three
    groups are alike, so which of them is called F1* is arbitrary (in R too):

    >>> lam = np.kron(np.eye(3), [[0.7], [0.6], [0.5]])
    >>> phi = np.full((3, 3), 0.4) + 0.6 * np.eye(3)
    >>> r = lam @ phi @ lam.T
    >>> np.fill_diagonal(r, 1)
    >>> om = omega(r)
    >>> v1 = om.to_frame().round(3).loc["V1"]
    >>> v1[["g", "h2", "u2", "p2"]].tolist(), sorted(v1[["F1*", "F2*", "F3*"]].tolist())
    ([0.443, 0.49, 0.51, 0.4], [0.0, 0.0, 0.542])
    >>> om.group_frame().round(3).loc["F1*"].tolist()  # R: psych::omega(r, 3)$omega.group
    [0.63, 0.252, 0.378]
    """

    items: tuple[str, ...]
    n: int | None
    omega_total: float
    omega_hierarchical: float
    omega_h_asymptotic: float
    alpha: float
    g6: float
    ecv: float
    key: np.ndarray
    general: np.ndarray
    group: np.ndarray
    h2: np.ndarray
    u2: np.ndarray
    oblique: np.ndarray
    phi: np.ndarray
    g_loadings: np.ndarray
    omega_group: np.ndarray

    @property
    def n_factors(self) -> int:
        """Number of group factors k."""
        return self.group.shape[1]

    @property
    def groups(self) -> list[str]:
        """Group factor names ``F1*`` … ``Fk*`` (psych's)."""
        return [f"F{j + 1}*" for j in range(self.n_factors)]

    def to_frame(self) -> pd.DataFrame:
        """Items × (``g``, ``F1*`` … ``Fk*``, ``h2``, ``u2``, ``p2`` = g²/h²), psych's ``schmid$sl``."""
        df = pd.DataFrame(self.group, index=list(self.items), columns=self.groups)
        df.insert(0, "g", self.general)
        df["h2"], df["u2"], df["p2"] = self.h2, self.u2, self.general**2 / self.h2
        return df

    def group_frame(self) -> pd.DataFrame:
        """psych's ``omega.group``: ω total / general / group for the whole scale and per group factor."""
        return pd.DataFrame(self.omega_group, index=["g", *self.groups], columns=["total", "general", "group"])

    def to_dict(self) -> dict:
        """JSON-able dict of the coefficients, loadings and ``omega_group``."""
        return {
            "n": self.n, "n_factors": self.n_factors, "items": list(self.items),
            "omega_total": finite(self.omega_total), "omega_hierarchical": finite(self.omega_hierarchical),
            "omega_h_asymptotic": finite(self.omega_h_asymptotic), "alpha": finite(self.alpha),
            "g6": finite(self.g6), "ecv": finite(self.ecv), "key": [int(k) for k in self.key],
            "loadings": {c: finite_list(v) for c, v in self.to_frame().items()},
            "phi": finite_list(self.phi), "g_loadings": finite_list(self.g_loadings),
            "omega_group": {row: {c: finite(v) for c, v in vals.items()}
                            for row, vals in self.group_frame().iterrows()},
        }


def _general_loadings(phi: np.ndarray, method: str) -> np.ndarray:
    k = len(phi)
    if k == 1:
        return np.ones(1)
    if k == 2:
        c = phi[0, 1]
        return np.array([np.sqrt(abs(c)), np.sign(c) * np.sqrt(abs(c))])
    return efa(phi, 1, method=method, rotate="none").loadings[:, 0]


def omega_from_correlation(r: np.ndarray, items: list[str], n_factors: int, n: int | None,
                           method: str = "minres") -> OmegaResult:
    """:func:`omega` on a correlation matrix ``r`` (the core; no input checks beyond efa's).

    Parameters
    ----------
    r : ndarray
        (p, p) correlation matrix.
    items : list of str
        Item names.
    n_factors : int
        Group factors k, 1 ≤ k < p.
    n : int or None
        Number of respondents (kept for the record).
    method : {"minres", "ml"}
        Extraction method.

    Returns
    -------
    OmegaResult
        The coefficients and the Schmid–Leiman solution.

    References
    ----------
    McDonald, R. P. (1999). Test Theory: A Unified Treatment. Mahwah, NJ: Lawrence Erlbaum.
    Schmid, J. & Leiman, J. M. (1957). The development of hierarchical factor solutions.
    Psychometrika, 22(1), 53–61. Revelle, W. (2022). psych 2.2.9 (``omega``, ``schmid``).

    Examples
    --------
    The asymptotic ω_h of three equal groups correlating .4 is 2/3, as
    ``psych::omega(r, 3)$omega.lim`` in R:

    >>> lam = np.kron(np.eye(3), [[0.7], [0.6], [0.5]])
    >>> phi = np.full((3, 3), 0.4) + 0.6 * np.eye(3)
    >>> r = lam @ phi @ lam.T
    >>> np.fill_diagonal(r, 1)
    >>> om = omega_from_correlation(r, [f"V{i + 1}" for i in range(9)], 3, None)
    >>> round(om.omega_h_asymptotic, 4), round(om.ecv, 4)
    (0.6667, 0.4)
    """
    p = len(r)
    orth = efa(r, n_factors, method=method, rotate="varimax").loadings
    if n_factors > 1:
        fload, phi = oblimin(orth)
    else:
        fload, phi = orth, np.ones((1, 1))
    gl = _general_loadings(phi, method)
    general = fload @ gl
    h2 = (orth * orth).sum(axis=1)
    u2 = 1 - h2
    group = np.sign(fload) * np.sqrt(np.maximum(fload**2 - (fload * gl) ** 2, 0.0))
    key = np.where(general < 0, -1.0, 1.0)
    m = r * np.outer(key, key)
    general, group = general * key, group * key[:, None]
    vt = m.sum()
    gsq = general.sum() ** 2
    ev = np.concatenate([[general @ general], (group * group).sum(axis=0)])
    table = np.full((n_factors + 1, 3), np.nan)
    table[0] = [(vt - u2.sum()) / vt, gsq / vt, np.nan]
    assigned = np.argmax(np.abs(group), axis=1)
    grs = 0.0
    for f in range(n_factors):
        idx = np.flatnonzero(assigned == f)
        if idx.size:
            vg = m[np.ix_(idx, idx)].sum()
            gr, gg = group[idx, f].sum(), general[idx].sum()
            grs += gr * gr
            table[f + 1] = [(gr * gr + gg * gg) / vg, gg * gg / vg, gr * gr / vg]
    table[0, 2] = grs / vt
    return OmegaResult(
        items=tuple(items), n=n, omega_total=float((vt - u2.sum()) / vt), omega_hierarchical=float(gsq / vt),
        omega_h_asymptotic=float(gsq / (vt - u2.sum())), alpha=float((vt - p) / vt * p / (p - 1)),
        g6=float((vt + smc(m).sum() - p) / vt), ecv=float(ev[0] / ev.sum()), key=key,
        general=general, group=group, h2=h2, u2=u2, oblique=fload, phi=phi, g_loadings=gl,
        omega_group=table,
    )


def omega(data, n_factors: int = 3, *, n: int | None = None, method: str = "minres",
          missing: str = "pairwise") -> OmegaResult:
    """McDonald's ω total and ω hierarchical from a Schmid–Leiman solution, as ``psych::omega``.

    Parameters
    ----------
    data : DataFrame or 2-D array
        Answers (NaN = missing; pairwise correlations by default, as psych) or a correlation
        / covariance matrix.
    n_factors : int
        Group factors k (psych's default 3); 1 gives ω total of a one-factor model (its
        ω_h and asymptotic ω_h are then not meaningful, as psych warns).
    n : int, optional
        Respondents, with a matrix (kept for the record).
    method : {"minres", "ml"}
        Extraction of the group factors and of the general factor.
    missing : {"pairwise", "listwise"}
        How raw data with missing answers is correlated.

    Returns
    -------
    OmegaResult
        The coefficients (ω total, ω_h, asymptotic ω_h, α, λ6, ECV) and the Schmid–Leiman
        solution.

    Raises
    ------
    ValueError
        When ``n_factors`` is not a whole number from 1 to p − 1, or the data cannot be
        correlated (:func:`~servq.stats.correlation.as_correlation`).

    References
    ----------
    McDonald, R. P. (1999). Test Theory: A Unified Treatment. Mahwah, NJ: Lawrence Erlbaum.
    Zinbarg, R. E., Revelle, W., Yovel, I. & Li, W. (2005). Cronbach's α, Revelle's β, and
    McDonald's ω_H: Their relations with each other and two alternative conceptualizations
    of reliability. Psychometrika, 70(1), 123–133. Schmid, J. & Leiman, J. M. (1957). The
    development of hierarchical factor solutions. Psychometrika, 22(1), 53–61. Revelle, W.
    (2022). psych 2.2.9 (``omega``).

    Examples
    --------
    Three groups of three items, group factors correlating .4:

    >>> lam = np.kron(np.eye(3), [[0.7], [0.6], [0.5]])
    >>> phi = np.full((3, 3), 0.4) + 0.6 * np.eye(3)
    >>> r = lam @ phi @ lam.T
    >>> np.fill_diagonal(r, 1)
    >>> om = omega(r)  # R: psych::omega(r, nfactors = 3)
    >>> round(om.omega_total, 4), round(om.omega_hierarchical, 4)
    (0.7543, 0.5028)
    """
    r, items, n = as_correlation(data, n, missing)
    if not (isinstance(n_factors, (int, np.integer)) and 1 <= n_factors < len(items)):
        raise ValueError(f"n_factors must be a whole number from 1 to {len(items) - 1}; got {n_factors!r}")
    return omega_from_correlation(r, items, int(n_factors), n, method)


def omega_total(data, *, n: int | None = None, method: str = "minres", missing: str = "pairwise") -> float:
    """ω total of a one-factor model: (V − Σu²)/V, V = 1ᵀR1 over keyed items, u² = 1 − λ².

    What the reliability section reports per dimension; the same number as
    ``psych::omega(x, nfactors = 1)$omega.tot``.

    Parameters
    ----------
    data : DataFrame or 2-D array
        Answers (NaN = missing) or a correlation / covariance matrix, of three or more items.
    n : int, optional
        Respondents, with a matrix.
    method : {"minres", "ml"}
        Extraction method.
    missing : {"pairwise", "listwise"}
        How raw data with missing answers is correlated.

    Returns
    -------
    float
        The ω total.

    Raises
    ------
    ValueError
        As for :func:`omega` (e.g. fewer than two items).

    References
    ----------
    McDonald, R. P. (1999). Test Theory: A Unified Treatment. Mahwah, NJ: Lawrence Erlbaum.
    Revelle, W. (2022). psych 2.2.9 (``omega``).

    Examples
    --------
    >>> r = np.array([[1, .42, .35], [.42, 1, .30], [.35, .30, 1]])
    >>> round(omega_total(r), 4)  # R: psych::omega(r, nfactors = 1)$omega.tot
    0.6304
    """
    return omega(data, 1, n=n, method=method, missing=missing).omega_total
