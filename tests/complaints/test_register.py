"""Reading a complaints register: a good file, times with and without offsets, every kind
of problem with its row and column, hashed contacts, dimensions filled in by the
classifier, other formats (XLSX date cells, typed Parquet columns), customers per unit,
and the shipped example files."""

import datetime as dt
import hashlib
from pathlib import Path
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from servq.complaints.analytics import complaints_block
from servq.complaints.operations import read_operations
from servq.complaints.register import hash_contact, read_customers, read_register
from servq.complaints.sla import load_policies
from servq.errors import DataError, UsageError

ROOT = Path(__file__).parents[2]
EXAMPLES = ROOT / "examples"
UTC = dt.UTC
STHLM = ZoneInfo("Europe/Stockholm")


def write(tmp_path, text: str, name: str = "register.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


GOOD = """\
ID,Received At,Unit,Dimension,channel,Tier,product,acknowledged_at,resolved_at,Status,e-mail
c1,2026-03-02 09:15,North,billing,phone,gold,mobile,2026-03-02 10:00,2026-03-04T16:30+01:00,resolved,Ann@Example.com
c2,2026-03-02T10:00:00+02:00,South,network,web,,,,,open,
c3,2026-03-03,North,billing,,standard,,2026-03-03 08:00,,open, ann@example.com
c4,2026-03-03T12:00:30.250Z,South, network ,app,,,,,,
"""


def test_a_good_file_gives_the_table_the_block_expects(tmp_path):
    t = read_register(write(tmp_path, GOOD), timezone="Europe/Stockholm")
    assert t.column_names == ["id", "received_at", "unit", "dimension", "channel", "tier", "product",
                              "acknowledged_at", "resolved_at", "status", "customer_key"]
    assert t.schema.field("received_at").type == pa.timestamp("us", tz="UTC")
    rows = t.to_pylist()
    assert [r["id"] for r in rows] == ["c1", "c2", "c3", "c4"]
    # naive = Stockholm time (CET, +01:00 in March before the 29th); offsets as written; a date = local midnight
    assert [r["received_at"] for r in rows] == [utc(2026, 3, 2, 8, 15), utc(2026, 3, 2, 8, 0),
                                               utc(2026, 3, 2, 23, 0), utc(2026, 3, 3, 12, 0, 30, 250000)]
    assert rows[0]["acknowledged_at"] == utc(2026, 3, 2, 9, 0) and rows[0]["resolved_at"] == utc(2026, 3, 4, 15, 30)
    assert rows[1]["tier"] is None and rows[1]["product"] is None and rows[1]["acknowledged_at"] is None
    assert rows[3]["dimension"] == "network" and rows[3]["status"] is None  # trimmed; blank = null
    # the same address in two spellings: one customer, and no contact detail in the table
    assert rows[0]["customer_key"] == rows[2]["customer_key"] == hashlib.sha256(b"email:ann@example.com").hexdigest()
    assert rows[1]["customer_key"] is None
    assert "Ann@Example.com" not in str(t.to_pydict())
    meta = t.schema.metadata
    assert meta[b"servq.customer_key"] == b"e-mail" and meta[b"servq.classified"] == b"0"
    assert meta[b"servq.timezone"] == b"Europe/Stockholm"
    block = complaints_block(t, timezone="Europe/Stockholm", min_n=1)
    assert block["n"] == 4 and {r["value"]: r["n"] for r in block["volume"]["by_dimension"]} == {"billing": 2,
                                                                                               "network": 2}
    assert block["repeat"]["customers"] == 1 and block["repeat"]["repeat_customers"] == 1


@pytest.mark.parametrize("text, expected", [
    ("2026-03-29 01:30", utc(2026, 3, 29, 0, 30)),      # CET
    ("2026-03-29 02:30", utc(2026, 3, 29, 1, 30)),      # inside the spring gap: fold = 0, the offset before (+01)
    ("2026-03-29 03:30", utc(2026, 3, 29, 1, 30)),      # CEST
    ("2026-10-25 02:30", utc(2026, 10, 25, 0, 30)),     # occurs twice: fold = 0, the first (+02)
    ("2026-10-25 03:30", utc(2026, 10, 25, 2, 30)),     # CET again
    ("2026-10-25 02:30+01:00", utc(2026, 10, 25, 1, 30)),  # the second 02:30, by its offset
    ("2026-03-02 09:15 -0530", utc(2026, 3, 2, 14, 45)),
    ("2026-03-02T09:15+01", utc(2026, 3, 2, 8, 15)),
    ("2026-03-02 9:05:07,5", utc(2026, 3, 2, 8, 5, 7, 500000)),
])
def test_naive_times_are_local_and_offsets_are_kept(text, expected):
    t = read_register(pa.table({"received_at": [text], "unit": ["u"], "dimension": ["d"]}), timezone="Europe/Stockholm")
    assert t["received_at"][0].as_py() == expected
    if "+" not in text[10:] and "-" not in text[10:] and text[11:13].isdigit():  # as Python's zoneinfo reads it
        naive = dt.datetime.fromisoformat(text.replace(",", "."))
        assert naive.replace(tzinfo=STHLM).astimezone(UTC) == expected


def test_utc_is_the_default_zone():
    t = read_register(pa.table({"received_at": ["2026-03-02 09:15"], "unit": ["u"], "dimension": ["d"]}))
    assert t["received_at"][0].as_py() == utc(2026, 3, 2, 9, 15)


BAD = """\
id,received_at,unit,dimension,acknowledged_at,resolved_at,email,phone
a1,2026-03-02 09:00,North,billing,2026-03-02 08:00,,not-an-address,
a2,02/03/2026 10:00,North,billing,,,,
a3,,North,billing,,,,12-3
a1,2026-03-02 11:00,,network,,2026-03-01,,
,2026-02-30 10:00,South,,,,,
a6,2026-03-02 24:00,South,billing,yesterday,,,
"""


def test_every_problem_is_reported_at_once_with_its_row_and_column(tmp_path):
    path = write(tmp_path, BAD)
    with pytest.raises(DataError) as info:
        read_register(path, classify=False)
    err = info.value
    found = {(p.row, p.column): p.message for p in err.problems}
    assert err.total == len(err.problems) == 13
    assert str(path) in err.summary and all(p.file == str(path) for p in err.problems)
    assert found[(2, "acknowledged_at")].startswith("before the complaint was received")
    assert found[(2, "email")] == "not an e-mail address"
    assert found[(3, "received_at")].startswith("not a time")
    assert found[(4, "received_at")] == "the time the complaint was received is required"
    assert found[(4, "phone")] == "not a phone number"
    assert found[(5, "id")] == "complaint id given twice (first at row 2)"
    assert found[(5, "unit")] == "the unit is required"
    assert found[(6, "id")] == "the complaint id is blank"
    assert found[(6, "received_at")].startswith("not a time")  # 30 February does not exist
    assert found[(6, "dimension")] == "the dimension is required"
    assert (7, "received_at") in found and (7, "acknowledged_at") in found
    text = str(err)
    assert "not-an-address" not in text and "12-3" not in text  # contact details are not repeated
    assert "'02/03/2026 10:00'" in text  # other values are, as written
    assert found[(5, "resolved_at")] == "before the complaint was received (2026-03-02 11:00)"
    assert [p.column for p in err.problems if p.row == 5] == ["id", "unit", "resolved_at"]  # in file order
    rows = [p.row for p in err.problems]
    assert rows == sorted(rows)


def test_problems_are_limited_but_counted(tmp_path):
    body = "".join(f"x{i},someday,North,billing\n" for i in range(30))
    with pytest.raises(DataError) as info:
        read_register(write(tmp_path, "id,received_at,unit,dimension\n" + body), max_problems=5)
    assert len(info.value.problems) == 5 and info.value.total == 30
    assert "and 25 more problems" in str(info.value)


def test_missing_and_doubled_columns_are_reported_in_the_header(tmp_path):
    with pytest.raises(DataError) as info:
        read_register(write(tmp_path, "Received_At,received at,channel\n2026-03-02,2026-03-02,phone\n"))
    found = {(p.row, p.column): p.message for p in info.value.problems}
    assert found[(1, "received at")] == "the columns 'Received_At' and 'received at' are both read as received_at"
    assert found[(1, "unit")] == "required column 'unit' is missing"
    assert found[(1, "dimension")].startswith("required column 'dimension' is missing (or give a 'text' column")


def test_user_mistakes_in_the_call_are_usage_errors(tmp_path):
    with pytest.raises(UsageError, match="unknown time zone"):
        read_register(write(tmp_path, GOOD), timezone="Mars/Olympus")
    with pytest.raises(UsageError, match="complaints register not found"):
        read_register(tmp_path / "nowhere.csv")


def test_ids_default_to_row_numbers_and_an_empty_register_is_empty(tmp_path):
    t = read_register(write(tmp_path, "received_at,unit,dimension\n2026-03-02,N,b\n2026-03-03,N,b\n"))
    assert t["id"].to_pylist() == ["2", "3"]
    empty = read_register(write(tmp_path, "received_at,unit,dimension\n", "empty.csv"))
    assert empty.num_rows == 0 and complaints_block(empty)["n"] == 0


# --------------------------------------------------------------------------- contacts


def test_contacts_are_normalised_and_hashed():
    assert hash_contact("email", "  Ann@Example.COM") == hashlib.sha256(b"email:ann@example.com").hexdigest()
    assert hash_contact("phone", "+46 70-123 45 67") == hash_contact("phone", "0046 (70) 123.45.67") \
        == hashlib.sha256(b"phone:+46701234567").hexdigest()
    assert hash_contact("phone", "070-123 45 67") != hash_contact("phone", "+46 70 123 45 67")  # national form
    assert hash_contact("customer", " K 1001 ") == hash_contact("customer", "k 1001")
    assert hash_contact("email", "ann") is None and hash_contact("phone", "12") is None
    assert hash_contact("email", "ann@example.com") != hash_contact("customer", "ann@example.com")


def test_a_row_takes_its_key_the_first_contact_it_has():
    t = read_register(pa.table({
        "received_at": ["2026-03-02"] * 5, "unit": ["u"] * 5, "dimension": ["d"] * 5,
        "customer_key": ["K1", None, None, None, " "],
        "email": ["a@x.se", "a@x.se", None, None, None],
        "Phone": [None, "+4670111", "+46 70 111", None, None],
        "customer": [None, None, None, "Nr 7", None]}))
    keys = t["customer_key"].to_pylist()
    assert keys[0] == "K1"  # a given key is kept as it is
    assert keys[1] == hash_contact("email", "a@x.se") and keys[2] == hash_contact("phone", "+4670111")
    assert keys[3] == hash_contact("customer", "nr 7") and keys[4] is None
    assert t.schema.metadata[b"servq.customer_key"] == b"customer_key,email,Phone,customer"
    assert {"email", "Phone", "customer"}.isdisjoint(t.column_names)


# --------------------------------------------------------------------------- classification


TEXTS = """\
received_at,unit,dimension,text
2026-03-02,North,,The invoice was twice what you promised and I was billed twice.
2026-03-02,North,network,Calls keep dropping.
2026-03-03,South,,Fakturan är för hög igen.
"""


def test_blank_dimensions_are_classified_from_the_text(tmp_path):
    t = read_register(write(tmp_path, TEXTS))
    assert t["dimension"].to_pylist() == ["price_billing", "network", "price_billing"]
    assert t.schema.metadata[b"servq.classified"] == b"2" and "text" not in t.column_names


def test_a_classifier_can_be_given_and_classification_switched_off(tmp_path):
    seen = []

    def classifier(texts):
        seen.extend(texts)
        return ["mine"] * len(texts)

    t = read_register(write(tmp_path, TEXTS), classify=classifier)
    assert t["dimension"].to_pylist() == ["mine", "network", "mine"]
    assert seen == ["The invoice was twice what you promised and I was billed twice.", "Fakturan är för hög igen."]
    with pytest.raises(DataError) as info:
        read_register(write(tmp_path, TEXTS), classify=False)
    assert [(p.row, p.column) for p in info.value.problems] == [(2, "dimension"), (4, "dimension")]


def test_a_text_column_stands_in_for_the_dimension_column_but_not_a_blank_text(tmp_path):
    path = write(tmp_path, "received_at,unit,text\n2026-03-02,North,Nobody answered the phone for an hour.\n"
                           "2026-03-02,North,\n")
    with pytest.raises(DataError) as info:
        read_register(path, classify=lambda texts: ["x"] * len(texts))
    (problem,) = info.value.problems
    assert (problem.row, problem.column) == (3, "dimension") and "the text is blank too" in problem.message


def test_a_text_reading_na_or_null_is_classified_as_text_not_taken_for_blank(tmp_path):
    # issue 15: NA, null, N/A, None and nan are complaint texts; only a blank cell is none
    path = write(tmp_path, "received_at,unit,dimension,text\n" + "".join(
        f"2026-03-02,North,,{t}\n" for t in ("NA", "null", "N/A", "None", "nan")))
    seen = []
    t = read_register(path, classify=lambda texts: seen.extend(texts) or ["x"] * len(texts))
    assert seen == ["NA", "null", "N/A", "None", "nan"] and t["dimension"].to_pylist() == ["x"] * 5
    # in the dimension column NA is missing still, and a blank text cannot stand in for it
    with pytest.raises(DataError, match="the text is blank too"):
        read_register(write(tmp_path, "received_at,unit,dimension,text\n2026-03-02,North,NA,\n"),
                      classify=lambda texts: ["x"] * len(texts))


def test_a_register_that_is_not_utf8_names_the_line_or_is_read_in_the_encoding_given(tmp_path):
    path = tmp_path / "register.csv"
    path.write_bytes("received_at,unit,dimension,text\n2026-03-02,Malmö,billing,Fakturan är fel\n".encode()
                     + b"2026-03-03,G\xf6teborg,billing,Fakturan \xe4r fel igen\n")
    with pytest.raises(DataError) as info:
        read_register(path)
    assert info.value.problems[0].line == 3 and "F6 are not UTF-8 (after '2026-03-03,G')" in str(info.value)
    assert "--encoding" in info.value.hint
    path.write_bytes("received_at,unit,dimension\n2026-03-02,Malmö,billing\n2026-03-03,Göteborg,billing\n"
                     .encode("cp1252"))
    for encoding in (None, "cp1252"):
        t = read_register(path, encoding=encoding)
        assert t["unit"].to_pylist() == ["Malmö", "Göteborg"]
        assert t.schema.metadata.get(b"servq.encoding") == (b"cp1252" if encoding is None else None)


# --------------------------------------------------------------------------- other formats


def test_xlsx_date_cells_are_local_times(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["id", "received_at", "unit", "dimension", "resolved_at"])
    ws.append([1, dt.datetime(2026, 3, 2, 9, 15), "North", "billing", dt.date(2026, 3, 4)])
    ws.append([2, "2026-03-02T10:00+02:00", "South", "network", None])
    path = tmp_path / "register.xlsx"
    wb.save(path)
    t = read_register(path, timezone="Europe/Stockholm")
    assert t["id"].to_pylist() == ["1", "2"]
    assert t["received_at"].to_pylist() == [utc(2026, 3, 2, 8, 15), utc(2026, 3, 2, 8, 0)]
    assert t["resolved_at"].to_pylist() == [utc(2026, 3, 3, 23, 0), None]


def test_typed_parquet_columns(tmp_path):
    path = tmp_path / "register.parquet"
    pq.write_table(pa.table({
        "id": pa.array([10, 11]),
        "received_at": pa.array([dt.datetime(2026, 3, 2, 9, 15), dt.datetime(2026, 7, 1, 12)], pa.timestamp("ns")),
        "unit": ["North", "South"], "dimension": ["billing", "network"],
        "acknowledged_at": pa.array([utc(2026, 3, 2, 9), None], pa.timestamp("ms", tz="UTC")),
        "resolved_at": pa.array([dt.date(2026, 3, 4), None], pa.date32()),
        "ack_due": pa.array([utc(2026, 3, 2, 12), utc(2026, 7, 1, 14)], pa.timestamp("us", tz="UTC")),
    }), path)
    t = read_register(path, timezone="Europe/Stockholm")
    assert t["id"].to_pylist() == ["10", "11"]
    assert t["received_at"].to_pylist() == [utc(2026, 3, 2, 8, 15), utc(2026, 7, 1, 10)]  # CET, CEST
    assert t["acknowledged_at"][0].as_py() == utc(2026, 3, 2, 9) and t["resolved_at"][0].as_py() == utc(2026, 3, 3, 23)
    assert t["ack_due"].to_pylist() == [utc(2026, 3, 2, 12), utc(2026, 7, 1, 14)]  # a register's own due times


def test_a_number_is_not_a_time(tmp_path):
    path = tmp_path / "register.parquet"
    pq.write_table(pa.table({"received_at": [46083.5], "unit": ["N"], "dimension": ["b"]}), path)
    with pytest.raises(DataError) as info:
        read_register(path)
    (problem,) = info.value.problems
    assert (problem.row, problem.column, problem.message) == (2, "received_at", "not a time (double column)")


def test_early_dates_are_read_and_dates_no_calendar_has_are_problems(tmp_path):
    """1900 and year 1 are possible (if unlikely) dates: read, and analysed at the cost of a
    few weeks. A time outside the years 1 to 9999 in UTC is a problem of its row."""
    path = write(tmp_path, "received_at,unit,dimension\n0001-01-01,N,b\n1900-01-01 12:00,N,b\n2026-03-02,N,b\n")
    assert read_register(path)["received_at"].to_pylist()[:2] == [utc(1, 1, 1), utc(1900, 1, 1, 12)]
    path = write(tmp_path, "received_at,unit,dimension\n0000-06-01,N,b\n2026-03-02,N,b\n"
                           "0001-01-01T00:30+01:00,N,b\n9999-12-31T23:30-01:00,N,b\n")
    with pytest.raises(DataError) as info:
        read_register(path)
    assert [(p.row, p.column, p.message, p.value) for p in info.value.problems] == [
        (r, "received_at", "outside the years 1 to 9999 (in UTC)", v)
        for r, v in ((2, "0000-06-01"), (4, "0001-01-01T00:30+01:00"), (5, "9999-12-31T23:30-01:00"))]


# --------------------------------------------------------------------------- customers per unit


def test_customers_per_unit(tmp_path):
    good = write(tmp_path, "Unit;Customers\nNorth;12 000\nSouth;8000,5\nWest;1,500\n", "customers.csv")
    assert read_customers(good) == {"North": 12000.0, "South": 8000.5, "West": 1500.0}
    bad = write(tmp_path, "unit,customers\nNorth,100\nnorth,200\n,50\nEast,-3\nWest,many\n", "bad.csv")
    with pytest.raises(DataError) as info:
        read_customers(bad)
    found = {(p.row, p.column): p.message for p in info.value.problems}
    assert found == {(3, "unit"): "unit given twice (first at row 2)", (4, "unit"): "the unit is required",
                     (5, "customers"): "customers must be a positive number",
                     (6, "customers"): "customers must be a positive number"}
    with pytest.raises(DataError, match="required column 'customers' is missing"):
        read_customers(write(tmp_path, "unit,n\nNorth,1\n", "cols.csv"))


# --------------------------------------------------------------------------- the examples


def test_the_example_files_are_valid():
    t = read_register(EXAMPLES / "complaints.csv", timezone="Europe/Stockholm")
    assert t.num_rows == 735 and t.schema.metadata[b"servq.classified"] == b"20"
    assert t["customer_key"].null_count < t.num_rows and t.schema.metadata[b"servq.customer_key"] == b"email,phone"
    assert {p.category for p in load_policies(EXAMPLES / "sla.yaml")} == {"*", "price_billing"}
    customers = read_customers(EXAMPLES / "customers.csv")
    assert set(customers) == {"North", "South", "East", "West", "Central", "Gotland"}
    ops = read_operations(EXAMPLES / "network.csv")
    assert set(ops["region"].to_pylist()) == set(t["unit"].to_pylist())


def test_the_fast_path_reads_times_as_the_pattern_does():
    from servq.complaints.register import _parse_fast, _parse_text, _Problems

    for column in (["2026-03-02 09:15", "2026-03-29 02:30", "2026-10-25 02:30", "2026-03-02", None,
                    "2026-03-02T09:15:30.250", "1999-02-28 00:00:01.000001", "2028-02-29T23:59:59"],
                   ["2026-03-02T09:15+01:00", "2026-03-02T09:15Z", "2026-03-02T09:15:30.5-05:30", None]):
        arr = pa.array(column, pa.string())
        fast = _parse_fast(arr, "Europe/Stockholm")
        slow = _parse_text(arr, "c", "Europe/Stockholm", _Problems("f", 50), fast=False)
        assert fast is not None
        assert fast[0].tolist() == slow[0].tolist() and fast[1].tolist() == slow[1].tolist()
    # a cell the pattern refuses (Arrow would read an hour alone) sends the column down the slow path
    assert _parse_fast(pa.array(["2026-03-02T09", "2026-03-02"]), "UTC") is None
