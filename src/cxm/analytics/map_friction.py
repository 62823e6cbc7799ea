"""The friction list's drop-off, effort and emotion sections under the journey map's filters,
as marks per touchpoint and stage.

The sections are the friction list's own (``friction_dropoff``, ``friction_effort``,
``friction_emotion``), run with the map's store, channel, dates and segment, and with its
first touchpoint and outcome as the customers they keep (``first_touchpoint``), as the
friction list does; the first touchpoint's journeys are cut as the map's are (by gap or by
order cycle). Only what a section flags is kept: funnel steps with unusual drop-off
(by the touchpoint whose events they are), touchpoints with significantly high effort and
stages with significantly negative emotion. The driver analysis behind the friction list's
events is not run: it marks no touchpoint of the map.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from cxm.analytics.first_touchpoint import customers_allowed
from cxm.analytics.friction_dropoff import DropOff, drop_offs
from cxm.analytics.friction_effort import EffortPoint, effort
from cxm.analytics.friction_emotion import EmotionPoint, negative_emotion
from cxm.analytics.journeys import JourneyQuery, journey_events


@dataclass(frozen=True)
class MapFriction:
    drop_offs: dict[str, list[DropOff]] = field(default_factory=dict)  # touchpoint: its steps
    effort: dict[str, EffortPoint] = field(default_factory=dict)  # touchpoint: its high effort
    emotion: dict[str, EmotionPoint] = field(default_factory=dict)  # stage: its negative emotion


def map_friction(con: Any, org_id: int, q: JourneyQuery) -> MapFriction:
    """What the friction sections flag for the map's filters (``con``: synced Ibis DuckDB)."""
    who = _allowed(con, org_id, q)
    steps = drop_offs(con, org_id, q.store, q.channel, q.since, q.until, (), q.segment, who)
    hard = effort(con, org_id, q.store, q.channel, q.since, q.until, q.segment, who)
    unhappy = negative_emotion(con, org_id, q.store, q.channel, q.since, q.until, q.segment, who)
    dropping: dict[str, list[DropOff]] = {}
    for d in steps.steps:  # ranked: the worst step of a touchpoint first
        if d.unusual and d.touchpoint:
            dropping.setdefault(d.touchpoint, []).append(d)
    return MapFriction(
        dropping,
        {e.touchpoint: e for e in hard.points if e.harmful},
        {m.stage: m for m in unhappy.points if m.harmful},
    )


def _allowed(con: Any, org_id: int, q: JourneyQuery) -> list[int] | None:
    """``customers_allowed`` with the first touchpoint's journeys cut by the map's split."""
    if q.split == "gap" or not q.first:
        return customers_allowed(con, org_id, q.first, q.outcome, q.since, q.until, q.gap_days)
    grouped = customers_allowed(con, org_id, None, q.outcome)
    starting = JourneyQuery(since=q.since, until=q.until, first=q.first, split=q.split)
    frame = journey_events(con, org_id, starting)
    found = {int(p) for p in frame["person"].unique().to_list()} if frame.height else set()
    return sorted(found if grouped is None else found & set(grouped))


def load_map_friction(analytics: Any, org_id: int, q: JourneyQuery) -> MapFriction:
    """``map_friction`` reused while the synced data stay the same; the gap that cuts the
    map's journeys (or the order-cycle split) plays a part only through the first-touchpoint
    filter, so without it every gap and split shares one result."""
    gap = q.gap_days if q.first and q.split == "gap" else JourneyQuery.gap_days
    split = q.split if q.first else JourneyQuery.split
    key = ("journey-map-friction", org_id, replace(q, gap_days=gap, split=split))

    def compute() -> MapFriction:
        with analytics.fresh() as con:
            return map_friction(con, org_id, q)

    found: MapFriction = analytics.cached(key, compute)
    return found
