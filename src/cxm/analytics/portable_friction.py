"""Friction's event-based sections (drop-off, effort, negative emotion) on any Ibis engine,
with the first-touchpoint and outcome filters found by the engine too."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ibis import _

from cxm.analytics.first_touchpoint import GAP_DAYS, check_gap, check_outcome
from cxm.analytics.friction_dropoff import DropOffList, portable_drop_offs
from cxm.analytics.friction_effort import EffortList, portable_effort
from cxm.analytics.friction_emotion import EmotionList, portable_negative_emotion
from cxm.analytics.journeys import JourneyQuery, people
from cxm.core.errors import Fault, ValidationError


@dataclass(frozen=True)
class FrictionSections:
    """The sections of ``friction.FrictionList`` that need no driver analysis."""

    drop_offs: DropOffList = field(default_factory=DropOffList)
    effort: EffortList = field(default_factory=EffortList)
    emotion: EmotionList = field(default_factory=EmotionList)


def portable_customers_allowed(
    con: Any,
    org_id: int,
    first: str | None,
    outcome: str | None,
    since: date | None = None,
    until: date | None = None,
    gap_days: int = GAP_DAYS,
) -> list[int] | None:
    """``first_touchpoint.customers_allowed`` on any Ibis connection: the customers with a
    journey in the period starting at ``first`` and those of the ``outcome`` group; None when
    neither is set (everyone)."""
    from cxm.analytics.portable import journey_table

    check_outcome(outcome)
    check_gap(gap_days)
    allowed: set[int] | None = None
    if first is not None:
        known = con.table("touchpoint").filter((_.organization_id == org_id) & (_.code == first))
        if not known.count().to_pyarrow().as_py():
            raise ValidationError(
                f"first: no touchpoint {first!r} (the first touchpoint is a touchpoint code).",
                [Fault(f"no touchpoint '{first}'", "first")],
            )
        q = JourneyQuery(gap_days, since=since, until=until, first=first)
        who = journey_table(con, org_id, q).select("person").distinct().to_pyarrow()
        allowed = {int(p) for p in who.column("person").to_pylist()}
    if outcome is not None:
        found = people(con, org_id, JourneyQuery(outcome=outcome)).to_pyarrow()
        grouped = {int(p) for p in found.column("who").to_pylist()}
        allowed = grouped if allowed is None else allowed & grouped
    return None if allowed is None else sorted(allowed)


def portable_sections(
    con: Any,
    org_id: int,
    store: str | None = None,
    channel: str | None = None,
    since: date | None = None,
    until: date | None = None,
    funnels: tuple[str, ...] = (),
    segment: str | None = None,
    first: str | None = None,
    outcome: str | None = None,
    gap_days: int = GAP_DAYS,
) -> FrictionSections:
    """Drop-off, effort and negative emotion as ``friction.friction`` gives them, with the
    same filters, on any Ibis connection (DuckDB, PySpark)."""
    who = portable_customers_allowed(con, org_id, first, outcome, since, until, gap_days)
    return FrictionSections(
        portable_drop_offs(con, org_id, store, channel, since, until, funnels, segment, who),
        portable_effort(con, org_id, store, channel, since, until, segment, who),
        portable_negative_emotion(con, org_id, store, channel, since, until, segment, who),
    )
