"""The Kano part of an instrument: accumulated answer-pair counts and the ``kano`` block.

Every figure of tests/data/kano_mini.csv is worked out by hand below from the answer pairs
and the Kano evaluation table (Berger et al. 1993):

    functional \\ dysfunctional   1  2  3  4  5
    1 like                       Q  A  A  A  O
    2 must-be                    R  I  I  I  M
    3 neutral                    R  I  I  I  M
    4 live with                  R  I  I  I  M
    5 dislike                    R  R  R  R  Q
"""

import json
from pathlib import Path

import jsonschema
import numpy as np
import pandas as pd
import pytest

import servq
from servq.io.simulation import _KANO
from servq.measures.kano import KanoCounts
from servq.report import SCHEMA_PATH, to_json
from servq.stats.kano import CATEGORIES, kano_classify

DATA = Path(__file__).parents[1] / "data"
CSV, INST = DATA / "kano_mini.csv", DATA / "kano_mini.yaml"
SCHEMA = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))

#          r1      r2      r3      r4      r5      r6        r7      r8      r9      r10
# sms      (1,3)A  (1,4)A  (1,5)O  (3,3)I  (1,2)A  (-,3)out  (5,1)R  (1,1)Q  (2,5)M  (1,3)A
# evening  (2,5)M  (3,5)M  (1,5)O  (4,5)M  (1,3)A  (2,2)I    (1,5)O  (1,5)O  (5,5)Q  (1,-)out
# branch   X       X       X       X       Y       Y         Y       Y       Z       Z


def counts(a=0, o=0, m=0, i=0, r=0, q=0):
    return {"A": a, "O": o, "M": m, "I": i, "R": r, "Q": q}


@pytest.fixture(scope="module")
def kano():
    return servq.analyze(CSV, INST, by="branch", min_n=2).data["kano"]


def test_counts_category_and_coefficients_by_hand(kano):
    sms, evening = kano["features"]
    assert (sms["id"], sms["label"], sms["dimension"]) == ("sms", "Queue ticket by SMS", "access")
    assert (sms["n"], sms["excluded"]) == (9, 1)  # r6 left the functional question blank
    assert sms["counts"] == counts(a=4, o=1, m=1, i=1, r=1, q=1)
    assert sms["shares"]["A"] == pytest.approx(4 / 9) and sms["shares"]["Q"] == pytest.approx(1 / 9)
    assert (sms["category"], sms["tie"], sms["tied"]) == ("A", False, [])
    # Better = (A + O) / (A + O + M + I) = 5/7; Worse = -(O + M) / 7 = -2/7
    assert sms["better"] == pytest.approx(5 / 7) and sms["worse"] == pytest.approx(-2 / 7)

    assert (evening["n"], evening["excluded"], evening["dimension"]) == (9, 1, None)
    assert evening["counts"] == counts(a=1, o=3, m=3, i=1, q=1)
    # M and O both 3: the rule M > O > A > I > R > Q makes it must-be
    assert (evening["category"], evening["tie"], evening["tied"]) == ("M", True, ["M", "O"])
    assert evening["better"] == pytest.approx(4 / 8) and evening["worse"] == pytest.approx(-6 / 8)


def test_answer_pair_table(kano):
    pairs = np.array(kano["features"][0]["pairs"])  # row = functional 1-5, column = dysfunctional 1-5
    expected = np.zeros((5, 5), dtype=int)
    for f, d in [(1, 3), (1, 4), (1, 5), (3, 3), (1, 2), (5, 1), (1, 1), (2, 5), (1, 3)]:
        expected[f - 1, d - 1] += 1
    assert (pairs == expected).all()
    assert kano["answers"]["1"] == "I like it that way" and kano["tie_order"] == ["M", "O", "A", "I", "R", "Q"]


def test_counts_per_segment_by_hand(kano):
    seg = kano["segments"]["branch"]
    assert list(seg) == ["X", "Y", "Z"]
    x = {f["id"]: f for f in seg["X"]["features"]}
    assert seg["X"]["n"] == 4 and x["sms"]["counts"] == counts(a=2, o=1, i=1)
    assert (x["sms"]["better"], x["sms"]["worse"]) == (pytest.approx(3 / 4), pytest.approx(-1 / 4))
    assert x["evening"]["counts"] == counts(o=1, m=3) and x["evening"]["worse"] == pytest.approx(-1.0)
    y = {f["id"]: f for f in seg["Y"]["features"]}
    # sms in Y: A, R, Q once each (r6 out): a three-way tie, A first in M > O > A > I > R > Q
    assert (y["sms"]["n"], y["sms"]["excluded"], y["sms"]["counts"]) == (3, 1, counts(a=1, r=1, q=1))
    assert (y["sms"]["category"], y["sms"]["tied"]) == ("A", ["A", "R", "Q"])
    assert (y["sms"]["better"], y["sms"]["worse"]) == (1.0, 0.0)
    assert (y["evening"]["counts"], y["evening"]["category"]) == (counts(a=1, o=2, i=1), "O")
    z = {f["id"]: f for f in seg["Z"]["features"]}
    assert (z["sms"]["category"], z["sms"]["tied"]) == ("M", ["M", "A"])
    # evening in Z: only r9 (Q) answered both; A + O + M + I = 0 leaves Better and Worse undefined
    assert (z["evening"]["n"], z["evening"]["category"], z["evening"]["better"], z["evening"]["worse"]) == \
        (1, "Q", None, None)


def test_small_segments_are_suppressed():
    seg = servq.analyze(CSV, INST, by="branch", min_n=3).data["kano"]["segments"]["branch"]
    assert seg["Z"] == {"n": 2, "suppressed": True}
    assert seg["X"]["suppressed"] is False


@pytest.mark.parametrize("chunk_size", [1, 3, 7])
def test_chunk_size_does_not_change_the_counts(kano, chunk_size):
    again = servq.analyze(CSV, INST, by="branch", min_n=2, chunk_size=chunk_size).data["kano"]
    assert again == kano


def test_results_follow_the_json_schema():
    data = json.loads(to_json(servq.analyze(CSV, INST, by="branch", min_n=2)))
    jsonschema.Draft202012Validator(SCHEMA).validate(data)
    assert json.loads(to_json(servq.analyze(CSV, INST)))["kano"]["segments"] == {}


def test_instruments_without_kano_have_a_null_block():
    table = servq.simulate("servperf", 60, seed=2)
    assert servq.analyze(table, "servperf").data["kano"] is None


def test_counts_merge_by_addition_whatever_the_groups_seen():
    one = KanoCounts.of(np.array([[[1]], [[5]]]), [np.zeros(1, dtype=np.int64)], 1)
    two = KanoCounts.of(np.array([[[1, 3]], [[5, 5]]]), [np.zeros(2, dtype=np.int64), np.array([1, -1])], 2)
    total = (one + two).counts
    assert total.shape == (2, 1, 26)
    assert total[0, 0, 4] == 2 and total[0, 0, 14] == 1  # (1, 5) twice, (3, 5) once
    assert total[1, 0].sum() == 1  # the second respondent of chunk two has no segment
    assert ((one + two).counts == (two + one).counts).all()


@pytest.fixture(scope="module")
def simulated():
    return servq.simulate("kano-retail-banking", 3000, seed=5)


def test_catalog_instrument_against_row_by_row_classification(simulated):
    """The accumulated counts equal kano_classify on the rows, overall and per channel."""
    res = servq.analyze(simulated, "kano-retail-banking", by="channel", chunk_size=700).data["kano"]
    frame = simulated.to_pandas()
    ids = [f["id"] for f in res["features"]]

    def reference(rows: pd.DataFrame):
        f = rows[[f"KF_{i}" for i in ids]].set_axis(ids, axis=1).astype(float)
        d = rows[[f"KD_{i}" for i in ids]].set_axis(ids, axis=1).astype(float)
        return kano_classify(f, d).to_frame()

    def check(features, ref):
        for feat in features:
            row = ref.loc[feat["id"]]
            assert feat["counts"] == {c: int(row[c]) for c in CATEGORIES}
            assert feat["category"] == row["category"]
            assert feat["better"] == pytest.approx(row["better"]) and feat["worse"] == pytest.approx(row["worse"])

    check(res["features"], reference(frame))
    for channel, seg in res["segments"]["channel"].items():
        check(seg["features"], reference(frame[frame["channel"] == channel]))
    blank = frame[[f"KF_{i}" for i in ids]].isna().to_numpy() | frame[[f"KD_{i}" for i in ids]].isna().to_numpy()
    assert [f["excluded"] for f in res["features"]] == blank.sum(axis=0).tolist()


def test_simulation_recovers_the_planted_mixtures():
    table = servq.simulate("kano-retail-banking", 40_000, seed=9, missing=0.0)
    res = servq.analyze(table, "kano-retail-banking", quality=False).data["kano"]
    for feat in res["features"]:
        planted = np.array(_KANO[feat["id"]]) / sum(_KANO[feat["id"]])
        shares = np.array([feat["shares"][c] for c in CATEGORIES])
        assert np.abs(shares - planted).max() < 0.012, feat["id"]  # 5 SE of a share near 0.5


def test_simulation_is_seeded_and_blanks_at_the_missing_rate(simulated):
    assert simulated.equals(servq.simulate("kano-retail-banking", 3000, seed=5))
    kf = simulated.column("KF_sms_queue")
    assert 0.01 < kf.null_count / len(kf) < 0.06  # missing = 0.03
    assert set(kf.drop_null().to_pylist()) <= {1, 2, 3, 4, 5}
