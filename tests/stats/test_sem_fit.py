"""Behaviour of cfa()/sem(): sufficient statistics, missing data, warnings, bad input."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from servq.stats.sem import SemSpecificationError, SemWarning, cfa, core, estimate, invariance, sem

GOLDEN = Path(__file__).parents[1] / "golden"
HS_MODEL = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
ITEMS = [f"x{i}" for i in range(1, 10)]


@pytest.fixture(scope="module")
def hs():
    return pd.read_csv(GOLDEN / "data" / "HolzingerSwineford1939.csv")


def assert_same_fit(a, b, tol=1e-8):
    for key, value in a.fit.items():
        assert b.fit[key] == pytest.approx(value, abs=tol, nan_ok=True), key
    cols = ["est", "se", "std.lv", "std.all"]
    np.testing.assert_allclose(a.to_frame()[cols], b.to_frame()[cols], atol=tol)


def test_sample_cov_gives_the_same_as_data(hs):
    from_data = cfa(HS_MODEL, hs)
    from_cov = cfa(HS_MODEL, sample_cov=hs[ITEMS].cov(), sample_nobs=len(hs))
    assert_same_fit(from_data, from_cov)
    with_mean = cfa(HS_MODEL + "\nx1 ~ 1", hs)
    with_mean_cov = cfa(HS_MODEL + "\nx1 ~ 1", sample_cov=hs[ITEMS].cov(), sample_nobs=len(hs),
                        sample_mean=hs[ITEMS].mean())
    assert_same_fit(with_mean, with_mean_cov)
    # a mean structure that is saturated changes nothing but npar and the intercepts
    assert with_mean.fit["chisq"] == pytest.approx(from_data.fit["chisq"], abs=1e-8)
    assert with_mean.fit["npar"] == from_data.fit["npar"] + 9


def test_multigroup_sample_stats_give_the_same_as_group_column(hs):
    from_data = cfa(HS_MODEL, hs, group="school", group_equal=["loadings", "intercepts"])
    parts = {k: g[ITEMS] for k, g in hs.groupby("school", sort=False)}
    kwargs = dict(sample_cov={k: v.cov() for k, v in parts.items()},
                  sample_nobs={k: len(v) for k, v in parts.items()},
                  sample_mean={k: v.mean() for k, v in parts.items()})
    from_dict = cfa(HS_MODEL, group_equal=["loadings", "intercepts"], **kwargs)
    assert from_dict.groups == from_data.groups == ("Pasteur", "Grant-White")
    assert_same_fit(from_data, from_dict)
    from_lists = cfa(HS_MODEL, group_equal=["loadings", "intercepts"],
                     **{k: list(v.values()) for k, v in kwargs.items()})
    assert_same_fit(from_data, from_lists)
    with pytest.raises(ValueError, match="needs sample_mean"):
        cfa(HS_MODEL, sample_cov=kwargs["sample_cov"], sample_nobs=kwargs["sample_nobs"])


def test_listwise_deletion_on_model_variables_only(hs):
    holes = hs.copy()
    holes.loc[[3, 10, 50], "x5"] = np.nan
    holes["agemo"] = np.nan  # not in the model: ignored
    fit = cfa(HS_MODEL, holes)
    assert fit.fit["ntotal"] == len(hs) - 3
    assert_same_fit(fit, cfa(HS_MODEL, hs.drop(index=[3, 10, 50])))


def test_planted_structure_from_chunked_sufficient_statistics():
    """The design: moments of many rows accumulated per chunk, then one fit from them."""
    rng = np.random.default_rng(7)
    load = np.zeros((10, 2))
    load[:5, 0] = [1.0, 0.8, 0.7, 0.9, 0.6]
    load[5:, 1] = [1.0, 1.2, 0.8, 0.9, 1.1]
    phi = np.array([[1.0, 0.4], [0.4, 0.8]])
    n, total, cross = 0, np.zeros(10), np.zeros((10, 10))
    for _ in range(20):
        eta = rng.multivariate_normal([0, 0], phi, size=10_000)
        x = eta @ load.T + rng.normal(scale=0.6, size=(10_000, 10))
        n += len(x)
        total += x.sum(axis=0)
        cross += x.T @ x
    mean = total / n
    cov = (cross - n * np.outer(mean, mean)) / (n - 1)
    names = [f"i{k}" for k in range(10)]
    fit = cfa("f1 =~ i0 + i1 + i2 + i3 + i4\nf2 =~ i5 + i6 + i7 + i8 + i9",
              sample_cov=pd.DataFrame(cov, index=names, columns=names), sample_nobs=n)
    est = fit.to_frame().set_index(["lhs", "op", "rhs"])["est"]
    for k in range(10):
        f = "f1" if k < 5 else "f2"
        assert est[f, "=~", f"i{k}"] == pytest.approx(load[k].sum(), abs=0.02)
    assert est["f1", "~~", "f2"] == pytest.approx(0.4, abs=0.02)
    assert fit.fit["rmsea"] < 0.01 and fit.fit["ntotal"] == 200_000


def test_heywood_case_is_named():
    names = ["a", "b", "c"]
    s = pd.DataFrame([[1, .8, .8], [.8, 1, .5], [.8, .5, 1]], index=names, columns=names)
    with pytest.warns(SemWarning, match=r"Heywood case: negative residual variance a ~~ a = -0\.2786"):
        fit = cfa("f =~ a + b + c", sample_cov=s, sample_nobs=200)
    assert any("Heywood" in w for w in fit.warnings)
    est = fit.to_frame().set_index(["lhs", "op", "rhs"])["est"]
    assert est["a", "~~", "a"] == pytest.approx((1 - 0.64 / 0.5) * 199 / 200, abs=1e-6)


def test_latent_covariance_not_positive_definite():
    names = list("abcdef")
    r = np.full((6, 6), 0.5)
    r[:3, :3] = r[3:, 3:] = 0.4
    np.fill_diagonal(r, 1.0)
    with pytest.warns(SemWarning, match=r"latent variables is not positive definite .* f1 ~~ f2 = 1\.250"):
        cfa("f1 =~ a + b + c\nf2 =~ d + e + f", sample_cov=pd.DataFrame(r, names, names),
            sample_nobs=300)


def test_sample_covariance_not_positive_definite():
    rng = np.random.default_rng(0)
    df = pd.DataFrame(rng.normal(size=(100, 3)), columns=["a", "b", "c"])
    df["d"] = df.a + df.b
    with pytest.warns(SemWarning) as record:
        fit = cfa("f =~ a + b + c + d", df)
    messages = " | ".join(str(w.message) for w in record)
    assert "sample covariance matrix is not positive definite" in messages
    assert np.isnan(fit.fit["chisq"]) and np.isnan(fit.fit["cfi"])


def test_not_identified():
    df = pd.DataFrame(np.random.default_rng(1).normal(size=(50, 2)), columns=["a", "b"])
    with pytest.warns(SemWarning) as record:
        fit = cfa("f =~ a + b", df)
    messages = " | ".join(str(w.message) for w in record)
    assert "not identified: df = -1" in messages and "information matrix is singular" in messages
    assert fit.to_frame().se[fit.to_frame().free].isna().all()


def test_non_convergence_warns(hs, monkeypatch):
    real = estimate.minimize

    def stop_early(problem, start):
        opt = real(problem, start)
        return estimate.Optimum(start, problem.objective(start), opt.gradient, opt.information,
                                1, False, "test")

    monkeypatch.setattr(core, "minimize", stop_early)
    with pytest.warns(SemWarning, match="did not converge after 1 iterations"):
        fit = cfa(HS_MODEL, hs)
    assert not fit.converged


def test_results_object(hs):
    fit = cfa(HS_MODEL, hs)
    data = fit.to_dict()
    json.dumps(data)
    assert data["fit"]["df"] == 24 and data["lv_names"] == ["visual", "textual", "speed"]
    assert set(fit.standardized_solution().columns) >= {"std.lv", "std.all"}
    implied = fit.implied_cov()
    assert list(implied.columns) == ITEMS and np.allclose(implied, implied.T)
    assert fit.vcov().shape == (21, 21)
    assert (fit.modindices().mi.diff().dropna() <= 0).all()


@pytest.mark.parametrize("call, message", [
    (lambda hs: cfa(HS_MODEL, hs.drop(columns="x9")), "variable 'x9' of the model is not a column"),
    (lambda hs: cfa(HS_MODEL, hs[ITEMS].to_numpy()), "must be a pandas DataFrame"),
    (lambda hs: cfa(HS_MODEL, hs.assign(x1="a")), "column 'x1' is not numeric"),
    (lambda hs: cfa(HS_MODEL, hs, group="town"), "group column 'town'"),
    (lambda hs: cfa(HS_MODEL, hs, sample_cov=hs[ITEMS].cov()), "either data or sample_cov"),
    (lambda hs: cfa(HS_MODEL), "give data, or sample_cov"),
    (lambda hs: cfa(HS_MODEL, sample_cov=hs[ITEMS].cov().to_numpy(), sample_nobs=301), "DataFrame"),
    (lambda hs: cfa(HS_MODEL, sample_cov=hs[ITEMS].cov(), sample_nobs=1.5), "sample_nobs"),
    (lambda hs: cfa(HS_MODEL, sample_cov=hs[ITEMS[:8]].cov(), sample_nobs=301), "'x9' .* not in sample_cov"),
    (lambda hs: cfa(HS_MODEL, sample_cov=[hs[ITEMS].cov()] * 2, sample_nobs=[301]), "one entry per group"),
    (lambda hs: invariance(HS_MODEL, hs[hs.school == "Pasteur"], group="school"), "at least two groups"),
])
def test_bad_input(hs, call, message):
    with pytest.raises(ValueError, match=message):
        call(hs)


def test_specification_error_is_value_error():
    assert issubclass(SemSpecificationError, ValueError)


def test_sem_and_cfa_share_defaults(hs):
    model = HS_MODEL + "\nspeed ~ visual + textual"
    assert sem(model, hs).fit == cfa(model, hs).fit


def test_equal_fits_give_a_difference_test_p_of_one():
    """Groups with the same covariances: the metric model fits as well as the configural one,
    its chi-square difference is 0 up to rounding (even slightly below), and p = 1 as R's
    pchisq(d, df, lower.tail = FALSE) gives for d <= 0 — not NaN."""
    import numpy as np
    import pandas as pd

    from servq.stats.sem import invariance

    names = ["a", "b", "c", "d"]
    cov = pd.DataFrame(0.5 + 0.5 * np.eye(4), index=names, columns=names)
    mean = pd.Series([3.0, 3.2, 2.9, 3.1], index=names)
    res = invariance("f =~ a + b + c + d", sample_cov=[cov, cov], sample_nobs=[200, 200], sample_mean=[mean, mean])
    metric = res.table.iloc[1]
    assert abs(metric.chisq_diff) < 1e-9 and metric.pvalue == 1.0 and metric.holds
