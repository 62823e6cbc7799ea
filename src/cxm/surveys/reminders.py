"""One reminder per invitation, some days after it was sent, to those who have not answered.

An invitation made with ``remind_after_days`` carries ``remind_at``. When that time has come
and the invitation was sent, the reminder is decided once: ``skipped: answered`` (the
response is complete), ``skipped: suppressed (...)`` (unsubscribed or suppressed since),
``skipped: link expired``, or ``queued`` for a send job that e-mails the same personal link.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select, update

from cxm.core.db import Database, table
from cxm.surveys.invitations import BATCH
from cxm.surveys.mailing import enqueue_send
from cxm.surveys.models import Invitation, Response, SurveyLink
from cxm.surveys.suppression import suppressed_reason

PASS_LIMIT = 5000  # reminders decided per pass; the next pass takes the rest


@dataclass(frozen=True)
class ReminderRun:
    queued: int
    skipped: int


def _utc(ts: datetime) -> datetime:
    return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts


def queue_reminders(
    db: Database, org_id: int, base_url: str, now: datetime | None = None
) -> ReminderRun:
    """Decide every reminder that is due and queue the e-mails of those still wanted."""
    now = now or datetime.now(UTC)
    it, rt, lt = table(Invitation), table(Response), table(SurveyLink)
    queued: list[int] = []
    skipped = 0
    with db.writer() as conn:
        due = conn.execute(
            select(it.c.id, it.c.customer_id, it.c.address, lt.c.expires_at, rt.c.status)
            .join(lt, lt.c.id == it.c.link_id)
            .outerjoin(rt, rt.c.link_id == it.c.link_id)
            .where(
                it.c.organization_id == org_id,
                it.c.status == "sent",
                it.c.remind_at <= now,
                it.c.reminder.is_(None),
            )
            .order_by(it.c.id)
            .limit(PASS_LIMIT)
        ).all()
        for invitation_id, customer_id, address, expires_at, response_status in due:
            why: str | None = None
            if response_status == "complete":
                why = "answered"
            elif (
                found := suppressed_reason(conn, org_id, "email", customer_id, address)
            ) is not None:
                why = f"suppressed ({found})"
            elif _utc(expires_at) <= now:
                why = "link expired"
            if why is None:
                queued.append(int(invitation_id))
                continue
            skipped += 1
            conn.execute(
                update(it).where(it.c.id == invitation_id).values(reminder=f"skipped: {why}")
            )
        for start in range(0, len(queued), BATCH):
            batch = queued[start : start + BATCH]
            conn.execute(update(it).where(it.c.id.in_(batch)).values(reminder="queued"))
            enqueue_send(conn, org_id, batch, base_url, reminder=True)
    return ReminderRun(len(queued), skipped)
