"""Customer supervisors end to end, on SQLite and PostgreSQL: the invitation by SMTP (a real
server on the loopback), signing up through its single-use link, an evaluation with a
photo stored as a response of the supervisor channel (and so counted as that channel by the
dashboard's data and servq.analyze), the points ledger and its CSV, photos refused by their
content and size, what a supervisor may not see, deactivation and erasure."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from mail_helpers import PUBLIC, body
from PIL import Image
from sqlalchemy import func, select
from web_helpers import PASSWORD, csrf_of, sign_in

import servq
from servq.cli.app import main
from servq.store.db import session_factory, transaction
from servq.store.models import (
    AuditEntry,
    Channel,
    OutboxMessage,
    PointsEntry,
    Response,
    Supervisor,
    SupervisorEvaluation,
    SupervisorPhoto,
    Survey,
    User,
)
from servq.web import dataset, supervisors
from servq.web.app import create_app
from servq.web.surveys import instrument_of
from servq.web.worker import Worker

LI = "li.wei@example.org"


@pytest.fixture
def sv_settings(run_settings):
    return run_settings.model_copy(update=dict(supervisor_photos=2, supervisor_photo_kb=64))


@pytest.fixture
def app_client(sv_settings, engine, org_tree):
    with TestClient(create_app(sv_settings), base_url="https://testserver") as c:
        yield c


@pytest.fixture
def worker(sv_settings, engine):
    return Worker(sv_settings, session_factory(engine), name="test-worker")


def jpeg_with_location(size=(64, 48)) -> bytes:
    """A JPEG whose EXIF says where it was taken (GPS) and with which camera."""
    image = Image.new("RGB", size, (200, 40, 40))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (59.0, 19.0, 46.0), 3: "E", 4: (18.0, 4.0, 7.0)}  # GPSInfo
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def png_bytes(size=(32, 32)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 120, 60)).save(out, format="PNG")
    return out.getvalue()


def invite(client: TestClient, name="Li Wei", email=LI, language="en", units=()):
    page = client.get("/admin/supervisors").text
    return client.post("/admin/supervisors", data={"csrf_token": csrf_of(page), "name": name, "email": email,
                                                   "language": language, "unit_ids": list(units)},
                       follow_redirects=False)


def join_link(inbox, address: str) -> str:
    message = inbox.to(address)[-1]
    return re.search(rf"{re.escape(PUBLIC)}(/join/[\w-]+)", body(message)).group(1)


def join(client: TestClient, link: str, password: str = PASSWORD):
    page = client.get(link)
    assert page.status_code == 200, page.text[:300]
    return client.post(link, data={"csrf_token": csrf_of(page.text), "password": password, "repeat": password},
                       follow_redirects=False)


def supervisor_signed_up(app_client, worker, inbox, org_tree, email=LI, name="Li Wei") -> TestClient:
    """Invite ``email`` (as the administrator), send the e-mail, sign up; the client is the supervisor's."""
    sign_in(app_client, "admin@example.org")
    assert invite(app_client, name, email, units=[org_tree["North 1"]]).status_code == 303
    worker.run_once()
    inbox.wait_for(1)
    link = join_link(inbox, email)
    app_client.cookies.clear()
    r = join(app_client, link)
    assert r.status_code == 303 and r.headers["location"] == "/supervise"
    return app_client


def evaluation_form(client: TestClient, unit_id: int, visit: str | None = None) -> str:
    survey_id = 1
    r = client.get("/supervise/evaluate", params={"survey": survey_id, "unit": unit_id,
                                                  "visit": visit or date.today().isoformat()})
    assert r.status_code == 200, r.text[:500]
    return r.text


def answers_of(page: str) -> dict:
    fields = sorted(set(re.findall(r'<input type="radio" name="(\w+)"', page)))
    hidden = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page))
    return {**hidden, **{f: "6" if f.startswith("P") else "5" for f in fields},
            "comment": "The queue moved fast; the <b>counter</b> was tidy."}


def submit(client: TestClient, page: str, files=None, **changes):
    data = answers_of(page) | changes
    return client.post("/supervise/evaluate", data=data, files=files or [], follow_redirects=False)


def counts(engine) -> dict[str, int]:
    with session_factory(engine)() as s:
        return {name: s.scalar(select(func.count()).select_from(model)) for name, model in (
            ("responses", Response), ("evaluations", SupervisorEvaluation), ("photos", SupervisorPhoto),
            ("points", PointsEntry))}


def test_invited_by_email_signs_up_evaluates_with_a_photo_and_earns_points(app_client, worker, smtp, org_tree, engine,
                                                                          sv_settings):
    _controller, inbox = smtp
    client = app_client
    sign_in(client, "admin@example.org")
    r = invite(client, units=[org_tree["North 1"], org_tree["Team A"]], language="sv")
    assert r.status_code == 303
    assert "Inbjudan" not in client.get(r.headers["location"]).text  # the administrator's pages are in English
    worker.run_once()
    message = inbox.wait_for(1)[0]
    assert str(message["To"]) == f"Li Wei <{LI}>" and message["Subject"] == "Din inbjudan som kundövervakare"
    assert "Hej Li Wei!" in body(message) and message["Content-Language"] == "sv"
    link = join_link(inbox, LI)
    with session_factory(engine)() as s:  # only the link's hash is stored
        supervisor = s.scalar(select(Supervisor))
        assert supervisor.invite_token_hash and link.rsplit("/", 1)[1] not in supervisor.invite_token_hash
        assert s.scalar(select(OutboxMessage.status).where(OutboxMessage.supervisor_id == supervisor.id)) == "sent"
        assert s.scalar(select(User.role).where(User.email == LI)) == "supervisor"

    client.cookies.clear()
    assert sign_in(client, LI).status_code == 401  # no password before signing up
    short = join(client, link, "short")
    assert short.status_code == 422 and "12" in short.text
    r = join(client, link)
    assert r.status_code == 303 and r.headers["location"] == "/supervise"
    assert client.get(link).status_code == 404  # single-use
    home = client.get("/supervise")
    assert home.status_code == 200 and "Välkommen, Li Wei." in home.text and "North customers" in home.text

    client.cookies.clear()
    r = sign_in(client, LI)  # an ordinary sign-in, asked for /admin, lands on the supervisor's pages
    assert r.status_code == 303 and r.headers["location"] == "/supervise"
    page = evaluation_form(client, org_tree["North 1"])
    assert 'name="P1"' in page and 'type="file"' in page
    photo = jpeg_with_location()
    r = submit(client, page, files=[("photo", ("IMG_0001.heic", photo, "application/octet-stream"))])
    assert r.status_code == 303 and r.headers["location"] == "/supervise?done=1", r.text[:800]
    again = submit(client, page, files=[("photo", ("IMG_0001.heic", photo, "image/jpeg"))])  # the same form again
    assert again.status_code == 303 and counts(engine)["responses"] == 1  # stored once
    home = client.get("/supervise?done=1").text
    assert 'id="balance">15<' in home  # 10 per evaluation + 5 for the photo (the default rule)

    with session_factory(engine)() as s:
        response = s.scalar(select(Response))
        channel = s.get(Channel, response.channel_id)
        assert channel.name == supervisors.CHANNEL and channel.labels["sv"] == "Kundövervakare"
        assert response.answers["P1"] == 6 and response.unit_id == org_tree["North 1"]
        assert response.comment == "The queue moved fast; the <b>counter</b> was tidy."
        evaluation = s.scalar(select(SupervisorEvaluation))
        assert evaluation.response_id == response.id and evaluation.visit_on == date.today()
        stored = s.scalar(select(SupervisorPhoto))
        assert stored.content_type == "image/jpeg" and stored.data != photo
        with Image.open(io.BytesIO(stored.data)) as image:  # re-encoded: no place, no camera
            assert image.size == (64, 48) and not image.getexif() and "exif" not in image.info
        evaluation_id, photo_id = evaluation.id, stored.id

    # the supervisor sees their evaluation (not its photo); the organisation sees the photo as an image
    mine = client.get(f"/supervise/evaluations/{evaluation_id}")
    assert mine.status_code == 200 and "&lt;b&gt;counter&lt;/b&gt;" in mine.text and "/photos/" not in mine.text
    assert client.get(f"/admin/supervisors/photos/{photo_id}").status_code == 403
    client.cookies.clear()
    sign_in(client, "analyst@example.org")
    shown = client.get(f"/admin/supervisors/evaluations/{evaluation_id}")
    assert shown.status_code == 200 and f"/admin/supervisors/photos/{photo_id}" in shown.text
    image = client.get(f"/admin/supervisors/photos/{photo_id}")
    assert image.headers["content-type"] == "image/jpeg" and image.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in image.headers["content-security-policy"] and image.content == stored.data
    assert "Li Wei" in client.get("/admin/supervisors/evaluations").text

    # the dashboard's data and servq.analyze count it under the supervisor channel
    rows = list(csv.DictReader(io.StringIO(client.get("/admin/surveys/1/data.csv").text)))
    assert [(r["channel"], r["unit"]) for r in rows] == [("supervisors", "North 1")]
    with session_factory(engine)() as s:
        survey = s.get(Survey, 1)
        table = dataset.table(s, survey, instrument_of(survey), s.scalar(select(User).where(
            User.email == "analyst@example.org")), dataset.Filter())
    results = servq.analyze(table, instrument_of(survey), by="channel", quality=False, min_n=1)
    assert results.segments["channel"]["supervisors"]["n"] == 1
    dashboard = client.get("/admin/surveys/1/dashboard", params={"channel": channel.id}).text
    assert "1 response." in dashboard and f'<option value="{channel.id}" selected>Supervisors</option>' in dashboard


def test_points_rule_adjustments_and_the_ledger_csv(app_client, worker, smtp, org_tree, engine):
    client = supervisor_signed_up(app_client, worker, smtp[1], org_tree)
    page = evaluation_form(client, org_tree["North 1"], (date.today() - timedelta(days=3)).isoformat())
    assert submit(client, page).status_code == 303  # no photo: no bonus
    client.cookies.clear()
    sign_in(client, "admin@example.org")
    admin_page = client.get("/admin/supervisors").text
    token = csrf_of(admin_page)
    bad = client.post("/admin/supervisors/rule", data={"csrf_token": token, "per_evaluation": "ten", "photo_bonus": "2"})
    assert bad.status_code == 422 and "points per evaluation must be a whole number" in bad.text
    assert client.post("/admin/supervisors/rule", data={"csrf_token": token, "per_evaluation": "20",
                                                         "photo_bonus": "2"}).status_code == 200
    with session_factory(engine)() as s:
        supervisor_id = s.scalar(select(Supervisor.id))
    no_reason = client.post(f"/admin/supervisors/{supervisor_id}/points", data={"csrf_token": token, "points": "50",
                                                                                 "reason": " "})
    assert no_reason.status_code == 422 and "needs a reason" in no_reason.text
    r = client.post(f"/admin/supervisors/{supervisor_id}/points",
                    data={"csrf_token": token, "points": "-3", "reason": "=HYPERLINK(\"http://x\")"})
    assert r.status_code == 200 and "The adjustment is in the ledger." in r.text
    ledger = client.get("/admin/supervisors/ledger.csv")
    assert ledger.headers["content-type"].startswith("text/csv") and "attachment" in ledger.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(ledger.text)))
    assert [(r["kind"], r["points"], r["name"], r["email"]) for r in rows] == [
        ("evaluation", "10", "Li Wei", LI), ("adjustment", "-3", "Li Wei", LI)]
    assert rows[1]["reason"] == "'=HYPERLINK(\"http://x\")"  # a formula is neutralised
    client.cookies.clear()
    sign_in(client, LI)
    page = evaluation_form(client, org_tree["North 1"])
    assert submit(client, page, files=[("photo", ("a.png", png_bytes(), "image/png"))]).status_code == 303
    home = client.get("/supervise").text  # 10 - 3 + (20 + 2)
    assert 'id="balance">29<' in home and "=HYPERLINK" in home


@pytest.mark.parametrize("upload, message", [
    ([("photo", ("holiday.jpg", b"GIF89a" + b"\0" * 100, "image/jpeg"))], "holiday.jpg is not a JPEG or PNG image"),
    ([("photo", ("script.png", b"<svg onload=alert(1)>", "image/png"))], "script.png is not a JPEG or PNG image"),
    ([("photo", ("huge.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 70_000, "image/png"))], "huge.png is larger than 64 KB"),
    ([("photo", ("broken.jpg", b"\xff\xd8\xff\xe0" + b"junk" * 10, "image/jpeg"))], "broken.jpg cannot be read"),
    ([("photo", (f"p{i}.png", png_bytes(), "image/png")) for i in range(3)], "at most 2 photos per evaluation"),
])
def test_a_bad_photo_is_refused_with_its_name_and_nothing_is_stored(app_client, worker, smtp, org_tree, engine,
                                                                   upload, message):
    client = supervisor_signed_up(app_client, worker, smtp[1], org_tree)
    page = evaluation_form(client, org_tree["North 1"])
    before = counts(engine)
    r = submit(client, page, files=upload)
    assert r.status_code == 422 and message in r.text and "nothing was stored" in r.text
    assert 'value="6" checked' in r.text  # the answers are kept for the next try
    assert counts(engine) == before


def test_wrong_visits_and_answers_are_named(app_client, worker, smtp, org_tree, engine):
    client = supervisor_signed_up(app_client, worker, smtp[1], org_tree)
    future = (date.today() + timedelta(days=1)).isoformat()
    for params, said in [
        ({"survey": 1, "unit": org_tree["North 1"], "visit": future}, "within the last 366 days and not in the future"),
        ({"survey": 1, "unit": org_tree["North 1"], "visit": "yesterday"}, "got &#39;yesterday&#39;"),
        ({"survey": 1, "unit": org_tree["South 1"], "visit": "2026-01-01"}, "choose one of your units"),
        ({"survey": 99, "unit": org_tree["North 1"], "visit": "2026-01-01"}, "choose one of the open surveys"),
    ]:
        r = client.get("/supervise/evaluate", params=params)
        assert r.status_code == 422 and said in r.text, (params, r.text[:2000])
    page = evaluation_form(client, org_tree["North 1"])
    off_scale = submit(client, page, P1="9")
    assert off_scale.status_code == 422 and 'aria-invalid="true" aria-describedby="err-P1"' in off_scale.text
    empty = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page))
    r = client.post("/supervise/evaluate", data=empty, follow_redirects=False)
    assert r.status_code == 422 and "Answer at least one question." in r.text
    r = client.post("/supervise/evaluate", data=answers_of(page) | {"csrf_token": "forged"}, follow_redirects=False)
    assert r.status_code == 403
    assert counts(engine)["responses"] == 0


def _get_routes(app) -> list[str]:
    """Every GET route of the administration and the API, its parameters filled in."""
    return [re.sub(r"\{(\w+)\}", lambda m: "csv" if m.group(1) in ("fmt", "kind") else "1", r.path)
            for r in iter_route_contexts(app.routes) if isinstance(r.original_route, APIRoute)
            and "GET" in r.methods and r.path.startswith(("/admin", "/api/v1"))]


def test_a_supervisor_sees_only_their_own_pages(app_client, worker, smtp, org_tree, engine):
    _controller, inbox = smtp
    client = supervisor_signed_up(app_client, worker, inbox, org_tree)
    page = evaluation_form(client, org_tree["North 1"])
    assert submit(client, page).status_code == 303
    paths = _get_routes(client.app)
    assert "/admin/supervisors" in paths and "/admin/surveys/1/dashboard" in paths and "/api/v1/surveys" in paths
    for path in paths:
        r = client.get(path, follow_redirects=False)
        assert r.status_code in (401, 403), (path, r.status_code)
    for path in ("/admin/supervisors/1/active", "/admin/supervisors", "/admin/users", "/admin/surveys"):
        assert client.post(path, data={"csrf_token": csrf_of(page)}, follow_redirects=False).status_code == 403
    # a second supervisor cannot see the first one's evaluation
    with session_factory(engine)() as s:
        first = s.scalar(select(SupervisorEvaluation.id))
    client.cookies.clear()
    other = supervisor_signed_up(client, worker, inbox, org_tree, "kim@example.org", "Kim")
    assert other.get(f"/supervise/evaluations/{first}").status_code == 404
    assert "Li Wei" not in other.get("/supervise").text
    # and nobody else may use the supervisors' pages
    for email in ("admin@example.org", "analyst@example.org", "north@example.org"):
        client.cookies.clear()
        sign_in(client, email)
        assert client.get("/supervise", follow_redirects=False).status_code == 403
        assert client.get(f"/supervise/evaluations/{first}", follow_redirects=False).status_code == 403
    assert client.get("/admin/supervisors").status_code == 403  # a unit manager
    assert client.get("/admin/supervisors/evaluations").status_code == 403
    client.cookies.clear()
    sign_in(client, "analyst@example.org")  # analysts see evaluations, not the administration of supervisors
    assert client.get("/admin/supervisors/evaluations").status_code == 200
    assert client.get("/admin/supervisors").status_code == 403
    assert client.get("/admin/supervisors/ledger.csv").status_code == 403


def test_invitations_again_deactivation_and_mistakes(app_client, worker, smtp, org_tree, engine):
    _controller, inbox = smtp
    client = app_client
    sign_in(client, "admin@example.org")
    r = invite(client, name="", email="not-an-address", units=[])
    assert r.status_code == 422 and "a supervisor needs a name" in r.text and "choose at least one unit" in r.text
    assert invite(client, email="Analyst@example.org", units=[org_tree["North 1"]]).status_code == 422
    assert invite(client, units=[org_tree["North 1"]]).status_code == 303
    assert invite(client, units=[org_tree["North 1"]]).status_code == 422  # the address is taken
    worker.run_once()
    first = join_link(inbox, LI)
    with session_factory(engine)() as s:
        supervisor_id = s.scalar(select(Supervisor.id))
    token = csrf_of(client.get("/admin/supervisors").text)
    assert client.post(f"/admin/supervisors/{supervisor_id}/invitation", data={"csrf_token": token},
                       follow_redirects=False).status_code == 303
    worker.run_once()
    inbox.wait_for(2)
    second = join_link(inbox, LI)
    assert second != first
    client.cookies.clear()
    assert client.get(first).status_code == 404  # replaced by the newer invitation
    assert join(client, second).status_code == 303
    assert client.get("/supervise").status_code == 200
    admin = TestClient(client.app, base_url="https://testserver")
    sign_in(admin, "admin@example.org")
    token = csrf_of(admin.get("/admin/supervisors").text)
    # a new link for a supervisor who signed up: a new password, and every old session ends
    assert admin.post(f"/admin/supervisors/{supervisor_id}/invitation", data={"csrf_token": token},
                      follow_redirects=False).status_code == 303
    worker.run_once()
    inbox.wait_for(3)
    reset = TestClient(client.app, base_url="https://testserver")
    assert join(reset, join_link(inbox, LI), "another-long-password").status_code == 303
    assert client.get("/supervise", follow_redirects=False).status_code == 303
    assert sign_in(client, LI).status_code == 401 and sign_in(client, LI, "another-long-password").status_code == 303
    assert admin.post(f"/admin/supervisors/{supervisor_id}/active", data={"csrf_token": token, "active": "0"},
                      follow_redirects=False).status_code == 303
    r = client.get("/supervise", follow_redirects=False)  # signed out at once
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    assert sign_in(client, LI, "another-long-password").status_code == 401
    refused = admin.post(f"/admin/supervisors/{supervisor_id}/invitation", data={"csrf_token": token})
    assert refused.status_code == 422 and "the supervisor is deactivated" in refused.text
    with session_factory(engine)() as s:
        assert s.scalar(select(Supervisor.joined_at)) is not None


def test_erasure_removes_the_person_and_keeps_the_evaluations_anonymous(app_client, worker, smtp, org_tree, engine,
                                                                         database_url, monkeypatch, capsys):
    client = supervisor_signed_up(app_client, worker, smtp[1], org_tree)
    page = evaluation_form(client, org_tree["North 1"])
    assert submit(client, page, files=[("photo", ("a.png", png_bytes(), "image/png"))]).status_code == 303
    before = counts(engine)
    monkeypatch.setenv("SERVQ_DATABASE_URL", database_url)
    with pytest.raises(SystemExit) as exit_:
        main(["privacy", "erase", "--contact", "Li.Wei@Example.org"])
    assert exit_.value.code == 0
    assert "erased 1 customer supervisor(s); their evaluations are kept, anonymous" in capsys.readouterr().out
    assert counts(engine) == before  # the response, the evaluation, its photo and the points stay
    with session_factory(engine)() as s:
        assert s.scalar(select(User).where(User.email == LI)) is None and s.scalar(select(Supervisor)) is None
        assert s.scalar(select(SupervisorEvaluation.supervisor_id)) is None
        assert s.scalar(select(PointsEntry.supervisor_id)) is None
        assert s.scalar(select(OutboxMessage)) is None
        logged = [(e.actor, e.target, str(e.detail)) for e in s.scalars(select(AuditEntry))]
        assert not any("li.wei" in " ".join(entry).lower() for entry in logged)
        assert s.scalar(select(Response.channel_id)) is not None
    r = client.get("/supervise", follow_redirects=False)
    assert r.status_code == 303  # the erased person's session is gone
    sign_in(client, "admin@example.org")
    ledger = list(csv.DictReader(io.StringIO(client.get("/admin/supervisors/ledger.csv").text)))
    assert [(r["name"], r["email"], r["points"]) for r in ledger] == [("", "", "15")]
    assert "(erased)" in client.get("/admin/supervisors/evaluations").text


def test_the_invitation_is_not_sent_once_replaced_or_expired(app_client, engine, org_tree, sv_settings, worker, smtp):
    with transaction(session_factory(engine)) as s:
        admin = s.scalar(select(User).where(User.email == "admin@example.org"))
        now = datetime.now(UTC)
        supervisor = supervisors.invite(s, "Bo", "bo@example.org", "en", [org_tree["North 1"]], admin, sv_settings, now)
        supervisors.send_invitation(s, supervisor, sv_settings, now)  # the first is replaced before it went out
        expired = supervisors.invite(s, "Ai", "ai@example.org", "zh", [org_tree["North 1"]], admin, sv_settings, now)
        expired.invite_expires_at = now - timedelta(seconds=1)
    worker.run_once()
    with session_factory(engine)() as s:
        outcome = {m.key.split(":", 1)[1]: (m.status, m.last_error) for m in s.scalars(select(OutboxMessage))}
    assert sorted(v for v in outcome.values()) == [
        ("cancelled", "a newer invitation replaced this one"), ("cancelled", "the sign-up link has expired"),
        ("sent", "")]
    assert [str(m["To"]) for m in smtp[1].wait_for(1)] == ["Bo <bo@example.org>"]
    with session_factory(engine)() as s:
        assert s.scalar(select(Survey.id)) == 1
