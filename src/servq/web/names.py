"""Names in several languages. A survey's title and the name of a unit, a channel or a
customer tier is its base name; beside it, a name per language (``title_labels`` /
``labels``: ``{"sv": "Kontoret", "zh": "营业厅"}``) that the pages show in their reader's
language: the respondent's on the questionnaire and the complaint form, the signed-in
user's on the administration pages, the report's in reports. Where a language has none,
the base name is shown. Imports, links and the API's filters keep using the base name or
the id.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Form
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import UsageError
from ..store.models import Survey, User
from .accounts import audit
from .languages import LANGUAGES, Msg
from .params import Text

LIMIT = 200  # characters of a name in a form (the longest column; each row's own limit is checked too)


def name_in(lang: str, row) -> str:
    """The name of a unit, channel or tier in ``lang`` (its base name where it has none)."""
    return (row.labels or {}).get(lang) or row.name


def title_in(lang: str, survey) -> str:
    """A survey's title in ``lang`` (its base title where it has none)."""
    return (survey.title_labels or {}).get(lang) or survey.title


def names_in(session: Session, model, lang: str) -> dict[int, str]:
    """id → name in ``lang`` of every row of ``model`` (units, channels or tiers)."""
    return {i: (labels or {}).get(lang) or name
            for i, name, labels in session.execute(select(model.id, model.name, model.labels))}


def label_fields(label_en: Annotated[Text(LIMIT), Form()] = "", label_sv: Annotated[Text(LIMIT), Form()] = "",
                 label_zh: Annotated[Text(LIMIT), Form()] = "") -> dict[str, str]:
    """The name-per-language fields of a form (``label_en``, ``label_sv``, ``label_zh``)."""
    return {"en": label_en, "sv": label_sv, "zh": label_zh}


LabelFields = Annotated[dict[str, str], Depends(label_fields)]


def checked_labels(sent: dict[str, str], limit: int, languages=LANGUAGES) -> dict[str, str] | None:
    """The names of ``sent`` in ``languages`` (blank ones left out; None: none at all); a
    name longer than ``limit`` characters is a UsageError naming its language."""
    labels = {lang: sent[lang].strip() for lang in languages if sent.get(lang, "").strip()}
    for lang, text in labels.items():
        if len(text) > limit:
            raise UsageError(Msg("msg.label_too_long", language=lang, limit=limit))
    return labels or None


def set_labels(session: Session, row, sent: dict[str, str], actor: User | None) -> None:
    """Give a unit, channel or tier (``labels``) or a survey (``title_labels``, only in
    its languages) the names of ``sent``, and record it in the audit log."""
    if isinstance(row, Survey):
        row.title_labels = checked_labels(sent, Survey.title.type.length, row.languages)
        audit(session, actor, "survey.titles", row.title, {"id": row.id, "labels": row.title_labels})
        return
    column = type(row).__table__.c.name
    row.labels = checked_labels(sent, column.type.length)
    what = type(row).__tablename__[:-1]
    audit(session, actor, f"{what}.labels", row.name, {"id": row.id, "labels": row.labels})
