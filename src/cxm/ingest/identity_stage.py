"""Resolving a staged chunk's identities inside SQLite, set-wise (see cxm.core.staging).

When every row of an imported chunk names one identity of the same kind, nothing can merge
(cxm.ingest.identity.resolve_distinct), so the whole resolution is three statements run by
SQLite itself: look up the known identities through the store's unique index, create one
customer (first seen at the identity's earliest event) and one identity row for each value
not found, and fill the stage's combination-to-customer map the event insert joins with.
"""

from __future__ import annotations

import sqlite3

from cxm.core.staging import STAGE

# The staged identities: one row per distinct value, and the customers made for new ones.
IDENTITY_DDL = (
    "CREATE TABLE identities (combo INTEGER PRIMARY KEY, value TEXT NOT NULL, seen TEXT NOT NULL)",
    "CREATE TABLE new_customers (combo INTEGER PRIMARY KEY, id INTEGER NOT NULL)",
)


def resolve_staged(raw: sqlite3.Connection, org_id: int, kind: str, mark: int) -> None:
    """Fill ``customers`` (combo -> customer) in the attached stage from ``identities``.

    Runs inside the writer's transaction, which holds SQLite's write lock, so new customer
    ids are handed out from the table's current maximum, as ``insert_returning_ids`` does.
    """
    raw.execute(
        f"INSERT INTO {STAGE}.customers (combo, customer_id) "
        # CROSS JOIN keeps the stage as the outer loop: one index look-up per staged value.
        f"SELECT s.combo, i.customer_id FROM {STAGE}.identities s CROSS JOIN customer_identity i "
        "ON i.organization_id = ? AND i.kind = ? AND i.value = s.value",
        (org_id, kind),
    )
    start = raw.execute("SELECT coalesce(max(id), 0) FROM customer").fetchone()[0]
    raw.execute(
        f"INSERT INTO {STAGE}.new_customers (combo, id) "
        f"SELECT s.combo, ? + row_number() OVER (ORDER BY s.combo) FROM {STAGE}.identities s "
        f"WHERE s.combo NOT IN (SELECT combo FROM {STAGE}.customers)",
        (start,),
    )
    raw.execute(
        "INSERT INTO customer (id, organization_id, first_seen_at, sync_mark) "
        f"SELECT n.id, ?, s.seen, ? FROM {STAGE}.new_customers n "
        f"JOIN {STAGE}.identities s ON s.combo = n.combo ORDER BY n.id",
        (org_id, mark),
    )
    raw.execute(
        "INSERT INTO customer_identity (organization_id, kind, value, customer_id, sync_mark) "
        f"SELECT ?, ?, s.value, n.id, ? FROM {STAGE}.new_customers n "
        f"JOIN {STAGE}.identities s ON s.combo = n.combo ORDER BY n.id",
        (org_id, kind, mark),
    )
    raw.execute(
        f"INSERT INTO {STAGE}.customers (combo, customer_id) "
        f"SELECT combo, id FROM {STAGE}.new_customers"
    )
