"""The respondent's side: links, pages, validation, save and resume, exactly-once submission,
languages, invitations, and that nothing personal is stored."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import inspect, select
from web_helpers import answer_all, hidden_fields, page_fields

import servq
from servq.store.db import session_factory, transaction
from servq.store.models import Draft, Invitation, Response, Survey
from servq.web.security import new_token, token_hash


@pytest.fixture
def survey(engine, org_tree):
    with session_factory(engine)() as s:
        return s.scalar(select(Survey).where(Survey.title == "North customers"))


def _link(survey, org_tree, **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"/s/{survey.slug}/u/{org_tree['North 1']}" + (f"?{query}" if query else "")


def test_public_link_opens_in_the_browsers_language(client, survey, org_tree):
    r = client.get(_link(survey, org_tree), headers={"accept-language": "fr, sv;q=0.8, en;q=0.5"})
    assert r.status_code == 200 and '<html lang="sv">' in r.text
    assert "Sida 1 av 6" in r.text and "Förväntat" in r.text and "Upplevt" in r.text and "Svenska" in r.text
    en = client.get(_link(survey, org_tree, lang="en"))
    assert '<html lang="en">' in en.text and "Page 1 of 6" in en.text
    fallback = client.get(_link(survey, org_tree, lang="zh"), headers={"accept-language": "de"})
    assert '<html lang="sv">' in fallback.text  # zh is not a language of this survey: its first, sv


def test_respondent_pages_may_be_framed_and_set_no_cookie(client, survey, org_tree):
    r = client.get(_link(survey, org_tree))
    assert "frame-ancestors *" in r.headers["content-security-policy"] and "x-frame-options" not in r.headers
    assert "set-cookie" not in r.headers
    assert '<script src="/static/form.js" defer></script>' in r.text


def test_complete_questionnaire_is_stored_once_with_exactly_the_answers(client, survey, org_tree, engine):
    first = client.get(_link(survey, org_tree, lang="en")).text
    done, sent = answer_all(client, first)
    assert "Thank you!" in done
    with session_factory(engine)() as s:
        responses = list(s.scalars(select(Response)))
        assert len(responses) == 1 and s.scalar(select(Draft)) is None
        stored = responses[0]
    assert stored.answers == {k: int(v) for k, v in sent.items()}
    assert len(stored.answers) == 22 * 2 + 5 + 3 and stored.answers["W_reliability"] == 40
    assert stored.comment == "Quick & friendly <staff>" and stored.language == "en"
    assert stored.unit_id == org_tree["North 1"]
    # the same final page sent again (a double click, a retry, the back button): still one response
    again = client.post(f"/s/{survey.slug}/u/{org_tree['North 1']}",
                        data={"key": stored.key, "page": 5, "lang": "en", "action": "submit"})
    assert again.status_code == 200 and "Thank you!" in again.text
    with session_factory(engine)() as s:
        assert len(list(s.scalars(select(Response)))) == 1


def test_nothing_personal_is_stored_with_a_response(engine):
    columns = {c["name"] for c in inspect(engine).get_columns("responses")}
    assert columns == {"id", "key", "survey_id", "unit_id", "channel_id", "tier_id", "language", "submitted_at",
                       "answers", "comment", "instrument_version"}


def test_an_answer_off_the_scale_is_shown_next_to_its_field(client, survey, org_tree, engine):
    page = client.get(_link(survey, org_tree, lang="en")).text
    data = {**hidden_fields(page), "E1": "8", "P1": "abc", "E2": "0", "action": "next"}  # 0 = don't know
    r = client.post(f"/s/{survey.slug}/u/{org_tree['North 1']}", data=data)
    assert r.status_code == 422 and "Page 1 of 6" in r.text and "Please check the marked answers." in r.text
    assert r.text.count("Choose one of the answers shown.") == 2
    assert 'aria-invalid="true" aria-describedby="err-E1"' in r.text and 'id="err-P1"' in r.text
    assert re.search(r'name="E2" value="0" checked', r.text)  # what was valid stays filled in
    with session_factory(engine)() as s:
        assert s.scalar(select(Draft)) is None and s.scalar(select(Response)) is None


def test_allocation_must_add_up(client, survey, org_tree):
    key = new_token()
    url = f"/s/{survey.slug}/u/{org_tree['North 1']}"
    r = client.post(url, data={"key": key, "page": 5, "lang": "en", "action": "submit", "W_tangibles": 50,
                               "W_reliability": 30})
    assert r.status_code == 422 and "The points must add up to 100 (now 80)." in r.text
    r = client.post(url, data={"key": key, "page": 5, "lang": "en", "action": "submit", "W_tangibles": -5,
                               "W_reliability": 105})
    assert r.status_code == 422 and "Enter 0 or more." in r.text


def test_save_and_resume(client, survey, org_tree, engine):
    page = client.get(_link(survey, org_tree, lang="sv")).text
    r = client.post(f"/s/{survey.slug}/u/{org_tree['North 1']}", data={**hidden_fields(page), "E1": 5, "P1": 3,
                                                                       "action": "next"})
    assert "Sida 2 av 6" in r.text
    page2 = r.text
    saved = client.post(f"/s/{survey.slug}/u/{org_tree['North 1']}", data={**hidden_fields(page2), "E5": 7,
                                                                           "action": "save"})
    assert "Dina svar är sparade" in saved.text
    link = re.search(r'<a href="([^"]+/r/[^"]+)">', saved.text).group(1)
    resumed = client.get(link.replace("http://testserver", "").replace("https://testserver", ""))
    assert "Sida 2 av 6" in resumed.text and re.search(r'name="E5" value="7" checked', resumed.text)
    back = client.post(f"/s/{survey.slug}/u/{org_tree['North 1']}", data={**hidden_fields(resumed.text), "action": "back"})
    assert "Sida 1 av 6" in back.text and re.search(r'name="E1" value="5" checked', back.text)
    with session_factory(engine)() as s:
        assert s.scalar(select(Draft)).answers == {"E1": 5, "P1": 3, "E5": 7}


def test_closed_and_not_yet_open_surveys_and_unknown_links(client, survey, org_tree, engine):
    with transaction(session_factory(engine)) as s:
        row = s.get(Survey, survey.id)
        row.closes_at = datetime.now(UTC) - timedelta(days=1)
        row.opens_at = row.closes_at - timedelta(days=30)
    r = client.get(_link(survey, org_tree, lang="en"))
    assert r.status_code == 410 and "This survey is closed" in r.text
    with transaction(session_factory(engine)) as s:
        row = s.get(Survey, survey.id)
        row.opens_at, row.closes_at = datetime.now(UTC) + timedelta(days=3), None
    r = client.get(_link(survey, org_tree, lang="en"))
    assert r.status_code == 403 and "has not opened yet" in r.text
    assert client.get(f"/s/{survey.slug}/u/{org_tree['South 1']}").status_code == 404  # unit not covered
    assert client.get(f"/s/nope/u/{org_tree['North 1']}").status_code == 404
    assert client.get(f"/r/{new_token()}").status_code == 404


def _invite(engine, survey, unit_id, *, days=7, lang=None) -> str:
    token = new_token()
    with transaction(session_factory(engine)) as s:
        s.add(Invitation(token_hash=token_hash(token), survey_id=survey.id, unit_id=unit_id,
                         language=lang, expires_at=datetime.now(UTC) + timedelta(days=days)))
    return token


def test_an_invitation_is_single_use_and_expires(client, survey, org_tree, engine):
    token = _invite(engine, survey, org_tree["North 1"], lang="en")
    first = client.get(f"/i/{token}")
    assert first.status_code == 200 and "Page 1 of 6" in first.text
    assert client.get(f"/i/{token}").url.path == first.url.path  # opened again: the same draft
    done, _ = answer_all(client, first.text)
    assert "Thank you!" in done
    used = client.get(f"/i/{token}")
    assert used.status_code == 404 and "This link does not work" in used.text
    with session_factory(engine)() as s:
        assert s.scalar(select(Invitation)).used_at is not None
        assert token not in str(s.scalar(select(Invitation)).token_hash)  # only its hash is stored
    expired = _invite(engine, survey, org_tree["North 1"], days=-1)
    assert client.get(f"/i/{expired}").status_code == 404


def test_posted_pages_are_rate_limited_per_address(settings, engine, org_tree, survey):
    from fastapi.testclient import TestClient

    from servq.web.app import create_app

    limited = settings.model_copy(update={"submit_limit": 3, "submit_window": 60})
    with TestClient(create_app(limited), base_url="https://testserver") as client:
        url = f"/s/{survey.slug}/u/{org_tree['North 1']}"
        page = client.get(url + "?lang=sv").text
        codes = [client.post(url, data={**hidden_fields(page), "action": "next"}).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        r = client.post(url, data={**hidden_fields(page), "action": "next"})
        assert r.status_code == 429 and "För många svar härifrån" in r.text


def test_kano_features_are_asked_and_analysed(client, engine, org_tree):
    """A survey of the Kano instrument: its features page asks each feature twice with the
    five named answers; the stored response analyses with the Kano block."""
    from servq.store.models import User
    from servq.web import surveys as surveys_module

    with transaction(session_factory(engine)) as s:
        analyst = s.scalar(select(User).where(User.email == "analyst@example.org"))
        kano = surveys_module.create_survey(s, surveys_module.SurveyForm(
            title="Kano", instrument="kano-retail-banking", languages=["en"], unit_ids=[str(org_tree["North 1"])]),
            analyst)
        slug = kano.slug
    page = client.get(f"/s/{slug}/u/{org_tree['North 1']}").text
    while "Features" not in page.split("<h1>")[1].split("</h1>")[0]:
        page = client.post(f"/s/{slug}/u/{org_tree['North 1']}", data={**hidden_fields(page), "action": "next"}).text
    assert "I like it that way" in page and "I can live with it that way" in page
    fields = page_fields(page)
    assert fields and all(f.startswith(("KF_", "KD_")) for f in fields) and len(fields) % 2 == 0
    # like it when present (1), dislike it when absent (5): one-dimensional
    answers = {f: 1 if f.startswith("KF_") else 5 for f in fields}
    page = client.post(f"/s/{slug}/u/{org_tree['North 1']}", data={**hidden_fields(page), **answers, "action": "next"}).text
    done = client.post(f"/s/{slug}/u/{org_tree['North 1']}", data={**hidden_fields(page), "action": "submit"}).text
    assert "Thank you!" in done
    with session_factory(engine)() as s:
        from servq.web import dataset
        from servq.web.surveys import instrument_of

        survey = s.scalar(select(Survey).where(Survey.slug == slug))
        table = dataset.table(s, survey, instrument_of(survey), s.scalar(select(User).where(
            User.email == "analyst@example.org")), dataset.Filter())
    import servq

    res = servq.analyze(table, instrument_of(survey), quality=False, min_n=1)
    first = res.data["kano"]["features"][0]
    assert first["n"] == 1 and first["category"] == "O"  # one-dimensional


def test_a_submission_may_carry_every_page_at_once(client, survey, org_tree, engine):
    """One POST with all answers (a kiosk, a script, the load benchmark) stores the complete
    response; an answer off the scale on any page sends the respondent to that page."""
    url = f"/s/{survey.slug}/u/{org_tree['North 1']}"
    key = new_token()
    answers = {f"{p}{i}": 6 if p == "P" else 7 for p in "EP" for i in range(1, 23)}
    answers.update(W_tangibles=20, W_reliability=20, W_responsiveness=20, W_assurance=20, W_empathy=20,
                   overall_satisfaction=6, recommend=10, intention_to_return=7)
    bad = client.post(url, data={**answers, "E9": 12, "key": key, "page": 5, "lang": "en", "action": "submit"})
    assert bad.status_code == 422 and "Page 2 of 6" in bad.text and 'id="err-E9"' in bad.text
    r = client.post(url, data={**answers, "key": key, "page": 5, "lang": "en", "action": "submit"},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/thanks?lang=en"
    with session_factory(engine)() as s:
        stored = s.scalar(select(Response))
    assert stored.answers == answers and stored.key == key


def test_each_part_shows_its_own_wording_and_the_allocation_describes_the_dimensions(client, survey, org_tree):
    """SERVQUAL words its expectation statements about an excellent company: the E choice
    carries that wording (the P choice the row's); the allocation names each dimension's
    description (the instrument's texts, escaped)."""
    import html as htmllib

    inst = servq.load_instrument("servqual")
    first = inst.items[0]
    page = htmllib.unescape(client.get(_link(survey, org_tree, lang="en")).text)
    expectation = first.text_for(servq.instruments.Part.expectation, "en")
    assert expectation != first.text_for(servq.instruments.Part.perception, "en")
    assert f'<p class="part-statement">{expectation}</p>' in page
    assert f">1. {first.text_for(servq.instruments.Part.perception, 'en')}</h2>" in page
    final = htmllib.unescape(client.post(_link(survey, org_tree), data={"key": new_token(), "page": 4, "lang": "en",
                                                                        "action": "next"}).text)  # to the last page
    assert "W_tangibles" in final
    for d in inst.dimensions:
        assert f'<p class="alloc-help" id="help-W_{d.id}">{d.description.get("en")}</p>' in final
