"""Importance x performance: the four quadrants CX teams act on, per stage or per store.

Each driver of the moments-of-truth analysis (``drivers``) is a point: its *importance* is
its share of the explained variance of the target: NPS, or repeat purchase or churn
(``target``, as in ``driver_targets``; exact LMG or Johnson's relative weights, named
in ``importance_method``); its *performance* is how often customers get it right, 0 to 1:
for a problem (``late``, ``contact_loop``, ``returned``) the share of orders with a delivery
promise that were free of it; for a touchpoint the CSAT top-2-box share (4 or 5 of 5) of
the ratings given at it (no ratings: no performance, not drawn). The cut lines are the mean
importance and the mean performance of the organization's drawn points, so every panel is
read against the same company-wide lines:

- *concentrate*: important and below the line: fix these first;
- *keep_up*: important and above it;
- *low_priority*: neither important nor good;
- *overkill*: good at something that moves little.

``by="stage"`` groups the points into a panel per journey stage (a problem's stage: late
delivery, contact loops and returns after sales; a touchpoint's own stage). ``by="store"``
gives a panel per store for the customers whose usual store it is (``order_facts``): the
store's own performance, and its own importance when it has enough respondents for a driver
analysis, else the organization's (``importance_from`` says which).

The first-touchpoint filter keeps the orders whose journey starts at a touchpoint, and the
CSAT ratings of the customers with such a journey in the period (``first_touchpoint``). The
outcome filter is refused when NPS is the target, as by the driver analysis; with repeat
purchase or churn it keeps the orders, and the ratings, of the customers in that NPS group.

The same figures come from any Ibis engine with ``source=PORTABLE``
(``portable_orders``): what the quadrants read besides the driver analyses is in
``quadrant_reads``, as the embedded SQL and as Ibis expressions (``cxm analytics spark
quadrants``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import polars as pl

from cxm.analytics.driver_targets import explains_nps, target_faults
from cxm.analytics.drivers import BUILT_IN, DriverQuery, DriverResult, analyse
from cxm.analytics.first_touchpoint import (
    GAP_DAYS,
    check_gap,
    check_outcome,
    keep_orders,
    one_reading,
    refuse_outcome,
)
from cxm.analytics.order_facts import EMBEDDED, OrderQuery, OrderSource, had
from cxm.analytics.quadrant_reads import QuadrantReads, embedded_reads, portable_reads
from cxm.analytics.rating_drivers import is_rating
from cxm.core.errors import Fault, ValidationError

PROBLEM_STAGE = {"late": "delivery", "contact_loop": "after_sales", "returned": "after_sales"}


@dataclass(frozen=True)
class QuadrantQuery:
    by: str = "stage"  # stage or store
    drivers: tuple[str, ...] = BUILT_IN
    loop_contacts: int = 3
    channel: str | None = None
    since: date | None = None
    until: date | None = None
    segment: str | None = None  # only customers in this segment
    first: str | None = None  # only orders (ratings: customers) whose journey starts here
    outcome: str | None = None  # refused for NPS, the answer explained (``first_touchpoint``)
    gap_days: int = GAP_DAYS  # inactivity gap cutting the journeys of the first filter
    target: str = "nps"  # what the importance explains: nps, repeat or churn

    def check(self) -> None:
        faults = target_faults(self.target)
        if faults:
            raise ValidationError(f"target: {faults[0].reason}.", faults)
        if explains_nps(self.target):
            refuse_outcome(self.outcome, "the quadrants' importance (a driver analysis)")
        else:
            check_outcome(self.outcome)
        check_gap(self.gap_days)
        if self.by not in ("stage", "store"):
            raise ValidationError("by must be stage or store.", [Fault("stage or store", "by")])
        themes = [d for d in self.drivers if d.startswith("theme:")]
        if themes:  # a theme has no journey stage nor a performance to draw
            raise ValidationError(
                f"Theme drivers ({', '.join(themes)}) are weighed by the driver analysis "
                "(cxm drivers), not drawn in quadrants.",
                [Fault("a journey event or touchpoint code", "drivers")],
            )
        ratings = [d for d in self.drivers if is_rating(d)]
        if ratings:  # complete cases would weigh every other point on the rated orders alone
            raise ValidationError(
                f"Rating drivers ({', '.join(ratings)}) are weighed by the driver analysis "
                "(cxm drivers), not drawn in quadrants: its touchpoint code is the point with "
                "the CSAT top-2-box share as performance.",
                [Fault("a journey event or touchpoint code", "drivers")],
            )


@dataclass(frozen=True)
class QuadrantPoint:
    driver: str
    stage: str
    importance: float | None  # share of explained variance, 0-1
    performance: float | None  # share of orders free of the problem, or CSAT top-2-box
    performance_base: int  # orders or ratings behind the performance
    quadrant: str | None  # concentrate, keep_up, low_priority, overkill
    significant: bool
    note: str | None = None


@dataclass(frozen=True)
class QuadrantPanel:
    key: str  # the stage or the store code
    respondents: int
    importance_from: str  # "organization" or "store"
    points: list[QuadrantPoint] = field(default_factory=list)
    message: str | None = None


@dataclass(frozen=True)
class Quadrants:
    by: str
    importance_method: str | None
    importance_cut: float | None
    performance_cut: float | None
    panels: list[QuadrantPanel] = field(default_factory=list)
    message: str | None = None
    target: str = "nps"  # what the importance explains: nps, repeat or churn


def _quadrant(
    importance: float | None, performance: float | None, cuts: tuple[float, float]
) -> str | None:
    if importance is None or performance is None:
        return None
    important, good = importance >= cuts[0], performance >= cuts[1]
    if important:
        return "keep_up" if good else "concentrate"
    return "overkill" if good else "low_priority"


def _performance(
    con: Any, org_id: int, q: QuadrantQuery, store: str | None, reads: QuadrantReads
) -> dict[str, tuple[float | None, int]]:
    """Each driver's performance and its base, for one store's customers or all."""
    codes = tuple(d for d in q.drivers if d not in BUILT_IN)
    facts = reads.source.facts(
        con,
        org_id,
        OrderQuery(
            channel=q.channel, since=q.since, until=q.until, touchpoints=(), home_store=store
        ),
    ).filter(pl.col("delivery"))
    if q.segment is not None:
        facts = facts.filter(pl.col("segment") == q.segment)
    facts = keep_orders(con, org_id, facts, reads.first, q.outcome, q.gap_days)
    out: dict[str, tuple[float | None, int]] = {}
    for d in q.drivers:
        if d in BUILT_IN:
            n = facts.height
            free = 1 - float(facts.select(had(d, q.loop_contacts).mean()).item()) if n else None
            out[d] = (free, n)
    if codes:
        found = reads.ratings(store)
        for d in codes:
            good, n = found.get(d, (0, 0))
            out[d] = (good / n, n) if n else (None, 0)
    return out


def _points(
    result: DriverResult,
    perf: dict[str, tuple[float | None, int]],
    stages: dict[str, str],
    cuts: tuple[float, float] | None,
) -> list[QuadrantPoint]:
    weighed = {d.name: d for d in result.drivers}
    points = []
    for name, (performance, base) in perf.items():
        d = weighed.get(name)
        importance = d.importance if d else None
        note = d.note if d else result.message
        if performance is None:
            note = "no CSAT ratings at this touchpoint"
        points.append(
            QuadrantPoint(
                name,
                stages[name],
                importance,
                performance,
                base,
                _quadrant(importance, performance, cuts) if cuts else None,
                bool(d and d.significant),
                note,
            )
        )
    return points


@one_reading()
def quadrants(con: Any, org_id: int, q: QuadrantQuery, source: OrderSource = EMBEDDED) -> Quadrants:
    """Importance x performance per stage or per store (``con``: synced Ibis DuckDB, or any
    Ibis backend with ``source=PORTABLE`` from ``cxm.analytics.portable_orders``)."""
    q.check()
    reads = (
        portable_reads(con, org_id, q, source)
        if source.portable
        else embedded_reads(con, org_id, q)
    )
    base = DriverQuery(
        q.drivers, q.loop_contacts, True, True, 0, None, q.channel, q.since, q.until,
        segment=q.segment, first=reads.first, outcome=q.outcome, gap_days=q.gap_days,
        target=q.target,
    )  # fmt: skip
    overall = analyse(con, org_id, base, reads.source)  # validates the drivers
    known = reads.stages()
    stages = {d: PROBLEM_STAGE.get(d) or str(known[d] or "unknown") for d in q.drivers}
    perf = _performance(con, org_id, q, None, reads)
    drawn = [
        (d.importance, perf[d.name][0])
        for d in overall.drivers
        if d.importance is not None and perf[d.name][0] is not None
    ]
    cut_i = sum(i or 0.0 for i, _ in drawn) / len(drawn) if drawn else None
    cut_p = sum(p or 0.0 for _, p in drawn) / len(drawn) if drawn else None
    cuts = (cut_i, cut_p) if cut_i is not None and cut_p is not None else None
    method = overall.importance_method
    if q.by == "stage":
        points = _points(overall, perf, stages, cuts)
        panels = [
            QuadrantPanel(
                stage, overall.respondents, "organization", [p for p in points if p.stage == stage]
            )
            for stage in dict.fromkeys(p.stage for p in points)
        ]
        return Quadrants("stage", method, cut_i, cut_p, panels, overall.message, q.target)
    panels = []
    for code in reads.stores():
        own = analyse(con, org_id, replace(base, home_store=code), reads.source)
        weights_from = "store" if own.message is None else "organization"
        weights = own if own.message is None else overall
        points = _points(weights, _performance(con, org_id, q, code, reads), stages, cuts)
        note = None if own.message is None else f"Importance from all stores: {own.message}"
        panels.append(QuadrantPanel(code, own.respondents, weights_from, points, note))
    return Quadrants("store", method, cut_i, cut_p, panels, overall.message, q.target)


def moment_quadrants(analytics: Any, org_id: int, q: DriverQuery, by: str) -> Quadrants:
    """The quadrants for the moments-of-truth page's drivers and filters (errors said)."""
    try:
        with analytics.fresh() as con:
            return quadrants(
                con,
                org_id,
                QuadrantQuery(
                    by,
                    q.drivers,
                    q.loop_contacts,
                    q.channel,
                    q.since,
                    q.until,
                    q.segment,
                    q.first,
                    q.outcome,
                    q.gap_days,
                    q.target,
                ),  # fmt: skip
            )
    except ValidationError as exc:
        return Quadrants(by, None, None, None, [], str(exc), q.target)
