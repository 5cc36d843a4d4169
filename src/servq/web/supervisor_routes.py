"""A customer supervisor's own pages (docs/supervisors.md): signing up through the link of
their invitation, their points and evaluations, and the evaluation of a visit or errand —
the survey's questionnaire (form.py, checked as a respondent's), free text and photos.

``/supervise`` is theirs alone (edge.AuthGate): no other role sees it, and they see
nothing else of the administration."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from ..errors import UsageError
from ..store.db import transaction
from ..store.models import Supervisor, SupervisorEvaluation, User
from . import accounts, photos, responding, supervisors
from . import form as questionnaire
from .edge import SUPERVISE
from .languages import Msg, reason, say, t
from .pages import DB, Csrf, ReadDB, SupervisorUser, page, parsed_form
from .params import Id, Text, Word, is_token, row_id
from .security import check_csrf, new_token, retry_after, submit_wait
from .surveys import instrument_of, questionnaire_of

router = APIRouter(include_in_schema=False)
Token = Text(64)


def _now() -> datetime:
    return datetime.now(UTC)


# --------------------------------------------------------------------------- sign-up


@router.get("/join/{token}", response_class=HTMLResponse)
def join_page(request: Request, session: ReadDB, token: Token):
    """The sign-up page of an invitation: the supervisor chooses their password."""
    found = supervisors.open_signup(session, token, _now()) if is_token(token) else None
    return page(request, "supervisor_join.html", {"person": found.user if found else None, "token": token,
                                                  "error": None if found else Msg("supervisors.join.invalid"),
                                                  "min_password": accounts.MIN_PASSWORD_LENGTH},
                status_code=200 if found else 404)


@router.post("/join/{token}", response_class=HTMLResponse)
def join(request: Request, session: DB, token: Token, csrf: Csrf = "",
         password: Annotated[str, Form(max_length=1000)] = "", repeat: Annotated[str, Form(max_length=1000)] = ""):
    """Set the password (the link is then used up) and sign in."""
    check_csrf(request, csrf)
    wait = submit_wait(request)
    if wait:
        raise HTTPException(status_code=429, detail=Msg("msg.login_wait"), headers=retry_after(wait))
    now = _now()
    try:
        with session.begin_nested():
            user = supervisors.join(session, token if is_token(token) else "", password, repeat, now)
            sid = accounts.start_session(session, user.id, password, request.app.state.settings.session_hours, now)
    except UsageError as exc:
        found = supervisors.open_signup(session, token, now) if is_token(token) else None
        return page(request, "supervisor_join.html", {"person": found.user if found else None, "token": token,
                                                      "error": reason(exc), "min_password": accounts.MIN_PASSWORD_LENGTH},
                    status_code=422 if found else 404)
    request.session.clear()
    request.session.update({"sid": sid, "role": user.role})
    return RedirectResponse(SUPERVISE, status_code=303)


# --------------------------------------------------------------------------- their points and evaluations


def _mine(session: Session, user: User) -> Supervisor:
    found = supervisors.of_user(session, user.id)
    if found is None:  # a supervisor's user without its row cannot be made; refuse rather than guess
        raise HTTPException(status_code=403, detail=Msg("msg.role_forbidden"))
    return found


def _home(request: Request, session: Session, user: User, error=None, status: int = 200, done: bool = False,
          chosen: dict | None = None) -> HTMLResponse:
    me = _mine(session, user)
    entries = supervisors.history(session, me.id)
    return page(request, "supervisor_home.html", {
        "user": user, "me": me, "balance": sum(e.points for e in entries), "entries": entries,
        "evaluations": [supervisors.evaluation_view(session, e) for e in supervisors.evaluations(session, me.id)],
        "choices": supervisors.evaluable(session, me, _now()), "today": _now().date().isoformat(),
        "error": error, "done": done, "chosen": chosen or {}}, status_code=status)


@router.get(SUPERVISE, response_class=HTMLResponse)
def home(request: Request, session: ReadDB, user: SupervisorUser, done: Word = ""):
    return _home(request, session, user, done=done == "1")


@router.get(f"{SUPERVISE}/evaluations/{{evaluation_id}}", response_class=HTMLResponse)
def own_evaluation(request: Request, session: ReadDB, user: SupervisorUser, evaluation_id: Id):
    """One of their own evaluations (another's is not found, the same answer as none)."""
    found = session.get(SupervisorEvaluation, evaluation_id)
    if found is None or found.supervisor_id != _mine(session, user).id:
        raise HTTPException(status_code=404, detail=Msg("supervisors.error.no_evaluation"))
    return page(request, "supervisor_evaluation.html", {"user": user, "view": supervisors.evaluation_view(session, found)})


# --------------------------------------------------------------------------- evaluating a visit


@router.get(f"{SUPERVISE}/evaluate", response_class=HTMLResponse)
def evaluate_page(request: Request, session: ReadDB, user: SupervisorUser, survey: Word = "", unit: Word = "",
                  visit: Word = ""):
    """The questionnaire of the chosen survey for the chosen unit and day of the visit."""
    chosen = {"survey": survey, "unit": unit, "visit": visit}
    try:
        found = supervisors.check_visit(session, _mine(session, user), row_id(survey), row_id(unit), visit, _now())
    except UsageError as exc:
        return _home(request, session, user, reason(exc), 422, chosen=chosen)
    return _form(request, user, found, new_token(), {}, {}, "")


def _form(request: Request, user: User, visit: supervisors.Visit, key: str, answers: dict, errors: dict, comment: str,
          status: int = 200) -> HTMLResponse:
    lang = responding.choose_language(visit.survey, user.language, request.headers.get("accept-language"))
    settings = request.app.state.settings
    return page(request, "supervisor_evaluate.html", {
        "user": user, "visit": visit, "form_lang": lang,
        "pages": questionnaire_of(visit.survey, lang), "key": key, "answers": answers, "errors": errors,
        "comment": comment, "max_photos": settings.supervisor_photos, "photo_kb": settings.supervisor_photo_kb,
        "question": {p.value: text.get(lang) for p, text in instrument_of(visit.survey).part_questions.items()},
        "max_comment": questionnaire.MAX_COMMENT}, status_code=status)


@router.post(f"{SUPERVISE}/evaluate", response_class=HTMLResponse)
async def evaluate(request: Request, user: SupervisorUser,
                   photo: Annotated[list[UploadFile], File()] = []):  # noqa: B006 (FastAPI copies the default)
    """An evaluation: the answers checked as a respondent's, the photos by their content and
    size; stored (exactly once per form) only when all of it is right."""
    sent = await parsed_form(request)
    check_csrf(request, sent.get("csrf_token"))
    settings = request.app.state.settings
    limit = settings.supervisor_photo_kb * 1024
    chosen = [f for f in photo if f.filename or f.size]
    uploads = [(f.filename or "photo", await f.read(limit + 1)) for f in chosen[:settings.supervisor_photos + 1]]
    return await run_in_threadpool(_evaluate, request, user, sent, uploads)


def _evaluate(request: Request, user: User, sent: dict, uploads: list[tuple[str, bytes]]):
    settings = request.app.state.settings
    key = sent.get("key", "")
    if not is_token(key):
        raise HTTPException(status_code=422, detail=Msg("supervisors.error.form"))
    errors: dict[str, str] = {}
    cleaned: list[photos.Photo] = []
    if len(uploads) > settings.supervisor_photos:
        errors["photo"] = Msg("supervisors.photo.too_many", max=settings.supervisor_photos)
    else:
        for name, data in uploads:
            try:
                cleaned.append(photos.clean_photo(data, name, settings.supervisor_photo_kb * 1024))
            except UsageError as exc:
                errors["photo"] = reason(exc)
                break
    args = (row_id(sent.get("survey", "")), row_id(sent.get("unit", "")), sent.get("visit", ""))
    with request.app.state.read_sessions() as session:
        try:
            visit = supervisors.check_visit(session, _mine(session, user), *args, _now())
        except UsageError as exc:
            return _home(request, session, user, reason(exc), 422)
        lang = responding.choose_language(visit.survey, user.language, None)
        answers: dict[str, int] = {}
        for one in questionnaire_of(visit.survey, lang):
            found, wrong = questionnaire.check_page(one, sent, lang)
            answers.update(found)
            errors.update(wrong)
        comment, wrong = questionnaire.check_comment(sent.get("comment", ""), lang)
        errors.update(wrong)
        if not answers and not errors:
            errors["answers"] = t(lang, "supervisors.evaluate.no_answers")
        if errors:
            shown = {k: v for k, v in sent.items() if k not in ("csrf_token", "key", "comment")}
            return _form(request, user, visit, key, shown, {k: say(lang, v) for k, v in errors.items()},
                         sent.get("comment", ""), 422)
    try:
        with transaction(request.app.state.sessions) as session:
            me = _mine(session, user)
            visit = supervisors.check_visit(session, me, *args, _now())  # again: the survey may have closed since
            supervisors.record(session, me, key, visit, lang, answers, comment, cleaned, _now())
    except UsageError as exc:
        with request.app.state.read_sessions() as session:
            return _home(request, session, user, reason(exc), 422)
    return RedirectResponse(f"{SUPERVISE}?done=1", status_code=303)
