"""servq.index on a tiny system and 10 rows, every number computed by hand below."""

from fractions import Fraction as F

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

import servq
from servq.errors import DataError, UsageError

VALUES = (100, 60, 20)
R_A1 = (F(3, 9), F(4, 9), F(2, 9))
R_A2 = (F(4, 8), F(2, 8), F(2, 8))
R_B = (F(2, 10), F(5, 10), F(3, 10))


def score(b):
    return float(sum(x * v for x, v in zip(b, VALUES)))


def close(actual, expected):
    assert list(actual) == pytest.approx([float(x) for x in expected], abs=1e-12)


def by_id(result):
    return {c["id"]: c for c in result.to_dict()["criteria"]}


def test_weighted_average_by_hand(tiny):
    system, data = tiny
    r = servq.index(data, system)
    c = by_id(r)
    # memberships of the indicators: shares of their answers, missing left out
    close(c["a1"]["membership"], R_A1)
    close(c["a2"]["membership"], R_A2)
    close(c["b"]["membership"], R_B)
    assert (c["a1"]["n"], c["a2"]["n"], c["b"]["n"]) == (9, 8, 10)
    assert c["a2"]["counts"] == [4, 2, 2]
    # a = 0.5 R_a1 + 0.5 R_a2 = [5/12, 25/72, 17/72]
    b_a = [F(1, 2) * x + F(1, 2) * y for x, y in zip(R_A1, R_A2)]
    assert b_a == [F(5, 12), F(25, 72), F(17, 72)]
    close(c["a"]["membership"], b_a)
    # root = 0.6 B_a + 0.4 R_b = [0.33, 0.408333, 0.261667]
    b_root = [F(6, 10) * x + F(4, 10) * y for x, y in zip(b_a, R_B)]
    close(r.overall["membership"], b_root)
    assert r.overall["grade"] == "fair" and r.overall["grade_label"] == "Fair"
    assert r.overall["score"] == pytest.approx(62.733333333333, abs=1e-9)
    assert score(b_root) == pytest.approx(r.overall["score"], abs=1e-12)
    # scores, global weights and contributions
    assert c["a"]["score"] == pytest.approx(score(b_a), abs=1e-12)   # 67.2222
    assert c["b"]["score"] == pytest.approx(56.0, abs=1e-12)
    assert c["a1"]["global_weight"] == pytest.approx(0.3) and c["b"]["global_weight"] == pytest.approx(0.4)
    assert c["a"]["contribution"] == pytest.approx(0.6 * score(b_a), abs=1e-12)
    assert c["a"]["contribution"] + c["b"]["contribution"] == pytest.approx(r.overall["score"], abs=1e-12)
    assert c["a2"]["weight_method"] == "direct" and c["root"]["weight_method"] is None
    assert r.ahp() == []


def test_min_max_by_hand(tiny):
    system, data = tiny
    r = servq.index(data, system, operator="min_max")
    c = by_id(r)
    # a: max_i min(0.5, r_ij) = [1/2, 4/9, 1/4], normalised by 43/36 -> [18, 16, 9] / 43
    b_a = [F(18, 43), F(16, 43), F(9, 43)]
    close(c["a"]["membership"], b_a)
    # root: [max(min(.6, 18/43), min(.4, .2)), max(min(.6, 16/43), .4), max(min(.6, 9/43), .3)]
    raw = [F(18, 43), F(2, 5), F(3, 10)]
    b_root = [x / sum(raw) for x in raw]
    close(r.overall["membership"], b_root)
    assert r.overall["grade"] == "good"  # the weighted average said "fair"
    assert r.overall["score"] == pytest.approx(score(b_root), abs=1e-12)
    assert r.to_dict()["options"]["operator"] == "min_max"


def test_to_frame_and_json_agree(tiny):
    system, data = tiny
    r = servq.index(data, system, lang="zh")
    frame = r.to_frame()
    assert list(frame.index) == ["root", "a", "a1", "a2", "b"]
    assert frame.loc["b", "b_fair"] == pytest.approx(0.5)
    assert frame.loc["root", "label"] == "总体" and frame.loc["a1", "column"] == "Q1"
    assert frame.loc["a2", "global_weight"] == pytest.approx(0.3)
    assert r.to_dict()["grades"][0]["label"] == "好"


def test_chunk_size_and_input_type_do_not_change_the_index(tiny):
    system, data = tiny
    whole = servq.index(data, system, by="grp", min_n=1).to_dict()
    for chunk in (1, 3, 4):
        other = servq.index(data, system, by="grp", min_n=1, chunk_size=chunk).to_dict()
        assert other["criteria"] == whole["criteria"] and other["segments"] == whole["segments"]
    table = pacsv.read_csv(data)
    assert servq.index(table, system).to_dict()["criteria"] == whole["criteria"]
    frame = table.to_pandas()
    assert servq.index(frame, system).to_dict()["criteria"] == whole["criteria"]
    parquet = data.with_suffix(".parquet")
    pq.write_table(table, parquet)
    assert servq.index(parquet, system, chunk_size=2).to_dict()["criteria"] == whole["criteria"]
    xlsx = data.with_suffix(".xlsx")
    frame.to_excel(xlsx, index=False)
    assert servq.index(xlsx, system).to_dict()["criteria"] == whole["criteria"]


def test_segments_match_the_index_of_their_rows(tiny):
    system, data = tiny
    r = servq.index(data, system, by="grp", min_n=4).to_dict()
    seg = r["segments"]
    assert seg["by"] == "grp" and seg["unknown"] == 1
    groups = {g["value"]: g for g in seg["groups"]}
    assert groups["A"]["n"] == 6 and not groups["A"]["suppressed"]
    assert groups["B"] == {"value": "B", "n": 3, "suppressed": True, "reason": "min_n",
                           "overall": None, "criteria": None}
    table = pacsv.read_csv(data)
    only_a = table.filter(pa.compute.equal(table["grp"], "A"))
    alone = servq.index(only_a, system).to_dict()
    assert groups["A"]["overall"] == alone["overall"]
    assert [c["score"] for c in groups["A"]["criteria"]] == [c["score"] for c in alone["criteria"][1:]]


def test_segment_without_answers_on_an_indicator(tmp_path, tiny):
    system, _ = tiny
    data = tmp_path / "d.csv"
    data.write_text("grp,Q1,Q2,Q3\nA,3,1,3\nA,2,2,2\nB,3,,1\nB,1,0,2\n")
    groups = servq.index(data, system, by="grp", min_n=1).to_dict()["segments"]["groups"]
    assert groups[1]["suppressed"] and groups[1]["reason"] == "no_answers:Q2"


def test_bad_answers_are_listed_with_row_column_value(tmp_path, tiny):
    system, _ = tiny
    data = tmp_path / "bad.csv"
    data.write_text("Q1,Q2,Q3\n3,1,4\nx,2,2\n2,2.5,1\n")
    with pytest.raises(DataError) as info:
        servq.index(data, system)
    found = [(p.row, p.column, p.value) for p in info.value.problems]
    assert found == [(2, "Q3", "4"), (3, "Q1", "x"), (4, "Q2", "2.5")]
    assert info.value.problems[0].file == str(data)
    assert "not an answer code of the scale 1-3 (missing: 0)" in str(info.value)


def test_missing_columns_and_options(tmp_path, tiny):
    system, _ = tiny
    data = tmp_path / "d.csv"
    data.write_text("q1,Q3\n3,1\n")
    with pytest.raises(DataError) as info:
        servq.index(data, system)
    assert [(p.column, "indicator 'a2'" in p.message) for p in info.value.problems] == [("Q2", True)]
    data.write_text("q1,Q2,Q3\n3,1,1\n")  # q1 matches Q1 regardless of case
    assert servq.index(data, system).to_dict()["source"]["rows"] == 1
    with pytest.raises(UsageError, match="no column 'branch'"):
        servq.index(data, system, by="branch")
    with pytest.raises(UsageError, match="unknown operator 'max'"):
        servq.index(data, system, operator="max")
    with pytest.raises(UsageError, match="unknown language"):
        servq.index(data, system, lang="de")
    data.write_text("Q1,Q2,Q3\n3,,1\n")
    with pytest.raises(DataError, match="no valid answers"):
        servq.index(data, system)
