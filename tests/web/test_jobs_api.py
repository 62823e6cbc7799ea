"""The web process runs queued jobs in-process, and the API reports a job's status."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient

from cxm.core.jobs import JobContext, enqueue, handler
from tests.web.conftest import Site


@handler("test.web-square")
def _square(ctx: JobContext) -> dict[str, int]:
    n = int(ctx.payload["n"])
    return {"square": n * n}


def test_the_in_process_worker_runs_a_job_and_the_api_reports_it(
    site: Site, client: TestClient
) -> None:
    db = site.app.state.db
    with db.writer() as conn:
        job_id = enqueue(conn, "test.web-square", {"n": 12}, organization_id=site.org_id)
    headers = {"Authorization": f"Bearer {site.key}"}
    deadline = time.monotonic() + 20
    body: dict[str, object] = {}
    while time.monotonic() < deadline:
        body = client.get(f"/api/v1/jobs/{job_id}", headers=headers).json()
        if body["status"] == "done":
            break
        time.sleep(0.1)
    assert body["status"] == "done" and body["result"] == {"square": 144}
    assert body["attempts"] == 1 and body["last_error"] is None


def test_another_organizations_job_is_not_found(site: Site, client: TestClient) -> None:
    db = site.app.state.db
    with db.writer() as conn:
        job_id = enqueue(conn, "test.web-square", {"n": 1}, organization_id=site.org_id + 1)
    answer = client.get(f"/api/v1/jobs/{job_id}", headers={"Authorization": f"Bearer {site.key}"})
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("application/problem+json")
    unauthenticated = client.get(f"/api/v1/jobs/{job_id}")
    assert unauthenticated.status_code == 401
