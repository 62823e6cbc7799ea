"""Rate limits for public survey pages, counted in the store so they hold across processes.

Keys name what is limited: a personal link (``link:<id>``) or an anonymous survey from one
client (``survey:<id>:<address>``). Personal links are not keyed by client, so one load-test
machine answering many links is not throttled, while one link or one anonymous client is.
"""

from __future__ import annotations

import time

from sqlalchemy import Connection, delete

from cxm.core.bulk import dialect_insert
from cxm.core.db import Database, table
from cxm.surveys.models import RateCount

KEEP_MINUTES = 10


class RateLimited(Exception):
    """Over the limit for this minute."""


def count(conn: Connection, key: str, now: float | None = None) -> int:
    """Count one request under ``key`` in the caller's transaction; this minute's total."""
    minute = int((now if now is not None else time.time()) // 60)
    t = table(RateCount)
    stmt = dialect_insert(conn, t).values(key=key[:200], minute=minute, count=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=[t.c.key, t.c.minute], set_={"count": t.c["count"] + 1}
    ).returning(t.c["count"])
    total = int(conn.execute(stmt).scalar_one())
    if total == 1:
        # A key's first request in a minute also clears everyone's old windows.
        conn.execute(delete(t).where(t.c.minute < minute - KEEP_MINUTES))
    return total


def hit(db: Database, key: str, limit: int, now: float | None = None) -> bool:
    """Count one request under ``key``; False when this minute's count is over ``limit``."""
    with db.writer() as conn:
        return count(conn, key, now) <= limit
