"""Every administration page on a phone (390 × 844 CSS pixels) in Swedish and in Chinese:
nothing scrolls sideways (the navigation wraps, every table scrolls inside a region that
the keyboard reaches), and ``<html lang>`` is the language shown. Screenshots are kept in
``SERVQ_TEST_ARTIFACTS``. Without Chromium the test is skipped (the ``live`` fixture)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from web_helpers import PASSWORD

from servq.store.db import make_engine, session_factory, transaction, upgrade
from servq.store.models import Channel, Response, Tier
from servq.web import accounts, complaints, org, surveys
from servq.web.security import new_token

WIDTH = 390
PAGES = ("/admin/surveys", "/admin/surveys/new", "/admin/surveys/{survey}", "/admin/surveys/{survey}/dashboard",
         "/admin/complaints", "/admin/complaints/{case}", "/admin/complaint-analytics", "/admin/sla",
         "/admin/units", "/admin/channels", "/admin/users", "/admin/audit", "/admin/account",
         "/admin/surveys/999999")  # the error page
HTML_LANG = {"sv": "sv", "zh": "zh-Hans"}
SHOTS = {"/admin/surveys/{survey}", "/admin/complaints/{case}", "/admin/units", "/admin/users"}
# what the page asks the browser: how wide it is, the tables outside a keyboard-reachable scrolling region,
# its language, the elements (outside such regions) that reach beyond the screen
MEASURE = """() => ({
  width: document.documentElement.scrollWidth,
  loose: [...document.querySelectorAll('table')]
    .filter(t => !t.closest('[role=region][tabindex="0"][aria-label]')).map(t => t.id || t.outerHTML.slice(0, 60)),
  lang: document.documentElement.lang,
  wide: [...document.querySelectorAll('body *')]
    .filter(e => !e.closest('[role=region]') && e.getBoundingClientRect().right > innerWidth + 1)
    .slice(0, 3).map(e => e.tagName + '.' + e.className + '#' + e.id)})"""


@pytest.fixture
def server(tmp_path, live):
    """Administrators reading Swedish and Chinese, long names in three languages, a survey
    with responses, channels, tiers and waves, a complaint case under an SLA policy."""
    url = f"sqlite:///{tmp_path / 'servq.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with transaction(session_factory(engine)) as s:
        labels = {"sv": "Region Norrlandskusten och inlandet", "zh": "北部沿海及内陆地区"}
        region = org.add_unit(s, "Northern coast and inland region", "region", None, None, labels)
        branch = org.add_unit(s, "Kungsgatan 12, Storstadsförvaltningen", "branch", region.id, None,
                              {"zh": "国王街12号网点"})
        for lang in HTML_LANG:
            admin = accounts.create_user(s, f"administrator.{lang}@example.org", PASSWORD, "administrator")
            admin.language = lang
        accounts.create_user(s, "a.very.long.address.of.a.branch.manager@example.org", PASSWORD, "unit_manager",
                             unit_id=branch.id)
        counter = surveys.add_named(s, Channel, "counter", admin, {"sv": "Disken", "zh": "柜台"})
        surveys.add_named(s, Channel, "telephone", admin, {"sv": "Telefon", "zh": "电话"})
        surveys.add_named(s, Tier, "premium", admin, {"sv": "Premiumkunder", "zh": "高端客户"})
        survey = surveys.create_survey(s, surveys.SurveyForm(
            title="Customer survey 2027", labels={"sv": "Kundundersökning 2027", "zh": "2027年客户调查"},
            instrument="servqual", languages=["sv", "en", "zh"], unit_ids=[str(branch.id)],
            channel_ids=[str(counter.id)]), admin)
        surveys.add_wave(s, survey, "Spring", "2026-03-01", "2026-06-01", admin)
        for i in range(6):
            s.add(Response(key=new_token(), survey_id=survey.id, unit_id=branch.id, channel_id=counter.id,
                           language="sv", answers={"E1": 7, "P1": 1 + i, "recommend": i},
                           submitted_at=datetime.now(UTC) - timedelta(days=i)))
        complaints.save_policy(s, "*", "*", "8", "5", complaints.CALENDAR_EXAMPLE, admin)
        case = complaints.intake(s, complaints.NewComplaint(
            key="k" * 30, unit_id=branch.id, text="Kortläsaren var trasig igen och ingen hjälpte mig vid disken.",
            source="form", received_at=datetime.now(UTC) - timedelta(days=3), channel_id=counter.id))
        ids = {"survey": survey.id, "case": case}
    engine.dispose()
    with live.serving(url) as base:
        yield base, ids


@pytest.mark.parametrize("lang", ["sv", "zh"])
def test_every_administration_page_fits_a_phone(server, live, lang):
    from playwright.sync_api import sync_playwright

    base, ids = server
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=live.chromium, args=["--no-sandbox"])
        phone = browser.new_context(viewport={"width": WIDTH, "height": 844}, is_mobile=True, has_touch=True,
                                    device_scale_factor=2, locale={"sv": "sv-SE", "zh": "zh-CN"}[lang])
        page = phone.new_page()
        page.goto(f"{base}/login")
        assert page.evaluate(MEASURE) == {"width": WIDTH, "loose": [], "lang": HTML_LANG[lang], "wide": []}
        live.sign_in(page, base, f"administrator.{lang}@example.org")
        for path in PAGES:
            page.goto(base + path.format(**ids))
            found = page.evaluate(MEASURE)
            assert found["width"] <= WIDTH, (path, found)
            assert found == {"width": found["width"], "loose": [], "lang": HTML_LANG[lang], "wide": []}, path
            if path in SHOTS:
                name = path.strip("/").replace("/", "-").replace("{", "").replace("}", "")
                page.screenshot(path=str(live.artifacts / f"phone-{lang}-{name}.png"), full_page=True)
        region = page.goto(f"{base}/admin/users") and page.locator("[role=region]").first
        region.focus()  # a table's region is reached by the keyboard and scrolls with it
        page.keyboard.press("ArrowRight")
        assert page.evaluate("document.activeElement.getAttribute('role')") == "region"
        browser.close()
