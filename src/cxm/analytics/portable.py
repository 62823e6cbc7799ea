"""Journey analytics as portable Ibis expressions: the same code on DuckDB and on PySpark.

The embedded default answers from the one-pass Polars path in ``journeys``; this module is
the form that runs on any Ibis backend (window functions over the synced tables), for data
teams whose events live in Spark. Both give identical results: journeys split by inactivity
gaps or by order cycle (``journeys.cut_journeys``), events ordered by time with ties by
arrival (the event id), unmapped events left out. Gaps and durations count whole seconds
(each time floored to its second) on every engine.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

import ibis
from ibis import _

from cxm.analytics.journey_kernels import FirstThroughput, Throughput
from cxm.analytics.journeys import Edge, JourneyQuery, Variant, people

SEPARATOR = "\u2192"


def journey_table(con: Any, org_id: int, q: JourneyQuery) -> Any:
    """Mapped events with ``person``, ``journey`` (per person), ``step`` and epoch ``secs``."""
    q.check()
    events = con.table("event").filter((_.organization_id == org_id) & _.touchpoint_id.notnull())
    if q.since:
        events = events.filter(events.occurred_at_local >= datetime.combine(q.since, time()))
    if q.until:
        end = datetime.combine(q.until + timedelta(days=1), time())
        events = events.filter(events.occurred_at_local < end)
    customers = con.table("customer").select(cid=_.id, merged_into=_.merged_into)
    touchpoints = con.table("touchpoint").select(tp=_.id, step=_.code, tp_channel=_.channel)
    locations = con.table("location").select(loc=_.id, location=_.code)
    t = events.join(customers, events.customer_id == customers.cid)
    if q.picks_people:
        allowed = people(con, org_id, q)
        t = t.semi_join(allowed, t.merged_into.fill_null(t.cid) == allowed.who)
    t = t.join(touchpoints, t.touchpoint_id == touchpoints.tp)
    t = t.left_join(locations, t.location_id == locations.loc)
    t = t.select(
        person=t.merged_into.fill_null(t.cid),
        secs=t.occurred_at.epoch_seconds().floor().cast("int64"),
        ts=t.occurred_at,
        seq=t.id,
        step=t.step,
        location=t.location,
        channel=t.tp_channel,
        order_id=t.order_id,
    )
    t = _cut(t, q)
    t = t.mutate(jkey=t.person.cast("string") + ":" + t.journey.cast("string"))
    if q.store:
        keep = t.filter(t.location == q.store).select(keep_key=_.jkey).distinct()
        t = t.semi_join(keep, t.jkey == keep.keep_key)
    if q.channel:
        keep = t.filter(t.channel == q.channel).select(keep_key=_.jkey).distinct()
        t = t.semi_join(keep, t.jkey == keep.keep_key)
    if q.first:
        in_journey = ibis.window(group_by=t.jkey, order_by=[t.ts, t.seq])
        ranked = t.mutate(pos=ibis.row_number().over(in_journey))
        keep = ranked.filter((ranked.pos == 0) & (ranked.step == q.first))
        keep = keep.select(keep_key=_.jkey)
        t = t.semi_join(keep, t.jkey == keep.keep_key)
    return t


def _cut(t: Any, q: JourneyQuery) -> Any:
    """``t`` with ``journey`` (per person, from 1): a new one after a gap longer than
    ``gap_days`` or, by order cycle, after the last event of each merged span of orders."""
    by_person = ibis.window(group_by=t.person, order_by=[t.ts, t.seq])
    so_far = ibis.cumulative_window(group_by=t.person, order_by=[t.ts, t.seq])
    if q.split == "order":
        t = t.mutate(pos=ibis.row_number().over(by_person))
        # An order's span ends at its last event; a cycle ends where no span started at or
        # before the event reaches further (a running maximum of the spans' ends).
        span_end = t.pos.max().over(ibis.window(group_by=[t.person, t.order_id]))
        t = t.mutate(reach=ibis.ifelse(t.order_id.notnull(), span_end, -1))
        t = t.mutate(reach=t.reach.max().over(so_far))
        t = t.mutate(ends=(t.reach == t.pos).cast("int64"))
        after_end = t.ends.lag().over(by_person)
        starts = after_end.isnull() | (after_end == 1)
        t = t.mutate(start=starts.cast("int64")).drop("pos", "reach", "ends")
    else:
        previous = t.secs.lag().over(by_person)
        starts = previous.isnull() | ((t.secs - previous) > q.gap_days * 86400)
        t = t.mutate(start=starts.cast("int64"))
    return t.mutate(journey=t.start.sum().over(so_far))


def dfg_expr(t: Any) -> Any:
    """Edges with count, journeys, median and 90th-percentile hours between the two steps."""
    in_journey = ibis.window(group_by=t.jkey, order_by=[t.ts, t.seq])
    pairs = t.mutate(
        target=t.step.lead().over(in_journey), next_secs=t.secs.lead().over(in_journey)
    )
    pairs = pairs.filter(pairs.target.notnull())
    pairs = pairs.mutate(hours=(pairs.next_secs - pairs.secs).cast("float64") / 3600)
    return pairs.group_by(["step", "target"]).aggregate(
        count=pairs.count(),
        journeys=pairs.jkey.nunique(),
        median_hours=pairs.hours.median(),
        p90_hours=pairs.hours.quantile(0.9),
    )


def journey_summary(t: Any) -> Any:
    """One row per journey: ``jkey``, ``person``, its step sequence ``key``, ``days``, and its
    first and last event's seconds and the last event's id (``last_seq``)."""
    # Spark cannot order an aggregate: number the steps, collect, sort and keep the steps.
    in_journey = ibis.window(group_by=t.jkey, order_by=[t.ts, t.seq])
    backwards = ibis.window(group_by=t.jkey, order_by=[ibis.desc(t.ts), ibis.desc(t.seq)])
    t = t.mutate(
        item=ibis.struct({"pos": ibis.row_number().over(in_journey), "step": t.step}),
        from_end=ibis.row_number().over(backwards),
    )
    per_journey = t.group_by("jkey").aggregate(
        person=t.person.max(),
        steps=t.item.collect().sort().map(lambda item: item.step),
        first=t.secs.min(),
        last=t.secs.max(),
        last_seq=t.seq.max(where=t.from_end == 0),
    )
    return per_journey.mutate(
        key=per_journey.steps.join(SEPARATOR),
        days=(per_journey["last"] - per_journey["first"]).cast("float64") / 86400,
    )


def variants_expr(t: Any) -> Any:
    """Distinct step sequences with their journeys and median duration in days."""
    per_journey = journey_summary(t)
    return per_journey.group_by("key").aggregate(
        journeys=per_journey.count(), median_days=per_journey.days.median()
    )


def portable_dfg(con: Any, org_id: int, q: JourneyQuery) -> list[Edge]:
    t = journey_table(con, org_id, q)
    total = int(t.jkey.nunique().to_pyarrow().as_py() or 0)
    if total == 0:
        return []
    rows = dfg_expr(t).to_pyarrow().to_pylist()
    rows.sort(key=lambda r: (-r["count"], r["step"], r["target"]))
    return [
        Edge(
            r["step"],
            r["target"],
            int(r["count"]),
            int(r["journeys"]),
            r["journeys"] / total,
            float(r["median_hours"]),
            float(r["p90_hours"]),
        )
        for r in rows
    ]


def portable_variants(
    con: Any, org_id: int, q: JourneyQuery, top: int = 20, churn_days: int = 90
) -> list[Variant]:
    """The top variants with their outcomes (NPS, conversion, churn; ``variant_outcomes``)."""
    from cxm.analytics.portable_variants import variant_tallies
    from cxm.analytics.variant_outcomes import Tally, check_churn_days, with_outcomes

    check_churn_days(churn_days)
    t = journey_table(con, org_id, q)
    rows = variants_expr(t).to_pyarrow().to_pylist()
    total = sum(int(r["journeys"]) for r in rows)
    rows.sort(key=lambda r: (-r["journeys"], r["key"]))
    rows = rows[:top]
    counts = variant_tallies(con, org_id, q, t, [str(r["key"]) for r in rows], churn_days)
    return [
        with_outcomes(
            Variant(
                str(r["key"]).split(SEPARATOR),
                int(r["journeys"]),
                int(r["journeys"]) / total,
                float(r["median_days"]),
            ),
            counts.get(str(r["key"]), Tally()),
        )
        for r in rows
    ]


def portable_throughput(con: Any, org_id: int, q: JourneyQuery) -> Throughput:
    """Per-journey throughput time (first to last event), overall and by first touchpoint."""
    t = journey_table(con, org_id, q)
    in_journey = ibis.window(group_by=t.jkey, order_by=[t.ts, t.seq])
    t = t.mutate(pos=ibis.row_number().over(in_journey))
    starts = t.filter(t.pos == 0).select(fkey=_.jkey, first=_.step)
    per_journey = t.group_by("jkey").aggregate(
        events=t.count(), hours=(t.secs.max() - t.secs.min()).cast("float64") / 3600
    )
    per_journey = per_journey.join(starts, per_journey.jkey == starts.fkey)
    overall = (
        per_journey.aggregate(
            journeys=per_journey.count(),
            single=(per_journey.events == 1).cast("int64").sum(),
            mean=per_journey.hours.mean(),
            median=per_journey.hours.median(),
            p90=per_journey.hours.quantile(0.9),
        )
        .to_pyarrow()
        .to_pylist()[0]
    )
    if not overall["journeys"]:
        return Throughput(0, 0, None, None, None)
    rows = (
        per_journey.group_by("first")
        .aggregate(
            journeys=per_journey.count(),
            median_hours=per_journey.hours.median(),
            p90_hours=per_journey.hours.quantile(0.9),
        )
        .to_pyarrow()
        .to_pylist()
    )
    by_first = [
        FirstThroughput(
            str(r["first"]), int(r["journeys"]), float(r["median_hours"]), float(r["p90_hours"])
        )
        for r in rows
    ]
    by_first.sort(key=lambda f: (-f.journeys, f.first))
    return Throughput(
        int(overall["journeys"]),
        int(overall["single"]),
        float(overall["mean"]),
        float(overall["median"]),
        float(overall["p90"]),
        by_first,
    )
