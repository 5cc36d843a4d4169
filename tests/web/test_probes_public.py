"""Round 2 of an attacker's probes, aimed at what anyone on the internet reaches: the
respondent's questionnaire, the complaint form, invitation and resume links, the thank-you
pages and the public scores. Real HTTP requests (Starlette's test client; a real uvicorn
server where timing and streaming matter). What was found weak and fixed comes first, then
what was found sound and must stay so; round 1 is test_probes.py."""

from __future__ import annotations

import re
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
from browser_helpers import serving
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text, update
from web_helpers import answer_all, csrf_of, hidden_fields, sign_in

from servq.store.db import session_factory, transaction
from servq.store.models import Complaint, Contact, Draft, Invitation, Response, Survey, Unit
from servq.web.app import create_app
from servq.web.security import RateLimiter, new_token, token_hash


@pytest.fixture
def survey(engine, org_tree):
    with session_factory(engine)() as s:
        return s.scalar(select(Survey).where(Survey.title == "North customers"))


@pytest.fixture
def link(survey, org_tree) -> str:
    return f"/s/{survey.slug}/u/{org_tree['North 1']}"


def _count(engine, model) -> int:
    with session_factory(engine)() as s:
        return s.scalar(select(func.count()).select_from(model))


def _first_page(client, link: str) -> dict:
    return hidden_fields(client.get(link + "?lang=en").text)


def _whole_response(key: str, **changes) -> dict:
    """A whole SERVQUAL response in one post (the last page, page 5, with every answer)."""
    data = {"key": key, "page": "5", "lang": "en", "action": "submit", "recommend": "9", "W_tangibles": "20",
            "W_reliability": "20", "W_responsiveness": "20", "W_assurance": "20", "W_empathy": "20"}
    data.update({f"{part}{i}": "5" for part in "EP" for i in range(1, 23)})
    data.update(changes)
    return data


# =========================================================================== fixed


# --------------------------------------------------------------------------- numbers are ASCII digits


@pytest.mark.parametrize("value", ["\u0663", "\uff17", "\u0e57", "+3", "1_0", "--3", "3.0", "NaN", "Infinity", "1e1",
                                   "9" * 40, "-1", "99999999999999999999"])
def test_an_answer_is_ascii_digits_on_the_scale_or_refused(client, link, engine, value):
    """``int()`` took Arabic-Indic, full-width and Thai digits, a sign and underscores: "٣"
    was stored as 3 although the page never offered it (docs/web.md: numbers are ASCII digits)."""
    r = client.post(link, data={**_first_page(client, link), "E1": value, "action": "save"})
    assert r.status_code == 422 and "Choose one of the answers shown." in r.text
    assert _count(engine, Draft) == 0


@pytest.mark.parametrize("field, value", [("recommend", "\u0669"), ("W_tangibles", "\u0662\u0660"),
                                          ("W_tangibles", "+20"), ("P22", "\uff15")])
def test_a_whole_response_with_a_non_ascii_number_stores_nothing(client, link, engine, field, value):
    r = client.post(link, data=_whole_response(new_token(), **{field: value}))
    assert r.status_code == 422 and _count(engine, Response) == 0


def test_the_editor_takes_a_double_minus_as_no_number(client):
    """``"--5".lstrip("-").isdigit()`` passed the editor's check, then ``int("--5")`` failed: a 500."""
    sign_in(client, "analyst@example.org")
    page = client.get("/admin/editor").text
    data = {"csrf_token": csrf_of(page), "id": "visit", "languages": ["en"], "parts": "perception",
            "scale.min": "--5", "scale.max": "5", "d0.id": "staff", "d0.label.en": "Staff", "d0.i0.id": "--1",
            "d0.i0.text.en": "Kind staff", "name.en": "Visit", "action": "save"}
    r = client.post("/admin/editor", data=data)
    assert r.status_code == 422 and "Internal" not in r.text


# --------------------------------------------------------------------------- the form limiter


def _behind_proxy(settings, **changes):
    """A client whose requests come from a trusted proxy at 127.0.0.1, which says whom it
    forwards for in X-Forwarded-For."""
    app = create_app(settings.model_copy(update={"trusted_proxies": ["127.0.0.1"], **changes}))
    return TestClient(app, base_url="https://testserver", client=("127.0.0.1", 40000))


def test_every_address_of_one_ipv6_network_shares_one_limit(settings, engine, org_tree, link):
    """Counted per address, a single host with its /64 had 2**64 limits: each post from
    another address of it went through."""
    with _behind_proxy(settings, submit_limit=3) as client:
        hidden = _first_page(client, link)
        codes = [client.post(link, data={**hidden, "action": "next"},
                             headers={"x-forwarded-for": f"2001:db8:1:2::{i:x}"}).status_code for i in range(1, 6)]
        assert codes == [200, 200, 200, 429, 429]
        other = client.post(link, data={**hidden, "action": "next"}, headers={"x-forwarded-for": "2001:db8:1:3::1"})
        assert other.status_code == 200  # another network: its own limit
        mapped = [client.post(link, data={**hidden, "action": "next"}, headers={"x-forwarded-for": address}).status_code
                  for address in ("192.0.2.1", "192.0.2.1", "::ffff:192.0.2.1", "::ffff:c000:201")]
        assert mapped == [200, 200, 200, 429]  # an IPv4 address written as IPv6 is the same address


def test_the_limiter_stays_small_and_quick_under_a_flood_of_keys():
    """Past 100,000 live keys the limiter rebuilt its whole table on every post (25 ms each,
    under a lock every form post takes: 40 posts a second for the whole server), and its
    memory grew with every key of the window."""
    now = [0.0]
    limiter = RateLimiter(2, 60, clock=lambda: now[0], max_keys=1000)
    started = time.perf_counter()
    for i in range(30_000):
        now[0] += 0.001
        limiter.take(f"198.51.{i // 256}.{i % 256}")
    assert time.perf_counter() - started < 3 and len(limiter) == 1000
    assert [limiter.take("203.0.113.1") for _ in range(3)][:2] == [0.0, 0.0] and limiter.take("203.0.113.1") > 0
    now[0] += 61
    assert limiter.take("203.0.113.2") == 0.0 and len(limiter) == 1  # the past is forgotten


# --------------------------------------------------------------------------- slow bodies


@contextmanager
def _served(settings):
    """servq in uvicorn on a free port of the loopback (a thread of this process): its port."""
    with serving(settings.database_url, settings) as address:
        yield int(address.rsplit(":", 1)[1])


def _status(port: int, path: str) -> int:
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", path)
        return conn.getresponse().status
    finally:
        conn.close()


def _slow_post(port: int, path: str) -> socket.socket:
    """A post whose body never comes: the headers promise 10,000 bytes, four arrive."""
    sock = socket.create_connection(("127.0.0.1", port))
    sock.sendall(f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                 "Content-Length: 10000\r\n\r\nkey=".encode())
    return sock


def _until_closed(sock: socket.socket) -> bytes:
    sock.settimeout(5)
    got = b""
    while chunk := sock.recv(65536):
        got += chunk
    return got


def test_stalled_bodies_shut_nobody_out_and_are_answered_408(settings, engine, org_tree, link, capfd):
    """"Slow POST": a request waiting for its body counted as one of SERVQ_MAX_PENDING, for
    ever — as many stalled posts as that limit (256 connections) made the server answer 503
    to everyone, the sign-in page and every respondent included. A client that left in the
    middle of its body logged a traceback ("Exception in ASGI application")."""
    slow = settings.model_copy(update={"max_pending": 4, "body_seconds": 1.5})
    with _served(slow) as port:
        stalled = [_slow_post(port, link) for _ in range(6)] + [_slow_post(port, "/c/2")]
        try:
            time.sleep(0.5)
            assert _status(port, "/login") == 200 and _status(port, link) == 200
            stalled.append(_slow_post(port, link))  # twice SERVQ_MAX_PENDING open: the memory they may hold
            time.sleep(0.2)
            assert _status(port, "/login") == 503 and _status(port, "/healthz") == 200
            for sock in stalled:
                answer = _until_closed(sock)  # the connection is closed after the answer
                assert answer.startswith(b"HTTP/1.1 408") and b"connection: close" in answer.lower()
        finally:
            for sock in stalled:
                sock.close()
        assert _status(port, "/login") == 200
        trickle, started = _slow_post(port, link), time.monotonic()  # a byte every 0.2 s: never idle, never done
        try:
            trickle.settimeout(0.2)
            while time.monotonic() - started < 10:
                try:
                    if trickle.recv(100):
                        break
                except TimeoutError:
                    trickle.sendall(b"x")
            assert 1.4 < time.monotonic() - started < 5  # SERVQ_BODY_SECONDS and a second a 4 KB received
        finally:
            trickle.close()
        gone = _slow_post(port, link)
        time.sleep(0.2)
        gone.close()  # a client that leaves in the middle of its body
        time.sleep(0.3)
        assert _status(port, "/login") == 200
    assert "Exception in ASGI application" not in capfd.readouterr().err  # uvicorn's log


# --------------------------------------------------------------------------- what a public form takes


@pytest.mark.parametrize("form", ["survey", "complaint"])
def test_a_public_form_takes_no_file(client, link, org_tree, engine, form):
    """A file part was parsed into a temporary file that nothing closed (a ResourceWarning,
    memory until the collector came); a public form takes no file at all."""
    path = link if form == "survey" else f"/c/{org_tree['North 1']}"
    data = {**_first_page(client, link), "action": "save"} if form == "survey" else {"key": new_token(), "text": "Slow"}
    r = client.post(path, data=data, files={"attachment": ("a.txt", b"x" * 1000, "text/plain")})
    assert r.status_code == 400
    assert _count(engine, Draft) == 0 and _count(engine, Complaint) == 0


@pytest.mark.parametrize("form", ["survey", "complaint"])
def test_a_public_form_has_at_most_1000_fields_in_either_encoding(client, link, org_tree, engine, form):
    path = link if form == "survey" else f"/c/{org_tree['North 1']}"
    base = {**_first_page(client, link), "action": "save"} if form == "survey" else {"key": new_token(), "text": "x"}
    many = {**base, **{f"x{i}": "1" for i in range(1001)}}
    assert client.post(path, data=many).status_code == 400  # urlencoded: parsed without a limit before
    assert client.post(path, data=many, files={"": ("", b"")}).status_code == 400  # multipart
    assert _count(engine, Draft) == 0 and _count(engine, Complaint) == 0


# --------------------------------------------------------------------------- no cookie for respondents


@pytest.mark.parametrize("path", ["/s/nosuchsurvey/u/2", "/c/999999", "/r/" + "x" * 43, "/i/" + "y" * 43,
                                  "/public/nosuchsurvey", "/s/x/u/99999999999", "/nowhere"])
def test_a_respondents_error_page_sets_no_cookie(client, path):
    """Every error page made a session (its CSRF token, for a sign-out form it shows only to
    the signed in) and set a cookie on an anonymous respondent's browser for 8 hours."""
    r = client.get(path)
    assert r.status_code >= 400 and "set-cookie" not in r.headers


def test_a_refused_form_sets_no_cookie(client, link, org_tree):
    assert "set-cookie" not in client.post(link, data={**_first_page(client, link), "comment": "a\x00"}).headers
    r = client.post(f"/c/{org_tree['North 1']}", data={"key": new_token(), "text": "Rude\x9b staff"})
    assert r.status_code == 422 and "set-cookie" not in r.headers
    sign_in(client, "admin@example.org")
    signed_in = client.get("/admin/surveys/99999")
    assert signed_in.status_code == 404 and re.search(r'name="csrf_token" value="[\w-]{43}"', signed_in.text)


# --------------------------------------------------------------------------- anonymity


def _invited_response(client, engine, survey, unit_id) -> tuple[Invitation, Response, Contact]:
    token = new_token()
    with transaction(session_factory(engine)) as s:
        invitation = Invitation(token_hash=token_hash(token), survey_id=survey.id, unit_id=unit_id, language="en",
                                expires_at=datetime.now(UTC) + timedelta(days=7))
        s.add(invitation)
        s.flush()
        s.add(Contact(invitation_id=invitation.id, email="kim@example.org"))
    done, _ = answer_all(client, client.get(f"/i/{token}").text)
    assert "Thank you!" in done
    with session_factory(engine)() as s:
        return s.scalar(select(Invitation)), s.scalar(select(Response)), s.scalar(select(Contact))


def test_an_anonymous_surveys_invitation_keeps_no_time_that_names_its_response(client, engine, survey, org_tree):
    """The invitation (whose contact names the invitee) was marked used at the microsecond
    its response was stored: joining the two tables on that time said whose answers they were."""
    invitation, response, contact = _invited_response(client, engine, survey, org_tree["North 1"])
    assert contact.response_id is None
    assert (invitation.used_at.hour, invitation.used_at.minute, invitation.used_at.second,
            invitation.used_at.microsecond) == (0, 0, 0, 0)
    assert invitation.used_at.date() == response.submitted_at.astimezone(UTC).date()


def test_a_named_surveys_response_stays_linked_to_its_contact(client, engine, survey, org_tree):
    with transaction(session_factory(engine)) as s:
        s.execute(update(Survey).where(Survey.id == survey.id).values(anonymous=False))
    invitation, response, contact = _invited_response(client, engine, survey, org_tree["North 1"])
    assert contact.response_id == response.id
    assert abs(invitation.used_at - response.submitted_at) < timedelta(seconds=5)


# --------------------------------------------------------------------------- drafts expire


def _age_drafts(engine, days: int) -> None:
    with transaction(session_factory(engine)) as s:
        s.execute(update(Draft).values(updated_at=datetime.now(UTC) - timedelta(days=days)))


def test_a_saved_questionnaire_expires_after_30_days(client, engine, link):
    """"Save and continue later" promised 30 days, yet a draft was kept and opened for ever:
    anyone could pile up drafts (answers, comments) without end."""
    hidden = _first_page(client, link)
    r = client.post(link, data={**hidden, "E1": "3", "action": "save"})
    assert r.status_code == 200 and f"/r/{hidden['key']}" in r.text
    _age_drafts(engine, 29)
    assert client.get(f"/r/{hidden['key']}").status_code == 200
    _age_drafts(engine, 31)
    assert client.get(f"/r/{hidden['key']}").status_code == 404
    # the same key posted again starts afresh (the old answers are gone with the old draft)
    assert client.post(link, data={**hidden, "P1": "4", "action": "save"}).status_code == 200
    with session_factory(engine)() as s:
        assert [d.answers for d in s.scalars(select(Draft))] == [{"P1": 4}]


def test_expired_drafts_are_purged_at_start_and_by_the_purge(settings, engine, link, org_tree):
    with TestClient(create_app(settings), base_url="https://testserver") as client:
        for _ in range(3):
            client.post(link, data={**_first_page(client, link), "E1": "3", "action": "save"})
    _age_drafts(engine, 31)
    with TestClient(create_app(settings), base_url="https://testserver") as client:
        assert client.get("/healthz").status_code == 200
        assert _count(engine, Draft) == 0
        client.post(link, data={**_first_page(client, link), "E1": "3", "action": "save"})
    _age_drafts(engine, 40)
    from servq.web import privacy

    with transaction(session_factory(engine)) as s:
        assert privacy.purge_contacts(s, 365, datetime.now(UTC)).drafts == 1
    assert _count(engine, Draft) == 0


def test_an_expired_invitation_draft_is_begun_again(client, engine, survey, org_tree):
    token = new_token()
    with transaction(session_factory(engine)) as s:
        s.add(Invitation(token_hash=token_hash(token), survey_id=survey.id, unit_id=org_tree["North 1"], language="en",
                         expires_at=datetime.now(UTC) + timedelta(days=90)))
    first = client.get(f"/i/{token}")
    _age_drafts(engine, 31)
    again = client.get(f"/i/{token}")
    assert again.status_code == 200 and again.url.path != first.url.path and _count(engine, Draft) == 1


# --------------------------------------------------------------------------- unsubscribe links


def test_unknown_unsubscribe_links_take_no_write_transaction(client):
    """Anyone may post to /unsubscribe/<token> (no CSRF token: RFC 8058's one-click), and
    each post, known link or not, opened a write transaction — on SQLite the write lock,
    taken in turn with every respondent's submission."""
    def no_writes():
        raise AssertionError("a write transaction for an unknown link")

    client.app.state.sessions = no_writes
    for _ in range(5):
        r = client.post("/unsubscribe/" + new_token(), data={"List-Unsubscribe": "One-Click"})
        assert r.status_code == 404 and "set-cookie" not in r.headers


# --------------------------------------------------------------------------- absolute links


def test_the_saved_questionnaires_link_is_on_the_public_address(settings, engine, org_tree, link):
    """The link of "Save and continue later" was made from the request's Host, not from
    SERVQ_PUBLIC_URL as every other link the platform writes out."""
    public = settings.model_copy(update={"public_url": "https://survey.example.org/"})
    with TestClient(create_app(public), base_url="https://testserver") as client:
        hidden = _first_page(client, link)
        r = client.post(link, data={**hidden, "action": "save"})
    assert f'href="https://survey.example.org/r/{hidden["key"]}"' in r.text and "testserver/r/" not in r.text


# --------------------------------------------------------------------------- the server's name


def test_servq_serve_sends_no_server_header(monkeypatch, database_url, engine):
    """uvicorn said "server: uvicorn" on every answer: what runs behind the site, for free."""
    import uvicorn

    from servq.cli.web import serve

    seen = {}
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kw: seen.update(kw))
    monkeypatch.setenv("SERVQ_DATABASE_URL", database_url)
    monkeypatch.setenv("SERVQ_MODE", "development")
    serve(host="127.0.0.1", port=8000, workers=1, dev=True, grace=1)
    assert seen["server_header"] is False and seen["proxy_headers"] is False


# =========================================================================== sound


# --------------------------------------------------------------------------- exactly once


def test_identical_submissions_at_once_store_one_response(client, engine, link):
    key = new_token()
    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(lambda _: client.post(link, data=_whole_response(key)).status_code, range(8)))
    assert codes == [200] * 8 and _count(engine, Response) == 1
    with session_factory(engine)() as s:
        assert s.scalar(select(Response.key)) == key


def test_a_key_cannot_cross_surveys_or_units(client, engine, survey, org_tree, link):
    other_unit = f"/s/{survey.slug}/u/{org_tree['Team A']}"
    with transaction(session_factory(engine)) as s:
        covered = s.get(Survey, survey.id)
        covered.units.append(s.get(Unit, org_tree["Team A"]))
    hidden = _first_page(client, link)
    client.post(link, data={**hidden, "E1": "3", "action": "save"})
    assert client.post(other_unit, data=_whole_response(hidden["key"])).status_code == 404  # another unit's draft
    assert _count(engine, Response) == 0
    done = new_token()
    assert client.post(link, data=_whole_response(done)).status_code == 200
    replayed = client.post(other_unit, data=_whole_response(done, P1="1"))  # a stored key sent elsewhere
    assert replayed.status_code == 200 and _count(engine, Response) == 1
    with session_factory(engine)() as s:
        assert s.scalar(select(Response.unit_id)) == org_tree["North 1"]


@pytest.mark.parametrize("when", ["closed", "not_open"])
def test_a_closed_or_future_survey_takes_nothing(client, engine, survey, link, when):
    hidden = _first_page(client, link)
    now = datetime.now(UTC)
    dates = {"opens_at": now - timedelta(days=9), "closes_at": now - timedelta(days=1)} if when == "closed" else \
        {"opens_at": now + timedelta(days=3), "closes_at": None}
    with transaction(session_factory(engine)) as s:
        s.execute(update(Survey).where(Survey.id == survey.id).values(**dates))
    assert client.post(link, data=_whole_response(hidden["key"])).status_code == (410 if when == "closed" else 403)
    assert client.post(link, data={**hidden, "E1": "3", "action": "save"}).status_code in (403, 410)
    assert _count(engine, Response) == 0 and _count(engine, Draft) == 0


# --------------------------------------------------------------------------- what a form may carry


def test_unknown_and_repeated_fields_store_only_the_surveys_answers(client, engine, link):
    body = "&".join(f"{k}={quote(v)}" for k, v in _whole_response(new_token()).items())
    body += "&E1=3&E1=7&X1=5&E99=3&P1x=2&answers=%7B%7D&survey_id=99&unit_id=1&submitted_at=2000-01-01&id=1"
    r = client.post(link, content=body, headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 200
    with session_factory(engine)() as s:
        stored = s.scalar(select(Response))
    assert stored.answers["E1"] == 7 and set(stored.answers) == \
        {f"{p}{i}" for p in "EP" for i in range(1, 23)} | {"recommend", "W_tangibles", "W_reliability",
                                                            "W_responsiveness", "W_assurance", "W_empathy"}
    assert stored.survey_id != 99 and stored.submitted_at.year >= 2026


@pytest.mark.parametrize("field, value", [("E1", "8"), ("E1", "-1"), ("recommend", "11"), ("W_tangibles", "-20"),
                                          ("W_tangibles", "21"), ("W_tangibles", "1" * 5000), ("comment", "c" * 5001)])
def test_out_of_range_answers_store_nothing(client, engine, link, field, value):
    r = client.post(link, data=_whole_response(new_token(), **{field: value}))
    assert r.status_code == 422 and _count(engine, Response) == 0


@pytest.mark.parametrize("raw, stored", [("%ED%A0%80", "\ufffd" * 3), ("%C0%AE", "\ufffd\ufffd"),
                                         ("%F0%9F%98", "\ufffd"), ("%zz%", "%zz%"), ("a\u200bb", "a\u200bb")])
def test_text_that_is_not_utf8_is_never_stored_as_such(client, engine, link, raw, stored):
    """Lone surrogates (PostgreSQL refuses them), overlong and cut-off sequences read as
    U+FFFD, as browsers read them; a zero-width space is text like any other."""
    body = "&".join(f"{k}={quote(v)}" for k, v in _whole_response(new_token()).items()) + "&comment=" + raw
    r = client.post(link, content=body.encode(), headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 200
    with session_factory(engine)() as s:
        assert s.scalar(select(Response.comment)) == stored


@pytest.mark.parametrize("value", [b"a\x00b", "\u202egnp.exe".encode(), b"a\x1bb", b"\xed\xa0\x80"])
def test_controls_in_any_public_field_are_refused(client, engine, link, value):
    """In a multipart form a part that is not UTF-8 is read as Latin-1 (Starlette): a lone
    surrogate's bytes are then C1 controls, refused as every control is."""
    r = client.post(link, data=_whole_response(new_token()), files={"comment": (None, value)})
    assert r.status_code == 422 and _count(engine, Response) == 0


def test_bodies_past_the_limit_are_refused_however_sent(client, link, engine):
    big = b"comment=" + b"x" * (300 * 1024)
    assert client.post(link, content=big, headers={"content-type": "application/x-www-form-urlencoded"}
                       ).status_code == 413
    chunked = client.post(link, content=iter([big[i:i + 8192] for i in range(0, len(big), 8192)]),
                          headers={"content-type": "application/x-www-form-urlencoded"})
    assert chunked.status_code == 413  # no Content-Length: cut off while streaming
    bomb = b"".join(b'--B\r\nContent-Disposition: form-data; name="f%d"\r\n\r\n1\r\n' % i for i in range(5000))
    assert client.post(link, content=bomb[:250_000] + b"--B--\r\n",
                       headers={"content-type": "multipart/form-data; boundary=B"}).status_code == 400
    assert _count(engine, Draft) == 0


def _raw_answers(port: int, request: bytes) -> list[bytes]:
    """The status lines a real server answers ``request`` (raw bytes, perhaps pipelined) with."""
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(request)
        return [line for line in _until_closed(sock).split(b"\r\n") if line.startswith(b"HTTP/1.1 ")]


def test_ambiguous_framing_and_hosts_are_refused(settings, engine, org_tree):
    """What request smuggling and host confusion need: two lengths, a negative one, an
    unknown transfer coding, two Host headers or none (h11 under uvicorn; a proxy in front
    normalises them too)."""
    host = b"Host: 127.0.0.1\r\n"
    with _served(settings) as port:
        for request in (b"POST /c/2 HTTP/1.1\r\n" + host + b"Content-Length: 4\r\nContent-Length: 40\r\n\r\nabcd",
                        b"POST /c/2 HTTP/1.1\r\n" + host + b"Content-Length: -1\r\n\r\n",
                        b"POST /c/2 HTTP/1.1\r\n" + host + b"Transfer-Encoding: xchunked\r\n\r\n",
                        b"GET /login HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: evil.example\r\n\r\n",
                        b"GET /login HTTP/1.1\r\n\r\n"):
            assert _raw_answers(port, request) == [b"HTTP/1.1 400 Bad Request"], request


# --------------------------------------------------------------------------- anonymity and enumeration


def test_nothing_of_the_respondents_connection_is_stored_or_echoed(client, engine, link):
    agent, address = "Probe/1.0 (unique-agent-7319)", "203.0.113.77"
    headers = {"user-agent": agent, "x-forwarded-for": address, "x-real-ip": address, "forwarded": f"for={address}",
               "referer": "https://tracker.example/?id=7319", "cookie": "tracking=7319"}
    r = client.post(link, data=_whole_response(new_token()), headers=headers, follow_redirects=False)
    assert r.status_code == 303 and re.fullmatch(r"/thanks\?lang=en", r.headers["location"])  # no response id
    assert "set-cookie" not in r.headers and "etag" not in r.headers
    thanks = client.get(r.headers["location"], headers=headers)
    assert "7319" not in thanks.text and address not in thanks.text and "etag" not in thanks.headers
    with session_factory(engine)() as s:
        dump = " ".join(str(row) for table in ("responses", "drafts", "webhook_deliveries")
                        for row in s.execute(text(f"select * from {table}")))
    assert agent not in dump and address not in dump and "7319" not in dump


def test_spoofed_forwarding_headers_change_nothing(settings, engine, org_tree, link):
    """Without SERVQ_TRUSTED_PROXIES no forwarding header is believed; behind a trusted
    proxy the address it appended counts, not the ones the client wrote before it."""
    limited = settings.model_copy(update={"submit_limit": 2})
    spoofs = [{"x-forwarded-for": f"198.51.100.{i}", "x-real-ip": f"198.51.100.{i}", "forwarded": f"for=198.51.100.{i}",
               "true-client-ip": f"198.51.100.{i}", "cf-connecting-ip": f"198.51.100.{i}"} for i in range(4)]
    with TestClient(create_app(limited), base_url="https://testserver") as client:
        hidden = _first_page(client, link)
        codes = [client.post(link, data={**hidden, "action": "next"}, headers=h).status_code for h in spoofs]
    assert codes == [200, 200, 429, 429]
    with _behind_proxy(settings, submit_limit=2) as client:
        hidden = _first_page(client, link)
        codes = [client.post(link, data={**hidden, "action": "next"},
                             headers={"x-forwarded-for": f"198.51.100.{i}, 203.0.113.5"}).status_code for i in range(4)]
    assert codes == [200, 200, 429, 429]


def test_unknown_slugs_units_and_keys_answer_alike(client, engine, survey, org_tree):
    """A survey that does not exist and one whose unit is not covered: the same 404; keys
    and slugs are random (64 and 256 bits), never counted."""
    assert re.fullmatch(r"[A-Za-z0-9_-]{11}", survey.slug)
    absent = client.get("/s/AAAAAAAAAAA/u/2")
    uncovered = client.get(f"/s/{survey.slug}/u/{org_tree['South 1']}")
    assert absent.status_code == uncovered.status_code == 404 and absent.text == uncovered.text
    for path in ("/r/" + "A" * 43, "/i/" + "A" * 43):
        r = client.get(path)
        assert r.status_code == 404 and "Traceback" not in r.text and "sqlalchemy" not in r.text.lower()


@pytest.mark.parametrize("host", ["testserver:1@evil.example", "evil.example", "testserver\\@evil.example",
                                  "testserver:443/evil", "[::1]:x"])
def test_a_hostile_host_header_is_refused(client, link, host):
    """Links written in full are made from SERVQ_PUBLIC_URL or the Host: a Host that is not
    one of SERVQ_ALLOWED_HOSTS, exactly, never gets that far."""
    r = client.post(link, data={**_first_page(client, link), "action": "save"}, headers={"host": host})
    assert r.status_code == 400 and "evil" not in r.text


def test_public_pages_carry_the_security_headers(client, link, survey, org_tree):
    form = client.get(link)
    resume = client.post(link, data={**hidden_fields(form.text), "action": "save"})
    for r in (form, resume, client.get("/thanks"), client.get(f"/c/{org_tree['North 1']}"), client.get("/c/thanks")):
        assert r.headers["x-content-type-options"] == "nosniff" and r.headers["referrer-policy"] == "same-origin"
        assert r.headers["cache-control"] == "no-store"  # pages with a key or a resume link are never cached
        csp = r.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "frame-ancestors *" in csp and "unsafe-inline" not in csp


@pytest.mark.parametrize("lang", ["../../../../etc/passwd", "en%0d%0aSet-Cookie:%20x=1", "x" * 5000, "sv%00",
                                  "{{7*7}}", "en-US", "SV"])
def test_hostile_languages_fall_back_to_a_known_one(client, link, org_tree, lang):
    for path in (link, f"/c/{org_tree['North 1']}", "/thanks", "/c/thanks"):
        r = client.get(f"{path}?lang={lang}", headers={"accept-language": f"{lang};q=nan, zh;q=inf, xx;q=1e999"})
        assert r.status_code == 200, path
        assert re.search(r'<html lang="(en|sv|zh-Hans)">', r.text) and "set-cookie" not in r.headers
        assert "passwd" not in r.text and "49" not in r.text.split("<body")[0] and "x=1" not in str(r.headers)


def test_a_huge_accept_language_costs_nothing(client, link):
    r = client.get(link, headers={"accept-language": ",".join(f"x{i};q=0.{i % 10}" for i in range(1500)) + ",sv"})
    assert r.status_code == 200 and '<html lang="sv">' in r.text


def test_redirects_of_public_pages_stay_on_the_site(client, link, org_tree):
    hidden = _first_page(client, link)
    for extra in ({"next": "https://evil.example"}, {"lang": "//evil.example"}, {"lang": "en/../../\\evil.example"}):
        r = client.post(link, data={**hidden, "action": "next", **extra}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/r/") and "evil" not in r.headers["location"]
    r = client.post(f"/c/{org_tree['North 1']}", data={"key": new_token(), "text": "Slow", "lang": "//evil.example"},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/c/thanks?lang=en"
