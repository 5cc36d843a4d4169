"""Every validation error names file, row, column and value; all are listed; nothing is computed."""

from pathlib import Path

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
    rows = [f"r{i},X,8,1,4,4,2,3,60,40,4,9" for i in range(30)]
    err = problems(write(tmp_path, *rows), max_problems=5)
    assert len(err.problems) == 5 and err.total == 30
    assert "and 25 more problems" in str(err)


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
