"""Files as real exports and spreadsheets save them, built here byte by byte: each is read
as its clean equivalent, with every problem named by the row a spreadsheet shows, or
refused at once with one line naming the file, the row, the column and the value."""

import datetime
import warnings
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from cli_helpers import run
from reading_helpers import same_figures

import servq
from servq.complaints.register import read_register
from servq.errors import DataError

DATA = Path(__file__).parents[1] / "data"
MINI = DATA / "mini.yaml"
LINES = (DATA / "mini.csv").read_text().splitlines()  # names, then r1..r4 (rows 2-5)
WIDTH = LINES[0].count(",") + 1
BAD = LINES[4].replace("r4,Y,,,4,", "r4,Y,,,8,")  # r4's E3 off the scale 1-5



def same(res, reference):
    same_figures(res, reference, missing=False)  # an empty line is a row with nothing missing of it


def refused(path, **kw):
    with pytest.raises(DataError) as info:
        servq.analyze(path, MINI, **kw)
    return info.value


def where(err):
    return [(p.row, p.column, p.value) for p in err.problems]


def write(path, text, newline="\n", encoding="utf-8"):
    path.write_bytes(text.replace("\n", newline).encode(encoding))
    return path


# ------------------------------------------------------------------ CSV rows as Excel shows them

@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_an_empty_line_is_a_row_so_later_problems_name_excels_row(tmp_path, newline):
    # rows: 1 names, 2 r1, 3 empty, 4 r2, 5 r3, 6 r4 (bad)
    path = write(tmp_path / "a.csv", "\n".join([LINES[0], LINES[1], "", LINES[2], LINES[3], BAD]) + "\n", newline)
    assert where(refused(path)) == [(6, "E3", "8")]


def test_an_empty_line_inside_a_quoted_value_is_no_row(tmp_path):
    # a segment value holding a blank line (one row, as in Excel), then an empty line: r4 is row 6
    path = write(tmp_path / "a.csv", "\n".join([LINES[0], LINES[1].replace(",X,", ',"X\n\nand more",'), "",
                                                LINES[2], LINES[3], BAD]) + "\n")
    assert where(refused(path)) == [(6, "E3", "8")]


def test_a_ragged_row_after_empty_lines_is_named_by_its_row(tmp_path):
    path = write(tmp_path / "a.csv", "\n".join([LINES[0], "", "", LINES[1], LINES[2] + ",extra", LINES[3]]) + "\n")
    err = refused(path)
    assert err.summary.endswith("1 row(s) do not have one field per column")
    assert [p.row for p in err.problems] == [5]


def test_empty_lines_below_the_answers_and_no_final_newline_change_nothing(tmp_path, reference):
    same(servq.analyze(write(tmp_path / "a.csv", "\n".join(LINES) + "\n\n\n\n"), MINI, by="branch", min_n=1), reference)
    same(servq.analyze(write(tmp_path / "b.csv", "\r\n".join(LINES)), MINI, by="branch", min_n=1), reference)
    err = refused(write(tmp_path / "c.csv", "\n".join([*LINES[:4], BAD])))  # the last line, without its newline
    assert where(err) == [(5, "E3", "8")]


def test_an_empty_line_between_answers_is_an_empty_row_as_in_a_sheet(tmp_path):
    csv = servq.analyze(write(tmp_path / "a.csv", "\n".join([*LINES[:3], "", *LINES[3:]]) + "\n"), MINI, min_n=1)
    wb = openpyxl.Workbook()
    for line in [*LINES[:3], "", *LINES[3:]]:
        wb.active.append([int(v) if v.isdigit() else (v or None) for v in line.split(",")] if line else [])
    wb.save(tmp_path / "a.xlsx")
    sheet = servq.analyze(tmp_path / "a.xlsx", MINI, min_n=1)
    assert csv.data["n_respondents"] == sheet.data["n_respondents"] == 5
    assert csv.dimensions == sheet.dimensions


def test_a_header_only_file_without_a_final_newline_has_no_answer_rows(tmp_path):
    (problem,) = refused(write(tmp_path / "a.csv", LINES[0])).problems
    assert problem.message == "the file has no answer rows"


def test_excels_sep_line_names_the_delimiter_and_is_no_row(tmp_path, reference):
    semi = [line.replace(",", ";") for line in LINES]
    path = write(tmp_path / "a.csv", "\n".join(["sep=;", *semi]) + "\n", "\r\n")
    same(servq.analyze(path, MINI, by="branch", min_n=1), reference)
    bad = write(tmp_path / "b.csv", "\n".join(["sep=;", *semi[:4], BAD.replace(",", ";")]) + "\n")
    assert where(refused(bad)) == [(5, "E3", "8")]  # as Excel shows the file: the names on row 1


def test_a_delimiter_at_the_end_of_every_line_is_an_empty_unnamed_column(tmp_path, reference):
    path = write(tmp_path / "a.csv", "".join(f"{line},\n" for line in LINES))
    same(servq.analyze(path, MINI, by="branch", min_n=1), reference)
    ends = write(tmp_path / "b.csv", "".join(f"{line}{',' if i == 0 else ''}\n" for i, line in enumerate(LINES)))
    same(servq.analyze(ends, MINI, by="branch", min_n=1), reference)  # the names' line alone ends so
    shifted = write(tmp_path / "c.csv", "".join(f"{line},\n" for line in LINES[:3]) + LINES[3].replace(",Y,", ",Y,x,")
                    + "\n" + LINES[4] + ",\n")
    err = refused(shifted)
    assert where(err) == [(4, f"column {WIDTH + 1}", LINES[3].rsplit(",", 1)[1])]
    assert "has no name but holds a value: is a text with a delimiter (',') in it not quoted" in err.problems[0].message


@pytest.mark.parametrize("encoding", ["utf-32", "utf-32-le", "utf-32-be"])
def test_utf32_with_its_byte_order_mark(tmp_path, reference, encoding):
    bom = {"utf-32-le": "\ufeff", "utf-32-be": "\ufeff"}.get(encoding, "")
    path = write(tmp_path / "a.csv", bom + "\n".join(LINES).replace("X", "Göteborg") + "\n", "\r\n", encoding)
    res = servq.analyze(path, MINI, by="branch", min_n=1)
    assert res.dimensions == reference.dimensions and sorted(res.segments["branch"]) == ["Göteborg", "Y"]
    assert where(refused(write(tmp_path / "b.csv", bom + "\n".join([*LINES[:4], BAD]) + "\n", "\n", encoding))) == \
        [(5, "E3", "8")]


def test_a_nul_byte_in_a_text_file_is_named_by_line_and_offset(tmp_path):
    text = "\n".join(LINES) + "\n"
    path = tmp_path / "a.csv"
    path.write_bytes(text.encode().replace(b"r3,Y", b"r3,\x00Y"))
    err = refused(path)
    (problem,) = err.problems
    assert problem.line == 4 and f"byte offset {text.index('r3,Y') + 3}: a NUL byte (00)" in problem.message
    assert "(after 'r3,')" in problem.message


@pytest.mark.parametrize("value", ["inf", "-inf", "1e400", "1e12"])
def test_infinite_or_huge_answers_are_problems_without_warnings(tmp_path, value):
    path = write(tmp_path / "a.csv", "\n".join([*LINES[:4], LINES[4].replace("r4,Y,,,4,", f"r4,Y,,,{value},")]) + "\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy's "invalid value encountered in cast" was printed by the CLI
        assert where(refused(path)) == [(5, "E3", value)]


@pytest.mark.parametrize("value", ["4,0", " 4 ", "4.0", "04", "+4", "4."])
def test_numbers_as_exports_write_them(tmp_path, reference, value):
    delimiter = ";" if "," in value else ","
    lines = [line.replace(",", delimiter) for line in LINES]
    lines[4] = lines[4].replace(f"r4{delimiter}Y{delimiter}{delimiter}{delimiter}4{delimiter}",
                                f'r4{delimiter}Y{delimiter}{delimiter}{delimiter}"{value}"{delimiter}')
    same(servq.analyze(write(tmp_path / "a.csv", "\n".join(lines) + "\n"), MINI, by="branch", min_n=1), reference)


# ------------------------------------------------------------------ workbooks

def workbook(path, lines=LINES):
    wb = openpyxl.Workbook()
    for line in lines:
        wb.active.append([int(v) if v.isdigit() else (v or None) for v in line.split(",")])
    wb.save(path)
    return path


def rezip(src, dst, change):
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            zout.writestr(item.filename, change(item.filename, zin.read(item.filename)))
    return dst


def test_a_zip_bomb_is_refused_at_once(tmp_path):
    def pad(name, data):  # 65 MiB of blanks in the sheet: a few hundred KiB packed
        if name in ("xl/worksheets/sheet1.xml", "content.xml"):
            return data.replace(b"<sheetData>", b"<sheetData>" + b" " * (65 << 20)).replace(
                b"<table:table-row", b" " * (65 << 20) + b"<table:table-row", 1)
        return data
    pd.read_csv(DATA / "mini.csv").to_excel(tmp_path / "a.ods", engine="odf", index=False)
    for path in (rezip(workbook(tmp_path / "a.xlsx"), tmp_path / "bomb.xlsx", pad),
                 rezip(tmp_path / "a.ods", tmp_path / "bomb.ods", pad)):
        err = refused(path)
        assert "a zip bomb?" in err.problems[0].message and err.summary.endswith("refused: not a workbook as "
                                                                                  "spreadsheets save them")


def test_a_workbook_listing_more_parts_than_any_workbook_is_refused_unlisted(tmp_path):
    # 20,000 empty parts: a list of 2 MB, which alone takes seconds to read
    path = tmp_path / "parts.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        for i in range(20_000):
            archive.writestr(f"xl/media/{'part' * 12}{i:06d}.xml", b"")
    err = refused(path)
    assert "unpack to a list of parts no workbook has: a zip bomb?" in err.problems[0].message


LAUGHS = ('<!DOCTYPE lolz [<!ENTITY lol "lol">' + "".join(
    f'<!ENTITY lol{i} "' + (f"&lol{i - 1};" if i > 1 else "&lol;") * 10 + '">' for i in range(1, 10)) + "]>")


def test_xml_entity_expansion_is_refused(tmp_path):
    def laughs(name, data):
        if name in ("xl/worksheets/sheet1.xml", "content.xml"):
            head, _, rest = data.decode().rpartition("?>")  # after the XML declaration, if any
            return (head + _ + LAUGHS + rest.replace('string-value="X"', 'string-value="&lol9;"', 1)).encode()
        return data
    err = refused(rezip(workbook(tmp_path / "a.xlsx"), tmp_path / "lol.xlsx", laughs))
    assert "it declares XML entities" in err.problems[0].message
    pd.read_csv(DATA / "mini.csv").to_excel(tmp_path / "a.ods", engine="odf", index=False)
    err = refused(rezip(tmp_path / "a.ods", tmp_path / "lol.ods", laughs))
    assert err.summary.endswith("not a readable .ods workbook") and "entity" in err.problems[0].message


def test_a_workbook_named_as_another_kind_says_what_it_is(tmp_path):
    csv = tmp_path / "a.xlsx"
    csv.write_text("\n".join(LINES))
    assert refused(csv).problems[0].message == "the file is a text file (CSV?), not a .xlsx workbook: rename it to end in .csv"
    pd.read_csv(DATA / "mini.csv").to_excel(tmp_path / "real.ods", engine="odf", index=False)
    (tmp_path / "b.xlsx").write_bytes((tmp_path / "real.ods").read_bytes())
    assert "an OpenDocument spreadsheet (.ods), not a .xlsx workbook: rename it to end in .ods" in \
        refused(tmp_path / "b.xlsx").problems[0].message
    (tmp_path / "c.ods").write_bytes(workbook(tmp_path / "real.xlsx").read_bytes())
    assert "an Excel workbook (.xlsx), not a .ods workbook: rename it to end in .xlsx" in \
        refused(tmp_path / "c.ods").problems[0].message
    (tmp_path / "d.xlsx").write_bytes(b"")
    assert "the file is empty (0 bytes)" in refused(tmp_path / "d.xlsx").problems[0].message


def test_a_damaged_workbook_is_a_problem_not_a_traceback(tmp_path, capsys):
    rows = [LINES[0], *(f"r{i},X,1,2,3,4,5,1,50,50,3,7" for i in range(3000))]
    data = bytearray(workbook(tmp_path / "a.xlsx", rows).read_bytes())
    info = zipfile.ZipFile(tmp_path / "a.xlsx").getinfo("xl/worksheets/sheet1.xml")
    middle = info.header_offset + 30 + len(info.filename) + len(info.extra) + info.compress_size // 2
    data[middle:middle + 64] = b"x" * 64
    (tmp_path / "damaged.xlsx").write_bytes(data)
    err = refused(tmp_path / "damaged.xlsx")
    assert err.problems[0].file == str(tmp_path / "damaged.xlsx")
    code, _, stderr = run(capsys, "analyze", str(tmp_path / "damaged.xlsx"), "-i", str(MINI))
    assert code != 0 and "Traceback" not in stderr and "damaged.xlsx" in stderr


def test_numbers_formatted_as_dates_read_as_the_numbers(tmp_path, reference):
    path = workbook(tmp_path / "a.xlsx")
    wb = openpyxl.load_workbook(path)
    for row in range(2, 6):  # E3 and P1 of every respondent shown as dates: 1900-01-04 and so on
        for col in (5, 6):
            wb.active.cell(row, col).number_format = "yyyy-mm-dd"
    wb.save(path)
    same(servq.analyze(path, MINI, by="branch", min_n=1), reference)
    # LibreOffice counts from 30 December 1899 (no 29 February 1900): its 3 is 1900-01-02
    df = pd.read_csv(DATA / "mini.csv", dtype={"branch": str})
    df["E3"] = [datetime.datetime(1899, 12, 30) + datetime.timedelta(days=int(v)) for v in df["E3"]]
    df.to_excel(tmp_path / "a.ods", engine="odf", index=False)
    same(servq.analyze(tmp_path / "a.ods", MINI, by="branch", min_n=1), reference)


def test_real_dates_and_error_values_in_answer_cells_get_a_hint(tmp_path):
    path = workbook(tmp_path / "a.xlsx")
    wb = openpyxl.load_workbook(path)
    wb.active.cell(3, 5).value = datetime.datetime(2026, 1, 5)
    wb.save(path)
    err = refused(path)
    assert where(err) == [(3, "E3", "2026-01-05")]
    assert err.hint.startswith("the answers read as dates ('2026-01-05'): are the answer cells formatted as dates")
    wb.active.cell(3, 5).value = 4
    wb.active.cell(4, 5).value = 1e12  # a date off the calendar: openpyxl warned (printed by the CLI) and reads #VALUE!
    wb.active.cell(4, 5).number_format = "yyyy-mm-dd"
    wb.save(path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        err = refused(path)
    assert where(err) == [(4, "E3", "#VALUE!")]
    assert err.hint.startswith("the answer cells hold spreadsheet errors ('#VALUE!'): formulas that failed")


def test_the_answers_on_another_sheet_are_named_in_the_hint(tmp_path, reference):
    wb = openpyxl.Workbook()
    wb.active.title = "About"
    wb.active.append(["Exported 2026-03-01 by the survey tool"])
    data = wb.create_sheet("Answers")
    for line in LINES:
        data.append([int(v) if v.isdigit() else (v or None) for v in line.split(",")])
    wb.save(tmp_path / "a.xlsx")
    with pd.ExcelWriter(tmp_path / "a.ods", engine="odf") as writer:
        pd.DataFrame({"Exported 2026-03-01 by the survey tool": []}).to_excel(writer, sheet_name="About", index=False)
        pd.read_csv(DATA / "mini.csv", dtype={"branch": str}).to_excel(writer, sheet_name="Answers", index=False)
    for path in (tmp_path / "a.xlsx", tmp_path / "a.ods"):
        err = refused(path)
        assert err.hint == ("the workbook has 2 sheets ('About', 'Answers') and the first, 'About', was read: name the "
                            "sheet of the answers with --sheet NAME (Python: sheet=)")
        same(servq.analyze(path, MINI, by="branch", min_n=1, sheet="Answers"), reference)


def test_hidden_rows_and_columns_are_read_as_every_other(tmp_path):
    path = workbook(tmp_path / "a.xlsx", [*LINES[:4], BAD])
    wb = openpyxl.load_workbook(path)
    wb.active.row_dimensions[3].hidden = True
    wb.active.column_dimensions["B"].hidden = True
    wb.save(path)
    assert where(refused(path)) == [(5, "E3", "8")]


# ------------------------------------------------------------------ complaint registers

def test_an_empty_line_in_a_register_is_no_complaint_and_keeps_the_row_numbers(tmp_path):
    path = write(tmp_path / "r.csv", "\n".join([
        "received_at,unit,dimension,text",
        '2026-03-02 09:15,North,billing,"Invoice wrong.\n\nTwice!"',  # row 2, a text with an empty line
        "",                                                            # row 3
        "2026-03-03 10:00,South,network,network down again",           # row 4
        ",,,",                                                         # row 5, as Excel writes an empty row
        "2026-03-03 11:00,South,staff,",                               # row 6
    ]) + "\n")
    table = read_register(path, classify=False)
    assert table["id"].to_pylist() == ["2", "4", "6"]  # the ids of a register without any: its rows
    bad = write(tmp_path / "b.csv", path.read_text().replace("2026-03-03 11:00", "2026-03-0x"))
    with pytest.raises(DataError) as info:
        read_register(bad, classify=False)
    assert [(p.row, p.column, p.value) for p in info.value.problems] == [(6, "received_at", "2026-03-0x")]
