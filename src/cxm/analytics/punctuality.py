"""Delivery punctuality of each order, as a portable Ibis expression: on time, late or none.

The rule the sales KPIs' delivery breakdown and the per-order facts use: an order with no
promised delivery date is ``(no delivery)``; it is ``late`` when a shipment update says it
was delayed or it was delivered (organization time) on a day after the promised date;
otherwise ``on_time``. ``tests/analytics/test_punctuality.py`` holds the three to the same
answer on the demo world.
"""

from __future__ import annotations

from typing import Any

import ibis
from ibis import _

ON_TIME, LATE, NO_DELIVERY = "on_time", "late", "(no delivery)"
NO_ORDER = "(no order)"  # a response tied to no order
GROUPS = (ON_TIME, LATE, NO_DELIVERY, NO_ORDER)


def order_punctuality(con: Any, org_id: int) -> Any:
    """One row per order of the organization: ``punctual_order`` (its id) and ``delivery``."""
    orders = con.table("customer_order").filter(_.organization_id == org_id)
    orders = orders.select(punctual_order=_.id, promised=_.promised_delivery_date)
    updates = con.table("shipment_update").filter(_.organization_id == org_id)
    shipped = updates.group_by(shipped_order=updates.order_id).aggregate(
        delayed=(updates.status == "delayed").any(),
        delivered_at=updates.occurred_at_local.max(where=updates.status == "delivered"),
    )
    t = orders.left_join(shipped, orders.punctual_order == shipped.shipped_order)
    late = t.delayed.fill_null(False) | (t.delivered_at.date() > t.promised).fill_null(False)
    delivery = ibis.cases((t.promised.isnull(), NO_DELIVERY), (late, LATE), else_=ON_TIME)
    return t.select(t.punctual_order, delivery=delivery)
