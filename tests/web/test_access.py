"""Every route for every role: who may see and do what (a test that walks all routes)."""

from __future__ import annotations

import pytest
from web_helpers import csrf_of, sign_in

from servq.web.app import ROUTERS

PUBLIC = {("GET", "/healthz"), ("GET", "/"), ("GET", "/login"), ("POST", "/login"), ("POST", "/logout"),
          # the respondent's pages (tests/web/test_respond.py)
          ("GET", "/s/{slug}/u/{unit_id}"), ("POST", "/s/{slug}/u/{unit_id}"), ("GET", "/i/{token}"),
          ("GET", "/r/{key}"), ("GET", "/thanks"),
          # the public complaint form (tests/web/test_complaint_intake.py)
          ("GET", "/c/{unit_id}"), ("POST", "/c/{unit_id}"), ("GET", "/c/thanks"),
          # unsubscribing from scheduled waves' e-mails: the link's token (test_runs.py)
          ("GET", "/unsubscribe/{token}"), ("POST", "/unsubscribe/{token}"),
          # a supervisor's sign-up link (test_supervisors.py)
          ("GET", "/join/{token}"), ("POST", "/join/{token}"),
          # the open platform's public scores (test_public.py)
          ("GET", "/public/{slug}"), ("GET", "/public/{slug}.json")}
# the JSON API: token authentication (tests/web/test_api.py)
API = {("GET", "/api/v1/surveys"), ("GET", "/api/v1/surveys/{survey_id}/results"),
       ("GET", "/api/v1/surveys/{survey_id}/responses.{fmt}"),
       ("POST", "/api/v1/complaints"), ("GET", "/api/v1/complaints")}
ADMIN_ONLY = {("GET", "/admin/users"), ("POST", "/admin/users"), ("POST", "/admin/users/{user_id}/active"),
              ("GET", "/admin/audit"), ("POST", "/admin/units"), ("POST", "/admin/units/{unit_id}/labels"),
              # webhooks (test_webhooks.py)
              ("GET", "/admin/webhooks"), ("POST", "/admin/webhooks"), ("POST", "/admin/webhooks/{endpoint_id}/delete"),
              ("POST", "/admin/webhooks/{endpoint_id}/test"),
              # the delivery log of managers' reports (test_reports.py)
              ("GET", "/admin/report-deliveries"),
              # customer supervisors (test_supervisors.py)
              ("GET", "/admin/supervisors"), ("POST", "/admin/supervisors"), ("POST", "/admin/supervisors/rule"),
              ("POST", "/admin/supervisors/{supervisor_id}/invitation"), ("POST", "/admin/supervisors/{supervisor_id}/active"),
              ("POST", "/admin/supervisors/{supervisor_id}/points"), ("GET", "/admin/supervisors/ledger.csv"),
              # publishing a survey's scores on the open platform (test_public.py)
              ("GET", "/admin/surveys/{survey_id}/public"), ("POST", "/admin/surveys/{survey_id}/public")}
MANAGERS_ONLY = {("GET", "/admin/surveys/new"), ("POST", "/admin/surveys"), ("POST", "/admin/surveys/{survey_id}/waves"),
                 ("POST", "/admin/channels"), ("POST", "/admin/surveys/{survey_id}/invitations"),
                 ("POST", "/admin/surveys/{survey_id}/closed-loop"), ("POST", "/admin/sla"),
                 ("POST", "/admin/sla/{policy_id}/delete"),
                 # the customer base of a unit and operational metrics (test_complaint_context.py)
                 ("POST", "/admin/units/{unit_id}/customers"), ("POST", "/admin/complaint-analytics/operations"),
                 ("POST", "/admin/complaint-analytics/operations/delete"),
                 # names in other languages (test_languages.py)
                 ("POST", "/admin/channels/{row_id}/labels"), ("POST", "/admin/surveys/{survey_id}/titles"),
                 # the customer list, schedules and the outbox (test_run_pages.py)
                 ("GET", "/admin/customers"), ("POST", "/admin/customers"), ("GET", "/admin/outbox"),
                 ("GET", "/admin/surveys/{survey_id}/schedule"), ("POST", "/admin/surveys/{survey_id}/schedule"),
                 # a survey's reports to managers (test_reports.py)
                 ("GET", "/admin/surveys/{survey_id}/reports"), ("POST", "/admin/surveys/{survey_id}/reports"),
                 # the survey editor (test_editor.py)
                 ("GET", "/admin/editor"), ("POST", "/admin/editor"), ("POST", "/admin/editor/preview"),
                 ("GET", "/admin/surveys/{survey_id}/instrument"), ("POST", "/admin/surveys/{survey_id}/instrument"),
                 # supervisors' evaluations and photos (test_supervisors.py)
                 ("GET", "/admin/supervisors/evaluations"), ("GET", "/admin/supervisors/evaluations/{evaluation_id}"),
                 ("GET", "/admin/supervisors/photos/{photo_id}")}
ANY_SIGNED_IN = {("GET", "/admin"), ("GET", "/admin/units"), ("GET", "/admin/channels"), ("GET", "/admin/surveys"),
                 ("GET", "/admin/surveys/{survey_id}"), ("GET", "/admin/surveys/{survey_id}/qr/{unit_id}.{kind}"),
                 ("GET", "/admin/surveys/{survey_id}/dashboard"), ("GET", "/admin/surveys/{survey_id}/report"),
                 ("GET", "/admin/surveys/{survey_id}/data.{fmt}"),
                 # complaint cases: every role, limited to the cases of the units it sees (test_complaint_cases.py)
                 ("GET", "/admin/complaints"), ("GET", "/admin/complaints/{complaint_id}"),
                 ("POST", "/admin/complaints/{complaint_id}/assign"), ("POST", "/admin/complaints/{complaint_id}/status"),
                 ("POST", "/admin/complaints/{complaint_id}/note"), ("POST", "/admin/complaints/{complaint_id}/reply"),
                 ("POST", "/admin/complaints/{complaint_id}/relabel"), ("GET", "/admin/sla"),
                 # complaint analytics of the units it sees (test_complaint_analytics.py)
                 ("GET", "/admin/complaint-analytics"), ("GET", "/admin/complaint-analytics/report"),
                 # one's own account: the password (test_sessions.py), the language (test_languages.py)
                 ("GET", "/admin/account"), ("POST", "/admin/account"), ("POST", "/admin/account/language"),
                 # one's reports and how they come; a report by its link, only for its manager (test_reports.py)
                 ("GET", "/admin/account/reports"), ("POST", "/admin/account/reports"), ("GET", "/admin/reports/{token}")}
# a customer supervisor's own pages: no other role (test_supervisors.py walks the others as a supervisor)
SUPERVISOR_ONLY = {("GET", "/supervise"), ("GET", "/supervise/evaluate"), ("POST", "/supervise/evaluate"),
                   ("GET", "/supervise/evaluations/{evaluation_id}")}
ROLES = {"administrator": "admin@example.org", "analyst": "analyst@example.org", "unit_manager": "north@example.org"}


def test_every_route_is_classified():
    routes = {(m, r.path) for router in ROUTERS for r in router.routes for m in r.methods}
    assert routes == PUBLIC | API | ADMIN_ONLY | MANAGERS_ONLY | ANY_SIGNED_IN | SUPERVISOR_ONLY


@pytest.mark.parametrize("role", [None, *ROLES])
def test_access_by_role(client, role, a_complaint):
    if role:
        sign_in(client, ROLES[role])
    token = csrf_of(client.get("/login").text)
    for method, path in sorted(ADMIN_ONLY | MANAGERS_ONLY | ANY_SIGNED_IN | SUPERVISOR_ONLY):
        url = (path.replace("{user_id}", "2").replace("{survey_id}", "1").replace("{unit_id}.{kind}", "2.svg")
               .replace("{unit_id}", "2")
               .replace("{fmt}", "csv").replace("{complaint_id}", "1").replace("{policy_id}", "1").replace("{row_id}", "1")
               .replace("{endpoint_id}", "1").replace("{supervisor_id}", "1").replace("{evaluation_id}", "1")
               .replace("{photo_id}", "1"))
        data = {"csrf_token": token, "name": "x", "email": "z@example.org", "role": "analyst",
                "password": "p" * 12, "active": "1", "text": "a note", "status": "assigned", "owner_id": "1",
                "dimension": "empathy", "acknowledge_hours": "4", "resolve_days": "2", "calendar": "timezone: UTC",
                "customers": "100"}
        r = client.request(method, url, data=data if method == "POST" else None, follow_redirects=False)
        if role is None:
            assert r.status_code == 303 and r.headers["location"].startswith("/login"), (method, path)
        elif (method, path) in SUPERVISOR_ONLY:
            assert r.status_code == 403, (role, method, path)
        elif (method, path) in ADMIN_ONLY and role != "administrator":
            assert r.status_code == 403, (role, method, path)
        elif (method, path) in MANAGERS_ONLY and role == "unit_manager":
            assert r.status_code == 403, (role, method, path)
        else:  # allowed; made-up values may be refused (422) or find nothing (404), never forbidden
            assert r.status_code in (200, 303, 404, 422), (role, method, path, r.status_code)


def test_a_unit_manager_cannot_see_surveys_of_other_units(client):
    sign_in(client, "south1@example.org")
    assert "North customers" not in client.get("/admin/surveys").text
    r = client.get("/admin/surveys/1")
    assert r.status_code == 404 and "No such survey" in r.text
    for path in ("/admin/surveys/1/qr/2.png", "/admin/surveys/1/dashboard", "/admin/surveys/1/report",
                 "/admin/surveys/1/data.csv"):
        assert client.get(path).status_code == 404, path
    client.cookies.clear()
    sign_in(client, "north@example.org")  # North 1 is in North's subtree
    assert "North customers" in client.get("/admin/surveys").text
    assert client.get("/admin/surveys/1").status_code == 200


def test_routes_using_the_database_are_synchronous():
    """An async route would run its queries on the event loop: while SQLite's busy wait for
    the write lock blocks the loop, the request holding the lock can never commit."""
    import inspect

    from servq.web.pages import db, read_db

    def uses_db(dependant) -> bool:
        return any(d.call in (db, read_db) or uses_db(d) for d in dependant.dependencies)

    offenders = [r.path for router in ROUTERS for r in router.routes
                 if uses_db(r.dependant) and inspect.iscoroutinefunction(r.endpoint)]
    assert offenders == []
