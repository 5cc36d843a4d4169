"""The closed loop: a survey response that meets a threshold opens a complaint case when
the respondent agreed to be contacted — in the submission's own transaction, once."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from web_helpers import csrf_of, sign_in

from servq.store.db import session_factory, transaction
from servq.store.models import AuditEntry, Complaint, ComplaintContact, Response, Survey
from servq.web import complaints
from servq.web.app import create_app
from servq.web.security import new_token


@pytest.fixture
def survey(engine, org_tree):
    with session_factory(engine)() as s:
        return s.scalar(select(Survey).where(Survey.title == "North customers"))


@pytest.fixture
def looped(engine, survey):
    """The closed loop on: a gap of -1.5 or below, recommend 6 or below, or a complaint in the comment."""
    with transaction(session_factory(engine)) as s:
        s.get(Survey, survey.id).closed_loop = {"gap_max": -1.5, "recommend_max": 6, "complaint_comment": True}


def _answers(recommend=9, gap=-1):
    out = {f"{p}{i}": 6 + gap if p == "P" else 6 for p in "EP" for i in range(1, 23)}
    out.update(W_tangibles=20, W_reliability=20, W_responsiveness=20, W_assurance=20, W_empathy=20,
               overall_satisfaction=5, recommend=recommend, intention_to_return=5)
    return out


def _submit(client, survey, org_tree, key=None, **extra):
    return client.post(f"/s/{survey.slug}/u/{org_tree['North 1']}",
                       data={**_answers(**{k: extra.pop(k) for k in ("recommend", "gap") if k in extra}),
                             "key": key or new_token(), "page": 5, "lang": "en", "action": "submit", **extra},
                       follow_redirects=False)


def _stored(engine):
    with session_factory(engine)() as s:
        return (list(s.scalars(select(Response))), list(s.scalars(select(Complaint))),
                list(s.scalars(select(ComplaintContact))))


def test_analysts_set_the_thresholds_on_the_survey_page(client, survey, engine):
    sign_in(client, "analyst@example.org")
    page = client.get(f"/admin/surveys/{survey.id}").text
    assert '<p id="loop-state">Off.</p>' in page
    token = csrf_of(page)
    url = f"/admin/surveys/{survey.id}/closed-loop"
    r = client.post(url, data={"csrf_token": token, "enabled": "on", "gap_max": "lots", "recommend_max": "11"})
    assert r.status_code == 422 and "the gap threshold must be a number such as -1.5, got &#39;lots&#39;" in r.text
    assert "the recommend threshold must lie between 0 and 10, got 11" in r.text
    r = client.post(url, data={"csrf_token": token, "enabled": "on"})
    assert r.status_code == 422 and "choose at least one threshold" in r.text
    r = client.post(url, data={"csrf_token": token, "enabled": "on", "gap_max": "-1,5", "recommend_max": "6"},
                    follow_redirects=False)
    assert r.status_code == 303
    with session_factory(engine)() as s:
        assert s.get(Survey, survey.id).closed_loop == {"gap_max": -1.5, "recommend_max": 6,
                                                        "complaint_comment": False}
        assert s.scalar(select(AuditEntry).where(AuditEntry.action == "survey.closed_loop")) is not None
    assert "a dimension gap ≤ -1.5; " in client.get(f"/admin/surveys/{survey.id}").text
    client.cookies.clear()
    sign_in(client, "north@example.org")
    assert client.post(url, data={"csrf_token": token, "enabled": ""}).status_code == 403


def test_the_last_page_asks_for_consent_only_when_the_loop_is_on(client, survey, org_tree, engine):
    def last_page(lang):
        r = client.post(f"/s/{survey.slug}/u/{org_tree['North 1']}",
                        data={"key": new_token(), "page": 4, "lang": lang, "action": "next"})
        assert r.status_code == 200 and 'value="submit"' in r.text
        return r.text

    assert "contact_" not in last_page("en")
    with transaction(session_factory(engine)) as s:
        s.get(Survey, survey.id).closed_loop = {"gap_max": None, "recommend_max": 6, "complaint_comment": False}
    page = last_page("sv")
    assert 'name="contact_consent"' in page and "Får vi kontakta dig om dina svar?" in page
    assert 'name="contact_email" type="email" autocomplete="email"' in page


def test_a_detractor_who_agrees_to_be_contacted_gets_a_case(client, survey, org_tree, engine, looped):
    r = _submit(client, survey, org_tree, recommend=3, gap=0, contact_email="Ann@Example.org", contact_name="Ann",
                contact_consent="on", comment="")
    assert r.status_code == 303, r.text
    [response], [case], [contact] = _stored(engine)
    assert (case.source, case.response_id, case.unit_id, case.key) == ("survey", response.id, response.unit_id,
                                                                     f"survey-{response.id}")
    assert case.text == "Opened from a survey response: recommend 3 ≤ 6." and case.status == "new"
    assert (contact.complaint_id, contact.email, contact.name, contact.consent) == (case.id, "ann@example.org", "Ann",
                                                                                   True)
    sign_in(client, "admin@example.org")
    page = client.get(f"/admin/complaints/{case.id}").text
    assert f"survey response {response.id}" in page and "recommend 3 ≤ 6" in page and "ann@example.org" in page


def test_a_low_gap_or_a_complaining_comment_opens_a_case(client, survey, org_tree, engine, looped):
    assert _submit(client, survey, org_tree, recommend=9, gap=-2, contact_phone="+46 70 123 45 67",
                   contact_consent="on").status_code == 303
    _, [case], _ = _stored(engine)
    assert "tangibles gap -2.00 ≤ -1.5" in case.text and case.dimension == "tangibles"
    comment = "The staff were rude and the invoice was wrong."
    assert _submit(client, survey, org_tree, recommend=9, gap=0, comment=comment, contact_email="bo@example.org",
                   contact_consent="on").status_code == 303
    _, cases, _ = _stored(engine)
    assert cases[1].text == comment and cases[1].dimension not in (None, "unclassified")


def test_no_case_without_consent_or_without_a_reason(client, survey, org_tree, engine, looped):
    assert _submit(client, survey, org_tree, recommend=2).status_code == 303  # no consent: no case
    assert _submit(client, survey, org_tree, recommend=10, gap=1, contact_email="cy@example.org",
                   contact_consent="on").status_code == 303  # happy: no case
    responses, cases, contacts = _stored(engine)
    assert len(responses) == 2 and cases == [] and contacts == []


def test_a_failed_submit_is_not_half_stored(client, survey, org_tree, engine, looped, settings, monkeypatch):
    r = _submit(client, survey, org_tree, recommend=2, contact_email="dee@example.org")  # box not ticked
    assert r.status_code == 422 and 'id="err-contact_consent"' in r.text and 'value="dee@example.org"' in r.text
    r = _submit(client, survey, org_tree, recommend=2, contact_email="dee@", contact_consent="on")
    assert r.status_code == 422 and 'id="err-contact_email"' in r.text
    assert _stored(engine) == ([], [], [])

    def broken(*_args, **_kwargs):
        raise RuntimeError("the case could not be opened")

    monkeypatch.setattr(complaints, "intake", broken)
    with TestClient(create_app(settings), base_url="https://testserver", raise_server_exceptions=False) as other:
        r = _submit(other, survey, org_tree, recommend=2, contact_email="dee@example.org", contact_consent="on")
    assert r.status_code == 500 and _stored(engine) == ([], [], [])  # the response went with the case


def test_a_resubmitted_response_opens_one_case(client, survey, org_tree, engine, looped):
    key = new_token()
    for _ in range(3):
        assert _submit(client, survey, org_tree, key=key, recommend=1, contact_email="eve@example.org",
                       contact_consent="on").status_code == 303
    responses, cases, contacts = _stored(engine)
    assert (len(responses), len(cases), len(contacts)) == (1, 1, 1)
