"""The survey editor end to end in Chromium: an analyst builds a two-dimension
questionnaire, watches the phone preview follow the typing, saves it as a survey, and a
customer answers the survey on a phone. Screenshots go to ``SERVQ_TEST_ARTIFACTS``."""

from __future__ import annotations

import pytest
from browser_helpers import submit
from sqlalchemy import select
from web_helpers import PASSWORD

from servq.instruments import parse_instrument
from servq.store.db import make_engine, session_factory, transaction, upgrade
from servq.store.models import Response, Survey
from servq.web import accounts, org


@pytest.fixture
def server(tmp_path, live):
    url = f"sqlite:///{tmp_path / 'servq.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with transaction(session_factory(engine)) as s:
        org.add_unit(s, "Kungsgatan", "branch", None, None)
        accounts.create_user(s, "analyst@example.org", PASSWORD, "analyst")
    with live.serving(url) as base:
        yield base, engine
    engine.dispose()


def test_build_preview_save_and_answer_on_a_phone(server, live):
    from playwright.sync_api import expect, sync_playwright

    base, engine = server
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=live.chromium, args=["--no-sandbox"])
        desk = browser.new_context(viewport={"width": 1280, "height": 900})
        page = desk.new_page()
        live.sign_in(page, base, "analyst@example.org")
        page.goto(f"{base}/admin/editor")
        page.fill("#id", "branch_visit")
        page.fill('[id="name.en"]', "Branch visit")
        page.fill('[id="scale.min"]', "1")
        page.fill('[id="scale.max"]', "5")
        page.fill('[id="d0.id"]', "staff")
        page.fill('[id="d0.label.en"]', "Staff")
        page.fill('[id="d0.i0.text.en"]', "The staff were kind")
        preview = page.frame_locator("#preview")
        expect(preview.locator("h2.statement")).to_have_text("1. The staff were kind", timeout=10_000)
        page.fill('[id="d0.i0.text.en"]', "The staff were <b>very</b> kind")  # shown as typed, as text
        expect(preview.locator("h2.statement")).to_have_text("1. The staff were <b>very</b> kind", timeout=10_000)
        expect(preview.locator('input[name="P1"]')).to_have_count(5)

        submit(page, "button[value=add_dimension]")  # the form is sent; the page comes back with dimension 2
        page.fill('[id="d1.id"]', "waiting")
        page.fill('[id="d1.label.en"]', "Waiting")
        page.fill('[id="d1.i0.text.en"]', "The wait was short")
        page.fill("#preview_page", "1")
        expect(preview.locator("h2.statement")).to_have_text("2. The wait was short", timeout=10_000)
        page.screenshot(path=str(live.artifacts / "editor-1-preview.png"), full_page=True)

        submit(page, "button[value=save]")
        expect(page.locator("#built-instrument")).to_contain_text("Branch visit")
        page.select_option("#unit_ids", label="Kungsgatan")
        submit(page, "form.stack button[type=submit]")
        expect(page.locator("#links")).to_be_visible()
        link = page.locator("#links a[href*='/s/']").first.get_attribute("href")
        page.screenshot(path=str(live.artifacts / "editor-2-survey.png"), full_page=True)

        phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                    device_scale_factor=2, locale="en-GB")
        answer = phone.new_page()
        answer.goto(link if link.startswith("http") else base + link)
        expect(answer.locator("h2.statement")).to_have_text("1. The staff were <b>very</b> kind")
        answer.screenshot(path=str(live.artifacts / "editor-3-phone.png"), full_page=True)
        answer.check('input[name="P1"][value="4"]')
        submit(answer, "button[value=next]")
        answer.check('input[name="P2"][value="2"]')
        submit(answer, "button[value=next]")
        submit(answer, "button[value=submit]")
        expect(answer.locator("h1")).to_have_text("Thank you!")
        browser.close()
    with session_factory(engine)() as s:
        survey = s.scalar(select(Survey))
        assert parse_instrument(survey.instrument_yaml).items[0].text.en == "The staff were <b>very</b> kind"
        assert [(r.answers, r.instrument_version) for r in s.scalars(select(Response))] == [({"P1": 4, "P2": 2}, 1)]
