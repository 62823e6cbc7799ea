"""Text enrichment is never left waiting behind a job that has already looked."""

from __future__ import annotations

from sqlalchemy import select

from cxm.core.db import Database, table
from cxm.core.jobs import Job, claim, run_ready
from cxm.feedback.service import ingest_feedback
from cxm.text.enrichment import JOB
from cxm.text.models import Enrichment
from tests.factories import organization


def _send(db: Database, org: int, text: str) -> None:
    stored = ingest_feedback(db, org, [{"kind": "comment", "text": text,
                                        "occurred_at": "2026-10-01T10:00:00Z"}])  # fmt: skip
    assert stored.accepted == 1


def _open_jobs(db: Database) -> list[tuple[int, str]]:
    jobs = table(Job)
    with db.engine.connect() as conn:
        rows = conn.execute(
            select(jobs.c.id, jobs.c.status)
            .where(jobs.c.kind == JOB, jobs.c.status.in_(("queued", "running")))
            .order_by(jobs.c.id)
        ).all()
    return [(int(i), str(s)) for i, s in rows]


def test_feedback_arriving_while_a_run_is_running_gets_a_follow_up(db: Database) -> None:
    org = organization(db)
    _send(db, org, "Перший коментар")
    _send(db, org, "Другий коментар")  # coalesced while the first job is only queued
    [(first, status)] = _open_jobs(db)
    assert status == "queued"
    running = claim(db, "w1", (JOB,))
    assert running is not None and running.id == first
    _send(db, org, "Третій, поки перший читає")  # the running job may have looked already
    _send(db, org, "Четвертий")
    assert _open_jobs(db) == [(first, "running"), (first + 1, "queued")]
    run_ready(db)  # the follow-up reads everything pending, the third and fourth included
    with db.session() as s:
        assert len(s.scalars(select(Enrichment)).all()) == 4
