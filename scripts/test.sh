#!/usr/bin/env bash
# Set up servq with its test dependencies in .venv and run the whole test suite:
# `bash scripts/test.sh [pytest options]`. CI runs exactly this (.ci/run).
SERVQ_EXTRAS=test
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
exec .venv/bin/python -m pytest "$@"
