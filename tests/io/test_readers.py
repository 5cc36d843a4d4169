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


# --------------------------------------------------------------- encodings and texts (issue 15)

from servq.io.readers import open_source  # noqa: E402


def texts_of(path, **kw):
    src = open_source(path, encoding=kw.pop("encoding", None))
    return [v for t in src.chunks(["text"], **kw) for v in t.column("text").to_pylist()], src


def test_a_chinese_file_with_invalid_bytes_names_line_offset_and_bytes(tmp_path):
    path = tmp_path / "zh.csv"
    good = "text\n我们等了两个小时，没有回复\n".encode()
    path.write_bytes(good + "信号太差".encode() + b"\xff\xfe" + "掉线\n".encode())
    with pytest.raises(DataError) as err:
        texts_of(path)
    (problem,) = err.value.problems
    assert (problem.file, problem.line) == (str(path), 3)
    assert f"byte offset {len(good) + 12}: the byte(s) FF are not UTF-8 (after '信号太差')" in problem.message
    assert "--encoding" in err.value.hint and "not UTF-8 text" in err.value.summary


def test_a_utf8_swedish_file_with_one_windows_byte_is_not_silently_read_as_windows_1252(tmp_path):
    path = tmp_path / "sv.csv"
    path.write_bytes("text\nJag väntade i telefonkön i en timme\n".encode() + b"Fakturan var fel \xe4nnu en g\xe5ng\n")
    with pytest.raises(DataError) as err:
        texts_of(path)
    assert err.value.problems[0].line == 3 and "E4 are not UTF-8 (after 'Fakturan var fel ')" in str(err.value)
    # named, it is read as asked
    texts, _ = texts_of(path, encoding="cp1252", text=["text"])
    assert texts[1] == "Fakturan var fel ännu en gång"


def test_a_plausible_windows_1252_file_is_read_so_and_says_it(tmp_path):
    path = tmp_path / "sv.csv"
    path.write_bytes("text\nJag väntade i telefonkön – en timme!\nFakturan var fel\n".encode("cp1252"))
    texts, src = texts_of(path)
    assert texts == ["Jag väntade i telefonkön – en timme!", "Fakturan var fel"]
    assert src.options["guessed"] is True
    path.write_bytes(b"text\nsame\n")
    assert texts_of(path)[1].options["guessed"] is False


def test_chinese_in_gb18030_is_no_windows_1252_and_reads_when_named(tmp_path):
    path = tmp_path / "gbk.csv"
    path.write_bytes("text\n营业厅排队两个小时，服务态度太差\n".encode("gb18030"))
    with pytest.raises(DataError, match="not UTF-8 text"):
        texts_of(path)
    assert texts_of(path, encoding="gb18030")[0] == ["营业厅排队两个小时，服务态度太差"]


def test_a_bad_byte_after_the_first_64_kib_and_in_a_named_encoding(tmp_path):
    path = tmp_path / "late.csv"
    rows = "".join(f"complaint number {i} about the queue\n" for i in range(3000))
    path.write_bytes(b"text\n" + rows.encode() + b"caf\xe9 was dirty\n")
    with pytest.raises(DataError) as err:
        texts_of(path)
    assert err.value.problems[0].line == 3002 and "E9 are not UTF-8 (after 'caf')" in str(err.value)
    path.write_bytes(b"text\nab\x81c\n")                         # 0x81 is no character in Windows-1252
    with pytest.raises(DataError) as err:
        texts_of(path, encoding="cp1252")
    assert "the byte(s) 81 are not cp1252" in str(err.value) and err.value.problems[0].line == 2


def test_an_unknown_encoding_or_one_for_a_workbook_is_a_usage_error(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("text\nx\n", encoding="utf-8")
    with pytest.raises(UsageError, match="unknown encoding 'klingon'"):
        open_source(path, encoding="klingon")
    book = tmp_path / "a.xlsx"
    pd.DataFrame({"text": ["x"]}).to_excel(book, index=False)
    with pytest.raises(UsageError, match="for CSV and text files only"):
        open_source(book, encoding="cp1252")


WORDS = ["NA", "null", "N/A", "None", "nan", "NULL", ".", None, "a real complaint"]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".ods"])
def test_text_columns_keep_na_null_and_none_as_text(tmp_path, suffix):
    path = tmp_path / f"a{suffix}"
    df = pd.DataFrame({"text": WORDS, "other": WORDS})
    if suffix == ".csv":
        df.to_csv(path, index=False)
    elif suffix == ".xlsx":
        df.to_excel(path, index=False)
    else:
        pytest.importorskip("odf")
        df.to_excel(path, index=False, engine="odf")
    src = open_source(path)
    (table,) = list(src.chunks(["text", "other"], text=["text"]))
    assert table.column("text").to_pylist() == WORDS                 # as written; a blank cell is none
    missing = [None, None, None, "None", None, None, None, None, "a real complaint"]   # NULL_TEXT, as before
    assert table.column("other").to_pylist() == missing
    (table,) = list(src.chunks(["text"]))
    assert table.column("text").to_pylist() == missing
