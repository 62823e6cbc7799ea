"""Change marks: the numbers the analytics sync uses to find every committed change exactly.

Every synced row carries ``sync_mark``. On PostgreSQL it is the id of the transaction that
wrote the row; a sync remembers the oldest transaction still running when it read (its
snapshot's xmin) and next time reads every row marked at or above it, so a transaction that
commits late (out of id order) is never missed. On SQLite writers are serialised, so the mark
is a counter bumped inside each writing statement, and commit order equals mark order.
Deletions leave a tombstone with a mark of their own.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Connection, Index, String, text
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from cxm.core.db import Base, BigId


def change_mark(conn: Connection) -> int:
    """A mark for rows written now in this connection's transaction."""
    if conn.dialect.name == "postgresql":
        return int(conn.execute(text("SELECT pg_current_xact_id()::text::bigint")).scalar_one())
    value = conn.execute(
        text("UPDATE cxm_clock SET value = value + 1 WHERE id = 1 RETURNING value")
    ).scalar_one()
    return int(value)


def _mark_default(context: Any) -> int:
    return change_mark(context.connection)


class ChangeTracked:
    """Mixin for tables the analytics sync copies."""

    @declared_attr
    def sync_mark(cls) -> Mapped[int]:  # noqa: N805
        return mapped_column(
            BigInteger, nullable=False, index=True, default=_mark_default, onupdate=_mark_default
        )


class Clock(Base):
    """SQLite's change counter (unused on PostgreSQL)."""

    __tablename__ = "cxm_clock"
    id: Mapped[int] = mapped_column(primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)


class Tombstone(Base):
    """A deleted row, so the analytics store can delete it too."""

    __tablename__ = "tombstone"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    table_name: Mapped[str] = mapped_column(String(64), nullable=False)
    row_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    sync_mark: Mapped[int] = mapped_column(BigInteger, nullable=False)

    __table_args__ = (Index("ix_tombstone_mark", "sync_mark"),)
