"""Every validation error names file, row, column and value; all are listed; nothing is computed."""

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import servq
from servq.errors import DataError

DATA = Path(__file__).parents[1] / "data"
MINI = DATA / "mini.yaml"
HEADER = "respondent_id,branch,E1,E2,E3,P1,P2,P3,W_a,W_b,sat,rec"
GOOD = "r{i},X,5,1,4,4,2,3,60,40,4,9"


def write(tmp_path, *rows, header=HEADER, name="answers.csv"):
    path = tmp_path / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def problems(path, **kw):
    with pytest.raises(DataError) as info:
        servq.analyze(path, MINI, **kw)
    return info.value


def test_outside_scale(tmp_path):
    path = write(tmp_path, GOOD.format(i=1), "r2,X,5,1,4,7,2,3,60,40,4,9")
    err = problems(path)
    (p,) = err.problems
    assert (p.file, p.row, p.column, p.value) == (str(path), 3, "P1", "7")
    assert "outside the scale 1-5 or 9 for don't know" in p.message
    assert "row 3, column P1" in str(p) and "'7'" in str(p)


def test_non_numeric_and_fractional(tmp_path):
    path = write(tmp_path, "r1,X,five,1,4,4,2,3,60,40,4,9", "r2,X,5,1,4,4.5,2,3,60,40,4,9")
    err = problems(path)
    found = {(p.row, p.column, p.value, p.message) for p in err.problems}
    assert (2, "E1", "five", "not a number") in found
    assert (3, "P1", "4.5", "not a whole scale point") in found


def test_integer_valued_floats_and_decimal_comma_accepted(tmp_path):
    path = write(tmp_path, "r1;X;5.0;1;4;4,0;2;3;60;40;4;9", "r2;X;4;2;5;4;;2;50;50;3;7",
                 header=HEADER.replace(",", ";"))
    res = servq.analyze(path, MINI, min_n=1)
    assert res.item(1)["expectation"]["mean"] == pytest.approx(4.5)
    assert res.item(1)["perception"]["mean"] == pytest.approx(4.0)


def test_missing_required_columns(tmp_path):
    path = write(tmp_path, "r1,X,5,1,4,60,40", header="respondent_id,branch,E1,E2,E3,W_a,W_b")
    err = problems(path)
    (p,) = err.problems
    assert "3 required answer column(s) missing" in p.message and "P1-P3" in p.message


def test_no_answer_columns_hints_at_instrument_or_mapping(tmp_path):
    path = write(tmp_path, "1,2", header="q1,q2")
    (p,) = problems(path).problems
    assert "mapping file" in p.message


def test_duplicate_respondent_ids(tmp_path):
    path = write(tmp_path, GOOD.format(i=1), GOOD.format(i=2), GOOD.format(i=1))
    (p,) = problems(path).problems
    assert (p.row, p.column, p.value) == (4, "respondent_id", "r1")
    assert "first at row 2" in p.message


def test_duplicate_ids_across_chunks(tmp_path):
    rows = [GOOD.format(i=i) for i in range(10)] + [GOOD.format(i=3)]
    (p,) = problems(write(tmp_path, *rows), chunk_size=4).problems
    assert p.row == 12 and "first at row 5" in p.message


def test_allocation_must_sum_to_total(tmp_path):
    path = write(tmp_path, "r1,X,5,1,4,4,2,3,60,30,4,9", "r2,X,5,1,4,4,2,3,-10,110,4,9")
    err = problems(path)
    msgs = [(p.row, p.column, p.message) for p in err.problems]
    assert (2, "W_a…W_b", "importance allocation sums to 90, not 100") in msgs
    assert (3, "W_a…W_b", "importance points cannot be negative") in msgs


def test_outcome_range(tmp_path):
    (p,) = problems(write(tmp_path, "r1,X,5,1,4,4,2,3,60,40,4,11")).problems
    assert (p.column, p.value) == ("rec", "11") and "outside the scale 0-10" in p.message


def test_all_problems_listed_not_just_first(tmp_path):
    path = write(tmp_path, "r1,X,6,1,4,4,2,3,60,40,4,9", "r2,X,5,0,4,4,x,3,60,40,4,9", "r1,X,5,1,4,4,2,3,50,40,4,9")
    err = problems(path)
    where = sorted((p.row, p.column) for p in err.problems)
    assert where == [(2, "E1"), (3, "E2"), (3, "P2"), (4, "W_a…W_b"), (4, "respondent_id")]
    assert err.total == 5


def test_problem_limit_counts_the_rest(tmp_path):
    rows = [f"r{i},X,5,x,4,4,2,3,60,40,4,9" for i in range(30)]  # text in E2: a problem each
    err = problems(write(tmp_path, *rows), max_problems=5)
    assert len(err.problems) == 5 and err.total == 30
    assert "and 25 more problems" in str(err)


def test_answers_off_the_scale_are_one_line_per_column_with_a_hint(tmp_path):
    """Thirty answers of 8 in E1 and 70 in P2 (a 0-100 export): one line per column with the
    count and the first rows, every answer counted, and the scale they seem to be on."""
    rows = [f"r{i},X,8,1,4,4,70,3,60,40,4,9" for i in range(30)]
    err = problems(write(tmp_path, *rows), max_problems=5)
    assert [(p.row, p.column, p.value) for p in err.problems] == [(2, "E1", "8"), (2, "P2", "70")]
    assert err.problems[0].message == "30 answers outside the scale 1-5 or 9 for don't know (rows 2, 3, 4, 5, 6, …)"
    assert err.total == 60
    assert err.hint.startswith("the answers run from 1 to 70, but the instrument's scale is 1-5")
    assert "--scale 0:100" in err.hint and str(err).endswith(err.hint)
    one = problems(write(tmp_path, "r1,X,8,1,4,4,2,3,60,40,4,9", *[f"r{i},X,5,1,4,4,2,3,60,40,4,9" for i in range(2, 30)]))
    assert one.hint is None  # one typing mistake among many answers: no other scale suggested


def test_empty_file(tmp_path):
    (p,) = problems(write(tmp_path)).problems
    assert "no answer rows" in p.message


def test_unnamed_and_repeated_header_columns(tmp_path):
    err = problems(write(tmp_path, "1,2,3", header="E1,,E1"))
    msgs = sorted(p.message for p in err.problems)
    assert msgs[0] == "column 2 has no name" and "repeated" in msgs[1]


def test_mapping_recodes_and_renames(tmp_path):
    path = write(tmp_path, "a,X,Agree,1,4,4,2,3,60,40,4,9", "b,Y,4,2,5,4,,2,50,50,3,7",
                 header="id,Filial,q1e,E2,E3,P1,P2,P3,W_a,W_b,sat,rec")
    mapping = tmp_path / "map.yaml"
    mapping.write_text("columns: {q1e: E1, Filial: branch}\nrespondent_id: id\nvalues: {Agree: 5}\nmissing: [99]\n")
    res = servq.analyze(path, MINI, by="branch", mapping=mapping, min_n=1)
    assert res.item(1)["expectation"]["mean"] == pytest.approx(4.5)
    assert set(res.segments["branch"]) == {"X", "Y"}


def test_mapping_naming_absent_column(tmp_path):
    mapping = tmp_path / "map.yaml"
    mapping.write_text("columns: {nosuch: E1}\n")
    err = problems(write(tmp_path, GOOD.format(i=1)), mapping=mapping)
    assert any(p.column == "nosuch" for p in err.problems)


def test_columns_case_insensitive_with_leading_zeros(tmp_path):
    header = "respondent_id,branch,e01,E_2,e3,p1,P02,p_3,w_a,W_B,SAT,Rec"
    res = servq.analyze(write(tmp_path, GOOD.format(i=1), GOOD.format(i=2), header=header), MINI)
    assert res.n_respondents == 2 and res.dimension("a")["importance"]["mean"] == 60


def test_two_columns_for_one_answer(tmp_path):
    err = problems(write(tmp_path, "5,4", header="E1,e01"))
    assert any("same answer" in p.message for p in err.problems)


@pytest.mark.parametrize("int_type", [pa.int8(), pa.uint8(), pa.int16(), pa.int64()])
def test_integer_columns_are_checked_as_text_columns_are(tmp_path, int_type):
    """Parquet's integer answers take a faster path: the same problems and counts as CSV,
    with blanks, don't-knows (9), answers off the scale and the smallest value of the type
    (which the fast path fills blanks with)."""
    rows = [[5, 1, 4, 4, 2, 3], [None, 9, 4, 7, 2, None], [0, 1, 4, 4, 2, 3], [5, 1, 4, 4, 2, 3]]
    signed = pa.types.is_signed_integer(int_type)
    if signed:  # (int64's is too large for the text path's check)
        rows[3][1] = -(2 ** (min(int_type.bit_width, 16) - 1))
    names = ["E1", "E2", "E3", "P1", "P2", "P3"]
    table = pa.table({**{name: pa.array([r[j] for r in rows], int_type) for j, name in enumerate(names)},
                      "W_a": [60] * 4, "W_b": [40] * 4, "sat": [4] * 4, "rec": [9] * 4})
    pq.write_table(table, tmp_path / "answers.parquet")
    csv = write(tmp_path, *(",".join("" if v is None else str(v) for v in r) + ",60,40,4,9" for r in rows),
                header=",".join([*names, "W_a", "W_b", "sat", "rec"]))
    found = [[(p.row, p.column, str(p.value), p.message) for p in problems(path).problems]
             for path in (tmp_path / "answers.parquet", csv)]
    assert found[0] == found[1] and len(found[0]) == (3 if signed else 2)


def test_integer_columns_count_blanks_and_dont_knows(tmp_path):
    table = pa.table({**{n: pa.array(v, pa.int8()) for n, v in
                         {"E1": [5, None, 9], "E2": [1, 9, 9], "E3": [4, 4, None],
                          "P1": [4, 4, 4], "P2": [None, 2, 2], "P3": [3, 3, 3]}.items()},
                      "W_a": [60] * 3, "W_b": [40] * 3, "sat": [4] * 3, "rec": [9] * 3})
    pq.write_table(table, tmp_path / "answers.parquet")
    res = servq.analyze(tmp_path / "answers.parquet", MINI, min_n=1)
    assert res.data["missing"] == {"cells": 18, "blank": 3, "dont_know": 3}
    assert res.item(1)["expectation"]["n"] == 1 and res.item(2)["expectation"]["n"] == 1
