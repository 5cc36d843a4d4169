"""Helpers of the web tests (imported by tests/web/*)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

PASSWORD = "a-long-test-password"


def csrf_of(page: str) -> str:
    """The CSRF token of the first form in ``page``."""
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def sign_in(client: TestClient, email: str, password: str = PASSWORD):
    token = csrf_of(client.get("/login").text)
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token,
                                       "next": "/admin"}, follow_redirects=False)
