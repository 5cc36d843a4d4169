"""servq.stats.reliability against psych::alpha (tests/golden/reliability.R -> reliability.json)."""

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from servq.stats.reliability import ReliabilityError, alpha_from_cov, reliability

GOLDEN = Path(__file__).parents[1] / "golden"
REF = json.loads((GOLDEN / "reliability.json").read_text())
BFI = pd.read_csv(GOLDEN / "data" / "bfi.csv")
SQ = pd.read_csv(Path(__file__).parents[1] / "data" / "servqual_perceptions_sq411.csv")
DIMS = {"tangibles": range(1, 5), "reliability": range(5, 10), "responsiveness": range(10, 14),
        "assurance": range(14, 18), "empathy": range(18, 23)}

TOTAL = {"raw_alpha": "raw_alpha", "std_alpha": "std.alpha", "g6": "G6(smc)", "average_r": "average_r",
         "s_n": "S/N", "ase": "ase", "mean": "mean", "sd": "sd", "median_r": "median_r"}
DROP = {"raw_alpha": "raw_alpha", "std_alpha": "std.alpha", "g6": "G6(smc)", "average_r": "average_r",
        "s_n": "S/N", "ase": "alpha se", "var_r": "var.r", "median_r": "med.r"}
ITEM = {"n": "n", "raw_r": "raw.r", "std_r": "std.r", "r_cor": "r.cor", "r_drop": "r.drop",
        "mean": "mean", "sd": "sd"}
TOL = 1e-10  # psych and servq do the same arithmetic; 1e-4 is the brief's bound


def num(v):
    return math.nan if v in ("NA", None) else float(v)


def keys_of(ref):
    k = ref["keys"]
    return [k] if isinstance(k, str) else list(k)


def check(res, ref, *, feldt=True, item_cols=ITEM, total=TOTAL):
    for ours, theirs in total.items():
        if theirs in ref["total"]:
            assert getattr(res, ours) == pytest.approx(ref["total"][theirs], abs=TOL), ours
    assert num(ref["var_r"]) == pytest.approx(res.var_r, abs=TOL, nan_ok=True)
    if feldt:
        assert res.feldt_low == pytest.approx(ref["feldt"]["lower"], abs=TOL)
        assert res.feldt_high == pytest.approx(ref["feldt"]["upper"], abs=TOL)
    if ref.get("duhachek"):
        assert res.duhachek_low == pytest.approx(ref["duhachek"]["lower"], abs=TOL)
        assert res.duhachek_high == pytest.approx(ref["duhachek"]["upper"], abs=TOL)
    assert list(res.items.index) == ref["items"]
    for ours, theirs in DROP.items():
        if theirs in ref["alpha_drop"]:
            expected = [num(v) for v in ref["alpha_drop"][theirs]]
            np.testing.assert_allclose(res.alpha_if_dropped[ours], expected, atol=TOL, err_msg=ours)
    for ours, theirs in item_cols.items():
        expected = [num(v) for v in ref["item_stats"][theirs]]
        np.testing.assert_allclose(res.items[ours], expected, atol=TOL, err_msg=ours)
    assert list(res.reversed) == keys_of(ref)


@pytest.mark.parametrize("case, columns", [
    ("bfi_agree", [f"A{i}" for i in range(1, 6)]),
    ("bfi_consc", [f"C{i}" for i in range(1, 6)]),
    ("bfi_two", ["A2", "A3"]),
    ("bfi_three", ["A1", "A2", "A3"]),
])
def test_bfi_pairwise_matches_psych(case, columns):
    ref = REF[case]
    res = reliability(BFI, columns, reverse=keys_of(ref) or None)
    check(res, ref)
    assert res.n == len(BFI) and res.use == "pairwise"


def test_bfi_listwise_matches_psych_on_na_omit():
    ref = REF["bfi_agree_listwise"]
    res = reliability(BFI, [f"A{i}" for i in range(1, 6)], reverse="A1", use="listwise")
    check(res, ref)
    assert res.n == len(BFI[[f"A{i}" for i in range(1, 6)]].dropna())


@pytest.mark.parametrize("dim", list(DIMS))
def test_sq411_dimensions_match_psych(dim):
    res = reliability(SQ, [f"a{i:02d}" for i in DIMS[dim]])
    check(res, REF[f"sq411_{dim}"])


def test_all_22_sq411_items_match_psych():
    check(reliability(SQ, [f"a{i:02d}" for i in range(1, 23)]), REF["sq411_all"])


def test_not_positive_definite_pairwise_matrix_matches_psych():
    ref = REF["not_pd"]
    x = np.array([[num(v) for v in row] for row in ref["data"]])
    assert ref["min_eigen"] < 0
    check(reliability(x, items=None), {**ref, "items": ["V1", "V2", "V3", "V4"]})


def test_core_on_covariance_matches_psych_covariance_input():
    ref = REF["sq411_tangibles_cov"]
    cov = pd.DataFrame(ref["cov"], index=ref["items"], columns=ref["items"])
    res = alpha_from_cov(cov, ref["n"])
    # psych's Feldt interval for a matrix uses nrow(C) as n; compare with the data case instead
    check(res, ref, feldt=False, item_cols={"std_r": "r", "r_cor": "r.cor", "r_drop": "r.drop"})
    data_ref = REF["sq411_tangibles"]
    assert res.feldt_low == pytest.approx(data_ref["feldt"]["lower"], abs=TOL)
    assert res.feldt_high == pytest.approx(data_ref["feldt"]["upper"], abs=TOL)


def test_core_equals_wrapper_on_complete_data():
    items = [f"a{i:02d}" for i in DIMS["empathy"]]
    x = SQ[items]
    whole = reliability(x)
    core = alpha_from_cov(x.cov(), len(x), x.mean(), item_n=x.count())
    pd.testing.assert_frame_equal(core.items, whole.items, atol=1e-12, rtol=0)
    pd.testing.assert_frame_equal(core.alpha_if_dropped, whole.alpha_if_dropped, atol=1e-12, rtol=0)
    assert core.mean == pytest.approx(whole.mean) and core.sd == pytest.approx(whole.sd)


def test_core_reverses_covariance_and_means():
    items = [f"A{i}" for i in range(1, 6)]
    x = BFI[items].dropna()
    whole = reliability(x, reverse=["A1"], scale=(1, 6))
    core = alpha_from_cov(x.cov(), len(x), x.mean(), item_n=x.count(), reverse=["A1"], scale=(1, 6))
    pd.testing.assert_frame_equal(core.items, whole.items, atol=1e-12, rtol=0)
    assert core.raw_alpha == pytest.approx(REF["bfi_agree_listwise"]["total"]["raw_alpha"], abs=TOL)
    assert core.reversed == ("A1",)


@pytest.mark.parametrize("reverse", [["A1"], "A1", [-1, 1, 1, 1, 1], {"A1": -1}])
def test_reverse_forms_agree(reverse):
    res = reliability(BFI, [f"A{i}" for i in range(1, 6)], reverse=reverse)
    assert res.raw_alpha == pytest.approx(REF["bfi_agree"]["total"]["raw_alpha"], abs=TOL)
    assert res.items.loc["A1", "mean"] == pytest.approx(REF["bfi_agree"]["item_stats"]["mean"][0], abs=TOL)


def test_pairwise_statistics_are_those_of_pandas_pairwise_cov():
    items = [f"C{i}" for i in range(1, 6)]
    x = BFI[items].assign(C4=7 - BFI["C4"], C5=7 - BFI["C5"])
    whole = reliability(BFI, items, reverse=["C4", "C5"])
    core = alpha_from_cov(x.cov(), len(x), x.mean(), item_n=x.count())
    cols = ["n", "std_r", "r_cor", "r_drop", "mean", "sd"]
    pd.testing.assert_frame_equal(core.items[cols], whole.items[cols], atol=1e-12, rtol=0)
    pd.testing.assert_frame_equal(core.alpha_if_dropped, whole.alpha_if_dropped, atol=1e-12, rtol=0)
    assert core.raw_alpha == pytest.approx(whole.raw_alpha, abs=1e-13)


def test_row_order_does_not_matter():
    items = [f"C{i}" for i in range(1, 6)]
    a = reliability(BFI, items, reverse=["C4", "C5"])
    b = reliability(BFI.sample(frac=1.0, random_state=7), items, reverse=["C4", "C5"])
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame(), atol=1e-12, rtol=0)
    assert a.raw_alpha == pytest.approx(b.raw_alpha, abs=1e-13)


def test_items_raising_alpha_and_json():
    res = reliability(BFI, [f"A{i}" for i in range(1, 6)], reverse=["A1"])
    assert res.items_raising_alpha() == ["A1"]
    d = res.to_dict()
    text = json.dumps(d, allow_nan=False)
    assert json.loads(text)["items"]["A1"]["alpha_if_dropped"]["raw_alpha"] == pytest.approx(0.7185173570, abs=1e-9)
    assert d["reversed"] == ["A1"] and d["n"] == 2800
    frame = res.to_frame()
    assert list(frame.columns[:7]) == list(ITEM) and "if_dropped_raw_alpha" in frame.columns
    two = reliability(BFI, ["A2", "A3"]).to_dict()
    assert two["var_r"] is None and two["items"]["A2"]["alpha_if_dropped"]["ase"] is None
    json.dumps(two, allow_nan=False)


def test_array_input_names_columns_like_psych():
    x = SQ[[f"a{i:02d}" for i in DIMS["tangibles"]]].to_numpy()
    res = reliability(x)
    assert list(res.items.index) == ["V1", "V2", "V3", "V4"]
    assert res.raw_alpha == pytest.approx(REF["sq411_tangibles"]["total"]["raw_alpha"], abs=TOL)


@pytest.mark.parametrize("kwargs, message", [
    ({"items": ["A1"]}, "at least 2 items"),
    ({"items": ["A1", "Z9"]}, "Z9"),
    ({"items": ["A1", "A2"], "use": "everything"}, "use must be"),
    ({"items": ["A1", "A2"], "reverse": ["A7"]}, "A7"),
    ({"items": ["A1", "A2"], "reverse": [1, -1, 1]}, "3 keys for 2 items"),
    ({"items": ["A1", "flat"]}, "no variance: flat"),
    ({"items": ["A1", "word"]}, "word is not numeric"),
    ({"items": ["A1", "empty"]}, "fewer than 2 answers: empty"),
])
def test_bad_input_is_named(kwargs, message):
    data = BFI.assign(flat=3.0, word="x", empty=np.nan)
    with pytest.raises(ReliabilityError, match=message):
        reliability(data, **kwargs)


def test_bad_covariance_input_is_named():
    with pytest.raises(ReliabilityError, match="square"):
        alpha_from_cov(np.ones((2, 3)), 10)
    with pytest.raises(ReliabilityError, match="not symmetric"):
        alpha_from_cov(np.array([[1.0, 0.2], [0.3, 1.0]]), 10)
    with pytest.raises(ReliabilityError, match="scale=\\(min, max\\)"):
        alpha_from_cov(np.eye(2) + 0.3, 10, [1.0, 2.0], reverse=["V1"])
    with pytest.raises(ReliabilityError, match="n must be"):
        alpha_from_cov(np.eye(2) + 0.3, 1)


def test_pairs_never_answered_together_are_named():
    x = pd.DataFrame({"p": [1, 2, 3, np.nan, np.nan, np.nan], "q": [np.nan, np.nan, np.nan, 1, 2, 4],
                      "r": [1, 3, 2, 2, 1, 4]})
    with pytest.raises(ReliabilityError, match="p and q"):
        reliability(x)


def test_unrelated_items_give_nan_not_warnings():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(40, 6))
    x[:, 1] = -x[:, 0] + rng.normal(scale=0.1, size=40)  # a negative correlation drives ΣC down
    res = reliability(x)
    assert res.raw_alpha < 0.5
    json.dumps(res.to_dict(), allow_nan=False)


def test_row_blocks_merge_to_the_same_result(monkeypatch):
    import servq.stats.reliability as rel

    items = [f"A{i}" for i in range(1, 6)]
    whole = reliability(BFI, items, reverse=["A1"])
    monkeypatch.setattr(rel, "_BLOCK", 97)
    blocked = reliability(BFI, items, reverse=["A1"])
    pd.testing.assert_frame_equal(blocked.to_frame(), whole.to_frame(), atol=1e-11, rtol=0)
    assert blocked.mean == pytest.approx(whole.mean, abs=1e-12) and blocked.sd == pytest.approx(whole.sd, abs=1e-12)


@pytest.mark.parametrize("data, items, reverse, n_factors", [
    ("bfi_ac", [f"A{i}" for i in range(1, 6)] + [f"C{i}" for i in range(1, 6)], ["A1", "C4", "C5"], 3),
    ("bfi_agree", [f"A{i}" for i in range(1, 6)], ["A1"], None),
])
def test_omega_in_the_reliability_result_matches_psych_omega(data, items, reverse, n_factors):
    """ω total and (multi-factor) ω hierarchical as psych::omega (tests/golden/efa.R)."""
    golden = Path(__file__).parents[1] / "golden"
    ref = next(c for c in json.loads((golden / "efa_omega.json").read_text())["omega"] if c["data"] == data)
    bfi = pd.read_csv(golden / "data" / "bfi.csv")
    res = reliability(bfi, items=items, reverse=reverse, n_factors=n_factors)
    assert res.omega_total == pytest.approx(ref["omega_tot"], abs=1e-4)
    if n_factors:
        assert res.omega_h == pytest.approx(ref["omega_h"], abs=1e-4)
    else:
        assert np.isnan(res.omega_h)
    assert res.to_dict()["omega_total"] == pytest.approx(ref["omega_tot"], abs=1e-4)
