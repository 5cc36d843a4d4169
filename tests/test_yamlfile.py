"""servq.yamlfile: YAML with line-numbered problems."""

from __future__ import annotations

import datetime as dt

import pytest

from servq import yamlfile
from servq.errors import ProblemsError


def test_an_impossible_date_is_a_problem_on_its_line_not_a_crash():
    with pytest.raises(ProblemsError) as err:
        yamlfile.load("name: x\nopens: 2026-13-01\n", "s.yaml", ProblemsError)
    (problem,) = err.value.problems
    assert problem.line == 2 and "'2026-13-01' is not a valid date" in problem.message


def test_dates_and_times_still_read():
    assert yamlfile.load("a: 2026-12-01\nb: 2026-12-01 08:30:00\n", "s.yaml", ProblemsError) == {
        "a": dt.date(2026, 12, 1), "b": dt.datetime(2026, 12, 1, 8, 30)}
