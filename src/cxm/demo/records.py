"""Simulated people turned into store rows exactly as ingestion would have stored them."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import Connection

from cxm.core.changes import change_mark
from cxm.core.db import table
from cxm.demo.catalogue import Catalogue
from cxm.demo.journeys import SimulatedCustomer
from cxm.demo.ring import RING, ring_accounts
from cxm.demo.storage import Encoding, Row, reserve_ids, to_json, write_dicts
from cxm.ingest.models import Customer, CustomerIdentity, Order

EVENT_COLUMNS = (
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
)
SHIPMENT_COLUMNS = ("organization_id", "order_id", "status", "occurred_at", "new_eta", "message_id")
EVENT_ARRIVAL = EVENT_COLUMNS.index("received_at")
SHIPMENT_ARRIVAL = SHIPMENT_COLUMNS.index("occurred_at")


def write_people(
    conn: Connection, org_id: int, cat: Catalogue, people: list[SimulatedCustomer]
) -> tuple[list[int], dict[str, int]]:
    """Customers, identities and orders of a chunk; returns customer ids, order ids."""
    mark = change_mark(conn)
    customer_ids = reserve_ids(conn, table(Customer), len(people))
    write_dicts(
        conn,
        table(Customer),
        [
            {
                "id": cid,
                "organization_id": org_id,
                "name": p.name,
                "language": p.language,
                "segment": p.segment,
                "traits": {"city": p.city, "home_store": p.home_store},
                "merged_into": None,
                "first_seen_at": p.first_seen_at,
                "sync_mark": mark,
            }
            for p, cid in zip(people, customer_ids, strict=True)
        ],
    )
    write_dicts(
        conn,
        table(CustomerIdentity),
        [
            {
                "organization_id": org_id,
                "kind": kind,
                "value": value,
                "customer_id": cid,
                "sync_mark": mark,
            }
            for p, cid in zip(people, customer_ids, strict=True)
            for kind, value in p.identities
        ],
    )
    orders = [(o, cid) for p, cid in zip(people, customer_ids, strict=True) for o in p.orders]
    ids = reserve_ids(conn, table(Order), len(orders))
    write_dicts(
        conn,
        table(Order),
        [
            {
                "id": oid,
                "organization_id": org_id,
                "external_id": o.external_id,
                "customer_id": cid,
                "channel": o.channel,
                "location_id": cat.store_ids[o.store] if o.store else None,
                "amount": Decimal(str(o.amount)),
                "currency": "UAH",
                "placed_at": o.placed_at,
                "promised_delivery_date": o.promised,
                "status": "refunded" if o.refunded else "placed",
                "refunded": o.refunded,
                "sync_mark": mark,
            }
            for (o, cid), oid in zip(orders, ids, strict=True)
        ],
    )
    return customer_ids, {o.external_id: oid for (o, _), oid in zip(orders, ids, strict=True)}


def event_rows(
    enc: Encoding,
    org_id: int,
    cat: Catalogue,
    people: list[SimulatedCustomer],
    customer_ids: list[int],
    order_ids: dict[str, int],
) -> tuple[list[Row], list[datetime]]:
    """Encoded event rows (``EVENT_COLUMNS``, without the mark) and when each arrives."""
    rows: list[Row] = []
    times: list[datetime] = []
    stores, touchpoint, time = cat.store_ids, cat.touchpoint, enc.time
    for p, cid in zip(people, customer_ids, strict=True):
        for e in p.events:
            tp = touchpoint(e.name, e.channel)
            rows.append(
                (
                    org_id,
                    e.message_id,
                    "track",
                    e.name,
                    cid,
                    tp,
                    e.channel,
                    stores[e.store] if e.store else None,
                    order_ids[e.order] if e.order else None,
                    time(e.occurred_at),
                    time(e.received_at),
                    to_json(e.properties),
                    tp is None,
                )
            )
            times.append(e.received_at)
    return rows, times


def shipment_rows(
    enc: Encoding, org_id: int, people: list[SimulatedCustomer], order_ids: dict[str, int]
) -> tuple[list[Row], list[datetime]]:
    """Encoded shipment update rows (``SHIPMENT_COLUMNS``) and when each arrives."""
    rows: list[Row] = []
    times: list[datetime] = []
    for p in people:
        for s in p.shipments:
            rows.append(
                (
                    org_id,
                    order_ids[s.order],
                    s.status,
                    enc.time(s.occurred_at),
                    enc.day(s.new_eta),
                    s.message_id,
                )
            )
            times.append(s.occurred_at)
    return rows, times


def write_ring(
    conn: Connection, enc: Encoding, org_id: int, cat: Catalogue, seed: int
) -> tuple[list[Row], list[datetime]]:
    """The fake-review ring's accounts; returns their encoded events for the spool."""
    accounts = ring_accounts(seed)
    mark = change_mark(conn)
    ids = reserve_ids(conn, table(Customer), len(accounts))
    write_dicts(
        conn,
        table(Customer),
        [
            {
                "id": cid,
                "organization_id": org_id,
                "name": a.name,
                "language": a.language,
                "segment": RING.segment,
                "traits": None,
                "merged_into": None,
                "first_seen_at": a.created_at,
                "sync_mark": mark,
            }
            for a, cid in zip(accounts, ids, strict=True)
        ],
    )
    write_dicts(
        conn,
        table(CustomerIdentity),
        [
            {
                "organization_id": org_id,
                "kind": kind,
                "value": value,
                "customer_id": cid,
                "sync_mark": mark,
            }
            for a, cid in zip(accounts, ids, strict=True)
            for kind, value in (("email", a.email), ("anonymous_id", a.anonymous_id))
        ],
    )
    rows: list[Row] = []
    times: list[datetime] = []
    tp = cat.touchpoint("Product Viewed", "web")
    for a, cid in zip(accounts, ids, strict=True):
        seen = a.created_at + timedelta(minutes=3)
        arrived = seen + timedelta(seconds=2)
        props = {"channel": "web", "sku": RING.sku}
        rows.append(
            (
                org_id,
                a.message_id,
                "track",
                "Product Viewed",
                cid,
                tp,
                "web",
                None,
                None,
                enc.time(seen),
                enc.time(arrived),
                to_json(props),
                tp is None,
            )
        )
        times.append(arrived)
    return rows, times
