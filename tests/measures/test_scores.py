"""Scorer.sums (histograms of the dimension scores, single-precision exact sums) against
the moments of the plain per-respondent float matrix, on random answers."""

from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import servq
from servq.instruments import Part, load_instrument
from servq.io.columns import Mapping, resolve_layout
from servq.io.validate import Validator
from servq.measures import scores
from servq.measures.scores import Scorer
from servq.stats.moments import CrossMoments, Moments

MINI = load_instrument(Path(__file__).parents[1] / "data" / "mini.yaml")  # item 2 reverse-keyed
ANSWER = st.one_of(st.none(), st.integers(1, 5), st.just(9))


def answers_of(inst, table):
    layout = resolve_layout(inst, table.column_names, Mapping(), "t")
    return Validator(inst, layout, {}, Mapping(), "t").check(table)


def plain(scorer, answers, groupings, n_groups):
    """The float moments the obvious way: every variable of score()'s matrix, as floats."""
    _, x = scorer.score(answers)
    return Moments.of(x, groupings, n_groups, shift=scorer.float_shift)


def assert_moments(a: Moments, b: Moments):
    np.testing.assert_array_equal(a.n, b.n)
    for f in ("s", "ss"):
        np.testing.assert_allclose(getattr(a, f), getattr(b, f), rtol=1e-12, atol=1e-9)


@st.composite
def mini_answers(draw):
    n = draw(st.integers(0, 40))
    cols = {name: pa.array(draw(st.lists(ANSWER, min_size=n, max_size=n)), pa.int64())
            for name in ("E1", "E2", "E3", "P1", "P2", "P3")}
    cols["sat"] = pa.array(draw(st.lists(st.one_of(st.none(), st.integers(1, 5)), min_size=n, max_size=n)), pa.int64())
    cols["rec"] = pa.array(draw(st.lists(st.one_of(st.none(), st.integers(0, 10)), min_size=n, max_size=n)), pa.int64())
    groups = draw(st.lists(st.lists(st.integers(-1, 3), min_size=n, max_size=n), max_size=2))
    return pa.table(cols), groups


@pytest.mark.parametrize("histograms", [True, False])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(drawn=mini_answers())
def test_sums_are_the_moments_of_the_score_matrix(monkeypatch, histograms, drawn):
    if not histograms:
        monkeypatch.setattr(scores._Histogram, "fits", lambda self, groupings, n_rows: False)
    table, raw = drawn
    scorer = Scorer(MINI)
    answers = answers_of(MINI, table)
    # groupings: all rows, then by-columns numbered on after one another (-1: none)
    groupings, start = [np.zeros(table.num_rows, dtype=np.int64)], 1
    for codes in raw:
        g = np.array(codes, dtype=np.int64).reshape(-1)
        groupings.append(np.where(g >= 0, g + start, -1))
        start += 4
    got = scorer.sums(answers, groupings, start)
    n, s1, s2 = [], [], []
    for values, valid, offset in scorer._items(answers).values():  # integer sums, then the offset
        v = values.astype(np.int64) + offset * valid
        n.append(valid.sum(axis=1))
        s1.append(v.sum(axis=1))
        s2.append((v * v).sum(axis=1))
    items = Moments.from_power_sums(np.concatenate(n), np.concatenate(s1), np.concatenate(s2), scorer.item_shift)
    assert_moments(got.items, items)
    assert_moments(got.floats, plain(scorer, answers, groupings, start))
    _, x = scorer.score(answers)
    for outcome, cols in scorer.driver_columns.items():
        expected = CrossMoments.of(x[:, cols], scorer.float_shift[cols])
        for f in ("n", "s", "s2", "q", "s_complete", "q_complete"):
            np.testing.assert_allclose(getattr(got.drivers[outcome], f), getattr(expected, f), rtol=1e-12, atol=1e-9)


@pytest.mark.parametrize("instrument", ["servqual-zot", "servperf-benchmark", "kano-retail-banking", "customer-value"])
def test_sums_on_other_instruments(instrument):
    """Zone of tolerance, a competitor part, Kano, costs: histograms as the floats."""
    inst = load_instrument(instrument)
    table = servq.simulate(inst, 3000, seed=11)
    scorer = Scorer(inst)
    answers = answers_of(inst, table)
    branch = np.array(table.column("branch").combine_chunks().dictionary_encode().indices, dtype=np.int64)
    groupings = [np.zeros(table.num_rows, dtype=np.int64), np.where(branch % 5 == 4, -1, branch + 1)]
    n_groups = int(branch.max()) + 2
    got = scorer.sums(answers, groupings, n_groups)
    assert_moments(got.floats, plain(scorer, answers, groupings, n_groups))


@settings(max_examples=60, deadline=None)
@given(drawn=mini_answers())
def test_item_cross_in_single_precision_is_exact(drawn):
    table, _ = drawn
    answers = answers_of(MINI, table)
    got = Scorer(MINI).item_cross(answers, Part.perception)
    # the products in double precision of the reverse-keyed scores less the midpoint (3)
    codes = answers.parts[Part.perception].astype(float)
    present = codes != 0
    z = np.where(present, np.where([[False], [True], [False]], 6 - codes, codes) - 3, 0.0)
    m = present.astype(float)
    complete = present.all(axis=0)
    zc = z[:, complete]
    expected = {"n": m @ m.T, "s": z @ m.T, "s2": (z * z) @ m.T, "q": z @ z.T, "n_complete": complete.sum(),
                "s_complete": zc.sum(axis=1), "q_complete": zc @ zc.T}
    for f, value in expected.items():
        np.testing.assert_array_equal(getattr(got, f), value)


@settings(max_examples=60, deadline=None)
@given(drawn=mini_answers())
def test_item_totals_pair_each_item_with_its_dimension_score(drawn):
    table, _ = drawn
    answers = answers_of(MINI, table)
    scorer = Scorer(MINI)
    got = scorer.item_totals(answers, Part.perception)
    # the fast path (complete rows from the cross-products) gives the same sums
    fast = scorer.item_totals(answers, Part.perception, scorer.item_cross(answers, Part.perception))
    for f in ("n", "sx", "sxx", "sy", "syy", "sxy"):
        np.testing.assert_allclose(getattr(fast, f), getattr(got, f), rtol=1e-12, atol=1e-9)
    # reverse-keyed scores less the midpoint (3); each item with the mean over the answered
    # items of its dimension (psych's rowMeans(x, na.rm = TRUE)), over the rows answering it
    codes = answers.parts[Part.perception].astype(float)
    present = codes != 0
    z = np.where(present, np.where([[False], [True], [False]], 6 - codes, codes) - 3, np.nan)
    dims = [[i for i, it in enumerate(MINI.items) if it.dimension == d.id] for d in MINI.dimensions]
    for i in range(len(MINI.items)):
        rows = next(d for d in dims if i in d)
        answered = present[rows].sum(axis=0)
        total = np.where(answered > 0, np.nansum(z[rows], axis=0) / np.maximum(answered, 1), 0.0)
        on = present[i]
        x, t = z[i, on], total[on]
        assert got.n[i] == on.sum()
        np.testing.assert_allclose([got.sx[i], got.sxx[i], got.sy[i], got.syy[i], got.sxy[i]],
                                   [x.sum(), (x * x).sum(), t.sum(), (t * t).sum(), (x * t).sum()], atol=1e-9)
