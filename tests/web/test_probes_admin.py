"""Round 3 of an attacker's probes, aimed at what needs an account: the administration's
routes and forms, the API, the files one uploads and what the platform sends out (webhooks,
downloads). Real HTTP requests (Starlette's test client). What was found weak and fixed
comes first, then what was found sound and must stay so; round 1 is test_probes.py, round
2 (the public forms) test_probes_public.py."""

from __future__ import annotations

import io
import socket
import time
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select
from web_helpers import PASSWORD, csrf_of, sign_in
from webhook_helpers import Receiver

from servq.store.db import session_factory, transaction
from servq.store.models import AuditEntry, OperationalMetric, Survey, User, WebhookDelivery, WebhookEndpoint
from servq.web import accounts, complaint_context, egress
from servq.web.app import ROUTERS
from servq.web.settings import load_settings


def _count(engine, model) -> int:
    with session_factory(engine)() as s:
        return s.scalar(select(func.count()).select_from(model))


def _token(engine, email: str) -> str:
    with transaction(session_factory(engine)) as s:
        return accounts.create_token(s, s.scalar(select(User).where(User.email == email)), "probe")


# =========================================================================== fixed


# --------------------------------------------------------------------------- webhooks reach the public internet only


def _add_webhook(client, url: str):
    page = client.get("/admin/webhooks").text
    return client.post("/admin/webhooks", data={"csrf_token": csrf_of(page), "url": url, "events": ["response.created"]})


INTERNAL = ("http://169.254.169.254/latest/meta-data/", "http://127.0.0.1:5432/", "http://[::1]/", "http://localhost/",
            "http://api.localhost./", "http://10.0.0.1/", "http://192.168.1.1/", "http://172.16.0.1/",
            "http://100.64.0.1/", "http://0.0.0.0/", "http://[::ffff:127.0.0.1]/", "http://[fe80::1]/",
            "http://[fd00::1]/", "http://[64:ff9b::a9fe:a9fe]/", "http://[2002:7f00:1::]/", "http://224.0.0.1/",
            "http://user:pass@example.org/", "http://example.org:99999/")


def test_a_webhook_to_an_internal_address_is_refused(client, engine):
    """Any endpoint was taken: the worker, and the test button at once, would post to the
    cloud's metadata service or the database port and show what answered (SSRF)."""
    sign_in(client, "admin@example.org")
    for url in INTERNAL:
        r = _add_webhook(client, url)
        assert r.status_code == 422 and 'id="problems"' in r.text, url
    assert _count(engine, WebhookEndpoint) == 0
    assert "an address of this machine or an internal network" in _add_webhook(client, "http://10.0.0.1/").text


def test_the_allowed_networks_let_an_internal_receiver_be_added(settings, engine, org_tree):
    from fastapi.testclient import TestClient

    from servq.web.app import create_app

    allowed = settings.model_copy(update={"webhook_networks": ["10.0.0.0/8"]})
    with TestClient(create_app(allowed), base_url="https://testserver") as client:
        sign_in(client, "admin@example.org")
        assert _add_webhook(client, "http://10.1.2.3/hook").status_code == 200
        assert _add_webhook(client, "http://10.1.2.3.nip.io/hook").status_code == 200  # a name: checked when used
        assert _add_webhook(client, "http://192.168.1.1/hook").status_code == 422


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def test_a_name_that_resolves_inside_is_refused_when_posting(client, engine, org_tree, receiver, monkeypatch):
    """A name is resolved when a request is made, and every address it resolves to must be
    public: here one resolving to the loopback (as a name of the attacker's, or a DNS answer
    that changed since the endpoint was added, would) and the decimal form of 127.0.0.1."""
    port = receiver.server.server_port
    real = socket.getaddrinfo

    def resolve(host, *args, **kwargs):
        if host == "hooks.example.org":  # a public and a private address: the private one must not be reached
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", port)),
                    (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    sign_in(client, "admin@example.org")
    for url in (f"http://hooks.example.org:{port}/hook", f"http://2130706433:{port}/hook"):
        assert _add_webhook(client, url).status_code == 200
        with session_factory(engine)() as s:
            endpoint_id = s.scalar(select(func.max(WebhookEndpoint.id)))
        page = client.get("/admin/webhooks").text
        r = client.post(f"/admin/webhooks/{endpoint_id}/test", data={"csrf_token": csrf_of(page)})
        assert r.status_code == 200 and "failed" in r.text
        with session_factory(engine)() as s:
            delivery = s.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id.desc())).first()
        assert delivery.status == "failed" and "127.0.0.1, an address outside the public internet" in delivery.error
    assert receiver.requests == []


def test_a_post_goes_to_the_address_that_was_checked(engine, receiver, monkeypatch):
    """Allowed, a name is posted to at the address it resolved to when checked."""
    port = receiver.server.server_port
    monkeypatch.setattr(socket, "getaddrinfo", lambda host, *a, **k: [
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))])
    from servq.web import webhooks

    code, error = webhooks.post(f"http://hooks.example.org:{port}/hook", "whsec_x", "webhook.test", 1, {}, 5,
                                egress.networks(["127.0.0.0/8"]))
    assert (code, error) == (200, "") and len(receiver.requests) == 1
    assert receiver.requests[0][0]["host"] == f"hooks.example.org:{port}"
    for scheme in ("http", "https"):
        code, error = webhooks.post(f"{scheme}://hooks.example.org:{port}/hook", "whsec_x", "webhook.test", 2, {}, 5)
        assert code is None and "hooks.example.org is 127.0.0.1, an address outside" in error and len(receiver.requests) == 1


@pytest.mark.parametrize("address, allowed", [
    ("93.184.215.14", True), ("2606:2800:21f:cb07:6820:80da:af6b:8b2c", True), ("127.0.0.1", False),
    ("10.255.0.1", False), ("169.254.169.254", False), ("100.100.100.200", False), ("0.0.0.0", False),
    ("255.255.255.255", False), ("::1", False), ("::", False), ("fe80::1%eth0", False), ("fc00::1", False),
    ("::ffff:10.0.0.1", False), ("::ffff:93.184.215.14", True), ("64:ff9b::7f00:1", False),
    ("2002:a00:1::", False), ("ff02::1", False), ("198.18.0.1", False), ("192.0.2.1", False)])
def test_which_addresses_a_webhook_may_reach(address, allowed):
    assert egress.allowed_address(address, ()) is allowed
    assert egress.allowed_address(address, egress.networks(["0.0.0.0/0", "::/0"]))


def test_the_webhook_networks_setting(monkeypatch):
    monkeypatch.setenv("SERVQ_WEBHOOK_NETWORKS", "10.0.0.0/8, 127.0.0.1")
    assert load_settings().webhook_networks == ["10.0.0.0/8", "127.0.0.1"]
    monkeypatch.setenv("SERVQ_WEBHOOK_NETWORKS", "intranet")
    with pytest.raises(Exception, match="SERVQ_WEBHOOK_NETWORKS: .*'intranet' is not an IP address"):
        load_settings()


# --------------------------------------------------------------------------- workbooks that unpack without end


def _upload_operations(client, name: str, data: bytes):
    page = client.get("/admin/complaint-analytics").text
    return client.post("/admin/complaint-analytics/operations", data={"csrf_token": csrf_of(page)},
                       files={"file": (name, data, "application/octet-stream")}, follow_redirects=False)


def _workbook(rows=(("2026-03-01", "North", "wait", 3),)) -> bytes:
    wb = Workbook()
    wb.active.append(["date", "region", "metric", "value"])
    for row in rows:
        wb.active.append(list(row))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _bomb(megabytes: int) -> bytes:
    """A valid workbook whose sheet has ``megabytes`` MB of blank comment after its first
    row: about 1,000 times smaller packed than unpacked."""
    src = zipfile.ZipFile(io.BytesIO(_workbook()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name in src.namelist():
            data = src.read(name)
            if name != "xl/worksheets/sheet1.xml":
                z.writestr(name, data)
                continue
            head, tail = data.split(b"</sheetData>")
            with z.open(name, "w", force_zip64=True) as f:
                f.write(head)
                chunk = b"<!--" + b" " * (1 << 20) + b"-->"
                for _ in range(megabytes):
                    f.write(chunk)
                f.write(b"</sheetData>" + tail)
    return out.getvalue()


def test_a_zip_bomb_workbook_is_refused_unread(client, engine, org_tree, monkeypatch):
    """A 70 KB upload that unpacked to 60 MB kept a request thread parsing for 5 s (a 20 MB
    one: half an hour). Now its list of parts is read first: a workbook that would unpack
    to more than 50 MB, or whose list alone is huge, is refused before it is opened; one
    that holds more than its list declares fails its checksum."""
    bomb = _bomb(60)
    assert len(bomb) < 100_000
    many = io.BytesIO()
    with zipfile.ZipFile(many, "w") as z:
        for i in range(25_000):
            z.writestr(f"xl/media/{i:06d}.bin", b"")
    sign_in(client, "analyst@example.org")
    read = complaint_context.read_operations
    monkeypatch.setattr(complaint_context, "read_operations", None)  # never reached
    for data in (bomb, many.getvalue()):
        started = time.monotonic()
        r = _upload_operations(client, "ops.xlsx", data)
        assert time.monotonic() - started < 5
        assert r.status_code == 422 and "ops.xlsx: the workbook would unpack to more than 50 MB" in r.text
    monkeypatch.setattr(complaint_context, "read_operations", read)
    lying = bytearray(_bomb(2))
    record = lying.rfind(b"PK\x01\x02", 0, lying.rfind(b"xl/worksheets/sheet1.xml"))  # the sheet's entry in the list
    lying[record + 24:record + 28] = (1000).to_bytes(4, "little")  # its unpacked size: 1,000 bytes
    r = _upload_operations(client, "ops.xlsx", bytes(lying))
    assert r.status_code == 422 and "ops.xlsx: Bad CRC-32 for file" in r.text
    assert _count(engine, OperationalMetric) == 0
    assert _upload_operations(client, "ops.xlsx", _workbook()).status_code == 303  # a real one is read


def _with_entity(declarations: str, use: str) -> bytes:
    """A workbook whose sheet declares ``declarations`` and has ``use`` for its region."""
    src = zipfile.ZipFile(io.BytesIO(_workbook()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name in src.namelist():
            data = src.read(name)
            if name == "xl/worksheets/sheet1.xml":
                data = (f'<?xml version="1.0"?><!DOCTYPE worksheet [{declarations}]>'.encode()
                        + data.split(b"?>", 1)[-1].replace(b"North", use.encode(), 1))
            z.writestr(name, data)
    return out.getvalue()


def test_xml_entities_in_a_workbook_are_never_expanded(client, engine, org_tree):
    """Billion laughs and an external entity: refused at once, nothing read from the disk,
    and the message names the upload, not the server's temporary file."""
    laughs = '<!ENTITY l0 "lol">' + "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    sign_in(client, "analyst@example.org")
    for data in (_with_entity(laughs, "&l9;"), _with_entity('<!ENTITY x SYSTEM "file:///etc/passwd">', "&x;")):
        started = time.monotonic()
        r = _upload_operations(client, "ops.xlsx", data)
        assert time.monotonic() - started < 5 and r.status_code == 422
        assert "lollollol" not in r.text and "root:" not in r.text
        assert "ops.xlsx" in r.text and "operations.xlsx" not in r.text
    assert _count(engine, OperationalMetric) == 0


# --------------------------------------------------------------------------- uploads hold no control characters either


def test_an_uploaded_instrument_is_held_to_the_limits_of_the_form_and_the_database(client, engine, org_tree):
    """The instrument's YAML pasted into the form was checked for control characters, the
    same YAML as a file was not: its texts reached every page and report (U+202E makes
    "gnp.exe" read "exe.png"). And an instrument id longer than the surveys' column (100)
    was a server error on PostgreSQL, pasted or uploaded."""
    catalog = Path("src/servq/instruments/catalog/servqual.yaml").read_text("utf-8")
    bidi = catalog.replace("en: The equipment this company uses is up to date.", "en: 'Up to date \u202egnp.exe'", 1)
    line = bidi[:bidi.index("\u202e")].count("\n") + 1
    long_id = catalog.replace("\nid: servqual\n", "\nid: s" + "x" * 100 + "\n", 1)
    sign_in(client, "analyst@example.org")
    token = csrf_of(client.get("/admin/surveys/new").text)
    form = {"csrf_token": token, "title": "Probe", "languages": ["en"], "unit_ids": [str(org_tree["North 1"])]}
    r = client.post("/admin/surveys", data=form, files={"yaml_file": ("bidi.yaml", bidi.encode(), "text/yaml")})
    assert r.status_code == 422 and f"bidi.yaml, line {line}: a control character" in r.text
    assert "\u202e" not in r.text
    r = client.post("/admin/surveys", data=form, files={"yaml_file": ("long.yaml", long_id.encode(), "text/yaml")})
    assert r.status_code == 422 and "long.yaml, line 3, id: String should have at most 100 characters" in r.text
    r = client.post("/admin/surveys", data={**form, "yaml_text": long_id})
    assert r.status_code == 422 and "at most 100 characters" in r.text
    with session_factory(engine)() as s:
        assert s.scalar(select(Survey).where(Survey.title == "Probe")) is None


def test_operational_metrics_with_control_characters_are_refused(client, engine, org_tree):
    """Regions and metrics of an upload were checked for their length only: a bidi
    override or a terminal's escape went on to the analytics pages and reports."""
    sign_in(client, "analyst@example.org")
    for region, said in (("North\u202e", "row 3, column region: a control character"),
                         ("N\x1b[2Jorth", "row 3, column region: a control character"),
                         ("Nor\x00th", "the file is binary")):
        csv = f"date,region,metric,value\n2026-03-01,North,wait,3\n2026-03-02,{region},wait,4\n"
        r = _upload_operations(client, "ops.csv", csv.encode())
        assert r.status_code == 422 and said in r.text, region
    assert _count(engine, OperationalMetric) == 0


# --------------------------------------------------------------------------- the password page is no guessing oracle


def test_guessing_the_current_password_is_limited_like_sign_ins(client):
    """Whoever held a session could try passwords on `Your account` without end."""
    sign_in(client, "analyst@example.org")
    token = csrf_of(client.get("/admin/account").text)

    def change(current: str):
        return client.post("/admin/account", data={"csrf_token": token, "current": current,
                                                   "new": "another-long-password", "repeat": "another-long-password"})

    assert change("wrong-guess-1").status_code == 422
    assert change("wrong-guess-2").status_code == 422
    assert change(PASSWORD).status_code == 200  # a success forgets the failures (the settings allow 3)
    token = csrf_of(client.get("/admin/account").text)
    for guess in range(3):
        assert change(f"wrong-guess-{guess}").status_code == 422
    blocked = change("another-long-password")
    assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) > 0
    client.post("/logout", data={"csrf_token": csrf_of(client.get("/admin/units").text)})
    assert sign_in(client, "analyst@example.org", "another-long-password").status_code == 303


# =========================================================================== sound: keep it so


STATE_CHANGING = sorted({(r.path, m) for router in ROUTERS for r in router.routes for m in r.methods
                         if m == "POST" and r.path.startswith(("/admin", "/login", "/logout", "/join", "/supervise"))})


def test_no_state_changing_form_is_taken_without_its_csrf_token(client, engine, org_tree, a_complaint):
    """Every form of the administration, signing in and out: no token, a forged one, or the
    right one in the query string instead of the form is refused (403) and nothing is done."""
    sign_in(client, "admin@example.org")
    right = csrf_of(client.get("/admin/account").text)
    before = _count(engine, AuditEntry)
    for path, method in STATE_CHANGING:
        url = path
        for name in ("user_id", "survey_id", "unit_id", "complaint_id", "policy_id", "row_id", "endpoint_id",
                     "supervisor_id", "evaluation_id", "photo_id", "token"):
            url = url.replace("{" + name + "}", "1")
        for query, form in (("", {}), ("", {"csrf_token": "forged"}), (f"?csrf_token={right}", {})):
            r = client.request(method, url + query, data={**form, "name": "Probe", "email": "p@example.org",
                                                          "role": "analyst", "password": "p" * 12},
                               headers={"Origin": "https://evil.example"}, follow_redirects=False)
            assert r.status_code == 403, (path, query, form, r.status_code)
    assert _count(engine, AuditEntry) == before
    assert client.get("/admin/account", follow_redirects=False).status_code == 200  # still signed in


PATHS = ("//admin/users", "/admin/../admin/users", "/%61dmin/users", "/ADMIN/users", "/admin%2fusers", "/admin/users/",
         "/admin/users;x", "/admin/users%00", "/admin/./users", "/api/v1/../v1/surveys", "//api/v1/surveys",
         "/api/v1/surveys/", "/API/v1/surveys", "/api/v1%2fsurveys", "/api/v1/./surveys")


def test_no_spelling_of_a_path_passes_the_gate(client, org_tree):
    for path in PATHS:
        for method in ("GET", "HEAD", "POST", "OPTIONS", "PUT", "DELETE"):
            r = client.request(method, path, follow_redirects=False)
            assert r.status_code in (303, 401, 404, 405), (path, method, r.status_code)
            assert "analyst@example.org" not in r.text
    sign_in(client, "north@example.org")  # a unit manager: the users' page is not theirs in any spelling
    for path in PATHS:
        for method in ("GET", "HEAD", "POST"):
            r = client.request(method, path, follow_redirects=False)
            assert r.status_code != 200 and "analyst@example.org" not in r.text, (path, method)


def test_forged_or_garbled_session_cookies_are_nobody(client, org_tree):
    import base64
    import json

    from itsdangerous import TimestampSigner

    sign_in(client, "admin@example.org")
    real = client.cookies.get("servq_session")
    payload = json.loads(base64.b64decode(real.split(".")[0] + "=="))  # the signed session of the admin
    forged = TimestampSigner("another-secret-" * 3).sign(base64.b64encode(json.dumps(payload).encode())).decode()
    for value in ("garbage", "", "e30=.e30=.e30=", "x" * 3000, forged):
        client.cookies.clear()
        client.cookies.set("servq_session", value)
        r = client.get("/admin/users", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login")


def test_the_api_takes_tokens_only_never_the_session_cookie(client, engine, org_tree):
    """A signed-in browser's cookie is no key to the API (which checks no CSRF token), nor
    is a token in the query string or a cookie."""
    token = _token(engine, "analyst@example.org")
    sign_in(client, "admin@example.org")
    assert client.get("/api/v1/surveys").status_code == 401
    assert client.post("/api/v1/complaints", json={"key": "k", "text": "t", "unit": "North 1"}).status_code == 401
    assert client.get(f"/api/v1/surveys?token={token}&access_token={token}").status_code == 401
    assert client.get("/api/v1/surveys", headers={"Authorization": f"Basic {token}"}).status_code == 401
    r = client.get("/api/v1/surveys", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    with transaction(session_factory(engine)) as s:  # a deactivated user's token is nobody's
        s.scalar(select(User).where(User.email == "analyst@example.org")).active = False
    r = client.get("/api/v1/surveys", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401 and r.headers["content-type"] == "application/json"


def test_deep_or_huge_json_is_a_400_not_a_crash(client, engine, org_tree):
    token = _token(engine, "analyst@example.org")
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    for body in ("[" * 100_000 + "]" * 100_000, '{"key": ' + "[" * 50_000 + "]" * 50_000 + "}"):
        r = client.post("/api/v1/complaints", content=body, headers=headers)
        assert r.status_code == 400 and r.json()["detail"]
    r = client.post("/api/v1/complaints", content='{"key": [' + "1," * 200_000 + "1]}", headers=headers)
    assert r.status_code == 413 and r.json()["detail"].startswith("The request is too large")


def test_downloads_and_api_answers_are_never_cached_nor_sniffed(client, engine, answered):
    token = _token(engine, "analyst@example.org")
    sign_in(client, "admin@example.org")
    for r in (client.get(f"/admin/surveys/{answered}/data.csv"), client.get(f"/admin/surveys/{answered}/data.xlsx"),
              client.get(f"/admin/surveys/{answered}/report?fmt=json"),
              client.get(f"/api/v1/surveys/{answered}/responses.csv", headers={"Authorization": f"Bearer {token}"}),
              client.get("/api/v1/surveys", headers={"Authorization": f"Bearer {token}"}),
              client.get("/admin/audit"), client.get("/api/v1/nowhere")):
        assert r.headers["cache-control"] == "no-store", r.url
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "same-origin"
        if "/api/" not in str(r.url) and "audit" not in str(r.url):
            assert r.headers["content-disposition"].startswith("attachment"), r.url
    page = client.get("/admin/audit")
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert "unsafe-inline" not in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"
