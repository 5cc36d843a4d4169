"""The importance–performance quadrants carry their uncertainty: a point is "near the line"
when an interval of it contains its crosshair (ends included); the quadrant stays.

Every crosshair and interval below is worked out by hand in the comments."""

import pytest

import servq
from servq.measures.focus import ipa, joint_verdicts

INST = servq.load_instrument("servqual")  # scale 1-7
DIMS = ["tangibles", "reliability", "responsiveness", "assurance", "empathy"]


def stat(mean, low=None, high=None):
    return {"mean": mean, "sd": 1.0, "n": 40, "ci_low": low, "ci_high": high}


def results(perception, *, gap=None, stated=None, derived=None, better=None):
    """Dimensions with (mean, low, high) triples; ``derived`` as (share, low, high) or share."""
    dims = []
    for i, d in enumerate(DIMS):
        entry = {"id": d, "label": d.title(), "n": 40, "better": (better or {}).get(d, "higher"),
                 "perception": stat(*perception[i])}
        if gap:
            entry["gap"] = stat(*gap[i])
        if stated:
            entry["importance"] = stat(*stated[i])
        dims.append(entry)
    drivers = None
    if derived:
        predictors = []
        for d, w in zip(DIMS, derived):
            share, low, high = w if isinstance(w, tuple) else (w, None, None)
            p = {"id": d, "relative_weight_pct": share}
            if low is not None:
                p.update(relative_weight_pct_low=low, relative_weight_pct_high=high)
            predictors.append(p)
        drivers = {"outcomes": [{"outcome": "overall_satisfaction", "predictors": predictors}]}
    return {"dimensions": dims, "drivers": drivers}


def near(block):
    return {p["id"]: p["near"] for p in block["points"]}


# perception means 6.0, 4.0, 4.5, 5.5, 5.0: mean crosshair (6 + 4 + 4.5 + 5.5 + 5) / 5 = 5.0
PERCEPTION = [(6.0, 5.6, 6.4), (4.0, 3.7, 4.3), (4.5, 4.2, 5.0), (5.5, 5.1, 5.9), (5.0, 4.9, 5.1)]
# stated means 10, 30, 25, 20, 15: mean crosshair 100 / 5 = 20
STATED = [(10, 8, 12), (30, 26, 34), (25, 21, 29), (20, 17, 23), (15, 12, 18)]


def test_stated_importance_and_perception_straddling_and_clear():
    block, notes = ipa(results(PERCEPTION, stated=STATED), INST)
    assert (block["importance_cross"], block["performance_cross"]) == (20.0, 5.0)
    assert (block["importance_interval"], block["performance_interval"]) == ("t", "t")
    assert near(block) == {
        "tangibles": [],                    # [8, 12] and [5.6, 6.4]: both clear
        "reliability": [],                  # [26, 34] and [3.7, 4.3]
        "responsiveness": ["performance"],  # [4.2, 5.0] ends at 5.0: the end counts
        "assurance": ["importance"],        # [17, 23] contains 20
        "empathy": ["performance"],         # [4.9, 5.1] contains 5.0
    }
    assert [p["id"] for p in block["points"] if p["near_line"]] == ["responsiveness", "assurance", "empathy"]
    point = block["points"][3]
    assert (point["importance_low"], point["importance_high"], point["performance_low"], point["performance_high"]) \
        == (17, 23, 5.1, 5.9)
    assert {f["id"]: (f["near_line"], f["near"]) for f in block["focus"]}["assurance"] == (True, ["importance"])
    assert notes == []


def test_the_quadrant_is_qualified_never_changed():
    bare = [(m, None, None) for m, _, _ in PERCEPTION]
    without, _ = ipa(results(bare, stated=[(m, None, None) for m, _, _ in STATED]), INST)
    with_, _ = ipa(results(PERCEPTION, stated=STATED), INST)
    assert [p["quadrant"] for p in with_["points"]] == [p["quadrant"] for p in without["points"]]
    assert [f["id"] for f in with_["focus"]] == [f["id"] for f in without["focus"]]
    assert not any(p["near_line"] for p in without["points"])
    assert (without["importance_interval"], without["performance_interval"]) == (None, None)


def test_derived_importance_with_bootstrap_bounds_against_exactly_100_over_k():
    # shares 12.3 + 31.7 + 22.9 + 19.4 + 13.7 = 100: the cut-off is 100 / 5 = 20 exactly
    # (the floating-point mean of the five is 20.000000000000004, which would miss assurance)
    shares = [(12.3, 8.0, 16.9), (31.7, 25.2, 38.0), (22.9, 19.5, 26.6), (19.4, 15.2, 20.0), (13.7, 9.9, 17.5)]
    block, _ = ipa(results(PERCEPTION, derived=shares), INST)
    assert block["importance"] == "derived" and block["importance_interval"] == "bootstrap"
    assert block["importance_cross"] == 20.0
    importance_near = {i for i, axes in near(block).items() if "importance" in axes}
    assert importance_near == {"responsiveness", "assurance"}  # [19.5, 26.6] and [15.2, 20.0] contain 20
    quadrants = {p["id"]: p["quadrant"] for p in block["points"]}
    assert quadrants["assurance"] == "possible_overkill"  # 19.4 < 20 (low), 5.5 >= 5.0: kept, qualified
    assert near(block)["empathy"] == ["performance"]       # performance still counts: [4.9, 5.1]


def test_derived_importance_without_boot_has_no_importance_interval():
    block, _ = ipa(results(PERCEPTION, derived=[10, 40, 25, 15, 10]), INST)
    assert (block["importance_interval"], block["performance_interval"]) == (None, "t")
    assert all(p["importance_low"] is None and p["importance_high"] is None for p in block["points"])
    assert {i for i, axes in near(block).items() if axes} == {"responsiveness", "empathy"}
    assert all(axes in ([], ["performance"]) for axes in near(block).values())


def test_median_crosshair_is_compared_as_computed():
    # stated 10, 30, 25, 20, 15: median 20; perception median 5.0
    block, _ = ipa(results(PERCEPTION, stated=[(10, 8, 12), (30, 26, 34), (25, 19, 31), (20, 19, 21), (15, 12, 18)]),
                   INST, crosshair="median")
    assert block["importance_cross"] == 20.0
    assert {i for i, axes in near(block).items() if "importance" in axes} == {"responsiveness", "assurance"}


def test_gap_performance_and_a_cost_dimension_turned_round():
    # midpoint crosshair: gap 0, importance 100 / 5 = 20
    gaps = [(-0.2, -0.45, 0.05), (-1.4, -1.7, -1.1), (0.2, -0.05, 0.45), (-0.4, -0.7, -0.1), (-0.3, -0.5, 0.1)]
    block, _ = ipa(results(PERCEPTION, gap=gaps, stated=STATED, better={"empathy": "lower"}), INST,
                   performance="gap", crosshair="midpoint")
    assert block["performance_cross"] == 0.0
    empathy = block["points"][4]
    # a cost counts as −gap: 0.3 with [−0.1, 0.5], which contains 0
    assert (empathy["performance"], empathy["performance_low"], empathy["performance_high"]) == \
        pytest.approx((0.3, -0.1, 0.5))
    assert near(block) == {"tangibles": ["performance"], "reliability": [], "responsiveness": ["performance"],
                           "assurance": ["importance"], "empathy": ["performance"]}


def test_perception_of_a_cost_dimension_turned_round():
    # 1-7 scale: 3.0 [2.5, 3.5] counts as 8 − 3 = 5.0 with [4.5, 5.5]
    perception = [*PERCEPTION[:4], (3.0, 2.5, 3.5)]
    block, _ = ipa(results(perception, stated=STATED, better={"empathy": "lower"}), INST)
    empathy = block["points"][4]
    assert (empathy["performance"], empathy["performance_low"], empathy["performance_high"]) == (5.0, 4.5, 5.5)
    assert empathy["near"] == ["performance"]  # the mean crosshair is again 5.0


def point(i, importance, performance, quadrant="low_priority"):
    (imp, imp_low, imp_high), (perf, perf_low, perf_high) = importance, performance
    return {"id": i, "label": i, "importance": imp, "importance_low": imp_low, "importance_high": imp_high,
            "performance": perf, "performance_low": perf_low, "performance_high": perf_high, "quadrant": quadrant,
            "near_line": False, "near": []}


def test_joint_verdicts_judge_the_group_point_not_its_members():
    block = {"importance_cross": 20.0, "performance_cross": 5.0, "focus": [], "points": [
        point("a", (12, 9, 15), (4.6, 4.3, 4.9)),
        # b alone: performance [4.5, 5.05] contains 5, yet the group's does not
        {**point("b", (10, 8, 13), (4.8, 4.5, 5.05)), "near_line": True, "near": ["performance"]},
        point("c", (40, 35, 45), (6.0, 5.8, 6.2), "keep_up_the_good_work"),
        # d alone: importance [15, 21] contains 20, yet the group's does not
        {**point("d", (18, 15, 21), (6.2, 6.0, 6.4), "possible_overkill"), "near_line": True, "near": ["importance"]},
        point("e", (20, None, None), (3.0, 2.8, 3.2), "concentrate_here"),
    ]}
    out = joint_verdicts(block, [{"a": "a", "b": "b"}, {"a": "c", "b": "d"}])
    verdict = {p["id"]: (p["quadrant"], p["near_line"], p["near"]) for p in out["points"]}
    # a + b: importance 22 with [9 + 8, 15 + 13] = [17, 28], containing 20; performance 4.7 with
    # [(4.3 + 4.5) / 2, (4.9 + 5.05) / 2] = [4.4, 4.975], not containing 5
    assert verdict["a"] == verdict["b"] == ("concentrate_here", True, ["importance"])
    # c + d: importance 58 with [50, 66]; performance 6.1 with [5.9, 6.3]: clear of both lines
    assert verdict["c"] == verdict["d"] == ("keep_up_the_good_work", False, [])
    assert verdict["e"] == ("concentrate_here", False, [])  # alone: unchanged
    # members keep their own point and interval
    assert [(p["importance"], p["importance_low"]) for p in out["points"][:2]] == [(12, 9), (10, 8)]
    assert {f["id"]: f["near"] for f in out["focus"]}["b"] == ["importance"]


def test_a_group_member_without_an_interval_leaves_that_axis_unknown():
    block = {"importance_cross": 20.0, "performance_cross": 5.0, "focus": [], "points": [
        point("a", (12, None, None), (4.9, 4.7, 5.1)), point("b", (10, 8, 13), (5.0, 4.8, 5.2))]}
    out = joint_verdicts(block, [{"a": "a", "b": "b"}])
    # importance 22: b's interval alone says nothing of the sum; performance 4.95 with [4.75, 5.15]
    assert [p["near"] for p in out["points"]] == [["performance"], ["performance"]]


def test_the_analysis_carries_the_intervals_it_already_has():
    res = servq.analyze(servq.simulate("servqual", 150, seed=3), "servqual", boot=30, seed=5).to_dict()
    dims = {d["id"]: d["perception"] for d in res["dimensions"]}
    shares = {p["id"]: p for p in next(o for o in res["drivers"]["outcomes"]
                                       if o["outcome"] == res["ipa"]["outcome"])["predictors"]}
    block = res["ipa"]
    assert (block["importance_interval"], block["performance_interval"]) == ("bootstrap", "t")
    cross = sum(d["mean"] for d in dims.values()) / 5
    assert (block["importance_cross"], block["performance_cross"]) == (20.0, pytest.approx(cross))
    for p in block["points"]:
        assert (p["performance_low"], p["performance_high"]) == (dims[p["id"]]["ci_low"], dims[p["id"]]["ci_high"])
        assert (p["importance_low"], p["importance_high"]) == \
            (shares[p["id"]]["relative_weight_pct_low"], shares[p["id"]]["relative_weight_pct_high"])
        if "together" not in p:
            crossing = {"importance": p["importance_low"] <= 20.0 <= p["importance_high"],
                        "performance": p["performance_low"] <= cross <= p["performance_high"]}
            assert p["near"] == [axis for axis, yes in crossing.items() if yes]
