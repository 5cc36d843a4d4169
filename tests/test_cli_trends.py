"""``servq analyze --period``: trends in the JSON and the report; bad dates and options give
one clear line each, never a traceback."""

import json
from pathlib import Path

import pytest
from cli_helpers import run

HERE = Path(__file__).parent
DATA = HERE / "golden" / "data" / "trends_servqual.csv"  # servq simulate servqual --n 800 --seed 404
ONE = str(HERE / "data" / "trends_one.yaml")


def test_period_writes_trends_to_json_and_report(tmp_path, capsys):
    js, html = tmp_path / "r.json", tmp_path / "r.html"
    code, out, err = run(capsys, "analyze", str(DATA), "-i", "servqual", "--period", "quarter", "--no-quality",
                         "--json", str(js), "--out", str(html))
    assert code == 0, err
    trends = json.loads(js.read_text(encoding="utf-8"))["trends"]
    assert [p["label"] for p in trends["periods"]] == ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
    assert sum(p["n"] for p in trends["periods"]) == 800 and trends["column"] == "date"
    assert '<section id="trends">' in html.read_text(encoding="utf-8")


def test_period_column_names_a_wave_column(tmp_path, capsys):
    path = tmp_path / "waves.csv"
    path.write_text("round,P1,sat\nW2,4,5\nW1,5,4\nW10,6,2\nW2,5,3\n", encoding="utf-8")
    js = tmp_path / "r.json"
    code, _, err = run(capsys, "analyze", str(path), "-i", ONE, "--period", "wave", "--period-column", "round",
                       "--min-n", "1", "--json", str(js))
    assert code == 0, err
    trends = json.loads(js.read_text(encoding="utf-8"))["trends"]
    assert [(p["label"], p["n"]) for p in trends["periods"]] == [("W1", 1), ("W2", 2), ("W10", 1)]


def test_bad_date_is_one_line_with_row_column_and_value(tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_text("date,P1,sat\n2026-01-05,4,5\n2026-13-01,5,4\n", encoding="utf-8")
    code, out, err = run(capsys, "analyze", str(path), "-i", ONE, "--period", "month")
    assert code == 1 and "Traceback" not in err + out
    assert f"{path}, row 3, column date" in err and "not a date (use YYYY-MM-DD)" in err and "2026-13-01" in err


@pytest.mark.parametrize(("args", "message"), [
    (["--period", "week"], "period must be one of month, quarter, wave, got 'week'"),
    (["--period-column", "date"], "period_column needs a period"),
    (["--period", "month", "--period-column", "when"], "no segment column 'when'"),
])
def test_bad_options_are_one_clear_line(capsys, args, message):
    code, out, err = run(capsys, "analyze", str(DATA), "-i", "servqual", "--no-quality", *args)
    assert code != 0 and message in err and "Traceback" not in err + out
