"""The rows of an uploaded file of rows on the web: the upload forms' two optional fields
"Row of the column names" and "First row of data" mean what ``--header-row`` and
``--first-row`` mean on the command line; a wrong value is a form error naming the field
(in the reader's language), and nothing is read or stored."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select
from web_helpers import csrf_of, sign_in

from servq.store.db import session_factory
from servq.store.models import Customer, Invitation, OperationalMetric

OPERATIONS = "/admin/complaint-analytics/operations"
# an export with a title, an empty row, the names on row 3 and a row of descriptions on row 4
EXPORT = ("Queue times, March 2026 (export)\n\ndate,region,metric,value\n"
          "day,unit,what,minutes\n2026-03-01,North 1,queue_minutes,4\n2026-03-02,North 1,queue_minutes,5\n")


def _post(client, path: str, page: str, name: str, content: str, **fields):
    return client.post(path, data={"csrf_token": csrf_of(page), **fields},
                       files={"file": (name, content.encode(), "text/csv")}, follow_redirects=False)


def _count(engine, model) -> int:
    with session_factory(engine)() as s:
        return s.scalar(select(func.count()).select_from(model))


@pytest.fixture
def analytics(client, org_tree):
    sign_in(client, "analyst@example.org")
    return client.get("/admin/complaint-analytics").text


def test_the_forms_offer_the_two_rows_with_labels(client, analytics):
    pages = {"analytics": analytics, "customers": client.get("/admin/customers").text,
             "survey": client.get("/admin/surveys/1").text}
    for where, page in pages.items():
        for name in ("header_row", "first_row"):
            field = re.search(rf'<input id="([\w-]+)" name="{name}" type="number" min="\d" max="1048576"[^>]*>', page)
            assert field, (where, name)
            assert f'<label for="{field.group(1)}">' in page, (where, name)
            assert 'aria-describedby="' in field.group(0) and "aria-invalid" not in field.group(0)
        assert "as Excel shows them" in page


def test_operations_below_a_title_and_a_description_row_are_stored(client, analytics, engine):
    refused = _post(client, OPERATIONS, analytics, "ops.csv", EXPORT)
    assert refused.status_code == 422 and "--header-row 3" in refused.text and _count(engine, OperationalMetric) == 0
    stored = _post(client, OPERATIONS, analytics, "ops.csv", EXPORT, header_row="3", first_row="5")
    assert stored.status_code == 303 and _count(engine, OperationalMetric) == 2
    bad = _post(client, OPERATIONS, analytics, "ops.csv", EXPORT.replace(",5\n", ",five\n"), header_row="3",
                first_row="5")
    assert bad.status_code == 422 and "row 6, column value" in bad.text  # the spreadsheet's row


@pytest.mark.parametrize("header_row, first_row, field, message", [
    ("0", "", "header_row", "the row of the column names must be a whole number from 1 to 1048576 (blank: row 1), "
                            "got &#39;0&#39;"),
    ("٣", "", "header_row", "got &#39;٣&#39;"),
    ("", "-4", "first_row", "the first row of data must be a whole number from 2 to 1048576"),
    ("2.5", "", "header_row", "got &#39;2.5&#39;"),
    ("3", "3", "first_row", "the first row of data (3) must be below the row of the column names (3): 4 or later"),
    ("", "1", "first_row", "from 2 to 1048576"),
    ("1048577", "", "header_row", "got &#39;1048577&#39;"),
])
def test_a_wrong_row_is_a_form_error_and_nothing_is_stored(client, analytics, engine, header_row, first_row, field,
                                                          message):
    r = _post(client, OPERATIONS, analytics, "ops.csv", EXPORT, header_row=header_row, first_row=first_row)
    assert r.status_code == 422 and message in r.text
    assert re.search(rf'<input id="operations-{field}" name="{field}"[^>]*aria-describedby="operations-rows-hint '
                     rf'err-{field}" aria-invalid="true">', r.text)
    assert f'<p class="field-error" id="err-{field}">' in r.text and 'role="alert"' in r.text
    assert _count(engine, OperationalMetric) == 0


def test_what_was_typed_is_shown_again_escaped_and_the_error_in_the_readers_language(client, analytics, engine):
    r = _post(client, OPERATIONS, analytics, "ops.csv", EXPORT, header_row='"><b>3', first_row="")
    assert r.status_code == 422 and "<b>3" not in r.text and 'value="&#34;&gt;&lt;b&gt;3"' in r.text
    sv = client.post(OPERATIONS, data={"csrf_token": csrf_of(analytics), "header_row": "3", "first_row": "2"},
                     files={"file": ("ops.csv", EXPORT.encode(), "text/csv")}, headers={"Accept-Language": "sv"})
    assert sv.status_code == 422 and "första dataraden (2) ska ligga under raden med kolumnnamnen (3)" in sv.text
    assert _count(engine, OperationalMetric) == 0


def test_a_customer_list_below_a_title_names_the_spreadsheets_rows(client, engine, org_tree):
    sign_in(client, "analyst@example.org")
    page = client.get("/admin/customers").text
    text = "Customers 2026\nemail,unit\n(e-mail),(unit name)\nana@example.org,North 1\n\nbo@example.org,Atlantis\n"
    bad = _post(client, "/admin/customers", page, "c.csv", text, header_row="2", first_row="4")
    assert bad.status_code == 422 and "row 6, column unit" in bad.text and _count(engine, Customer) == 0
    done = _post(client, "/admin/customers", page, "c.csv", text.replace("Atlantis", "South 1"), header_row="2",
                 first_row="4")
    assert done.status_code == 200 and "2 added, 0 updated." in done.text and _count(engine, Customer) == 2
    wrong = _post(client, "/admin/customers", page, "c.csv", text, header_row="9")
    assert wrong.status_code == 422 and "row 9 names no columns" in wrong.text


def test_an_empty_line_in_a_list_is_a_row_as_in_a_spreadsheet(client, engine, org_tree):
    sign_in(client, "analyst@example.org")
    page = client.get("/admin/customers").text
    bad = _post(client, "/admin/customers", page, "c.csv", "email,unit\n\nana@example.org,Atlantis\n")
    assert bad.status_code == 422 and "row 3, column unit" in bad.text  # was row 2: the empty line was not counted


def test_invitees_below_a_title(client, engine, org_tree):
    sign_in(client, "analyst@example.org")
    page = client.get("/admin/surveys/1").text
    text = "Invitees\nemail,name\nana@example.org,Ana\nbo@example.org,Bo\n"
    done = _post(client, "/admin/surveys/1/invitations", page, "i.csv", text, header_row="2", days="30")
    assert done.status_code == 200 and done.text.count("@example.org") == 2 and _count(engine, Invitation) == 2
    wrong = _post(client, "/admin/surveys/1/invitations", page, "i.csv", text, header_row="x", days="30")
    assert wrong.status_code == 422 and "got &#39;x&#39;" in wrong.text and _count(engine, Invitation) == 2
