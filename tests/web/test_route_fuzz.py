"""Every route, every parameter, hostile values: never a server error (issue 11, finding 2).

The test walks the app's routes (a new route is walked without a change here): for each
route, each parameter it declares — path, query, form field, uploaded file, the fields of a
JSON body (nested ones too) — and each field of the form its GET page shows (the public
forms read their fields themselves), it sends every hostile value in turn while the other
parameters keep a valid value. It is signed in as an administrator, with a valid CSRF token
and an API token, so every request gets past the checks of who may do what to the code
that reads the value. Any 5xx fails the test, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import itertools
import traceback
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from urllib.parse import quote

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from pydantic import BaseModel
from sqlalchemy import select
from web_helpers import csrf_of, sign_in

from servq.store.db import session_factory, transaction
from servq.store.models import Response, Survey, User
from servq.web import accounts, complaints
from servq.web.app import create_app
from servq.web.security import new_token

HOSTILE = ("\x00", "x" * 10_000, "²", "99999999999999999999", "-1", "0001-01-01T00:00:00+14:00", "",
           "<script>alert(1)</script>")
HOSTILE_FILES = (("binary.csv", b"\x00\x01\xff\xfe\x00binary"),
                 ("latin1.csv", "email\nåsa@example.org\n".encode("latin-1")),
                 ("long.csv", b"email,name\nx@example.org,Eve,extra,more\n"),
                 ("nul.csv", b"email\nx\x00@example.org\n"), ("x" * 10_000 + ".csv", b"email\nx@example.org\n"),
                 ("a\x00b.csv", b"email\nx@example.org\n"))
_unique = itertools.count()
# valid values of form and JSON fields by name: every other field keeps one while one is
# attacked (a name not here gets the value the GET page's form shows, else "1"; a query
# parameter not attacked is left out)
VALID = {
    "email": lambda: f"fuzz-{next(_unique)}@example.org", "password": lambda: "a-long-fuzz-password",
    "role": lambda: "analyst", "name": lambda: f"Fuzz {next(_unique)}", "kind": lambda: "branch",
    "title": lambda: "Fuzz survey", "instrument": lambda: "servqual", "languages": lambda: "en",
    "opens": lambda: "2026-01-01", "closes": lambda: "2026-12-31", "respondent_type": lambda: "customer",
    "starts": lambda: f"{2030 + next(_unique) % 60}-01-01", "ends": lambda: f"{2030 + next(_unique) % 60}-02-01",
    "text": lambda: "The queue was long.", "key": lambda: new_token(), "unit": lambda: "North 1",
    "status": lambda: "in_progress", "dimension": lambda: "reliability", "category": lambda: "*",
    "tier": lambda: "*", "acknowledge_hours": lambda: "8", "resolve_days": lambda: "5", "days": lambda: "30",
    "calendar": lambda: 'timezone: Europe/Stockholm\nhours:\n  mon-fri: "08:00-17:00"\n',
    "customers": lambda: "1000", "gap_max": lambda: "-1", "recommend_max": lambda: "6",
    "enabled": lambda: "on", "active": lambda: "1",
}
VALID_FILE = ("valid.csv", b"email\nfuzz@example.org\n")


@pytest.fixture
def fuzz_client(settings, engine, org_tree):
    """An app without the respondents' rate limit, with responses, a complaint case and an
    SLA policy to act on; the ids the paths need."""
    now = datetime.now(UTC)
    with transaction(session_factory(engine)) as s:
        survey = s.scalar(select(Survey))
        for i in range(6):
            s.add(Response(key=new_token(), survey_id=survey.id, unit_id=org_tree["North 1"], language="en",
                           answers={"E1": 1 + i, "P1": 7 - i}, submitted_at=now - timedelta(days=i)))
        complaints.save_policy(s, "*", "*", "8", "5", VALID["calendar"](), None)
        complaints.intake(s, complaints.NewComplaint(key="k" * 30, unit_id=org_tree["North 1"], text="Slow.",
                                                     source="form", received_at=now))
        users = {u.email: u for u in s.scalars(select(User))}
        token = accounts.create_token(s, users["admin@example.org"], "fuzz")
        paths = {"survey_id": survey.id, "unit_id": org_tree["North 1"], "slug": survey.slug, "complaint_id": 1,
                 "policy_id": 1, "user_id": users["analyst@example.org"].id, "fmt": "csv", "kind": "svg",
                 "key": new_token(), "token": new_token()}
    app = create_app(settings.model_copy(update={"submit_limit": 0}))
    with TestClient(app, base_url="https://testserver", headers={"Authorization": f"Bearer {token}"}) as client:
        assert sign_in(client, "admin@example.org").status_code == 303
        client.csrf = csrf_of(client.get("/admin/units").text)
        client.paths = {k: str(v) for k, v in paths.items()}
        yield client


class _Forms(HTMLParser):
    """The fields of each form of a page: {action: {name: first value}}."""

    def __init__(self):
        super().__init__()
        self.forms: dict[str, dict[str, str]] = {}
        self._form: dict[str, str] | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = self.forms.setdefault(a.get("action") or "", {})
        elif self._form is not None and tag in ("input", "textarea", "select") and a.get("name"):
            if a.get("type") not in ("submit", "button", "file"):
                self._form.setdefault(a["name"], a.get("value") or "")
            self._select = a["name"] if tag == "select" else None
        elif tag == "option" and self._select and self._form is not None and not self._form[self._select]:
            self._form[self._select] = a.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None


def _dependants(dependant):
    yield dependant
    for sub in dependant.dependencies:
        yield from _dependants(sub)


def _params(route) -> dict[str, list]:
    """The parameters ``route`` declares, by where they go (``json``: the body's model)."""
    found: dict[str, list] = {"path": [], "query": [], "form": [], "file": [], "json": []}
    for d in _dependants(route.dependant):
        found["path"] += [p.alias for p in d.path_params]
        found["query"] += [p.alias for p in d.query_params]
        for p in d.body_params:
            kind = type(p.field_info).__name__
            model = _model(p.field_info.annotation)
            if kind == "File":
                found["file"].append(p.alias)
            elif kind == "Form":
                found["form"].append(p.alias)
            elif model is not None:
                found["json"].append(model)
    return found


def _model(annotation) -> type[BaseModel] | None:
    for candidate in (annotation, *getattr(annotation, "__args__", ())):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None


def _json_fields(model: type[BaseModel], prefix: tuple) -> list[tuple]:
    out = []
    for name, field in model.model_fields.items():
        nested = _model(field.annotation)
        out += _json_fields(nested, (*prefix, name)) if nested else [(*prefix, name)]
    return out


def _valid(name: str, shown: dict[str, str]) -> str:
    key = name.rsplit(".", 1)[-1]
    return VALID[key]() if key in VALID else shown.get(name, "1")


def _requests(client, route, method: str):
    """(what is attacked, the value, (path, the request's keyword arguments)) for every
    parameter and hostile value."""
    declared = _params(route)

    def at(**values):
        path = route.path
        for name in declared["path"]:
            path = path.replace(f"{{{name}}}", quote(values.get(name, client.paths.get(name, "1")), safe=""))
        return path

    shown: dict[str, str] = {}
    if method != "GET" and any(r.path == route.path and "GET" in r.methods
                                for r in iter_route_contexts(client.app.routes)):
        parser = _Forms()
        parser.feed(client.get(at()).text)
        shown = parser.forms.get(at(), {})
    form_fields = [f for f in dict.fromkeys(declared["form"] + list(shown)) if f != "csrf_token"]
    model = declared["json"][0] if declared["json"] else None

    def send(path=None, query=None, form=None, files=None, json=None):
        kw = {"params": query or {}}
        if method != "GET" and model is not None:
            kw["json"] = json
        elif method != "GET":
            kw["data"] = {"csrf_token": client.csrf, **{f: _valid(f, shown) for f in form_fields}, **(form or {})}
            kw["files"] = files or {f: VALID_FILE for f in declared["file"]} or None
        return path or at(), kw

    for name in declared["path"]:
        for value in HOSTILE:
            yield name, value, send(path=at(**{name: value}))
    for name in declared["query"]:
        for value in HOSTILE:
            yield name, value, send(query={name: value})
    for name in form_fields:
        for value in HOSTILE:
            yield name, value, send(form={name: value})
    for name in declared["file"]:
        for filename, content in HOSTILE_FILES:
            yield name, filename[:40], send(files={name: (filename, content)})
    for field in _json_fields(model, ()) if model else []:
        for value in HOSTILE:
            body = {name: _valid(name, {}) for name, f in model.model_fields.items() if f.is_required()}
            into = body
            for part in field[:-1]:
                into = into.setdefault(part, {})
            into[field[-1]] = value
            yield ".".join(field), value, send(json=body)


def test_no_route_answers_hostile_input_with_a_server_error(fuzz_client):
    client = fuzz_client
    failures, first = [], ""
    routes = [r for r in iter_route_contexts(client.app.routes) if isinstance(r.original_route, APIRoute)]
    assert len(routes) > 40  # the walk sees the app's routes
    for route in routes:
        for method in sorted(route.methods - {"HEAD"}):
            for name, value, (path, kw) in _requests(client, route, method):
                try:
                    status, text = (r := client.request(method, path, follow_redirects=False, **kw)).status_code, r.text
                except Exception as exc:  # the server's exception, raised by the test client
                    status, text = 500, f"{type(exc).__name__}: {exc}"
                    first = first or traceback.format_exc(limit=-6)
                if status >= 500:
                    failures.append(f"{method} {route.path} {name}={value[:30]!r}: {status} {text[:300]!r}")
    assert not failures, f"{len(failures)} server errors:\n" + "\n".join(failures[:80]) + f"\nthe first:\n{first}"
