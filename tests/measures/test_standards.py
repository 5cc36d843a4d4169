"""Service standards files: parsing, targets, and every problem reported with its line."""

from __future__ import annotations

import pytest

from servq.errors import ProblemsError, UsageError
from servq.instruments import load_instrument
from servq.measures.standards import Target, load_standards, parse_standards, parse_target

SERVQUAL = load_instrument("servqual")
SERVPERF = load_instrument("servperf")
EXAMPLE = "examples/standards.yaml"


def problems(text: str, inst=SERVQUAL) -> list[str]:
    with pytest.raises(ProblemsError) as info:
        parse_standards(text, inst, source="s.yaml")
    return [str(p) for p in info.value.problems]


def test_example_file_parses_against_servqual():
    from pathlib import Path

    std = load_standards(Path(__file__).parents[2] / EXAMPLE, SERVQUAL)
    assert [s.ref.key for s in std.standards] == ["gap:reliability", "gap:responsiveness", "perception:empathy",
                                                  "servqual", "nps:recommend"]
    assert std.standards[0].target == Target(">=", -1.2) and std.standards[0].label
    assert (std.min_n, std.basis) == (10, "shrunk")


@pytest.mark.parametrize("text,op,value", [(">= -0.5", ">=", -0.5), ("> 0", ">", 0.0), ("<=2.25", "<=", 2.25),
                                           ("< .5", "<", 0.5), ("≥ −1", ">=", -1.0), ("≤ +3", "<=", 3.0)])
def test_targets(text, op, value):
    assert parse_target(text) == Target(op, value)


@pytest.mark.parametrize("bad", ["30", "= 30", ">= thirty", ">= 1 2", "", 30, None])
def test_bad_targets(bad):
    with pytest.raises(ValueError, match="target must be a comparison"):
        parse_target(bad)


def test_target_comparisons():
    assert Target(">=", 1).met(1) and not Target(">", 1).met(1)
    assert Target("<=", 1).met(1) and not Target("<", 1).met(1) and Target("<", 1).met(0.99)


def test_every_problem_is_listed_with_its_line():
    text = """standards:
  - {measure: gap, dimension: reliabilty, target: ">= -0.5"}
  - {measure: nps, outcome: recommend, target: "at least 30"}
  - measure: servqual
    target: ">= -0.8"
    colour: red
  - {measure: happiness, target: "> 1"}
  - {measure: nps, outcome: overall_satisfaction, target: "> 1"}
  - {measure: servqual, dimension: empathy, target: "> 1"}
  - {measure: gap, target: "> 1"}
min_n: 0
basis: median
"""
    found = problems(text)
    assert found == [
        "s.yaml, line 2, standards[0]: unknown dimension 'reliabilty' (instrument 'servqual' has tangibles, "
        "reliability, responsiveness, assurance, empathy)",
        "s.yaml, line 3, standards[1].target: target must be a comparison such as '>= -0.5' or '< 2' "
        "(>=, >, <=, <), got 'at least 30'",
        "s.yaml, line 6, standards[2].colour: unknown field (check its spelling)",
        "s.yaml, line 7, standards[3].measure: unknown measure 'happiness' (choose one of expectation, perception, "
        "adequate, desired, specific, competitor, gap, msa, mss, level, advantage, servqual, servqual_weighted, "
        "servperf, outcome, nps)",
        "s.yaml, line 8, standards[4]: outcome 'overall_satisfaction' is not a 0-10 recommendation question "
        "(kind: nps)",
        "s.yaml, line 9, standards[5]: measure 'servqual' takes no dimension",
        "s.yaml, line 10, standards[6]: measure 'gap' needs a dimension (one of tangibles, reliability, "
        "responsiveness, assurance, empathy)",
        "s.yaml, line 11, min_n: Input should be greater than or equal to 1, got 0",
        "s.yaml, line 12, basis: Input should be 'shrunk', 'raw' or 'interval', got 'median'",
    ]


def test_measures_the_instrument_does_not_have():
    text = """standards:
  - {measure: gap, dimension: reliability, target: ">= -0.5"}
  - {measure: servqual, target: ">= -0.8"}
  - {measure: servqual_weighted, target: ">= -0.8"}
  - {measure: msa, dimension: empathy, target: ">= 0"}
  - {measure: perception, dimension: empathy, target: ">= 5"}
"""
    found = problems(text, SERVPERF)
    assert len(found) == 5  # the weighted score lacks both gaps and importance; perception is fine
    assert found[0].startswith("s.yaml, line 2, standards[0]: measure 'gap' needs perception and expectation")
    assert "line 3" in found[1] and "has no gaps" in found[1]
    assert "line 4" in found[2] and "line 4" in found[3] and "importance allocations" in found[3]
    assert found[4].startswith("s.yaml, line 5, standards[3]: measure 'msa' needs perception and adequate")


def test_yaml_syntax_error_has_its_line():
    found = problems("standards:\n  - {measure: gap, dimension: empathy, target: >= 1}\n")
    assert len(found) == 1 and found[0].startswith("s.yaml, line 2")


@pytest.mark.parametrize("text,message", [("- a\n- b\n", "must be a mapping"),
                                          ("min_n: 3\n", "standards: required field is missing"),
                                          ("standards: []\n", "standards: List should have at least 1 item")])
def test_shape_problems(text, message):
    with pytest.raises(ProblemsError) as info:
        parse_standards(text, SERVQUAL, source="s.yaml")
    assert message in str(info.value)


def test_missing_file_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="standards file not found"):
        load_standards(tmp_path / "nope.yaml", SERVQUAL)
