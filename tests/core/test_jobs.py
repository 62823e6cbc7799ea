"""The job queue on SQLite and PostgreSQL: outbox, idempotent keys, leases, retries, workers."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select, update

from cxm.cli import main
from cxm.core.db import Database, table
from cxm.core.errors import NotFound
from cxm.core.jobs import (
    Job,
    JobContext,
    backoff,
    claim,
    enqueue,
    get_job,
    handler,
    now,
    queue_counts,
    retry,
    run_claimed,
    run_ready,
)
from cxm.core.worker import Worker, job_ready

RAN: Counter[int] = Counter()
RAN_LOCK = threading.Lock()


@handler("test.record")
def _record(ctx: JobContext) -> dict[str, Any]:
    with RAN_LOCK:
        RAN[ctx.job_id] += 1
    return {"doubled": int(ctx.payload.get("n", 0)) * 2, "attempt": ctx.attempt}


@handler("test.fail")
def _fail(ctx: JobContext) -> None:
    raise RuntimeError(f"broken on attempt {ctx.attempt}")


@pytest.fixture(autouse=True)
def _fresh_counts() -> None:
    RAN.clear()


def _enqueue(db: Database, kind: str, **kw: Any) -> int:
    with db.writer() as conn:
        return enqueue(conn, kind, **kw)


def test_a_job_runs_once_and_keeps_its_result(db: Database) -> None:
    job_id = _enqueue(db, "test.record", payload={"n": 21}, organization_id=None)
    assert job_ready(db)
    assert run_ready(db) == 1
    job = get_job(db, job_id)
    assert (job.status, job.attempts, job.result) == ("done", 1, {"doubled": 42, "attempt": 1})
    assert job.finished_at is not None
    assert run_ready(db) == 0 and not job_ready(db)
    assert RAN[job_id] == 1


def test_a_job_enqueued_in_a_rolled_back_transaction_does_not_exist(db: Database) -> None:
    with pytest.raises(RuntimeError), db.writer() as conn:
        enqueue(conn, "test.record")
        raise RuntimeError("the write that asked for the job failed")
    assert queue_counts(db)["queued"] == 0


def test_a_key_makes_enqueueing_idempotent_while_the_job_is_open(db: Database) -> None:
    first = _enqueue(db, "test.record", key="feedback:7", organization_id=1)
    assert _enqueue(db, "test.record", key="feedback:7", organization_id=1) == first
    other_org = _enqueue(db, "test.record", key="feedback:7", organization_id=2)
    assert other_org != first
    run_ready(db)
    again = _enqueue(db, "test.record", key="feedback:7", organization_id=1)
    assert again not in (first, other_org)  # the first one is done: new work is new


def test_failures_back_off_then_die_and_can_be_retried(db: Database) -> None:
    job_id = _enqueue(db, "test.fail", max_attempts=2)
    before = now()
    assert run_ready(db) == 1
    job = get_job(db, job_id)
    assert job.status == "queued" and job.attempts == 1
    assert job.last_error == "RuntimeError: broken on attempt 1"
    due = job.run_after if job.run_after.tzinfo else job.run_after.replace(tzinfo=before.tzinfo)
    assert due >= before + backoff(1) - timedelta(milliseconds=50)
    assert run_ready(db) == 0  # not due yet
    jobs = table(Job)
    with db.writer() as conn:
        conn.execute(update(jobs).where(jobs.c.id == job_id).values(run_after=now()))
    assert run_ready(db) == 1
    job = get_job(db, job_id)
    assert (job.status, job.attempts) == ("dead", 2)
    assert job.last_error == "RuntimeError: broken on attempt 2"
    retry(db, job_id)
    assert get_job(db, job_id).status == "queued"
    with pytest.raises(NotFound):
        retry(db, job_id)  # only dead jobs are retried


def test_backoff_doubles_and_is_capped() -> None:
    assert [backoff(a).total_seconds() for a in (1, 2, 3)] == [2.0, 4.0, 8.0]
    assert backoff(40) == timedelta(hours=1)


def test_an_unknown_kind_is_dead_at_once_with_the_reason(db: Database) -> None:
    job_id = _enqueue(db, "test.nobody-handles-this")
    run_ready(db)
    job = get_job(db, job_id)
    assert job.status == "dead"
    assert "no handler for job kind 'test.nobody-handles-this'" in (job.last_error or "")


def test_a_lapsed_lease_is_claimed_again_and_the_old_worker_cannot_finish(db: Database) -> None:
    job_id = _enqueue(db, "test.record", payload={"n": 1})
    crashed = claim(db, "worker-that-dies")
    assert crashed is not None and crashed.id == job_id
    assert claim(db, "second") is None  # leased
    jobs = table(Job)
    with db.writer() as conn:
        conn.execute(
            update(jobs).where(jobs.c.id == job_id).values(locked_until=now() - timedelta(1))
        )
    taken = claim(db, "second")
    assert taken is not None and taken.id == job_id and taken.attempt == 2
    assert run_claimed(db, crashed, "worker-that-dies") == "done"  # it ran, but ...
    assert get_job(db, job_id).status == "running"  # ... its outcome is not recorded
    assert run_claimed(db, taken, "second") == "done"
    assert get_job(db, job_id).result == {"doubled": 2, "attempt": 2}


def test_concurrent_claimers_run_every_job_exactly_once(db: Database) -> None:
    ids = [_enqueue(db, "test.record", payload={"n": i}) for i in range(30)]
    threads = [
        threading.Thread(target=run_ready, args=(db,), kwargs={"worker": f"w{n}"}) for n in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [RAN[i] for i in ids] == [1] * 30
    assert queue_counts(db)["done"] == 30


def test_worker_threads_run_jobs_in_the_background(db: Database) -> None:
    worker = Worker(db, threads=2, poll=timedelta(milliseconds=50))
    worker.start()
    try:
        ids = [_enqueue(db, "test.record", payload={"n": i}) for i in range(5)]
        deadline = time.monotonic() + 20
        while queue_counts(db)["done"] < 5 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        worker.stop()
    assert [get_job(db, i).status for i in ids] == ["done"] * 5
    assert worker.completed == 5


def test_jobs_are_scoped_to_their_organization(db: Database) -> None:
    job_id = _enqueue(db, "test.record", organization_id=1)
    assert get_job(db, job_id, organization_id=1).id == job_id
    with pytest.raises(NotFound):
        get_job(db, job_id, organization_id=2)


def test_cli_drains_the_queue_lists_and_retries(sqlite_db: Database) -> None:
    url = sqlite_db.url
    ok = _enqueue(sqlite_db, "test.record", payload={"n": 4})
    bad = _enqueue(sqlite_db, "test.fail", max_attempts=1)
    runner = CliRunner()
    result = runner.invoke(main, ["--database-url", url, "worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "Ran 2 job(s); 0 queued, 1 dead." in result.output
    listed = runner.invoke(main, ["--database-url", url, "jobs", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    report = json.loads(listed.output)
    assert report["counts"]["done"] == 1 and report["counts"]["dead"] == 1
    assert {j["id"]: j["status"] for j in report["jobs"]} == {ok: "done", bad: "dead"}
    again = runner.invoke(main, ["--database-url", url, "jobs", "retry", str(bad)])
    assert again.exit_code == 0 and f"Job {bad} queued again." in again.output
    missing = runner.invoke(main, ["--database-url", url, "jobs", "retry", "999"])
    assert missing.exit_code != 0 and "no dead job 999" in missing.output
    jobs = table(Job)
    with sqlite_db.engine.connect() as conn:
        status = conn.execute(select(jobs.c.status).where(jobs.c.id == bad)).scalar_one()
    assert status == "queued"
