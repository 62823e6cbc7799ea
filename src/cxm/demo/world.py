"""Building the demo world into a store: the public ``generate`` and its summary.

The catalogue comes first, then customers a chunk at a time (with their orders, answers and
feedback), then events and shipment updates in the order they would have arrived.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Literal

from sqlalchemy import select

from cxm.core.auth import get_or_create_organization
from cxm.core.changes import change_mark
from cxm.core.db import Database, table
from cxm.core.errors import Conflict, ValidationError
from cxm.demo.catalogue import build_catalogue
from cxm.demo.comments import write_comments
from cxm.demo.employees import write_employee_pulse
from cxm.demo.gap_answers import create_gap_survey, write_gap_answers
from cxm.demo.invitations import Decider, create_triggers, write_views
from cxm.demo.journeys import simulate
from cxm.demo.population import END, START
from cxm.demo.records import (
    EVENT_ARRIVAL,
    EVENT_COLUMNS,
    SHIPMENT_ARRIVAL,
    SHIPMENT_COLUMNS,
    event_rows,
    shipment_rows,
    write_people,
    write_ring,
)
from cxm.demo.responses import create_survey
from cxm.demo.ring import RING
from cxm.demo.spool import Spool
from cxm.demo.storage import Encoding, write_encoded
from cxm.ingest.models import Customer, Event, Location, ShipmentUpdate, Touchpoint
from cxm.surveys.comments import copy_comments
from cxm.surveys.distribution import ensure_tick

Size = Literal["small", "medium", "large"]
CUSTOMERS: dict[str, int] = {"small": 2_000, "medium": 20_000, "large": 200_000}
BROWSING: dict[str, int] = {"small": 1, "medium": 1, "large": 2}  # large: busier traffic
CHUNK = 2_000  # customers simulated and written per transaction
BATCH = 50_000  # events or shipment updates per transaction, in arrival order
ORG_SLUG = "demo"
ORG_NAME = "Demo Retail"
STEP_PEOPLE = "Customers and journeys"
STEP_ARRIVALS = "Events in arrival order"


@dataclass(frozen=True)
class DemoSummary:
    organization_id: int
    customers: int
    events: int
    orders: int
    shipment_updates: int
    locations: int
    touchpoints: int
    responses: int = 0
    feedback: int = 0


def _quiet(step: str, done: int, total: int) -> None:
    return None


def generate(
    db: Database,
    size: Size = "medium",
    seed: int = 7,
    progress: Callable[[str, int, int], None] | None = None,
) -> DemoSummary:
    """Build the demo retailer into a migrated store; the same seed gives the same world.

    Refuses (Conflict) when the demo organization already has customers, events, locations
    or touchpoints, so running it twice never duplicates anything. ``progress(step, done,
    total)`` is called after each chunk of work.
    """
    if size not in CUSTOMERS:
        raise ValidationError(f"size must be one of {', '.join(CUSTOMERS)}, not {size!r}")
    report = progress or _quiet
    org_id = _empty_organization(db)
    enc = Encoding(db.engine.dialect.name)
    with db.writer() as conn:
        catalogue = build_catalogue(conn, org_id)
        survey = create_survey(conn, org_id, change_mark(conn))
        gap_survey = create_gap_survey(conn, org_id, change_mark(conn))
        trigger_ids = create_triggers(conn, org_id, survey[0], catalogue)
    customers = orders = responses = feedback = 0
    total = CUSTOMERS[size]
    with tempfile.TemporaryDirectory(prefix="cxm-demo-") as tmp:
        origin = START - timedelta(days=1)
        events = Spool(Path(tmp), "events", EVENT_ARRIVAL, origin)
        shipments = Spool(Path(tmp), "shipments", SHIPMENT_ARRIVAL, origin)
        invitations = Decider(Path(tmp), org_id, survey, seed, catalogue, trigger_ids)
        gap_views: Counter[tuple[date, str]] = Counter()
        report(STEP_PEOPLE, 0, total + RING.reviews)
        for start in range(0, total, CHUNK):
            people = [
                simulate(seed, i, BROWSING[size]) for i in range(start, min(total, start + CHUNK))
            ]
            with db.writer() as conn:
                customer_ids, order_ids = write_people(conn, org_id, catalogue, people)
                mark = change_mark(conn)
                feedback += write_comments(
                    conn, org_id, catalogue, seed, people, customer_ids, order_ids, mark
                )
                responses += invitations.decide(conn, people, customer_ids, order_ids, mark)
                responses += write_gap_answers(
                    conn, org_id, catalogue, gap_survey, seed, people, customer_ids, mark, gap_views
                )
            events.add(*event_rows(enc, org_id, catalogue, people, customer_ids, order_ids))
            shipments.add(*shipment_rows(enc, org_id, people, order_ids))
            customers += len(people)
            orders += len(order_ids)
            report(STEP_PEOPLE, customers, total + RING.reviews)
        with db.writer() as conn:
            events.add(*write_ring(conn, enc, org_id, catalogue, seed))
            responses += write_employee_pulse(conn, org_id, catalogue, seed, change_mark(conn))
        customers += RING.reviews
        report(STEP_PEOPLE, customers, customers)
        n_events, n_shipments = events.count, shipments.count
        done, to_do = 0, n_events + n_shipments
        report(STEP_ARRIVALS, done, to_do)
        for spool, target, columns in (
            (shipments, table(ShipmentUpdate), SHIPMENT_COLUMNS),
            (events, table(Event), EVENT_COLUMNS),
        ):
            for batch in spool.batches(BATCH):
                with db.writer() as conn:
                    done += write_encoded(conn, target, columns, batch, change_mark(conn))
                report(STEP_ARRIVALS, done, to_do)
        with db.writer() as conn:
            responses += invitations.finish(conn, change_mark(conn))
            write_views(conn, gap_survey[0], "link", gap_views)
            ensure_tick(conn, org_id)
        with db.writer() as conn:  # survey comments are feedback, read with the rest
            feedback += copy_comments(conn, org_id, now=END, mark=change_mark(conn), queue=False)
    return DemoSummary(
        org_id,
        customers,
        n_events,
        orders,
        n_shipments,
        len(catalogue.location_ids),
        len(set(catalogue.touchpoint_ids.values())),
        responses,
        feedback,
    )


def _empty_organization(db: Database) -> int:
    with db.session() as s:
        org_id = get_or_create_organization(s, ORG_SLUG, ORG_NAME).id
        for model in (Event, Customer, Location, Touchpoint):
            found = s.scalar(select(model.id).where(model.organization_id == org_id).limit(1))
            if found is not None:
                raise Conflict(
                    f"The organization '{ORG_SLUG}' already has {model.__tablename__} rows; "
                    "the demo world is built only into an empty one (use a fresh data directory)."
                )
    return org_id
