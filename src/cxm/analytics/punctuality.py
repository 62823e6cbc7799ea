"""Delivery punctuality of each order, as a portable Ibis expression: on time, late or none.

The one definition of a late delivery in cxm: an order with no promised delivery date is
``(no delivery)``; it is ``late`` when a shipment update says it was delayed or it was
delivered (organization time) on a day after the promised date; otherwise ``on_time``. The
day it was delivered is that of its last "delivered" update.

Every analysis takes lateness from here: the KPI breakdown by delivery and the response
explorer (``order_punctuality``), the sales KPIs' delivery breakdown and the per-order facts
behind drivers, friction and outcomes (``order_delivery`` embedded in their DuckDB SQL with
``delivery_sql``). The per-order facts also count the days late; they compute them from this
expression's ``promised`` and ``delivered_on`` columns, so both facts rest on the same inputs.

The overview's on-time share (``overview.delivery_outcomes``) is another measure, not this
rule: of the orders delivered in a week, the share whose first delivery came on or before the
promised day, whatever delays were reported on the way.
"""

from __future__ import annotations

from typing import Any

import ibis
from ibis import _

ON_TIME, LATE, NO_DELIVERY = "on_time", "late", "(no delivery)"
NO_ORDER = "(no order)"  # a response tied to no order
GROUPS = (ON_TIME, LATE, NO_DELIVERY, NO_ORDER)


def order_delivery(con: Any, org_id: int) -> Any:
    """One row per order of the organization: ``punctual_order`` (its id), ``promised``,
    ``delivered_on`` (organization day of its last "delivered" update, null when none) and
    ``delivery`` (on_time, late or (no delivery))."""
    orders = con.table("customer_order").filter(_.organization_id == org_id)
    orders = orders.select(punctual_order=_.id, promised=_.promised_delivery_date)
    updates = con.table("shipment_update").filter(_.organization_id == org_id)
    shipped = updates.group_by(shipped_order=updates.order_id).aggregate(
        delayed=(updates.status == "delayed").any(),
        delivered_at=updates.occurred_at_local.max(where=updates.status == "delivered"),
    )
    t = orders.left_join(shipped, orders.punctual_order == shipped.shipped_order)
    delivered_on = t.delivered_at.date()
    late = t.delayed.fill_null(False) | (delivered_on > t.promised).fill_null(False)
    delivery = ibis.cases((t.promised.isnull(), NO_DELIVERY), (late, LATE), else_=ON_TIME)
    return t.select(t.punctual_order, t.promised, delivered_on=delivered_on, delivery=delivery)


def order_punctuality(con: Any, org_id: int) -> Any:
    """One row per order of the organization: ``punctual_order`` (its id) and ``delivery``."""
    return order_delivery(con, org_id).select("punctual_order", "delivery")


def delivery_sql(con: Any, org_id: int) -> str:
    """``order_delivery`` as DuckDB SQL, for a query written in DuckDB's SQL to join."""
    sql = _COMPILED.get(org_id)
    if sql is None:  # compiling takes longer than many of the queries that embed it
        sql = _COMPILED[org_id] = str(ibis.to_sql(order_delivery(con, org_id), dialect="duckdb"))
    return sql


# The SQL per organization, compiled once: it names only columns the sync defines, whose
# types never change, so it holds for every analytics store.
_COMPILED: dict[int, str] = {}
