"""The respondent's pages: the public link of a survey and unit, invitation links, the
questionnaire page by page, save and resume, and the thank-you page.

No sign-in, no cookie needed, nothing personal stored (no address, no browser). These
pages may be framed by other sites (the survey can be embedded); nothing else may.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from ..instruments import Instrument
from ..store.db import transaction
from ..store.models import Draft, Invitation, Survey
from . import closed_loop, complaints, responding
from . import form as questionnaire
from .languages import LANG_NAMES, Msg, day, known, t, tn
from .names import title_in
from .pages import DB, ReadDB, sent_form, site_url, templates
from .params import FieldErrors, Id, Text, is_token, number, row_id
from .security import new_token, retry_after, submit_wait
from .surveys import instrument_of, questionnaire_of

router = APIRouter(include_in_schema=False)
Slug = Text(Survey.slug)
Key = Text(Draft.key)  # a draft's key or an invitation's token (security.new_token)


def _embeddable(request: Request) -> None:
    request.state.embeddable = True


def _message(request: Request, lang: str, which: str, status: int = 200, **kw) -> HTMLResponse:
    return templates.TemplateResponse(request, "respond_message.html", {
        "lang": lang, "title": t(lang, f"form.{which}_title"), "body": t(lang, f"form.{which}_body", **kw),
        "extra": kw.get("link")}, status_code=status)


def _survey(request: Request, session: Session, slug: str, unit_id: int) -> responding.PublicSurvey:
    survey = request.app.state.surveys.get(session, slug)
    if survey is None or unit_id not in survey.unit_ids:  # the same answer for both
        raise HTTPException(status_code=404, detail=Msg("msg.no_survey"))
    return survey


def _closed_page(request: Request, survey: Survey, lang: str) -> HTMLResponse | None:
    state = responding.survey_state(survey)
    if state == "closed":
        return _message(request, lang, "closed", 410)
    if state == "not_open":
        return _message(request, lang, "not_open", 403, date=day(lang, survey.opens_at))
    return None


@router.get("/s/{slug}/u/{unit_id}", response_class=HTMLResponse)
def public_link(request: Request, session: DB, slug: Slug, unit_id: Id, lang: str | None = None,
                c: Id | None = None):
    """A survey's public link for one unit (``c``: the channel, e.g. on a counter's QR code)."""
    _embeddable(request)
    survey = _survey(request, session, slug, unit_id)
    lang = responding.choose_language(survey, lang, request.headers.get("accept-language"))
    closed = _closed_page(request, survey, lang)
    if closed:
        return closed
    state = {"key": new_token(), "unit_id": unit_id, "channel_id": responding.channel_for(survey, c),
             "page": 0, "answers": {}, "comment": ""}
    return _form(request, survey, lang, state, {})


@router.get("/i/{token}", response_class=HTMLResponse)
def invitation_link(request: Request, session: ReadDB, token: Key, lang: str | None = None):
    """A single-use invitation: continues the invitee's draft if there is one."""
    _embeddable(request)
    found = responding.open_invitation(session, token)
    if found is None:
        return _message(request, known(lang), "invalid_link", 404)
    inv, survey = found
    lang = responding.choose_language(survey, lang or inv.language, request.headers.get("accept-language"))
    closed = _closed_page(request, survey, lang)
    if closed:
        return closed
    invitation_id = inv.id
    session.rollback()  # a GET that writes: in a write transaction of its own
    with transaction(request.app.state.sessions) as write:
        draft = responding.draft_for_invitation(write, write.get(Invitation, invitation_id), lang)
        key, page = draft.key, draft.page
    return RedirectResponse(f"/r/{key}?page={page}&lang={lang}", status_code=303)


@router.get("/r/{key}", response_class=HTMLResponse)
def resume(request: Request, session: DB, key: Key, page: int | None = None, lang: str | None = None):
    """Continue a saved questionnaire at ``page`` (default: where it was saved)."""
    _embeddable(request)
    draft = responding.get_draft(session, key)
    if draft is None:
        if responding.is_submitted(session, key):
            return _message(request, known(lang), "thanks")
        return _message(request, known(lang), "invalid_link", 404)
    survey = session.get(Survey, draft.survey_id)
    lang = responding.choose_language(survey, lang or draft.language, None)
    closed = _closed_page(request, survey, lang)
    if closed:
        return closed
    pages = questionnaire_of(survey, lang)
    state = {"key": key, "unit_id": draft.unit_id, "channel_id": draft.channel_id,
             "page": max(0, min(draft.page if page is None else page, len(pages) - 1)), "answers": draft.answers,
             "comment": draft.comment}
    return _form(request, survey, lang, state, {})


@router.post("/s/{slug}/u/{unit_id}", response_class=HTMLResponse)
async def answer(request: Request, slug: Slug, unit_id: Id):
    """One page's answers: checked, saved in the draft, then the next page, the previous
    page, the save-and-resume link or (last page) the submission.

    The checks run here; the write (draft or response) is handed to the process's group
    writer (writer.py) and answered once committed. Nothing here waits on the database in
    the event loop: a survey not in the cache and a page with errors (which shows the draft
    again) are read in a thread."""
    _embeddable(request)
    sent = await sent_form(request)
    key, action, lang, channel_id = (sent.get(k, d) for k, d in (("key", ""), ("action", "next"), ("lang", "en"),
                                                                   ("channel_id", "")))
    page = number(sent.get("page", ""))
    if page is None:
        raise FieldErrors({"page": "must be a page number"})
    wait = submit_wait(request)
    if wait:
        busy = _message(request, known(lang), "too_many", 429)
        busy.headers.update(retry_after(wait))
        return busy
    survey = request.app.state.surveys.peek(slug)
    if survey is responding.SurveyCache.MISS:
        survey = await run_in_threadpool(_read_survey, request, slug)
    if survey is None or unit_id not in survey.unit_ids or not is_token(key):
        raise HTTPException(status_code=404, detail=Msg("msg.no_survey"))
    lang = responding.choose_language(survey, lang, None)
    closed = _closed_page(request, survey, lang)
    if closed:
        return closed
    pages = questionnaire_of(survey, lang)
    if not 0 <= page < len(pages):
        raise HTTPException(status_code=422, detail=Msg("msg.no_page"))
    submit = action == "submit" and page == len(pages) - 1
    # the submission takes the answers of every page it carries (a client may send them all
    # at once); any other action those of its own page
    answers, errors = {}, {}
    for index in range(len(pages)) if submit else [page]:
        found, wrong = questionnaire.check_page(pages[index], sent, lang)
        answers.update(found)
        if wrong and not errors:
            page, errors = index, wrong
    comment = None
    if pages[-1].comment and (submit or page == len(pages) - 1):
        comment, comment_errors = questionnaire.check_comment(sent.get("comment", ""), lang)
        errors.update(comment_errors)
    loop = None
    if submit and survey.closed_loop:  # the consent and contact of the closed loop (closed_loop.py)
        contact, contact_errors = complaints.check_contact_form(sent, "contact_", lang)
        if contact_errors and (not errors or page == len(pages) - 1):
            page = len(pages) - 1
            errors.update(contact_errors)
        if not errors:
            classified = await run_in_threadpool(complaints.classify_complaint, comment) \
                if comment and survey.closed_loop.get("complaint_comment") and contact is not None else None
            loop = closed_loop.LoopRequest(contact, classified)
    if errors and action != "back":
        return await run_in_threadpool(_form_with_errors, request, survey, lang, key, unit_id, page, sent, errors)
    channel = responding.channel_for(survey, row_id(channel_id))
    target = max(0, min({"back": page - 1, "save": page}.get(action, page + 1), len(pages) - 1))
    job = responding.submission(key, survey, unit_id, channel, lang, answers, comment or "", loop) if submit else \
        responding.page_save(key, survey, unit_id, channel, lang, target, answers, comment)
    outcome = await request.app.state.writer.run(job)
    if outcome == responding.MISMATCH:
        raise HTTPException(status_code=404, detail=Msg("msg.no_survey"))
    if outcome in (responding.STORED, responding.DONE_BEFORE):
        return RedirectResponse(f"/thanks?lang={lang}", status_code=303)
    if action == "save":
        link = f"{site_url(request)}/r/{key}"
        return _message(request, lang, "saved", link=link, days=tn(lang, "form.days", responding.DRAFT_DAYS))
    return RedirectResponse(f"/r/{key}?page={target}&lang={lang}", status_code=303)


def _read_survey(request: Request, slug: str) -> responding.PublicSurvey | None:
    with request.app.state.read_sessions() as session:
        return request.app.state.surveys.get(session, slug)


def _form_with_errors(request: Request, survey: responding.PublicSurvey, lang: str, key: str, unit_id: int, page: int,
                      sent: dict, errors: dict) -> HTMLResponse:
    """The page again with what was sent and its errors (over the draft's answers)."""
    with request.app.state.read_sessions() as session:
        draft = responding.get_draft(session, key)
        if draft is not None and (draft.survey_id, draft.unit_id) != (survey.id, unit_id):
            raise HTTPException(status_code=404, detail=Msg("msg.no_survey"))
        channel = draft.channel_id if draft else responding.channel_for(
            survey, row_id(sent.get("channel_id", "")))
        pages = questionnaire_of(survey, lang)
        state = {"key": key, "unit_id": unit_id, "channel_id": channel, "page": page,
                 "answers": {**(draft.answers if draft else {}), **_raw(pages[page], sent)},
                 "comment": sent.get("comment", ""),
                 "contact": {k: sent.get(f"contact_{k}", "") for k in ("name", "email", "phone", "consent")}}
    return _form(request, survey, lang, state, errors, status=422)


@router.get("/thanks", response_class=HTMLResponse)
def thanks(request: Request, lang: str = "en"):
    _embeddable(request)
    return _message(request, known(lang), "thanks")


def _raw(page: questionnaire.Page, sent: dict) -> dict:
    """What was sent for ``page``'s fields, as sent (to show it again next to its error)."""
    names = [f.name for f in page.fields] + [name for name, _ in page.allocation]
    return {n: sent[n] for n in names if sent.get(n, "").strip()}


def _form(request: Request, survey: Survey, lang: str, state: dict, errors: dict, status: int = 200):
    base = str(request.url.path)
    switch = [(code, LANG_NAMES[code], f"{base}?lang={code}" + (
        f"&page={state['page']}" if base.startswith("/r/") else "")) for code in survey.languages]
    return form_page(request, survey, instrument_of(survey), questionnaire_of(survey, lang), lang, state, errors,
                     switch, f"/s/{survey.slug}/u/{state['unit_id']}", status)


def form_page(request: Request, survey, inst: Instrument, pages: list[questionnaire.Page], lang: str, state: dict,
              errors: dict, switch: list, action: str, status: int = 200, preview: bool = False) -> HTMLResponse:
    """A page of the questionnaire (``preview``: the editor's, whose buttons send nothing)."""
    page = pages[state["page"]]
    shown = page.shown(state["answers"])
    return templates.TemplateResponse(request, "respond.html", {
        "lang": lang, "t": lambda key, **kw: t(lang, key, **kw), "survey": survey, "title": title_in(lang, survey),
        "page": shown, "none_apply": bool(page.items) and not shown.items,
        "page_index": state["page"], "page_count": len(pages),
        "state": state, "errors": errors, "answers": {k: str(v) for k, v in state["answers"].items()},
        "switch": switch, "action": action, "preview": preview,
        "question": {p.value: text.get(lang) for p, text in inst.part_questions.items()},
    }, status_code=status)
