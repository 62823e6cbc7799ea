"""The job queue on SQLite and PostgreSQL: outbox, idempotent keys, leases, retries, workers."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select, update

from cxm.cli import main
from cxm.core.db import Database, table
from cxm.core.errors import NotFound, ValidationError
from cxm.core.jobs import (
    Job,
    JobContext,
    backoff,
    claim,
    enqueue,
    get_job,
    handler,
    now,
    prune,
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
    assert "Ran 2 job(s); 0 queued, 1 dead; pruned 0 finished." in result.output
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


def _finished(db: Database, status: str, at: datetime) -> int:
    """A job that finished (``done`` or ``dead``) at ``at``."""
    job_id = _enqueue(db, "test.record")
    with db.writer() as conn:
        conn.execute(
            update(table(Job))
            .where(table(Job).c.id == job_id)
            .values(status=status, finished_at=at, created_at=at - timedelta(minutes=1))
        )
    return job_id


def _ids(db: Database) -> set[int]:
    with db.engine.connect() as conn:
        return {int(i) for i in conn.execute(select(table(Job).c.id)).scalars()}


def test_prune_deletes_only_jobs_finished_before_the_cutoff(db: Database) -> None:
    moment = now()
    _finished(db, "done", moment - timedelta(days=15))
    _finished(db, "dead", moment - timedelta(days=30))
    recent = _finished(db, "done", moment - timedelta(days=13, hours=23))
    waiting = _enqueue(db, "test.record", run_after=moment + timedelta(days=1))
    running = _enqueue(db, "test.record")
    with db.writer() as conn:  # open jobs stay however old they are
        conn.execute(
            update(table(Job))
            .where(table(Job).c.id.in_((waiting, running)))
            .values(created_at=moment - timedelta(days=90))
        )
        conn.execute(update(table(Job)).where(table(Job).c.id == running).values(status="running"))
    assert prune(db, timedelta(days=14), moment) == 2
    assert _ids(db) == {recent, waiting, running}
    assert prune(db, timedelta(days=14), moment) == 0
    assert prune(db, timedelta(0), moment + timedelta(seconds=1)) == 1
    assert _ids(db) == {waiting, running}
    with pytest.raises(ValidationError):
        prune(db, timedelta(days=-1))


def test_prune_deletes_in_batches_until_none_is_left(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("cxm.core.jobs.PRUNE_BATCH", 3)
    for k in range(7):
        _finished(db, "done", now() - timedelta(days=20 + k))
    kept = _finished(db, "done", now())
    assert prune(db, timedelta(days=14)) == 7
    assert _ids(db) == {kept}


def test_a_worker_with_a_retention_prunes_finished_jobs_when_it_starts(db: Database) -> None:
    old = _finished(db, "done", now() - timedelta(days=20))
    kept = _finished(db, "dead", now() - timedelta(days=1))
    keeping = Worker(db, threads=1, poll=timedelta(milliseconds=50))  # no retention: keeps all
    keeping.start()
    time.sleep(0.3)
    keeping.stop()
    assert _ids(db) == {old, kept} and keeping.pruned == 0
    worker = Worker(db, threads=2, poll=timedelta(milliseconds=50), retention=timedelta(days=14))
    worker.start()
    try:
        deadline = time.monotonic() + 20
        while old in _ids(db) and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.2)  # the other thread does not prune again within the hour
    finally:
        worker.stop()
    assert _ids(db) == {kept} and worker.pruned == 1


def test_cli_prunes_by_the_setting_or_the_option(
    sqlite_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = sqlite_db.url
    for days in (3, 10, 20):
        _finished(sqlite_db, "done", now() - timedelta(days=days))
    monkeypatch.setenv("CXM_JOB_RETENTION_DAYS", "15")
    runner = CliRunner()
    by_setting = runner.invoke(main, ["--database-url", url, "jobs", "prune"])
    assert by_setting.exit_code == 0, by_setting.output
    assert "Pruned 1 finished job(s) older than 15 day(s)." in by_setting.output
    by_option = runner.invoke(
        main, ["--database-url", url, "jobs", "prune", "--older-than-days", "5", "--json"]
    )
    assert by_option.exit_code == 0, by_option.output
    assert json.loads(by_option.output) == {"pruned": 1, "older_than_days": 5.0}
    assert queue_counts(sqlite_db)["done"] == 1
    bad = runner.invoke(main, ["--database-url", url, "jobs", "prune", "--older-than-days", "-1"])
    assert bad.exit_code == 2 and "--older-than-days" in bad.output
