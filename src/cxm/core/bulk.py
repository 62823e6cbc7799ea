"""Set-based writes: many rows per statement, on SQLite straight through the driver.

At ingestion rates SQLAlchemy's per-row parameter processing costs more than SQLite's insert
itself, so on SQLite rows are converted once to the storage format SQLAlchemy itself uses
(so ORM reads see the same values) and handed to the driver's executemany. On PostgreSQL the
same calls use SQLAlchemy Core.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
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


def _datetime(value: Any) -> Any:
    if value is None:
        return None
    if value.tzinfo is None:
        return value.isoformat(" ", "microseconds")
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.isoformat(" ", "microseconds")[:26]  # without the "+00:00"


def _date(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def _decimal(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value


def _json(value: Any) -> Any:
    return None if value is None else orjson.dumps(value, default=str).decode()


def _converter(target: Table, name: str) -> Callable[[Any], Any] | None:
    """How a value is stored on SQLite, as SQLAlchemy itself would store it (None: as is)."""
    col_type = target.c[name].type
    if isinstance(col_type, DateTime):
        return _datetime
    if isinstance(col_type, Date):
        return _date
    if isinstance(col_type, JSON):
        return _json
    if isinstance(col_type, Numeric) and col_type.asdecimal:
        return _decimal
    return None


def _sqlite_params(
    target: Table, columns: list[str], rows: Sequence[dict[str, Any]]
) -> list[tuple[Any, ...]]:
    converters = [_converter(target, c) for c in columns]
    if all(f is None for f in converters):
        return [tuple(row[c] for c in columns) for row in rows]
    plain = [(i, c) for i, (c, f) in enumerate(zip(columns, converters, strict=True)) if f is None]
    converted = [(i, c, f) for i, (c, f) in enumerate(zip(columns, converters, strict=True)) if f]
    out = []
    width = len(columns)
    for row in rows:
        values: list[Any] = [None] * width
        for i, c in plain:
            values[i] = row[c]
        for i, c, f in converted:
            values[i] = f(row[c])
        out.append(tuple(values))
    return out


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


def insert_tuples(
    conn: Connection,
    target: Table,
    columns: list[str],
    rows: list[tuple[Any, ...]],
    ignore_conflicts_on: tuple[str, ...] | None = None,
) -> int:
    """Insert rows already in storage form (SQLite) or as Python values (other databases)."""
    if not rows:
        return 0
    if conn.dialect.name != "sqlite":
        return insert_rows(
            conn, target, [dict(zip(columns, r, strict=True)) for r in rows], ignore_conflicts_on
        )
    sql = (
        f'INSERT INTO "{target.name}" ({", ".join(columns)}) '
        f"VALUES ({', '.join('?' for _ in columns)})"
    )
    if ignore_conflicts_on:
        sql += f" ON CONFLICT ({', '.join(ignore_conflicts_on)}) DO NOTHING"
    return int(conn.exec_driver_sql(sql, rows).rowcount)
