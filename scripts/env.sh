# Sourced by demo.sh and test.sh: create .venv (Python >= 3.11) and install servq into it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PY=${PYTHON:-$(command -v python3.11 || command -v python3)}
"$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
  || { echo "servq needs Python 3.11 or newer (found $("$PY" --version 2>&1)); set PYTHON=/path/to/python3.11" >&2; exit 1; }
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".${SERVQ_EXTRAS:+[$SERVQ_EXTRAS]}"
