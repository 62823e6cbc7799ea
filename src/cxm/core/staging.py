"""Staged bulk writes on SQLite: rows built by one thread, moved set-wise by the writer.

Feeding SQLite row by row from Python (``executemany``) costs about as much as SQLite's own
insert, and both need the GIL-holding writer. A bulk import therefore writes each chunk's
rows, as Arrow columns, into a private staging database file on another thread
(``build_stage``, through the ADBC SQLite driver: the rows are bound in C, without the GIL
and without a Python object per value). The writer attaches that file to its connection
(``load_stage``) and moves the rows with one ``INSERT ... SELECT``: a single statement that
runs inside SQLite, without the GIL, while the next chunk is being built. Staging files live
in RAM where the system offers it (``/dev/shm``), in a directory of the import's own
(``staging_directory``) that goes when the import ends, however it ends.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import adbc_driver_sqlite.dbapi as adbc_sqlite
import pyarrow as pa
from sqlalchemy import Connection

STAGE = "cxm_stage"
_RAM = Path("/dev/shm")


@dataclass
class StagedChunk:
    """A staging database file holding one chunk's rows; ``discard`` removes it."""

    path: Path

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)


# A few staged chunks exist at once (one being read, one queued, one being stored), about
# 40 MB each at 100,000 rows: RAM is used only where it has ample room (containers often
# give /dev/shm just 64 MB), the temporary directory otherwise.
RAM_NEEDED = 1 << 30


def _ram_directory() -> str | None:
    try:
        if not os.access(_RAM, os.W_OK):
            return None
        stats = os.statvfs(_RAM)
    except OSError:
        return None
    return str(_RAM) if stats.f_bavail * stats.f_frsize >= RAM_NEEDED else None


@contextmanager
def staging_directory() -> Iterator[Path]:
    """A directory for one import's staging files (in RAM where possible), removed after."""
    with tempfile.TemporaryDirectory(prefix="cxm-stage-", dir=_ram_directory()) as name:
        yield Path(name)


def build_stage(directory: Path, ddl: Sequence[str], tables: dict[str, pa.Table]) -> StagedChunk:
    """A staging database in ``directory``: ``ddl`` run, then each table's rows appended.

    A table's rowids follow row order; its columns must match the table's in ``ddl``.
    """
    fd, name = tempfile.mkstemp(suffix=".sqlite3", dir=directory)
    os.close(fd)
    chunk = StagedChunk(Path(name))
    try:
        with adbc_sqlite.connect(name, autocommit=True) as stage, stage.cursor() as cur:
            cur.execute("PRAGMA journal_mode=OFF")
            cur.execute("PRAGMA synchronous=OFF")
            for statement in ddl:
                cur.execute(statement)
            for table_name, data in tables.items():
                cur.adbc_ingest(table_name, data, mode="append")
    except BaseException:
        chunk.discard()
        raise
    return chunk


def raw_connection(conn: Connection) -> sqlite3.Connection:
    """The driver connection under a SQLAlchemy connection (SQLite only)."""
    return cast(sqlite3.Connection, conn.connection.dbapi_connection)


@contextmanager
def attached_stage(conn: Connection) -> Iterator[sqlite3.Connection]:
    """The raw connection under ``conn``, for loading staged chunks into during the block."""
    raw = raw_connection(conn)
    try:
        yield raw
    finally:
        if raw.in_transaction:
            raw.rollback()
        _detach(raw)


def _detach(raw: sqlite3.Connection) -> None:
    attached = {row[1] for row in raw.execute("PRAGMA database_list")}
    if STAGE in attached:
        raw.execute(f"DETACH DATABASE {STAGE}")


def load_stage(raw: sqlite3.Connection, chunk: StagedChunk) -> None:
    """Attach ``chunk`` as the staging database (between transactions), replacing the last.

    The staging database keeps no journal: it is scratch space, thrown away after its chunk.
    """
    _detach(raw)
    raw.execute(f"ATTACH DATABASE ? AS {STAGE}", (str(chunk.path),))
    raw.execute(f"PRAGMA {STAGE}.journal_mode=OFF")
    raw.execute(f"PRAGMA {STAGE}.synchronous=OFF")
