"""Tests of servq.io.writers: a round trip through every format, and the refusals."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from openpyxl import load_workbook

from servq.errors import UsageError
from servq.io.writers import XLSX_MAX_ROWS, write_table

ROWS = {
    "respondent_id": ["R0000001", "R0000002", "R0000003"],
    "branch": ["Malmö", None, "Umeå"],
    "P1": [7, None, 1],
    "W_reliability": [40, 100, None],
}


@pytest.fixture
def table() -> pa.Table:
    return pa.table(
        {
            "respondent_id": pa.array(ROWS["respondent_id"], pa.string()),
            "branch": pa.array(ROWS["branch"], pa.string()),
            "P1": pa.array(ROWS["P1"], pa.int8()),
            "W_reliability": pa.array(ROWS["W_reliability"], pa.int16()),
        }
    )


def test_csv_round_trip(table, tmp_path):
    path = write_table(table, tmp_path / "deep" / "er" / "answers.csv")
    assert path == tmp_path / "deep" / "er" / "answers.csv"
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0].replace('"', "") == "respondent_id,branch,P1,W_reliability"
    assert lines[2].replace('"', "") == "R0000002,,,100"  # nulls are blank fields
    back = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(strings_can_be_null=True))
    assert back.to_pydict() == ROWS


def test_parquet_round_trip(table, tmp_path):
    path = write_table(table, tmp_path / "answers.parquet")
    back = pq.read_table(path)
    assert back.equals(table)  # types kept: int8, int16, string


def test_xlsx_round_trip(table, tmp_path):
    path = write_table(table, tmp_path / "answers.xlsx")
    wb = load_workbook(path, read_only=True)
    rows = [list(r) for r in wb.worksheets[0].iter_rows(max_col=4, values_only=True)]
    wb.close()
    assert rows == [
        ["respondent_id", "branch", "P1", "W_reliability"],
        ["R0000001", "Malmö", 7, 40],
        ["R0000002", None, None, 100],
        ["R0000003", "Umeå", 1, None],
    ]


def test_sav_round_trip(table, tmp_path):
    import pyreadstat

    path = write_table(table, tmp_path / "answers.sav")
    frame, meta = pyreadstat.read_sav(str(path))
    assert list(frame.columns) == ["respondent_id", "branch", "P1", "W_reliability"]
    assert meta.readstat_variable_types["branch"] == "string"
    assert meta.readstat_variable_types["P1"] == "double"
    assert frame["respondent_id"].tolist() == ROWS["respondent_id"]
    # SPSS strings have no missing value: a blank string is written
    assert frame["branch"].tolist() == ["Malmö", "", "Umeå"]
    p1 = frame["P1"].to_numpy()
    assert p1[0] == 7 and np.isnan(p1[1]) and p1[2] == 1
    w = frame["W_reliability"].to_numpy()
    assert w[0] == 40 and w[1] == 100 and np.isnan(w[2])


def test_fmt_overrides_the_extension(table, tmp_path):
    path = write_table(table, tmp_path / "answers.dat", fmt="csv")
    assert path.read_text(encoding="utf-8").startswith(("respondent_id", '"respondent_id"'))


def test_xlsx_refuses_more_rows_than_a_sheet_holds(tmp_path):
    big = pa.table({"P1": pa.array(np.zeros(XLSX_MAX_ROWS + 1, dtype=np.int8))})
    with pytest.raises(UsageError, match="1,048,575"):
        write_table(big, tmp_path / "big.xlsx")
    assert not (tmp_path / "big.xlsx").exists()


def test_unknown_extension_names_the_supported_formats(table, tmp_path):
    with pytest.raises(UsageError) as info:
        write_table(table, tmp_path / "answers.json")
    message = str(info.value)
    assert ".json" in message
    for ext in (".csv", ".parquet", ".xlsx", ".sav"):
        assert ext in message
    assert not (tmp_path / "answers.json").exists()
