"""Reading operational metrics (date, region, metric, value) from CSV, XLSX and tables:
every problem with its row and column, nothing returned from a file with problems."""

import datetime as dt

import openpyxl
import pandas as pd
import pyarrow as pa
import pytest

from servq.complaints.operations import read_operations
from servq.errors import DataError

GOOD = """Date;Region;Metric;Value
2026-03-01;North;dropped_call_rate;0,012
2026-03-01;South;dropped_call_rate;0.009
2026-03-02;North;dropped_call_rate;
2026-03-02T00:00:00;South;dropped_call_rate;0.011
"""


def test_csv_with_semicolons_and_decimal_commas(tmp_path):
    path = tmp_path / "ops.csv"
    path.write_text(GOOD, encoding="utf-8")
    t = read_operations(path)
    assert t.column_names == ["date", "region", "metric", "value"]
    assert t.to_pylist() == [
        {"date": dt.date(2026, 3, 1), "region": "North", "metric": "dropped_call_rate", "value": 0.012},
        {"date": dt.date(2026, 3, 1), "region": "South", "metric": "dropped_call_rate", "value": 0.009},
        {"date": dt.date(2026, 3, 2), "region": "North", "metric": "dropped_call_rate", "value": None},
        {"date": dt.date(2026, 3, 2), "region": "South", "metric": "dropped_call_rate", "value": 0.011},
    ]


def test_every_problem_with_row_and_column(tmp_path):
    path = tmp_path / "ops.csv"
    path.write_text("""date,region,metric,value,note
2026-03-01,North,drops,1.5,ok
2026-02-30,North,drops,1.5,
01/03/2026,North,drops,1.5,
2026-03-02,,drops,2,
2026-03-03,North,,2,
2026-03-04,North,drops,many,
2026-03-01,North,drops,1.7,
,North,drops,1,
""", encoding="utf-8")
    with pytest.raises(DataError) as err:
        read_operations(path)
    got = [(p.row, p.column, p.message, p.value) for p in err.value.problems]
    assert got == [
        (3, "date", "not a date (use YYYY-MM-DD)", "2026-02-30"),
        (4, "date", "not a date (use YYYY-MM-DD)", "01/03/2026"),
        (5, "region", "the region is required", None),
        (6, "metric", "the metric is required", None),
        (7, "value", "not a number", "many"),
        (8, "date", "the same date, region and metric as row 2", "2026-03-01 North drops"),
        (9, "date", "the date is required", None),
    ]
    assert err.value.total == 7 and "nothing was read" in str(err.value)
    assert all(p.file == str(path) for p in err.value.problems)


def test_missing_columns(tmp_path):
    path = tmp_path / "ops.csv"
    path.write_text("day,region,value\n2026-03-01,North,1\n", encoding="utf-8")
    with pytest.raises(DataError) as err:
        read_operations(path)
    assert [(p.row, p.column) for p in err.value.problems] == [(1, "date"), (1, "metric")]


def test_xlsx_with_date_cells(tmp_path):
    path = tmp_path / "ops.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["date", "region", "metric", "value"])
    ws.append([dt.datetime(2026, 3, 1), "North", "queue_minutes", 4.5])
    ws.append([dt.datetime(2026, 3, 2), "North", "queue_minutes", 3])
    ws.append(["2026-03-03", "North", "queue_minutes", "x"])
    wb.save(path)
    with pytest.raises(DataError) as err:
        read_operations(path)
    assert [(p.row, p.column, p.value) for p in err.value.problems] == [(4, "value", "x")]
    ws.delete_rows(4)
    wb.save(path)
    t = read_operations(path)
    assert t.column("date").to_pylist() == [dt.date(2026, 3, 1), dt.date(2026, 3, 2)]
    assert t.column("value").to_pylist() == [4.5, 3.0]


def test_dataframe_with_typed_columns():
    df = pd.DataFrame({"date": pd.to_datetime(["2026-03-01", "2026-03-02"]), "region": ["N", "N"],
                       "metric": ["m", "m"], "value": [1, float("inf")]})
    with pytest.raises(DataError) as err:
        read_operations(df)
    assert [(p.row, p.column, p.message) for p in err.value.problems] == [(3, "value", "not a finite number")]
    t = read_operations(df.iloc[:1])
    assert t.to_pylist() == [{"date": dt.date(2026, 3, 1), "region": "N", "metric": "m", "value": 1.0}]
    tz = pa.table({"date": pa.array([dt.datetime(2026, 3, 1, 23, 30, tzinfo=dt.UTC)],
                                    pa.timestamp("us", tz="Europe/Stockholm")),
                   "region": ["N"], "metric": ["m"], "value": [1.0]})
    assert read_operations(tz).column("date").to_pylist() == [dt.date(2026, 3, 2)]  # the local date


def test_empty_file(tmp_path):
    path = tmp_path / "ops.csv"
    path.write_text("date,region,metric,value\n", encoding="utf-8")
    with pytest.raises(DataError, match="1 problem"):
        read_operations(path)
