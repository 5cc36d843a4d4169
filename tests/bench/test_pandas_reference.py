"""bench/pandas_reference.py against numbers computed by hand on six respondents.

Every respondent answers E = 5 and P = 4 (item gap -1) except where noted:

    resp branch  deviations                                     W (tan, rel, res, ass, emp)
    r1   north   P1 = 7                                         40 30 10 10 10
    r2   north   E1 blank                                       -  -  -  -  -
    r3   north   E1 = 0 (don't know), E2..E4 = 3 5 6;           40 15 15 15 15
                 P1 = 7, P2 = 0 (don't know), P3, P4 = 4 6
    r4   south   P18..P22 blank (no empathy perception)         20 20 20 20 20
    r5   south   E1 = 7, P1 = 2                                 20 20 20 20 20
    r6   south   E1 = 6, P1 = 6                                 50 50 -  -  -

(- is blank. r2 has no allocation; r6's blanks are 0 points beside a full 100, docs/data.md.)
Channels: r1, r3, r4, r6 web; r2, r5 phone.

t quantiles t(0.975, df) from a table: df 1: 12.706205, 2: 4.302653, 3: 3.182446,
4: 2.776445, 5: 2.570582.
"""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "pandas_reference.py"
DIMS = ["tangibles", "reliability", "responsiveness", "assurance", "empathy"]


def load_script():
    spec = importlib.util.spec_from_file_location("pandas_reference", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def hand_table(with_weights: bool = True) -> pa.Table:
    E = {i: [5] * 6 for i in range(1, 23)}
    P = {i: [4] * 6 for i in range(1, 23)}
    P[1][0] = 7  # r1
    E[1][1] = None  # r2
    E[1][2], E[2][2], E[3][2], E[4][2] = 0, 3, 5, 6  # r3
    P[1][2], P[2][2], P[3][2], P[4][2] = 7, 0, 4, 6
    for i in range(18, 23):  # r4
        P[i][3] = None
    E[1][4], P[1][4] = 7, 2  # r5
    E[1][5], P[1][5] = 6, 6  # r6
    cols = {f"E{i}": pa.array(v, pa.int8()) for i, v in E.items()}
    cols |= {f"P{i}": pa.array(v, pa.int8()) for i, v in P.items()}
    if with_weights:
        W = [
            [40, 30, 10, 10, 10],
            [None] * 5,
            [40, 15, 15, 15, 15],
            [20] * 5,
            [20] * 5,
            [50, 50, None, None, None],
        ]
        for k, d in enumerate(DIMS):
            cols[f"W_{d}"] = pa.array([row[k] for row in W], pa.int16())
    cols["branch"] = pa.array(["north"] * 3 + ["south"] * 3)
    cols["channel"] = pa.array(["web", "phone", "web", "web", "phone", "web"])
    return pa.table(cols)


def run(tmp_path, table: pa.Table, *args: str) -> dict:
    data, out = tmp_path / "hand.parquet", tmp_path / "out.json"
    pq.write_table(table, data)
    argv = [str(data), "--by", "branch", "--out", str(out), "--min-n", "1", *args]
    assert load_script().main(argv) == 0
    return json.loads(out.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    return run(tmp_path_factory.mktemp("hand"), hand_table(), "--by", "channel")


def dim(block: dict, dim_id: str) -> dict:
    return next(d for d in block["dimensions"] if d["id"] == dim_id)


def check(stat: dict, mean, sd, n, half=None):
    assert stat["n"] == n
    assert stat["mean"] == pytest.approx(mean, abs=1e-6)
    if sd is None:
        assert stat["sd"] is None and stat["ci_low"] is None and stat["ci_high"] is None
        return
    assert stat["sd"] == pytest.approx(sd, abs=1e-6)
    assert stat["ci_low"] == pytest.approx(mean - half, abs=1e-6)
    assert stat["ci_high"] == pytest.approx(mean + half, abs=1e-6)


def test_counts(results):
    assert results["n_respondents"] == 6
    assert results["segments"]["branch"]["north"]["n"] == 3
    assert results["segments"]["branch"]["south"]["n"] == 3


def test_item_1(results):
    item = results["items"][0]
    assert item["id"] == 1 and item["n"] == 6  # everyone answered E1 or P1
    # E1: r2 blank and r3 don't know are missing: 5 5 7 6 -> mean 5.75,
    # squared deviations .5625 .5625 1.5625 .0625 = 2.75, sd = sqrt(2.75/3) = .957427
    check(item["expectation"], 5.75, 0.957427, 4, 3.182446 * 0.957427 / 2)
    # P1: 7 4 7 4 2 6 -> mean 5, squared deviations 4 1 4 1 9 1 = 20, sd = sqrt(20/5) = 2
    check(item["perception"], 5.0, 2.0, 6, 2.570582 * 2 / math.sqrt(6))
    # Gap 1 where both answered: r1 2, r4 -1, r5 -5, r6 0 -> mean -1,
    # squared deviations 9 0 16 1 = 26, sd = sqrt(26/3) = 2.943920, half = 3.182446 * sd / 2
    check(item["gap"], -1.0, 2.943920, 4, 4.684434)


def test_item_2_dont_know_and_zero_sd(results):
    item = results["items"][1]
    # E2: 5 5 3 5 5 5 -> mean 28/6, squared deviations 5 (1/3)^2 + (5/3)^2 = 30/9,
    # sd = sqrt(30/9 / 5) = .816497
    check(item["expectation"], 28 / 6, 0.816497, 6, 2.570582 * 0.816497 / math.sqrt(6))
    # r3's P2 is "don't know": five answers of 4, five gaps of -1, sd 0, interval of width 0
    check(item["perception"], 4.0, 0.0, 5, 0.0)
    check(item["gap"], -1.0, 0.0, 5, 0.0)


def test_dimension_gap_is_mean_of_item_gaps(results):
    # Tangibles gaps: r1 (2-1-1-1)/4 = -.25, r2 -1 (item 1 has no E), r3 items 3, 4 only:
    # (-1 + 0)/2 = -.5, r4 -1, r5 (-5-3)/4 = -2, r6 (0-3)/4 = -.75 -> mean -5.5/6
    tangibles = dim(results, "tangibles")
    assert tangibles["n"] == 6
    assert tangibles["gap"]["n"] == 6
    assert tangibles["gap"]["mean"] == pytest.approx(-5.5 / 6, abs=1e-9)
    # Scores: E r1..r6 = 5, 5, 14/3, 5, 5.5, 5.25; P = 4.75, 4, 17/3, 4, 3.5, 4.5
    assert tangibles["expectation"]["mean"] == pytest.approx(30.416667 / 6, abs=1e-6)
    assert tangibles["perception"]["mean"] == pytest.approx(26.416667 / 6, abs=1e-6)
    # North: r3 answered E on items 2-4 and P on 1, 3, 4: E 14/3, P 17/3 (P - E = +1),
    # but its gap is -.5. North E = (5 + 5 + 14/3)/3 = 44/9, P = (4.75 + 4 + 17/3)/3,
    # gap = (-.25 - 1 - .5)/3 = -.583333, which is not P - E = -.083333.
    north = dim(results["segments"]["branch"]["north"], "tangibles")
    assert north["expectation"]["mean"] == pytest.approx(44 / 9, abs=1e-9)
    assert north["perception"]["mean"] == pytest.approx(14.416667 / 3, abs=1e-6)
    assert north["gap"]["mean"] == pytest.approx(-0.583333, abs=1e-6)


def test_missing_dimension(results):
    empathy = dim(results, "empathy")
    assert empathy["n"] == 6  # r4 answered the expectations
    parts = ("expectation", "perception", "gap")
    assert [empathy[part]["n"] for part in parts] == [6, 5, 5]
    check(dim(results, "reliability")["gap"], -1.0, 0.0, 6, 0.0)


def test_servqual(results):
    # Unweighted: r1 (-.25-4)/5 = -.85, r2 -1, r3 (-.5-4)/5 = -.9, r5 (-2-4)/5 = -1.2,
    # r6 (-.75-4)/5 = -.95; r4 has no empathy gap. Mean -4.9/5 = -.98; deviations
    # .13 -.02 .08 -.22 .03, squares sum .073, sd = sqrt(.073/4) = .135093
    check(results["servqual"]["unweighted"], -0.98, 0.135093, 5,
          2.776445 * 0.135093 / math.sqrt(5))
    # Weighted: r1 .4(-.25) + .3(-1) + .3(-1) = -.7; r3 .4(-.5) + .6(-1) = -.8;
    # r5 .2(-2) + .8(-1) = -1.2; r6 .5(-.75) + .5(-1) + 0 + 0 + 0 = -.875;
    # r2 lacks an allocation, r4 a gap. Mean -3.575/4 = -.89375; deviations .19375 .09375
    # -.30625 .01875, squares sum .14046875, sd = sqrt(.14046875/3) = .216386
    check(results["servqual"]["weighted"], -0.89375, 0.216386, 4, 3.182446 * 0.216386 / 2)


def test_servqual_by_branch(results):
    north = results["segments"]["branch"]["north"]["servqual"]
    south = results["segments"]["branch"]["south"]["servqual"]
    assert north["unweighted"]["n"] == 3
    assert north["unweighted"]["mean"] == pytest.approx(-2.75 / 3, abs=1e-9)
    # North weighted: r1 -.7, r3 -.8 -> mean -.75, sd = sqrt(2 * .05^2 / 1)
    sd = math.sqrt(0.005)
    check(north["weighted"], -0.75, sd, 2, 12.706205 * sd / math.sqrt(2))
    check(south["unweighted"], -1.075, math.sqrt(2 * 0.125**2), 2,
          12.706205 * math.sqrt(2 * 0.125**2) / math.sqrt(2))
    # South weighted: r5 -1.2, r6 -.875 -> mean -1.0375, sd = sqrt(2 * .1625^2)
    check(south["weighted"], -1.0375, math.sqrt(2 * 0.1625**2), 2,
          12.706205 * math.sqrt(2 * 0.1625**2) / math.sqrt(2))


def test_servqual_single_respondent_segment(results):
    phone = results["segments"]["channel"]["phone"]  # r2 (no allocation) and r5
    assert phone["n"] == 2
    check(phone["servqual"]["unweighted"], -1.1, math.sqrt(2 * 0.1**2), 2,
          12.706205 * math.sqrt(2 * 0.1**2) / math.sqrt(2))
    check(phone["servqual"]["weighted"], -1.2, None, 1)  # r5 only: no sd, no interval


def test_without_allocation_weighted_is_null(tmp_path):
    results = run(tmp_path, hand_table(with_weights=False))
    assert results["servqual"]["weighted"] is None
    assert results["segments"]["branch"]["north"]["servqual"]["weighted"] is None
    assert results["servqual"]["unweighted"]["n"] == 5


def test_small_segments_are_suppressed(tmp_path):
    results = run(tmp_path, hand_table(), "--min-n", "4")
    assert results["segments"]["branch"]["north"] == {"n": 3, "suppressed": True}
