"""Instrument versions: a survey's instrument edited after the survey has responses
becomes a new version, so every response stays with the questions it answered.

The survey holds the instrument it asks now (``Survey.instrument_yaml``, version
``Survey.instrument_version``); each earlier version is a :class:`SurveyVersion`; each
response stores the version it was answered with. The analysis reads one version at a
time (:attr:`dataset.Filter.version`; by default the current one), never several mixed.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import UsageError
from ..instruments import Instrument
from ..instruments.catalog import parse_instrument
from ..store.cells import responses_per_version
from ..store.models import Response, Survey, SurveyVersion, User
from .accounts import audit
from .languages import Msg
from .surveys import MANAGERS, parsed_instrument


def answered(session: Session, survey: Survey) -> dict[int, int]:
    """Responses per instrument version of ``survey`` (versions without any left out),
    from the survey's month cells: a page shows them without counting millions of rows."""
    return responses_per_version(session, survey.id)


def instrument_at(session: Session, survey: Survey, version: int | None) -> Instrument:
    """The instrument of ``version`` of ``survey`` (None: the current one); a UsageError
    naming the versions there are when it has no such version."""
    return parsed_instrument(instrument_yaml_at(session, survey, version))


def instrument_yaml_at(session: Session, survey: Survey, version: int | None) -> str:
    """The instrument YAML of ``version`` of ``survey``, as :func:`instrument_at`."""
    if version is None or version == survey.instrument_version:
        return survey.instrument_yaml
    text = session.scalar(select(SurveyVersion.instrument_yaml).where(SurveyVersion.survey_id == survey.id,
                                                                      SurveyVersion.version == version))
    if text is None:
        raise UsageError(Msg("editor.no_version", version=version,
                             known=", ".join(map(str, range(1, survey.instrument_version + 1)))))
    return text


def edit_instrument(session: Session, survey: Survey, text: str, actor: User) -> int:
    """Make ``text`` (instrument YAML, checked as ``servq instruments validate`` checks it)
    the instrument ``survey`` asks from now on; returns its version. When the current
    version has responses, it is kept and the new one is the next version; otherwise it is
    replaced in place. Raises InstrumentError (the problems) or UsageError."""
    if actor.role not in MANAGERS:
        raise UsageError(Msg("msg.survey_managers_only"))
    inst = parse_instrument(text, "editor")
    lacking = [lang for lang in survey.languages if lang not in inst.languages]
    if lacking:
        raise UsageError(Msg("msg.instrument_lacks", missing=", ".join(lacking), known=", ".join(inst.languages)))
    has_answers = session.scalar(select(Response.id).where(
        Response.survey_id == survey.id, Response.instrument_version == survey.instrument_version).limit(1))
    if has_answers is not None:
        session.add(SurveyVersion(survey_id=survey.id, version=survey.instrument_version,
                                  instrument_id=survey.instrument_id, instrument_yaml=survey.instrument_yaml,
                                  replaced_by=actor.id))
        survey.instrument_version += 1
    survey.instrument_yaml, survey.instrument_id = text, inst.id
    session.flush()
    audit(session, actor, "survey.instrument", survey.title, {"survey_id": survey.id, "instrument": inst.id,
                                                              "version": survey.instrument_version})
    return survey.instrument_version
