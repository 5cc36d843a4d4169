#!/usr/bin/env bash
# Set up servq with its test dependencies in .venv and run the whole test suite:
# `bash scripts/test.sh [pytest options]`. CI runs exactly this (.ci/run).
SERVQ_EXTRAS=test
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
# The browser test drives Debian's Chromium (never a browser downloaded by Playwright).
if [ ! -x /usr/bin/chromium ] && command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
  # a fresh machine's package lists may be empty
  { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver >/dev/null; } \
    || echo "could not install chromium: the browser test will be skipped" >&2
fi
# The Spark tests run on Java 17 or newer (Debian's default-jre-headless).
if ! command -v java >/dev/null && command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
  { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q default-jre-headless >/dev/null; } \
    || echo "could not install Java: the Spark tests will be skipped" >&2
fi
exec .venv/bin/python -m pytest "$@"
