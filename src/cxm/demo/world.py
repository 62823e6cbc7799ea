"""Writing the demo world into the store: catalogue, then customers in chunks, set-wise."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import Connection, select

from cxm.core.auth import get_or_create_organization
from cxm.core.bulk import insert_returning_ids, insert_rows
from cxm.core.changes import change_mark
from cxm.core.db import Database, table
from cxm.core.errors import Conflict
from cxm.demo.catalogue import Catalogue, build_catalogue
from cxm.demo.comments import write_comments
from cxm.demo.journeys import SimulatedCustomer, simulate
from cxm.demo.responses import create_survey, write_responses
from cxm.ingest.models import Customer, CustomerIdentity, Event, Order, ShipmentUpdate

Size = Literal["small", "medium", "large"]
CUSTOMERS: dict[str, int] = {"small": 2_000, "medium": 20_000, "large": 200_000}
BROWSING: dict[str, int] = {"small": 1, "medium": 1, "large": 2}  # large: busier traffic
CHUNK = 2_000
ORG_SLUG = "demo"


@dataclass(frozen=True)
class DemoSummary:
    organization_id: int
    customers: int
    events: int
    orders: int
    shipment_updates: int
    responses: int
    feedback: int
    locations: int
    touchpoints: int


def generate(
    db: Database,
    size: Size = "medium",
    seed: int = 7,
    progress: Callable[[str, int, int], None] | None = None,
) -> DemoSummary:
    """Build the demo retailer into a migrated store; refuses if it has demo data already."""
    report = progress or (lambda step, done, total: None)
    with db.session() as s:
        org_id = get_or_create_organization(s, ORG_SLUG, "Demo Retail").id
        if s.scalar(select(Event.id).where(Event.organization_id == org_id).limit(1)):
            raise Conflict("The store has demo data already; use a fresh data directory.")
    with db.writer() as conn:
        catalogue = build_catalogue(conn, org_id)
        survey = create_survey(conn, org_id, change_mark(conn))
    total = CUSTOMERS[size]
    counts = {
        "customers": 0,
        "events": 0,
        "orders": 0,
        "shipments": 0,
        "responses": 0,
        "feedback": 0,
    }
    report("Customers and journeys", 0, total)
    for start in range(0, total, CHUNK):
        people = [
            simulate(seed, i, BROWSING[size]) for i in range(start, min(total, start + CHUNK))
        ]
        with db.writer() as conn:
            ids = _write(conn, org_id, catalogue, people, counts)
            counts["feedback"] += write_comments(
                conn, org_id, catalogue, seed, people, *ids, change_mark(conn)
            )
            counts["responses"] += write_responses(
                conn, org_id, catalogue, survey, seed, people, *ids, change_mark(conn)
            )
        report("Customers and journeys", counts["customers"], total)
    return DemoSummary(
        org_id,
        counts["customers"],
        counts["events"],
        counts["orders"],
        counts["shipments"],
        counts["responses"],
        counts["feedback"],
        len(catalogue.location_ids),
        len(set(catalogue.touchpoint_ids.values())),
    )


def _write(
    conn: Connection,
    org_id: int,
    cat: Catalogue,
    people: list[SimulatedCustomer],
    counts: dict[str, int],
) -> tuple[list[int], dict[str, int]]:
    mark = change_mark(conn)
    received = datetime.now(UTC)
    customer_ids = insert_returning_ids(
        conn,
        table(Customer),
        [
            {
                "organization_id": org_id,
                "name": p.name,
                "language": p.language,
                "segment": p.segment,
                "traits": None,
                "merged_into": None,
                "first_seen_at": p.first_seen_at,
                "sync_mark": mark,
            }
            for p in people
        ],
    )
    insert_rows(
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
    order_rows: list[dict[str, Any]] = []
    for p, cid in zip(people, customer_ids, strict=True):
        for o in p.orders:
            order_rows.append(
                {
                    "organization_id": org_id,
                    "external_id": o["external_id"],
                    "customer_id": cid,
                    "channel": o["channel"],
                    "location_id": cat.store_ids[o["store"]] if o["store"] else None,
                    "amount": Decimal(str(o["amount"])),
                    "currency": "UAH",
                    "placed_at": o["placed_at"],
                    "promised_delivery_date": o["promised"],
                    "status": "placed",
                    "refunded": False,
                    "sync_mark": mark,
                }
            )
    order_ids = dict(
        zip(
            (r["external_id"] for r in order_rows),
            insert_returning_ids(conn, table(Order), order_rows),
            strict=True,
        )
    )
    insert_rows(
        conn,
        table(ShipmentUpdate),
        [
            {
                "organization_id": org_id,
                "order_id": order_ids[s["order"]],
                "status": s["status"],
                "occurred_at": s["occurred_at"],
                "new_eta": s["new_eta"],
                "message_id": s["message_id"],
                "sync_mark": mark,
            }
            for p in people
            for s in p.shipments
        ],
    )
    events: list[dict[str, Any]] = []
    for p, cid in zip(people, customer_ids, strict=True):
        for e in p.events:
            tp = cat.touchpoint(e["name"], e["channel"])
            events.append(
                {
                    "organization_id": org_id,
                    "message_id": e["message_id"],
                    "type": "track",
                    "name": e["name"],
                    "customer_id": cid,
                    "touchpoint_id": tp,
                    "channel": e["channel"],
                    "location_id": cat.store_ids[e["store"]] if e["store"] else None,
                    "order_id": order_ids.get(e["order"]) if e["order"] else None,
                    "occurred_at": e["occurred_at"],
                    "received_at": received,
                    "properties": e["properties"],
                    "unmapped": tp is None,
                    "sync_mark": mark,
                }
            )
    # Arrival order follows time within a chunk, as a live feed would.
    events.sort(key=lambda r: r["occurred_at"])
    insert_rows(conn, table(Event), events)
    counts["customers"] += len(people)
    counts["events"] += len(events)
    counts["orders"] += len(order_rows)
    counts["shipments"] += sum(len(p.shipments) for p in people)
    return customer_ids, order_ids
