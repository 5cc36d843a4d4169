"""Importance–performance analysis on hand-made results (values chosen so every rule shows)."""

import pytest

import servq
from servq.errors import UsageError
from servq.measures.focus import ipa

INST = servq.load_instrument("servqual")  # scale 1-7: midpoint 4


def stat(m):
    return {"mean": m, "sd": 1.0, "n": 10, "ci_low": m - 1, "ci_high": m + 1}


def results(perception, gap=None, stated=None, derived=None, better=None):
    dims = []
    for i, d in enumerate(["tangibles", "reliability", "responsiveness", "assurance", "empathy"]):
        entry = {"id": d, "label": d.title(), "n": 10, "better": (better or {}).get(d, "higher"),
                 "perception": stat(perception[i])}
        if gap:
            entry["gap"] = stat(gap[i])
        if stated:
            entry["importance"] = stat(stated[i])
        dims.append(entry)
    drivers = None
    if derived:
        drivers = {"outcomes": [{"outcome": "overall_satisfaction", "predictors": [
            {"id": d["id"], "relative_weight_pct": w} for d, w in zip(dims, derived)]}]}
    return {"dimensions": dims, "drivers": drivers}


def test_quadrants_and_focus_with_derived_importance_and_mean_crosshair():
    # importance mean = 20, performance mean = 5.0
    res, notes = ipa(results([6.0, 4.0, 4.5, 5.5, 5.0], derived=[10, 40, 25, 15, 10]), INST)
    assert (res["importance"], res["outcome"], res["importance_cross"], res["performance_cross"]) == \
        ("derived", "overall_satisfaction", 20.0, 5.0)
    quadrant = {p["id"]: p["quadrant"] for p in res["points"]}
    # empathy: importance 10 < 20, performance 5.0 >= 5.0 (at the crosshair counts as high)
    assert quadrant == {"tangibles": "possible_overkill", "reliability": "concentrate_here",
                        "responsiveness": "concentrate_here", "assurance": "possible_overkill",
                        "empathy": "possible_overkill"}
    # within a quadrant: more important first; equal importance (10): lower performance first
    assert [f["id"] for f in res["focus"]] == ["reliability", "responsiveness", "assurance", "empathy", "tangibles"]
    assert notes == []


def test_median_and_midpoint_crosshairs_and_stated_importance():
    base = results([6.0, 4.0, 4.5, 5.5, 3.0], stated=[10, 30, 25, 20, 15])
    med, _ = ipa(base, INST, crosshair="median")
    assert (med["importance"], med["importance_cross"], med["performance_cross"]) == ("stated", 20.0, 4.5)
    mid, _ = ipa(base, INST, crosshair="midpoint")
    assert (mid["importance_cross"], mid["performance_cross"]) == (20.0, 4.0)  # 100/5 and the scale midpoint
    quadrant = {p["id"]: p["quadrant"] for p in mid["points"]}
    assert quadrant["empathy"] == "low_priority" and quadrant["reliability"] == "keep_up_the_good_work"


def test_gap_performance_and_costs_counted_against():
    res, _ = ipa(results([5, 5, 5, 5, 5], gap=[-0.2, -1.4, -1.0, -0.4, 0.5], stated=[10, 30, 25, 20, 15],
                         better={"empathy": "lower"}), INST, performance="gap", crosshair="midpoint")
    perf = {p["id"]: p["performance"] for p in res["points"]}
    assert perf["empathy"] == -0.5 and res["performance_cross"] == 0.0
    # assurance: importance 20 is at the crosshair (high), gap -0.4 below 0
    assert {p["id"] for p in res["points"] if p["quadrant"] == "concentrate_here"} == \
        {"reliability", "responsiveness", "assurance"}


def test_missing_importance_is_explained_only_when_asked():
    plain = results([5, 4, 6, 5, 5])
    assert ipa(plain, INST) == (None, [])
    res, notes = ipa(plain, INST, importance="stated")
    assert res is None and "W_<dimension>" in notes[0]


def test_analyze_option_errors():
    with pytest.raises(UsageError, match="ipa_crosshair must be one of mean, median, midpoint"):
        servq.analyze(servq.simulate("servqual", 50, seed=1), "servqual", ipa_crosshair="average")
