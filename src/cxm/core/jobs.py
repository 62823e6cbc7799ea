"""The durable job queue (and outbox): background work that survives restarts.

A job is a row. Enqueueing inside the caller's transaction makes it an outbox: the job
exists exactly when the write that asked for it committed. Workers claim a job by taking a
lease (``locked_until``); a worker that dies leaves a lease that expires, and the job is
claimed again. Failures are retried with exponential back-off until ``max_attempts``, then
the job is ``dead`` with its last error kept. A ``key`` makes enqueueing idempotent: while
a job with the same (organization, kind, key) is queued or running, enqueueing it again
returns that job instead of adding a second.

Claiming uses ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so any number of worker processes
share the queue; on SQLite claims are serialised by the store's write lock.

Finished jobs (``done`` and ``dead``) are kept for ``Settings.job_retention_days`` and then
pruned, by the workers once an hour and by ``cxm jobs prune``.
"""

from __future__ import annotations

import os
import socket
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    JSON,
    Connection,
    DateTime,
    Index,
    Integer,
    String,
    Text,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Mapped, mapped_column

from cxm.core.db import Base, BigId, Database, table
from cxm.core.errors import NotFound, ValidationError

STATUSES = ("queued", "running", "done", "dead")
FINISHED = ("done", "dead")
PRUNE_BATCH = 5000  # rows deleted per transaction, so the write lock is held briefly
LEASE = timedelta(minutes=5)
BACKOFF_BASE_SECONDS = 2.0
BACKOFF_CAP_SECONDS = 3600.0


class Job(Base):
    __tablename__ = "job"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    organization_id: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(64), nullable=False)
    key: Mapped[str | None] = mapped_column(String(200))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="queued")
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=5)
    run_after: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    locked_by: Mapped[str | None] = mapped_column(String(100))
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        Index("ix_job_ready", "status", "run_after"),
        Index("ix_job_key", "organization_id", "kind", "key"),
    )


@dataclass(frozen=True)
class JobContext:
    """What a handler gets: the store, the job's organization and its payload."""

    db: Database
    job_id: int
    organization_id: int | None
    payload: dict[str, Any]
    attempt: int


Handler = Callable[[JobContext], dict[str, Any] | None]
_HANDLERS: dict[str, Handler] = {}


def handler(kind: str) -> Callable[[Handler], Handler]:
    """Register the function that runs jobs of ``kind``."""

    def register(fn: Handler) -> Handler:
        _HANDLERS[kind] = fn
        return fn

    return register


def handlers() -> dict[str, Handler]:
    return dict(_HANDLERS)


def now() -> datetime:
    return datetime.now(UTC)


def enqueue(
    conn: Connection,
    kind: str,
    payload: dict[str, Any] | None = None,
    *,
    organization_id: int | None = None,
    key: str | None = None,
    run_after: datetime | None = None,
    max_attempts: int = 5,
    follow_running: bool = False,
) -> int:
    """Add a job in ``conn``'s transaction; returns its id (an open twin's, given ``key``).

    With ``follow_running``, only a queued twin is reused: a running one may have looked at
    the data before this transaction's write, so a follow-up is queued after it (for jobs
    that work through whatever is pending, like text enrichment)."""
    if not kind or len(kind) > 64:
        raise ValidationError("a job kind is 1 to 64 characters")
    if max_attempts < 1:
        raise ValidationError("max_attempts must be at least 1")
    jobs = table(Job)
    if key is not None:
        open_twin = conn.execute(
            select(jobs.c.id)
            .where(
                jobs.c.organization_id.is_(None)
                if organization_id is None
                else jobs.c.organization_id == organization_id,
                jobs.c.kind == kind,
                jobs.c.key == key,
                jobs.c.status.in_(("queued",) if follow_running else ("queued", "running")),
            )
            .limit(1)
        ).scalar()
        if open_twin is not None:
            return int(open_twin)
    moment = now()
    new_id = conn.execute(
        insert(jobs)
        .values(
            organization_id=organization_id,
            kind=kind,
            key=key,
            payload=payload or {},
            status="queued",
            attempts=0,
            max_attempts=max_attempts,
            run_after=run_after or moment,
            created_at=moment,
        )
        .returning(jobs.c.id)
    ).scalar_one()
    return int(new_id)


@dataclass(frozen=True)
class Claimed:
    id: int
    kind: str
    organization_id: int | None
    payload: dict[str, Any]
    attempt: int
    max_attempts: int


def claim(db: Database, worker: str, kinds: tuple[str, ...] | None = None) -> Claimed | None:
    """Lease the next ready job (queued and due, or running with an expired lease)."""
    jobs = table(Job)
    moment = now()
    ready = (jobs.c.status == "queued") & (jobs.c.run_after <= moment)
    stale = (jobs.c.status == "running") & (jobs.c.locked_until < moment)
    query = select(jobs).where(ready | stale).order_by(jobs.c.run_after, jobs.c.id).limit(1)
    if kinds is not None:
        query = query.where(jobs.c.kind.in_(kinds))
    with db.writer() as conn:
        if conn.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        row = conn.execute(query).mappings().first()
        if row is None:
            return None
        attempt = int(row["attempts"]) + 1
        conn.execute(
            update(jobs)
            .where(jobs.c.id == row["id"])
            .values(
                status="running",
                attempts=attempt,
                locked_by=worker,
                locked_until=moment + LEASE,
            )
        )
    return Claimed(
        int(row["id"]),
        str(row["kind"]),
        row["organization_id"],
        dict(row["payload"] or {}),
        attempt,
        int(row["max_attempts"]),
    )


def backoff(attempt: int) -> timedelta:
    """Delay before retry number ``attempt`` (1-based): 2 s, 4 s, 8 s ... capped at an hour."""
    return timedelta(seconds=min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS**attempt))


def _finish(db: Database, job: Claimed, worker: str, values: dict[str, Any]) -> bool:
    """Record the outcome unless the lease passed to another worker meanwhile."""
    jobs = table(Job)
    with db.writer() as conn:
        done = conn.execute(
            update(jobs)
            .where(jobs.c.id == job.id, jobs.c.locked_by == worker, jobs.c.status == "running")
            .values(locked_by=None, locked_until=None, **values)
        )
        return bool(done.rowcount)


def run_claimed(db: Database, job: Claimed, worker: str) -> str:
    """Run a claimed job's handler and record the result; returns the job's new status."""
    fn = _HANDLERS.get(job.kind)
    try:
        if fn is None:
            raise LookupError(f"no handler for job kind {job.kind!r}")
        result = fn(JobContext(db, job.id, job.organization_id, job.payload, job.attempt))
    except Exception as exc:  # a handler's failure is the job's, never the worker's
        error = "".join(traceback.format_exception_only(exc)).strip()
        if job.attempt >= job.max_attempts or fn is None:
            _finish(db, job, worker, {"status": "dead", "last_error": error, "finished_at": now()})
            return "dead"
        _finish(
            db,
            job,
            worker,
            {"status": "queued", "last_error": error, "run_after": now() + backoff(job.attempt)},
        )
        return "queued"
    _finish(db, job, worker, {"status": "done", "result": result, "finished_at": now()})
    return "done"


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"[:100]


def run_ready(db: Database, limit: int | None = None, worker: str | None = None) -> int:
    """Run ready jobs one after another until none is left (or ``limit``); returns how many."""
    name = worker or worker_name()
    count = 0
    while limit is None or count < limit:
        job = claim(db, name)
        if job is None:
            break
        run_claimed(db, job, name)
        count += 1
    return count


def get_job(db: Database, job_id: int, organization_id: int | None = None) -> Job:
    with db.session() as s:
        job = s.get(Job, job_id)
        if job is None or (organization_id is not None and job.organization_id != organization_id):
            raise NotFound(f"no job {job_id}")
        s.expunge(job)
        return job


def retry(db: Database, job_id: int) -> None:
    """Put a dead job back in the queue with a fresh count of attempts."""
    jobs = table(Job)
    with db.writer() as conn:
        changed = conn.execute(
            update(jobs)
            .where(jobs.c.id == job_id, jobs.c.status == "dead")
            .values(status="queued", attempts=0, run_after=now(), finished_at=None)
        )
        if not changed.rowcount:
            raise NotFound(f"no dead job {job_id}")


def prune(db: Database, older_than: timedelta, moment: datetime | None = None) -> int:
    """Delete the jobs that finished (done or dead) more than ``older_than`` before ``moment``
    (default: now); returns how many. Queued and running jobs are never touched."""
    if older_than < timedelta(0):
        raise ValidationError("older_than must not be negative")
    jobs = table(Job)
    cutoff = (moment or now()) - older_than
    removed = 0
    while True:
        with db.writer() as conn:
            batch = (
                select(jobs.c.id)
                .where(jobs.c.status.in_(FINISHED), jobs.c.finished_at < cutoff)
                .limit(PRUNE_BATCH)
                .scalar_subquery()
            )
            gone = conn.execute(
                delete(jobs).where(jobs.c.id.in_(batch), jobs.c.status.in_(FINISHED))
            ).rowcount
        removed += gone
        if gone < PRUNE_BATCH:
            return removed


def queue_counts(db: Database) -> dict[str, int]:
    """Jobs per status, every status present (zero when none)."""
    jobs = table(Job)
    with db.engine.connect() as conn:
        rows = conn.execute(select(jobs.c.status, func.count()).group_by(jobs.c.status)).all()
    counts = dict.fromkeys(STATUSES, 0)
    counts.update({str(status): int(n) for status, n in rows})
    return counts


__all__ = [
    "Claimed",
    "Job",
    "JobContext",
    "backoff",
    "claim",
    "enqueue",
    "get_job",
    "handler",
    "handlers",
    "prune",
    "queue_counts",
    "retry",
    "run_claimed",
    "run_ready",
    "worker_name",
]
