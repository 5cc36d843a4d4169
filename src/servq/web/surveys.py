"""Surveys: created from a catalog instrument or an uploaded instrument YAML, with the
languages, units, channels, dates, anonymity and waves they cover.

The instrument's YAML text is stored in the survey (validated when stored and again when
read), so a survey asks the same questions for as long as it runs.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from functools import lru_cache
from importlib import resources

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import UsageError
from ..instruments import Instrument
from ..instruments.catalog import catalog_ids, parse_instrument
from ..store.models import Channel, Survey, Tier, Unit, User, Wave, survey_units
from .accounts import audit
from .form import Page, pages
from .languages import Msg, Msgs
from .names import checked_labels
from .org import visible_unit_ids

RESPONDENT_TYPES = ("customer", "internal")
MANAGERS = ("administrator", "analyst")  # who may create and change surveys


def catalog_yaml(instrument_id: str) -> str:
    if instrument_id not in catalog_ids():
        raise UsageError(Msg("msg.unknown_instrument", id=instrument_id, known=", ".join(catalog_ids())))
    return resources.files("servq.instruments").joinpath("catalog", f"{instrument_id}.yaml").read_text("utf-8")


def instrument_of(survey: Survey) -> Instrument:
    """The survey's instrument (parsed once per process: parsing and checking take milliseconds)."""
    return parsed_instrument(survey.instrument_yaml)


@lru_cache(maxsize=128)
def parsed_instrument(text: str) -> Instrument:
    """Instrument YAML text parsed and checked (once per process per text)."""
    return parse_instrument(text, "survey instrument")


def questionnaire_of(survey: Survey, lang: str) -> list[Page]:
    """The survey's questionnaire pages in ``lang`` (built once per process)."""
    return _pages(survey.instrument_yaml, lang)


@lru_cache(maxsize=256)
def _pages(text: str, lang: str) -> list[Page]:
    return pages(parsed_instrument(text), lang)


@dataclass
class SurveyForm:
    """What the "new survey" page submits (all text, as the form sends it)."""

    title: str = ""
    labels: dict[str, str] = field(default_factory=dict)  # the title per language (names.py)
    instrument: str = ""  # a catalog id, or "" when yaml_text is given
    yaml_text: str = ""
    yaml_name: str = "uploaded instrument"
    languages: list[str] = field(default_factory=list)
    unit_ids: list[str] = field(default_factory=list)
    channel_ids: list[str] = field(default_factory=list)
    opens: str = ""
    closes: str = ""
    anonymous: bool = True
    respondent_type: str = "customer"


def create_survey(session: Session, form: SurveyForm, actor: User) -> Survey:
    """Validate ``form`` and store the survey; raise UsageError / InstrumentError naming
    every problem (nothing is stored then)."""
    if actor.role not in MANAGERS:
        raise UsageError(Msg("msg.survey_managers_only"))
    problems: list[str] = []
    title = form.title.strip()
    if not title or len(title) > 200:
        problems.append(Msg("msg.survey_title"))
    if form.yaml_text.strip():
        text, source = form.yaml_text, form.yaml_name
    elif form.instrument:
        text, source = catalog_yaml(form.instrument), form.instrument
    else:
        raise UsageError(Msg("msg.choose_instrument"))
    inst = parse_instrument(text, source)  # InstrumentError lists every problem with its line
    languages = [lang for lang in dict.fromkeys(form.languages) if lang]
    unknown = [lang for lang in languages if lang not in inst.languages]
    if not languages:
        problems.append(Msg("msg.choose_language", known=", ".join(inst.languages)))
    elif unknown:
        problems.append(Msg("msg.instrument_lacks", missing=", ".join(unknown), known=", ".join(inst.languages)))
    units = _rows(session, Unit, form.unit_ids, "unit", problems)
    if not units and not problems:
        problems.append(Msg("msg.choose_unit"))
    channels = _rows(session, Channel, form.channel_ids, "channel", problems)
    if form.respondent_type not in RESPONDENT_TYPES:
        problems.append(Msg("msg.respondent_type", known=" / ".join(RESPONDENT_TYPES)))
    opens = _day(form.opens, "opens", problems) if form.opens.strip() else _today()
    closes = _day(form.closes, "closes", problems) if form.closes.strip() else None
    if opens and closes and closes <= opens:
        problems.append(Msg("msg.closes_before_opens"))
    labels = None
    try:
        labels = checked_labels(form.labels, Survey.title.type.length, languages)
    except UsageError as exc:
        problems.append(exc.args[0])
    if problems:
        raise UsageError(Msgs(problems))
    survey = Survey(slug=secrets.token_urlsafe(8), title=title, title_labels=labels, instrument_id=inst.id,
                    instrument_yaml=text,
                    languages=languages, anonymous=form.anonymous, respondent_type=form.respondent_type,
                    opens_at=opens, closes_at=closes, created_by=actor.id, units=units, channels=channels)
    session.add(survey)
    session.flush()
    audit(session, actor, "survey.create", title, {"id": survey.id, "instrument": inst.id,
                                                   "units": [u.id for u in units], "anonymous": form.anonymous})
    return survey


def _visible(user: User):
    """Surveys ``user`` may see: all, or for a unit manager those covering a unit of their subtree."""
    query = select(Survey)
    ids = visible_unit_ids(user)
    if ids is not None:
        query = query.where(Survey.id.in_(select(survey_units.c.survey_id).where(survey_units.c.unit_id.in_(ids))))
    return query


def visible_surveys(session: Session, user: User) -> list[Survey]:
    return list(session.scalars(_visible(user).order_by(Survey.created_at.desc(), Survey.id.desc())))


def visible_survey(session: Session, user: User, survey_id: int) -> Survey | None:
    return session.scalar(_visible(user).where(Survey.id == survey_id))


def add_wave(session: Session, survey: Survey, name: str, starts: str, ends: str, actor: User) -> Wave:
    problems: list[str] = []
    name = name.strip()
    if not name or len(name) > 100:
        problems.append(Msg("msg.wave_name"))
    start = _day(starts, "starts", problems)
    end = _day(ends, "ends", problems)
    if start and end and end <= start:
        problems.append(Msg("msg.wave_ends_before_start"))
    for wave in survey.waves:
        if start and end and start < wave.ends_at and wave.starts_at < end:
            problems.append(Msg("msg.wave_overlap", name=wave.name))
    if problems:
        raise UsageError(Msgs(problems))
    wave = Wave(survey=survey, name=name, starts_at=start, ends_at=end)
    session.add(wave)
    session.flush()
    audit(session, actor, "wave.create", f"{survey.title}: {name}", {"survey_id": survey.id})
    return wave


def add_named(session: Session, model: type[Channel] | type[Tier], name: str, actor: User,
              labels: dict[str, str] | None = None) -> Channel | Tier:
    """Add a channel or a customer tier (``labels``: its name in other languages)."""
    what = model.__tablename__[:-1]
    name = name.strip()
    if not name or len(name) > 100:
        raise UsageError(Msg(f"msg.{what}_name"))
    if session.scalar(select(model.id).where(model.name == name)) is not None:
        raise UsageError(Msg(f"msg.{what}_exists", name=name))
    row = model(name=name, labels=labels)
    session.add(row)
    session.flush()
    audit(session, actor, f"{what}.create", name, {"id": row.id})
    return row


def _rows(session: Session, model, ids: list[str], what: str, problems: list[str]) -> list:
    wanted: list[int] = []
    for raw in ids:
        try:
            wanted.append(int(raw))
        except ValueError:
            problems.append(Msg(f"msg.not_{what}_id", value=repr(raw)))
    rows = list(session.scalars(select(model).where(model.id.in_(wanted)))) if wanted else []
    missing = sorted(set(wanted) - {r.id for r in rows})
    if missing:
        problems.append(Msg(f"msg.no_{what}_id", id=", ".join(map(str, missing))))
    return rows


def _day(text: str, what: str, problems: list[str]) -> datetime | None:
    """``text`` as midnight UTC of its date; else None and a problem naming the date ``what``
    (``opens``, ``closes``, ``starts``, ``ends``)."""
    try:
        return datetime.combine(date.fromisoformat(text.strip()), time(), tzinfo=UTC)
    except ValueError:
        problems.append(Msg(f"msg.date_{what}", value=repr(text)))
        return None


def _today() -> datetime:
    return datetime.combine(datetime.now(UTC).date(), time(), tzinfo=UTC)
