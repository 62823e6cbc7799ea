"""Staged bulk writes on SQLite: rows built by one thread, moved set-wise by the writer.

Feeding SQLite row by row from Python (``executemany``) costs about as much as SQLite's own
insert, and both need the GIL-holding writer. A bulk import therefore builds each chunk's
rows in a private in-memory SQLite database on another thread (``build_stage``), hands the
database over as bytes, and the writer loads it into a database attached to its connection
(``load_stage``) and moves the rows with one ``INSERT ... SELECT``: a single statement that
runs inside SQLite, without the GIL, while the next chunk is being built.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, cast

from sqlalchemy import Connection

STAGE = "cxm_stage"


def build_stage(ddl: Sequence[str], rows: dict[str, tuple[int, Iterable[Sequence[Any]]]]) -> bytes:
    """A serialized in-memory database: ``ddl`` run, then each table's rows inserted.

    ``rows`` maps a table to (number of columns, rows); a table's rowids follow row order.
    """
    stage = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
    try:
        stage.execute("PRAGMA journal_mode=OFF")
        stage.execute("PRAGMA synchronous=OFF")
        for statement in ddl:
            stage.execute(statement)
        stage.execute("BEGIN")
        for name, (width, data) in rows.items():
            stage.executemany(f"INSERT INTO {name} VALUES ({', '.join('?' * width)})", data)
        stage.execute("COMMIT")
        return stage.serialize()
    finally:
        stage.close()


def raw_connection(conn: Connection) -> sqlite3.Connection:
    """The driver connection under a SQLAlchemy connection (SQLite only)."""
    return cast(sqlite3.Connection, conn.connection.dbapi_connection)


@contextmanager
def attached_stage(conn: Connection) -> Iterator[sqlite3.Connection]:
    """Attach an empty staging database to ``conn`` (outside a transaction) for the block."""
    raw = raw_connection(conn)
    raw.execute(f"ATTACH DATABASE ':memory:' AS {STAGE}")
    try:
        yield raw
    finally:
        if raw.in_transaction:
            raw.rollback()
        raw.execute(f"DETACH DATABASE {STAGE}")


def load_stage(raw: sqlite3.Connection, data: bytes) -> None:
    """Replace the attached staging database by ``data`` (between transactions)."""
    raw.deserialize(data, name=STAGE)
