"""Tests of servq.io.writers: a round trip through every format, and the refusals."""

from __future__ import annotations

import csv

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from hostile import FORMULAS
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


# --------------------------------------------------------------------------- formulas (issue 11, finding 6)

@pytest.fixture
def hostile() -> pa.Table:
    """Texts that a spreadsheet would run, a column named like a formula, negative numbers."""
    n = len(FORMULAS)
    return pa.table({
        "segment": pa.array(FORMULAS, pa.string()),
        "=cmd": pa.array(["ok"] * n, pa.string()),
        "gap": pa.array([-2.5, -1.0, 0.0, 1.5, None, -6.0], pa.float64()),
        "P1": pa.array([-2, 1, 2, 3, 4, None], pa.int16()),
    })


def test_csv_writes_formulas_as_quoted_text_and_numbers_as_numbers(hostile, tmp_path):
    path = write_table(hostile, tmp_path / "x.csv")
    with path.open(newline="", encoding="utf-8") as handle:
        header, *rows = list(csv.reader(handle))
    assert header == ["segment", "'=cmd", "gap", "P1"]
    assert [r[0] for r in rows] == ["'" + f for f in FORMULAS]
    assert [r[2] for r in rows] == ["-2.5", "-1", "0", "1.5", "", "-6"]  # unquoted numbers
    assert [r[3] for r in rows] == ["-2", "1", "2", "3", "4", ""]


def test_xlsx_writes_formulas_as_quoted_text_never_as_formulas(hostile, tmp_path):
    path = write_table(hostile, tmp_path / "x.xlsx")
    sheet = load_workbook(path).worksheets[0]
    cells = [c for row in sheet.iter_rows() for c in row if c.value is not None]
    assert all(c.data_type in ("s", "n") for c in cells)  # no formula ("f"), no error value ("e")
    assert [c.value for c in sheet[1]] == ["segment", "'=cmd", "gap", "P1"]
    segment = list(sheet["A"])[1:]
    expected = ["'" + f.replace("\r", "\n") for f in FORMULAS]  # XML reads a carriage return as a line feed
    assert [c.value for c in segment] == expected and {c.data_type for c in segment} == {"s"}
    assert [c.value for c in sheet["C"]][1:] == [-2.5, -1, 0, 1.5, None, -6]
    assert [c.value for c in sheet["D"]][1:] == [-2, 1, 2, 3, 4, None]


def test_xlsx_keeps_a_text_that_excel_would_read_as_an_error_value(tmp_path):
    path = write_table(pa.table({"code": ["#N/A", "#REF!"]}), tmp_path / "x.xlsx")
    cells = list(load_workbook(path).worksheets[0]["A"])[1:]
    assert [(c.value, c.data_type) for c in cells] == [("#N/A", "s"), ("#REF!", "s")]


def test_xlsx_replaces_control_characters_it_cannot_store(tmp_path):
    table = pa.table({"text": ["nul\x00here", "bell\x07", "tab\tand\nnewline kept"]})
    path = write_table(table, tmp_path / "x.xlsx")
    values = [c.value for c in load_workbook(path).worksheets[0]["A"]][1:]
    assert values == ["nul\ufffdhere", "bell\ufffd", "tab\tand\nnewline kept"]


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_every_character_xml_cannot_hold_is_replaced_and_the_file_reads_back(tmp_path, suffix):
    # issue 15: U+FFFE and U+FFFF made an .xlsx that no reader opens; a NUL, a .csv servq took for binary
    from servq.io.readers import open_source

    texts = ["nul\x00", "vt\x0bff\x0c", "esc\x1b", "nonchars\ufffe\uffff", "tab\tand\nnewline kept", "NA"]
    path = write_table(pa.table({"text\x00": texts}), tmp_path / f"x{suffix}")
    src = open_source(path)
    assert src.columns == ["text\ufffd"]
    back = [v for t in src.chunks(text=src.columns) for v in t.column(0).to_pylist()]
    assert back == ["nul\ufffd", "vt\ufffdff\ufffd", "esc\ufffd", "nonchars\ufffd\ufffd", "tab\tand\nnewline kept", "NA"]


@pytest.mark.parametrize("suffix", [".parquet", ".sav"])
def test_typed_formats_are_written_as_they_are(hostile, tmp_path, suffix):
    import pyreadstat

    path = write_table(hostile.drop_columns(["=cmd"]), tmp_path / f"x{suffix}")
    back = pq.read_table(path).column("segment").to_pylist() if suffix == ".parquet" else \
        pyreadstat.read_sav(str(path))[0]["segment"].tolist()
    assert back == list(FORMULAS)
