"""Bulk writes of the demo's rows: the shared set-based insert on SQLite, COPY on PostgreSQL.

Ids are reserved before rows are written, so rows that refer to each other (identities to
customers, events to orders) are built without reading anything back. On PostgreSQL the
ids come from the table's own sequence, so concurrent writers never collide. The bulk of
the world (events, shipment updates) is encoded once, when its rows are built, in the form
the database receives, so writing it is one statement per batch with no per-row work.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import orjson
from sqlalchemy import JSON, Connection, Table, text

from cxm.core.bulk import insert_rows

Row = tuple[Any, ...]


def reserve_ids(conn: Connection, target: Table, n: int) -> list[int]:
    """``n`` fresh primary keys of ``target`` (the caller holds ``Database.writer``)."""
    if n <= 0:
        return []
    key = next(iter(target.primary_key.columns)).name
    if conn.dialect.name == "postgresql":
        values = conn.execute(
            text("SELECT nextval(pg_get_serial_sequence(:t, :k)) FROM generate_series(1, :n)"),
            {"t": target.name, "k": key, "n": n},
        ).scalars()
        return sorted(int(v) for v in values)
    start = int(
        conn.execute(text(f'SELECT coalesce(max("{key}"), 0) FROM "{target.name}"')).scalar_one()
    )
    return list(range(start + 1, start + 1 + n))


def to_json(value: Any) -> str | None:
    return None if value is None else orjson.dumps(value, default=str).decode()


class Encoding:
    """Values as one database receives them (SQLite: SQLAlchemy's own storage format)."""

    def __init__(self, dialect: str) -> None:
        self.sqlite = dialect != "postgresql"

    def time(self, ts: datetime) -> Any:
        """An aware UTC datetime; on SQLite as text, which sorts as time does."""
        return ts.isoformat(" ", "microseconds")[:26] if self.sqlite else ts

    def day(self, value: date | None) -> Any:
        return value.isoformat() if self.sqlite and value is not None else value


def _copy(conn: Connection, target: Table, columns: Sequence[str], rows: Sequence[Row]) -> None:
    names = ", ".join(f'"{c}"' for c in columns)
    driver: Any = conn.connection.driver_connection
    with driver.cursor() as cur, cur.copy(f'COPY "{target.name}" ({names}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row(row)


def write_encoded(
    conn: Connection, target: Table, columns: Sequence[str], rows: Sequence[Row], mark: int
) -> int:
    """Insert rows built with ``Encoding`` (JSON already text), all with one sync mark."""
    if not rows:
        return 0
    if conn.dialect.name == "postgresql":
        _copy(conn, target, (*columns, "sync_mark"), [(*r, mark) for r in rows])
        return len(rows)
    sql = (
        f'INSERT INTO "{target.name}" ({", ".join(columns)}, sync_mark) '
        f"VALUES ({', '.join('?' for _ in columns)}, {int(mark)})"
    )
    conn.exec_driver_sql(sql, list(rows))
    return len(rows)


def write_dicts(conn: Connection, target: Table, rows: Sequence[dict[str, Any]]) -> int:
    """Insert rows given as dicts with the same keys and plain Python values."""
    if not rows:
        return 0
    if conn.dialect.name != "postgresql":
        return insert_rows(conn, target, rows)
    columns = list(rows[0])
    as_json = {c for c in columns if isinstance(target.c[c].type, JSON)}
    _copy(
        conn,
        target,
        columns,
        [tuple(to_json(r[c]) if c in as_json else r[c] for c in columns) for r in rows],
    )
    return len(rows)
