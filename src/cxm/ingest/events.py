"""Batch ingestion of Segment-spec messages: validate, resolve, map, store set-wise.

Good records of a batch are stored even when others are refused, so a client never has to
re-send good data; every refusal names the record's index, the field and the reason. The
whole batch is one transaction, acknowledged only after commit. Re-sent messages (same
messageId) are counted as duplicates and stored once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from cxm.core.bulk import insert_rows
from cxm.core.changes import change_mark
from cxm.core.db import Database, table
from cxm.core.errors import Fault
from cxm.ingest.identity import Claim, Key, normalise, resolve
from cxm.ingest.messages import Message, validate_message
from cxm.ingest.models import CHANNELS, Event
from cxm.ingest.orders import OrderRow, location_ids, order_ids, org_currency, upsert_orders
from cxm.ingest.schemas import BatchResult
from cxm.ingest.touchpoints import TouchpointMapper

EVENT_TYPES = frozenset({"track", "page", "screen"})
ORDER_PLACED = frozenset({"Order Completed", "Order Placed", "Store Purchase"})
ORDER_REFUNDED = "Order Refunded"
DEFAULT_CHANNEL = {"page": "web", "screen": "app"}


@dataclass(frozen=True)
class IngestLimits:
    future_tolerance: timedelta = timedelta(hours=24)


def _claim(m: Message) -> Claim:
    keys: list[Key] = []
    strong: Key | None = None
    if m.user_id:
        strong = ("user_id", m.user_id)
        keys.append(strong)
    for kind in ("email", "phone"):
        value = m.traits.get(kind)
        if isinstance(value, str) and value.strip():
            keys.append((kind, normalise(kind, value)))
    if m.type == "alias" and m.previous_id:
        keys.append(("anonymous_id", m.previous_id))
    if m.anonymous_id:
        keys.append(("anonymous_id", m.anonymous_id))
    name = m.traits.get("name") if m.type == "identify" else None
    lang = m.traits.get("language") or m.context.get("locale") if m.type == "identify" else None
    return Claim(
        keys,
        m.timestamp,
        strong,
        str(name)[:200] if name else None,
        str(lang)[:8] if lang else None,
    )


def _channel(m: Message) -> str | None:
    value = m.properties.get("channel") or m.context.get("channel") or DEFAULT_CHANNEL.get(m.type)
    return value if value in CHANNELS else None


def _location_code(m: Message) -> str | None:
    value = m.properties.get("location") or m.properties.get("store")
    return str(value) if value is not None else None


def _order_row(
    m: Message, customer_id: int, location_id: int | None, currency: str
) -> OrderRow | Fault:
    p = m.properties
    order_id = p.get("order_id")
    if order_id is None or str(order_id) == "":
        return Fault(f"'{m.name}' needs properties.order_id", "properties.order_id", m.index)
    try:
        amount = Decimal(str(p.get("total", p.get("revenue", 0)))).quantize(Decimal("0.01"))
    except InvalidOperation:
        return Fault("is not a number", "properties.total", m.index)
    promised: date | None = None
    if p.get("promised_delivery_date"):
        try:
            promised = date.fromisoformat(str(p["promised_delivery_date"]))
        except ValueError:
            return Fault("is not a date (YYYY-MM-DD)", "properties.promised_delivery_date", m.index)
    return OrderRow(
        str(order_id),
        customer_id,
        _channel(m) or "web",
        location_id,
        amount,
        str(p.get("currency") or currency).upper()[:3],
        m.timestamp,
        promised,
    )


def ingest_batch(
    db: Database, org_id: int, raw: list[object], limits: IngestLimits = IngestLimits()
) -> BatchResult:
    """Store a batch of messages; see the module docstring for the guarantees."""
    now = datetime.now(UTC)
    faults: list[Fault] = []
    messages: list[Message] = []
    seen: set[str] = set()
    in_batch_dupes = 0
    for i, item in enumerate(raw):
        result = validate_message(item, i, now, limits.future_tolerance)
        if isinstance(result, list):
            faults.extend(result)
        elif result.message_id in seen:
            in_batch_dupes += 1
        else:
            seen.add(result.message_id)
            messages.append(result)
    if not messages:
        return BatchResult.of(0, in_batch_dupes, faults)
    for attempt in range(3):
        try:
            with db.writer() as conn:
                accepted, dupes = _store(conn, org_id, messages, faults)
            return BatchResult.of(accepted, dupes + in_batch_dupes, faults)
        except IntegrityError:
            # A concurrent writer created the same identity or order first; the retry
            # sees its rows. Message ids make the retry idempotent.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _store(
    conn: Connection, org_id: int, messages: list[Message], faults: list[Fault]
) -> tuple[int, int]:
    batch_faults: list[Fault] = []
    t = table(Event)
    event_msgs = [m for m in messages if m.type in EVENT_TYPES]
    known = known_message_ids(conn, org_id, [m.message_id for m in event_msgs])
    fresh = [m for m in messages if m.type not in EVENT_TYPES or m.message_id not in known]
    mark = change_mark(conn)
    customers = resolve(conn, org_id, [_claim(m) for m in fresh], mark).customer_ids
    mapper = TouchpointMapper.load(conn, org_id)
    locations = mapper.locations or location_ids(conn, org_id)
    currency = org_currency(conn, org_id)

    orders: list[OrderRow] = []
    refunds: set[str] = set()
    rows: list[dict[str, Any]] = []
    received = datetime.now(UTC)
    for m, cid in zip(fresh, customers, strict=True):
        if m.type not in EVENT_TYPES:
            continue
        loc_code = _location_code(m)
        loc_id = locations.get(loc_code) if loc_code is not None else None
        if m.name in ORDER_PLACED:
            order = _order_row(m, cid, loc_id, currency)
            if isinstance(order, Fault):
                batch_faults.append(order)
                continue
            orders.append(order)
        elif m.name == ORDER_REFUNDED and m.properties.get("order_id") is not None:
            refunds.add(str(m.properties["order_id"]))
        channel = _channel(m)
        tp = mapper.match(m.name, channel, loc_code, m.properties)
        rows.append(
            {
                "organization_id": org_id,
                "message_id": m.message_id,
                "type": m.type,
                "name": m.name,
                "customer_id": cid,
                "touchpoint_id": tp,
                "channel": channel,
                "location_id": loc_id,
                "order_id": m.properties.get("order_id"),
                "occurred_at": m.timestamp,
                "received_at": received,
                "properties": m.properties or None,
                "unmapped": tp is None,
                "sync_mark": mark,
            }
        )
    upsert_orders(conn, org_id, orders, mark)
    wanted = [str(r["order_id"]) for r in rows if r["order_id"] is not None]
    order_map = order_ids(conn, org_id, wanted) if wanted else {}
    if refunds:
        _mark_refunded(conn, org_id, [order_map[o] for o in refunds if o in order_map], mark)
    for r in rows:
        r["order_id"] = order_map.get(str(r["order_id"])) if r["order_id"] is not None else None
    inserted = insert_rows(conn, t, rows, ignore_conflicts_on=("organization_id", "message_id"))
    faults.extend(batch_faults)
    return inserted, len(event_msgs) - len(batch_faults) - inserted


def _mark_refunded(conn: Connection, org_id: int, ids: list[int], mark: int) -> None:
    from cxm.ingest.models import Order

    ot = table(Order)
    if ids:
        conn.execute(
            ot.update()
            .where(ot.c.organization_id == org_id, ot.c.id.in_(ids))
            .values(refunded=True, status="refunded", sync_mark=mark)
        )


def known_message_ids(conn: Connection, org_id: int, ids: list[str]) -> set[str]:
    """Which of these message ids are stored already (plain driver SQL: it runs per batch)."""
    known: set[str] = set()
    sqlite = conn.dialect.name == "sqlite"
    for start in range(0, len(ids), 900):
        chunk = ids[start : start + 900]
        if sqlite:
            sql = (
                "SELECT message_id FROM event WHERE organization_id = ? AND message_id IN "
                f"({', '.join('?' * len(chunk))})"
            )
            rows = conn.exec_driver_sql(sql, (org_id, *chunk))
        else:
            sql = "SELECT message_id FROM event WHERE organization_id = %s AND message_id = ANY(%s)"
            rows = conn.exec_driver_sql(sql, (org_id, chunk))
        known.update(r[0] for r in rows)
    return known
