"""Files as survey tools and spreadsheets really save them: read as their clean equivalent,
or refused with one line that says what is wrong, where, and what to do."""

from pathlib import Path

import openpyxl
import pytest
from openpyxl.styles import PatternFill
from reading_helpers import same_figures as same

import servq
from servq.errors import DataError

DATA = Path(__file__).parents[1] / "data"
MINI = DATA / "mini.yaml"
LINES = (DATA / "mini.csv").read_text().splitlines()
WIDTH = LINES[0].count(",") + 1



def workbook(path, rows):
    wb = openpyxl.Workbook()
    for row in rows:
        wb.active.append([int(v) if v.isdigit() else (v or None) for v in row.split(",")])
    wb.save(path)
    return path


def test_empty_rows_below_the_answers_are_no_respondents(tmp_path, reference):
    csv = tmp_path / "a.csv"  # Excel writes rows that were once used as lines of commas
    csv.write_text("\r\n".join([*LINES, *[","* (WIDTH - 1)] * 3, '"",""' + "," * (WIDTH - 2)]) + "\r\n")
    same(servq.analyze(csv, MINI, by="branch", min_n=1), reference)
    xlsx = workbook(tmp_path / "a.xlsx", LINES)
    wb = openpyxl.load_workbook(xlsx)
    for row in range(len(LINES) + 1, len(LINES) + 40):  # formatted, never filled
        for col in range(1, WIDTH + 3):
            wb.active.cell(row, col).fill = PatternFill("solid", fgColor="FFFF00")
    wb.active.cell(len(LINES) + 2, 2).value = " "
    wb.save(xlsx)
    same(servq.analyze(xlsx, MINI, by="branch", min_n=1), reference)


def test_an_empty_row_between_answers_keeps_the_row_numbers(tmp_path):
    bad = LINES[3].replace("r3,Y,5,", "r3,Y,8,")
    xlsx = workbook(tmp_path / "a.xlsx", [*LINES[:2], "," * (WIDTH - 1), LINES[2], bad])
    with pytest.raises(DataError) as info:
        servq.analyze(xlsx, MINI)
    assert [(p.row, p.column) for p in info.value.problems] == [(5, "E1")]


@pytest.mark.parametrize("pad", [" ", "  ", "\u00a0", "\u200b", "\ufeff"])
def test_column_names_with_invisible_padding_are_the_names(tmp_path, reference, pad):
    csv = tmp_path / "a.csv"
    header = ",".join(f"{pad}{name}{pad}" for name in LINES[0].split(","))
    csv.write_text("\n".join([header, *LINES[1:]]) + "\n", encoding="utf-8")
    same(servq.analyze(csv, MINI, by="branch", min_n=1), reference)


def test_a_mapping_names_a_padded_column_by_its_visible_name(tmp_path, reference):
    csv = tmp_path / "a.csv"
    csv.write_text("\n".join([LINES[0].replace("sat", "Nöjd\u00a0"), *LINES[1:]]) + "\n", encoding="utf-8")
    mapping = tmp_path / "m.yaml"
    mapping.write_text("columns:\n  Nöjd: sat\n", encoding="utf-8")
    same(servq.analyze(csv, MINI, by="branch", min_n=1, mapping=mapping), reference)


def test_two_columns_that_differ_only_by_padding_are_a_repeated_name(tmp_path):
    csv = tmp_path / "a.csv"
    csv.write_text("\n".join([LINES[0] + ",branch\u00a0", *(line + ",Z" for line in LINES[1:])]) + "\n", encoding="utf-8")
    with pytest.raises(DataError) as info:
        servq.analyze(csv, MINI, by="branch")
    assert [(p.column, p.message) for p in info.value.problems] == [("branch", "column name repeated (columns 2 and 13)")]


def test_dates_in_a_segment_column_read_as_the_dates_of_a_csv_file(tmp_path):
    import datetime

    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    df = pd.read_csv(DATA / "mini.csv", dtype={"branch": str})
    df["day"] = ["2026-03-01", "2026-03-01", "2026-03-02", None]
    df.to_csv(tmp_path / "a.csv", index=False)
    want = servq.analyze(tmp_path / "a.csv", MINI, by="day", min_n=1).segments
    dated = df.assign(day=pd.to_datetime(df["day"]))
    pq.write_table(pa.Table.from_pandas(dated, preserve_index=False), tmp_path / "a.parquet")
    pq.write_table(pa.Table.from_pandas(dated.assign(day=dated["day"].dt.date), preserve_index=False), tmp_path / "d.parquet")
    wb = openpyxl.Workbook()
    wb.active.append(list(df.columns))
    for row in df.itertuples(index=False):
        wb.active.append([datetime.datetime.fromisoformat(v) if i == len(row) - 1 and isinstance(v, str) else
                          (None if pd.isna(v) else v) for i, v in enumerate(row)])
    wb.save(tmp_path / "a.xlsx")
    for name in ("a.parquet", "d.parquet", "a.xlsx"):
        assert servq.analyze(tmp_path / name, MINI, by="day", min_n=1).segments == want, name
    wb.active.cell(2, len(df.columns)).value = datetime.datetime(2026, 3, 1, 14, 30)
    wb.save(tmp_path / "t.xlsx")
    assert "2026-03-01 14:30:00" in servq.analyze(tmp_path / "t.xlsx", MINI, by="day", min_n=1).segments["day"]


def refused(path, **kw):
    with pytest.raises(DataError) as info:
        servq.analyze(path, MINI, **kw)
    return info.value


@pytest.mark.parametrize("above", [["Customer survey 2026"], ["Customer survey 2026", ""], [",,Expectations,,,Perceptions"]])
def test_title_rows_above_the_column_names_say_where_the_names_are(tmp_path, above, reference):
    csv = tmp_path / "a.csv"
    csv.write_text("\n".join([*above, *LINES]) + "\n")
    xlsx = workbook(tmp_path / "a.xlsx", [*above, *LINES])
    for path in (csv, xlsx):
        (p,) = refused(path).problems
        row = len(above) + 1
        assert p.row == 1 and p.message.startswith("the column names seem to be on row "), p.message
        assert f"on row {row}, not row 1: read them with --header-row {row}, or delete the row(s) above them" in p.message
        same(servq.analyze(path, MINI, by="branch", min_n=1, header_row=row), reference)  # as the message says


@pytest.mark.parametrize("second", [
    ["How much do you agree: " + c for c in LINES[0].split(",")],  # Qualtrics: question texts, then ImportIds
    ["", ""] + ["Response"] * (WIDTH - 2),  # SurveyMonkey: the option under each question
])
def test_a_second_header_row_is_named_once_with_what_to_do(tmp_path, second, reference):
    import csv as csvlib

    path = tmp_path / "a.csv"
    with path.open("w", newline="") as fh:
        rows = [LINES[0].split(","), second, [f'{{"ImportId":"QID{i}"}}' for i in range(WIDTH)]]
        csvlib.writer(fh).writerows([*rows[:2 + (second[0] != "")], *(line.split(",") for line in LINES[1:])])
    problems = refused(path).problems
    first = 3 + (second[0] != "")
    assert len(problems) == first - 2
    assert problems[0].row == 2 and "row 2 holds no answers but text in the answer columns" in problems[0].message
    assert all(f"header row, as SurveyMonkey and Qualtrics export: analyse with --first-row {first} (the first row "
               "with answers), or delete it" in p.message for p in problems)
    same(servq.analyze(path, MINI, by="branch", min_n=1, first_row=first), reference)  # as the message says


def test_answers_written_as_labels_get_a_hint_to_recode_them(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("\n".join([LINES[0], *(line.replace(",5,", ",Agree,").replace(",4,", ",4 - Somewhat agree,")
                                          for line in LINES[1:])]) + "\n")
    err = refused(path)
    assert all(p.message == "not a number" for p in err.problems)
    assert err.hint.startswith("the answers are written as text ('Agree', '4 - Somewhat agree'): a mapping file's values:")
