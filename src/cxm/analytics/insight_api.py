"""JSON routes for funnels, rework, outcomes per path and moments of truth (friction:
``friction_api``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, replace
from datetime import date
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from cxm.analytics.backend import Analytics
from cxm.analytics.driver_intervals import Intervals, request_intervals
from cxm.analytics.drivers import BUILT_IN, DriverQuery, analyse
from cxm.analytics.funnels import MAX_STEPS, FunnelQuery, funnel
from cxm.analytics.outcomes import OutcomeQuery, outcomes
from cxm.analytics.quadrants import QuadrantQuery, quadrants
from cxm.analytics.rework import ReworkQuery, rework
from cxm.web.deps import ApiClient

router = APIRouter(prefix="/api/v1/analytics", tags=["journeys"])
T = TypeVar("T")
Outcome = Literal["promoter", "passive", "detractor"]
FIRST = "Only orders whose journey starts at this touchpoint code (journeys cut from all events "
"cut where the gap between two events is longer than `gap_days`), and, for sections built on "
"events, answers or comments, customers with a journey in the period starting there."
GAP = "Days of inactivity that end a journey, for the `first` filter (as on the journey map)."
REFUSED = "Only customers whose latest NPS answer is in this group, with `target` repeat or "
"churn; refused (422) with `target=nps`: the outcome is the group of the NPS answer explained."
Target = Literal["nps", "repeat", "churn"]
TARGET = "What the drivers explain: `nps` (each answered order +100/0/-100), `repeat` (the "
"customer ordered again within 90 days: 100, else 0) or `churn` (the order was the customer's "
"last: 100, else 0), the last two over orders with 120 days of follow-up; `unit` says whether "
"effects and impacts are NPS points or percentage points."
OUTCOME = "Only customers whose latest NPS answer is in this group; no NPS effect is measured "
"then (`message` says so), reach and churn are."


def run_on(analytics: Analytics, org_id: int, fn: Callable[[Any, int, Any], T], q: Any) -> T:
    """``fn(con, org_id, q)`` on the synced analytics store."""
    with analytics.fresh() as con:
        return fn(con, org_id, q)


@router.get(
    "/funnel",
    description="Conversion through ordered steps within a time window: per step the "
    "attempts and customers that reached it, conversion, drop-off and median hours from the "
    "previous step, overall and by the channel of each attempt's first event. A step is a "
    "touchpoint code, a journey stage (`stage:delivery`: any of its touchpoints), an event "
    "name, or an event name with a property value "
    "(`Checkout Step Viewed[step=3]`). Unknown steps, a window of zero hours or more than "
    f"{MAX_STEPS} steps are refused with the reason.",
)
async def funnel_route(
    request: Request,
    client: ApiClient,
    step: Annotated[list[str], Query(description="The steps in order; repeat the parameter.")],
    window_hours: float = Query(default=24.0),
    strict: bool = False,
    store: str | None = None,
    channel: str | None = None,
    since: date | None = None,
    until: date | None = None,
    segment: str | None = Query(default=None, description="Only customers in this segment."),
    first: str | None = Query(
        default=None,
        description="Only customers with a journey in the period starting at this touchpoint.",
    ),
    outcome: str | None = Query(
        default=None,
        description="promoter, passive or detractor: only customers whose latest NPS answer "
        "is in this group.",
    ),
    gap_days: int = Query(default=30, ge=1, le=365, description=GAP),
) -> dict[str, Any]:
    q = FunnelQuery(
        tuple(step), window_hours, strict, store, channel, since, until, segment, first, outcome,
        gap_days,
    )  # fmt: skip
    found = await run_in_threadpool(
        run_on, request.app.state.analytics, client.organization_id, funnel, q
    )
    body = asdict(found)
    body["drop_offs"] = {
        "all": [s.step for s in found.drop_offs()],
        **{ch: [s.step for s in found.drop_offs(ch)] for ch in found.by_channel},
    }
    return body


@router.get(
    "/drivers",
    description="Moments of truth: yes/no journey events as drivers of per-respondent NPS "
    "scores (+100/0/-100), or, with `target=repeat` or `target=churn`, of whether the order "
    "was followed by another within 90 days or was the customer's last (100/0 per order with "
    "120 days of follow-up; `respondents` counts those orders, effects and impacts are "
    "percentage points, `mean` is the share in percent; churn ranks the drivers adding the "
    "most first). `target` and `unit` are in the answer. For each driver: the raw "
    "difference and the effect adjusted for the other drivers and the controls (ordinary "
    "least squares, statsmodels) with 95% intervals, the NPS points it costs overall (its "
    "impact, which ranks them) and its "
    "share of explained variance (exact LMG up to 10 drivers, Johnson's relative weights "
    "beyond, or as `importance` asks; `importance_method` names the one used) with a "
    "bootstrap interval. The point estimates come at once; the bootstrap (`bootstrap` "
    "resamples) runs as a background job cached per query and data: `intervals.status` is "
    "pending (poll `intervals.url`, then ask again), ready (the intervals are filled in), "
    "failed, or none. Built-in "
    f"drivers: {', '.join(BUILT_IN)}; any touchpoint code is a driver too (the order had it), "
    "`theme:KEY` (e.g. `theme:delivery/late`): a comment about the order, or by its "
    "customer about no order, has the theme, and `rating:CODE` (e.g. "
    "`rating:store_purchase`): the order's CSAT answer at that touchpoint was low (1-3 of 5); "
    "only the orders with every named rating are analysed, as `note` says.",
)
async def drivers_route(
    request: Request,
    client: ApiClient,
    driver: Annotated[list[str] | None, Query(description="Drivers; repeat the parameter.")] = None,
    loop_contacts: int = Query(default=3, ge=2, le=20),
    delivered_only: bool = True,
    controls: bool = True,
    bootstrap: int = Query(default=200, ge=0, le=2000),
    importance: str = Query(default="auto", pattern="^(auto|lmg|johnson)$"),
    store: str | None = None,
    channel: str | None = None,
    since: date | None = None,
    until: date | None = None,
    segment: str | None = Query(default=None, description="only customers in this segment"),
    first: str | None = Query(default=None, description=FIRST),
    outcome: Annotated[Outcome | None, Query(description=REFUSED)] = None,
    gap_days: int = Query(default=30, ge=1, le=365, description=GAP),
    target: Annotated[Target, Query(description=TARGET)] = "nps",
) -> dict[str, Any]:
    q = DriverQuery(
        tuple(driver or BUILT_IN),
        loop_contacts,
        delivered_only,
        controls,
        0,  # point estimates now; the bootstrap runs as a cached background job
        store,
        channel,
        since,
        until,
        importance=importance,
        segment=segment,
        first=first,
        outcome=outcome,
        gap_days=gap_days,
        target=target,
    )
    analytics = request.app.state.analytics
    found = await run_in_threadpool(run_on, analytics, client.organization_id, analyse, q)
    intervals = Intervals("none")
    if bootstrap:
        found, intervals = await run_in_threadpool(
            request_intervals,
            request.app.state.db,
            analytics.path,
            client.organization_id,
            replace(q, bootstrap=bootstrap),
            found,
        )
    body = asdict(found)
    body["intervals"] = {
        **asdict(intervals),
        "url": f"/api/v1/jobs/{intervals.job_id}" if intervals.job_id else None,
    }
    return body


@router.get(
    "/drivers/quadrants",
    description="Importance x performance of the drivers, per journey stage (`by=stage`) or "
    "per store (`by=store`: the customers whose usual store it is). Importance is the "
    "driver's share of the explained variance of NPS, or of repeat purchase or churn with "
    "`target` (`importance_method` names LMG or Johnson); "
    "performance the share of orders free of a problem, or the CSAT top-2-box share of a "
    "touchpoint's ratings. Each point's quadrant (concentrate, keep_up, low_priority, "
    "overkill) is read against the organization's mean importance and performance.",
)
async def quadrants_route(
    request: Request,
    client: ApiClient,
    by: str = Query(default="stage", pattern="^(stage|store)$"),
    driver: Annotated[list[str] | None, Query(description="Drivers; repeat the parameter.")] = None,
    loop_contacts: int = Query(default=3, ge=2, le=20),
    channel: str | None = None,
    since: date | None = None,
    until: date | None = None,
    segment: str | None = Query(default=None, description="only customers in this segment"),
    first: str | None = Query(default=None, description=FIRST),
    outcome: Annotated[Outcome | None, Query(description=REFUSED)] = None,
    gap_days: int = Query(default=30, ge=1, le=365, description=GAP),
    target: Annotated[Target, Query(description=TARGET)] = "nps",
) -> dict[str, Any]:
    q = QuadrantQuery(
        by, tuple(driver or BUILT_IN), loop_contacts, channel, since, until, segment, first,
        outcome, gap_days, target,
    )  # fmt: skip
    found = await run_in_threadpool(
        run_on, request.app.state.analytics, client.organization_id, quadrants, q
    )
    return asdict(found)


@router.get(
    "/rework",
    description="Rework and loops: orders with repeated contacts at one contact-centre "
    "touchpoint (orders, customers, their NPS with its interval against other orders', "
    "detractor share, comments filed), touchpoints journeys return to after another one, "
    "and journeys whose first and last channels differ.",
)
async def rework_route(
    request: Request,
    client: ApiClient,
    gap_days: int = Query(default=30, ge=1, le=365),
    loop_contacts: int = Query(default=3, ge=2, le=20),
    top: int = Query(default=10, ge=1, le=100),
    store: str | None = None,
    since: date | None = None,
    until: date | None = None,
    split: Literal["gap", "order"] = Query(
        default="gap",
        description="Revisits and channel switches per journey cut by inactivity (`gap`) or "
        "by order cycle (`order`; `gap_days` is then ignored). Contact loops are per order.",
    ),
) -> dict[str, Any]:
    q = ReworkQuery(gap_days, loop_contacts, store, since, until, top, split)
    found = await run_in_threadpool(rework, request.app.state.analytics, client.organization_id, q)
    return asdict(found)


@router.get(
    "/outcomes",
    description="Outcome per path: for each order variant (the touchpoints of the events "
    "about an order), or for orders with and without an event (a touchpoint code or late, "
    "contact_loop, returned), the orders, NPS with its 95% interval, the share buying again "
    "within 90 days and the churn share, and the tested differences. Filters: the order's "
    "store, channel and dates; the customer's segment and outcome (latest complete NPS answer: "
    "promoter, passive or detractor); `first`, the touchpoint the order's path starts at.",
)
async def outcomes_route(
    request: Request,
    client: ApiClient,
    event: str | None = None,
    top: int = Query(default=10, ge=1, le=100),
    store: str | None = None,
    channel: str | None = None,
    since: date | None = None,
    until: date | None = None,
    segment: str | None = None,
    outcome: str | None = Query(default=None, pattern="^(promoter|passive|detractor)$"),
    first: str | None = None,
) -> dict[str, Any]:
    q = OutcomeQuery(
        event,
        top=top,
        store=store,
        channel=channel,
        since=since,
        until=until,
        segment=segment,
        outcome=outcome,
        first=first,
    )
    found = await run_in_threadpool(
        run_on, request.app.state.analytics, client.organization_id, outcomes, q
    )
    return asdict(found)
