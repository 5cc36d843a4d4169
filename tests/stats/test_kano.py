"""Kano classification: every cell of the evaluation table, a hand-counted feature,
Better/Worse by hand, the tie rule, missing answers and errors."""

import json

import numpy as np
import pandas as pd
import pytest

from servq.stats.kano import (
    KANO_TABLE,
    KanoError,
    kano_category,
    kano_classify,
    kano_summary,
)

# Berger et al. (1993): functional answer (row) x dysfunctional answer (column), written out
# cell by cell: 1 like, 2 must-be, 3 neutral, 4 live with, 5 dislike.
EXPECTED = {
    (1, 1): "Q", (1, 2): "A", (1, 3): "A", (1, 4): "A", (1, 5): "O",
    (2, 1): "R", (2, 2): "I", (2, 3): "I", (2, 4): "I", (2, 5): "M",
    (3, 1): "R", (3, 2): "I", (3, 3): "I", (3, 4): "I", (3, 5): "M",
    (4, 1): "R", (4, 2): "I", (4, 3): "I", (4, 4): "I", (4, 5): "M",
    (5, 1): "R", (5, 2): "R", (5, 3): "R", (5, 4): "R", (5, 5): "Q",
}


@pytest.mark.parametrize("pair, category", sorted(EXPECTED.items()))
def test_every_cell_of_the_table(pair, category):
    f, d = pair
    assert kano_category(f, d) == category
    assert KANO_TABLE[f - 1][d - 1] == category
    k = kano_classify([f], [d])
    assert k.categories.iloc[0, 0] == category
    assert k.counts.loc["f1", category] == 1 and k.counts.to_numpy().sum() == 1


def test_hand_counted_feature():
    # 10 respondents on "mobile app":
    # (1,5) O, (1,5) O, (1,5) O, (1,3) A, (1,4) A, (2,5) M, (3,3) I, (4,4) I, (5,1) R, (1,1) Q
    f = [1, 1, 1, 1, 1, 2, 3, 4, 5, 1]
    d = [5, 5, 5, 3, 4, 5, 3, 4, 1, 1]
    k = kano_classify(f, d, features=["mobile app"])
    row = k.to_frame().loc["mobile app"]
    assert [row[c] for c in "AOMIRQ"] == [2, 3, 1, 2, 1, 1] and row["n"] == 10
    assert row["category"] == "O" and not row["tie"]
    # Better = (A + O)/(A + O + M + I) = 5/8 = .625; Worse = -(O + M)/8 = -4/8 = -.5
    assert row["better"] == pytest.approx(0.625)
    assert row["worse"] == pytest.approx(-0.5)
    assert k.categories["mobile app"].tolist() == list("OOOAAMIIRQ")


def test_better_worse_by_hand_from_counts():
    counts = pd.DataFrame({"A": [12, 0], "O": [3, 0], "M": [5, 9], "I": [10, 1], "R": [1, 0],
                           "Q": [2, 0]}, index=["parking", "queue"])
    k = kano_summary(counts)
    # parking: base 12+3+5+10 = 30; Better 15/30 = .5; Worse -(3+5)/30 = -.266667
    # queue: base 10; Better 0; Worse -9/10
    assert k.better.tolist() == pytest.approx([0.5, 0.0])
    assert k.worse.tolist() == pytest.approx([-8 / 30, -0.9])
    assert k.category.tolist() == ["A", "M"] and not k.tie.any()
    assert k.categories is None


@pytest.mark.parametrize("counts, winner", [
    ({"A": 4, "O": 4, "M": 4, "I": 4}, "M"),   # M > O > A > I
    ({"A": 4, "O": 4, "M": 1, "I": 4}, "O"),
    ({"A": 4, "O": 0, "M": 1, "I": 4}, "A"),
    ({"I": 3, "R": 3, "Q": 3}, "I"),
    ({"R": 2, "Q": 2}, "R"),
])
def test_ties_follow_m_o_a_i(counts, winner):
    full = {c: [counts.get(c, 0)] for c in "AOMIRQ"}
    k = kano_summary(pd.DataFrame(full, index=["x"]))
    assert k.category["x"] == winner and bool(k.tie["x"])


def test_missing_answers_are_not_counted_and_empty_feature():
    f = pd.DataFrame({"wifi": [1, np.nan, 3], "kiosk": [np.nan, np.nan, np.nan]})
    d = pd.DataFrame({"wifi": [5, 5, np.nan], "kiosk": [1, 2, 3]})
    k = kano_classify(f, d)
    assert k.counts.loc["wifi"].tolist() == [0, 1, 0, 0, 0, 0]
    assert k.categories["wifi"].tolist() == ["O", None, None]
    d_ = k.to_dict()
    assert d_["kiosk"] == {"n": 0, "counts": dict.fromkeys("AOMIRQ", 0), "category": None,
                           "tie": False, "better": None, "worse": None}
    assert d_["wifi"]["better"] == 1.0 and d_["wifi"]["worse"] == -1.0
    json.dumps(d_)


def test_counts_merge_over_segments():
    rng = np.random.default_rng(4)
    f = pd.DataFrame(rng.integers(1, 6, size=(60, 3)), columns=["a", "b", "c"])
    d = pd.DataFrame(rng.integers(1, 6, size=(60, 3)), columns=["a", "b", "c"])
    whole = kano_classify(f, d)
    merged = kano_summary(kano_classify(f[:25], d[:25]).counts + kano_classify(f[25:], d[25:]).counts)
    pd.testing.assert_frame_equal(whole.to_frame(), merged.to_frame())


@pytest.mark.parametrize("f, d, message", [
    ([[1, 6]], [[1, 1]], r"functional answer of respondent 0 to feature 'f2' is 6; answers are 1–5"),
    ([[1, 2]], [[2.5, 1]], r"dysfunctional answer of respondent 0 to feature 'f1' is 2.5"),
    ([[1, 2]], [[1, 2, 3]], "same features"),
    ([[[1]]], [[[1]]], "1-D or 2-D"),
])
def test_bad_answers(f, d, message):
    with pytest.raises(KanoError, match=message):
        kano_classify(f, d)


def test_other_errors():
    with pytest.raises(KanoError, match="not one of 1–5"):
        kano_category(0, 3)
    with pytest.raises(KanoError, match=r"missing \['Q'\]"):
        kano_summary(pd.DataFrame({c: [1] for c in "AOMIR"}))
    with pytest.raises(KanoError, match="whole numbers"):
        kano_summary(pd.DataFrame({c: [1.5] for c in "AOMIRQ"}))
    with pytest.raises(KanoError, match="3 feature names for 2 columns"):
        kano_classify([[1, 2]], [[1, 2]], features=["a", "b", "c"])
    with pytest.raises(KanoError, match="must be numbers"):
        kano_classify(pd.DataFrame({"a": ["x"]}), pd.DataFrame({"a": [1]}))
