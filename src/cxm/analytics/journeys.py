"""Journeys from events: discovery by inactivity gaps or order cycles, directly-follows graph
and variants.

A journey is one customer's events (merged customers counted as one) split wherever the gap
to the previous event is longer than ``gap_days`` (``split="gap"``), or by order cycle
(``split="order"``, ``cut_journeys``). Events are ordered by time, ties by
arrival (the event id), as process-mining tools do. Events no touchpoint rule maps are left
out. This is the embedded default's one-pass path: events sorted once by (customer, time,
arrival), then a shift with a same-journey mask. Gaps and durations count whole seconds
(each time floored to its second), as every engine of the portable path does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import ibis
import numpy as np
import polars as pl
from ibis import _

from cxm.analytics.backend import Analytics
from cxm.core.errors import Fault, ValidationError

# A customer's outcome: the group of their latest complete NPS answer.
OUTCOMES = {"promoter": (9, 10), "passive": (7, 8), "detractor": (0, 6)}
# How a customer's events are cut into journeys: by inactivity, or by order cycle.
SPLITS = ("gap", "order")


@dataclass(frozen=True)
class JourneyQuery:
    gap_days: int = 30
    store: str | None = None  # only journeys with an event at this location code
    since: date | None = None  # organization-time dates, inclusive
    until: date | None = None
    segment: str | None = None  # only customers in this segment
    channel: str | None = None  # only journeys with an event in this channel
    first: str | None = None  # only journeys starting at this touchpoint code
    outcome: str | None = None  # only customers whose latest NPS answer is in this group
    split: str = "gap"  # "order": by order cycle (``cut_journeys``; gap_days is ignored)

    def check(self) -> None:
        if not 1 <= self.gap_days <= 365:
            raise ValidationError("gap_days must lie between 1 and 365.")
        if self.since and self.until and self.since > self.until:
            raise ValidationError("since lies after until.")
        if self.outcome is not None and self.outcome not in OUTCOMES:
            raise ValidationError(
                f"outcome must be one of {', '.join(OUTCOMES)}, not {self.outcome!r}.",
                [Fault(f"one of {', '.join(OUTCOMES)}", "outcome")],
            )
        if self.split not in SPLITS:
            raise ValidationError(
                f"split must be one of {', '.join(SPLITS)}, not {self.split!r}.",
                [Fault(f"one of {', '.join(SPLITS)}", "split")],
            )

    @property
    def picks_people(self) -> bool:
        return bool(self.segment or self.outcome)


def cut_journeys(frame: pl.DataFrame, q: JourneyQuery) -> pl.DataFrame:
    """``frame`` with a dense ``journey`` number (in row order); each person's events must be
    together and in order (time, then arrival), persons in any order.

    By gap, a journey starts at a person's first event and after every gap longer than
    ``gap_days``. By order cycle, an order's span runs from its first to its last event
    linked to it (``order_id``; null or negative: none), spans of a person that overlap (in
    event order) merge into one cycle, and a journey ends after a cycle's last event: the
    events since the previous cycle belong to the next order's journey, and the events after
    a person's last cycle form a final journey without an order.
    """
    changes = pl.col("person") != pl.col("person").shift(1)
    if q.split == "order":
        # A row ends a cycle when no span reaching it (started at or before it) reaches
        # further. Rows of earlier persons lie before, so one running maximum serves all.
        at = pl.int_range(pl.len(), dtype=pl.Int64)
        frame = frame.with_columns(_at=at)
        linked = pl.col("order_id").fill_null(-1) >= 0
        reach = pl.when(linked).then(pl.col("_at").max().over(["person", "order_id"]))
        ends = reach.fill_null(-1).cum_max() == pl.col("_at")
        starts = changes | ends.shift(1)
        numbered = frame.with_columns(journey=starts.fill_null(True).cum_sum().cast(pl.Int64))
        return numbered.drop("_at")
    # By gap: one pass over two arrays (a new person, or a longer gap, starts a journey).
    person, secs = frame["person"].to_numpy(), frame["secs"].to_numpy()
    starts_at = np.ones(person.size, dtype=bool)
    np.not_equal(person[1:], person[:-1], out=starts_at[1:])
    starts_at[1:] |= (secs[1:] - secs[:-1]) > q.gap_days * 86400
    return frame.with_columns(journey=pl.Series(np.cumsum(starts_at, dtype=np.int64)))


def people(con: Any, org_id: int, q: JourneyQuery) -> Any:
    """The persons the segment and outcome filters allow (an Ibis table of ``who``)."""
    customers = con.table("customer").filter(_.organization_id == org_id)
    persons = customers.select(cid=_.id, who=_.merged_into.fill_null(_.id))
    if q.segment:
        own = customers.select(pid=_.id, segment=_.segment)
        persons = persons.join(own, persons.who == own.pid)
        persons = persons.filter(persons.segment == q.segment).select("cid", "who")
    if q.outcome:
        low, high = OUTCOMES[q.outcome]
        answers = con.table("survey_answer").filter(
            (_.organization_id == org_id) & (_.kind == "nps")
        )
        responses = con.table("survey_response").filter(_.status == "complete")
        t = answers.join(responses, answers.response_id == responses.id)
        t = t.join(persons, t.customer_id == persons.cid)
        latest = ibis.window(
            group_by=t.who, order_by=[ibis.desc(t.completed_at), ibis.desc(t.response_id)]
        )
        t = t.mutate(rank=ibis.row_number().over(latest))
        t = t.filter((t.rank == 0) & t.value.between(low, high))
        return t.select("who").distinct()
    return persons.select("who").distinct()


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    count: int
    journeys: int
    share: float  # of all journeys
    median_hours: float
    p90_hours: float


@dataclass(frozen=True)
class Variant:
    """A distinct touchpoint sequence and, from ``load_variants`` and the portable path, the
    outcomes of its journeys (definitions in ``variant_outcomes``)."""

    steps: list[str]
    journeys: int
    share: float
    median_days: float
    respondents: int = 0  # NPS answers given during the journeys (and a short grace after)
    nps: float | None = None
    nps_low: float | None = None
    nps_high: float | None = None
    converted: int = 0  # journeys during which the customer placed an order
    conversion: float | None = None  # converted over journeys, with its Wilson interval
    conversion_low: float | None = None
    conversion_high: float | None = None
    followed_up: int = 0  # journeys ending ``churn_days`` or more before the data's end
    churned: int = 0  # of those, journeys with no further event within ``churn_days``
    churn: float | None = None  # churned over followed_up, with its Wilson interval
    churn_low: float | None = None
    churn_high: float | None = None


def journey_events(con: Any, org_id: int, q: JourneyQuery) -> pl.DataFrame:
    """Mapped events with their journey number, sorted by journey and time."""
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
    if q.store:
        # Only customers with an event at the store can have a journey touching it: read
        # just their events (the journeys themselves are still cut from all of them).
        at_store = locations.filter(locations.location == q.store).select(store_loc=_.loc)
        seen = t.semi_join(at_store, t.location_id == at_store.store_loc)
        visitors = seen.select(who=seen.merged_into.fill_null(seen.cid)).distinct()
        t = t.semi_join(visitors, t.merged_into.fill_null(t.cid) == visitors.who)
    t = t.join(touchpoints, t.touchpoint_id == touchpoints.tp)
    t = t.left_join(locations, t.location_id == locations.loc)
    t = t.select(
        person=t.merged_into.fill_null(t.cid),
        ts=t.occurred_at,
        seq=t.id,
        step=t.step,
        location=t.location,
        channel=t.tp_channel,
        order_id=t.order_id,
    )
    frame = pl.from_arrow(t.to_pyarrow())
    assert isinstance(frame, pl.DataFrame)
    if frame.height == 0:
        return frame.with_columns(pl.lit(0, dtype=pl.Int64).alias("journey"))
    frame = frame.sort(["person", "ts", "seq"]).with_columns(secs=pl.col("ts").dt.epoch("s"))
    frame = cut_journeys(frame, q)
    if q.store:
        keep = frame.filter(pl.col("location") == q.store)["journey"].unique()
        frame = frame.filter(pl.col("journey").is_in(keep.implode()))
    if q.channel:
        keep = frame.filter(pl.col("channel") == q.channel)["journey"].unique()
        frame = frame.filter(pl.col("journey").is_in(keep.implode()))
    if q.first:
        firsts = frame.group_by("journey").agg(pl.col("step").first())
        keep = firsts.filter(pl.col("step") == q.first)["journey"]
        frame = frame.filter(pl.col("journey").is_in(keep.implode()))
    return frame


def directly_follows(frame: pl.DataFrame) -> list[Edge]:
    if frame.height == 0:
        return []
    total = frame["journey"].n_unique()
    pairs = frame.with_columns(
        target=pl.col("step").shift(-1),
        next_secs=pl.col("secs").shift(-1),
        same=pl.col("journey") == pl.col("journey").shift(-1),
    ).filter(pl.col("same"))
    hours = (pl.col("next_secs") - pl.col("secs")) / 3600
    edges = (
        pairs.group_by(["step", "target"])
        .agg(
            count=pl.len(),
            journeys=pl.col("journey").n_unique(),
            median_hours=hours.median(),
            p90_hours=hours.quantile(0.9, interpolation="linear"),
        )
        .sort(["count", "step", "target"], descending=[True, False, False])
    )
    return [
        Edge(
            r["step"],
            r["target"],
            r["count"],
            r["journeys"],
            r["journeys"] / total,
            float(r["median_hours"]),
            float(r["p90_hours"]),
        )
        for r in edges.iter_rows(named=True)
    ]


def variants(frame: pl.DataFrame, top: int = 20) -> list[Variant]:
    if frame.height == 0:
        return []
    per_journey = frame.group_by("journey", maintain_order=True).agg(
        steps=pl.col("step"),
        days=(pl.col("secs").max() - pl.col("secs").min()) / 86400,
    )
    total = per_journey.height
    grouped = (
        per_journey.with_columns(key=pl.col("steps").list.join("\u2192"))
        .group_by("key")
        .agg(steps=pl.col("steps").first(), journeys=pl.len(), median_days=pl.col("days").median())
        .sort(["journeys", "key"], descending=[True, False])
        .head(top)
    )
    return [
        Variant(list(r["steps"]), r["journeys"], r["journeys"] / total, float(r["median_days"]))
        for r in grouped.iter_rows(named=True)
    ]


def load_dfg(analytics: Analytics, org_id: int, q: JourneyQuery) -> list[Edge]:
    """The directly-follows graph from the journey store (the embedded default's fast path)."""
    from cxm.analytics import journey_kernels

    frame, names = journey_kernels.load(analytics, org_id, q)
    return journey_kernels.dfg(frame, names)


def load_variants(
    analytics: Analytics, org_id: int, q: JourneyQuery, top: int = 20, churn_days: int = 90
) -> list[Variant]:
    """The most frequent variants with their outcomes (NPS, conversion, churn), from the
    journey store (the embedded default's fast path)."""
    from cxm.analytics import variant_outcomes

    return variant_outcomes.load_variants(analytics, org_id, q, top, churn_days)
