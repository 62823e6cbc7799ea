"""Feedback intake: validate each item, tie it to customer, order and touchpoint, store once."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import select

from cxm.core.bulk import insert_rows
from cxm.core.changes import change_mark
from cxm.core.db import Database, table
from cxm.core.errors import Fault
from cxm.core.validation import validate_each
from cxm.feedback.models import Feedback
from cxm.feedback.schemas import FeedbackIn
from cxm.ingest.identity import Claim, resolve
from cxm.ingest.models import Touchpoint
from cxm.ingest.orders import location_ids, order_ids
from cxm.ingest.schemas import BatchResult
from cxm.text.enrichment import queue_enrichment

_items = TypeAdapter(FeedbackIn)


def _utc(ts: datetime) -> datetime:
    return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)


def external_id(item: FeedbackIn) -> str:
    """The item's own id, or one derived from its content (so re-sends are stored once)."""
    if item.id:
        return item.id
    keys = item.customer.keys() if item.customer else []
    basis = "|".join([item.kind, _utc(item.occurred_at).isoformat(), repr(keys), item.text])
    return "fb-" + hashlib.sha1(basis.encode()).hexdigest()[:32]


def ingest_feedback(
    db: Database,
    org_id: int,
    raw: list[object],
    now: datetime | None = None,
    data_dir: Path | None = None,
) -> BatchResult:
    """Store feedback items once each and queue their text enrichment in the same commit."""
    now = now or datetime.now(UTC)
    good, faults = validate_each(_items, raw, lambda f: f.occurred_at, now=now)
    if not good:
        return BatchResult.of(0, 0, faults)
    with db.writer() as conn:
        tt = table(Touchpoint)
        touchpoints = dict(
            conn.execute(select(tt.c.code, tt.c.id).where(tt.c.organization_id == org_id)).all()
        )
        locations = location_ids(conn, org_id)
        orders = order_ids(conn, org_id, [f.order_id for _, f in good if f.order_id])
        kept: list[tuple[int, FeedbackIn]] = []
        for i, f in good:
            for value, known, field in (
                (f.touchpoint, touchpoints, "touchpoint"),
                (f.location, locations, "location"),
                (f.order_id, orders, "order_id"),
            ):
                if value is not None and value not in known:
                    faults.append(Fault(f"unknown {field.replace('_', ' ')} {value!r}", field, i))
                    break
            else:
                kept.append((i, f))
        mark = change_mark(conn)
        with_customer = [f for _, f in kept if f.customer and f.customer.keys()]
        claims = [
            Claim(f.customer.keys(), _utc(f.occurred_at), f.customer.keys()[0])  # type: ignore[union-attr]
            for f in with_customer
        ]
        ids = iter(resolve(conn, org_id, claims, mark).customer_ids)
        rows: list[dict[str, Any]] = []
        for _, f in kept:
            customer = next(ids) if f.customer and f.customer.keys() else None
            rows.append(
                {
                    "organization_id": org_id,
                    "external_id": external_id(f),
                    "kind": f.kind,
                    "text": f.text,
                    "channel": f.channel,
                    "touchpoint_id": touchpoints.get(f.touchpoint) if f.touchpoint else None,
                    "location_id": locations.get(f.location) if f.location else None,
                    "customer_id": customer,
                    "order_id": orders.get(f.order_id) if f.order_id else None,
                    "category": f.category,
                    "language": f.language,
                    "rating": f.rating,
                    "occurred_at": _utc(f.occurred_at),
                    "received_at": now,
                    "sync_mark": mark,
                }
            )
        stored = insert_rows(
            conn, table(Feedback), rows, ignore_conflicts_on=("organization_id", "external_id")
        )
        if stored:
            queue_enrichment(conn, org_id, data_dir)
    return BatchResult.of(stored, len(rows) - stored, faults)
