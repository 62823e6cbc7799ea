"""The evidence behind one friction point: the customers, orders, survey responses and
comments of the orders that had it (the same orders ``friction`` counts: orders with a
delivery promise matching the filters); for a stage with negative emotion
(``emotion:<stage>``), its negative comments and the customers who wrote them. The first
touchpoint and outcome filters keep what the friction list keeps (``first_touchpoint``).

With the portable source (``cxm.analytics.portable_orders.PORTABLE``) every part is an Ibis
expression that runs on any engine (DuckDB, PySpark): the order facts, the responses and
comments of the orders (the engine counts them and returns the ones shown), the customers of
the first-touchpoint and outcome filters and the negative comments of a stage; the embedded
store keeps its SQL. Both give the same evidence."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import ibis
import polars as pl
from ibis import _

from cxm.analytics.first_touchpoint import customers_allowed, keep_orders
from cxm.analytics.order_facts import EMBEDDED, PROBLEMS, OrderQuery, OrderSource, had
from cxm.core.errors import Fault, ValidationError

if TYPE_CHECKING:
    from cxm.analytics.friction import FrictionQuery

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


def friction_evidence(
    con: Any, org_id: int, q: FrictionQuery, name: str, source: OrderSource = EMBEDDED
) -> FrictionEvidence:
    """Who and what lies behind the friction point ``name`` (``con``: synced Ibis DuckDB, or
    any Ibis backend with ``source=PORTABLE``)."""
    if not name:
        raise ValidationError("Name a friction point.", [Fault("required", "name")])
    if name.startswith("emotion:"):
        from cxm.analytics.friction_emotion import emotion_evidence

        args = (con, org_id, q.first, q.outcome, q.since, q.until, q.gap_days)
        if source.portable:
            from cxm.analytics.portable_friction import portable_customers_allowed

            who = portable_customers_allowed(*args)
        else:
            who = customers_allowed(*args)
        stage = name.removeprefix("emotion:")
        return emotion_evidence(
            con, org_id, stage, q.store, q.since, q.until, q.segment, who, source.portable
        )
    codes = () if name in PROBLEMS else (name,)
    facts = source.facts(
        con, org_id, OrderQuery(q.store, q.channel, q.since, q.until, touchpoints=codes)
    ).filter(pl.col("delivery") & had(name, q.loop_contacts))
    if q.segment is not None:
        facts = facts.filter(pl.col("segment") == q.segment)
    facts = keep_orders(con, org_id, facts, q.first, q.outcome, q.gap_days)
    if facts.height == 0:
        return FrictionEvidence(name, 0, 0, 0, 0, message="No orders had it with these filters.")
    orders = sorted(int(v) for v in facts["order_id"].to_list())
    said = (_portable_said if source.portable else _said)(con, org_id, orders)
    people = sorted(int(v) for v in facts["person"].unique().to_list())
    return FrictionEvidence(name, len(orders), len(people), said.responses, said.comments,
                            people, orders, said.shown_responses, said.shown_comments)  # fmt: skip


@dataclass(frozen=True)
class _Said:
    """The complete responses and the comments about some orders: counts, and those shown."""

    responses: int
    comments: int
    shown_responses: list[EvidenceResponse]
    shown_comments: list[EvidenceComment]


def _said(con: Any, org_id: int, orders: list[int]) -> _Said:
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
    return _Said(
        len(responses),
        len(comments),
        [EvidenceResponse(int(r[0]), r[1], int(r[2]), r[3]) for r in responses[:SHOWN]],
        [EvidenceComment(int(c[0]), c[1], int(c[2]), c[3], c[4]) for c in comments[:SHOWN]],
    )


def _portable_said(con: Any, org_id: int, orders: list[int]) -> _Said:
    """``_said`` as Ibis expressions (any engine): the engine counts the responses and
    comments and returns the first ``SHOWN`` of each, in the same order."""
    kept = ibis.memtable({"kept_order": orders}, schema={"kept_order": "int64"})
    responses = con.table("survey_response").filter(
        (_.organization_id == org_id) & (_.status == "complete")
    )
    responses = responses.semi_join(kept, responses.order_id == kept.kept_order)
    answers = con.table("survey_answer").select(answered=_.response_id, kind=_.kind, value=_.value)
    r = responses.left_join(answers, responses.id == answers.answered)
    r = r.group_by([r.id, r.customer_id, r.order_id]).aggregate(
        nps=r.value.max(where=r.kind == "nps")
    )
    feedback = con.table("feedback").filter(_.organization_id == org_id)
    feedback = feedback.semi_join(kept, feedback.order_id == kept.kept_order)
    readings = con.table("text_enrichment")
    newest = readings.group_by(read_feedback=readings.feedback_id).aggregate(
        newest=readings.id.max()
    )
    mood = readings.select(rid=_.id, sentiment=_.sentiment)
    c = feedback.left_join(newest, feedback.id == newest.read_feedback)
    c = c.left_join(mood, c.newest == mood.rid)
    c = c.select("id", "customer_id", "order_id", "text", "sentiment", "occurred_at")
    shown_r = r.order_by([ibis.asc(r.nps, nulls_first=False), r.id]).limit(SHOWN)
    shown_c = c.order_by([ibis.desc(c.occurred_at), c.id]).limit(SHOWN)
    # Sorted here too: an engine need not keep the order of a query's rows when collecting.
    rs = sorted(shown_r.to_pyarrow().to_pylist(), key=lambda x: x["id"])
    rs.sort(key=lambda x: (x["nps"] is None, x["nps"] or 0.0))
    cs = sorted(shown_c.to_pyarrow().to_pylist(), key=lambda x: x["id"])
    cs.sort(key=lambda x: x["occurred_at"], reverse=True)
    return _Said(
        int(r.count().to_pyarrow().as_py()),
        int(c.count().to_pyarrow().as_py()),
        [EvidenceResponse(int(x["id"]), x["customer_id"], int(x["order_id"]), x["nps"])
         for x in rs],
        [EvidenceComment(int(x["id"]), x["customer_id"], int(x["order_id"]), x["text"],
                         x["sentiment"]) for x in cs],
    )  # fmt: skip
