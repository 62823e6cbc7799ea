#!/usr/bin/env bash
# Install cxm with its test dependencies into .venv and run the whole test suite.
# Browser tests need Debian's chromium and PostgreSQL tests a server at 127.0.0.1:5432;
# without them those tests skip with a message (CXM_TEST_BROWSER=1 / CXM_TEST_POSTGRES=1
# make them mandatory, as CI does). The PDF report tests need pango (Debian:
# `apt-get install libpango-1.0-0 libpangoft2-1.0-0`), which WeasyPrint loads.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[dev]'
exec .venv/bin/python -m pytest "$@"
