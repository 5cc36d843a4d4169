"""The complaints block of servq's results: volume, hot spots, handling times, SLA
compliance, backlog, repeat complainants, rates per customer and operational metrics.

:func:`complaints_block` takes one table of complaints (pyarrow or pandas), one row per
complaint:

==================  =========================================  ========
column              meaning                                    required
==================  =========================================  ========
``id``              complaint id (unique)                      yes
``received_at``     timestamp with a time zone                 yes
``unit``            branch, region, team (text)                yes
``dimension``       complaint dimension / category (text)      yes
``channel``         text, null allowed                         no
``tier``            customer tier, null allowed                no
``product``         text, null allowed                         no
``acknowledged_at`` timestamp with a time zone, null = not yet  no
``resolved_at``     timestamp with a time zone, null = open     no
``status``          text (``open``, ``closed``, ``withdrawn``)  no
``customer_key``    hashed contact, null = unknown             no
``ack_due``         acknowledgement due (from the SLA policy)  no
``resolve_due``     resolution due (from the SLA policy)       no
==================  =========================================  ========

A missing optional column is read as all null. Every figure is computed with vectorised
group-bys (dictionary codes and ``numpy.bincount``, one sort for medians and one for
repeat complainants); no step loops over rows, so a million complaints take about a
second (bench/bench_hotspots.py).

Definitions
-----------
- *Time*: ``now`` is the moment of the analysis, by default the latest timestamp in the
  table (received, acknowledged or resolved), so the same table gives the same block.
  Days and ISO weeks (Monday to Sunday) are local to ``timezone`` (default UTC). The
  period runs from the day of the first complaint to the day of ``now``; its first and
  last week may be partial, and their *exposure* (days observed / 7) scales the expected
  count of the spike test. The weekly figures have every week within ``baseline_weeks``
  of a week with complaints, and the period's first and last week: a longer run of weeks
  without any complaint is left out (each week says how many were left out before it,
  ``gap_before``), so that one complaint dated decades before the rest costs a few weeks,
  not thousands (:func:`weeks_shown`).
- *Acknowledged*: ``acknowledged_at``, or ``resolved_at`` when a complaint was resolved
  without a recorded acknowledgement (resolving answers the customer). *Resolved*:
  ``resolved_at`` present. *Closed without resolution*: no ``resolved_at`` but a status in
  ``closed_statuses`` (withdrawn, rejected, duplicate…); such complaints are neither
  open nor resolved and take no part in resolution times, the resolution SLA or the
  backlog (nor in the acknowledgement SLA unless they were acknowledged).
- *Time to acknowledge / resolve*: elapsed hours (wall-clock, not business hours) from
  ``received_at``, over the complaints acknowledged / resolved; median and p90 are R's
  ``quantile(type = 7)``. Open complaints are not in the resolution times (they are
  censored: the backlog shows them).
- *SLA compliance*: of the complaints with a due time whose outcome is known — done (in
  time when at or before the due time, late after it) or not done and past due at
  ``now`` (missed) — the share done in time, with a Wilson score interval (R
  ``prop.test(x, n, correct = FALSE)``). Not done and not yet due: pending, not counted.
- *Backlog*: open complaints (not resolved, not closed) received by ``now``; age in days
  at ``now``; overdue = past ``resolve_due``.
- *Repeat complainants*: customers (``customer_key``) with two complaints received at most
  ``repeat_days`` × 24 h apart; their number, their share of the customers with a key
  (Wilson interval), and the complaints that follow a complaint of the same customer
  within the window.
- *Rates*: complaints of the period per 1,000 customers of each unit, with the exact
  Poisson (Garwood) interval of the count (R ``poisson.test(x)$conf.int``) divided by
  the customers. ``customers`` maps unit names to customer numbers.
- *Hot spots*: :mod:`servq.stats.spikes` on the weekly counts of each dimension × unit
  cell that has complaints: the Poisson test against the previous ``baseline_weeks``
  (default), the EWMA chart, or both. The EWMA charts complete weeks only, its μ₀ from the
  first ``baseline_weeks`` of them; a cell with μ₀ = 0 is not charted. Weeks left out
  have no complaints: none is a hot spot, a tested week's baseline weeks are never left
  out, and the EWMA decays over them as over weeks of 0.
- *Operational metrics*: each (region, metric) series of ``operations`` (see
  :mod:`servq.complaints.operations`) against the daily complaint count of the unit of
  the same name (compared after trimming, ignoring case) at lags 0 to ``max_lag`` days
  (:mod:`servq.stats.lagcorr`); the complaint series counts 0 on days of the period
  without complaints, and the operations dates are taken as local dates in ``timezone``.
  Regions without such a unit are listed as unmatched. Units are matched to
  ``customers`` keys the same way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import DataError, Problem, UsageError
from ..io.arrow import as_text, flat
from ..io.readers import natural_key
from ..stats.intervals import wilson_interval
from ..stats.lagcorr import lagged_correlation
from ..stats.numbers import finite
from ..stats.spikes import CORRECTIONS, ewma_counts, poisson_spikes, share_spikes
from .timestamps import DAY, HOUR, combined, day_date, is_aware, iso_utc, iso_week_label, local_days, utc_us, week_monday, week_of

REQUIRED = ("id", "received_at", "unit", "dimension")
OPTIONAL = ("channel", "tier", "product", "acknowledged_at", "resolved_at", "status", "customer_key",
            "ack_due", "resolve_due")
COLUMNS = REQUIRED + OPTIONAL
TIMESTAMPS = ("received_at", "acknowledged_at", "resolved_at", "ack_due", "resolve_due")
CLOSED_STATUSES = ("closed", "resolved", "withdrawn", "rejected", "duplicate", "cancelled", "spam")
COUNT_COLUMNS = ("day", "dimension", "unit", "channel", "tier", "product", "status", "n")
"""A counted register's columns (:func:`count_register`): the local day (days since 1970-01-01),
the texts, and ``n`` complaints."""
SPIKE_METHODS = ("poisson", "share", "ewma", "both")
AGE_BINS = (0, 1, 3, 7, 14, 30)  # days: [0, 1), [1, 3), …, [30, ∞)
QUANTILES = (0.5, 0.9)
NO_VALUE = "(none)"

TEXT = {
    "en": "{count} complaints about {dimension} at {unit} in week {week} (expected {expected})",
    "sv": "{count} klagomål om {dimension} vid {unit} vecka {week} (väntat {expected})",
    "zh": "{unit}在{week}周有{count}件关于{dimension}的投诉（预期{expected}件）",
}


def complaints_block(table, *, customers: Mapping[str, float] | None = None, operations=None, lang: str = "en",
                     min_n: int = 5, now: dt.datetime | None = None, timezone: str = "UTC",
                     spikes: str = "poisson", baseline_weeks: int = 8, alpha: float = 0.05,
                     correction: str = "holm", min_count: int = 3, ewma_lambda: float = 0.2, ewma_L: float = 3.0,
                     repeat_days: float = 30, max_lag: int = 14, lag_by: str = "abs", confidence: float = 0.95,
                     closed_statuses: Sequence[str] = CLOSED_STATUSES, max_problems: int = 50) -> dict:
    """The ``complaints`` block of the results (JSON-serialisable; see the module notes).

    Parameters
    ----------
    table : pyarrow.Table or pandas.DataFrame
        One row per complaint, columns as in the module notes.
    customers : mapping, optional
        Customers per unit (unit name → number), for complaint rates per 1,000 customers.
    operations : path, DataFrame or Table, optional
        Operational metrics (date, region, metric, value), read and validated by
        :func:`servq.complaints.operations.read_operations`.
    lang : {"en", "sv", "zh"}
        Language of the one-line description of each hot spot.
    min_n : int
        Groups (units, dimensions) with fewer cases show their counts only, no shares or
        quantiles.
    now : datetime, optional
        Time-zone-aware moment of the analysis; default the latest timestamp in the table.
    timezone : str
        IANA zone of days and weeks.
    spikes : {"poisson", "share", "ewma", "both"}
        Hot-spot method(s): each cell against its own previous weeks (``poisson``), its
        share of each week's complaints against its earlier share (``share``: a season or
        a busy week that affects every cell flags nothing), the EWMA chart, or Poisson and
        EWMA. ``baseline_weeks``, ``alpha``, ``correction`` and ``min_count`` are those of
        :func:`servq.stats.spikes.poisson_spikes` / :func:`~servq.stats.spikes.share_spikes`;
        ``ewma_lambda`` and ``ewma_L`` of :func:`servq.stats.spikes.ewma_counts`.
    repeat_days : float
        Window of repeat complaints.
    max_lag, lag_by : int, str
        Lags and the choice of the strongest lag (:func:`servq.stats.lagcorr.lagged_correlation`).
    confidence : float
        Level of the Wilson and Poisson intervals.
    closed_statuses : sequence of str
        Statuses that close a complaint without a resolution time (compared ignoring case).

    Raises
    ------
    DataError
        Missing required columns, naive timestamps, blank units or dimensions, duplicate
        ids, acknowledgement or resolution before receipt: every problem with its row
        (row 2 = the first complaint) and column.
    """
    _check_options(spikes, correction, lang, min_n, baseline_weeks, repeat_days, confidence, timezone)
    table = _as_table(table)
    c = _Complaints.read(table, timezone, max_problems, closed_statuses)
    return _block(c, _now(c, now), customers=customers, operations=operations, lang=lang, min_n=min_n,
                  timezone=timezone, spikes=spikes, baseline_weeks=baseline_weeks, alpha=alpha, correction=correction,
                  min_count=min_count, ewma_lambda=ewma_lambda, ewma_L=ewma_L, repeat_days=repeat_days,
                  max_lag=max_lag, lag_by=lag_by, confidence=confidence, closed_statuses=closed_statuses)


def counts_block(counts: pa.Table, *, now: dt.datetime, customers: Mapping[str, float] | None = None,
                 operations=None, lang: str = "en", min_n: int = 5, timezone: str = "UTC", spikes: str = "poisson",
                 baseline_weeks: int = 8, alpha: float = 0.05, correction: str = "holm", min_count: int = 3,
                 ewma_lambda: float = 0.2, ewma_L: float = 3.0, max_lag: int = 14, lag_by: str = "abs",
                 confidence: float = 0.95, closed_statuses: Sequence[str] = CLOSED_STATUSES) -> dict:
    """The ``complaints`` block of a register counted already (:func:`count_register`): the
    figures that are counts — volume, hot spots, status, rates, operational metrics — equal
    :func:`complaints_block`'s on the register's rows; those that need each complaint's
    times (handling, SLA, backlog, repeat complainants) are None.

    Parameters
    ----------
    counts : pyarrow.Table
        :data:`COUNT_COLUMNS`: complaints per local day, dimension, unit, channel, tier,
        product and status (the sum of the counts of the register's parts).
    now : datetime
        The moment of the analysis (time-zone aware): the latest time of the register by
        default (:func:`count_register` gives each part's).
    **options
        As :func:`complaints_block`.

    Returns
    -------
    dict
        The block; ``settings`` says ``"counted": true``.

    Examples
    --------
    >>> import datetime as dt
    >>> from servq.complaints.register import read_register
    >>> t = read_register(pa.table({"received_at": ["2026-03-02 09:15", "2026-03-03 10:00", "2026-03-09 08:00"],
    ...                             "unit": ["North", "North", "South"], "dimension": ["billing"] * 3}))
    >>> counts, latest = count_register(t)
    >>> block = counts_block(counts, now=dt.datetime.fromtimestamp(latest / 1e6, dt.UTC))
    >>> block["n"], [(c["unit"], c["counts"]) for c in block["volume"]["cells"]], block["handling"]
    (3, [('North', [2, 0]), ('South', [0, 1])], None)

    R: ``table(format(day, "%G-W%V"), unit)`` of the same complaints.
    """
    _check_options(spikes, correction, lang, min_n, baseline_weeks, 30.0, confidence, timezone)
    missing = [name for name in COUNT_COLUMNS if name not in counts.column_names]
    if missing:
        raise UsageError(f"complaint counts need the columns {', '.join(COUNT_COLUMNS)}; missing {', '.join(missing)}")
    c = _Complaints.counted(counts, timezone)
    return _block(c, _now(c, now), customers=customers, operations=operations, lang=lang, min_n=min_n,
                  timezone=timezone, spikes=spikes, baseline_weeks=baseline_weeks, alpha=alpha, correction=correction,
                  min_count=min_count, ewma_lambda=ewma_lambda, ewma_L=ewma_L, repeat_days=None,
                  max_lag=max_lag, lag_by=lag_by, confidence=confidence, closed_statuses=closed_statuses)


def count_register(table, timezone: str = "UTC", *, max_problems: int = 50, first_row: int = 2,
                   closed_statuses: Sequence[str] = CLOSED_STATUSES,
                   unique_ids: bool = True) -> tuple[pa.Table, int | None]:
    """The complaints of a register (:func:`~servq.complaints.register.read_register`'s table,
    or a part of it) counted per local day, dimension, unit, channel, tier, product and
    status (:data:`COUNT_COLUMNS`), and its latest time in microseconds since 1970 UTC (None
    without complaints). The counts of a register's parts add up to the register's (sum
    ``n`` over the other columns): what :func:`counts_block` reads, and all that crosses a
    Spark cluster's network.

    ``unique_ids=False`` leaves the check that no id repeats to the caller (across the
    parts).

    Raises
    ------
    DataError
        As :func:`complaints_block`, rows numbered from ``first_row``.
    """
    table = _as_table(table)
    c = _Complaints.read(table, timezone, max_problems, closed_statuses, first_row, unique_ids)
    if c.n == 0:
        return _empty_counts(), None
    columns = {"day": pa.array(c.day.astype(np.int32))}
    for name in COUNT_COLUMNS[1:-1]:
        codes = getattr(c, name)
        columns[name] = pa.DictionaryArray.from_arrays(pa.array(codes.codes, pa.int32(), mask=codes.codes < 0),
                                                       pa.array(codes.labels, pa.string())).dictionary_decode()
    columns["n"] = pa.array(np.ones(c.n, dtype=np.int64))
    return sum_counts(pa.table(columns)), _now(c, None)


def sum_counts(counts: pa.Table) -> pa.Table:
    """Counts with the same day, dimension, unit, channel, tier, product and status added
    up (the counts of a register's parts)."""
    keys = list(COUNT_COLUMNS[:-1])
    return counts.group_by(keys, use_threads=False).aggregate([("n", "sum")]).rename_columns([*keys, "n"]) \
        .select(list(COUNT_COLUMNS))


def _empty_counts() -> pa.Table:
    return pa.table({name: pa.array([], pa.int32() if name == "day" else pa.int64() if name == "n" else pa.string())
                     for name in COUNT_COLUMNS})


def _block(c: _Complaints, now_us: int, *, customers, operations, lang: str, min_n: int, timezone: str, spikes: str,
           baseline_weeks: int, alpha: float, correction: str, min_count: int, ewma_lambda: float, ewma_L: float,
           repeat_days: float | None, max_lag: int, lag_by: str, confidence: float,
           closed_statuses: Sequence[str]) -> dict:
    """The block of complaints read row by row (``c.weight`` None) or counted."""
    rows = c.weight is None
    settings = {"timezone": timezone, "now": iso_utc(now_us), "min_n": min_n, "confidence": confidence,
                "lang": lang, "closed_statuses": list(closed_statuses)}
    if not rows:
        settings["counted"] = True
    if c.n == 0:
        return {"n": 0, "period": None, "volume": None, "hot_spots": None, "handling": None, "sla": None,
                "backlog": None, "status": [], "repeat": None, "rates": None, "operations": None,
                "settings": settings}
    first_day = int(c.day.min())
    last_day = int(local_days(np.array([now_us]), timezone)[0])
    period = {"first_day": day_date(first_day).isoformat(), "last_day": day_date(last_day).isoformat(),
              "days": last_day - first_day + 1, "now": iso_utc(now_us), "timezone": timezone}
    volume, counts, cells, index, exposure = _volume(c, first_day, last_day, baseline_weeks)
    hot = _hot_spots(c, counts, cells, volume["weeks"], index, exposure, spikes=spikes, baseline_weeks=baseline_weeks,
                     alpha=alpha, correction=correction, min_count=min_count, lam=ewma_lambda, L=ewma_L, lang=lang)
    return {
        "n": c.n,
        "period": period,
        "volume": volume,
        "hot_spots": hot,
        "handling": _handling(c, min_n) if rows else None,
        "sla": _sla(c, now_us, min_n, confidence) if rows else None,
        "backlog": _backlog(c, now_us) if rows else None,
        "status": _status(c),
        "repeat": _repeat(c, repeat_days, confidence) if rows and repeat_days is not None else None,
        "rates": None if customers is None else _rates(c, customers, period["days"], confidence),
        "operations": None if operations is None else _operations(c, operations, first_day, last_day, max_lag,
                                                                   lag_by, alpha),
        "settings": settings,
    }


def _check_options(spikes, correction, lang, min_n, baseline_weeks, repeat_days, confidence, timezone) -> None:
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise UsageError(f"unknown time zone {timezone!r} (use an IANA name such as Europe/Stockholm)") from None
    if spikes not in SPIKE_METHODS:
        raise UsageError(f"spikes must be one of {', '.join(SPIKE_METHODS)}; got {spikes!r}")
    if correction not in CORRECTIONS:
        raise UsageError(f"correction must be one of {', '.join(CORRECTIONS)}; got {correction!r}")
    if lang not in TEXT:
        raise UsageError(f"lang must be one of {', '.join(TEXT)}; got {lang!r}")
    if min_n < 1 or baseline_weeks < 1 or repeat_days <= 0 or not 0 < confidence < 1:
        raise UsageError("min_n and baseline_weeks must be at least 1, repeat_days positive, confidence in (0, 1)")


def _as_table(table) -> pa.Table:
    if isinstance(table, pa.Table):
        return table
    if isinstance(table, pa.RecordBatch):
        return pa.Table.from_batches([table])
    if type(table).__module__.startswith("pandas"):
        return pa.Table.from_pandas(table, preserve_index=False)
    raise UsageError(f"complaints must be a pyarrow Table or a pandas DataFrame, got {type(table).__name__}")


# --------------------------------------------------------------------------- reading


class _Codes:
    """A text column as integer codes into ``labels`` (natural order); -1 = null."""

    def __init__(self, codes: np.ndarray, labels: list[str]):
        self.codes, self.labels = codes, labels

    @classmethod
    def of(cls, column, n: int) -> _Codes:
        if column is None:
            return cls(np.full(n, -1, dtype=np.int64), [])
        arr = combined(column)
        if pa.types.is_dictionary(arr.type):  # code the (small) dictionary, then look the indices up
            inner = cls.of(arr.dictionary, len(arr.dictionary))
            idx = pc.fill_null(arr.indices.cast(pa.int64()), len(arr.dictionary)).to_numpy()
            codes = np.append(inner.codes, -1)[idx]
            used = np.bincount(codes + 1, minlength=inner.size + 1)[1:] > 0
            if used.all():
                return cls(codes, inner.labels)
            remap = np.append(np.cumsum(used) - 1, -1)
            return cls(np.where(codes >= 0, remap[codes], -1), [lab for lab, u in zip(inner.labels, used) if u])
        text = as_text(arr)
        text = pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)
        enc = pc.dictionary_encode(text)
        labels = enc.dictionary.to_pylist()
        codes = pc.fill_null(enc.indices.cast(pa.int64()), -1).to_numpy()
        order = sorted(range(len(labels)), key=lambda i: natural_key(labels[i]))
        rank = np.empty(len(labels) + 1, dtype=np.int64)
        rank[np.array(order, dtype=np.int64)] = np.arange(len(labels))
        rank[-1] = -1
        return cls(rank[codes], [labels[i] for i in order])

    @property
    def size(self) -> int:
        return len(self.labels)


class _Complaints:
    """The validated columns of the complaints, as numpy arrays."""

    weight: np.ndarray | None = None  # complaints per row when the rows are counts

    @classmethod
    def counted(cls, counts: pa.Table, timezone: str) -> _Complaints:
        """Complaints counted per day, dimension, unit, channel, tier, product and status:
        only what the counts say (no times but the day)."""
        self = cls()
        m = counts.num_rows
        self.weight = np.asarray(counts.column("n").to_numpy(), dtype=np.int64)
        self.n = int(self.weight.sum())
        self.day = np.asarray(counts.column("day").to_numpy(), dtype=np.int64)
        for name in COUNT_COLUMNS[1:-1]:
            setattr(self, name, _Codes.of(counts.column(name), m))
        self.timezone = timezone
        return self

    def count(self, keys: np.ndarray, minlength: int, rows: np.ndarray | None = None) -> np.ndarray:
        """``numpy.bincount`` of ``keys`` (of the rows ``rows``), each row counting its
        complaints."""
        if self.weight is None:
            return np.bincount(keys, minlength=minlength)
        w = self.weight if rows is None else self.weight[rows]
        return np.bincount(keys, weights=w, minlength=minlength).astype(np.int64)

    @classmethod
    def read(cls, table: pa.Table, timezone: str, max_problems: int, closed_statuses: Sequence[str],
             first_row: int = 2, unique_ids: bool = True) -> _Complaints:
        self = cls()
        problems: list[Problem] = []
        total = [0]

        def problem(message: str, row: int | None, column: str | None, value=None) -> None:
            total[0] += 1
            if len(problems) < max_problems:
                problems.append(Problem(message, row=row, column=column, value=value))

        names = {c.strip().casefold(): c for c in table.column_names}
        for col in REQUIRED:
            if col not in names:
                problem(f"required column '{col}' is missing (columns: {', '.join(COLUMNS)})", 1, col)
        n = table.num_rows
        self.n = n

        def column(name: str):
            return combined(table.column(names[name])) if name in names else None

        stamps: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for name in TIMESTAMPS:
            arr = column(name)
            if arr is None:
                stamps[name] = (np.zeros(n, dtype=np.int64), np.zeros(n, dtype=bool))
            elif not is_aware(arr):
                problem(f"must be a timestamp with a time zone (e.g. UTC), got {arr.type}", 1, names[name])
                stamps[name] = (np.zeros(n, dtype=np.int64), np.zeros(n, dtype=bool))
            else:
                stamps[name] = utc_us(arr)
        if total[0]:
            _raise(problems, total[0])
        self.received, ok = stamps["received_at"]
        for i in np.flatnonzero(~ok)[:max_problems]:
            problem("the time the complaint was received is required", first_row + int(i), names["received_at"])
        total[0] += max(0, int(np.count_nonzero(~ok)) - max_problems)
        self.ack_at, self.has_ack = stamps["acknowledged_at"]
        self.resolved_at, self.resolved = stamps["resolved_at"]
        for name, (values, valid) in (("acknowledged_at", (self.ack_at, self.has_ack)),
                                      ("resolved_at", (self.resolved_at, self.resolved))):
            bad = np.flatnonzero(valid & ok & (values < self.received))
            for i in bad[:max_problems]:
                problem(f"before the complaint was received ({iso_utc(self.received[i])})", first_row + int(i), names[name],
                        iso_utc(values[i]))
            total[0] += max(0, bad.size - max_problems)
        self.ack_due, self.has_ack_due = stamps["ack_due"]
        self.resolve_due, self.has_resolve_due = stamps["resolve_due"]
        for name in ("unit", "dimension"):
            if name in names:
                codes = _Codes.of(column(name), n)
                blank = np.flatnonzero(codes.codes < 0)
                for i in blank[:max_problems]:
                    problem(f"the {name} is required", first_row + int(i), names[name])
                total[0] += max(0, blank.size - max_problems)
                setattr(self, name, codes)
        if "id" in names and unique_ids:
            _duplicate_ids(column("id"), names["id"], problem, first_row)
        if total[0]:
            _raise(problems, total[0])
        for name in ("channel", "tier", "product", "status"):
            setattr(self, name, _Codes.of(column(name), n))
        key = column("customer_key")
        self.customer = _customer_codes(key, n)
        # acknowledged = acknowledged_at, else resolved_at (resolving answers the customer)
        self.ack_eff = np.where(self.has_ack, self.ack_at, self.resolved_at)
        self.acknowledged = self.has_ack | self.resolved
        closed = {s.casefold() for s in closed_statuses}
        closed_label = np.array([lab.casefold() in closed for lab in self.status.labels] + [False])
        self.closed_unresolved = closed_label[self.status.codes] & ~self.resolved
        self.day = local_days(self.received, timezone)
        self.timezone = timezone
        return self


def _raise(problems: list[Problem], total: int):
    raise DataError(f"complaints: {total} problem(s) found; no results were produced", problems, total)


def _duplicate_ids(ids: pa.Array, column: str, problem, start: int) -> None:
    valid = ids.is_valid()
    if ids.null_count:
        for i in np.flatnonzero(~np.asarray(valid.to_numpy(zero_copy_only=False)))[:50]:
            problem("the complaint id is required", start + int(i), column)
    present = ids.drop_null()
    if pc.count_distinct(present).as_py() == len(present):
        return
    enc = pc.dictionary_encode(ids)
    codes = pc.fill_null(enc.indices.cast(pa.int64()), -1).to_numpy()
    ok = np.flatnonzero(codes >= 0)
    _, first = np.unique(codes[ok], return_index=True)
    first_row = np.full(len(enc.dictionary), -1, dtype=np.int64)
    first_row[codes[ok][first]] = ok[first]
    repeat = ok[first_row[codes[ok]] != ok]
    for i in repeat[:50]:
        problem(f"complaint id repeated (first at row {start + first_row[codes[i]]})", start + int(i), column,
                ids[int(i)].as_py())


def _customer_codes(column, n: int) -> np.ndarray:
    if column is None:
        return np.full(n, -1, dtype=np.int64)
    arr = flat(column)  # dictionaries decoded: equal keys, one customer
    if pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type):
        arr = pc.if_else(pc.equal(pc.utf8_trim_whitespace(arr), ""), pa.scalar(None, arr.type), arr)
    enc = pc.dictionary_encode(arr)
    return pc.fill_null(enc.indices.cast(pa.int64()), -1).to_numpy().astype(np.int64)


def _now(c: _Complaints, now: dt.datetime | None) -> int:
    if now is not None:
        if not isinstance(now, dt.datetime) or now.tzinfo is None or now.utcoffset() is None:
            raise UsageError("now must be a time-zone-aware datetime")
        return (now - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)) // dt.timedelta(microseconds=1)
    if c.n == 0:
        return (dt.datetime.now(dt.UTC) - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)) \
            // dt.timedelta(microseconds=1)
    latest = [c.received.max()]
    for values, valid in ((c.ack_at, c.has_ack), (c.resolved_at, c.resolved)):
        if valid.any():
            latest.append(values[valid].max())
    return int(max(latest))


# --------------------------------------------------------------------------- volume and hot spots


def weeks_shown(weeks_with_complaints: np.ndarray, first: int, last: int, baseline_weeks: int) -> np.ndarray:
    """The weeks of the weekly figures, ``first`` to ``last``: each week with complaints
    and the ``baseline_weeks`` weeks on either side of it (its baseline, and the weeks
    whose baseline it is), and the first and the last week. A longer run of weeks without
    a single complaint is left out — nothing in it can be a hot spot, and a spike test of
    a week with complaints sees all of its baseline weeks — so the cost follows the data,
    not the span of the dates (a complaint dated 1900 adds at most 2 × baseline_weeks + 1
    weeks). A period without such a run keeps every week.

    >>> weeks_shown(np.array([0, 3, 100]), 0, 104, 2).tolist()
    [0, 1, 2, 3, 4, 5, 98, 99, 100, 101, 102, 104]
    """
    near = (np.asarray(weeks_with_complaints)[:, None] + np.arange(-baseline_weeks, baseline_weeks + 1)).ravel()
    return np.unique(np.clip(np.append(near, [first, last]), first, last))


def _volume(c: _Complaints, first_day: int, last_day: int, baseline_weeks: int):
    week = week_of(c.day)
    w0, w1 = int(week_of(np.array([first_day]))[0]), int(week_of(np.array([last_day]))[0])
    w1 = max(w1, int(week.max()))
    index = weeks_shown(np.unique(week), w0, w1, baseline_weeks)  # the weeks shown, ascending
    n_weeks = index.size
    n_units = c.unit.size
    cell = c.dimension.codes * n_units + c.unit.codes
    # only the cells that have complaints (dimension-major, then unit: natural order of both)
    cells = np.flatnonzero(np.bincount(cell, minlength=c.dimension.size * n_units))
    compact = np.full(c.dimension.size * n_units, -1, dtype=np.int64)
    compact[cells] = np.arange(cells.size)
    counts = c.count(compact[cell] * n_weeks + np.searchsorted(index, week), cells.size * n_weeks)
    counts = counts.reshape(cells.size, n_weeks)
    starts = np.maximum(first_day, index * 7 - 3)
    ends = np.minimum(last_day, index * 7 - 3 + 6)
    exposure = np.clip(ends - starts + 1, 0, 7) / 7.0
    left_out = np.diff(index, prepend=index[0] - 1) - 1  # weeks without complaints left out before each week
    weeks = [{"week": iso_week_label(w), "monday": week_monday(w).isoformat(), "exposure": float(f),
              "gap_before": int(g)} for w, f, g in zip(index, exposure, left_out)]
    volume = {
        "weeks": weeks,
        "cells": [{"dimension": c.dimension.labels[k // n_units], "unit": c.unit.labels[k % n_units],
                   "total": int(row.sum()), "counts": row.tolist()} for k, row in zip(cells, counts)],
        "by_dimension": _shares(c, c.dimension),
        "by_unit": _shares(c, c.unit),
        "by_channel": _shares(c, c.channel),
        "by_tier": _shares(c, c.tier),
        "by_product": _shares(c, c.product),
    }
    return volume, counts, cells, index, exposure


def _shares(c: _Complaints, codes: _Codes) -> list[dict]:
    n = c.n
    counts = c.count(codes.codes + 1, codes.size + 1)
    out = [{"value": label, "n": int(k), "share": float(k / n)} for label, k in zip(codes.labels, counts[1:]) if k]
    if counts[0] and codes.size:
        out.append({"value": None, "n": int(counts[0]), "share": float(counts[0] / n)})
    return out


def _hot_spots(c: _Complaints, counts: np.ndarray, cells: np.ndarray, weeks: list[dict], index: np.ndarray,
               exposure: np.ndarray, *, spikes: str, baseline_weeks: int, alpha: float, correction: str,
               min_count: int, lam: float, L: float, lang: str) -> dict:
    """The spike tests on the weeks shown (:func:`weeks_shown`; ``index`` their week
    numbers): the Poisson and share tests see consecutive weeks wherever a week has
    complaints, and the EWMA is told the weeks left out."""
    n_units = c.unit.size
    found: list[dict] = []

    def name(k: int) -> tuple[str, str]:
        cell = int(cells[k])
        return c.dimension.labels[cell // n_units], c.unit.labels[cell % n_units]

    out: dict = {"methods": [], "cells": int(cells.size), "weeks": len(weeks)}
    if spikes in ("poisson", "share", "both"):
        method = "share" if spikes == "share" else "poisson"
        ps = share_spikes(counts, baseline_weeks=baseline_weeks, alpha=alpha, correction=correction,
                          min_count=min_count) if method == "share" else \
            poisson_spikes(counts, baseline_weeks=baseline_weeks, alpha=alpha, correction=correction,
                           exposure=exposure, min_count=min_count)
        out["methods"].append(method)
        out[method] = {"baseline_weeks": baseline_weeks, "alpha": alpha, "correction": correction,
                       "min_count": min_count, "weeks_tested": int(np.count_nonzero(~np.isnan(ps.p).all(axis=0)))}
        for k, t in zip(*np.nonzero(ps.flag)):
            dim, unit = name(k)
            found.append({"method": method, "dimension": dim, "unit": unit, "week": weeks[t]["week"],
                          "monday": weeks[t]["monday"], "count": int(ps.counts[k, t]),
                          "expected": finite(ps.expected[k, t]),
                          "ratio": finite(ps.counts[k, t] / ps.expected[k, t]) if ps.expected[k, t] > 0 else None,
                          "p": finite(ps.p[k, t]),
                          "p_adjusted": finite(ps.p_adjusted[k, t]), "ucl": finite(ps.ucl[k, t])})
    if spikes in ("ewma", "both"):
        whole = np.flatnonzero(exposure >= 1.0)
        span = int(index[whole[-1]] - index[whole[0]] + 1) if whole.size else 0  # whole weeks, left out included
        out["methods"].append("ewma")
        out["ewma"] = {"lambda": lam, "L": L, "baseline_weeks": baseline_weeks, "charted_weeks": 0}
        if span > baseline_weeks:
            chart = ewma_counts(counts[:, whole], lam=lam, L=L, baseline_weeks=baseline_weeks, weeks=index[whole])
            out["ewma"]["charted_weeks"] = span - baseline_weeks
            flag = chart.flag & (chart.centre[:, None] > 0)
            for k, j in zip(*np.nonzero(flag)):
                t = int(whole[j])
                dim, unit = name(k)
                found.append({"method": "ewma", "dimension": dim, "unit": unit, "week": weeks[t]["week"],
                              "monday": weeks[t]["monday"], "count": int(counts[k, t]),
                              "expected": finite(chart.centre[k]), "ratio": finite(counts[k, t] / chart.centre[k]),
                              "z": finite(chart.z[k, j]),
                              "ucl": finite(chart.ucl[k, j])})
    # latest week first; within a week by method, then the strongest evidence first
    found.sort(key=lambda h: (-dt.date.fromisoformat(h["monday"]).toordinal(), h["method"],
                              h["p_adjusted"] if h["method"] != "ewma" else -(h["z"] - h["ucl"]),
                              natural_key(h["dimension"]), natural_key(h["unit"])))
    for h in found:
        h["text"] = TEXT[lang].format(count=h["count"], dimension=h["dimension"], unit=h["unit"], week=h["week"],
                                      expected=f"{h['expected']:.1f}" if h["expected"] is not None else "–")
    out["spikes"] = found
    return out


# --------------------------------------------------------------------------- handling times and SLA


def _quantiles(sorted_values: np.ndarray, qs: Sequence[float]) -> list[float]:
    """R type-7 quantiles of values already in ascending order."""
    n = sorted_values.size
    out = []
    for q in qs:
        h = (n - 1) * q
        lo = int(np.floor(h))
        hi = min(lo + 1, n - 1)
        out.append(float(sorted_values[lo] + (h - lo) * (sorted_values[hi] - sorted_values[lo])))
    return out


def _summary(values: np.ndarray, order: np.ndarray) -> dict:
    if values.size == 0:
        return {"n": 0, "median_hours": None, "mean_hours": None, "p90_hours": None}
    med, p90 = _quantiles(values[order], QUANTILES)
    return {"n": int(values.size), "median_hours": med, "mean_hours": float(values.mean()), "p90_hours": p90}


def group_quantiles(codes: np.ndarray, values: np.ndarray, n_groups: int, qs: Sequence[float],
                    order: np.ndarray | None = None) -> np.ndarray:
    """Quantiles (R type 7) of ``values`` within each group ``codes`` (0…n_groups − 1),
    groups × quantiles, NaN for an empty group. ``order`` (``np.argsort(values)``) may be
    given when several groupings share the values: each grouping then costs one stable
    sort of small integer codes.

    >>> group_quantiles(np.array([0, 1, 0, 0, 1]), np.array([3.0, 10.0, 1.0, 2.0, 20.0]), 3, [0.5, 0.9]).tolist()
    [[2.0, 2.8], [15.0, 19.0], [nan, nan]]
    """
    if order is None:
        order = np.argsort(values, kind="stable")
    small = codes.astype(np.int16 if n_groups < 2**15 else np.int64)[order]
    by_group = np.argsort(small, kind="stable")  # radix sort for 16-bit codes
    v = values[order][by_group]
    size = np.bincount(codes, minlength=n_groups)
    start = np.concatenate([[0], np.cumsum(size)[:-1]])
    out = np.full((n_groups, len(qs)), np.nan)
    has = size > 0
    for j, q in enumerate(qs):
        h = (size[has] - 1) * q
        lo = np.floor(h).astype(np.int64)
        hi = np.minimum(lo + 1, size[has] - 1)
        a, b = v[start[has] + lo], v[start[has] + hi]
        out[has, j] = a + (h - lo) * (b - a)
    return out


def _by_group(codes: _Codes, x: np.ndarray, g: np.ndarray, order: np.ndarray, min_n: int) -> list[dict]:
    """Per group n, median, mean and p90 of ``x`` (the values of the cases in the
    measure, sorted by ``order``); ``g`` their group codes (no −1: unit and dimension are
    required)."""
    n = np.bincount(g, minlength=codes.size)
    total = np.bincount(g, weights=x, minlength=codes.size)
    q = group_quantiles(g, x, codes.size, QUANTILES, order)
    out = []
    for i, label in enumerate(codes.labels):
        shown = n[i] >= min_n
        out.append({"value": label, "n": int(n[i]), "suppressed": not shown,
                    "median_hours": finite(q[i, 0]) if shown else None,
                    "mean_hours": finite(total[i] / n[i]) if shown and n[i] else None,
                    "p90_hours": finite(q[i, 1]) if shown else None})
    return out


def _handling(c: _Complaints, min_n: int) -> dict:
    out: dict = {"acknowledge": None, "resolve": None, "by_unit": {}, "by_dimension": {}}
    for what, done, at in (("acknowledge", c.acknowledged, c.ack_eff), ("resolve", c.resolved, c.resolved_at)):
        x = (at[done] - c.received[done]) / HOUR
        order = np.argsort(x, kind="stable")  # one sort of the values for the whole and every grouping
        out[what] = _summary(x, order)
        for by in ("unit", "dimension"):
            codes: _Codes = getattr(c, by)
            out[f"by_{by}"][what] = _by_group(codes, x, codes.codes[done], order, min_n)
    return out


def _outcomes(done: np.ndarray, at: np.ndarray, has_due: np.ndarray, due: np.ndarray, now: int,
              excluded: np.ndarray) -> dict[str, np.ndarray]:
    """Masks: in time, late, missed (not done, past due), pending (not done, not yet due)."""
    base = has_due & ~excluded
    return {"in_time": base & done & (at <= due), "late": base & done & (at > due),
            "missed": base & ~done & (now > due), "pending": base & ~done & (now <= due)}


def _compliance(masks: dict[str, np.ndarray], codes: np.ndarray | None, n_groups: int, min_n: int,
                confidence: float) -> list[dict] | dict:
    if codes is None:
        counts = {k: np.array([np.count_nonzero(m)]) for k, m in masks.items()}
        groups = 1
    else:
        ok = codes >= 0
        counts = {k: np.bincount(codes[m & ok], minlength=n_groups) for k, m in masks.items()}
        groups = n_groups
    decided = counts["in_time"] + counts["late"] + counts["missed"]
    with np.errstate(invalid="ignore", divide="ignore"):
        share = counts["in_time"] / decided
    lo, hi = wilson_interval(share, decided.astype(np.float64), confidence)
    rows = []
    for i in range(groups):
        shown = decided[i] >= (1 if codes is None else min_n)
        rows.append({"n": int(decided[i]), "in_time": int(counts["in_time"][i]), "late": int(counts["late"][i]),
                     "missed": int(counts["missed"][i]), "pending": int(counts["pending"][i]),
                     "share": finite(share[i]) if shown else None, "ci_low": finite(lo[i]) if shown else None,
                     "ci_high": finite(hi[i]) if shown else None, "suppressed": not shown})
    return rows[0] if codes is None else rows


def _sla(c: _Complaints, now: int, min_n: int, confidence: float) -> dict | None:
    if not (c.has_ack_due.any() or c.has_resolve_due.any()):
        return None
    # a complaint closed without resolution counts for the acknowledgement if it was acknowledged
    ack = _outcomes(c.acknowledged, c.ack_eff, c.has_ack_due, c.ack_due, now, c.closed_unresolved & ~c.acknowledged)
    res = _outcomes(c.resolved, c.resolved_at, c.has_resolve_due, c.resolve_due, now, c.closed_unresolved)
    out: dict = {"confidence": confidence,
                 "acknowledge": _compliance(ack, None, 1, min_n, confidence),
                 "resolve": _compliance(res, None, 1, min_n, confidence)}
    for by in ("unit", "dimension"):
        codes: _Codes = getattr(c, by)
        a = _compliance(ack, codes.codes, codes.size, min_n, confidence)
        r = _compliance(res, codes.codes, codes.size, min_n, confidence)
        out[f"by_{by}"] = [{"value": label, "acknowledge": x, "resolve": y} for label, x, y in zip(codes.labels, a, r)]
    return out


# --------------------------------------------------------------------------- backlog, status, repeats


def _backlog(c: _Complaints, now: int) -> dict:
    open_ = ~c.resolved & ~c.closed_unresolved & (c.received <= now)
    age = (now - c.received[open_]) / DAY
    overdue = open_ & c.has_resolve_due & (now > c.resolve_due)
    edges = np.array(AGE_BINS + (np.inf,), dtype=np.float64)
    hist = np.histogram(age, bins=edges)[0] if age.size else np.zeros(len(AGE_BINS), dtype=np.int64)
    bins = [{"from_days": int(a), "to_days": None if np.isinf(b) else int(b), "n": int(k)}
            for a, b, k in zip(edges[:-1], edges[1:], hist)]
    if age.size:
        med, p90 = np.quantile(age, QUANTILES)
        ages = {"median_days": float(med), "p90_days": float(p90), "max_days": float(age.max())}
    else:
        ages = {"median_days": None, "p90_days": None, "max_days": None}
    units = c.unit.codes
    n_open = np.bincount(units[open_], minlength=c.unit.size)
    n_over = np.bincount(units[overdue], minlength=c.unit.size)
    oldest = np.full(c.unit.size, -np.inf)
    np.maximum.at(oldest, units[open_], age)
    return {"open": int(np.count_nonzero(open_)), "overdue": int(np.count_nonzero(overdue)),
            "closed_without_resolution": int(np.count_nonzero(c.closed_unresolved)),
            "age": ages, "bins": bins,
            "by_unit": [{"value": label, "open": int(o), "overdue": int(v),
                         "oldest_days": finite(d) if o else None}
                        for label, o, v, d in zip(c.unit.labels, n_open, n_over, oldest) if o]}


def _status(c: _Complaints) -> list[dict]:
    counts = c.count(c.status.codes + 1, c.status.size + 1)
    out = [{"value": label, "n": int(k)} for label, k in zip(c.status.labels, counts[1:]) if k]
    if counts[0] and c.status.size:
        out.append({"value": None, "n": int(counts[0])})
    return out


def _repeat(c: _Complaints, days: float, confidence: float) -> dict | None:
    has = c.customer >= 0
    if not has.any():
        return None
    idx = np.flatnonzero(has)
    key, t = c.customer[idx], c.received[idx]
    order = np.lexsort((t, key))
    key, t = key[order], t[order]
    window = int(round(days * DAY))
    follows = np.zeros(key.size, dtype=bool)
    follows[1:] = (key[1:] == key[:-1]) & (t[1:] - t[:-1] <= window)
    customers = int(np.unique(key).size)
    repeaters = int(np.unique(key[follows]).size)
    share = repeaters / customers
    lo, hi = wilson_interval(np.array([share]), np.array([float(customers)]), confidence)
    return {"window_days": days, "complaints_with_key": int(idx.size), "customers": customers,
            "repeat_customers": repeaters, "share": share, "ci_low": finite(lo[0]), "ci_high": finite(hi[0]),
            "repeat_complaints": int(np.count_nonzero(follows))}


# --------------------------------------------------------------------------- rates and operations


def _match(name: str) -> str:
    return str(name).strip().casefold()


def poisson_interval(x, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Exact (Garwood) interval of a Poisson count x: [G⁻¹(α/2; x), G⁻¹(1 − α/2; x + 1)]
    with G the regularised lower incomplete gamma function (0 as lower limit when x = 0),
    R ``poisson.test(x)$conf.int``.

    >>> lo, hi = poisson_interval([0, 10])
    >>> lo.round(6).tolist(), hi.round(6).tolist()  # R: poisson.test(10)$conf.int = 4.795389 18.390356
    ([0.0, 4.795389], [3.688879, 18.390356])
    """
    from scipy.special import gammaincinv

    x = np.asarray(x, dtype=np.float64)
    a = 1 - confidence
    with np.errstate(invalid="ignore"):
        lo = np.where(x > 0, gammaincinv(np.maximum(x, 1e-300), a / 2), 0.0)
    hi = gammaincinv(x + 1, 1 - a / 2)
    return lo, hi


def _rates(c: _Complaints, customers: Mapping[str, float], days: int, confidence: float) -> dict:
    given: dict[str, tuple[str, float]] = {}
    bad = []
    for name, value in customers.items():
        v = finite(value)
        if v is None or v <= 0:
            bad.append(str(name))
        else:
            given[_match(name)] = (str(name), v)
    if bad:
        raise UsageError(f"customers per unit must be positive numbers: {', '.join(bad)}")
    x = c.count(c.unit.codes, c.unit.size)
    rows, seen = [], set()
    for label, k in zip(c.unit.labels, x):
        hit = given.get(_match(label))
        if hit is None:
            continue
        seen.add(_match(label))
        lo, hi = poisson_interval([k], confidence)
        rows.append({"unit": label, "complaints": int(k), "customers": hit[1], "per_1000": 1000 * k / hit[1],
                     "ci_low": float(1000 * lo[0] / hit[1]), "ci_high": float(1000 * hi[0] / hit[1])})
    without = [name for key, (name, _) in given.items() if key not in seen]  # units without complaints: rate 0
    for name in sorted(without, key=natural_key):
        v = given[_match(name)][1]
        lo, hi = poisson_interval([0], confidence)
        rows.append({"unit": name, "complaints": 0, "customers": v, "per_1000": 0.0, "ci_low": 0.0,
                     "ci_high": float(1000 * hi[0] / v)})
    total_x = sum(r["complaints"] for r in rows)
    total_n = sum(r["customers"] for r in rows)
    return {"per": 1000, "days": days, "confidence": confidence, "units": rows,
            "overall": {"complaints": int(total_x), "customers": total_n, "per_1000": 1000 * total_x / total_n},
            "units_without_customers": [label for label in c.unit.labels if _match(label) not in given]}


def _operations(c: _Complaints, operations, first_day: int, last_day: int, max_lag: int, by: str,
                alpha: float) -> dict:
    from .operations import read_operations

    ops = read_operations(operations)
    unit_of = {_match(label): i for i, label in enumerate(c.unit.labels)}
    region = _Codes.of(ops.column("region"), ops.num_rows)
    metric = _Codes.of(ops.column("metric"), ops.num_rows)
    date = ops.column("date").combine_chunks().cast(pa.int32()).to_numpy(zero_copy_only=False).astype(np.int64)
    value = ops.column("value").combine_chunks().to_numpy(zero_copy_only=False).astype(np.float64)
    # the complaint days a metric can pair with (the metric's days, max_lag later), not the whole period
    if date.size:
        first_day, last_day = max(first_day, int(date.min())), min(last_day, int(date.max()) + max_lag)
    days = max(0, last_day - first_day + 1)
    ok = (c.day >= first_day) & (c.day <= last_day)
    daily = c.count(c.unit.codes[ok] * days + (c.day[ok] - first_day), c.unit.size * days,
                    rows=ok).reshape(c.unit.size, days)
    complaint_dates = np.arange(first_day, first_day + days).astype("datetime64[D]")
    series, unmatched = [], []
    key = region.codes * max(metric.size, 1) + metric.codes
    order = np.argsort(key, kind="stable")
    bounds = np.flatnonzero(np.diff(key[order])) + 1
    for rows in np.split(order, bounds):
        r, m = region.labels[region.codes[rows[0]]], metric.labels[metric.codes[rows[0]]]
        u = unit_of.get(_match(r))
        if u is None:
            if r not in unmatched:
                unmatched.append(r)
            continue
        lc = lagged_correlation(date[rows].astype("datetime64[D]"), value[rows], complaint_dates, daily[u],
                                max_lag=max_lag, by=by, alpha=alpha)
        series.append({"region": r, "unit": c.unit.labels[u], "metric": m, **lc.to_dict()})
    return {"max_lag": max_lag, "by": by, "correction": "holm", "series": series, "unmatched_regions": unmatched}


def analyze_with_register(data, instrument, register, by=None, *, timezone: str = "UTC", options=None,
                          progress=None, **changes):
    """:func:`servq.analysis.analyze` with a complaints register: the results gain the
    ``complaints`` block, and the register's number of complaints is the economics'
    complaint count unless the ``complaints`` option gives one.

    The options and the register are checked before the answers are read; a register
    with problems is a DataError naming them (file, row, column, value).

    Parameters
    ----------
    data, instrument, by, options, progress, **changes
        As :func:`servq.analysis.analyze`.
    register : path, pandas.DataFrame or pyarrow.Table
        The complaints (:func:`servq.complaints.register.read_register`).
    timezone : str
        IANA time zone of the register's times without an offset, and of its days and weeks.

    Returns
    -------
    Results
    """
    from ..analysis import AnalysisOptions, analyze
    from .register import read_register

    if by is not None:
        changes["by"] = by
    opts = AnalysisOptions.of(options, **changes)
    table = read_register(register, timezone=timezone, max_problems=opts.max_problems)
    counted = opts.complaints if opts.complaints is not None else table.num_rows
    results = analyze(data, instrument, options=opts.replace(complaints=counted), progress=progress)
    blocks: dict = {"complaints": complaints_block(table, lang=opts.lang, min_n=opts.min_n, confidence=opts.confidence,
                                                   timezone=timezone, max_problems=opts.max_problems)}
    if results.data["economics"] is not None:
        used = "option" if opts.complaints is not None else "register"
        economics = results.to_dict()["economics"]
        economics["inputs"]["complaints_source"] = used
        blocks["economics"] = economics
        blocks["notes"] = [f"economics: {counted} complaints from "
                           + ("--complaints" if used == "option" else "the complaints register")]
    return results.with_blocks(**blocks)

