"""Demo rows are what ingestion itself would store, and arrive through the spool in order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from cxm.core.db import Database
from cxm.demo.catalogue import build_catalogue
from cxm.demo.spool import Spool
from cxm.ingest.events import ingest_batch
from cxm.ingest.models import Customer, CustomerIdentity, Event, Location, Order, Touchpoint
from cxm.ingest.touchpoints import TouchpointMapper
from tests.factories import organization
from tests.worlds import World


def _events(db: Database, org_id: int, customer_ids: list[int]) -> list[dict[str, Any]]:
    with db.session() as s:
        rows = s.execute(
            select(
                Event.message_id,
                Event.type,
                Event.name,
                Event.channel,
                Touchpoint.code.label("touchpoint"),
                Location.code.label("location"),
                Order.external_id.label("order"),
                Event.occurred_at,
                Event.properties,
                Event.unmapped,
            )
            .outerjoin(Touchpoint, Touchpoint.id == Event.touchpoint_id)
            .outerjoin(Location, Location.id == Event.location_id)
            .outerjoin(Order, Order.id == Event.order_id)
            .where(Event.organization_id == org_id, Event.customer_id.in_(customer_ids))
            .order_by(Event.message_id)
        ).all()
    return [r._asdict() for r in rows]


def _orders(db: Database, org_id: int, customer_ids: list[int]) -> list[tuple[Any, ...]]:
    with db.session() as s:
        rows = s.execute(
            select(
                Order.external_id,
                Order.channel,
                Location.code,
                Order.amount,
                Order.currency,
                Order.placed_at,
                Order.promised_delivery_date,
                Order.status,
                Order.refunded,
            )
            .outerjoin(Location, Location.id == Order.location_id)
            .where(Order.organization_id == org_id, Order.customer_id.in_(customer_ids))
            .order_by(Order.external_id)
        ).all()
    return [tuple(r) for r in rows]


def test_demo_rows_equal_what_ingestion_stores_for_the_same_messages(
    small_world: World, sqlite_db: Database
) -> None:
    demo = small_world.db
    with demo.session() as s:
        demo_org = s.scalar(select(Customer.organization_id).limit(1))
        people = s.execute(
            select(Customer.id, CustomerIdentity.value)
            .join(CustomerIdentity, CustomerIdentity.customer_id == Customer.id)
            .where(CustomerIdentity.kind == "user_id")
            .order_by(Customer.id)
            .limit(40)
        ).all()
    assert demo_org is not None
    expected = _events(demo, demo_org, [cid for cid, _ in people])
    user_of = dict(people)
    with demo.session() as s:
        owner = dict(
            s.execute(
                select(Event.message_id, Event.customer_id).where(
                    Event.customer_id.in_(list(user_of))
                )
            ).all()
        )
    messages = [
        {
            "type": "track",
            "messageId": e["message_id"],
            "event": e["name"],
            "userId": user_of[owner[e["message_id"]]],
            "timestamp": e["occurred_at"].isoformat(),
            "properties": e["properties"],
        }
        for e in expected
    ]
    org = organization(sqlite_db, "replay")
    with sqlite_db.writer() as conn:
        build_catalogue(conn, org)
    result = ingest_batch(sqlite_db, org, messages)  # type: ignore[arg-type]
    assert result.accepted == len(messages), result
    with sqlite_db.session() as s:
        replayed_ids = list(s.scalars(select(Customer.id).where(Customer.organization_id == org)))
    assert _events(sqlite_db, org, replayed_ids) == expected
    assert _orders(sqlite_db, org, replayed_ids) == _orders(
        demo, demo_org, [cid for cid, _ in people]
    )


def test_every_stored_event_maps_as_the_touchpoint_rules_map_it(small_world: World) -> None:
    with small_world.db.session() as s:
        org_id = s.scalar(select(Touchpoint.organization_id).limit(1))
        assert org_id is not None
        mapper = TouchpointMapper.load(s.connection(), org_id)
        rows = s.execute(
            select(Event.name, Event.channel, Event.properties, Event.touchpoint_id)
        ).all()
    for name, channel, properties, touchpoint in rows:
        assert mapper.match(name, channel, properties.get("store"), properties) == touchpoint


def test_the_spool_gives_rows_back_in_time_order_across_chunks(tmp_path: Path) -> None:
    origin = datetime(2026, 1, 1, tzinfo=UTC)
    spool = Spool(tmp_path, "t", 1, origin)
    first = [("a", origin + timedelta(days=2, hours=1)), ("b", origin + timedelta(hours=5))]
    second = [("c", origin + timedelta(hours=1)), ("d", origin + timedelta(days=2))]
    for chunk in (first, second):
        spool.add(list(chunk), [t for _, t in chunk])
    batches = list(spool.batches(2))
    assert [[r[0] for r in b] for b in batches] == [["c", "b"], ["d", "a"]]
    assert spool.count == 4 and not list(tmp_path.iterdir())
