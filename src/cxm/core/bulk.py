"""Set-based writes: many rows per statement, on SQLite straight through the driver.

At ingestion rates SQLAlchemy's per-row parameter processing costs more than SQLite's insert
itself, so on SQLite rows are converted once to the storage format SQLAlchemy itself uses
(so ORM reads see the same values) and handed to the driver's executemany. On PostgreSQL the
same calls use SQLAlchemy Core.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date
from decimal import Decimal
from typing import Any

import orjson
from sqlalchemy import JSON, Connection, Date, DateTime, Numeric, Table, insert, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert


def dialect_insert(conn: Connection, target: Table) -> Any:
    """An INSERT that supports ON CONFLICT on both SQLite and PostgreSQL."""
    if conn.dialect.name == "postgresql":
        return pg_insert(target)
    return sqlite_insert(target)


def _kind(target: Table, name: str) -> str:
    col_type = target.c[name].type
    if isinstance(col_type, DateTime):
        return "datetime"
    if isinstance(col_type, Date):
        return "date"
    if isinstance(col_type, JSON):
        return "json"
    if isinstance(col_type, Numeric) and col_type.asdecimal:
        return "decimal"
    return "plain"


def _sqlite_value(kind: str, value: Any) -> Any:
    if value is None or kind == "plain":
        return value
    if kind == "datetime":
        if value.tzinfo is not None and value.utcoffset():
            value = value.astimezone(UTC)
        return value.replace(tzinfo=None).isoformat(" ", "microseconds")
    if kind == "date":
        return value.isoformat() if isinstance(value, date) else value
    if kind == "decimal":
        return str(value) if isinstance(value, Decimal) else value
    return orjson.dumps(value, default=str).decode()


def _sqlite_params(
    target: Table, columns: list[str], rows: Sequence[dict[str, Any]]
) -> list[tuple[Any, ...]]:
    kinds = [_kind(target, c) for c in columns]
    if all(k == "plain" for k in kinds):
        return [tuple(row[c] for c in columns) for row in rows]
    pairs = list(zip(kinds, columns, strict=True))
    return [tuple(_sqlite_value(k, row[c]) for k, c in pairs) for row in rows]


def insert_rows(
    conn: Connection,
    target: Table,
    rows: Sequence[dict[str, Any]],
    ignore_conflicts_on: tuple[str, ...] | None = None,
) -> int:
    """Insert rows; with ``ignore_conflicts_on`` skip rows clashing on those columns.

    Returns how many rows were inserted. Without ``ignore_conflicts_on`` a clash raises
    IntegrityError, as a plain INSERT does.
    """
    if not rows:
        return 0
    columns = list(rows[0])
    if conn.dialect.name != "sqlite":
        stmt: Any = insert(target)
        if ignore_conflicts_on:
            stmt = pg_insert(target).on_conflict_do_nothing(
                index_elements=list(ignore_conflicts_on)
            )
        key = next(iter(target.primary_key.columns))
        return len(conn.execute(stmt.returning(key), list(rows)).all())
    sql = (
        f'INSERT INTO "{target.name}" ({", ".join(columns)}) '
        f"VALUES ({', '.join('?' for _ in columns)})"
    )
    if ignore_conflicts_on:
        sql += f" ON CONFLICT ({', '.join(ignore_conflicts_on)}) DO NOTHING"
    return int(conn.exec_driver_sql(sql, _sqlite_params(target, columns, rows)).rowcount)


def upsert_rows(
    conn: Connection, target: Table, rows: Sequence[dict[str, Any]], conflict: tuple[str, ...]
) -> None:
    """Insert rows, or update every given column of the row that clashes on ``conflict``."""
    if not rows:
        return
    columns = list(rows[0])
    updated = [c for c in columns if c not in conflict]
    if conn.dialect.name != "sqlite":
        stmt = pg_insert(target)
        stmt = stmt.on_conflict_do_update(
            index_elements=list(conflict), set_={c: stmt.excluded[c] for c in updated}
        )
        conn.execute(stmt, list(rows))
        return
    sql = (
        f'INSERT INTO "{target.name}" ({", ".join(columns)}) '
        f"VALUES ({', '.join('?' for _ in columns)}) "
        f"ON CONFLICT ({', '.join(conflict)}) DO UPDATE SET "
        + ", ".join(f"{c} = excluded.{c}" for c in updated)
    )
    conn.exec_driver_sql(sql, _sqlite_params(target, columns, rows))


def insert_returning_ids(
    conn: Connection, target: Table, rows: Sequence[dict[str, Any]]
) -> list[int]:
    """Insert rows and return their new ids in order.

    On SQLite the caller holds the write lock (``Database.writer``), so ids are handed out
    here from the table's current maximum.
    """
    if not rows:
        return []
    key = next(iter(target.primary_key.columns))
    if conn.dialect.name != "sqlite":
        result = conn.execute(
            insert(target).returning(key, sort_by_parameter_order=True), list(rows)
        )
        return [int(v) for v in result.scalars()]
    start = int(
        conn.execute(
            text(f'SELECT coalesce(max("{key.name}"), 0) FROM "{target.name}"')
        ).scalar_one()
    )
    ids = list(range(start + 1, start + 1 + len(rows)))
    insert_rows(conn, target, [{key.name: i, **row} for i, row in zip(ids, rows, strict=True)])
    return ids
