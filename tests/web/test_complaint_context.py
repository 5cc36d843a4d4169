"""The customer base of units and operational metrics in the web platform: set on the
units page and uploaded on the complaint analytics page (administrators and analysts), and
then in the analytics as rates per 1,000 customers and lagged correlations, as
`servq complaints analyze --customers --operations` gives them."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select
from web_helpers import csrf_of, sign_in

from servq.store.db import session_factory, transaction
from servq.store.models import AuditEntry, OperationalMetric, Unit
from servq.web import complaints

NOW = datetime(2026, 3, 20, 12, tzinfo=UTC)
PEAKS = (3, 8, 13)  # March days the queue time peaks; complaints come 2 days later
LAG = 2


@pytest.fixture
def complaints_in(engine, org_tree):
    """Three complaints in North 1 on each of 5, 10 and 15 March (two days after each
    peak of the queue time), one in South 1 on 5 March."""
    rows = [("North 1", p + LAG) for p in PEAKS for _ in range(3)] + [("South 1", 5)]
    with transaction(session_factory(engine)) as s:
        for i, (unit, day) in enumerate(rows):
            complaints.intake(s, complaints.NewComplaint(
                key=f"{i:030d}", unit_id=org_tree[unit], text="queue", source="import",
                received_at=datetime(2026, 3, day, 9, tzinfo=UTC)),
                classified={"language": "en", "dimension": "responsiveness", "confidence": 0.9, "sentiment": -0.5,
                            "severity": 1})


def _token(client) -> str:
    return csrf_of(client.get("/admin/units").text)


def _customers(client, unit_id: int, value: str):
    return client.post(f"/admin/units/{unit_id}/customers", data={"csrf_token": _token(client), "customers": value},
                       follow_redirects=False)


def _upload(client, name: str, content: bytes):
    return client.post("/admin/complaint-analytics/operations", data={"csrf_token": _token(client)},
                       files={"file": (name, content, "application/octet-stream")}, follow_redirects=False)


def _block(client) -> dict:
    r = client.get("/admin/complaint-analytics/report", params={"fmt": "json"})
    assert r.status_code == 200
    return r.json()["complaints"]


def _metrics_csv(first_value: float = 1.0) -> bytes:
    """Queue minutes of North 1 on 1–19 March: 10 on the peak days, 1 on the others; and a
    region named as no unit."""
    lines = ["date,region,metric,value"]
    for day in range(1, 20):
        value = 10.0 if day in PEAKS else (first_value if day == 1 else 1.0)
        lines.append(f"2026-03-{day:02d},North 1,queue_minutes,{value}")
    lines.append("2026-03-01,East,queue_minutes,2")
    return ("\n".join(lines) + "\n").encode()


def _stored(engine) -> list[tuple]:
    with session_factory(engine)() as s:
        return s.execute(select(OperationalMetric.day, OperationalMetric.region, OperationalMetric.metric,
                                OperationalMetric.value).order_by(OperationalMetric.region,
                                                                  OperationalMetric.day)).all()


def test_customers_and_operations_give_rates_and_the_strongest_lag(client, engine, org_tree, complaints_in):
    client.app.state.clock = lambda: NOW
    sign_in(client, "analyst@example.org")
    assert _block(client)["rates"] is None and _block(client)["operations"] is None

    # the customer base: a whole number >= 0 or blank; anything else is refused and shown
    assert _customers(client, org_tree["North 1"], "4 000").status_code == 303
    assert _customers(client, org_tree["South 1"], "500").status_code == 303
    assert _customers(client, org_tree["South"], "0").status_code == 303  # 0: no rate (nothing to divide by)
    for wrong in ("-5", "12x", "1.5", "99999999999"):
        r = _customers(client, org_tree["Team A"], wrong)
        assert r.status_code == 422 and "customer base of Team A must be a whole number" in r.text, wrong
    assert _customers(client, org_tree["Team A"], "").status_code == 303
    with session_factory(engine)() as s:
        assert {u.name: u.customers for u in s.scalars(select(Unit))} == {
            "North": None, "North 1": 4000, "Team A": None, "South": 0, "South 1": 500}
    assert 'value="4000"' in client.get("/admin/units").text

    # an upload with errors: every problem with its row and column, nothing stored
    bad = b"date,region,metric,value\n2026-03-01,North 1,q,1\n2026-02-30,North 1,q,2\n2026-03-03,,q,abc\n"
    r = _upload(client, "ops.csv", bad)
    assert r.status_code == 422 and "nothing was stored" in r.text
    assert "ops.csv, row 3, column date: not a date" in r.text
    assert "ops.csv, row 4, column region: the region is required" in r.text
    assert "ops.csv, row 4, column value: not a number" in r.text
    assert _stored(engine) == []
    assert _upload(client, "ops.pdf", b"%PDF").status_code == 422 and _stored(engine) == []

    # a good upload, then one that replaces a day (an XLSX file): 20 rows, day 1 corrected
    assert _upload(client, "ops.csv", _metrics_csv(first_value=99.0)).status_code == 303
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    book.active.append(["date", "region", "metric", "value"])
    book.active.append([date(2026, 3, 1), "North 1", "queue_minutes", 1.0])
    buf = io.BytesIO()
    book.save(buf)
    assert _upload(client, "fix.xlsx", buf.getvalue()).status_code == 303
    stored = _stored(engine)
    assert len(stored) == 20 and stored[1] == (date(2026, 3, 1), "North 1", "queue_minutes", 1.0)
    page = client.get("/admin/complaint-analytics").text
    assert "2 series of operational metrics stored" in page and "/admin/complaint-analytics/operations/delete" in page

    block = _block(client)
    rates = {row["unit"]: row for row in block["rates"]["units"]}
    assert set(rates) == {"North 1", "South 1"}  # South has a base of 0: no rate
    assert rates["North 1"]["complaints"] == 9 and rates["North 1"]["per_1000"] == pytest.approx(1000 * 9 / 4000)
    assert rates["South 1"]["per_1000"] == pytest.approx(1000 * 1 / 500)
    assert block["rates"]["overall"]["per_1000"] == pytest.approx(1000 * 10 / 4500)
    [series] = block["operations"]["series"]
    assert (series["unit"], series["metric"]) == ("North 1", "queue_minutes")
    assert series["strongest"]["lag"] == LAG and series["strongest"]["r"] == pytest.approx(1.0)
    assert block["operations"]["unmatched_regions"] == ["East"]

    # a unit manager sees the series of their own units only, and may change nothing
    client.post("/logout", data={"csrf_token": ""})
    client.cookies.clear()
    sign_in(client, "north@example.org")
    mine = _block(client)
    assert [r["unit"] for r in mine["rates"]["units"]] == ["North 1"]
    assert len(mine["operations"]["series"]) == 1 and mine["operations"]["unmatched_regions"] == []
    page = client.get("/admin/complaint-analytics").text
    assert "2 series of operational metrics stored" in page and "operations/delete" not in page
    assert 'name="customers"' not in client.get("/admin/units").text
    assert _customers(client, org_tree["North 1"], "1").status_code == 403
    assert _upload(client, "ops.csv", _metrics_csv()).status_code == 403
    r = client.post("/admin/complaint-analytics/operations/delete", data={"csrf_token": _token(client)},
                    follow_redirects=False)
    assert r.status_code == 403 and len(_stored(engine)) == 20

    # deleting them all (an administrator); every change is in the audit log
    client.post("/logout", data={"csrf_token": ""})
    client.cookies.clear()
    sign_in(client, "admin@example.org")
    r = client.post("/admin/complaint-analytics/operations/delete", data={"csrf_token": _token(client)},
                    follow_redirects=False)
    assert r.status_code == 303 and _stored(engine) == []
    assert "No operational metrics stored" in client.get("/admin/complaint-analytics").text
    assert _block(client)["operations"] is None
    with session_factory(engine)() as s:
        actions = dict(s.execute(select(AuditEntry.action, func.count()).group_by(AuditEntry.action)).all())
    assert actions["unit.customers"] == 4 and actions["operations.upload"] == 2 and actions["operations.delete"] == 1


def test_changes_need_the_csrf_token(client, org_tree):
    sign_in(client, "admin@example.org")
    r = client.post(f"/admin/units/{org_tree['North 1']}/customers", data={"customers": "10"}, follow_redirects=False)
    assert r.status_code == 403
    r = client.post("/admin/complaint-analytics/operations", data={"csrf_token": "wrong"},
                    files={"file": ("ops.csv", _metrics_csv(), "text/csv")}, follow_redirects=False)
    assert r.status_code == 403
    assert client.post("/admin/complaint-analytics/operations/delete", data={}, follow_redirects=False).status_code == 403
