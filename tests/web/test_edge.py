"""Bad input at the edge (issue 11, findings 2 and 10): each input that once gave a server
error now gives a 4xx whose message names the parameter, and stores nothing; the API's
errors follow its documented error schema. On SQLite and on PostgreSQL.

(``test_route_fuzz.py`` sends such values to every parameter of every route,
``test_api_fuzz.py`` checks the API against its OpenAPI document: these are the cases
issue 11 named, one by one.)"""

from __future__ import annotations

import re
from html import unescape

import jsonschema
import pytest
from sqlalchemy import func, select
from web_helpers import csrf_of, sign_in

from servq.store.db import session_factory, transaction
from servq.store.models import Complaint, Contact, Invitation, Unit, User
from servq.web import accounts

BIG = "99999999999999999999"


@pytest.fixture
def token(engine, org_tree) -> dict:
    """The Authorization header of an analyst's API token."""
    with transaction(session_factory(engine)) as s:
        analyst = s.scalar(select(User).where(User.email == "analyst@example.org"))
        return {"Authorization": f"Bearer {accounts.create_token(s, analyst, 'edge')}"}


def _count(engine, model) -> int:
    with session_factory(engine)() as s:
        return s.scalar(select(func.count()).select_from(model))


def _message(r) -> str:
    """The error's message: the API's ``detail``, or the error page's text."""
    if r.headers["content-type"].startswith("application/json"):
        return r.json()["detail"]
    return unescape(re.search(r'<p role="alert">(.*?)</p>', r.text, re.S).group(1))


def _api_error(client, r, status: int = 422) -> dict:
    """The body of an API error, checked against the ApiError schema of the OpenAPI document."""
    assert r.status_code == status, r.text
    spec = client.get("/api/openapi.json").json()
    jsonschema.validate(r.json(), {"$ref": "#/components/schemas/ApiError", **spec})
    return r.json()


# --------------------------------------------------------------------------- digits that are no ASCII digits


def test_superscript_digits_are_no_ids(client, token, org_tree, engine):
    r = client.get("/api/v1/surveys/1/results", params={"unit": "²"}, headers=token)
    body = _api_error(client, r)
    assert body["errors"] == [{"field": "unit", "message": "must be an id (a whole number from 1 to 2147483647), "
                                                           "got '²'"}]
    r = client.get("/api/v1/complaints", params={"unit": "²"}, headers=token)
    assert _api_error(client, r)["errors"][0]["field"] == "unit"
    form = client.get(f"/c/{org_tree['North 1']}").text
    key = re.search(r'name="key" value="([^"]+)"', form).group(1)
    r = client.post(f"/c/{org_tree['North 1']}", data={"key": key, "text": "Slow", "channel_id": "²"})
    assert r.status_code == 422 and 'id="err-channel_id"' in r.text
    assert _count(engine, Complaint) == 0


def test_a_page_number_must_be_ascii_digits(client, org_tree, engine):
    with session_factory(engine)() as s:
        from servq.store.models import Survey

        slug = s.scalar(select(Survey.slug))
    r = client.post(f"/s/{slug}/u/{org_tree['North 1']}", data={"key": "k" * 30, "page": "²", "action": "next"})
    assert r.status_code == 422 and _message(r) == "page: must be a page number"


# --------------------------------------------------------------------------- ids beyond INTEGER


@pytest.mark.parametrize("path", [f"/c/{BIG}", f"/c/{2**31}"])
def test_a_public_link_with_a_huge_id_is_a_422(client, path):
    r = client.get(path)
    assert r.status_code == 422 and _message(r) == "unit_id: Input should be less than or equal to 2147483647"


def test_api_ids_beyond_the_databases_integers(client, token, engine):
    r = client.get("/api/v1/surveys/1000000000000/results", headers=token)
    assert _api_error(client, r)["errors"] == [
        {"field": "survey_id", "message": "Input should be less than or equal to 2147483647"}]
    r = client.get("/api/v1/complaints", params={"offset": BIG}, headers=token)
    assert _api_error(client, r)["errors"][0]["field"] == "offset"
    for field in ("unit", "channel", "tier"):
        r = client.get("/api/v1/surveys/1/responses.csv", params={field: BIG}, headers=token)
        assert _api_error(client, r)["errors"][0]["field"] == field
    r = client.post("/api/v1/complaints", json={"key": "k1", "text": "Slow", "unit": int(BIG)}, headers=token)
    assert r.status_code == 422 and "unit: no unit named '99999999999999999999'" in r.json()["detail"]
    assert _count(engine, Complaint) == 0


def test_admin_forms_refuse_huge_ids(client, engine):
    sign_in(client, "admin@example.org")
    csrf = csrf_of(client.get("/admin/units").text)
    before = _count(engine, Unit)
    r = client.post("/admin/units", data={"csrf_token": csrf, "name": "East", "parent_id": BIG})
    assert r.status_code == 422 and _message(r).startswith("parent_id: ")
    assert _count(engine, Unit) == before


# --------------------------------------------------------------------------- dates at the edge of the calendar


@pytest.mark.parametrize("when", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "0001-01-01"])
def test_filter_dates_beyond_the_calendar(client, token, when):
    for name in ("since", "until"):
        r = client.get("/api/v1/complaints", params={name: when}, headers=token)
        [error] = _api_error(client, r)["errors"]
        assert error == {"field": name, "message": f"must lie between the years 1900 and 9999 (in UTC), got '{when}'"}


def test_dashboard_dates_beyond_the_calendar(client):
    sign_in(client, "analyst@example.org")
    r = client.get("/admin/surveys/1/dashboard", params={"since": "0001-01-01"})
    assert r.status_code == 422 and _message(r).startswith("since: must lie between the years 1900 and 9999")
    r = client.get("/admin/complaints", params={"until": "0001-01-01T00:00:00+14:00"})
    assert r.status_code == 422 and _message(r).startswith("until: must lie between the years 1900 and 9999")


# --------------------------------------------------------------------------- an empty unit


@pytest.mark.parametrize("unit", ["", "   "])
def test_a_complaint_needs_a_unit(client, token, engine, unit):
    r = client.post("/api/v1/complaints", json={"key": "k1", "text": "Slow", "unit": unit}, headers=token)
    assert _api_error(client, r)["errors"] == [{"field": "unit", "message": "must not be blank"}]
    assert _count(engine, Complaint) == 0


# --------------------------------------------------------------------------- a report's language


def test_an_unknown_report_language_names_the_languages(client, token):
    allowed = "Input should be 'en', 'sv' or 'zh'"
    r = client.get("/api/v1/surveys/1/results", params={"lang": "fr"}, headers=token)
    assert _api_error(client, r)["errors"] == [{"field": "lang", "message": allowed}]
    sign_in(client, "analyst@example.org")
    for path in ("/admin/surveys/1/report", "/admin/surveys/1/dashboard", "/admin/complaint-analytics/report",
                 "/admin/complaint-analytics"):
        r = client.get(path, params={"lang": "fr"})
        assert r.status_code == 422 and _message(r) == f"lang: {allowed}", path


# --------------------------------------------------------------------------- invitation lists


@pytest.mark.parametrize("content, expected", [
    (b"email,name\nanna@example.org,Anna,extra\n", "row 2: 3 values, but the header names 2 columns"),
    (b"email,name,language\nanna@example.org,Anna,sv\nbo@example.org\n",
     "row 3: 1 value, but the header names 3 columns"),
    (b"email\nanna@example.org\x00\n", "it holds NUL bytes (a binary file?)"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "byte 1 is not UTF-8: save the file as CSV UTF-8"),
    (b"email,name\nanna@example.org,\xe5sa\n", "byte 29 is not UTF-8: save the file as CSV UTF-8"),
    ("email,name\nanna@example.org,{}\n".format("x" * 201).encode(), "row 2, column name: at most 200 characters"),
    (b"email,name\nanna@example.org,An\x07na\n", "row 2, column name: a control character"),
])
def test_a_bad_invitation_file_is_named_and_nothing_is_stored(client, engine, content, expected):
    sign_in(client, "analyst@example.org")
    page = client.get("/admin/surveys/1").text
    r = client.post("/admin/surveys/1/invitations", data={"csrf_token": csrf_of(page), "days": 30},
                    files={"file": ("invitees.csv", content, "text/csv")})
    assert r.status_code == 422 and expected in unescape(r.text), unescape(r.text)[-1500:]
    assert (_count(engine, Invitation), _count(engine, Contact)) == (0, 0)


# --------------------------------------------------------------------------- NUL bytes and over-long names


@pytest.mark.parametrize("name, message", [
    ("North\x00east", "name: a control character ('\\x00') at character 6 is not allowed"),
    ("n" * 201, "name: String should have at most 200 characters"),
    # DEL and the C1 controls are control characters too (\x9b is a terminal's CSI, \x85 a line break)
    ("North\x9b2J", "name: a control character ('\\x9b') at character 6 is not allowed"),
    ("North\x7f", "name: a control character ('\\x7f') at character 6 is not allowed"),
    # a name that reads backwards in a list, a file name or an e-mail's To: ("Trojan Source")
    ("North\u202eexe.pdf", "name: a control character ('\\u202e') at character 6 is not allowed"),
    ("North\u2066x", "name: a control character ('\\u2066') at character 6 is not allowed"),
])
def test_admin_forms_refuse_nul_and_over_long_names(client, engine, name, message):
    sign_in(client, "admin@example.org")
    csrf = csrf_of(client.get("/admin/units").text)
    before = _count(engine, Unit), _count(engine, User)
    r = client.post("/admin/units", data={"csrf_token": csrf, "name": name})
    assert r.status_code == 422 and _message(r) == message
    r = client.post("/admin/users", data={"csrf_token": csrf, "email": "new@example.org", "name": name,
                                          "role": "analyst", "password": "a-long-enough-password"})
    assert r.status_code == 422 and _message(r) == message
    assert (_count(engine, Unit), _count(engine, User)) == before


@pytest.mark.parametrize("field, value", [("text", "Slow\x00"), ("product", "p" * 201), ("key", "k\x00")])
def test_api_complaints_refuse_nul_and_over_long_texts(client, token, engine, field, value):
    body = {"key": "k1", "text": "Slow", "unit": "North 1", field: value}
    r = client.post("/api/v1/complaints", json=body, headers=token)
    assert [e["field"] for e in _api_error(client, r)["errors"]] == [field]
    r = client.post("/api/v1/complaints", json={**body, field: "ok", "contact": {"name": "\x00"}}, headers=token)
    assert [e["field"] for e in _api_error(client, r)["errors"]] == ["contact.name"]
    assert _count(engine, Complaint) == 0


# --------------------------------------------------------------------------- the API's errors (finding 10)


def test_every_api_error_is_documented_as_the_error_schema(client):
    spec = client.get("/api/openapi.json").json()
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            errors = {code: r for code, r in operation["responses"].items() if code.startswith(("4", "5"))}
            assert {"401", "422", "503"} <= set(errors), (method, path)
            for code, response in errors.items():
                assert response["content"]["application/json"]["schema"] == {
                    "$ref": "#/components/schemas/ApiError"}, (method, path, code)


def test_api_errors_of_every_kind_follow_the_schema(client, token):
    assert _api_error(client, client.get("/api/v1/surveys"), 401)["errors"] == []
    assert _api_error(client, client.get("/api/v1/surveys/7/results", headers=token), 404)["errors"] == []
    r = client.post("/api/v1/complaints", content=b"{not json", headers={**token, "content-type": "application/json"})
    assert _api_error(client, r)["errors"][0]["field"] == "body"
    r = client.post("/api/v1/complaints", json={"key": "k", "text": "t", "unit": "North 1", "colour": "red"},
                    headers=token)
    assert _api_error(client, r)["errors"] == [{"field": "colour", "message": "Extra inputs are not permitted"}]
