"""Links, QR codes, the embed snippet and invitation lists."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import func, select
from web_helpers import csrf_of, sign_in

from servq.store.db import session_factory
from servq.store.models import Contact, Invitation, Survey


@pytest.fixture
def survey_page(client):
    sign_in(client, "analyst@example.org")
    return client.get("/admin/surveys/1").text


def test_survey_page_lists_each_units_link_and_embed_snippet(client, survey_page, org_tree, engine):
    with session_factory(engine)() as s:
        slug = s.get(Survey, 1).slug
    link = f"https://testserver/s/{slug}/u/{org_tree['North 1']}"
    assert f'<a href="{link}">{link}</a>' in survey_page
    assert f"&lt;iframe src=&#34;{link}&#34;" in survey_page  # shown as text, escaped
    assert client.get(link.replace("https://testserver", "")).status_code == 200


def test_qr_codes_encode_the_link(client, survey_page, org_tree):
    svg = client.get(f"/admin/surveys/1/qr/{org_tree['North 1']}.svg")
    assert svg.headers["content-type"] == "image/svg+xml" and svg.text.startswith("<svg")
    png = client.get(f"/admin/surveys/1/qr/{org_tree['North 1']}.png")
    assert png.headers["content-type"] == "image/png" and png.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert "attachment" in png.headers["content-disposition"]
    assert client.get(f"/admin/surveys/1/qr/{org_tree['South 1']}.png").status_code == 404  # not covered
    assert client.get(f"/admin/surveys/1/qr/{org_tree['North 1']}.gif").status_code == 404


def _upload(client, page, text: str, days: int = 30):
    return client.post("/admin/surveys/1/invitations", data={"csrf_token": csrf_of(page), "days": days},
                       files={"file": ("invitees.csv", text.encode(), "text/csv")})


def test_invitation_list_gives_single_use_links(client, survey_page, engine):
    r = _upload(client, survey_page, "email;name;language\nAnna@example.org;Anna;sv\nbo@example.org;Bo;\n")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [(x["email"], x["name"], x["unit"], x["language"]) for x in rows] == [
        ("anna@example.org", "Anna", "North 1", "sv"), ("bo@example.org", "Bo", "North 1", "")]
    link = rows[0]["link"].replace("https://testserver", "")
    opened = client.get(link)
    assert opened.status_code == 200 and '<html lang="sv">' in opened.text
    with session_factory(engine)() as s:
        assert s.scalar(select(func.count()).select_from(Invitation)) == 2
        contacts = {c.email: c.name for c in s.scalars(select(Contact))}
        tokens = [i.token_hash for i in s.scalars(select(Invitation))]
    assert contacts == {"anna@example.org": "Anna", "bo@example.org": "Bo"}
    assert not any(link.rsplit("/", 1)[1] in t for t in tokens)


def test_a_bad_invitation_list_names_every_problem_and_creates_nothing(client, survey_page, engine):
    text = "email,unit,language,tier\nnot-an-address,,,\nok@example.org,South 1,fr,gold\nok@example.org,,,\n"
    r = _upload(client, survey_page, text)
    assert r.status_code == 422
    for expected in ("row 2, column email", "not an e-mail address", "row 3, column unit",
                     "not a unit this survey covers", "row 3, column language", "row 3, column tier",
                     "row 4, column email", "invited twice (also row 3)", "no invitation was created"):
        assert expected in r.text, expected
    assert _upload(client, survey_page, "mail\nx@example.org\n").status_code == 422
    with session_factory(engine)() as s:
        assert s.scalar(select(func.count()).select_from(Invitation)) == 0
        assert s.scalar(select(func.count()).select_from(Contact)) == 0
