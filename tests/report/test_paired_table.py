"""The paired-difference table shared by the levels and benchmark sections, and the
colour of a signed number that rounds to zero.

A significant difference is only a warning (a flagged, warm row) when it goes the worse
way: leading a competitor on a benefit, or costing less than it, is good news and gets
the "better" mark instead, as the difference chart draws it in the cool colour.
"""

from __future__ import annotations

from servq.report.blocks import Fmt
from servq.report.levels_section import paired_table


def _row(rid: str, mean: float, significant: bool, better: str = "higher") -> dict:
    return {"id": rid, "label": rid, "better": better, "own": {"mean": 5.0}, "competitor": {"mean": 5.0 - mean},
            "advantage": {"mean": mean, "ci_low": mean - 0.1, "ci_high": mean + 0.1, "n": 100, "p": 0.001,
                          "p_holm": 0.002, "significant": significant}}


def _marks(rows: list[dict], **kw) -> dict[str, tuple[str, str]]:
    table = paired_table(rows, Fmt("en", 0.95), keys=("own", "competitor", "advantage"),
                         headers=("col.general", "col.specific", "col.difference"), verdict=lambda r: "v", **kw)
    return {row.cells[0].text: (row.kind, row.cells[-1].cls) for row in table.rows}


def test_only_a_significant_difference_the_worse_way_is_flagged():
    rows = [_row("lead", 0.3, True), _row("trail", -0.3, True), _row("same", 0.05, False)]
    assert _marks(rows) == {"lead": ("data", "verdict better"), "trail": ("flag", "verdict flag"),
                            "same": ("data", "verdict")}


def test_for_a_cost_a_negative_difference_is_the_better_way():
    rows = [_row("cheaper", -0.3, True, "lower"), _row("dearer", 0.3, True, "lower")]
    marks = _marks(rows, good=lambda r: r["better"] != "lower")
    assert marks == {"cheaper": ("data", "verdict better"), "dearer": ("flag", "verdict flag")}


def test_a_signed_value_that_rounds_to_zero_is_not_coloured_negative():
    f = Fmt("en", 0.95)
    assert (f.num_cell(-0.004, signed=True).text, f.num_cell(-0.004, signed=True).cls) == ("0.00", "num")
    assert (f.num_cell(-0.006, signed=True).text, f.num_cell(-0.006, signed=True).cls) == ("−0.01", "num neg")
    assert f.num_cell(-0.04, signed=True, digits=1).cls == "num"
