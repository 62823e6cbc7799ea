"""The overview's figures, checked against a small hand-computed case."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from cxm.analytics.backend import Analytics
from cxm.analytics.overview import load_overview
from cxm.core.db import Database
from cxm.core.settings import Settings
from cxm.ingest.events import ingest_batch
from cxm.ingest.orders import ingest_orders, ingest_shipments
from cxm.ingest.touchpoints import add_rule, add_touchpoint
from tests.factories import organization, track


def test_overview_counts_weeks_in_kyiv_time_and_delivery_punctuality(
    db: Database, tmp_path: Path
) -> None:
    org = organization(db)
    with db.writer() as conn:
        tp = add_touchpoint(conn, org, "web_pdp", "Product page", "web", "pre_purchase")
        add_rule(conn, org, tp, event_name="Product Viewed")
    ingest_batch(
        db,
        org,
        [
            # Sunday 22:30 UTC is already Monday 00:30 in Kyiv (UTC+2): next week.
            track("e1", timestamp="2026-03-01T22:30:00Z", channel="web"),
            track("e2", timestamp="2026-03-01T12:00:00Z", channel="web", user_id="u2"),
            track("e3", "Store Visit", timestamp="2026-03-03T12:00:00Z", channel="store"),
        ],
    )
    orders = [
        {
            "order_id": oid,
            "customer": {"user_id": "u1"},
            "channel": "web",
            "amount": 10,
            "placed_at": "2026-03-02T08:00:00Z",
            "promised_delivery_date": "2026-03-05",
        }
        for oid in ("o1", "o2", "o3")
    ]
    ingest_orders(db, org, orders)
    ingest_shipments(
        db,
        org,
        [
            # 2026-03-05 23:30 Kyiv: on time by the organization's calendar, late in UTC+3 terms.
            {"order_id": "o1", "status": "delivered", "occurred_at": "2026-03-05T21:30:00Z"},
            {"order_id": "o2", "status": "delivered", "occurred_at": "2026-03-06T09:00:00Z"},
        ],
    )
    analytics = Analytics(db, Settings(data_dir=tmp_path))
    ov = load_overview(analytics, org)
    analytics.close()
    assert (ov.customers, ov.events, ov.unmapped_events, ov.orders) == (2, 3, 1, 3)
    assert (ov.delivered_orders, ov.on_time_orders) == (2, 1)
    assert ov.punctuality == 0.5
    by_week = {(w.week, w.key): w.count for w in ov.events_by_channel}
    assert by_week == {
        (date(2026, 2, 23), "web"): 1,
        (date(2026, 3, 2), "web"): 1,
        (date(2026, 3, 2), "store"): 1,
    }
    stages = {(w.week, w.key): w.count for w in ov.events_by_stage}
    assert stages == {
        (date(2026, 2, 23), "pre_purchase"): 1,
        (date(2026, 3, 2), "pre_purchase"): 1,
        (date(2026, 3, 2), "unmapped"): 1,
    }


def test_overview_of_an_empty_organization_is_empty_not_an_error(
    db: Database, tmp_path: Path
) -> None:
    org = organization(db)
    analytics = Analytics(db, Settings(data_dir=tmp_path))
    ov = load_overview(analytics, org)
    analytics.close()
    assert ov.is_empty and ov.punctuality is None and ov.events_by_channel == []
