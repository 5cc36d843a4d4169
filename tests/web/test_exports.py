"""Exports open safely in a spreadsheet: names and texts that begin like a formula come out
as text with a ' in front in every CSV and XLSX the platform writes (the data download,
the API's responses, invitation lists, training data), numbers stay numbers (issue 11,
finding 6)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pyarrow.parquet as pq
import pytest
from hostile import FORMULAS
from openpyxl import load_workbook
from sqlalchemy import select
from web_helpers import csrf_of, sign_in

from servq.store.db import session_factory, transaction
from servq.store.models import Channel, Response, Survey, TrainingExample, User
from servq.web import accounts, org, surveys
from servq.web.security import new_token

NAMES = FORMULAS[:4]  # unit names (a name is stripped, so none begins with a tab or CR)
CHANNEL = "=cmd|' /C calc'!A0"


@pytest.fixture
def hostile(engine, org_tree):
    """Survey 1 covers four units named like formulas and the channel CHANNEL, with one
    response in each; returns an API token of the analyst."""
    with transaction(session_factory(engine)) as s:
        survey = s.get(Survey, 1)
        channel = surveys.add_named(s, Channel, CHANNEL, None)
        survey.channels.append(channel)
        for i, name in enumerate(NAMES):
            unit = org.add_unit(s, name, "branch", org_tree["North"], None)
            survey.units.append(unit)
            s.add(Response(key=new_token(), survey_id=survey.id, unit_id=unit.id, channel_id=channel.id,
                           language="en", answers={"E1": 7, "P1": 1 + i, "recommend": 9},
                           submitted_at=datetime(2026, 5, 1 + i, tzinfo=UTC)))
        analyst = s.scalar(select(User).where(User.email == "analyst@example.org"))
        return accounts.create_token(s, analyst, "test")


def _download(client, token: str, via: str, fmt: str) -> bytes:
    if via == "api":
        r = client.get(f"/api/v1/surveys/1/responses.{fmt}", headers={"Authorization": f"Bearer {token}"})
    else:
        sign_in(client, "analyst@example.org")
        r = client.get(f"/admin/surveys/1/data.{fmt}")
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    return r.content


@pytest.mark.parametrize("via", ["dashboard", "api"])
def test_csv_data_has_names_as_quoted_text(client, hostile, via):
    rows = list(csv.DictReader(io.StringIO(_download(client, hostile, via, "csv").decode("utf-8"))))
    assert [r["unit"] for r in rows] == ["'" + name for name in NAMES]
    assert {r["channel"] for r in rows} == {"'" + CHANNEL}
    assert [r["P1"] for r in rows] == ["1", "2", "3", "4"] and {r["E1"] for r in rows} == {"7"}


@pytest.mark.parametrize("via", ["dashboard", "api"])
def test_xlsx_data_has_names_as_text_never_formulas(client, hostile, via):
    sheet = load_workbook(io.BytesIO(_download(client, hostile, via, "xlsx"))).worksheets[0]
    columns = {col[0].value: list(col[1:]) for col in sheet.iter_cols()}
    assert {c.data_type for col in columns.values() for c in col if c.value is not None} == {"s", "n"}
    assert [c.value for c in columns["unit"]] == ["'" + name for name in NAMES]
    assert {c.value for c in columns["channel"]} == {"'" + CHANNEL}
    assert [(c.value, c.data_type) for c in columns["P1"]] == [(1, "n"), (2, "n"), (3, "n"), (4, "n")]


def test_parquet_data_keeps_the_names_as_they_are(client, hostile):
    table = pq.read_table(io.BytesIO(_download(client, hostile, "api", "parquet")))
    assert table.column("unit").to_pylist() == list(NAMES)


def test_an_invitation_list_has_names_as_quoted_text(client, hostile):
    sign_in(client, "analyst@example.org")
    token = csrf_of(client.get("/admin/surveys/1").text)
    invitees = f"email,name,unit\nanna@example.org,=1+2,{NAMES[1]}\nbo@example.org,@SUM(A1),{NAMES[2]}\n"
    r = client.post("/admin/surveys/1/invitations", data={"csrf_token": token, "days": 30},
                    files={"file": ("invitees.csv", invitees.encode(), "text/csv")})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [(x["email"], x["name"], x["unit"]) for x in rows] == [
        ("anna@example.org", "'=1+2", "'" + NAMES[1]), ("bo@example.org", "'@SUM(A1)", "'" + NAMES[2])]
    assert all(x["link"].startswith("https://testserver/i/") for x in rows)


def test_training_data_has_texts_as_quoted_text(engine, database_url, tmp_path, monkeypatch, org_tree):
    from servq.cli import main

    texts = [*FORMULAS, "The queue was long"]
    with transaction(session_factory(engine)) as s:
        s.add_all(TrainingExample(text=t, language="en", dimension="responsiveness") for t in texts)
    monkeypatch.setenv("SERVQ_DATABASE_URL", database_url)
    out = tmp_path / "labelled.csv"
    with pytest.raises(SystemExit) as done:
        main(["complaints", "training-data", "-o", str(out)])
    assert done.value.code in (0, None)
    with out.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["text"] for r in rows] == ["'" + t for t in FORMULAS] + ["The queue was long"]
