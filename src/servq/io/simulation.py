"""Seeded demo answers drawn from a documented population: :func:`simulate`.

``simulate(instrument, n, seed=...)`` returns an Arrow table laid out as a real response
file (DESIGN.md, "Conventions for data files") for demos, examples, benchmarks and
tests. The population is fixed and the seed only draws the sample: two seeds are two
samples of the same bank, the same seed gives an identical table.

Population model
----------------
Locations and spreads are in points of a 7-point scale, rescaled linearly to the
instrument's scale (1 point on 1-7 is 1/6 of the range, so 4/3 of a point on 1-9).
Everything is modelled in the *quality direction* (higher = better service).

Segments
    ``branch``: Swedish bank branches ("Stockholm City", "Göteborg", "Malmö", ...;
    "Branch 21" onwards past the 20 names) of unequal size (Zipf-like, with "Linköping"
    and "Umeå" small); every branch occurs when ``n >= branches``. ``channel``:
    "branch" 50 %, "online" 30 %, "phone" 20 % (other names weigh like "phone").
    ``date``: uniform over ``[start, start + days)``.

Latent factors
    Per respondent, one perception factor per dimension: multivariate normal, unit
    variances, correlation 0.55 between dimensions of the same group (all dimensions
    when the instrument has no groups) and 0.40 across groups (value vs cost), except
    two pairs customers hardly tell apart: proximity–competence 0.97 and
    assurance–empathy 0.92; drawn through a Cholesky factor. Standards (expectation, desired, adequate) have a factor
    of the same structure correlating 0.25 with the perception factor (a response style).

Items
    answer = centre + spread * (lambda * factor + sqrt(1 - lambda**2) * noise), with a
    loading lambda in [0.70, 0.88] and a small offset per item (SD 0.1 points for
    standards, 0.2 for perceptions), rounded to whole scale points and clipped to
    [min, max].

Per dimension (quality direction; ``_DIM`` in the source also lists the Grönroos,
customer-focus and customer-value dimensions)::

    dimension       expected  gap P-E  zone D-A  specific  online  phone  driver
    reliability       6.4      -1.3      1.1       +0.2      0     0      .40
    responsiveness    6.2      -1.1      1.3       +0.1    +0.15  -0.25   .22
    assurance         6.2      -0.7      1.3       +0.1    -0.35   0      .16
    empathy           5.9      -0.9      1.4       +0.3    -0.5   +0.1    .14
    tangibles         5.8      -0.45     1.6        0      +0.35  -0.2    .08

A dimension not listed expects 6.1, has a gap cycling through -0.9, -0.6, -1.1, -0.5,
-0.75 by position, zone 1.3, no specific shift and a driver weight falling with position.

* Expectations (E) and desired service (D): centre *expected*, spread 0.8, so many
  answers sit at the top of the scale.
* Perceptions (P), two-part and perception-only formats: centre *expected* + *gap*,
  spread 1.25, plus the branch and channel effects and a trend of +0.3 points over the
  period. Branches: a common effect N(0, 0.2) plus N(0, 0.1) per dimension; "Malmö" is
  0.6 points weaker and "Uppsala" 0.4 points stronger.
* Three-column format: a respondent's zone width is *zone* + N(0, 0.4) (at least 0.2);
  adequate (A) = desired - width, with the desired factor and spread. The perception is
  anchored in the respondent's own zone: P = A + q * width + 0.4 * mean width * factor
  + effects + item noise (SD 0.6), with q = 0.7 + 0.3 * *gap* (0.31 for reliability,
  0.565 for tangibles). Most perceptions fall inside the zone; about a quarter fall
  below adequate on reliability, and 10-20 % lie above desired.
* Specific errand (S): the respondent's true general perception plus *specific*, with
  its own factor (spread 0.7): customers judge the last errand differently from the
  bank in general (higher on proximity, lower on technology).
* Competitor (C): the same respondent rating the main competitor: centre *expected* +
  *gap* + *competitor* (no branch, channel or trend effects: another company), spread
  1.25, with a factor correlating 0.4 with the respondent's own perception factor (the
  same rater's style and halo). *competitor* is the competitor's lead in points:
  reliability +0.3, responsiveness -0.2, assurance 0, empathy -0.5, tangibles +0.4
  (other dimensions cycle through +0.3, -0.4, 0, -0.2, +0.2 by position; cost
  dimensions 0): a competitor better on some dimensions and worse on others.
* Cost dimensions (``better: lower``) expect 5.3 with a gap of -1.1 in the quality
  direction and are *stored in the cost direction* (higher = more cost; perceived cost
  near mid-scale, above the acceptable level), unless every item of the dimension is
  reverse-keyed (then reverse scoring turns cost into quality). In the raw answers of a
  cost dimension adequate > desired, as a cost ceiling should be.
* Reverse-keyed items are stored reversed (min + max - x), so after reverse scoring they
  behave like the other items of their dimension.
* Answer cells are blank at rate ``missing`` and carry the scale's don't-know code at
  rate ``dont_know``, independently; outcome cells are blank at rate ``missing``.
* Importance (``W_<dim>``): Dirichlet shares with concentration 12 around the profile
  reliability 32, responsiveness 22, assurance 19, empathy 16, tangibles 11 (Parasuraman,
  Berry & Zeithaml 1991; other dimensions equal), rounded by largest remainder to
  integers summing exactly to ``importance.total``; 60 % allocate in multiples of 5,
  4 % leave the allocation blank.
* Kano features (``KF_<feature>``, ``KD_<feature>``), drawn after everything else: a
  respondent's category comes from the feature's planted mixture (``_KANO``; e.g. payments
  in the app 55 % must-be, queue ticket by SMS 45 % attractive), the answer pair uniformly
  from the evaluation-table cells of that category; each cell blank at rate ``missing``.
* Outcomes: the *driver*-weighted mean of the true perceptions plus a shared (SD 0.35)
  and an own (SD 0.5) noise, rescaled to the outcome's range, rounded and clipped;
  ``nps`` outcomes are 0.3 points higher. Reliability is thus the strongest driver.

Examples
--------
>>> from servq.io.simulation import simulate
>>> table = simulate("servqual", 1000, seed=1)
>>> table.column_names[:6]
['respondent_id', 'branch', 'channel', 'date', 'E1', 'E2']
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import UsageError
from ..instruments.catalog import load_instrument
from ..instruments.schema import PART_PREFIX, Instrument, Part

__all__ = ["BRANCH_NAMES", "simulate"]

BRANCH_NAMES: tuple[str, ...] = (
    "Stockholm City", "Göteborg", "Malmö", "Uppsala", "Västerås", "Örebro", "Linköping",
    "Helsingborg", "Jönköping", "Norrköping", "Umeå", "Lund", "Gävle", "Borås",
    "Södertälje", "Eskilstuna", "Halmstad", "Växjö", "Karlstad", "Sundsvall",
)  # fmt: skip

# Structural parameters (items, branches) come from this fixed stream, not from ``seed``.
_POPULATION_SEED = 1988

# Per dimension id: expected, gap P - E, zone width D - A, specific-errand shift (all in
# points of a 7-point scale, quality direction) and driver weight.
_DIM: dict[str, tuple[float, float, float, float, float]] = {
    "reliability": (6.4, -1.3, 1.1, 0.2, 0.40),
    "responsiveness": (6.2, -1.1, 1.3, 0.1, 0.22),
    "assurance": (6.2, -0.7, 1.3, 0.1, 0.16),
    "empathy": (5.9, -0.9, 1.4, 0.3, 0.14),
    "tangibles": (5.8, -0.45, 1.6, 0.0, 0.08),
    # Grönroos
    "technical": (6.2, -0.6, 1.3, 0.1, 0.30),
    "functional": (6.1, -0.9, 1.3, 0.2, 0.45),
    "image": (5.7, -0.4, 1.5, -0.2, 0.25),
    # customer focus (proximity, competence, technology)
    "proximity": (6.0, -0.5, 1.4, 0.4, 0.30),
    "competence": (6.3, -0.8, 1.2, 0.2, 0.45),
    "technology": (5.9, -1.0, 1.4, -0.4, 0.25),
    # customer delivered value: value and cost (cost dimensions in the quality direction)
    "product_value": (6.2, -0.6, 1.3, 0.1, 0.25),
    "service_value": (6.0, -0.9, 1.3, 0.2, 0.15),
    "personnel_value": (6.1, -0.7, 1.3, 0.3, 0.15),
    "image_value": (5.7, -0.4, 1.5, -0.1, 0.10),
    "monetary_cost": (5.0, -1.3, 1.3, 0.0, 0.15),
    "time_cost": (5.4, -1.0, 1.3, 0.2, 0.08),
    "energy_cost": (5.4, -0.8, 1.3, 0.1, 0.07),
    "psychic_cost": (5.6, -0.6, 1.3, 0.0, 0.05),
}
_DEFAULT_GAPS = (-0.9, -0.6, -1.1, -0.5, -0.75)
# The main competitor's lead over this company per dimension (points, quality direction).
_COMPETITOR = {"reliability": 0.3, "responsiveness": -0.2, "assurance": 0.0, "empathy": -0.5, "tangibles": 0.4}
_DEFAULT_COMPETITOR = (0.3, -0.4, 0.0, -0.2, 0.2)
_RHO_COMPETITOR = 0.4  # the same rater's style links own and competitor ratings
_DEFAULT_EXPECTED, _DEFAULT_ZONE = 6.1, 1.3
_COST_EXPECTED, _COST_GAP = 5.3, -1.1

# Channel effects on perceptions (points, quality direction).
_CHANNEL_EFFECT: dict[str, dict[str, float]] = {
    "online": {
        "empathy": -0.5, "assurance": -0.35, "tangibles": 0.35, "responsiveness": 0.15,
        "proximity": -0.5, "technology": 0.45, "functional": -0.3, "technical": 0.1,
        "personnel_value": -0.4, "service_value": 0.1, "time_cost": 0.3, "energy_cost": 0.2,
    },
    "phone": {"responsiveness": -0.25, "tangibles": -0.2, "empathy": 0.1, "proximity": -0.2, "time_cost": -0.2},
    "branch": {"tangibles": 0.1, "proximity": 0.2, "technology": -0.2, "time_cost": -0.3, "energy_cost": -0.2},
}  # fmt: skip
_CHANNEL_WEIGHT = {"branch": 0.5, "online": 0.3, "phone": 0.2}
_OTHER_CHANNEL_WEIGHT = 0.2

_IMPORTANCE = {"reliability": 32, "responsiveness": 22, "assurance": 19, "empathy": 16, "tangibles": 11}

_RHO_WITHIN, _RHO_ACROSS, _RHO_STYLE = 0.55, 0.40, 0.25
# Dimensions customers hardly tell apart (the Swedish customer-focus study found proximity
# and competence intertwined; in SERVQUAL data assurance and empathy often merge).
_RHO_PAIRS = {frozenset({"proximity", "competence"}): 0.97, frozenset({"assurance", "empathy"}): 0.92}
_SPREAD_STANDARD, _SPREAD_PERCEIVED, _SPREAD_SPECIFIC = 0.8, 1.25, 0.7
_ZONE_SPREAD = 0.4  # perception spread within the zone, as a share of the mean width
_ZONE_NOISE = 0.6  # item noise of perceptions in the three-column format
_TREND = 0.3  # perceptions improve by this much from the first to the last day

# Kano features: the planted population shares of A, O, M, I, R, Q per feature id; a
# feature not listed takes _KANO_DEFAULT by its position (must-be, one-dimensional,
# attractive, indifferent, ...).
_KANO: dict[str, tuple[float, float, float, float, float, float]] = {
    "app_payments": (0.05, 0.25, 0.55, 0.12, 0.01, 0.02),
    "fee_transparency": (0.05, 0.35, 0.45, 0.13, 0.00, 0.02),
    "evening_hours": (0.22, 0.38, 0.20, 0.17, 0.01, 0.02),
    "sms_queue": (0.45, 0.15, 0.07, 0.30, 0.01, 0.02),
    "personal_adviser": (0.22, 0.42, 0.16, 0.17, 0.01, 0.02),
    "video_meeting": (0.38, 0.08, 0.04, 0.40, 0.08, 0.02),
    "cash_counter": (0.06, 0.08, 0.30, 0.38, 0.16, 0.02),
    "robo_advice": (0.18, 0.05, 0.03, 0.50, 0.18, 0.06),
}
_KANO_DEFAULT = (
    (0.05, 0.25, 0.50, 0.17, 0.01, 0.02),
    (0.15, 0.45, 0.15, 0.22, 0.01, 0.02),
    (0.45, 0.15, 0.05, 0.32, 0.01, 0.02),
    (0.15, 0.05, 0.05, 0.65, 0.07, 0.03),
)


@dataclass(frozen=True)
class _Population:
    """Fixed structural parameters, float32, as shares of the scale range."""

    chol: np.ndarray  # (k, k) Cholesky factor of the factor correlation
    expected: np.ndarray  # (k,)
    gap: np.ndarray  # (k,)
    zone: np.ndarray  # (k,)
    zone_position: np.ndarray  # (k,) where perceptions sit in the zone, 0 = adequate
    specific: np.ndarray  # (k,)
    competitor: np.ndarray  # (k,) the competitor's lead over this company
    driver: np.ndarray  # (k,) outcome weights, summing to 1
    importance: np.ndarray  # (k,) importance shares, summing to 1
    cost: np.ndarray  # (k,) bool: stored in the cost direction
    branch_p: np.ndarray  # (b,) float64 probabilities
    branch_effect: np.ndarray  # (k, b)
    channel_p: np.ndarray  # (c,) float64 probabilities
    channel_effect: np.ndarray  # (k, c)
    loading: np.ndarray  # (items,)
    offset_standard: np.ndarray  # (items,)
    offset_perceived: np.ndarray  # (items,)


def _pts(x) -> np.ndarray:
    """Points of a 7-point scale as a share of the scale's range."""
    return (np.asarray(x, dtype=np.float64) / 6.0).astype(np.float32)


def _branch_names(branches: int) -> list[str]:
    return [BRANCH_NAMES[i] if i < len(BRANCH_NAMES) else f"Branch {i + 1}" for i in range(branches)]


def _population(inst: Instrument, branches: int, channels: tuple[str, ...]) -> _Population:
    dims = inst.dimensions
    k = len(dims)
    fixed = np.random.default_rng(_POPULATION_SEED)

    groups = np.array([d.group for d in dims], dtype=object)
    corr = np.where(np.equal.outer(groups, groups), _RHO_WITHIN, _RHO_ACROSS)
    for i, a in enumerate(dims):
        for j, b in enumerate(dims):
            corr[i, j] = _RHO_PAIRS.get(frozenset({a.id, b.id}), corr[i, j]) if i != j else 1.0

    rows, importance, cost = [], [], []
    for i, d in enumerate(dims):
        is_cost = d.better == "lower"
        weight = 0.6 / (1 + 0.5 * i)
        if is_cost:
            default = (_COST_EXPECTED, _COST_GAP, _DEFAULT_ZONE, 0.0, weight)
        else:
            default = (_DEFAULT_EXPECTED, _DEFAULT_GAPS[i % len(_DEFAULT_GAPS)], _DEFAULT_ZONE, 0.0, weight)
        rows.append(_DIM.get(d.id, default))
        importance.append(_IMPORTANCE.get(d.id, 100 / k))
        cost.append(is_cost and not all(it.reverse for it in inst.items_of(d.id)))
    expected, gap, zone, specific, driver = (np.array(c, dtype=np.float64) for c in zip(*rows, strict=True))
    lead = [_COMPETITOR.get(d.id, _DEFAULT_COMPETITOR[i % len(_DEFAULT_COMPETITOR)]) for i, d in enumerate(dims)]
    competitor = [0.0 if d.better == "lower" else x for d, x in zip(dims, lead, strict=True)]

    names = _branch_names(branches)
    size = fixed.lognormal(0.0, 0.35, branches) / (1.0 + 0.35 * np.arange(branches))
    for small in ("Linköping", "Umeå"):
        if small in names:
            size[names.index(small)] *= 0.2
    branch_effect = fixed.normal(0.0, 0.2, branches)[None, :] + fixed.normal(0.0, 0.1, (k, branches))
    for name, shift in (("Malmö", -0.6), ("Uppsala", 0.4)):
        if name in names:
            branch_effect[:, names.index(name)] += shift

    ch_w = np.array([_CHANNEL_WEIGHT.get(c, _OTHER_CHANNEL_WEIGHT) for c in channels])
    ch_eff = np.array([[_CHANNEL_EFFECT.get(c, {}).get(d.id, 0.0) for c in channels] for d in dims])

    n_items = len(inst.items)
    imp = np.array(importance)
    return _Population(
        chol=np.linalg.cholesky(corr).astype(np.float32),
        expected=_pts(expected - 1.0),
        gap=_pts(gap),
        zone=_pts(zone),
        zone_position=np.clip(0.7 + 0.3 * gap, 0.2, 0.8).astype(np.float32),
        specific=_pts(specific),
        competitor=_pts(competitor),
        driver=(driver / driver.sum()).astype(np.float32),
        importance=imp / imp.sum(),
        cost=np.array(cost, dtype=bool),
        branch_p=size / size.sum(),
        branch_effect=_pts(branch_effect),
        channel_p=ch_w / ch_w.sum(),
        channel_effect=_pts(ch_eff.reshape(k, len(channels))),
        loading=fixed.uniform(0.70, 0.88, n_items),
        offset_standard=_pts(fixed.normal(0.0, 0.1, n_items)),
        offset_perceived=_pts(fixed.normal(0.0, 0.2, n_items)),
    )


def _check(n, branches, channels, missing, dont_know, start, days) -> tuple[int, np.datetime64]:
    def whole(value, least: int) -> bool:
        return isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value >= least

    if not whole(n, 0):
        raise UsageError(f"n must be a whole number >= 0, got {n!r}")
    if not whole(branches, 1):
        raise UsageError(f"branches must be a whole number >= 1, got {branches!r}")
    if not whole(days, 1):
        raise UsageError(f"days must be a whole number >= 1, got {days!r}")
    if not channels or len(set(channels)) != len(channels):
        raise UsageError(f"channels must be distinct names, at least one, got {channels!r}")
    for name, rate in (("missing", missing), ("dont_know", dont_know)):
        if not 0.0 <= rate < 1.0:
            raise UsageError(f"{name} must be a rate in [0, 1), got {rate!r}")
    if missing + dont_know >= 1.0:
        raise UsageError(f"missing + dont_know must be below 1, got {missing + dont_know}")
    try:
        day0 = np.datetime64(str(start), "D")
    except ValueError:
        raise UsageError(f"start must be an ISO date such as 2026-01-01, got {start!r}") from None
    return int(n), day0


def simulate(
    instrument: Instrument | str | Path,
    n: int,
    *,
    seed: int = 0,
    branches: int = 12,
    channels: tuple[str, ...] = ("branch", "phone", "online"),
    missing: float = 0.03,
    dont_know: float = 0.01,
    start: str = "2026-01-01",
    days: int = 365,
) -> pa.Table:
    """Simulate ``n`` respondents answering ``instrument`` (model: see the module docstring).

    Parameters
    ----------
    instrument
        An :class:`~servq.instruments.Instrument`, a catalog id or a YAML path.
    n
        Number of respondents (rows).
    seed
        Seed of the sample; the same seed gives an identical table.
    branches, channels
        Number of branches and the channel names.
    missing, dont_know
        Share of answer cells left blank, and given the scale's don't-know code (only
        when the scale declares one).
    start, days
        Answers are dated uniformly over ``[start, start + days)``.

    Returns
    -------
    pyarrow.Table
        ``respondent_id``, ``branch``, ``channel``, ``date`` (ISO strings), the answer
        columns part by part (``E1``..., ``P1``...; int8 with nulls), ``W_<dimension>``
        (int16) and the outcome columns.

    Raises
    ------
    UsageError
        A bad argument or an unknown instrument.
    """
    channels = (channels,) if isinstance(channels, str) else tuple(channels)
    inst = load_instrument(instrument)
    n, day0 = _check(n, branches, channels, missing, dont_know, start, days)
    rng = np.random.default_rng(seed)
    pop = _population(inst, branches, channels)
    f32 = np.float32

    # -- segments -------------------------------------------------------------------
    branch = rng.choice(branches, size=n, p=pop.branch_p)
    if n >= branches:  # every branch present, however small
        branch[rng.choice(n, size=branches, replace=False)] = np.arange(branches)
    channel = rng.choice(len(channels), size=n, p=pop.channel_p)
    day = rng.integers(0, days, size=n)

    centres, latent, spread, true_p = _latent_model(inst, pop, rng, branch, channel, day / max(days - 1, 1))

    # -- columns ----------------------------------------------------------------------
    sc = inst.scale
    codes = [sc.min, sc.max] + ([sc.dont_know] if sc.dont_know is not None else [])
    answer_type = _int_type(min(codes), max(codes))
    cells = _Cells(rng, n, missing, dont_know, sc.dont_know)
    names = ["respondent_id", "branch", "channel", "date"]
    arrays: list[pa.Array] = [
        _respondent_ids(n),
        _labels(branch, _branch_names(branches)),
        _labels(channel, list(channels)),
        _from_numpy((day0 + day.astype("timedelta64[D]")).astype(np.int32), pa.date32()).cast(pa.string()),
    ]
    dim_index = {d.id: i for i, d in enumerate(inst.dimensions)}
    for part in inst.parts:
        perceived = part in (Part.perception, Part.specific, Part.competitor)
        offsets = pop.offset_perceived if perceived else pop.offset_standard
        for j, item in enumerate(inst.items):
            d = dim_index[item.dimension]
            # Cost dimensions are stored in the cost direction; reverse-keyed items are
            # stored against their dimension's scored direction.
            flip = bool(pop.cost[d]) != item.reverse
            lam, sd = pop.loading[j], spread[part][d]
            if part == Part.perception and inst.has_zone:
                noise = _pts(_ZONE_NOISE)
            else:
                noise = sd * np.sqrt(1 - lam * lam)
            names.append(f"{PART_PREFIX[part]}{item.id}")
            arrays.append(
                cells.item(
                    centres[part][d], latent[part][d], sd * lam, noise, sc.min, sc.max,
                    offset=offsets[j], flip=flip, type_=answer_type,
                )
            )  # fmt: skip

    if inst.importance is not None:
        total = inst.importance.total
        w = _allocation(rng, n, pop.importance, total)
        none = rng.random(n) < 0.04
        w_type = _int_type(0, total, pa.int16())
        for i, d in enumerate(inst.dimensions):
            names.append(f"W_{d.id}")
            arrays.append(_int_array(w[i].astype(_np_type(w_type)), none, w_type))

    if inst.outcomes:
        drive = pop.driver @ true_p
        shared = rng.standard_normal(n, dtype=f32) * _pts(0.35)
        for o in inst.outcomes:
            pos = rng.standard_normal(n, dtype=f32)
            pos *= _pts(0.5)
            pos += drive
            pos += shared
            if o.kind == "nps":
                pos += _pts(0.3)
            if not o.items:
                names.append(o.id)
                arrays.append(cells.scores(pos, o.min, o.max, type_=_int_type(o.min, o.max)))
                continue
            for column in o.columns:  # the items of a multi-item outcome: its score plus an item's own noise
                names.append(column)
                arrays.append(cells.scores(pos + rng.standard_normal(n, dtype=f32) * _pts(0.3), o.min, o.max,
                                           type_=_int_type(o.min, o.max)))

    if inst.kano is not None:  # drawn last: instruments without Kano features are unchanged
        for name, values in _kano_answers(inst, rng, n, missing):
            names.append(name)
            arrays.append(values)

    return pa.Table.from_arrays(arrays, names=names)


def _latent_model(inst: Instrument, pop: _Population, rng: np.random.Generator, branch, channel, time):
    """Item centres, factors and spreads per part, arrays (k, n) as shares of the range.

    ``time`` runs from 0 (first day) to 1 (last day). Returns ``(centres, latent, spread,
    true_p)``; ``true_p`` is each respondent's true perception (quality direction).
    """
    k, n = len(inst.dimensions), len(branch)
    f32 = np.float32

    def factors() -> np.ndarray:
        return pop.chol @ rng.standard_normal((k, n), dtype=f32)

    def blend(base: np.ndarray, r: float) -> np.ndarray:
        out = factors()
        out *= f32(np.sqrt(1.0 - r * r))
        out += f32(r) * base
        return out

    f_p = factors()
    f_std = blend(f_p, _RHO_STYLE)
    standard = pop.expected[:, None]  # (k, 1): the same for everyone
    s_std = _pts(_SPREAD_STANDARD)
    centres = {Part.expectation: standard, Part.desired: standard}
    latent = {Part.expectation: f_std, Part.desired: f_std, Part.adequate: f_std, Part.perception: f_p}
    spread = {part: np.full(k, s_std) for part in (Part.expectation, Part.desired, Part.adequate)}
    if Part.adequate in inst.parts:
        width = rng.standard_normal((k, n), dtype=f32)
        width *= _pts(0.4)
        width += pop.zone[:, None]
        np.maximum(width, _pts(0.2), out=width)
        centres[Part.adequate] = standard - width

    centre_p = pop.branch_effect[:, branch]
    centre_p += pop.channel_effect[:, channel]
    centre_p += _pts(_TREND) * (time.astype(f32) - f32(0.5))
    if inst.has_zone:  # P = A + q * width + loading * factor + effects, with A = D - width
        centre_p += standard + s_std * f_std
        centre_p -= (1 - pop.zone_position)[:, None] * width
        spread[Part.perception] = _ZONE_SPREAD * pop.zone
    else:
        centre_p += (pop.expected + pop.gap)[:, None]
        spread[Part.perception] = np.full(k, _pts(_SPREAD_PERCEIVED))
    centres[Part.perception] = centre_p
    true_p = centre_p + spread[Part.perception][:, None] * f_p
    if Part.specific in inst.parts:
        centres[Part.specific] = true_p + pop.specific[:, None]
        latent[Part.specific] = factors()
        spread[Part.specific] = np.full(k, _pts(_SPREAD_SPECIFIC))
    if Part.competitor in inst.parts:
        centres[Part.competitor] = (pop.expected + pop.gap + pop.competitor)[:, None]
        latent[Part.competitor] = blend(f_p, _RHO_COMPETITOR)
        spread[Part.competitor] = np.full(k, _pts(_SPREAD_PERCEIVED))
    return centres, latent, spread, true_p


class _Cells:
    """Turns positions into stored answers: rescale, round, clip, reverse, blank, code.

    Works in float32 on buffers reused from column to column, so a million-row column
    costs one normal and one uniform draw and a few in-place passes.
    """

    def __init__(self, rng: np.random.Generator, n: int, missing: float, dont_know: float, code: int | None):
        self.rng, self.n = rng, n
        self.missing, self.dont_know, self.code = missing, dont_know, code
        self.x = np.empty(n, np.float32)
        self.tmp = np.empty(n, np.float32)
        self.u = np.empty(n, np.float32)
        self.blank = np.empty(n, bool)
        self.coded = np.empty(n, bool)

    def item(self, centre, factor, load, noise, lo, hi, *, offset, flip, type_) -> pa.Array:
        """centre + offset + load * factor + noise * N(0, 1), as answers on [lo, hi]."""
        x, tmp, span = self.x, self.tmp, hi - lo
        self.rng.standard_normal(self.n, dtype=np.float32, out=x)
        x *= np.float32(span * noise)
        np.multiply(factor, np.float32(span * load), out=tmp)
        x += tmp
        np.multiply(centre, np.float32(span), out=tmp)
        x += tmp
        x += np.float32(lo + span * offset)
        return self._finish(lo, hi, flip=flip, type_=type_, allow_code=True)

    def scores(self, pos, lo, hi, *, type_) -> pa.Array:
        """Positions (shares of the range, noise included) as answers on [lo, hi]."""
        np.multiply(pos, np.float32(hi - lo), out=self.x)
        self.x += np.float32(lo)
        return self._finish(lo, hi, flip=False, type_=type_, allow_code=False)

    def _finish(self, lo, hi, *, flip, type_, allow_code) -> pa.Array:
        x = self.x
        np.rint(x, out=x)
        np.clip(x, lo, hi, out=x)
        if flip:
            np.subtract(np.float32(lo + hi), x, out=x)
        out = x.astype(_np_type(type_))
        self.rng.random(self.n, dtype=np.float32, out=self.u)
        np.less(self.u, self.missing, out=self.blank)
        if allow_code and self.code is not None and self.dont_know > 0:
            np.less(self.u, self.missing + self.dont_know, out=self.coded)
            self.coded &= ~self.blank
            np.putmask(out, self.coded, self.code)
        return _int_array(out, self.blank, type_)


def _kano_answers(inst: Instrument, rng: np.random.Generator, n: int, missing: float):
    """``(KF_<id>, answers), (KD_<id>, answers)`` per feature: each respondent's category
    drawn from the feature's planted mixture, then an answer pair drawn uniformly from the
    cells of the Kano evaluation table holding that category; blank at rate ``missing``."""
    from ..stats.kano import CATEGORIES, KANO_TABLE  # on use: it imports pandas

    cells = [[5 * f + d for f in range(5) for d in range(5) if KANO_TABLE[f][d] == c] for c in CATEGORIES]
    width = max(map(len, cells))
    table = np.array([c + c[:1] * (width - len(c)) for c in cells])  # padded, never picked
    sizes = np.array([len(c) for c in cells])
    for j, feat in enumerate(inst.kano.features):
        mix = np.array(_KANO.get(feat.id, _KANO_DEFAULT[j % len(_KANO_DEFAULT)]))
        cat = rng.choice(len(CATEGORIES), size=n, p=mix / mix.sum())
        pick = table[cat, (rng.random(n) * sizes[cat]).astype(np.int64)]
        for prefix, answer in (("KF", pick // 5 + 1), ("KD", pick % 5 + 1)):
            yield f"{prefix}_{feat.id}", _int_array(answer.astype(np.int8), rng.random(n) < missing, pa.int8())


def _allocation(rng: np.random.Generator, n: int, profile: np.ndarray, total: int) -> np.ndarray:
    """Constant-sum allocations, shape (k, n): integers >= 0, each column summing to ``total``."""
    shares = rng.standard_gamma(12.0 * profile[:, None], size=(len(profile), n))  # Dirichlet
    shares /= shares.sum(axis=0)
    if total % 5 == 0 and total // 5 >= len(profile):
        fives = rng.random(n) < 0.6
        out = np.empty(shares.shape, dtype=np.int64)
        out[:, fives] = 5 * _largest_remainder(shares[:, fives], total // 5)
        out[:, ~fives] = _largest_remainder(shares[:, ~fives], total)
        return out
    return _largest_remainder(shares, total)


def _largest_remainder(shares: np.ndarray, total: int) -> np.ndarray:
    """Round each column of ``shares`` (k, n; columns sum to 1) to integers summing to ``total``.

    A column gets the floors of ``shares * total``; the points still missing go one each
    to the largest fractional parts (ties to the first dimension).
    """
    x = shares * total
    out = np.floor(x)
    frac = x - out
    short = total - out.sum(axis=0)
    k = len(x)
    for i in range(k):  # rank of dimension i's fraction in each column: k * k vector passes
        ahead = np.zeros(x.shape[1], np.int16)
        for j in range(k):
            if j != i:
                ahead += frac[j] > frac[i] if j > i else frac[j] >= frac[i]
        out[i] += ahead < short
    return out.astype(np.int64)


def _int_type(lo: int, hi: int, smallest: pa.DataType = pa.int8()) -> pa.DataType:
    for t in (pa.int8(), pa.int16(), pa.int32()):
        bound = 2 ** (t.bit_width - 1)
        if t.bit_width >= smallest.bit_width and -bound <= lo and hi < bound:
            return t
    return pa.int64()


def _np_type(t: pa.DataType) -> np.dtype:
    return np.dtype(f"int{t.bit_width}")


# Arrow arrays are built from buffers: pa.array() would import pandas (half a second).
def _from_numpy(values: np.ndarray, type_: pa.DataType, validity=None, null_count: int = 0) -> pa.Array:
    buffers = [validity, pa.py_buffer(np.ascontiguousarray(values))]
    return pa.Array.from_buffers(type_, len(values), buffers, null_count)


def _int_array(values: np.ndarray, blank: np.ndarray, type_: pa.DataType) -> pa.Array:
    """Integers, null where ``blank`` is true."""
    nulls = int(np.count_nonzero(blank))
    validity = pa.py_buffer(np.packbits(~blank, bitorder="little")) if nulls else None
    return _from_numpy(values, type_, validity, nulls)


def _strings(labels: list[str]) -> pa.Array:
    data = [s.encode("utf-8") for s in labels]
    offsets = np.zeros(len(data) + 1, np.int32)
    offsets[1:] = np.cumsum([len(b) for b in data])
    buffers = [None, pa.py_buffer(offsets), pa.py_buffer(b"".join(data))]
    return pa.Array.from_buffers(pa.string(), len(data), buffers)


def _respondent_ids(n: int) -> pa.Array:
    width = max(7, len(str(n)))
    digits = _from_numpy(np.arange(1, n + 1, dtype=np.int64), pa.int64()).cast(pa.string())
    return pc.utf8_lpad(pc.utf8_lpad(digits, width=width, padding="0"), width=width + 1, padding="R")


def _labels(codes: np.ndarray, labels: list[str]) -> pa.Array:
    indices = _from_numpy(codes.astype(np.int32), pa.int32())
    return pa.DictionaryArray.from_arrays(indices, _strings(labels)).cast(pa.string())
