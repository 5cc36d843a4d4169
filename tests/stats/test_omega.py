"""servq.stats.omega against psych::omega (tests/golden/efa.R -> tests/golden/efa_omega.json)."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from servq.stats.omega import omega, omega_total

TESTS = Path(__file__).resolve().parents[1]
GOLDEN = json.loads((TESTS / "golden" / "efa_omega.json").read_text())["omega"]
OMEGA_TOL = 1e-4
LOADING_TOL = 2e-4
DIMS = {"tangibles": (1, 4), "reliability": (5, 9), "responsiveness": (10, 13),
        "assurance": (14, 17), "empathy": (18, 22)}


def _data() -> dict[str, pd.DataFrame]:
    bfi = pd.read_csv(TESTS / "golden" / "data" / "bfi.csv").iloc[:, :25]
    hs = pd.read_csv(TESTS / "golden" / "data" / "HolzingerSwineford1939.csv")[[f"x{i}" for i in range(1, 10)]]
    sq = pd.read_csv(TESTS / "data" / "servqual_perceptions_sq411.csv")[[f"a{i:02d}" for i in range(1, 23)]]
    out = {"bfi": bfi, "hs": hs, "sq411": sq,
           "bfi_ac": bfi[[f"A{i}" for i in range(1, 6)] + [f"C{i}" for i in range(1, 6)]],
           "bfi_agree": bfi[[f"A{i}" for i in range(1, 6)]]}
    for d, (a, b) in DIMS.items():
        out[f"sq411_{d}"] = sq[[f"a{i:02d}" for i in range(a, b + 1)]]
    return out


DATA = _data()


@pytest.mark.parametrize("case", GOLDEN, ids=lambda c: f"{c['data']}-{c['n_factors']}")
def test_omega_matches_psych(case):
    om = omega(DATA[case["data"]], case["n_factors"])
    p, k = len(case["items"]), case["n_factors"]
    assert om.omega_total == pytest.approx(case["omega_tot"], abs=OMEGA_TOL)
    assert om.omega_hierarchical == pytest.approx(case["omega_h"], abs=OMEGA_TOL)
    assert om.omega_h_asymptotic == pytest.approx(case["omega_lim"], abs=OMEGA_TOL)
    assert om.alpha == pytest.approx(case["alpha"], abs=1e-10)
    assert om.g6 == pytest.approx(case["g6"], abs=1e-10)
    assert om.ecv == pytest.approx(case["ecv"], abs=OMEGA_TOL)
    np.testing.assert_array_equal(om.key, case["key"])
    np.testing.assert_allclose(om.general, case["general"], atol=LOADING_TOL)
    np.testing.assert_allclose(om.h2, case["h2"], atol=LOADING_TOL)
    np.testing.assert_allclose(om.u2, case["u2"], atol=LOADING_TOL)
    np.testing.assert_allclose(om.oblique, np.reshape(case["oblique"], (p, k)), atol=LOADING_TOL)
    if k > 1:  # psych's column order (oblimin from the sorted varimax solution), no re-sorting
        np.testing.assert_allclose(om.group, np.reshape(case["group"], (p, k)), atol=LOADING_TOL)
        np.testing.assert_allclose(om.phi, np.reshape(case["phi"], (k, k)), atol=LOADING_TOL)
    else:
        np.testing.assert_array_equal(om.group, 0.0)
    ref = np.array([case["omega_group"][c] for c in ("total", "general", "group")], dtype=float).T
    np.testing.assert_allclose(om.omega_group, ref.reshape(k + 1, 3), atol=OMEGA_TOL)


@pytest.mark.parametrize("case", [c for c in GOLDEN if c["n_factors"] == 1], ids=lambda c: c["data"])
def test_omega_total_of_one_factor(case):
    assert omega_total(DATA[case["data"]]) == pytest.approx(case["omega_tot"], abs=1e-6)


def test_matrix_input_gives_the_data_answer():
    x = DATA["sq411"]
    a = omega(x, 5)
    b = omega(x.corr().to_numpy(), 5, n=len(x))
    c = omega(x.cov(), 5, n=len(x))
    for other in (b, c):
        assert other.omega_hierarchical == pytest.approx(a.omega_hierarchical, abs=1e-8)
        assert other.omega_total == pytest.approx(a.omega_total, abs=1e-8)
    assert b.n == a.n == len(x)


def test_planted_bifactor_structure():
    # general loadings .6 on all items; group loadings .5, .4, .3 on three groups of four
    p = 12
    general = np.full(p, 0.6)
    group = np.zeros((p, 3))
    for f, value in enumerate((0.5, 0.4, 0.3)):
        group[4 * f: 4 * f + 4, f] = value
    r = np.outer(general, general) + group @ group.T
    np.fill_diagonal(r, 1.0)
    om = omega(r, 3)
    u2 = 1 - general**2 - (group**2).sum(axis=1)
    assert om.omega_total == pytest.approx((r.sum() - u2.sum()) / r.sum(), abs=1e-5)
    assert om.omega_hierarchical == pytest.approx(general.sum() ** 2 / r.sum(), abs=1e-4)
    np.testing.assert_allclose(om.general, general, atol=1e-4)
    np.testing.assert_allclose(np.sort(np.abs(om.group).max(axis=0)), [0.3, 0.4, 0.5], atol=1e-4)


def test_reversed_items_are_keyed():
    x = DATA["bfi_agree"]  # A1 is worded the other way
    om = omega(x, 1)
    assert om.key.tolist() == [-1, 1, 1, 1, 1]
    assert (om.general > 0).all()
    flipped = x.assign(A1=lambda d: 7 - d["A1"])
    assert omega_total(flipped) == pytest.approx(om.omega_total, abs=1e-8)


def test_frames_and_json():
    om = omega(DATA["hs"], 3)
    df = om.to_frame()
    assert list(df.columns) == ["g", "F1*", "F2*", "F3*", "h2", "u2", "p2"]
    assert list(df.index) == [f"x{i}" for i in range(1, 10)]
    np.testing.assert_allclose(df["p2"], om.general**2 / om.h2)
    assert list(om.group_frame().index) == ["g", "F1*", "F2*", "F3*"]
    d = json.loads(json.dumps(om.to_dict()))
    assert d["omega_group"]["g"]["total"] == pytest.approx(om.omega_total)
    assert d["n"] == 301 and d["key"] == [1] * 9


def test_two_factors_use_psychs_equal_option():
    x = DATA["bfi"][[f"A{i}" for i in range(2, 6)] + [f"C{i}" for i in range(1, 4)]]
    om = omega(x, 2)
    c = om.phi[0, 1]
    np.testing.assert_allclose(om.g_loadings, [np.sqrt(abs(c)), np.sign(c) * np.sqrt(abs(c))])
    np.testing.assert_allclose(om.general, om.oblique @ om.g_loadings * om.key)


def test_bad_arguments():
    with pytest.raises(ValueError, match="n_factors"):
        omega(DATA["hs"], 9)
    with pytest.raises(ValueError, match="method"):
        omega(DATA["hs"], 3, method="pc")
    with pytest.raises(ValueError, match="n is the number of rows"):
        omega_total(DATA["hs"], n=10)
