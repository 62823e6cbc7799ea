"""Database engine, sessions and the declarative base shared by every part's models."""

from __future__ import annotations

import contextlib
import fcntl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import (
    BigInteger,
    Connection,
    Engine,
    Integer,
    MetaData,
    Table,
    create_engine,
    event,
)
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite only autoincrements INTEGER PRIMARY KEY; PostgreSQL gets a real BIGINT.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def _sqlite_pragmas(dbapi_conn: Any, _record: ConnectionPoolEntry) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA cache_size=-65536")  # 64 MiB: index pages of busy tables stay hot
    cur.execute("PRAGMA temp_store=MEMORY")
    cur.close()


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        # The driver's own transaction handling is switched off so that BEGIN is ours:
        # writers take the lock up front (BEGIN IMMEDIATE) instead of failing to upgrade.
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "isolation_level": None},
            json_serializer=_json_dumps,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(
        url, pool_pre_ping=True, pool_size=10, max_overflow=20, json_serializer=_json_dumps
    )


def _json_dumps(value: Any) -> str:
    return orjson.dumps(value, default=str).decode()


def _sqlite_begin(conn: Connection) -> None:
    immediate = conn.get_execution_options().get("cxm_write", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def _lock_path(engine: Engine) -> Path | None:
    database = engine.url.database
    if not is_sqlite(engine) or not database or database == ":memory:":
        return None
    return Path(database + ".writelock")


@contextmanager
def _file_lock(path: Path | None) -> Iterator[None]:
    """Writers of several processes queue on a kernel lock, woken the moment it is free."""
    if path is None:
        yield
        return
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class Database:
    """An engine and its session factory."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        # SQLite has one writer at a time; threads of this process queue here instead of
        # polling the file lock (whose busy handler sleeps in steps of milliseconds).
        self._write_lock = threading.Lock() if is_sqlite(self.engine) else None
        self._lock_path = _lock_path(self.engine)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session whose work is committed when the block ends without error."""
        with self.sessions() as s, s.begin():
            yield s

    @contextmanager
    def writer(self) -> Iterator[Connection]:
        """A connection in a write transaction, committed when the block ends without error.

        On SQLite the write lock is taken at BEGIN, so a read-then-write never meets a
        concurrent writer half-way.
        """
        with self.write_connection() as conn, self.write_transaction(conn):
            yield conn

    @contextmanager
    def write_connection(self) -> Iterator[Connection]:
        """One connection kept for a series of write transactions (``write_transaction``).

        A bulk import keeps state on its connection between transactions (on SQLite an
        attached staging database); the write lock is held only inside each transaction.
        """
        with self.engine.connect() as conn:
            yield conn.execution_options(cxm_write=True)

    @contextmanager
    def write_transaction(self, conn: Connection) -> Iterator[Connection]:
        """A write transaction on ``conn``, committed when the block ends without error."""
        lock = self._write_lock or contextlib.nullcontext()
        with lock, _file_lock(self._lock_path), conn.begin():
            yield conn

    def dispose(self) -> None:
        self.engine.dispose()


def table(model: type[Base]) -> Table:
    """A model's Table, typed as such (``__table__`` is typed as a plain FromClause)."""
    t = model.__table__
    assert isinstance(t, Table)
    return t
