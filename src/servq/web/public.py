"""The open platform: a survey's scores per unit on a public page, when an administrator
published them (``public_scores``; off by default).

The figures are the dashboard's (:func:`servq.web.analysis.results` on the cells, broken
down by unit, for a viewer of every unit): per unit and dimension the perception score
and, for instruments that ask expectations, the gap, each with its 95% interval and n.
Nothing but aggregates over at least :data:`~servq.web.analysis.MIN_N` respondents: a
unit with fewer, or a dimension answered by fewer, shows no figure. There is no total
over all units: the total less the units shown would give away the units withheld. A
unit whose name (in the page's language, or its base name) it shares with another unit
of the survey shows no figures either: the break-down groups by name and would mix them.

A page is computed at most once per :data:`CACHE_SECONDS` per survey and language in each
process (:class:`BoardCache`; while one request makes it the others wait for it), so a
crowd reading it costs the database one analysis a minute; publishing or withdrawing
clears the process's entry at once, the others' within the minute.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import UsageError
from ..store.models import PublicScores, Survey, User
from . import analysis, responding
from .accounts import audit
from .dataset import Filter
from .distribution import public_url
from .names import name_in, title_in
from .tallies import TallyStore

CACHE_SECONDS = 60.0
MEASURES = ("perception", "gap")  # what the page shows of each dimension, those the instrument has
FIGURES = ("mean", "ci_low", "ci_high", "n")
WITHHELD = ("too_few", "shared_name")  # why a unit shows no figures: fewer than MIN_N respondents, a shared name


@dataclass(frozen=True)
class Figure:
    mean: float
    ci_low: float
    ci_high: float
    n: int


@dataclass(frozen=True)
class DimensionScore:
    id: str
    label: str
    perception: Figure | None  # None: fewer than MIN_N answered it
    gap: Figure | None


@dataclass(frozen=True)
class UnitScores:
    id: int
    name: str
    n: int | None  # respondents; None: withheld (see ``withheld``)
    withheld: str | None  # None, or why not (one of WITHHELD)
    dimensions: tuple[DimensionScore, ...]
    rate_url: str | None  # the survey's public form for the unit (None: the survey is not open)
    complaint_url: str


@dataclass(frozen=True)
class Board:
    """What the public page of a survey shows in one language."""

    slug: str
    title: str
    lang: str
    measures: tuple[str, ...]
    min_n: int
    units: tuple[UnitScores, ...]
    generated_at: datetime

    def to_json(self) -> dict:
        data = asdict(self)
        data["generated_at"] = self.generated_at.isoformat()
        return data


def is_public(session: Session, survey_id: int) -> bool:
    return session.get(PublicScores, survey_id) is not None


def publish(session: Session, survey: Survey, on: bool, actor: User, now: datetime) -> None:
    """Publish the survey's scores (``on``) or withdraw them; audited when it changes."""
    row = session.get(PublicScores, survey.id)
    if on and row is None:
        session.add(PublicScores(survey_id=survey.id, published_by=actor.id, published_at=now))
    elif not on and row is not None:
        session.delete(row)
    else:
        return
    audit(session, actor, "publish_scores" if on else "withdraw_scores", f"survey:{survey.id}", {})


def published_survey(session: Session, slug: str) -> Survey | None:
    """The survey of ``slug`` when its scores are published, else None (the same for both)."""
    return session.scalar(select(Survey).join(PublicScores, PublicScores.survey_id == Survey.id)
                          .where(Survey.slug == slug))


def viewer() -> User:
    """The public page's viewer: every unit, as an analyst sees them (never stored)."""
    return User(role="analyst", email="", name="public")


def board(store: TallyStore, session: Session, survey: Survey, lang: str, now: datetime) -> Board:
    """The survey's public scores in ``lang`` (the dashboard's figures by unit)."""
    try:
        res = analysis.results(store, session, survey, viewer(), Filter(), by=["unit"], lang=lang, quality=False)
    except UsageError:  # an instrument the cells cannot analyse (nothing to show)
        res = None
    data = res.to_dict() if res is not None else {"dimensions": [], "segments": {}}
    segments = data["segments"].get("unit", {})
    measures = tuple(m for m in MEASURES if any(m in d for d in data["dimensions"])) or MEASURES[:1]
    units = sorted(survey.units, key=lambda u: name_in(lang, u).casefold())
    keys = {u.id: (name_in(lang, u), u.name) for u in units}
    used = Counter(k for pair in keys.values() for k in set(pair))
    is_open = responding.survey_state(survey, now) == "open"
    out = []
    for unit in units:
        label, base = keys[unit.id]
        seg = segments.get(label) or segments.get(base) or {"n": 0, "suppressed": True}
        withheld = "shared_name" if any(used[k] > 1 for k in {label, base}) else (
            "too_few" if seg["suppressed"] or seg["n"] < analysis.MIN_N else None)
        out.append(UnitScores(
            id=unit.id, name=label, n=None if withheld else seg["n"], withheld=withheld,
            dimensions=() if withheld else tuple(_dimension(d, measures) for d in seg["dimensions"]),
            rate_url=f"{public_url('', survey, unit.id)}?lang={lang}" if is_open else None,
            complaint_url=f"/c/{unit.id}?lang={lang}"))
    return Board(slug=survey.slug, title=title_in(lang, survey), lang=lang, measures=measures, min_n=analysis.MIN_N,
                 units=tuple(out), generated_at=now)


def _dimension(d: dict, measures: tuple[str, ...]) -> DimensionScore:
    def figure(measure: str) -> Figure | None:
        stats = d.get(measure) if measure in measures else None
        if not stats or stats.get("mean") is None or (stats.get("n") or 0) < analysis.MIN_N:
            return None
        return Figure(*(stats[k] for k in FIGURES))

    return DimensionScore(id=d["id"], label=d["label"], perception=figure("perception"), gap=figure("gap"))


class BoardCache:
    """Each survey's public page per language, kept ``seconds`` in this process; the
    value None (no such published survey) is kept too, so unknown slugs cost no more."""

    def __init__(self, seconds: float = CACHE_SECONDS, clock: Callable[[], float] = time.monotonic):
        self.seconds, self.clock = seconds, clock
        self._entries: dict[tuple[str, str], tuple[float, Board | None]] = {}
        self._lock = threading.Lock()
        self._making: dict[tuple[str, str], threading.Lock] = {}  # one maker a page: the others wait for it

    def _fresh(self, key: tuple[str, str]) -> tuple[float, Board | None] | None:
        with self._lock:
            hit = self._entries.get(key)
        return hit if hit is not None and hit[0] > self.clock() else None

    def get(self, slug: str, lang: str, make: Callable[[], Board | None]) -> Board | None:
        key = (slug, lang)
        hit = self._fresh(key)
        if hit is not None:
            return hit[1]
        with self._lock:
            making = self._making.setdefault(key, threading.Lock())
        with making:
            hit = self._fresh(key)  # made by the request this one waited for
            if hit is not None:
                return hit[1]
            value = make()
            if self.seconds > 0:
                with self._lock:
                    if len(self._entries) > 10_000:
                        self._entries.clear()
                        self._making = {key: making}
                    self._entries[key] = (self.clock() + self.seconds, value)
        return value

    def forget(self, slug: str) -> None:
        with self._lock:
            for key in [k for k in self._entries if k[0] == slug]:
                del self._entries[key]
