"""The browser tests' common check: Debian's Chromium and Playwright are here, or the test
is skipped — except under ``SERVQ_REQUIRE_BROWSER=1`` (CI), where it fails."""

from __future__ import annotations

import os
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
