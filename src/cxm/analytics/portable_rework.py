"""Rework and loops as portable Ibis expressions (DuckDB, PySpark): contact loops about one
order, revisited touchpoints and channel switches, equal to ``rework``'s one-pass results.

Contact loops read orders and their events as ``order_facts`` does: an order's contacts are
the most events about it at any one contact-centre touchpoint; its answer is the latest NPS
answer linked to it. Revisits and switches read the journeys of ``portable.journey_table``.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

import ibis
from ibis import _

from cxm.analytics.journeys import JourneyQuery
from cxm.analytics.portable import journey_table
from cxm.analytics.rework import ChannelSwitch, ContactLoops, Revisit, Rework, ReworkQuery
from cxm.analytics.stats import compare_nps, nps


def _orders(con: Any, org_id: int, q: ReworkQuery) -> Any:
    """One row per order of the query: order id, person and contacts at one touchpoint."""
    orders = con.table("customer_order").filter(_.organization_id == org_id)
    if q.since:
        orders = orders.filter(orders.placed_at_local >= datetime.combine(q.since, time()))
    if q.until:
        end = datetime.combine(q.until + timedelta(days=1), time())
        orders = orders.filter(orders.placed_at_local < end)
    if q.store:
        at = con.table("location").filter((_.organization_id == org_id) & (_.code == q.store))
        at = at.select(store_id=_.id)
        orders = orders.semi_join(at, orders.location_id == at.store_id)
    customers = con.table("customer").select(cid=_.id, who=_.merged_into.fill_null(_.id))
    orders = orders.join(customers, orders.customer_id == customers.cid).select(
        oid=_.id, person=_.who
    )
    touchpoints = con.table("touchpoint").filter(_.channel == "contact_centre").select(tp=_.id)
    events = con.table("event").filter((_.organization_id == org_id) & _.order_id.notnull())
    events = events.join(touchpoints, events.touchpoint_id == touchpoints.tp)
    per_tp = events.group_by(["order_id", "touchpoint_id"]).aggregate(n=events.count())
    contacts = per_tp.group_by("order_id").aggregate(contacts=per_tp.n.max())
    t = orders.left_join(contacts, orders.oid == contacts.order_id)
    return t.select("oid", "person", contacts=t.contacts.fill_null(0))


def _answers(con: Any, org_id: int) -> Any:
    """Each order's latest NPS answer (0-10)."""
    responses = con.table("survey_response").filter(
        (_.organization_id == org_id) & _.order_id.notnull()
    )
    answers = con.table("survey_answer").filter(_.kind == "nps")
    t = responses.join(answers, responses.id == answers.response_id)
    latest = ibis.window(group_by=t.order_id, order_by=[ibis.desc(t.completed_at), ibis.desc(t.id)])
    t = t.mutate(rank=ibis.row_number().over(latest))
    return t.filter(t.rank == 0).select(aid=_.order_id, nps=_.value)


def portable_contact_loops(con: Any, org_id: int, q: ReworkQuery) -> ContactLoops:
    orders = _orders(con, org_id, q)
    answers = _answers(con, org_id)
    t = orders.left_join(answers, orders.oid == answers.aid)
    t = t.mutate(loop=t.contacts >= q.loop_contacts)
    counts = t.filter(t.contacts > 0).group_by("contacts").aggregate(orders=_.count()).to_pyarrow()
    column = counts.column
    by_contacts = dict(
        sorted(zip(column("contacts").to_pylist(), column("orders").to_pylist(), strict=True))
    )
    groups = {
        bool(r["loop"]): r
        for r in t.group_by("loop")
        .aggregate(
            orders=_.count(),
            customers=_.person.nunique(),
            promoters=(_.nps >= 9).cast("int64").sum(),
            passives=((_.nps >= 7) & (_.nps <= 8)).cast("int64").sum(),
            detractors=(_.nps <= 6).cast("int64").sum(),
        )
        .to_pyarrow()
        .to_pylist()
    }
    empty = {"orders": 0, "customers": 0, "promoters": 0, "passives": 0, "detractors": 0}
    mine, rest = groups.get(True, empty), groups.get(False, empty)
    mine_nps = nps(
        int(mine["promoters"] or 0), int(mine["passives"] or 0), int(mine["detractors"] or 0)
    )
    rest_nps = nps(
        int(rest["promoters"] or 0), int(rest["passives"] or 0), int(rest["detractors"] or 0)
    )
    loop_ids = t.filter(t.loop).select(lid=_.oid)
    feedback = con.table("feedback").filter(_.organization_id == org_id)
    comments = feedback.semi_join(loop_ids, feedback.order_id == loop_ids.lid).count()
    contacted = sum(by_contacts.values())
    return ContactLoops(
        int(mine["orders"]),
        int(mine["customers"]),
        int(mine["orders"]) / contacted if contacted else None,
        {int(c): int(n) for c, n in by_contacts.items()},
        mine_nps.n,
        mine_nps.value,
        mine_nps.low,
        mine_nps.high,
        int(mine["detractors"] or 0) / mine_nps.n if mine_nps.n else None,
        rest_nps.value,
        compare_nps(rest_nps, mine_nps).p_value,
        int(comments.to_pyarrow().as_py()),
    )


def portable_rework(con: Any, org_id: int, q: ReworkQuery) -> Rework:
    """Contact loops, revisits and channel switches: the same as ``rework.rework``."""
    q.check()
    jq = JourneyQuery(
        gap_days=q.gap_days, store=q.store, since=q.since, until=q.until, split=q.split
    )
    t = journey_table(con, org_id, jq)
    in_journey = ibis.window(group_by=t.jkey, order_by=[t.ts, t.seq])
    at_step = ibis.window(group_by=[t.jkey, t.step], order_by=[t.ts, t.seq])
    t = t.mutate(
        before=ibis.row_number().over(at_step),
        previous=t.step.lag().over(in_journey),
        pos=ibis.row_number().over(in_journey),
        back=ibis.row_number().over(
            ibis.window(group_by=t.jkey, order_by=[ibis.desc(t.ts), ibis.desc(t.seq)])
        ),
    )
    moved = t.previous.isnull() | (t.previous != t.step)
    revisits = t.filter((t.before > 0) & moved)
    rows = (
        revisits.group_by("step")
        .aggregate(revisits=_.count(), journeys=_.jkey.nunique(), customers=_.person.nunique())
        .to_pyarrow()
        .to_pylist()
    )
    rows.sort(key=lambda r: (-r["revisits"], r["step"]))
    firsts = t.filter(t.pos == 0).select(fkey=_.jkey, person=_.person, first=_.channel)
    lasts = t.filter(t.back == 0).select(lkey=_.jkey, last=_.channel)
    ends = firsts.join(lasts, firsts.fkey == lasts.lkey)
    total = int(ends.count().to_pyarrow().as_py() or 0)
    switched = ends.filter(ends.first != ends.last)
    pairs = (
        switched.group_by(["first", "last"])
        .aggregate(journeys=_.count(), customers=_.person.nunique())
        .to_pyarrow()
        .to_pylist()
    )
    pairs.sort(key=lambda r: (-r["journeys"], r["first"], r["last"]))
    loops = portable_contact_loops(con, org_id, q)
    return Rework(
        total,
        loops,
        [
            Revisit(str(r["step"]), int(r["revisits"]), int(r["journeys"]), int(r["customers"]))
            for r in rows[: q.top]
        ],
        [
            ChannelSwitch(
                str(r["first"]),
                str(r["last"]),
                int(r["journeys"]),
                int(r["customers"]),
                int(r["journeys"]) / total,
            )
            for r in pairs[: q.top]
        ],
        None if total else "No journeys match these filters.",
    )
