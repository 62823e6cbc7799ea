"""JSON routes for funnels, rework, outcomes per path, moments of truth and friction."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, replace
from datetime import date
from typing import Annotated, Any, Literal, TypeVar
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from cxm.analytics.backend import Analytics
from cxm.analytics.driver_intervals import Intervals, request_intervals
from cxm.analytics.drivers import BUILT_IN, DriverQuery, analyse
from cxm.analytics.friction import FrictionQuery, friction
from cxm.analytics.friction_dropoff import WINDOW_HOURS
from cxm.analytics.friction_evidence import friction_evidence
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


def _run(analytics: Analytics, org_id: int, fn: Callable[[Any, int, Any], T], q: Any) -> T:
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
        _run, request.app.state.analytics, client.organization_id, funnel, q
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
    found = await run_in_threadpool(_run, analytics, client.organization_id, analyse, q)
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
        _run, request.app.state.analytics, client.organization_id, quadrants, q
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
        _run, request.app.state.analytics, client.organization_id, outcomes, q
    )
    return asdict(found)


@router.get(
    "/friction",
    description="Friction points ranked by customers affected times the NPS points lost "
    "(the adjusted effect from the driver analysis), each with its evidence: orders, "
    "respondents, raw and adjusted effects with intervals, churn with and without it, and "
    "days past the promised date for late deliveries; each links to its evidence "
    "(`evidence_url`). Beside them, `drop_offs.steps`: the steps of multi-step touchpoints "
    "(events with a `step` property, read as a funnel in the touchpoint's channel) ranked "
    "by attempts lost beyond a typical step (attempts reaching it x its drop rate minus the "
    "median drop rate of the other steps; only steps significantly above the others are "
    "scored), with attempts, drop-offs, customers who left there, the drop rate's Wilson "
    "interval, the peers' median rate, the Benjamini-Hochberg adjusted p-value, and "
    "`funnel_url`: the funnel behind it. The filters apply to the attempts' first event. "
    "And `effort.points`: touchpoints whose CES answers (1-7, 7 = very easy) are worse than "
    "the other touchpoints' (Welch t test against their pooled answers, Benjamini-Hochberg), "
    "with respondents, mean and its 95% interval, the others' mean, the shares of easy "
    "answers (5-7), customers with an event at the touchpoint, and a score for the "
    "significantly harder ones: those customers x (the others' easy share - its easy "
    "share); `responses_url` lists the hard answers (1-4) behind it. And `emotion.points`: "
    "journey stages whose comments (their newest text enrichment; the stage as on the "
    "emotion curve) are more often negative than the other stages' (two-proportion z test, "
    "Benjamini-Hochberg), with comments, negative share and its Wilson interval, the "
    "others' share, mean sentiment, the most frequent emotion, customers who commented, and "
    "a score for the significantly more negative ones: those customers x (its negative "
    "share - the others'); `evidence_url` lists the negative comments behind it.",
)
async def friction_route(
    request: Request,
    client: ApiClient,
    touchpoint: Annotated[list[str] | None, Query(description="Extra candidates.")] = None,
    loop_contacts: int = Query(default=3, ge=2, le=20),
    store: str | None = None,
    channel: str | None = None,
    since: date | None = None,
    until: date | None = None,
    funnel: Annotated[
        list[str] | None,
        Query(
            description="A funnel to weigh for drop-off besides the ones found, its steps "
            "separated by ` > ` (repeat), e.g. `Checkout Step Viewed[step=5] > Order Completed`; "
            "unknown steps are refused with the reason."
        ),
    ] = None,
    segment: str | None = Query(default=None, description="only customers in this segment"),
    first: str | None = Query(default=None, description=FIRST),
    outcome: Annotated[Outcome | None, Query(description=OUTCOME)] = None,
    gap_days: int = Query(default=30, ge=1, le=365, description=GAP),
) -> dict[str, Any]:
    q = FrictionQuery(
        tuple(touchpoint or ()),
        loop_contacts,
        store,
        channel,
        since,
        until,
        tuple(funnel or ()),
        segment,
        first,
        outcome,
        gap_days,
    )
    found = await run_in_threadpool(
        _run, request.app.state.analytics, client.organization_id, friction, q
    )
    body = asdict(found)
    filters = {
        k: v
        for k, v in {
            "loop_contacts": loop_contacts,
            "store": store,
            "channel": channel,
            "since": since,
            "until": until,
            "segment": segment,
            "first": first,
            "outcome": outcome,
            "gap_days": gap_days if first else None,
        }.items()
        if v is not None
    }
    people = {k: v for k, v in filters.items() if k in ("first", "outcome", "gap_days")}
    for point in body["points"]:
        point["evidence_url"] = "/api/v1/analytics/friction/evidence?" + urlencode(
            {"name": point["name"], **filters}
        )
    dates = {
        k: v
        for k, v in (("store", store), ("since", since), ("until", until), ("segment", segment))
        if v
    }
    for step in body["drop_offs"]["steps"]:
        step["funnel_url"] = "/api/v1/analytics/funnel?" + urlencode(
            [("step", s) for s in step["funnel"]]
            + [("window_hours", WINDOW_HOURS)]
            + ([("channel", step["channel"])] if step["channel"] else [])
            + list(dates.items())
            + list(people.items())
        )
    for point in body["effort"]["points"]:
        point["responses_url"] = "/api/v1/responses?" + urlencode(
            {"touchpoint": point["touchpoint"], "kpi": "ces", "score_max": 4}
            | ({"store": store} if store else {})
            | ({"segment": segment} if segment else {})
            | people
        )
    for point in body["emotion"]["points"]:
        point["evidence_url"] = "/api/v1/analytics/friction/evidence?" + urlencode(
            {"name": f"emotion:{point['stage']}", **filters}
        )
    return body


@router.get(
    "/friction/evidence",
    description="The evidence behind one friction point (`name`: late, contact_loop, "
    "returned, a touchpoint code, or `emotion:<stage>` for a stage's negative comments and "
    "the customers who wrote them), with the same filters as the list: the ids of the "
    "customers and orders that had it, and the survey responses (lowest NPS first) and "
    "comments (newest first, with their sentiment) about those orders; counts are complete, "
    "the listed responses and comments stop at 200 each.",
)
async def friction_evidence_route(
    request: Request,
    client: ApiClient,
    name: str,
    loop_contacts: int = Query(default=3, ge=2, le=20),
    store: str | None = None,
    channel: str | None = None,
    since: date | None = None,
    until: date | None = None,
    segment: str | None = Query(default=None, description="only customers in this segment"),
    first: str | None = Query(default=None, description=FIRST),
    outcome: Annotated[Outcome | None, Query(description=OUTCOME)] = None,
    gap_days: int = Query(default=30, ge=1, le=365, description=GAP),
) -> dict[str, Any]:
    q = FrictionQuery(
        (), loop_contacts, store, channel, since, until, segment=segment, first=first,
        outcome=outcome, gap_days=gap_days,
    )  # fmt: skip
    found = await run_in_threadpool(
        _evidence, request.app.state.analytics, client.organization_id, q, name
    )
    return asdict(found)


def _evidence(analytics: Analytics, org_id: int, q: FrictionQuery, name: str) -> Any:
    with analytics.fresh() as con:
        return friction_evidence(con, org_id, q, name)
