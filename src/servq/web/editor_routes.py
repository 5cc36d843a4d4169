"""The survey editor's pages (editor.py): a new instrument, a survey's instrument, and the
phone preview of a draft.

A new instrument, once valid, goes to the "new survey" page (its YAML in the form, checked
again there); a survey's instrument is saved as its next version when it has responses
(versions.py). Every button of the form works without JavaScript; editor.js only sends the
form to the preview as it is typed in.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from ..errors import InstrumentError, UsageError
from ..instruments import Instrument
from ..store.models import Survey, User
from . import editor, versions
from . import form as questionnaire
from .languages import known, problem_list, reasons
from .pages import DB, SurveyManager, page, visible_survey
from .params import FieldErrors, Id, number, text_problem
from .respond_routes import form_page
from .responding import PublicSurvey
from .survey_routes import new_survey_form
from .surveys import SurveyForm, instrument_of

router = APIRouter(prefix="/admin", include_in_schema=False)


async def editor_form(request: Request) -> tuple[dict[str, str], list[str]]:
    """The editor's fields (each checked as text: no control characters) and the checked languages."""
    form = await request.form()  # (read already by the CSRF check of the DB dependency)
    sent = {k: v for k, v in form.items() if isinstance(v, str)}
    wrong = {k: problem for k, v in sent.items() if (problem := text_problem(v, multiline=True))}
    if wrong:
        raise FieldErrors(wrong)
    return sent, [v for v in form.getlist("languages") if isinstance(v, str)]


Sent = Annotated[tuple[dict[str, str], list[str]], Depends(editor_form)]


def _editor(request: Request, user: User, draft: editor.Draft, survey: Survey | None, problems=(), error=None,
            status: int = 200) -> HTMLResponse:
    return page(request, "editor.html", {
        "user": user, "draft": draft, "survey": survey, "problems": list(problems), "error": error,
        "invalid": {fld for _, fld, _ in problems}, "part_sets": editor.PART_SETS,
        "action": f"/admin/surveys/{survey.id}/instrument" if survey else "/admin/editor",
    }, status_code=status)


def _step(request: Request, user: User, sent, survey: Survey | None):
    """(draft, checked, None) when the form was saved with a valid questionnaire; else
    (draft, None, the editor's page): after a button that changes the draft, or with the
    problems that keep it from being saved."""
    values, languages = sent
    draft = editor.read_form(values, languages)
    action = values.get("action", "")
    if action != "save":
        editor.apply(draft, action)
        return draft, None, _editor(request, user, draft, survey)
    checked = editor.check(draft, instrument_of(survey) if survey else None)
    if checked.instrument is None:
        return draft, None, _editor(request, user, draft, survey, checked.problems, status=422)
    return draft, checked, None


@router.get("/editor", response_class=HTMLResponse)
def new_instrument(request: Request, user: SurveyManager):
    return _editor(request, user, editor.new_draft(), None)


@router.post("/editor", response_class=HTMLResponse)
def edit_new_instrument(request: Request, session: DB, user: SurveyManager, sent: Sent):
    """A button of the editor of a new instrument; "save" hands a valid one to the new survey page."""
    draft, checked, shown = _step(request, user, sent, None)
    if checked is None:
        return shown
    inst = checked.instrument
    form = SurveyForm(title=inst.name.get(known(user.language)), yaml_text=checked.text, yaml_name=editor.SOURCE,
                      languages=list(inst.languages))
    return new_survey_form(request, session, user, form, None, 200)


@router.get("/surveys/{survey_id}/instrument", response_class=HTMLResponse)
def survey_instrument(request: Request, session: DB, user: SurveyManager, survey_id: Id):
    survey = visible_survey(session, user, survey_id)
    return _editor(request, user, editor.from_instrument(instrument_of(survey)), survey)


@router.post("/surveys/{survey_id}/instrument", response_class=HTMLResponse)
def edit_survey_instrument(request: Request, session: DB, user: SurveyManager, survey_id: Id, sent: Sent):
    """A button of the editor of a survey's instrument; "save" makes it the survey's
    instrument (a new version when the survey has responses)."""
    survey = visible_survey(session, user, survey_id)
    draft, checked, shown = _step(request, user, sent, survey)
    if checked is None:
        return shown
    try:
        with session.begin_nested():
            version = versions.edit_instrument(session, survey, checked.text, user)
    except InstrumentError as exc:
        return _editor(request, user, draft, survey, error=problem_list(exc), status=422)
    except UsageError as exc:
        return _editor(request, user, draft, survey, error=reasons(exc), status=422)
    return RedirectResponse(f"/admin/surveys/{survey.id}?saved_version={version}", status_code=303)


@router.post("/editor/preview", response_class=HTMLResponse)
def preview(request: Request, session: DB, user: SurveyManager, sent: Sent):
    """The respondent's page of the draft, in the editor's phone frame; nothing is stored."""
    values, languages = sent
    draft = editor.read_form(values, languages)
    survey_id = number(values.get("survey_id", ""))
    base = instrument_of(visible_survey(session, user, survey_id)) if survey_id else None
    checked = editor.check(draft, base)
    request.state.same_origin_frame = True
    lang = values.get("preview_lang", "")
    if checked.instrument is None:
        return page(request, "editor_preview_problems.html", {"problems": checked.problems}, status_code=200)
    return _preview_page(request, checked.instrument, checked.text, lang, number(values.get("preview_page", "")) or 0)


def _preview_page(request: Request, inst: Instrument, text: str, lang: str, index: int) -> HTMLResponse:
    lang = lang if lang in inst.languages else inst.languages[0]
    pages = questionnaire.pages(inst, lang)
    index = max(0, min(index, len(pages) - 1))
    survey = PublicSurvey(0, "preview", inst.name.get(lang), tuple(inst.languages), True, datetime.now(UTC), None,
                          text, frozenset(), frozenset())
    state = {"key": "", "unit_id": 0, "channel_id": None, "page": index, "answers": {}, "comment": ""}
    return form_page(request, survey, inst, pages, lang, state, {}, [], "#", preview=True)

