#!/usr/bin/env bash
# Install cxm into .venv, build the demo retailer and serve the web UI on 127.0.0.1:8000.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e .
exec .venv/bin/cxm demo "$@"
