"""End to end in Chromium (Playwright driving Debian's Chromium): an administrator invites a
customer as a service-quality supervisor, the worker e-mails the invitation through a real
SMTP server on the loopback, and on a phone the supervisor sets a password, evaluates a
visit with a photo and sees the points. Screenshots in ``SERVQ_TEST_ARTIFACTS``. Without
Chromium the test is skipped, except where ``SERVQ_REQUIRE_BROWSER=1`` (CI)."""

from __future__ import annotations

import io
import re

import pytest
from browser_helpers import one_branch_served, submit
from mail_helpers import body
from PIL import Image
from sqlalchemy import select
from web_helpers import PASSWORD

from servq.store.db import make_engine, session_factory
from servq.store.models import Channel, Response, SupervisorPhoto
from servq.web import supervisors
from servq.web.settings import Settings
from servq.web.worker import Worker


@pytest.fixture
def server(tmp_path, live):
    with one_branch_served(tmp_path, "admin@example.org", "administrator") as served:
        yield served


def test_a_supervisor_signs_up_and_evaluates_a_visit_with_a_photo_on_a_phone(server, live, tmp_path):
    from playwright.sync_api import sync_playwright

    base, url, _survey_id, inbox, port = server
    photo = tmp_path / "disken.jpg"
    Image.new("RGB", (800, 600), (180, 150, 90)).save(photo, format="JPEG")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=live.chromium, args=["--no-sandbox"])
        desk = browser.new_context(viewport={"width": 1200, "height": 900}).new_page()
        live.sign_in(desk, base, "admin@example.org")
        desk.goto(f"{base}/admin/supervisors")
        desk.fill("#name", "Sara Lind")
        desk.fill("#email", "sara@example.se")
        desk.select_option("#language", "sv")
        desk.check("input[name=unit_ids]")
        submit(desk, "form[action='/admin/supervisors'] button[type=submit]")
        assert desk.locator("#done").inner_text() == "The invitation is in the e-mail outbox; the worker sends it."

        settings = Settings(mode="production", database_url=url, secret_key="k" * 40, allowed_hosts=["127.0.0.1"],
                            smtp_host="127.0.0.1", smtp_port=port, smtp_security="none",
                            mail_from="Kundtjänst <service@example.se>", public_url=base)
        engine = make_engine(url)
        try:
            Worker(settings, session_factory(engine)).run_once()
            message = inbox.wait_for(1)[0]
            assert message["Subject"] == "Din inbjudan som kundövervakare"
            link = re.search(r"(http://127\.0\.0\.1:\d+/join/[\w-]+)", body(message)).group(1)

            phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True).new_page()
            phone.goto(link)
            phone.fill("#password", PASSWORD)
            phone.fill("#repeat", PASSWORD)
            submit(phone, "form button[type=submit]")
            phone.wait_for_url(re.compile(r".*/supervise$"))
            assert phone.locator("h1").inner_text() == "Mina utvärderingar"
            phone.screenshot(path=str(live.artifacts / "supervisor-1-home.png"), full_page=True)
            submit(phone, "form[action='/supervise/evaluate'] button[type=submit]")
            for fieldset in phone.locator("fieldset.choices").all():
                fieldset.locator("label.point").nth(5).click()
            phone.fill("#comment", "Snabb hjälp vid disken, men skylten var trasig.")
            phone.set_input_files("#photo", str(photo))
            phone.screenshot(path=str(live.artifacts / "supervisor-2-form.png"))
            submit(phone, "form[action='/supervise/evaluate'] button[type=submit]")
            phone.wait_for_url(re.compile(r".*/supervise\?done=1$"))
            assert phone.locator("#done").is_visible() and phone.locator("#balance").inner_text() == "15"
            phone.screenshot(path=str(live.artifacts / "supervisor-3-thanks.png"), full_page=True)
            with session_factory(engine)() as s:
                response = s.scalar(select(Response))
                assert s.get(Channel, response.channel_id).name == supervisors.CHANNEL
                assert response.answers["P1"] == 6 and response.comment.startswith("Snabb hjälp")
                stored = s.scalar(select(SupervisorPhoto))
                with Image.open(io.BytesIO(stored.data)) as image:
                    assert image.size == (800, 600) and stored.content_type == "image/jpeg"
        finally:
            engine.dispose()
        browser.close()
