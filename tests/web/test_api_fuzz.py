"""The JSON API against its own OpenAPI document (issue 11): schemathesis generates requests
from ``/api/openapi.json`` — valid ones and invalid ones, a bounded and fixed number per
operation — and sends them with a real API token. No answer may be a server error, and
each must be what the document says: a documented status code and content type, and a body
of its schema (every error an ``ApiError``). On SQLite and on PostgreSQL.
"""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime, timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import select

from servq.store.db import session_factory, transaction
from servq.store.models import Response, Survey, User
from servq.web import accounts, complaints
from servq.web.app import create_app
from servq.web.security import new_token
from servq.web.settings import Settings

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]


def _document() -> dict:
    """The app's OpenAPI document (the same whatever the database; this one is never opened)."""
    app = create_app(Settings(mode="development", database_url=f"sqlite:///{tempfile.gettempdir()}/servq-unused.db"),
                     check_schema=False)
    try:
        return app.openapi()
    finally:
        app.state.engine.dispose()


schema = schemathesis.openapi.from_dict(_document())
schema.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE], max_examples=25,
                                deterministic=True, database="none")


@pytest.fixture
def api_client(client, engine, org_tree):
    """The app over the org tree with six responses and a complaint; signed with an
    analyst's API token."""
    now = datetime.now(UTC)
    with transaction(session_factory(engine)) as s:
        survey = s.scalar(select(Survey))
        for i in range(6):
            s.add(Response(key=new_token(), survey_id=survey.id, unit_id=org_tree["North 1"], language="sv",
                           answers={"E1": 1 + i, "P1": 7 - i, "recommend": i}, submitted_at=now - timedelta(days=i)))
        complaints.intake(s, complaints.NewComplaint(key="k" * 30, unit_id=org_tree["North 1"], text="Slow.",
                                                     source="form", received_at=now))
        analyst = s.scalar(select(User).where(User.email == "analyst@example.org"))
        client.headers["Authorization"] = f"Bearer {accounts.create_token(s, analyst, 'fuzz')}"
    return client


def _request(case) -> dict:
    """``case``'s request for the test client (schemathesis builds it for ``requests``, the
    client is ``httpx``; the API reads no cookies). Every other complaint sent names a unit
    there is, and no tier, channel or date, so that some are stored: a made-up unit is a 422."""
    body = case.body
    if case.path == "/api/v1/complaints" and isinstance(body, dict) and len(str(body.get("key"))) % 2:
        body.update(unit="North 1")
        for name in ("channel", "tier", "received_at"):
            body.pop(name, None)
    kwargs = case.as_transport_kwargs(base_url="https://testserver")
    kwargs = {k: v for k, v in kwargs.items() if v is not None and k != "cookies"}
    if isinstance(kwargs.get("data"), (bytes, str)):
        kwargs["content"] = kwargs.pop("data")
    return kwargs


@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_the_api_answers_as_its_openapi_document_says(case, api_client):
    assert api_client.get("/api/openapi.json").json() == schema.raw_schema  # what is tested is what is served
    case.validate_response(api_client.request(**_request(case)), checks=CHECKS)
