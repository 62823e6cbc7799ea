"""One rule for a late delivery, the same in every analysis that takes it from punctuality."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from cxm.analytics.backend import Analytics
from cxm.analytics.order_facts import OrderQuery, order_facts
from cxm.analytics.punctuality import order_delivery, order_punctuality
from cxm.analytics.sales import sales_figures
from cxm.core.bulk import insert_returning_ids, insert_rows
from cxm.core.changes import change_mark
from cxm.core.db import Database, table
from cxm.core.settings import Settings
from cxm.ingest.models import Customer, Order, ShipmentUpdate
from tests.factories import organization

PROMISED = date(2026, 10, 5)
# Each order (promised for 5 October unless said otherwise), its shipment updates (UTC) and
# what the rule makes of it; the organization's time is Kyiv's (UTC+3 in early October).
CASES = {
    "on the day": (PROMISED, [("delivered", "2026-10-05T12:00")], "on_time", 0),
    # 22:30 UTC on 5 October is 01:30 on 6 October in Kyiv: a day late.
    "after midnight": (PROMISED, [("delivered", "2026-10-05T22:30")], "late", 1),
    "delayed, early": (
        PROMISED,
        [("delayed", "2026-10-02T09:00"), ("delivered", "2026-10-04T12:00")],
        "late",
        -1,
    ),
    "no promise": (
        None,
        [("delayed", "2026-10-02T09:00"), ("delivered", "2026-10-09T12:00")],
        "(no delivery)",
        None,
    ),
    "no updates": (PROMISED, [], "on_time", None),
}


def _world(db: Database) -> tuple[int, dict[int, str]]:
    """The cases' orders, placed on 1 October by one customer; their ids by case."""
    org = organization(db)
    when = datetime(2026, 10, 1, 12, tzinfo=UTC)
    with db.writer() as conn:
        mark = change_mark(conn)
        [who] = insert_returning_ids(
            conn,
            table(Customer),
            [{"organization_id": org, "first_seen_at": when, "sync_mark": mark}],
        )
        ids = insert_returning_ids(
            conn,
            table(Order),
            [
                {
                    "organization_id": org,
                    "external_id": name,
                    "customer_id": who,
                    "channel": "web",
                    "amount": 100,
                    "currency": "UAH",
                    "placed_at": when,
                    "status": "placed",
                    "promised_delivery_date": promised,
                    "refunded": False,
                    "sync_mark": mark,
                }
                for name, (promised, *_rest) in CASES.items()
            ],
        )
        names = dict(zip(ids, CASES, strict=True))
        updates = [
            (order, status, at) for order, name in names.items() for status, at in CASES[name][1]
        ]
        insert_rows(
            conn,
            table(ShipmentUpdate),
            [
                {
                    "organization_id": org,
                    "order_id": order,
                    "status": status,
                    "occurred_at": datetime.fromisoformat(at).replace(tzinfo=UTC),
                    "message_id": f"s{i}",
                    "sync_mark": mark,
                }
                for i, (order, status, at) in enumerate(updates)
            ],
        )
    return org, names


def test_the_rule_by_hand_in_organization_time(db: Database, tmp_path: Path) -> None:
    org, names = _world(db)
    analytics = Analytics(db, Settings(data_dir=tmp_path))
    try:
        with analytics.fresh() as con:
            rows = order_delivery(con, org).to_pyarrow().to_pylist()
            short = order_punctuality(con, org).to_pyarrow().to_pylist()
    finally:
        analytics.close()
    found = {names[r["punctual_order"]]: r["delivery"] for r in rows}
    assert found == {name: case[2] for name, case in CASES.items()}
    assert {names[r["punctual_order"]]: r["delivery"] for r in short} == found
    days = {names[r["punctual_order"]]: r["delivered_on"] for r in rows}
    assert days["after midnight"] == date(2026, 10, 6)  # the organization's day, not UTC's
    assert days["no updates"] is None


def test_order_facts_and_sales_take_lateness_from_the_rule(db: Database, tmp_path: Path) -> None:
    org, names = _world(db)
    analytics = Analytics(db, Settings(data_dir=tmp_path))
    try:
        with analytics.fresh() as con:
            facts = order_facts(con, org, OrderQuery()).to_dicts()
        sales = sales_figures(analytics, org, "returns", "delivery", "2026-10")
    finally:
        analytics.close()
    by_case = {names[r["order_id"]]: r for r in facts}
    for name, (promised, _updates, delivery, days_late) in CASES.items():
        fact = by_case[name]
        assert fact["delivery"] is (promised is not None), name
        assert fact["late"] is (delivery == "late"), name  # "no promise" was delayed: not late
        assert fact["days_late"] == days_late, name
    # Orders per group, as the sales KPIs' delivery breakdown counts them.
    assert {f.key: f.estimate.n for f in sales} == {"on_time": 2, "late": 2, "(no delivery)": 1}
