"""Importance x performance: the four quadrants CX teams act on, per stage or per store.

Each driver of the moments-of-truth analysis (``drivers``) is a point: its *importance* is
its share of the explained variance of NPS (exact LMG or Johnson's relative weights, named
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
CSAT ratings of the customers with such a journey in the period (``first_touchpoint``); the
outcome filter is refused, as by the driver analysis.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import polars as pl

from cxm.analytics.drivers import BUILT_IN, DriverQuery, DriverResult, analyse
from cxm.analytics.first_touchpoint import (
    GAP_DAYS,
    check_gap,
    customers_starting_at,
    keep_orders,
    one_reading,
    refuse_outcome,
)
from cxm.analytics.order_facts import OrderQuery, known_touchpoints, order_facts
from cxm.core.errors import Fault, ValidationError

PROBLEM_STAGE = {"late": "delivery", "contact_loop": "after_sales", "returned": "after_sales"}
GOOD_CSAT = 4  # top-2-box of a 1-5 CSAT


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
    outcome: str | None = None  # refused: importance explains NPS (``first_touchpoint``)
    gap_days: int = GAP_DAYS  # inactivity gap cutting the journeys of the first filter

    def check(self) -> None:
        refuse_outcome(self.outcome, "the quadrants' importance (a driver analysis)")
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
    con: Any, org_id: int, q: QuadrantQuery, store: str | None
) -> dict[str, tuple[float | None, int]]:
    """Each driver's performance and its base, for one store's customers or all."""
    codes = tuple(d for d in q.drivers if d not in BUILT_IN)
    facts = order_facts(
        con,
        org_id,
        OrderQuery(
            channel=q.channel, since=q.since, until=q.until, touchpoints=(), home_store=store
        ),
    ).filter(pl.col("delivery"))
    if q.segment is not None:
        facts = facts.filter(pl.col("segment") == q.segment)
    facts = keep_orders(con, org_id, facts, q.first, gap_days=q.gap_days)
    flags = {
        "late": pl.col("late"),
        "contact_loop": pl.col("contacts") >= q.loop_contacts,
        "returned": pl.col("returned"),
    }
    out: dict[str, tuple[float | None, int]] = {}
    for d in q.drivers:
        if d in flags:
            n = facts.height
            out[d] = (1 - float(facts.select(flags[d].mean()).item()) if n else None, n)
    if codes:
        raters = (
            None
            if q.first is None
            else customers_starting_at(con, org_id, q.first, q.since, q.until, q.gap_days)
        )
        rows = con.con.execute(
            """
            SELECT t.code, count(*) AS n, sum(CASE WHEN a.value >= ? THEN 1 ELSE 0 END) AS good
            FROM survey_answer a JOIN survey_response r ON r.id = a.response_id
            JOIN touchpoint t ON t.id = r.touchpoint_id
            LEFT JOIN location l ON l.id = r.location_id
            LEFT JOIN customer c ON c.id = r.customer_id
            WHERE a.organization_id = ? AND a.kind = 'csat' AND r.status = 'complete'
              AND (? IS NULL OR l.code = ?)
              AND (? IS NULL OR c.segment = ?)
              AND (? IS NULL OR list_contains(?, coalesce(c.merged_into, c.id)))
              AND (? IS NULL OR CAST(r.completed_at_local AS DATE) >= ?)
              AND (? IS NULL OR CAST(r.completed_at_local AS DATE) <= ?)
            GROUP BY t.code
            """,
            [
                GOOD_CSAT,
                org_id,
                store,
                store,
                q.segment,
                q.segment,
                raters,
                raters,
                q.since,
                q.since,
                q.until,
                q.until,
            ],  # fmt: skip
        ).fetchall()
        found = {str(code): (int(good) / int(n), int(n)) for code, n, good in rows if n}
        for d in codes:
            out[d] = found.get(d, (None, 0))
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
def quadrants(con: Any, org_id: int, q: QuadrantQuery) -> Quadrants:
    """Importance x performance per stage or per store (``con``: synced Ibis DuckDB)."""
    q.check()
    known = known_touchpoints(con, org_id)
    base = DriverQuery(
        q.drivers, q.loop_contacts, True, True, 0, None, q.channel, q.since, q.until,
        segment=q.segment, first=q.first, gap_days=q.gap_days,
    )  # fmt: skip
    overall = analyse(con, org_id, base)  # validates the drivers
    stages = {d: PROBLEM_STAGE.get(d) or str(known[d]["stage"] or "unknown") for d in q.drivers}
    perf = _performance(con, org_id, q, None)
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
        return Quadrants("stage", method, cut_i, cut_p, panels, overall.message)
    rows = con.con.execute(
        "SELECT code FROM location WHERE organization_id = ? AND kind = 'store' ORDER BY code",
        [org_id],
    ).fetchall()
    panels = []
    for (code,) in rows:
        own = analyse(con, org_id, replace(base, home_store=str(code)))
        source = "store" if own.message is None else "organization"
        weights = own if own.message is None else overall
        points = _points(weights, _performance(con, org_id, q, str(code)), stages, cuts)
        note = None if own.message is None else f"Importance from all stores: {own.message}"
        panels.append(QuadrantPanel(str(code), own.respondents, source, points, note))
    return Quadrants("store", method, cut_i, cut_p, panels, overall.message)


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
                ),  # fmt: skip
            )
    except ValidationError as exc:
        return Quadrants(by, None, None, None, [], str(exc))
