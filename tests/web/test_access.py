"""Every route for every role: who may see and do what (a test that walks all routes)."""

from __future__ import annotations

import pytest
from fastapi.routing import APIRoute
from starlette.routing import Mount

from web_helpers import csrf_of, sign_in

PUBLIC = {("GET", "/healthz"), ("GET", "/"), ("GET", "/login"), ("POST", "/login"), ("POST", "/logout")}
ADMIN_ONLY = {("GET", "/admin/users"), ("POST", "/admin/users"), ("POST", "/admin/users/{user_id}/active"),
              ("GET", "/admin/audit"), ("POST", "/admin/units")}
ANY_SIGNED_IN = {("GET", "/admin"), ("GET", "/admin/units")}
ROLES = {"administrator": "admin@example.org", "analyst": "analyst@example.org", "unit_manager": "north@example.org"}


def _routes(app) -> set[tuple[str, str]]:
    out = set()
    for route in app.routes:
        if isinstance(route, APIRoute):
            out |= {(m, route.path) for m in route.methods}
        elif not isinstance(route, Mount):
            out |= {(m, route.path) for m in getattr(route, "methods", None) or ()}
    return out


def test_every_route_is_classified(client):
    assert _routes(client.app) == PUBLIC | ADMIN_ONLY | ANY_SIGNED_IN


@pytest.mark.parametrize("role", [None, *ROLES])
def test_access_by_role(client, role):
    if role:
        sign_in(client, ROLES[role])
    token = csrf_of(client.get("/login").text)
    for method, path in sorted(ADMIN_ONLY | ANY_SIGNED_IN):
        url = path.replace("{user_id}", "2")
        data = {"csrf_token": token, "name": "x", "email": "z@example.org", "role": "analyst",
                "password": "p" * 12, "active": "1"}
        r = client.request(method, url, data=data if method == "POST" else None, follow_redirects=False)
        if role is None:
            assert r.status_code == 303 and r.headers["location"].startswith("/login"), (method, path)
        elif (method, path) in ADMIN_ONLY and role != "administrator":
            assert r.status_code == 403, (role, method, path)
        else:
            assert r.status_code in (200, 303), (role, method, path, r.status_code)
