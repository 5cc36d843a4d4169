"""Limits and single-use tokens under concurrency, on both databases: the check and the
consumption are one statement in the database, so concurrent requests cannot all pass a
check before any of them counts (finding 7 of the hardening issue)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from web_helpers import PASSWORD, csrf_of

from servq.store.db import session_factory, transaction
from servq.store.models import Draft, Invitation, RateCounter, Response, Survey
from servq.web import accounts, responding
from servq.web.app import create_app
from servq.web.security import new_token, token_hash


def _parallel(n: int, call):
    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(lambda _: call(), range(n)))


@pytest.fixture
def verifications(monkeypatch):
    """How many passwords were checked."""
    count = {"n": 0}
    lock = threading.Lock()
    real = accounts.authenticate

    def counted(*args, **kwargs):
        with lock:
            count["n"] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(accounts, "authenticate", counted)
    return count


def _login(client, token, email, password="wrong-password-123"):
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token},
                       follow_redirects=False)


def test_parallel_wrong_passwords_are_checked_at_most_the_limit(client, verifications):
    token = csrf_of(client.get("/login").text)
    answers = _parallel(30, lambda: _login(client, token, "admin@example.org"))
    codes = sorted(r.status_code for r in answers)
    assert verifications["n"] == 3  # SERVQ_LOGIN_ATTEMPTS=3 in the test settings
    assert codes == [401] * 3 + [429] * 27
    assert all(1 <= int(r.headers["retry-after"]) <= 60 for r in answers if r.status_code == 429)
    assert _login(client, token, "admin@example.org", PASSWORD).status_code == 429  # still locked out


def test_password_spraying_across_accounts_is_limited_per_address(settings, engine, org_tree, verifications):
    sprayed = settings.model_copy(update={"login_attempts": 5, "login_address_attempts": 4})
    with TestClient(create_app(sprayed), base_url="https://testserver") as client:
        token = csrf_of(client.get("/login").text)
        codes = [_login(client, token, f"user{i}@example.org").status_code for i in range(6)]
    assert codes == [401] * 4 + [429] * 2 and verifications["n"] == 4


def test_a_successful_sign_in_forgets_the_accounts_failures(client):
    token = csrf_of(client.get("/login").text)
    assert [_login(client, token, "admin@example.org").status_code for _ in range(2)] == [401, 401]
    assert _login(client, token, "admin@example.org", PASSWORD).status_code == 303
    token = csrf_of(client.get("/login").text)
    assert [_login(client, token, "admin@example.org").status_code for _ in range(4)] == [401, 401, 401, 429]


def _invite(engine, survey_id: int, unit_id: int) -> str:
    token = new_token()
    with transaction(session_factory(engine)) as s:
        s.add(Invitation(token_hash=token_hash(token), survey_id=survey_id, unit_id=unit_id, language="en",
                         expires_at=datetime.now(UTC) + timedelta(days=7)))
    return token


def _whole_response(key: str) -> dict:
    answers = {f"{p}{i}": 6 if p == "P" else 7 for p in "EP" for i in range(1, 23)}
    answers.update(W_tangibles=20, W_reliability=20, W_responsiveness=20, W_assurance=20, W_empathy=20,
                   overall_satisfaction=6, recommend=10, intention_to_return=7)
    return {**answers, "key": key, "page": 5, "lang": "en", "action": "submit"}


def test_one_invitation_opened_and_sent_at_once_stores_one_response(client, engine, org_tree):
    with session_factory(engine)() as s:
        survey = s.scalar(select(Survey).where(Survey.title == "North customers"))
    token = _invite(engine, survey.id, org_tree["North 1"])
    opened = _parallel(8, lambda: client.get(f"/i/{token}", follow_redirects=False))
    assert {r.status_code for r in opened} == {303}
    drafts = {r.headers["location"].split("?")[0] for r in opened}
    assert len(drafts) == 1  # one draft, continued by every opening
    key = drafts.pop().removeprefix("/r/")
    url = f"/s/{survey.slug}/u/{org_tree['North 1']}"
    sent = _parallel(8, lambda: client.post(url, data=_whole_response(key), follow_redirects=False))
    assert {r.status_code for r in sent} == {303}
    with session_factory(engine)() as s:
        assert s.scalar(select(func.count()).select_from(Response)) == 1
        assert s.scalar(select(func.count()).select_from(Draft)) == 0
        assert s.scalar(select(Invitation.used_at)) is not None
    assert client.get(f"/i/{token}").status_code == 404


def test_a_used_invitation_stores_nothing_more_whatever_draft_comes_late(client, engine, org_tree):
    """A draft made by an opening that raced the submission (it read the invitation as unused
    just before): its submission is refused by the atomic use of the invitation."""
    with session_factory(engine)() as s:
        survey = s.scalar(select(Survey).where(Survey.title == "North customers"))
    token = _invite(engine, survey.id, org_tree["North 1"])
    first = client.get(f"/i/{token}", follow_redirects=False).headers["location"].split("?")[0].removeprefix("/r/")
    url = f"/s/{survey.slug}/u/{org_tree['North 1']}"
    assert client.post(url, data=_whole_response(first), follow_redirects=False).status_code == 303
    with transaction(session_factory(engine)) as s:
        late = responding.draft_for_invitation(s, s.scalar(select(Invitation)), "en").key
    assert late != first
    client.post(url, data=_whole_response(late), follow_redirects=False)
    with session_factory(engine)() as s:
        assert s.scalar(select(func.count()).select_from(Response)) == 1


@pytest.mark.parametrize("email", ["nul\x00@example.org", "x" * 300 + "@example.org", "²@example.org", ""])
def test_any_text_as_the_email_is_just_a_wrong_sign_in(client, email, engine):
    token = csrf_of(client.get("/login").text)
    assert _login(client, token, email).status_code == 401
    assert _login(client, token, "x" * 321).status_code == 422  # longer than any e-mail address
    with session_factory(engine)() as s:  # the counter's key is a hash: no e-mail is stored
        assert all(len(key) == len("login:") + 64 for key in s.scalars(select(RateCounter.key)))


def test_a_write_is_committed_before_its_response_is_sent(settings, engine, org_tree, monkeypatch):
    """A route's transaction ends when it returns, not after its response has gone out: else
    the browser, following a form's redirect at once, could be shown the next page before the
    change was committed (a supervisor who had just set a password was sent back to the
    sign-in), and a commit that failed would already have been answered as a success."""
    from servq.web import pages

    events: list[str] = []
    end = pages._end

    def recorded(session, commit):
        end(session, commit)
        if commit:
            events.append("committed")

    monkeypatch.setattr(pages, "_end", recorded)
    app = create_app(settings)

    async def watched(scope, receive, send):
        async def sending(message):
            if message["type"] == "http.response.start":
                events.append("response sent")
            await send(message)
        await app(scope, receive, sending)

    with TestClient(watched, base_url="https://testserver") as c:
        token = csrf_of(c.get("/login").text)
        c.post("/login", data={"email": "admin@example.org", "password": PASSWORD, "csrf_token": token})
        token = csrf_of(c.get("/admin/account").text)
        events.clear()
        r = c.post("/admin/account/language", data={"language": "sv", "csrf_token": token}, follow_redirects=False)
        assert r.status_code == 303
        assert events == ["committed", "response sent"]
        assert 'lang="sv"' in c.get(r.headers["location"]).text
