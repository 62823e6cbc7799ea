"""Outcome per journey variant as portable Ibis expressions (DuckDB and PySpark).

The same definitions as the fast path (``variant_outcomes``): NPS from the complete NPS
answers given during a journey and a short grace after it, conversion from orders placed
during it, churn from the customer's next mapped event after it. Only the variants asked
for (the top ones) are counted; each figure is one grouped query over their journeys.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import ibis
from ibis import _

from cxm.analytics.journeys import JourneyQuery
from cxm.analytics.portable import journey_summary
from cxm.analytics.variant_outcomes import DAY, Tally, gap_for_grace, grace_secs


def _secs(column: Any) -> Any:
    return column.epoch_seconds().floor().cast("int64")


def _answers(con: Any, org_id: int, customers: Any) -> Any:
    answers = con.table("survey_answer").filter(
        (_.organization_id == org_id) & (_.kind == "nps") & _.value.between(0, 10)
    )
    responses = con.table("survey_response").filter(
        (_.status == "complete") & _.completed_at.notnull()
    )
    a = answers.join(responses, answers.response_id == responses.id)
    a = a.select(customer_id=a.customer_id, completed_at=a.completed_at, value=a.value)
    a = a.join(customers, a.customer_id == customers.cid)
    return a.select(who=a.merged_into.fill_null(a.cid), asecs=_secs(a.completed_at), value=a.value)


def _orders(con: Any, org_id: int, customers: Any) -> Any:
    o = con.table("customer_order").filter(_.organization_id == org_id)
    o = o.select(customer_id=o.customer_id, placed_at=o.placed_at)
    o = o.join(customers, o.customer_id == customers.cid)
    return o.select(buyer=o.merged_into.fill_null(o.cid), osecs=_secs(o.placed_at))


def _rows(expr: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = expr.to_pyarrow().to_pylist()
    return rows


def variant_tallies(
    con: Any, org_id: int, q: JourneyQuery, t: Any, keys: Sequence[str], churn_days: int
) -> dict[str, Tally]:
    """Outcome counts for the variants ``keys`` of the journey table ``t`` (by key)."""
    if not keys:
        return {}
    j = journey_summary(t)
    j = j.filter(j.key.isin(list(keys))).select(
        "jkey", "person", "key", "first", "last", "last_seq"
    )
    customers = con.table("customer").select(cid=_.id, merged_into=_.merged_into)

    a = _answers(con, org_id, customers)
    said = j.join(
        a,
        (j.person == a.who)
        & (a.asecs >= j["first"])
        & (a.asecs <= j["last"] + grace_secs(gap_for_grace(q))),
    )
    said = said.group_by("key").aggregate(
        promoters=(said.value >= 9).cast("int64").sum(),
        passives=((said.value >= 7) & (said.value < 9)).cast("int64").sum(),
        detractors=(said.value < 7).cast("int64").sum(),
    )

    o = _orders(con, org_id, customers)
    bought = j.join(o, (j.person == o.buyer) & (o.osecs >= j["first"]) & (o.osecs <= j["last"]))
    bought = bought.select("key", "jkey").distinct()
    bought = bought.group_by("key").aggregate(converted=bought.count())

    events = con.table("event").filter((_.organization_id == org_id) & _.touchpoint_id.notnull())
    events = events.join(customers, events.customer_id == customers.cid)
    events = events.select(
        who=events.merged_into.fill_null(events.cid),
        ts=events.occurred_at,
        seq=events.id,
        secs=_secs(events.occurred_at),
    )
    end = int(events.secs.max().to_pyarrow().as_py() or 0)
    by_person = ibis.window(group_by=events.who, order_by=[events.ts, events.seq])
    nexts = events.select(nseq=events.seq, next_secs=events.secs.lead().over(by_person))
    c = j.left_join(nexts, j.last_seq == nexts.nseq)
    horizon = c["last"] + churn_days * DAY
    followed = horizon <= end
    churned = followed & (c.next_secs.isnull() | (c.next_secs > horizon))
    churn = c.group_by("key").aggregate(
        followed_up=followed.cast("int64").sum(), churned=churned.cast("int64").sum()
    )

    found: dict[str, dict[str, int]] = {}
    for part in (said, bought, churn):
        for r in _rows(part):
            key = str(r.pop("key"))
            found.setdefault(key, {}).update({k: int(v or 0) for k, v in r.items()})
    return {key: Tally(**counts) for key, counts in found.items()}
