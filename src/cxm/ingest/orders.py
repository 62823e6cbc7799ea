"""Orders and shipment updates: validation, upsert by external id, idempotent updates."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import Connection, select

from cxm.core.bulk import insert_rows, upsert_rows
from cxm.core.changes import change_mark
from cxm.core.db import Database, table
from cxm.core.errors import Fault
from cxm.core.models import Organization
from cxm.core.validation import validate_each
from cxm.ingest.identity import Claim, resolve
from cxm.ingest.models import Location, Order, ShipmentUpdate
from cxm.ingest.schemas import BatchResult, OrderIn, ShipmentIn

_orders = TypeAdapter(OrderIn)
_shipments = TypeAdapter(ShipmentIn)


def _utc(ts: datetime) -> datetime:
    return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)


@dataclass(slots=True)
class OrderRow:
    external_id: str
    customer_id: int
    channel: str
    location_id: int | None
    amount: Decimal
    currency: str
    placed_at: datetime
    promised_delivery_date: date | None
    status: str = "placed"
    refunded: bool = False


def upsert_orders(
    conn: Connection, org_id: int, rows: Sequence[OrderRow], mark: int
) -> dict[str, int]:
    """Insert or update orders by external id; returns external id -> order id."""
    if not rows:
        return {}
    latest = {r.external_id: r for r in rows}
    upsert_rows(
        conn,
        table(Order),
        [
            {
                "organization_id": org_id,
                "external_id": r.external_id,
                "customer_id": r.customer_id,
                "channel": r.channel,
                "location_id": r.location_id,
                "amount": r.amount,
                "currency": r.currency,
                "placed_at": r.placed_at,
                "promised_delivery_date": r.promised_delivery_date,
                "status": r.status,
                "refunded": r.refunded,
                "sync_mark": mark,
            }
            for r in latest.values()
        ],
        ("organization_id", "external_id"),
    )
    return order_ids(conn, org_id, list(latest))


def order_ids(conn: Connection, org_id: int, external_ids: Sequence[str]) -> dict[str, int]:
    t = table(Order)
    out: dict[str, int] = {}
    unique = sorted(set(external_ids))
    for start in range(0, len(unique), 900):
        chunk = unique[start : start + 900]
        out.update(
            conn.execute(
                select(t.c.external_id, t.c.id).where(
                    t.c.organization_id == org_id, t.c.external_id.in_(chunk)
                )
            ).all()
        )
    return out


def location_ids(conn: Connection, org_id: int) -> dict[str, int]:
    t = table(Location)
    return dict(conn.execute(select(t.c.code, t.c.id).where(t.c.organization_id == org_id)).all())


def org_currency(conn: Connection, org_id: int) -> str:
    t = table(Organization)
    return str(conn.execute(select(t.c.currency).where(t.c.id == org_id)).scalar_one())


def ingest_orders(db: Database, org_id: int, raw: list[object]) -> BatchResult:
    """Validate every order, store the good ones in one transaction, report the bad ones."""
    good, faults = validate_each(_orders, raw)
    if not good:
        return BatchResult.of(0, 0, faults)
    with db.writer() as conn:
        locations = location_ids(conn, org_id)
        currency = org_currency(conn, org_id)
        kept: list[OrderIn] = []
        for i, o in good:  # i is the order's index in the request
            if o.location is not None and o.location not in locations:
                faults.append(Fault(f"unknown location code {o.location!r}", "location", i))
            else:
                kept.append(o)
        mark = change_mark(conn)
        claims = [
            Claim(
                o.customer.keys(),
                _utc(o.placed_at),
                o.customer.keys()[0],
                o.customer.name,
                o.customer.language,
            )
            for o in kept
        ]
        customers = resolve(conn, org_id, claims, mark).customer_ids
        existing = set(order_ids(conn, org_id, [o.order_id for o in kept]))
        rows = [
            OrderRow(
                o.order_id,
                cid,
                o.channel,
                locations[o.location] if o.location else None,
                o.amount,
                (o.currency or currency).upper(),
                _utc(o.placed_at),
                o.promised_delivery_date,
                o.status,
            )
            for o, cid in zip(kept, customers, strict=True)
        ]
        upsert_orders(conn, org_id, rows, mark)
    new = len({o.order_id for o in kept} - existing)
    return BatchResult.of(new, len(kept) - new, faults)


def shipment_message_id(order_id: str, status: str, occurred_at: datetime) -> str:
    digest = hashlib.sha1(f"{order_id}|{status}|{occurred_at.isoformat()}".encode()).hexdigest()
    return "shp-" + digest[:32]


def ingest_shipments(
    db: Database, org_id: int, raw: list[object], now: datetime | None = None
) -> BatchResult:
    """Store shipment updates once each (by message id, or by order+status+time)."""
    good, faults = validate_each(_shipments, raw, lambda s: s.occurred_at, now=now)
    if not good:
        return BatchResult.of(0, 0, faults)
    with db.writer() as conn:
        orders = order_ids(conn, org_id, [s.order_id for _, s in good])
        rows: list[dict[str, Any]] = []
        mark = change_mark(conn)
        for i, s in good:
            if s.order_id not in orders:
                faults.append(
                    Fault(f"unknown order {s.order_id!r}; send the order first", "order_id", i)
                )
                continue
            ts = _utc(s.occurred_at)
            rows.append(
                {
                    "organization_id": org_id,
                    "order_id": orders[s.order_id],
                    "status": s.status,
                    "occurred_at": ts,
                    "new_eta": s.new_eta,
                    "sync_mark": mark,
                    "message_id": s.message_id or shipment_message_id(s.order_id, s.status, ts),
                }
            )
        inserted = insert_rows(
            conn,
            table(ShipmentUpdate),
            rows,
            ignore_conflicts_on=("organization_id", "message_id"),
        )
    return BatchResult.of(inserted, len(rows) - inserted, faults)
