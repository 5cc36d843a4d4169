"""End to end in Chromium (Playwright driving Debian's Chromium): an analyst uploads the
customer list and schedules waves, the worker opens the wave and e-mails the invitations
through a real SMTP server on the loopback, a customer answers hers on a phone, and the
reminder goes only to the customer who has not answered. Screenshots in
``SERVQ_TEST_ARTIFACTS``. Without Chromium the test is skipped, except where
``SERVQ_REQUIRE_BROWSER=1`` (CI)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from browser_helpers import one_branch_served, submit
from mail_helpers import body

from servq.store.db import make_engine, session_factory
from servq.web.settings import Settings
from servq.web.worker import Worker


@pytest.fixture
def server(tmp_path, live):
    with one_branch_served(tmp_path, "analyst@example.org", "analyst") as served:
        yield served


def test_a_scheduled_wave_is_answered_on_a_phone_and_only_the_other_customer_is_reminded(server, live, tmp_path):
    from playwright.sync_api import sync_playwright

    base, url, survey_id, inbox, port = server
    customers = tmp_path / "kunder.csv"
    customers.write_text("email,name,unit,language\nanna@example.se,Anna,Kungsgatan,sv\nbo@example.org,Bo,Kungsgatan,en\n")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=live.chromium, args=["--no-sandbox"])
        desk = browser.new_context(viewport={"width": 1200, "height": 900}).new_page()
        live.sign_in(desk, base, "analyst@example.org")
        desk.goto(f"{base}/admin/customers")
        desk.set_input_files("#customer-file", str(customers))
        submit(desk, "form[action='/admin/customers'] button[type=submit]")
        assert desk.locator("#imported").inner_text() == "2 added, 0 updated."
        desk.goto(f"{base}/admin/surveys/{survey_id}")
        submit(desk, "#schedule-link")
        desk.check("input[name=rule][value=monthly]")
        desk.fill("#per_unit", "10")
        desk.fill("#quarantine_days", "30")
        desk.fill("#remind_days", "3")
        desk.check("input[name=start_now]")
        submit(desk, "#schedule-form button[type=submit]")
        assert desk.locator("#schedule-state").inner_text().startswith("Next wave: ")
        desk.screenshot(path=str(live.artifacts / "runs-1-schedule.png"), full_page=True)

        settings = Settings(mode="production", database_url=url, secret_key="w" * 40, allowed_hosts=["127.0.0.1"],
                            smtp_host="127.0.0.1", smtp_port=port, smtp_security="none",
                            mail_from="Kundtjänst <enkat@example.se>", public_url=base)
        offset = timedelta()
        engine = make_engine(url)
        worker = Worker(settings, session_factory(engine), clock=lambda: datetime.now(UTC) + offset)
        try:
            worker.run_once()
            invitations = inbox.wait_for(2)
            assert sorted(str(m["To"]) for m in invitations) == ["Anna <anna@example.se>", "Bo <bo@example.org>"]
            anna = inbox.to("anna@example.se")[0]
            assert anna["Subject"] == "Kundundersökning: vad tyckte du om vår service?"
            link = re.search(r"(http://127\.0\.0\.1:\d+/i/[\w-]+\?lang=sv)", body(anna)).group(1)

            phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                        device_scale_factor=2, locale="sv-SE").new_page()
            phone.goto(link)
            assert phone.locator("html").get_attribute("lang") == "sv"
            for _ in range(10):
                for name in sorted(set(phone.locator("input[type=radio]").evaluate_all("els => els.map(e => e.name)"))):
                    value = "9" if name == "recommend" else "6" if name.startswith("P") else "7"
                    phone.check(f'input[name="{name}"][value="{value}"]')
                if phone.locator("#f-W_tangibles").count():
                    for dim, points in (("tangibles", 10), ("reliability", 30), ("responsiveness", 20),
                                        ("assurance", 20), ("empathy", 20)):
                        phone.fill(f"#f-W_{dim}", str(points))
                    submit(phone, "button[value=submit]")
                    break
                submit(phone, "button[value=next]")
            assert phone.locator("h1").inner_text() == "Tack!"
            phone.screenshot(path=str(live.artifacts / "runs-2-phone-thanks.png"))

            offset = timedelta(days=3, minutes=1)
            worker.run_once()
            reminders = inbox.wait_for(3)[2:]
            assert [str(m["To"]) for m in reminders] == ["Bo <bo@example.org>"]
            assert reminders[0]["Subject"] == "Reminder: Kundundersökning"

            desk.goto(f"{base}/admin/outbox")
            assert desk.locator("#outbox tbody tr").count() == 3
            desk.screenshot(path=str(live.artifacts / "runs-3-outbox.png"), full_page=True)
            desk.goto(f"{base}/admin/surveys/{survey_id}/schedule")
            assert "1" in desk.locator("#scheduled-waves tbody td.num").nth(1).inner_text()  # one answered
        finally:
            engine.dispose()
            browser.close()
