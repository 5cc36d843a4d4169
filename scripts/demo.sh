#!/usr/bin/env bash
# Set up servq in .venv and run the demo: `bash scripts/demo.sh [servq demo options]`.
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
exec .venv/bin/servq demo "$@"
