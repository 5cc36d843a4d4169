"""What the browser tests share: the check that Debian's Chromium and Playwright are here
(else the test is skipped — except under ``SERVQ_REQUIRE_BROWSER=1``, CI, where it fails),
and servq served on a free port."""

from __future__ import annotations

import os
import socket
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"


def browser_or_skip(*more: tuple[Path, str]) -> None:
    """Skip (or, in CI, fail) unless Chromium, Playwright and every (path, what) in ``more``
    are installed."""
    reason = None
    if not Path(CHROMIUM).exists():
        reason = f"Chromium not installed at {CHROMIUM} (Debian package chromium)"
    else:
        reason = next((what for path, what in more if not path.exists()), None)
    if reason is None:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            reason = "the playwright package is not installed"
    if reason:
        if os.environ.get("SERVQ_REQUIRE_BROWSER") == "1":
            pytest.fail(reason)
        pytest.skip(reason)


def submit(page, selector: str) -> None:
    """Click the button or link at ``selector`` and wait until the page it leads to has loaded.
    A bare click returns once the browser has been told, not once it has navigated: a read
    straight after it can see the old page, or the new one half parsed."""
    with page.expect_navigation():
        page.click(selector)


@contextmanager
def serving(database_url: str, settings=None):
    """servq on a free port of 127.0.0.1 for the (upgraded) database at ``database_url``
    (``settings``: others than production's defaults); its address."""
    import uvicorn

    from servq.web.app import create_app
    from servq.web.settings import Settings

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings = (settings or Settings(mode="production", secret_key="k" * 40)).model_copy(
        update={"database_url": database_url, "allowed_hosts": ["127.0.0.1"]})
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def one_branch_served(folder: Path, email: str, role: str):
    """servq served on a new SQLite database in ``folder`` with the branch Kungsgatan, a
    user (``email``, ``role``), a SERVQUAL survey in Swedish and English covering the
    branch, and an SMTP server on the loopback: (address, database URL, the survey's id,
    the server's inbox, its port)."""
    from mail_helpers import smtp_server
    from web_helpers import PASSWORD

    from servq.store.db import make_engine, session_factory, transaction, upgrade
    from servq.web import accounts, org, surveys

    url = f"sqlite:///{folder / 'servq.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with transaction(session_factory(engine)) as s:
        kungs = org.add_unit(s, "Kungsgatan", "branch", None, None)
        user = accounts.create_user(s, email, PASSWORD, role)
        survey_id = surveys.create_survey(s, surveys.SurveyForm(
            title="Kundundersökning", instrument="servqual", languages=["sv", "en"], unit_ids=[str(kungs.id)]), user).id
    engine.dispose()
    controller, inbox = smtp_server()
    try:
        with serving(url) as base:
            yield base, url, survey_id, inbox, controller.port
    finally:
        controller.stop()
