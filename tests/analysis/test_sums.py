"""The public streaming core: any split of the rows into chunks and any order of merging
give the figures of the whole file; Sums survive bytes and Arrow; options are checked once;
Results do not change."""

import copy
import json
import pickle
import random

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import servq
from servq.analysis import AnalysisOptions, Results, Sums, accumulate, finish, merge, plan_for
from servq.errors import DataError, UsageError

# The closed-form figures agree to 1e-12; the fitted models (CFA, its validity and
# invariance figures) are solved iteratively from covariances that differ in the last
# bits, so they agree to the optimiser's tolerance.
FITTED = ("cfa", "validity", "invariance")


@pytest.fixture(scope="module")
def servqual():
    return servq.simulate("servqual", 600, seed=11, branches=5)


@pytest.fixture(scope="module")
def kano():
    return servq.simulate("kano-retail-banking", 300, seed=5, branches=4)


def assert_same_results(a: Results, b: Results, tol: float = 1e-12):
    fitted = a.differences(b, tol=1e-6)
    closed = [d for d in a.differences(b, tol=tol) if d[0][0] not in FITTED]
    assert not fitted and not closed, (fitted + closed)[:5]


def split_and_merge(table: pa.Table, plan, cuts: list[int], rnd: random.Random) -> Sums:
    """Accumulate the parts between ``cuts`` separately, then merge them in a random tree."""
    bounds = [0, *sorted(set(cuts)), table.num_rows]
    parts = [accumulate([table.slice(a, b - a)], plan, first_row=2 + a) for a, b in zip(bounds, bounds[1:]) if b > a]
    while len(parts) > 1:
        i, j = rnd.sample(range(len(parts)), 2)
        merged = merge(parts[i], parts[j])
        parts = [p for k, p in enumerate(parts) if k not in (i, j)] + [merged]
    return parts[0]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(cuts=st.lists(st.integers(1, 599), max_size=6), seed=st.integers(0, 2**31 - 1),
       chunk=st.sampled_from([7, 64, 1000]))
def test_any_split_and_merge_order_give_the_whole_files_figures(servqual, cuts, seed, chunk):
    opts = AnalysisOptions(by=("branch", "channel"), invariance="channel", period="month", chunk_size=chunk,
                           boot=20, seed=seed)
    whole = servq.analyze(servqual, "servqual", options=opts)
    plan = plan_for("servqual", servqual.column_names, opts)
    parts = finish(split_and_merge(servqual, plan, cuts, random.Random(seed)), plan)
    assert_same_results(whole, parts)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cuts=st.lists(st.integers(1, 299), max_size=4), seed=st.integers(0, 2**31 - 1))
def test_kano_counts_and_late_segments_merge(kano, cuts, seed):
    # rows sorted by branch: most parts see only some branches, numbered differently in each
    table = kano.sort_by("branch")
    opts = AnalysisOptions(by="branch", quality=False)
    plan = plan_for("kano-retail-banking", table.column_names, opts)
    assert_same_results(servq.analyze(table, "kano-retail-banking", options=opts),
                        finish(split_and_merge(table, plan, cuts, random.Random(seed)), plan))


def test_merge_is_commutative_and_associative_on_the_sums(servqual):
    plan = plan_for("servqual", servqual.column_names, AnalysisOptions(by="branch"))
    a, b, c = (accumulate([servqual.slice(s, 200)], plan) for s in (0, 200, 400))
    left, right = merge(merge(a, b), c), merge(a, merge(c, b))
    assert sorted(left.groups) == sorted(right.groups)
    assert left.counts == right.counts
    order = [right.groups.index(g) + 1 for g in left.groups]
    np.testing.assert_allclose(left.floats.s[1:], right.floats.s[order], rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(left.cross[None].q, right.cross[None].q, rtol=1e-12)


def test_sums_survive_bytes_and_arrow(servqual):
    opts = AnalysisOptions(by="branch", invariance="channel", boot=5)
    plan = plan_for("servqual", servqual.column_names, opts)
    sums = accumulate([servqual], plan)
    assert set(sums.boot) == {o.id for o in plan.instrument.outcomes} and sums.boot["recommend"].shape == (5, 28)
    back = Sums.from_bytes(sums.to_bytes())
    assert back.groups == sums.groups and back.counts == sums.counts and dict(back.unknown) == dict(sums.unknown)
    assert back.arrays().keys() == sums.arrays().keys() and "totals.sxy" in sums.arrays()
    for name, array in sums.arrays().items():
        np.testing.assert_array_equal(back.arrays()[name], array, err_msg=name)
    batch = sums.to_arrow()
    assert isinstance(batch, pa.RecordBatch) and batch.schema.metadata[b"servq_sums_version"] == b"3"
    assert_same_results(finish(sums, plan), finish(Sums.from_arrow(batch), plan), tol=0.0)


def test_sums_of_another_format_or_not_sums_are_refused(servqual):
    plan = plan_for("servqual", servqual.column_names, AnalysisOptions())
    batch = accumulate([servqual.slice(0, 50)], plan).to_arrow()
    meta = dict(batch.schema.metadata)
    meta[b"servq_sums_version"] = b"99"
    with pytest.raises(UsageError, match="format version 99"):
        Sums.from_arrow(batch.replace_schema_metadata(meta))
    with pytest.raises(UsageError, match="not servq sums"):
        Sums.from_bytes(b"not arrow at all")


def test_sums_of_two_instruments_do_not_merge(servqual):
    other = servq.simulate("servperf", 30, seed=1)
    a = accumulate([servqual.slice(0, 30)], plan_for("servqual", servqual.column_names, AnalysisOptions()))
    b = accumulate([other], plan_for("servperf", other.column_names, AnalysisOptions()))
    with pytest.raises(UsageError, match="different instruments"):
        merge(a, b)


def test_a_part_with_problems_names_its_rows_in_the_file(servqual):
    plan = plan_for("servqual", servqual.column_names, AnalysisOptions())
    bad = servqual.slice(100, 10).set_column(servqual.column_names.index("P1"), "P1", pa.array([9] * 10, pa.int64()))
    with pytest.raises(DataError) as err:
        accumulate([bad], plan, first_row=102)
    assert err.value.problems[0].row == 102 and err.value.problems[0].column == "P1"


def test_options_are_checked_once_with_clear_messages():
    with pytest.raises(UsageError, match="unknown analysis option"):
        AnalysisOptions.of(bogus=1)
    with pytest.raises(UsageError, match="min_n must be at least 1, got 0"):
        AnalysisOptions(min_n=0)
    with pytest.raises(UsageError, match="compare must be one of"):
        AnalysisOptions(compare="t-test")
    with pytest.raises(UsageError, match="period_column needs a period"):
        AnalysisOptions(period_column="date")
    with pytest.raises(UsageError, match="unknown analysis option"):
        servq.analyze(servq.simulate("servqual", 10, seed=1), "servqual", colour="red")
    opts = AnalysisOptions(by="branch")
    assert opts.replace(invariance="channel").by == ("branch", "channel") and opts.by == ("branch",)


def test_results_do_not_change(servqual):
    res = servq.analyze(servqual.slice(0, 100), "servqual", by="branch", quality=False)
    for change in (lambda d: d.__setitem__("n_respondents", 1), lambda d: d["notes"].append("x"),
                   lambda d: d["dimensions"][0].update(id="y"), lambda d: d["segments"].pop("branch")):
        with pytest.raises(TypeError, match="read-only"):
            change(res.data)
    mine = res.to_dict()
    mine["notes"].append("mine")  # a copy is the caller's
    assert "mine" not in res.data["notes"]
    assert json.loads(json.dumps(res.data)) == res.to_dict()
    assert copy.deepcopy(res.data) == res.to_dict() and type(copy.deepcopy(res.data)) is dict
    assert pickle.loads(pickle.dumps(res)).data == res.data
    more = res.with_blocks(scorecard={"measures": []}, notes=["added"])
    assert more.data["notes"][-1] == "added" and "added" not in res.data["notes"]
