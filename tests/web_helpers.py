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


def hidden_fields(page: str) -> dict:
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page))


def page_fields(page: str) -> list[str]:
    return sorted(set(re.findall(r'<input type="radio" name="(\w+)"', page)))


def answer_all(client, first_page: str, value=lambda name: 6 if name.startswith("P") else 7):
    """Answer every page of the SERVQUAL questionnaire; returns the final response page."""
    page = first_page
    sent: dict[str, int] = {}
    for _ in range(10):
        hidden = hidden_fields(page)
        data = {**hidden, **{f: value(f) for f in page_fields(page) if not f.startswith(("recommend",))}}
        if "W_tangibles" in page:
            data.update(W_tangibles=10, W_reliability=40, W_responsiveness=20, W_assurance=20, W_empathy=10,
                        recommend=9, comment="Quick & friendly <staff>")
        last = 'value="submit"' in page
        data["action"] = "submit" if last else "next"
        sent.update({k: v for k, v in data.items() if k not in hidden and k not in ("action", "comment")})
        r = client.post(re.search(r'<form method="post" action="([^"]+)"', page).group(1), data=data)
        assert r.status_code == 200, r.text[:500]
        page = r.text
        if last:
            return page, sent
    raise AssertionError("the questionnaire did not end")
