"""Conditions ("show if"): an item asked only after a given earlier answer. Checked with
the instrument (an earlier answer, values on the scale), and counted by the analysis as
not asked — not as a blank answer — where the condition is not met."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from servq import analyze
from servq.errors import InstrumentError
from servq.instruments import parse_instrument

FOLLOW_UP = (Path(__file__).parents[1] / "data" / "follow_up.yaml").read_text(encoding="utf-8")


def test_an_item_not_asked_is_not_counted_as_blank():
    inst = parse_instrument(FOLLOW_UP)
    assert inst.not_asked({"P1": 4}) == ["E3", "P3"] and inst.not_asked({"P1": "2"}) == []
    assert inst.not_asked({}) == ["E3", "P3"]  # no answer: the condition is not met
    rows = {"E1": [5, 5, 5, 5], "P1": [1, 4, None, 2], "E2": [4, 4, 4, 4], "P2": [3, 3, 3, None],
            "E3": [5, None, None, None], "P3": [2, None, None, None]}
    for typ in (pa.int16(), pa.string()):  # integer columns and text columns take different paths
        table = pa.table({k: pa.array([None if v is None else (str(v) if typ == pa.string() else v) for v in col],
                                      typ) for k, col in rows.items()})
        res = analyze(table, inst)
        # 4 respondents x 3 items x 2 parts = 24 cells; item 3 not asked of rows 2 and 3: 20 asked, of
        # which blank: P1 of row 3, P2 of row 4, E3 and P3 of row 4 (asked: its P1 is 2)
        assert res.data["missing"] == {"cells": 20, "blank": 4, "dont_know": 0}, typ


@pytest.mark.parametrize(("condition", "message"), [
    ("{answer: P3, values: [1]}", "items[2].show_if.answer: 'P3' is not asked before item 3"),
    ("{answer: P2, values: [1]}", None),
    ("{answer: D1, values: [1]}", "items[2].show_if.answer: 'D1' is not an answer column"),
    ("{answer: P1, values: [0, 9]}", "items[2].show_if.values: value 0 is not on the scale 1-5"),
    ("{answer: P1, values: []}", "items[2].show_if.values: List should have at least 1 item"),
])
def test_a_condition_names_an_earlier_answer_on_the_scale(condition, message):
    text = FOLLOW_UP.replace("{answer: P1, values: [1, 2]}", condition)
    if message is None:
        assert parse_instrument(text).items[2].show_if.answer == "P2"
        return
    with pytest.raises(InstrumentError) as info:
        parse_instrument(text, "follow.yaml")
    assert message in str(info.value)
