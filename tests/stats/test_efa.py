"""servq.stats.efa and .rotation against psych::fa, KMO, cortest.bartlett and fa.parallel.

Reference values: tests/golden/efa.R -> tests/golden/efa.json (psych 2.2.9, GPArotation
2022.10.2). Loadings are compared after matching columns to R's and flipping signs, though
servq reproduces psych's column order and signs too (checked separately).
"""

import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from factor_helpers import align
from hypothesis import given, settings
from hypothesis import strategies as st

from servq.stats.efa import _random_correlation, bartlett, efa, kmo, parallel_analysis
from servq.stats.rotation import oblimin, promax, rotate, varimax

TESTS = Path(__file__).resolve().parents[1]
GOLDEN = json.loads((TESTS / "golden" / "efa.json").read_text())
LOADING_TOL = 2e-4  # the brief asks 1e-3; servq is within 1e-4 of R on all three data sets


def _data() -> dict[str, pd.DataFrame]:
    bfi = pd.read_csv(TESTS / "golden" / "data" / "bfi.csv").iloc[:, :25]
    hs = pd.read_csv(TESTS / "golden" / "data" / "HolzingerSwineford1939.csv")[[f"x{i}" for i in range(1, 10)]]
    sq = pd.read_csv(TESTS / "data" / "servqual_perceptions_sq411.csv")[[f"a{i:02d}" for i in range(1, 23)]]
    return {"bfi": bfi, "hs": hs, "sq411": sq}


DATA = _data()


def _matrix(rows, p: int) -> np.ndarray:
    """A JSON matrix from R (jsonlite unboxes one-column rows to scalars)."""
    return np.asarray(rows, dtype=float).reshape(p, -1)


def case_id(c: dict) -> str:
    return f"{c['data']}-{c['method']}-{c['rotate']}-{c['n_factors']}"


@pytest.mark.parametrize("case", GOLDEN["fa"], ids=case_id)
def test_fa_matches_psych(case):
    f = efa(DATA[case["data"]], case["n_factors"], method=case["method"], rotate=case["rotate"])
    p = len(case["items"])
    ref = _matrix(case["loadings"], p)
    perm, sign = align(f.loadings, ref)
    np.testing.assert_allclose(f.loadings[:, perm] * sign, ref, atol=LOADING_TOL)
    np.testing.assert_allclose(f.ss_loadings[perm], case["ss_loadings"], atol=LOADING_TOL)
    if case["phi"] is not None:
        phi = f.phi[np.ix_(perm, perm)] * np.outer(sign, sign)
        np.testing.assert_allclose(phi, _matrix(case["phi"], case["n_factors"]), atol=LOADING_TOL)
    else:
        assert f.phi is None
    np.testing.assert_allclose(f.communalities, case["communality"], atol=LOADING_TOL)
    np.testing.assert_allclose(f.uniquenesses, case["uniquenesses"], atol=LOADING_TOL)
    np.testing.assert_allclose(f.eigenvalues, case["e_values"], atol=1e-10)
    np.testing.assert_allclose(f.factor_eigenvalues, case["values"], atol=LOADING_TOL)
    assert f.n == case["n"] and f.dof == case["dof"] and f.converged
    assert f.objective == pytest.approx(case["objective"], rel=1e-4)
    assert f.chi_square == pytest.approx(case["statistic"], rel=1e-4)
    assert f.p_value == pytest.approx(case["pval"], rel=1e-3, abs=1e-12)
    assert f.rmsea == pytest.approx(case["rmsea"], abs=1e-5)
    assert f.tli == pytest.approx(case["tli"], abs=1e-5)


@pytest.mark.parametrize("case", [c for c in GOLDEN["fa"] if c["n_factors"] > 1], ids=case_id)
def test_fa_reproduces_psych_column_order_and_signs(case):
    f = efa(DATA[case["data"]], case["n_factors"], method=case["method"], rotate=case["rotate"])
    np.testing.assert_allclose(f.loadings, _matrix(case["loadings"], len(case["items"])), atol=LOADING_TOL)


def test_matrix_input_gives_the_data_answer():
    x = DATA["hs"]
    r = x.corr().to_numpy()
    a = efa(x, 3, method="ml", rotate="promax")
    b = efa(r, 3, method="ml", rotate="promax", n=len(x))
    c = efa(x.cov().to_numpy(), 3, method="ml", rotate="promax", n=len(x))
    for other in (b, c):
        np.testing.assert_allclose(other.loadings, a.loadings, atol=1e-6)
        assert other.chi_square == pytest.approx(a.chi_square, rel=1e-6)
    assert efa(r, 3).chi_square is None and efa(r, 3).dof == 12


def test_row_order_does_not_matter():
    x = DATA["bfi"]
    shuffled = x.sample(frac=1.0, random_state=3)
    np.testing.assert_allclose(efa(shuffled, 5).loadings, efa(x, 5).loadings, atol=1e-6)


@settings(max_examples=15)
@given(loadings=st.lists(st.floats(0.5, 0.85), min_size=9, max_size=9),
       correlations=st.lists(st.floats(0.0, 0.4), min_size=3, max_size=3))
def test_planted_structure_is_recovered(loadings, correlations):
    lam = np.zeros((9, 3))
    for f in range(3):
        lam[3 * f: 3 * f + 3, f] = loadings[3 * f: 3 * f + 3]
    phi = np.eye(3)
    phi[np.triu_indices(3, 1)] = correlations
    phi = np.triu(phi) + np.triu(phi, 1).T
    r = lam @ phi @ lam.T
    np.fill_diagonal(r, 1.0)
    for method in ("minres", "ml"):
        f = efa(r, 3, method=method, rotate="oblimin", n=500)
        perm, sign = align(f.loadings, lam)
        np.testing.assert_allclose(f.loadings[:, perm] * sign, lam, atol=1e-4)
        np.testing.assert_allclose(f.phi[np.ix_(perm, perm)] * np.outer(sign, sign), phi, atol=1e-4)
        assert f.chi_square == pytest.approx(0.0, abs=1e-4)


def test_result_frames_and_json():
    f = efa(DATA["hs"], 3, method="ml")
    df = f.to_frame()
    assert list(df.columns) == [*f.factors, "h2", "u2"] and list(df.index) == list(DATA["hs"].columns)
    d = json.loads(json.dumps(f.to_dict()))
    assert d["fit"]["dof"] == 12 and len(d["loadings"]) == 9 and len(d["phi"]) == 3
    assert f.factors == ("ML1", "ML3", "ML2")  # psych names columns by their unsorted position
    np.testing.assert_allclose(f.structure, f.loadings @ f.phi)
    np.testing.assert_allclose(f.proportion_var, f.ss_loadings / 9)
    assert json.dumps(efa(f.loadings @ f.loadings.T + np.diag(f.uniquenesses), 1).to_dict())


@pytest.mark.parametrize("kwargs, message", [
    ({"n_factors": 0}, "n_factors"),
    ({"n_factors": 9}, "n_factors"),
    ({"n_factors": 2.0}, "n_factors"),
    ({"n_factors": 2, "method": "pa"}, "method"),
    ({"n_factors": 2, "rotate": "geomin"}, "rotate"),
    ({"n_factors": 2, "n": 100}, "n is the number of rows"),
    ({"n_factors": 2, "missing": "all"}, "missing"),
])
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        efa(DATA["hs"], **kwargs)


def test_heywood_case_is_named():
    # one factor: loading² of V1 = r12·r13/r23 = .9·.9/.7 > 1
    r = np.array([[1, 0.9, 0.9, 0.5], [0.9, 1, 0.7, 0.4], [0.9, 0.7, 1, 0.45], [0.5, 0.4, 0.45, 1]])
    ml = efa(r, 1, method="ml")  # R: psych::fa(r, 1, fm = "ml")$uniquenesses
    np.testing.assert_allclose(ml.uniquenesses, [0.004870323, 0.190997796, 0.190688545, 0.749951963], atol=1e-6)
    minres = efa(r, 1)  # psych: -0.039 (an "ultra-Heywood case"); see the efa module notes
    assert minres.uniquenesses[0] < 0
    for f in (ml, minres):
        assert f.heywood == ("V1",) and f.to_dict()["heywood"] == ["V1"]
    assert efa(DATA["hs"], 3).heywood == ()


def test_ml_refuses_an_indefinite_matrix():
    r = np.array([[1, 0.9, 0.9], [0.9, 1, 0.1], [0.9, 0.1, 1]])  # pairwise-style, not PSD
    with pytest.raises(ValueError, match="positive definite"):
        efa(r, 1, method="ml")
    assert efa(r, 1).loadings.shape == (3, 1)


def test_bad_data():
    x = DATA["hs"].copy()
    x["x3"] = 1.0
    with pytest.raises(ValueError, match="'x3'"):
        efa(x, 2)
    with pytest.raises(ValueError, match="numeric"):
        efa(pd.DataFrame({"a": ["x", "y", "z"], "b": [1, 2, 3]}), 1)
    with pytest.raises(ValueError, match="2-D"):
        efa(np.arange(5.0), 1)


# --- rotations ---------------------------------------------------------------------------

A = np.array([[0.8, 0.3], [0.7, 0.4], [0.3, 0.8], [0.2, 0.7], [0.5, 0.5]])


def test_orthogonal_rotation_keeps_communalities():
    lam, t = varimax(A)
    np.testing.assert_allclose(t @ t.T, np.eye(2), atol=1e-12)
    np.testing.assert_allclose((lam**2).sum(axis=1), (A**2).sum(axis=1), atol=1e-12)


@pytest.mark.parametrize("method", [oblimin, promax])
def test_oblique_rotation_reproduces_the_common_part(method):
    lam, phi = method(A)
    np.testing.assert_allclose(np.diag(phi), 1.0, atol=1e-12)
    np.testing.assert_allclose(lam @ phi @ lam.T, A @ A.T, atol=1e-10)


def test_rotate_none_and_single_factor():
    lam, phi = rotate(A, "none")
    assert phi is None and np.array_equal(lam, A)
    lam, phi = rotate(A[:, :1], "oblimin")
    assert phi is None and np.array_equal(lam, A[:, :1])
    with pytest.raises(ValueError, match="rotate"):
        rotate(A, "quartimax")


# --- KMO and Bartlett --------------------------------------------------------------------


@pytest.mark.parametrize("case", GOLDEN["kmo"], ids=lambda c: c["data"])
def test_kmo_and_bartlett_match_psych(case):
    x = DATA[case["data"]]
    k = kmo(x)
    assert k.msa == pytest.approx(case["msa"], abs=1e-10)
    np.testing.assert_allclose(k.msa_items, case["msai"], atol=1e-10)
    b = bartlett(x)
    assert b.chi_square == pytest.approx(case["chisq"], rel=1e-10)
    assert b.df == case["df"] and b.n == case["n"]
    assert b.p_value == pytest.approx(case["p_value"], rel=1e-6, abs=1e-300)
    r = x.corr().to_numpy()
    assert bartlett(r, n=case["n"]).chi_square == pytest.approx(case["chisq"], rel=1e-10)
    assert kmo(r).msa == pytest.approx(case["msa"], abs=1e-10)
    assert json.dumps(k.to_dict()) and json.dumps(b.to_dict()) and k.to_frame().shape == (x.shape[1], 1)


def test_kmo_and_bartlett_bad_input():
    with pytest.raises(ValueError, match="needs n"):
        bartlett(np.eye(3))
    with pytest.raises(ValueError, match="positive definite"):
        bartlett(np.array([[1, 0.9, 0.9], [0.9, 1, 0.1], [0.9, 0.1, 1]]), n=50)
    with pytest.raises(ValueError, match="invertible"):
        kmo(np.ones((3, 3)))


# --- parallel analysis -------------------------------------------------------------------


@pytest.mark.parametrize("case", GOLDEN["parallel"], ids=lambda c: c["data"])
def test_parallel_analysis_suggests_what_psych_suggests(case):
    pa = parallel_analysis(DATA[case["data"]], seed=1)
    # psych's suggestion varies with the random draw; compare with its most frequent one
    assert pa.n_factors == max(set(case["nfact"]), key=case["nfact"].count)
    assert pa.n_components == max(set(case["ncomp"]), key=case["ncomp"].count)
    np.testing.assert_allclose(pa.pc_values, case["pc_values"], atol=1e-10)
    np.testing.assert_allclose(pa.fa_values, case["fa_values"], atol=LOADING_TOL)
    assert pa.n == case["n"]


def test_parallel_analysis_is_reproducible_and_stable():
    x = DATA["hs"]
    a, b = parallel_analysis(x, seed=7, iterations=20), parallel_analysis(x, seed=7, iterations=20)
    np.testing.assert_array_equal(a.fa_simulated, b.fa_simulated)
    assert {parallel_analysis(x, seed=s, iterations=20).n_factors for s in range(3)} == {3}
    frame = a.to_frame()
    assert list(frame.columns) == ["pc", "pc_simulated", "fa", "fa_simulated"] and len(frame) == 9
    assert json.loads(json.dumps(a.to_dict()))["n_factors"] == 3


def test_wishart_draw_matches_simulated_rows():
    # eigenvalues of correlation matrices of n normal rows, drawn directly vs via Bartlett's
    # decomposition: the means of the largest and smallest agree within sampling error
    rng = np.random.default_rng(11)
    n, p, reps = 40, 5, 4000
    direct = np.array([np.linalg.eigvalsh(np.corrcoef(rng.standard_normal((n, p)), rowvar=False))
                       for _ in range(reps)])
    drawn = np.array([np.linalg.eigvalsh(_random_correlation(rng, n, p)) for _ in range(reps)])
    se = direct.std(axis=0) / np.sqrt(reps)
    assert np.all(np.abs(drawn.mean(axis=0) - direct.mean(axis=0)) < 4 * np.sqrt(2) * se)
    np.testing.assert_allclose(np.quantile(drawn, 0.95, axis=0), np.quantile(direct, 0.95, axis=0), atol=0.03)
    off = [np.corrcoef(rng.standard_normal((n, p)), rowvar=False)[0, 1] for _ in range(reps)]
    drawn_off = [_random_correlation(rng, n, p)[0, 1] for _ in range(reps)]
    assert np.var(drawn_off) == pytest.approx(np.var(off), rel=0.1)


def test_parallel_analysis_on_a_million_respondents_does_not_simulate_rows():
    lam = np.repeat(np.eye(4) * 0.6, 5, axis=0)
    r = lam @ lam.T
    np.fill_diagonal(r, 1.0)
    t = time.perf_counter()
    pa = parallel_analysis(r, n=1_000_000, iterations=20)
    assert time.perf_counter() - t < 10
    assert pa.n_factors == 4 and pa.n_components == 4
    assert np.all(np.abs(pa.pc_simulated - 1) < 0.02)  # random eigenvalues shrink towards 1


def test_parallel_analysis_bad_input():
    with pytest.raises(ValueError, match="needs n"):
        parallel_analysis(np.eye(3))
    with pytest.raises(ValueError, match="more respondents"):
        parallel_analysis(np.eye(3), n=3)
    with pytest.raises(ValueError, match="quantile"):
        parallel_analysis(np.eye(3), n=30, quantile=95)
    with pytest.raises(ValueError, match="method"):
        parallel_analysis(np.eye(3), n=30, method="pa")
