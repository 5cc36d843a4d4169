"""YAML sent to the platform (an instrument upload, an SLA calendar) is refused when it
uses aliases, before anything is built (issue 11, finding 5)."""

from __future__ import annotations

from hostile import laughs
from sqlalchemy import select
from web_helpers import csrf_of, sign_in

from servq.store.db import session_factory
from servq.store.models import SlaPolicyRecord, Survey

CALENDAR_BOMB = 'timezone: Europe/Stockholm\nhours: {mon-fri: "08:00-17:00"}\n' + laughs("2026-12-24") + "holidays: *i\n"


def test_an_instrument_upload_with_an_alias_bomb_is_refused(client, org_tree, engine):
    sign_in(client, "analyst@example.org")
    token = csrf_of(client.get("/admin/surveys/new").text)
    r = client.post("/admin/surveys", data={"csrf_token": token, "title": "Bomb", "languages": ["en"],
                                            "unit_ids": [str(org_tree["North"])]},
                    files={"yaml_file": ("bomb.yaml", laughs().encode(), "text/yaml")})
    assert r.status_code == 422
    assert "bomb.yaml, line 2: YAML aliases (*a) are not allowed" in r.text
    with session_factory(engine)() as s:
        assert "Bomb" not in [x.title for x in s.scalars(select(Survey))]


def test_an_sla_calendar_with_an_alias_bomb_is_refused(client, engine):
    sign_in(client, "analyst@example.org")
    token = csrf_of(client.get("/admin/sla").text)
    r = client.post("/admin/sla", data={"csrf_token": token, "category": "*", "tier": "*",
                                        "acknowledge_hours": "8", "resolve_days": "5", "calendar": CALENDAR_BOMB})
    assert r.status_code == 422 and "YAML aliases (*a) are not allowed" in r.text
    with session_factory(engine)() as s:
        assert list(s.scalars(select(SlaPolicyRecord))) == []
