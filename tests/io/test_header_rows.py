"""Column names below row 1 and header rows below them, as survey tools export them
(SurveyMonkey's option row, Qualtrics's question texts and import ids, a title and merged
group names over an Excel sheet): read with ``header_row``/``first_row`` (``--header-row``,
``--first-row``) exactly as the file with those rows deleted, every problem named by the
file's own spreadsheet row, and every wrong value refused in one line naming the file."""

import csv
import datetime
import json

import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from cli_helpers import run

import servq
from servq.complaints.register import read_register
from servq.errors import DataError, UsageError
from servq.io.columns import Mapping
from servq.io.readers import open_source

N = 120
BLOCKS = ("n_respondents", "missing", "dimensions", "items", "servqual", "servperf", "outcomes", "segments", "drivers")


@pytest.fixture(scope="module")
def answers():
    """(column names, rows as text) of simulated SERVQUAL answers with blanks; the id
    column renamed as Qualtrics and SurveyMonkey name it."""
    table = servq.simulate("servqual", N, seed=7)
    names = ["ResponseId" if c == "respondent_id" else c for c in table.column_names]
    rows = [["" if v is None else str(v) for v in row.values()] for row in table.to_pylist()]
    return names, rows


def qualtrics_rows(names):
    """Qualtrics's second and third header rows: the question texts (with a line break and
    commas, as Qualtrics writes them) and the import ids as JSON."""
    texts = [f"How much do you agree,\nfor {c}?" if c[0] in "EP" and c[1:].isdigit() else c for c in names]
    ids = [json.dumps({"ImportId": f"QID{i}"}) for i in range(len(names))]
    return [texts, ids]


def surveymonkey_rows(names):
    return [["" if c in ("ResponseId", "branch", "channel", "date") else "Response" for c in names]]


TITLE = [["Kundundersökning 2026 – alla kontor"], [""]]


def write_csv(path, rows, delimiter=",", encoding="utf-8"):
    with path.open("w", newline="", encoding=encoding) as fh:
        csv.writer(fh, delimiter=delimiter).writerows(rows)
    return path


def write_xlsx(path, rows, merged=()):
    wb = openpyxl.Workbook()
    for row in rows:
        wb.active.append([int(v) if v.isdigit() else (v or None) for v in row])
    for cells in merged:
        wb.active.merge_cells(cells)
    wb.save(path)
    return path


def analyse(path, **kw):
    return servq.analyze(path, "servqual", by="branch", min_n=1, quality=False, mapping=MAPPING, **kw)


MAPPING = Mapping(respondent_id="ResponseId")


def same(res, reference):
    for block in BLOCKS:
        assert res.data[block] == reference.data[block], block


@pytest.fixture(scope="module")
def clean(answers, tmp_path_factory):
    """The same answers with the column names on row 1 and nothing else (the rows deleted)."""
    names, rows = answers
    return write_csv(tmp_path_factory.mktemp("clean") / "clean.csv", [names, *rows])


@pytest.fixture(scope="module")
def reference(clean):
    return analyse(clean, boot=20)


# ---------------------------------------------------------------- exports read as the clean file

@pytest.mark.parametrize("delimiter, encoding", [(",", "utf-8-sig"), (";", "cp1252"), ("\t", "utf-16")])
def test_a_qualtrics_csv_export_with_first_row_4_is_the_clean_file(tmp_path, answers, clean, reference, delimiter,
                                                                   encoding):
    names, rows = answers
    path = write_csv(tmp_path / "qualtrics.csv", [names, *qualtrics_rows(names), *rows], delimiter, encoding)
    with pytest.raises(DataError) as refused:
        analyse(path)
    assert [p.row for p in refused.value.problems] == [2, 3]
    assert all("analyse with --first-row 4" in p.message for p in refused.value.problems)
    same(analyse(path, first_row=4, boot=20), reference)  # the bootstrap's resamples too
    same(analyse(path, first_row=4, boot=20, chunk_size=16), analyse(clean, boot=20, chunk_size=16))  # in chunks


def test_a_surveymonkey_export_with_first_row_3_is_the_clean_file(tmp_path, answers, reference):
    names, rows = answers
    for path in (write_csv(tmp_path / "monkey.csv", [names, *surveymonkey_rows(names), *rows]),
                 write_xlsx(tmp_path / "monkey.xlsx", [names, *surveymonkey_rows(names), *rows])):
        with pytest.raises(DataError, match="analyse with --first-row 3"):
            analyse(path)
        same(analyse(path, first_row=3, boot=20), reference)


def test_a_sheet_with_a_title_and_merged_group_names_with_header_row_3(tmp_path, answers, reference):
    names, rows = answers
    groups = [""] * len(names)
    e, p = names.index("E1"), names.index("P1")
    groups[e], groups[p] = "Expectations", "Perceptions"
    last = openpyxl.utils.get_column_letter
    merged = [f"{last(e + 1)}2:{last(e + 22)}2", f"{last(p + 1)}2:{last(p + 22)}2"]
    path = write_xlsx(tmp_path / "titled.xlsx", [TITLE[0], groups, names, *rows], merged)
    with pytest.raises(DataError) as refused:
        analyse(path)
    (problem,) = refused.value.problems
    assert problem.row == 1 and "seem to be on row 3, not row 1: read them with --header-row 3" in problem.message
    same(analyse(path, header_row=3, boot=20), reference)
    csv_path = write_csv(tmp_path / "titled.csv", [*TITLE, names, *rows], ";")  # the delimiter from the names' row
    same(analyse(csv_path, header_row=3, boot=20), reference)


def test_title_and_qualtrics_rows_at_once_in_xlsx_and_ods(tmp_path, answers, reference):
    names, rows = answers
    sheet = [*TITLE, names, *qualtrics_rows(names), *rows]
    xlsx = write_xlsx(tmp_path / "both.xlsx", sheet)
    same(analyse(xlsx, header_row=3, first_row=6, boot=20), reference)
    ods = tmp_path / "both.ods"
    width = len(names)
    pd.DataFrame([[int(v) if v.isdigit() else (v or None) for v in row] + [None] * (width - len(row)) for row in sheet]
                 ).to_excel(ods, engine="odf", header=False, index=False)
    same(analyse(ods, header_row=3, first_row=6, boot=20), reference)


# ---------------------------------------------------------------- problems name the file's own rows

@pytest.fixture
def qualtrics(tmp_path, answers):
    """A Qualtrics CSV file (the column names, two header rows, then the answers) whose
    rows the test may change first: ``make(change)`` with ``change(rows)``, rows from 0 =
    the first answer (spreadsheet row 4)."""
    names, rows = answers

    def make(change=None, suffix=".csv"):
        body = [list(r) for r in rows]
        if change:
            change(body)
        sheet = [names, *qualtrics_rows(names), *body]
        path = tmp_path / f"qualtrics{suffix}"
        return write_csv(path, sheet) if suffix == ".csv" else write_xlsx(path, sheet)
    return make


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
@pytest.mark.parametrize("chunk_size", [4, 32_768])
def test_a_mistake_in_the_10th_answer_of_a_qualtrics_file_is_row_13(qualtrics, answers, suffix, chunk_size):
    names, _ = answers
    e3 = names.index("E3")

    def mistake(rows):
        rows[9][e3] = "8"
        rows[11][names.index("P5")] = "seven"
    path = qualtrics(mistake, suffix)
    with pytest.raises(DataError) as refused:
        analyse(path, first_row=4, chunk_size=chunk_size)
    assert sorted((p.row, p.column, p.value) for p in refused.value.problems) == [(13, "E3", "8"), (15, "P5", "seven")]
    assert f"{path}, row 13, column E3: outside the scale 1-7" in str(refused.value)


def test_a_repeated_id_and_a_ragged_row_name_the_files_rows(qualtrics, answers):
    names, rows = answers
    path = qualtrics(lambda body: body[11].__setitem__(names.index("ResponseId"), rows[4][names.index("ResponseId")]))
    with pytest.raises(DataError) as refused:
        analyse(path, first_row=4)
    (problem,) = refused.value.problems
    assert (problem.row, problem.message) == (15, "respondent id repeated (first at row 8)")
    path = qualtrics(lambda body: body[9].append("extra"))
    with pytest.raises(DataError) as refused:
        analyse(path, first_row=4)
    (problem,) = refused.value.problems
    assert problem.row == 13 and problem.message == f"{len(names) + 1} field(s) where the header has {len(names)}"


def test_a_row_that_first_row_skips_and_holds_answers_is_refused(tmp_path, answers):
    names, rows = answers
    monkey = write_csv(tmp_path / "monkey.csv", [names, *surveymonkey_rows(names), *rows])
    with pytest.raises(DataError) as refused:  # one row too many: the first respondent would be dropped
        analyse(monkey, first_row=4)
    (problem,) = refused.value.problems
    assert problem.row == 3 and problem.message.endswith("analyse with --first-row 3")
    qualtrics = write_csv(tmp_path / "q.csv", [names, *qualtrics_rows(names), *rows])
    with pytest.raises(DataError, match="analyse with --first-row 4"):
        analyse(qualtrics, first_row=5)
    # the header rows themselves are no answers: skipping them is what first_row is for
    assert analyse(qualtrics, first_row=4).n_respondents == N


def test_the_reader_streams_chunks_from_the_first_answer_row(tmp_path, answers):
    names, rows = answers
    path = write_csv(tmp_path / "q.csv", [*TITLE, names, *qualtrics_rows(names), *rows])
    src = open_source(path, header_row=3, first_row=6)
    assert (src.columns, src.header_row, src.first_row) == (names, 3, 6)
    assert [r[0] for r in src.skipped] == ["ResponseId", '{"ImportId": "QID0"}']
    chunks = list(src.chunks(["ResponseId", "E1"], chunk_size=50))
    assert [c.num_rows for c in chunks] == [50, 50, 20]
    assert pa.concat_tables(chunks).column("ResponseId").to_pylist() == [r[0] for r in rows]


# ---------------------------------------------------------------- wrong values: one line, the file named

@pytest.mark.parametrize("options, message", [
    ({"header_row": 0}, "--header-row must be 1 or more (the spreadsheet row holding the column names), got 0"),
    ({"header_row": -2}, "--header-row must be 1 or more"),
    ({"header_row": 3, "first_row": 3}, "--first-row 3 is not below the column names (--header-row 3): answers start "
                                        "on row 4 or later"),
    ({"first_row": 1}, "--first-row 1 is not below the column names (--header-row 1)"),
    ({"header_row": 500}, "--header-row 500 is below the last row of the file (125)"),
    ({"header_row": "3"}, "header_row must be a whole number (a spreadsheet row), got '3'"),
    ({"first_row": 2.5}, "first_row must be a whole number (a spreadsheet row), got 2.5"),
    ({"header_row": True}, "header_row must be a whole number"),
])
def test_wrong_rows_are_one_line_naming_the_file_and_the_value(tmp_path, answers, options, message):
    names, rows = answers
    path = write_csv(tmp_path / "q.csv", [*TITLE, names, *qualtrics_rows(names), *rows])
    with pytest.raises(UsageError) as refused:
        analyse(path, **options)
    assert str(refused.value) == f"{path}: {message}" or str(refused.value).startswith(f"{path}: {message}")
    assert "\n" not in str(refused.value)


def test_an_empty_names_row_says_where_the_names_seem_to_be(tmp_path, answers):
    names, rows = answers
    path = write_csv(tmp_path / "q.csv", [*TITLE, names, *rows])
    with pytest.raises(DataError) as refused:
        analyse(path, header_row=2)
    (problem,) = refused.value.problems
    assert problem.row == 2 and "seem to be on row 3, not row 2: read them with --header-row 3" in problem.message
    assert "(row 2 is empty)" in problem.message
    empty = tmp_path / "empty.csv"
    empty.write_text("a,b\n\n1,2\n")
    with pytest.raises(UsageError, match=r"empty.csv: row 2 is empty, so it names no columns \(--header-row 2\)"):
        open_source(empty, header_row=2)
    empty.write_text("")
    with pytest.raises(UsageError, match="empty.csv: the file is empty"):
        open_source(empty)


def test_parquet_spss_and_tables_refuse_the_rows(tmp_path, answers):
    import pyreadstat

    table = servq.simulate("servqual", 20, seed=1)
    pq.write_table(table, tmp_path / "a.parquet")
    pyreadstat.write_sav(table.drop_columns(["date"]).to_pandas(), str(tmp_path / "a.sav"))
    for data, what in ((tmp_path / "a.parquet", "a .parquet file"), (tmp_path / "a.sav", "a .sav file"),
                       (table, "a table"), (table.to_pandas(), "a table")):
        with pytest.raises(UsageError, match=f"{what} keeps its column names apart from its rows, with nothing above "
                                             r"or below them \(--header-row 2\): --header-row and --first-row are for"):
            servq.analyze(data, "servqual", header_row=2)
        with pytest.raises(UsageError, match=r"\(--first-row 3\)"):
            servq.analyze(data, "servqual", first_row=3)
        assert servq.analyze(data, "servqual", quality=False, header_row=1, first_row=2).n_respondents == 20


# ---------------------------------------------------------------- the other readers' callers

def test_the_index_system_reads_below_a_title(tmp_path):
    table = servq.simulate("customer-value", 60, seed=3)
    names = table.column_names
    rows = [["" if v is None else str(v) for v in r.values()] for r in table.to_pylist()]
    clean = servq.index(write_csv(tmp_path / "clean.csv", [names, *rows]), "customer-delivered-value", by="branch")
    titled = write_csv(tmp_path / "titled.csv", [*TITLE, names, ["Question text"] * len(names), *rows])
    got = servq.index(titled, "customer-delivered-value", by="branch", header_row=3, first_row=5)
    assert got.to_dict()["criteria"] == clean.to_dict()["criteria"] and got.rows == clean.rows == 60
    rows[9][names.index("P1")] = "12"
    titled = write_csv(tmp_path / "titled.csv", [*TITLE, names, ["Question text"] * len(names), *rows])
    with pytest.raises(DataError) as refused:
        servq.index(titled, "customer-delivered-value", header_row=3, first_row=5)
    assert [(p.row, p.column) for p in refused.value.problems] == [(14, "P1")]


def test_a_complaints_register_below_a_title(tmp_path):
    names = ["received_at", "unit", "dimension", "text"]
    rows = [["2026-03-02 09:15", "North", "reliability", "late"], ["2026-03-03 10:00", "South", "empathy", "rude"]]
    clean = read_register(write_csv(tmp_path / "clean.csv", [names, *rows]), classify=False)
    titled = write_csv(tmp_path / "titled.csv", [["Complaints, March 2026"], [], names, *rows])
    got = read_register(titled, classify=False, header_row=3)
    assert got.drop_columns(["id"]).to_pylist() == clean.drop_columns(["id"]).to_pylist()
    assert got.column("id").to_pylist() == ["4", "5"]  # without an id column: the rows of the sheet
    rows[1][0] = "yesterday"
    with pytest.raises(DataError) as refused:
        read_register(write_csv(tmp_path / "titled.csv", [["Complaints, March 2026"], [], names, *rows]),
                      classify=False, header_row=3)
    assert [(p.row, p.column) for p in refused.value.problems] == [(5, "received_at")]
    xlsx = tmp_path / "titled.xlsx"
    write_xlsx(xlsx, [["Complaints"], names, ["", "", "", "(free text)"],
                      [datetime.datetime(2026, 3, 2, 9, 15).isoformat(" "), "North", "reliability", "late"]])
    assert read_register(xlsx, classify=False, header_row=2, first_row=4).column("id").to_pylist() == ["4"]


# ---------------------------------------------------------------- the command line

def test_analyze_on_the_command_line(tmp_path, capsys, answers, reference):
    names, rows = answers
    path = write_csv(tmp_path / "q.csv", [*TITLE, names, *qualtrics_rows(names), *rows])
    mapping = tmp_path / "m.yaml"
    mapping.write_text("respondent_id: ResponseId\n")
    js = tmp_path / "r.json"
    args = ["analyze", str(path), "-i", "servqual", "--by", "branch", "--min-n", "1", "--no-quality", "-m", str(mapping),
            "--boot", "20"]
    code, out, err = run(capsys, *args, "--header-row", "3", "--first-row", "6", "--json", str(js))
    assert code == 0, err
    data = json.loads(js.read_text(encoding="utf-8"))
    assert data["n_respondents"] == N
    assert data["dimensions"] == json.loads(json.dumps(reference.data["dimensions"]))
    code, out, err = run(capsys, *args, "--header-row", "3")  # the two header rows named, with the option
    assert code == 1 and f"{path}, row 4, column E1: row 4 holds no answers" in err and "--first-row 6" in err
    code, out, err = run(capsys, *args, "--header-row", "0")
    assert (code, out) == (1, "") and err == (f"error: {path}: --header-row must be 1 or more (the spreadsheet row "
                                              "holding the column names), got 0\n")
    code, out, err = run(capsys, *args, "--header-row", "3", "--first-row", "2")
    assert code == 1 and err.startswith(f"error: {path}: --first-row 2 is not below") and err.count("\n") == 1


@pytest.mark.parametrize("command", [["analyze"], ["index"], ["scorecard"], ["complaints", "analyze"],
                                     ["complaints", "import"], ["complaints", "classify"], ["complaints", "evaluate"],
                                     ["complaints", "train"]])
def test_every_command_that_reads_a_file_takes_the_rows(capsys, command):
    code, out, _ = run(capsys, *command, "--help")
    assert code == 0 and "--header-row" in out and "--first-row" in out


def test_complaints_classify_skips_qualtrics_header_rows(tmp_path, capsys):
    texts = ["The queue was endless and nobody helped", "Fakturan var fel igen!", "信号太差，经常掉线"]
    path = write_csv(tmp_path / "texts.csv", [["ResponseId", "text"], ["Response ID", "What went wrong?"],
                                              ['{"ImportId":"_recordId"}', '{"ImportId":"QID4_TEXT"}'],
                                              *([f"R_{i}", t] for i, t in enumerate(texts))])
    out = tmp_path / "out.csv"
    code, stdout, err = run(capsys, "complaints", "classify", str(path), "-o", str(out), "--first-row", "4")
    assert code == 0, err
    assert stdout.startswith("classified 3 complaints")
    with out.open(encoding="utf-8", newline="") as fh:
        assert [r["text"] for r in csv.DictReader(fh)] == texts


def test_spark_refuses_the_rows_before_starting():
    from servq.analysis import AnalysisOptions
    from servq.spark.engine import names_on_the_first_line

    names_on_the_first_line(AnalysisOptions(first_row=2))
    with pytest.raises(UsageError, match="--header-row and --first-row work with the local engine only"):
        names_on_the_first_line(AnalysisOptions(first_row=4))
