"""The ``comparisons`` block of ``servq.analyze`` against R, and its rules.

tests/golden/compare_wiring.R reads tests/golden/data/compare_sim.csv (simulated SERVQUAL,
300 respondents, 4 branches, 3 channels), computes every respondent's dimension gaps and
unweighted SERVQUAL from the items itself, and runs oneway.test, Games–Howell by formula
(ptukey), pairwise.t.test(pool.sd = FALSE, holm / BH), prop.test for the top-two box and the
NPS difference by hand; servq gets the same numbers from its per-segment sufficient statistics.
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pytest

import servq
from servq.cli import main
from servq.errors import UsageError
from servq.measures.compare import comparisons, highlights, primary_metric
from servq.stats.comparisons import welch_anova

GOLDEN = Path(__file__).parents[1] / "golden"
CSV = GOLDEN / "data" / "compare_sim.csv"
REF = json.loads((GOLDEN / "compare_wiring.json").read_text(encoding="utf-8"))
SCHEMA = json.loads((Path(servq.__file__).parent / "report" / "results.schema.json").read_text(encoding="utf-8"))
COLUMNS = ("branch", "channel")
TOL = 1e-6


@pytest.fixture(scope="module")
def results() -> dict[tuple[str, str], dict]:
    out = {}
    for method, adjust in (("games-howell", "holm"), ("welch", "holm"), ("welch", "BH")):
        out[(method, adjust)] = servq.analyze(CSV, "servqual", by=list(COLUMNS), compare=method, adjust=adjust,
                                              quality=False).to_dict()
    return out


def block(results, column, method="games-howell", adjust="holm") -> dict:
    res = results[(method, adjust)]["comparisons"]
    return next(c for c in res["columns"] if c["column"] == column)


def means(col: dict) -> dict[str, dict]:
    return {m["id"]: m for m in col["means"]}


def oriented(pair: dict, ref_pairs: list[dict]) -> tuple[dict, float]:
    """The R pair for servq's pair, and +1 or −1 as the two name the segments in the same or
    the opposite order (R orders levels by code points, servq naturally)."""
    for r in ref_pairs:
        if (r["a"], r["b"]) == (pair["segment_a"], pair["segment_b"]):
            return r, 1.0
        if (r["b"], r["a"]) == (pair["segment_a"], pair["segment_b"]):
            return r, -1.0
    raise AssertionError(f"no R pair for {pair['segment_a']} / {pair['segment_b']}")


def test_results_validate_against_the_schema(results):
    for res in results.values():
        jsonschema.validate(json.loads(json.dumps(res)), SCHEMA)
    assert results[("welch", "BH")]["options"]["compare"] == "welch"
    assert results[("welch", "BH")]["options"]["adjust"] == "BH"


@pytest.mark.parametrize("column", COLUMNS)
def test_welch_anova_matches_r(results, column):
    col = block(results, column)
    assert col["compared"] and col["suppressed"] == []
    got = means(col)
    assert set(got) == set(REF[column]["means"])  # 5 dimension gaps, SERVQUAL, 2 rating outcomes
    for mid, ref in REF[column]["means"].items():
        m = got[mid]
        assert [g["segment"] for g in m["groups"]] == ref["groups"]
        assert [g["n"] for g in m["groups"]] == ref["n"]
        np.testing.assert_allclose([g["mean"] for g in m["groups"]], ref["mean"], atol=1e-12)
        a = m["anova"]
        for key in ("f", "df1", "df2", "p", "omega_sq"):
            assert a[key] == pytest.approx(ref[key], rel=TOL, abs=1e-9), (mid, key)
    assert got["reliability"]["metric"] == "gap" and got["unweighted"]["type"] == "servqual"


@pytest.mark.parametrize("column", COLUMNS)
def test_games_howell_pairs_match_r(results, column):
    col = block(results, column)
    alpha = 0.05
    for mid, m in means(col).items():
        ref_pairs = REF[column]["means"][mid]["pairs"]
        assert len(m["pairs"]) == len(ref_pairs)
        for pair in m["pairs"]:
            r, sign = oriented(pair, ref_pairs)
            assert pair["diff"] == pytest.approx(sign * r["diff"], abs=1e-12)
            assert pair["df"] == pytest.approx(r["df"], rel=1e-9)
            assert pair["p"] == pytest.approx(r["gh_p"], abs=TOL)
            assert pair["p_adj"] == pair["p"]
            assert pair["hedges_g"] == pytest.approx(sign * r["hedges_g"], abs=1e-9)
            lo, hi = sorted((sign * r["gh_ci_low"], sign * r["gh_ci_high"]))
            assert (pair["ci_low"], pair["ci_high"]) == pytest.approx((lo, hi), abs=TOL)
            assert pair["significant"] == (r["gh_p"] < alpha)


@pytest.mark.parametrize("column", COLUMNS)
@pytest.mark.parametrize("adjust,key", [("holm", "welch_holm"), ("BH", "welch_bh")])
def test_pairwise_welch_matches_r(results, column, adjust, key):
    col = block(results, column, "welch", adjust)
    for mid, m in means(col).items():
        ref = REF[column]["means"][mid]
        for pair in m["pairs"]:
            r, sign = oriented(pair, ref["pairs"])
            p_ref = ref[key][ref["pairs"].index(r)]
            assert pair["p_adj"] == pytest.approx(p_ref, abs=1e-9)
            lo, hi = sorted((sign * r["welch_ci_low"], sign * r["welch_ci_high"]))
            assert (pair["ci_low"], pair["ci_high"]) == pytest.approx((lo, hi), abs=1e-9)
            assert pair["significant"] == (p_ref < 0.05)


@pytest.mark.parametrize("column", COLUMNS)
@pytest.mark.parametrize("adjust,key", [("holm", "p_holm"), ("BH", "p_bh")])
def test_top_box_tests_match_prop_test(results, column, adjust, key):
    col = block(results, column, "welch", adjust)
    got = {t["id"]: t for t in col["top_box"]}
    assert set(got) == set(REF[column]["top_box"])
    for oid, ref in REF[column]["top_box"].items():
        t = got[oid]
        assert t["threshold"] == 6
        assert [g["segment"] for g in t["groups"]] == ref["groups"]
        assert [g["count"] for g in t["groups"]] == ref["count"]  # recovered exactly from share × n
        assert [g["n"] for g in t["groups"]] == ref["n"]
        for pair in t["pairs"]:
            r, sign = oriented(pair, ref["pairs"])
            assert sign == 1.0
            assert pair["chi2"] == pytest.approx(r["chi2"], rel=1e-9)
            assert pair["p"] == pytest.approx(r["p"], abs=1e-12)
            assert (pair["ci_low"], pair["ci_high"]) == pytest.approx((r["ci_low"], r["ci_high"]), abs=1e-12)
            assert pair["p_adj"] == pytest.approx(ref[key][ref["pairs"].index(r)], abs=1e-12)


@pytest.mark.parametrize("column", COLUMNS)
@pytest.mark.parametrize("adjust,key", [("holm", "p_holm"), ("BH", "p_bh")])
def test_nps_differences_match_r(results, column, adjust, key):
    col = block(results, column, "welch", adjust)
    (nps,) = col["nps"]
    ref = REF[column]["nps"]["recommend"]
    assert [g["segment"] for g in nps["groups"]] == ref["groups"]
    for g, r in zip(nps["groups"], ref["segments"]):
        assert (g["n"], g["promoters"], g["detractors"]) == (r["n"], r["promoters"], r["detractors"])
        assert g["promoters"] + g["passives"] + g["detractors"] == g["n"]
        assert g["nps"] == pytest.approx(r["nps"], abs=1e-9)
    for pair in nps["pairs"]:
        r, sign = oriented(pair, ref["pairs"])
        assert sign == 1.0
        for k in ("diff", "se", "p", "ci_low", "ci_high", "hedges_g"):
            assert pair[k] == pytest.approx(r[k], abs=1e-9), k
        assert pair["p_adj"] == pytest.approx(ref[key][ref["pairs"].index(r)], abs=1e-12)


def test_highlights_are_the_significant_pairs_by_effect(results):
    block_ = results[("games-howell", "holm")]["comparisons"]
    found = block_["highlights"]
    expected = sum(p["significant"] for c in block_["columns"] for kind in ("means", "top_box", "nps")
                   for m in c[kind] for p in m["pairs"])
    assert len(found) == expected > 0
    sizes = [h["effect_size"] for h in found]
    assert sizes == sorted(sizes, reverse=True)
    top = found[0]
    col = next(c for c in block_["columns"] if c["column"] == top["column"])
    m = next(m for m in col["means"] if m["id"] == top["id"])
    pair = next(p for p in m["pairs"] if {p["segment_a"], p["segment_b"]} == {top["higher"], top["lower"]})
    higher = pair["segment_b"] if pair["diff"] > 0 else pair["segment_a"]
    assert top["higher"] == higher and top["difference"] == abs(pair["diff"])
    assert top["effect_size"] == abs(pair["hedges_g"])


def test_nothing_significant_gives_no_highlights():
    pair = {"segment_a": "a", "segment_b": "b", "diff": 1.0, "p_adj": 0.2, "hedges_g": 0.9, "significant": False}
    cols = [{"column": "x", "means": [{"type": "dimension", "id": "d", "metric": "gap", "pairs": [pair]}],
             "top_box": [], "nps": []}]
    assert highlights(cols) == []
    pair["significant"] = True
    assert [h["higher"] for h in highlights(cols)] == ["b"]


def _subset(keep_uppsala: int) -> pa.Table:
    """The golden CSV with only the first ``keep_uppsala`` Uppsala rows."""
    table = pacsv.read_csv(CSV)
    branch = table["branch"].to_pylist()
    seen, mask = 0, []
    for b in branch:
        seen += b == "Uppsala"
        mask.append(b != "Uppsala" or seen <= keep_uppsala)
    return table.filter(pa.array(mask))


def test_min_n_suppression_excludes_the_segment():
    res = servq.analyze(_subset(4), "servqual", by="branch", min_n=5, quality=False).to_dict()
    col = res["comparisons"]["columns"][0]
    assert col["suppressed"] == ["Uppsala"] and "Uppsala" not in col["segments"]
    for m in col["means"]:
        assert [g["segment"] for g in m["groups"]] == ["Göteborg", "Malmö", "Stockholm City"]
        assert m["anova"]["k"] == 3 and len(m["pairs"]) == 3
        assert all("Uppsala" not in (p["segment_a"], p["segment_b"]) for p in m["pairs"])
    # the ANOVA is that of the three remaining segments' own n, mean and SD
    seg = res["segments"]["branch"]
    stats = [next(d["gap"] for d in seg[b]["dimensions"] if d["id"] == "empathy") for b in col["segments"]]
    ref = welch_anova([s["n"] for s in stats], [s["mean"] for s in stats], [s["sd"] for s in stats])
    empathy = next(m for m in col["means"] if m["id"] == "empathy")
    assert empathy["anova"]["f"] == pytest.approx(ref.f, rel=1e-12)
    assert all(h["higher"] != "Uppsala" and h["lower"] != "Uppsala" for h in res["comparisons"]["highlights"])


def test_a_single_unsuppressed_segment_gives_no_test():
    table = pacsv.read_csv(CSV)
    mask = pa.array([b in ("Göteborg", "Malmö") for b in table["branch"].to_pylist()])
    small = table.filter(mask)
    res = servq.analyze(small, "servqual", by="branch", min_n=60, quality=False).to_dict()
    (col,) = res["comparisons"]["columns"]
    assert col["segments"] == ["Göteborg"] and col["suppressed"] == ["Malmö"]
    assert not col["compared"] and col["means"] == col["top_box"] == col["nps"] == []
    assert res["comparisons"]["highlights"] == []
    jsonschema.validate(json.loads(json.dumps(res)), SCHEMA)


def test_groups_with_too_few_answers_to_a_measure_are_excluded():
    res = {"options": {"confidence": 0.95, "min_n": 3},
           "dimensions": [{"id": "d", "label": "D", "perception": {"mean": 5.0}}],
           "servqual": {"unweighted": None}, "servperf": None, "outcomes": [],
           "segments": {"tier": {
               "gold": {"n": 9, "dimensions": [
                   {"id": "d", "perception": {"n": 9, "mean": 5.0, "sd": 1.0, "ci_low": 4.2, "ci_high": 5.8}}]},
               "silver": {"n": 8, "dimensions": [
                   {"id": "d", "perception": {"n": 2, "mean": 4.0, "sd": 1.0, "ci_low": 0.0, "ci_high": 8.0}}]},
               "bronze": {"n": 8, "dimensions": [
                   {"id": "d", "perception": {"n": 8, "mean": 4.0, "sd": 0.0, "ci_low": 4.0, "ci_high": 4.0}}]},
               "tin": {"n": 9, "dimensions": [
                   {"id": "d", "perception": {"n": 9, "mean": 3.0, "sd": 1.0, "ci_low": 2.2, "ci_high": 3.8}}]}}}}
    (m,) = comparisons(res)["columns"][0]["means"]
    assert m["excluded"] == ["silver", "bronze"]  # too few answers; no spread
    assert [g["segment"] for g in m["groups"]] == ["gold", "tin"]
    # two groups of 9, means 5 and 3, SD 1: t = 2 / sqrt(2/9) = 4.2426, df = 16
    (pair,) = m["pairs"]
    assert pair["t"] == pytest.approx(-2 / np.sqrt(2 / 9)) and pair["df"] == pytest.approx(16)


def test_primary_metric_follows_the_report():
    assert primary_metric([{"gap": {"mean": -1}, "perception": {"mean": 5}}]) == "gap"
    assert primary_metric([{"msa": {"mean": 0.2}, "perception": {"mean": 5}}]) == "msa"
    assert primary_metric([{"perception": {"mean": 5}}]) == "perception"
    assert primary_metric([{"perception": {"mean": None}}]) is None


def test_zone_instrument_compares_msa():
    table = servq.simulate("servqual-zot", 200, seed=3, branches=3)
    res = servq.analyze(table, "servqual-zot", by="branch", quality=False).to_dict()
    col = res["comparisons"]["columns"][0]
    kinds = {(m["type"], m["metric"]) for m in col["means"]}
    assert ("dimension", "msa") in kinds and ("servperf", "perception") in kinds
    jsonschema.validate(json.loads(json.dumps(res)), SCHEMA)


def test_options_are_checked_and_none_skips():
    table = servq.simulate("servqual", 60, seed=1, branches=2)
    assert servq.analyze(table, "servqual", by="branch", compare="none", quality=False).to_dict()["comparisons"] is None
    assert servq.analyze(table, "servqual", quality=False).to_dict()["comparisons"] is None
    with pytest.raises(UsageError, match="compare must be one of games-howell, welch, none, got 'tukey'"):
        servq.analyze(table, "servqual", by="branch", compare="tukey")
    with pytest.raises(UsageError, match="adjust must be one of holm, BH, bonferroni, got 'fdr'"):
        servq.analyze(table, "servqual", by="branch", adjust="fdr")


def test_cli_compare_and_adjust(tmp_path, capsys):
    out = tmp_path / "r.json"
    with pytest.raises(SystemExit) as info:
        main(["analyze", str(CSV), "-i", "servqual", "--by", "channel", "--compare", "welch", "--adjust", "BH",
              "--no-quality", "--json", str(out), "--quiet"])
    assert info.value.code in (0, None)
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["comparisons"]["method"] == "welch" and data["comparisons"]["adjust"] == "BH"
    ref = REF["channel"]["means"]["reliability"]
    rel = next(m for m in data["comparisons"]["columns"][0]["means"] if m["id"] == "reliability")
    for pair in rel["pairs"]:
        r, _ = oriented(pair, ref["pairs"])
        assert pair["p_adj"] == pytest.approx(ref["welch_bh"][ref["pairs"].index(r)], abs=1e-9)
    with pytest.raises(SystemExit) as info:
        main(["analyze", str(CSV), "-i", "servqual", "--by", "channel", "--compare", "anova"])
    err = capsys.readouterr().err
    assert info.value.code == 1 and "compare must be one of games-howell, welch, none" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_the_block_does_not_depend_on_chunking(results):
    chunked = servq.analyze(CSV, "servqual", by=list(COLUMNS), chunk_size=37, quality=False).to_dict()["comparisons"]
    whole = results[("games-howell", "holm")]["comparisons"]
    flat_a = np.array([p["p"] for c in chunked["columns"] for m in c["means"] for p in m["pairs"]])
    flat_b = np.array([p["p"] for c in whole["columns"] for m in c["means"] for p in m["pairs"]])
    np.testing.assert_allclose(flat_a, flat_b, atol=1e-12)
    assert [(h["higher"], h["lower"], h["id"]) for h in chunked["highlights"]] == \
        [(h["higher"], h["lower"], h["id"]) for h in whole["highlights"]]
