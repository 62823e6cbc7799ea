#!/usr/bin/env bash
# Install cxm with its test dependencies into .venv and run the whole test suite.
# Browser tests need Debian's chromium and PostgreSQL tests a server at 127.0.0.1:5432;
# without them those tests skip with a message (CXM_TEST_BROWSER=1 / CXM_TEST_POSTGRES=1
# make them mandatory, as CI does). The PDF report tests need pango (Debian:
# `apt-get install libpango-1.0-0 libpangoft2-1.0-0`), which WeasyPrint loads.
# The suite runs in one process per core, at most four (CXM_TEST_WORKERS sets the number;
# 0 runs it in this process): every worker builds its own demo world and Spark process.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[dev]'
cores=$(nproc 2>/dev/null || echo 2)
workers=${CXM_TEST_WORKERS:-$((cores < 4 ? cores : 4))}
exec .venv/bin/python -m pytest -n "$workers" "$@"
