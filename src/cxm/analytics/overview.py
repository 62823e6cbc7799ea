"""The overview: customers, events by channel and stage per week, orders and punctuality."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import ibis
from ibis import _

from cxm.analytics.backend import Analytics


@dataclass(frozen=True)
class WeekCount:
    week: date
    key: str
    count: int


@dataclass(frozen=True)
class WeekShare:
    week: date
    on_time: int
    delivered: int

    @property
    def share(self) -> float | None:
        return self.on_time / self.delivered if self.delivered else None


@dataclass(frozen=True)
class Overview:
    customers: int
    events: int
    unmapped_events: int
    orders: int
    delivered_orders: int
    on_time_orders: int
    events_by_channel: list[WeekCount]
    events_by_stage: list[WeekCount]
    orders_by_week: list[WeekCount]
    punctuality_by_week: list[WeekShare]

    @property
    def punctuality(self) -> float | None:
        return self.on_time_orders / self.delivered_orders if self.delivered_orders else None

    @property
    def is_empty(self) -> bool:
        return self.events == 0 and self.orders == 0


def _week(value: Any) -> date:
    return value.date() if isinstance(value, datetime) else value


def _weekly(expr: Any) -> list[WeekCount]:
    rows = expr.order_by(["week", "key"]).to_pyarrow().to_pylist()
    return [WeekCount(_week(r["week"]), str(r["key"]), int(r["n"])) for r in rows]


def delivery_outcomes(con: Any, org_id: int) -> Any:
    """Per delivered order: its delivery week (organization time) and whether it was on time."""
    orders = con.table("customer_order").filter(
        (_.organization_id == org_id) & _.promised_delivery_date.notnull()
    )
    delivered = (
        con.table("shipment_update")
        .filter((_.organization_id == org_id) & (_.status == "delivered"))
        .group_by("order_id")
        .aggregate(delivered_local=_.occurred_at_local.min())
    )
    joined = orders.join(delivered, orders.id == delivered.order_id)
    return joined.select(
        week=joined.delivered_local.truncate("W"),
        on_time=(joined.delivered_local.date() <= joined.promised_delivery_date).cast("int64"),
    )


def compute_overview(con: Any, org_id: int) -> Overview:
    """The overview as Ibis expressions, portable to any Ibis backend."""
    customers = con.table("customer").filter((_.organization_id == org_id) & _.merged_into.isnull())
    events = con.table("event").filter(_.organization_id == org_id)
    touchpoints = con.table("touchpoint").select(tp_id=_.id, stage=_.stage)
    orders = con.table("customer_order").filter(_.organization_id == org_id)

    totals = events.aggregate(n=_.count(), unmapped=_.unmapped.cast("int64").sum())
    t = totals.to_pyarrow().to_pylist()[0]
    by_channel = events.group_by(
        week=_.occurred_at_local.truncate("W"), key=_.channel.fill_null("unknown")
    ).aggregate(n=_.count())
    staged = events.left_join(touchpoints, events.touchpoint_id == touchpoints.tp_id)
    by_stage = staged.group_by(
        week=staged.occurred_at_local.truncate("W"), key=staged.stage.fill_null("unmapped")
    ).aggregate(n=_.count())
    by_orders = orders.group_by(
        week=_.placed_at_local.truncate("W"), key=ibis.literal("orders")
    ).aggregate(n=_.count())
    outcomes = delivery_outcomes(con, org_id)
    punct_rows = (
        outcomes.group_by("week")
        .aggregate(on_time=_.on_time.sum(), delivered=_.count())
        .order_by("week")
        .to_pyarrow()
        .to_pylist()
    )
    punctuality = [
        WeekShare(_week(r["week"]), int(r["on_time"]), int(r["delivered"])) for r in punct_rows
    ]
    return Overview(
        customers=int(customers.count().to_pyarrow().as_py()),
        events=int(t["n"] or 0),
        unmapped_events=int(t["unmapped"] or 0),
        orders=int(orders.count().to_pyarrow().as_py()),
        delivered_orders=sum(p.delivered for p in punctuality),
        on_time_orders=sum(p.on_time for p in punctuality),
        events_by_channel=_weekly(by_channel),
        events_by_stage=_weekly(by_stage),
        orders_by_week=_weekly(by_orders),
        punctuality_by_week=punctuality,
    )


def load_overview(analytics: Analytics, org_id: int) -> Overview:
    """The overview after syncing the store's latest writes (reused until they change)."""

    def compute() -> Overview:
        with analytics.fresh() as con:
            return compute_overview(con, org_id)

    return analytics.cached(("overview", org_id), compute)
