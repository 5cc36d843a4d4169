"""servq.stats.polychoric against lavaan 0.6-14 (tests/golden/polychoric.R -> polychoric.json):
thresholds and polychoric correlations (lavInspect(fit, "sampstat"), lavCor), NACOV
(lavInspect(fit, "gamma")) and the DWLS weights (lavInspect(fit, "wls.v")) of
cfa(..., ordered = items, estimator = "WLSMV"), complete and with pairwise missing answers;
tables merged chunk by chunk; the edge cases."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from servq.stats.polychoric import OrdinalTables, bivariate_normal_cdf, polychoric, shared_categories

GOLDEN = Path(__file__).parents[1] / "golden"
REF = json.loads((GOLDEN / "polychoric.json").read_text(encoding="utf-8"))
DATA = {"hs": "hs_ordinal.csv", "bfi": "bfi.csv", "bfi_pairwise": "bfi.csv"}
# lavaan's nlminb stops within ~2e-8 of the maximum (servq solves the score equation to 1e-14);
# the NACOV and weights inherit that: observed differences are below 1e-7 relative
TOL_TH = 1e-12
TOL_COR = 1e-7
TOL_GAMMA = 1e-6  # relative to each entry, plus 1e-6 of the largest entry for entries near 0


def data(case: str) -> pd.DataFrame:
    c = REF[case]
    d = pd.read_csv(GOLDEN / "data" / DATA[case])[c["items"]]
    return d if c["missing"] == "pairwise" else d.dropna()


def chunked(d: pd.DataFrame, size: int, missing: str = "pairwise") -> OrdinalTables:
    parts = [OrdinalTables.from_codes(d.iloc[s:s + size], missing=missing) for s in range(0, len(d), size)]
    total = parts[0]
    for p in parts[1:]:
        total = total + p
    return total


@pytest.fixture(scope="module", params=list(DATA))
def case(request):
    name = request.param
    d = data(name)
    fit = polychoric(chunked(d, 500))
    cross = fit.score_crossproducts(d.iloc[:700]) + fit.score_crossproducts(d.iloc[700:])
    return REF[name], d, fit, fit.nacov(cross)


def test_sample_size(case):
    ref, d, fit, _ = case
    assert fit.n == ref["n"] == len(d)
    assert ref["zero_add"] == [0.5, 0]


def test_thresholds_match_lavaan(case):
    ref, _, fit, _ = case
    np.testing.assert_allclose(np.concatenate(fit.thresholds), ref["th"], rtol=0, atol=TOL_TH)
    np.testing.assert_allclose(np.concatenate(fit.thresholds), ref["lavcor_th"], rtol=0, atol=TOL_TH)
    assert fit.threshold_names() == ref["th_names"]


def test_polychoric_correlations_match_lavaan(case):
    ref, _, fit, _ = case
    np.testing.assert_allclose(fit.correlation, ref["cor"], rtol=0, atol=TOL_COR)
    np.testing.assert_allclose(fit.correlation, ref["lavcor_cor"], rtol=0, atol=TOL_COR)


def test_nacov_matches_lavaan_gamma(case):
    ref, _, fit, gamma = case
    g = np.array(ref["gamma"])
    np.testing.assert_allclose(gamma, g, rtol=TOL_GAMMA, atol=TOL_GAMMA * np.abs(g).max())


def test_wls_v_and_nacov_diagonal_from_the_tables_alone(case):
    ref, _, fit, gamma = case
    np.testing.assert_allclose(fit.wls_v(), ref["wls_v"], rtol=TOL_GAMMA)
    np.testing.assert_allclose(fit.nacov_diagonal(), np.diag(gamma), rtol=1e-12)


def test_wls_obs_order_is_lavaans():
    fit = polychoric(OrdinalTables.from_codes(data("hs")))
    cor = np.array(REF["hs"]["cor"])
    k = cor.shape[0]
    expected = [cor[i, j] for j in range(k) for i in range(j + 1, k)]
    np.testing.assert_allclose(fit.wls_obs()[len(REF["hs"]["th"]):], expected, atol=TOL_COR)


def test_tables_are_sums_whatever_the_chunks():
    d = data("bfi_pairwise")
    whole = OrdinalTables.from_codes(d)
    for size in (1, 997):
        part = chunked(d.iloc[:3000] if size > 1 else d.iloc[:40], size)
        ref = whole if size > 1 else OrdinalTables.from_codes(d.iloc[:40])
        np.testing.assert_array_equal(part.cross, ref.cross)
        assert part.n == ref.n


def test_category_seen_in_one_chunk_only_merges_by_code():
    a = OrdinalTables.from_codes(np.array([[1, 1], [2, 2], [1, 2]]), items=["p", "q"])
    b = OrdinalTables.from_codes(np.array([[4, 1], [2, 1], [4, 2]]), items=["p", "q"])
    m = a + b
    assert m.categories("p").tolist() == [1, 2, 4]
    assert m.counts("p").tolist() == [2, 2, 2]
    assert m.table("p", "q").tolist() == [[1, 1], [1, 1], [1, 1]]
    np.testing.assert_array_equal((b + a).cross, m.cross)
    whole = OrdinalTables.from_codes(np.array([[1, 1], [2, 2], [1, 2], [4, 1], [2, 1], [4, 2]]), items=["p", "q"])
    np.testing.assert_array_equal(m.cross, whole.cross)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**31 - 1), st.integers(1, 60))
def test_row_order_and_chunking_do_not_change_the_estimates(seed, size):
    rng = np.random.default_rng(seed)
    n = 120
    z = rng.standard_normal((n, 1)) * 0.7 + rng.standard_normal((n, 3)) * 0.7
    codes = np.digitize(z, [-0.6, 0.0, 0.7]) + 1
    codes[rng.random(codes.shape) < 0.05] = 0
    whole = OrdinalTables.from_codes(codes)
    if any(whole.counts(i).size < 2 for i in range(3)):
        return
    perm = codes[rng.permutation(n)]
    parts = [OrdinalTables.from_codes(perm[s:s + size]) for s in range(0, n, size)]
    merged = parts[0]
    for p in parts[1:]:
        merged = merged + p
    a, b = polychoric(whole), polychoric(merged)
    np.testing.assert_allclose(a.wls_obs(), b.wls_obs(), atol=1e-12)
    np.testing.assert_allclose(a.wls_v(), b.wls_v(), rtol=1e-10)


def test_one_category_names_the_item():
    d = pd.DataFrame({"q1": [1, 2, 1, 2], "q2": [3, 3, 3, 0]})
    with pytest.raises(ValueError, match="item q2: only one category"):
        polychoric(OrdinalTables.from_codes(d))


def test_no_answers_names_the_item():
    d = pd.DataFrame({"q1": [1, 2, 1, 2], "q2": [0, -1, np.nan, 0]})
    with pytest.raises(ValueError, match="item q2: no answers"):
        polychoric(OrdinalTables.from_codes(d))


def test_bad_codes_name_the_item():
    with pytest.raises(ValueError, match=r"item b: row 1 has 2\.5"):
        OrdinalTables.from_codes(pd.DataFrame({"a": [1, 2], "b": [1, 2.5]}))
    with pytest.raises(ValueError, match="item a: row 0 has code 1000"):
        OrdinalTables.from_codes(pd.DataFrame({"a": [1000, 2], "b": [1, 2]}))


def test_merging_different_items_is_refused():
    a = OrdinalTables.from_codes([[1, 2]], items=["a", "b"])
    b = OrdinalTables.from_codes([[1, 2]], items=["a", "c"])
    with pytest.raises(ValueError, match="cannot merge"):
        a + b


def test_unseen_code_in_the_score_pass_names_the_item():
    fit = polychoric(OrdinalTables.from_codes([[1, 1], [2, 2], [1, 2], [2, 1]], items=["a", "b"]))
    with pytest.raises(ValueError, match="item b: row 0 has code 3"):
        fit.score_crossproducts([[1, 3]])


def test_empty_cells_add_nothing_in_larger_tables():
    # bfi has 6 x 6 tables with empty cells; lavaan (zero.add = c(0.5, 0)) adds nothing there
    d = data("bfi")
    t = OrdinalTables.from_codes(d)
    k = len(t.items)
    assert any((t.table(i, j) == 0).any() for j in range(k) for i in range(j + 1, k))


def test_two_by_two_with_one_empty_cell_adds_a_half_keeping_margins():
    # lavaan adds 0.5 to the empty cell and its diagonal partner and takes 0.5 from the other two;
    # R: lavCor(data.frame(V1 = rep(c(1, 1, 2), c(10, 5, 8)), V2 = rep(c(1, 2, 2), c(10, 5, 8))),
    #           ordered = c("V1", "V2"))  ->  0.82944838461
    rows = [[1, 1]] * 10 + [[1, 2]] * 5 + [[2, 2]] * 8
    fit = polychoric(OrdinalTables.from_codes(rows))
    assert fit.correlation[0, 1] == pytest.approx(0.82944838461, abs=1e-10)


def test_two_by_two_with_two_empty_cells_is_an_error():
    rows = [[1, 1]] * 10 + [[2, 2]] * 8
    with pytest.raises(ValueError, match="items V2 and V1: two empty cells"):
        polychoric(OrdinalTables.from_codes(rows))


@pytest.mark.parametrize("rho", [-0.99, -0.93, -0.6, -0.2, 0.0, 0.25, 0.5, 0.8, 0.93, 0.999])
def test_bivariate_normal_cdf_against_scipy(rho):
    from scipy.stats import multivariate_normal

    pts = np.array([[-2.1, 0.3], [0.0, 0.0], [1.2, -0.7], [2.5, 2.9], [-0.4, -1.6]])
    mvn = multivariate_normal(mean=[0, 0], cov=[[1, rho], [rho, 1]])
    ref = np.array([mvn.cdf(p) for p in pts])
    np.testing.assert_allclose(bivariate_normal_cdf(pts[:, 0], pts[:, 1], rho), ref, atol=1e-6)


def test_a_smaller_model_takes_its_part_of_the_second_pass():
    """WLSMV from the tables and one second pass over all 22 items, for a model of six of
    them in another order: the rows and columns of J it needs (ScoreCrossproducts.subset)
    give lavaan's cfa(sub_model, x, ordered = those six, estimator = "WLSMV", missing =
    "pairwise") (tests/golden/ordinal_alpha.R)."""
    from servq.stats.sem.wls import fit_ordinal_tables

    ref = json.loads((GOLDEN / "ordinal_alpha.json").read_text())["sub_wlsmv"]
    x = pd.read_csv(GOLDEN / "data" / "sq411_missing.csv")
    items = [f"a{i:02d}" for i in range(1, 23)]
    codes = x[items] / 20 + 1  # 0, 20, ..., 100 -> 1..6 (0 is a blank to the tables)
    tables = OrdinalTables.from_codes(codes, items=items)
    fit = polychoric(tables)
    scores = fit.score_crossproducts(codes)
    sub = fit_ordinal_tables(ref["model"], tables, sample=fit, crossproducts=scores)
    assert sub.estimator == "WLSMV"
    measures = sub.fit_measures()
    for key, value in ref["fit"].items():
        assert measures[key] == pytest.approx(value, rel=1e-6), key
    loadings = sub.estimates[sub.estimates["op"] == "=~"]
    assert loadings["est"].to_numpy() == pytest.approx(ref["est"], abs=1e-6)
    assert loadings["se"].to_numpy() == pytest.approx(ref["se"], abs=1e-6)
    with pytest.raises(ValueError, match="not an item of the fit"):
        scores.subset(fit, ["a01", "zz"])


def _recoded_codes(codes: np.ndarray, lookups) -> np.ndarray:
    return np.column_stack([np.asarray(lookup)[codes[:, i]] for i, lookup in enumerate(lookups)])


def test_shared_categories_merge_until_every_group_uses_every_category():
    """Hand-worked. x1: group b never chose 1, an end: 1 joins 2. x2: b never chose 2, which
    sits between 1 (2 answers) and 3 (2): a tie joins the lower, 1; then a never chose 3,
    between 1+2 (4) and 4 (4): the lower again. x3: a never chose 2, between 1 (3) and 3 (2):
    2 joins 3; then b never chose 4, between 2+3 (4) and 5 (1): 4 joins 5. x4: every group
    chose every answer. Codes nobody chose (5 of x1 ...) stay alone."""
    a = np.array([[1, 1, 1, 1], [2, 2, 3, 2], [3, 2, 4, 3], [2, 4, 4, 1], [3, 4, 1, 2]])
    b = np.array([[2, 1, 1, 1], [3, 3, 2, 3], [2, 4, 3, 2], [3, 3, 5, 3], [2, 4, 2, 1]])
    ta, tb = (OrdinalTables.from_codes(x, items=["x1", "x2", "x3", "x4"]) for x in (a, b))
    lookups = shared_categories([ta, tb])
    assert [m.tolist() for m in lookups] == [[0, 2, 2, 3, 4, 5], [0, 1, 1, 1, 4, 5], [0, 1, 3, 3, 5, 5],
                                             [0, 1, 2, 3, 4, 5]]
    # the merged tables are those counted from the recoded answers, in every group
    for codes, tables in ((a, ta), (b, tb)):
        again = OrdinalTables.from_codes(_recoded_codes(codes, lookups), items=tables.items)
        merged = tables.recoded(lookups)
        for i in range(4):
            assert merged.counts(i).tolist() == again.counts(i).tolist()
            for j in range(4):
                assert merged.table(i, j).tolist() == again.table(i, j).tolist()
    assert [t.recoded(lookups).categories("x1").tolist() for t in (ta, tb)] == [[2, 3], [2, 3]]


def test_merged_tables_score_the_rows_as_they_are():
    """A fit of merged tables scores the original codes as the recoded ones (the second pass
    of WLSMV reads the file again): the same J, so the same NACOV, as counting recoded data."""
    rng = np.random.default_rng(11)
    latent = rng.normal(size=(400, 1))
    codes = np.clip(np.rint(3 + 1.2 * (latent + rng.normal(size=(400, 3)))), 1, 5).astype(int)
    codes[rng.random(codes.shape) < 0.05] = 0  # blanks
    lookups = [np.array([0, 2, 2, 3, 4, 5]), np.array([0, 1, 2, 3, 4, 4]), np.arange(6)]
    merged = polychoric(OrdinalTables.from_codes(codes, items=["a", "b", "c"]).recoded(lookups))
    direct = polychoric(OrdinalTables.from_codes(_recoded_codes(codes, lookups), items=["a", "b", "c"]))
    assert merged.wls_obs() == pytest.approx(direct.wls_obs(), abs=1e-12)
    j_merged = merged.score_crossproducts(codes).inner
    j_direct = direct.score_crossproducts(_recoded_codes(codes, lookups)).inner
    assert j_merged == pytest.approx(j_direct, abs=1e-9)
    # merged tables add only to tables merged alike
    tables = OrdinalTables.from_codes(codes, items=["a", "b", "c"])
    with pytest.raises(ValueError, match="merged differently"):
        tables + tables.recoded(lookups)
