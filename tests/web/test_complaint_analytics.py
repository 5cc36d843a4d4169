"""Complaint analytics in the web platform: the complaints a user sees, analysed as
`servq complaints analyze` does; a unit manager's view is limited to their units."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update
from web_helpers import sign_in

from servq.store.db import session_factory, transaction
from servq.store.models import Complaint
from servq.web import complaints

NOW = datetime(2026, 3, 20, 12, tzinfo=UTC)
DIMS = {"billing": ("price_billing", 0.9), "queue": ("responsiveness", 0.8)}


@pytest.fixture
def complaints_in(engine, org_tree):
    """Six complaints: four in North 1 (two acknowledged within their 8 hours, one after
    them, one never), two in South 1; received on 2, 3 and 10 March 2026."""
    rows = [("North 1", "queue", 2, 4), ("North 1", "queue", 2, 6), ("North 1", "billing", 3, 30),
            ("North 1", "billing", 10, None), ("South 1", "queue", 3, 2), ("South 1", "billing", 10, None)]
    with transaction(session_factory(engine)) as s:
        for i, (unit, topic, day, ack_hours) in enumerate(rows):
            received = datetime(2026, 3, day, 9, tzinfo=UTC)
            dim, conf = DIMS[topic]
            cid = complaints.intake(s, complaints.NewComplaint(
                key=f"{i:030d}", unit_id=org_tree[unit], text=topic, source="import", received_at=received),
                classified={"language": "en", "dimension": dim, "confidence": conf, "sentiment": -0.5, "severity": 1})
            s.execute(update(Complaint).where(Complaint.id == cid).values(
                ack_due=received + timedelta(hours=8),
                acknowledged_at=None if ack_hours is None else received + timedelta(hours=ack_hours)))


def _block(client, **params):
    r = client.get("/admin/complaint-analytics/report", params={"fmt": "json", **params})
    assert r.status_code == 200
    return r.json()["complaints"]


def test_the_analytics_of_every_complaint_and_of_a_managers_units(client, complaints_in, org_tree):
    client.app.state.clock = lambda: NOW
    sign_in(client, "analyst@example.org")
    page = client.get("/admin/complaint-analytics")
    assert page.status_code == 200 and "6 complaints in this filter" in page.text
    block = _block(client)
    assert block["n"] == 6
    assert {r["value"]: r["n"] for r in block["volume"]["by_unit"]} == {"North 1": 4, "South 1": 2}
    assert {r["value"]: r["n"] for r in block["volume"]["by_dimension"]} == {"responsiveness": 3, "price_billing": 3}
    # acknowledgement due 8 h after receipt: in time 4 h, 6 h, 2 h; late 30 h; the two of
    # 10 March never acknowledged and past due on 20 March: missed -> 3 of 6 in time
    ack = block["sla"]["acknowledge"]
    assert (ack["in_time"], ack["late"], ack["missed"], ack["pending"]) == (3, 1, 2, 0)
    assert ack["share"] == pytest.approx(0.5)
    # a date range: received from 3 March until before 10 March
    assert _block(client, since="2026-03-03", until="2026-03-10")["n"] == 2

    client.post("/logout", data={"csrf_token": ""})
    sign_in(client, "south1@example.org")
    mine = _block(client)
    assert mine["n"] == 2 and {r["value"] for r in mine["volume"]["by_unit"]} == {"South 1"}
    assert _block(client, unit=str(org_tree["North 1"]))["n"] == 0  # a wider filter never widens the view


def test_a_complaint_of_year_1_in_the_database_costs_a_few_weeks(client, complaints_in, engine, org_tree):
    """Intake refuses such a date, but a database may hold one (written before the bounds,
    or directly): the analytics leave out the empty weeks between it and the others."""
    client.app.state.clock = lambda: NOW
    old = complaints.NewComplaint(key="y" * 30, unit_id=org_tree["North 1"], text="old", source="import",
                                  received_at=datetime(1, 1, 1, 9, tzinfo=UTC))
    with transaction(session_factory(engine)) as s:
        complaints.store(s, complaints.complaint_row(old, {"dimension": "price_billing"}, [], None,
                                                     complaints.salt(s)), None)
    sign_in(client, "analyst@example.org")
    block = _block(client)
    weeks = block["volume"]["weeks"]
    assert block["n"] == 7 and block["period"]["first_day"] == "0001-01-01"
    # year 1's week and the 8 after it, the 8 before 2026-W10, and W10-W12: the weekly cells built
    assert len(weeks) == block["hot_spots"]["weeks"] == 1 + 8 + 8 + 3 and weeks[0]["week"] == "0001-W01"
    assert weeks[9]["gap_before"] > 105_000
    report = client.get("/admin/complaint-analytics/report")
    assert report.status_code == 200 and "weeks without any complaint, left out" in report.text


def test_the_report_is_framed_without_scripts(client, complaints_in):
    client.app.state.clock = lambda: NOW
    sign_in(client, "admin@example.org")
    r = client.get("/admin/complaint-analytics/report", params={"lang": "sv"})
    assert r.status_code == 200 and "<script" not in r.text and "Klagomålsrapport" in r.text
    assert r.headers["x-frame-options"] == "SAMEORIGIN" and "default-src 'none'" in r.headers["content-security-policy"]


def test_relabelled_complaints_train_the_model_the_platform_then_uses(engine, database_url, tmp_path, monkeypatch,
                                                                       org_tree):
    """Relabelled cases -> `servq complaints training-data` -> `servq complaints train` ->
    SERVQ_COMPLAINT_MODEL: intake classifies with the trained model."""
    from servq.cli import main
    from servq.store.models import TrainingExample

    texts = {"delivery": ["The parcel never came although you promised Monday", "You promised a call back twice",
                             "The order was wrong again", "Promised repair did not happen"],
             "premises": ["The waiting room is dirty and cold", "Broken chairs and a filthy floor",
                           "The website looks old and the signs are faded", "Toilets were dirty"]}
    with transaction(session_factory(engine)) as s:
        for dimension, items in texts.items():
            s.add_all(TrainingExample(text=t, language="en", dimension=dimension) for t in items)
    monkeypatch.setenv("SERVQ_DATABASE_URL", database_url)
    data, model = tmp_path / "labelled.csv", tmp_path / "model.npz"
    for argv in (["complaints", "training-data", "-o", str(data)], ["complaints", "train", str(data), "-o", str(model)]):
        with pytest.raises(SystemExit) as done:
            main(argv)
        assert done.value.code in (0, None)
    assert data.read_text(encoding="utf-8").count("\n") == 9  # header + 8 examples
    complaints.use_model(model)
    try:
        found = complaints.classify_complaint("The floor was filthy and the chairs broken")
    finally:
        complaints.use_model(None)
    # labels of the organisation's own, which the built-in lexicon does not have
    assert found["dimension"] == "premises" and 0.5 < found["confidence"] <= 1
    from servq.errors import UsageError

    with pytest.raises(UsageError):
        complaints.use_model(data)  # a CSV is not a model


def test_a_folder_of_model_versions_is_followed_without_a_restart(tmp_path, caplog):
    """SERVQ_COMPLAINT_MODEL may name a folder of versions: the web app classifies with its
    current version, and with a newer one as soon as it is put in use; a broken CURRENT
    keeps the model loaded before."""
    from servq.text import train, versions

    texts = ["the queue was long", "waited for ages", "rude staff", "impolite clerk"] * 2
    first = train(texts, ["waiting", "waiting", "manners", "manners"] * 2, lexicon=False)
    second = train(texts, ["speed", "speed", "politeness", "politeness"] * 2, lexicon=False)
    folder = tmp_path / "models"
    versions.add(folder, first, make_current=True)
    complaints.use_model(folder)
    try:
        assert complaints.classify_complaint("a long queue")["dimension"] == "waiting"
        versions.add(folder, second, make_current=True)
        assert complaints.classify_complaint("a long queue")["dimension"] == "speed"
        (folder / "CURRENT").write_text("model-0009.npz\n", encoding="utf-8")
        assert complaints.classify_complaint("a long queue")["dimension"] == "speed"
        assert "names no model version of this folder" in caplog.text
    finally:
        complaints.use_model(None)


def test_hot_spots_by_share_of_the_week(client, complaints_in):
    client.app.state.clock = lambda: NOW
    sign_in(client, "analyst@example.org")
    assert "Hot spots by" in client.get("/admin/complaint-analytics?spikes=share").text
    r = client.get("/admin/complaint-analytics/report", params={"fmt": "json", "spikes": "share"})
    assert r.json()["complaints"]["hot_spots"]["methods"] == ["share"]
    r = client.get("/admin/complaint-analytics/report", params={"fmt": "json"})
    assert r.json()["complaints"]["hot_spots"]["methods"] == ["poisson"]
    r = client.get("/admin/complaint-analytics/report", params={"spikes": "nonsense"})
    assert r.status_code == 422 and "spikes: Input should be &#39;poisson&#39; or &#39;share&#39;" in r.text
