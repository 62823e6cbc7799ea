"""The evidence behind one friction point: the customers, orders, survey responses and
comments of the orders that had it (the same orders ``friction`` counts: orders with a
delivery promise matching the filters); for a stage with negative emotion
(``emotion:<stage>``), its negative comments and the customers who wrote them. The first
touchpoint and outcome filters keep what the friction list keeps (``first_touchpoint``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import polars as pl

from cxm.analytics.first_touchpoint import customers_allowed, keep_orders
from cxm.analytics.order_facts import OrderQuery, order_facts
from cxm.core.errors import Fault, ValidationError

if TYPE_CHECKING:
    from cxm.analytics.friction import FrictionQuery

BUILT_IN = ("late", "contact_loop", "returned")
SHOWN = 200  # rows of each kind listed (the counts are complete)


@dataclass(frozen=True)
class EvidenceResponse:
    response_id: int
    customer_id: int | None
    order_id: int
    nps: float | None  # the 0-10 answer


@dataclass(frozen=True)
class EvidenceComment:
    feedback_id: int
    customer_id: int | None
    order_id: int | None
    text: str | None
    sentiment: str | None  # from the newest text enrichment


@dataclass(frozen=True)
class FrictionEvidence:
    name: str
    orders: int
    customers: int
    responses: int
    comments: int
    customer_ids: list[int] = field(default_factory=list)
    order_ids: list[int] = field(default_factory=list)
    shown_responses: list[EvidenceResponse] = field(default_factory=list)
    shown_comments: list[EvidenceComment] = field(default_factory=list)
    message: str | None = None


def _flag(name: str, q: FrictionQuery) -> pl.Expr:
    return {
        "late": pl.col("late"),
        "contact_loop": pl.col("contacts") >= q.loop_contacts,
        "returned": pl.col("returned"),
    }.get(name, pl.col(f"tp_{name}"))


def friction_evidence(con: Any, org_id: int, q: FrictionQuery, name: str) -> FrictionEvidence:
    """Who and what lies behind the friction point ``name`` (``con``: synced Ibis DuckDB)."""
    if not name:
        raise ValidationError("Name a friction point.", [Fault("required", "name")])
    if name.startswith("emotion:"):
        from cxm.analytics.friction_emotion import emotion_evidence

        who = customers_allowed(con, org_id, q.first, q.outcome, q.since, q.until, q.gap_days)
        return emotion_evidence(
            con, org_id, name.removeprefix("emotion:"), q.store, q.since, q.until, q.segment, who
        )
    codes = () if name in BUILT_IN else (name,)
    facts = order_facts(
        con, org_id, OrderQuery(q.store, q.channel, q.since, q.until, touchpoints=codes)
    ).filter(pl.col("delivery") & _flag(name, q))
    if q.segment is not None:
        facts = facts.filter(pl.col("segment") == q.segment)
    facts = keep_orders(con, org_id, facts, q.first, q.outcome, q.gap_days)
    if facts.height == 0:
        return FrictionEvidence(name, 0, 0, 0, 0, message="No orders had it with these filters.")
    orders = sorted(int(v) for v in facts["order_id"].to_list())
    duck = con.con
    duck.register("evidence_orders", pl.DataFrame({"order_id": orders}).to_arrow())
    try:
        responses = duck.execute(
            """
            SELECT r.id, r.customer_id, r.order_id, max(a.value) FILTER (WHERE a.kind = 'nps')
            FROM survey_response r JOIN evidence_orders o ON o.order_id = r.order_id
            LEFT JOIN survey_answer a ON a.response_id = r.id
            WHERE r.organization_id = ? AND r.status = 'complete'
            GROUP BY r.id, r.customer_id, r.order_id ORDER BY 4 NULLS LAST, r.id
            """,
            [org_id],
        ).fetchall()
        comments = duck.execute(
            """
            SELECT f.id, f.customer_id, f.order_id, f.text,
                   (SELECT arg_max(e.sentiment, e.id) FROM text_enrichment e
                    WHERE e.feedback_id = f.id) AS sentiment
            FROM feedback f JOIN evidence_orders o ON o.order_id = f.order_id
            WHERE f.organization_id = ? ORDER BY f.occurred_at DESC, f.id
            """,
            [org_id],
        ).fetchall()
    finally:
        duck.unregister("evidence_orders")
    people = sorted(int(v) for v in facts["person"].unique().to_list())
    return FrictionEvidence(
        name,
        len(orders),
        len(people),
        len(responses),
        len(comments),
        people,
        orders,
        [EvidenceResponse(int(r[0]), r[1], int(r[2]), r[3]) for r in responses[:SHOWN]],
        [EvidenceComment(int(c[0]), c[1], int(c[2]), c[3], c[4]) for c in comments[:SHOWN]],
    )
