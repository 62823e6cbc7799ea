"""The demo world in the store: deterministic, complete, and in the intended proportions."""

from __future__ import annotations

import dataclasses
from collections import Counter
from datetime import UTC, datetime, time
from typing import Any

import pytest
from sqlalchemy import func, select

from cxm.core.db import Database
from cxm.core.errors import Conflict, ValidationError
from cxm.demo import truths as T
from cxm.demo.journeys import simulate
from cxm.demo.world import CUSTOMERS, STEP_ARRIVALS, STEP_PEOPLE, generate
from cxm.ingest.models import (
    Customer,
    CustomerIdentity,
    Event,
    Location,
    Order,
    ShipmentUpdate,
    Touchpoint,
)
from tests.worlds import SEED, World


def _utc(value: Any) -> Any:
    """SQLite gives stored times back naive (they are UTC); PostgreSQL gives them aware."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value


def _plain(rows: Any) -> list[tuple[Any, ...]]:
    return [tuple(_utc(v) for v in row) for row in rows]


def _first_rows(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    with db.session() as s:
        events = s.execute(
            select(
                Event.message_id,
                Event.name,
                Event.channel,
                Touchpoint.code,
                Location.code,
                Order.external_id,
                Event.occurred_at,
                Event.received_at,
                Event.properties,
                Event.unmapped,
            )
            .outerjoin(Touchpoint, Touchpoint.id == Event.touchpoint_id)
            .outerjoin(Location, Location.id == Event.location_id)
            .outerjoin(Order, Order.id == Event.order_id)
            .order_by(Event.id)
            .limit(300)
        ).all()
        customers = s.execute(
            select(Customer.name, Customer.language, Customer.segment, Customer.first_seen_at)
            .order_by(Customer.id)
            .limit(50)
        ).all()
        orders = s.execute(
            select(
                Order.external_id,
                Order.channel,
                Order.amount,
                Order.placed_at,
                Order.promised_delivery_date,
                Order.refunded,
            )
            .order_by(Order.id)
            .limit(50)
        ).all()
    return {"events": _plain(events), "customers": _plain(customers), "orders": _plain(orders)}


def test_same_seed_builds_the_same_world_on_every_database(
    db: Database, small_world: World
) -> None:
    calls: list[tuple[str, int, int]] = []
    summary = generate(db, "small", seed=SEED, progress=lambda *a: calls.append(a))
    assert dataclasses.replace(summary, organization_id=0) == dataclasses.replace(
        small_world.summary, organization_id=0
    )
    assert _first_rows(db) == _first_rows(small_world.db)
    # The same invitations, answers and page views, so the same response rates.
    from cxm.surveys.response_rate import response_rates

    assert response_rates(db, summary.organization_id, by="month") == response_rates(
        small_world.db, small_world.summary.organization_id, by="month"
    )
    steps = [step for step, _, _ in calls]
    assert steps.index(STEP_PEOPLE) < steps.index(STEP_ARRIVALS)
    last = {step: (done, total) for step, done, total in calls}
    assert last[STEP_PEOPLE] == (summary.customers, summary.customers)
    assert last[STEP_ARRIVALS] == (
        summary.events + summary.shipment_updates,
        summary.events + summary.shipment_updates,
    )


def test_another_seed_gives_other_customers() -> None:
    a, b = simulate(SEED, 42), simulate(SEED + 1, 42)
    assert [e.occurred_at for e in a.events] != [e.occurred_at for e in b.events]
    assert [e.message_id for e in simulate(SEED, 42).events] == [e.message_id for e in a.events]


def test_building_twice_is_refused_and_adds_nothing(small_world: World) -> None:
    def count() -> int | None:
        with small_world.db.session() as s:
            return s.scalar(select(func.count()).select_from(Event))

    before = count()
    with pytest.raises(Conflict, match="already has"):
        generate(small_world.db, "small", seed=SEED)
    assert count() == before


def test_an_unknown_size_is_refused(sqlite_db: Database) -> None:
    with pytest.raises(ValidationError, match="size"):
        generate(sqlite_db, "huge", seed=SEED)  # type: ignore[arg-type]


def test_summary_counts_match_the_stored_rows(small_world: World) -> None:
    summary = small_world.summary
    with small_world.db.session() as s:

        def count(model: Any) -> int | None:
            return s.scalar(select(func.count()).select_from(model))

        assert count(Customer) == summary.customers == CUSTOMERS["small"] + T.FAKE_REVIEWS.reviews
        assert count(Event) == summary.events
        assert count(Order) == summary.orders
        assert count(ShipmentUpdate) == summary.shipment_updates
        assert count(Location) == summary.locations
        assert count(Touchpoint) == summary.touchpoints
    assert summary.events > 50_000 and summary.orders > 4_000


def test_every_reference_points_at_a_stored_row(small_world: World) -> None:
    with small_world.db.session() as s:
        orphan_events = s.scalar(
            select(func.count())
            .select_from(Event)
            .where(Event.customer_id.not_in(select(Customer.id)))
        )
        orphan_orders = s.scalar(
            select(func.count())
            .select_from(Event)
            .where(Event.order_id.is_not(None), Event.order_id.not_in(select(Order.id)))
        )
        store_ids = select(Location.id).where(Location.kind == "store")
        not_a_store = s.scalar(
            select(func.count())
            .select_from(Event)
            .where(Event.location_id.is_not(None), Event.location_id.not_in(store_ids))
        )
        customers_without_identity = s.scalar(
            select(func.count())
            .select_from(Customer)
            .where(Customer.id.not_in(select(CustomerIdentity.customer_id)))
        )
    assert orphan_events == orphan_orders == not_a_store == customers_without_identity == 0


def test_event_ids_follow_arrival_order(small_world: World) -> None:
    with small_world.db.session() as s:
        rows = s.execute(select(Event.occurred_at, Event.received_at).order_by(Event.id)).all()
        shipments = list(s.scalars(select(ShipmentUpdate.occurred_at).order_by(ShipmentUpdate.id)))
    received = [r.received_at for r in rows]
    assert received == sorted(received)
    assert all(r.occurred_at <= r.received_at for r in rows)
    assert shipments == sorted(shipments)
    # Arrival is not occurrence: some events (batched tills, offline phones) come late.
    occurred = [r.occurred_at for r in rows]
    assert occurred != sorted(occurred)


def test_stores_stand_in_several_cities_beside_the_other_locations(small_world: World) -> None:
    with small_world.db.session() as s:
        locations = s.execute(select(Location.kind, Location.city)).all()
    stores = [city for kind, city in locations if kind == "store"]
    assert len(stores) == 10 and len(set(stores)) >= 5
    assert {"Kyiv", "Lviv", "Odesa", "Kharkiv", "Dnipro"} <= set(stores)
    assert {kind for kind, _ in locations} == {"store", "warehouse", "contact_centre", "online"}


def test_journeys_cross_every_stage_and_channel(small_world: World) -> None:
    with small_world.db.session() as s:
        seen = set(
            s.execute(
                select(Touchpoint.stage, Event.channel)
                .join(Touchpoint, Touchpoint.id == Event.touchpoint_id)
                .distinct()
            ).all()
        )
    assert {stage for stage, _ in seen} == {
        "pre_purchase",
        "purchase",
        "delivery",
        "use",
        "after_sales",
    }
    assert {channel for _, channel in seen} == {
        "store",
        "web",
        "app",
        "contact_centre",
        "delivery",
        "email",
        "social",
    }


def test_unmapped_events_are_a_small_but_nonzero_share(small_world: World) -> None:
    with small_world.db.session() as s:
        unmapped = s.execute(select(Event.name, Event.touchpoint_id).where(Event.unmapped)).all()
        mapped_without_touchpoint = s.scalar(
            select(func.count())
            .select_from(Event)
            .where(Event.unmapped.is_(False), Event.touchpoint_id.is_(None))
        )
    share = len(unmapped) / small_world.summary.events
    assert 0.002 < share < 0.01
    assert {name for name, _ in unmapped} == {"Legacy Kiosk Ping"}
    assert all(tp is None for _, tp in unmapped) and mapped_without_touchpoint == 0


def test_customers_speak_the_planted_languages(small_world: World) -> None:
    with small_world.db.session() as s:
        languages = Counter(s.scalars(select(Customer.language)))
    n = sum(languages.values())
    for language, share in T.LANGUAGES:
        assert abs(languages[language] / n - share) < 0.035


def test_orders_carry_channel_store_amount_and_promise(small_world: World) -> None:
    with small_world.db.session() as s:
        orders = s.execute(
            select(
                Order.channel,
                Order.location_id,
                Order.amount,
                Order.currency,
                Order.promised_delivery_date,
                Order.placed_at,
            )
        ).all()
        shipped = set(s.scalars(select(ShipmentUpdate.order_id).distinct()))
        with_shipments = s.scalar(
            select(func.count())
            .select_from(Order)
            .where(Order.id.in_(shipped), Order.promised_delivery_date.is_(None))
        )
    assert {o.channel for o in orders} == {"web", "app", "store"}
    assert all((o.location_id is not None) == (o.channel == "store") for o in orders)
    assert all(o.amount > 0 and o.currency == "UAH" for o in orders)
    assert all(
        o.promised_delivery_date is None or o.promised_delivery_date > o.placed_at.date()
        for o in orders
    )
    assert with_shipments == 0


def _order_facts(db: Database) -> dict[int, dict[str, Any]]:
    """Per delivered order: late, notified, contacts, customer, placed."""
    with db.session() as s:
        delivered = s.execute(
            select(Order.id, Order.customer_id, Order.placed_at).where(
                Order.promised_delivery_date.is_not(None)
            )
        ).all()
        delayed = set(
            s.scalars(select(ShipmentUpdate.order_id).where(ShipmentUpdate.status == "delayed"))
        )
        by_name = s.execute(
            select(Event.name, Event.order_id, func.count())
            .where(Event.order_id.is_not(None))
            .group_by(Event.name, Event.order_id)
        ).all()
    counts: dict[tuple[str, int | None], int] = {(n, o): c for n, o, c in by_name}
    return {
        o.id: {
            "late": o.id in delayed,
            "notified": counts.get(("Delay Notice Sent", o.id), 0) > 0,
            "contacts": counts.get(("Contact Centre Call", o.id), 0),
            "customer": o.customer_id,
            "placed": _utc(o.placed_at),
        }
        for o in delivered
    }


def test_about_a_fifth_of_delivered_orders_are_late(small_world: World) -> None:
    facts = _order_facts(small_world.db).values()
    share = sum(f["late"] for f in facts) / len(facts)
    assert abs(share - T.LATE_DELIVERY.share_of_delivered_orders) < 0.03


def test_proactive_notices_go_to_a_random_half_of_the_delayed_orders(small_world: World) -> None:
    facts = list(_order_facts(small_world.db).values())
    late = [f for f in facts if f["late"]]
    assert not any(f["notified"] for f in facts if not f["late"])
    assert abs(sum(f["notified"] for f in late) / len(late) - 0.5) < 0.07


def test_delayed_orders_bring_more_contacts_and_contact_loops(small_world: World) -> None:
    facts = list(_order_facts(small_world.db).values())
    late = [f["contacts"] for f in facts if f["late"]]
    on_time = [f["contacts"] for f in facts if not f["late"]]
    assert sum(late) / len(late) > 3 * sum(on_time) / len(on_time)
    loops_late = sum(c >= T.CONTACT_LOOP.threshold for c in late) / len(late)
    loops_on_time = sum(c >= T.CONTACT_LOOP.threshold for c in on_time) / len(on_time)
    assert abs(loops_late - T.CONTACT_LOOP.share_of_late_orders) < 0.05
    assert loops_on_time < 0.02


def test_churn_is_higher_after_a_late_delivery(small_world: World) -> None:
    facts = _order_facts(small_world.db)
    with small_world.db.session() as s:
        last_order = _plain(
            s.execute(
                select(Order.customer_id, func.max(Order.placed_at)).group_by(Order.customer_id)
            ).all()
        )
    cutoff = datetime.combine(T.CHURN_CUTOFF, time(23, 59), UTC)
    last = dict(last_order)
    seen = [f for f in facts.values() if f["placed"] <= cutoff]
    churned = {
        k: [f["placed"] == last[f["customer"]] for f in seen if f["late"] == k]
        for k in (True, False)
    }
    late = sum(churned[True]) / len(churned[True])
    on_time = sum(churned[False]) / len(churned[False])
    assert late - on_time > 0.1
    assert abs(late - T.LATE_DELIVERY.churn_observed_late) < 0.07
    assert abs(on_time - T.LATE_DELIVERY.churn_observed_on_time) < 0.05


def test_the_planted_checkout_step_loses_far_more_than_the_others(small_world: World) -> None:
    with small_world.db.session() as s:
        steps = s.execute(
            select(Event.properties).where(
                Event.name == "Checkout Step Viewed", Event.channel == "web"
            )
        ).scalars()
        reached = Counter(int(p["step"]) for p in steps)
        reached[len(T.CHECKOUT.steps) + 1] = (
            s.scalar(
                select(func.count())
                .select_from(Event)
                .where(Event.name == "Order Completed", Event.channel == "web")
            )
            or 0
        )
    drop = {k: 1 - reached[k + 1] / reached[k] for k in range(1, len(T.CHECKOUT.steps) + 1)}
    worst = max(drop, key=lambda k: drop[k])
    assert worst == T.CHECKOUT.worst_step
    assert drop[worst] > 3 * max(v for k, v in drop.items() if k != worst)
    assert abs(drop[worst] - T.CHECKOUT.drop_rates[worst - 1]) < T.CHECKOUT.tolerance


def test_a_funnel_pooling_app_and_web_steps_misleads_as_planted(small_world: World) -> None:
    with small_world.db.session() as s:
        steps = s.execute(
            select(Event.properties).where(Event.name == "Checkout Step Viewed")
        ).scalars()
        reached = Counter(int(p["step"]) for p in steps)
    pooled_step_2 = 1 - reached[3] / reached[2]
    assert abs(pooled_step_2 - T.CHECKOUT.pooled_drop_rates[1]) < 0.05


def test_the_fake_review_ring_has_accounts_without_orders_in_a_burst(small_world: World) -> None:
    ring = T.FAKE_REVIEWS
    with small_world.db.session() as s:
        ids = list(
            s.scalars(
                select(CustomerIdentity.customer_id).where(
                    CustomerIdentity.value.like(f"%@{ring.email_domain}")
                )
            )
        )
        orders = s.scalar(select(func.count()).select_from(Order).where(Order.customer_id.in_(ids)))
        first_seen = _plain(s.execute(select(Customer.first_seen_at).where(Customer.id.in_(ids))))
        views = s.execute(
            select(Event.name, Event.properties).where(Event.customer_id.in_(ids))
        ).all()
    assert len(ids) == ring.reviews and orders == 0
    start = datetime.combine(ring.burst_start, time(0), UTC)
    assert all(0 <= (t - start).total_seconds() < ring.burst_days * 86_400 for (t,) in first_seen)
    assert len(views) == ring.reviews
    assert all(n == "Product Viewed" and p["sku"] == ring.sku for n, p in views)
