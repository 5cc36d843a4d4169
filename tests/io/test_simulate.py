"""Tests of the seeded answer simulator."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from servq.errors import UsageError
from servq.instruments import catalog_ids, load_instrument
from servq.instruments.schema import PART_PREFIX
from servq.io.simulation import BRANCH_NAMES, simulate

DATA = Path(__file__).parents[1] / "data"
GAP = DATA / "sim_gap.yaml"  # E/P, scale 1-7, don't know = 8, item 5 reverse-keyed, importance
ZONE = DATA / "sim_zone.yaml"  # A/D/P/S, scale 1-9, value and cost groups, item 4 reverse-keyed
SEGMENTS = ["respondent_id", "branch", "channel", "date"]


def num(table: pa.Table, column: str, dont_know: int | None = None) -> np.ndarray:
    """A column as float64, nulls (and the don't-know code) as NaN."""
    x = table.column(column).to_numpy(zero_copy_only=False).astype(float)
    if dont_know is not None:
        x[x == dont_know] = np.nan
    return x


def dim_score(table, inst, prefix, dim, *, scored=True) -> np.ndarray:
    """Mean of the answered items of ``dim`` (reverse-keyed items reverse-scored)."""
    cols = []
    for it in inst.items_of(dim):
        x = num(table, f"{prefix}{it.id}", inst.scale.dont_know)
        if scored and it.reverse:
            x = inst.scale.min + inst.scale.max - x
        cols.append(x)
    return row_mean(np.vstack(cols))


def row_mean(stacked: np.ndarray) -> np.ndarray:
    """Column means of the non-missing values; NaN where all are missing."""
    count = (~np.isnan(stacked)).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, np.nansum(stacked, axis=0) / count, np.nan)


def nan_corr(a, b) -> float:
    ok = ~(np.isnan(a) | np.isnan(b))
    return float(np.corrcoef(a[ok], b[ok])[0, 1])


@pytest.fixture(scope="module")
def gap_table():
    return simulate(GAP, 20_000, seed=11)


@pytest.fixture(scope="module")
def zone_table():
    return simulate(ZONE, 20_000, seed=12)


# -- determinism -------------------------------------------------------------------------


def test_same_seed_gives_identical_table():
    assert simulate(GAP, 500, seed=7).equals(simulate(GAP, 500, seed=7))


def test_different_seed_gives_different_answers():
    a, b = simulate(GAP, 500, seed=7), simulate(GAP, 500, seed=8)
    assert a.schema == b.schema
    assert not a.column("P3").equals(b.column("P3"))


# -- layout ------------------------------------------------------------------------------


def test_columns_of_the_gap_test_instrument(gap_table):
    expected = (
        SEGMENTS
        + ["E1", "E2", "E3", "E4", "E5", "E6", "E7", "P1", "P2", "P3", "P4", "P5", "P6", "P7"]
        + ["W_tangibles", "W_reliability", "W_responsiveness", "overall_satisfaction", "recommend"]
    )
    assert gap_table.column_names == expected
    types = dict(zip(gap_table.column_names, gap_table.schema.types, strict=True))
    assert all(types[c] == pa.string() for c in SEGMENTS)
    assert types["E1"] == types["P7"] == types["overall_satisfaction"] == types["recommend"] == pa.int8()
    assert types["W_reliability"] == pa.int16()


def test_columns_of_the_zone_test_instrument(zone_table):
    items = range(1, 8)
    expected = SEGMENTS + [f"{p}{i}" for p in "ADPS" for i in items] + ["overall_satisfaction"]
    assert zone_table.column_names == expected


@pytest.mark.parametrize("inst_id", catalog_ids())
def test_catalog_instrument_columns_and_ranges(inst_id):
    inst = load_instrument(inst_id)
    table = simulate(inst, 400, seed=3)
    answers = [f"{PART_PREFIX[p]}{it.id}" for p in inst.parts for it in inst.items]
    weights = [f"W_{d.id}" for d in inst.dimensions] if inst.importance else []
    kano = [f"K{side}_{f.id}" for f in inst.kano.features for side in "FD"] if inst.kano else []
    assert table.column_names == SEGMENTS + answers + weights + [o.id for o in inst.outcomes] + kano
    assert table.num_rows == 400
    allowed = set(range(inst.scale.min, inst.scale.max + 1)) | {inst.scale.dont_know}
    for col in answers:
        assert table.schema.field(col).type == pa.int8()
        assert set(table.column(col).drop_null().to_pylist()) <= allowed, col
    for o in inst.outcomes:
        values = set(table.column(o.id).drop_null().to_pylist())
        assert values <= set(range(o.min, o.max + 1)), o.id


def test_respondent_ids_and_dates():
    table = simulate(GAP, 3000, seed=1, start="2026-03-01", days=10)
    ids = table.column("respondent_id").to_pylist()
    assert ids[:3] == ["R0000001", "R0000002", "R0000003"]
    assert ids[-1] == "R0003000"
    assert len(set(ids)) == 3000
    dates = set(table.column("date").to_pylist())
    assert dates == {f"2026-03-{d:02d}" for d in range(1, 11)}


def test_empty_sample_keeps_the_schema():
    table = simulate(GAP, 0)
    assert table.num_rows == 0
    assert table.column_names == simulate(GAP, 5).column_names


# -- segments ----------------------------------------------------------------------------


def test_branches_and_channels(gap_table):
    branches = gap_table.column("branch").value_counts().to_pylist()
    counts = {b["values"]: b["counts"] for b in branches}
    assert set(counts) == set(BRANCH_NAMES[:12])
    assert max(counts.values()) > 8 * min(counts.values())  # unequal sizes
    channels = {c["values"]: c["counts"] for c in gap_table.column("channel").value_counts().to_pylist()}
    assert set(channels) == {"branch", "phone", "online"}
    assert channels["branch"] > channels["online"] > channels["phone"]


def test_more_branches_than_names_and_custom_channels():
    table = simulate(GAP, 200, seed=2, branches=23, channels=("web", "chat"))
    assert set(table.column("branch").to_pylist()) == set(BRANCH_NAMES) | {"Branch 21", "Branch 22", "Branch 23"}
    assert set(table.column("channel").to_pylist()) == {"web", "chat"}


def test_weak_branch_scores_lower(gap_table):
    inst = load_instrument(GAP)
    p = row_mean(np.vstack([dim_score(gap_table, inst, "P", d.id) for d in inst.dimensions]))
    branch = np.array(gap_table.column("branch").to_pylist())
    assert np.nanmean(p[branch == "Malmö"]) < np.nanmean(p) - 0.3
    assert np.nanmean(p[branch == "Uppsala"]) > np.nanmean(p)


# -- answers -----------------------------------------------------------------------------


def test_missing_and_dont_know_rates():
    table = simulate(GAP, 20_000, seed=4, missing=0.05, dont_know=0.02)
    cells = np.concatenate([num(table, c) for c in table.column_names if c[0] in "EP" and c[1:].isdigit()])
    assert cells.size == 20_000 * 14
    # binomial SD of the rates is about 0.0004 here
    assert abs(np.isnan(cells).mean() - 0.05) < 0.003
    assert abs((cells == 8).mean() - 0.02) < 0.002


def test_no_dont_know_code_when_the_scale_has_none(zone_table):
    for col in zone_table.column_names[4:-1]:
        assert set(zone_table.column(col).drop_null().to_pylist()) <= set(range(1, 10)), col


def test_no_missing_when_asked_for_none():
    table = simulate(GAP, 300, seed=5, missing=0.0, dont_know=0.0)
    assert all(table.column(c).null_count == 0 for c in table.column_names if not c.startswith("W_"))
    assert set(table.column("E1").to_pylist()) <= set(range(1, 8))


def test_importance_sums_exactly_or_is_blank(gap_table):
    w = np.vstack([num(gap_table, c) for c in ("W_tangibles", "W_reliability", "W_responsiveness")])
    blank = np.isnan(w)
    rows_blank = blank.all(axis=0)
    assert (blank.any(axis=0) == rows_blank).all()  # all or nothing
    assert 0.02 < rows_blank.mean() < 0.06
    given = w[:, ~rows_blank]
    assert (given.sum(axis=0) == 100).all()
    assert (given >= 0).all()
    assert given[1].mean() > given[2].mean() > given[0].mean()  # reliability first


def test_servqual_perceptions_fall_short_of_expectations():
    inst = load_instrument("servqual")
    table = simulate(inst, 4000, seed=6)
    gaps = {}
    for d in inst.dimensions:
        e, p = dim_score(table, inst, "E", d.id), dim_score(table, inst, "P", d.id)
        assert np.nanmean(p) < np.nanmean(e), d.id
        gaps[d.id] = np.nanmean(p - e)
    assert min(gaps, key=gaps.get) == "reliability"
    assert max(gaps, key=gaps.get) == "tangibles"
    assert -1.5 < gaps["reliability"] < -1.0 and -0.5 < gaps["tangibles"] < -0.1


def test_reliability_is_the_strongest_driver():
    inst = load_instrument("servperf")
    table = simulate(inst, 6000, seed=9)
    x = np.vstack([dim_score(table, inst, "P", d.id) for d in inst.dimensions]).T
    y = num(table, "overall_satisfaction")
    ok = ~(np.isnan(x).any(axis=1) | np.isnan(y))
    z = (x[ok] - x[ok].mean(axis=0)) / x[ok].std(axis=0)
    beta = np.linalg.lstsq(np.c_[np.ones(ok.sum()), z], y[ok], rcond=None)[0][1:]
    assert [d.id for d in inst.dimensions][int(np.argmax(beta))] == "reliability"


def test_zone_adequate_below_desired_and_perceptions_mostly_inside():
    inst = load_instrument("servqual-zot")
    table = simulate(inst, 4000, seed=10)
    for d in inst.dimensions:
        a, des, p = (dim_score(table, inst, prefix, d.id) for prefix in "ADP")
        assert np.nanmean(a) < np.nanmean(des), d.id
        ok = ~(np.isnan(a) | np.isnan(des) | np.isnan(p))
        below, above = (p[ok] < a[ok]).mean(), (p[ok] > des[ok]).mean()
        assert below + above < 0.5, d.id
        assert above < 0.3, d.id
    a, p = dim_score(table, inst, "A", "reliability"), dim_score(table, inst, "P", "reliability")
    ok = ~(np.isnan(a) | np.isnan(p))
    assert 0.1 < (p[ok] < a[ok]).mean() < 0.4  # a realistic share fails on reliability


def test_reverse_keyed_items_are_stored_reversed(gap_table, zone_table):
    # E5 / P5 are reverse-keyed reliability items (scale 1-7, don't know 8)
    for prefix in "EP":
        raw = num(gap_table, f"{prefix}5", 8)
        others = num(gap_table, f"{prefix}3", 8)
        assert nan_corr(raw, others) < -0.3
        assert nan_corr(8 - raw, others) > 0.3
    assert np.nanmean(num(gap_table, "E5", 8)) < 3  # high expectation, stored reversed
    # item 4 is a reverse-keyed technology item on a 1-9 scale
    assert nan_corr(num(zone_table, "P4"), num(zone_table, "P3")) < -0.3


def test_cost_dimension_is_stored_in_the_cost_direction(zone_table):
    inst = load_instrument(ZONE)
    cost_p = dim_score(zone_table, inst, "P", "time_cost")
    value_p = dim_score(zone_table, inst, "P", "proximity")
    assert nan_corr(cost_p, value_p) < -0.2  # more cost goes with less proximity
    # the acceptable (adequate) cost lies above the desired cost
    assert np.nanmean(dim_score(zone_table, inst, "A", "time_cost")) > np.nanmean(
        dim_score(zone_table, inst, "D", "time_cost")
    )
    # value dimensions keep adequate below desired
    assert np.nanmean(dim_score(zone_table, inst, "A", "proximity")) < np.nanmean(
        dim_score(zone_table, inst, "D", "proximity")
    )


def test_specific_errand_shifts_differ_by_dimension(zone_table):
    inst = load_instrument(ZONE)

    def shift(dim):
        return np.nanmean(dim_score(zone_table, inst, "S", dim) - dim_score(zone_table, inst, "P", dim))

    # +0.4 and -0.4 points on a 7-point scale are +0.53 and -0.53 on 1-9
    assert shift("proximity") == pytest.approx(0.53, abs=0.15)
    assert shift("technology") == pytest.approx(-0.53, abs=0.15)


def test_online_channel_is_weaker_on_empathy():
    inst = load_instrument("servqual")
    table = simulate(inst, 6000, seed=13)
    channel = np.array(table.column("channel").to_pylist())
    emp = dim_score(table, inst, "P", "empathy")
    tan = dim_score(table, inst, "P", "tangibles")
    assert np.nanmean(emp[channel == "online"]) < np.nanmean(emp[channel == "branch"]) - 0.3
    assert np.nanmean(tan[channel == "online"]) > np.nanmean(tan[channel == "branch"])


# -- arguments ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        {"n": -1},
        {"n": 10, "missing": 1.2},
        {"n": 10, "missing": 0.6, "dont_know": 0.5},
        {"n": 10, "branches": 0},
        {"n": 10, "channels": ()},
        {"n": 10, "start": "last year"},
        {"n": 10, "days": 0},
    ],
)
def test_bad_arguments_raise_usage_error(kwargs):
    n = kwargs.pop("n")
    with pytest.raises(UsageError):
        simulate(GAP, n, **kwargs)


def test_unknown_instrument_raises_usage_error():
    with pytest.raises(UsageError, match="unknown instrument"):
        simulate("no-such-instrument", 10)


@pytest.mark.skipif("customer-value" not in catalog_ids(), reason="customer-value not in the catalog")
def test_customer_value_costs_behave_like_costs():
    inst = load_instrument("customer-value")
    table = simulate(inst, 5000, seed=14)
    scores = {d.id: dim_score(table, inst, "P", d.id) for d in inst.dimensions}
    value = [d.id for d in inst.dimensions if d.group == "value"]
    cost = [d.id for d in inst.dimensions if d.group == "cost"]
    satisfaction = num(table, "overall_satisfaction")
    for c in cost:
        assert nan_corr(scores[c], satisfaction) < -0.2, c  # more cost, less satisfied
        for v in value:
            assert nan_corr(scores[c], scores[v]) < -0.1, (c, v)
        reverse = [it for it in inst.items_of(c) if it.reverse]
        plain = [it for it in inst.items_of(c) if not it.reverse]
        for r in reverse:  # a positively worded cost item is stored against the burden items
            raw = num(table, f"P{r.id}", inst.scale.dont_know)
            assert nan_corr(raw, num(table, f"P{plain[0].id}", inst.scale.dont_know)) < -0.2
    for v in value:
        assert nan_corr(scores[v], satisfaction) > 0.3, v
