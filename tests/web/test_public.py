"""The open platform: a survey's public scores per unit (off by default), equal to
servq.analyze on each unit's rows, minimum-n suppressed, nothing personal, names escaped,
in three languages, frameable (only it), published only by an administrator with CSRF;
on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pyarrow.compute as pc
import pytest
from sqlalchemy import select
from web_helpers import csrf_of, sign_in

import servq
from servq.store.db import session_factory, transaction
from servq.store.models import AuditEntry, Response, Survey, Unit, User
from servq.web import dataset, org, public
from servq.web.dataset import Filter
from servq.web.security import new_token
from servq.web.surveys import instrument_of

HOSTILE = "<script>alert(1)</script> & Co"


def _publish(engine, on: bool = True) -> str:
    with transaction(session_factory(engine)) as s:
        survey = s.scalar(select(Survey))
        admin = s.scalar(select(User).where(User.email == "admin@example.org"))
        public.publish(s, survey, on, admin, datetime.now(UTC))
        return survey.slug


@pytest.fixture
def published(engine, responses):
    """The 360 responses' survey, published, with a fourth unit (named :data:`HOSTILE`) of
    three responses, one with a comment, and a complaint about North 1."""
    from servq.web import complaints

    with transaction(session_factory(engine)) as s:
        survey = s.get(Survey, responses)
        few = org.add_unit(s, HOSTILE, "branch", None, None)
        survey.units.append(few)
        for i in range(3):
            s.add(Response(key=new_token(), survey_id=survey.id, unit_id=few.id, language="en",
                           submitted_at=datetime(2026, 5, 2, 9 + i, tzinfo=UTC), answers={"E1": 7, "P1": 2},
                           comment="SECRET COMMENT" if i == 0 else ""))
        north = s.scalar(select(Unit.id).where(Unit.name == "North 1"))
        complaints.intake(s, complaints.NewComplaint(key="k" * 30, unit_id=north, text="SECRET COMPLAINT",
                                                     source="form", received_at=datetime.now(UTC)))
    return _publish(engine)


def test_off_by_default_and_published_by_an_administrator_with_csrf(client, engine, responses):
    slug = _survey_slug(engine)
    assert client.get(f"/public/{slug}").status_code == 404
    assert client.get(f"/public/{slug}.json").status_code == 404
    assert client.get("/public/no-such-survey").status_code == 404
    sign_in(client, "analyst@example.org")
    token = csrf_of(client.get("/admin/surveys").text)
    assert client.post("/admin/surveys/1/public", data={"csrf_token": token, "publish": "on"}).status_code == 403
    client.post("/logout", data={"csrf_token": token})
    sign_in(client, "admin@example.org")
    assert 'href="/admin/surveys/1/public"' in client.get("/admin/surveys/1").text
    setting = client.get("/admin/surveys/1/public")
    assert setting.status_code == 200 and 'id="public-embed"' not in setting.text
    assert client.post("/admin/surveys/1/public", data={"publish": "on"}).status_code == 403  # no CSRF token
    assert client.get(f"/public/{slug}").status_code == 404
    r = client.post("/admin/surveys/1/public", data={"csrf_token": csrf_of(setting.text), "publish": "on"},
                    follow_redirects=False)
    assert r.status_code == 303
    setting = client.get("/admin/surveys/1/public").text
    assert f"/public/{slug}?embed=1" in setting and "&lt;iframe" in setting  # the snippet, shown as text
    assert "North 1" in client.get(f"/public/{slug}").text
    client.post("/admin/surveys/1/public", data={"csrf_token": csrf_of(setting)})  # withdrawn: at once
    assert client.get(f"/public/{slug}").status_code == 404
    with session_factory(engine)() as s:
        assert [e.action for e in s.scalars(select(AuditEntry).order_by(AuditEntry.id))
                if e.target == "survey:1"] == ["publish_scores", "withdraw_scores"]


def _survey_slug(engine) -> str:
    with session_factory(engine)() as s:
        return s.scalar(select(Survey.slug))


def test_each_units_figures_are_analyze_on_its_rows(client, engine, published):
    board = client.get(f"/public/{published}.json?lang=en")
    assert board.status_code == 200 and board.headers["access-control-allow-origin"] == "*"
    got = {u["name"]: u for u in board.json()["units"]}
    assert board.json()["measures"] == ["perception", "gap"]
    with session_factory(engine)() as s:
        survey = s.scalar(select(Survey))
        inst = instrument_of(survey)
        rows = dataset.table(s, survey, inst, s.scalar(select(User).where(User.email == "analyst@example.org")),
                             Filter())
    assert set(got) == {"North 1", "Team A", "South 1", HOSTILE}
    for name in ("North 1", "Team A", "South 1"):
        unit_rows = rows.filter(pc.equal(rows.column("unit"), name))
        expected = servq.analyze(unit_rows, inst, min_n=5).to_dict()
        assert got[name]["n"] == unit_rows.num_rows >= 5 and got[name]["withheld"] is None
        assert [d["id"] for d in got[name]["dimensions"]] == [d["id"] for d in expected["dimensions"]]
        for mine, theirs in zip(got[name]["dimensions"], expected["dimensions"], strict=True):
            for measure in ("perception", "gap"):
                for key in public.FIGURES:
                    assert mine[measure][key] == pytest.approx(theirs[measure][key], rel=1e-9, abs=1e-9)
    hostile = got[HOSTILE]
    assert hostile["withheld"] == "too_few" and hostile["n"] is None and hostile["dimensions"] == []
    html = client.get(f"/public/{published}?lang=en").text
    north = got["North 1"]["dimensions"][0]
    assert f'{north["perception"]["mean"]:.2f}'.rstrip("0").rstrip(".") in html
    assert "Fewer than 5 answers so far" in html


def test_nothing_personal_and_names_escaped(client, published):
    for url in (f"/public/{published}", f"/public/{published}.json", f"/public/{published}?lang=zh&embed=1"):
        text = client.get(url).text
        assert "SECRET" not in text and "@example.org" not in text
    html = client.get(f"/public/{published}").text
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in html
    few = re.search(r'<section class="public-unit" id="unit-(\d+)"[^>]*>\s*<h2[^>]*>&lt;script', html).group(1)
    assert f'href="/c/{few}?lang=en"' in html  # the unit's complaint form, and its survey form
    assert re.search(rf'href="/s/{published}/u/{few}\?lang=en"', html)


@pytest.mark.parametrize(("lang", "title", "few"), [("en", "Service quality", "Fewer than 5 answers"),
                                                    ("sv", "Servicekvalitet", "Färre än 5 svar"),
                                                    ("zh", "服务质量", "回答少于 5 份")])
def test_three_languages(client, published, lang, title, few):
    html = client.get(f"/public/{published}?lang={lang}").text
    assert title in html and few in html
    assert client.get(f"/public/{published}", headers={"Accept-Language": f"{lang};q=0.9"}).text.count(title) >= 1
    labels = {d["label"] for u in client.get(f"/public/{published}.json?lang={lang}").json()["units"]
              for d in u["dimensions"]}
    assert labels and all(label in html for label in labels)


def test_only_the_public_page_may_be_framed(client, published):
    for url in (f"/public/{published}", f"/public/{published}?embed=1"):
        r = client.get(url)
        assert "frame-ancestors *" in r.headers["content-security-policy"]
        assert "x-frame-options" not in r.headers
        assert r.headers["cache-control"] == "public, max-age=60"
    assert 'target="_blank" rel="noopener"' in client.get(f"/public/{published}?embed=1").text
    sign_in(client, "admin@example.org")
    setting = client.get("/admin/surveys/1/public")
    assert "frame-ancestors 'none'" in setting.headers["content-security-policy"]
    assert setting.headers["x-frame-options"] == "DENY" and setting.headers["cache-control"] == "no-store"


def test_the_page_is_kept_a_minute(client, engine, published):
    """A response added after the page was made shows after the cache's minute (a fake clock)."""
    now = [0.0]
    client.app.state.public_boards = public.BoardCache(60, clock=lambda: now[0])
    first = client.get(f"/public/{published}.json").json()
    with transaction(session_factory(engine)) as s:
        unit = s.scalar(select(Unit).where(Unit.name == "North 1"))
        s.add(Response(key=new_token(), survey_id=1, unit_id=unit.id, language="en",
                       submitted_at=datetime(2026, 6, 1, tzinfo=UTC), answers={"E1": 1, "P1": 7}))
    assert client.get(f"/public/{published}.json").json() == first
    now[0] = 61
    again = {u["name"]: u["n"] for u in client.get(f"/public/{published}.json").json()["units"]}
    assert again["North 1"] == {u["name"]: u["n"] for u in first["units"]}["North 1"] + 1


def test_a_name_two_units_share_shows_no_figures(client, engine, published):
    with transaction(session_factory(engine)) as s:
        for unit in s.scalars(select(Unit).where(Unit.name.in_(["Team A", "South 1"]))):
            unit.name = "Twin"
    units = client.get(f"/public/{published}.json").json()["units"]
    assert [u["withheld"] for u in units if u["name"] == "Twin"] == ["shared_name", "shared_name"]
    assert next(u for u in units if u["name"] == "North 1")["withheld"] is None
    assert json.dumps(units).count('"n": null') == 3


def test_concurrent_readers_make_the_page_once():
    """A rush on a page that is not kept: one request makes it, the others wait and read it."""
    import threading
    import time

    made = []
    cache = public.BoardCache(60)

    def make():
        made.append(1)
        time.sleep(0.2)
        return None

    threads = [threading.Thread(target=cache.get, args=("slug", "en", make)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(made) == 1
    cache.forget("slug")
    cache.get("slug", "en", make)
    assert len(made) == 2
