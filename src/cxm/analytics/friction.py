"""Friction points: journey events that hurt loyalty, ranked by customers affected x effect.

Candidates are the built-in order facts (late delivery, contact loops, returns) and any
touchpoint codes asked for. Each one's effect on loyalty is its adjusted NPS effect from
the driver analysis (``drivers``; the other candidates and the controls held fixed); its
reach is the number of customers whose orders had it, among all orders, answered or not.
Items whose effect is not significantly negative are listed after the ranked ones, marked.
Each item carries its evidence: orders and customers affected, respondents, raw and
adjusted effects with intervals, churn with and without it, and for late deliveries the
median days past the promised date.

Funnel steps with unusual drop-off (``drop_offs``, see ``friction_dropoff``), touchpoints
with high effort (``effort``, see ``friction_effort``) and stages with negative emotion
(``emotion``, see ``friction_emotion``) are ranked lists of their own beside them: their
costs are conversion lost and customers finding it hard or unhappy, not NPS points, so the
scores are not put on one scale.

Every section takes the same filters. The first touchpoint keeps the orders whose journey
starts there, and in the drop-off, effort and emotion sections the customers with a journey
in the period starting there; the outcome keeps the customers of one NPS group everywhere,
but then no NPS effect is measured (one group leaves no NPS variation to explain): the
points keep their reach and churn, unranked, with a note (``first_touchpoint``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import polars as pl

from cxm.analytics.drivers import BUILT_IN, DriverQuery, DriverResult, analyse
from cxm.analytics.first_touchpoint import (
    GAP_DAYS,
    check_first,
    check_gap,
    check_outcome,
    customers_allowed,
    keep_orders,
    one_reading,
)
from cxm.analytics.friction_dropoff import DropOffList, drop_offs
from cxm.analytics.friction_effort import EffortList, effort
from cxm.analytics.friction_emotion import EmotionList, negative_emotion
from cxm.analytics.order_facts import EMBEDDED, OrderQuery, OrderSource, had

UNDER_OUTCOME_NOTE = "no NPS effect under an outcome filter"
NO_EFFECT_UNDER_OUTCOME = (
    "No NPS effect under an outcome filter: its customers all answer in one NPS group, so "
    "there is no variation to explain; reach and churn are counted."
)


@dataclass(frozen=True)
class FrictionQuery:
    touchpoints: tuple[str, ...] = ()  # extra candidates besides the built-in facts
    loop_contacts: int = 3
    store: str | None = None
    channel: str | None = None
    since: date | None = None
    until: date | None = None
    funnels: tuple[str, ...] = ()  # funnels to weigh for drop-off besides the found ones
    segment: str | None = None  # only customers in this segment
    first: str | None = None  # only orders / customers whose journey starts here
    outcome: str | None = None  # only customers of this NPS group (no NPS effect then)
    gap_days: int = GAP_DAYS  # inactivity gap cutting the journeys of the first filter


@dataclass(frozen=True)
class FrictionPoint:
    name: str
    score: float | None  # customers affected x NPS points lost (None: no measured harm)
    customers: int
    orders: int
    share_of_orders: float
    respondents: int
    nps_effect: float | None  # adjusted, NPS points
    nps_low: float | None
    nps_high: float | None
    raw_effect: float | None
    churn_with: float | None
    churn_without: float | None
    median_days_late: float | None = None
    harmful: bool = False  # a significantly negative adjusted effect
    note: str | None = None


@dataclass(frozen=True)
class FrictionList:
    points: list[FrictionPoint] = field(default_factory=list)
    respondents: int = 0
    message: str | None = None
    drop_offs: DropOffList = field(default_factory=DropOffList)
    effort: EffortList = field(default_factory=EffortList)
    emotion: EmotionList = field(default_factory=EmotionList)


def friction(con: Any, org_id: int, q: FrictionQuery) -> FrictionList:
    """Ranked friction points over the synced analytics store (``con``: Ibis DuckDB)."""
    found = order_friction(con, org_id, q)
    who = customers_allowed(con, org_id, q.first, q.outcome, q.since, q.until, q.gap_days)
    steps = drop_offs(con, org_id, q.store, q.channel, q.since, q.until, q.funnels, q.segment, who)
    hard = effort(con, org_id, q.store, q.channel, q.since, q.until, q.segment, who)
    unhappy = negative_emotion(con, org_id, q.store, q.channel, q.since, q.until, q.segment, who)
    return replace(found, drop_offs=steps, effort=hard, emotion=unhappy)


@one_reading()
def order_friction(
    con: Any, org_id: int, q: FrictionQuery, source: OrderSource = EMBEDDED
) -> FrictionList:
    """The ranked friction points of the order facts alone (late, contact loops, returns,
    touchpoints), without the drop-off, effort and emotion lists; any Ibis backend with
    ``source=PORTABLE`` from ``cxm.analytics.portable_orders``."""
    names = tuple(dict.fromkeys((*BUILT_IN, *q.touchpoints)))
    check_outcome(q.outcome)
    check_gap(q.gap_days)
    check_first(con, org_id, q.first)
    kpi = (
        analyse(
            con,
            org_id,
            DriverQuery(
                names, q.loop_contacts, True, True, 0, q.store, q.channel, q.since, q.until,
                segment=q.segment, first=q.first, gap_days=q.gap_days,
            ),
            source,
        )
        if q.outcome is None
        else DriverResult(0, None, None, message=NO_EFFECT_UNDER_OUTCOME)
    )  # fmt: skip
    facts = source.facts(
        con,
        org_id,
        OrderQuery(q.store, q.channel, q.since, q.until, touchpoints=tuple(q.touchpoints)),
    ).filter(pl.col("delivery"))
    if q.segment is not None:
        facts = facts.filter(pl.col("segment") == q.segment)
    facts = keep_orders(con, org_id, facts, q.first, q.outcome, q.gap_days)
    drivers = {d.name: d for d in kpi.drivers}
    unmeasured = UNDER_OUTCOME_NOTE if q.outcome else kpi.message
    points: list[FrictionPoint] = []
    for name in names:
        flag = had(name, q.loop_contacts)
        with_it, rest = facts.filter(flag), facts.filter(~flag)
        d = drivers.get(name)
        harm = (
            d is not None
            and d.significant
            and d.adjusted_effect is not None
            and d.adjusted_effect < 0
        )
        followed, others = with_it.filter(pl.col("followed_up")), rest.filter(pl.col("followed_up"))
        customers = with_it["person"].n_unique()
        days = with_it.filter(pl.col("days_late") > 0)["days_late"] if name == "late" else None
        points.append(
            FrictionPoint(
                name,
                customers * -d.adjusted_effect if harm and d and d.adjusted_effect else None,
                customers,
                with_it.height,
                with_it.height / facts.height if facts.height else 0.0,
                d.respondents_with if d else 0,
                d.adjusted_effect if d else None,
                d.adjusted_low if d else None,
                d.adjusted_high if d else None,
                d.raw_effect if d else None,
                float(followed["churned"].mean()) if followed.height else None,  # type: ignore[arg-type]
                float(others["churned"].mean()) if others.height else None,  # type: ignore[arg-type]
                float(days.median()) if days is not None and days.len() else None,  # type: ignore[arg-type]
                harm,
                None if harm else (d.note if d and d.note else unmeasured or "no measured harm"),
            )
        )
    points.sort(key=lambda p: (p.score is None, -(p.score or 0.0), p.name))
    return FrictionList(points, kpi.respondents, kpi.message)
