"""Trends (analyze(period=...)): period labels, per-period scores, the change between the
last two periods and control charts, by hand and against base R (tests/golden/trends.R)."""

import json
import math
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from scipy import stats

import servq
from servq.errors import DataError, UsageError

HERE = Path(__file__).parent.parent
ONE = HERE / "data" / "trends_one.yaml"  # one item P1 (1-7) = the dimension = SERVPERF; outcome sat 1-5
GOLDEN = HERE / "golden"

# date, P1, sat. Top-two box of sat (1-5): sat >= 4.
HAND = """date,P1,sat
2026-01-05,4,5
2026-01-20,5,4
2026-01-31,6,2
2026-01-02,5,3
2026-02-01,5,1
2026-02-14,5,2
2026-02-28T17:45:00,6,3
2026-02-03,4,4
2026-03-01,7,5
2026-03-09,7,5
 2026-03-10 ,6,5
2026-03-31 08:00,7,5
,1,1
2026-04-02,3,1
"""


@pytest.fixture
def hand(tmp_path):
    path = tmp_path / "hand.csv"
    path.write_text(HAND, encoding="utf-8")
    return path


def block(data, **kw):
    return servq.analyze(data, ONE if "instrument" not in kw else kw.pop("instrument"), quality=False,
                         **kw).data["trends"]


def values(tr, measure):
    return {p["label"]: p["values"][measure] for p in tr["periods"] if not p["suppressed"]}


def test_periods_means_and_suppression_by_hand(hand):
    res = servq.analyze(hand, ONE, period="month", min_n=4, quality=False)
    tr = res.data["trends"]
    assert (tr["period"], tr["column"], tr["blank"]) == ("month", "date", 1)
    assert [(p["label"], p["n"], p["suppressed"]) for p in tr["periods"]] == [
        ("2026-01", 4, False), ("2026-02", 4, False), ("2026-03", 4, False), ("2026-04", 1, True)]
    assert "values" not in tr["periods"][3]
    p1 = values(tr, "servperf")
    # January 4, 5, 6, 5: mean 5, SD sqrt(2/3); February 5, 5, 6, 4: the same; March 7, 7, 6, 7
    assert [p1[m]["mean"] for m in p1] == [5.0, 5.0, 6.75]
    assert p1["2026-01"]["sd"] == pytest.approx(math.sqrt(2 / 3), abs=1e-12)
    assert p1["2026-03"]["sd"] == pytest.approx(0.5, abs=1e-12)
    assert values(tr, "dim:perception:service") == p1
    top = values(tr, "topbox:sat")
    assert [top[m]["share"] for m in top] == [0.5, 0.25, 1.0]
    assert [top[m]["n"] for m in top] == [4, 4, 4]
    assert "1 respondent(s) have no value in 'date' and are left out of the trends" in res.data["notes"]


def test_control_charts_by_hand(hand):
    tr = block(hand, period="month", min_n=4)
    xbar = tr["control"]["servperf"]
    # centre (20 + 20 + 27) / 12; pooled SD sqrt((3·2/3 + 3·2/3 + 3·0.25) / 9); limits ± 3σ/√4
    centre, sigma = 67 / 12, math.sqrt(4.75 / 9)
    assert xbar["chart"] == "xbar"
    assert xbar["centre"] == pytest.approx(centre, abs=1e-12)
    assert xbar["sigma"] == pytest.approx(sigma, abs=1e-12)
    assert [p["label"] for p in xbar["points"]] == ["2026-01", "2026-02", "2026-03"]  # April: suppressed
    for p in xbar["points"]:
        assert p["lcl"] == pytest.approx(centre - 3 * sigma / 2, abs=1e-12)  # 4.4936
        assert p["ucl"] == pytest.approx(centre + 3 * sigma / 2, abs=1e-12)  # 6.6731
    assert [p["out"] for p in xbar["points"]] == [False, False, True]  # March 6.75 > 6.6731
    assert xbar["signals"] == ["2026-03"]
    pchart = tr["control"]["topbox:sat"]
    # p̄ = 7/12, 3·sqrt(p̄(1 − p̄)/4) = 0.7395: the limits clip to 0 and 1, nothing is out
    assert pchart["centre"] == pytest.approx(7 / 12, abs=1e-12)
    assert {(p["lcl"], p["ucl"]) for p in pchart["points"]} == {(0.0, 1.0)}
    assert pchart["signals"] == [] and pchart["sigma"] is None


def test_change_between_the_last_two_shown_periods_by_hand(hand):
    change = block(hand, period="month", min_n=4)["change"]
    assert (change["from"], change["to"]) == ("2026-02", "2026-03")  # April is suppressed
    welch = change["measures"]["servperf"]
    va, vb = (2 / 3) / 4, 0.25 / 4  # s²/n of February and March
    se = math.sqrt(va + vb)
    df = (va + vb) ** 2 / (va**2 / 3 + vb**2 / 3)
    t = 1.75 / se
    assert welch["test"] == "welch" and welch["diff"] == pytest.approx(1.75, abs=1e-12)
    assert welch["p"] == pytest.approx(2 * stats.t.sf(t, df), rel=1e-9)
    assert welch["ci_low"] == pytest.approx(1.75 - stats.t.ppf(0.975, df) * se, rel=1e-9)
    assert welch["significant"] is True  # p = 0.0148
    share = change["measures"]["topbox:sat"]
    # 1/4 -> 4/4: pooled 5/8, χ² = 0.75² / (5/8 · 3/8 · (1/4 + 1/4)) = 4.8
    assert share["test"] == "two_proportions" and share["diff"] == 0.75
    assert share["p"] == pytest.approx(stats.chi2.sf(4.8, 1), rel=1e-12)
    assert (share["n_from"], share["n_to"]) == (4, 4)


def test_too_few_periods_give_no_change():
    data = pa.table({"date": ["2026-01-01"] * 3, "P1": [1, 2, 4], "sat": [1, 2, 3]})
    tr = block(data, period="quarter", min_n=1)
    assert tr["change"] is None and tr["control"]["servperf"] is None
    assert [p["label"] for p in tr["periods"]] == ["2026-Q1"]


@pytest.fixture(scope="module")
def golden():
    return json.loads((GOLDEN / "trends.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def quarterly():
    return block(GOLDEN / "data" / "trends_servqual.csv", instrument="servqual", period="quarter", min_n=5)


def test_periods_against_r(quarterly, golden):
    assert [p["label"] for p in quarterly["periods"]] == [p["label"] for p in golden["periods"]]
    for mine, ref in zip(quarterly["periods"], golden["periods"]):
        v = mine["values"]
        assert mine["n"] == ref["n"]
        assert v["servqual:unweighted"]["n"] == ref["servqual_n"]
        assert v["servqual:unweighted"]["mean"] == pytest.approx(ref["servqual_mean"], abs=1e-10)
        assert v["servqual:unweighted"]["sd"] == pytest.approx(ref["servqual_sd"], abs=1e-10)
        assert v["outcome:overall_satisfaction"]["mean"] == pytest.approx(ref["sat_mean"], abs=1e-10)
        assert v["topbox:overall_satisfaction"]["share"] == pytest.approx(ref["topbox_x"] / ref["topbox_n"], abs=1e-12)
        n_rec = ref["promoters"] + ref["passives"] + ref["detractors"]
        assert v["nps:promoters:recommend"]["share"] == pytest.approx(ref["promoters"] / n_rec, abs=1e-12)
        assert v["nps:score:recommend"]["mean"] == pytest.approx(100 * (ref["promoters"] - ref["detractors"]) / n_rec,
                                                                 abs=1e-9)


@pytest.mark.parametrize(("measure", "ref"), [
    ("servqual:unweighted", "servqual"), ("outcome:overall_satisfaction", "satisfaction"),
    ("topbox:overall_satisfaction", "topbox"), ("nps:promoters:recommend", "promoters"),
    ("nps:score:recommend", "nps")])
def test_change_against_r(quarterly, golden, measure, ref):
    mine, r = quarterly["change"]["measures"][measure], golden["change"][ref]
    assert (quarterly["change"]["from"], quarterly["change"]["to"]) == (golden["from"], golden["to"])
    for key in ("diff", "p"):
        assert mine[key] == pytest.approx(r[key], rel=1e-7, abs=1e-12), key
    assert mine["ci_low"] == pytest.approx(r["ci_low"], rel=1e-7)  # shares: prop.test's Wald interval
    assert mine["ci_high"] == pytest.approx(r["ci_high"], rel=1e-7)
    assert mine["significant"] == (r["p"] < 0.05)


def test_control_limits_against_r(quarterly, golden):
    xbar, ref = quarterly["control"]["servqual:unweighted"], golden["xbar"]
    assert xbar["centre"] == pytest.approx(ref["centre"], abs=1e-12)
    assert xbar["sigma"] == pytest.approx(ref["sigma"], abs=1e-12)
    assert [p["lcl"] for p in xbar["points"]] == pytest.approx(ref["lcl"], abs=1e-12)
    assert [p["ucl"] for p in xbar["points"]] == pytest.approx(ref["ucl"], abs=1e-12)
    pchart, ref = quarterly["control"]["topbox:overall_satisfaction"], golden["pchart"]
    assert pchart["centre"] == pytest.approx(ref["centre"], abs=1e-12)
    assert [p["lcl"] for p in pchart["points"]] == pytest.approx(ref["lcl"], abs=1e-12)
    assert [p["ucl"] for p in pchart["points"]] == pytest.approx(ref["ucl"], abs=1e-12)


def test_month_quarter_and_wave_labels():
    data = pa.table({"date": ["2026-11-30", "2025-12-31", "2026-01-01", "2026-04-01T00:00:00Z", None],
                     "wave": ["wave 10", "wave 2", "wave 1", "wave 2", "wave 1"],
                     "P1": [1, 2, 3, 4, 5], "sat": [1, 2, 3, 4, 5]})
    labels = {kind: [p["label"] for p in block(data, period=kind, min_n=1)["periods"]] for kind in ("month", "quarter")}
    assert labels == {"month": ["2025-12", "2026-01", "2026-04", "2026-11"],
                      "quarter": ["2025-Q4", "2026-Q1", "2026-Q2", "2026-Q4"]}
    wave = block(data, period="wave", min_n=1)
    assert [(p["label"], p["n"]) for p in wave["periods"]] == [("wave 1", 2), ("wave 2", 2), ("wave 10", 1)]
    numbered = block(data.set_column(1, "wave", pa.array([10.0, 2.0, 1.0, 2.0, None])), period="wave", min_n=1)
    assert [p["label"] for p in numbered["periods"]] == ["1", "2", "10"] and numbered["blank"] == 1


def test_arrow_dates_and_timestamps_give_the_same_periods():
    text = ["2026-01-31", "2026-02-01", "2026-05-15", "2026-12-31"]
    base = pa.table({"date": text, "P1": [1, 2, 3, 4], "sat": [1, 2, 3, 4]})
    expected = block(base, period="quarter", min_n=1)["periods"]
    for typed in (pa.array(np.array(text, dtype="datetime64[D]")),
                  pa.array(np.array([t + "T12:00" for t in text], dtype="datetime64[s]"))):
        assert block(base.set_column(0, "date", typed), period="quarter", min_n=1)["periods"] == expected


def test_bad_dates_are_problems_with_row_column_and_value(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("when,P1,sat\n2026-01-05,4,5\n2026-02-30,5,4\n\n15/03/2026,6,2\n,5,3\n", encoding="utf-8")
    with pytest.raises(DataError) as info:
        servq.analyze(path, ONE, period="month", period_column="when", quality=False)
    problems = [(p.row, p.column, p.value) for p in info.value.problems]
    assert problems == [(3, "when", "2026-02-30"), (5, "when", "15/03/2026")]  # row 4 is the empty line, as Excel shows it
    assert "not a date (use YYYY-MM-DD)" in str(info.value)


def test_a_mapping_can_rename_the_date_column(tmp_path, hand):
    path = tmp_path / "renamed.csv"
    path.write_text(HAND.replace("date,", "answered_on,", 1), encoding="utf-8")
    mapping = tmp_path / "map.yaml"
    mapping.write_text("columns:\n  answered_on: date\n", encoding="utf-8")
    assert block(path, period="month", min_n=4, mapping=mapping) == block(hand, period="month", min_n=4)


def test_option_errors(hand):
    with pytest.raises(UsageError, match="period must be one of month, quarter, wave, got 'week'"):
        block(hand, period="week")
    with pytest.raises(UsageError, match="period_column needs a period"):
        block(hand, period_column="date")
    with pytest.raises(UsageError, match="no segment column 'wave'.*period_column"):
        block(hand, period="wave")


def assert_close(a, b, path="trends"):
    if isinstance(a, dict):
        assert a.keys() == b.keys(), path
        for k in a:
            assert_close(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, list):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            assert_close(x, y, f"{path}[{i}]")
    elif isinstance(a, float):
        assert b == pytest.approx(a, rel=1e-9, abs=1e-12), path
    else:
        assert a == b, path


@pytest.mark.parametrize("chunk_size", [1, 3, 7, 64])
def test_results_do_not_depend_on_chunk_size(chunk_size):
    table = servq.simulate("servqual", 240, seed=5)
    whole = block(table, instrument="servqual", period="quarter", by="branch")
    assert_close(whole, block(table, instrument="servqual", period="quarter", by="branch", chunk_size=chunk_size))


def test_simulated_upward_trend_is_seen():
    tr = block(servq.simulate("servperf", 4000, seed=8), instrument="servperf", period="quarter")
    means = [p["values"]["servperf"]["mean"] for p in tr["periods"]]
    assert [p["label"] for p in tr["periods"]] == ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
    assert means == sorted(means)  # perceptions rise by 0.3 over the year (simulation._TREND)
    assert tr["control"]["servperf"]["points"][0]["out"] and tr["control"]["servperf"]["points"][-1]["out"]


def test_a_share_without_answers_in_the_last_periods_has_no_change():
    """A tracked share no one answered (its column absent) has no change to test, and the
    analysis goes on (it used to stop on a NaN share)."""
    import pyarrow as pa

    table = servq.simulate("servperf", 300, seed=2).drop_columns(["intention_to_return"])
    table = table.append_column("wave", pa.array(["1", "2", "3"] * 100))
    res = servq.analyze(table, "servperf", period="wave", quality=False)
    changes = res.data["trends"]["change"]["measures"]
    assert changes["topbox:intention_to_return"] is None
    assert changes["servperf"]["test"] == "welch"
