"""The analytics sync is exact: late commits, merges and deletions all arrive, reruns are no-ops."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from sqlalchemy import text

from cxm.analytics.backend import Analytics
from cxm.analytics.sync import sync
from cxm.core.changes import change_mark
from cxm.core.db import Database
from cxm.core.settings import Settings
from cxm.ingest.customers import erase_customer
from cxm.ingest.events import ingest_batch
from tests.factories import organization, track


@pytest.fixture
def duck(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(str(tmp_path / "analytics.duckdb"))
    yield con
    con.close()


def _ids(duck: duckdb.DuckDBPyConnection, table: str) -> list[int]:
    return [r[0] for r in duck.execute(f"SELECT id FROM {table} ORDER BY id").fetchall()]


def test_rows_written_after_a_sync_show_up_in_the_next(
    db: Database, duck: duckdb.DuckDBPyConnection
) -> None:
    org = organization(db)
    ingest_batch(db, org, [track("a"), track("b")])
    first = sync(db, duck)
    assert first.rows["event"] == 2
    ingest_batch(db, org, [track("c")])
    sync(db, duck)
    assert len(_ids(duck, "event")) == 3


def test_rerunning_the_sync_changes_nothing(db: Database, duck: duckdb.DuckDBPyConnection) -> None:
    org = organization(db)
    ingest_batch(db, org, [track("a"), track("b", user_id="u2")])
    sync(db, duck)
    before = duck.execute("SELECT * FROM event ORDER BY id").fetchall()
    again = sync(db, duck)
    assert duck.execute("SELECT * FROM event ORDER BY id").fetchall() == before
    assert again.deleted == 0


def test_customer_merges_reach_the_analytics_store(
    db: Database, duck: duckdb.DuckDBPyConnection
) -> None:
    org = organization(db)
    ingest_batch(
        db, org, [track("a", user_id=None, anonymous_id="anon"), track("b", user_id="known")]
    )
    sync(db, duck)
    assert duck.execute("SELECT count(*) FROM customer WHERE merged_into IS NULL").fetchone() == (
        2,
    )
    ingest_batch(
        db,
        org,
        [
            {
                "type": "alias",
                "messageId": "al",
                "userId": "known",
                "previousId": "anon",
                "timestamp": "2026-03-02T00:00:00Z",
            }
        ],
    )
    sync(db, duck)
    assert duck.execute("SELECT count(*) FROM customer WHERE merged_into IS NULL").fetchone() == (
        1,
    )
    owners = duck.execute(
        "SELECT DISTINCT coalesce(c.merged_into, c.id) FROM event e "
        "JOIN customer c ON c.id = e.customer_id"
    ).fetchall()
    assert len(owners) == 1


def test_deletions_reach_the_analytics_store(db: Database, duck: duckdb.DuckDBPyConnection) -> None:
    org = organization(db)
    ingest_batch(db, org, [track("a", user_id="gone"), track("b", user_id="stays")])
    sync(db, duck)
    gone = duck.execute(
        "SELECT customer_id FROM event WHERE id = (SELECT min(id) FROM event)"
    ).fetchone()
    assert gone is not None
    with db.writer() as conn:
        erase_customer(conn, org, gone[0])
    report = sync(db, duck)
    assert report.deleted == 2
    assert len(_ids(duck, "event")) == 1
    assert gone[0] not in _ids(duck, "customer")


@pytest.mark.postgres
def test_a_transaction_committing_out_of_id_order_is_not_missed(
    postgres_db: Database, duck: duckdb.DuckDBPyConnection
) -> None:
    db = postgres_db
    org = organization(db)
    ingest_batch(db, org, [track("first")])
    slow = db.engine.connect()
    tx = slow.begin()
    change_mark(slow)
    slow.execute(
        text(
            "INSERT INTO event (organization_id, message_id, type, name, customer_id, occurred_at, "
            "received_at, unmapped, sync_mark) SELECT organization_id, 'late', 'track', 'Late', "
            "customer_id, occurred_at, received_at, true, pg_current_xact_id()::text::bigint "
            "FROM event WHERE message_id = 'first'"
        )
    )
    ingest_batch(db, org, [track("quick")])  # a higher id, committed first
    sync(db, duck)
    names = {r[0] for r in duck.execute("SELECT name FROM event").fetchall()}
    assert "Late" not in names
    tx.commit()
    slow.close()
    sync(db, duck)
    names = {r[0] for r in duck.execute("SELECT name FROM event").fetchall()}
    assert "Late" in names and len(_ids(duck, "event")) == 3


def test_analytics_fresh_syncs_before_answering(db: Database, tmp_path: Path) -> None:
    org = organization(db)
    analytics = Analytics(db, Settings(data_dir=tmp_path))
    ingest_batch(db, org, [track("x")])
    with analytics.fresh() as con:
        assert con.table("event").count().to_pyarrow().as_py() == 1
    analytics.close()


def test_a_column_missing_from_the_analytics_store_is_added_and_filled(
    sqlite_db: Database, tmp_path: Path
) -> None:
    org = organization(sqlite_db)
    ingest_batch(sqlite_db, org, [track("1", "A", user_id="u1", timestamp="2026-03-01T10:00:00Z")])
    analytics = Analytics(sqlite_db, Settings(data_dir=tmp_path))
    try:
        with analytics.fresh():
            pass
        # An analytics store written before the column existed: the quick schema check
        # must notice, add the column and read every row again to fill it.
        analytics.duck.execute('ALTER TABLE "event" DROP COLUMN "name"')
        with analytics.fresh():
            rows = analytics.duck.execute('SELECT name FROM "event"').fetchall()
        with analytics.fresh():  # complete now: nothing to repair
            again = analytics.duck.execute('SELECT name FROM "event"').fetchall()
    finally:
        analytics.close()
    assert rows == again == [("A",)]
