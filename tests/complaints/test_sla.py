"""SLA clocks on business-hours calendars: hand-computed due times across weekends,
holidays, starts outside working hours and the daylight-saving changes of
Europe/Stockholm (2026: clocks forward Sunday 29 March 02:00, back Sunday 25 October 03:00).

Calendar OFFICE: Mon-Fri 08:00-17:00 Europe/Stockholm; holidays Good Friday 3 April,
Easter Monday 6 April and 1 May 2026. March 2026: Mon 2, Fri 6, Mon 9, Fri 27, Mon 30.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from servq.complaints.sla import (
    Calendar,
    SlaError,
    SlaPolicy,
    add_business_days,
    add_business_hours,
    assign_due,
    business_hours_between,
    due_times,
    load_calendar,
    load_policies,
    policy_for,
    sla_state,
)
from servq.errors import UsageError

STHLM = ZoneInfo("Europe/Stockholm")
OFFICE = Calendar.from_dict({"timezone": "Europe/Stockholm", "hours": {"mon-fri": "08:00-17:00"},
                             "holidays": ["2026-04-03", "2026-04-06", "2026-05-01"]})
ALWAYS = Calendar.from_dict({"timezone": "Europe/Stockholm", "hours": {"mon-sun": "00:00-24:00"}})


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=STHLM)


def same(a: dt.datetime, b: dt.datetime) -> None:
    """The same instant and the same wall time and offset."""
    assert a == b and a.isoformat() == b.isoformat()


# --------------------------------------------------------------------------- hours

@pytest.mark.parametrize("start, hours, due", [
    (at(2026, 3, 2, 9, 0), 3, at(2026, 3, 2, 12, 0)),       # inside one day
    (at(2026, 3, 2, 9, 0), 8, at(2026, 3, 2, 17, 0)),       # runs out exactly at closing: stays there
    (at(2026, 3, 2, 9, 0), 8.5, at(2026, 3, 3, 8, 30)),     # 8 h Monday, 0.5 h Tuesday
    (at(2026, 3, 6, 15, 0), 4, at(2026, 3, 9, 10, 0)),      # Fri 15-17 (2 h), weekend, Mon 08-10
    (at(2026, 3, 6, 18, 0), 2, at(2026, 3, 9, 10, 0)),      # Friday 18:00 starts Monday 08:00
    (at(2026, 3, 7, 12, 0), 1, at(2026, 3, 9, 9, 0)),       # Saturday
    (at(2026, 3, 9, 6, 0), 1, at(2026, 3, 9, 9, 0)),        # before opening
    (at(2026, 3, 6, 17, 0), 9, at(2026, 3, 9, 17, 0)),      # at closing: the whole of Monday
    (at(2026, 4, 2, 16, 0), 3, at(2026, 4, 7, 10, 0)),      # Thu 1 h, Good Friday, weekend, Easter Monday, Tue 2 h
    (at(2026, 3, 2, 9, 0), 44, at(2026, 3, 6, 17, 0)),      # Mon 8 h + Tue-Thu 27 h + Fri 9 h
    (at(2026, 3, 2, 9, 0), 45, at(2026, 3, 9, 9, 0)),       # one more hour: next Monday 09:00
    (at(2026, 3, 2, 9, 15), 0, at(2026, 3, 2, 9, 15)),      # nothing to add
    (at(2026, 3, 7, 12, 0), 0, at(2026, 3, 7, 12, 0)),      # nothing to add, even outside hours
])
def test_add_business_hours(start, hours, due):
    same(add_business_hours(OFFICE, start, hours), due)


def test_hours_across_the_spring_change():
    # Fri 27 March 16:00 CET + 2 h: 1 h Friday, 1 h Monday 30 March (CEST) -> 09:00+02:00
    due = add_business_hours(OFFICE, at(2026, 3, 27, 16, 0), 2)
    same(due, at(2026, 3, 30, 9, 0))
    assert due.utcoffset() == dt.timedelta(hours=2)
    # real elapsed time: Fri 15:00Z to Mon 07:00Z = 64 h (Python subtracts datetimes of one
    # tzinfo by their wall clocks, which say 65 h)
    utc = dt.UTC
    assert (due.astimezone(utc) - at(2026, 3, 27, 16, 0).astimezone(utc)).total_seconds() == 64 * 3600
    assert business_hours_between(OFFICE, at(2026, 3, 27, 16, 0), due) == 2.0
    # around the clock: Sat 12:00 CET + 24 h = Sun 13:00 CEST (02:00-03:00 does not exist)
    same(add_business_hours(ALWAYS, at(2026, 3, 28, 12, 0), 24), at(2026, 3, 29, 13, 0))
    assert business_hours_between(ALWAYS, at(2026, 3, 28, 0, 0), at(2026, 3, 30, 0, 0)) == 47.0


def test_hours_across_the_autumn_change():
    # Sat 24 October 12:00 CEST + 24 h = Sun 25 October 11:00 CET (02:00-03:00 happens twice)
    same(add_business_hours(ALWAYS, at(2026, 10, 24, 12, 0), 24), at(2026, 10, 25, 11, 0))
    assert business_hours_between(ALWAYS, at(2026, 10, 24, 0, 0), at(2026, 10, 26, 0, 0)) == 49.0
    # office hours: Fri 23 Oct 16:30 CEST + 1 h -> Mon 26 Oct 08:30 CET
    same(add_business_hours(OFFICE, at(2026, 10, 23, 16, 30), 1), at(2026, 10, 26, 8, 30))


def test_a_working_day_through_the_change_has_its_real_length():
    sundays = Calendar.from_dict({"timezone": "Europe/Stockholm", "hours": {"sun": "00:00-24:00"}})
    assert business_hours_between(sundays, at(2026, 3, 28, 12, 0), at(2026, 3, 30, 12, 0)) == 23.0
    assert business_hours_between(sundays, at(2026, 10, 24, 12, 0), at(2026, 10, 26, 12, 0)) == 25.0
    assert business_hours_between(sundays, at(2026, 3, 21, 12, 0), at(2026, 3, 23, 12, 0)) == 24.0


def test_hours_between_by_hand():
    # Fri 16:00 -> Mon 09:30: 1 h + 1.5 h
    assert business_hours_between(OFFICE, at(2026, 3, 6, 16, 0), at(2026, 3, 9, 9, 30)) == 2.5
    assert business_hours_between(OFFICE, at(2026, 3, 9, 9, 30), at(2026, 3, 6, 16, 0)) == -2.5
    # Thu 2 April 12:00 -> Tue 7 April 12:00: 5 h + 4 h (Good Friday and Easter Monday closed)
    assert business_hours_between(OFFICE, at(2026, 4, 2, 12, 0), at(2026, 4, 7, 12, 0)) == 9.0
    # any zone in, the same instants: 08:00Z is 09:00 in Stockholm in winter
    utc = dt.UTC
    assert business_hours_between(OFFICE, dt.datetime(2026, 3, 2, 8, 0, tzinfo=utc), at(2026, 3, 2, 10, 0)) == 1.0


# --------------------------------------------------------------------------- days

@pytest.mark.parametrize("start, days, due", [
    (at(2026, 3, 3, 10, 0), 2, at(2026, 3, 5, 10, 0)),    # Tue -> Thu, same time of day
    (at(2026, 3, 6, 18, 0), 2, at(2026, 3, 10, 17, 0)),   # Fri evening = Mon 08:00: two days -> Tue close
    (at(2026, 3, 7, 11, 0), 1, at(2026, 3, 9, 17, 0)),    # Saturday: all of Monday
    (at(2026, 3, 2, 9, 0), 5, at(2026, 3, 9, 9, 0)),      # a week
    (at(2026, 3, 2, 17, 0), 1, at(2026, 3, 3, 17, 0)),    # at closing = next opening
    (at(2026, 4, 2, 10, 0), 1, at(2026, 4, 7, 10, 0)),    # over Good Friday, weekend and Easter Monday
    (at(2026, 4, 30, 12, 0), 1, at(2026, 5, 4, 12, 0)),   # over 1 May (a Friday) and the weekend
    (at(2026, 3, 27, 10, 0), 1, at(2026, 3, 30, 10, 0)),  # over the spring change: 10:00+01:00 -> 10:00+02:00
    (at(2026, 3, 3, 10, 0), 0, at(2026, 3, 3, 10, 0)),
])
def test_add_business_days(start, days, due):
    same(add_business_days(OFFICE, start, days), due)


def test_a_shorter_day_caps_the_time_of_day():
    # Mon-Thu 08-17, Fri 08-12: Thursday 16:00 is 8 h into the day; Friday has 4 h -> Friday 12:00
    cal = Calendar.from_dict({"timezone": "Europe/Stockholm",
                              "hours": {"mon-thu": "08:00-17:00", "fri": "08:00-12:00"}})
    same(add_business_days(cal, at(2026, 3, 5, 16, 0), 1), at(2026, 3, 6, 12, 0))
    # two intervals a day (lunch closed): Mon 14:00 is 5 h into the day (08-12, 13-14) -> Tue 14:00
    lunch = Calendar.from_dict({"timezone": "Europe/Stockholm", "hours": {"mon-fri": ["08:00-12:00", "13:00-17:00"]}})
    same(add_business_days(lunch, at(2026, 3, 2, 14, 0), 1), at(2026, 3, 3, 14, 0))
    same(add_business_hours(lunch, at(2026, 3, 2, 11, 0), 2), at(2026, 3, 2, 14, 0))


def test_naive_datetimes_are_refused():
    with pytest.raises(UsageError, match="no time zone"):
        add_business_hours(OFFICE, dt.datetime(2026, 3, 2, 9, 0), 1)
    with pytest.raises(UsageError, match="no time zone"):
        business_hours_between(OFFICE, at(2026, 3, 2, 9, 0), dt.datetime(2026, 3, 2, 10, 0))
    with pytest.raises(UsageError, match="whole number"):
        add_business_days(OFFICE, at(2026, 3, 2, 9, 0), 1.5)


# --------------------------------------------------------------------------- calendars and policies

def test_calendar_format_and_round_trip():
    cal = Calendar.from_dict({"timezone": "Europe/Stockholm", "hours": {"mon-fri": "08:00-17:00", "sat": "10:00-14:00",
                                                                         "sun": "closed"},
                              "holidays": ["2026-12-25", dt.date(2026, 12, 24)]})
    assert cal.weekly_hours() == 49.0
    again = Calendar.from_dict({k: v for k, v in cal.to_dict().items() if k != "name"})
    assert again == cal


def test_calendar_problems_all_at_once():
    with pytest.raises(SlaError) as err:
        Calendar.from_dict({"timezone": "Europe/Stokholm", "hours": {"mon-fri": "08:00-17:00", "fri": "09:00-12:00",
                                                                      "sat": 600, "fun": "10:00-11:00",
                                                                      "sun": "17:00-08:00"},
                            "holidays": ["2026-02-30"]})
    text = str(err.value)
    for part in ("unknown time zone 'Europe/Stokholm'", "fri is given twice", "in quotes", "not a weekday",
                 "not an interval within one day", "not a date"):
        assert part in text
    assert len(err.value.problems) == 6


def test_policy_file_problems_name_their_lines(tmp_path):
    path = tmp_path / "sla.yaml"
    path.write_text("""calendars:
  office:
    timezone: Europe/Stockholm
    hours:
      mon-fri: "08:00-17:00"
      sat: 10:00-14:00
  shop:
    timezone: Europe/Stockholm
    hours: {mon-sat: "10:00-19:00"}
policies:
  - {category: "*", tier: "*", acknowledge_hours: 8, resolve_days: 5, calendar: office}
  - {category: "*", tier: "*", acknowledge_hours: 4, resolve_days: 2, calendar: office}
  - {category: billing, tier: "*", acknowledge_hours: -1, resolve_days: 2.5, calendar: shop}
  - {category: billing, tier: gold, acknowledge_hours: 2, resolve_days: 1}
  - {category: network, tier: gold, acknowledge_hours: 2, resolve_days: 1, calendar: garage}
""", encoding="utf-8")
    with pytest.raises(SlaError) as err:
        load_policies(path)
    lines = {(p.line, p.message.split(" (")[0].split(",")[0]) for p in err.value.problems}
    assert (12, "a second policy for category '*' and tier '*'") in lines
    assert any(line == 13 and "business hours" in msg for line, msg in lines)
    assert any(line == 13 and "business days" in msg for line, msg in lines)
    assert any(line == 14 and "required when there are several calendars" in msg for line, msg in lines)
    assert any(line == 15 and "no calendar named 'garage'" in msg for line, msg in lines)
    assert len(err.value.problems) == 5  # "sat: 10:00-14:00" is text to YAML: fine


def test_load_policies_and_calendar(tmp_path):
    spec = {"calendars": {"office": {"timezone": "Europe/Stockholm", "hours": {"mon-fri": "08:00-17:00"}}},
            "policies": [{"category": "*", "tier": "*", "acknowledge_hours": 8, "resolve_days": 5},
                         {"category": "billing", "tier": "gold", "acknowledge_hours": 1.5, "resolve_days": 1}]}
    ps = load_policies(spec)
    assert [(p.category, p.tier, p.acknowledge_hours, p.resolve_days, p.calendar.name) for p in ps] == [
        ("*", "*", 8, 5, "office"), ("billing", "gold", 1.5, 1, "office")]
    path = tmp_path / "office.yaml"
    path.write_text('timezone: Europe/Stockholm\nhours:\n  mon-fri: "08:00-17:00"\nholidays: [2026-04-03]\n',
                    encoding="utf-8")
    cal = load_calendar(path)
    assert cal.holidays == frozenset({dt.date(2026, 4, 3)}) and cal.name == "office"
    path.write_text("timezone: UTC\nhours: {mon: '08:00-17:00'}\nholidays: [2026-13-01]\n", encoding="utf-8")
    with pytest.raises(SlaError, match="month must be in 1..12"):
        load_calendar(path)


def test_policy_for_most_specific_first():
    ps = [SlaPolicy("*", "*", 8, 5, OFFICE), SlaPolicy("billing", "*", 4, 3, OFFICE),
          SlaPolicy("*", "gold", 2, 2, OFFICE), SlaPolicy("billing", "gold", 1, 1, OFFICE)]
    pick = {(c, t): policy_for(ps, c, t).acknowledge_hours for c in ("billing", "network", None)
            for t in ("gold", "standard", None)}
    assert pick == {("billing", "gold"): 1, ("billing", "standard"): 4, ("billing", None): 4,
                    ("network", "gold"): 2, ("network", "standard"): 8, ("network", None): 8,
                    (None, "gold"): 2, (None, "standard"): 8, (None, None): 8}
    assert policy_for(ps[1:2], "network", "gold") is None
    assert policy_for(ps, " Billing ", "GOLD").acknowledge_hours == 1  # trimmed, ignoring case
    with pytest.raises(UsageError, match="two SLA policies"):
        policy_for(ps + [SlaPolicy("billing", "*", 9, 9, OFFICE)], "x", None)


# --------------------------------------------------------------------------- due times and states

POLICY = SlaPolicy("*", "*", 4, 2, OFFICE)
RECEIVED = at(2026, 3, 2, 16, 0)  # Monday 16:00
# acknowledge: 1 h Monday + 3 h Tuesday -> Tue 11:00; resolve: 8 h into Monday -> Wednesday 16:00
ACK_DUE, RESOLVE_DUE = at(2026, 3, 3, 11, 0), at(2026, 3, 4, 16, 0)


def test_due_times():
    ack, res = due_times(POLICY, RECEIVED)
    same(ack, ACK_DUE)
    same(res, RESOLVE_DUE)


@pytest.mark.parametrize("kwargs, ack, ack_left, res", [
    ({"now": at(2026, 3, 3, 9, 0)}, "on_time", 2.0, "on_time"),       # 2 h of 4 left > 25 %
    ({"now": at(2026, 3, 3, 10, 30)}, "due_soon", 0.5, "on_time"),    # 0.5 h <= 1 h
    ({"now": at(2026, 3, 3, 11, 30)}, "overdue", -0.5, "on_time"),
    # Tue 11-17 (6 h) + Wed 08-14 (6 h) past the acknowledgement; 2 h of the 18 h allowed
    # for the resolution (Mon 1 h + Tue 9 h + Wed 8 h) left <= 25 % of 18 h = 4.5 h
    ({"now": at(2026, 3, 4, 14, 0)}, "overdue", -12.0, "due_soon"),
    ({"now": at(2026, 3, 5, 9, 0)}, "overdue", -16.0, "overdue"),      # 6 + 9 + 1 h
    ({"now": at(2026, 3, 5, 9, 0), "acknowledged_at": at(2026, 3, 3, 10, 59)}, "on_time", None, "overdue"),
    ({"now": at(2026, 3, 5, 9, 0), "acknowledged_at": at(2026, 3, 3, 11, 1)}, "overdue", None, "overdue"),
    # resolved without an acknowledgement: acknowledged when resolved (late), resolved in time
    ({"now": at(2026, 3, 5, 9, 0), "resolved_at": at(2026, 3, 4, 15, 0)}, "overdue", None, "on_time"),
])
def test_sla_state(kwargs, ack, ack_left, res):
    s = sla_state(POLICY, RECEIVED, **kwargs)
    assert (s.acknowledge, s.acknowledge_left_hours, s.resolve) == (ack, ack_left, res)
    d = s.to_dict()
    assert d["acknowledge_due"] == "2026-03-03T11:00:00+01:00" and d["resolve_due"] == "2026-03-04T16:00:00+01:00"


def test_assign_due_matches_the_scalar_functions():
    rng = np.random.default_rng(11)
    start = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    stamps = [start + dt.timedelta(minutes=int(m)) for m in rng.integers(0, 60 * 24 * 300, 300)]
    cats = rng.choice(["billing", "network", "empathy"], 300).tolist()
    tiers = rng.choice(["gold", "standard", None], 300).tolist()
    stamps[5] = None
    ps = [SlaPolicy("*", "*", 8, 5, OFFICE), SlaPolicy("billing", "*", 3.5, 3, ALWAYS),
          SlaPolicy("network", "gold", 1, 1, OFFICE)]
    ack, res = assign_due(ps, pa.array(stamps, pa.timestamp("us", tz="UTC")), pa.array(cats), pa.array(tiers))
    for i, (t, c, r) in enumerate(zip(stamps, cats, tiers)):
        if t is None:
            assert ack[i].as_py() is None and res[i].as_py() is None
            continue
        a, b = due_times(policy_for(ps, c, r), t)
        assert ack[i].as_py() == a and res[i].as_py() == b
    # no matching policy: null
    ack, _ = assign_due(ps[1:2], pa.array(stamps[:3], pa.timestamp("us", tz="UTC")), pa.array(["x", "billing", "y"]))
    assert ack.is_null().to_pylist() == [True, False, True]
    with pytest.raises(UsageError, match="time-zone-aware"):
        assign_due(ps, pa.array([dt.datetime(2026, 3, 2)]), pa.array(["x"]))


def test_due_times_of_complaints_centuries_apart():
    """Complaints of year 1, 1900 and 2026 (a register's mistakes): each gets the due times
    it would get alone, and the calendar is built for the years around each, not for the
    2,000 between."""
    from servq.complaints import sla

    stamps = [dt.datetime(1, 1, 1, 9, tzinfo=dt.UTC), dt.datetime(1900, 1, 3, 9, tzinfo=dt.UTC),
              RECEIVED.astimezone(dt.UTC), dt.datetime(9999, 12, 1, 9, tzinfo=dt.UTC)]
    sla._year.cache_clear()
    ack, res = assign_due([POLICY], pa.array(stamps, pa.timestamp("us", tz="UTC")), pa.array(["x"] * 4))
    assert sla._year.cache_info().currsize <= 4 * 3  # calendar years built: those around each complaint
    for i, t in enumerate(stamps):
        assert (ack[i].as_py(), res[i].as_py()) == due_times(POLICY, t)
    assert ack[2].as_py() == at(2026, 3, 3, 11, 0)  # Monday 16:00 + 4 business hours


# --------------------------------------------------------------------------- invariants

MINUTES_2026 = st.integers(0, 365 * 24 * 60 - 1)


@given(MINUTES_2026, st.integers(0, 800))
def test_adding_hours_then_measuring_gives_them_back(minute, quarters):
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=minute)
    hours = quarters / 4
    for cal in (OFFICE, ALWAYS):
        due = add_business_hours(cal, start, hours)
        assert due >= start
        assert business_hours_between(cal, start, due) == hours
        if hours > 0:  # the earliest such instant: a minute before, the hours are not yet all there
            assert business_hours_between(cal, start, due - dt.timedelta(minutes=1)) < hours


@given(MINUTES_2026, st.integers(0, 12), st.integers(0, 12))
def test_business_days_add_up(minute, a, b):
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=minute)
    step = add_business_days(OFFICE, add_business_days(OFFICE, start, a), b)
    assert step == add_business_days(OFFICE, start, a + b)
    # a whole business days are a x 9 business hours (every working day of OFFICE is 9 h long),
    # also from a start outside working hours (its clock starts at the next opening)
    assert business_hours_between(OFFICE, start, add_business_days(OFFICE, start, a)) == 9.0 * a
