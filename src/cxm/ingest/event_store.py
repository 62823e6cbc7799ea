"""Storing a prepared chunk of imported events (cxm.ingest.event_import) in one transaction.

Customers are resolved once per distinct identity combination, touchpoints and locations
once per distinct (event, channel, location) (per row when a rule looks at properties),
orders once per distinct order id. On SQLite the rows were built in storage form by the
reading thread (cxm.core.staging); the writer fills in the maps and moves the rows into the
event table with one INSERT ... SELECT, skipping message ids already stored. Elsewhere the
rows go through SQLAlchemy Core in one multi-row insert.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

import orjson
import polars as pl
from sqlalchemy import Connection, func, select

from cxm.core.changes import Tombstone, change_mark
from cxm.core.staging import STAGE, StagedChunk, raw_connection
from cxm.ingest.identity import Claim, resolve, resolve_distinct
from cxm.ingest.identity_stage import IDENTITY_DDL, resolve_staged
from cxm.ingest.orders import order_ids
from cxm.ingest.touchpoints import TouchpointMapper

if TYPE_CHECKING:
    import psycopg

# A place's number, type, event name, channel, touchpoint and location.
Place = tuple[int, str, str, str | None, int | None, int | None]
EVENT_COLUMNS = [
    "organization_id",
    "message_id",
    "type",
    "name",
    "customer_id",
    "touchpoint_id",
    "channel",
    "location_id",
    "order_id",
    "occurred_at",
    "received_at",
    "properties",
    "unmapped",
    "sync_mark",
]
# The staged chunk (SQLite): its rows in file order, and the maps the writer fills in.
STAGE_DDL = (
    "CREATE TABLE rows (message_id TEXT, occurred_at TEXT, properties TEXT, combo INTEGER,"
    " place INTEGER, order_ext TEXT)",
    "CREATE TABLE customers (combo INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL)",
    "CREATE TABLE places (place INTEGER PRIMARY KEY, type TEXT, name TEXT, channel TEXT,"
    " touchpoint_id INTEGER, location_id INTEGER)",
    "CREATE TABLE row_touchpoints (position INTEGER PRIMARY KEY, touchpoint_id INTEGER)",
    "CREATE TABLE orders (external_id TEXT PRIMARY KEY, id INTEGER NOT NULL)",
    *IDENTITY_DDL,
)
# What an event's touchpoint depends on (unless a rule looks at properties), with its type.
PLACE = ["type", "event", "channel", "location"]


@dataclass
class KnownCustomers:
    """Identities an import has already resolved, so later chunks skip looking them up.

    Valid while nothing is deleted: any new tombstone (an erased customer, say) empties it.
    A customer merged meanwhile stays a valid target (the merge keeps its id, pointing at
    the survivor). Holds at most ``limit`` identities, then starts afresh.
    """

    ids: dict[str, dict[str, int]] = field(default_factory=dict)  # kind -> value -> id
    deletions: int | None = None
    limit: int = 2_000_000

    def check(self, conn: Connection) -> None:
        last = conn.execute(select(func.max(Tombstone.id))).scalar()
        if last != self.deletions or sum(map(len, self.ids.values())) > self.limit:
            self.ids.clear()
        self.deletions = last


@dataclass
class PreparedEvents:
    """A chunk's good rows, ready for the writer.

    ``frame`` keeps file order and names each row's identity combination (``_combo``, a row
    of ``combos``: normalised identities and when the combination was first seen) and place
    (``_place``, a row of ``places``: type, event, channel, location), so the writer resolves
    customers and touchpoints once per distinct value. ``staged``: the rows in SQLite's
    storage form (cxm.core.staging), when the store is SQLite; when every row names one
    identity of the same kind, ``staged_kind`` names it and its values are staged too, so
    the writer resolves them inside SQLite (cxm.ingest.identity_stage).
    """

    frame: pl.DataFrame
    combos: pl.DataFrame
    places: pl.DataFrame
    staged: StagedChunk | None = None
    staged_kind: str | None = None  # the one identity kind whose values were staged too


def store_prepared(
    conn: Connection, org_id: int, p: PreparedEvents, known: KnownCustomers | None = None
) -> tuple[int, int]:
    """Store the chunk inside the caller's write transaction: (stored, duplicates).

    On SQLite ``p.staged`` must be loaded into the connection's staging database first.
    ``known``: identities resolved by the same import's earlier chunks.
    """
    if p.frame.height == 0:
        return 0, 0
    mark = change_mark(conn)
    customers: list[int] | None = None
    if p.staged is not None and p.staged_kind is not None:
        resolve_staged(raw_connection(conn), org_id, p.staged_kind, mark)
    else:
        customers = customer_ids(conn, org_id, p.combos, mark, known)
    mapper = TouchpointMapper.load(conn, org_id)
    places: list[Place] = [
        (
            i,
            kind,
            event,
            channel,
            None if mapper.needs_properties else mapper.match(event, channel, location, {}),
            mapper.locations.get(location) if location is not None else None,
        )
        for i, (kind, event, channel, location) in enumerate(p.places.select(PLACE).iter_rows())
    ]
    per_row: list[int | None] | None = None
    if mapper.needs_properties:
        props = [orjson.loads(v) if v else {} for v in p.frame["_properties"].to_list()]
        per_row = [
            mapper.match(event, channel, location, prop)
            for (event, channel, location), prop in zip(
                p.frame.select(PLACE[1:]).iter_rows(), props, strict=True
            )
        ]
    wanted = p.frame["order_id"].drop_nulls().unique().to_list()
    orders = order_ids(conn, org_id, wanted) if wanted else {}
    if p.staged is not None:
        stored = _insert_staged(conn, org_id, mark, customers, places, per_row, orders)
    else:
        assert customers is not None
        stored = _insert_copied(conn, org_id, mark, p.frame, customers, places, per_row, orders)
    return stored, p.frame.height - stored


def customer_ids(
    conn: Connection,
    org_id: int,
    combos: pl.DataFrame,
    mark: int,
    known: KnownCustomers | None = None,
) -> list[int]:
    """The customer of each identity combination (a row of ``combos``), in order."""
    kinds = [c for c in combos.columns if c not in ("_combo", "_seen")]
    if len(kinds) == 1:
        # One identity per row: nothing can merge, so resolve set-wise.
        return _single_kind(conn, org_id, kinds[0], combos, mark, known or KnownCustomers())
    names = combos.select(kinds).rows()
    seen = combos["_seen"].to_list()
    claims = []
    for values, at in zip(names, seen, strict=True):
        keys = [(kind, v) for kind, v in zip(kinds, values, strict=True) if v is not None]
        claims.append(Claim(keys, at, keys[0]))
    return resolve(conn, org_id, claims, mark).customer_ids


def _single_kind(
    conn: Connection,
    org_id: int,
    kind: str,
    combos: pl.DataFrame,
    mark: int,
    known: KnownCustomers,
) -> list[int]:
    known.check(conn)
    values: list[str] = combos[kind].to_list()
    ids = known.ids.setdefault(kind, {})
    missing = [i for i, v in enumerate(values) if v not in ids]
    if missing:
        seen = combos["_seen"].gather(missing).to_list()
        wanted = [values[i] for i in missing]
        ids.update(
            zip(wanted, resolve_distinct(conn, org_id, kind, wanted, seen, mark), strict=True)
        )
    return [ids[v] for v in values]


def _insert_staged(
    conn: Connection,
    org_id: int,
    mark: int,
    customers: list[int] | None,
    places: list[Place],
    per_row: list[int | None] | None,
    orders: dict[str, int],
) -> int:
    """``customers``: each combination's customer, unless already in the stage."""
    raw = raw_connection(conn)
    if customers is not None:
        raw.executemany(f"INSERT INTO {STAGE}.customers VALUES (?, ?)", enumerate(customers))
    raw.executemany(f"INSERT INTO {STAGE}.places VALUES (?, ?, ?, ?, ?, ?)", places)
    raw.executemany(f"INSERT INTO {STAGE}.orders VALUES (?, ?)", orders.items())
    touchpoint, by_row = "p.touchpoint_id", ""
    if per_row is not None:
        raw.executemany(
            f"INSERT INTO {STAGE}.row_touchpoints VALUES (?, ?)", enumerate(per_row, start=1)
        )
        touchpoint = "r.touchpoint_id"
        by_row = f"LEFT JOIN {STAGE}.row_touchpoints r ON r.position = s.rowid "
    sql = (
        f"INSERT INTO event ({', '.join(EVENT_COLUMNS)}) "
        f"SELECT ?, s.message_id, p.type, p.name, c.customer_id, {touchpoint}, p.channel, "
        f"p.location_id, o.id, s.occurred_at, ?, s.properties, {touchpoint} IS NULL, ? "
        f"FROM {STAGE}.rows s JOIN {STAGE}.customers c ON c.combo = s.combo "
        f"JOIN {STAGE}.places p ON p.place = s.place {by_row}"
        f"LEFT JOIN {STAGE}.orders o ON o.external_id = s.order_ext "
        "WHERE true ORDER BY s.rowid "
        "ON CONFLICT (organization_id, message_id) DO NOTHING"
    )
    received = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return int(raw.execute(sql, (org_id, received, mark)).rowcount)


def _insert_copied(
    conn: Connection,
    org_id: int,
    mark: int,
    frame: pl.DataFrame,
    customers: list[int],
    places: list[Place],
    per_row: list[int | None] | None,
    orders: dict[str, int],
) -> int:
    """PostgreSQL: the chunk's rows COPied (as CSV written by Polars) into a temporary table,
    then moved with one ``INSERT ... SELECT ... ON CONFLICT DO NOTHING``, in file order."""
    place = frame["_place"]
    if per_row is not None:
        touchpoints = pl.Series(per_row, dtype=pl.Int64)
    else:
        touchpoints = pl.Series([x[4] for x in places], dtype=pl.Int64).gather(place)
    out = frame.select(
        "message_id",
        "type",
        "event",
        pl.Series("customer_id", customers, dtype=pl.Int64).gather(frame["_combo"]),
        touchpoints.alias("touchpoint_id"),
        "channel",
        pl.Series("location_id", [x[5] for x in places], dtype=pl.Int64).gather(place),
        pl.col("order_id").replace_strict(orders, default=None, return_dtype=pl.Int64),
        pl.col("_ts").dt.convert_time_zone("UTC").dt.strftime("%Y-%m-%d %H:%M:%S%.6f+00"),
        "_properties",
    )
    data = out.write_csv(include_header=False, null_value="")
    driver = cast("psycopg.Connection[Any]", conn.connection.dbapi_connection)
    with driver.cursor() as cur:
        cur.execute(
            f"CREATE TEMP TABLE {STAGE}_events (message_id text, type text, name text,"
            " customer_id bigint, touchpoint_id integer, channel text, location_id integer,"
            " order_id bigint, occurred_at timestamptz, properties text,"
            " position bigserial) ON COMMIT DROP"
        )
        columns = ", ".join(EVENT_COLUMNS[1:10] + ["properties"])
        with cur.copy(f"COPY {STAGE}_events ({columns}) FROM STDIN (FORMAT csv)") as copy:
            copy.write(data)
        cur.execute(
            f"INSERT INTO event ({', '.join(EVENT_COLUMNS)}) "
            f"SELECT %s, {', '.join(EVENT_COLUMNS[1:10])}, %s, properties::json, "
            f"touchpoint_id IS NULL, %s FROM {STAGE}_events ORDER BY position "
            "ON CONFLICT (organization_id, message_id) DO NOTHING",
            (org_id, datetime.now(UTC), mark),
        )
        return int(cur.rowcount)
