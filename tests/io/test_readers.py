"""Every format reads the same answers; segment values keep their text."""

from pathlib import Path

import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pyreadstat
import pytest

import servq
from servq.errors import DataError, UsageError

DATA = Path(__file__).parents[1] / "data"
MINI = DATA / "mini.yaml"


@pytest.fixture(scope="module")
def reference():
    return servq.analyze(DATA / "mini.csv", MINI, by="branch", min_n=1)


def frame():
    return pd.read_csv(DATA / "mini.csv", dtype={"branch": str})


def same(res, reference):
    assert res.dimensions == reference.dimensions
    assert res.items == reference.items
    assert res.segments == reference.segments
    assert res.data["missing"] == reference.data["missing"]


def test_parquet(tmp_path, reference):
    path = tmp_path / "a.parquet"
    pq.write_table(pa.Table.from_pandas(frame(), preserve_index=False), path)
    same(servq.analyze(path, MINI, by="branch", min_n=1), reference)


def test_xlsx(tmp_path, reference):
    path = tmp_path / "a.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    df = frame()
    ws.append(list(df.columns))
    for row in df.itertuples(index=False):
        ws.append([None if pd.isna(v) else (float(v) if isinstance(v, (int, float)) else v) for v in row])
    wb.create_sheet("other")
    wb.save(path)
    same(servq.analyze(path, MINI, by="branch", min_n=1), reference)
    with pytest.raises(UsageError, match="no sheet named 'nope'"):
        servq.analyze(path, MINI, sheet="nope")


def test_sav_with_value_labels_and_user_missing(tmp_path, reference):
    df = frame()
    df["branch"] = df["branch"].map({"X": 1, "Y": 2}).astype(float)
    df.loc[0, "sat"] = 99.0  # declared user-missing below
    path = tmp_path / "a.sav"
    pyreadstat.write_sav(df, str(path), variable_value_labels={"branch": {1.0: "X", 2.0: "Y"}},
                         missing_ranges={"sat": [99.0]})
    res = servq.analyze(path, MINI, by="branch", min_n=1)
    assert res.dimensions == reference.dimensions
    assert set(res.segments["branch"]) == {"X", "Y"}
    assert res.data["outcomes"][0]["score"]["n"] == 3  # the 99 is SPSS user-missing


@pytest.mark.parametrize("sep", [",", ";", "\t"])
def test_csv_delimiters(tmp_path, sep, reference):
    path = tmp_path / "a.csv"
    frame().to_csv(path, sep=sep, index=False)
    same(servq.analyze(path, MINI, by="branch", min_n=1), reference)


def test_csv_bom_and_windows_encoding(tmp_path):
    df = frame()
    df["branch"] = ["Malmö", "Malmö", "Göteborg", "Göteborg"]
    for encoding in ("utf-8-sig", "cp1252"):
        path = tmp_path / f"{encoding}.csv"
        df.to_csv(path, index=False, encoding=encoding)
        res = servq.analyze(path, MINI, by="branch", min_n=1)
        assert set(res.segments["branch"]) == {"Malmö", "Göteborg"}
        assert res.n_respondents == 4


def test_numeric_segment_codes_become_text(tmp_path):
    df = frame()
    df["branch"] = [1.0, 1.0, 2.0, None]
    path = tmp_path / "a.parquet"
    pq.write_table(pa.Table.from_pandas(df, preserve_index=False), path)
    res = servq.analyze(path, MINI, by="branch", min_n=1)
    assert set(res.segments["branch"]) == {"1", "2"}
    assert any("1 respondent(s) have no value in segment column 'branch'" in n for n in res.data["notes"])


def test_unknown_extension_and_missing_file(tmp_path):
    path = tmp_path / "a.json"
    path.write_text("{}")
    with pytest.raises(UsageError, match="unknown file type '.json'"):
        servq.analyze(path, MINI)
    with pytest.raises(UsageError, match="data file not found"):
        servq.analyze(tmp_path / "none.csv", MINI)


@pytest.mark.parametrize("suffix", [".parquet", ".xlsx", ".sav"])
def test_corrupt_binary_files(tmp_path, suffix):
    path = tmp_path / f"bad{suffix}"
    path.write_bytes(b"this is not what it claims to be")
    with pytest.raises(DataError, match="not a readable"):
        servq.analyze(path, MINI)


def test_ragged_csv_row(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text((DATA / "mini.csv").read_text() + "r5,X,1,2\n")
    with pytest.raises(DataError, match="1 row\\(s\\) do not have one field per column") as info:
        servq.analyze(path, MINI)
    (p,) = info.value.problems
    assert p.value == "r5,X,1,2" and "4 field(s) where the header has 12" in p.message
    assert p.row == 6  # the header and four respondents before it
    quoted = tmp_path / "b.csv"  # a value holding a line break does not shift the rows
    lines = (DATA / "mini.csv").read_text().splitlines()
    quoted.write_text("\n".join([lines[0], lines[1].replace(",X,", ',"X\nY",'), "r9,X,1", *lines[2:]]) + "\n")
    with pytest.raises(DataError) as info:
        servq.analyze(quoted, MINI)
    assert [(p.row, p.value) for p in info.value.problems] == [(3, "r9,X,1")]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_csv_in_utf16_with_or_without_byte_order_mark(tmp_path, encoding, reference):
    df = frame()
    path = tmp_path / "u.csv"
    path.write_bytes(df.to_csv(index=False, sep="\t").encode(encoding))
    same(servq.analyze(path, MINI, by="branch", min_n=1), reference)


@pytest.mark.parametrize(("head", "what"), [(b"%PDF-1.4\n%\xe2\xe3\x00", "a PDF document"),
                                            (b"PK\x03\x04\x14\x00\x06\x00", "a zip archive"),
                                            (b"\x00\x01\x02\x03", "binary, not")])
def test_a_binary_file_named_csv_says_what_it_is(tmp_path, head, what):
    path = tmp_path / "answers.csv"
    path.write_bytes(head + bytes(range(256)))
    with pytest.raises(DataError, match="not a text \\(CSV\\) file") as info:
        servq.analyze(path, MINI)
    assert what in info.value.problems[0].message


def test_ods_and_xls_workbooks(tmp_path, reference):
    import xlwt

    df = frame()
    ods = tmp_path / "answers.ods"
    df.to_excel(ods, engine="odf", index=False, sheet_name="svar")
    same(servq.analyze(ods, MINI, by="branch", min_n=1), reference)
    same(servq.analyze(ods, MINI, by="branch", min_n=1, sheet="svar"), reference)
    book = xlwt.Workbook()
    sheet = book.add_sheet("answers")
    for j, name in enumerate(df.columns):
        sheet.write(0, j, name)
        for i, value in enumerate(df[name].tolist(), start=1):
            if not pd.isna(value):
                sheet.write(i, j, value)
    xls = tmp_path / "answers.xls"
    book.save(str(xls))
    same(servq.analyze(xls, MINI, by="branch", min_n=1), reference)
    with pytest.raises(UsageError, match="no sheet named 'nope'"):
        servq.analyze(ods, MINI, sheet="nope")
    broken = tmp_path / "broken.ods"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(DataError, match="not a readable .ods workbook"):
        servq.analyze(broken, MINI)
