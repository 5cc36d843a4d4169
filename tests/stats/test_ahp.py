"""AHP against hand computation: consistent matrices built from known weights, the closed
form for 3 × 3 reciprocal matrices, and an independent power iteration."""

import json

import numpy as np
import pandas as pd
import pytest

from servq.stats.ahp import (
    CR_THRESHOLD,
    RANDOM_INDEX,
    AHPError,
    InconsistentJudgementsError,
    ahp,
    reciprocal_matrix,
)


def _from_weights(w):
    w = np.asarray(w, dtype=float)
    return w[:, None] / w[None, :]


def _power_iteration(a, steps=2000):
    """Independent reference: x <- A x / sum(A x); lambda = mean((A x)_i / x_i)."""
    x = np.ones(a.shape[0])
    for _ in range(steps):
        x = a @ x
        x = x / x.sum()
    return x, float(np.mean((a @ x) / x))


def test_random_index_is_saatys_table():
    assert RANDOM_INDEX == (0, 0, .58, .90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49, 1.51)
    assert CR_THRESHOLD == 0.10


@pytest.mark.parametrize("w", [[0.5, 0.3, 0.2], [0.1, 0.2, 0.3, 0.15, 0.25], [0.7, 0.3]])
def test_consistent_matrix_recovers_weights(w):
    r = ahp(_from_weights(w))
    np.testing.assert_allclose(r.weights.to_numpy(), w, atol=1e-12)
    assert r.lambda_max == pytest.approx(len(w), abs=1e-10)
    assert r.ci == pytest.approx(0, abs=1e-10)
    assert r.cr == pytest.approx(0, abs=1e-10)
    assert r.consistent and r.most_inconsistent is None


def test_three_by_three_closed_form():
    # For a 3x3 reciprocal matrix the principal eigenvector is the row geometric mean and
    # lambda_max = 1 + (a13/(a12 a23))^(1/3) + (a12 a23/a13)^(1/3).
    # Rows: (1*3*5)^(1/3) = 2.466212, (1/3*1*3)^(1/3) = 1, (1/5*1/3*1)^(1/3) = 0.405480;
    # sum 3.871692 -> w = 0.636986, 0.258285, 0.104729.
    # lambda = 1 + (5/9)^(1/3) + (9/5)^(1/3) = 1 + 0.822071 + 1.216440 = 3.038511
    # CI = 0.038511/2 = 0.019256; CR = 0.019256/0.58 = 0.033200
    a = [[1, 3, 5], [1 / 3, 1, 3], [1 / 5, 1 / 3, 1]]
    r = ahp(a, labels=["price", "staff", "speed"])
    np.testing.assert_allclose(r.weights.to_numpy(), [0.636986, 0.258285, 0.104729], atol=1e-6)
    assert list(r.weights.index) == ["price", "staff", "speed"]
    assert r.lambda_max == pytest.approx(3.038511, abs=1e-6)
    assert r.ci == pytest.approx(0.019256, abs=1e-6)
    assert r.ri == 0.58
    assert r.cr == pytest.approx(0.033200, abs=1e-6)
    assert r.consistent and r.most_inconsistent is None


def test_circular_judgements_are_inconsistent():
    # a12 = 3, a23 = 3 but a13 = 1/3: geometric means all 1 -> w = 1/3 each;
    # lambda = 1 + (1/27)^(1/3)... = 1 + 1/3 + 3 = 13/3; CI = (13/3 - 3)/2 = 2/3;
    # CR = (2/3)/0.58 = 1.149425. All three judgements deviate by |log 3| -> first, (a, b).
    r = ahp([[1, 3, 1 / 3], [1 / 3, 1, 3], [3, 1 / 3, 1]], labels=["a", "b", "c"])
    np.testing.assert_allclose(r.weights.to_numpy(), [1 / 3] * 3, atol=1e-12)
    assert r.lambda_max == pytest.approx(13 / 3, abs=1e-10)
    assert r.ci == pytest.approx(2 / 3, abs=1e-10)
    assert r.cr == pytest.approx(1.149425, abs=1e-6)
    assert not r.consistent
    mi = r.most_inconsistent
    assert (mi.row, mi.column, mi.given) == ("a", "b", 3.0)
    assert mi.implied == pytest.approx(1.0)


def test_perturbed_judgement_is_named_and_matches_power_iteration():
    # consistent from w = (.4, .3, .2, .1) except a14 = 1/4 instead of 4
    a = _from_weights([0.4, 0.3, 0.2, 0.1])
    a[0, 3], a[3, 0] = 0.25, 4.0
    w_ref, lam_ref = _power_iteration(a)
    r = ahp(a, labels=["tangibles", "reliability", "responsiveness", "empathy"])
    np.testing.assert_allclose(r.weights.to_numpy(), w_ref, atol=1e-10)
    assert r.lambda_max == pytest.approx(lam_ref, abs=1e-10)
    assert r.cr == pytest.approx((lam_ref - 4) / 3 / 0.90, abs=1e-10)
    assert r.cr >= 0.10 and not r.consistent
    mi = r.most_inconsistent
    assert (mi.row, mi.column, mi.given) == ("tangibles", "empathy", 0.25)
    # the criterion: the largest |log(a_ij w_j / w_i)| above the diagonal
    dev = np.abs(np.log(a * w_ref[None, :] / w_ref[:, None]))[np.triu_indices(4, 1)]
    assert dev.argmax() == 2  # (0, 3) is the third cell of the upper triangle
    assert mi.implied == pytest.approx(w_ref[0] / w_ref[3])


def test_random_positive_reciprocal_matches_power_iteration():
    rng = np.random.default_rng(7)
    upper = rng.choice([1 / 9, 1 / 5, 1 / 3, 1, 2, 3, 5, 7, 9], size=28)
    a = reciprocal_matrix(upper)
    w_ref, lam_ref = _power_iteration(a)
    r = ahp(a)
    np.testing.assert_allclose(r.weights.to_numpy(), w_ref, atol=1e-10)
    assert r.lambda_max == pytest.approx(lam_ref, abs=1e-8)
    assert r.cr == pytest.approx((lam_ref - 8) / 7 / 1.41, abs=1e-8)
    assert r.labels == tuple(f"c{i}" for i in range(1, 9))


def test_strict_refuses_inconsistent_and_names_the_judgement():
    a = [[1, 3, 1 / 3], [1 / 3, 1, 3], [3, 1 / 3, 1]]
    with pytest.raises(InconsistentJudgementsError, match=r"CR = 1\.149.*a vs b: judged 3") as e:
        ahp(a, labels=["a", "b", "c"], strict=True)
    assert isinstance(e.value, ValueError)
    assert e.value.result.most_inconsistent.row == "a"
    assert ahp(_from_weights([0.5, 0.5]), strict=True).consistent


def test_small_matrices_and_dataframe_labels():
    one = ahp([[1.0]])
    assert one.weights.tolist() == [1.0] and one.cr == 0 and one.consistent
    two = ahp(pd.DataFrame([[1, 9], [1 / 9, 1]], index=["x", "y"], columns=["x", "y"]))
    np.testing.assert_allclose(two.weights.to_numpy(), [0.9, 0.1])
    assert two.cr == 0 and two.labels == ("x", "y")


def test_rounded_reciprocals_within_tolerance():
    r = ahp([[1, 3, 7], [0.333, 1, 3], [0.143, 0.333, 1]])
    assert r.consistent


def test_reciprocal_matrix():
    np.testing.assert_allclose(reciprocal_matrix([2, 4, 2]),
                               [[1, 2, 4], [0.5, 1, 2], [0.25, 0.5, 1]])
    with pytest.raises(AHPError, match="do not fill a square"):
        reciprocal_matrix([1, 2])
    with pytest.raises(AHPError, match="size 4"):
        reciprocal_matrix([1, 2, 3], n=4)
    with pytest.raises(AHPError, match="positive"):
        reciprocal_matrix([1, 0, 3])


@pytest.mark.parametrize("matrix, message", [
    ([[1, 2, 3], [0.5, 1, 2]], "must be square"),
    ([1, 2, 3], "must be square"),
    ([[1, -2], [-0.5, 1]], r"cell \(c1, c2\) = -2.0: judgements must be positive"),
    ([[1, 0], [0, 1]], r"cell \(c1, c2\) = 0.0"),
    ([[1, np.nan], [1, 1]], r"cell \(c1, c2\) = nan"),
    ([[2, 2], [0.5, 1]], r"cell \(c1, c1\) = 2.0: the diagonal must be 1"),
    ([[1, 3, 5], [1 / 3, 1, 3], [1 / 5, 3, 1]], r"cell \(c2, c3\) = 3 but \(c3, c2\) = 3"),
    (np.ones((12, 12)), "at most 11"),
    ([["a", "b"], ["c", "d"]], "not numeric"),
])
def test_bad_matrices(matrix, message):
    with pytest.raises(AHPError, match=message):
        ahp(matrix)


def test_bad_labels():
    with pytest.raises(AHPError, match="need 2 distinct labels"):
        ahp([[1, 2], [0.5, 1]], labels=["a"])
    with pytest.raises(AHPError, match="need 2 distinct labels"):
        ahp([[1, 2], [0.5, 1]], labels=["a", "a"])
    with pytest.raises(AHPError, match="row labels must equal"):
        ahp(pd.DataFrame([[1, 2], [0.5, 1]], index=["a", "b"], columns=["b", "a"]))


def test_to_frame_and_to_dict():
    r = ahp([[1, 3, 1 / 3], [1 / 3, 1, 3], [3, 1 / 3, 1]], labels=["a", "b", "c"])
    d = json.loads(json.dumps(r.to_dict()))
    assert d["consistent"] is False and d["threshold"] == 0.10
    assert d["most_inconsistent"] == {"row": "a", "column": "b", "given": 3.0,
                                      "implied": pytest.approx(1.0)}
    assert d["weights"] == pytest.approx({"a": 1 / 3, "b": 1 / 3, "c": 1 / 3})
    f = ahp([[1, 3, 5], [1 / 3, 1, 3], [1 / 5, 1 / 3, 1]]).to_frame()
    assert f["rank"].tolist() == [1, 2, 3] and f.index.name == "criterion"
    assert ahp(_from_weights([0.5, 0.5])).to_dict()["most_inconsistent"] is None
