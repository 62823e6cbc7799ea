"""Customer lifecycle beyond ingestion: erasure on request, with tombstones for the sync."""

from __future__ import annotations

from sqlalchemy import Connection, delete, insert, or_, select

from cxm.core.changes import Tombstone, change_mark
from cxm.core.db import table
from cxm.core.errors import NotFound
from cxm.ingest.models import Customer, CustomerIdentity, Event, Order, ShipmentUpdate


def erase_customer(conn: Connection, org_id: int, customer_id: int) -> int:
    """Delete a customer (and customers merged into them) with all their data.

    Returns the number of rows deleted. Every deleted synced row leaves a tombstone so the
    analytics store forgets it too.
    """
    ct = table(Customer)
    ids = list(
        conn.execute(
            select(ct.c.id).where(
                ct.c.organization_id == org_id,
                or_(ct.c.id == customer_id, ct.c.merged_into == customer_id),
            )
        ).scalars()
    )
    if customer_id not in ids:
        raise NotFound(f"No customer {customer_id}.")
    mark = change_mark(conn)
    ot, st, et = table(Order), table(ShipmentUpdate), table(Event)
    order_ids = list(conn.execute(select(ot.c.id).where(ot.c.customer_id.in_(ids))).scalars())
    doomed: list[tuple[str, list[int]]] = [
        (
            "shipment_update",
            list(conn.execute(select(st.c.id).where(st.c.order_id.in_(order_ids))).scalars()),
        ),
        (
            "event",
            list(
                conn.execute(
                    select(et.c.id).where(et.c.organization_id == org_id, et.c.customer_id.in_(ids))
                ).scalars()
            ),
        ),
        ("customer_order", order_ids),
        ("customer", ids),
    ]
    conn.execute(
        delete(table(CustomerIdentity)).where(table(CustomerIdentity).c.customer_id.in_(ids))
    )
    total = 0
    tables = {"shipment_update": st, "event": et, "customer_order": ot, "customer": ct}
    for name, row_ids in doomed:
        for start in range(0, len(row_ids), 900):
            chunk = row_ids[start : start + 900]
            conn.execute(delete(tables[name]).where(tables[name].c.id.in_(chunk)))
            conn.execute(
                insert(Tombstone),
                [{"table_name": name, "row_id": rid, "sync_mark": mark} for rid in chunk],
            )
            total += len(chunk)
    return total
