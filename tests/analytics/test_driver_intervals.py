"""Bootstrap intervals as cached background jobs: one job per query and data, the same
intervals as the in-process bootstrap, new data asks again, too few answers ask nothing."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from cxm.analytics.backend import Analytics
from cxm.analytics.driver_intervals import KIND, Intervals, request_intervals
from cxm.analytics.drivers import DriverQuery, DriverResult, analyse
from cxm.core.db import Database, table
from cxm.core.jobs import Job, get_job, run_ready
from cxm.core.settings import Settings
from cxm.web.app import create_app
from tests.analytics.driver_world import driver_world, ratings
from tests.factories import api_key
from tests.worlds import World

Q = DriverQuery(drivers=("t0", "t1", "t2"), bootstrap=0, controls=False)


def _ask(
    db: Database, analytics: Analytics, org: int, q: DriverQuery
) -> tuple[DriverResult, Intervals]:
    with analytics.fresh() as con:
        found = analyse(con, org, q)
    return request_intervals(db, analytics.path, org, q, found)


def _jobs(db: Database) -> int:
    with db.engine.connect() as conn:
        return int(conn.execute(select(func.count()).where(table(Job).c.kind == KIND)).scalar_one())


def finish(db: Database, job_id: int, timeout: float = 120.0) -> str:
    """Run ready jobs (an in-process worker may take them too) until this one ends."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run_ready(db, limit=1)
        status = get_job(db, job_id).status
        if status in ("done", "dead"):
            return status
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish")


def test_one_job_per_query_and_data_with_the_in_process_intervals(
    db: Database, tmp_path: Path
) -> None:
    import cxm.analytics.driver_intervals  # noqa: F401  (registers the handler)

    org = driver_world(db, drivers=3)
    analytics = Analytics(db, Settings(data_dir=tmp_path))
    try:
        first, pending = _ask(db, analytics, org, Q)
        assert pending.status == "pending" and pending.resamples == 200
        assert all(d.importance_low is None for d in first.drivers)  # point estimates at once
        again, same = _ask(db, analytics, org, Q)
        assert same.job_id == pending.job_id and _jobs(db) == 1
        assert pending.job_id is not None and finish(db, pending.job_id) == "done"
        ready, done = _ask(db, analytics, org, Q)
        assert done.status == "ready" and done.job_id == pending.job_id and _jobs(db) == 1
        with analytics.fresh() as con:
            direct = analyse(con, org, DriverQuery(Q.drivers, bootstrap=200, controls=False))
        bounds = {d.name: (d.importance_low, d.importance_high) for d in direct.drivers}
        for d in ready.drivers:
            assert (d.importance_low, d.importance_high) == pytest.approx(bounds[d.name])
            assert d.importance_low is not None and d.importance_low <= d.importance
        # Another question, or new data, asks for a new job.
        _, other = _ask(db, analytics, org, DriverQuery(("t0", "t1"), bootstrap=0, controls=False))
        assert other.status == "pending" and other.job_id != pending.job_id
        ratings(db, org, "t1", [5])  # not an NPS answer: the driver data are unchanged
        assert _ask(db, analytics, org, Q)[1].status == "ready"
        driver_world(db, drivers=3, orders=1, org=org, seed=9, more="x")  # one more answered order
        _, fresh = _ask(db, analytics, org, Q)
        assert fresh.status == "pending" and fresh.job_id != pending.job_id
        # Too few respondents: a message, and no job.
        few = DriverQuery(("t0",), bootstrap=0, store="NOWHERE")
        with analytics.fresh() as con:
            short = analyse(con, org, few)
        assert short.message and "Too few respondents" in short.message
        assert request_intervals(db, analytics.path, org, few, short)[1].status == "none"
    finally:
        analytics.close()


def test_the_planted_late_delivery_share_excludes_zero_in_the_job(
    small_world: World, tmp_path: Path
) -> None:
    import cxm.analytics.driver_intervals  # noqa: F401

    db, org = small_world.db, small_world.summary.organization_id
    analytics = Analytics(db, Settings(data_dir=tmp_path))
    q = DriverQuery(bootstrap=0, seed=4)  # a seed of its own: the shared store keeps jobs
    try:
        _, pending = _ask(db, analytics, org, q)
        assert pending.job_id is not None and finish(db, pending.job_id) == "done"
        ready, done = _ask(db, analytics, org, q)
    finally:
        analytics.close()
    assert done.status == "ready"
    late = next(d for d in ready.drivers if d.name == "late")
    assert late.importance_low is not None and late.importance_low > 0
    returned = next(d for d in ready.drivers if d.name == "returned")
    assert not returned.significant


def test_the_api_answers_at_once_and_fills_the_intervals_in_later(
    sqlite_db: Database, tmp_path: Path
) -> None:
    org = driver_world(sqlite_db, drivers=3)
    settings = Settings(data_dir=tmp_path, worker_threads=0)
    with TestClient(create_app(settings, sqlite_db)) as client:
        headers = {"Authorization": f"Bearer {api_key(sqlite_db, org)}"}
        params = {"driver": ["t0", "t1", "t2"], "controls": False, "bootstrap": 100}
        body = client.get("/api/v1/analytics/drivers", params=params, headers=headers).json()
        assert body["intervals"]["status"] == "pending" and body["intervals"]["resamples"] == 100
        assert body["drivers"][0]["importance"] is not None
        assert body["drivers"][0]["importance_low"] is None
        job = client.get(body["intervals"]["url"], headers=headers).json()
        assert job["status"] == "queued"
        assert finish(sqlite_db, body["intervals"]["job_id"]) == "done"
        later = client.get("/api/v1/analytics/drivers", params=params, headers=headers).json()
        assert later["intervals"]["status"] == "ready"
        assert all(d["importance_low"] is not None for d in later["drivers"])
        none = client.get(
            "/api/v1/analytics/drivers", params={**params, "bootstrap": 0}, headers=headers
        ).json()
        assert none["intervals"]["status"] == "none" and none["intervals"]["url"] is None
