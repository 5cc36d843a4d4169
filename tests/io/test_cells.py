"""servq.io.cells: texts made safe for a spreadsheet (issue 11, finding 6)."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest
from hostile import FORMULAS

from servq.io.cells import neutral, neutral_row, neutral_table


@pytest.mark.parametrize("text", [*FORMULAS, "\n=1", "'quoted"])
def test_a_text_that_starts_a_formula_gets_a_quote(text):
    assert neutral(text) == "'" + text


@pytest.mark.parametrize("value", ["Malmö", "a=b", "1-2", "", " =1", -2, -2.5, 0, None, dt.date(2026, 1, 2)])
def test_other_values_are_kept(value):
    assert neutral(value) == value and type(neutral(value)) is type(value)


def test_a_row():
    assert neutral_row(["=1", 7, None, "ok"]) == ["'=1", 7, None, "ok"]


def test_a_table_keeps_its_types_and_changes_only_text():
    table = pa.table({
        "=name": pa.array([*FORMULAS, "ok", None], pa.string()),
        "segment": pa.array(["-x", "ok", "-x", None, "@y", "ok", "z", "'q"], pa.string()).dictionary_encode(),
        "big": pa.array(["+1", "ok", None, "=2", "a", "b", "c", "d"], pa.large_string()),
        "score": pa.array([-2, -1, 0, 1, None, 3, 4, 5], pa.int16()),
        "mean": pa.array([-2.5, 1.0, None, 0.5, 1, 2, 3, 4], pa.float64()),
    })
    out = neutral_table(table)
    assert out.column_names == ["'=name", "segment", "big", "score", "mean"]
    assert [f.type for f in out.schema] == [f.type for f in table.schema]
    assert out.column("'=name").to_pylist() == ["'" + f for f in FORMULAS] + ["ok", None]
    assert out.column("segment").to_pylist() == ["'-x", "ok", "'-x", None, "'@y", "ok", "z", "''q"]
    assert out.column("big").to_pylist() == ["'+1", "ok", None, "'=2", "a", "b", "c", "d"]
    assert out.column("score").equals(table.column("score")) and out.column("mean").equals(table.column("mean"))


def test_characters_a_sheet_cannot_hold_become_the_replacement_character():
    # issue 15: one function for every spreadsheet writer (CSV and XLSX)
    assert neutral("a\x00b\x0bc\x1bd\ufffee\uffff") == "a\ufffdb\ufffdc\ufffdd\ufffde\ufffd"
    assert neutral("tab\tline\nreturn\r kept") == "tab\tline\nreturn\r kept"
    assert neutral("\x00=1") == "\ufffd=1"                               # no longer a formula
    assert neutral_row(["x\x07", "=1"]) == ["x\ufffd", "'=1"]
    table = pa.table({"text": ["nul\x00", "=a\x0c", None, "ok\t"],
                      "segment": pa.array(["a\x00", "a\x01", "b", "b"]).dictionary_encode()})
    out = neutral_table(table)
    assert out.column("text").to_pylist() == ["nul\ufffd", "'=a\ufffd", None, "ok\t"]
    assert out.column("segment").to_pylist() == ["a\ufffd", "a\ufffd", "b", "b"]
