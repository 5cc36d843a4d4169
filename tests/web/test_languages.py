"""The administration in English, Swedish and Chinese: the language of a page (the account's
preference, else the browser's), plurals, numbers and dates, names in several languages on
the administration and the respondent's pages, channel ids, and the migration that adds
them."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import inspect, select
from web_helpers import csrf_of, sign_in

import servq.web
from servq.complaints import sla
from servq.instruments.schema import Part
from servq.store.db import downgrade, session_factory, transaction, upgrade
from servq.store.models import (
    DELIVERY_STATUSES,
    MESSAGE_STATUSES,
    REPORT_DELIVERIES,
    ROLES,
    SUPERVISOR,
    Channel,
    Survey,
    Unit,
    User,
)
from servq.web import accounts, complaints, dataset, languages, manager_reports, public, surveys
from servq.web.editor import PART_SETS
from servq.web.languages import LANGUAGES, Msg, Msgs, negotiate, say, strings, tn

PAGES = ("/admin/surveys", "/admin/surveys/new", "/admin/surveys/1", "/admin/surveys/1/dashboard",
         "/admin/complaints", "/admin/complaints/1", "/admin/complaint-analytics", "/admin/sla", "/admin/units",
         "/admin/channels", "/admin/users", "/admin/audit", "/admin/account")
# words each language's pages show (the navigation, a heading, the sign-out button)
WORDS = {"en": ("Surveys", "Complaints", "Sign out"), "sv": ("Enkäter", "Klagomål", "Logga ut"),
         "zh": ("问卷", "投诉", "退出登录")}
HEADINGS = {"sv": {"/admin/surveys": "<h1>Enkäter</h1>", "/admin/sla": "<h1>SLA-regler</h1>",
                   "/admin/units": "<h1>Organisation</h1>", "/admin/channels": "<h1>Kanaler och kundnivåer</h1>",
                   "/admin/users": "<h1>Användare</h1>", "/admin/audit": "<h1>Granskningslogg</h1>",
                   "/admin/account": "<h1>Ditt konto</h1>", "/admin/complaints": "<h1>Klagomål</h1>"},
            "zh": {"/admin/surveys": "<h1>问卷</h1>", "/admin/sla": "<h1>SLA 规则</h1>",
                   "/admin/units": "<h1>组织架构</h1>", "/admin/channels": "<h1>渠道与客户等级</h1>",
                   "/admin/users": "<h1>用户</h1>", "/admin/audit": "<h1>审计日志</h1>",
                   "/admin/account": "<h1>我的账户</h1>", "/admin/complaints": "<h1>投诉</h1>"}}
HTML_LANG = {"en": "en", "sv": "sv", "zh": "zh-Hans"}


def _set_language(client, language: str):
    token = csrf_of(client.get("/admin/account").text)
    return client.post("/admin/account/language", data={"csrf_token": token, "language": language},
                       follow_redirects=False)


@pytest.mark.parametrize("lang", ["sv", "zh"])
def test_every_administration_page_is_in_the_accounts_language(client, a_complaint, lang):
    sign_in(client, "admin@example.org")
    assert _set_language(client, lang).status_code == 303
    for path in PAGES:
        r = client.get(path, headers={"accept-language": "en"})  # the account's choice wins over the browser's
        assert r.status_code == 200, path
        assert f'<html lang="{HTML_LANG[lang]}">' in r.text, path
        assert all(word in r.text for word in WORDS[lang]), path
        assert HEADINGS[lang].get(path, "<h1>") in r.text, path
        assert "Sign out" not in r.text and ">Surveys<" not in r.text, path


def test_the_language_is_stored_with_the_account_and_can_follow_the_browser_again(client, engine):
    sign_in(client, "analyst@example.org")
    assert "Enkäter" in client.get("/admin/surveys", headers={"accept-language": "sv-SE,sv;q=0.9"}).text
    r = _set_language(client, "zh")
    assert r.headers["location"] == "/admin/account?saved=1#language"
    page = client.get(r.headers["location"]).text
    assert "语言设置已保存。" in page and '<option value="zh" lang="zh-Hans" selected>' in page
    with session_factory(engine)() as s:
        assert s.scalar(select(User.language).where(User.email == "analyst@example.org")) == "zh"
    client.cookies.clear()
    sign_in(client, "analyst@example.org")  # a new session: still Chinese
    assert "<h1>问卷</h1>" in client.get("/admin/surveys", headers={"accept-language": "sv"}).text
    _set_language(client, "")  # back to the browser's preference
    with session_factory(engine)() as s:
        assert s.scalar(select(User.language).where(User.email == "analyst@example.org")) is None
    assert "<h1>Enkäter</h1>" in client.get("/admin/surveys", headers={"accept-language": "sv"}).text
    assert "<h1>Surveys</h1>" in client.get("/admin/surveys").text
    token = csrf_of(client.get("/admin/account").text)
    assert client.post("/admin/account/language", data={"csrf_token": token, "language": "de"}).status_code == 422


def test_before_sign_in_the_browser_chooses(client):
    for accept, lang, word in (("sv-SE,sv;q=0.9,en;q=0.8", "sv", "Logga in"), ("zh-CN,zh;q=0.9", "zh", "登录"),
                               ("de-DE, fr", "en", "Sign in"), ("en;q=0.5, zh;q=0.9", "zh", "登录"), ("", "en", "Sign in")):
        page = client.get("/login", headers={"accept-language": accept}).text
        assert f'<html lang="{HTML_LANG[lang]}">' in page and f"<h1>{word}</h1>" in page, accept
    nowhere = client.get("/nowhere", headers={"accept-language": "zh"})
    assert nowhere.status_code == 404 and "页面不存在。" in nowhere.text and "错误 404" in nowhere.text
    r = client.post("/login", data={"email": "x@example.org", "password": "wrong-password-x", "next": "/admin",
                                    "csrf_token": csrf_of(client.get("/login").text)},
                    headers={"accept-language": "sv"})
    assert r.status_code == 401 and "E-postadressen eller lösenordet är fel." in r.text


def test_negotiation_and_helpers():
    assert negotiate("sv-SE, en;q=0.5") == "sv" and negotiate("de") == "en" and negotiate(None) == "en"
    assert negotiate("zh-Hans-CN;q=0.8, sv;q=0.7") == "zh" and negotiate("sv;q=0, en") == "en"
    assert negotiate("fr", ["sv", "en"]) == "sv"  # a survey's first language
    assert languages.html_lang("zh") == "zh-Hans" and languages.known("xx") == "en"
    assert languages.number("sv", 12345) == "12\u00a0345" and languages.number("en", 12345) == "12,345"
    assert languages.day("zh", datetime(2026, 3, 9, tzinfo=UTC)) == "2026年3月9日"
    assert languages.when("sv", datetime(2026, 3, 9, 8, 5, tzinfo=UTC)) == "2026-03-09 kl. 08.05 UTC"


def test_plurals_choose_the_languages_form():
    assert (tn("en", "dashboard.count", 1), tn("en", "dashboard.count", 2)) == ("1 response", "2 responses")
    assert (tn("sv", "cases.count_open", 1), tn("sv", "cases.count_open", 2)) == ("1 öppet", "2 öppna")
    assert (tn("zh", "cases.count_open", 1), tn("zh", "cases.count_open", 2)) == ("1 件未结", "2 件未结")
    assert (tn("en", "form.days", 1), tn("sv", "form.days", 30), tn("zh", "form.days", 1)) == ("1 day", "30 dagar",
                                                                                             "1 天")
    assert tn("en", "case.business_hours", 1.0) == "1 business hour" and tn("sv", "case.business_hours", 1.5) == \
        "1,5 arbetstimmar"
    assert tn("sv", "dashboard.count", 1234) == "1\u00a0234 svar"


def test_plurals_on_the_pages(client, answered):
    sign_in(client, "analyst@example.org")
    team_a = client.get(f"/admin/surveys/{answered}/dashboard", params={"unit": "3"}).text
    assert "4 responses." in team_a  # no invitations in Team A
    two = client.get(f"/admin/surveys/{answered}/dashboard", params={"unit": "3", "since": "2026-05-03",
                                                                    "until": "2026-05-04", "language": "sv"}).text
    assert "2 responses." in two
    first = client.get(f"/admin/surveys/{answered}/dashboard", params={"since": "2026-05-01", "until": "2026-05-02",
                                                                      "language": "sv"}).text
    assert "2 responses;" in first
    single = client.get(f"/admin/surveys/{answered}/dashboard", params={"since": "2026-05-01",
                                                                       "until": "2026-05-02", "language": "en"}).text
    assert "1 response;" in single and "1 responses" not in single
    sv = client.get(f"/admin/surveys/{answered}/dashboard", headers={"accept-language": "sv"}).text
    assert "10 svar; 1 av 2 inbjudningar besvarade (50,0\u00a0%)." in sv
    zh = client.get(f"/admin/surveys/{answered}/dashboard", headers={"accept-language": "zh"}).text
    assert "共 10 份回答；2 份邀请中已有 1 份得到回复（50.0%）。" in zh


def test_one_and_two_on_the_complaints_page(client, a_complaint, engine, org_tree):
    sign_in(client, "admin@example.org")
    assert "1 open" in client.get("/admin/complaints").text
    assert "1 öppet" in client.get("/admin/complaints", headers={"accept-language": "sv"}).text
    assert "acknowledge within 8 business hours, resolve within 5 business days" in client.get(
        "/admin/complaints/1").text
    with transaction(session_factory(engine)) as s:  # a policy of one hour and one day for the next complaint
        complaints.save_policy(s, "*", "*", "1", "1", complaints.CALENDAR_EXAMPLE, None)
        complaints.intake(s, complaints.NewComplaint(key="j" * 30, unit_id=org_tree["North 1"], text="Slow",
                                                     source="form", received_at=datetime.now(UTC)))
    assert "2 öppna" in client.get("/admin/complaints", headers={"accept-language": "sv"}).text
    case = client.get("/admin/complaints/2").text
    assert "acknowledge within 1 business hour, resolve within 1 business day" in case
    assert "bekräfta inom 1 arbetstimme, lös inom 1 arbetsdag" in client.get(
        "/admin/complaints/2", headers={"accept-language": "sv"}).text


def test_messages_of_the_code_are_english_text_and_translated_on_pages(client):
    m = Msg("msg.case.transition", frm=Msg("status.new"), to=Msg("status.resolved"),
            allowed=Msgs([Msg("status.assigned"), Msg("status.closed")], "or"))
    assert m == "a case that is new cannot become resolved: from new it can go to assigned or closed"
    assert say("sv", m) == ("ett ärende med status ny kan inte bli löst: från ny kan det gå till tilldelad "
                            "eller stängd")
    sign_in(client, "admin@example.org")
    token = csrf_of(client.get("/admin/users").text)
    r = client.post("/admin/users", data={"csrf_token": token, "email": "x@example.org", "role": "unit_manager",
                                          "password": "p" * 12}, headers={"accept-language": "sv"})
    assert r.status_code == 422 and "en enhetschef behöver en enhet" in r.text
    r = client.post("/admin/users", data={"csrf_token": token, "email": "x@example.org", "role": "unit_manager",
                                          "password": "p" * 12}, headers={"accept-language": "zh"})
    assert "单位负责人必须指定一个单位" in r.text
    missing = client.get("/admin/surveys/99", headers={"accept-language": "sv"})
    assert missing.status_code == 404 and "Enkäten finns inte." in missing.text and "Fel 404" in missing.text


def test_names_in_other_languages_on_the_administration_and_respondent_pages(client, engine, org_tree):
    sign_in(client, "admin@example.org")
    units = client.get("/admin/units").text
    r = client.post(f"/admin/units/{org_tree['North 1']}/labels", data={
        "csrf_token": csrf_of(units), "label_sv": "Norra kontoret", "label_zh": "北区一号网点", "label_en": ""},
                    follow_redirects=False)
    assert r.status_code == 303
    assert "Norra kontoret" in client.get("/admin/units", headers={"accept-language": "sv"}).text
    assert "北区一号网点" in client.get("/admin/units", headers={"accept-language": "zh"}).text
    english = client.get("/admin/units").text
    assert ">North 1<" in english.replace("\n", "") or "North 1" in english  # no English name: the base name
    assert "Norra kontoret" not in english.split('id="units"')[1].split("</table>")[0].split("<details")[0]
    channel = client.get("/admin/channels").text
    r = client.post("/admin/channels/1/labels", data={"csrf_token": csrf_of(channel), "kind": "channel",
                                                       "label_zh": "营业厅", "label_sv": "Kontor"},
                    follow_redirects=False)
    assert r.status_code == 303
    survey = client.get("/admin/surveys/1").text
    r = client.post("/admin/surveys/1/titles", data={"csrf_token": csrf_of(survey), "label_sv": "Kunder i norr",
                                                      "label_zh": "北区客户"},  # zh is not a survey language
                    follow_redirects=False)
    assert r.status_code == 303
    with session_factory(engine)() as s:
        row = s.get(Survey, 1)
        assert row.title_labels == {"sv": "Kunder i norr"}
        slug = row.slug
    assert "<h1>Kunder i norr</h1>" in client.get("/admin/surveys/1", headers={"accept-language": "sv"}).text
    assert "Kunder i norr" in client.get("/admin/surveys", headers={"accept-language": "sv"}).text
    assert "<h1>North customers</h1>" in client.get("/admin/surveys/1", headers={"accept-language": "zh"}).text
    client.cookies.clear()  # the respondent
    link = f"/s/{slug}/u/{org_tree['North 1']}"
    assert '<p class="survey-title">Kunder i norr</p>' in client.get(link, params={"lang": "sv"}).text
    assert '<p class="survey-title">North customers</p>' in client.get(link, params={"lang": "en"}).text
    form = client.get(f"/c/{org_tree['North 1']}", params={"lang": "zh"}).text
    assert "涉及：北区一号网点" in form and ">营业厅</option>" in form
    assert ">branch</option>" in client.get(f"/c/{org_tree['North 1']}", params={"lang": "en"}).text


def test_a_name_too_long_is_refused_with_its_language(client, org_tree):
    sign_in(client, "analyst@example.org")
    channel = client.get("/admin/channels").text
    r = client.post("/admin/channels/1/labels", data={"csrf_token": csrf_of(channel), "kind": "channel",
                                                       "label_sv": "x" * 150}, headers={"accept-language": "sv"})
    assert r.status_code == 422 and "namnet på sv har högst 100 tecken" in r.text
    r = client.post("/admin/channels", data={"csrf_token": csrf_of(channel), "kind": "tier", "name": "gold",
                                             "label_sv": "Guld", "label_zh": "金卡"}, follow_redirects=False)
    assert r.status_code == 303
    assert "Guld" in client.get("/admin/channels", headers={"accept-language": "sv"}).text


def test_reports_and_the_api_use_the_names(client, answered, engine, org_tree):
    with transaction(session_factory(engine)) as s:
        s.get(Unit, org_tree["North 1"]).labels = {"sv": "Norra kontoret"}
        s.get(Channel, 1).labels = {"zh": "营业厅"}
        s.get(Survey, answered).title_labels = {"sv": "Kunder i norr"}
        token = accounts.create_token(s, s.scalar(select(User).where(User.email == "analyst@example.org")), "bi")
    sign_in(client, "analyst@example.org")
    sv = client.get(f"/admin/surveys/{answered}/report", params={"by": "unit", "lang": "sv", "fmt": "json"}).text
    assert "Norra kontoret" in sv and "North 1" not in sv
    assert "North 1" in client.get(f"/admin/surveys/{answered}/report", params={"by": "unit", "fmt": "json"}).text
    api = {"Authorization": f"Bearer {token}"}
    listed = client.get("/api/v1/surveys", headers=api).json()
    assert listed[0]["title"] == "North customers" and listed[0]["title_labels"] == {"sv": "Kunder i norr"}
    sent = client.post("/api/v1/complaints", headers=api, json={
        "key": "a-1", "text": "Long queue", "unit": "Norra kontoret", "channel": "营业厅"})
    assert sent.status_code == 201, sent.text
    body = sent.json()
    assert (body["unit"], body["unit_labels"], body["channel"], body["channel_labels"]) == (
        "North 1", {"sv": "Norra kontoret"}, "branch", {"zh": "营业厅"})
    assert json.dumps(client.get("/api/v1/complaints", headers=api).json()).count("unit_labels") == 1


def test_channel_ids_are_shown_with_their_links(client, org_tree):
    sign_in(client, "analyst@example.org")
    channels = client.get("/admin/channels").text
    assert '<td class="num"><code>1</code></td>' in channels and "?c=&lt;channel id&gt;" in channels
    survey = client.get("/admin/surveys/1").text
    assert "branch (id 1)" in survey  # the survey's channels with their ids
    assert f"/u/{org_tree['North 1']}?c=1</a>" in survey  # the unit's link of the channel
    assert "… through branch (channel id 1)" in survey and f"/qr/{org_tree['North 1']}.png?c=1" in survey
    zh = client.get("/admin/surveys/1", headers={"accept-language": "zh"}).text
    assert "……经由渠道“branch”（编号 1）" in zh and "branch（编号 1）" in zh


def test_the_migration_upgrades_and_downgrades(database_url, new_engine):
    engine = new_engine(database_url)
    upgrade(engine, "0007")
    with transaction(session_factory(engine)) as s:  # a row from before: kept, its new column empty
        s.execute(Unit.__table__.insert().values(name="Old", kind="branch", created_at=datetime.now(UTC)))
    assert upgrade(engine, "0008") == ("0007", "0008")
    columns = {table: {c["name"] for c in inspect(engine).get_columns(table)}
               for table in ("users", "units", "channels", "tiers", "surveys")}
    assert "language" in columns["users"] and "title_labels" in columns["surveys"]
    assert all("labels" in columns[table] for table in ("units", "channels", "tiers"))
    with session_factory(engine)() as s:
        assert s.scalar(select(Unit.labels).where(Unit.name == "Old")) is None
    assert downgrade(engine, "0007") == ("0008", "0007")
    inspector = inspect(engine)
    assert "language" not in {c["name"] for c in inspector.get_columns("users")}
    assert "labels" not in {c["name"] for c in inspector.get_columns("units")}
    assert "title_labels" not in {c["name"] for c in inspector.get_columns("surveys")}
    with engine.connect() as conn:
        assert conn.exec_driver_sql("select name from units").scalars().all() == ["Old"]
    assert upgrade(engine, "0008") == ("0007", "0008")


def test_every_string_asked_for_exists_in_every_language():
    """Every key the templates and the code ask for is in the three catalogs, and the catalogs
    hold the same keys (plural forms aside: English and Swedish have one and other, Chinese
    only other)."""
    assert catalog_problems() == []


# --------------------------------------------------------------------------- the catalogs' check


WEB = Path(servq.web.__file__).parent
FORMS = ("zero", "one", "two", "few", "many", "other")
QUOTED = re.compile(r"""["']([a-z_]+(?:\.[a-z0-9_]+)+\.?|[a-z_]+\.)["']""")  # "nav.surveys", "status."
CALLED = re.compile(r"""\b(?:Msg|tn|t)\(\s*(?:lang,\s*)?(f?)["']([^"']+)["']""")  # Msg("…"), t(lang, f"…")
# the values a key built in a template or the code ends with (``t("status." ~ c.status)``)
DYNAMIC = {
    "status.": complaints.STATUSES, "sla_state.": (*sla.STATES, "none"), "role.": (*ROLES, SUPERVISOR),
    "segment.": dataset.SEGMENTS, "respondents.": surveys.RESPONDENT_TYPES,
    "respondents.long_": surveys.RESPONDENT_TYPES, "analytics.spikes_": ("poisson", "share"),
    "form.part.": tuple(p.value for p in Part), "case.late.": ("acknowledgement", "resolution"),
    "case.source.": ("form", "api", "import", "survey"),
    "case.event.": ("received", "assigned", "status", "reopened", "note", "reply", "relabel", "escalated",
                    "contact_erased"),
    "complaint.": (), "form.": (),  # the respondent's pages build these from fixed names (checked by their tests)
    "runs.schedule.": ("monthly", "quarterly", "cron"), "runs.outbox.kinds.": ("invitation", "reminder", "report"),
    "runs.outbox.statuses.": MESSAGE_STATUSES, "webhooks.statuses.": DELIVERY_STATUSES,
    "reports.delivery.": REPORT_DELIVERIES, "reports.settings.rules.": manager_reports.RULE_CHOICES,
    "editor.format_": tuple(PART_SETS), "editor.kind_": ("scale", "nps"),
    "supervisors.done.": ("invited", "active", "deactivated", "rule", "points"),
    "supervisors.kind.": ("evaluation", "adjustment"),
    "public.intro.": public.MEASURES, "public.measure.": public.MEASURES, "public.withheld.": public.WITHHELD,
}


def base(key: str) -> str:
    """A plural form's key without its form (``dashboard.count.one`` → ``dashboard.count``)."""
    head, _, last = key.rpartition(".")
    return head if last in FORMS else key


def _used() -> tuple[set[str], set[str], list[str]]:
    """(keys, prefixes of built keys, the f-string keys of the code as patterns)."""
    keys, prefixes, patterns = set(), set(), []
    sections = {k.split(".")[0] for k in strings("en")}
    for template in (WEB / "templates").glob("*.html"):
        for found in QUOTED.findall(template.read_text("utf-8")):
            if found.split(".")[0] in sections:
                (prefixes if found.endswith((".", "_")) else keys).add(found)
    for module in WEB.glob("*.py"):
        for fstring, found in CALLED.findall(module.read_text("utf-8")):
            if fstring and "{" in found:
                patterns.append(found)
            elif found.split(".")[0] in sections:
                keys.add(found)
    return keys, prefixes, patterns


def catalog_problems() -> list[str]:
    """What is missing or uneven in the catalogs (empty when nothing is)."""
    out: list[str] = []
    catalogs = {lang: dict(strings(lang)) for lang in LANGUAGES}
    known = {lang: {base(k) for k in c} for lang, c in catalogs.items()}
    for lang in LANGUAGES[1:]:
        out += [f"{lang} lacks {k}" for k in sorted(known["en"] - known[lang])]
        out += [f"{lang} has {k}, English has not" for k in sorted(known[lang] - known["en"])]
    for lang, catalog in catalogs.items():
        wanted = ("other",) if lang == "zh" else ("one", "other")
        for plural in {base(k) for k in catalog if base(k) != k}:
            forms = {k.rpartition(".")[2] for k in catalog if base(k) == plural and k != plural}
            if forms != set(wanted):
                out.append(f"{lang} {plural}: forms {sorted(forms)}, not {list(wanted)}")
    glued = re.compile(r"[\u4e00-\u9fff][A-Za-z]|[A-Za-z][\u4e00-\u9fff]")  # Chinese sets Latin words apart
    out += [f"zh {k}: Latin glued to Chinese in {v!r}" for k, v in catalogs["zh"].items() if glued.search(v)]
    keys, prefixes, patterns = _used()
    for prefix in sorted(prefixes - DYNAMIC.keys()):
        out.append(f"a key built from {prefix!r} in a template: add its values to DYNAMIC")
    keys |= {prefix + value for prefix in prefixes & DYNAMIC.keys() for value in DYNAMIC[prefix]}
    for lang in LANGUAGES:
        out += [f"{lang} lacks {k} (asked for)" for k in sorted(keys) if k not in known[lang]]
    for pattern in patterns:
        regex = re.compile(re.sub(r"\\\{[^}]*\\\}", "[a-z0-9_]+", re.escape(pattern)) + "$")
        if not any(regex.match(k) for k in known["en"]):
            out.append(f"no key matches the code's {pattern!r}")
    return out
