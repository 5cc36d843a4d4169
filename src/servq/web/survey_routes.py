"""Survey pages: the list, a new survey from the catalog or an uploaded YAML, a survey's
page with its units, channels and waves."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import InstrumentError, UsageError
from ..instruments import list_instruments
from . import org, surveys
from .models import Channel, Unit, User
from .pages import DB, Csrf, CurrentUser, SurveyManager, page
from .security import check_csrf

router = APIRouter(prefix="/admin/surveys")
MAX_UPLOAD = 1_000_000  # bytes of instrument YAML


@router.get("", response_class=HTMLResponse)
def surveys_page(request: Request, session: DB, user: CurrentUser):
    return page(request, "surveys.html", {"user": user, "surveys": surveys.visible_surveys(session, user),
                                          "can_edit": user.role in surveys.MANAGERS})


@router.get("/new", response_class=HTMLResponse)
def new_survey_page(request: Request, session: DB, user: SurveyManager):
    return _new(request, session, user, surveys.SurveyForm(languages=["en"]), None, 200)


@router.post("", response_class=HTMLResponse)
async def create_survey(request: Request, session: DB, user: SurveyManager, csrf: Csrf = "",
                        title: Annotated[str, Form()] = "", instrument: Annotated[str, Form()] = "",
                        languages: Annotated[list[str], Form()] = [],  # noqa: B006 (FastAPI copies defaults)
                        unit_ids: Annotated[list[str], Form()] = [],  # noqa: B006
                        channel_ids: Annotated[list[str], Form()] = [],  # noqa: B006
                        opens: Annotated[str, Form()] = "", closes: Annotated[str, Form()] = "",
                        anonymous: Annotated[str, Form()] = "", respondent_type: Annotated[str, Form()] = "customer",
                        yaml_file: Annotated[UploadFile | None, File()] = None):
    check_csrf(request, csrf)
    form = surveys.SurveyForm(title=title, instrument=instrument, languages=languages, unit_ids=unit_ids,
                              channel_ids=channel_ids, opens=opens, closes=closes, anonymous=anonymous == "on",
                              respondent_type=respondent_type)
    problems: list[str] = []
    if yaml_file is not None and yaml_file.filename:
        raw = await yaml_file.read(MAX_UPLOAD + 1)
        if len(raw) > MAX_UPLOAD:
            problems.append(f"{yaml_file.filename} is larger than {MAX_UPLOAD // 1000} kB")
        else:
            try:
                form.yaml_text, form.yaml_name = raw.decode("utf-8"), yaml_file.filename
            except UnicodeDecodeError:
                problems.append(f"{yaml_file.filename} is not UTF-8 text")
    if not problems:
        try:
            with session.begin_nested():
                survey = surveys.create_survey(session, form, user)
            return RedirectResponse(f"/admin/surveys/{survey.id}", status_code=303)
        except InstrumentError as exc:
            problems = [exc.summary, *map(str, exc.problems)]
        except UsageError as exc:
            problems = str(exc).split("; ")
    return _new(request, session, user, form, problems, 422)


def _new(request: Request, session: Session, user: User, form: surveys.SurveyForm, problems, status: int):
    return page(request, "survey_new.html", {
        "user": user, "form": form, "problems": problems, "instruments": list_instruments(),
        "units": org.tree_rows(list(session.scalars(select(Unit)))),
        "channels": list(session.scalars(select(Channel).order_by(Channel.name))),
    }, status_code=status)


@router.get("/{survey_id}", response_class=HTMLResponse)
def survey_page(request: Request, session: DB, user: CurrentUser, survey_id: int):
    return _survey(request, session, user, survey_id, None, 200)


@router.post("/{survey_id}/waves", response_class=HTMLResponse)
def add_wave(request: Request, session: DB, user: SurveyManager, survey_id: int, csrf: Csrf = "",
             name: Annotated[str, Form()] = "", starts: Annotated[str, Form()] = "",
             ends: Annotated[str, Form()] = ""):
    check_csrf(request, csrf)
    survey = _visible(session, user, survey_id)
    try:
        with session.begin_nested():
            surveys.add_wave(session, survey, name, starts, ends, user)
    except UsageError as exc:
        session.refresh(survey)
        return _survey(request, session, user, survey_id, str(exc), 422)
    return RedirectResponse(f"/admin/surveys/{survey_id}", status_code=303)


def _visible(session: Session, user: User, survey_id: int):
    survey = surveys.visible_survey(session, user, survey_id)
    if survey is None:  # the same answer whether it does not exist or is not yours
        raise HTTPException(status_code=404, detail="No such survey.")
    return survey


def _survey(request: Request, session: Session, user: User, survey_id: int, error: str | None, status: int):
    survey = _visible(session, user, survey_id)
    inst = surveys.instrument_of(survey)
    return page(request, "survey.html", {"user": user, "survey": survey, "instrument": inst, "error": error,
                                         "can_edit": user.role in surveys.MANAGERS}, status_code=status)
