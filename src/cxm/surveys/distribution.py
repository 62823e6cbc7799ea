"""The distribution pass: triggers, recurring surveys and reminders, run by the job queue.

One ``surveys.distribute`` job per organization runs every ``TICK`` (each run queues the next,
under a key naming its time slot, so two chains merge into one). Every step is idempotent:
a pass run twice, or by two workers, decides nothing twice. Adding a trigger or a schedule
starts the chain; ``cxm surveys distribute`` runs a pass at once (e.g. from cron).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, exists, select

from cxm.core.db import Database, table
from cxm.core.jobs import JobContext, enqueue, handler
from cxm.surveys.models import Invitation, Schedule, Trigger
from cxm.surveys.reminders import ReminderRun, queue_reminders
from cxm.surveys.schedules import ScheduleRun, run_schedules
from cxm.surveys.triggers import TriggerRun, evaluate_triggers

TICK_JOB = "surveys.distribute"
TICK = timedelta(minutes=10)


@dataclass(frozen=True)
class Pass:
    triggers: list[TriggerRun] = field(default_factory=list)
    schedules: list[ScheduleRun] = field(default_factory=list)
    reminders: ReminderRun = ReminderRun(0, 0)


def run_pass(db: Database, org_id: int, base_url: str, now: datetime | None = None) -> Pass:
    """Evaluate triggers, start due recurring runs and queue due reminders, now."""
    now = now or datetime.now(UTC)
    return Pass(
        evaluate_triggers(db, org_id, base_url, now),
        run_schedules(db, org_id, base_url, now),
        queue_reminders(db, org_id, base_url, now),
    )


def restart(db: Database, org_id: int) -> bool:
    """Queue the background pass again when there is work for it (e.g. after its job died)."""
    with db.writer() as conn:
        if not _anything_to_do(conn, org_id):
            return False
        ensure_tick(conn, org_id, datetime.now(UTC) + TICK)
        return True


def _slot(moment: datetime) -> datetime:
    seconds = TICK.total_seconds()
    return datetime.fromtimestamp((moment.timestamp() // seconds) * seconds, UTC)


def ensure_tick(conn: Connection, org_id: int, at: datetime | None = None) -> int:
    """Queue the organization's distribution pass for the slot of ``at`` (default: now)."""
    slot = _slot(at or datetime.now(UTC))
    return enqueue(conn, TICK_JOB, {}, organization_id=org_id, key=f"tick:{slot.isoformat()}",
                   run_after=slot)  # fmt: skip


def _anything_to_do(conn: Connection, org_id: int) -> bool:
    t, s, it = table(Trigger), table(Schedule), table(Invitation)
    return bool(
        conn.execute(
            select(
                exists().where(t.c.organization_id == org_id, t.c.active.is_(True))
                | exists().where(s.c.organization_id == org_id, s.c.active.is_(True))
                | exists().where(
                    it.c.organization_id == org_id,
                    it.c.remind_at.is_not(None),
                    it.c.reminder.is_(None),
                )  # fmt: skip
            )
        ).scalar()
    )


@handler(TICK_JOB)
def _tick_job(ctx: JobContext) -> dict[str, Any]:
    from cxm.core.settings import get_settings

    assert ctx.organization_id is not None
    # The next pass is queued first, so a pass that fails does not end the chain.
    with ctx.db.writer() as conn:
        if _anything_to_do(conn, ctx.organization_id):
            ensure_tick(conn, ctx.organization_id, datetime.now(UTC) + TICK)
    done = run_pass(ctx.db, ctx.organization_id, get_settings().public_url)
    return {
        "triggers": [t.__dict__ for t in done.triggers],
        "schedules": [s.__dict__ for s in done.schedules],
        "reminders": done.reminders.__dict__,
    }
