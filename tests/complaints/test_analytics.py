"""The complaints block on ten complaints computed by hand, a planted hot spot, operational
metrics against scipy, and the problems of a bad table.

The ten complaints (times UTC, March 2026; now = Friday 20 March 12:00; ISO weeks W10 =
2-8 March, W11 = 9-15, W12 = 16-22):

    id  received    unit dim  ack     resolved     status     cust ack_due     resolve_due
    c1  Mon 2 09:00  A  bill  +2 h    +24 h        closed     K1   2 13:00     4 09:00
    c2  Tue 3 10:00  A  bill  +5 h    +48 h        closed     K1   3 14:00     6 10:00
    c3  Wed 4 08:00  B  net   +1 h    +72 h        closed     K2   4 12:00     6 08:00
    c4  Mon 9 12:00  A  net   -       +6 h         closed     K3   9 14:00     11 12:00
    c5  Tue 10 09:00 B  bill  +3 h    -            open       K1   10 13:00    13 09:00
    c6  Wed 11 14:00 A  bill  +4 h    +120 h       closed     -    11 18:00    16 14:00
    c7  Mon 16 09:00 B  net   -       -            open       K2   16 13:00    25 09:00
    c8  Wed 18 10:00 A  bill  +0.5 h  -            withdrawn  K4   18 14:00    23 10:00
    c9  Thu 19 16:00 B  bill  -       -            open       K4   20 16:00    24 16:00
    c10 Fri 20 08:00 A  net   +2 h    -            open       K5   20 12:00    -

(bill = billing, net = network; c4 was resolved without an acknowledgement: acknowledged
when resolved, +6 h; c8 was withdrawn: closed without a resolution.)
"""

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from scipy import stats

from servq.complaints.analytics import (
    complaints_block,
    count_register,
    counts_block,
    group_quantiles,
    poisson_interval,
    sum_counts,
)
from servq.errors import DataError, UsageError
from servq.report.complaints_section import summary_sentences

UTC = dt.UTC
TS = pa.timestamp("us", tz="UTC")
NOW = dt.datetime(2026, 3, 20, 12, 0, tzinfo=UTC)
GOLDEN = json.loads((Path(__file__).parents[1] / "golden" / "complaints_stats.json").read_text(encoding="utf-8"))


def d(day, hour, minute=0):
    return dt.datetime(2026, 3, day, hour, minute, tzinfo=UTC)


def plus(t, hours):
    return None if hours is None else t + dt.timedelta(hours=hours)


ROWS = [  # id, received, unit, dimension, ack (+h), resolved (+h), status, customer, ack_due, resolve_due
    ("c1", d(2, 9), "A", "billing", 2, 24, "closed", "K1", d(2, 13), d(4, 9)),
    ("c2", d(3, 10), "A", "billing", 5, 48, "closed", "K1", d(3, 14), d(6, 10)),
    ("c3", d(4, 8), "B", "network", 1, 72, "closed", "K2", d(4, 12), d(6, 8)),
    ("c4", d(9, 12), "A", "network", None, 6, "closed", "K3", d(9, 14), d(11, 12)),
    ("c5", d(10, 9), "B", "billing", 3, None, "open", "K1", d(10, 13), d(13, 9)),
    ("c6", d(11, 14), "A", "billing", 4, 120, "closed", None, d(11, 18), d(16, 14)),
    ("c7", d(16, 9), "B", "network", None, None, "open", "K2", d(16, 13), d(25, 9)),
    ("c8", d(18, 10), "A", "billing", 0.5, None, "withdrawn", "K4", d(18, 14), d(23, 10)),
    ("c9", d(19, 16), "B", "billing", None, None, "open", "K4", d(20, 16), d(24, 16)),
    ("c10", d(20, 8), "A", "network", 2, None, "open", "K5", d(20, 12), None),
]


def ten() -> pa.Table:
    cols = list(zip(*ROWS))
    return pa.table({
        "id": list(cols[0]), "received_at": pa.array(cols[1], TS), "unit": list(cols[2]),
        "dimension": list(cols[3]),
        "acknowledged_at": pa.array([plus(t, h) for t, h in zip(cols[1], cols[4])], TS),
        "resolved_at": pa.array([plus(t, h) for t, h in zip(cols[1], cols[5])], TS),
        "status": list(cols[6]), "customer_key": list(cols[7]),
        "ack_due": pa.array(cols[8], TS), "resolve_due": pa.array(cols[9], TS),
        "channel": ["phone", "web", "phone", "web", "app", "phone", "web", "phone", "web", "app"],
        "tier": ["gold", "standard", None, "gold", "standard", None, "gold", "standard", "standard", None],
    })


@pytest.fixture(scope="module")
def block():
    return complaints_block(ten(), now=NOW, min_n=1, customers={"A": 2000, "b": 500, "C": 100})


def test_json_serialisable(block):
    json.dumps(block, allow_nan=False)
    assert block["n"] == 10
    assert block["period"] == {"first_day": "2026-03-02", "last_day": "2026-03-20", "days": 19,
                               "now": "2026-03-20T12:00:00+00:00", "timezone": "UTC"}


def test_volume_by_dimension_unit_and_week(block):
    v = block["volume"]
    # W12 is seen from Monday 16 to Friday 20 March: 5 of 7 days
    assert [(w["week"], w["monday"], w["exposure"]) for w in v["weeks"]] == [
        ("2026-W10", "2026-03-02", 1.0), ("2026-W11", "2026-03-09", 1.0), ("2026-W12", "2026-03-16", 5 / 7)]
    assert [(c["dimension"], c["unit"], c["counts"], c["total"]) for c in v["cells"]] == [
        ("billing", "A", [2, 1, 1], 4),    # c1 c2 | c6 | c8
        ("billing", "B", [0, 1, 1], 2),    # c5 | c9
        ("network", "A", [0, 1, 1], 2),    # c4 | c10
        ("network", "B", [1, 0, 1], 2)]    # c3 | c7
    assert v["by_dimension"] == [{"value": "billing", "n": 6, "share": 0.6}, {"value": "network", "n": 4, "share": 0.4}]
    assert [(x["value"], x["n"]) for x in v["by_tier"]] == [("gold", 3), ("standard", 4), (None, 3)]
    assert v["by_product"] == []


def test_handling_times(block):
    h = block["handling"]
    # acknowledged: 2, 5, 1, 6 (c4 by its resolution), 3, 4, 0.5, 2 h; sorted 0.5 1 2 2 3 4 5 6
    # median (type 7) = x[3.5] = 2.5; mean = 23.5 / 8; p90 = x[6.3] = 5 + 0.3 (6 - 5) = 5.3
    assert h["acknowledge"] == pytest.approx({"n": 8, "median_hours": 2.5, "mean_hours": 23.5 / 8, "p90_hours": 5.3})
    # resolved: 24, 48, 72, 6, 120 h; sorted 6 24 48 72 120: median 48, mean 54, p90 = x[3.6] = 72 + 0.6 * 48
    assert h["resolve"] == pytest.approx({"n": 5, "median_hours": 48.0, "mean_hours": 54.0, "p90_hours": 100.8})
    assert np.quantile([0.5, 1, 2, 2, 3, 4, 5, 6], 0.9) == pytest.approx(5.3)  # numpy's default is type 7 too
    # unit A acknowledged: c1 2, c2 5, c4 6, c6 4, c8 0.5, c10 2 -> sorted 0.5 2 2 4 5 6: median 3, p90 5.5
    a = h["by_unit"]["acknowledge"][0]
    assert (a["value"], a["n"], a["median_hours"], a["mean_hours"], a["p90_hours"]) == ("A", 6, 3.0, 19.5 / 6, 5.5)
    # unit B resolved: only c3 (72 h)
    b = h["by_unit"]["resolve"][1]
    assert (b["value"], b["n"], b["median_hours"], b["p90_hours"]) == ("B", 1, 72.0, 72.0)


def wilson(x, n):
    ref = next(w for w in GOLDEN["prop_test"] if (w["x"], w["n"]) == (x, n))  # R prop.test(x, n, correct = FALSE)
    return ref["ci"]


def test_sla_compliance(block):
    s = block["sla"]
    # acknowledge: in time c1 c3 c5 c6 (at the due time) c8 c10; late c2 c4; missed c7 (not
    # acknowledged, due 16 March); pending c9 (due 20 March 16:00, after now): 6 of 9
    ack = s["acknowledge"]
    assert (ack["in_time"], ack["late"], ack["missed"], ack["pending"], ack["n"]) == (6, 2, 1, 1, 9)
    assert ack["share"] == pytest.approx(6 / 9)
    assert [ack["ci_low"], ack["ci_high"]] == pytest.approx(wilson(6, 9), rel=1e-9)
    # resolve: in time c1 c2 c4 c6 (at the due time); late c3; missed c5 (open, due 13 March);
    # pending c7 c9; c8 withdrawn (left out), c10 has no due time: 4 of 6
    res = s["resolve"]
    assert (res["in_time"], res["late"], res["missed"], res["pending"], res["n"]) == (4, 1, 1, 2, 6)
    assert [res["ci_low"], res["ci_high"]] == pytest.approx(wilson(4, 6), rel=1e-9)
    # by unit: A acknowledges c1 c6 c8 c10 in time, c2 c4 late (4 of 6); B c3 c5 in time, c7 missed (2 of 3)
    a, b = s["by_unit"]
    assert (a["value"], a["acknowledge"]["in_time"], a["acknowledge"]["n"]) == ("A", 4, 6)
    assert (b["value"], b["acknowledge"]["in_time"], b["acknowledge"]["n"]) == ("B", 2, 3)
    assert [b["acknowledge"]["ci_low"], b["acknowledge"]["ci_high"]] == pytest.approx(wilson(2, 3), rel=1e-9)
    # by dimension, resolve: billing c1 c2 c6 in time, c5 missed (3 of 4); network c4 in time, c3 late (1 of 2)
    bill, net = s["by_dimension"]
    assert (bill["resolve"]["in_time"], bill["resolve"]["n"]) == (3, 4)
    assert (net["resolve"]["in_time"], net["resolve"]["n"]) == (1, 2)


def test_min_n_suppresses_group_figures():
    b = complaints_block(ten(), now=NOW, min_n=5)
    a, bb = b["sla"]["by_unit"]
    assert a["acknowledge"]["share"] == pytest.approx(4 / 6) and not a["acknowledge"]["suppressed"]
    assert bb["acknowledge"]["share"] is None and bb["acknowledge"]["suppressed"] and bb["acknowledge"]["n"] == 3
    assert b["sla"]["acknowledge"]["share"] == pytest.approx(6 / 9)  # the whole is never suppressed
    assert b["handling"]["by_unit"]["resolve"][1]["median_hours"] is None


def test_backlog(block):
    bl = block["backlog"]
    # open: c5 c7 c9 c10 (c8 withdrawn); ages at now: 10.125, 4.125, 20/24, 4/24 days
    ages = sorted([10.125, 4.125, 20 / 24, 4 / 24])
    assert (bl["open"], bl["overdue"], bl["closed_without_resolution"]) == (4, 1, 1)  # c5 past its due time
    assert bl["age"]["median_days"] == pytest.approx((ages[1] + ages[2]) / 2)
    assert bl["age"]["p90_days"] == pytest.approx(ages[2] + 0.7 * (ages[3] - ages[2]))  # h = 3 * 0.9 = 2.7
    assert bl["age"]["max_days"] == pytest.approx(10.125)
    assert [b["n"] for b in bl["bins"]] == [2, 0, 1, 1, 0, 0]  # [0,1) [1,3) [3,7) [7,14) [14,30) 30+
    assert bl["bins"][-1] == {"from_days": 30, "to_days": None, "n": 0}
    assert bl["by_unit"] == [{"value": "A", "open": 1, "overdue": 0, "oldest_days": pytest.approx(4 / 24)},
                             {"value": "B", "open": 3, "overdue": 1, "oldest_days": pytest.approx(10.125)}]


def test_status(block):
    assert block["status"] == [{"value": "closed", "n": 5}, {"value": "open", "n": 4}, {"value": "withdrawn", "n": 1}]


def test_repeat_complainants(block):
    r = block["repeat"]
    # K1: c1, c2 (+25 h), c5 (+7 days - 1 h); K2: c3, c7 (+12 days); K3: c4; K4: c8, c9 (+30 h); K5: c10
    assert (r["customers"], r["complaints_with_key"], r["repeat_customers"], r["repeat_complaints"]) == (5, 9, 3, 4)
    assert r["share"] == 0.6
    assert [r["ci_low"], r["ci_high"]] == pytest.approx(wilson(3, 5), rel=1e-9)
    week = complaints_block(ten(), now=NOW, repeat_days=7)["repeat"]  # K2's 12 days are too far apart
    assert (week["repeat_customers"], week["repeat_complaints"]) == (2, 3)
    day = complaints_block(ten(), now=NOW, repeat_days=1)["repeat"]  # 25 h and 30 h > 24 h
    assert (day["repeat_customers"], day["repeat_complaints"]) == (0, 0)


def poisson_ci(x):
    return next(p["ci"] for p in GOLDEN["poisson_test"] if p["x"] == x)  # R poisson.test(x)$conf.int


def test_rates_per_thousand_customers(block):
    r = block["rates"]
    a, b, c = r["units"]
    assert (a["unit"], a["complaints"], a["customers"], a["per_1000"]) == ("A", 6, 2000, 3.0)
    assert [a["ci_low"], a["ci_high"]] == pytest.approx([1000 * v / 2000 for v in poisson_ci(6)], rel=1e-9)
    assert (b["unit"], b["per_1000"]) == ("B", 8.0)  # "b" in the mapping matches unit B
    assert [b["ci_low"], b["ci_high"]] == pytest.approx([1000 * v / 500 for v in poisson_ci(4)], rel=1e-9)
    assert (c["unit"], c["complaints"], c["per_1000"], c["ci_low"]) == ("C", 0, 0.0, 0.0)
    assert c["ci_high"] == pytest.approx(1000 * poisson_ci(0)[1] / 100, rel=1e-9)
    assert r["overall"]["per_1000"] == pytest.approx(10 / 2600 * 1000)
    assert r["units_without_customers"] == [] and r["days"] == 19
    assert complaints_block(ten(), now=NOW, customers={"A": 10})["rates"]["units_without_customers"] == ["B"]
    with pytest.raises(UsageError, match="positive"):
        complaints_block(ten(), now=NOW, customers={"A": 0})


def test_poisson_interval_against_r():
    for ref in GOLDEN["poisson_test"]:
        lo, hi = poisson_interval([ref["x"]])
        assert [lo[0], hi[0]] == pytest.approx(ref["ci"], rel=1e-9, abs=1e-12)


def test_group_quantiles_against_numpy():
    rng = np.random.default_rng(3)
    codes = rng.integers(0, 7, 500)
    values = rng.exponential(5, 500)
    q = group_quantiles(codes, values, 8, [0.1, 0.5, 0.9])
    for g in range(7):
        assert q[g] == pytest.approx(np.quantile(values[codes == g], [0.1, 0.5, 0.9]))
    assert np.isnan(q[7]).all()


def test_same_block_from_pandas_and_without_optional_columns(block):
    df = ten().to_pandas()
    assert complaints_block(df, now=NOW, min_n=1, customers={"A": 2000, "b": 500, "C": 100}) == block
    bare = complaints_block(ten().select(["id", "received_at", "unit", "dimension"]), now=NOW)
    assert bare["sla"] is None and bare["repeat"] is None and bare["handling"]["acknowledge"]["n"] == 0
    assert bare["backlog"]["open"] == 10 and bare["rates"] is None and bare["operations"] is None


def test_now_defaults_to_the_latest_timestamp():
    b = complaints_block(ten())
    # the latest of received, acknowledged and resolved: c6 resolved 16 March 14:00 < c10 acknowledged 20 March 10:00
    assert b["period"]["now"] == "2026-03-20T10:00:00+00:00"


def test_days_and_weeks_in_a_time_zone():
    t = ten().select(["id", "received_at", "unit", "dimension"])
    # c3 at Sunday 8 March 23:30 UTC is Monday 9 March 00:30 in Stockholm: week W11
    received = t.column("received_at").to_pylist()
    received[2] = dt.datetime(2026, 3, 8, 23, 30, tzinfo=UTC)
    t = t.set_column(1, "received_at", pa.array(received, TS))
    utc = complaints_block(t, now=NOW)["volume"]["cells"][3]
    sthlm = complaints_block(t, now=NOW, timezone="Europe/Stockholm")["volume"]["cells"][3]
    assert (utc["unit"], utc["dimension"], utc["counts"]) == ("B", "network", [1, 0, 1])
    assert sthlm["counts"] == [0, 1, 1]
    with pytest.raises(UsageError, match="time zone"):
        complaints_block(t, timezone="Europe/Stokholm")


def planted(weeks=12, spike_week=10, spike=14):
    """Two cells, two complaints a week (Monday and Tuesday noon) from Monday 5 January 2026
    (ISO week 2026-W02), and ``spike`` complaints (Monday, Tuesday, …) in one week of cell
    network/B."""
    rows = []
    start = dt.datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
    for w in range(weeks):
        for unit, dim in (("A", "billing"), ("B", "network")):
            n = spike if (w == spike_week and unit == "B") else 2
            for i in range(n):
                rows.append((start + dt.timedelta(weeks=w, days=i % 7), unit, dim))
    t, u, dm = zip(*rows)
    end = start + dt.timedelta(weeks=weeks) - dt.timedelta(hours=13)  # Sunday 23:00 of the last week
    return pa.table({"id": list(range(len(rows))), "received_at": pa.array(t, TS), "unit": list(u),
                     "dimension": list(dm)}), end


def test_planted_hot_spot_against_scipy():
    table, end = planted()
    b = complaints_block(table, now=end, baseline_weeks=8)
    spikes = b["hot_spots"]["spikes"]
    assert [(s["dimension"], s["unit"], s["week"], s["count"]) for s in spikes] == [("network", "B", "2026-W12", 14)]
    s = spikes[0]
    # baseline: 8 weeks of 2 = 16 / 8 = 2 a week; p = P(X >= 14 | 2); Holm over the 2 cells of the week
    assert s["expected"] == 2.0 and s["ratio"] == 7.0
    assert s["p"] == pytest.approx(stats.poisson.sf(13, 2.0), rel=1e-10)
    p_other = stats.poisson.sf(1, 2.0)  # billing/A: 2 complaints, P(X >= 2 | 2)
    assert s["p_adjusted"] == pytest.approx(min(1, 2 * s["p"]), rel=1e-10) and 2 * s["p"] < p_other
    assert s["ucl"] == 5.0 and s["text"] == "14 complaints about network at B in week 2026-W12 (expected 2.0)"
    assert b["hot_spots"]["poisson"]["weeks_tested"] == 4  # weeks 9-12 have 8 weeks before them
    sv = complaints_block(table, now=end, lang="sv")["hot_spots"]["spikes"][0]["text"]
    assert sv == "14 klagomål om network vid B vecka 2026-W12 (väntat 2.0)"


def test_planted_hot_spot_by_ewma():
    table, end = planted(weeks=14, spike_week=11, spike=10)
    b = complaints_block(table, now=end, spikes="both", baseline_weeks=8)
    ewma = [s for s in b["hot_spots"]["spikes"] if s["method"] == "ewma"]
    # weeks W02-W09 are the baseline: mu0 = 2, sigma = sqrt 2; the spike in W13 is t = 4:
    # z = 0.2 * 10 + 0.8 * 2 = 3.6 against UCL_4 = 2 + 3 sqrt(2) sqrt(0.2/1.8 (1 - 0.8^8)) = 3.303
    first = next(s for s in ewma if s["week"] == "2026-W13")
    assert first["z"] == pytest.approx(3.6)
    assert first["ucl"] == pytest.approx(2 + 3 * np.sqrt(2) * np.sqrt(0.2 / 1.8 * (1 - 0.8 ** 8)))
    assert {s["unit"] for s in ewma} == {"B"}
    assert b["hot_spots"]["ewma"]["charted_weeks"] == 6


def recent(old: dt.datetime | None = None) -> pa.Table:
    """100 complaints in the 20 weeks to ``NOW`` in four dimension × unit cells, 12 of them
    in one week of billing/A (2026-W11, a hot spot); with ``old``, one more complaint of
    billing/A received then."""
    rng = np.random.default_rng(11)
    cells = [("billing", "A"), ("billing", "B"), ("network", "A"), ("network", "B")]
    seconds = rng.integers(0, 20 * 7 * 86_400, 88)
    rows = [(NOW - dt.timedelta(seconds=int(x)), *cells[i]) for x, i in zip(seconds, rng.integers(0, 4, 88))]
    rows += [(d(10, 9 + i % 8), "billing", "A") for i in range(12)]
    rows += [(old, "billing", "A")] if old else []
    t, dim, unit = zip(*rows)
    return pa.table({"id": list(range(len(rows))), "received_at": pa.array(t, TS), "unit": list(unit),
                     "dimension": list(dim)})


@pytest.mark.parametrize("spikes", ["poisson", "share"])
def test_a_complaint_dated_year_1_costs_a_few_weeks_and_changes_no_recent_hot_spot(spikes):
    """The weekly figures keep the weeks within baseline_weeks of a week with complaints:
    one complaint dated 0001-01-01 adds 9 weeks, not the 105,000 in between (each week says
    how many were left out before it), and the recent weeks have the same counts and hot
    spots as without it."""
    now_only = complaints_block(recent(), now=NOW, spikes=spikes)
    ancient = complaints_block(recent(dt.datetime(1, 1, 1, tzinfo=UTC)), now=NOW, spikes=spikes)
    weeks, recent_weeks = ancient["volume"]["weeks"], now_only["volume"]["weeks"]
    # the weekly cells built follow the data: year 1's week and the 8 after it, the 8 weeks
    # before the recent ones (their baseline), and the recent ones
    assert len(recent_weeks) == 21 and len(weeks) == 1 + 8 + 8 + 21
    assert ancient["hot_spots"]["weeks"] == len(weeks) and ancient["hot_spots"]["cells"] == 4
    assert [w["week"] for w in weeks[:2]] == ["0001-W01", "0001-W02"] and weeks[9]["gap_before"] > 105_000
    every_week = (dt.date(2026, 3, 16) - dt.date(1, 1, 1)).days // 7 + 1  # Monday of year 1 to Monday of W12
    assert len(weeks) + sum(w["gap_before"] for w in weeks) == every_week
    assert [w["week"] for w in weeks[-21:]] == [w["week"] for w in recent_weeks]
    assert [c["counts"][-21:] for c in ancient["volume"]["cells"]] == [c["counts"] for c in now_only["volume"]["cells"]]
    assert sum(w["gap_before"] for w in recent_weeks) == 0

    def spots(block):  # the hot spots of the weeks both registers test
        tested = recent_weeks[8]["monday"]
        return [(s["week"], s["dimension"], s["unit"], s["count"], pytest.approx(s["p_adjusted"], rel=1e-9))
                for s in block["hot_spots"]["spikes"] if s["monday"] >= tested]

    assert ("2026-W11", "billing", "A") in [s[:3] for s in spots(now_only)]
    assert spots(ancient) == spots(now_only)
    summary = summary_sentences(ancient, "en")
    assert f"{sum(w['gap_before'] for w in weeks):,} weeks without a single complaint are left out" in summary[1]
    assert "left out" not in " ".join(summary_sentences(now_only, "en"))


def test_operational_metrics_against_scipy():
    rng = np.random.default_rng(9)
    days = [dt.date(2026, 3, 2) + dt.timedelta(days=i) for i in range(19)]
    value = rng.normal(1, 0.3, 19)
    ops = pa.table({"date": pa.array(days[:15] + days[16:], pa.date32()),  # 17 March missing
                    "region": [" a "] * 18, "metric": ["drops"] * 18,
                    "value": np.concatenate([value[:15], value[16:]])})
    ops = pa.concat_tables([ops, pa.table({"date": pa.array(days[:3], pa.date32()), "region": ["North"] * 3,
                                           "metric": ["drops"] * 3, "value": [1.0, 2.0, 3.0]})])
    b = complaints_block(ten(), now=NOW, operations=ops, max_lag=4)
    o = b["operations"]
    assert o["unmatched_regions"] == ["North"] and len(o["series"]) == 1
    series = o["series"][0]
    assert (series["region"], series["unit"], series["metric"]) == ("a", "A", "drops")  # trimmed, any case
    # unit A's complaints per day over 2-20 March: c1 2nd, c2 3rd, c4 9th, c6 11th, c8 18th, c10 20th
    count = {day: 0 for day in days}
    for day in (2, 3, 9, 11, 18, 20):
        count[dt.date(2026, 3, day)] = 1
    metric = {day: v for i, (day, v) in enumerate(zip(days, value)) if i != 15}
    for lag in range(5):
        pairs = [(metric[day - dt.timedelta(days=lag)], count[day]) for day in days
                 if day - dt.timedelta(days=lag) in metric]
        x, y = np.array(pairs).T
        ref = stats.pearsonr(x, y)
        got = series["lags"][lag]
        assert got["n"] == len(pairs)
        assert got["r"] == pytest.approx(ref.statistic, rel=1e-9)
        assert got["p"] == pytest.approx(ref.pvalue, rel=1e-8)


def test_problems_in_the_table_name_row_and_column():
    t = ten()
    received = t.column("received_at").to_pylist()
    resolved = t.column("resolved_at").to_pylist()
    received[3] = None
    resolved[1] = received[1] - dt.timedelta(hours=1)
    ids = t.column("id").to_pylist()
    ids[9] = "c1"
    units = t.column("unit").to_pylist()
    units[4] = "  "
    bad = t.set_column(0, "id", pa.array(ids)).set_column(1, "received_at", pa.array(received, TS)) \
        .set_column(2, "unit", pa.array(units)) \
        .set_column(t.schema.get_field_index("resolved_at"), "resolved_at", pa.array(resolved, TS))
    with pytest.raises(DataError) as err:
        complaints_block(bad, now=NOW)
    got = {(p.row, p.column, p.message.split(" (")[0]) for p in err.value.problems}
    assert got == {(5, "received_at", "the time the complaint was received is required"),
                   (3, "resolved_at", "before the complaint was received"),
                   (6, "unit", "the unit is required"),
                   (11, "id", "complaint id repeated")}
    naive = t.set_column(1, "received_at", pa.array([r[1].replace(tzinfo=None) for r in ROWS], pa.timestamp("us")))
    with pytest.raises(DataError, match="time zone"):
        complaints_block(naive)
    with pytest.raises(DataError, match="required column 'dimension'"):
        complaints_block(t.drop_columns(["dimension"]))
    with pytest.raises(UsageError, match="spikes"):
        complaints_block(t, spikes="cusum")


def test_no_complaints():
    empty = ten().slice(0, 0)
    b = complaints_block(empty, now=NOW)
    assert b["n"] == 0 and b["volume"] is None and b["status"] == []
    json.dumps(b, allow_nan=False)


def test_row_order_does_not_matter(block):
    perm = np.random.default_rng(2).permutation(10)
    shuffled = ten().take(pa.array(perm))
    assert complaints_block(shuffled, now=NOW, min_n=1, customers={"A": 2000, "b": 500, "C": 100}) == block


COUNTED = ("n", "period", "volume", "hot_spots", "status", "rates", "operations")


def counted_in_parts(table: pa.Table, cuts: list[int]) -> tuple[pa.Table, dt.datetime]:
    """The register counted in parts (as a cluster's partitions count it) and summed."""
    bounds = [0, *cuts, table.num_rows]
    parts = [count_register(table.slice(a, b - a), first_row=2 + a) for a, b in zip(bounds, bounds[1:])]
    latest = max(t for _, t in parts if t is not None)
    return sum_counts(pa.concat_tables([c for c, _ in parts])), dt.datetime.fromtimestamp(latest / 1e6, UTC)


def test_counts_of_parts_give_the_figures_that_are_counts():
    table, end = planted(weeks=14, spike_week=11, spike=10)
    counts, latest = counted_in_parts(table.take(np.random.default_rng(3).permutation(table.num_rows)), [17, 40, 41])
    assert latest == max(table.column("received_at").to_pylist())
    for spikes in ("poisson", "both", "share"):
        rows = complaints_block(table, now=end, spikes=spikes)
        got = counts_block(counts, now=end, spikes=spikes)
        assert {k: got[k] for k in COUNTED} == {k: rows[k] for k in COUNTED}
        assert got["handling"] is got["sla"] is got["backlog"] is got["repeat"] is None and got["settings"]["counted"]
    ops = pa.table({"date": pa.array([dt.date(2026, 3, 2) + dt.timedelta(days=i) for i in range(19)], pa.date32()),
                    "region": ["A"] * 19, "metric": ["drops"] * 19, "value": np.arange(19.0) % 5})
    options = dict(now=NOW, customers={"A": 2000, "b": 500}, operations=ops, max_lag=3, min_n=1)
    counts, latest = counted_in_parts(ten(), [4, 5])
    assert latest == d(20, 8) + dt.timedelta(hours=2)  # c10 acknowledged: the latest time of the ten
    rows, got = complaints_block(ten(), **options), counts_block(counts, **options)
    assert {k: got[k] for k in COUNTED} == {k: rows[k] for k in COUNTED}
    assert got["volume"]["by_channel"] == [{"value": "app", "n": 2, "share": 0.2}, {"value": "phone", "n": 4, "share": 0.4},
                                           {"value": "web", "n": 4, "share": 0.4}]


def test_a_part_names_its_problems_by_the_files_rows():
    t = ten()
    units = t.column("unit").to_pylist()
    units[6] = None  # c7: row 8 of the file, row 2 of a part starting at row 7
    with pytest.raises(DataError) as err:
        count_register(t.set_column(2, "unit", pa.array(units)).slice(5), first_row=7)
    assert [(p.row, p.column) for p in err.value.problems] == [(8, "unit")]
