"""The survey editor (issue 18, item 4): an instrument built through the editor's POSTs,
its problems shown with where they are, the survey made from it, the phone preview, a
survey edited after its first responses asking version 2, and conditions ("show if")."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from pathlib import Path

from cli_helpers import run
from sqlalchemy import select
from web_helpers import csrf_of, hidden_fields, sign_in

from servq.instruments import parse_instrument
from servq.store.db import session_factory, transaction
from servq.store.models import Response, Survey, SurveyVersion, User
from servq.web import analysis, dataset, editor
from servq.web.tallies import TallyStore


class _Form(HTMLParser):
    """The fields the first form of a page sends as it is (what a browser would send)."""

    def __init__(self, form_id: str):
        super().__init__()
        self.form_id, self.inside, self.fields = form_id, False, []
        self._textarea = self._select = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("id") == self.form_id:
            self.inside = True
        if not self.inside:
            return
        if tag == "input" and a.get("name") and a.get("type") not in ("checkbox", "radio") or \
                tag == "input" and "checked" in a:
            self.fields.append((a["name"], a.get("value", "")))
        elif tag == "textarea":
            self._textarea = [a["name"], ""]
        elif tag == "select":
            self._select = [a["name"], None]
        elif tag == "option" and self._select is not None and ("selected" in a or self._select[1] is None):
            self._select[1] = a.get("value", "")

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea is not None:
            self.fields.append(tuple(self._textarea))
            self._textarea = None
        elif tag == "select" and self._select is not None:
            self.fields.append(tuple(self._select))
            self._select = None
        elif tag == "form":
            self.inside = False


def form_of(page: str, **changes) -> dict:
    """The editor form's fields of ``page`` (``languages`` a list), with ``changes``."""
    parser = _Form("editor-form")
    parser.feed(page)
    data: dict = {}
    for name, value in parser.fields:
        if name == "languages":
            data.setdefault("languages", []).append(value)
        else:
            data[name] = value.lstrip("\n") if name.endswith((".en", ".sv", ".zh")) else value
    data.update({k.replace("__", "."): v for k, v in changes.items()})
    return data


TEXTS = {"en": "English", "sv": "Svenska", "zh": "中文"}


def _texts(prefix: str, word: str) -> dict:
    return {f"{prefix}.{lang}": f"{word} ({name})" for lang, name in TEXTS.items()}


def _two_dimensions(client) -> tuple[str, dict]:
    """Through the editor's buttons: two dimensions of one item each, in en/sv/zh, asked as
    expectation and perception on 1-5, with an NPS outcome. Returns the last page and form."""
    page = client.get("/admin/editor").text
    data = form_of(page, id="branch_visit", parts="gap", languages=["en", "sv", "zh"], action="add_dimension",
                   **{"scale.min": "1", "scale.max": "5"}, **_texts("name", "Branch visit"),
                   **_texts("d0.label", "Staff"), **_texts("d0.i0.text", "The staff were kind"),
                   **_texts("scale.low", "Disagree"), **_texts("scale.high", "Agree"))
    page = client.post("/admin/editor", data=data).text
    assert 'name="d1.id" maxlength="100" value="dimension_2"' in page and "Item no. 2" in page
    data = form_of(page, action="add_outcome", **{"d1.id": "waiting"}, **_texts("d1.label", "Waiting"),
                   **_texts("d1.i0.text", "The wait was <script>alert(1)</script> short"))
    page = client.post("/admin/editor", data=data).text
    data = form_of(page, **{"o0.id": "recommend", "o0.kind": "nps", "o0.min": "0", "o0.max": "10"},
                   **_texts("o0.text", "Would you recommend us?"))
    return page, data


def test_an_instrument_built_in_the_editor_becomes_a_survey(client, engine, org_tree, capsys, tmp_path):
    sign_in(client, "analyst@example.org")
    page, data = _two_dimensions(client)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page

    # a text missing in a declared language: the problem names the dimension, the item and the language
    r = client.post("/admin/editor", data={**data, "d1.i0.text.sv": "", "action": "save"})
    assert r.status_code == 422
    assert re.search(r'<a href="#d1.i0.text.sv">Dimension 2, item 1 \(no. 2\), language sv</a>: '
                     r"text missing for declared language &#39;sv&#39;", r.text)
    r = client.post("/admin/editor", data={**data, "scale.max": "x", "action": "save"})
    assert r.status_code == 422 and "Scale, language -" in r.text

    r = client.post("/admin/editor", data={**data, "action": "save"})
    assert r.status_code == 200 and 'id="built-instrument"' in r.text
    text = html.unescape(re.search(r'<textarea name="yaml_text" hidden>(.*?)</textarea>', r.text, re.S).group(1))
    built = parse_instrument(text)
    assert [d.id for d in built.dimensions] == ["dimension_1", "waiting"]
    assert [p.value for p in built.parts] == ["expectation", "perception"]
    assert built.items[1].text.zh == "The wait was <script>alert(1)</script> short (中文)"
    assert (built.scale.min, built.scale.max, built.outcomes[0].kind) == (1, 5, "nps")

    r = client.post("/admin/surveys", data={"csrf_token": csrf_of(r.text), "title": "Visits", "yaml_text": text,
                                            "yaml_name": "editor", "languages": ["en", "zh"],
                                            "unit_ids": [str(org_tree["North 1"])]}, follow_redirects=False)
    assert r.status_code == 303, r.text[:2000]
    with session_factory(engine)() as s:
        survey = s.scalar(select(Survey).where(Survey.title == "Visits"))
        assert parse_instrument(survey.instrument_yaml) == built
        assert survey.instrument_version == 1
    file = tmp_path / "visits.yaml"
    file.write_text(survey.instrument_yaml, encoding="utf-8")
    code, out, _ = run(capsys, "instruments", "validate", str(file))
    assert code == 0 and "valid instrument 'branch_visit' (2 items, 2 dimensions, languages en, sv, zh)" in out


def test_the_buttons_reorder_and_remove(client):
    sign_in(client, "analyst@example.org")
    _, data = _two_dimensions(client)
    page = client.post("/admin/editor", data={**data, "action": "up_dimension:1"}).text
    assert form_of(page)["d0.id"] == "waiting" and form_of(page)["d1.id"] == "dimension_1"
    page = client.post("/admin/editor", data={**form_of(page), "action": "remove_dimension:0"}).text
    assert "waiting" not in form_of(page).values() and "d1.id" not in form_of(page)
    page = client.post("/admin/editor", data={**form_of(page), "action": "add_item:0"}).text
    assert form_of(page)["d0.i1.id"] == "2"
    page = client.post("/admin/editor", data={**form_of(page), "action": "remove_item:0:0"}).text
    assert [k for k in form_of(page) if re.fullmatch(r"d0\.i\d+\.id", k)] == ["d0.i0.id"]


def test_the_editor_needs_a_survey_manager_and_csrf(client):
    assert client.get("/admin/editor", follow_redirects=False).status_code == 303  # to the sign-in page
    sign_in(client, "north@example.org")
    assert client.get("/admin/editor").status_code == 403
    sign_in(client, "analyst@example.org")
    data = form_of(client.get("/admin/editor").text)
    assert client.post("/admin/editor", data={**data, "csrf_token": "forged", "action": "save"}).status_code == 403


def test_the_preview_shows_the_draft_as_a_respondent_sees_it(client, engine):
    sign_in(client, "analyst@example.org")
    _, data = _two_dimensions(client)
    r = client.post("/admin/editor/preview", data={**data, "preview_lang": "zh", "preview_page": "1"})
    assert r.status_code == 200
    assert "frame-ancestors 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-frame-options"] == "SAMEORIGIN"
    assert "The wait was &lt;script&gt;alert(1)&lt;/script&gt; short (中文)" in r.text
    assert 'name="E2"' in r.text and 'name="P2"' in r.text and " disabled>" in r.text
    r = client.post("/admin/editor/preview", data={**data, "d0.label.en": ""})
    assert r.status_code == 200 and "Dimension 1, language en" in r.text
    with session_factory(engine)() as s:
        assert s.scalar(select(Response.id)) is None
    # other pages refuse to be framed
    assert client.get("/admin/editor").headers["x-frame-options"] == "DENY"


def _edit(client, survey_id: int, **changes):
    page = client.get(f"/admin/surveys/{survey_id}/instrument").text
    return client.post(f"/admin/surveys/{survey_id}/instrument", data=form_of(page, action="save", **changes),
                       follow_redirects=False)


def test_editing_a_survey_with_responses_makes_version_2(client, engine, answered):
    sign_in(client, "analyst@example.org")
    r = _edit(client, answered, **{"d0.i0.text.en": "The bank has modern-looking equipment."})
    assert r.status_code == 303 and r.headers["location"] == f"/admin/surveys/{answered}?saved_version=2"
    with session_factory(engine)() as s:
        survey = s.get(Survey, answered)
        assert survey.instrument_version == 2
        old = s.scalar(select(SurveyVersion).where(SurveyVersion.survey_id == answered))
        assert old.version == 1 and parse_instrument(old.instrument_yaml).items[0].text.en != \
            parse_instrument(survey.instrument_yaml).items[0].text.en
        # what the editor does not show (SERVQUAL's expectation wording, the importance question) is kept
        assert parse_instrument(survey.instrument_yaml).importance == parse_instrument(old.instrument_yaml).importance
        assert {r.instrument_version for r in s.scalars(select(Response))} == {1}
    page = client.get(r.headers["location"]).text
    assert "version 2 of its questionnaire" in page and "Version 1: 10 responses" in page

    # a new response answers version 2; the analysis reads one version at a time
    with transaction(session_factory(engine)) as s:
        survey = s.get(Survey, answered)
        s.add(Response(key="k" * 40, survey_id=answered, unit_id=survey.units[0].id, language="en",
                       answers={"E1": 5, "P1": 6}, instrument_version=survey.instrument_version))
    with session_factory(engine)() as s:
        survey, user = s.get(Survey, answered), s.scalar(select(User).where(User.email == "analyst@example.org"))
        store = TallyStore()
        now = analysis.results(store, s, survey, user, dataset.Filter())
        before = analysis.results(store, s, survey, user, dataset.Filter(version=1))
        assert now.data["n_respondents"] == 1 and before.data["n_respondents"] == 10
        assert dataset.count(s, survey, user, dataset.Filter(version=1)) == 10
    r = client.get(f"/admin/surveys/{answered}/report?version=3")
    assert r.status_code == 422 and "no version 3" in r.text
    page = client.get(f"/admin/surveys/{answered}/dashboard").text
    assert "reads version 2 of the questionnaire only" in page and "dashboard?version=1" in page

    # version 2 has a response now: the next edit makes version 3, and one more edit changes it in place
    assert _edit(client, answered, **{"d0.i0.text.sv": "Ny text"}).status_code == 303
    assert _edit(client, answered, **{"d0.i0.text.sv": "Nyare text"}).status_code == 303
    with session_factory(engine)() as s:
        assert s.get(Survey, answered).instrument_version == 3


def test_an_edit_keeps_the_survey_languages(client, engine, org_tree):
    sign_in(client, "analyst@example.org")
    r = _edit(client, 1, languages=["en"])  # the survey asks in Swedish too
    assert r.status_code == 422 and "sv" in r.text
    with session_factory(engine)() as s:
        assert s.get(Survey, 1).instrument_version == 1 and "zh" in parse_instrument(
            s.get(Survey, 1).instrument_yaml).languages


CONDITIONAL = (Path(__file__).parents[1] / "data" / "follow_up.yaml").read_text(encoding="utf-8")


def test_a_condition_hides_an_item_and_the_analysis_does_not_count_it_blank(client, engine, org_tree):
    sign_in(client, "analyst@example.org")
    token = csrf_of(client.get("/admin/surveys/new").text)
    r = client.post("/admin/surveys", data={"csrf_token": token, "title": "Follow-up", "yaml_text": CONDITIONAL,
                                            "yaml_name": "editor", "languages": ["en"],
                                            "unit_ids": [str(org_tree["North 1"])]}, follow_redirects=False)
    assert r.status_code == 303
    with session_factory(engine)() as s:
        survey = s.scalar(select(Survey).where(Survey.title == "Follow-up"))
        slug, sid = survey.slug, survey.id
    link = f"/s/{slug}/u/{org_tree['North 1']}"
    for first, second, p3 in ((5, 4, 3), (1, None, 2), (4, None, None)):  # item 3 asked after an answer 1 or 2
        page = client.get(link).text
        data = {**hidden_fields(page), "P1": first, "action": "next"}
        if second:
            data["P2"] = second
        r = client.post(link, data=data)
        assert ('name="P3"' in r.text) == (first <= 2) == ('id="none-apply"' not in r.text)
        # an answer to the hidden item sent anyway is not stored
        data = {**hidden_fields(r.text), "action": "next"}
        if p3:
            data["P3"] = p3
        r = client.post(link, data=data)
        r = client.post(link, data={**hidden_fields(r.text), "action": "submit"})
        assert r.status_code == 200
    with session_factory(engine)() as s:
        answers = [r.answers for r in s.scalars(select(Response).where(Response.survey_id == sid)
                                                 .order_by(Response.id))]
        assert answers == [{"P1": 5, "P2": 4}, {"P1": 1, "P3": 2}, {"P1": 4}]
        survey, user = s.get(Survey, sid), s.scalar(select(User).where(User.email == "analyst@example.org"))
        res = analysis.results(TallyStore(), s, survey, user, dataset.Filter())
    # 3 respondents x 3 items x 2 parts = 18 cells, of which 4 not asked (item 3 after 5 and 4): 14 asked;
    # blank: E1 and E2 of all three (6), E3 of respondent 2 (asked it), P2 of respondents 2 and 3
    assert res.data["missing"] == {"cells": 14, "blank": 9, "dont_know": 0}


def test_a_condition_must_name_an_earlier_answer_on_the_scale():
    draft = editor.from_instrument(parse_instrument(CONDITIONAL))
    draft.dimensions[1].items[0].show_if, draft.dimensions[1].items[0].show_values = "P3", "0, 2"
    problems = editor.check(draft).problems
    assert [(str(w), f) for w, f, _ in problems] == [("Dimension 2, item 1 (no. 3), language -", "d1.i0.show_if")] * 2
    assert "'P3' is not asked before item 3" in problems[0][2] and "value 0 is not on the scale 1-5" in problems[1][2]
    assert editor.check(editor.from_instrument(parse_instrument(CONDITIONAL))).instrument == parse_instrument(
        CONDITIONAL)
