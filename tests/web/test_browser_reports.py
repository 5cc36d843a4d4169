"""End to end in Chromium (Playwright driving Debian's Chromium): an analyst sets a
survey's reports to managers, a wave closes, the worker e-mails the unit manager through a
real SMTP server on the loopback, the manager follows the link, signs in and reads the
report of their unit, and the administrator sees the delivery in the log. Screenshots in
``SERVQ_TEST_ARTIFACTS``. Without Chromium the test is skipped, except where
``SERVQ_REQUIRE_BROWSER=1`` (CI)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from browser_helpers import submit
from mail_helpers import body, smtp_server
from web_helpers import PASSWORD

from servq.store.db import make_engine, session_factory, transaction, upgrade
from servq.store.models import Response, Wave
from servq.web import accounts, org, surveys
from servq.web.security import new_token
from servq.web.settings import Settings
from servq.web.worker import Worker


@pytest.fixture
def server(tmp_path, live):
    url = f"sqlite:///{tmp_path / 'servq.db'}"
    engine = make_engine(url)
    upgrade(engine)
    now = datetime.now(UTC)
    with transaction(session_factory(engine)) as s:
        kungs = org.add_unit(s, "Kungsgatan", "branch", None, None)
        stor = org.add_unit(s, "Storgatan", "branch", None, None)
        accounts.create_user(s, "admin@example.org", PASSWORD, "administrator")
        analyst = accounts.create_user(s, "analyst@example.org", PASSWORD, "analyst")
        accounts.create_user(s, "kungsgatan@example.org", PASSWORD, "unit_manager", unit_id=kungs.id, name="Karin")
        survey = surveys.create_survey(s, surveys.SurveyForm(
            title="Kundundersökning", instrument="servqual", languages=["sv", "en"],
            unit_ids=[str(kungs.id), str(stor.id)]), analyst)
        starts = now - timedelta(days=5)
        s.add(Wave(survey=survey, name="Vecka 49", starts_at=starts, ends_at=now + timedelta(minutes=5)))
        for i in range(12):
            s.add(Response(key=new_token(), survey_id=survey.id, unit_id=(kungs if i % 2 else stor).id, language="sv",
                           answers={**{f"E{k}": 6 for k in range(1, 23)}, **{f"P{k}": 3 + i % 4 for k in range(1, 23)}},
                           submitted_at=starts + timedelta(hours=i + 1)))
        survey_id = survey.id
    engine.dispose()
    controller, inbox = smtp_server()
    with live.serving(url) as base:
        yield base, url, survey_id, inbox, controller.port
    controller.stop()


def test_the_manager_follows_the_link_signs_in_and_reads_the_report_of_their_unit(server, live):
    from playwright.sync_api import sync_playwright

    base, url, survey_id, inbox, port = server
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=live.chromium, args=["--no-sandbox"])
        desk = browser.new_context(viewport={"width": 1200, "height": 900}).new_page()
        live.sign_in(desk, base, "analyst@example.org")
        desk.goto(f"{base}/admin/surveys/{survey_id}")
        submit(desk, "#reports-link")
        assert desk.locator("#report-managers").inner_text().startswith("Karin")
        desk.check("input[name=rule][value=monthly]")
        submit(desk, "#report-settings-form button[type=submit]")
        assert desk.locator("#report-schedule-state").inner_text().startswith("Next scheduled report: ")
        desk.screenshot(path=str(live.artifacts / "reports-1-settings.png"), full_page=True)

        settings = Settings(mode="production", database_url=url, secret_key="w" * 40, allowed_hosts=["127.0.0.1"],
                            smtp_host="127.0.0.1", smtp_port=port, smtp_security="none",
                            mail_from="Kundtjänst <enkat@example.se>", public_url=base)
        engine = make_engine(url)
        worker = Worker(settings, session_factory(engine), clock=lambda: datetime.now(UTC) + timedelta(minutes=6))
        try:
            worker.run_once()  # the wave has closed
            mail = inbox.wait_for(1)[0]
            assert str(mail["To"]) == "Karin <kungsgatan@example.org>"
            assert mail["Subject"].startswith("Rapport: Kundundersökning, ")
            link = re.search(r"(http://127\.0\.0\.1:\d+/admin/reports/[\w-]+)", body(mail)).group(1)

            manager = browser.new_context(viewport={"width": 1200, "height": 900}, locale="sv-SE").new_page()
            manager.goto(link)
            assert manager.url.startswith(f"{base}/login?next=/admin/reports/")
            manager.fill("#email", "kungsgatan@example.org")
            manager.fill("#password", PASSWORD)
            submit(manager, "button[type=submit]")
            manager.wait_for_url(link)
            text = manager.locator("body").inner_text()
            assert "Kungsgatan" in text and "Storgatan" not in text
            assert manager.locator("html").get_attribute("lang") == "sv"
            manager.screenshot(path=str(live.artifacts / "reports-2-manager-report.png"))
            manager.goto(f"{base}/admin/account/reports")  # their reports, and how they come
            assert "Vecka 49" in manager.locator("#my-reports").inner_text()
            manager.check("input[name=delivery][value=attachment]")
            submit(manager, "#delivery-form button[type=submit]")
            assert manager.locator("#delivery-saved").is_visible()

            live.sign_in(desk, base, "admin@example.org")
            desk.goto(f"{base}/admin/report-deliveries?survey={survey_id}")
            row = desk.locator("#report-deliveries tbody tr")
            assert row.count() == 1 and row.get_attribute("class") == "status-sent"
            cells = row.locator("td").all_inner_texts()
            assert cells[4] == "kungsgatan@example.org" and "Vecka 49" in cells[2]
            assert re.match(r"\d{4}-\d\d-\d\d", cells[9])  # opened by the link
            desk.screenshot(path=str(live.artifacts / "reports-3-delivery-log.png"), full_page=True)
        finally:
            engine.dispose()
            browser.close()
