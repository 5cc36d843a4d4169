"""The instrument-quality section of servq.analyze, end to end: computed from chunked
sufficient statistics, it must reproduce R (psych::alpha, lavaan::cfa, semTools::htmt) on the
real SERVQUAL data, and find the structure planted in simulated data."""

import json
from pathlib import Path

import pytest

import servq

HERE = Path(__file__).parents[1]
GOLDEN = HERE / "golden"
DIMS = ["tangibles", "reliability", "responsiveness", "assurance", "empathy"]


@pytest.fixture(scope="module")
def sq411():
    return servq.analyze(HERE / "data" / "servqual_perceptions_sq411.csv", HERE / "data" / "sq411.yaml",
                         mapping=HERE / "data" / "sq411_mapping.yaml", chunk_size=50)


@pytest.mark.parametrize("dim", DIMS)
def test_reliability_matches_psych(sq411, dim):
    ref = json.loads((GOLDEN / "reliability.json").read_text())[f"sq411_{dim}"]
    got = next(d for d in sq411.data["reliability"]["dimensions"] if d["id"] == dim)
    assert got["raw_alpha"] == pytest.approx(ref["total"]["raw_alpha"], abs=1e-6)
    assert got["std_alpha"] == pytest.approx(ref["total"]["std.alpha"], abs=1e-6)
    assert got["g6"] == pytest.approx(ref["total"]["G6(smc)"], abs=1e-6)
    assert got["feldt_low"] == pytest.approx(ref["feldt"]["lower"], abs=1e-6)
    assert [it["alpha_if_dropped"] for it in got["items"]] == pytest.approx(ref["alpha_drop"]["raw_alpha"], abs=1e-6)


@pytest.mark.parametrize("dim", DIMS)
def test_item_total_r_with_missing_answers_matches_psych(dim):
    """psych::alpha's raw.r correlates each item with the respondent's mean over the answered
    items (tests/golden/alpha_missing.R): servq sums each item's products with its dimension
    score per chunk and gets the same, not the complete-data formula from the covariances."""
    ref = json.loads((GOLDEN / "alpha_missing.json").read_text())
    res = servq.analyze(GOLDEN / ref["file"], HERE / "data" / "sq411.yaml",
                        mapping=HERE / "data" / "sq411_mapping.yaml", chunk_size=37)
    got = next(d for d in res.data["reliability"]["dimensions"] if d["id"] == dim)
    stats, r = ref[dim]["item_stats"], ref[dim]
    assert [it["raw_r"] for it in got["items"]] == pytest.approx(stats["raw.r"], abs=1e-12)
    assert max(abs(a - b) for a, b in zip(stats["raw.r"], r["raw_r_from_cov"])) > 0.01  # the old figure differs
    for key, theirs in (("n", "n"), ("std_r", "std.r"), ("r_cor", "r.cor"), ("r_drop", "r.drop"), ("mean", "mean"),
                        ("sd", "sd")):
        assert [it[key] for it in got["items"]] == pytest.approx(stats[theirs], abs=1e-9), key
    assert got["raw_alpha"] == pytest.approx(r["total"]["raw_alpha"], abs=1e-12)


def test_cfa_matches_lavaan(sq411):
    ref = json.loads((GOLDEN / "sem.json").read_text())["cases"]["sq411"]["fit"]
    fit = sq411.data["cfa"]["fit"]
    for key in ("chisq", "df", "cfi", "tli", "rmsea", "rmsea.ci.lower", "rmsea.ci.upper", "srmr", "bic"):
        assert fit[key] == pytest.approx(ref[key], abs=1e-3), key
    assert sq411.data["cfa"]["verdict"] == "poor"  # CFI .898, RMSEA .096


def test_htmt_matches_semtools_and_names_the_pairs(sq411):
    ref = json.loads((GOLDEN / "validity.json").read_text())["sq411"]
    htmt = sq411.data["validity"]["htmt"]
    for i, a in enumerate(ref["factors"]):
        for j, b in enumerate(ref["factors"]):
            assert htmt[a][b] == pytest.approx(ref["htmt"][i][j], abs=1e-6)
    pairs = {frozenset((p["a"], p["b"])) for p in sq411.data["validity"]["not_separated"]}
    expected = {frozenset((a, b)) for i, a in enumerate(ref["factors"]) for j, b in enumerate(ref["factors"])
                if i < j and ref["htmt"][i][j] >= 0.85}
    assert pairs == expected and frozenset(("responsiveness", "assurance")) in pairs


@pytest.mark.parametrize("instrument, pair", [("servqual", {"assurance", "empathy"}),
                                              ("customer-focus", {"proximity", "competence"})])
def test_planted_intertwined_dimensions_are_found(instrument, pair):
    res = servq.analyze(servq.simulate(instrument, 3000, seed=8), instrument)
    pairs = [{p["a"], p["b"]} for p in res.data["validity"]["not_separated"]]
    assert pairs == [pair]
    assert res.data["cfa"]["verdict"] == "good"
    assert all(d["verdict"] in ("good", "excellent") for d in res.data["reliability"]["dimensions"])


def test_invariance_across_channels_of_simulated_data():
    res = servq.analyze(servq.simulate("servqual", 3000, seed=9), "servqual", invariance="channel")
    inv = res.data["invariance"]
    assert inv["column"] == "channel" and set(inv["groups"]) == {"branch", "phone", "online"}
    assert [s["model"] for s in inv["steps"]] == ["configural", "metric", "scalar"]
    # the population has the same loadings and intercepts in every channel
    assert inv["level"] == "scalar"
    assert "channel" in res.segments


def hs_ordinal(**options):
    """The Holzinger-Swineford items cut into 3-5 categories as a three-dimension instrument."""
    return servq.analyze(GOLDEN / "data" / "hs_ordinal_school.csv", HERE / "data" / "hs_ordinal.yaml",
                         mapping=HERE / "data" / "hs_ordinal_mapping.yaml", invariance="school", **options)


def test_ordinal_invariance_is_lavaans_wlsmv_sequence():
    """--ordinal --invariance: per school the items' tables and a second pass's score
    cross-products (chunks of 50 rows) give lavaan's configural -> thresholds -> loadings
    sequence and its lavTestLRT (tests/golden/sem_ordinal_groups.R; complete rows, so
    pairwise is lavaan's listwise)."""
    ref = json.loads((GOLDEN / "sem_ordinal_groups.json").read_text())
    res = hs_ordinal(ordinal=True, chunk_size=50)
    inv = res.data["invariance"]
    assert inv["estimator"] == "WLSMV" and inv["groups"] == {"Pasteur": 156, "Grant-White": 145}
    steps = {s["model"]: s for s in inv["steps"]}
    assert list(steps) == ["configural", "thresholds", "loadings"]
    for name, before in (("thresholds", "configural"), ("loadings", "thresholds")):
        lrt = ref["lrt"][name]
        assert [steps[before]["chisq"], steps[name]["chisq"]] == pytest.approx(lrt["chisq"], rel=1e-6)
        assert steps[name]["delta_chisq"] == pytest.approx(lrt["chisq_diff"], rel=1e-6)
        assert steps[name]["delta_df"] == lrt["df_diff"]
        assert steps[name]["pvalue"] == pytest.approx(lrt["pvalue"], rel=1e-5)
        assert steps[name]["cfi"] == pytest.approx(ref["cfi_scaled"][f"{name}.cfi.scaled"], abs=1e-6)
    assert [steps[m]["holds"] for m in steps] == [None, False, True] and inv["level"] == "configural"
    assert inv["freed"] == [] and res.data["notes"] == []
    assert all(s["chisq_scaled"] > s["chisq"] for s in inv["steps"])


def test_ordinal_invariance_with_blank_answers_is_lavaans_pairwise():
    """Blank answers: each group's tables and scores are those of its pairwise present answers,
    lavaan's missing = "pairwise" by group (tests/golden/ordinal_invariance_pairwise.R)."""
    ref = json.loads((GOLDEN / "ordinal_invariance_pairwise.json").read_text())
    res = servq.analyze(GOLDEN / "data" / "hs_ordinal_school_holes.csv", HERE / "data" / "hs_ordinal.yaml",
                        mapping=HERE / "data" / "hs_ordinal_mapping.yaml", invariance="school", ordinal=True,
                        chunk_size=40)
    assert_lavaan_sequence(res.data["invariance"], ref)


def test_ordinal_invariance_merges_categories_a_group_never_chose():
    """A school that never chose a category: lavaan refuses the data; servq merges the category
    into a neighbour in every group (an end into the next one in, one in between into the
    neighbour with fewer answers), says so, and is lavaan on the data merged so
    (tests/golden/ordinal_invariance_merged.R)."""
    ref = json.loads((GOLDEN / "ordinal_invariance_merged.json").read_text())
    res = servq.analyze(GOLDEN / "data" / "hs_ordinal_school_sparse.csv", HERE / "data" / "hs_ordinal.yaml",
                        mapping=HERE / "data" / "hs_ordinal_mapping.yaml", invariance="school", ordinal=True,
                        chunk_size=64)
    inv = res.data["invariance"]
    assert inv["merged"] == {f"P{k[1:]}": v for k, v in ref["merged"].items()}
    assert_lavaan_sequence(inv, ref)
    assert [n for n in res.data["notes"] if "merged" in n] == \
        ["measurement invariance across 'school': answers merged so that every group uses each category, "
         "P3 4+5; P6 1+2; P9 3+4"]
    # the whole sample's CFA keeps every category (every one was chosen by somebody)
    assert res.data["cfa"]["estimator"] == "WLSMV"
    plain = hs_ordinal(ordinal=True).data["invariance"]
    assert plain["merged"] == {}


def assert_lavaan_sequence(inv: dict, ref: dict) -> None:
    """The invariance block's steps are lavaan's fits and lavTestLRT's differences (``ref``)."""
    assert inv["groups"] == ref["nobs"]
    for step in inv["steps"]:
        theirs = ref["fit"][step["model"]]
        assert step["chisq"] == pytest.approx(theirs["chisq"], rel=1e-6)
        assert step["chisq_scaled"] == pytest.approx(theirs["chisq.scaled"], rel=1e-6)
        assert step["df"] == theirs["df"]
        assert step["cfi"] == pytest.approx(theirs["cfi.scaled"], abs=1e-6)
        assert step["rmsea"] == pytest.approx(theirs["rmsea.scaled"], abs=1e-6)
        if step["model"] != "configural":
            lrt = ref["lrt"][step["model"]]
            assert step["delta_chisq"] == pytest.approx(lrt["chisq_diff"], rel=1e-6)
            assert step["delta_df"] == lrt["df_diff"]
            assert step["pvalue"] == pytest.approx(lrt["pvalue"], rel=1e-5)


@pytest.mark.parametrize("lang, words", [("en", ("Thresholds and loadings", "χ² (scaled)", "WLSMV")),
                                         ("sv", ("Trösklar och laddningar", "χ² (skalad)", "WLSMV")),
                                         ("zh", ("阈值和载荷", "χ²（校正）", "WLSMV"))])
def test_ordinal_invariance_in_the_report_and_the_schema(lang, words):
    import jsonschema

    from servq.report import render_html

    data = hs_ordinal(ordinal=True, lang=lang).data
    jsonschema.Draft202012Validator(json.loads((HERE.parent / "src" / "servq" / "report" / "results.schema.json")
                                               .read_text(encoding="utf-8"))).validate(json.loads(json.dumps(data)))
    html = render_html(data, lang)
    scaled = f"{data['invariance']['steps'][1]['chisq_scaled']:.2f}".replace(".", "," if lang == "sv" else ".")
    assert all(w in html for w in words) and scaled in html, lang


def test_ordinal_invariance_is_the_same_in_any_chunks_and_needs_the_second_pass():
    import pyarrow.csv as pv

    from servq.analysis import AnalysisOptions, accumulate, finish, plan_for, score_pass
    from servq.instruments import load_instrument

    one = hs_ordinal(ordinal=True, chunk_size=1000).data["invariance"]
    many = hs_ordinal(ordinal=True, chunk_size=7).data["invariance"]
    for a, b in zip(one["steps"], many["steps"]):
        assert a["chisq_scaled"] == pytest.approx(b["chisq_scaled"], rel=1e-10)
    # the library's calls: finish() with the second pass is the same; without it (sums merged
    # elsewhere) the sequence is ML's on the items as numbers, and a note says why
    table = pv.read_csv(GOLDEN / "data" / "hs_ordinal_school.csv")
    table = table.rename_columns([f"P{c[1:]}" if c.startswith("x") else c for c in table.column_names])
    plan = plan_for(load_instrument(HERE / "data" / "hs_ordinal.yaml"), table.column_names,
                    AnalysisOptions(invariance="school", ordinal=True))
    sums = accumulate([table], plan)
    second = finish(sums, plan, rescore=lambda fits: score_pass([table], plan, fits, sums.groups)).data
    assert [s["chisq_scaled"] for s in second["invariance"]["steps"]] == \
        pytest.approx([s["chisq_scaled"] for s in one["steps"]], rel=1e-10)
    alone = finish(sums, plan).data
    assert alone["cfa"]["estimator"] == "DWLS" and alone["invariance"]["estimator"] == "ML"
    assert [s["model"] for s in alone["invariance"]["steps"]] == ["configural", "metric", "scalar"]
    assert any("needs WLSMV's second pass" in note for note in alone["notes"])


def test_quality_off_and_too_few_respondents():
    off = servq.analyze(HERE / "data" / "mini.csv", HERE / "data" / "mini.yaml", quality=False)
    assert all(off.data[k] is None for k in ("reliability", "cfa", "validity", "invariance"))
    tiny = servq.analyze(HERE / "data" / "mini.csv", HERE / "data" / "mini.yaml")
    assert tiny.data["cfa"] is None and any("CFA" in n for n in tiny.data["notes"])


def test_key_drivers_match_r(sq411):
    """Relative weights and LMG of sat on the five dimension scores (tests/golden/drivers.R)."""
    ref = json.loads((GOLDEN / "drivers.json").read_text())["sq411"]
    (block,) = sq411.data["drivers"]["outcomes"]
    assert block["outcome"] == "sat" and block["n"] == ref["n"]
    assert block["r2"] == pytest.approx(ref["r2"], abs=1e-9)
    assert block["condition_number"] == pytest.approx(ref["condition_number"], abs=1e-9)
    for key in ("relative_weight", "relative_weight_pct", "lmg", "vif"):
        assert [p[key] for p in block["predictors"]] == pytest.approx(ref[key], abs=1e-9), key


def test_planted_strongest_driver_is_found():
    res = servq.analyze(servq.simulate("servqual", 3000, seed=3), "servqual")
    for block in res.data["drivers"]["outcomes"]:
        top = max(block["predictors"], key=lambda p: p["lmg"])
        assert top["id"] == "reliability"  # the simulation's strongest driver
        assert sum(p["lmg_pct"] for p in block["predictors"]) == pytest.approx(100.0)


def test_ordinal_alpha_and_cfa_match_lavaan_and_psych():
    """--ordinal: the items' contingency tables are summed chunk by chunk (37 rows here);
    each dimension's ordinal alpha is psych::alpha of lavaan's polychoric matrix and the CFA
    lavaan's DWLS on it (tests/golden/ordinal_alpha.R)."""
    ref = json.loads((GOLDEN / "ordinal_alpha.json").read_text())
    res = servq.analyze(GOLDEN / ref["file"], HERE / "data" / "sq411.yaml",
                        mapping=HERE / "data" / "sq411_mapping.yaml", chunk_size=37, ordinal=True)
    rel = res.data["reliability"]
    assert rel["ordinal"].startswith("polychoric correlations")
    for dim in DIMS:
        got = next(d for d in rel["dimensions"] if d["id"] == dim)
        assert got["ordinal_alpha"] == pytest.approx(ref[dim]["ordinal_alpha"], abs=1e-7), dim
        assert got["ordinal_alpha"] > got["raw_alpha"]  # usual for skewed 5-point answers
    # the CFA is the ordinal one: WLSMV on the pairwise polychoric correlations (a second
    # pass over the file for their sampling covariance), as lavaan's cfa(model, x, ordered =
    # items, estimator = "WLSMV", missing = "pairwise"); its unscaled figures are DWLS's
    cfa, theirs, robust = res.data["cfa"], ref["cfa"], ref["cfa_wlsmv"]
    assert cfa["estimator"] == "WLSMV" and cfa["n"] == theirs["nobs"] == robust["nobs"] == 411
    for key in ("chisq", "df", "cfi", "tli", "rmsea", "srmr"):
        assert cfa["fit"][key] == pytest.approx(theirs["fit"][key], rel=1e-6, abs=1e-7), key
    for key, value in robust["fit"].items():
        assert cfa["fit"][key] == pytest.approx(value, rel=1e-6, abs=1e-7), key
    se = {(d["dimension"], f"a{d['item']:02d}"): d["se"] for d in cfa["loadings"]}
    for row in robust["loadings"]:
        assert se[row["lhs"], row["rhs"]] == pytest.approx(row["se"], rel=1e-5, abs=1e-7), row
    # judged on the scaled indices: RMSEA .087 is above .08 (the unscaled .067 would pass)
    assert cfa["fit"]["rmsea"] < 0.08 < cfa["fit"]["rmsea.scaled"] and cfa["verdict"] == "poor"
    std = {(d["dimension"], f"a{d['item']:02d}"): d["std_all"] for d in cfa["loadings"]}
    for row in theirs["loadings"]:
        assert std[row["lhs"], row["rhs"]] == pytest.approx(row["est.std"], abs=2e-6)
    for row in theirs["factor_cor"]:
        assert cfa["factor_correlations"][row["lhs"]][row["rhs"]] == pytest.approx(row["est.std"], abs=2e-6)
    plain = servq.analyze(GOLDEN / ref["file"], HERE / "data" / "sq411.yaml",
                          mapping=HERE / "data" / "sq411_mapping.yaml")
    # with 15% blanks few respondents answered all 22 items: the listwise ML CFA cannot run,
    # the pairwise ordinal one can
    assert plain.data["cfa"] is None and any("respondents with every item answered" in n for n in plain.data["notes"])
    assert "ordinal" not in plain.data["reliability"]
    assert all("ordinal_alpha" not in d for d in plain.data["reliability"]["dimensions"])


def test_partial_invariance_is_searched_and_named(tmp_path):
    """One item answered two points lower in one channel: scalar invariance fails on its
    intercept, the search (lavTestScore's largest score test; tests/golden/sem_partial.R
    checks the search itself against R) frees exactly that intercept, and the report and
    the summary say so in every language."""
    import jsonschema
    import numpy as np
    import pyarrow as pa

    from servq.report import SCHEMA_PATH, render_html, to_json

    table = servq.simulate("servqual", 3000, seed=9)
    channel = np.array(table.column("channel").to_pylist(), dtype=object)
    p3 = table.column("P3").to_numpy(zero_copy_only=False).astype(float)
    lowered = np.where((channel == "branch") & (p3 > 0), np.clip(p3 - 2, 1, 7), p3)
    table = table.set_column(table.column_names.index("P3"), "P3",
                             pa.array([None if np.isnan(v) else int(v) for v in lowered], table.schema.field("P3").type))
    res = servq.analyze(table, "servqual", invariance="channel")
    inv = res.data["invariance"]
    assert inv["level"] == "partial scalar"
    assert [(r["step"], r["param"], r["holds"]) for r in inv["freed"]] == [("scalar", "P3 ~ 1", True)]
    assert inv["freed"][0]["x2"] > 100
    assert [(s["model"], s["partial"]) for s in inv["steps"]] == [("configural", False), ("metric", False),
                                                                  ("scalar", True)]
    jsonschema.Draft202012Validator(json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))).validate(json.loads(to_json(res)))
    for lang, words, step in (("en", "the intercept of P3", "Scalar (partial)"), ("sv", "interceptet för P3", "(partiell)"),
                              ("zh", "P3 的截距", "（部分）")):
        html = render_html(servq.analyze(table, "servqual", invariance="channel", lang=lang).data, lang)
        assert words in html and step in html, lang


def test_ordinal_cfa_falls_back_to_dwls_when_the_second_pass_does_not_match():
    """The second pass must see the rows the tables were counted from: a file that changed
    in between (another row count) leaves the DWLS fit, unscaled, and a note."""
    from servq.analysis import AnalysisOptions, accumulate, finish, plan_for, score_pass

    table = servq.simulate("servqual", 300, seed=5)
    plan = plan_for("servqual", table.column_names, AnalysisOptions(ordinal=True))
    sums = accumulate([table], plan)
    whole = finish(sums, plan, rescore=lambda fit: score_pass([table], plan, fit)).data
    changed = finish(sums, plan, rescore=lambda fit: score_pass([table.slice(0, 299)], plan, fit)).data
    alone = finish(sums, plan).data
    assert whole["cfa"]["estimator"] == "WLSMV" and "cfi.scaled" in whole["cfa"]["fit"]
    assert changed["cfa"]["estimator"] == alone["cfa"]["estimator"] == "DWLS"
    assert "cfi.scaled" not in changed["cfa"]["fit"]
    assert changed["cfa"]["fit"]["chisq"] == pytest.approx(whole["cfa"]["fit"]["chisq"], rel=1e-12)
    assert any("299 rows now and had 300" in note for note in changed["notes"])


def test_ordinal_invariance_of_too_many_groups_is_mls_with_a_note(monkeypatch):
    """The equal-thresholds model and the difference test grow with the groups: beyond
    MAX_ORDINAL_MOMENTS stacked thresholds and correlations the sequence is ML's, and a note says
    why. Two schools of the nine items cut into 3-5 categories stack 2 x (27 thresholds
    + 36 correlations) = 126."""
    from servq.measures import quality

    monkeypatch.setattr(quality, "MAX_ORDINAL_MOMENTS", 126)
    assert hs_ordinal(ordinal=True).data["invariance"]["estimator"] == "WLSMV"
    monkeypatch.setattr(quality, "MAX_ORDINAL_MOMENTS", 125)
    data = hs_ordinal(ordinal=True).data
    assert data["invariance"]["estimator"] == "ML" and data["cfa"]["estimator"] == "WLSMV"
    assert any("across the 2 groups of 'school' would stack 126 thresholds and correlations" in n
               for n in data["notes"])
