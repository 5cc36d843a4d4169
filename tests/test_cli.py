"""The servq command line end to end: outputs, help, and clear errors without tracebacks."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from cli_helpers import run

DATA = Path(__file__).parent / "data"
MINI = str(DATA / "mini.yaml")


def test_analyze_writes_report_and_json(tmp_path, capsys):
    html, js = tmp_path / "r.html", tmp_path / "r.json"
    code, out, err = run(capsys, "analyze", str(DATA / "mini.csv"), "-i", MINI, "--by", "branch",
                         "--min-n", "1", "--out", str(html), "--json", str(js))
    assert code == 0, err
    assert f"wrote {html}" in out and f"wrote {js}" in out
    data = json.loads(js.read_text(encoding="utf-8"))
    assert data["n_respondents"] == 4 and data["options"]["min_n"] == 1
    assert html.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_analyze_bad_file_lists_problems_and_writes_nothing(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("respondent_id,E1,E2,E3,P1,P2,P3\nr1,8,1,1,1,1,1\nr2,1,1,1,1,x,1\n")
    js = tmp_path / "r.json"
    code, out, err = run(capsys, "analyze", str(bad), "-i", MINI, "--json", str(js))
    assert code == 1
    assert "error:" in err and "2 problem(s) found" in err
    assert f"{bad}, row 2, column E1: outside the scale 1-5" in err
    assert f"{bad}, row 3, column P2: not a number (value 'x')" in err
    assert "Traceback" not in err and not js.exists()


@pytest.mark.parametrize("args, message", [
    (["analyze", "missing.csv", "-i", "servqual"], "error: data file not found: missing.csv"),
    (["analyze", str(DATA / "mini.csv"), "-i", "nosuch"], "error: unknown instrument 'nosuch'"),
    (["analyze", str(DATA / "mini.csv"), "-i", MINI, "--by", "region"], "no segment column 'region'"),
    (["analyze", str(DATA / "mini.csv"), "-i", MINI, "--by", "branch,region"], "no segment column 'region'"),
    (["analyze", str(DATA / "mini.csv"), "-i", MINI, "--lang", "de"], "unknown language 'de'"),
    (["instruments", "show", "nosuch"], "unknown instrument"),
    (["instruments", "show", "servqual", "--lang", "fr"], "unknown language 'fr'"),
])
def test_user_errors_are_one_clear_line(capsys, args, message):
    code, out, err = run(capsys, *args)
    assert code == 1 and message in err and "Traceback" not in err


def test_by_takes_a_comma_separated_list(tmp_path, capsys):
    """``--by a,b`` is ``--by a --by b`` (as a spreadsheet user types it)."""
    lines = (DATA / "mini.csv").read_text().splitlines()
    data = tmp_path / "two_segments.csv"
    data.write_text("\n".join([lines[0] + ",channel"] + [f"{ln},{'web' if i % 2 else 'shop'}"
                                                         for i, ln in enumerate(lines[1:])]) + "\n")
    one, two = tmp_path / "one.json", tmp_path / "two.json"
    assert run(capsys, "analyze", str(data), "-i", MINI, "--by", "Branch, channel", "--json", str(one),
               "--no-quality")[0] == 0
    assert run(capsys, "analyze", str(data), "-i", MINI, "--by", "branch", "--by", "channel", "--json", str(two),
               "--no-quality")[0] == 0
    a, b = json.loads(one.read_text()), json.loads(two.read_text())
    assert a["segments"] == b["segments"] and set(a["segments"]) == {"branch", "channel"}


def test_usage_error_exit_2(capsys):
    code, out, err = run(capsys, "analyze", str(DATA / "mini.csv"))
    assert code == 2 and "--instrument" in err


def test_instruments_validate(tmp_path, capsys):
    good = run(capsys, "instruments", "validate", MINI)
    assert good[0] == 0 and "valid instrument 'mini'" in good[1]
    bad = tmp_path / "bad.yaml"
    bad.write_text((DATA / "mini.yaml").read_text().replace("dimension: b", "dimension: c")
                   .replace("  max: 5\n", "  max: 5\n  colour: red\n", 1))
    code, out, err = run(capsys, "instruments", "validate", str(bad))
    assert code == 1
    assert "unknown field" in err and "scale.colour" in err
    assert "line " in err


def test_instruments_list_and_show(capsys):
    code, out, _ = run(capsys, "instruments", "list")
    for name in ("servqual", "servqual-zot", "servperf", "gronroos", "customer-focus", "customer-value"):
        assert name in out
    code, out, _ = run(capsys, "instruments", "show", "servqual", "--lang", "sv")
    assert "E1/P1" in out and "W_tangibles" in out and "recommend" in out


def test_simulate_writes_requested_format(tmp_path, capsys):
    out_file = tmp_path / "s.parquet"
    code, out, err = run(capsys, "simulate", "servqual-zot", "-n", "50", "-o", str(out_file), "--seed", "3")
    assert code == 0, err
    import pyarrow.parquet as pq
    table = pq.read_table(out_file)
    assert table.num_rows == 50 and "A1" in table.column_names and "D22" in table.column_names


def test_demo(tmp_path, capsys):
    code, out, err = run(capsys, "demo", "--out-dir", str(tmp_path), "-n", "400")
    assert code == 0, err
    data = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert data["n_respondents"] == 400
    assert len(data["segments"]["branch"]) == 12 and len(data["segments"]["channel"]) == 3
    assert str((tmp_path / "report.html").resolve()) in out


@pytest.mark.parametrize("cmd", [[], ["analyze"], ["simulate"], ["demo"], ["instruments"], ["instruments", "list"],
                                 ["instruments", "show"], ["instruments", "validate"]])
def test_every_help(cmd, capsys):
    code, out, err = run(capsys, *cmd, "--help")
    assert code == 0 and "Usage: servq" in out


def test_installed_entry_point_no_traceback(tmp_path):
    exe = Path(sys.executable).with_name("servq")
    proc = subprocess.run([str(exe), "analyze", str(tmp_path / "x.csv"), "-i", "servqual"], capture_output=True, text=True)
    assert proc.returncode == 1
    assert proc.stderr.strip() == f"error: data file not found: {tmp_path / 'x.csv'}"


def test_analyze_quality_options(tmp_path, capsys):
    data = tmp_path / "a.parquet"
    run(capsys, "simulate", "servqual", "-n", "600", "-o", str(data), "--seed", "5")
    js = tmp_path / "r.json"
    code, out, err = run(capsys, "analyze", str(data), "-i", "servqual", "--invariance", "channel", "--json", str(js))
    assert code == 0, err
    result = json.loads(js.read_text(encoding="utf-8"))
    assert result["invariance"]["column"] == "channel" and result["cfa"]["fit"]["df"] == 199
    assert "apart" in out  # the summary names the dimensions customers do not tell apart
    code, out, err = run(capsys, "analyze", str(data), "-i", "servqual", "--no-quality", "--json", str(js))
    result = json.loads(js.read_text(encoding="utf-8"))
    assert code == 0 and result["reliability"] is None and result["cfa"] is None
