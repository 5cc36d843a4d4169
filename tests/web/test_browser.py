"""End to end in a real browser (Playwright driving Debian's Chromium, never a downloaded
one): a customer answers a Swedish survey on a phone, the branch's manager sees the
response on the dashboard, another branch's manager does not. Screenshots are kept in
``SERVQ_TEST_ARTIFACTS`` (default ``test-artifacts/`` in the working folder).

Without Chromium the test is skipped, except where ``SERVQ_REQUIRE_BROWSER=1`` (CI).
"""

from __future__ import annotations

import pytest
from browser_helpers import submit
from web_helpers import PASSWORD

from servq.store.db import make_engine, session_factory, transaction, upgrade
from servq.store.models import Channel
from servq.web import accounts, org, surveys


@pytest.fixture
def server(tmp_path, live):
    """servq on a free port with a SQLite database: two branches with a manager each and a
    Swedish SERVQUAL survey covering both."""
    url = f"sqlite:///{tmp_path / 'servq.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with transaction(session_factory(engine)) as s:
        region = org.add_unit(s, "Region Nord", "region", None, None)
        kungs = org.add_unit(s, "Kungsgatan", "branch", region.id, None)
        storg = org.add_unit(s, "Storgatan", "branch", region.id, None)
        accounts.create_user(s, "kungsgatan@example.org", PASSWORD, "unit_manager", unit_id=kungs.id)
        accounts.create_user(s, "storgatan@example.org", PASSWORD, "unit_manager", unit_id=storg.id)
        analyst = accounts.create_user(s, "analyst@example.org", PASSWORD, "analyst")
        counter = surveys.add_named(s, Channel, "counter", analyst)
        survey = surveys.create_survey(s, surveys.SurveyForm(
            title="Kundundersökning", instrument="servqual", languages=["sv", "en"],
            unit_ids=[str(kungs.id), str(storg.id)], channel_ids=[str(counter.id)]), analyst)
        ids = {"survey": survey.id, "slug": survey.slug, "kungs": kungs.id, "counter": counter.id}
    engine.dispose()
    with live.serving(url) as base:
        yield base, ids


def test_phone_answer_then_managers_dashboards(server, live):
    from playwright.sync_api import sync_playwright

    base, ids = server
    with sync_playwright() as p:
        # plain HTTP on localhost: the session cookie is Secure, which Chromium accepts for localhost
        browser = p.chromium.launch(executable_path=live.chromium, args=["--no-sandbox"])
        phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                    device_scale_factor=2, locale="sv-SE")
        page = phone.new_page()
        page.goto(f"{base}/s/{ids['slug']}/u/{ids['kungs']}?c={ids['counter']}")
        assert page.locator("html").get_attribute("lang") == "sv"
        page.screenshot(path=str(live.artifacts / "1-phone-first-page.png"), full_page=True)
        pages = 0
        while True:
            pages += 1
            for name in sorted(set(page.locator("input[type=radio]").evaluate_all("els => els.map(e => e.name)"))):
                value = "9" if name == "recommend" else "6" if name.startswith("P") else "7"
                page.check(f'input[name="{name}"][value="{value}"]')
            if page.locator("#f-W_tangibles").count():
                for dim, points in (("tangibles", 10), ("reliability", 30), ("responsiveness", 20),
                                    ("assurance", 20), ("empathy", 20)):
                    page.fill(f"#f-W_{dim}", str(points))
                assert page.locator(".alloc-total").inner_text() == "Utdelade poäng: 100 av 100"
                page.fill("#comment", "Trevlig personal")
                page.screenshot(path=str(live.artifacts / "2-phone-last-page.png"), full_page=True)
                submit(page, "button[value=submit]")
                break
            submit(page, "button[value=next]")
            assert pages < 10
        assert page.locator("h1").inner_text() == "Tack!"
        page.screenshot(path=str(live.artifacts / "3-phone-thanks.png"))

        desk = browser.new_context(viewport={"width": 1200, "height": 900})
        manager = desk.new_page()
        live.sign_in(manager, base, "kungsgatan@example.org")
        manager.goto(f"{base}/admin/surveys/{ids['survey']}/dashboard")
        assert "1 response." in manager.locator("p.big").inner_text()
        manager.screenshot(path=str(live.artifacts / "4-kungsgatan-manager-dashboard.png"), full_page=True)

        other = browser.new_context(viewport={"width": 1200, "height": 900}).new_page()
        live.sign_in(other, base, "storgatan@example.org")
        other.goto(f"{base}/admin/surveys/{ids['survey']}/dashboard")
        assert "0 responses." in other.locator("p.big").inner_text()
        other.screenshot(path=str(live.artifacts / "5-storgatan-manager-dashboard.png"), full_page=True)
        browser.close()
    assert pages == 6


def test_phone_complaint_then_the_managers_cases(server, live):
    """A customer complains in Swedish on a phone (a mistake first, shown next to its field),
    the branch's manager finds it among their cases and takes it, the other branch's
    manager does not see it; no page breaks its content security policy."""
    from playwright.sync_api import sync_playwright

    base, ids = server
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=live.chromium, args=["--no-sandbox"])
        phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                    device_scale_factor=2, locale="sv-SE")
        page = phone.new_page()
        console_errors = []
        page.on("console", lambda msg: console_errors.append(msg.text) if msg.type == "error" else None)
        page.goto(f"{base}/c/{ids['kungs']}?c={ids['counter']}")
        assert page.locator("html").get_attribute("lang") == "sv"
        assert page.locator("#channel_id").input_value() == str(ids["counter"])
        page.fill("#text", "Kortläsaren var trasig igen och ingen hjälpte mig.")
        page.fill("#email", "kund@example.se")
        submit(page, "button[type=submit]")
        assert page.locator("#err-consent").inner_text().startswith("Kryssa i rutan")
        assert page.locator("#text").input_value().startswith("Kortläsaren")  # what was typed stays
        page.screenshot(path=str(live.artifacts / "6-phone-complaint-mistake.png"), full_page=True)
        page.check("input[name=consent]")
        submit(page, "button[type=submit]")
        assert page.locator("h1").inner_text() == "Tack"
        assert [e for e in console_errors if "Content Security Policy" in e or "Refused" in e] == []

        manager = browser.new_context(viewport={"width": 1200, "height": 900}).new_page()
        live.sign_in(manager, base, "kungsgatan@example.org")
        manager.goto(f"{base}/admin/complaints")
        submit(manager, "#complaints a")
        assert "Kortläsaren var trasig" in manager.locator(".complaint-text").inner_text()
        manager.select_option("#owner_id", label="kungsgatan@example.org (unit manager)")
        submit(manager, "form[action$='/assign'] button")
        assert "kund@example.se" in manager.locator("#contact").inner_text()  # the owner sees the contact
        manager.screenshot(path=str(live.artifacts / "7-manager-case.png"), full_page=True)

        other = browser.new_context(viewport={"width": 1200, "height": 900}).new_page()
        live.sign_in(other, base, "storgatan@example.org")
        other.goto(f"{base}/admin/complaints")
        assert "No complaints match." in other.content()
        browser.close()
