"""Levels (specific errand S vs general P) and the competitor benchmark (own P vs
competitor C): paired differences against base R (tests/golden/levels.R), by hand on a
four-row file, and the competitor part's columns."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pyarrow as pa
import pytest

import servq
from servq.errors import DataError, InstrumentError
from servq.instruments.catalog import parse_instrument
from servq.measures.levels import paired_test

GOLDEN = Path(__file__).parents[1] / "golden"
REF = json.loads((GOLDEN / "levels.json").read_text(encoding="utf-8"))
CASES = {"levels": ("customer-focus", "levels_customer_focus.csv", "level"),
         "benchmark": ("servperf-benchmark", "benchmark_servperf.csv", "advantage")}


@pytest.fixture(scope="module", params=list(CASES))
def case(request):
    block, (inst, file, diff) = request.param, CASES[request.param]
    res = servq.analyze(GOLDEN / "data" / file, inst)
    return block, diff, res.data


def test_paired_differences_match_r_t_test(case):
    block, diff, data = case
    for level in ("dimensions", "items"):
        ours = {str(r["id"]): r[diff] for r in data[block][level]}
        ref = REF[block][level]
        assert len(ours) == len(ref)
        for r in ref:
            got = ours[str(r["id"])]
            assert (got["n"], got["df"]) == (r["n"], r["df"]), r["id"]
            for key in ("mean", "sd", "ci_low", "ci_high", "t"):
                assert got[key] == pytest.approx(r[key], rel=1e-9, abs=1e-12), (r["id"], key)
            for key in ("p", "p_holm"):  # R prints 15 significant digits
                assert got[key] == pytest.approx(r[key], rel=1e-8), (r["id"], key)
            assert got["significant"] == (r["p"] < 0.05)
            assert got["significant_holm"] == (r["p_holm"] < 0.05)
            # the interval excludes 0 exactly when the test rejects
            assert got["significant"] == (got["ci_low"] > 0 or got["ci_high"] < 0)


def test_the_differences_are_also_in_the_dimension_and_item_scores(case):
    block, diff, data = case
    for row, dim in zip(data[block]["dimensions"], data["dimensions"], strict=True):
        assert row["id"] == dim["id"]
        assert {k: row[diff][k] for k in dim[diff]} == dim[diff]


def test_lists_follow_the_significant_differences():
    data = servq.analyze(GOLDEN / "data" / "levels_customer_focus.csv", "customer-focus").data["levels"]
    ref = {r["id"]: r for r in REF["levels"]["dimensions"]}
    up = sorted((i for i, r in ref.items() if r["p"] < 0.05 and r["mean"] > 0), key=lambda i: -ref[i]["mean"])
    down = sorted((i for i, r in ref.items() if r["p"] < 0.05 and r["mean"] < 0), key=lambda i: ref[i]["mean"])
    assert (data["higher"], data["lower"]) == (up, down)
    assert data["order"] == sorted(ref, key=lambda i: -ref[i]["mean"])
    assert data["parts"] == {"general": "perception", "specific": "specific"}


def test_benchmark_lead_trail_and_counts():
    data = servq.analyze(GOLDEN / "data" / "benchmark_servperf.csv", "servperf-benchmark").data["benchmark"]
    ref = {r["id"]: r for r in REF["benchmark"]["dimensions"]}
    lead = sorted((i for i, r in ref.items() if r["p_holm"] < 0.05 and r["mean"] > 0), key=lambda i: -ref[i]["mean"])
    trail = sorted((i for i, r in ref.items() if r["p_holm"] < 0.05 and r["mean"] < 0), key=lambda i: ref[i]["mean"])
    assert (data["lead_holm"], data["trail_holm"]) == (lead, trail)
    assert data["counts"] == {"dimensions": 5, "lead": len(data["lead"]), "trail": len(data["trail"]),
                              "lead_holm": len(lead), "trail_holm": len(trail)}
    # the simulated competitor is better on tangibles and reliability, worse on empathy
    assert "empathy" in data["lead"] and {"tangibles", "reliability"} <= set(data["trail"])
    own = {d["id"]: d["own"]["n"] for d in data["dimensions"]}
    assert all(d["advantage"]["n"] <= min(own[d["id"]], d["competitor"]["n"]) for d in data["dimensions"])


# --------------------------------------------------------------------------- by hand

def four_rows() -> pa.Table:
    """customer-focus, four respondents. Proximity (items 1-4), general P and specific S:

    ==  ===========  ===========  ==================  ==========
    r   P1 P2 P3 P4  S1 S2 S3 S4  item diffs S - P    dimension
    ==  ===========  ===========  ==================  ==========
    1   4  4  4  4   5  5  5  5   1, 1, 1, 1          1
    2   5  5  5  5   5  5  5  5   0, 0, 0, 0          0
    3   3  3  4  4   5  5  6  6   2, 2, 2, 2          2
    4   6  2  4  4   -  3  5  5   -, 1, 1, 1          1
    ==  ===========  ===========  ==================  ==========

    Respondent 4 left S1 blank, so item 1 does not count in that respondent's dimension
    difference (the difference of the dimension means would be 4.33 - 4 = 0.33 instead).
    Every other answer is 4 in both parts: competence and technology differ by exactly 0.
    """
    p = [[4, 4, 4, 4], [5, 5, 5, 5], [3, 3, 4, 4], [6, 2, 4, 4]]
    s = [[5, 5, 5, 5], [5, 5, 5, 5], [5, 5, 6, 6], [None, 3, 5, 5]]
    cols: dict[str, list] = {}
    for prefix, rows in (("P", p), ("S", s)):
        for j in range(12):
            cols[f"{prefix}{j + 1}"] = [r[j] if j < 4 else 4 for r in rows]
    return pa.table(cols)


def t3_cdf(t: float) -> float:
    """Student t distribution function with 3 degrees of freedom, in closed form."""
    u = t / math.sqrt(3)
    return 0.5 + (u / (1 + u * u) + math.atan(u)) / math.pi


def test_hand_computed_levels_on_four_rows():
    block = servq.analyze(four_rows(), "customer-focus").data["levels"]
    prox = {d["id"]: d for d in block["dimensions"]}["proximity"]
    # dimension differences 1, 0, 2, 1: mean 1, sd √(2/3), n 4, t = 1 / (√(2/3) / 2) = √6
    diff = prox["level"]
    assert (diff["n"], diff["df"]) == (4, 3)
    assert diff["mean"] == pytest.approx(1.0) and diff["sd"] == pytest.approx(math.sqrt(2 / 3))
    assert diff["t"] == pytest.approx(math.sqrt(6))
    assert diff["p"] == pytest.approx(2 * (1 - t3_cdf(math.sqrt(6))), rel=1e-9)  # 0.0917
    half = 3.182446305284263 * math.sqrt(2 / 3) / 2  # t(.975, 3) from the table
    assert (diff["ci_low"], diff["ci_high"]) == (pytest.approx(1 - half), pytest.approx(1 + half))
    assert not diff["significant"] and prox["general"]["mean"] == pytest.approx(4.125)  # 66 / 16
    # constant differences (all 0) have no test; Holm over the one p left changes nothing
    for other in ("competence", "technology"):
        d = {r["id"]: r for r in block["dimensions"]}[other]["level"]
        assert (d["mean"], d["sd"], d["p"], d["significant"]) == (0.0, 0.0, None, False)
    assert diff["p_holm"] == pytest.approx(diff["p"])
    item1 = block["items"][0]["level"]  # pairs 1, 0, 2 (respondent 4 unpaired): mean 1, sd 1
    assert (item1["n"], item1["mean"], item1["sd"]) == (3, 1.0, 1.0)
    assert block["higher"] == block["lower"] == []
    assert block["order"][0] == "proximity"


def test_paired_test_holm_and_undefined_cases():
    def stat(mean, sd, n):
        return {"mean": mean, "sd": sd, "n": n, "ci_low": None, "ci_high": None}

    # t = 0.5 / (1 / 5) = 2.5 on 24 df: R 2 * pt(-2.5, 24) = 0.01965417512; t = 4: 0.0005269080728;
    # Holm over the two valid p: the smaller times 2, the larger times 1 (kept monotone)
    rows = paired_test([stat(0.5, 1.0, 25), stat(0.8, 1.0, 25), stat(1.0, 0.0, 9), stat(1.0, None, 1), None], 0.95)
    assert rows[0]["p"] == pytest.approx(0.01965417512, rel=1e-9)
    assert rows[1]["p"] == pytest.approx(0.0005269080728, rel=1e-9)
    assert rows[1]["p_holm"] == pytest.approx(2 * rows[1]["p"])
    assert rows[0]["p_holm"] == pytest.approx(rows[0]["p"])
    assert rows[2]["p"] is None and rows[3]["t"] is None and rows[4] is None
    strict = paired_test([stat(0.5, 1.0, 25)], 0.99)  # p = .0197 is not below .01
    assert not strict[0]["significant"]


# --------------------------------------------------------------------------- the competitor part

def test_competitor_columns_are_recognised_in_any_spelling():
    table = servq.simulate("servperf-benchmark", 30, seed=4)
    respelled = table.rename_columns([f"c_0{n[1:]}" if n.startswith("C") else n for n in table.column_names])
    a = servq.analyze(table, "servperf-benchmark").data["benchmark"]
    b = servq.analyze(respelled, "servperf-benchmark").data["benchmark"]
    assert a["dimensions"] == b["dimensions"]


def test_missing_and_invalid_competitor_answers_are_named():
    table = servq.simulate("servperf-benchmark", 30, seed=4)
    with pytest.raises(DataError) as err:
        servq.analyze(table.drop_columns(["C3", "C4", "C9"]), "servperf-benchmark")
    assert "C3-C4, C9" in str(err.value.problems[0])
    values = table.column("C5").to_pylist()
    values[2] = 9
    bad = table.set_column(table.column_names.index("C5"), "C5", pa.array(values, pa.int8()))
    with pytest.raises(DataError) as err:
        servq.analyze(bad, "servperf-benchmark")
    problem = err.value.problems[0]
    assert (problem.column, problem.row, str(problem.value)) == ("C5", 4, "9")


def test_competitor_part_in_yaml_and_outcome_clash():
    text = (Path(servq.__file__).parent / "instruments" / "catalog" / "servperf-benchmark.yaml").read_text("utf-8")
    inst = parse_instrument(text)
    assert inst.has_benchmark and not inst.has_levels and inst.parts[1].prefix == "C"
    clash = text.replace("  - id: intention_to_return", "  - id: c2")
    with pytest.raises(InstrumentError, match="c2"):
        parse_instrument(clash)


def test_instruments_without_the_parts_have_no_blocks():
    data = servq.analyze(servq.simulate("servperf", 40, seed=1), "servperf").data
    assert data["levels"] is None and data["benchmark"] is None
    assert "advantage" not in data["dimensions"][0] and "level" not in data["items"][0]
