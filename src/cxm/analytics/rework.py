"""Rework and loops: repeated contacts about one order, returns to an earlier touchpoint,
and journeys that switch channel.

*Contact loops* are orders with ``loop_contacts`` or more contacts at one contact-centre
touchpoint (see ``order_facts``), with how many customers had one, their NPS answers (with
the margin of error) against other orders', the share of detractors and the comments filed
about those orders. *Revisits* are events at a touchpoint the journey has already passed
through, after at least one other touchpoint (an immediate repeat is not a revisit).
*Channel switches* are journeys whose first and last touchpoints lie in different channels
(started in a store, finished on the web), counted per pair.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import polars as pl

from cxm.analytics.journeys import SPLITS, JourneyQuery
from cxm.analytics.order_facts import OrderQuery, order_facts
from cxm.analytics.stats import Estimate, compare_nps, nps, nps_groups
from cxm.core.errors import Fault, ValidationError


@dataclass(frozen=True)
class ReworkQuery:
    gap_days: int = 30
    loop_contacts: int = 3
    store: str | None = None
    since: date | None = None
    until: date | None = None
    top: int = 10
    split: str = "gap"  # journeys cut by inactivity, or by order cycle ("order")

    def check(self) -> None:
        if self.split not in SPLITS:
            raise ValidationError("split must be gap or order.", [Fault("gap or order", "split")])
        if not 2 <= self.loop_contacts <= 20:
            raise ValidationError(
                "loop_contacts must lie between 2 and 20.",
                [Fault("between 2 and 20", "loop_contacts")],
            )
        if not 1 <= self.top <= 100:
            raise ValidationError("top must lie between 1 and 100.", [Fault("1-100", "top")])


@dataclass(frozen=True)
class ContactLoops:
    orders: int  # orders with a loop
    customers: int
    share_of_contacted: float | None  # of the orders with any contact
    by_contacts: dict[int, int]  # contacts at one touchpoint -> orders (1 and more)
    respondents: int
    nps: float | None
    nps_low: float | None
    nps_high: float | None
    detractor_share: float | None
    other_nps: float | None  # orders without a loop that answered
    difference_p_value: float | None
    comments: int  # feedback items filed about loop orders


@dataclass(frozen=True)
class Revisit:
    touchpoint: str
    revisits: int
    journeys: int
    customers: int


@dataclass(frozen=True)
class ChannelSwitch:
    first: str
    last: str
    journeys: int
    customers: int
    share: float  # of all journeys


@dataclass(frozen=True)
class Rework:
    journeys: int
    loops: ContactLoops
    revisits: list[Revisit] = field(default_factory=list)
    switches: list[ChannelSwitch] = field(default_factory=list)
    message: str | None = None


def _estimate(scores: list[float]) -> Estimate:
    return nps(*nps_groups([int(s) for s in scores]))


def contact_loops(con: Any, org_id: int, q: ReworkQuery) -> ContactLoops:
    facts = order_facts(con, org_id, OrderQuery(store=q.store, since=q.since, until=q.until))
    loop = facts.filter(pl.col("contacts") >= q.loop_contacts)
    contacted = facts.filter(pl.col("contacts") > 0).height
    counts = facts.filter(pl.col("contacts") > 0).group_by("contacts").len().sort("contacts")
    answered = loop.filter(pl.col("nps").is_not_null())
    others = facts.filter((pl.col("contacts") < q.loop_contacts) & pl.col("nps").is_not_null())
    mine, rest = _estimate(answered["nps"].to_list()), _estimate(others["nps"].to_list())
    ids = loop["order_id"].to_list()
    comments = 0
    if ids:
        [(comments,)] = con.con.execute(
            "SELECT count(*) FROM feedback WHERE organization_id = ? AND order_id IN "
            "(SELECT unnest(?))",
            [org_id, ids],
        ).fetchall()
    return ContactLoops(
        loop.height,
        loop["person"].n_unique(),
        loop.height / contacted if contacted else None,
        {int(c): int(n) for c, n in counts.iter_rows()},
        answered.height,
        mine.value,
        mine.low,
        mine.high,
        float((answered["nps"] <= 6).mean()) if answered.height else None,  # type: ignore[arg-type]
        rest.value,
        compare_nps(rest, mine).p_value,
        int(comments),
    )


def _journey_rework(
    frame: pl.DataFrame, names: dict[int, str], channels: dict[int, str], top: int
) -> tuple[list[Revisit], list[ChannelSwitch]]:
    if frame.height == 0:
        return [], []
    marked = frame.with_columns(
        earlier=pl.int_range(pl.len()).over(["journey", "step"]) > 0,
        moved=(pl.col("step") != pl.col("step").shift(1))
        | (pl.col("journey") != pl.col("journey").shift(1)),
    )
    back = marked.filter(pl.col("earlier") & pl.col("moved"))
    revisits = (
        back.group_by("step")
        .agg(
            revisits=pl.len(),
            journeys=pl.col("journey").n_unique(),
            customers=pl.col("person").n_unique(),
        )
        .with_columns(
            name=pl.col("step").replace_strict(
                list(names), list(names.values()), return_dtype=pl.String
            )
        )
        .sort(["revisits", "name"], descending=[True, False])  # ties by touchpoint code
        .head(top)
    )
    ends = frame.group_by("journey", maintain_order=True).agg(
        first=pl.col("step").first(), last=pl.col("step").last(), person=pl.col("person").first()
    )
    total = ends.height
    keys, values = list(channels), list(channels.values())
    ends = ends.with_columns(
        first=pl.col("first").replace_strict(keys, values, return_dtype=pl.String),
        last=pl.col("last").replace_strict(keys, values, return_dtype=pl.String),
    ).filter(pl.col("first") != pl.col("last"))
    switches = (
        ends.group_by(["first", "last"])
        .agg(journeys=pl.len(), customers=pl.col("person").n_unique())
        .sort(["journeys", "first", "last"], descending=[True, False, False])
        .head(top)
    )
    return (
        [
            Revisit(r["name"], r["revisits"], r["journeys"], r["customers"])
            for r in revisits.iter_rows(named=True)
        ],
        [
            ChannelSwitch(
                r["first"], r["last"], r["journeys"], r["customers"], r["journeys"] / total
            )
            for r in switches.iter_rows(named=True)
        ],
    )


def rework(analytics: Any, org_id: int, q: ReworkQuery) -> Rework:
    """Contact loops, revisits and channel switches for the query's journeys."""
    from cxm.analytics import journey_kernels

    q.check()
    jq = JourneyQuery(
        gap_days=q.gap_days, store=q.store, since=q.since, until=q.until, split=q.split
    )
    frame, names = journey_kernels.load(analytics, org_id, jq)
    with analytics.fresh() as con:
        loops = contact_loops(con, org_id, q)
        channels = {
            int(r[0]): str(r[1])
            for r in con.con.execute(
                "SELECT id, channel FROM touchpoint WHERE organization_id = ?", [org_id]
            ).fetchall()
        }
    revisits, switches = _journey_rework(frame, names, channels, q.top)
    journeys = frame["journey"].n_unique() if frame.height else 0
    message = None if journeys else "No journeys match these filters."
    return Rework(journeys, loops, revisits, switches, message)
