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
# The accessibility test injects axe-core (npm, pinned in tests/a11y/package-lock.json) into
# that Chromium; installed once into .venv/axe, again only when the lock changes.
AXE=.venv/axe
if ! { cmp -s tests/a11y/package-lock.json "$AXE/package-lock.json" && [ -f "$AXE/node_modules/axe-core/axe.min.js" ]; }; then
  if command -v npm >/dev/null; then
    mkdir -p "$AXE" && cp tests/a11y/package.json tests/a11y/package-lock.json "$AXE/"
    npm ci --prefix "$AXE" --no-audit --no-fund --loglevel=error \
      || { rm -f "$AXE/package-lock.json"; echo "could not install axe-core: the accessibility test will be skipped" >&2; }
  else
    echo "npm not found: the accessibility test (axe-core) will be skipped" >&2
  fi
fi
# The tests run on one process per CPU (at most 4; SERVQ_TEST_WORKERS=0 runs them in this
# process), an idle process taking tests from a busy one's queue: the slow ones (the route
# fuzzer, Spark, the browser) no longer run one after the other.
WORKERS=${SERVQ_TEST_WORKERS:-$(.venv/bin/python -c 'import os; print(min(4, len(os.sched_getaffinity(0))))')}
# One BLAS thread per test process: the processes already take every core, and OpenBLAS's
# threads would spin against them (the SEM tests took twice the CPU and 1.5x the time).
export OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1} OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} MKL_NUM_THREADS=${MKL_NUM_THREADS:-1}
exec .venv/bin/python -m pytest -n "$WORKERS" --dist worksteal "$@"
