"""An attacker's probes from outside (HTTP requests only), across the routes: what was found
weak and fixed, and what was found sound and must stay so. Who may see which route is
test_access.py; hostile values in every parameter, test_route_fuzz.py."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from web_helpers import csrf_of, hidden_fields, sign_in

from servq.store.db import session_factory, transaction
from servq.store.models import Channel, Complaint, User
from servq.web import complaints, org, surveys
from servq.web.app import ROUTERS

HOSTILE = "\"'><svg onload=alert(1)>"


# --------------------------------------------------------------------------- HTTP hygiene


@pytest.mark.parametrize("path", ["/login", "/healthz", "/static/servq.css", "/c/2", "/admin", "/nowhere"])
def test_head_answers_as_get_does_without_a_body(client, path):
    got, head = client.get(path, follow_redirects=False), client.head(path, follow_redirects=False)
    assert head.status_code == got.status_code != 405, path
    assert head.content == b""
    for name in ("content-type", "content-length", "content-security-policy", "x-frame-options", "location"):
        assert head.headers.get(name) == got.headers.get(name), (path, name)


def test_head_of_a_post_only_route_is_refused_as_get_is(client):
    assert client.head("/logout").status_code == client.get("/logout").status_code == 405


@pytest.mark.parametrize("path", ["/static/..%2f..%2fapp.py", "/static/%2e%2e/app.py", "/static/..%5c..%5capp.py",
                                  "/static/servq.css%00", "/static/../web/app.py"])
def test_static_files_stay_in_their_folder(client, path):
    r = client.get(path)
    assert r.status_code == 404 and "create_app" not in r.text
    assert r.headers["content-security-policy"] and r.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("method", ["TRACE", "OPTIONS", "PUT", "DELETE"])
def test_other_methods_are_refused_with_the_headers(client, method):
    r = client.request(method, "/login")
    assert r.status_code == 405 and "TRACE" not in r.text and "cookie" not in r.text.lower()
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]


# --------------------------------------------------------------------------- sessions


def test_the_session_cookie_is_new_at_sign_in_and_locked_down(client):
    before = csrf_of(client.get("/login").text)
    r = sign_in(client, "admin@example.org")
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "secure" in cookie and "samesite=lax" in cookie
    assert csrf_of(client.get("/admin/account").text) != before  # the anonymous session's token is gone


def test_a_form_with_another_sessions_csrf_token_is_refused(client, settings, org_tree):
    from fastapi.testclient import TestClient

    from servq.web.app import create_app

    with TestClient(create_app(settings), base_url="https://testserver") as other:
        sign_in(other, "analyst@example.org")
        foreign = csrf_of(other.get("/admin/account").text)
    sign_in(client, "admin@example.org")
    r = client.post("/admin/units", data={"csrf_token": foreign, "name": "Forged"})
    assert r.status_code == 403 and "Forged" not in client.get("/admin/units").text


# --------------------------------------------------------------------------- escaping and the units one sees


def test_hostile_names_are_escaped_on_every_page(client, engine, org_tree):
    """A unit, a channel, a survey title and a complaint carrying markup: no page an
    administrator can open shows it as markup."""
    with transaction(session_factory(engine)) as s:
        admin = s.scalar(select(User).where(User.email == "admin@example.org"))
        unit = org.add_unit(s, "U" + HOSTILE, "branch", org_tree["North"], None)
        channel = surveys.add_named(s, Channel, "c" + HOSTILE, admin)
        survey = surveys.create_survey(s, surveys.SurveyForm(
            title="T" + HOSTILE, instrument="servqual", languages=["en"], unit_ids=[str(unit.id)],
            channel_ids=[str(channel.id)]), admin)
        complaints.intake(s, complaints.NewComplaint(key="h" * 30, unit_id=unit.id, text="C" + HOSTILE, source="form",
                                                     received_at=datetime.now(UTC)))
        survey_id, unit_id = survey.id, unit.id
    sign_in(client, "admin@example.org")
    paths = {r.path for router in ROUTERS for r in router.routes if "GET" in r.methods
             and r.path.startswith("/admin") and "{" not in r.path.replace("{survey_id}", "")}
    paths |= {"/admin/complaints/1", f"/admin/surveys/{survey_id}/qr/{unit_id}.svg", f"/c/{unit_id}"}
    for path in sorted(paths):
        r = client.get(path.replace("{survey_id}", str(survey_id)))
        assert r.status_code == 200 or path.endswith("/report"), path  # no responses: no report (404)
        assert "<svg onload" not in r.text, path


def test_a_manager_filtering_by_another_unit_gets_nothing_of_it(client, answered, org_tree, a_complaint):
    sign_in(client, "south1@example.org")
    south = org_tree["South 1"]
    north = org_tree["North 1"]
    assert client.get(f"/admin/complaints?unit={north}").text.count("Rude staff") == 0
    sign_in(client, "north@example.org")
    assert "Rude staff" in client.get("/admin/complaints").text
    data = client.get(f"/admin/surveys/{answered}/data.csv?unit={south}")
    assert data.status_code == 200 and len(data.text.strip().splitlines()) == 1  # the header alone
    assert client.get(f"/admin/surveys/{answered}/qr/{south}.svg").status_code == 404


# --------------------------------------------------------------------------- input

def test_public_forms_refuse_c1_controls_and_store_nothing(client, org_tree, engine):
    unit = org_tree["North 1"]
    hidden = hidden_fields(client.get(f"/c/{unit}").text)
    for field, value in (("text", "Rude\x9b2J staff"), ("name", "Ann\x85"), ("product", "\u202ebad")):
        data = {**hidden, "text": "Rude staff", field: value}
        r = client.post(f"/c/{unit}", data=data)
        assert r.status_code == 422, field
    with session_factory(engine)() as s:
        assert s.scalar(select(func.count()).select_from(Complaint)) == 0
