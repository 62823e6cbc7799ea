"""`cxm serve --workers 2`: several server processes share one analytics store."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import httpx2

from cxm.core.db import Database
from cxm.core.schema import upgrade
from tests.factories import api_key, organization, survey_answers
from tests.web.conftest import _free_port


def test_two_server_processes_answer_analytics_from_one_store(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'cxm.sqlite3'}")
    upgrade(db.engine)
    org = organization(db, "demo")
    key = api_key(db, org)
    survey_answers(db, org, datetime(2026, 10, 5, tzinfo=UTC), "nps", [10, 9, 3])
    db.dispose()
    port = _free_port()
    env = {**os.environ, "CXM_DATA_DIR": str(tmp_path)}
    server = subprocess.Popen(
        [sys.executable, "-m", "cxm.cli", "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 180  # two processes import and migrate on a busy machine
        up = False
        while not up and time.monotonic() < deadline and server.poll() is None:
            try:
                up = httpx2.get(f"{url}/health", timeout=2).status_code == 200
            except httpx2.HTTPError:
                time.sleep(0.3)
        if not up:
            server.terminate()
            raise AssertionError(f"the server did not start: {server.communicate()[1][-3000:]}")
        headers = {"Authorization": f"Bearer {key}"}

        def ask(_: int) -> tuple[int, float | None]:  # 12 requests over both processes
            r = httpx2.get(f"{url}/api/v1/kpis/nps?period=2026-10", headers=headers, timeout=60)
            figures = r.json().get("figures") or [{}]
            return r.status_code, figures[0].get("nps")

        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(ask, range(12)))
        assert {status for status, _ in answers} == {200}
        assert all(abs((nps or 0) - 100 / 3) < 1e-9 for _, nps in answers)
    finally:
        server.terminate()
        _, err = server.communicate(timeout=30)
    assert "Could not set lock" not in err
