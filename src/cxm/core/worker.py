"""Workers that run the job queue: threads in the web process, or ``cxm worker`` apart.

An idle worker only reads (is any job ready?) and takes the store's write lock only to
claim one, so an idle queue costs SQLite no write transactions. Given a retention, a worker
also prunes finished jobs older than it: when it starts and then every ``PRUNE_EVERY``.
"""

from __future__ import annotations

import importlib
import logging
import threading
import time
from datetime import timedelta

from sqlalchemy import exists, or_, select

from cxm.core.db import Database, table
from cxm.core.jobs import Job, claim, now, prune, run_claimed, worker_name

log = logging.getLogger("cxm.worker")
PRUNE_EVERY = timedelta(hours=1)

# Modules whose import registers job handlers (``cxm.core.jobs.handler``).
JOB_MODULES: tuple[str, ...] = (
    "cxm.analytics.journey_store",
    "cxm.text.enrichment",
    "cxm.surveys.mailing",
    "cxm.surveys.distribution",
    "cxm.analytics.driver_intervals",
)


def retention_of(days: float) -> timedelta | None:
    """The workers' retention for ``Settings.job_retention_days`` (0: keep finished jobs)."""
    return timedelta(days=days) if days > 0 else None


def load_handlers(modules: tuple[str, ...] | None = None) -> None:
    for name in JOB_MODULES if modules is None else modules:
        importlib.import_module(name)


def job_ready(db: Database) -> bool:
    """Whether a job is due or has a lapsed lease (a cheap read, no lock)."""
    jobs = table(Job)
    moment = now()
    query = select(
        exists().where(
            or_(
                (jobs.c.status == "queued") & (jobs.c.run_after <= moment),
                (jobs.c.status == "running") & (jobs.c.locked_until < moment),
            )
        )
    )
    with db.engine.connect() as conn:
        return bool(conn.execute(query).scalar())


class Worker:
    """``threads`` loops that claim and run jobs until stopped; with a ``retention``, they
    also prune jobs finished longer ago than it (one thread at a time, every ``PRUNE_EVERY``)."""

    def __init__(
        self,
        db: Database,
        threads: int = 1,
        poll: timedelta | None = None,
        retention: timedelta | None = None,
    ) -> None:
        if threads < 1:
            raise ValueError("a worker needs at least one thread")
        self.db = db
        self.threads = threads
        self.poll = (poll or timedelta(seconds=1)).total_seconds()
        self.retention = retention
        self.pruned = 0
        self._next_prune = 0.0  # monotonic seconds; at once on start
        self._stop = threading.Event()
        self._running: list[threading.Thread] = []
        self.completed = 0
        self._count_lock = threading.Lock()

    def start(self) -> None:
        load_handlers()
        self._stop.clear()
        for n in range(self.threads):
            thread = threading.Thread(target=self._loop, name=f"cxm-worker-{n}", daemon=True)
            thread.start()
            self._running.append(thread)

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        for thread in self._running:
            thread.join(timeout)
        self._running.clear()

    def wait(self) -> None:
        """Block until stopped (e.g. by Ctrl-C in ``cxm worker``)."""
        try:
            while not self._stop.wait(0.5):
                pass
        finally:
            self.stop()

    def _prune_if_due(self) -> None:
        if self.retention is None:
            return
        with self._count_lock:
            if time.monotonic() < self._next_prune:
                return
            self._next_prune = time.monotonic() + PRUNE_EVERY.total_seconds()
        removed = prune(self.db, self.retention)
        with self._count_lock:
            self.pruned += removed
        if removed:
            log.info("pruned %s finished job(s) older than %s", removed, self.retention)

    def _loop(self) -> None:
        name = worker_name()
        while not self._stop.is_set():
            try:
                self._prune_if_due()
                job = claim(self.db, name) if job_ready(self.db) else None
                if job is None:
                    self._stop.wait(self.poll)
                    continue
                status = run_claimed(self.db, job, name)
                log.info("job %s (%s) attempt %s: %s", job.id, job.kind, job.attempt, status)
                with self._count_lock:
                    self.completed += 1
            except Exception:  # the store went away for a moment: wait and go on
                log.exception("worker loop failed; retrying")
                self._stop.wait(self.poll)
