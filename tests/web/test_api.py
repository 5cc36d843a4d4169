"""The JSON API: token authentication, the same numbers as servq.analyze, data files, limits
of unit managers, errors in JSON, the OpenAPI description."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from sqlalchemy import select

import servq
from servq.store.db import session_factory, transaction
from servq.store.models import Response, Survey, Unit, User
from servq.web import accounts
from servq.web.security import new_token


@pytest.fixture
def tokens(engine, org_tree):
    """Ten responses in North 1 and five in Team A; a token for the analyst, the North
    manager, the South 1 manager and a revoked one."""
    with transaction(session_factory(engine)) as s:
        survey = s.scalar(select(Survey).where(Survey.title == "North customers"))
        unit = {u.name: u.id for u in s.scalars(select(Unit))}
        for i in range(15):
            s.add(Response(key=new_token(), survey_id=survey.id, unit_id=unit["North 1" if i < 10 else "Team A"],
                           language="sv", answers={"E1": 7 - i % 3, "P1": 3 + i % 5, "recommend": i % 11},
                           submitted_at=datetime(2026, 5, 1 + i, tzinfo=UTC)))
        users = {u.email: u for u in s.scalars(select(User))}
        out = {who: accounts.create_token(s, users[email], "test")
               for who, email in (("analyst", "analyst@example.org"), ("north", "north@example.org"),
                                  ("south1", "south1@example.org"), ("revoked", "admin@example.org"))}
        accounts.revoke_token(s, 4)
        return out


def _get(client, path, token, **params):
    return client.get(path, params=params, headers={"Authorization": f"Bearer {token}"} if token else {})


def test_tokens_are_required_and_revocable(client, tokens):
    for token in (None, "made-up", tokens["revoked"]):
        r = _get(client, "/api/v1/surveys", token)
        assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
        assert r.json()["detail"].startswith("A valid API token is required")


def test_results_are_servqs_results_for_the_filter(client, tokens, engine):
    listed = _get(client, "/api/v1/surveys", tokens["analyst"]).json()
    assert [(x["title"], x["responses"]) for x in listed] == [("North customers", 15)]
    r = _get(client, "/api/v1/surveys/1/results", tokens["analyst"], quality="false", by="unit")
    assert r.status_code == 200, r.text
    body = r.json()
    # item 1 by hand: E1 = 7, 6, 5, ... and P1 = 3, 4, 5, 6, 7, ...; gap = P1 - E1 over the 15 rows
    gaps = [(3 + i % 5) - (7 - i % 3) for i in range(15)]
    item1 = next(i for i in body["items"] if i["id"] == 1)
    assert item1["gap"]["mean"] == pytest.approx(sum(gaps) / 15) and body["n_respondents"] == 15
    assert body["segments"]["unit"]["Team A"]["n"] == 5 and body["segments"]["unit"]["North 1"]["n"] == 10
    since = _get(client, "/api/v1/surveys/1/results", tokens["analyst"], quality="false", since="2026-05-11").json()
    assert since["n_respondents"] == 5


def test_unit_managers_get_only_their_subtree(client, tokens, org_tree):
    assert _get(client, "/api/v1/surveys", tokens["south1"]).json() == []
    assert _get(client, "/api/v1/surveys/1/results", tokens["south1"]).status_code == 404
    team = _get(client, "/api/v1/surveys/1/results", tokens["north"], quality="false", unit=org_tree["Team A"])
    assert team.json()["n_respondents"] == 5


def test_data_files(client, tokens):
    r = _get(client, "/api/v1/surveys/1/responses.parquet", tokens["analyst"], unit="")
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    table = pq.read_table(io.BytesIO(r.content))
    assert table.num_rows == 15 and {"E1", "P1", "unit", "date", "language"} <= set(table.column_names)
    res = servq.analyze(table, "servqual", quality=False, min_n=1)
    assert res.n_respondents == 15
    csv = _get(client, "/api/v1/surveys/1/responses.csv", tokens["analyst"])
    assert csv.text.splitlines()[0].startswith('"E1","E2"') and len(csv.text.splitlines()) == 16
    assert _get(client, "/api/v1/surveys/1/responses.txt", tokens["analyst"]).status_code == 422


def test_bad_parameters_are_named_in_json(client, tokens):
    r = _get(client, "/api/v1/surveys/1/results", tokens["analyst"], since="yesterday")
    assert r.status_code == 422 and "since: must be a date" in r.json()["detail"]
    r = _get(client, "/api/v1/surveys/1/results", tokens["analyst"], by="colour")
    assert r.status_code == 422 and "cannot break down by colour" in r.json()["detail"]
    r = _get(client, "/api/v1/surveys/1/results", tokens["analyst"], language="fr")
    assert r.status_code == 404 and r.json() == {"detail": "No responses match this filter.", "errors": []}


def test_openapi_describes_only_the_api(client):
    spec = client.get("/api/openapi.json").json()
    assert set(spec["paths"]) == {"/api/v1/surveys", "/api/v1/surveys/{survey_id}/results",
                                  "/api/v1/surveys/{survey_id}/responses.{fmt}", "/api/v1/complaints"}


def test_token_commands(database_url, engine, org_tree, monkeypatch, capsys, client):
    from servq.cli import main

    monkeypatch.setenv("SERVQ_DATABASE_URL", database_url)
    with pytest.raises(SystemExit) as exit_:
        main(["admin", "create-token", "--email", "analyst@example.org", "--name", "Power BI"])
    token = capsys.readouterr().out.strip()
    assert exit_.value.code == 0 and len(token) >= 40
    assert _get(client, "/api/v1/surveys", token).status_code == 200
    with session_factory(engine)() as s:
        from servq.store.models import ApiToken

        token_id = s.scalar(select(ApiToken.id).where(ApiToken.name == "Power BI"))
    with pytest.raises(SystemExit) as exit_:
        main(["admin", "revoke-token", str(token_id)])
    assert exit_.value.code == 0 and _get(client, "/api/v1/surveys", token).status_code == 401
    with pytest.raises(SystemExit) as exit_:
        main(["admin", "create-token", "--email", "nobody@example.org", "--name", "x"])
    assert exit_.value.code == 1 and "no user with e-mail nobody@example.org" in capsys.readouterr().err


@pytest.mark.parametrize("fmt", ["csv", "parquet", "xlsx", "sav"])
def test_a_download_is_written_a_batch_at_a_time_and_then_removed(client, tokens, engine, monkeypatch, fmt):
    """Written in batches of 4 responses (a download of millions holds one batch), the
    file is the one the whole table gives; its temporary folder is gone once it is sent."""
    import glob
    import tempfile

    from servq.io.writers import write_table
    from servq.store.db import session_factory
    from servq.store.models import Survey, User
    from servq.web import dataset
    from servq.web.surveys import instrument_of

    monkeypatch.setattr(dataset, "EXPORT_ROWS", 4)
    folders = set(glob.glob(f"{tempfile.gettempdir()}/servq-download-*"))
    r = _get(client, f"/api/v1/surveys/1/responses.{fmt}", tokens["analyst"])
    assert r.status_code == 200 and r.headers["content-disposition"].endswith(f'.{fmt}"')
    assert set(glob.glob(f"{tempfile.gettempdir()}/servq-download-*")) == folders
    with session_factory(engine)() as s:
        survey, user = s.get(Survey, 1), s.scalar(select(User).where(User.email == "analyst@example.org"))
        whole = dataset.table(s, survey, instrument_of(survey), user, dataset.Filter())
        assert whole.num_rows == 15
        assert len(list(dataset.batches(s, survey, instrument_of(survey), user, dataset.Filter()))) == 4
    with tempfile.TemporaryDirectory() as folder:
        expected = write_table(whole, f"{folder}/whole.{fmt}")
        got = Path(folder) / f"got.{fmt}"
        got.write_bytes(r.content)
        assert _contents(got) == _contents(expected)


def _contents(path: Path):
    """What a data file holds, read as its format's reader reads it."""
    if path.suffix == ".parquet":
        return pq.read_table(path).to_pylist()
    if path.suffix == ".xlsx":
        from openpyxl import load_workbook

        book = load_workbook(path, read_only=True)  # a read-only book holds its file open until closed
        try:
            return [[c.value for c in row] for row in book.active.iter_rows()]
        finally:
            book.close()
    if path.suffix == ".sav":
        import pyreadstat

        return pyreadstat.read_sav(str(path))[0].to_csv()
    return path.read_bytes()
