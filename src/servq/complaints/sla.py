"""Service-level agreements (SLAs) for complaints, on business-hours calendars.

A :class:`Calendar` says when the complaint desk works: a time zone (an IANA name, read
with :mod:`zoneinfo`), the working hours of each weekday as wall-clock intervals
(``mon-fri: "08:00-17:00"``, several intervals a day allowed, ``"24:00"`` ends a day), and
holidays (whole local dates with no working time). An :class:`SlaPolicy` promises, for a
complaint category (a complaint dimension) and a customer tier, an acknowledgement within
*N business hours* and a resolution within *N business days*.

Business time
-------------
Let W be the union of the calendar's working intervals, each turned into real instants in
the calendar's zone. The business time elapsed up to an instant t is
B(t) = |W ∩ (−∞, t]| (real elapsed time inside working intervals), so

- ``business_hours_between(a, b)`` = (B(b) − B(a)) / 1 h (negative when b < a);
- ``add_business_hours(start, h)`` = the earliest instant t with B(t) − B(start) ≥ h
  (``start`` itself when h = 0). A clock started outside working hours starts at the next
  opening (Friday 18:00 + 2 h = Monday 10:00 with mon–fri 08:00–17:00), and a clock that
  runs out exactly at a closing time stops there (Monday 08:00 + 9 h = Monday 17:00);
- ``add_business_days(start, n)`` keeps the position inside the working day: a start at
  business offset o into business day D (o = B(start) − B(opening of D); a start outside
  hours has o = 0 on the next business day) is due at offset o into business day D + n
  (capped at that day's length when it is shorter), again taking the earliest instant, so
  a due time at offset 0 is shown as the close of the business day before: received
  Tuesday 10:00 → 2 days → Thursday 10:00; received Friday 18:00 → 2 days → Tuesday 17:00.
  A business day is a local date with positive working time that is not a holiday.

Working intervals are wall-clock times converted with the zone's rules, so across a
daylight-saving change an interval has its real length (a 00:00–24:00 day is 23 h long on
the spring change in Europe/Stockholm and 25 h on the autumn one). A wall time that does
not exist (inside the spring gap) or occurs twice (autumn) is read with ``fold = 0``
(PEP 495): the offset before the change.

All functions take and return time-zone-aware datetimes (naive ones are refused: a naive
time has no instant); results are in the calendar's zone. The vector functions
(:func:`assign_due`) work on whole Arrow columns: the business-time function B is a
piecewise-linear table over the years involved and every look-up is a binary search.

Choosing a policy
-----------------
:func:`policy_for` takes the most specific policy matching a complaint: exact category and
tier, then category with any tier (``"*"``), then any category with the tier, then
``"*"``/``"*"``. Category and tier are compared after trimming, ignoring case; an unknown
(null) category or tier matches only ``"*"``.

References: the business-hours clock is the one of ITIL service-level management
(AXELOS, *ITIL Foundation*, 4th ed., 2019, §5.2.15); calendars, time zones and daylight
saving follow the IANA time-zone database via Python's :mod:`zoneinfo` (PEP 615).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import Problem, ProblemsError, UsageError
from ..instruments import yamlfile
from .timestamps import DAY, combined, is_aware, utc_us

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
STATES = ("on_time", "due_soon", "overdue")
ANY = "*"
US = 1_000_000  # microseconds per second
HOUR = 3600 * US
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_TIME = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
_CLOSED = ("", "closed", "none", "-")


class SlaError(ProblemsError):
    """An SLA file (calendars and policies) is invalid; ``problems`` lists each with its line."""


# --------------------------------------------------------------------------- calendar


@dataclass(frozen=True)
class Calendar:
    """Working hours in a time zone.

    ``hours[d]`` holds the working intervals of weekday d (0 = Monday) as (start, end)
    minutes after local midnight, 0 ≤ start < end ≤ 1440, sorted and not overlapping;
    ``holidays`` are local dates without working time.

    Examples
    --------
    >>> cal = Calendar.from_dict({"timezone": "Europe/Stockholm", "hours": {"mon-fri": "08:00-17:00"},
    ...                           "holidays": ["2026-01-06"]})
    >>> cal.hours[0], cal.hours[5]
    (((480, 1020),), ())
    >>> cal.weekly_hours()
    45.0
    """

    timezone: str
    hours: tuple[tuple[tuple[int, int], ...], ...]
    holidays: frozenset[dt.date] = frozenset()
    name: str = ""

    def __post_init__(self):
        # lists given in Python become tuples: a calendar is hashable (its timeline is cached)
        object.__setattr__(self, "hours", tuple(tuple((int(a), int(b)) for a, b in day) for day in self.hours))
        object.__setattr__(self, "holidays", frozenset(self.holidays))
        problems = _calendar_problems(self)
        if problems:
            raise UsageError("invalid calendar: " + "; ".join(msg for _, msg in problems))

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @classmethod
    def from_dict(cls, spec: Mapping, name: str = "") -> Calendar:
        """A calendar from ``{"timezone": ..., "hours": {...}, "holidays": [...]}`` (the YAML
        format of docs/complaints-analytics.md); every problem raised at once as :class:`SlaError`."""
        cal, found = _parse_calendar(spec, name, "")
        _raise(found, None, "<calendar>")
        return cal

    def weekly_hours(self) -> float:
        """Working hours in a week without holidays (wall-clock)."""
        return sum(e - s for day in self.hours for s, e in day) / 60

    def to_dict(self) -> dict:
        hours = {}
        for day, intervals in zip(WEEKDAYS, self.hours):
            hours[day] = [f"{_hhmm(s)}-{_hhmm(e)}" for s, e in intervals]
        return {"name": self.name, "timezone": self.timezone, "hours": hours,
                "holidays": [d.isoformat() for d in sorted(self.holidays)]}


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _calendar_problems(cal: Calendar) -> list[tuple[str, str]]:
    out = []
    try:
        ZoneInfo(cal.timezone)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        out.append(("timezone", f"unknown time zone {cal.timezone!r} (use an IANA name such as Europe/Stockholm)"))
    if len(cal.hours) != 7:
        out.append(("hours", "hours must give the intervals of seven weekdays"))
        return out
    for day, intervals in zip(WEEKDAYS, cal.hours):
        last = -1
        for s, e in intervals:
            if not (0 <= s < e <= 1440):
                out.append((f"hours.{day}", f"{_hhmm(s)}-{_hhmm(e)} is not an interval within a day"))
            elif s < last:
                out.append((f"hours.{day}", f"intervals overlap or are not in order at {_hhmm(s)}"))
            last = max(last, e)
    if not any(cal.hours):
        out.append(("hours", "the calendar has no working hours"))
    return out


def _parse_calendar(spec, name: str, where: str) -> tuple[Calendar | None, list[tuple[str, str]]]:
    """(calendar or None, [(path, message)]) from a mapping; paths are prefixed by ``where``."""
    pre = f"{where}." if where else ""
    if not isinstance(spec, Mapping):
        return None, [(where or "calendar", "a calendar must be a mapping with timezone, hours and holidays")]
    found: list[tuple[str, str]] = []
    for key in spec:
        if key not in ("timezone", "hours", "holidays", "name"):
            found.append((f"{pre}{key}", "unknown field (known: timezone, hours, holidays)"))
    tz = spec.get("timezone")
    if not isinstance(tz, str) or not tz.strip():
        found.append((f"{pre}timezone", "required: an IANA time zone such as Europe/Stockholm"))
    else:
        try:
            ZoneInfo(tz.strip())
        except (ZoneInfoNotFoundError, ValueError):
            found.append((f"{pre}timezone", f"unknown time zone {tz!r} (use an IANA name such as Europe/Stockholm)"))
    days: list[list[tuple[int, int]] | None] = [None] * 7
    hours = spec.get("hours")
    if not isinstance(hours, Mapping) or not hours:
        found.append((f"{pre}hours", 'required: working hours per weekday, e.g. mon-fri: "08:00-17:00"'))
        hours = {}
    for key, value in hours.items():
        path = f"{pre}hours.{key}"
        which = _weekdays(str(key))
        if which is None:
            found.append((path, "not a weekday or range of weekdays (mon, tue, wed, thu, fri, sat, sun; mon-fri)"))
            continue
        intervals, msg = _intervals(value)
        if msg:
            found.append((path, msg))
            continue
        for d in which:
            if days[d] is not None:
                found.append((path, f"{WEEKDAYS[d]} is given twice"))
            days[d] = intervals
    holidays: set[dt.date] = set()
    raw = spec.get("holidays") or []
    if not isinstance(raw, (list, tuple)):
        found.append((f"{pre}holidays", "holidays must be a list of dates (YYYY-MM-DD)"))
        raw = []
    for i, h in enumerate(raw):
        day = _date(h)
        if day is None:
            found.append((f"{pre}holidays[{i}]", f"not a date (use YYYY-MM-DD), got {h!r}"))
        else:
            holidays.add(day)
    if found:
        return None, found
    hours_t = tuple(tuple(d or ()) for d in days)
    cal = object.__new__(Calendar)  # checked below with the same rules as __post_init__
    for attr, value in (("timezone", tz.strip()), ("hours", hours_t), ("holidays", frozenset(holidays)),
                        ("name", str(spec.get("name") or name))):
        object.__setattr__(cal, attr, value)
    more = [(f"{pre}{p}", m) for p, m in _calendar_problems(cal)]
    return (None, more) if more else (cal, [])


def _weekdays(key: str) -> list[int] | None:
    key = key.strip().lower()
    if key in WEEKDAYS:
        return [WEEKDAYS.index(key)]
    parts = [p.strip() for p in key.split("-")]
    if len(parts) == 2 and all(p in WEEKDAYS for p in parts):
        a, b = WEEKDAYS.index(parts[0]), WEEKDAYS.index(parts[1])
        if a < b:
            return list(range(a, b + 1))
    return None


def _intervals(value) -> tuple[list[tuple[int, int]], str | None]:
    if value is None or (isinstance(value, str) and value.strip().lower() in _CLOSED):
        return [], None
    if isinstance(value, bool) or isinstance(value, (int, float)):
        return [], ('write working hours as text in quotes, e.g. "08:00-17:00" '
                    f"(YAML reads unquoted 17:00 as a number), got {value!r}")
    items = value if isinstance(value, (list, tuple)) else [value]
    out = []
    for item in items:
        m = _TIME.match(item) if isinstance(item, str) else None
        if not m:
            return [], f'not a time interval like "08:00-17:00", got {item!r}'
        h1, m1, h2, m2 = (int(g) for g in m.groups())
        s, e = h1 * 60 + m1, h2 * 60 + m2
        if m1 > 59 or m2 > 59 or h1 > 23 or e > 1440 or s >= e:
            return [], f"{item!r} is not an interval within one day (start before end, end at most 24:00)"
        out.append((s, e))
    out.sort()
    merged: list[tuple[int, int]] = []
    for s, e in out:
        if merged and s < merged[-1][1]:
            return [], f"intervals overlap: {_hhmm(merged[-1][0])}-{_hhmm(merged[-1][1])} and {_hhmm(s)}-{_hhmm(e)}"
        if merged and s == merged[-1][1]:
            merged[-1] = (merged[-1][0], e)
        else:
            merged.append((s, e))
    return merged, None


def _date(value) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return None
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def load_calendar(spec: str | Path | Mapping | Calendar) -> Calendar:
    """A calendar from a YAML file path, a mapping, or a :class:`Calendar` (returned as is)."""
    if isinstance(spec, Calendar):
        return spec
    if isinstance(spec, Mapping):
        return Calendar.from_dict(spec)
    text = yamlfile.read(spec, "calendar")
    raw = _load_yaml(text, str(spec))
    cal, found = _parse_calendar(raw, Path(spec).stem, "")
    _raise(found, text, str(spec))
    return cal


def _load_yaml(text: str, source: str):
    try:
        return yamlfile.load(text, source, SlaError)
    except ValueError as exc:  # PyYAML builds dates itself: 2026-13-01 fails outside its YAMLError
        problem = Problem(f"{exc} (a date must be YYYY-MM-DD)", file=source)
        raise SlaError(f"{source} is not valid YAML", [problem]) from None


def _raise(found: list[tuple[str, str]], text: str | None, source: str) -> None:
    yamlfile.check(yamlfile.semantic_found(found), text, source, SlaError, "the SLA calendars and policies")


# --------------------------------------------------------------------------- business time


@dataclass(frozen=True)
class _Timeline:
    """The working intervals of a range of years as UTC microseconds, with the business
    time elapsed before each (``cum``) and the business days (first interval, opening
    business time, length)."""

    start: np.ndarray
    length: np.ndarray
    cum: np.ndarray
    cum_end: np.ndarray
    day_open: np.ndarray  # business time at the opening of each business day
    day_length: np.ndarray
    first_year: int
    last_year: int

    @property
    def total(self) -> int:
        return int(self.cum_end[-1]) if self.cum_end.size else 0

    def elapsed(self, t: np.ndarray) -> np.ndarray:
        """B(t): business microseconds from the timeline's start to each instant t."""
        i = np.searchsorted(self.start, t, side="right") - 1
        j = np.maximum(i, 0)
        inside = np.clip(t - self.start[j], 0, self.length[j])
        return np.where(i >= 0, self.cum[j] + inside, 0)

    def earliest(self, v: np.ndarray) -> np.ndarray:
        """The earliest instant t with B(t) ≥ v (v > 0, v ≤ total)."""
        k = np.searchsorted(self.cum_end, v, side="left")
        k = np.minimum(k, self.cum_end.size - 1)
        return self.start[k] + (v - self.cum[k])


def _to_us(day: dt.date, minute: int, zone: ZoneInfo) -> int:
    """Local wall time ``minute`` minutes after midnight of ``day`` as UTC microseconds
    (24:00 is the next day's midnight, not 24 h after this one's)."""
    if minute == 1440:
        day, minute = day + dt.timedelta(days=1), 0
    local = dt.datetime(day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=zone)
    return (local - EPOCH) // dt.timedelta(microseconds=1)


@functools.lru_cache(maxsize=256)
def _year(cal: Calendar, year: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(start, end, date ordinal) of the working intervals of one local year."""
    zone = cal.zone
    starts, ends, days = [], [], []
    for ordinal in range(dt.date(year, 1, 1).toordinal(), dt.date(year, 12, 31).toordinal() + 1):
        day = dt.date.fromordinal(ordinal)
        if day not in cal.holidays:
            for s, e in cal.hours[day.weekday()]:
                starts.append(_to_us(day, s, zone))
                ends.append(_to_us(day, e, zone))
                days.append(ordinal)
    return (np.array(starts, dtype=np.int64), np.array(ends, dtype=np.int64), np.array(days, dtype=np.int64))


@functools.lru_cache(maxsize=64)
def _timeline(cal: Calendar, first_year: int, last_year: int) -> _Timeline:
    parts = [_year(cal, y) for y in range(first_year, last_year + 1)]
    start = np.concatenate([p[0] for p in parts])
    end = np.concatenate([p[1] for p in parts])
    day = np.concatenate([p[2] for p in parts])
    if start.size:  # guard against overlaps made by a clock change: never start before the last end
        start = np.maximum(start, np.concatenate([start[:1], np.maximum.accumulate(end[:-1])]))
    length = np.maximum(end - start, 0)
    cum_end = np.cumsum(length)
    cum = cum_end - length
    keep = length > 0
    days, first = np.unique(day[keep], return_index=True)
    day_open = cum[keep][first]
    day_length = np.add.reduceat(length[keep], first) if days.size else np.zeros(0, dtype=np.int64)
    return _Timeline(start, length, cum, cum_end, day_open, day_length, first_year, last_year)


def _utc_year(us) -> int:
    return (EPOCH + dt.timedelta(microseconds=int(us))).year


def _covering(cal: Calendar, t: np.ndarray, need) -> _Timeline:
    """A timeline from the year before min(t) that satisfies ``need(timeline)`` (more years
    are added until it does)."""
    y0, y1 = max(1, _utc_year(t.min()) - 1), min(9999, _utc_year(t.max()) + 1)  # the years a date can have
    for _ in range(200):
        tl = _timeline(cal, y0, y1)
        if tl.cum_end.size and need(tl):
            return tl
        if y1 == 9999:
            break
        y1 = min(9999, y1 + max(1, (y1 - y0) // 2))
    raise UsageError("the calendar has too little working time to reach the due time (200 years searched)")


def _add_hours_us(cal: Calendar, t: np.ndarray, hours) -> np.ndarray:
    add = np.round(np.asarray(hours, dtype=np.float64) * HOUR).astype(np.int64)
    if np.any(add < 0):
        raise UsageError("business hours to add must not be negative")
    add = np.broadcast_to(add, t.shape)

    def need(tl: _Timeline) -> bool:
        return bool(np.all(tl.elapsed(t) + add <= tl.total))

    tl = _covering(cal, t, need)
    v = tl.elapsed(t) + add
    return np.where(add == 0, t, tl.earliest(np.maximum(v, 1)))


def _add_days_us(cal: Calendar, t: np.ndarray, days) -> np.ndarray:
    n = np.asarray(days)
    if n.dtype.kind == "f":
        if np.any(n != np.round(n)):
            raise UsageError("business days must be whole numbers")
        n = n.astype(np.int64)
    if np.any(n < 0):
        raise UsageError("business days to add must not be negative")
    n = np.broadcast_to(n, t.shape)

    def locate(tl: _Timeline):
        s = tl.elapsed(t)
        d = np.searchsorted(tl.day_open, s, side="right") - 1
        return s, d

    def need(tl: _Timeline) -> bool:
        s, d = locate(tl)
        # the start's own day must be known (not after the last) and D + n must exist
        return bool(tl.day_open.size and np.all(s < tl.day_open[-1]) and np.all(d + n < tl.day_open.size))

    tl = _covering(cal, t, need)
    s, d = locate(tl)
    d = np.maximum(d, 0)
    offset = s - tl.day_open[d]
    target = d + n
    v = tl.day_open[target] + np.minimum(offset, tl.day_length[target])
    return np.where(n == 0, t, tl.earliest(np.maximum(v, 1)))


def _us(when: dt.datetime, what: str) -> int:
    if not isinstance(when, dt.datetime):
        raise UsageError(f"{what} must be a datetime, got {type(when).__name__}")
    if when.tzinfo is None or when.utcoffset() is None:
        raise UsageError(f"{what} has no time zone ({when.isoformat()}): give a time-zone-aware datetime, "
                         "e.g. datetime(..., tzinfo=ZoneInfo('Europe/Stockholm'))")
    return (when - EPOCH) // dt.timedelta(microseconds=1)


def _datetime(us: int, cal: Calendar) -> dt.datetime:
    return (EPOCH + dt.timedelta(microseconds=int(us))).astimezone(cal.zone)


def add_business_hours(calendar: Calendar, start: dt.datetime, hours: float) -> dt.datetime:
    """The earliest instant by which ``hours`` business hours have passed since ``start``.

    Examples
    --------
    >>> from zoneinfo import ZoneInfo
    >>> cal = Calendar.from_dict({"timezone": "Europe/Stockholm", "hours": {"mon-fri": "08:00-17:00"}})
    >>> friday_evening = dt.datetime(2026, 3, 6, 18, 0, tzinfo=ZoneInfo("Europe/Stockholm"))
    >>> add_business_hours(cal, friday_evening, 2).isoformat()  # Monday 08:00 + 2 h
    '2026-03-09T10:00:00+01:00'
    """
    t = np.array([_us(start, "start")], dtype=np.int64)
    return _datetime(_add_hours_us(calendar, t, hours)[0], calendar)


def add_business_days(calendar: Calendar, start: dt.datetime, days: int) -> dt.datetime:
    """``start`` moved ``days`` business days on, keeping its position in the working day
    (see the module notes).

    Examples
    --------
    >>> from zoneinfo import ZoneInfo
    >>> cal = Calendar.from_dict({"timezone": "Europe/Stockholm", "hours": {"mon-fri": "08:00-17:00"}})
    >>> z = ZoneInfo("Europe/Stockholm")
    >>> add_business_days(cal, dt.datetime(2026, 3, 3, 10, 0, tzinfo=z), 2).isoformat()  # Tue -> Thu
    '2026-03-05T10:00:00+01:00'
    >>> add_business_days(cal, dt.datetime(2026, 3, 6, 18, 0, tzinfo=z), 2).isoformat()  # Fri eve -> Tue close
    '2026-03-10T17:00:00+01:00'
    """
    if isinstance(days, bool) or not float(days).is_integer():
        raise UsageError(f"business days must be a whole number, got {days!r}")
    t = np.array([_us(start, "start")], dtype=np.int64)
    return _datetime(_add_days_us(calendar, t, int(days))[0], calendar)


def business_hours_between(calendar: Calendar, a: dt.datetime, b: dt.datetime) -> float:
    """Business hours from ``a`` to ``b`` (negative when b is before a).

    >>> from zoneinfo import ZoneInfo
    >>> cal = Calendar.from_dict({"timezone": "Europe/Stockholm", "hours": {"mon-fri": "08:00-17:00"}})
    >>> z = ZoneInfo("Europe/Stockholm")
    >>> business_hours_between(cal, dt.datetime(2026, 3, 6, 16, 0, tzinfo=z), dt.datetime(2026, 3, 9, 9, 30, tzinfo=z))
    2.5
    """
    t = np.array([_us(a, "a"), _us(b, "b")], dtype=np.int64)
    tl = _covering(calendar, t, lambda tl: True)
    s = tl.elapsed(t)
    return float(s[1] - s[0]) / HOUR


# --------------------------------------------------------------------------- policies


@dataclass(frozen=True)
class SlaPolicy:
    """Acknowledge within ``acknowledge_hours`` business hours and resolve within
    ``resolve_days`` business days on ``calendar``, for complaints of ``category`` (a
    complaint dimension, ``"*"`` = any) from customers of ``tier`` (``"*"`` = any)."""

    category: str
    tier: str
    acknowledge_hours: float
    resolve_days: int
    calendar: Calendar = field(repr=False)

    def __post_init__(self):
        if not (self.acknowledge_hours >= 0) or not (self.resolve_days >= 0):
            raise UsageError("acknowledge_hours and resolve_days must not be negative")
        if isinstance(self.resolve_days, bool) or not float(self.resolve_days).is_integer():
            raise UsageError(f"resolve_days must be a whole number, got {self.resolve_days!r}")

    @property
    def specificity(self) -> int:
        """3 = category and tier, 2 = category only, 1 = tier only, 0 = neither."""
        return 2 * (self.category != ANY) + (self.tier != ANY)

    def to_dict(self) -> dict:
        return {"category": self.category, "tier": self.tier, "acknowledge_hours": self.acknowledge_hours,
                "resolve_days": self.resolve_days, "calendar": self.calendar.name}


def _key(value) -> str | None:
    return None if value is None else str(value).strip().casefold()


def policy_for(policies: Sequence[SlaPolicy], category: str | None, tier: str | None) -> SlaPolicy | None:
    """The most specific policy for a complaint of ``category`` from a customer of ``tier``:
    exact category + tier, then category + ``*``, then ``*`` + tier, then ``*`` + ``*``;
    None when none matches. Two policies for the same category and tier are an error.

    Examples
    --------
    >>> cal = Calendar.from_dict({"timezone": "UTC", "hours": {"mon-fri": "08:00-17:00"}})
    >>> ps = [SlaPolicy("*", "*", 8, 5, cal), SlaPolicy("reliability", "*", 4, 3, cal),
    ...       SlaPolicy("*", "gold", 2, 2, cal), SlaPolicy("reliability", "gold", 1, 1, cal)]
    >>> [policy_for(ps, c, t).acknowledge_hours for c, t in
    ...  [("reliability", "gold"), ("Reliability", "basic"), ("empathy", "gold"), ("empathy", None)]]
    [1, 4, 2, 8]
    """
    cat, tr = _key(category), _key(tier)
    best: SlaPolicy | None = None
    seen: dict[tuple, SlaPolicy] = {}
    for p in policies:
        pk = (_key(p.category), _key(p.tier))
        if pk in seen:
            raise UsageError(f"two SLA policies for category {p.category!r} and tier {p.tier!r}")
        seen[pk] = p
        if pk[0] not in (ANY, cat) or pk[1] not in (ANY, tr):
            continue
        if best is None or p.specificity > best.specificity:
            best = p
    return best


def load_policies(spec: str | Path | Mapping) -> list[SlaPolicy]:
    """SLA policies (with their calendars) from a YAML file or a mapping::

        calendars:
          office: {timezone: Europe/Stockholm, hours: {mon-fri: "08:00-17:00"}, holidays: [2026-12-25]}
        policies:
          - {category: "*", tier: "*", acknowledge_hours: 8, resolve_days: 5, calendar: office}

    ``calendar`` may be left out when there is one calendar. Every problem is raised at
    once as :class:`SlaError`, with its line for a file.
    """
    if isinstance(spec, Mapping):
        raw, text, source = dict(spec), None, "<sla>"
    else:
        text = yamlfile.read(spec, "SLA")
        source = str(spec)
        raw = _load_yaml(text, source)
    yamlfile.require_mapping(raw, source, SlaError, "an SLA file",
                             "the file must be a mapping with calendars and policies")
    found: list[tuple[str, str]] = []
    for key in raw:
        if key not in ("calendars", "policies"):
            found.append((str(key), "unknown field (known: calendars, policies)"))
    calendars: dict[str, Calendar] = {}
    cals = raw.get("calendars")
    if not isinstance(cals, Mapping) or not cals:
        found.append(("calendars", "required: a mapping of calendar names to calendars"))
        cals = {}
    for name, cspec in cals.items():
        cal, more = _parse_calendar(cspec, str(name), f"calendars.{name}")
        found += more
        if cal is not None:
            calendars[str(name)] = cal
    policies: list[SlaPolicy] = []
    items = raw.get("policies")
    if not isinstance(items, list) or not items:
        found.append(("policies", "required: a list of policies"))
        items = []
    seen: dict[tuple, int] = {}
    for i, item in enumerate(items):
        where = f"policies[{i}]"
        if not isinstance(item, Mapping):
            found.append((where, "a policy must be a mapping with category, tier, acknowledge_hours, resolve_days"))
            continue
        bad = [k for k in item if k not in ("category", "tier", "acknowledge_hours", "resolve_days", "calendar")]
        found += [(f"{where}.{k}", "unknown field (known: category, tier, acknowledge_hours, resolve_days, calendar)")
                  for k in bad]
        cat, tier = str(item.get("category", ANY)).strip(), str(item.get("tier", ANY)).strip()
        ack, res = item.get("acknowledge_hours"), item.get("resolve_days")
        ok = True
        if isinstance(ack, bool) or not isinstance(ack, (int, float)) or ack < 0:
            found.append((f"{where}.acknowledge_hours", f"required: business hours (a number ≥ 0), got {ack!r}"))
            ok = False
        if isinstance(res, bool) or not isinstance(res, int) or res < 0:
            found.append((f"{where}.resolve_days", f"required: business days (a whole number ≥ 0), got {res!r}"))
            ok = False
        cname = item.get("calendar")
        if cname is None and len(cals) == 1:
            cname = next(iter(cals))
        if cname is None:
            found.append((f"{where}.calendar",
                          f"required when there are several calendars ({', '.join(map(str, cals))})"))
            ok = False
        elif str(cname) not in cals:
            found.append((f"{where}.calendar", f"no calendar named {cname!r} (calendars: {', '.join(map(str, cals))})"))
            ok = False
        key = (cat.casefold(), tier.casefold())
        if key in seen:
            found.append((where, f"a second policy for category {cat!r} and tier {tier!r} "
                                 f"(first is policies[{seen[key]}])"))
        seen.setdefault(key, i)
        if ok and str(cname) in calendars:
            policies.append(SlaPolicy(cat, tier, ack, res, calendars[str(cname)]))
    _raise(found, text, source)
    return policies


# --------------------------------------------------------------------------- due times and states


def due_times(policy: SlaPolicy, received_at: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """(acknowledge due, resolve due) for a complaint received at ``received_at``."""
    return (add_business_hours(policy.calendar, received_at, policy.acknowledge_hours),
            add_business_days(policy.calendar, received_at, policy.resolve_days))


@dataclass(frozen=True)
class SlaState:
    """Where a complaint stands against its SLA.

    ``acknowledge`` and ``resolve`` are ``on_time``, ``due_soon`` or ``overdue``: a done
    step is on time when it happened by its due time, else overdue (late); a step not yet
    done is overdue when ``now`` is past its due time, due soon when at most the fraction
    ``soon`` of the allowed business time is left, else on time. ``*_left_hours`` are the
    business hours from ``now`` to the due time for a step not yet done (negative when
    overdue), None when done.
    """

    acknowledge: str
    resolve: str
    acknowledged: bool
    resolved: bool
    acknowledge_due: dt.datetime
    resolve_due: dt.datetime
    acknowledge_left_hours: float | None
    resolve_left_hours: float | None

    def to_dict(self) -> dict:
        return {"acknowledge": self.acknowledge, "resolve": self.resolve, "acknowledged": self.acknowledged,
                "resolved": self.resolved, "acknowledge_due": self.acknowledge_due.isoformat(),
                "resolve_due": self.resolve_due.isoformat(), "acknowledge_left_hours": self.acknowledge_left_hours,
                "resolve_left_hours": self.resolve_left_hours}


def sla_state(policy: SlaPolicy, received_at: dt.datetime, *, acknowledged_at: dt.datetime | None = None,
              resolved_at: dt.datetime | None = None, now: dt.datetime, soon: float = 0.25) -> SlaState:
    """The acknowledgement and resolution states of one complaint at ``now``.

    A complaint resolved without a recorded acknowledgement counts as acknowledged when it
    was resolved (resolving it answers the customer).

    Examples
    --------
    >>> from zoneinfo import ZoneInfo
    >>> z = ZoneInfo("Europe/Stockholm")
    >>> cal = Calendar.from_dict({"timezone": "Europe/Stockholm", "hours": {"mon-fri": "08:00-17:00"}})
    >>> p = SlaPolicy("*", "*", 8, 2, cal)
    >>> s = sla_state(p, dt.datetime(2026, 3, 2, 9, 0, tzinfo=z), now=dt.datetime(2026, 3, 2, 16, 0, tzinfo=z))
    >>> s.acknowledge, s.acknowledge_left_hours, s.resolve  # due Mon 17:00: 1 h of 8 left
    ('due_soon', 1.0, 'on_time')
    """
    if not 0 <= soon <= 1:
        raise UsageError(f"soon is a fraction of the allowed time between 0 and 1, got {soon}")
    cal = policy.calendar
    ack_due, res_due = due_times(policy, received_at)
    if acknowledged_at is None and resolved_at is not None:
        acknowledged_at = resolved_at
    ack, ack_left = _state(cal, received_at, ack_due, acknowledged_at, now, soon)
    res, res_left = _state(cal, received_at, res_due, resolved_at, now, soon)
    return SlaState(ack, res, acknowledged_at is not None, resolved_at is not None, ack_due, res_due,
                    ack_left, res_left)


def _state(cal: Calendar, received: dt.datetime, due: dt.datetime, done: dt.datetime | None, now: dt.datetime,
           soon: float) -> tuple[str, float | None]:
    if done is not None:
        return ("on_time" if _us(done, "done") <= _us(due, "due") else "overdue"), None
    left = business_hours_between(cal, now, due)
    if _us(now, "now") > _us(due, "due"):
        return "overdue", left
    allowed = business_hours_between(cal, received, due)
    return ("due_soon" if left <= soon * allowed else "on_time"), left


# --------------------------------------------------------------------------- whole columns


def _timestamps_us(column, what: str) -> tuple[np.ndarray, np.ndarray]:
    """A tz-aware Arrow timestamp column as (UTC microseconds, valid)."""
    arr = combined(column)
    if not is_aware(arr):
        raise UsageError(f"{what} must be a time-zone-aware timestamp column, got {arr.type}")
    return utc_us(arr)


def assign_due(policies: Sequence[SlaPolicy], received_at, category, tier=None) -> tuple[pa.Array, pa.Array]:
    """Acknowledge-due and resolve-due times of many complaints at once, as UTC timestamp
    arrays (null where no policy matches or ``received_at`` is null).

    ``received_at`` is a tz-aware Arrow timestamp array; ``category`` and ``tier`` string
    arrays (or None for all unknown). The policy of each distinct (category, tier) pair is
    chosen by :func:`policy_for`; the due times of each policy's complaints are computed in
    one vectorised pass.
    """
    t, valid = _timestamps_us(received_at, "received_at")
    n = t.size
    pair_codes, pairs = _pair_codes(category, tier, n)
    chosen = [policy_for(policies, c, r) for c, r in pairs]
    distinct: list[SlaPolicy] = []
    of_pair = np.full(max(len(chosen), 1), -1, dtype=np.int64)
    for j, p in enumerate(chosen):
        if p is not None:
            k = next((i for i, q in enumerate(distinct) if q is p), None)
            if k is None:
                distinct.append(p)
                k = len(distinct) - 1
            of_pair[j] = k
    row_policy = np.where(valid, of_pair[pair_codes], -1)
    ack = np.zeros(n, dtype=np.int64)
    res = np.zeros(n, dtype=np.int64)
    for i, p in enumerate(distinct):
        for rows in _near_in_time(t, np.flatnonzero(row_policy == i)):
            ack[rows] = _add_hours_us(p.calendar, t[rows], p.acknowledge_hours)
            res[rows] = _add_days_us(p.calendar, t[rows], p.resolve_days)
    mask = row_policy < 0
    typ = pa.timestamp("us", tz="UTC")
    return (pa.array(ack, type=pa.int64(), mask=mask).cast(typ), pa.array(res, type=pa.int64(), mask=mask).cast(typ))


def _near_in_time(t: np.ndarray, rows: np.ndarray) -> list[np.ndarray]:
    """``rows`` in groups received at most a year after the one before: each group's
    calendar covers its own years only, so a complaint dated 1900 among those of 2026 costs
    two more years of calendar, not 126 (each due time depends on its complaint alone)."""
    if not rows.size:
        return []
    order = rows[np.argsort(t[rows], kind="stable")]
    return np.split(order, np.flatnonzero(np.diff(t[order]) > 366 * DAY) + 1)


def _pair_codes(category, tier, n: int) -> tuple[np.ndarray, list[tuple]]:
    def encode(col):
        if col is None:
            return np.zeros(n, dtype=np.int64), [None]
        enc = pc.dictionary_encode(combined(col).cast(pa.string()))
        codes = pc.fill_null(enc.indices.cast(pa.int64()), len(enc.dictionary)).to_numpy()
        return codes, enc.dictionary.to_pylist() + [None]

    c_codes, c_values = encode(category)
    t_codes, t_values = encode(tier)
    pair = c_codes * len(t_values) + t_codes
    uniq, inverse = np.unique(pair, return_inverse=True)
    pairs = [(c_values[u // len(t_values)], t_values[u % len(t_values)]) for u in uniq]
    return inverse.astype(np.int64), pairs


def with_due_times(register, policies):
    """The register with ``ack_due`` and ``resolve_due`` from the SLA ``policies`` (category =
    the complaint's dimension, tier = its tier), replacing any the register had."""
    ack, res = assign_due(policies, register["received_at"], register["dimension"], register["tier"])
    for name, values in (("ack_due", ack), ("resolve_due", res)):
        if name in register.column_names:
            register = register.set_column(register.column_names.index(name), name, values)
        else:
            register = register.append_column(name, values)
    return register
