"""`servq scorecard` end to end: the printed tables, the JSON and HTML it writes, and user
mistakes reported in one line without a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from cli_helpers import run

from servq.report import SCHEMA_PATH

ROOT = Path(__file__).parents[1]
DATA = ROOT / "tests" / "data" / "scorecard_employees.csv"
STANDARDS = ROOT / "examples" / "standards.yaml"


def test_scorecard_prints_tables_and_writes_json_and_html(tmp_path, capsys):
    html, js = tmp_path / "card.html", tmp_path / "card.json"
    code, out, err = run(capsys, "scorecard", str(DATA), "-i", "servqual", "--unit", "employee", "--parent", "team",
                         "--standards", str(STANDARDS), "--no-quality", "--out", str(html), "--json", str(js))
    assert code == 0, err
    assert "SERVQUAL score [servqual]" in out and "NPS (recommend) [nps:recommend]" in out
    assert "standard >= -0.8: 4 pass, 5 fail, 5 not enough data (n < 10, basis shrunk)" in out
    # bo: 3 answers, ranked by his shrunk SERVQUAL score, not enough data for the standard
    line = next(ln for ln in out.splitlines()[out.splitlines().index("SERVQUAL score [servqual]"):] if " bo " in ln)
    assert line.split()[:4] == ["1", "bo", "north", "3"] and line.rstrip().endswith("Not enough data")
    assert "note: scorecard nps:recommend: the between-unit variance is estimated as 0" in out
    assert f"wrote {html}" in out and f"wrote {js}" in out
    data = json.loads(js.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))).validate(data)
    card = data["scorecard"]
    assert [s["key"] for s in card["standards"]] == ["gap:reliability", "gap:responsiveness", "perception:empathy",
                                                     "servqual", "nps:recommend"]
    assert card["standards"][3]["counts"] == {"pass": 4, "fail": 5, "not_enough_data": 5}
    assert data["options"]["by"] == ["employee", "team"]
    page = html.read_text(encoding="utf-8")
    assert '<section id="scorecard">' in page and "Service standards" in page


@pytest.mark.parametrize("args,message", [
    (["--unit", "cashier"], "cashier"),
    (["--unit", "employee", "--measure", "gap:speed"], "unknown dimension 'speed'"),
    (["--unit", "employee", "--basis", "median"], "basis must be shrunk, raw or interval"),
    (["--unit", "employee", "--parent", "employee"], "cannot also be its parent"),
    (["--unit", "employee", "--lang", "fi"], "unknown language 'fi'"),
])
def test_usage_errors_are_one_line(capsys, args, message):
    code, out, err = run(capsys, "scorecard", str(DATA), "-i", "servqual", "--no-quality", *args)
    assert code == 1 and err.startswith("error: ") and message in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_bad_standards_file_lists_problems_with_lines(tmp_path, capsys):
    bad = tmp_path / "std.yaml"
    bad.write_text("standards:\n  - {measure: gap, dimension: empathy, target: '>= -0.5'}\n"
                   "  - {measure: nps, outcome: recommend, target: 'above 30'}\nbasis: best\n", encoding="utf-8")
    code, out, err = run(capsys, "scorecard", str(DATA), "-i", "servperf", "--unit", "employee",
                         "--standards", str(bad))
    assert code == 1 and "Traceback" not in err
    lines = err.strip().splitlines()
    assert lines[0] == f"error: {bad}: 3 problem(s) in the service standards"
    assert lines[1].startswith(f"  {bad}, line 2, standards[0]: measure 'gap' needs perception and expectation")
    assert lines[2].startswith(f"  {bad}, line 3, standards[1].target: target must be a comparison")
    assert lines[3] == f"  {bad}, line 4, basis: Input should be 'shrunk', 'raw' or 'interval', got 'best'"


def test_units_not_nested_are_a_data_error(tmp_path, capsys):
    text = DATA.read_text(encoding="utf-8").splitlines()
    moved = [text[0], text[1].replace('"north","cecilia"', '"west","cecilia"'), *text[2:]]
    bad = tmp_path / "moved.csv"
    bad.write_text("\n".join(moved) + "\n", encoding="utf-8")
    code, out, err = run(capsys, "scorecard", str(bad), "-i", "servqual", "--unit", "employee", "--parent", "team",
                         "--no-quality")
    assert code == 1 and "Traceback" not in err
    assert f"error: {bad}: 'employee' is not nested in 'team'" in err
    assert "employee 'cecilia' appears under 2 values of 'team': north, west" in err


def test_console_script_shows_no_traceback(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "servq.cli", "scorecard", str(DATA), "-i", "servqual",
                           "--unit", "employee", "--standards", str(tmp_path / "missing.yaml")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    assert proc.stderr.strip() == f"error: standards file not found: {tmp_path / 'missing.yaml'}"
