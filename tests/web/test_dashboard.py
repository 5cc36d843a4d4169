"""The dashboard: counts and rate over time, servq's report of the filtered responses, and
the downloads; unit managers see their part only."""

from __future__ import annotations

import csv
import io
import re

import pytest
from web_helpers import sign_in

from servq.store.db import session_factory, transaction


def test_dashboard_counts_rate_chart_and_table(client, answered):
    sign_in(client, "analyst@example.org")
    page = client.get(f"/admin/surveys/{answered}/dashboard").text
    assert "10 responses; 1 of 2 invitations answered (50.0%)." in page
    assert '<svg class="chart chart-responses"' in page and "<title>Responses per day</title>" in page
    rows = re.findall(r"<tr><td>(2026-05-0\d)</td><td class=\"num\">(\d+)</td></tr>", page)
    assert rows == [("2026-05-01", "3"), ("2026-05-02", "0"), ("2026-05-03", "7")]
    assert f'<iframe class="report-frame" src="/admin/surveys/{answered}/report?by=unit&amp;by=channel&amp;lang=en"' in page


def test_the_framed_report_is_servqs_report_of_the_filter(client, answered, org_tree):
    sign_in(client, "analyst@example.org")
    r = client.get(f"/admin/surveys/{answered}/report", params={"unit": org_tree["Team A"], "lang": "sv"})
    assert r.status_code == 200 and '<html lang="sv">' in r.text
    assert "script" not in r.headers["content-security-policy"].replace("script-src", "")  # none allowed at all
    assert "default-src 'none'" in r.headers["content-security-policy"] and r.headers["x-frame-options"] == "SAMEORIGIN"
    assert "<script" not in r.text
    data = client.get(f"/admin/surveys/{answered}/report", params={"unit": org_tree["Team A"], "fmt": "json"}).json()
    # Team A: P1 = 1 + i % 7 for i = 6..9 -> 7, 1, 2, 3; E1 = 7: gaps 0, -6, -5, -4
    assert data["n_respondents"] == 4 and data["items"][0]["gap"]["mean"] == pytest.approx(-3.75)
    download = client.get(f"/admin/surveys/{answered}/report", params={"download": "1"})
    assert "attachment" in download.headers["content-disposition"]


def test_data_download_follows_the_filter(client, answered):
    sign_in(client, "analyst@example.org")
    r = client.get(f"/admin/surveys/{answered}/data.csv", params={"language": "sv", "since": "2026-05-02"})
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert len(rows) == 3 and {x["language"] for x in rows} == {"sv"} and {x["date"] for x in rows} == {"2026-05-03"}


def test_a_unit_manager_sees_their_subtree_only(client, answered, org_tree, engine):
    from servq.web import accounts

    with transaction(session_factory(engine)) as s:
        accounts.create_user(s, "teama@example.org", "a-long-test-password", "unit_manager",
                             unit_id=org_tree["Team A"])
    sign_in(client, "teama@example.org")
    assert "4 responses" in client.get(f"/admin/surveys/{answered}/dashboard").text
    wider = client.get(f"/admin/surveys/{answered}/dashboard", params={"unit": org_tree["North"]}).text
    assert "4 responses" in wider  # choosing a wider unit does not widen what they see
    data = client.get(f"/admin/surveys/{answered}/report", params={"fmt": "json"}).json()
    assert data["n_respondents"] == 4


def test_filter_mistakes_and_empty_filters(client, answered):
    sign_in(client, "analyst@example.org")
    r = client.get(f"/admin/surveys/{answered}/dashboard", params={"since": "soon"})
    assert r.status_code == 422 and "since: must be a date" in r.text
    empty = client.get(f"/admin/surveys/{answered}/dashboard", params={"language": "zh"})
    assert "0 responses" in empty.text and "No responses match this filter yet." in empty.text
    assert client.get(f"/admin/surveys/{answered}/report", params={"language": "zh"}).status_code == 404
