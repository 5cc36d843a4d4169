"""Fuzzy comprehensive evaluation against small hand-computed examples."""

import json

import numpy as np
import pandas as pd
import pytest

from servq.stats.ahp import ahp
from servq.stats.fuzzy import (
    FuzzyError,
    answer_counts,
    fuzzy_evaluate,
    fuzzy_hierarchy,
    membership,
)

GRADES = ["poor", "fair", "good", "excellent"]
VALUES = [40, 60, 80, 100]


def test_answer_counts_and_membership():
    data = pd.DataFrame({"q1": [1, 2, 2, 3, np.nan], "q2": [4, 4, 3, 3, 3]})
    counts = answer_counts(data, [1, 2, 3, 4])
    # q1: one 1, two 2s, one 3 (NaN ignored); q2: three 3s, two 4s
    assert counts.to_numpy().tolist() == [[1, 2, 1, 0], [0, 0, 3, 2]]
    r = membership(counts, grades=GRADES)
    # q1: 1/4, 2/4, 1/4, 0; q2: 0, 0, 3/5, 2/5
    np.testing.assert_allclose(r.to_numpy(), [[0.25, 0.5, 0.25, 0], [0, 0, 0.6, 0.4]])
    assert list(r.index) == ["q1", "q2"] and list(r.columns) == GRADES


def test_counts_are_additive_over_chunks():
    data = pd.DataFrame({"q1": [1, 2, 2, 3, 3, 3], "q2": [4, 4, 3, 3, 1, 2]})
    whole = answer_counts(data, [1, 2, 3, 4])
    merged = answer_counts(data.iloc[:2], [1, 2, 3, 4]) + answer_counts(data.iloc[2:], [1, 2, 3, 4])
    pd.testing.assert_frame_equal(whole, merged)


def test_weighted_average_by_hand():
    w = [0.5, 0.3, 0.2]
    R = [[0.1, 0.2, 0.3, 0.4],
         [0.0, 0.5, 0.5, 0.0],
         [0.2, 0.2, 0.2, 0.4]]
    # b1 = .5*.1 + .3*0 + .2*.2 = .05 + 0 + .04 = .09
    # b2 = .5*.2 + .3*.5 + .2*.2 = .10 + .15 + .04 = .29
    # b3 = .5*.3 + .3*.5 + .2*.2 = .15 + .15 + .04 = .34
    # b4 = .5*.4 + .3*0 + .2*.4 = .20 + 0 + .08 = .28   (sum 1, already normalised)
    # score = .09*40 + .29*60 + .34*80 + .28*100 = 3.6 + 17.4 + 27.2 + 28 = 76.2
    r = fuzzy_evaluate(w, R, grades=GRADES, grade_values=VALUES)
    np.testing.assert_allclose(r.b.to_numpy(), [0.09, 0.29, 0.34, 0.28], atol=1e-12)
    assert r.grade == "good"
    assert r.score == pytest.approx(76.2)
    assert r.operator == "weighted_average"


def test_min_max_by_hand():
    w = [0.5, 0.3, 0.2]
    R = [[0.1, 0.2, 0.3, 0.4],
         [0.0, 0.5, 0.5, 0.0],
         [0.2, 0.2, 0.2, 0.4]]
    # b1 = max(min(.5,.1), min(.3,0), min(.2,.2)) = max(.1, 0, .2) = .2
    # b2 = max(min(.5,.2), min(.3,.5), min(.2,.2)) = max(.2, .3, .2) = .3
    # b3 = max(min(.5,.3), min(.3,.5), min(.2,.2)) = max(.3, .3, .2) = .3
    # b4 = max(min(.5,.4), min(.3,0), min(.2,.4)) = max(.4, 0, .2) = .4
    # sum 1.2 -> B = (1/6, 1/4, 1/4, 1/3); grade excellent
    # score = 40/6 + 60/4 + 80/4 + 100/3 = 6.667 + 15 + 20 + 33.333 = 75
    r = fuzzy_evaluate(w, R, operator="min_max", grades=GRADES, grade_values=VALUES)
    np.testing.assert_allclose(r.b.to_numpy(), [1 / 6, 1 / 4, 1 / 4, 1 / 3], atol=1e-12)
    assert r.grade == "excellent"
    assert r.score == pytest.approx(75.0)


def test_grade_tie_takes_first_and_no_score_without_values():
    # b = .5*(.5,.5) + .5*(.5,.5) = (.5, .5): tie -> the first grade
    r = fuzzy_evaluate([0.5, 0.5], [[0.5, 0.5], [0.5, 0.5]])
    assert r.grade == "g1" and r.score is None
    assert r.to_dict() == {"grades": ["g1", "g2"], "b": [0.5, 0.5], "grade": "g1",
                           "score": None, "operator": "weighted_average"}


def test_weights_by_name_and_dataframe_R():
    R = pd.DataFrame([[0.0, 1.0], [1.0, 0.0]], index=["speed", "staff"], columns=["bad", "good"])
    # weights matched by name: speed .8, staff .2 -> B = (.2, .8)
    r = fuzzy_evaluate({"staff": 0.2, "speed": 0.8}, R)
    np.testing.assert_allclose(r.b.to_numpy(), [0.2, 0.8])
    assert r.grade == "good" and r.to_frame().index.tolist() == ["bad", "good"]


def _tree():
    return {"name": "overall", "weights": [0.6, 0.4], "children": [
        {"name": "network", "weights": {"coverage": 0.5, "speed": 0.5}, "children": [
            {"name": "coverage", "membership": [0.2, 0.5, 0.3]},
            {"name": "speed", "counts": [0, 4, 4]}]},
        {"name": "staff", "membership": [0.1, 0.3, 0.6]}]}


def test_hierarchy_weighted_average_by_hand():
    h = fuzzy_hierarchy(_tree(), grade_values=[60, 80, 100], grades=["poor", "fair", "good"])
    f = h.to_frame()
    assert list(f.index) == ["overall", "overall/network", "overall/network/coverage",
                             "overall/network/speed", "overall/staff"]
    # speed = counts (0, 4, 4)/8 = (0, .5, .5)
    # network = .5*(.2,.5,.3) + .5*(0,.5,.5) = (.1, .5, .4); score 6 + 40 + 40 = 86
    # overall = .6*(.1,.5,.4) + .4*(.1,.3,.6) = (.06+.04, .30+.12, .24+.24) = (.1, .42, .48)
    # overall score = 6 + 33.6 + 48 = 87.6; staff score = 6 + 24 + 60 = 90
    np.testing.assert_allclose(h.overall.b, [0.1, 0.42, 0.48], atol=1e-12)
    assert h.overall.score == pytest.approx(87.6) and h.overall.grade == "good"
    assert f.loc["overall/network", ["b_poor", "b_fair", "b_good"]].tolist() == \
        pytest.approx([0.1, 0.5, 0.4])
    assert f.loc["overall/network", "grade"] == "fair"
    # global weights: network .6, coverage .6*.5 = .3, speed .3, staff .4
    assert f["global_weight"].tolist() == pytest.approx([1, 0.6, 0.3, 0.3, 0.4])
    # contributions: network .6*86 = 51.6, staff .4*90 = 36; 51.6 + 36 = 87.6
    assert f.loc["overall/network", "contribution"] == pytest.approx(51.6)
    assert f.loc["overall/staff", "contribution"] == pytest.approx(36.0)
    leaves = f[f["leaf"]]
    # leaf contributions: coverage .3*(12+40+30)=24.6, speed .3*90=27, staff 36 -> 87.6
    assert leaves["contribution"].sum() == pytest.approx(87.6)
    assert f["depth"].tolist() == [0, 1, 2, 2, 1]
    json.dumps(h.to_dict())


def test_hierarchy_min_max_by_hand():
    h = fuzzy_hierarchy(_tree(), operator="min_max")
    # network: max(min(.5,.2),min(.5,0))=.2, max(min(.5,.5),min(.5,.5))=.5,
    #          max(min(.5,.3),min(.5,.5))=.5 -> (.2,.5,.5)/1.2 = (1/6, 5/12, 5/12)
    # overall: max(min(.6,1/6),min(.4,.1))=1/6, max(min(.6,5/12),min(.4,.3))=5/12,
    #          max(min(.6,5/12),min(.4,.6))=5/12 -> sum 1 -> (1/6, 5/12, 5/12)
    np.testing.assert_allclose(h.nodes[1].b, [1 / 6, 5 / 12, 5 / 12], atol=1e-12)
    np.testing.assert_allclose(h.overall.b, [1 / 6, 5 / 12, 5 / 12], atol=1e-12)
    assert h.overall.grade == "g2"  # tie between g2 and g3: the first
    assert h.overall.score is None and h.overall.contribution is None


def test_hierarchy_with_ahp_weights():
    a = ahp([[1, 3], [1 / 3, 1]], labels=["network", "staff"])
    tree = {"name": "overall", "weights": a.weights, "children": [
        {"name": "staff", "membership": [0, 1]}, {"name": "network", "membership": [1, 0]}]}
    # network .75, staff .25 -> B = (.75, .25)
    np.testing.assert_allclose(fuzzy_hierarchy(tree).overall.b, [0.75, 0.25])


@pytest.mark.parametrize("kwargs, message", [
    ({"weights": [0.5, 0.6], "R": [[1, 0], [0, 1]]}, "sum to 1, they sum to 1.1"),
    ({"weights": [1.5, -0.5], "R": [[1, 0], [0, 1]]}, "non-negative"),
    ({"weights": [1.0], "R": [[1, 0], [0, 1]]}, "1 weights for 2 rows"),
    ({"weights": [0.5, 0.5], "R": [[0.5, 0.6], [0, 1]]}, "row 0 sums to 1.1"),
    ({"weights": [0.5, 0.5], "R": [[1.5, -0.5], [0, 1]]}, "grade 'g2' = -0.5"),
    ({"weights": [0.5, 0.5], "R": [[1, 0], [0, 1]], "operator": "max"}, "operator must be one of"),
    ({"weights": [0.5, 0.5], "R": [[1, 0], [0, 1]], "grade_values": [1]}, "need 2 finite grade values"),
    ({"weights": [0.5, 0.5], "R": [[1, 0], [0, 1]], "grades": ["a"]}, "1 grades for 2 columns"),
    ({"weights": {"x": 1.0}, "R": [[1, 0]]}, r"weights are given for \['x'\] but the rows are \[0\]"),
])
def test_evaluate_errors(kwargs, message):
    with pytest.raises(FuzzyError, match=message):
        fuzzy_evaluate(**kwargs)


def test_membership_and_count_errors():
    with pytest.raises(FuzzyError, match="indicator 'q2' has no answers"):
        membership([[1, 2], [0, 0]], indicators=["q1", "q2"])
    with pytest.raises(FuzzyError, match="must be a non-negative number"):
        membership([[1, -2]])
    with pytest.raises(FuzzyError, match="column 'q1', row 1: value 7"):
        answer_counts(pd.DataFrame({"q1": [1, 7]}), [1, 2, 3])


@pytest.mark.parametrize("tree, message", [
    ({"name": "x", "children": [{"name": "a", "membership": [1, 0]}]}, "x: .* needs 'weights'"),
    ({"name": "x", "weights": [0.5, 0.5], "children": [
        {"name": "a", "membership": [1, 0]}, {"name": "a", "membership": [1, 0]}]},
     "distinct names"),
    ({"name": "x", "weights": [1.0], "children": [{"name": "a"}]}, "x/a: a node needs"),
    ({"weights": [1.0]}, "mapping with a 'name'"),
    ({"name": "x", "weights": [0.5, 0.5], "children": [
        {"name": "a", "membership": [1, 0]}, {"name": "b", "membership": [1, 0, 0]}]},
     "different grades"),
    ({"name": "x", "weights": [1.0], "children": [{"name": "a", "membership": [0.5, 0.4]}]},
     "'x/a' sums to 0.9"),
])
def test_hierarchy_errors(tree, message):
    with pytest.raises(FuzzyError, match=message):
        fuzzy_hierarchy(tree)
