"""The open platform's pages: a survey's public scores (``/public/<slug>``, its JSON, and an
``?embed=1`` layout for other sites' frames), without sign-in, in English, Swedish and
Chinese; and the administrator's setting that publishes them (off by default).

The public page may be framed by any site (the only page besides the respondent's forms);
it may also be kept by caches for a minute, as servq keeps it (public.py). Its links lead
to the survey's public form of each unit and to the unit's complaint form, which limit
their posts per address as always.
"""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from ..store.models import Survey
from . import public
from .distribution import embed_snippet
from .languages import LANG_NAMES, LANGUAGES, Msg, known, negotiate
from .pages import DB, Administrator, Csrf, ReadDB, page, site_url, templates, texts, visible_survey
from .params import Id, Text, Word
from .security import check_csrf

router = APIRouter(include_in_schema=False)
Slug = Text(Survey.slug)
CACHING = {"Cache-Control": f"public, max-age={int(public.CACHE_SECONDS)}"}


def _board(request: Request, session: Session, slug: str, lang: str) -> public.Board:
    state = request.app.state

    def make() -> public.Board | None:
        survey = public.published_survey(session, slug)
        return None if survey is None else public.board(state.tallies, session, survey, lang, state.clock())

    found = state.public_boards.get(slug, lang, make)
    if found is None:  # the same answer for a survey that is not published and for none
        raise HTTPException(status_code=404, detail=Msg("msg.no_survey"))
    return found


def _lang(request: Request, asked: str | None) -> str:
    return asked if asked in LANGUAGES else negotiate(request.headers.get("accept-language"))


@router.get("/public/{slug}.json")
def public_json(request: Request, session: ReadDB, slug: Slug, lang: Word | None = None):
    """The public scores as JSON (any site may read them: ``Access-Control-Allow-Origin: *``)."""
    board = _board(request, session, slug, _lang(request, lang))
    return Response(json.dumps(board.to_json(), ensure_ascii=False).encode(), media_type="application/json",
                    headers={**CACHING, "Access-Control-Allow-Origin": "*"})


@router.get("/public/{slug}", response_class=HTMLResponse)
def public_page(request: Request, session: ReadDB, slug: Slug, lang: Word | None = None, embed: bool = False):
    """The public scores of each unit; ``embed``: the layout for a frame (links open a new tab)."""
    request.state.embeddable = True
    lang = _lang(request, lang)
    board = _board(request, session, slug, lang)
    extra = "&embed=1" if embed else ""
    switch = [(code, LANG_NAMES[code], f"/public/{slug}?lang={code}{extra}") for code in LANGUAGES]
    return templates.TemplateResponse(request, "public_scores.html", {
        **texts(lang), "board": board, "embed": embed, "switch": switch}, headers=CACHING)


# --------------------------------------------------------------------------- the administrator's setting


@router.get("/admin/surveys/{survey_id}/public", response_class=HTMLResponse)
def setting_page(request: Request, session: DB, user: Administrator, survey_id: Id):
    survey = visible_survey(session, user, survey_id)
    url = f"{site_url(request)}/public/{survey.slug}"
    return page(request, "public_setting.html", {
        "user": user, "survey": survey, "published": public.is_public(session, survey.id), "url": url,
        "embed": embed_snippet(f"{url}?embed=1&lang={known(user.language)}", survey.title)})


@router.post("/admin/surveys/{survey_id}/public")
def save_setting(request: Request, session: DB, user: Administrator, survey_id: Id, csrf: Csrf = "",
                 publish: Annotated[Word, Form()] = ""):
    check_csrf(request, csrf)
    survey = visible_survey(session, user, survey_id)
    public.publish(session, survey, publish == "on", user, request.app.state.clock())
    session.commit()  # before the page is forgotten: a page made meanwhile must see the change
    request.app.state.public_boards.forget(survey.slug)
    return RedirectResponse(f"/admin/surveys/{survey_id}/public", status_code=303)
