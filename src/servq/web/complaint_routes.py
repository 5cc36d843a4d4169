"""The public complaint form: one link per unit, ``/c/<unit id>`` (a top unit's link serves
the whole organisation), in English, Swedish and Chinese.

Like the survey form: no sign-in, no cookie, nothing personal stored unless the customer
gives contact details and ticks the consent box (then only in ``complaint_contacts``), no
address or browser stored, rate limited per address in memory, no inline script, the
checks on the server with the message next to the field, and exactly once: the form
carries a random key and the complaint is stored under it (unique) by the process's group
writer, so a double click or a retried post stores one complaint.
"""

from __future__ import annotations

from types import SimpleNamespace

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from ..store.models import Channel, Unit
from . import complaints, responding
from .languages import LANG_NAMES, LANGUAGES, Msg, t, tn
from .names import name_in
from .pages import DB, sent_form, templates
from .params import FieldErrors, Id, is_token, row_id
from .security import new_token, retry_after, submit_wait

router = APIRouter(include_in_schema=False)
_LANGS = SimpleNamespace(languages=LANGUAGES)


def _lang(asked: str | None, accept: str | None = None) -> str:
    return responding.choose_language(_LANGS, asked, accept)


def _message(request: Request, lang: str, which: str, status: int = 200) -> HTMLResponse:
    return templates.TemplateResponse(request, "respond_message.html", {
        "lang": lang, "title": t(lang, f"complaint.{which}_title"), "body": t(lang, f"complaint.{which}_body"),
        "extra": None}, status_code=status)


@router.get("/c/thanks", response_class=HTMLResponse)
def complaint_thanks(request: Request, lang: str = "en"):
    request.state.embeddable = True
    return _message(request, _lang(lang), "thanks")


@router.get("/c/{unit_id}", response_class=HTMLResponse)
def complaint_form(request: Request, session: DB, unit_id: Id, lang: str | None = None, c: Id | None = None):
    """The complaint form of a unit (``c``: a channel chosen in advance, e.g. on a QR code)."""
    request.state.embeddable = True
    unit, channels = _unit(session, unit_id)
    lang = _lang(lang, request.headers.get("accept-language"))
    values = {"key": new_token(), "channel_id": str(c) if c in {ch.id for ch in channels} else ""}
    return _form(request, unit, channels, lang, values, {})


@router.post("/c/{unit_id}", response_class=HTMLResponse)
async def send_complaint(request: Request, unit_id: Id):
    """Check the form, then store the complaint (classified, with its SLA due times) through
    the group writer; a form with mistakes comes back with each message next to its field."""
    request.state.embeddable = True
    sent = await sent_form(request)
    lang = _lang(sent.get("lang"))
    wait = submit_wait(request)
    if wait:
        busy = _message(request, lang, "too_many", 429)
        busy.headers.update(retry_after(wait))
        return busy
    if not is_token(sent.get("key", "")):
        raise FieldErrors({"key": "the form's key is missing or malformed; reload the form"})
    prepared = await run_in_threadpool(_prepare, request, unit_id, sent, lang)
    if isinstance(prepared, HTMLResponse):
        return prepared
    row, contact = prepared
    await request.app.state.writer.run(lambda session: complaints.store(session, row, contact))
    return RedirectResponse(f"/c/thanks?lang={lang}", status_code=303)


def _prepare(request: Request, unit_id: int, sent: dict, lang: str):
    """(the complaints row, the contact) of a valid form, else the form again with its errors
    (a read-only transaction: the write is the group writer's)."""
    with request.app.state.read_sessions() as session:
        unit, channels = _unit(session, unit_id)
        errors: dict[str, str] = {}
        text = sent.get("text", "").strip()
        if not text:
            errors["text"] = t(lang, "complaint.error.text_required")
        elif len(text) > complaints.MAX_TEXT:
            errors["text"] = t(lang, "complaint.error.too_long", max=complaints.MAX_TEXT)
        product = sent.get("product", "").strip()
        if len(product) > complaints.MAX_PRODUCT:
            errors["product"] = t(lang, "complaint.error.too_long", max=complaints.MAX_PRODUCT)
        channel_text = sent.get("channel_id", "").strip()
        channel_id = row_id(channel_text)
        if channel_text and channel_id not in {c.id for c in channels}:
            errors["channel_id"] = t(lang, "complaint.error.channel")
        contact, contact_errors = complaints.check_contact_form(sent, "", lang)
        errors.update(contact_errors)
        if errors:
            return _form(request, unit, channels, lang, sent, errors, status=422)
        new = complaints.NewComplaint(key=sent["key"], unit_id=unit.id, text=text, source="form",
                                      received_at=request.app.state.clock(), channel_id=channel_id,
                                      product=product, language=lang, contact=contact)
        row = complaints.complaint_row(new, complaints.classify_complaint(text), complaints.load_policies(session),
                                       None, complaints.salt(session))
        return row, contact


def _unit(session, unit_id: int) -> tuple[Unit, list[Channel]]:
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise HTTPException(status_code=404, detail=Msg("msg.no_complaint_form"))
    return unit, list(session.scalars(select(Channel).order_by(Channel.name)))


def _form(request: Request, unit: Unit, channels: list[Channel], lang: str, values: dict, errors: dict,
          status: int = 200) -> HTMLResponse:
    base = f"/c/{unit.id}"
    switch = [(code, LANG_NAMES[code], f"{base}?lang={code}") for code in LANGUAGES]
    return templates.TemplateResponse(request, "complaint_form.html", {
        "lang": lang, "t": lambda key, **kw: t(lang, key, **kw), "unit": unit, "unit_name": name_in(lang, unit),
        "channels": [(c.id, name_in(lang, c)) for c in channels], "values": values, "errors": errors,
        "switch": switch, "action": base, "max_text": complaints.MAX_TEXT,
        "days": tn(lang, "form.days", request.app.state.settings.contact_retention_days),
    }, status_code=status)
