"""``servq complaints import``: every problem named with its row and column and nothing
imported, or (--skip-invalid) the valid rows imported and the others reported; classified,
with SLA due times and contacts; a file imported twice is imported once."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from servq.cli import main
from servq.store.db import session_factory, transaction
from servq.store.models import AuditEntry, Complaint, ComplaintContact, Tier
from servq.web import complaints, org

GOOD = """text,unit,date,channel,tier,product,email,phone,consent
The card machine was broken again,North 1,2026-03-02 14:05,branch,Gold,Cards,kim@example.org,,yes
"Charged twice, no answer from support",Team A,2026-03-03,,,,,+46 70 123 45 67,no
"""
BAD = GOOD + """,North 1,2026-03-04,,,,,,
Rude staff,Nowhere,2026-03-04,,,,,,
Rude staff,North 1,yesterday,,,,,,
Rude staff,North 1,2099-01-01,,,,,,
Rude staff,North 1,2026-03-04,fax,Platinum,,not-an-address,12ab,maybe
Rude staff,Twin,2026-03-04,,,,,,
The card machine was broken again,North 1,2026-03-02 14:05,branch,Gold,Cards,kim@example.org,,yes
"""


@pytest.fixture
def setup(engine, org_tree, database_url, monkeypatch):
    monkeypatch.setenv("SERVQ_DATABASE_URL", database_url)
    with transaction(session_factory(engine)) as s:
        s.add(Tier(name="Gold"))
        org.add_unit(s, "Twin", "team", org_tree["North 1"], None)
        org.add_unit(s, "Twin", "team", org_tree["South 1"], None)
        complaints.save_policy(s, "*", "*", "8", "5", 'timezone: Europe/Stockholm\nhours: {mon-fri: "08:00-17:00"}',
                               None)
        complaints.save_policy(s, "*", "Gold", "2", "1", 'timezone: Europe/Stockholm\nhours: {mon-fri: "08:00-17:00"}',
                               None)


def _run(*args) -> int:
    with pytest.raises(SystemExit) as exit_:
        main(["complaints", "import", *map(str, args)])
    return exit_.value.code


def _complaints(engine):
    with session_factory(engine)() as s:
        return list(s.scalars(select(Complaint).order_by(Complaint.id)
                              .options(selectinload(Complaint.tier), selectinload(Complaint.channel))))


def test_a_file_with_mistakes_names_every_one_and_imports_nothing(setup, engine, tmp_path, capsys):
    path = tmp_path / "complaints.csv"
    path.write_text(BAD, encoding="utf-8")
    assert _run(path, "--timezone", "Europe/Stockholm") == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and "nothing was imported" in err and "problem(s) in 7 row(s)" in err
    for expected in (f"{path}, row 4, column text: required",
                     f"{path}, row 5, column unit: no unit with this name or id (value 'Nowhere')",
                     f"{path}, row 6, column date: not a date",
                     f"{path}, row 7, column date: 2099-01-01T00:00:00+01:00 is more than 1 day in the future",
                     f"{path}, row 8, column channel: no channel with this name or id (value 'fax')",
                     f"{path}, row 8, column tier: no tier with this name or id (value 'Platinum')",
                     f"{path}, row 8, column email: not an e-mail address (value 'not-an-address')",
                     f"{path}, row 8, column phone: not a phone number",
                     f"{path}, row 8, column consent: yes or no (value 'maybe')",
                     f"{path}, row 9, column unit: several units have this name",
                     f"{path}, row 10, column text: the same complaint as row 2"):
        assert expected in err, expected
    assert _complaints(engine) == []


def test_a_date_outside_the_accepted_range_is_named_and_nothing_is_imported(setup, engine, tmp_path, capsys,
                                                                           monkeypatch):
    """Not before SERVQ_COMPLAINT_EARLIEST (default 2000-01-01), not more than
    SERVQ_COMPLAINT_FUTURE_DAYS (default 1) after now: one line names the row and column."""
    path = tmp_path / "complaints.csv"
    path.write_text(GOOD + "Rude staff,North 1,0001-01-01,,,,,,\n", encoding="utf-8")
    assert _run(path) == 1
    err = capsys.readouterr().err
    assert f"{path}, row 4, column date: 0001-01-01 is before the earliest accepted date 2000-01-01\n" in err
    assert "problem(s) in 1 row(s); nothing was imported" in err and "Traceback" not in err
    assert _complaints(engine) == []

    path.write_text(GOOD + "Rude staff,North 1,1995-06-01,,,,,,\n", encoding="utf-8")
    assert _run(path) == 1 and "row 4, column date: 1995-06-01 is before the earliest accepted date 2000-01-01" \
        in capsys.readouterr().err
    monkeypatch.setenv("SERVQ_COMPLAINT_EARLIEST", "1990-01-01")  # an older register, on purpose
    assert _run(path) == 0 and "imported 3 complaint(s)" in capsys.readouterr().out

    tomorrow = datetime.now(UTC).date().toordinal() + 2  # the day after tomorrow: beyond now + 1 day
    path.write_text(GOOD.split("\n")[0] + f"\nLate,North 1,{date.fromordinal(tomorrow)},,,,,,\n", encoding="utf-8")
    assert _run(path) == 1 and f"row 2, column date: {date.fromordinal(tomorrow)}T00:00:00+00:00 is more than 1 day " \
        "in the future" in capsys.readouterr().err
    monkeypatch.setenv("SERVQ_COMPLAINT_FUTURE_DAYS", "3")
    assert _run(path) == 0
    assert len(_complaints(engine)) == 4


def test_skip_invalid_imports_the_valid_rows_and_reports_the_rest(setup, engine, tmp_path, capsys, org_tree):
    path = tmp_path / "complaints.csv"
    path.write_text(BAD, encoding="utf-8")
    assert _run(path, "--skip-invalid", "--timezone", "Europe/Stockholm") == 0
    out = capsys.readouterr().out
    assert "imported 2 complaint(s)" in out and "skipped 7 invalid row(s):" in out
    assert "row 5, column unit: no unit with this name or id (value 'Nowhere')" in out
    first, second = _complaints(engine)
    assert (first.unit_id, first.source, first.product, first.tier.name, first.channel.name) == \
        (org_tree["North 1"], "import", "Cards", "Gold", "branch")
    assert first.received_at == datetime(2026, 3, 2, 13, 5, tzinfo=UTC)  # 14:05 in Stockholm
    assert first.ack_due == datetime(2026, 3, 2, 15, 5, tzinfo=UTC)  # the Gold policy: 2 business hours
    assert second.ack_due == datetime(2026, 3, 3, 15, 0, tzinfo=UTC)  # 8 hours from Tue 08:00 (00:00 given)
    assert first.dimension and first.language == "en" and first.customer_key and second.customer_key
    with session_factory(engine)() as s:
        contacts = {c.complaint_id: (c.email, c.phone, c.consent) for c in s.scalars(select(ComplaintContact))}
        assert contacts == {first.id: ("kim@example.org", "", True), second.id: ("", "+46701234567", False)}
        audit = s.scalar(select(AuditEntry).where(AuditEntry.action == "complaints.import"))
        assert audit.detail == {"imported": 2, "already": 0, "skipped_rows": 7} and audit.actor == "command line"
    # the same file again: nothing new
    assert _run(path, "--skip-invalid", "--timezone", "Europe/Stockholm") == 0
    assert "imported 0 complaint(s); 2 were imported before" in capsys.readouterr().out
    assert len(_complaints(engine)) == 2


def test_the_file_itself_must_be_a_complaints_file(setup, engine, tmp_path, capsys):
    path = tmp_path / "other.csv"
    path.write_text("text,unit,colour\nRude,North 1,red\n", encoding="utf-8")
    assert _run(path, "--skip-invalid") == 1
    err = capsys.readouterr().err
    assert f"{path}, row 1, column date: required column 'date' is missing" in err
    assert f"{path}, row 1, column colour: unknown column" in err
    assert _run(tmp_path / "missing.csv") == 1 and "data file not found" in capsys.readouterr().err
    assert _run(path, "--timezone", "Mars/Base") == 1 and "unknown time zone 'Mars/Base'" in capsys.readouterr().err
    assert _complaints(engine) == []


def test_xlsx_with_date_cells_and_a_key_column(setup, engine, tmp_path, capsys):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Text", "Unit", "Date", "Key"])
    ws.append(["Nobody called back", 2, datetime(2026, 3, 5, 9, 30), "T-1"])
    ws.append(["Nobody called back", 2, datetime(2026, 3, 5, 9, 30), "T-2"])  # the same text: another key
    path = tmp_path / "complaints.xlsx"
    wb.save(path)
    assert _run(path) == 0 and "imported 2 complaint(s)" in capsys.readouterr().out
    got = _complaints(engine)
    assert [c.received_at for c in got] == [datetime(2026, 3, 5, 9, 30, tzinfo=UTC)] * 2
    assert _run(path) == 0 and "2 were imported before" in capsys.readouterr().out


def test_text_reading_na_is_kept_and_the_encoding_can_be_named(setup, engine, tmp_path, capsys):
    path = tmp_path / "sv.csv"
    path.write_bytes("text,unit,date\nNA,North 1,2026-03-02\nKön var lång – två timmar,North 1,2026-03-03\n"
                     .encode("cp1252"))
    # not UTF-8 and holds a dash cp1252 has but Latin-1 has not: named as cp1252, stored right
    assert _run(path, "--encoding", "cp1252") == 0, capsys.readouterr().err
    texts = [c.text for c in _complaints(engine)]
    assert texts == ["NA", "Kön var lång – två timmar"]
    broken = tmp_path / "broken.csv"
    broken.write_bytes(b"text,unit,date\n\xe6\x8a\x95\xe8\xaf\x89 \xff\xfe,North 1,2026-03-02\n")
    assert _run(broken) == 1
    err = capsys.readouterr().err
    assert "--encoding" in err and "line 2" in err and "Traceback" not in err


def test_a_file_with_a_title_names_its_own_rows(setup, engine, tmp_path, capsys):
    path = tmp_path / "complaints.csv"
    path.write_text("Complaints, week 10\n\n" + BAD, encoding="utf-8")
    assert _run(path, "--timezone", "Europe/Stockholm") == 1
    assert "seem to be on row 3, not row 1: read them with --header-row 3" in capsys.readouterr().err
    assert _run(path, "--timezone", "Europe/Stockholm", "--header-row", "3") == 1
    err = capsys.readouterr().err
    for expected in (f"{path}, row 6, column text: required", f"{path}, row 11, column unit: several units have this name",
                     f"{path}, row 12, column text: the same complaint as row 4"):
        assert expected in err, expected
    assert _complaints(engine) == []
    # from row 12 on: its complaint repeats no row read, and the rows above it are not read
    assert _run(path, "--header-row", "3", "--first-row", "12", "--timezone", "Europe/Stockholm") == 0
    assert "imported 1 complaint(s)" in capsys.readouterr().out
    assert [c.text for c in _complaints(engine)] == ["The card machine was broken again"]
