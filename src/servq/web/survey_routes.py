"""Survey pages: the list, a new survey from the catalog or an uploaded YAML, a survey's
page with its units, channels and waves."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import DataError, InstrumentError, UsageError
from ..instruments import list_instruments
from ..store.models import Channel, Invitation, Survey, Unit, User, Wave
from . import closed_loop, complaints, distribution, names, org, surveys, versions
from .accounts import audit
from .file_rows import file_rows, row_values
from .languages import Msg, problem_list, reason, reasons
from .names import LabelFields
from .pages import DB, Csrf, CurrentUser, SurveyManager, page, site_url, visible_survey
from .params import FieldErrors, Id, Text, Word, first_control
from .security import check_csrf

router = APIRouter(prefix="/admin/surveys", include_in_schema=False)
MAX_UPLOAD = 1_000_000  # bytes of instrument YAML
MAX_INVITE_UPLOAD = 20_000_000  # bytes of invitee CSV


@router.get("", response_class=HTMLResponse)
def surveys_page(request: Request, session: DB, user: CurrentUser):
    return page(request, "surveys.html", {"user": user, "surveys": surveys.visible_surveys(session, user),
                                          "can_edit": user.role in surveys.MANAGERS,
                                          "complaints": complaints.counts(session, user, request.app.state.clock())})


@router.get("/new", response_class=HTMLResponse)
def new_survey_page(request: Request, session: DB, user: SurveyManager):
    return new_survey_form(request, session, user, surveys.SurveyForm(languages=["en"]), None, 200)


@router.post("", response_class=HTMLResponse)
def create_survey(request: Request, session: DB, user: SurveyManager, labels: LabelFields, csrf: Csrf = "",
                  title: Annotated[Text(Survey.title), Form()] = "",
                  instrument: Annotated[Text(Survey.instrument_id), Form()] = "",
                  # FastAPI copies the list defaults (B006)
                  languages: Annotated[list[Text(Invitation.language)], Form()] = [],  # noqa: B006
                  unit_ids: Annotated[list[Id], Form()] = [],  # noqa: B006
                  channel_ids: Annotated[list[Id], Form()] = [],  # noqa: B006
                  opens: Annotated[Word, Form()] = "", closes: Annotated[Word, Form()] = "",
                  anonymous: Annotated[Word, Form()] = "",
                  respondent_type: Annotated[Text(Survey.respondent_type), Form()] = "customer",
                  yaml_text: Annotated[Text(MAX_UPLOAD, multiline=True), Form()] = "",
                  yaml_name: Annotated[Text(Survey.instrument_id), Form()] = "",
                  yaml_file: Annotated[UploadFile | None, File()] = None):
    check_csrf(request, csrf)
    form = surveys.SurveyForm(title=title, labels=labels, instrument=instrument, languages=languages,
                              unit_ids=[str(i) for i in unit_ids], channel_ids=[str(i) for i in channel_ids],
                              opens=opens, closes=closes, anonymous=anonymous == "on", respondent_type=respondent_type,
                              yaml_text=yaml_text.replace("\r\n", "\n"), yaml_name=yaml_name or "editor")
    problems: list[str] = []
    if yaml_file is not None and yaml_file.filename:
        raw = yaml_file.file.read(MAX_UPLOAD + 1)
        if len(raw) > MAX_UPLOAD:
            problems.append(Msg("msg.file_too_large", file=yaml_file.filename, size=f"{MAX_UPLOAD // 1000} kB"))
        else:
            try:
                form.yaml_text, form.yaml_name = raw.decode("utf-8"), yaml_file.filename
            except UnicodeDecodeError:
                problems.append(Msg("msg.file_not_utf8", file=yaml_file.filename))
            else:  # what the instrument's text in the form may not hold, an uploaded file may not either
                at = first_control(form.yaml_text, multiline=True)
                if at is not None:
                    problems.append(Msg("msg.file_control", file=yaml_file.filename,
                                        line=form.yaml_text.count("\n", 0, at) + 1, char=repr(form.yaml_text[at])))
                    form.yaml_text = ""
    if not problems:
        try:
            with session.begin_nested():
                survey = surveys.create_survey(session, form, user)
            return RedirectResponse(f"/admin/surveys/{survey.id}", status_code=303)
        except InstrumentError as exc:
            problems = problem_list(exc)
        except UsageError as exc:
            problems = reasons(exc)
    return new_survey_form(request, session, user, form, problems, 422)


def new_survey_form(request: Request, session: Session, user: User, form: surveys.SurveyForm, problems, status: int):
    """The "new survey" page (``form.yaml_text``: an instrument built in the editor, sent along)."""
    return page(request, "survey_new.html", {
        "user": user, "form": form, "problems": problems, "instruments": list_instruments(), "built": _built(form),
        "units": org.tree_rows(list(session.scalars(select(Unit)))),
        "channels": list(session.scalars(select(Channel).order_by(Channel.name))),
    }, status_code=status)


def _built(form: surveys.SurveyForm):
    """The instrument sent along from the editor or an upload, when it is valid (else None:
    the page lists its problems)."""
    try:
        return surveys.parsed_instrument(form.yaml_text) if form.yaml_text.strip() else None
    except (InstrumentError, UsageError):
        return None


@router.get("/{survey_id}", response_class=HTMLResponse)
def survey_page(request: Request, session: DB, user: CurrentUser, survey_id: Id, saved_version: Id | None = None):
    return _survey(request, session, user, survey_id, None, 200, saved_version=saved_version)


@router.post("/{survey_id}/waves", response_class=HTMLResponse)
def add_wave(request: Request, session: DB, user: SurveyManager, survey_id: Id, csrf: Csrf = "",
             name: Annotated[Text(Wave.name), Form()] = "", starts: Annotated[Word, Form()] = "",
             ends: Annotated[Word, Form()] = ""):
    check_csrf(request, csrf)
    survey = visible_survey(session, user, survey_id)
    try:
        with session.begin_nested():
            surveys.add_wave(session, survey, name, starts, ends, user)
    except UsageError as exc:
        session.refresh(survey)
        return _survey(request, session, user, survey_id, reason(exc), 422)
    return RedirectResponse(f"/admin/surveys/{survey_id}", status_code=303)


@router.post("/{survey_id}/closed-loop", response_class=HTMLResponse)
def set_closed_loop(request: Request, session: DB, user: SurveyManager, survey_id: Id, csrf: Csrf = "",
                    enabled: Annotated[Word, Form()] = "", gap_max: Annotated[Word, Form()] = "",
                    recommend_max: Annotated[Word, Form()] = "", complaint_comment: Annotated[Word, Form()] = ""):
    """The closed loop: which responses open a complaint case (when the respondent agrees)."""
    check_csrf(request, csrf)
    survey = visible_survey(session, user, survey_id)
    try:
        setting = closed_loop.settings_from_form(surveys.instrument_of(survey), enabled == "on", gap_max,
                                                 recommend_max, complaint_comment == "on")
    except UsageError as exc:
        return _survey(request, session, user, survey_id, None, 422, loop_error=reason(exc),
                       loop_values={"enabled": enabled, "gap_max": gap_max, "recommend_max": recommend_max,
                                    "complaint_comment": complaint_comment})
    survey.closed_loop = setting
    audit(session, user, "survey.closed_loop", survey.title, {"survey_id": survey.id, "closed_loop": setting})
    return RedirectResponse(f"/admin/surveys/{survey_id}", status_code=303)


@router.post("/{survey_id}/titles", response_class=HTMLResponse)
def set_titles(request: Request, session: DB, user: SurveyManager, survey_id: Id, labels: LabelFields,
               csrf: Csrf = ""):
    """The survey's title in each of its languages (blank: its base title)."""
    check_csrf(request, csrf)
    survey = visible_survey(session, user, survey_id)
    try:
        with session.begin_nested():
            names.set_labels(session, survey, labels, user)
    except UsageError as exc:
        return _survey(request, session, user, survey_id, None, 422, titles_error=reason(exc))
    return RedirectResponse(f"/admin/surveys/{survey_id}#titles", status_code=303)


def _survey(request: Request, session: Session, user: User, survey_id: int, error, status: int,
            problems: list | None = None, loop_error=None, loop_values: dict | None = None, titles_error=None,
            saved_version: int | None = None, rows: dict | None = None, row_errors: dict | None = None):
    survey = visible_survey(session, user, survey_id)
    inst = surveys.instrument_of(survey)
    base = site_url(request)
    # each unit's link, then the unit's link of each channel (?c=<channel id>)
    links = [(unit, distribution.public_url(base, survey, unit.id),
              [(channel, distribution.public_url(base, survey, unit.id, channel.id)) for channel in survey.channels])
             for unit in survey.units]
    return page(request, "survey.html", {
        "user": user, "survey": survey, "instrument": inst, "error": error, "problems": problems or [],
        "can_edit": user.role in surveys.MANAGERS, "links": links, "titles_error": titles_error,
        "embed": distribution.embed_snippet(links[0][1], survey.title) if links else "",
        "loop_error": loop_error, "loop": loop_values or _loop_values(survey.closed_loop),
        "has_gap": closed_loop.gap_parts(inst) is not None, "recommend": closed_loop.recommend_outcome(inst),
        "versions": versions.answered(session, survey), "saved_version": saved_version,
        "rows": rows or row_values(), "row_errors": row_errors or {},
    }, status_code=status)


def _loop_values(setting: dict | None) -> dict:
    if not setting:
        return {"enabled": "", "gap_max": "", "recommend_max": "", "complaint_comment": ""}
    return {"enabled": "on", "gap_max": "" if setting.get("gap_max") is None else f"{setting['gap_max']:g}",
            "recommend_max": "" if setting.get("recommend_max") is None else str(setting["recommend_max"]),
            "complaint_comment": "on" if setting.get("complaint_comment") else ""}


@router.get("/{survey_id}/qr/{unit_id}.{kind}")
def qr_code(request: Request, session: DB, user: CurrentUser, survey_id: Id, unit_id: Id, kind: Word,
            c: Id | None = None):
    """The QR code of a unit's link (``c``: a channel, e.g. "branch" for the counter)."""
    survey = visible_survey(session, user, survey_id)
    if kind not in ("png", "svg") or unit_id not in {u.id for u in survey.units}:
        raise HTTPException(status_code=404, detail=Msg("msg.no_qr"))
    channel = c if c in {ch.id for ch in survey.channels} else None
    url = distribution.public_url(site_url(request), survey, unit_id, channel)
    media = "image/svg+xml" if kind == "svg" else "image/png"
    return Response(distribution.qr_code(url, kind), media_type=media, headers={
        "Content-Disposition": f'attachment; filename="survey-{survey.slug}-unit-{unit_id}.{kind}"'})


@router.post("/{survey_id}/invitations")
def invitations(request: Request, session: DB, user: SurveyManager, survey_id: Id, csrf: Csrf = "",
                days: Annotated[int, Form()] = 30, file: Annotated[UploadFile | None, File()] = None,
                header_row: Annotated[Word, Form()] = "", first_row: Annotated[Word, Form()] = ""):
    """Single-use links for the invitees of an uploaded CSV, returned as a CSV to mail out;
    ``header_row`` and ``first_row``: the spreadsheet rows of its column names and first
    invitee (blank: 1 and the next)."""
    check_csrf(request, csrf)
    survey = visible_survey(session, user, survey_id)
    typed = row_values(header_row, first_row)
    try:
        rows = file_rows(header_row, first_row)
    except FieldErrors as exc:
        return _survey(request, session, user, survey_id, None, 422, list(exc.errors.values()), rows=typed,
                       row_errors=exc.errors)
    if file is None or not file.filename:
        return _survey(request, session, user, survey_id, None, 422, [Msg("msg.choose_invitees")], rows=typed)
    raw = file.file.read(MAX_INVITE_UPLOAD + 1)
    if len(raw) > MAX_INVITE_UPLOAD:
        return _survey(request, session, user, survey_id, None, 422,
                       [Msg("msg.file_too_large", file=file.filename, size=f"{MAX_INVITE_UPLOAD // 1_000_000} MB")],
                       rows=typed)
    try:
        with session.begin_nested():
            text = distribution.import_invitations(session, survey, raw, file.filename, site_url(request), days, user,
                                                   rows)
    except DataError as exc:
        return _survey(request, session, user, survey_id, None, 422, problem_list(exc), rows=typed)
    return Response(text.encode("utf-8"), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="invitations-{survey.slug}.csv"',
        "Cache-Control": "no-store"})
