"""The per-order facts as portable Ibis expressions: the same frames on DuckDB and on PySpark.

``order_facts`` answers from one DuckDB SQL query (the embedded default); this module builds
the same columns with Ibis so that drivers, outcomes and the order-based friction points run
on Spark over a Parquet export (``PORTABLE``, an ``OrderSource``). The two forms must agree
row by row (``tests/analytics/test_portable_orders.py`` checks them on a hand-made case and
on the demo world); their definitions are those of ``order_facts``. Lateness is not written
twice: both take it from ``punctuality.order_delivery``, itself an Ibis expression (the
embedded SQL embeds its compiled form), and both read organization time from the synced
``*_local`` columns, so a delivery at 22:30 UTC on the promised day is late in Kyiv on every
engine. Only window functions, joins and plain aggregates are used (no as-of join, no ordered
aggregate: Spark has neither), and the outcomes read from the facts (score, churn, repeat
purchase) are the same Polars code as the embedded form's (``with_outcomes``).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

import ibis
import polars as pl
from ibis import _

from cxm.analytics.order_facts import (
    VARIANT_SEPARATOR,
    OrderQuery,
    OrderSource,
    with_outcomes,
)
from cxm.analytics.punctuality import NO_DELIVERY, order_delivery
from cxm.core.errors import Fault, ValidationError


def _persons(con: Any, org_id: int) -> Any:
    customers = con.table("customer").filter(_.organization_id == org_id)
    return customers.select(cid=_.id, person=_.merged_into.fill_null(_.id), segment=_.segment)


def _usual(con: Any, org_id: int, where: Any, column: str, name: str) -> Any:
    """Per person, the location ``column`` (city, store code) most of their located events
    happen at; ties go to the first name."""
    events = con.table("event").filter(_.organization_id == org_id)
    locations = con.table("location").select(loc=_.id, value=_[column], kind=_.kind)
    persons = _persons(con, org_id).select("cid", "person")
    t = events.join(persons, events.customer_id == persons.cid)
    t = t.join(locations, t.location_id == locations.loc)
    t = t.filter(where(t))
    counted = t.group_by(["person", "value"]).aggregate(n=t.count())
    ranked = counted.mutate(
        rank=ibis.row_number().over(
            ibis.window(group_by=counted.person, order_by=[ibis.desc(counted.n), counted.value])
        )
    )
    return ranked.filter(ranked["rank"] == 0).select(
        **{f"{name}_person": ranked.person, name: ranked.value}
    )


def _event_counts(con: Any, org_id: int, codes: tuple[str, ...]) -> Any:
    """Per order: ``contacts`` (most events at one contact-centre touchpoint) and a flag per
    touchpoint code asked for."""
    events = con.table("event").filter((_.organization_id == org_id) & _.order_id.notnull())
    touchpoints = con.table("touchpoint").select(tp=_.id, code=_.code, tp_channel=_.channel)
    t = events.join(touchpoints, events.touchpoint_id == touchpoints.tp)
    per_code = t.group_by([t.order_id, t.code, t.tp_channel]).aggregate(n=t.count())
    flags = {f"f{i}": (per_code.code == code).any() for i, code in enumerate(codes)}
    return per_code.group_by(ev_order=per_code.order_id).aggregate(
        contacts=per_code.n.max(where=per_code.tp_channel == "contact_centre"), **flags
    )


def _nps_answers(con: Any, org_id: int) -> Any:
    """Per order, the value of the latest ``nps`` answer of a response linked to it."""
    responses = con.table("survey_response").filter(
        (_.organization_id == org_id) & _.order_id.notnull()
    )
    answers = con.table("survey_answer").filter(_.kind == "nps")
    t = responses.join(answers, responses.id == answers.response_id)
    return t.group_by(answer_order=t.order_id).aggregate(nps=t.value.argmax(t.completed_at))


def check_touchpoints(con: Any, org_id: int, codes: tuple[str, ...]) -> None:
    if not codes:
        return
    known = con.table("touchpoint").filter(_.organization_id == org_id).select("code")
    found = {r["code"] for r in known.to_pyarrow().to_pylist()}
    unknown = [c for c in codes if c not in found]
    if unknown:
        raise ValidationError(
            f"Unknown touchpoint: {', '.join(unknown)}.",
            [Fault(f"no touchpoint '{c}'", "touchpoints") for c in unknown],
        )


def order_facts_expr(con: Any, org_id: int, q: OrderQuery) -> Any:
    """The per-order facts of ``order_facts`` as one Ibis expression (without the outcomes read
    from them: ``score``, ``churned``, ``repeat_90``)."""
    orders = con.table("customer_order").filter(_.organization_id == org_id)
    locations = con.table("location").select(loc=_.id, store=_.code)
    persons = _persons(con, org_id)
    o = orders.join(persons, orders.customer_id == persons.cid)
    o = o.left_join(locations, o.location_id == locations.loc)
    o = o.select(
        order_id=o.id,
        person=o.person,
        channel=o.channel,
        store=o.store,
        segment=o.segment,
        placed_at=o.placed_at,
        placed_at_local=o.placed_at_local,
        promised=o.promised_delivery_date,
        refunded=o.refunded.fill_null(False),
    )
    updates = con.table("shipment_update").filter(_.organization_id == org_id)
    ship = updates.group_by(ship_order=updates.order_id).aggregate(
        back=(updates.status == "returned").any()
    )
    punctual = order_delivery(con, org_id).select("punctual_order", "delivered_on", "delivery")
    counts = _event_counts(con, org_id, q.touchpoints)
    answers = _nps_answers(con, org_id)
    city = _usual(con, org_id, lambda t: t.value.notnull(), "city", "city")
    home = _usual(con, org_id, lambda t: t.kind == "store", "code", "home_store")
    events = con.table("event").filter(_.organization_id == org_id)
    horizon = events.aggregate(last_seen=events.occurred_at.max())

    t = o.left_join(punctual, o.order_id == punctual.punctual_order)
    t = t.left_join(ship, t.order_id == ship.ship_order)
    t = t.left_join(counts, t.order_id == counts.ev_order)
    t = t.left_join(answers, t.order_id == answers.answer_order)
    t = t.left_join(city, t.person == city.city_person)
    t = t.left_join(home, t.person == home.home_store_person)
    t = t.cross_join(horizon)
    by_person = ibis.window(group_by=t.person, order_by=[t.placed_at, t.order_id])
    flags = {f"tp_{code}": t[f"f{i}"].fill_null(False) for i, code in enumerate(q.touchpoints)}
    facts = t.select(
        order_id=t.order_id,
        person=t.person,
        channel=t.channel,
        store=t.store,
        segment=t.segment,
        city=t.city,
        home_store=t.home_store,
        placed_at=t.placed_at,
        placed_at_local=t.placed_at_local,
        promised=t.promised,
        delivery=t.delivery != NO_DELIVERY,
        late=t.delivery == "late",
        days_late=t.delivered_on.delta(t.promised, unit="day"),
        contacts=t.contacts.fill_null(0),
        returned=t.back.fill_null(False) | t.refunded,
        nps=t.nps,
        next_order_at=t.placed_at.lead().over(by_person),
        followed_up=t.placed_at <= t.last_seen - ibis.interval(days=q.followup_days),
        **flags,
    )
    if q.store:
        facts = facts.filter(facts.store == q.store)
    if q.channel:
        facts = facts.filter(facts.channel == q.channel)
    if q.home_store:
        facts = facts.filter(facts.home_store == q.home_store)
    if q.since:
        facts = facts.filter(facts.placed_at_local >= datetime.combine(q.since, time()))
    if q.until:
        end = datetime.combine(q.until + timedelta(days=1), time())
        facts = facts.filter(facts.placed_at_local < end)
    return facts


def portable_order_facts(con: Any, org_id: int, q: OrderQuery) -> pl.DataFrame:
    """``order_facts`` computed by any Ibis backend (DuckDB, PySpark), ordered by order id."""
    q.check()
    check_touchpoints(con, org_id, q.touchpoints)
    frame = pl.from_arrow(order_facts_expr(con, org_id, q).to_pyarrow())
    assert isinstance(frame, pl.DataFrame)
    frame = frame.with_columns(
        pl.col("order_id", "person", "contacts").cast(pl.Int64),
        pl.col("days_late").cast(pl.Int64),
        pl.col("placed_at", "placed_at_local", "next_order_at").cast(pl.Datetime("us")),
    )
    return with_outcomes(frame.sort("order_id"))


def portable_order_variants(con: Any, org_id: int) -> pl.DataFrame:
    """``order_variants`` computed by any Ibis backend."""
    events = con.table("event").filter((_.organization_id == org_id) & _.order_id.notnull())
    touchpoints = con.table("touchpoint").select(tp=_.id, code=_.code)
    t = events.join(touchpoints, events.touchpoint_id == touchpoints.tp)
    in_order = ibis.window(group_by=t.order_id, order_by=[t.occurred_at, t.id])
    t = t.mutate(before=t.code.lag().over(in_order), pos=ibis.row_number().over(in_order))
    t = t.filter(t.before.isnull() | (t.before != t.code))
    # Spark cannot order an aggregate: collect (position, code) pairs, sort, keep the codes.
    t = t.mutate(item=ibis.struct({"pos": t.pos, "code": t.code}))
    per_order = t.group_by("order_id").aggregate(
        variant=t.item.collect().sort().map(lambda item: item.code).join(VARIANT_SEPARATOR)
    )
    frame = pl.from_arrow(per_order.to_pyarrow())
    assert isinstance(frame, pl.DataFrame)
    return frame.with_columns(pl.col("order_id").cast(pl.Int64))


def portable_order_voices(con: Any, org_id: int) -> pl.DataFrame:
    """``order_voices`` computed by any Ibis backend."""
    answers = con.table("survey_answer").filter((_.organization_id == org_id) & (_.kind == "csat"))
    responses = con.table("survey_response").filter(_.order_id.notnull() & (_.status == "complete"))
    csat = answers.join(responses, answers.response_id == responses.id)
    csat = csat.select(
        order_id=csat.order_id,
        kind=ibis.literal("csat"),
        value=csat.value.cast("float64"),
        negative=ibis.null().cast("boolean"),
    )
    readings = con.table("text_enrichment").filter(_.organization_id == org_id)
    newest = readings.group_by(read_feedback=readings.feedback_id).aggregate(
        newest=readings.id.max()
    )
    feedback = con.table("feedback").filter((_.organization_id == org_id) & _.order_id.notnull())
    said = feedback.join(newest, feedback.id == newest.read_feedback)
    reading = readings.select(rid=_.id, score=_.sentiment_score, mood=_.sentiment)
    said = said.join(reading, said.newest == reading.rid)
    said = said.select(
        order_id=said.order_id,
        kind=ibis.literal("sentiment"),
        value=said.score.cast("float64"),
        negative=said.mood == "negative",
    )
    frame = pl.from_arrow(csat.union(said).to_pyarrow())
    assert isinstance(frame, pl.DataFrame)
    return frame.with_columns(pl.col("order_id").cast(pl.Int64))


PORTABLE = OrderSource(
    portable_order_facts, portable_order_variants, portable_order_voices, portable=True
)
