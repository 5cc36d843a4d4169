"""Fit measures of an ML-fitted SEM, with lavaan's names and formulas (``fitMeasures``).

With N the total sample size, G the number of groups, χ² = N·F_ML, df = (number of sample
moments, less those of fixed.x covariates) − npar, and the baseline (independence) model
with free variances (and means) of the non-exogenous variables:

- CFI = 1 − max(χ² − df, 0) / max(χ² − df, χ²_b − df_b, 0)   (Bentler 1990)
- TLI = 1 − ((χ² − df)·df_b) / ((χ²_b − df_b)·df)             (Tucker & Lewis 1973)
- RMSEA = √(max(χ²/N/df − 1/N, 0)) · √G, its 90 % interval from the noncentral χ²
  (the λ with P(χ²_df(λ) ≤ χ²) = .95 and .05, RMSEA = √(λ/(N·df))·√G) and the p-value of
  close fit, H0: RMSEA ≤ .05, i.e. 1 − P(χ²_df(N·df·.05²/G) ≤ χ²)  (Browne & Cudeck 1993)
- SRMR (Bentler): per group the root mean square of (s_ij − σ̂_ij)/√(s_ii s_jj) over i ≤ j,
  and with a mean structure also of (ȳ_i − μ̂_i)/√s_ii, averaged over groups by N_g/N
- logl = Σ_g −N_g/2 [p log 2π + log|Σ̂| + tr(SΣ̂⁻¹) + (ȳ − μ̂)ᵀΣ̂⁻¹(ȳ − μ̂)], unrestricted.logl
  the same at Σ̂ = S, μ̂ = ȳ; with fixed.x covariates both are conditional on them (the
  covariates' own normal log-likelihood is subtracted), as lavaan; AIC = −2 logl + 2 npar, BIC = −2 logl + npar·log N,
  bic2 (sample-size adjusted BIC, Sclove 1987) uses N* = (N + 2)/24.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from scipy import optimize, special

from .blocks import BlockMatrix
from .estimate import Problem, implied
from .model import Model, exo_index

MEASURES = ("npar", "chisq", "df", "pvalue", "baseline.chisq", "baseline.df", "baseline.pvalue",
            "cfi", "tli", "logl", "unrestricted.logl", "aic", "bic", "ntotal", "bic2", "rmsea",
            "rmsea.ci.lower", "rmsea.ci.upper", "rmsea.pvalue", "srmr")


def fit_measures(problem: Problem, theta: np.ndarray, fmin: float) -> dict[str, float]:
    """lavaan's ``fitMeasures()`` for the fitted parameters ``theta`` (minimum ``fmin``).

    Parameters
    ----------
    problem : Problem
        The model and sample statistics the fit was made on.
    theta : ndarray
        The ML estimates.
    fmin : float
        F_ML at ``theta`` (χ² = N·fmin).

    Returns
    -------
    dict of str to float
        The measures of :data:`MEASURES`, keyed by lavaan's names (NaN where not
        available, e.g. χ² when a sample covariance matrix is singular).

    References
    ----------
    Bentler, P. M. (1990). Comparative fit indexes in structural models. Psychological
    Bulletin, 107(2), 238–246. Browne, M. W. & Cudeck, R. (1993). Alternative ways of
    assessing model fit. In K. A. Bollen & J. S. Long (Eds.), Testing Structural Equation
    Models (pp. 136–162). Newbury Park, CA: Sage. Hu, L. & Bentler, P. M. (1999). Cutoff
    criteria for fit indexes in covariance structure analysis: Conventional criteria versus
    new alternatives. Structural Equation Modeling, 6(1), 1–55. Rosseel, Y. (2012). lavaan.
    Journal of Statistical Software, 48(2), 1–36.

    Examples
    --------
    A one-factor model of four indicators (df = 2), as
    ``fitMeasures(cfa("f =~ a + b + c + d", sample.cov = S, sample.nobs = 100))`` in R:

    >>> from servq.stats.sem.estimate import SampleStats, minimize
    >>> from servq.stats.sem.model import build
    >>> from servq.stats.sem.start import start_values
    >>> from servq.stats.sem.syntax import parse
    >>> s = np.array([[1.0, .5, .4, .3], [.5, 1.2, .6, .35], [.4, .6, .9, .45], [.3, .35, .45, 1.1]])
    >>> m, st = build(parse("f =~ a + b + c + d")), SampleStats((0.99 * s,), (None,), (100,))
    >>> problem = Problem(m, st)
    >>> opt = minimize(problem, start_values(m, st))
    >>> fm = fit_measures(problem, opt.theta, opt.fmin)
    >>> {k: round(fm[k], 3) for k in ("chisq", "df", "cfi", "tli", "rmsea", "srmr")}
    {'chisq': 2.997, 'df': 2.0, 'cfi': 0.989, 'tli': 0.966, 'rmsea': 0.071, 'srmr': 0.03}
    """
    model, st = problem.model, problem.stats
    n, n_groups = st.ntotal, model.n_groups
    npar = model.npar
    ndat = n_moments(model)
    df = ndat - npar
    s_ok = all(np.isfinite(problem.logdet_s))
    chisq = n * fmin if s_ok else np.nan
    base_chisq, base_npar = _baseline(problem) if problem.saturated_logl is None else _fitted_baseline(problem)[:2]
    base_df = ndat - base_npar
    out: dict[str, float] = {
        "npar": float(npar), "chisq": chisq, "df": float(df), "pvalue": _pchisq_upper(chisq, df),
        "baseline.chisq": base_chisq, "baseline.df": float(base_df),
        "baseline.pvalue": _pchisq_upper(base_chisq, base_df),
        "cfi": cfi(chisq, df, base_chisq, base_df), "tli": tli(chisq, df, base_chisq, base_df),
    }
    if problem.saturated_logl is None:
        logl, unrestricted = _loglik(problem, theta)
    else:  # FIML: χ² = 2 (logL_saturated − logL)
        unrestricted = problem.saturated_logl - _covariates_logl(problem)
        logl = unrestricted - n * fmin / 2
    out["logl"] = logl
    out["unrestricted.logl"] = unrestricted
    out["aic"] = -2 * logl + 2 * npar
    out["bic"] = -2 * logl + npar * np.log(n)
    out["ntotal"] = float(n)
    out["bic2"] = -2 * logl + npar * np.log((n + 2) / 24)
    out["rmsea"] = rmsea(chisq, df, n, n_groups)
    lower, upper = rmsea_ci(chisq, df, n, n_groups)
    out["rmsea.ci.lower"], out["rmsea.ci.upper"] = lower, upper
    out["rmsea.pvalue"] = rmsea_pvalue(chisq, df, n, n_groups)
    out["srmr"] = srmr(problem, theta)
    return {k: float(out[k]) for k in MEASURES}


ROBUST = ("chisq.scaled", "df.scaled", "pvalue.scaled", "chisq.scaling.factor", "baseline.chisq.scaled",
          "baseline.df.scaled", "baseline.pvalue.scaled", "baseline.chisq.scaling.factor", "cfi.scaled",
          "tli.scaled", "rmsea.scaled", "cfi.robust", "tli.robust", "rmsea.robust")


def robust_measures(problem: Problem, theta: np.ndarray, measures: dict[str, float], info: BlockMatrix,
                    first_order: BlockMatrix) -> dict[str, float]:
    """lavaan's scaled and robust fit measures of an MLR fit (test ``yuan.bentler.mplus``).

    With c and c_b the Yuan–Bentler scaling factors of the model and of the baseline model:
    chisq.scaled = χ²/c on df, cfi.scaled and tli.scaled from χ²/c and χ²_b/c_b,
    rmsea.scaled = RMSEA(χ², df·c); the robust versions of Brosseau-Liard & Savalei
    (lavaan's ``cfi.robust``, ``tli.robust``, ``rmsea.robust``) replace χ² − df by χ² − c·df
    (χ²_b − c_b·df_b) and RMSEA by √(max(χ²/(N·df) − c/N, 0))·√G. After FIML the robust
    ones take Zhang & Savalei's corrected χ² and factors instead (:func:`.robust.fiml_corrected`),
    as lavaan 0.6-14 does.

    Parameters
    ----------
    problem : Problem
        The fitting problem (blocks with rows).
    theta : ndarray
        The estimates.
    measures : dict
        The standard measures (:func:`fit_measures`).
    info : BlockMatrix
        Unit observed information at the estimates (:func:`.robust.observed_information`).
    first_order : BlockMatrix
        The first-order information of the casewise scores (:func:`.robust.model_first_order`).

    Returns
    -------
    dict of str to float
        The measures of :data:`ROBUST`.

    References
    ----------
    Yuan, K.-H. & Bentler, P. M. (2000). Three likelihood-based methods for mean and
    covariance structure analysis with nonnormal missing data. Sociological Methodology, 30,
    165–200. Brosseau-Liard, P. E., Savalei, V. & Li, L. (2012). An investigation of the
    sample performance of two nonnormality corrections for RMSEA. Multivariate Behavioral
    Research, 47(6), 904–930. Brosseau-Liard, P. E. & Savalei, V. (2014). Adjusting incremental
    fit indices for nonnormality. Multivariate Behavioral Research, 49(5), 460–470.

    Examples
    --------
    R: ``fitMeasures(cfa(HS.model, HolzingerSwineford1939, estimator = "MLR"),
    c("chisq.scaled", "cfi.robust"))`` gives 87.132 and 0.930; servq gives the same (see
    tests/golden/sem_missing.json):

    >>> "cfi.robust" in ROBUST
    True
    """
    from .robust import (
        fiml_corrected,
        model_first_order,
        observed_information,
        saturated_information,
        saturated_trace,
        yuan_bentler_factor,
    )

    n, n_groups = problem.stats.ntotal, problem.model.n_groups
    chisq, df = measures["chisq"], measures["df"]
    base_chisq, base_df = measures["baseline.chisq"], measures["baseline.df"]
    h1 = saturated_information(problem)
    trace_h1 = saturated_trace(problem, h1)
    c = yuan_bentler_factor(problem, info, first_order, df, trace_h1)
    _, _, base, base_theta = _fitted_baseline(problem)
    c_b = yuan_bentler_factor(base, observed_information(base, base_theta),
                              model_first_order(base, base_theta), base_df, trace_h1)
    scaled, base_scaled = chisq / c, base_chisq / c_b
    out = {"chisq.scaled": scaled, "df.scaled": df, "pvalue.scaled": _pchisq_upper(scaled, df),
           "chisq.scaling.factor": c, "baseline.chisq.scaled": base_scaled, "baseline.df.scaled": base_df,
           "baseline.pvalue.scaled": _pchisq_upper(base_scaled, base_df),
           "baseline.chisq.scaling.factor": c_b,
           "cfi.scaled": cfi(scaled, df, base_scaled, base_df), "tli.scaled": tli(scaled, df, base_scaled, base_df),
           "rmsea.scaled": rmsea(chisq, df * c, n, n_groups)}
    if problem.saturated_logl is not None:  # FIML: Zhang & Savalei's corrected χ² and factors
        chisq, c = fiml_corrected(problem, theta, df, h1)
        base_chisq, c_b = fiml_corrected(base, base_theta, base_df, h1)
    out["cfi.robust"] = cfi(chisq, df, base_chisq, base_df, c, c_b)
    out["tli.robust"] = tli(chisq, df, base_chisq, base_df, c, c_b)
    out["rmsea.robust"] = rmsea(chisq, df, n, n_groups, c)
    return {k: float(v) for k, v in out.items()}


def satorra_measures(problem: Problem, theta: np.ndarray, measures: dict[str, float], test: str,
                     gammas: list[np.ndarray], traces: tuple[float, float] | None = None) -> dict[str, float]:
    """lavaan's scaled and robust fit measures of an MLM, MLMV or MLMVS fit.

    The model's and the baseline's scaled χ² (:func:`.satorra.scaled_test`, from their own
    tr(UΓ) and tr((UΓ)²) with the data's Γ); cfi.scaled and tli.scaled from the scaled
    statistics and df; rmsea.scaled = RMSEA(χ², tr(UΓ)) — with scaled.shifted RMSEA(T, df)
    —; with satorra.bentler and scaled.shifted (not mean.var.adjusted, as lavaan) the robust
    cfi, tli and rmsea of Brosseau-Liard & Savalei with c = tr(UΓ)/df of each model.

    Parameters
    ----------
    problem : Problem
        The fitting problem (complete rows).
    theta : ndarray
        The estimates.
    measures : dict
        The standard measures (:func:`fit_measures`).
    test : str
        "satorra.bentler", "scaled.shifted" or "mean.var.adjusted".
    gammas : list of ndarray
        Γ_g per group (:func:`.satorra.group_gammas`).
    traces : (float, float), optional
        The model's tr(UΓ) and tr((UΓ)²) when already computed.

    Returns
    -------
    dict of str to float
        The measures of :data:`ROBUST` (less the robust ones for mean.var.adjusted), and
        ``chisq.shift.parameters`` for scaled.shifted.

    References
    ----------
    Satorra, A. & Bentler, P. M. (1994). Corrections to test statistics and standard errors
    in covariance structure analysis. In A. von Eye & C. C. Clogg (Eds.), Latent Variables
    Analysis (pp. 399–419). Thousand Oaks, CA: Sage. Brosseau-Liard, P. E., Savalei, V. &
    Li, L. (2012). Multivariate Behavioral Research, 47(6), 904–930. Brosseau-Liard, P. E.
    & Savalei, V. (2014). Multivariate Behavioral Research, 49(5), 460–470.

    Examples
    --------
    R: ``fitMeasures(cfa(HS.model, HolzingerSwineford1939, estimator = "MLM"),
    c("chisq.scaled", "cfi.robust"))`` gives 80.872 and 0.932; servq gives the same (see
    tests/golden/sem_mlm.json):

    >>> "chisq.scaling.factor" in ROBUST
    True
    """
    from .satorra import satorra, scaled_test

    n, n_groups = problem.stats.ntotal, problem.model.n_groups
    chisq, df = measures["chisq"], measures["df"]
    base_chisq, base_df = measures["baseline.chisq"], measures["baseline.df"]
    if traces is None:
        sb = satorra(problem, theta, gammas)
        traces = (sb.trace, sb.trace2)
    _, _, base, base_theta = _fitted_baseline(problem)
    base_sb = satorra(base, base_theta, gammas)
    t = scaled_test(chisq, df, *traces, test)
    b = scaled_test(base_chisq, base_df, base_sb.trace, base_sb.trace2, test)
    out = {"chisq.scaled": t["stat"], "df.scaled": t["df"], "pvalue.scaled": _pchisq_upper(t["stat"], t["df"]),
           "chisq.scaling.factor": t["scaling"], "baseline.chisq.scaled": b["stat"], "baseline.df.scaled": b["df"],
           "baseline.pvalue.scaled": _pchisq_upper(b["stat"], b["df"]), "baseline.chisq.scaling.factor": b["scaling"],
           "cfi.scaled": cfi(t["stat"], t["df"], b["stat"], b["df"]), "tli.scaled": tli(t["stat"], t["df"], b["stat"], b["df"])}
    if test == "scaled.shifted":
        out["rmsea.scaled"] = rmsea(t["stat"], df, n, n_groups)
        out["chisq.shift.parameters"] = t["shift"]
    else:
        out["rmsea.scaled"] = rmsea(chisq, traces[0], n, n_groups) if traces[0] else np.nan
    if test != "mean.var.adjusted":
        out["cfi.robust"] = cfi(chisq, df, base_chisq, base_df, t["c_hat"], b["c_hat"])
        out["tli.robust"] = tli(chisq, df, base_chisq, base_df, t["c_hat"], b["c_hat"])
        out["rmsea.robust"] = rmsea(chisq, df, n, n_groups, t["c_hat"])
    return {k: float(v) for k, v in out.items()}


def _fitted_baseline(problem: Problem) -> tuple[float, int, Problem, np.ndarray]:
    """The independence model fitted to the same data (FIML, robust): χ², npar, problem, θ."""
    from .estimate import minimize
    from .model import build, with_exo_values
    from .start import start_values
    from .syntax import parse

    model = problem.model
    ov, x = model.names.ov, [model.names.ov[i] for i in exo_index(model)]
    lines = [f"{v} ~~ {v}" for v in ov if v not in x]
    # fixed.x covariates keep their sample moments: fixed rows, filled as the model's are
    lines += [f"{a} ~~ 0*{b}" for i, a in enumerate(x) for b in x[i:]]
    lines += [f"{a} ~ 0*1" for a in x] if model.meanstructure else []
    base_model = build(parse("\n".join(lines)), n_groups=model.n_groups, meanstructure=model.meanstructure)
    exo = replace(base_model, rows=tuple(replace(r, exo=r.lhs in x and (r.op == "~1" or r.rhs in x))
                                         for r in base_model.rows))
    base_model = with_exo_values(exo, list(problem.stats.cov), list(problem.stats.mean))
    base = problem.like(base_model)
    opt = minimize(base, start_values(base_model, problem.stats))
    return float(problem.stats.ntotal * opt.fmin), base_model.n_par, base, opt.theta


def n_moments(model: Model) -> int:
    """Number of sample moments per lavaan (``lav_partable_ndat``), fixed.x ones removed.

    Per group p(p + 1)/2 variances and covariances, plus p means with a mean structure,
    less those of the nx fixed.x covariates (nx(nx + 1)/2 and nx).

    Parameters
    ----------
    model : Model
        The parameter table.

    Returns
    -------
    int
        The number of sample moments over all groups (df = this − npar).

    References
    ----------
    Bollen, K. A. (1989). Structural Equations with Latent Variables. New York: Wiley
    (identification and degrees of freedom). Rosseel, Y. (2012). lavaan. Journal of
    Statistical Software, 48(2), 1–36.

    Examples
    --------
    In R, ``sum(fitMeasures(fit, c("df", "npar")))``:

    >>> from servq.stats.sem.model import build
    >>> from servq.stats.sem.syntax import parse
    >>> n_moments(build(parse("f =~ a + b + c + d"))), n_moments(build(parse("y ~ x1 + x2")))
    (10, 3)
    """
    p, nx = model.p, len(exo_index(model))
    per_group = p * (p + 1) // 2 - nx * (nx + 1) // 2
    if model.meanstructure:
        per_group += p - nx
    return per_group * model.n_groups




def _baseline(problem: Problem) -> tuple[float, int]:
    """χ² and npar of the independence model (fixed.x covariates keep their sample block)."""
    model, st = problem.model, problem.stats
    x = exo_index(model)
    nox = [i for i in range(model.p) if i not in x]
    total = 0.0
    for g, s in enumerate(st.cov):
        f = np.sum(np.log(np.diag(s)[nox])) - problem.logdet_s[g]
        if x:
            f += np.linalg.slogdet(s[np.ix_(x, x)])[1]
        total += st.nobs[g] * f
    npar = len(nox) * (2 if model.meanstructure else 1) * model.n_groups
    return float(total), npar


def _covariates_logl(problem: Problem) -> float:
    """The fixed.x covariates' own (marginal) log-likelihood at their sample moments: lavaan
    reports the likelihood conditional on them, the joint one less this (the covariates are
    complete, so the EM moments of FIML are their sample moments)."""
    x, st = exo_index(problem.model), problem.stats
    if not x:
        return 0.0
    return float(sum(-n / 2 * (len(x) * np.log(2 * np.pi) + np.linalg.slogdet(s[np.ix_(x, x)])[1] + len(x))
                     for s, n in zip(st.cov, st.nobs)))


def _loglik(problem: Problem, theta: np.ndarray) -> tuple[float, float]:
    model, st = problem.model, problem.stats
    p = model.p
    marginal = _covariates_logl(problem)
    logl = unrestricted = -marginal
    for g, (s, n) in enumerate(zip(st.cov, st.nobs)):
        imp = implied(model, theta, g)
        inv = np.linalg.inv(imp.sigma)
        value = np.linalg.slogdet(imp.sigma)[1] + np.sum(s * inv)
        if model.meanstructure:
            d = st.mean[g] - imp.mu
            value += d @ inv @ d
        logl += -n / 2 * (p * np.log(2 * np.pi) + value)
        unrestricted += -n / 2 * (p * np.log(2 * np.pi) + problem.logdet_s[g] + p)
    return float(logl), float(unrestricted)


def cfi(chisq: float, df: float, base_chisq: float, base_df: float, c: float = 1.0,
        c_base: float = 1.0) -> float:
    """Comparative fit index as ``lavaan:::lav_fit_cfi``.

    CFI = 1 − max(χ² − df, 0) / max(χ² − df, χ²_b − df_b, 0); 1 when both are 0.

    Parameters
    ----------
    chisq, df : float
        χ² and degrees of freedom of the model.
    base_chisq, base_df : float
        χ² and degrees of freedom of the baseline (independence) model.
    c, c_base : float
        Scaling factors of the model and the baseline (lavaan's c.hat); 1 for the plain
        index, the Yuan–Bentler factors for the robust one (Brosseau-Liard & Savalei 2014).

    Returns
    -------
    float
        CFI in [0, 1]; NaN when an input is NaN.

    References
    ----------
    Bentler, P. M. (1990). Comparative fit indexes in structural models. Psychological
    Bulletin, 107(2), 238–246. Hu, L. & Bentler, P. M. (1999). Cutoff criteria for fit
    indexes in covariance structure analysis. Structural Equation Modeling, 6(1), 1–55.

    Examples
    --------
    The three-factor Holzinger–Swineford model of the lavaan tutorial (χ² = 85.306 on 24 df,
    baseline 918.852 on 36 df); R's ``fitMeasures(fit, "cfi")`` prints 0.931:

    >>> round(cfi(85.306, 24, 918.852, 36), 3)
    0.931
    """
    if np.isnan([chisq, df, base_chisq, base_df, c, c_base]).any():
        return np.nan
    t1 = max(chisq - c * df, 0.0)
    t2 = max(chisq - c * df, base_chisq - c_base * base_df, 0.0)
    if np.isclose(t1, 0.0, atol=1.5e-8) and np.isclose(t2, 0.0, atol=1.5e-8):
        return 1.0
    return 1.0 - t1 / t2


def tli(chisq: float, df: float, base_chisq: float, base_df: float, c: float = 1.0,
        c_base: float = 1.0) -> float:
    """Tucker–Lewis index as ``lavaan:::lav_fit_tli``.

    TLI = 1 − ((χ² − df)·df_b) / ((χ²_b − df_b)·df); 1 when df = 0.

    Parameters
    ----------
    chisq, df : float
        χ² and degrees of freedom of the model.
    base_chisq, base_df : float
        χ² and degrees of freedom of the baseline (independence) model.
    c, c_base : float
        Scaling factors of the model and the baseline (lavaan's c.hat); 1 for the plain
        index, the Yuan–Bentler factors for the robust one (Brosseau-Liard & Savalei 2014).

    Returns
    -------
    float
        TLI (not bounded to [0, 1]); NaN when an input is NaN.

    References
    ----------
    Tucker, L. R. & Lewis, C. (1973). A reliability coefficient for maximum likelihood
    factor analysis. Psychometrika, 38(1), 1–10. Bentler, P. M. & Bonett, D. G. (1980).
    Significance tests and goodness of fit in the analysis of covariance structures.
    Psychological Bulletin, 88(3), 588–606.

    Examples
    --------
    The Holzinger–Swineford model of the lavaan tutorial; R's ``fitMeasures(fit, "tli")``
    prints 0.896:

    >>> round(tli(85.306, 24, 918.852, 36), 3)
    0.896
    """
    if np.isnan([chisq, df, base_chisq, base_df, c, c_base]).any():
        return np.nan
    t1 = (chisq - c * df) * base_df
    t2 = (base_chisq - c_base * base_df) * df
    if df > 0 and abs(t2) > 0:
        return 1.0 - t1 / t2
    return 1.0


def rmsea(chisq: float, df: float, n: int, n_groups: int = 1, c: float = 1.0) -> float:
    """RMSEA as ``lavaan:::lav_fit_rmsea`` (0 when df = 0).

    RMSEA = √(max(χ²/N/df − 1/N, 0)) · √G.

    Parameters
    ----------
    chisq, df : float
        χ² and degrees of freedom of the model.
    n : int
        Total number of observations N.
    n_groups : int
        Number of groups G.
    c : float
        Scaling factor (lavaan's c.hat); not 1 for ``rmsea.robust``.

    Returns
    -------
    float
        The RMSEA; NaN when χ² is NaN.

    References
    ----------
    Steiger, J. H. (1990). Structural model evaluation and modification: An interval
    estimation approach. Multivariate Behavioral Research, 25(2), 173–180. Browne, M. W. &
    Cudeck, R. (1993). Alternative ways of assessing model fit. In K. A. Bollen & J. S. Long
    (Eds.), Testing Structural Equation Models (pp. 136–162). Newbury Park, CA: Sage.

    Examples
    --------
    The Holzinger–Swineford model of the lavaan tutorial (N = 301); R's
    ``fitMeasures(fit, "rmsea")`` prints 0.092:

    >>> round(rmsea(85.306, 24, 301), 3)
    0.092
    """
    if np.isnan(chisq):
        return np.nan
    if df <= 0:
        return 0.0
    return float(np.sqrt(max(chisq / n / df - c / n, 0.0)) * np.sqrt(n_groups))


def rmsea_ci(chisq: float, df: float, n: int, n_groups: int = 1, level: float = 0.90,
             ) -> tuple[float, float]:
    """Confidence interval of the RMSEA as ``lavaan:::lav_fit_rmsea_ci``.

    The bounds are √(λ/(N·df))·√G for the noncentrality λ with P(χ²_df(λ) ≤ χ²) = .95
    (lower) and .05 (upper) at ``level`` = .90; a bound is 0 when no λ ≥ 0 solves it.

    Parameters
    ----------
    chisq, df : float
        χ² and degrees of freedom of the model.
    n : int
        Total number of observations N.
    n_groups : int
        Number of groups G.
    level : float
        Confidence level.

    Returns
    -------
    tuple of float
        (lower, upper); (NaN, NaN) when χ² is not finite, (0, 0) when df < 1.

    References
    ----------
    Browne, M. W. & Cudeck, R. (1993). Alternative ways of assessing model fit. In K. A.
    Bollen & J. S. Long (Eds.), Testing Structural Equation Models (pp. 136–162). Newbury
    Park, CA: Sage. Steiger, J. H. (1990). Multivariate Behavioral Research, 25(2), 173–180.

    Examples
    --------
    The Holzinger–Swineford model of the lavaan tutorial; R's
    ``fitMeasures(fit, c("rmsea.ci.lower", "rmsea.ci.upper"))`` prints 0.071 and 0.114:

    >>> [round(v, 3) for v in rmsea_ci(85.306, 24, 301)]
    [0.071, 0.114]
    """
    if not np.isfinite(chisq) or df < 1:
        return (np.nan, np.nan) if not np.isfinite(chisq) else (0.0, 0.0)
    upper_p, lower_p = 1 - (1 - level) / 2, (1 - level) / 2

    x = max(chisq, 0.0)  # a perfect fit can come out a rounding error below zero

    def cdf(lam):
        return special.chdtr(df, x) if lam <= 0 else special.chndtr(x, df, lam)

    scale = np.sqrt(n_groups)
    if cdf(0.0) - upper_p < 0:
        lower = 0.0
    else:
        lam = optimize.brentq(lambda x: cdf(x) - upper_p, 0.0, chisq, xtol=1e-12)
        lower = np.sqrt(lam / (n * df)) * scale
    n_rmsea = max(n, chisq * 4)
    if cdf(n_rmsea) - lower_p > 0 or cdf(0.0) - lower_p < 0:
        upper = 0.0
    else:
        lam = optimize.brentq(lambda x: cdf(x) - lower_p, 0.0, n_rmsea, xtol=1e-12)
        upper = np.sqrt(lam / (n * df)) * scale
    return float(lower), float(upper)


def rmsea_pvalue(chisq: float, df: float, n: int, n_groups: int = 1, h0: float = 0.05) -> float:
    """p-value of close fit (H0: RMSEA ≤ h0) as ``lavaan:::lav_fit_rmsea_closefit``.

    1 − P(χ²_df(λ₀) ≤ χ²) with noncentrality λ₀ = N·df·h0²/G.

    Parameters
    ----------
    chisq, df : float
        χ² and degrees of freedom of the model.
    n : int
        Total number of observations N.
    n_groups : int
        Number of groups G.
    h0 : float
        The RMSEA of close fit.

    Returns
    -------
    float
        The p-value; NaN when χ² is not finite or df ≤ 0.

    References
    ----------
    Browne, M. W. & Cudeck, R. (1993). Alternative ways of assessing model fit. In K. A.
    Bollen & J. S. Long (Eds.), Testing Structural Equation Models (pp. 136–162). Newbury
    Park, CA: Sage.

    Examples
    --------
    The Holzinger–Swineford model of the lavaan tutorial; R's
    ``fitMeasures(fit, "rmsea.pvalue")`` prints 0.001:

    >>> round(rmsea_pvalue(85.306, 24, 301), 3)
    0.001
    """
    if not np.isfinite(chisq) or df <= 0:
        return np.nan
    ncp = n * df * h0 ** 2 / n_groups
    x = max(chisq, 0.0)
    return float(1.0 - special.chndtr(x, df, ncp)) if ncp > 0 else float(special.chdtrc(df, x))


def srmr(problem: Problem, theta: np.ndarray) -> float:
    """Bentler's SRMR (lavaan's ``srmr``): residuals scaled by the sample SDs.

    Per group √(mean over i ≤ j of ((s_ij − σ̂_ij)/√(s_ii s_jj))²), with a mean structure
    also over (ȳ_i − μ̂_i)/√s_ii; groups weighted by N_g/N.

    Parameters
    ----------
    problem : Problem
        The model and sample statistics.
    theta : ndarray
        The estimates.

    Returns
    -------
    float
        The SRMR.

    References
    ----------
    Bentler, P. M. (1995). EQS Structural Equations Program Manual. Encino, CA: Multivariate
    Software. Hu, L. & Bentler, P. M. (1999). Cutoff criteria for fit indexes in covariance
    structure analysis. Structural Equation Modeling, 6(1), 1–55.

    Examples
    --------
    A saturated model reproduces S: SRMR = 0 (R: ``fitMeasures(cfa("f =~ a + b + c",
    sample.cov = S, sample.nobs = 100), "srmr")``):

    >>> from servq.stats.sem.estimate import SampleStats
    >>> from servq.stats.sem.model import build
    >>> from servq.stats.sem.syntax import parse
    >>> s = np.array([[1.0, 0.5, 0.4], [0.5, 1.2, 0.6], [0.4, 0.6, 0.9]])
    >>> problem = Problem(build(parse("f =~ a + b + c")), SampleStats((0.99 * s,), (None,), (100,)))
    >>> round(srmr(problem, np.array([1.5, 1.2, 0.66, 0.4455, 0.4158, 0.33])), 10)
    0.0
    """
    model, st = problem.model, problem.stats
    p = model.p
    lower = np.tril_indices(p)
    total = 0.0
    for g, (s, w) in enumerate(zip(st.cov, st.weights)):
        imp = implied(model, theta, g)
        sd = np.sqrt(np.diag(s))
        res = (s - imp.sigma) / np.outer(sd, sd)
        squares = np.sum(res[lower] ** 2)
        count = len(lower[0])
        if model.meanstructure:
            squares += np.sum(((st.mean[g] - imp.mu) / sd) ** 2)
            count += p
        total += w * np.sqrt(squares / count)
    return float(total)


def _pchisq_upper(x: float, df: float) -> float:
    if not np.isfinite(x):
        return np.nan
    if df <= 0:
        return np.nan
    return float(special.chdtrc(df, max(x, 0.0)))
