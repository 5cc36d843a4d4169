"""Sign-in, sessions, CSRF, rate limits, security headers and the administration pages."""

from __future__ import annotations

from sqlalchemy import select
from web_helpers import PASSWORD, csrf_of, sign_in

from servq.store.db import session_factory
from servq.store.models import AuditEntry, User


def test_pages_need_a_signed_in_user(client):
    for path in ("/admin", "/admin/units", "/admin/users", "/admin/audit"):
        r = client.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == f"/login?next={path}"


def test_sign_in_sets_a_hardened_session_cookie_and_signs_out(client):
    r = sign_in(client, "ADMIN@example.org ")
    assert r.status_code == 303 and r.headers["location"] == "/admin"
    cookie = r.headers["set-cookie"].lower()
    assert "servq_session=" in cookie and "httponly" in cookie and "secure" in cookie and "samesite=lax" in cookie
    assert client.get("/admin/users").status_code == 200
    token = csrf_of(client.get("/admin/users").text)
    assert client.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    assert client.get("/admin/users", follow_redirects=False).status_code == 303


def test_wrong_password_and_unknown_user_get_the_same_answer(client):
    a = sign_in(client, "admin@example.org", "wrong-password-123")
    b = sign_in(client, "nobody@example.org", "wrong-password-123")
    assert a.status_code == b.status_code == 401
    assert "The e-mail address or password is wrong." in a.text and "The e-mail address or password is wrong." in b.text


def test_failed_sign_ins_are_rate_limited_per_address_and_account(client):
    for _ in range(3):  # settings fixture: 3 attempts per 60 s
        assert sign_in(client, "admin@example.org", "wrong-password-123").status_code == 401
    blocked = sign_in(client, "admin@example.org", PASSWORD)
    assert blocked.status_code == 429 and blocked.headers["retry-after"] == "60"
    assert sign_in(client, "analyst@example.org").status_code == 303  # another account is not blocked


def test_a_form_without_its_csrf_token_is_refused(client):
    sign_in(client, "admin@example.org")
    r = client.post("/admin/units", data={"name": "Sneaky", "kind": "branch"})
    assert r.status_code == 403 and "did not come from this site" in r.text
    r = client.post("/admin/units", data={"name": "Sneaky", "kind": "branch", "csrf_token": "forged"})
    assert r.status_code == 403
    assert "Sneaky" not in client.get("/admin/units").text


def test_login_redirects_only_to_local_paths(client):
    token = csrf_of(client.get("/login").text)
    # a browser reads a backslash as a slash, and drops tabs and line breaks from a URL
    for target in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)", "/\\evil.example",
                   "/\\/evil.example", "/\t/evil.example", "/\n/evil.example", "/admin\r\nSet-Cookie: x=1"):
        r = client.post("/login", data={"email": "admin@example.org", "password": PASSWORD, "csrf_token": token,
                                        "next": target}, follow_redirects=False)
        assert r.headers["location"] == "/admin"
        token = csrf_of(client.get("/login").text)


def test_security_headers_on_every_page(client):
    for r in (client.get("/login"), client.get("/static/servq.css"), client.get("/healthz")):
        csp = r.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
        assert r.headers["x-frame-options"] == "DENY"
        assert r.headers["x-content-type-options"] == "nosniff"
    assert client.get("/login").headers["cache-control"] == "no-store"


def test_unknown_hosts_are_refused(client):
    assert client.get("/login", headers={"host": "evil.example"}).status_code == 400


def test_unit_manager_sees_only_their_subtree(client):
    sign_in(client, "north@example.org")
    page = client.get("/admin/units").text
    assert "North 1" in page and "Team A" in page and "South" not in page
    client.cookies.clear()
    sign_in(client, "south1@example.org")
    page = client.get("/admin/units").text
    assert "South 1" in page and "North" not in page and ">South<" not in page


def test_administrator_adds_units_and_users_and_it_is_audited(client, engine, org_tree):
    sign_in(client, "admin@example.org")
    token = csrf_of(client.get("/admin/units").text)
    r = client.post("/admin/units", data={"name": "Team <b>B</b>", "kind": "team", "parent_id": str(org_tree["North 1"]),
                                          "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    page = client.get("/admin/units").text
    assert "Team &lt;b&gt;B&lt;/b&gt;" in page and "<b>B</b>" not in page  # user text is escaped
    r = client.post("/admin/users", data={"email": "new@example.org", "role": "unit_manager", "password": PASSWORD,
                                          "unit_id": str(org_tree["South"]), "csrf_token": token},
                    follow_redirects=False)
    assert r.status_code == 303
    bad = client.post("/admin/users", data={"email": "x@example.org", "role": "unit_manager", "password": PASSWORD,
                                            "csrf_token": token})
    assert bad.status_code == 422 and "a unit manager needs a unit" in bad.text
    short = client.post("/admin/users", data={"email": "y@example.org", "role": "analyst", "password": "short",
                                              "csrf_token": token})
    assert short.status_code == 422 and "at least 12 characters" in short.text
    with session_factory(engine)() as s:
        assert s.scalar(select(User).where(User.email == "x@example.org")) is None  # nothing half-stored
        actions = [(e.actor, e.action) for e in s.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert ("admin@example.org", "unit.create") in actions and ("admin@example.org", "user.create") in actions
    audit = client.get("/admin/audit").text
    assert "user.create" in audit and "new@example.org" in audit


def test_deactivated_user_is_signed_out_and_cannot_sign_in(client, engine):
    sign_in(client, "analyst@example.org")
    assert client.get("/admin/units").status_code == 200
    admin = client.__class__(client.app, base_url="https://testserver")
    sign_in(admin, "admin@example.org")
    with session_factory(engine)() as s:
        analyst_id = s.scalar(select(User.id).where(User.email == "analyst@example.org"))
    token = csrf_of(admin.get("/admin/users").text)
    assert admin.post(f"/admin/users/{analyst_id}/active", data={"active": "0", "csrf_token": token},
                      follow_redirects=False).status_code == 303
    assert client.get("/admin/units", follow_redirects=False).status_code == 303
    assert sign_in(client, "analyst@example.org").status_code == 401
    own = admin.post("/admin/users/1/active", data={"active": "0", "csrf_token": token})
    assert own.status_code == 422 and "your own account" in own.text


def test_analyst_creates_a_survey_from_the_catalog_with_waves(client, org_tree, engine):
    sign_in(client, "analyst@example.org")
    token = csrf_of(client.get("/admin/surveys/new").text)
    r = client.post("/admin/surveys", data={
        "csrf_token": token, "title": "Branch visits 2027", "instrument": "servqual-zot", "languages": ["en", "zh"],
        "unit_ids": [str(org_tree["North 1"]), str(org_tree["South 1"])], "opens": "2027-01-01",
        "closes": "2027-12-31", "anonymous": "on", "respondent_type": "customer"}, follow_redirects=False)
    assert r.status_code == 303
    page = client.get(r.headers["location"]).text
    assert "Branch visits 2027" in page and "servqual-zot" in page and "2027-01-01" in page
    assert 'English</span> (<code>en</code>), <span lang="zh-Hans">中文</span> (<code>zh</code>)' in page
    url = r.headers["location"] + "/waves"
    assert client.post(url, data={"csrf_token": token, "name": "Spring", "starts": "2027-01-01",
                                  "ends": "2027-06-01"}, follow_redirects=False).status_code == 303
    overlap = client.post(url, data={"csrf_token": token, "name": "Late spring", "starts": "2027-05-01",
                                     "ends": "2027-07-01"})
    assert overlap.status_code == 422 and "overlap wave" in overlap.text
    assert "Late spring" not in overlap.text.split("<table>")[1].split("</table>")[0]


def test_survey_form_errors_are_shown_and_nothing_is_stored(client, org_tree, engine):
    from servq.store.models import Survey

    sign_in(client, "analyst@example.org")
    token = csrf_of(client.get("/admin/surveys/new").text)
    r = client.post("/admin/surveys", data={"csrf_token": token, "title": "", "instrument": "servqual",
                                            "languages": ["fr"], "unit_ids": ["999"], "opens": "2027-02-30"})
    assert r.status_code == 422
    for message in ("needs a title", "no texts in fr", "no unit with id 999", "must be a date like 2026-03-31"):
        assert message in r.text
    bad_yaml = "id: mine\nname: {en: Mine}\nlanguages: [en]\nparts: [perception]\nscale: {min: 1, max: 7}\n" \
               "dimensions:\n  - {id: a, label: {en: A}}\nitems:\n  - {id: 1, dimension: b, text: {en: Hello}}\n"
    r = client.post("/admin/surveys", data={"csrf_token": token, "title": "Own", "languages": ["en"],
                                            "unit_ids": [str(org_tree["North"])]},
                    files={"yaml_file": ("mine.yaml", bad_yaml.encode(), "text/yaml")})
    assert r.status_code == 422 and "mine.yaml" in r.text and "unknown dimension &#39;b&#39;" in r.text
    assert "line 9" in r.text  # the problem's line in the uploaded file
    with session_factory(engine)() as s:
        assert [x.title for x in s.scalars(select(Survey))] == ["North customers"]


def test_an_uploaded_instrument_is_stored_with_the_survey(client, org_tree):
    sign_in(client, "admin@example.org")
    token = csrf_of(client.get("/admin/surveys/new").text)
    own = "id: mine\nname: {en: My questions}\nlanguages: [en]\nparts: [perception]\nscale: {min: 1, max: 5}\n" \
          "dimensions:\n  - {id: a, label: {en: A}}\nitems:\n  - {id: 1, dimension: a, text: {en: Hello}}\n"
    r = client.post("/admin/surveys", data={"csrf_token": token, "title": "Own", "languages": ["en"],
                                            "unit_ids": [str(org_tree["North"])], "respondent_type": "internal"},
                    files={"yaml_file": ("mine.yaml", own.encode(), "text/yaml")}, follow_redirects=False)
    assert r.status_code == 303
    page = client.get(r.headers["location"]).text
    assert "My questions (mine, version 1, 1 item)" in page and "internal customers, named" in page
